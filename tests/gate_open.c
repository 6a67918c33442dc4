/*
 * gate_open.c: LD_PRELOAD'ed into hcpcsd by tests that need a load to
 * wait for them (tests/hcpcsd_harness.py, gate_env).  While the FIFO
 * $HCPCSD_GATE_FIFO exists, an open() of $HCPCSD_GATE_PATH (the
 * config) first reads that FIFO to its end, blocking until the test
 * writes into it, and puts what it read in place of the file (renamed
 * over it); then it opens the file.  The config itself can then be a
 * regular file, as hcpcsd insists, and a test still decides when each
 * load reads it and what it reads.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int	 open_fn(const char *, int, ...);

int	 open(const char *, int, ...);
int	 open64(const char *, int, ...);

/* Wait for the test's content and write it over path; -1 on error. */
static int
gate_wait(const char *path)
{
	const char	*fifo = getenv("HCPCSD_GATE_FIFO");
	open_fn		*real = (open_fn *)dlsym(RTLD_NEXT, "open");
	struct stat	 st;
	char		 tmp[4096], buf[65536];
	ssize_t		 n;
	int		 in, out, saved = errno;

	if (fifo == NULL || stat(fifo, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		errno = saved;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.gate", path);
	if ((in = real(fifo, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((out = real(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0 ||
	    (n == -1 && errno == EINTR))
		if (n > 0 && write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	if (rename(tmp, path) == -1)
		return -1;
	errno = saved;
	return 0;
}

static int
gate_open(const char *sym, const char *path, int flags, va_list ap)
{
	const char	*gate = getenv("HCPCSD_GATE_PATH");
	open_fn		*real = (open_fn *)dlsym(RTLD_NEXT, sym);
	mode_t		 mode = 0;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, mode_t);
	if (gate != NULL && strcmp(path, gate) == 0 && gate_wait(path) == -1)
		return -1;
	return real(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	va_list	 ap;
	int	 fd;

	va_start(ap, flags);
	fd = gate_open("open", path, flags, ap);
	va_end(ap);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	va_list	 ap;
	int	 fd;

	va_start(ap, flags);
	fd = gate_open("open64", path, flags, ap);
	va_end(ap);
	return fd;
}
