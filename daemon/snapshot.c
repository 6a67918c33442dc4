/*
 * snapshot.c: build, publish and look up immutable snapshots.
 *
 * Owns building a snapshot from snapshot_src (releases ordered and
 * their info copied, recs indexed and sorted, the code index hashed,
 * then the encoder and the word index run: snapshot_encode.c,
 * snapshot_search.c), the current
 * snapshot pointer with its reference counting, the accessors, exact
 * lookup (snapshot_find) and a record's status.  The layout of struct
 * snapshot is in snapshot_int.h; search and diff have their own files.
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

#include "classify.h"
#include "record.h"
#include "snapshot.h"
#include "snapshot_int.h"

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
static int	snapshot_rec_cmp(const void *, const void *);
static int	snapshot_src_cmp(const void *, const void *, void *);
static uint32_t	snapshot_date_add(uint32_t, unsigned, int);
static int	snapshot_copy_info(struct snapshot *, struct snapshot_src *,
		    const size_t *, char *, size_t);
static int	snapshot_index_recs(struct snapshot *);
static int	snapshot_index_codes(struct snapshot *);
static uint64_t	snapshot_code_key(const char *);
static uint32_t	snapshot_code_hash(uint64_t);

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
	    snapshot_index_codes(s) == -1 ||
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
	free(s->slots);
	free(s->htabs);
	free(s->enc);
	free(s->words);
	free(s->rwords);
	free(s->rwstart);
	free(s->pairs);
	free(s);
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
 * A code (at most RECORD_CODE_MAX bytes) packed into an integer, first
 * byte lowest; 0 for the empty string and anything longer, which no
 * record's code can equal.
 */
static uint64_t
snapshot_code_key(const char *code)
{
	uint64_t	 k = 0;
	size_t		 i;

	for (i = 0; code[i] != '\0'; i++) {
		if (i == RECORD_CODE_MAX)
			return 0;
		k |= (uint64_t)(unsigned char)code[i] << (8 * i);
	}
	return k;
}

/* Fibonacci hashing: the product's high half mixes every code byte. */
static uint32_t
snapshot_code_hash(uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
}

/*
 * Each release's code table, at most half full, from recs in order: so
 * a code a release has twice points at its first record in file order,
 * the one the binary search over recs used to find.
 */
static int
snapshot_index_codes(struct snapshot *s)
{
	const struct snapshot_rec *sr;
	struct snapshot_htab *c;
	struct snapshot_slot *sl;
	size_t		 i, total = 0, cap;
	uint64_t	 key;
	uint32_t	 h;

	if ((s->htabs = calloc(s->nrels > 0 ? s->nrels : 1,
	    sizeof(*s->htabs))) == NULL)
		return -1;
	for (i = 0; i < s->nrels; i++) {
		for (cap = 1; cap < 2 * s->rsets[i].nrecs; cap *= 2)
			if (cap > UINT32_MAX / 4)
				return -1;
		s->htabs[i].first = total;
		s->htabs[i].mask = (uint32_t)(cap - 1);
		total += cap;
	}
	if ((s->slots = calloc(total > 0 ? total : 1, sizeof(*s->slots))) ==
	    NULL)
		return -1;
	for (i = 0; i < s->nrecs; i++) {
		sr = &s->recs[i];
		if ((key = snapshot_code_key(sr->rec->code)) == 0)
			continue;
		c = &s->htabs[s->sets[sr->set_index].releases - s->rels +
		    sr->release_index];
		for (h = snapshot_code_hash(key);; h++) {
			sl = &s->slots[c->first + (h & c->mask)];
			if (sl->key == key)
				break;		/* a later duplicate */
			if (sl->key == 0) {
				sl->key = key;
				sl->id = (uint32_t)i;
				break;
			}
		}
	}
	return 0;
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
#include <limits.h>
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
	return snapshot_int_in_force(s, set, as_of);
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
	const struct snapshot_htab *c;
	const struct snapshot_slot *sl;
	uint64_t	 key;
	uint32_t	 h;
	size_t		 i, end;
	int		 cur;

	if ((key = snapshot_code_key(code)) == 0)
		return NULL;
	i = set >= 0 ? (size_t)set : 0;
	end = set >= 0 ? i + 1 : s->nsets;
	if (end > s->nsets)
		return NULL;
	/* The first set, in config order, whose release in force has it. */
	for (; i < end; i++) {
		if ((cur = snapshot_int_in_force(s, i, as_of)) < 0)
			continue;
		c = &s->htabs[s->sets[i].releases - s->rels + cur];
		for (h = snapshot_code_hash(key);; h++) {
			sl = &s->slots[c->first + (h & c->mask)];
			if (sl->key == key)
				return &s->recs[sl->id];
			if (sl->key == 0)
				break;
		}
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
	return snapshot_int_terminated(r, as_of);
}

const char *
snapshot_status(const struct record *r, uint32_t as_of)
{
	return snapshot_terminated(r, as_of) ? "terminated" : "active";
}

size_t
snapshot_rec_bytes_max(const struct snapshot *s)
{
	return s->maxenc + sizeof(snapshot_kv_terminated);
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
