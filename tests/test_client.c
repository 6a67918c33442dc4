/*
 * test_client.c: libhcpcs against a fake server.  Each test starts a
 * thread that listens on a private Unix socket, accepts one client and
 * replays canned MessagePack replies, so the library's request
 * encoding, reply decoding, pipelining, sticky errors and timeouts are
 * checked without hcpcsd.  The check of the server's uid
 * (hcpcs_options.expect) needs a server of another uid: a child that
 * drops to nobody and listens (run as root; skipped otherwise).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "classify.h"
#include "hcpcs.h"
#include "hcpcs_int.h"
#include "record.h"
#include "snapshot.h"
#include "t.h"

struct srv;
typedef void (*srv_fn)(struct srv *);

struct srv {
	char		 dir[64];
	char		 path[128];
	int		 lfd;
	int		 fd;
	srv_fn		 fn;
	pthread_t	 th;
	msgpack_unpacker unp;
	unsigned char	 raw[4096];	/* first bytes received */
	size_t		 nraw;
	int		 nreq;		/* requests read */
	uint32_t	 msgid;		/* of the last request read */
	char		 method[32];
	const unsigned char *reply;	/* sc_canned's result */
	size_t		 replylen;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read the next request; 0, or -1 at EOF. */
static int
srv_next(struct srv *s)
{
	msgpack_unpacked u;
	msgpack_object	*a;
	ssize_t		 n;
	int		 rc;

	msgpack_unpacked_init(&u);
	while ((rc = msgpack_unpacker_next(&s->unp, &u)) ==
	    MSGPACK_UNPACK_CONTINUE) {
		msgpack_unpacker_reserve_buffer(&s->unp, 4096);
		n = recv(s->fd, msgpack_unpacker_buffer(&s->unp),
		    msgpack_unpacker_buffer_capacity(&s->unp), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			msgpack_unpacked_destroy(&u);
			return -1;
		}
		if (s->nraw < sizeof(s->raw)) {
			size_t k = (size_t)n < sizeof(s->raw) - s->nraw ?
			    (size_t)n : sizeof(s->raw) - s->nraw;
			memcpy(s->raw + s->nraw,
			    msgpack_unpacker_buffer(&s->unp), k);
			s->nraw += k;
		}
		msgpack_unpacker_buffer_consumed(&s->unp, (size_t)n);
	}
	if (rc != MSGPACK_UNPACK_SUCCESS) {
		msgpack_unpacked_destroy(&u);
		return -1;
	}
	a = u.data.via.array.ptr;
	s->msgid = (uint32_t)a[1].via.u64;
	snprintf(s->method, sizeof(s->method), "%.*s",
	    (int)a[2].via.str.size, a[2].via.str.ptr);
	s->nreq++;
	msgpack_unpacked_destroy(&u);
	return 0;
}

static void
srv_send(struct srv *s, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
ps(msgpack_packer *pk, const char *str)
{
	msgpack_pack_str(pk, strlen(str));
	msgpack_pack_str_body(pk, str, strlen(str));
}

/* Start a response to msgid: [1, msgid, nil, <caller packs result>. */
static void
srv_begin(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t msgid)
{
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_nil(pk);
}

static void
srv_end(struct srv *s, msgpack_sbuffer *sb)
{
	srv_send(s, sb->data, sb->size);
	msgpack_sbuffer_destroy(sb);
}

static void
srv_reply_str(struct srv *s, uint32_t msgid, const char *str)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	srv_begin(&sb, &pk, msgid);
	ps(&pk, str);
	srv_end(s, &sb);
}

static void
srv_reply_error(struct srv *s, uint32_t msgid, const char *code,
    const char *msg)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_map(&pk, 2);
	ps(&pk, "code");
	ps(&pk, code);
	ps(&pk, "message");
	ps(&pk, msg);
	msgpack_pack_nil(&pk);
	srv_end(s, &sb);
}

/* A record map like the server's, for code (kind procedure). */
static void
pack_record(msgpack_packer *pk, const char *code, const char *status)
{
	msgpack_pack_map(pk, 13);
	ps(pk, "code");
	ps(pk, code);
	ps(pk, "set");
	ps(pk, "cms");
	ps(pk, "kind");
	ps(pk, "procedure");
	ps(pk, "level");
	msgpack_pack_int(pk, 2);
	ps(pk, "short");
	ps(pk, "Outside state ambulance serv");
	ps(pk, "long");
	ps(pk, "Ambulance service, outside state per mile, transport "
	    "(medicaid only)");
	ps(pk, "added");
	ps(pk, "1984-01-01");
	ps(pk, "terminated");
	ps(pk, "2019-12-31");
	ps(pk, "pricing");
	msgpack_pack_array(pk, 2);
	ps(pk, "00");
	ps(pk, "11");
	ps(pk, "tos");
	msgpack_pack_array(pk, 1);
	ps(pk, "D");
	ps(pk, "anesthesia_units");
	msgpack_pack_int(pk, 0);
	ps(pk, "raw");
	msgpack_pack_map(pk, 1);
	ps(pk, "asc_date");
	ps(pk, "170401  ");
	ps(pk, "status");
	ps(pk, status);
}

static void *
srv_main(void *arg)
{
	struct srv	*s = arg;

	s->fd = accept(s->lfd, NULL, NULL);
	if (s->fd != -1) {
		s->fn(s);
		close(s->fd);
	}
	return NULL;
}

/* Start a fake server; reply (len bytes) is what sc_canned answers. */
static void
srv_start_reply(struct srv *s, srv_fn fn, const void *reply, size_t len)
{
	struct sockaddr_un sun;

	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->reply = reply;
	s->replylen = len;
	snprintf(s->dir, sizeof(s->dir), "%s", t_mkdtemp("client"));
	snprintf(s->path, sizeof(s->path), "%s/s.sock", s->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, s->path, strlen(s->path) + 1);
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->lfd == -1 || bind(s->lfd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1 || listen(s->lfd, 4) == -1) {
		perror("fake server");
		exit(2);
	}
	msgpack_unpacker_init(&s->unp, 4096);
	pthread_create(&s->th, NULL, srv_main, s);
}

static void
srv_start(struct srv *s, srv_fn fn)
{
	srv_start_reply(s, fn, NULL, 0);
}

static void
srv_stop(struct srv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	msgpack_unpacker_destroy(&s->unp);
	unlink(s->path);
	rmdir(s->dir);
}

static struct hcpcs *
client(struct srv *s, int timeout_ms)
{
	struct hcpcs_options o;
	struct hcpcs	*c;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.socket_path = s->path;
	o.timeout_ms = timeout_ms;
	c = hcpcs_connect(&o);
	T_OK(c != NULL);
	if (c == NULL)
		exit(2);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	return c;
}

/* ---- scenarios ---- */

static void
sc_lookup(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	pack_record(&pk, "A0021", "terminated");
	srv_end(s, &sb);
	if (srv_next(s) == -1)	/* lookup of an unknown code */
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_nil(&pk);
	srv_end(s, &sb);
	while (srv_next(s) == 0)
		;
}

static void
test_lookup(void)
{
	/* [0, 1, "lookup", ["A0021", {"set": "cms", "as_of": "2020-01-01"}]] */
	static const unsigned char want[] = {
		0x94, 0x00, 0x01, 0xa6, 'l', 'o', 'o', 'k', 'u', 'p',
		0x92, 0xa5, 'A', '0', '0', '2', '1',
		0x82, 0xa3, 's', 'e', 't', 0xa3, 'c', 'm', 's',
		0xa5, 'a', 's', '_', 'o', 'f',
		0xaa, '2', '0', '2', '0', '-', '0', '1', '-', '0', '1',
	};
	struct hcpcs_query q;
	struct hcpcs_record *r;
	struct hcpcs	*c;
	struct srv	 s;

	srv_start(&s, sc_lookup);
	c = client(&s, 5000);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.set = "cms";
	q.as_of = "2020-01-01";
	q.limit = 7;		/* search-only: not sent by lookup */
	T_EQ_INT(hcpcs_lookup(c, "A0021", &q, &r), 1);
	T_EQ_INT(s.nraw, sizeof(want));
	T_OK(s.nraw == sizeof(want) && memcmp(s.raw, want, sizeof(want)) == 0);
	T_OK(r != NULL);
	if (r != NULL) {
		T_EQ_STR(r->code, "A0021");
		T_EQ_STR(r->set, "cms");
		T_EQ_STR(r->kind, "procedure");
		T_EQ_INT(r->level, 2);
		T_EQ_STR(r->short_desc, "Outside state ambulance serv");
		T_EQ_STR(r->added, "1984-01-01");
		T_OK(r->effective == NULL);
		T_EQ_STR(r->terminated, "2019-12-31");
		T_EQ_INT(r->npricing, 2);
		T_EQ_STR(r->pricing[1], "11");
		T_EQ_INT(r->ntos, 1);
		T_EQ_STR(r->tos[0], "D");
		T_EQ_INT(r->nxref, 0);
		T_EQ_INT(r->anesthesia_units, 0);
		T_EQ_INT(r->nraw, 1);
		T_EQ_STR(r->raw_keys[0], "asc_date");
		T_EQ_STR(r->raw_values[0], "170401  ");
		T_EQ_STR(r->status, "terminated");
	}
	T_EQ_INT(hcpcs_lookup(c, "A9999", NULL, &r), 0);
	T_OK(r == NULL);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	hcpcs_free(c);
	srv_stop(&s);
}

/* Read three requests before answering any; answer byte by byte. */
static void
sc_pipeline(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	uint32_t	ids[3];
	size_t		i;
	int		k;

	for (k = 0; k < 3; k++) {
		if (srv_next(s) == -1)
			return;
		ids[k] = s->msgid;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (k = 0; k < 3; k++) {
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint8(&pk, 1);
		msgpack_pack_uint32(&pk, ids[k]);
		msgpack_pack_nil(&pk);
		if (k == 1) {
			msgpack_pack_array(&pk, 3);
			pack_record(&pk, "A0021", "active");
			msgpack_pack_nil(&pk);
			pack_record(&pk, "B4034", "active");
		} else
			ps(&pk, "pong");
	}
	for (i = 0; i < sb.size; i++)
		srv_send(s, sb.data + i, 1);
	msgpack_sbuffer_destroy(&sb);
	while (srv_next(s) == 0)
		;
}

static void
test_pipeline(void)
{
	static const char *const codes[] = { "A0021", "ZZZZZ", "B4034" };
	/* [] pre-encoded */
	static const unsigned char empty[] = { 0x90 };
	struct hcpcs_value *v;
	struct hcpcs_record **recs;
	struct hcpcs	*c;
	struct srv	 s;

	srv_start(&s, sc_pipeline);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_append(c, "ping", empty, sizeof(empty)), 0);
	T_EQ_INT(hcpcs_appendf(c, "lookup_many", "aq", codes, (size_t)3,
	    (const struct hcpcs_query *)NULL), 0);
	T_EQ_INT(hcpcs_appendf(c, "ping", ""), 0);
	T_EQ_INT(hcpcs_pending(c), 3);
	/* A typed call now would read someone else's reply. */
	T_EQ_INT(hcpcs_search(c, "x", NULL, &recs), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_OTHER);
	hcpcs_free(c);
	srv_stop(&s);

	srv_start(&s, sc_pipeline);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_append(c, "ping", "\x91", 1), -1);	/* truncated */
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_OTHER);
	hcpcs_free(c);
	srv_stop(&s);

	srv_start(&s, sc_pipeline);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_append(c, "ping", empty, sizeof(empty)), 0);
	T_EQ_INT(hcpcs_appendf(c, "lookup_many", "aq", codes, (size_t)3,
	    (const struct hcpcs_query *)NULL), 0);
	T_EQ_INT(hcpcs_appendf(c, "ping", ""), 0);
	T_EQ_INT(hcpcs_get_reply(c, &v), 0);
	T_OK(v != NULL && v->type == HCPCS_T_STR && strcmp(v->s, "pong") == 0);
	hcpcs_value_free(v);
	T_EQ_INT(hcpcs_get_reply(c, &v), 0);
	T_OK(v != NULL && v->type == HCPCS_T_ARRAY && v->n == 3);
	if (v != NULL && v->n == 3) {
		T_EQ_INT(v->elems[1].type, HCPCS_T_NIL);
		T_EQ_STR(hcpcs_value_get(&v->elems[2], "code")->s, "B4034");
		T_EQ_INT(hcpcs_value_get(&v->elems[0], "level")->i, 2);
		T_OK(hcpcs_value_get(&v->elems[0], "nope") == NULL);
	}
	hcpcs_value_free(v);
	T_EQ_INT(hcpcs_pending(c), 1);
	T_EQ_INT(hcpcs_get_reply(c, NULL), 0);
	T_EQ_INT(hcpcs_pending(c), 0);
	T_EQ_INT(s.nreq, 3);
	T_EQ_INT(hcpcs_get_reply(c, &v), -1);	/* nothing pending */
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_OTHER);
	hcpcs_free(c);
	srv_stop(&s);
}

/* Every request gets an immediate 1 KiB reply. */
static void
sc_flood(struct srv *s)
{
	char	big[1024];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	while (srv_next(s) == 0)
		srv_reply_str(s, s->msgid, big);
}

/*
 * 20,000 requests queued before the first read: the server's replies
 * fill the socket while the client still writes, which deadlocks a
 * client that only reads after writing everything.
 */
static void
test_long_pipeline(void)
{
	struct hcpcs_value *v;
	struct hcpcs	*c;
	struct srv	 s;
	int		 i, bad = 0;

	srv_start(&s, sc_flood);
	c = client(&s, 10000);
	for (i = 0; i < 20000; i++)
		if (hcpcs_appendf(c, "ping", "") == -1)
			bad++;
	for (i = 0; i < 20000; i++) {
		if (hcpcs_get_reply(c, &v) == -1) {
			bad++;
			break;
		}
		if (v->type != HCPCS_T_STR || v->len != 1023)
			bad++;
		hcpcs_value_free(v);
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	hcpcs_free(c);
	srv_stop(&s);
	T_EQ_INT(s.nreq, 20000);
}

static void
sc_errors(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (srv_next(s) == -1)
		return;
	srv_reply_error(s, s->msgid, "invalid_code", "not a code: \"12\"");
	if (srv_next(s) == -1)
		return;
	srv_reply_str(s, s->msgid, "pong");
	if (srv_next(s) == -1)	/* validate */
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 5);
	ps(&pk, "valid");
	msgpack_pack_false(&pk);
	ps(&pk, "code");
	ps(&pk, "G0503");
	ps(&pk, "status");
	ps(&pk, "terminated");
	ps(&pk, "reason");
	ps(&pk, "terminated");
	ps(&pk, "set");
	ps(&pk, "cms");
	srv_end(s, &sb);
	if (srv_next(s) == -1)	/* then the server goes away */
		return;
}

static void
test_errors(void)
{
	struct hcpcs_classification *k;
	struct hcpcs_validation *val;
	struct hcpcs	*c;
	struct srv	 s;
	long long	 t0;

	srv_start(&s, sc_errors);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_classify(c, "12", &k), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_SERVER);
	T_EQ_STR(hcpcs_server_error_code(c), "invalid_code");
	T_EQ_STR(hcpcs_server_error_message(c), "not a code: \"12\"");
	T_EQ_STR(hcpcs_errstr(c), "invalid_code: not a code: \"12\"");
	/* Not sticky: the next call works and clears it. */
	T_EQ_INT(hcpcs_ping(c), 0);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	T_OK(hcpcs_server_error_code(c) == NULL);
	T_EQ_INT(hcpcs_validate(c, "g0503", "2019-06-01", NULL, &val), 0);
	T_EQ_INT(val->valid, 0);
	T_EQ_STR(val->reason, "terminated");
	T_EQ_STR(val->status, "terminated");
	T_EQ_STR(val->set, "cms");
	/* The server reads this one and closes: EOF, and it sticks. */
	T_EQ_INT(hcpcs_ping(c), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_EOF);
	t0 = now_ms();
	T_EQ_INT(hcpcs_ping(c), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_EOF);
	T_EQ_INT(hcpcs_appendf(c, "ping", ""), -1);
	T_OK(now_ms() - t0 < 100);
	T_EQ_STR(hcpcs_strerror(HCPCS_ERR_EOF), "connection closed by server");
	hcpcs_free(c);
	srv_stop(&s);
}

/* Reads requests and never answers, until the client leaves. */
static void
sc_silent(struct srv *s)
{
	while (srv_next(s) == 0)
		;
}

/* A notification every 20 ms for 2 s, never a reply. */
static void
sc_chatty(struct srv *s)
{
	static const char note[] = "\x93\x02\xa4tick\x90";
	int		i;

	if (srv_next(s) == -1)
		return;
	for (i = 0; i < 100; i++) {
		srv_send(s, note, sizeof(note) - 1);
		usleep(20000);
	}
	sc_silent(s);
}

static void
test_timeout(void)
{
	struct hcpcs_info *inf;
	struct hcpcs	*c;
	struct srv	 s;
	long long	 t0, dt;

	srv_start(&s, sc_silent);
	c = client(&s, 200);
	t0 = now_ms();
	T_EQ_INT(hcpcs_info(c, &inf), -1);
	dt = now_ms() - t0;
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_TIMEOUT);
	T_OK(dt >= 190 && dt < 3000);
	T_OK(strstr(hcpcs_errstr(c), "200 ms") != NULL);
	/* Sticky: fails at once. */
	t0 = now_ms();
	T_EQ_INT(hcpcs_ping(c), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_TIMEOUT);
	T_OK(now_ms() - t0 < 100);
	hcpcs_free(c);
	srv_stop(&s);

	/* Notifications do not push the reply's deadline back. */
	srv_start(&s, sc_chatty);
	c = client(&s, 200);
	t0 = now_ms();
	T_EQ_INT(hcpcs_ping(c), -1);
	dt = now_ms() - t0;
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_TIMEOUT);
	T_OK(dt >= 190 && dt < 1000);
	hcpcs_free(c);
	srv_stop(&s);
}

static void
sc_garbage(struct srv *s)
{
	if (srv_next(s) == 0)
		srv_send(s, "\xc1\xc1\xc1", 3);	/* 0xc1: never used */
	sc_silent(s);
}

static void
sc_wrong_msgid(struct srv *s)
{
	if (srv_next(s) == 0)
		srv_reply_str(s, s->msgid + 5, "pong");
	sc_silent(s);
}

static void
sc_not_response(struct srv *s)
{
	if (srv_next(s) == 0)
		srv_send(s, "\xa4pong", 5);	/* a bare string */
	sc_silent(s);
}

static void
test_protocol(void)
{
	static const srv_fn fns[] = {
		sc_garbage, sc_wrong_msgid, sc_not_response
	};
	struct hcpcs	*c;
	struct srv	 s;
	size_t		 i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		srv_start(&s, fns[i]);
		c = client(&s, 2000);
		T_EQ_INT(hcpcs_ping(c), -1);
		T_EQ_INT(hcpcs_err(c), HCPCS_ERR_PROTOCOL);
		T_EQ_INT(hcpcs_ping(c), -1);
		T_EQ_INT(hcpcs_err(c), HCPCS_ERR_PROTOCOL);
		hcpcs_free(c);
		srv_stop(&s);
	}
}

static void
sc_typed(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	/* search */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_array(&pk, 2);
	pack_record(&pk, "A0021", "active");
	pack_record(&pk, "A0080", "active");
	srv_end(s, &sb);
	/* info */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 5);
	ps(&pk, "version");
	ps(&pk, "0.1.0");
	ps(&pk, "started_at");
	ps(&pk, "2026-01-02T03:04:05Z");
	ps(&pk, "generation");
	msgpack_pack_int(&pk, 1);
	ps(&pk, "sets");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 7);
	ps(&pk, "name");
	ps(&pk, "cms");
	ps(&pk, "format");
	ps(&pk, "cms-anweb");
	ps(&pk, "path");
	ps(&pk, "/data/x.txt");
	ps(&pk, "records");
	msgpack_pack_int(&pk, 6710);
	ps(&pk, "modifiers");
	msgpack_pack_int(&pk, 369);
	ps(&pk, "loaded_at");
	ps(&pk, "2026-01-02T03:04:05Z");
	ps(&pk, "sha256");
	ps(&pk, "e7f6");
	ps(&pk, "last_reload");
	msgpack_pack_map(&pk, 3);
	ps(&pk, "ok");
	msgpack_pack_true(&pk);
	ps(&pk, "at");
	msgpack_pack_nil(&pk);
	ps(&pk, "error");
	msgpack_pack_nil(&pk);
	srv_end(s, &sb);
	/* reload */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 3);
	ps(&pk, "ok");
	msgpack_pack_false(&pk);
	ps(&pk, "generation");
	msgpack_pack_int(&pk, 1);
	ps(&pk, "error");
	ps(&pk, "cms: x.txt: no such file");
	srv_end(s, &sb);
	/* classify */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 6);
	ps(&pk, "code");
	ps(&pk, "0001U");
	ps(&pk, "system");
	ps(&pk, "CPT");
	ps(&pk, "level");
	msgpack_pack_int(&pk, 1);
	ps(&pk, "category");
	ps(&pk, "PLA");
	ps(&pk, "kind");
	ps(&pk, "procedure");
	ps(&pk, "maintainer");
	ps(&pk, "AMA");
	srv_end(s, &sb);
	sc_silent(s);
}

static void
test_typed(void)
{
	struct hcpcs_classification *k;
	struct hcpcs_record **recs;
	struct hcpcs_reload *rl;
	struct hcpcs_info *inf;
	struct hcpcs_query q;
	struct hcpcs	*c;
	struct srv	 s;
	/* [0, 1, "search", ["amb", {"limit": 2, "include_terminated": true}]] */
	static const unsigned char want[] = {
		0x94, 0x00, 0x01, 0xa6, 's', 'e', 'a', 'r', 'c', 'h',
		0x92, 0xa3, 'a', 'm', 'b', 0x82,
		0xa5, 'l', 'i', 'm', 'i', 't', 0x02,
		0xb2, 'i', 'n', 'c', 'l', 'u', 'd', 'e', '_', 't', 'e', 'r',
		'm', 'i', 'n', 'a', 't', 'e', 'd', 0xc3,
	};

	srv_start(&s, sc_typed);
	c = client(&s, 5000);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.limit = 2;
	q.include_terminated = 1;
	T_EQ_INT(hcpcs_search(c, "amb", &q, &recs), 2);
	T_OK(s.nraw == sizeof(want) && memcmp(s.raw, want, sizeof(want)) == 0);
	T_EQ_STR(recs[0]->code, "A0021");
	T_EQ_STR(recs[1]->code, "A0080");
	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_STR(inf->version, "0.1.0");
	T_EQ_INT(inf->generation, 1);
	T_EQ_INT(inf->nsets, 1);
	T_EQ_STR(inf->sets[0].name, "cms");
	T_EQ_STR(inf->sets[0].format, "cms-anweb");
	T_EQ_INT(inf->sets[0].records, 6710);
	T_EQ_INT(inf->sets[0].modifiers, 369);
	T_EQ_INT(inf->last_reload.ok, 1);
	T_OK(inf->last_reload.at == NULL);
	T_EQ_INT(hcpcs_reload(c, &rl), 0);
	T_EQ_INT(rl->ok, 0);
	T_EQ_STR(rl->error, "cms: x.txt: no such file");
	T_EQ_INT(hcpcs_classify(c, "0001u", &k), 0);
	T_EQ_STR(k->system, "CPT");
	T_EQ_INT(k->level, 1);
	T_EQ_STR(k->category, "PLA");
	T_OK(k->section == NULL);
	T_EQ_STR(k->maintainer, "AMA");
	hcpcs_free(c);
	srv_stop(&s);
}

static void
pack_strs(msgpack_packer *pk, const char *const *v, size_t n)
{
	size_t	i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		ps(pk, v[i]);
}

static void
pack_release(msgpack_packer *pk, const char *path, const char *eff,
    int eauto, int in_force, int records, const char *sha)
{
	msgpack_pack_map(pk, 8);
	ps(pk, "path");
	ps(pk, path);
	ps(pk, "effective");
	if (eff != NULL)
		ps(pk, eff);
	else
		msgpack_pack_nil(pk);
	ps(pk, "effective_auto");
	if (eauto)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	ps(pk, "in_force");
	if (in_force)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	ps(pk, "records");
	msgpack_pack_int(pk, records);
	ps(pk, "modifiers");
	msgpack_pack_int(pk, 360);
	ps(pk, "sha256");
	ps(pk, sha);
	ps(pk, "loaded_at");
	ps(pk, "2026-01-02T03:04:05Z");
}

/* lookup with release, validate no_release, info with releases, diff. */
static void
sc_releases(struct srv *s)
{
	static const char *const added[] = { "C1890", "DA", "G2001" };
	static const char *const term[] = { "C9034", "G0501" };
	static const char *const f1[] = { "long", "short" };
	static const char *const f2[] = { "asc_date" };
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	/* lookup: a record map with release right after set */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 4);
	ps(&pk, "code");
	ps(&pk, "C9034");
	ps(&pk, "set");
	ps(&pk, "hcpcs");
	ps(&pk, "release");
	ps(&pk, "2019-01-01");
	ps(&pk, "status");
	ps(&pk, "active");
	srv_end(s, &sb);
	/* validate: no_release */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 4);
	ps(&pk, "valid");
	msgpack_pack_false(&pk);
	ps(&pk, "code");
	ps(&pk, "C9034");
	ps(&pk, "status");
	msgpack_pack_nil(&pk);
	ps(&pk, "reason");
	ps(&pk, "no_release");
	srv_end(s, &sb);
	/* validate: ok, with set and release, and stale */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 7);
	ps(&pk, "valid");
	msgpack_pack_true(&pk);
	ps(&pk, "code");
	ps(&pk, "C9034");
	ps(&pk, "set");
	ps(&pk, "hcpcs");
	ps(&pk, "release");
	ps(&pk, "2019-01-01");
	ps(&pk, "status");
	ps(&pk, "active");
	ps(&pk, "reason");
	ps(&pk, "ok");
	ps(&pk, "stale");
	msgpack_pack_true(&pk);
	srv_end(s, &sb);
	/* validate: no_set_for_code, with its message */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 5);
	ps(&pk, "valid");
	msgpack_pack_false(&pk);
	ps(&pk, "code");
	ps(&pk, "99213");
	ps(&pk, "status");
	msgpack_pack_nil(&pk);
	ps(&pk, "reason");
	ps(&pk, "no_set_for_code");
	ps(&pk, "message");
	ps(&pk, "no loaded set holds CPT codes");
	srv_end(s, &sb);
	/* info */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 6);
	ps(&pk, "version");
	ps(&pk, "0.2.0");
	ps(&pk, "started_at");
	ps(&pk, "2026-01-02T03:04:05Z");
	ps(&pk, "generation");
	msgpack_pack_int(&pk, 4);
	ps(&pk, "sets");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 9);
	ps(&pk, "name");
	ps(&pk, "hcpcs");
	ps(&pk, "format");
	ps(&pk, "cms-anweb");
	ps(&pk, "path");
	ps(&pk, "/d/2020.txt");
	ps(&pk, "records");
	msgpack_pack_int(&pk, 6710);
	ps(&pk, "modifiers");
	msgpack_pack_int(&pk, 369);
	ps(&pk, "loaded_at");
	ps(&pk, "2026-01-02T03:04:05Z");
	ps(&pk, "sha256");
	ps(&pk, "e7f6");
	ps(&pk, "min_records");
	msgpack_pack_int(&pk, 6000);
	ps(&pk, "releases");
	msgpack_pack_array(&pk, 2);
	pack_release(&pk, "/d/2019.txt", "2019-01-01", 0, 0, 6431, "aa01");
	pack_release(&pk, "/d/2020.txt", "2020-01-01", 1, 1, 6710, "e7f6");
	ps(&pk, "last_reload");
	msgpack_pack_map(&pk, 3);
	ps(&pk, "ok");
	msgpack_pack_false(&pk);
	ps(&pk, "at");
	ps(&pk, "2026-01-02T04:00:00Z");
	ps(&pk, "error");
	ps(&pk, "hcpcs: /d/2021.txt: sha256 mismatch");
	ps(&pk, "stats");
	msgpack_pack_map(&pk, 9);
	ps(&pk, "requests");
	msgpack_pack_map(&pk, 3);
	ps(&pk, "lookup");
	msgpack_pack_int(&pk, 12);
	ps(&pk, "diff");
	msgpack_pack_int(&pk, 2);
	ps(&pk, "unknown");
	msgpack_pack_int(&pk, 1);
	ps(&pk, "notifications");
	msgpack_pack_int(&pk, 5);
	ps(&pk, "errors");
	msgpack_pack_map(&pk, 2);
	ps(&pk, "bad_request");
	msgpack_pack_int(&pk, 3);
	ps(&pk, "invalid_code");
	msgpack_pack_int(&pk, 0);
	ps(&pk, "connections_current");
	msgpack_pack_int(&pk, 2);
	ps(&pk, "connections_total");
	msgpack_pack_int(&pk, 17);
	ps(&pk, "connections_rejected");
	msgpack_pack_int(&pk, 0);
	ps(&pk, "bytes_in");
	msgpack_pack_uint64(&pk, 5000000000ULL);
	ps(&pk, "bytes_out");
	msgpack_pack_int(&pk, 9000);
	ps(&pk, "reloads");
	msgpack_pack_map(&pk, 3);
	ps(&pk, "count");
	msgpack_pack_int(&pk, 3);
	ps(&pk, "failed");
	msgpack_pack_int(&pk, 1);
	ps(&pk, "last_duration_ms");
	msgpack_pack_int(&pk, 842);
	srv_end(s, &sb);
	/* diff */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 4);
	ps(&pk, "added");
	pack_strs(&pk, added, 3);
	ps(&pk, "removed");
	msgpack_pack_array(&pk, 0);
	ps(&pk, "terminated");
	pack_strs(&pk, term, 2);
	ps(&pk, "changed");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 2);
	ps(&pk, "code");
	ps(&pk, "A4216");
	ps(&pk, "fields");
	pack_strs(&pk, f1, 2);
	msgpack_pack_map(&pk, 2);
	ps(&pk, "code");
	ps(&pk, "G0130");
	ps(&pk, "fields");
	pack_strs(&pk, f2, 1);
	srv_end(s, &sb);
	/* diff of an unknown release */
	if (srv_next(s) == -1)
		return;
	srv_reply_error(s, s->msgid, "bad_request",
	    "set \"hcpcs\" has no release 2018-01-01");
	/* diff with a malformed result */
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_pack_map(&pk, 1);
	ps(&pk, "added");
	ps(&pk, "C1890");
	srv_end(s, &sb);
	sc_silent(s);
}

static void
test_releases(void)
{
	/* [0, 6, "diff", ["hcpcs", "2019-01-01", nil]] */
	static const unsigned char want_diff[] = {
		0x94, 0x00, 0x06, 0xa4, 'd', 'i', 'f', 'f',
		0x93, 0xa5, 'h', 'c', 'p', 'c', 's',
		0xaa, '2', '0', '1', '9', '-', '0', '1', '-', '0', '1',
		0xc0,
	};
	/* [0, 2, "validate", ["C9034", "2018-06-01"]] */
	static const unsigned char want_val[] = {
		0x94, 0x00, 0x02, 0xa8, 'v', 'a', 'l', 'i', 'd', 'a', 't', 'e',
		0x92, 0xa5, 'C', '9', '0', '3', '4',
		0xaa, '2', '0', '1', '8', '-', '0', '6', '-', '0', '1',
	};
	struct hcpcs_validation *v;
	struct hcpcs_record *r;
	struct hcpcs_info *inf;
	struct hcpcs_diff *d;
	struct hcpcs	*c;
	struct srv	 s;
	size_t		 off, len;

	srv_start(&s, sc_releases);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_lookup(c, "C9034", NULL, &r), 1);
	T_EQ_STR(r->set, "hcpcs");
	T_EQ_STR(r->release, "2019-01-01");
	T_EQ_STR(r->status, "active");

	off = s.nraw;
	T_EQ_INT(hcpcs_validate(c, "C9034", "2018-06-01", NULL, &v), 0);
	/* the server has read the request once it answered */
	len = s.nraw - off;
	T_OK(len == sizeof(want_val) &&
	    memcmp(s.raw + off, want_val, sizeof(want_val)) == 0);
	T_EQ_INT(v->valid, 0);
	T_EQ_STR(v->reason, "no_release");
	T_OK(v->status == NULL);
	T_OK(v->set == NULL);
	T_OK(v->release == NULL);
	T_EQ_INT(v->stale, 0);		/* absent: not stale */
	T_EQ_INT(hcpcs_validate(c, "C9034", "2019-06-01", NULL, &v), 1);
	T_EQ_STR(v->set, "hcpcs");
	T_EQ_STR(v->release, "2019-01-01");
	T_EQ_INT(v->stale, 1);
	T_OK(v->message == NULL);
	T_EQ_INT(hcpcs_validate(c, "99213", "2019-06-01", NULL, &v), 0);
	T_EQ_STR(v->reason, "no_set_for_code");
	T_EQ_STR(v->message, "no loaded set holds CPT codes");
	T_OK(v->set == NULL);
	T_EQ_INT(v->stale, 0);

	T_EQ_INT(hcpcs_info(c, &inf), 0);
	T_EQ_INT(inf->nsets, 1);
	T_EQ_INT(inf->sets[0].min_records, 6000);
	T_EQ_STR(inf->sets[0].path, "/d/2020.txt");
	T_EQ_INT(inf->sets[0].nreleases, 2);
	if (inf->sets[0].nreleases == 2) {
		const struct hcpcs_release_info *r0 = &inf->sets[0].releases[0];
		const struct hcpcs_release_info *r1 = &inf->sets[0].releases[1];

		T_EQ_STR(r0->path, "/d/2019.txt");
		T_EQ_STR(r0->effective, "2019-01-01");
		T_EQ_INT(r0->effective_auto, 0);
		T_EQ_INT(r0->in_force, 0);
		T_EQ_INT(r0->records, 6431);
		T_EQ_INT(r0->modifiers, 360);
		T_EQ_STR(r0->sha256, "aa01");
		T_EQ_STR(r0->loaded_at, "2026-01-02T03:04:05Z");
		T_EQ_STR(r1->effective, "2020-01-01");
		T_EQ_INT(r1->effective_auto, 1);
		T_EQ_INT(r1->in_force, 1);
		T_EQ_INT(r1->records, 6710);
	}
	T_EQ_INT(inf->last_reload.ok, 0);
	T_EQ_STR(inf->last_reload.error, "hcpcs: /d/2021.txt: sha256 mismatch");
	T_EQ_INT(inf->stats.nrequests, 3);
	if (inf->stats.nrequests == 3) {
		T_EQ_STR(inf->stats.requests[0].name, "lookup");
		T_EQ_INT(inf->stats.requests[0].count, 12);
		T_EQ_STR(inf->stats.requests[1].name, "diff");
		T_EQ_INT(inf->stats.requests[1].count, 2);
		T_EQ_STR(inf->stats.requests[2].name, "unknown");
	}
	T_EQ_INT(inf->stats.nerrors, 2);
	if (inf->stats.nerrors == 2) {
		T_EQ_STR(inf->stats.errors[0].name, "bad_request");
		T_EQ_INT(inf->stats.errors[0].count, 3);
	}
	T_EQ_INT(inf->stats.notifications, 5);
	T_EQ_INT(inf->stats.connections_current, 2);
	T_EQ_INT(inf->stats.connections_total, 17);
	T_EQ_INT(inf->stats.connections_rejected, 0);
	T_EQ_INT(inf->stats.bytes_in, 5000000000LL);
	T_EQ_INT(inf->stats.bytes_out, 9000);
	T_EQ_INT(inf->stats.reloads, 3);
	T_EQ_INT(inf->stats.reloads_failed, 1);
	T_EQ_INT(inf->stats.reload_last_ms, 842);

	off = s.nraw;
	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2019-01-01", NULL, &d), 0);
	len = s.nraw - off;
	T_OK(len == sizeof(want_diff) &&
	    memcmp(s.raw + off, want_diff, sizeof(want_diff)) == 0);
	T_OK(d != NULL);
	if (d != NULL) {
		T_EQ_INT(d->nadded, 3);
		T_EQ_STR(d->added[0], "C1890");
		T_EQ_STR(d->added[2], "G2001");
		T_EQ_INT(d->nremoved, 0);
		T_EQ_INT(d->nterminated, 2);
		T_EQ_STR(d->terminated[1], "G0501");
		T_EQ_INT(d->nchanged, 2);
		T_EQ_STR(d->changed[0].code, "A4216");
		T_EQ_INT(d->changed[0].nfields, 2);
		T_EQ_STR(d->changed[0].fields[1], "short");
		T_EQ_STR(d->changed[1].code, "G0130");
		T_EQ_STR(d->changed[1].fields[0], "asc_date");
	}
	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2018-01-01", "2020-01-01", &d), -1);
	T_OK(d == NULL);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_SERVER);
	T_EQ_STR(hcpcs_server_error_code(c), "bad_request");
	T_EQ_INT(hcpcs_diff(c, "hcpcs", "2019-01-01", "2020-01-01", &d), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_PROTOCOL);
	hcpcs_free(c);
	srv_stop(&s);
}

/* Answers each request with hostile[k]'s bytes after [1, msgid, nil. */
static const struct {
	const char	*bytes;
	size_t		 len;
	const char	*err;		/* in hcpcs_errstr */
} hostile[] = {
	/* An array of 2^31-1 elements, a str and a map of 4 GiB. */
	{ "\xdd\x7f\xff\xff\xff", 5, "larger than" },
	{ "\xdb\xff\xff\xff\xff", 5, "larger than" },
	{ "\x91\xdf\xff\xff\xff\xff", 6, "larger than" },
	/* 40 nested arrays. */
	{ "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
	  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
	  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91"
	  "\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 41,
	  "nested deeper" },
};
static size_t hostile_k;

static void
sc_hostile(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_sbuffer_write(&sb, hostile[hostile_k].bytes,
	    hostile[hostile_k].len);
	srv_end(s, &sb);
	sc_silent(s);
}

/* A record reply one byte per send, then 31 nested arrays. */
static void
sc_bytewise(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;
	size_t		i;
	int		d;

	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	pack_record(&pk, "A0021", "active");
	for (i = 0; i < sb.size; i++) {
		srv_send(s, sb.data + i, 1);
		usleep(200);
	}
	msgpack_sbuffer_destroy(&sb);
	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	for (d = 0; d < 30; d++)
		msgpack_pack_array(&pk, 1);
	ps(&pk, "deep");
	srv_end(s, &sb);
	sc_silent(s);
}

static void
test_hostile(void)
{
	struct hcpcs_record *r;
	struct hcpcs_value *v;
	const struct hcpcs_value *e;
	struct hcpcs	*c;
	struct srv	 s;
	long long	 t0;
	int		 d;

	for (hostile_k = 0; hostile_k < sizeof(hostile) / sizeof(hostile[0]);
	    hostile_k++) {
		srv_start(&s, sc_hostile);
		c = client(&s, 2000);
		t0 = now_ms();
		T_EQ_INT(hcpcs_ping(c), -1);
		/* Refused from the header, not after the timeout. */
		T_OK(now_ms() - t0 < 1000);
		T_EQ_INT(hcpcs_err(c), HCPCS_ERR_PROTOCOL);
		T_OK(strstr(hcpcs_errstr(c), hostile[hostile_k].err) != NULL);
		hcpcs_free(c);
		srv_stop(&s);
	}

	srv_start(&s, sc_bytewise);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_lookup(c, "A0021", NULL, &r), 1);
	if (r != NULL) {
		T_EQ_STR(r->code, "A0021");
		T_EQ_STR(r->status, "active");
		T_EQ_STR(r->tos[0], "D");
		T_EQ_STR(r->raw_values[0], "170401  ");
	}
	/* 31 nested arrays (the response's own included) still decode. */
	T_EQ_INT(hcpcs_appendf(c, "ping", ""), 0);
	T_EQ_INT(hcpcs_get_reply(c, &v), 0);
	for (e = v, d = 0; e != NULL && e->type == HCPCS_T_ARRAY; d++)
		e = e->n == 1 ? &e->elems[0] : NULL;
	T_EQ_INT(d, 30);
	T_OK(e != NULL && e->type == HCPCS_T_STR && strcmp(e->s, "deep") == 0);
	hcpcs_value_free(v);
	hcpcs_free(c);
	srv_stop(&s);
}

static void
test_connect(void)
{
	struct hcpcs_options o;
	struct hcpcs	*c;
	struct srv	 s;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.socket_path = "/nonexistent/hcpcsd.sock";
	c = hcpcs_connect(&o);
	T_OK(c != NULL);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_IO);
	T_EQ_STR(hcpcs_errstr(c),
	    "connect /nonexistent/hcpcsd.sock: No such file or directory");
	T_EQ_INT(hcpcs_ping(c), -1);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_IO);
	hcpcs_free(c);

	o.size = 0;
	c = hcpcs_connect(&o);
	T_EQ_INT(hcpcs_err(c), HCPCS_ERR_OTHER);
	hcpcs_free(c);

	/* NULL options: $HCPCSD_SOCKET. */
	srv_start(&s, sc_errors);
	setenv("HCPCSD_SOCKET", s.path, 1);
	c = hcpcs_connect(NULL);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	unsetenv("HCPCSD_SOCKET");
	hcpcs_free(c);
	srv_stop(&s);
}

#define NOBODY	65534

/*
 * A server of uid NOBODY: a child listening on dir/s.sock that never
 * accepts (a connect succeeds on the backlog alone, room for 64).
 */
struct squat {
	pid_t		 pid;
	int		 hold;		/* closing it ends the child */
	char		 path[128];
};

static void
squat_start(struct squat *q, const char *dir)
{
	struct sockaddr_un sun;
	int		 hold[2], ready[2], fd;
	char		 ch;

	snprintf(q->path, sizeof(q->path), "%s/s.sock", dir);
	if (chown(dir, NOBODY, NOBODY) == -1 || pipe(hold) == -1 ||
	    pipe(ready) == -1 || (q->pid = fork()) == -1) {
		perror("squat setup");
		exit(2);
	}
	if (q->pid == 0) {
		close(hold[1]);
		close(ready[0]);
		alarm(30);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, q->path, strlen(q->path) + 1);
		if (setgid(NOBODY) == -1 || setuid(NOBODY) == -1 ||
		    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(fd, 64) == -1)
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		while (read(hold[0], &ch, 1) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	close(ready[1]);
	if (read(ready[0], &ch, 1) != 1) {
		fprintf(stderr, "squat: the child did not listen\n");
		exit(2);
	}
	close(ready[0]);
	q->hold = hold[1];
}

static void
squat_stop(struct squat *q)
{
	int	st;

	close(q->hold);
	waitpid(q->pid, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(q->path);
}

/* hcpcs_connect to path with expect; the error category. */
static int
expect_connect(const char *path, int expect, uid_t uid, char *errstr,
    size_t len)
{
	struct hcpcs_options o;
	struct hcpcs	*c;
	int		 err;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.socket_path = path;
	o.expect = expect;
	o.expect_uid = uid;
	c = hcpcs_connect(&o);
	T_OK(c != NULL);
	if (c == NULL)
		exit(2);
	err = hcpcs_err(c);
	snprintf(errstr, len, "%s", hcpcs_errstr(c));
	if (err == HCPCS_ERR_PEER) {
		/* Sticky, and nothing was sent. */
		T_EQ_INT(hcpcs_ping(c), -1);
		T_EQ_INT(hcpcs_err(c), HCPCS_ERR_PEER);
	}
	hcpcs_free(c);
	return err;
}

/*
 * expect: a server of another uid is refused unless it is the expected
 * one or the socket directory's owner; root's always passes; a caller
 * from before 0.3 (a smaller size) checks nothing.
 */
static void
test_expect(void)
{
	struct hcpcs_options o;
	struct hcpcs	*c;
	struct squat	 q;
	struct srv	 s;
	char		 want[256], err[HCPCS_ERRSTR_LEN];
	const char	*dir;

	T_EQ_STR(hcpcs_strerror(HCPCS_ERR_PEER),
	    "server runs as an unexpected user");

	/* A root server (this process) passes any expectation. */
	srv_start(&s, sc_errors);
	T_EQ_INT(expect_connect(s.path, HCPCS_EXPECT_UID, 1234, err,
	    sizeof(err)), HCPCS_OK);
	T_EQ_INT(expect_connect(s.path, 7, 0, err, sizeof(err)),
	    HCPCS_ERR_OTHER);
	T_EQ_STR(err, "hcpcs_options.expect 7 is unknown");
	srv_stop(&s);

	if (geteuid() != 0) {
		printf("NOTE: not root: servers of another uid not tried\n");
		return;
	}
	dir = t_mkdtemp("peer");
	squat_start(&q, dir);
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_UID, 1234, err,
	    sizeof(err)), HCPCS_ERR_PEER);
	snprintf(want, sizeof(want), "server on %s runs as uid 65534, "
	    "expected 1234 or 0", q.path);
	T_EQ_STR(err, want);
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_UID, 0, err,
	    sizeof(err)), HCPCS_ERR_PEER);
	snprintf(want, sizeof(want), "server on %s runs as uid 65534, "
	    "expected 0", q.path);
	T_EQ_STR(err, want);
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_UID, NOBODY, err,
	    sizeof(err)), HCPCS_OK);
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_ANY, 1234, err,
	    sizeof(err)), HCPCS_OK);
	/* The directory is nobody's: its server may be nobody's too. */
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_DIR_OWNER, 0, err,
	    sizeof(err)), HCPCS_OK);
	/* Root's directory: a server of nobody's squats in it. */
	T_OK(chown(dir, 0, 0) == 0);
	T_EQ_INT(expect_connect(q.path, HCPCS_EXPECT_DIR_OWNER, 0, err,
	    sizeof(err)), HCPCS_ERR_PEER);
	T_EQ_STR(err, want);

	/* A caller built before 0.3: expect is beyond its size, unread. */
	memset(&o, 0, sizeof(o));
	o.size = offsetof(struct hcpcs_options, expect);
	o.socket_path = q.path;
	o.expect = HCPCS_EXPECT_UID;
	o.expect_uid = 1234;
	c = hcpcs_connect(&o);
	T_EQ_INT(hcpcs_err(c), HCPCS_OK);
	hcpcs_free(c);
	squat_stop(&q);
}

/*
 * hcpcs_code_shape is the daemon's rule: for every string of up to five
 * characters over an alphabet that reaches each shape's edges (digits,
 * the CPT suffix letters, other letters, lower case, blanks, a tab and
 * punctuation), it agrees with classify_code on both the verdict and
 * the normalised code.
 */
static void
test_code_shape(void)
{
	static const char alpha[] = "059ADFMPTUZau \t-";
	const size_t	 na = sizeof(alpha) - 1;
	struct classify	 k;
	char		 in[8], out[HCPCS_CODE_MAX + 1];
	size_t		 len, i, idx, n, bad = 0, shaped = 0;
	int		 got, want;

	for (len = 0; len <= 5; len++) {
		for (n = 1, i = 0; i < len; i++)
			n *= na;
		for (idx = 0; idx < n; idx++) {
			size_t	x = idx;

			for (i = 0; i < len; i++, x /= na)
				in[i] = alpha[x % na];
			in[len] = '\0';
			want = classify_code(in, len, &k) == 0;
			got = hcpcs_code_shape(in, out);
			shaped += got;
			if (got != want || strcmp(out, want ? k.code : "") != 0)
				if (bad++ < 5)
					fprintf(stderr, "shape of \"%s\": %d "
					    "\"%s\", daemon %d \"%s\"\n", in, got,
					    out, want, k.code);
		}
	}
	T_EQ_INT(bad, 0);
	T_OK(shaped > 1000);
	T_EQ_INT(hcpcs_code_shape(" \tj1100 \t ", out), 1);
	T_EQ_STR(out, "J1100");
	T_EQ_INT(hcpcs_code_shape("ZZZZZ", out), 0);
	T_EQ_STR(out, "");
	T_EQ_INT(hcpcs_code_shape("A00211", out), 0);
	T_EQ_INT(hcpcs_code_shape(NULL, out), 0);
}

/* Answer one request with the canned result s->reply, then drain. */
static void
sc_canned(struct srv *s)
{
	msgpack_sbuffer	sb;
	msgpack_packer	pk;

	if (srv_next(s) == -1)
		return;
	srv_begin(&sb, &pk, s->msgid);
	msgpack_sbuffer_write(&sb, (const char *)s->reply, s->replylen);
	srv_end(s, &sb);
	while (srv_next(s) == 0)
		;
}

/*
 * A record with every field set, encoded by the daemon and decoded by
 * libhcpcs: the client's field table has the keys of the daemon's map
 * in the daemon's order, and each field of the daemon's table arrives
 * in the client member of its name, with its value.
 */
static void
test_record_fields(void)
{
	static unsigned char buf[4096];
	struct snapshot_src src;
	struct snapshot	*snap;
	struct record	*rec;
	const struct snapshot_rec *sr;
	const struct record_field_info *fi;
	const struct hcpcs_field *cf, *cfs;
	const unsigned char *kv;
	const char	*const *slots, *want;
	const char	*got;
	struct hcpcs_record *r;
	struct hcpcs	*c;
	struct srv	 s;
	msgpack_unpacked u;
	size_t		 kvlen, ncf, i, j, off = 0;
	char		 err[256], v[48], date[11];
	int		 f;

	memset(&src, 0, sizeof(src));
	src.name = "hcpcs";
	src.format = "cms-anweb";
	src.path = "/d/2020.txt";
	src.effective = 20200101;
	record_set_init(&src.rs);
	rec = record_set_add(&src.rs);
	T_OK(rec != NULL);
	if (rec == NULL)
		return;
	/* Lists get one value past their last slot: kept under raw. */
	for (f = 0; f < RF_MAX; f++) {
		fi = record_field_info((enum record_field)f);
		for (j = 0; j < fi->max + (fi->type == RECORD_T_LIST); j++) {
			if (fi->type == RECORD_T_CODE)
				snprintf(v, sizeof(v), "X0001");
			else if (fi->type == RECORD_T_DATE)
				snprintf(v, sizeof(v), "201901%02d", f + 1);
			else if (fi->type == RECORD_T_UINT)
				snprintf(v, sizeof(v), "%d", f);
			else
				snprintf(v, sizeof(v), "%.20s %zu", fi->name,
				    j);
			T_EQ_INT(record_set_field(&src.rs, rec,
			    (enum record_field)f, v, strlen(v), 0, NULL), 0);
		}
	}
	snap = snapshot_build_sets(&src, 1, err, sizeof(err));
	T_OK(snap != NULL);
	if (snap == NULL)
		return;
	sr = snapshot_find(snap, -1, "X0001", 20200601);
	T_OK(sr != NULL);
	if (sr == NULL)
		return;
	snapshot_status_kv(sr->rec, 20200601, &kv, &kvlen);
	T_OK(sr->enclen + kvlen <= sizeof(buf));
	if (sr->enclen + kvlen > sizeof(buf))
		return;
	memcpy(buf, sr->enc, sr->enclen);
	memcpy(buf + sr->enclen, kv, kvlen);

	/* The daemon's keys, in order, are the client table's. */
	cfs = hcpcs_record_fields(&ncf);
	msgpack_unpacked_init(&u);
	T_EQ_INT(msgpack_unpack_next(&u, (const char *)buf,
	    sr->enclen + kvlen, &off), MSGPACK_UNPACK_SUCCESS);
	T_OK(u.data.type == MSGPACK_OBJECT_MAP);
	T_EQ_INT(u.data.via.map.size, ncf);
	for (i = 0; u.data.type == MSGPACK_OBJECT_MAP && i < ncf &&
	    i < u.data.via.map.size; i++) {
		const msgpack_object *k = &u.data.via.map.ptr[i].key;

		if (k->type != MSGPACK_OBJECT_STR ||
		    k->via.str.size != strlen(cfs[i].key) ||
		    memcmp(k->via.str.ptr, cfs[i].key, k->via.str.size) != 0)
			t_fail(__FILE__, __LINE__, "key %zu is not %s", i,
			    cfs[i].key);
	}
	msgpack_unpacked_destroy(&u);

	srv_start_reply(&s, sc_canned, buf, sr->enclen + kvlen);
	c = client(&s, 5000);
	T_EQ_INT(hcpcs_lookup(c, "X0001", NULL, &r), 1);
	for (f = 0; r != NULL && f < RF_MAX; f++) {
		fi = record_field_info((enum record_field)f);
		for (cf = cfs; cf < cfs + ncf; cf++)
			if (strcmp(cf->key, fi->name) == 0)
				break;
		if (cf == cfs + ncf) {
			t_fail(__FILE__, __LINE__, "no client row %s",
			    fi->name);
			continue;
		}
		switch (fi->type) {
		case RECORD_T_CODE:
		case RECORD_T_TEXT:
		case RECORD_T_STR:
		case RECORD_T_DATE:
			T_EQ_INT(cf->type, HCPCS_F_STR);
			if (fi->type == RECORD_T_CODE)
				want = record_field_ptr(sr->rec,
				    (enum record_field)f);
			else if (fi->type == RECORD_T_DATE) {
				record_format_date(*(const uint32_t *)
				    record_field_ptr(sr->rec,
				    (enum record_field)f), date);
				want = date;
			} else
				want = *(const char *const *)record_field_ptr(
				    sr->rec, (enum record_field)f);
			got = *(const char **)(void *)((char *)r + cf->offset);
			T_OK(want != NULL && *want != '\0');
			T_EQ_STR(got, want);
			break;
		case RECORD_T_LIST:
			T_EQ_INT(cf->type, HCPCS_F_LIST);
			slots = record_field_ptr(sr->rec,
			    (enum record_field)f);
			T_EQ_INT(*(size_t *)(void *)((char *)r + cf->count),
			    fi->max);
			for (j = 0; j < fi->max; j++)
				T_EQ_STR((*(const char ***)(void *)((char *)r +
				    cf->offset))[j], slots[j]);
			break;
		case RECORD_T_UINT:
			T_EQ_INT(cf->type, HCPCS_F_INT);
			T_EQ_INT(*(int *)(void *)((char *)r + cf->offset), f);
			break;
		}
	}
	T_OK(r != NULL && r->nraw == 6);	/* one per list */
	T_OK(r != NULL && r->release != NULL &&
	    strcmp(r->release, "2020-01-01") == 0);
	/* terminated 2019-01-07, before the as_of of 2020-06-01 */
	T_OK(r != NULL && r->status != NULL &&
	    strcmp(r->status, "terminated") == 0);
	hcpcs_free(c);
	srv_stop(&s);
	snapshot_release(snap);
}

int
main(void)
{
	test_code_shape();
	test_lookup();
	test_pipeline();
	test_long_pipeline();
	test_errors();
	test_timeout();
	test_protocol();
	test_typed();
	test_releases();
	test_connect();
	test_expect();
	test_hostile();
	test_record_fields();
	return t_done();
}
