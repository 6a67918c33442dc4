/*
 * test_record.c: field parsing, encodings and dates of the record model.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "t.h"

static void
test_fields(void)
{
	struct record_set	 set;
	struct record_err	 err;
	struct record		*r;

	record_set_init(&set);
	r = record_set_add(&set);
	T_OK(r != NULL);
	T_EQ_INT(r->anesthesia_units, -1);
	T_EQ_INT(record_set_field(&set, r, RF_CODE, " j1100 ", 7, 0, &err), 0);
	T_EQ_STR(r->code, "J1100");
	T_EQ_INT(r->kind, RECORD_PROCEDURE);
	T_EQ_INT(record_set_field(&set, r, RF_LONG, " two  spaces   ", 15, 0,
	    &err), 0);
	T_EQ_STR(r->long_desc, " two  spaces");
	T_EQ_INT(record_set_field(&set, r, RF_ADDED, "20190101", 8, 0, &err), 0);
	T_EQ_INT(r->added, 20190101);
	T_EQ_INT(record_set_field(&set, r, RF_TERMINATED, "2019-12-31", 10, 0,
	    &err), 0);
	T_EQ_INT(r->terminated, 20191231);
	T_EQ_INT(record_set_field(&set, r, RF_EFFECTIVE, "        ", 8, 0,
	    &err), 0);
	T_EQ_INT(r->effective, 0);
	T_EQ_INT(record_set_field(&set, r, RF_ASC_DATE, "170401  ", 8, 0,
	    &err), 0);
	T_EQ_INT(r->asc_date, 0);
	T_EQ_INT(r->nraw, 1);
	T_EQ_STR(r->raw[0].field, "asc_date");
	T_EQ_STR(r->raw[0].value, "170401");
	T_EQ_INT(set.stats.bad_dates, 1);
	T_EQ_INT(record_set_field(&set, r, RF_ADDED, "20190230", 8, 0, &err), 0);
	T_EQ_INT(set.stats.bad_dates, 2);
	T_EQ_INT(record_set_field(&set, r, RF_TOS, "1", 1, 0, &err), 0);
	T_EQ_INT(record_set_field(&set, r, RF_TOS, " ", 1, 0, &err), 0);
	T_EQ_INT(record_set_field(&set, r, RF_TOS, "9", 1, 0, &err), 0);
	T_EQ_STR(r->tos[0], "1");
	T_EQ_STR(r->tos[1], "9");
	T_OK(r->tos[2] == NULL);
	T_EQ_INT(record_set_field(&set, r, RF_ANESTHESIA_UNITS, "  0", 3, 0,
	    &err), 0);
	T_EQ_INT(r->anesthesia_units, 0);
	/* cp1252 0x92 is U+2019; invalid UTF-8 falls back to cp1252. */
	T_EQ_INT(record_set_field(&set, r, RF_SHORT, "CMS\x92 note", 9, 1,
	    &err), 0);
	T_EQ_STR(r->short_desc, "CMS\xe2\x80\x99 note");
	T_EQ_INT(record_set_field(&set, r, RF_MEDIUM, "caf\xe9", 4, 0, &err), 0);
	T_EQ_STR(r->medium_desc, "caf\xc3\xa9");
	T_EQ_INT(record_set_field(&set, r, RF_STATUTE, "caf\xc3\xa9", 5, 0,
	    &err), 0);
	T_EQ_STR(r->statute, "caf\xc3\xa9");
	T_EQ_INT(record_set_field(&set, r, RF_CODE, "A001", 4, 0, &err), -1);
	T_OK(strstr(err.msg, "A001") != NULL);

	r = record_set_add(&set);
	T_EQ_INT(record_set_field(&set, r, RF_CODE, "   xe", 5, 0, &err), 0);
	T_EQ_STR(r->code, "XE");
	T_EQ_INT(r->kind, RECORD_MODIFIER);
	T_EQ_INT(set.nrecs, 2);
	record_set_free(&set);
}

/* Set field name of r to v; the call's return. */
static int
set_named(struct record_set *set, struct record *r, const char *name,
    const char *v)
{
	int	 f = record_field_lookup(name);

	T_OK(f >= 0);
	if (f < 0)
		return -2;
	return record_set_field(set, r, (enum record_field)f, v, strlen(v), 0,
	    NULL);
}

/* Fill a list field past its last slot: the extra is a bad value. */
static void
check_list(struct record_set *set, struct record *r, const char *name,
    const char *const *slots, size_t max)
{
	size_t	 bad = set->stats.bad_values, nraw = r->nraw, i;
	char	 v[8];

	T_OK(record_field_is_list((enum record_field)record_field_lookup(
	    name)));
	for (i = 0; i <= max; i++) {
		snprintf(v, sizeof(v), "v%zu", i);
		T_EQ_INT(set_named(set, r, name, v), 0);
	}
	for (i = 0; i < max; i++) {
		snprintf(v, sizeof(v), "v%zu", i);
		T_OK(slots[i] != NULL && strcmp(slots[i], v) == 0);
	}
	T_EQ_INT(set->stats.bad_values, bad + 1);
	T_EQ_INT(r->nraw, nraw + 1);
	T_EQ_STR(r->raw[nraw].field, name);
	snprintf(v, sizeof(v), "v%zu", max);
	T_EQ_STR(r->raw[nraw].value, v);
}

/*
 * Every field by its protocol name lands in its own member, as its
 * type: the names in docs/protocol.md's record-map order.
 */
static void
test_every_field(void)
{
	static const char *const names[] = {
		"code", "short", "medium", "long", "added", "effective",
		"terminated", "action", "coverage", "pricing", "mult_pricing",
		"cim", "mcm", "statute", "labcert", "xref", "asc_group",
		"asc_date", "opps", "opps_pi", "opps_date", "proc_note",
		"betos", "tos", "anesthesia_units"
	};
	struct record_set	 set;
	struct record		*r;
	size_t			 i;

	T_EQ_INT(RF_MAX, sizeof(names) / sizeof(names[0]));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		T_EQ_STR(record_field_name((enum record_field)i), names[i]);
		T_EQ_INT(record_field_lookup(names[i]), i);
	}
	T_OK(record_field_name(RF_MAX) == NULL);
	T_OK(record_field_name((enum record_field)-1) == NULL);

	record_set_init(&set);
	r = record_set_add(&set);
	{
		/* Text fields: source text, then what the member holds. */
		const struct {
			const char	*name, *in, *out;
			const char	**member;
		} strs[] = {
			{ "short", " s ", " s", &r->short_desc },
			{ "medium", " m", " m", &r->medium_desc },
			{ "long", " l", " l", &r->long_desc },
			{ "action", " a", "a", &r->action },
			{ "coverage", "c", "c", &r->coverage },
			{ "mult_pricing", "mp", "mp", &r->mult_pricing },
			{ "statute", "st", "st", &r->statute },
			{ "asc_group", "ag", "ag", &r->asc_group },
			{ "opps", "o", "o", &r->opps },
			{ "opps_pi", "op", "op", &r->opps_pi },
			{ "proc_note", "pn", "pn", &r->proc_note },
			{ "betos", "b", "b", &r->betos },
		};
		const struct {
			const char	*name, *in;
			uint32_t	 out;
			uint32_t	*member;
		} dates[] = {
			{ "added", "20010101", 20010101, &r->added },
			{ "effective", "20020202", 20020202, &r->effective },
			{ "terminated", "20030303", 20030303, &r->terminated },
			{ "asc_date", "2004-04-04", 20040404, &r->asc_date },
			{ "opps_date", "20050505", 20050505, &r->opps_date },
		};

		for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
			T_EQ_INT(set_named(&set, r, strs[i].name, strs[i].in),
			    0);
			T_EQ_STR(*strs[i].member, strs[i].out);
		}
		for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
			T_EQ_INT(set_named(&set, r, dates[i].name,
			    dates[i].in), 0);
			T_EQ_INT(*dates[i].member, dates[i].out);
		}
	}
	T_EQ_INT(set_named(&set, r, "code", "k0010"), 0);
	T_EQ_STR(r->code, "K0010");
	T_EQ_INT(set_named(&set, r, "anesthesia_units", "12"), 0);
	T_EQ_INT(r->anesthesia_units, 12);
	T_EQ_INT(set.stats.bad_values, 0);
	T_EQ_INT(set.stats.bad_dates, 0);
	T_EQ_INT(r->nraw, 0);
	T_OK(!record_field_is_list(RF_ANESTHESIA_UNITS));
	T_OK(!record_field_is_list(RF_ADDED));
	T_OK(!record_field_is_list(RF_CODE));

	check_list(&set, r, "pricing", r->pricing, RECORD_MAX_PRICING);
	check_list(&set, r, "cim", r->cim, RECORD_MAX_CIM);
	check_list(&set, r, "mcm", r->mcm, RECORD_MAX_MCM);
	check_list(&set, r, "labcert", r->labcert, RECORD_MAX_LABCERT);
	check_list(&set, r, "xref", r->xref, RECORD_MAX_XREF);
	check_list(&set, r, "tos", r->tos, RECORD_MAX_TOS);

	/* Bad values of each type: raw under the field's name. */
	r = record_set_add(&set);
	T_EQ_INT(set_named(&set, r, "opps_date", "2005"), 0);
	T_EQ_INT(set_named(&set, r, "anesthesia_units", "1x"), 0);
	T_EQ_INT(r->opps_date, 0);
	T_EQ_INT(r->anesthesia_units, -1);
	T_EQ_INT(r->nraw, 2);
	T_EQ_STR(r->raw[0].field, "opps_date");
	T_EQ_STR(r->raw[0].value, "2005");
	T_EQ_STR(r->raw[1].field, "anesthesia_units");
	T_EQ_STR(r->raw[1].value, "1x");
	T_EQ_INT(set.stats.bad_dates, 1);
	T_EQ_INT(set.stats.bad_values, 6 + 1);
	record_set_free(&set);
}

static void
test_names_dates(void)
{
	struct tm	 tm;
	time_t		 now;
	uint32_t	 today;
	char		 buf[11];
	long		 d;

	T_OK(record_utf8_valid("caf\xc3\xa9 \xe2\x80\x99", 9));
	T_OK(!record_utf8_valid("caf\xe9", 4));
	T_OK(!record_utf8_valid("\xc0\xaf", 2));		/* overlong */
	T_OK(!record_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	T_OK(!record_utf8_valid("\xe2\x80", 2));		/* truncated */
	T_EQ_INT(record_field_lookup("asc_group"), RF_ASC_GROUP);
	T_EQ_INT(record_field_lookup("nope"), -1);
	T_EQ_STR(record_field_name(RF_ANESTHESIA_UNITS), "anesthesia_units");
	T_OK(record_field_is_list(RF_XREF));
	T_OK(!record_field_is_list(RF_SHORT));
	record_format_date(20171231, buf);
	T_EQ_STR(buf, "2017-12-31");
	d = record_date_to_days(20171231);
	T_EQ_INT(record_days_to_date(d + 1), 20180101);
	T_EQ_INT(record_date_to_days(19700101), 0);
	T_EQ_INT(record_days_to_date(record_date_to_days(20200229) + 1),
	    20200301);
	/* record_today is what gmtime says, unless midnight passes now. */
	now = time(NULL);
	T_OK(gmtime_r(&now, &tm) != NULL);
	today = (uint32_t)(tm.tm_year + 1900) * 10000 +
	    (uint32_t)(tm.tm_mon + 1) * 100 + (uint32_t)tm.tm_mday;
	T_OK(record_today() == today ||
	    record_today() == record_days_to_date(record_date_to_days(today) +
	    1));
}

static void
test_index(void)
{
	struct record_set	 set;
	struct record_index	 ix = { NULL, 0, 0 };
	struct record		*r;
	char			 code[6];
	size_t			 i, bad = 0;

	record_set_init(&set);
	T_EQ_INT(record_index_get(&ix, &set, "A0021"), -1);
	/* Enough codes to make the table grow several times. */
	for (i = 0; i < 3000; i++) {
		r = record_set_add(&set);
		snprintf(code, sizeof(code), "A%04zu", i);
		memcpy(r->code, code, sizeof(code));
		if (record_index_put(&ix, &set, set.nrecs - 1) == -1)
			bad++;
	}
	T_EQ_INT(bad, 0);
	for (i = 0; i < 3000; i++) {
		snprintf(code, sizeof(code), "A%04zu", i);
		if (record_index_get(&ix, &set, code) != (long)i)
			bad++;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(record_index_get(&ix, &set, "B0001"), -1);
	T_EQ_INT(ix.n, 3000);
	record_index_free(&ix);
	T_OK(ix.slot == NULL);
	record_set_free(&set);
}

int
main(void)
{
	test_index();
	test_fields();
	test_every_field();
	test_names_dates();
	return t_done();
}
