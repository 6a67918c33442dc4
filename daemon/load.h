/*
 * load.h: one loader per source format.  Each reads its files into a
 * record_set (see record.h) or fails with file:line[:column]: what was
 * expected.  A file that is missing, unreadable, empty, or has no valid
 * record fails the load; odd values inside a good file never do (they
 * are kept raw and counted in the set's stats).
 */
#ifndef HCPCSD_LOAD_H
#define HCPCSD_LOAD_H

#include "record.h"

struct conf_set;

/* CMS fixed-width ANWEB file (docs/formats.md section 8). */
int	load_anweb(const char *path, struct record_set *,
	    struct record_err *);

/*
 * AMA CPT data files: LONGULT.txt (code TAB long descriptor) with the
 * optional SHORTU.txt and MEDU.txt (fixed width) merged by code and the
 * optional modifiers file.  NULL for an absent optional file.
 */
int	load_cpt(const char *longult, const char *shortu, const char *medu,
	    const char *modul, struct record_set *, struct record_err *);

/* CSV/TSV with a header row, mapped by the set's columns. */
int	load_delimited(const struct conf_set *, struct record_set *,
	    struct record_err *);

/* Dispatch on the set's format; paths are already absolute. */
int	load_set(const struct conf_set *, struct record_set *,
	    struct record_err *);

#endif /* HCPCSD_LOAD_H */
