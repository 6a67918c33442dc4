/*
 * worker_thread.c: a worker's thread, the public side of worker.h:
 * create, start, stop, join and free a worker, and the main thread's
 * messages through its pipe (a client to serve, a load that ended,
 * stop), read on the worker's thread and handed to worker.c.  Also the
 * reaper, which frees the clients worker.c closed once the callback
 * stack has unwound, and the stop timer that ends a flush on shutdown.
 *
 * Calls go one way: this file calls worker.c, worker.c never calls it
 * (worker_int.h).  The main thread only ever writes to a worker's pipe
 * (worker_send); the rest runs on the worker's thread.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "stats.h"
#include "worker.h"
#include "worker_int.h"

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

static void
worker_stop_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(w->base);
}

/* Messages from the main thread, in the order it sent them. */
static void
worker_msg_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct worker_msg m;
	ssize_t		 n;

	(void)what;
	for (;;) {
		n = read(fd, &m, sizeof(m));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m))
			return;		/* EAGAIN: all read */
		switch (m.type) {
		case WORKER_MSG_CONN:
			if (w->stopping) {
				close(m.fd);
				worker_uncount(w, &m.cred);
			} else
				conn_new(w, m.fd, &m.cred);
			break;
		case WORKER_MSG_RELOADED:
			worker_reloaded(w, &m);
			free(m.err);
			free(m.answer);
			/* The main thread may start the next load now. */
			w->env->reloaded();
			break;
		case WORKER_MSG_STOP:
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
worker_send(struct worker *w, const struct worker_msg *m)
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
worker_init(struct worker *w, size_t idx, struct worker_env *env)
{
	struct event_config *cfg;
	int		 fl;

	w->idx = idx;
	w->env = env;
	w->pipe[0] = w->pipe[1] = -1;
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->dead);
	w->rpc.cnt = &w->cnt;
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
	w->tick = evtimer_new(w->base, worker_tick_cb, w);
	w->retry = evtimer_new(w->base, worker_retry_cb, w);
	if (w->pipe_ev == NULL || w->reaper == NULL || w->stop_timer == NULL ||
	    w->tick == NULL || w->retry == NULL ||
	    event_add(w->pipe_ev, NULL) == -1)
		return -1;
	return 0;
}

void
worker_free(struct worker *w)
{
	struct conn	*c;

	if (w == NULL)
		return;

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
	if (w->tick != NULL)
		event_free(w->tick);
	if (w->retry != NULL)
		event_free(w->retry);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->pipe[0] != -1)
		close(w->pipe[0]);
	if (w->pipe[1] != -1)
		close(w->pipe[1]);
	stats_unregister(&w->cnt);
	free(w);
}

struct worker *
worker_new(size_t idx, struct worker_env *env)
{
	struct worker	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("worker %zu", idx);
		return NULL;
	}
	if (worker_init(w, idx, env) == -1) {
		log_warnx("worker %zu: cannot create its event loop", idx);
		worker_free(w);
		return NULL;
	}
	/* Before any thread runs: info reads the list unlocked. */
	if (stats_register(&w->cnt) == -1) {
		log_warnx("worker %zu: too many workers", idx);
		worker_free(w);
		return NULL;
	}
	return w;
}

int
worker_start(struct worker *w)
{
	sigset_t	 all, old;
	int		 e;

	/* Signals are the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("worker %zu: thread", w->idx);
		return -1;
	}
	w->started = 1;
	return 0;
}

int
worker_give(struct worker *w, int fd, const struct ucred *cred)
{
	struct worker_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WORKER_MSG_CONN;
	m.fd = fd;
	m.cred = *cred;
	return worker_send(w, &m);
}

int
worker_tell_reloaded(struct worker *w, const struct worker_reload *r)
{
	struct worker_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WORKER_MSG_RELOADED;
	m.seq = r->seq;
	m.ok = r->ok;
	m.generation = r->generation;
	m.dry_run = r->dry_run;
	m.err = r->ok || r->err == NULL ? NULL : strdup(r->err);
	/* Each worker its own copy: it frees it once answered. */
	if (r->answer != NULL && (m.answer = malloc(r->answerlen)) != NULL) {
		memcpy(m.answer, r->answer, r->answerlen);
		m.answerlen = r->answerlen;
	}
	if (worker_send(w, &m) == -1) {
		free(m.err);
		free(m.answer);
		return -1;
	}
	return 0;
}

int
worker_tell_stop(struct worker *w)
{
	struct worker_msg m;

	if (!w->started)
		return 0;
	memset(&m, 0, sizeof(m));
	m.type = WORKER_MSG_STOP;
	return worker_send(w, &m);
}

void
worker_join(struct worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
}
