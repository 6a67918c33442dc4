/*
 * fuzz_cpt.c: load_cpt on arbitrary bytes.  The input is split at
 * "\n====\n" separators into LONGULT, SHORTU, MEDU and the modifiers
 * file (an absent or empty part is an absent file), so the merge of
 * the optional files runs too.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "load.h"
#include "record.h"

#define SEP	"\n====\n"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct record_set set;
	struct record_err err;
	char	paths[4][64];
	const char *p[4] = { NULL, NULL, NULL, NULL };
	int	fd[4] = { -1, -1, -1, -1 };
	size_t	k, n;
	const uint8_t *s;

	for (k = 0; k < 4 && len > 0; k++) {
		s = k < 3 ? memmem(data, len, SEP, sizeof(SEP) - 1) : NULL;
		n = s != NULL ? (size_t)(s - data) : len;
		if (n > 0) {
			fd[k] = fuzz_memfd(data, n, paths[k], sizeof(paths[k]));
			p[k] = paths[k];
		}
		if (s == NULL)
			break;
		data = s + sizeof(SEP) - 1;
		len -= n + sizeof(SEP) - 1;
	}
	if (p[0] != NULL) {
		record_set_init(&set);
		(void)load_cpt(p[0], p[1], p[2], p[3], 0, &set, &err);
		record_set_free(&set);
	}
	for (k = 0; k < 4; k++)
		if (fd[k] != -1)
			close(fd[k]);
	return 0;
}
