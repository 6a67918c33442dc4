/*
 * snapshot_diff.c: two releases of one set compared record by record
 * (snapshot_diff), each field by its row of record.c's table
 * (snapshot_field_eq), a field's unparsable text counting as its value
 * (snapshot_raw).  Reads struct snapshot; calls nothing in snapshot.c.
 */
#include <string.h>

#include "record.h"
#include "snapshot.h"
#include "snapshot_int.h"

static int	snapshot_field_eq(const struct record *,
		    const struct record *, enum record_field);
static int	snapshot_str_eq(const char *, const char *);
static int	snapshot_list_eq(const char *const *, const char *const *,
		    size_t);
static const char *snapshot_raw(const struct record *, enum record_field);

static int
snapshot_str_eq(const char *a, const char *b)
{
	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	return strcmp(a, b) == 0;
}

/* Lists compare by their values in order, blanks left out. */
static int
snapshot_list_eq(const char *const *a, const char *const *b, size_t n)
{
	size_t		 i = 0, j = 0;

	for (;;) {
		while (i < n && a[i] == NULL)
			i++;
		while (j < n && b[j] == NULL)
			j++;
		if (i == n || j == n)
			return i == n && j == n;
		if (strcmp(a[i], b[j]) != 0)
			return 0;
		i++;
		j++;
	}
}

/* A field's unparsable text kept in raw, or NULL. */
static const char *
snapshot_raw(const struct record *r, enum record_field f)
{
	const char	*name = record_field_name(f);
	unsigned	 i;

	for (i = 0; i < r->nraw && i < RECORD_MAX_RAW; i++)
		if (r->raw[i].field != NULL && name != NULL &&
		    strcmp(r->raw[i].field, name) == 0)
			return r->raw[i].value;
	return NULL;
}

static int
snapshot_field_eq(const struct record *a, const struct record *b,
    enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);
	const void	*pa = record_field_ptr(a, f);
	const void	*pb = record_field_ptr(b, f);

	if (fi == NULL)
		return 1;
	if (!snapshot_str_eq(snapshot_raw(a, f), snapshot_raw(b, f)))
		return 0;
	switch (fi->type) {
	case RECORD_T_CODE:
		return strcmp(pa, pb) == 0;
	case RECORD_T_TEXT:
	case RECORD_T_STR:
		return snapshot_str_eq(*(const char *const *)pa,
		    *(const char *const *)pb);
	case RECORD_T_DATE:
		return *(const uint32_t *)pa == *(const uint32_t *)pb;
	case RECORD_T_LIST:
		return snapshot_list_eq(pa, pb, fi->max);
	case RECORD_T_UINT:
		return *(const int *)pa == *(const int *)pb;
	}
	return 1;
}

/*
 * One walk over recs: they are in (code, set, release) order, so each
 * code's records of the two releases sit together and the walk is a
 * merge of the two releases' code-sorted records.  Within a release the
 * first record of a code counts (a later duplicate is the loader's to
 * report).
 */
void
snapshot_diff(const struct snapshot *s, size_t set, size_t from, size_t to,
    snapshot_diff_fn *fn, void *arg)
{
	const struct record *a, *b;
	const struct snapshot_rec *sr;
	size_t		 i, j;
	uint32_t	 fields;
	int		 f;

	if (set >= s->nsets || from >= s->sets[set].nreleases ||
	    to >= s->sets[set].nreleases)
		return;
	for (i = 0; i < s->nrecs; i = j) {
		a = b = NULL;
		for (j = i; j < s->nrecs &&
		    strcmp(s->recs[j].rec->code, s->recs[i].rec->code) == 0;
		    j++) {
			sr = &s->recs[j];
			if (sr->set_index != set)
				continue;
			if (sr->release_index == from && a == NULL)
				a = sr->rec;
			if (sr->release_index == to && b == NULL)
				b = sr->rec;
		}
		if (a == NULL && b == NULL)
			continue;
		if (a == NULL) {
			fn(arg, SNAPSHOT_DIFF_ADDED, b->code, 0);
			continue;
		}
		if (b == NULL) {
			fn(arg, SNAPSHOT_DIFF_REMOVED, a->code, 0);
			continue;
		}
		if (a->terminated == 0 && b->terminated != 0)
			fn(arg, SNAPSHOT_DIFF_TERMINATED, a->code, 0);
		fields = 0;
		for (f = 0; f < RF_MAX; f++) {
			/* Action codes and their dates describe the update. */
			if (f == RF_CODE || f == RF_ACTION ||
			    f == RF_EFFECTIVE)
				continue;
			if (!snapshot_field_eq(a, b, (enum record_field)f))
				fields |= 1u << f;
		}
		if (fields != 0)
			fn(arg, SNAPSHOT_DIFF_CHANGED, a->code, fields);
	}
}
