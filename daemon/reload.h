/*
 * reload.h: building and publishing snapshots.  The first load runs on
 * the caller's thread (reload_publish); reloads run on one long-lived
 * loader thread (struct loader), so the workers keep answering while a
 * reload parses.  Requests made while a load runs coalesce into exactly
 * one more load.  A finished load comes back to its owner (server.c) on
 * the main thread through a hook, already published when it worked;
 * the owner takes its configuration and tells the workers.
 */
#ifndef HCPCSD_RELOAD_H
#define HCPCSD_RELOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct event_base;
struct loader;

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
	int		 ok;		/* published */
	struct conf	*conf;		/* ok: what it loaded; the hook owns it */
	uint64_t	 generation;	/* serving now (unchanged when !ok) */
	const char	*status;	/* ok: reload_publish's status line */
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
 * Main thread: start a load now, or one more after the one in flight.
 * why says who asks, for the log line.
 */
void	 loader_request(struct loader *, const char *why);

/*
 * Any thread: ask the main thread for a load (why: who asks).  *seq is
 * set to the number of the load that will answer: the next one to
 * start, so it reads what the asker changed before asking.  Returns 0,
 * or -1 with err filled when the loader is gone or shutting down.
 */
int	 loader_ask(struct loader *, const char *why, uint64_t *seq,
	    char *err, size_t errlen);

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
 * current load ends (waiting a bounded time for it) and free it.  NULL
 * is fine.
 */
void	 loader_stop(struct loader *);

#endif /* HCPCSD_RELOAD_H */
