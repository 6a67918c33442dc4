/*
 * test_mpscan.c: the MessagePack extent scanner (common/mpscan.c) over
 * byte buffers: every type byte, every truncation of a set of objects,
 * fed whole and in pieces, the byte, count and depth limits, and
 * msgpack-c's unpacker as a second opinion on every extent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "mpscan.h"
#include "t.h"

static const struct mpscan_limits roomy = { 1 << 20, MPSCAN_DEPTH_MAX };

/* One scan of len bytes from a fresh state; *pos gets the state's pos. */
static enum mpscan_result
scan(const void *buf, size_t len, size_t max, unsigned depth, size_t *pos)
{
	const struct mpscan_limits lim = { max, depth };
	struct mpscan	 s;
	enum mpscan_result r;

	mpscan_init(&s);
	r = mpscan_feed(&s, buf, len, &lim);
	*pos = s.pos;
	return r;
}

/* The extent msgpack-c finds, or 0 when it finds no whole object. */
static size_t
unpack_extent(const void *buf, size_t len)
{
	msgpack_unpacked u;
	size_t		 off = 0;
	int		 rc;

	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, buf, len, &off);
	msgpack_unpacked_destroy(&u);
	return rc == MSGPACK_UNPACK_SUCCESS ? off : 0;
}

/*
 * The extent of the type byte b followed by zeros: every length field
 * and every element is then 0, so this is the header alone, written out
 * from the MessagePack specification rather than from mpscan's table.
 */
static size_t
zero_extent(unsigned b)
{
	if (b <= 0x7f || b >= 0xe0)
		return 1;			/* fixint */
	if (b <= 0x8f)
		return 1 + 2 * (b & 0x0f);	/* fixmap of 0 => 0 */
	if (b <= 0x9f)
		return 1 + (b & 0x0f);		/* fixarray of 0 */
	if (b <= 0xbf)
		return 1 + (b & 0x1f);		/* fixstr */
	switch (b) {
	case 0xc0: case 0xc2: case 0xc3:	return 1;
	case 0xc4: return 2;			/* bin 8 */
	case 0xc5: return 3;
	case 0xc6: return 5;
	case 0xc7: return 3;			/* ext 8: len, type */
	case 0xc8: return 4;
	case 0xc9: return 6;
	case 0xca: return 5;			/* float 32 */
	case 0xcb: return 9;
	case 0xcc: case 0xd0: return 2;
	case 0xcd: case 0xd1: return 3;
	case 0xce: case 0xd2: return 5;
	case 0xcf: case 0xd3: return 9;
	case 0xd4: return 3;			/* fixext 1 */
	case 0xd5: return 4;
	case 0xd6: return 6;
	case 0xd7: return 10;
	case 0xd8: return 18;
	case 0xd9: return 2;			/* str 8 */
	case 0xda: return 3;
	case 0xdb: return 5;
	case 0xdc: case 0xde: return 3;		/* array, map 16 */
	case 0xdd: case 0xdf: return 5;
	}
	return 0;				/* 0xc1 */
}

static void
test_type_bytes(void)
{
	unsigned char	 buf[64];
	size_t		 pos, want;
	unsigned	 b;
	int		 bad = 0;

	for (b = 0; b < 256; b++) {
		memset(buf, 0, sizeof(buf));
		buf[0] = (unsigned char)b;
		want = zero_extent(b);
		if (b == 0xc1) {
			T_EQ_INT(scan(buf, sizeof(buf), 4096, 32, &pos),
			    MPSCAN_MALFORMED);
			T_EQ_INT(unpack_extent(buf, sizeof(buf)), 0);
			continue;
		}
		if (scan(buf, sizeof(buf), 4096, 32, &pos) != MPSCAN_OK ||
		    pos != want || unpack_extent(buf, sizeof(buf)) != want) {
			fprintf(stderr, "type byte 0x%02x: %zu, want %zu\n",
			    b, pos, want);
			bad++;
		}
		/* One byte short is a prefix; exactly enough is not. */
		if (scan(buf, want - 1, 4096, 32, &pos) != MPSCAN_MORE ||
		    scan(buf, want, want, 32, &pos) != MPSCAN_OK ||
		    scan(buf, want, want - 1, 32, &pos) == MPSCAN_OK)
			bad++;
	}
	T_EQ_INT(bad, 0);
	/* A length field's value, big-endian and unsigned. */
	T_EQ_INT(mpscan_be((const unsigned char *)"\x01\x02\x03\x04", 4),
	    0x01020304);
	T_EQ_INT(mpscan_be((const unsigned char *)"\xff\xff", 2), 0xffff);
	T_EQ_INT(mpscan_be((const unsigned char *)"\x80\0\0\0\0\0\0\x01", 8),
	    (long long)0x8000000000000001ull);
}

struct obj {
	const char	*name;
	const char	*bytes;
	size_t		 len;
};

#define OBJ(name, lit)	{ name, lit, sizeof(lit) - 1 }

static const struct obj objs[] = {
	OBJ("ping request", "\x94\x00\x01\xa4ping\x90"),
	OBJ("lookup reply",
	    "\x94\x01\x07\xc0\x83\xa4" "code\xa5" "A0021\xa3set\xa5hcpcs"
	    "\xa7pricing\x92\xa2" "00\xa2" "11"),
	OBJ("error reply", "\x94\x01\x02\x82\xa4" "code\xab" "bad_request"
	    "\xa7message\xa3why\xc0"),
	OBJ("every scalar",
	    "\xdc\x00\x12\xc0\xc3\xc2\xff\xcc\x01\xcd\x00\x01"
	    "\xce\x00\x00\x00\x01\xcf\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\xd0\x01\xd1\x00\x01\xd2\x00\x00\x00\x01"
	    "\xd3\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\xca\x00\x00\x00\x00\xcb\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\xc4\x02" "ab\xd4\x01\x09\xc7\x02\x01xy\xd9\x03" "abc"),
	OBJ("16-bit lengths", "\x92\xc5\x00\x03xyz\xda\x00\x02hi"),
	OBJ("32-bit lengths", "\x93\xc6\x00\x00\x00\x01z\xdb\x00\x00\x00\x01y"
	    "\xc9\x00\x00\x00\x01\x05w"),
	OBJ("ext 16, fixext 16", "\x92\xc8\x00\x01\x07q\xd8\x01"
	    "0123456789abcdef"),
	OBJ("nested maps", "\x81\xa1" "a\x81\xa1" "b\x81\xa1" "c\x91\x90"),
	OBJ("map 16, array 32", "\xde\x00\x01\x01\xdd\x00\x00\x00\x02\x80\xa0"),
	OBJ("empty containers", "\x93\x90\x80\xdc\x00\x00"),
	OBJ("top-level int", "\xcd\x12\x34"),
	OBJ("top-level str", "\xa3" "abc"),
};

/*
 * Every proper prefix of each object wants more, whole it is OK with its
 * own length (a following object is not touched), and fed in pieces the
 * scan ends exactly where one scan of the whole does.
 */
static void
test_truncations(void)
{
	unsigned char	 a[256], b[256], *cur;
	struct mpscan	 s;
	enum mpscan_result r;
	size_t		 i, k, n, pos, step;
	int		 bad = 0;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct obj *o = &objs[i];

		n = o->len;
		T_OK(n < sizeof(a));
		memcpy(a, o->bytes, n);
		a[n] = 0x01;		/* the next object */
		T_EQ_INT(unpack_extent(a, n), n);
		T_EQ_INT(scan(a, n, 4096, 32, &pos), MPSCAN_OK);
		T_EQ_INT(pos, n);
		T_EQ_INT(scan(a, n + 1, 4096, 32, &pos), MPSCAN_OK);
		T_EQ_INT(pos, n);
		for (k = 0; k < n; k++)
			if (scan(a, k, 4096, 32, &pos) != MPSCAN_MORE) {
				fprintf(stderr, "%s: prefix %zu not MORE\n",
				    o->name, k);
				bad++;
			}
		/*
		 * Resumed, in steps of 1 to 7 bytes; each step from the
		 * other buffer, since the caller's buffer may move.
		 */
		for (step = 1; step <= 7; step++) {
			mpscan_init(&s);
			for (k = step; k < n; k += step) {
				cur = k / step % 2 ? b : a;
				memcpy(cur, o->bytes, n);
				if (mpscan_feed(&s, cur, k, &roomy) !=
				    MPSCAN_MORE || s.pos > k)
					bad++;
			}
			if (mpscan_feed(&s, a, n + 1, &roomy) != MPSCAN_OK ||
			    s.pos != n)
				bad++;
			/* The end is final: the same answer again. */
			if (mpscan_feed(&s, a, n + 1, &roomy) != MPSCAN_OK ||
			    s.pos != n)
				bad++;
		}
		/* Exactly at the byte limit is fine, a byte under is not. */
		T_EQ_INT(scan(a, n, n, 32, &pos), MPSCAN_OK);
		r = scan(a, n, n - 1, 32, &pos);
		T_OK(r == MPSCAN_TOO_MANY || r == MPSCAN_TOO_LARGE);
	}
	T_EQ_INT(bad, 0);
	/* Two objects back to back: one at a time, init in between. */
	memcpy(a, "\x92\x01\x02\xa1z", 5);
	mpscan_init(&s);
	T_EQ_INT(mpscan_feed(&s, a, 5, &roomy), MPSCAN_OK);
	T_EQ_INT(s.pos, 3);
	pos = s.pos;
	mpscan_init(&s);
	T_EQ_INT(mpscan_feed(&s, a + pos, 5 - pos, &roomy), MPSCAN_OK);
	T_EQ_INT(s.pos, 2);
}

/*
 * A declared size is checked on sight, before its bytes arrive, and
 * counts a byte for every element still due around it.
 */
static void
test_declared(void)
{
	static const unsigned char big_array[] = { 0xdd, 0x0f, 0xff, 0xff,
	    0xff, 0x01 };
	static const unsigned char big_map[] = { 0xdf, 0x80, 0x00, 0x00,
	    0x00 };
	static const unsigned char big_str[] = { 0x94, 0x00, 0x01, 0xdb,
	    0x7f, 0xff, 0xff, 0xff, 'a' };
	static const unsigned char big_bin[] = { 0xc6, 0x00, 0x10, 0x00,
	    0x00 };
	static const unsigned char big_ext[] = { 0xc9, 0xff, 0xff, 0xff,
	    0xff, 0x01 };
	unsigned char	 buf[64];
	struct mpscan	 s;
	const struct mpscan_limits huge = { SIZE_MAX, 16 };
	size_t		 pos;

	/*
	 * dd 0f ff ff ff: 268 million elements declared in five bytes.
	 * Under a limit it is refused from the header alone; with none
	 * it costs one fixed-size state, and each element that arrives
	 * is one step, never a walk over the declared count.
	 */
	T_EQ_INT(scan(big_array, 5, 1 << 20, 16, &pos), MPSCAN_TOO_MANY);
	T_EQ_INT(pos, 0);
	T_EQ_INT(scan(big_array, 3, 1 << 20, 16, &pos), MPSCAN_MORE);
	mpscan_init(&s);
	T_EQ_INT(mpscan_feed(&s, big_array, 5, &huge), MPSCAN_MORE);
	T_EQ_INT(s.pos, 5);
	T_EQ_INT(s.depth, 1);
	T_EQ_INT(s.need, 0x0fffffff);
	T_EQ_INT(mpscan_feed(&s, big_array, 5, &huge), MPSCAN_MORE);
	T_EQ_INT(s.pos, 5);
	T_EQ_INT(mpscan_feed(&s, big_array, 6, &huge), MPSCAN_MORE);
	T_EQ_INT(s.pos, 6);
	T_EQ_INT(s.need, 0x0fffffff - 1);

	T_EQ_INT(scan(big_map, sizeof(big_map), 1 << 20, 16, &pos),
	    MPSCAN_TOO_MANY);
	T_EQ_INT(scan(big_str, sizeof(big_str), 1 << 20, 16, &pos),
	    MPSCAN_TOO_LARGE);
	T_EQ_INT(pos, 3);
	T_EQ_INT(scan(big_str, sizeof(big_str), SIZE_MAX, 16, &pos),
	    MPSCAN_MORE);
	T_EQ_INT(scan(big_bin, sizeof(big_bin), 4096, 16, &pos),
	    MPSCAN_TOO_LARGE);
	T_EQ_INT(scan(big_ext, sizeof(big_ext), 4096, 16, &pos),
	    MPSCAN_TOO_LARGE);
	/* A header that alone passes the limit, before it is complete. */
	T_EQ_INT(scan("\x93\x01\x01\xcf", 4, 8, 16, &pos), MPSCAN_TOO_LARGE);
	T_EQ_INT(scan("\x93\x01\x01\xcf", 4, 12, 16, &pos), MPSCAN_MORE);
	/* No byte at all under a zero limit: even the first is too many. */
	T_EQ_INT(scan("\x01", 1, 0, 16, &pos), MPSCAN_TOO_LARGE);

	/*
	 * [str8 of 30, 1, 2] is 35 bytes: under 34 the string is refused
	 * once its header is read, for the two elements after it.
	 */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "\x93\xd9\x1e", 3);
	buf[33] = 0x01;
	buf[34] = 0x02;
	T_EQ_INT(scan(buf, 35, 35, 16, &pos), MPSCAN_OK);
	T_EQ_INT(pos, 35);
	T_EQ_INT(scan(buf, 3, 34, 16, &pos), MPSCAN_TOO_LARGE);
	T_EQ_INT(pos, 1);
	T_EQ_INT(scan(buf, 3, 35, 16, &pos), MPSCAN_MORE);

	/* 60 small elements: too many for 40 bytes, from the header. */
	memset(buf, 0x01, sizeof(buf));
	memcpy(buf, "\xdc\x00\x3c", 3);
	T_EQ_INT(scan(buf, 3, 40, 16, &pos), MPSCAN_TOO_MANY);
	T_EQ_INT(scan(buf, 3, 63, 16, &pos), MPSCAN_MORE);
	T_EQ_INT(scan(buf, 63, 63, 16, &pos), MPSCAN_OK);
	T_EQ_INT(pos, 63);
	/* Nested: the inner count adds to what the outer still needs. */
	T_EQ_INT(scan("\x92\x9f", 2, 17, 16, &pos), MPSCAN_TOO_MANY);
	T_EQ_INT(scan("\x92\x9f", 2, 18, 16, &pos), MPSCAN_MORE);
}

static void
test_depth(void)
{
	unsigned char	 buf[80];
	size_t		 pos, i;

	/* 16 nested arrays, the innermost empty: 16 deep. */
	memset(buf, 0x91, sizeof(buf));
	buf[15] = 0x90;
	T_EQ_INT(scan(buf, 16, 4096, 16, &pos), MPSCAN_OK);
	T_EQ_INT(pos, 16);
	T_EQ_INT(scan(buf, 16, 4096, 15, &pos), MPSCAN_TOO_DEEP);
	T_EQ_INT(pos, 15);
	/* 17 is one too many for 16, empty innermost or not. */
	buf[15] = 0x91;
	buf[16] = 0x90;
	T_EQ_INT(scan(buf, 17, 4096, 16, &pos), MPSCAN_TOO_DEEP);
	/* The deep header is refused before anything inside it arrives. */
	buf[16] = 0x91;
	T_EQ_INT(scan(buf, 17, 4096, 16, &pos), MPSCAN_TOO_DEEP);
	T_EQ_INT(pos, 16);
	/* Maps count too: 17 nested {1: ...}. */
	for (i = 0; i < 17; i++) {
		buf[2 * i] = 0x81;
		buf[2 * i + 1] = 0x01;
	}
	T_EQ_INT(scan(buf, 34, 4096, 16, &pos), MPSCAN_TOO_DEEP);
	/* Nesting, not containers seen: [[], [[]], [], {}] is 3 deep. */
	memcpy(buf, "\x94\x90\x91\x90\x90\x80", 6);
	T_EQ_INT(scan(buf, 6, 4096, 3, &pos), MPSCAN_OK);
	T_EQ_INT(scan(buf, 6, 4096, 2, &pos), MPSCAN_TOO_DEEP);
	T_EQ_INT(scan(buf, 6, 4096, 1, &pos), MPSCAN_TOO_DEEP);
	T_EQ_INT(scan(buf, 6, 4096, 0, &pos), MPSCAN_TOO_DEEP);
	T_EQ_INT(scan("\x05", 1, 4096, 0, &pos), MPSCAN_OK);
	/* Above MPSCAN_DEPTH_MAX the stack's own size is the limit. */
	memset(buf, 0x91, sizeof(buf));
	buf[MPSCAN_DEPTH_MAX - 1] = 0x90;
	T_EQ_INT(scan(buf, MPSCAN_DEPTH_MAX, 4096, 1000, &pos), MPSCAN_OK);
	buf[MPSCAN_DEPTH_MAX - 1] = 0x91;
	buf[MPSCAN_DEPTH_MAX] = 0x90;
	T_EQ_INT(scan(buf, MPSCAN_DEPTH_MAX + 1, 4096, 1000, &pos),
	    MPSCAN_TOO_DEEP);
}

static void
test_malformed(void)
{
	struct mpscan	 s;
	size_t		 pos;

	T_EQ_INT(scan("\xc1", 1, 4096, 16, &pos), MPSCAN_MALFORMED);
	T_EQ_INT(scan("\x93\x01\xc1\x02", 4, 4096, 16, &pos),
	    MPSCAN_MALFORMED);
	T_EQ_INT(pos, 2);
	/* Only a byte that is read counts: 0xc1 inside a string is data. */
	T_EQ_INT(scan("\xa1\xc1", 2, 4096, 16, &pos), MPSCAN_OK);
	/* Final: the next call says the same, whatever it is given. */
	mpscan_init(&s);
	T_EQ_INT(mpscan_feed(&s, (const unsigned char *)"\x92\xc1", 2,
	    &roomy), MPSCAN_MALFORMED);
	T_EQ_INT(mpscan_feed(&s, (const unsigned char *)"\x92\x01\x02", 3,
	    &roomy), MPSCAN_MALFORMED);
	/* A zeroed state is a fresh one. */
	memset(&s, 0, sizeof(s));
	T_EQ_INT(mpscan_feed(&s, (const unsigned char *)"\x91\x01", 2,
	    &roomy), MPSCAN_OK);
	T_EQ_INT(s.pos, 2);
}

/*
 * Random bytes, mostly small headers so that objects end: whole or in
 * random pieces the answer is the same, an extent never passes the
 * bytes or the limit, and msgpack-c agrees with every extent.
 */
static void
test_random(void)
{
	static const unsigned char pick[] = { 0x00, 0x7f, 0xff, 0xc0, 0xc3,
	    0x81, 0x82, 0x91, 0x93, 0xa1, 0xa3, 0xcc, 0xcd, 0xd0, 0xd4,
	    0xd9, 0xc4, 0xc7, 0xdc, 0xde, 0xca, 0xc1, 0x90, 0x80 };
	const struct mpscan_limits lim = { 48, 8 };
	unsigned char	 buf[64];
	struct mpscan	 s;
	enum mpscan_result whole, part;
	unsigned	 seed = 4242;
	size_t		 i, j, len, k, pos;
	int		 bad = 0, ok = 0;

	for (i = 0; i < 50000; i++) {
		len = (size_t)(rand_r(&seed) % sizeof(buf));
		for (j = 0; j < len; j++)
			buf[j] = rand_r(&seed) % 3 ? pick[rand_r(&seed) %
			    sizeof(pick)] : (unsigned char)rand_r(&seed);
		whole = scan(buf, len, lim.max_bytes, lim.max_depth, &pos);
		mpscan_init(&s);
		part = MPSCAN_MORE;
		for (k = 0; k < len && part == MPSCAN_MORE;
		    k += 1 + (size_t)rand_r(&seed) % 5)
			part = mpscan_feed(&s, buf, k, &lim);
		part = mpscan_feed(&s, buf, len, &lim);
		if (part != whole || (whole == MPSCAN_OK && s.pos != pos))
			bad++;
		if (whole != MPSCAN_OK)
			continue;
		ok++;
		if (pos == 0 || pos > len || pos > lim.max_bytes ||
		    unpack_extent(buf, len) != pos)
			bad++;
	}
	T_EQ_INT(bad, 0);
	/* The generator must reach whole objects, not only garbage. */
	T_OK(ok > 1000);
}

int
main(void)
{
	test_type_bytes();
	test_truncations();
	test_declared();
	test_depth();
	test_malformed();
	test_random();
	return t_done();
}
