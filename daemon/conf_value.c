/*
 * conf_value.c: the parsers of single values that conf.c's key table
 * names, one per kind of key, with the bounds and defaults of each row,
 * and the defaults they put in place.  Each message starts with the
 * key's name and says what was expected.
 */
#include <sys/types.h>

#include <grp.h>
#include <limits.h>
#include <pwd.h>
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

#define CONF_WORKERS_DEFAULT_MAX 8L	/* of the online CPUs */
#define CONF_STALE_DAYS_MAX	3660U	/* ten years */
#define CONF_STALE_MONTHS_MAX	120U

static int	conf_uint(struct conf_parser *, yaml_node_t *, const char *,
		    unsigned long long, unsigned long long, size_t *);

void *
conf_field(const struct conf_key *k, struct conf_ctx *ctx)
{
	char	*base = NULL;

	switch (k->obj) {
	case CO_CONF:
		base = (char *)ctx->c;
		break;
	case CO_SET:
		base = (char *)ctx->s;
		break;
	case CO_RELEASE:
		base = (char *)ctx->r;
		break;
	}
	return base + k->off;
}

void
conf_d_str(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(char *, k, base) = k->def_str;
}

void
conf_d_size(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(size_t, k, base) = (size_t)k->def;
}

void
conf_d_mode(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(mode_t, k, base) = (mode_t)k->def;
}

void
conf_d_level(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(enum log_level, k, base) = (enum log_level)k->def;
}

void
conf_d_char(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(char, k, base) = (char)k->def;
}

void
conf_d_ratio(const struct conf_key *k, void *base)
{
	*CONF_DFIELD(unsigned, k, base) = (unsigned)k->def;
}

/* One per CPU; past a few the socket, not the lookups, is the cost. */
void
conf_d_workers(const struct conf_key *k, void *base)
{
	long	ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	*CONF_DFIELD(size_t, k, base) = ncpu < 1 ? 1 :
	    ncpu > CONF_WORKERS_DEFAULT_MAX ? CONF_WORKERS_DEFAULT_MAX :
	    (size_t)ncpu;
}

/* k->def months. */
void
conf_d_stale(const struct conf_key *k, void *base)
{
	struct conf_set	*s = base;

	s->stale_after = (unsigned)k->def;
	s->stale_unit = CONF_UNIT_MONTHS;
}

/* A path, made absolute relative to the config file's directory. */
int
conf_p_path(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	char		**out = CONF_FIELD(char *, k, ctx);
	const char	*v;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	if ((*out = conf_join(p->dir, v)) == NULL)
		return conf_error(p, &n->start_mark, "%s: out of memory",
		    k->name);
	if (k->max > 0 && strlen(*out) > k->max)
		return conf_error(p, &n->start_mark, "%s: path \"%s\" is too "
		    "long (expected at most %llu bytes)", k->name, *out,
		    k->max);
	return 0;
}

int
conf_p_size(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	return conf_uint(p, n, k->name, k->min, k->max,
	    CONF_FIELD(size_t, k, ctx));
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
int
conf_p_mode(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	const char	*v, *s;
	unsigned	 m = 0;
	int		 digits = 0;

	if (n->type != YAML_SCALAR_NODE || conf_is_null(n))
		return conf_error(p, &n->start_mark,
		    "%s: expected an octal mode such as \"0660\", found %s",
		    k->name, conf_kind(n));
	v = s = (const char *)n->data.scalar.value;
	if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		s += 2;
	for (; *s >= '0' && *s <= '7' && digits < 5; s++, digits++)
		m = m * 8 + (unsigned)(*s - '0');
	if (digits == 0 || *s != '\0' || m > 0777)
		return conf_error(p, &n->start_mark,
		    "%s: expected an octal mode such as \"0660\", found "
		    "\"%s\"", k->name, v);
	*CONF_FIELD(mode_t, k, ctx) = (mode_t)m;
	return 0;
}

int
conf_p_level(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	const char	*v;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	if (log_level_parse(v, CONF_FIELD(enum log_level, k, ctx)) == -1)
		return conf_error(p, &n->start_mark, "%s: unknown level \"%s\" "
		    "(expected error, warning, info or debug)", k->name, v);
	return 0;
}

int
conf_p_delimiter(struct conf_parser *p, const struct conf_key *k,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	char		*out = CONF_FIELD(char, k, ctx);
	const char	*v;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	/* '\t' (single-quoted) arrives as backslash + t. */
	if (strcmp(v, ",") == 0)
		*out = ',';
	else if (strcmp(v, "\t") == 0 || strcmp(v, "tab") == 0 ||
	    strcmp(v, "\\t") == 0)
		*out = '\t';
	else if (strcmp(v, "|") == 0)
		*out = '|';
	else
		return conf_error(p, &n->start_mark, "%s: unknown delimiter "
		    "\"%s\" (expected \",\", \"\\t\", tab or \"|\")", k->name,
		    v);
	return 0;
}

/* columns: {field: "Header", listfield: [H1, H2], ...} */
int
conf_p_columns(struct conf_parser *p, const struct conf_key *key,
    yaml_node_t *map, struct conf_ctx *ctx)
{
	struct conf_set	*s = ctx->s;
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	yaml_node_t	*k, *v, *h;
	struct conf_column *col;
	const char	*name, *text;
	char		 label[64], list[512];
	size_t		 i, len;
	int		 f, have_code = 0;

	(void)key;	/* its messages say "columns: <field>" */

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
int
conf_p_sha256(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	char		*out = CONF_FIELD(char, k, ctx);
	const char	*v;
	size_t		 i;

	if ((v = conf_scalar(p, n, k->name)) == NULL)
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
 * A share from 0 to 1 with at most 4 decimals (0, 0.9, 1.0, ...), kept
 * as an integer of ten-thousandths so that comparing counts with it is
 * exact.
 */
int
conf_p_ratio(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	const char	*v, *s;
	unsigned	 r, scale = CONF_RATIO_ONE;

	if (n->type != YAML_SCALAR_NODE || conf_is_null(n) ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return conf_error(p, &n->start_mark, "%s: expected a number "
		    "from 0 to 1 such as 0.9, found %s", k->name,
		    conf_kind(n));
	v = s = (const char *)n->data.scalar.value;
	if (*s != '0' && *s != '1')
		goto bad;
	r = (unsigned)(*s++ - '0') * scale;
	if (*s == '.' && s[1] != '\0')
		for (s++; *s >= '0' && *s <= '9' && scale > 1; s++) {
			scale /= 10;
			r += (unsigned)(*s - '0') * scale;
		}
	if (*s != '\0' || r > k->max)
		goto bad;
	*CONF_FIELD(unsigned, k, ctx) = r;
	return 0;
bad:
	return conf_error(p, &n->start_mark, "%s: expected a number from 0 to "
	    "1 with at most 4 decimals, such as 0.9, found \"%.40s\"",
	    k->name, v);
}

/*
 * stale_after: "N days", "N months" (or day, month), or 0 / off for
 * never.  A plain string rather than a YAML integer: the unit matters,
 * since a quarter is no fixed number of days.
 */
int
conf_p_stale(struct conf_parser *p, const struct conf_key *key,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	struct conf_set	*s = ctx->s;
	const char	*v, *u;
	unsigned long	 k = 0;
	unsigned	 max;
	int		 digits = 0;

	if ((v = conf_scalar(p, n, key->name)) == NULL)
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

/*
 * effective: YYYY-MM-DD (a real day) or auto; dates unique in the set.
 * ctx->marks holds where each earlier release's date was written, for
 * the duplicate message.
 */
int
conf_p_effective(struct conf_parser *p, const struct conf_key *k,
    yaml_node_t *n, struct conf_ctx *ctx)
{
	struct conf_release *r = ctx->r;
	const char	*v;
	size_t		 i, idx = ctx->s->nreleases - 1;
	char		 d[11];

	if ((v = conf_scalar(p, n, k->name)) == NULL)
		return -1;
	if (strcmp(v, "auto") == 0) {
		r->effective = 0;
		r->effective_auto = 1;
	} else if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' ||
	    record_parse_date(v, 10, &r->effective) == -1 ||
	    r->effective == 0)
		return conf_error(p, &n->start_mark,
		    "%s: expected a date YYYY-MM-DD or auto, found \"%.40s\"",
		    k->name, v);
	ctx->marks[idx] = n->start_mark;
	if (r->effective_auto)
		return 0;
	for (i = 0; i < idx; i++)
		if (ctx->s->releases[i].effective == r->effective) {
			record_format_date(r->effective, d);
			return conf_error(p, &n->start_mark,
			    "%s: duplicate effective date %s in code set "
			    "\"%s\" (first at line %zu)", k->name, d,
			    ctx->s->name, ctx->marks[i].line + 1);
		}
	return 0;
}

/*
 * Users and groups: a name, looked up now (an unknown one is an error
 * here, not a surprise at the drop), or a number, taken as is.
 */

#define CONF_PW_BUF	16384	/* getpwnam_r's and getgrnam_r's buffer */

/* A plain decimal id below (uint32_t)-1, which means "none". */
static int
conf_id_number(const char *v, uint32_t *id)
{
	unsigned long long	 u = 0;
	const char		*s;

	for (s = v; *s >= '0' && *s <= '9' && u <= UINT32_MAX; s++)
		u = u * 10 + (unsigned)(*s - '0');
	if (s == v || *s != '\0' || u >= UINT32_MAX)
		return -1;
	*id = (uint32_t)u;
	return 0;
}

/*
 * One user (group 0) or group (group 1) from scalar n: its id and, for a
 * user with a passwd entry, that entry's group (else (uint32_t)-1).
 */
static int
conf_id(struct conf_parser *p, yaml_node_t *n, const char *key, int group,
    struct access_id *out)
{
	struct passwd	 pw, *pwp = NULL;
	struct group	 gr, *grp = NULL;
	const char	*v;
	char		 buf[CONF_PW_BUF];
	uint32_t	 id;
	int		 num, e;

	if ((v = conf_scalar(p, n, key)) == NULL)
		return -1;
	if (strlen(v) >= sizeof(out->name) || v[0] == '\0')
		return conf_error(p, &n->start_mark, "%s: expected a %s name "
		    "or number of at most %zu bytes, found \"%s\"", key,
		    group ? "group" : "user", sizeof(out->name) - 1, v);
	num = conf_id_number(v, &id) == 0;
	if (group)
		e = num ? getgrgid_r(id, &gr, buf, sizeof(buf), &grp) :
		    getgrnam_r(v, &gr, buf, sizeof(buf), &grp);
	else
		e = num ? getpwuid_r(id, &pw, buf, sizeof(buf), &pwp) :
		    getpwnam_r(v, &pw, buf, sizeof(buf), &pwp);
	if (!num && (e != 0 || (group ? (void *)grp : (void *)pwp) == NULL))
		return conf_error(p, &n->start_mark, "%s: unknown %s \"%s\"%s%s",
		    key, group ? "group" : "user", v, e != 0 ? ": " : "",
		    e != 0 ? strerror(e) : "");
	out->set = 1;
	out->gid = (uint32_t)-1;
	if (group)
		out->id = num ? id : (uint32_t)grp->gr_gid;
	else {
		out->id = num ? id : (uint32_t)pwp->pw_uid;
		if (pwp != NULL)
			out->gid = (uint32_t)pwp->pw_gid;
	}
	memcpy(out->name, v, strlen(v) + 1);
	return 0;
}

int
conf_p_user(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	return conf_id(p, n, k->name, 0, CONF_FIELD(struct access_id, k, ctx));
}

int
conf_p_group(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	return conf_id(p, n, k->name, 1, CONF_FIELD(struct access_id, k, ctx));
}

/* A list of users or groups (or one, as a scalar); never empty. */
static int
conf_ids(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx, int group)
{
	struct access_ids *l = CONF_FIELD(struct access_ids, k, ctx);
	struct access_id one;
	yaml_node_item_t *item;
	size_t		 nitems;

	l->set = 1;
	l->n = 0;
	if (n->type == YAML_SCALAR_NODE) {
		if (conf_id(p, n, k->name, group, &one) == -1)
			return -1;
		l->id[l->n++] = one.id;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return conf_error(p, &n->start_mark, "%s: expected a list of "
		    "%s names or numbers, found %s", k->name,
		    group ? "group" : "user", conf_kind(n));
	nitems = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (nitems == 0)
		return conf_error(p, &n->start_mark, "%s: expected at least "
		    "one %s, found an empty list (leave the key out to allow "
		    "everyone)", k->name, group ? "group" : "user");
	if (nitems > ACCESS_MAX_IDS)
		return conf_error(p, &n->start_mark, "%s: too many entries "
		    "(expected at most %d)", k->name, ACCESS_MAX_IDS);
	for (item = n->data.sequence.items.start;
	    item < n->data.sequence.items.top; item++) {
		if (conf_id(p, conf_node(p, *item), k->name, group,
		    &one) == -1)
			return -1;
		l->id[l->n++] = one.id;
	}
	return 0;
}

int
conf_p_uids(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	return conf_ids(p, k, n, ctx, 0);
}

int
conf_p_gids(struct conf_parser *p, const struct conf_key *k, yaml_node_t *n,
    struct conf_ctx *ctx)
{
	return conf_ids(p, k, n, ctx, 1);
}
