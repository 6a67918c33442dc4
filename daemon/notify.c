/*
 * notify.c: the sd_notify datagram protocol without libsystemd.
 *
 * The protocol is one AF_UNIX datagram per state change, its payload
 * "VAR=value" lines (see sd_notify(3)).  $NOTIFY_SOCKET names a socket
 * path, or an abstract socket when it starts with '@'.  The socket is
 * opened once, close-on-exec, and never blocks the loop: a full queue
 * on the manager's side loses a status line, not a request.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_MSG_MAX	2048		/* one datagram, bytes */

static int			 notify_fd = -1;
static struct sockaddr_un	 notify_sun;
static socklen_t		 notify_sunlen;
static int			 notify_warned;

int
notify_init(void)
{
	const char	*e = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (e == NULL || *e == '\0')
		return 0;
	len = strlen(e);
	if ((e[0] != '/' && e[0] != '@') ||
	    len >= sizeof(notify_sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET=%s: not a socket path or @name", e);
		return -1;
	}
	memset(&notify_sun, 0, sizeof(notify_sun));
	notify_sun.sun_family = AF_UNIX;
	memcpy(notify_sun.sun_path, e, len);
	if (e[0] == '@')
		notify_sun.sun_path[0] = '\0';	/* abstract namespace */
	/* An abstract name's length is exact: no trailing NUL counts. */
	notify_sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (e[0] == '@' ? 0 : 1));
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (notify_fd == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		return -1;
	}
	return 0;
}

void
notify_send(const char *fmt, ...)
{
	char		 msg[NOTIFY_MSG_MAX];
	struct iovec	 iov;
	struct msghdr	 mh;
	va_list		 ap;
	int		 n;

	if (notify_fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;	/* a long STATUS= is cut, not lost */
	iov.iov_base = msg;
	iov.iov_len = (size_t)n;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &notify_sun;
	mh.msg_namelen = notify_sunlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	while (sendmsg(notify_fd, &mh, MSG_NOSIGNAL) == -1) {
		if (errno == EINTR)
			continue;
		if (!notify_warned) {
			notify_warned = 1;
			log_warn("NOTIFY_SOCKET: sendmsg");
		}
		return;
	}
}

void
notify_reloading(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

void
notify_close(void)
{
	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
}
