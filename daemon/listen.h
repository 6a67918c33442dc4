/*
 * listen.h: the listening Unix socket: made here (bound in a private
 * directory and moved into place with its final mode and group, a stale
 * socket replaced, a live one refused) or passed by
 * systemd socket activation, and the name it is bound to.  No event
 * loop here: server.c watches the descriptor.
 */
#ifndef HCPCSD_LISTEN_H
#define HCPCSD_LISTEN_H

#include <sys/types.h>

/*
 * Before the first load: -1 after logging when another server answers
 * on path, or when a user other than root and us could replace a
 * socket there (its directory, or one above it, is owned by another
 * user, or writable by everyone and not sticky), so that hcpcsd refuses
 * at once instead of after loading every file.  Warns, but goes on, for
 * a directory its group may write to and one anyone may create names
 * in (/tmp).  0 when the path is free, holds a stale socket or is no
 * socket at all (listen_unix judges those), or under socket activation.
 * owner, unless (uid_t)-1, is trusted as root and we are: the user:
 * hcpcsd drops to, who may own the socket's directory.
 */
int	 listen_check(const char *path, uid_t owner);

/*
 * Bind and listen on path with the given mode and group ((gid_t)-1
 * keeps the one bind gives it; owner as for listen_check), non-blocking
 * and close-on-exec.  The socket appears at path only once it has both and
 * listens.  The directories are checked again as listen_check does.
 * An existing socket nobody answers on is replaced; anything else at
 * path is refused.  Returns the descriptor, or -1 after logging why
 * (nothing is left behind).
 */
int	 listen_unix(const char *path, mode_t mode, gid_t gid, uid_t owner);

/*
 * Socket activation (sd_listen_fds(3)): the listening socket systemd
 * passed, made non-blocking and close-on-exec; -1 when none was passed;
 * -2 after logging why the one passed is unusable.  Unsets LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES either way.
 */
int	 listen_activation_fd(void);

/*
 * The path a socket is bound to, for the logs ("@name" when abstract,
 * "(unnamed)" when unknown).  The caller frees it; NULL: out of memory.
 */
char	*listen_sockname(int fd);

#endif /* HCPCSD_LISTEN_H */
