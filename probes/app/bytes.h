/*
 * Bounded reads of little- and big-endian integers from a byte span, for
 * every wire format the app probe parses (ELF, zip, AXML, DEX, Mach-O,
 * bplist). Each read checks that [off, off + width) lies inside the span
 * and fails otherwise; nothing in probes/app/ reads a file's bytes any
 * other way, so no offset taken from the file is ever trusted.
 */
#ifndef ASSAY_PROBES_APP_BYTES_H
#define ASSAY_PROBES_APP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct span {
	const uint8_t *p;
	size_t n;
};

/* Whether [off, off + len) is inside a span of n bytes (overflow-safe). */
static inline bool span_has(size_t n, uint64_t off, uint64_t len)
{
	return off <= n && len <= n - off;
}

static inline bool rd_u8(struct span s, uint64_t off, uint8_t *v)
{
	if (!span_has(s.n, off, 1))
		return false;
	*v = s.p[off];
	return true;
}

/* ULEB128 at *off (DEX: at most 5 bytes for 32 bits), *off advanced past it. */
static inline bool rd_uleb32(struct span s, uint64_t *off, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 5; i++) {
		uint8_t b;
		if (!rd_u8(s, *off, &b))
			return false;
		(*off)++;
		*v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static inline bool rd_u16(struct span s, uint64_t off, bool be, uint16_t *v)
{
	if (!span_has(s.n, off, 2))
		return false;
	const uint8_t *b = s.p + off;
	*v = be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
	return true;
}

static inline bool rd_u32(struct span s, uint64_t off, bool be, uint32_t *v)
{
	if (!span_has(s.n, off, 4))
		return false;
	const uint8_t *b = s.p + off;
	*v = be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
	        : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
	return true;
}

static inline bool rd_u64(struct span s, uint64_t off, bool be, uint64_t *v)
{
	uint32_t a, b;
	if (!rd_u32(s, off, be, &a) || !rd_u32(s, off + 4, be, &b))
		return false;
	*v = be ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	return true;
}

/* Little-endian shorthands (zip, AXML, DEX, APK Signing Block). */
static inline bool le16(struct span s, uint64_t off, uint16_t *v)
{
	return rd_u16(s, off, false, v);
}
static inline bool le32(struct span s, uint64_t off, uint32_t *v)
{
	return rd_u32(s, off, false, v);
}
static inline bool le64(struct span s, uint64_t off, uint64_t *v)
{
	return rd_u64(s, off, false, v);
}

/* The sub-span [off, off + len), or false when it does not fit. */
static inline bool span_sub(struct span s, uint64_t off, uint64_t len, struct span *out)
{
	if (!span_has(s.n, off, len))
		return false;
	out->p = s.p + off;
	out->n = (size_t)len;
	return true;
}

/*
 * Take n units of work from *budget (NULL: unbounded): false, with the
 * budget left at 0, when it has less. The parsers of structures a file can
 * name many times over (DEX class data and strings, string pools, resource
 * lookups, ELF tables) share one budget per file this way.
 */
static inline bool budget_take(uint64_t *budget, uint64_t n)
{
	if (!budget)
		return true;
	if (n > *budget) {
		*budget = 0;
		return false;
	}
	*budget -= n;
	return true;
}

#endif
