/*
 * server.c: the Unix socket listener and its clients on one libevent
 * loop, SIGHUP reloads and SIGTERM/SIGINT shutdown.
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
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "log.h"
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

struct conn {
	TAILQ_ENTRY(conn) entry;
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
};

TAILQ_HEAD(conn_list, conn);

static struct event_base *srv_base;
static struct conf	*srv_conf;
static char		*srv_sockpath;	/* what we bound, for unlink */
static int		 srv_fd = -1;
static int		 srv_debug;	/* -f: allow debug lines */
static int		 srv_stopping;
static struct event	*srv_accept_ev;
static struct event	*srv_accept_timer;
static struct event	*srv_reaper;
static struct event	*srv_stop_timer;
static struct event	*srv_sig[3];
static struct conn_list	 srv_conns = TAILQ_HEAD_INITIALIZER(srv_conns);
static struct conn_list	 srv_dead = TAILQ_HEAD_INITIALIZER(srv_dead);
static size_t		 srv_nconns;
static uint64_t		 srv_next_id = 1;

static void	conn_read_cb(evutil_socket_t, short, void *);
static void	conn_write_cb(evutil_socket_t, short, void *);

static void
server_apply_limits(const struct conf *c)
{
	struct rpc_limits	 l;

	l.max_request_bytes = c->max_request_bytes;
	l.max_batch = c->max_batch;
	rpc_set_limits(&l);
	/* Debug lines only with -f (the log level still applies). */
	log_set_level(!srv_debug && c->log_level > LOG_LVL_INFO ?
	    LOG_LVL_INFO : c->log_level);
}

static size_t
server_soft_cap(void)
{
	size_t	lim = srv_conf->output_limit / 2;

	return lim < SERVER_OUT_SOFT ? lim : SERVER_OUT_SOFT;
}

/*
 * Connections.
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
	struct rpc_conn_stats *cs = rpc_conn_stats();

	if (c->state == CONN_ST_CLOSED)
		return;
	conn_want_read(c, 0);
	conn_want_write(c, 0);
	close(c->fd);
	c->fd = -1;
	conn_set_state(c, CONN_ST_CLOSED);
	TAILQ_REMOVE(&srv_conns, c, entry);
	TAILQ_INSERT_TAIL(&srv_dead, c, entry);
	srv_nconns--;
	cs->conns_current--;
	log_debug("client %llu: closed after %llu requests, %llu bytes in, "
	    "%llu out", (unsigned long long)c->id,
	    (unsigned long long)c->nreq, (unsigned long long)c->nin,
	    (unsigned long long)c->nout);
	event_active(srv_reaper, EV_TIMEOUT, 0);
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
server_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c;

	(void)fd;
	(void)what;
	(void)arg;
	while ((c = TAILQ_FIRST(&srv_dead)) != NULL) {
		TAILQ_REMOVE(&srv_dead, c, entry);
		conn_free(c);
	}
	if (srv_stopping && TAILQ_EMPTY(&srv_conns))
		event_base_loopbreak(srv_base);
}

/*
 * Write what is queued: as much as the socket takes now; the write
 * event is armed only for the rest.  Closes on errors, on reaching the
 * hard output cap and once a flushing connection is drained.
 */
static void
conn_flush(struct conn *c)
{
	struct rpc_conn_stats *cs = rpc_conn_stats();
	size_t		 pending;
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
		cs->bytes_out += (size_t)n;
	}
	pending = c->out.len - c->outoff;
	if (pending == 0) {
		c->out.len = c->outoff = 0;
		if (c->out.cap > SERVER_OUT_KEEP)
			rpc_out_free(&c->out);
		conn_want_write(c, 0);
		if (c->state == CONN_ST_FLUSH && c->inlen == 0)
			conn_close(c);
		else
			conn_want_read(c, !srv_stopping);
		return;
	}
	if (pending > srv_conf->output_limit) {
		log_warnx("client %llu: %zu bytes of output queued, over "
		    "output_limit %zu: closing (%llu requests, %llu bytes "
		    "in, %llu out)", (unsigned long long)c->id, pending,
		    srv_conf->output_limit, (unsigned long long)c->nreq,
		    (unsigned long long)c->nin, (unsigned long long)c->nout);
		conn_close(c);
		return;
	}
	conn_want_write(c, 1);
	conn_want_read(c, c->state == CONN_ST_READ && !srv_stopping &&
	    pending < server_soft_cap());
}

/*
 * Answer every complete request in the input buffer, then flush.  At
 * the soft output cap answering stops and the rest waits in the buffer
 * until the output drains (here, or in conn_write_cb).
 */
static void
conn_process(struct conn *c)
{
	size_t		 off, used, soft = server_soft_cap();
	enum rpc_result	 r;

	for (;;) {
		off = 0;
		r = RPC_DONE;
		rpc_batch_begin();
		while (off < c->inlen && c->out.len - c->outoff < soft) {
			used = 0;
			r = rpc_process(c->in + off, c->inlen - off, &c->out,
			    &used);
			if (r != RPC_DONE)
				break;
			off += used;
			c->nreq++;
		}
		rpc_batch_end();
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
		    c->inlen == 0 || off == 0 || c->out.len > c->outoff)
			return;
	}
}

/* Room for one more read: grow up to max_request_bytes + slack. */
static int
conn_grow(struct conn *c)
{
	unsigned char	*n;
	size_t		 max = srv_conf->max_request_bytes + SERVER_IN_SLACK;
	size_t		 cap;

	if (c->inlen < c->incap)
		return 0;
	if (c->incap >= max) {
		/* rpc_scan stops any object before this; be safe anyway. */
		log_warnx("client %llu: input buffer full: closing",
		    (unsigned long long)c->id);
		return -1;
	}
	cap = c->incap == 0 ? SERVER_IN_MIN : c->incap * 2;
	if (cap > max)
		cap = max;
	if ((n = realloc(c->in, cap)) == NULL) {
		log_warn("client %llu: input buffer", (unsigned long long)c->id);
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
	if (c->state != CONN_ST_READ)
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
	rpc_conn_stats()->bytes_in += (size_t)n;
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
	if (c->state != CONN_ST_CLOSED && c->inlen > 0 && !srv_stopping &&
	    c->out.len - c->outoff < server_soft_cap())
		conn_process(c);
}

static void
conn_new(int fd)
{
	struct rpc_conn_stats *cs = rpc_conn_stats();
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("accept: connection");
		close(fd);
		return;
	}
	c->fd = fd;
	c->id = srv_next_id++;
	c->state = CONN_ST_READ;
	c->rev = event_new(srv_base, fd, EV_READ | EV_PERSIST, conn_read_cb,
	    c);
	c->wev = event_new(srv_base, fd, EV_WRITE | EV_PERSIST,
	    conn_write_cb, c);
	if (c->rev == NULL || c->wev == NULL) {
		log_warnx("accept: cannot create events");
		conn_free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&srv_conns, c, entry);
	srv_nconns++;
	cs->conns_current++;
	cs->conns_total++;
	conn_want_read(c, 1);
	log_debug("client %llu: connected (fd %d)", (unsigned long long)c->id,
	    fd);
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
	if (!srv_stopping)
		event_add(srv_accept_ev, NULL);
}

static void
server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval	 tv = { 0, SERVER_ACCEPT_PAUSE_MS * 1000 };
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
		if (srv_nconns >= srv_conf->max_clients) {
			log_warnx("client rejected: %zu clients connected "
			    "(max_clients)", srv_nconns);
			rpc_conn_stats()->conns_rejected++;
			close(fd);
			continue;
		}
		conn_new(fd);
	}
}

static int
server_listen(const char *path, mode_t mode)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s: exists and is not a socket", path);
			return -1;
		}
		/* A socket someone answers on is not stale. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			log_warnx("%s: another server is listening", path);
			return -1;
		}
		if (probe != -1)
			close(probe);
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

int
server_publish(const struct conf *conf, const char *why, char *err,
    size_t errlen)
{
	const struct snapshot_set_info *si;
	struct snapshot	*s;
	struct timespec	 t0;
	char		 line[1024];
	size_t		 i, off;
	int		 n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((s = snapshot_build(conf, err, errlen)) == NULL)
		return -1;
	snapshot_publish(s);
	/* Re-acquire: publish took over our reference. */
	if ((s = snapshot_acquire()) == NULL)
		return 0;
	off = 0;
	line[0] = '\0';
	for (i = 0; i < snapshot_nsets(s) && off < sizeof(line); i++) {
		si = snapshot_set(s, i);
		n = snprintf(line + off, sizeof(line) - off,
		    "%s%s %zu procedures %zu modifiers", i > 0 ? ", " : "",
		    si->name, si->records, si->modifiers);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	log_info("%s: generation %llu, %s, %ld ms", why,
	    (unsigned long long)snapshot_generation(s), line,
	    server_ms_since(&t0));
	snapshot_release(s);
	return 0;
}

int
server_reload(char *err, size_t errlen)
{
	struct conf	*nc;
	char		 cerr[512];

	if (srv_conf == NULL) {
		snprintf(err, errlen, "no configuration");
		goto fail;
	}
	if ((nc = conf_load(srv_conf->path, cerr, sizeof(cerr))) == NULL) {
		snprintf(err, errlen, "%s", cerr);
		goto fail;
	}
	if (server_publish(nc, "reload", err, errlen) == -1) {
		conf_free(nc);
		goto fail;
	}
	if (strcmp(nc->socket, srv_sockpath) != 0)
		log_warnx("reload: socket changed to %s; still listening on "
		    "%s until restart", nc->socket, srv_sockpath);
	conf_free(srv_conf);
	srv_conf = nc;
	server_apply_limits(srv_conf);
	rpc_note_reload(1, time(NULL), NULL, 0);
	return 0;
fail:
	log_warnx("reload failed, keeping the current data: %s", err);
	rpc_note_reload(0, time(NULL), err, 0);
	return -1;
}

/*
 * Signals and shutdown.
 */

static void
server_stop(void)
{
	struct timeval	 tv = { SERVER_STOP_MS / 1000,
			    (SERVER_STOP_MS % 1000) * 1000 };
	struct conn	*c, *next;

	if (srv_stopping)
		return;
	srv_stopping = 1;
	log_info("shutting down");
	event_del(srv_accept_ev);
	event_del(srv_accept_timer);
	if (srv_fd != -1) {
		close(srv_fd);
		srv_fd = -1;
		if (unlink(srv_sockpath) == -1 && errno != ENOENT)
			log_warn("unlink %s", srv_sockpath);
	}
	/* Flush what is queued, for at most SERVER_STOP_MS. */
	for (c = TAILQ_FIRST(&srv_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_want_read(c, 0);
		c->inlen = 0;
		if (c->out.len - c->outoff == 0)
			conn_close(c);
		else
			conn_set_state(c, CONN_ST_FLUSH);
	}
	evtimer_add(srv_stop_timer, &tv);
	event_active(srv_reaper, EV_TIMEOUT, 0);
}

static void
server_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(srv_base);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	char	err[512];

	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		log_info("SIGHUP: reloading");
		server_reload(err, sizeof(err));
	} else
		server_stop();
}

int
server_init(struct conf *conf, int debug)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	size_t		 i;

	srv_conf = conf;
	srv_debug = debug;
	server_apply_limits(conf);
	if ((srv_sockpath = strdup(conf->socket)) == NULL) {
		log_warn("strdup");
		return -1;
	}
	if ((srv_base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return -1;
	}
	srv_reaper = event_new(srv_base, -1, 0, server_reap_cb, NULL);
	srv_stop_timer = evtimer_new(srv_base, server_stop_timeout, NULL);
	srv_accept_timer = evtimer_new(srv_base, server_accept_resume, NULL);
	if (srv_reaper == NULL || srv_stop_timer == NULL ||
	    srv_accept_timer == NULL) {
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
	if ((srv_fd = server_listen(srv_sockpath, conf->socket_mode)) == -1)
		return -1;
	srv_accept_ev = event_new(srv_base, srv_fd, EV_READ | EV_PERSIST,
	    server_accept_cb, NULL);
	if (srv_accept_ev == NULL || event_add(srv_accept_ev, NULL) == -1) {
		log_warnx("cannot watch %s", srv_sockpath);
		return -1;
	}
	log_info("listening on %s", srv_sockpath);
	return 0;
}

int
server_run(void)
{
	if (event_base_dispatch(srv_base) == -1) {
		log_warnx("event loop failed");
		return -1;
	}
	return 0;
}

void
server_free(void)
{
	struct conn	*c;
	size_t		 i;

	while ((c = TAILQ_FIRST(&srv_conns)) != NULL)
		conn_close(c);
	while ((c = TAILQ_FIRST(&srv_dead)) != NULL) {
		TAILQ_REMOVE(&srv_dead, c, entry);
		conn_free(c);
	}
	if (srv_fd != -1) {
		close(srv_fd);
		srv_fd = -1;
		unlink(srv_sockpath);
	}
	for (i = 0; i < sizeof(srv_sig) / sizeof(srv_sig[0]); i++)
		if (srv_sig[i] != NULL)
			event_free(srv_sig[i]);
	if (srv_accept_ev != NULL)
		event_free(srv_accept_ev);
	if (srv_accept_timer != NULL)
		event_free(srv_accept_timer);
	if (srv_stop_timer != NULL)
		event_free(srv_stop_timer);
	if (srv_reaper != NULL)
		event_free(srv_reaper);
	if (srv_base != NULL)
		event_base_free(srv_base);
	free(srv_sockpath);
	conf_free(srv_conf);
	srv_base = NULL;
	srv_conf = NULL;
	srv_sockpath = NULL;
}
