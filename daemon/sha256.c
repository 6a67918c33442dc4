/*
 * sha256.c: SHA-256 as specified in FIPS 180-4, section 6.2.  Small and
 * portable rather than fast: it hashes a few megabytes per reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static void	sha256_block(struct sha256_ctx *, const unsigned char *);

void
sha256_init(struct sha256_ctx *c)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(c->h, h0, sizeof(h0));
	c->nbytes = 0;
	c->nbuf = 0;
}

static void
sha256_block(struct sha256_ctx *c, const unsigned char *p)
{
	uint32_t	 w[64], a, b, cc, d, e, f, g, h, t1, t2, s0, s1;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^
		    (w[i - 15] >> 3);
		s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	f = c->h[5];
	g = c->h[6];
	h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
		    ((a & b) ^ (a & cc) ^ (b & cc));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = cc;
		cc = b;
		b = a;
		a = t1 + t2;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
	c->h[5] += f;
	c->h[6] += g;
	c->h[7] += h;
}

void
sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t		 n;

	c->nbytes += len;
	if (c->nbuf > 0) {
		n = sizeof(c->buf) - c->nbuf;
		if (n > len)
			n = len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n;
		p += n;
		len -= n;
		if (c->nbuf < sizeof(c->buf))
			return;
		sha256_block(c, c->buf);
		c->nbuf = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(c, p);
	memcpy(c->buf, p, len);
	c->nbuf = len;
}

void
sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_LEN])
{
	uint64_t	 bits = c->nbytes * 8;
	int		 i;

	/* Padding: 0x80, zeros up to 56 mod 64, then the bit length. */
	c->buf[c->nbuf++] = 0x80;
	if (c->nbuf > 56) {
		memset(c->buf + c->nbuf, 0, sizeof(c->buf) - c->nbuf);
		sha256_block(c, c->buf);
		c->nbuf = 0;
	}
	memset(c->buf + c->nbuf, 0, 56 - c->nbuf);
	for (i = 0; i < 8; i++)
		c->buf[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_block(c, c->buf);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
	c->nbuf = 0;
}

void
sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN],
    char hex[SHA256_HEX_LEN + 1])
{
	static const char xd[] = "0123456789abcdef";
	int		 i;

	for (i = 0; i < SHA256_DIGEST_LEN; i++) {
		hex[2 * i] = xd[digest[i] >> 4];
		hex[2 * i + 1] = xd[digest[i] & 0xf];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

void
sha256_buf(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx c;
	unsigned char	 d[SHA256_DIGEST_LEN];

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, d);
	sha256_hex(d, hex);
}

int
sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
    struct record_err *err)
{
	struct sha256_ctx c;
	struct stat	 st;
	unsigned char	 d[SHA256_DIGEST_LEN], buf[65536];
	ssize_t		 n;
	int		 fd;

	/* Non-blocking open: a FIFO here must not hang a reload. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
		    S_ISREG(st.st_mode) ? strerror(errno) :
		    "not a regular file");
		close(fd);
		return -1;
	}
	sha256_init(&c);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		sha256_update(&c, buf, (size_t)n);
	}
	close(fd);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	return 0;
}
