/*
 * AXML and resources.arsc decoding (see axml.h). Hostile input is the
 * norm here: packers and malware ship manifests the platform accepts but
 * tools choke on (overstated string counts, odd header sizes, junk chunks;
 * jadx#1926, androguard#1137, Apktool#3540). So: the file chunk's declared
 * size is ignored in favour of the real length, header sizes larger than
 * the struct are honoured as "where the body starts", unknown chunk types
 * are skipped, string counts are bounded by the chunk, and every string
 * index is range-checked. Attributes are matched by their framework
 * resource id (the resource map), not by name, since packers blank names.
 */
#include "probes/app/axml.h"
#include "lib/err.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_STRING_POOL 0x0001
#define CHUNK_TABLE       0x0002
#define CHUNK_XML         0x0003
#define CHUNK_XML_NS      0x0100
#define CHUNK_XML_START   0x0102
#define CHUNK_XML_END     0x0103
#define CHUNK_RESMAP      0x0180
#define CHUNK_PACKAGE     0x0200
#define CHUNK_TYPE        0x0201

#define POOL_UTF8      0x100
#define MAX_STRINGS    (1u << 20)
#define MAX_STRING_LEN 65536
#define MAX_ELEMENTS   200000
#define MAX_ATTRS      64

/* UTF-16 code units to UTF-8 (lone surrogates become U+FFFD). */
static char *utf16_to_utf8(struct span s, uint64_t off, uint32_t units)
{
	char *o = xmalloc((size_t)units * 3 + 1);
	size_t k = 0;
	for (uint32_t i = 0; i < units; i++) {
		uint16_t u;
		if (!le16(s, off + 2ull * i, &u))
			break;
		uint32_t cp = u;
		if (u >= 0xd800 && u < 0xdc00 && i + 1 < units) {
			uint16_t lo;
			if (le16(s, off + 2ull * (i + 1), &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((uint32_t)(u - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else {
				cp = 0xfffd;
			}
		} else if (u >= 0xd800 && u < 0xe000) {
			cp = 0xfffd;
		}
		if (cp == 0)
			break;
		if (cp < 0x80) {
			o[k++] = (char)cp;
		} else if (cp < 0x800) {
			o[k++] = (char)(0xc0 | cp >> 6);
			o[k++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			o[k++] = (char)(0xe0 | cp >> 12);
			o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			o[k++] = (char)(0x80 | (cp & 0x3f));
		} else {
			/* 4 bytes: units were counted 3 bytes each, two units gave one cp */
			o[k++] = (char)(0xf0 | cp >> 18);
			o[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			o[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			o[k++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	o[k] = 0;
	return o;
}

struct pool_hdr {
	struct span c; /* the whole chunk */
	uint32_t count, flags, start, declared;
	uint16_t hsize;
};

static int pool_hdr(struct pool_hdr *h, struct span s, uint64_t base_off)
{
	uint16_t type;
	uint32_t size;
	if (!le16(s, 0, &type) || !le16(s, 2, &h->hsize) || !le32(s, 4, &size) ||
	    type != CHUNK_STRING_POOL || h->hsize < 28 || size < h->hsize || size > s.n)
		return err_set("offset %llu: bad string pool header", (unsigned long long)base_off);
	h->c.p = s.p;
	h->c.n = size;
	le32(s, 8, &h->count);
	h->declared = h->count;
	le32(s, 16, &h->flags);
	le32(s, 20, &h->start);
	/* a lying count: never more offsets than fit between header and data */
	uint64_t room = (h->start > h->hsize && h->start <= size ? h->start : size) - h->hsize;
	if ((uint64_t)h->count > room / 4)
		h->count = (uint32_t)(room / 4);
	if (h->count > MAX_STRINGS)
		h->count = MAX_STRINGS;
	return 0;
}

/* String i of a pool, decoded; NULL when out of range or unreadable. */
static char *pool_string(const struct pool_hdr *h, uint32_t i)
{
	uint32_t off;
	if (i >= h->count || !le32(h->c, (uint64_t)h->hsize + 4ull * i, &off))
		return NULL;
	uint64_t p = (uint64_t)h->start + off;
	if (h->flags & POOL_UTF8) {
		uint8_t a, b;
		if (!rd_u8(h->c, p, &a))
			return NULL;
		p += (a & 0x80) ? 2 : 1; /* UTF-16 length, unused */
		if (!rd_u8(h->c, p, &a))
			return NULL;
		uint32_t len = a;
		if (a & 0x80) {
			if (!rd_u8(h->c, p + 1, &b))
				return NULL;
			len = (uint32_t)(a & 0x7f) << 8 | b;
			p++;
		}
		p++;
		if (len > MAX_STRING_LEN || !span_has(h->c.n, p, len))
			return NULL;
		char *o = xstrndup((const char *)h->c.p + p, len);
		return o;
	}
	uint16_t u;
	if (!le16(h->c, p, &u))
		return NULL;
	uint32_t len = u;
	p += 2;
	if (u & 0x8000) {
		uint16_t lo;
		if (!le16(h->c, p, &lo))
			return NULL;
		len = (uint32_t)(u & 0x7fff) << 16 | lo;
		p += 2;
	}
	if (len > MAX_STRING_LEN || !span_has(h->c.n, p, 2ull * len))
		return NULL;
	return utf16_to_utf8(h->c, p, len);
}

int strpool_parse(struct strpool *p, struct span s, uint64_t base_off)
{
	memset(p, 0, sizeof(*p));
	struct pool_hdr h;
	if (pool_hdr(&h, s, base_off) < 0)
		return -1;
	p->s = xcalloc(h.count ? h.count : 1, sizeof(*p->s));
	p->n = h.count;
	p->declared = h.declared;
	/* UTF-16 decodes to at most 1.5 bytes a byte and UTF-8 to 1, and
	 * well-formed strings do not overlap: twice the chunk bounds them. */
	uint64_t budget = 2ull * s.n + 64;
	for (uint32_t i = 0; i < h.count; i++) {
		p->s[i] = pool_string(&h, i);
		size_t cost = p->s[i] ? strlen(p->s[i]) + 1 : 0;
		if (cost > budget) {
			free(p->s[i]);
			p->s[i] = NULL;
			p->cut = true;
			p->cut_at = i;
			break;
		}
		budget -= cost;
	}
	return 0;
}

void strpool_free(struct strpool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->s[i]);
	free(p->s);
	memset(p, 0, sizeof(*p));
}

static const char *pstr(const struct axml *x, uint32_t i)
{
	return i < x->pool.n ? x->pool.s[i] : NULL;
}

static void warn(struct axml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct axml *x, const char *fmt, ...)
{
	if (x->warning[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->warning, sizeof(x->warning), fmt, ap);
	va_end(ap);
}

static void start_element(struct axml *x, struct span c, uint64_t body, int depth, uint32_t line)
{
	uint32_t name;
	uint16_t astart, asize, acount;
	if (!le32(c, body + 4, &name) || !le16(c, body + 8, &astart) ||
	    !le16(c, body + 10, &asize) || !le16(c, body + 12, &acount))
		return;
	if (x->nel >= MAX_ELEMENTS)
		return;
	struct axml_elem *e = ARRAY_PUSH(x->el, x->nel, x->capel);
	e->name = pstr(x, name);
	e->depth = depth;
	e->line = line;
	e->attr0 = x->nat;
	e->nattr = 0;
	if (asize < 20)
		return;
	if (acount > MAX_ATTRS)
		acount = MAX_ATTRS;
	for (unsigned i = 0; i < acount; i++) {
		uint64_t a = body + astart + (uint64_t)i * asize;
		uint32_t ns, nm, raw, data;
		uint8_t type;
		if (!le32(c, a, &ns) || !le32(c, a + 4, &nm) || !le32(c, a + 8, &raw) ||
		    !rd_u8(c, a + 15, &type) || !le32(c, a + 16, &data))
			break;
		struct axml_attr *t = ARRAY_PUSH(x->at, x->nat, x->capat);
		t->ns = pstr(x, ns);
		t->name = pstr(x, nm);
		t->res_id = nm < x->nresmap ? x->resmap[nm] : 0;
		t->type = type;
		t->data = data;
		t->str = type == RV_STRING    ? pstr(x, data)
		         : raw != 0xffffffffu ? pstr(x, raw)
		                              : NULL;
		e->nattr++;
	}
}

int axml_parse(struct axml *x, struct span s)
{
	memset(x, 0, sizeof(*x));
	uint16_t type, hsize;
	uint32_t size;
	if (!le16(s, 0, &type) || !le16(s, 2, &hsize) || !le32(s, 4, &size))
		return err_set("offset 0: %zu bytes, too short for binary XML", s.n);
	if (type != CHUNK_XML)
		return err_set("offset 0: chunk type 0x%04x, not binary XML (0x0003)", type);
	if (size != s.n)
		warn(x, "offset 4: file chunk declares %u bytes, file has %zu", size, s.n);
	uint64_t off = hsize >= 8 && hsize < s.n ? hsize : 8;
	int depth = 0;
	bool have_pool = false;
	while (off + 8 <= s.n) {
		uint16_t ct = 0, ch = 0;
		uint32_t cs = 0;
		le16(s, off, &ct);
		le16(s, off + 2, &ch);
		le32(s, off + 4, &cs);
		if (cs < 8 || ch < 8 || ch > cs || cs > s.n - off) {
			warn(x, "offset %llu: chunk 0x%04x with header %u and size %u does not fit",
			     (unsigned long long)off, ct, ch, cs);
			break;
		}
		struct span c = {s.p + off, cs};
		if (ct == CHUNK_STRING_POOL && !have_pool) {
			if (strpool_parse(&x->pool, c, off) < 0)
				return -1;
			if (x->pool.declared > x->pool.n)
				warn(x, "offset %llu: string pool claims %u strings, room for %zu",
				     (unsigned long long)off + 8, x->pool.declared, x->pool.n);
			if (x->pool.cut)
				warn(x,
				     "offset %llu: string pool: strings from %u on not read (they "
				     "decode to more than twice the pool: offsets share data)",
				     (unsigned long long)off, x->pool.cut_at);
			have_pool = true;
		} else if (ct == CHUNK_RESMAP && !x->resmap) {
			x->nresmap = (cs - ch) / 4;
			x->resmap = xcalloc(x->nresmap ? x->nresmap : 1, sizeof(uint32_t));
			for (size_t i = 0; i < x->nresmap; i++)
				le32(c, ch + 4ull * i, &x->resmap[i]);
		} else if (ct == CHUNK_XML_START) {
			uint32_t line = 0;
			le32(c, 8, &line);
			start_element(x, c, ch, depth, line);
			depth++;
		} else if (ct == CHUNK_XML_END) {
			if (depth > 0)
				depth--;
		} else if (ct < CHUNK_XML_NS || ct > 0x0104) {
			if (ct != CHUNK_RESMAP && ct != CHUNK_STRING_POOL)
				warn(x, "offset %llu: unknown chunk type 0x%04x skipped",
				     (unsigned long long)off, ct);
		}
		off += cs;
	}
	if (!have_pool)
		return err_set("offset 8: binary XML without a string pool");
	return 0;
}

void axml_free(struct axml *x)
{
	strpool_free(&x->pool);
	free(x->resmap);
	free(x->el);
	free(x->at);
	memset(x, 0, sizeof(*x));
}

const struct axml_attr *axml_attr(const struct axml *x, const struct axml_elem *e, uint32_t res_id,
                                  const char *name)
{
	for (size_t i = 0; i < e->nattr; i++)
		if (res_id && x->at[e->attr0 + i].res_id == res_id)
			return &x->at[e->attr0 + i];
	for (size_t i = 0; i < e->nattr; i++) {
		const struct axml_attr *a = &x->at[e->attr0 + i];
		if ((!res_id || !a->res_id) && a->name && strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

/* --- resources.arsc --- */

/* The offset in type chunk c (header size ch) of entry's ResTable_entry, or -1. */
static int64_t entry_off(struct span c, uint16_t ch, uint32_t entry, uint64_t *budget)
{
	uint8_t flags;
	uint32_t count, estart;
	if (!rd_u8(c, 9, &flags) || !le32(c, 12, &count) || !le32(c, 16, &estart))
		return -1;
	uint32_t eoff = 0xffffffffu;
	if (flags & 0x01) { /* sparse: (u16 index, u16 offset/4) pairs */
		if (!budget_take(budget, count < (1u << 16) ? count : (1u << 16)))
			return -1;
		for (uint32_t i = 0; i < count && i < (1u << 16); i++) {
			uint16_t idx, o4;
			if (!le16(c, ch + 4ull * i, &idx) || !le16(c, ch + 4ull * i + 2, &o4))
				return -1;
			if (idx == entry) {
				eoff = (uint32_t)o4 * 4;
				break;
			}
		}
	} else if (entry < count) {
		if (!le32(c, ch + 4ull * entry, &eoff))
			return -1;
	}
	if (eoff == 0xffffffffu)
		return -1;
	uint64_t e = (uint64_t)estart + eoff;
	uint16_t esize;
	return e + 8 <= c.n && le16(c, e, &esize) ? (int64_t)e : -1;
}

/* A value entry (not a bag) at e: its type and data. */
static int entry_value(struct span c, uint64_t e, uint8_t *type, uint32_t *data)
{
	uint16_t esize, eflags;
	if (!le16(c, e, &esize) || !le16(c, e + 2, &eflags) || (eflags & 0x0001))
		return -1; /* complex (bag) entries are not single values */
	return rd_u8(c, e + esize + 3, type) && le32(c, e + esize + 4, data) ? 0 : -1;
}

/*
 * Find resource id: the first configuration (type chunk) that defines it,
 * with a single value when want_value. On success *pkg is the package
 * chunk, *tc the type chunk, *e the entry's offset in it, *gpool the global
 * string pool (or empty).
 */
static int arsc_find(struct span s, uint32_t id, bool want_value, struct span *pkg, struct span *tc,
                     uint64_t *e, struct span *gpool, uint64_t *budget)
{
	uint16_t t, h;
	uint32_t size;
	if (!le16(s, 0, &t) || !le16(s, 2, &h) || !le32(s, 4, &size) || t != CHUNK_TABLE || h < 12)
		return err_set("offset 0: not a resource table");
	uint32_t pkg_id = id >> 24, tid = (id >> 16) & 0xff, entry = id & 0xffff;
	*gpool = (struct span){0};
	uint64_t off = h;
	while (off + 8 <= s.n) {
		uint16_t ct = 0, ch = 0;
		uint32_t cs = 0;
		le16(s, off, &ct);
		le16(s, off + 2, &ch);
		le32(s, off + 4, &cs);
		if (cs < 8 || ch < 8 || ch > cs || cs > s.n - off)
			return err_set("offset %llu: resource table chunk does not fit",
			               (unsigned long long)off);
		if (!budget_take(budget, 1))
			return err_set("resource 0x%08x: the lookups' budget is spent", id);
		struct span c = {s.p + off, cs};
		if (ct == CHUNK_STRING_POOL && !gpool->p)
			*gpool = c;
		uint32_t pid;
		if (ct == CHUNK_PACKAGE && le32(c, 8, &pid) && pid == pkg_id) {
			uint64_t po = ch;
			while (po + 8 <= cs) {
				uint16_t it = 0, ih = 0;
				uint32_t is = 0;
				le16(c, po, &it);
				le16(c, po + 2, &ih);
				le32(c, po + 4, &is);
				if (is < 8 || ih < 8 || ih > is || is > cs - po)
					break;
				if (!budget_take(budget, 1))
					return err_set(
					    "resource 0x%08x: the lookups' budget is spent", id);
				struct span cand = {c.p + po, is};
				uint8_t this_tid, vt;
				uint32_t vd;
				int64_t eo;
				if (it == CHUNK_TYPE && rd_u8(cand, 8, &this_tid) &&
				    this_tid == tid &&
				    (eo = entry_off(cand, ih, entry, budget)) >= 0 &&
				    (!want_value ||
				     entry_value(cand, (uint64_t)eo, &vt, &vd) == 0)) {
					*pkg = c;
					*tc = cand;
					*e = (uint64_t)eo;
					return 0;
				}
				po += is;
			}
		}
		off += cs;
	}
	return err_set("resource 0x%08x not found", id);
}

int arsc_lookup(struct span s, uint32_t id, uint8_t *type, uint32_t *data, char **str,
                uint64_t *budget)
{
	*str = NULL;
	struct span pkg, tc, gpool;
	uint64_t e;
	if (arsc_find(s, id, true, &pkg, &tc, &e, &gpool, budget) < 0 ||
	    entry_value(tc, e, type, data) < 0)
		return -1;
	if (*type == RV_STRING && gpool.p) {
		struct pool_hdr ph;
		if (pool_hdr(&ph, gpool, 0) == 0)
			*str = pool_string(&ph, *data);
	}
	return 0;
}

int arsc_name(struct span s, uint32_t id, char **name, uint64_t *budget)
{
	*name = NULL;
	struct span pkg, tc, gpool;
	uint64_t e;
	uint32_t key, kso;
	if (arsc_find(s, id, false, &pkg, &tc, &e, &gpool, budget) < 0)
		return -1;
	/* ResTable_entry.key indexes the package's key strings, which start
	 * ResTable_package.keyStrings bytes into the package chunk (offset 276) */
	struct pool_hdr ph;
	if (!le32(tc, e + 4, &key) || !le32(pkg, 276, &kso) || kso >= pkg.n ||
	    pool_hdr(&ph, (struct span){pkg.p + kso, pkg.n - kso}, 0) < 0)
		return err_set("resource 0x%08x: no key string pool", id);
	*name = pool_string(&ph, key);
	return *name ? 0 : err_set("resource 0x%08x: key %u unreadable", id, key);
}
