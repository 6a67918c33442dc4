/*
 * cli.c: hcpcs(1), the command-line client of hcpcsd.  Uses only the
 * public libhcpcs API: typed calls for the human-readable output, and
 * the pipelining core (hcpcs_appendf + hcpcs_get_reply) for --json,
 * which prints the server's result as it came.
 *
 * Exit status: 0 found / ok / valid, 1 not found / invalid, 2 error.
 */
#include <errno.h>
#include <math.h>
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
};

static void
cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: hcpcs [-h] [--json] [-s socket] command [argument ...]\n"
	    "       hcpcs lookup code ... [--set name] [--as-of date]\n"
	    "       hcpcs search text ... [--limit n] [--set name] "
	    "[--as-of date] [--all]\n"
	    "       hcpcs validate code date [--set name]\n"
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

static int
cli_fail(struct cli *cl)
{
	fprintf(stderr, "hcpcs: %s\n", hcpcs_errstr(cl->c));
	return CLI_ERR;
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
			if (hcpcs_err(cl->c) != HCPCS_ERR_SERVER)
				return cli_fail(cl);
			fprintf(stderr, "hcpcs: %s\n", hcpcs_errstr(cl->c));
			rc = CLI_ERR;
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
cli_judge_valid(const struct hcpcs_value *v)
{
	const struct hcpcs_value *ok = hcpcs_value_get(v, "valid");

	return ok != NULL && ok->type == HCPCS_T_BOOL && ok->i ? CLI_OK :
	    CLI_NO;
}

static int
cli_judge_reload(const struct hcpcs_value *v)
{
	const struct hcpcs_value *ok = hcpcs_value_get(v, "ok");

	return ok != NULL && ok->type == HCPCS_T_BOOL && ok->i ? CLI_OK :
	    CLI_NO;
}

static int
cli_judge_ok(const struct hcpcs_value *v)
{
	(void)v;
	return CLI_OK;
}

static int
cli_lookup(struct cli *cl)
{
	struct hcpcs_query q;
	struct hcpcs_record *r;
	int		 i, rc = CLI_OK, found;

	if (cl->nargs < 1) {
		cli_usage(stderr);
		return CLI_ERR;
	}
	cli_query(cl, &q);
	if (cl->json)
		return cli_json_calls(cl, "lookup", "sq", cl->args,
		    cl->nargs, &q, cli_judge_found);
	for (i = 0; i < cl->nargs; i++) {
		if (i > 0)
			putchar('\n');
		found = hcpcs_lookup(cl->c, cl->args[i], &q, &r);
		if (found == -1) {
			if (hcpcs_err(cl->c) != HCPCS_ERR_SERVER)
				return cli_fail(cl);
			fprintf(stderr, "hcpcs: %s: %s\n", cl->args[i],
			    hcpcs_errstr(cl->c));
			rc = CLI_ERR;
		} else if (found == 0) {
			printf("%s  not found\n", cl->args[i]);
			if (rc < CLI_NO)
				rc = CLI_NO;
		} else
			cli_print_record(r);
	}
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

static int
cli_validate(struct cli *cl)
{
	struct hcpcs_query q;
	struct hcpcs_validation *v;
	struct hcpcs_value *val;
	int		 rc;

	if (cl->nargs != 2) {
		cli_usage(stderr);
		return CLI_ERR;
	}
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.set = cl->set;
	if (cl->json) {
		if (hcpcs_appendf(cl->c, "validate", "ssv", cl->args[0],
		    cl->args[1], &q) == -1 ||
		    hcpcs_get_reply(cl->c, &val) == -1)
			return cli_fail(cl);
		cli_json(val);
		putchar('\n');
		rc = cli_judge_valid(val);
		hcpcs_value_free(val);
		return rc;
	}
	if ((rc = hcpcs_validate(cl->c, cl->args[0], cl->args[1], &q, &v)) ==
	    -1)
		return cli_fail(cl);
	printf("%s on %s: %s (%s", v->code != NULL ? v->code : cl->args[0],
	    cl->args[1], v->valid ? "valid" : "invalid",
	    v->reason != NULL ? v->reason : "?");
	if (v->reason != NULL && strcmp(v->reason, "no_release") == 0)
		printf(": no release %s in force on that date",
		    cl->set != NULL ? "of that set is" : "of any set is");
	else if (v->message != NULL)
		printf(": %s", v->message);
	/* "terminated, terminated" says nothing twice. */
	if (v->status != NULL && (v->reason == NULL ||
	    strcmp(v->status, v->reason) != 0))
		printf(", status %s", v->status);
	if (v->set != NULL)
		printf(", set %s", v->set);
	if (v->release != NULL)
		printf(", release %s", v->release);
	printf(")\n");
	/* A stale answer's release in force is its set's newest. */
	if (v->stale && v->set != NULL && v->release != NULL)
		fprintf(stderr, "hcpcs: warning: %s's newest release is %s; "
		    "a newer quarterly release exists by %s\n", v->set,
		    v->release, cl->args[1]);
	else if (v->stale)
		fprintf(stderr, "hcpcs: warning: a newer quarterly release "
		    "than those loaded exists by %s\n", cl->args[1]);
	return rc == 1 ? CLI_OK : CLI_NO;
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
	    r->effective != NULL ? r->effective : "since ever",
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
	printf("last reload: %s", inf->last_reload.ok ? "ok" : "failed");
	if (inf->last_reload.at != NULL)
		printf(" at %s", inf->last_reload.at);
	if (inf->last_reload.error != NULL)
		printf(": %s", inf->last_reload.error);
	putchar('\n');
	cli_print_stats(&inf->stats);
	return CLI_OK;
}

/* "-" on the command line names a release in force since ever (nil). */
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
	    from != NULL ? from : "since ever", to != NULL ? to : "since ever");
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

int
main(int argc, char *argv[])
{
	struct hcpcs_options o;
	struct cli	 cl;
	const char	*cmd = NULL, *v;
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
			} else if (strcmp(a, "--json") == 0)
				cl.json = 1;
			else if (strcmp(a, "--all") == 0)
				cl.all = 1;
			else if ((v = cli_optarg(argc, argv, &i, "-s")) !=
			    NULL || (v = cli_optarg(argc, argv, &i,
			    "--socket")) != NULL)
				cl.socket = v;
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
