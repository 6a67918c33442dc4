/*
 * main.c: hcpcsd's options, startup and the -t configuration check.
 * The daemon always stays in the foreground (systemd style) and logs to
 * stderr; serving, signals and reloads live in server.c and the files
 * below it (listen.c, worker.c, reload.c).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "build.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "stats.h"
#include "server.h"
#include "snapshot.h"

#define MAIN_MMAP_THRESHOLD	(128 * 1024)	/* bytes: glibc's default */
#define MAIN_CODES_MAX		(256u * 1024 * 1024)	/* codes answer, bytes */
#define MAIN_CODES_WAIT_S	30	/* for the codes answer, seconds */

#ifndef HCPCSD_VERSION
#define HCPCSD_VERSION "0.0.0"
#endif

/* The installed configuration: the Makefile passes $(SYSCONFDIR)'s. */
#ifndef HCPCSD_CONF_DEFAULT
#define HCPCSD_CONF_DEFAULT "/etc/hcpcsd/hcpcsd.yaml"
#endif

/* To stdout with status 0 when asked for (-h), else to stderr with 1. */
static _Noreturn void
usage(int asked)
{
	fprintf(asked ? stdout : stderr,
	    "usage: hcpcsd [-fhtV] [-c file] [-s socket]\n");
	exit(asked ? 0 : 1);
}

/*
 * -t's preview: what the daemon on the configured socket serves, read
 * with its codes method (docs/protocol.md), against what the checked
 * configuration would serve.
 */

static const msgpack_object *
main_get(const msgpack_object *m, const char *key)
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
main_date(const msgpack_object *o, uint32_t *d)
{
	*d = 0;
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size != 10)
		return -1;
	return record_parse_date(o->via.str.ptr, 10, d);
}

static int
main_codes_rel(const msgpack_object *o, struct snapshot_rel_codes *rc)
{
	const msgpack_object *cs = main_get(o, "codes"), *e;
	struct snapshot_code *c;
	uint32_t	 i;

	if (main_date(main_get(o, "effective"), &rc->effective) == -1 ||
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
		    main_date(&e->via.array.ptr[1], &c->terminated) == -1 ||
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
main_codes_decode(const msgpack_object *res, struct snapshot_codes *out)
{
	const msgpack_object *sets = main_get(res, "sets"), *set, *name, *rels;
	struct snapshot_set_codes *sc;
	uint32_t	 i, j;

	if (sets == NULL || sets->type != MSGPACK_OBJECT_ARRAY ||
	    (out->sets = calloc(sets->via.array.size + 1,
	    sizeof(*out->sets))) == NULL)
		return -1;
	for (i = 0; i < sets->via.array.size; i++) {
		set = &sets->via.array.ptr[i];
		name = main_get(set, "name");
		rels = main_get(set, "releases");
		sc = &out->sets[out->nsets++];
		if (name == NULL || name->type != MSGPACK_OBJECT_STR ||
		    rels == NULL || rels->type != MSGPACK_OBJECT_ARRAY ||
		    (sc->name = strndup(name->via.str.ptr,
		    name->via.str.size)) == NULL ||
		    (sc->rels = calloc(rels->via.array.size + 1,
		    sizeof(*sc->rels))) == NULL)
			return -1;
		for (j = 0; j < rels->via.array.size; j++)
			if (main_codes_rel(&rels->via.array.ptr[j],
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
main_served_codes(const char *sock, struct snapshot_codes *out,
    uint64_t *gen)
{
	static const unsigned char req[] = {
		0x94, 0x00, 0x01, 0xa5, 'c', 'o', 'd', 'e', 's', 0x90
	};
	struct sockaddr_un sun;
	struct timeval	 tv = { MAIN_CODES_WAIT_S, 0 };
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
	while (!done && got < MAIN_CODES_MAX) {
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
		    "bytes\n", sock, MAIN_CODES_MAX);
		goto out;
	}
	a = r.data.via.array.ptr;
	if (r.data.type != MSGPACK_OBJECT_ARRAY || r.data.via.array.size != 4) {
		fprintf(stderr, "hcpcsd: preview: %s: not an answer\n", sock);
		goto out;
	}
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		e = main_get(&a[2], "message");
		fprintf(stderr, "hcpcsd: preview: %s: %.*s\n", sock,
		    e != NULL && e->type == MSGPACK_OBJECT_STR ?
		    (int)e->via.str.size : 5,
		    e != NULL && e->type == MSGPACK_OBJECT_STR ?
		    e->via.str.ptr : "error");
		goto out;
	}
	e = main_get(&a[3], "generation");
	*gen = e != NULL && e->type == MSGPACK_OBJECT_POSITIVE_INTEGER ?
	    e->via.u64 : 0;
	if (main_codes_decode(&a[3], out) == -1) {
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
main_side(char *buf, size_t len, int has, uint32_t eff, size_t ncodes)
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
main_print_preview(const struct snapshot_preview *p, uint32_t today)
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
			main_side(from, sizeof(from), c->has_from,
			    c->from_effective, c->from_codes);
			main_side(to, sizeof(to), c->has_to, c->to_effective,
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
main_preview(const struct snapshot *s, const char *sock)
{
	struct snapshot_codes	 served = { NULL, 0 }, would = { NULL, 0 };
	struct snapshot_preview	 p = { NULL, 0 };
	uint32_t		 today = record_today();
	uint64_t		 gen = 0;
	int			 r;

	/* No daemon there (yet): the check alone, as before. */
	if ((r = main_served_codes(sock, &served, &gen)) != 0)
		return;
	if (snapshot_codes_of(s, today, &would) == -1 ||
	    snapshot_preview(&served, &would, today, &p) == -1)
		fprintf(stderr, "hcpcsd: preview: out of memory\n");
	else {
		printf("compared with the daemon on %s (generation %llu):\n",
		    sock, (unsigned long long)gen);
		main_print_preview(&p, today);
	}
	snapshot_preview_free(&p);
	snapshot_codes_free(&would);
	snapshot_codes_free(&served);
}

/*
 * -t: load the configuration and every data file, report, and when a
 * daemon answers on the socket (sock: -s, else the config's), print
 * what would change; exit.
 */
static int
main_check(const struct conf *conf, const char *sock)
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
		}
	}
	main_preview(s, sock != NULL ? sock : conf->socket);
	snapshot_release(s);
	printf("configuration OK\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct conf	*conf;
	const char	*path = HCPCSD_CONF_DEFAULT, *sockpath = NULL;
	sigset_t	 held;
	char		 err[1024];
	int		 ch, fflag = 0, tflag = 0, rv;

	log_init(LOG_LVL_INFO, "hcpcsd");
	/*
	 * A fixed mmap threshold (setting it turns glibc's dynamic one
	 * off): a snapshot's big arrays are then always mapped and go
	 * back to the system when the old snapshot is freed, instead of
	 * fragmenting the heap a little more at every reload.
	 */
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, MAIN_MMAP_THRESHOLD);
	/*
	 * One arena: the request path does not allocate, so threads do not
	 * contend on it, and per-thread arenas (the loader's, each
	 * worker's) each kept freed snapshot memory that malloc_trim left,
	 * so RSS crept up over many reloads with several workers.
	 */
	mallopt(M_ARENA_MAX, 1);
#endif
	while ((ch = getopt_long(argc, argv, "c:fhs:tV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			fflag = 1;
			break;
		case 'h':
			usage(1);
		case 's':
			sockpath = optarg;
			break;
		case 't':
			tflag = 1;
			break;
		case 'V':
			printf("hcpcsd %s\n", HCPCSD_VERSION);
			return 0;
		default:
			usage(0);
		}
	}
	if (optind != argc)
		usage(0);
	if (!tflag) {
		/*
		 * Until server_init installs the handlers, a SIGHUP
		 * (logrotate, an impatient admin) would kill us mid-load:
		 * hold the signals and take them once serving, a HUP then
		 * meaning one more load.
		 */
		sigemptyset(&held);
		sigaddset(&held, SIGHUP);
		sigaddset(&held, SIGTERM);
		sigaddset(&held, SIGINT);
		sigprocmask(SIG_BLOCK, &held, NULL);
	}

	if ((conf = conf_load(path, err, sizeof(err))) == NULL) {
		if (tflag) {
			fprintf(stderr, "hcpcsd: %s\n", err);
			return 1;
		}
		fatalx("%s", err);
	}
	if (tflag) {
		rv = main_check(conf, sockpath);
		conf_free(conf);
		return rv;
	}

	/* A client that goes away must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(!fflag && conf->log_level > LOG_LVL_INFO ?
	    LOG_LVL_INFO : conf->log_level);
	log_info("hcpcsd %s starting, configuration %s", HCPCSD_VERSION,
	    conf->path);
	if (listen_check(sockpath != NULL ? sockpath : conf->socket)
	    == -1)
		fatalx("cannot serve on %s",
		    sockpath != NULL ? sockpath : conf->socket);
	if (server_publish(conf, "load", err, sizeof(err)) == -1)
		fatalx("%s", err);
	stats_init(time(NULL));
	if (server_init(conf, sockpath, fflag) == -1)
		fatalx("cannot serve on %s",
		    sockpath != NULL ? sockpath : conf->socket);
	sigprocmask(SIG_UNBLOCK, &held, NULL);
	rv = server_run();
	server_free();
	log_info("exiting");
	return rv == 0 ? 0 : 1;
}
