/*
 * rpc_methods.c: the methods that answer from the code sets: lookup,
 * lookup_many, validate, search, classify and diff (and ping).  Their
 * contracts (rpc.c's method table) are checked before they run: each
 * gets its leading params read and the batch's snapshot present when
 * its contract says so, and only packs its result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "classify.h"
#include "meanings.h"
#include "record.h"
#include "rpc.h"
#include "rpc_int.h"
#include "snapshot.h"

/*
 * Bounds of the bytes a reply takes, for rpc_room before packing:
 * an array header, a diff entry (a code; a changed one with every
 * field named, each name under 32 bytes).
 */
#define RPC_HDR_MAX		5
#define RPC_DIFF_CODE_MAX	24
#define RPC_DIFF_CHANGED_MAX	(32 + RPC_DIFF_CODE_MAX + RF_MAX * 32)

/* The bytes of a MessagePack str header; of a map or array header. */
static size_t
rpc_str_hdr(size_t len)
{
	return len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5;
}

static size_t
rpc_cont_hdr(size_t n)
{
	return n < 16 ? 1 : n < 65536 ? 3 : 5;
}

static size_t
rpc_pack_text(msgpack_packer *pk, const char *s)
{
	size_t		 len = strlen(s);

	if (pk != NULL) {
		msgpack_pack_str(pk, len);
		msgpack_pack_str_body(pk, s, len);
	}
	return rpc_str_hdr(len) + len;
}

/*
 * One field of the meanings map: its key and the text of its value, or
 * for a list an array of texts, one per value in the record's order
 * (nil for a value the table does not list).  0 when the field is left
 * out: empty in the record (so absent from its map too), or no value
 * of it in the table.  Packs only when pk is not NULL; adds the bytes
 * it packs (or would) to *bytes.
 */
static int
rpc_meaning(msgpack_packer *pk, const struct record *rec,
    enum record_field f, size_t *bytes)
{
	const struct record_field_info *fi = record_field_info(f);
	const void	*p = record_field_ptr(rec, f);
	const char *const *v;
	const char	*t;
	size_t		 i, n = 0, known = 0;

	if (fi->type == RECORD_T_LIST) {
		v = p;
		for (i = 0; i < fi->max; i++)
			if (v[i] != NULL) {
				n++;
				if (meanings_find(f, v[i], strlen(v[i])) != NULL)
					known++;
			}
		if (known == 0)
			return 0;
		*bytes += rpc_pack_text(pk, fi->name) + rpc_cont_hdr(n);
		if (pk != NULL)
			msgpack_pack_array(pk, n);
		for (i = 0; i < fi->max; i++) {
			if (v[i] == NULL)
				continue;
			if ((t = meanings_find(f, v[i], strlen(v[i]))) != NULL)
				*bytes += rpc_pack_text(pk, t);
			else {
				*bytes += 1;
				if (pk != NULL)
					msgpack_pack_nil(pk);
			}
		}
		return 1;
	}
	if (fi->type != RECORD_T_STR && fi->type != RECORD_T_TEXT)
		return 0;
	if ((t = *(const char *const *)p) == NULL || *t == '\0' ||
	    (t = meanings_find(f, t, strlen(t))) == NULL)
		return 0;
	*bytes += rpc_pack_text(pk, fi->name) + rpc_pack_text(pk, t);
	return 1;
}

/*
 * The "meanings" pair of a described record: the key and a map of
 * every coded field of rec that has a meaning.  Packs when pk is not
 * NULL; returns the bytes it packs (or would).
 */
static size_t
rpc_describe(msgpack_packer *pk, const struct record *rec)
{
	const enum record_field *fields;
	size_t		 nf, i, n = 0, bytes = 0, unused;

	fields = meanings_fields(&nf);
	for (i = 0; i < nf; i++)
		n += (size_t)rpc_meaning(NULL, rec, fields[i], &bytes);
	bytes += rpc_pack_text(pk, "meanings") + rpc_cont_hdr(n);
	if (pk == NULL)
		return bytes;
	msgpack_pack_map(pk, n);
	for (i = 0; i < nf; i++)
		(void)rpc_meaning(pk, rec, fields[i], &unused);
	return bytes;
}

/*
 * The key count of a pre-encoded record map and the length of its
 * header (snapshot_encode packs it with msgpack_pack_map: a fixmap,
 * map16 or map32).
 */
static uint32_t
rpc_enc_keys(const unsigned char *enc, size_t *hdrlen)
{
	if ((enc[0] & 0xf0) == 0x80) {
		*hdrlen = 1;
		return enc[0] & 0x0f;
	}
	if (enc[0] == 0xde) {
		*hdrlen = 3;
		return (uint32_t)enc[1] << 8 | enc[2];
	}
	*hdrlen = 5;
	return (uint32_t)enc[1] << 24 | (uint32_t)enc[2] << 16 |
	    (uint32_t)enc[3] << 8 | enc[4];
}

/* What rpc_pack_rec will append for sr. */
static size_t
rpc_rec_size(const struct snapshot_rec *sr, uint32_t as_of, int describe)
{
	const unsigned char	*kv;
	size_t			 kvlen, hdrlen;
	uint32_t		 n;

	if (sr == NULL)
		return 1;
	snapshot_status_kv(sr->rec, as_of, &kv, &kvlen);
	if (!describe)
		return sr->enclen + kvlen;
	n = rpc_enc_keys(sr->enc, &hdrlen);
	return sr->enclen - hdrlen + rpc_cont_hdr((size_t)n + 1) + kvlen +
	    rpc_describe(NULL, sr->rec);
}

/*
 * The record map: pre-encoded bytes plus the static "status" pair for
 * as_of, copied in one go when the buffer has room (it mostly has).
 * Described, the map takes one key more than its header counts: a new
 * header, then the encoded keys, status and the meanings last.
 */
static void
rpc_pack_rec(struct rpc_req *r, const struct snapshot_rec *sr,
    uint32_t as_of, int describe)
{
	struct rpc_out		*o = r->out;
	const unsigned char	*kv;
	size_t			 kvlen, hdrlen;
	uint32_t		 n;

	if (sr == NULL) {
		rpc_out_append(o, "\xc0", 1);
		return;
	}
	snapshot_status_kv(sr->rec, as_of, &kv, &kvlen);
	if (describe) {
		n = rpc_enc_keys(sr->enc, &hdrlen);
		msgpack_pack_map(&r->pk, (size_t)n + 1);
		rpc_out_append(o, sr->enc + hdrlen, sr->enclen - hdrlen);
		rpc_out_append(o, kv, kvlen);
		(void)rpc_describe(&r->pk, sr->rec);
		return;
	}
	if (!o->oom && o->cap - o->len >= sr->enclen + kvlen) {
		memcpy(o->data + o->len, sr->enc, sr->enclen);
		memcpy(o->data + o->len + sr->enclen, kv, kvlen);
		o->len += sr->enclen + kvlen;
		return;
	}
	rpc_out_append(o, sr->enc, sr->enclen);
	rpc_out_append(o, kv, kvlen);
}

int
rpc_m_ping(struct rpc_req *r, const struct rpc_args *a)
{
	(void)a;
	rpc_pack_cstr(&r->pk, "pong");
	return 0;
}

int
rpc_m_lookup(struct rpc_req *r, const struct rpc_args *a)
{
	rpc_pack_rec(r, snapshot_find(r->ctx->snap, a->o.set, a->cl.code,
	    a->o.as_of), a->o.as_of, a->o.describe);
	return 0;
}

int
rpc_m_lookup_many(struct rpc_req *r, const struct rpc_args *a)
{
	struct classify	 cl;
	struct rpc_cur	 codes = a->codes;
	const char	*s;
	size_t		 len;
	uint32_t	 i;
	size_t		 need = RPC_HDR_MAX;

	/*
	 * The reply's size is known from the records before packing; the
	 * exact sum (a second find per code) only when the largest record
	 * times the count could pass the room left, or always when described
	 * (the meanings have no bound kept).
	 */
	if (r->ctx->out_room != 0 && (a->o.describe || RPC_HDR_MAX +
	    (size_t)a->ncodes * snapshot_rec_bytes_max(r->ctx->snap) >
	    r->ctx->out_room)) {
		for (i = 0; i < a->ncodes; i++) {
			rpc_read_str(&codes, &s, &len);
			need += classify_code(s, len, &cl) == -1 ? 1 :
			    rpc_rec_size(snapshot_find(r->ctx->snap,
			    a->o.set, cl.code, a->o.as_of), a->o.as_of,
			    a->o.describe);
		}
		if (rpc_room(r, need) == -1)
			return -1;
		codes = a->codes;
	}
	rpc_out_array(r->out, a->ncodes);
	for (i = 0; i < a->ncodes; i++) {
		rpc_read_str(&codes, &s, &len);
		if (classify_code(s, len, &cl) == -1)
			rpc_pack_rec(r, NULL, a->o.as_of, 0);
		else
			rpc_pack_rec(r, snapshot_find(r->ctx->snap, a->o.set,
			    cl.code, a->o.as_of), a->o.as_of, a->o.describe);
	}
	return 0;
}

int
rpc_m_validate(struct rpc_req *r, const struct rpc_args *a)
{
	const struct snapshot_rec *sr;
	const struct classify *cl = &a->cl;
	const char	*reason;
	uint32_t	 date = a->date;
	int		 only = a->o.set;	/* -1: every set */
	size_t		 i;
	int		 inforce = 0, stale = 0, held = 0, noset;
	char		 d[11], msg[128];	/* a set name is < 64 */

	/* The date is the as_of: it picks each set's release. */
	for (i = 0; i < snapshot_nsets(r->ctx->snap); i++) {
		if (only >= 0 && (size_t)only != i)
			continue;
		if (snapshot_in_force(r->ctx->snap, i, date) >= 0)
			inforce = 1;
		if (snapshot_stale(r->ctx->snap, i, date))
			stale = 1;
		if (snapshot_holds(r->ctx->snap, i, snapshot_class(cl)))
			held = 1;
	}
	sr = snapshot_find(r->ctx->snap, only, cl->code, date);
	/*
	 * Found: is the answering set's data current on that date?  Not
	 * found: might a newer release of any set considered hold it?
	 */
	if (sr != NULL)
		stale = snapshot_stale(r->ctx->snap, sr->set_index, date);
	/* 99213 with only Level II loaded: not a missing code. */
	noset = inforce && sr == NULL && !held;
	if (!inforce)
		reason = "no_release";
	else if (noset)
		reason = "no_set_for_code";
	else if (sr == NULL)
		reason = "not_found";
	else if (sr->rec->added != 0 && date < sr->rec->added)
		reason = "not_yet_effective";
	else if (snapshot_terminated(sr->rec, date))
		reason = "terminated";
	else
		reason = "ok";
	/* stale only when true: older clients and examples see no change. */
	msgpack_pack_map(&r->pk, 4 + (sr != NULL) +
	    (sr != NULL && sr->release != 0) + noset + stale);
	rpc_pack_cstr(&r->pk, "valid");
	if (strcmp(reason, "ok") == 0)
		msgpack_pack_true(&r->pk);
	else
		msgpack_pack_false(&r->pk);
	rpc_pack_kv(&r->pk, "code", cl->code);
	if (sr != NULL)
		rpc_pack_kv(&r->pk, "set", sr->set);
	if (sr != NULL && sr->release != 0) {
		record_format_date(sr->release, d);
		rpc_pack_kv(&r->pk, "release", d);
	}
	rpc_pack_kv(&r->pk, "status",
	    sr != NULL ? snapshot_status(sr->rec, date) : NULL);
	rpc_pack_kv(&r->pk, "reason", reason);
	if (noset) {
		if (only >= 0)
			snprintf(msg, sizeof(msg), "set \"%s\" holds no %s",
			    snapshot_set(r->ctx->snap, (size_t)only)->name,
			    snapshot_class_name(snapshot_class(cl)));
		else
			snprintf(msg, sizeof(msg), "no loaded set holds %s",
			    snapshot_class_name(snapshot_class(cl)));
		rpc_pack_kv(&r->pk, "message", msg);
	}
	if (stale) {
		rpc_pack_cstr(&r->pk, "stale");
		msgpack_pack_true(&r->pk);
	}
	return 0;
}

int
rpc_m_search(struct rpc_req *r, const struct rpc_args *a)
{
	const struct snapshot_rec *res[RPC_SEARCH_MAX];
	struct snapshot_search q;
	size_t		 n, i;

	memset(&q, 0, sizeof(q));
	q.text = a->s;
	q.textlen = a->slen;
	q.set = a->o.set;
	q.include_terminated = a->o.include_terminated;
	q.as_of = a->o.as_of;
	q.limit = a->o.limit;
	size_t		 need = RPC_HDR_MAX;

	n = snapshot_search(r->ctx->snap, &q, res, NULL);
	if (n > a->o.limit)
		n = a->o.limit;
	for (i = 0; i < n; i++)
		need += rpc_rec_size(res[i], a->o.as_of, 0);
	if (rpc_room(r, need) == -1)
		return -1;
	msgpack_pack_array(&r->pk, n);
	for (i = 0; i < n; i++)
		rpc_pack_rec(r, res[i], a->o.as_of, 0);
	return 0;
}

int
rpc_m_classify(struct rpc_req *r, const struct rpc_args *a)
{
	const struct classify *cl = &a->cl;
	size_t		 n;

	n = 2 + (cl->system != NULL) + (cl->category != NULL) +
	    (cl->section != NULL) + (cl->group != NULL) + (cl->kind != NULL) +
	    (cl->maintainer != NULL);
	msgpack_pack_map(&r->pk, n);
	rpc_pack_kv(&r->pk, "code", cl->code);
	if (cl->system != NULL)
		rpc_pack_kv(&r->pk, "system", cl->system);
	rpc_pack_cstr(&r->pk, "level");
	msgpack_pack_int(&r->pk, cl->level);
	if (cl->category != NULL)
		rpc_pack_kv(&r->pk, "category", cl->category);
	if (cl->section != NULL)
		rpc_pack_kv(&r->pk, "section", cl->section);
	if (cl->group != NULL)
		rpc_pack_kv(&r->pk, "group", cl->group);
	if (cl->kind != NULL)
		rpc_pack_kv(&r->pk, "kind", cl->kind);
	if (cl->maintainer != NULL)
		rpc_pack_kv(&r->pk, "maintainer", cl->maintainer);
	return 0;
}

/* What one snapshot_diff walk packs: counts, or one kind's entries. */
struct rpc_diff {
	msgpack_packer	*pk;
	int		 kind;		/* -1: count only */
	size_t		 n[SNAPSHOT_DIFF_MAX];
};

static void
rpc_diff_cb(void *arg, enum snapshot_diff_kind kind, const char *code,
    uint32_t fields)
{
	struct rpc_diff	*d = arg;
	uint32_t	 f, nf = 0;

	if (d->kind < 0) {
		d->n[kind]++;
		return;
	}
	if ((int)kind != d->kind)
		return;
	if (kind != SNAPSHOT_DIFF_CHANGED) {
		rpc_pack_cstr(d->pk, code);
		return;
	}
	for (f = 0; f < RF_MAX; f++)
		if (fields & (1u << f))
			nf++;
	msgpack_pack_map(d->pk, 2);
	rpc_pack_kv(d->pk, "code", code);
	rpc_pack_cstr(d->pk, "fields");
	msgpack_pack_array(d->pk, nf);
	for (f = 0; f < RF_MAX; f++)
		if (fields & (1u << f))
			rpc_pack_cstr(d->pk, record_field_name(
			    (enum record_field)f));
}

/* A diff param: a release's effective date, or nil for always. */
static int
rpc_diff_release(struct rpc_req *r, int set, const char *what, int *out)
{
	uint32_t	 date = 0;
	char		 d[11];

	if (rpc_peek_nil(&r->params))
		r->params.p++;
	else if (rpc_parse_date(r, what, &date) == -1)
		return -1;
	if ((*out = snapshot_release_index(r->ctx->snap, (size_t)set, date)) < 0) {
		record_format_date(date, d);
		return rpc_fail(r, RPC_E_BAD_REQUEST, "set \"%s\" has no "
		    "release effective %s", snapshot_set(r->ctx->snap,
		    (size_t)set)->name, date != 0 ? d : "always (nil)");
	}
	return 0;
}

int
rpc_m_diff(struct rpc_req *r, const struct rpc_args *a)
{
	static const char *const names[SNAPSHOT_DIFF_MAX] = {
		"added", "removed", "terminated", "changed"
	};
	struct rpc_diff	 d;
	size_t		 need;
	int		 set, from, to, k;
	char		 q[RPC_QUOTE_SIZE];

	if ((set = snapshot_set_index(r->ctx->snap, a->s, a->slen)) < 0)
		return rpc_fail(r, RPC_E_BAD_REQUEST, "unknown set %s",
		    rpc_quote(q, a->s, a->slen));
	if (rpc_diff_release(r, set, "from_effective", &from) == -1 ||
	    rpc_diff_release(r, set, "to_effective", &to) == -1)
		return -1;
	memset(&d, 0, sizeof(d));
	d.pk = &r->pk;
	d.kind = -1;
	snapshot_diff(r->ctx->snap, (size_t)set, (size_t)from, (size_t)to,
	    rpc_diff_cb, &d);
	need = RPC_HDR_MAX;
	for (k = 0; k < SNAPSHOT_DIFF_MAX; k++)
		need += RPC_HDR_MAX + 16 + d.n[k] *
		    (k == SNAPSHOT_DIFF_CHANGED ? RPC_DIFF_CHANGED_MAX :
		    RPC_DIFF_CODE_MAX);
	if (rpc_room(r, need) == -1)
		return -1;
	msgpack_pack_map(&r->pk, SNAPSHOT_DIFF_MAX);
	for (k = 0; k < SNAPSHOT_DIFF_MAX; k++) {
		rpc_pack_cstr(&r->pk, names[k]);
		msgpack_pack_array(&r->pk, d.n[k]);
		d.kind = k;
		snapshot_diff(r->ctx->snap, (size_t)set, (size_t)from, (size_t)to,
		    rpc_diff_cb, &d);
	}
	return 0;
}
