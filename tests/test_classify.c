/*
 * test_classify.c: every row of formats.md 3, 4.1, 4.2, 5 and 6 through
 * classify_code, with every output field asserted, plus normalisation
 * and inputs of no known shape.
 */
#include <stdio.h>
#include <string.h>

#include "t.h"
#include "classify.h"

static void
str_field(const char *file, int line, const char *in, const char *name,
    const char *got, const char *want)
{
	t_checks++;
	if (got == NULL || want == NULL ? got == want : strcmp(got, want) == 0)
		return;
	t_fail(file, line, "\"%s\": %s == \"%s\", expected \"%s\"", in, name,
	    got ? got : "(null)", want ? want : "(null)");
}

/* Classify in (NUL-terminated) and compare every field. */
static void
expect(int line, const char *in, const char *code, const char *system,
    int level, const char *category, const char *section, const char *group,
    const char *kind, const char *maintainer)
{
	struct classify	c;
	int		rc;

	rc = classify_code(in, strlen(in), &c);
	t_checks++;
	if (rc != 0) {
		t_fail(__FILE__, line, "\"%s\": classify_code == %d, expected 0",
		    in, rc);
		return;
	}
	str_field(__FILE__, line, in, "code", c.code, code);
	str_field(__FILE__, line, in, "system", c.system, system);
	t_checks++;
	if (c.level != level)
		t_fail(__FILE__, line, "\"%s\": level == %d, expected %d", in,
		    c.level, level);
	str_field(__FILE__, line, in, "category", c.category, category);
	str_field(__FILE__, line, in, "section", c.section, section);
	str_field(__FILE__, line, in, "group", c.group, group);
	str_field(__FILE__, line, in, "kind", c.kind, kind);
	str_field(__FILE__, line, in, "maintainer", c.maintainer, maintainer);
}

/* Bytes (may hold NUL or non-ASCII) that must have no known shape. */
static void
reject_n(int line, const char *in, size_t len)
{
	struct classify	c;
	int		rc;

	memset(&c, 0xa5, sizeof(c));
	rc = classify_code(in, len, &c);
	t_checks++;
	if (rc != -1)
		t_fail(__FILE__, line, "\"%.*s\" (%zu bytes): classify_code == "
		    "%d, expected -1 (code \"%s\")", (int)len, in, len, rc,
		    c.code);
	/* A rejected input leaves a zeroed result, never stale fields. */
	str_field(__FILE__, line, in, "code", c.code, "");
	str_field(__FILE__, line, in, "system", c.system, NULL);
	str_field(__FILE__, line, in, "group", c.group, NULL);
	str_field(__FILE__, line, in, "kind", c.kind, NULL);
	T_EQ_INT(c.level, 0);
}

#define P	"procedure"
#define M	"modifier"
#define PL	"pathology_laboratory"
#define EM	"evaluation_management"

/* CPT Category I procedure code: only the section varies. */
#define CPT1(in, sec) \
	expect(__LINE__, in, in, "CPT", 1, "I", sec, NULL, P, "AMA")
/* National Level II procedure code. */
#define L2(in, grp) \
	expect(__LINE__, in, in, "HCPCS", 2, NULL, NULL, grp, P, "CMS")
/* Level II modifier. */
#define L2MOD(in) \
	expect(__LINE__, in, in, "HCPCS", 2, NULL, NULL, "level2_modifier", \
	    M, "CMS")
#define REJECT(in)	reject_n(__LINE__, in, strlen(in))

/* formats.md 4.2: both ends of every range, 99xxx cases, and the gaps. */
static void
test_sections(void)
{
	/* Gaps before, between and after the ranges: no section. */
	CPT1("00000", NULL);
	CPT1("00001", NULL);
	CPT1("00099", NULL);
	CPT1("00100", "anesthesia");
	CPT1("01999", "anesthesia");
	CPT1("02000", NULL);
	CPT1("09999", NULL);
	CPT1("10000", NULL);
	CPT1("10003", NULL);
	CPT1("10004", "surgery");
	CPT1("10021", "surgery");
	CPT1("69990", "surgery");
	CPT1("69991", NULL);
	CPT1("70009", NULL);
	CPT1("70010", "radiology");
	CPT1("79999", "radiology");
	CPT1("80000", NULL);
	CPT1("80046", NULL);
	CPT1("80047", PL);
	CPT1("80048", PL);
	CPT1("89398", PL);
	CPT1("89399", NULL);
	CPT1("90280", NULL);
	CPT1("90281", "medicine");
	CPT1("99099", "medicine");
	/* 99xxx block: special cases before the plain ranges. */
	CPT1("99100", "anesthesia");
	CPT1("99116", "anesthesia");
	CPT1("99140", "anesthesia");
	CPT1("99141", "medicine");
	CPT1("99199", "medicine");
	CPT1("99200", NULL);
	CPT1("99201", NULL);		/* deleted 2021 */
	CPT1("99202", EM);
	CPT1("99213", EM);
	CPT1("99499", EM);
	CPT1("99500", "medicine");
	CPT1("99600", "medicine");
	CPT1("99607", "medicine");
	CPT1("99608", NULL);
	CPT1("99999", NULL);
}

/* formats.md 4.1: the other CPT shapes. */
static void
test_cpt_shapes(void)
{
	expect(__LINE__, "3074F", "3074F", "CPT", 1, "II", NULL, NULL, P,
	    "AMA");
	expect(__LINE__, "0042T", "0042T", "CPT", 1, "III", NULL, NULL, P,
	    "AMA");
	expect(__LINE__, "0001U", "0001U", "CPT", 1, "PLA", PL, NULL, P,
	    "AMA");
	expect(__LINE__, "0613U", "0613U", "CPT", 1, "PLA", PL, NULL, P,
	    "AMA");
	expect(__LINE__, "0001A", "0001A", "CPT", 1, "immunization_admin",
	    NULL, NULL, P, "AMA");
	expect(__LINE__, "0001M", "0001M", "CPT", 1, "maaa", NULL, NULL, P,
	    "AMA");
	/* The letter's position tells the systems apart. */
	L2("U0001", "coronavirus_lab");
	L2("M0001", "medical_services");
	/* Other trailing letters are no CPT shape. */
	REJECT("0001X");
	REJECT("0001B");
	REJECT("0001P");
}

/* formats.md 5: every letter, with the finer ranges' boundaries. */
static void
test_level2_letters(void)
{
	L2("A0021", "ambulance_transport");
	L2("A0999", "ambulance_transport");
	L2("A1000", "transport_supplies");
	L2("A3999", "transport_supplies");
	L2("A4000", "medical_surgical_supplies");
	L2("A4206", "medical_surgical_supplies");
	L2("A8999", "medical_surgical_supplies");
	L2("A9000", "miscellaneous_investigational");
	L2("A9999", "miscellaneous_investigational");
	L2("B4034", "enteral_parenteral");
	L2("C1052", "outpatient_pps");
	L2("C9901", "outpatient_pps");
	L2("E0100", "dme");
	L2("G0008", "professional_services");
	L2("H0001", "behavioral_health");
	L2("J0120", "drugs");
	L2("J1100", "drugs");
	L2("J8999", "drugs");
	L2("J9000", "chemotherapy_drugs");
	L2("J9999", "chemotherapy_drugs");
	L2("K0001", "dme_mac_temporary");
	L2("L0112", "orthotics");
	L2("L4999", "orthotics");
	L2("L5000", "prosthetics");
	L2("L9900", "prosthetics");
	L2("M1425", "medical_services");
	L2("P2028", "pathology_laboratory");
	L2("Q0035", "temporary");
	L2("R0070", "diagnostic_radiology");
	L2("S0012", "private_payer_temporary");
	L2("T1000", "state_medicaid");
	L2("U0005", "coronavirus_lab");
	L2("V0000", "vision_hearing");
	L2("V1999", "vision_hearing");
	L2("V2020", "vision");
	L2("V2999", "vision");
	L2("V3000", "vision_hearing");
	L2("V5000", "hearing_speech");
	L2("V5364", "hearing_speech");
	L2("V6000", "vision_hearing");
	/* CDT dental: Level II, not in CMS data. */
	expect(__LINE__, "D0120", "D0120", "CDT", 2, NULL, NULL, "dental", P,
	    "ADA");
	expect(__LINE__, "D9999", "D9999", "CDT", 2, NULL, NULL, "dental", P,
	    "ADA");
	/* Unassigned letters. */
	L2("F0001", "unassigned");
	L2("I1234", "unassigned");
	L2("N0000", "unassigned");
	L2("O9999", "unassigned");
	/* Former Level III local codes. */
	expect(__LINE__, "W0001", "W0001", "HCPCS", 3, NULL, NULL, "local", P,
	    "local");
	expect(__LINE__, "X1234", "X1234", "HCPCS", 3, NULL, NULL, "local", P,
	    "local");
	expect(__LINE__, "Y9999", "Y9999", "HCPCS", 3, NULL, NULL, "local", P,
	    "local");
	expect(__LINE__, "Z0000", "Z0000", "HCPCS", 3, NULL, NULL, "local", P,
	    "local");
}

/* formats.md 6 and the modifier rows of 3. */
static void
test_modifiers(void)
{
	expect(__LINE__, "25", "25", "CPT", 1, "I", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "59", "59", "CPT", 1, "I", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "99", "99", "CPT", 1, "I", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "1P", "1P", "CPT", 1, "II", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "8P", "8P", "CPT", 1, "II", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "P1", "P1", "CPT", 1, NULL, NULL,
	    "anesthesia_physical_status", M, "AMA");
	expect(__LINE__, "P6", "P6", "CPT", 1, NULL, NULL,
	    "anesthesia_physical_status", M, "AMA");
	/* Outside P1-P6 the generic Level II row applies. */
	L2MOD("P0");
	L2MOD("P7");
	L2MOD("PA");
	L2MOD("LT");
	L2MOD("GA");
	L2MOD("X1");
	L2MOD("XE");
	L2MOD("ZA");
	L2MOD("DA");
	L2MOD("A1");
}

static void
test_normalise(void)
{
	struct classify	c;

	expect(__LINE__, " j1100 ", "J1100", "HCPCS", 2, NULL, NULL, "drugs",
	    P, "CMS");
	expect(__LINE__, "\t\t99213\t", "99213", "CPT", 1, "I", EM, NULL, P,
	    "AMA");
	expect(__LINE__, "0001u", "0001U", "CPT", 1, "PLA", PL, NULL, P,
	    "AMA");
	expect(__LINE__, " lt", "LT", "HCPCS", 2, NULL, NULL,
	    "level2_modifier", M, "CMS");
	expect(__LINE__, "p1 ", "P1", "CPT", 1, NULL, NULL,
	    "anesthesia_physical_status", M, "AMA");
	expect(__LINE__, "1p", "1P", "CPT", 1, "II", NULL, "cpt_modifier", M,
	    "AMA");
	expect(__LINE__, "d0120", "D0120", "CDT", 2, NULL, NULL, "dental", P,
	    "ADA");
	/* Not NUL-terminated: only len bytes count. */
	T_EQ_INT(classify_code("  a0021  trailing", 9, &c), 0);
	T_EQ_STR(c.code, "A0021");
	T_EQ_STR(c.group, "ambulance_transport");
	T_EQ_INT(classify_code("25x", 2, &c), 0);
	T_EQ_STR(c.code, "25");
	T_EQ_STR(c.kind, "modifier");
}

static void
test_rejects(void)
{
	REJECT("");
	REJECT(" ");
	REJECT(" \t ");
	REJECT("1");
	REJECT("A");
	REJECT("123");
	REJECT("AB1");
	REJECT("1234");
	REJECT("A001");
	REJECT("A00211");
	REJECT("123456");
	REJECT("A-001");
	REJECT("A 001");
	REJECT("J 1100");
	REJECT("2 5");
	REJECT("AB123");
	REJECT("12A45");
	REJECT("-1");
	REJECT("A0021\n");
	REJECT("\xc3\x89" "0021");	/* E-acute in UTF-8 */
	REJECT("\xc9" "0021");		/* E-acute in cp1252 */
	REJECT("\xc9" "1");
	REJECT("A002\xe9");
	reject_n(__LINE__, "A0\0" "21", 5);
	reject_n(__LINE__, "25", 0);
	reject_n(__LINE__, "J1100", 3);
}

/*
 * The reference: formats.md section 3 as classify.c had it before it
 * picked rows by shape, each row a set of characters per position and
 * the first match winning, with the fields each row sets (sectioned
 * and grouped rows refine theirs by tables classify.c kept as they
 * were, checked row by row above: here only "is refined" is compared).
 */
#define DIG	"0123456789"
#define ALPHA	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define ALNUM	DIG ALPHA
#define REFINED	((const char *)1)

static const struct {
	size_t		 len;
	const char	*pos[5];
	const char	*system;
	int		 level;
	const char	*category, *section, *group, *kind, *maintainer;
} ref_rows[] = {
	{ 5, { DIG, DIG, DIG, DIG, DIG }, "CPT", 1, "I", REFINED, NULL,
	    "procedure", "AMA" },
	{ 5, { DIG, DIG, DIG, DIG, "F" }, "CPT", 1, "II", NULL, NULL,
	    "procedure", "AMA" },
	{ 5, { DIG, DIG, DIG, DIG, "T" }, "CPT", 1, "III", NULL, NULL,
	    "procedure", "AMA" },
	{ 5, { DIG, DIG, DIG, DIG, "U" }, "CPT", 1, "PLA",
	    "pathology_laboratory", NULL, "procedure", "AMA" },
	{ 5, { DIG, DIG, DIG, DIG, "A" }, "CPT", 1, "immunization_admin",
	    NULL, NULL, "procedure", "AMA" },
	{ 5, { DIG, DIG, DIG, DIG, "M" }, "CPT", 1, "maaa", NULL, NULL,
	    "procedure", "AMA" },
	{ 5, { "ABCEGHJKLMPQRSTUV", DIG, DIG, DIG, DIG }, "HCPCS", 2, NULL,
	    NULL, REFINED, "procedure", "CMS" },
	{ 5, { "D", DIG, DIG, DIG, DIG }, "CDT", 2, NULL, NULL, "dental",
	    "procedure", "ADA" },
	{ 5, { "WXYZ", DIG, DIG, DIG, DIG }, "HCPCS", 3, NULL, NULL, "local",
	    "procedure", "local" },
	{ 5, { "FINO", DIG, DIG, DIG, DIG }, "HCPCS", 2, NULL, NULL,
	    "unassigned", "procedure", "CMS" },
	{ 2, { DIG, DIG }, "CPT", 1, "I", NULL, "cpt_modifier", "modifier",
	    "AMA" },
	{ 2, { DIG, ALPHA }, "CPT", 1, "II", NULL, "cpt_modifier",
	    "modifier", "AMA" },
	{ 2, { "P", "123456" }, "CPT", 1, NULL, NULL,
	    "anesthesia_physical_status", "modifier", "AMA" },
	{ 2, { ALPHA, ALNUM }, "HCPCS", 2, NULL, NULL, "level2_modifier",
	    "modifier", "CMS" },
};

static int
ref_streq(const char *got, const char *want)
{
	if (want == REFINED)
		return 1;
	return got == NULL || want == NULL ? got == want :
	    strcmp(got, want) == 0;
}

/* 1 when classify_code agrees with the reference on s[0 .. len). */
static int
ref_agrees(const char *s, size_t len)
{
	struct classify	 c;
	char		 code[8];
	size_t		 b = 0, e = len, n, i, k;
	int		 rc;

	rc = classify_code(s, len, &c);
	while (b < e && (s[b] == ' ' || s[b] == '\t'))
		b++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	n = e - b;
	for (i = 0; n >= 1 && n <= 5 && i < n; i++)
		code[i] = s[b + i] >= 'a' && s[b + i] <= 'z' ?
		    (char)(s[b + i] - 'a' + 'A') : s[b + i];
	for (k = 0; n >= 1 && n <= 5 && k < sizeof(ref_rows) /
	    sizeof(ref_rows[0]); k++) {
		if (ref_rows[k].len != n)
			continue;
		for (i = 0; i < n; i++)
			if (code[i] == '\0' ||
			    strchr(ref_rows[k].pos[i], code[i]) == NULL)
				break;
		if (i < n)
			continue;
		code[n] = '\0';
		return rc == 0 && strcmp(c.code, code) == 0 &&
		    ref_streq(c.system, ref_rows[k].system) &&
		    c.level == ref_rows[k].level &&
		    ref_streq(c.category, ref_rows[k].category) &&
		    ref_streq(c.section, ref_rows[k].section) &&
		    ref_streq(c.group, ref_rows[k].group) &&
		    ref_streq(c.kind, ref_rows[k].kind) &&
		    ref_streq(c.maintainer, ref_rows[k].maintainer);
	}
	return rc == -1 && c.code[0] == '\0' && c.system == NULL &&
	    c.level == 0;
}

/*
 * Every string of 1 to 5 characters over an alphabet holding each
 * kind of byte the rows tell apart (digits, letters of every row,
 * lower case, blanks, NUL, punctuation, a byte of UTF-8), every pair
 * of bytes, and each position of three five-character shapes through
 * all 256 bytes.
 */
static void
test_reference(void)
{
	static const char alpha[] = "0159ADFIMPTUWZajp \t-\xc9";
	static const char *const shapes[] = { "12345", "A1234", "1234F" };
	const size_t	 na = sizeof(alpha);	/* with its NUL */
	char		 buf[5];
	size_t		 len, i, k, idx[5];
	unsigned long	 bad = 0, n = 0;

	for (len = 1; len <= 5; len++) {
		memset(idx, 0, sizeof(idx));
		for (;;) {
			for (i = 0; i < len; i++)
				buf[i] = alpha[idx[i]];
			bad += !ref_agrees(buf, len);
			n++;
			for (i = 0; i < len && ++idx[i] == na; i++)
				idx[i] = 0;
			if (i == len)
				break;
		}
	}
	for (i = 0; i < 256 * 256; i++) {
		buf[0] = (char)(i >> 8);
		buf[1] = (char)(i & 0xff);
		bad += !ref_agrees(buf, 2);
		n++;
	}
	for (k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
		for (i = 0; i < 5 * 256; i++) {
			memcpy(buf, shapes[k], 5);
			buf[i / 256] = (char)(i % 256);
			bad += !ref_agrees(buf, 5);
			n++;
		}
	t_checks++;
	if (bad != 0)
		t_fail(__FILE__, __LINE__, "%lu of %lu strings classify "
		    "unlike the row-by-row reference", bad, n);
	T_OK(n > 4000000);
}

int
main(void)
{
	struct classify	c;

	test_sections();
	test_cpt_shapes();
	test_level2_letters();
	test_modifiers();
	test_normalise();
	test_rejects();
	test_reference();
	T_EQ_INT(classify_code(NULL, 0, &c), -1);
	return t_done();
}
