/*
 * meanings.h: what the coded values of a CMS record mean, in CMS's
 * wording (the HCPCS record layout; docs/formats.md section 9).  One
 * table per coded field, sorted by value; all of it is constant data,
 * nothing allocates.
 *
 * A table judges one value: list fields (pricing, labcert, tos) are
 * looked up slot by slot.  Values are matched exactly as stored (trimmed
 * by record_set_field, case as in the file).  The empty value is a coded
 * value only for asc_group, where CMS defines blank as "not approved".
 *
 * Fields without a table, and why: statute, cim, mcm, xref and proc_note
 * are references to other documents (formats.md 9.13), the anesthesia
 * units and the dates are quantities, and the layout defines no codes
 * for any of them.  The RIC is not a field of a record (it becomes
 * record.kind).
 */
#ifndef HCPCSD_MEANINGS_H
#define HCPCSD_MEANINGS_H

#include <stddef.h>

#include "record.h"

struct meaning {
	const char	*value;		/* as stored: "51", "D", "M3", "" */
	const char	*text;		/* CMS's meaning */
	const char	*group;		/* CMS's heading over it, or NULL */
};

/*
 * The meaning of value (len bytes, not NUL-terminated; NULL only with
 * len 0) in field f, or NULL when f has no table or the table does not
 * list the value.  Borrowed: static storage.
 */
const char	*meanings_find(enum record_field f, const char *value,
		    size_t len);

/*
 * The heading CMS lists the value under (the fee schedule of a pricing
 * indicator, the body system of a MOG group, the general category of a
 * lab certification subgroup), or NULL when it has none or is unknown.
 * Borrowed: static storage.
 */
const char	*meanings_group(enum record_field f, const char *value,
		    size_t len);

/* The whole table of f, sorted by value (strcmp); NULL and *n 0 if none. */
const struct meaning *meanings_table(enum record_field f, size_t *n);

/*
 * The fields that have a table, in enum order; *n is set to their
 * number.  Borrowed: static storage.
 */
const enum record_field *meanings_fields(size_t *n);

#endif /* HCPCSD_MEANINGS_H */
