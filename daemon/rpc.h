/*
 * rpc.h: MessagePack-RPC requests (docs/protocol.md).  Bounds a request
 * before decoding it, decodes params by borrowing from the caller's
 * buffer, dispatches to the methods and encodes every answer straight
 * into the caller's output buffer.  No sockets here: worker.c feeds
 * bytes in and writes bytes out, so this can be tested over buffers.
 * Nor does it start anything: a reload request comes back to the
 * caller as a verdict (RPC_RELOAD) for it to act on.
 */
#ifndef HCPCSD_RPC_H
#define HCPCSD_RPC_H

#include <stddef.h>
#include <stdint.h>

struct access_peer;
struct snapshot;
struct snapshot_preview;
struct stats_counters;

#define RPC_MAX_DEPTH		16	/* nesting of one request */
#define RPC_SEARCH_MAX		500	/* search "limit" upper bound */
#define RPC_SEARCH_DEFAULT	20

/* rpc_scan results. */
enum rpc_scan {
	RPC_SCAN_OK,		/* *objlen bytes hold one whole object */
	RPC_SCAN_NEED_MORE,	/* a prefix of a valid object */
	RPC_SCAN_TOO_LARGE,	/* over the byte limit or too deep */
	RPC_SCAN_MALFORMED	/* not MessagePack */
};

/*
 * Find the extent of the first top-level MessagePack object in buf[0,
 * len) without allocating: every declared count and length is checked
 * against the bytes actually present and against max bytes (the
 * object's total size), and nesting against RPC_MAX_DEPTH.  A declared
 * size beyond max is TOO_LARGE at once, before its bytes arrive.
 */
enum rpc_scan	 rpc_scan(const unsigned char *buf, size_t len, size_t max,
		    size_t *objlen);

/* A growable output buffer; the caller owns data (free it). */
struct rpc_out {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
	int		 oom;		/* an append failed: close the client */
	const char	*why;		/* after RPC_CLOSE: what was wrong */
};

void		 rpc_out_free(struct rpc_out *);

/* Limits the dispatcher enforces (copied from the configuration). */
struct rpc_limits {
	size_t		 max_request_bytes;
	size_t		 max_batch;
};

void		 rpc_set_limits(const struct rpc_limits *);

/*
 * Append the whole response to a reload request (RPC_RELOAD): [1,
 * msgid, nil, {ok, generation, error (when not ok)}].  May allocate:
 * only to grow out (out->oom set on failure).
 */
void		 rpc_reload_answer(struct rpc_out *, uint32_t msgid, int ok,
		    uint64_t generation, const char *err);

/*
 * A dry run's result map (docs/protocol.md, reload): {ok, dry_run:
 * true, generation, sets (ok: the preview) or error}.  Packed once on
 * the main thread; rpc_reload_answer_packed then wraps a copy as the
 * response to msgid.  May allocate: only to grow out.
 */
void		 rpc_pack_dry_run(struct rpc_out *, int ok,
		    uint64_t generation, const char *err,
		    const struct snapshot_preview *);
void		 rpc_reload_answer_packed(struct rpc_out *, uint32_t msgid,
		    const unsigned char *result, size_t len);

/*
 * Append what a client turned away at accept gets: [1, 0, {code:
 * "busy", message: why}, nil] (msgid 0: no request was read).
 */
void		 rpc_busy_message(struct rpc_out *, const char *why);

/*
 * What the requests of one thread share: the batch's snapshot reference
 * and "today", the counters they are counted in (NULL: stats_main())
 * and the output bound.  Zero it, set cnt.  peer: whose requests these
 * are, set by the caller before each client's batch; NULL (tests,
 * fuzzing) is allowed everything.  A peer not allowed gets "forbidden"
 * for every request, a non-admin for every RPC_F_ADMIN method, and then
 * denied names the method (static text) for the caller to log; the
 * caller clears it.
 */
struct rpc_ctx {
	struct snapshot	*snap;
	uint32_t	 today;
	struct stats_counters *cnt;
	const struct access_peer *peer;
	const char	*denied;
	/*
	 * Set by the caller before each request: the reply bytes the
	 * client may still queue (0: no bound); a batch whose reply would
	 * be larger is refused too_large before it is packed.
	 */
	size_t		 out_room;
	/* Set by rpc_ctx_process: the request's cost (the method table). */
	unsigned	 cost;
};

/* May the batch's peer see paths and administer?  NULL peer: yes. */
int		 rpc_ctx_admin(const struct rpc_ctx *);

/*
 * The context rpc_process and rpc_batch_* use, counted in
 * stats_main(): tests and fuzzing run requests in it.
 */
struct rpc_ctx	*rpc_main_ctx(void);

/*
 * A batch: every request answered in one event-loop wakeup.  begin
 * takes one snapshot reference and computes "today" (UTC) once; end
 * drops the reference.  Requests only run between the two.
 */
void		 rpc_ctx_begin(struct rpc_ctx *);
void		 rpc_ctx_end(struct rpc_ctx *);
void		 rpc_batch_begin(void);	/* of rpc_main_ctx() */
void		 rpc_batch_end(void);

/* rpc_process results. */
enum rpc_result {
	RPC_DONE,		/* one object consumed; the stream is fine */
	RPC_MORE,		/* no complete object yet: read more */
	RPC_CLOSE,		/* answer (if any) appended; close after */
	RPC_RELOAD		/* a reload request consumed: see below */
};

/*
 * The verdict on a reload request: deferred to the caller, who asks for
 * a load (or for one more after the load running) and answers msgid
 * with rpc_reload_answer once that load has ended, or at once with ok 0,
 * generation and why when no load can start.  reply is 0 for a
 * notification: nothing is answered.  The request is counted already.
 */
struct rpc_reload_req {
	uint32_t	 msgid;
	int		 reply;
	int		 dry_run;	/* opts.dry_run: check, compare, keep */
	uint64_t	 generation;	/* the batch's: 0 without data */
};

/*
 * Handle the first object in buf[0, len): on RPC_DONE *used bytes were
 * consumed and the response (none for a notification) is appended to
 * out.  On RPC_RELOAD *used bytes were consumed, nothing is appended
 * and *rl holds the verdict.  On RPC_CLOSE an error response is
 * appended when the request's msgid could be read, and out->why says
 * what was wrong (static text, for the caller's log line).  The byte
 * limit is rpc_set_limits' max_request_bytes.  May allocate: only to
 * grow out (out->oom set on failure).
 */
enum rpc_result	 rpc_ctx_process(struct rpc_ctx *, const unsigned char *buf,
		    size_t len, struct rpc_out *out, size_t *used,
		    struct rpc_reload_req *rl);

/*
 * rpc_ctx_process in rpc_main_ctx(), where no load can start: a reload
 * request is answered {ok: false, error: "reload is not available"}
 * (RPC_DONE).
 */
enum rpc_result	 rpc_process(const unsigned char *buf, size_t len,
		    struct rpc_out *out, size_t *used);

#endif /* HCPCSD_RPC_H */
