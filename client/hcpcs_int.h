/*
 * hcpcs_int.h: what the files of libhcpcs share and nothing else sees:
 * the context and the few functions one file lends another, grouped by
 * the file that defines them.  Calls go one way: hcpcs_call.c uses
 * hcpcs_net.c and hcpcs.c, hcpcs_net.c uses hcpcs.c.  None of this is
 * exported by libhcpcs.so (-fvisibility=hidden) or installed.
 */
#ifndef HCPCS_INT_H
#define HCPCS_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "hcpcs.h"
#include "mpscan.h"

struct hcpcs_scratch;

struct hcpcs {
	int		 fd;
	int		 err;
	char		 errstr[HCPCS_ERRSTR_LEN];
	int		 timeout_ms;
	uint32_t	 next_msgid;	/* msgid of the next request */
	uint32_t	 read_msgid;	/* msgid the next reply must carry */
	size_t		 pending;	/* appended, reply not yet read */
	msgpack_sbuffer	 obuf;		/* encoded, not yet sent */
	size_t		 ooff;		/* bytes of obuf already sent */
	int		 wclosed;	/* peer stopped reading */
	char		*ibuf;		/* bytes read, not yet decoded */
	size_t		 ilen;		/* bytes in ibuf */
	size_t		 icap;		/* ibuf's size */
	size_t		 ioff;		/* where the next reply starts */
	struct mpscan	 scan;		/* of the reply at ioff */
	struct hcpcs_value *last;	/* the reply a typed call decoded */
	struct hcpcs_value *srverr;	/* the last error reply's error */
	struct hcpcs_scratch *scratch;
};

/* hcpcs.c */
struct hcpcs	*hcpcs_ctx_new(void);
void		 hcpcs_set_error(struct hcpcs *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		*hcpcs_scratch_alloc(struct hcpcs *, size_t);
int		 hcpcs_begin(struct hcpcs *);
int		 hcpcs_vappendf(struct hcpcs *, const char *, const char *,
		    va_list);
struct hcpcs_value *hcpcs_value_from(const msgpack_object *);

/* hcpcs_net.c */
long long	 hcpcs_now_ms(void);
int		 hcpcs_read_object(struct hcpcs *, msgpack_unpacked *,
		    long long);

/* hcpcs_call.c */

/* How a record map's value is decoded into struct hcpcs_record. */
enum hcpcs_field_type {
	HCPCS_F_STR,		/* const char * */
	HCPCS_F_INT,		/* int */
	HCPCS_F_LIST,		/* const char ** and its size_t count */
	HCPCS_F_RAW		/* raw_keys, raw_values and nraw */
};

/*
 * One record-map key: where its value goes.  hcpcs_record_fields lists
 * them in docs/protocol.md's order, the order hcpcsd encodes them in
 * (test_client checks the two agree).
 */
struct hcpcs_field {
	const char	*key;
	enum hcpcs_field_type type;
	size_t		 offset;	/* offsetof(struct hcpcs_record, ...) */
	size_t		 count;		/* lists: offset of the count */
	int		 absent;	/* ints: the value when absent */
};

const struct hcpcs_field *hcpcs_record_fields(size_t *n);

#endif /* HCPCS_INT_H */
