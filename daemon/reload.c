/*
 * reload.c: snapshots built and published, the first on the caller's
 * thread, reloads on a loader thread (reload_job.c).  This file owns
 * struct loader, the main thread's side: asking for loads, coalescing
 * them, holding asked ones back for reload_min_interval, the watchdog,
 * and finishing a load: publishing it, the status line and the one log
 * line (with the quirks the gate let through).
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
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "build.h"
#include "load.h"
#include "log.h"
#include "notify.h"
#include "record.h"
#include "reload.h"
#include "reload_int.h"
#include "snapshot.h"
#include "stats.h"

#define RELOAD_STOP_WAIT_S	2	/* for a load at shutdown, seconds */
#define LOADER_DEAD_MAX		4	/* abandoned loads still running */

/*
 * The loader: the current job's thread (none after one was abandoned,
 * until the next load) and what other threads ask under mtx.
 */
struct loader {
	/* Set by loader_start; read-only after. */
	char		*path;
	struct loader_hooks hooks;
	int		 pipe[2];	/* any thread writes [1]: wake main */

	/* The main thread's. */
	struct event_base *base;
	struct event	*ev;		/* on pipe[0] */
	struct event	*timer;		/* the watchdog */
	unsigned	 timeout;	/* seconds; 0: none */
	struct loader_job *job;		/* the thread loads run on */
	struct loader_job *dead;	/* abandoned, still running */
	size_t		 ndead;
	int		 busy;		/* a load is in flight */
	int		 again[2];	/* one more load of [dry_run] after it */
	size_t		 acks;		/* workers told, not yet acked */
	unsigned long	 min_interval;	/* ms between asked loads */
	struct timespec	 last_start;	/* of the last load; 0: none yet */
	struct event	*delay;		/* an asked load held back */
	char		 delay_why[64];

	/* Under mtx: what other threads ask. */
	pthread_mutex_t	 mtx;
	uint64_t	 seq;		/* loads started */
	int		 want[2];	/* any thread: a load of [dry_run] */
	char		 why[2][64];	/* who wants it */
	size_t		 acked;		/* loader_acked calls not counted */
};

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

void
loader_set_timeout(struct loader *ld, unsigned seconds)
{
	ld->timeout = seconds;
}

static void	loader_finish(struct loader *, uint64_t, int, struct conf *,
		    struct snapshot *, struct snapshot_preview *, char *,
		    size_t, long, int);

void
loader_request(struct loader *ld, const char *why, int dry_run)
{
	struct timeval	 tv = { (time_t)ld->timeout, 0 };
	char		 err[256];
	uint64_t	 seq;

	dry_run = dry_run != 0;
	if (ld->busy || ld->acks > 0) {
		if (!ld->again[dry_run])
			log_info("%s: %s after the load in progress", why,
			    dry_run ? "dry run" : "reloading");
		ld->again[dry_run] = 1;
		return;
	}
	ld->busy = 1;
	/* This load reads everything afresh: it answers any earlier ask. */
	ld->again[dry_run] = 0;
	if (!dry_run) {
		/* It answers a held-back ask too; the interval starts now. */
		evtimer_del(ld->delay);
		clock_gettime(CLOCK_MONOTONIC, &ld->last_start);
	}
	pthread_mutex_lock(&ld->mtx);
	seq = ++ld->seq;
	ld->want[dry_run] = 0;
	pthread_mutex_unlock(&ld->mtx);
	loader_reap(&ld->dead, &ld->ndead);
	err[0] = '\0';
	if (ld->job == NULL && ld->ndead >= LOADER_DEAD_MAX)
		snprintf(err, sizeof(err), "%zu abandoned loads are still "
		    "running (reading %s): not starting another", ld->ndead,
		    ld->path);
	else if (ld->job == NULL &&
	    (ld->job = loader_job_new(ld->path, ld->pipe[1])) == NULL)
		snprintf(err, sizeof(err), "cannot start a loader thread");
	if (err[0] != '\0') {
		loader_finish(ld, seq, dry_run, NULL, NULL, NULL, err,
		    sizeof(err), 0, 0);
		return;
	}
	log_info("%s: %s %s", why, dry_run ? "dry run of" : "reloading",
	    ld->path);
	if (!dry_run)
		notify_reloading();
	ld->job->seq = seq;
	ld->job->dry = dry_run;
	clock_gettime(CLOCK_MONOTONIC, &ld->job->t0);
	stats_note_loading(time(NULL), dry_run);
	pthread_mutex_lock(&ld->job->mtx);
	ld->job->go = 1;
	ld->job->go_dry = dry_run;
	pthread_cond_signal(&ld->job->cv);
	pthread_mutex_unlock(&ld->job->mtx);
	if (ld->timeout > 0)
		evtimer_add(ld->timer, &tv);
}

/* The held-back asked load: its time has come. */
static void
loader_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loader	*ld = arg;

	(void)fd;
	(void)what;
	if (!atomic_load(ld->hooks.stopping))
		loader_request(ld, ld->delay_why, 0);
}

/*
 * A load a client asked for: now, or once min_interval has passed since
 * the last real load started.  A dry run swaps nothing and is not held.
 */
static void
loader_request_asked(struct loader *ld, const char *why, int dry_run)
{
	struct timeval	 tv;
	long		 wait = 0;

	if (dry_run) {
		loader_request(ld, why, 1);
		return;
	}
	if (evtimer_pending(ld->delay, NULL))
		return;		/* that load will answer this ask too */
	if (ld->last_start.tv_sec != 0 || ld->last_start.tv_nsec != 0)
		wait = (long)ld->min_interval -
		    reload_ms_since(&ld->last_start);
	if (wait <= 0) {
		loader_request(ld, why, 0);
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

/* Start a coalesced load once nothing is in flight any more. */
static void
loader_again(struct loader *ld)
{
	int	dry;

	if (ld->busy || ld->acks > 0 || atomic_load(ld->hooks.stopping))
		return;
	/* Reloads first: a dry run after them compares with their result. */
	for (dry = 0; dry < 2; dry++) {
		if (ld->again[dry]) {
			ld->again[dry] = 0;
			loader_request(ld, "coalesced requests", dry);
			return;
		}
	}
}

/*
 * A load ended (or was abandoned): publish or keep, then hand it to the
 * owner.  A dry run publishes nothing.
 */
static void
loader_finish(struct loader *ld, uint64_t seq, int dry, struct conf *nc,
    struct snapshot *snap, struct snapshot_preview *pv, char *err,
    size_t errlen, long ms, int timed_out)
{
	struct reload_result r;
	char		 status[RELOAD_STATUS_MAX];

	ld->busy = 0;
	evtimer_del(ld->timer);
	stats_note_loading(0, 0);
	memset(&r, 0, sizeof(r));
	r.seq = seq;
	r.dry_run = dry;
	r.timed_out = timed_out;
	r.ok = dry ? pv != NULL : snap != NULL;
	r.ms = ms;
	if (!r.ok && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (r.ok && !dry) {
		reload_publish_snapshot(snap, "reload", ms, status,
		    sizeof(status));
		r.conf = nc;
		r.status = status;
	} else if (r.ok) {
		r.preview = pv;
		log_info("dry run: %s would load, %ld ms", ld->path, ms);
	} else {
		r.err = err;
		log_warnx("%s failed after %ld ms, still serving generation "
		    "%llu: %s%s", dry ? "dry run" : "reload", ms,
		    (unsigned long long)reload_generation(), err,
		    timed_out ? " (the load goes on in the background; "
		    "its result will be discarded)" : "");
		reload_trim();
	}
	r.generation = reload_generation();
	ld->acks += ld->hooks.finished(ld->hooks.arg, &r);
	loader_again(ld);
}

/*
 * The watchdog: the load runs past the timeout.  It cannot be stopped,
 * so it is abandoned: reported failed now, left to end on its thread,
 * which frees what it built; the next load gets a new thread.
 */
static void
loader_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loader	*ld = arg;
	struct loader_job *j = ld->job;
	char		 err[128];
	int		 done;

	(void)fd;
	(void)what;
	if (!ld->busy || j == NULL)
		return;
	pthread_mutex_lock(&j->mtx);
	if (!(done = j->done))
		j->abandoned = 1;
	pthread_mutex_unlock(&j->mtx);
	if (done)
		return;		/* just in time: its wakeup is on the way */
	ld->job = NULL;
	j->next = ld->dead;
	ld->dead = j;
	ld->ndead++;
	stats_note_timed_out();
	snprintf(err, sizeof(err), "reload timed out after %u s",
	    ld->timeout);
	loader_finish(ld, j->seq, j->dry, NULL, NULL, NULL, err, sizeof(err),
	    reload_ms_since(&j->t0), 1);
}

/*
 * The main loop's wakeup: the loader finished, another thread asked
 * for a load, a worker acknowledged one, or an abandoned load ended.
 */
static void
loader_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loader	*ld = arg;
	struct loader_job *j = ld->job;
	struct snapshot_preview *pv = NULL;
	struct snapshot	*snap = NULL;
	struct conf	*nc = NULL;
	char		 buf[64], err[sizeof(j->err)], why[2][64];
	long		 ms = 0;
	size_t		 acked;
	int		 done = 0, want[2], k;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (j != NULL) {
		pthread_mutex_lock(&j->mtx);
		if ((done = j->done)) {
			j->done = 0;
			nc = j->conf;
			snap = j->snap;
			pv = j->preview;
			j->conf = NULL;
			j->snap = NULL;
			j->preview = NULL;
			memcpy(err, j->err, sizeof(err));
			ms = j->ms;
		}
		pthread_mutex_unlock(&j->mtx);
	}
	pthread_mutex_lock(&ld->mtx);
	for (k = 0; k < 2; k++) {
		want[k] = ld->want[k];
		ld->want[k] = 0;
		memcpy(why[k], ld->why[k], sizeof(why[k]));
	}
	acked = ld->acked;
	ld->acked = 0;
	pthread_mutex_unlock(&ld->mtx);

	loader_reap(&ld->dead, &ld->ndead);
	/* A request made while the load ran comes first: it is older. */
	for (k = 0; k < 2; k++)
		if (want[k] && !atomic_load(ld->hooks.stopping))
			loader_request_asked(ld, why[k], k);
	if (done)
		loader_finish(ld, j->seq, j->dry, nc, snap, pv, err,
		    sizeof(err), ms, 0);
	if (acked > 0) {
		ld->acks -= acked <= ld->acks ? acked : ld->acks;
		loader_again(ld);
	}
}

int
loader_ask(struct loader *ld, const char *why, int dry_run, uint64_t *seq,
    char *err, size_t errlen)
{
	char	b = 0;

	dry_run = dry_run != 0;
	if (ld == NULL || atomic_load(ld->hooks.stopping)) {
		snprintf(err, errlen, "the server is shutting down");
		return -1;
	}
	pthread_mutex_lock(&ld->mtx);
	*seq = ld->seq + 1;
	if (!ld->want[dry_run]) {
		ld->want[dry_run] = 1;
		snprintf(ld->why[dry_run], sizeof(ld->why[dry_run]), "%s",
		    why);
	}
	pthread_mutex_unlock(&ld->mtx);
	while (write(ld->pipe[1], &b, 1) == -1 && errno == EINTR)
		;
	return 0;
}

void
loader_acked(struct loader *ld)
{
	char	b = 0;

	pthread_mutex_lock(&ld->mtx);
	ld->acked++;
	pthread_mutex_unlock(&ld->mtx);
	while (write(ld->pipe[1], &b, 1) == -1 && errno == EINTR)
		;
}

struct loader *
loader_start(struct event_base *base, const char *path,
    const struct loader_hooks *hooks)
{
	struct loader	*ld;

	if ((ld = calloc(1, sizeof(*ld))) == NULL) {
		log_warn("loader");
		return NULL;
	}
	ld->hooks = *hooks;
	ld->base = base;
	ld->pipe[0] = ld->pipe[1] = -1;
	pthread_mutex_init(&ld->mtx, NULL);
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
	ld->timer = evtimer_new(base, loader_timeout_cb, ld);
	ld->delay = evtimer_new(base, loader_delay_cb, ld);
	if (ld->ev == NULL || ld->timer == NULL || ld->delay == NULL ||
	    event_add(ld->ev, NULL) == -1) {
		log_warnx("cannot watch the loader pipe");
		goto fail;
	}
	/* The first thread now: a daemon that cannot make one says so. */
	if ((ld->job = loader_job_new(ld->path, ld->pipe[1])) == NULL)
		goto fail;
	return ld;
fail:
	loader_stop(ld);
	return NULL;
}

/*
 * Join the current thread.  One whose load would not end is abandoned
 * instead: it frees what it builds, and no longer wakes the pipe.
 */
static void
loader_join(struct loader *ld)
{
	struct loader_job *j = ld->job;
	struct timespec	 deadline;

	if (j == NULL)
		return;
	ld->job = NULL;
	pthread_mutex_lock(&j->mtx);
	j->quit = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mtx);
	/*
	 * A load stuck in read() (a hung NFS mount, a FIFO) must not hold
	 * shutdown hostage: wait a while, then leave the thread and its
	 * job to exit(), which ends it.
	 */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RELOAD_STOP_WAIT_S;
	if (pthread_timedjoin_np(j->thread, NULL, &deadline) == 0) {
		loader_job_free(j);
		return;
	}
	log_warnx("exiting with a load still running (reading %s)",
	    ld->path);
	pthread_mutex_lock(&j->mtx);
	j->abandoned = 1;
	j->nowake = 1;
	pthread_mutex_unlock(&j->mtx);
}

void
loader_stop(struct loader *ld)
{
	struct loader_job *j, *next;

	if (ld == NULL)
		return;
	loader_join(ld);
	loader_reap(&ld->dead, &ld->ndead);
	/*
	 * Still stuck: no more wakeups, and exit() ends them.  Each job
	 * stays its thread's (freed by nobody); the loader goes now.
	 */
	for (j = ld->dead; j != NULL; j = next) {
		next = j->next;
		pthread_mutex_lock(&j->mtx);
		j->nowake = 1;
		pthread_mutex_unlock(&j->mtx);
		log_warnx("exiting with an abandoned load still running "
		    "(reading %s)", ld->path);
	}
	free(ld->path);
	if (ld->ev != NULL)
		event_free(ld->ev);
	if (ld->timer != NULL)
		event_free(ld->timer);
	if (ld->delay != NULL)
		event_free(ld->delay);
	if (ld->pipe[0] != -1)
		close(ld->pipe[0]);
	if (ld->pipe[1] != -1)
		close(ld->pipe[1]);
	pthread_mutex_destroy(&ld->mtx);
	free(ld);
}
