/*
 * check.c: hcpcsd -t.  Runs the whole load and quality gate of a
 * configuration without serving it, reports each set and release (-v:
 * with its path, sha256 and every quirk let through), and, when a daemon
 * answers on the socket, previews what it would change: the daemon's
 * codes (its admin method `codes`, docs/protocol.md) against what the
 * configuration would serve.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "build.h"
#include "check.h"
#include "conf.h"
#include "load.h"
#include "record.h"
#include "snapshot.h"

#define CHECK_CODES_MAX		(256u * 1024 * 1024)	/* codes answer, bytes */
#define CHECK_CODES_WAIT_S	30	/* for the codes answer, seconds */

/*
 * -t -v: what one release is, and every quirk let through with where
 * (no load time: the output of one file is the same run after run).
 */
static void
check_release(const struct snapshot_release_info *ri)
{
	unsigned	q;

	printf("    path: %s\n", ri->path);
	printf("    sha256: %s\n", ri->sha256);
	if (ri->effective_auto)
		printf("    effective: auto (from the file)\n");
	for (q = 0; q < RQ_MAX && ri->stats.quirks[q].n == 0; q++)
		;
	if (q == RQ_MAX) {
		printf("    quirks: none\n");
		return;
	}
	printf("    quirks:\n");
	load_quirks_print(stdout, &ri->stats, "      ");
}

/*
 * -t's preview: what the daemon on the configured socket serves, read
 * with its codes method (docs/protocol.md), against what the checked
 * configuration would serve.
 */

static const msgpack_object *
check_get(const msgpack_object *m, const char *key)
{
	size_t	 i, n = strlen(key);

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object *k = &m->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
		    memcmp(k->via.str.ptr, key, n) == 0)
			return &m->via.map.ptr[i].val;
	}
	return NULL;
}

/* "YYYY-MM-DD" as YYYYMMDD; nil (always, none) as 0; -1: neither. */
static int
check_date(const msgpack_object *o, uint32_t *d)
{
	*d = 0;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size != 10)
		return -1;
	return record_parse_date(o->via.str.ptr, 10, d);
}

static int
check_codes_rel(const msgpack_object *o, struct snapshot_rel_codes *rc)
{
	const msgpack_object *cs = check_get(o, "codes"), *e;
	struct snapshot_code *c;
	uint32_t	 i;

	if (check_date(check_get(o, "effective"), &rc->effective) == -1 ||
	    cs == NULL || cs->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	if (cs->via.array.size == 0)
		return 0;
	if ((rc->codes = calloc(cs->via.array.size, sizeof(*rc->codes))) ==
	    NULL)
		return -1;
	for (i = 0; i < cs->via.array.size; i++) {
		e = &cs->via.array.ptr[i];
		c = &rc->codes[rc->ncodes++];
		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 3 ||
		    e->via.array.ptr[0].type != MSGPACK_OBJECT_STR ||
		    e->via.array.ptr[0].via.str.size > RECORD_CODE_MAX ||
		    check_date(&e->via.array.ptr[1], &c->terminated) == -1 ||
		    e->via.array.ptr[2].type !=
		    MSGPACK_OBJECT_POSITIVE_INTEGER)
			return -1;
		memcpy(c->code, e->via.array.ptr[0].via.str.ptr,
		    e->via.array.ptr[0].via.str.size);
		c->digest = e->via.array.ptr[2].via.u64;
	}
	return 0;
}

/* The codes result into out; -1 when it is not one. */
static int
check_codes_decode(const msgpack_object *res, struct snapshot_codes *out)
{
	const msgpack_object *sets = check_get(res, "sets"), *set, *name, *rels;
	struct snapshot_set_codes *sc;
	uint32_t	 i, j;

	if (sets == NULL || sets->type != MSGPACK_OBJECT_ARRAY ||
	    (out->sets = calloc(sets->via.array.size + 1,
	    sizeof(*out->sets))) == NULL)
		return -1;
	for (i = 0; i < sets->via.array.size; i++) {
		set = &sets->via.array.ptr[i];
		name = check_get(set, "name");
		rels = check_get(set, "releases");
		sc = &out->sets[out->nsets++];
		if (name == NULL || name->type != MSGPACK_OBJECT_STR ||
		    rels == NULL || rels->type != MSGPACK_OBJECT_ARRAY ||
		    (sc->name = strndup(name->via.str.ptr,
		    name->via.str.size)) == NULL ||
		    (sc->rels = calloc(rels->via.array.size + 1,
		    sizeof(*sc->rels))) == NULL)
			return -1;
		for (j = 0; j < rels->via.array.size; j++)
			if (check_codes_rel(&rels->via.array.ptr[j],
			    &sc->rels[sc->nrels++]) == -1)
				return -1;
	}
	return 0;
}

/*
 * Ask the daemon on sock for its codes; 1: none listening there, 0:
 * out filled and *gen set, -1: what went wrong printed.
 */
static int
check_served_codes(const char *sock, struct snapshot_codes *out,
    uint64_t *gen)
{
	static const unsigned char req[] = {
		0x94, 0x00, 0x01, 0xa5, 'c', 'o', 'd', 'e', 's', 0x90
	};
	struct sockaddr_un sun;
	struct timeval	 tv = { CHECK_CODES_WAIT_S, 0 };
	msgpack_unpacker u;
	msgpack_unpacked r;
	const msgpack_object *a, *e;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rv = -1, done = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sun.sun_path))
		return 1;
	memcpy(sun.sun_path, sock, strlen(sock));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req)) {
		fprintf(stderr, "hcpcsd: preview: %s: %s\n", sock,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!msgpack_unpacker_init(&u, 65536)) {
		close(fd);
		return -1;
	}
	msgpack_unpacked_init(&r);
	while (!done && got < CHECK_CODES_MAX) {
		if (!msgpack_unpacker_reserve_buffer(&u, 65536))
			break;
		n = read(fd, msgpack_unpacker_buffer(&u), 65536);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "hcpcsd: preview: %s: %s\n", sock,
			    n == 0 ? "the daemon closed the connection" :
			    strerror(errno));
			goto out;
		}
		msgpack_unpacker_buffer_consumed(&u, (size_t)n);
		got += (size_t)n;
		done = msgpack_unpacker_next(&u, &r) == MSGPACK_UNPACK_SUCCESS;
	}
	if (!done) {
		fprintf(stderr, "hcpcsd: preview: %s: no answer within %u "
		    "bytes\n", sock, CHECK_CODES_MAX);
		goto out;
	}
	a = r.data.via.array.ptr;
	if (r.data.type != MSGPACK_OBJECT_ARRAY || r.data.via.array.size != 4) {
		fprintf(stderr, "hcpcsd: preview: %s: not an answer\n", sock);
		goto out;
	}
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		e = check_get(&a[2], "message");
		fprintf(stderr, "hcpcsd: preview: %s: %.*s\n", sock,
		    e != NULL && e->type == MSGPACK_OBJECT_STR ?
		    (int)e->via.str.size : 5,
		    e != NULL && e->type == MSGPACK_OBJECT_STR ?
		    e->via.str.ptr : "error");
		goto out;
	}
	e = check_get(&a[3], "generation");
	*gen = e != NULL && e->type == MSGPACK_OBJECT_POSITIVE_INTEGER ?
	    e->via.u64 : 0;
	if (check_codes_decode(&a[3], out) == -1) {
		snapshot_codes_free(out);
		fprintf(stderr, "hcpcsd: preview: %s: a codes answer this "
		    "hcpcsd does not read\n", sock);
		goto out;
	}
	rv = 0;
out:
	msgpack_unpacked_destroy(&r);
	msgpack_unpacker_destroy(&u);
	close(fd);
	return rv;
}

/* A release as the preview names it: its date, "always" or "none". */
static void
check_side(char *buf, size_t len, int has, uint32_t eff, size_t ncodes)
{
	char	 d[11];

	if (!has) {
		snprintf(buf, len, "nothing");
		return;
	}
	if (eff != 0)
		record_format_date(eff, d);
	else
		snprintf(d, sizeof(d), "always");
	snprintf(buf, len, "release %s (%zu codes)", d, ncodes);
}

static void
check_print_preview(const struct snapshot_preview *p, uint32_t today)
{
	static const char *const names[SNAPSHOT_DIFF_MAX] = {
		[SNAPSHOT_DIFF_ADDED] = "added",
		[SNAPSHOT_DIFF_REMOVED] = "removed",
		[SNAPSHOT_DIFF_TERMINATED] = "terminated",
		[SNAPSHOT_DIFF_CHANGED] = "changed",
	};
	static const enum snapshot_diff_kind order[SNAPSHOT_DIFF_MAX] = {
		SNAPSHOT_DIFF_ADDED, SNAPSHOT_DIFF_TERMINATED,
		SNAPSHOT_DIFF_CHANGED, SNAPSHOT_DIFF_REMOVED
	};
	const struct snapshot_preview_change *c;
	const struct snapshot_preview_list *l;
	char		 d[11], from[64], to[64];
	size_t		 i, j, k, m;

	for (i = 0; i < p->nsets; i++) {
		for (j = 0; j < p->sets[i].nchanges; j++) {
			c = &p->sets[i].changes[j];
			record_format_date(c->as_of, d);
			check_side(from, sizeof(from), c->has_from,
			    c->from_effective, c->from_codes);
			check_side(to, sizeof(to), c->has_to, c->to_effective,
			    c->to_codes);
			printf("  %s on %s%s: %s -> %s:", p->sets[i].name, d,
			    c->as_of == today ? " (today)" : "", from, to);
			for (k = 0; k < SNAPSHOT_DIFF_MAX; k++)
				printf("%s %zu %s", k > 0 ? "," : "",
				    c->kind[order[k]].count, names[order[k]]);
			printf("\n");
			for (k = 0; k < SNAPSHOT_DIFF_MAX; k++) {
				l = &c->kind[order[k]];
				if (l->count == 0)
					continue;
				printf("    %s:", names[order[k]]);
				for (m = 0; m < l->n; m++)
					printf(" %s", l->codes[m]);
				if (l->count > l->n)
					printf(" ... and %zu more",
					    l->count - l->n);
				printf("\n");
			}
		}
	}
}

/*
 * The preview, when a daemon answers on sock: printed, or why not on
 * stderr.  It never changes -t's verdict: the gate does.
 */
static void
check_preview(const struct snapshot *s, const char *sock)
{
	struct snapshot_codes	 served = { NULL, 0 }, would = { NULL, 0 };
	struct snapshot_preview	 p = { NULL, 0 };
	uint32_t		 today = record_today();
	uint64_t		 gen = 0;
	int			 r;

	/* No daemon there (yet): the check alone, as before. */
	if ((r = check_served_codes(sock, &served, &gen)) != 0)
		return;
	if (snapshot_codes_of(s, today, &would) == -1 ||
	    snapshot_preview(&served, &would, today, &p) == -1)
		fprintf(stderr, "hcpcsd: preview: out of memory\n");
	else {
		printf("compared with the daemon on %s (generation %llu):\n",
		    sock, (unsigned long long)gen);
		check_print_preview(&p, today);
	}
	snapshot_preview_free(&p);
	snapshot_codes_free(&would);
	snapshot_codes_free(&served);
}

/*
 * -t: load the configuration and every data file, report (-v: each
 * release and its quirks), and when a daemon answers on the socket
 * (sock: -s, else the config's), print what would change; exit.
 */
int
check_config(const struct conf *conf, const char *sock, int verbose)
{
	const struct snapshot_set_info *si;
	const struct snapshot_release_info *ri;
	struct snapshot	*s;
	char		 err[1024], d[11];
	size_t		 i, j;

	/*
	 * Nothing served to compare with: the shrink guard checks the
	 * releases of each set against each other only.
	 */
	if ((s = build_snapshot(conf, NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hcpcsd: %s\n", err);
		return 1;
	}
	for (i = 0; i < snapshot_nsets(s); i++) {
		si = snapshot_set(s, i);
		printf("%s: %zu procedures, %zu modifiers (%s %s)\n", si->name,
		    si->records, si->modifiers, si->format, si->path);
		for (j = 0; j < si->nreleases; j++) {
			ri = &si->releases[j];
			if (ri->effective != 0)
				record_format_date(ri->effective, d);
			else
				snprintf(d, sizeof(d), "always");
			printf("  release %s: %zu procedures, %zu modifiers, "
			    "skipped %zu lines, %zu bad dates, %zu bad values, "
			    "%zu orphan lines, %zu duplicates (%s)\n", d,
			    ri->records, ri->modifiers,
			    ri->stats.skipped_lines, ri->stats.bad_dates,
			    ri->stats.bad_values, ri->stats.orphan_lines,
			    ri->stats.duplicates, ri->path);
			if (verbose)
				check_release(ri);
		}
	}
	check_preview(s, sock != NULL ? sock : conf->socket);
	snapshot_release(s);
	printf("configuration OK\n");
	return 0;
}

