/*
 * load.h: one loader per source format.  Each reads its files into a
 * record_set (see record.h) or fails with file:line[:column]: what was
 * expected.  A file that is missing, unreadable, empty, over its size
 * cap, cut, damaged, holding a code twice or no valid record fails the
 * load; the documented quirks of real files (disclaimers, blank dates,
 * odd values kept raw, ...) never do: they are counted in the set's
 * stats with where they were first seen.
 */
#ifndef HCPCSD_LOAD_H
#define HCPCSD_LOAD_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "record.h"

struct conf_release;
struct conf_set;

/* CMS fixed-width ANWEB file (docs/formats.md section 8). */
int	load_anweb(const char *path, size_t max, struct record_set *,
	    struct record_err *);

/*
 * AMA CPT data files: LONGULT.txt (code TAB long descriptor) with the
 * optional SHORTU.txt and MEDU.txt (fixed width) merged by code and the
 * optional modifiers file.  NULL for an absent optional file.  max:
 * the most bytes a file may have (0: LOAD_MAX_FILE_BYTES), for every
 * loader.
 */
int	load_cpt(const char *longult, const char *shortu, const char *medu,
	    const char *modul, size_t max, struct record_set *,
	    struct record_err *);

/* CSV/TSV at path with a header row, mapped by the set's columns. */
int	load_delimited(const struct conf_set *, const char *path,
	    struct record_set *, struct record_err *);

/*
 * The files of one release of a set, read by the loader of the set's
 * format; paths are already absolute.  Checks nothing of the config.
 */
int	load_files(const struct conf_set *, const struct conf_release *,
	    struct record_set *, struct record_err *);

/* One release loaded by load_release. */
struct load_result {
	struct record_set rs;		/* the caller's to free */
	char		 sha256[65];	/* of the main file, hex */
	time_t		 loaded_at;
	/*
	 * The configured date, or for effective: auto the first day of
	 * the quarter of the file's latest action effective date.
	 */
	uint32_t	 effective;
};

/*
 * Load one release and check what the config asks of it.  Refused
 * when its main file does not match the configured sha256, changes
 * while it is loaded, holds fewer than the set's min_records records
 * (procedures and modifiers), or, for effective: auto, has no action
 * effective date.  On failure res holds nothing to free and err is
 * "set \"name\": what" (what: "path: sha256 mismatch (...)", or the
 * loader's file:line: what).  Logs nothing.
 */
int	load_release(const struct conf_set *, const struct conf_release *,
	    struct load_result *res, char *err, size_t errlen);

/*
 * One line about the quirks of st, for the reload log: "blank_dates 115
 * (first F:23), short_lines 5280 (first F:11)", or "none".  Truncated
 * to len (NUL-terminated).
 */
void	load_quirks_summary(const struct record_stats *st, char *buf,
	    size_t len);

/*
 * Every quirk of st with each position kept ("F:23, F:45, F:67"),
 * one line per kind, each prefixed by indent; to fp (hcpcsd -t -v).
 */
void	load_quirks_print(FILE *fp, const struct record_stats *st,
	    const char *indent);

/*
 * Tests only (NULL otherwise): called with a release's path after its
 * file is hashed and before it is parsed, so a test can replace the
 * file in between.
 */
extern void	(*load_after_hash)(const char *path);

#endif /* HCPCSD_LOAD_H */
