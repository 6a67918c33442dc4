/*
 * conf.h: the YAML configuration (docs/hcpcsd.yaml.5), parsed once into
 * plain structs.  Every key, with its bounds and default, is one row of
 * the key table in conf.c; conf_defaults() fills the defaults from it.
 */
#ifndef HCPCSD_CONF_H
#define HCPCSD_CONF_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "log.h"
#include "record.h"

#define CONF_NAME_MAX		64
#define CONF_MAX_SETS		64
#define CONF_MAX_COLUMN_NAMES	RECORD_MAX_LABCERT	/* longest list */
#define CONF_MAX_RELEASES	64	/* per code set */
#define CONF_RATIO_ONE		10000	/* min_ratio 1.0 */

/* The unit of a set's stale_after. */
enum conf_unit {
	CONF_UNIT_DAYS,
	CONF_UNIT_MONTHS
};

enum conf_format {
	CONF_FMT_CMS_ANWEB,
	CONF_FMT_AMA_CPT,
	CONF_FMT_DELIMITED
};

/* One record field of a delimited file, taken from 1..n header names. */
struct conf_column {
	enum record_field field;
	char		*headers[CONF_MAX_COLUMN_NAMES];
	size_t		 nheaders;
};

/*
 * One release of a code set: its files and the date it takes effect.
 * The only place a set's files are kept: a set given with path: alone
 * has one release always in force (effective 0, effective_auto 0).
 */
struct conf_release {
	char		*path;		/* absolute (relative: to the conf) */
	char		*short_path;	/* ama-cpt: SHORTU.txt, or NULL */
	char		*medium_path;	/* ama-cpt: MEDU.txt, or NULL */
	char		*modifiers_path; /* ama-cpt: modifiers file, or NULL */
	uint32_t	 effective;	/* YYYYMMDD; 0: always or auto */
	int		 effective_auto; /* effective: auto (from the file) */
	char		 sha256[65];	/* expected, lower-case hex, or "" */
};

struct conf_set {
	char		 name[CONF_NAME_MAX];	/* [a-z0-9_-]+, unique */
	enum conf_format format;
	char		 delimiter;	/* delimited: ',' (default) or '\t' */
	struct conf_column columns[RF_MAX];	/* delimited */
	size_t		 ncolumns;
	/*
	 * Config order; at least one (conf_load; a set built by hand with
	 * none fails build_snapshot).  Dates are unique (auto aside).
	 */
	struct conf_release *releases;
	size_t		 nreleases;
	size_t		 min_records;	/* per release; 0: no minimum */
	/* bytes a data file may have; 64 MiB (conf_load); 0: the same */
	size_t		 max_file_bytes;
	/*
	 * The shrink guard: a release holding fewer than this share of
	 * the codes of the one it replaces is refused.  In ten-thousandths
	 * (CONF_RATIO_ONE is 1.0); default 0.9 (conf_load); 0, as in a set
	 * built by hand: off.
	 */
	unsigned	 min_ratio;
	/*
	 * A date later than the newest release's effective date plus this
	 * is stale: a newer quarterly release exists by then.  Default 4
	 * months (conf_load); 0, as in a set built by hand: never.
	 */
	unsigned	 stale_after;
	enum conf_unit	 stale_unit;
};

struct conf {
	char		*path;		/* the config file itself */
	char		*socket;	/* default /run/hcpcsd/hcpcsd.sock */
	mode_t		 socket_mode;	/* default 0660 */
	enum log_level	 log_level;	/* default info */
	size_t		 max_request_bytes;	/* default 1 MiB */
	size_t		 max_batch;	/* lookup_many codes, default 10000 */
	size_t		 max_clients;	/* default 1024 */
	size_t		 output_limit;	/* bytes queued per client, 16 MiB */
	size_t		 max_output_bytes;	/* all clients, 256 MiB */
	size_t		 output_timeout;	/* s unread; 30, 0: off */
	size_t		 idle_timeout;	/* s; 300, 0: off */
	size_t		 request_timeout;	/* s from its first byte; 10 */
	size_t		 max_requests_per_turn;	/* cost units, 64 */
	/* 0 (default): conf_per_uid() picks max_clients / 4, at least 1. */
	size_t		 max_connections_per_uid;
	size_t		 workers;	/* threads; online CPUs, at most 8 */
	/* Access (access.h): unset by default. */
	struct access_id user;		/* drop to it when root */
	struct access_id group;		/* with it; default user's group */
	struct access_id socket_group;	/* the socket's group */
	struct access_policy access;	/* allow_uids, allow_gids, admin_uids */
	size_t		 reload_min_interval;	/* RPC reloads, s; default 1 */
	size_t		 reload_timeout; /* seconds, default 120; 0: none */
	struct conf_set	*sets;
	size_t		 nsets;
};

/*
 * Fill every default (and no sets).  Allocates nothing: the default
 * socket string is static storage (never write to it), so a struct
 * filled only by conf_defaults() needs no freeing.
 */
void		 conf_defaults(struct conf *);

/*
 * Parse FILE.  On error returns NULL with err set to
 * "file:line:column: what (expected ...)", or "file: reason" when the
 * file cannot be read; err may be NULL.  Relative paths in the file are
 * made absolute against the file's directory and cleaned lexically
 * ("a/../b" becomes "b", no "//" or "/./"); c->path is the file's
 * absolute path, cleaned the same way.  Columns keep their order in
 * the file.  Caller owns the result; free it with conf_free().
 */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
/* Free a conf_load() result and everything it points to; NULL is fine. */
void		 conf_free(struct conf *);

const char	*conf_format_name(enum conf_format);

/* max_connections_per_uid in force: the key, or its default. */
size_t		 conf_per_uid(const struct conf *);

#endif /* HCPCSD_CONF_H */
