/*
 * load_cpt.c: the AMA CPT data files (docs/formats.md section 12).
 *
 * LONGULT.txt gives the records, one "code<TAB>long descriptor" line
 * each.  SHORTU.txt and MEDU.txt (code in cols 1-5, descriptor from col
 * 7) add the short and medium descriptors by code; a code found only
 * there becomes a record of its own, since the licensee shipped it.  The
 * optional modifiers file (MODUL.txt, free text) adds modifier records.
 *
 * The descriptor files start with a copyright preamble that ends at the
 * file's last blank line (trailing blank lines at EOF do not count).
 * Every line after it must be a data line: these are licensed files that
 * arrive byte for byte from the AMA, so a line of another shape means a
 * corrupt or wrong file and fails the load with file:line:column.
 *
 * A file is UTF-8 when all of it is valid UTF-8, cp1252 otherwise (the
 * AMA's own readers try UTF-8 first and its writers emit cp1252).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "load_file.h"
#include "record.h"

struct cpt_line {
	const char	*p;
	size_t		 len;		/* without the line end */
};

struct cpt_file {
	const char	*path;
	char		*buf;
	size_t		 len;
	struct cpt_line	*lines;
	size_t		 nlines;
	int		 cp1252;
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
	enum cpt_msect	 sect;
	int		 open;
};

static int	cpt_is_blank(const struct cpt_line *);
static int	cpt_file_read(struct cpt_file *, const char *,
		    struct record_err *);
static void	cpt_file_free(struct cpt_file *);
static size_t	cpt_data_range(const struct cpt_file *, size_t *);
static int	cpt_any_data(const struct cpt_file *, size_t, size_t, int);
static int	cpt_long(struct cpt_file *, struct record_set *,
		    struct record_index *, struct record_err *);
static int	cpt_fixed(struct cpt_file *, enum record_field,
		    struct record_set *, struct record_index *,
		    struct record_err *);
static int	cpt_mod_add(struct cpt_file *, struct record_set *,
		    struct record_index *, const char *, const char *, size_t,
		    const char *, size_t, int, struct record_err *);
static int	cpt_entry_append(struct cpt_entry *, const char *, size_t);
static int	cpt_entry_flush(struct cpt_file *, struct cpt_entry *,
		    struct record_set *, struct record_index *, size_t *,
		    struct record_err *);
static int	cpt_mods(struct cpt_file *, struct record_set *,
		    struct record_index *, struct record_err *);
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

/* Slurp a file and cut it into lines (LF or CRLF; last one may lack it). */
static int
cpt_file_read(struct cpt_file *f, const char *path, struct record_err *err)
{
	size_t	i, start, n;

	memset(f, 0, sizeof(*f));
	f->path = path;
	if ((f->buf = load_slurp(path, &f->len, err)) == NULL)
		return -1;
	f->cp1252 = !record_utf8_valid(f->buf, f->len);
	for (n = 1, i = 0; i < f->len; i++)
		if (f->buf[i] == '\n')
			n++;
	if ((f->lines = calloc(n, sizeof(*f->lines))) == NULL) {
		cpt_file_free(f);
		return load_oom(path, err);
	}
	for (start = 0, i = 0; i <= f->len; i++) {
		if (i < f->len && f->buf[i] != '\n')
			continue;
		if (i == f->len && start == f->len)
			break;		/* the last line ended in LF */
		f->lines[f->nlines].p = f->buf + start;
		f->lines[f->nlines].len = i - start;
		if (i > start && f->buf[i - 1] == '\r')
			f->lines[f->nlines].len--;
		f->nlines++;
		start = i + 1;
	}
	return 0;
}

static void
cpt_file_free(struct cpt_file *f)
{
	free(f->lines);
	free(f->buf);
	f->lines = NULL;
	f->buf = NULL;
}

/*
 * The data lines are [start, *end): after the last blank line, once the
 * blank lines at EOF are set aside.  A file without a blank line has no
 * preamble.
 */
static size_t
cpt_data_range(const struct cpt_file *f, size_t *end)
{
	size_t	n = f->nlines, i;

	while (n > 0 && cpt_is_blank(&f->lines[n - 1]))
		n--;
	*end = n;
	for (i = n; i > 0; i--)
		if (cpt_is_blank(&f->lines[i - 1]))
			return i;
	return 0;
}

/*
 * Whether any line of [start, end) looks like data: a code, then a TAB
 * (LONGULT) or a blank or TAB (SHORTU, MEDU).  A file with none has no
 * records; one with some must be all data, or it is corrupt.
 */
static int
cpt_any_data(const struct cpt_file *f, size_t start, size_t end, int tab)
{
	const struct cpt_line *l;
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 i;

	for (i = start; i < end; i++) {
		l = &f->lines[i];
		if (l->len >= 6 && record_normalize_code(l->p, 5, code) == 5 &&
		    (l->p[5] == '\t' || (!tab && l->p[5] == ' ')))
			return 1;
	}
	return 0;
}

/* LONGULT.txt: code<TAB>long descriptor after the preamble. */
static int
cpt_long(struct cpt_file *f, struct record_set *set, struct record_index *ix,
    struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	const char	*tab;
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 i, start, end, col;

	start = cpt_data_range(f, &end);
	set->stats.skipped_lines += start + (f->nlines - end);
	if (!cpt_any_data(f, start, end, 1))
		goto none;
	for (i = start; i < end; i++) {
		const struct cpt_line *l = &f->lines[i];

		tab = memchr(l->p, '\t', l->len);
		if (record_normalize_code(l->p,
		    tab != NULL ? (size_t)(tab - l->p) : 5 < l->len ? 5 :
		    l->len, code) < 0)
			col = 1;
		else if (tab == NULL)
			col = 6;	/* where the TAB belongs */
		else
			col = 0;
		if (col != 0) {
			snprintf(err->msg, sizeof(err->msg),
			    "%s:%zu:%zu: expected CODE<TAB>DESCRIPTOR",
			    f->path, i + 1, col);
			return -1;
		}
		if (record_index_get(ix, set, code) >= 0) {
			set->stats.duplicates++;
			continue;
		}
		if ((r = record_set_add(set)) == NULL)
			return load_oom(f->path, err);
		if (record_set_field(set, r, RF_CODE, code, strlen(code), 0,
		    &e) == -1 ||
		    record_set_field(set, r, RF_LONG, tab + 1,
		    l->len - (size_t)(tab + 1 - l->p), f->cp1252, &e) == -1 ||
		    record_index_put(ix, set, set->nrecs - 1) == -1) {
			record_set_drop_last(set);
			return load_oom(f->path, err);
		}
	}
	return 0;
none:
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
    struct record_set *set, struct record_index *ix, struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	char		 code[RECORD_CODE_MAX + 1];
	size_t		 i, start, end, dlen;
	const char	*desc;
	long		 idx;

	start = cpt_data_range(f, &end);
	set->stats.skipped_lines += start + (f->nlines - end);
	if (!cpt_any_data(f, start, end, 0))
		goto none;
	for (i = start; i < end; i++) {
		const struct cpt_line *l = &f->lines[i];

		if (l->len < 5 || record_normalize_code(l->p, 5, code) != 5 ||
		    (l->len > 5 && l->p[5] != ' ' && l->p[5] != '\t')) {
			snprintf(err->msg, sizeof(err->msg),
			    "%s:%zu:%d: expected CODE DESCRIPTOR "
			    "(code in columns 1-5, descriptor from column 7)",
			    f->path, i + 1, l->len >= 5 &&
			    record_normalize_code(l->p, 5, code) == 5 ? 6 : 1);
			return -1;
		}
		desc = l->len > 6 ? l->p + 6 : l->p + l->len;
		dlen = (size_t)(l->p + l->len - desc);
		if ((idx = record_index_get(ix, set, code)) >= 0) {
			r = &set->recs[idx];
			if ((field == RF_SHORT ? r->short_desc :
			    r->medium_desc) != NULL) {
				set->stats.duplicates++;
				continue;
			}
			if (record_set_field(set, r, field, desc, dlen,
			    f->cp1252, &e) == -1)
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
		    record_index_put(ix, set, set->nrecs - 1) == -1) {
			record_set_drop_last(set);
			return load_oom(f->path, err);
		}
	}
	return 0;
none:
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
    struct record_index *ix, const char *code2, const char *sd, size_t slen,
    const char *ld, size_t llen, int quiet_dup, struct record_err *err)
{
	struct record	*r;
	struct record_err e;
	char		 code[RECORD_CODE_MAX + 1];

	if (record_normalize_code(code2, 2, code) != 2)
		return 0;	/* the callers matched the shape already */
	if (record_index_get(ix, set, code) >= 0) {
		if (!quiet_dup)
			set->stats.duplicates++;
		return 0;
	}
	if ((r = record_set_add(set)) == NULL)
		return load_oom(f->path, err);
	if (record_set_field(set, r, RF_CODE, code, 2, 0, &e) == -1 ||
	    record_set_field(set, r, RF_SHORT, sd, slen, f->cp1252,
	    &e) == -1 ||
	    record_set_field(set, r, RF_LONG, ld, llen, f->cp1252,
	    &e) == -1 ||
	    record_index_put(ix, set, set->nrecs - 1) == -1) {
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
    struct record_set *set, struct record_index *ix, size_t *nmods,
    struct record_err *err)
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
		rc = cpt_mod_add(f, set, ix, en->text, t, (size_t)(colon - t),
		    colon + 2, len - (size_t)(colon + 2 - t),
		    en->sect == CPT_MS_ASC, err);
	else if (en->sect == CPT_MS_CAT2)
		rc = cpt_mod_add(f, set, ix, en->text, t, en->firstlen - 3,
		    t, len, 0, err);
	else
		rc = cpt_mod_add(f, set, ix, en->text, t, len, t, len,
		    en->sect == CPT_MS_ASC, err);
	en->len = 0;
	(*nmods)++;
	return rc;
}

/* MODUL.txt, read line by line, each line trimmed. */
static int
cpt_mods(struct cpt_file *f, struct record_set *set, struct record_index *ix,
    struct record_err *err)
{
	struct cpt_entry en;
	enum cpt_msect	 sect = CPT_MS_NONE;
	const char	*p, *q;
	size_t		 i, k, len, nmods = 0;
	int		 heading;

	memset(&en, 0, sizeof(en));
	for (i = 0; i < f->nlines; i++) {
		p = f->lines[i].p;
		len = f->lines[i].len;
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
			if (cpt_entry_flush(f, &en, set, ix, &nmods, err) == -1)
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
				if (cpt_mod_add(f, set, ix, q, d, dl, d, dl,
				    0, err) == -1)
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
				if (cpt_mod_add(f, set, ix, p, d, dl, d, dl,
				    0, err) == -1)
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
	if (cpt_entry_flush(f, &en, set, ix, &nmods, err) == -1)
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
    const char *modul, struct record_set *set, struct record_err *err)
{
	struct record_index ix = { NULL, 0, 0 };
	struct cpt_file	 f;
	const char	*paths[3] = { shortu, medu, modul };
	size_t		 k;
	int		 rc;

	if (cpt_file_read(&f, longult, err) == -1)
		return -1;
	rc = cpt_long(&f, set, &ix, err);
	cpt_file_free(&f);
	if (rc == -1)
		goto fail;
	for (k = 0; k < 3; k++) {
		if (paths[k] == NULL)
			continue;
		if (cpt_file_read(&f, paths[k], err) == -1)
			goto fail;
		if (k == 2)
			rc = cpt_mods(&f, set, &ix, err);
		else
			rc = cpt_fixed(&f, k == 0 ? RF_SHORT : RF_MEDIUM, set,
			    &ix, err);
		cpt_file_free(&f);
		if (rc == -1)
			goto fail;
	}
	record_index_free(&ix);
	cpt_count_kinds(set);
	return 0;
fail:
	record_index_free(&ix);
	return -1;
}
