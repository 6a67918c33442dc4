/*
 * rpc.c: MessagePack-RPC for hcpcsd (docs/protocol.md).
 *
 * A request is bounded before anything is decoded: rpc_scan walks the
 * bytes with a fixed-size stack and checks every declared count and
 * length, because a decoder that trusts a declared count (msgpack-c's
 * unpacker reserves memory from it) lets a five-byte header ask for
 * gigabytes.  The decoder below then reads params straight out of the
 * scanned span, borrowing strings, and answers are packed into the
 * connection's output buffer with a mark taken first, so a method that
 * fails half way only truncates back to the mark and packs its error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "classify.h"
#include "log.h"
#include "mpscan.h"
#include "record.h"
#include "rpc.h"
#include "snapshot.h"
#include "stats.h"

#ifndef HCPCSD_VERSION
#define HCPCSD_VERSION "0.0.0"
#endif

#define RPC_OUT_MIN	4096		/* first output allocation */
#define RPC_EMSG_MAX	256

enum rpc_err {
	RPC_E_NONE,
	RPC_E_BAD_REQUEST,
	RPC_E_UNKNOWN_METHOD,
	RPC_E_INVALID_CODE,
	RPC_E_TOO_LARGE,
	RPC_E_INTERNAL,
	RPC_E_MAX
};

static const char *const rpc_err_names[RPC_E_MAX] = {
	[RPC_E_NONE] = "none",
	[RPC_E_BAD_REQUEST] = "bad_request",
	[RPC_E_UNKNOWN_METHOD] = "unknown_method",
	[RPC_E_INVALID_CODE] = "invalid_code",
	[RPC_E_TOO_LARGE] = "too_large",
	[RPC_E_INTERNAL] = "internal",
};

/* A read cursor over one scanned object; strings are borrowed. */
struct rpc_cur {
	const unsigned char *p;
	const unsigned char *end;
};

/* Options a method may accept (bit per key). */
#define RPC_OPT_SET		0x01
#define RPC_OPT_AS_OF		0x02
#define RPC_OPT_LIMIT		0x04
#define RPC_OPT_INCL_TERM	0x08

struct rpc_opts {
	int		 set;		/* -1: any set */
	uint32_t	 as_of;
	size_t		 limit;
	int		 include_terminated;
};

struct rpc_req {
	struct rpc_cur	 params;	/* positioned after the array header */
	uint32_t	 nparams;
	msgpack_packer	 pk;
	struct rpc_out	*out;
	struct rpc_ctx	*ctx;		/* the batch's snapshot, today, counters */
	enum rpc_err	 err;
	char		 emsg[RPC_EMSG_MAX];
	uint32_t	 msgid;
	int		 notify;	/* no response wanted */
	int		 reload;	/* the caller answers: RPC_RELOAD */
};

/*
 * The leading params of a method, read and checked by rpc_dispatch
 * before the method runs; each kind fills its own member of struct
 * rpc_args (at most one of each kind per method).
 */
enum rpc_arg {
	RPC_A_NONE,
	RPC_A_CODE,		/* a code of a known shape: cl */
	RPC_A_DATE,		/* YYYY-MM-DD: date */
	RPC_A_STR,		/* a string: s, slen (borrowed) */
	RPC_A_CODES		/* up to max_batch strings: codes, ncodes */
};

#define RPC_ARGS_MAX	2

struct rpc_args {
	struct classify	 cl;
	uint32_t	 date;
	const char	*s;
	size_t		 slen;
	struct rpc_cur	 codes;		/* at the first of them */
	uint32_t	 ncodes;
	struct rpc_opts	 o;		/* the opts map, or the defaults */
};

/* Method flags. */
#define RPC_F_SNAP	0x01	/* needs data: internal error without */
#define RPC_F_ADMIN	0x02	/* changes the daemon (for access control) */

/*
 * A method and its contract, checked in rpc_dispatch in this order:
 * the number of params (min to max), the leading ones by kind (args;
 * name: what error messages call it), the optional opts map last (only
 * the RPC_OPT_* keys in opts; no map taken when 0), then a snapshot
 * when flags has RPC_F_SNAP.  The method reads any params after args
 * itself (diff's releases, which need the snapshot) and packs its
 * result; every param must have been read when it returns.
 */
struct rpc_method {
	const char	*name;
	int		(*fn)(struct rpc_req *, const struct rpc_args *);
	uint32_t	 min;
	uint32_t	 max;
	struct {
		enum rpc_arg	 kind;
		const char	*name;
	}		 args[RPC_ARGS_MAX];
	int		 opts;
	int		 flags;
};

static int	rpc_m_ping(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_lookup(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_lookup_many(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_validate(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_search(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_classify(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_diff(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_info(struct rpc_req *, const struct rpc_args *);
static int	rpc_m_reload(struct rpc_req *, const struct rpc_args *);

static const struct rpc_method rpc_methods[] = {
	{ "ping", rpc_m_ping, 0, 0, { { RPC_A_NONE, NULL } }, 0, 0 },
	{ "lookup", rpc_m_lookup, 1, 2, { { RPC_A_CODE, "code" } },
	    RPC_OPT_SET | RPC_OPT_AS_OF, RPC_F_SNAP },
	{ "lookup_many", rpc_m_lookup_many, 1, 2,
	    { { RPC_A_CODES, "codes" } }, RPC_OPT_SET | RPC_OPT_AS_OF,
	    RPC_F_SNAP },
	{ "validate", rpc_m_validate, 2, 3,
	    { { RPC_A_CODE, "code" }, { RPC_A_DATE, "date" } }, RPC_OPT_SET,
	    RPC_F_SNAP },
	{ "search", rpc_m_search, 1, 2, { { RPC_A_STR, "text" } },
	    RPC_OPT_SET | RPC_OPT_AS_OF | RPC_OPT_LIMIT | RPC_OPT_INCL_TERM,
	    RPC_F_SNAP },
	{ "classify", rpc_m_classify, 1, 1, { { RPC_A_CODE, "code" } }, 0,
	    0 },
	/* Then from_effective and to_effective: releases of the set. */
	{ "diff", rpc_m_diff, 3, 3, { { RPC_A_STR, "set" } }, 0,
	    RPC_F_SNAP },
	{ "info", rpc_m_info, 0, 0, { { RPC_A_NONE, NULL } }, 0, 0 },
	{ "reload", rpc_m_reload, 0, 0, { { RPC_A_NONE, NULL } }, 0,
	    RPC_F_ADMIN },
};
#define RPC_NMETHODS	(sizeof(rpc_methods) / sizeof(rpc_methods[0]))
_Static_assert(RPC_NMETHODS <= STATS_METHODS_MAX, "STATS_METHODS_MAX");
_Static_assert(RPC_E_MAX <= STATS_ERRORS_MAX, "STATS_ERRORS_MAX");

/*
 * Set by the main thread (at startup, then after each reload) and read
 * by every worker: relaxed atomics, a request sees the old or the new.
 */
static atomic_size_t	 rpc_max_request_bytes = 1024 * 1024;
static atomic_size_t	 rpc_max_batch = 10000;

/* The context of rpc_process and rpc_batch_*: tests, fuzzing. */
static struct rpc_ctx	 rpc_main;

/* Where a context's requests are counted. */
static struct stats_counters *
rpc_cnt(const struct rpc_ctx *x)
{
	return x->cnt != NULL ? x->cnt : stats_main();
}

/*
 * Scanner: the extent of one request (common/mpscan.c), within the
 * configured size and RPC_MAX_DEPTH.  A connection's bytes are scanned
 * afresh on each read: the daemon keeps no state between two reads.
 */

enum rpc_scan
rpc_scan(const unsigned char *buf, size_t len, size_t max, size_t *objlen)
{
	const struct mpscan_limits lim = { max, RPC_MAX_DEPTH };
	struct mpscan	 s;

	mpscan_init(&s);
	switch (mpscan_feed(&s, buf, len, &lim)) {
	case MPSCAN_OK:
		*objlen = s.pos;
		return RPC_SCAN_OK;
	case MPSCAN_MORE:
		return RPC_SCAN_NEED_MORE;
	case MPSCAN_MALFORMED:
		return RPC_SCAN_MALFORMED;
	case MPSCAN_TOO_DEEP:
	case MPSCAN_TOO_MANY:
	case MPSCAN_TOO_LARGE:
		break;
	}
	return RPC_SCAN_TOO_LARGE;
}

/*
 * Output buffer.
 */

static int
rpc_out_append(struct rpc_out *o, const void *p, size_t n)
{
	unsigned char	*nd;
	size_t		 ncap;

	if (o->oom)
		return -1;
	if (n > o->cap - o->len) {
		ncap = o->cap == 0 ? RPC_OUT_MIN : o->cap;
		while (ncap - o->len < n) {
			if (ncap > SIZE_MAX / 2)
				goto fail;
			ncap *= 2;
		}
		if ((nd = realloc(o->data, ncap)) == NULL)
			goto fail;
		o->data = nd;
		o->cap = ncap;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	return 0;
fail:
	o->oom = 1;
	return -1;
}

static int
rpc_out_write(void *data, const char *buf, size_t len)
{
	return rpc_out_append(data, buf, len);
}

void
rpc_out_free(struct rpc_out *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/*
 * Decoder: reads from a span rpc_scan accepted, but still checks every
 * bound so it is safe on its own.
 */

static int
rpc_cur_need(const struct rpc_cur *c, size_t n)
{
	return (size_t)(c->end - c->p) >= n ? 0 : -1;
}

static int
rpc_read_uint(struct rpc_cur *c, uint64_t *v)
{
	unsigned char	 b;
	size_t		 n;
	int		 sign = 0;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (b <= 0x7f) {
		*v = b;
		c->p++;
		return 0;
	}
	switch (b) {
	case 0xcc: n = 1; break;
	case 0xcd: n = 2; break;
	case 0xce: n = 4; break;
	case 0xcf: n = 8; break;
	case 0xd0: n = 1; sign = 1; break;
	case 0xd1: n = 2; sign = 1; break;
	case 0xd2: n = 4; sign = 1; break;
	case 0xd3: n = 8; sign = 1; break;
	default:
		return -1;
	}
	if (rpc_cur_need(c, 1 + n) == -1)
		return -1;
	/* A signed encoding of a non-negative value is accepted. */
	if (sign && (c->p[1] & 0x80))
		return -1;
	*v = mpscan_be(c->p + 1, n);
	c->p += 1 + n;
	return 0;
}

static int
rpc_read_str(struct rpc_cur *c, const char **s, size_t *len)
{
	unsigned char	 b;
	size_t		 hdr, n;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (b >= 0xa0 && b <= 0xbf) {
		hdr = 1;
		n = b & 0x1f;
	} else if (b >= 0xd9 && b <= 0xdb) {
		hdr = 1 + ((size_t)1 << (b - 0xd9));
		if (rpc_cur_need(c, hdr) == -1)
			return -1;
		n = mpscan_be(c->p + 1, hdr - 1);
	} else
		return -1;
	if (rpc_cur_need(c, hdr) == -1 || (size_t)(c->end - c->p) - hdr < n)
		return -1;
	*s = (const char *)c->p + hdr;
	*len = n;
	c->p += hdr + n;
	return 0;
}

/* An array (map: pairs) header. */
static int
rpc_read_container(struct rpc_cur *c, int map, uint32_t *count)
{
	unsigned char	 b;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (!map && b >= 0x90 && b <= 0x9f) {
		*count = b & 0x0f;
		c->p++;
		return 0;
	}
	if (map && b >= 0x80 && b <= 0x8f) {
		*count = b & 0x0f;
		c->p++;
		return 0;
	}
	if (b == (map ? 0xde : 0xdc) || b == (map ? 0xdf : 0xdd)) {
		size_t n = (b == 0xdc || b == 0xde) ? 2 : 4;

		if (rpc_cur_need(c, 1 + n) == -1)
			return -1;
		*count = (uint32_t)mpscan_be(c->p + 1, n);
		c->p += 1 + n;
		return 0;
	}
	return -1;
}

static int
rpc_read_bool(struct rpc_cur *c, int *v)
{
	if (rpc_cur_need(c, 1) == -1)
		return -1;
	if (c->p[0] != 0xc2 && c->p[0] != 0xc3)
		return -1;
	*v = c->p[0] == 0xc3;
	c->p++;
	return 0;
}

static int
rpc_peek_nil(const struct rpc_cur *c)
{
	return c->p < c->end && c->p[0] == 0xc0;
}

static int
rpc_str_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/*
 * Errors and packing helpers.
 */

static int
rpc_fail(struct rpc_req *r, enum rpc_err e, const char *fmt, ...)
    LOG_PRINTF(3, 4);

static int
rpc_fail(struct rpc_req *r, enum rpc_err e, const char *fmt, ...)
{
	va_list	ap;

	r->err = e;
	va_start(ap, fmt);
	vsnprintf(r->emsg, sizeof(r->emsg), fmt, ap);
	va_end(ap);
	return -1;
}

static void
rpc_pack_cstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* Pack key then string value, or nothing when the value is NULL. */
static void
rpc_pack_kv(msgpack_packer *pk, const char *k, const char *v)
{
	rpc_pack_cstr(pk, k);
	if (v == NULL)
		msgpack_pack_nil(pk);
	else
		rpc_pack_cstr(pk, v);
}

static void
rpc_pack_time(msgpack_packer *pk, time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rpc_pack_cstr(pk, buf);
}

static void
rpc_pack_error(msgpack_packer *pk, uint32_t msgid, const char *code,
    const char *msg)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_map(pk, 2);
	rpc_pack_kv(pk, "code", code);
	rpc_pack_kv(pk, "message", msg);
	msgpack_pack_nil(pk);
}

/* The record map: pre-encoded bytes plus "status" for as_of. */
static void
rpc_pack_rec(struct rpc_req *r, const struct snapshot_rec *sr,
    uint32_t as_of)
{
	const unsigned char	*kv;
	size_t			 kvlen;

	if (sr == NULL) {
		msgpack_pack_nil(&r->pk);
		return;
	}
	rpc_out_append(r->out, sr->enc, sr->enclen);
	snapshot_status_kv(sr->rec, as_of, &kv, &kvlen);
	rpc_out_append(r->out, kv, kvlen);
}

/*
 * Params.
 */

static int
rpc_param_str(struct rpc_req *r, const char *what, const char **s,
    size_t *len)
{
	if (rpc_read_str(&r->params, s, len) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST, "%s must be a string",
		    what);
	return 0;
}

static int
rpc_arity(struct rpc_req *r, uint32_t min, uint32_t max)
{
	if (r->nparams < min || r->nparams > max) {
		if (min == max)
			return rpc_fail(r, RPC_E_BAD_REQUEST,
			    "expected %u params, got %u", min, r->nparams);
		return rpc_fail(r, RPC_E_BAD_REQUEST,
		    "expected %u to %u params, got %u", min, max, r->nparams);
	}
	return 0;
}

static int
rpc_parse_date(struct rpc_req *r, const char *what, uint32_t *out)
{
	const char	*s;
	size_t		 len;

	if (rpc_param_str(r, what, &s, &len) == -1)
		return -1;
	/* Only the protocol's form; record_parse_date also takes YYYYMMDD. */
	if (len != 10 || s[4] != '-' || s[7] != '-' ||
	    record_parse_date(s, len, out) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST,
		    "%s: expected a date YYYY-MM-DD, got \"%.*s\"", what,
		    (int)(len > 32 ? 32 : len), s);
	return 0;
}

/* The optional opts map (nil counts as absent); allowed: RPC_OPT_*. */
static int
rpc_parse_opts(struct rpc_req *r, int allowed, struct rpc_opts *o)
{
	const char	*k, *s;
	size_t		 klen, slen;
	uint32_t	 n, i;
	uint64_t	 v;

	o->set = -1;
	o->as_of = r->ctx->today;
	o->limit = RPC_SEARCH_DEFAULT;
	o->include_terminated = 0;
	if (r->params.p >= r->params.end)
		return 0;
	if (rpc_peek_nil(&r->params)) {
		r->params.p++;
		return 0;
	}
	if (rpc_read_container(&r->params, 1, &n) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST, "opts must be a map");
	for (i = 0; i < n; i++) {
		if (rpc_read_str(&r->params, &k, &klen) == -1)
			return rpc_fail(r, RPC_E_BAD_REQUEST,
			    "opts keys must be strings");
		if ((allowed & RPC_OPT_SET) && rpc_str_eq(k, klen, "set")) {
			if (rpc_param_str(r, "opts.set", &s, &slen) == -1)
				return -1;
			if (r->ctx->snap == NULL || (o->set =
			    snapshot_set_index(r->ctx->snap, s, slen)) < 0)
				return rpc_fail(r, RPC_E_BAD_REQUEST,
				    "unknown set \"%.*s\"",
				    (int)(slen > 64 ? 64 : slen), s);
		} else if ((allowed & RPC_OPT_AS_OF) &&
		    rpc_str_eq(k, klen, "as_of")) {
			if (rpc_parse_date(r, "opts.as_of", &o->as_of) == -1)
				return -1;
		} else if ((allowed & RPC_OPT_LIMIT) &&
		    rpc_str_eq(k, klen, "limit")) {
			if (rpc_read_uint(&r->params, &v) == -1 || v < 1 ||
			    v > RPC_SEARCH_MAX)
				return rpc_fail(r, RPC_E_BAD_REQUEST,
				    "opts.limit must be an integer 1..%d",
				    RPC_SEARCH_MAX);
			o->limit = (size_t)v;
		} else if ((allowed & RPC_OPT_INCL_TERM) &&
		    rpc_str_eq(k, klen, "include_terminated")) {
			if (rpc_read_bool(&r->params,
			    &o->include_terminated) == -1)
				return rpc_fail(r, RPC_E_BAD_REQUEST,
				    "opts.include_terminated must be a "
				    "boolean");
		} else
			return rpc_fail(r, RPC_E_BAD_REQUEST,
			    "unknown option \"%.*s\"",
			    (int)(klen > 64 ? 64 : klen), k);
	}
	return 0;
}

/* Normalise a code param by its shape; invalid_code when it has none. */
static int
rpc_code(struct rpc_req *r, const char *what, struct classify *cl)
{
	const char	*s;
	size_t		 len;

	if (rpc_param_str(r, what, &s, &len) == -1)
		return -1;
	if (classify_code(s, len, cl) == -1)
		return rpc_fail(r, RPC_E_INVALID_CODE,
		    "\"%.*s\" is not a HCPCS or CPT code",
		    (int)(len > 32 ? 32 : len), s);
	return 0;
}

/* An array of strings, each checked before anything is packed. */
static int
rpc_codes(struct rpc_req *r, const char *what, struct rpc_cur *codes,
    uint32_t *n)
{
	const char	*s;
	size_t		 len, max;
	uint32_t	 i;

	if (rpc_read_container(&r->params, 0, n) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST,
		    "%s must be an array of strings", what);
	max = atomic_load_explicit(&rpc_max_batch, memory_order_relaxed);
	if (*n > max)
		return rpc_fail(r, RPC_E_TOO_LARGE,
		    "%u %s, at most %zu per request", *n, what, max);
	*codes = r->params;
	for (i = 0; i < *n; i++)
		if (rpc_read_str(&r->params, &s, &len) == -1)
			return rpc_fail(r, RPC_E_BAD_REQUEST,
			    "%s[%u] must be a string", what, i);
	return 0;
}

/* One leading param of kind k into its member of a. */
static int
rpc_arg(struct rpc_req *r, enum rpc_arg k, const char *what,
    struct rpc_args *a)
{
	switch (k) {
	case RPC_A_NONE:
		return 0;
	case RPC_A_CODE:
		return rpc_code(r, what, &a->cl);
	case RPC_A_DATE:
		return rpc_parse_date(r, what, &a->date);
	case RPC_A_STR:
		return rpc_param_str(r, what, &a->s, &a->slen);
	case RPC_A_CODES:
		return rpc_codes(r, what, &a->codes, &a->ncodes);
	}
	return rpc_fail(r, RPC_E_INTERNAL, "bad method table");
}

/* Check m's contract (struct rpc_method) and read its leading params. */
static int
rpc_contract(struct rpc_req *r, const struct rpc_method *m,
    struct rpc_args *a)
{
	size_t	i;

	if (rpc_arity(r, m->min, m->max) == -1)
		return -1;
	for (i = 0; i < RPC_ARGS_MAX; i++)
		if (rpc_arg(r, m->args[i].kind, m->args[i].name, a) == -1)
			return -1;
	if (m->opts != 0 && rpc_parse_opts(r, m->opts, &a->o) == -1)
		return -1;
	if ((m->flags & RPC_F_SNAP) && r->ctx->snap == NULL)
		return rpc_fail(r, RPC_E_INTERNAL, "no data loaded");
	return 0;
}

/*
 * Methods.  Their contract is checked first; what a method packs after
 * a failure is dropped by the caller.
 */

static int
rpc_m_ping(struct rpc_req *r, const struct rpc_args *a)
{
	(void)a;
	rpc_pack_cstr(&r->pk, "pong");
	return 0;
}

static int
rpc_m_lookup(struct rpc_req *r, const struct rpc_args *a)
{
	rpc_pack_rec(r, snapshot_find(r->ctx->snap, a->o.set, a->cl.code,
	    a->o.as_of), a->o.as_of);
	return 0;
}

static int
rpc_m_lookup_many(struct rpc_req *r, const struct rpc_args *a)
{
	struct classify	 cl;
	struct rpc_cur	 codes = a->codes;
	const char	*s;
	size_t		 len;
	uint32_t	 i;

	msgpack_pack_array(&r->pk, a->ncodes);
	for (i = 0; i < a->ncodes; i++) {
		rpc_read_str(&codes, &s, &len);
		if (classify_code(s, len, &cl) == -1)
			msgpack_pack_nil(&r->pk);
		else
			rpc_pack_rec(r, snapshot_find(r->ctx->snap, a->o.set,
			    cl.code, a->o.as_of), a->o.as_of);
	}
	return 0;
}

static int
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

static int
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
	n = snapshot_search(r->ctx->snap, &q, res, NULL);
	if (n > a->o.limit)
		n = a->o.limit;
	msgpack_pack_array(&r->pk, n);
	for (i = 0; i < n; i++)
		rpc_pack_rec(r, res[i], a->o.as_of);
	return 0;
}

static int
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

static void
rpc_pack_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	rpc_pack_cstr(pk, k);
	msgpack_pack_uint64(pk, v);
}

static void
rpc_pack_stats(msgpack_packer *pk, const struct stats_reloads *rl)
{
	size_t		 i;

	msgpack_pack_map(pk, 9);
	rpc_pack_cstr(pk, "requests");
	msgpack_pack_map(pk, RPC_NMETHODS + 1);
	for (i = 0; i < RPC_NMETHODS; i++)
		rpc_pack_u64(pk, rpc_methods[i].name, STATS_SUM(requests[i]));
	rpc_pack_u64(pk, "unknown", STATS_SUM(unknown_method));
	rpc_pack_u64(pk, "notifications", STATS_SUM(notifications));
	rpc_pack_cstr(pk, "errors");
	msgpack_pack_map(pk, RPC_E_MAX - 1);
	for (i = 1; i < RPC_E_MAX; i++)
		rpc_pack_u64(pk, rpc_err_names[i], STATS_SUM(errors[i]));
	rpc_pack_u64(pk, "connections_current", STATS_SUM(conns_current));
	rpc_pack_u64(pk, "connections_total", STATS_SUM(conns_total));
	rpc_pack_u64(pk, "connections_rejected", STATS_SUM(conns_rejected));
	rpc_pack_u64(pk, "bytes_in", STATS_SUM(bytes_in));
	rpc_pack_u64(pk, "bytes_out", STATS_SUM(bytes_out));
	rpc_pack_cstr(pk, "reloads");
	msgpack_pack_map(pk, 3);
	rpc_pack_u64(pk, "count", rl->count);
	rpc_pack_u64(pk, "failed", rl->failed);
	rpc_pack_u64(pk, "last_duration_ms", rl->duration_ms);
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

static int
rpc_m_diff(struct rpc_req *r, const struct rpc_args *a)
{
	static const char *const names[SNAPSHOT_DIFF_MAX] = {
		"added", "removed", "terminated", "changed"
	};
	struct rpc_diff	 d;
	int		 set, from, to, k;

	if ((set = snapshot_set_index(r->ctx->snap, a->s, a->slen)) < 0)
		return rpc_fail(r, RPC_E_BAD_REQUEST, "unknown set \"%.*s\"",
		    (int)(a->slen > 64 ? 64 : a->slen), a->s);
	if (rpc_diff_release(r, set, "from_effective", &from) == -1 ||
	    rpc_diff_release(r, set, "to_effective", &to) == -1)
		return -1;
	memset(&d, 0, sizeof(d));
	d.pk = &r->pk;
	d.kind = -1;
	snapshot_diff(r->ctx->snap, (size_t)set, (size_t)from, (size_t)to,
	    rpc_diff_cb, &d);
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

/* One entry of an info set's releases. */
static void
rpc_pack_release(msgpack_packer *pk, const struct snapshot_release_info *ri,
    int in_force)
{
	char		 d[11];

	msgpack_pack_map(pk, 9);
	rpc_pack_kv(pk, "path", ri->path);
	record_format_date(ri->effective, d);
	rpc_pack_kv(pk, "effective", ri->effective != 0 ? d : NULL);
	rpc_pack_cstr(pk, "effective_auto");
	if (ri->effective_auto)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_cstr(pk, "in_force");
	if (in_force)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_u64(pk, "records", ri->records);
	rpc_pack_u64(pk, "modifiers", ri->modifiers);
	rpc_pack_kv(pk, "sha256", ri->sha256);
	rpc_pack_cstr(pk, "loaded_at");
	rpc_pack_time(pk, ri->loaded_at);
	/* What the loader tolerated: kept raw or skipped, never fatal. */
	rpc_pack_cstr(pk, "quirks");
	msgpack_pack_map(pk, 5);
	rpc_pack_u64(pk, "skipped_lines", ri->stats.skipped_lines);
	rpc_pack_u64(pk, "bad_dates", ri->stats.bad_dates);
	rpc_pack_u64(pk, "bad_values", ri->stats.bad_values);
	rpc_pack_u64(pk, "orphan_lines", ri->stats.orphan_lines);
	rpc_pack_u64(pk, "duplicates", ri->stats.duplicates);
}

static int
rpc_m_info(struct rpc_req *r, const struct rpc_args *a)
{
	const struct snapshot_set_info *si;
	const struct snapshot_release_info *ri;
	msgpack_packer	*pk = &r->pk;
	struct stats_reloads rl;
	struct snapshot	*snap;
	size_t		 i, j, n;
	int		 cur;

	(void)a;
	/*
	 * The reload counters first, then the snapshot, fresh rather than
	 * the batch's: a reload publishes before it is counted, so info
	 * never shows a reload counted whose snapshot it does not show,
	 * though another thread publishes while this batch runs.
	 */
	stats_reloads(&rl);
	snap = snapshot_acquire();
	n = snap != NULL ? snapshot_nsets(snap) : 0;
	msgpack_pack_map(pk, 6);
	rpc_pack_kv(pk, "version", HCPCSD_VERSION);
	rpc_pack_cstr(pk, "started_at");
	rpc_pack_time(pk, stats_started_at());
	rpc_pack_u64(pk, "generation",
	    snap != NULL ? snapshot_generation(snap) : 0);
	rpc_pack_cstr(pk, "sets");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		si = snapshot_set(snap, i);
		/* The set-level keys: the release in force today. */
		cur = snapshot_in_force(snap, i, r->ctx->today);
		ri = &si->releases[cur >= 0 ? cur : 0];
		msgpack_pack_map(pk, 8 + (si->min_records > 0));
		rpc_pack_kv(pk, "name", si->name);
		rpc_pack_kv(pk, "format", si->format);
		rpc_pack_kv(pk, "path", ri->path);
		rpc_pack_u64(pk, "records", ri->records);
		rpc_pack_u64(pk, "modifiers", ri->modifiers);
		rpc_pack_cstr(pk, "loaded_at");
		rpc_pack_time(pk, ri->loaded_at);
		rpc_pack_kv(pk, "sha256", ri->sha256);
		if (si->min_records > 0)
			rpc_pack_u64(pk, "min_records", si->min_records);
		rpc_pack_cstr(pk, "releases");
		msgpack_pack_array(pk, si->nreleases);
		for (j = 0; j < si->nreleases; j++)
			rpc_pack_release(pk, &si->releases[j],
			    cur >= 0 && (size_t)cur == j);
	}
	rpc_pack_cstr(pk, "last_reload");
	msgpack_pack_map(pk, 3);
	rpc_pack_cstr(pk, "ok");
	if (rl.ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_cstr(pk, "at");
	rpc_pack_time(pk, rl.at);
	rpc_pack_kv(pk, "error", rl.ok ? NULL : rl.error);
	rpc_pack_cstr(pk, "stats");
	rpc_pack_stats(pk, &rl);
	snapshot_release(snap);
	return 0;
}

/* The reload result map: {ok, generation, error (when not ok)}. */
static void
rpc_pack_reload_result(msgpack_packer *pk, int ok, uint64_t generation,
    const char *err)
{
	msgpack_pack_map(pk, ok ? 2 : 3);
	rpc_pack_cstr(pk, "ok");
	if (ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_u64(pk, "generation", generation);
	if (!ok)
		rpc_pack_kv(pk, "error", err != NULL ? err : "");
}

/*
 * The verdict: the caller asks for the load and answers (rpc.h, struct
 * rpc_reload_req); nothing here starts one.
 */
static int
rpc_m_reload(struct rpc_req *r, const struct rpc_args *a)
{
	(void)a;
	r->reload = 1;
	return 0;
}

/*
 * Requests.
 */

/* The msgid of a request whose first bytes are [0x94, 0x00, msgid]. */
static int
rpc_peek_msgid(const unsigned char *buf, size_t len, uint32_t *msgid)
{
	struct rpc_cur	 c;
	uint32_t	 count;
	uint64_t	 type, v;

	/* Any array that starts like a request: [0, msgid, ...]. */
	c.p = buf;
	c.end = buf + len;
	if (rpc_read_container(&c, 0, &count) == -1 || count < 2 ||
	    rpc_read_uint(&c, &type) == -1 || type != 0 ||
	    rpc_read_uint(&c, &v) == -1 || v > UINT32_MAX)
		return -1;
	*msgid = (uint32_t)v;
	return 0;
}

static enum rpc_result
rpc_close(struct rpc_ctx *x, const unsigned char *buf, size_t len, struct rpc_out *out,
    enum rpc_err e, const char *msg)
{
	msgpack_packer	 pk;
	uint32_t	 msgid;

	STATS_COUNT(rpc_cnt(x)->errors[e], 1);
	if (rpc_peek_msgid(buf, len, &msgid) == 0) {
		msgpack_packer_init(&pk, out, rpc_out_write);
		rpc_pack_error(&pk, msgid, rpc_err_names[e], msg);
	}
	out->why = msg;
	return RPC_CLOSE;
}

/*
 * A whole MessagePack object that is not a request.  When it reads as
 * [0, msgid, ...] the client meant a request: answer it and keep the
 * connection, since the stream is still framed.  Anything else (a map,
 * a bare number: text sent by mistake parses as fixints) closes it.
 */
static enum rpc_result
rpc_misframed(struct rpc_ctx *x, const unsigned char *buf, size_t n, struct rpc_out *out)
{
	msgpack_packer	 pk;
	uint32_t	 msgid;

	if (rpc_peek_msgid(buf, n, &msgid) == -1)
		return rpc_close(x, buf, n, out, RPC_E_BAD_REQUEST,
		    "not a request array");
	STATS_COUNT(rpc_cnt(x)->errors[RPC_E_BAD_REQUEST], 1);
	msgpack_packer_init(&pk, out, rpc_out_write);
	rpc_pack_error(&pk, msgid, rpc_err_names[RPC_E_BAD_REQUEST],
	    "a request is [0, msgid, method, params]");
	return RPC_DONE;
}

static void
rpc_dispatch(struct rpc_req *r, const char *m, size_t mlen)
{
	const struct rpc_method *me;
	struct rpc_args	 a;
	size_t		 i;

	for (i = 0; i < RPC_NMETHODS; i++) {
		me = &rpc_methods[i];
		if (!rpc_str_eq(m, mlen, me->name))
			continue;
		STATS_COUNT(rpc_cnt(r->ctx)->requests[i], 1);
		if (rpc_contract(r, me, &a) == -1 || me->fn(r, &a) == -1)
			return;
		if (r->params.p != r->params.end)
			/* Every method reads all of its params. */
			rpc_fail(r, RPC_E_INTERNAL, "params not fully read");
		return;
	}
	STATS_COUNT(rpc_cnt(r->ctx)->unknown_method, 1);
	rpc_fail(r, RPC_E_UNKNOWN_METHOD, "unknown method \"%.*s\"",
	    (int)(mlen > 64 ? 64 : mlen), m);
}

enum rpc_result
rpc_ctx_process(struct rpc_ctx *x, const unsigned char *buf, size_t len,
    struct rpc_out *out, size_t *used, struct rpc_reload_req *rl)
{
	struct rpc_req	 r;
	struct rpc_cur	 c;
	const char	*m = NULL;
	size_t		 n, mark, mlen = 0;
	uint64_t	 type, msgid = 0;
	uint32_t	 count;
	int		 notify;

	switch (rpc_scan(buf, len, atomic_load_explicit(&rpc_max_request_bytes,
	    memory_order_relaxed), &n)) {
	case RPC_SCAN_NEED_MORE:
		return RPC_MORE;
	case RPC_SCAN_TOO_LARGE:
		return rpc_close(x, buf, len, out, RPC_E_TOO_LARGE,
		    "request over the size or nesting limit");
	case RPC_SCAN_MALFORMED:
		return rpc_close(x, buf, len, out, RPC_E_BAD_REQUEST,
		    "not MessagePack");
	case RPC_SCAN_OK:
		break;
	}
	*used = n;
	c.p = buf;
	c.end = buf + n;
	if (rpc_read_container(&c, 0, &count) == -1 ||
	    (count != 3 && count != 4) || rpc_read_uint(&c, &type) == -1 ||
	    !((count == 4 && type == 0) || (count == 3 && type == 2)) ||
	    (count == 4 && (rpc_read_uint(&c, &msgid) == -1 ||
	    msgid > UINT32_MAX)))
		return rpc_misframed(x, buf, n, out);
	notify = count == 3;

	memset(&r, 0, sizeof(r));
	r.out = out;
	r.ctx = x;
	r.msgid = (uint32_t)msgid;
	r.notify = notify;
	msgpack_packer_init(&r.pk, out, rpc_out_write);
	mark = out->len;
	if (rpc_read_str(&c, &m, &mlen) == -1)
		rpc_fail(&r, RPC_E_BAD_REQUEST, "method must be a string");
	else if (rpc_read_container(&c, 0, &r.nparams) == -1)
		rpc_fail(&r, RPC_E_BAD_REQUEST, "params must be an array");
	if (r.err == RPC_E_NONE) {
		r.params.p = c.p;
		r.params.end = c.end;
		if (!notify) {
			msgpack_pack_array(&r.pk, 4);
			msgpack_pack_int(&r.pk, 1);
			msgpack_pack_uint32(&r.pk, (uint32_t)msgid);
			msgpack_pack_nil(&r.pk);
		}
		rpc_dispatch(&r, m, mlen);
	}
	if (r.reload && r.err == RPC_E_NONE) {
		/* Answered by rpc_reload_answer; the header goes too. */
		if (notify)
			STATS_COUNT(rpc_cnt(x)->notifications, 1);
		out->len = mark;
		rl->msgid = r.msgid;
		rl->reply = !notify;
		rl->generation = x->snap != NULL ?
		    snapshot_generation(x->snap) : 0;
		return RPC_RELOAD;
	}
	if (notify) {
		STATS_COUNT(rpc_cnt(x)->notifications, 1);
		if (r.err != RPC_E_NONE)
			STATS_COUNT(rpc_cnt(x)->errors[r.err], 1);
		out->len = mark;
		return RPC_DONE;
	}
	if (r.err != RPC_E_NONE) {
		STATS_COUNT(rpc_cnt(x)->errors[r.err], 1);
		if (!out->oom)
			out->len = mark;
		rpc_pack_error(&r.pk, (uint32_t)msgid, rpc_err_names[r.err],
		    r.emsg);
	}
	return RPC_DONE;
}

/* The main context's requests: tests, fuzzing. */
enum rpc_result
rpc_process(const unsigned char *buf, size_t len, struct rpc_out *out,
    size_t *used)
{
	struct rpc_reload_req rl;
	enum rpc_result	 r;

	if ((r = rpc_ctx_process(&rpc_main, buf, len, out, used, &rl)) !=
	    RPC_RELOAD)
		return r;
	if (rl.reply)
		rpc_reload_answer(out, rl.msgid, 0, rl.generation,
		    "reload is not available");
	return RPC_DONE;
}

/*
 * State.
 */

void
rpc_set_limits(const struct rpc_limits *l)
{
	atomic_store_explicit(&rpc_max_request_bytes, l->max_request_bytes,
	    memory_order_relaxed);
	atomic_store_explicit(&rpc_max_batch, l->max_batch,
	    memory_order_relaxed);
}

void
rpc_reload_answer(struct rpc_out *out, uint32_t msgid, int ok,
    uint64_t generation, const char *err)
{
	msgpack_packer	 pk;

	msgpack_packer_init(&pk, out, rpc_out_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_nil(&pk);
	rpc_pack_reload_result(&pk, ok, generation, err);
}

void
rpc_ctx_begin(struct rpc_ctx *x)
{
	x->snap = snapshot_acquire();
	x->today = record_today();
}

void
rpc_ctx_end(struct rpc_ctx *x)
{
	if (x->snap != NULL)
		snapshot_release(x->snap);
	x->snap = NULL;
}

void
rpc_batch_begin(void)
{
	rpc_ctx_begin(&rpc_main);
}

void
rpc_batch_end(void)
{
	rpc_ctx_end(&rpc_main);
}

struct rpc_ctx *
rpc_main_ctx(void)
{
	return &rpc_main;
}
