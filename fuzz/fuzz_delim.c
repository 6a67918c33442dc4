/*
 * fuzz_delim.c: load_delimited on arbitrary bytes.  The first byte
 * picks the delimiter (comma or tab); the mapping is data/sample's
 * local set's (every mapped column must be in the header row), with
 * TOS1 and TOS2 feeding one list field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "load.h"
#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
column(struct conf_set *cs, enum record_field f, const char *h1,
    const char *h2)
{
	struct conf_column *c = &cs->columns[cs->ncolumns++];

	c->field = f;
	c->headers[0] = (char *)h1;
	c->nheaders = 1;
	if (h2 != NULL)
		c->headers[c->nheaders++] = (char *)h2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct conf_set cs;
	struct record_set set;
	struct record_err err;
	char	path[64];
	int	fd;

	if (len < 1)
		return 0;
	memset(&cs, 0, sizeof(cs));
	strcpy(cs.name, "local");
	cs.format = CONF_FMT_DELIMITED;
	cs.delimiter = data[0] & 1 ? '\t' : ',';
	column(&cs, RF_CODE, "HCPC", NULL);
	column(&cs, RF_LONG, "LONG DESCRIPTION", NULL);
	column(&cs, RF_SHORT, "SHORT DESCRIPTION", NULL);
	column(&cs, RF_ADDED, "ADD DT", NULL);
	column(&cs, RF_TERMINATED, "TERM DT", NULL);
	column(&cs, RF_TOS, "TOS1", "TOS2");
	fd = fuzz_memfd(data + 1, len - 1, path, sizeof(path));
	record_set_init(&set);
	/* FUZZ_DEBUG: say why an input was refused (seed checking). */
	if (load_delimited(&cs, path, &set, &err) == -1 &&
	    getenv("FUZZ_DEBUG") != NULL)
		fprintf(stderr, "%s\n", err.msg);
	record_set_free(&set);
	close(fd);
	return 0;
}
