/*
 * reload.c: snapshots built and published, the first on the caller's
 * thread, reloads on one long-lived loader thread.
 *
 * The loader thread waits for a job, runs conf_load + build_snapshot,
 * hands the result back under the lock and wakes the main loop through
 * a pipe.  It logs, counts and publishes nothing itself: the main
 * thread publishes (one pointer store; the old snapshot is freed by
 * whichever request batch drops the last reference), logs, and gives
 * the result to the owner's finished hook, which tells the workers.
 *
 * Coalescing: a request while a load is in flight (or while the workers
 * it told have not all acknowledged it) sets one flag, so any number of
 * them make exactly one more load, started once nothing is in flight.
 * A load answers every request made before it started.
 *
 * Rate: a load asked by a client (loader_ask) starts no sooner than
 * min_interval after the previous load started; the asks made meanwhile
 * wait on one timer, so a client that reloads in a loop costs one load
 * per interval, and every ask is still answered by a load that started
 * after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "build.h"
#include "conf.h"
#include "load.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "snapshot.h"

#define RELOAD_STOP_WAIT_S	2	/* for a load at shutdown, seconds */

/*
 * The loader and its one job.  The loader thread owns no field: it
 * reads path and takes the job and hands back its result under mtx.
 */
struct loader {
	/* Set by loader_start; read-only while the thread runs. */
	char		*path;		/* the configuration to load */
	struct loader_hooks hooks;
	int		 pipe[2];	/* any thread writes [1]: wake main */

	/* The main thread's. */
	pthread_t	 thread;
	int		 started;
	struct event	*ev;		/* on pipe[0] */
	int		 busy;		/* a load is in flight */
	int		 again;		/* one more load after it */
	size_t		 acks;		/* workers told, not yet acked */
	unsigned long	 min_interval;	/* ms between asked loads */
	struct timespec	 last_start;	/* of the last load; 0: none yet */
	struct event	*delay;		/* an asked load held back */
	char		 delay_why[64];

	/* Under mtx: the job, its result, and what other threads ask. */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 go;		/* main -> loader: load path */
	int		 quit;		/* main -> loader: end */
	int		 done;		/* loader -> main: the result below */
	struct conf	*conf;		/* result: both set, or neither */
	struct snapshot	*snap;
	char		 err[1024];
	long		 ms;
	uint64_t	 seq;		/* loads started */
	int		 want;		/* any thread: a load, please */
	char		 why[64];	/* who wants it */
	size_t		 acked;		/* loader_acked calls not counted */
};

static long
reload_ms_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The generation being served, 0 before the first. */
static uint64_t
reload_generation(void)
{
	struct snapshot	*s = snapshot_acquire();
	uint64_t	 gen = s != NULL ? snapshot_generation(s) : 0;

	snapshot_release(s);
	return gen;
}

/* "generation N: set P procedures M modifiers, ..." of the current. */
static void
reload_describe(char *buf, size_t len)
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
 * "; quirks: set date: kind N (first file:line), ...; ..." of the
 * current snapshot's releases, or "" when none has a quirk: what the
 * gate let through, in the one line a publish logs.  (info shows them
 * per release once the rpc restructure gives it the room.)
 */
static void
reload_quirks(char *buf, size_t len)
{
	const struct snapshot_set_info *si;
	const struct snapshot_release_info *ri;
	struct snapshot	*s;
	char		 one[512], d[11];
	size_t		 i, j, off = 0;
	int		 n;

	buf[0] = '\0';
	if ((s = snapshot_acquire()) == NULL)
		return;
	for (i = 0; i < snapshot_nsets(s) && off < len; i++) {
		si = snapshot_set(s, i);
		for (j = 0; j < si->nreleases && off < len; j++) {
			ri = &si->releases[j];
			load_quirks_summary(&ri->stats, one, sizeof(one));
			if (strcmp(one, "none") == 0)
				continue;
			if (ri->effective != 0)
				record_format_date(ri->effective, d);
			else
				snprintf(d, sizeof(d), "always");
			n = snprintf(buf + off, len - off, "%s %s %s: %s",
			    off == 0 ? "; quirks:" : ";", si->name, d, one);
			if (n < 0)
				break;
			off += (size_t)n;
		}
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
reload_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/*
 * The one place a snapshot is built from a configuration, against the
 * one served (none at startup) for the shrink guard.  The reference
 * keeps it alive while the loader thread reads it.
 */
static struct snapshot *
reload_build(const struct conf *conf, char *err, size_t errlen)
{
	struct snapshot	*prev = snapshot_acquire(), *s;

	s = build_snapshot(conf, prev, err, errlen);
	snapshot_release(prev);
	return s;
}

/* Publish s (taking over its reference) and log one line about it. */
static void
reload_publish_snapshot(struct snapshot *s, const char *why, long ms,
    char *status, size_t statuslen)
{
	char	line[RELOAD_STATUS_MAX], quirks[1024];

	snapshot_publish(s);
	reload_describe(line, sizeof(line));
	reload_quirks(quirks, sizeof(quirks));
	reload_trim();
	snprintf(status, statuslen, "%s", line);
	log_info("%s: %s, %ld ms%s", why, line, ms, quirks);
}

int
reload_publish(const struct conf *conf, const char *why, char *status,
    size_t statuslen, char *err, size_t errlen)
{
	struct snapshot	*s;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((s = reload_build(conf, err, errlen)) == NULL)
		return -1;
	reload_publish_snapshot(s, why, reload_ms_since(&t0), status,
	    statuslen);
	return 0;
}

/* Wake the main loop: it then reads the loader under its lock. */
static void
loader_wake(struct loader *ld)
{
	char	b = 0;

	while (write(ld->pipe[1], &b, 1) == -1 && errno == EINTR)
		;
	/* EAGAIN: the pipe already holds a wakeup; that will do. */
}

/*
 * The loader thread: waits for a job, loads, hands the result back.
 * It touches nothing but the job and the files; all logging, counting
 * and publishing is left to the main thread.
 */
static void *
loader_main(void *arg)
{
	struct loader	*ld = arg;
	struct snapshot	*snap;
	struct conf	*nc;
	struct timespec	 t0;
	char		 err[sizeof(ld->err)];

	for (;;) {
		pthread_mutex_lock(&ld->mtx);
		while (!ld->go && !ld->quit)
			pthread_cond_wait(&ld->cv, &ld->mtx);
		if (ld->quit) {
			pthread_mutex_unlock(&ld->mtx);
			break;
		}
		ld->go = 0;
		pthread_mutex_unlock(&ld->mtx);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err[0] = '\0';
		snap = NULL;
		if ((nc = conf_load(ld->path, err, sizeof(err))) != NULL &&
		    (snap = reload_build(nc, err, sizeof(err))) == NULL) {
			conf_free(nc);
			nc = NULL;
		}

		pthread_mutex_lock(&ld->mtx);
		ld->conf = nc;
		ld->snap = snap;
		memcpy(ld->err, err, sizeof(err));
		ld->ms = reload_ms_since(&t0);
		ld->done = 1;
		pthread_mutex_unlock(&ld->mtx);
		loader_wake(ld);
	}
	return NULL;
}

void
loader_request(struct loader *ld, const char *why)
{
	if (ld->busy || ld->acks > 0) {
		if (!ld->again)
			log_info("%s: reloading after the load in progress",
			    why);
		ld->again = 1;
		return;
	}
	ld->busy = 1;
	/* This load reads everything afresh: it answers any earlier ask. */
	ld->again = 0;
	evtimer_del(ld->delay);
	clock_gettime(CLOCK_MONOTONIC, &ld->last_start);
	log_info("%s: reloading %s", why, ld->path);
	notify_reloading();
	pthread_mutex_lock(&ld->mtx);
	ld->seq++;
	ld->want = 0;
	ld->go = 1;
	pthread_cond_signal(&ld->cv);
	pthread_mutex_unlock(&ld->mtx);
}

/* The held-back asked load: its time has come. */
static void
loader_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loader	*ld = arg;

	(void)fd;
	(void)what;
	if (!atomic_load(ld->hooks.stopping))
		loader_request(ld, ld->delay_why);
}

/* A load a client asked for: now, or once min_interval has passed. */
static void
loader_request_asked(struct loader *ld, const char *why)
{
	struct timeval	 tv;
	long		 wait = 0;

	if (evtimer_pending(ld->delay, NULL))
		return;		/* that load will answer this ask too */
	if (ld->last_start.tv_sec != 0 || ld->last_start.tv_nsec != 0)
		wait = (long)ld->min_interval -
		    reload_ms_since(&ld->last_start);
	if (wait <= 0) {
		loader_request(ld, why);
		return;
	}
	snprintf(ld->delay_why, sizeof(ld->delay_why), "%s", why);
	log_info("%s: reloading in %ld ms (reload_min_interval)", why, wait);
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(ld->delay, &tv);
}

void
loader_set_min_interval(struct loader *ld, unsigned long ms)
{
	ld->min_interval = ms;
}

/* Start the coalesced load once nothing is in flight any more. */
static void
loader_again(struct loader *ld)
{
	if (ld->again && !ld->busy && ld->acks == 0 &&
	    !atomic_load(ld->hooks.stopping)) {
		ld->again = 0;
		loader_request(ld, "coalesced requests");
	}
}

/* The loader finished: publish or keep, then hand it to the owner. */
static void
loader_finish(struct loader *ld, uint64_t seq, struct conf *nc,
    struct snapshot *snap, char *err, size_t errlen, long ms)
{
	struct reload_result r;
	char		 status[RELOAD_STATUS_MAX];

	ld->busy = 0;
	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.ok = snap != NULL;
	r.ms = ms;
	if (r.ok) {
		reload_publish_snapshot(snap, "reload", ms, status,
		    sizeof(status));
		r.conf = nc;
		r.status = status;
		r.generation = reload_generation();
	} else {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		r.err = err;
		r.generation = reload_generation();
		log_warnx("reload failed after %ld ms, still serving "
		    "generation %llu: %s", ms,
		    (unsigned long long)r.generation, err);
		reload_trim();
	}
	ld->acks += ld->hooks.finished(ld->hooks.arg, &r);
	loader_again(ld);
}

/*
 * The main loop's wakeup: the loader finished, another thread asked
 * for a load, or a worker acknowledged one.
 */
static void
loader_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loader	*ld = arg;
	struct snapshot	*snap = NULL;
	struct conf	*nc = NULL;
	char		 buf[64], err[sizeof(ld->err)], why[sizeof(ld->why)];
	uint64_t	 seq = 0;
	long		 ms = 0;
	size_t		 acked;
	int		 done, want;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&ld->mtx);
	done = ld->done;
	if (done) {
		ld->done = 0;
		nc = ld->conf;
		snap = ld->snap;
		ld->conf = NULL;
		ld->snap = NULL;
		memcpy(err, ld->err, sizeof(err));
		ms = ld->ms;
		seq = ld->seq;
	}
	want = ld->want;
	ld->want = 0;
	memcpy(why, ld->why, sizeof(why));
	acked = ld->acked;
	ld->acked = 0;
	pthread_mutex_unlock(&ld->mtx);

	/* A request made while the load ran comes first: it is older. */
	if (want && !atomic_load(ld->hooks.stopping))
		loader_request_asked(ld, why);
	if (done)
		loader_finish(ld, seq, nc, snap, err, sizeof(err), ms);
	if (acked > 0) {
		ld->acks -= acked <= ld->acks ? acked : ld->acks;
		loader_again(ld);
	}
}

int
loader_ask(struct loader *ld, const char *why, uint64_t *seq, char *err,
    size_t errlen)
{
	if (ld == NULL || atomic_load(ld->hooks.stopping)) {
		snprintf(err, errlen, "the server is shutting down");
		return -1;
	}
	pthread_mutex_lock(&ld->mtx);
	*seq = ld->seq + 1;
	if (!ld->want) {
		ld->want = 1;
		snprintf(ld->why, sizeof(ld->why), "%s", why);
	}
	pthread_mutex_unlock(&ld->mtx);
	loader_wake(ld);
	return 0;
}

void
loader_acked(struct loader *ld)
{
	pthread_mutex_lock(&ld->mtx);
	ld->acked++;
	pthread_mutex_unlock(&ld->mtx);
	loader_wake(ld);
}

struct loader *
loader_start(struct event_base *base, const char *path,
    const struct loader_hooks *hooks)
{
	struct loader	*ld;
	sigset_t	 all, old;
	int		 e;

	if ((ld = calloc(1, sizeof(*ld))) == NULL) {
		log_warn("loader");
		return NULL;
	}
	ld->hooks = *hooks;
	ld->pipe[0] = ld->pipe[1] = -1;
	pthread_mutex_init(&ld->mtx, NULL);
	pthread_cond_init(&ld->cv, NULL);
	if ((ld->path = strdup(path)) == NULL) {
		log_warn("loader");
		goto fail;
	}
	if (pipe2(ld->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		ld->pipe[0] = ld->pipe[1] = -1;
		log_warn("pipe");
		goto fail;
	}
	ld->ev = event_new(base, ld->pipe[0], EV_READ | EV_PERSIST,
	    loader_wake_cb, ld);
	ld->delay = evtimer_new(base, loader_delay_cb, ld);
	if (ld->ev == NULL || ld->delay == NULL ||
	    event_add(ld->ev, NULL) == -1) {
		log_warnx("cannot watch the loader pipe");
		goto fail;
	}
	/* Signals are the main loop's: the loader must not take them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&ld->thread, NULL, loader_main, ld);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("loader thread");
		goto fail;
	}
	ld->started = 1;
	return ld;
fail:
	loader_stop(ld);
	return NULL;
}

void
loader_stop(struct loader *ld)
{
	struct timespec	 deadline;

	if (ld == NULL)
		return;
	if (ld->started) {
		pthread_mutex_lock(&ld->mtx);
		ld->quit = 1;
		pthread_cond_signal(&ld->cv);
		pthread_mutex_unlock(&ld->mtx);
		/*
		 * A load stuck in read() (a hung NFS mount, a FIFO) must not
		 * hold shutdown hostage: wait a while, then leave the thread
		 * and what it uses to exit(), which ends it.
		 */
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += RELOAD_STOP_WAIT_S;
		if (pthread_timedjoin_np(ld->thread, NULL, &deadline) != 0) {
			log_warnx("exiting with a load still running (reading "
			    "%s)", ld->path);
			return;
		}
	}
	snapshot_release(ld->snap);
	conf_free(ld->conf);
	free(ld->path);
	if (ld->ev != NULL)
		event_free(ld->ev);
	if (ld->delay != NULL)
		event_free(ld->delay);
	if (ld->pipe[0] != -1)
		close(ld->pipe[0]);
	if (ld->pipe[1] != -1)
		close(ld->pipe[1]);
	pthread_cond_destroy(&ld->cv);
	pthread_mutex_destroy(&ld->mtx);
	free(ld);
}
