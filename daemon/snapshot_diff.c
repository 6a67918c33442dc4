/*
 * snapshot_diff.c: two releases of one set compared record by record
 * (snapshot_diff), each field by its row of record.c's table
 * (snapshot_field_eq), a field's unparsable text counting as its value
 * (snapshot_raw).  Across two snapshots: each release reduced to its
 * codes, terminations and digests (snapshot_codes_of), and two such
 * reductions compared date by date (snapshot_preview).  Reads struct
 * snapshot; calls nothing in snapshot.c.
 */
#include <stdlib.h>
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

/*
 * Across snapshots.
 */

#define SNAPSHOT_FNV_OFFSET	0xcbf29ce484222325ULL
#define SNAPSHOT_FNV_PRIME	0x100000001b3ULL

static uint64_t
snapshot_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= SNAPSHOT_FNV_PRIME;
	}
	return h;
}

/* A string and its NUL, so "ab","c" and "a","bc" differ; NULL as "". */
static uint64_t
snapshot_fnv_str(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	return snapshot_fnv(h, s, strlen(s) + 1);
}

/* Integers byte by byte, least significant first: no host order. */
static uint64_t
snapshot_fnv_u32(uint64_t h, uint32_t v)
{
	unsigned char	 b[4];

	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
	b[2] = (unsigned char)(v >> 16);
	b[3] = (unsigned char)(v >> 24);
	return snapshot_fnv(h, b, sizeof(b));
}

uint64_t
snapshot_rec_digest(const struct record *r)
{
	const struct record_field_info *fi;
	const char *const *l;
	const void	*p;
	uint64_t	 h = SNAPSHOT_FNV_OFFSET;
	size_t		 i;
	int		 f;

	for (f = 0; f < RF_MAX; f++) {
		/* As snapshot_diff; the termination is compared apart. */
		if (f == RF_CODE || f == RF_ACTION || f == RF_EFFECTIVE ||
		    f == RF_TERMINATED)
			continue;
		if ((fi = record_field_info((enum record_field)f)) == NULL)
			continue;
		p = record_field_ptr(r, (enum record_field)f);
		h = snapshot_fnv_u32(h, (uint32_t)f);
		h = snapshot_fnv_str(h, snapshot_raw(r, (enum record_field)f));
		switch (fi->type) {
		case RECORD_T_CODE:
			h = snapshot_fnv_str(h, p);
			break;
		case RECORD_T_TEXT:
		case RECORD_T_STR:
			h = snapshot_fnv_str(h, *(const char *const *)p);
			break;
		case RECORD_T_DATE:
			h = snapshot_fnv_u32(h, *(const uint32_t *)p);
			break;
		case RECORD_T_LIST:
			/* Blanks left out, as snapshot_list_eq does. */
			l = p;
			for (i = 0; i < fi->max; i++)
				if (l[i] != NULL)
					h = snapshot_fnv_str(h, l[i]);
			h = snapshot_fnv_u32(h, 0xffffffffU);
			break;
		case RECORD_T_UINT:
			h = snapshot_fnv_u32(h, (uint32_t)*(const int *)p);
			break;
		}
	}
	return h;
}

void
snapshot_codes_free(struct snapshot_codes *c)
{
	size_t	 i, j;

	for (i = 0; i < c->nsets; i++) {
		for (j = 0; j < c->sets[i].nrels; j++)
			free(c->sets[i].rels[j].codes);
		free(c->sets[i].rels);
		free(c->sets[i].name);
	}
	free(c->sets);
	c->sets = NULL;
	c->nsets = 0;
}

/* The codes of release rel of set, in code order (recs' order). */
static int
snapshot_rel_codes(const struct snapshot *s, size_t set, size_t rel,
    struct snapshot_rel_codes *out)
{
	const struct snapshot_rec *sr;
	struct snapshot_code *c;
	size_t		 i, n = 0;

	out->effective = s->sets[set].releases[rel].effective;
	out->ncodes = 0;
	out->codes = NULL;
	for (i = 0; i < s->nrecs; i++)
		if (s->recs[i].set_index == set &&
		    s->recs[i].release_index == rel)
			n++;
	if (n == 0)
		return 0;
	if ((out->codes = calloc(n, sizeof(*out->codes))) == NULL)
		return -1;
	for (i = 0; i < s->nrecs; i++) {
		sr = &s->recs[i];
		if (sr->set_index != set || sr->release_index != rel)
			continue;
		/* recs are in code order: a repeat follows its first. */
		if (out->ncodes > 0 && strcmp(out->codes[out->ncodes - 1].code,
		    sr->rec->code) == 0)
			continue;
		c = &out->codes[out->ncodes++];
		memcpy(c->code, sr->rec->code, sizeof(c->code));
		c->terminated = sr->rec->terminated;
		c->digest = snapshot_rec_digest(sr->rec);
	}
	return 0;
}

int
snapshot_codes_of(const struct snapshot *s, uint32_t from,
    struct snapshot_codes *out)
{
	struct snapshot_set_codes *sc;
	const struct snapshot_set_info *si;
	size_t		 i, j, first;
	int		 cur;

	out->nsets = 0;
	if ((out->sets = calloc(s->nsets + 1, sizeof(*out->sets))) == NULL)
		return -1;
	for (i = 0; i < s->nsets; i++) {
		si = &s->sets[i];
		sc = &out->sets[out->nsets++];
		cur = snapshot_int_in_force(s, i, from);
		first = cur >= 0 ? (size_t)cur : 0;
		if ((sc->name = strdup(si->name)) == NULL ||
		    (sc->rels = calloc(si->nreleases - first,
		    sizeof(*sc->rels))) == NULL)
			goto fail;
		for (j = first; j < si->nreleases; j++)
			if (snapshot_rel_codes(s, i, j,
			    &sc->rels[sc->nrels++]) == -1)
				goto fail;
	}
	return 0;
fail:
	snapshot_codes_free(out);
	return -1;
}

/* The release of sc in force on as_of, or NULL. */
static const struct snapshot_rel_codes *
snapshot_codes_in_force(const struct snapshot_set_codes *sc, uint32_t as_of)
{
	size_t	 i;

	if (sc == NULL)
		return NULL;
	for (i = sc->nrels; i-- > 0;)
		if (sc->rels[i].effective <= as_of)
			return &sc->rels[i];
	return NULL;
}

static const struct snapshot_set_codes *
snapshot_codes_set(const struct snapshot_codes *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nsets; i++)
		if (strcmp(c->sets[i].name, name) == 0)
			return &c->sets[i];
	return NULL;
}

static void
snapshot_preview_note(struct snapshot_preview_change *ch,
    enum snapshot_diff_kind k, const char *code)
{
	struct snapshot_preview_list *l = &ch->kind[k];

	if (l->n < SNAPSHOT_PREVIEW_CODES)
		memcpy(l->codes[l->n++], code, RECORD_CODE_MAX + 1);
	l->count++;
}

/* One date: a merge of the two code-ordered lists. */
static void
snapshot_preview_rel(struct snapshot_preview_change *ch,
    const struct snapshot_rel_codes *a, const struct snapshot_rel_codes *b)
{
	const struct snapshot_code *x, *y;
	size_t		 na = a != NULL ? a->ncodes : 0;
	size_t		 nb = b != NULL ? b->ncodes : 0;
	size_t		 i = 0, j = 0;
	int		 c;

	ch->has_from = a != NULL;
	ch->from_effective = a != NULL ? a->effective : 0;
	ch->from_codes = na;
	ch->has_to = b != NULL;
	ch->to_effective = b != NULL ? b->effective : 0;
	ch->to_codes = nb;
	while (i < na || j < nb) {
		x = i < na ? &a->codes[i] : NULL;
		y = j < nb ? &b->codes[j] : NULL;
		c = x == NULL ? 1 : y == NULL ? -1 : strcmp(x->code, y->code);
		if (c < 0) {
			snapshot_preview_note(ch, SNAPSHOT_DIFF_REMOVED,
			    x->code);
			i++;
			continue;
		}
		if (c > 0) {
			snapshot_preview_note(ch, SNAPSHOT_DIFF_ADDED, y->code);
			j++;
			continue;
		}
		if (x->terminated == 0 && y->terminated != 0)
			snapshot_preview_note(ch, SNAPSHOT_DIFF_TERMINATED,
			    x->code);
		if (x->digest != y->digest || (x->terminated != 0 &&
		    x->terminated != y->terminated))
			snapshot_preview_note(ch, SNAPSHOT_DIFF_CHANGED,
			    x->code);
		i++;
		j++;
	}
}

static int
snapshot_date_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Today and each later date a release of either takes effect. */
static int
snapshot_preview_set(struct snapshot_preview_set *ps,
    const struct snapshot_set_codes *a, const struct snapshot_set_codes *b,
    uint32_t today)
{
	uint32_t	*dates;
	size_t		 i, n = 0, na = a != NULL ? a->nrels : 0;
	size_t		 nb = b != NULL ? b->nrels : 0;

	if ((ps->name = strdup(a != NULL ? a->name : b->name)) == NULL ||
	    (dates = calloc(na + nb + 1, sizeof(*dates))) == NULL)
		return -1;
	dates[n++] = today;
	for (i = 0; i < na; i++)
		if (a->rels[i].effective > today)
			dates[n++] = a->rels[i].effective;
	for (i = 0; i < nb; i++)
		if (b->rels[i].effective > today)
			dates[n++] = b->rels[i].effective;
	qsort(dates, n, sizeof(*dates), snapshot_date_cmp);
	if ((ps->changes = calloc(n, sizeof(*ps->changes))) == NULL) {
		free(dates);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && dates[i] == dates[i - 1])
			continue;
		ps->changes[ps->nchanges].as_of = dates[i];
		snapshot_preview_rel(&ps->changes[ps->nchanges++],
		    snapshot_codes_in_force(a, dates[i]),
		    snapshot_codes_in_force(b, dates[i]));
	}
	free(dates);
	return 0;
}

void
snapshot_preview_free(struct snapshot_preview *p)
{
	size_t	 i;

	for (i = 0; i < p->nsets; i++) {
		free(p->sets[i].name);
		free(p->sets[i].changes);
	}
	free(p->sets);
	p->sets = NULL;
	p->nsets = 0;
}

int
snapshot_preview(const struct snapshot_codes *from,
    const struct snapshot_codes *to, uint32_t today,
    struct snapshot_preview *out)
{
	size_t	 i;

	out->nsets = 0;
	if ((out->sets = calloc(from->nsets + to->nsets + 1,
	    sizeof(*out->sets))) == NULL)
		return -1;
	for (i = 0; i < to->nsets; i++)
		if (snapshot_preview_set(&out->sets[out->nsets++],
		    snapshot_codes_set(from, to->sets[i].name), &to->sets[i],
		    today) == -1)
			goto fail;
	for (i = 0; i < from->nsets; i++)
		if (snapshot_codes_set(to, from->sets[i].name) == NULL &&
		    snapshot_preview_set(&out->sets[out->nsets++],
		    &from->sets[i], NULL, today) == -1)
			goto fail;
	return 0;
fail:
	snapshot_preview_free(out);
	return -1;
}
