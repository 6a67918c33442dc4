/*
 * load_file.c: reading a data file whole, with the refusals every
 * loader shares.  A leaf: it calls no loader, so the loaders and load.c
 * (which dispatches to them) both stand on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load_file.h"

#define LOAD_MIB		(1024 * 1024)

char *
load_slurp(const char *path, size_t *lenp, struct record_err *err)
{
	return load_slurp_max(path, 0, lenp, err);
}

char *
load_slurp_max(const char *path, size_t max, size_t *lenp,
    struct record_err *err)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	/*
	 * O_NONBLOCK: a FIFO or device put where a data file belongs must
	 * be refused below, not hang the load (regular files ignore it).
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: not a regular file",
		    path);
		goto fail;
	}
	/*
	 * Anyone who can write the file could change what every claim
	 * scrubber on the host is told; refuse it as ntpd refuses its
	 * secrets (check_file_secrecy).
	 */
	if (st.st_mode & S_IWOTH) {
		snprintf(err->msg, sizeof(err->msg), "%s: writable by others "
		    "(mode %04o; run chmod o-w)", path,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (st.st_size == 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: file is empty", path);
		goto fail;
	}
	/* Checked before any byte is read: the size alone refuses it. */
	if (max > 0 && (uintmax_t)st.st_size > max) {
		if (max % LOAD_MIB == 0)
			snprintf(err->msg, sizeof(err->msg), "%s: larger than "
			    "%zu MiB", path, max / LOAD_MIB);
		else
			snprintf(err->msg, sizeof(err->msg), "%s: larger than "
			    "%zu bytes", path, max);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		goto fail;
	}
	/* The file may change size under us (an admin copying it in). */
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: file is empty", path);
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

int
load_oom(const char *path, struct record_err *err)
{
	snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
	return -1;
}
