/*
 * bench.c: request throughput of a running hcpcsd, per method, printed
 * as a ratio against `ping` measured in the same run: ping is the
 * protocol's floor (read, frame, dispatch, write), so the ratio shows
 * what a method's own work costs on top of it.
 *
 * usage: bench SOCKET [seconds-per-workload] [clients] [pipeline-depth]
 * Each client thread writes `depth` requests, then reads until every
 * answer is back, until the time is up.  Answers are framed with the
 * daemon's own scanner (rpc_scan) so the client stays cheap.
 */
#include <errno.h>
#include <msgpack.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench_io.h"
#include "rpc.h"

struct workload {
	const char	*name;
	msgpack_sbuffer	 req;		/* depth requests, back to back */
};

struct client {
	pthread_t	 tid;
	const char	*path;
	const struct workload *w;
	int		 depth;
	double		 seconds;
	unsigned long	 done;
	int		 failed;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}



static void *
client_run(void *arg)
{
	struct client	*c = arg;
	static const size_t cap = 8 << 20;
	unsigned char	*buf;
	size_t		 len, off, objlen;
	ssize_t		 r;
	double		 end;
	int		 fd, got;

	buf = malloc(cap);
	fd = dial(c->path);
	if (buf == NULL || fd == -1) {
		c->failed = 1;
		free(buf);
		return NULL;
	}
	end = now() + c->seconds;
	while (now() < end) {
		if (write_all(fd, c->w->req.data, c->w->req.size) == -1)
			goto fail;
		for (got = 0, len = 0; got < c->depth; ) {
			r = read(fd, buf + len, cap - len);
			if (r <= 0)
				goto fail;
			len += (size_t)r;
			for (off = 0; got < c->depth; off += objlen, got++)
				if (rpc_scan(buf + off, len - off, cap,
				    &objlen) != RPC_SCAN_OK)
					break;
			memmove(buf, buf + off, len - off);
			len -= off;
		}
		c->done += (unsigned long)c->depth;
	}
	close(fd);
	free(buf);
	return NULL;
fail:
	c->failed = 1;
	close(fd);
	free(buf);
	return NULL;
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Requests cycle through codes so lookups do not hit one cache line. */
static const char *const codes[] = {
	"A0021", "J1100", "E0250", "G0501", "K0001", "L0112", "Q0035",
	"V2020", "B4034", "C1300", "XE", "LT", "GA", "99213", "W1000",
};
#define NCODES	(sizeof(codes) / sizeof(codes[0]))

static void
make_workload(struct workload *w, const char *name, int depth)
{
	msgpack_packer	pk;
	int		i, k;

	w->name = name;
	msgpack_sbuffer_init(&w->req);
	msgpack_packer_init(&pk, &w->req, msgpack_sbuffer_write);
	for (i = 0; i < depth; i++) {
		msgpack_pack_array(&pk, 4);
		msgpack_pack_int(&pk, 0);
		msgpack_pack_uint32(&pk, (uint32_t)i);
		pack_str(&pk, strcmp(name, "lookup_many/10") == 0 ?
		    "lookup_many" : strcmp(name, "search") == 0 ? "search" :
		    name);
		if (strcmp(name, "ping") == 0 || strcmp(name, "info") == 0) {
			msgpack_pack_array(&pk, 0);
		} else if (strcmp(name, "lookup_many/10") == 0) {
			msgpack_pack_array(&pk, 1);
			msgpack_pack_array(&pk, 10);
			for (k = 0; k < 10; k++)
				pack_str(&pk, codes[(size_t)(i + k) % NCODES]);
		} else if (strcmp(name, "search") == 0) {
			msgpack_pack_array(&pk, 2);
			pack_str(&pk, "wheel");
			msgpack_pack_map(&pk, 1);
			pack_str(&pk, "limit");
			msgpack_pack_int(&pk, 10);
		} else if (strcmp(name, "validate") == 0) {
			msgpack_pack_array(&pk, 2);
			pack_str(&pk, codes[(size_t)i % NCODES]);
			pack_str(&pk, "2020-06-01");
		} else {
			msgpack_pack_array(&pk, 1);
			pack_str(&pk, codes[(size_t)i % NCODES]);
		}
	}
}

static double
run(const char *path, const struct workload *w, double seconds, int nclients,
    int depth)
{
	struct client	*cl;
	unsigned long	 total = 0;
	double		 t0, t;
	int		 i, failed = 0;

	cl = calloc((size_t)nclients, sizeof(*cl));
	if (cl == NULL)
		return -1;
	t0 = now();
	for (i = 0; i < nclients; i++) {
		cl[i].path = path;
		cl[i].w = w;
		cl[i].depth = depth;
		cl[i].seconds = seconds;
		pthread_create(&cl[i].tid, NULL, client_run, &cl[i]);
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(cl[i].tid, NULL);
		total += cl[i].done;
		failed |= cl[i].failed;
	}
	t = now() - t0;
	free(cl);
	if (failed)
		return -1;
	return (double)total / t;
}

int
main(int argc, char *argv[])
{
	static const char *const names[] = {
		"ping", "lookup", "validate", "lookup_many/10", "classify",
		"search",
	};
	struct workload	 w;
	double		 seconds, base = 0, rate;
	int		 nclients, depth;
	size_t		 i;

	if (argc < 2) {
		fprintf(stderr, "usage: bench socket [seconds] [clients] "
		    "[depth]\n");
		return 2;
	}
	seconds = argc > 2 ? atof(argv[2]) : 2.0;
	nclients = argc > 3 ? atoi(argv[3]) : 4;
	depth = argc > 4 ? atoi(argv[4]) : 64;
	if (seconds <= 0 || seconds > 60 || nclients < 1 || nclients > 256 ||
	    depth < 1 || depth > 4096) {
		fprintf(stderr, "bench: out of range arguments\n");
		return 2;
	}
	printf("%d clients, pipeline depth %d, %.1f s per workload\n",
	    nclients, depth, seconds);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		make_workload(&w, names[i], depth);
		rate = run(argv[1], &w, seconds, nclients, depth);
		msgpack_sbuffer_destroy(&w.req);
		if (rate < 0) {
			fprintf(stderr, "bench: %s: connection failed\n",
			    names[i]);
			return 1;
		}
		if (i == 0)
			base = rate;
		printf("%-16s %12.0f req/s  %5.2fx ping\n", names[i], rate,
		    rate / base);
	}
	return 0;
}
