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

#include "build.h"
#include "conf.h"
#include "log.h"
#include "notify.h"
#include "rpc.h"
#include "server.h"
#include "snapshot.h"

#define SERVER_IN_MIN		16384		/* first input buffer, bytes */
#define SERVER_IN_SLACK		65536		/* input room past a request */
#define SERVER_OUT_SOFT		(256 * 1024)	/* stop reading above, bytes */
#define SERVER_OUT_KEEP		(1024 * 1024)	/* idle buffer kept, bytes */
#define SERVER_ACCEPTS		64		/* accepts per wakeup */
#define SERVER_BACKLOG		128
#define SERVER_STOP_MS		1000		/* flush on shutdown, msec */
#define SERVER_ACCEPT_PAUSE_MS	100		/* after EMFILE, msec */
#define SERVER_LISTEN_FDS_START	3		/* sd_listen_fds(3) */
#define SERVER_STATUS_MAX	1024		/* STATUS= and count lines */

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
static int		 srv_sockarg;	/* socket given by -s, not the config */
static char		 srv_status[SERVER_STATUS_MAX];	/* STATUS= */
static struct event	*srv_rate_timer;
/* Any thread logs through it; only the main thread's timer flushes. */
static pthread_mutex_t	 srv_rate_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct log_rate	 srv_rate = { "client errors", 0, 0, 0, 0 };

/*
 * The loader thread and its one job, plus what workers ask of the main
 * thread.  Under mtx: the main thread fills path and sets go; the
 * loader fills conf/snap/err/ms and sets done; a worker sets want (a
 * reload, why says who), rate (arm the rate timer) or acked; seq
 * (loads started) changes only under it.  Each then writes a byte to the pipe
 * so the main loop wakes up.  busy/again/acks belong to the main
 * thread: until every worker has answered the clients a load finished
 * for (and read the requests they pipelined after), no new load
 * starts, so such a request is answered by the next load, as with one
 * thread.
 */
static struct {
	pthread_t	 thread;
	int		 started;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 go, done, quit;
	int		 pipe[2];
	struct event	*ev;
	char		*path;		/* the config to load */
	struct conf	*conf;		/* result: both set, or neither */
	struct snapshot	*snap;
	char		 err[1024];
	long		 ms;
	int		 want;		/* a worker asks for a reload */
	char		 why[64];
	int		 rate;		/* a worker asks to arm the timer */
	size_t		 acked;		/* workers done with a RELOADED */
	int		 busy;		/* a load is in flight */
	size_t		 acks;		/* RELOADED messages not yet acked */
	int		 again;		/* one more load after it */
	uint64_t	 seq;		/* loads started */
} srv_ld = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.pipe = { -1, -1 },
};

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);
static void	conn_process(struct conn *);
static void	server_accept_resume(evutil_socket_t, short, void *);
static void	server_accept_cb(evutil_socket_t, short, void *);
static int	server_listen(const char *, mode_t);
static long	server_ms_since(const struct timespec *);
static void	server_trim(void);
static void	server_publish_snapshot(struct snapshot *, const char *,
		    long);

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

/* Wake the main loop: it then reads srv_ld under its lock. */
static void
server_wake_main(void)
{
	char	b = 0;

	while (write(srv_ld.pipe[1], &b, 1) == -1 && errno == EINTR)
		;
	/* EAGAIN: the pipe already holds a wakeup; that will do. */
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
server_rate_arm_main(void)
{
	struct timeval	 tv = { LOG_RATE_WINDOW, 0 };

	if (srv_rate_timer != NULL && !evtimer_pending(srv_rate_timer, NULL))
		evtimer_add(srv_rate_timer, &tv);
}

/* Any thread: a line was suppressed, have the main thread time it. */
static void
server_rate_arm(void)
{
	int	first;

	pthread_mutex_lock(&srv_ld.mtx);
	first = !srv_ld.rate;
	srv_ld.rate = 1;
	pthread_mutex_unlock(&srv_ld.mtx);
	if (first && srv_ld.pipe[1] != -1)
		server_wake_main();
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
			pthread_mutex_lock(&srv_ld.mtx);
			srv_ld.acked++;
			pthread_mutex_unlock(&srv_ld.mtx);
			server_wake_main();
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

/* sun for path; -1 after logging when it does not fit. */
static int
server_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket someone answers on is not stale: -1 after logging so. */
static int
server_probe(const struct sockaddr_un *sun)
{
	int	probe, live;

	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	live = connect(probe, (const struct sockaddr *)sun,
	    sizeof(*sun)) == 0;
	close(probe);
	if (live) {
		log_warnx("%s: another server is listening", sun->sun_path);
		return -1;
	}
	return 0;
}

int
server_check_socket(const char *path)
{
	struct sockaddr_un	 sun;

	/* Activated: the socket systemd passes is ours to serve. */
	if (getenv("LISTEN_FDS") != NULL)
		return 0;
	if (server_sockaddr(path, &sun) == -1)
		return -1;
	return server_probe(&sun);
}

static int
server_listen(const char *path, mode_t mode)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd;

	if (server_sockaddr(path, &sun) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s: exists and is not a socket", path);
			return -1;
		}
		/* Again: one may have started while we loaded. */
		if (server_probe(&sun) == -1)
			return -1;
		if (unlink(path) == -1) {
			log_warn("unlink %s", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(path, mode) == -1) {
		log_warn("chmod %s", path);
		goto fail_unlink;
	}
	if (listen(fd, SERVER_BACKLOG) == -1) {
		log_warn("listen %s", path);
		goto fail_unlink;
	}
	return fd;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

/*
 * Loading.
 */

static long
server_ms_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* "generation N: set P procedures M modifiers, ..." of the current. */
static void
server_describe(char *buf, size_t len)
{
	const struct snapshot_set_info *si;
	struct snapshot	*s;
	size_t		 i, off;
	int		 n;

	buf[0] = '\0';
	if ((s = snapshot_acquire()) == NULL)
		return;
	n = snprintf(buf, len, "generation %llu:",
	    (unsigned long long)snapshot_generation(s));
	off = n > 0 ? (size_t)n : 0;
	for (i = 0; i < snapshot_nsets(s) && off < len; i++) {
		si = snapshot_set(s, i);
		n = snprintf(buf + off, len - off,
		    "%s %s %zu procedures %zu modifiers", i > 0 ? "," : "",
		    si->name, si->records, si->modifiers);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	snapshot_release(s);
}

/*
 * Give the pages of what a load freed back to the system: the old
 * snapshot (freed by snapshot_publish, since no batch is running now)
 * and the loader's scratch memory.  Without it RSS creeps up reload
 * after reload, the heap fragmenting around the next snapshot.
 */
static void
server_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Publish s (taking over its reference) and log one line about it. */
static void
server_publish_snapshot(struct snapshot *s, const char *why, long ms)
{
	char	line[SERVER_STATUS_MAX];

	snapshot_publish(s);
	server_describe(line, sizeof(line));
	server_trim();
	snprintf(srv_status, sizeof(srv_status), "%s", line);
	log_info("%s: %s, %ld ms", why, line, ms);
}

int
server_publish(const struct conf *conf, const char *why, char *err,
    size_t errlen)
{
	struct snapshot	*s;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((s = build_snapshot(conf, err, errlen)) == NULL)
		return -1;
	server_publish_snapshot(s, why, server_ms_since(&t0));
	return 0;
}

/*
 * The loader thread: waits for a job, loads, hands the result back.
 * It touches nothing but the job and the files; all logging, counting
 * and publishing is left to the loop thread.
 */
static void *
server_loader_main(void *arg)
{
	struct snapshot	*snap = NULL;
	struct conf	*nc;
	struct timespec	 t0;
	char		 err[sizeof(srv_ld.err)];
	char		*path;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&srv_ld.mtx);
		while (!srv_ld.go && !srv_ld.quit)
			pthread_cond_wait(&srv_ld.cv, &srv_ld.mtx);
		if (srv_ld.quit) {
			pthread_mutex_unlock(&srv_ld.mtx);
			break;
		}
		srv_ld.go = 0;
		path = srv_ld.path;
		pthread_mutex_unlock(&srv_ld.mtx);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err[0] = '\0';
		snap = NULL;
		nc = NULL;
		if (path == NULL)
			snprintf(err, sizeof(err), "out of memory");
		else if ((nc = conf_load(path, err, sizeof(err))) != NULL &&
		    (snap = build_snapshot(nc, err, sizeof(err))) == NULL) {
			conf_free(nc);
			nc = NULL;
		}

		pthread_mutex_lock(&srv_ld.mtx);
		srv_ld.conf = nc;
		srv_ld.snap = snap;
		memcpy(srv_ld.err, err, sizeof(err));
		srv_ld.ms = server_ms_since(&t0);
		srv_ld.done = 1;
		pthread_mutex_unlock(&srv_ld.mtx);
		server_wake_main();
	}
	return NULL;
}

/*
 * Start a load, or ask for one more after the one running.  Main
 * thread only.  A load answers every request made before it started.
 */
static void
server_load_request(const char *why)
{
	char	*path;

	if (srv_ld.busy || srv_ld.acks > 0) {
		if (!srv_ld.again)
			log_info("%s: reloading after the load in progress",
			    why);
		srv_ld.again = 1;
		return;
	}
	srv_ld.busy = 1;
	/* This load reads everything afresh: it answers any earlier ask. */
	srv_ld.again = 0;
	log_info("%s: reloading %s", why, srv_conf->path);
	notify_reloading();
	/*
	 * The loader reads a copy: srv_conf may be replaced meanwhile.
	 * Out of memory, the loader reports it: one path for every outcome.
	 */
	path = strdup(srv_conf->path);
	pthread_mutex_lock(&srv_ld.mtx);
	srv_ld.seq++;
	srv_ld.want = 0;
	free(srv_ld.path);
	srv_ld.path = path;
	srv_ld.go = 1;
	pthread_cond_signal(&srv_ld.cv);
	pthread_mutex_unlock(&srv_ld.mtx);
}

/* Start the coalesced load once nothing is in flight any more. */
static void
server_load_again(void)
{
	if (srv_ld.again && !srv_ld.busy && srv_ld.acks == 0 &&
	    !atomic_load(&srv_stopping)) {
		srv_ld.again = 0;
		server_load_request("coalesced requests");
	}
}

/* The loader finished: publish or keep, then tell every worker. */
static void
server_load_finish(uint64_t seq, struct conf *nc, struct snapshot *snap,
    char *err, size_t errlen, long ms)
{
	struct snapshot	*cur;
	struct srv_msg	 m;
	uint64_t	 gen;
	size_t		 i;
	int		 ok;

	srv_ld.busy = 0;
	cur = snapshot_acquire();
	gen = cur != NULL ? snapshot_generation(cur) : 0;
	snapshot_release(cur);
	ok = snap != NULL;
	if (ok) {
		server_publish_snapshot(snap, "reload", ms);
		if (!srv_activated && !srv_sockarg &&
		    strcmp(nc->socket, srv_sockpath) != 0)
			log_warnx("reload: socket changed to %s; still "
			    "listening on %s until restart", nc->socket,
			    srv_sockpath);
		if (nc->workers != srv_nworkers)
			log_warnx("reload: workers changed to %zu; still "
			    "running %zu until restart", nc->workers,
			    srv_nworkers);
		conf_free(srv_conf);
		srv_conf = nc;
		server_apply_limits(srv_conf);
		rpc_note_reload(1, time(NULL), NULL, ms);
		if (!atomic_load(&srv_stopping))  /* READY=1 after STOPPING=1 lies */
			notify_send("READY=1\nSTATUS=%s", srv_status);
	} else {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		log_warnx("reload failed after %ld ms, still serving "
		    "generation %llu: %s", ms, (unsigned long long)gen, err);
		rpc_note_reload(0, time(NULL), err, ms);
		server_trim();
		if (!atomic_load(&srv_stopping))
			notify_send("READY=1\nSTATUS=reload failed, still "
			    "serving generation %llu: %s",
			    (unsigned long long)gen, err);
	}
	if (ok) {
		cur = snapshot_acquire();
		gen = cur != NULL ? snapshot_generation(cur) : 0;
		snapshot_release(cur);
	}
	/* Each worker answers its own clients waiting for this load. */
	for (i = 0; i < srv_nworkers && !atomic_load(&srv_stopping); i++) {
		memset(&m, 0, sizeof(m));
		m.type = SRV_MSG_RELOADED;
		m.seq = seq;
		m.ok = ok;
		m.generation = gen;
		m.err = ok ? NULL : strdup(err);
		if (worker_send(&srv_workers[i], &m) == -1)
			free(m.err);
		else
			srv_ld.acks++;
	}
	server_load_again();
}

/*
 * The main loop's wakeup: the loader finished, a worker asked for a
 * reload, or a worker suppressed a log line.
 */
static void
server_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct snapshot	*snap = NULL;
	struct conf	*nc = NULL;
	char		 buf[64], err[sizeof(srv_ld.err)], why[sizeof(srv_ld.why)];
	uint64_t	 seq = 0;
	long		 ms = 0;
	size_t		 acked;
	int		 done, want, rate;

	(void)what;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&srv_ld.mtx);
	done = srv_ld.done;
	if (done) {
		srv_ld.done = 0;
		nc = srv_ld.conf;
		snap = srv_ld.snap;
		srv_ld.conf = NULL;
		srv_ld.snap = NULL;
		memcpy(err, srv_ld.err, sizeof(err));
		ms = srv_ld.ms;
		seq = srv_ld.seq;
	}
	want = srv_ld.want;
	srv_ld.want = 0;
	memcpy(why, srv_ld.why, sizeof(why));
	rate = srv_ld.rate;
	srv_ld.rate = 0;
	acked = srv_ld.acked;
	srv_ld.acked = 0;
	pthread_mutex_unlock(&srv_ld.mtx);

	if (rate)
		server_rate_arm_main();
	/* A request made while the load ran comes first: it is older. */
	if (want && !atomic_load(&srv_stopping))
		server_load_request(why);
	if (done)
		server_load_finish(seq, nc, snap, err, sizeof(err), ms);
	if (acked > 0) {
		srv_ld.acks -= acked <= srv_ld.acks ? acked : srv_ld.acks;
		server_load_again();
	}
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

	if (atomic_load(&srv_stopping) || srv_ld.pipe[1] == -1) {
		snprintf(err, errlen, "the server is shutting down");
		return -1;
	}
	pthread_mutex_lock(&srv_ld.mtx);
	seq = srv_ld.seq + 1;
	if (!srv_ld.want) {
		srv_ld.want = 1;
		if (c != NULL)
			snprintf(srv_ld.why, sizeof(srv_ld.why),
			    "client %llu", (unsigned long long)c->id);
		else
			snprintf(srv_ld.why, sizeof(srv_ld.why),
			    "reload request");
	}
	pthread_mutex_unlock(&srv_ld.mtx);
	server_wake_main();
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

static int
server_loader_start(void)
{
	sigset_t	 all, old;
	int		 e;

	if (pipe2(srv_ld.pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_warn("pipe");
		return -1;
	}
	srv_ld.ev = event_new(srv_base, srv_ld.pipe[0], EV_READ | EV_PERSIST,
	    server_wake_cb, NULL);
	if (srv_ld.ev == NULL || event_add(srv_ld.ev, NULL) == -1) {
		log_warnx("cannot watch the loader pipe");
		return -1;
	}
	/* Signals are the loop's: the loader must not take them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&srv_ld.thread, NULL, server_loader_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("loader thread");
		return -1;
	}
	srv_ld.started = 1;
	return 0;
}

/* Stop the loader (after its current load, if any) and free its job. */
static void
server_loader_stop(void)
{
	struct timespec	 deadline;

	if (srv_ld.started) {
		pthread_mutex_lock(&srv_ld.mtx);
		srv_ld.quit = 1;
		pthread_cond_signal(&srv_ld.cv);
		pthread_mutex_unlock(&srv_ld.mtx);
		/*
		 * A load stuck in read() (a hung NFS mount, a FIFO) must not
		 * hold shutdown hostage: wait a while, then leave the thread
		 * and what it uses to exit(), which ends it.
		 */
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += SERVER_STOP_MS / 1000 + 1;
		if (pthread_timedjoin_np(srv_ld.thread, NULL, &deadline) != 0) {
			log_warnx("exiting with a load still running (reading "
			    "%s)", srv_ld.path != NULL ? srv_ld.path : "?");
			srv_ld.started = 0;
			return;
		}
		srv_ld.started = 0;
	}
	snapshot_release(srv_ld.snap);
	conf_free(srv_ld.conf);
	srv_ld.snap = NULL;
	srv_ld.conf = NULL;
	free(srv_ld.path);
	srv_ld.path = NULL;
	if (srv_ld.ev != NULL)
		event_free(srv_ld.ev);
	srv_ld.ev = NULL;
	if (srv_ld.pipe[0] != -1)
		close(srv_ld.pipe[0]);
	if (srv_ld.pipe[1] != -1)
		close(srv_ld.pipe[1]);
	srv_ld.pipe[0] = srv_ld.pipe[1] = -1;
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
			server_load_request("SIGHUP");
	} else
		server_stop();

}

/*
 * Socket activation (sd_listen_fds(3)): with LISTEN_PID our pid and
 * LISTEN_FDS >= 1, fd 3 is the listening socket systemd made, with its
 * owner, mode and lifetime set in hcpcsd.socket.  Returns that fd, -1
 * when none was passed, or -2 after logging why the one passed is
 * unusable.  The variables are unset either way so that nothing this
 * process might start inherits them.
 */
static int
server_activation_fd(void)
{
	const char	*pidstr = getenv("LISTEN_PID");
	const char	*fdsstr = getenv("LISTEN_FDS");
	long long	 pid = 0, nfds = 0;
	char		*end;
	int		 fd = SERVER_LISTEN_FDS_START, v, i, fl;
	socklen_t	 len;

	if (pidstr != NULL) {
		errno = 0;
		pid = strtoll(pidstr, &end, 10);
		if (errno != 0 || end == pidstr || *end != '\0')
			pid = 0;
	}
	if (fdsstr != NULL) {
		errno = 0;
		nfds = strtoll(fdsstr, &end, 10);
		if (errno != 0 || end == fdsstr || *end != '\0')
			nfds = 0;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (pidstr == NULL || fdsstr == NULL)
		return -1;
	if (pid != (long long)getpid()) {
		log_info("LISTEN_PID %lld is not this process: creating the "
		    "socket", pid);
		return -1;
	}
	if (nfds < 1)
		return -1;
	if (nfds > 1) {
		log_warnx("LISTEN_FDS=%lld: using fd %d, closing the rest",
		    nfds, fd);
		for (i = 1; i < nfds && i < 1024; i++)
			close(fd + i);
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1) {
		log_warn("LISTEN_FDS: fd %d", fd);
		return -2;
	}
	if (v != AF_UNIX) {
		log_warnx("LISTEN_FDS: fd %d is not a Unix socket", fd);
		return -2;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1 ||
	    v != SOCK_STREAM) {
		log_warnx("LISTEN_FDS: fd %d is not a stream socket", fd);
		return -2;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
	    v == 0) {
		log_warnx("LISTEN_FDS: fd %d is not listening", fd);
		return -2;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("LISTEN_FDS: fd %d: fcntl", fd);
		return -2;
	}
	return fd;
}

/* The path a passed socket is bound to, for the logs; caller owns. */
static char *
server_sockname(int fd)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof(sun);
	size_t			 n;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    len <= offsetof(struct sockaddr_un, sun_path))
		return strdup("(unnamed)");
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (sun.sun_path[0] == '\0') {
		sun.sun_path[0] = '@';		/* abstract */
		return strndup(sun.sun_path, n);
	}
	return strndup(sun.sun_path, strnlen(sun.sun_path, n));
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
server_init(struct conf *conf, const char *sockpath, int debug)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	size_t		 i;
	int		 afd;

	srv_conf = conf;
	srv_debug = debug;
	server_apply_limits(conf);
	notify_init();
	if ((afd = server_activation_fd()) == -2)
		return -1;
	srv_activated = afd >= 0;
	srv_sockarg = sockpath != NULL;
	srv_sockpath = srv_activated ? server_sockname(afd) :
	    strdup(sockpath != NULL ? sockpath : conf->socket);
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
	if (server_loader_start() == -1)
		return -1;
	if (server_workers_start(conf->workers) == -1)
		return -1;
	if (srv_activated)
		srv_fd = afd;
	else if ((srv_fd = server_listen(srv_sockpath,
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
	server_loader_stop();
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
