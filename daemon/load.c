/*
 * load.c: loading one release of a code set: its files hashed and
 * checked against the config (sha256, min_records), parsed by the
 * loader of the set's format, and its effective date settled
 * (effective: auto).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conf.h"
#include "load.h"
#include "load_file.h"
#include "record.h"
#include "sha256.h"

void	(*load_after_hash)(const char *path);

static int	load_same_file(const struct stat *, const struct stat *);
static uint32_t	load_auto_effective(const struct record_set *);

int
load_files(const struct conf_set *cs, const struct conf_release *cr,
    struct record_set *set, struct record_err *err)
{
	switch (cs->format) {
	case CONF_FMT_CMS_ANWEB:
		return load_anweb(cr->path, cs->max_file_bytes, set, err);
	case CONF_FMT_AMA_CPT:
		return load_cpt(cr->path, cr->short_path, cr->medium_path,
		    cr->modifiers_path, cs->max_file_bytes, set, err);
	case CONF_FMT_DELIMITED:
		return load_delimited(cs, cr->path, set, err);
	}
	snprintf(err->msg, sizeof(err->msg), "%s: unknown format", cr->path);
	return -1;
}

/* Whether two stats of one path show the same, unchanged file. */
static int
load_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * effective: auto: the first day of the quarter of the latest action
 * effective date in the file, or 0 when it has none.
 */
static uint32_t
load_auto_effective(const struct record_set *rs)
{
	uint32_t	 latest = 0, m;
	size_t		 i;

	for (i = 0; i < rs->nrecs; i++)
		if (rs->recs[i].effective > latest)
			latest = rs->recs[i].effective;
	if (latest == 0)
		return 0;
	m = latest / 100 % 100;
	return latest / 10000 * 10000 + ((m - 1) / 3 * 3 + 1) * 100 + 1;
}

int
load_release(const struct conf_set *cs, const struct conf_release *cr,
    struct load_result *res, char *err, size_t errlen)
{
	struct record_err re;
	struct stat	 before, after;

	memset(res, 0, sizeof(*res));
	record_set_init(&res->rs);
	res->effective = cr->effective;
	re.msg[0] = '\0';
	/*
	 * The file is read twice, to hash and to parse; one replaced in
	 * between (an admin copying the new quarter in place) would be
	 * reported by one hash and served with another's records.  Its
	 * identity before and after tells: such a load fails, and a
	 * reload keeps the old data.
	 */
	if (stat(cr->path, &before) == -1)
		memset(&before, 0, sizeof(before));	/* loader says why */
	/* Before the hash reads it all (load_slurp checks again, by fd). */
	if (S_ISREG(before.st_mode) && (unsigned long long)before.st_size >
	    (cs->max_file_bytes ? cs->max_file_bytes : LOAD_MAX_FILE_BYTES)) {
		load_too_big(cr->path, (unsigned long long)before.st_size,
		    cs->max_file_bytes ? cs->max_file_bytes :
		    LOAD_MAX_FILE_BYTES, "max_file_bytes", &re);
		snprintf(err, errlen, "set \"%s\": %s", cs->name, re.msg);
		return -1;
	}
	/* The sha256 first: a file that is not the one meant is not read. */
	if (sha256_file(cr->path, res->sha256, &re) == -1) {
		snprintf(err, errlen, "set \"%s\": %s", cs->name, re.msg);
		return -1;
	}
	if (cr->sha256[0] != '\0' && strcmp(cr->sha256, res->sha256) != 0) {
		snprintf(err, errlen, "set \"%s\": %s: sha256 mismatch "
		    "(expected %s, file has %s)", cs->name, cr->path,
		    cr->sha256, res->sha256);
		return -1;
	}
	if (load_after_hash != NULL)
		load_after_hash(cr->path);
	if (load_files(cs, cr, &res->rs, &re) == -1) {
		snprintf(err, errlen, "set \"%s\": %s", cs->name, re.msg);
		goto fail;
	}
	if (stat(cr->path, &after) == -1 || !load_same_file(&before, &after)) {
		snprintf(err, errlen, "set \"%s\": %s: changed while it was "
		    "being loaded (copy new files in under another name, then "
		    "rename them into place)", cs->name, cr->path);
		goto fail;
	}
	res->loaded_at = time(NULL);
	if (cs->min_records > 0 && res->rs.nrecs < cs->min_records) {
		snprintf(err, errlen, "set \"%s\": %s: %zu records, fewer than "
		    "min_records %zu", cs->name, cr->path, res->rs.nrecs,
		    cs->min_records);
		goto fail;
	}
	if (cr->effective_auto &&
	    (res->effective = load_auto_effective(&res->rs)) == 0) {
		snprintf(err, errlen, "set \"%s\": %s: effective: auto, but "
		    "the file has no action effective date", cs->name,
		    cr->path);
		goto fail;
	}
	return 0;
fail:
	record_set_free(&res->rs);
	return -1;
}

void
load_quirks_summary(const struct record_stats *st, char *buf, size_t len)
{
	char		 pos[RECORD_STATS_NAME + 24];
	size_t		 off = 0;
	unsigned	 q;
	int		 n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (q = 0; q < RQ_MAX && off < len; q++) {
		if (st->quirks[q].n == 0)
			continue;
		record_quirk_pos(st, &st->quirks[q].first[0], pos, sizeof(pos));
		n = snprintf(buf + off, len - off, "%s%s %zu (first %s)",
		    off > 0 ? ", " : "", record_quirk_name(q),
		    st->quirks[q].n, pos);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

void
load_quirks_print(FILE *fp, const struct record_stats *st,
    const char *indent)
{
	const struct record_quirk_count *c;
	char		 pos[RECORD_STATS_NAME + 24];
	size_t		 i;
	unsigned	 q;

	for (q = 0; q < RQ_MAX; q++) {
		c = &st->quirks[q];
		if (c->n == 0)
			continue;
		fprintf(fp, "%s%s %zu:", indent, record_quirk_name(q), c->n);
		for (i = 0; i < c->n && i < RECORD_QUIRK_FIRST; i++) {
			record_quirk_pos(st, &c->first[i], pos, sizeof(pos));
			fprintf(fp, "%s %s", i > 0 ? "," : "", pos);
		}
		fprintf(fp, "%s\n", c->n > RECORD_QUIRK_FIRST ? ", ..." : "");
	}
}
