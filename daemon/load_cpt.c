/*
 * load_cpt.c: the AMA CPT data files (docs/formats.md section 12).
 *
 * LONGULT.txt gives the records, one "code<TAB>long descriptor" line
 * each.  SHORTU.txt and MEDU.txt (code in cols 1-5, descriptor from col
 * 7) add the short and medium descriptors by code; a code found only
 * there becomes a record of its own, since the licensee shipped it.  The
 * optional modifiers file (MODUL.txt, free text) adds modifier records.
 *
 * The descriptor files start with a copyright preamble: free text up to
 * the first line shaped like data (a code of a known shape, then a TAB
 * in LONGULT, a blank or TAB in SHORTU and MEDU).  From there every line
 * must be a data line or blank: these are licensed files that arrive
 * byte for byte from the AMA, so a line of another shape means a
 * corrupt or wrong file and fails the load with file:line:column, and
 * so does a code given twice in one file (both lines named).  A blank
 * line among the data is skipped and counted, never a new preamble.
 * A UTF-8 byte order mark at the start is skipped.
 *
 * A file is UTF-8 when all of it is valid UTF-8, cp1252 otherwise (the
 * AMA's own readers try UTF-8 first and its writers emit cp1252).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "load.h"
#include "load_file.h"
#include "record.h"

struct cpt_line {
	const char	*p;
	size_t		 len;		/* without the line end */
	size_t		 no;		/* line number, from 1 */
	int		 eol;		/* it had a line end */
};

/* Roles of a release's files, as record_stats.files names them. */
enum cpt_role {
	CPT_LONG,
	CPT_SHORT,
	CPT_MEDIUM,
	CPT_MODS
};

/*
 * One file, read a line at a time: nothing is kept per line, so memory
 * grows with the records kept, not with the lines read.
 */
struct cpt_file {
	const char	*path;
	char		*buf;
	size_t		 len;
	size_t		 pos;		/* of the next line */
	size_t		 lineno;	/* of the last line read */
	enum cpt_role	 role;
	int		 cp1252;
};

/* Where each record was given, by file role, for naming duplicates. */
struct cpt_seen {
	size_t		*line;		/* [index * 4 + role]; 0: not */
	size_t		 cap;		/* records */
};

/* MODUL.txt sections, switched by their exact heading lines. */
enum cpt_msect {
	CPT_MS_NONE,		/* preamble, before "Appendix A" */
	CPT_MS_APPENDIX,	/* "NN Name: text", wrapped to a blank line */
	CPT_MS_PHYSICAL,	/* "... P1: text" */
	CPT_MS_ASC,		/* Appendix A entries repeated for ASC use */
	CPT_MS_CAT2,		/* "1P text", wrapped to a blank line */
	CPT_MS_LEVEL2		/* "LT text", one per line */
};

static const struct {
	const char	*heading;
	enum cpt_msect	 sect;
} cpt_headings[] = {
	{ "Appendix A", CPT_MS_APPENDIX },
	{ "Anesthesia Physical Status", CPT_MS_PHYSICAL },
	{ "CPT Level I Modifiers", CPT_MS_ASC },
	{ "Category II Modifiers", CPT_MS_CAT2 },
	{ "Level II (HCPCS/National) Modifiers", CPT_MS_LEVEL2 },
};

/* A modifier entry being gathered from its wrapped lines. */
struct cpt_entry {
	char		*text;		/* lines joined by one blank */
	size_t		 len;
	size_t		 cap;
	size_t		 firstlen;	/* length of its first line */
	size_t		 line;		/* of its first line */
	enum cpt_msect	 sect;
	int		 open;
};

static int	cpt_is_blank(const struct cpt_line *);
static int	cpt_file_read(struct cpt_file *, const char *, enum cpt_role,
		    size_t, struct record_set *, struct record_err *);
static void	cpt_file_free(struct cpt_file *);
static int	cpt_next(struct cpt_file *, struct cpt_line *);
static int	cpt_is_data(const struct cpt_line *, int);
static int	cpt_skip(struct cpt_file *, struct record_set *,
		    const struct cpt_line *, int);
static int	cpt_seen_at(struct cpt_seen *, size_t, enum cpt_role, size_t);
static int	cpt_dup(struct cpt_file *, struct cpt_seen *, size_t,
		    const char *, size_t, struct record_err *);
static int	cpt_long(struct cpt_file *, struct record_set *,
		    struct record_index *, struct cpt_seen *,
		    struct record_err *);
static int	cpt_fixed(struct cpt_file *, enum record_field,
		    struct record_set *, struct record_index *,
		    struct cpt_seen *, struct record_err *);
static int	cpt_mod_add(struct cpt_file *, struct record_set *,
		    struct record_index *, struct cpt_seen *, size_t,
		    const char *, const char *, size_t, const char *, size_t,
		    int, struct record_err *);
static int	cpt_entry_append(struct cpt_entry *, const char *, size_t);
static int	cpt_entry_flush(struct cpt_file *, struct cpt_entry *,
		    struct record_set *, struct record_index *,
		    struct cpt_seen *, size_t *, struct record_err *);
static int	cpt_mods(struct cpt_file *, struct record_set *,
		    struct record_index *, struct cpt_seen *,
		    struct record_err *);
static void	cpt_count_kinds(struct record_set *);

static int
cpt_is_blank(const struct cpt_line *l)
{
	size_t	i;

	for (i = 0; i < l->len; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t')
			return 0;
	return 1;
}

/*
 * Slurp a file.  A UTF-8 byte order mark is skipped (and counted)
 * whether a preamble follows it or data.
 */
static int
cpt_file_read(struct cpt_file *f, const char *path, enum cpt_role role,
    size_t max, struct record_set *set, struct record_err *err)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	f->role = role;
	if ((f->buf = load_slurp(path, max, &f->len, err)) == NULL)
		return -1;
	load_quirk_file(&set->stats, role, path);
	if (f->len >= 3 && memcmp(f->buf, "\xef\xbb\xbf", 3) == 0) {
		f->pos = 3;
		load_quirk(&set->stats, RQ_BOM, role, 1);
	}
	f->cp1252 = !record_utf8_valid(f->buf + f->pos, f->len - f->pos);
	return 0;
}

static void
cpt_file_free(struct cpt_file *f)
{
	free(f->buf);
	f->buf = NULL;
}

/* The next line (LF or CRLF; the last may lack it): 1, or 0 at EOF. */
static int
cpt_next(struct cpt_file *f, struct cpt_line *l)
{
	const char	*nl;

	if (f->pos >= f->len)
		return 0;
	l->p = f->buf + f->pos;
	nl = memchr(l->p, '\n', f->len - f->pos);
	l->eol = nl != NULL;
	l->len = nl != NULL ? (size_t)(nl - l->p) : f->len - f->pos;
	f->pos += l->len + (nl != NULL);
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	l->no = ++f->lineno;
	return 1;
}

/*
 * A data line's shape: a code of a known shape in columns 1-5, then a
 * TAB (LONGULT) or a blank or TAB (SHORTU, MEDU).
 */
static int
cpt_is_data(const struct cpt_line *l, int tab)
{
	struct classify	 c;

	return l->len >= 6 && classify_code(l->p, 5, &c) == 0 &&
	    strlen(c.code) == 5 &&
	    (l->p[5] == '\t' || (!tab && l->p[5] == ' '));
}

/* Remember that record idx was given at line of the file of role. */
static int
cpt_seen_at(struct cpt_seen *sn, size_t idx, enum cpt_role role,
    size_t line)
{
	size_t	*n, cap;

	if (idx >= sn->cap) {
		cap = sn->cap ? sn->cap : 256;
		while (cap <= idx)
			cap *= 2;
		if ((n = reallocarray(sn->line, cap, 4 * sizeof(*n))) == NULL)
			return -1;
		memset(n + sn->cap * 4, 0, (cap - sn->cap) * 4 * sizeof(*n));
		sn->line = n;
		sn->cap = cap;
	}
	sn->line[idx * 4 + role] = line;
	return 0;
}

/*
 * Whether record idx was already given in this file: then err names
 * both lines and -1 comes back.  A code twice in one AMA file is a
 * damaged or spliced file, never an amendment.
 */
static int
cpt_dup(struct cpt_file *f, struct cpt_seen *sn, size_t idx,
    const char *code, size_t line, struct record_err *err)
{
	size_t	first;

	if (idx >= sn->cap || (first = sn->line[idx * 4 + f->role]) == 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s:%zu: duplicate code %s "
	    "(first at %s:%zu; a release holds each code once)", f->path,
	    line, code, f->path, first);
	return -1;
}

/*
 * A preamble line (before the first data line) or a blank line among
 * the data: skipped and counted.  Returns 1 when l was one of them.
 */
static int
cpt_skip(struct cpt_file *f, struct record_set *set,
    const struct cpt_line *l, int started)
{
	if (started && !cpt_is_blank(l))
		return 0;
	set->stats.skipped_lines++;
	load_quirk(&set->stats, started ? RQ_BLANK_LINES : RQ_PREAMBLE,
	    f->role, l->no);
	return 1;
}

/* LONGULT.txt: code<TAB>long descriptor after the preamble. */
static int
cpt_long(struct cpt_file *f, struct record_set *set, struct record_index *ix,
    struct cpt_seen *sn, struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	struct cpt_line	 l;
	struct classify	 c;
	const char	*tab;
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 col;
	long		 idx;
	int		 started = 0;

	while (cpt_next(f, &l)) {
		if (!started)
			started = cpt_is_data(&l, 1);
		if (cpt_skip(f, set, &l, started))
			continue;
		if (!l.eol)
			load_quirk(&set->stats, RQ_NO_LINE_END, f->role, l.no);
		tab = l.p + 5;
		if (l.len < 5 || classify_code(l.p, 5, &c) != 0 ||
		    strlen(c.code) != 5)
			col = 1;
		else if (l.len < 6 || *tab != '\t')
			col = 6;	/* where the TAB belongs */
		else
			col = 0;
		if (col != 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "%s:%zu:%zu: expected CODE<TAB>DESCRIPTOR%s",
			    f->path, l.no, col, col == 1 ? " (a code of a "
			    "known shape in columns 1-5)" : "");
			return -1;
		}
		record_normalize_code(l.p, 5, code);
		if ((idx = record_index_get(ix, set, code)) >= 0) {
			if (cpt_dup(f, sn, (size_t)idx, code, l.no, err) == -1)
				return -1;
			continue;
		}
		if ((r = record_set_add(set)) == NULL)
			return load_oom(f->path, err);
		if (record_set_field(set, r, RF_CODE, code, strlen(code), 0,
		    &e) == -1 ||
		    record_set_field(set, r, RF_LONG, tab + 1,
		    l.len - (size_t)(tab + 1 - l.p), f->cp1252, &e) == -1 ||
		    record_index_put(ix, set, set->nrecs - 1) == -1 ||
		    cpt_seen_at(sn, set->nrecs - 1, f->role, l.no) == -1) {
			record_set_drop_last(set);
			return load_oom(f->path, err);
		}
	}
	if (started)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: no records "
	    "(expected CODE<TAB>DESCRIPTOR lines after the preamble)",
	    f->path);
	return -1;
}

/*
 * SHORTU.txt / MEDU.txt: code in cols 1-5, a blank, the descriptor from
 * col 7.  Merged into the record of the same code.
 */
static int
cpt_fixed(struct cpt_file *f, enum record_field field,
    struct record_set *set, struct record_index *ix, struct cpt_seen *sn,
    struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	struct cpt_line	 l;
	struct classify	 c;
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 dlen;
	const char	*desc;
	long		 idx;
	int		 started = 0, shape;

	while (cpt_next(f, &l)) {
		if (!started)
			started = cpt_is_data(&l, 0);
		if (cpt_skip(f, set, &l, started))
			continue;
		if (!l.eol)
			load_quirk(&set->stats, RQ_NO_LINE_END, f->role, l.no);
		shape = l.len >= 5 && classify_code(l.p, 5, &c) == 0 &&
		    strlen(c.code) == 5;
		if (!shape || (l.len > 5 && l.p[5] != ' ' &&
		    l.p[5] != '\t')) {
			snprintf(err->msg, sizeof(err->msg),
			    "%s:%zu:%d: expected CODE DESCRIPTOR "
			    "(code in columns 1-5, descriptor from column 7)",
			    f->path, l.no, shape ? 6 : 1);
			return -1;
		}
		record_normalize_code(l.p, 5, code);
		desc = l.len > 6 ? l.p + 6 : l.p + l.len;
		dlen = (size_t)(l.p + l.len - desc);
		if ((idx = record_index_get(ix, set, code)) >= 0) {
			if (cpt_dup(f, sn, (size_t)idx, code, l.no, err) == -1)
				return -1;
			r = &set->recs[idx];
			if (record_set_field(set, r, field, desc, dlen,
			    f->cp1252, &e) == -1 ||
			    cpt_seen_at(sn, (size_t)idx, f->role, l.no) == -1)
				return load_oom(f->path, err);
			continue;
		}
		/* Not in LONGULT: keep it, with what this file says. */
		if ((r = record_set_add(set)) == NULL)
			return load_oom(f->path, err);
		if (record_set_field(set, r, RF_CODE, code, strlen(code), 0,
		    &e) == -1 ||
		    record_set_field(set, r, field, desc, dlen, f->cp1252,
		    &e) == -1 ||
		    record_index_put(ix, set, set->nrecs - 1) == -1 ||
		    cpt_seen_at(sn, set->nrecs - 1, f->role, l.no) == -1) {
			record_set_drop_last(set);
			return load_oom(f->path, err);
		}
	}
	if (started)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "%s: no records "
	    "(expected CODE DESCRIPTOR lines after the preamble)", f->path);
	return -1;
}

/*
 * Add one modifier.  quiet_dup: the ASC list repeats Appendix A entries
 * by design, so a repeat there is neither added nor counted.
 */
static int
cpt_mod_add(struct cpt_file *f, struct record_set *set,
    struct record_index *ix, struct cpt_seen *sn, size_t line,
    const char *code2, const char *sd, size_t slen, const char *ld,
    size_t llen, int quiet_dup, struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	char		 code[RECORD_CODE_MAX + 1];
	long		 idx;

	if (record_normalize_code(code2, 2, code) != 2)
		return 0;	/* the callers matched the shape already */
	if ((idx = record_index_get(ix, set, code)) >= 0) {
		if (!quiet_dup)
			return cpt_dup(f, sn, (size_t)idx, code, line, err);
		return 0;
	}
	if ((r = record_set_add(set)) == NULL)
		return load_oom(f->path, err);
	if (record_set_field(set, r, RF_CODE, code, 2, 0, &e) == -1 ||
	    record_set_field(set, r, RF_SHORT, sd, slen, f->cp1252,
	    &e) == -1 ||
	    record_set_field(set, r, RF_LONG, ld, llen, f->cp1252,
	    &e) == -1 ||
	    record_index_put(ix, set, set->nrecs - 1) == -1 ||
	    cpt_seen_at(sn, set->nrecs - 1, f->role, line) == -1) {
		record_set_drop_last(set);
		return load_oom(f->path, err);
	}
	return 0;
}

static int
cpt_entry_append(struct cpt_entry *en, const char *p, size_t len)
{
	char	*n;
	size_t	 need = en->len + len + 2;

	if (need > en->cap) {
		if ((n = realloc(en->text, need * 2)) == NULL)
			return -1;
		en->text = n;
		en->cap = need * 2;
	}
	if (en->len > 0)
		en->text[en->len++] = ' ';
	else
		en->firstlen = len;
	memcpy(en->text + en->len, p, len);
	en->len += len;
	en->text[en->len] = '\0';
	return 0;
}

/*
 * A finished wrapped entry, "NN Name: text" or "1P text...".  The short
 * descriptor is the name before the first ": " (Appendix A) or the first
 * line (Category II); the long one is the rest or the whole text.
 */
static int
cpt_entry_flush(struct cpt_file *f, struct cpt_entry *en,
    struct record_set *set, struct record_index *ix, struct cpt_seen *sn,
    size_t *nmods, struct record_err *err)
{
	const char	*t, *colon;
	size_t		 len;
	int		 rc;

	if (!en->open)
		return 0;
	en->open = 0;
	t = en->text + 3;	/* entries start "NN " */
	len = en->len - 3;
	colon = en->sect == CPT_MS_CAT2 ? NULL : strstr(t, ": ");
	if (colon != NULL)
		rc = cpt_mod_add(f, set, ix, sn, en->line, en->text, t,
		    (size_t)(colon - t),
		    colon + 2, len - (size_t)(colon + 2 - t),
		    en->sect == CPT_MS_ASC, err);
	else if (en->sect == CPT_MS_CAT2)
		rc = cpt_mod_add(f, set, ix, sn, en->line, en->text, t,
		    en->firstlen - 3, t, len, 0, err);
	else
		rc = cpt_mod_add(f, set, ix, sn, en->line, en->text, t, len,
		    t, len, en->sect == CPT_MS_ASC, err);
	en->len = 0;
	(*nmods)++;
	return rc;
}

/* MODUL.txt, read line by line, each line trimmed. */
static int
cpt_mods(struct cpt_file *f, struct record_set *set, struct record_index *ix,
    struct cpt_seen *sn, struct record_err *err)
{
	struct cpt_entry en;
	struct cpt_line	 l;
	enum cpt_msect	 sect = CPT_MS_NONE;
	const char	*p, *q;
	size_t		 k, len, nmods = 0;
	int		 heading;

	memset(&en, 0, sizeof(en));
	while (cpt_next(f, &l)) {
		p = l.p;
		len = l.len;
		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		heading = 0;
		for (k = 0; k < sizeof(cpt_headings) / sizeof(cpt_headings[0]);
		    k++) {
			if (strlen(cpt_headings[k].heading) == len &&
			    memcmp(cpt_headings[k].heading, p, len) == 0) {
				heading = 1;
				break;
			}
		}
		if (heading || len == 0) {
			if (cpt_entry_flush(f, &en, set, ix, sn, &nmods,
			    err) == -1)
				goto fail;
			if (heading)
				sect = cpt_headings[k].sect;
			set->stats.skipped_lines++;
			continue;
		}
		if (en.open) {
			if (cpt_entry_append(&en, p, len) == -1)
				goto oom;
			continue;
		}
		switch (sect) {
		case CPT_MS_APPENDIX:
		case CPT_MS_ASC:
			if (len >= 4 && p[0] >= '1' && p[0] <= '9' &&
			    p[1] >= '0' && p[1] <= '9' && p[2] == ' ') {
				en.open = 1;
				en.sect = sect;
				en.line = l.no;
				if (cpt_entry_append(&en, p, len) == -1)
					goto oom;
				continue;
			}
			break;
		case CPT_MS_CAT2:
			if (len >= 4 && p[0] >= '1' && p[0] <= '9' &&
			    p[1] >= 'A' && p[1] <= 'Z' && p[2] == ' ') {
				en.open = 1;
				en.sect = sect;
				en.line = l.no;
				if (cpt_entry_append(&en, p, len) == -1)
					goto oom;
				continue;
			}
			break;
		case CPT_MS_PHYSICAL:
			/* "Physical Status Modifier P1: A normal ..." */
			for (q = NULL, k = len; q == NULL && k >= 3; k--)
				if (p[k - 3] == 'P' && p[k - 2] >= '0' &&
				    p[k - 2] <= '9' && p[k - 1] == ':')
					q = p + k - 3;
			if (q != NULL) {
				const char *d = q + 3;
				size_t dl = len - (size_t)(d - p);

				while (dl > 0 && *d == ' ')
					d++, dl--;
				if (cpt_mod_add(f, set, ix, sn, l.no, q, d,
				    dl, d, dl, 0, err) == -1)
					goto fail;
				nmods++;
				continue;
			}
			break;
		case CPT_MS_LEVEL2:
			/* "LT Left side": the blank keeps "HCPCS ..." out */
			if (len >= 2 && p[0] >= 'A' && p[0] <= 'Z' &&
			    ((p[1] >= 'A' && p[1] <= 'Z') ||
			    (p[1] >= '0' && p[1] <= '9')) &&
			    (len == 2 || p[2] == ' ' || p[2] == '\t')) {
				const char *d = p + 2;
				size_t dl = len - 2;

				while (dl > 0 && (*d == ' ' || *d == '\t'))
					d++, dl--;
				if (cpt_mod_add(f, set, ix, sn, l.no, p, d,
				    dl, d, dl, 0, err) == -1)
					goto fail;
				nmods++;
				continue;
			}
			break;
		case CPT_MS_NONE:
			break;
		}
		set->stats.skipped_lines++;
	}
	if (cpt_entry_flush(f, &en, set, ix, sn, &nmods, err) == -1)
		goto fail;
	free(en.text);
	if (nmods == 0) {
		snprintf(err->msg, sizeof(err->msg), "%s: no modifiers "
		    "(expected an \"Appendix A\" section of \"NN Name: text\" "
		    "entries)", f->path);
		return -1;
	}
	return 0;
oom:
	load_oom(f->path, err);
fail:
	free(en.text);
	return -1;
}

static void
cpt_count_kinds(struct record_set *set)
{
	size_t	i;

	set->stats.procedures = set->stats.modifiers = 0;
	for (i = 0; i < set->nrecs; i++) {
		if (set->recs[i].kind == RECORD_MODIFIER)
			set->stats.modifiers++;
		else
			set->stats.procedures++;
	}
}

int
load_cpt(const char *longult, const char *shortu, const char *medu,
    const char *modul, size_t max, struct record_set *set,
    struct record_err *err)
{
	struct record_index ix = { NULL, 0, 0 };
	struct cpt_seen	 sn = { NULL, 0 };
	struct cpt_file	 f;
	const char	*paths[3] = { shortu, medu, modul };
	size_t		 k;
	int		 rc;

	if (cpt_file_read(&f, longult, CPT_LONG, max, set, err) == -1)
		return -1;
	rc = cpt_long(&f, set, &ix, &sn, err);
	cpt_file_free(&f);
	if (rc == -1)
		goto fail;
	for (k = 0; k < 3; k++) {
		if (paths[k] == NULL)
			continue;
		if (cpt_file_read(&f, paths[k], CPT_SHORT + k, max, set,
		    err) == -1)
			goto fail;
		if (k == 2)
			rc = cpt_mods(&f, set, &ix, &sn, err);
		else
			rc = cpt_fixed(&f, k == 0 ? RF_SHORT : RF_MEDIUM, set,
			    &ix, &sn, err);
		cpt_file_free(&f);
		if (rc == -1)
			goto fail;
	}
	free(sn.line);
	record_index_free(&ix);
	cpt_count_kinds(set);
	return 0;
fail:
	free(sn.line);
	record_index_free(&ix);
	return -1;
}
