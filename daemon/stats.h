/*
 * stats.h: the daemon's bookkeeping for info (docs/protocol.md): the
 * request and connection counters of each thread, the list of counter
 * sets info sums, the record of the reloads and the start time.  Only
 * storage: rpc.c, worker.c and server.c count into it, rpc_info.c
 * reads it; nothing here knows requests, clients or the loader.
 */
#ifndef HCPCSD_STATS_H
#define HCPCSD_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STATS_METHODS_MAX	16	/* requests[]: per method */
#define STATS_ERRORS_MAX	8	/* errors[]: per error code */
#define STATS_MAX		80	/* registered counter sets */

/*
 * The counters of one thread's requests and connections.  Each set is
 * written by the one thread that owns it (STATS_COUNT: a relaxed load
 * and store, no lock, no read-modify-write) and read, summed over every
 * registered set, with relaxed loads (stats_sum).
 */
struct stats_counters {
	_Atomic uint64_t requests[STATS_METHODS_MAX];
	_Atomic uint64_t unknown_method;
	_Atomic uint64_t notifications;
	_Atomic uint64_t errors[STATS_ERRORS_MAX];
	_Atomic uint64_t conns_current;	/* may wrap in one; sums right */
	_Atomic uint64_t conns_total;
	_Atomic uint64_t conns_rejected;	/* over max_clients */
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t bytes_out;
	/* The limits (docs/hcpcsd.yaml.5), each where it acted. */
	_Atomic uint64_t rejected_busy;	/* max_clients or per uid */
	_Atomic uint64_t rejected_per_uid;	/* of those: per uid */
	_Atomic uint64_t closed_idle;
	_Atomic uint64_t closed_request_timeout;
	_Atomic uint64_t closed_output_timeout;
	_Atomic uint64_t closed_gone;	/* peer gone: backlog dropped */
	_Atomic uint64_t refused_too_large;	/* reply over output_limit */
	_Atomic uint64_t output_waits;	/* held by max_output_bytes */
	_Atomic uint64_t yields;	/* turns cut: max_requests_per_turn */
};

#define STATS_COUNT(c, n)						\
	atomic_store_explicit(&(c), atomic_load_explicit(&(c),		\
	    memory_order_relaxed) + (uint64_t)(n), memory_order_relaxed)

/*
 * The main thread's set, always registered: the daemon's main thread
 * counts accepted and rejected clients in it; requests run outside a
 * worker (tests, fuzzing) count there too.
 */
struct stats_counters *stats_main(void);

/*
 * Count a set in stats_sum.  Only before the threads that write the
 * set start, and after they end: the list is read unlocked.  -1: too
 * many (STATS_MAX).
 */
int		 stats_register(struct stats_counters *);
void		 stats_unregister(struct stats_counters *);

/* One counter (its offset in the struct) summed over every set. */
uint64_t	 stats_sum(size_t off);
#define STATS_SUM(field) stats_sum(offsetof(struct stats_counters, field))

/*
 * The bytes of replies queued for every client together (a gauge, not
 * a per-thread counter): workers add and take away what each of their
 * clients holds, and hold back reading while it is over
 * max_output_bytes.  Any thread.
 */
void		 stats_output_add(int64_t delta);
uint64_t	 stats_output_queued(void);

/* What info.last_reload and info.stats.reloads show. */
struct stats_reloads {
	int		 ok;		/* of the last one */
	time_t		 at;		/* 0: never reloaded */
	char		 error[512];	/* !ok: why */
	uint64_t	 count;		/* reloads finished, failed included */
	uint64_t	 failed;
	uint64_t	 timed_out;	/* of failed: abandoned by the watchdog */
	uint64_t	 duration_ms;	/* of the last one */
	time_t		 loading_since;	/* a load is running; 0: none */
	int		 loading_dry;	/* it is a dry run */
};

/*
 * Record a reload's outcome (err NULL when ok; duration_ms: how long
 * the load took).  Any thread; under a lock, as stats_reloads reads.
 */
void		 stats_note_reload(int ok, time_t at, const char *err,
		    long duration_ms);
void		 stats_reloads(struct stats_reloads *);
/* One of the failed reloads was a timeout (before its note above). */
void		 stats_note_timed_out(void);
/* A load (dry_run: a dry run) started at since; since 0: it ended. */
void		 stats_note_loading(time_t since, int dry_run);

/* The daemon's start time (info.started_at): set once, before serving. */
void		 stats_init(time_t started_at);
time_t		 stats_started_at(void);

#endif /* HCPCSD_STATS_H */
