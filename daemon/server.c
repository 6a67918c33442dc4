/*
 * server.c: the Unix socket listener on the main thread, clients served
 * by N worker threads (the workers key), reloads on a loader thread,
 * SIGHUP/SIGTERM/SIGINT, socket activation and sd_notify state.
 *
 * The main thread accepts and hands each client to a worker in turn
 * through that worker's pipe; a worker has its own event base, clients
 * and counters, and touches nothing of another's.  Signals, loads,
 * publishing, sd_notify and the log rate timer stay on the main thread.
 *
 * The request path uses plain persistent read events and direct
 * read()/write(), not bufferevents: one read() per wakeup into the
 * connection's input buffer, every complete request in it answered into
 * the output buffer, then one write() of it all.  A write event is armed
 * only when the socket would block.  While more than the soft cap of
 * output is queued the client is not read (backpressure); past the
 * configured output_limit it is closed.  Connections are never freed
 * inside a callback that may still use them: they are marked closed and
 * a reaper event frees them once the stack has unwound.
 *
 * Reloads (SIGHUP or the reload method) run conf_load + snapshot_build
 * on one long-lived loader thread, so the workers keep answering while
 * a reload parses.  The loader hands its result back through a pipe;
 * the main thread then publishes (one pointer store; the old snapshot
 * is freed by whichever request batch drops the last reference), logs,
 * counts, notifies systemd and tells every worker, which answers its
 * clients waiting for that load.  A request for a reload while one runs
 * sets one flag: any number of them coalesce into exactly one more load.  A client that
 * asked for a reload is not read, nor are its pipelined requests
 * answered, until its load finishes, so its responses stay in order.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "listen.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "rpc.h"
#include "server.h"
#include "snapshot.h"

#define SERVER_IN_MIN		16384		/* first input buffer, bytes */
#define SERVER_IN_SLACK		65536		/* input room past a request */
#define SERVER_OUT_SOFT		(256 * 1024)	/* stop reading above, bytes */
#define SERVER_OUT_KEEP		(1024 * 1024)	/* idle buffer kept, bytes */
#define SERVER_ACCEPTS		64		/* accepts per wakeup */
#define SERVER_STOP_MS		1000		/* flush on shutdown, msec */
#define SERVER_ACCEPT_PAUSE_MS	100		/* after EMFILE, msec */

enum conn_state {
	CONN_ST_READ,		/* reading and answering requests */
	CONN_ST_FLUSH,		/* no more input: write what is queued, close */
	CONN_ST_CLOSED,		/* fd closed; waiting for the reaper */
	CONN_ST_MAX
};

static const char *const conn_state_names[CONN_ST_MAX] = {
	[CONN_ST_READ] = "read",
	[CONN_ST_FLUSH] = "flush",
	[CONN_ST_CLOSED] = "closed",
};

struct worker;

/* A client: owned by one worker, touched by that worker's thread only. */
struct conn {
	TAILQ_ENTRY(conn) entry;
	struct worker	*w;
	uint64_t	 id;
	int		 fd;
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
};

TAILQ_HEAD(conn_list, conn);

/* What the main thread tells a worker through its pipe. */
enum srv_msg_type {
	SRV_MSG_CONN,		/* fd: a client accepted for it */
	SRV_MSG_RELOADED,	/* load seq finished: answer who waits */
	SRV_MSG_STOP		/* flush and close every client, then end */
};

/* One write(), under PIPE_BUF: never torn or interleaved. */
struct srv_msg {
	enum srv_msg_type type;
	int		 fd;
	int		 ok;
	uint64_t	 seq;
	uint64_t	 generation;
	char		*err;		/* !ok: the worker frees it; may be NULL */
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
	struct event_base *base;
	int		 pipe[2];
	struct event	*pipe_ev;
	struct event	*reaper;
	struct event	*stop_timer;
	struct conn_list conns;
	struct conn_list dead;
	int		 stopping;
	struct rpc_ctx	 rpc;		/* arg: whose request runs */
};

static struct event_base *srv_base;	/* the main thread's */
static struct conf	*srv_conf;	/* main thread only */
static char		*srv_sockpath;	/* what we bound, for unlink */
static int		 srv_fd = -1;
static int		 srv_debug;	/* -f: allow debug lines */
static atomic_int	 srv_stopping;	/* set by main, read by workers */
static struct event	*srv_accept_ev;
static struct event	*srv_accept_timer;
static struct event	*srv_sig[3];
static struct worker	*srv_workers;
static size_t		 srv_nworkers;
static size_t		 srv_next_worker;	/* round robin */
static atomic_size_t	 srv_nconns;	/* every worker's, for max_clients */
static atomic_uint_fast64_t srv_next_id = 1;
/* The limits workers read; the main thread sets them on a reload. */
static atomic_size_t	 srv_output_limit;
static atomic_size_t	 srv_max_request;
static int		 srv_activated;	/* socket passed by systemd */
static char		 srv_status[RELOAD_STATUS_MAX];	/* STATUS= */
static struct event	*srv_rate_timer;
/* Any thread logs through it; only the main thread's timer flushes. */
static pthread_mutex_t	 srv_rate_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct log_rate	 srv_rate = { "client errors", 0, 0, 0, 0 };

static struct loader	*srv_loader;	/* reloads */
/* A worker suppressed a client line: the main thread arms the timer. */
static atomic_int	 srv_rate_want;
static int		 srv_rate_pipe[2] = { -1, -1 };
static struct event	*srv_rate_ev;

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_process(struct conn *);
static void	server_accept_resume(evutil_socket_t, short, void *);
static void	server_accept_cb(evutil_socket_t, short, void *);

static void
server_apply_limits(const struct conf *c)
{
	struct rpc_limits	 l;

	l.max_request_bytes = c->max_request_bytes;
	l.max_batch = c->max_batch;
	rpc_set_limits(&l);
	atomic_store(&srv_output_limit, c->output_limit);
	atomic_store(&srv_max_request, c->max_request_bytes);
	/* Debug lines only with -f (the log level still applies). */
	log_set_level(!srv_debug && c->log_level > LOG_LVL_INFO ?
	    LOG_LVL_INFO : c->log_level);
}

static size_t
server_soft_cap(void)
{
	size_t	lim = atomic_load_explicit(&srv_output_limit,
		    memory_order_relaxed) / 2;

	return lim < SERVER_OUT_SOFT ? lim : SERVER_OUT_SOFT;
}

/* Summarise suppressed client lines once the window is over. */
static void
server_rate_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&srv_rate_mtx);
	log_rate_flush(&srv_rate);
	pthread_mutex_unlock(&srv_rate_mtx);
}

/* Main thread: start the window's timer unless it runs already. */
static void
server_rate_arm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { LOG_RATE_WINDOW, 0 };
	char		 buf[64];

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (atomic_exchange(&srv_rate_want, 0) &&
	    !evtimer_pending(srv_rate_timer, NULL))
		evtimer_add(srv_rate_timer, &tv);
}

/* Any thread: a line was suppressed, have the main thread time it. */
static void
server_rate_arm(void)
{
	char	b = 0;

	if (atomic_exchange(&srv_rate_want, 1) || srv_rate_pipe[1] == -1)
		return;
	while (write(srv_rate_pipe[1], &b, 1) == -1 && errno == EINTR)
		;
}

/*
 * A line a client can cause at will goes through the rate limit, so a
 * broken or hostile client cannot flood the journal.
 */
#define server_client_warnx(...) do {					\
	int logged_;							\
									\
	pthread_mutex_lock(&srv_rate_mtx);				\
	logged_ = log_warnx_rate(&srv_rate, __VA_ARGS__);		\
	pthread_mutex_unlock(&srv_rate_mtx);				\
	if (!logged_)							\
		server_rate_arm();					\
} while (0)

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

/* Mark closed and hand to the reaper; safe anywhere in a callback. */
static void
conn_close(struct conn *c)
{
	struct worker	*w = c->w;

	if (c->state == CONN_ST_CLOSED)
		return;
	conn_want_read(c, 0);
	conn_want_write(c, 0);
	close(c->fd);
	c->fd = -1;
	conn_set_state(c, CONN_ST_CLOSED);
	TAILQ_REMOVE(&w->conns, c, entry);
	TAILQ_INSERT_TAIL(&w->dead, c, entry);
	atomic_fetch_sub(&srv_nconns, 1);
	RPC_COUNT(w->rpc.cnt.conns_current, -1);
	log_debug("client %llu: closed after %llu requests, %llu bytes in, "
	    "%llu out", (unsigned long long)c->id,
	    (unsigned long long)c->nreq, (unsigned long long)c->nin,
	    (unsigned long long)c->nout);
	event_active(w->reaper, EV_TIMEOUT, 0);
}

static void
conn_free(struct conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->fd != -1)
		close(c->fd);
	free(c->in);
	rpc_out_free(&c->out);
	free(c);
}

static void
worker_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct conn	*c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&w->dead)) != NULL) {
		TAILQ_REMOVE(&w->dead, c, entry);
		conn_free(c);
	}
	if (w->stopping && TAILQ_EMPTY(&w->conns))
		event_base_loopbreak(w->base);
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
		RPC_COUNT(w->rpc.cnt.bytes_out, n);
	}
	pending = c->out.len - c->outoff;
	if (pending == 0) {
		c->out.len = c->outoff = 0;
		if (c->out.cap > SERVER_OUT_KEEP)
			rpc_out_free(&c->out);
		conn_want_write(c, 0);
		if (c->state == CONN_ST_FLUSH && c->inlen == 0 &&
		    !c->waiting)
			conn_close(c);
		else
			conn_want_read(c, c->state == CONN_ST_READ &&
			    !w->stopping && !c->waiting);
		return;
	}
	limit = atomic_load_explicit(&srv_output_limit, memory_order_relaxed);
	if (pending > limit) {
		server_client_warnx("client %llu: %zu bytes of output "
		    "queued, over output_limit %zu: closing (%llu requests, "
		    "%llu bytes in, %llu out)", (unsigned long long)c->id,
		    pending, limit, (unsigned long long)c->nreq,
		    (unsigned long long)c->nin, (unsigned long long)c->nout);
		conn_close(c);
		return;
	}
	conn_want_write(c, 1);
	conn_want_read(c, c->state == CONN_ST_READ && !w->stopping &&
	    !c->waiting && pending < server_soft_cap());
}

/*
 * Answer every complete request in the input buffer, then flush.  At
 * the soft output cap answering stops and the rest waits in the buffer
 * until the output drains (here, or in conn_write_cb).  After a reload
 * request it stops too: the rest waits until conn_reload_answer.  The
 * batch holds one snapshot reference, taken without blocking others.
 */
static void
conn_process(struct conn *c)
{
	struct rpc_ctx	*x = &c->w->rpc;
	size_t		 off, used, soft = server_soft_cap();
	enum rpc_result	 r;

	for (;;) {
		off = 0;
		r = RPC_DONE;
		rpc_ctx_begin(x);
		while (off < c->inlen && c->out.len - c->outoff < soft &&
		    !c->waiting) {
			used = 0;
			x->arg = c;
			r = rpc_ctx_process(x, c->in + off, c->inlen - off,
			    &c->out, &used);
			x->arg = NULL;
			if (r != RPC_DONE)
				break;
			off += used;
			c->nreq++;
		}
		rpc_ctx_end(x);
		if (r == RPC_CLOSE)
			server_client_warnx("client %llu: protocol error after "
			    "%llu requests: %s: closing",
			    (unsigned long long)c->id,
			    (unsigned long long)c->nreq, c->out.why);
		if (off > 0) {
			memmove(c->in, c->in + off, c->inlen - off);
			c->inlen -= off;
		}
		if (c->inlen == 0 && c->incap > SERVER_IN_MIN) {
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
		if (r == RPC_CLOSE) {
			c->inlen = 0;
			conn_set_state(c, CONN_ST_FLUSH);
			conn_want_read(c, 0);
		} else if (r == RPC_MORE && c->state == CONN_ST_FLUSH)
			c->inlen = 0;	/* a partial request after EOF */
		conn_flush(c);
		if (c->state == CONN_ST_CLOSED || r != RPC_DONE ||
		    c->inlen == 0 || off == 0 || c->out.len > c->outoff ||
		    c->waiting)
			return;
	}
}

/* Room for one more read: grow up to max_request_bytes + slack. */
static int
conn_grow(struct conn *c)
{
	unsigned char	*n;
	size_t		 max = atomic_load_explicit(&srv_max_request,
			    memory_order_relaxed) + SERVER_IN_SLACK;
	size_t		 cap;

	if (c->inlen < c->incap)
		return 0;
	if (c->incap >= max) {
		/* rpc_scan stops any object before this; be safe anyway. */
		server_client_warnx("client %llu: input buffer full: closing",
		    (unsigned long long)c->id);
		return -1;
	}
	cap = c->incap == 0 ? SERVER_IN_MIN : c->incap * 2;
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

static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	ssize_t		 n;

	(void)what;
	if (c->state != CONN_ST_READ || c->waiting)
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
		/* Half-closed: answer what came, then close. */
		conn_want_read(c, 0);
		conn_set_state(c, CONN_ST_FLUSH);
		conn_process(c);
		return;
	}
	c->inlen += (size_t)n;
	c->nin += (size_t)n;
	RPC_COUNT(c->w->rpc.cnt.bytes_in, n);
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
	if (c->state != CONN_ST_CLOSED && c->inlen > 0 && !c->w->stopping &&
	    !c->waiting && c->out.len - c->outoff < server_soft_cap())
		conn_process(c);
}

/* A client the listener handed over; srv_nconns counts it already. */
static void
conn_new(struct worker *w, int fd)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("accept: connection");
		close(fd);
		atomic_fetch_sub(&srv_nconns, 1);
		return;
	}
	c->w = w;
	c->fd = fd;
	c->id = atomic_fetch_add(&srv_next_id, 1);
	c->state = CONN_ST_READ;
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, conn_read_cb,
	    c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	if (c->rev == NULL || c->wev == NULL) {
		log_warnx("accept: cannot create events");
		conn_free(c);
		atomic_fetch_sub(&srv_nconns, 1);
		return;
	}
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	RPC_COUNT(w->rpc.cnt.conns_current, 1);
	conn_want_read(c, 1);
	log_debug("client %llu: connected (fd %d, worker %zu)",
	    (unsigned long long)c->id, fd, w->idx);
}

/* Send the deferred answer and go on with the client's requests. */
static void
conn_reload_answer(struct conn *c, int ok, uint64_t generation,
    const char *err)
{
	c->waiting = 0;
	rpc_reload_answer(&c->out, c->wait_msgid, ok, generation, err);
	if (c->state == CONN_ST_READ && !c->w->stopping)
		conn_want_read(c, 1);
	conn_process(c);
}

/*
 * Workers.
 */

/* Stop reading; flush what is queued for at most SERVER_STOP_MS. */
static void
worker_stop(struct worker *w)
{
	struct timeval	 tv = { SERVER_STOP_MS / 1000,
			    (SERVER_STOP_MS % 1000) * 1000 };
	struct conn	*c, *next;

	if (w->stopping)
		return;
	w->stopping = 1;
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_want_read(c, 0);
		c->inlen = 0;
		c->waiting = 0;		/* its reload is not answered */
		if (c->out.len - c->outoff == 0)
			conn_close(c);
		else
			conn_set_state(c, CONN_ST_FLUSH);
	}
	evtimer_add(w->stop_timer, &tv);
	event_active(w->reaper, EV_TIMEOUT, 0);
}

static void
worker_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

static void
worker_reloaded(struct worker *w, const struct srv_msg *m)
{
	struct conn	*c, *next;
	const char	*err = NULL;

	if (!m->ok)
		err = m->err != NULL ? m->err : "out of memory";
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->waiting && c->wait_load <= m->seq)
			conn_reload_answer(c, m->ok, m->generation, err);
	}
}

/* Messages from the main thread, in the order it sent them. */
static void
worker_msg_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct srv_msg	 m;
	ssize_t		 n;

	(void)what;
	for (;;) {
		n = read(fd, &m, sizeof(m));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			return;		/* EAGAIN: all read */
		switch (m.type) {
		case SRV_MSG_CONN:
			if (w->stopping) {
				close(m.fd);
				atomic_fetch_sub(&srv_nconns, 1);
			} else
				conn_new(w, m.fd);
			break;
		case SRV_MSG_RELOADED:
			worker_reloaded(w, &m);
			free(m.err);
			/* The main thread may start the next load now. */
			loader_acked(srv_loader);
			break;
		case SRV_MSG_STOP:
			worker_stop(w);
			break;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;

	if (event_base_dispatch(w->base) == -1)
		log_warnx("worker %zu: event loop failed", w->idx);
	return NULL;
}

/* Main thread: hand m to w.  The pipe blocks; w never waits on us. */
static int
worker_send(struct worker *w, const struct srv_msg *m)
{
	ssize_t	n;

	while ((n = write(w->pipe[1], m, sizeof(*m))) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*m)) {
		log_warn("worker %zu: pipe", w->idx);
		return -1;
	}
	return 0;
}

static int
worker_init(struct worker *w, size_t idx)
{
	struct event_config *cfg;
	int		 fl;

	w->idx = idx;
	w->pipe[0] = w->pipe[1] = -1;
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->dead);
	w->rpc.reload = NULL;
	if ((cfg = event_config_new()) == NULL)
		return -1;
	/* Only this worker's thread ever uses its base. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (w->base == NULL)
		return -1;
	if (pipe2(w->pipe, O_CLOEXEC) == -1) {
		w->pipe[0] = w->pipe[1] = -1;
		return -1;
	}
	if ((fl = fcntl(w->pipe[0], F_GETFL)) == -1 ||
	    fcntl(w->pipe[0], F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	w->pipe_ev = event_new(w->base, w->pipe[0], EV_READ | EV_PERSIST,
	    worker_msg_cb, w);
	w->reaper = event_new(w->base, -1, 0, worker_reap_cb, w);
	w->stop_timer = evtimer_new(w->base, worker_stop_timeout, w);
	if (w->pipe_ev == NULL || w->reaper == NULL || w->stop_timer == NULL ||
	    event_add(w->pipe_ev, NULL) == -1)
		return -1;
	return 0;
}

/* After the thread ended (or never started): free what it had. */
static void
worker_free(struct worker *w)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		conn_close(c);
	while ((c = TAILQ_FIRST(&w->dead)) != NULL) {
		TAILQ_REMOVE(&w->dead, c, entry);
		conn_free(c);
	}
	if (w->pipe_ev != NULL)
		event_free(w->pipe_ev);
	if (w->reaper != NULL)
		event_free(w->reaper);
	if (w->stop_timer != NULL)
		event_free(w->stop_timer);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->pipe[0] != -1)
		close(w->pipe[0]);
	if (w->pipe[1] != -1)
		close(w->pipe[1]);
	rpc_ctx_unregister(&w->rpc);
}

/*
 * Listener.
 */

static void
server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (!atomic_load(&srv_stopping))
		event_add(srv_accept_ev, NULL);
}

static void
server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval	 tv = { 0, SERVER_ACCEPT_PAUSE_MS * 1000 };
	struct srv_msg	 m;
	struct worker	*w;
	size_t		 n;
	int		 fd, i;

	(void)what;
	(void)arg;
	for (i = 0; i < SERVER_ACCEPTS; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE and the like: pause rather than spin. */
			log_warn("accept");
			event_del(srv_accept_ev);
			evtimer_add(srv_accept_timer, &tv);
			return;
		}
		if ((n = atomic_load(&srv_nconns)) >= srv_conf->max_clients) {
			server_client_warnx("client rejected: %zu clients "
			    "connected (max_clients)", n);
			RPC_COUNT(rpc_main_ctx()->cnt.conns_rejected, 1);
			close(fd);
			continue;
		}
		/* Counted now: the worker's close uncounts it. */
		atomic_fetch_add(&srv_nconns, 1);
		/* Here, in accept order, not when its worker gets to it. */
		RPC_COUNT(rpc_main_ctx()->cnt.conns_total, 1);
		w = &srv_workers[srv_next_worker++ % srv_nworkers];
		memset(&m, 0, sizeof(m));
		m.type = SRV_MSG_CONN;
		m.fd = fd;
		if (worker_send(w, &m) == -1) {
			close(fd);
			atomic_fetch_sub(&srv_nconns, 1);
		}
	}
}

/*
 * Reloads: the loader's results, and the workers' requests for one.
 */

int
server_publish(const struct conf *conf, const char *why, char *err,
    size_t errlen)
{
	return reload_publish(conf, why, srv_status, sizeof(srv_status), err,
	    errlen);
}

/* Main thread: a load ended: take its conf, tell every worker. */
static size_t
server_reloaded(void *arg, const struct reload_result *r)
{
	struct srv_msg	 m;
	size_t		 i, told = 0;

	(void)arg;
	if (r->ok) {
		if (!srv_activated && strcmp(r->conf->socket, srv_sockpath) != 0)
			log_warnx("reload: socket changed to %s; still "
			    "listening on %s until restart", r->conf->socket,
			    srv_sockpath);
		if (r->conf->workers != srv_nworkers)
			log_warnx("reload: workers changed to %zu; still "
			    "running %zu until restart", r->conf->workers,
			    srv_nworkers);
		conf_free(srv_conf);
		srv_conf = r->conf;
		server_apply_limits(srv_conf);
		snprintf(srv_status, sizeof(srv_status), "%s", r->status);
		rpc_note_reload(1, time(NULL), NULL, r->ms);
		if (!atomic_load(&srv_stopping))  /* READY=1 after STOPPING=1 lies */
			notify_send("READY=1\nSTATUS=%s", srv_status);
	} else {
		rpc_note_reload(0, time(NULL), r->err, r->ms);
		if (!atomic_load(&srv_stopping))
			notify_send("READY=1\nSTATUS=reload failed, still "
			    "serving generation %llu: %s",
			    (unsigned long long)r->generation, r->err);
	}
	/* Each worker answers its own clients waiting for this load. */
	for (i = 0; i < srv_nworkers && !atomic_load(&srv_stopping); i++) {
		memset(&m, 0, sizeof(m));
		m.type = SRV_MSG_RELOADED;
		m.seq = r->seq;
		m.ok = r->ok;
		m.generation = r->generation;
		m.err = r->ok ? NULL : strdup(r->err);
		if (worker_send(&srv_workers[i], &m) == -1)
			free(m.err);
		else
			told++;
	}
	return told;
}

/*
 * Any thread: ask the main thread for a reload.  The load that answers
 * it is the next one to start (seq + 1): it starts after this request,
 * so it reads what the client changed before asking.
 */
static int
server_reload_conn(struct conn *c, uint32_t msgid, int reply, char *err,
    size_t errlen)
{
	uint64_t	 seq;
	char		 why[32];

	if (c != NULL)
		snprintf(why, sizeof(why), "client %llu",
		    (unsigned long long)c->id);
	else
		snprintf(why, sizeof(why), "reload request");
	if (loader_ask(srv_loader, why, &seq, err, errlen) == -1)
		return -1;
	if (reply && c != NULL) {
		c->waiting = 1;
		c->wait_load = seq;
		c->wait_msgid = msgid;
		conn_want_read(c, 0);
	}
	return 0;
}

/* The workers' reload function (rpc_ctx.reload): arg is the client. */
static int
server_reload_ctx(struct rpc_ctx *x, uint32_t msgid, int reply, char *err,
    size_t errlen)
{
	return server_reload_conn(x->arg, msgid, reply, err, errlen);
}

int
server_reload(uint32_t msgid, int reply, char *err, size_t errlen)
{
	return server_reload_conn(NULL, msgid, reply, err, errlen);
}

/*
 * Signals and shutdown.
 */

/*
 * Stop accepting, tell every worker to flush and close its clients
 * (each bounded by SERVER_STOP_MS) and leave the main loop; server_run
 * then joins the workers.
 */
static void
server_stop(void)
{
	struct srv_msg	 m;
	size_t		 i;

	if (atomic_load(&srv_stopping))
		return;
	atomic_store(&srv_stopping, 1);
	log_info("shutting down");
	notify_send("STOPPING=1");
	event_del(srv_accept_ev);
	event_del(srv_accept_timer);
	if (srv_fd != -1) {
		close(srv_fd);
		srv_fd = -1;
		/* A socket systemd passed is systemd's to remove. */
		if (!srv_activated && unlink(srv_sockpath) == -1 &&
		    errno != ENOENT)
			log_warn("unlink %s", srv_sockpath);
	}
	memset(&m, 0, sizeof(m));
	m.type = SRV_MSG_STOP;
	for (i = 0; i < srv_nworkers; i++)
		if (srv_workers[i].started)
			worker_send(&srv_workers[i], &m);
	event_base_loopbreak(srv_base);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		if (!atomic_load(&srv_stopping))
			loader_request(srv_loader, "SIGHUP");
	} else
		server_stop();

}

/* Make the workers and start their threads, with every signal blocked. */
static int
server_workers_start(size_t n)
{
	struct worker	*w;
	sigset_t	 all, old;
	size_t		 i;
	int		 e;

	if ((srv_workers = calloc(n, sizeof(*srv_workers))) == NULL) {
		log_warn("workers");
		return -1;
	}
	srv_nworkers = n;
	for (i = 0; i < n; i++) {
		w = &srv_workers[i];
		if (worker_init(w, i) == -1) {
			log_warnx("worker %zu: cannot create its event loop",
			    i);
			return -1;
		}
		w->rpc.reload = server_reload_ctx;
		/* Before any thread runs: info reads the list unlocked. */
		if (rpc_ctx_register(&w->rpc) == -1) {
			log_warnx("worker %zu: too many workers", i);
			return -1;
		}
	}
	/* Signals are the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++) {
		w = &srv_workers[i];
		if ((e = pthread_create(&w->thread, NULL, worker_main,
		    w)) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			errno = e;
			log_warn("worker %zu: thread", i);
			return -1;
		}
		w->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

int
server_init(struct conf *conf, int debug)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct loader_hooks hooks;
	size_t		 i;
	int		 afd;

	srv_conf = conf;
	srv_debug = debug;
	server_apply_limits(conf);
	notify_init();
	if ((afd = listen_activation_fd()) == -2)
		return -1;
	srv_activated = afd >= 0;
	srv_sockpath = srv_activated ? listen_sockname(afd) :
	    strdup(conf->socket);
	if (srv_sockpath == NULL) {
		log_warn("strdup");
		if (afd >= 0)
			close(afd);
		return -1;
	}
	if ((srv_base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return -1;
	}
	srv_accept_timer = evtimer_new(srv_base, server_accept_resume, NULL);
	srv_rate_timer = evtimer_new(srv_base, server_rate_cb, NULL);
	if (srv_accept_timer == NULL || srv_rate_timer == NULL) {
		log_warnx("cannot create events");
		return -1;
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		srv_sig[i] = evsignal_new(srv_base, sigs[i], server_signal_cb,
		    NULL);
		if (srv_sig[i] == NULL || event_add(srv_sig[i], NULL) == -1) {
			log_warnx("cannot install signal %d", sigs[i]);
			return -1;
		}
	}
	if (pipe2(srv_rate_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		srv_rate_pipe[0] = srv_rate_pipe[1] = -1;
		log_warn("pipe");
		return -1;
	}
	srv_rate_ev = event_new(srv_base, srv_rate_pipe[0],
	    EV_READ | EV_PERSIST, server_rate_arm_cb, NULL);
	if (srv_rate_ev == NULL || event_add(srv_rate_ev, NULL) == -1) {
		log_warnx("cannot create events");
		return -1;
	}
	hooks.finished = server_reloaded;
	hooks.arg = NULL;
	hooks.stopping = &srv_stopping;
	if ((srv_loader = loader_start(srv_base, conf->path, &hooks)) == NULL)
		return -1;
	if (server_workers_start(conf->workers) == -1)
		return -1;
	if (srv_activated)
		srv_fd = afd;
	else if ((srv_fd = listen_unix(srv_sockpath,
	    conf->socket_mode)) == -1)
		return -1;
	srv_accept_ev = event_new(srv_base, srv_fd, EV_READ | EV_PERSIST,
	    server_accept_cb, NULL);
	if (srv_accept_ev == NULL || event_add(srv_accept_ev, NULL) == -1) {
		log_warnx("cannot watch %s", srv_sockpath);
		return -1;
	}
	log_info("listening on %s%s", srv_sockpath,
	    srv_activated ? " (socket activation)" : "");
	log_debug("%zu worker threads", srv_nworkers);
	return 0;
}

/* Wait for every worker: each ends once its clients are flushed. */
static void
server_workers_join(void)
{
	size_t	i;

	for (i = 0; i < srv_nworkers; i++) {
		if (srv_workers[i].started) {
			pthread_join(srv_workers[i].thread, NULL);
			srv_workers[i].started = 0;
		}
	}
}

int
server_run(void)
{
	int	rv = 0;

	/* Listening, and the first snapshot is published: ready. */
	notify_send("READY=1\nSTATUS=%s", srv_status);
	if (event_base_dispatch(srv_base) == -1) {
		log_warnx("event loop failed");
		rv = -1;
	}
	if (!atomic_load(&srv_stopping))
		server_stop();
	server_workers_join();
	return rv;
}

void
server_free(void)
{
	sigset_t	 stop;
	size_t		 i;

	/*
	 * We are on the way out: a late SIGTERM (systemd or a test asking
	 * again) must not turn a clean exit into death by signal once the
	 * signal events below are freed and the default action is back.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	/* Workers first: they may still write to the loader's pipe. */
	if (!atomic_load(&srv_stopping) && srv_base != NULL)
		server_stop();
	server_workers_join();
	/* Waits for a load in progress: its memory is ours to free. */
	loader_stop(srv_loader);
	srv_loader = NULL;
	for (i = 0; i < srv_nworkers; i++)
		worker_free(&srv_workers[i]);
	free(srv_workers);
	srv_workers = NULL;
	srv_nworkers = 0;
	if (srv_fd != -1) {
		close(srv_fd);
		srv_fd = -1;
		if (!srv_activated)
			unlink(srv_sockpath);
	}
	pthread_mutex_lock(&srv_rate_mtx);
	log_rate_flush(&srv_rate);
	pthread_mutex_unlock(&srv_rate_mtx);
	for (i = 0; i < sizeof(srv_sig) / sizeof(srv_sig[0]); i++)
		if (srv_sig[i] != NULL)
			event_free(srv_sig[i]);
	if (srv_accept_ev != NULL)
		event_free(srv_accept_ev);
	if (srv_accept_timer != NULL)
		event_free(srv_accept_timer);
	if (srv_rate_timer != NULL)
		event_free(srv_rate_timer);
	if (srv_rate_ev != NULL)
		event_free(srv_rate_ev);
	srv_rate_ev = NULL;
	if (srv_rate_pipe[0] != -1)
		close(srv_rate_pipe[0]);
	if (srv_rate_pipe[1] != -1)
		close(srv_rate_pipe[1]);
	srv_rate_pipe[0] = srv_rate_pipe[1] = -1;
	if (srv_base != NULL)
		event_base_free(srv_base);
	notify_close();
	free(srv_sockpath);
	conf_free(srv_conf);
	srv_base = NULL;
	srv_conf = NULL;
	srv_sockpath = NULL;
	srv_rate_timer = NULL;
}
