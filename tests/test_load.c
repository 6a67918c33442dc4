/*
 * test_load.c: what every loader shares: load_slurp's refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load_file.h"
#include "sha256.h"
#include "t.h"

int
main(void)
{
	struct record_err	 err;
	const char		*dir = t_mkdtemp("load");
	const char		*path;
	char			 missing[256];
	char			*buf, hex[SHA256_HEX_LEN + 1];
	size_t			 len = 0;

	path = t_write_file(dir, "ok.txt", "A0021\n", 6, 0644);
	buf = load_slurp(path, &len, &err);
	T_OK(buf != NULL);
	T_EQ_INT(len, 6);
	T_EQ_STR(buf, "A0021\n");
	free(buf);

	/* Writable by others: refused, with the mode and the fix. */
	T_EQ_INT(chmod(path, 0666), 0);
	T_OK(load_slurp(path, &len, &err) == NULL);
	T_OK(strstr(err.msg, "ok.txt: writable by others (mode 0666") != NULL);

	path = t_write_file(dir, "empty.txt", "", 0, 0644);
	T_OK(load_slurp(path, &len, &err) == NULL);
	T_OK(strstr(err.msg, "empty.txt: file is empty") != NULL);

	snprintf(missing, sizeof(missing), "%s/missing.txt", dir);
	T_OK(load_slurp(missing, &len, &err) == NULL);
	T_OK(strstr(err.msg, "missing.txt: No such file or directory") !=
	    NULL);

	T_OK(load_slurp(dir, &len, &err) == NULL);
	T_OK(strstr(err.msg, ": not a regular file") != NULL);

	/*
	 * A FIFO where a data file belongs: refused at once, not a load
	 * blocked forever in open() (alarm ends the test if it hangs).
	 */
	snprintf(missing, sizeof(missing), "%s/fifo.txt", dir);
	T_EQ_INT(mkfifo(missing, 0600), 0);
	alarm(10);
	T_OK(load_slurp(missing, &len, &err) == NULL);
	T_OK(strstr(err.msg, "fifo.txt: not a regular file") != NULL);
	T_EQ_INT(sha256_file(missing, hex, &err), -1);
	T_OK(strstr(err.msg, "fifo.txt: not a regular file") != NULL);
	alarm(0);
	remove(missing);
	return t_done();
}
