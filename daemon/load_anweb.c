/*
 * load_anweb.c: the CMS fixed-width "ANWEB" HCPCS Level II file
 * (docs/formats.md section 8).  Records are found by content: a line is a
 * record line when column 11 holds a RIC (3/4/7/8) and columns 1-5 hold
 * a procedure key (letter + 4 digits) or a modifier key (3 blanks + 2
 * chars); everything else (disclaimers, blanks, tab-only lines) is
 * skipped and counted.  A RIC 3/7 line opens a record and carries every
 * detail field; RIC 4/8 lines add one 80-column piece of the long
 * description each.  Columns past the end of a short line read as
 * blanks: continuation lines are cut to 91 columns in some years and
 * one 2019 line is 316, so line length is never validated.
 *
 * Every value goes through record_set_field (cp1252, trimming, dates
 * kept raw on failure, lists), so this file only knows columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "load_file.h"
#include "log.h"
#include "record.h"

#define ANWEB_COL_RIC		11
#define ANWEB_COL_LONG		12
#define ANWEB_LEN_LONG		80

/* One detail field: 1-based first column, width, how many slots. */
struct anweb_field {
	enum record_field field;
	unsigned	 col;
	unsigned	 width;
	unsigned	 count;
};

/* docs/formats.md section 8.2, in layout order (fields 8 to 30). */
static const struct anweb_field anweb_fields[] = {
	{ RF_SHORT,		 92, 28, 1 },
	{ RF_PRICING,		120,  2, RECORD_MAX_PRICING },
	{ RF_MULT_PRICING,	128,  1, 1 },
	{ RF_CIM,		129,  6, RECORD_MAX_CIM },
	{ RF_MCM,		147,  8, RECORD_MAX_MCM },
	{ RF_STATUTE,		171, 10, 1 },
	{ RF_LABCERT,		181,  3, RECORD_MAX_LABCERT },
	{ RF_XREF,		205,  5, RECORD_MAX_XREF },
	{ RF_COVERAGE,		230,  1, 1 },
	{ RF_ASC_GROUP,		231,  2, 1 },
	{ RF_ASC_DATE,		233,  8, 1 },
	{ RF_OPPS,		241,  3, 1 },
	{ RF_OPPS_PI,		244,  1, 1 },
	{ RF_OPPS_DATE,		245,  8, 1 },
	{ RF_PROC_NOTE,		253,  4, 1 },
	{ RF_BETOS,		257,  3, 1 },
	{ RF_TOS,		261,  1, RECORD_MAX_TOS },
	{ RF_ANESTHESIA_UNITS,	266,  3, 1 },
	{ RF_ADDED,		269,  8, 1 },
	{ RF_EFFECTIVE,		277,  8, 1 },
	{ RF_TERMINATED,	285,  8, 1 },
	{ RF_ACTION,		293,  1, 1 },
};

/* The long description being joined; grows (G0503 is 17 pieces). */
struct anweb_buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
};

/* Parser state across lines of one file. */
struct anweb_state {
	const char	*path;
	struct record_set *set;
	struct record_err *err;
	size_t		 base;		/* set->nrecs before this file */
	int		 open;		/* a record is open */
	size_t		 open_idx;	/* its index in set->recs */
	char		 open_key[5];	/* its raw columns 1-5 */
	char		 open_ric;	/* '3' or '7' */
	size_t		 npieces;
	struct anweb_buf desc;
};

/* A record's key and position, for finding repeated keys. */
struct anweb_key {
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 idx;
};

static int	anweb_is_record_line(const char *, size_t);
static void	anweb_slice(const char *, size_t, unsigned, unsigned,
		    const char **, size_t *);
static int	anweb_buf_add(struct anweb_buf *, const char *, size_t);
static int	anweb_piece(struct anweb_state *, const char *, size_t);
static int	anweb_close(struct anweb_state *, size_t);
static int	anweb_start(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_line(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_cmp_key(const void *, const void *);
static int	anweb_dedup(struct anweb_state *);
static void	anweb_oom(struct anweb_state *, size_t);

static int
anweb_is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
anweb_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Column 11 holds a RIC and columns 1-5 a key of either shape.  Byte
 * tests only: the header's cp1252 bytes simply fail them.
 */
static int
anweb_is_record_line(const char *l, size_t len)
{
	int	i;

	if (len < ANWEB_COL_RIC)
		return 0;
	switch (l[ANWEB_COL_RIC - 1]) {
	case '3':
	case '4':
	case '7':
	case '8':
		break;
	default:
		return 0;
	}
	if (anweb_is_upper(l[0])) {
		for (i = 1; i < 5; i++)
			if (!anweb_is_digit(l[i]))
				return 0;
		return 1;
	}
	if (l[0] != ' ' || l[1] != ' ' || l[2] != ' ')
		return 0;
	for (i = 3; i < 5; i++)
		if (!anweb_is_upper(l[i]) && !anweb_is_digit(l[i]))
			return 0;
	return 1;
}

/* Columns col..col+width-1 of a line, clipped to what the line has. */
static void
anweb_slice(const char *l, size_t len, unsigned col, unsigned width,
    const char **p, size_t *n)
{
	size_t	start = col - 1;

	*p = l;
	*n = 0;
	if (start >= len)
		return;
	*p = l + start;
	*n = len - start < width ? len - start : width;
}

static int
anweb_buf_add(struct anweb_buf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * Add one piece of the long description: right-strip it but keep its
 * leading blanks (G0501 and G9678 continue with a blank, and CMS's own
 * join keeps the resulting double space), then join with one space.
 */
static int
anweb_piece(struct anweb_state *st, const char *l, size_t len)
{
	const char	*p;
	size_t		 n;

	anweb_slice(l, len, ANWEB_COL_LONG, ANWEB_LEN_LONG, &p, &n);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (st->npieces++ > 0 && anweb_buf_add(&st->desc, " ", 1) == -1)
		return -1;
	return anweb_buf_add(&st->desc, p, n);
}

static void
anweb_oom(struct anweb_state *st, size_t lineno)
{
	snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu: %s", st->path,
	    lineno, strerror(ENOMEM));
}

/* Store the joined long description of the open record, if any. */
static int
anweb_close(struct anweb_state *st, size_t lineno)
{
	struct record	*r;

	if (!st->open)
		return 0;
	st->open = 0;
	r = &st->set->recs[st->open_idx];
	if (st->desc.len > 0 && record_set_field(st->set, r, RF_LONG,
	    st->desc.p, st->desc.len, 1, st->err) == -1) {
		anweb_oom(st, lineno);
		return -1;
	}
	st->desc.len = 0;
	st->npieces = 0;
	return 0;
}

/* A RIC 3/7 line: a new record with every detail field. */
static int
anweb_start(struct anweb_state *st, const char *l, size_t len,
    size_t lineno)
{
	const struct anweb_field *f;
	struct record	*r;
	struct record_err ferr;
	const char	*p;
	size_t		 i, n;
	unsigned	 k;

	if ((r = record_set_add(st->set)) == NULL) {
		anweb_oom(st, lineno);
		return -1;
	}
	ferr.msg[0] = '\0';
	if (record_set_field(st->set, r, RF_CODE, l, 5, 1, &ferr) == -1) {
		/* Cannot happen for a line that passed the key test. */
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:1: %s",
		    st->path, lineno, ferr.msg[0] ? ferr.msg :
		    strerror(ENOMEM));
		return -1;
	}
	/* The RIC, not the key's shape, says what the record is. */
	r->kind = l[ANWEB_COL_RIC - 1] == '7' ? RECORD_MODIFIER :
	    RECORD_PROCEDURE;
	for (i = 0; i < sizeof(anweb_fields) / sizeof(anweb_fields[0]); i++) {
		f = &anweb_fields[i];
		for (k = 0; k < f->count; k++) {
			anweb_slice(l, len, f->col + k * f->width, f->width,
			    &p, &n);
			if (record_set_field(st->set, r, f->field, p, n, 1,
			    &ferr) == -1) {
				anweb_oom(st, lineno);
				return -1;
			}
		}
	}
	st->open = 1;
	st->open_idx = st->set->nrecs - 1;
	memcpy(st->open_key, l, 5);
	st->open_ric = l[ANWEB_COL_RIC - 1];
	if (anweb_piece(st, l, len) == -1) {
		anweb_oom(st, lineno);
		return -1;
	}
	return 0;
}

static int
anweb_line(struct anweb_state *st, const char *l, size_t len,
    size_t lineno)
{
	char	ric;

	if (!anweb_is_record_line(l, len)) {
		st->set->stats.skipped_lines++;
		return 0;
	}
	ric = l[ANWEB_COL_RIC - 1];
	if (ric == '3' || ric == '7') {
		if (anweb_close(st, lineno) == -1)
			return -1;
		return anweb_start(st, l, len, lineno);
	}
	/*
	 * A continuation belongs to the open record: same key, RIC 4
	 * after 3 and 8 after 7.  SEQNUM (+100 per line) is not checked;
	 * the key and the order already tie the piece to its record.
	 */
	if (!st->open || memcmp(st->open_key, l, 5) != 0 ||
	    ric != st->open_ric + 1) {
		st->set->stats.orphan_lines++;
		log_debug("%s:%zu: continuation of %.5s without its record",
		    st->path, lineno, l);
		return 0;
	}
	if (anweb_piece(st, l, len) == -1) {
		anweb_oom(st, lineno);
		return -1;
	}
	return 0;
}

/* Order keys by code, then by position in the file. */
static int
anweb_cmp_key(const void *a, const void *b)
{
	const struct anweb_key *ka = a, *kb = b;
	int	c;

	if ((c = strcmp(ka->code, kb->code)) != 0)
		return c;
	return ka->idx < kb->idx ? -1 : ka->idx > kb->idx;
}

/*
 * Keys are unique in every file measured; should one repeat, the later
 * record wins (as a later line in a file amends an earlier one) and the
 * earlier is removed and counted in stats.duplicates.  Also counts
 * procedures and modifiers once the set is final.  Only this file's
 * records are compared: merging sets is the snapshot's business.
 */
static int
anweb_dedup(struct anweb_state *st)
{
	struct record_set *set = st->set;
	struct anweb_key *keys;
	size_t		 n = set->nrecs - st->base, i, j;
	unsigned char	*drop;

	if (n == 0)
		return 0;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return -1;
	if ((drop = calloc(n, 1)) == NULL) {
		free(keys);
		return -1;
	}
	for (i = 0; i < n; i++) {
		memcpy(keys[i].code, set->recs[st->base + i].code,
		    sizeof(keys[i].code));
		keys[i].idx = i;
	}
	qsort(keys, n, sizeof(*keys), anweb_cmp_key);
	for (i = 0; i + 1 < n; i++)
		if (strcmp(keys[i].code, keys[i + 1].code) == 0) {
			drop[keys[i].idx] = 1;
			set->stats.duplicates++;
			log_debug("%s: duplicate key %s, later record wins",
			    st->path, keys[i].code);
		}
	for (i = 0, j = st->base; i < n; i++) {
		if (drop[i])
			continue;
		if (j != st->base + i)
			set->recs[j] = set->recs[st->base + i];
		if (set->recs[j].kind == RECORD_MODIFIER)
			set->stats.modifiers++;
		else
			set->stats.procedures++;
		j++;
	}
	while (set->nrecs > j)
		record_set_drop_last(set);
	free(drop);
	free(keys);
	return 0;
}

int
load_anweb(const char *path, struct record_set *set, struct record_err *err)
{
	struct anweb_state st;
	struct record_stats saved = set->stats;
	char		*buf, *l, *nl, *end;
	size_t		 len, n, lineno = 0;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.set = set;
	st.err = err;
	st.base = set->nrecs;
	if ((buf = load_slurp(path, &len, err)) == NULL)
		return -1;
	end = buf + len;
	for (l = buf; l < end; l = nl + 1) {
		lineno++;
		if ((nl = memchr(l, '\n', end - l)) == NULL)
			nl = end;	/* last line without a newline */
		n = nl - l;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (anweb_line(&st, l, n, lineno) == -1)
			goto fail;
	}
	if (anweb_close(&st, lineno) == -1)
		goto fail;
	if (set->nrecs == st.base) {
		snprintf(err->msg, sizeof(err->msg), "%s: no ANWEB records "
		    "found (expected lines with RIC 3/4/7/8 in column 11)",
		    path);
		goto fail;
	}
	if (anweb_dedup(&st) == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
		    strerror(ENOMEM));
		goto fail;
	}
	free(st.desc.p);
	free(buf);
	return 0;
fail:
	while (set->nrecs > st.base)
		record_set_drop_last(set);
	set->stats = saved;
	free(st.desc.p);
	free(buf);
	return -1;
}
