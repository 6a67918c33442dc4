/*
 * t.h: a counting assert for unit tests.  Every check reports file:line
 * when it fails; t_done() prints the tally and gives the exit status.
 * A test that cannot run here calls t_skip(reason), which exits 77.
 */
#ifndef HCPCSD_T_H
#define HCPCSD_T_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

extern int t_checks, t_failures;

void	t_fail(const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	t_done(void);
_Noreturn void t_skip(const char *reason);
/* Directory holding the real CMS files, or NULL (callers then skip). */
const char *t_shared_data(void);
/*
 * Without the real CMS files: say which checks are skipped, in the one
 * line tests/run.sh counts ("SKIP real data: what ..."), then go on;
 * t_skip_realdata() then exits 77 as t_skip() does.
 */
void	t_realdata_skipped(const char *what);
_Noreturn void t_skip_realdata(const char *what);

struct record;
struct record_set;
/* The record with this code in set, or NULL (loader tests' lookup). */
const struct record *t_find(const struct record_set *, const char *code);

struct msgpack_object;
/* The value of key in map m, or NULL (also when m is NULL or no map). */
const struct msgpack_object *t_get(const struct msgpack_object *m,
	    const char *key);
/*
 * A str object as a C string, "(absent)" for NULL, "(nil)" or "(?)";
 * from four static buffers in turn, so four can be used at once.
 */
const char *t_str(const struct msgpack_object *);

/*
 * Temporary files.  t_mkdtemp() makes a private directory named
 * hcpcsd-test-TAG.XXXXXX under $TMPDIR (when that is a short absolute
 * path) or /tmp; it is remembered, and t_done(), t_skip() or any exit of
 * the process that made it removes it with all it holds.  t_write_file()
 * writes len bytes to dir/name with mode; the path it returns lasts until
 * exit.  Both exit 2 when they cannot (setup, not a test result).
 */
const char *t_mkdtemp(const char *tag);
char	*t_write_file(const char *dir, const char *name, const void *bytes,
	    size_t len, mode_t mode);
/* Remove path and what is below it (not following links); 0 or -1. */
int	 t_rmtree(const char *path);

#define T_OK(c) do { t_checks++; if (!(c)) \
	t_fail(__FILE__, __LINE__, "%s", #c); } while (0)
#define T_EQ_INT(a, b) do { long long t_a_ = (long long)(a), \
	t_b_ = (long long)(b); t_checks++; if (t_a_ != t_b_) \
	t_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, t_a_, \
	t_b_); } while (0)
#define T_EQ_STR(a, b) do { const char *t_a_ = (a), *t_b_ = (b); \
	t_checks++; if (t_a_ == NULL || t_b_ == NULL ? t_a_ != t_b_ : \
	strcmp(t_a_, t_b_) != 0) t_fail(__FILE__, __LINE__, \
	"%s == \"%s\", expected \"%s\"", #a, t_a_ ? t_a_ : "(null)", \
	t_b_ ? t_b_ : "(null)"); } while (0)

#endif /* HCPCSD_T_H */
