/*
 * mpscan.h: the extent of one MessagePack object, found without
 * decoding or allocating (docs/protocol.md).  The daemon bounds each
 * request with it before rpc.c decodes anything, and libhcpcs each
 * reply before msgpack-c does: msgpack-c reserves memory for the count
 * an array or map header declares, so a five-byte header could
 * otherwise ask for gigabytes.
 *
 * The caller keeps the bytes; the scanner keeps only how far it has
 * checked, so a reply arriving in pieces is checked once, not from its
 * first byte on every read.  Nothing here is exported by libhcpcs.
 */
#ifndef HCPCSD_MPSCAN_H
#define HCPCSD_MPSCAN_H

#include <stddef.h>
#include <stdint.h>

/* The deepest nesting a scan can follow (msgpack-c's own limit). */
#define MPSCAN_DEPTH_MAX	32

/* MORE is 0, so a zeroed struct mpscan is ready to start too. */
enum mpscan_result {
	MPSCAN_MORE,		/* a valid prefix: feed more bytes */
	MPSCAN_OK,		/* pos bytes hold one whole object */
	MPSCAN_MALFORMED,	/* 0xc1, a byte MessagePack never uses */
	MPSCAN_TOO_DEEP,	/* more than max_depth nested containers */
	MPSCAN_TOO_MANY,	/* more elements declared than bytes left */
	MPSCAN_TOO_LARGE	/* a header or payload past max_bytes */
};

struct mpscan_limits {
	size_t		 max_bytes;	/* the whole object, headers included */
	unsigned	 max_depth;	/* at most MPSCAN_DEPTH_MAX */
};

/* How far the object at the head of the caller's buffer is checked. */
struct mpscan {
	size_t		 pos;		/* bytes checked: whole elements */
	uint64_t	 need;		/* elements due in all open containers */
	unsigned	 depth;		/* containers open */
	enum mpscan_result result;	/* MORE until the scan has ended */
	uint64_t	 left[MPSCAN_DEPTH_MAX];	/* elements due in each */
};

/* Start on a new object (also after MPSCAN_OK, for the next one). */
void		 mpscan_init(struct mpscan *);

/*
 * Go on checking the object that starts at buf[0], of which len bytes
 * have arrived (len never shrinks between calls; buf may move).  An
 * object is refused as soon as the bytes seen prove it cannot fit in
 * max_bytes, counting a byte for every element still due, so a declared
 * size beyond the limit is refused before its bytes arrive.  Every
 * result but MORE is final: later calls return it again.
 */
enum mpscan_result mpscan_feed(struct mpscan *, const unsigned char *buf,
		    size_t len, const struct mpscan_limits *);

/* The n-byte big-endian unsigned integer at p (n <= 8). */
uint64_t	 mpscan_be(const unsigned char *p, size_t n);

#endif /* HCPCSD_MPSCAN_H */
