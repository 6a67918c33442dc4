/*
 * record.h: the one record model every loader fills and the snapshot
 * indexes.  A struct record_set owns its records and every string they
 * point to (one arena); records are plain data once loading is done.
 */
#ifndef HCPCSD_RECORD_H
#define HCPCSD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_CODE_MAX		5	/* procedures 5 chars, modifiers 2 */
#define RECORD_MAX_PRICING	4
#define RECORD_MAX_CIM		3
#define RECORD_MAX_MCM		3
#define RECORD_MAX_LABCERT	8
#define RECORD_MAX_XREF		5
#define RECORD_MAX_TOS		5
#define RECORD_MAX_RAW		8

enum record_kind {
	RECORD_PROCEDURE,
	RECORD_MODIFIER
};

/*
 * Every field a source can set, in docs/protocol.md's record-map order
 * (each has one row in record.c's field table, struct
 * record_field_info).  Loaders name fields by this enum (the delimited
 * loader maps header names to it through record_field_lookup), so
 * parsing and validation of a value happen in one place:
 * record_set_field.  The order is also that of the diff's field bits
 * and of its "fields" lists.
 */
enum record_field {
	RF_CODE,
	RF_SHORT,
	RF_MEDIUM,
	RF_LONG,
	RF_ADDED,
	RF_EFFECTIVE,
	RF_TERMINATED,
	RF_ACTION,
	RF_COVERAGE,
	RF_PRICING,		/* list */
	RF_MULT_PRICING,
	RF_CIM,			/* list */
	RF_MCM,			/* list */
	RF_STATUTE,
	RF_LABCERT,		/* list */
	RF_XREF,		/* list */
	RF_ASC_GROUP,
	RF_ASC_DATE,
	RF_OPPS,
	RF_OPPS_PI,
	RF_OPPS_DATE,
	RF_PROC_NOTE,
	RF_BETOS,
	RF_TOS,			/* list */
	RF_ANESTHESIA_UNITS,
	RF_MAX
};

/* How a field's value is held in struct record, and so parsed and sent. */
enum record_type {
	RECORD_T_CODE,		/* char[RECORD_CODE_MAX + 1], upper case */
	RECORD_T_TEXT,		/* const char *, leading blanks kept */
	RECORD_T_STR,		/* const char * */
	RECORD_T_DATE,		/* uint32_t YYYYMMDD, 0 when blank */
	RECORD_T_LIST,		/* const char *[max], NULL slots unused */
	RECORD_T_UINT		/* int of at most 6 digits, -1 when blank */
};

/*
 * One row per enum record_field, in that order, which is the order of
 * docs/protocol.md's record map: the protocol key, how the value is
 * held, where in struct record, and how many (list slots; 1 for a
 * single value).  Parsing (record_set_field), encoding and comparing
 * (snapshot.c) walk these rows, so a new field is a member, an enum
 * value and a row.
 */
struct record_field_info {
	const char	*name;
	enum record_type type;
	size_t		 offset;	/* offsetof(struct record, member) */
	size_t		 max;
};

/* An unparsable value, kept as found: shown under "raw" in responses. */
struct record_raw {
	const char	*field;		/* record_field_name() of the field */
	const char	*value;
};

/*
 * Dates are YYYYMMDD as an integer (20191231), 0 when blank; integer
 * order is date order.  Strings are UTF-8, NUL-terminated, NULL when
 * the source left them blank.
 */
struct record {
	char		 code[RECORD_CODE_MAX + 1];
	enum record_kind kind;
	const char	*short_desc;
	const char	*medium_desc;
	const char	*long_desc;
	uint32_t	 added;
	uint32_t	 effective;
	uint32_t	 terminated;	/* last valid day */
	const char	*action;
	const char	*coverage;
	const char	*pricing[RECORD_MAX_PRICING];
	const char	*mult_pricing;
	const char	*cim[RECORD_MAX_CIM];
	const char	*mcm[RECORD_MAX_MCM];
	const char	*statute;
	const char	*labcert[RECORD_MAX_LABCERT];
	const char	*xref[RECORD_MAX_XREF];
	const char	*asc_group;
	uint32_t	 asc_date;
	const char	*opps;
	const char	*opps_pi;
	uint32_t	 opps_date;
	const char	*proc_note;
	const char	*betos;
	const char	*tos[RECORD_MAX_TOS];
	int		 anesthesia_units;	/* -1 when blank */
	struct record_raw raw[RECORD_MAX_RAW];
	unsigned	 nraw;
};

/*
 * The documented oddities of real files a loader tolerates (formats.md
 * 8.3, 12.1, 13), each counted with where it was first seen, so that
 * hcpcsd -t -v and the reload log show what was let through.
 */
enum record_quirk {
	RQ_PREAMBLE,		/* disclaimer/copyright lines before data */
	RQ_BLANK_LINES,		/* blank lines or rows among the data */
	RQ_SHORT_LINES,		/* continuation lines under 320 columns */
	RQ_BLANK_DATES,		/* a record without an action effective date */
	RQ_BAD_DATES,		/* a date not a real day, kept raw */
	RQ_BAD_VALUES,		/* another unparsable value, kept raw */
	RQ_UNKNOWN_VALUES,	/* a coded value of no known meaning */
	RQ_BOM,			/* a UTF-8 byte order mark, skipped */
	RQ_NO_LINE_END,		/* a last line without a line end */
	RQ_MAX
};

#define RECORD_QUIRK_FIRST	3	/* positions kept per kind */
#define RECORD_STATS_FILES	4	/* main, short, medium, modifiers */
#define RECORD_STATS_NAME	48	/* bytes of a file's base name */

/* Where a quirk was seen: a file of the release (by role), a line. */
struct record_quirk_pos {
	unsigned	 file;		/* index into record_stats.files */
	size_t		 line;		/* from 1 */
};

struct record_quirk_count {
	size_t		 n;
	struct record_quirk_pos first[RECORD_QUIRK_FIRST];
};

/*
 * Counts a loader reports; none of these fails a load.  Fixed size, no
 * allocation: copied by value into the snapshot.
 */
struct record_stats {
	size_t		 procedures;
	size_t		 modifiers;
	size_t		 skipped_lines;	/* headers, disclaimers, blanks */
	size_t		 bad_dates;	/* kept raw */
	size_t		 bad_values;	/* other unparsable values, kept raw */
	size_t		 orphan_lines;	/* always 0: now a load error */
	size_t		 duplicates;	/* always 0: now a load error */
	struct record_quirk_count quirks[RQ_MAX];
	/* Base names of the files read, by role (0: the main file). */
	char		 files[RECORD_STATS_FILES][RECORD_STATS_NAME];
};

/* "preamble", ... (the kind's name in -t -v, logs and info); NULL past RQ_MAX. */
const char	*record_quirk_name(enum record_quirk);
/* "file:line" of a kept position, the file by its base name. */
void		 record_quirk_pos(const struct record_stats *,
		    const struct record_quirk_pos *, char *buf, size_t len);

struct record_arena;

struct record_set {
	struct record	*recs;
	size_t		 nrecs;
	size_t		 cap;
	struct record_arena *arena;
	struct record_stats stats;
};

/* A loader error: where and what.  Filled once, by the code that knows. */
struct record_err {
	char		 msg[512];
};

void		 record_set_init(struct record_set *);
void		 record_set_free(struct record_set *);

/*
 * Append a zeroed record (anesthesia_units -1) and return it; NULL when
 * out of memory.  The pointer is valid until the next record_set_add.
 */
struct record	*record_set_add(struct record_set *);

/* Remove the last record added (a loader dropping a bad line). */
void		 record_set_drop_last(struct record_set *);

/*
 * Copy len bytes into the set's arena, NUL-terminated.  NULL when out of
 * memory.
 */
char		*record_strndup(struct record_set *, const char *, size_t);

/*
 * Copy cp1252 text into the arena as UTF-8 (the five bytes cp1252 leaves
 * undefined become U+FFFD).  NULL when out of memory.
 */
char		*record_cp1252_dup(struct record_set *, const char *, size_t);

/*
 * Code -> position in a record_set, for loaders that merge or drop
 * repeated codes as they read.  Zero-initialise; free with
 * record_index_free.
 */
struct record_index {
	size_t		*slot;		/* position + 1; 0 is empty */
	size_t		 cap;		/* power of two */
	size_t		 n;
};

/* Position of code in set, or -1. */
long		 record_index_get(const struct record_index *,
		    const struct record_set *, const char *);
/* Index set->recs[idx] by its code; -1 when out of memory. */
int		 record_index_put(struct record_index *,
		    const struct record_set *, size_t);
void		 record_index_free(struct record_index *);

/* Strict UTF-8: no overlongs, surrogates or code points past U+10FFFF. */
int		 record_utf8_valid(const char *, size_t);

/*
 * Set one field from source text (not NUL-terminated): the value is
 * trimmed of blanks first; an empty value leaves the field unset (list
 * fields: nothing appended).  Text is taken as UTF-8 unless cp1252 is
 * non-zero.  List fields append to the next free slot; a full list
 * counts as a bad value.  Dates accept YYYYMMDD and YYYY-MM-DD; anything
 * else is kept in raw and counted in stats.bad_dates.  RF_CODE
 * normalises (upper case) and sets kind from the shape when the caller
 * has not.  Returns 0, or -1 only when out of memory or for RF_CODE of
 * a bad shape (err filled with what was expected, without location).
 */
int		 record_set_field(struct record_set *, struct record *,
		    enum record_field, const char *, size_t, int cp1252,
		    struct record_err *);

/* The field's row, or NULL when f is not a field. */
const struct record_field_info *record_field_info(enum record_field);
/*
 * The field's member in r, of the type its row names (a char[] for
 * RECORD_T_CODE, the first slot for a list), or NULL when f is not a
 * field.
 */
const void	*record_field_ptr(const struct record *, enum record_field);
/* "short", "long", "pricing", ... (the protocol's key), or NULL. */
const char	*record_field_name(enum record_field);
/* Inverse of record_field_name; -1 when unknown. */
int		 record_field_lookup(const char *);
int		 record_field_is_list(enum record_field);

/*
 * Normalise a code: trim blanks, upper-case.  Writes at most
 * RECORD_CODE_MAX chars + NUL to out.  Returns the length, or -1 when
 * the result is not 2 or 5 characters of [A-Z0-9].
 */
int		 record_normalize_code(const char *, size_t,
		    char out[RECORD_CODE_MAX + 1]);

/*
 * Parse a date, YYYYMMDD or YYYY-MM-DD, checking month and day.
 * Returns 0 and sets *out, or -1.
 */
int		 record_parse_date(const char *, size_t, uint32_t *out);

/* Format YYYYMMDD as "YYYY-MM-DD" into buf[11]. */
void		 record_format_date(uint32_t, char buf[11]);

/* Days since 1970-01-01 <-> YYYYMMDD, for date arithmetic. */
long		 record_date_to_days(uint32_t);
uint32_t	 record_days_to_date(long);

/* Today (UTC) as YYYYMMDD. */
uint32_t	 record_today(void);

#endif /* HCPCSD_RECORD_H */
