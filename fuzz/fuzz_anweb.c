/*
 * fuzz_anweb.c: load_anweb on arbitrary bytes (docs/formats.md section 8).
 */
#include <stdint.h>
#include <unistd.h>

#include "fuzz.h"
#include "load.h"
#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct record_set set;
	struct record_err err;
	char	path[64];
	int	fd;

	fd = fuzz_memfd(data, len, path, sizeof(path));
	record_set_init(&set);
	(void)load_anweb(path, 0, &set, &err);
	record_set_free(&set);
	close(fd);
	return 0;
}
