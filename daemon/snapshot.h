/*
 * snapshot.h: every configured code set loaded into one immutable,
 * indexed structure.  Each record's response map is encoded to
 * MessagePack once, at build time, so a lookup copies bytes.
 *
 * The only run-time change is which snapshot is current: snapshot_publish
 * stores the pointer once; readers take a reference with
 * snapshot_acquire and drop it with snapshot_release, and the last
 * release frees the snapshot.
 */
#ifndef HCPCSD_SNAPSHOT_H
#define HCPCSD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "record.h"

struct classify;
struct snapshot;

/*
 * What kind of code a set can hold: classify's system and kind.  A
 * set holds a class when any of its releases loaded a code of it.
 */
enum snapshot_class {
	SNAPSHOT_CPT,		/* CPT procedure codes */
	SNAPSHOT_CPT_MOD,	/* CPT modifiers (NN, NA, P1-P6) */
	SNAPSHOT_HCPCS,		/* HCPCS procedure codes, Level II and local */
	SNAPSHOT_HCPCS_MOD,	/* HCPCS Level II modifiers */
	SNAPSHOT_CDT,		/* CDT (dental) codes */
	SNAPSHOT_CLASS_MAX
};

/* One loaded record and its pre-encoded map. */
struct snapshot_rec {
	const struct record *rec;
	const char	*set;		/* the set's name */
	unsigned	 set_index;	/* its position in config order */
	unsigned	 release_index;	/* in the set's releases, oldest 0 */
	uint32_t	 release;	/* its effective date; 0: always */
	int		 level;		/* 1, 2, 3 (from classify), 0 unknown */
	/*
	 * MessagePack map: header counting every key including "status",
	 * then every key/value but "status", which the caller appends
	 * with snapshot_status_kv() for the request's as_of date.
	 */
	const unsigned char *enc;
	size_t		 enclen;
};

/* One release of a set: one file (or ama-cpt file group) loaded. */
struct snapshot_release_info {
	const char	*path;
	uint32_t	 effective;	/* YYYYMMDD; 0: always */
	int		 effective_auto; /* derived from the file */
	size_t		 records;	/* procedure codes */
	size_t		 modifiers;	/* modifier codes */
	time_t		 loaded_at;
	char		 sha256[65];	/* of the main file, hex */
	struct record_stats stats;
};

/*
 * A set.  path .. stats describe the release in force when the
 * snapshot was built (or the oldest when none was); the releases array
 * has them all, oldest first.
 */
struct snapshot_set_info {
	const char	*name;
	const char	*format;	/* "cms-anweb", ... */
	const char	*path;
	size_t		 records;	/* procedure codes */
	size_t		 modifiers;	/* modifier codes */
	time_t		 loaded_at;
	char		 sha256[65];	/* of the main file, hex */
	struct record_stats stats;
	const struct snapshot_release_info *releases;	/* oldest first */
	size_t		 nreleases;	/* at least 1 */
	size_t		 min_records;	/* from the config; 0: none */
	/*
	 * The last day the newest release is current: its effective date
	 * plus the set's stale_after.  0: never stale (stale_after off, or
	 * a release always in force).
	 */
	uint32_t	 fresh_until;
	unsigned	 holds;		/* bit 1u << SNAPSHOT_x per class held */
};

/*
 * One loaded release handed to snapshot_build_sets, with the facts of
 * its set that the snapshot reports (build_snapshot fills it from the
 * config; tests index record sets they built by hand).  Consecutive entries with the same name are
 * the releases of one set, in any order; a zeroed effective is a
 * release always in force.
 */
struct snapshot_src {
	const char	*name;
	const char	*format;	/* conf_format_name() */
	const char	*path;
	struct record_set rs;		/* taken over by snapshot_build_sets */
	time_t		 loaded_at;
	char		 sha256[65];
	uint32_t	 effective;	/* YYYYMMDD; 0: always */
	int		 effective_auto; /* only reported by info */
	size_t		 min_records;	/* reported only (largest of a set) */
	/*
	 * The set's stale_after (conf_set), the same in each of its
	 * sources (that of its oldest release counts); 0: never stale.
	 */
	unsigned	 stale_after;
	int		 stale_months;	/* stale_after counts months, not days */
};

/*
 * Index n loaded releases (sets in config order).  Takes over every
 * src[i].rs, on success and on failure alike (they are then emptied);
 * copies the strings.  Returns a snapshot holding one reference
 * (generation 0 until published), or NULL with err set when out of
 * memory or when two releases of one set have the same effective date.
 */
struct snapshot	*snapshot_build_sets(struct snapshot_src *, size_t n,
		    char *err, size_t errlen);

/* Drop a reference; the last one frees.  NULL is ignored. */
void		 snapshot_release(struct snapshot *);

/*
 * Make s the current snapshot (taking over the caller's reference) and
 * release the previous one; s->generation becomes previous + 1 (the
 * first is 1).  NULL clears the current snapshot (shutdown), and
 * generations keep counting up from where they were.
 */
void		 snapshot_publish(struct snapshot *);

/*
 * A new reference to the current snapshot (caller owns it: release it
 * when done; records borrowed from it are valid until then), or NULL
 * before the first publish.  Safe against a concurrent publish.
 */
struct snapshot	*snapshot_acquire(void);

uint64_t	 snapshot_generation(const struct snapshot *);
size_t		 snapshot_nsets(const struct snapshot *);
/* Records (procedures and modifiers) over all sets. */
size_t		 snapshot_nrecs(const struct snapshot *);
const struct snapshot_set_info *snapshot_set(const struct snapshot *, size_t);
/* Index of the named set (name and its length), or -1. */
int		 snapshot_set_index(const struct snapshot *, const char *,
		    size_t);

/*
 * The release of set in force on as_of (YYYYMMDD): the index in its
 * releases of the newest one effective on or before that day, or -1
 * when none is (as_of before all of them).
 */
int		 snapshot_in_force(const struct snapshot *, size_t set,
		    uint32_t as_of);

/* The index of set's release effective on that date (0: always), or -1. */
int		 snapshot_release_index(const struct snapshot *, size_t set,
		    uint32_t effective);

/* The class of a classified code (SNAPSHOT_CLASS_MAX: none). */
enum snapshot_class snapshot_class(const struct classify *);

/* "CPT codes", "HCPCS modifiers", ...: the class in words. */
const char	*snapshot_class_name(enum snapshot_class);

/* Whether any release of set loaded a code of that class. */
int		 snapshot_holds(const struct snapshot *, size_t set,
		    enum snapshot_class);

/*
 * Whether date (YYYYMMDD) is past the set's fresh_until: a newer
 * release than its newest surely exists by then.
 */
int		 snapshot_stale(const struct snapshot *, size_t set,
		    uint32_t date);

/*
 * Find a normalised code in the releases in force on as_of.  set < 0:
 * the first set in config order whose release in force holds it.  NULL
 * when not loaded there (or no release is in force).  Allocates
 * nothing.
 */
const struct snapshot_rec *snapshot_find(const struct snapshot *, int set,
		    const char *code, uint32_t as_of);

/*
 * Whether the record is terminated on as_of: its TERM DT (the last
 * valid day) is before it.  The one rule behind status, validate's
 * reason and search's include_terminated.
 */
int		 snapshot_terminated(const struct record *, uint32_t as_of);

/* "active", or "terminated" (snapshot_terminated). */
const char	*snapshot_status(const struct record *, uint32_t as_of);

/* The most bytes one record map with its status takes in a reply. */
size_t		 snapshot_rec_bytes_max(const struct snapshot *);

/*
 * The encoded "status" key and value for as_of: static bytes, append
 * them after a record's enc to complete its map.
 */
void		 snapshot_status_kv(const struct record *, uint32_t as_of,
		    const unsigned char **kv, size_t *kvlen);

struct snapshot_search {
	const char	*text;
	size_t		 textlen;
	int		 set;		/* -1: all sets */
	int		 include_terminated;
	uint32_t	 as_of;		/* picks releases, judges status */
	size_t		 limit;
};

/* Query words beyond this many are ignored. */
#define SNAPSHOT_SEARCH_MAX_TOKENS	16

/*
 * Search: every whitespace-separated query word must prefix-match
 * (case-insensitively) a word of the record's descriptors or its code,
 * in any order.  A descriptor word is a run of ASCII letters and
 * digits of the short, medium or long descriptor, so a query word
 * holding punctuation ("x-ray") can match only a code prefix.  Only
 * the first SNAPSHOT_SEARCH_MAX_TOKENS query words count.  Records
 * whose code equals a query word come first, then code order, then
 * set order.  Writes at most q->limit pointers to out (borrowed from
 * s, valid until it is released) and returns how many; *total (if not
 * NULL) gets the count of all matches.  Allocates nothing; safe to run
 * from several threads at once.
 */
size_t		 snapshot_search(const struct snapshot *,
		    const struct snapshot_search *,
		    const struct snapshot_rec **out, size_t *total);

/*
 * Diff two releases of one set, from the records themselves (never
 * the files' action codes): for each code, in code order, fn is called
 * with ADDED (in to, not in from), REMOVED (in from, not in to),
 * TERMINATED (in both, and only to has a termination date) and CHANGED
 * (in both, some field differs; fields has bit 1u << RF_x set for each
 * such field).  Every record field is compared except action and
 * effective.  A code both TERMINATED and CHANGED gets both calls, in
 * that order.  Allocates nothing.
 */
enum snapshot_diff_kind {
	SNAPSHOT_DIFF_ADDED,
	SNAPSHOT_DIFF_REMOVED,
	SNAPSHOT_DIFF_TERMINATED,
	SNAPSHOT_DIFF_CHANGED,
	SNAPSHOT_DIFF_MAX
};

typedef void	 snapshot_diff_fn(void *arg, enum snapshot_diff_kind,
		    const char *code, uint32_t fields);

void		 snapshot_diff(const struct snapshot *, size_t set,
		    size_t from, size_t to, snapshot_diff_fn *, void *arg);

/*
 * Across two snapshots (a reload's dry run, hcpcsd -t against the
 * daemon): each release reduced to its codes, each with its
 * termination date and a digest of every other field the diff above
 * compares, so two snapshots, or a snapshot and what a daemon sent
 * (the codes method, docs/protocol.md), compare the same way.
 */
struct snapshot_code {
	char		 code[RECORD_CODE_MAX + 1];
	uint32_t	 terminated;	/* its TERM DT; 0: none */
	uint64_t	 digest;	/* snapshot_rec_digest */
};

struct snapshot_rel_codes {
	uint32_t	 effective;	/* YYYYMMDD; 0: always */
	struct snapshot_code *codes;	/* code order, each code once */
	size_t		 ncodes;
};

struct snapshot_set_codes {
	char		*name;
	struct snapshot_rel_codes *rels;	/* oldest first */
	size_t		 nrels;
};

/* Caller owns; snapshot_codes_free frees what it holds. */
struct snapshot_codes {
	struct snapshot_set_codes *sets;	/* config order */
	size_t		 nsets;
};

/*
 * FNV-1a of every field snapshot_diff compares but the termination
 * date (a field's raw text included): equal records, equal digests.
 * The value is part of the codes method: it changes only with the
 * record model.
 */
uint64_t	 snapshot_rec_digest(const struct record *);

/*
 * The codes of every set's releases in force on from (YYYYMMDD) or
 * later: the one in force then (the oldest when none is yet) and all
 * newer.  Within a release the first record of a code counts.
 * Allocates; 0, or -1 when out of memory (out is then empty).
 */
int		 snapshot_codes_of(const struct snapshot *, uint32_t from,
		    struct snapshot_codes *out);
void		 snapshot_codes_free(struct snapshot_codes *);

/* Codes listed per kind in a preview; the count goes on past it. */
#define SNAPSHOT_PREVIEW_CODES	100

struct snapshot_preview_list {
	size_t		 count;		/* all of them */
	size_t		 n;		/* listed: at most PREVIEW_CODES */
	char		 codes[SNAPSHOT_PREVIEW_CODES][RECORD_CODE_MAX + 1];
};

/*
 * On one date, the release in force in each snapshot and how its
 * codes differ (kinds as snapshot_diff's: TERMINATED is a code that
 * had no termination date and has one now; CHANGED any other field,
 * or a termination date moved or lifted).
 */
struct snapshot_preview_change {
	uint32_t	 as_of;
	int		 has_from;	/* a release in force in from */
	uint32_t	 from_effective;
	size_t		 from_codes;
	int		 has_to;
	uint32_t	 to_effective;
	size_t		 to_codes;
	struct snapshot_preview_list kind[SNAPSHOT_DIFF_MAX];
};

struct snapshot_preview_set {
	char		*name;
	struct snapshot_preview_change *changes;	/* by as_of */
	size_t		 nchanges;
};

/* Caller owns; snapshot_preview_free frees what it holds. */
struct snapshot_preview {
	struct snapshot_preview_set *sets;
	size_t		 nsets;
};

/*
 * What changes, per set, when to replaces from: on today and on every
 * later date on which a release of the set takes effect in either, the
 * releases in force then compared code by code.  Sets in to's order,
 * then those only from has.  Allocates; 0, or -1 when out of memory
 * (out is then empty).
 */
int		 snapshot_preview(const struct snapshot_codes *from,
		    const struct snapshot_codes *to, uint32_t today,
		    struct snapshot_preview *out);
void		 snapshot_preview_free(struct snapshot_preview *);

#endif /* HCPCSD_SNAPSHOT_H */
