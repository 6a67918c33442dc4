/*
 * hcpcs.c: libhcpcs, the hcpcsd client library: the context, its
 * errors and its buffers.  One connection per context; requests are
 * encoded into the output buffer by the append calls, and a reply,
 * once decoded, is copied into one malloc'd hcpcs_value tree.  The
 * socket and the poll loop are in hcpcs_net.c; hcpcs_get_reply and the
 * typed calls in hcpcs_call.c, which call down into both; neither of
 * those is called from here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "hcpcs_int.h"
#include "mpscan.h"

/* Memory handed out by typed calls, freed at the next call. */
struct hcpcs_scratch {
	struct hcpcs_scratch *next;
	max_align_t	 data[];
};

void
hcpcs_set_error(struct hcpcs *c, int err, const char *fmt, ...)
{
	va_list	ap;

	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
	va_end(ap);
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
void *
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
int
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

/* A context not connected yet (fd -1); NULL when out of memory. */
struct hcpcs *
hcpcs_ctx_new(void)
{
	struct hcpcs	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = -1;
	c->next_msgid = c->read_msgid = 1;
	msgpack_sbuffer_init(&c->obuf);
	mpscan_init(&c->scan);
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
	case HCPCS_ERR_PEER:
		return "server runs as an unexpected user";
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

int
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
struct hcpcs_value *
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
