/*
 * notify.h: the sd_notify(3) datagram protocol, spoken directly (no
 * libsystemd): state lines such as "READY=1" sent to $NOTIFY_SOCKET,
 * which systemd sets for a Type=notify service.  Without it every call
 * is a no-op, so the daemon runs the same outside systemd.
 */
#ifndef HCPCSD_NOTIFY_H
#define HCPCSD_NOTIFY_H

#include "log.h"

/*
 * Read $NOTIFY_SOCKET (a path, or "@name" for an abstract socket) and
 * open the datagram socket.  Returns 0 (also when the variable is
 * unset), or -1 after logging why: notifications are then off.
 */
int	notify_init(void);

/*
 * Send one datagram of newline-separated VAR=value lines, formatted
 * like printf.  Failures are logged (once) and otherwise ignored: the
 * service manager may be gone, the daemon is not.
 */
void	notify_send(const char *, ...) LOG_PRINTF(1, 2);

/* "RELOADING=1" with MONOTONIC_USEC=<CLOCK_MONOTONIC in usec> */
void	notify_reloading(void);

/* Close the socket; later sends are no-ops. */
void	notify_close(void);

#endif /* HCPCSD_NOTIFY_H */
