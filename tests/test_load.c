/*
 * test_load.c: what every loader shares: load_slurp's refusals, and
 * the quirk counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "load.h"
#include "load_file.h"
#include "sha256.h"
#include "t.h"

int
main(void)
{
	struct record_err	 err;
	const char		*dir = t_mkdtemp("load");
	const char		*path, *big;
	char			 missing[256];
	char			*buf, hex[SHA256_HEX_LEN + 1];
	size_t			 len = 0;

	path = t_write_file(dir, "ok.txt", "A0021\n", 6, 0644);
	buf = load_slurp(path, 0, &len, &err);
	T_OK(buf != NULL);
	T_EQ_INT(len, 6);
	T_EQ_STR(buf, "A0021\n");
	free(buf);

	/*
	 * Over max_file_bytes: refused from fstat, before a byte is read
	 * or allocated.  The 65 MiB file is sparse, so it costs no disk;
	 * reading it would cost 65 MiB.
	 */
	big = t_write_file(dir, "big.txt", "A0021\n", 6, 0644);
	T_OK(load_slurp(big, 5, &len, &err) == NULL);
	T_OK(strstr(err.msg, "big.txt: 6 bytes, more than max_file_bytes 5 "
	    "(raise max_file_bytes") != NULL);
	T_OK((buf = load_slurp(big, 6, &len, &err)) != NULL);
	free(buf);
	{
		int fd = open(big, O_WRONLY);

		T_OK(fd != -1 && ftruncate(fd, 65LL * 1024 * 1024) == 0);
		if (fd != -1)
			close(fd);
	}
	T_OK(load_slurp(big, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, "big.txt: 68157440 bytes, more than "
	    "max_file_bytes 67108864") != NULL);

	/* Writable by others: refused, with the mode and the fix. */
	T_EQ_INT(chmod(path, 0666), 0);
	T_OK(load_slurp(path, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, "ok.txt: writable by others (mode 0666") != NULL);

	path = t_write_file(dir, "empty.txt", "", 0, 0644);
	T_OK(load_slurp(path, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, "empty.txt: file is empty") != NULL);

	snprintf(missing, sizeof(missing), "%s/missing.txt", dir);
	T_OK(load_slurp(missing, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, "missing.txt: No such file or directory") !=
	    NULL);

	T_OK(load_slurp(dir, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, ": not a regular file") != NULL);

	/*
	 * A FIFO where a data file belongs: refused at once, not a load
	 * blocked forever in open() (alarm ends the test if it hangs).
	 */
	snprintf(missing, sizeof(missing), "%s/fifo.txt", dir);
	T_EQ_INT(mkfifo(missing, 0600), 0);
	alarm(10);
	T_OK(load_slurp(missing, 0, &len, &err) == NULL);
	T_OK(strstr(err.msg, "fifo.txt: not a regular file") != NULL);
	T_EQ_INT(sha256_file(missing, hex, &err), -1);
	T_OK(strstr(err.msg, "fifo.txt: not a regular file") != NULL);
	alarm(0);
	remove(missing);

	/* Quirks: counted past the first three, positions of the first. */
	{
		struct record_stats st;
		char	 line[256];
		size_t	 i;

		memset(&st, 0, sizeof(st));
		load_quirks_summary(&st, line, sizeof(line));
		T_EQ_STR(line, "none");
		load_quirk_file(&st, 0, "/data/HCPC2020_ANWEB.txt");
		load_quirk_file(&st, 1, "SHORTU.txt");
		for (i = 0; i < 5; i++)
			load_quirk(&st, RQ_BLANK_DATES, 0, 23 + i);
		load_quirk(&st, RQ_BOM, 1, 1);
		T_EQ_INT(st.quirks[RQ_BLANK_DATES].n, 5);
		T_EQ_INT(st.quirks[RQ_BLANK_DATES].first[2].line, 25);
		load_quirks_summary(&st, line, sizeof(line));
		T_EQ_STR(line, "blank_dates 5 (first HCPC2020_ANWEB.txt:23), "
		    "bom 1 (first SHORTU.txt:1)");
		T_EQ_STR(record_quirk_name(RQ_SHORT_LINES), "short_lines");
		T_OK(record_quirk_name(RQ_MAX) == NULL);
	}
	return t_done();
}
