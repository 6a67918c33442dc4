/*
 * loadgen.c: the load generator of `make bench` (bench/run.sh,
 * bench/README.md).  It drives hcpcsd (MessagePack-RPC), Redis (RESP)
 * and a trivial echo server with the same closed-loop clients over Unix
 * sockets and prints, per shape, requests per second, latency
 * percentiles, the server's CPU per request and the ratio hcpcsd/Redis
 * over interleaved rounds, then the goal lines of issue 8.
 *
 * Every reply is checked against the bytes expected for its request:
 * hcpcsd's lookup result for each code is fetched once before the runs,
 * and Redis is loaded with exactly those bytes, so both servers answer
 * the same bytes for the same key and a fast wrong answer cannot pass.
 *
 * The clients are epoll loops over non-blocking sockets (one or more
 * threads, each owning some connections); each connection keeps `depth`
 * requests in flight and sends a new one as each reply is checked.
 * Replies of hcpcsd are framed by a small MessagePack extent scanner of
 * our own (mp_extent), so the generator depends on nothing of the
 * daemon's.  libmsgpack is used only off the timed path, to read info.
 *
 * usage: loadgen --selftest
 *        loadgen --echo-server SOCKET
 *        loadgen --hcpcsd SOCKET --hcpcsd-pid PID --codes FILE
 *                [--redis SOCKET --redis-pid PID] [--echo SOCKET
 *                --echo-pid PID] [--seconds S] [--rounds N]
 *                [--threads N] [--reloads N] [--data-bytes N]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <msgpack.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench_io.h"

#define CODE_MAX	15		/* longest code kept from the list */
#define BATCH		100		/* codes per lookup_many / MGET */
#define WARM_S		0.3		/* seconds of each run not measured */
#define DRAIN_S		10.0		/* seconds to wait for late replies */
#define HIST_SUB	5		/* latency histogram: 2^5 steps/octave */
#define HIST_N		(64 << HIST_SUB)
#define INBUF_MIN	(128u << 10)
#define INBUF_MAX	(64u << 20)
#define REQ_MAX		(16 + BATCH * (CODE_MAX + 8))	/* one request */

enum proto { P_HCPCSD, P_REDIS, P_ECHO };

struct code {
	char		 s[CODE_MAX + 1];
	unsigned char	 len;
	unsigned char	*rec;		/* hcpcsd's lookup result bytes */
	size_t		 reclen;
	unsigned char	*bulk;		/* the same as a RESP bulk string */
	size_t		 bulklen;
};

struct codes {
	struct code	*v;
	size_t		 n;
	size_t		 recbytes;	/* sum of reclen */
};

struct shape {
	const char	*name;		/* short, in tables */
	const char	*label;
	int		 conns;
	int		 depth;		/* requests in flight per connection */
	int		 batch;		/* codes per request: 1 or BATCH */
};

struct target {
	const char	*name;
	enum proto	 proto;
	const char	*path;
	pid_t		 pid;
};

struct result {
	double		 rps;		/* requests per second */
	double		 cps;		/* codes per second */
	double		 p50, p99, p999;	/* microseconds */
	double		 cpu;		/* server CPU microseconds per request */
	uint64_t	 reqs;
};

struct inflight {
	uint32_t	 msgid;
	uint32_t	 code;		/* index of the request's first code */
	uint64_t	 sent;		/* ns, CLOCK_MONOTONIC */
};

struct conn {
	int		 fd;
	int		 want_out;	/* EPOLLOUT registered */
	unsigned char	*in;
	size_t		 inlen, incap;
	unsigned char	*out;
	size_t		 outlen, outoff, outcap;
	struct inflight	*q;		/* ring of depth entries */
	unsigned	 qhead, qcount;
	uint32_t	 msgid;
	size_t		 next;		/* next code index */
};

struct gen;

struct worker {
	pthread_t	 tid;
	struct gen	*g;
	struct conn	*conns;
	int		 nconns;
	int		 first;		/* index of conns[0] in the shape */
	uint64_t	 hist[HIST_N];
	uint64_t	 done;
	int		 failed;
	char		 err[512];
};

struct gen {
	const struct codes *codes;
	const struct target *t;
	const struct shape *s;
	atomic_int	 measuring;
	atomic_int	 stop;
	pthread_barrier_t ready;
	struct worker	*w;
	int		 nw;
};

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_s(double s)
{
	struct timespec	ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- MessagePack framing ---------------------------------------- */

static uint64_t
be(const unsigned char *p, size_t n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/*
 * The extent of the first MessagePack object in p[0, len): its length,
 * 0 while it is incomplete, -1 when the bytes are not MessagePack.
 * Iterative: `pending` counts the objects still to be skipped.
 */
static long
mp_extent(const unsigned char *p, size_t len)
{
	uint64_t	pending = 1, n;
	size_t		off = 0, hdr, skip;
	unsigned	c;

	while (pending > 0) {
		if (off >= len)
			return 0;
		c = p[off++];
		pending--;
		hdr = 0, skip = 0, n = 0;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 ||
		    c == 0xc3)
			continue;
		if (c <= 0x8f) {
			pending += 2 * (uint64_t)(c & 0x0f);
			continue;
		}
		if (c <= 0x9f) {
			pending += c & 0x0f;
			continue;
		}
		if (c <= 0xbf) {
			skip = c & 0x1f;
		} else switch (c) {
		case 0xc4: case 0xd9: hdr = 1; break;	/* bin/str 8 */
		case 0xc5: case 0xda: hdr = 2; break;
		case 0xc6: case 0xdb: hdr = 4; break;
		case 0xc7: hdr = 1; skip = 1; break;	/* ext 8 + type */
		case 0xc8: hdr = 2; skip = 1; break;
		case 0xc9: hdr = 4; skip = 1; break;
		case 0xcc: case 0xd0: skip = 1; break;
		case 0xcd: case 0xd1: skip = 2; break;
		case 0xca: case 0xce: case 0xd2: skip = 4; break;
		case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
		case 0xd4: skip = 2; break;		/* fixext + type */
		case 0xd5: skip = 3; break;
		case 0xd6: skip = 5; break;
		case 0xd7: skip = 9; break;
		case 0xd8: skip = 17; break;
		case 0xdc: case 0xde: hdr = 2; break;	/* array/map 16 */
		case 0xdd: case 0xdf: hdr = 4; break;
		default: return -1;			/* 0xc1 */
		}
		if (hdr > 0) {
			if (len - off < hdr)
				return 0;
			n = be(p + off, hdr);
			off += hdr;
			if (c == 0xdc || c == 0xdd)
				pending += n;
			else if (c == 0xde || c == 0xdf)
				pending += 2 * n;
			else
				skip += n;
		}
		if (len - off < skip)
			return 0;
		off += skip;
		/* Each pending object takes a byte at least. */
		if (pending > len - off)
			return 0;
	}
	return (long)off;
}

/* Read a MessagePack unsigned integer at *p; -1 when it is not one. */
static int
mp_uint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	const unsigned char	*q = *p;
	size_t			 n;

	if (q >= end)
		return -1;
	if (*q <= 0x7f) {
		*v = *q;
		*p = q + 1;
		return 0;
	}
	switch (*q) {
	case 0xcc: n = 1; break;
	case 0xcd: n = 2; break;
	case 0xce: n = 4; break;
	case 0xcf: n = 8; break;
	default: return -1;
	}
	if ((size_t)(end - q) < 1 + n)
		return -1;
	*v = be(q + 1, n);
	*p = q + 1 + n;
	return 0;
}

/* ---- requests ----------------------------------------------------- */

static unsigned char *
put(unsigned char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static unsigned char *
put_msgid(unsigned char *p, uint32_t msgid)
{
	*p++ = 0xce;
	*p++ = (unsigned char)(msgid >> 24);
	*p++ = (unsigned char)(msgid >> 16);
	*p++ = (unsigned char)(msgid >> 8);
	*p++ = (unsigned char)msgid;
	return p;
}

static unsigned char *
put_fixstr(unsigned char *p, const struct code *c)
{
	*p++ = (unsigned char)(0xa0 | c->len);
	return put(p, c->s, c->len);
}

/* A RESP bulk string of a code: "$5\r\nJ1100\r\n". */
static unsigned char *
put_bulk(unsigned char *p, const char *s, size_t n)
{
	p += sprintf((char *)p, "$%zu\r\n", n);
	p = put(p, s, n);
	return put(p, "\r\n", 2);
}

/*
 * One request for codes [first, first + batch) (cyclic) into p; returns
 * its length.  Echo requests are hcpcsd's lookup requests: the floor is
 * a round trip of the same bytes.
 */
static size_t
build_req(enum proto proto, int batch, const struct codes *cs,
    size_t first, uint32_t msgid, unsigned char *p0)
{
	unsigned char	*p = p0;
	int		 i;

	if (proto == P_REDIS) {
		if (batch == 1) {
			p = put(p, "*2\r\n$3\r\nGET\r\n", 13);
			p = put_bulk(p, cs->v[first].s, cs->v[first].len);
			return (size_t)(p - p0);
		}
		p += sprintf((char *)p, "*%d\r\n$4\r\nMGET\r\n", batch + 1);
		for (i = 0; i < batch; i++) {
			const struct code *c = &cs->v[(first + (size_t)i) %
			    cs->n];
			p = put_bulk(p, c->s, c->len);
		}
		return (size_t)(p - p0);
	}
	*p++ = 0x94;
	*p++ = 0x00;
	p = put_msgid(p, msgid);
	if (batch == 1) {
		p = put(p, "\xa6lookup\x91", 8);
		p = put_fixstr(p, &cs->v[first]);
		return (size_t)(p - p0);
	}
	p = put(p, "\xablookup_many\x91\xdc", 14);
	*p++ = (unsigned char)(batch >> 8);
	*p++ = (unsigned char)batch;
	for (i = 0; i < batch; i++)
		p = put_fixstr(p, &cs->v[(first + (size_t)i) % cs->n]);
	return (size_t)(p - p0);
}

/* ---- reply checks ------------------------------------------------- */

/*
 * Compare buf[0, len) with the expected reply made of pieces, in order:
 * the number of bytes the reply takes, 0 when buf is a true prefix of
 * it, -1 at the first byte that differs.
 */
struct piece {
	const unsigned char *p;
	size_t		 n;
};

static long
match_pieces(const struct piece *pc, int npc, const unsigned char *buf,
    size_t len)
{
	size_t	off = 0, k;
	int	i;

	for (i = 0; i < npc; i++) {
		k = pc[i].n < len - off ? pc[i].n : len - off;
		if (memcmp(buf + off, pc[i].p, k) != 0)
			return -1;
		off += k;
		if (k < pc[i].n)
			return 0;
	}
	return (long)off;
}

/*
 * Check the reply at the head of buf against what the request (msgid,
 * codes from `first`) must get back.  Returns the reply's length, 0 when
 * more bytes are needed, -1 when it is wrong (why says how).
 */
static long
check_reply(enum proto proto, int batch, const struct codes *cs,
    uint32_t msgid, size_t first, const unsigned char *buf, size_t len,
    const char **why)
{
	struct piece	 pc[BATCH + 1];
	unsigned char	 req[REQ_MAX], hdr[16];
	const unsigned char *p, *end;
	uint64_t	 v, n;
	long		 ext;
	int		 i;

	*why = "reply differs from the expected bytes";
	if (proto == P_ECHO) {
		pc[0].p = req;
		pc[0].n = build_req(P_HCPCSD, 1, cs, first, msgid, req);
		return match_pieces(pc, 1, buf, len);
	}
	if (proto == P_REDIS) {
		if (batch == 1) {
			pc[0].p = cs->v[first].bulk;
			pc[0].n = cs->v[first].bulklen;
			return match_pieces(pc, 1, buf, len);
		}
		pc[0].p = hdr;
		pc[0].n = (size_t)sprintf((char *)hdr, "*%d\r\n", batch);
		for (i = 0; i < batch; i++) {
			const struct code *c = &cs->v[(first + (size_t)i) %
			    cs->n];
			pc[i + 1].p = c->bulk;
			pc[i + 1].n = c->bulklen;
		}
		return match_pieces(pc, batch + 1, buf, len);
	}
	ext = mp_extent(buf, len);
	if (ext <= 0) {
		*why = "reply is not MessagePack";
		return ext;
	}
	p = buf;
	end = buf + ext;
	if (end - p < 2 || p[0] != 0x94 || p[1] != 0x01) {
		*why = "reply is not a response array [1, ...]";
		return -1;
	}
	p += 2;
	if (mp_uint(&p, end, &v) == -1 || v != msgid) {
		*why = "response msgid differs from the request's";
		return -1;
	}
	if (p >= end || *p++ != 0xc0) {
		*why = "response error is not nil";
		return -1;
	}
	if (batch == 1) {
		pc[0].p = cs->v[first].rec;
		pc[0].n = cs->v[first].reclen;
		if (match_pieces(pc, 1, p, (size_t)(end - p)) !=
		    (long)(end - p))
			return -1;
		return ext;
	}
	if (end - p >= 1 && (*p & 0xf0) == 0x90) {
		n = *p & 0x0f;
		p++;
	} else if (end - p >= 3 && *p == 0xdc) {
		n = be(p + 1, 2);
		p += 3;
	} else if (end - p >= 5 && *p == 0xdd) {
		n = be(p + 1, 4);
		p += 5;
	} else {
		*why = "lookup_many result is not an array";
		return -1;
	}
	if (n != (uint64_t)batch) {
		*why = "lookup_many result has the wrong number of elements";
		return -1;
	}
	for (i = 0; i < batch; i++) {
		const struct code *c = &cs->v[(first + (size_t)i) % cs->n];
		pc[i].p = c->rec;
		pc[i].n = c->reclen;
	}
	if (match_pieces(pc, batch, p, (size_t)(end - p)) != (long)(end - p))
		return -1;
	return ext;
}

/* ---- latency histogram ------------------------------------------ */

/* Log-linear buckets: 2^HIST_SUB per octave, under 1.6% error. */
static unsigned
hist_idx(uint64_t v)
{
	unsigned	msb;

	if (v < (1u << (HIST_SUB + 1)))
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	return ((msb - HIST_SUB + 1) << HIST_SUB) +
	    (unsigned)((v >> (msb - HIST_SUB)) - (1u << HIST_SUB));
}

static double
hist_value(unsigned idx)
{
	unsigned	k, m;

	if (idx < (1u << (HIST_SUB + 1)))
		return idx;
	k = (idx >> HIST_SUB) - 1;
	m = (1u << HIST_SUB) + (idx & ((1u << HIST_SUB) - 1));
	return ((double)m + 0.5) * (double)(1ull << k);
}

static double
hist_pct(const uint64_t *h, double pct)
{
	uint64_t	total = 0, want, acc = 0;
	unsigned	i;

	for (i = 0; i < HIST_N; i++)
		total += h[i];
	if (total == 0)
		return 0;
	want = (uint64_t)((double)total * pct / 100.0);
	if (want >= total)
		want = total - 1;
	for (i = 0; i < HIST_N; i++) {
		acc += h[i];
		if (acc > want)
			return hist_value(i);
	}
	return hist_value(HIST_N - 1);
}

/* ---- sockets and /proc -------------------------------------------- */



/* CPU time of every thread of pid, in ns (schedstat's first field). */
static uint64_t
proc_cpu_ns(pid_t pid)
{
	char		 path[320], buf[128];
	struct dirent	*de;
	uint64_t	 sum = 0;
	DIR		*d;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat",
		    (long)pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL)
			sum += strtoull(buf, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return sum;
}

/* VmRSS of pid in kB, 0 when unknown. */
static long
proc_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = 0;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
fcntl_nonblock(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- the closed-loop clients -------------------------------------- */

static void
worker_fail(struct worker *w, const char *fmt, const char *a)
{
	if (w->failed)
		return;
	w->failed = 1;
	snprintf(w->err, sizeof(w->err), fmt, a);
	atomic_store(&w->g->stop, 1);
}

static void
conn_refill(struct gen *g, struct conn *c, uint64_t t)
{
	struct inflight	*e;
	const struct shape *s = g->s;

	while (c->qcount < (unsigned)s->depth &&
	    c->outcap - c->outlen >= REQ_MAX) {
		e = &c->q[(c->qhead + c->qcount) % (unsigned)s->depth];
		e->msgid = c->msgid++;
		e->code = (uint32_t)c->next;
		e->sent = t;
		c->outlen += build_req(g->t->proto, s->batch, g->codes,
		    c->next, e->msgid, c->out + c->outlen);
		c->next = (c->next + (size_t)s->batch) % g->codes->n;
		c->qcount++;
	}
}

static int
conn_flush(struct worker *w, int ep, struct conn *c)
{
	struct epoll_event ev;
	ssize_t		 n;
	int		 want;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			worker_fail(w, "%s: write failed", w->g->t->name);
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	want = c->outoff < c->outlen;
	if (want != c->want_out) {
		ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_out = want;
	}
	return 0;
}

/* Read what is there, check every whole reply, count and time them. */
static int
conn_read(struct worker *w, struct conn *c, uint64_t *inflight)
{
	struct gen	*g = w->g;
	struct inflight	*e;
	const char	*why;
	unsigned char	*nb;
	size_t		 off = 0;
	ssize_t		 n;
	uint64_t	 t;
	long		 r;
	int		 measuring;

	if (c->inlen == c->incap) {
		if (c->incap >= INBUF_MAX) {
			worker_fail(w, "%s: reply larger than the buffer",
			    g->t->name);
			return -1;
		}
		if ((nb = realloc(c->in, c->incap * 2)) == NULL) {
			worker_fail(w, "%s: out of memory", g->t->name);
			return -1;
		}
		c->in = nb;
		c->incap *= 2;
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		worker_fail(w, "%s: connection closed by the server",
		    g->t->name);
		return -1;
	}
	t = now_ns();
	c->inlen += (size_t)n;
	measuring = atomic_load_explicit(&g->measuring, memory_order_relaxed);
	while (c->qcount > 0) {
		e = &c->q[c->qhead];
		r = check_reply(g->t->proto, g->s->batch, g->codes, e->msgid,
		    e->code, c->in + off, c->inlen - off, &why);
		if (r == 0)
			break;
		if (r < 0) {
			snprintf(w->err, sizeof(w->err), "%s: code %s: %s",
			    g->t->name, g->codes->v[e->code].s, why);
			w->failed = 1;
			atomic_store(&g->stop, 1);
			return -1;
		}
		if (measuring) {
			w->hist[hist_idx(t - e->sent)]++;
			w->done++;
		}
		off += (size_t)r;
		c->qhead = (c->qhead + 1) % (unsigned)g->s->depth;
		c->qcount--;
		(*inflight)--;
	}
	if (c->qcount == 0 && off < c->inlen) {
		worker_fail(w, "%s: bytes after the last expected reply",
		    g->t->name);
		return -1;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	return 0;
}

static void
conn_free(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c->q);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct gen	*g = w->g;
	struct epoll_event ev, evs[64];
	struct conn	*c;
	uint64_t	 inflight = 0, deadline = 0, t;
	int		 ep, i, n, stopping;

	ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < w->nconns; i++) {
		c = &w->conns[i];
		c->fd = dial(g->t->path);
		c->incap = INBUF_MIN;
		c->in = malloc(c->incap);
		c->outcap = (size_t)g->s->depth * REQ_MAX + REQ_MAX;
		c->out = malloc(c->outcap);
		c->q = calloc((size_t)g->s->depth, sizeof(*c->q));
		c->msgid = 1;
		/* Spread the connections over the (shuffled) code list. */
		c->next = ((size_t)(w->first + i) * 7919u) % g->codes->n;
		if (c->fd == -1 || c->in == NULL || c->out == NULL ||
		    c->q == NULL || ep == -1) {
			worker_fail(w, "%s: cannot connect", g->t->path);
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		/* Non-blocking after connect, which is immediate here. */
		if (fcntl_nonblock(c->fd) == -1)
			worker_fail(w, "%s: fcntl failed", g->t->path);
	}
	pthread_barrier_wait(&g->ready);
	if (w->failed)
		goto out;
	t = now_ns();
	for (i = 0; i < w->nconns; i++) {
		c = &w->conns[i];
		inflight -= c->qcount;
		conn_refill(g, c, t);
		inflight += c->qcount;
		if (conn_flush(w, ep, c) == -1)
			goto out;
	}
	for (;;) {
		stopping = atomic_load_explicit(&g->stop, memory_order_relaxed);
		if (stopping) {
			if (w->failed || inflight == 0)
				break;
			t = now_ns();
			if (deadline == 0)
				deadline = t + (uint64_t)(DRAIN_S * 1e9);
			else if (t > deadline) {
				worker_fail(w, "%s: replies missing after "
				    "the run", g->t->name);
				break;
			}
		}
		n = epoll_wait(ep, evs, 64, 20);
		if (n == -1 && errno != EINTR) {
			worker_fail(w, "%s: epoll_wait failed", g->t->name);
			break;
		}
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			    conn_read(w, c, &inflight) == -1)
				goto out;
			if (!stopping) {
				inflight -= c->qcount;
				conn_refill(g, c, now_ns());
				inflight += c->qcount;
			}
			if (conn_flush(w, ep, c) == -1)
				goto out;
		}
	}
out:
	for (i = 0; i < w->nconns; i++)
		conn_free(&w->conns[i]);
	if (ep != -1)
		close(ep);
	return NULL;
}

/*
 * Run shape s against t: connect, WARM_S of unmeasured load, then
 * measure for `seconds`, or while during(arg) runs when during is not
 * NULL; then stop sending and wait for (and check) every reply still
 * due.  Returns -1 after printing why when a reply was wrong or missing.
 */
static int
run_shape(const struct codes *cs, const struct target *t,
    const struct shape *s, int nthreads, double seconds,
    void (*during)(void *), void *arg, struct result *res)
{
	struct gen	 g;
	struct conn	*conns;
	uint64_t	 hist[HIST_N], cpu0, cpu1, t0, t1, done = 0;
	int		 i, k, nw, failed = 0;
	double		 left;

	memset(&g, 0, sizeof(g));
	memset(res, 0, sizeof(*res));
	memset(hist, 0, sizeof(hist));
	g.codes = cs;
	g.t = t;
	g.s = s;
	nw = nthreads < s->conns ? nthreads : s->conns;
	g.w = calloc((size_t)nw, sizeof(*g.w));
	conns = calloc((size_t)s->conns, sizeof(*conns));
	if (g.w == NULL || conns == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	for (i = 0; i < s->conns; i++)
		conns[i].fd = -1;
	g.nw = nw;
	pthread_barrier_init(&g.ready, NULL, (unsigned)nw + 1);
	for (k = 0; k < nw; k++) {
		g.w[k].g = &g;
		g.w[k].first = k * s->conns / nw;
		g.w[k].nconns = (k + 1) * s->conns / nw - g.w[k].first;
		g.w[k].conns = conns + g.w[k].first;
		pthread_create(&g.w[k].tid, NULL, worker_main, &g.w[k]);
	}
	pthread_barrier_wait(&g.ready);
	sleep_s(WARM_S);
	cpu0 = proc_cpu_ns(t->pid);
	t0 = now_ns();
	atomic_store(&g.measuring, 1);
	if (during != NULL)
		during(arg);
	else
		for (left = seconds; left > 0 && !atomic_load(&g.stop);
		    left -= 0.05)
			sleep_s(left < 0.05 ? left : 0.05);
	atomic_store(&g.measuring, 0);
	t1 = now_ns();
	cpu1 = proc_cpu_ns(t->pid);
	atomic_store(&g.stop, 1);
	for (k = 0; k < nw; k++) {
		pthread_join(g.w[k].tid, NULL);
		if (g.w[k].failed) {
			if (!failed)
				fprintf(stderr, "loadgen: %s %s: %s\n",
				    s->name, t->name, g.w[k].err);
			failed = 1;
		}
		done += g.w[k].done;
		for (i = 0; i < HIST_N; i++)
			hist[i] += g.w[k].hist[i];
	}
	pthread_barrier_destroy(&g.ready);
	free(g.w);
	free(conns);
	if (failed || done == 0) {
		if (!failed)
			fprintf(stderr, "loadgen: %s %s: no replies\n",
			    s->name, t->name);
		return -1;
	}
	res->reqs = done;
	res->rps = (double)done / ((double)(t1 - t0) / 1e9);
	res->cps = res->rps * s->batch;
	res->p50 = hist_pct(hist, 50) / 1e3;
	res->p99 = hist_pct(hist, 99) / 1e3;
	res->p999 = hist_pct(hist, 99.9) / 1e3;
	res->cpu = cpu1 > cpu0 ? (double)(cpu1 - cpu0) / 1e3 / (double)done :
	    0;
	return 0;
}

/* ---- preparing the data ------------------------------------------- */

static void
load_codes(const char *file, struct codes *cs)
{
	char	 line[256], *p, *e;
	size_t	 cap = 0, n;
	FILE	*f;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "loadgen: %s: %s\n", file, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (unsigned char)e[-1] <= ' ';
		    e--)
			;
		n = (size_t)(e - p);
		if (n == 0 || n > CODE_MAX)
			continue;
		if (cs->n == cap) {
			cap = cap ? cap * 2 : 1024;
			cs->v = realloc(cs->v, cap * sizeof(*cs->v));
			if (cs->v == NULL) {
				fprintf(stderr, "loadgen: out of memory\n");
				exit(1);
			}
		}
		memset(&cs->v[cs->n], 0, sizeof(cs->v[0]));
		memcpy(cs->v[cs->n].s, p, n);
		cs->v[cs->n].len = (unsigned char)n;
		cs->n++;
	}
	fclose(f);
}

/* Read from fd until buf holds one whole MessagePack object. */
static long
read_object(int fd, unsigned char *buf, size_t cap, size_t *len)
{
	ssize_t	r;
	long	ext;

	while ((ext = mp_extent(buf, *len)) == 0) {
		if (*len == cap)
			return -1;
		r = read(fd, buf + *len, cap - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		*len += (size_t)r;
	}
	return ext;
}

static void
set_record(struct code *c, const unsigned char *rec, size_t n)
{
	char	hdr[32];
	int	h = snprintf(hdr, sizeof(hdr), "$%zu\r\n", n);

	c->rec = malloc(n);
	c->bulk = malloc((size_t)h + n + 2);
	if (c->rec == NULL || c->bulk == NULL) {
		fprintf(stderr, "loadgen: out of memory\n");
		exit(1);
	}
	memcpy(c->rec, rec, n);
	c->reclen = n;
	memcpy(c->bulk, hdr, (size_t)h);
	memcpy(c->bulk + h, rec, n);
	memcpy(c->bulk + h + n, "\r\n", 2);
	c->bulklen = (size_t)h + n + 2;
}

/* Free the records of cs (not cs->v, which may be on the stack). */
static void
codes_free_records(struct codes *cs)
{
	size_t	i;

	for (i = 0; i < cs->n; i++) {
		free(cs->v[i].rec);
		free(cs->v[i].bulk);
	}
}

/*
 * Look every code up on hcpcsd once (pipelined, 256 at a time) and keep
 * those it answers with a record: their result bytes are what every
 * later reply, from either server, must be.  Then shuffle them, so that
 * successive requests touch unrelated parts of either server's index.
 */
static void
fetch_records(const char *path, struct codes *cs)
{
	static unsigned char buf[8 << 20];
	const unsigned char *p, *end;
	size_t		 i, j, len, chunk, kept = 0;
	uint64_t	 v, x = 88172645463325252ull;
	struct code	 tmp;
	long		 ext;
	int		 fd;

	if ((fd = dial(path)) == -1) {
		fprintf(stderr, "loadgen: %s: cannot connect\n", path);
		exit(1);
	}
	for (i = 0; i < cs->n; i += chunk) {
		chunk = cs->n - i < 256 ? cs->n - i : 256;
		for (len = 0, j = 0; j < chunk; j++)
			len += build_req(P_HCPCSD, 1, cs, i + j,
			    (uint32_t)(i + j), buf + len);
		if (write_all(fd, buf, len) == -1)
			goto io;
		len = 0;
		for (j = 0; j < chunk; j++) {
			if ((ext = read_object(fd, buf, sizeof(buf), &len)) < 0)
				goto io;
			p = buf;
			end = buf + ext;
			if (ext < 4 || p[0] != 0x94 || p[1] != 0x01)
				goto bad;
			p += 2;
			if (mp_uint(&p, end, &v) == -1 || v != i + j ||
			    p >= end)
				goto bad;
			/* nil error and a non-nil result: a record. */
			if (*p == 0xc0 && end - p > 1 && p[1] != 0xc0)
				set_record(&cs->v[i + j], p + 1,
				    (size_t)(end - p - 1));
			memmove(buf, buf + ext, len - (size_t)ext);
			len -= (size_t)ext;
		}
	}
	close(fd);
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].rec != NULL) {
			cs->v[kept++] = cs->v[i];
			cs->recbytes += cs->v[i].reclen;
		}
	cs->n = kept;
	for (i = cs->n; i > 1; i--) {		/* xorshift64, fixed seed */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % i);
		tmp = cs->v[i - 1];
		cs->v[i - 1] = cs->v[j];
		cs->v[j] = tmp;
	}
	return;
io:
	fprintf(stderr, "loadgen: %s: lookup of the code list failed\n", path);
	exit(1);
bad:
	fprintf(stderr, "loadgen: %s: unexpected reply to a lookup\n", path);
	exit(1);
}

/* SET code -> record bytes in Redis, pipelined; every reply is +OK. */
static void
load_redis(const char *path, const struct codes *cs)
{
	static unsigned char buf[4 << 20];
	size_t		 i, j, chunk, want, got;
	unsigned char	*p;
	ssize_t		 r;
	int		 fd;

	if ((fd = dial(path)) == -1) {
		fprintf(stderr, "loadgen: %s: cannot connect\n", path);
		exit(1);
	}
	for (i = 0; i < cs->n; i += chunk) {
		chunk = cs->n - i < 256 ? cs->n - i : 256;
		for (p = buf, j = 0; j < chunk; j++) {
			const struct code *c = &cs->v[i + j];

			if ((size_t)(p - buf) + c->bulklen + 64 > sizeof(buf))
				break;
			p = put(p, "*3\r\n$3\r\nSET\r\n", 13);
			p = put_bulk(p, c->s, c->len);
			p = put(p, c->bulk, c->bulklen);
		}
		chunk = j;
		if (write_all(fd, buf, (size_t)(p - buf)) == -1)
			goto fail;
		want = 5 * chunk;
		for (got = 0; got < want; got += (size_t)r) {
			r = read(fd, buf + got, want - got);
			if (r <= 0)
				goto fail;
		}
		for (j = 0; j < chunk; j++)
			if (memcmp(buf + 5 * j, "+OK\r\n", 5) != 0)
				goto fail;
	}
	close(fd);
	return;
fail:
	fprintf(stderr, "loadgen: redis: SET failed\n");
	exit(1);
}

/* ---- reloads -------------------------------------------------------- */

/* info's generation over the blocking connection fd; -1 on failure. */
static int
info_generation(int fd, uint64_t *gen)
{
	static const unsigned char req[] = "\x94\x00\x01\xa4info\x90";
	static unsigned char buf[1 << 20];
	msgpack_unpacked u;
	msgpack_object	 res;
	size_t		 len = 0, off = 0;
	long		 ext;
	uint32_t	 i;
	int		 rc = -1;

	if (write_all(fd, req, sizeof(req) - 1) == -1 ||
	    (ext = read_object(fd, buf, sizeof(buf), &len)) <= 0 ||
	    (size_t)ext != len)
		return -1;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, (const char *)buf, len, &off) !=
	    MSGPACK_UNPACK_SUCCESS || u.data.type != MSGPACK_OBJECT_ARRAY ||
	    u.data.via.array.size != 4 ||
	    u.data.via.array.ptr[2].type != MSGPACK_OBJECT_NIL ||
	    u.data.via.array.ptr[3].type != MSGPACK_OBJECT_MAP)
		goto out;
	res = u.data.via.array.ptr[3];
	for (i = 0; i < res.via.map.size; i++) {
		msgpack_object_kv *kv = &res.via.map.ptr[i];

		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == 10 &&
		    memcmp(kv->key.via.str.ptr, "generation", 10) == 0 &&
		    kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*gen = kv->val.via.u64;
			rc = 0;
		}
	}
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

struct reloads {
	pid_t		 pid;
	const char	*path;
	int		 n;
	double		*ms;		/* n durations */
	int		 failed;
};

/*
 * n times: SIGHUP, then ask info every millisecond until its generation
 * is a new one; each duration is from the signal to that answer.
 */
static void
do_reloads(void *arg)
{
	struct reloads	*rl = arg;
	uint64_t	 g0, g, t0;
	int		 fd, i;

	if ((fd = dial(rl->path)) == -1) {
		rl->failed = 1;
		return;
	}
	for (i = 0; i < rl->n; i++) {
		if (info_generation(fd, &g0) == -1)
			goto fail;
		t0 = now_ns();
		if (kill(rl->pid, SIGHUP) == -1)
			goto fail;
		do {
			if (now_ns() - t0 > 30000000000ull)
				goto fail;
			sleep_s(0.001);
			if (info_generation(fd, &g) == -1)
				goto fail;
		} while (g == g0);
		rl->ms[i] = (double)(now_ns() - t0) / 1e6;
		sleep_s(0.02);
	}
	close(fd);
	return;
fail:
	fprintf(stderr, "loadgen: reload %d: no new generation in info\n",
	    i + 1);
	rl->failed = 1;
	close(fd);
}

/* ---- the echo server (the raw socket floor) ----------------------- */

static int
echo_server(const char *path)
{
	struct sockaddr_un	sun;
	struct epoll_event	ev, evs[64];
	static unsigned char	buf[1 << 16];
	ssize_t			r;
	int			lfd, ep, fd, i, n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (lfd == -1 || ep == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 128) == -1) {
		fprintf(stderr, "loadgen: echo server %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
				if (fd == -1)
					continue;
				ev.events = EPOLLIN;
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			/* Blocking writes: the clients always read. */
			r = read(fd, buf, sizeof(buf));
			if (r <= 0 || write_all(fd, buf, (size_t)r) == -1) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
}

/* ---- statistics and the report ------------------------------------ */

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 {
	double	min, med, max;
};

static struct stat3
stat3(const double *v, int n)
{
	double		s[64];
	struct stat3	r = { 0, 0, 0 };
	int		i;

	if (n <= 0)
		return r;
	for (i = 0; i < n && i < 64; i++)
		s[i] = v[i];
	n = i;
	qsort(s, (size_t)n, sizeof(s[0]), cmp_double);
	r.min = s[0];
	r.max = s[n - 1];
	r.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return r;
}

#define MAX_ROUNDS	64
#define NSHAPES		5

static const struct shape shapes[NSHAPES] = {
	{ "1x1", "1 client x 1 in flight", 1, 1, 1 },
	{ "50x1", "50 clients x 1 in flight", 50, 1, 1 },
	{ "1x64", "1 client x 64 pipelined", 1, 64, 1 },
	{ "50x64", "50 clients x 64 pipelined", 50, 64, 1 },
	{ "many100", "lookup_many(100) vs MGET(100), 1 client x 1", 1, 1,
	    BATCH },
};

/* The median over rounds of one field of results. */
static double
med_of(const struct result *r, int n, size_t field)
{
	double	v[MAX_ROUNDS];
	int	i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&r[i] + field);
	return stat3(v, n).med;
}

#define MED(r, n, f)	med_of((r), (n), offsetof(struct result, f))

static void
print_run(int round, const struct shape *s, const struct target *t,
    const struct result *r)
{
	printf("round %d  %-8s %-7s %10.0f req/s %11.0f codes/s  "
	    "p50 %7.1f  p99 %7.1f  p99.9 %8.1f us  CPU %6.2f us/req\n",
	    round, s->name, t->name, r->rps, r->cps, r->p50, r->p99, r->p999,
	    r->cpu);
	fflush(stdout);
}

static const char *
verdict(int ok)
{
	return ok ? "MET" : "MISS";
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen --selftest\n"
	    "       loadgen --echo-server socket\n"
	    "       loadgen --hcpcsd socket --hcpcsd-pid pid --codes file\n"
	    "               [--redis socket --redis-pid pid]\n"
	    "               [--echo socket --echo-pid pid] [--seconds s]\n"
	    "               [--rounds n] [--threads n] [--reloads n]\n"
	    "               [--data-bytes n] [--real-data]\n");
	exit(2);
}

/* ---- --selftest: the reply checks, without any server ------------- */

static int st_pass, st_fail;

static void
st(int ok, const char *what)
{
	if (ok) {
		st_pass++;
		return;
	}
	st_fail++;
	printf("selftest FAIL: %s\n", what);
}

/* [1, msgid, nil, <parts>] with msgid in its shortest form. */
static size_t
st_reply(unsigned char *p0, uint32_t msgid, const struct piece *pc, int n)
{
	unsigned char	*p = p0;
	int		 i;

	*p++ = 0x94;
	*p++ = 0x01;
	if (msgid < 128) {
		*p++ = (unsigned char)msgid;
	} else {
		*p++ = 0xcd;
		*p++ = (unsigned char)(msgid >> 8);
		*p++ = (unsigned char)msgid;
	}
	*p++ = 0xc0;
	for (i = 0; i < n; i++)
		p = put(p, pc[i].p, pc[i].n);
	return (size_t)(p - p0);
}

static int
selftest(void)
{
	static const char *const names[] = { "J1100", "E0250", "AA" };
	struct code	 v[3];
	struct codes	 cs = { v, 3, 0 };
	unsigned char	 rec[64], buf[4096], *p;
	struct piece	 pc[4];
	msgpack_unpacked u;
	const char	*why;
	size_t		 n, off;
	uint64_t	 x;
	int		 i, ok;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 3; i++) {
		/* {"code": C, "status": "active"} */
		v[i].len = (unsigned char)strlen(names[i]);
		memcpy(v[i].s, names[i], v[i].len);
		p = rec;
		p = put(p, "\x82\xa4" "code", 6);
		p = put_fixstr(p, &v[i]);
		p = put(p, "\xa6" "status\xa6" "active", 14);
		set_record(&v[i], rec, (size_t)(p - rec));
	}

	/* hcpcsd lookup. */
	pc[0].p = v[1].rec, pc[0].n = v[1].reclen;
	n = st_reply(buf, 300, pc, 1);
	st(check_reply(P_HCPCSD, 1, &cs, 300, 1, buf, n, &why) == (long)n,
	    "a right lookup reply passes");
	st(check_reply(P_HCPCSD, 1, &cs, 301, 1, buf, n, &why) == -1,
	    "a reply with another msgid is rejected");
	st(check_reply(P_HCPCSD, 1, &cs, 300, 0, buf, n, &why) == -1,
	    "another code's record is rejected");
	st(check_reply(P_HCPCSD, 1, &cs, 300, 1, buf, n - 1, &why) == 0,
	    "a partial reply waits for more bytes");
	buf[n - 2] ^= 0x20;
	st(check_reply(P_HCPCSD, 1, &cs, 300, 1, buf, n, &why) == -1,
	    "a record with one byte changed is rejected");
	buf[n - 2] ^= 0x20;
	n = st_reply(buf, 300, pc, 1);
	buf[n++] = 0x94;	/* the next reply's first byte */
	st(check_reply(P_HCPCSD, 1, &cs, 300, 1, buf, n, &why) == (long)n - 1,
	    "a reply followed by more bytes takes only its own");
	/* [1, 5, {"code": "internal"}, nil] */
	n = (size_t)(put(buf, "\x94\x01\x05\x81\xa4" "code\xa8" "internal\xc0",
	    19) - buf);
	st(check_reply(P_HCPCSD, 1, &cs, 5, 1, buf, n, &why) == -1 &&
	    strcmp(why, "response error is not nil") == 0,
	    "an error response is rejected");
	pc[0].p = (const unsigned char *)"\xc0", pc[0].n = 1;
	n = st_reply(buf, 5, pc, 1);
	st(check_reply(P_HCPCSD, 1, &cs, 5, 1, buf, n, &why) == -1,
	    "a nil result is rejected");
	n = (size_t)(put(buf, "\x93\x01\x05\xc0", 4) - buf);
	st(check_reply(P_HCPCSD, 1, &cs, 5, 1, buf, n, &why) == -1,
	    "a 3-element array is rejected");

	/* hcpcsd lookup_many of 3 from code 1: records 1, 2, 0. */
	pc[0].p = (const unsigned char *)"\x93", pc[0].n = 1;
	pc[1].p = v[1].rec, pc[1].n = v[1].reclen;
	pc[2].p = v[2].rec, pc[2].n = v[2].reclen;
	pc[3].p = v[0].rec, pc[3].n = v[0].reclen;
	n = st_reply(buf, 7, pc, 4);
	st(check_reply(P_HCPCSD, 3, &cs, 7, 1, buf, n, &why) == (long)n,
	    "a right lookup_many reply passes");
	pc[0].p = (const unsigned char *)"\xdc\x00\x03", pc[0].n = 3;
	n = st_reply(buf, 7, pc, 4);
	st(check_reply(P_HCPCSD, 3, &cs, 7, 1, buf, n, &why) == (long)n,
	    "a lookup_many reply with an array16 header passes");
	pc[2].p = v[0].rec, pc[2].n = v[0].reclen;
	pc[3].p = v[2].rec, pc[3].n = v[2].reclen;
	n = st_reply(buf, 7, pc, 4);
	st(check_reply(P_HCPCSD, 3, &cs, 7, 1, buf, n, &why) == -1,
	    "a lookup_many reply in the wrong order is rejected");
	pc[0].p = (const unsigned char *)"\x92", pc[0].n = 1;
	n = st_reply(buf, 7, pc, 3);
	st(check_reply(P_HCPCSD, 3, &cs, 7, 1, buf, n, &why) == -1,
	    "a lookup_many reply one short is rejected");

	/* Redis GET and MGET. */
	st(check_reply(P_REDIS, 1, &cs, 0, 2, v[2].bulk, v[2].bulklen, &why) ==
	    (long)v[2].bulklen, "a right GET reply passes");
	st(check_reply(P_REDIS, 1, &cs, 0, 1, v[2].bulk, v[2].bulklen, &why) ==
	    -1, "a GET reply of another key is rejected");
	st(check_reply(P_REDIS, 1, &cs, 0, 2, v[2].bulk, 3, &why) == 0,
	    "a partial GET reply waits for more bytes");
	st(check_reply(P_REDIS, 1, &cs, 0, 2, (const unsigned char *)"$-1\r\n",
	    5, &why) == -1, "a nil GET reply is rejected");
	st(check_reply(P_REDIS, 1, &cs, 0, 2,
	    (const unsigned char *)"-ERR x\r\n", 8, &why) == -1,
	    "a Redis error is rejected");
	p = put(buf, "*3\r\n", 4);
	p = put(p, v[2].bulk, v[2].bulklen);
	p = put(p, v[0].bulk, v[0].bulklen);
	p = put(p, v[1].bulk, v[1].bulklen);
	n = (size_t)(p - buf);
	st(check_reply(P_REDIS, 3, &cs, 0, 2, buf, n, &why) == (long)n,
	    "a right MGET reply passes");
	st(check_reply(P_REDIS, 3, &cs, 0, 0, buf, n, &why) == -1,
	    "an MGET reply in the wrong order is rejected");
	buf[n - 3] ^= 0x01;
	st(check_reply(P_REDIS, 3, &cs, 0, 2, buf, n, &why) == -1,
	    "an MGET reply with one byte changed is rejected");

	/* The echo floor: the request comes back as it was. */
	n = build_req(P_ECHO, 1, &cs, 2, 77, buf);
	st(check_reply(P_ECHO, 1, &cs, 77, 2, buf, n, &why) == (long)n,
	    "a right echo passes");
	st(check_reply(P_ECHO, 1, &cs, 78, 2, buf, n, &why) == -1,
	    "an echo of another request is rejected");

	/* The requests are what the protocols say. */
	n = build_req(P_HCPCSD, 3, &cs, 2, 9, buf);
	off = 0;
	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, (const char *)buf, n, &off) ==
	    MSGPACK_UNPACK_SUCCESS && off == n &&
	    u.data.type == MSGPACK_OBJECT_ARRAY &&
	    u.data.via.array.size == 4 &&
	    u.data.via.array.ptr[1].via.u64 == 9 &&
	    u.data.via.array.ptr[2].type == MSGPACK_OBJECT_STR &&
	    u.data.via.array.ptr[2].via.str.size == 11 &&
	    memcmp(u.data.via.array.ptr[2].via.str.ptr, "lookup_many", 11) ==
	    0 && u.data.via.array.ptr[3].via.array.size == 1 &&
	    u.data.via.array.ptr[3].via.array.ptr[0].via.array.size == 3 &&
	    memcmp(u.data.via.array.ptr[3].via.array.ptr[0].via.array.ptr[1]
	    .via.str.ptr, "J1100", 5) == 0;
	msgpack_unpacked_destroy(&u);
	st(ok, "a lookup_many request decodes as [0, 9, \"lookup_many\", "
	    "[[AA, J1100, E0250]]]");
	n = build_req(P_REDIS, 3, &cs, 2, 0, buf);
	st(n == 44 && memcmp(buf, "*4\r\n$4\r\nMGET\r\n$2\r\nAA\r\n$5\r\nJ1100"
	    "\r\n$5\r\nE0250\r\n", 44) == 0, "an MGET request is RESP");

	/* The scanner. */
	n = (size_t)(put(buf, "\x81\xa1" "a\x93\x01\x02\x81\xa1" "b\xa3" "xyz",
	    13) - buf);
	st(mp_extent(buf, n) == (long)n, "a nested object's extent");
	st(mp_extent(buf, n - 1) == 0, "a nested object's prefix");
	st(mp_extent((const unsigned char *)"\xc1", 1) == -1,
	    "0xc1 is not MessagePack");
	st(mp_extent((const unsigned char *)"\xd9\xc8" "abc", 5) == 0,
	    "a str8 of 200 bytes with 3 present is incomplete");
	st(mp_extent((const unsigned char *)"\xdd\xff\xff\xff\xff\x01", 6) ==
	    0, "an array32 of 4G elements with one present is incomplete");

	/* The histogram is within 1/32 of the value. */
	ok = 1;
	for (x = 1; x < 100000000000ull; x = x * 3 + 1) {
		double	e = hist_value(hist_idx(x));

		if (e < (double)x * 0.96 || e > (double)x * 1.04 + 1)
			ok = 0;
	}
	st(ok, "latency buckets are within 4% of the value");

	codes_free_records(&cs);
	if (st_fail > 0) {
		printf("selftest: %d of %d checks failed\n", st_fail,
		    st_fail + st_pass);
		return 1;
	}
	printf("selftest: %d checks passed\n", st_pass);
	return 0;
}

/* ---- main ------------------------------------------------------------- */

struct opts {
	struct target	 h, r, e;	/* hcpcsd, redis, echo */
	const char	*codes;
	double		 seconds;
	int		 rounds, threads, reloads, real;
	long long	 data_bytes;
};

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	const char	*k, *val;
	int		 i;

	o->h = (struct target){ "hcpcsd", P_HCPCSD, NULL, 0 };
	o->r = (struct target){ "redis", P_REDIS, NULL, 0 };
	o->e = (struct target){ "echo", P_ECHO, NULL, 0 };
	o->seconds = 2;
	o->rounds = 3;
	o->threads = 1;
	o->reloads = 10;
	for (i = 1; i < argc; i++) {
		k = argv[i];
		if (strcmp(k, "--real-data") == 0) {
			o->real = 1;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		val = argv[++i];
		if (strcmp(k, "--hcpcsd") == 0)
			o->h.path = val;
		else if (strcmp(k, "--hcpcsd-pid") == 0)
			o->h.pid = (pid_t)atol(val);
		else if (strcmp(k, "--redis") == 0)
			o->r.path = val;
		else if (strcmp(k, "--redis-pid") == 0)
			o->r.pid = (pid_t)atol(val);
		else if (strcmp(k, "--echo") == 0)
			o->e.path = val;
		else if (strcmp(k, "--echo-pid") == 0)
			o->e.pid = (pid_t)atol(val);
		else if (strcmp(k, "--codes") == 0)
			o->codes = val;
		else if (strcmp(k, "--seconds") == 0)
			o->seconds = atof(val);
		else if (strcmp(k, "--rounds") == 0)
			o->rounds = atoi(val);
		else if (strcmp(k, "--threads") == 0)
			o->threads = atoi(val);
		else if (strcmp(k, "--reloads") == 0)
			o->reloads = atoi(val);
		else if (strcmp(k, "--data-bytes") == 0)
			o->data_bytes = atoll(val);
		else
			usage();
	}
	if (o->h.path == NULL || o->h.pid <= 0 || o->codes == NULL ||
	    (o->r.path != NULL && o->r.pid <= 0) ||
	    (o->e.path != NULL && o->e.pid <= 0))
		usage();
	if (o->seconds < 0.1 || o->seconds > 600 || o->rounds < 1 ||
	    o->rounds > MAX_ROUNDS || o->threads < 1 || o->threads > 64 ||
	    o->reloads < 0 || o->reloads > 1000) {
		fprintf(stderr, "loadgen: argument out of range\n");
		exit(2);
	}
}

/* A shape's summary lines; returns the median ratio (0: no Redis). */
static double
summarize(const struct shape *s, const struct result *h,
    const struct result *r, int rounds, int have_redis)
{
	double		 ratio[MAX_ROUNDS];
	struct stat3	 st3;
	int		 i, many = s->batch > 1;

	printf("%s\n", s->label);
	printf("  %-14s %10.0f req/s %11.0f codes/s  p50 %7.1f  p99 %7.1f  "
	    "p99.9 %8.1f us  CPU %6.2f us/req\n", "hcpcsd",
	    MED(h, rounds, rps), MED(h, rounds, cps), MED(h, rounds, p50),
	    MED(h, rounds, p99), MED(h, rounds, p999), MED(h, rounds, cpu));
	if (!have_redis)
		return 0;
	printf("  %-14s %10.0f req/s %11.0f codes/s  p50 %7.1f  p99 %7.1f  "
	    "p99.9 %8.1f us  CPU %6.2f us/req\n", "redis",
	    MED(r, rounds, rps), MED(r, rounds, cps), MED(r, rounds, p50),
	    MED(r, rounds, p99), MED(r, rounds, p999), MED(r, rounds, cpu));
	for (i = 0; i < rounds; i++)
		ratio[i] = h[i].rps / r[i].rps;
	st3 = stat3(ratio, rounds);
	printf("  %-14s %.2fx median (min %.2fx, max %.2fx over %d rounds)",
	    "hcpcsd/redis", st3.med, st3.min, st3.max, rounds);
	if (many)
		printf("; CPU per code %.3f / %.3f us",
		    MED(h, rounds, cpu) / s->batch,
		    MED(r, rounds, cpu) / s->batch);
	printf("\n");
	return st3.med;
}

int
main(int argc, char *argv[])
{
	static struct result res[MAX_ROUNDS][NSHAPES][2], echo[MAX_ROUNDS];
	struct result	 hs[MAX_ROUNDS], rs[MAX_ROUNDS], base, loaded;
	struct codes	 cs = { NULL, 0, 0 };
	struct opts	 o;
	struct reloads	 rl;
	struct stat3	 rst;
	double		 ratio[NSHAPES], hcpu[NSHAPES], rcpu[NSHAPES], floor1,
			 ms[1000], fl[MAX_ROUNDS], load_ms[20];
	long		 rss0, rss1, rssmax;
	int		 have_redis, have_echo, i, k, rounds;

	if (argc == 2 && strcmp(argv[1], "--selftest") == 0)
		return selftest();
	if (argc == 3 && strcmp(argv[1], "--echo-server") == 0)
		return echo_server(argv[2]);
	memset(&o, 0, sizeof(o));
	parse_args(argc, argv, &o);
	have_redis = o.r.path != NULL;
	have_echo = o.e.path != NULL;
	rounds = o.rounds;

	load_codes(o.codes, &cs);
	i = (int)cs.n;
	fetch_records(o.h.path, &cs);
	if (cs.n < BATCH) {
		fprintf(stderr, "loadgen: only %zu codes have a record\n",
		    cs.n);
		return 1;
	}
	printf("codes: %zu of %d in the list have a record; %.0f bytes per "
	    "record on average (%zu bytes in all)\n", cs.n, i,
	    (double)cs.recbytes / (double)cs.n, cs.recbytes);
	if (have_redis) {
		load_redis(o.r.path, &cs);
		printf("redis: loaded %zu keys, each the bytes of hcpcsd's "
		    "lookup result for that code\n", cs.n);
	}
	rss0 = proc_rss_kb(o.h.pid);
	printf("%d rounds x %.1f s per shape and server (+%.1f s warm-up), "
	    "%d generator thread(s); every reply checked\n\n", rounds,
	    o.seconds, WARM_S, o.threads);
	fflush(stdout);

	for (k = 0; k < rounds; k++) {
		for (i = 0; i < NSHAPES; i++) {
			if (run_shape(&cs, &o.h, &shapes[i], o.threads,
			    o.seconds, NULL, NULL, &res[k][i][0]) == -1)
				return 1;
			print_run(k + 1, &shapes[i], &o.h, &res[k][i][0]);
			if (!have_redis)
				continue;
			if (run_shape(&cs, &o.r, &shapes[i], o.threads,
			    o.seconds, NULL, NULL, &res[k][i][1]) == -1)
				return 1;
			print_run(k + 1, &shapes[i], &o.r, &res[k][i][1]);
		}
		if (have_echo) {
			if (run_shape(&cs, &o.e, &shapes[0], o.threads,
			    o.seconds, NULL, NULL, &echo[k]) == -1)
				return 1;
			print_run(k + 1, &shapes[0], &o.e, &echo[k]);
		}
	}

	printf("\n== summary: medians over %d rounds ==\n", rounds);
	for (i = 0; i < NSHAPES; i++) {
		for (k = 0; k < rounds; k++) {
			hs[k] = res[k][i][0];
			rs[k] = res[k][i][1];
		}
		ratio[i] = summarize(&shapes[i], hs, rs, rounds, have_redis);
		hcpu[i] = MED(hs, rounds, cpu);
		rcpu[i] = MED(rs, rounds, cpu);
	}
	floor1 = 0;
	if (have_echo) {
		for (k = 0; k < rounds; k++)
			fl[k] = res[k][0][0].rps / echo[k].rps;
		rst = stat3(fl, rounds);
		floor1 = rst.med;
		printf("raw socket floor (echo server, 1 client x 1 in flight, "
		    "the lookup request's bytes back)\n");
		printf("  %-14s %10.0f req/s  p50 %7.1f  p99 %7.1f  p99.9 "
		    "%8.1f us  CPU %6.2f us/req\n", "echo",
		    MED(echo, rounds, rps), MED(echo, rounds, p50),
		    MED(echo, rounds, p99), MED(echo, rounds, p999),
		    MED(echo, rounds, cpu));
		printf("  hcpcsd 1x1 at %.2f of the floor median (min %.2f, "
		    "max %.2f)\n", rst.med, rst.min, rst.max);
	}

	/* Reloads: idle, then under a steady pipelined load. */
	memset(&rl, 0, sizeof(rl));
	rl.pid = o.h.pid;
	rl.path = o.h.path;
	rl.n = o.reloads;
	rl.ms = ms;
	rst.med = -1;
	if (o.reloads > 0) {
		do_reloads(&rl);
		if (rl.failed)
			return 1;
		rst = stat3(ms, o.reloads > 64 ? 64 : o.reloads);
		printf("reload (SIGHUP to the new generation in info, idle): "
		    "median %.1f ms (min %.1f, max %.1f, %d reloads)\n",
		    rst.med, rst.min, rst.max, o.reloads);
	}
	if (run_shape(&cs, &o.h, &shapes[2], o.threads, o.seconds, NULL, NULL,
	    &base) == -1)
		return 1;
	rl.n = 20;
	rl.ms = load_ms;
	if (run_shape(&cs, &o.h, &shapes[2], o.threads, 0, do_reloads, &rl,
	    &loaded) == -1 || rl.failed)
		return 1;
	printf("1 client x 64 pipelined, without reloads: %.0f req/s, p99.9 "
	    "%.1f us; during 20 reloads: %.0f req/s (%+.0f%%), p99.9 %.1f us "
	    "(reload median %.1f ms)\n", base.rps, base.p999, loaded.rps,
	    (loaded.rps / base.rps - 1) * 100, loaded.p999,
	    stat3(load_ms, 20).med);
	rss1 = proc_rss_kb(o.h.pid);
	rssmax = rss0 > rss1 ? rss0 : rss1;
	printf("hcpcsd RSS: %.1f MiB after loading, %.1f MiB after the bench; "
	    "data files %.1f MiB (the larger RSS is %.2fx)\n", rss0 / 1024.0,
	    rss1 / 1024.0, (double)o.data_bytes / 1048576.0,
	    o.data_bytes > 0 ? rssmax * 1024.0 / (double)o.data_bytes : 0);
	printf("in-process path (libhcpcs reading the shared snapshot): not "
	    "yet implemented (issue 8 section 2); nothing measured\n");

	printf("\n== goals (issue 8), from the medians above ==\n");
	if (have_redis) {
		static const double want[NSHAPES] = { 1.15, 1.25, 2, 2, 1.5 };
		static const char *const gname[NSHAPES] = {
			"1x1 >= 1.15x Redis", "50x1 >= 1.25x Redis",
			"1x64 >= 2x Redis", "50x64 >= 2x Redis",
			"lookup_many(100) >= 1.5x MGET(100), codes/s",
		};

		for (i = 0; i < NSHAPES; i++) {
			printf("%s: %.2fx %s\n", gname[i], ratio[i],
			    verdict(ratio[i] >= want[i]));
			if (i == 0 && have_echo) {
				printf("1x1 >= 0.75 of the ping-pong floor: "
				    "%.2f %s\n", floor1,
				    verdict(floor1 >= 0.75));
			}
		}
		for (i = 0; i < NSHAPES; i++) {
			printf("CPU per request below Redis's, %s: %.2f vs "
			    "%.2f us %s\n", shapes[i].name, hcpu[i], rcpu[i],
			    verdict(hcpu[i] < rcpu[i]));
		}
	} else
		printf("ratios to Redis: not measured (no redis-server)\n");
	if (rst.med >= 0)
		printf("reload, both real files, < 100 ms: %.1f ms %s\n",
		    rst.med, o.real ? verdict(rst.med < 100) :
		    "n/a (sample data)");
	printf("p99.9 during 20 reloads within 2x of without: %.1f vs %.1f "
	    "us (%.2fx) %s\n", loaded.p999, base.p999,
	    loaded.p999 / base.p999, verdict(loaded.p999 <= 2 * base.p999));
	if (o.data_bytes > 0)
		printf("RSS with both real files < 3x their size: %.2fx %s\n",
		    rssmax * 1024.0 / (double)o.data_bytes, o.real ?
		    verdict(rssmax * 1024.0 < 3.0 * (double)o.data_bytes) :
		    "n/a (sample data)");
	printf("workers default chosen from 1, 2 and 4 CPUs: not measured by "
	    "make bench\n");
	printf("in-process >= 50x Redis 1x1 GET, p99 < 2 us: not yet "
	    "implemented\n");
	fflush(stdout);
	codes_free_records(&cs);
	free(cs.v);
	return 0;
}
