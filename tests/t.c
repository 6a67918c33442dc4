/*
 * t.c: the counting assert behind t.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "t.h"

int t_checks, t_failures;

void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	t_failures++;
	fprintf(stderr, "%s:%d: FAIL: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
t_done(void)
{
	printf("%d checks, %d failed\n", t_checks, t_failures);
	return t_failures == 0 ? 0 : 1;
}

void
t_skip(const char *reason)
{
	printf("SKIP: %s\n", reason);
	exit(77);
}

const char *
t_shared_data(void)
{
	static const char *const dirs[] = {
		"../shared/data/hcpcs", "../../shared/data/hcpcs",
	};
	const char	*env = getenv("HCPCSD_SHARED_DATA");
	struct stat	 st;
	size_t		 i;

	if (env != NULL)
		return stat(env, &st) == 0 ? env : NULL;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}
