/*
 * main.c: hcpcsd's options, startup and the -t configuration check.
 * The daemon always stays in the foreground (systemd style) and logs to
 * stderr; serving, signals and reloads live in server.c and the files
 * below it (listen.c, worker.c, reload.c).
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "build.h"
#include "conf.h"
#include "listen.h"
#include "load.h"
#include "log.h"
#include "stats.h"
#include "server.h"
#include "snapshot.h"

#define MAIN_MMAP_THRESHOLD	(128 * 1024)	/* bytes: glibc's default */

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
	    "usage: hcpcsd [-fhRtvV] [-c file] [-s socket]\n");
	exit(asked ? 0 : 1);
}

/*
 * -t -v: what one release is, and every quirk let through with where
 * (no load time: the output of one file is the same run after run).
 */
static void
main_check_release(const struct snapshot_release_info *ri)
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

/* -t: load the configuration and every data file, report, exit. */
static int
main_check(const struct conf *conf, int verbose)
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
				main_check_release(ri);
		}
	}
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
	int		 ch, fflag = 0, rflag = 0, tflag = 0, vflag = 0, rv;

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
	while ((ch = getopt_long(argc, argv, "c:fhRs:tvV", longopts, NULL)) !=
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
		case 'R':
			rflag = 1;
			break;
		case 's':
			sockpath = optarg;
			break;
		case 't':
			tflag = 1;
			break;
		case 'v':
			vflag = 1;
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
		rv = main_check(conf, vflag);
		conf_free(conf);
		return rv;
	}

	/* A client that goes away must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	log_set_level(!fflag && conf->log_level > LOG_LVL_INFO ?
	    LOG_LVL_INFO : conf->log_level);
	log_info("hcpcsd %s starting, configuration %s", HCPCSD_VERSION,
	    conf->path);
	/* Before the files are read: refusing then is quick. */
	if (access_may_run(conf, rflag) == -1)
		fatalx("not serving as uid %u", (unsigned)geteuid());
	if (listen_check(sockpath != NULL ? sockpath : conf->socket,
	    conf->user.set ? (uid_t)conf->user.id : (uid_t)-1) == -1)
		fatalx("cannot serve on %s",
		    sockpath != NULL ? sockpath : conf->socket);
	if (server_publish(conf, "load", err, sizeof(err)) == -1)
		fatalx("%s", err);
	stats_init(time(NULL));
	if (server_init(conf, sockpath, fflag) == -1)
		fatalx("cannot serve on %s",
		    sockpath != NULL ? sockpath : conf->socket);
	/*
	 * Bound and every file opened, nothing served yet: no more need
	 * for root.  The threads server_init started drop with us (the C
	 * library changes every thread's credentials).  server_init took
	 * conf over; nothing replaces it before server_run.
	 */
	if (access_drop(conf) == -1)
		fatalx("not serving with root's privileges");
	sigprocmask(SIG_UNBLOCK, &held, NULL);
	rv = server_run();
	server_free();
	log_info("exiting");
	return rv == 0 ? 0 : 1;
}
