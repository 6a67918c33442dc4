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
#include "meanings.h"

#define LOAD_MIB		(1024 * 1024)

char *
load_slurp(const char *path, size_t max, size_t *lenp,
    struct record_err *err)
{
	return load_slurp_max(path, max > 0 ? max : LOAD_MAX_FILE_BYTES,
	    "max_file_bytes", lenp, err);
}

char *
load_slurp_max(const char *path, size_t max, const char *key,
    size_t *lenp, struct record_err *err)
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
	/*
	 * A file far larger than any real one (a runaway export, 1,000,000
	 * copies of a line) is refused before it costs its size in memory.
	 */
	if (max > 0 && (unsigned long long)st.st_size > max) {
		load_too_big(path, (unsigned long long)st.st_size, max, key,
		    err);
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

int
load_too_big(const char *path, unsigned long long size, size_t max,
    const char *key, struct record_err *err)
{
	if (key != NULL)
		snprintf(err->msg, sizeof(err->msg), "%s: %llu bytes, more "
		    "than %s %zu (raise %s if the file is right)", path, size,
		    key, max, key);
	else if (max % LOAD_MIB == 0)
		snprintf(err->msg, sizeof(err->msg), "%s: larger than %zu MiB",
		    path, max / LOAD_MIB);
	else
		snprintf(err->msg, sizeof(err->msg), "%s: larger than %zu "
		    "bytes", path, max);
	return -1;
}

void
load_quirk_file(struct record_stats *st, unsigned role, const char *path)
{
	const char	*b = strrchr(path, '/');

	if (role >= RECORD_STATS_FILES)
		return;
	snprintf(st->files[role], sizeof(st->files[role]), "%s",
	    b != NULL ? b + 1 : path);
}

void
load_quirk(struct record_stats *st, enum record_quirk q, unsigned role,
    size_t line)
{
	struct record_quirk_count *c = &st->quirks[q];

	if (c->n < RECORD_QUIRK_FIRST) {
		c->first[c->n].file = role;
		c->first[c->n].line = line;
	}
	c->n++;
}

/* One coded value: unknown when meanings.c has a table without it. */
static void
load_quirk_value(struct record_stats *st, enum record_field f,
    const char *v, unsigned role, size_t line)
{
	size_t	n;

	if (v == NULL || meanings_table(f, &n) == NULL)
		return;
	if (meanings_find(f, v, strlen(v)) == NULL)
		load_quirk(st, RQ_UNKNOWN_VALUES, role, line);
}

void
load_quirk_unknowns(struct record_stats *st, const struct record *r,
    unsigned role, size_t line)
{
	size_t	i;

	load_quirk_value(st, RF_ACTION, r->action, role, line);
	load_quirk_value(st, RF_COVERAGE, r->coverage, role, line);
	load_quirk_value(st, RF_MULT_PRICING, r->mult_pricing, role, line);
	load_quirk_value(st, RF_ASC_GROUP, r->asc_group, role, line);
	load_quirk_value(st, RF_OPPS, r->opps, role, line);
	load_quirk_value(st, RF_OPPS_PI, r->opps_pi, role, line);
	load_quirk_value(st, RF_BETOS, r->betos, role, line);
	for (i = 0; i < RECORD_MAX_PRICING; i++)
		load_quirk_value(st, RF_PRICING, r->pricing[i], role, line);
	for (i = 0; i < RECORD_MAX_LABCERT; i++)
		load_quirk_value(st, RF_LABCERT, r->labcert[i], role, line);
	for (i = 0; i < RECORD_MAX_TOS; i++)
		load_quirk_value(st, RF_TOS, r->tos[i], role, line);
}
