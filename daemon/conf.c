/*
 * conf.c: the YAML configuration (docs/hcpcsd.yaml.5) read into a
 * struct conf.  The file is loaded whole with libyaml's document API and
 * then walked node by node, so that every complaint can name the line
 * and column of the node it is about.  Anything not understood is an
 * error: a typo in a config key must never silently mean "default".
 */
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "conf.h"
#include "log.h"
#include "record.h"

/* A config larger than this is surely not one. */
#define CONF_FILE_MAX		(1024 * 1024)

/* Accepted ranges of the integer keys (documented in hcpcsd.yaml.5). */
#define CONF_REQUEST_MIN	1024ULL
#define CONF_REQUEST_MAX	(1024ULL * 1024 * 1024)
#define CONF_BATCH_MIN		1ULL
#define CONF_BATCH_MAX		1000000ULL
#define CONF_CLIENTS_MIN	1ULL
#define CONF_CLIENTS_MAX	65536ULL
#define CONF_WORKERS_MIN	1ULL
#define CONF_WORKERS_MAX	64ULL
#define CONF_WORKERS_DEFAULT_MAX 8L	/* of the online CPUs */
#define CONF_OUTPUT_MIN		65536ULL
#define CONF_OUTPUT_MAX		(64ULL * 1024 * 1024 * 1024)
#define CONF_MIN_RECORDS_MIN	1ULL
#define CONF_MIN_RECORDS_MAX	100000000ULL
#define CONF_STALE_DAYS_MAX	3660U	/* ten years */
#define CONF_STALE_MONTHS_MAX	120U

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

enum {
	TK_SOCKET,
	TK_SOCKET_MODE,
	TK_LOG_LEVEL,
	TK_MAX_REQUEST_BYTES,
	TK_MAX_BATCH,
	TK_MAX_CLIENTS,
	TK_OUTPUT_LIMIT,
	TK_WORKERS,
	TK_CODE_SETS,
	TK_MAX
};

static const char *const conf_top_keys[TK_MAX] = {
	[TK_SOCKET] = "socket",
	[TK_SOCKET_MODE] = "socket_mode",
	[TK_LOG_LEVEL] = "log_level",
	[TK_MAX_REQUEST_BYTES] = "max_request_bytes",
	[TK_MAX_BATCH] = "max_batch",
	[TK_MAX_CLIENTS] = "max_clients",
	[TK_OUTPUT_LIMIT] = "output_limit",
	[TK_WORKERS] = "workers",
	[TK_CODE_SETS] = "code_sets",
};

enum {
	SK_NAME,
	SK_FORMAT,
	SK_PATH,
	SK_SHORT,
	SK_MEDIUM,
	SK_MODIFIERS,
	SK_DELIMITER,
	SK_COLUMNS,
	SK_RELEASES,
	SK_SHA256,
	SK_MIN_RECORDS,
	SK_STALE_AFTER,
	SK_MAX
};

static const char *const conf_set_keys[SK_MAX] = {
	[SK_NAME] = "name",
	[SK_FORMAT] = "format",
	[SK_PATH] = "path",
	[SK_SHORT] = "short",
	[SK_MEDIUM] = "medium",
	[SK_MODIFIERS] = "modifiers",
	[SK_DELIMITER] = "delimiter",
	[SK_COLUMNS] = "columns",
	[SK_RELEASES] = "releases",
	[SK_SHA256] = "sha256",
	[SK_MIN_RECORDS] = "min_records",
	[SK_STALE_AFTER] = "stale_after",
};

/* The keys of one entry of releases. */
enum {
	RK_PATH,
	RK_EFFECTIVE,
	RK_SHA256,
	RK_SHORT,
	RK_MEDIUM,
	RK_MODIFIERS,
	RK_MAX
};

static const char *const conf_release_keys[RK_MAX] = {
	[RK_PATH] = "path",
	[RK_EFFECTIVE] = "effective",
	[RK_SHA256] = "sha256",
	[RK_SHORT] = "short",
	[RK_MEDIUM] = "medium",
	[RK_MODIFIERS] = "modifiers",
};

/* What one conf_load() call works with. */
struct conf_parser {
	const char	*file;		/* as given, for messages */
	char		*dir;		/* absolute directory of the file */
	yaml_document_t	 doc;
	char		*err;
	size_t		 errlen;
};

static int	 conf_error(struct conf_parser *, const yaml_mark_t *,
		    const char *, ...) LOG_PRINTF(3, 4);
static int	 conf_is_null(const yaml_node_t *);
static const char *conf_kind(const yaml_node_t *);
static yaml_node_t *conf_node(struct conf_parser *, int);
static int	 conf_keys(struct conf_parser *, yaml_node_t *,
		    const char *const *, size_t, const char *,
		    yaml_node_t **, yaml_node_t **);
static const char *conf_scalar(struct conf_parser *, yaml_node_t *,
		    const char *);
static int	 conf_path(struct conf_parser *, yaml_node_t *, const char *,
		    char **);
static int	 conf_uint(struct conf_parser *, yaml_node_t *, const char *,
		    unsigned long long, unsigned long long, size_t *);
static int	 conf_mode(struct conf_parser *, yaml_node_t *, mode_t *);
static int	 conf_columns(struct conf_parser *, yaml_node_t *,
		    struct conf_set *);
static int	 conf_sha256(struct conf_parser *, yaml_node_t *, char *);
static int	 conf_stale(struct conf_parser *, yaml_node_t *,
		    struct conf_set *);
static int	 conf_effective(struct conf_parser *, yaml_node_t *,
		    struct conf_release *);
static int	 conf_release(struct conf_parser *, yaml_node_t *,
		    struct conf_set *, yaml_mark_t *);
static int	 conf_releases(struct conf_parser *, yaml_node_t *,
		    struct conf_set *);
static void	 conf_set_defaults(struct conf_set *);
static int	 conf_set(struct conf_parser *, yaml_node_t *,
		    struct conf *, size_t);
static int	 conf_top(struct conf_parser *, yaml_node_t *, struct conf *);
static char	*conf_join(const char *, const char *);
static char	*conf_read(const char *, size_t *, char *, size_t);
static int	 conf_parse(struct conf_parser *, const char *, size_t);

void
conf_defaults(struct conf *c)
{
	long	ncpu;

	memset(c, 0, sizeof(*c));
	c->socket = conf_default_socket;
	c->socket_mode = 0660;
	c->log_level = LOG_LVL_INFO;
	c->max_request_bytes = 1024 * 1024;
	c->max_batch = 10000;
	c->max_clients = 1024;
	c->output_limit = 64 * 1024 * 1024;
	/* One per CPU; past a few the socket, not the lookups, is the cost. */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->workers = ncpu < 1 ? 1 : ncpu > CONF_WORKERS_DEFAULT_MAX ?
	    CONF_WORKERS_DEFAULT_MAX : (size_t)ncpu;
	c->sets = NULL;
	c->nsets = 0;
}

/* The defaults of one code set, before its keys are read. */
static void
conf_set_defaults(struct conf_set *s)
{
	/* CMS publishes quarterly; a month's grace for a late file. */
	s->stale_after = 4;
	s->stale_unit = CONF_UNIT_MONTHS;
	s->delimiter = ',';
}

const char *
conf_format_name(enum conf_format f)
{
	if ((unsigned)f >= sizeof(conf_format_names) /
	    sizeof(conf_format_names[0]))
		return "unknown";
	return conf_format_names[f];
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

/* "file:line:column: message", from a 0-based libyaml mark. */
static int
conf_error(struct conf_parser *p, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->errlen == 0)
		return -1;
	n = snprintf(p->err, p->errlen, "%s:%zu:%zu: ", p->file,
	    m->line + 1, m->column + 1);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A plain ~, null or nothing at all: YAML's null. */
static int
conf_is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What the user wrote, for "found ..." in messages. */
static const char *
conf_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return conf_is_null(n) ? "an empty value" : "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static yaml_node_t *
conf_node(struct conf_parser *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

/*
 * Check a mapping's keys against the allowed names: every key a string,
 * known and given once.  keys[i] and vals[i] get the nodes of allowed[i]
 * (NULL when absent).  where says whose keys they are, for messages.
 */
static int
conf_keys(struct conf_parser *p, yaml_node_t *map, const char *const *allowed,
    size_t nallowed, const char *where, yaml_node_t **keys, yaml_node_t **vals)
{
	yaml_node_pair_t *pair;
	yaml_node_t	*k;
	const char	*name;
	char		 list[512];
	size_t		 i, len;

	for (i = 0; i < nallowed; i++)
		keys[i] = vals[i] = NULL;
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = conf_node(p, pair->key);
		if (k->type != YAML_SCALAR_NODE)
			return conf_error(p, &k->start_mark,
			    "expected a key name %s, found %s", where,
			    conf_kind(k));
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < nallowed; i++)
			if (strcmp(name, allowed[i]) == 0)
				break;
		if (i == nallowed) {
			list[0] = '\0';
			for (i = 0; i < nallowed; i++) {
				len = strlen(list);
				snprintf(list + len, sizeof(list) - len,
				    "%s%s", i > 0 ? ", " : "", allowed[i]);
			}
			return conf_error(p, &k->start_mark,
			    "unknown key \"%s\" %s (expected one of: %s)",
			    name, where, list);
		}
		if (keys[i] != NULL)
			return conf_error(p, &k->start_mark,
			    "duplicate key \"%s\" %s (first at line %zu)",
			    name, where, keys[i]->start_mark.line + 1);
		keys[i] = k;
		vals[i] = conf_node(p, pair->value);
	}
	return 0;
}

/* The text of a non-empty scalar, or NULL after an error about key. */
static const char *
conf_scalar(struct conf_parser *p, yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE || conf_is_null(n)) {
		conf_error(p, &n->start_mark, "%s: expected a string, found %s",
		    key, conf_kind(n));
		return NULL;
	}
	if (n->data.scalar.length == 0) {
		conf_error(p, &n->start_mark,
		    "%s: expected a string, found an empty string", key);
		return NULL;
	}
	/* A "\0" escape would silently cut the value short. */
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		conf_error(p, &n->start_mark,
		    "%s: expected a string, found one with a NUL byte", key);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* A path, made absolute relative to the config file's directory. */
static int
conf_path(struct conf_parser *p, yaml_node_t *n, const char *key, char **out)
{
	const char	*v;

	if ((v = conf_scalar(p, n, key)) == NULL)
		return -1;
	if ((*out = conf_join(p->dir, v)) == NULL)
		return conf_error(p, &n->start_mark, "%s: out of memory", key);
	return 0;
}

/* A plain decimal integer in [min, max]. */
static int
conf_uint(struct conf_parser *p, yaml_node_t *n, const char *key,
    unsigned long long min, unsigned long long max, size_t *out)
{
	const char		*v;
	unsigned long long	 u = 0;
	int			 digits = 0, big = 0;

	if (n->type != YAML_SCALAR_NODE || conf_is_null(n) ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return conf_error(p, &n->start_mark,
		    "%s: expected an integer from %llu to %llu, found %s",
		    key, min, max, conf_kind(n));
	v = (const char *)n->data.scalar.value;
	for (; *v >= '0' && *v <= '9'; v++, digits++) {
		if (u > (ULLONG_MAX - 9) / 10)
			big = 1;
		else
			u = u * 10 + (unsigned)(*v - '0');
	}
	if (digits == 0 || *v != '\0')
		return conf_error(p, &n->start_mark,
		    "%s: expected an integer from %llu to %llu, found \"%s\"",
		    key, min, max, (const char *)n->data.scalar.value);
	if (big || u < min || u > max || u > SIZE_MAX)
		return conf_error(p, &n->start_mark,
		    "%s: %s is out of range (expected %llu to %llu)", key,
		    (const char *)n->data.scalar.value, min, max);
	*out = (size_t)u;
	return 0;
}

/*
 * A file mode: octal digits, quoted or not, at most 0777.  An unquoted
 * 0660 is an int to some YAML readers and a decimal to others; reading
 * the digits as octal always gives what the user meant.
 */
static int
conf_mode(struct conf_parser *p, yaml_node_t *n, mode_t *out)
{
	const char	*v, *s;
	unsigned	 m = 0;
	int		 digits = 0;

	if (n->type != YAML_SCALAR_NODE || conf_is_null(n))
		return conf_error(p, &n->start_mark,
		    "socket_mode: expected an octal mode such as \"0660\", "
		    "found %s", conf_kind(n));
	v = s = (const char *)n->data.scalar.value;
	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		s += 2;
	for (; *s >= '0' && *s <= '7' && digits < 5; s++, digits++)
		m = m * 8 + (unsigned)(*s - '0');
	if (digits == 0 || *s != '\0' || m > 0777)
		return conf_error(p, &n->start_mark,
		    "socket_mode: expected an octal mode such as \"0660\", "
		    "found \"%s\"", v);
	*out = (mode_t)m;
	return 0;
}

/* columns: {field: "Header", listfield: [H1, H2], ...} */
static int
conf_columns(struct conf_parser *p, yaml_node_t *map, struct conf_set *s)
{
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	yaml_node_t	*k, *v, *h;
	struct conf_column *col;
	const char	*name, *text;
	char		 label[64], list[512];
	size_t		 i, len;
	int		 f, have_code = 0;

	if (map->type != YAML_MAPPING_NODE)
		return conf_error(p, &map->start_mark,
		    "columns: expected a mapping of record fields to header "
		    "names, found %s", conf_kind(map));
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = conf_node(p, pair->key);
		v = conf_node(p, pair->value);
		if (k->type != YAML_SCALAR_NODE)
			return conf_error(p, &k->start_mark,
			    "columns: expected a record field name, found %s",
			    conf_kind(k));
		name = (const char *)k->data.scalar.value;
		if ((f = record_field_lookup(name)) < 0) {
			list[0] = '\0';
			for (i = 0; i < RF_MAX; i++) {
				len = strlen(list);
				snprintf(list + len, sizeof(list) - len,
				    "%s%s", i > 0 ? ", " : "",
				    record_field_name((enum record_field)i));
			}
			return conf_error(p, &k->start_mark,
			    "columns: unknown record field \"%s\" (expected "
			    "one of: %s)", name, list);
		}
		for (i = 0; i < s->ncolumns; i++)
			if (s->columns[i].field == (enum record_field)f)
				return conf_error(p, &k->start_mark,
				    "duplicate key \"%s\" in columns", name);
		snprintf(label, sizeof(label), "columns: %s", name);
		col = &s->columns[s->ncolumns];
		col->field = (enum record_field)f;
		col->nheaders = 0;
		s->ncolumns++;
		if (f == RF_CODE)
			have_code = 1;
		if (v->type == YAML_SCALAR_NODE) {
			if ((text = conf_scalar(p, v, label)) == NULL)
				return -1;
			if ((col->headers[0] = strdup(text)) == NULL)
				return conf_error(p, &v->start_mark,
				    "%s: out of memory", label);
			col->nheaders = 1;
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE)
			return conf_error(p, &v->start_mark,
			    "%s: expected a header name or a list of them, "
			    "found %s", label, conf_kind(v));
		if (!record_field_is_list((enum record_field)f))
			return conf_error(p, &v->start_mark,
			    "%s: expected one header name, found a list "
			    "(\"%s\" holds a single value)", label, name);
		if (v->data.sequence.items.start == v->data.sequence.items.top)
			return conf_error(p, &v->start_mark,
			    "%s: expected at least one header name, found an "
			    "empty list", label);
		for (item = v->data.sequence.items.start;
		    item < v->data.sequence.items.top; item++) {
			h = conf_node(p, *item);
			if (col->nheaders == CONF_MAX_COLUMN_NAMES)
				return conf_error(p, &h->start_mark,
				    "%s: too many header names (expected at "
				    "most %d)", label, CONF_MAX_COLUMN_NAMES);
			if ((text = conf_scalar(p, h, label)) == NULL)
				return -1;
			if ((col->headers[col->nheaders] = strdup(text)) ==
			    NULL)
				return conf_error(p, &h->start_mark,
				    "%s: out of memory", label);
			col->nheaders++;
		}
	}
	if (!have_code)
		return conf_error(p, &map->start_mark,
		    "columns: missing \"code\" (expected the header name of "
		    "the code column)");
	return 0;
}

/* sha256: 64 hex digits, kept in lower case. */
static int
conf_sha256(struct conf_parser *p, yaml_node_t *n, char *out)
{
	const char	*v;
	size_t		 i;

	if ((v = conf_scalar(p, n, "sha256")) == NULL)
		return -1;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    (v[i] >= 'a' && v[i] <= 'f') ||
		    (v[i] >= 'A' && v[i] <= 'F')))
			break;
	if (i != 64 || v[i] != '\0')
		return conf_error(p, &n->start_mark,
		    "sha256: expected 64 hexadecimal digits, found \"%.80s\"",
		    v);
	for (i = 0; i < 64; i++)
		out[i] = v[i] >= 'A' && v[i] <= 'F' ? v[i] - 'A' + 'a' : v[i];
	out[64] = '\0';
	return 0;
}

/*
 * stale_after: "N days", "N months" (or day, month), or 0 / off for
 * never.  A plain string rather than a YAML integer: the unit matters,
 * since a quarter is no fixed number of days.
 */
static int
conf_stale(struct conf_parser *p, yaml_node_t *n, struct conf_set *s)
{
	const char	*v, *u;
	unsigned long	 k = 0;
	unsigned	 max;
	int		 digits = 0;

	if ((v = conf_scalar(p, n, "stale_after")) == NULL)
		return -1;
	if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
		s->stale_after = 0;
		return 0;
	}
	for (u = v; *u >= '0' && *u <= '9' && digits < 6; u++, digits++)
		k = k * 10 + (unsigned long)(*u - '0');
	while (*u == ' ')
		u++;
	if (digits > 0 && u > v + digits && (strcmp(u, "days") == 0 ||
	    strcmp(u, "day") == 0))
		s->stale_unit = CONF_UNIT_DAYS;
	else if (digits > 0 && u > v + digits && (strcmp(u, "months") == 0 ||
	    strcmp(u, "month") == 0))
		s->stale_unit = CONF_UNIT_MONTHS;
	else
		return conf_error(p, &n->start_mark,
		    "stale_after: expected \"N days\", \"N months\" or off, "
		    "found \"%.40s\"", v);
	max = s->stale_unit == CONF_UNIT_DAYS ? CONF_STALE_DAYS_MAX :
	    CONF_STALE_MONTHS_MAX;
	if (k > max)
		return conf_error(p, &n->start_mark,
		    "stale_after: %s is out of range (expected at most %u %s)",
		    v, max, s->stale_unit == CONF_UNIT_DAYS ? "days" :
		    "months");
	s->stale_after = (unsigned)k;
	return 0;
}

/* effective: YYYY-MM-DD (a real day) or auto. */
static int
conf_effective(struct conf_parser *p, yaml_node_t *n, struct conf_release *r)
{
	const char	*v;

	if ((v = conf_scalar(p, n, "effective")) == NULL)
		return -1;
	if (strcmp(v, "auto") == 0) {
		r->effective = 0;
		r->effective_auto = 1;
		return 0;
	}
	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' ||
	    record_parse_date(v, 10, &r->effective) == -1 ||
	    r->effective == 0)
		return conf_error(p, &n->start_mark,
		    "effective: expected a date YYYY-MM-DD or auto, found "
		    "\"%.40s\"", v);
	return 0;
}

/*
 * One entry of releases, into s->releases[s->nreleases - 1].  marks
 * holds where each earlier release's effective date was written, for
 * the duplicate message.
 */
static int
conf_release(struct conf_parser *p, yaml_node_t *map, struct conf_set *s,
    yaml_mark_t *marks)
{
	static const int only_cpt[] = { RK_SHORT, RK_MEDIUM, RK_MODIFIERS };
	struct conf_release *r = &s->releases[s->nreleases - 1];
	yaml_node_t	*keys[RK_MAX], *vals[RK_MAX];
	size_t		 i, idx = s->nreleases - 1;
	char		 d[11];

	if (map->type != YAML_MAPPING_NODE)
		return conf_error(p, &map->start_mark,
		    "releases: expected a release mapping (path, effective, "
		    "...), found %s", conf_kind(map));
	if (conf_keys(p, map, conf_release_keys, RK_MAX, "in release", keys,
	    vals) == -1)
		return -1;
	for (i = 0; i <= RK_EFFECTIVE; i++)
		if (keys[i] == NULL)
			return conf_error(p, &map->start_mark,
			    "release: missing required key \"%s\"%s",
			    conf_release_keys[i], i == RK_EFFECTIVE ?
			    " (a date YYYY-MM-DD or auto)" : "");
	for (i = 0; i < sizeof(only_cpt) / sizeof(only_cpt[0]); i++)
		if (keys[only_cpt[i]] != NULL &&
		    s->format != CONF_FMT_AMA_CPT)
			return conf_error(p, &keys[only_cpt[i]]->start_mark,
			    "%s: not valid for format %s (only for ama-cpt)",
			    conf_release_keys[only_cpt[i]],
			    conf_format_name(s->format));
	if (conf_path(p, vals[RK_PATH], "path", &r->path) == -1)
		return -1;
	if (conf_effective(p, vals[RK_EFFECTIVE], r) == -1)
		return -1;
	marks[idx] = vals[RK_EFFECTIVE]->start_mark;
	if (!r->effective_auto)
		for (i = 0; i < idx; i++)
			if (s->releases[i].effective == r->effective) {
				record_format_date(r->effective, d);
				return conf_error(p,
				    &vals[RK_EFFECTIVE]->start_mark,
				    "effective: duplicate effective date %s "
				    "in code set \"%s\" (first at line %zu)",
				    d, s->name, marks[i].line + 1);
			}
	if (keys[RK_SHA256] != NULL &&
	    conf_sha256(p, vals[RK_SHA256], r->sha256) == -1)
		return -1;
	if (keys[RK_SHORT] != NULL && conf_path(p, vals[RK_SHORT], "short",
	    &r->short_path) == -1)
		return -1;
	if (keys[RK_MEDIUM] != NULL && conf_path(p, vals[RK_MEDIUM],
	    "medium", &r->medium_path) == -1)
		return -1;
	if (keys[RK_MODIFIERS] != NULL && conf_path(p, vals[RK_MODIFIERS],
	    "modifiers", &r->modifiers_path) == -1)
		return -1;
	return 0;
}

/* releases: [{path, effective, ...}, ...] */
static int
conf_releases(struct conf_parser *p, yaml_node_t *n, struct conf_set *s)
{
	yaml_mark_t	 marks[CONF_MAX_RELEASES];
	yaml_node_item_t *item;
	size_t		 nitems;

	if (n->type != YAML_SEQUENCE_NODE)
		return conf_error(p, &n->start_mark,
		    "releases: expected a list of releases, found %s",
		    conf_kind(n));
	nitems = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (nitems == 0)
		return conf_error(p, &n->start_mark,
		    "releases: expected at least one release, found an "
		    "empty list");
	if (nitems > CONF_MAX_RELEASES)
		return conf_error(p, &conf_node(p, n->data.sequence.items.
		    start[CONF_MAX_RELEASES])->start_mark,
		    "releases: too many releases (expected at most %d)",
		    CONF_MAX_RELEASES);
	if ((s->releases = calloc(nitems, sizeof(*s->releases))) == NULL)
		return conf_error(p, &n->start_mark, "out of memory");
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++) {
		/* Counted first so conf_free() sees a half-built one. */
		s->nreleases++;
		if (conf_release(p, conf_node(p, *item), s, marks) == -1)
			return -1;
	}
	return 0;
}

/* One entry of code_sets, into c->sets[idx]. */
static int
conf_set(struct conf_parser *p, yaml_node_t *map, struct conf *c, size_t idx)
{
	static const int only_cpt[] = { SK_SHORT, SK_MEDIUM, SK_MODIFIERS };
	static const int only_delim[] = { SK_DELIMITER, SK_COLUMNS };
	struct conf_set	*s = &c->sets[idx];
	struct conf_release *r;
	yaml_node_t	*keys[SK_MAX], *vals[SK_MAX];
	const char	*v;
	char		 what[CONF_NAME_MAX + 16];
	size_t		 i, len;

	if (map->type != YAML_MAPPING_NODE)
		return conf_error(p, &map->start_mark,
		    "code_sets: expected a code set mapping (name, format, "
		    "path, ...), found %s", conf_kind(map));
	if (conf_keys(p, map, conf_set_keys, SK_MAX, "in code set", keys,
	    vals) == -1)
		return -1;
	for (i = 0; i <= SK_FORMAT; i++)
		if (keys[i] == NULL)
			return conf_error(p, &map->start_mark,
			    "code set: missing required key \"%s\"",
			    conf_set_keys[i]);

	conf_set_defaults(s);
	if ((v = conf_scalar(p, vals[SK_NAME], "name")) == NULL)
		return -1;
	len = strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	if (v[len] != '\0' || len >= CONF_NAME_MAX)
		return conf_error(p, &vals[SK_NAME]->start_mark,
		    "name: invalid code set name \"%s\" (expected 1 to %d of "
		    "a-z, 0-9, _ and -)", v, CONF_NAME_MAX - 1);
	for (i = 0; i < idx; i++)
		if (strcmp(c->sets[i].name, v) == 0)
			return conf_error(p, &vals[SK_NAME]->start_mark,
			    "name: duplicate code set name \"%s\"", v);
	memcpy(s->name, v, len + 1);
	snprintf(what, sizeof(what), "code set \"%s\"", s->name);

	if ((v = conf_scalar(p, vals[SK_FORMAT], "format")) == NULL)
		return -1;
	for (i = 0; i < sizeof(conf_format_names) /
	    sizeof(conf_format_names[0]); i++)
		if (strcmp(v, conf_format_names[i]) == 0)
			break;
	if (i == sizeof(conf_format_names) / sizeof(conf_format_names[0]))
		return conf_error(p, &vals[SK_FORMAT]->start_mark,
		    "format: unknown format \"%s\" (expected cms-anweb, "
		    "ama-cpt or delimited)", v);
	s->format = (enum conf_format)i;

	for (i = 0; i < sizeof(only_cpt) / sizeof(only_cpt[0]); i++)
		if (keys[only_cpt[i]] != NULL && s->format != CONF_FMT_AMA_CPT)
			return conf_error(p, &keys[only_cpt[i]]->start_mark,
			    "%s: not valid for format %s (only for ama-cpt)",
			    conf_set_keys[only_cpt[i]],
			    conf_format_name(s->format));
	for (i = 0; i < sizeof(only_delim) / sizeof(only_delim[0]); i++)
		if (keys[only_delim[i]] != NULL &&
		    s->format != CONF_FMT_DELIMITED)
			return conf_error(p, &keys[only_delim[i]]->start_mark,
			    "%s: not valid for format %s (only for delimited)",
			    conf_set_keys[only_delim[i]],
			    conf_format_name(s->format));
	if (s->format == CONF_FMT_DELIMITED && keys[SK_COLUMNS] == NULL)
		return conf_error(p, &map->start_mark,
		    "%s: missing required key \"columns\" for format "
		    "delimited", what);

	/* Either one file (path:) or dated releases, never both. */
	if (keys[SK_PATH] != NULL && keys[SK_RELEASES] != NULL)
		return conf_error(p, &keys[SK_RELEASES]->start_mark,
		    "releases: not valid together with \"path\" (line %zu; "
		    "give either path or releases)",
		    keys[SK_PATH]->start_mark.line + 1);
	if (keys[SK_PATH] == NULL && keys[SK_RELEASES] == NULL)
		return conf_error(p, &map->start_mark,
		    "%s: missing required key \"path\" or \"releases\"",
		    what);
	if (keys[SK_RELEASES] != NULL) {
		static const int per_release[] = { SK_SHORT, SK_MEDIUM,
		    SK_MODIFIERS, SK_SHA256 };

		for (i = 0; i < sizeof(per_release) / sizeof(per_release[0]);
		    i++)
			if (keys[per_release[i]] != NULL)
				return conf_error(p,
				    &keys[per_release[i]]->start_mark,
				    "%s: not valid together with \"releases\" "
				    "(give it in each release)",
				    conf_set_keys[per_release[i]]);
		if (conf_releases(p, vals[SK_RELEASES], s) == -1)
			return -1;
	} else {
		/* path: alone is one release, always in force. */
		if ((s->releases = calloc(1, sizeof(*s->releases))) == NULL)
			return conf_error(p, &map->start_mark,
			    "%s: out of memory", what);
		s->nreleases = 1;
		r = &s->releases[0];
		if (conf_path(p, vals[SK_PATH], "path", &r->path) == -1)
			return -1;
		if (keys[SK_SHORT] != NULL && conf_path(p, vals[SK_SHORT],
		    "short", &r->short_path) == -1)
			return -1;
		if (keys[SK_MEDIUM] != NULL && conf_path(p, vals[SK_MEDIUM],
		    "medium", &r->medium_path) == -1)
			return -1;
		if (keys[SK_MODIFIERS] != NULL && conf_path(p,
		    vals[SK_MODIFIERS], "modifiers", &r->modifiers_path) == -1)
			return -1;
		if (keys[SK_SHA256] != NULL &&
		    conf_sha256(p, vals[SK_SHA256], r->sha256) == -1)
			return -1;
	}
	if (keys[SK_MIN_RECORDS] != NULL &&
	    conf_uint(p, vals[SK_MIN_RECORDS], "min_records",
	    CONF_MIN_RECORDS_MIN, CONF_MIN_RECORDS_MAX, &s->min_records) == -1)
		return -1;
	if (keys[SK_STALE_AFTER] != NULL &&
	    conf_stale(p, vals[SK_STALE_AFTER], s) == -1)
		return -1;

	if (keys[SK_DELIMITER] != NULL) {
		if ((v = conf_scalar(p, vals[SK_DELIMITER], "delimiter")) ==
		    NULL)
			return -1;
		/* '\t' (single-quoted) arrives as backslash + t. */
		if (strcmp(v, ",") == 0)
			s->delimiter = ',';
		else if (strcmp(v, "\t") == 0 || strcmp(v, "tab") == 0 ||
		    strcmp(v, "\\t") == 0)
			s->delimiter = '\t';
		else if (strcmp(v, "|") == 0)
			s->delimiter = '|';
		else
			return conf_error(p, &vals[SK_DELIMITER]->start_mark,
			    "delimiter: unknown delimiter \"%s\" (expected "
			    "\",\", \"\\t\", tab or \"|\")", v);
	}
	if (keys[SK_COLUMNS] != NULL &&
	    conf_columns(p, vals[SK_COLUMNS], s) == -1)
		return -1;
	return 0;
}

static int
conf_top(struct conf_parser *p, yaml_node_t *root, struct conf *c)
{
	yaml_node_t		*keys[TK_MAX], *vals[TK_MAX], *n;
	yaml_node_item_t	*item;
	const char		*v;
	size_t			 nitems;

	if (root->type != YAML_MAPPING_NODE)
		return conf_error(p, &root->start_mark,
		    "expected a mapping of settings, found %s",
		    conf_kind(root));
	if (conf_keys(p, root, conf_top_keys, TK_MAX, "at top level", keys,
	    vals) == -1)
		return -1;

	if (keys[TK_SOCKET] != NULL) {
		if (conf_path(p, vals[TK_SOCKET], "socket", &c->socket) == -1)
			return -1;
		if (strlen(c->socket) >= sizeof(((struct sockaddr_un *)0)->
		    sun_path))
			return conf_error(p, &vals[TK_SOCKET]->start_mark,
			    "socket: path \"%s\" is too long (expected at "
			    "most %zu bytes)", c->socket,
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	}
	if (keys[TK_SOCKET_MODE] != NULL &&
	    conf_mode(p, vals[TK_SOCKET_MODE], &c->socket_mode) == -1)
		return -1;
	if (keys[TK_LOG_LEVEL] != NULL) {
		if ((v = conf_scalar(p, vals[TK_LOG_LEVEL], "log_level")) ==
		    NULL)
			return -1;
		if (log_level_parse(v, &c->log_level) == -1)
			return conf_error(p, &vals[TK_LOG_LEVEL]->start_mark,
			    "log_level: unknown level \"%s\" (expected error, "
			    "warning, info or debug)", v);
	}
	if (keys[TK_MAX_REQUEST_BYTES] != NULL &&
	    conf_uint(p, vals[TK_MAX_REQUEST_BYTES], "max_request_bytes",
	    CONF_REQUEST_MIN, CONF_REQUEST_MAX, &c->max_request_bytes) == -1)
		return -1;
	if (keys[TK_MAX_BATCH] != NULL &&
	    conf_uint(p, vals[TK_MAX_BATCH], "max_batch", CONF_BATCH_MIN,
	    CONF_BATCH_MAX, &c->max_batch) == -1)
		return -1;
	if (keys[TK_MAX_CLIENTS] != NULL &&
	    conf_uint(p, vals[TK_MAX_CLIENTS], "max_clients",
	    CONF_CLIENTS_MIN, CONF_CLIENTS_MAX, &c->max_clients) == -1)
		return -1;
	if (keys[TK_OUTPUT_LIMIT] != NULL &&
	    conf_uint(p, vals[TK_OUTPUT_LIMIT], "output_limit",
	    CONF_OUTPUT_MIN, CONF_OUTPUT_MAX, &c->output_limit) == -1)
		return -1;
	if (keys[TK_WORKERS] != NULL &&
	    conf_uint(p, vals[TK_WORKERS], "workers", CONF_WORKERS_MIN,
	    CONF_WORKERS_MAX, &c->workers) == -1)
		return -1;

	if (keys[TK_CODE_SETS] == NULL)
		return conf_error(p, &root->start_mark,
		    "missing required key \"code_sets\"");
	n = vals[TK_CODE_SETS];
	if (n->type != YAML_SEQUENCE_NODE)
		return conf_error(p, &n->start_mark,
		    "code_sets: expected a list of code sets, found %s",
		    conf_kind(n));
	nitems = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (nitems == 0)
		return conf_error(p, &n->start_mark,
		    "code_sets: expected at least one code set, found an "
		    "empty list");
	if (nitems > CONF_MAX_SETS)
		return conf_error(p, &conf_node(p,
		    n->data.sequence.items.start[CONF_MAX_SETS])->start_mark,
		    "code_sets: too many code sets (expected at most %d)",
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

/*
 * Clean an absolute path in place, lexically (as Go's filepath.Clean):
 * no "//", "/./" or "dir/..", so info and logs show the path an admin
 * would type.  Relative paths only ever start at the config's own
 * directory, where ".." means what it says.
 */
static char *
conf_clean(char *path)
{
	char	*r = path, *w = path;

	if (path == NULL || path[0] != '/')
		return path;
	while (*r != '\0') {
		if (*r == '/' && w > path && w[-1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' &&
		    (r[2] == '/' || r[2] == '\0')) {
			r += 2;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' && r[2] == '.' &&
		    (r[3] == '/' || r[3] == '\0')) {
			while (w > path && *--w != '/')
				;
			r += 3;
			continue;
		}
		*w++ = *r++;
	}
	if (w > path + 1 && w[-1] == '/')
		w--;
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return path;
}

/* rel made absolute against dir (itself absolute), or NULL (no memory). */
static char *
conf_join(const char *dir, const char *rel)
{
	char	*out;
	size_t	 dl;

	if (rel[0] == '/')
		return conf_clean(strdup(rel));
	while (rel[0] == '.' && rel[1] == '/')
		for (rel += 2; *rel == '/'; rel++)
			;
	if (*rel == '\0' || strcmp(rel, ".") == 0)
		return strdup(dir);
	dl = strlen(dir);
	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if ((out = malloc(dl + strlen(rel) + 2)) == NULL)
		return NULL;
	snprintf(out, dl + strlen(rel) + 2, "%.*s%s%s", (int)dl, dir,
	    dir[dl - 1] == '/' ? "" : "/", rel);
	return conf_clean(out);
}

/* The whole file, NUL-terminated, or NULL with err set. */
static char *
conf_read(const char *path, size_t *lenp, char *err, size_t errlen)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0, n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	while ((n = fread(buf + len, 1, CONF_FILE_MAX + 1 - len, f)) > 0) {
		len += n;
		if (len > CONF_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONF_FILE_MAX);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

/*
 * Load exactly one YAML document from buf into p->doc.  libyaml's
 * problem text goes into the message as is: it is what YAML users know.
 */
static int
conf_parse(struct conf_parser *p, const char *buf, size_t len)
{
	yaml_parser_t	 parser;
	yaml_document_t	 extra;
	yaml_mark_t	 m;
	yaml_node_t	*root;
	size_t		 i;
	int		 rc = -1, loaded = 0;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	if (!yaml_parser_load(&parser, &p->doc))
		goto syntax;
	loaded = 1;
	if ((root = yaml_document_get_root_node(&p->doc)) == NULL) {
		m.line = m.column = 0;
		conf_error(p, &m, "empty configuration (expected a mapping "
		    "with at least code_sets)");
		goto fail;
	}
	if (!yaml_parser_load(&parser, &extra))
		goto syntax;
	if (yaml_document_get_root_node(&extra) != NULL) {
		conf_error(p, &extra.start_mark, "a second YAML document "
		    "(expected exactly one)");
		yaml_document_delete(&extra);
		goto fail;
	}
	yaml_document_delete(&extra);
	rc = 0;
	goto done;
syntax:
	switch (parser.error) {
	case YAML_MEMORY_ERROR:
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		break;
	case YAML_READER_ERROR:
		/* Only a byte offset here: count lines up to it. */
		memset(&m, 0, sizeof(m));
		for (i = 0; i < parser.problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				m.line++;
				m.column = 0;
			} else
				m.column++;
		}
		conf_error(p, &m, "%s", parser.problem);
		break;
	default:
		if (parser.context != NULL)
			conf_error(p, &parser.problem_mark,
			    "%s (%s at line %zu column %zu)", parser.problem,
			    parser.context, parser.context_mark.line + 1,
			    parser.context_mark.column + 1);
		else
			conf_error(p, &parser.problem_mark, "%s",
			    parser.problem);
		break;
	}
fail:
	if (loaded)
		yaml_document_delete(&p->doc);
done:
	yaml_parser_delete(&parser);
	return rc;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf_parser p;
	struct conf	*c = NULL;
	char		*buf = NULL, *slash, cwd[PATH_MAX];
	size_t		 len;
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

	if ((buf = conf_read(path, &len, err, errlen)) == NULL)
		goto fail;
	if (conf_parse(&p, buf, len) == -1)
		goto fail;
	loaded = 1;
	if (conf_top(&p, yaml_document_get_root_node(&p.doc), c) == -1)
		goto fail;
	yaml_document_delete(&p.doc);
	free(buf);
	free(p.dir);
	return c;
fail:
	if (loaded)
		yaml_document_delete(&p.doc);
	free(buf);
	free(p.dir);
	conf_free(c);
	return NULL;
}
