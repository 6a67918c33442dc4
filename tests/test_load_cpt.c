/*
 * test_load_cpt.c: the AMA CPT loader on small synthetic files written to
 * a private temporary directory (no AMA text anywhere: every descriptor
 * is invented), and on the committed sample in data/sample/cpt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "record.h"
#include "t.h"

static const char	*tdir;

/* Write a fixture into the temporary directory; returns its path. */
static const char *
fixture(const char *name, const char *data, size_t len)
{
	return t_write_file(tdir, name, data, len, 0644);
}

#define FIXTURE(name, lit) fixture(name, lit, sizeof(lit) - 1)

/* Load and expect failure with exactly msg. */
static void
expect_error(const char *longult, const char *shortu, const char *medu,
    const char *modul, const char *msg, int line)
{
	struct record_set	set;
	struct record_err	err;
	int			rc;

	record_set_init(&set);
	memset(&err, 0, sizeof(err));
	rc = load_cpt(longult, shortu, medu, modul, 0, &set, &err);
	t_checks++;
	if (rc != -1)
		t_fail(__FILE__, line, "load succeeded, expected \"%s\"", msg);
	else if (strcmp(err.msg, msg) != 0)
		t_fail(__FILE__, line, "error \"%s\", expected \"%s\"",
		    err.msg, msg);
	record_set_free(&set);
}

/*
 * Preamble with blank lines inside, CRLF, a cp1252 em dash (0x97), and
 * two blank lines at EOF that must not count as the preamble's end.
 */
static void
test_cp1252_crlf(void)
{
	static const char longult[] =
	    "Synthetic preamble line one, (c) nobody\r\n"
	    "\r\n"
	    "Second preamble paragraph 12345\tlooks almost like data\r\n"
	    "\r\n"
	    "\r\n"
	    "00100\tSynthetic anesthesia item \x97 sample\r\n"
	    "10021\tSynthetic surgery item, with a comma\r\n"
	    "0042T\tSynthetic Category III item\r\n"
	    "3074F\tSynthetic Category II item\r\n"
	    "0001U\t  Synthetic PLA item\r\n"
	    "\r\n"
	    "\r\n";
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("l1.txt", longult), NULL, NULL, NULL, 0,
	    &set, &err), 0);
	T_EQ_INT(set.nrecs, 5);
	T_EQ_INT(set.stats.procedures, 5);
	T_EQ_INT(set.stats.modifiers, 0);
	T_EQ_INT(set.stats.skipped_lines, 7);
	T_OK((r = t_find(&set, "00100")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc,
		    "Synthetic anesthesia item \xe2\x80\x94 sample");
		T_EQ_INT(r->kind, RECORD_PROCEDURE);
		T_EQ_STR(r->short_desc, NULL);
		T_EQ_STR(r->medium_desc, NULL);
	}
	T_OK((r = t_find(&set, "10021")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc, "Synthetic surgery item, with a comma");
	T_OK(t_find(&set, "0042T") != NULL);
	T_OK(t_find(&set, "3074F") != NULL);
	T_OK((r = t_find(&set, "0001U")) != NULL);
	if (r != NULL)	/* descriptors keep leading blanks */
		T_EQ_STR(r->long_desc, "  Synthetic PLA item");
	T_OK(t_find(&set, "12345") == NULL);	/* preamble, not data */
	record_set_free(&set);
}

/* UTF-8 text stays as it is; LF line ends; no newline at EOF. */
static void
test_utf8_lf(void)
{
	static const char longult[] =
	    "Synthetic preamble \xc2\xae\n"
	    "\n"
	    "99213\tSynthetic visit \xe2\x80\x94 established, sample\n"
	    "0001a\tSynthetic immunization admin \xe2\x84\xa2";
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("l2.txt", longult), NULL, NULL, NULL, 0,
	    &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_OK((r = t_find(&set, "99213")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc,
		    "Synthetic visit \xe2\x80\x94 established, sample");
	T_OK((r = t_find(&set, "0001A")) != NULL);	/* upper-cased */
	if (r != NULL)
		T_EQ_STR(r->long_desc,
		    "Synthetic immunization admin \xe2\x84\xa2");
	record_set_free(&set);
}

/* A file without any blank line has no preamble. */
static void
test_no_preamble(void)
{
	struct record_set	set;
	struct record_err	err;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("l3.txt", "10004\tSynthetic A\r\n"
	    "10005\tSynthetic B\r\n"), NULL, NULL, NULL, 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_EQ_INT(set.stats.skipped_lines, 0);
	record_set_free(&set);
}

/* SHORTU and MEDU merge by code; extra codes become records. */
static void
test_merge(void)
{
	static const char longult[] =
	    "Preamble\r\n\r\n"
	    "10021\tSynthetic surgery one\r\n"
	    "10022\tSynthetic surgery two\r\n"
	    "70010\tSynthetic radiology\r\n";
	static const char shortu[] =
	    "Short preamble\r\n\r\n"
	    "10021 SYNTH SURG ONE\r\n"
	    "10022 SYNTH SURG TWO\r\n"
	    "70010 SYNTH RAD\r\n"
	    "0500T SYNTH CAT III SHORT ONLY\r\n";
	static const char medu[] =
	    "Medium preamble\n\n\n"
	    "10021 SYNTHETIC SURGERY PROCEDURE NUMBER ONE\n"
	    "70010\n"
	    "10022\tSYNTHETIC SURGERY PROCEDURE NUMBER TWO\n";
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("m_long.txt", longult),
	    FIXTURE("m_short.txt", shortu), FIXTURE("m_med.txt", medu),
	    NULL, 0, &set, &err), 0);	/* three distinct paths, any order */
	T_EQ_INT(set.nrecs, 4);
	T_EQ_INT(set.stats.procedures, 4);
	T_EQ_INT(set.stats.duplicates, 0);
	T_OK((r = t_find(&set, "10021")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, "Synthetic surgery one");
		T_EQ_STR(r->short_desc, "SYNTH SURG ONE");
		T_EQ_STR(r->medium_desc,
		    "SYNTHETIC SURGERY PROCEDURE NUMBER ONE");
	}
	T_OK((r = t_find(&set, "10022")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "SYNTH SURG TWO");
		T_EQ_STR(r->medium_desc,
		    "SYNTHETIC SURGERY PROCEDURE NUMBER TWO");
	}
	T_OK((r = t_find(&set, "70010")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "SYNTH RAD");
		T_EQ_STR(r->medium_desc, NULL);
	}
	T_OK((r = t_find(&set, "0500T")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "SYNTH CAT III SHORT ONLY");
		T_EQ_STR(r->long_desc, NULL);
		T_EQ_INT(r->kind, RECORD_PROCEDURE);
	}
	record_set_free(&set);
}

/* MODUL.txt-shaped text, invented wording throughout. */
static void
test_modifiers(void)
{
	static const char longult[] = "P\r\n\r\n99202\tSynthetic visit\r\n";
	static const char modul[] =
	    "Synthetic modifier file preamble \xae 2024.\r\n"
	    "\r\n"
	    "Appendix A\r\n"
	    "\r\n"
	    "Modifiers \r\n"
	    "\r\n"
	    "Introductory synthetic text about modifiers in general.\r\n"
	    "\r\n"
	    "25 Sample Separate Visit: A synthetic explanation that \r\n"
	    "wraps onto a second line \x97 and a third.\r\n"
	    "\r\n"
	    "59 Sample Distinct Service: Invented text for testing.\r\n"
	    "\r\n"
	    "Anesthesia Physical Status \r\n"
	    "Modifiers \r\n"
	    "\r\n"
	    "Synthetic paragraph about physical status, ranking P1 to P6.\r\n"
	    "\r\n"
	    "Physical Status Modifier P1: A sample healthy patient \r\n"
	    "\r\n"
	    "Physical Status Modifier P2: A sample patient, mild illness\r\n"
	    "\r\n"
	    "CPT Level I Modifiers \r\n"
	    "\r\n"
	    "25 Sample Separate Visit Repeated: the ASC list repeats it.\r\n"
	    "\r\n"
	    "27 Sample Multiple Encounters: Invented ASC-only text.\r\n"
	    "\r\n"
	    "Category II Modifiers\r\n"
	    "\r\n"
	    "Synthetic text about performance measure exclusions.\r\n"
	    "\r\n"
	    "1P Sample Exclusion Modifier due to Medical Reasons\r\n"
	    "Reasons include:\r\n"
	    "Invented reason one\r\n"
	    " \r\n"
	    "\r\n"
	    "Level II (HCPCS/National) Modifiers \r\n"
	    "\r\n"
	    "LT Sample left side\r\n"
	    "E1 Sample upper left, eyelid \r\n"
	    "\r\n"
	    "HCPCS modifiers note: synthetic trailing text\r\n";
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;
	const char		*l, *m;
	char			 msg[512];

	l = FIXTURE("mo_long.txt", longult);
	m = FIXTURE("MODUL.txt", modul);
	record_set_init(&set);
	T_EQ_INT(load_cpt(l, NULL, NULL, m, 0, &set, &err), 0);
	T_EQ_INT(set.stats.procedures, 1);
	T_EQ_INT(set.stats.modifiers, 8);
	T_EQ_INT(set.stats.duplicates, 0);
	T_OK((r = t_find(&set, "25")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->kind, RECORD_MODIFIER);
		T_EQ_STR(r->short_desc, "Sample Separate Visit");
		T_EQ_STR(r->long_desc, "A synthetic explanation that wraps "
		    "onto a second line \xe2\x80\x94 and a third.");
	}
	T_OK((r = t_find(&set, "59")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "Sample Distinct Service");
		T_EQ_STR(r->long_desc, "Invented text for testing.");
	}
	T_OK((r = t_find(&set, "P1")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->kind, RECORD_MODIFIER);
		T_EQ_STR(r->long_desc, "A sample healthy patient");
	}
	T_OK((r = t_find(&set, "P2")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->short_desc, "A sample patient, mild illness");
	T_OK((r = t_find(&set, "27")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc, "Invented ASC-only text.");
	T_OK((r = t_find(&set, "1P")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc,
		    "Sample Exclusion Modifier due to Medical Reasons");
		T_EQ_STR(r->long_desc, "Sample Exclusion Modifier due to "
		    "Medical Reasons Reasons include: Invented reason one");
	}
	T_OK((r = t_find(&set, "LT")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "Sample left side");
		T_EQ_STR(r->long_desc, "Sample left side");
	}
	T_OK((r = t_find(&set, "E1")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc, "Sample upper left, eyelid");
	T_OK(t_find(&set, "HC") == NULL);
	record_set_free(&set);

	m = FIXTURE("MODUL_empty.txt", "Nothing here.\r\n\r\nAt all.\r\n");
	snprintf(msg, sizeof(msg), "%s: no modifiers (expected an \"Appendix "
	    "A\" section of \"NN Name: text\" entries)", m);
	expect_error(l, NULL, NULL, m, msg, __LINE__);
}

static void
test_errors(void)
{
	char		 msg[512], abs[300];
	const char	*p;

	p = FIXTURE("e1.txt", "Preamble\r\n\r\n10021\tSynthetic ok\r\n"
	    "10022 no tab here\r\n");
	snprintf(msg, sizeof(msg), "%s:4:6: expected CODE<TAB>DESCRIPTOR", p);
	expect_error(p, NULL, NULL, NULL, msg, __LINE__);

	p = FIXTURE("e2.txt", "Preamble\n\n10021\tSynthetic ok\n"
	    "1002\tshort code\n");
	snprintf(msg, sizeof(msg), "%s:4:1: expected CODE<TAB>DESCRIPTOR (a "
	    "code of a known shape in columns 1-5)", p);
	expect_error(p, NULL, NULL, NULL, msg, __LINE__);

	p = FIXTURE("e3.txt", "Preamble\n\n10021\tSynthetic ok\n"
	    "10-21\tbad character\n");
	snprintf(msg, sizeof(msg), "%s:4:1: expected CODE<TAB>DESCRIPTOR (a "
	    "code of a known shape in columns 1-5)", p);
	expect_error(p, NULL, NULL, NULL, msg, __LINE__);

	p = FIXTURE("e4.txt", "Only a preamble\r\nand more of it\r\n\r\n\r\n");
	snprintf(msg, sizeof(msg), "%s: no records (expected "
	    "CODE<TAB>DESCRIPTOR lines after the preamble)", p);
	expect_error(p, NULL, NULL, NULL, msg, __LINE__);

	p = FIXTURE("e5.txt", "");
	snprintf(msg, sizeof(msg), "%s: file is empty", p);
	expect_error(p, NULL, NULL, NULL, msg, __LINE__);

	/* An optional file that is named must exist. */
	snprintf(abs, sizeof(abs), "%s/absent.txt", tdir);
	snprintf(msg, sizeof(msg), "%s: No such file or directory", abs);
	expect_error(abs, NULL, NULL, NULL, msg, __LINE__);
	p = FIXTURE("e6.txt", "P\n\n10021\tSynthetic ok\n");
	expect_error(p, abs, NULL, NULL, msg, __LINE__);
}

static void
test_fixed_errors(void)
{
	char		 msg[512];
	const char	*l, *s;

	l = FIXTURE("fe_long.txt", "P\n\n10021\tSynthetic ok\n");
	s = FIXTURE("fe_short.txt", "P\n\n10021 OK\n100211 BAD\n");
	snprintf(msg, sizeof(msg), "%s:4:6: expected CODE DESCRIPTOR "
	    "(code in columns 1-5, descriptor from column 7)", s);
	expect_error(l, s, NULL, NULL, msg, __LINE__);

	s = FIXTURE("fe_med.txt", "P\n\n10021 OK\n#0021 BAD\n");
	snprintf(msg, sizeof(msg), "%s:4:1: expected CODE DESCRIPTOR "
	    "(code in columns 1-5, descriptor from column 7)", s);
	expect_error(l, NULL, s, NULL, msg, __LINE__);

	s = FIXTURE("fe_none.txt", "Preamble only\n\n");
	snprintf(msg, sizeof(msg), "%s: no records (expected CODE "
	    "DESCRIPTOR lines after the preamble)", s);
	expect_error(l, s, NULL, NULL, msg, __LINE__);
}

/*
 * Where the data starts is found by the lines' shape: a blank line
 * inside the data is skipped and counted, never taken for the end of a
 * preamble that would drop every code above it.
 */
static void
test_blank_in_data(void)
{
	static const char longult[] =
	    "Preamble line\r\n\r\nMore preamble\r\n"
	    "10021\tSynthetic one\r\n"
	    "10022\tSynthetic two\r\n"
	    "10023\tSynthetic three\r\n"
	    "\r\n"
	    "10024\tSynthetic four\r\n"
	    "10025\tSynthetic five\r\n"
	    "10026\tSynthetic six\r\n";
	static const char shortu[] =
	    "10021 SYNTH ONE\n\n10026 SYNTH SIX\n";
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("b_long.txt", longult),
	    FIXTURE("b_short.txt", shortu), NULL, NULL, 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 6);
	T_OK(t_find(&set, "10021") != NULL);
	T_OK((r = t_find(&set, "10026")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->short_desc, "SYNTH SIX");
	T_EQ_INT(set.stats.quirks[RQ_PREAMBLE].n, 3);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].n, 2);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[0].line, 7);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[0].file, 0);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[1].line, 2);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[1].file, 1);
	T_EQ_STR(set.stats.files[1], "b_short.txt");
	record_set_free(&set);
}

/* A byte order mark is skipped, with or without a preamble after it. */
static void
test_bom(void)
{
	struct record_set	set;
	struct record_err	err;

	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("bom1.txt", "\xef\xbb\xbf" "10021\tOne\r\n"
	    "10022\tTwo\r\n"), NULL, NULL, NULL, 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_OK(t_find(&set, "10021") != NULL);
	T_EQ_INT(set.stats.quirks[RQ_BOM].n, 1);
	T_EQ_INT(set.stats.skipped_lines, 0);
	record_set_free(&set);
	record_set_init(&set);
	T_EQ_INT(load_cpt(FIXTURE("bom2.txt", "\xef\xbb\xbf" "Preamble\r\n"
	    "\r\n10021\tOne\r\n"), NULL, NULL, NULL, 0, &set, &err), 0);
	T_EQ_INT(set.nrecs, 1);
	T_EQ_INT(set.stats.skipped_lines, 2);
	record_set_free(&set);
}

/* A code twice in one file: both lines named. */
static void
test_duplicates(void)
{
	char		 msg[700];
	const char	*l, *s;

	l = FIXTURE("d_long.txt", "P\n\n10021\tOne\n10022\tTwo\n"
	    "10021\tOne again\n");
	snprintf(msg, sizeof(msg), "%s:5: duplicate code 10021 (first at "
	    "%s:3; a release holds each code once)", l, l);
	expect_error(l, NULL, NULL, NULL, msg, __LINE__);

	l = FIXTURE("d_long2.txt", "P\n\n10021\tOne\n10022\tTwo\n");
	s = FIXTURE("d_short.txt", "10022 TWO\n10021 ONE\n10022 TWO\n");
	snprintf(msg, sizeof(msg), "%s:3: duplicate code 10022 (first at "
	    "%s:1; a release holds each code once)", s, s);
	expect_error(l, s, NULL, NULL, msg, __LINE__);
}

/* The committed synthetic sample (tools/gensample.py). */
static void
test_sample(void)
{
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	if (access("data/sample/cpt/LONGULT.txt", R_OK) != 0) {
		T_OK(!"data/sample/cpt/LONGULT.txt is missing");
		return;
	}
	record_set_init(&set);
	T_EQ_INT(load_cpt("data/sample/cpt/LONGULT.txt",
	    "data/sample/cpt/SHORTU.txt", "data/sample/cpt/MEDU.txt", NULL, 0,
	    &set, &err), 0);
	T_EQ_INT(set.nrecs, 72);
	T_EQ_INT(set.stats.procedures, 72);
	T_EQ_INT(set.stats.duplicates, 0);
	T_OK((r = t_find(&set, "10021")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc,
		    "Synthetic procedure 10021 (surgery section sample)");
		T_EQ_STR(r->short_desc, "SYNTH SURG PROC 10021");
		T_EQ_STR(r->medium_desc, "SYNTHETIC SURGERY PROC 10021");
	}
	T_OK((r = t_find(&set, "99499")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->long_desc, "Synthetic procedure 99499 (evaluation "
		    "and management section sample) \xe2\x80\x94 each "
		    "additional sample unit");
	T_OK((r = t_find(&set, "3074F")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "SYNTH PERF MEASURE 3074F");
		T_EQ_STR(r->medium_desc, NULL);
	}
	T_OK(t_find(&set, "0613U") != NULL);
	T_OK(t_find(&set, "0042T") != NULL);
	T_OK(t_find(&set, "00100") != NULL);
	record_set_free(&set);
}

int
main(void)
{
	tdir = t_mkdtemp("load_cpt");
	test_cp1252_crlf();
	test_utf8_lf();
	test_no_preamble();
	test_merge();
	test_modifiers();
	test_errors();
	test_fixed_errors();
	test_blank_in_data();
	test_bom();
	test_duplicates();
	test_sample();
	return t_done();
}
