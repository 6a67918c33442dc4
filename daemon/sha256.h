/*
 * sha256.h: SHA-256 (FIPS 180-4), used to fingerprint the data files a
 * snapshot was built from (reported by the info method).
 */
#ifndef HCPCSD_SHA256_H
#define HCPCSD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define SHA256_DIGEST_LEN	32
#define SHA256_HEX_LEN		64	/* plus NUL */

struct sha256_ctx {
	uint32_t	 h[8];
	uint64_t	 nbytes;	/* message length so far */
	unsigned char	 buf[64];	/* a partial block */
	size_t		 nbuf;
};

void	sha256_init(struct sha256_ctx *);
void	sha256_update(struct sha256_ctx *, const void *, size_t);
/* Finish: writes the digest; the context must be re-initialised to reuse. */
void	sha256_final(struct sha256_ctx *, unsigned char out[SHA256_DIGEST_LEN]);

/* Lower-case hex of a digest into hex[65], NUL-terminated. */
void	sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN],
	    char hex[SHA256_HEX_LEN + 1]);

/* One-shot digest of a buffer, as lower-case hex. */
void	sha256_buf(const void *, size_t, char hex[SHA256_HEX_LEN + 1]);

/*
 * Digest of a whole file, as lower-case hex.  Returns 0, or -1 with err
 * "path: reason" when it cannot be opened or read.
 */
int	sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1],
	    struct record_err *err);

#endif /* HCPCSD_SHA256_H */
