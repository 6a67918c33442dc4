/*
 * worker.c: the request path, read -> process -> flush, for the clients
 * a worker thread (worker_thread.c) hands over, and the timers that act
 * on them: a turn's end, the held clients' retry, the timeouts' tick.
 * What the path and the timers may do (output budgets, fairness,
 * timeouts, hang-ups) worker_limits.c decides; struct conn and struct
 * worker are worker_int.h's.  Calls go one way: worker_thread.c calls
 * here, this file calls worker_limits.c, never the other way.
 *
 * A worker has its own event base, clients and counters, and touches
 * nothing of another's; the main thread talks to it only through its
 * pipe (a client to serve, a load that ended, stop).
 *
 * The request path uses plain persistent read events and direct
 * read()/write(), not bufferevents: one read() per wakeup into the
 * connection's input buffer, every complete request in it answered into
 * the output buffer, then one write() of it all.  A write event is armed
 * only when the socket would block.  While more than the soft cap of
 * output is queued the client is not read (backpressure); a reply that
 * would take it past output_limit is refused too_large before it is
 * packed (rpc_ctx.out_room).  Connections are never freed inside a
 * callback that may still use them: they are marked closed and a
 * reaper event frees them once the stack has unwound.
 *
 * A client that asked for a reload is not read, nor are its pipelined
 * requests answered, until its load ends, so its responses stay in
 * order.
 *
 * Each client's credentials are judged once, when it arrives
 * (access.c); one its allow lists refuse gets "forbidden" for every
 * request of its first read, and is closed.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "access.h"
#include "log.h"
#include "rpc.h"
#include "stats.h"
#include "worker.h"
#include "worker_int.h"

#define CONN_OUT_KEEP		(1024 * 1024)	/* idle buffer kept, bytes */
#define WORKER_STOP_MS		1000		/* flush on shutdown, msec */

static const char *const conn_state_names[CONN_ST_MAX] = {
	[CONN_ST_READ] = "read",
	[CONN_ST_FLUSH] = "flush",
	[CONN_ST_CLOSED] = "closed",
};

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_process(struct conn *);
static void	conn_reload(struct conn *, const struct rpc_reload_req *);

/*
 * Connections: everything here runs on the connection's worker.
 */

static void
conn_set_state(struct conn *c, enum conn_state st)
{
	assert(st >= 0 && st < CONN_ST_MAX);
	log_debug("client %llu: %s -> %s", (unsigned long long)c->id,
	    conn_state_names[c->state], conn_state_names[st]);
	c->state = st;
}

static void
conn_want_read(struct conn *c, int on)
{
	if (on && !c->reading)
		event_add(c->rev, NULL);
	else if (!on && c->reading)
		event_del(c->rev);
	c->reading = on;
}

static void
conn_want_write(struct conn *c, int on)
{
	if (on && !c->writing)
		event_add(c->wev, NULL);
	else if (!on && c->writing)
		event_del(c->wev);
	c->writing = on;
}

/*
 * The one place the events follow the state: write while output is
 * queued, read while reading and conn_may_take.  Call it after any
 * change to either; conn_flush does, so everything that ends in a
 * flush (conn_process does) needs nothing more.
 */
static void
conn_update_events(struct conn *c)
{
	if (c->state == CONN_ST_CLOSED)
		return;
	conn_want_write(c, c->out.len > c->outoff);
	if (conn_may_take(c) && (c->state == CONN_ST_READ || c->inlen > 0) &&
	    worker_over_budget(c->w))
		conn_hold(c);
	conn_want_read(c, c->state == CONN_ST_READ && conn_may_take(c));
}

/* Mark closed and hand to the reaper; safe anywhere in a callback. */
void
conn_close(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->state == CONN_ST_CLOSED)
		return;
	conn_want_read(c, 0);
	conn_want_write(c, 0);
	evtimer_del(c->tev);
	close(c->fd);
	c->fd = -1;
	conn_set_state(c, CONN_ST_CLOSED);
	conn_account(c);
	if (c->held)
		w->nheld--;
	c->held = 0;
	TAILQ_REMOVE(&w->conns, c, entry);
	TAILQ_INSERT_TAIL(&w->dead, c, entry);
	w->nconns--;
	worker_uncount(w, &c->cred);
	STATS_COUNT(w->cnt.conns_current, -1);
	log_debug("client %llu: closed after %llu requests, %llu bytes in, "
	    "%llu out", (unsigned long long)c->id,
	    (unsigned long long)c->nreq, (unsigned long long)c->nin,
	    (unsigned long long)c->nout);
	event_active(w->reaper, EV_TIMEOUT, 0);
}

/* The peer closed: nothing more is answered.  1 when c is closed. */
static int
conn_drop_gone(struct conn *c)
{
	if (!conn_gone(c))
		return 0;
	log_debug("client %llu: gone with %zu bytes of requests unanswered",
	    (unsigned long long)c->id, c->inlen);
	STATS_COUNT(c->w->cnt.closed_gone, 1);
	conn_close(c);
	return 1;
}

void
conn_free(struct conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->tev != NULL)
		event_free(c->tev);
	if (c->fd != -1)
		close(c->fd);
	free(c->in);
	rpc_out_free(&c->out);
	free(c);
}

/*
 * Write what is queued: as much as the socket takes now; the write
 * event is armed only for the rest.  Closes on errors, on reaching the
 * hard output cap and once a flushing connection is drained.
 */
static void
conn_flush(struct conn *c)
{
	struct worker	*w = c->w;
	size_t		 pending, limit;
	ssize_t		 n;

	if (c->state == CONN_ST_CLOSED)
		return;
	while (c->outoff < c->out.len) {
		n = write(c->fd, c->out.data + c->outoff,
		    c->out.len - c->outoff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug("client %llu: write: %s",
			    (unsigned long long)c->id, strerror(errno));
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
		c->nout += (size_t)n;
		c->wrote_at = c->active_at = worker_now_ms();
		STATS_COUNT(w->cnt.bytes_out, n);
	}
	pending = c->out.len - c->outoff;
	limit = atomic_load_explicit(&w->env->output_limit,
	    memory_order_relaxed);
	if (pending == 0) {
		c->out.len = c->outoff = 0;
		if (c->out.cap > CONN_OUT_KEEP)
			rpc_out_free(&c->out);
		conn_account(c);
		if (c->state == CONN_ST_FLUSH && c->inlen == 0 &&
		    !c->waiting) {
			conn_close(c);
			return;
		}
	} else if (pending > limit) {
		w->env->warnx("client %llu: %zu bytes of output "
		    "queued, over output_limit %zu: closing (%llu requests, "
		    "%llu bytes in, %llu out)", (unsigned long long)c->id,
		    pending, limit, (unsigned long long)c->nreq,
		    (unsigned long long)c->nin, (unsigned long long)c->nout);
		conn_close(c);
		return;
	}
	conn_account(c);
	conn_update_events(c);
}

/*
 * Answer the complete requests in the input buffer, then flush.  At
 * the soft output cap answering stops and the rest waits in the buffer
 * until the output drains (here, or in conn_write_cb); over
 * max_output_bytes it waits for the retry timer (conn_hold); after
 * max_requests_per_turn cost units, for conn_yield's timer.  After a
 * reload request it stops too: the rest waits until
 * conn_reload_answer.  The batch holds one snapshot reference, taken
 * without blocking others.
 */
static void
conn_process(struct conn *c)
{
	struct worker	*w = c->w;
	struct rpc_ctx	*x = &w->rpc;
	struct rpc_reload_req rl;
	size_t		 off, used, soft = worker_soft_cap(w);
	size_t		 limit = worker_limit(&w->env->output_limit);
	size_t		 turn = worker_limit(&w->env->per_turn), spent = 0;
	enum rpc_result	 r;

	for (;;) {
		off = 0;
		r = RPC_DONE;
		x->peer = &c->peer;
		rpc_ctx_begin(x);
		while (off < c->inlen && c->out.len - c->outoff < soft &&
		    !c->waiting && spent < turn && !worker_over_budget(w)) {
			used = 0;
			/* soft is at most limit / 2: room is never 0. */
			x->out_room = limit - (c->out.len - c->outoff);
			r = rpc_ctx_process(x, c->in + off, c->inlen - off,
			    &c->out, &used, &rl);
			if (r == RPC_RELOAD) {
				conn_reload(c, &rl);
				r = RPC_DONE;
			}
			if (x->denied != NULL) {
				c->w->env->warnx("client %llu (uid %u, pid %d): "
				    "%s forbidden: not in admin_uids",
				    (unsigned long long)c->id,
				    (unsigned)c->peer.uid, (int)c->peer.pid,
				    x->denied);
				x->denied = NULL;
			}
			if (r != RPC_DONE)
				break;
			off += used;
			c->nreq++;
			spent += x->cost;
			conn_account(c);
		}
		rpc_ctx_end(x);
		if (r == RPC_CLOSE)
			c->w->env->warnx("client %llu: protocol error after "
			    "%llu requests: %s: closing",
			    (unsigned long long)c->id,
			    (unsigned long long)c->nreq, c->out.why);
		if (off > 0) {
			memmove(c->in, c->in + off, c->inlen - off);
			c->inlen -= off;
			/* What is left came in the last read, at most. */
			c->req_at = worker_now_ms();
		}
		c->partial = r == RPC_MORE && c->inlen > 0;
		if (c->inlen == 0 && c->incap > CONN_IN_MIN) {
			/* An idle client keeps no big buffer. */
			free(c->in);
			c->in = NULL;
			c->incap = 0;
		}
		if (c->out.oom) {
			log_warnx("client %llu: out of memory for output: "
			    "closing", (unsigned long long)c->id);
			conn_close(c);
			return;
		}
		if (r == RPC_CLOSE || (!c->peer.allowed && off > 0)) {
			/* Refused: what it sent first is answered, no more. */
			c->inlen = 0;
			conn_set_state(c, CONN_ST_FLUSH);
		} else if (r == RPC_MORE && c->state == CONN_ST_FLUSH)
			c->inlen = 0;	/* a partial request after EOF */
		conn_flush(c);
		if (c->state == CONN_ST_CLOSED || r != RPC_DONE ||
		    c->inlen == 0 || off == 0 || c->out.len > c->outoff ||
		    c->waiting || c->held)
			return;
		if (spent >= turn) {
			conn_yield(c);
			return;
		}
	}
}

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	ssize_t		 n;

	if (c->state != CONN_ST_READ || c->waiting)
		return;
	/* EPOLLRDHUP: shut down, or gone?  Gone: its requests are moot. */
	if ((what & EV_CLOSED) && conn_drop_gone(c))
		return;
	if (conn_grow(c) == -1) {
		conn_close(c);
		return;
	}
	n = read(fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		log_debug("client %llu: read: %s", (unsigned long long)c->id,
		    strerror(errno));
		conn_close(c);
		return;
	}
	if (n == 0) {
		if (conn_drop_gone(c))
			return;
		/* Half-closed: answer what came, then close. */
		conn_set_state(c, CONN_ST_FLUSH);
		conn_process(c);
		return;
	}
	c->active_at = worker_now_ms();
	if (c->inlen == 0)
		c->req_at = c->active_at;
	c->inlen += (size_t)n;
	c->nin += (size_t)n;
	STATS_COUNT(c->w->cnt.bytes_in, n);
	conn_process(c);
}

static void
conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	conn_flush(c);
	/* Input held back by backpressure is answered once it drains. */
	if (c->inlen > 0 && conn_may_take(c))
		conn_process(c);
}

/* Answer what a held or yielding client has buffered, unless it left. */
static void
conn_resume(struct conn *c)
{
	conn_update_events(c);
	if (c->inlen == 0 || !conn_may_take(c) || conn_drop_gone(c))
		return;
	conn_process(c);
}

static void
conn_yield_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_resume(arg);
}

/*
 * Held clients, in list order, each moved to the end once resumed:
 * while the budget lasts, the ones that waited longest go first.
 */
void
worker_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv = { 0, WORKER_RETRY_MS * 1000 };
	struct conn	*c, *next;
	size_t		 n = w->nconns;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&w->conns); c != NULL && n > 0 && w->nheld > 0;
	    c = next, n--) {
		next = TAILQ_NEXT(c, entry);
		if (!c->held)
			continue;
		if (worker_over_budget(w))
			break;
		c->held = 0;
		w->nheld--;
		TAILQ_REMOVE(&w->conns, c, entry);
		TAILQ_INSERT_TAIL(&w->conns, c, entry);
		conn_resume(c);
	}
	if (w->nheld > 0 && !evtimer_pending(w->retry, NULL))
		evtimer_add(w->retry, &tv);
}

/* Once a second while the worker has clients: the timeouts. */
void
worker_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tv = { WORKER_TICK_MS / 1000,
			    (WORKER_TICK_MS % 1000) * 1000 };
	struct conn	*c, *next;
	const char	*why;
	int64_t		 now = worker_now_ms();

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if ((why = conn_expired(c, now)) != NULL) {
			w->env->warnx("client %llu (uid %u): %s: closing "
			    "(%llu requests, %llu bytes in, %llu out)",
			    (unsigned long long)c->id, (unsigned)c->cred.uid,
			    why, (unsigned long long)c->nreq,
			    (unsigned long long)c->nin,
			    (unsigned long long)c->nout);
			conn_close(c);
		} else if (c->inlen > 0 && !c->reading)
			/* Waiting its turn: unless it has gone meanwhile. */
			conn_drop_gone(c);
	}
	if (!TAILQ_EMPTY(&w->conns))
		evtimer_add(w->tick, &tv);
}

/* A client the listener handed over; env->nconns counts it already. */
void
conn_new(struct worker *w, int fd, const struct ucred *cred)
{
	struct timeval	 tick = { WORKER_TICK_MS / 1000,
			    (WORKER_TICK_MS % 1000) * 1000 };
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("accept: connection");
		close(fd);
		worker_uncount(w, cred);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->cred = *cred;
	c->active_at = worker_now_ms();
	c->id = atomic_fetch_add(&w->env->next_id, 1);
	access_judge(&w->env->access, fd, &c->peer);
	if (!c->peer.allowed)
		w->env->warnx("client %llu (uid %u, gid %u, pid %d): in neither "
		    "allow_uids nor allow_gids: forbidden", (unsigned long long)
		    c->id, (unsigned)c->peer.uid, (unsigned)c->peer.gid,
		    (int)c->peer.pid);
	c->state = CONN_ST_READ;
	/* EV_CLOSED: told when the peer hangs up (conn_drop_gone). */
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST | EV_CLOSED,
	    conn_read_cb, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	c->tev = evtimer_new(w->base, conn_yield_cb, c);
	if (c->rev == NULL || c->wev == NULL || c->tev == NULL) {
		log_warnx("accept: cannot create events");
		conn_free(c);
		worker_uncount(w, cred);
		return;
	}
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	w->nconns++;
	if (!evtimer_pending(w->tick, NULL))
		evtimer_add(w->tick, &tick);
	STATS_COUNT(w->cnt.conns_current, 1);
	conn_update_events(c);
	log_debug("client %llu: connected (fd %d, worker %zu)",
	    (unsigned long long)c->id, fd, w->idx);
}

/*
 * Send the deferred answer and go on with the client's requests.  A
 * dry run's is packed already, unless that ran out of memory.
 */
static void
conn_reload_answer(struct conn *c, const struct worker_msg *m,
    const char *err)
{
	c->waiting = 0;
	if (m->dry_run && m->answer != NULL)
		rpc_reload_answer_packed(&c->out, c->wait_msgid, m->answer,
		    m->answerlen);
	else
		rpc_reload_answer(&c->out, c->wait_msgid,
		    m->ok && !m->dry_run, m->generation,
		    m->ok ? "out of memory" : err);
	conn_process(c);
}

/*
 * A reload request's verdict: ask for the load (env->reload).  The load
 * that answers is the next one to start: it starts after this request,
 * so it reads what the client changed before asking.  Until then the
 * client is not read.  When no load can start, answer ok false now.
 */
static void
conn_reload(struct conn *c, const struct rpc_reload_req *rl)
{
	uint64_t	 seq;
	char		 why[64], err[512];

	/* An admin's action: logged, with who it is. */
	snprintf(why, sizeof(why), "client %llu (uid %u, pid %d)",
	    (unsigned long long)c->id, (unsigned)c->peer.uid,
	    (int)c->peer.pid);
	log_info("%s: reload asked", why);
	err[0] = '\0';
	if (c->w->env->reload(why, rl->dry_run, &seq, err, sizeof(err)) ==
	    -1) {
		if (rl->reply)
			rpc_reload_answer(&c->out, rl->msgid, 0,
			    rl->generation, err);
		return;
	}
	if (rl->reply) {
		c->waiting = 1;
		c->wait_load = seq;
		c->wait_msgid = rl->msgid;
		c->wait_dry = rl->dry_run;
		/* conn_process stops here and flushes: no more reading. */
	}
}

/*
 * The worker's orders for its clients, from its pipe (worker_thread.c).
 */

/* Stop reading; flush what is queued for at most WORKER_STOP_MS. */
void
worker_stop(struct worker *w)
{
	struct timeval	 tv = { WORKER_STOP_MS / 1000,
			    (WORKER_STOP_MS % 1000) * 1000 };
	struct conn	*c, *next;

	if (w->stopping)
		return;
	w->stopping = 1;
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		c->inlen = 0;
		c->waiting = 0;		/* its reload is not answered */
		if (c->out.len - c->outoff == 0)
			conn_close(c);
		else {
			conn_set_state(c, CONN_ST_FLUSH);
			conn_update_events(c);
		}
	}
	evtimer_add(w->stop_timer, &tv);
	event_active(w->reaper, EV_TIMEOUT, 0);
}

void
worker_reloaded(struct worker *w, const struct worker_msg *m)
{
	struct conn	*c, *next;
	const char	*err = NULL;

	if (!m->ok)
		err = m->err != NULL ? m->err : "out of memory";
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->waiting && c->wait_load <= m->seq &&
		    c->wait_dry == m->dry_run)
			conn_reload_answer(c, m, err);
	}
}
