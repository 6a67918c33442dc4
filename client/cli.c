/*
 * cli.c: hcpcs(1), the command-line client of hcpcsd.  Uses only the
 * public libhcpcs API: typed calls for most human-readable output, and
 * the pipelining core (hcpcs_appendf + hcpcs_get_reply) for --json,
 * which prints the server's result as it came, and for validate.  Under
 * --json every answer is one line on stdout, an error too.
 *
 * Exit status: 0 found / ok / valid, 1 not found / invalid, 2 error.
 */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcpcs.h"

#define CLI_OK		0
#define CLI_NO		1
#define CLI_ERR		2
#define CLI_WRAP	76	/* long description column limit */
#define CLI_MAX_ARGS	256	/* positional arguments */
#define CLI_DIFF_COLS	10	/* codes per line in diff lists */
#define CLI_BATCH	1000	/* codes per lookup_many; halved while the
				   server says too_large (max_batch) */
#define CLI_DEPTH	256	/* validate requests in flight */
#define CLI_AGAIN	(-1)	/* batch too large, nothing printed */

struct cli {
	const char	*socket;
	int		 json;
	int		 all;
	int		 limit;
	const char	*set;
	const char	*as_of;
	const char	*args[CLI_MAX_ARGS];
	int		 nargs;
	struct hcpcs	*c;
	size_t		 batch;		/* codes per lookup_many */
	size_t		 nout;		/* records printed (human lookup) */
};

static void
cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: hcpcs [-hV] [--json] [-s socket] [--expect-uid user] "
	    "command [argument ...]\n"
	    "       hcpcs lookup code ... | - [--set name] [--as-of date]\n"
	    "       hcpcs search text ... [--limit n] [--set name] "
	    "[--as-of date] [--all]\n"
	    "       hcpcs validate code date | - [--set name]\n"
	    "       hcpcs diff set from to\n"
	    "       hcpcs classify code\n"
	    "       hcpcs info\n"
	    "       hcpcs reload\n"
	    "       hcpcs ping\n");
}

/* ---- JSON ---- */

/* Length of the valid UTF-8 sequence (RFC 3629) at s, 0 when none. */
static size_t
cli_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string.  The server's strings should be UTF-8, but JSON must
 * be: each byte that is not part of valid UTF-8 becomes U+FFFD.
 */
static void
cli_json_str(const char *s, size_t len)
{
	size_t	i, n;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		switch (ch) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\b':
			fputs("\\b", stdout);
			break;
		case '\f':
			fputs("\\f", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				printf("\\u%04x", ch);
			else if (ch < 0x80)
				putchar(ch);
			else if ((n = cli_utf8_len((const unsigned char *)s +
			    i, len - i)) == 0)
				fputs("\\ufffd", stdout);
			else {
				fwrite(s + i, 1, n, stdout);
				i += n - 1;
			}
		}
	}
	putchar('"');
}

static void
cli_json(const struct hcpcs_value *v)
{
	char	buf[32];
	size_t	i;

	switch (v->type) {
	case HCPCS_T_NIL:
		fputs("null", stdout);
		break;
	case HCPCS_T_BOOL:
		fputs(v->i ? "true" : "false", stdout);
		break;
	case HCPCS_T_INT:
		printf("%lld", (long long)v->i);
		break;
	case HCPCS_T_FLOAT:
		if (isfinite(v->f))
			printf("%.17g", v->f);
		else
			fputs("null", stdout);
		break;
	case HCPCS_T_STR:
	case HCPCS_T_BIN:
		cli_json_str(v->s, v->len);
		break;
	case HCPCS_T_ARRAY:
		putchar('[');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				putchar(',');
			cli_json(&v->elems[i]);
		}
		putchar(']');
		break;
	case HCPCS_T_MAP:
		putchar('{');
		for (i = 0; i < v->n; i++) {
			const struct hcpcs_value *k = &v->elems[2 * i];

			if (i > 0)
				putchar(',');
			if (k->type == HCPCS_T_STR || k->type == HCPCS_T_BIN)
				cli_json_str(k->s, k->len);
			else if (k->type == HCPCS_T_INT) {
				snprintf(buf, sizeof(buf), "%lld",
				    (long long)k->i);
				cli_json_str(buf, strlen(buf));
			} else
				cli_json_str("", 0);
			putchar(':');
			cli_json(&v->elems[2 * i + 1]);
		}
		putchar('}');
		break;
	}
}

/* ---- errors ---- */

/* The error's code: the server's, or a name for the library's category. */
static const char *
cli_err_code(const struct hcpcs *c)
{
	const char	*code;

	switch (hcpcs_err(c)) {
	case HCPCS_ERR_SERVER:
		code = hcpcs_server_error_code(c);
		return code != NULL ? code : "?";
	case HCPCS_ERR_IO:
		return "io";
	case HCPCS_ERR_EOF:
		return "eof";
	case HCPCS_ERR_PROTOCOL:
		return "protocol";
	case HCPCS_ERR_TIMEOUT:
		return "timeout";
	case HCPCS_ERR_OOM:
		return "oom";
	case HCPCS_ERR_PEER:
		return "peer";
	default:
		return "other";
	}
}

static const char *
cli_err_message(const struct hcpcs *c)
{
	const char	*msg;

	if (hcpcs_err(c) == HCPCS_ERR_SERVER &&
	    (msg = hcpcs_server_error_message(c)) != NULL)
		return msg;
	return hcpcs_errstr(c);
}

/*
 * --json: {"code":code,"error":{"code":ecode,"message":msg}} on a line;
 * no "code" key when code is NULL.
 */
static void
cli_json_error(const char *code, const char *ecode, const char *msg)
{
	putchar('{');
	if (code != NULL) {
		cli_json_str("code", 4);
		putchar(':');
		cli_json_str(code, strlen(code));
		putchar(',');
	}
	fputs("\"error\":{\"code\":", stdout);
	cli_json_str(ecode, strlen(ecode));
	fputs(",\"message\":", stdout);
	cli_json_str(msg, strlen(msg));
	fputs("}}\n", stdout);
}

/* The context's error on stderr and, under --json, on stdout. */
static int
cli_fail(struct cli *cl)
{
	fprintf(stderr, "hcpcs: %s\n", hcpcs_errstr(cl->c));
	if (cl->json)
		cli_json_error(NULL, cli_err_code(cl->c),
		    cli_err_message(cl->c));
	return CLI_ERR;
}

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

/* ---- human output ---- */

/* Print text wrapped at CLI_WRAP columns, each line indented. */
static void
cli_wrap(const char *text, const char *indent)
{
	const char	*p = text, *end, *brk;
	size_t		 width = CLI_WRAP - strlen(indent);

	while (*p != '\0') {
		end = p + strlen(p);
		if ((size_t)(end - p) > width) {
			end = p + width;
			for (brk = end; brk > p && *brk != ' '; brk--)
				;
			if (brk > p)
				end = brk;
		}
		printf("%s%.*s\n", indent, (int)(end - p), p);
		p = end;
		while (*p == ' ')
			p++;
	}
}

static void
cli_kv(const char *key, const char *val)
{
	if (val != NULL)
		printf("  %-13s %s\n", key, val);
}

static void
cli_kv_list(const char *key, const char **vals, size_t n)
{
	size_t	i;

	if (n == 0)
		return;
	printf("  %-13s", key);
	for (i = 0; i < n; i++)
		printf(" %s", vals[i]);
	putchar('\n');
}

static void
cli_print_record(const struct hcpcs_record *r)
{
	char	buf[32];
	size_t	i;

	printf("%s  %s  %s\n", r->code != NULL ? r->code : "?",
	    r->status != NULL ? r->status : "-",
	    r->short_desc != NULL ? r->short_desc : "");
	if (r->long_desc != NULL)
		cli_wrap(r->long_desc, "    ");
	cli_kv("set:", r->set);
	cli_kv("release:", r->release);
	if (r->kind != NULL) {
		snprintf(buf, sizeof(buf), "%s, level %d", r->kind, r->level);
		cli_kv("kind:", buf);
	}
	cli_kv("medium:", r->medium_desc);
	cli_kv("added:", r->added);
	cli_kv("effective:", r->effective);
	cli_kv("terminated:", r->terminated);
	cli_kv("action:", r->action);
	cli_kv("coverage:", r->coverage);
	cli_kv_list("pricing:", r->pricing, r->npricing);
	cli_kv("mult_pricing:", r->mult_pricing);
	cli_kv("betos:", r->betos);
	cli_kv_list("tos:", r->tos, r->ntos);
	cli_kv_list("xref:", r->xref, r->nxref);
	cli_kv_list("cim:", r->cim, r->ncim);
	cli_kv_list("mcm:", r->mcm, r->nmcm);
	cli_kv("statute:", r->statute);
	cli_kv_list("labcert:", r->labcert, r->nlabcert);
	cli_kv("asc_group:", r->asc_group);
	cli_kv("asc_date:", r->asc_date);
	cli_kv("opps:", r->opps);
	cli_kv("opps_pi:", r->opps_pi);
	cli_kv("opps_date:", r->opps_date);
	cli_kv("proc_note:", r->proc_note);
	if (r->anesthesia_units >= 0) {
		snprintf(buf, sizeof(buf), "%d", r->anesthesia_units);
		cli_kv("anesthesia:", buf);
	}
	for (i = 0; i < r->nraw; i++)
		printf("  raw %-9s %s\n", r->raw_keys[i], r->raw_values[i]);
}

/* ---- commands ---- */

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

static int
cli_lookup(struct cli *cl)
{
	struct hcpcs_query q;
	char		*lines[CLI_BATCH];
	size_t		 n;
	int		 rc = CLI_OK, r;

	if (cl->nargs < 1) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static int
cli_search(struct cli *cl)
{
	struct hcpcs_query q;
	struct hcpcs_record **recs;
	const char	*text;
	char		 buf[4096];
	int		 i, n;

	if (cl->nargs < 1) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static int
cli_validate(struct cli *cl)
{
	const char	*codes[CLI_DEPTH], *dates[CLI_DEPTH];
	char		*lines[CLI_DEPTH], *copy;
	size_t		 i, n;
	int		 rc = CLI_OK, r;

	if (cl->nargs == 2)
		return cli_validate_batch(cl, &cl->args[0], &cl->args[1], 1);
	if (cl->nargs != 1 || strcmp(cl->args[0], "-") != 0) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static int
cli_classify(struct cli *cl)
{
	struct hcpcs_classification *k;
	char		 lvl[16];

	if (cl->nargs != 1) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static void
cli_print_release(const struct hcpcs_release_info *r)
{
	printf("  release %s%s%s: %lld codes, %lld modifiers\n",
	    r->effective != NULL ? r->effective : "always",
	    r->effective_auto ? " (auto)" : "",
	    r->in_force ? " [in force]" : "",
	    (long long)r->records, (long long)r->modifiers);
	printf("    %-11s %s\n", "path:", r->path != NULL ? r->path : "?");
	if (r->loaded_at != NULL)
		printf("    %-11s %s\n", "loaded_at:", r->loaded_at);
	if (r->sha256 != NULL)
		printf("    %-11s %s\n", "sha256:", r->sha256);
}

/* "what: total (name n, ...)", naming the non-zero counters. */
static void
cli_print_counters(const char *what, const struct hcpcs_counter *cs,
    size_t n)
{
	int64_t	total = 0;
	size_t	i;
	int	first = 1;

	for (i = 0; i < n; i++)
		total += cs[i].count;
	printf("%s: %lld", what, (long long)total);
	for (i = 0; i < n; i++) {
		if (cs[i].count == 0)
			continue;
		printf("%s%s %lld", first ? " (" : ", ", cs[i].name,
		    (long long)cs[i].count);
		first = 0;
	}
	printf("%s\n", first ? "" : ")");
}

static void
cli_print_stats(const struct hcpcs_stats *st)
{
	if (st->nrequests > 0)
		cli_print_counters("requests", st->requests, st->nrequests);
	if (st->nerrors > 0)
		cli_print_counters("errors", st->errors, st->nerrors);
	if (st->connections_current >= 0 && st->connections_total >= 0) {
		printf("connections: %lld current, %lld total",
		    (long long)st->connections_current,
		    (long long)st->connections_total);
		if (st->connections_rejected > 0)
			printf(", %lld rejected",
			    (long long)st->connections_rejected);
		putchar('\n');
	}
	if (st->bytes_in >= 0 && st->bytes_out >= 0)
		printf("bytes: %lld in, %lld out\n", (long long)st->bytes_in,
		    (long long)st->bytes_out);
	if (st->reloads >= 0) {
		printf("reloads: %lld", (long long)st->reloads);
		if (st->reloads_failed >= 0)
			printf(", %lld failed", (long long)st->reloads_failed);
		if (st->reloads > 0 && st->reload_last_ms >= 0)
			printf(", last took %lld ms",
			    (long long)st->reload_last_ms);
		putchar('\n');
	}
}

static int
cli_info(struct cli *cl)
{
	struct hcpcs_info *inf;
	size_t		 i, k;

	if (cl->nargs != 0) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

/* Codes, CLI_DIFF_COLS to a line, indented. */
static void
cli_print_codes(const char *what, const char **codes, size_t n)
{
	size_t	i;

	if (n == 0)
		return;
	printf("%s (%zu):\n", what, n);
	for (i = 0; i < n; i++)
		printf("%s%s%s", i % CLI_DIFF_COLS == 0 ? "  " : " ", codes[i],
		    i % CLI_DIFF_COLS == CLI_DIFF_COLS - 1 || i + 1 == n ?
		    "\n" : "");
}

static int
cli_diff(struct cli *cl)
{
	struct hcpcs_value *v;
	struct hcpcs_diff *d;
	const char	*from, *to;
	size_t		 i, k;

	if (cl->nargs != 3) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static int
cli_reload(struct cli *cl)
{
	struct hcpcs_reload *r;
	int		 rc;

	if (cl->nargs != 0) {
		cli_usage(stderr);
		return CLI_ERR;
	}
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

static int
cli_ping(struct cli *cl)
{
	if (cl->nargs != 0) {
		cli_usage(stderr);
		return CLI_ERR;
	}
	if (cl->json)
		return cli_json_simple(cl, "ping", cli_judge_ok);
	if (hcpcs_ping(cl->c) == -1)
		return cli_fail(cl);
	printf("pong\n");
	return CLI_OK;
}

static const struct {
	const char	*name;
	int		(*fn)(struct cli *);
} cli_cmds[] = {
	{ "lookup", cli_lookup },
	{ "search", cli_search },
	{ "validate", cli_validate },
	{ "diff", cli_diff },
	{ "classify", cli_classify },
	{ "info", cli_info },
	{ "reload", cli_reload },
	{ "ping", cli_ping },
};

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
		rc = cli_cmds[k].fn(&cl);
	hcpcs_free(cl.c);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "hcpcs: stdout: %s\n", strerror(errno));
		return CLI_ERR;
	}
	return rc;
}
