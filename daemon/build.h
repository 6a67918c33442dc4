/*
 * build.h: the whole load pipeline in one place: a parsed config
 * (conf.c), each release of each set loaded and checked (load.c), all
 * of them indexed into one snapshot (snapshot.c).
 */
#ifndef HCPCSD_BUILD_H
#define HCPCSD_BUILD_H

#include <stddef.h>

struct conf;
struct snapshot;

/*
 * Load every release of every set in conf, in config order, and index
 * them.  A release is refused, and so the whole build, when its file
 * does not match the configured sha256, when it has fewer than the
 * set's min_records records (procedures and modifiers), when
 * effective: auto finds no action effective date in it, when two
 * releases of a set end up with one date, or when it fails the shrink
 * guard: it holds fewer than the set's min_ratio of the codes of the
 * release it replaces, that is, in prev (the snapshot served; NULL: none)
 * the release of the same set and date, else that set's newest before
 * it, and in conf the set's release of the date before ("hcpcs
 * 2020-01-01: 3,040 codes, 45% of the 6,710 now served (min_ratio
 * 0.9)").  So is a set with no releases (only a conf built by hand has
 * one).  On failure returns NULL with
 * err naming the set, the file and what ("set \"hcpcs\": /x.txt:
 * sha256 mismatch (expected ..., file has ...)", or the loader's
 * file:line: what).  Logs nothing: the caller decides (startup exits,
 * reload keeps the old snapshot).  The snapshot holds one reference
 * and is not yet published.
 */
struct snapshot	*build_snapshot(const struct conf *,
		    const struct snapshot *prev, char *err, size_t errlen);

#endif /* HCPCSD_BUILD_H */
