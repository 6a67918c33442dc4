/*
 * fuzz.h: what the harnesses share.  The loaders take a path, so the
 * input goes into an anonymous memory file named /proc/self/fd/N: no
 * disk, nothing left behind when the process dies.
 */
#ifndef HCPCSD_FUZZ_H
#define HCPCSD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A memfd holding data; path gets its /proc name.  Aborts on failure. */
static inline int
fuzz_memfd(const uint8_t *data, size_t len, char *path, size_t pathlen)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		abort();
	}
	/* A memfd is mode 0777; load_slurp refuses world-writable files. */
	if (fchmod(fd, 0600) == -1) {
		perror("fchmod");
		abort();
	}
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) <= 0) {
			perror("write");
			abort();
		}
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

#endif /* HCPCSD_FUZZ_H */
