/*
 * worker_int.h: what worker_thread.c, worker.c and worker_limits.c
 * share and nothing else sees: struct conn and struct worker, the
 * pipe's message, and the functions one file lends another, grouped by
 * the file that defines them.
 *
 * Calls go one way only: worker_thread.c (the thread, its pipe, the
 * reaper, the stop timer) -> worker.c (the request path and the timers
 * that act on clients) -> worker_limits.c (decisions and accounting,
 * a leaf: it calls nothing of the other two); worker_thread.c also
 * uncounts a client it refuses while stopping (worker_uncount).
 * worker_thread.c arms worker.c's timer callbacks; worker.c wakes the
 * reaper only through its event (w->reaper), never by a call.
 */
#ifndef HCPCSD_WORKER_INT_H
#define HCPCSD_WORKER_INT_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "access.h"
#include "rpc.h"
#include "stats.h"
#include "worker.h"

#define CONN_IN_MIN		16384		/* first input buffer, bytes */
#define WORKER_TICK_MS		1000		/* timeouts checked, msec */
#define WORKER_RETRY_MS		10		/* held clients retried */

enum conn_state {
	CONN_ST_READ,		/* reading and answering requests */
	CONN_ST_FLUSH,		/* no more input: write what is queued, close */
	CONN_ST_CLOSED,		/* fd closed; waiting for the reaper */
	CONN_ST_MAX
};

/* A client: owned by one worker, touched by that worker's thread only. */
struct conn {
	TAILQ_ENTRY(conn) entry;
	struct worker	*w;
	uint64_t	 id;
	int		 fd;
	struct access_peer peer;	/* as it connected */
	enum conn_state	 state;
	struct event	*rev;
	struct event	*wev;
	int		 reading;	/* rev is added */
	int		 writing;	/* wev is added */
	unsigned char	*in;
	size_t		 inlen;
	size_t		 incap;
	struct rpc_out	 out;
	size_t		 outoff;	/* out.data[0, outoff) already sent */
	uint64_t	 nreq;
	uint64_t	 nin;
	uint64_t	 nout;
	int		 waiting;	/* for load wait_load: not reading */
	uint64_t	 wait_load;
	uint32_t	 wait_msgid;	/* of the reload request to answer */
	int		 wait_dry;	/* it asked for a dry run */
	struct ucred	 cred;		/* the peer's, at accept */
	struct event	*tev;		/* resumes after a yield */
	size_t		 acct;		/* counted in stats_output_add */
	int		 held;		/* over max_output_bytes: waits */
	int		 partial;	/* in holds the start of a request */
	int64_t		 req_at;	/* msec: that request's first byte */
	int64_t		 active_at;	/* msec: bytes last moved either way */
	int64_t		 wrote_at;	/* msec: output last moved or began */
};

TAILQ_HEAD(conn_list, conn);

/* What the main thread tells a worker through its pipe. */
enum worker_msg_type {
	WORKER_MSG_CONN,	/* fd: a client accepted for it */
	WORKER_MSG_RELOADED,	/* load seq finished: answer who waits */
	WORKER_MSG_STOP		/* flush and close every client, then end */
};

/* One write(), under PIPE_BUF: never torn or interleaved. */
struct worker_msg {
	enum worker_msg_type type;
	int		 fd;
	int		 ok;
	struct ucred	 cred;		/* WORKER_MSG_CONN: the peer's */
	uint64_t	 seq;
	uint64_t	 generation;
	char		*err;		/* !ok: the worker frees it; may be NULL */
	int		 dry_run;
	unsigned char	*answer;	/* dry run: the worker frees it */
	size_t		 answerlen;
};

/*
 * A worker thread: its own event base (no locks: only this thread uses
 * it once running), its clients, its counters.  The main thread writes
 * to pipe[1] and never touches the rest while the thread runs.
 */
struct worker {
	size_t		 idx;
	pthread_t	 thread;
	int		 started;
	struct worker_env *env;	/* server.c's, shared */
	struct event_base *base;
	int		 pipe[2];
	struct event	*pipe_ev;
	struct event	*reaper;
	struct event	*stop_timer;
	struct event	*tick;		/* timeouts, while it has clients */
	struct event	*retry;		/* held clients, while any */
	struct conn_list conns;
	struct conn_list dead;
	size_t		 nconns;	/* in conns */
	size_t		 nheld;		/* of them held */
	int		 stopping;
	struct rpc_ctx	 rpc;
	struct stats_counters cnt;	/* rpc.cnt; written by this thread */
};

static inline int64_t
worker_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline size_t
worker_limit(const atomic_size_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* worker.c: called by worker_thread.c */
void		 conn_new(struct worker *, int fd, const struct ucred *);
void		 conn_close(struct conn *);
void		 conn_free(struct conn *);
void		 worker_stop(struct worker *);
void		 worker_reloaded(struct worker *, const struct worker_msg *);
void		 worker_retry_cb(evutil_socket_t, short, void *);
void		 worker_tick_cb(evutil_socket_t, short, void *);

/* worker_limits.c: called by worker.c */
int		 worker_over_budget(const struct worker *);
size_t		 worker_soft_cap(const struct worker *);
int		 conn_may_take(const struct conn *);
void		 conn_account(struct conn *);
void		 conn_hold(struct conn *);
int		 conn_gone(const struct conn *);
void		 conn_yield(struct conn *);
const char	*conn_expired(struct conn *, int64_t now);
void		 worker_uncount(struct worker *, const struct ucred *);
int		 conn_grow(struct conn *);

#endif /* HCPCSD_WORKER_INT_H */
