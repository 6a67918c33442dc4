/*
 * fuzz_conf.c: conf_load on arbitrary bytes as the YAML file.  The
 * paths it names are only made absolute, never opened.
 */
#include <stdint.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct conf	*c;
	char		 path[64], err[1024];
	int		 fd;

	fd = fuzz_memfd(data, len, path, sizeof(path));
	c = conf_load(path, err, sizeof(err));
	conf_free(c);
	close(fd);
	return 0;
}
