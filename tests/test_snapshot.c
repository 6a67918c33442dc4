/*
 * test_snapshot.c: snapshot indexes, search, pre-encoded maps and
 * publishing, on hand-built record sets (snapshot_build_sets), then
 * build_snapshot over the real CMS 2020 file when it is present.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "t.h"
#include "classify.h"
#include "build.h"
#include "conf.h"
#include "load.h"
#include "record.h"
#include "sha256.h"
#include "snapshot.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A long descriptor in the style of G0503's (the real one is 1,251). */
static const char *g0503_long =
    "Psychiatric collaborative care model (psychiatric COCM), first 70 "
    "minutes in the first calendar month of behavioral health care "
    "manager activities, in consultation with a psychiatric consultant, "
    "and directed by the treating physician or other qualified health "
    "care professional, with the following required elements: outreach "
    "to and engagement in treatment of a patient directed by the treating "
    "physician or other qualified health care professional; initial "
    "assessment of the patient, including administration of validated "
    "rating scales, with the development of an individualized treatment "
    "plan; review by the psychiatric consultant with modifications of the "
    "plan if recommended; entering patient in a registry and tracking "
    "patient follow-up and progress using the registry, with appropriate "
    "documentation, and participation in weekly caseload consultation "
    "with the psychiatric consultant; and provision of brief "
    "interventions using evidence-based techniques such as behavioral "
    "activation, motivational interviewing, and other focused treatment "
    "strategies";

static struct record *
add(struct record_set *rs, const char *code, enum record_kind kind,
    const char *shrt, const char *lng)
{
	struct record	*r;

	r = record_set_add(rs);
	if (r == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	snprintf(r->code, sizeof(r->code), "%s", code);
	r->kind = kind;
	if (shrt != NULL)
		r->short_desc = record_strndup(rs, shrt, strlen(shrt));
	if (lng != NULL)
		r->long_desc = record_strndup(rs, lng, strlen(lng));
	return r;
}

static const char *
dup(struct record_set *rs, const char *s)
{
	return record_strndup(rs, s, strlen(s));
}

/*
 * Two sets: "hcpcs" and "local".  J1100 is in both (different text);
 * G0503 is terminated 20171231.
 */
static struct snapshot *
fixture(void)
{
	struct snapshot_src src[2];
	struct snapshot	*s;
	struct record	*r;
	char		 err[256];

	memset(src, 0, sizeof(src));
	src[0].name = "hcpcs";
	src[0].format = "cms-anweb";
	src[0].path = "/data/hcpcs.txt";
	src[0].loaded_at = 1000;
	snprintf(src[0].sha256, sizeof(src[0].sha256), "%064d", 0);
	src[1].name = "local";
	src[1].format = "delimited";
	src[1].path = "/data/local.csv";
	src[1].loaded_at = 2000;
	record_set_init(&src[0].rs);
	record_set_init(&src[1].rs);

	add(&src[0].rs, "GA", RECORD_MODIFIER, "Waiver of liability stmt",
	    "Waiver of liability statement issued as required by payer "
	    "policy, individual case");
	r = add(&src[0].rs, "K0010", RECORD_PROCEDURE,
	    "Stnd wght frame power whlchr",
	    "Standard - weight frame motorized/power wheelchair");
	r->added = 19840101;
	r = add(&src[0].rs, "E1161", RECORD_PROCEDURE,
	    "Manual adult wc w tiltinspac",
	    "Manual adult size wheelchair, includes tilt in space");
	add(&src[0].rs, "J1100", RECORD_PROCEDURE,
	    "Dexamethasone sodium phos",
	    "Injection, dexamethasone sodium phosphate, 1 mg");
	add(&src[0].rs, "J1110", RECORD_PROCEDURE,
	    "Inj dihydroergotamine mesylt",
	    "Injection, dihydroergotamine mesylate, per 1 mg");
	add(&src[0].rs, "J1120", RECORD_PROCEDURE, "Acetazolamid sodium inj",
	    "Injection, acetazolamide sodium, up to 500 mg");
	r = add(&src[0].rs, "G0503", RECORD_PROCEDURE,
	    "1st psyc collab care mgmt", g0503_long);
	r->medium_desc = dup(&src[0].rs, "Psych collab care first month");
	r->added = 20170101;
	r->effective = 20180101;
	r->terminated = 20171231;
	r->action = dup(&src[0].rs, "D");
	r->coverage = dup(&src[0].rs, "C");
	r->pricing[0] = dup(&src[0].rs, "13");
	r->mult_pricing = dup(&src[0].rs, "A");
	r->xref[0] = dup(&src[0].rs, "99493");
	r->asc_date = 0;
	r->betos = dup(&src[0].rs, "M5D");
	r->tos[0] = dup(&src[0].rs, "1");
	r->tos[1] = NULL;
	r->tos[2] = dup(&src[0].rs, "9");
	r->anesthesia_units = 0;
	r->raw[0].field = "asc_date";
	r->raw[0].value = dup(&src[0].rs, "170401  ");
	r->nraw = 1;

	add(&src[1].rs, "J1100", RECORD_PROCEDURE, "Local dexamethasone",
	    "Local dexamethasone kit");
	add(&src[1].rs, "A9999", RECORD_PROCEDURE, "See J1110",
	    "Miscellaneous, see J1110 for details");
	add(&src[1].rs, "Z9999", RECORD_PROCEDURE, "Local wheelchair widget",
	    NULL);

	s = snapshot_build_sets(src, NELEM(src), err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "snapshot_build_sets: %s\n", err);
		exit(1);
	}
	T_EQ_INT(src[0].rs.nrecs, 0);	/* taken over */
	return s;
}

static void
check_info(const struct snapshot *s)
{
	const struct snapshot_set_info *si;

	T_EQ_INT(snapshot_nsets(s), 2);
	T_EQ_INT(snapshot_nrecs(s), 10);
	si = snapshot_set(s, 0);
	T_EQ_STR(si->name, "hcpcs");
	T_EQ_STR(si->format, "cms-anweb");
	T_EQ_STR(si->path, "/data/hcpcs.txt");
	T_EQ_INT(si->records, 6);
	T_EQ_INT(si->modifiers, 1);
	T_EQ_INT(si->loaded_at, 1000);
	T_EQ_INT(strlen(si->sha256), 64);
	si = snapshot_set(s, 1);
	T_EQ_STR(si->name, "local");
	T_EQ_INT(si->records, 3);
	T_EQ_INT(si->modifiers, 0);
	T_OK(snapshot_set(s, 2) == NULL);
	T_EQ_INT(snapshot_set_index(s, "local", 5), 1);
	T_EQ_INT(snapshot_set_index(s, "hcpcsX", 5), 0);
	T_EQ_INT(snapshot_set_index(s, "hcpcs", 4), -1);
	T_EQ_INT(snapshot_set_index(s, "nope", 4), -1);
}

static void
check_find(const struct snapshot *s)
{
	const struct snapshot_rec *sr;

	sr = snapshot_find(s, -1, "J1100", 20200101);
	T_OK(sr != NULL);
	if (sr != NULL) {
		T_EQ_STR(sr->set, "hcpcs");
		T_EQ_INT(sr->set_index, 0);
		T_EQ_STR(sr->rec->short_desc, "Dexamethasone sodium phos");
		T_EQ_INT(sr->level, 2);
	}
	sr = snapshot_find(s, 1, "J1100", 20200101);
	T_OK(sr != NULL);
	if (sr != NULL) {
		T_EQ_STR(sr->set, "local");
		T_EQ_STR(sr->rec->short_desc, "Local dexamethasone");
	}
	sr = snapshot_find(s, -1, "Z9999", 20200101);
	T_OK(sr != NULL && sr->set_index == 1 && sr->level == 3);
	T_OK(snapshot_find(s, 0, "Z9999", 20200101) == NULL);
	T_OK(snapshot_find(s, 1, "K0010", 20200101) == NULL);
	T_OK(snapshot_find(s, -1, "J1101", 20200101) == NULL);
	T_OK(snapshot_find(s, -1, "A0000", 20200101) == NULL);
	T_OK(snapshot_find(s, -1, "ZZZZZ", 20200101) == NULL);
	T_OK(snapshot_find(s, 5, "J1100", 20200101) == NULL);
	sr = snapshot_find(s, -1, "GA", 20200101);
	T_OK(sr != NULL && sr->rec->kind == RECORD_MODIFIER);
}

/* Search and return "CODE/set CODE/set ..." (set as its index). */
static const char *
search(const struct snapshot *s, const char *text, int set, int incl,
    uint32_t as_of, size_t limit, size_t *total)
{
	static char	 buf[1024];
	const struct snapshot_rec *out[64];
	struct snapshot_search q;
	size_t		 n, i, len = 0;

	memset(&q, 0, sizeof(q));
	q.text = text;
	q.textlen = strlen(text);
	q.set = set;
	q.include_terminated = incl;
	q.as_of = as_of;
	q.limit = limit;
	n = snapshot_search(s, &q, out, total);
	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf) - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s/%u",
		    i > 0 ? " " : "", out[i]->rec->code, out[i]->set_index);
	return buf;
}

static void
check_search(const struct snapshot *s)
{
	size_t		 total;
	char		 many[256];
	int		 i;

	/* Prefixes of words, any order, any case. */
	T_EQ_STR(search(s, "pow wheel", -1, 0, 20200101, 20, &total),
	    "K0010/0");
	T_EQ_INT(total, 1);
	T_EQ_STR(search(s, "WHEELchair   Power", -1, 0, 20200101, 20, &total),
	    "K0010/0");
	T_EQ_STR(search(s, "wheel", -1, 0, 20200101, 20, &total),
	    "E1161/0 K0010/0 Z9999/1");
	T_EQ_INT(total, 3);
	T_EQ_STR(search(s, "tilt man", -1, 0, 20200101, 20, &total),
	    "E1161/0");
	/* Query words split on punctuation, as record words do. */
	T_EQ_STR(search(s, "tilt,man-adult", -1, 0, 20200101, 20, &total),
	    "E1161/0");
	/* A word must start with the token, not merely contain it. */
	T_EQ_STR(search(s, "heelchair", -1, 0, 20200101, 20, &total), "");
	T_EQ_INT(total, 0);
	/* "whlchr" is only in K0010's short descriptor. */
	T_EQ_STR(search(s, "whlchr", -1, 0, 20200101, 20, &total), "K0010/0");
	/* Punctuation separates words: "motorized/power". */
	T_EQ_STR(search(s, "motorized", -1, 0, 20200101, 20, &total),
	    "K0010/0");

	/* Code prefixes, and a set filter. */
	/* A9999 matches by its word "J1110". */
	T_EQ_STR(search(s, "j11", -1, 0, 20200101, 20, &total),
	    "A9999/1 J1100/0 J1100/1 J1110/0 J1120/0");
	T_EQ_INT(total, 5);
	T_EQ_STR(search(s, "j11", 1, 0, 20200101, 20, &total),
	    "A9999/1 J1100/1");
	T_EQ_STR(search(s, "J11 injection", -1, 0, 20200101, 20, &total),
	    "J1100/0 J1110/0 J1120/0");
	T_EQ_STR(search(s, "J11 injection", -1, 0, 20200101, 2, &total),
	    "J1100/0 J1110/0");
	T_EQ_INT(total, 3);
	T_EQ_STR(search(s, "J11 injection", -1, 0, 20200101, 0, &total), "");
	T_EQ_INT(total, 3);

	/* An exact code first, before the code-ordered rest. */
	T_EQ_STR(search(s, "j1110", -1, 0, 20200101, 20, &total),
	    "J1110/0 A9999/1");
	T_EQ_INT(total, 2);
	T_EQ_STR(search(s, "j1110", -1, 0, 20200101, 1, &total), "J1110/0");
	T_EQ_INT(total, 2);

	/* Terminated records: G0503's TERM DT is 20171231. */
	T_EQ_STR(search(s, "psychiatric", -1, 0, 20200101, 20, &total), "");
	T_EQ_INT(total, 0);
	T_EQ_STR(search(s, "psychiatric", -1, 1, 20200101, 20, &total),
	    "G0503/0");
	T_EQ_STR(search(s, "psychiatric", -1, 0, 20171231, 20, &total),
	    "G0503/0");
	T_EQ_STR(search(s, "psychiatric", -1, 0, 20180101, 20, &total), "");
	T_EQ_STR(search(s, "motivational strategies COCM", -1, 1, 20200101,
	    20, &total), "G0503/0");

	/* Nothing to search for, or nothing found. */
	T_EQ_STR(search(s, "", -1, 1, 20200101, 20, &total), "");
	T_EQ_INT(total, 0);
	T_EQ_STR(search(s, "  \t ", -1, 1, 20200101, 20, &total), "");
	T_EQ_STR(search(s, "zzz", -1, 1, 20200101, 20, &total), "");
	T_EQ_STR(search(s, "wheel zzz", -1, 1, 20200101, 20, &total), "");
	T_EQ_STR(search(s, "j1100x", -1, 1, 20200101, 20, &total), "");

	/* Tokens past SNAPSHOT_SEARCH_MAX_TOKENS are ignored. */
	snprintf(many, sizeof(many), "wheel");
	for (i = 1; i < SNAPSHOT_SEARCH_MAX_TOKENS; i++)
		strcat(many, " whe");
	strcat(many, " zzz");
	T_EQ_STR(search(s, many, -1, 0, 20200101, 20, &total),
	    "E1161/0 K0010/0 Z9999/1");

	/* Embedded NUL and high bytes match nothing and read nothing. */
	{
		struct snapshot_search q;
		const struct snapshot_rec *out[4];

		memset(&q, 0, sizeof(q));
		q.text = "J1\0\0\0\0\0\0x";
		q.textlen = 9;
		q.set = -1;
		q.limit = 4;
		T_EQ_INT(snapshot_search(s, &q, out, &total), 0);
		q.text = "\xc3\xa9";
		q.textlen = 2;
		T_EQ_INT(snapshot_search(s, &q, out, NULL), 0);
	}
}

static int
obj_is(const msgpack_object *o, const char *str)
{
	return o->type == MSGPACK_OBJECT_STR &&
	    o->via.str.size == strlen(str) &&
	    memcmp(o->via.str.ptr, str, o->via.str.size) == 0;
}

static const msgpack_object *
map_get(const msgpack_object *m, const char *key)
{
	uint32_t	 i;

	for (i = 0; i < m->via.map.size; i++)
		if (obj_is(&m->via.map.ptr[i].key, key))
			return &m->via.map.ptr[i].val;
	return NULL;
}

/*
 * Decode sr's map with the status for as_of; check its keys in order.
 * Decoded strings point into the static buffer: valid until the next
 * call.
 */
static void
check_map(const struct snapshot_rec *sr, uint32_t as_of,
    const char *const *keys, size_t nkeys, msgpack_unpacked *u)
{
	const unsigned char *kv;
	static unsigned char buf[4096];
	size_t		 kvlen, off = 0, i;

	snapshot_status_kv(sr->rec, as_of, &kv, &kvlen);
	T_OK(sr->enclen + kvlen <= sizeof(buf));
	if (sr->enclen + kvlen > sizeof(buf))
		return;
	memcpy(buf, sr->enc, sr->enclen);
	memcpy(buf + sr->enclen, kv, kvlen);
	msgpack_unpacked_init(u);
	T_EQ_INT(msgpack_unpack_next(u, (const char *)buf, sr->enclen + kvlen,
	    &off), MSGPACK_UNPACK_SUCCESS);
	T_EQ_INT(off, sr->enclen + kvlen);	/* nothing left over */
	T_EQ_INT(u->data.type, MSGPACK_OBJECT_MAP);
	if (u->data.type != MSGPACK_OBJECT_MAP)
		return;
	T_EQ_INT(u->data.via.map.size, nkeys);
	for (i = 0; i < nkeys && i < u->data.via.map.size; i++)
		if (!obj_is(&u->data.via.map.ptr[i].key, keys[i]))
			t_fail(__FILE__, __LINE__, "%s: key %zu is not %s",
			    sr->rec->code, i, keys[i]);
}

static void
check_encoding(const struct snapshot *s)
{
	static const char *const g_keys[] = {
		"code", "set", "kind", "level", "short", "medium", "long",
		"added", "effective", "terminated", "action", "coverage",
		"pricing", "mult_pricing", "xref", "betos", "tos",
		"anesthesia_units", "raw", "status"
	};
	static const char *const ga_keys[] = {
		"code", "set", "kind", "level", "short", "long", "status"
	};
	static const char *const z_keys[] = {
		"code", "set", "kind", "level", "short", "status"
	};
	const struct snapshot_rec *sr;
	const msgpack_object *v;
	msgpack_unpacked u;
	const unsigned char *kv;
	size_t		 kvlen;

	T_EQ_STR(snapshot_status(snapshot_find(s, -1, "G0503", 20200101)->rec,
	    20180101), "terminated");
	T_EQ_STR(snapshot_status(snapshot_find(s, -1, "G0503", 20200101)->rec,
	    20171231), "active");
	T_EQ_STR(snapshot_status(snapshot_find(s, -1, "K0010", 20200101)->rec,
	    20991231), "active");
	/* The TERM DT is the last valid day: terminated the day after. */
	T_OK(!snapshot_terminated(snapshot_find(s, -1, "G0503",
	    20200101)->rec, 20171231));
	T_OK(snapshot_terminated(snapshot_find(s, -1, "G0503",
	    20200101)->rec, 20180101));
	T_OK(!snapshot_terminated(snapshot_find(s, -1, "K0010",
	    20200101)->rec, 20991231));

	sr = snapshot_find(s, -1, "G0503", 20200101);
	T_EQ_INT(sr->enc[0], 0xde);		/* map16: 20 keys */
	T_EQ_INT(sr->enc[1], 0);
	T_EQ_INT(sr->enc[2], 20);
	check_map(sr, 20200101, g_keys, NELEM(g_keys), &u);
	v = map_get(&u.data, "code");
	T_OK(v != NULL && obj_is(v, "G0503"));
	v = map_get(&u.data, "set");
	T_OK(v != NULL && obj_is(v, "hcpcs"));
	v = map_get(&u.data, "kind");
	T_OK(v != NULL && obj_is(v, "procedure"));
	v = map_get(&u.data, "level");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    v->via.u64 == 2);
	v = map_get(&u.data, "long");
	T_OK(v != NULL && obj_is(v, g0503_long));
	T_OK(v != NULL && v->via.str.size == strlen(g0503_long) &&
	    v->via.str.size > 1000);
	v = map_get(&u.data, "added");
	T_OK(v != NULL && obj_is(v, "2017-01-01"));
	v = map_get(&u.data, "terminated");
	T_OK(v != NULL && obj_is(v, "2017-12-31"));
	v = map_get(&u.data, "pricing");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1 && obj_is(&v->via.array.ptr[0], "13"));
	v = map_get(&u.data, "xref");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1 && obj_is(&v->via.array.ptr[0], "99493"));
	v = map_get(&u.data, "tos");	/* the NULL slot is skipped */
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 2 && obj_is(&v->via.array.ptr[0], "1") &&
	    obj_is(&v->via.array.ptr[1], "9"));
	v = map_get(&u.data, "anesthesia_units");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    v->via.u64 == 0);
	v = map_get(&u.data, "raw");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_MAP &&
	    v->via.map.size == 1 &&
	    obj_is(&v->via.map.ptr[0].key, "asc_date") &&
	    obj_is(&v->via.map.ptr[0].val, "170401  "));
	v = map_get(&u.data, "status");
	T_OK(v != NULL && obj_is(v, "terminated"));
	msgpack_unpacked_destroy(&u);

	/* The same bytes with the other status. */
	check_map(sr, 20170101, g_keys, NELEM(g_keys), &u);
	v = map_get(&u.data, "status");
	T_OK(v != NULL && obj_is(v, "active"));
	msgpack_unpacked_destroy(&u);

	/* Small maps use a fixmap header. */
	sr = snapshot_find(s, -1, "GA", 20200101);
	T_EQ_INT(sr->enc[0], 0x80 | 7);
	check_map(sr, 20200101, ga_keys, NELEM(ga_keys), &u);
	v = map_get(&u.data, "kind");
	T_OK(v != NULL && obj_is(v, "modifier"));
	v = map_get(&u.data, "status");
	T_OK(v != NULL && obj_is(v, "active"));
	msgpack_unpacked_destroy(&u);

	sr = snapshot_find(s, 1, "Z9999", 20200101);
	check_map(sr, 20200101, z_keys, NELEM(z_keys), &u);
	v = map_get(&u.data, "set");
	T_OK(v != NULL && obj_is(v, "local"));
	v = map_get(&u.data, "level");
	T_OK(v != NULL && v->via.u64 == 3);
	msgpack_unpacked_destroy(&u);

	snapshot_status_kv(sr->rec, 20200101, &kv, &kvlen);
	T_EQ_INT(kvlen, 14);
	T_OK(memcmp(kv, "\xa6status\xa6" "active", 14) == 0);
}

/*
 * A record with every field set, its slots full: one value per field,
 * or another for the field alt (-1: none), so two releases' records
 * differ in exactly that field.
 */
static void
fill(struct record_set *rs, struct record *r, int alt)
{
#define ALT(f, a, b)	((alt) == (f) ? (b) : (a))
	r->short_desc = dup(rs, ALT(RF_SHORT, "Short", "Short2"));
	r->medium_desc = dup(rs, ALT(RF_MEDIUM, "Medium", "Medium2"));
	r->long_desc = dup(rs, ALT(RF_LONG, "Long", "Long2"));
	r->added = ALT(RF_ADDED, 20190101, 20190102);
	r->effective = ALT(RF_EFFECTIVE, 20190201, 20190202);
	r->terminated = ALT(RF_TERMINATED, 20301231, 20311231);
	r->action = dup(rs, ALT(RF_ACTION, "N", "C"));
	r->coverage = dup(rs, ALT(RF_COVERAGE, "C", "D"));
	r->pricing[0] = dup(rs, "11");
	r->pricing[1] = dup(rs, "12");
	r->pricing[2] = dup(rs, "13");
	r->pricing[3] = dup(rs, ALT(RF_PRICING, "14", "21"));
	r->mult_pricing = dup(rs, ALT(RF_MULT_PRICING, "A", "9"));
	r->cim[0] = dup(rs, "cim1");
	r->cim[1] = dup(rs, "cim2");
	r->cim[2] = dup(rs, ALT(RF_CIM, "cim3", "cim9"));
	r->mcm[0] = dup(rs, "mcm1");
	r->mcm[1] = dup(rs, "mcm2");
	r->mcm[2] = dup(rs, ALT(RF_MCM, "mcm3", "mcm9"));
	r->statute = dup(rs, ALT(RF_STATUTE, "1861", "1862"));
	r->labcert[0] = dup(rs, ALT(RF_LABCERT, "100", "900"));
	r->labcert[1] = dup(rs, "110");
	r->labcert[2] = dup(rs, "115");
	r->labcert[3] = dup(rs, "120");
	r->labcert[4] = dup(rs, "130");
	r->labcert[5] = dup(rs, "200");
	r->labcert[6] = dup(rs, "210");
	r->labcert[7] = dup(rs, "220");
	r->xref[0] = dup(rs, "A0001");
	r->xref[1] = dup(rs, "A0002");
	r->xref[2] = dup(rs, "A0003");
	r->xref[3] = dup(rs, "A0004");
	r->xref[4] = dup(rs, ALT(RF_XREF, "A0005", "A0009"));
	r->asc_group = dup(rs, ALT(RF_ASC_GROUP, "01", "02"));
	r->asc_date = ALT(RF_ASC_DATE, 20170401, 20170402);
	r->opps = dup(rs, ALT(RF_OPPS, "1", "2"));
	r->opps_pi = dup(rs, ALT(RF_OPPS_PI, "A", "B"));
	r->opps_date = ALT(RF_OPPS_DATE, 20170501, 20170502);
	r->proc_note = dup(rs, ALT(RF_PROC_NOTE, "0001", "0002"));
	r->betos = dup(rs, ALT(RF_BETOS, "M5D", "M5C"));
	r->tos[0] = dup(rs, "1");
	r->tos[1] = dup(rs, "2");
	r->tos[2] = dup(rs, "3");
	r->tos[3] = dup(rs, "4");
	r->tos[4] = dup(rs, ALT(RF_TOS, "5", "9"));
	r->anesthesia_units = ALT(RF_ANESTHESIA_UNITS, 3, 4);
	r->raw[0].field = "labcert";
	r->raw[0].value = dup(rs, "x");
	r->raw[1].field = "mcm";
	r->raw[1].value = dup(rs, "y");
	r->nraw = 2;
#undef ALT
}

/* A list value: an array of exactly these strings. */
static int
obj_is_list(const msgpack_object *o, const char *const *want, size_t n)
{
	size_t	 i;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!obj_is(&o->via.array.ptr[i], want[i]))
			return 0;
	return 1;
}

struct fieldsdiff {
	uint32_t	 fields[RF_MAX];	/* by the field X01nn varies */
	size_t		 changed;
	size_t		 other;		/* events that are not "changed" */
};

static void
fields_cb(void *arg, enum snapshot_diff_kind k, const char *code,
    uint32_t fields)
{
	struct fieldsdiff *d = arg;
	int		 f;

	if (k != SNAPSHOT_DIFF_CHANGED) {
		d->other++;
		return;
	}
	d->changed++;
	if (strncmp(code, "X01", 3) == 0 &&
	    (f = atoi(code + 3)) >= 0 && f < RF_MAX)
		d->fields[f] = fields;
	else if (strcmp(code, "X0200") == 0)
		d->fields[RF_CODE] = fields;	/* the raw-only change */
}

/*
 * Every field of the record map, in docs/protocol.md's order and with
 * every slot of its lists, and the diff of two releases that differ in
 * one field at a time: these pin the encoder and snapshot_field_eq to
 * each field of struct record.
 */
static void
check_full_record(void)
{
	static const char *const keys[] = {
		"code", "set", "release", "kind", "level", "short", "medium",
		"long", "added", "effective", "terminated", "action",
		"coverage", "pricing", "mult_pricing", "cim", "mcm",
		"statute", "labcert", "xref", "asc_group", "asc_date", "opps",
		"opps_pi", "opps_date", "proc_note", "betos", "tos",
		"anesthesia_units", "raw", "status"
	};
	static const char *const pricing[] = { "11", "12", "13", "14" };
	static const char *const cim[] = { "cim1", "cim2", "cim3" };
	static const char *const mcm[] = { "mcm1", "mcm2", "mcm3" };
	static const char *const labcert[] = { "100", "110", "115", "120",
	    "130", "200", "210", "220" };
	static const char *const xref[] = { "A0001", "A0002", "A0003",
	    "A0004", "A0005" };
	static const char *const tos[] = { "1", "2", "3", "4", "5" };
	static const struct {
		const char	*key;
		const char	*value;
	} strs[] = {
		{ "code", "X0001" }, { "set", "hcpcs" },
		{ "release", "2020-01-01" }, { "kind", "procedure" },
		{ "short", "Short" }, { "medium", "Medium" },
		{ "long", "Long" }, { "added", "2019-01-01" },
		{ "effective", "2019-02-01" }, { "terminated", "2030-12-31" },
		{ "action", "N" }, { "coverage", "C" },
		{ "mult_pricing", "A" }, { "statute", "1861" },
		{ "asc_group", "01" }, { "asc_date", "2017-04-01" },
		{ "opps", "1" }, { "opps_pi", "A" },
		{ "opps_date", "2017-05-01" }, { "proc_note", "0001" },
		{ "betos", "M5D" }, { "status", "active" },
	};
	struct snapshot_src src[2];
	struct snapshot	*s;
	struct record	*r;
	const struct snapshot_rec *sr;
	const msgpack_object *v;
	struct fieldsdiff d;
	msgpack_unpacked u;
	char		 err[256], code[6] = "X01nn";
	size_t		 i;
	int		 f;

	memset(src, 0, sizeof(src));
	src[0].name = src[1].name = "hcpcs";
	src[0].format = src[1].format = "cms-anweb";
	src[0].path = "/d/2019.txt";
	src[0].effective = 20190101;
	src[1].path = "/d/2020.txt";
	src[1].effective = 20200101;
	record_set_init(&src[0].rs);
	record_set_init(&src[1].rs);
	fill(&src[0].rs, add(&src[0].rs, "X0001", RECORD_PROCEDURE, NULL,
	    NULL), -1);
	fill(&src[1].rs, add(&src[1].rs, "X0001", RECORD_PROCEDURE, NULL,
	    NULL), -1);
	for (f = 0; f < RF_MAX; f++) {
		code[3] = (char)('0' + f / 10);
		code[4] = (char)('0' + f % 10);
		fill(&src[0].rs, add(&src[0].rs, code, RECORD_PROCEDURE, NULL,
		    NULL), -1);
		fill(&src[1].rs, add(&src[1].rs, code, RECORD_PROCEDURE, NULL,
		    NULL), f);
	}
	/* The same values, but one kept raw: a change of that field. */
	fill(&src[0].rs, add(&src[0].rs, "X0200", RECORD_PROCEDURE, NULL,
	    NULL), -1);
	r = add(&src[1].rs, "X0200", RECORD_PROCEDURE, NULL, NULL);
	fill(&src[1].rs, r, -1);
	r->raw[1].value = dup(&src[1].rs, "z");

	s = snapshot_build_sets(src, NELEM(src), err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "snapshot_build_sets: %s\n", err);
		return;
	}

	sr = snapshot_find(s, -1, "X0001", 20200601);
	T_OK(sr != NULL);
	if (sr != NULL) {
		check_map(sr, 20200601, keys, NELEM(keys), &u);
		for (i = 0; i < NELEM(strs); i++) {
			v = map_get(&u.data, strs[i].key);
			if (v == NULL || !obj_is(v, strs[i].value))
				t_fail(__FILE__, __LINE__, "%s is not %s",
				    strs[i].key, strs[i].value);
		}
		T_OK(obj_is_list(map_get(&u.data, "pricing"), pricing, 4));
		T_OK(obj_is_list(map_get(&u.data, "cim"), cim, 3));
		T_OK(obj_is_list(map_get(&u.data, "mcm"), mcm, 3));
		T_OK(obj_is_list(map_get(&u.data, "labcert"), labcert, 8));
		T_OK(obj_is_list(map_get(&u.data, "xref"), xref, 5));
		T_OK(obj_is_list(map_get(&u.data, "tos"), tos, 5));
		v = map_get(&u.data, "level");
		T_OK(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
		v = map_get(&u.data, "anesthesia_units");
		T_OK(v != NULL && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    v->via.u64 == 3);
		v = map_get(&u.data, "raw");
		T_OK(v != NULL && v->type == MSGPACK_OBJECT_MAP &&
		    v->via.map.size == 2 &&
		    obj_is(&v->via.map.ptr[0].key, "labcert") &&
		    obj_is(&v->via.map.ptr[0].val, "x") &&
		    obj_is(&v->via.map.ptr[1].key, "mcm") &&
		    obj_is(&v->via.map.ptr[1].val, "y"));
		msgpack_unpacked_destroy(&u);
	}

	memset(&d, 0, sizeof(d));
	snapshot_diff(s, 0, 0, 1, fields_cb, &d);
	T_EQ_INT(d.other, 0);
	/* Action codes and their dates describe the update: not changes. */
	T_EQ_INT(d.changed, RF_MAX - 3 + 1);
	for (f = 0; f < RF_MAX; f++) {
		if (f == RF_CODE || f == RF_ACTION || f == RF_EFFECTIVE)
			continue;
		if (d.fields[f] != 1u << f)
			t_fail(__FILE__, __LINE__, "%s: fields %#x, not %#x",
			    record_field_name((enum record_field)f),
			    (unsigned)d.fields[f], 1u << f);
	}
	T_EQ_INT(d.fields[RF_ACTION], 0);
	T_EQ_INT(d.fields[RF_EFFECTIVE], 0);
	T_EQ_INT(d.fields[RF_CODE], 1u << RF_MCM);
	snapshot_release(s);
}

/*
 * Enough records that a one-token query overflows the scratch array
 * and takes the full-scan path; its results must match the other.
 */
static void
check_scan(void)
{
	struct snapshot_src src;
	struct snapshot	*s;
	struct record	*r;
	const struct snapshot_rec *out[8];
	struct snapshot_search q;
	char		 err[128], code[8], text[64];
	size_t		 total, n;
	int		 i;

	memset(&src, 0, sizeof(src));
	src.name = "big";
	src.format = "delimited";
	src.path = "/big.csv";
	record_set_init(&src.rs);
	/* Descending, so file order is not code order. */
	for (i = 4999; i >= 0; i--) {
		snprintf(code, sizeof(code), "A%04d", i);
		snprintf(text, sizeof(text), "Widget number n%d", i);
		r = add(&src.rs, code, RECORD_PROCEDURE, text, NULL);
		if (i == 1234)
			r->terminated = 20100101;
	}
	s = snapshot_build_sets(&src, 1, err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL)
		return;
	memset(&q, 0, sizeof(q));
	q.text = "widget";
	q.textlen = 6;
	q.set = -1;
	q.as_of = 20200101;
	q.limit = NELEM(out);
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(n, 8);
	T_EQ_INT(total, 4999);
	T_EQ_STR(out[0]->rec->code, "A0000");
	T_EQ_STR(out[7]->rec->code, "A0007");
	q.include_terminated = 1;
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(total, 5000);
	/* Exact first even on the scan path. */
	q.text = "a4321 widget";
	q.textlen = strlen(q.text);
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(n, 1);
	T_EQ_STR(out[0]->rec->code, "A4321");
	q.text = "widget n123";	/* n1230..n1239 and n123 */
	q.textlen = strlen(q.text);
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(total, 11);
	T_EQ_STR(out[0]->rec->code, "A0123");
	T_EQ_STR(out[1]->rec->code, "A1230");
	q.text = "a";		/* every code: the scan path */
	q.textlen = 1;
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(total, 5000);
	T_EQ_STR(out[0]->rec->code, "A0000");
	q.text = "a123";	/* A1230..A1239 via codes */
	q.textlen = 4;
	n = snapshot_search(s, &q, out, &total);
	T_EQ_INT(total, 10);
	T_EQ_STR(out[0]->rec->code, "A1230");
	snapshot_release(s);
}

struct reader {
	int		 iters;
	int		 seen;		/* acquires that found a snapshot */
	int		 bad;
};

static void *
reader_main(void *arg)
{
	struct reader	*rd = arg;
	struct snapshot	*s;
	const struct snapshot_rec *sr;
	int		 i;

	for (i = 0; i < rd->iters; i++) {
		if ((s = snapshot_acquire()) == NULL)
			continue;
		rd->seen++;
		sr = snapshot_find(s, -1, "J1100", 20200101);
		if (sr == NULL || strcmp(sr->set, "hcpcs") != 0)
			rd->bad++;
		snapshot_release(s);
	}
	return NULL;
}

static void
check_publish(void)
{
	struct snapshot	*a, *b, *cur, *cur2;
	struct reader	 rd[2];
	pthread_t	 th[2];
	int		 i;

	T_OK(snapshot_acquire() == NULL);
	a = fixture();
	b = fixture();
	T_EQ_INT(snapshot_generation(a), 0);
	snapshot_publish(a);
	T_EQ_INT(snapshot_generation(a), 1);
	cur = snapshot_acquire();
	T_OK(cur == a);
	snapshot_publish(b);
	T_EQ_INT(snapshot_generation(b), 2);
	/* a stays usable while this reference is held. */
	T_OK(snapshot_find(cur, -1, "K0010", 20200101) != NULL);
	T_EQ_INT(snapshot_generation(cur), 1);
	snapshot_release(cur);
	cur2 = snapshot_acquire();
	T_OK(cur2 == b);
	snapshot_release(cur2);

	/* Readers race a publisher; ASan catches any use after free. */
	memset(rd, 0, sizeof(rd));
	for (i = 0; i < 2; i++) {
		rd[i].iters = 20000;
		T_EQ_INT(pthread_create(&th[i], NULL, reader_main, &rd[i]), 0);
	}
	for (i = 0; i < 50; i++)
		snapshot_publish(fixture());
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		T_EQ_INT(rd[i].bad, 0);
		T_EQ_INT(rd[i].seen, 20000);
	}
	cur = snapshot_acquire();
	T_EQ_INT(snapshot_generation(cur), 52);
	snapshot_release(cur);

	snapshot_publish(NULL);
	T_OK(snapshot_acquire() == NULL);
	a = fixture();
	snapshot_publish(a);
	T_EQ_INT(snapshot_generation(a), 53);
	snapshot_publish(NULL);
}

/* Does text hold a word starting with w (lower case)? */
static int
has_word(const char *text, const char *w)
{
	const char	*p;
	size_t		 i, n = strlen(w);

	if (text == NULL)
		return 0;
	for (p = text; *p != '\0'; p++) {
		if (p > text && ((p[-1] >= 'a' && p[-1] <= 'z') ||
		    (p[-1] >= 'A' && p[-1] <= 'Z') ||
		    (p[-1] >= '0' && p[-1] <= '9')))
			continue;
		for (i = 0; i < n; i++)
			if (p[i] == '\0' || (p[i] | 0x20) != w[i])
				break;
		if (i == n)
			return 1;
	}
	return 0;
}

static void
check_real(void)
{
	const char	*d = t_shared_data();
	struct conf	 conf;
	struct conf_set	 cs[2];
	struct conf_release cr;
	struct snapshot	*s;
	struct record_set rs;
	struct record_err re;
	const struct snapshot_set_info *si;
	const struct snapshot_rec *sr, *out[500];
	struct snapshot_search q;
	char		 path[512], err[1024];
	char		 missing[] = "/nonexistent/hcpcs.txt";
	size_t		 n, total, i, brute;
	int		 ok;

	memset(&conf, 0, sizeof(conf));
	memset(cs, 0, sizeof(cs));
	memset(&cr, 0, sizeof(cr));
	conf.sets = cs;
	conf.nsets = 1;

	/* A set built by hand without a release is refused, by name. */
	snprintf(cs[0].name, sizeof(cs[0].name), "empty");
	cs[0].format = CONF_FMT_CMS_ANWEB;
	T_OK(build_snapshot(&conf, NULL, err, sizeof(err)) == NULL);
	T_EQ_STR(err, "set \"empty\": no releases");

	/* A failing set is named, with the loader's message. */
	snprintf(cs[0].name, sizeof(cs[0].name), "broken");
	cs[0].releases = &cr;
	cs[0].nreleases = 1;
	cr.path = missing;
	T_OK(build_snapshot(&conf, NULL, err, sizeof(err)) == NULL);
	T_OK(strncmp(err, "set \"broken\": ", 14) == 0);
	T_OK(strstr(err, "/nonexistent/hcpcs.txt") != NULL);

	if (d == NULL) {
		t_realdata_skipped("snapshot of the 2020 CMS file");
		return;
	}
	snprintf(path, sizeof(path), "%s/HCPC2020_ANWEB_w_disclaimer.txt", d);
	snprintf(cs[0].name, sizeof(cs[0].name), "hcpcs2020");
	cr.path = path;
	s = build_snapshot(&conf, NULL, err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "build_snapshot: %s\n", err);
		return;
	}
	si = snapshot_set(s, 0);
	T_EQ_STR(si->name, "hcpcs2020");
	T_EQ_STR(si->path, path);
	T_EQ_INT(si->records, 6710);
	T_EQ_INT(si->modifiers, 369);
	T_EQ_STR(si->sha256, "e7f6f58b91fa54d081be50230a1a34ae"
	    "4671038539a2b42ed055002d395c1063");
	T_OK(si->loaded_at > 0);
	sr = snapshot_find(s, -1, "G0503", 20200101);
	T_OK(sr != NULL && sr->rec->long_desc != NULL &&
	    strlen(sr->rec->long_desc) == 1251);
	T_OK(sr != NULL && sr->rec->terminated == 20171231);
	T_OK(snapshot_find(s, -1, "DA", 20200101) != NULL);

	/* Search agrees with a brute-force scan of a separate load. */
	memset(&q, 0, sizeof(q));
	q.text = "wheelchair";
	q.textlen = strlen(q.text);
	q.set = -1;
	q.as_of = 20200101;
	q.limit = NELEM(out);
	n = snapshot_search(s, &q, out, &total);
	printf("\"wheelchair\" over the 2020 file: %zu active matches\n",
	    total);
	T_OK(total > 50 && total < 500);
	T_EQ_INT(n, total);
	ok = 1;
	for (i = 0; i < n; i++) {
		if (!has_word(out[i]->rec->short_desc, "wheelchair") &&
		    !has_word(out[i]->rec->medium_desc, "wheelchair") &&
		    !has_word(out[i]->rec->long_desc, "wheelchair"))
			ok = 0;
		if (i > 0 && strcmp(out[i - 1]->rec->code,
		    out[i]->rec->code) >= 0)
			ok = 0;
	}
	T_OK(ok);
	record_set_init(&rs);
	T_EQ_INT(load_anweb(path, 0, &rs, &re), 0);
	for (i = 0, brute = 0; i < rs.nrecs; i++) {
		if (rs.recs[i].terminated != 0 &&
		    rs.recs[i].terminated < 20200101)
			continue;
		if (has_word(rs.recs[i].short_desc, "wheelchair") ||
		    has_word(rs.recs[i].medium_desc, "wheelchair") ||
		    has_word(rs.recs[i].long_desc, "wheelchair"))
			brute++;
	}
	T_EQ_INT(total, brute);
	record_set_free(&rs);

	q.text = "power wheelchair";
	q.textlen = strlen(q.text);
	n = snapshot_search(s, &q, out, &total);
	T_OK(total > 0 && total < brute);
	q.text = "k08";
	q.textlen = strlen(q.text);
	q.include_terminated = 1;
	n = snapshot_search(s, &q, out, &total);
	T_OK(total > 10);
	T_OK(n > 0 && strncmp(out[0]->rec->code, "K08", 3) == 0);
	snapshot_release(s);
}

/*
 * Releases by hand: "hcpcs" 2020 (listed first), 2019 and a future
 * 2999 release, then "local" always.
 *   X0001: in 2019 and 2020, long text changed, tos added in 2020;
 *   X0002: new in 2020;  X0003: gains TERM DT 20191231 in 2020;
 *   X0004: only in 2019 (removed);  X0005: same in both but its action
 *   and effective date, which diff ignores.
 */
struct diffcount {
	size_t		 n[SNAPSHOT_DIFF_MAX];
	char		 codes[SNAPSHOT_DIFF_MAX][64];
	uint32_t	 x0001_fields;
};

static void
diff_cb(void *arg, enum snapshot_diff_kind k, const char *code,
    uint32_t fields)
{
	struct diffcount *d = arg;
	size_t		 len = strlen(d->codes[k]);

	d->n[k]++;
	snprintf(d->codes[k] + len, sizeof(d->codes[k]) - len, "%s%s",
	    len > 0 ? " " : "", code);
	if (strcmp(code, "X0001") == 0)
		d->x0001_fields = fields;
}

static void
check_releases(void)
{
	struct snapshot_src src[4];
	struct snapshot	*s;
	struct record	*r;
	const struct snapshot_rec *sr, *out[8];
	const struct snapshot_set_info *si;
	struct snapshot_search q;
	struct diffcount d;
	static const char *const keys_rel[] = { "code", "set", "release",
	    "kind", "level", "short", "long", "tos", "status" };
	static const char *const keys_local[] = { "code", "set", "kind",
	    "level", "short", "status" };
	char		 err[256];
	msgpack_unpacked u;
	size_t		 n;

	memset(src, 0, sizeof(src));
	src[0].name = src[1].name = src[2].name = "hcpcs";
	src[0].format = src[1].format = src[2].format = "cms-anweb";
	src[0].path = "/d/2020.txt";
	src[0].effective = 20200101;
	src[0].effective_auto = 1;
	src[0].min_records = 3;
	src[1].path = "/d/2019.txt";
	src[1].effective = 20190101;
	src[2].path = "/d/2999.txt";
	src[2].effective = 29990101;
	src[3].name = "local";
	src[3].format = "delimited";
	src[3].path = "/d/local.csv";
	for (n = 0; n < NELEM(src); n++)
		record_set_init(&src[n].rs);
	r = add(&src[1].rs, "X0001", RECORD_PROCEDURE, "Widget", "Widget old");
	add(&src[1].rs, "X0003", RECORD_PROCEDURE, "Gadget", "Gadget");
	add(&src[1].rs, "X0004", RECORD_PROCEDURE, "Gizmo", "Gizmo");
	r = add(&src[1].rs, "X0005", RECORD_PROCEDURE, "Doohickey", NULL);
	r->action = dup(&src[1].rs, "N");
	r->effective = 20180101;
	r = add(&src[0].rs, "X0005", RECORD_PROCEDURE, "Doohickey", NULL);
	r->action = dup(&src[0].rs, "C");
	r->effective = 20200101;
	r = add(&src[0].rs, "X0001", RECORD_PROCEDURE, "Widget", "Widget new");
	r->tos[0] = dup(&src[0].rs, "1");
	add(&src[0].rs, "X0002", RECORD_PROCEDURE, "Sprocket", "Sprocket");
	r = add(&src[0].rs, "X0003", RECORD_PROCEDURE, "Gadget", "Gadget");
	r->terminated = 20191231;
	add(&src[2].rs, "X0009", RECORD_PROCEDURE, "Future", "Future");
	add(&src[3].rs, "X0002", RECORD_PROCEDURE, "Local sprocket", NULL);

	s = snapshot_build_sets(src, NELEM(src), err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "snapshot_build_sets: %s\n", err);
		return;
	}
	T_EQ_INT(snapshot_nsets(s), 2);
	si = snapshot_set(s, 0);
	T_EQ_INT(si->nreleases, 3);
	T_EQ_INT(si->releases[0].effective, 20190101);
	T_EQ_STR(si->releases[0].path, "/d/2019.txt");
	T_EQ_INT(si->releases[1].effective, 20200101);
	T_EQ_INT(si->releases[1].effective_auto, 1);
	T_EQ_INT(si->releases[1].records, 4);
	T_EQ_INT(si->releases[2].effective, 29990101);
	T_EQ_INT(si->min_records, 3);
	/* The set-level fields: the release in force now (2020). */
	T_EQ_STR(si->path, "/d/2020.txt");
	T_EQ_INT(si->records, 4);
	si = snapshot_set(s, 1);
	T_EQ_INT(si->nreleases, 1);
	T_EQ_INT(si->releases[0].effective, 0);

	T_EQ_INT(snapshot_in_force(s, 0, 20181231), -1);
	T_EQ_INT(snapshot_in_force(s, 0, 20190101), 0);
	T_EQ_INT(snapshot_in_force(s, 0, 20191231), 0);
	T_EQ_INT(snapshot_in_force(s, 0, 20200101), 1);
	T_EQ_INT(snapshot_in_force(s, 0, 29981231), 1);
	T_EQ_INT(snapshot_in_force(s, 0, 29990101), 2);
	T_EQ_INT(snapshot_in_force(s, 1, 10000101), 0);
	T_EQ_INT(snapshot_in_force(s, 2, 20200101), -1);
	T_EQ_INT(snapshot_release_index(s, 0, 20200101), 1);
	T_EQ_INT(snapshot_release_index(s, 0, 20200102), -1);
	T_EQ_INT(snapshot_release_index(s, 1, 0), 0);

	/* find: the release in force decides */
	sr = snapshot_find(s, -1, "X0001", 20190601);
	T_OK(sr != NULL && strcmp(sr->rec->long_desc, "Widget old") == 0 &&
	    sr->release == 20190101 && sr->release_index == 0);
	sr = snapshot_find(s, -1, "X0001", 20200601);
	T_OK(sr != NULL && strcmp(sr->rec->long_desc, "Widget new") == 0 &&
	    sr->release == 20200101);
	T_OK(snapshot_find(s, -1, "X0001", 20181231) == NULL);
	T_OK(snapshot_find(s, -1, "X0004", 20190601) != NULL);
	T_OK(snapshot_find(s, -1, "X0004", 20200601) == NULL);
	/* X0002: local (always) answers in 2019, hcpcs first in 2020 */
	sr = snapshot_find(s, -1, "X0002", 20190601);
	T_OK(sr != NULL && strcmp(sr->set, "local") == 0 && sr->release == 0);
	sr = snapshot_find(s, -1, "X0002", 20200601);
	T_OK(sr != NULL && strcmp(sr->set, "hcpcs") == 0);
	T_OK(snapshot_find(s, 0, "X0002", 20190601) == NULL);
	T_OK(snapshot_find(s, -1, "X0009", 20200601) == NULL);
	T_OK(snapshot_find(s, -1, "X0009", 29990101) != NULL);

	/* search: only the release in force, status judged on as_of */
	memset(&q, 0, sizeof(q));
	q.text = "widget";
	q.textlen = 6;
	q.set = -1;
	q.as_of = 20190601;
	q.limit = NELEM(out);
	n = snapshot_search(s, &q, out, NULL);
	T_EQ_INT(n, 1);
	T_OK(n == 1 && out[0]->release == 20190101);
	q.as_of = 20200601;
	n = snapshot_search(s, &q, out, NULL);
	T_OK(n == 1 && out[0]->release == 20200101);
	q.as_of = 20180101;
	T_EQ_INT(snapshot_search(s, &q, out, NULL), 0);
	q.text = "gadget";
	q.textlen = 6;
	q.as_of = 20200601;
	T_EQ_INT(snapshot_search(s, &q, out, NULL), 0);	/* terminated */
	q.as_of = 20190601;
	T_EQ_INT(snapshot_search(s, &q, out, NULL), 1);

	/* the encoded map: "release" right after "set", absent for local */
	sr = snapshot_find(s, -1, "X0001", 20200601);
	if (sr != NULL) {
		check_map(sr, 20200601, keys_rel, NELEM(keys_rel), &u);
		T_OK(obj_is(map_get(&u.data, "release"), "2020-01-01"));
		msgpack_unpacked_destroy(&u);
	}
	sr = snapshot_find(s, -1, "X0002", 20190601);
	if (sr != NULL) {
		check_map(sr, 20190601, keys_local, NELEM(keys_local), &u);
		msgpack_unpacked_destroy(&u);
	}

	/* diff 2019 -> 2020 */
	memset(&d, 0, sizeof(d));
	snapshot_diff(s, 0, 0, 1, diff_cb, &d);
	T_EQ_STR(d.codes[SNAPSHOT_DIFF_ADDED], "X0002");
	T_EQ_STR(d.codes[SNAPSHOT_DIFF_REMOVED], "X0004");
	T_EQ_STR(d.codes[SNAPSHOT_DIFF_TERMINATED], "X0003");
	T_EQ_STR(d.codes[SNAPSHOT_DIFF_CHANGED], "X0001 X0003");
	T_EQ_INT(d.x0001_fields, (1u << RF_LONG) | (1u << RF_TOS));
	/* out of range: nothing */
	memset(&d, 0, sizeof(d));
	snapshot_diff(s, 0, 0, 7, diff_cb, &d);
	snapshot_diff(s, 5, 0, 1, diff_cb, &d);
	T_EQ_INT(d.n[SNAPSHOT_DIFF_ADDED] + d.n[SNAPSHOT_DIFF_CHANGED], 0);
	snapshot_release(s);

	/* Two releases of one set on one date: refused, both named. */
	memset(src, 0, sizeof(src));
	src[0].name = src[1].name = "hcpcs";
	src[0].format = src[1].format = "cms-anweb";
	src[0].path = "/d/a.txt";
	src[1].path = "/d/b.txt";
	src[0].effective = src[1].effective = 20200101;
	record_set_init(&src[0].rs);
	record_set_init(&src[1].rs);
	add(&src[0].rs, "X0001", RECORD_PROCEDURE, "Widget", NULL);
	add(&src[1].rs, "X0001", RECORD_PROCEDURE, "Widget", NULL);
	s = snapshot_build_sets(src, 2, err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	T_EQ_STR(err, "set \"hcpcs\": /d/a.txt and /d/b.txt are both "
	    "effective 2020-01-01");
	T_EQ_INT(src[0].rs.nrecs, 0);	/* taken over and freed */
}

/* Replace the file at path by a new one (a new inode), as cp+mv would. */
static void
swap_file(const char *path)
{
	char	 tmp[600];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fputs("HCPC,LONG\nW2000,Swapped in while loading\n", f);
	fclose(f);
	rename(tmp, path);
}

/*
 * A file replaced between its hash and its parse would be reported by
 * one sha256 and served with another's records: the load fails.
 */
static void
check_changed_while_loading(void)
{
	struct conf	 conf;
	struct conf_set	 cs;
	struct conf_release cr;
	struct snapshot	*s;
	static const char csv[] = "HCPC,LONG\nW1000,Local visit\n";
	char		*path, err[1024];

	path = t_write_file(t_mkdtemp("snapshot"), "local.csv", csv,
	    sizeof(csv) - 1, 0644);
	memset(&conf, 0, sizeof(conf));
	memset(&cs, 0, sizeof(cs));
	memset(&cr, 0, sizeof(cr));
	conf.sets = &cs;
	conf.nsets = 1;
	snprintf(cs.name, sizeof(cs.name), "local");
	cs.format = CONF_FMT_DELIMITED;
	cs.releases = &cr;
	cs.nreleases = 1;
	cr.path = path;
	cs.delimiter = ',';
	cs.columns[0].field = RF_CODE;
	cs.columns[0].headers[0] = (char *)"HCPC";
	cs.columns[0].nheaders = 1;
	cs.columns[1].field = RF_LONG;
	cs.columns[1].headers[0] = (char *)"LONG";
	cs.columns[1].nheaders = 1;
	cs.ncolumns = 2;

	s = build_snapshot(&conf, NULL, err, sizeof(err));
	T_OK(s != NULL);
	T_OK(s != NULL && snapshot_find(s, -1, "W1000", 20200101) != NULL);
	snapshot_release(s);

	load_after_hash = swap_file;
	s = build_snapshot(&conf, NULL, err, sizeof(err));
	load_after_hash = NULL;
	T_OK(s == NULL);
	T_OK(strstr(err, "local.csv: changed while it was being loaded") !=
	    NULL);
	snapshot_release(s);
}

/* The classes of codes a set holds: classify's system and kind. */
static void
check_holds(const struct snapshot *s)
{
	static const struct {
		const char	*code;
		enum snapshot_class k;
		const char	*name;
	} want[] = {
		{ "99213", SNAPSHOT_CPT, "CPT codes" },
		{ "0001F", SNAPSHOT_CPT, "CPT codes" },
		{ "25", SNAPSHOT_CPT_MOD, "CPT modifiers" },
		{ "P1", SNAPSHOT_CPT_MOD, "CPT modifiers" },
		{ "J1100", SNAPSHOT_HCPCS, "HCPCS codes" },
		{ "Z9999", SNAPSHOT_HCPCS, "HCPCS codes" },
		{ "GA", SNAPSHOT_HCPCS_MOD, "HCPCS modifiers" },
		{ "D0120", SNAPSHOT_CDT, "CDT codes" },
	};
	struct classify	 cl;
	size_t		 i;

	for (i = 0; i < NELEM(want); i++) {
		T_EQ_INT(classify_code(want[i].code, strlen(want[i].code),
		    &cl), 0);
		T_EQ_INT(snapshot_class(&cl), want[i].k);
		T_EQ_STR(snapshot_class_name(snapshot_class(&cl)),
		    want[i].name);
	}
	memset(&cl, 0, sizeof(cl));
	T_EQ_INT(snapshot_class(&cl), SNAPSHOT_CLASS_MAX);
	/* hcpcs: procedures and a modifier; local: procedures only. */
	T_EQ_INT(snapshot_set(s, 0)->holds,
	    1u << SNAPSHOT_HCPCS | 1u << SNAPSHOT_HCPCS_MOD);
	T_EQ_INT(snapshot_set(s, 1)->holds, 1u << SNAPSHOT_HCPCS);
	T_OK(snapshot_holds(s, 0, SNAPSHOT_HCPCS_MOD));
	T_OK(!snapshot_holds(s, 1, SNAPSHOT_HCPCS_MOD));
	T_OK(!snapshot_holds(s, 0, SNAPSHOT_CPT));
	T_OK(!snapshot_holds(s, 2, SNAPSHOT_HCPCS));	/* no such set */
}

/*
 * The code index against the rule it implements, over 2,000 codes in
 * two sets (three releases, one always in force): whether release k
 * has code i is a fixed function of both, some releases list a code
 * twice (the first in file order answers), and each answer is checked
 * against the set order and the release in force, for every as_of and
 * set choice.  Also codes no table can hold.
 */
#define FM_CODES	2000

static int
fm_has(unsigned i, unsigned k)
{
	return (i * 7 + k * 3) % (k + 2) != 0;
}

static void
fm_code(unsigned i, char *code)
{
	/* Procedures, then two-character modifiers. */
	if (i < 1600)
		snprintf(code, RECORD_CODE_MAX + 1, "%c%04u",
		    "ABJKZ"[i % 5], i * 37 % 10000);
	else
		snprintf(code, RECORD_CODE_MAX + 1, "%c%c",
		    'A' + (i - 1600) / 26 % 26, 'A' + (i - 1600) % 26);
}

static void
check_find_many(void)
{
	static const uint32_t eff[3] = { 20190101, 20200101, 0 };
	static const uint32_t dates[] = { 20181231, 20190601, 20200601 };
	struct snapshot_src src[3];
	struct snapshot	*s;
	const struct snapshot_rec *sr;
	char		 err[256], code[RECORD_CODE_MAX + 1], want[32];
	unsigned	 i, k, d, bad = 0;
	int		 set, cur, wk;

	memset(src, 0, sizeof(src));
	src[0].name = src[1].name = "hcpcs";
	src[2].name = "local";
	for (k = 0; k < 3; k++) {
		src[k].format = "cms-anweb";
		src[k].path = "/d/x.txt";
		src[k].effective = eff[k];
		record_set_init(&src[k].rs);
		for (i = 0; i < FM_CODES; i++) {
			if (!fm_has(i, k))
				continue;
			fm_code(i, code);
			snprintf(want, sizeof(want), "r%u c%u", k, i);
			add(&src[k].rs, code, i < 1600 ? RECORD_PROCEDURE :
			    RECORD_MODIFIER, "x", want);
			if (i % 11 == 0)
				add(&src[k].rs, code, RECORD_PROCEDURE, "x",
				    "a later duplicate");
		}
	}
	s = snapshot_build_sets(src, NELEM(src), err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL)
		return;
	for (i = 0; i < FM_CODES; i++) {
		fm_code(i, code);
		for (d = 0; d < NELEM(dates); d++)
			for (set = -1; set < 3; set++) {
				/* Set 0 is releases 0 and 1, set 1 is 2. */
				wk = -1;
				if (set <= 0) {
					cur = dates[d] >= eff[1] ? 1 :
					    dates[d] >= eff[0] ? 0 : -1;
					if (cur >= 0 && fm_has(i, (unsigned)cur))
						wk = cur;
				}
				if (wk < 0 && (set == -1 || set == 1) &&
				    fm_has(i, 2))
					wk = 2;
				snprintf(want, sizeof(want), "r%d c%u", wk, i);
				sr = snapshot_find(s, set, code, dates[d]);
				if (wk < 0 ? sr != NULL : sr == NULL ||
				    strcmp(sr->rec->long_desc, want) != 0 ||
				    strcmp(sr->rec->code, code) != 0)
					bad++;
			}
	}
	T_EQ_INT(bad, 0);
	T_OK(snapshot_find(s, -1, "", 20200601) == NULL);
	T_OK(snapshot_find(s, -1, "A00000", 20200601) == NULL);
	T_OK(snapshot_find(s, -1, "A0000\n", 20200601) == NULL);
	T_OK(snapshot_find(s, 3, "A0000", 20200601) == NULL);
	fm_code(0, code);
	T_OK(snapshot_find(s, -1, code, 20200601) != NULL);
	snapshot_release(s);
}

int
main(void)
{
	struct snapshot	*s;

	s = fixture();
	check_info(s);
	check_find(s);
	check_search(s);
	check_encoding(s);
	check_holds(s);
	snapshot_release(s);
	check_scan();
	check_publish();
	check_real();
	check_releases();
	check_find_many();
	check_full_record();
	check_changed_while_loading();
	return t_done();
}
