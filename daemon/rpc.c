/*
 * rpc.c: MessagePack-RPC for hcpcsd (docs/protocol.md): framing, the
 * method table with each method's contract, dispatch and the error
 * path.  The methods are in rpc_methods.c (the code sets) and
 * rpc_info.c (the daemon itself); the decoder and packing helpers they
 * share in rpc_codec.c.
 *
 * A request is bounded before anything is decoded: rpc_scan walks the
 * bytes with a fixed-size stack and checks every declared count and
 * length, because a decoder that trusts a declared count (msgpack-c's
 * unpacker reserves memory from it) lets a five-byte header ask for
 * gigabytes.  The decoder then reads params straight out of the
 * scanned span, borrowing strings, and answers are packed into the
 * connection's output buffer with a mark taken first, so a method that
 * fails half way only truncates back to the mark and packs its error.
 */
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "access.h"
#include "classify.h"
#include "mpscan.h"
#include "record.h"
#include "rpc.h"
#include "rpc_int.h"
#include "snapshot.h"
#include "stats.h"

/* The last two columns: the cost, and one more per N codes. */
static const struct rpc_method rpc_methods[] = {
	{ RPC_NAME("ping"), rpc_m_ping, 0, 0, { { RPC_A_NONE, NULL } }, 0, 0,
	    1, 0 },
	{ RPC_NAME("lookup"), rpc_m_lookup, 1, 2, { { RPC_A_CODE, "code" } },
	    RPC_OPT_SET | RPC_OPT_AS_OF | RPC_OPT_DESCRIBE, RPC_F_SNAP, 1, 0 },
	{ RPC_NAME("lookup_many"), rpc_m_lookup_many, 1, 2,
	    { { RPC_A_CODES, "codes" } },
	    RPC_OPT_SET | RPC_OPT_AS_OF | RPC_OPT_DESCRIBE, RPC_F_SNAP, 1, 16 },
	{ RPC_NAME("validate"), rpc_m_validate, 2, 3,
	    { { RPC_A_CODE, "code" }, { RPC_A_DATE, "date" } }, RPC_OPT_SET,
	    RPC_F_SNAP, 1, 0 },
	{ RPC_NAME("search"), rpc_m_search, 1, 2, { { RPC_A_STR, "text" } },
	    RPC_OPT_SET | RPC_OPT_AS_OF | RPC_OPT_LIMIT | RPC_OPT_INCL_TERM,
	    RPC_F_SNAP, 8, 0 },
	{ RPC_NAME("classify"), rpc_m_classify, 1, 1,
	    { { RPC_A_CODE, "code" } }, 0, 0, 1, 0 },
	/* Then from_effective and to_effective: releases of the set. */
	{ RPC_NAME("diff"), rpc_m_diff, 3, 3, { { RPC_A_STR, "set" } }, 0,
	    RPC_F_SNAP, 64, 0 },
	{ RPC_NAME("info"), rpc_m_info, 0, 0, { { RPC_A_NONE, NULL } }, 0, 0,
	    1, 0 },
	{ RPC_NAME("reload"), rpc_m_reload, 0, 1, { { RPC_A_NONE, NULL } },
	    RPC_OPT_DRY_RUN, RPC_F_ADMIN, 1, 0 },
	/* What hcpcsd -t compares its configuration with. */
	{ RPC_NAME("codes"), rpc_m_codes, 0, 0, { { RPC_A_NONE, NULL } }, 0,
	    RPC_F_SNAP | RPC_F_ADMIN, 64, 0 },
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
 * Contracts.
 */

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

/* The optional opts map (nil counts as absent); allowed: RPC_OPT_*. */
static int
rpc_parse_opts(struct rpc_req *r, int allowed, struct rpc_opts *o)
{
	const char	*k, *s;
	size_t		 klen, slen;
	uint32_t	 n, i;
	uint64_t	 v;
	char		 q[RPC_QUOTE_SIZE];

	o->set = -1;
	o->as_of = r->ctx->today;
	o->limit = RPC_SEARCH_DEFAULT;
	o->include_terminated = 0;
	o->dry_run = 0;
	o->describe = 0;
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
				    "unknown set %s", rpc_quote(q, s, slen));
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
		} else if ((allowed & RPC_OPT_DRY_RUN) &&
		    rpc_str_eq(k, klen, "dry_run")) {
			if (rpc_read_bool(&r->params, &o->dry_run) == -1)
				return rpc_fail(r, RPC_E_BAD_REQUEST,
				    "opts.dry_run must be a boolean");
		} else if ((allowed & RPC_OPT_DESCRIBE) &&
		    rpc_str_eq(k, klen, "describe")) {
			if (rpc_read_bool(&r->params, &o->describe) == -1)
				return rpc_fail(r, RPC_E_BAD_REQUEST,
				    "opts.describe must be a boolean");
		} else
			return rpc_fail(r, RPC_E_BAD_REQUEST,
			    "unknown option %s", rpc_quote(q, k, klen));
	}
	return 0;
}

/* Normalise a code param by its shape; invalid_code when it has none. */
static int
rpc_code(struct rpc_req *r, const char *what, struct classify *cl)
{
	const char	*s;
	size_t		 len;
	char		 q[RPC_QUOTE_SIZE];

	if (rpc_param_str(r, what, &s, &len) == -1)
		return -1;
	if (classify_code(s, len, cl) == -1)
		return rpc_fail(r, RPC_E_INVALID_CODE,
		    "%s is not a HCPCS or CPT code", rpc_quote(q, s, len));
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

	if ((m->flags & RPC_F_ADMIN) && !rpc_ctx_admin(r->ctx)) {
		r->ctx->denied = m->name;
		return rpc_fail(r, RPC_E_FORBIDDEN, "%s is for admin_uids only",
		    m->name);
	}
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

int
rpc_room(struct rpc_req *r, size_t need)
{
	size_t	room = r->ctx->out_room;

	if (room == 0 || need <= room)
		return 0;
	STATS_COUNT(rpc_cnt(r->ctx)->refused_too_large, 1);
	return rpc_fail(r, RPC_E_TOO_LARGE, "the reply would take %zu bytes, "
	    "over the %zu this client may queue (output_limit)", need, room);
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
		rpc_pack_error(&pk, msgid, rpc_err_name(e), msg);
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
	rpc_pack_error(&pk, msgid, rpc_err_name(RPC_E_BAD_REQUEST),
	    "a request is [0, msgid, method, params]");
	return RPC_DONE;
}

/*
 * The row of method m in rpc_methods, or -1.  The table is short: a
 * row whose length or first byte differs costs two compares, so a
 * method is found with one memcmp, from the table alone (a new row needs
 * nothing else).
 */
static int
rpc_method_index(const char *m, size_t mlen)
{
	size_t	 i;

	for (i = 0; i < RPC_NMETHODS; i++)
		if (rpc_methods[i].namelen == mlen &&
		    rpc_methods[i].name[0] == m[0] &&
		    memcmp(rpc_methods[i].name, m, mlen) == 0)
			return (int)i;
	return -1;
}

static void
rpc_dispatch(struct rpc_req *r, const char *m, size_t mlen)
{
	const struct rpc_method *me;
	struct rpc_args	 a;
	int		 i;
	char		 q[RPC_QUOTE_SIZE];

	if ((i = rpc_method_index(m, mlen)) < 0) {
		STATS_COUNT(rpc_cnt(r->ctx)->unknown_method, 1);
		rpc_fail(r, RPC_E_UNKNOWN_METHOD, "unknown method %s",
		    rpc_quote(q, m, mlen));
		return;
	}
	me = &rpc_methods[i];
	STATS_COUNT(rpc_cnt(r->ctx)->requests[i], 1);
	r->ctx->cost = me->cost;
	if (rpc_contract(r, me, &a) == -1)
		return;
	if (me->cost_codes != 0)
		r->ctx->cost += a.ncodes / me->cost_codes;
	if (me->fn(r, &a) == -1)
		return;
	if (r->params.p != r->params.end)
		/* Every method reads all of its params. */
		rpc_fail(r, RPC_E_INTERNAL, "params not fully read");
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

	x->cost = 1;
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

	/* Not emsg, 256 bytes no answer reads unless rpc_fail wrote them. */
	memset(&r, 0, offsetof(struct rpc_req, emsg));
	r.out = out;
	r.ctx = x;
	r.methods = rpc_methods;
	r.nmethods = RPC_NMETHODS;
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
		if (!notify)
			rpc_out_reply_header(out, (uint32_t)msgid);
		if (x->peer != NULL && !x->peer->allowed) {
			rpc_fail(&r, RPC_E_FORBIDDEN, "uid %u may not use this "
			    "server (allow_uids, allow_gids)",
			    (unsigned)x->peer->uid);
		} else
			rpc_dispatch(&r, m, mlen);
	}
	if (r.reload && r.err == RPC_E_NONE) {
		/* Answered by rpc_reload_answer; the header goes too. */
		if (notify)
			STATS_COUNT(rpc_cnt(x)->notifications, 1);
		out->len = mark;
		rl->msgid = r.msgid;
		rl->reply = !notify;
		rl->dry_run = r.reload_dry;
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
		rpc_pack_error(&r.pk, (uint32_t)msgid, rpc_err_name(r.err),
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

void
rpc_busy_message(struct rpc_out *out, const char *why)
{
	msgpack_packer	 pk;

	msgpack_packer_init(&pk, out, rpc_out_write);
	rpc_pack_error(&pk, 0, "busy", why);
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

int
rpc_ctx_admin(const struct rpc_ctx *x)
{
	return x->peer == NULL || x->peer->admin;
}

struct rpc_ctx *
rpc_main_ctx(void)
{
	return &rpc_main;
}
