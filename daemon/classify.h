/*
 * classify.h: what a code is, from its shape alone (docs/formats.md
 * sections 3 to 7).  Needs no data; existence comes only from snapshots.
 */
#ifndef HCPCSD_CLASSIFY_H
#define HCPCSD_CLASSIFY_H

#include <stddef.h>

#include "record.h"

/*
 * Every string is static (or NULL where the item does not apply, and
 * the protocol then omits the key).  The values, by docs/formats.md section 3
 * row (first match wins):
 *
 * shape            system level category             kind  maintainer
 * NNNNN            CPT    1     I                    proc  AMA
 * NNNNF            CPT    1     II                   proc  AMA
 * NNNNT            CPT    1     III                  proc  AMA
 * NNNNU            CPT    1     PLA                  proc  AMA
 * NNNNA            CPT    1     immunization_admin   proc  AMA
 * NNNNM            CPT    1     maaa                 proc  AMA
 * [A-C,E,G,H,J-M,P-V]NNNN
 *                  HCPCS  2     NULL                 proc  CMS
 * DNNNN            CDT    2     NULL                 proc  ADA
 * [WXYZ]NNNN       HCPCS  3     NULL                 proc  local
 * [FINO]NNNN       HCPCS  2     NULL                 proc  CMS
 * NN               CPT    1     I                    mod   AMA
 * N[A-Z]           CPT    1     II                   mod   AMA
 * P[1-6]           CPT    1     NULL                 mod   AMA
 * [A-Z][0-9A-Z]    HCPCS  2     NULL                 mod   CMS
 *
 * section is set only for CPT Category I procedure codes whose number
 * falls in a formats.md 4.2 range, and for PLA.  group names the Level II
 * letter group or the modifier family; classify.c lists every value.
 */
struct classify {
	char		 code[RECORD_CODE_MAX + 1];	/* normalised */
	const char	*system;	/* "CPT", "HCPCS" or "CDT" */
	int		 level;		/* 1, 2 or 3 */
	const char	*category;	/* CPT: "I", "II", "III", "PLA",
					   "immunization_admin", "maaa";
					   NULL otherwise */
	const char	*section;	/* "evaluation_management",
					   "anesthesia", "surgery",
					   "radiology",
					   "pathology_laboratory",
					   "medicine", or NULL */
	const char	*group;		/* Level II letter group, e.g.
					   "drugs", or modifier group;
					   NULL for CPT procedure codes */
	const char	*kind;		/* "procedure" or "modifier" */
	const char	*maintainer;	/* "AMA", "CMS", "ADA", "local" */
};

/*
 * Classify len bytes of code text: blanks and tabs at either end are
 * trimmed and a-z upper-cased first.  Fills *out (its strings are
 * static, valid forever) and returns 0, or returns -1 when the input has
 * no known code shape (then *out is zeroed: empty code, NULL strings,
 * level 0).  Thread-safe; allocates nothing.
 */
int	classify_code(const char *, size_t, struct classify *);

#endif /* HCPCSD_CLASSIFY_H */
