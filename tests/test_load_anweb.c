/*
 * test_load_anweb.c: the ANWEB loader on small synthetic files, one per
 * quirk of docs/formats.md section 8.3.  Fixtures are built in memory by
 * placing fields at their columns, written to a private temporary
 * directory and removed at the end.  Codes are synthetic Level II
 * shapes, not real CMS records (test_realdata.c covers those).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "record.h"
#include "t.h"

#define LINE_W		320
#define FX_MAX		16384

/* A fixture file being built. */
struct fx {
	char	 buf[FX_MAX];
	size_t	 len;
};

static const char	*tmpdir;
static int	 nfiles;

static void
fx_init(struct fx *f)
{
	f->len = 0;
}

static void
fx_raw(struct fx *f, const char *s, size_t n)
{
	if (f->len + n > sizeof(f->buf)) {
		fprintf(stderr, "fixture too large\n");
		exit(2);
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
}

static void
fx_str(struct fx *f, const char *s)
{
	fx_raw(f, s, strlen(s));
}

/* A blank 320-column line. */
static void
line_new(char l[LINE_W + 1])
{
	memset(l, ' ', LINE_W);
	l[LINE_W] = '\0';
}

/* Place s at 1-based column col. */
static void
line_at(char *l, unsigned col, const char *s)
{
	size_t	n = strlen(s);

	if (col - 1 + n > LINE_W) {
		fprintf(stderr, "field past column 320\n");
		exit(2);
	}
	memcpy(l + col - 1, s, n);
}

/* Append the first width columns of a line and a line end. */
static void
fx_line(struct fx *f, const char *l, size_t width, const char *eol)
{
	fx_raw(f, l, width);
	fx_str(f, eol);
}

/*
 * A first line (RIC 3 or 7) with ordinary detail fields: pricing 11,
 * MULT_PI A, COV C, BETOS M5D, TOS 1, ANEST_BU 0, added 20170101,
 * effective 20180101, action N.
 */
static void
line_first(char l[LINE_W + 1], const char *key, char ric, const char *piece,
    const char *shortd)
{
	char	r[2] = { ric, '\0' };

	line_new(l);
	line_at(l, 1, key);
	line_at(l, 6, "00100");
	line_at(l, 11, r);
	line_at(l, 12, piece);
	line_at(l, 92, shortd);
	line_at(l, 120, "11");
	line_at(l, 128, "A");
	line_at(l, 230, "C");
	line_at(l, 257, "M5D");
	line_at(l, 261, "1");
	line_at(l, 266, "  0");
	line_at(l, 269, "20170101");
	line_at(l, 277, "20180101");
	line_at(l, 293, "N");
}

static void
line_cont(char l[LINE_W + 1], const char *key, const char *seq, char ric,
    const char *piece)
{
	char	r[2] = { ric, '\0' };

	line_new(l);
	line_at(l, 1, key);
	line_at(l, 6, seq);
	line_at(l, 11, r);
	line_at(l, 12, piece);
}

/* Write a fixture into the test's temporary directory; returns its path. */
static const char *
fx_write(const struct fx *f)
{
	char	name[32];

	snprintf(name, sizeof(name), "anweb%d.txt", nfiles++);
	return t_write_file(tmpdir, name, f->buf, f->len, 0644);
}

static const char *
raw_of(const struct record *r, const char *field)
{
	unsigned	i;

	for (i = 0; i < r->nraw; i++)
		if (strcmp(r->raw[i].field, field) == 0)
			return r->raw[i].value;
	return NULL;
}

/*
 * Load a file that must fail: err is exactly want, its (one or two)
 * %s the path, and the set is left empty.
 */
static void
expect_fail_path(const char *path, const char *want, int line)
{
	struct record_set set;
	struct record_err err;
	char		 full[700];

	record_set_init(&set);
	err.msg[0] = '\0';
	snprintf(full, sizeof(full), want, path, path);
	t_checks++;
	if (load_anweb(path, 0, &set, &err) != -1)
		t_fail(__FILE__, line, "loaded, expected \"%s\"", full);
	else if (strcmp(err.msg, full) != 0)
		t_fail(__FILE__, line, "error \"%s\", expected \"%s\"",
		    err.msg, full);
	T_EQ_INT(set.nrecs, 0);
	record_set_free(&set);
}

static void
expect_fail(const struct fx *f, const char *want, int line)
{
	expect_fail_path(fx_write(f), want, line);
}

/* Two records, once per line-end style; both load the same. */
static void
test_line_ends(void)
{
	static const char *const eols[] = { "\r\n", "\n", "\n" };
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;
	size_t		 k;

	for (k = 0; k < 3; k++) {
		fx_init(&f);
		line_first(l, "B1001", '3', "Synthetic supply, first piece",
		    "Synth supply one");
		fx_line(&f, l, LINE_W, eols[k]);
		line_cont(l, "B1001", "00200", '4', "and its second piece");
		fx_line(&f, l, LINE_W, eols[k]);
		line_first(l, "B1002", '3', "Synthetic supply two",
		    "Synth supply two");
		/* k == 2: no newline after the last line. */
		fx_line(&f, l, LINE_W, k == 2 ? "" : eols[k]);
		record_set_init(&set);
		T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
		T_EQ_INT(set.nrecs, 2);
		T_EQ_INT(set.stats.procedures, 2);
		T_EQ_INT(set.stats.skipped_lines, 0);
		T_OK((r = t_find(&set, "B1001")) != NULL);
		if (r != NULL) {
			T_EQ_STR(r->long_desc, "Synthetic supply, first piece "
			    "and its second piece");
			T_EQ_STR(r->short_desc, "Synth supply one");
			T_EQ_STR(r->action, "N");
		}
		T_OK((r = t_find(&set, "B1002")) != NULL);
		if (r != NULL) {
			/* No '\r' left in the last field of a CRLF line. */
			T_EQ_STR(r->action, "N");
			T_EQ_INT(r->effective, 20180101);
		}
		record_set_free(&set);
	}
}

/*
 * A disclaimer header like 2019's and 2020's: tab-only lines, text
 * with NBSP (0xA0) and a cp1252 right quote (0x92), blank lines.
 */
static void
test_disclaimer(void)
{
	struct record_set set;
	struct record_err err;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	fx_str(&f, "***Disclaimers\t\t\t\t\r\n");
	fx_str(&f, "\t\t\t\t\t\t\r\n");
	fx_str(&f, "*Inclusion or exclusion does not imply coverage.\xA0"
	    "\t\t\r\n");
	fx_str(&f, "Note regarding codes in CMS\x92 2020 HCPCS Update\r\n");
	fx_str(&f, "\r\n");
	fx_str(&f, "\r\n");
	/* Looks like a key but column 11 is not a RIC. */
	fx_str(&f, "A1234     X header-ish text\r\n");
	line_first(l, "   XE", '7', "Synthetic modifier", "Synth mod");
	fx_line(&f, l, LINE_W, "\r\n");
	fx_str(&f, "\r\n");	/* a blank line after the records too */
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 1);
	T_EQ_INT(set.stats.skipped_lines, 8);
	T_EQ_INT(set.stats.orphan_lines, 0);
	T_EQ_INT(set.stats.bad_values, 0);
	/* 7 disclaimer lines, then one blank line among the records. */
	T_EQ_INT(set.stats.quirks[RQ_PREAMBLE].n, 7);
	T_EQ_INT(set.stats.quirks[RQ_PREAMBLE].first[2].line, 3);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].n, 1);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[0].line, 9);
	T_EQ_INT(set.stats.quirks[RQ_SHORT_LINES].n, 0);
	record_set_free(&set);
}

/*
 * Continuation lines cut to 91 columns (2017, 2020), padded to 320
 * (2018, 2019) and the odd 316 (2019's G8891): all the same to us, and
 * the cut ones counted as short_lines with their positions.
 */
static void
test_short_lines(void)
{
	static const size_t widths[] = { 91, 320, 316 };
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;
	size_t		 k;

	fx_init(&f);
	line_first(l, "G9001", '3', "Piece one", "Synth cont");
	fx_line(&f, l, LINE_W, "\r\n");
	for (k = 0; k < 3; k++) {
		line_cont(l, "G9001", k == 0 ? "00200" : k == 1 ? "00300" :
		    "00400", '4', k == 0 ? "piece two" : k == 1 ?
		    "piece three" : "piece four");
		fx_line(&f, l, widths[k], "\r\n");
	}
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 1);
	T_OK((r = t_find(&set, "G9001")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc,
		    "Piece one piece two piece three piece four");
		T_EQ_INT(r->added, 20170101);
	}
	T_EQ_INT(set.stats.bad_dates, 0);
	T_EQ_INT(set.stats.quirks[RQ_SHORT_LINES].n, 2);
	T_EQ_INT(set.stats.quirks[RQ_SHORT_LINES].first[0].line, 2);
	T_EQ_INT(set.stats.quirks[RQ_SHORT_LINES].first[1].line, 4);
	T_EQ_INT(set.stats.quirks[RQ_PREAMBLE].n, 0);
	record_set_free(&set);
}

/*
 * Join: right-strip every piece, keep its leading blank, one space
 * between pieces, internal double spaces untouched (G0501, G9678).
 */
static void
test_join(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_first(l, "G9003", '3', "Synthetic service, part one;  two "
	    "spaces kept   ", "Synth join");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "G9003", "00200", '4', " starts with a blank");
	fx_line(&f, l, 91, "\r\n");
	line_cont(l, "G9003", "00300", '4', "and ends with blanks");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_OK((r = t_find(&set, "G9003")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc, "Synthetic service, part one;  two "
		    "spaces kept  starts with a blank and ends with blanks");
	record_set_free(&set);
}

/* Modifier records: key "   XE", RIC 7/8, stored as "XE". */
static void
test_modifier(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_new(l);
	line_at(l, 1, "   XE");
	line_at(l, 6, "00100");
	line_at(l, 11, "7");
	line_at(l, 12, "Synthetic modifier, first part of its");
	line_at(l, 92, "Synth modifier");
	line_at(l, 230, "C");
	line_at(l, 269, "20150101");
	line_at(l, 277, "20150101");
	line_at(l, 293, "A");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "   XE", "00200", '8', "description");
	fx_line(&f, l, 91, "\r\n");
	line_first(l, "B1003", '3', "A procedure after it", "Synth proc");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_EQ_INT(set.stats.modifiers, 1);
	T_EQ_INT(set.stats.procedures, 1);
	T_OK((r = t_find(&set, "XE")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->kind, RECORD_MODIFIER);
		T_EQ_STR(r->long_desc,
		    "Synthetic modifier, first part of its description");
		T_EQ_STR(r->short_desc, "Synth modifier");
		T_EQ_STR(r->pricing[0], NULL);
		T_EQ_STR(r->betos, NULL);
		T_EQ_STR(r->tos[0], NULL);
		T_EQ_INT(r->anesthesia_units, -1);
		T_EQ_INT(r->added, 20150101);
		T_EQ_STR(r->action, "A");
	}
	T_OK((r = t_find(&set, "B1003")) != NULL);
	if (r != NULL)
		T_EQ_INT(r->kind, RECORD_PROCEDURE);
	record_set_free(&set);
}

/* Every detail field at its column (docs/formats.md section 8.2). */
static void
test_all_fields(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_new(l);
	line_at(l, 1, "L9001");
	line_at(l, 6, "00100");
	line_at(l, 11, "3");
	line_at(l, 12, "Synthetic orthotic with every field set");
	line_at(l, 92, "Synth every field 28 chars.");
	line_at(l, 120, "38134651");		/* pricing x4 */
	line_at(l, 128, "C");
	line_at(l, 129, "35-1  60-9  45-16 ");	/* CIM x3 */
	line_at(l, 147, "2130    4107.6  2049    ");	/* MCM x3 */
	line_at(l, 171, "1861(s)(8)");
	line_at(l, 181, "010100110115120130140150");	/* labcert x8 */
	line_at(l, 205, "L9000L900299493Q1234A0001");	/* xref x5 */
	line_at(l, 230, "D");
	line_at(l, 231, "YY20190101");
	line_at(l, 241, "0011");
	line_at(l, 245, "20190401");
	line_at(l, 253, "0042");
	line_at(l, 257, "D1F");
	line_at(l, 261, "PRAJQ");
	line_at(l, 266, " 12");
	line_at(l, 269, "19860101");
	line_at(l, 277, "19840101");
	line_at(l, 285, "20191231");
	line_at(l, 293, "D");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_OK((r = t_find(&set, "L9001")) != NULL);
	if (r == NULL)
		goto out;
	T_EQ_STR(r->short_desc, "Synth every field 28 chars.");
	T_EQ_STR(r->pricing[0], "38");
	T_EQ_STR(r->pricing[1], "13");
	T_EQ_STR(r->pricing[2], "46");
	T_EQ_STR(r->pricing[3], "51");
	T_EQ_STR(r->mult_pricing, "C");
	T_EQ_STR(r->cim[0], "35-1");
	T_EQ_STR(r->cim[1], "60-9");
	T_EQ_STR(r->cim[2], "45-16");
	T_EQ_STR(r->mcm[0], "2130");
	T_EQ_STR(r->mcm[1], "4107.6");
	T_EQ_STR(r->mcm[2], "2049");
	T_EQ_STR(r->statute, "1861(s)(8)");
	T_EQ_STR(r->labcert[0], "010");
	T_EQ_STR(r->labcert[3], "115");
	T_EQ_STR(r->labcert[7], "150");
	T_EQ_STR(r->xref[0], "L9000");
	T_EQ_STR(r->xref[2], "99493");
	T_EQ_STR(r->xref[4], "A0001");
	T_EQ_STR(r->coverage, "D");
	T_EQ_STR(r->asc_group, "YY");
	T_EQ_INT(r->asc_date, 20190101);
	T_EQ_STR(r->opps, "001");
	T_EQ_STR(r->opps_pi, "1");
	T_EQ_INT(r->opps_date, 20190401);
	T_EQ_STR(r->proc_note, "0042");
	T_EQ_STR(r->betos, "D1F");
	T_EQ_STR(r->tos[0], "P");
	T_EQ_STR(r->tos[4], "Q");
	T_EQ_INT(r->anesthesia_units, 12);
	/* ADD DT later than ACT EFF DT is kept as is (E0910). */
	T_EQ_INT(r->added, 19860101);
	T_EQ_INT(r->effective, 19840101);
	T_EQ_INT(r->terminated, 20191231);
	T_EQ_STR(r->action, "D");
	T_EQ_INT(r->nraw, 0);
out:
	record_set_free(&set);
}

/* Blank ACT EFF DT (A5513 in 2019, 115 records in 2020). */
static void
test_blank_effective(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_first(l, "A9001", '3', "Synthetic old supply", "Synth old");
	line_at(l, 269, "19840101");
	line_at(l, 277, "        ");
	line_at(l, 293, "B");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_OK((r = t_find(&set, "A9001")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->effective, 0);
		T_EQ_INT(r->added, 19840101);
		T_EQ_INT(r->terminated, 0);
		T_EQ_STR(r->action, "B");
		T_EQ_INT(r->nraw, 0);
	}
	T_EQ_INT(set.stats.bad_dates, 0);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_DATES].n, 1);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_DATES].first[0].line, 1);
	record_set_free(&set);
}

/*
 * 2018's shifted ASC fields: "20170401  " in columns 231-240 reads as
 * group "20" and date "170401", kept raw and counted; the file loads.
 */
static void
test_bad_asc_date(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_first(l, "C9901", '3', "Synthetic device with shifted ASC",
	    "Synth shifted ASC");
	line_at(l, 231, "20170401  ");
	fx_line(&f, l, LINE_W, "\r\n");
	line_first(l, "C9902", '3', "Synthetic device, good ASC",
	    "Synth good ASC");
	line_at(l, 231, "YY20170401");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_EQ_INT(set.stats.bad_dates, 1);
	T_EQ_INT(set.stats.quirks[RQ_BAD_DATES].n, 1);
	T_EQ_INT(set.stats.quirks[RQ_BAD_DATES].first[0].line, 1);
	T_OK((r = t_find(&set, "C9901")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->asc_group, "20");
		T_EQ_INT(r->asc_date, 0);
		T_EQ_STR(raw_of(r, "asc_date"), "170401");
		T_EQ_INT(r->effective, 20180101);
	}
	T_OK((r = t_find(&set, "C9902")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->asc_group, "YY");
		T_EQ_INT(r->asc_date, 20170401);
		T_EQ_INT(r->nraw, 0);
	}
	record_set_free(&set);
}

/* Code values the tables do not know are kept as they are. */
static void
test_unknown_values(void)
{
	struct record_set set;
	struct record_err err;
	const struct record *r;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_first(l, "A9002", '3', "Synthetic compression garment",
	    "Synth compression");
	line_at(l, 120, "40");
	line_at(l, 257, "O1L");
	line_at(l, 230, "Q");
	line_at(l, 293, "Z");
	fx_line(&f, l, LINE_W, "\r\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_OK((r = t_find(&set, "A9002")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->pricing[0], "40");
		T_EQ_STR(r->pricing[1], NULL);
		T_EQ_STR(r->betos, "O1L");
		T_EQ_STR(r->coverage, "Q");
		T_EQ_STR(r->action, "Z");
		T_EQ_INT(r->nraw, 0);
	}
	T_EQ_INT(set.stats.bad_values, 0);
	/*
	 * Counted, not refused: coverage Q and action Z (pricing 40 and
	 * BETOS O1L are in the 2024 tables meanings.c has).
	 */
	T_EQ_INT(set.stats.quirks[RQ_UNKNOWN_VALUES].n, 2);
	T_EQ_INT(set.stats.quirks[RQ_UNKNOWN_VALUES].first[0].line, 1);
	record_set_free(&set);
}

/*
 * Continuations that do not belong to the open record (another key,
 * RIC 8 after 3, or before any record): a damaged RIC byte, so an
 * error naming the line, never a silently shorter record.
 */
static void
test_orphans(void)
{
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_cont(l, "B2000", "00200", '4', "before any record");
	fx_line(&f, l, 91, "\r\n");
	expect_fail(&f, "%s:1:11: continuation (RIC 4) of \"B2000\" without its "
	    "record (expected it after the RIC 3 line of \"B2000\")",
	    __LINE__);

	fx_init(&f);
	line_first(l, "B2001", '3', "Synthetic first record", "Synth one");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "B2002", "00200", '4', "wrong key");
	fx_line(&f, l, 91, "\r\n");
	expect_fail(&f, "%s:2:11: continuation (RIC 4) of \"B2002\" without its "
	    "record (expected it after the RIC 3 line of \"B2002\")",
	    __LINE__);

	fx_init(&f);
	line_first(l, "B2001", '3', "Synthetic first record", "Synth one");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "B2001", "00200", '8', "wrong RIC");
	fx_line(&f, l, 91, "\r\n");
	expect_fail(&f, "%s:2:11: continuation (RIC 8) of \"B2001\" without its "
	    "record (expected it after the RIC 7 line of \"B2001\")",
	    __LINE__);
}

/*
 * A repeated key: a doubled or spliced file (no CMS file has one), so
 * an error naming both lines; 1,000 copies of a line fail at the
 * second, whatever follows.
 */
static void
test_duplicates(void)
{
	char		 l[LINE_W + 1], *big;
	struct fx	 f;
	size_t		 i;

	fx_init(&f);
	line_first(l, "B3001", '3', "Earlier version", "Synth early");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "B3001", "00200", '4', "of the record");
	fx_line(&f, l, 91, "\r\n");
	line_first(l, "B3002", '3', "Between them", "Synth between");
	fx_line(&f, l, LINE_W, "\r\n");
	line_first(l, "B3001", '3', "Later version", "Synth late");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:4: duplicate code B3001 (first at %s:1; a release "
	    "holds each code once)", __LINE__);

	line_first(l, "B3003", '3', "Copied line", "Synth copy");
	if ((big = malloc(1000 * (LINE_W + 2))) == NULL)
		exit(2);
	for (i = 0; i < 1000; i++) {
		memcpy(big + i * (LINE_W + 2), l, LINE_W);
		memcpy(big + i * (LINE_W + 2) + LINE_W, "\r\n", 2);
	}
	expect_fail_path(t_write_file(tmpdir, "copies.txt", big,
	    1000 * (LINE_W + 2), 0644), "%s:2: duplicate code B3003 (first at "
	    "%s:1; a release holds each code once)", __LINE__);
	free(big);
}

/*
 * What a cut, damaged or hand-edited file looks like: each refused
 * with the check that caught it and where.
 */
static void
test_integrity(void)
{
	struct record_set set;
	struct record_err err;
	char		 l[LINE_W + 1];
	struct fx	 f;
	size_t		 cut;

	/* A first line cut to 50 columns, mid-file. */
	fx_init(&f);
	line_first(l, "A0431", '3', "Synthetic ambulance service", "Synth");
	fx_line(&f, l, 50, "\r\n");
	line_first(l, "A0432", '3', "Synthetic next", "Synth next");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:1:51: record line of 50 columns, expected 320 (a "
	    "RIC 3 line carries every field of A0431)", __LINE__);

	/* The file cut inside its last line: at the key, a field, a piece. */
	for (cut = 3; cut < LINE_W; cut += 80) {
		fx_init(&f);
		line_first(l, "A0021", '3', "Synthetic first", "Synth first");
		fx_line(&f, l, LINE_W, "\r\n");
		line_first(l, "A0022", '3', "Synthetic cut", "Synth cut");
		fx_line(&f, l, cut, "");
		snprintf(l, sizeof(l), "%%s: truncated at line 2 (its last line "
		    "has %zu columns and no line end; expected a whole record "
		    "line of 320)", cut);
		expect_fail(&f, l, __LINE__);
	}
	/* Cut after the CR of a whole line: whole, it loads. */
	fx_init(&f);
	line_first(l, "A0021", '3', "Synthetic first", "Synth first");
	fx_line(&f, l, LINE_W, "\r");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 1);
	record_set_free(&set);

	/* One bad RIC byte on a modifier's first line. */
	fx_init(&f);
	line_first(l, "   A1", '7', "Synthetic modifier one", "Synth A1");
	fx_line(&f, l, LINE_W, "\r\n");
	line_first(l, "   A2", '9', "Synthetic modifier two", "Synth A2");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:2:11: expected a record identification code 3, 4, "
	    "7 or 8 in column 11, found '9'", __LINE__);
	/* ... turned into the other kind's RIC. */
	fx_init(&f);
	line_first(l, "   A1", '3', "Synthetic modifier one", "Synth A1");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:1:11: RIC 3 with key \"   A1\" (expected RIC 3 and "
	    "a procedure code, or RIC 7 and 3 blanks and a modifier)",
	    __LINE__);
	/* A damaged key after the first record. */
	fx_init(&f);
	line_first(l, "A0021", '3', "Synthetic first", "Synth first");
	fx_line(&f, l, LINE_W, "\r\n");
	line_first(l, "A00#2", '3', "Synthetic second", "Synth second");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:2:1: expected a record line (a code in columns "
	    "1-5: a letter and 4 digits, or 3 blanks and a modifier)",
	    __LINE__);
	/* A first record whose RIC is damaged is no disclaimer. */
	fx_init(&f);
	line_first(l, "A0021", 'X', "Synthetic first", "Synth first");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:1:11: expected a record identification code 3, 4, "
	    "7 or 8 in column 11, found 'X'", __LINE__);
	/* A date of another shape. */
	fx_init(&f);
	line_first(l, "A0021", '3', "Synthetic first", "Synth first");
	line_at(l, 285, "2019-1-1");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:1:285: expected TERM DT as 8 digits YYYYMMDD or "
	    "blanks in columns 285-292, found \"2019-1-1\"", __LINE__);
	/* A continuation with text past its piece, or cut into it. */
	fx_init(&f);
	line_first(l, "A0021", '3', "Synthetic first", "Synth first");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "A0021", "00200", '4', "second piece");
	line_at(l, 100, "X");
	fx_line(&f, l, LINE_W, "\r\n");
	expect_fail(&f, "%s:2:100: expected blanks after column 91 of a "
	    "continuation line", __LINE__);
	fx_init(&f);
	line_first(l, "A0021", '3', "Synthetic first", "Synth first");
	fx_line(&f, l, LINE_W, "\r\n");
	line_cont(l, "A0021", "00200", '4', "second piece");
	fx_line(&f, l, 60, "\r\n");
	expect_fail(&f, "%s:2:61: continuation line of 60 columns, expected 91 "
	    "to 320", __LINE__);
}

/* Files that fail the load, each with the path in the message. */
static void
test_errors(void)
{
	struct record_set set;
	struct record_err err;
	char		 want[600], missing[128];
	const char	*path;
	struct fx	 f;

	/* Empty. */
	fx_init(&f);
	path = fx_write(&f);
	record_set_init(&set);
	err.msg[0] = '\0';
	T_EQ_INT(load_anweb(path, 0, &set, &err), -1);
	snprintf(want, sizeof(want), "%s: file is empty", path);
	T_EQ_STR(err.msg, want);
	T_EQ_INT(set.nrecs, 0);
	record_set_free(&set);

	/* Only a disclaimer. */
	fx_init(&f);
	fx_str(&f, "***Disclaimers\t\t\t\r\n\t\t\t\r\n"
	    "Text in CMS\x92 note.\xA0\r\n\r\n");
	path = fx_write(&f);
	record_set_init(&set);
	err.msg[0] = '\0';
	T_EQ_INT(load_anweb(path, 0, &set, &err), -1);
	snprintf(want, sizeof(want), "%s: no ANWEB records found (expected "
	    "lines with RIC 3/4/7/8 in column 11)", path);
	T_EQ_STR(err.msg, want);
	T_EQ_INT(set.nrecs, 0);
	T_EQ_INT(set.stats.skipped_lines, 0);	/* restored on failure */
	record_set_free(&set);


	/* Missing. */
	snprintf(missing, sizeof(missing), "%s/no-such-anweb.txt", tmpdir);
	record_set_init(&set);
	T_EQ_INT(load_anweb(missing, 0, &set, &err), -1);
	snprintf(want, sizeof(want), "%s: %s", missing, strerror(ENOENT));
	T_EQ_STR(err.msg, want);
	record_set_free(&set);
}

/* A failed load leaves records loaded before it untouched. */
static void
test_failure_keeps_set(void)
{
	struct record_set set;
	struct record_err err;
	char		 l[LINE_W + 1];
	struct fx	 f;

	fx_init(&f);
	line_first(l, "B5001", '3', "Kept record", "Synth kept");
	fx_line(&f, l, LINE_W, "\n");
	record_set_init(&set);
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), 0);
	fx_init(&f);
	fx_str(&f, "nothing here\n");
	T_EQ_INT(load_anweb(fx_write(&f), 0, &set, &err), -1);
	T_EQ_INT(set.nrecs, 1);
	T_EQ_STR(set.recs[0].code, "B5001");
	T_EQ_INT(set.stats.procedures, 1);
	T_EQ_INT(set.stats.skipped_lines, 0);
	record_set_free(&set);
}

int
main(void)
{
	tmpdir = t_mkdtemp("load_anweb");
	test_line_ends();
	test_disclaimer();
	test_short_lines();
	test_join();
	test_modifier();
	test_all_fields();
	test_blank_effective();
	test_bad_asc_date();
	test_unknown_values();
	test_orphans();
	test_duplicates();
	test_integrity();
	test_errors();
	test_failure_keeps_set();
	return t_done();
}
