/*
 * server.h: the top of the daemon: the main event loop, signals,
 * sd_notify, accepting clients on the listening socket (listen.c) and
 * handing them to the worker threads (worker_thread.c, worker.c), and
 * reloads on the loader thread (reload.c).  The first load runs on the caller's
 * thread, before server_init.
 */
#ifndef HCPCSD_SERVER_H
#define HCPCSD_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct conf;

/*
 * Build a snapshot from conf and publish it, logging one line (why,
 * generation, per-set counts, milliseconds).  Returns 0, or -1 with
 * err filled and nothing logged: the caller decides.
 */
int	server_publish(const struct conf *, const char *why, char *err,
	    size_t errlen);

/*
 * Create the event loop, the signal events, the conf->workers worker
 * threads (the count is fixed until restart) and the listening socket.
 * Takes over conf (owns it from here; freed by server_free or replaced
 * by a reload).  sockpath (-s), when not NULL, is bound instead of
 * conf->socket, and reloads then leave the config's socket key unused.
 * debug non-zero (-f) lets a log_level of debug through, now and after
 * reloads; otherwise info is the most verbose level.
 * Returns 0, or -1 after logging why.
 */
int	server_init(struct conf *, const char *sockpath, int debug);

/*
 * Tell systemd READY=1 (when $NOTIFY_SOCKET is set) and serve until
 * SIGTERM or SIGINT; returns 0 once shut down cleanly: every worker has
 * flushed its clients (for at most a second) and ended.
 */
int	server_run(void);

/*
 * Free everything server_init made, after the loader thread finishes
 * the load it may be running (the socket is already removed, unless
 * systemd passed it).
 */
void	server_free(void);

#endif /* HCPCSD_SERVER_H */
