/*
 * t.c: the counting assert behind t.h, and the temporary directories
 * every test that writes files shares.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "t.h"
#include "../daemon/record.h"

/* Deeper than any tree a test makes: t_rmtree() gives up below it. */
#define T_RMTREE_DEPTH	8
/* Longer $TMPDIRs are ignored: tests build paths in fixed buffers. */
#define T_TMPDIR_MAX	32
/* Directories a fatal signal's handler removes (the first ones). */
#define T_SIGDIRS	16

int t_checks, t_failures;

static char	**t_dirs, **t_paths;
static size_t	  t_ndirs, t_npaths;
static pid_t	  t_owner;

static void	t_cleanup(void);
static void	t_on_signal(int);

void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	t_failures++;
	fprintf(stderr, "%s:%d: FAIL: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
t_done(void)
{
	t_cleanup();
	printf("%d checks, %d failed\n", t_checks, t_failures);
	return t_failures == 0 ? 0 : 1;
}

void
t_skip(const char *reason)
{
	printf("SKIP: %s\n", reason);
	exit(77);
}

/* The line run.sh counts: "SKIP real data: WHAT (not in DIR...)". */
void
t_realdata_skipped(const char *what)
{
	const char	*env = getenv("HCPCSD_SHARED_DATA");

	printf("SKIP real data: %s (not in %s%s)\n", what,
	    env != NULL ? env : "../shared/data/hcpcs",
	    env != NULL ? "" : "; set HCPCSD_SHARED_DATA");
	fflush(stdout);
}

void
t_skip_realdata(const char *what)
{
	t_realdata_skipped(what);
	exit(77);
}

const char *
t_shared_data(void)
{
	static const char *const dirs[] = {
		"../shared/data/hcpcs", "../../shared/data/hcpcs",
	};
	const char	*env = getenv("HCPCSD_SHARED_DATA");
	struct stat	 st;
	size_t		 i;

	if (env != NULL)
		return stat(env, &st) == 0 ? env : NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

const struct record *
t_find(const struct record_set *set, const char *code)
{
	size_t	i;

	for (i = 0; i < set->nrecs; i++)
		if (strcmp(set->recs[i].code, code) == 0)
			return &set->recs[i];
	return NULL;
}

const msgpack_object *
t_get(const msgpack_object *m, const char *key)
{
	uint32_t	i;

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR &&
		    k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

const char *
t_str(const msgpack_object *o)
{
	static char	buf[4][512];
	static int	which;
	char		*b = buf[which++ % 4];

	if (o == NULL)
		return "(absent)";
	if (o->type == MSGPACK_OBJECT_NIL)
		return "(nil)";
	if (o->type != MSGPACK_OBJECT_STR)
		return "(?)";
	snprintf(b, sizeof(buf[0]), "%.*s", (int)o->via.str.size,
	    o->via.str.ptr);
	return b;
}

/* Remember a malloc'd string in *list (exits 2 out of memory). */
static void
t_remember(char ***list, size_t *n, char *s)
{
	char	**l;

	if ((l = realloc(*list, (*n + 1) * sizeof(*l))) == NULL) {
		perror("t_remember");
		exit(2);
	}
	l[(*n)++] = s;
	*list = l;
}

/*
 * Remove every directory t_mkdtemp() made.  Runs from t_done() and at
 * exit; a forked child leaves them to the process that made them.
 */
static void
t_cleanup(void)
{
	size_t	i;

	if (t_owner != getpid())
		return;
	for (i = 0; i < t_ndirs; i++) {
		if (t_rmtree(t_dirs[i]) == -1)
			fprintf(stderr, "t_cleanup: cannot remove %s\n",
			    t_dirs[i]);
		free(t_dirs[i]);
	}
	for (i = 0; i < t_npaths; i++)
		free(t_paths[i]);
	free(t_dirs);
	free(t_paths);
	t_dirs = t_paths = NULL;
	t_ndirs = t_npaths = 0;
}

const char *
t_mkdtemp(const char *tag)
{
	const char	*base = getenv("TMPDIR");
	struct stat	 st;
	char		*dir;
	int		 blen;

	if (base == NULL || base[0] != '/' ||
	    strlen(base) > T_TMPDIR_MAX || stat(base, &st) == -1 ||
	    !S_ISDIR(st.st_mode))
		base = "/tmp";
	/* Without trailing slashes: tests compare cleaned paths. */
	for (blen = strlen(base); blen > 0 && base[blen - 1] == '/'; blen--)
		;
	if (asprintf(&dir, "%.*s/hcpcsd-test-%s.XXXXXX", blen, base,
	    tag) == -1) {
		perror("t_mkdtemp");
		exit(2);
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	if (t_owner == 0) {
		static const int sigs[] = { SIGALRM, SIGHUP, SIGINT, SIGTERM };
		struct sigaction sa;
		size_t		 i;

		t_owner = getpid();
		atexit(t_cleanup);
		/* An alarm() watchdog or run.sh's timeout exits no atexit. */
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			if (sigaction(sigs[i], NULL, &sa) == 0 &&
			    sa.sa_handler == SIG_DFL)
				signal(sigs[i], t_on_signal);
	}
	t_remember(&t_dirs, &t_ndirs, dir);
	return dir;
}

/*
 * A fatal signal: remove the directories with rm(1) (fork and exec are
 * safe in a handler, opendir and free are not), then die of the signal.
 */
static void
t_on_signal(int sig)
{
	char	*argv[T_SIGDIRS + 4];
	size_t	 i, n = 0;
	pid_t	 pid;

	if (t_owner == getpid() && t_ndirs > 0) {
		argv[n++] = (char *)"rm";
		argv[n++] = (char *)"-rf";
		argv[n++] = (char *)"--";
		for (i = 0; i < t_ndirs && i < T_SIGDIRS; i++)
			argv[n++] = t_dirs[i];
		argv[n] = NULL;
		if ((pid = fork()) == 0) {
			execv("/bin/rm", argv);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

char *
t_write_file(const char *dir, const char *name, const void *bytes,
    size_t len, mode_t mode)
{
	char	*path;
	int	 fd;

	if (asprintf(&path, "%s/%s", dir, name) == -1) {
		perror("t_write_file");
		exit(2);
	}
	errno = 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || (len > 0 && write(fd, bytes, len) !=
	    (ssize_t)len) || fchmod(fd, mode) == -1 || close(fd) == -1) {
		fprintf(stderr, "%s: cannot write: %s\n", path,
		    errno != 0 ? strerror(errno) : "short write");
		exit(2);
	}
	t_remember(&t_paths, &t_npaths, path);
	return path;
}

static int
t_rmtree_depth(const char *path, int depth)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	char		 sub[PATH_MAX];
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if (depth == 0 || (d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >=
		    (int)sizeof(sub) || t_rmtree_depth(sub, depth - 1) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) == -1)
		rc = -1;
	return rc;
}

int
t_rmtree(const char *path)
{
	return t_rmtree_depth(path, T_RMTREE_DEPTH);
}
