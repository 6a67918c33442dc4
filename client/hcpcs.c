/*
 * hcpcs.c: libhcpcs, the hcpcsd client library.  One connection per
 * context; requests are encoded into an output buffer by the append
 * calls and sent by hcpcs_get_reply, which reads and writes in one poll
 * loop so a long pipeline cannot deadlock against the server's output
 * limit.  Each reply is checked byte by byte (hcpcs_scan) until it is
 * complete and within the limits, then decoded with msgpack-c and
 * copied into one malloc'd hcpcs_value tree.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "mpscan.h"

#define HCPCS_READ_CHUNK	65536	/* bytes per recv */
/* Nested arrays and maps in a reply: at most msgpack-c's own limit. */
#define HCPCS_MAX_DEPTH		32

/* Memory handed out by typed calls, freed at the next call. */
struct hcpcs_scratch {
	struct hcpcs_scratch *next;
	max_align_t	 data[];
};

struct hcpcs {
	int		 fd;
	int		 err;
	char		 errstr[HCPCS_ERRSTR_LEN];
	int		 timeout_ms;
	uint32_t	 next_msgid;	/* msgid of the next request */
	uint32_t	 read_msgid;	/* msgid the next reply must carry */
	size_t		 pending;	/* appended, reply not yet read */
	msgpack_sbuffer	 obuf;		/* encoded, not yet sent */
	size_t		 ooff;		/* bytes of obuf already sent */
	int		 wclosed;	/* peer stopped reading */
	char		*ibuf;		/* bytes read, not yet decoded */
	size_t		 ilen;		/* bytes in ibuf */
	size_t		 icap;		/* ibuf's size */
	size_t		 ioff;		/* where the next reply starts */
	struct mpscan	 scan;		/* of the reply at ioff */
	struct hcpcs_value *last;	/* the reply a typed call decoded */
	struct hcpcs_value *srverr;	/* the last error reply's error */
	struct hcpcs_scratch *scratch;
};

static void	hcpcs_set_error(struct hcpcs *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *hcpcs_get_str(const struct hcpcs_value *, const char *);

static void
hcpcs_set_error(struct hcpcs *c, int err, const char *fmt, ...)
{
	va_list	ap;

	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
	va_end(ap);
}

/* An errno error: "what: strerror". */
static void
hcpcs_set_errno(struct hcpcs *c, const char *what)
{
	hcpcs_set_error(c, HCPCS_ERR_IO, "%s: %s", what, strerror(errno));
}

static void
hcpcs_scratch_free(struct hcpcs *c)
{
	struct hcpcs_scratch *s, *next;

	for (s = c->scratch; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	c->scratch = NULL;
}

/* Zeroed memory owned by c until the next call. */
static void *
hcpcs_scratch_alloc(struct hcpcs *c, size_t n)
{
	struct hcpcs_scratch *s;

	if (n > SIZE_MAX - sizeof(*s) ||
	    (s = calloc(1, sizeof(*s) + n)) == NULL) {
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		return NULL;
	}
	s->next = c->scratch;
	c->scratch = s;
	return s->data;
}

/*
 * Every call but the error getters starts here: fail at once on a sticky
 * error, and drop what the previous call returned.
 */
static int
hcpcs_begin(struct hcpcs *c)
{
	if (c == NULL)
		return -1;
	if (c->err != HCPCS_OK && c->err != HCPCS_ERR_SERVER)
		return -1;
	c->err = HCPCS_OK;
	c->errstr[0] = '\0';
	hcpcs_value_free(c->srverr);
	c->srverr = NULL;
	hcpcs_value_free(c->last);
	c->last = NULL;
	hcpcs_scratch_free(c);
	return 0;
}

static long long
hcpcs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline (-1: none), for poll(). */
static int
hcpcs_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - hcpcs_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

static int
hcpcs_do_connect(struct hcpcs *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	long long	 deadline;
	socklen_t	 len;
	int		 rc, soerr;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "socket path too long: %s",
		    path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		hcpcs_set_errno(c, "socket");
		return -1;
	}
	deadline = timeout_ms < 0 ? -1 : hcpcs_now_ms() + timeout_ms;
	for (;;) {
		if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* Listen backlog full: Unix sockets do not queue. */
			if (hcpcs_left(deadline) == 0)
				goto timeout;
			poll(NULL, 0, 10);
			continue;
		}
		if (errno != EINPROGRESS)
			break;
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		while ((rc = poll(&pfd, 1, hcpcs_left(deadline))) == -1 &&
		    errno == EINTR)
			;
		if (rc == 0)
			goto timeout;
		len = sizeof(soerr);
		if (rc == -1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
		    &soerr, &len) == -1)
			break;
		if (soerr == 0)
			return 0;
		errno = soerr;
		break;
	}
	hcpcs_set_error(c, HCPCS_ERR_IO, "connect %s: %s", path,
	    strerror(errno));
	return -1;
timeout:
	hcpcs_set_error(c, HCPCS_ERR_TIMEOUT, "connect %s: timed out", path);
	return -1;
}

struct hcpcs *
hcpcs_connect(const struct hcpcs_options *opts)
{
	struct hcpcs_options o;
	struct hcpcs	*c;
	const char	*path;
	int		 cto;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = -1;
	c->next_msgid = c->read_msgid = 1;
	msgpack_sbuffer_init(&c->obuf);
	mpscan_init(&c->scan);

	memset(&o, 0, sizeof(o));
	if (opts != NULL) {
		if (opts->size == 0) {
			hcpcs_set_error(c, HCPCS_ERR_OTHER,
			    "hcpcs_options.size is 0");
			return c;
		}
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size :
		    sizeof(o));
	}
	path = o.socket_path;
	if (path == NULL || *path == '\0')
		path = getenv("HCPCSD_SOCKET");
	if (path == NULL || *path == '\0')
		path = HCPCS_DEFAULT_SOCKET;
	cto = o.connect_timeout_ms == 0 ? HCPCS_DEFAULT_CONNECT_TIMEOUT :
	    o.connect_timeout_ms;
	c->timeout_ms = o.timeout_ms == 0 ? HCPCS_DEFAULT_TIMEOUT :
	    o.timeout_ms;
	hcpcs_do_connect(c, path, cto);
	return c;
}

void
hcpcs_free(struct hcpcs *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	msgpack_sbuffer_destroy(&c->obuf);
	free(c->ibuf);
	hcpcs_value_free(c->last);
	hcpcs_value_free(c->srverr);
	hcpcs_scratch_free(c);
	free(c);
}

int
hcpcs_err(const struct hcpcs *c)
{
	return c == NULL ? HCPCS_ERR_OOM : c->err;
}

const char *
hcpcs_errstr(const struct hcpcs *c)
{
	return c == NULL ? "out of memory" : c->errstr;
}

const char *
hcpcs_strerror(int err)
{
	switch (err) {
	case HCPCS_OK:
		return "no error";
	case HCPCS_ERR_IO:
		return "I/O error";
	case HCPCS_ERR_EOF:
		return "connection closed by server";
	case HCPCS_ERR_PROTOCOL:
		return "protocol error";
	case HCPCS_ERR_TIMEOUT:
		return "timed out";
	case HCPCS_ERR_OOM:
		return "out of memory";
	case HCPCS_ERR_OTHER:
		return "other error";
	case HCPCS_ERR_SERVER:
		return "server error";
	}
	return "unknown error";
}

static const char *
hcpcs_srverr_field(const struct hcpcs *c, const char *key)
{
	const struct hcpcs_value *v;

	if (c == NULL || c->err != HCPCS_ERR_SERVER || c->srverr == NULL)
		return NULL;
	v = hcpcs_value_get(c->srverr, key);
	return v != NULL && v->type == HCPCS_T_STR ? v->s : NULL;
}

const char *
hcpcs_server_error_code(const struct hcpcs *c)
{
	return hcpcs_srverr_field(c, "code");
}

const char *
hcpcs_server_error_message(const struct hcpcs *c)
{
	return hcpcs_srverr_field(c, "message");
}

size_t
hcpcs_pending(const struct hcpcs *c)
{
	return c == NULL ? 0 : c->pending;
}

/* ---- encoding ---- */

static int
hcpcs_pack_str(msgpack_packer *pk, const char *s)
{
	size_t	len;

	if (s == NULL)
		return msgpack_pack_nil(pk);
	len = strlen(s);
	if (msgpack_pack_str(pk, len) != 0)
		return -1;
	return msgpack_pack_str_body(pk, s, len);
}

/* The caller's query, copied as far as its size reaches. */
static int
hcpcs_query_copy(struct hcpcs *c, const struct hcpcs_query *q,
    struct hcpcs_query *out)
{
	memset(out, 0, sizeof(*out));
	if (q == NULL)
		return 0;
	if (q->size == 0) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "hcpcs_query.size is 0");
		return -1;
	}
	memcpy(out, q, q->size < sizeof(*out) ? q->size : sizeof(*out));
	return 0;
}

/*
 * Which opts keys a format character sends: 'v' set only (validate),
 * 'q' set and as_of, 'Q' also limit and include_terminated (search).
 */
static size_t
hcpcs_query_nkeys(const struct hcpcs_query *q, int which)
{
	size_t	n = 0;

	n += q->set != NULL;
	if (which == 'v')
		return n;
	n += q->as_of != NULL;
	if (which == 'Q') {
		n += q->limit != 0;
		n += q->include_terminated != 0;
	}
	return n;
}

static int
hcpcs_pack_query(msgpack_packer *pk, const struct hcpcs_query *q, int which)
{
	int	rc;

	rc = msgpack_pack_map(pk, hcpcs_query_nkeys(q, which));
	if (q->set != NULL)
		rc |= hcpcs_pack_str(pk, "set") | hcpcs_pack_str(pk, q->set);
	if (which != 'v' && q->as_of != NULL)
		rc |= hcpcs_pack_str(pk, "as_of") |
		    hcpcs_pack_str(pk, q->as_of);
	if (which == 'Q' && q->limit != 0)
		rc |= hcpcs_pack_str(pk, "limit") |
		    msgpack_pack_int(pk, q->limit);
	if (which == 'Q' && q->include_terminated != 0)
		rc |= hcpcs_pack_str(pk, "include_terminated") |
		    msgpack_pack_true(pk);
	return rc;
}

/* Validate fmt and count the params array's elements. */
static int
hcpcs_fmt_count(struct hcpcs *c, const char *fmt, va_list ap,
    size_t *count)
{
	struct hcpcs_query q;
	const char	*p;
	size_t		 n = 0;

	for (p = fmt; *p != '\0'; p++) {
		switch (*p) {
		case 's':
			(void)va_arg(ap, const char *);
			break;
		case 'i':
			(void)va_arg(ap, long long);
			break;
		case 'b':
			(void)va_arg(ap, int);
			break;
		case 'n':
			break;
		case 'a':
			(void)va_arg(ap, const char *const *);
			(void)va_arg(ap, size_t);
			break;
		case 'q':
		case 'Q':
		case 'v':
			if (hcpcs_query_copy(c, va_arg(ap,
			    const struct hcpcs_query *), &q) == -1)
				return -1;
			if (hcpcs_query_nkeys(&q, *p) == 0)
				continue;
			break;
		default:
			hcpcs_set_error(c, HCPCS_ERR_OTHER,
			    "hcpcs_appendf: bad format character '%c'", *p);
			return -1;
		}
		n++;
	}
	*count = n;
	return 0;
}

static int
hcpcs_fmt_pack(struct hcpcs *c, msgpack_packer *pk, const char *fmt,
    va_list ap)
{
	struct hcpcs_query q;
	const char *const *arr;
	const char	*p;
	size_t		 i, n;
	int		 rc = 0;

	for (p = fmt; *p != '\0'; p++) {
		switch (*p) {
		case 's':
			rc |= hcpcs_pack_str(pk, va_arg(ap, const char *));
			break;
		case 'i':
			rc |= msgpack_pack_long_long(pk, va_arg(ap, long long));
			break;
		case 'b':
			rc |= va_arg(ap, int) ? msgpack_pack_true(pk) :
			    msgpack_pack_false(pk);
			break;
		case 'n':
			rc |= msgpack_pack_nil(pk);
			break;
		case 'a':
			arr = va_arg(ap, const char *const *);
			n = va_arg(ap, size_t);
			rc |= msgpack_pack_array(pk, n);
			for (i = 0; i < n; i++)
				rc |= hcpcs_pack_str(pk, arr[i]);
			break;
		case 'q':
		case 'Q':
		case 'v':
			if (hcpcs_query_copy(c, va_arg(ap,
			    const struct hcpcs_query *), &q) == -1)
				return -1;
			if (hcpcs_query_nkeys(&q, *p) != 0)
				rc |= hcpcs_pack_query(pk, &q, *p);
			break;
		}
	}
	if (rc != 0) {
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		return -1;
	}
	return 0;
}

/* Encode "[0, msgid, method," and, when params != NULL, the params. */
static int
hcpcs_pack_head(struct hcpcs *c, msgpack_packer *pk, const char *method)
{
	int	rc;

	rc = msgpack_pack_array(pk, 4);
	rc |= msgpack_pack_uint8(pk, 0);
	rc |= msgpack_pack_uint32(pk, c->next_msgid);
	rc |= hcpcs_pack_str(pk, method);
	if (rc != 0) {
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		return -1;
	}
	return 0;
}

static void
hcpcs_queued(struct hcpcs *c)
{
	c->next_msgid++;
	c->pending++;
}

/* The sticky-error and argument checks of both append calls. */
static int
hcpcs_append_check(struct hcpcs *c, const char *method)
{
	if (hcpcs_begin(c) == -1)
		return -1;
	if (method == NULL) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "method is NULL");
		return -1;
	}
	if (c->fd == -1) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "not connected");
		return -1;
	}
	return 0;
}

int
hcpcs_append(struct hcpcs *c, const char *method, const void *params,
    size_t paramslen)
{
	msgpack_packer	 pk;
	msgpack_unpacked u;
	size_t		 off = 0, mark;
	int		 rc;

	if (hcpcs_append_check(c, method) == -1)
		return -1;
	/* params must be exactly one MessagePack array. */
	msgpack_unpacked_init(&u);
	rc = msgpack_unpack_next(&u, params, paramslen, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != paramslen ||
	    u.data.type != MSGPACK_OBJECT_ARRAY) {
		msgpack_unpacked_destroy(&u);
		hcpcs_set_error(c, HCPCS_ERR_OTHER,
		    "params is not one MessagePack array");
		return -1;
	}
	msgpack_unpacked_destroy(&u);
	mark = c->obuf.size;
	msgpack_packer_init(&pk, &c->obuf, msgpack_sbuffer_write);
	if (hcpcs_pack_head(c, &pk, method) == -1 ||
	    msgpack_sbuffer_write(&c->obuf, params, paramslen) != 0) {
		c->obuf.size = mark;
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		return -1;
	}
	hcpcs_queued(c);
	return 0;
}

static int
hcpcs_vappendf(struct hcpcs *c, const char *method, const char *fmt,
    va_list ap)
{
	msgpack_packer	 pk;
	va_list		 ap2;
	size_t		 n, mark;
	int		 rc;

	if (hcpcs_append_check(c, method) == -1)
		return -1;
	if (fmt == NULL)
		fmt = "";
	va_copy(ap2, ap);
	rc = hcpcs_fmt_count(c, fmt, ap2, &n);
	va_end(ap2);
	if (rc == -1)
		return -1;
	mark = c->obuf.size;
	msgpack_packer_init(&pk, &c->obuf, msgpack_sbuffer_write);
	if (hcpcs_pack_head(c, &pk, method) == -1)
		goto fail;
	if (msgpack_pack_array(&pk, n) != 0) {
		hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
		goto fail;
	}
	if (hcpcs_fmt_pack(c, &pk, fmt, ap) == -1)
		goto fail;
	hcpcs_queued(c);
	return 0;
fail:
	c->obuf.size = mark;
	return -1;
}

int
hcpcs_appendf(struct hcpcs *c, const char *method, const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	va_start(ap, fmt);
	rc = hcpcs_vappendf(c, method, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- values ---- */

static void
hcpcs_value_size(const msgpack_object *o, size_t *nodes, size_t *bytes)
{
	uint32_t	i;

	(*nodes)++;
	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		*bytes += o->via.str.size + 1;
		break;
	case MSGPACK_OBJECT_BIN:
		*bytes += o->via.bin.size + 1;
		break;
	case MSGPACK_OBJECT_EXT:
		*bytes += o->via.ext.size + 1;
		break;
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++)
			hcpcs_value_size(&o->via.array.ptr[i], nodes, bytes);
		break;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++) {
			hcpcs_value_size(&o->via.map.ptr[i].key, nodes, bytes);
			hcpcs_value_size(&o->via.map.ptr[i].val, nodes, bytes);
		}
		break;
	default:
		break;
	}
}

struct hcpcs_fill {
	struct hcpcs_value *node;	/* next free node */
	char		*str;		/* next free string byte */
};

static void
hcpcs_fill_str(struct hcpcs_value *v, struct hcpcs_fill *f, const char *s,
    size_t len)
{
	if (len > 0)
		memcpy(f->str, s, len);
	f->str[len] = '\0';
	v->s = f->str;
	v->len = len;
	f->str += len + 1;
}

/* Copy o into v; children go to the next free nodes. */
static void
hcpcs_value_fill(struct hcpcs_value *v, const msgpack_object *o,
    struct hcpcs_fill *f)
{
	uint32_t	i;

	memset(v, 0, sizeof(*v));
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		v->type = HCPCS_T_NIL;
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		v->type = HCPCS_T_BOOL;
		v->i = o->via.boolean;
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		v->type = HCPCS_T_INT;
		v->i = o->via.u64 > INT64_MAX ? INT64_MAX :
		    (int64_t)o->via.u64;
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		v->type = HCPCS_T_INT;
		v->i = o->via.i64;
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		v->type = HCPCS_T_FLOAT;
		v->f = o->via.f64;
		break;
	case MSGPACK_OBJECT_STR:
		v->type = HCPCS_T_STR;
		hcpcs_fill_str(v, f, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		v->type = HCPCS_T_BIN;
		hcpcs_fill_str(v, f, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		v->type = HCPCS_T_BIN;
		hcpcs_fill_str(v, f, o->via.ext.ptr, o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		v->type = HCPCS_T_ARRAY;
		v->n = o->via.array.size;
		v->elems = f->node;
		f->node += v->n;
		for (i = 0; i < o->via.array.size; i++)
			hcpcs_value_fill(&v->elems[i], &o->via.array.ptr[i], f);
		break;
	case MSGPACK_OBJECT_MAP:
		v->type = HCPCS_T_MAP;
		v->n = o->via.map.size;
		v->elems = f->node;
		f->node += 2 * v->n;
		for (i = 0; i < o->via.map.size; i++) {
			hcpcs_value_fill(&v->elems[2 * i],
			    &o->via.map.ptr[i].key, f);
			hcpcs_value_fill(&v->elems[2 * i + 1],
			    &o->via.map.ptr[i].val, f);
		}
		break;
	}
}

/* One malloc holding the whole tree, so one free releases it. */
static struct hcpcs_value *
hcpcs_value_from(const msgpack_object *o)
{
	struct hcpcs_value *v;
	struct hcpcs_fill f;
	size_t		 nodes = 0, bytes = 0;

	hcpcs_value_size(o, &nodes, &bytes);
	if ((v = malloc(nodes * sizeof(*v) + bytes)) == NULL)
		return NULL;
	f.node = v + 1;
	f.str = (char *)(v + nodes);
	hcpcs_value_fill(v, o, &f);
	return v;
}

void
hcpcs_value_free(struct hcpcs_value *v)
{
	free(v);
}

const struct hcpcs_value *
hcpcs_value_get(const struct hcpcs_value *v, const char *key)
{
	size_t	i, len;

	if (v == NULL || v->type != HCPCS_T_MAP || key == NULL)
		return NULL;
	len = strlen(key);
	for (i = 0; i < v->n; i++) {
		const struct hcpcs_value *k = &v->elems[2 * i];

		if (k->type == HCPCS_T_STR && k->len == len &&
		    memcmp(k->s, key, len) == 0)
			return &v->elems[2 * i + 1];
	}
	return NULL;
}

/* ---- I/O ---- */

/* Send what the socket takes now.  0, or -1 with a sticky error. */
static int
hcpcs_write_some(struct hcpcs *c)
{
	ssize_t	n;

	while (c->ooff < c->obuf.size) {
		n = send(c->fd, c->obuf.data + c->ooff,
		    c->obuf.size - c->ooff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EPIPE || errno == ECONNRESET) {
				/*
				 * The server closed; replies it sent
				 * before may still wait to be read.
				 */
				c->wclosed = 1;
				c->ooff = c->obuf.size;
				break;
			}
			hcpcs_set_errno(c, "send");
			return -1;
		}
		c->ooff += (size_t)n;
	}
	c->obuf.size = c->ooff = 0;
	return 0;
}

/* Read what the socket has now.  0, or -1 (EOF or error, sticky). */
static int
hcpcs_read_some(struct hcpcs *c)
{
	size_t	cap;
	ssize_t	n;
	char	*p;

	/* Only the reply being read stays: drop the decoded ones. */
	if (c->ioff > 0) {
		memmove(c->ibuf, c->ibuf + c->ioff, c->ilen - c->ioff);
		c->ilen -= c->ioff;
		c->ioff = 0;
	}
	if (c->icap - c->ilen < HCPCS_READ_CHUNK) {
		cap = c->icap * 2;
		if (cap < c->ilen + HCPCS_READ_CHUNK)
			cap = c->ilen + HCPCS_READ_CHUNK;
		if ((p = realloc(c->ibuf, cap)) == NULL) {
			hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
			return -1;
		}
		c->ibuf = p;
		c->icap = cap;
	}
	for (;;) {
		n = recv(c->fd, c->ibuf + c->ilen, c->icap - c->ilen,
		    MSG_DONTWAIT);
		if (n > 0)
			break;
		if (n == 0) {
			hcpcs_set_error(c, HCPCS_ERR_EOF,
			    "connection closed by server");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET) {
			hcpcs_set_error(c, HCPCS_ERR_EOF,
			    "connection reset by server");
			return -1;
		}
		hcpcs_set_errno(c, "recv");
		return -1;
	}
	c->ilen += (size_t)n;
	return 0;
}

/*
 * Check the reply at the head of ibuf without decoding it, going on
 * where the last call stopped.  Returns 1 when it is complete (its
 * length in scan.pos), 0 when more bytes are needed, -1 (sticky
 * protocol error) when it is not MessagePack, nests deeper than
 * HCPCS_MAX_DEPTH or cannot fit in HCPCS_MAX_REPLY_BYTES.  msgpack-c
 * reserves memory for the element count an array or map header
 * declares, so it sees a reply only once every declared element has
 * arrived: its memory is then bounded by the reply's size.
 */
static int
hcpcs_scan(struct hcpcs *c)
{
	static const struct mpscan_limits lim = { HCPCS_MAX_REPLY_BYTES,
	    HCPCS_MAX_DEPTH };

	if (c->ibuf == NULL)
		return 0;
	switch (mpscan_feed(&c->scan, (const unsigned char *)c->ibuf +
	    c->ioff, c->ilen - c->ioff, &lim)) {
	case MPSCAN_OK:
		return 1;
	case MPSCAN_MORE:
		return 0;
	case MPSCAN_MALFORMED:
		hcpcs_set_error(c, HCPCS_ERR_PROTOCOL,
		    "reply is not valid MessagePack");
		return -1;
	case MPSCAN_TOO_DEEP:
		hcpcs_set_error(c, HCPCS_ERR_PROTOCOL,
		    "reply nested deeper than %d", HCPCS_MAX_DEPTH);
		return -1;
	case MPSCAN_TOO_MANY:
	case MPSCAN_TOO_LARGE:
		break;
	}
	hcpcs_set_error(c, HCPCS_ERR_PROTOCOL, "reply larger than %u bytes",
	    HCPCS_MAX_REPLY_BYTES);
	return -1;
}

/*
 * Next complete MessagePack object from the server, flushing the
 * output buffer meanwhile.  Reads and writes share one poll loop: a
 * server that stops reading until we read its replies cannot deadlock
 * a long pipeline.  u borrows from ibuf until the next read; deadline
 * is a hcpcs_now_ms() time or -1 for none.
 */
static int
hcpcs_read_object(struct hcpcs *c, msgpack_unpacked *u, long long deadline)
{
	struct pollfd	 pfd;
	size_t		 off;
	int		 rc;

	for (;;) {
		if ((rc = hcpcs_scan(c)) == -1)
			return -1;
		if (rc == 1) {
			off = 0;
			msgpack_unpacked_destroy(u);
			rc = msgpack_unpack_next(u, c->ibuf + c->ioff,
			    c->scan.pos, &off);
			c->ioff += c->scan.pos;
			mpscan_init(&c->scan);
			if (rc == MSGPACK_UNPACK_SUCCESS)
				return 0;
			if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
				hcpcs_set_error(c, HCPCS_ERR_OOM,
				    "out of memory");
			else
				hcpcs_set_error(c, HCPCS_ERR_PROTOCOL,
				    "reply is not valid MessagePack");
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if (c->ooff < c->obuf.size)
			pfd.events |= POLLOUT;
		pfd.revents = 0;
		rc = poll(&pfd, 1, hcpcs_left(deadline));
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			hcpcs_set_errno(c, "poll");
			return -1;
		}
		if (rc == 0) {
			hcpcs_set_error(c, HCPCS_ERR_TIMEOUT,
			    "no reply within %d ms", c->timeout_ms);
			return -1;
		}
		if ((pfd.revents & POLLOUT) && hcpcs_write_some(c) == -1)
			return -1;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    hcpcs_read_some(c) == -1)
			return -1;
	}
}

static int
hcpcs_is_uint(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

int
hcpcs_get_reply(struct hcpcs *c, struct hcpcs_value **result)
{
	msgpack_unpacked u;
	msgpack_object	*a = NULL;
	struct hcpcs_value *v;
	const char	*code, *msg;
	long long	 deadline;

	if (result != NULL)
		*result = NULL;
	if (hcpcs_begin(c) == -1)
		return -1;
	if (c->pending == 0) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER, "no request pending");
		return -1;
	}
	/* One deadline for the reply: notifications do not extend it. */
	deadline = c->timeout_ms < 0 ? -1 : hcpcs_now_ms() + c->timeout_ms;
	msgpack_unpacked_init(&u);
	for (;;) {
		if (hcpcs_read_object(c, &u, deadline) == -1)
			goto fail;
		if (u.data.type != MSGPACK_OBJECT_ARRAY)
			goto bad;
		a = u.data.via.array.ptr;
		/* A notification from the server: none defined; skip. */
		if (u.data.via.array.size == 3 && hcpcs_is_uint(&a[0]) &&
		    a[0].via.u64 == 2)
			continue;
		break;
	}
	if (u.data.via.array.size != 4 || !hcpcs_is_uint(&a[0]) ||
	    a[0].via.u64 != 1 || !hcpcs_is_uint(&a[1]))
		goto bad;
	if (a[1].via.u64 != c->read_msgid) {
		hcpcs_set_error(c, HCPCS_ERR_PROTOCOL,
		    "reply msgid %llu, expected %lu",
		    (unsigned long long)a[1].via.u64,
		    (unsigned long)c->read_msgid);
		goto fail;
	}
	c->read_msgid++;
	c->pending--;
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		if (a[2].type != MSGPACK_OBJECT_MAP)
			goto bad;
		if ((c->srverr = hcpcs_value_from(&a[2])) == NULL)
			goto oom;
		code = hcpcs_get_str(c->srverr, "code");
		msg = hcpcs_get_str(c->srverr, "message");
		hcpcs_set_error(c, HCPCS_ERR_SERVER, "%s: %s",
		    code != NULL ? code : "?", msg != NULL ? msg : "");
		goto fail;
	}
	if (result != NULL) {
		if ((v = hcpcs_value_from(&a[3])) == NULL)
			goto oom;
		*result = v;
	}
	msgpack_unpacked_destroy(&u);
	return 0;
oom:
	hcpcs_set_error(c, HCPCS_ERR_OOM, "out of memory");
	goto fail;
bad:
	hcpcs_set_error(c, HCPCS_ERR_PROTOCOL, "reply is not a response array");
fail:
	msgpack_unpacked_destroy(&u);
	return -1;
}

/* ---- typed calls ---- */

/* One append + one get_reply; the result lands in c->last. */
static int
hcpcs_call(struct hcpcs *c, const char *method, const char *fmt, ...)
{
	struct hcpcs_value *v;
	va_list		 ap;
	int		 rc;

	if (c == NULL)
		return -1;
	if (c->err != HCPCS_OK && c->err != HCPCS_ERR_SERVER)
		return -1;
	if (c->pending != 0) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER,
		    "%s: %zu pipelined replies not read yet", method,
		    c->pending);
		return -1;
	}
	va_start(ap, fmt);
	rc = hcpcs_vappendf(c, method, fmt, ap);
	va_end(ap);
	if (rc == -1 || hcpcs_get_reply(c, &v) == -1)
		return -1;
	c->last = v;
	return 0;
}

static int
hcpcs_bad_result(struct hcpcs *c, const char *method)
{
	hcpcs_set_error(c, HCPCS_ERR_PROTOCOL, "%s: unexpected result shape",
	    method);
	return -1;
}

static const char *
hcpcs_get_str(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_STR ? v->s : NULL;
}

static int64_t
hcpcs_get_int(const struct hcpcs_value *m, const char *key, int64_t def)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_INT ? v->i : def;
}

static int
hcpcs_get_bool(const struct hcpcs_value *m, const char *key)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	return v != NULL && v->type == HCPCS_T_BOOL && v->i != 0;
}

/* A [str] value as a scratch array of its strings (non-strings skipped). */
static int
hcpcs_get_strlist(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, const char ***out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);
	const char	**arr;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (v == NULL || v->type != HCPCS_T_ARRAY || v->n == 0)
		return 0;
	if ((arr = hcpcs_scratch_alloc(c, v->n * sizeof(*arr))) == NULL)
		return -1;
	for (i = 0; i < v->n; i++)
		if (v->elems[i].type == HCPCS_T_STR)
			arr[(*n)++] = v->elems[i].s;
	*out = arr;
	return 0;
}

static struct hcpcs_record *
hcpcs_decode_record(struct hcpcs *c, const struct hcpcs_value *m)
{
	const struct hcpcs_value *raw;
	struct hcpcs_record *r;
	size_t		 i;
	int		 rc = 0;

	if (m->type != HCPCS_T_MAP) {
		hcpcs_bad_result(c, "record");
		return NULL;
	}
	if ((r = hcpcs_scratch_alloc(c, sizeof(*r))) == NULL)
		return NULL;
	r->code = hcpcs_get_str(m, "code");
	r->set = hcpcs_get_str(m, "set");
	r->kind = hcpcs_get_str(m, "kind");
	r->level = (int)hcpcs_get_int(m, "level", 0);
	r->short_desc = hcpcs_get_str(m, "short");
	r->medium_desc = hcpcs_get_str(m, "medium");
	r->long_desc = hcpcs_get_str(m, "long");
	r->added = hcpcs_get_str(m, "added");
	r->effective = hcpcs_get_str(m, "effective");
	r->terminated = hcpcs_get_str(m, "terminated");
	r->action = hcpcs_get_str(m, "action");
	r->coverage = hcpcs_get_str(m, "coverage");
	rc |= hcpcs_get_strlist(c, m, "pricing", &r->pricing, &r->npricing);
	r->mult_pricing = hcpcs_get_str(m, "mult_pricing");
	rc |= hcpcs_get_strlist(c, m, "cim", &r->cim, &r->ncim);
	rc |= hcpcs_get_strlist(c, m, "mcm", &r->mcm, &r->nmcm);
	r->statute = hcpcs_get_str(m, "statute");
	rc |= hcpcs_get_strlist(c, m, "labcert", &r->labcert, &r->nlabcert);
	rc |= hcpcs_get_strlist(c, m, "xref", &r->xref, &r->nxref);
	r->asc_group = hcpcs_get_str(m, "asc_group");
	r->asc_date = hcpcs_get_str(m, "asc_date");
	r->opps = hcpcs_get_str(m, "opps");
	r->opps_pi = hcpcs_get_str(m, "opps_pi");
	r->opps_date = hcpcs_get_str(m, "opps_date");
	r->proc_note = hcpcs_get_str(m, "proc_note");
	r->betos = hcpcs_get_str(m, "betos");
	rc |= hcpcs_get_strlist(c, m, "tos", &r->tos, &r->ntos);
	r->anesthesia_units = (int)hcpcs_get_int(m, "anesthesia_units", -1);
	r->status = hcpcs_get_str(m, "status");
	r->release = hcpcs_get_str(m, "release");
	if (rc != 0)
		return NULL;
	raw = hcpcs_value_get(m, "raw");
	if (raw != NULL && raw->type == HCPCS_T_MAP && raw->n > 0) {
		r->raw_keys = hcpcs_scratch_alloc(c, raw->n * sizeof(char *));
		r->raw_values = hcpcs_scratch_alloc(c,
		    raw->n * sizeof(char *));
		if (r->raw_keys == NULL || r->raw_values == NULL)
			return NULL;
		for (i = 0; i < raw->n; i++) {
			const struct hcpcs_value *k = &raw->elems[2 * i];
			const struct hcpcs_value *val = &raw->elems[2 * i + 1];

			if (k->type != HCPCS_T_STR || val->type != HCPCS_T_STR)
				continue;
			r->raw_keys[r->nraw] = k->s;
			r->raw_values[r->nraw++] = val->s;
		}
	}
	return r;
}

/* An array of record maps (nil slots stay NULL); returns found count. */
static int
hcpcs_decode_records(struct hcpcs *c, const char *method,
    struct hcpcs_record ***out)
{
	const struct hcpcs_value *v = c->last;
	struct hcpcs_record **recs;
	size_t		 i;
	int		 found = 0;

	if (v->type != HCPCS_T_ARRAY || v->n > INT_MAX)
		return hcpcs_bad_result(c, method);
	if ((recs = hcpcs_scratch_alloc(c, (v->n + 1) * sizeof(*recs))) ==
	    NULL)
		return -1;
	for (i = 0; i < v->n; i++) {
		if (v->elems[i].type == HCPCS_T_NIL)
			continue;
		if ((recs[i] = hcpcs_decode_record(c, &v->elems[i])) == NULL)
			return -1;
		found++;
	}
	*out = recs;
	return found;
}

int
hcpcs_ping(struct hcpcs *c)
{
	if (hcpcs_call(c, "ping", "") == -1)
		return -1;
	if (c->last->type != HCPCS_T_STR || strcmp(c->last->s, "pong") != 0)
		return hcpcs_bad_result(c, "ping");
	return 0;
}

int
hcpcs_lookup(struct hcpcs *c, const char *code, const struct hcpcs_query *q,
    struct hcpcs_record **out)
{
	*out = NULL;
	if (hcpcs_call(c, "lookup", "sq", code, q) == -1)
		return -1;
	if (c->last->type == HCPCS_T_NIL)
		return 0;
	if ((*out = hcpcs_decode_record(c, c->last)) == NULL)
		return -1;
	return 1;
}

int
hcpcs_lookup_many(struct hcpcs *c, const char *const *codes, size_t n,
    const struct hcpcs_query *q, struct hcpcs_record ***out)
{
	int	found;

	*out = NULL;
	if (hcpcs_call(c, "lookup_many", "aq", codes, n, q) == -1)
		return -1;
	found = hcpcs_decode_records(c, "lookup_many", out);
	if (found >= 0 && c->last->n != n) {
		*out = NULL;
		return hcpcs_bad_result(c, "lookup_many");
	}
	return found;
}

int
hcpcs_validate(struct hcpcs *c, const char *code, const char *date,
    const struct hcpcs_query *q, struct hcpcs_validation **out)
{
	struct hcpcs_validation *v;
	const struct hcpcs_value *m;

	if (out != NULL)
		*out = NULL;
	if (hcpcs_call(c, "validate", "ssv", code, date, q) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP || hcpcs_value_get(m, "valid") == NULL)
		return hcpcs_bad_result(c, "validate");
	if ((v = hcpcs_scratch_alloc(c, sizeof(*v))) == NULL)
		return -1;
	v->valid = hcpcs_get_bool(m, "valid");
	v->code = hcpcs_get_str(m, "code");
	v->status = hcpcs_get_str(m, "status");
	v->reason = hcpcs_get_str(m, "reason");
	v->set = hcpcs_get_str(m, "set");
	v->release = hcpcs_get_str(m, "release");
	if (out != NULL)
		*out = v;
	return v->valid ? 1 : 0;
}

int
hcpcs_search(struct hcpcs *c, const char *text, const struct hcpcs_query *q,
    struct hcpcs_record ***out)
{
	*out = NULL;
	if (hcpcs_call(c, "search", "sQ", text, q) == -1)
		return -1;
	return hcpcs_decode_records(c, "search", out);
}

int
hcpcs_classify(struct hcpcs *c, const char *code,
    struct hcpcs_classification **out)
{
	struct hcpcs_classification *k;
	const struct hcpcs_value *m;

	*out = NULL;
	if (hcpcs_call(c, "classify", "s", code) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP)
		return hcpcs_bad_result(c, "classify");
	if ((k = hcpcs_scratch_alloc(c, sizeof(*k))) == NULL)
		return -1;
	k->code = hcpcs_get_str(m, "code");
	k->system = hcpcs_get_str(m, "system");
	k->level = (int)hcpcs_get_int(m, "level", 0);
	k->category = hcpcs_get_str(m, "category");
	k->section = hcpcs_get_str(m, "section");
	k->group = hcpcs_get_str(m, "group");
	k->kind = hcpcs_get_str(m, "kind");
	k->maintainer = hcpcs_get_str(m, "maintainer");
	*out = k;
	return 0;
}

/* A map of name -> int as a scratch array of counters (others skipped). */
static int
hcpcs_get_counters(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, struct hcpcs_counter **out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);
	struct hcpcs_counter *arr;
	size_t		 i;

	*out = NULL;
	*n = 0;
	if (v == NULL || v->type != HCPCS_T_MAP || v->n == 0)
		return 0;
	if ((arr = hcpcs_scratch_alloc(c, v->n * sizeof(*arr))) == NULL)
		return -1;
	for (i = 0; i < v->n; i++) {
		const struct hcpcs_value *k = &v->elems[2 * i];
		const struct hcpcs_value *val = &v->elems[2 * i + 1];

		if (k->type != HCPCS_T_STR || val->type != HCPCS_T_INT)
			continue;
		arr[*n].name = k->s;
		arr[(*n)++].count = val->i;
	}
	*out = arr;
	return 0;
}

/* info.stats; every counter the server left out stays -1. */
static int
hcpcs_decode_stats(struct hcpcs *c, const struct hcpcs_value *m,
    struct hcpcs_stats *st)
{
	const struct hcpcs_value *rl;

	st->notifications = hcpcs_get_int(m, "notifications", -1);
	st->connections_current = hcpcs_get_int(m, "connections_current", -1);
	st->connections_total = hcpcs_get_int(m, "connections_total", -1);
	st->connections_rejected = hcpcs_get_int(m, "connections_rejected",
	    -1);
	st->bytes_in = hcpcs_get_int(m, "bytes_in", -1);
	st->bytes_out = hcpcs_get_int(m, "bytes_out", -1);
	rl = hcpcs_value_get(m, "reloads");
	st->reloads = hcpcs_get_int(rl, "count", -1);
	st->reloads_failed = hcpcs_get_int(rl, "failed", -1);
	st->reload_last_ms = hcpcs_get_int(rl, "last_duration_ms", -1);
	if (hcpcs_get_counters(c, m, "requests", &st->requests,
	    &st->nrequests) == -1 ||
	    hcpcs_get_counters(c, m, "errors", &st->errors, &st->nerrors) == -1)
		return -1;
	return 0;
}

static int
hcpcs_decode_releases(struct hcpcs *c, const struct hcpcs_value *s,
    struct hcpcs_set_info *si)
{
	const struct hcpcs_value *rels = hcpcs_value_get(s, "releases");
	struct hcpcs_release_info *ri;
	size_t		 i;

	if (rels == NULL || rels->type != HCPCS_T_ARRAY || rels->n == 0)
		return 0;
	if ((si->releases = hcpcs_scratch_alloc(c,
	    rels->n * sizeof(*si->releases))) == NULL)
		return -1;
	si->nreleases = rels->n;
	for (i = 0; i < rels->n; i++) {
		const struct hcpcs_value *r = &rels->elems[i];

		ri = &si->releases[i];
		ri->path = hcpcs_get_str(r, "path");
		ri->effective = hcpcs_get_str(r, "effective");
		ri->effective_auto = hcpcs_get_bool(r, "effective_auto");
		ri->in_force = hcpcs_get_bool(r, "in_force");
		ri->records = hcpcs_get_int(r, "records", 0);
		ri->modifiers = hcpcs_get_int(r, "modifiers", 0);
		ri->sha256 = hcpcs_get_str(r, "sha256");
		ri->loaded_at = hcpcs_get_str(r, "loaded_at");
	}
	return 0;
}

int
hcpcs_info(struct hcpcs *c, struct hcpcs_info **out)
{
	const struct hcpcs_value *m, *sets, *lr;
	struct hcpcs_info *inf;
	size_t		 i;

	*out = NULL;
	if (hcpcs_call(c, "info", "") == -1)
		return -1;
	m = c->last;
	sets = hcpcs_value_get(m, "sets");
	if (m->type != HCPCS_T_MAP || sets == NULL ||
	    sets->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "info");
	if ((inf = hcpcs_scratch_alloc(c, sizeof(*inf))) == NULL)
		return -1;
	inf->version = hcpcs_get_str(m, "version");
	inf->started_at = hcpcs_get_str(m, "started_at");
	inf->generation = hcpcs_get_int(m, "generation", 0);
	if (sets->n > 0 && (inf->sets = hcpcs_scratch_alloc(c,
	    sets->n * sizeof(*inf->sets))) == NULL)
		return -1;
	inf->nsets = sets->n;
	for (i = 0; i < sets->n; i++) {
		const struct hcpcs_value *s = &sets->elems[i];
		struct hcpcs_set_info *si = &inf->sets[i];

		si->name = hcpcs_get_str(s, "name");
		si->format = hcpcs_get_str(s, "format");
		si->path = hcpcs_get_str(s, "path");
		si->records = hcpcs_get_int(s, "records", 0);
		si->modifiers = hcpcs_get_int(s, "modifiers", 0);
		si->loaded_at = hcpcs_get_str(s, "loaded_at");
		si->sha256 = hcpcs_get_str(s, "sha256");
		si->min_records = hcpcs_get_int(s, "min_records", 0);
		if (hcpcs_decode_releases(c, s, si) == -1)
			return -1;
	}
	lr = hcpcs_value_get(m, "last_reload");
	inf->last_reload.ok = lr == NULL ? 1 : hcpcs_get_bool(lr, "ok");
	inf->last_reload.at = hcpcs_get_str(lr, "at");
	inf->last_reload.error = hcpcs_get_str(lr, "error");
	if (hcpcs_decode_stats(c, hcpcs_value_get(m, "stats"),
	    &inf->stats) == -1)
		return -1;
	*out = inf;
	return 0;
}

/* A [str] result member as a scratch array; a non-array is malformed. */
static int
hcpcs_diff_codes(struct hcpcs *c, const struct hcpcs_value *m,
    const char *key, const char ***out, size_t *n)
{
	const struct hcpcs_value *v = hcpcs_value_get(m, key);

	if (v != NULL && v->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "diff");
	return hcpcs_get_strlist(c, m, key, out, n);
}

int
hcpcs_diff(struct hcpcs *c, const char *set, const char *from,
    const char *to, struct hcpcs_diff **out)
{
	const struct hcpcs_value *m, *ch;
	struct hcpcs_diff *d;
	size_t		 i;

	*out = NULL;
	if (hcpcs_call(c, "diff", "sss", set, from, to) == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP)
		return hcpcs_bad_result(c, "diff");
	if ((d = hcpcs_scratch_alloc(c, sizeof(*d))) == NULL)
		return -1;
	if (hcpcs_diff_codes(c, m, "added", &d->added, &d->nadded) == -1 ||
	    hcpcs_diff_codes(c, m, "removed", &d->removed,
	    &d->nremoved) == -1 ||
	    hcpcs_diff_codes(c, m, "terminated", &d->terminated,
	    &d->nterminated) == -1)
		return -1;
	ch = hcpcs_value_get(m, "changed");
	if (ch != NULL && ch->type != HCPCS_T_ARRAY)
		return hcpcs_bad_result(c, "diff");
	if (ch != NULL && ch->n > 0) {
		if ((d->changed = hcpcs_scratch_alloc(c,
		    ch->n * sizeof(*d->changed))) == NULL)
			return -1;
		for (i = 0; i < ch->n; i++) {
			const struct hcpcs_value *e = &ch->elems[i];
			struct hcpcs_diff_change *dc = &d->changed[d->nchanged];

			if (e->type != HCPCS_T_MAP ||
			    (dc->code = hcpcs_get_str(e, "code")) == NULL)
				return hcpcs_bad_result(c, "diff");
			if (hcpcs_get_strlist(c, e, "fields", &dc->fields,
			    &dc->nfields) == -1)
				return -1;
			d->nchanged++;
		}
	}
	*out = d;
	return 0;
}

int
hcpcs_reload(struct hcpcs *c, struct hcpcs_reload **out)
{
	struct hcpcs_reload *r;
	const struct hcpcs_value *m;

	if (out != NULL)
		*out = NULL;
	if (hcpcs_call(c, "reload", "") == -1)
		return -1;
	m = c->last;
	if (m->type != HCPCS_T_MAP || hcpcs_value_get(m, "ok") == NULL)
		return hcpcs_bad_result(c, "reload");
	if ((r = hcpcs_scratch_alloc(c, sizeof(*r))) == NULL)
		return -1;
	r->ok = hcpcs_get_bool(m, "ok");
	r->generation = hcpcs_get_int(m, "generation", 0);
	r->error = hcpcs_get_str(m, "error");
	if (out != NULL)
		*out = r;
	return r->ok ? 1 : 0;
}
