/*
 * record.c: the record model's storage and the one place where source
 * text becomes field values (trimming, dates, lists, encodings).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "text.h"

/*
 * Strings live in a chunked bump arena owned by the set: a code set is
 * loaded once and freed whole, so per-string frees would only cost time.
 */
#define ARENA_CHUNK	(64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t		 used;
	size_t		 size;
	char		 data[];
};

struct record_arena {
	struct arena_chunk *head;
};

/*
 * A row's offset, checked against the member's type: a row naming a
 * member of another type does not compile.
 */
#define AT(m, type)	(offsetof(struct record, m) + \
			    0 * _Generic(((struct record *)0)->m, type: 0))
#define NSLOTS(m)	(sizeof(((struct record *)0)->m) / \
			    sizeof(((struct record *)0)->m[0]))
#define CODE(k, m)	{ k, RECORD_T_CODE, AT(m, char *), 1 }
#define TEXT(k, m)	{ k, RECORD_T_TEXT, AT(m, const char *), 1 }
#define STR(k, m)	{ k, RECORD_T_STR, AT(m, const char *), 1 }
#define DATE(k, m)	{ k, RECORD_T_DATE, AT(m, uint32_t), 1 }
#define LIST(k, m)	{ k, RECORD_T_LIST, AT(m, const char **), NSLOTS(m) }
#define UINT(k, m)	{ k, RECORD_T_UINT, AT(m, int), 1 }

/* The fields, in docs/protocol.md's record-map order (record.h). */
static const struct record_field_info fields[RF_MAX] = {
	[RF_CODE] =		CODE("code", code),
	[RF_SHORT] =		TEXT("short", short_desc),
	[RF_MEDIUM] =		TEXT("medium", medium_desc),
	[RF_LONG] =		TEXT("long", long_desc),
	[RF_ADDED] =		DATE("added", added),
	[RF_EFFECTIVE] =	DATE("effective", effective),
	[RF_TERMINATED] =	DATE("terminated", terminated),
	[RF_ACTION] =		STR("action", action),
	[RF_COVERAGE] =		STR("coverage", coverage),
	[RF_PRICING] =		LIST("pricing", pricing),
	[RF_MULT_PRICING] =	STR("mult_pricing", mult_pricing),
	[RF_CIM] =		LIST("cim", cim),
	[RF_MCM] =		LIST("mcm", mcm),
	[RF_STATUTE] =		STR("statute", statute),
	[RF_LABCERT] =		LIST("labcert", labcert),
	[RF_XREF] =		LIST("xref", xref),
	[RF_ASC_GROUP] =	STR("asc_group", asc_group),
	[RF_ASC_DATE] =		DATE("asc_date", asc_date),
	[RF_OPPS] =		STR("opps", opps),
	[RF_OPPS_PI] =		STR("opps_pi", opps_pi),
	[RF_OPPS_DATE] =	DATE("opps_date", opps_date),
	[RF_PROC_NOTE] =	STR("proc_note", proc_note),
	[RF_BETOS] =		STR("betos", betos),
	[RF_TOS] =		LIST("tos", tos),
	[RF_ANESTHESIA_UNITS] =	UINT("anesthesia_units", anesthesia_units),
};
#undef AT
#undef NSLOTS
#undef CODE
#undef TEXT
#undef STR
#undef DATE
#undef LIST
#undef UINT

/* cp1252 0x80..0x9F; 0 marks the five undefined bytes (U+FFFD). */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

static void *
arena_alloc(struct record_set *set, size_t n)
{
	struct arena_chunk	*c;
	size_t			 size;

	if (set->arena == NULL) {
		set->arena = calloc(1, sizeof(*set->arena));
		if (set->arena == NULL)
			return NULL;
	}
	n = (n + 7) & ~(size_t)7;
	c = set->arena->head;
	if (c == NULL || c->size - c->used < n) {
		size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->used = 0;
		c->size = size;
		/* A big one-off goes behind the head, which keeps filling. */
		if (n > ARENA_CHUNK / 2 && set->arena->head != NULL) {
			c->next = set->arena->head->next;
			set->arena->head->next = c;
		} else {
			c->next = set->arena->head;
			set->arena->head = c;
		}
	}
	c->used += n;
	return c->data + c->used - n;
}

void
record_set_init(struct record_set *set)
{
	memset(set, 0, sizeof(*set));
}

void
record_set_free(struct record_set *set)
{
	struct arena_chunk	*c, *next;

	if (set->arena != NULL) {
		for (c = set->arena->head; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		free(set->arena);
	}
	free(set->recs);
	memset(set, 0, sizeof(*set));
}

struct record *
record_set_add(struct record_set *set)
{
	struct record	*r;
	size_t		 ncap;

	if (set->nrecs == set->cap) {
		ncap = set->cap ? set->cap * 2 : 1024;
		r = realloc(set->recs, ncap * sizeof(*r));
		if (r == NULL)
			return NULL;
		set->recs = r;
		set->cap = ncap;
	}
	r = &set->recs[set->nrecs++];
	memset(r, 0, sizeof(*r));
	r->anesthesia_units = -1;
	return r;
}

void
record_set_drop_last(struct record_set *set)
{
	if (set->nrecs > 0)
		set->nrecs--;
}

char *
record_strndup(struct record_set *set, const char *s, size_t len)
{
	char	*p;

	p = arena_alloc(set, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static size_t
utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[2] = (char)(0x80 | (cp & 0x3F));
	return 3;
}

char *
record_cp1252_dup(struct record_set *set, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*p, *o;
	unsigned		 cp;
	size_t			 i;

	/* Every cp1252 byte is at most 3 bytes of UTF-8. */
	p = arena_alloc(set, len * 3 + 1);
	if (p == NULL)
		return NULL;
	for (i = 0, o = p; i < len; i++) {
		cp = u[i];
		if (cp >= 0x80 && cp < 0xA0)
			cp = cp1252_high[cp - 0x80] ? cp1252_high[cp - 0x80] :
			    0xFFFD;
		o += utf8_put(o, cp);
	}
	*o = '\0';
	return p;
}

int
record_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t		i, n;

	/* Whole files go through here: ASCII without a call. */
	for (i = 0; i < len; i += n)
		if ((n = s[i] < 0x80) == 0 &&
		    (n = text_utf8_len(s + i, len - i)) == 0)
			return 0;
	return 1;
}

/*
 * Text that claims to be UTF-8 but is not is taken as cp1252, so every
 * string we serve is valid UTF-8 whatever a source file holds.
 */
static const char *
text_dup(struct record_set *set, const char *s, size_t len, int cp1252)
{
	if (!cp1252 && record_utf8_valid(s, len))
		return record_strndup(set, s, len);
	return record_cp1252_dup(set, s, len);
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
add_raw(struct record_set *set, struct record *r,
    const struct record_field_info *fi, const char *s, size_t len,
    int cp1252)
{
	const char	*v;

	if (r->nraw == RECORD_MAX_RAW)
		return 0;	/* counted by the caller; no room to keep */
	v = text_dup(set, s, len, cp1252);
	if (v == NULL)
		return -1;
	r->raw[r->nraw].field = fi->name;
	r->raw[r->nraw].value = v;
	r->nraw++;
	return 0;
}

static int
set_list(struct record_set *set, const char **slots, size_t nslots,
    const char *s, size_t len, int cp1252)
{
	size_t	i;

	for (i = 0; i < nslots; i++) {
		if (slots[i] == NULL) {
			slots[i] = text_dup(set, s, len, cp1252);
			return slots[i] == NULL ? -1 : 0;
		}
	}
	return 1;	/* full */
}

int
record_set_field(struct record_set *set, struct record *r,
    enum record_field f, const char *s, size_t len, int cp1252,
    struct record_err *err)
{
	const struct record_field_info *fi = record_field_info(f);
	void		*p;
	const char	**str;
	size_t		 i;
	int		 rc, units;

	if (fi == NULL)
		return 0;
	/* Descriptors keep leading blanks: the CMS join rule depends on it. */
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (fi->type != RECORD_T_TEXT)
		while (len > 0 && is_blank(*s)) {
			s++;
			len--;
		}
	if (len == 0)
		return 0;

	p = (char *)r + fi->offset;
	switch (fi->type) {
	case RECORD_T_CODE:
		if (record_normalize_code(s, len, p) < 0) {
			if (err != NULL)
				snprintf(err->msg, sizeof(err->msg),
				    "bad code \"%.*s\" (expected 5 characters "
				    "such as J1100 or 99213, or a 2-character "
				    "modifier)", (int)(len > 20 ? 20 : len), s);
			return -1;
		}
		r->kind = strlen(p) == 2 ? RECORD_MODIFIER : RECORD_PROCEDURE;
		return 0;
	case RECORD_T_TEXT:
	case RECORD_T_STR:
		str = p;
		*str = text_dup(set, s, len, cp1252);
		return *str == NULL ? -1 : 0;
	case RECORD_T_DATE:
		if (record_parse_date(s, len, p) == 0)
			return 0;
		*(uint32_t *)p = 0;
		set->stats.bad_dates++;
		return add_raw(set, r, fi, s, len, cp1252);
	case RECORD_T_LIST:
		rc = set_list(set, p, fi->max, s, len, cp1252);
		if (rc <= 0)
			return rc;
		break;
	case RECORD_T_UINT:
		units = 0;
		for (i = 0; i < len && i < 6; i++) {
			if (!isdigit((unsigned char)s[i]))
				break;
			units = units * 10 + (s[i] - '0');
		}
		if (i == len) {
			*(int *)p = units;
			return 0;
		}
		break;
	}
	set->stats.bad_values++;
	return add_raw(set, r, fi, s, len, cp1252);
}

const struct record_field_info *
record_field_info(enum record_field f)
{
	if ((int)f < 0 || f >= RF_MAX)
		return NULL;
	return &fields[f];
}

const void *
record_field_ptr(const struct record *r, enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);

	return fi == NULL ? NULL : (const char *)r + fi->offset;
}

const char *
record_field_name(enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);

	return fi == NULL ? NULL : fi->name;
}

int
record_field_lookup(const char *name)
{
	int	i;

	for (i = 0; i < RF_MAX; i++)
		if (strcmp(fields[i].name, name) == 0)
			return i;
	return -1;
}

int
record_field_is_list(enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);

	return fi != NULL && fi->type == RECORD_T_LIST;
}

int
record_normalize_code(const char *s, size_t len, char out[RECORD_CODE_MAX + 1])
{
	size_t	i;

	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	if (len != 2 && len != 5)
		return -1;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80 ||
		    !isalnum((unsigned char)s[i]))
			return -1;
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[len] = '\0';
	return (int)len;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	size_t		i;
	unsigned	v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned
days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int
record_parse_date(const char *s, size_t len, uint32_t *out)
{
	unsigned	y, m, d;

	if (len == 8) {
		if (digits(s, 4, &y) || digits(s + 4, 2, &m) ||
		    digits(s + 6, 2, &d))
			return -1;
	} else if (len == 10 && s[4] == '-' && s[7] == '-') {
		if (digits(s, 4, &y) || digits(s + 5, 2, &m) ||
		    digits(s + 8, 2, &d))
			return -1;
	} else
		return -1;
	if (y < 1000 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

void
record_format_date(uint32_t date, char buf[11])
{
	snprintf(buf, 11, "%04u-%02u-%02u", (date / 10000) % 10000,
	    (date / 100) % 100, date % 100);
}

/* H. Hinnant's days_from_civil / civil_from_days, proleptic Gregorian. */
long
record_date_to_days(uint32_t date)
{
	long		y = date / 10000;
	unsigned	m = (date / 100) % 100, d = date % 100;
	long		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

uint32_t
record_days_to_date(long z)
{
	long		era, y;
	unsigned	doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	return (uint32_t)(y * 10000 + m * 100 + d);
}

uint32_t
record_today(void)
{
	/* POSIX time has no leap seconds: every day is 86400 of them. */
	return record_days_to_date((long)(time(NULL) / 86400));
}

/*
 * The code index loaders use to merge and drop duplicates while they
 * read: open addressing over the set's records, slots hold index + 1.
 */

/* FNV-1a */
static uint32_t
record_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

long
record_index_get(const struct record_index *ix, const struct record_set *set,
    const char *code)
{
	size_t	i;

	if (ix->cap == 0)
		return -1;
	for (i = record_hash(code) & (ix->cap - 1); ix->slot[i] != 0;
	    i = (i + 1) & (ix->cap - 1))
		if (strcmp(set->recs[ix->slot[i] - 1].code, code) == 0)
			return (long)(ix->slot[i] - 1);
	return -1;
}

int
record_index_put(struct record_index *ix, const struct record_set *set,
    size_t idx)
{
	size_t	*old = ix->slot, oldcap = ix->cap, i, j;

	if ((ix->n + 1) * 2 > ix->cap) {
		ix->cap = oldcap == 0 ? 1024 : oldcap * 2;
		if ((ix->slot = calloc(ix->cap, sizeof(*ix->slot))) == NULL) {
			ix->slot = old;
			ix->cap = oldcap;
			return -1;
		}
		for (j = 0; j < oldcap; j++) {
			if (old[j] == 0)
				continue;
			i = record_hash(set->recs[old[j] - 1].code) &
			    (ix->cap - 1);
			while (ix->slot[i] != 0)
				i = (i + 1) & (ix->cap - 1);
			ix->slot[i] = old[j];
		}
		free(old);
	}
	i = record_hash(set->recs[idx].code) & (ix->cap - 1);
	while (ix->slot[i] != 0)
		i = (i + 1) & (ix->cap - 1);
	ix->slot[i] = idx + 1;
	ix->n++;
	return 0;
}

void
record_index_free(struct record_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

static const char *const record_quirk_names[RQ_MAX] = {
	[RQ_PREAMBLE] = "preamble",
	[RQ_BLANK_LINES] = "blank_lines",
	[RQ_SHORT_LINES] = "short_lines",
	[RQ_BLANK_DATES] = "blank_dates",
	[RQ_BAD_DATES] = "bad_dates",
	[RQ_BAD_VALUES] = "bad_values",
	[RQ_UNKNOWN_VALUES] = "unknown_values",
	[RQ_BOM] = "bom",
	[RQ_NO_LINE_END] = "no_line_end",
};

const char *
record_quirk_name(enum record_quirk q)
{
	return (unsigned)q < RQ_MAX ? record_quirk_names[q] : NULL;
}

void
record_quirk_pos(const struct record_stats *st,
    const struct record_quirk_pos *p, char *buf, size_t len)
{
	const char	*f = p->file < RECORD_STATS_FILES ?
	    st->files[p->file] : "";

	snprintf(buf, len, "%s:%zu", f[0] != '\0' ? f : "?", p->line);
}
