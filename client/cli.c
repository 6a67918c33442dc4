/*
 * cli.c: hcpcs(1), the command-line client of hcpcsd.  Uses only the
 * public libhcpcs API: typed calls for most human-readable output, and
 * the pipelining core (hcpcs_appendf + hcpcs_get_reply) for --json,
 * which prints the server's result as it came, and for validate.  Under
 * --json every answer is one line on stdout, an error too.
 *
 * This file holds the options, the command table and the dispatch; the
 * commands are in cli_cmd.c, the printing in cli_out.c.
 *
 * Exit status: 0 found / ok / valid, 1 not found / invalid, 2 error.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * One row per command: its arity, checked in cli_run and nowhere else,
 * and its usage line, printed by cli_usage in this order.
 */
static const struct cli_cmd {
	const char	*name;
	int		 min, max;	/* positional arguments */
	int		(*fn)(struct cli *);
	const char	*usage;		/* after the name; NULL: none */
} cli_cmds[] = {
	{ "lookup", 1, CLI_MAX_ARGS, cli_lookup,
	    "code ... | - [--set name] [--as-of date]" },
	{ "search", 1, CLI_MAX_ARGS, cli_search,
	    "text ... [--limit n] [--set name] [--as-of date] [--all]" },
	{ "validate", 1, 2, cli_validate, "code date | - [--set name]" },
	{ "diff", 3, 3, cli_diff, "set from to" },
	{ "classify", 1, 1, cli_classify, "code" },
	{ "info", 0, 0, cli_info, NULL },
	{ "reload", 0, 0, cli_reload, "[--dry-run]" },
	{ "ping", 0, 0, cli_ping, NULL },
};

static void
cli_usage(FILE *f)
{
	size_t	k;

	fprintf(f, "usage: hcpcs [-hV] [--json] [-s socket] "
	    "[--expect-uid user] command [argument ...]\n");
	for (k = 0; k < sizeof(cli_cmds) / sizeof(cli_cmds[0]); k++)
		fprintf(f, "       hcpcs %s%s%s\n", cli_cmds[k].name,
		    cli_cmds[k].usage != NULL ? " " : "",
		    cli_cmds[k].usage != NULL ? cli_cmds[k].usage : "");
}

/*
 * Run cmd on a connected context.  The arity is checked here, after
 * connecting, where each command used to check it, so that a server that
 * is down is still reported before a usage slip.
 */
static int
cli_run(const struct cli_cmd *cmd, struct cli *cl)
{
	int	rc;

	if (cl->nargs < cmd->min || cl->nargs > cmd->max ||
	    (rc = cmd->fn(cl)) == CLI_USAGE) {
		cli_usage(stderr);
		return CLI_ERR;
	}
	return rc;
}

/*
 * The value of option name at argv[*i]: "--name=value" or "--name value".
 * NULL when argv[*i] is not that option; exits on a missing value.
 */
static const char *
cli_optarg(int argc, char **argv, int *i, const char *name)
{
	size_t	len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "hcpcs: %s needs a value\n", name);
		exit(CLI_ERR);
	}
	return argv[++*i];
}

/*
 * Whom the server must run as (besides root), from --expect-uid or
 * $HCPCSD_EXPECT_UID: a uid, a user name, or "any" for no check.
 * Without either, the owner of the socket's directory: whoever could
 * put a socket there could have made the server anyway.  -1 after
 * saying why v is none of these.
 */
static int
cli_expect(const char *v, const char *what, struct hcpcs_options *o)
{
	struct passwd	*pw;
	unsigned long	 n;
	char		*end;

	o->expect = HCPCS_EXPECT_DIR_OWNER;
	if (v == NULL || *v == '\0')
		return 0;
	if (strcmp(v, "any") == 0) {
		o->expect = HCPCS_EXPECT_ANY;
		return 0;
	}
	o->expect = HCPCS_EXPECT_UID;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v >= '0' && *v <= '9' && *end == '\0' && errno == 0 &&
	    n == (unsigned long)(uid_t)n && (uid_t)n != (uid_t)-1) {
		o->expect_uid = (uid_t)n;
		return 0;
	}
	if ((pw = getpwnam(v)) != NULL) {
		o->expect_uid = pw->pw_uid;
		return 0;
	}
	fprintf(stderr, "hcpcs: bad %s: %s: not a uid, a user or \"any\"\n",
	    what, v);
	return -1;
}

int
main(int argc, char *argv[])
{
	struct hcpcs_options o;
	struct cli	 cl;
	const char	*cmd = NULL, *v, *expect = NULL;
	const char	*expect_what = "--expect-uid";
	char		*end;
	size_t		 k;
	int		 i, rc, opts = 1;

	memset(&cl, 0, sizeof(cl));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--") == 0)
				opts = 0;
			else if (strcmp(a, "-h") == 0 ||
			    strcmp(a, "--help") == 0) {
				cli_usage(stdout);
				return CLI_OK;
			} else if (strcmp(a, "-V") == 0 ||
			    strcmp(a, "--version") == 0) {
				printf("hcpcs %d.%d.%d\n", HCPCS_VERSION_MAJOR,
				    HCPCS_VERSION_MINOR, HCPCS_VERSION_PATCH);
				return CLI_OK;
			} else if (strcmp(a, "--json") == 0)
				cl.json = 1;
			else if (strcmp(a, "--all") == 0)
				cl.all = 1;
			else if (strcmp(a, "--dry-run") == 0)
				cl.dry_run = 1;
			else if ((v = cli_optarg(argc, argv, &i, "-s")) !=
			    NULL || (v = cli_optarg(argc, argv, &i,
			    "--socket")) != NULL)
				cl.socket = v;
			else if ((v = cli_optarg(argc, argv, &i,
			    "--expect-uid")) != NULL)
				expect = v;
			else if ((v = cli_optarg(argc, argv, &i, "--set")) !=
			    NULL)
				cl.set = v;
			else if ((v = cli_optarg(argc, argv, &i, "--as-of")) !=
			    NULL)
				cl.as_of = v;
			else if ((v = cli_optarg(argc, argv, &i, "--limit")) !=
			    NULL) {
				errno = 0;
				cl.limit = (int)strtol(v, &end, 10);
				if (errno != 0 || *end != '\0' || end == v ||
				    cl.limit < 1) {
					fprintf(stderr, "hcpcs: bad --limit: "
					    "%s\n", v);
					return CLI_ERR;
				}
			} else {
				fprintf(stderr, "hcpcs: unknown option: %s\n",
				    a);
				cli_usage(stderr);
				return CLI_ERR;
			}
		} else if (cmd == NULL)
			cmd = a;
		else if (cl.nargs < CLI_MAX_ARGS)
			cl.args[cl.nargs++] = a;
		else {
			fprintf(stderr, "hcpcs: too many arguments\n");
			return CLI_ERR;
		}
	}
	if (cmd == NULL) {
		cli_usage(stderr);
		return CLI_ERR;
	}
	for (k = 0; k < sizeof(cli_cmds) / sizeof(cli_cmds[0]); k++)
		if (strcmp(cmd, cli_cmds[k].name) == 0)
			break;
	if (k == sizeof(cli_cmds) / sizeof(cli_cmds[0])) {
		fprintf(stderr, "hcpcs: unknown command: %s\n", cmd);
		cli_usage(stderr);
		return CLI_ERR;
	}

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.socket_path = cl.socket;
	if (expect == NULL) {
		expect = getenv("HCPCSD_EXPECT_UID");
		expect_what = "HCPCSD_EXPECT_UID";
	}
	if (cli_expect(expect, expect_what, &o) == -1)
		return CLI_ERR;
	if ((cl.c = hcpcs_connect(&o)) == NULL) {
		fprintf(stderr, "hcpcs: out of memory\n");
		return CLI_ERR;
	}
	if (hcpcs_err(cl.c) != HCPCS_OK)
		rc = cli_fail(&cl);
	else
		rc = cli_run(&cli_cmds[k], &cl);
	hcpcs_free(cl.c);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "hcpcs: stdout: %s\n", strerror(errno));
		return CLI_ERR;
	}
	return rc;
}
