/*
 * The scanner's first stage over one buffer (scan_int.h): the fast pass.
 * judge.c is the second stage; stream.c cuts a stream into buffers.
 *
 * 64 bytes at a time are classified into three bitmasks: "digit or mask
 * character" (0-9 * # x X), "hex digit" and "separator" (space, dash).
 * Runs of class bytes joined by one separator after a run of 4 or more
 * form a chain; only a chain of 13 or more class bytes can hold a card
 * number. A fourth mask, class bytes plus joinable separators, finds with
 * shifts the blocks that hold 13 such bytes in a row; the others (prose,
 * dates, times, ids, amounts: nearly all of a log) are never walked. In the
 * blocks that are, runs are taken with ctz, short ones dropped with bit
 * operations, and chains handed to judge_chain(). Hex runs of 16 or more
 * go to judge_hex() for PIN blocks.
 *
 * When the stream looks for keys and secrets too (secret.c), the AVX2 mask
 * pass also computes that finder's anchor masks (masks_avx2_anchors), kept
 * in the scan_state for secret_core().
 *
 * A non-final buffer leaves the chains that start in its last SCAN_MARGIN
 * bytes to the next call and says where that call resumes, so a number
 * across a block boundary is judged once, with all the context it needs.
 */
#include "probes/pan/scan_int.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Class, hex and separator masks of the 64-byte blocks at b[p], b[p+64],
 * ... (nb of them); bytes at or past n are none of them. Computed a batch
 * at a time so the choice between the AVX2 and the SSE2 code is made once
 * per batch, not per block: baseline x86-64 has SSE2 only, and AVX2
 * halves the work where the CPU has it (__builtin_cpu_supports).
 */
#define MASK_BATCH 16

static void masks_tail(const uint8_t *b, size_t p, size_t n, uint8_t tail[64])
{
	memset(tail, 0, 64);
	memcpy(tail, b + p, n - p);
}

#ifdef __SSE2__
static void masks_sse2(const uint8_t *b, size_t p, size_t n, uint64_t *cm, uint64_t *hm,
                       uint64_t *sm, size_t nb)
{
	const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9), ca = _mm_set1_epi8('a');
	const __m128i c5 = _mm_set1_epi8(5), c20 = _mm_set1_epi8(0x20), cx = _mm_set1_epi8('x');
	const __m128i cs = _mm_set1_epi8('*'), ch = _mm_set1_epi8('#');
	const __m128i csp = _mm_set1_epi8(' '), cd = _mm_set1_epi8('-');
	uint8_t tail[64];
	for (size_t k = 0; k < nb; k++, p += 64) {
		const uint8_t *q = b + p;
		if (p + 64 > n) {
			masks_tail(b, p, n, tail);
			q = tail;
		}
		uint64_t c = 0, h = 0, sp = 0;
		for (int i = 0; i < 4; i++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * i));
			__m128i d = _mm_sub_epi8(v, c0);
			__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d);
			__m128i l = _mm_or_si128(v, c20);
			__m128i a = _mm_sub_epi8(l, ca);
			__m128i isaf = _mm_cmpeq_epi8(_mm_min_epu8(a, c5), a);
			__m128i ism = _mm_or_si128(
			    _mm_cmpeq_epi8(l, cx),
			    _mm_or_si128(_mm_cmpeq_epi8(v, cs), _mm_cmpeq_epi8(v, ch)));
			__m128i iss = _mm_or_si128(_mm_cmpeq_epi8(v, csp), _mm_cmpeq_epi8(v, cd));
			c |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(isd, ism))
			     << (16 * i);
			h |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(isd, isaf))
			     << (16 * i);
			sp |= (uint64_t)(uint16_t)_mm_movemask_epi8(iss) << (16 * i);
		}
		cm[k] = c;
		hm[k] = h;
		sm[k] = sp;
	}
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
__attribute__((target("avx2"))) static void masks_avx2(const uint8_t *b, size_t p, size_t n,
                                                       uint64_t *cm, uint64_t *hm, uint64_t *sm,
                                                       size_t nb)
{
	const __m256i c0 = _mm256_set1_epi8('0'), c9 = _mm256_set1_epi8(9);
	const __m256i ca = _mm256_set1_epi8('a'), c5 = _mm256_set1_epi8(5);
	const __m256i c20 = _mm256_set1_epi8(0x20), cx = _mm256_set1_epi8('x');
	const __m256i cs = _mm256_set1_epi8('*'), ch = _mm256_set1_epi8('#');
	const __m256i csp = _mm256_set1_epi8(' '), cd = _mm256_set1_epi8('-');
	uint8_t tail[64];
	for (size_t k = 0; k < nb; k++, p += 64) {
		const uint8_t *q = b + p;
		if (p + 64 > n) {
			masks_tail(b, p, n, tail);
			q = tail;
		}
		uint64_t r[3][2];
		for (int i = 0; i < 2; i++) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32 * i));
			__m256i d = _mm256_sub_epi8(v, c0);
			__m256i isd = _mm256_cmpeq_epi8(_mm256_min_epu8(d, c9), d);
			__m256i l = _mm256_or_si256(v, c20);
			__m256i a = _mm256_sub_epi8(l, ca);
			__m256i isaf = _mm256_cmpeq_epi8(_mm256_min_epu8(a, c5), a);
			__m256i ism = _mm256_or_si256(
			    _mm256_cmpeq_epi8(l, cx),
			    _mm256_or_si256(_mm256_cmpeq_epi8(v, cs), _mm256_cmpeq_epi8(v, ch)));
			__m256i iss =
			    _mm256_or_si256(_mm256_cmpeq_epi8(v, csp), _mm256_cmpeq_epi8(v, cd));
			r[0][i] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, ism));
			r[1][i] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, isaf));
			r[2][i] = (uint32_t)_mm256_movemask_epi8(iss);
		}
		cm[k] = r[0][0] | r[0][1] << 32;
		hm[k] = r[1][0] | r[1][1] << 32;
		sm[k] = r[2][0] | r[2][1] << 32;
	}
}
#endif

#ifdef HAVE_AVX2_PATH
/*
 * masks_avx2 with the secrets finder's anchor masks (secret.c) in the same
 * pass: its two PSHUFB lookups, permute and alignr per 32 bytes issue on
 * the shuffle port while the compares above keep the others busy, so the
 * anchors cost little beside the card scan. am[k]: bit i is the anchor
 * (byte p+64k+i-1, byte p+64k+i).
 */
__attribute__((target("avx2"))) static void
masks_avx2_anchors(const uint8_t *b, size_t p, size_t n, uint64_t *cm, uint64_t *hm, uint64_t *sm,
                   size_t nb, const struct anchor_tables *t, uint64_t *am)
{
	const __m256i c0 = _mm256_set1_epi8('0'), c9 = _mm256_set1_epi8(9);
	const __m256i ca = _mm256_set1_epi8('a'), c5 = _mm256_set1_epi8(5);
	const __m256i c20 = _mm256_set1_epi8(0x20), cx = _mm256_set1_epi8('x');
	const __m256i cs = _mm256_set1_epi8('*'), ch = _mm256_set1_epi8('#');
	const __m256i csp = _mm256_set1_epi8(' '), cd = _mm256_set1_epi8('-');
	const __m256i tlo =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t->lo));
	const __m256i thi =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t->hi));
	const __m256i nib = _mm256_set1_epi8(15), zero = _mm256_setzero_si256();
	/* the class of the byte before p, in the last lane position */
	uint8_t pb = p > 0 ? b[p - 1] : 0;
	uint8_t pc = (uint8_t)(t->lo[pb & 15] & t->hi[pb >> 4]);
	__m256i last = _mm256_insert_epi8(zero, (char)pc, 31);
	uint8_t tail[64];
	for (size_t k = 0; k < nb; k++, p += 64) {
		const uint8_t *q = b + p;
		if (p + 64 > n) {
			masks_tail(b, p, n, tail);
			q = tail;
		}
		uint64_t r[4][2];
		for (int i = 0; i < 2; i++) {
			__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32 * i));
			__m256i d = _mm256_sub_epi8(v, c0);
			__m256i isd = _mm256_cmpeq_epi8(_mm256_min_epu8(d, c9), d);
			__m256i l = _mm256_or_si256(v, c20);
			__m256i a = _mm256_sub_epi8(l, ca);
			__m256i isaf = _mm256_cmpeq_epi8(_mm256_min_epu8(a, c5), a);
			__m256i ism = _mm256_or_si256(
			    _mm256_cmpeq_epi8(l, cx),
			    _mm256_or_si256(_mm256_cmpeq_epi8(v, cs), _mm256_cmpeq_epi8(v, ch)));
			__m256i iss =
			    _mm256_or_si256(_mm256_cmpeq_epi8(v, csp), _mm256_cmpeq_epi8(v, cd));
			__m256i vh = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
			__m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(tlo, _mm256_and_si256(v, nib)),
			                               _mm256_shuffle_epi8(thi, vh));
			__m256i prev =
			    _mm256_alignr_epi8(cls, _mm256_permute2x128_si256(last, cls, 0x21), 15);
			last = cls;
			__m256i hit =
			    _mm256_and_si256(prev, _mm256_and_si256(_mm256_srli_epi16(cls, 4), nib));
			r[0][i] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, ism));
			r[1][i] = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, isaf));
			r[2][i] = (uint32_t)_mm256_movemask_epi8(iss);
			r[3][i] = (uint32_t)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, zero));
		}
		cm[k] = r[0][0] | r[0][1] << 32;
		hm[k] = r[1][0] | r[1][1] << 32;
		sm[k] = r[2][0] | r[2][1] << 32;
		am[k] = r[3][0] | r[3][1] << 32;
	}
}
#endif

#ifndef __SSE2__
static void masks_sse2(const uint8_t *b, size_t p, size_t n, uint64_t *cm, uint64_t *hm,
                       uint64_t *sm, size_t nb)
{
	uint8_t tail[64];
	for (size_t k = 0; k < nb; k++, p += 64) {
		const uint8_t *q = b + p;
		if (p + 64 > n) {
			masks_tail(b, p, n, tail);
			q = tail;
		}
		uint64_t c = 0, h = 0, sp = 0;
		for (int i = 0; i < 64; i++) {
			c |= (uint64_t)is_class(q[i]) << i;
			h |= (uint64_t)is_hex(q[i]) << i;
			sp |= (uint64_t)is_sep(q[i]) << i;
		}
		cm[k] = c;
		hm[k] = h;
		sm[k] = sp;
	}
}
#endif

typedef void (*masks_fn)(const uint8_t *, size_t, size_t, uint64_t *, uint64_t *, uint64_t *,
                         size_t);

/* ASSAY_PAN_SSE2=1 forces the SSE2 code, so its tests run on AVX2 machines too. */
static masks_fn masks_pick(void)
{
#ifdef HAVE_AVX2_PATH
	__builtin_cpu_init();
	const char *force = getenv("ASSAY_PAN_SSE2");
	if (__builtin_cpu_supports("avx2") && !(force && *force == '1'))
		return masks_avx2;
#endif
	return masks_sse2;
}

/*
 * The runs of m that can matter: those of 4 or more, short ones that
 * follow "class byte, separator" (the last group of 4-4-4-1 or
 * 4-4-4-4-3), and those touching either end of the block (their length
 * is not known here). pm and psm are the previous block's masks. Dates,
 * times and small numbers vanish here without costing a loop turn.
 */
static inline uint64_t runs_that_matter(uint64_t m, uint64_t sm, uint64_t pm, uint64_t psm)
{
	uint64_t g4 = m & (m >> 1) & (m >> 2) & (m >> 3);
	uint64_t r = g4 | (g4 << 1) | (g4 << 2) | (g4 << 3);
	uint64_t starts = m & ~((m << 1) | (pm >> 63));
	uint64_t k = starts & ((sm << 1) | (psm >> 63)) & ((m << 2) | (pm >> 62));
	k |= (k << 1) & m;
	k |= (k << 1) & m;
	uint64_t low = (~m & (m + 1)) - 1;
	uint64_t inv = ~m;
	unsigned lead = inv ? (unsigned)__builtin_clzll(inv) : 64;
	uint64_t high = lead == 0 ? 0 : lead == 64 ? ~(uint64_t)0 : ~(uint64_t)0 << (64 - lead);
	return r | k | low | high;
}

static void chain_done(struct scan *sc)
{
	int k = sc->ng;
	sc->ng = 0;
	sc->last_end = sc->ge[k - 1];
	if (sc->base + sc->gs[0] < sc->st->skip_until)
		return; /* inside track data reported already */
	sc->st->candidates++;
	judge_chain(sc, k);
}

/* One maximal run of class bytes, b[s, e). */
static inline void on_run(struct scan *sc, size_t s, size_t e)
{
	const uint8_t *b = sc->b;
	if (sc->ng > 0) {
		size_t pe = sc->ge[sc->ng - 1], plen = pe - sc->gs[sc->ng - 1];
		if (s == pe + 1 && is_sep(b[pe]) && (sc->ng == 1 || b[pe] == sc->sep) &&
		    plen >= 4 && plen <= RUN_JOIN_MAX && e - s <= RUN_JOIN_MAX &&
		    sc->ng < CHAIN_MAX) {
			sc->sep = b[pe];
			sc->gs[sc->ng] = s;
			sc->ge[sc->ng] = e;
			sc->ng++;
			sc->total += e - s;
			return;
		}
		if (sc->total >= 13) {
			chain_done(sc);
		} else {
			sc->last_end = pe;
			sc->ng = 0;
		}
	}
	/* A run of 1-3 can neither be a number nor lead a chain (groups
	 * before the last have 4 or more): dates, times, small numbers. */
	if (e - s < 4) {
		if (sc->skip_first && s == sc->from)
			sc->skip_first = false;
		return;
	}
	if (!sc->final && s >= sc->limit) {
		sc->stop = true;
		return;
	}
	if (sc->skip_first) {
		sc->skip_first = false;
		if (s == sc->from) {
			sc->last_end = e;
			return;
		}
	}
	sc->gs[0] = s;
	sc->ge[0] = e;
	sc->ng = 1;
	sc->total = e - s;
}

/*
 * Feed one block's runs to the chain machine: cm and sm are its class and
 * separator masks, pm and psm the previous block's; bits below cut are
 * ignored (a block revisited from the middle). A run that reaches the end
 * of the block stays open in sc->open until a later block ends it.
 */
static inline void block_runs(struct scan *sc, size_t blk, uint64_t cm, uint64_t sm, uint64_t pm,
                              uint64_t psm, unsigned cut)
{
	uint64_t m = runs_that_matter(cm, sm, pm, psm);
	if (cut)
		m &= ~(uint64_t)0 << cut;
	if (sc->open != SIZE_MAX) {
		if (m == ~(uint64_t)0)
			return;
		unsigned len = ctz64(~m);
		on_run(sc, sc->open, blk + len);
		sc->open = SIZE_MAX;
		if (len)
			m &= ~((((uint64_t)1) << len) - 1);
	}
	while (m && !sc->stop) {
		unsigned s = ctz64(m);
		uint64_t t = ~(m >> s);
		unsigned len = t ? ctz64(t) : 64;
		if (s + len >= 64) {
			sc->open = blk + s;
			return;
		}
		on_run(sc, blk + s, blk + s + len);
		m &= ~(((((uint64_t)1) << len) - 1) << s);
	}
}

/* Blocks are being skipped: end the chain in progress, drop an open run. */
static void chain_flush(struct scan *sc)
{
	if (sc->ng > 0) {
		if (sc->total >= 13)
			chain_done(sc);
		else
			sc->last_end = sc->ge[sc->ng - 1];
		sc->ng = 0;
	}
	sc->open = SIZE_MAX;
}

static int cmp_hit(const void *pa, const void *pb)
{
	const struct scan_hit *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (int)a->h.kind - (int)b->h.kind;
}

size_t scan_core(const struct pan_config *cfg, struct scan_state *st, const uint8_t *b, size_t n,
                 size_t from, bool final, uint64_t base, struct scan_hits *out)
{
	struct scan sc = {
	    .cfg = cfg,
	    .st = st,
	    .b = b,
	    .n = n,
	    .from = from,
	    .limit = final ? n : (n > SCAN_MARGIN ? n - SCAN_MARGIN : 0),
	    .final = final,
	    .base = base,
	    .out = out,
	    .last_end = from,
	    .open = SIZE_MAX,
	};
	size_t first = out->n;
	st->am_valid = false; /* until this call computes them */
	if (!final && sc.limit <= from)
		return from;
	if (from > 0 && from < n && is_class(b[from - 1]) && is_class(b[from]))
		sc.skip_first = true;
	/* a hex run going on from before `from` was judged by the last call */
	sc.hex_done = from;
	while (sc.hex_done < n && from > 0 && is_hex(b[from - 1]) && is_hex(b[sc.hex_done]))
		sc.hex_done++;

	unsigned hex_trail = 0, fcarry = 0;
	size_t hex_limit = final ? n : sc.limit;
	size_t blk;
	uint64_t pcm = 0, psm = 0, ppcm = 0, ppsm = 0, pp4 = 0;
	bool prev_fed = true; /* the previous block went through the chain machine */
	masks_fn masks = masks_pick();
	uint64_t bcm[MASK_BATCH], bhm[MASK_BATCH], bsm[MASK_BATCH];
	/* the secrets finder's anchors in the same pass, where AVX2 is taken */
	struct anchor_tables at;
	bool anchors = false;
#ifdef HAVE_AVX2_PATH
	if (st->want_anchors && masks == masks_avx2 && n > from) {
		size_t need = (n - from + 63) / 64;
		if (st->am_cap < need) {
			free(st->am);
			st->am = xmalloc(need * sizeof(*st->am));
			st->am_cap = need;
		}
		anchor_tables_init(&at);
		anchors = true;
		st->am_valid = true;
		st->am_from = st->am_end = from;
	}
#endif
	size_t bat = 0, nbat = 0;
	for (blk = from; blk < n && !sc.stop; blk += 64) {
		if (bat == nbat) {
			size_t left = (n - blk + 63) / 64;
			nbat = left < MASK_BATCH ? left : MASK_BATCH;
#ifdef HAVE_AVX2_PATH
			if (anchors) {
				masks_avx2_anchors(b, blk, n, bcm, bhm, bsm, nbat, &at,
				                   st->am + (blk - from) / 64);
				st->am_end = blk + 64 * nbat < n ? blk + 64 * nbat : n;
			} else
#endif
				masks(b, blk, n, bcm, bhm, bsm, nbat);
			bat = 0;
		}
		uint64_t cm = bcm[bat], hm = bhm[bat], sm = bsm[bat];
		bat++;

		if (hm) {
			uint64_t x = hm;
			x &= x >> 1;
			x &= x >> 2;
			x &= x >> 4;
			x &= x >> 8;
			unsigned lead = ~hm ? ctz64(~hm) : 64;
			if (x || (hex_trail && hex_trail + lead >= 16))
				judge_hex(&sc, blk - hex_trail, blk + 64 < n ? blk + 64 : n, from,
				          hex_limit);
			hex_trail = ~hm ? (unsigned)__builtin_clzll(~hm) : hex_trail + 64;
			if (hex_trail > 64)
				hex_trail = 64;
		} else {
			hex_trail = 0;
		}

		/*
		 * F: class bytes, and separators with 4 class bytes before and
		 * one after (the next block's first byte counts as one). Every
		 * chain of 13 or more class bytes lies in a run of 13 or more
		 * in F; a block that has none (and is not crossed by one) is
		 * not walked at all.
		 */
		uint64_t p4 = cm & ((cm << 1) | (pcm >> 63)) & ((cm << 2) | (pcm >> 62)) &
		              ((cm << 3) | (pcm >> 61));
		uint64_t fill = sm & ((p4 << 1) | (pp4 >> 63)) & ((cm >> 1) | ((uint64_t)1 << 63));
		uint64_t f = cm | fill;
		uint64_t a = f & (f >> 1);
		a &= a >> 2;
		a &= a >> 4;
		a &= a >> 5;
		unsigned flead = ~f ? ctz64(~f) : 64;
		if (a || (flead && fcarry + flead >= 13)) {
			/* a run of F coming in from a block not walked began fcarry bytes back */
			if (!prev_fed && flead && fcarry && blk >= from + 64)
				block_runs(&sc, blk - 64, pcm, psm, ppcm, ppsm, 64 - fcarry);
			block_runs(&sc, blk, cm, sm, pcm, psm, 0);
			prev_fed = true;
		} else {
			if (prev_fed) {
				/* a run open at the edge ends in this block's first bytes */
				if (sc.open != SIZE_MAX)
					on_run(&sc, sc.open, blk + (~cm ? ctz64(~cm) : 64));
				sc.open = SIZE_MAX;
				if (!sc.stop)
					chain_flush(&sc);
			}
			prev_fed = false;
		}
		fcarry = ~f ? (unsigned)__builtin_clzll(~f) : fcarry + 64;
		if (fcarry > 4096)
			fcarry = 4096;
		ppcm = pcm;
		ppsm = psm;
		pcm = cm;
		psm = sm;
		pp4 = p4;
	}
	if (!sc.stop && sc.open != SIZE_MAX)
		on_run(&sc, sc.open, n);
	if (!sc.stop && sc.ng > 0) {
		if (sc.total >= 13)
			chain_done(&sc);
		else
			sc.last_end = sc.ge[sc.ng - 1];
	}

	size_t next = final ? n : (sc.last_end > sc.limit ? sc.last_end : sc.limit);
	/* Hex runs from the block the loop stopped in (a run crossing into
	 * the next block is seen only there) up to `next`. */
	if (!final) {
		size_t lo = sc.stop && blk > from ? blk - 64 : blk;
		judge_hex(&sc, lo < n ? lo : n, next, from, next);
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(out->v[0]), cmp_hit);
	return next;
}
