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
 * "path: reason") for a missing, unreadable, non-regular, world-writable
 * or empty file, or one of more than max bytes (0: LOAD_MAX_FILE_BYTES),
 * which fstat tells before anything is read or allocated.
 */
char	*load_slurp(const char *path, size_t max, size_t *len,
	    struct record_err *);

/*
 * load_slurp with the limit named: key is the config key an admin
 * raises ("max_file_bytes"), or NULL for a limit of the code's own (the
 * config file's "larger than 1 MiB"); max 0 is no limit.
 */
char	*load_slurp_max(const char *path, size_t max, const char *key,
	    size_t *len, struct record_err *);

/*
 * err = "path: N bytes, more than KEY M (raise KEY ...)", or with key
 * NULL "path: larger than M MiB"; returns -1.
 */
int	load_too_big(const char *path, unsigned long long size, size_t max,
	    const char *key, struct record_err *);

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
