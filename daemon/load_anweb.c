/*
 * load_anweb.c: the CMS fixed-width "ANWEB" HCPCS Level II file
 * (docs/formats.md section 8).  Records are found by content: a line is a
 * record line when column 11 holds a RIC (3/4/7/8) and columns 1-5 hold
 * a procedure key (letter + 4 digits) or a modifier key (3 blanks + 2
 * chars).  The disclaimer lines before the first record are skipped and
 * counted; after it every line must be a record line or blank.  A RIC
 * 3/7 line opens a record and carries every detail field, so it must be
 * whole (320 columns, its dates 8 digits or blank); RIC 4/8 lines add
 * one 80-column piece of the long description each and may be cut to
 * 91 columns (2017, 2020) or anything up to 320 (one 2019 line is 316).
 * A line of another shape, a continuation of no open record, a repeated
 * code or a last line cut short fails the load with file:line[:column]:
 * a cut, damaged or doubled file never becomes a release.
 *
 * Every value goes through record_set_field (cp1252, trimming, dates
 * kept raw on failure, lists), so this file only knows columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "classify.h"
#include "load_file.h"
#include "log.h"
#include "record.h"

#define ANWEB_COL_RIC		11
#define ANWEB_COL_LONG		12
#define ANWEB_LEN_LONG		80
#define ANWEB_LINE_W		320	/* columns of a first line */
#define ANWEB_CONT_MIN		91	/* a continuation cut at its piece */
#define ANWEB_COL_ASC_GROUP	231
#define ANWEB_COL_EFFECTIVE	277

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

/* The date fields of a first line: 8 digits or blank (section 8.2). */
static const struct {
	unsigned	 col;
	const char	*name;
} anweb_dates[] = {
	{ 233, "ASC_DT" }, { 245, "OPPS_DT" }, { 269, "ADD DT" },
	{ 277, "ACT EFF DT" }, { 285, "TERM DT" },
};

/* Parser state across lines of one file. */
struct anweb_state {
	const char	*path;
	struct record_set *set;
	struct record_err *err;
	size_t		 base;		/* set->nrecs before this file */
	int		 seen;		/* past the preamble */
	struct record_index ix;		/* this file's codes */
	size_t		*lines;		/* each record's line */
	size_t		 nlines, caplines;
	int		 open;		/* a record is open */
	size_t		 open_idx;	/* its index in set->recs */
	char		 open_key[5];	/* its raw columns 1-5 */
	char		 open_ric;	/* '3' or '7' */
	size_t		 npieces;
	struct anweb_buf desc;
};

static int	anweb_is_key(const char *, size_t);
static int	anweb_is_record_line(const char *, size_t);
static int	anweb_is_blank(const char *, size_t);
static void	anweb_slice(const char *, size_t, unsigned, unsigned,
		    const char **, size_t *);
static int	anweb_buf_add(struct anweb_buf *, const char *, size_t);
static int	anweb_piece(struct anweb_state *, const char *, size_t);
static int	anweb_close(struct anweb_state *, size_t);
static int	anweb_check_first(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_start(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_cont(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_bad_line(struct anweb_state *, const char *, size_t,
		    size_t);
static int	anweb_line(struct anweb_state *, const char *, size_t,
		    size_t, int);
static void	anweb_count_kinds(struct anweb_state *);
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
 * Columns 1-5 hold a key of either shape.  Byte tests only: the
 * header's cp1252 bytes simply fail them.
 */
static int
anweb_is_key(const char *l, size_t len)
{
	int	i;

	if (len < 5)
		return 0;
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

/* Column 11 holds a RIC and columns 1-5 a key. */
static int
anweb_is_record_line(const char *l, size_t len)
{
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
	return anweb_is_key(l, len);
}

static int
anweb_is_blank(const char *l, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (l[i] != ' ' && l[i] != '\t')
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

/*
 * A first line must be whole: 320 columns, a key of the kind its RIC
 * says, its dates 8 digits or blank.  The one shifted date tolerated is
 * 2018's ASC pair ("20170401  " in columns 231-240 for "YY20170401",
 * five real records): it reads as group "20" and a raw date.
 */
static int
anweb_check_first(struct anweb_state *st, const char *l, size_t len,
    size_t lineno)
{
	struct classify	 c;
	const char	*p;
	size_t		 i, k;
	int		 digits;

	if (len != ANWEB_LINE_W) {
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%zu: "
		    "record line of %zu columns, expected %d (a RIC %c line "
		    "carries every field of %.5s)", st->path, lineno,
		    len < ANWEB_LINE_W ? len + 1 : (size_t)ANWEB_LINE_W + 1,
		    len, ANWEB_LINE_W, l[ANWEB_COL_RIC - 1], l);
		return -1;
	}
	if (classify_code(l, 5, &c) == -1 ||
	    (strcmp(c.kind, "modifier") == 0) !=
	    (l[ANWEB_COL_RIC - 1] == '7')) {
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%d: "
		    "RIC %c with key \"%.5s\" (expected RIC 3 and a procedure "
		    "code, or RIC 7 and 3 blanks and a modifier)", st->path,
		    lineno, ANWEB_COL_RIC, l[ANWEB_COL_RIC - 1], l);
		return -1;
	}
	for (i = 0; i < sizeof(anweb_dates) / sizeof(anweb_dates[0]); i++) {
		p = l + anweb_dates[i].col - 1;
		for (k = 0, digits = 0; k < 8; k++)
			digits += anweb_is_digit(p[k]);
		if (digits == 8 || anweb_is_blank(p, 8))
			continue;
		if (anweb_dates[i].col == 233 &&
		    anweb_is_digit(l[ANWEB_COL_ASC_GROUP - 1]) &&
		    anweb_is_digit(l[ANWEB_COL_ASC_GROUP]) && digits == 6 &&
		    anweb_is_blank(p + 6, 2))
			continue;
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%u: "
		    "expected %s as 8 digits YYYYMMDD or blanks in columns "
		    "%u-%u, found \"%.8s\"", st->path, lineno,
		    anweb_dates[i].col, anweb_dates[i].name, anweb_dates[i].col,
		    anweb_dates[i].col + 7, p);
		return -1;
	}
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
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 i, n, bad_dates, bad_values, *nl;
	long		 prev;
	unsigned	 k;

	if (anweb_check_first(st, l, len, lineno) == -1)
		return -1;
	/*
	 * A code twice is a doubled or spliced file, never an amendment
	 * (no CMS file of 2017-2025 has one): refused at the second, so
	 * memory grows with the records kept, not with the lines read.
	 */
	if (record_normalize_code(l, 5, code) > 0 &&
	    (prev = record_index_get(&st->ix, st->set, code)) >= 0) {
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu: "
		    "duplicate code %s (first at %s:%zu; a release holds "
		    "each code once)", st->path, lineno, code, st->path,
		    st->lines[(size_t)prev - st->base]);
		return -1;
	}
	if (st->nlines == st->caplines) {
		n = st->caplines ? st->caplines * 2 : 1024;
		if ((nl = reallocarray(st->lines, n, sizeof(*nl))) == NULL) {
			anweb_oom(st, lineno);
			return -1;
		}
		st->lines = nl;
		st->caplines = n;
	}
	if ((r = record_set_add(st->set)) == NULL) {
		anweb_oom(st, lineno);
		return -1;
	}
	st->lines[st->nlines++] = lineno;
	ferr.msg[0] = '\0';
	if (record_set_field(st->set, r, RF_CODE, l, 5, 1, &ferr) == -1) {
		/* Cannot happen for a line that passed the key test. */
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:1: %s",
		    st->path, lineno, ferr.msg[0] ? ferr.msg :
		    strerror(ENOMEM));
		return -1;
	}
	if (record_index_put(&st->ix, st->set, st->set->nrecs - 1) == -1) {
		anweb_oom(st, lineno);
		return -1;
	}
	/* The RIC, checked against the key's shape, says what it is. */
	r->kind = l[ANWEB_COL_RIC - 1] == '7' ? RECORD_MODIFIER :
	    RECORD_PROCEDURE;
	bad_dates = st->set->stats.bad_dates;
	bad_values = st->set->stats.bad_values;
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
	for (; bad_dates < st->set->stats.bad_dates; bad_dates++)
		load_quirk(&st->set->stats, RQ_BAD_DATES, 0, lineno);
	for (; bad_values < st->set->stats.bad_values; bad_values++)
		load_quirk(&st->set->stats, RQ_BAD_VALUES, 0, lineno);
	if (anweb_is_blank(l + ANWEB_COL_EFFECTIVE - 1, 8))
		load_quirk(&st->set->stats, RQ_BLANK_DATES, 0, lineno);
	load_quirk_unknowns(&st->set->stats, r, 0, lineno);
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

/*
 * A RIC 4/8 line: 91 to 320 columns, blank past its piece, and the
 * next piece of the open record (same key, RIC 4 after 3 and 8 after
 * 7).  SEQNUM (+100 per line) is not checked; the key and the order
 * already tie the piece to its record.
 */
static int
anweb_cont(struct anweb_state *st, const char *l, size_t len,
    size_t lineno)
{
	size_t	i;

	if (len < ANWEB_CONT_MIN || len > ANWEB_LINE_W) {
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%zu: "
		    "continuation line of %zu columns, expected %d to %d",
		    st->path, lineno, len < ANWEB_CONT_MIN ? len + 1 :
		    (size_t)ANWEB_LINE_W + 1, len, ANWEB_CONT_MIN,
		    ANWEB_LINE_W);
		return -1;
	}
	for (i = ANWEB_CONT_MIN; i < len; i++)
		if (l[i] != ' ') {
			snprintf(st->err->msg, sizeof(st->err->msg),
			    "%s:%zu:%zu: expected blanks after column %d of a "
			    "continuation line", st->path, lineno, i + 1,
			    ANWEB_CONT_MIN);
			return -1;
		}
	if (!st->open || memcmp(st->open_key, l, 5) != 0 ||
	    l[ANWEB_COL_RIC - 1] != st->open_ric + 1) {
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%d: "
		    "continuation (RIC %c) of \"%.5s\" without its record "
		    "(expected it after the RIC %c line of \"%.5s\")",
		    st->path, lineno, ANWEB_COL_RIC, l[ANWEB_COL_RIC - 1], l,
		    l[ANWEB_COL_RIC - 1] - 1, l);
		return -1;
	}
	if (len < ANWEB_LINE_W)
		load_quirk(&st->set->stats, RQ_SHORT_LINES, 0, lineno);
	if (anweb_piece(st, l, len) == -1) {
		anweb_oom(st, lineno);
		return -1;
	}
	return 0;
}

/* A line among the records that is none: say which column is wrong. */
static int
anweb_bad_line(struct anweb_state *st, const char *l, size_t len,
    size_t lineno)
{
	if (!anweb_is_key(l, len))
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:1: "
		    "expected a record line (a code in columns 1-5: a letter "
		    "and 4 digits, or 3 blanks and a modifier)", st->path,
		    lineno);
	else if (len < ANWEB_COL_RIC)
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%zu: "
		    "record line of %zu columns, expected %d", st->path,
		    lineno, len + 1, len, ANWEB_LINE_W);
	else
		snprintf(st->err->msg, sizeof(st->err->msg), "%s:%zu:%d: "
		    "expected a record identification code 3, 4, 7 or 8 in "
		    "column %d, found '%c'", st->path, lineno, ANWEB_COL_RIC,
		    ANWEB_COL_RIC, l[ANWEB_COL_RIC - 1]);
	return -1;
}

/* One line; eof: it is the last and has no line end. */
static int
anweb_line(struct anweb_state *st, const char *l, size_t len,
    size_t lineno, int eof)
{
	char	ric;

	/*
	 * Before the first record: the disclaimer.  A line shaped like a
	 * record (a key and most of a line) is judged as one, so a first
	 * record with a damaged RIC is not taken for text.
	 */
	if (!st->seen && !anweb_is_record_line(l, len) &&
	    (len < ANWEB_CONT_MIN || !anweb_is_key(l, len))) {
		st->set->stats.skipped_lines++;
		load_quirk(&st->set->stats, RQ_PREAMBLE, 0, lineno);
		return 0;
	}
	if (anweb_is_blank(l, len)) {
		st->set->stats.skipped_lines++;
		load_quirk(&st->set->stats, RQ_BLANK_LINES, 0, lineno);
		return 0;
	}
	st->seen = 1;
	ric = anweb_is_record_line(l, len) ? l[ANWEB_COL_RIC - 1] : '\0';
	/*
	 * The file must end at a record boundary: a last line without a
	 * line end is whole only at 320 columns (or a continuation's 91).
	 */
	if (eof) {
		if (ric == '\0' || (len != ANWEB_LINE_W &&
		    (len != ANWEB_CONT_MIN || ric == '3' || ric == '7'))) {
			snprintf(st->err->msg, sizeof(st->err->msg), "%s: "
			    "truncated at line %zu (its last line has %zu "
			    "columns and no line end; expected a whole record "
			    "line of %d)", st->path, lineno, len,
			    ANWEB_LINE_W);
			return -1;
		}
		load_quirk(&st->set->stats, RQ_NO_LINE_END, 0, lineno);
	}
	if (ric == '\0')
		return anweb_bad_line(st, l, len, lineno);
	if (ric == '3' || ric == '7') {
		if (anweb_close(st, lineno) == -1)
			return -1;
		return anweb_start(st, l, len, lineno);
	}
	return anweb_cont(st, l, len, lineno);
}

/* Count procedures and modifiers once the file is read. */
static void
anweb_count_kinds(struct anweb_state *st)
{
	struct record_set *set = st->set;
	size_t		 i;

	for (i = st->base; i < set->nrecs; i++) {
		if (set->recs[i].kind == RECORD_MODIFIER)
			set->stats.modifiers++;
		else
			set->stats.procedures++;
	}
}

int
load_anweb(const char *path, size_t max, struct record_set *set,
    struct record_err *err)
{
	struct anweb_state st;
	struct record_stats saved = set->stats;
	char		*buf, *l, *nl, *end;
	size_t		 len, n, lineno = 0;
	int		 eof;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.set = set;
	st.err = err;
	st.base = set->nrecs;
	if ((buf = load_slurp(path, max, &len, err)) == NULL)
		return -1;
	load_quirk_file(&set->stats, 0, path);
	end = buf + len;
	for (l = buf; l < end; l = nl + 1) {
		lineno++;
		eof = (nl = memchr(l, '\n', end - l)) == NULL;
		if (eof)
			nl = end;	/* last line without a newline */
		n = nl - l;
		if (n > 0 && l[n - 1] == '\r') {
			n--;
			eof = 0;	/* cut after its CR: still whole */
		}
		if (anweb_line(&st, l, n, lineno, eof) == -1)
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
	anweb_count_kinds(&st);
	record_index_free(&st.ix);
	free(st.lines);
	free(st.desc.p);
	free(buf);
	return 0;
fail:
	while (set->nrecs > st.base)
		record_set_drop_last(set);
	set->stats = saved;
	record_index_free(&st.ix);
	free(st.lines);
	free(st.desc.p);
	free(buf);
	return -1;
}
