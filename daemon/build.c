/*
 * build.c: from a parsed config to a snapshot, in order: for each set
 * in config order, each of its releases loaded and checked (load.c)
 * into a snapshot_src carrying the set's facts from the config; then
 * all of them indexed at once (snapshot_build_sets).  Publishing is the
 * caller's (startup, or the reload thread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "conf.h"
#include "load.h"
#include "record.h"
#include "snapshot.h"

static int	build_release(const struct conf_set *,
		    const struct conf_release *, struct snapshot_src *,
		    char *, size_t);

/* Load one release into src, with the set's facts from the config. */
static int
build_release(const struct conf_set *cs, const struct conf_release *cr,
    struct snapshot_src *src, char *err, size_t errlen)
{
	struct load_result res;

	src->name = cs->name;
	src->format = conf_format_name(cs->format);
	src->path = cr->path;
	src->effective_auto = cr->effective_auto;
	src->min_records = cs->min_records;
	src->stale_after = cs->stale_after;
	src->stale_months = cs->stale_unit == CONF_UNIT_MONTHS;
	if (load_release(cs, cr, &res, err, errlen) == -1)
		return -1;
	src->rs = res.rs;
	src->effective = res.effective;
	src->loaded_at = res.loaded_at;
	memcpy(src->sha256, res.sha256, sizeof(src->sha256));
	return 0;
}

struct snapshot *
build_snapshot(const struct conf *conf, char *err, size_t errlen)
{
	struct snapshot_src *src;
	struct snapshot	*s;
	const struct conf_set *cs;
	size_t		 i, j, n = 0, nloaded = 0;

	for (i = 0; i < conf->nsets; i++) {
		/* conf_load gives each set one; a conf built by hand may not. */
		if (conf->sets[i].nreleases == 0) {
			snprintf(err, errlen, "set \"%s\": no releases",
			    conf->sets[i].name);
			return NULL;
		}
		n += conf->sets[i].nreleases;
	}
	if ((src = calloc(n > 0 ? n : 1, sizeof(*src))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < conf->nsets; i++) {
		cs = &conf->sets[i];
		for (j = 0; j < cs->nreleases; j++) {
			if (build_release(cs, &cs->releases[j], &src[nloaded],
			    err, errlen) == -1)
				goto fail;
			nloaded++;
		}
	}
	s = snapshot_build_sets(src, n, err, errlen);
	free(src);
	return s;

fail:
	for (i = 0; i < nloaded; i++)
		record_set_free(&src[i].rs);
	free(src);
	return NULL;
}
