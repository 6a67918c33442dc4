/*
 * fuzz_mpscan.c: the MessagePack extent scanner (common/mpscan.c) as
 * both of its users drive it.  The daemon scans each request afresh
 * under rpc.h's limits; libhcpcs resumes a reply's scan after every
 * read under its own.  The first input byte picks how the rest is cut
 * into reads.  Checked: a resumed scan ends exactly as one scan of the
 * same bytes does, an extent never passes the bytes or the limit, and
 * msgpack-c's unpacker finds the same extent for every object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "mpscan.h"
#include "rpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct mpscan_limits fz_limits[] = {
	{ 4096, RPC_MAX_DEPTH },		/* fuzz_rpc's max_request_bytes */
	{ HCPCS_MAX_REPLY_BYTES, MPSCAN_DEPTH_MAX },	/* hcpcs_scan */
};

static void
fz_fail(const char *what, size_t off)
{
	fprintf(stderr, "fuzz_mpscan: %s at %zu\n", what, off);
	abort();
}

/* The objects of buf one after the other, as a reader fed in cuts. */
static void
fz_stream(const uint8_t *buf, size_t len, unsigned cut,
    const struct mpscan_limits *lim)
{
	msgpack_unpacked u;
	struct mpscan	 s, once;
	enum mpscan_result r, want;
	size_t		 off = 0, got, step, n;
	int		 rc;

	msgpack_unpacked_init(&u);
	while (off < len) {
		mpscan_init(&once);
		want = mpscan_feed(&once, buf + off, len - off, lim);
		mpscan_init(&s);
		r = MPSCAN_MORE;
		for (got = 0, n = 0; got < len - off && r == MPSCAN_MORE;
		    n++) {
			step = 1 + ((cut >> (n % 8)) & 7) * (n % 3 + 1);
			got = step > len - off - got ? len - off : got + step;
			r = mpscan_feed(&s, buf + off, got, lim);
		}
		if (r != want || (r == MPSCAN_OK && s.pos != once.pos))
			fz_fail("resumed scan differs", off);
		if (r != MPSCAN_OK)
			break;
		if (s.pos == 0 || s.pos > len - off || s.pos > lim->max_bytes)
			fz_fail("extent out of range", off);
		n = 0;
		rc = msgpack_unpack_next(&u, (const char *)buf + off, s.pos,
		    &n);
		if (rc != MSGPACK_UNPACK_SUCCESS || n != s.pos)
			fz_fail("msgpack-c disagrees", off);
		off += s.pos;
	}
	msgpack_unpacked_destroy(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < sizeof(fz_limits) / sizeof(fz_limits[0]); i++)
		fz_stream(data + 1, len - 1, data[0], &fz_limits[i]);
	return 0;
}
