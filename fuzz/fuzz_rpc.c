/*
 * fuzz_rpc.c: bytes from a client, fed to rpc_ctx_process as worker.c's
 * conn_process does: one batch, requests answered until the buffer
 * holds only part of one (RPC_MORE) or the stream is given up
 * (RPC_CLOSE).  A small snapshot is built once so that every method
 * reaches real data: set "hcpcs" with two releases (2019-01-01 and
 * 2020-01-01, for diff and as_of) and a delimited set "local".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "build.h"
#include "conf.h"
#include "hcpcs.h"
#include "mpscan.h"
#include "record.h"
#include "rpc.h"
#include "snapshot.h"
#include "stats.h"
#include "text.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 fz_dir[] = "/tmp/fuzz_rpc.XXXXXX";

static void
put(char *l, unsigned col, const char *s)
{
	memcpy(l + col - 1, s, strlen(s));
}

/* One 320-column ANWEB line (as tests/test_rpc.c writes them). */
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

static FILE *
fx_open(const char *name, char *path, size_t pathlen)
{
	FILE	*fp;

	snprintf(path, pathlen, "%s/%s", fz_dir, name);
	if ((fp = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	return fp;
}

/*
 * A reload's verdict, acted on as worker.c does: for even msgids a load
 * that ends at once (answered ok after the request), for odd ones a
 * load that cannot start (answered ok false).
 */
static void
fz_reload(struct rpc_out *out, const struct rpc_reload_req *rl)
{
	if (!rl->reply)
		return;
	if (rl->msgid % 2 == 0)
		rpc_reload_answer(out, rl->msgid, 1, 1, NULL);
	else
		rpc_reload_answer(out, rl->msgid, 0, rl->generation,
		    "fuzz: no reload");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rpc_limits lim = { 4096, 8 };
	struct conf	*c;
	struct snapshot	*s;
	FILE		*fp;
	char		 p19[128], p20[128], pcsv[128], pconf[128], err[1024];

	(void)argc;
	(void)argv;
	if (mkdtemp(fz_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	fp = fx_open("r2019.txt", p19, sizeof(p19));
	fx_line(fp, "   A1", "Dressing for one wound", "Dressing for one wound",
	    "20000101", "");
	fx_line(fp, "A0021", "Ambulance service, outside state per mile",
	    "Outside state ambulance serv", "20190101", "");
	fx_line(fp, "E0100", "Cane, adjustable or fixed, with tip",
	    "Cane adjust/fixed with tip", "20190101", "");
	fx_line(fp, "G0001", "Routine venipuncture", "Drawing blood",
	    "19980101", "20121231");
	fclose(fp);
	fp = fx_open("r2020.txt", p20, sizeof(p20));
	fx_line(fp, "A0021", "Ambulance service, outside state, per mile",
	    "Outside state ambulance serv", "20190101", "");
	fx_line(fp, "E0100", "Cane, adjustable or fixed, with tip",
	    "Cane adjust/fixed with tip", "20190101", "20191231");
	fx_line(fp, "E0200", "Heat lamp, without stand",
	    "Heat lamp without stand", "20200101", "");
	fclose(fp);
	fp = fx_open("local.csv", pcsv, sizeof(pcsv));
	fputs("HCPC,LONG\nW1000,\"Home visit, sample\"\n"
	    "99213,Office visit established\n", fp);
	fclose(fp);
	fp = fx_open("hcpcsd.yaml", pconf, sizeof(pconf));
	fputs("code_sets:\n"
	    "  - name: hcpcs\n"
	    "    format: cms-anweb\n"
	    /* r2020 drops a code of r2019's four: past the shrink guard. */
	    "    min_ratio: 0\n"
	    "    releases:\n"
	    "      - {path: r2019.txt, effective: 2019-01-01}\n"
	    "      - {path: r2020.txt, effective: 2020-01-01}\n"
	    "  - name: local\n"
	    "    format: delimited\n"
	    "    path: local.csv\n"
	    "    columns: {code: HCPC, long: LONG}\n", fp);
	fclose(fp);
	if ((c = conf_load(pconf, err, sizeof(err))) == NULL ||
	    (s = build_snapshot(c, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_rpc: %s\n", err);
		exit(1);
	}
	conf_free(c);
	snapshot_publish(s);
	unlink(p19);
	unlink(p20);
	unlink(pcsv);
	unlink(pconf);
	rmdir(fz_dir);
	stats_init(time(NULL));
	rpc_set_limits(&lim);
	return 0;
}

/*
 * Every string in o (keys too) is valid UTF-8: a strict client
 * (msgpack raw=False) refuses anything else.  Bounded by the depth the
 * scanner allowed.
 */
static void
fz_check_utf8(const msgpack_object *o, size_t off)
{
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (!record_utf8_valid(o->via.str.ptr, o->via.str.size)) {
			fprintf(stderr, "fuzz_rpc: reply at %zu: a string of "
			    "%u bytes is not UTF-8\n", off, o->via.str.size);
			abort();
		}
		break;
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++)
			fz_check_utf8(&o->via.array.ptr[i], off);
		break;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++) {
			fz_check_utf8(&o->via.map.ptr[i].key, off);
			fz_check_utf8(&o->via.map.ptr[i].val, off);
		}
		break;
	default:
		break;
	}
}

/* An error's message, cleaned (text.h): no control character either. */
static void
fz_check_error(const msgpack_object *e, size_t off)
{
	const msgpack_object_kv *kv;
	uint32_t	 i;

	if (e->type == MSGPACK_OBJECT_NIL)
		return;
	if (e->type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "fuzz_rpc: reply at %zu: error not a map\n", off);
		abort();
	}
	for (i = 0; i < e->via.map.size; i++) {
		kv = &e->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->val.type == MSGPACK_OBJECT_STR &&
		    !text_is_clean(kv->val.via.str.ptr, kv->val.via.str.size,
		    0)) {
			fprintf(stderr, "fuzz_rpc: reply at %zu: error text "
			    "not clean: %.*s\n", off, (int)kv->val.via.str.size,
			    kv->val.via.str.ptr);
			abort();
		}
	}
}

/*
 * Every answer is one whole MessagePack object [1, msgid, error,
 * result], back to back: what a client's decoder will read.  libhcpcs's
 * scanner (hcpcs_scan: mpscan under the client's limits, resumed after
 * each read) must end each one where msgpack-c does; reads of 7 bytes
 * here, so a reply is scanned in pieces.  Every string in it is UTF-8,
 * an error's message clean text (text.h).
 */
static void
fz_check_out(const struct rpc_out *out)
{
	static const struct mpscan_limits lim = { HCPCS_MAX_REPLY_BYTES,
	    MPSCAN_DEPTH_MAX };
	msgpack_unpacked u;
	struct mpscan	 s;
	enum mpscan_result r;
	size_t		 off = 0, start, got;

	if (out->oom)
		return;
	msgpack_unpacked_init(&u);
	while (off < out->len) {
		start = off;
		mpscan_init(&s);
		r = MPSCAN_MORE;
		for (got = 0; r == MPSCAN_MORE && got < out->len - off; ) {
			got += out->len - off - got < 7 ? out->len - off - got :
			    7;
			r = mpscan_feed(&s, out->data + off, got, &lim);
		}
		if (r != MPSCAN_OK) {
			fprintf(stderr, "fuzz_rpc: reply at %zu: scan %d\n",
			    off, (int)r);
			abort();
		}
		if (msgpack_unpack_next(&u, (const char *)out->data, out->len,
		    &off) != MSGPACK_UNPACK_SUCCESS ||
		    u.data.type != MSGPACK_OBJECT_ARRAY ||
		    u.data.via.array.size != 4 ||
		    u.data.via.array.ptr[0].type !=
		    MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    u.data.via.array.ptr[0].via.u64 != 1) {
			fprintf(stderr, "fuzz_rpc: bad response at %zu of %zu\n",
			    off, out->len);
			abort();
		}
		if (off - start != s.pos) {
			fprintf(stderr, "fuzz_rpc: reply at %zu: scanned %zu "
			    "bytes, decoded %zu\n", start, s.pos, off - start);
			abort();
		}
		fz_check_utf8(&u.data, start);
		fz_check_error(&u.data.via.array.ptr[2], start);
	}
	msgpack_unpacked_destroy(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct rpc_out	 out = { NULL, 0, 0, 0 };
	struct rpc_reload_req rl;
	enum rpc_result	 r = RPC_DONE;
	size_t		 off = 0, used, n = 0;

	rpc_batch_begin();
	while (off < len) {
		used = 0;
		r = rpc_ctx_process(rpc_main_ctx(), data + off, len - off,
		    &out, &used, &rl);
		if (r == RPC_RELOAD) {
			fz_reload(&out, &rl);
			r = RPC_DONE;
		}
		if (r != RPC_DONE)
			break;
		/* DONE consumes at least one byte, and never past len. */
		if (used == 0 || used > len - off)
			abort();
		off += used;
		/* Bounded like any loop here; inputs are small anyway. */
		if (++n > 100000)
			abort();
	}
	rpc_batch_end();
	if (r == RPC_CLOSE || r == RPC_MORE)
		(void)rpc_scan(data + off, len - off, 4096, &used);
	fz_check_out(&out);
	/* FUZZ_DEBUG: the answers on stdout (seed checking). */
	if (getenv("FUZZ_DEBUG") != NULL)
		fwrite(out.data, 1, out.len, stdout);
	rpc_out_free(&out);
	return 0;
}
