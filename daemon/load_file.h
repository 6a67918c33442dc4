/*
 * load_file.h: what every loader shares to read its files (load_file.c).
 */
#ifndef HCPCSD_LOAD_FILE_H
#define HCPCSD_LOAD_FILE_H

#include <stddef.h>

#include "record.h"

/*
 * Read a whole file into a NUL-terminated malloc'd buffer.  Fails (err
 * "path: reason") for a missing, unreadable or empty file.
 */
char	*load_slurp(const char *path, size_t *len, struct record_err *);

/*
 * load_slurp, and also refused ("path: larger than N MiB") when the
 * file is larger than max bytes (0: any size), before it is read.
 */
char	*load_slurp_max(const char *path, size_t max, size_t *len,
	    struct record_err *);

/* err = "path: out of memory"; returns -1 for the caller to return. */
int	load_oom(const char *path, struct record_err *);

#endif /* HCPCSD_LOAD_FILE_H */
