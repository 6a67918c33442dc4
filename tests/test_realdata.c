/*
 * test_realdata.c: the ANWEB loader on the real CMS 2019 and 2020
 * annual files (shared/data/hcpcs, see its SOURCE.md), checked against
 * the counts SOURCE.md gives and against real records field for field.
 * The files are never copied into the repository: the test skips when
 * they are absent.  Expected values below were read out of the files
 * once and are written here as literals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "record.h"
#include "t.h"

#define F2019	"HCPC2019_CONTR_ANWEB.txt"
#define F2020	"HCPC2020_ANWEB_w_disclaimer.txt"

/* What one real record must hold; NULL / 0 means blank. */
struct want {
	const char	*code;
	enum record_kind kind;
	const char	*short_desc;
	const char	*long_desc;
	const char	*pricing0;
	const char	*mult_pricing;
	const char	*coverage;
	const char	*betos;
	const char	*tos0;
	const char	*tos1;
	uint32_t	 added;
	uint32_t	 effective;
	uint32_t	 terminated;
	const char	*action;
	const char	*xref0;
	const char	*cim0;
	const char	*mcm0;
	int		 anesthesia_units;
};

/* The longest record: 17 lines, 1,251 chars, in 2019 and 2020. */
static const char g0503_long[] =
	    "Subsequent psychiatric collaborative care management, first 60"
	    " minutes in a subsequent month of behavioral health care manag"
	    "er activities, in consultation with a psychiatric consultant, "
	    "and directed by the treating physician or other qualified heal"
	    "th care professional, with the following required elements: tr"
	    "acking patient follow-up and progress using the registry, with"
	    " appropriate documentation;  participation in weekly caseload "
	    "consultation with the psychiatric consultant;  ongoing collabo"
	    "ration with and coordination of the patient's mental health ca"
	    "re with the treating physician or other qualified health care "
	    "professional and any other treating mental health providers; a"
	    "dditional review of progress and recommendations for changes i"
	    "n treatment, as indicated, including medications, based on rec"
	    "ommendations provided by the psychiatric consultant;  provisio"
	    "n of brief interventions using evidence-based techniques such "
	    "as behavioral activation, motivational interviewing, and other"
	    " focused treatment strategies;  monitoring of patient outcomes"
	    " using validated rating scales; and relapse prevention plannin"
	    "g with patients as they achieve remission of symptoms and/or o"
	    "ther treatment goals and are prepared for discharge from activ"
	    "e treatment";

/* A continuation piece starting with a blank: "management  visit". */
static const char g0501_long[] =
	    "Resource-intensive services for patients for whom the use of s"
	    "pecialized mobility-assistive technology (such as adjustable h"
	    "eight chairs or tables, patient lift, and adjustable padded le"
	    "g supports) is medically necessary and used during the provisi"
	    "on of an office/outpatient, evaluation and management  visit ("
	    "list separately in addition to primary service)";

/* The other one: "payment for  ocm". */
static const char g9678_long[] =
	    "Oncology care model (ocm) monthly enhanced oncology services ("
	    "meos) payment for  ocm enhanced services.  g9678 payments may "
	    "only be made to ocm practitioners for ocm beneficiaries for th"
	    "e furnishment of enhanced services as defined in the ocm parti"
	    "cipation agreement";

/* Its second line is 316 columns in 2019 (line 4461). */
static const char g8891_long[] =
	    "Documentation of medical reason(s) for most recent ldl-c not u"
	    "nder control (e.g., patients with palliative goals for whom tr"
	    "eatment of hypertension with standard treatment goals is not c"
	    "linically appropriate)";

static const char a5513_long[] =
	    "For diabetics only, multiple density insert, custom molded fro"
	    "m model of patient's foot, total contact with patient's foot, "
	    "including arch, base layer minimum of 3/16 inch material of sh"
	    "ore a 35 durometer (or higher), includes arch filler and other"
	    " shaping material, custom fabricated, each";

/* Records the same in both files. */
static const struct want both[] = {
	{ "G0503", RECORD_PROCEDURE, "Subseq  psych care man,60mi",
	    g0503_long, "13", "A", "C", "M5D", "1", NULL,
	    20170101, 20180101, 20171231, "N", "99493", NULL, NULL, 0 },
	{ "G0501", RECORD_PROCEDURE, "Resource-inten svc during ov",
	    g0501_long, "13", "A", "C", "M5D", "1", NULL,
	    20170101, 20170101, 0, "N", NULL, NULL, NULL, 0 },
	{ "G9678", RECORD_PROCEDURE, "Oncology care model service",
	    g9678_long, "00", "9", "C", "Z2", "1", NULL,
	    20160401, 20160401, 0, "N", NULL, NULL, NULL, 0 },
	{ "G8891", RECORD_PROCEDURE, "Doc med reas no ldl-c contrl",
	    g8891_long, "00", "9", "C", "M5B", "1", NULL,
	    20120101, 20150101, 20141231, "N", NULL, NULL, NULL, 0 },
	{ "A0021", RECORD_PROCEDURE, "Outside state ambulance serv",
	    "Ambulance service, outside state per mile, transport (medicaid "
	    "only)", "00", "9", "I", "O1A", "D", NULL,
	    19850101, 19960910, 0, "N", "A0030", NULL, NULL, 0 },
	{ "J1100", RECORD_PROCEDURE, "Dexamethasone sodium phos",
	    "Injection, dexamethasone sodium phosphate, 1 mg", "51", "A", "D",
	    "O1E", "1", "P", 19820101, 20010101, 0, "N", NULL, NULL, "2049",
	    0 },
	/* ADD DT later than ACT EFF DT. */
	{ "E0910", RECORD_PROCEDURE, "Trapeze bar attached to bed",
	    "Trapeze bars, a/k/a patient helper, attached to bed, with grab "
	    "bar", "36", "A", "D", "D1E", "R", NULL,
	    19860101, 19840101, 0, "N", NULL, "60-9", NULL, 0 },
	{ "LT", RECORD_MODIFIER, "Left side",
	    "Left side (used to identify procedures performed on the left "
	    "side of the body)", NULL, NULL, "C", NULL, NULL, NULL,
	    19840101, 19970101, 0, "N", NULL, NULL, NULL, -1 },
	{ "GA", RECORD_MODIFIER, "Liability waiver ind case",
	    "Waiver of liability statement issued as required by payer "
	    "policy, individual case", NULL, NULL, "C", NULL, NULL, NULL,
	    19950101, 20110101, 0, "N", NULL, NULL, NULL, -1 },
};

static const struct want only2019[] = {
	/* The one blank ACT EFF DT of 2019. */
	{ "A5513", RECORD_PROCEDURE, "Multi den insert custom mold",
	    a5513_long, "38", "A", "D", "D1F", "J", NULL,
	    20060101, 0, 0, "B", NULL, NULL, "2134", 0 },
	{ "ZA", RECORD_MODIFIER, "Novartis/sandoz", "Novartis/sandoz",
	    NULL, NULL, "C", NULL, NULL, NULL,
	    20160101, 20180401, 20180331, "D", NULL, NULL, NULL, -1 },
};

static const struct want only2020[] = {
	{ "A5513", RECORD_PROCEDURE, "Multi den insert custom mold",
	    a5513_long, "38", "A", "D", "D1F", "J", NULL,
	    20060101, 20190101, 0, "N", NULL, NULL, "2134", 0 },
	{ "ZA", RECORD_MODIFIER, "Novartis/sandoz", "Novartis/sandoz",
	    NULL, NULL, "C", NULL, NULL, NULL,
	    20160101, 20180401, 20180331, "N", NULL, NULL, NULL, -1 },
	/* Missing from the 2019 file. */
	{ "DA", RECORD_MODIFIER, "Oral health assess, not dent",
	    "Oral health assessment by a licensed health professional other "
	    "than a dentist", NULL, NULL, "C", NULL, NULL, NULL,
	    20110101, 20110101, 0, "N", NULL, NULL, NULL, -1 },
};

/* What a whole file must add up to (SOURCE.md, "Record counts"). */
struct totals {
	size_t		 procedures, modifiers;
	size_t		 term_procedures, term_modifiers;
	size_t		 blank_effective;
	size_t		 skipped;
	size_t		 asc_yy;
	const char	*actions;	/* action letters, most frequent first */
	size_t		 action_counts[8];
	size_t		 short_lines;	/* continuations under 320 columns */
	size_t		 first_blank_effective;	/* its line */
	size_t		 first_short_line;	/* 2019: G8891's 316 */
};

static const struct totals totals2019 = {
	6440, 360, 506, 9, 1, 8, 452,
	"NACDPSBF", { 6372, 228, 94, 49, 47, 8, 1, 1 }, 1, 1021,
	4461
};

static const struct totals totals2020 = {
	6710, 369, 605, 10, 115, 9, 493,
	"NADCPS", { 6648, 250, 99, 70, 10, 2 }, 5280, 568, 21
};

/* FNV-1a, to pin G0503's text independently of the literal above. */
static uint32_t
fnv1a(const char *s)
{
	uint32_t	h = 0x811c9dc5;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x01000193;
	}
	return h;
}

static void
check_record(const struct record_set *set, const struct want *w,
    const char *year)
{
	const struct record *r;

	if ((r = t_find(set, w->code)) == NULL) {
		t_checks++;
		t_fail(__FILE__, __LINE__, "%s: %s missing", year, w->code);
		return;
	}
	T_EQ_INT(r->kind, w->kind);
	T_EQ_STR(r->short_desc, w->short_desc);
	T_EQ_STR(r->long_desc, w->long_desc);
	T_EQ_STR(r->medium_desc, NULL);
	T_EQ_STR(r->pricing[0], w->pricing0);
	T_EQ_STR(r->pricing[1], NULL);
	T_EQ_STR(r->mult_pricing, w->mult_pricing);
	T_EQ_STR(r->coverage, w->coverage);
	T_EQ_STR(r->betos, w->betos);
	T_EQ_STR(r->tos[0], w->tos0);
	T_EQ_STR(r->tos[1], w->tos1);
	T_EQ_INT(r->added, w->added);
	T_EQ_INT(r->effective, w->effective);
	T_EQ_INT(r->terminated, w->terminated);
	T_EQ_STR(r->action, w->action);
	T_EQ_STR(r->xref[0], w->xref0);
	T_EQ_STR(r->cim[0], w->cim0);
	T_EQ_STR(r->mcm[0], w->mcm0);
	T_EQ_INT(r->anesthesia_units, w->anesthesia_units);
	T_EQ_STR(r->asc_group, NULL);
	T_EQ_STR(r->opps, NULL);
	T_EQ_INT(r->nraw, 0);
}

static void
check_totals(const struct record_set *set, const struct totals *t)
{
	size_t	 tp = 0, tm = 0, blank = 0, yy = 0, other = 0, i;
	size_t	 acts[8] = { 0 };
	const char *p;

	T_EQ_INT(set->nrecs, t->procedures + t->modifiers);
	T_EQ_INT(set->stats.procedures, t->procedures);
	T_EQ_INT(set->stats.modifiers, t->modifiers);
	T_EQ_INT(set->stats.skipped_lines, t->skipped);
	T_EQ_INT(set->stats.orphan_lines, 0);
	T_EQ_INT(set->stats.bad_dates, 0);
	T_EQ_INT(set->stats.bad_values, 0);
	T_EQ_INT(set->stats.duplicates, 0);
	/* The quirks the gate lets through, counted (formats.md 8.4). */
	T_EQ_INT(set->stats.quirks[RQ_PREAMBLE].n, t->skipped);
	T_EQ_INT(set->stats.quirks[RQ_PREAMBLE].first[0].line, 1);
	T_EQ_INT(set->stats.quirks[RQ_BLANK_LINES].n, 0);
	T_EQ_INT(set->stats.quirks[RQ_BLANK_DATES].n, t->blank_effective);
	T_EQ_INT(set->stats.quirks[RQ_SHORT_LINES].n, t->short_lines);
	T_EQ_INT(set->stats.quirks[RQ_UNKNOWN_VALUES].n, 0);
	T_EQ_INT(set->stats.quirks[RQ_BAD_DATES].n, 0);
	T_EQ_INT(set->stats.quirks[RQ_NO_LINE_END].n, 0);
	T_EQ_INT(set->stats.quirks[RQ_BLANK_DATES].first[0].line,
	    t->first_blank_effective);
	T_EQ_INT(set->stats.quirks[RQ_SHORT_LINES].first[0].line,
	    t->first_short_line);
	for (i = 0; i < set->nrecs; i++) {
		const struct record *r = &set->recs[i];

		if (r->terminated != 0) {
			if (r->kind == RECORD_MODIFIER)
				tm++;
			else
				tp++;
		}
		if (r->effective == 0)
			blank++;
		if (r->asc_group != NULL && strcmp(r->asc_group, "YY") == 0)
			yy++;
		if (r->action != NULL && r->action[1] == '\0' &&
		    (p = strchr(t->actions, r->action[0])) != NULL)
			acts[p - t->actions]++;
		else
			other++;
	}
	T_EQ_INT(tp, t->term_procedures);
	T_EQ_INT(tm, t->term_modifiers);
	T_EQ_INT(blank, t->blank_effective);
	T_EQ_INT(yy, t->asc_yy);
	T_EQ_INT(other, 0);
	for (i = 0; i < strlen(t->actions); i++)
		T_EQ_INT(acts[i], t->action_counts[i]);
}

static int
load(const char *dir, const char *file, struct record_set *set)
{
	struct record_err err;
	char		 path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	record_set_init(set);
	err.msg[0] = '\0';
	if (load_anweb(path, 0, set, &err) == -1) {
		t_checks++;
		t_fail(__FILE__, __LINE__, "load_anweb: %s", err.msg);
		return -1;
	}
	return 0;
}

static void
test_2019(const char *dir)
{
	struct record_set set;
	const struct record *r;
	size_t	 i;

	if (load(dir, F2019, &set) == -1)
		return;
	check_totals(&set, &totals2019);
	for (i = 0; i < sizeof(both) / sizeof(both[0]); i++)
		check_record(&set, &both[i], "2019");
	for (i = 0; i < sizeof(only2019) / sizeof(only2019[0]); i++)
		check_record(&set, &only2019[i], "2019");
	T_OK(t_find(&set, "DA") == NULL);
	if ((r = t_find(&set, "G0503")) != NULL) {
		T_EQ_INT(strlen(r->long_desc), 1251);
		T_EQ_INT(strncmp(r->long_desc, "Subsequent psychiatric "
		    "collaborative care management, first ", 60), 0);
		T_EQ_STR(r->long_desc + 1251 - 60, "t goals and are prepared "
		    "for discharge from active treatment");
		T_EQ_INT(fnv1a(r->long_desc), 0xa28a5cd5);
	}
	/* Modifiers come first, from A1; procedures from A0021. */
	T_EQ_STR(set.recs[0].code, "A1");
	T_EQ_STR(set.recs[360].code, "A0021");
	record_set_free(&set);
}

static void
test_2020(const char *dir)
{
	struct record_set set;
	size_t	 i;

	if (load(dir, F2020, &set) == -1)
		return;
	check_totals(&set, &totals2020);
	for (i = 0; i < sizeof(both) / sizeof(both[0]); i++)
		check_record(&set, &both[i], "2020");
	for (i = 0; i < sizeof(only2020) / sizeof(only2020[0]); i++)
		check_record(&set, &only2020[i], "2020");
	record_set_free(&set);
}

int
main(void)
{
	const char	*dir;
	char		 path[1024];
	FILE		*fp;

	if ((dir = t_shared_data()) == NULL)
		t_skip_realdata("the 2019 and 2020 CMS files");
	snprintf(path, sizeof(path), "%s/%s", dir, F2019);
	if ((fp = fopen(path, "rb")) == NULL)
		t_skip_realdata(F2019);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/%s", dir, F2020);
	if ((fp = fopen(path, "rb")) == NULL)
		t_skip_realdata(F2020);
	fclose(fp);
	test_2019(dir);
	test_2020(dir);
	return t_done();
}
