/*
 * access.h: who may use the daemon and who may administer it, judged
 * from a client's SO_PEERCRED (and SO_PEERGROUPS) once, when it
 * connects; and the privilege drop to user:/group: when started as
 * root.  docs/hcpcsd.yaml.5 gives the keys, docs/admin.md the rules.
 */
#ifndef HCPCSD_ACCESS_H
#define HCPCSD_ACCESS_H

#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>

#define ACCESS_MAX_IDS		64	/* entries of one id list */
#define ACCESS_NAME_MAX		64	/* a user or group name, with NUL */

/* A list of uids or gids from the configuration; set: the key given. */
struct access_ids {
	int		 set;
	size_t		 n;
	uint32_t	 id[ACCESS_MAX_IDS];
};

/*
 * Who may connect and who is an admin.  Neither allow list set:
 * everyone who can open the socket (its mode and group are the gate).
 * admin_uids not set: root and the daemon's own (effective) uid.  An
 * admin is always allowed.
 */
struct access_policy {
	struct access_ids allow_uids;
	struct access_ids allow_gids;
	struct access_ids admin_uids;
};

/* user: or group: (or socket_group:) resolved when the config is read. */
struct access_id {
	int		 set;
	uint32_t	 id;
	uint32_t	 gid;	/* user: the passwd entry's group, or -1 */
	char		 name[ACCESS_NAME_MAX];	/* as given */
};

/* A client, as its credentials were when it connected. */
struct access_peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	int		 known;		/* SO_PEERCRED worked */
	int		 allowed;	/* passes allow_uids / allow_gids */
	int		 admin;		/* in admin_uids */
};

/*
 * The policy workers judge new clients by, replaced by the main thread
 * after each reload.  Zero it but for mtx (PTHREAD_MUTEX_INITIALIZER).
 */
struct access_live {
	pthread_mutex_t	 mtx;
	struct access_policy p;
};

/*
 * SO_PEERCRED of a connected Unix socket into p's uid, gid, pid, known
 * (allowed and admin untouched).  Cheap: one getsockopt.  -1 (and
 * known 0, uid and gid -1, pid 0) when the kernel cannot say.
 */
int	 access_peer_read(int fd, struct access_peer *p);

/*
 * Read fd's credentials and judge them by the live policy: allowed when
 * no allow list is set, or the uid is in allow_uids, or the primary
 * gid or a supplementary group (SO_PEERGROUPS, as at connect time) is
 * in allow_gids, or the peer is an admin.  Unknown credentials are
 * never allowed while an allow list is set, and never admin.
 */
void	 access_judge(struct access_live *, int fd, struct access_peer *p);

/* Main thread: new clients are judged by p from now on. */
void	 access_live_set(struct access_live *, const struct access_policy *p);

struct conf;

/*
 * At startup, before loading: may we serve as who we are?  Root
 * without user: (or with user: root) only when root_ok (-R); not root,
 * user: and group:, when set, must be who we run as.  0, or -1 after
 * logging why not.
 */
int	 access_may_run(const struct conf *, int root_ok);

/*
 * Once the socket is bound, before serving, after access_may_run:
 * running as root with user: set, drop to it (group:, else the user's
 * passwd group; no supplementary groups), check that uid 0 cannot be
 * regained and that the config and its data files are still readable
 * (or every reload would fail).  Nothing to do otherwise.  0, or -1
 * after logging why.
 */
int	 access_drop(const struct conf *);

#endif /* HCPCSD_ACCESS_H */
