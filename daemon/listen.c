/*
 * listen.c: the listening socket, made here or passed by systemd.
 *
 * A socket we make is bound in a private directory next to its path
 * (mode 0700, ours: nobody else can enter it), given its mode and group
 * there, set listening, and only then linked or renamed into place:
 * it is never reachable with other permissions, and its path is never
 * one another user could swap between our bind and our chmod.  An
 * existing socket at the path is replaced only when nobody answers on
 * it: a second daemon on the same path must not steal the first one's
 * clients.  A path in a directory another user could write to is
 * refused, since that user could replace the socket and answer our
 * clients.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

#define LISTEN_BACKLOG		128
#define LISTEN_FDS_START	3		/* sd_listen_fds(3) */
#define LISTEN_PRIV_TMPL	"/.hcpcsd-XXXXXX"	/* private bind dir */
#define LISTEN_PRIV_SOCK	"/s"		/* the socket in it */

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

/*
 * May dir hold our socket?  Its owner can rename or remove any entry in
 * it, and so can anyone who may write to it unless it is sticky: each
 * of them must be root, us or owner (the user: we drop to, when not
 * (uid_t)-1: it is us once serving).  -1 after logging when not; with warn,
 * a warning for what is allowed but weak: a directory writable by its
 * group (whose members are trusted less than its owner), and, for the
 * socket's own directory (last), one others may create names in while
 * we are not running, such as /tmp.
 */
static int
listen_dir_ok(const char *dir, const char *sock, int last, int warn,
    uid_t owner)
{
	struct stat	 st;
	uid_t		 us = geteuid();
	mode_t		 m;

	if (stat(dir, &st) == -1) {
		log_warn("socket directory %s", dir);
		return -1;
	}
	m = st.st_mode & 07777;
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", dir);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != us && st.st_uid != owner) {
		log_warnx("socket directory %s (mode %04o, owner uid %u): its "
		    "owner could replace %s and answer our clients; use a "
		    "directory owned by root or uid %u", dir, (unsigned)m,
		    (unsigned)st.st_uid, sock, (unsigned)us);
		return -1;
	}
	if ((m & S_IWOTH) && !(m & S_ISVTX)) {
		log_warnx("socket directory %s (mode %04o, owner uid %u): "
		    "writable by every user and not sticky, so any of them "
		    "could replace %s and answer our clients", dir,
		    (unsigned)m, (unsigned)st.st_uid, sock);
		return -1;
	}
	if (!warn)
		return 0;
	if ((m & S_IWGRP) && !(m & S_ISVTX))
		log_warnx("socket directory %s (mode %04o, group %u): any "
		    "member of the group could replace %s", dir, (unsigned)m,
		    (unsigned)st.st_gid, sock);
	else if (last && (m & (S_IWOTH | S_IWGRP)))
		log_warnx("socket directory %s (mode %04o): %s can bind %s "
		    "first while hcpcsd is not running and answer its "
		    "clients; prefer a directory only root or uid %u can "
		    "write, such as /run/hcpcsd", dir, (unsigned)m,
		    (m & S_IWOTH) ? "any local user" : "a member of its group",
		    sock, (unsigned)us);
	return 0;
}

/* dir without its last component, in place: "." and "/" have none. */
static int
listen_parent(char *dir)
{
	char	*slash;
	size_t	 n;

	while ((n = strlen(dir)) > 1 && dir[n - 1] == '/')
		dir[n - 1] = '\0';
	if (strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* listen_dir_ok for dir and every directory above it. */
static int
listen_dirs_ok(const char *dir, const char *sock, int warn, uid_t owner)
{
	char	 d[PATH_MAX];
	int	 last = 1;

	if (snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d)) {
		log_warnx("%s: path too long", dir);
		return -1;
	}
	do {
		if (listen_dir_ok(d, sock, last, warn, owner) == -1)
			return -1;
		last = 0;
	} while (listen_parent(d) == 0);
	return 0;
}

/*
 * The directories path lives in, checked as written (each ancestor, a
 * symbolic link followed to what it names) and, when links are
 * involved, as resolved: anyone who may replace one of them may
 * replace the socket.  -1 after logging why not.
 */
static int
listen_path_ok(const char *path, int warn, uid_t owner)
{
	char	 dir[PATH_MAX], *real;
	int	 rc;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    listen_parent(dir) == -1) {
		log_warnx("%s: not a socket path", path);
		return -1;
	}
	if (listen_dirs_ok(dir, path, warn, owner) == -1)
		return -1;
	if ((real = realpath(dir, NULL)) == NULL) {
		log_warn("socket directory %s", dir);
		return -1;
	}
	rc = strcmp(real, dir) == 0 ? 0 : listen_dirs_ok(real, path, 0, owner);
	free(real);
	return rc;
}

int
listen_check(const char *path, uid_t owner)
{
	struct sockaddr_un	 sun;

	/* Activated: the socket systemd passes is ours to serve. */
	if (getenv("LISTEN_FDS") != NULL)
		return 0;
	if (listen_sockaddr(path, &sun) == -1)
		return -1;
	if (listen_path_ok(path, 1, owner) == -1)
		return -1;
	return listen_probe(&sun);
}

/*
 * A private directory next to path (mkdtemp: mode 0700, ours) in priv,
 * and in tmp the address of the socket to bind in it.  -1 after
 * logging.
 */
static int
listen_private(const char *path, char *priv, size_t privlen,
    struct sockaddr_un *tmp)
{
	char	 dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	if (listen_parent(dir) == -1 ||
	    (size_t)snprintf(priv, privlen, "%s" LISTEN_PRIV_TMPL, dir) >=
	    privlen ||
	    strlen(priv) + strlen(LISTEN_PRIV_SOCK) >=
	    sizeof(tmp->sun_path)) {
		log_warnx("%s: path too long: the socket is bound first as "
		    "%s" LISTEN_PRIV_TMPL LISTEN_PRIV_SOCK ", which must fit "
		    "in %zu bytes", path, dir, sizeof(tmp->sun_path) - 1);
		return -1;
	}
	if (mkdtemp(priv) == NULL) {
		log_warn("mkdtemp %s", priv);
		return -1;
	}
	memset(tmp, 0, sizeof(*tmp));
	tmp->sun_family = AF_UNIX;
	snprintf(tmp->sun_path, sizeof(tmp->sun_path), "%s"
	    LISTEN_PRIV_SOCK, priv);
	return 0;
}

int
listen_unix(const char *path, mode_t mode, gid_t gid, uid_t owner)
{
	struct sockaddr_un	 sun, tmp;
	struct stat		 st;
	char			 priv[PATH_MAX];
	mode_t			 old;
	int			 fd, replace = 0, rc;

	if (listen_sockaddr(path, &sun) == -1)
		return -1;
	/* Again, quietly: the directories may have changed while we loaded. */
	if (listen_path_ok(path, 0, owner) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s: exists and is not a socket", path);
			return -1;
		}
		/* Again: one may have started while we loaded. */
		if (listen_probe(&sun) == -1)
			return -1;
		replace = 1;
	} else if (errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	if (listen_private(path, priv, sizeof(priv), &tmp) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("socket");
		rmdir(priv);
		return -1;
	}
	/*
	 * Nobody else can enter priv, so its path is safe to chmod and
	 * chown by name; the chmod also overrides a default ACL, which
	 * the umask does not.
	 */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&tmp, sizeof(tmp));
	umask(old);
	if (rc == -1) {
		log_warn("bind %s", tmp.sun_path);
		goto fail;
	}
	if (chmod(tmp.sun_path, mode) == -1) {
		log_warn("chmod %s", tmp.sun_path);
		goto fail;
	}
	if (gid != (gid_t)-1 && chown(tmp.sun_path, (uid_t)-1, gid) == -1) {
		log_warn("chown %s to group %u", tmp.sun_path, (unsigned)gid);
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("listen %s", path);
		goto fail;
	}
	/*
	 * Into place at once: rename(2) replaces the stale socket
	 * atomically; link(2) fails, rather than replaces, when something
	 * took the free path meanwhile.
	 */
	if (replace ? rename(tmp.sun_path, path) : link(tmp.sun_path, path)) {
		log_warn("%s %s to %s", replace ? "rename" : "link",
		    tmp.sun_path, path);
		goto fail;
	}
	if (!replace)
		unlink(tmp.sun_path);
	rmdir(priv);
	return fd;
fail:
	unlink(tmp.sun_path);
	rmdir(priv);
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
