/*
 * e2e_client.c: the C side of tests/test_e2e.sh.  Drives a running
 * hcpcsd through libhcpcs and checks every method's answers against the
 * synthetic fixture (tests/fixtures/e2e) or, in "real" mode, against the
 * CMS 2020 ANWEB file.  "releases" mode checks a set of two releases
 * (tests/fixtures/e2e/rel_2024q1.txt effective 2024-01-01 and
 * rel_2024q2.txt effective auto, i.e. 2024-04-01); "real2" mode the CMS
 * 2019 and 2020 files as releases effective 2019-01-01 and 2020-01-01.
 *
 * usage: e2e_client socket fixture|real|releases|real2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcpcs.h"
#include "t.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)
/* The daemon is built from the same tree: its version is the library's. */
#define VERSION	STR(HCPCS_VERSION_MAJOR) "." STR(HCPCS_VERSION_MINOR) "." \
	STR(HCPCS_VERSION_PATCH)

static struct hcpcs *c;

static struct hcpcs_query *
query(const char *set, const char *as_of, int limit, int all)
{
	static struct hcpcs_query q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.set = set;
	q.as_of = as_of;
	q.limit = limit;
	q.include_terminated = all;
	return &q;
}

static void
server_error(const char *code)
{
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_SERVER);
	T_EQ_STR(hcpcs_server_error_code(c), code);
	T_OK(hcpcs_server_error_message(c) != NULL &&
	    hcpcs_server_error_message(c)[0] != '\0');
}

static void
fixture_lookup(void)
{
	struct hcpcs_record *r;

	T_EQ_INT(hcpcs_ping(c), 0);

	T_EQ_INT(hcpcs_lookup(c, "g9901", NULL, &r), 1);
	T_EQ_STR(r->code, "G9901");
	T_EQ_STR(r->set, "cms");
	T_EQ_STR(r->kind, "procedure");
	T_EQ_INT(r->level, 2);
	T_EQ_STR(r->short_desc, "Synth care mgmt 20 min");
	T_OK(r->long_desc != NULL && strncmp(r->long_desc,
	    "Synthetic care management services for behavioral health "
	    "conditions, at least 20 minutes of", 91) == 0);
	T_OK(r->long_desc != NULL && strstr(r->long_desc,
	    "and a registry to follow the patient") != NULL);
	T_EQ_INT(r->long_desc != NULL ? strlen(r->long_desc) : 0, 302);
	T_EQ_STR(r->added, "2017-01-01");
	T_EQ_STR(r->effective, "2018-01-01");
	T_EQ_STR(r->terminated, "2017-12-31");
	T_EQ_STR(r->action, "D");
	T_EQ_STR(r->coverage, "C");
	T_EQ_INT(r->npricing, 1);
	T_EQ_STR(r->pricing[0], "11");
	T_EQ_INT(r->nxref, 1);
	T_EQ_STR(r->xref[0], "99493");
	T_EQ_STR(r->betos, "M5D");
	T_EQ_INT(r->anesthesia_units, 0);
	T_EQ_STR(r->status, "terminated");
	T_OK(r->medium_desc == NULL);

	/* as_of judges status: the last valid day is still active. */
	T_EQ_INT(hcpcs_lookup(c, "G9901", query(NULL, "2017-12-31", 0, 0),
	    &r), 1);
	T_EQ_STR(r->status, "active");

	/* The first set holds A9901; the local set has its own. */
	T_EQ_INT(hcpcs_lookup(c, "A9901", NULL, &r), 1);
	T_EQ_STR(r->set, "cms");
	T_EQ_STR(r->short_desc, "Synthetic ambulance mile");
	T_EQ_STR(r->coverage, "I");
	T_EQ_INT(hcpcs_lookup(c, "A9901", query("local", NULL, 0, 0), &r), 1);
	T_EQ_STR(r->set, "local");
	T_EQ_STR(r->short_desc, "Local ambulance mile");
	T_OK(r->effective == NULL);

	/* A quoted CSV field with a comma, and a two-column TOS list. */
	T_EQ_INT(hcpcs_lookup(c, "X9901", NULL, &r), 1);
	T_EQ_STR(r->long_desc, "Local \"quoted\" widget, with a comma");
	T_EQ_INT(r->ntos, 2);
	T_EQ_STR(r->tos[0], "9");
	T_EQ_STR(r->tos[1], "1");

	/* The malformed ASC date is kept raw. */
	T_EQ_INT(hcpcs_lookup(c, "E9901", NULL, &r), 1);
	T_EQ_STR(r->asc_group, "20");
	T_OK(r->asc_date == NULL);
	T_EQ_INT(r->nraw, 1);
	T_EQ_STR(r->raw_keys[0], "asc_date");
	T_EQ_STR(r->raw_values[0], "170401");
	T_EQ_INT(r->ntos, 2);
	T_EQ_STR(r->tos[1], "P");

	T_EQ_INT(hcpcs_lookup(c, "ZX", NULL, &r), 1);
	T_EQ_STR(r->kind, "modifier");
	T_EQ_INT(r->anesthesia_units, -1);

	T_EQ_INT(hcpcs_lookup(c, "A9902", NULL, &r), 0);
	T_OK(r == NULL);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	T_EQ_INT(hcpcs_lookup(c, "X9901", query("cms", NULL, 0, 0), &r), 0);

	T_EQ_INT(hcpcs_lookup(c, "nope1", NULL, &r), -1);
	server_error("invalid_code");
	T_EQ_INT(hcpcs_lookup(c, "A9901", query("nope", NULL, 0, 0), &r), -1);
	server_error("bad_request");
	T_EQ_INT(hcpcs_lookup(c, "A9901", query(NULL, "2019-02-30", 0, 0),
	    &r), -1);
	server_error("bad_request");
	/* Server errors are not sticky. */
	T_EQ_INT(hcpcs_ping(c), 0);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
}

static void
fixture_lookup_many(void)
{
	static const char *const codes[] = { "ZX", "A9902", "nope1", "J9901" };
	struct hcpcs_record **recs;

	T_EQ_INT(hcpcs_lookup_many(c, codes, 4, NULL, &recs), 2);
	T_OK(recs[0] != NULL && strcmp(recs[0]->code, "ZX") == 0);
	T_OK(recs[1] == NULL);
	T_OK(recs[2] == NULL);
	T_OK(recs[3] != NULL);
	if (recs[3] != NULL) {
		T_EQ_STR(recs[3]->statute, "1861S2B");
		T_EQ_INT(recs[3]->ncim, 1);
		T_EQ_STR(recs[3]->cim[0], "60-14");
		T_EQ_STR(recs[3]->mcm[0], "2049");
		T_EQ_STR(recs[3]->mult_pricing, "A");
	}
	T_EQ_INT(hcpcs_lookup_many(c, codes, 4, query("local", NULL, 0, 0),
	    &recs), 0);
}

static void
fixture_validate(void)
{
	struct hcpcs_validation *v;

	T_EQ_INT(hcpcs_validate(c, "G9901", "2017-12-31", NULL, &v), 1);
	T_EQ_STR(v->reason, "ok");
	T_EQ_STR(v->status, "active");
	T_EQ_INT(hcpcs_validate(c, "g9901", "2018-01-01", NULL, &v), 0);
	T_EQ_INT(v->valid, 0);
	T_EQ_STR(v->code, "G9901");
	T_EQ_STR(v->reason, "terminated");
	T_EQ_STR(v->status, "terminated");
	T_EQ_STR(v->set, "cms");
	T_EQ_INT(hcpcs_validate(c, "K9901", "2024-01-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "not_yet_effective");
	T_EQ_INT(hcpcs_validate(c, "K9901", "2025-07-01", NULL, NULL), 1);
	T_EQ_INT(hcpcs_validate(c, "A9902", "2019-01-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "not_found");
	T_OK(v->status == NULL);
	T_OK(v->set == NULL);
	T_OK(v->message == NULL);
	/* No set holds CPT codes (cms is Level II, local Level III). */
	T_EQ_INT(hcpcs_validate(c, "99213", "2019-01-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "no_set_for_code");
	T_EQ_STR(v->message, "no loaded set holds CPT codes");
	T_OK(v->set == NULL);
	T_EQ_INT(hcpcs_validate(c, "Y9902", "2019-01-01",
	    query("local", "2000-01-01", 0, 0), &v), 0);
	T_EQ_STR(v->reason, "terminated");
	T_EQ_STR(v->set, "local");
	T_EQ_INT(hcpcs_validate(c, "Y9902", "2018-12-31", NULL, &v), 1);
	T_EQ_INT(hcpcs_validate(c, "A9901", "20190101x", NULL, &v), -1);
	server_error("bad_request");
	T_EQ_INT(hcpcs_validate(c, "A99", "2019-01-01", NULL, &v), -1);
	server_error("invalid_code");
}

static void
fixture_search(void)
{
	struct hcpcs_record **recs;

	T_EQ_INT(hcpcs_search(c, "synth wheel", NULL, &recs), 1);
	T_EQ_STR(recs[0]->code, "E9901");
	/* Terminated G9901 is left out unless asked for. */
	T_EQ_INT(hcpcs_search(c, "SYNTHETIC", NULL, &recs), 6);
	T_EQ_STR(recs[0]->code, "A9901");
	T_EQ_STR(recs[0]->set, "cms");
	T_EQ_STR(recs[1]->code, "A9901");
	T_EQ_STR(recs[1]->set, "local");
	T_EQ_STR(recs[5]->code, "ZX");
	T_EQ_INT(hcpcs_search(c, "synthetic", query(NULL, NULL, 0, 1),
	    &recs), 7);
	T_EQ_STR(recs[3]->code, "G9901");
	T_EQ_INT(hcpcs_search(c, "synthetic", query(NULL, "2017-01-01", 0,
	    0), &recs), 7);
	T_EQ_INT(hcpcs_search(c, "synthetic", query(NULL, NULL, 2, 0),
	    &recs), 2);
	/* Exact code match first. */
	T_EQ_INT(hcpcs_search(c, "J9901", NULL, &recs), 1);
	T_EQ_STR(recs[0]->code, "J9901");
	T_EQ_INT(hcpcs_search(c, "local", query("local", NULL, 0, 0), &recs),
	    2);
	T_EQ_INT(hcpcs_search(c, "local", query("local", NULL, 0, 1), &recs),
	    3);
	T_EQ_INT(hcpcs_search(c, "zzyzx", NULL, &recs), 0);
	T_EQ_INT(hcpcs_search(c, "x", query(NULL, NULL, 501, 0), &recs), -1);
	server_error("bad_request");
}

static void
fixture_classify(void)
{
	struct hcpcs_classification *k;

	T_EQ_INT(hcpcs_classify(c, "g9901", &k), 0);
	T_EQ_STR(k->code, "G9901");
	T_EQ_STR(k->system, "HCPCS");
	T_EQ_INT(k->level, 2);
	T_EQ_STR(k->kind, "procedure");
	T_EQ_STR(k->maintainer, "CMS");
	T_EQ_INT(hcpcs_classify(c, "0001U", &k), 0);
	T_EQ_STR(k->system, "CPT");
	T_EQ_INT(k->level, 1);
	T_EQ_STR(k->category, "PLA");
	T_EQ_STR(k->maintainer, "AMA");
	T_EQ_INT(hcpcs_classify(c, "nope1", &k), -1);
	server_error("invalid_code");
}

static void
fixture_info_reload(void)
{
	struct hcpcs_reload *rl;
	struct hcpcs_info *inf;
	int64_t		 gen;

	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_STR(inf->version, VERSION);
	T_OK(inf->started_at != NULL && strlen(inf->started_at) == 20);
	T_OK(inf->generation >= 1);
	T_EQ_INT(inf->nsets, 2);
	if (inf->nsets == 2) {
		T_EQ_STR(inf->sets[0].name, "cms");
		T_EQ_STR(inf->sets[0].format, "cms-anweb");
		T_EQ_INT(inf->sets[0].records, 5);
		T_EQ_INT(inf->sets[0].modifiers, 1);
		T_OK(inf->sets[0].sha256 != NULL &&
		    strlen(inf->sets[0].sha256) == 64);
		T_OK(inf->sets[0].path != NULL &&
		    strstr(inf->sets[0].path, "anweb.txt") != NULL);
		T_EQ_STR(inf->sets[1].name, "local");
		T_EQ_STR(inf->sets[1].format, "delimited");
		T_EQ_INT(inf->sets[1].records, 3);
		T_EQ_INT(inf->sets[1].modifiers, 0);
	}
	T_EQ_INT(inf->last_reload.ok, 1);
	gen = inf->generation;

	T_EQ_INT(hcpcs_reload(c, &rl), 1);
	T_EQ_INT(rl->ok, 1);
	T_EQ_INT(rl->generation, gen + 1);
	T_OK(rl->error == NULL);
	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_INT(inf->generation, gen + 1);
	T_EQ_INT(inf->last_reload.ok, 1);
	T_OK(inf->last_reload.at != NULL);
	T_OK(inf->last_reload.error == NULL);
}

/* 200 requests of every kind written before the first reply is read. */
static void
fixture_pipeline(void)
{
	static const char *const codes[] = { "A9901", "E9901", "J9901", "ZX" };
	struct hcpcs_value *v;
	const struct hcpcs_value *code;
	int		 i, bad = 0;

	for (i = 0; i < 200; i++) {
		if (i % 5 == 4)
			T_EQ_INT(hcpcs_appendf(c, "ping", ""), 0);
		else
			T_EQ_INT(hcpcs_appendf(c, "lookup", "s",
			    codes[i % 5]), 0);
	}
	T_EQ_INT(hcpcs_pending(c), 200);
	for (i = 0; i < 200; i++) {
		if (hcpcs_get_reply(c, &v) == -1) {
			bad++;
			break;
		}
		if (i % 5 == 4)
			bad += v->type != HCPCS_T_STR ||
			    strcmp(v->s, "pong") != 0;
		else {
			code = hcpcs_value_get(v, "code");
			bad += code == NULL || strcmp(code->s,
			    codes[i % 5]) != 0;
		}
		hcpcs_value_free(v);
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(hcpcs_pending(c), 0);
}

static void
real_checks(void)
{
	struct hcpcs_validation *v;
	struct hcpcs_record *r;
	struct hcpcs_info *inf;

	T_EQ_INT(hcpcs_lookup(c, "G0503", NULL, &r), 1);
	T_EQ_INT(r->long_desc != NULL ? strlen(r->long_desc) : 0, 1251);
	T_EQ_STR(r->added, "2017-01-01");
	T_EQ_STR(r->effective, "2018-01-01");
	T_EQ_STR(r->terminated, "2017-12-31");
	T_EQ_STR(r->status, "terminated");
	T_OK(r->nxref >= 1 && strcmp(r->xref[0], "99493") == 0);
	T_EQ_INT(hcpcs_validate(c, "G0503", "2017-12-31", NULL, &v), 1);
	T_EQ_INT(hcpcs_validate(c, "G0503", "2018-01-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "terminated");
	T_EQ_INT(hcpcs_lookup(c, "DA", NULL, &r), 1);	/* new in 2020 */
	T_EQ_STR(r->kind, "modifier");
	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_INT(inf->nsets, 1);
	if (inf->nsets == 1) {
		T_EQ_INT(inf->sets[0].records, 6710);
		T_EQ_INT(inf->sets[0].modifiers, 369);
		/* SOURCE.md's checksum of the file. */
		T_EQ_STR(inf->sets[0].sha256, "e7f6f58b91fa54d081be50230a1a34ae"
		    "4671038539a2b42ed055002d395c1063");
	}
}

/* Is code in the n-element sorted list? */
static int
has_code(const char **list, size_t n, const char *code)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], code) == 0)
			return 1;
	return 0;
}

/* Are the n strings sorted strictly ascending? */
static int
sorted(const char **list, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (strcmp(list[i - 1], list[i]) >= 0)
			return 0;
	return 1;
}

static void
releases_lookup(void)
{
	static const char *const codes[] = { "R9902", "R9904", "R9905" };
	struct hcpcs_validation *v;
	struct hcpcs_record *r, **recs;

	/* Before every release: nothing is in force. */
	T_EQ_INT(hcpcs_lookup(c, "R9901", query(NULL, "2023-12-31", 0, 0),
	    &r), 0);
	T_EQ_INT(hcpcs_validate(c, "R9901", "2023-12-31", NULL, &v), 0);
	T_EQ_INT(v->valid, 0);
	T_EQ_STR(v->reason, "no_release");
	T_OK(v->status == NULL);
	T_OK(v->release == NULL);
	T_EQ_INT(hcpcs_validate(c, "R9901", "2023-12-31",
	    query("hcpcs", NULL, 0, 0), &v), 0);
	T_EQ_STR(v->reason, "no_release");

	/* Q1 is in force from 2024-01-01 to 2024-03-31. */
	T_EQ_INT(hcpcs_lookup(c, "R9902", query(NULL, "2024-02-01", 0, 0),
	    &r), 1);
	T_EQ_STR(r->set, "hcpcs");
	T_EQ_STR(r->release, "2024-01-01");
	T_EQ_STR(r->status, "active");
	T_OK(r->terminated == NULL);
	T_EQ_INT(hcpcs_lookup(c, "R9903", query(NULL, "2024-03-31", 0, 0),
	    &r), 1);
	T_EQ_STR(r->long_desc, "Release test gamma lens, first wording");
	T_EQ_STR(r->release, "2024-01-01");
	T_EQ_INT(hcpcs_validate(c, "R9902", "2024-03-31", NULL, &v), 1);
	T_EQ_STR(v->release, "2024-01-01");
	T_EQ_STR(v->set, "hcpcs");
	T_EQ_INT(hcpcs_validate(c, "R9904", "2024-02-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "not_found");
	T_EQ_INT(hcpcs_lookup_many(c, codes, 3, query(NULL, "2024-02-01", 0,
	    0), &recs), 2);
	T_OK(recs[0] != NULL && strcmp(recs[0]->release, "2024-01-01") == 0);
	T_OK(recs[1] == NULL);
	T_OK(recs[2] != NULL && strcmp(recs[2]->code, "R9905") == 0);

	/* Q2 from 2024-04-01: R9902 terminated, R9904 new, R9905 gone. */
	T_EQ_INT(hcpcs_lookup(c, "R9902", query(NULL, "2024-04-01", 0, 0),
	    &r), 1);
	T_EQ_STR(r->release, "2024-04-01");
	T_EQ_STR(r->terminated, "2024-03-31");
	T_EQ_STR(r->status, "terminated");
	T_EQ_INT(hcpcs_validate(c, "R9902", "2024-05-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "terminated");
	T_EQ_STR(v->release, "2024-04-01");
	T_EQ_INT(hcpcs_validate(c, "R9904", "2024-05-01", NULL, &v), 1);
	T_EQ_STR(v->release, "2024-04-01");
	T_EQ_INT(v->stale, 0);
	/* Q2 plus stale_after's default 4 months: current to 2024-08-01. */
	T_EQ_INT(hcpcs_validate(c, "R9904", "2024-08-01", NULL, &v), 1);
	T_EQ_INT(v->stale, 0);
	T_EQ_INT(hcpcs_validate(c, "R9904", "2024-08-02", NULL, &v), 1);
	T_EQ_INT(v->stale, 1);
	T_EQ_STR(v->release, "2024-04-01");
	T_EQ_INT(hcpcs_validate(c, "R9999", "2025-06-15", NULL, &v), 0);
	T_EQ_STR(v->reason, "not_found");
	T_EQ_INT(v->stale, 1);
	T_EQ_INT(hcpcs_lookup_many(c, codes, 3, query(NULL, "2024-05-01", 0,
	    0), &recs), 2);
	T_OK(recs[0] != NULL && strcmp(recs[0]->status, "terminated") == 0);
	T_OK(recs[1] != NULL && strcmp(recs[1]->release, "2024-04-01") == 0);
	T_OK(recs[2] == NULL);
	/* Today is long after Q2. */
	T_EQ_INT(hcpcs_lookup(c, "R9903", NULL, &r), 1);
	T_EQ_STR(r->long_desc, "Release test gamma lens, second wording");
	T_EQ_STR(r->release, "2024-04-01");

	/* search picks the release too. */
	T_EQ_INT(hcpcs_search(c, "release test", query(NULL, "2024-02-01", 0,
	    0), &recs), 5);
	T_EQ_STR(recs[4]->code, "R9905");
	T_EQ_INT(hcpcs_search(c, "release test", query(NULL, "2024-05-01", 0,
	    0), &recs), 4);
	T_EQ_STR(recs[3]->code, "R9904");
	T_EQ_INT(hcpcs_search(c, "release test", query(NULL, "2024-05-01", 0,
	    1), &recs), 5);
}

static void
releases_diff(void)
{
	struct hcpcs_diff *d;

	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2024-01-01", "2024-04-01", &d), 0);
	if (d == NULL)
		return;
	T_EQ_INT(d->nadded, 1);
	T_OK(d->nadded == 1 && strcmp(d->added[0], "R9904") == 0);
	T_EQ_INT(d->nremoved, 1);
	T_OK(d->nremoved == 1 && strcmp(d->removed[0], "R9905") == 0);
	T_EQ_INT(d->nterminated, 1);
	T_OK(d->nterminated == 1 && strcmp(d->terminated[0], "R9902") == 0);
	/* R9901 changed only its action code and date: not a change. */
	T_EQ_INT(d->nchanged, 2);
	if (d->nchanged == 2) {
		T_EQ_STR(d->changed[0].code, "R9902");
		T_EQ_INT(d->changed[0].nfields, 1);
		T_EQ_STR(d->changed[0].fields[0], "terminated");
		T_EQ_STR(d->changed[1].code, "R9903");
		T_EQ_INT(d->changed[1].nfields, 1);
		T_EQ_STR(d->changed[1].fields[0], "long");
	}
	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2024-01-01", "2023-01-01", &d), -1);
	server_error("bad_request");
	T_EQ_INT(hcpcs_diff(c, "nope", "2024-01-01", "2024-04-01", &d), -1);
	server_error("bad_request");
}

static void
releases_info(void)
{
	const struct hcpcs_release_info *r;
	struct hcpcs_info *inf;

	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_INT(inf->nsets, 1);
	if (inf->nsets != 1)
		return;
	T_EQ_STR(inf->sets[0].name, "hcpcs");
	T_EQ_INT(inf->sets[0].min_records, 3);
	/* The set-level fields describe the release in force today. */
	T_EQ_INT(inf->sets[0].records, 4);
	T_OK(inf->sets[0].path != NULL &&
	    strstr(inf->sets[0].path, "rel_2024q2.txt") != NULL);
	T_EQ_INT(inf->sets[0].nreleases, 2);
	if (inf->sets[0].nreleases != 2)
		return;
	/* Oldest first. */
	r = &inf->sets[0].releases[0];
	T_OK(r->path != NULL && strstr(r->path, "rel_2024q1.txt") != NULL);
	T_EQ_STR(r->effective, "2024-01-01");
	T_EQ_INT(r->effective_auto, 0);
	T_EQ_INT(r->in_force, 0);
	T_EQ_INT(r->records, 4);
	T_EQ_INT(r->modifiers, 1);
	T_OK(r->sha256 != NULL && strlen(r->sha256) == 64);
	T_OK(r->loaded_at != NULL && strlen(r->loaded_at) == 20);
	r = &inf->sets[0].releases[1];
	T_EQ_STR(r->effective, "2024-04-01");
	T_EQ_INT(r->effective_auto, 1);
	T_EQ_INT(r->in_force, 1);
	T_EQ_INT(r->records, 4);
	T_EQ_INT(r->modifiers, 1);
	T_OK(r->sha256 != NULL && inf->sets[0].releases[0].sha256 != NULL &&
	    strcmp(r->sha256, inf->sets[0].releases[0].sha256) != 0);
	/* This connection has made requests; counters are there. */
	T_OK(inf->stats.nrequests > 0);
	T_OK(inf->stats.connections_current >= 1);
	T_OK(inf->stats.connections_total >= 1);
	T_OK(inf->stats.bytes_in > 0);
	T_OK(inf->stats.bytes_out > 0);
	T_OK(inf->stats.reloads >= 0);
}

/* The CMS 2019 and 2020 files as releases (SOURCE.md's numbers). */
static void
real2_checks(void)
{
	struct hcpcs_validation *v;
	struct hcpcs_record *r;
	struct hcpcs_diff *d;
	size_t		 i, k, nlong = 0, nshort = 0;

	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2019-01-01", "2020-01-01", &d), 0);
	if (d != NULL) {
		T_EQ_INT(d->nadded, 279);
		T_EQ_INT(d->nremoved, 0);
		T_EQ_INT(d->nterminated, 89);
		T_EQ_INT(d->nchanged, 177);
		T_OK(sorted(d->added, d->nadded));
		T_OK(sorted(d->terminated, d->nterminated));
		T_OK(has_code(d->added, d->nadded, "DA"));
		T_OK(has_code(d->added, d->nadded, "C1890"));
		T_OK(has_code(d->terminated, d->nterminated, "C9034"));
		T_OK(has_code(d->terminated, d->nterminated, "G0365"));
		for (i = 0; i < d->nchanged; i++)
			for (k = 0; k < d->changed[i].nfields; k++) {
				nlong += strcmp(d->changed[i].fields[k],
				    "long") == 0;
				nshort += strcmp(d->changed[i].fields[k],
				    "short") == 0;
			}
		T_EQ_INT(nlong, 70);
		T_EQ_INT(nshort, 51);
	}
	/* G0365: terminated 2019-12-31 by the 2020 file. */
	T_EQ_INT(hcpcs_validate(c, "G0365", "2019-06-01", NULL, &v), 1);
	T_EQ_STR(v->release, "2019-01-01");
	T_EQ_INT(hcpcs_validate(c, "G0365", "2020-02-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "terminated");
	T_EQ_STR(v->release, "2020-01-01");
	/* DA: new in the 2020 file. */
	T_EQ_INT(hcpcs_lookup(c, "DA", query(NULL, "2019-06-01", 0, 0), &r),
	    0);
	T_EQ_INT(hcpcs_validate(c, "DA", "2019-06-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "not_found");
	T_EQ_INT(hcpcs_validate(c, "DA", "2020-02-01", NULL, &v), 1);
	T_EQ_INT(hcpcs_validate(c, "G0365", "2018-12-31", NULL, &v), 0);
	T_EQ_STR(v->reason, "no_release");
}

int
main(int argc, char *argv[])
{
	struct hcpcs_options o;

	if (argc != 3) {
		fprintf(stderr, "usage: e2e_client socket "
		    "fixture|real|releases|real2\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.socket_path = argv[1];
	o.timeout_ms = 20000;
	if ((c = hcpcs_connect(&o)) == NULL || hcpcs_err(c) != HCPCS_OK) {
		fprintf(stderr, "e2e_client: %s\n", hcpcs_errstr(c));
		return 2;
	}
	if (strcmp(argv[2], "real") == 0)
		real_checks();
	else if (strcmp(argv[2], "real2") == 0)
		real2_checks();
	else if (strcmp(argv[2], "releases") == 0) {
		releases_lookup();
		releases_diff();
		releases_info();
	} else {
		fixture_lookup();
		fixture_lookup_many();
		fixture_validate();
		fixture_search();
		fixture_classify();
		fixture_info_reload();
		fixture_pipeline();
	}
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	hcpcs_free(c);
	return t_done();
}
