/*
 * Walk the method bodies of a DEX file for the methods they invoke
 * (dexcode.h). Every offset and length comes from the file, so each is
 * checked against it before use; instruction widths come from the opcode
 * (a fixed table), payload lengths from their headers.
 */
#include "probes/app/dexcode.h"
#include "lib/err.h"

#include <string.h>

/* Width in 16-bit code units of each opcode's format ("Dalvik bytecode",
 * the format column: the digit of 10x, 22c, 35c ... is the width). Unused
 * opcodes are 10x (1 unit); 0x00 is nop unless it starts a payload. */
static unsigned op_width(uint8_t op)
{
	if (op <= 0x01 || op == 0x04 || op == 0x07 || (op >= 0x0a && op <= 0x12))
		return 1; /* nop, move, move-wide, move-object, move-result*, return*, const/4 */
	switch (op) {
	case 0x02:
	case 0x05:
	case 0x08: /* move, -wide, -object /from16: 22x */
	case 0x13:
	case 0x15:
	case 0x16:
	case 0x19: /* const/16, /high16, -wide/16, -wide/high16 */
	case 0x1a:
	case 0x1c:
	case 0x1f:
	case 0x20:
	case 0x22:
	case 0x23: /* 21c, 22c */
	case 0x29: /* goto/16 */
	case 0xfe:
	case 0xff: /* const-method-handle, const-method-type */
		return 2;
	case 0x03:
	case 0x06:
	case 0x09: /* move, -wide, -object /16: 32x */
	case 0x14:
	case 0x17:
	case 0x1b: /* const, const-wide/32, const-string/jumbo */
	case 0x24:
	case 0x25:
	case 0x26:
	case 0x2a:
	case 0x2b:
	case 0x2c: /* 35c 3rc 31t 30t */
		return 3;
	case 0x18: /* const-wide: 51l */
		return 5;
	case 0x1d:
	case 0x1e:
	case 0x21:
	case 0x27:
	case 0x28: /* monitor-*, array-length, throw, goto */
		return 1;
	case 0xfa:
	case 0xfb: /* invoke-polymorphic(/range): 45cc, 4rcc */
		return 4;
	case 0xfc:
	case 0xfd: /* invoke-custom(/range): 35c, 3rc */
		return 3;
	default:
		break;
	}
	if (op >= 0x2d && op <= 0x3d)
		return 2; /* cmp*: 23x; if-test: 22t; if-testz: 21t */
	if (op >= 0x44 && op <= 0x6d)
		return 2; /* aget/aput: 23x; iget/iput: 22c; sget/sput: 21c */
	if ((op >= 0x6e && op <= 0x72) || (op >= 0x74 && op <= 0x78))
		return 3; /* invoke-kind(/range): 35c, 3rc */
	if (op >= 0x90 && op <= 0xaf)
		return 2; /* binop: 23x */
	if (op >= 0xd0 && op <= 0xe2)
		return 2; /* binop/lit16: 22s; binop/lit8: 22b */
	return 1;         /* unop, binop/2addr (12x) and the unused opcodes (10x) */
}

/* Invokes whose second unit is a method_id (invoke-custom's is a call site). */
static bool invokes_method(uint8_t op)
{
	return (op >= 0x6e && op <= 0x72) || (op >= 0x74 && op <= 0x78) || op == 0xfa || op == 0xfb;
}

/* The length in code units of the payload at unit pc (ident 0x0100,
 * 0x0200 or 0x0300), or 0 when its header does not fit. */
static uint64_t payload_len(struct span d, uint64_t at, uint16_t ident)
{
	uint16_t n16, width;
	uint32_t n32;
	switch (ident) {
	case 0x0100: /* packed-switch: ident, size, first_key (2), targets (2 each) */
		return le16(d, at + 2, &n16) ? 4 + 2ull * n16 : 0;
	case 0x0200: /* sparse-switch: ident, size, keys (2 each), targets (2 each) */
		return le16(d, at + 2, &n16) ? 2 + 4ull * n16 : 0;
	default: /* 0x0300 fill-array-data: ident, element_width, size (2), data */
		if (!le16(d, at + 2, &width) || !le32(d, at + 4, &n32))
			return 0;
		return 4 + ((uint64_t)n32 * width + 1) / 2;
	}
}

/* Integer constants of registers v0..v255, as last loaded in code order. */
struct regs {
	uint32_t val[256];
	bool known[256];
};

/* Track const loads; any other instruction forgets the registers it may
 * write (its A and AA fields, and AA+1 for a wide result): forgetting too
 * many only loses a constant, never invents one. */
static void track(struct regs *g, struct span d, uint64_t at, uint16_t u, uint8_t op)
{
	uint8_t aa = (uint8_t)(u >> 8), a = aa & 0x0f;
	uint16_t lo = 0, hi = 0;
	switch (op) {
	case 0x12: /* const/4 vA, #+B: a signed nibble */
		g->val[a] = (uint32_t)(int32_t)((int8_t)(u >> 8) >> 4);
		g->known[a] = true;
		return;
	case 0x13: /* const/16 vAA, #+BBBB */
		le16(d, at + 2, &lo);
		g->val[aa] = (uint32_t)(int32_t)(int16_t)lo;
		g->known[aa] = true;
		return;
	case 0x14: /* const vAA, #+BBBBBBBB */
		le16(d, at + 2, &lo);
		le16(d, at + 4, &hi);
		g->val[aa] = (uint32_t)lo | (uint32_t)hi << 16;
		g->known[aa] = true;
		return;
	case 0x15: /* const/high16 vAA, #+BBBB0000 */
		le16(d, at + 2, &hi);
		g->val[aa] = (uint32_t)hi << 16;
		g->known[aa] = true;
		return;
	default:
		g->known[a] = g->known[aa] = false;
		g->known[(uint8_t)(aa + 1)] = false;
	}
}

/* The register an invoke passes as its third argument, or -1. */
static int arg2_reg(struct span d, uint64_t at, uint16_t u, uint8_t op)
{
	uint16_t regs = 0, first = 0;
	if ((op >= 0x6e && op <= 0x72) || op == 0xfa) { /* 35c: A|G op, BBBB, F|E|D|C */
		if ((u >> 12) < 3 || !le16(d, at + 4, &regs))
			return -1;
		return (regs >> 8) & 0x0f; /* C, D, E: E is the third */
	}
	if ((op >= 0x74 && op <= 0x78) || op == 0xfb) { /* 3rc: AA op, BBBB, CCCC */
		if ((u >> 8) < 3 || !le16(d, at + 4, &first) || first + 2u > 255)
			return -1;
		return first + 2;
	}
	return -1;
}

/* One code_item at off: the OR of the marks of what it invokes, or -1. */
static int walk_code(const struct dex_ids *x, uint32_t off, const uint8_t *mark, uint64_t *budget,
                     uint8_t *marks, uint32_t *args)
{
	struct regs g;
	memset(g.known, 0, sizeof(g.known));
	struct span d = x->d;
	uint32_t n = 0;
	if (!le32(d, (uint64_t)off + 12, &n) || (uint64_t)off + 16 + 2ull * n > d.n)
		return err_set("offset %u: code_item: %u code units run past the end of the file",
		               off, n);
	if (n > *budget)
		return err_set("offset %u: code_item: the file's bodies exceed the walk's budget",
		               off);
	*budget -= n;
	uint64_t base = (uint64_t)off + 16;
	for (uint64_t pc = 0; pc < n;) {
		uint16_t u = 0, idx = 0;
		le16(d, base + 2 * pc, &u); /* inside: checked above */
		uint8_t op = (uint8_t)u;
		uint64_t len = op_width(op);
		if (op == 0x00 && (u == 0x0100 || u == 0x0200 || u == 0x0300)) {
			len = payload_len(d, base + 2 * pc, u);
			if (!len)
				return err_set("offset %llu: a payload's header runs past the code",
				               (unsigned long long)(base + 2 * pc));
		}
		if (pc + len > n)
			return err_set(
			    "offset %llu: opcode 0x%02x runs past the end of its code_item",
			    (unsigned long long)(base + 2 * pc), op);
		if (invokes_method(op)) {
			le16(d, base + 2 * pc + 2, &idx);
			if (idx < x->method.n) {
				*marks |= mark[idx];
				int r = mark[idx] & DEX_MARK_ARG2
				            ? arg2_reg(d, base + 2 * pc, u, op)
				            : -1;
				if (r >= 0 && g.known[r])
					*args |= g.val[r];
			}
		}
		track(&g, d, base + 2 * pc, u, op);
		pc += len;
	}
	return 0;
}

/* Charge n units of work (code units, or bytes of class_data) to *budget. */
static int charge(uint64_t *budget, uint64_t n, uint64_t at, const char *what)
{
	if (!budget_take(budget, n))
		return err_set("offset %llu: %s: the file's classes exceed the walk's budget",
		               (unsigned long long)at, what);
	return 0;
}

/* The encoded_method list of one class_data_item at *p: count methods. */
static int walk_methods(const struct dex_ids *x, uint64_t *p, uint32_t count, const uint8_t *mark,
                        uint64_t *budget, dex_code_fn fn, void *ctx)
{
	uint32_t idx = 0;
	for (uint32_t k = 0; k < count; k++) {
		uint64_t at = *p;
		uint32_t diff, flags, code;
		if (!rd_uleb32(x->d, p, &diff) || !rd_uleb32(x->d, p, &flags) ||
		    !rd_uleb32(x->d, p, &code))
			return err_set("offset %llu: encoded_method runs past the end of the file",
			               (unsigned long long)at);
		/* class_data_items that many classes share are read once each */
		if (charge(budget, *p - at, at, "encoded_method") < 0)
			return -1;
		if (diff > x->method.n || idx + diff >= x->method.n)
			return err_set(
			    "offset %llu: encoded_method: method index %llu, the file has %u",
			    (unsigned long long)at, (unsigned long long)idx + diff, x->method.n);
		idx += diff;
		if (!code)
			continue; /* abstract or native */
		uint8_t marks = 0;
		uint32_t args = 0;
		if (walk_code(x, code, mark, budget, &marks, &args) < 0)
			return -1;
		if (marks)
			fn(ctx, idx, marks, args);
	}
	return 0;
}

int dex_code_walk(const struct dex_ids *x, const uint8_t *mark, uint64_t *budget, dex_code_fn fn,
                  void *ctx)
{
	for (uint32_t i = 0; i < x->cls.n; i++) {
		uint32_t data;
		uint64_t e = x->cls.off + 32ull * i;
		if (!le32(x->d, e + 24, &data))
			return err_set("offset %llu: class_def_item runs past the end of the file",
			               (unsigned long long)e);
		if (!data)
			continue; /* a marker interface or an empty class */
		uint64_t p = data;
		uint32_t nsf, nif, ndm, nvm, skip;
		if (!rd_uleb32(x->d, &p, &nsf) || !rd_uleb32(x->d, &p, &nif) ||
		    !rd_uleb32(x->d, &p, &ndm) || !rd_uleb32(x->d, &p, &nvm))
			return err_set("offset %u: class_data_item runs past the end of the file",
			               data);
		/* encoded_field: two ULEB128 each; each takes at least two bytes */
		if ((uint64_t)nsf + nif > (x->d.n - p) / 2)
			return err_set("offset %u: class_data_item: %u fields do not fit the file",
			               data, nsf + nif);
		for (uint64_t f = 0; f < 2ull * (nsf + nif); f++)
			if (!rd_uleb32(x->d, &p, &skip))
				return err_set(
				    "offset %u: class_data_item: a field runs past the end of "
				    "the file",
				    data);
		if (charge(budget, p - data, data, "class_data_item") < 0)
			return -1;
		if (walk_methods(x, &p, ndm, mark, budget, fn, ctx) < 0 ||
		    walk_methods(x, &p, nvm, mark, budget, fn, ctx) < 0)
			return -1;
	}
	return 0;
}
