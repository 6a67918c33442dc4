/*
 * reload_int.h: what reload.c and reload_job.c share and nothing else
 * sees: struct loader_job (a loader thread and its one job) and the
 * functions reload_job.c lends reload.c.  Calls go one way: reload.c
 * (struct loader, the main thread's side) uses reload_job.c, which
 * knows nothing of struct loader; the job's thread touches only its
 * job and writes the wake pipe it was given.
 */
#ifndef HCPCSD_RELOAD_INT_H
#define HCPCSD_RELOAD_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf;
struct snapshot;
struct snapshot_preview;

/*
 * A loader thread and its one job.  The main thread and the thread
 * share it under mtx; path and wakefd are set before the thread starts.
 * Once abandoned the main thread only reads exited (and sets nowake),
 * and the thread frees what it built instead of handing it back.
 */
struct loader_job {
	pthread_t	 thread;
	char		*path;		/* the configuration to load */
	int		 wakefd;	/* the loader's pipe[1] */
	struct loader_job *next;	/* main: in ld->dead */
	uint64_t	 seq;		/* main: the load it runs */
	int		 dry;		/* main: of that load */
	struct timespec	 t0;		/* main: when it started */

	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 go;		/* main -> thread: load path */
	int		 go_dry;	/* ... as a dry run */
	int		 quit;		/* main -> thread: end */
	int		 abandoned;	/* main -> thread: discard, end */
	int		 nowake;	/* main -> thread: the pipe is closed */
	int		 done;		/* thread -> main: the result below */
	int		 exited;	/* thread -> main (abandoned): join me */
	struct conf	*conf;		/* result: reload ok */
	struct snapshot	*snap;		/* result: reload ok */
	struct snapshot_preview *preview; /* result: dry run ok */
	char		 err[1024];	/* result: !ok */
	long		 ms;
};

/* reload_job.c */

/* Milliseconds on CLOCK_MONOTONIC since t0. */
long	 reload_ms_since(const struct timespec *t0);

/*
 * A thread for loads of path, waking the main loop through wakefd,
 * with every signal blocked; NULL after logging.
 */
struct loader_job *loader_job_new(const char *path, int wakefd);

/* Free a job whose thread has been joined (or never ran); NULL is fine. */
void	 loader_job_free(struct loader_job *);

/*
 * Join and free the abandoned jobs on *dead (linked by next) that have
 * ended since, logging each; *ndead counts those left.
 */
void	 loader_reap(struct loader_job **dead, size_t *ndead);

#endif /* HCPCSD_RELOAD_INT_H */
