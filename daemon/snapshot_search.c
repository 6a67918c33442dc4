/*
 * snapshot_search.c: the word index and the search over it.  Owns
 * building words, rwords, rwstart and pairs from the sorted recs
 * (snapshot_index_words, called by snapshot_build_sets), how text
 * splits into words (tokenise, snapshot_isalnum, tok_lower) and
 * snapshot_search.  Calls nothing in snapshot.c: what it needs of the
 * release rules is inline in snapshot_int.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "snapshot.h"
#include "snapshot_int.h"

/*
 * Candidates a search collects on the stack before it falls back to a
 * scan of every record (see snapshot_search).
 */
#define SNAPSHOT_SCRATCH	4096

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

static int	snapshot_grow(struct snapshot_buf *, size_t, size_t);
static int	snapshot_word_cmp(const void *, const void *);
static int	snapshot_pair_cmp(const void *, const void *, void *);
static int	snapshot_isalnum(int);
static int	snapshot_add_words(struct snapshot_buf *, const char *);
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
 * The word index.
 */

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

int
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
	if (snapshot_int_in_force(s, sr->set_index, q->as_of) !=
	    (int)sr->release_index)
		return 0;
	if (!q->include_terminated && snapshot_int_terminated(r, q->as_of))
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

