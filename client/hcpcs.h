/*
 * hcpcs.h: libhcpcs, the client library of hcpcsd (see libhcpcs(3) and
 * docs/protocol.md).
 *
 * A context (struct hcpcs) is one connection.  It belongs to one thread
 * at a time; the library keeps no global state.  Errors live in the
 * context: hcpcs_err() gives a category and hcpcs_errstr() a readable
 * message.  Every category but HCPCS_ERR_SERVER is sticky: once set,
 * every later call fails at once until hcpcs_free().  HCPCS_ERR_SERVER
 * means the server answered with an error reply (its code and message
 * are in hcpcs_server_error_code()/_message()); the context stays
 * usable and the next call clears it.
 *
 * Requests can be pipelined: hcpcs_append()/hcpcs_appendf() queue a
 * request, hcpcs_get_reply() flushes the queue and returns the next
 * reply.  Each typed call (hcpcs_lookup(), ...) is exactly one append
 * plus one get_reply, so it must not be mixed with unread pipelined
 * replies (it then fails with HCPCS_ERR_OTHER).
 *
 * Ownership: the context owns every struct and string a typed call
 * returns; they stay valid until the next call on that context or
 * hcpcs_free().  Values from hcpcs_get_reply() are owned by the caller.
 *
 * Result structs (struct hcpcs_record, ...) are allocated by the library
 * only; callers never allocate them, so members may be appended in a
 * minor release.  struct hcpcs_options and struct hcpcs_query are filled
 * by the caller and start with a size field for the same reason.
 * Structs handed out as arrays of structs (struct hcpcs_set_info, ...)
 * cannot grow without changing the stride, so growing one bumps
 * HCPCS_VERSION_MINOR while the major version is 0 (0.2 did so for
 * struct hcpcs_set_info).
 */
#ifndef HCPCS_H
#define HCPCS_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HCPCS_VERSION_MAJOR 0
#define HCPCS_VERSION_MINOR 3
#define HCPCS_VERSION_PATCH 0

#define HCPCS_API __attribute__((visibility("default")))

#define HCPCS_DEFAULT_SOCKET		"/run/hcpcsd/hcpcsd.sock"
#define HCPCS_DEFAULT_CONNECT_TIMEOUT	5000	/* ms */
#define HCPCS_DEFAULT_TIMEOUT		30000	/* ms, per reply */
#define HCPCS_MAX_REPLY_BYTES		(256u << 20)	/* one reply */
#define HCPCS_ERRSTR_LEN		128
#define HCPCS_CODE_MAX			5	/* chars of the longest code */

/* Error categories (hcpcs_err). */
enum hcpcs_error {
	HCPCS_OK = 0,
	HCPCS_ERR_IO,		/* a system call failed; errstr names it */
	HCPCS_ERR_EOF,		/* the server closed the connection */
	HCPCS_ERR_PROTOCOL,	/* bytes that are not a valid response */
	HCPCS_ERR_TIMEOUT,	/* connect or reply took too long */
	HCPCS_ERR_OOM,		/* out of memory */
	HCPCS_ERR_OTHER,	/* bad argument or misuse */
	HCPCS_ERR_SERVER,	/* an error reply; not sticky */
	HCPCS_ERR_PEER		/* the server runs as a user not expected
				   (hcpcs_options.expect); since 0.3 */
};

/*
 * Which server to talk to (hcpcs_options.expect), by the uid its socket
 * reports (SO_PEERCRED).  Root is always accepted: it can act as any
 * user anyway, and a socket made by the service manager (socket
 * activation), or by a server before it drops privileges, reports the
 * root that called listen(2).
 */
enum hcpcs_expect {
	HCPCS_EXPECT_ANY = 0,	/* no check (the default) */
	HCPCS_EXPECT_UID,	/* expect_uid or root */
	HCPCS_EXPECT_DIR_OWNER	/* the owner of the socket's directory
				   (links followed), or root */
};

struct hcpcs;

/*
 * Connection options, filled by the caller.  Set size to
 * sizeof(struct hcpcs_options); zero fields take the defaults.
 */
struct hcpcs_options {
	size_t		 size;
	const char	*socket_path;	/* NULL: $HCPCSD_SOCKET, then
					   HCPCS_DEFAULT_SOCKET */
	int		 connect_timeout_ms;	/* 0 default, < 0 none */
	int		 timeout_ms;	/* per reply; 0 default, < 0 none */
	/* Since 0.3; a caller's smaller size leaves them 0: no check. */
	int		 expect;	/* enum hcpcs_expect */
	uid_t		 expect_uid;	/* for HCPCS_EXPECT_UID */
};

/*
 * Request options (the protocol's opts map).  Set size to
 * sizeof(struct hcpcs_query); NULL/zero fields are left out.
 */
struct hcpcs_query {
	size_t		 size;
	const char	*set;		/* answer from this set only */
	const char	*as_of;		/* "YYYY-MM-DD": picks each set's
					   release in force and judges
					   status; default: today UTC */
	int		 limit;		/* search: 1..500, 0 = default 20 */
	int		 include_terminated;	/* search: non-zero includes */
};

/* A generic MessagePack value, as hcpcs_get_reply() returns it. */
enum hcpcs_type {
	HCPCS_T_NIL,
	HCPCS_T_BOOL,		/* i is 0 or 1 */
	HCPCS_T_INT,		/* i */
	HCPCS_T_FLOAT,		/* f */
	HCPCS_T_STR,		/* s, len; s is NUL-terminated */
	HCPCS_T_BIN,		/* s, len */
	HCPCS_T_ARRAY,		/* elems[0..n-1] */
	HCPCS_T_MAP		/* elems[0..2n-1]: key, value, key, ... */
};

struct hcpcs_value {
	enum hcpcs_type	 type;
	int64_t		 i;
	double		 f;
	const char	*s;
	size_t		 len;
	size_t		 n;
	struct hcpcs_value *elems;
};

/* One record map (docs/protocol.md "Record map"); absent keys NULL. */
struct hcpcs_record {
	const char	*code;
	const char	*set;
	const char	*kind;		/* "procedure" or "modifier" */
	int		 level;		/* 0 when absent */
	const char	*short_desc;
	const char	*medium_desc;
	const char	*long_desc;
	const char	*added;		/* dates: "YYYY-MM-DD" */
	const char	*effective;
	const char	*terminated;	/* last valid day */
	const char	*action;
	const char	*coverage;
	const char	**pricing;
	size_t		 npricing;
	const char	*mult_pricing;
	const char	**cim;
	size_t		 ncim;
	const char	**mcm;
	size_t		 nmcm;
	const char	*statute;
	const char	**labcert;
	size_t		 nlabcert;
	const char	**xref;
	size_t		 nxref;
	const char	*asc_group;
	const char	*asc_date;
	const char	*opps;
	const char	*opps_pi;
	const char	*opps_date;
	const char	*proc_note;
	const char	*betos;
	const char	**tos;
	size_t		 ntos;
	int		 anesthesia_units;	/* -1 when absent */
	const char	**raw_keys;	/* field name -> unparsed text */
	const char	**raw_values;
	size_t		 nraw;
	const char	*status;	/* "active" or "terminated" */
	const char	*release;	/* effective date of the release the
					   record came from; NULL for a
					   release always in force */
};

struct hcpcs_validation {
	int		 valid;
	const char	*code;		/* normalised */
	const char	*status;	/* NULL when not found */
	const char	*reason;	/* "ok", "not_found", "no_release",
					   "no_set_for_code",
					   "not_yet_effective", "terminated";
					   other values may appear */
	const char	*set;		/* NULL when not found */
	const char	*release;	/* the answering release's effective
					   date; NULL when not found or
					   always in force */
	int		 stale;		/* 1: the date is past the newest
					   release plus its set's
					   stale_after (a newer release
					   exists by then); 0 otherwise and
					   from older servers */
	const char	*message;	/* why, in words, for reasons that
					   need them ("no loaded set holds
					   CPT codes"); else NULL */
};

struct hcpcs_classification {
	const char	*code;
	const char	*system;	/* "CPT", "HCPCS" or "CDT" */
	int		 level;
	const char	*category;	/* NULL when absent */
	const char	*section;
	const char	*group;
	const char	*kind;
	const char	*maintainer;
};

/* One loaded release of a code set (info). */
struct hcpcs_release_info {
	const char	*path;
	const char	*effective;	/* "YYYY-MM-DD"; NULL: always */
	int		 effective_auto;	/* date derived from the file */
	int		 in_force;	/* in force today (server's clock) */
	int64_t		 records;	/* procedure codes */
	int64_t		 modifiers;
	const char	*sha256;
	const char	*loaded_at;	/* "YYYY-MM-DDTHH:MM:SSZ" */
};

/*
 * One code set (info).  path, records, modifiers, loaded_at and sha256
 * describe the release in force today (the oldest when none is).
 */
struct hcpcs_set_info {
	const char	*name;
	const char	*format;
	const char	*path;
	int64_t		 records;	/* procedure codes */
	int64_t		 modifiers;
	const char	*loaded_at;	/* "YYYY-MM-DDTHH:MM:SSZ" */
	const char	*sha256;
	struct hcpcs_release_info *releases;	/* oldest first */
	size_t		 nreleases;	/* 0 from a server before 0.2 */
	int64_t		 min_records;	/* 0 when not configured */
};

/* A named counter (requests by method, errors by code). */
struct hcpcs_counter {
	const char	*name;
	int64_t		 count;
};

/*
 * The server's counters (info.stats), since it started.  A counter the
 * server did not send is -1; the arrays are in the server's order.
 */
struct hcpcs_stats {
	struct hcpcs_counter *requests;	/* by method, plus "unknown" */
	size_t		 nrequests;
	struct hcpcs_counter *errors;	/* by error code */
	size_t		 nerrors;
	int64_t		 notifications;
	int64_t		 connections_current;
	int64_t		 connections_total;
	int64_t		 connections_rejected;
	int64_t		 bytes_in;
	int64_t		 bytes_out;
	int64_t		 reloads;	/* reloads attempted */
	int64_t		 reloads_failed;
	int64_t		 reload_last_ms;	/* duration of the last one */
};

struct hcpcs_info {
	const char	*version;
	const char	*started_at;
	int64_t		 generation;
	struct hcpcs_set_info *sets;
	size_t		 nsets;
	struct {
		int		 ok;
		const char	*at;	/* NULL before any reload */
		const char	*error;	/* NULL unless a reload failed */
	}		 last_reload;
	struct hcpcs_stats stats;
};

/* One code present in two releases with different fields (diff). */
struct hcpcs_diff_change {
	const char	*code;
	const char	**fields;	/* record map key names: "long", ... */
	size_t		 nfields;
};

/* What changed from one release of a set to another; codes sorted. */
struct hcpcs_diff {
	const char	**added;	/* in the newer release only */
	size_t		 nadded;
	const char	**removed;	/* in the older release only */
	size_t		 nremoved;
	const char	**terminated;	/* gained a termination date */
	size_t		 nterminated;
	struct hcpcs_diff_change *changed;	/* any field but action and
						   effective differs */
	size_t		 nchanged;
};

struct hcpcs_reload {
	int		 ok;
	int64_t		 generation;
	const char	*error;		/* NULL when ok */
};

/*
 * Connect.  opts may be NULL (all defaults).  Returns a context even
 * when the connection fails (check hcpcs_err); NULL only when out of
 * memory.  Caller owns; release with hcpcs_free.
 */
HCPCS_API struct hcpcs *hcpcs_connect(const struct hcpcs_options *opts);
/* Close the connection and free everything the context owns. */
HCPCS_API void	hcpcs_free(struct hcpcs *c);

/* The error category (enum hcpcs_error); HCPCS_OK when none. */
HCPCS_API int	hcpcs_err(const struct hcpcs *c);
/* Readable message, "" when none; borrowed, valid until the next call. */
HCPCS_API const char *hcpcs_errstr(const struct hcpcs *c);
/* Static name of a category ("I/O error", ...). */
HCPCS_API const char *hcpcs_strerror(int err);
/*
 * After HCPCS_ERR_SERVER: the protocol's error code ("invalid_code",
 * ...) and message; NULL otherwise.  Borrowed, valid until the next
 * call on c.
 */
HCPCS_API const char *hcpcs_server_error_code(const struct hcpcs *c);
HCPCS_API const char *hcpcs_server_error_message(const struct hcpcs *c);

/* ---- pipelining core ---- */

/*
 * Queue one request.  params is a MessagePack array, already encoded
 * (borrowed; copied before return).  Nothing is sent until
 * hcpcs_get_reply.  Returns 0 or -1.
 */
HCPCS_API int	hcpcs_append(struct hcpcs *c, const char *method,
		    const void *params, size_t paramslen);

/*
 * Queue one request, encoding its params array from fmt, one character
 * per element:
 *   s  const char *		string (NULL encodes nil)
 *   i  long long		integer
 *   b  int			boolean
 *   n  (no argument)		nil
 *   a  const char *const *, size_t	array of strings
 *   q  const struct hcpcs_query *	opts map of set and as_of (lookup,
 *				lookup_many); NULL or nothing set leaves
 *				the element out
 *   Q  const struct hcpcs_query *	like q, plus limit and
 *				include_terminated (search)
 *   v  const struct hcpcs_query *	like q, set only (validate)
 * Example: hcpcs_appendf(c, "lookup", "sq", "A0021", &q).
 * Returns 0 or -1.
 */
HCPCS_API int	hcpcs_appendf(struct hcpcs *c, const char *method,
		    const char *fmt, ...);

/*
 * Send what is queued and read the next response (in request order).
 * On success sets *result (caller owns; free with hcpcs_value_free,
 * which also frees nested elements; NULL result pointer discards) and
 * returns 0.  An error reply returns -1 with HCPCS_ERR_SERVER; any
 * other -1 is sticky.
 */
HCPCS_API int	hcpcs_get_reply(struct hcpcs *c, struct hcpcs_value **result);

/* Requests appended whose reply has not been read yet. */
HCPCS_API size_t hcpcs_pending(const struct hcpcs *c);

/* Free a value from hcpcs_get_reply (NULL is fine). */
HCPCS_API void	hcpcs_value_free(struct hcpcs_value *v);
/*
 * Value of key in a map, or NULL (also when v is not a map).  Borrowed,
 * valid until v is freed.
 */
HCPCS_API const struct hcpcs_value *hcpcs_value_get(
		    const struct hcpcs_value *v, const char *key);

/* ---- typed calls: append + get_reply + decode ---- */

/* 0 when the server answered "pong", else -1. */
HCPCS_API int	hcpcs_ping(struct hcpcs *c);

/*
 * Look one code up.  q may be NULL.  Returns 1 and sets *out when
 * found, 0 (*out NULL) when not loaded, -1 on error.  *out is owned by
 * c, valid until the next call on c.
 */
HCPCS_API int	hcpcs_lookup(struct hcpcs *c, const char *code,
		    const struct hcpcs_query *q, struct hcpcs_record **out);

/*
 * Look up n codes at once.  Returns how many were found and sets *out
 * to an array of n pointers, NULL where a code was not found or
 * invalid; -1 on error.  Owned by c, valid until the next call on c.
 */
HCPCS_API int	hcpcs_lookup_many(struct hcpcs *c, const char *const *codes,
		    size_t n, const struct hcpcs_query *q,
		    struct hcpcs_record ***out);

/*
 * Is code valid on date ("YYYY-MM-DD")?  The date is also the as_of
 * that picks each set's release in force.  q may be NULL; only its set
 * is sent.  Returns 1 valid, 0 not valid (see (*out)->reason; it is
 * "no_release" when no considered set has a release in force on that
 * date), -1 on error.  out may be NULL; *out is owned by c, valid until
 * the next call on c.
 */
HCPCS_API int	hcpcs_validate(struct hcpcs *c, const char *code,
		    const char *date, const struct hcpcs_query *q,
		    struct hcpcs_validation **out);

/*
 * Search descriptors (every word prefix-matches).  q may be NULL.
 * Returns the number of records and sets *out to an array of that many
 * pointers; -1 on error.  Owned by c, valid until the next call on c.
 */
HCPCS_API int	hcpcs_search(struct hcpcs *c, const char *text,
		    const struct hcpcs_query *q, struct hcpcs_record ***out);

/*
 * Has code a code shape, by the server's rule (docs/protocol.md,
 * classify), without asking it?  Blanks and tabs at either end are
 * trimmed and a-z upper-cased into out, the code as the server would
 * normalise it.  Returns 1 when it has one (lookup and validate then
 * answer rather than fail with invalid_code), else 0 with out "".
 * Needs no connection; thread-safe.
 */
HCPCS_API int	hcpcs_code_shape(const char *code,
		    char out[HCPCS_CODE_MAX + 1]);

/* What a code is, from its shape.  0 or -1; *out owned by c. */
HCPCS_API int	hcpcs_classify(struct hcpcs *c, const char *code,
		    struct hcpcs_classification **out);

/*
 * Server and data-set state: sets with their releases, last reload and
 * counters.  0 or -1; *out and everything it points to is owned by c,
 * valid until the next call on c.
 */
HCPCS_API int	hcpcs_info(struct hcpcs *c, struct hcpcs_info **out);

/*
 * Compare two loaded releases of set, named by their effective dates
 * ("YYYY-MM-DD"; NULL names a release always in force).  from is
 * normally the older one.  0 or -1 (an unknown set or release is a
 * bad_request server error); *out and every array and string it points
 * to is owned by c, valid until the next call on c.
 */
HCPCS_API int	hcpcs_diff(struct hcpcs *c, const char *set, const char *from,
		    const char *to, struct hcpcs_diff **out);

/*
 * Ask the server to reload its configuration and data (synchronous).
 * Returns 1 when the reload succeeded, 0 when it failed (the server
 * keeps serving the old data; see (*out)->error), -1 on error.  out
 * may be NULL; *out is owned by c, valid until the next call on c.
 */
HCPCS_API int	hcpcs_reload(struct hcpcs *c, struct hcpcs_reload **out);

#ifdef __cplusplus
}
#endif

#endif /* HCPCS_H */
