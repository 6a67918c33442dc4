/*
 * test_meanings.c: the code tables of meanings.c.  Each table is sorted,
 * unique and as long as the layout lists; every row's text is the one
 * docs/formats.md section 9 gives (itself checked against the 2019
 * layout file); a hard-coded set per table pins CMS's exact wording;
 * unknown values give NULL.  Over the real 2019 and 2020 files (when
 * present) every coded value that occurs has a meaning, unless it is a
 * known gap listed below with its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "load_file.h"
#include "meanings.h"
#include "record.h"
#include "t.h"

#define F2019	"HCPC2019_CONTR_ANWEB.txt"
#define F2020	"HCPC2020_ANWEB_w_disclaimer.txt"
#define FORMATS	"docs/formats.md"

static const char *
find(enum record_field f, const char *v)
{
	return meanings_find(f, v, strlen(v));
}

static const char *
group(enum record_field f, const char *v)
{
	return meanings_group(f, v, strlen(v));
}

/*
 * Per field: rows the layout lists, its formats.md section, and how many
 * cells lie between the code and its meaning there (pricing has a group
 * column).
 */
static const struct {
	enum record_field f;
	size_t		 rows;
	const char	*section;
	int		 skip_cells;
} expect[] = {
	{ RF_ACTION,		10,  "### 9.11 ", 0 },
	{ RF_COVERAGE,		5,   "### 9.4 ", 0 },
	{ RF_PRICING,		26,  "### 9.2 ", 1 },	/* 25 (2019) + 40 */
	{ RF_MULT_PRICING,	8,   "### 9.3 ", 0 },
	{ RF_LABCERT,		31,  "### 9.5 ", 0 },
	{ RF_ASC_GROUP,		2,   NULL, 0 },		/* YY and blank */
	{ RF_OPPS,		98,  "### 9.7 ", 0 },
	{ RF_OPPS_PI,		7,   "### 9.8 ", 0 },
	{ RF_BETOS,		107, "### 9.9 ", 0 },	/* 106 (2019) + O1L */
	{ RF_TOS,		34,  "### 9.10 ", 0 },
};
#define NEXPECT	(sizeof(expect) / sizeof(expect[0]))

static void
test_fields_and_order(void)
{
	const enum record_field *fs;
	const struct meaning *rows;
	size_t	 n, i, j, nrows;

	fs = meanings_fields(&n);
	T_EQ_INT(n, NEXPECT);
	for (i = 0; i < n && i < NEXPECT; i++) {
		T_EQ_INT(fs[i], expect[i].f);
		rows = meanings_table(fs[i], &nrows);
		T_OK(rows != NULL);
		if (rows == NULL)
			continue;
		T_EQ_INT(nrows, expect[i].rows);
		for (j = 0; j < nrows; j++) {
			T_OK(rows[j].text != NULL && rows[j].text[0] != '\0');
			/* Sorted and unique: the binary search relies on it. */
			if (j > 0 && strcmp(rows[j - 1].value,
			    rows[j].value) >= 0)
				t_fail(__FILE__, __LINE__, "%s: \"%s\" after "
				    "\"%s\"", record_field_name(fs[i]),
				    rows[j].value, rows[j - 1].value);
			t_checks++;
			/* ... and finds every row. */
			T_OK(find(fs[i], rows[j].value) == rows[j].text);
			T_OK(group(fs[i], rows[j].value) == rows[j].group);
		}
	}
	/* Fields the layout gives no codes for. */
	{
		static const enum record_field none[] = {
			RF_CODE, RF_SHORT, RF_LONG, RF_ADDED, RF_TERMINATED,
			RF_CIM, RF_MCM, RF_STATUTE, RF_XREF, RF_ASC_DATE,
			RF_OPPS_DATE, RF_PROC_NOTE, RF_ANESTHESIA_UNITS,
		};

		for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
			j = 99;
			T_OK(meanings_table(none[i], &j) == NULL);
			T_EQ_INT(j, 0);
			T_OK(find(none[i], "D") == NULL);
			T_OK(find(none[i], "") == NULL);
		}
		T_OK(meanings_table(RF_MAX, &j) == NULL);
		T_OK(find(RF_MAX, "D") == NULL);
		T_OK(find((enum record_field)-1, "D") == NULL);
	}
}

/*
 * Every row has the text formats.md gives it: in the field's section, a
 * table line with the cell "| CODE |", skip_cells further cells, then
 * "| TEXT |" (or "| TEXT —", the L24 mark).  Backticks are dropped from
 * the document first (formats.md quotes codes inside texts too).
 */
static void
test_formats_md(void)
{
	struct record_err err;
	const struct meaning *rows;
	char	*doc, *p, *q, *sec, *end, *line, *eol;
	char	 needle[64];
	size_t	 len, i, j, n, tl;
	int	 k, ok;

	if ((doc = load_slurp(FORMATS, 0, &len, &err)) == NULL) {
		t_checks++;
		t_fail(__FILE__, __LINE__, "%s (run from the top directory)",
		    err.msg);
		return;
	}
	for (p = q = doc; *p != '\0'; p++)
		if (*p != '`')
			*q++ = *p;
	*q = '\0';
	for (i = 0; i < NEXPECT; i++) {
		if (expect[i].section == NULL)
			continue;
		sec = strstr(doc, expect[i].section);
		T_OK(sec != NULL);
		if (sec == NULL)
			continue;
		sec += strlen(expect[i].section);
		end = sec;
		while (*end != '\0' && strncmp(end, "\n### ", 5) != 0 &&
		    strncmp(end, "\n## ", 4) != 0)
			end++;
		rows = meanings_table(expect[i].f, &n);
		for (j = 0; j < n; j++) {
			snprintf(needle, sizeof(needle), "| %s |",
			    rows[j].value);
			ok = 0;
			for (line = strstr(sec, needle);
			    line != NULL && line < end && !ok;
			    line = strstr(line + 1, needle)) {
				eol = strchr(line, '\n');
				p = line + strlen(needle) - 1;
				for (k = 0; k < expect[i].skip_cells && p; k++)
					p = strchr(p + 1, '|');
				if (p == NULL || (eol != NULL && p > eol))
					continue;
				tl = strlen(rows[j].text);
				ok = strncmp(p, "| ", 2) == 0 &&
				    strncmp(p + 2, rows[j].text, tl) == 0 &&
				    (strncmp(p + 2 + tl, " |", 2) == 0 ||
				    strncmp(p + 2 + tl, " \xe2\x80\x94",
				    4) == 0);
			}
			t_checks++;
			if (!ok)
				t_fail(__FILE__, __LINE__, "%s %s: \"%s\" is "
				    "not the text of %s",
				    record_field_name(expect[i].f),
				    rows[j].value, rows[j].text, FORMATS);
		}
	}
	free(doc);
}

/* CMS's exact wording, a few rows per table, and values it lacks. */
static void
test_action(void)
{
	T_EQ_STR(find(RF_ACTION, "A"), "Add procedure or modifier code");
	T_EQ_STR(find(RF_ACTION, "N"), "No maintenance for this code");
	T_EQ_STR(find(RF_ACTION, "P"), "Payment change (MOG, pricing "
	    "indicator codes, anesthesia base units, Ambulatory Surgical "
	    "Centers)");
	T_EQ_STR(find(RF_ACTION, "T"),
	    "Miscellaneous change (BETOS, type of service)");
	T_OK(find(RF_ACTION, "E") == NULL);
	T_OK(find(RF_ACTION, "a") == NULL);
	T_OK(find(RF_ACTION, "") == NULL);
}

static void
test_coverage(void)
{
	T_EQ_STR(find(RF_COVERAGE, "C"), "Carrier judgment");
	T_EQ_STR(find(RF_COVERAGE, "D"), "Special coverage instructions apply");
	T_EQ_STR(find(RF_COVERAGE, "I"), "Not payable by Medicare");
	T_EQ_STR(find(RF_COVERAGE, "M"), "Non-covered by Medicare");
	T_EQ_STR(find(RF_COVERAGE, "S"), "Non-covered by Medicare statute");
	/* A counted value: only len bytes are read. */
	T_EQ_STR(meanings_find(RF_COVERAGE, "DX", 1),
	    "Special coverage instructions apply");
	T_OK(meanings_find(RF_COVERAGE, "DX", 2) == NULL);
	T_OK(meanings_find(RF_COVERAGE, NULL, 0) == NULL);
	T_OK(meanings_find(RF_COVERAGE, NULL, 1) == NULL);
	T_OK(find(RF_COVERAGE, "d") == NULL);
	T_OK(find(RF_COVERAGE, "B") == NULL);
	T_OK(find(RF_COVERAGE, "D ") == NULL);
	T_OK(group(RF_COVERAGE, "D") == NULL);
}

static void
test_pricing(void)
{
	T_EQ_STR(find(RF_PRICING, "00"), "Service not separately priced by "
	    "Part B (e.g., services not covered, bundled, used by Part A "
	    "only, etc.)");
	T_OK(group(RF_PRICING, "00") == NULL);
	T_EQ_STR(find(RF_PRICING, "11"),
	    "Price established using national RVUs");
	T_EQ_STR(group(RF_PRICING, "11"), "Physician fee schedule and "
	    "non-physician practitioners linked to the physician fee "
	    "schedule");
	T_EQ_STR(find(RF_PRICING, "21"),
	    "Price subject to national limitation amount");
	T_EQ_STR(group(RF_PRICING, "21"), "Clinical lab fee schedule");
	T_EQ_STR(find(RF_PRICING, "36"),
	    "Capped rental DME (price subject to floors and ceilings)");
	T_EQ_STR(group(RF_PRICING, "36"), "Durable medical equipment, "
	    "prosthetics, orthotics, supplies and surgical dressings");
	T_EQ_STR(find(RF_PRICING, "40"),
	    "Lymphedema compression treatment items (eff 1/1/2024)");
	T_EQ_STR(find(RF_PRICING, "51"), "Drugs");
	T_EQ_STR(group(RF_PRICING, "51"), "Other");
	T_EQ_STR(find(RF_PRICING, "55"), "Splints and casts (effec 10/1/2014)");
	T_EQ_STR(find(RF_PRICING, "56"),
	    "IOL's inserted in a physician's office (eff 10/1/2014)");
	T_EQ_STR(find(RF_PRICING, "99"), "Value not established");
	T_EQ_STR(group(RF_PRICING, "99"), "Other");
	T_OK(find(RF_PRICING, "0") == NULL);
	T_OK(find(RF_PRICING, "000") == NULL);
	T_OK(find(RF_PRICING, "41") == NULL);
	T_OK(find(RF_PRICING, "98") == NULL);
	T_OK(group(RF_PRICING, "41") == NULL);
}

static void
test_mult_pricing(void)
{
	T_EQ_STR(find(RF_MULT_PRICING, "9"), "Not applicable as HCPCS not "
	    "priced separately by Part B (pricing indicator is 00) or value "
	    "is not established (pricing indicator is 99)");
	T_EQ_STR(find(RF_MULT_PRICING, "A"),
	    "Not applicable as HCPCS priced under one methodology");
	T_EQ_STR(find(RF_MULT_PRICING, "C"), "Physician interpretation of "
	    "clinical lab service is priced under physician fee schedule "
	    "using RVUs, while pricing of lab service is paid under clinical "
	    "lab fee schedule");
	T_EQ_STR(find(RF_MULT_PRICING, "G"), "Clinical lab service priced "
	    "under reasonable charge when service is submitted on claim with "
	    "blood products, while service is priced under clinical lab fee "
	    "schedule when there are no blood products on claim");
	T_OK(find(RF_MULT_PRICING, "H") == NULL);
	T_OK(find(RF_MULT_PRICING, "0") == NULL);
}

static void
test_labcert(void)
{
	T_EQ_STR(find(RF_LABCERT, "010"), "Histocompatibility testing");
	T_OK(group(RF_LABCERT, "010") == NULL);
	T_EQ_STR(find(RF_LABCERT, "100"), "Microbiology");
	T_OK(group(RF_LABCERT, "100") == NULL);
	T_EQ_STR(find(RF_LABCERT, "115"), "Mycobacteriology");
	T_EQ_STR(group(RF_LABCERT, "115"), "Microbiology");
	T_EQ_STR(find(RF_LABCERT, "220"), "General immunology");
	T_EQ_STR(group(RF_LABCERT, "220"), "Diagnostic immunology");
	T_EQ_STR(find(RF_LABCERT, "510"), "ABO group & Rh type");
	T_EQ_STR(group(RF_LABCERT, "510"), "Immunohematology");
	T_EQ_STR(find(RF_LABCERT, "530"),
	    "Antibody detection (nontransfusion)");
	T_EQ_STR(find(RF_LABCERT, "630"), "Cytology");
	T_EQ_STR(group(RF_LABCERT, "630"), "Pathology");
	T_EQ_STR(find(RF_LABCERT, "900"), "Clinical cytogenetics");
	T_OK(group(RF_LABCERT, "900") == NULL);
	T_OK(find(RF_LABCERT, "10") == NULL);
	T_OK(find(RF_LABCERT, "0100") == NULL);
	T_OK(find(RF_LABCERT, "700") == NULL);
	T_OK(find(RF_LABCERT, "160") == NULL);
}

static void
test_asc_group(void)
{
	/* Blank is coded here, and only here. */
	T_EQ_STR(find(RF_ASC_GROUP, ""), "Not approved for ASC");
	T_EQ_STR(meanings_find(RF_ASC_GROUP, NULL, 0), "Not approved for ASC");
	T_EQ_STR(find(RF_ASC_GROUP, "YY"),
	    "Approved to be performed in an ambulatory surgical center");
	/* 2018's shifted records carry "20": not a code. */
	T_OK(find(RF_ASC_GROUP, "20") == NULL);
	T_OK(find(RF_ASC_GROUP, "Y") == NULL);
	T_OK(find(RF_ASC_GROUP, "yy") == NULL);
}

static void
test_opps(void)
{
	T_EQ_STR(find(RF_OPPS, "000"), "No MOG applies");
	T_OK(group(RF_OPPS, "000") == NULL);
	T_EQ_STR(find(RF_OPPS, "102"), "Level II needle biopsy/aspiration");
	T_EQ_STR(group(RF_OPPS, "102"), "Integumentary");
	T_EQ_STR(find(RF_OPPS, "269"), "Closed treatment fracture/"
	    "dislocation/except finger/toe/trunk");
	T_EQ_STR(group(RF_OPPS, "269"), "Musculoskeletal");
	T_EQ_STR(find(RF_OPPS, "309"), "Implantation of cochlear device "
	    "(ASC rate does not include cost of implant)");
	T_EQ_STR(group(RF_OPPS, "309"),
	    "ENT/Respiratory/Cardiovascular/Lymphatic/Endocrine");
	T_EQ_STR(find(RF_OPPS, "450"),
	    "Endoscopic retrograde cholangio-pancreatography (ERCP)");
	T_EQ_STR(group(RF_OPPS, "450"), "Digestive");
	T_EQ_STR(find(RF_OPPS, "550"), "Prostrate biopsy");
	T_EQ_STR(group(RF_OPPS, "550"), "Urinary/Genital");
	T_EQ_STR(find(RF_OPPS, "649"),
	    "Cataract procedures with IOL insert (includes $150 insert)");
	T_EQ_STR(find(RF_OPPS, "689"),
	    "Implantation/replacement of intraitreal drug");
	T_EQ_STR(group(RF_OPPS, "689"), "Nervous/Eye");
	T_OK(find(RF_OPPS, "101") == NULL);
	T_OK(find(RF_OPPS, "690") == NULL);
	T_OK(find(RF_OPPS, "00") == NULL);
}

static void
test_opps_pi(void)
{
	T_EQ_STR(find(RF_OPPS_PI, "1"), "ASC covered procedure");
	T_EQ_STR(find(RF_OPPS_PI, "4"), "Invalid code/90 day grace period");
	T_EQ_STR(find(RF_OPPS_PI, "9"), "ASC payment not applicable");
	T_OK(find(RF_OPPS_PI, "5") == NULL);
	T_OK(find(RF_OPPS_PI, "8") == NULL);
	T_OK(find(RF_OPPS_PI, "0") == NULL);
}

static void
test_betos(void)
{
	T_EQ_STR(find(RF_BETOS, "M1A"), "Office visits - new");
	T_EQ_STR(find(RF_BETOS, "M3"), "Emergency room visit");
	T_EQ_STR(find(RF_BETOS, "M5C"), "Specialist - opthamology");
	T_EQ_STR(find(RF_BETOS, "P0"), "Anesthesia");
	T_EQ_STR(find(RF_BETOS, "P2D"), "Major procedure, "
	    "cardiovascualr-Coronary angioplasty (PTCA)");
	T_EQ_STR(find(RF_BETOS, "I4A"),
	    "Imaging/procedure - heart including cardiac catheterization");
	T_EQ_STR(find(RF_BETOS, "T1A"),
	    "Lab tests - routine venipuncture (non Medicare fee schedule)");
	T_EQ_STR(find(RF_BETOS, "D1D"), "Wheelchairs");
	T_EQ_STR(find(RF_BETOS, "O1E"), "Other drugs");
	T_EQ_STR(find(RF_BETOS, "O1L"),
	    "Lymphedema compression treatment items (eff 1/1/2024)");
	T_EQ_STR(find(RF_BETOS, "Y2"), "Other - non-Medicare fee schedule");
	T_EQ_STR(find(RF_BETOS, "Z2"), "Undefined codes");
	/* Stored without the trailing blank, so "M3 " is not a value. */
	T_OK(find(RF_BETOS, "M3 ") == NULL);
	T_OK(find(RF_BETOS, "M3A") == NULL);
	T_OK(find(RF_BETOS, "M") == NULL);
	T_OK(find(RF_BETOS, "O1H") == NULL);
	T_OK(find(RF_BETOS, "m1a") == NULL);
	T_OK(group(RF_BETOS, "M1A") == NULL);
}

static void
test_tos(void)
{
	T_EQ_STR(find(RF_TOS, "0"), "Whole blood only eff 01/96, whole "
	    "blood or packed red cells before 01/96");
	T_EQ_STR(find(RF_TOS, "1"), "Medical care");
	T_EQ_STR(find(RF_TOS, "9"), "Other medical items or services");
	T_EQ_STR(find(RF_TOS, "A"), "Used durable medical equipment (DME)");
	T_EQ_STR(find(RF_TOS, "B"),
	    "High risk screening mammography (obsolete 1/1/98)");
	T_EQ_STR(find(RF_TOS, "L"), "ESRD supplies (eff 04/95) (renal "
	    "supplier in the home before 04/95)");
	T_EQ_STR(find(RF_TOS, "P"),
	    "Lump sum purchase of DME, prosthetics, orthotics");
	T_EQ_STR(find(RF_TOS, "V"), "Pneumococcal/flu vaccine (eff 01/96); "
	    "pneumococcal/flu/hepatitis B vaccine (eff 04/95-12/95); "
	    "pneumococcal only before 04/95");
	T_EQ_STR(find(RF_TOS, "Z"),
	    "Third opinion on elective surgery (obsoleted 1/97)");
	/* Letters the table skips. */
	T_OK(find(RF_TOS, "O") == NULL);
	T_OK(find(RF_TOS, "X") == NULL);
	T_OK(find(RF_TOS, "1P") == NULL);
	T_OK(find(RF_TOS, "") == NULL);
}

/*
 * Real data.  A value with no meaning that is known and explained goes
 * here, before the terminating row; none is needed for 2019 and 2020.
 */
static const struct {
	enum record_field f;
	const char	*value;
	const char	*reason;
} gaps[] = {
	{ RF_MAX, NULL, NULL },
};

static int
is_gap(enum record_field f, const char *v)
{
	size_t	i;

	for (i = 0; gaps[i].value != NULL; i++)
		if (gaps[i].f == f && strcmp(gaps[i].value, v) == 0)
			return 1;
	return 0;
}

/* The values of field f in r: up to max, blanks left out. */
static size_t
values(const struct record *r, enum record_field f, const char **out)
{
	const char *const *list = NULL;
	const char	*one = NULL;
	size_t		 n = 0, i, max = 0;

	switch (f) {
	case RF_ACTION:		one = r->action; break;
	case RF_COVERAGE:	one = r->coverage; break;
	case RF_MULT_PRICING:	one = r->mult_pricing; break;
	case RF_ASC_GROUP:	one = r->asc_group; break;
	case RF_OPPS:		one = r->opps; break;
	case RF_OPPS_PI:	one = r->opps_pi; break;
	case RF_BETOS:		one = r->betos; break;
	case RF_PRICING: list = r->pricing; max = RECORD_MAX_PRICING; break;
	case RF_LABCERT: list = r->labcert; max = RECORD_MAX_LABCERT; break;
	case RF_TOS:	list = r->tos; max = RECORD_MAX_TOS; break;
	default:	break;
	}
	if (one != NULL)
		out[n++] = one;
	for (i = 0; i < max; i++)
		if (list[i] != NULL)
			out[n++] = list[i];
	return n;
}

/* Distinct values of one field in one file, as measured (formats.md 9). */
struct measured {
	enum record_field f;
	size_t		 distinct2019;
	size_t		 distinct2020;
};

static const struct measured measured[] = {
	{ RF_COVERAGE,		5, 5 },
	{ RF_MULT_PRICING,	3, 3 },		/* 9, A, C */
	{ RF_PRICING,		24, 24 },	/* all but 12 and 40 */
	{ RF_LABCERT,		12, 12 },
	{ RF_ASC_GROUP,		1, 1 },		/* YY */
	{ RF_OPPS,		0, 0 },		/* blank everywhere */
	{ RF_OPPS_PI,		0, 0 },
	{ RF_BETOS,		62, 63 },	/* P6B is new in 2020 */
	{ RF_TOS,		23, 24 },
};

#define MAXDISTINCT	128

static void
check_file(const char *dir, const char *file, int year)
{
	struct record_set set;
	struct record_err err;
	const enum record_field *fs;
	const char	*v[RECORD_MAX_LABCERT + 1];
	const char	*seen[MAXDISTINCT];
	char		 path[1024];
	size_t		 nf, i, j, k, m, nv, nseen, slots, unknown, gap;
	int		 fresh;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	record_set_init(&set);
	err.msg[0] = '\0';
	if (load_anweb(path, 0, &set, &err) == -1) {
		t_checks++;
		t_fail(__FILE__, __LINE__, "load_anweb: %s", err.msg);
		return;
	}
	fs = meanings_fields(&nf);
	for (i = 0; i < nf; i++) {
		slots = unknown = gap = nseen = 0;
		for (j = 0; j < set.nrecs; j++) {
			nv = values(&set.recs[j], fs[i], v);
			for (k = 0; k < nv; k++) {
				slots++;
				for (m = 0; m < nseen; m++)
					if (strcmp(seen[m], v[k]) == 0)
						break;
				fresh = m == nseen;
				if (fresh && nseen < MAXDISTINCT)
					seen[nseen++] = v[k];
				if (find(fs[i], v[k]) != NULL)
					continue;
				if (is_gap(fs[i], v[k])) {
					gap++;
					continue;
				}
				unknown++;
				if (fresh)	/* report each value once */
					t_fail(__FILE__, __LINE__, "%d %s %s: "
					    "%s \"%s\" has no meaning", year,
					    file, set.recs[j].code,
					    record_field_name(fs[i]), v[k]);
			}
		}
		printf("%d %-12s %5zu slots, %3zu distinct, %zu without "
		    "meaning, %zu known gaps\n", year,
		    record_field_name(fs[i]), slots, nseen, unknown, gap);
		t_checks++;
		if (unknown != 0)
			t_fail(__FILE__, __LINE__, "%d %s: %zu values without "
			    "meaning", year, record_field_name(fs[i]),
			    unknown);
		for (m = 0; m < sizeof(measured) / sizeof(measured[0]); m++)
			if (measured[m].f == fs[i])
				T_EQ_INT(nseen, year == 2019 ?
				    measured[m].distinct2019 :
				    measured[m].distinct2020);
	}
	record_set_free(&set);
}

static void
test_realdata(void)
{
	const char	*dir;
	char		 path[1024];
	FILE		*fp;
	int		 have19, have20;

	if ((dir = t_shared_data()) == NULL) {
		t_realdata_skipped("meanings of the 2019 and 2020 CMS files");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, F2019);
	if ((have19 = (fp = fopen(path, "rb")) != NULL))
		fclose(fp);
	snprintf(path, sizeof(path), "%s/%s", dir, F2020);
	if ((have20 = (fp = fopen(path, "rb")) != NULL))
		fclose(fp);
	if (have19)
		check_file(dir, F2019, 2019);
	else
		t_realdata_skipped("meanings of " F2019);
	if (have20)
		check_file(dir, F2020, 2020);
	else
		t_realdata_skipped("meanings of " F2020);
}

int
main(void)
{
	test_fields_and_order();
	test_formats_md();
	test_action();
	test_coverage();
	test_pricing();
	test_mult_pricing();
	test_labcert();
	test_asc_group();
	test_opps();
	test_opps_pi();
	test_betos();
	test_tos();
	test_realdata();
	return t_done();
}
