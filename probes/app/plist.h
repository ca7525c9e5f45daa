/*
 * Property lists (Info.plist), XML (through libxml2) or binary
 * ("bplist00"), decoded into one small tree: enough to read
 * NSAppTransportSecurity and the bundle keys. Depth, object count and
 * every offset are bounded; a binary plist's object references can form
 * cycles, which the depth limit ends.
 */
#ifndef ASSAY_PROBES_APP_PLIST_H
#define ASSAY_PROBES_APP_PLIST_H

#include "probes/app/bytes.h"

enum pv_type { PV_OTHER, PV_BOOL, PV_INT, PV_STRING, PV_ARRAY, PV_DICT };

struct pv {
	enum pv_type type;
	bool b;
	int64_t i;
	char *s;
	char **keys; /* PV_DICT */
	struct pv **items;
	size_t n;
};

/* 0, or -1 with err_set("offset N: ..."). */
int plist_parse(struct pv **out, struct span s);
void pv_free(struct pv *v);
/* dict lookup; NULL when v is not a dict or has no such key */
const struct pv *pv_get(const struct pv *v, const char *key);
/* 1/0 for a boolean (or the strings YES/NO/true/false), -1 otherwise */
int pv_bool(const struct pv *v);

#endif
