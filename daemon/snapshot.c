/*
 * snapshot.c: build, publish and query immutable snapshots.
 *
 * A snapshot owns, and its last release frees:
 *  - rsets: the loaded record sets, one per release, sets in config
 *    order and each set's releases oldest first (rels describes them,
 *    rel_set says whose they are);
 *  - sets: per-set info, its strings copied into strs;
 *  - recs: one snapshot_rec per loaded record, sorted by (code, set
 *    order, release, file order).  A record's id is its index in recs,
 *    so exact lookup is a binary search and a code prefix is a range of
 *    ids.  Every release is indexed; queries keep the records of the
 *    release in force on their as_of date;
 *  - enc: every record's pre-encoded map, back to back;
 *  - the word index: words holds each record's distinct lower-cased
 *    descriptor words, NUL-terminated; rwords[rwstart[id] ..
 *    rwstart[id + 1]) are the offsets of record id's words in sorted
 *    order; pairs holds (word offset, id) for all of them, sorted by
 *    word then id, so a word prefix is a range of pairs.
 *
 * Nothing changes after build: any number of threads may query one
 * snapshot at once, and the query functions allocate nothing.
 */
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "classify.h"
#include "record.h"
#include "snapshot.h"

/*
 * Candidates a search collects on the stack before it falls back to a
 * scan of every record (see snapshot_search).
 */
#define SNAPSHOT_SCRATCH	4096

struct snapshot_pair {
	uint32_t	 word;		/* offset in words */
	uint32_t	 id;		/* record id */
};

struct snapshot {
	atomic_ulong	 refs;
	uint64_t	 generation;
	struct snapshot_set_info *sets;
	size_t		 nsets;
	struct snapshot_release_info *rels;
	struct record_set *rsets;	/* parallel to rels */
	unsigned	*rel_set;	/* parallel to rels: the set */
	size_t		 nrels;
	char		*strs;		/* set names, formats, paths */
	struct snapshot_rec *recs;
	size_t		 nrecs;
	unsigned char	*enc;
	char		*words;
	uint32_t	*rwords;
	uint32_t	*rwstart;	/* nrecs + 1 entries */
	struct snapshot_pair *pairs;
	size_t		 npairs;
};

/* A query word: bytes of the request text, not NUL-terminated. */
struct snapshot_tok {
	const char	*p;
	size_t		 len;
};

/* A descriptor word while building: bytes of the record's text. */
struct snapshot_word {
	const char	*p;
	size_t		 len;
};

/* A growable buffer for build time. */
struct snapshot_buf {
	void		*p;
	size_t		 len;		/* elements used */
	size_t		 cap;		/* elements allocated */
};

/* Packing state: one pass counts keys, the second packs them. */
struct snapshot_enc {
	msgpack_packer	 pk;
	int		 counting;
	size_t		 nkeys;
	int		 err;
};

/*
 * The current snapshot and the last generation handed out: the only
 * mutable globals.  snapshot_lock is held only while the pointer is
 * read and its reference count raised (acquire) or while it is swapped
 * (publish).  Without it a reader could load the pointer, a publisher
 * could swap it and drop the last reference, and the reader would then
 * raise the count of freed memory.  Publishes happen once per reload,
 * so the lock is never contended for long.
 */
static struct snapshot *_Atomic snapshot_cur;
static uint64_t		 snapshot_lastgen;
static pthread_mutex_t	 snapshot_lock = PTHREAD_MUTEX_INITIALIZER;

static const unsigned char snapshot_kv_active[] = {
	0xa6, 's', 't', 'a', 't', 'u', 's',
	0xa6, 'a', 'c', 't', 'i', 'v', 'e'
};
static const unsigned char snapshot_kv_terminated[] = {
	0xa6, 's', 't', 'a', 't', 'u', 's',
	0xaa, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 'd'
};

static void	snapshot_free(struct snapshot *);
static int	snapshot_grow(struct snapshot_buf *, size_t, size_t);
static int	snapshot_rec_cmp(const void *, const void *);
/* Tests only: runs between hashing a release's file and parsing it. */
static int	snapshot_src_cmp(const void *, const void *, void *);
static uint32_t	snapshot_date_add(uint32_t, unsigned, int);
static int	snapshot_copy_info(struct snapshot *, struct snapshot_src *,
		    const size_t *, char *, size_t);
static int	snapshot_field_eq(const struct record *,
		    const struct record *, enum record_field);
static int	snapshot_str_eq(const char *, const char *);
static int	snapshot_list_eq(const char *const *, const char *const *,
		    size_t);
static const char *snapshot_raw(const struct record *, enum record_field);
static int	snapshot_index_recs(struct snapshot *);
static void	enc_key(struct snapshot_enc *, const char *);
static void	enc_strval(struct snapshot_enc *, const char *);
static void	enc_str(struct snapshot_enc *, const char *, const char *);
static void	enc_date(struct snapshot_enc *, const char *, uint32_t);
static void	enc_list(struct snapshot_enc *, const char *,
		    const char *const *, size_t);
static void	enc_int(struct snapshot_enc *, const char *, long);
static void	enc_field(struct snapshot_enc *, const struct record *,
		    enum record_field);
static void	enc_fields(struct snapshot_enc *, const struct snapshot_rec *);
static int	snapshot_encode(struct snapshot *);
static int	snapshot_word_cmp(const void *, const void *);
static int	snapshot_pair_cmp(const void *, const void *, void *);
static int	snapshot_isalnum(int);
static int	snapshot_add_words(struct snapshot_buf *, const char *);
static int	snapshot_index_words(struct snapshot *);
static int	tok_lower(int);
static int	prefix_cmp(const char *, const struct snapshot_tok *);
static void	pair_range(const struct snapshot *,
		    const struct snapshot_tok *, size_t *, size_t *);
static void	code_range(const struct snapshot *,
		    const struct snapshot_tok *, size_t *, size_t *);
static int	rec_has_word(const struct snapshot *, uint32_t,
		    const struct snapshot_tok *);
static int	rec_matches(const struct snapshot *,
		    const struct snapshot_search *,
		    const struct snapshot_tok *, size_t, uint32_t, int *);
static size_t	tokenise(const char *, size_t, struct snapshot_tok *);
static void	ids_sort(uint32_t *, size_t);

/*
 * Index loaded releases.
 */

/*
 * date (YYYYMMDD) plus n days, or n calendar months with the day kept
 * but for the month's end (01-31 plus a month is 02-28 or 02-29).
 */
static uint32_t
snapshot_date_add(uint32_t date, unsigned n, int months)
{
	uint32_t	 y, m, d, last, next;

	if (!months)
		return record_days_to_date(record_date_to_days(date) +
		    (long)n);
	m = date / 100 % 100 - 1 + n;
	y = date / 10000 + m / 12;
	m = m % 12 + 1;
	d = date % 100;
	/* The month's last day: the day before the next month's first. */
	next = m == 12 ? (y + 1) * 10000 + 101 : y * 10000 + (m + 1) * 100 + 1;
	last = record_days_to_date(record_date_to_days(next) - 1) % 100;
	return y * 10000 + m * 100 + (d > last ? last : d);
}

/* qsort_r: src indices by (set group, effective); arg is the groups. */
static int
snapshot_src_cmp(const void *a, const void *b, void *arg)
{
	const size_t	*grp = ((const size_t *const *)arg)[0];
	const struct snapshot_src *src =
	    ((const struct snapshot_src *const *)arg)[1];
	size_t		 x = *(const size_t *)a, y = *(const size_t *)b;

	if (grp[x] != grp[y])
		return grp[x] < grp[y] ? -1 : 1;
	if (src[x].effective != src[y].effective)
		return src[x].effective < src[y].effective ? -1 : 1;
	return x < y ? -1 : x > y;
}

struct snapshot *
snapshot_build_sets(struct snapshot_src *src, size_t n, char *err,
    size_t errlen)
{
	struct snapshot	*s;
	size_t		*order = NULL, *grp = NULL, i, nsets = 0;
	const void	*arg[2];

	if (errlen > 0)
		err[0] = '\0';
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto oom;
	atomic_init(&s->refs, 1);
	if ((order = calloc(n > 0 ? n : 1, sizeof(*order))) == NULL ||
	    (grp = calloc(n > 0 ? n : 1, sizeof(*grp))) == NULL ||
	    (s->rsets = calloc(n > 0 ? n : 1, sizeof(*s->rsets))) == NULL ||
	    (s->rel_set = calloc(n > 0 ? n : 1, sizeof(*s->rel_set))) ==
	    NULL)
		goto oom;
	/* Consecutive sources with one name are one set's releases. */
	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(src[i].name, src[i - 1].name) != 0)
			nsets++;
		grp[i] = nsets - 1;
		order[i] = i;
	}
	arg[0] = grp;
	arg[1] = src;
	qsort_r(order, n, sizeof(*order), snapshot_src_cmp, arg);
	for (i = 0; i < n; i++) {
		s->rsets[i] = src[order[i]].rs;
		record_set_init(&src[order[i]].rs);
		s->rel_set[i] = (unsigned)grp[order[i]];
	}
	s->nrels = n;
	s->nsets = nsets;
	if (snapshot_copy_info(s, src, order, err, errlen) == -1) {
		if (errlen == 0 || err[0] == '\0')
			goto oom;
		goto fail;
	}
	if (snapshot_index_recs(s) == -1 ||
	    snapshot_encode(s) == -1 ||
	    snapshot_index_words(s) == -1)
		goto oom;
	free(order);
	free(grp);
	return s;

oom:
	snprintf(err, errlen, "out of memory indexing %zu releases", n);
fail:
	if (s == NULL || s->nrels == 0) {
		for (i = 0; i < n; i++)
			record_set_free(&src[i].rs);
	}
	free(order);
	free(grp);
	snapshot_free(s);
	return NULL;
}

static void
snapshot_free(struct snapshot *s)
{
	size_t		 i;

	if (s == NULL)
		return;
	if (s->rsets != NULL)
		for (i = 0; i < s->nrels; i++)
			record_set_free(&s->rsets[i]);
	free(s->rsets);
	free(s->rel_set);
	free(s->rels);
	free(s->sets);
	free(s->strs);
	free(s->recs);
	free(s->enc);
	free(s->words);
	free(s->rwords);
	free(s->rwstart);
	free(s->pairs);
	free(s);
}

static int
snapshot_grow(struct snapshot_buf *b, size_t need, size_t size)
{
	size_t		 cap;
	void		*p;

	if (b->len + need <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : 1024;
	while (cap < b->len + need)
		cap *= 2;
	if ((p = realloc(b->p, cap * size)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/*
 * Set and release info, with the strings copied into one buffer.
 * order[k] is the source of release k.  Fails (err set, unless out of
 * memory) when two releases of a set share a date.
 */
static int
snapshot_copy_info(struct snapshot *s, struct snapshot_src *src,
    const size_t *order, char *err, size_t errlen)
{
	struct snapshot_set_info *si;
	struct snapshot_release_info *ri;
	const struct snapshot_release_info *cri;
	const struct snapshot_src *sc;
	const struct record *r;
	size_t		 i, j, k, total = 1, len;
	uint32_t	 today = record_today();
	char		*p, d[11];
	int		 cur;

	if ((s->sets = calloc(s->nsets > 0 ? s->nsets : 1,
	    sizeof(*s->sets))) == NULL ||
	    (s->rels = calloc(s->nrels > 0 ? s->nrels : 1,
	    sizeof(*s->rels))) == NULL)
		return -1;
	for (i = 0; i < s->nrels; i++)
		total += strlen(src[i].name) + strlen(src[i].format) +
		    strlen(src[i].path) + 3;
	if ((s->strs = malloc(total)) == NULL)
		return -1;
	p = s->strs;
	for (k = 0; k < s->nrels; k++) {
		sc = &src[order[k]];
		si = &s->sets[s->rel_set[k]];
		ri = &s->rels[k];
		if (si->name == NULL) {
			/* The set's first (oldest) release. */
			len = strlen(sc->name) + 1;
			si->name = memcpy(p, sc->name, len);
			p += len;
			len = strlen(sc->format) + 1;
			si->format = memcpy(p, sc->format, len);
			p += len;
			si->releases = ri;
		} else if (ri[-1].effective == sc->effective) {
			record_format_date(sc->effective, d);
			snprintf(err, errlen, "set \"%s\": %s and %s are both "
			    "effective %s", si->name, ri[-1].path, sc->path,
			    sc->effective != 0 ? d : "always");
			return -1;
		}
		si->nreleases++;
		if (sc->min_records > si->min_records)
			si->min_records = sc->min_records;
		len = strlen(sc->path) + 1;
		ri->path = memcpy(p, sc->path, len);
		p += len;
		ri->effective = sc->effective;
		ri->effective_auto = sc->effective_auto;
		ri->loaded_at = sc->loaded_at;
		memcpy(ri->sha256, sc->sha256, sizeof(ri->sha256));
		ri->sha256[sizeof(ri->sha256) - 1] = '\0';
		ri->stats = s->rsets[k].stats;
		/* Counted, so hand-built sets need no stats. */
		for (j = 0; j < s->rsets[k].nrecs; j++) {
			r = &s->rsets[k].recs[j];
			if (r->kind == RECORD_MODIFIER)
				ri->modifiers++;
			else
				ri->records++;
		}
	}
	/* The set-level fields: the release in force now, else the oldest. */
	for (i = 0; i < s->nsets; i++) {
		si = &s->sets[i];
		/* Every source of a set has its stale_after: take the first. */
		sc = &src[order[si->releases - s->rels]];
		cri = &si->releases[si->nreleases - 1];
		if (sc->stale_after > 0 && cri->effective != 0)
			si->fresh_until = snapshot_date_add(cri->effective,
			    sc->stale_after, sc->stale_months);
		cur = snapshot_in_force(s, i, today);
		cri = &si->releases[cur >= 0 ? cur : 0];
		si->path = cri->path;
		si->records = cri->records;
		si->modifiers = cri->modifiers;
		si->loaded_at = cri->loaded_at;
		memcpy(si->sha256, cri->sha256, sizeof(si->sha256));
		si->stats = cri->stats;
	}
	return 0;
}

static int
snapshot_rec_cmp(const void *a, const void *b)
{
	const struct snapshot_rec *x = a, *y = b;
	int		 c;

	if ((c = strcmp(x->rec->code, y->rec->code)) != 0)
		return c;
	if (x->set_index != y->set_index)
		return x->set_index < y->set_index ? -1 : 1;
	if (x->release_index != y->release_index)
		return x->release_index < y->release_index ? -1 : 1;
	/* Same release: file order (records sit in one array). */
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static const char *const snapshot_class_names[SNAPSHOT_CLASS_MAX] = {
	[SNAPSHOT_CPT] = "CPT codes",
	[SNAPSHOT_CPT_MOD] = "CPT modifiers",
	[SNAPSHOT_HCPCS] = "HCPCS codes",
	[SNAPSHOT_HCPCS_MOD] = "HCPCS modifiers",
	[SNAPSHOT_CDT] = "CDT codes",
};

enum snapshot_class
snapshot_class(const struct classify *cl)
{
	int	mod;

	if (cl->system == NULL || cl->kind == NULL)
		return SNAPSHOT_CLASS_MAX;
	mod = strcmp(cl->kind, "modifier") == 0;
	if (strcmp(cl->system, "CPT") == 0)
		return mod ? SNAPSHOT_CPT_MOD : SNAPSHOT_CPT;
	if (strcmp(cl->system, "HCPCS") == 0)
		return mod ? SNAPSHOT_HCPCS_MOD : SNAPSHOT_HCPCS;
	if (strcmp(cl->system, "CDT") == 0)
		return SNAPSHOT_CDT;
	return SNAPSHOT_CLASS_MAX;
}

const char *
snapshot_class_name(enum snapshot_class c)
{
	return (unsigned)c < SNAPSHOT_CLASS_MAX ? snapshot_class_names[c] :
	    "such codes";
}

/*
 * recs in (code, set order, release, file order), with each record's
 * level, and each set's classes held.
 */
static int
snapshot_index_recs(struct snapshot *s)
{
	struct snapshot_rec *sr;
	struct classify	 cl;
	struct snapshot_set_info *si;
	enum snapshot_class k;
	size_t		 i, j, n = 0;

	for (i = 0; i < s->nrels; i++)
		n += s->rsets[i].nrecs;
	if (n >= UINT32_MAX)
		return -1;
	if ((s->recs = calloc(n > 0 ? n : 1, sizeof(*s->recs))) == NULL)
		return -1;
	sr = s->recs;
	for (i = 0; i < s->nrels; i++) {
		si = &s->sets[s->rel_set[i]];
		for (j = 0; j < s->rsets[i].nrecs; j++, sr++) {
			sr->rec = &s->rsets[i].recs[j];
			sr->set = si->name;
			sr->set_index = s->rel_set[i];
			sr->release_index = (unsigned)(&s->rels[i] -
			    si->releases);
			sr->release = s->rels[i].effective;
			if (classify_code(sr->rec->code, strlen(sr->rec->code),
			    &cl) == -1)
				continue;
			if (cl.level > 0)
				sr->level = cl.level;
			if ((k = snapshot_class(&cl)) < SNAPSHOT_CLASS_MAX)
				si->holds |= 1u << k;
		}
	}
	s->nrecs = n;
	qsort(s->recs, n, sizeof(*s->recs), snapshot_rec_cmp);
	return 0;
}

/*
 * Encoding.  The key order and names are those of docs/protocol.md,
 * "Record map"; a key is left out when its value is empty.
 */

static void
enc_key(struct snapshot_enc *e, const char *k)
{
	enc_strval(e, k);
}

static void
enc_strval(struct snapshot_enc *e, const char *v)
{
	size_t		 len = strlen(v);

	if (msgpack_pack_str(&e->pk, len) != 0 ||
	    msgpack_pack_str_body(&e->pk, v, len) != 0)
		e->err = 1;
}

static void
enc_str(struct snapshot_enc *e, const char *k, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	enc_strval(e, v);
}

static void
enc_date(struct snapshot_enc *e, const char *k, uint32_t d)
{
	char		 buf[11];

	if (d == 0)
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	record_format_date(d, buf);
	enc_key(e, k);
	enc_strval(e, buf);
}

static void
enc_list(struct snapshot_enc *e, const char *k, const char *const *v,
    size_t n)
{
	size_t		 i, used = 0;

	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			used++;
	if (used == 0)
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	if (msgpack_pack_array(&e->pk, used) != 0)
		e->err = 1;
	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			enc_strval(e, v[i]);
}

static void
enc_int(struct snapshot_enc *e, const char *k, long v)
{
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	if (msgpack_pack_long(&e->pk, v) != 0)
		e->err = 1;
}

/* One field of r by its row: its protocol key, left out when empty. */
static void
enc_field(struct snapshot_enc *e, const struct record *r, enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);
	const void	*p = record_field_ptr(r, f);

	switch (fi->type) {
	case RECORD_T_CODE:
		enc_str(e, fi->name, p);
		break;
	case RECORD_T_TEXT:
	case RECORD_T_STR:
		enc_str(e, fi->name, *(const char *const *)p);
		break;
	case RECORD_T_DATE:
		enc_date(e, fi->name, *(const uint32_t *)p);
		break;
	case RECORD_T_LIST:
		enc_list(e, fi->name, p, fi->max);
		break;
	case RECORD_T_UINT:
		if (*(const int *)p >= 0)
			enc_int(e, fi->name, *(const int *)p);
		break;
	}
}

/*
 * The record's fields in their table's order, with what the snapshot
 * knows of the record (set, release, kind, level) after the code, as
 * docs/protocol.md orders them.
 */
static void
enc_fields(struct snapshot_enc *e, const struct snapshot_rec *sr)
{
	const struct record *r = sr->rec;
	unsigned	 i;
	int		 f;

	enc_field(e, r, RF_CODE);
	enc_str(e, "set", sr->set);
	enc_date(e, "release", sr->release);
	enc_str(e, "kind", r->kind == RECORD_MODIFIER ? "modifier" :
	    "procedure");
	if (sr->level > 0)
		enc_int(e, "level", sr->level);
	for (f = RF_CODE + 1; f < RF_MAX; f++)
		enc_field(e, r, (enum record_field)f);
	if (r->nraw > 0) {
		if (e->counting) {
			e->nkeys++;
			return;
		}
		enc_key(e, "raw");
		if (msgpack_pack_map(&e->pk, r->nraw) != 0)
			e->err = 1;
		for (i = 0; i < r->nraw && i < RECORD_MAX_RAW; i++) {
			enc_strval(e, r->raw[i].field != NULL ?
			    r->raw[i].field : "");
			enc_strval(e, r->raw[i].value != NULL ?
			    r->raw[i].value : "");
		}
	}
}

/* Every record's map into one buffer; enc pointers set at the end. */
static int
snapshot_encode(struct snapshot *s)
{
	msgpack_sbuffer	 sb;
	struct snapshot_enc e;
	size_t		 i, *off;

	if ((off = calloc(s->nrecs + 1, sizeof(*off))) == NULL)
		return -1;
	msgpack_sbuffer_init(&sb);
	memset(&e, 0, sizeof(e));
	msgpack_packer_init(&e.pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < s->nrecs && !e.err; i++) {
		off[i] = sb.size;
		e.counting = 1;
		e.nkeys = 0;
		enc_fields(&e, &s->recs[i]);
		e.counting = 0;
		/* The header counts "status", which the caller appends. */
		if (msgpack_pack_map(&e.pk, e.nkeys + 1) != 0)
			e.err = 1;
		enc_fields(&e, &s->recs[i]);
	}
	off[s->nrecs] = sb.size;
	if (e.err) {
		msgpack_sbuffer_destroy(&sb);
		free(off);
		return -1;
	}
	s->enc = (unsigned char *)msgpack_sbuffer_release(&sb);
	for (i = 0; i < s->nrecs; i++) {
		s->recs[i].enc = s->enc + off[i];
		s->recs[i].enclen = off[i + 1] - off[i];
	}
	free(off);
	return 0;
}

/*
 * The word index.
 */

static int
tok_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
snapshot_isalnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* Compare two descriptor words as their lower-cased strings. */
static int
snapshot_word_cmp(const void *a, const void *b)
{
	const struct snapshot_word *x = a, *y = b;
	size_t		 i, n = x->len < y->len ? x->len : y->len;
	int		 cx, cy;

	for (i = 0; i < n; i++) {
		cx = tok_lower((unsigned char)x->p[i]);
		cy = tok_lower((unsigned char)y->p[i]);
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Append the words (runs of ASCII alphanumerics) of text to b. */
static int
snapshot_add_words(struct snapshot_buf *b, const char *text)
{
	struct snapshot_word *w;
	const char	*p, *start;

	if (text == NULL)
		return 0;
	for (p = text; *p != '\0';) {
		if (!snapshot_isalnum((unsigned char)*p)) {
			p++;
			continue;
		}
		for (start = p; snapshot_isalnum((unsigned char)*p); p++)
			;
		if (snapshot_grow(b, 1, sizeof(*w)) == -1)
			return -1;
		w = (struct snapshot_word *)b->p + b->len++;
		w->p = start;
		w->len = (size_t)(p - start);
	}
	return 0;
}

/* qsort_r comparator; arg is the words buffer. */
static int
snapshot_pair_cmp(const void *a, const void *b, void *arg)
{
	const struct snapshot_pair *x = a, *y = b;
	const char	*words = arg;
	int		 c;

	c = strcmp(words + x->word, words + y->word);
	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
snapshot_index_words(struct snapshot *s)
{
	struct snapshot_buf tw = { 0 }, chars = { 0 }, offs = { 0 };
	struct snapshot_word *w;
	const struct record *r;
	size_t		 id, i, j;
	char		*dst;
	int		 rc = -1;

	if ((s->rwstart = calloc(s->nrecs + 1, sizeof(*s->rwstart))) == NULL)
		return -1;
	for (id = 0; id < s->nrecs; id++) {
		r = s->recs[id].rec;
		tw.len = 0;
		if (snapshot_add_words(&tw, r->short_desc) == -1 ||
		    snapshot_add_words(&tw, r->medium_desc) == -1 ||
		    snapshot_add_words(&tw, r->long_desc) == -1)
			goto done;
		w = tw.p;
		if (tw.len > 1)
			qsort(w, tw.len, sizeof(*w), snapshot_word_cmp);
		s->rwstart[id] = (uint32_t)offs.len;
		for (i = 0; i < tw.len; i++) {
			if (i > 0 && snapshot_word_cmp(&w[i - 1], &w[i]) == 0)
				continue;
			if (chars.len + w[i].len + 1 >= UINT32_MAX ||
			    offs.len + 1 >= UINT32_MAX)
				goto done;
			if (snapshot_grow(&chars, w[i].len + 1, 1) == -1 ||
			    snapshot_grow(&offs, 1, sizeof(uint32_t)) == -1)
				goto done;
			((uint32_t *)offs.p)[offs.len++] = (uint32_t)chars.len;
			dst = (char *)chars.p + chars.len;
			for (j = 0; j < w[i].len; j++)
				dst[j] = (char)tok_lower(
				    (unsigned char)w[i].p[j]);
			dst[j] = '\0';
			chars.len += w[i].len + 1;
		}
	}
	s->rwstart[s->nrecs] = (uint32_t)offs.len;

	/* Empty buffers still get an allocation so the pointers are set. */
	if (snapshot_grow(&chars, 1, 1) == -1 ||
	    snapshot_grow(&offs, 1, sizeof(uint32_t)) == -1)
		goto done;
	s->words = chars.p;
	s->rwords = offs.p;
	chars.p = offs.p = NULL;

	s->npairs = offs.len;
	if ((s->pairs = calloc(s->npairs > 0 ? s->npairs : 1,
	    sizeof(*s->pairs))) == NULL)
		goto done;
	for (id = 0; id < s->nrecs; id++)
		for (i = s->rwstart[id]; i < s->rwstart[id + 1]; i++) {
			s->pairs[i].word = s->rwords[i];
			s->pairs[i].id = (uint32_t)id;
		}
	qsort_r(s->pairs, s->npairs, sizeof(*s->pairs), snapshot_pair_cmp,
	    s->words);
	rc = 0;

done:
	free(tw.p);
	free(chars.p);
	free(offs.p);
	return rc;
}

/*
 * Reference counting and publishing.
 */

void
snapshot_release(struct snapshot *s)
{
	if (s == NULL)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		snapshot_free(s);
#ifdef __GLIBC__
		/*
		 * Give a whole snapshot's worth of freed heap back now, on
		 * whichever thread dropped the last reference: a worker's
		 * batch may outlive the publish that replaced it, and a trim
		 * there came too early (RSS crept up over many reloads).
		 */
		malloc_trim(0);
#endif
	}
}

void
snapshot_publish(struct snapshot *s)
{
	struct snapshot	*old;

	pthread_mutex_lock(&snapshot_lock);
	old = atomic_load(&snapshot_cur);
	if (s != NULL)
		s->generation = ++snapshot_lastgen;
	atomic_store(&snapshot_cur, s);
	pthread_mutex_unlock(&snapshot_lock);
	/* Readers that saw old hold their own reference by now. */
	snapshot_release(old);
}

struct snapshot *
snapshot_acquire(void)
{
	struct snapshot	*s;

	pthread_mutex_lock(&snapshot_lock);
	s = atomic_load(&snapshot_cur);
	if (s != NULL)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&snapshot_lock);
	return s;
}

/*
 * Accessors and lookup.
 */

uint64_t
snapshot_generation(const struct snapshot *s)
{
	return s->generation;
}

size_t
snapshot_nsets(const struct snapshot *s)
{
	return s->nsets;
}

size_t
snapshot_nrecs(const struct snapshot *s)
{
	return s->nrecs;
}

const struct snapshot_set_info *
snapshot_set(const struct snapshot *s, size_t i)
{
	return i < s->nsets ? &s->sets[i] : NULL;
}

int
snapshot_set_index(const struct snapshot *s, const char *name, size_t len)
{
	size_t		 i;

	for (i = 0; i < s->nsets; i++)
		if (strlen(s->sets[i].name) == len &&
		    memcmp(s->sets[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int
snapshot_in_force(const struct snapshot *s, size_t set, uint32_t as_of)
{
	const struct snapshot_set_info *si;
	size_t		 i;

	if (set >= s->nsets)
		return -1;
	si = &s->sets[set];
	for (i = si->nreleases; i-- > 0;)
		if (si->releases[i].effective <= as_of)
			return (int)i;
	return -1;
}

int
snapshot_release_index(const struct snapshot *s, size_t set,
    uint32_t effective)
{
	const struct snapshot_set_info *si;
	size_t		 i;

	if (set >= s->nsets)
		return -1;
	si = &s->sets[set];
	for (i = 0; i < si->nreleases; i++)
		if (si->releases[i].effective == effective)
			return (int)i;
	return -1;
}

const struct snapshot_rec *
snapshot_find(const struct snapshot *s, int set, const char *code,
    uint32_t as_of)
{
	size_t		 lo = 0, hi = s->nrecs, mid;
	unsigned	 cur_set = UINT_MAX;
	int		 cur = -1;

	/* Lower bound: the first record of code, in set order. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(s->recs[mid].rec->code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nrecs && strcmp(s->recs[lo].rec->code, code) == 0;
	    lo++) {
		if (set >= 0 && s->recs[lo].set_index != (unsigned)set)
			continue;
		/* Records of one set are adjacent: one look-up per set. */
		if (s->recs[lo].set_index != cur_set) {
			cur_set = s->recs[lo].set_index;
			cur = snapshot_in_force(s, cur_set, as_of);
		}
		if (cur >= 0 && s->recs[lo].release_index == (unsigned)cur)
			return &s->recs[lo];
	}
	return NULL;
}

int
snapshot_holds(const struct snapshot *s, size_t set, enum snapshot_class c)
{
	if (set >= s->nsets || (unsigned)c >= SNAPSHOT_CLASS_MAX)
		return 0;
	return (s->sets[set].holds & 1u << c) != 0;
}

int
snapshot_stale(const struct snapshot *s, size_t set, uint32_t date)
{
	if (set >= s->nsets)
		return 0;
	return s->sets[set].fresh_until != 0 &&
	    date > s->sets[set].fresh_until;
}

int
snapshot_terminated(const struct record *r, uint32_t as_of)
{
	return r->terminated != 0 && r->terminated < as_of;
}

const char *
snapshot_status(const struct record *r, uint32_t as_of)
{
	return snapshot_terminated(r, as_of) ? "terminated" : "active";
}

void
snapshot_status_kv(const struct record *r, uint32_t as_of,
    const unsigned char **kv, size_t *kvlen)
{
	if (snapshot_terminated(r, as_of)) {
		*kv = snapshot_kv_terminated;
		*kvlen = sizeof(snapshot_kv_terminated);
	} else {
		*kv = snapshot_kv_active;
		*kvlen = sizeof(snapshot_kv_active);
	}
}

/*
 * Search.
 */

/*
 * Compare s's first t->len bytes with the token, both folded to lower
 * case: 0 when t is a prefix of s.  Words are stored lower-case and
 * codes upper-case with digits; folding keeps digits before letters,
 * so over either sorted array the strings a token prefixes form one
 * range.
 */
static int
prefix_cmp(const char *s, const struct snapshot_tok *t)
{
	size_t		 i;
	int		 sc, tc;

	for (i = 0; i < t->len; i++) {
		sc = tok_lower((unsigned char)s[i]);
		if (sc == '\0')
			return -1;	/* s is shorter: it sorts first */
		tc = tok_lower((unsigned char)t->p[i]);
		if (sc != tc)
			return sc < tc ? -1 : 1;
	}
	return 0;
}

/* The pairs whose word t prefixes: [*lo, *hi). */
static void
pair_range(const struct snapshot *s, const struct snapshot_tok *t,
    size_t *lo, size_t *hi)
{
	size_t		 a = 0, b = s->npairs, mid;

	while (a < b) {
		mid = a + (b - a) / 2;
		if (prefix_cmp(s->words + s->pairs[mid].word, t) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = s->npairs;
	while (a < b) {
		mid = a + (b - a) / 2;
		if (prefix_cmp(s->words + s->pairs[mid].word, t) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* The record ids whose code t prefixes: [*lo, *hi). */
static void
code_range(const struct snapshot *s, const struct snapshot_tok *t,
    size_t *lo, size_t *hi)
{
	size_t		 a = 0, b = s->nrecs, mid;

	while (a < b) {
		mid = a + (b - a) / 2;
		if (prefix_cmp(s->recs[mid].rec->code, t) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = s->nrecs;
	while (a < b) {
		mid = a + (b - a) / 2;
		if (prefix_cmp(s->recs[mid].rec->code, t) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/* Does t prefix one of record id's words?  Binary search of its list. */
static int
rec_has_word(const struct snapshot *s, uint32_t id,
    const struct snapshot_tok *t)
{
	size_t		 a = s->rwstart[id], b = s->rwstart[id + 1], mid;

	while (a < b) {
		mid = a + (b - a) / 2;
		if (prefix_cmp(s->words + s->rwords[mid], t) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	return a < s->rwstart[id + 1] &&
	    prefix_cmp(s->words + s->rwords[a], t) == 0;
}

/*
 * Does record id pass the filters and match every token?  *exact is
 * set when a token is the whole code.
 */
static int
rec_matches(const struct snapshot *s, const struct snapshot_search *q,
    const struct snapshot_tok *toks, size_t ntok, uint32_t id, int *exact)
{
	const struct snapshot_rec *sr = &s->recs[id];
	const struct record *r = sr->rec;
	size_t		 i, codelen = strlen(r->code);

	if (q->set >= 0 && sr->set_index != (unsigned)q->set)
		return 0;
	if (snapshot_in_force(s, sr->set_index, q->as_of) !=
	    (int)sr->release_index)
		return 0;
	if (!q->include_terminated && snapshot_terminated(r, q->as_of))
		return 0;
	*exact = 0;
	for (i = 0; i < ntok; i++) {
		if (toks[i].len <= codelen &&
		    prefix_cmp(r->code, &toks[i]) == 0) {
			if (toks[i].len == codelen)
				*exact = 1;
			continue;
		}
		if (!rec_has_word(s, id, &toks[i]))
			return 0;
	}
	return 1;
}

/* Split on ASCII whitespace; at most SNAPSHOT_SEARCH_MAX_TOKENS. */
static size_t
tokenise(const char *text, size_t len, struct snapshot_tok *toks)
{
	size_t		 i = 0, n = 0, start;

	/*
	 * Query words split where record words split (anything but ASCII
	 * letters and digits), so "x-ray" finds "X-ray" as "x" and "ray".
	 */
	while (i < len && n < SNAPSHOT_SEARCH_MAX_TOKENS) {
		if (!snapshot_isalnum((unsigned char)text[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && snapshot_isalnum((unsigned char)text[i]))
			i++;
		toks[n].p = text + start;
		toks[n].len = i - start;
		n++;
	}
	return n;
}

/* Heapsort: in place, no allocation (glibc's qsort may malloc). */
static void
ids_sort(uint32_t *a, size_t n)
{
	size_t		 start, end, root, child;
	uint32_t	 t;

	if (n < 2)
		return;
	for (start = n / 2; start-- > 0;) {
		for (root = start; (child = 2 * root + 1) < n; root = child) {
			if (child + 1 < n && a[child] < a[child + 1])
				child++;
			if (a[root] >= a[child])
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
		}
	}
	for (end = n - 1; end > 0; end--) {
		t = a[0];
		a[0] = a[end];
		a[end] = t;
		for (root = 0; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && a[child] < a[child + 1])
				child++;
			if (a[root] >= a[child])
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
		}
	}
}

/*
 * The query's tokens are ANDed; each must prefix a descriptor word or
 * the code.  Plan: find, for every token, its range of (word, id) pairs
 * and its range of codes (binary searches, O(T log P)), and take the
 * token with the fewest candidates.  Up to SNAPSHOT_SCRATCH candidates
 * are copied to a stack array, sorted and deduplicated (O(C log C)),
 * and each is checked against every token (O(C T log W), W words per
 * record).  A token with more candidates than that (a one-letter
 * query, say) would not narrow much anyway, so the search then scans
 * every record in id order instead (O(N T log W)).  Ids are in code
 * order, then set order, so the results come out ordered; a second
 * pass puts exact code matches first.  All state is on the stack:
 * concurrent searches share nothing but the immutable snapshot.
 */
size_t
snapshot_search(const struct snapshot *s, const struct snapshot_search *q,
    const struct snapshot_rec **out, size_t *total)
{
	struct snapshot_tok toks[SNAPSHOT_SEARCH_MAX_TOKENS];
	uint32_t	 ids[SNAPSHOT_SCRATCH];
	size_t		 ntok, i, n, best = SIZE_MAX, bt = 0, nids = 0;
	size_t		 wlo, whi, clo, chi, count = 0, nout = 0, k;
	int		 scan, pass, exact;
	uint32_t	 id;

	ntok = tokenise(q->text, q->textlen, toks);
	if (ntok == 0 || s->nrecs == 0)
		goto done;
	for (i = 0; i < ntok; i++) {
		pair_range(s, &toks[i], &wlo, &whi);
		code_range(s, &toks[i], &clo, &chi);
		n = (whi - wlo) + (chi - clo);
		if (n < best) {
			best = n;
			bt = i;
		}
	}
	if (best == 0)
		goto done;
	scan = best > SNAPSHOT_SCRATCH;
	if (!scan) {
		pair_range(s, &toks[bt], &wlo, &whi);
		code_range(s, &toks[bt], &clo, &chi);
		for (k = wlo; k < whi; k++)
			ids[nids++] = s->pairs[k].id;
		for (k = clo; k < chi; k++)
			ids[nids++] = (uint32_t)k;
		ids_sort(ids, nids);
		for (i = 0, k = 0; k < nids; k++)
			if (i == 0 || ids[i - 1] != ids[k])
				ids[i++] = ids[k];
		nids = i;
	}
	/* Pass 0: exact code matches; pass 1: the rest. */
	for (pass = 0; pass < 2; pass++) {
		n = scan ? s->nrecs : nids;
		for (k = 0; k < n; k++) {
			id = scan ? (uint32_t)k : ids[k];
			if (!rec_matches(s, q, toks, ntok, id, &exact) ||
			    exact != (pass == 0))
				continue;
			count++;
			if (nout < q->limit)
				out[nout++] = &s->recs[id];
		}
	}

done:
	if (total != NULL)
		*total = count;
	return nout;
}

/*
 * Diff.
 */

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
