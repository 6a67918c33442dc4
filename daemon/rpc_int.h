/*
 * rpc_int.h: what the files of the RPC layer share and nothing else
 * sees: a request being answered, its params and the method table's
 * row type, and the functions one file lends the others, grouped by
 * the file that defines them.  Calls go one way: rpc.c uses the
 * methods (rpc_methods.c, rpc_info.c) and rpc_codec.c; the methods use
 * rpc_codec.c; rpc_codec.c uses none of them.
 */
#ifndef HCPCSD_RPC_INT_H
#define HCPCSD_RPC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "classify.h"
#include "log.h"
#include "rpc.h"

#define RPC_EMSG_MAX	256

/* Client text an error message echoes: at most this many bytes. */
#define RPC_QUOTE_MAX	64
#define RPC_QUOTE_SIZE	(RPC_QUOTE_MAX + 6)	/* quotes, "...", NUL */

struct rpc_method;

enum rpc_err {
	RPC_E_NONE,
	RPC_E_BAD_REQUEST,
	RPC_E_UNKNOWN_METHOD,
	RPC_E_INVALID_CODE,
	RPC_E_TOO_LARGE,
	RPC_E_INTERNAL,
	RPC_E_FORBIDDEN,
	RPC_E_MAX
};

/* A read cursor over one scanned object; strings are borrowed. */
struct rpc_cur {
	const unsigned char *p;
	const unsigned char *end;
};

/* Options a method may accept (bit per key). */
#define RPC_OPT_SET		0x01
#define RPC_OPT_AS_OF		0x02
#define RPC_OPT_LIMIT		0x04
#define RPC_OPT_INCL_TERM	0x08
#define RPC_OPT_DRY_RUN		0x10
#define RPC_OPT_DESCRIBE	0x20

struct rpc_opts {
	int		 set;		/* -1: any set */
	uint32_t	 as_of;
	size_t		 limit;
	int		 include_terminated;
	int		 dry_run;
	int		 describe;	/* lookup: add the meanings map */
};

struct rpc_req {
	struct rpc_cur	 params;	/* positioned after the array header */
	uint32_t	 nparams;
	msgpack_packer	 pk;
	struct rpc_out	*out;
	struct rpc_ctx	*ctx;		/* the batch's snapshot, today, counters */
	enum rpc_err	 err;
	uint32_t	 msgid;
	int		 notify;	/* no response wanted */
	int		 reload;	/* the caller answers: RPC_RELOAD */
	int		 reload_dry;	/* ... and it is a dry run */
	/* The method table, for info's per-method counts. */
	const struct rpc_method *methods;
	size_t		 nmethods;
	/*
	 * Last: rpc_ctx_process clears only the members before it, since
	 * rpc_fail always writes it before err says to read it.
	 */
	char		 emsg[RPC_EMSG_MAX];
};

/*
 * The leading params of a method, read and checked by rpc_dispatch
 * before the method runs; each kind fills its own member of struct
 * rpc_args (at most one of each kind per method).
 */
enum rpc_arg {
	RPC_A_NONE,
	RPC_A_CODE,		/* a code of a known shape: cl */
	RPC_A_DATE,		/* YYYY-MM-DD: date */
	RPC_A_STR,		/* a string: s, slen (borrowed) */
	RPC_A_CODES		/* up to max_batch strings: codes, ncodes */
};

#define RPC_ARGS_MAX	2

struct rpc_args {
	struct classify	 cl;
	uint32_t	 date;
	const char	*s;
	size_t		 slen;
	struct rpc_cur	 codes;		/* at the first of them */
	uint32_t	 ncodes;
	struct rpc_opts	 o;		/* the opts map, or the defaults */
};

/* Method flags. */
#define RPC_F_SNAP	0x01	/* needs data: internal error without */
#define RPC_F_ADMIN	0x02	/* changes the daemon: admin_uids only */

/*
 * A method and its contract, checked in rpc_dispatch in this order:
 * the caller's rights (RPC_F_ADMIN: an admin only), the number of params (min to max), the leading ones by kind (args;
 * name: what error messages call it), the optional opts map last (only
 * the RPC_OPT_* keys in opts; no map taken when 0), then a snapshot
 * when flags has RPC_F_SNAP.  The method reads any params after args
 * itself (diff's releases, which need the snapshot) and packs its
 * result; every param must have been read when it returns.
 */
/* A method's name and its length, for the table's rows. */
#define RPC_NAME(s)	s, sizeof(s) - 1

struct rpc_method {
	const char	*name;
	size_t		 namelen;	/* RPC_NAME() fills both */
	int		(*fn)(struct rpc_req *, const struct rpc_args *);
	uint32_t	 min;
	uint32_t	 max;
	struct {
		enum rpc_arg	 kind;
		const char	*name;
	}		 args[RPC_ARGS_MAX];
	int		 opts;
	int		 flags;
	/*
	 * What a request costs a worker's turn (max_requests_per_turn):
	 * cost, plus one per cost_codes codes of an RPC_A_CODES arg (0:
	 * none).  Dear methods count as several cheap ones.
	 */
	unsigned	 cost;
	unsigned	 cost_codes;
};

/*
 * rpc_codec.c: reading params (-1 when the next object is not of the
 * type asked for), the output buffer, errors and packing.
 */
const char	*rpc_err_name(enum rpc_err);

/* Append to the output buffer; -1 (and o->oom set) when it cannot grow. */
int		 rpc_out_append(struct rpc_out *, const void *, size_t);
int		 rpc_out_write(void *, const char *, size_t);	/* msgpack-c's */
/* By hand, as msgpack-c would: [1, msgid, nil, then; an array header. */
int		 rpc_out_reply_header(struct rpc_out *, uint32_t msgid);
int		 rpc_out_array(struct rpc_out *, uint32_t count);

int		 rpc_read_uint(struct rpc_cur *, uint64_t *);
int		 rpc_read_str(struct rpc_cur *, const char **, size_t *);
int		 rpc_read_container(struct rpc_cur *, int map, uint32_t *);
int		 rpc_read_bool(struct rpc_cur *, int *);
int		 rpc_peek_nil(const struct rpc_cur *);
int		 rpc_str_eq(const char *, size_t, const char *lit);

/*
 * Fail the request with e and a formatted message, cleaned (text.h)
 * whatever the arguments hold; returns -1.
 */
int		 rpc_fail(struct rpc_req *, enum rpc_err, const char *, ...)
		    LOG_PRINTF(3, 4);
/*
 * Client text for a message: "s" cleaned with \ and \" escaped, cut
 * to RPC_QUOTE_MAX bytes between characters, "..." after when cut.
 * Returns buf (RPC_QUOTE_SIZE bytes).  Every echo of a client's bytes
 * goes through here: nothing else formats them.
 */
const char	*rpc_quote(char *buf, const char *, size_t);

/* Strings go out cleaned (text.h) when they are not clean already. */
void		 rpc_pack_cstr(msgpack_packer *, const char *);
void		 rpc_pack_kv(msgpack_packer *, const char *k, const char *v);
void		 rpc_pack_error(msgpack_packer *, uint32_t msgid,
		    const char *code, const char *msg);

/* The next param: a string; a YYYY-MM-DD date.  bad_request if not. */
int		 rpc_param_str(struct rpc_req *, const char *what,
		    const char **, size_t *);
int		 rpc_parse_date(struct rpc_req *, const char *what, uint32_t *);

/*
 * rpc.c: may the reply take need more bytes (rpc_ctx.out_room)?  0,
 * or -1 after failing the request too_large (counted).
 */
int		 rpc_room(struct rpc_req *, size_t need);

/* rpc_methods.c: the code sets' methods. */
int		 rpc_m_ping(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_lookup(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_lookup_many(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_validate(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_search(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_classify(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_diff(struct rpc_req *, const struct rpc_args *);

/* rpc_info.c: the daemon's own. */
int		 rpc_m_info(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_reload(struct rpc_req *, const struct rpc_args *);
int		 rpc_m_codes(struct rpc_req *, const struct rpc_args *);

#endif /* HCPCSD_RPC_INT_H */
