/*
 * build.c: from a parsed config to a snapshot, in order: for each set
 * in config order, each of its releases loaded and checked (load.c)
 * into a snapshot_src carrying the set's facts from the config; then
 * all of them indexed at once (snapshot_build_sets).  Publishing is the
 * caller's (startup, or the reload thread).
 */
#include <stdint.h>
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
static void	build_thousands(size_t, char *, size_t);
static void	build_ratio(unsigned, char *, size_t);
static int	build_prev_codes(const struct snapshot *, const char *,
		    uint32_t, size_t *, uint32_t *);
static int	build_shrunk(const struct conf_set *,
		    const struct snapshot_src *, size_t, const char *,
		    char *, size_t);
static int	build_shrink_guard(const struct conf_set *,
		    const struct snapshot_src *, size_t,
		    const struct snapshot *, char *, size_t);

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

/* 6710 as "6,710": counts an admin compares at a glance. */
static void
build_thousands(size_t n, char *buf, size_t len)
{
	char	 digits[32];
	size_t	 nd, i, o = 0;

	nd = (size_t)snprintf(digits, sizeof(digits), "%zu", n);
	for (i = 0; i < nd && o + 2 < len; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* Ten-thousandths as the config writes them: 9000 is "0.9". */
static void
build_ratio(unsigned r, char *buf, size_t len)
{
	size_t	 n;

	if (r % CONF_RATIO_ONE == 0) {
		snprintf(buf, len, "%u", r / CONF_RATIO_ONE);
		return;
	}
	n = (size_t)snprintf(buf, len, "%u.%04u", r / CONF_RATIO_ONE,
	    r % CONF_RATIO_ONE);
	while (n > 0 && n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
}

/*
 * The codes of the release of set name in prev that one effective on
 * eff replaces: prev's release of that date, else its newest one
 * before it.  0 with *n and *date set, or -1 when there is none.
 */
static int
build_prev_codes(const struct snapshot *prev, const char *name, uint32_t eff,
    size_t *n, uint32_t *date)
{
	const struct snapshot_set_info *si;
	const struct snapshot_release_info *ri;
	int		 set;
	size_t		 j;

	if (prev == NULL ||
	    (set = snapshot_set_index(prev, name, strlen(name))) < 0)
		return -1;
	si = snapshot_set(prev, (size_t)set);
	/* Oldest first: the last one on or before eff. */
	for (j = si->nreleases; j-- > 0;) {
		ri = &si->releases[j];
		if (ri->effective <= eff) {
			*n = ri->records + ri->modifiers;
			*date = ri->effective;
			return 0;
		}
	}
	return -1;
}

/*
 * Refuse rel, a release of cs, when it holds fewer than min_ratio of
 * base codes; what says whose ("now served", "of release ...").
 */
static int
build_shrunk(const struct conf_set *cs, const struct snapshot_src *rel,
    size_t base, const char *what, char *err, size_t errlen)
{
	char	 d[11], have[32], had[32], ratio[16];

	if ((unsigned long long)rel->rs.nrecs * CONF_RATIO_ONE >=
	    (unsigned long long)base * cs->min_ratio)
		return 0;
	if (rel->effective != 0)
		record_format_date(rel->effective, d);
	build_thousands(rel->rs.nrecs, have, sizeof(have));
	build_thousands(base, had, sizeof(had));
	build_ratio(cs->min_ratio, ratio, sizeof(ratio));
	snprintf(err, errlen, "%s%s%s: %s codes, %llu%% of the %s %s "
	    "(min_ratio %s)", cs->name, rel->effective != 0 ? " " : "",
	    rel->effective != 0 ? d : "", have,
	    (unsigned long long)rel->rs.nrecs * 100 / base, had, what, ratio);
	return -1;
}

/*
 * The shrink guard over the n loaded releases src of set cs: each
 * must hold at least min_ratio of the codes of the release it
 * replaces, in prev (the snapshot served: the release of its date, or
 * the one before) and in the config (the release of the date before).
 * A file cut short or a wrong file is caught here, where min_records,
 * an absolute floor, rarely is.
 */
static int
build_shrink_guard(const struct conf_set *cs, const struct snapshot_src *src,
    size_t n, const struct snapshot *prev, char *err, size_t errlen)
{
	const struct snapshot_src *before;
	char		 what[64], d[11];
	uint32_t	 date;
	size_t		 i, j, base;

	if (cs->min_ratio == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (build_prev_codes(prev, cs->name, src[i].effective, &base,
		    &date) == 0 && base > 0) {
			if (date == src[i].effective)
				snprintf(what, sizeof(what), "now served");
			else {
				record_format_date(date, d);
				snprintf(what, sizeof(what), "of release %s "
				    "now served", date != 0 ? d : "always");
			}
			if (build_shrunk(cs, &src[i], base, what, err,
			    errlen) == -1)
				return -1;
		}
		/* Releases are in config order: find the date before. */
		before = NULL;
		for (j = 0; j < n; j++)
			if (src[j].effective < src[i].effective &&
			    (before == NULL ||
			    src[j].effective > before->effective))
				before = &src[j];
		if (before == NULL || before->rs.nrecs == 0)
			continue;
		if (before->effective != 0)
			record_format_date(before->effective, d);
		snprintf(what, sizeof(what), "of release %s",
		    before->effective != 0 ? d : "always");
		if (build_shrunk(cs, &src[i], before->rs.nrecs, what, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

struct snapshot *
build_snapshot(const struct conf *conf, const struct snapshot *prev,
    char *err, size_t errlen)
{
	struct snapshot_src *src;
	struct snapshot	*s;
	const struct conf_set *cs;
	size_t		 i, j, n = 0, nloaded = 0, first;

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
		first = nloaded;
		for (j = 0; j < cs->nreleases; j++) {
			if (build_release(cs, &cs->releases[j], &src[nloaded],
			    err, errlen) == -1)
				goto fail;
			nloaded++;
		}
		if (build_shrink_guard(cs, &src[first], cs->nreleases, prev,
		    err, errlen) == -1)
			goto fail;
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
