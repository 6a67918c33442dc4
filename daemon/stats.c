/*
 * stats.c: the counters info sums, the reload record and the start
 * time.  Storage only: what is counted, and when, is the business of
 * the files that count (rpc.c, worker.c, server.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "stats.h"

/*
 * The main thread's set and every registered one.  The list is only
 * changed before the workers start and after they are joined, so the
 * threads that sum it read it unlocked.
 */
static struct stats_counters	 stats_main_set;
static struct stats_counters	*stats_sets[STATS_MAX] = { &stats_main_set };
static size_t			 stats_nsets = 1;

/* Written on a reload (main thread), read by info: under the lock. */
static pthread_mutex_t		 stats_reload_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct stats_reloads	 stats_last_reload = { .ok = 1 };

static time_t			 stats_started;

/* Every worker's clients' queued output: read-modify-write, shared. */
static _Atomic int64_t		 stats_out_queued;

struct stats_counters *
stats_main(void)
{
	return &stats_main_set;
}

int
stats_register(struct stats_counters *c)
{
	if (stats_nsets >= STATS_MAX)
		return -1;
	stats_sets[stats_nsets++] = c;
	return 0;
}

void
stats_unregister(struct stats_counters *c)
{
	size_t	i;

	/* The main set (index 0) stays. */
	for (i = 1; i < stats_nsets; i++) {
		if (stats_sets[i] == c) {
			stats_sets[i] = stats_sets[--stats_nsets];
			stats_sets[stats_nsets] = NULL;
			return;
		}
	}
}

/* Relaxed: a moment's view, each counter on its own. */
uint64_t
stats_sum(size_t off)
{
	const _Atomic uint64_t *v;
	uint64_t	 sum = 0;
	size_t		 i;

	for (i = 0; i < stats_nsets; i++) {
		v = (const _Atomic uint64_t *)(const void *)
		    ((const char *)stats_sets[i] + off);
		sum += atomic_load_explicit(v, memory_order_relaxed);
	}
	return sum;
}

void
stats_output_add(int64_t delta)
{
	atomic_fetch_add_explicit(&stats_out_queued, delta,
	    memory_order_relaxed);
}

uint64_t
stats_output_queued(void)
{
	int64_t	v = atomic_load_explicit(&stats_out_queued,
		    memory_order_relaxed);

	return v > 0 ? (uint64_t)v : 0;
}

void
stats_note_reload(int ok, time_t at, const char *err, long duration_ms)
{
	pthread_mutex_lock(&stats_reload_mtx);
	stats_last_reload.ok = ok;
	stats_last_reload.at = at;
	stats_last_reload.count++;
	if (!ok)
		stats_last_reload.failed++;
	stats_last_reload.duration_ms = duration_ms > 0 ?
	    (uint64_t)duration_ms : 0;
	snprintf(stats_last_reload.error, sizeof(stats_last_reload.error),
	    "%s", err != NULL ? err : "");
	pthread_mutex_unlock(&stats_reload_mtx);
}

void
stats_note_timed_out(void)
{
	pthread_mutex_lock(&stats_reload_mtx);
	stats_last_reload.timed_out++;
	pthread_mutex_unlock(&stats_reload_mtx);
}

void
stats_note_loading(time_t since, int dry_run)
{
	pthread_mutex_lock(&stats_reload_mtx);
	stats_last_reload.loading_since = since;
	stats_last_reload.loading_dry = since != 0 && dry_run;
	pthread_mutex_unlock(&stats_reload_mtx);
}

void
stats_reloads(struct stats_reloads *out)
{
	pthread_mutex_lock(&stats_reload_mtx);
	*out = stats_last_reload;
	pthread_mutex_unlock(&stats_reload_mtx);
}

void
stats_init(time_t started_at)
{
	stats_started = started_at;
}

time_t
stats_started_at(void)
{
	return stats_started;
}
