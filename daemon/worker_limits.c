/*
 * worker_limits.c: the limits a worker holds its clients to, apart
 * from the request path itself (worker.c): the output budget, fairness
 * between clients, the timeouts and clients that hung up.
 *
 * Memory and fairness across clients: every client's queued output is
 * summed in stats_output_add; while the sum is over max_output_bytes no
 * client of any worker is read or answered.  Held clients wait in
 * their worker's list and a retry timer resumes them in list order,
 * each moved to the end once resumed, until the budget is spent again:
 * round robin, so each gets its turn as the budget frees.  A turn
 * answers at most max_requests_per_turn cost units (rpc.c's method
 * table) of one client; the rest waits for a zero timer, which libevent
 * runs after the I/O events of the same loop, so every other client
 * ready meanwhile is served first.  A once-a-second tick closes idle
 * clients, output left unread for output_timeout, requests that take
 * longer than request_timeout to arrive (from their first byte: a
 * trickle does not keep one alive), and clients gone while their
 * requests waited.  A client that has gone (the peer closed: POLLHUP)
 * gets no more answers produced.  Also here: a client's input buffer
 * grows to max_request_bytes and no further, and a client gone is
 * uncounted from nconns and its uid's count (env->closed).
 *
 * Only the decisions and the accounting are here, a leaf: the timers
 * that act on them (the retry, the tick, a turn's end) and closing are
 * worker.c's, and nothing here calls back into it.  Everything here
 * runs on the connection's worker thread.
 */
#include <sys/queue.h>

#include <poll.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "log.h"
#include "stats.h"
#include "worker.h"
#include "worker_int.h"

#define CONN_IN_SLACK		65536		/* input room past a request */
#define CONN_OUT_SOFT		(256 * 1024)	/* stop reading above, bytes */

/* Is every client's queued output together at max_output_bytes? */
int
worker_over_budget(const struct worker *w)
{
	return stats_output_queued() >= worker_limit(&w->env->max_output);
}

/* Output queued above which a client is not read. */
size_t
worker_soft_cap(const struct worker *w)
{
	size_t	lim = atomic_load_explicit(&w->env->output_limit,
		    memory_order_relaxed) / 2;

	return lim < CONN_OUT_SOFT ? lim : CONN_OUT_SOFT;
}

/*
 * May the client's input be taken now (read, or what is buffered
 * answered)?  Only while its worker runs, no reload it asked for is
 * pending and its queued output is under the soft cap (backpressure).
 */
int
conn_may_take(const struct conn *c)
{
	return c->state != CONN_ST_CLOSED && !c->w->stopping &&
	    !c->waiting && !c->held &&
	    c->out.len - c->outoff < worker_soft_cap(c->w);
}

/*
 * The output buffer's bytes in the shared sum (stats_output_add): what
 * it holds until drained, the part already sent included.
 */
void
conn_account(struct conn *c)
{
	size_t	q = c->state == CONN_ST_CLOSED ? 0 : c->out.len;

	if (q == c->acct)
		return;
	if (c->acct == 0)
		c->wrote_at = worker_now_ms();	/* output_timeout from now */
	stats_output_add((int64_t)q - (int64_t)c->acct);
	c->acct = q;
}

/* Over max_output_bytes: wait for the retry timer's round. */
void
conn_hold(struct conn *c)
{
	struct worker	*w = c->w;
	struct timeval	 tv = { 0, WORKER_RETRY_MS * 1000 };

	c->held = 1;
	w->nheld++;
	STATS_COUNT(w->cnt.output_waits, 1);
	if (!evtimer_pending(w->retry, NULL))
		evtimer_add(w->retry, &tv);
}

/*
 * Has the peer closed its end (not just shut down writing)?  Then
 * nothing it asked for is worth answering.  A syscall: asked only
 * before a backlog is answered, never per request.
 */
int
conn_gone(const struct conn *c)
{
	struct pollfd	 p = { c->fd, 0, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

/* Its turn is spent: go on once the worker's other clients had theirs. */
void
conn_yield(struct conn *c)
{
	const struct timeval zero = { 0, 0 };

	STATS_COUNT(c->w->cnt.yields, 1);
	evtimer_add(c->tev, &zero);
}

/* Why c must go now, or NULL; counted in its counter. */
const char *
conn_expired(struct conn *c, int64_t now)
{
	struct worker	*w = c->w;
	int64_t		 ot = (int64_t)worker_limit(&w->env->output_timeout),
			 it = (int64_t)worker_limit(&w->env->idle_timeout),
			 rt = (int64_t)worker_limit(&w->env->request_timeout);

	if (ot > 0 && c->out.len > c->outoff && now - c->wrote_at >=
	    ot * 1000) {
		STATS_COUNT(w->cnt.closed_output_timeout, 1);
		return "replies unread for output_timeout";
	}
	if (rt > 0 && c->partial && c->reading && now - c->req_at >=
	    rt * 1000) {
		STATS_COUNT(w->cnt.closed_request_timeout, 1);
		return "a request unfinished after request_timeout";
	}
	if (it > 0 && c->inlen == 0 && c->out.len == c->outoff &&
	    !c->waiting && now - c->active_at >= it * 1000) {
		STATS_COUNT(w->cnt.closed_idle, 1);
		return "idle for idle_timeout";
	}
	return NULL;
}

/* A client handed over is no longer: uncount it everywhere. */
void
worker_uncount(struct worker *w, const struct ucred *cred)
{
	atomic_fetch_sub(&w->env->nconns, 1);
	w->env->closed(cred);
}

/* Room for one more read: grow up to max_request_bytes + slack. */
int
conn_grow(struct conn *c)
{
	unsigned char	*n;
	size_t		 max = atomic_load_explicit(&c->w->env->max_request,
			    memory_order_relaxed) + CONN_IN_SLACK;
	size_t		 cap;

	if (c->inlen < c->incap)
		return 0;
	if (c->incap >= max) {
		/* rpc_scan stops any object before this; be safe anyway. */
		c->w->env->warnx("client %llu: input buffer full: closing",
		    (unsigned long long)c->id);
		return -1;
	}
	cap = c->incap == 0 ? CONN_IN_MIN : c->incap * 2;
	if (cap > max)
		cap = max;
	if ((n = realloc(c->in, cap)) == NULL) {
		log_warn("client %llu: input buffer",
		    (unsigned long long)c->id);
		return -1;
	}
	c->in = n;
	c->incap = cap;
	return 0;
}
