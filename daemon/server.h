/*
 * server.h: the listening Unix socket, client connections and the
 * libevent loop that serves them, plus snapshot (re)loading.  One
 * thread; the loader thread of a later issue will move server_reload.
 */
#ifndef HCPCSD_SERVER_H
#define HCPCSD_SERVER_H

#include <stddef.h>

struct conf;

/*
 * Build a snapshot from conf and publish it, logging one line (why,
 * generation, per-set counts, milliseconds).  Returns 0, or -1 with
 * err filled and nothing logged: the caller decides.
 */
int	server_publish(const struct conf *, const char *why, char *err,
	    size_t errlen);

/*
 * Create the event loop, the signal events and the listening socket.
 * Takes over conf (owns it from here; freed by server_free or replaced
 * by a reload).  debug non-zero (-f) lets a log_level of debug through,
 * now and after reloads; otherwise info is the most verbose level.
 * Returns 0, or -1 after logging why.
 */
int	server_init(struct conf *, int debug);

/* Serve until SIGTERM or SIGINT; returns 0 once shut down cleanly. */
int	server_run(void);

/* Free everything server_init made (the socket is already removed). */
void	server_free(void);

/*
 * Re-read the configuration and every data file; publish on success.
 * On failure the old snapshot stays.  Either way info.last_reload is
 * updated and one line logged.  Returns 0, or -1 with err filled.
 */
int	server_reload(char *err, size_t errlen);

#endif /* HCPCSD_SERVER_H */
