/*
 * hcpcs_net.c: libhcpcs's socket: connect with a timeout, and the one
 * poll loop that writes the output buffer while it reads replies, so a
 * long pipeline cannot deadlock against the server's output limit.
 * A server that runs as a user the caller did not expect is refused
 * before anything is sent to it.
 * Each reply is checked as its bytes arrive (hcpcs_scan, over
 * common/mpscan.c) and handed to msgpack-c only once it is complete
 * and within the limits.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "hcpcs_int.h"
#include "mpscan.h"

#define HCPCS_READ_CHUNK	65536	/* bytes per recv */
/* Nested arrays and maps in a reply: at most msgpack-c's own limit. */
#define HCPCS_MAX_DEPTH		32

/* An errno error: "what: strerror". */
static void
hcpcs_set_errno(struct hcpcs *c, const char *what)
{
	hcpcs_set_error(c, HCPCS_ERR_IO, "%s: %s", what, strerror(errno));
}

long long
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

/*
 * The uid a server on path must run as (besides root), by o->expect;
 * -1 with an error set when it cannot be known.
 */
static int
hcpcs_expected_uid(struct hcpcs *c, const char *path,
    const struct hcpcs_options *o, uid_t *uid)
{
	struct stat	 st;
	char		 dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char		*slash;

	if (o->expect == HCPCS_EXPECT_UID) {
		*uid = o->expect_uid;
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';		/* "/name": the root */
	else
		*slash = '\0';
	if (stat(dir, &st) == -1) {
		hcpcs_set_error(c, HCPCS_ERR_IO, "socket directory %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	*uid = st.st_uid;
	return 0;
}

/*
 * Is the server on c->fd (just connected to path) the one o expects?
 * Its uid is the one SO_PEERCRED reports: that of whoever called
 * listen(2).  0, or -1 with a sticky error and the socket closed.
 */
static int
hcpcs_check_peer(struct hcpcs *c, const char *path,
    const struct hcpcs_options *o)
{
	struct ucred	 cr;
	socklen_t	 len = sizeof(cr);
	uid_t		 want;

	if (o->expect == HCPCS_EXPECT_ANY)
		return 0;
	if (hcpcs_expected_uid(c, path, o, &want) == -1)
		goto fail;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		hcpcs_set_errno(c, "getsockopt SO_PEERCRED");
		goto fail;
	}
	if (cr.uid == want || cr.uid == 0)
		return 0;
	hcpcs_set_error(c, HCPCS_ERR_PEER, "server on %s runs as uid %u, "
	    "expected %u%s", path, (unsigned)cr.uid, (unsigned)want,
	    want != 0 ? " or 0" : "");
fail:
	close(c->fd);
	c->fd = -1;
	return -1;
}

struct hcpcs *
hcpcs_connect(const struct hcpcs_options *opts)
{
	struct hcpcs_options o;
	struct hcpcs	*c;
	const char	*path;
	int		 cto;

	if ((c = hcpcs_ctx_new()) == NULL)
		return NULL;
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
	if (o.expect < HCPCS_EXPECT_ANY || o.expect > HCPCS_EXPECT_DIR_OWNER) {
		hcpcs_set_error(c, HCPCS_ERR_OTHER,
		    "hcpcs_options.expect %d is unknown", o.expect);
		return c;
	}
	if (hcpcs_do_connect(c, path, cto) == 0)
		hcpcs_check_peer(c, path, &o);
	return c;
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
int
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
