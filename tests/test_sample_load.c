/*
 * test_sample_load.c: conf/sample.yaml parses, and every set it names in
 * data/sample (written by tools/gensample.py) loads with the counts and
 * values the generator put there: the hcpcs set's two releases each
 * through load_anweb, with what the 2026 one changes, the others through
 * load_files.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "load.h"
#include "record.h"
#include "t.h"

/* Both releases: the same content but for what 2026 changes. */
static void
check_hcpcs(const struct record_set *set, int y2026)
{
	const struct record	*r;
	size_t			 i, term = 0;

	T_EQ_INT(set->nrecs, y2026 ? 202 : 201);
	T_EQ_INT(set->stats.procedures, y2026 ? 187 : 186);
	T_EQ_INT(set->stats.modifiers, 15);
	T_EQ_INT(set->stats.bad_dates, 0);
	T_EQ_INT(set->stats.orphan_lines, 0);
	for (i = 0; i < set->nrecs; i++)
		if (set->recs[i].terminated != 0)
			term++;
	T_EQ_INT(term, y2026 ? 8 : 7);
	/* README's tour: G0503 ends on 2025-12-31, G0504 follows it. */
	T_OK((r = t_find(set, "G0503")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, "Remote sample monitoring of synthetic "
		    "physiologic data, initial device setup");
		T_EQ_INT(r->added, 20200101);
		T_EQ_INT(r->terminated, y2026 ? 20251231 : 0);
		T_EQ_INT(r->effective, y2026 ? 20260101 : 20200101);
		T_EQ_STR(r->action, y2026 ? "D" : "N");
		if (y2026)
			T_EQ_STR(r->xref[0], "G0504");
		else
			T_OK(r->xref[0] == NULL);
	}
	r = t_find(set, "G0504");
	if (y2026) {
		T_OK(r != NULL);
		if (r != NULL) {
			T_EQ_STR(r->short_desc, "Sample rem monitor set/edu");
			T_EQ_INT(r->added, 20260101);
			T_EQ_INT(r->terminated, 0);
			T_EQ_STR(r->action, "A");
		}
	} else
		T_OK(r == NULL);
	T_OK((r = t_find(set, "E0143")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, y2026 ?
		    "Wheelchair, sample lightweight folding frame, pediatric "
		    "size, with swing-away footrests" :
		    "Wheelchair, sample lightweight folding frame, pediatric "
		    "size");
		T_EQ_STR(r->action, y2026 ? "C" : "N");
	}
	T_OK((r = t_find(set, "J1100")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc, "Injection, examplumab, 1 mg");
		T_EQ_INT(r->terminated, 0);
	}
	T_OK((r = t_find(set, "A0021")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->long_desc,
		    "Ambulance service, sample ground transport, per trip");
		T_EQ_STR(r->short_desc, "Amb sample ground trip");
		T_EQ_STR(r->pricing[0], "52");
		T_EQ_STR(r->betos, "O1A");
		T_EQ_STR(r->tos[0], "D");
		T_EQ_STR(r->proc_note, "0021");
		T_EQ_INT(r->anesthesia_units, 0);
	}
	/* Five description lines, joined with one blank. */
	T_OK((r = t_find(set, "G0501")) != NULL);
	if (r != NULL && r->long_desc != NULL) {
		T_EQ_INT(strlen(r->long_desc), 371);
		T_OK(strncmp(r->long_desc, "Comprehensive synthetic care "
		    "management service for a sample beneficiary", 72) == 0);
		T_OK(strcmp(r->long_desc + 371 - 45,
		    "sample clinical staff time per calendar month") == 0);
		T_EQ_STR(r->short_desc, "Sample chronic care mgmt");
	}
	T_OK((r = t_find(set, "ZA")) != NULL);
	if (r != NULL) {
		T_EQ_INT(r->kind, RECORD_MODIFIER);
		T_EQ_INT(r->terminated, 20180331);
		T_EQ_INT(r->effective, 20180401);
		T_EQ_STR(r->action, "D");
	}
	T_OK((r = t_find(set, "E0100")) != NULL);
	if (r != NULL) {
		T_EQ_STR(r->tos[0], "P");
		T_EQ_STR(r->tos[1], "R");
		T_EQ_STR(r->cim[0], "60-9");
		T_EQ_STR(r->mcm[0], "2100.1");
	}
}

/* The hcpcs set: two releases, 2025-01-01 and 2026-01-01, in order. */
static void
check_releases(const struct conf_set *cs)
{
	static const uint32_t	 eff[] = { 20250101, 20260101 };
	struct record_set	 set;
	struct record_err	 err;
	size_t			 j;

	T_EQ_INT(cs->format, CONF_FMT_CMS_ANWEB);
	T_EQ_INT(cs->nreleases, 2);
	for (j = 0; j < cs->nreleases && j < 2; j++) {
		T_EQ_INT(cs->releases[j].effective, eff[j]);
		T_EQ_INT(cs->releases[j].effective_auto, 0);
		record_set_init(&set);
		memset(&err, 0, sizeof(err));
		t_checks++;
		if (load_anweb(cs->releases[j].path, 0, &set, &err) == -1)
			t_fail(__FILE__, __LINE__, "%s: %s",
			    cs->releases[j].path, err.msg);
		else
			check_hcpcs(&set, j == 1);
		record_set_free(&set);
	}
}

int
main(void)
{
	struct conf		*c;
	struct record_set	 set;
	struct record_err	 err;
	const struct record	*r;
	char			 cerr[512];
	size_t			 i;

	if ((c = conf_load("conf/sample.yaml", cerr, sizeof(cerr))) == NULL) {
		t_fail(__FILE__, __LINE__, "conf/sample.yaml: %s", cerr);
		return t_done();
	}
	/* No fixed name in /tmp: make run gives hcpcsd -s (Makefile). */
	T_EQ_STR(c->socket, "/run/hcpcsd/hcpcsd.sock");
	T_EQ_INT(c->nsets, 3);
	for (i = 0; i < c->nsets; i++) {
		const struct conf_set *cs = &c->sets[i];

		if (strcmp(cs->name, "hcpcs") == 0) {
			check_releases(cs);
			continue;
		}
		record_set_init(&set);
		memset(&err, 0, sizeof(err));
		t_checks++;
		if (load_files(cs, &cs->releases[0], &set, &err) == -1) {
			t_fail(__FILE__, __LINE__, "%s: %s", cs->name, err.msg);
			record_set_free(&set);
			continue;
		}
		if (strcmp(cs->name, "cpt") == 0) {
			T_EQ_INT(cs->format, CONF_FMT_AMA_CPT);
			T_EQ_INT(set.stats.procedures, 72);
			T_OK((r = t_find(&set, "0001U")) != NULL);
			if (r != NULL)
				T_EQ_STR(r->medium_desc,
				    "SYNTHETIC PROPRIETARY LAB ANALYSIS 0001U");
		} else if (strcmp(cs->name, "local") == 0) {
			T_EQ_INT(cs->format, CONF_FMT_DELIMITED);
			T_EQ_INT(set.stats.procedures, 10);
			T_OK((r = t_find(&set, "W1006")) != NULL);
			if (r != NULL) {
				T_EQ_STR(r->long_desc, "Screening, sample "
				    "school program, \"brief\", each");
				T_EQ_STR(r->betos, "Z1");
			}
		} else
			t_fail(__FILE__, __LINE__, "unexpected set %s",
			    cs->name);
		record_set_free(&set);
	}
	conf_free(c);
	return t_done();
}
