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

#endif /* HCPCSD_LOG_H */
