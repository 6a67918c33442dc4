/*
 * cli_cmd.c: the commands of hcpcs(1), one function each, called by
 * cli.c once the command's arity is checked and the context connected.
 * Each either makes the typed libhcpcs call and prints its answer, or
 * under --json pipelines the raw call and prints the result as it came.
 * lookup and validate also read their codes from stdin ("-"), a batch
 * at a time.  Each returns the exit status, or CLI_USAGE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CLI_BATCH	1000	/* codes per lookup_many; halved while the
				   server says too_large (max_batch) */
#define CLI_DEPTH	256	/* validate requests in flight */
#define CLI_AGAIN	(-1)	/* batch too large, nothing printed */

/* The message the server gives a code of no code shape. */
static void
cli_invalid_msg(const char *code, char *buf, size_t len)
{
	size_t	n = strlen(code);

	snprintf(buf, len, "\"%.*s\" is not a HCPCS or CPT code",
	    (int)(n > 32 ? 32 : n), code);
}

static int
cli_too_large(const struct hcpcs *c)
{
	return hcpcs_err(c) == HCPCS_ERR_SERVER &&
	    strcmp(cli_err_code(c), "too_large") == 0;
}

/*
 * Read up to max lines from stdin into lines[0..*n-1] (caller owns each,
 * free with cli_free_lines), without their line ends.  Returns 0, or -1
 * after saying why on a read error.
 */
static int
cli_read_lines(char **lines, size_t max, size_t *n)
{
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 len;

	*n = 0;
	while (*n < max && (len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		lines[(*n)++] = line;
		line = NULL;
		cap = 0;
	}
	free(line);
	if (ferror(stdin)) {
		fprintf(stderr, "hcpcs: stdin: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void
cli_free_lines(char **lines, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(lines[i]);
}

static void
cli_query(const struct cli *cl, struct hcpcs_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->set = cl->set;
	q->as_of = cl->as_of;
	q->limit = cl->limit;
	q->include_terminated = cl->all;
}

/*
 * --json: send every request first (pipelined), then print each reply.
 * The result is printed as one JSON value per line.
 */
static int
cli_json_calls(struct cli *cl, const char *method, const char *fmt,
    const char *const *first, int n, const struct hcpcs_query *q,
    int (*judge)(const struct hcpcs_value *))
{
	struct hcpcs_value *v;
	int		 i, rc = CLI_OK, r;

	for (i = 0; i < n; i++)
		if (hcpcs_appendf(cl->c, method, fmt, first[i], q) == -1)
			return cli_fail(cl);
	for (i = 0; i < n; i++) {
		if (hcpcs_get_reply(cl->c, &v) == -1) {
			rc = cli_fail(cl);
			if (hcpcs_err(cl->c) != HCPCS_ERR_SERVER)
				return rc;
			continue;
		}
		cli_json(v);
		putchar('\n');
		r = judge(v);
		if (r > rc)
			rc = r;
		hcpcs_value_free(v);
	}
	return rc;
}

static int
cli_judge_found(const struct hcpcs_value *v)
{
	if (v->type == HCPCS_T_NIL)
		return CLI_NO;
	if (v->type == HCPCS_T_ARRAY && v->n == 0)
		return CLI_NO;
	return CLI_OK;
}

static int
cli_vbool(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_BOOL && v->i;
}

static int
cli_judge_valid(const struct hcpcs_value *v)
{
	return cli_vbool(v, "valid") ? CLI_OK : CLI_NO;
}

static int
cli_judge_reload(const struct hcpcs_value *v)
{
	return cli_vbool(v, "ok") ? CLI_OK : CLI_NO;
}

static int
cli_judge_ok(const struct hcpcs_value *v)
{
	(void)v;
	return CLI_OK;
}

/* One answer of a lookup: a record, not found, or an error. */
static int
cli_lookup_answer(struct cli *cl, const char *code, const char *norm,
    const struct hcpcs_value *v, const struct hcpcs_record *r)
{
	if (cl->json) {
		if (v->type != HCPCS_T_NIL) {
			cli_json(v);
			putchar('\n');
			return CLI_OK;
		}
		fputs("{\"code\":", stdout);
		cli_json_str(norm, strlen(norm));
		fputs(",\"found\":false}\n", stdout);
		return CLI_NO;
	}
	if (cl->nout++ > 0)
		putchar('\n');
	if (r == NULL) {
		printf("%s  not found\n", code);
		return CLI_NO;
	}
	cli_print_record(r);
	return CLI_OK;
}

/*
 * Look codes[0..n-1] up with one lookup_many and print one answer per
 * code, in order.  lookup_many answers a code of no code shape with nil,
 * as one not loaded, so those are not sent but answered here as lookup
 * would (invalid_code).  Returns the exit status, or CLI_AGAIN with
 * nothing printed when the server says the batch is too large.
 */
static int
cli_lookup_batch(struct cli *cl, const char *const *codes, size_t n,
    const struct hcpcs_query *q)
{
	char		 norm[CLI_BATCH][HCPCS_CODE_MAX + 1];
	const char	*send[CLI_BATCH];
	struct hcpcs_record **recs = NULL;
	struct hcpcs_value *v = NULL;
	const char	*ecode = NULL, *emsg = NULL;
	char		 msg[80];
	size_t		 i, k = 0;
	int		 rc = CLI_OK, r, failed = 0;

	for (i = 0; i < n; i++)
		if (hcpcs_code_shape(codes[i], norm[i]))
			send[k++] = norm[i];
	if (k > 0) {
		if (cl->json)
			failed = hcpcs_appendf(cl->c, "lookup_many", "aq", send,
			    k, q) == -1 || hcpcs_get_reply(cl->c, &v) == -1;
		else
			failed = hcpcs_lookup_many(cl->c, send, k, q,
			    &recs) == -1;
		if (failed && k > 1 && cli_too_large(cl->c))
			return CLI_AGAIN;
		/* Said once for the batch; under --json again per code. */
		if (failed) {
			fprintf(stderr, "hcpcs: %s\n", hcpcs_errstr(cl->c));
			ecode = cli_err_code(cl->c);
			emsg = cli_err_message(cl->c);
		} else if (cl->json && (v->type != HCPCS_T_ARRAY ||
		    v->n != k)) {
			failed = 1;
			ecode = "protocol";
			emsg = "lookup_many: not one answer per code";
			fprintf(stderr, "hcpcs: %s\n", emsg);
		}
	}
	for (i = 0, k = 0; i < n; i++) {
		if (norm[i][0] == '\0') {
			cli_invalid_msg(codes[i], msg, sizeof(msg));
			if (cl->json)
				cli_json_error(codes[i], "invalid_code", msg);
			else
				fprintf(stderr, "hcpcs: %s: invalid_code: %s\n",
				    codes[i], msg);
			rc = CLI_ERR;
			continue;
		}
		if (failed) {
			if (cl->json)
				cli_json_error(norm[i], ecode, emsg);
			rc = CLI_ERR;
			k++;
			continue;
		}
		r = cli_lookup_answer(cl, codes[i], norm[i],
		    cl->json ? &v->elems[k] : NULL,
		    cl->json ? NULL : recs[k]);
		k++;
		if (r > rc)
			rc = r;
	}
	hcpcs_value_free(v);
	return rc;
}

/* codes[0..n-1] in batches of at most cl->batch; the exit status. */
static int
cli_lookup_codes(struct cli *cl, const char *const *codes, size_t n,
    const struct hcpcs_query *q)
{
	size_t	off = 0, k;
	int	rc = CLI_OK, r;

	while (off < n) {
		k = n - off < cl->batch ? n - off : cl->batch;
		if ((r = cli_lookup_batch(cl, codes + off, k, q)) ==
		    CLI_AGAIN) {
			cl->batch = k / 2;
			continue;
		}
		if (r > rc)
			rc = r;
		off += k;
	}
	return rc;
}

int
cli_lookup(struct cli *cl)
{
	struct hcpcs_query q;
	char		*lines[CLI_BATCH];
	size_t		 n;
	int		 rc = CLI_OK, r;

	cli_query(cl, &q);
	cl->batch = CLI_BATCH;
	if (cl->nargs != 1 || strcmp(cl->args[0], "-") != 0)
		return cli_lookup_codes(cl, cl->args, (size_t)cl->nargs, &q);
	/* One code a line from stdin, for pipelines. */
	do {
		if (cli_read_lines(lines, CLI_BATCH, &n) == -1)
			return CLI_ERR;
		r = cli_lookup_codes(cl, (const char *const *)lines, n, &q);
		cli_free_lines(lines, n);
		if (r > rc)
			rc = r;
		fflush(stdout);
	} while (n == CLI_BATCH);
	return rc;
}

/* Join the positional words into one search text. */
static int
cli_join(struct cli *cl, char *buf, size_t len)
{
	size_t	off = 0, n;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < cl->nargs; i++) {
		n = strlen(cl->args[i]);
		if (off + n + 2 > len) {
			fprintf(stderr, "hcpcs: search text too long\n");
			return -1;
		}
		if (i > 0)
			buf[off++] = ' ';
		memcpy(buf + off, cl->args[i], n + 1);
		off += n;
	}
	return 0;
}

int
cli_search(struct cli *cl)
{
	struct hcpcs_query q;
	struct hcpcs_record **recs;
	const char	*text;
	char		 buf[4096];
	int		 i, n;

	if (cli_join(cl, buf, sizeof(buf)) == -1)
		return CLI_ERR;
	text = buf;
	cli_query(cl, &q);
	if (cl->json)
		return cli_json_calls(cl, "search", "sQ", &text, 1, &q,
		    cli_judge_found);
	if ((n = hcpcs_search(cl->c, text, &q, &recs)) == -1)
		return cli_fail(cl);
	for (i = 0; i < n; i++)
		printf("%-5s  %-10s  %s\n",
		    recs[i]->code != NULL ? recs[i]->code : "?",
		    recs[i]->status != NULL ? recs[i]->status : "-",
		    recs[i]->short_desc != NULL ? recs[i]->short_desc :
		    recs[i]->long_desc != NULL ? recs[i]->long_desc : "");
	if (n == 0) {
		printf("no match\n");
		return CLI_NO;
	}
	return CLI_OK;
}

/* The string at key of map m, or NULL. */
static const char *
cli_vstr(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_STR ? v->s : NULL;
}

/* A validate result map as one human line. */
static void
cli_print_validation(const struct cli *cl, const char *code,
    const char *date, const struct hcpcs_value *m)
{
	const char	*vcode = cli_vstr(m, "code");
	const char	*reason = cli_vstr(m, "reason");
	const char	*status = cli_vstr(m, "status");
	const char	*set = cli_vstr(m, "set");
	const char	*release = cli_vstr(m, "release");

	printf("%s on %s: %s (%s", vcode != NULL ? vcode : code, date,
	    cli_judge_valid(m) == CLI_OK ? "valid" : "invalid",
	    reason != NULL ? reason : "?");
	if (reason != NULL && strcmp(reason, "no_release") == 0)
		printf(": no release %s in force on that date",
		    cl->set != NULL ? "of that set is" : "of any set is");
	else if (cli_vstr(m, "message") != NULL)
		printf(": %s", cli_vstr(m, "message"));
	/* "terminated, terminated" says nothing twice. */
	if (status != NULL && (reason == NULL || strcmp(status, reason) != 0))
		printf(", status %s", status);
	if (set != NULL)
		printf(", set %s", set);
	if (release != NULL)
		printf(", release %s", release);
	printf(")\n");
	/* A stale answer's release in force is its set's newest. */
	if (cli_vbool(m, "stale") && set != NULL && release != NULL)
		fprintf(stderr, "hcpcs: warning: %s's newest release is %s; "
		    "a newer quarterly release exists by %s\n", set, release,
		    date);
	else if (cli_vbool(m, "stale"))
		fprintf(stderr, "hcpcs: warning: a newer quarterly release "
		    "than those loaded exists by %s\n", date);
}

/*
 * Validate codes[i] on dates[i] for i < n, pipelined, printing one
 * answer per pair in order; a NULL code is a line that was not "code
 * date".  Returns the exit status.
 */
static int
cli_validate_batch(struct cli *cl, const char *const *codes,
    const char *const *dates, size_t n)
{
	struct hcpcs_query q;
	struct hcpcs_value *v;
	size_t		 i;
	int		 rc = CLI_OK, r;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.set = cl->set;
	/* A failed append is sticky: its get_reply below reports it. */
	for (i = 0; i < n; i++)
		if (codes[i] != NULL)
			(void)hcpcs_appendf(cl->c, "validate", "ssv", codes[i],
			    dates[i], &q);
	for (i = 0; i < n; i++) {
		if (codes[i] == NULL) {
			if (cl->json)
				cli_json_error(dates[i], "bad_request",
				    "expected \"code date\"");
			fprintf(stderr, "hcpcs: \"%s\": expected \"code "
			    "date\"\n", dates[i]);
			rc = CLI_ERR;
			continue;
		}
		if (hcpcs_get_reply(cl->c, &v) == -1) {
			fprintf(stderr, "hcpcs: %s: %s\n", codes[i],
			    hcpcs_errstr(cl->c));
			if (cl->json)
				cli_json_error(codes[i], cli_err_code(cl->c),
				    cli_err_message(cl->c));
			rc = CLI_ERR;
			continue;
		}
		if (cl->json) {
			cli_json(v);
			putchar('\n');
		} else
			cli_print_validation(cl, codes[i], dates[i], v);
		r = cli_judge_valid(v);
		if (r > rc)
			rc = r;
		hcpcs_value_free(v);
	}
	return rc;
}

/* Split "code date" in place; 0, or -1 when line is not two words. */
static int
cli_split_pair(char *line, const char **code, const char **date)
{
	static const char blank[] = " \t";
	char	*p = line + strspn(line, blank);

	*code = p;
	p += strcspn(p, blank);
	if (*p != '\0')
		*p++ = '\0';
	p += strspn(p, blank);
	*date = p;
	p += strcspn(p, blank);
	if (*p != '\0')
		*p++ = '\0';
	p += strspn(p, blank);
	return **code != '\0' && **date != '\0' && *p == '\0' ? 0 : -1;
}

int
cli_validate(struct cli *cl)
{
	const char	*codes[CLI_DEPTH], *dates[CLI_DEPTH];
	char		*lines[CLI_DEPTH], *copy;
	size_t		 i, n;
	int		 rc = CLI_OK, r;

	if (cl->nargs == 2)
		return cli_validate_batch(cl, &cl->args[0], &cl->args[1], 1);
	if (strcmp(cl->args[0], "-") != 0)
		return CLI_USAGE;
	/* "code date" a line from stdin, for pipelines. */
	do {
		if (cli_read_lines(lines, CLI_DEPTH, &n) == -1)
			return CLI_ERR;
		for (i = 0; i < n; i++) {
			/* A bad line is shown as it came. */
			if ((copy = strdup(lines[i])) == NULL) {
				fprintf(stderr, "hcpcs: out of memory\n");
				cli_free_lines(lines, n);
				return CLI_ERR;
			}
			if (cli_split_pair(copy, &codes[i], &dates[i]) == -1) {
				codes[i] = NULL;
				dates[i] = lines[i];
				free(copy);
			} else {
				free(lines[i]);
				lines[i] = copy;
			}
		}
		r = cli_validate_batch(cl, codes, dates, n);
		cli_free_lines(lines, n);
		if (r > rc)
			rc = r;
		fflush(stdout);
	} while (n == CLI_DEPTH);
	return rc;
}

int
cli_classify(struct cli *cl)
{
	struct hcpcs_classification *k;
	char		 lvl[16];

	if (cl->json)
		return cli_json_calls(cl, "classify", "s", cl->args, 1, NULL,
		    cli_judge_ok);
	if (hcpcs_classify(cl->c, cl->args[0], &k) == -1)
		return cli_fail(cl);
	snprintf(lvl, sizeof(lvl), "%d", k->level);
	printf("%s\n", k->code != NULL ? k->code : cl->args[0]);
	cli_kv("system:", k->system);
	cli_kv("level:", lvl);
	cli_kv("category:", k->category);
	cli_kv("section:", k->section);
	cli_kv("group:", k->group);
	cli_kv("kind:", k->kind);
	cli_kv("maintainer:", k->maintainer);
	return CLI_OK;
}

/* The no-argument methods in --json form. */
static int
cli_json_simple(struct cli *cl, const char *method,
    int (*judge)(const struct hcpcs_value *))
{
	struct hcpcs_value *v;
	int		 rc;

	if (hcpcs_appendf(cl->c, method, "") == -1 ||
	    hcpcs_get_reply(cl->c, &v) == -1)
		return cli_fail(cl);
	cli_json(v);
	putchar('\n');
	rc = judge(v);
	hcpcs_value_free(v);
	return rc;
}

int
cli_info(struct cli *cl)
{
	struct hcpcs_info *inf;
	size_t		 i, k;

	if (cl->json)
		return cli_json_simple(cl, "info", cli_judge_ok);
	if (hcpcs_info(cl->c, &inf) == -1)
		return cli_fail(cl);
	printf("hcpcsd %s, started %s, generation %lld\n",
	    inf->version != NULL ? inf->version : "?",
	    inf->started_at != NULL ? inf->started_at : "?",
	    (long long)inf->generation);
	for (i = 0; i < inf->nsets; i++) {
		const struct hcpcs_set_info *s = &inf->sets[i];

		printf("set %s (%s): %lld codes, %lld modifiers\n",
		    s->name != NULL ? s->name : "?",
		    s->format != NULL ? s->format : "?",
		    (long long)s->records, (long long)s->modifiers);
		if (s->min_records > 0)
			printf("  %-13s %lld\n", "min_records:",
			    (long long)s->min_records);
		/* A server before 0.2 lists no releases. */
		if (s->nreleases == 0) {
			cli_kv("path:", s->path);
			cli_kv("loaded_at:", s->loaded_at);
			cli_kv("sha256:", s->sha256);
		}
		for (k = 0; k < s->nreleases; k++)
			cli_print_release(&s->releases[k]);
	}
	/* Before any reload the server says ok, at nil. */
	if (inf->last_reload.ok && inf->last_reload.at == NULL)
		printf("last reload: never");
	else
		printf("last reload: %s", inf->last_reload.ok ? "ok" :
		    "failed");
	if (inf->last_reload.at != NULL)
		printf(" at %s", inf->last_reload.at);
	if (inf->last_reload.error != NULL)
		printf(": %s", inf->last_reload.error);
	putchar('\n');
	cli_print_stats(&inf->stats);
	return CLI_OK;
}

/* "-" on the command line names a release always in force (nil). */
static const char *
cli_release_arg(const char *a)
{
	return strcmp(a, "-") == 0 ? NULL : a;
}

int
cli_diff(struct cli *cl)
{
	struct hcpcs_value *v;
	struct hcpcs_diff *d;
	const char	*from, *to;
	size_t		 i, k;

	from = cli_release_arg(cl->args[1]);
	to = cli_release_arg(cl->args[2]);
	if (cl->json) {
		if (hcpcs_appendf(cl->c, "diff", "sss", cl->args[0], from,
		    to) == -1 || hcpcs_get_reply(cl->c, &v) == -1)
			return cli_fail(cl);
		cli_json(v);
		putchar('\n');
		hcpcs_value_free(v);
		return CLI_OK;
	}
	if (hcpcs_diff(cl->c, cl->args[0], from, to, &d) == -1)
		return cli_fail(cl);
	printf("set %s: %s -> %s\n", cl->args[0],
	    from != NULL ? from : "always", to != NULL ? to : "always");
	printf("added %zu, removed %zu, terminated %zu, changed %zu\n",
	    d->nadded, d->nremoved, d->nterminated, d->nchanged);
	cli_print_codes("added", d->added, d->nadded);
	cli_print_codes("removed", d->removed, d->nremoved);
	cli_print_codes("terminated", d->terminated, d->nterminated);
	if (d->nchanged > 0)
		printf("changed (%zu):\n", d->nchanged);
	for (i = 0; i < d->nchanged; i++) {
		printf("  %-5s ", d->changed[i].code);
		for (k = 0; k < d->changed[i].nfields; k++)
			printf("%s%s", k > 0 ? ", " : " ",
			    d->changed[i].fields[k]);
		putchar('\n');
	}
	return CLI_OK;
}

/* cli_vstr, or dflt when absent. */
static const char *
cli_vstr_or(const struct hcpcs_value *m, const char *key, const char *dflt)
{
	const char	*s = cli_vstr(m, key);

	return s != NULL ? s : dflt;
}

static long long
cli_vint(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_INT ? (long long)v->i : 0;
}

/* One side of a preview date: "release 2025-01-01 (6,710 codes)". */
static void
cli_preview_side(const struct hcpcs_value *v)
{
	if (v == NULL || v->type != HCPCS_T_MAP) {
		printf("nothing");
		return;
	}
	printf("release %s (%lld codes)",
	    cli_vstr_or(v, "effective", "always"), cli_vint(v, "codes"));
}

/* One dated entry of a set's preview (docs/protocol.md, reload). */
static void
cli_preview_change(const char *set, const struct hcpcs_value *ch)
{
	static const char *const kinds[] = {
		"added", "terminated", "changed", "removed"
	};
	const struct hcpcs_value *l, *codes;
	size_t		 k, i;

	printf("  %s on %s: ", set, cli_vstr_or(ch, "as_of", "?"));
	cli_preview_side(hcpcs_value_get(ch, "from"));
	printf(" -> ");
	cli_preview_side(hcpcs_value_get(ch, "to"));
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		printf("%s %lld %s", k > 0 ? "," : ":",
		    cli_vint(hcpcs_value_get(ch, kinds[k]), "count"),
		    kinds[k]);
	putchar('\n');
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		l = hcpcs_value_get(ch, kinds[k]);
		codes = hcpcs_value_get(l, "codes");
		if (codes == NULL || codes->type != HCPCS_T_ARRAY ||
		    codes->n == 0)
			continue;
		printf("    %s:", kinds[k]);
		for (i = 0; i < codes->n; i++)
			if (codes->elems[i].type == HCPCS_T_STR)
				printf(" %s", codes->elems[i].s);
		if ((size_t)cli_vint(l, "count") > codes->n)
			printf(" ... and %llu more",
			    (unsigned long long)cli_vint(l, "count") -
			    (unsigned long long)codes->n);
		putchar('\n');
	}
}

/*
 * reload --dry-run: the daemon loads and checks its configuration and
 * says what would change, swapping nothing.  The params are packed by
 * hand: [{"dry_run": true}].
 */
static int
cli_reload_dry_run(struct cli *cl)
{
	static const char params[] = "\x91\x81\xa7" "dry_run" "\xc3";
	const struct hcpcs_value *sets, *set, *chs;
	struct hcpcs_value *v;
	size_t		 i, j;
	int		 rc;

	if (hcpcs_append(cl->c, "reload", params, sizeof(params) - 1) == -1 ||
	    hcpcs_get_reply(cl->c, &v) == -1)
		return cli_fail(cl);
	rc = cli_judge_reload(v);
	if (cl->json) {
		cli_json(v);
		putchar('\n');
	} else if (rc != CLI_OK)
		printf("dry run failed: %s\n", cli_vstr_or(v, "error", "?"));
	else {
		printf("dry run ok: the configuration loads; compared with "
		    "generation %lld:\n", cli_vint(v, "generation"));
		sets = hcpcs_value_get(v, "sets");
		for (i = 0; sets != NULL && sets->type == HCPCS_T_ARRAY &&
		    i < sets->n; i++) {
			set = &sets->elems[i];
			chs = hcpcs_value_get(set, "changes");
			for (j = 0; chs != NULL && chs->type == HCPCS_T_ARRAY &&
			    j < chs->n; j++)
				cli_preview_change(cli_vstr_or(set, "name",
				    "?"), &chs->elems[j]);
		}
	}
	hcpcs_value_free(v);
	return rc;
}

int
cli_reload(struct cli *cl)
{
	struct hcpcs_reload *r;
	int		 rc;

	if (cl->dry_run)
		return cli_reload_dry_run(cl);
	if (cl->json)
		return cli_json_simple(cl, "reload", cli_judge_reload);
	if ((rc = hcpcs_reload(cl->c, &r)) == -1)
		return cli_fail(cl);
	if (rc == 1) {
		printf("reload ok, generation %lld\n",
		    (long long)r->generation);
		return CLI_OK;
	}
	printf("reload failed: %s\n", r->error != NULL ? r->error : "?");
	return CLI_NO;
}

int
cli_ping(struct cli *cl)
{
	if (cl->json)
		return cli_json_simple(cl, "ping", cli_judge_ok);
	if (hcpcs_ping(cl->c) == -1)
		return cli_fail(cl);
	printf("pong\n");
	return CLI_OK;
}
