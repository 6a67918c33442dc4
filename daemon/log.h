/*
 * log.h: one line per event on stderr (journald adds the time).
 * log_warn appends strerror(errno), log_warnx does not; fatal/fatalx
 * exit and are for use before serving starts only.
 */
#ifndef HCPCSD_LOG_H
#define HCPCSD_LOG_H

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void	log_init(enum log_level, const char *progname);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
void	log_warn(const char *, ...) LOG_PRINTF(1, 2);
void	log_warnx(const char *, ...) LOG_PRINTF(1, 2);
void	log_info(const char *, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *, ...) LOG_PRINTF(1, 2);
_Noreturn void fatal(const char *, ...) LOG_PRINTF(1, 2);
_Noreturn void fatalx(const char *, ...) LOG_PRINTF(1, 2);

/*
 * A rate limit for lines a client can cause (protocol errors): at most
 * LOG_RATE_MAX lines per LOG_RATE_WINDOW seconds pass through one
 * limiter; the rest are counted, and log_rate_flush logs one summary
 * line "WHAT: suppressed N more" (call it when the window ends and at
 * shutdown).  Zero-initialise it apart from what.
 */
#define LOG_RATE_MAX		10
#define LOG_RATE_WINDOW		10	/* seconds */

struct log_rate {
	const char	*what;		/* names the summary line */
	long long	 start;		/* window start, monotonic seconds */
	unsigned	 n;		/* lines logged in this window */
	unsigned long	 suppressed;	/* not logged since the last flush */
	int		 started;
};

/* log_warnx through the limiter; returns 1 if logged, 0 if counted. */
int	log_warnx_rate(struct log_rate *, const char *, ...)
	    LOG_PRINTF(2, 3);
/* Log the summary of suppressed lines, if any, and reset the count. */
void	log_rate_flush(struct log_rate *);

#endif /* HCPCSD_LOG_H */
