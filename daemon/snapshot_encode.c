/*
 * snapshot_encode.c: each record's response map, packed once at build
 * time into one buffer (struct snapshot's enc) so that a lookup copies
 * bytes.  The fields and their keys come from record.c's field table;
 * the key order and names are those of docs/protocol.md, "Record map",
 * and a key is left out when its value is empty.  Called by
 * snapshot_build_sets (snapshot.c); calls nothing of the snapshot's.
 */
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "record.h"
#include "snapshot.h"
#include "snapshot_int.h"

/* Packing state: one pass counts keys, the second packs them. */
struct snapshot_enc {
	msgpack_packer	 pk;
	int		 counting;
	size_t		 nkeys;
	int		 err;
};

static void	enc_key(struct snapshot_enc *, const char *);
static void	enc_strval(struct snapshot_enc *, const char *);
static void	enc_str(struct snapshot_enc *, const char *, const char *);
static void	enc_date(struct snapshot_enc *, const char *, uint32_t);
static void	enc_list(struct snapshot_enc *, const char *,
		    const char *const *, size_t);
static void	enc_int(struct snapshot_enc *, const char *, long);
static void	enc_field(struct snapshot_enc *, const struct record *,
		    enum record_field);
static void	enc_fields(struct snapshot_enc *, const struct snapshot_rec *);

static void
enc_key(struct snapshot_enc *e, const char *k)
{
	enc_strval(e, k);
}

static void
enc_strval(struct snapshot_enc *e, const char *v)
{
	size_t		 len = strlen(v);

	if (msgpack_pack_str(&e->pk, len) != 0 ||
	    msgpack_pack_str_body(&e->pk, v, len) != 0)
		e->err = 1;
}

static void
enc_str(struct snapshot_enc *e, const char *k, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	enc_strval(e, v);
}

static void
enc_date(struct snapshot_enc *e, const char *k, uint32_t d)
{
	char		 buf[11];

	if (d == 0)
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	record_format_date(d, buf);
	enc_key(e, k);
	enc_strval(e, buf);
}

static void
enc_list(struct snapshot_enc *e, const char *k, const char *const *v,
    size_t n)
{
	size_t		 i, used = 0;

	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			used++;
	if (used == 0)
		return;
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	if (msgpack_pack_array(&e->pk, used) != 0)
		e->err = 1;
	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			enc_strval(e, v[i]);
}

static void
enc_int(struct snapshot_enc *e, const char *k, long v)
{
	if (e->counting) {
		e->nkeys++;
		return;
	}
	enc_key(e, k);
	if (msgpack_pack_long(&e->pk, v) != 0)
		e->err = 1;
}

/* One field of r by its row: its protocol key, left out when empty. */
static void
enc_field(struct snapshot_enc *e, const struct record *r, enum record_field f)
{
	const struct record_field_info *fi = record_field_info(f);
	const void	*p = record_field_ptr(r, f);

	switch (fi->type) {
	case RECORD_T_CODE:
		enc_str(e, fi->name, p);
		break;
	case RECORD_T_TEXT:
	case RECORD_T_STR:
		enc_str(e, fi->name, *(const char *const *)p);
		break;
	case RECORD_T_DATE:
		enc_date(e, fi->name, *(const uint32_t *)p);
		break;
	case RECORD_T_LIST:
		enc_list(e, fi->name, p, fi->max);
		break;
	case RECORD_T_UINT:
		if (*(const int *)p >= 0)
			enc_int(e, fi->name, *(const int *)p);
		break;
	}
}

/*
 * The record's fields in their table's order, with what the snapshot
 * knows of the record (set, release, kind, level) after the code, as
 * docs/protocol.md orders them.
 */
static void
enc_fields(struct snapshot_enc *e, const struct snapshot_rec *sr)
{
	const struct record *r = sr->rec;
	unsigned	 i;
	int		 f;

	enc_field(e, r, RF_CODE);
	enc_str(e, "set", sr->set);
	enc_date(e, "release", sr->release);
	enc_str(e, "kind", r->kind == RECORD_MODIFIER ? "modifier" :
	    "procedure");
	if (sr->level > 0)
		enc_int(e, "level", sr->level);
	for (f = RF_CODE + 1; f < RF_MAX; f++)
		enc_field(e, r, (enum record_field)f);
	if (r->nraw > 0) {
		if (e->counting) {
			e->nkeys++;
			return;
		}
		enc_key(e, "raw");
		if (msgpack_pack_map(&e->pk, r->nraw) != 0)
			e->err = 1;
		for (i = 0; i < r->nraw && i < RECORD_MAX_RAW; i++) {
			enc_strval(e, r->raw[i].field != NULL ?
			    r->raw[i].field : "");
			enc_strval(e, r->raw[i].value != NULL ?
			    r->raw[i].value : "");
		}
	}
}

/* Every record's map into one buffer; enc pointers set at the end. */
int
snapshot_encode(struct snapshot *s)
{
	msgpack_sbuffer	 sb;
	struct snapshot_enc e;
	size_t		 i, *off;

	if ((off = calloc(s->nrecs + 1, sizeof(*off))) == NULL)
		return -1;
	msgpack_sbuffer_init(&sb);
	memset(&e, 0, sizeof(e));
	msgpack_packer_init(&e.pk, &sb, msgpack_sbuffer_write);
	for (i = 0; i < s->nrecs && !e.err; i++) {
		off[i] = sb.size;
		e.counting = 1;
		e.nkeys = 0;
		enc_fields(&e, &s->recs[i]);
		e.counting = 0;
		/* The header counts "status", which the caller appends. */
		if (msgpack_pack_map(&e.pk, e.nkeys + 1) != 0)
			e.err = 1;
		enc_fields(&e, &s->recs[i]);
	}
	off[s->nrecs] = sb.size;
	if (e.err) {
		msgpack_sbuffer_destroy(&sb);
		free(off);
		return -1;
	}
	s->enc = (unsigned char *)msgpack_sbuffer_release(&sb);
	for (i = 0; i < s->nrecs; i++) {
		s->recs[i].enc = s->enc + off[i];
		s->recs[i].enclen = off[i + 1] - off[i];
		if (s->recs[i].enclen > s->maxenc)
			s->maxenc = s->recs[i].enclen;
	}
	free(off);
	return 0;
}
