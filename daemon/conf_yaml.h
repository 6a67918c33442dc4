/*
 * conf_yaml.h: the YAML helpers of conf.c (conf_yaml.c); internal to the
 * configuration reader.
 */
#ifndef HCPCSD_CONF_YAML_H
#define HCPCSD_CONF_YAML_H

#include <stddef.h>

#include <yaml.h>

#include "log.h"

/* What one conf_load() call works with. */
struct conf_parser {
	const char	*file;		/* as given, for messages */
	char		*dir;		/* absolute directory of the file */
	yaml_document_t	 doc;
	char		*err;
	size_t		 errlen;
};

/*
 * Read p->file and load exactly one YAML document from it into p->doc
 * (the caller deletes it).  On failure returns -1 with p->err set,
 * "file: reason" or "file:line:column: libyaml's problem", and no
 * document loaded.
 */
int		 conf_yaml_load(struct conf_parser *);

/* p->err = "file:line:column: message"; returns -1. */
int		 conf_error(struct conf_parser *, const yaml_mark_t *,
		    const char *, ...) LOG_PRINTF(3, 4);

/* A plain ~, null or nothing at all: YAML's null. */
int		 conf_is_null(const yaml_node_t *);

/* What the user wrote ("a string", "a list", ...), for "found ...". */
const char	*conf_kind(const yaml_node_t *);

yaml_node_t	*conf_node(struct conf_parser *, int);

/*
 * The text of a non-empty scalar without NUL bytes, or NULL after an
 * error naming key.
 */
const char	*conf_scalar(struct conf_parser *, yaml_node_t *,
		    const char *key);

/*
 * rel made absolute against dir (itself absolute) and cleaned lexically
 * (no "//", "/./" or "dir/.."), malloc'd; NULL when out of memory.
 */
char		*conf_join(const char *dir, const char *rel);

#endif /* HCPCSD_CONF_YAML_H */
