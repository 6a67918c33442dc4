/*
 * conf_yaml.c: the YAML side of conf.c.  The file is loaded whole with
 * libyaml's document API and then walked node by node, so that every
 * complaint can name the line and column of the node it is about; these
 * are the helpers of that walk, and the lexical cleaning of the paths
 * the file names.  They know nothing of hcpcsd's keys (conf.c's table).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf_yaml.h"
#include "load_file.h"
#include "record.h"

/* A config larger than this is surely not one. */
#define CONF_FILE_MAX		(1024 * 1024)
/* Mappings and lists inside each other; hcpcsd's own keys need 5. */
#define CONF_DEPTH_MAX		64

static char	*conf_clean(char *);
static char	*conf_read(const char *, size_t *, char *, size_t);
static int	 conf_depth(struct conf_parser *, const char *, size_t);
static int	 conf_parse(struct conf_parser *, const char *, size_t);

/* "file:line:column: message", from a 0-based libyaml mark. */
int
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
int
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
const char *
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

yaml_node_t *
conf_node(struct conf_parser *p, int idx)
{
	return yaml_document_get_node(&p->doc, idx);
}

/* The text of a non-empty scalar, or NULL after an error about key. */
const char *
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
char *
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

/*
 * The whole file, NUL-terminated, or NULL with err set.  Opened as the
 * data files are (load_slurp): without blocking, so a FIFO or device in
 * its place is refused at once instead of hanging every later reload,
 * and refused when not a regular file, writable by others, empty or
 * over CONF_FILE_MAX.  A symlink is followed: configs are often linked
 * into /etc from where they are managed, and the checks are made on the
 * file opened, not on the name.
 */
static char *
conf_read(const char *path, size_t *lenp, char *err, size_t errlen)
{
	struct record_err re;
	char		*buf;

	if ((buf = load_slurp_max(path, CONF_FILE_MAX, NULL, lenp, &re)) == NULL)
		snprintf(err, errlen, "%s", re.msg);
	return buf;
}

/*
 * Whether the document nests no deeper than CONF_DEPTH_MAX, walked as
 * events before it is loaded: libyaml's scanner takes time quadratic
 * in the depth (200 KB of "[" kept it busy for minutes), and events
 * stop at the first level too deep.  A syntax error ends the walk
 * quietly: the load that follows reports it in full.
 */
static int
conf_depth(struct conf_parser *p, const char *buf, size_t len)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	yaml_event_type_t type;
	yaml_mark_t	 m;
	int		 depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(p->err, p->errlen, "%s: out of memory", p->file);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	while (yaml_parser_parse(&parser, &ev)) {
		type = ev.type;
		m = ev.start_mark;
		yaml_event_delete(&ev);
		if (type == YAML_STREAM_END_EVENT)
			break;
		if (type == YAML_SEQUENCE_START_EVENT ||
		    type == YAML_MAPPING_START_EVENT) {
			if (++depth > CONF_DEPTH_MAX) {
				rc = conf_error(p, &m, "nested deeper than %d "
				    "levels", CONF_DEPTH_MAX);
				break;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT ||
		    type == YAML_MAPPING_END_EVENT)
			depth--;
	}
	yaml_parser_delete(&parser);
	return rc;
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

int
conf_yaml_load(struct conf_parser *p)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((buf = conf_read(p->file, &len, p->err, p->errlen)) == NULL)
		return -1;
	/* The document keeps its own copies: buf can go. */
	rc = conf_depth(p, buf, len) == -1 ? -1 : conf_parse(p, buf, len);
	free(buf);
	return rc;
}
