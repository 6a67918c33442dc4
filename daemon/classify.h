/*
 * classify.h: what a code is, from its shape alone (DOMAIN.md sections
 * 3, 4, 5 and 6).  Needs no data; existence comes only from snapshots.
 */
#ifndef HCPCSD_CLASSIFY_H
#define HCPCSD_CLASSIFY_H

#include "record.h"

/*
 * Every string is static (or NULL where the item does not apply, and
 * the protocol then omits the key).
 */
struct classify {
	char		 code[RECORD_CODE_MAX + 1];	/* normalised */
	const char	*system;	/* "CPT" or "HCPCS" */
	int		 level;		/* 1, 2 or 3 */
	const char	*category;	/* CPT: "I", "II", "III", "PLA",
					   "immunization_admin", "maaa";
					   NULL for Level II/III */
	const char	*section;	/* CPT Category I section, or NULL */
	const char	*group;		/* Level II letter group, e.g.
					   "drugs", or modifier group */
	const char	*kind;		/* "procedure" or "modifier" */
	const char	*maintainer;	/* "AMA", "CMS", "ADA", "local" */
};

/*
 * Classify a code (trimmed and upper-cased first).  Returns 0, or -1
 * when the input has no known code shape.
 */
int	classify_code(const char *, size_t, struct classify *);

#endif /* HCPCSD_CLASSIFY_H */
