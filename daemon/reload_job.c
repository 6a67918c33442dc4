/*
 * reload_job.c: struct loader_job, a loader thread and its one job.
 * It owns the thread's body (loader_main: wait for a go, load, hand the
 * result back or, abandoned, free it), the load itself (loader_load:
 * conf_load + build_snapshot, and a dry run's preview against what is
 * served), and a job's life: made with its thread (loader_job_new),
 * freed (loader_job_free), and once abandoned by the watchdog, joined
 * and freed when it ends (loader_reap, on the main thread).
 *
 * The thread touches nothing but its job, the files it reads and the
 * wake pipe it was given: no logging, counting or publishing; that is
 * reload.c's, on the main thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "conf.h"
#include "log.h"
#include "record.h"
#include "reload_int.h"
#include "snapshot.h"

long
reload_ms_since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * A dry run's comparison: today and the releases to come, in what is
 * served and in what would be.  NULL when out of memory.
 */
static struct snapshot_preview *
reload_preview(const struct snapshot *prev, const struct snapshot *s)
{
	struct snapshot_codes	 a = { NULL, 0 }, b = { NULL, 0 };
	struct snapshot_preview	*p;
	uint32_t		 today = record_today();

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((prev != NULL && snapshot_codes_of(prev, today, &a) == -1) ||
	    snapshot_codes_of(s, today, &b) == -1 ||
	    snapshot_preview(&a, &b, today, p) == -1) {
		free(p);
		p = NULL;
	}
	snapshot_codes_free(&a);
	snapshot_codes_free(&b);
	return p;
}

static void
reload_preview_free(struct snapshot_preview *p)
{
	if (p == NULL)
		return;
	snapshot_preview_free(p);
	free(p);
}

/* Wake the main loop, unless it has closed the pipe; under j->mtx. */
static void
loader_wake_locked(struct loader_job *j)
{
	char	b = 0;

	if (j->nowake)
		return;
	while (write(j->wakefd, &b, 1) == -1 && errno == EINTR)
		;
	/* EAGAIN: the pipe already holds a wakeup; that will do. */
}

/*
 * One load: the config read afresh, every release loaded and checked
 * against what is served (the reference keeps it alive meanwhile).  A
 * dry run keeps only the comparison.
 */
static void
loader_load(struct loader_job *j, int dry, struct conf **ncp,
    struct snapshot **snapp, struct snapshot_preview **pp, char *err,
    size_t errlen)
{
	struct snapshot	*prev, *snap;
	struct conf	*nc;

	*ncp = NULL;
	*snapp = NULL;
	*pp = NULL;
	if ((nc = conf_load(j->path, err, errlen)) == NULL)
		return;
	prev = snapshot_acquire();
	snap = build_snapshot(nc, prev, err, errlen);
	if (snap != NULL && dry) {
		if ((*pp = reload_preview(prev, snap)) == NULL)
			snprintf(err, errlen, "out of memory");
		snapshot_release(snap);
		snap = NULL;
		conf_free(nc);
		nc = NULL;
	}
	snapshot_release(prev);
	if (snap == NULL) {
		conf_free(nc);
		nc = NULL;
	}
	*ncp = nc;
	*snapp = snap;
}

/*
 * A loader thread: waits for a job, loads, hands the result back, or,
 * abandoned meanwhile, frees it and ends.  It touches nothing but its
 * job and the files; all logging, counting and publishing is left to
 * the main thread.
 */
static void *
loader_main(void *arg)
{
	struct loader_job *j = arg;
	struct snapshot_preview *pv;
	struct snapshot	*snap;
	struct conf	*nc;
	struct timespec	 t0;
	char		 err[sizeof(j->err)];
	int		 dry, abandoned, orphan;

	for (;;) {
		pthread_mutex_lock(&j->mtx);
		while (!j->go && !j->quit)
			pthread_cond_wait(&j->cv, &j->mtx);
		if (j->quit) {
			pthread_mutex_unlock(&j->mtx);
			break;
		}
		j->go = 0;
		dry = j->go_dry;
		pthread_mutex_unlock(&j->mtx);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err[0] = '\0';
		loader_load(j, dry, &nc, &snap, &pv, err, sizeof(err));

		pthread_mutex_lock(&j->mtx);
		if (!(abandoned = j->abandoned)) {
			j->conf = nc;
			j->snap = snap;
			j->preview = pv;
			memcpy(j->err, err, sizeof(err));
			j->ms = reload_ms_since(&t0);
			j->done = 1;
			loader_wake_locked(j);
		}
		pthread_mutex_unlock(&j->mtx);
		if (!abandoned)
			continue;
		/* Too late: the main thread reported it failed. */
		snapshot_release(snap);
		conf_free(nc);
		reload_preview_free(pv);
		pthread_mutex_lock(&j->mtx);
		j->ms = reload_ms_since(&t0);
		j->exited = 1;
		loader_wake_locked(j);
		orphan = j->nowake;
		pthread_mutex_unlock(&j->mtx);
		/* The loader is gone (shutdown): nobody else will free it. */
		if (orphan)
			loader_job_free(j);
		break;
	}
	return NULL;
}

void
loader_job_free(struct loader_job *j)
{
	if (j == NULL)
		return;
	snapshot_release(j->snap);
	conf_free(j->conf);
	reload_preview_free(j->preview);
	free(j->path);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mtx);
	free(j);
}

/* A thread for loads, with every signal blocked; NULL after logging. */
struct loader_job *
loader_job_new(const char *path, int wakefd)
{
	struct loader_job *j;
	sigset_t	 all, old;
	int		 e;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->path = strdup(path)) == NULL) {
		log_warn("loader");
		free(j);
		return NULL;
	}
	j->wakefd = wakefd;
	pthread_mutex_init(&j->mtx, NULL);
	pthread_cond_init(&j->cv, NULL);
	/* Signals are the main loop's: the loader must not take them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&j->thread, NULL, loader_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		errno = e;
		log_warn("loader thread");
		loader_job_free(j);
		return NULL;
	}
	return j;
}

/* Join and free the abandoned loads that have ended since. */
void
loader_reap(struct loader_job **dead, size_t *ndead)
{
	struct loader_job **pj = dead, *j;
	long		 ms;
	int		 exited;

	while ((j = *pj) != NULL) {
		pthread_mutex_lock(&j->mtx);
		exited = j->exited;
		ms = j->ms;
		pthread_mutex_unlock(&j->mtx);
		if (!exited) {
			pj = &j->next;
			continue;
		}
		*pj = j->next;
		(*ndead)--;
		pthread_join(j->thread, NULL);
		log_info("the abandoned %s %llu ended after %ld ms; its "
		    "result was discarded", j->dry ? "dry run" : "load",
		    (unsigned long long)j->seq, ms);
		loader_job_free(j);
	}
}
