/*
 * classify.c: tell what a code is from its shape alone.  The rows below
 * transcribe docs/formats.md section 3 in order (first match wins),
 * section 4.2 (CPT Category I sections) and section 5 (Level II letters).  No
 * data is consulted: a code of a known shape classifies even when no
 * loaded set holds it, because existence comes only from snapshots.
 *
 * The shape is told in one pass: normalising notes which positions are
 * digits, and that mask with at most one byte-table look-up names the
 * row (a first match over the rows by strchr cost ~100 ns a code).
 * tests/test_classify.c keeps the row-by-row matcher as the reference
 * and checks the two agree on every short string of a wide alphabet.
 *
 * This module normalises on its own rather than through record.c so it
 * can be used (and tested) without the record layer.
 *
 * Every group id this file can return:
 *
 * group                          applies to
 * ambulance_transport            A0xxx
 * transport_supplies             A1xxx-A3xxx (A with no finer range)
 * medical_surgical_supplies      A4xxx-A8xxx
 * miscellaneous_investigational  A9xxx
 * enteral_parenteral             Bxxxx
 * outpatient_pps                 Cxxxx (temporary codes for hospital OPPS)
 * dental                         Dxxxx (CDT, ADA)
 * dme                            Exxxx (durable medical equipment)
 * professional_services          Gxxxx
 * behavioral_health              Hxxxx
 * drugs                          J0xxx-J8xxx
 * chemotherapy_drugs             J9xxx
 * dme_mac_temporary              Kxxxx
 * orthotics                      L0xxx-L4xxx
 * prosthetics                    L5xxx-L9xxx
 * medical_services               Mxxxx
 * pathology_laboratory           Pxxxx
 * temporary                      Qxxxx
 * diagnostic_radiology           Rxxxx
 * private_payer_temporary        Sxxxx
 * state_medicaid                 Txxxx
 * coronavirus_lab                Uxxxx
 * vision                         V2xxx
 * hearing_speech                 V5xxx
 * vision_hearing                 other Vxxxx
 * unassigned                     Fxxxx, Ixxxx, Nxxxx, Oxxxx
 * local                          Wxxxx-Zxxxx (former Level III)
 * cpt_modifier                   NN (Category I), N[A-Z] (Category II)
 * anesthesia_physical_status     P1-P6
 * level2_modifier                every other [A-Z][0-9A-Z]
 *
 * P1-P6 are printed by the AMA (MODUL.txt, "Anesthesia Physical Status")
 * and also carried as records in the CMS file; they are reported as CPT
 * Level I, maintained by the AMA, with no CPT category because they are
 * neither numeric Category I nor Category II modifiers.  Former local
 * modifiers (WA-ZY) are not told apart: X1-X5, XE, XP, XS, XU, ZA-ZC and
 * DA are national today, so every letter-first modifier is Level II.
 */
#include <stddef.h>
#include <string.h>

#include "classify.h"

/*
 * The rows of docs/formats.md section 3, named; classify_code picks one
 * from the code's shape (which positions are digits) and, where rows of
 * one shape differ by a letter, from that letter through the byte
 * tables below.  0 is no row.
 */
enum classify_rowid {
	CLASSIFY_NONE,
	CLASSIFY_CPT_I,		/* NNNNN */
	CLASSIFY_CPT_II,	/* NNNNF */
	CLASSIFY_CPT_III,	/* NNNNT */
	CLASSIFY_CPT_PLA,	/* NNNNU */
	CLASSIFY_CPT_IMM,	/* NNNNA */
	CLASSIFY_CPT_MAAA,	/* NNNNM */
	CLASSIFY_HCPCS,		/* [A-C,E,G,H,J-M,P-V]NNNN */
	CLASSIFY_CDT,		/* DNNNN */
	CLASSIFY_LOCAL,		/* [WXYZ]NNNN */
	CLASSIFY_UNASSIGNED,	/* [FINO]NNNN */
	CLASSIFY_MOD_I,		/* NN */
	CLASSIFY_MOD_II,	/* N[A-Z] */
	CLASSIFY_MOD_PS,	/* P[1-6] */
	CLASSIFY_MOD_L2,	/* [A-Z][0-9A-Z] */
	CLASSIFY_NROWS
};

/* How a row refines its static fields once matched. */
enum classify_refine {
	CLASSIFY_REF_NONE,
	CLASSIFY_REF_SECTION,	/* CPT Category I: section by number */
	CLASSIFY_REF_GROUP	/* Level II: group by letter and digit */
};

struct classify_row {
	const char	*system;
	int		 level;
	const char	*category;
	const char	*section;
	const char	*group;
	const char	*kind;
	const char	*maintainer;
	enum classify_refine refine;
};

#define PROC	"procedure"
#define MOD	"modifier"

/* docs/formats.md section 3, in order. */
static const struct classify_row classify_rows[CLASSIFY_NROWS] = {
	[CLASSIFY_CPT_I] = { "CPT", 1, "I", NULL, NULL, PROC, "AMA",
	    CLASSIFY_REF_SECTION },
	[CLASSIFY_CPT_II] = { "CPT", 1, "II", NULL, NULL, PROC, "AMA",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_CPT_III] = { "CPT", 1, "III", NULL, NULL, PROC, "AMA",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_CPT_PLA] = { "CPT", 1, "PLA", "pathology_laboratory", NULL,
	    PROC, "AMA", CLASSIFY_REF_NONE },
	[CLASSIFY_CPT_IMM] = { "CPT", 1, "immunization_admin", NULL, NULL,
	    PROC, "AMA", CLASSIFY_REF_NONE },
	[CLASSIFY_CPT_MAAA] = { "CPT", 1, "maaa", NULL, NULL, PROC, "AMA",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_HCPCS] = { "HCPCS", 2, NULL, NULL, NULL, PROC, "CMS",
	    CLASSIFY_REF_GROUP },
	[CLASSIFY_CDT] = { "CDT", 2, NULL, NULL, "dental", PROC, "ADA",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_LOCAL] = { "HCPCS", 3, NULL, NULL, "local", PROC, "local",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_UNASSIGNED] = { "HCPCS", 2, NULL, NULL, "unassigned", PROC,
	    "CMS", CLASSIFY_REF_NONE },
	[CLASSIFY_MOD_I] = { "CPT", 1, "I", NULL, "cpt_modifier", MOD, "AMA",
	    CLASSIFY_REF_NONE },
	[CLASSIFY_MOD_II] = { "CPT", 1, "II", NULL, "cpt_modifier", MOD,
	    "AMA", CLASSIFY_REF_NONE },
	[CLASSIFY_MOD_PS] = { "CPT", 1, NULL, NULL,
	    "anesthesia_physical_status", MOD, "AMA", CLASSIFY_REF_NONE },
	[CLASSIFY_MOD_L2] = { "HCPCS", 2, NULL, NULL, "level2_modifier", MOD,
	    "CMS", CLASSIFY_REF_NONE },
};

/* NNNN and a fifth character that is not a digit: the CPT row by it. */
static const unsigned char classify_cpt_suffix[256] = {
	['F'] = CLASSIFY_CPT_II, ['T'] = CLASSIFY_CPT_III,
	['U'] = CLASSIFY_CPT_PLA, ['A'] = CLASSIFY_CPT_IMM,
	['M'] = CLASSIFY_CPT_MAAA,
};

/* A first character, then NNNN: the row by that letter. */
static const unsigned char classify_letter_row[256] = {
	['A'] = CLASSIFY_HCPCS, ['B'] = CLASSIFY_HCPCS,
	['C'] = CLASSIFY_HCPCS, ['D'] = CLASSIFY_CDT,
	['E'] = CLASSIFY_HCPCS, ['F'] = CLASSIFY_UNASSIGNED,
	['G'] = CLASSIFY_HCPCS, ['H'] = CLASSIFY_HCPCS,
	['I'] = CLASSIFY_UNASSIGNED, ['J'] = CLASSIFY_HCPCS,
	['K'] = CLASSIFY_HCPCS, ['L'] = CLASSIFY_HCPCS,
	['M'] = CLASSIFY_HCPCS, ['N'] = CLASSIFY_UNASSIGNED,
	['O'] = CLASSIFY_UNASSIGNED, ['P'] = CLASSIFY_HCPCS,
	['Q'] = CLASSIFY_HCPCS, ['R'] = CLASSIFY_HCPCS,
	['S'] = CLASSIFY_HCPCS, ['T'] = CLASSIFY_HCPCS,
	['U'] = CLASSIFY_HCPCS, ['V'] = CLASSIFY_HCPCS,
	['W'] = CLASSIFY_LOCAL, ['X'] = CLASSIFY_LOCAL,
	['Y'] = CLASSIFY_LOCAL, ['Z'] = CLASSIFY_LOCAL,
};

/*
 * docs/formats.md section 4.2.  The 99xxx block interleaves sections, so its
 * special cases come before the plain ranges; numbers in no range (gaps,
 * deleted starts such as 99201) get no section.
 */
static const struct {
	long		 lo, hi;
	const char	*section;
} classify_sections[] = {
	{ 99100, 99140, "anesthesia" },		/* qualifying circumstances */
	{ 99141, 99199, "medicine" },
	{ 99202, 99499, "evaluation_management" },
	{ 99500, 99607, "medicine" },
	{ 100, 1999, "anesthesia" },
	{ 10004, 69990, "surgery" },
	{ 70010, 79999, "radiology" },
	{ 80047, 89398, "pathology_laboratory" },
	{ 90281, 99099, "medicine" },
};

/* docs/formats.md section 5: one group per letter used by CMS. */
static const struct {
	char		 letter;
	const char	*group;
} classify_letters[] = {
	{ 'A', "transport_supplies" },
	{ 'B', "enteral_parenteral" },
	{ 'C', "outpatient_pps" },
	{ 'E', "dme" },
	{ 'G', "professional_services" },
	{ 'H', "behavioral_health" },
	{ 'J', "drugs" },
	{ 'K', "dme_mac_temporary" },
	{ 'L', "orthotics_prosthetics" },
	{ 'M', "medical_services" },
	{ 'P', "pathology_laboratory" },
	{ 'Q', "temporary" },
	{ 'R', "diagnostic_radiology" },
	{ 'S', "private_payer_temporary" },
	{ 'T', "state_medicaid" },
	{ 'U', "coronavirus_lab" },
	{ 'V', "vision_hearing" },
};

/* Finer groups by the first digit; checked before the letter's group. */
static const struct {
	char		 letter;
	char		 lo, hi;	/* first digit, inclusive */
	const char	*group;
} classify_subgroups[] = {
	{ 'A', '0', '0', "ambulance_transport" },
	{ 'A', '4', '8', "medical_surgical_supplies" },
	{ 'A', '9', '9', "miscellaneous_investigational" },
	{ 'J', '9', '9', "chemotherapy_drugs" },
	{ 'L', '0', '4', "orthotics" },
	{ 'L', '5', '9', "prosthetics" },
	{ 'V', '2', '2', "vision" },
	{ 'V', '5', '5', "hearing_speech" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int
classify_is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Trim and upper-case into out, noting in *digits which positions hold
 * a digit (bit i for out[i]).  Returns the length, or -1 when the
 * trimmed text is empty or longer than any code.  Other bytes are
 * copied as they are and rejected by classify_shape.
 */
static int
classify_normalize(const char *s, size_t len, char out[RECORD_CODE_MAX + 1],
    unsigned *digits)
{
	size_t	i;

	while (len > 0 && classify_is_blank((unsigned char)s[0])) {
		s++;
		len--;
	}
	while (len > 0 && classify_is_blank((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len > RECORD_CODE_MAX)
		return -1;
	*digits = 0;
	for (i = 0; i < len; i++) {
		char	c = s[i];

		out[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
		if (c >= '0' && c <= '9')
			*digits |= 1u << i;
	}
	out[len] = '\0';
	return (int)len;
}

static int
classify_is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

/*
 * The first row of formats.md section 3 that a normalised code of len
 * characters matches, from where its digits are.
 */
static enum classify_rowid
classify_shape(const char *code, size_t len, unsigned digits)
{
	unsigned char	 c0 = (unsigned char)code[0];
	unsigned char	 c1 = (unsigned char)code[1];

	if (len == 5) {
		if (digits == 0x1f)
			return CLASSIFY_CPT_I;
		if (digits == 0x0f)
			return classify_cpt_suffix[(unsigned char)code[4]];
		if (digits == 0x1e)
			return classify_letter_row[c0];
		return CLASSIFY_NONE;
	}
	if (len != 2)
		return CLASSIFY_NONE;
	switch (digits) {
	case 0x3:
		return CLASSIFY_MOD_I;
	case 0x1:
		return classify_is_upper(c1) ? CLASSIFY_MOD_II : CLASSIFY_NONE;
	case 0x2:
		if (c0 == 'P' && c1 >= '1' && c1 <= '6')
			return CLASSIFY_MOD_PS;
		/* FALLTHROUGH */
	case 0x0:
		return classify_is_upper(c0) &&
		    (digits != 0 || classify_is_upper(c1)) ? CLASSIFY_MOD_L2 :
		    CLASSIFY_NONE;
	}
	return CLASSIFY_NONE;
}

static const char *
classify_section(const char *code)
{
	long	n = 0;
	size_t	i;

	for (i = 0; i < 5; i++)
		n = n * 10 + (code[i] - '0');
	for (i = 0; i < NITEMS(classify_sections); i++)
		if (n >= classify_sections[i].lo &&
		    n <= classify_sections[i].hi)
			return classify_sections[i].section;
	return NULL;
}

static const char *
classify_group(const char *code)
{
	size_t	i;

	for (i = 0; i < NITEMS(classify_subgroups); i++)
		if (code[0] == classify_subgroups[i].letter &&
		    code[1] >= classify_subgroups[i].lo &&
		    code[1] <= classify_subgroups[i].hi)
			return classify_subgroups[i].group;
	for (i = 0; i < NITEMS(classify_letters); i++)
		if (code[0] == classify_letters[i].letter)
			return classify_letters[i].group;
	return NULL;
}

int
classify_code(const char *s, size_t len, struct classify *out)
{
	const struct classify_row *row;
	enum classify_rowid id;
	char	 code[RECORD_CODE_MAX + 1];
	unsigned digits;
	int	 n;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -1;
	if ((n = classify_normalize(s, len, code, &digits)) == -1)
		return -1;
	if ((id = classify_shape(code, (size_t)n, digits)) == CLASSIFY_NONE)
		return -1;
	row = &classify_rows[id];
	memcpy(out->code, code, (size_t)n + 1);
	out->system = row->system;
	out->level = row->level;
	out->category = row->category;
	out->section = row->section;
	out->group = row->group;
	out->kind = row->kind;
	out->maintainer = row->maintainer;
	if (row->refine == CLASSIFY_REF_SECTION)
		out->section = classify_section(code);
	else if (row->refine == CLASSIFY_REF_GROUP)
		out->group = classify_group(code);
	return 0;
}
