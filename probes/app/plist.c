/*
 * Property lists (see plist.h). Binary format: Apple's CFBinaryPList.c
 * (trailer: offset int size, object ref size, object count, top object,
 * offset table offset; object markers 0x0_ null/bool, 0x1_ int, 0x5_
 * ASCII string, 0x6_ UTF-16 string, 0xA_ array, 0xD_ dict). XML: the
 * Apple plist DTD, parsed with libxml2 (no network, no entities).
 */
#include "probes/app/plist.h"
#include "lib/err.h"
#include "lib/util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH   32
#define MAX_OBJECTS (1u << 20)
#define MAX_ITEMS   (1u << 16)

void pv_free(struct pv *v)
{
	if (!v)
		return;
	free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		pv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v);
}

const struct pv *pv_get(const struct pv *v, const char *key)
{
	if (!v || v->type != PV_DICT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->keys[i] && strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

int pv_bool(const struct pv *v)
{
	if (!v)
		return -1;
	if (v->type == PV_BOOL)
		return v->b;
	if (v->type == PV_STRING && v->s)
		return strcasecmp(v->s, "yes") == 0 || strcmp(v->s, "true") == 0   ? 1
		       : strcasecmp(v->s, "no") == 0 || strcmp(v->s, "false") == 0 ? 0
		                                                                   : -1;
	return -1;
}

/* --- binary --- */

struct bp {
	struct span s;
	uint8_t offsz, refsz;
	uint64_t nobj, table;
	/* objects left to build, and string bytes left to copy: references
	 * may share and nest objects, so a few bytes could otherwise describe
	 * a tree of fan-out^depth nodes, or a 64 KiB string named 65,535 times
	 * (4 GiB from 130 KB) */
	uint64_t budget, bytes;
	uint64_t spent_at; /* offset where a budget ran out, when spent */
	bool spent;
};

/* budget_take(), remembering where the first budget ran out */
static bool bp_pay(struct bp *b, uint64_t *left, uint64_t cost, uint64_t off)
{
	if (budget_take(left, cost))
		return true;
	if (!b->spent)
		b->spent = true, b->spent_at = off;
	return false;
}

static bool bp_uint(struct span s, uint64_t off, unsigned size, uint64_t *v)
{
	*v = 0;
	if (size == 0 || size > 8 || !span_has(s.n, off, size))
		return false;
	for (unsigned i = 0; i < size; i++)
		*v = *v << 8 | s.p[off + i];
	return true;
}

static struct pv *bp_object(struct bp *b, uint64_t ref, int depth);

/* a count: the low nibble, or (0xF) an int object that follows */
static bool bp_count(const struct bp *b, uint64_t *off, uint8_t marker, uint64_t *n)
{
	*n = marker & 0x0f;
	if (*n != 0x0f)
		return true;
	uint8_t m;
	if (!rd_u8(b->s, *off, &m) || (m & 0xf0) != 0x10)
		return false;
	unsigned sz = 1u << (m & 0x0f);
	if (!bp_uint(b->s, *off + 1, sz, n))
		return false;
	*off += 1 + sz;
	return true;
}

static struct pv *bp_object(struct bp *b, uint64_t ref, int depth)
{
	uint64_t off;
	if (!bp_pay(b, &b->budget, 1, b->table + ref * b->offsz))
		return NULL;
	if (depth > MAX_DEPTH || ref >= b->nobj ||
	    !bp_uint(b->s, b->table + ref * b->offsz, b->offsz, &off))
		return NULL;
	uint8_t m;
	if (!rd_u8(b->s, off, &m) || off >= b->table)
		return NULL;
	struct pv *v = xcalloc(1, sizeof(*v));
	uint64_t p = off + 1, n;
	switch (m >> 4) {
	case 0x0:
		if (m == 0x08 || m == 0x09) {
			v->type = PV_BOOL;
			v->b = m == 0x09;
		}
		break;
	case 0x1: {
		uint64_t x;
		if (bp_uint(b->s, p, 1u << (m & 0x0f), &x)) {
			v->type = PV_INT;
			v->i = (int64_t)x;
		}
		break;
	}
	case 0x5:
		if (bp_count(b, &p, m, &n) && n <= 65536 && span_has(b->s.n, p, n) &&
		    bp_pay(b, &b->bytes, n, off)) {
			v->type = PV_STRING;
			v->s = xstrndup((const char *)b->s.p + p, (size_t)n);
		}
		break;
	case 0x6: /* UTF-16BE: keep ASCII, '?' for the rest */
		if (bp_count(b, &p, m, &n) && n <= 65536 && span_has(b->s.n, p, 2 * n) &&
		    bp_pay(b, &b->bytes, n, off)) {
			v->type = PV_STRING;
			v->s = xmalloc((size_t)n + 1);
			for (uint64_t i = 0; i < n; i++) {
				uint16_t u =
				    (uint16_t)(b->s.p[p + 2 * i] << 8 | b->s.p[p + 2 * i + 1]);
				v->s[i] = u && u < 0x80 ? (char)u : '?';
			}
			v->s[n] = 0;
		}
		break;
	case 0xA:
	case 0xD: {
		bool dict = (m >> 4) == 0xD;
		if (!bp_count(b, &p, m, &n) || n > MAX_ITEMS ||
		    !span_has(b->s.n, p, n * b->refsz * (dict ? 2 : 1)))
			break;
		v->type = dict ? PV_DICT : PV_ARRAY;
		v->items = xcalloc(n ? n : 1, sizeof(*v->items));
		if (dict)
			v->keys = xcalloc(n ? n : 1, sizeof(*v->keys));
		for (uint64_t i = 0; i < n; i++) {
			uint64_t kr, vr;
			if (dict) {
				bp_uint(b->s, p + i * b->refsz, b->refsz, &kr);
				bp_uint(b->s, p + (n + i) * b->refsz, b->refsz, &vr);
				struct pv *k = bp_object(b, kr, depth + 1);
				if (k && k->type == PV_STRING) {
					v->keys[v->n] = k->s;
					k->s = NULL;
				}
				pv_free(k);
			} else {
				bp_uint(b->s, p + i * b->refsz, b->refsz, &vr);
			}
			v->items[v->n++] = bp_object(b, vr, depth + 1);
		}
		break;
	}
	default:
		break;
	}
	return v;
}

static int bplist_parse(struct pv **out, struct span s)
{
	struct bp b = {.s = s};
	if (s.n < 8 + 32)
		return err_set("offset 0: binary plist shorter than its trailer");
	uint64_t t = s.n - 32, top;
	b.offsz = s.p[t + 6];
	b.refsz = s.p[t + 7];
	if (!bp_uint(s, t + 8, 8, &b.nobj) || !bp_uint(s, t + 16, 8, &top) ||
	    !bp_uint(s, t + 24, 8, &b.table))
		return err_set("offset %llu: bad binary plist trailer", (unsigned long long)t);
	if (b.offsz < 1 || b.offsz > 8 || b.refsz < 1 || b.refsz > 8 || b.nobj > MAX_OBJECTS ||
	    top >= b.nobj || b.table < 8 || !span_has(t, b.table, b.nobj * b.offsz))
		return err_set(
		    "offset %llu: binary plist trailer out of range (%llu objects, table at "
		    "%llu)",
		    (unsigned long long)t, (unsigned long long)b.nobj, (unsigned long long)b.table);
	/* A tree builds one node per reference, and each reference takes refsz
	 * bytes of the file: more nodes than that means objects are shared to
	 * fan out. Strings are copied once per reference; a real plist shares
	 * its keys between dictionaries, a few times over at most. */
	uint64_t nodes = s.n / b.refsz + 1, bytes = 8 * (uint64_t)s.n + (1u << 20);
	b.budget = nodes < 4 * MAX_ITEMS ? nodes : 4 * MAX_ITEMS;
	b.bytes = bytes;
	uint64_t nodes_max = b.budget;
	*out = bp_object(&b, top, 0);
	if (b.spent) {
		pv_free(*out);
		*out = NULL;
		return err_set("offset %llu: binary plist shares its objects past %llu references "
		               "or %llu string bytes (from %zu bytes); not read",
		               (unsigned long long)b.spent_at, (unsigned long long)nodes_max,
		               (unsigned long long)bytes, s.n);
	}
	if (!*out)
		return err_set("offset %llu: binary plist top object unreadable",
		               (unsigned long long)b.table);
	return 0;
}

/* --- XML --- */

static struct pv *xml_value(xmlNode *n, int depth)
{
	if (depth > MAX_DEPTH)
		return NULL;
	struct pv *v = xcalloc(1, sizeof(*v));
	const char *name = (const char *)n->name;
	if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0) {
		v->type = PV_BOOL;
		v->b = name[0] == 't';
	} else if (strcmp(name, "integer") == 0 || strcmp(name, "string") == 0) {
		xmlChar *c = xmlNodeGetContent(n);
		v->type = name[0] == 'i' ? PV_INT : PV_STRING;
		v->s = xstrdup(c ? (const char *)c : "");
		v->i = strtoll(v->s, NULL, 10);
		xmlFree(c);
	} else if (strcmp(name, "array") == 0 || strcmp(name, "dict") == 0) {
		bool dict = name[0] == 'd';
		v->type = dict ? PV_DICT : PV_ARRAY;
		size_t cap = 0, kcap = 0, nk = 0;
		char *pending = NULL;
		for (xmlNode *c = n->children; c && v->n < MAX_ITEMS; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (dict && strcmp((const char *)c->name, "key") == 0) {
				xmlChar *k = xmlNodeGetContent(c);
				free(pending);
				pending = xstrdup(k ? (const char *)k : "");
				xmlFree(k);
				continue;
			}
			if (dict) {
				*ARRAY_PUSH(v->keys, nk, kcap) = pending ? pending : xstrdup("");
				pending = NULL;
			}
			*ARRAY_PUSH(v->items, v->n, cap) = xml_value(c, depth + 1);
		}
		free(pending);
	}
	return v;
}

static int xmlplist_parse(struct pv **out, struct span s)
{
	if (s.n > (64u << 20))
		return err_set("offset 0: plist of %zu bytes is too large", s.n);
	xmlDoc *d = xmlReadMemory((const char *)s.p, (int)s.n, "Info.plist", NULL,
	                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!d)
		return err_set("offset 0: not a well-formed XML plist");
	xmlNode *root = xmlDocGetRootElement(d);
	xmlNode *top = NULL;
	for (xmlNode *c = root ? root->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			top = c;
			break;
		}
	*out = top ? xml_value(top, 0) : NULL;
	xmlFreeDoc(d);
	return *out ? 0 : err_set("offset 0: XML plist without a value");
}

int plist_parse(struct pv **out, struct span s)
{
	*out = NULL;
	if (s.n >= 8 && memcmp(s.p, "bplist00", 8) == 0)
		return bplist_parse(out, s);
	return xmlplist_parse(out, s);
}
