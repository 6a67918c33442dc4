/*
 * listen.c: the listening socket, made here or passed by systemd.
 *
 * A socket we make is bound under umask 0177 and then chmod'ed to the
 * configured mode, so it is never reachable with looser permissions,
 * even for an instant.  An existing socket at the path is removed only
 * when nobody answers on it: a second daemon on the same path must not
 * steal the first one's clients.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

#define LISTEN_BACKLOG		128
#define LISTEN_FDS_START	3		/* sd_listen_fds(3) */

/* sun for path; -1 after logging when it does not fit. */
static int
listen_sockaddr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("%s: socket path too long", path);
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

/* A socket someone answers on is not stale: -1 after logging so. */
static int
listen_probe(const struct sockaddr_un *sun)
{
	int	probe, live;

	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	live = connect(probe, (const struct sockaddr *)sun,
	    sizeof(*sun)) == 0;
	close(probe);
	if (live) {
		log_warnx("%s: another server is listening", sun->sun_path);
		return -1;
	}
	return 0;
}

int
listen_check(const char *path)
{
	struct sockaddr_un	 sun;

	/* Activated: the socket systemd passes is ours to serve. */
	if (getenv("LISTEN_FDS") != NULL)
		return 0;
	if (listen_sockaddr(path, &sun) == -1)
		return -1;
	return listen_probe(&sun);
}

int
listen_unix(const char *path, mode_t mode)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old;
	int			 fd;

	if (listen_sockaddr(path, &sun) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s: exists and is not a socket", path);
			return -1;
		}
		/* Again: one may have started while we loaded. */
		if (listen_probe(&sun) == -1)
			return -1;
		if (unlink(path) == -1) {
			log_warn("unlink %s", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(path, mode) == -1) {
		log_warn("chmod %s", path);
		goto fail_unlink;
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("listen %s", path);
		goto fail_unlink;
	}
	return fd;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

/*
 * Socket activation (sd_listen_fds(3)): with LISTEN_PID our pid and
 * LISTEN_FDS >= 1, fd 3 is the listening socket systemd made, with its
 * owner, mode and lifetime set in hcpcsd.socket.  Returns that fd, -1
 * when none was passed, or -2 after logging why the one passed is
 * unusable.  The variables are unset either way so that nothing this
 * process might start inherits them.
 */
int
listen_activation_fd(void)
{
	const char	*pidstr = getenv("LISTEN_PID");
	const char	*fdsstr = getenv("LISTEN_FDS");
	long long	 pid = 0, nfds = 0;
	char		*end;
	int		 fd = LISTEN_FDS_START, v, i, fl;
	socklen_t	 len;

	if (pidstr != NULL) {
		errno = 0;
		pid = strtoll(pidstr, &end, 10);
		if (errno != 0 || end == pidstr || *end != '\0')
			pid = 0;
	}
	if (fdsstr != NULL) {
		errno = 0;
		nfds = strtoll(fdsstr, &end, 10);
		if (errno != 0 || end == fdsstr || *end != '\0')
			nfds = 0;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (pidstr == NULL || fdsstr == NULL)
		return -1;
	if (pid != (long long)getpid()) {
		log_info("LISTEN_PID %lld is not this process: creating the "
		    "socket", pid);
		return -1;
	}
	if (nfds < 1)
		return -1;
	if (nfds > 1) {
		log_warnx("LISTEN_FDS=%lld: using fd %d, closing the rest",
		    nfds, fd);
		for (i = 1; i < nfds && i < 1024; i++)
			close(fd + i);
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1) {
		log_warn("LISTEN_FDS: fd %d", fd);
		return -2;
	}
	if (v != AF_UNIX) {
		log_warnx("LISTEN_FDS: fd %d is not a Unix socket", fd);
		return -2;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1 ||
	    v != SOCK_STREAM) {
		log_warnx("LISTEN_FDS: fd %d is not a stream socket", fd);
		return -2;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
	    v == 0) {
		log_warnx("LISTEN_FDS: fd %d is not listening", fd);
		return -2;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("LISTEN_FDS: fd %d: fcntl", fd);
		return -2;
	}
	return fd;
}

/* The path a passed socket is bound to, for the logs; caller owns. */
char *
listen_sockname(int fd)
{
	struct sockaddr_un	 sun;
	socklen_t		 len = sizeof(sun);
	size_t			 n;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    len <= offsetof(struct sockaddr_un, sun_path))
		return strdup("(unnamed)");
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (sun.sun_path[0] == '\0') {
		sun.sun_path[0] = '@';		/* abstract */
		return strndup(sun.sun_path, n);
	}
	return strndup(sun.sun_path, strnlen(sun.sun_path, n));
}
