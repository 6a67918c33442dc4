/*
 * hcpcs_call.c: libhcpcs's replies and typed calls.  hcpcs_get_reply
 * reads the next response (hcpcs_net.c) and checks it is the one
 * expected; each typed call is one append and one get_reply, and its
 * decoder turns the hcpcs_value tree into the call's struct, with
 * strings borrowed from the tree and arrays from the context's scratch
 * memory, both kept until the next call.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "hcpcs_int.h"

static const char *hcpcs_get_str(const struct hcpcs_value *, const char *);

/*
 * A row's offset, checked against the member's type: a row naming a
 * member of another type does not compile.
 */
#define HCPCS_AT(m, type) (offsetof(struct hcpcs_record, m) + 0 * \
			    _Generic(((struct hcpcs_record *)0)->m, type: 0))
#define F_STR(k, m)	{ k, HCPCS_F_STR, HCPCS_AT(m, const char *), 0, 0 }
#define F_INT(k, m, d)	{ k, HCPCS_F_INT, HCPCS_AT(m, int), 0, d }
#define F_LIST(k, m)	{ k, HCPCS_F_LIST, HCPCS_AT(m, const char **), \
			    HCPCS_AT(n##m, size_t), 0 }

/* The record map, key by key in docs/protocol.md's order. */
static const struct hcpcs_field record_fields[] = {
	F_STR("code", code),
	F_STR("set", set),
	F_STR("release", release),
	F_STR("kind", kind),
	F_INT("level", level, 0),
	F_STR("short", short_desc),
	F_STR("medium", medium_desc),
	F_STR("long", long_desc),
	F_STR("added", added),
	F_STR("effective", effective),
	F_STR("terminated", terminated),
	F_STR("action", action),
	F_STR("coverage", coverage),
	F_LIST("pricing", pricing),
	F_STR("mult_pricing", mult_pricing),
	F_LIST("cim", cim),
	F_LIST("mcm", mcm),
	F_STR("statute", statute),
	F_LIST("labcert", labcert),
	F_LIST("xref", xref),
	F_STR("asc_group", asc_group),
	F_STR("asc_date", asc_date),
	F_STR("opps", opps),
	F_STR("opps_pi", opps_pi),
	F_STR("opps_date", opps_date),
	F_STR("proc_note", proc_note),
	F_STR("betos", betos),
	F_LIST("tos", tos),
	F_INT("anesthesia_units", anesthesia_units, -1),
	{ "raw", HCPCS_F_RAW, 0, 0, 0 },
	F_STR("status", status),
};

#undef HCPCS_AT
#undef F_STR
#undef F_INT
#undef F_LIST

static int
hcpcs_is_uint(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

/* A response's error map: kept for hcpcs_server_error_*, and the error. */
static void
hcpcs_server_error(struct hcpcs *c, const msgpack_object *e)
{
	const char	*code, *msg;

	if ((c->srverr = hcpcs_value_from(e)) == NULL) {
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		return;
	}
	code = hcpcs_get_str(c->srverr, "code");
	msg = hcpcs_get_str(c->srverr, "message");
	hcpcs_set_error(c, HCPCS_ERR_SERVER, "%s: %s",
	    code != NULL ? code : "?", msg != NULL ? msg : "");
}

int
hcpcs_get_reply(struct hcpcs *c, struct hcpcs_value **result)
{
	msgpack_unpacked u;
	msgpack_object	*a = NULL;
	struct hcpcs_value *v;
	long long	 deadline;

	if (result != NULL)
		*result = NULL;
	if (hcpcs_begin(c) == -1)
		return -1;
	if (c->pending == 0) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "no request pending");
		return -1;
	}
	/* One deadline for the reply: notifications do not extend it. */
	deadline = c->timeout_ms < 0 ? -1 : hcpcs_now_ms() + c->timeout_ms;
	msgpack_unpacked_init(&u);
	for (;;) {
		if (hcpcs_read_object(c, &u, deadline) == -1)
			goto fail;
		if (u.data.type != MSGPACK_OBJECT_ARRAY)
			goto bad;
		a = u.data.via.array.ptr;
		/* A notification from the server: none defined; skip. */
		if (u.data.via.array.size == 3 && hcpcs_is_uint(&a[0]) &&
		    a[0].via.u64 == 2)
			continue;
		break;
	}
	if (u.data.via.array.size != 4 || !hcpcs_is_uint(&a[0]) ||
	    a[0].via.u64 != 1 || !hcpcs_is_uint(&a[1]))
		goto bad;
	/*
	 * msgid 0 answers no request (they start at 1): what the server
	 * says to a client it turns away ("busy", "forbidden") before it
	 * closes the connection (the next call then meets its end).
	 */
	if (a[1].via.u64 == 0 && a[2].type == MSGPACK_OBJECT_MAP) {
		hcpcs_server_error(c, &a[2]);
		goto fail;
	}
	if (a[1].via.u64 != c->read_msgid) {
		hcpcs_set_error(c, HCPCS_ERR_PROTOCOL,
		    "reply msgid %llu, expected %lu",
		    (unsigned long long)a[1].via.u64,
		    (unsigned long)c->read_msgid);
		goto fail;
	}
	c->read_msgid++;
	c->pending--;
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		if (a[2].type != MSGPACK_OBJECT_MAP)
			goto bad;
		hcpcs_server_error(c, &a[2]);
		goto fail;
	}
	if (result != NULL) {
		if ((v = hcpcs_value_from(&a[3])) == NULL)
			goto oom;
		*result = v;
	}
	msgpack_unpacked_destroy(&u);
	return 0;
oom:
	hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
	goto fail;
bad:
	hcpcs_set_error(c, HCPCS_ERR_PROTOCOL, "reply is not a response array");
fail:
	msgpack_unpacked_destroy(&u);
	return -1;
}

/* ---- typed calls ---- */

/* One append + one get_reply; the result lands in c->last. */
static int
hcpcs_call(struct hcpcs *c, const char *method, const char *fmt, ...)
{
	struct hcpcs_value *v;
	va_list		 ap;
	int		 rc;

	if (c == NULL)
		return -1;
	if (c->err != HCPCS_OK && c->err != HCPCS_ERR_SERVER)
		return -1;
	if (c->pending != 0) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER,
		    "%s: %zu pipelined replies not read yet", method,
		    c->pending);
		return -1;
	}
	va_start(ap, fmt);
	rc = hcpcs_vappendf(c, method, fmt, ap);
	va_end(ap);
	if (rc == -1 || hcpcs_get_reply(c, &v) == -1)
		return -1;
	c->last = v;
	return 0;
}

static int
hcpcs_bad_result(struct hcpcs *c, const char *method)
{
	hcpcs_set_error(c, HCPCS_ERR_PROTOCOL, "%s: unexpected result shape",
	    method);
	return -1;
}

static const char *
hcpcs_get_str(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_STR ? v->s : NULL;
}

static int64_t
hcpcs_get_int(const struct hcpcs_value *m, const char *key, int64_t def)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_INT ? v->i : def;
}

static int
hcpcs_get_bool(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_BOOL && v->i != 0;
}

/* A [str] value as a scratch array of its strings (non-strings skipped). */
static int
hcpcs_get_strlist(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, const char ***out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);
	const char	**arr;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (v == NULL || v->type != HCPCS_T_ARRAY || v->n == 0)
		return 0;
	if ((arr = hcpcs_scratch_alloc(c, v->n * sizeof(*arr))) == NULL)
		return -1;
	for (i = 0; i < v->n; i++)
		if (v->elems[i].type == HCPCS_T_STR)
			arr[(*n)++] = v->elems[i].s;
	*out = arr;
	return 0;
}

/* The raw map (field name -> text) as two scratch arrays. */
static int
hcpcs_get_raw(struct hcpcs *c, const struct hcpcs_value *m, const char *key,
    struct hcpcs_record *r)
{
	const struct hcpcs_value *raw = hcpcs_value_get(m, key), *k, *val;
	size_t		 i;

	if (raw == NULL || raw->type != HCPCS_T_MAP || raw->n == 0)
		return 0;
	r->raw_keys = hcpcs_scratch_alloc(c, raw->n * sizeof(char *));
	r->raw_values = hcpcs_scratch_alloc(c, raw->n * sizeof(char *));
	if (r->raw_keys == NULL || r->raw_values == NULL)
		return -1;
	for (i = 0; i < raw->n; i++) {
		k = &raw->elems[2 * i];
		val = &raw->elems[2 * i + 1];
		if (k->type != HCPCS_T_STR || val->type != HCPCS_T_STR)
			continue;
		r->raw_keys[r->nraw] = k->s;
		r->raw_values[r->nraw++] = val->s;
	}
	return 0;
}

static struct hcpcs_record *
hcpcs_decode_record(struct hcpcs *c, const struct hcpcs_value *m)
{
	const struct hcpcs_field *f;
	struct hcpcs_record *r;
	char		*p;
	int		 rc = 0;

	if (m->type != HCPCS_T_MAP) {
		hcpcs_bad_result(c, "record");
		return NULL;
	}
	if ((r = hcpcs_scratch_alloc(c, sizeof(*r))) == NULL)
		return NULL;
	for (f = record_fields; f < record_fields +
	    sizeof(record_fields) / sizeof(record_fields[0]) && rc == 0; f++) {
		p = (char *)r + f->offset;
		switch (f->type) {
		case HCPCS_F_STR:
			*(const char **)(void *)p = hcpcs_get_str(m, f->key);
			break;
		case HCPCS_F_INT:
			*(int *)(void *)p = (int)hcpcs_get_int(m, f->key,
			    f->absent);
			break;
		case HCPCS_F_LIST:
			rc = hcpcs_get_strlist(c, m, f->key,
			    (const char ***)(void *)p,
			    (size_t *)(void *)((char *)r + f->count));
			break;
		case HCPCS_F_RAW:
			rc = hcpcs_get_raw(c, m, f->key, r);
			break;
		}
	}
	return rc == 0 ? r : NULL;
}

const struct hcpcs_field *
hcpcs_record_fields(size_t *n)
{
	*n = sizeof(record_fields) / sizeof(record_fields[0]);
	return record_fields;
}

/* An array of record maps (nil slots stay NULL); returns found count. */
static int
hcpcs_decode_records(struct hcpcs *c, const char *method,
    struct hcpcs_record ***out)
{
	const struct hcpcs_value *v = c->last;
	struct hcpcs_record **recs;
	size_t		 i;
	int		 found = 0;

	if (v->type != HCPCS_T_ARRAY || v->n > INT_MAX)
		return hcpcs_bad_result(c, method);
	if ((recs = hcpcs_scratch_alloc(c, (v->n + 1) * sizeof(*recs))) ==
	    NULL)
		return -1;
	for (i = 0; i < v->n; i++) {
		if (v->elems[i].type == HCPCS_T_NIL)
			continue;
		if ((recs[i] = hcpcs_decode_record(c, &v->elems[i])) == NULL)
			return -1;
		found++;
	}
	*out = recs;
	return found;
}

int
hcpcs_ping(struct hcpcs *c)
{
	if (hcpcs_call(c, "ping", "") == -1)
		return -1;
	if (c->last->type != HCPCS_T_STR || strcmp(c->last->s, "pong") != 0)
		return hcpcs_bad_result(c, "ping");
	return 0;
}

int
hcpcs_lookup(struct hcpcs *c, const char *code, const struct hcpcs_query *q,
    struct hcpcs_record **out)
{
	*out = NULL;
	if (hcpcs_call(c, "lookup", "sq", code, q) == -1)
		return -1;
	if (c->last->type == HCPCS_T_NIL)
		return 0;
	if ((*out = hcpcs_decode_record(c, c->last)) == NULL)
		return -1;
	return 1;
}

int
hcpcs_lookup_many(struct hcpcs *c, const char *const *codes, size_t n,
    const struct hcpcs_query *q, struct hcpcs_record ***out)
{
	int	found;

	*out = NULL;
	if (hcpcs_call(c, "lookup_many", "aq", codes, n, q) == -1)
		return -1;
	found = hcpcs_decode_records(c, "lookup_many", out);
	if (found >= 0 && c->last->n != n) {
		*out = NULL;
		return hcpcs_bad_result(c, "lookup_many");
	}
	return found;
}

int
hcpcs_validate(struct hcpcs *c, const char *code, const char *date,
    const struct hcpcs_query *q, struct hcpcs_validation **out)
{
	struct hcpcs_validation *v;
	const struct hcpcs_value *m;

	if (out != NULL)
		*out = NULL;
	if (hcpcs_call(c, "validate", "ssv", code, date, q) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP || hcpcs_value_get(m, "valid") == NULL)
		return hcpcs_bad_result(c, "validate");
	if ((v = hcpcs_scratch_alloc(c, sizeof(*v))) == NULL)
		return -1;
	v->valid = hcpcs_get_bool(m, "valid");
	v->code = hcpcs_get_str(m, "code");
	v->status = hcpcs_get_str(m, "status");
	v->reason = hcpcs_get_str(m, "reason");
	v->set = hcpcs_get_str(m, "set");
	v->release = hcpcs_get_str(m, "release");
	v->stale = hcpcs_get_bool(m, "stale");
	v->message = hcpcs_get_str(m, "message");
	if (out != NULL)
		*out = v;
	return v->valid ? 1 : 0;
}

int
hcpcs_search(struct hcpcs *c, const char *text, const struct hcpcs_query *q,
    struct hcpcs_record ***out)
{
	*out = NULL;
	if (hcpcs_call(c, "search", "sQ", text, q) == -1)
		return -1;
	return hcpcs_decode_records(c, "search", out);
}

/*
 * The shapes of daemon/classify.c's table, which test_client checks
 * this against: [A-Z]NNNN (HCPCS, CDT), NNNN[0-9AFMTU] (CPT) and two
 * letters or digits (modifiers).
 */
int
hcpcs_code_shape(const char *code, char out[HCPCS_CODE_MAX + 1])
{
	size_t	len, i;
	int	ok;

	out[0] = '\0';
	if (code == NULL)
		return 0;
	while (*code == ' ' || *code == '\t')
		code++;
	len = strlen(code);
	while (len > 0 && (code[len - 1] == ' ' || code[len - 1] == '\t'))
		len--;
	if (len != 2 && len != HCPCS_CODE_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		out[i] = code[i] >= 'a' && code[i] <= 'z' ?
		    (char)(code[i] - 'a' + 'A') : code[i];
		if (!(out[i] >= 'A' && out[i] <= 'Z') &&
		    !(out[i] >= '0' && out[i] <= '9'))
			break;
	}
	out[i] = '\0';
	if (i < len)
		ok = 0;
	else if (len == 2)
		ok = 1;
	else if (out[0] >= 'A' && out[0] <= 'Z')
		ok = strspn(out + 1, "0123456789") == 4;
	else
		ok = strspn(out, "0123456789") >= 4 &&
		    strchr("0123456789AFMTU", out[4]) != NULL;
	if (!ok)
		out[0] = '\0';
	return ok;
}

int
hcpcs_classify(struct hcpcs *c, const char *code,
    struct hcpcs_classification **out)
{
	struct hcpcs_classification *k;
	const struct hcpcs_value *m;

	*out = NULL;
	if (hcpcs_call(c, "classify", "s", code) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP)
		return hcpcs_bad_result(c, "classify");
	if ((k = hcpcs_scratch_alloc(c, sizeof(*k))) == NULL)
		return -1;
	k->code = hcpcs_get_str(m, "code");
	k->system = hcpcs_get_str(m, "system");
	k->level = (int)hcpcs_get_int(m, "level", 0);
	k->category = hcpcs_get_str(m, "category");
	k->section = hcpcs_get_str(m, "section");
	k->group = hcpcs_get_str(m, "group");
	k->kind = hcpcs_get_str(m, "kind");
	k->maintainer = hcpcs_get_str(m, "maintainer");
	*out = k;
	return 0;
}

/* A map of name -> int as a scratch array of counters (others skipped). */
static int
hcpcs_get_counters(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, struct hcpcs_counter **out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);
	struct hcpcs_counter *arr;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (v == NULL || v->type != HCPCS_T_MAP || v->n == 0)
		return 0;
	if ((arr = hcpcs_scratch_alloc(c, v->n * sizeof(*arr))) == NULL)
		return -1;
	for (i = 0; i < v->n; i++) {
		const struct hcpcs_value *k = &v->elems[2 * i];
		const struct hcpcs_value *val = &v->elems[2 * i + 1];

		if (k->type != HCPCS_T_STR || val->type != HCPCS_T_INT)
			continue;
		arr[*n].name = k->s;
		arr[(*n)++].count = val->i;
	}
	*out = arr;
	return 0;
}

/* info.stats; every counter the server left out stays -1. */
static int
hcpcs_decode_stats(struct hcpcs *c, const struct hcpcs_value *m,
    struct hcpcs_stats *st)
{
	const struct hcpcs_value *rl;

	st->notifications = hcpcs_get_int(m, "notifications", -1);
	st->connections_current = hcpcs_get_int(m, "connections_current", -1);
	st->connections_total = hcpcs_get_int(m, "connections_total", -1);
	st->connections_rejected = hcpcs_get_int(m, "connections_rejected",
	    -1);
	st->bytes_in = hcpcs_get_int(m, "bytes_in", -1);
	st->bytes_out = hcpcs_get_int(m, "bytes_out", -1);
	rl = hcpcs_value_get(m, "reloads");
	st->reloads = hcpcs_get_int(rl, "count", -1);
	st->reloads_failed = hcpcs_get_int(rl, "failed", -1);
	st->reload_last_ms = hcpcs_get_int(rl, "last_duration_ms", -1);
	if (hcpcs_get_counters(c, m, "requests", &st->requests,
	    &st->nrequests) == -1 ||
	    hcpcs_get_counters(c, m, "errors", &st->errors, &st->nerrors) == -1)
		return -1;
	return 0;
}

static int
hcpcs_decode_releases(struct hcpcs *c, const struct hcpcs_value *s,
    struct hcpcs_set_info *si)
{
	const struct hcpcs_value *rels = hcpcs_value_get(s, "releases");
	struct hcpcs_release_info *ri;
	size_t		 i;

	if (rels == NULL || rels->type != HCPCS_T_ARRAY || rels->n == 0)
		return 0;
	if ((si->releases = hcpcs_scratch_alloc(c,
	    rels->n * sizeof(*si->releases))) == NULL)
		return -1;
	si->nreleases = rels->n;
	for (i = 0; i < rels->n; i++) {
		const struct hcpcs_value *r = &rels->elems[i];

		ri = &si->releases[i];
		ri->path = hcpcs_get_str(r, "path");
		ri->effective = hcpcs_get_str(r, "effective");
		ri->effective_auto = hcpcs_get_bool(r, "effective_auto");
		ri->in_force = hcpcs_get_bool(r, "in_force");
		ri->records = hcpcs_get_int(r, "records", 0);
		ri->modifiers = hcpcs_get_int(r, "modifiers", 0);
		ri->sha256 = hcpcs_get_str(r, "sha256");
		ri->loaded_at = hcpcs_get_str(r, "loaded_at");
	}
	return 0;
}

int
hcpcs_info(struct hcpcs *c, struct hcpcs_info **out)
{
	const struct hcpcs_value *m, *sets, *lr;
	struct hcpcs_info *inf;
	size_t		 i;

	*out = NULL;
	if (hcpcs_call(c, "info", "") == -1)
		return -1;
	m = c->last;
	sets = hcpcs_value_get(m, "sets");
	if (m->type != HCPCS_T_MAP || sets == NULL ||
	    sets->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "info");
	if ((inf = hcpcs_scratch_alloc(c, sizeof(*inf))) == NULL)
		return -1;
	inf->version = hcpcs_get_str(m, "version");
	inf->started_at = hcpcs_get_str(m, "started_at");
	inf->generation = hcpcs_get_int(m, "generation", 0);
	if (sets->n > 0 && (inf->sets = hcpcs_scratch_alloc(c,
	    sets->n * sizeof(*inf->sets))) == NULL)
		return -1;
	inf->nsets = sets->n;
	for (i = 0; i < sets->n; i++) {
		const struct hcpcs_value *s = &sets->elems[i];
		struct hcpcs_set_info *si = &inf->sets[i];

		si->name = hcpcs_get_str(s, "name");
		si->format = hcpcs_get_str(s, "format");
		si->path = hcpcs_get_str(s, "path");
		si->records = hcpcs_get_int(s, "records", 0);
		si->modifiers = hcpcs_get_int(s, "modifiers", 0);
		si->loaded_at = hcpcs_get_str(s, "loaded_at");
		si->sha256 = hcpcs_get_str(s, "sha256");
		si->min_records = hcpcs_get_int(s, "min_records", 0);
		if (hcpcs_decode_releases(c, s, si) == -1)
			return -1;
	}
	lr = hcpcs_value_get(m, "last_reload");
	inf->last_reload.ok = lr == NULL ? 1 : hcpcs_get_bool(lr, "ok");
	inf->last_reload.at = hcpcs_get_str(lr, "at");
	inf->last_reload.error = hcpcs_get_str(lr, "error");
	if (hcpcs_decode_stats(c, hcpcs_value_get(m, "stats"),
	    &inf->stats) == -1)
		return -1;
	*out = inf;
	return 0;
}

/* A [str] result member as a scratch array; a non-array is malformed. */
static int
hcpcs_diff_codes(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, const char ***out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	if (v != NULL && v->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "diff");
	return hcpcs_get_strlist(c, m, key, out, n);
}

int
hcpcs_diff(struct hcpcs *c, const char *set, const char *from,
    const char *to, struct hcpcs_diff **out)
{
	const struct hcpcs_value *m, *ch;
	struct hcpcs_diff *d;
	size_t		 i;

	*out = NULL;
	if (hcpcs_call(c, "diff", "sss", set, from, to) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP)
		return hcpcs_bad_result(c, "diff");
	if ((d = hcpcs_scratch_alloc(c, sizeof(*d))) == NULL)
		return -1;
	if (hcpcs_diff_codes(c, m, "added", &d->added, &d->nadded) == -1 ||
	    hcpcs_diff_codes(c, m, "removed", &d->removed,
	    &d->nremoved) == -1 ||
	    hcpcs_diff_codes(c, m, "terminated", &d->terminated,
	    &d->nterminated) == -1)
		return -1;
	ch = hcpcs_value_get(m, "changed");
	if (ch != NULL && ch->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "diff");
	if (ch != NULL && ch->n > 0) {
		if ((d->changed = hcpcs_scratch_alloc(c,
		    ch->n * sizeof(*d->changed))) == NULL)
			return -1;
		for (i = 0; i < ch->n; i++) {
			const struct hcpcs_value *e = &ch->elems[i];
			struct hcpcs_diff_change *dc = &d->changed[d->nchanged];

			if (e->type != HCPCS_T_MAP ||
			    (dc->code = hcpcs_get_str(e, "code")) == NULL)
				return hcpcs_bad_result(c, "diff");
			if (hcpcs_get_strlist(c, e, "fields", &dc->fields,
			    &dc->nfields) == -1)
				return -1;
			d->nchanged++;
		}
	}
	*out = d;
	return 0;
}

int
hcpcs_reload(struct hcpcs *c, struct hcpcs_reload **out)
{
	struct hcpcs_reload *r;
	const struct hcpcs_value *m;

	if (out != NULL)
		*out = NULL;
	if (hcpcs_call(c, "reload", "") == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP || hcpcs_value_get(m, "ok") == NULL)
		return hcpcs_bad_result(c, "reload");
	if ((r = hcpcs_scratch_alloc(c, sizeof(*r))) == NULL)
		return -1;
	r->ok = hcpcs_get_bool(m, "ok");
	r->generation = hcpcs_get_int(m, "generation", 0);
	r->error = hcpcs_get_str(m, "error");
	if (out != NULL)
		*out = r;
	return r->ok ? 1 : 0;
}
