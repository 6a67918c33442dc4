/*
 * conf_key.h: one row of conf.c's key table, and the value parsers and
 * defaults the rows name (conf_value.c).  Internal to the configuration
 * reader.
 */
#ifndef HCPCSD_CONF_KEY_H
#define HCPCSD_CONF_KEY_H

#include <stddef.h>

#include <yaml.h>

#include "conf.h"
#include "conf_yaml.h"

/* The struct a key's off is in. */
enum conf_obj {
	CO_CONF,	/* struct conf */
	CO_SET,		/* struct conf_set */
	CO_RELEASE	/* struct conf_release: a release's, or a path: set's one */
};

/* Where a key's value goes while one mapping is read. */
struct conf_ctx {
	struct conf	*c;
	struct conf_set	*s;		/* the code set, or NULL */
	size_t		 idx;		/* its index in c->sets */
	struct conf_release *r;		/* the release, or NULL */
	yaml_mark_t	*marks;		/* where each release gave effective */
	char		 what[CONF_NAME_MAX + 16];	/* code set "name" */
};

struct conf_key;

/* Check node and store it in the key's field; -1 after conf_error. */
typedef int	 conf_parse_fn(struct conf_parser *, const struct conf_key *,
		    yaml_node_t *, struct conf_ctx *);
/* Store the key's default in base (the struct of its obj). */
typedef void	 conf_default_fn(const struct conf_key *, void *base);

/* Key flags. */
#define CF_REQUIRED	0x01	/* missing is an error */
#define CF_CPT		0x02	/* only for format ama-cpt */
#define CF_DELIM	0x04	/* only for format delimited */
#define CF_FORMAT_REQUIRED 0x08	/* required for the format it is only for */

struct conf_key {
	const char	*name;
	enum conf_obj	 obj;
	size_t		 off;		/* of the field in obj's struct */
	conf_parse_fn	*parse;
	conf_default_fn	*dflt;		/* NULL: zero */
	/* Integers: accepted range; paths, names: longest (0: any). */
	unsigned long long min, max;
	unsigned long long def;		/* default of a number */
	char		*def_str;	/* default of a path */
	unsigned	 flags;
	const char	*hint;		/* after "missing required key" */
	const char	*doc;
};

/*
 * The field of k in the struct of its obj: in the mapping ctx is
 * reading, or in base.
 */
void		*conf_field(const struct conf_key *k, struct conf_ctx *);
#define CONF_FIELD(type, k, ctx)	((type *)conf_field((k), (ctx)))
#define CONF_DFIELD(type, k, base)	((type *)(void *)((char *)(base) + \
				    (k)->off))

/* The parsers and defaults of single values (conf_value.c). */
conf_parse_fn	 conf_p_path, conf_p_size, conf_p_mode, conf_p_level,
		 conf_p_delimiter, conf_p_columns, conf_p_sha256,
		 conf_p_stale, conf_p_effective, conf_p_ratio,
		 conf_p_user, conf_p_group, conf_p_uids, conf_p_gids;
conf_default_fn	 conf_d_str, conf_d_size, conf_d_mode, conf_d_level,
		 conf_d_workers, conf_d_char, conf_d_stale, conf_d_ratio;

#endif /* HCPCSD_CONF_KEY_H */
