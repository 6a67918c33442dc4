/*
 * test_load_delim.c: the CSV/TSV loader on small fixtures written to a
 * private temporary directory, with the column mapping filled by hand,
 * and on the committed data/sample/local.csv.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "load.h"
#include "record.h"
#include "t.h"

static const char	*tdir;

static char *
fixture(const char *name, const char *data, size_t len)
{
	return t_write_file(tdir, name, data, len, 0644);
}

#define FIXTURE(name, lit) fixture(name, lit, sizeof(lit) - 1)

/* Map field to the header names given (NULL-terminated). */
static void
column(struct conf_set *cs, enum record_field f, ...)
{
	struct conf_column *c = &cs->columns[cs->ncolumns++];
	va_list	 ap;
	char	*h;

	c->field = f;
	c->nheaders = 0;
	va_start(ap, f);
	while ((h = va_arg(ap, char *)) != NULL)
		c->headers[c->nheaders++] = h;
	va_end(ap);
}

/* The mapping of conf/hcpcsd.yaml's example local set, plus betos. */
static void
std_set(struct conf_set *cs, char delim)
{
	memset(cs, 0, sizeof(*cs));
	strcpy(cs->name, "local");
	cs->format = CONF_FMT_DELIMITED;
	cs->delimiter = delim;
	column(cs, RF_CODE, "HCPC", (char *)NULL);
	column(cs, RF_LONG, "LONG DESCRIPTION", (char *)NULL);
	column(cs, RF_SHORT, "SHORT DESCRIPTION", (char *)NULL);
	column(cs, RF_ADDED, "ADD DT", (char *)NULL);
	column(cs, RF_TERMINATED, "TERM DT", (char *)NULL);
	column(cs, RF_TOS, "TOS1", "TOS2", (char *)NULL);
}

static void
expect_error(const struct conf_set *cs, const char *path, const char *msg,
    int line)
{
	struct record_set	set;
	struct record_err	err;
	int			rc;

	record_set_init(&set);
	memset(&err, 0, sizeof(err));
	rc = load_delimited(cs, path, &set, &err);
	t_checks++;
	if (rc != -1)
		t_fail(__FILE__, line, "load succeeded, expected \"%s\"", msg);
	else if (strcmp(err.msg, msg) != 0)
		t_fail(__FILE__, line, "error \"%s\", expected \"%s\"",
		    err.msg, msg);
	record_set_free(&set);
}

/* Quoting, both date forms, list columns, BOM, CRLF, unmapped columns. */
static void
test_csv(void)
{
	static const char csv[] =
	    "\xef\xbb\xbf" "HCPC, SHORT DESCRIPTION ,LONG DESCRIPTION,NOTES,"
	    "ADD DT,TERM DT,TOS1,TOS2\r\n"
	    "W1000,Sample visit,\"Visit, sample, \"\"quoted\"\" word\",ignored,"
	    "2001-01-01,,1,9\r\n"
	    "\r\n"
	    "w1001,\"Line\r\nbreak\",Plain \xe2\x80\x94 text,\"a,b\","
	    "20020315,20031231,,D\r\n"
	    "W1002,Bad date,Sample,,2002-13-01,2003-02-30,\"\",\r\n"
	    "WA,Local modifier,Sample local modifier,,19990101,,,\r\n";
	struct conf_set		 cs;
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	std_set(&cs, ',');
	record_set_init(&set);
	T_EQ_INT(load_delimited(&cs, FIXTURE("a.csv", csv), &set, &err), 0);
	T_EQ_INT(set.nrecs, 4);
	T_EQ_INT(set.stats.procedures, 3);
	T_EQ_INT(set.stats.modifiers, 1);
	T_EQ_INT(set.stats.duplicates, 0);
	T_EQ_INT(set.stats.bad_dates, 2);
	/* The quirks, with their lines: BOM, the blank row, W1002's dates. */
	T_EQ_INT(set.stats.quirks[RQ_BOM].n, 1);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].n, 1);
	T_EQ_INT(set.stats.quirks[RQ_BLANK_LINES].first[0].line, 3);
	T_EQ_INT(set.stats.quirks[RQ_BAD_DATES].n, 2);
	T_EQ_INT(set.stats.quirks[RQ_BAD_DATES].first[1].line, 6);
	T_EQ_STR(set.stats.files[0], "a.csv");
	T_OK((r = t_find(&set, "W1000")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "Sample visit");
		T_EQ_STR(r->long_desc, "Visit, sample, \"quoted\" word");
		T_EQ_INT(r->added, 20010101);
		T_EQ_INT(r->terminated, 0);
		T_EQ_STR(r->tos[0], "1");
		T_EQ_STR(r->tos[1], "9");
		T_EQ_INT(r->kind, RECORD_PROCEDURE);
	}
	T_OK((r = t_find(&set, "W1001")) != NULL);	/* upper-cased */
	if (r != NULL) {
		T_EQ_STR(r->short_desc, "Line\nbreak");
		T_EQ_STR(r->long_desc, "Plain \xe2\x80\x94 text");
		T_EQ_INT(r->added, 20020315);
		T_EQ_INT(r->terminated, 20031231);
		T_EQ_STR(r->tos[0], "D");	/* TOS1 blank: not a slot */
		T_EQ_STR(r->tos[1], NULL);
	}
	T_OK((r = t_find(&set, "W1002")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->added, 0);
		T_EQ_INT(r->nraw, 2);
		if (r->nraw == 2) {
			T_EQ_STR(r->raw[0].field, "added");
			T_EQ_STR(r->raw[0].value, "2002-13-01");
			T_EQ_STR(r->raw[1].field, "terminated");
			T_EQ_STR(r->raw[1].value, "2003-02-30");
		}
		T_EQ_STR(r->tos[0], NULL);
	}
	T_OK((r = t_find(&set, "WA")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->kind, RECORD_MODIFIER);
		T_EQ_STR(r->long_desc, "Sample local modifier");
		T_EQ_INT(r->added, 19990101);
	}
	record_set_free(&set);
}

/* TSV, LF only, no newline at EOF, cp1252 text, quoted TAB. */
static void
test_tsv(void)
{
	static const char tsv[] =
	    "HCPC\tLONG DESCRIPTION\tSHORT DESCRIPTION\tADD DT\tTERM DT\t"
	    "TOS1\tTOS2\n"
	    "X1234\t\"Has\ta tab\"\tCaf\xe9 sample\t2010-01-01\t\t1\t\n"
	    "Y0001\tEm \x97 dash\t\"\"\t20100101\t20101231\t\t";
	struct conf_set		 cs;
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	std_set(&cs, '\t');
	record_set_init(&set);
	T_EQ_INT(load_delimited(&cs, FIXTURE("b.tsv", tsv), &set, &err), 0);
	T_EQ_INT(set.nrecs, 2);
	T_OK((r = t_find(&set, "X1234")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, "Has\ta tab");
		T_EQ_STR(r->short_desc, "Caf\xc3\xa9 sample");
		T_EQ_INT(r->added, 20100101);
		T_EQ_STR(r->tos[0], "1");
	}
	T_OK((r = t_find(&set, "Y0001")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, "Em \xe2\x80\x94 dash");
		T_EQ_STR(r->short_desc, NULL);
		T_EQ_INT(r->terminated, 20101231);
	}
	record_set_free(&set);
}

static void
test_errors(void)
{
	struct conf_set	 cs;
	char		 msg[512], *p;

	p = FIXTURE("e1.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TOS1,TOS2\r\nW1000,a,b,,,\r\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:1:1: expected a column named "
	    "\"TERM DT\" in the header row", p);
	expect_error(&cs, p, msg, __LINE__);

	/* The quote opens on line 3 at column 9, never closes. */
	p = FIXTURE("e2.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b,,,,\nW1001,\"open,b,,,,\n"
	    "more text\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:3:7: unterminated quoted field "
	    "(expected a closing '\"')", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e3.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b,,,,\nW10,a,b,,,,\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:3:1: expected a code of a known shape "
	    "(5 characters such as 99213, J1100 or W1000, or a modifier of "
	    "2), found \"W10\"", p);
	expect_error(&cs, p, msg, __LINE__);

	/* Five letters: no code of any system has that shape. */
	p = FIXTURE("e3b.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b,,,,\nABCDE,a,b,,,,\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:3:1: expected a code of a known shape "
	    "(5 characters such as 99213, J1100 or W1000, or a modifier of "
	    "2), found \"ABCDE\"", p);
	expect_error(&cs, p, msg, __LINE__);

	/* A code twice: both lines named. */
	p = FIXTURE("e3c.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b,,,,\nW1001,a,b,,,,\n"
	    "w1000,a,b,,,,\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:4: duplicate code W1000 (first at "
	    "%s:2; a release holds each code once)", p, p);
	expect_error(&cs, p, msg, __LINE__);

	/* A row of a million delimiters costs no field array of its size. */
	{
		static char big[1000000 + 128];
		size_t	 n;

		n = (size_t)snprintf(big, sizeof(big), "HCPC,LONG DESCRIPTION,"
		    "SHORT DESCRIPTION,ADD DT,TERM DT,TOS1,TOS2\nW1000");
		memset(big + n, ',', 1000000);
		n += 1000000;
		big[n++] = '\n';
		p = fixture("e3d.csv", big, n);
		snprintf(msg, sizeof(msg), "%s:2:13: expected 7 fields as in "
		    "the header row, found 1000001", p);
		expect_error(&cs, p, msg, __LINE__);
	}

	p = FIXTURE("e4.csv", "LONG DESCRIPTION,SHORT DESCRIPTION,HCPC,"
	    "ADD DT,TERM DT,TOS1,TOS2\na,b,W1000,,,,\na,b, ,,,,\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:3:5: expected a code, found an empty "
	    "field", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e5.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b,,,,\nW1001,a,b,,,,,extra\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:3:15: expected 7 fields as in the "
	    "header row, found 8", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e6.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,a,b\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:2:10: expected 7 fields as in the "
	    "header row, found 3", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e7.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\nW1000,\"a\"x,b,,,,\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s:2:10: expected a delimiter or the end "
	    "of the line after a closing quote", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e8.csv", "");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s: file is empty", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e9.csv", "HCPC,LONG DESCRIPTION,SHORT DESCRIPTION,"
	    "ADD DT,TERM DT,TOS1,TOS2\r\n\r\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s: no records (expected rows after the "
	    "header row)", p);
	expect_error(&cs, p, msg, __LINE__);

	p = FIXTURE("e10.csv", "\xef\xbb\xbf\r\n\r\n");
	std_set(&cs, ',');
	snprintf(msg, sizeof(msg), "%s: no header row (expected column "
	    "names on the first line)", p);
	expect_error(&cs, p, msg, __LINE__);
}

/* The committed synthetic sample, mapped as conf/sample.yaml maps it. */
static void
test_sample(void)
{
	struct conf_set		 cs;
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;

	std_set(&cs, ',');
	column(&cs, RF_BETOS, "BETOS", (char *)NULL);
	record_set_init(&set);
	T_EQ_INT(load_delimited(&cs, "data/sample/local.csv", &set, &err), 0);
	T_EQ_INT(set.nrecs, 10);
	T_EQ_INT(set.stats.procedures, 10);
	T_EQ_INT(set.stats.bad_dates, 0);
	T_OK((r = t_find(&set, "W1001")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc,
		    "Transport, \"sample\" wheelchair van, per trip");
		T_EQ_INT(r->added, 20010101);
		T_EQ_STR(r->tos[0], "D");
		T_EQ_STR(r->tos[1], "9");
		T_EQ_STR(r->betos, "Z1");
	}
	T_OK((r = t_find(&set, "W1003")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->added, 20020701);
		T_EQ_INT(r->terminated, 20031231);
	}
	T_OK((r = t_find(&set, "W1005")) != NULL);
	if (r != NULL)
		T_EQ_STR(r->short_desc, "Clinic visit \xe2\x80\x94 sample");
	T_OK(t_find(&set, "W1009") != NULL);
	record_set_free(&set);
}

int
main(void)
{
	tdir = t_mkdtemp("load_delim");
	test_csv();
	test_tsv();
	test_errors();
	test_sample();
	return t_done();
}
