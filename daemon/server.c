/*
 * server.c: the top of the daemon.  The main thread's event loop,
 * SIGHUP/SIGTERM/SIGINT, sd_notify state, the listening socket's
 * accept loop, and the two things it owns: N worker threads (the
 * workers key; worker.c) and the loader thread (reload.c).
 *
 * The main thread accepts and hands each client to a worker in turn
 * through that worker's pipe.  Signals, starting loads, sd_notify and
 * the log rate timer stay on the main thread.  Data flows down: the
 * workers and the loader get what they need at start (a worker_env, the
 * loader's hooks) and never call back here by name; a finished load
 * comes back through the loader's finished hook, and server.c then
 * takes its configuration, applies the limits and tells every worker.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "access.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "rpc.h"
#include "snapshot.h"
#include "stats.h"
#include "server.h"
#include "worker.h"

#define SERVER_ACCEPTS		64		/* accepts per wakeup */
#define SERVER_ACCEPT_PAUSE_MS	100		/* after EMFILE, msec */
#define SERVER_WARN_MAX		2048		/* a client line, bytes */

static struct event_base *srv_base;	/* the main thread's */
static struct conf	*srv_conf;	/* main thread only */
static int		 srv_debug;	/* -f: allow debug lines */
static atomic_int	 srv_stopping;	/* set by main, read by any */
static char		 srv_status[RELOAD_STATUS_MAX];	/* STATUS= */
static struct event	*srv_sig[3];

/* The listening socket. */
static int		 srv_fd = -1;
static char		*srv_sockpath;	/* what we bound, for unlink */
static int		 srv_activated;	/* socket passed by systemd */
static int		 srv_sockarg;	/* socket given by -s, not the config */
static struct event	*srv_accept_ev;
static struct event	*srv_accept_timer;

/* What server.c owns below it. */
static struct worker	**srv_workers;	/* [0, srv_nworkers) made */
static size_t		 srv_nworkers;
static size_t		 srv_next_worker;	/* round robin */
static struct worker_env srv_env = { .next_id = 1,
	.access = { .mtx = PTHREAD_MUTEX_INITIALIZER } };
static struct loader	*srv_loader;	/* reloads */

/*
 * Connections per uid (max_connections_per_uid): counted in at accept
 * by the main thread, out by the workers (worker_env.closed).  Few uids
 * connect at once: a short array, searched.
 */
struct server_uid {
	uid_t		 uid;
	size_t		 n;
};
static pthread_mutex_t	 srv_uid_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct server_uid *srv_uids;
static size_t		 srv_nuids, srv_uidcap;

/*
 * Client lines: any thread logs through the limiter; only the main
 * thread's timer flushes it.  A thread that suppressed a line sets
 * srv_rate_want and wakes the main loop through srv_rate_pipe.
 */
static pthread_mutex_t	 srv_rate_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct log_rate	 srv_rate = { "client errors", 0, 0, 0, 0 };
static struct event	*srv_rate_timer;
static atomic_int	 srv_rate_want;
static int		 srv_rate_pipe[2] = { -1, -1 };
static struct event	*srv_rate_ev;

static void
server_apply_limits(const struct conf *c)
{
	struct rpc_limits	 l;

	l.max_request_bytes = c->max_request_bytes;
	l.max_batch = c->max_batch;
	rpc_set_limits(&l);
	atomic_store(&srv_env.output_limit, c->output_limit);
	atomic_store(&srv_env.max_output, c->max_output_bytes);
	atomic_store(&srv_env.max_request, c->max_request_bytes);
	access_live_set(&srv_env.access, &c->access);
	if (srv_loader != NULL)
		loader_set_min_interval(srv_loader,
		    c->reload_min_interval * 1000);
	atomic_store(&srv_env.per_turn, c->max_requests_per_turn);
	atomic_store(&srv_env.output_timeout, c->output_timeout);
	atomic_store(&srv_env.idle_timeout, c->idle_timeout);
	atomic_store(&srv_env.request_timeout, c->request_timeout);
	/* Debug lines only with -f (the log level still applies). */
	log_set_level(!srv_debug && c->log_level > LOG_LVL_INFO ?
	    LOG_LVL_INFO : c->log_level);
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
	/* EAGAIN: the pipe already holds a wakeup; that will do. */
}

/*
 * Any thread: a line a client can cause at will goes through the rate
 * limit, so a broken or hostile client cannot flood the journal.
 */
static void LOG_PRINTF(1, 2)
server_client_warnx(const char *fmt, ...)
{
	char	line[SERVER_WARN_MAX];
	va_list	ap;
	int	logged;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&srv_rate_mtx);
	logged = log_warnx_rate(&srv_rate, "%s", line);
	pthread_mutex_unlock(&srv_rate_mtx);
	if (!logged)
		server_rate_arm();
}

/*
 * Listener.
 */

/* The peer's credentials, as the kernel took them at connect(). */
static int
server_peer_cred(int fd, struct ucred *cred)
{
	socklen_t	 len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == -1 ||
	    len != sizeof(*cred)) {
		log_warn("accept: SO_PEERCRED");
		return -1;
	}
	return 0;
}

/*
 * Count a connection of uid in, unless it has max already; 0 or -1.
 * max 0: count only (SIZE_MAX).
 */
static int
server_uid_in(uid_t uid, size_t max)
{
	struct server_uid *n;
	size_t		 i;
	int		 rv = 0;

	pthread_mutex_lock(&srv_uid_mtx);
	for (i = 0; i < srv_nuids && srv_uids[i].uid != uid; i++)
		;
	if (i < srv_nuids) {
		if (srv_uids[i].n >= max)
			rv = -1;
		else
			srv_uids[i].n++;
	} else if (srv_nuids == srv_uidcap && (n = reallocarray(srv_uids,
	    srv_uidcap ? srv_uidcap * 2 : 16, sizeof(*n))) == NULL) {
		log_warn("accept: uid table");
		rv = -1;
	} else {
		if (srv_nuids == srv_uidcap) {
			srv_uids = n;
			srv_uidcap = srv_uidcap ? srv_uidcap * 2 : 16;
		}
		srv_uids[srv_nuids].uid = uid;
		srv_uids[srv_nuids++].n = 1;
	}
	pthread_mutex_unlock(&srv_uid_mtx);
	return rv;
}

/* worker_env.closed: any thread. */
static void
server_uid_out(const struct ucred *cred)
{
	size_t	i;

	pthread_mutex_lock(&srv_uid_mtx);
	for (i = 0; i < srv_nuids && srv_uids[i].uid != cred->uid; i++)
		;
	if (i < srv_nuids && --srv_uids[i].n == 0)
		srv_uids[i] = srv_uids[--srv_nuids];
	pthread_mutex_unlock(&srv_uid_mtx);
}

/*
 * Turn a client away: [1, 0, {code: "busy", message}, nil] (msgid 0:
 * no request was read; docs/protocol.md), then close.  One small
 * write to a fresh socket: it fits, or the client does not get it.
 */
static void
server_busy(int fd, const char *why)
{
	struct rpc_out	 o;

	memset(&o, 0, sizeof(o));
	rpc_busy_message(&o, why);
	if (!o.oom && write(fd, o.data, o.len) == -1)
		log_debug("busy: write: %s", strerror(errno));
	rpc_out_free(&o);
	close(fd);
}

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
	struct worker	*w;
	struct ucred	 cred;
	size_t		 n, per_uid = conf_per_uid(srv_conf);
	char		 why[128];
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
		if (server_peer_cred(fd, &cred) == -1) {
			close(fd);
			continue;
		}
		n = atomic_load(&srv_env.nconns);
		if (n >= srv_conf->max_clients) {
			server_client_warnx("client rejected (uid %u, pid %d): "
			    "%zu clients connected (max_clients)",
			    (unsigned)cred.uid, (int)cred.pid, n);
			STATS_COUNT(stats_main()->conns_rejected, 1);
			STATS_COUNT(stats_main()->rejected_busy, 1);
			server_busy(fd, "too many clients (max_clients)");
			continue;
		}
		if (server_uid_in(cred.uid, per_uid) == -1) {
			snprintf(why, sizeof(why), "uid %u has %zu "
			    "connections (max_connections_per_uid)",
			    (unsigned)cred.uid, per_uid);
			server_client_warnx("client rejected (pid %d): %s",
			    (int)cred.pid, why);
			STATS_COUNT(stats_main()->rejected_busy, 1);
			STATS_COUNT(stats_main()->rejected_per_uid, 1);
			server_busy(fd, why);
			continue;
		}
		/* Counted now: the worker's close uncounts it. */
		atomic_fetch_add(&srv_env.nconns, 1);
		/* Here, in accept order, not when its worker gets to it. */
		STATS_COUNT(stats_main()->conns_total, 1);
		w = srv_workers[srv_next_worker++ % srv_nworkers];
		if (worker_give(w, fd, &cred) == -1) {
			close(fd);
			atomic_fetch_sub(&srv_env.nconns, 1);
			server_uid_out(&cred);
		}
	}
}

/*
 * Reloads: asking for one, and what comes back.
 */

int
server_publish(const struct conf *conf, const char *why, char *err,
    size_t errlen)
{
	return reload_publish(conf, why, srv_status, sizeof(srv_status), err,
	    errlen);
}

/* The workers' way to ask (worker_env.reload); any thread. */
static int
server_ask_reload(const char *why, int dry_run, uint64_t *seq, char *err,
    size_t errlen)
{
	return loader_ask(srv_loader, why, dry_run, seq, err, errlen);
}

/* A worker answered who waited for a load (worker_env.reloaded). */
static void
server_worker_reloaded(void)
{
	loader_acked(srv_loader);
}

/*
 * A dry run's answer, packed once for every worker to copy: the
 * preview, or why it would fail.  NULL when out of memory.
 */
static struct rpc_out *
server_dry_run_answer(const struct reload_result *r)
{
	struct rpc_out	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	rpc_pack_dry_run(o, r->ok, r->generation, r->err, r->preview);
	if (o->oom) {
		rpc_out_free(o);
		free(o);
		return NULL;
	}
	return o;
}

/* Main thread: a load ended: take its conf, tell every worker. */
static size_t
server_reloaded(void *arg, const struct reload_result *r)
{
	struct worker_reload wr;
	struct rpc_out	*dry = NULL;
	size_t		 i, told = 0;

	(void)arg;
	memset(&wr, 0, sizeof(wr));
	wr.seq = r->seq;
	wr.ok = r->ok;
	wr.generation = r->generation;
	wr.err = r->err;
	wr.dry_run = r->dry_run;
	if (r->dry_run) {
		/* Nothing changed: no counters, no STATUS=. */
		if ((dry = server_dry_run_answer(r)) != NULL) {
			wr.answer = dry->data;
			wr.answerlen = dry->len;
		}
		if (r->preview != NULL) {
			snapshot_preview_free(r->preview);
			free(r->preview);
		}
	} else if (r->ok) {
		if (!srv_activated && !srv_sockarg &&
		    strcmp(r->conf->socket, srv_sockpath) != 0)
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
		loader_set_timeout(srv_loader,
		    (unsigned)srv_conf->reload_timeout);
		snprintf(srv_status, sizeof(srv_status), "%s", r->status);
		stats_note_reload(1, time(NULL), NULL, r->ms);
		if (!atomic_load(&srv_stopping))  /* READY=1 after STOPPING=1 lies */
			notify_send("READY=1\nSTATUS=%s", srv_status);
	} else {
		stats_note_reload(0, time(NULL), r->err, r->ms);
		if (!atomic_load(&srv_stopping))
			notify_send("READY=1\nSTATUS=reload failed, still "
			    "serving generation %llu: %s",
			    (unsigned long long)r->generation, r->err);
	}
	/* Each worker answers its own clients waiting for this load. */
	for (i = 0; i < srv_nworkers && !atomic_load(&srv_stopping); i++)
		if (worker_tell_reloaded(srv_workers[i], &wr) == 0)
			told++;
	if (dry != NULL) {
		rpc_out_free(dry);
		free(dry);
	}
	return told;
}

/*
 * Signals and shutdown.
 */

/*
 * Stop accepting, tell every worker to flush and close its clients
 * (each for at most a second) and leave the main loop; server_run then
 * joins the workers.
 */
static void
server_stop(void)
{
	size_t	i;

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
	for (i = 0; i < srv_nworkers; i++)
		worker_tell_stop(srv_workers[i]);
	event_base_loopbreak(srv_base);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (sig == SIGHUP) {
		if (!atomic_load(&srv_stopping))
			loader_request(srv_loader, "SIGHUP", 0);
	} else
		server_stop();

}

/* Make the workers, then start their threads. */
static int
server_workers_start(size_t n)
{
	size_t	i;

	srv_env.reload = server_ask_reload;
	srv_env.reloaded = server_worker_reloaded;
	srv_env.warnx = server_client_warnx;
	srv_env.closed = server_uid_out;
	if ((srv_workers = calloc(n, sizeof(*srv_workers))) == NULL) {
		log_warn("workers");
		return -1;
	}
	for (; srv_nworkers < n; srv_nworkers++)
		if ((srv_workers[srv_nworkers] = worker_new(srv_nworkers,
		    &srv_env)) == NULL)
			return -1;
	for (i = 0; i < n; i++)
		if (worker_start(srv_workers[i]) == -1)
			return -1;
	return 0;
}

/* Wait for every worker: each ends once its clients are flushed. */
static void
server_workers_join(void)
{
	size_t	i;

	for (i = 0; i < srv_nworkers; i++)
		worker_join(srv_workers[i]);
}

/* The client-line timer and its wakeup from other threads. */
static int
server_rate_init(void)
{
	srv_rate_timer = evtimer_new(srv_base, server_rate_cb, NULL);
	if (pipe2(srv_rate_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		srv_rate_pipe[0] = srv_rate_pipe[1] = -1;
		log_warn("pipe");
		return -1;
	}
	srv_rate_ev = event_new(srv_base, srv_rate_pipe[0],
	    EV_READ | EV_PERSIST, server_rate_arm_cb, NULL);
	if (srv_rate_timer == NULL || srv_rate_ev == NULL ||
	    event_add(srv_rate_ev, NULL) == -1) {
		log_warnx("cannot create events");
		return -1;
	}
	return 0;
}

int
server_init(struct conf *conf, const char *sockpath, int debug)
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
	srv_sockarg = sockpath != NULL;
	srv_sockpath = srv_activated ? listen_sockname(afd) :
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
	if ((srv_accept_timer = evtimer_new(srv_base, server_accept_resume,
	    NULL)) == NULL) {
		log_warnx("cannot create events");
		return -1;
	}
	if (server_rate_init() == -1)
		return -1;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		srv_sig[i] = evsignal_new(srv_base, sigs[i], server_signal_cb,
		    NULL);
		if (srv_sig[i] == NULL || event_add(srv_sig[i], NULL) == -1) {
			log_warnx("cannot install signal %d", sigs[i]);
			return -1;
		}
	}
	hooks.finished = server_reloaded;
	hooks.arg = NULL;
	hooks.stopping = &srv_stopping;
	if ((srv_loader = loader_start(srv_base, conf->path, &hooks)) == NULL)
		return -1;
	loader_set_min_interval(srv_loader, conf->reload_min_interval * 1000);
	loader_set_timeout(srv_loader, (unsigned)conf->reload_timeout);
	if (server_workers_start(conf->workers) == -1)
		return -1;
	if (srv_activated)
		srv_fd = afd;
	else if ((srv_fd = listen_unix(srv_sockpath, conf->socket_mode,
	    conf->socket_group.set ? (gid_t)conf->socket_group.id : (gid_t)-1,
	    conf->user.set ? (uid_t)conf->user.id : (uid_t)-1)) == -1)
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

/* The rate limiter's timer and wakeup, after a last summary line. */
static void
server_rate_free(void)
{
	pthread_mutex_lock(&srv_rate_mtx);
	log_rate_flush(&srv_rate);
	pthread_mutex_unlock(&srv_rate_mtx);
	if (srv_rate_timer != NULL)
		event_free(srv_rate_timer);
	if (srv_rate_ev != NULL)
		event_free(srv_rate_ev);
	if (srv_rate_pipe[0] != -1)
		close(srv_rate_pipe[0]);
	if (srv_rate_pipe[1] != -1)
		close(srv_rate_pipe[1]);
	srv_rate_timer = NULL;
	srv_rate_ev = NULL;
	srv_rate_pipe[0] = srv_rate_pipe[1] = -1;
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
		worker_free(srv_workers[i]);
	free(srv_workers);
	srv_workers = NULL;
	srv_nworkers = 0;
	if (srv_fd != -1) {
		close(srv_fd);
		srv_fd = -1;
		if (!srv_activated)
			unlink(srv_sockpath);
	}
	server_rate_free();
	free(srv_uids);
	srv_uids = NULL;
	srv_nuids = srv_uidcap = 0;
	for (i = 0; i < sizeof(srv_sig) / sizeof(srv_sig[0]); i++)
		if (srv_sig[i] != NULL)
			event_free(srv_sig[i]);
	if (srv_accept_ev != NULL)
		event_free(srv_accept_ev);
	if (srv_accept_timer != NULL)
		event_free(srv_accept_timer);
	if (srv_base != NULL)
		event_base_free(srv_base);
	notify_close();
	free(srv_sockpath);
	conf_free(srv_conf);
	srv_base = NULL;
	srv_conf = NULL;
	srv_sockpath = NULL;
}
