/*
 * snapshot_int.h: the layout of struct snapshot, shared by the
 * snapshot_*.c files only (nothing else includes it; the API is
 * snapshot.h).
 *
 * A snapshot owns, and its last release frees:
 *  - rsets: the loaded record sets, one per release, sets in config
 *    order and each set's releases oldest first (rels describes them,
 *    rel_set says whose they are);
 *  - sets: per-set info, its strings copied into strs;
 *  - recs: one snapshot_rec per loaded record, sorted by (code, set
 *    order, release, file order).  A record's id is its index in recs,
 *    so a code prefix is a range of ids.  Every release is indexed;
 *    queries keep the records of the release in force on their as_of
 *    date;
 *  - the code index: per release, an open-addressing hash table from
 *    the code (packed into a uint64 by snapshot_code_key) to the id of
 *    the release's first record of it, so exact lookup is one probe per
 *    set considered, typically one slot; tables are at most half full
 *    and all of them sit back to back in slots;
 *  - enc: every record's pre-encoded map, back to back;
 *  - the word index: words holds each record's distinct lower-cased
 *    descriptor words, NUL-terminated; rwords[rwstart[id] ..
 *    rwstart[id + 1]) are the offsets of record id's words in sorted
 *    order; pairs holds (word offset, id) for all of them, sorted by
 *    word then id, so a word prefix is a range of pairs.
 *
 * Nothing changes after build: any number of threads may query one
 * snapshot at once, and the query functions allocate nothing.
 *
 * Calls between the files go one way: snapshot.c builds and runs
 * snapshot_encode() and snapshot_index_words(); neither they nor the
 * search and diff code call back into snapshot.c.  The two rules the
 * search needs from it are here, inline, and snapshot.c's exported
 * snapshot_in_force() and snapshot_terminated() are these.
 */
#ifndef HCPCSD_SNAPSHOT_INT_H
#define HCPCSD_SNAPSHOT_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "snapshot.h"

struct snapshot_pair {
	uint32_t	 word;		/* offset in words */
	uint32_t	 id;		/* record id */
};

/* A code index slot: key 0 is empty (no code packs to 0). */
struct snapshot_slot {
	uint64_t	 key;
	uint32_t	 id;		/* record id */
};

/* One release's table: slots[first .. first + mask]. */
struct snapshot_htab {
	size_t		 first;
	uint32_t	 mask;		/* a power of two, less one */
};

struct snapshot {
	atomic_ulong	 refs;
	size_t		 maxenc;	/* the largest record map, bytes */
	uint64_t	 generation;
	struct snapshot_set_info *sets;
	size_t		 nsets;
	struct snapshot_release_info *rels;
	struct record_set *rsets;	/* parallel to rels */
	unsigned	*rel_set;	/* parallel to rels: the set */
	size_t		 nrels;
	char		*strs;		/* set names, formats, paths */
	struct snapshot_rec *recs;
	size_t		 nrecs;
	struct snapshot_slot *slots;
	struct snapshot_htab *htabs;	/* parallel to rels */
	unsigned char	*enc;
	char		*words;
	uint32_t	*rwords;
	uint32_t	*rwstart;	/* nrecs + 1 entries */
	struct snapshot_pair *pairs;
	size_t		 npairs;
};

/* snapshot_encode.c: every record's map into enc, and recs[].enc. */
int		 snapshot_encode(struct snapshot *);

/* snapshot_search.c: words, rwords, rwstart and pairs from recs. */
int		 snapshot_index_words(struct snapshot *);

/* The rule of snapshot_in_force (snapshot.h). */
static inline int
snapshot_int_in_force(const struct snapshot *s, size_t set, uint32_t as_of)
{
	const struct snapshot_set_info *si;
	size_t		 i;

	if (set >= s->nsets)
		return -1;
	si = &s->sets[set];
	for (i = si->nreleases; i-- > 0;)
		if (si->releases[i].effective <= as_of)
			return (int)i;
	return -1;
}

/* The rule of snapshot_terminated (snapshot.h). */
static inline int
snapshot_int_terminated(const struct record *r, uint32_t as_of)
{
	return r->terminated != 0 && r->terminated < as_of;
}

#endif /* HCPCSD_SNAPSHOT_INT_H */
