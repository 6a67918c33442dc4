/*
 * rpc_codec.c: the wire vocabulary the other rpc files share: reading
 * params out of a span rpc_scan accepted (borrowing strings), the
 * output buffer, failing a request, and the packing helpers every
 * answer uses.  A leaf: it calls none of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "mpscan.h"
#include "record.h"
#include "rpc.h"
#include "rpc_int.h"
#include "text.h"

#define RPC_OUT_MIN	4096		/* first output allocation */
#define RPC_TEXT_MAX	2048		/* a string cleaned for packing */

static const char *const rpc_err_names[RPC_E_MAX] = {
	[RPC_E_NONE] = "none",
	[RPC_E_BAD_REQUEST] = "bad_request",
	[RPC_E_UNKNOWN_METHOD] = "unknown_method",
	[RPC_E_INVALID_CODE] = "invalid_code",
	[RPC_E_TOO_LARGE] = "too_large",
	[RPC_E_INTERNAL] = "internal",
	[RPC_E_FORBIDDEN] = "forbidden",
};

const char *
rpc_err_name(enum rpc_err e)
{
	return rpc_err_names[e];
}

/*
 * Output buffer.
 */

int
rpc_out_append(struct rpc_out *o, const void *p, size_t n)
{
	unsigned char	*nd;
	size_t		 ncap;

	if (o->oom)
		return -1;
	if (n > o->cap - o->len) {
		ncap = o->cap == 0 ? RPC_OUT_MIN : o->cap;
		while (ncap - o->len < n) {
			if (ncap > SIZE_MAX / 2)
				goto fail;
			ncap *= 2;
		}
		if ((nd = realloc(o->data, ncap)) == NULL)
			goto fail;
		o->data = nd;
		o->cap = ncap;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	return 0;
fail:
	o->oom = 1;
	return -1;
}

int
rpc_out_write(void *data, const char *buf, size_t len)
{
	return rpc_out_append(data, buf, len);
}

/*
 * Headers written straight into the buffer, in the encodings msgpack-c
 * picks (the smallest), for the answers every request makes: msgpack-c's
 * packer goes through a callback per object.
 */
static size_t
rpc_enc_uint32(unsigned char *p, uint8_t b8, uint8_t b16, uint8_t b32,
    uint32_t v)
{
	if (v <= 0xff && b8 != 0) {
		p[0] = b8;
		p[1] = (unsigned char)v;
		return 2;
	}
	if (v <= 0xffff) {
		p[0] = b16;
		p[1] = (unsigned char)(v >> 8);
		p[2] = (unsigned char)v;
		return 3;
	}
	p[0] = b32;
	p[1] = (unsigned char)(v >> 24);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 8);
	p[4] = (unsigned char)v;
	return 5;
}

int
rpc_out_reply_header(struct rpc_out *o, uint32_t msgid)
{
	unsigned char	 b[8] = { 0x94, 0x01 };
	size_t		 n = 2;

	if (msgid <= 0x7f)
		b[n++] = (unsigned char)msgid;
	else
		n += rpc_enc_uint32(b + n, 0xcc, 0xcd, 0xce, msgid);
	b[n++] = 0xc0;
	return rpc_out_append(o, b, n);
}

int
rpc_out_array(struct rpc_out *o, uint32_t count)
{
	unsigned char	 b[5];

	if (count <= 0x0f) {
		b[0] = (unsigned char)(0x90 | count);
		return rpc_out_append(o, b, 1);
	}
	return rpc_out_append(o, b, rpc_enc_uint32(b, 0, 0xdc, 0xdd, count));
}

void
rpc_out_free(struct rpc_out *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/*
 * Decoder: reads from a span rpc_scan accepted, but still checks every
 * bound so it is safe on its own.
 */

static int
rpc_cur_need(const struct rpc_cur *c, size_t n)
{
	return (size_t)(c->end - c->p) >= n ? 0 : -1;
}

int
rpc_read_uint(struct rpc_cur *c, uint64_t *v)
{
	unsigned char	 b;
	size_t		 n;
	int		 sign = 0;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (b <= 0x7f) {
		*v = b;
		c->p++;
		return 0;
	}
	switch (b) {
	case 0xcc: n = 1; break;
	case 0xcd: n = 2; break;
	case 0xce: n = 4; break;
	case 0xcf: n = 8; break;
	case 0xd0: n = 1; sign = 1; break;
	case 0xd1: n = 2; sign = 1; break;
	case 0xd2: n = 4; sign = 1; break;
	case 0xd3: n = 8; sign = 1; break;
	default:
		return -1;
	}
	if (rpc_cur_need(c, 1 + n) == -1)
		return -1;
	/* A signed encoding of a non-negative value is accepted. */
	if (sign && (c->p[1] & 0x80))
		return -1;
	*v = mpscan_be(c->p + 1, n);
	c->p += 1 + n;
	return 0;
}

int
rpc_read_str(struct rpc_cur *c, const char **s, size_t *len)
{
	unsigned char	 b;
	size_t		 hdr, n;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (b >= 0xa0 && b <= 0xbf) {
		hdr = 1;
		n = b & 0x1f;
	} else if (b >= 0xd9 && b <= 0xdb) {
		hdr = 1 + ((size_t)1 << (b - 0xd9));
		if (rpc_cur_need(c, hdr) == -1)
			return -1;
		n = mpscan_be(c->p + 1, hdr - 1);
	} else
		return -1;
	if (rpc_cur_need(c, hdr) == -1 || (size_t)(c->end - c->p) - hdr < n)
		return -1;
	*s = (const char *)c->p + hdr;
	*len = n;
	c->p += hdr + n;
	return 0;
}

/* An array (map: pairs) header. */
int
rpc_read_container(struct rpc_cur *c, int map, uint32_t *count)
{
	unsigned char	 b;

	if (rpc_cur_need(c, 1) == -1)
		return -1;
	b = c->p[0];
	if (!map && b >= 0x90 && b <= 0x9f) {
		*count = b & 0x0f;
		c->p++;
		return 0;
	}
	if (map && b >= 0x80 && b <= 0x8f) {
		*count = b & 0x0f;
		c->p++;
		return 0;
	}
	if (b == (map ? 0xde : 0xdc) || b == (map ? 0xdf : 0xdd)) {
		size_t n = (b == 0xdc || b == 0xde) ? 2 : 4;

		if (rpc_cur_need(c, 1 + n) == -1)
			return -1;
		*count = (uint32_t)mpscan_be(c->p + 1, n);
		c->p += 1 + n;
		return 0;
	}
	return -1;
}

int
rpc_read_bool(struct rpc_cur *c, int *v)
{
	if (rpc_cur_need(c, 1) == -1)
		return -1;
	if (c->p[0] != 0xc2 && c->p[0] != 0xc3)
		return -1;
	*v = c->p[0] == 0xc3;
	c->p++;
	return 0;
}

int
rpc_peek_nil(const struct rpc_cur *c)
{
	return c->p < c->end && c->p[0] == 0xc0;
}

int
rpc_str_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/*
 * Errors and packing helpers.
 */

int
rpc_fail(struct rpc_req *r, enum rpc_err e, const char *fmt, ...)
{
	char	 msg[RPC_EMSG_MAX * 2];
	va_list	 ap;
	int	 n;

	r->err = e;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/*
	 * Twice emsg's size: when vsnprintf cuts msg mid-character, the
	 * cut of emsg (between characters) falls well before it.
	 */
	text_clean(r->emsg, sizeof(r->emsg), msg, n < 0 ? 0 : strlen(msg), 0);
	return -1;
}

const char *
rpc_quote(char *buf, const char *s, size_t len)
{
	size_t	 n;

	buf[0] = '"';
	n = text_clean(buf + 1, RPC_QUOTE_MAX + 1, s, len, TEXT_QUOTED);
	strcpy(buf + 1 + strlen(buf + 1), n < len ? "\"..." : "\"");
	return buf;
}

void
rpc_pack_cstr(msgpack_packer *pk, const char *s)
{
	char	 buf[RPC_TEXT_MAX];
	size_t	 len = strlen(s);

	if (!text_is_clean(s, len, 0)) {
		text_clean(buf, sizeof(buf), s, len, 0);
		s = buf;
		len = strlen(buf);
	}
	msgpack_pack_str_with_body(pk, s, len);
}

/* Pack key then string value, or nothing when the value is NULL. */
void
rpc_pack_kv(msgpack_packer *pk, const char *k, const char *v)
{
	rpc_pack_cstr(pk, k);
	if (v == NULL)
		msgpack_pack_nil(pk);
	else
		rpc_pack_cstr(pk, v);
}

void
rpc_pack_error(msgpack_packer *pk, uint32_t msgid, const char *code,
    const char *msg)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_int(pk, 1);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_map(pk, 2);
	rpc_pack_kv(pk, "code", code);
	rpc_pack_kv(pk, "message", msg);
	msgpack_pack_nil(pk);
}

/*
 * Params.
 */

int
rpc_param_str(struct rpc_req *r, const char *what, const char **s,
    size_t *len)
{
	if (rpc_read_str(&r->params, s, len) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST, "%s must be a string",
		    what);
	return 0;
}

int
rpc_parse_date(struct rpc_req *r, const char *what, uint32_t *out)
{
	const char	*s;
	size_t		 len;
	char		 q[RPC_QUOTE_SIZE];

	if (rpc_param_str(r, what, &s, &len) == -1)
		return -1;
	/* Only the protocol's form; record_parse_date also takes YYYYMMDD. */
	if (len != 10 || s[4] != '-' || s[7] != '-' ||
	    record_parse_date(s, len, out) == -1)
		return rpc_fail(r, RPC_E_BAD_REQUEST,
		    "%s: expected a date YYYY-MM-DD, got %s", what,
		    rpc_quote(q, s, len));
	return 0;
}
