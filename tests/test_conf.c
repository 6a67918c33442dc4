/*
 * test_conf.c: conf_load() on a full config, on defaults, and on every
 * kind of mistake, checking the exact file:line:column of each error.
 * Error configs are written to a private mkdtemp directory.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "conf.h"
#include "record.h"

static const char	*tdir;
static int		 tfiles;

/* Write text to a new file in tdir; returns its path. */
static const char *
put(const char *text)
{
	char	name[32];

	snprintf(name, sizeof(name), "c%03d.yaml", tfiles++);
	return t_write_file(tdir, name, text, strlen(text), 0644);
}

/*
 * Load text and expect failure with "FILE:line:col: " then a message
 * containing want.
 */
static void
check_err(int tline, const char *text, int line, int col, const char *want)
{
	struct conf	*c;
	const char	*path = put(text);
	char		 err[1024], prefix[PATH_MAX + 32];
	size_t		 plen;

	c = conf_load(path, err, sizeof(err));
	t_checks++;
	if (c != NULL) {
		t_fail(__FILE__, tline, "loaded, expected error \"%s\"", want);
		conf_free(c);
		return;
	}
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path,
	    line, col);
	t_checks++;
	if (strncmp(err, prefix, plen) != 0 || strstr(err + plen, want) ==
	    NULL)
		t_fail(__FILE__, tline, "error \"%s\", expected \"%s%s...\"",
		    err, prefix, want);
}

#define ERR(text, line, col, want) check_err(__LINE__, text, line, col, want)

static struct conf *
load_ok(const char *text)
{
	struct conf	*c;
	char		 err[1024];

	c = conf_load(put(text), err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "unexpected error: %s\n", err);
	return c;
}

static const char set_ok[] =
    "code_sets:\n"
    "  - name: hcpcs\n"
    "    format: cms-anweb\n"
    "    path: a.txt\n";

static void
test_full(void)
{
	struct conf	*c;
	struct conf_set	*s;
	char		 err[1024], cwd[PATH_MAX], dir[PATH_MAX + 64],
			 want[PATH_MAX + 128];

	T_OK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/conf", cwd);
	/* A relative config path: absolute paths come from the cwd. */
	c = conf_load("tests/fixtures/conf/full.yaml", err, sizeof(err));
	T_OK(c != NULL);
	if (c == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	snprintf(want, sizeof(want), "%s/full.yaml", dir);
	T_EQ_STR(c->path, want);
	snprintf(want, sizeof(want), "%s/run/test.sock", dir);
	T_EQ_STR(c->socket, want);
	T_EQ_INT(c->socket_mode, 432);
	T_EQ_INT(c->log_level, LOG_LVL_DEBUG);
	T_EQ_INT(c->max_request_bytes, 2097152);
	T_EQ_INT(c->max_batch, 500);
	T_EQ_INT(c->max_clients, 16);
	T_EQ_INT(c->output_limit, 1048576);
	T_EQ_INT(c->nsets, 3);
	if (c->nsets != 3)
		goto done;

	s = &c->sets[0];
	T_EQ_STR(s->name, "hcpcs");
	T_EQ_INT(s->format, CONF_FMT_CMS_ANWEB);
	snprintf(want, sizeof(want), "%s/data/HCPC2020_ANWEB.txt", dir);
	T_EQ_STR(s->releases[0].path, want);
	T_OK(s->releases[0].short_path == NULL);
	T_OK(s->releases[0].medium_path == NULL);
	T_OK(s->releases[0].modifiers_path == NULL);
	T_EQ_INT(s->delimiter, ',');
	T_EQ_INT(s->ncolumns, 0);

	s = &c->sets[1];
	T_EQ_STR(s->name, "cpt");
	T_EQ_INT(s->format, CONF_FMT_AMA_CPT);
	/* Given as /opt//cpt/./LONGULT.txt. */
	T_EQ_STR(s->releases[0].path, "/opt/cpt/LONGULT.txt");
	snprintf(want, sizeof(want), "%s/cpt/SHORTU.txt", dir);
	T_EQ_STR(s->releases[0].short_path, want);
	snprintf(want, sizeof(want), "%s/cpt/MEDU.txt", dir);
	T_EQ_STR(s->releases[0].medium_path, want);
	/* Paths are cleaned lexically: no "..", "." or "//" is kept. */
	snprintf(want, sizeof(want), "%s/tests/fixtures/cpt/MODUL.txt", cwd);
	T_EQ_STR(s->releases[0].modifiers_path, want);
	T_EQ_INT(s->ncolumns, 0);

	s = &c->sets[2];
	T_EQ_STR(s->name, "local_2-x");
	T_EQ_INT(s->format, CONF_FMT_DELIMITED);
	snprintf(want, sizeof(want), "%s/local.tsv", dir);
	T_EQ_STR(s->releases[0].path, want);
	T_EQ_INT(s->delimiter, '\t');
	T_OK(s->releases[0].short_path == NULL);
	T_EQ_INT(s->ncolumns, 6);
	if (s->ncolumns != 6)
		goto done;
	T_EQ_INT(s->columns[0].field, RF_CODE);
	T_EQ_INT(s->columns[0].nheaders, 1);
	T_EQ_STR(s->columns[0].headers[0], "HCPC");
	T_EQ_INT(s->columns[1].field, RF_LONG);
	T_EQ_STR(s->columns[1].headers[0], "LONG DESCRIPTION");
	T_EQ_INT(s->columns[2].field, RF_SHORT);
	T_EQ_STR(s->columns[2].headers[0], "SHORT DESCRIPTION");
	T_EQ_INT(s->columns[3].field, RF_ADDED);
	T_EQ_STR(s->columns[3].headers[0], "ADD DT");
	T_EQ_INT(s->columns[4].field, RF_TERMINATED);
	T_EQ_STR(s->columns[4].headers[0], "TERM DT");
	T_EQ_INT(s->columns[5].field, RF_TOS);
	T_EQ_INT(s->columns[5].nheaders, 2);
	T_EQ_STR(s->columns[5].headers[0], "TOS1");
	T_EQ_STR(s->columns[5].headers[1], "TOS2");
done:
	conf_free(c);
}

static void
test_defaults(void)
{
	struct conf	 d, *c;
	char		 want[PATH_MAX + 32];

	conf_defaults(&d);
	T_EQ_STR(d.socket, "/run/hcpcsd/hcpcsd.sock");
	T_EQ_INT(d.socket_mode, 0660);
	T_EQ_INT(d.log_level, LOG_LVL_INFO);
	T_EQ_INT(d.max_request_bytes, 1048576);
	T_EQ_INT(d.max_batch, 10000);
	T_EQ_INT(d.max_clients, 1024);
	T_EQ_INT(d.output_limit, 16777216);
	T_EQ_INT(d.max_output_bytes, 268435456);
	T_EQ_INT(d.output_timeout, 30);
	T_EQ_INT(d.idle_timeout, 300);
	T_EQ_INT(d.request_timeout, 10);
	T_EQ_INT(d.max_requests_per_turn, 64);
	T_EQ_INT(d.max_connections_per_uid, 0);
	T_EQ_INT(conf_per_uid(&d), 256);
	d.max_clients = 3;
	T_EQ_INT(conf_per_uid(&d), 1);
	d.max_connections_per_uid = 7;
	T_EQ_INT(conf_per_uid(&d), 7);
	T_OK(d.workers >= 1 && d.workers <= 8);
	T_OK(d.sets == NULL);
	T_EQ_INT(d.nsets, 0);
	T_OK(d.path == NULL);

	/* Only code_sets given: everything else is the default. */
	c = load_ok(set_ok);
	T_OK(c != NULL);
	if (c == NULL)
		return;
	T_EQ_STR(c->socket, "/run/hcpcsd/hcpcsd.sock");
	T_EQ_INT(c->socket_mode, 0660);
	T_EQ_INT(c->log_level, LOG_LVL_INFO);
	T_EQ_INT(c->max_request_bytes, 1048576);
	T_EQ_INT(c->max_batch, 10000);
	T_EQ_INT(c->max_clients, 1024);
	T_EQ_INT(c->output_limit, 16777216);
	T_EQ_INT(c->max_output_bytes, 268435456);
	T_EQ_INT(c->nsets, 1);
	T_EQ_STR(c->sets[0].name, "hcpcs");
	T_EQ_INT(c->sets[0].format, CONF_FMT_CMS_ANWEB);
	snprintf(want, sizeof(want), "%s/a.txt", tdir);
	T_EQ_STR(c->sets[0].releases[0].path, want);
	T_EQ_INT(c->sets[0].delimiter, ',');
	conf_free(c);
}

/* The workers key: its bounds, and the default it replaces. */
static void
test_workers(void)
{
	struct conf	 d, *c;
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t		 want;

	conf_defaults(&d);
	want = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
	T_EQ_INT(d.workers, want);
	c = load_ok("workers: 1\ncode_sets:\n  - {name: a, format: cms-anweb, "
	    "path: a.txt}\n");
	T_OK(c != NULL);
	if (c != NULL)
		T_EQ_INT(c->workers, 1);
	conf_free(c);
	c = load_ok("workers: 64\ncode_sets:\n  - {name: a, format: cms-anweb, "
	    "path: a.txt}\n");
	T_OK(c != NULL);
	if (c != NULL)
		T_EQ_INT(c->workers, 64);
	conf_free(c);
	c = load_ok("code_sets:\n  - {name: a, format: cms-anweb, "
	    "path: a.txt}\n");
	T_OK(c != NULL);
	if (c != NULL)
		T_EQ_INT(c->workers, want);
	conf_free(c);
}

/* socket_mode spellings, and the other delimiters. */
static void
test_values(void)
{
	static const struct {
		const char	*text;
		int		 mode;
	} modes[] = {
		{ "socket_mode: 0660\n", 0660 },	/* unquoted */
		{ "socket_mode: \"0640\"\n", 0640 },
		{ "socket_mode: '600'\n", 0600 },
		{ "socket_mode: 0o750\n", 0750 },
		{ "socket_mode: 0777\n", 0777 },
	};
	static const struct {
		const char	*text;
		int		 delim;
	} delims[] = {
		{ "\"|\"", '|' }, { "\",\"", ',' }, { "tab", '\t' },
		{ "'\\t'", '\t' }, { "\"\\t\"", '\t' },
	};
	struct conf	*c;
	char		 text[1024];
	size_t		 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", modes[i].text, set_ok);
		c = load_ok(text);
		T_OK(c != NULL);
		if (c != NULL)
			T_EQ_INT(c->socket_mode, modes[i].mode);
		conf_free(c);
	}
	for (i = 0; i < sizeof(delims) / sizeof(delims[0]); i++) {
		snprintf(text, sizeof(text), "code_sets:\n"
		    "  - name: x\n    format: delimited\n    path: x.csv\n"
		    "    delimiter: %s\n    columns:\n      code: Code\n",
		    delims[i].text);
		c = load_ok(text);
		T_OK(c != NULL);
		if (c != NULL) {
			T_EQ_INT(c->sets[0].delimiter, delims[i].delim);
			T_EQ_INT(c->sets[0].ncolumns, 1);
			T_EQ_STR(c->sets[0].columns[0].headers[0], "Code");
		}
		conf_free(c);
	}

	/* Absolute socket kept; list field given one header; max values. */
	c = load_ok("socket: /tmp/x.sock\nlog_level: warning\n"
	    "max_request_bytes: 1073741824\nmax_batch: 1000000\n"
	    "max_clients: 65536\noutput_limit: 68719476736\n"
	    "code_sets:\n  - name: d\n    format: delimited\n"
	    "    path: /d.csv\n    delimiter: \",\"\n"
	    "    columns:\n      code: C\n      pricing: P1\n"
	    "      labcert: [L1, L2, L3, L4, L5, L6, L7, L8]\n");
	T_OK(c != NULL);
	if (c != NULL) {
		T_EQ_STR(c->socket, "/tmp/x.sock");
		T_EQ_INT(c->log_level, LOG_LVL_WARN);
		T_EQ_INT(c->max_request_bytes, 1073741824);
		T_EQ_INT(c->max_batch, 1000000);
		T_EQ_INT(c->max_clients, 65536);
		T_EQ_INT(c->output_limit, 68719476736LL);
		T_EQ_INT(c->sets[0].columns[1].field, RF_PRICING);
		T_EQ_INT(c->sets[0].columns[1].nheaders, 1);
		T_EQ_STR(c->sets[0].columns[1].headers[0], "P1");
		T_EQ_INT(c->sets[0].columns[2].field, RF_LABCERT);
		T_EQ_INT(c->sets[0].columns[2].nheaders, 8);
		T_EQ_STR(c->sets[0].columns[2].headers[7], "L8");
	}
	conf_free(c);

	T_EQ_STR(conf_format_name(CONF_FMT_CMS_ANWEB), "cms-anweb");
	T_EQ_STR(conf_format_name(CONF_FMT_AMA_CPT), "ama-cpt");
	T_EQ_STR(conf_format_name(CONF_FMT_DELIMITED), "delimited");
}

static void
test_errors(void)
{
	struct conf	*c;
	char		 err[256], big[8192];
	size_t		 i, len;

	/* The brief's three examples, at their exact positions. */
	ERR("socket: /tmp/s\n"
	    "log_level: info\n"
	    "code_sets:\n"
	    "  - name: hcpcs\n"
	    "    format: cms-anweb\n"
	    "    path: a.txt\n"
	    "    pathh: b.txt\n",
	    7, 5, "unknown key \"pathh\" in code set (expected one of: name, "
	    "format, path, short, medium, modifiers, delimiter, columns, "
	    "releases, sha256, min_records, min_ratio, max_file_bytes, "
	    "stale_after)");
	ERR("socket: /tmp/s\n"
	    "log_level: info\n"
	    "socket_mode: \"0999\"\n",
	    3, 14, "socket_mode: expected an octal mode such as \"0660\"");
	ERR("socket: /tmp/s\n"
	    "code_sets:\n"
	    "  - name: a\n"
	    "    format: cms-anweb\n"
	    "    path: a.txt\n"
	    "  - name: b\n"
	    "    format: ama-cpt\n"
	    "    path: b.txt\n"
	    "  - name: c\n"
	    "    format: csv\n"
	    "    path: c.txt\n",
	    10, 13, "format: unknown format \"csv\" (expected cms-anweb, "
	    "ama-cpt or delimited)");

	/* YAML syntax: libyaml's own words and position. */
	ERR("socket: /tmp/s\ncode_sets:\n  - name: [a\n", 4, 1,
	    "did not find expected ',' or ']'");
	ERR("a: b\n c: d\n", 2, 3, "mapping values are not allowed");
	ERR("socket: *nope\n", 1, 9, "found undefined alias");
	ERR("socket: \"a\xff\"\n", 1, 11, "invalid leading UTF-8 octet");
	ERR("# only a comment\n", 1, 1, "empty configuration");
	ERR("- a\n- b\n", 1, 1, "expected a mapping of settings, found a list");
	ERR("---\ncode_sets: []\n---\nx: 1\n", 3, 1, "a second YAML document");

	/* Keys. */
	ERR("socket: /tmp/s\nsockett: /tmp/t\n", 2, 1,
	    "unknown key \"sockett\" at top level (expected one of: socket, "
	    "socket_mode, log_level, max_request_bytes, max_batch, "
	    "max_clients, output_limit, max_output_bytes, output_timeout, "
	    "idle_timeout, request_timeout, max_requests_per_turn, "
	    "max_connections_per_uid, workers, user, group, socket_group, "
	    "allow_uids, allow_gids, admin_uids, reload_min_interval, "
	    "reload_timeout, code_sets)");
	ERR("max_batch: 5\nsocket: /a\nmax_batch: 6\n", 3, 1,
	    "duplicate key \"max_batch\" at top level (first at line 1)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    path: a\n    name: b\n", 5, 5,
	    "duplicate key \"name\" in code set (first at line 2)");
	ERR("[a]: 1\n", 1, 1, "expected a key name at top level, found a list");
	ERR("socket: /tmp/s\n", 1, 1, "missing required key \"code_sets\"");
	ERR("code_sets: []\n", 1, 12,
	    "code_sets: expected at least one code set, found an empty list");
	ERR("code_sets:\n  name: a\n", 2, 3,
	    "code_sets: expected a list of code sets, found a mapping");
	ERR("code_sets:\n  - hcpcs\n", 2, 5,
	    "code_sets: expected a code set mapping");
	ERR("code_sets:\n  - format: cms-anweb\n    path: a\n", 2, 5,
	    "code set: missing required key \"name\"");
	ERR("code_sets:\n  - name: a\n    path: a\n", 2, 5,
	    "code set: missing required key \"format\"");
	ERR("code_sets:\n  - name: a\n    format: ama-cpt\n", 2, 5,
	    "code set \"a\": missing required key \"path\" or \"releases\"");

	/* Set names. */
	ERR("code_sets:\n  - name: Bad Name\n    format: cms-anweb\n"
	    "    path: a\n", 2, 11, "name: invalid code set name \"Bad Name\" "
	    "(expected 1 to 63 of a-z, 0-9, _ and -)");
	ERR("code_sets:\n  - name: \"\"\n    format: cms-anweb\n"
	    "    path: a\n", 2, 11, "name: expected a string, found an empty "
	    "string");
	ERR("code_sets:\n  - name: a234567890123456789012345678901234567890"
	    "123456789012345678901234\n    format: cms-anweb\n"
	    "    path: a\n", 2, 11, "name: invalid code set name");
	ERR("code_sets:\n"
	    "  - {name: hcpcs, format: cms-anweb, path: a}\n"
	    "  - {name: cpt, format: ama-cpt, path: b}\n"
	    "  - {name: hcpcs, format: cms-anweb, path: c}\n",
	    4, 12, "name: duplicate code set name \"hcpcs\"");

	/* Keys that do not fit the format. */
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns: {code: C}\n    short: s.txt\n", 6, 5,
	    "short: not valid for format delimited (only for ama-cpt)");
	ERR("code_sets:\n  - name: a\n    modifiers: m\n    format: cms-anweb\n"
	    "    path: a\n", 3, 5,
	    "modifiers: not valid for format cms-anweb (only for ama-cpt)");
	ERR("code_sets:\n  - name: a\n    format: ama-cpt\n    path: a\n"
	    "    delimiter: tab\n", 5, 5,
	    "delimiter: not valid for format ama-cpt (only for delimited)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: a\n"
	    "    columns: {code: C}\n", 5, 5,
	    "columns: not valid for format cms-anweb (only for delimited)");
	ERR("code_sets:\n  - name: loc\n    format: delimited\n    path: a\n",
	    2, 5, "code set \"loc\": missing required key \"columns\"");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    delimiter: \";\"\n    columns: {code: C}\n", 5, 16,
	    "delimiter: unknown delimiter \";\"");

	/* Columns. */
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      long: L\n", 6, 7,
	    "columns: missing \"code\" (expected the header name of the code "
	    "column)");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n      desc: D\n", 7, 7,
	    "columns: unknown record field \"desc\" (expected one of: code, "
	    "short, medium, long, added");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: [C1, C2]\n", 6, 13,
	    "columns: code: expected one header name, found a list");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n"
	    "      xref: [X1, X2, X3, X4, X5, X6, X7, X8, X9]\n", 7, 46,
	    "columns: xref: too many header names (expected at most 8)");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n      tos: []\n", 7, 12,
	    "columns: tos: expected at least one header name");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n      long: {a: b}\n", 7, 13,
	    "columns: long: expected a header name or a list of them, found "
	    "a mapping");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n      tos: [T1, [T2]]\n", 7, 17,
	    "columns: tos: expected a string, found a list");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns:\n      code: C\n      code: D\n", 7, 7,
	    "duplicate key \"code\" in columns");
	ERR("code_sets:\n  - name: a\n    format: delimited\n    path: a\n"
	    "    columns: [code]\n", 5, 14,
	    "columns: expected a mapping of record fields to header names, "
	    "found a list");

	/* Wrong types and ranges. */
	ERR("socket: {path: /a}\n", 1, 9,
	    "socket: expected a string, found a mapping");
	ERR("socket:\n", 1, 8, "socket: expected a string, found an empty "
	    "value");
	ERR("log_level: [info]\n", 1, 12,
	    "log_level: expected a string, found a list");
	ERR("log_level: verbose\n", 1, 12, "log_level: unknown level "
	    "\"verbose\" (expected error, warning, info or debug)");
	ERR("max_batch: 0\n", 1, 12,
	    "max_batch: 0 is out of range (expected 1 to 1000000)");
	ERR("max_clients: 99999999999999999999999\n", 1, 14,
	    "max_clients: 99999999999999999999999 is out of range");
	ERR("max_request_bytes: 100\n", 1, 20,
	    "max_request_bytes: 100 is out of range (expected 1024 to "
	    "1073741824)");
	ERR("workers: 0\n", 1, 10,
	    "workers: 0 is out of range (expected 1 to 64)");
	ERR("workers: 65\n", 1, 10,
	    "workers: 65 is out of range (expected 1 to 64)");
	ERR("workers: two\n", 1, 10, "workers: expected an integer from 1 "
	    "to 64, found \"two\"");
	ERR("output_limit: 68719476737\n", 1, 15,
	    "output_limit: 68719476737 is out of range");
	ERR("max_batch: -5\n", 1, 12, "max_batch: expected an integer from 1 "
	    "to 1000000, found \"-5\"");
	ERR("max_batch: 1e6\n", 1, 12, "found \"1e6\"");
	ERR("max_batch: \"100\"\n", 1, 12, "max_batch: expected an integer "
	    "from 1 to 1000000, found a string");
	ERR("max_clients: {a: 1}\n", 1, 14, "found a mapping");
	ERR("socket_mode: 01000\n", 1, 14,
	    "socket_mode: expected an octal mode such as \"0660\", found "
	    "\"01000\"");
	ERR("socket_mode: rw\n", 1, 14, "socket_mode: expected an octal mode");
	ERR("socket_mode: [1]\n", 1, 14, "found a list");
	ERR("code_sets:\n  - name: a\n"
	    "    format: cms-anweb\n    path: \"a\\0b\"\n", 4, 11,
	    "path: expected a string, found one with a NUL byte");
	ERR("code_sets:\n  - name: a\n    format: ama-cpt\n    path: a\n"
	    "    short: [a]\n", 5, 12, "short: expected a string, found a "
	    "list");

	/* A socket path too long for sockaddr_un. */
	memcpy(big, "socket: /", 9);
	len = 9;
	for (i = 0; i < 120; i++)
		big[len++] = 'x';
	memcpy(big + len, "\n", 2);
	ERR(big, 1, 9, "is too long (expected at most 107 bytes)");

	/* Too many sets. */
	len = (size_t)snprintf(big, sizeof(big), "code_sets:\n");
	for (i = 0; i <= CONF_MAX_SETS; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
		    "  - {name: s%zu, format: cms-anweb, path: a}\n", i);
	ERR(big, 2 + CONF_MAX_SETS, 5,
	    "code_sets: too many code sets (expected at most 64)");

	/* Not a YAML problem: no position. */
	c = conf_load("/nonexistent/hcpcsd.yaml", err, sizeof(err));
	T_OK(c == NULL);
	T_EQ_STR(err, "/nonexistent/hcpcsd.yaml: No such file or directory");
	/* A tiny error buffer truncates but stays a string. */
	c = conf_load("/nonexistent/hcpcsd.yaml", err, 5);
	T_OK(c == NULL);
	T_EQ_STR(err, "/non");
	c = conf_load("/nonexistent/hcpcsd.yaml", NULL, 0);
	T_OK(c == NULL);
}

/*
 * releases:, effective, sha256 and min_records; the path: form gets one
 * release, always in force, holding its files.
 */
static void
test_releases(void)
{
	static const char sha[] =
	    "C8E38E89B9B4D47DD81BEA6924B8E9005F3494A89234FE28B534A7C17C3C6F12";
	struct conf	*c;
	struct conf_set	*s;
	char		 want[PATH_MAX + 64];
	const char	*dir;

	c = load_ok("code_sets:\n"
	    "  - name: hcpcs\n"
	    "    format: cms-anweb\n"
	    "    min_records: 6000\n"
	    "    max_file_bytes: 10000000\n"
	    "    releases:\n"
	    "      - {path: b.txt, effective: 2020-01-01}\n"
	    "      - path: /abs/a.txt\n"
	    "        effective: \"2019-01-01\"\n"
	    "        sha256: C8E38E89B9B4D47DD81BEA6924B8E9005F3494A89234FE28"
	    "B534A7C17C3C6F12\n"
	    "      - {path: c.txt, effective: auto}\n"
	    "  - name: cpt\n"
	    "    format: ama-cpt\n"
	    "    releases:\n"
	    "      - {path: L.txt, short: S.txt, medium: M.txt, "
	    "modifiers: MOD.txt, effective: 2021-01-01}\n"
	    "  - name: one\n"
	    "    format: cms-anweb\n"
	    "    path: one.txt\n"
	    "    sha256: " "e7f6f58b91fa54d081be50230a1a34ae4671038539a2b42ed0"
	    "55002d395c1063\n");
	T_OK(c != NULL);
	if (c == NULL || c->nsets != 3)
		goto done;
	dir = tdir;
	s = &c->sets[0];
	T_EQ_INT(s->nreleases, 3);
	T_EQ_INT(s->min_records, 6000);
	T_EQ_INT(s->max_file_bytes, 10000000);
	snprintf(want, sizeof(want), "%s/b.txt", dir);
	T_EQ_STR(s->releases[0].path, want);
	T_EQ_INT(s->releases[0].effective, 20200101);
	T_EQ_INT(s->releases[0].effective_auto, 0);
	T_EQ_STR(s->releases[0].sha256, "");
	T_EQ_STR(s->releases[1].path, "/abs/a.txt");
	T_EQ_INT(s->releases[1].effective, 20190101);
	/* Kept in lower case. */
	T_OK(strlen(s->releases[1].sha256) == 64 &&
	    strncmp(s->releases[1].sha256, "c8e38e89b9b4d47d", 16) == 0);
	T_OK(strcasecmp(s->releases[1].sha256, sha) == 0);
	T_EQ_INT(s->releases[2].effective, 0);
	T_EQ_INT(s->releases[2].effective_auto, 1);
	s = &c->sets[1];
	T_EQ_INT(s->nreleases, 1);
	snprintf(want, sizeof(want), "%s/MOD.txt", dir);
	T_EQ_STR(s->releases[0].modifiers_path, want);
	snprintf(want, sizeof(want), "%s/S.txt", dir);
	T_EQ_STR(s->releases[0].short_path, want);
	T_EQ_INT(s->releases[0].effective, 20210101);
	T_EQ_INT(s->min_records, 0);
	T_EQ_INT(s->max_file_bytes, 64 * 1024 * 1024);	/* the default */
	s = &c->sets[2];
	T_EQ_INT(s->nreleases, 1);
	snprintf(want, sizeof(want), "%s/one.txt", dir);
	T_EQ_STR(s->releases[0].path, want);
	T_EQ_INT(s->releases[0].effective, 0);
	T_EQ_INT(s->releases[0].effective_auto, 0);
	T_EQ_STR(s->releases[0].sha256,
	    "e7f6f58b91fa54d081be50230a1a34ae4671038539a2b42ed055002d395c1063");
done:
	conf_free(c);

	/* Every mistake, at its position. */
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: a\n"
	    "    releases:\n      - {path: b, effective: 2020-01-01}\n",
	    5, 5, "releases: not valid together with \"path\" (line 4");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases: []\n", 4, 15,
	    "releases: expected at least one release, found an empty list");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases: x.txt\n", 4, 15,
	    "releases: expected a list of releases, found a string");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - x.txt\n", 5, 9,
	    "releases: expected a release mapping");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n"
	    "      - {path: b, effective: 2020-01-01}\n"
	    "      - {path: c, effective: 2020-01-01}\n", 6, 30,
	    "effective: duplicate effective date 2020-01-01 in code set "
	    "\"a\" (first at line 5)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: 2020-02-30}\n", 5, 30,
	    "effective: expected a date YYYY-MM-DD or auto, found "
	    "\"2020-02-30\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: 20200101}\n", 5, 30,
	    "effective: expected a date YYYY-MM-DD or auto, found "
	    "\"20200101\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: soon}\n", 5, 30,
	    "effective: expected a date YYYY-MM-DD or auto");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b}\n", 5, 9,
	    "release: missing required key \"effective\" (a date YYYY-MM-DD "
	    "or auto)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {effective: auto}\n", 5, 9,
	    "release: missing required key \"path\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: auto, name: x}\n",
	    5, 36, "unknown key \"name\" in release (expected one of: path, "
	    "effective, sha256, short, medium, modifiers)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: auto, short: s}\n",
	    5, 36, "short: not valid for format cms-anweb (only for ama-cpt)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    releases:\n      - {path: b, effective: auto, sha256: abc}\n",
	    5, 44, "sha256: expected 64 hexadecimal digits, found \"abc\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    sha256: g8e38e89b9b4d47dd81bea6924b8e9005f3494a89234fe28b534a7"
	    "c17c3c6f12\n", 5, 13, "sha256: expected 64 hexadecimal digits");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n"
	    "    sha256: c8e38e89b9b4d47dd81bea6924b8e9005f3494a89234fe28b534a7"
	    "c17c3c6f12\n"
	    "    releases:\n      - {path: b, effective: auto}\n", 4, 5,
	    "sha256: not valid together with \"releases\" (give it in each "
	    "release)");
	ERR("code_sets:\n  - name: a\n    format: ama-cpt\n"
	    "    modifiers: m\n"
	    "    releases:\n      - {path: b, effective: auto}\n", 4, 5,
	    "modifiers: not valid together with \"releases\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    min_records: 0\n", 5, 18,
	    "min_records: 0 is out of range (expected 1 to 100000000)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    min_records: many\n", 5, 18,
	    "min_records: expected an integer from 1 to 100000000");
}

/* min_ratio: 0 to 1, at most 4 decimals, in ten-thousandths; 0.9. */
static void
test_min_ratio(void)
{
	static const char *const bad[] = { "1.5", "2", "-0.5", "0.12345",
	    "0.", ".9", "90%", "\"0.9\"", "~" };
	struct conf	*c;
	char		 text[256];
	size_t		 i;

	c = load_ok("code_sets:\n"
	    "  - {name: a, format: cms-anweb, path: a.txt}\n"
	    "  - {name: b, format: cms-anweb, path: b.txt, min_ratio: 0}\n"
	    "  - {name: c, format: cms-anweb, path: c.txt, min_ratio: 0.75}\n"
	    "  - {name: d, format: cms-anweb, path: d.txt, min_ratio: 1}\n"
	    "  - {name: e, format: cms-anweb, path: e.txt, "
	    "min_ratio: 0.1234}\n"
	    "  - {name: f, format: cms-anweb, path: f.txt, min_ratio: 1.0}\n");
	T_OK(c != NULL);
	if (c != NULL && c->nsets == 6) {
		T_EQ_INT(c->sets[0].min_ratio, 9000);
		T_EQ_INT(c->sets[1].min_ratio, 0);
		T_EQ_INT(c->sets[2].min_ratio, 7500);
		T_EQ_INT(c->sets[3].min_ratio, 10000);
		T_EQ_INT(c->sets[4].min_ratio, 1234);
		T_EQ_INT(c->sets[5].min_ratio, 10000);
	} else
		t_fail(__FILE__, __LINE__, "expected 6 sets");
	conf_free(c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "code_sets:\n  - name: a\n"
		    "    format: cms-anweb\n    path: b\n    min_ratio: %s\n",
		    bad[i]);
		ERR(text, 5, 16, "min_ratio: expected a number from 0 to 1");
	}
}

/* stale_after: N days, N months, 0 or off; 4 months by default. */
static void
test_stale(void)
{
	struct conf	*c;

	c = load_ok("code_sets:\n"
	    "  - {name: a, format: cms-anweb, path: a.txt}\n"
	    "  - {name: b, format: cms-anweb, path: b.txt, "
	    "stale_after: 120 days}\n"
	    "  - {name: c, format: cms-anweb, path: c.txt, "
	    "stale_after: 1 month}\n"
	    "  - {name: d, format: cms-anweb, path: d.txt, stale_after: off}\n"
	    "  - {name: e, format: cms-anweb, path: e.txt, stale_after: 0}\n"
	    "  - {name: f, format: cms-anweb, path: f.txt, "
	    "stale_after: \"6  months\"}\n");
	T_OK(c != NULL);
	if (c != NULL && c->nsets == 6) {
		T_EQ_INT(c->sets[0].stale_after, 4);
		T_EQ_INT(c->sets[0].stale_unit, CONF_UNIT_MONTHS);
		T_EQ_INT(c->sets[1].stale_after, 120);
		T_EQ_INT(c->sets[1].stale_unit, CONF_UNIT_DAYS);
		T_EQ_INT(c->sets[2].stale_after, 1);
		T_EQ_INT(c->sets[2].stale_unit, CONF_UNIT_MONTHS);
		T_EQ_INT(c->sets[3].stale_after, 0);
		T_EQ_INT(c->sets[4].stale_after, 0);
		T_EQ_INT(c->sets[5].stale_after, 6);
		T_EQ_INT(c->sets[5].stale_unit, CONF_UNIT_MONTHS);
	} else
		t_fail(__FILE__, __LINE__, "expected 6 sets");
	conf_free(c);

	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: 4\n", 5, 18,
	    "stale_after: expected \"N days\", \"N months\" or off, found "
	    "\"4\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: 4 weeks\n", 5, 18,
	    "stale_after: expected \"N days\", \"N months\" or off, found "
	    "\"4 weeks\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: 4months\n", 5, 18,
	    "stale_after: expected \"N days\"");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: 121 months\n", 5, 18,
	    "stale_after: 121 months is out of range (expected at most 120 "
	    "months)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: 3661 days\n", 5, 18,
	    "stale_after: 3661 days is out of range (expected at most 3660 "
	    "days)");
	ERR("code_sets:\n  - name: a\n    format: cms-anweb\n    path: b\n"
	    "    stale_after: [4, months]\n", 5, 18,
	    "stale_after: expected a string, found a list");
}

/* Load path and expect exactly the error want. */
static void
check_file_err(int tline, const char *path, const char *want)
{
	struct conf	*c;
	char		 err[1024];

	c = conf_load(path, err, sizeof(err));
	t_checks++;
	if (c != NULL) {
		t_fail(__FILE__, tline, "loaded, expected error \"%s\"", want);
		conf_free(c);
		return;
	}
	t_checks++;
	if (strcmp(err, want) != 0)
		t_fail(__FILE__, tline, "error \"%s\", expected \"%s\"", err,
		    want);
}

/* text repeated n times, then tail. */
static char *
repeat(const char *text, size_t n, const char *tail)
{
	size_t	 len = strlen(text), i;
	char	*buf = malloc(len * n + strlen(tail) + 1);

	if (buf == NULL)
		abort();
	for (i = 0; i < n; i++)
		memcpy(buf + i * len, text, len);
	strcpy(buf + len * n, tail);
	return buf;
}

/*
 * The config file is opened as the data files are: a FIFO is refused
 * at once, not waited on (the alarm ends a test that would hang), and
 * so are a directory, an empty, a world-writable and a too large file.
 */
static void
test_file(void)
{
	struct conf	*c;
	char		 path[PATH_MAX], want[PATH_MAX + 64], *big;
	const char	*p;

	snprintf(path, sizeof(path), "%s/fifo.yaml", tdir);
	T_EQ_INT(mkfifo(path, 0600), 0);
	alarm(20);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	check_file_err(__LINE__, path, want);
	alarm(0);
	snprintf(want, sizeof(want), "%s: not a regular file", tdir);
	check_file_err(__LINE__, tdir, want);
	p = put("");
	snprintf(want, sizeof(want), "%s: file is empty", p);
	check_file_err(__LINE__, p, want);
	p = put(set_ok);
	T_EQ_INT(chmod(p, 0646), 0);
	snprintf(want, sizeof(want), "%s: writable by others (mode 0646; run "
	    "chmod o-w)", p);
	check_file_err(__LINE__, p, want);

	/* 1 MiB is the most: a comment pads set_ok to exactly that. */
	snprintf(want, sizeof(want), "\n%s", set_ok);
	big = repeat("#", 1024 * 1024 - strlen(want), want);
	T_EQ_INT(strlen(big), 1024 * 1024);
	c = load_ok(big);
	T_OK(c != NULL);
	conf_free(c);
	free(big);
	big = repeat("#", 1024 * 1024, "\n");
	p = put(big);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", p);
	check_file_err(__LINE__, p, want);
	free(big);
}

/*
 * Nesting stops at 64 levels, flow or block, at the first level too
 * deep (libyaml's scanner is quadratic in the depth).
 */
static void
test_depth(void)
{
	struct conf	*c;
	char		*text, buf[4096];
	size_t		 off = 0, i;

	/* 64 levels are fine as YAML (and wrong as a config). */
	text = repeat("]", 64, "");
	snprintf(buf, sizeof(buf), "%s", text);
	free(text);
	text = repeat("[", 64, buf);
	ERR(text, 1, 1, "expected a mapping of settings, found a list");
	free(text);
	text = repeat("[", 65, "");
	ERR(text, 1, 65, "nested deeper than 64 levels");
	free(text);
	text = repeat("[", 200000, "");
	ERR(text, 1, 65, "nested deeper than 64 levels");
	free(text);
	text = repeat("{a: ", 100, "");
	ERR(text, 1, 257, "nested deeper than 64 levels");
	free(text);
	/* Block mappings, one more indented on each line. */
	for (i = 0; i < 66; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%*sk%zu:\n", (int)i, "", i);
	ERR(buf, 65, 65, "nested deeper than 64 levels");
	/* Brackets in quotes and comments are text, not nesting. */
	text = repeat("[", 1000, "");
	snprintf(buf, sizeof(buf), "# %s\ncode_sets:\n  - name: hcpcs\n"
	    "    format: cms-anweb\n    path: '/%s'\n", text, text);
	c = load_ok(buf);
	T_OK(c != NULL);
	if (c != NULL)
		T_EQ_INT(strlen(c->sets[0].releases[0].path), 1001);
	free(text);
	conf_free(c);
}

/* The shipped example must load as it is. */
static void
test_example(void)
{
	struct conf	*c;
	char		 err[1024];

	c = conf_load("conf/hcpcsd.yaml", err, sizeof(err));
	T_OK(c != NULL);
	if (c == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	T_EQ_STR(c->socket, "/run/hcpcsd/hcpcsd.sock");
	T_EQ_INT(c->socket_mode, 0660);
	T_EQ_INT(c->nsets, 3);
	if (c->nsets == 3) {
		T_EQ_STR(c->sets[0].releases[0].path,
		    "/var/lib/hcpcsd/HCPC2026_JAN_ANWEB.txt");
		T_EQ_STR(c->sets[1].name, "cpt");
		T_EQ_STR(c->sets[1].releases[0].modifiers_path,
		    "/var/lib/hcpcsd/cpt/MODUL.txt");
		T_EQ_STR(c->sets[2].releases[0].path,
		    "/etc/hcpcsd/local.csv");
		T_EQ_INT(c->sets[2].delimiter, ',');
	}
	conf_free(c);
}

int
main(void)
{
	tdir = t_mkdtemp("conf");
	test_full();
	test_defaults();
	test_workers();
	test_values();
	test_errors();
	test_file();
	test_depth();
	test_example();
	test_releases();
	test_stale();
	test_min_ratio();
	return t_done();
}
