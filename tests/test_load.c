/*
 * test_load.c: what every loader shares: load_slurp's refusals.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "t.h"

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_OK(fd != -1);
	if (fd == -1)
		return;
	T_EQ_INT(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	T_EQ_INT(chmod(path, mode), 0);
}

int
main(void)
{
	struct record_err	 err;
	char			 dir[] = "/tmp/hcpcsd-test-load.XXXXXX";
	char			 path[256];
	char			*buf;
	size_t			 len = 0;

	T_OK(mkdtemp(dir) != NULL);

	snprintf(path, sizeof(path), "%s/ok.txt", dir);
	write_file(path, "A0021\n", 0644);
	buf = load_slurp(path, &len, &err);
	T_OK(buf != NULL);
	T_EQ_INT(len, 6);
	T_EQ_STR(buf, "A0021\n");
	free(buf);

	/* Writable by others: refused, with the mode and the fix. */
	T_EQ_INT(chmod(path, 0666), 0);
	T_OK(load_slurp(path, &len, &err) == NULL);
	T_OK(strstr(err.msg, "ok.txt: writable by others (mode 0666") != NULL);

	snprintf(path, sizeof(path), "%s/empty.txt", dir);
	write_file(path, "", 0644);
	T_OK(load_slurp(path, &len, &err) == NULL);
	T_OK(strstr(err.msg, "empty.txt: file is empty") != NULL);
	unlink(path);

	snprintf(path, sizeof(path), "%s/missing.txt", dir);
	T_OK(load_slurp(path, &len, &err) == NULL);
	T_OK(strstr(err.msg, "missing.txt: No such file or directory") !=
	    NULL);

	T_OK(load_slurp(dir, &len, &err) == NULL);
	T_OK(strstr(err.msg, ": not a regular file") != NULL);

	snprintf(path, sizeof(path), "%s/ok.txt", dir);
	unlink(path);
	rmdir(dir);
	return t_done();
}
