/*
 * test_releases.c: the real 2019 and 2020 CMS files as two releases of
 * one set (SOURCE.md): as_of picks the release, validate says
 * no_release before both, diff gives SOURCE.md's numbers, effective:
 * auto derives each file's quarter, and sha256 / min_records / the
 * shrink guard (min_ratio) refuse a file.  Through the snapshot API and through rpc_process.  Skipped
 * when the shared data is absent.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "build.h"
#include "conf.h"
#include "record.h"
#include "rpc.h"
#include "snapshot.h"
#include "t.h"

#define F2019	"HCPC2019_CONTR_ANWEB.txt"
#define F2020	"HCPC2020_ANWEB_w_disclaimer.txt"
#define SHA2019	"c8e38e89b9b4d47dd81bea6924b8e9005f3494a89234fe28b534a7c17c3c6f12"

static const char *data;
static const char *tmpdir;
static char	 confpath[128];

/* Write a config of one set "hcpcs" with the given releases text. */
static struct conf *
conf_of(const char *extra, const char *releases)
{
	struct conf	*c;
	FILE		*fp;
	char		 err[1024];

	snprintf(confpath, sizeof(confpath), "%s/hcpcsd.yaml", tmpdir);
	if ((fp = fopen(confpath, "w")) == NULL)
		return NULL;
	fprintf(fp, "code_sets:\n  - name: hcpcs\n    format: cms-anweb\n"
	    "%s    releases:\n%s", extra, releases);
	fclose(fp);
	if ((c = conf_load(confpath, err, sizeof(err))) == NULL)
		fprintf(stderr, "conf_load: %s\n", err);
	return c;
}

/* Build from releases text; NULL with err set on refusal. */
static struct snapshot *
build(const char *extra, const char *releases, char *err, size_t errlen)
{
	struct conf	*c;
	struct snapshot	*s;

	err[0] = '\0';
	if ((c = conf_of(extra, releases)) == NULL) {
		snprintf(err, errlen, "config did not load");
		return NULL;
	}
	s = build_snapshot(c, NULL, err, errlen);
	conf_free(c);
	return s;
}

/*
 * rpc over buffers.
 */

/* A decoded response; its strings point into out. */
struct resp {
	struct rpc_out	 out;
	msgpack_unpacked u;
	msgpack_object	 err;
	msgpack_object	 res;
};

static void
resp_free(struct resp *r)
{
	msgpack_unpacked_destroy(&r->u);
	rpc_out_free(&r->out);
}

static size_t
arr_len(const msgpack_object *o)
{
	return o != NULL && o->type == MSGPACK_OBJECT_ARRAY ?
	    o->via.array.size : (size_t)-1;
}

static void
pk_str(msgpack_packer *pk, const char *s)
{
	if (s == NULL)
		msgpack_pack_nil(pk);
	else
		msgpack_pack_str_with_body(pk, s, strlen(s));
}

/*
 * Call method with up to three string params (NULL: nil) and, when
 * as_of is not NULL, an opts map {as_of}.  Decodes into r.
 */
static int
call(const char *method, int nparams, const char *p1, const char *p2,
    const char *p3, const char *as_of, struct resp *r)
{
	static uint32_t	 msgid;
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
	struct rpc_out	*o = &r->out;
	const char	*p[3] = { p1, p2, p3 };
	size_t		 used = 0, off = 0;
	int		 i, rc = -1;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint32(&pk, 0);
	msgpack_pack_uint32(&pk, ++msgid);
	pk_str(&pk, method);
	msgpack_pack_array(&pk, (size_t)nparams + (as_of != NULL));
	for (i = 0; i < nparams; i++)
		pk_str(&pk, p[i]);
	if (as_of != NULL) {
		msgpack_pack_map(&pk, 1);
		pk_str(&pk, "as_of");
		pk_str(&pk, as_of);
	}
	memset(r, 0, sizeof(*r));
	msgpack_unpacked_init(&r->u);
	rpc_batch_begin();
	if (rpc_process((const unsigned char *)sb.data, sb.size, o, &used) !=
	    RPC_DONE) {
		rpc_batch_end();
		goto done;
	}
	rpc_batch_end();
	if (msgpack_unpack_next(&r->u, (const char *)o->data, o->len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || r->u.data.type != MSGPACK_OBJECT_ARRAY ||
	    r->u.data.via.array.size != 4)
		goto done;
	r->err = r->u.data.via.array.ptr[2];
	r->res = r->u.data.via.array.ptr[3];
	rc = 0;
done:
	if (rc == -1)
		resp_free(r);
	msgpack_sbuffer_destroy(&sb);
	T_OK(rc == 0);
	return rc;
}

/*
 * Tests.
 */

static const char *
rel(const char *file, const char *effective, const char *more)
{
	static char	buf[4][PATH_MAX + 256];
	static int	which;
	char		*b = buf[which++ % 4];

	snprintf(b, PATH_MAX + 256, "      - {path: %s/%s, effective: %s%s}\n",
	    data, file, effective, more);
	return b;
}

struct counts {
	size_t		 n[SNAPSHOT_DIFF_MAX];
	size_t		 field[RF_MAX];
	int		 c9407_terminated;
	int		 a9590_added;
};

static void
count_cb(void *arg, enum snapshot_diff_kind k, const char *code,
    uint32_t fields)
{
	struct counts	*c = arg;
	int		 f;

	c->n[k]++;
	for (f = 0; f < RF_MAX; f++)
		if (fields & (1u << f))
			c->field[f]++;
	if (k == SNAPSHOT_DIFF_TERMINATED && strcmp(code, "C9407") == 0)
		c->c9407_terminated = 1;
	if (k == SNAPSHOT_DIFF_ADDED && strcmp(code, "A9590") == 0)
		c->a9590_added = 1;
}

static void
check_diff_api(const struct snapshot *s)
{
	struct counts	 c;
	int		 from, to;

	from = snapshot_release_index(s, 0, 20190101);
	to = snapshot_release_index(s, 0, 20200101);
	T_EQ_INT(from, 0);
	T_EQ_INT(to, 1);
	T_EQ_INT(snapshot_release_index(s, 0, 20180101), -1);
	memset(&c, 0, sizeof(c));
	snapshot_diff(s, 0, 0, 1, count_cb, &c);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_ADDED], 279);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_REMOVED], 0);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_TERMINATED], 89);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_CHANGED], 177);
	T_EQ_INT(c.field[RF_LONG], 70);
	T_EQ_INT(c.field[RF_SHORT], 51);
	T_EQ_INT(c.field[RF_TERMINATED], 89);
	T_EQ_INT(c.field[RF_ASC_DATE], 23);
	T_EQ_INT(c.field[RF_ASC_GROUP], 22);
	T_EQ_INT(c.field[RF_XREF], 4);
	T_EQ_INT(c.field[RF_TOS], 3);
	T_EQ_INT(c.field[RF_PRICING], 2);
	T_EQ_INT(c.field[RF_MULT_PRICING], 2);
	T_EQ_INT(c.field[RF_COVERAGE], 2);
	T_EQ_INT(c.field[RF_PROC_NOTE], 2);
	T_EQ_INT(c.field[RF_ACTION], 0);
	T_EQ_INT(c.field[RF_EFFECTIVE], 0);
	T_EQ_INT(c.field[RF_ADDED], 0);
	T_OK(c.c9407_terminated);
	T_OK(c.a9590_added);
	/* Backwards: the 279 are removed, none added or terminated. */
	memset(&c, 0, sizeof(c));
	snapshot_diff(s, 0, 1, 0, count_cb, &c);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_ADDED], 0);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_REMOVED], 279);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_TERMINATED], 0);
	T_EQ_INT(c.n[SNAPSHOT_DIFF_CHANGED], 177);
}

static void
check_find_api(const struct snapshot *s)
{
	const struct snapshot_rec *sr;

	/* C9407: active in 2019, the 2020 file ends it on 2019-12-31. */
	sr = snapshot_find(s, -1, "C9407", 20190601);
	T_OK(sr != NULL);
	if (sr != NULL) {
		T_EQ_INT(sr->release, 20190101);
		T_EQ_INT(sr->rec->terminated, 0);
		T_EQ_STR(snapshot_status(sr->rec, 20190601), "active");
	}
	sr = snapshot_find(s, -1, "C9407", 20200201);
	T_OK(sr != NULL);
	if (sr != NULL) {
		T_EQ_INT(sr->release, 20200101);
		T_EQ_INT(sr->rec->terminated, 20191231);
		T_EQ_STR(snapshot_status(sr->rec, 20200201), "terminated");
	}
	/* A9590: new in 2020. */
	T_OK(snapshot_find(s, -1, "A9590", 20190601) == NULL);
	T_OK(snapshot_find(s, -1, "A9590", 20191231) == NULL);
	sr = snapshot_find(s, -1, "A9590", 20200101);
	T_OK(sr != NULL && sr->release == 20200101);
	/* Before both releases nothing is in force. */
	T_EQ_INT(snapshot_in_force(s, 0, 20181231), -1);
	T_EQ_INT(snapshot_in_force(s, 0, 20190101), 0);
	T_EQ_INT(snapshot_in_force(s, 0, 20200101), 1);
	T_OK(snapshot_find(s, -1, "C9407", 20180601) == NULL);
}

static void
check_rpc(void)
{
	struct resp	 r;
	const msgpack_object *v, *sets, *rels;
	size_t		 i, nlong = 0, nshort = 0, j;

	/* lookup as_of across the two releases */
	if (call("lookup", 1, "C9407", NULL, NULL, "2019-06-01", &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
		T_EQ_STR(t_str(t_get(&r.res, "release")), "2019-01-01");
		T_EQ_STR(t_str(t_get(&r.res, "terminated")), "(absent)");
		/* release sits right after set */
		T_OK(r.res.type == MSGPACK_OBJECT_MAP &&
		    r.res.via.map.size > 3 &&
		    strcmp(t_str(&r.res.via.map.ptr[2].key), "release") == 0);
		resp_free(&r);
	}
	if (call("lookup", 1, "C9407", NULL, NULL, "2020-02-01", &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "status")), "terminated");
		T_EQ_STR(t_str(t_get(&r.res, "release")), "2020-01-01");
		T_EQ_STR(t_str(t_get(&r.res, "terminated")), "2019-12-31");
		resp_free(&r);
	}
	if (call("lookup", 1, "A9590", NULL, NULL, "2019-06-01", &r) == 0) {
		T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
		T_EQ_INT(r.res.type, MSGPACK_OBJECT_NIL);
		resp_free(&r);
	}
	if (call("lookup", 1, "A9590", NULL, NULL, "2020-02-01", &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "short")),
		    "Iodine i-131 iobenguane 1mci");
		T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
		resp_free(&r);
	}

	/* validate: the date is the as_of */
	if (call("validate", 2, "C9407", "2019-06-01", NULL, NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
		T_OK(t_get(&r.res, "valid") != NULL &&
		    t_get(&r.res, "valid")->via.boolean);
		T_EQ_STR(t_str(t_get(&r.res, "set")), "hcpcs");
		T_EQ_STR(t_str(t_get(&r.res, "release")), "2019-01-01");
		resp_free(&r);
	}
	if (call("validate", 2, "C9407", "2020-02-01", NULL, NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "reason")), "terminated");
		T_EQ_STR(t_str(t_get(&r.res, "status")), "terminated");
		T_EQ_STR(t_str(t_get(&r.res, "release")), "2020-01-01");
		resp_free(&r);
	}
	if (call("validate", 2, "A9590", "2019-06-01", NULL, NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "reason")), "not_found");
		resp_free(&r);
	}
	if (call("validate", 2, "A9590", "2020-02-01", NULL, NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "reason")), "ok");
		T_EQ_STR(t_str(t_get(&r.res, "status")), "active");
		resp_free(&r);
	}
	if (call("validate", 2, "C9407", "2018-06-01", NULL, NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.res, "reason")), "no_release");
		T_OK(t_get(&r.res, "valid") != NULL &&
		    !t_get(&r.res, "valid")->via.boolean);
		T_EQ_STR(t_str(t_get(&r.res, "status")), "(nil)");
		T_EQ_STR(t_str(t_get(&r.res, "set")), "(absent)");
		resp_free(&r);
	}

	/* search picks the release too */
	if (call("search", 1, "iobenguane", NULL, NULL, "2019-06-01",
	    &r) == 0) {
		for (i = 0; i < arr_len(&r.res) && i < 64; i++) {
			v = &r.res.via.array.ptr[i];
			T_EQ_STR(t_str(t_get(v, "release")), "2019-01-01");
			T_OK(strcmp(t_str(t_get(v, "code")), "A9590") != 0);
		}
		T_OK(arr_len(&r.res) >= 1 && arr_len(&r.res) < 64);
		resp_free(&r);
	}

	/* diff */
	if (call("diff", 3, "hcpcs", "2019-01-01", "2020-01-01", NULL,
	    &r) == 0) {
		T_EQ_INT(r.err.type, MSGPACK_OBJECT_NIL);
		T_EQ_INT(arr_len(t_get(&r.res, "added")), 279);
		T_EQ_INT(arr_len(t_get(&r.res, "removed")), 0);
		T_EQ_INT(arr_len(t_get(&r.res, "terminated")), 89);
		v = t_get(&r.res, "changed");
		T_EQ_INT(arr_len(v), 177);
		for (i = 0; i < arr_len(v) && i < 177; i++) {
			const msgpack_object *fl;

			fl = t_get(&v->via.array.ptr[i], "fields");
			for (j = 0; j < arr_len(fl) && j < RF_MAX; j++) {
				if (strcmp(t_str(&fl->via.array.ptr[j]),
				    "long") == 0)
					nlong++;
				if (strcmp(t_str(&fl->via.array.ptr[j]),
				    "short") == 0)
					nshort++;
			}
		}
		T_EQ_INT(nlong, 70);
		T_EQ_INT(nshort, 51);
		/* Sorted codes: the first addition is A4226 (A-codes). */
		v = t_get(&r.res, "added");
		if (arr_len(v) == 279) {
			for (i = 1; i < 279; i++)
				T_OK(strcmp(t_str(&v->via.array.ptr[i - 1]),
				    t_str(&v->via.array.ptr[i])) < 0);
		}
		resp_free(&r);
	}
	if (call("diff", 3, "hcpcs", "2018-01-01", "2020-01-01", NULL,
	    &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.err, "code")), "bad_request");
		T_EQ_STR(t_str(t_get(&r.err, "message")), "set \"hcpcs\" "
		    "has no release effective 2018-01-01");
		resp_free(&r);
	}
	if (call("diff", 3, "hcpcs", NULL, "2020-01-01", NULL, &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.err, "code")), "bad_request");
		resp_free(&r);
	}
	if (call("diff", 3, "nope", "2019-01-01", "2020-01-01", NULL,
	    &r) == 0) {
		T_EQ_STR(t_str(t_get(&r.err, "message")),
		    "unknown set \"nope\"");
		resp_free(&r);
	}

	/* info: both releases, the 2020 one in force today */
	if (call("info", 0, NULL, NULL, NULL, NULL, &r) == 0) {
		sets = t_get(&r.res, "sets");
		T_EQ_INT(arr_len(sets), 1);
		if (arr_len(sets) == 1) {
			v = &sets->via.array.ptr[0];
			T_EQ_INT(t_get(v, "records")->via.u64, 6710);
			T_EQ_INT(t_get(v, "min_records")->via.u64, 6000);
			rels = t_get(v, "releases");
			T_EQ_INT(arr_len(rels), 2);
			if (arr_len(rels) == 2) {
				v = &rels->via.array.ptr[0];
				T_EQ_STR(t_str(t_get(v, "effective")),
				    "2019-01-01");
				T_OK(!t_get(v, "in_force")->via.boolean);
				T_OK(!t_get(v, "effective_auto")->via.boolean);
				T_EQ_INT(t_get(v, "records")->via.u64, 6440);
				T_EQ_INT(t_get(v, "modifiers")->via.u64, 360);
				T_EQ_STR(t_str(t_get(v, "sha256")), SHA2019);
				v = &rels->via.array.ptr[1];
				T_EQ_STR(t_str(t_get(v, "effective")),
				    "2020-01-01");
				T_OK(t_get(v, "in_force")->via.boolean);
				T_OK(t_get(v, "effective_auto")->via.boolean);
				T_EQ_INT(t_get(v, "modifiers")->via.u64, 369);
			}
		}
		resp_free(&r);
	}
}

/*
 * The first half of the real 2020 file, cut where a code's first line
 * starts (RIC 3 or 7 in column 11): a file whole to the loader but for
 * the codes it lost, as a wrong or cut download would be.  Its path
 * (t_write_file's: freed at exit).
 */
static char *
half_2020(void)
{
	FILE	*fp;
	char	 path[PATH_MAX], *buf, *cut;
	long	 len;

	snprintf(path, sizeof(path), "%s/%s", data, F2020);
	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (len = ftell(fp)) <= 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len)
		abort();
	fclose(fp);
	buf[len] = '\0';
	for (cut = buf + len / 2; (cut = strchr(cut, '\n')) != NULL; cut++)
		if (strlen(cut + 1) > 11 && (cut[11] == '3' || cut[11] == '7'))
			break;
	if (cut == NULL)
		abort();
	cut = t_write_file(tmpdir, "half2020.txt", buf,
	    (size_t)(cut + 1 - buf), 0644);
	free(buf);
	return cut;
}

/* One release line of a file given by its absolute path. */
static const char *
rel_at(const char *path, const char *effective)
{
	static char	buf[2][PATH_MAX + 64];
	static int	which;
	char		*b = buf[which++ % 2];

	snprintf(b, PATH_MAX + 64, "      - {path: %s, effective: %s}\n", path,
	    effective);
	return b;
}

/*
 * The shrink guard: half the 2020 file, as a release after the whole
 * one in the same config (what -t checks), or in place of or after the
 * one the daemon serves (prev), is refused with min_ratio 0.9, the
 * default; min_ratio 0 lets it through; growing is always fine.
 */
static void
check_shrink(void)
{
	struct snapshot	*full, *s;
	char		 err[1024], want[1024], rels[2 * (PATH_MAX + 64)],
			 *half = half_2020();
	size_t		 nhalf;
	struct conf	*c;

	s = build("", rel_at(half, "2020-01-01"), err, sizeof(err));
	T_OK(s != NULL);
	if (s == NULL)
		return;
	nhalf = snapshot_nrecs(s);
	snapshot_release(s);
	/* About half of 7,079: a cut, not the file's natural growth. */
	T_OK(nhalf > 3000 && nhalf < 4000);

	/* Within one config: the release of the date before. */
	snprintf(rels, sizeof(rels), "%s%s", rel(F2020, "2020-01-01", ""),
	    rel_at(half, "2020-04-01"));
	s = build("", rels, err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	snprintf(want, sizeof(want), "hcpcs 2020-04-01: %zu,%03zu codes, "
	    "%zu%% of the 7,079 of release 2020-01-01 (min_ratio 0.9)",
	    nhalf / 1000, nhalf % 1000, nhalf * 100 / 7079);
	T_EQ_STR(err, want);
	s = build("    min_ratio: 0.45\n", rels, err, sizeof(err));
	T_OK(s != NULL);
	snapshot_release(s);
	s = build("    min_ratio: 0\n", rels, err, sizeof(err));
	T_OK(s != NULL);
	snapshot_release(s);
	/* Listed in any order: dates, not config order, say which is older. */
	snprintf(rels, sizeof(rels), "%s%s", rel_at(half, "2020-04-01"),
	    rel(F2020, "2020-01-01", ""));
	s = build("    min_ratio: 0.9\n", rels, err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	T_EQ_STR(err, want);
	/* The half file first, the whole one after it: growth is fine. */
	snprintf(rels, sizeof(rels), "%s%s", rel_at(half, "2019-10-01"),
	    rel(F2020, "2020-01-01", ""));
	s = build("    min_ratio: 1\n", rels, err, sizeof(err));
	T_OK(s != NULL);
	snapshot_release(s);

	/* Against the snapshot served. */
	full = build("", rel(F2020, "2020-01-01", ""), err, sizeof(err));
	T_OK(full != NULL);
	if (full == NULL)
		return;
	c = conf_of("", rel_at(half, "2020-01-01"));
	T_OK(c != NULL);
	if (c != NULL) {
		s = build_snapshot(c, full, err, sizeof(err));
		T_OK(s == NULL);
		snapshot_release(s);
		snprintf(want, sizeof(want), "hcpcs 2020-01-01: %zu,%03zu "
		    "codes, %zu%% of the 7,079 now served (min_ratio 0.9)",
		    nhalf / 1000, nhalf % 1000, nhalf * 100 / 7079);
		T_EQ_STR(err, want);
		/* Without the snapshot served (-t): nothing to compare. */
		s = build_snapshot(c, NULL, err, sizeof(err));
		T_OK(s != NULL);
		snapshot_release(s);
		conf_free(c);
	}
	/* A new quarter in place of the one served: the one before it. */
	c = conf_of("", rel_at(half, "2020-04-01"));
	T_OK(c != NULL);
	if (c != NULL) {
		s = build_snapshot(c, full, err, sizeof(err));
		T_OK(s == NULL);
		snapshot_release(s);
		snprintf(want, sizeof(want), "hcpcs 2020-04-01: %zu,%03zu "
		    "codes, %zu%% of the 7,079 of release 2020-01-01 now "
		    "served (min_ratio 0.9)", nhalf / 1000, nhalf % 1000,
		    nhalf * 100 / 7079);
		T_EQ_STR(err, want);
		conf_free(c);
	}
	/* An older release than any served has nothing to replace. */
	c = conf_of("", rel_at(half, "2019-01-01"));
	T_OK(c != NULL);
	if (c != NULL) {
		s = build_snapshot(c, full, err, sizeof(err));
		T_OK(s != NULL);
		snapshot_release(s);
		conf_free(c);
	}
	/* The 2019 file (6,800) replacing the 2020 one served: 96%. */
	c = conf_of("", rel(F2019, "2020-01-01", ""));
	T_OK(c != NULL);
	if (c != NULL) {
		s = build_snapshot(c, full, err, sizeof(err));
		T_OK(s != NULL);
		snapshot_release(s);
		conf_free(c);
	}
	snapshot_release(full);
}

int
main(void)
{
	struct snapshot	*s;
	const struct snapshot_set_info *si;
	char		 err[1024], more[128], wrong[65], absdata[PATH_MAX];

	if ((data = t_shared_data()) == NULL)
		t_skip_realdata("releases of the real CMS files");
	/* The config lives elsewhere: its paths must be absolute. */
	if ((data = realpath(data, absdata)) == NULL) {
		perror("realpath");
		return 2;
	}
	tmpdir = t_mkdtemp("releases");

	/* Two dated releases, listed newest first. */
	snprintf(more, sizeof(more), ", sha256: %s", SHA2019);
	{
		char	 rels[2 * (PATH_MAX + 256)];

		snprintf(rels, sizeof(rels), "%s%s",
		    rel(F2020, "auto", ""), rel(F2019, "2019-01-01", more));
		s = build("    min_records: 6000\n", rels, err, sizeof(err));
	}
	T_OK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "build_snapshot: %s\n", err);
		return t_done();
	}
	si = snapshot_set(s, 0);
	T_EQ_INT(si->nreleases, 2);
	T_EQ_INT(si->releases[0].effective, 20190101);
	T_EQ_INT(si->releases[0].effective_auto, 0);
	T_EQ_INT(si->releases[1].effective, 20200101);
	T_EQ_INT(si->releases[1].effective_auto, 1);
	T_EQ_INT(si->releases[0].records + si->releases[0].modifiers, 6800);
	T_EQ_INT(si->releases[1].records + si->releases[1].modifiers, 7079);
	T_EQ_INT(snapshot_nrecs(s), 6800 + 7079);
	check_find_api(s);
	check_diff_api(s);
	snapshot_publish(s);
	check_rpc();
	snapshot_publish(NULL);

	/* effective: auto on both files: their quarters. */
	{
		char	 rels[2 * (PATH_MAX + 256)];

		snprintf(rels, sizeof(rels), "%s%s", rel(F2019, "auto", ""),
		    rel(F2020, "auto", ""));
		s = build("", rels, err, sizeof(err));
		T_OK(s != NULL);
		if (s != NULL) {
			si = snapshot_set(s, 0);
			T_EQ_INT(si->releases[0].effective, 20190101);
			T_EQ_INT(si->releases[1].effective, 20200101);
			T_OK(si->releases[0].effective_auto &&
			    si->releases[1].effective_auto);
			snapshot_release(s);
		}
	}

	check_shrink();

	/* A wrong sha256 refuses the build, naming set, file and both. */
	memcpy(wrong, SHA2019, sizeof(wrong));
	wrong[0] = 'd';
	snprintf(more, sizeof(more), ", sha256: %s", wrong);
	s = build("", rel(F2019, "2019-01-01", more), err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	{
		char	 want[PATH_MAX + 512];

		snprintf(want, sizeof(want), "set \"hcpcs\": %s/%s: sha256 "
		    "mismatch (expected %s, file has %s)", data, F2019, wrong,
		    SHA2019);
		T_EQ_STR(err, want);
	}

	/* min_records: 7000 refuses the 2019 file's 6,800. */
	s = build("    min_records: 7000\n", rel(F2019, "2019-01-01", ""),
	    err, sizeof(err));
	T_OK(s == NULL);
	snapshot_release(s);
	{
		char	 want[PATH_MAX + 512];

		snprintf(want, sizeof(want), "set \"hcpcs\": %s/%s: 6800 "
		    "records, fewer than min_records 7000", data, F2019);
		T_EQ_STR(err, want);
	}
	s = build("    min_records: 7000\n", rel(F2020, "2020-01-01", ""),
	    err, sizeof(err));
	T_OK(s != NULL);
	snapshot_release(s);

	/* Two auto releases of one quarter: refused, both files named. */
	{
		char	 rels[2 * (PATH_MAX + 256)];

		snprintf(rels, sizeof(rels), "%s%s", rel(F2019, "auto", ""),
		    rel(F2019, "2019-01-01", ""));
		s = build("", rels, err, sizeof(err));
		T_OK(s == NULL);
		snapshot_release(s);
		T_OK(strstr(err, "are both effective 2019-01-01") != NULL);
	}

	/* A future release is loaded but not in force. */
	{
		char	 rels[2 * (PATH_MAX + 256)];
		const struct snapshot_rec *sr;

		snprintf(rels, sizeof(rels), "%s%s",
		    rel(F2019, "2019-01-01", ""), rel(F2020, "2999-01-01", ""));
		s = build("", rels, err, sizeof(err));
		T_OK(s != NULL);
		if (s != NULL) {
			si = snapshot_set(s, 0);
			T_EQ_INT(si->nreleases, 2);
			T_EQ_INT(si->releases[1].records, 6710);
			/* The set describes the 2019 release, in force. */
			T_EQ_INT(si->records, 6440);
			T_EQ_INT(snapshot_in_force(s, 0, 20991231), 0);
			sr = snapshot_find(s, -1, "A9590", 20991231);
			T_OK(sr == NULL);
			sr = snapshot_find(s, -1, "A9590", 29990101);
			T_OK(sr != NULL && sr->release == 29990101);
			snapshot_release(s);
		}
	}

	return t_done();
}
