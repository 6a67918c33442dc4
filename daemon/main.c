/*
 * main.c: hcpcsd's options and startup; -t is check.c's.
 * The daemon always stays in the foreground (systemd style) and logs to
 * stderr; serving, signals and reloads live in server.c and the files
 * below it (listen.c, worker.c, reload.c).
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "check.h"
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
		rv = check_config(conf, sockpath, vflag);
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
