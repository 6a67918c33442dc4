/*
 * access.c: a client's rights, judged once when it connects from the
 * credentials the kernel recorded at connect(2) (SO_PEERCRED, and
 * SO_PEERGROUPS for its supplementary groups: unlike /proc/PID/status
 * they cannot be swapped by a process that exits and whose pid is
 * reused), and the privilege drop before serving.
 *
 * Supplementary groups come from SO_PEERGROUPS (Linux 4.13 and later)
 * and only when allow_gids needs them; on a kernel without it only the
 * primary gid counts, which can deny but never wrongly allow.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "conf.h"
#include "log.h"

#define ACCESS_GROUPS_STACK	128	/* groups read without malloc */

static int
access_in(const struct access_ids *l, uint32_t id)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return 1;
	return 0;
}

int
access_peer_read(int fd, struct access_peer *p)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);

	p->known = 0;
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	p->pid = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc))
		return -1;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;
	p->known = 1;
	return 0;
}

/* Is one of fd's peer's supplementary groups in l? */
static int
access_groups_in(int fd, const struct access_ids *l)
{
	gid_t		 stack[ACCESS_GROUPS_STACK], *g = stack;
	socklen_t	 len = sizeof(stack);
	size_t		 i, n;
	int		 found = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
		if (errno != ERANGE || (g = malloc(len)) == NULL)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == -1) {
			free(g);
			return 0;
		}
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n && !found; i++)
		found = access_in(l, g[i]);
	if (g != stack)
		free(g);
	return found;
}

void
access_judge(struct access_live *live, int fd, struct access_peer *p)
{
	struct access_policy	 pol;

	pthread_mutex_lock(&live->mtx);
	pol = live->p;
	pthread_mutex_unlock(&live->mtx);
	access_peer_read(fd, p);
	if (!p->known)
		p->admin = 0;
	else if (pol.admin_uids.set)
		p->admin = access_in(&pol.admin_uids, p->uid);
	else
		p->admin = p->uid == 0 || p->uid == geteuid();
	if (!pol.allow_uids.set && !pol.allow_gids.set) {
		p->allowed = 1;
		return;
	}
	p->allowed = p->admin || (p->known &&
	    (access_in(&pol.allow_uids, p->uid) ||
	    access_in(&pol.allow_gids, p->gid) ||
	    (pol.allow_gids.set && access_groups_in(fd, &pol.allow_gids))));
}

void
access_live_set(struct access_live *live, const struct access_policy *p)
{
	pthread_mutex_lock(&live->mtx);
	live->p = *p;
	pthread_mutex_unlock(&live->mtx);
}

/* One file the reloads will read; -1 after logging when we cannot. */
static int
access_readable_one(const char *path, const char *what)
{
	if (path == NULL || access(path, R_OK) == 0)
		return 0;
	log_warn("%s %s: not readable as uid %u (user:); every reload would "
	    "fail", what, path, (unsigned)geteuid());
	return -1;
}

/* After the drop: the loader thread must still read all of them. */
static int
access_readable(const struct conf *c)
{
	const struct conf_release *r;
	size_t		 i, j;
	int		 rc;

	rc = access_readable_one(c->path, "configuration");
	for (i = 0; i < c->nsets; i++)
		for (j = 0; j < c->sets[i].nreleases; j++) {
			r = &c->sets[i].releases[j];
			rc |= access_readable_one(r->path, "data file");
			rc |= access_readable_one(r->short_path, "data file");
			rc |= access_readable_one(r->medium_path, "data file");
			rc |= access_readable_one(r->modifiers_path,
			    "data file");
		}
	return rc != 0 ? -1 : 0;
}

/* Not root: user: and group:, when given, must be what we run as. */
static int
access_unprivileged(const struct conf *c)
{
	if (c->user.set && c->user.id != geteuid()) {
		log_warnx("user: %s (uid %u): hcpcsd runs as uid %u, not as "
		    "root, and cannot become it", c->user.name,
		    (unsigned)c->user.id, (unsigned)geteuid());
		return -1;
	}
	if (c->group.set && c->group.id != getegid()) {
		log_warnx("group: %s (gid %u): hcpcsd runs as gid %u, not as "
		    "root, and cannot become it", c->group.name,
		    (unsigned)c->group.id, (unsigned)getegid());
		return -1;
	}
	return 0;
}

int
access_may_run(const struct conf *c, int root_ok)
{
	if (geteuid() != 0)
		return access_unprivileged(c);
	if (c->user.set && c->user.id != 0)
		return 0;
	if (root_ok) {
		log_info("running as root (-R)");
		return 0;
	}
	log_warnx("refusing to serve as root: a flaw in hcpcsd would then "
	    "have every privilege.  Set user: in %s (for instance user: "
	    "hcpcsd) to drop to that user once the socket is bound, or pass "
	    "-R to run as root anyway", c->path);
	return -1;
}

int
access_drop(const struct conf *c)
{
	uid_t	 uid, ru, eu, su;
	gid_t	 gid, rg, eg, sg;

	if (geteuid() != 0 || !c->user.set || c->user.id == 0)
		return 0;
	uid = c->user.id;
	gid = c->group.set ? c->group.id : c->user.gid;
	if (gid == (gid_t)-1) {
		log_warnx("user: %s has no passwd entry to take a group from; "
		    "set group:", c->user.name);
		return -1;
	}
	/* Groups first: after setresuid we may no longer change them. */
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		log_warn("dropping privileges to uid %u gid %u", (unsigned)uid,
		    (unsigned)gid);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1 ||
	    getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid) {
		log_warnx("dropped to uid %u gid %u, but root can be regained: "
		    "refusing to serve", (unsigned)uid, (unsigned)gid);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", c->user.name,
	    (unsigned)uid, (unsigned)gid);
	return access_readable(c);
}
