/*
 * reload.h: building and publishing snapshots.  The first load runs on
 * the caller's thread (reload_publish); reloads run on one long-lived
 * loader thread (struct loader), so the workers keep answering while a
 * reload parses.  Requests made while a load runs coalesce into exactly
 * one more load.  A finished load comes back to its owner (server.c) on
 * the main thread through a hook, already published when it worked;
 * the owner takes its configuration and tells the workers.
 *
 * A dry run is a load that publishes nothing: it builds and checks the
 * snapshot, compares it with the one served (struct snapshot_preview)
 * and drops it.  Dry runs and reloads queue and coalesce apart.
 *
 * The watchdog: a load that runs past the timeout is abandoned.  A
 * thread stuck in a read cannot be killed safely, so the main thread
 * stops waiting for it: the load is reported failed ("reload timed
 * out after N s") and the thread is left to finish in the background,
 * where it frees what it built and publishes nothing; later loads run
 * on a fresh thread.
 */
#ifndef HCPCSD_RELOAD_H
#define HCPCSD_RELOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct event_base;
struct loader;
struct snapshot_preview;

#define RELOAD_STATUS_MAX	1024	/* a status line, with its NUL */

/*
 * Build a snapshot from conf and publish it, logging one line (why,
 * generation, per-set counts, milliseconds); status gets that line
 * without why and the time ("generation N: set P procedures M
 * modifiers, ...").  Returns 0, or -1 with err filled and nothing
 * logged: the caller decides.
 */
int	 reload_publish(const struct conf *, const char *why, char *status,
	    size_t statuslen, char *err, size_t errlen);

/* How a load ended, for its owner's finished hook. */
struct reload_result {
	uint64_t	 seq;		/* the load's number: 1, 2, ... */
	int		 dry_run;	/* checked and compared, never published */
	int		 ok;		/* published (dry run: it would be) */
	int		 timed_out;	/* abandoned by the watchdog */
	struct conf	*conf;		/* ok, !dry_run: the hook owns it */
	struct snapshot_preview *preview; /* ok, dry_run: the hook owns it */
	uint64_t	 generation;	/* serving now (unchanged when !ok) */
	const char	*status;	/* ok, !dry_run: the status line */
	const char	*err;		/* !ok: why */
	long		 ms;		/* how long it took */
};

/* What the owner hands the loader at start; read-only afterwards. */
struct loader_hooks {
	/*
	 * Main thread: a load ended and was published when r->ok.  Returns
	 * how many workers were told: no load starts until that many
	 * loader_acked calls came, so each can first answer the clients
	 * waiting for this load and read what they pipelined after.
	 */
	size_t		(*finished)(void *arg, const struct reload_result *r);
	void		*arg;
	/* Set by the owner when shutting down: no more loads start. */
	const atomic_int *stopping;
};

/*
 * Start the loader thread (with every signal blocked) and watch its
 * pipe on base, the main thread's.  path is the configuration to load
 * (copied).  Returns the loader, or NULL after logging why.
 */
struct loader	*loader_start(struct event_base *, const char *path,
		    const struct loader_hooks *);

/*
 * Main thread: loads started from now on are abandoned after seconds
 * (0: never).  The first load, at startup, has no watchdog.
 */
void	 loader_set_timeout(struct loader *, unsigned seconds);

/*
 * Main thread: start a load (dry_run: a dry run) now, or one more of
 * its kind after the one in flight.  why says who asks, for the log.
 */
void	 loader_request(struct loader *, const char *why, int dry_run);

/*
 * Any thread: ask the main thread for a load (why: who asks; dry_run:
 * a dry run).  *seq is set to the number of the next load to start:
 * the first load of that kind numbered *seq or more answers, so it
 * reads what the asker changed before asking.  Returns 0, or -1 with
 * err filled when the loader is gone or shutting down.
 */
int	 loader_ask(struct loader *, const char *why, int dry_run,
	    uint64_t *seq, char *err, size_t errlen);

/*
 * Main thread: a load asked by loader_ask starts at least ms after the
 * previous load started; asks within that time wait for it and are
 * answered by that one load.  0: at once.  loader_request is never
 * held back.
 */
void	 loader_set_min_interval(struct loader *, unsigned long ms);

/* Any thread: one of the workers the finished hook told is done. */
void	 loader_acked(struct loader *);

/*
 * Main thread, after the workers ended: stop the loader once its
 * current load ends (waiting a bounded time for it) and free it; an
 * abandoned load still running is left to exit().  NULL is fine.
 */
void	 loader_stop(struct loader *);

#endif /* HCPCSD_RELOAD_H */
