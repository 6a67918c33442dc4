/*
 * conf.c: the YAML configuration (docs/hcpcsd.yaml.5) read into a
 * struct conf.  Every key is one row of conf_keytab: its name, where
 * it may appear (top level, a code set, a release), the field it
 * fills, the parser that checks it, its bounds and its default.
 * conf_defaults() and the unknown-key messages are built from the
 * table; only the rules between keys (one file or releases, keys only
 * for one format) are written out, in conf_set and conf_release.
 * Anything not understood is an error: a typo in a config key must
 * never silently mean "default".  The value parsers are conf_value.c's,
 * the YAML walking conf_yaml.c's.
 */
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "conf.h"
#include "conf_key.h"
#include "conf_yaml.h"
#include "log.h"
#include "record.h"

#define CONF_SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/*
 * The default socket lives in static storage so that a struct conf
 * filled by conf_defaults() alone owns no memory; conf_free() frees the
 * socket only when it is not this one.
 */
static char conf_default_socket[] = "/run/hcpcsd/hcpcsd.sock";

static const char *const conf_format_names[] = {
	[CONF_FMT_CMS_ANWEB] = "cms-anweb",
	[CONF_FMT_AMA_CPT] = "ama-cpt",
	[CONF_FMT_DELIMITED] = "delimited",
};

/*
 * Every key, grouped by where it appears; in each group the order of
 * the "expected one of" lists and of reading.
 */
enum conf_key_id {
	/* The top-level mapping (struct conf). */
	CK_SOCKET,
	CK_SOCKET_MODE,
	CK_LOG_LEVEL,
	CK_MAX_REQUEST_BYTES,
	CK_MAX_BATCH,
	CK_MAX_CLIENTS,
	CK_OUTPUT_LIMIT,
	CK_MAX_OUTPUT_BYTES,
	CK_OUTPUT_TIMEOUT,
	CK_IDLE_TIMEOUT,
	CK_REQUEST_TIMEOUT,
	CK_MAX_REQUESTS_PER_TURN,
	CK_MAX_CONNECTIONS_PER_UID,
	CK_WORKERS,
	CK_USER,
	CK_GROUP,
	CK_SOCKET_GROUP,
	CK_ALLOW_UIDS,
	CK_ALLOW_GIDS,
	CK_ADMIN_UIDS,
	CK_RELOAD_MIN_INTERVAL,
	CK_RELOAD_TIMEOUT,
	CK_CODE_SETS,
	/* Each entry of code_sets (struct conf_set). */
	CK_NAME,
	CK_FORMAT,
	CK_PATH,
	CK_SHORT,
	CK_MEDIUM,
	CK_MODIFIERS,
	CK_DELIMITER,
	CK_COLUMNS,
	CK_RELEASES,
	CK_SHA256,
	CK_MIN_RECORDS,
	CK_MIN_RATIO,
	CK_MAX_FILE_BYTES,
	CK_STALE_AFTER,
	/* Each entry of releases (struct conf_release). */
	CK_R_PATH,
	CK_R_EFFECTIVE,
	CK_R_SHA256,
	CK_R_SHORT,
	CK_R_MEDIUM,
	CK_R_MODIFIERS,
	CK_MAX
};

/* Where a group of keys appears, for messages. */
static const struct conf_level {
	enum conf_key_id first, end;	/* [first, end) */
	const char	*where;		/* "unknown key \"x\" <where>" */
	const char	*missing;	/* "<missing>missing required key" */
} conf_top_level = { CK_SOCKET, CK_NAME, "at top level", "" },
  conf_set_level = { CK_NAME, CK_R_PATH, "in code set", "code set: " },
  conf_release_level = { CK_R_PATH, CK_MAX, "in release", "release: " };

static conf_parse_fn conf_p_code_sets, conf_p_name, conf_p_format,
		    conf_p_releases;

#define CONF_AT(type, field)	offsetof(struct type, field)

static const struct conf_key conf_keytab[CK_MAX] = {
	[CK_SOCKET] = { "socket", CO_CONF, CONF_AT(conf, socket),
	    conf_p_path, conf_d_str, .max = CONF_SUN_PATH_MAX,
	    .def_str = conf_default_socket,
	    .doc = "the Unix socket to listen on" },
	[CK_SOCKET_MODE] = { "socket_mode", CO_CONF,
	    CONF_AT(conf, socket_mode), conf_p_mode, conf_d_mode,
	    .def = 0660, .doc = "the socket's file mode, octal" },
	[CK_LOG_LEVEL] = { "log_level", CO_CONF, CONF_AT(conf, log_level),
	    conf_p_level, conf_d_level, .def = LOG_LVL_INFO,
	    .doc = "error, warning, info or debug" },
	[CK_MAX_REQUEST_BYTES] = { "max_request_bytes", CO_CONF,
	    CONF_AT(conf, max_request_bytes), conf_p_size, conf_d_size,
	    1024, 1024ULL * 1024 * 1024, 1024 * 1024,
	    .doc = "the largest request a client may send" },
	[CK_MAX_BATCH] = { "max_batch", CO_CONF, CONF_AT(conf, max_batch),
	    conf_p_size, conf_d_size, 1, 1000000, 10000,
	    .doc = "codes in one lookup_many" },
	[CK_MAX_CLIENTS] = { "max_clients", CO_CONF,
	    CONF_AT(conf, max_clients), conf_p_size, conf_d_size,
	    1, 65536, 1024, .doc = "connections at once" },
	[CK_OUTPUT_LIMIT] = { "output_limit", CO_CONF,
	    CONF_AT(conf, output_limit), conf_p_size, conf_d_size,
	    65536, 64ULL * 1024 * 1024 * 1024, 16 * 1024 * 1024,
	    .doc = "bytes of replies queued for one client" },
	[CK_MAX_OUTPUT_BYTES] = { "max_output_bytes", CO_CONF,
	    CONF_AT(conf, max_output_bytes), conf_p_size, conf_d_size,
	    65536, 64ULL * 1024 * 1024 * 1024, 256 * 1024 * 1024,
	    .doc = "bytes of replies queued for all clients together" },
	[CK_OUTPUT_TIMEOUT] = { "output_timeout", CO_CONF,
	    CONF_AT(conf, output_timeout), conf_p_size, conf_d_size,
	    0, 86400, 30,
	    .doc = "seconds a client may leave its replies unread; 0: off" },
	[CK_IDLE_TIMEOUT] = { "idle_timeout", CO_CONF,
	    CONF_AT(conf, idle_timeout), conf_p_size, conf_d_size,
	    0, 86400 * 30, 300,
	    .doc = "seconds a client may stay idle; 0: off" },
	[CK_REQUEST_TIMEOUT] = { "request_timeout", CO_CONF,
	    CONF_AT(conf, request_timeout), conf_p_size, conf_d_size,
	    0, 86400, 10,
	    .doc = "seconds a request may take to arrive; 0: off" },
	[CK_MAX_REQUESTS_PER_TURN] = { "max_requests_per_turn", CO_CONF,
	    CONF_AT(conf, max_requests_per_turn), conf_p_size, conf_d_size,
	    1, 1000000, 64,
	    .doc = "request cost answered for one client before the others" },
	[CK_MAX_CONNECTIONS_PER_UID] = { "max_connections_per_uid", CO_CONF,
	    CONF_AT(conf, max_connections_per_uid), conf_p_size, conf_d_size,
	    0, 65536, 0,
	    .doc = "connections of one uid at once; 0: max_clients / 4" },
	[CK_WORKERS] = { "workers", CO_CONF, CONF_AT(conf, workers),
	    conf_p_size, conf_d_workers, 1, 64,
	    .doc = "worker threads; default the online CPUs, at most 8" },
	[CK_USER] = { "user", CO_CONF, CONF_AT(conf, user), conf_p_user,
	    .doc = "started as root, drop to this user (name or uid)" },
	[CK_GROUP] = { "group", CO_CONF, CONF_AT(conf, group), conf_p_group,
	    .doc = "and to this group; default the user's own" },
	[CK_SOCKET_GROUP] = { "socket_group", CO_CONF,
	    CONF_AT(conf, socket_group), conf_p_group,
	    .doc = "the socket's group (name or gid)" },
	[CK_ALLOW_UIDS] = { "allow_uids", CO_CONF,
	    CONF_AT(conf, access.allow_uids), conf_p_uids,
	    .doc = "the users who may connect (names or uids)" },
	[CK_ALLOW_GIDS] = { "allow_gids", CO_CONF,
	    CONF_AT(conf, access.allow_gids), conf_p_gids,
	    .doc = "the groups whose members may connect" },
	[CK_ADMIN_UIDS] = { "admin_uids", CO_CONF,
	    CONF_AT(conf, access.admin_uids), conf_p_uids,
	    .doc = "who may reload; default root and the daemon's user" },
	[CK_RELOAD_MIN_INTERVAL] = { "reload_min_interval", CO_CONF,
	    CONF_AT(conf, reload_min_interval), conf_p_size, conf_d_size,
	    0, 3600, 1,
	    .doc = "seconds between reloads asked by clients; 0: none" },
	[CK_RELOAD_TIMEOUT] = { "reload_timeout", CO_CONF,
	    CONF_AT(conf, reload_timeout), conf_p_size, conf_d_size,
	    0, 86400, 120,
	    .doc = "seconds a load may run before it is abandoned; 0: none" },
	[CK_CODE_SETS] = { "code_sets", CO_CONF, CONF_AT(conf, sets),
	    conf_p_code_sets, .flags = CF_REQUIRED,
	    .doc = "the code sets: a list of mappings of the keys below" },

	[CK_NAME] = { "name", CO_SET, CONF_AT(conf_set, name), conf_p_name,
	    .max = CONF_NAME_MAX - 1, .flags = CF_REQUIRED,
	    .doc = "the set's name, unique, of a-z, 0-9, _ and -" },
	[CK_FORMAT] = { "format", CO_SET, CONF_AT(conf_set, format),
	    conf_p_format, .flags = CF_REQUIRED,
	    .doc = "cms-anweb, ama-cpt or delimited" },
	[CK_PATH] = { "path", CO_RELEASE, CONF_AT(conf_release, path),
	    conf_p_path,
	    .doc = "the one file of a set without releases" },
	[CK_SHORT] = { "short", CO_RELEASE,
	    CONF_AT(conf_release, short_path), conf_p_path,
	    .flags = CF_CPT, .doc = "SHORTU.txt of a set without releases" },
	[CK_MEDIUM] = { "medium", CO_RELEASE,
	    CONF_AT(conf_release, medium_path), conf_p_path,
	    .flags = CF_CPT, .doc = "MEDU.txt of a set without releases" },
	[CK_MODIFIERS] = { "modifiers", CO_RELEASE,
	    CONF_AT(conf_release, modifiers_path), conf_p_path,
	    .flags = CF_CPT,
	    .doc = "the modifiers file of a set without releases" },
	[CK_DELIMITER] = { "delimiter", CO_SET, CONF_AT(conf_set, delimiter),
	    conf_p_delimiter, conf_d_char, .def = ',', .flags = CF_DELIM,
	    .doc = "\",\", \"\\t\" (or tab) or \"|\"" },
	[CK_COLUMNS] = { "columns", CO_SET, CONF_AT(conf_set, columns),
	    conf_p_columns, .flags = CF_DELIM | CF_FORMAT_REQUIRED,
	    .doc = "record field: header name(s), code among them" },
	[CK_RELEASES] = { "releases", CO_SET, CONF_AT(conf_set, releases),
	    conf_p_releases,
	    .doc = "dated releases instead of path: a list of mappings" },
	[CK_SHA256] = { "sha256", CO_RELEASE, CONF_AT(conf_release, sha256),
	    conf_p_sha256,
	    .doc = "the expected sha256 of a set without releases" },
	[CK_MIN_RECORDS] = { "min_records", CO_SET,
	    CONF_AT(conf_set, min_records), conf_p_size, conf_d_size,
	    1, 100000000, 0,
	    .doc = "the fewest records a release may hold; 0: none" },
	[CK_MIN_RATIO] = { "min_ratio", CO_SET,
	    CONF_AT(conf_set, min_ratio), conf_p_ratio, conf_d_ratio,
	    0, CONF_RATIO_ONE, 9 * CONF_RATIO_ONE / 10,
	    .doc = "the least share of the codes of the release replaced, "
	    "0 to 1; 0: off" },
	[CK_MAX_FILE_BYTES] = { "max_file_bytes", CO_SET,
	    CONF_AT(conf_set, max_file_bytes), conf_p_size, conf_d_size,
	    1024, 4ULL * 1024 * 1024 * 1024, 64 * 1024 * 1024,
	    .doc = "the largest data file a release may have, in bytes" },
	[CK_STALE_AFTER] = { "stale_after", CO_SET,
	    CONF_AT(conf_set, stale_after), conf_p_stale, conf_d_stale,
	    .def = 4,	/* months: CMS publishes quarterly, plus a month */
	    .doc = "N days, N months or off: the newest release's shelf life" },

	[CK_R_PATH] = { "path", CO_RELEASE, CONF_AT(conf_release, path),
	    conf_p_path, .flags = CF_REQUIRED,
	    .doc = "the release's (main) file" },
	[CK_R_EFFECTIVE] = { "effective", CO_RELEASE,
	    CONF_AT(conf_release, effective), conf_p_effective,
	    .flags = CF_REQUIRED, .hint = " (a date YYYY-MM-DD or auto)",
	    .doc = "the day the release takes effect, or auto" },
	[CK_R_SHA256] = { "sha256", CO_RELEASE,
	    CONF_AT(conf_release, sha256), conf_p_sha256,
	    .doc = "the expected sha256 of the release's file" },
	[CK_R_SHORT] = { "short", CO_RELEASE,
	    CONF_AT(conf_release, short_path), conf_p_path,
	    .flags = CF_CPT, .doc = "the release's SHORTU.txt" },
	[CK_R_MEDIUM] = { "medium", CO_RELEASE,
	    CONF_AT(conf_release, medium_path), conf_p_path,
	    .flags = CF_CPT, .doc = "the release's MEDU.txt" },
	[CK_R_MODIFIERS] = { "modifiers", CO_RELEASE,
	    CONF_AT(conf_release, modifiers_path), conf_p_path,
	    .flags = CF_CPT, .doc = "the release's modifiers file" },
};

static void	 conf_defaults_of(enum conf_obj, void *);
static int	 conf_keys(struct conf_parser *, yaml_node_t *,
		    const struct conf_level *, yaml_node_t **, yaml_node_t **);
static int	 conf_required(struct conf_parser *, yaml_node_t *,
		    const struct conf_level *, yaml_node_t **);
static int	 conf_formats(struct conf_parser *, yaml_node_t *,
		    const struct conf_level *, yaml_node_t **,
		    enum conf_format, const char *);
static int	 conf_rows(struct conf_parser *, yaml_node_t **,
		    yaml_node_t **, struct conf_ctx *, enum conf_key_id,
		    enum conf_key_id);
static int	 conf_set(struct conf_parser *, yaml_node_t *,
		    struct conf *, size_t);
static int	 conf_release(struct conf_parser *, yaml_node_t *,
		    struct conf_ctx *);
static int	 conf_top(struct conf_parser *, yaml_node_t *, struct conf *);

/* Every key's default of the struct obj names, into base. */
static void
conf_defaults_of(enum conf_obj obj, void *base)
{
	size_t	 i;

	for (i = 0; i < CK_MAX; i++)
		if (conf_keytab[i].obj == obj && conf_keytab[i].dflt != NULL)
			conf_keytab[i].dflt(&conf_keytab[i], base);
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	conf_defaults_of(CO_CONF, c);
}

const char *
conf_format_name(enum conf_format f)
{
	if ((unsigned)f >= sizeof(conf_format_names) /
	    sizeof(conf_format_names[0]))
		return "unknown";
	return conf_format_names[f];
}

size_t
conf_per_uid(const struct conf *c)
{
	if (c->max_connections_per_uid != 0)
		return c->max_connections_per_uid;
	/* One uid must not fill every slot; a small max_clients still one. */
	return c->max_clients / 4 > 0 ? c->max_clients / 4 : 1;
}

void
conf_free(struct conf *c)
{
	struct conf_set	*s;
	size_t		 i, j, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsets; i++) {
		s = &c->sets[i];
		for (j = 0; j < s->nreleases; j++) {
			free(s->releases[j].path);
			free(s->releases[j].short_path);
			free(s->releases[j].medium_path);
			free(s->releases[j].modifiers_path);
		}
		free(s->releases);
		for (j = 0; j < s->ncolumns; j++)
			for (k = 0; k < s->columns[j].nheaders; k++)
				free(s->columns[j].headers[k]);
	}
	free(c->sets);
	if (c->socket != conf_default_socket)
		free(c->socket);
	free(c->path);
	free(c);
}

/*
 * The rules every key of a mapping follows.
 */

/*
 * Check a mapping's keys against its level's: every key a string, known
 * and given once.  keys[i] and vals[i] get the nodes of key i of the
 * level (NULL when absent).
 */
static int
conf_keys(struct conf_parser *p, yaml_node_t *map, const struct conf_level *l,
    yaml_node_t **keys, yaml_node_t **vals)
{
	yaml_node_pair_t *pair;
	yaml_node_t	*k;
	const char	*name;
	char		 list[512];
	size_t		 i, len;

	for (i = l->first; i < l->end; i++)
		keys[i] = vals[i] = NULL;
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = conf_node(p, pair->key);
		if (k->type != YAML_SCALAR_NODE)
			return conf_error(p, &k->start_mark,
			    "expected a key name %s, found %s", l->where,
			    conf_kind(k));
		name = (const char *)k->data.scalar.value;
		for (i = l->first; i < l->end; i++)
			if (strcmp(name, conf_keytab[i].name) == 0)
				break;
		if (i == l->end) {
			list[0] = '\0';
			for (i = l->first; i < l->end; i++) {
				len = strlen(list);
				snprintf(list + len, sizeof(list) - len,
				    "%s%s", i > l->first ? ", " : "",
				    conf_keytab[i].name);
			}
			return conf_error(p, &k->start_mark,
			    "unknown key \"%s\" %s (expected one of: %s)",
			    name, l->where, list);
		}
		if (keys[i] != NULL)
			return conf_error(p, &k->start_mark,
			    "duplicate key \"%s\" %s (first at line %zu)",
			    name, l->where, keys[i]->start_mark.line + 1);
		keys[i] = k;
		vals[i] = conf_node(p, pair->value);
	}
	return 0;
}

/* Every required key of the level given. */
static int
conf_required(struct conf_parser *p, yaml_node_t *map,
    const struct conf_level *l, yaml_node_t **keys)
{
	const struct conf_key *k;
	size_t		 i;

	for (i = l->first; i < l->end; i++) {
		k = &conf_keytab[i];
		if ((k->flags & CF_REQUIRED) && keys[i] == NULL)
			return conf_error(p, &map->start_mark,
			    "%smissing required key \"%s\"%s", l->missing,
			    k->name, k->hint != NULL ? k->hint : "");
	}
	return 0;
}

/*
 * Keys of one format only: none given for another, and those required
 * for this one given.  what names the set, for messages.
 */
static int
conf_formats(struct conf_parser *p, yaml_node_t *map,
    const struct conf_level *l, yaml_node_t **keys, enum conf_format f,
    const char *what)
{
	const struct conf_key *k;
	enum conf_format only;
	size_t		 i;

	for (i = l->first; i < l->end; i++) {
		k = &conf_keytab[i];
		if (!(k->flags & (CF_CPT | CF_DELIM)))
			continue;
		only = k->flags & CF_CPT ? CONF_FMT_AMA_CPT :
		    CONF_FMT_DELIMITED;
		if (keys[i] != NULL && f != only)
			return conf_error(p, &keys[i]->start_mark,
			    "%s: not valid for format %s (only for %s)",
			    k->name, conf_format_name(f),
			    conf_format_name(only));
	}
	for (i = l->first; i < l->end; i++) {
		k = &conf_keytab[i];
		if (!(k->flags & CF_FORMAT_REQUIRED) || keys[i] != NULL)
			continue;
		only = k->flags & CF_CPT ? CONF_FMT_AMA_CPT :
		    CONF_FMT_DELIMITED;
		if (f == only)
			return conf_error(p, &map->start_mark,
			    "%s: missing required key \"%s\" for format %s",
			    what, k->name, conf_format_name(f));
	}
	return 0;
}

/* Read the keys [first, end) given, in table order. */
static int
conf_rows(struct conf_parser *p, yaml_node_t **keys, yaml_node_t **vals,
    struct conf_ctx *ctx, enum conf_key_id first, enum conf_key_id end)
{
	size_t	 i;

	for (i = first; i < end; i++)
		if (keys[i] != NULL &&
		    conf_keytab[i].parse(p, &conf_keytab[i], vals[i], ctx) == -1)
			return -1;
	return 0;
}

/* [a-z0-9_-]+, unique among the sets; names the set in later messages. */
static int
conf_p_name(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	const char	*v;
	size_t		 i, len;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	len = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	if (v[len] != '\0' || len > k->max)
		return conf_error(p, &n->start_mark, "%s: invalid code set "
		    "name \"%s\" (expected 1 to %llu of a-z, 0-9, _ and -)",
		    k->name, v, k->max);
	for (i = 0; i < ctx->idx; i++)
		if (strcmp(ctx->c->sets[i].name, v) == 0)
			return conf_error(p, &n->start_mark,
			    "%s: duplicate code set name \"%s\"", k->name, v);
	memcpy(CONF_FIELD(char, k, ctx), v, len + 1);
	snprintf(ctx->what, sizeof(ctx->what), "code set \"%s\"", v);
	return 0;
}

static int
conf_p_format(struct conf_parser *p, const struct conf_key *k,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	const char	*v;
	size_t		 i;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	for (i = 0; i < sizeof(conf_format_names) /
	    sizeof(conf_format_names[0]); i++)
		if (strcmp(v, conf_format_names[i]) == 0) {
			*CONF_FIELD(enum conf_format, k, ctx) =
			    (enum conf_format)i;
			return 0;
		}
	return conf_error(p, &n->start_mark, "%s: unknown format \"%s\" "
	    "(expected cms-anweb, ama-cpt or delimited)", k->name, v);
}

/*
 * The mappings.
 */

/* One entry of releases, into s->releases[s->nreleases - 1]. */
static int
conf_release(struct conf_parser *p, yaml_node_t *map, struct conf_ctx *ctx)
{
	yaml_node_t	*keys[CK_MAX], *vals[CK_MAX];

	ctx->r = &ctx->s->releases[ctx->s->nreleases - 1];
	if (map->type != YAML_MAPPING_NODE)
		return conf_error(p, &map->start_mark,
		    "releases: expected a release mapping (path, effective, "
		    "...), found %s", conf_kind(map));
	if (conf_keys(p, map, &conf_release_level, keys, vals) == -1 ||
	    conf_required(p, map, &conf_release_level, keys) == -1 ||
	    conf_formats(p, map, &conf_release_level, keys, ctx->s->format,
	    ctx->what) == -1)
		return -1;
	return conf_rows(p, keys, vals, ctx, CK_R_PATH, CK_MAX);
}

/* releases: [{path, effective, ...}, ...] */
static int
conf_p_releases(struct conf_parser *p, const struct conf_key *k,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	yaml_mark_t	 marks[CONF_MAX_RELEASES];
	yaml_node_item_t *item;
	struct conf_set	*s = ctx->s;
	size_t		 nitems;
	int		 rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return conf_error(p, &n->start_mark,
		    "%s: expected a list of releases, found %s", k->name,
		    conf_kind(n));
	nitems = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (nitems == 0)
		return conf_error(p, &n->start_mark,
		    "%s: expected at least one release, found an empty list",
		    k->name);
	if (nitems > CONF_MAX_RELEASES)
		return conf_error(p, &conf_node(p, n->data.sequence.items.
		    start[CONF_MAX_RELEASES])->start_mark,
		    "%s: too many releases (expected at most %d)", k->name,
		    CONF_MAX_RELEASES);
	if ((s->releases = calloc(nitems, sizeof(*s->releases))) == NULL)
		return conf_error(p, &n->start_mark, "out of memory");
	ctx->marks = marks;
	for (item = n->data.sequence.items.start;
	    rc == 0 && item < n->data.sequence.items.top; item++) {
		/* Counted first so conf_free() sees a half-built one. */
		s->nreleases++;
		rc = conf_release(p, conf_node(p, *item), ctx);
	}
	ctx->marks = NULL;
	ctx->r = NULL;
	return rc;
}

/* One entry of code_sets, into c->sets[idx]. */
static int
conf_set(struct conf_parser *p, yaml_node_t *map, struct conf *c, size_t idx)
{
	struct conf_set	*s = &c->sets[idx];
	struct conf_ctx	 ctx;
	yaml_node_t	*keys[CK_MAX], *vals[CK_MAX];
	size_t		 i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	ctx.s = s;
	ctx.idx = idx;
	if (map->type != YAML_MAPPING_NODE)
		return conf_error(p, &map->start_mark,
		    "code_sets: expected a code set mapping (name, format, "
		    "path, ...), found %s", conf_kind(map));
	if (conf_keys(p, map, &conf_set_level, keys, vals) == -1 ||
	    conf_required(p, map, &conf_set_level, keys) == -1)
		return -1;
	conf_defaults_of(CO_SET, s);
	/* The name and format first: the other keys are checked by them. */
	if (conf_rows(p, keys, vals, &ctx, CK_NAME, CK_PATH) == -1 ||
	    conf_formats(p, map, &conf_set_level, keys, s->format,
	    ctx.what) == -1)
		return -1;

	/* Either one file (path:) or dated releases, never both. */
	if (keys[CK_PATH] != NULL && keys[CK_RELEASES] != NULL)
		return conf_error(p, &keys[CK_RELEASES]->start_mark,
		    "releases: not valid together with \"path\" (line %zu; "
		    "give either path or releases)",
		    keys[CK_PATH]->start_mark.line + 1);
	if (keys[CK_PATH] == NULL && keys[CK_RELEASES] == NULL)
		return conf_error(p, &map->start_mark,
		    "%s: missing required key \"path\" or \"releases\"",
		    ctx.what);
	if (keys[CK_RELEASES] != NULL) {
		/* The other keys of a path: set's one release. */
		for (i = CK_PATH + 1; i < CK_R_PATH; i++)
			if (keys[i] != NULL &&
			    conf_keytab[i].obj == CO_RELEASE)
				return conf_error(p, &keys[i]->start_mark,
				    "%s: not valid together with \"releases\" "
				    "(give it in each release)",
				    conf_keytab[i].name);
	} else {
		/* path: alone is one release, always in force. */
		if ((s->releases = calloc(1, sizeof(*s->releases))) == NULL)
			return conf_error(p, &map->start_mark,
			    "%s: out of memory", ctx.what);
		s->nreleases = 1;
		ctx.r = &s->releases[0];
	}
	/* The files and their checks; the delimited mapping last. */
	if (conf_rows(p, keys, vals, &ctx, CK_PATH, CK_DELIMITER) == -1 ||
	    conf_rows(p, keys, vals, &ctx, CK_RELEASES, CK_R_PATH) == -1)
		return -1;
	return conf_rows(p, keys, vals, &ctx, CK_DELIMITER, CK_RELEASES);
}

/* code_sets: [{name, format, ...}, ...] */
static int
conf_p_code_sets(struct conf_parser *p, const struct conf_key *k,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	struct conf		*c = ctx->c;
	yaml_node_item_t	*item;
	size_t			 nitems;

	if (n->type != YAML_SEQUENCE_NODE)
		return conf_error(p, &n->start_mark,
		    "%s: expected a list of code sets, found %s", k->name,
		    conf_kind(n));
	nitems = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (nitems == 0)
		return conf_error(p, &n->start_mark,
		    "%s: expected at least one code set, found an empty list",
		    k->name);
	if (nitems > CONF_MAX_SETS)
		return conf_error(p, &conf_node(p,
		    n->data.sequence.items.start[CONF_MAX_SETS])->start_mark,
		    "%s: too many code sets (expected at most %d)", k->name,
		    CONF_MAX_SETS);
	if ((c->sets = calloc(nitems, sizeof(*c->sets))) == NULL)
		return conf_error(p, &n->start_mark, "out of memory");
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++) {
		/* Counted first so conf_free() sees a half-built set. */
		c->nsets++;
		if (conf_set(p, conf_node(p, *item), c, c->nsets - 1) == -1)
			return -1;
	}
	return 0;
}

static int
conf_top(struct conf_parser *p, yaml_node_t *root, struct conf *c)
{
	yaml_node_t	*keys[CK_MAX], *vals[CK_MAX];
	struct conf_ctx	 ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	if (root->type != YAML_MAPPING_NODE)
		return conf_error(p, &root->start_mark,
		    "expected a mapping of settings, found %s",
		    conf_kind(root));
	if (conf_keys(p, root, &conf_top_level, keys, vals) == -1)
		return -1;
	/* The settings, then the code sets. */
	if (conf_rows(p, keys, vals, &ctx, CK_SOCKET, CK_CODE_SETS) == -1 ||
	    conf_required(p, root, &conf_top_level, keys) == -1)
		return -1;
	return conf_rows(p, keys, vals, &ctx, CK_CODE_SETS, CK_NAME);
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf_parser p;
	struct conf	*c = NULL;
	char		*slash, cwd[PATH_MAX];
	int		 loaded = 0;
	char		 dummy[1];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.file = path;
	p.err = err;
	p.errlen = errlen;

	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	conf_defaults(c);
	/* Relative paths in the file are relative to where the file is. */
	if (path[0] == '/')
		c->path = conf_join("/", path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		snprintf(err, errlen, "%s: getcwd: %s", path, strerror(errno));
		goto fail;
	} else
		c->path = conf_join(cwd, path);
	if (c->path == NULL || (p.dir = strdup(c->path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	slash = strrchr(p.dir, '/');
	slash[slash == p.dir ? 1 : 0] = '\0';

	if (conf_yaml_load(&p) == -1)
		goto fail;
	loaded = 1;
	if (conf_top(&p, yaml_document_get_root_node(&p.doc), c) == -1)
		goto fail;
	yaml_document_delete(&p.doc);
	free(p.dir);
	return c;
fail:
	if (loaded)
		yaml_document_delete(&p.doc);
	free(p.dir);
	conf_free(c);
	return NULL;
}
