/*
 * DEX id tables (dexref.h): the header's table sizes and offsets, then
 * every type, proto, field, method and class-definition entry checked
 * against the tables it points into, so that a hostile file is refused
 * with the offset of the first entry that lies, and the lookups after it
 * never leave the file. Layout: "Dalvik Executable format", header_item
 * (0x70 bytes), type_id_item (4), proto_id_item (12), field_id_item (8),
 * method_id_item (8), class_def_item (32), type_list.
 */
#include "probes/app/dexref.h"
#include "lib/err.h"

#include <string.h>

/* The longest name or descriptor looked up (longer ones are unreadable, not scanned further). */
#define DEX_MAX_NAME 4096

/* One table of the header: n entries of size bytes at off, n at most max. */
static int table(struct dex_ids *x, struct dex_table *t, uint64_t hoff, uint32_t size, uint32_t max,
                 const char *what)
{
	if (!le32(x->d, hoff, &t->n) || !le32(x->d, hoff + 4, &t->off))
		return err_set("offset %llu: header cut short", (unsigned long long)hoff);
	if (t->n > max)
		return err_set("offset %llu: %u %s ids, over the limit of %u",
		               (unsigned long long)hoff, t->n, what, max);
	if (t->n && !span_has(x->d.n, t->off, (uint64_t)t->n * size))
		return err_set("offset %llu: %u %s ids at %u do not fit the file (%zu bytes)",
		               (unsigned long long)hoff + 4, t->n, what, t->off, x->d.n);
	return 0;
}

static int bad_index(uint64_t off, const char *entry, uint32_t i, const char *what, uint32_t v,
                     uint32_t n)
{
	return err_set("offset %llu: %s %u names %s %u, but there are %u", (unsigned long long)off,
	               entry, i, what, v, n);
}

static int check_protos(const struct dex_ids *x)
{
	for (uint32_t i = 0; i < x->proto.n; i++) {
		uint64_t e = x->proto.off + 12ull * i;
		uint32_t shorty = 0, ret = 0, params = 0, np = 0;
		le32(x->d, e, &shorty);
		le32(x->d, e + 4, &ret);
		le32(x->d, e + 8, &params);
		if (shorty >= x->str.n)
			return bad_index(e, "proto_id", i, "string", shorty, x->str.n);
		if (ret >= x->type.n)
			return bad_index(e + 4, "proto_id", i, "type", ret, x->type.n);
		if (!params)
			continue;
		if (!le32(x->d, params, &np) || np > DEX_MAX_PARAMS ||
		    !span_has(x->d.n, params + 4ull, 2ull * np))
			return err_set(
			    "offset %llu: proto_id %u's parameter list at %u does not fit "
			    "the file (or has over %u entries)",
			    (unsigned long long)e + 8, i, params, DEX_MAX_PARAMS);
		for (uint32_t k = 0; k < np; k++) {
			uint16_t t = 0;
			le16(x->d, params + 4ull + 2ull * k, &t);
			if (t >= x->type.n)
				return bad_index(params + 4ull + 2ull * k, "type_list item", k,
				                 "type", t, x->type.n);
		}
	}
	return 0;
}

/* field_id_item and method_id_item share a layout: u16 class, u16 type or proto, u32 name. */
static int check_members(const struct dex_ids *x, const struct dex_table *t, const char *entry,
                         const char *second, uint32_t nsecond)
{
	for (uint32_t i = 0; i < t->n; i++) {
		uint64_t e = t->off + 8ull * i;
		uint16_t cls = 0, sec = 0;
		uint32_t name = 0;
		le16(x->d, e, &cls);
		le16(x->d, e + 2, &sec);
		le32(x->d, e + 4, &name);
		if (cls >= x->type.n)
			return bad_index(e, entry, i, "type", cls, x->type.n);
		if (sec >= nsecond)
			return bad_index(e + 2, entry, i, second, sec, nsecond);
		if (name >= x->str.n)
			return bad_index(e + 4, entry, i, "string", name, x->str.n);
	}
	return 0;
}

int dex_ids_open(struct dex_ids *x, struct span d)
{
	memset(x, 0, sizeof(*x));
	x->d = d;
	uint32_t hsize = 0, endian = 0;
	if (d.n < 0x70 || memcmp(d.p, "dex\n", 4) != 0)
		return err_set("offset 0: not a DEX file");
	le32(d, 36, &hsize);
	le32(d, 40, &endian);
	if (endian != 0x12345678u)
		return err_set("offset 40: endian tag 0x%08x (only little-endian DEX is defined)",
		               endian);
	if (hsize < 0x70 || hsize > d.n)
		return err_set("offset 36: header size %u", hsize);
	if (table(x, &x->str, 56, 4, DEX_MAX_STRINGS, "string") < 0 ||
	    table(x, &x->type, 64, 4, DEX_MAX_IDS, "type") < 0 ||
	    table(x, &x->proto, 72, 12, DEX_MAX_IDS, "proto") < 0 ||
	    table(x, &x->field, 80, 8, DEX_MAX_IDS, "field") < 0 ||
	    table(x, &x->method, 88, 8, DEX_MAX_IDS, "method") < 0 ||
	    table(x, &x->cls, 96, 32, DEX_MAX_IDS, "class_def") < 0)
		return -1;
	for (uint32_t i = 0; i < x->type.n; i++) {
		uint32_t s = 0;
		le32(d, x->type.off + 4ull * i, &s);
		if (s >= x->str.n)
			return bad_index(x->type.off + 4ull * i, "type_id", i, "string", s,
			                 x->str.n);
	}
	if (check_protos(x) < 0 || check_members(x, &x->field, "field_id", "type", x->type.n) < 0 ||
	    check_members(x, &x->method, "method_id", "proto", x->proto.n) < 0)
		return -1;
	for (uint32_t i = 0; i < x->cls.n; i++) {
		uint64_t e = x->cls.off + 32ull * i;
		uint32_t c = 0, super = 0;
		le32(d, e, &c);
		le32(d, e + 8, &super);
		if (c >= x->type.n)
			return bad_index(e, "class_def", i, "type", c, x->type.n);
		if (super != DEX_NO_INDEX && super >= x->type.n)
			return bad_index(e + 8, "class_def", i, "superclass type", super,
			                 x->type.n);
	}
	return 0;
}

bool dex_string(const struct dex_ids *x, uint32_t i, struct dex_str *out)
{
	uint32_t so, units;
	if (i >= x->str.n || !le32(x->d, x->str.off + 4ull * i, &so))
		return false;
	uint64_t p = so;
	if (!rd_uleb32(x->d, &p, &units) || p >= x->d.n)
		return false;
	/* MUTF-8 takes at most 3 bytes a UTF-16 unit: never look further than that */
	uint64_t max = 3ull * units + 1;
	if (max > DEX_MAX_NAME)
		max = DEX_MAX_NAME;
	if (max > x->d.n - p)
		max = x->d.n - p;
	const uint8_t *z = memchr(x->d.p + p, 0, (size_t)max);
	if (!z)
		return false;
	out->p = (const char *)x->d.p + p;
	out->n = (size_t)(z - (x->d.p + p));
	return true;
}

bool dex_type(const struct dex_ids *x, uint32_t i, struct dex_str *out)
{
	uint32_t s;
	return i < x->type.n && le32(x->d, x->type.off + 4ull * i, &s) && dex_string(x, s, out);
}

bool dex_method(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *name,
                struct dex_str *shorty)
{
	uint64_t e = x->method.off + 8ull * i;
	uint16_t c, proto;
	uint32_t n, sh;
	if (i >= x->method.n || !le16(x->d, e, &c) || !le16(x->d, e + 2, &proto) ||
	    !le32(x->d, e + 4, &n) || !le32(x->d, x->proto.off + 12ull * proto, &sh))
		return false;
	return dex_type(x, c, cls) && dex_string(x, n, name) && dex_string(x, sh, shorty);
}

bool dex_field(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *name)
{
	uint64_t e = x->field.off + 8ull * i;
	uint16_t c;
	uint32_t n;
	if (i >= x->field.n || !le16(x->d, e, &c) || !le32(x->d, e + 4, &n))
		return false;
	return dex_type(x, c, cls) && dex_string(x, n, name);
}

bool dex_class(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *super)
{
	uint64_t e = x->cls.off + 32ull * i;
	uint32_t c, s;
	if (i >= x->cls.n || !le32(x->d, e, &c) || !le32(x->d, e + 8, &s) || !dex_type(x, c, cls))
		return false;
	super->p = "";
	super->n = 0;
	return s == DEX_NO_INDEX || dex_type(x, s, super);
}
