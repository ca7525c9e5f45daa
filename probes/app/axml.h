/*
 * Android binary XML (AXML: compiled manifests and res/xml files) and the
 * resource table (resources.arsc), decoded just far enough for the
 * manifest facts: a flat list of elements with their typed attributes,
 * and the value of one resource id. Format: AOSP
 * frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h
 * (ResChunk_header, ResStringPool_header, ResXMLTree_*, Res_value,
 * ResTable_*).
 */
#ifndef ASSAY_PROBES_APP_AXML_H
#define ASSAY_PROBES_APP_AXML_H

#include "probes/app/bytes.h"

/* Res_value data types used here. */
#define RV_NULL      0x00
#define RV_REFERENCE 0x01
#define RV_STRING    0x03
#define RV_INT_DEC   0x10
#define RV_INT_HEX   0x11
#define RV_BOOLEAN   0x12

/* A string pool, decoded to UTF-8; strings[i] is NULL when unreadable. */
struct strpool {
	char **s;
	size_t n;
	uint32_t declared; /* the count the header claimed (more than n: it lied) */
	/* Decoding stopped at string cut_at (the rest NULL): the strings had
	 * decoded to more than twice the pool's bytes, which only offsets that
	 * share string data can do. 0 when every string was decoded. */
	uint32_t cut_at;
	bool cut;
};

struct axml_attr {
	const char *ns;   /* namespace URI or NULL */
	const char *name; /* may be blank or junk in packed apps: match res_id first */
	uint32_t res_id;  /* framework attribute id from the resource map, or 0 */
	uint8_t type;     /* Res_value data type */
	uint32_t data;
	const char *str; /* the raw string value, or the string for RV_STRING, or NULL */
};

struct axml_elem {
	const char *name;
	int depth; /* 0 for the root */
	size_t attr0, nattr;
	uint32_t line;
};

struct axml {
	struct strpool pool;
	uint32_t *resmap;
	size_t nresmap;
	struct axml_elem *el;
	size_t nel, capel;
	struct axml_attr *at;
	size_t nat, capat;
	char warning[200]; /* a tolerated oddity (bogus chunk size, junk chunk) */
};

/* 0, or -1 with err_set("offset N: ..."); elements read before a fatal problem stay. */
int axml_parse(struct axml *x, struct span s);
void axml_free(struct axml *x);
/* The attribute of element e with framework id res_id, or (when res_id has
 * no match) the one named name; NULL if absent. */
const struct axml_attr *axml_attr(const struct axml *x, const struct axml_elem *e, uint32_t res_id,
                                  const char *name);

/* Parse a string pool chunk (s starts at the chunk header). 0 or -1. */
int strpool_parse(struct strpool *p, struct span s, uint64_t base_off);
void strpool_free(struct strpool *p);

/*
 * The value of resource id in a resources.arsc, from the first
 * configuration that defines it; *str is the string for RV_STRING values
 * (the caller frees). 0, or -1 when absent or unreadable.
 *
 * A lookup walks the table's chunks; the lookups of one file share
 * *budget (chunks and sparse entries visited, decremented; NULL: no
 * bound), so a table padded with chunks no id is in, looked up once per
 * field of a long layout, cannot make the probe quadratic. With the
 * budget spent a lookup fails with err_set("...budget...") and
 * *budget stays 0.
 */
int arsc_lookup(struct span arsc, uint32_t id, uint8_t *type, uint32_t *data, char **str,
                uint64_t *budget);
/* The name of resource id (its entry's key: "card_no" for @id/card_no), from
 * the first configuration that defines it; the caller frees *name. 0 or -1. */
int arsc_name(struct span arsc, uint32_t id, char **name, uint64_t *budget);
/* The budget for the lookups of one resources.arsc of n bytes. */
#define ARSC_BUDGET(n) (8ull * (n) + (1u << 20))

#endif
