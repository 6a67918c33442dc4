/*
 * cli_out.c: how hcpcs(1) prints.  JSON for --json (a libhcpcs value
 * as it came, strings made valid UTF-8), errors on stderr and, under
 * --json, on stdout, and the human forms of the library's structs that
 * more than one command shows or that make a command long: a record, a
 * release, the counters of info, a list of codes.  Calls nothing of
 * cli.c or cli_cmd.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define CLI_WRAP	76	/* long description column limit */
#define CLI_DIFF_COLS	10	/* codes per line in diff lists */

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
void
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

void
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
const char *
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

const char *
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
void
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
int
cli_fail(struct cli *cl)
{
	fprintf(stderr, "hcpcs: %s\n", hcpcs_errstr(cl->c));
	if (cl->json)
		cli_json_error(NULL, cli_err_code(cl->c),
		    cli_err_message(cl->c));
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

void
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

void
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

void
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

void
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

/* Codes, CLI_DIFF_COLS to a line, indented. */
void
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
