/*
 * log.c: stderr logging with a level, one line per event, its text
 * cleaned (text.h): valid UTF-8 without control characters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "text.h"

/* Set by the main thread, read by every thread that logs. */
static _Atomic int	log_max = LOG_LVL_INFO;
static const char	*log_prog = "hcpcsd";

static const char *const log_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void
log_init(enum log_level lvl, const char *progname)
{
	atomic_store_explicit(&log_max, lvl, memory_order_relaxed);
	if (progname != NULL)
		log_prog = progname;
}

void
log_set_level(enum log_level lvl)
{
	atomic_store_explicit(&log_max, lvl, memory_order_relaxed);
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
log_vwrite(enum log_level lvl, int with_errno, int saved, const char *fmt,
    va_list ap)
{
	char	raw[4096], line[2048];	/* raw's cut lies past line's */
	int	n;

	if ((int)lvl > atomic_load_explicit(&log_max, memory_order_relaxed))
		return;
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		return;
	/*
	 * What a client or a file put in the message can neither end the
	 * line nor reach a terminal as a control sequence.
	 */
	text_clean(line, sizeof(line), raw, strlen(raw), 0);
	if (with_errno)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, log_names[lvl],
		    line, strerror(saved));
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, log_names[lvl],
		    line);
	fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, 1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, 0, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_INFO, 0, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_DEBUG, 0, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, 1, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

static long long
log_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

int
log_warnx_rate(struct log_rate *r, const char *fmt, ...)
{
	long long	 now = log_now();
	va_list		 ap;

	if (!r->started || now - r->start >= LOG_RATE_WINDOW) {
		log_rate_flush(r);
		r->started = 1;
		r->start = now;
		r->n = 0;
	}
	if (r->n >= LOG_RATE_MAX) {
		r->suppressed++;
		return 0;
	}
	r->n++;
	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, 0, 0, fmt, ap);
	va_end(ap);
	return 1;
}

void
log_rate_flush(struct log_rate *r)
{
	if (r->suppressed == 0)
		return;
	log_warnx("%s: suppressed %lu more (at most %d lines per %d s)",
	    r->what, r->suppressed, LOG_RATE_MAX, LOG_RATE_WINDOW);
	r->suppressed = 0;
}
