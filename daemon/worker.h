/*
 * worker.h: the worker threads and their clients.  Each worker has its
 * own event base, clients and counters and runs the request path: read
 * into the client's buffer, answer every complete request through
 * rpc.c, write the answers.  server.c makes the workers, hands each an
 * accepted client, tells them when a load ended and when to stop; what
 * they share with it is handed down in a struct worker_env.
 */
#ifndef HCPCSD_WORKER_H
#define HCPCSD_WORKER_H

#include <sys/socket.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "log.h"

struct worker;

/*
 * What every worker shares with server.c, which owns it and fills it
 * in before the first worker is made.  The workers never call
 * server.c by name: only through the functions here.
 */
struct worker_env {
	/* Stored by the main thread (at start, on reloads); read relaxed. */
	atomic_size_t	 output_limit;	/* one client's reply bytes */
	atomic_size_t	 max_output;	/* max_output_bytes: every client's */
	atomic_size_t	 max_request;	/* max_request_bytes */
	atomic_size_t	 per_turn;	/* max_requests_per_turn: cost units */
	/* Seconds; 0: off. */
	atomic_size_t	 output_timeout;
	atomic_size_t	 idle_timeout;
	atomic_size_t	 request_timeout;
	/* Clients: counted in before one is handed over, out on close. */
	atomic_size_t	 nconns;
	atomic_uint_fast64_t next_id;	/* the next client's id: from 1 */
	/* Who may connect and administer: new clients are judged by it. */
	struct access_live access;
	/*
	 * Called on worker threads.  reload: ask for a load (why: who
	 * asks; dry_run: a dry run); *seq is set to the load that will
	 * answer; 0, or -1 with err filled.  reloaded: a
	 * worker_tell_reloaded message is dealt with.  warnx: log a line
	 * a client can cause, rate-limited.  closed: a client handed over
	 * with these credentials is gone (after nconns is uncounted).
	 */
	int		(*reload)(const char *why, int dry_run, uint64_t *seq,
			    char *err, size_t errlen);
	void		(*reloaded)(void);
	void		(*warnx)(const char *, ...) LOG_PRINTF(1, 2);
	void		(*closed)(const struct ucred *);
};

/* How a load ended, for worker_tell_reloaded; the worker copies it. */
struct worker_reload {
	uint64_t	 seq;		/* the load */
	int		 dry_run;	/* answers dry-run waiters only */
	int		 ok;
	uint64_t	 generation;	/* serving now */
	const char	*err;		/* !ok: why */
	/* dry_run: the whole result, packed; NULL: out of memory */
	const unsigned char *answer;
	size_t		 answerlen;
};

/*
 * Make worker idx (its event base, pipe and events) and register its
 * rpc context; env must outlive it.  Returns NULL after logging why.
 */
struct worker	*worker_new(size_t idx, struct worker_env *env);

/* Start its thread, with every signal blocked.  -1 after logging. */
int		 worker_start(struct worker *);

/*
 * Main thread: the pipe to a worker blocks; the worker never waits on
 * the main thread.  Each returns 0, or -1 after logging (not handed).
 *
 * worker_give: hand over an accepted client (cred: its peer's, from
 * accept), already counted in env->nconns; on -1 the caller closes and
 * uncounts it.
 * worker_tell_reloaded: a load ended (struct worker_reload): answer
 * the clients waiting for a load of its kind up to its seq, then call
 * env->reloaded.
 * worker_tell_stop: stop reading, flush every client (for at most a
 * second) and end the thread; nothing when it never started.
 */
int		 worker_give(struct worker *, int fd, const struct ucred *cred);
int		 worker_tell_reloaded(struct worker *,
		    const struct worker_reload *);
int		 worker_tell_stop(struct worker *);

/* Wait for the thread to end, if it started. */
void		 worker_join(struct worker *);

/* After worker_join (or when it never started): free it.  NULL: none. */
void		 worker_free(struct worker *);

#endif /* HCPCSD_WORKER_H */
