/*
 * load_delim.c: a local code set kept as CSV or TSV (RFC 4180 quoting
 * either way: quoted fields may hold the delimiter, doubled quotes and
 * line breaks; CRLF or LF).  The first non-blank row is the header; the
 * set's columns map header names to record fields, and unmapped columns
 * are ignored.  A leading UTF-8 byte order mark is skipped; the text is
 * UTF-8 when all of the file is valid UTF-8, cp1252 otherwise.
 *
 * These files are small and edited by hand, so their structure has to
 * be right to the byte: a missing mapped column, an unterminated quote,
 * a row with the wrong number of fields, a code of no known shape or a
 * code given twice fails the load with file:line:column.  Values inside
 * a good row never do (a malformed date is kept raw and counted, as
 * everywhere).
 * Columns count characters, from 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "conf.h"
#include "load.h"
#include "load_file.h"
#include "record.h"

struct delim_field {
	char		*p;		/* unquoted in place */
	size_t		 len;
	size_t		 line;
	size_t		 col;
	int		 quoted;
};

/* The most columns a header row may have. */
#define DELIM_MAX_COLUMNS	4096

struct delim_row {
	struct delim_field *f;
	size_t		 n;		/* fields in the row */
	size_t		 cap;
	size_t		 limit;		/* fields kept; more only counted */
	size_t		 endline;	/* where the last field ends */
	size_t		 endcol;
};

struct delim_parser {
	const char	*path;
	char		*buf;
	size_t		 len;
	size_t		 pos;
	size_t		 line;
	size_t		 col;
	char		 delim;
	int		 cp1252;
	size_t		 base;		/* set->nrecs before this file */
	size_t		*lines;		/* each record's line */
};

/* One header column feeding one field, in mapping order. */
struct delim_map {
	enum record_field field;
	size_t		 idx;
};

static void	delim_advance(struct delim_parser *);
static int	delim_push(struct delim_row *, char *, size_t, size_t,
		    size_t, int);
static int	delim_row(struct delim_parser *, struct delim_row *,
		    struct record_err *);
static int	delim_row_blank(const struct delim_row *);
static void	delim_trim(const char **, size_t *);
static int	delim_map_header(const struct conf_set *, const char *,
		    const struct delim_row *, struct delim_map **, size_t *,
		    size_t *, struct record_err *);
static int	delim_record(struct delim_parser *, const struct delim_row *,
		    const struct delim_map *, size_t, size_t,
		    struct record_set *, struct record_index *,
		    struct record_err *);

/* Consume one byte, keeping line and (character) column. */
static void
delim_advance(struct delim_parser *dp)
{
	unsigned char	c = (unsigned char)dp->buf[dp->pos++];

	if (c == '\n') {
		dp->line++;
		dp->col = 1;
	} else if (dp->cp1252 || (c & 0xc0) != 0x80)
		dp->col++;
}

static int
delim_push(struct delim_row *row, char *p, size_t len, size_t line,
    size_t col, int quoted)
{
	struct delim_field *n;

	/*
	 * Past what the header allows a row is wrong anyway: count its
	 * fields, keep none, so a line of a million delimiters costs
	 * nothing.
	 */
	if (row->n >= row->limit) {
		row->n++;
		return 0;
	}
	if (row->n == row->cap) {
		if ((n = reallocarray(row->f, row->cap ? row->cap * 2 : 16,
		    sizeof(*n))) == NULL)
			return -1;
		row->f = n;
		row->cap = row->cap ? row->cap * 2 : 16;
	}
	row->f[row->n].p = p;
	row->f[row->n].len = len;
	row->f[row->n].line = line;
	row->f[row->n].col = col;
	row->f[row->n].quoted = quoted;
	row->n++;
	return 0;
}

/*
 * Read one row.  Returns 1 with the row, 0 at end of input, -1 with err
 * filled.  Quoted fields are unescaped in place (the text only shrinks),
 * and a CRLF inside one becomes LF.
 */
static int
delim_row(struct delim_parser *dp, struct delim_row *row,
    struct record_err *err)
{
	size_t	line, col, out, start;
	char	c;

	row->n = 0;
	if (dp->pos >= dp->len)
		return 0;
	for (;;) {
		line = dp->line;
		col = dp->col;
		if (dp->pos < dp->len && dp->buf[dp->pos] == '"') {
			delim_advance(dp);
			start = out = dp->pos;
			for (;;) {
				if (dp->pos >= dp->len) {
					snprintf(err->msg, sizeof(err->msg),
					    "%s:%zu:%zu: unterminated quoted "
					    "field (expected a closing '\"')",
					    dp->path, line, col);
					return -1;
				}
				c = dp->buf[dp->pos];
				if (c == '"') {
					delim_advance(dp);
					if (dp->pos < dp->len &&
					    dp->buf[dp->pos] == '"') {
						delim_advance(dp);
						dp->buf[out++] = '"';
						continue;
					}
					break;
				}
				if (c == '\r' && dp->pos + 1 < dp->len &&
				    dp->buf[dp->pos + 1] == '\n') {
					delim_advance(dp);
					continue;
				}
				delim_advance(dp);
				dp->buf[out++] = c;
			}
			if (dp->pos < dp->len) {
				c = dp->buf[dp->pos];
				if (c != dp->delim && c != '\n' &&
				    !(c == '\r' && dp->pos + 1 < dp->len &&
				    dp->buf[dp->pos + 1] == '\n')) {
					snprintf(err->msg, sizeof(err->msg),
					    "%s:%zu:%zu: expected a delimiter "
					    "or the end of the line after a "
					    "closing quote", dp->path,
					    dp->line, dp->col);
					return -1;
				}
			}
			if (delim_push(row, dp->buf + start, out - start,
			    line, col, 1) == -1)
				return load_oom(dp->path, err);
		} else {
			start = dp->pos;
			while (dp->pos < dp->len) {
				c = dp->buf[dp->pos];
				if (c == dp->delim || c == '\n' ||
				    (c == '\r' && dp->pos + 1 < dp->len &&
				    dp->buf[dp->pos + 1] == '\n'))
					break;
				delim_advance(dp);
			}
			if (delim_push(row, dp->buf + start, dp->pos - start,
			    line, col, 0) == -1)
				return load_oom(dp->path, err);
		}
		row->endline = dp->line;
		row->endcol = dp->col;
		if (dp->pos >= dp->len)
			return 1;
		if (dp->buf[dp->pos] == dp->delim) {
			delim_advance(dp);
			continue;
		}
		if (dp->buf[dp->pos] == '\r')
			delim_advance(dp);
		delim_advance(dp);	/* the LF */
		return 1;
	}
}

static int
delim_row_blank(const struct delim_row *row)
{
	size_t	i;

	if (row->n != 1 || row->f[0].quoted)
		return 0;
	for (i = 0; i < row->f[0].len; i++)
		if (row->f[0].p[i] != ' ' && row->f[0].p[i] != '\t')
			return 0;
	return 1;
}

static void
delim_trim(const char **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || **p == '\t'))
		(*p)++, (*len)--;
	while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * Resolve every mapped header name to its column (names compare trimmed
 * and case-insensitively).  The code's column comes back in *codeidx.
 */
static int
delim_map_header(const struct conf_set *cs, const char *path,
    const struct delim_row *hdr, struct delim_map **mapp, size_t *nmapp, size_t *codeidx,
    struct record_err *err)
{
	const struct conf_column *cc;
	struct delim_map *map;
	const char	*h;
	size_t		 i, k, j, n = 0, hl;
	int		 havecode = 0;

	for (i = 0; i < cs->ncolumns; i++)
		n += cs->columns[i].nheaders;
	if ((map = calloc(n + 1, sizeof(*map))) == NULL)
		return load_oom(path, err);
	*mapp = map;
	*nmapp = 0;
	for (i = 0; i < cs->ncolumns; i++) {
		cc = &cs->columns[i];
		for (k = 0; k < cc->nheaders; k++) {
			for (j = 0; j < hdr->n; j++) {
				h = hdr->f[j].p;
				hl = hdr->f[j].len;
				delim_trim(&h, &hl);
				if (strlen(cc->headers[k]) == hl &&
				    strncasecmp(h, cc->headers[k], hl) == 0)
					break;
			}
			if (j == hdr->n) {
				snprintf(err->msg, sizeof(err->msg),
				    "%s:%zu:%zu: expected a column named "
				    "\"%s\" in the header row", path,
				    hdr->f[0].line, hdr->f[0].col,
				    cc->headers[k]);
				return -1;
			}
			if (cc->field == RF_CODE) {
				if (!havecode)
					*codeidx = j;
				havecode = 1;
				continue;
			}
			map[*nmapp].field = cc->field;
			map[*nmapp].idx = j;
			(*nmapp)++;
		}
	}
	if (!havecode) {
		snprintf(err->msg, sizeof(err->msg), "%s: no column is mapped "
		    "to \"code\" (expected a columns entry for code)",
		    path);
		return -1;
	}
	return 0;
}

/* One data row into one record (or a counted duplicate). */
static int
delim_record(struct delim_parser *dp, const struct delim_row *row,
    const struct delim_map *map, size_t nmap, size_t codeidx,
    struct record_set *set, struct record_index *ix, struct record_err *err)
{
	const struct delim_field *cf = &row->f[codeidx];
	struct record	*r;
	struct record_err e;
	struct classify	 c;
	char		 code[RECORD_CODE_MAX + 1];
	const char	*v;
	size_t		 k, vl, bad_dates, bad_values, n, *nl;
	long		 prev;

	v = cf->p;
	vl = cf->len;
	delim_trim(&v, &vl);
	if (vl == 0) {
		snprintf(err->msg, sizeof(err->msg), "%s:%zu:%zu: expected a "
		    "code, found an empty field", dp->path, cf->line, cf->col);
		return -1;
	}
	if (record_normalize_code(v, vl, code) < 0 ||
	    classify_code(code, strlen(code), &c) == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s:%zu:%zu: expected a "
		    "code of a known shape (5 characters such as 99213, "
		    "J1100 or W1000, or a modifier of 2), found \"%.*s\"",
		    dp->path, cf->line, cf->col, vl > 40 ? 40 : (int)vl, v);
		return -1;
	}
	if ((prev = record_index_get(ix, set, code)) >= 0) {
		snprintf(err->msg, sizeof(err->msg), "%s:%zu: duplicate code "
		    "%s (first at %s:%zu; a release holds each code once)",
		    dp->path, row->f[0].line, code, dp->path,
		    dp->lines[(size_t)prev - dp->base]);
		return -1;
	}
	/* The line of every record (a power-of-two array), for duplicates. */
	n = set->nrecs - dp->base;
	if ((n & (n - 1)) == 0) {
		if ((nl = reallocarray(dp->lines, n ? n * 2 : 1,
		    sizeof(*nl))) == NULL)
			return load_oom(dp->path, err);
		dp->lines = nl;
	}
	dp->lines[n] = row->f[0].line;
	if ((r = record_set_add(set)) == NULL)
		return load_oom(dp->path, err);
	if (record_set_field(set, r, RF_CODE, code, strlen(code), 0,
	    &e) == -1)
		goto oom;
	bad_dates = set->stats.bad_dates;
	bad_values = set->stats.bad_values;
	for (k = 0; k < nmap; k++)
		if (record_set_field(set, r, map[k].field, row->f[map[k].idx].p,
		    row->f[map[k].idx].len, dp->cp1252, &e) == -1)
			goto oom;
	if (record_index_put(ix, set, set->nrecs - 1) == -1)
		goto oom;
	for (; bad_dates < set->stats.bad_dates; bad_dates++)
		load_quirk(&set->stats, RQ_BAD_DATES, 0, row->f[0].line);
	for (; bad_values < set->stats.bad_values; bad_values++)
		load_quirk(&set->stats, RQ_BAD_VALUES, 0, row->f[0].line);
	load_quirk_unknowns(&set->stats, r, 0, row->f[0].line);
	return 0;
oom:
	record_set_drop_last(set);
	return load_oom(dp->path, err);
}

int
load_delimited(const struct conf_set *cs, const char *path,
    struct record_set *set, struct record_err *err)
{
	struct delim_parser dp;
	struct delim_row row = { NULL, 0, 0, DELIM_MAX_COLUMNS + 1, 0, 0 };
	struct record_index ix = { NULL, 0, 0 };
	struct delim_map *map = NULL;
	size_t		 nmap = 0, nfields = 0, codeidx = 0, nrecs = 0, i;
	int		 rc, header = 0;

	memset(&dp, 0, sizeof(dp));
	dp.path = path;
	dp.base = set->nrecs;
	dp.delim = cs->delimiter != '\0' ? cs->delimiter : ',';
	dp.line = dp.col = 1;
	if ((dp.buf = load_slurp(path, cs->max_file_bytes, &dp.len,
	    err)) == NULL)
		return -1;
	load_quirk_file(&set->stats, 0, path);
	if (dp.len >= 3 && memcmp(dp.buf, "\xef\xbb\xbf", 3) == 0) {
		dp.pos = 3;
		load_quirk(&set->stats, RQ_BOM, 0, 1);
	}
	if (dp.buf[dp.len - 1] != '\n')
		load_quirk(&set->stats, RQ_NO_LINE_END, 0, 0);
	dp.cp1252 = !record_utf8_valid(dp.buf + dp.pos, dp.len - dp.pos);

	while ((rc = delim_row(&dp, &row, err)) == 1) {
		if (delim_row_blank(&row)) {
			set->stats.skipped_lines++;
			load_quirk(&set->stats, RQ_BLANK_LINES, 0,
			    row.f[0].line);
			continue;
		}
		if (!header) {
			if (row.n > DELIM_MAX_COLUMNS) {
				snprintf(err->msg, sizeof(err->msg), "%s:%zu: "
				    "a header row of more than %d columns",
				    path, row.f[0].line, DELIM_MAX_COLUMNS);
				goto fail;
			}
			if (delim_map_header(cs, path, &row, &map, &nmap,
			    &codeidx, err) == -1)
				goto fail;
			nfields = row.n;
			row.limit = nfields + 1;
			header = 1;
			set->stats.skipped_lines++;
			continue;
		}
		if (row.n != nfields) {
			snprintf(err->msg, sizeof(err->msg),
			    "%s:%zu:%zu: expected %zu fields as in the header "
			    "row, found %zu", path,
			    row.n > nfields ? row.f[nfields].line : row.endline,
			    row.n > nfields ? row.f[nfields].col : row.endcol,
			    nfields, row.n);
			goto fail;
		}
		if (delim_record(&dp, &row, map, nmap, codeidx, set, &ix,
		    err) == -1)
			goto fail;
		nrecs++;
	}
	if (rc == -1)
		goto fail;
	if (!header) {
		snprintf(err->msg, sizeof(err->msg), "%s: no header row "
		    "(expected column names on the first line)", path);
		goto fail;
	}
	if (nrecs == 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: no records "
		    "(expected rows after the header row)", path);
		goto fail;
	}
	set->stats.procedures = set->stats.modifiers = 0;
	for (i = 0; i < set->nrecs; i++) {
		if (set->recs[i].kind == RECORD_MODIFIER)
			set->stats.modifiers++;
		else
			set->stats.procedures++;
	}
	record_index_free(&ix);
	free(dp.lines);
	free(map);
	free(row.f);
	free(dp.buf);
	return 0;
fail:
	free(dp.lines);
	record_index_free(&ix);
	free(map);
	free(row.f);
	free(dp.buf);
	return -1;
}
