/*
 * rpc_info.c: the methods about the daemon itself: info (the loaded
 * sets and their releases, the last reload, the counters kept by
 * stats.c), reload, whose verdict is handed back to the caller, with
 * the answer the caller gives once the load ends (a dry run's
 * preview too), and codes, what hcpcsd -t compares with.
 */
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>

#include <msgpack.h>

#include "record.h"
#include "rpc.h"
#include "rpc_int.h"
#include "snapshot.h"
#include "stats.h"

#ifndef HCPCSD_VERSION
#define HCPCSD_VERSION "0.0.0"
#endif

static void
rpc_pack_time(msgpack_packer *pk, time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	if (t == 0 || gmtime_r(&t, &tm) == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rpc_pack_cstr(pk, buf);
}

static void
rpc_pack_bool(msgpack_packer *pk, int v)
{
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* YYYYMMDD as "YYYY-MM-DD"; 0 (always, none) as nil. */
static void
rpc_pack_date(msgpack_packer *pk, uint32_t date)
{
	char	 d[11];

	if (date == 0) {
		msgpack_pack_nil(pk);
		return;
	}
	record_format_date(date, d);
	rpc_pack_cstr(pk, d);
}

static void
rpc_pack_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	rpc_pack_cstr(pk, k);
	msgpack_pack_uint64(pk, v);
}

/* What the limits did (docs/hcpcsd.yaml.5), and the queued output. */
static void
rpc_pack_limits(msgpack_packer *pk)
{
	rpc_pack_cstr(pk, "limits");
	msgpack_pack_map(pk, 10);
	rpc_pack_u64(pk, "output_bytes_queued", stats_output_queued());
	rpc_pack_u64(pk, "rejected_busy", STATS_SUM(rejected_busy));
	rpc_pack_u64(pk, "rejected_per_uid", STATS_SUM(rejected_per_uid));
	rpc_pack_u64(pk, "closed_idle", STATS_SUM(closed_idle));
	rpc_pack_u64(pk, "closed_request_timeout",
	    STATS_SUM(closed_request_timeout));
	rpc_pack_u64(pk, "closed_output_timeout",
	    STATS_SUM(closed_output_timeout));
	rpc_pack_u64(pk, "closed_gone", STATS_SUM(closed_gone));
	rpc_pack_u64(pk, "refused_too_large", STATS_SUM(refused_too_large));
	rpc_pack_u64(pk, "output_waits", STATS_SUM(output_waits));
	rpc_pack_u64(pk, "yields", STATS_SUM(yields));
}

static void
rpc_pack_stats(msgpack_packer *pk, const struct rpc_req *r,
    const struct stats_reloads *rl)
{
	size_t		 i;

	msgpack_pack_map(pk, 10);
	rpc_pack_cstr(pk, "requests");
	msgpack_pack_map(pk, r->nmethods + 1);
	for (i = 0; i < r->nmethods; i++)
		rpc_pack_u64(pk, r->methods[i].name, STATS_SUM(requests[i]));
	rpc_pack_u64(pk, "unknown", STATS_SUM(unknown_method));
	rpc_pack_u64(pk, "notifications", STATS_SUM(notifications));
	rpc_pack_cstr(pk, "errors");
	msgpack_pack_map(pk, RPC_E_MAX - 1);
	for (i = 1; i < RPC_E_MAX; i++)
		rpc_pack_u64(pk, rpc_err_name((enum rpc_err)i),
		    STATS_SUM(errors[i]));
	rpc_pack_u64(pk, "connections_current", STATS_SUM(conns_current));
	rpc_pack_u64(pk, "connections_total", STATS_SUM(conns_total));
	rpc_pack_u64(pk, "connections_rejected", STATS_SUM(conns_rejected));
	rpc_pack_u64(pk, "bytes_in", STATS_SUM(bytes_in));
	rpc_pack_u64(pk, "bytes_out", STATS_SUM(bytes_out));
	rpc_pack_cstr(pk, "reloads");
	msgpack_pack_map(pk, 4);
	rpc_pack_u64(pk, "count", rl->count);
	rpc_pack_u64(pk, "failed", rl->failed);
	rpc_pack_u64(pk, "timed_out", rl->timed_out);
	rpc_pack_u64(pk, "last_duration_ms", rl->duration_ms);
	rpc_pack_limits(pk);
}

/*
 * One entry of an info set's releases.  admin 0: no path nor sha256 (nil):
 * where the licensed files are and which they are is for admins only.
 */
/*
 * quirk_positions: {kind: {count, first: ["file:line", ...]}} for each
 * kind seen; first (which names files) for admins only.
 */
static void
rpc_pack_quirks(msgpack_packer *pk, const struct record_stats *st,
    int admin)
{
	const struct record_quirk_count *c;
	char		 pos[RECORD_STATS_NAME + 24];
	uint32_t	 n = 0;
	unsigned	 q;
	size_t		 i, nf;

	for (q = 0; q < RQ_MAX; q++)
		n += st->quirks[q].n > 0;
	rpc_pack_cstr(pk, "quirk_positions");
	msgpack_pack_map(pk, n);
	for (q = 0; q < RQ_MAX; q++) {
		c = &st->quirks[q];
		if (c->n == 0)
			continue;
		rpc_pack_cstr(pk, record_quirk_name(q));
		msgpack_pack_map(pk, admin ? 2 : 1);
		rpc_pack_u64(pk, "count", c->n);
		if (!admin)
			continue;
		nf = c->n < RECORD_QUIRK_FIRST ? c->n : RECORD_QUIRK_FIRST;
		rpc_pack_cstr(pk, "first");
		msgpack_pack_array(pk, (uint32_t)nf);
		for (i = 0; i < nf; i++) {
			record_quirk_pos(st, &c->first[i], pos, sizeof(pos));
			rpc_pack_cstr(pk, pos);
		}
	}
}

static void
rpc_pack_release(msgpack_packer *pk, const struct snapshot_release_info *ri,
    int in_force, int admin)
{
	char		 d[11];

	msgpack_pack_map(pk, 10);
	rpc_pack_kv(pk, "path", admin ? ri->path : NULL);
	record_format_date(ri->effective, d);
	rpc_pack_kv(pk, "effective", ri->effective != 0 ? d : NULL);
	rpc_pack_cstr(pk, "effective_auto");
	if (ri->effective_auto)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_cstr(pk, "in_force");
	if (in_force)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_u64(pk, "records", ri->records);
	rpc_pack_u64(pk, "modifiers", ri->modifiers);
	rpc_pack_kv(pk, "sha256", admin ? ri->sha256 : NULL);
	rpc_pack_cstr(pk, "loaded_at");
	rpc_pack_time(pk, ri->loaded_at);
	/* What the loader tolerated: kept raw or skipped, never fatal. */
	rpc_pack_cstr(pk, "quirks");
	msgpack_pack_map(pk, 5);
	rpc_pack_u64(pk, "skipped_lines", ri->stats.skipped_lines);
	rpc_pack_u64(pk, "bad_dates", ri->stats.bad_dates);
	rpc_pack_u64(pk, "bad_values", ri->stats.bad_values);
	rpc_pack_u64(pk, "orphan_lines", ri->stats.orphan_lines);
	rpc_pack_u64(pk, "duplicates", ri->stats.duplicates);
	rpc_pack_quirks(pk, &ri->stats, admin);
}

int
rpc_m_info(struct rpc_req *r, const struct rpc_args *a)
{
	const struct snapshot_set_info *si;
	const struct snapshot_release_info *ri;
	msgpack_packer	*pk = &r->pk;
	struct stats_reloads rl;
	struct snapshot	*snap;
	size_t		 i, j, n;
	int		 cur, admin = rpc_ctx_admin(r->ctx);

	(void)a;
	/*
	 * The reload counters first, then the snapshot, fresh rather than
	 * the batch's: a reload publishes before it is counted, so info
	 * never shows a reload counted whose snapshot it does not show,
	 * though another thread publishes while this batch runs.
	 */
	stats_reloads(&rl);
	snap = snapshot_acquire();
	n = snap != NULL ? snapshot_nsets(snap) : 0;
	msgpack_pack_map(pk, 7);
	rpc_pack_kv(pk, "version", HCPCSD_VERSION);
	rpc_pack_cstr(pk, "started_at");
	rpc_pack_time(pk, stats_started_at());
	rpc_pack_u64(pk, "generation",
	    snap != NULL ? snapshot_generation(snap) : 0);
	rpc_pack_cstr(pk, "sets");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		si = snapshot_set(snap, i);
		/* The set-level keys: the release in force today. */
		cur = snapshot_in_force(snap, i, r->ctx->today);
		ri = &si->releases[cur >= 0 ? cur : 0];
		msgpack_pack_map(pk, 8 + (si->min_records > 0));
		rpc_pack_kv(pk, "name", si->name);
		rpc_pack_kv(pk, "format", si->format);
		rpc_pack_kv(pk, "path", admin ? ri->path : NULL);
		rpc_pack_u64(pk, "records", ri->records);
		rpc_pack_u64(pk, "modifiers", ri->modifiers);
		rpc_pack_cstr(pk, "loaded_at");
		rpc_pack_time(pk, ri->loaded_at);
		rpc_pack_kv(pk, "sha256", admin ? ri->sha256 : NULL);
		if (si->min_records > 0)
			rpc_pack_u64(pk, "min_records", si->min_records);
		rpc_pack_cstr(pk, "releases");
		msgpack_pack_array(pk, si->nreleases);
		for (j = 0; j < si->nreleases; j++)
			rpc_pack_release(pk, &si->releases[j],
			    cur >= 0 && (size_t)cur == j, admin);
	}
	rpc_pack_cstr(pk, "last_reload");
	msgpack_pack_map(pk, 3);
	rpc_pack_cstr(pk, "ok");
	if (rl.ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_cstr(pk, "at");
	rpc_pack_time(pk, rl.at);
	/* A load's error names files: the log has it for the others. */
	rpc_pack_kv(pk, "error", rl.ok ? NULL : admin ? rl.error :
	    "see the daemon's log");
	/* A load running now (the watchdog abandons it past its time). */
	rpc_pack_cstr(pk, "reload_in_progress");
	if (rl.loading_since == 0)
		msgpack_pack_nil(pk);
	else {
		msgpack_pack_map(pk, 2);
		rpc_pack_cstr(pk, "since");
		rpc_pack_time(pk, rl.loading_since);
		rpc_pack_cstr(pk, "dry_run");
		rpc_pack_bool(pk, rl.loading_dry);
	}
	rpc_pack_cstr(pk, "stats");
	rpc_pack_stats(pk, r, &rl);
	snapshot_release(snap);
	return 0;
}

/* The reload result map: {ok, generation, error (when not ok)}. */
static void
rpc_pack_reload_result(msgpack_packer *pk, int ok, uint64_t generation,
    const char *err)
{
	msgpack_pack_map(pk, ok ? 2 : 3);
	rpc_pack_cstr(pk, "ok");
	if (ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	rpc_pack_u64(pk, "generation", generation);
	if (!ok)
		rpc_pack_kv(pk, "error", err != NULL ? err : "");
}

/*
 * The verdict: the caller asks for the load and answers (rpc.h, struct
 * rpc_reload_req); nothing here starts one.
 */
int
rpc_m_reload(struct rpc_req *r, const struct rpc_args *a)
{
	r->reload = 1;
	r->reload_dry = a->o.dry_run;
	return 0;
}

void
rpc_reload_answer(struct rpc_out *out, uint32_t msgid, int ok,
    uint64_t generation, const char *err)
{
	msgpack_packer	 pk;

	msgpack_packer_init(&pk, out, rpc_out_write);
	rpc_out_reply_header(out, msgid);
	rpc_pack_reload_result(&pk, ok, generation, err);
}

void
rpc_reload_answer_packed(struct rpc_out *out, uint32_t msgid,
    const unsigned char *result, size_t len)
{
	rpc_out_reply_header(out, msgid);
	rpc_out_append(out, result, len);
}

/* One side of a preview date: {effective, codes}, nil when none. */
static void
rpc_pack_side(msgpack_packer *pk, const char *k, int has, uint32_t eff,
    size_t ncodes)
{
	rpc_pack_cstr(pk, k);
	if (!has) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 2);
	rpc_pack_cstr(pk, "effective");
	rpc_pack_date(pk, eff);
	rpc_pack_u64(pk, "codes", ncodes);
}

static void
rpc_pack_change(msgpack_packer *pk, const struct snapshot_preview_change *c)
{
	static const char *const names[SNAPSHOT_DIFF_MAX] = {
		[SNAPSHOT_DIFF_ADDED] = "added",
		[SNAPSHOT_DIFF_REMOVED] = "removed",
		[SNAPSHOT_DIFF_TERMINATED] = "terminated",
		[SNAPSHOT_DIFF_CHANGED] = "changed",
	};
	const struct snapshot_preview_list *l;
	size_t		 k, i;

	msgpack_pack_map(pk, 3 + SNAPSHOT_DIFF_MAX);
	rpc_pack_cstr(pk, "as_of");
	rpc_pack_date(pk, c->as_of);
	rpc_pack_side(pk, "from", c->has_from, c->from_effective,
	    c->from_codes);
	rpc_pack_side(pk, "to", c->has_to, c->to_effective, c->to_codes);
	for (k = 0; k < SNAPSHOT_DIFF_MAX; k++) {
		l = &c->kind[k];
		rpc_pack_cstr(pk, names[k]);
		msgpack_pack_map(pk, 2);
		rpc_pack_u64(pk, "count", l->count);
		rpc_pack_cstr(pk, "codes");
		msgpack_pack_array(pk, l->n);
		for (i = 0; i < l->n; i++)
			rpc_pack_cstr(pk, l->codes[i]);
	}
}

void
rpc_pack_dry_run(struct rpc_out *out, int ok, uint64_t generation,
    const char *err, const struct snapshot_preview *p)
{
	const struct snapshot_preview_set *ps;
	msgpack_packer	 pk;
	size_t		 i, j;

	msgpack_packer_init(&pk, out, rpc_out_write);
	ok = ok && p != NULL;
	msgpack_pack_map(&pk, 4);
	rpc_pack_cstr(&pk, "ok");
	rpc_pack_bool(&pk, ok);
	rpc_pack_cstr(&pk, "dry_run");
	msgpack_pack_true(&pk);
	rpc_pack_u64(&pk, "generation", generation);
	if (!ok) {
		rpc_pack_kv(&pk, "error", err != NULL ? err : "out of memory");
		return;
	}
	rpc_pack_cstr(&pk, "sets");
	msgpack_pack_array(&pk, p->nsets);
	for (i = 0; i < p->nsets; i++) {
		ps = &p->sets[i];
		msgpack_pack_map(&pk, 2);
		rpc_pack_kv(&pk, "name", ps->name);
		rpc_pack_cstr(&pk, "changes");
		msgpack_pack_array(&pk, ps->nchanges);
		for (j = 0; j < ps->nchanges; j++)
			rpc_pack_change(&pk, &ps->changes[j]);
	}
}

/*
 * What is served, as hcpcsd -t compares it: every set's releases in
 * force today or later, each code with its termination date and its
 * digest (snapshot_rec_digest).  Allocates (an admin's request):
 * snapshot_codes_of's copy, freed before returning.
 */
int
rpc_m_codes(struct rpc_req *r, const struct rpc_args *a)
{
	const struct snapshot_set_codes *sc;
	const struct snapshot_rel_codes *rc;
	struct snapshot_codes c;
	msgpack_packer	*pk = &r->pk;
	size_t		 i, j, k;

	(void)a;
	if (snapshot_codes_of(r->ctx->snap, r->ctx->today, &c) == -1)
		return rpc_fail(r, RPC_E_INTERNAL, "out of memory");
	msgpack_pack_map(pk, 3);
	rpc_pack_u64(pk, "generation", snapshot_generation(r->ctx->snap));
	rpc_pack_cstr(pk, "today");
	rpc_pack_date(pk, r->ctx->today);
	rpc_pack_cstr(pk, "sets");
	msgpack_pack_array(pk, c.nsets);
	for (i = 0; i < c.nsets; i++) {
		sc = &c.sets[i];
		msgpack_pack_map(pk, 2);
		rpc_pack_kv(pk, "name", sc->name);
		rpc_pack_cstr(pk, "releases");
		msgpack_pack_array(pk, sc->nrels);
		for (j = 0; j < sc->nrels; j++) {
			rc = &sc->rels[j];
			msgpack_pack_map(pk, 2);
			rpc_pack_cstr(pk, "effective");
			rpc_pack_date(pk, rc->effective);
			rpc_pack_cstr(pk, "codes");
			msgpack_pack_array(pk, rc->ncodes);
			for (k = 0; k < rc->ncodes; k++) {
				msgpack_pack_array(pk, 3);
				rpc_pack_cstr(pk, rc->codes[k].code);
				rpc_pack_date(pk, rc->codes[k].terminated);
				msgpack_pack_uint64(pk, rc->codes[k].digest);
			}
		}
	}
	snapshot_codes_free(&c);
	return 0;
}
