/*
 * test_rpc.c: the request scanner and the dispatcher over byte buffers,
 * no socket.  Responses are decoded with msgpack-c (they are ours, so
 * trusting their counts is fine here) and compared value by value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "build.h"
#include "conf.h"
#include "record.h"
#include "rpc.h"
#include "rpc_int.h"
#include "sha256.h"
#include "snapshot.h"
#include "stats.h"
#include "t.h"
#include "text.h"

static const char	*tmpdir;

/*
 * Scanner.
 */

static enum rpc_scan
scan(const void *p, size_t len, size_t max, size_t *n)
{
	*n = (size_t)-1;
	return rpc_scan(p, len, max, n);
}

static void
test_scan_complete(void)
{
	/* [0, 1, "ping", []] */
	static const unsigned char ping[] = { 0x94, 0x00, 0x01, 0xa4, 'p',
	    'i', 'n', 'g', 0x90, 0x94 /* next object */ };
	size_t	n, i;

	T_EQ_INT(scan(ping, sizeof(ping), 1024, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 9);
	T_EQ_INT(scan(ping, 9, 1024, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 9);
	/* Every proper prefix wants more. */
	for (i = 0; i < 9; i++)
		T_EQ_INT(scan(ping, i, 1024, &n), RPC_SCAN_NEED_MORE);
	/* Exactly at the limit is fine, one byte under is not. */
	T_EQ_INT(scan(ping, 9, 9, &n), RPC_SCAN_OK);
	T_EQ_INT(scan(ping, 9, 8, &n), RPC_SCAN_TOO_LARGE);
}

static void
test_scan_types(void)
{
	/* Every type once: [nil, t, f, -1, u8, u16, u32, u64, i8..i64,
	   f32, f64, bin8, fixext1, ext8, str8, {1: 2}, array16 [1]] */
	static const unsigned char all[] = {
		0xdc, 0x00, 0x14,
		0xc0, 0xc3, 0xc2, 0xff,
		0xcc, 1, 0xcd, 0, 1, 0xce, 0, 0, 0, 1,
		0xcf, 0, 0, 0, 0, 0, 0, 0, 1,
		0xd0, 1, 0xd1, 0, 1, 0xd2, 0, 0, 0, 1,
		0xd3, 0, 0, 0, 0, 0, 0, 0, 1,
		0xca, 0, 0, 0, 0, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0,
		0xc4, 2, 'a', 'b',
		0xd4, 1, 9,
		0xc7, 2, 1, 'x', 'y',
		0xd9, 3, 'a', 'b', 'c',
		0x81, 0x01, 0x02,
		0xdc, 0x00, 0x01, 0x01,
	};
	size_t	n, i;

	T_EQ_INT(scan(all, sizeof(all), 4096, &n), RPC_SCAN_OK);
	T_EQ_INT(n, sizeof(all));
	for (i = 0; i < sizeof(all); i++)
		T_EQ_INT(scan(all, i, 4096, &n), RPC_SCAN_NEED_MORE);
	/* Scalars at top level. */
	T_EQ_INT(scan("\x05", 1, 16, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 1);
	T_EQ_INT(scan("\xa0", 1, 16, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 1);
}

/*
 * Declared sizes are checked against the limit before any byte of the
 * body arrives, and nothing is allocated: a 5-byte array header that
 * claims 268 million items is TOO_LARGE at once, and with no limit it
 * is merely incomplete.
 */
static void
test_scan_declared(void)
{
	static const unsigned char big_array[] = { 0xdd, 0x0f, 0xff, 0xff,
	    0xff };
	static const unsigned char big_map[] = { 0xdf, 0x80, 0x00, 0x00,
	    0x00 };
	static const unsigned char big_str[] = { 0x94, 0x00, 0x01, 0xdb,
	    0x7f, 0xff, 0xff, 0xff, 'a' };
	static const unsigned char big_bin[] = { 0xc6, 0x00, 0x10, 0x00,
	    0x00 };
	static const unsigned char big_ext[] = { 0xc9, 0xff, 0xff, 0xff,
	    0xff, 0x01 };
	static const unsigned char short_str[] = { 0xd9, 10, 'a', 'b', 'c' };
	static const unsigned char two[] = { 0xdd, 0, 0, 0, 2, 1, 2 };
	size_t	n;

	T_EQ_INT(scan(big_array, sizeof(big_array), 1024 * 1024, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(big_array, sizeof(big_array), SIZE_MAX, &n),
	    RPC_SCAN_NEED_MORE);
	T_EQ_INT(scan(big_array, 3, 1024 * 1024, &n), RPC_SCAN_NEED_MORE);
	T_EQ_INT(scan(big_map, sizeof(big_map), 1024 * 1024, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(big_str, sizeof(big_str), 1024 * 1024, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(big_str, sizeof(big_str), SIZE_MAX, &n),
	    RPC_SCAN_NEED_MORE);
	T_EQ_INT(scan(big_bin, sizeof(big_bin), 4096, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(big_ext, sizeof(big_ext), 4096, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(short_str, sizeof(short_str), 4096, &n),
	    RPC_SCAN_NEED_MORE);
	T_EQ_INT(scan(short_str, sizeof(short_str), 8, &n),
	    RPC_SCAN_TOO_LARGE);
	T_EQ_INT(scan(two, 6, 4096, &n), RPC_SCAN_NEED_MORE);
	T_EQ_INT(scan(two, 7, 4096, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 7);
	/* Many small items over the limit: too large once max is passed. */
	{
		unsigned char	buf[64];

		memset(buf, 0x01, sizeof(buf));
		buf[0] = 0xdc;
		buf[1] = 0x00;
		buf[2] = 60;
		T_EQ_INT(scan(buf, sizeof(buf), 40, &n), RPC_SCAN_TOO_LARGE);
		T_EQ_INT(scan(buf, 30, 4096, &n), RPC_SCAN_NEED_MORE);
		T_EQ_INT(scan(buf, 63, 4096, &n), RPC_SCAN_OK);
		T_EQ_INT(n, 63);
	}
}

static void
test_scan_depth(void)
{
	unsigned char	buf[64];
	size_t		n, i;

	/* 16 nested arrays: the innermost empty. */
	for (i = 0; i < 15; i++)
		buf[i] = 0x91;
	buf[15] = 0x90;
	T_EQ_INT(scan(buf, 16, 4096, &n), RPC_SCAN_OK);
	T_EQ_INT(n, 16);
	/* 17 is one too deep, whatever follows. */
	for (i = 0; i < 16; i++)
		buf[i] = 0x91;
	buf[16] = 0x90;
	T_EQ_INT(scan(buf, 17, 4096, &n), RPC_SCAN_TOO_LARGE);
	/* Maps count too. */
	for (i = 0; i < 17; i++) {
		buf[2 * i] = 0x81;
		buf[2 * i + 1] = 0x01;
	}
	T_EQ_INT(scan(buf, 34, 4096, &n), RPC_SCAN_TOO_LARGE);
}

static void
test_scan_garbage(void)
{
	unsigned char	buf[256];
	size_t		n, i, j, len;
	unsigned	seed = 12345;
	int		r, ok = 1;

	T_EQ_INT(scan("\xc1", 1, 4096, &n), RPC_SCAN_MALFORMED);
	T_EQ_INT(scan("\x93\x01\xc1\x02", 4, 4096, &n), RPC_SCAN_MALFORMED);
	T_EQ_INT(scan("\x94\x00\x01\xc1", 4, 4096, &n), RPC_SCAN_MALFORMED);
	/* Random bytes: any answer, but never a read past len (ASan). */
	for (i = 0; i < 20000; i++) {
		len = (size_t)(rand_r(&seed) % 64);
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)rand_r(&seed);
		n = 0;
		r = rpc_scan(buf, len, 48, &n);
		if (r == RPC_SCAN_OK && (n > len || n > 48 || n == 0))
			ok = 0;
	}
	T_OK(ok);
}

/*
 * Dispatcher.
 */

struct resp {
	msgpack_unpacked u;
	uint64_t	 msgid;
	msgpack_object	 err;
	msgpack_object	 res;
};

/* Decode one response at out[*off]; 0 or -1. */
static int
resp_next(const struct rpc_out *o, size_t *off, struct resp *r)
{
	msgpack_object	*a;

	msgpack_unpacked_init(&r->u);
	if (msgpack_unpack_next(&r->u, (const char *)o->data, o->len, off) !=
	    MSGPACK_UNPACK_SUCCESS)
		return -1;
	if (r->u.data.type != MSGPACK_OBJECT_ARRAY ||
	    r->u.data.via.array.size != 4)
		return -1;
	a = r->u.data.via.array.ptr;
	if (a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    a[0].via.u64 != 1 || a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	r->msgid = a[1].via.u64;
	r->err = a[2];
	r->res = a[3];
	return 0;
}

static const char *
err_code(const struct resp *r)
{
	return t_str(t_get(&r->err, "code"));
}

/*
 * Run one request (packed with msgpack-c) through rpc_process in its own
 * batch and decode the answer into r.  Returns the rpc_result.
 */
static enum rpc_result
call_raw(const void *req, size_t len, struct rpc_out *o, struct resp *r,
    int *have)
{
	enum rpc_result	 res;
	size_t		 used = 0, off = 0;

	o->len = 0;
	rpc_batch_begin();
	res = rpc_process(req, len, o, &used);
	rpc_batch_end();
	*have = o->len > 0 && resp_next(o, &off, r) == 0;
	if (res == RPC_DONE && used != len)
		t_fail(__FILE__, __LINE__, "used %zu of %zu", used, len);
	return res;
}

/* Run [0, msgid, method, params]; params are given packed, in hex. */
static enum rpc_result
call(uint32_t msgid, const char *method, const char *pfmt,
    struct rpc_out *o, struct resp *r)
{
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	enum rpc_result	 res;
	int		 have;
	const char	*p;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint32(&pk, 0);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_str_with_body(&pk, method, strlen(method));
	/* The params array, already packed, as hex pairs. */
	for (p = pfmt; p[0] != '\0' && p[1] != '\0'; p += 2) {
		char		 hex[3] = { p[0], p[1], '\0' };
		unsigned char	 b = (unsigned char)strtoul(hex, NULL, 16);

		msgpack_sbuffer_write(&sb, (const char *)&b, 1);
	}
	res = call_raw(sb.data, sb.size, o, r, &have);
	msgpack_sbuffer_destroy(&sb);
	if (!have)
		memset(r, 0, sizeof(*r));
	return res;
}

static void
resp_free(struct resp *r)
{
	msgpack_unpacked_destroy(&r->u);
}

static void
test_ping_and_errors(void)
{
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	static const unsigned char pong[] = { 0x94, 0x01, 0x07, 0xc0, 0xa4,
	    'p', 'o', 'n', 'g' };

	T_EQ_INT(call(7, "ping", "90", &o, &r), RPC_DONE);
	T_EQ_INT(o.len, sizeof(pong));
	T_OK(memcmp(o.data, pong, sizeof(pong)) == 0);
	resp_free(&r);

	/* Wrong param count: bad_request, the stream goes on. */
	T_EQ_INT(call(8, "ping", "9101", &o, &r), RPC_DONE);
	T_EQ_INT(r.msgid, 8);
	T_EQ_STR(err_code(&r), "bad_request");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "expected 0 params, got 1");
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
	resp_free(&r);

	T_EQ_INT(call(9, "frobnicate", "90", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "unknown_method");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "unknown method \"frobnicate\"");
	resp_free(&r);

	/* params not an array */
	T_EQ_INT(call(10, "ping", "c0", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "params must be an array");
	resp_free(&r);

	/* lookup with a number for the code; a code of no known shape */
	T_EQ_INT(call(11, "lookup", "9105", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	resp_free(&r);
	T_EQ_INT(call(12, "lookup", "91a3212121", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "invalid_code");
	resp_free(&r);

	/* no data published yet: lookup is an internal error */
	T_EQ_INT(call(13, "lookup", "91a54130303231", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "internal");
	T_EQ_STR(t_str(t_get(&r.err, "message")), "no data loaded");
	resp_free(&r);

	/* classify needs no data: a0021 is Level II ambulance */
	T_EQ_INT(call(14, "classify", "91a56130303231", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_EQ_STR(t_str(t_get(&r.res, "code")), "A0021");
	T_EQ_STR(t_str(t_get(&r.res, "system")), "HCPCS");
	T_EQ_STR(t_str(t_get(&r.res, "kind")), "procedure");
	T_EQ_STR(t_str(t_get(&r.res, "maintainer")), "CMS");
	T_EQ_STR(t_str(t_get(&r.res, "group")), "ambulance_transport");
	T_OK(t_get(&r.res, "category") == NULL);
	T_OK(t_get(&r.res, "level") != NULL &&
	    t_get(&r.res, "level")->via.u64 == 2);
	resp_free(&r);

	rpc_out_free(&o);
}

/* The error a request gets: code and message. */
static void
expect_err(uint32_t msgid, const char *method, const char *params,
    const char *code, const char *msg, int line)
{
	struct rpc_out	 o = { 0 };
	struct resp	 r;

	if (call(msgid, method, params, &o, &r) != RPC_DONE)
		t_fail(__FILE__, line, "%s: not RPC_DONE", method);
	else if (r.err.type != MSGPACK_OBJECT_MAP)
		t_fail(__FILE__, line, "%s: no error", method);
	else {
		if (strcmp(err_code(&r), code) != 0)
			t_fail(__FILE__, line, "%s: code %s, expected %s",
			    method, err_code(&r), code);
		if (strcmp(t_str(t_get(&r.err, "message")), msg) != 0)
			t_fail(__FILE__, line, "%s: \"%s\", expected \"%s\"",
			    method, t_str(t_get(&r.err, "message")), msg);
	}
	resp_free(&r);
	rpc_out_free(&o);
}

/*
 * Each method's contract (arity, leading params, opts, data) with no
 * data loaded: a request wrong in its params is told so before "no
 * data loaded"; diff needs the data before it reads its releases.
 */
static void
test_contracts(void)
{
	expect_err(30, "lookup", "93a54130303231c0c0", "bad_request",
	    "expected 1 to 2 params, got 3", __LINE__);
	expect_err(31, "classify", "92a54130303231c0", "bad_request",
	    "expected 1 params, got 2", __LINE__);
	expect_err(32, "reload", "9101", "bad_request",
	    "opts must be a map", __LINE__);
	/* 0x81 "dry_run" 1: the option is a boolean. */
	expect_err(32, "reload", "9181a76472795f72756e01", "bad_request",
	    "opts.dry_run must be a boolean", __LINE__);
	expect_err(32, "reload", "92c0c0", "bad_request",
	    "expected 0 to 1 params, got 2", __LINE__);
	expect_err(32, "codes", "9101", "bad_request",
	    "expected 0 params, got 1", __LINE__);
	expect_err(32, "codes", "90", "internal",
	    "no data loaded", __LINE__);
	expect_err(33, "info", "91c0", "bad_request",
	    "expected 0 params, got 1", __LINE__);
	expect_err(34, "lookup_many", "9105", "bad_request",
	    "codes must be an array of strings", __LINE__);
	expect_err(35, "search", "9105", "bad_request",
	    "text must be a string", __LINE__);
	expect_err(36, "validate", "92a5413030323105", "bad_request",
	    "date must be a string", __LINE__);
	expect_err(37, "validate", "92a54130303231a3626164", "bad_request",
	    "date: expected a date YYYY-MM-DD, got \"bad\"", __LINE__);
	/* validate takes only "set" */
	expect_err(38, "validate", "93a54130303231aa323032302d30312d3031"
	    "81a56c696d697405", "bad_request", "unknown option \"limit\"",
	    __LINE__);
	expect_err(39, "search", "92a178" "81a56c696d697400", "bad_request",
	    "opts.limit must be an integer 1..500", __LINE__);
	expect_err(40, "lookup", "92a54130303231a178", "bad_request",
	    "opts must be a map", __LINE__);
	expect_err(41, "search", "91a178", "internal", "no data loaded",
	    __LINE__);
	expect_err(42, "diff", "9301c0c0", "bad_request",
	    "set must be a string", __LINE__);
	expect_err(43, "diff", "93a178a3626164c0", "internal",
	    "no data loaded", __LINE__);
}

static void
test_framing(void)
{
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	int		 have;
	size_t		 used, off;
	/* [2, "ping", []] then [0, 3, "ping", []] */
	static const unsigned char two[] = { 0x93, 0x02, 0xa4, 'p', 'i', 'n',
	    'g', 0x90, 0x94, 0x00, 0x03, 0xa4, 'p', 'i', 'n', 'g', 0x90 };

	/* A notification runs and is never answered. */
	o.len = 0;
	rpc_batch_begin();
	T_EQ_INT(rpc_process(two, sizeof(two), &o, &used), RPC_DONE);
	T_EQ_INT(used, 8);
	T_EQ_INT(o.len, 0);
	T_EQ_INT(rpc_process(two + 8, sizeof(two) - 8, &o, &used), RPC_DONE);
	T_EQ_INT(used, 9);
	rpc_batch_end();
	off = 0;
	T_OK(resp_next(&o, &off, &r) == 0);
	T_EQ_INT(r.msgid, 3);
	T_EQ_STR(t_str(&r.res), "pong");
	resp_free(&r);
	/* A notification for an unknown method is dropped silently. */
	T_EQ_INT(call_raw("\x93\x02\xa1x\x90", 5, &o, &r, &have), RPC_DONE);
	T_EQ_INT(o.len, 0);

	/* Partial: read more, nothing written. */
	T_EQ_INT(call_raw(two + 8, 5, &o, &r, &have), RPC_MORE);
	T_EQ_INT(o.len, 0);

	/*
	 * [0, 7, "ping"]: a whole object, so the stream is still framed and
	 * the msgid readable: bad_request for msgid 7, connection kept.
	 */
	T_EQ_INT(call_raw("\x93\x00\x07\xa4ping", 8, &o, &r, &have),
	    RPC_DONE);
	T_OK(have);
	if (have) {
		T_EQ_INT(r.msgid, 7);
		T_EQ_STR(err_code(&r), "bad_request");
		resp_free(&r);
	}
	/* A 4-array request with a string msgid, type 1, a bare int. */
	T_EQ_INT(call_raw("\x94\x00\xa1x\xa4ping\x90", 10, &o, &r, &have),
	    RPC_CLOSE);
	T_EQ_INT(o.len, 0);
	T_EQ_INT(call_raw("\x94\x01\x01\xc0\xc0", 5, &o, &r, &have),
	    RPC_CLOSE);
	T_EQ_INT(call_raw("\x05", 1, &o, &r, &have), RPC_CLOSE);
	/* msgid must fit 32 bits */
	T_EQ_INT(call_raw("\x94\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00"
	    "\xa4ping\x90", 17, &o, &r, &have), RPC_CLOSE);
	T_EQ_INT(o.len, 0);

	/* [0, 7, "ping", [], nil]: answered bad_request, connection kept. */
	T_EQ_INT(call_raw("\x95\x00\x07\xa4ping\x90\xc0", 10, &o, &r, &have),
	    RPC_DONE);
	T_OK(have);
	if (have) {
		T_EQ_INT(r.msgid, 7);
		T_EQ_STR(err_code(&r), "bad_request");
		resp_free(&r);
	}

	/* Not MessagePack after a readable msgid: bad_request, close. */
	T_EQ_INT(call_raw("\x94\x00\x05\xc1", 4, &o, &r, &have), RPC_CLOSE);
	T_OK(have);
	if (have) {
		T_EQ_INT(r.msgid, 5);
		T_EQ_STR(err_code(&r), "bad_request");
		resp_free(&r);
	}

	/* A declared 2 GiB method name: too_large at once, close. */
	T_EQ_INT(call_raw("\x94\x00\x09\xdb\x7f\xff\xff\xff", 8, &o, &r,
	    &have), RPC_CLOSE);
	T_OK(have);
	if (have) {
		T_EQ_INT(r.msgid, 9);
		T_EQ_STR(err_code(&r), "too_large");
		resp_free(&r);
	}
	/* The 5-byte array header: too large, nothing to answer. */
	T_EQ_INT(call_raw("\xdd\x0f\xff\xff\xff", 5, &o, &r, &have),
	    RPC_CLOSE);
	T_EQ_INT(o.len, 0);
	rpc_out_free(&o);
}

/*
 * With data: a tiny ANWEB fixture, published as the current snapshot.
 */

static void
put(char *l, unsigned col, const char *s)
{
	memcpy(l + col - 1, s, strlen(s));
}

static void
fx_line(FILE *fp, const char *key, const char *lng, const char *shrt,
    const char *added, const char *term)
{
	char	l[321];

	memset(l, ' ', 320);
	l[320] = '\0';
	put(l, 1, key);
	put(l, 6, "00100");
	put(l, 11, key[0] == ' ' ? "7" : "3");
	put(l, 12, lng);
	put(l, 92, shrt);
	if (key[0] != ' ') {
		put(l, 120, "00");
		put(l, 128, "9");
		put(l, 261, "1");
		put(l, 266, "  0");
	}
	put(l, 230, "C");
	put(l, 269, added);
	put(l, 277, added);
	put(l, 285, term);
	put(l, 293, "N");
	fprintf(fp, "%s\r\n", l);
}

static int
publish_fixture(void)
{
	struct conf	*c;
	struct conf_release rel;
	struct snapshot	*s;
	char		 path[128], err[512];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/fx.txt", tmpdir);
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	fx_line(fp, "   A1", "Dressing for one wound", "Dressing for one wound",
	    "20000101", "");
	fx_line(fp, "A0021", "Ambulance service, outside state per mile",
	    "Outside state ambulance serv", "20000101", "");
	fx_line(fp, "E0100", "Cane, adjustable or fixed, with tip",
	    "Cane adjust/fixed with tip", "20000101", "");
	fx_line(fp, "E0105", "Cane, quad or three prong, with tips",
	    "Cane adjust/fixed quad/3 pro", "20000101", "");
	fx_line(fp, "G0001", "Routine venipuncture", "Drawing blood",
	    "19980101", "20121231");
	if (fclose(fp) != 0)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	conf_defaults(c);
	if ((c->sets = calloc(1, sizeof(*c->sets))) == NULL)
		return -1;
	c->nsets = 1;
	snprintf(c->sets[0].name, sizeof(c->sets[0].name), "hcpcs");
	c->sets[0].format = CONF_FMT_CMS_ANWEB;
	memset(&rel, 0, sizeof(rel));
	rel.path = path;
	c->sets[0].releases = &rel;
	c->sets[0].nreleases = 1;
	s = build_snapshot(c, NULL, err, sizeof(err));
	free(c->sets);
	free(c);
	if (s == NULL) {
		fprintf(stderr, "build_snapshot: %s\n", err);
		return -1;
	}
	snapshot_publish(s);
	return 0;
}

static void
test_with_data(void)
{
	struct rpc_limits lim = { 4096, 2 };
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	const msgpack_object *v;

	if (publish_fixture() == -1) {
		t_fail(__FILE__, __LINE__, "cannot publish the fixture");
		return;
	}
	rpc_set_limits(&lim);

	/* lookup [" a0021 "] */
	T_EQ_INT(call(1, "lookup", "91a720613030323120", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_EQ_STR(t_str(t_get(&r.res, "code")), "A0021");
	T_EQ_STR(t_str(t_get(&r.res, "set")), "hcpcs");
	T_EQ_STR(t_str(t_get(&r.res, "short")),
	    "Outside state ambulance serv");
	T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
	/* status is the last key */
	T_OK(r.res.type == MSGPACK_OBJECT_MAP &&
	    t_str(&r.res.via.map.ptr[r.res.via.map.size - 1].key)[0] == 's');
	resp_free(&r);

	/*
	 * lookup ["A0021", {describe: true}]: the same keys, status, then
	 * meanings last; the map header counts the key more.  Without
	 * describe the bytes are those shown below (protocol.md).
	 */
	T_EQ_INT(call(1, "lookup", "91a54130303231", &o, &r), RPC_DONE);
	{
		struct rpc_out	 od = { 0 };
		struct resp	 d;
		const msgpack_object *m, *l;
		uint32_t	 i, n = r.res.via.map.size;

		T_EQ_INT(call(1, "lookup", "92a54130303231"
		    "81a86465736372696265c3", &od, &d), RPC_DONE);
		T_EQ_INT(d.res.type, MSGPACK_OBJECT_MAP);
		T_EQ_INT(d.res.via.map.size, n + 1);
		for (i = 0; i < n && i < d.res.via.map.size; i++)
			T_OK(msgpack_object_equal(r.res.via.map.ptr[i].key,
			    d.res.via.map.ptr[i].key) &&
			    msgpack_object_equal(r.res.via.map.ptr[i].val,
			    d.res.via.map.ptr[i].val));
		T_EQ_STR(t_str(&d.res.via.map.ptr[n].key), "meanings");
		m = t_get(&d.res, "meanings");
		T_OK(m != NULL && m->type == MSGPACK_OBJECT_MAP);
		T_EQ_STR(t_str(t_get(m, "coverage")), "Carrier judgment");
		T_EQ_STR(t_str(t_get(m, "action")),
		    "No maintenance for this code");
		T_EQ_STR(t_str(t_get(m, "mult_pricing")),
		    "Not applicable as HCPCS not priced separately by Part "
		    "B (pricing indicator is 00) or value is not "
		    "established (pricing indicator is 99)");
		l = t_get(m, "pricing");
		T_OK(l != NULL && l->type == MSGPACK_OBJECT_ARRAY &&
		    l->via.array.size == 1);
		if (l != NULL && l->type == MSGPACK_OBJECT_ARRAY &&
		    l->via.array.size == 1)
			T_EQ_STR(t_str(&l->via.array.ptr[0]),
			    "Service not separately priced by Part B (e.g., "
			    "services not covered, bundled, used by Part A "
			    "only, etc.)");
		l = t_get(m, "tos");
		T_OK(l != NULL && l->type == MSGPACK_OBJECT_ARRAY &&
		    l->via.array.size == 1);
		if (l != NULL && l->type == MSGPACK_OBJECT_ARRAY &&
		    l->via.array.size == 1)
			T_EQ_STR(t_str(&l->via.array.ptr[0]), "Medical care");
		/* fields empty in the record are not described */
		T_OK(t_get(m, "betos") == NULL);
		resp_free(&d);
		/* describe: false is the plain map, byte for byte */
		T_EQ_INT(call(1, "lookup", "92a54130303231"
		    "81a86465736372696265c2", &od, &d), RPC_DONE);
		T_OK(msgpack_object_equal(r.res, d.res));
		resp_free(&d);
		T_EQ_INT(call(1, "lookup", "92a54130303231"
		    "81a8646573637269626501", &od, &d), RPC_DONE);
		T_EQ_STR(err_code(&d), "bad_request");
		T_EQ_STR(t_str(t_get(&d.err, "message")),
		    "opts.describe must be a boolean");
		resp_free(&d);
		/* lookup_many [["A0021", "A9"], {describe: true}] */
		T_EQ_INT(call(1, "lookup_many", "9292a54130303231a24139"
		    "81a86465736372696265c3", &od, &d), RPC_DONE);
		T_OK(d.res.type == MSGPACK_OBJECT_ARRAY &&
		    d.res.via.array.size == 2);
		if (d.res.type == MSGPACK_OBJECT_ARRAY &&
		    d.res.via.array.size == 2) {
			m = t_get(&d.res.via.array.ptr[0], "meanings");
			T_EQ_STR(t_str(t_get(m, "coverage")),
			    "Carrier judgment");
			T_EQ_INT(d.res.via.array.ptr[1].type,
			    MSGPACK_OBJECT_NIL);
		}
		resp_free(&d);
		rpc_out_free(&od);
	}
	resp_free(&r);

	/* G0001: terminated today, active with as_of 2010-06-01 */
	T_EQ_INT(call(2, "lookup", "91a54730303031", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "terminated");
	T_EQ_STR(t_str(t_get(&r.res, "terminated")), "2012-12-31");
	resp_free(&r);
	T_EQ_INT(call(3, "lookup", "92a54730303031"
	    "81a561735f6f66aa323031302d30362d3031", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
	resp_free(&r);
	/* a bad as_of, an unknown option, an unknown set */
	T_EQ_INT(call(4, "lookup", "92a54730303031"
	    "81a561735f6f66aa323031302d31332d3031", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	resp_free(&r);
	T_EQ_INT(call(5, "lookup", "92a54730303031" "81a178c3", &o, &r),
	    RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	T_EQ_STR(t_str(t_get(&r.err, "message")), "unknown option \"x\"");
	resp_free(&r);
	T_EQ_INT(call(6, "lookup", "92a54730303031" "81a3736574a26e6f", &o,
	    &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.err, "message")), "unknown set \"no\"");
	resp_free(&r);
	/* a well-shaped code that is not loaded: nil */
	T_EQ_INT(call(7, "lookup", "91a54130303939", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
	resp_free(&r);

	/* lookup_many [["A1", "!!"]], then over max_batch (2) */
	T_EQ_INT(call(8, "lookup_many", "9192a24131a22121", &o, &r), RPC_DONE);
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_ARRAY);
	if (r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 2) {
		v = &r.res.via.array.ptr[0];
		T_EQ_STR(t_str(t_get(v, "kind")), "modifier");
		T_EQ_INT(r.res.via.array.ptr[1].type, MSGPACK_OBJECT_NIL);
	} else
		t_fail(__FILE__, __LINE__, "lookup_many result");
	resp_free(&r);
	T_EQ_INT(call(9, "lookup_many", "9193a24131a24131a24131", &o, &r),
	    RPC_DONE);
	T_EQ_STR(err_code(&r), "too_large");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "3 codes, at most 2 per request");
	resp_free(&r);
	T_EQ_INT(call(9, "lookup_many", "9192a2413105", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "codes[1] must be a string");
	resp_free(&r);

	/* validate */
	T_EQ_INT(call(10, "validate", "92a54730303031aa323031352d30312d3031",
	    &o, &r), RPC_DONE);
	T_OK(t_get(&r.res, "valid") != NULL &&
	    t_get(&r.res, "valid")->type == MSGPACK_OBJECT_BOOLEAN &&
	    !t_get(&r.res, "valid")->via.boolean);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "terminated");
	T_EQ_STR(t_str(t_get(&r.res, "status")), "terminated");
	T_EQ_STR(t_str(t_get(&r.res, "set")), "hcpcs");
	resp_free(&r);
	/* the last valid day is still valid */
	T_EQ_INT(call(11, "validate", "92a54730303031aa323031322d31322d3331",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_OK(t_get(&r.res, "valid")->via.boolean);
	resp_free(&r);
	T_EQ_INT(call(12, "validate", "92a54730303031aa313939372d31322d3331",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_yet_effective");
	resp_free(&r);
	T_EQ_INT(call(13, "validate", "92a54130303939aa323031352d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
	T_EQ_STR(t_str(t_get(&r.res, "status")), "(nil)");
	T_OK(t_get(&r.res, "set") == NULL);
	resp_free(&r);
	T_EQ_INT(call(14, "validate", "92a54730303031a6323031353031", &o,
	    &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	resp_free(&r);
	/* ["99213", "2019-01-01"]: the only set holds no CPT codes */
	T_EQ_INT(call(49, "validate", "92a53939323133aa323031392d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_set_for_code");
	T_EQ_STR(t_str(t_get(&r.res, "message")),
	    "no loaded set holds CPT codes");
	T_OK(!t_get(&r.res, "valid")->via.boolean);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "(nil)");
	T_OK(t_get(&r.res, "set") == NULL);
	/* The exact bytes docs/protocol.md shows. */
	{
		static const unsigned char want_bytes[] = {
		    0x94, 0x01, 0x31, 0xc0, 0x85,
		    0xa5, 'v', 'a', 'l', 'i', 'd', 0xc2,
		    0xa4, 'c', 'o', 'd', 'e', 0xa5, '9', '9', '2', '1', '3',
		    0xa6, 's', 't', 'a', 't', 'u', 's', 0xc0,
		    0xa6, 'r', 'e', 'a', 's', 'o', 'n',
		    0xaf, 'n', 'o', '_', 's', 'e', 't', '_', 'f', 'o', 'r',
		    '_', 'c', 'o', 'd', 'e',
		    0xa7, 'm', 'e', 's', 's', 'a', 'g', 'e',
		    0xbd, 'n', 'o', ' ', 'l', 'o', 'a', 'd', 'e', 'd', ' ',
		    's', 'e', 't', ' ', 'h', 'o', 'l', 'd', 's', ' ',
		    'C', 'P', 'T', ' ', 'c', 'o', 'd', 'e', 's' };

		T_EQ_INT(o.len, sizeof(want_bytes));
		T_OK(o.len == sizeof(want_bytes) &&
		    memcmp(o.data, want_bytes, o.len) == 0);
	}
	resp_free(&r);
	/* ["D0120", ...], ["25", ...]: CDT codes, CPT modifiers */
	T_EQ_INT(call(50, "validate", "92a54430313230aa323031392d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_set_for_code");
	T_EQ_STR(t_str(t_get(&r.res, "message")),
	    "no loaded set holds CDT codes");
	resp_free(&r);
	T_EQ_INT(call(51, "validate", "92a23235aa323031392d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "message")),
	    "no loaded set holds CPT modifiers");
	resp_free(&r);
	/* ["ZZ", ...]: a Level II modifier; the set holds A1, so not_found */
	T_EQ_INT(call(52, "validate", "92a25a5aaa323031392d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
	T_OK(t_get(&r.res, "message") == NULL);
	resp_free(&r);
	/* lookup keeps answering nil */
	T_EQ_INT(call(53, "lookup", "91a53939323133", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
	resp_free(&r);

	/* search "cane", limit 1, limit 0 */
	T_EQ_INT(call(15, "search", "91a463616e65", &o, &r), RPC_DONE);
	T_OK(r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 2);
	if (r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 2) {
		T_EQ_STR(t_str(t_get(&r.res.via.array.ptr[0], "code")),
		    "E0100");
		T_EQ_STR(t_str(t_get(&r.res.via.array.ptr[1], "code")),
		    "E0105");
	}
	resp_free(&r);
	T_EQ_INT(call(16, "search", "92a463616e6581a56c696d697401", &o, &r),
	    RPC_DONE);
	T_OK(r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 1);
	resp_free(&r);
	T_EQ_INT(call(17, "search", "92a463616e6581a56c696d697400", &o, &r),
	    RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	resp_free(&r);
	/* terminated codes only with include_terminated */
	T_EQ_INT(call(18, "search", "91a5626c6f6f64", &o, &r), RPC_DONE);
	T_OK(r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 0);
	resp_free(&r);
	T_EQ_INT(call(19, "search", "92a5626c6f6f6481"
	    "b2696e636c7564655f7465726d696e61746564c3", &o, &r), RPC_DONE);
	T_OK(r.res.type == MSGPACK_OBJECT_ARRAY && r.res.via.array.size == 1);
	resp_free(&r);

	/* info: one set, generation as published */
	T_EQ_INT(call(20, "info", "90", &o, &r), RPC_DONE);
	v = t_get(&r.res, "sets");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1);
	if (v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1) {
		T_EQ_STR(t_str(t_get(&v->via.array.ptr[0], "name")),
		    "hcpcs");
		T_EQ_INT(t_get(&v->via.array.ptr[0], "records")->via.u64,
		    4);
		T_EQ_INT(t_get(&v->via.array.ptr[0], "modifiers")->via.u64,
		    1);
	}
	v = t_get(&r.res, "last_reload");
	T_OK(v != NULL && t_get(v, "ok")->via.boolean);
	T_EQ_STR(t_str(t_get(v, "at")), "(nil)");
	resp_free(&r);

	/* reload in rpc_process, where no load can start: ok false */
	T_EQ_INT(call(21, "reload", "90", &o, &r), RPC_DONE);
	T_OK(!t_get(&r.res, "ok")->via.boolean);
	T_EQ_STR(t_str(t_get(&r.res, "error")), "reload is not available");
	resp_free(&r);
	rpc_out_free(&o);
}

/*
 * In a context of its own (as a worker runs requests): a reload is a
 * verdict handed back (RPC_RELOAD), nothing packed, counted in the
 * context's counters; the caller answers with rpc_reload_answer.
 */
static void
test_reload_verdict(void)
{
	static const unsigned char req[] = { 0x94, 0x00, 0x2a, 0xa6, 'r',
	    'e', 'l', 'o', 'a', 'd', 0x90 };
	static const unsigned char note[] = { 0x93, 0x02, 0xa6, 'r', 'e',
	    'l', 'o', 'a', 'd', 0x90 };
	struct stats_counters cnt;
	struct rpc_ctx	 x;
	struct rpc_out	 o = { 0 };
	struct rpc_reload_req rl;
	struct resp	 r;
	uint64_t	 reqs = 0;
	size_t		 used = 0, off = 0, i;

	memset(&cnt, 0, sizeof(cnt));
	memset(&x, 0, sizeof(x));
	x.cnt = &cnt;
	rpc_ctx_begin(&x);
	T_OK(x.snap != NULL);
	memset(&rl, 0xff, sizeof(rl));
	T_EQ_INT(rpc_ctx_process(&x, req, sizeof(req), &o, &used, &rl),
	    RPC_RELOAD);
	T_EQ_INT(used, sizeof(req));
	T_EQ_INT(o.len, 0);
	T_EQ_INT(rl.msgid, 42);
	T_EQ_INT(rl.reply, 1);
	T_OK(rl.generation > 0 && x.snap != NULL &&
	    rl.generation == snapshot_generation(x.snap));
	T_EQ_INT(rpc_ctx_process(&x, note, sizeof(note), &o, &used, &rl),
	    RPC_RELOAD);
	T_EQ_INT(used, sizeof(note));
	T_EQ_INT(o.len, 0);
	T_EQ_INT(rl.reply, 0);
	rpc_ctx_end(&x);
	for (i = 0; i < STATS_METHODS_MAX; i++)
		reqs += cnt.requests[i];
	T_EQ_INT(reqs, 2);
	T_EQ_INT(cnt.notifications, 1);

	rpc_reload_answer(&o, 42, 0, 7, "busy");
	T_OK(resp_next(&o, &off, &r) == 0);
	T_EQ_INT(off, o.len);
	T_EQ_INT(r.msgid, 42);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_OK(t_get(&r.res, "ok") != NULL && !t_get(&r.res, "ok")->via.boolean);
	T_EQ_INT(t_get(&r.res, "generation")->via.u64, 7);
	T_EQ_STR(t_str(t_get(&r.res, "error")), "busy");
	resp_free(&r);
	rpc_out_free(&o);
}

/*
 * Releases: the fixture in two editions, effective 2019-01-01 and auto
 * (its latest action date is E0200's 2020-01-01).  2019: A0021, E0100, G0001
 * (terminated 2012); 2020: A0021 (long text changed), E0100
 * terminated 2019-12-31, E0200 new.
 */
static int
write_release(const char *name, int y2020)
{
	char	 path[128];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	if (!y2020) {
		fx_line(fp, "A0021", "Ambulance service, outside state per "
		    "mile", "Outside state ambulance serv", "20190101", "");
		fx_line(fp, "E0100", "Cane, adjustable or fixed, with tip",
		    "Cane adjust/fixed with tip", "20190101", "");
		fx_line(fp, "G0001", "Routine venipuncture", "Drawing blood",
		    "19980101", "20121231");
	} else {
		fx_line(fp, "A0021", "Ambulance service, outside state, per "
		    "mile", "Outside state ambulance serv", "20190101", "");
		fx_line(fp, "E0100", "Cane, adjustable or fixed, with tip",
		    "Cane adjust/fixed with tip", "20190101", "20191231");
		fx_line(fp, "E0200", "Heat lamp, without stand",
		    "Heat lamp without stand", "20200101", "");
	}
	return fclose(fp);
}

/* Load a config text (written to tmpdir) and build it. */
static struct snapshot *
build_conf(const char *text, char *err, size_t errlen)
{
	struct conf	*c;
	struct snapshot	*s;
	char		 path[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/rel.yaml", tmpdir);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	if ((c = conf_load(path, err, errlen)) == NULL)
		return NULL;
	s = build_snapshot(c, NULL, err, errlen);
	conf_free(c);
	return s;
}

static void
test_releases(void)
{
	static const char head[] = "code_sets:\n  - name: hcpcs\n"
	    "    format: cms-anweb\n";
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	struct record_err re;
	struct snapshot	*s;
	const msgpack_object *v, *w;
	char		 text[1024], err[1024], hash[65], want[1024];

	if (write_release("r2019.txt", 0) == -1 ||
	    write_release("r2020.txt", 1) == -1) {
		t_fail(__FILE__, __LINE__, "cannot write the releases");
		return;
	}
	snprintf(text, sizeof(text), "%s/r2019.txt", tmpdir);
	T_EQ_INT(sha256_file(text, hash, &re), 0);

	/* A wrong sha256 fails the build, naming set, file and hashes. */
	snprintf(text, sizeof(text), "%s    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01, sha256: %064d}\n",
	    head, 0);
	s = build_conf(text, err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	snprintf(want, sizeof(want), "set \"hcpcs\": %s/r2019.txt: sha256 "
	    "mismatch (expected %064d, file has %s)", tmpdir, 0, hash);
	T_EQ_STR(err, want);
	/* min_records: 4 refuses a 3-record file. */
	snprintf(text, sizeof(text), "%s    min_records: 4\n    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01}\n", head);
	s = build_conf(text, err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	snprintf(want, sizeof(want), "set \"hcpcs\": %s/r2019.txt: 3 records, "
	    "fewer than min_records 4", tmpdir);
	T_EQ_STR(err, want);

	/* The good one: sha256 accepted, auto derives 2020-01-01. */
	snprintf(text, sizeof(text), "%s    min_records: 3\n    releases:\n"
	    "      - {path: r2020.txt, effective: auto}\n"
	    "      - {path: r2019.txt, effective: 2019-01-01, sha256: %s}\n",
	    head, hash);
	s = build_conf(text, err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "build: %s\n", err);
		return;
	}
	snapshot_publish(s);

	/* lookup as_of */
	/* [ "E0100", {"as_of": "2019-06-01"} ] */
	T_EQ_INT(call(41, "lookup", "92a54530313030"
	    "81a561735f6f66aa323031392d30362d3031", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
	T_EQ_STR(t_str(t_get(&r.res, "release")), "2019-01-01");
	T_EQ_STR(t_str(t_get(&r.res, "terminated")), "(absent)");
	resp_free(&r);
	/* as_of 2020-02-01 */
	T_EQ_INT(call(42, "lookup", "92a54530313030"
	    "81a561735f6f66aa323032302d30322d3031", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "terminated");
	T_EQ_STR(t_str(t_get(&r.res, "release")), "2020-01-01");
	T_EQ_STR(t_str(t_get(&r.res, "terminated")), "2019-12-31");
	resp_free(&r);
	/* E0200: not found in 2019, found in 2020 */
	T_EQ_INT(call(43, "lookup", "92a54530323030"
	    "81a561735f6f66aa323031392d30362d3031", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
	resp_free(&r);
	T_EQ_INT(call(44, "lookup", "92a54530323030"
	    "81a561735f6f66aa323032302d30322d3031", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "short")), "Heat lamp without stand");
	resp_free(&r);

	/* validate on 2018-06-01: no_release */
	T_EQ_INT(call(45, "validate", "92a54530313030aa323031382d30362d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_release");
	T_OK(t_get(&r.res, "valid") != NULL &&
	    !t_get(&r.res, "valid")->via.boolean);
	T_EQ_STR(t_str(t_get(&r.res, "status")), "(nil)");
	T_OK(t_get(&r.res, "set") == NULL);
	/* The exact bytes docs/protocol.md shows. */
	{
		static const unsigned char want_bytes[] = {
		    0x94, 0x01, 0x2d, 0xc0, 0x84,
		    0xa5, 'v', 'a', 'l', 'i', 'd', 0xc2,
		    0xa4, 'c', 'o', 'd', 'e', 0xa5, 'E', '0', '1', '0', '0',
		    0xa6, 's', 't', 'a', 't', 'u', 's', 0xc0,
		    0xa6, 'r', 'e', 'a', 's', 'o', 'n',
		    0xaa, 'n', 'o', '_', 'r', 'e', 'l', 'e', 'a', 's', 'e' };

		T_EQ_INT(o.len, sizeof(want_bytes));
		T_OK(o.len == sizeof(want_bytes) &&
		    memcmp(o.data, want_bytes, o.len) == 0);
	}
	resp_free(&r);
	/* 2019-06-01: ok from the 2019 release; 2020-02-01: terminated */
	T_EQ_INT(call(46, "validate", "92a54530313030aa323031392d30362d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_EQ_STR(t_str(t_get(&r.res, "set")), "hcpcs");
	T_EQ_STR(t_str(t_get(&r.res, "release")), "2019-01-01");
	resp_free(&r);
	T_EQ_INT(call(47, "validate", "92a54530313030aa323032302d30322d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "terminated");
	T_EQ_STR(t_str(t_get(&r.res, "release")), "2020-01-01");
	resp_free(&r);

	/* diff ["hcpcs", "2019-01-01", "2020-01-01"] */
	T_EQ_INT(call(48, "diff", "93a5686370637" "3aa323031392d30312d3031"
	    "aa323032302d30312d3031", &o, &r), RPC_DONE);
	T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
	v = t_get(&r.res, "added");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1 &&
	    strcmp(t_str(&v->via.array.ptr[0]), "E0200") == 0);
	v = t_get(&r.res, "removed");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1 &&
	    strcmp(t_str(&v->via.array.ptr[0]), "G0001") == 0);
	v = t_get(&r.res, "terminated");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1 &&
	    strcmp(t_str(&v->via.array.ptr[0]), "E0100") == 0);
	v = t_get(&r.res, "changed");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 2);
	if (v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 2) {
		T_EQ_STR(t_str(t_get(&v->via.array.ptr[0], "code")),
		    "A0021");
		w = t_get(&v->via.array.ptr[0], "fields");
		T_OK(w != NULL && w->type == MSGPACK_OBJECT_ARRAY &&
		    w->via.array.size == 1 &&
		    strcmp(t_str(&w->via.array.ptr[0]), "long") == 0);
		T_EQ_STR(t_str(t_get(&v->via.array.ptr[1], "code")),
		    "E0100");
		w = t_get(&v->via.array.ptr[1], "fields");
		T_OK(w != NULL && w->type == MSGPACK_OBJECT_ARRAY &&
		    w->via.array.size == 1 &&
		    strcmp(t_str(&w->via.array.ptr[0]), "terminated") == 0);
	}
	/* The exact bytes docs/protocol.md shows. */
	{
		static const unsigned char want_bytes[] = {
		    0x94, 0x01, 0x30, 0xc0, 0x84,
		    0xa5, 'a', 'd', 'd', 'e', 'd', 0x91,
		    0xa5, 'E', '0', '2', '0', '0',
		    0xa7, 'r', 'e', 'm', 'o', 'v', 'e', 'd', 0x91,
		    0xa5, 'G', '0', '0', '0', '1',
		    0xaa, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 'd',
		    0x91, 0xa5, 'E', '0', '1', '0', '0',
		    0xa7, 'c', 'h', 'a', 'n', 'g', 'e', 'd', 0x92,
		    0x82, 0xa4, 'c', 'o', 'd', 'e', 0xa5, 'A', '0', '0', '2',
		    '1', 0xa6, 'f', 'i', 'e', 'l', 'd', 's', 0x91,
		    0xa4, 'l', 'o', 'n', 'g',
		    0x82, 0xa4, 'c', 'o', 'd', 'e', 0xa5, 'E', '0', '1', '0',
		    '0', 0xa6, 'f', 'i', 'e', 'l', 'd', 's', 0x91,
		    0xaa, 't', 'e', 'r', 'm', 'i', 'n', 'a', 't', 'e', 'd' };

		T_EQ_INT(o.len, sizeof(want_bytes));
		T_OK(o.len == sizeof(want_bytes) &&
		    memcmp(o.data, want_bytes, o.len) == 0);
	}
	resp_free(&r);
	/* unknown release, unknown set, nil for a set with no always release */
	T_EQ_INT(call(49, "diff", "93a5686370637" "3aa323031382d30312d3031"
	    "aa323032302d30312d3031", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "set \"hcpcs\" has no release effective 2018-01-01");
	resp_free(&r);
	T_EQ_INT(call(50, "diff", "93a26e6fc0c0", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.err, "message")), "unknown set \"no\"");
	resp_free(&r);
	T_EQ_INT(call(51, "diff", "93a5686370637" "3c0aa323032302d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.err, "message")),
	    "set \"hcpcs\" has no release effective always (nil)");
	resp_free(&r);
	T_EQ_INT(call(52, "diff", "92a56863706373c0", &o, &r), RPC_DONE);
	T_EQ_STR(err_code(&r), "bad_request");
	resp_free(&r);

	/* info: releases, min_records, reloads */
	T_EQ_INT(call(53, "info", "90", &o, &r), RPC_DONE);
	v = t_get(&r.res, "sets");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1);
	if (v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1) {
		v = &v->via.array.ptr[0];
		T_EQ_INT(t_get(v, "min_records")->via.u64, 3);
		snprintf(want, sizeof(want), "%s/r2020.txt", tmpdir);
		T_EQ_STR(t_str(t_get(v, "path")), want);
		w = t_get(v, "releases");
		T_OK(w != NULL && w->type == MSGPACK_OBJECT_ARRAY &&
		    w->via.array.size == 2);
		if (w != NULL && w->type == MSGPACK_OBJECT_ARRAY &&
		    w->via.array.size == 2) {
			v = &w->via.array.ptr[0];
			T_EQ_STR(t_str(t_get(v, "effective")),
			    "2019-01-01");
			T_OK(!t_get(v, "effective_auto")->via.boolean);
			T_OK(!t_get(v, "in_force")->via.boolean);
			T_EQ_STR(t_str(t_get(v, "sha256")), hash);
			T_EQ_INT(t_get(v, "records")->via.u64, 3);
			T_EQ_INT(t_get(v, "modifiers")->via.u64, 0);
			T_OK(t_get(v, "loaded_at")->type ==
			    MSGPACK_OBJECT_STR);
			v = &w->via.array.ptr[1];
			T_EQ_STR(t_str(t_get(v, "effective")),
			    "2020-01-01");
			T_OK(t_get(v, "effective_auto")->via.boolean);
			T_OK(t_get(v, "in_force")->via.boolean);
		}
	}
	v = t_get(t_get(&r.res, "stats"), "reloads");
	T_OK(v != NULL && t_get(v, "count") != NULL &&
	    t_get(v, "failed") != NULL &&
	    t_get(v, "last_duration_ms") != NULL);
	resp_free(&r);
	stats_note_reload(0, 1700000000, "x: broken", 12);
	stats_note_reload(1, 1700000001, NULL, 34);
	T_EQ_INT(call(54, "info", "90", &o, &r), RPC_DONE);
	v = t_get(t_get(&r.res, "stats"), "reloads");
	T_OK(v != NULL && t_get(v, "count")->via.u64 == 2 &&
	    t_get(v, "failed")->via.u64 == 1 &&
	    t_get(v, "timed_out")->via.u64 == 0 &&
	    t_get(v, "last_duration_ms")->via.u64 == 34);
	resp_free(&r);
	rpc_out_free(&o);
	snapshot_publish(NULL);
}

/* A preview list: its count and its codes joined by ','. */
static void
preview_list(const msgpack_object *ch, const char *kind, char *buf,
    size_t len, uint64_t *count)
{
	const msgpack_object *l = t_get(ch, kind), *c;
	size_t		 i, off = 0;

	buf[0] = '\0';
	*count = 0;
	if (l == NULL || (c = t_get(l, "codes")) == NULL ||
	    c->type != MSGPACK_OBJECT_ARRAY)
		return;
	*count = t_get(l, "count")->via.u64;
	for (i = 0; i < c->via.array.size && off + 8 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%.*s",
		    i > 0 ? "," : "", (int)c->via.array.ptr[i].via.str.size,
		    c->via.array.ptr[i].via.str.ptr);
}

/*
 * A dry run's preview: the fixture's 2019 edition served, the 2020 one
 * configured instead, today and on a release's future date; packed as
 * the reload answer carries it.  And codes, what hcpcsd -t reads.
 */
static void
test_preview(void)
{
	static const char head[] = "code_sets:\n  - name: hcpcs\n"
	    "    format: cms-anweb\n";
	struct snapshot_codes a = { NULL, 0 }, b = { NULL, 0 };
	struct snapshot_preview p = { NULL, 0 };
	struct rpc_out	 o = { 0 }, w = { 0 };
	struct resp	 r;
	struct snapshot	*s19, *s20, *sfut;
	const msgpack_object *v, *ch;
	char		 text[1024], err[1024], codes[256];
	uint64_t	 n;
	size_t		 off = 0;
	uint32_t	 today = record_today();

	snprintf(text, sizeof(text), "%s    path: r2019.txt\n", head);
	s19 = build_conf(text, err, sizeof(err));
	snprintf(text, sizeof(text), "%s    path: r2020.txt\n", head);
	s20 = build_conf(text, err, sizeof(err));
	snprintf(text, sizeof(text), "%s    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01}\n"
	    "      - {path: r2020.txt, effective: 2099-01-01}\n", head);
	sfut = build_conf(text, err, sizeof(err));
	T_OK(s19 != NULL && s20 != NULL && sfut != NULL);
	if (s19 == NULL || s20 == NULL || sfut == NULL)
		goto out;

	/* 2019 -> 2020, both always in force: one date, today. */
	T_EQ_INT(snapshot_codes_of(s19, today, &a), 0);
	T_EQ_INT(snapshot_codes_of(s20, today, &b), 0);
	T_EQ_INT(snapshot_preview(&a, &b, today, &p), 0);
	T_EQ_INT(p.nsets, 1);
	T_EQ_INT(p.sets[0].nchanges, 1);
	/* The answer wraps the packed result as it is. */
	rpc_reload_answer_packed(&o, 9, (const unsigned char *)"\xc0", 1);
	T_OK(resp_next(&o, &off, &r) == 0);
	T_EQ_INT(r.msgid, 9);
	T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
	resp_free(&r);
	o.len = 0;
	rpc_pack_dry_run(&o, 1, 5, NULL, &p);
	off = 0;
	w.len = 0;
	rpc_reload_answer_packed(&w, 10, o.data, o.len);
	T_OK(resp_next(&w, &off, &r) == 0);
	T_EQ_INT(off, w.len);
	T_OK(t_get(&r.res, "ok")->via.boolean);
	T_OK(t_get(&r.res, "dry_run")->via.boolean);
	T_EQ_INT(t_get(&r.res, "generation")->via.u64, 5);
	v = t_get(&r.res, "sets");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1);
	if (v != NULL && v->via.array.size == 1) {
		T_EQ_STR(t_str(t_get(&v->via.array.ptr[0], "name")), "hcpcs");
		ch = &t_get(&v->via.array.ptr[0], "changes")->via.array.ptr[0];
		T_EQ_INT(t_get(t_get(ch, "from"), "codes")->via.u64, 3);
		T_EQ_INT(t_get(t_get(ch, "from"), "effective")->type,
		    MSGPACK_OBJECT_NIL);
		T_EQ_INT(t_get(t_get(ch, "to"), "codes")->via.u64, 3);
		preview_list(ch, "added", codes, sizeof(codes), &n);
		T_EQ_STR(codes, "E0200");
		T_EQ_INT(n, 1);
		preview_list(ch, "removed", codes, sizeof(codes), &n);
		T_EQ_STR(codes, "G0001");
		preview_list(ch, "terminated", codes, sizeof(codes), &n);
		T_EQ_STR(codes, "E0100");
		/* A0021's long text; E0100 only gained its TERM DT. */
		preview_list(ch, "changed", codes, sizeof(codes), &n);
		T_EQ_STR(codes, "A0021");
	}
	resp_free(&r);
	snapshot_preview_free(&p);
	snapshot_codes_free(&b);

	/* The same edition: nothing; the future release: its own date. */
	T_EQ_INT(snapshot_codes_of(sfut, today, &b), 0);
	T_EQ_INT(b.sets[0].nrels, 2);
	T_EQ_INT(snapshot_preview(&a, &b, today, &p), 0);
	T_EQ_INT(p.sets[0].nchanges, 2);
	if (p.sets[0].nchanges == 2) {
		T_EQ_INT(p.sets[0].changes[0].as_of, today);
		T_EQ_INT(p.sets[0].changes[0].kind[SNAPSHOT_DIFF_ADDED].count +
		    p.sets[0].changes[0].kind[SNAPSHOT_DIFF_REMOVED].count +
		    p.sets[0].changes[0].kind[SNAPSHOT_DIFF_CHANGED].count +
		    p.sets[0].changes[0].kind[SNAPSHOT_DIFF_TERMINATED].count,
		    0);
		T_EQ_INT(p.sets[0].changes[1].as_of, 20990101);
		T_EQ_INT(p.sets[0].changes[1].from_effective, 0);
		T_EQ_INT(p.sets[0].changes[1].to_effective, 20990101);
		T_EQ_INT(p.sets[0].changes[1].kind[SNAPSHOT_DIFF_ADDED].count,
		    1);
		T_EQ_STR(p.sets[0].changes[1].kind[SNAPSHOT_DIFF_REMOVED].
		    codes[0], "G0001");
	}
	snapshot_preview_free(&p);
	/* A set the new config drops: every code removed. */
	T_EQ_INT(snapshot_preview(&a, &(struct snapshot_codes){ NULL, 0 },
	    today, &p), 0);
	T_EQ_INT(p.nsets, 1);
	T_EQ_INT(p.sets[0].changes[0].has_to, 0);
	T_EQ_INT(p.sets[0].changes[0].kind[SNAPSHOT_DIFF_REMOVED].count, 3);
	snapshot_preview_free(&p);

	/* A failed dry run: ok false and why. */
	o.len = 0;
	rpc_pack_dry_run(&o, 0, 5, "set \"hcpcs\": boom", NULL);
	off = 0;
	w.len = 0;
	rpc_reload_answer_packed(&w, 11, o.data, o.len);
	T_OK(resp_next(&w, &off, &r) == 0);
	T_OK(!t_get(&r.res, "ok")->via.boolean);
	T_EQ_STR(t_str(t_get(&r.res, "error")), "set \"hcpcs\": boom");
	T_OK(t_get(&r.res, "sets") == NULL);
	resp_free(&r);

	/* codes: the 2019 edition served; the digests are the helper's. */
	snapshot_publish(s19);
	s19 = NULL;
	T_EQ_INT(call(80, "codes", "90", &o, &r), RPC_DONE);
	v = t_get(&r.res, "sets");
	T_OK(v != NULL && v->type == MSGPACK_OBJECT_ARRAY &&
	    v->via.array.size == 1);
	if (v != NULL && v->via.array.size == 1) {
		v = t_get(&v->via.array.ptr[0], "releases");
		T_OK(v->via.array.size == 1);
		T_EQ_INT(t_get(&v->via.array.ptr[0], "effective")->type,
		    MSGPACK_OBJECT_NIL);
		v = t_get(&v->via.array.ptr[0], "codes");
		T_OK(v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size == 3);
		if (v->via.array.size == 3) {
			ch = &v->via.array.ptr[2];
			T_EQ_INT(ch->via.array.size, 3);
			T_EQ_STR(t_str(&ch->via.array.ptr[0]), "G0001");
			T_EQ_STR(t_str(&ch->via.array.ptr[1]), "2012-12-31");
			T_OK(ch->via.array.ptr[2].via.u64 ==
			    a.sets[0].rels[0].codes[2].digest);
			T_EQ_INT(v->via.array.ptr[0].via.array.ptr[1].type,
			    MSGPACK_OBJECT_NIL);
		}
	}
	resp_free(&r);
	snapshot_publish(NULL);
out:
	snapshot_codes_free(&a);
	snapshot_codes_free(&b);
	snapshot_release(s19);
	snapshot_release(s20);
	snapshot_release(sfut);
	rpc_out_free(&o);
	rpc_out_free(&w);
}

/*
 * no_set_for_code only when no considered set holds the code's class:
 * hcpcs (Level II) and cpt (a CSV of CPT codes).
 */
static void
test_holds(void)
{
	static const char csv[] = "HCPC,LONG DESCRIPTION\r\n"
	    "99214,Office visit for an established patient\r\n";
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	struct snapshot	*s;
	char		 text[1024], err[1024];

	t_write_file(tmpdir, "cpt.csv", csv, sizeof(csv) - 1, 0644);
	snprintf(text, sizeof(text), "code_sets:\n"
	    "  - name: hcpcs\n    format: cms-anweb\n    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01}\n"
	    "  - name: cpt\n    format: delimited\n    path: cpt.csv\n"
	    "    columns: {code: HCPC, long: LONG DESCRIPTION}\n");
	if ((s = build_conf(text, err, sizeof(err))) == NULL) {
		t_fail(__FILE__, __LINE__, "build: %s", err);
		return;
	}
	snapshot_publish(s);
	/* ["99213", "2019-06-01"]: cpt could hold it: not_found */
	T_EQ_INT(call(70, "validate", "92a53939323133aa323031392d30362d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
	T_OK(t_get(&r.res, "message") == NULL);
	resp_free(&r);
	/* ... with {"set": "hcpcs"} */
	T_EQ_INT(call(71, "validate", "93a53939323133aa323031392d30362d3031"
	    "81a3736574a56863706373", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_set_for_code");
	T_EQ_STR(t_str(t_get(&r.res, "message")),
	    "set \"hcpcs\" holds no CPT codes");
	resp_free(&r);
	/* ["A9999", "2019-06-01", {"set": "cpt"}] */
	T_EQ_INT(call(72, "validate", "93a54139393939aa323031392d30362d3031"
	    "81a3736574a3637074", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_set_for_code");
	T_EQ_STR(t_str(t_get(&r.res, "message")),
	    "set \"cpt\" holds no HCPCS codes");
	resp_free(&r);
	/* before hcpcs's release, no_release comes first */
	T_EQ_INT(call(73, "validate", "93a53939323133aa323031382d30362d3031"
	    "81a3736574a56863706373", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_release");
	T_OK(t_get(&r.res, "message") == NULL);
	resp_free(&r);
	/* the CPT code it has is found */
	T_EQ_INT(call(74, "validate", "92a53939323134aa323031392d30362d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_EQ_STR(t_str(t_get(&r.res, "set")), "cpt");
	resp_free(&r);
	rpc_out_free(&o);
	snapshot_publish(NULL);
}

/* Is the validate result r stale (the key present and true)? */
static int
res_stale(const struct resp *r)
{
	const msgpack_object *v = t_get(&r->res, "stale");

	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN &&
	    v->via.boolean;
}

/*
 * stale: a date past the newest release's effective date plus the
 * set's stale_after (default 4 months), for the answering set or, when
 * not found, any set considered.
 */
static void
test_stale(void)
{
	static const char head[] = "code_sets:\n  - name: hcpcs\n"
	    "    format: cms-anweb\n";
	struct rpc_out	 o = { 0 };
	struct resp	 r;
	struct snapshot	*s;
	char		 text[1024], err[1024];

	/* 2019-01-01 and 2020-01-01: current up to 2020-05-01. */
	snprintf(text, sizeof(text), "%s    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01}\n"
	    "      - {path: r2020.txt, effective: 2020-01-01}\n"
	    "  - name: other\n    format: cms-anweb\n    path: fx.txt\n",
	    head);
	if ((s = build_conf(text, err, sizeof(err))) == NULL) {
		t_fail(__FILE__, __LINE__, "build: %s", err);
		return;
	}
	T_EQ_INT(snapshot_set(s, 0)->fresh_until, 20200501);
	/* A path: set has no date: never stale. */
	T_EQ_INT(snapshot_set(s, 1)->fresh_until, 0);
	snapshot_publish(s);
	/* ["E0200", "2020-05-01"]: the last current day */
	T_EQ_INT(call(60, "validate", "92a54530323030aa323032302d30352d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_OK(t_get(&r.res, "stale") == NULL);
	resp_free(&r);
	/* the newest release's own date */
	T_EQ_INT(call(61, "validate", "92a54530323030aa323032302d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_OK(t_get(&r.res, "stale") == NULL);
	resp_free(&r);
	/* ["E0200", "2020-05-02"]: stale, still ok from the 2020 release */
	T_EQ_INT(call(62, "validate", "92a54530323030aa323032302d30352d3032",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_EQ_STR(t_str(t_get(&r.res, "release")), "2020-01-01");
	T_OK(res_stale(&r));
	T_EQ_INT(r.res.type == MSGPACK_OBJECT_MAP ? r.res.via.map.size : 0, 7);
	resp_free(&r);
	/* E0105 is only in the path: set, which is never stale */
	T_EQ_INT(call(63, "validate", "92a54530313035aa323033302d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "set")), "other");
	T_OK(t_get(&r.res, "stale") == NULL);
	resp_free(&r);
	/* ["A9999", "2030-01-01"]: not found, and hcpcs is stale */
	T_EQ_INT(call(64, "validate", "92a54139393939aa323033302d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
	T_OK(res_stale(&r));
	resp_free(&r);
	/* the same with {"set": "other"}: only other is considered */
	T_EQ_INT(call(65, "validate", "93a54139393939aa323033302d30312d3031"
	    "81a3736574a56f74686572", &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
	T_OK(t_get(&r.res, "stale") == NULL);
	resp_free(&r);
	snapshot_publish(NULL);

	/* Calendar months keep the day but for the month's end. */
	snprintf(text, sizeof(text), "%s    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-10-31}\n", head);
	if ((s = build_conf(text, err, sizeof(err))) != NULL)
		T_EQ_INT(snapshot_set(s, 0)->fresh_until, 20200229);
	else
		t_fail(__FILE__, __LINE__, "build: %s", err);
	snapshot_release(s);
	snprintf(text, sizeof(text), "%s    stale_after: 1 month\n"
	    "    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-12-31}\n", head);
	if ((s = build_conf(text, err, sizeof(err))) != NULL)
		T_EQ_INT(snapshot_set(s, 0)->fresh_until, 20200131);
	else
		t_fail(__FILE__, __LINE__, "build: %s", err);
	snapshot_release(s);
	/* Days, across a year end; and off. */
	snprintf(text, sizeof(text), "%s    stale_after: 120 days\n"
	    "    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-10-01}\n", head);
	if ((s = build_conf(text, err, sizeof(err))) != NULL)
		T_EQ_INT(snapshot_set(s, 0)->fresh_until, 20200129);
	else
		t_fail(__FILE__, __LINE__, "build: %s", err);
	snapshot_release(s);
	snprintf(text, sizeof(text), "%s    stale_after: off\n"
	    "    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-10-01}\n", head);
	if ((s = build_conf(text, err, sizeof(err))) == NULL) {
		t_fail(__FILE__, __LINE__, "build: %s", err);
		return;
	}
	T_EQ_INT(snapshot_set(s, 0)->fresh_until, 0);
	snapshot_publish(s);
	T_EQ_INT(call(66, "validate", "92a54530313030aa323033302d30312d3031",
	    &o, &r), RPC_DONE);
	T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
	T_OK(t_get(&r.res, "stale") == NULL);
	resp_free(&r);
	rpc_out_free(&o);
	snapshot_publish(NULL);
}


/*
 * Clean text out (text.c, rpc_quote): what a client or a file sent
 * comes back valid UTF-8 without control characters, cut between
 * characters.
 */

static void
test_utf8_len(void)
{
	static const struct {
		const char	*s;
		size_t		 len, want;
	} c[] = {
		{ "a", 1, 1 }, { "\x00", 1, 1 }, { "\x7f", 1, 1 },
		{ "\xc2\x80", 2, 2 }, { "\xdf\xbf", 2, 2 },
		{ "\xe0\xa0\x80", 3, 3 }, { "\xef\xbf\xbf", 3, 3 },
		{ "\xf0\x90\x80\x80", 4, 4 }, { "\xf4\x8f\xbf\xbf", 4, 4 },
		/* overlong forms of '/', U+07FF, U+FFFF */
		{ "\xc0\xaf", 2, 0 }, { "\xc1\xbf", 2, 0 },
		{ "\xe0\x9f\xbf", 3, 0 }, { "\xf0\x8f\xbf\xbf", 4, 0 },
		/* surrogates, past U+10FFFF, bytes that begin nothing */
		{ "\xed\xa0\x80", 3, 0 }, { "\xed\xbf\xbf", 3, 0 },
		{ "\xed\x9f\xbf", 3, 3 }, { "\xf4\x90\x80\x80", 4, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0 }, { "\xff", 1, 0 },
		{ "\x80", 1, 0 }, { "\xbf", 1, 0 },
		/* cut short, or a continuation missing */
		{ "\xf0\x9f\x98", 3, 0 }, { "\xe2\x82", 2, 0 }, { "\xc3", 1, 0 },
		{ "\xe2\x28\xa1", 3, 0 }, { "\xf0\x9f\x98\x41", 4, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (text_utf8_len((const unsigned char *)c[i].s, c[i].len) !=
		    c[i].want)
			t_fail(__FILE__, __LINE__, "case %zu: %zu, expected %zu",
			    i, text_utf8_len((const unsigned char *)c[i].s,
			    c[i].len), c[i].want);
	T_EQ_INT(text_utf8_len((const unsigned char *)"a", 0), 0);
}

/* text_clean of s (len bytes) into a buffer of size; checks the result. */
static void
clean_eq(const char *s, size_t len, int flags, size_t size,
    const char *want, size_t want_in, int line)
{
	char	 buf[512];
	size_t	 in;

	memset(buf, 'Z', sizeof(buf));
	in = text_clean(buf, size, s, len, flags);
	if (strcmp(buf, want) != 0 || in != want_in)
		t_fail(__FILE__, line, "text_clean: \"%s\" (%zu in), expected "
		    "\"%s\" (%zu in)", buf, in, want, want_in);
	t_checks++;
}

static void
test_text_clean(void)
{
	/* a, NUL, ESC, DEL, \, ", U+0085 (NEL), é, an invalid byte */
	static const char mix[] = "a\x00\x1b\x7f\\\"\xc2\x85\xc3\xa9\xff";
	/* é (2 bytes), € (3), 😀 (4), twice */
	static const char mb[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const size_t ends[] = { 0, 2, 5, 9, 11, 14, 18 };
	char	 buf[32], want[32];
	size_t	 size, k, in;

	clean_eq(mix, sizeof(mix) - 1, 0, 512,
	    "a\\x00\\x1b\\x7f\\\"\\u0085\xc3\xa9\\xff", sizeof(mix) - 1,
	    __LINE__);
	clean_eq(mix, sizeof(mix) - 1, TEXT_QUOTED, 512,
	    "a\\x00\\x1b\\x7f\\\\\\\"\\u0085\xc3\xa9\\xff", sizeof(mix) - 1,
	    __LINE__);
	/* Overlong, surrogate, cut short: every byte shown. */
	clean_eq("\xc0\xaf\xed\xa0\x80\xf0\x9f\x98", 8, 0, 512,
	    "\\xc0\\xaf\\xed\\xa0\\x80\\xf0\\x9f\\x98", 8, __LINE__);
	/* A character just after a damaged one is kept. */
	clean_eq("\xf0\x9f\x98\xc3\xa9", 5, 0, 512, "\\xf0\\x9f\\x98\xc3\xa9",
	    5, __LINE__);
	/* An escape is cut whole: 4 bytes do not go in 4, they do in 5. */
	clean_eq("\x01", 1, 0, 4, "", 0, __LINE__);
	clean_eq("\x01", 1, 0, 5, "\\x01", 1, __LINE__);
	clean_eq("ab", 2, 0, 1, "", 0, __LINE__);
	T_EQ_INT(text_clean(buf, 0, "ab", 2, 0), 0);

	/*
	 * Every buffer size over the multi-byte string: the longest run of
	 * whole characters that fits, never part of one.
	 */
	for (size = 1; size <= sizeof(mb) + 1; size++) {
		for (k = 0; k + 1 < sizeof(ends) / sizeof(ends[0]) &&
		    ends[k + 1] <= size - 1; k++)
			;
		memcpy(want, mb, ends[k]);
		want[ends[k]] = '\0';
		in = text_clean(buf, size, mb, sizeof(mb) - 1, 0);
		if (strcmp(buf, want) != 0 || in != ends[k])
			t_fail(__FILE__, __LINE__, "size %zu: %zu bytes in, "
			    "expected %zu", size, in, ends[k]);
		t_checks++;
		T_OK(record_utf8_valid(buf, strlen(buf)));
	}
	T_OK(text_is_clean(mb, sizeof(mb) - 1, 0));
	T_OK(text_is_clean("a\"b\\", 4, 0));
	T_OK(!text_is_clean("a\"b", 3, TEXT_QUOTED));
	T_OK(!text_is_clean("a\tb", 3, 0));
	T_OK(!text_is_clean("\xc2\x9b", 2, 0));
	T_OK(!text_is_clean("\xf0\x9f\x98", 3, 0));
	T_OK(text_is_clean("", 0, 0));
}

/*
 * rpc_quote at the limit: a 4-byte character at every offset across
 * RPC_QUOTE_MAX goes in whole or not at all, and the cut says "...".
 */
static void
test_rpc_quote(void)
{
	char	 in[RPC_QUOTE_MAX + 16], want[RPC_QUOTE_SIZE + 8];
	char	 q[RPC_QUOTE_SIZE];
	size_t	 k, len, i;

	T_EQ_STR(rpc_quote(q, "abc", 3), "\"abc\"");
	T_EQ_STR(rpc_quote(q, "", 0), "\"\"");
	T_EQ_STR(rpc_quote(q, "a\"b\\\n\xff", 6),
	    "\"a\\\"b\\\\\\x0a\\xff\"");
	for (k = RPC_QUOTE_MAX - 6; k <= RPC_QUOTE_MAX + 2; k++) {
		memset(in, 'a', k);
		memcpy(in + k, "\xf0\x9f\x98\x80", 4);
		len = k + 4;
		if (len <= RPC_QUOTE_MAX)
			snprintf(want, sizeof(want), "\"%.*s\"", (int)len, in);
		else
			snprintf(want, sizeof(want), "\"%.*s\"...",
			    (int)(k < RPC_QUOTE_MAX ? k : RPC_QUOTE_MAX), in);
		T_EQ_STR(rpc_quote(q, in, len), want);
		/*
		 * The same cut short by its last byte: three bytes that
		 * begin no character, each shown as \xNN while it fits.
		 */
		len = k + 3;
		snprintf(want, sizeof(want), "\"%.*s", (int)(k < RPC_QUOTE_MAX ?
		    k : RPC_QUOTE_MAX), in);
		for (i = 0; i < 3 && k + 4 * (i + 1) <= RPC_QUOTE_MAX; i++)
			strcat(want, i == 0 ? "\\xf0" : i == 1 ? "\\x9f" :
			    "\\x98");
		strcat(want, i == 3 ? "\"" : "\"...");
		T_EQ_STR(rpc_quote(q, in, len), want);
	}
	/* Escapes count by their own length: 17 of \xff fill 68 > 64. */
	memset(in, 0xff, 17);
	snprintf(want, sizeof(want), "\"%s\"...",
	    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	    "\\xff\\xff\\xff\\xff");
	T_EQ_STR(rpc_quote(q, in, 17), want);
}

/*
 * rpc_fail cleans what it is given, and cuts at RPC_EMSG_MAX between
 * characters; rpc_pack_cstr cleans what is not clean (a reload's error
 * carrying a data file's bytes).
 */
static void
test_fail_and_pack_clean(void)
{
	struct rpc_req	 r;
	struct rpc_out	 o = { 0 };
	struct resp	 res;
	char		 big[RPC_EMSG_MAX + 8], want[RPC_EMSG_MAX];
	size_t		 off, k;

	for (k = RPC_EMSG_MAX - 6; k < RPC_EMSG_MAX; k++) {
		memset(&r, 0, sizeof(r));
		memset(big, 'x', k);
		memcpy(big + k, "\xf0\x9f\x98\x80", 5);
		rpc_fail(&r, RPC_E_BAD_REQUEST, "%s", big);
		T_EQ_INT(r.err, RPC_E_BAD_REQUEST);
		memcpy(want, big, k);
		want[k + 4 < RPC_EMSG_MAX ? k + 4 : k] = '\0';
		if (k + 4 < RPC_EMSG_MAX)
			memcpy(want + k, "\xf0\x9f\x98\x80", 4);
		T_EQ_STR(r.emsg, want);
	}
	memset(&r, 0, sizeof(r));
	rpc_fail(&r, RPC_E_INTERNAL, "file %s: line\n2", "a\xe9.txt");
	T_EQ_STR(r.emsg, "file a\\xe9.txt: line\\x0a2");

	/* Through a request: the method name a client sent. */
	T_EQ_INT(call(4, "fr\xc3\xa9\xffob\x1b[2J", "90", &o, &res), RPC_DONE);
	T_EQ_STR(err_code(&res), "unknown_method");
	T_EQ_STR(t_str(t_get(&res.err, "message")),
	    "unknown method \"fr\xc3\xa9\\xffob\\x1b[2J\"");
	resp_free(&res);

	o.len = 0;
	rpc_reload_answer(&o, 5, 0, 3, "r.txt:2: bad code \"\x93\x01\"");
	off = 0;
	T_EQ_INT(resp_next(&o, &off, &res), 0);
	T_EQ_STR(t_str(t_get(&res.res, "error")),
	    "r.txt:2: bad code \"\\x93\\x01\"");
	resp_free(&res);
	rpc_out_free(&o);
}

/*
 * The reply header and lookup_many's array header are written by hand:
 * byte for byte what msgpack-c packs, at every msgid and count width
 * boundary (the data of test_with_data is still published).
 */
static void
test_hand_headers(void)
{
	static const uint32_t ids[] = { 0, 127, 128, 255, 256, 65535, 65536,
	    4294967295u };
	static const uint32_t counts[] = { 0, 15, 16, 17 };
	const struct rpc_limits lim = { 1024 * 1024, 100 };
	struct rpc_out	 o = { 0 };
	msgpack_sbuffer	 want, req;
	msgpack_packer	 pk, rq;
	size_t		 i, j, used;

	rpc_set_limits(&lim);
	msgpack_sbuffer_init(&want);
	msgpack_sbuffer_init(&req);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		for (j = 0; j < sizeof(counts) / sizeof(counts[0]); j++) {
			uint32_t	 k;

			want.size = req.size = 0;
			msgpack_packer_init(&rq, &req, msgpack_sbuffer_write);
			msgpack_pack_array(&rq, 4);
			msgpack_pack_uint32(&rq, 0);
			msgpack_pack_uint32(&rq, ids[i]);
			msgpack_pack_str_with_body(&rq, "lookup_many", 11);
			msgpack_pack_array(&rq, 1);
			msgpack_pack_array(&rq, counts[j]);
			msgpack_packer_init(&pk, &want, msgpack_sbuffer_write);
			msgpack_pack_array(&pk, 4);
			msgpack_pack_int(&pk, 1);
			msgpack_pack_uint32(&pk, ids[i]);
			msgpack_pack_nil(&pk);
			msgpack_pack_array(&pk, counts[j]);
			for (k = 0; k < counts[j]; k++) {
				msgpack_pack_str_with_body(&rq, "!!", 2);
				msgpack_pack_nil(&pk);
			}
			o.len = 0;
			rpc_batch_begin();
			T_EQ_INT(rpc_process((const unsigned char *)req.data,
			    req.size, &o, &used), RPC_DONE);
			rpc_batch_end();
			T_EQ_INT(o.len, want.size);
			T_OK(o.len == want.size &&
			    memcmp(o.data, want.data, o.len) == 0);
		}
	msgpack_sbuffer_destroy(&want);
	msgpack_sbuffer_destroy(&req);
	rpc_out_free(&o);
}

int
main(void)
{
	tmpdir = t_mkdtemp("rpc");
	test_scan_complete();
	test_scan_types();
	test_scan_declared();
	test_scan_depth();
	test_scan_garbage();
	test_ping_and_errors();
	test_contracts();
	test_framing();
	test_with_data();
	test_hand_headers();
	test_reload_verdict();
	test_releases();
	test_preview();
	test_stale();
	test_holds();
	test_utf8_len();
	test_text_clean();
	test_rpc_quote();
	test_fail_and_pack_clean();
	return t_done();
}
