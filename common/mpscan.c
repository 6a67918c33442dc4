/*
 * mpscan.c: the extent of one MessagePack object (mpscan.h).  One
 * table of type bytes, a fixed-size stack of element counts and a
 * running total of the elements due: every element takes a byte at
 * least, so that total is a lower bound on the bytes still to come and
 * a header whose count or length cannot fit is refused on sight.
 */
#include <stddef.h>
#include <stdint.h>

#include "mpscan.h"

enum mpscan_kind {
	MPSCAN_K_FIXED,		/* the header is the whole element */
	MPSCAN_K_BODY,		/* str, bin, ext: n payload bytes follow */
	MPSCAN_K_ARRAY,		/* n elements follow */
	MPSCAN_K_MAP		/* n key/value pairs follow */
};

struct mpscan_head {
	enum mpscan_kind kind;
	size_t		 hdr;	/* bytes before the payload or elements */
	size_t		 k;	/* bytes of a length field; 0: n is below */
	uint64_t	 n;	/* payload bytes or elements */
};

/* What the type byte b says; -1 for 0xc1, the one byte never used. */
static int
mpscan_head(unsigned char b, struct mpscan_head *h)
{
	h->kind = MPSCAN_K_FIXED;
	h->hdr = 1;
	h->k = 0;
	h->n = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;		/* fixint, nil, false, true */
	if (b <= 0x8f) {
		h->kind = MPSCAN_K_MAP;
		h->n = b & 0x0f;
		return 0;
	}
	if (b <= 0x9f) {
		h->kind = MPSCAN_K_ARRAY;
		h->n = b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {
		h->kind = MPSCAN_K_BODY;
		h->n = b & 0x1f;
		return 0;
	}
	switch (b) {
	case 0xc4: case 0xc5: case 0xc6:	/* bin 8, 16, 32 */
		h->kind = MPSCAN_K_BODY;
		h->k = (size_t)1 << (b - 0xc4);
		break;
	case 0xc7: case 0xc8: case 0xc9:	/* ext: length, type, data */
		h->kind = MPSCAN_K_BODY;
		h->k = (size_t)1 << (b - 0xc7);
		h->hdr = 2;
		break;
	case 0xca:				/* float 32, 64 */
		h->hdr = 5;
		break;
	case 0xcb:
		h->hdr = 9;
		break;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:	/* uint 8 .. 64 */
		h->hdr = 1 + ((size_t)1 << (b - 0xcc));
		break;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:	/* int 8 .. 64 */
		h->hdr = 1 + ((size_t)1 << (b - 0xd0));
		break;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7:
	case 0xd8:				/* fixext 1 .. 16: type, data */
		h->hdr = 2 + ((size_t)1 << (b - 0xd4));
		break;
	case 0xd9: case 0xda: case 0xdb:	/* str 8, 16, 32 */
		h->kind = MPSCAN_K_BODY;
		h->k = (size_t)1 << (b - 0xd9);
		break;
	case 0xdc: case 0xdd:			/* array 16, 32 */
		h->kind = MPSCAN_K_ARRAY;
		h->k = b == 0xdc ? 2 : 4;
		break;
	case 0xde: case 0xdf:			/* map 16, 32 */
		h->kind = MPSCAN_K_MAP;
		h->k = b == 0xde ? 2 : 4;
		break;
	default:
		return -1;
	}
	h->hdr += h->k;
	return 0;
}

uint64_t
mpscan_be(const unsigned char *p, size_t n)
{
	uint64_t	 v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

void
mpscan_init(struct mpscan *s)
{
	s->pos = 0;
	s->need = 0;
	s->depth = 0;
	s->result = MPSCAN_MORE;
}

enum mpscan_result
mpscan_feed(struct mpscan *s, const unsigned char *buf, size_t len,
    const struct mpscan_limits *lim)
{
	struct mpscan_head h;
	uint64_t	 due, room;
	size_t		 budget, avail;
	unsigned	 max_depth;
	int		 container;

	max_depth = lim->max_depth < MPSCAN_DEPTH_MAX ? lim->max_depth :
	    MPSCAN_DEPTH_MAX;
	while (s->result == MPSCAN_MORE) {
		/* The element at pos is due as well: a byte at least. */
		if (s->pos >= lim->max_bytes)
			return s->result = MPSCAN_TOO_LARGE;
		if (s->pos >= len)
			return MPSCAN_MORE;
		if (mpscan_head(buf[s->pos], &h) == -1)
			return s->result = MPSCAN_MALFORMED;
		budget = lim->max_bytes - s->pos;
		due = s->need - (s->depth > 0);	/* after this element */
		if (h.hdr > budget || due > budget - h.hdr)
			return s->result = MPSCAN_TOO_LARGE;
		/* What this element's payload or elements may take. */
		room = budget - h.hdr - due;
		avail = len - s->pos;
		if (avail < h.hdr)
			return MPSCAN_MORE;
		if (h.k > 0)
			h.n = mpscan_be(buf + s->pos + 1, h.k);
		container = h.kind == MPSCAN_K_ARRAY || h.kind == MPSCAN_K_MAP;
		if (h.kind == MPSCAN_K_MAP)
			h.n *= 2;
		if (h.kind == MPSCAN_K_BODY) {
			if (h.n > room)
				return s->result = MPSCAN_TOO_LARGE;
			if (h.n > avail - h.hdr)
				return MPSCAN_MORE;
		} else if (container) {
			if (h.n > room)
				return s->result = MPSCAN_TOO_MANY;
			/* An empty one counts too, as in msgpack-c. */
			if (s->depth == max_depth)
				return s->result = MPSCAN_TOO_DEEP;
		}
		s->pos += h.hdr + (h.kind == MPSCAN_K_BODY ? (size_t)h.n : 0);
		if (s->depth > 0) {
			s->left[s->depth - 1]--;
			s->need--;
		}
		if (container && h.n > 0) {
			s->left[s->depth++] = h.n;
			s->need += h.n;
		}
		while (s->depth > 0 && s->left[s->depth - 1] == 0)
			s->depth--;
		if (s->depth == 0)
			s->result = MPSCAN_OK;
	}
	return s->result;
}
