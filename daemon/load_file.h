/*
 * load_file.h: what every loader shares to read its files (load_file.c).
 */
#ifndef HCPCSD_LOAD_FILE_H
#define HCPCSD_LOAD_FILE_H

#include <stddef.h>

#include "record.h"

/* bytes: the default max_file_bytes (real ANWEB files are ~5 MB) */
#define LOAD_MAX_FILE_BYTES	(64 * 1024 * 1024)

/*
 * Read a whole file into a NUL-terminated malloc'd buffer.  Fails (err
 * "path: reason") for a missing, unreadable or empty file, or one of
 * more than max bytes (0: LOAD_MAX_FILE_BYTES), which fstat tells
 * before anything is read or allocated.
 */
char	*load_slurp(const char *path, size_t max, size_t *len,
	    struct record_err *);

/* err = "path: N bytes, more than max_file_bytes M"; returns -1. */
int	load_too_big(const char *path, unsigned long long size, size_t max,
	    struct record_err *);

/* err = "path: out of memory"; returns -1 for the caller to return. */
int	load_oom(const char *path, struct record_err *);

/*
 * Quirks (record.h): name the file of a role (0 main, 1 short, 2
 * medium, 3 modifiers) by its base name, and count one quirk at a line
 * of it, keeping the first RECORD_QUIRK_FIRST positions.
 */
void	load_quirk_file(struct record_stats *, unsigned role,
	    const char *path);
void	load_quirk(struct record_stats *, enum record_quirk, unsigned role,
	    size_t line);
/* Count every coded value of r that meanings.c does not know. */
void	load_quirk_unknowns(struct record_stats *, const struct record *,
	    unsigned role, size_t line);

#endif /* HCPCSD_LOAD_FILE_H */
