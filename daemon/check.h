/*
 * check.h: hcpcsd -t (check.c).
 */
#ifndef HCPCSD_CHECK_H
#define HCPCSD_CHECK_H

struct conf;

/*
 * Load conf and every data file through the quality gate, print each
 * set and release (verbose: its path, sha256 and quirks), and, when a
 * daemon answers on sock (NULL: conf->socket), what loading conf would
 * change there.  Returns 0 ("configuration OK") or 1 after printing the
 * error; the preview never changes the verdict.
 */
int	check_config(const struct conf *conf, const char *sock, int verbose);

#endif /* HCPCSD_CHECK_H */
