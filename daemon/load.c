/*
 * load.c: choosing the loader for a set's format.
 */
#include <stdio.h>

#include "conf.h"
#include "load.h"

int
load_set(const struct conf_set *cs, struct record_set *set,
    struct record_err *err)
{
	switch (cs->format) {
	case CONF_FMT_CMS_ANWEB:
		return load_anweb(cs->path, set, err);
	case CONF_FMT_AMA_CPT:
		return load_cpt(cs->path, cs->short_path, cs->medium_path,
		    cs->modifiers_path, set, err);
	case CONF_FMT_DELIMITED:
		return load_delimited(cs, set, err);
	}
	snprintf(err->msg, sizeof(err->msg), "%s: unknown format", cs->path);
	return -1;
}
