/*
 * cli.h: what the files of hcpcs(1) share, grouped by the file that
 * defines it.  Calls go one way: cli.c (options, the command table,
 * dispatch) calls cli_cmd.c (the commands), and both call cli_out.c
 * (printing), which calls neither.  The CLI uses libhcpcs's public API
 * only.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

#include "hcpcs.h"

/* Exit status: 0 found / ok / valid, 1 not found / invalid, 2 error. */
#define CLI_OK		0
#define CLI_NO		1
#define CLI_ERR		2
/* A command's arguments do not fit: cli.c prints usage, exits CLI_ERR. */
#define CLI_USAGE	(-2)

#define CLI_MAX_ARGS	256	/* positional arguments */

struct cli {
	const char	*socket;
	int		 json;
	int		 all;
	int		 dry_run;	/* reload --dry-run */
	int		 limit;
	const char	*set;
	const char	*as_of;
	const char	*args[CLI_MAX_ARGS];
	int		 nargs;
	struct hcpcs	*c;
	size_t		 batch;		/* codes per lookup_many */
	size_t		 nout;		/* records printed (human lookup) */
};

/* cli_cmd.c: one per command; each returns an exit status or CLI_USAGE. */
int	cli_lookup(struct cli *);
int	cli_search(struct cli *);
int	cli_validate(struct cli *);
int	cli_diff(struct cli *);
int	cli_classify(struct cli *);
int	cli_info(struct cli *);
int	cli_reload(struct cli *);
int	cli_ping(struct cli *);

/* cli_out.c: JSON */
void	cli_json_str(const char *, size_t);
void	cli_json(const struct hcpcs_value *);

/* cli_out.c: errors */
const char *cli_err_code(const struct hcpcs *);
const char *cli_err_message(const struct hcpcs *);
void	cli_json_error(const char *, const char *, const char *);
int	cli_fail(struct cli *);

/* cli_out.c: human output */
void	cli_kv(const char *, const char *);
void	cli_print_record(const struct hcpcs_record *);
void	cli_print_release(const struct hcpcs_release_info *);
void	cli_print_stats(const struct hcpcs_stats *);
void	cli_print_codes(const char *, const char **, size_t);

#endif /* CLI_H */
