/*
 * The scanner's two stages over one buffer (scan_int.h); stream.c cuts a
 * stream into such buffers.
 *
 * Stage 1, the fast pass: 64 bytes at a time are classified into two
 * bitmasks, "digit or mask character" (0-9 * # x X) and "hex digit". The
 * class mask is walked run by run with ctz; runs joined by one space or
 * dash (after a run of 4 or more) form a chain, and only a chain with 13
 * or more class bytes goes on. Prose costs one test per 64 bytes; a date
 * or a time costs a few bit operations. Hex runs of 16 or more go to the
 * PIN-block check.
 *
 * Stage 2 validates a chain: its groups are split into windows shaped like
 * card numbers (one group of 13-19, 4-4-4-4..., 4-6-5, 4-6-4); a window of
 * digits is a PAN if its IIN names a brand that issues that length and the
 * Luhn digit checks (UnionPay: reported at low confidence when it fails);
 * a window with one block of mask characters is a masked number. Track
 * data, labelled CVVs near card data and labelled PIN blocks are
 * recognised around them. Boundaries follow the anchors (ccsrch, PANhunt,
 * Zeek; notes §1.4): a digit or letter touching the number, a decimal
 * point before or after, a leading '+', or an IBAN's country code and
 * check digits before it disqualify it.
 *
 * No hit carries the digits: masked forms keep 6 + 4, excerpts are masked
 * here (every digit chain of 13 or more digits, every labelled CVV), and
 * the digest is an HMAC under the caller's key.
 */
#include "probes/pan/scan_int.h"
#include "lib/mask.h"
#include "lib/util.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define RUN_JOIN_MAX 32  /* a run longer than this never joins a chain */
#define CHAIN_MAX    8   /* groups in a chain */
#define NEAR         160 /* CVV labels are looked for this far around card data */
#define EXCERPT_SIDE 28
#define TRACK_MAX    120 /* track 1 is at most 79 characters, track 2 40 */

static inline bool is_digit(uint8_t c)
{
	return (uint8_t)(c - '0') < 10;
}

static inline bool is_maskc(uint8_t c)
{
	return c == '*' || c == '#' || c == 'x' || c == 'X';
}

static inline bool is_class(uint8_t c)
{
	return is_digit(c) || is_maskc(c);
}

static inline bool is_sep(uint8_t c)
{
	return c == ' ' || c == '-';
}

static inline bool is_alpha(uint8_t c)
{
	return (uint8_t)((c | 0x20) - 'a') < 26;
}

static inline bool is_word(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static inline bool is_hex(uint8_t c)
{
	return is_digit(c) || (uint8_t)((c | 0x20) - 'a') < 6;
}

static inline unsigned ctz64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

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

/* One group of a chain, classified. */
enum gtype { G_DIGITS, G_MASK, G_JUNK };
struct group {
	size_t s, e;
	enum gtype t;
	uint8_t mc; /* the mask character of a G_MASK group */
};

struct scan {
	const struct pan_config *cfg;
	struct scan_state *st;
	const uint8_t *b;
	size_t n, from, limit;
	bool final;
	uint64_t base;
	struct scan_hits *out;
	/* the chain being built */
	size_t gs[CHAIN_MAX], ge[CHAIN_MAX];
	int ng;
	size_t total; /* class bytes in the chain */
	uint8_t sep;
	size_t last_end; /* end of the last chain seen */
	bool skip_first; /* the first run continues one from before `from` */
	size_t open;     /* start of a run that reached the end of the last block fed */
	bool stop;
	size_t hex_done; /* end of the last hex run looked at */
};

/* --- hits and excerpts --- */

static struct pan_hit *hit_new(struct scan *sc, enum pan_kind kind, size_t s, size_t e)
{
	struct scan_hits *o = sc->out;
	struct scan_hit *x = ARRAY_PUSH(o->v, o->n, o->cap);
	memset(x, 0, sizeof(*x));
	x->start = s;
	x->end = e;
	x->h.kind = kind;
	x->h.conf = PAN_CONF_HIGH;
	x->h.length = e - s;
	return &x->h;
}

/*
 * HMAC-SHA256 of the digits under the caller's key. The MAC context is
 * made once per stream and re-keyed with the same key per hit (a NULL key
 * keeps the previous one): OpenSSL 3's one-shot HMAC() fetches the
 * algorithm on every call, which costs more than the scan around it.
 */
static void hit_digest(struct scan *sc, struct pan_hit *h, const char *digits, size_t nd)
{
	h->ndigits = (unsigned)nd;
	if (!sc->cfg->hmac_key)
		return;
	struct scan_state *st = sc->st;
	if (!st->mac) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		st->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
		                       OSSL_PARAM_construct_end()};
		if (!st->mac ||
		    !EVP_MAC_init(st->mac, sc->cfg->hmac_key, sc->cfg->hmac_key_len, params)) {
			EVP_MAC_CTX_free(st->mac);
			st->mac = NULL;
			return;
		}
	} else if (!EVP_MAC_init(st->mac, NULL, 0, NULL)) {
		return;
	}
	size_t len = 0;
	if (EVP_MAC_update(st->mac, (const unsigned char *)digits, nd) &&
	    EVP_MAC_final(st->mac, h->digest, &len, sizeof(h->digest)) && len == 32)
		h->has_digest = true;
}

void scan_state_free(struct scan_state *st)
{
	EVP_MAC_CTX_free(st->mac);
	st->mac = NULL;
}

/* "411111******1111" from the digits of a card number (6 + 4 kept). */
static void masked_of(char *out, const char *digits, size_t nd)
{
	mask_pan(out, digits, nd);
}

/*
 * In t[0, n), every chain of digit groups joined by single spaces or
 * dashes that holds 13 or more digits keeps its first 6 and last 4 digits:
 * the context of an excerpt may hold other card numbers, valid or not.
 */
static void excerpt_mask_chains(char *t, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (!is_digit((uint8_t)t[i])) {
			i++;
			continue;
		}
		size_t s = i, nd = 0;
		for (;;) {
			while (i < n && is_digit((uint8_t)t[i]))
				i++, nd++;
			if (i + 1 < n && is_sep((uint8_t)t[i]) && is_digit((uint8_t)t[i + 1]))
				i++;
			else
				break;
		}
		if (nd < 13)
			continue;
		size_t k = 0;
		for (size_t p = s; p < i; p++)
			if (is_digit((uint8_t)t[p])) {
				if (k >= 6 && k + 4 < nd)
					t[p] = '*';
				k++;
			}
	}
}

/*
 * The CVV labels (PCI DSS glossary: CAV2/CVC2/CID/CVV2/CVN2; the Chinese
 * terms on UnionPay cards and forms). A label may run on in letters
 * ("cvvCode"), then separators, then the 3-4 digit value.
 */
static const char *const cvv_labels[] = {
    "cvv",           "cvc",          "cvn",    "cav",    "cid",    "csc",  "card verification",
    "security code", "securitycode", "安全码", "校验码", "验证码", "cvv2", "cvc2",
    "cvn2",
};

static bool label_at(const uint8_t *b, size_t i, size_t n, const char *label, size_t *end)
{
	size_t k = strlen(label);
	if (i + k > n)
		return false;
	for (size_t j = 0; j < k; j++) {
		uint8_t c = b[i + j], l = (uint8_t)label[j];
		if (l < 0x80 && is_alpha(l))
			c |= 0x20;
		if (c != l)
			return false;
	}
	*end = i + k;
	return true;
}

/* A labelled CVV value starting a label at b[i]: its digits in [*vs, *ve). */
static bool cvv_at(const uint8_t *b, size_t lo, size_t i, size_t n, size_t *vs, size_t *ve)
{
	uint8_t c0 = b[i] | 0x20;
	if (c0 != 'c' && c0 != 's' && b[i] != 0xE5 && b[i] != 0xE6 && b[i] != 0xE9)
		return false;
	if (b[i] < 0x80 && i > lo && is_alpha(b[i - 1]))
		return false;
	for (size_t l = 0; l < sizeof(cvv_labels) / sizeof(cvv_labels[0]); l++) {
		size_t p;
		if (!label_at(b, i, n, cvv_labels[l], &p))
			continue;
		size_t q = p;
		while (q < n && q - p < 12 && (is_alpha(b[q]) || b[q] == '_' || b[q] == '2'))
			q++;
		size_t r = q;
		while (r < n && r - q < 8) {
			if (b[r] && strchr(" \t:=\"'[](){}<>,/-#", b[r]))
				r++;
			else if (r + 3 <= n && b[r] == 0xEF && b[r + 1] == 0xBC && b[r + 2] == 0x9A)
				r += 3; /* a fullwidth colon, as Chinese text writes it */
			else
				break;
		}
		if (r == p && (uint8_t)cvv_labels[l][0] < 0x80)
			continue; /* "cvv123": an ASCII label needs a separator */
		size_t d = r;
		while (d < n && is_digit(b[d]))
			d++;
		if (d - r < 3 || d - r > 4 || (d < n && (is_word(b[d]) || b[d] == '.')))
			continue;
		*vs = r;
		*ve = d;
		return true;
	}
	return false;
}

/* Mask the value of every labelled CVV in t[0, n). */
static void excerpt_mask_cvv(char *t, size_t n)
{
	const uint8_t *b = (const uint8_t *)t;
	for (size_t i = 0; i < n; i++) {
		size_t vs, ve;
		if (cvv_at(b, 0, i, n, &vs, &ve)) {
			memset(t + vs, '*', ve - vs);
			i = ve;
		}
	}
}

/*
 * The excerpt of a hit: up to EXCERPT_SIDE bytes either side, never
 * cutting into a run of digits or hex (a cut run could show more than it
 * should), the hit masked by mask_hit(), the context masked, control bytes
 * as spaces and broken UTF-8 as '?', cut to PAN_EXCERPT_MAX - 1 bytes.
 */
typedef void (*mask_hit_fn)(char *t, size_t n, const void *arg);

static void make_excerpt(struct scan *sc, struct pan_hit *h, size_t s, size_t e, mask_hit_fn fn,
                         const void *arg)
{
	const uint8_t *b = sc->b;
	size_t lo = s > EXCERPT_SIDE ? s - EXCERPT_SIDE : 0;
	size_t hi = e + EXCERPT_SIDE < sc->n ? e + EXCERPT_SIDE : sc->n;
	if (lo > 0 && (is_hex(b[lo - 1]) || is_class(b[lo - 1])))
		while (lo < s && (is_hex(b[lo]) || is_class(b[lo]) || is_sep(b[lo])))
			lo++;
	while (lo < s && (b[lo] & 0xC0) == 0x80)
		lo++;
	if (hi < sc->n && (is_hex(b[hi]) || is_class(b[hi])))
		while (hi > e && (is_hex(b[hi - 1]) || is_class(b[hi - 1]) || is_sep(b[hi - 1])))
			hi--;
	while (hi > e && hi < sc->n && (b[hi] & 0xC0) == 0x80)
		hi--;

	char t[2 * EXCERPT_SIDE + 2 * TRACK_MAX + 64];
	size_t n = hi - lo;
	if (n > sizeof(t))
		n = sizeof(t);
	memcpy(t, b + lo, n);
	size_t hs = s - lo, he = e - lo < n ? e - lo : n;
	fn(t + hs, he - hs, arg);
	excerpt_mask_chains(t, hs);
	excerpt_mask_chains(t + he, n - he);
	excerpt_mask_cvv(t, n);

	/* printable, valid UTF-8, cut on a character boundary */
	size_t o = 0;
	for (size_t i = 0; i < n && o < PAN_EXCERPT_MAX - 1;) {
		uint8_t c = (uint8_t)t[i];
		if (c < 0x80) {
			h->excerpt[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			i++;
			continue;
		}
		size_t k = c >= 0xF0 && c < 0xF5   ? 4
		           : c >= 0xE0             ? 3
		           : c >= 0xC2 && c < 0xE0 ? 2
		                                   : 0;
		bool ok = k && i + k <= n;
		for (size_t j = 1; ok && j < k; j++)
			ok = ((uint8_t)t[i + j] & 0xC0) == 0x80;
		if (!ok) {
			h->excerpt[o++] = '?';
			i++;
			continue;
		}
		if (o + k > PAN_EXCERPT_MAX - 1)
			break;
		memcpy(h->excerpt + o, t + i, k);
		o += k;
		i += k;
	}
	h->excerpt[o] = '\0';
}

/* Mask the digits of a number in t: keep the first 6 and last 4 of nd. */
static void mask_number_part(char *t, size_t n, size_t nd)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (is_digit((uint8_t)t[i])) {
			if (k >= 6 && k + 4 < nd)
				t[i] = '*';
			k++;
		}
}

struct track_mask {
	size_t pan_off, pan_len, nd; /* the PAN inside the hit */
};

/* A PAN hit: its digits masked, separators and mask characters kept. */
static void mask_pan_hit(char *t, size_t n, const void *arg)
{
	mask_number_part(t, n, *(const size_t *)arg);
}

/* A track hit: the PAN masked, everything after it up to the end sentinel as '*'. */
static void mask_track_hit(char *t, size_t n, const void *arg)
{
	const struct track_mask *m = arg;
	mask_number_part(t + m->pan_off, m->pan_len, m->nd);
	for (size_t i = m->pan_off + m->pan_len + 1; i < n; i++)
		if (t[i] != '?')
			t[i] = '*';
}

/* A masked number: show at most 6 + 4 of the digits it shows. */
static void mask_masked_hit(char *t, size_t n, const void *arg)
{
	(void)arg;
	size_t nd = 0, lead = 0;
	bool in_lead = true;
	for (size_t i = 0; i < n; i++) {
		if (is_digit((uint8_t)t[i])) {
			nd++;
			if (in_lead)
				lead++;
		} else if (is_maskc((uint8_t)t[i])) {
			in_lead = false;
		}
	}
	size_t trail = nd - lead, k = 0;
	for (size_t i = 0; i < n; i++)
		if (is_digit((uint8_t)t[i])) {
			bool keep = k < lead ? k < 6 : (nd - k) <= 4 && trail > 0;
			if (!keep)
				t[i] = '*';
			k++;
		}
}

/* A CVV or PIN block: all of it. */
static void mask_all_hit(char *t, size_t n, const void *arg)
{
	(void)arg;
	memset(t, '*', n);
}

/* --- CVV near card data --- */

static bool cvv_reported(struct scan_state *st, uint64_t off)
{
	unsigned k = st->ncvv < 16 ? st->ncvv : 16;
	for (unsigned i = 0; i < k; i++)
		if (st->cvv_seen[i] == off)
			return true;
	st->cvv_seen[st->ncvv++ % 16] = off;
	return false;
}

static void cvv_near(struct scan *sc, size_t s, size_t e)
{
	const uint8_t *b = sc->b;
	size_t lo = s > NEAR ? s - NEAR : 0, hi = e + NEAR < sc->n ? e + NEAR : sc->n;
	for (size_t i = lo; i < hi; i++) {
		size_t vs, ve;
		uint8_t c = b[i] | 0x20;
		/* the first bytes of the labels: c, s, and UTF-8 lead bytes of 安 校 验 */
		if (c != 'c' && c != 's' && c != 0xE5 && c != 0xE6 && c != 0xE9)
			continue;
		if (!cvv_at(b, lo, i, hi, &vs, &ve))
			continue;
		i = ve;
		if (cvv_reported(sc->st, sc->base + vs))
			continue;
		struct pan_hit *h = hit_new(sc, PAN_KIND_CVV, vs, ve);
		memset(h->masked, '*', ve - vs);
		make_excerpt(sc, h, vs, ve, mask_all_hit, NULL);
	}
}

/* --- PIN blocks --- */

/*
 * Labels of a PIN block (ISO 9564 formats; ISO 8583 data element 52,
 * "PIN data"): the word before a 16-hex value, lower-cased without spaces,
 * underscores and dashes, must end with one of these.
 */
static const char *const pin_labels[] = {
    "pinblock", "pinblk", "pindata", "encryptedpin", "epb", "pin",
    "field52",  "fld52",  "de52",    "de052",        "f52", "bit52",
};

static bool pin_label_before(const uint8_t *b, size_t lo, size_t s)
{
	size_t p = s, k = 0;
	while (p > lo && k < 8 && b[p - 1] && strchr(" \t:=\"'[](){}<>,/#", b[p - 1]))
		p--, k++;
	char w[32];
	size_t n = 0;
	while (p > lo && n < sizeof(w) - 1 &&
	       (is_word(b[p - 1]) || b[p - 1] == ' ' || b[p - 1] == '-')) {
		uint8_t c = b[--p];
		if (c == ' ' || c == '_' || c == '-')
			continue;
		w[n++] = (char)(is_alpha(c) ? c | 0x20 : c);
	}
	/* w holds the word reversed */
	for (size_t l = 0; l < sizeof(pin_labels) / sizeof(pin_labels[0]); l++) {
		size_t k2 = strlen(pin_labels[l]);
		if (k2 > n)
			continue;
		bool ok = true;
		for (size_t j = 0; j < k2 && ok; j++)
			ok = w[j] == pin_labels[l][k2 - 1 - j];
		/* "pin" alone must be the whole word or end it after a non-letter
		 * ("spin" is not a label) */
		if (ok && k2 < n && is_alpha((uint8_t)w[k2]) && strcmp(pin_labels[l], "pin") == 0)
			ok = false;
		if (ok)
			return true;
	}
	return false;
}

/* Hex runs overlapping [lo, hi) that start in [slo, shi): PIN blocks. */
static void hex_runs(struct scan *sc, size_t lo, size_t hi, size_t slo, size_t shi)
{
	const uint8_t *b = sc->b;
	size_t p = lo > sc->hex_done ? lo : sc->hex_done;
	while (p < hi) {
		if (!is_hex(b[p])) {
			p++;
			continue;
		}
		size_t s = p, e = p;
		while (s > 0 && is_hex(b[s - 1]))
			s--;
		while (e < sc->n && is_hex(b[e]))
			e++;
		p = e;
		if (s >= shi)
			continue; /* for a later pass (or the next buffer) to judge */
		sc->hex_done = e;
		if (s < slo || e - s != 16)
			continue;
		if ((s > 0 && is_word(b[s - 1])) || (e < sc->n && (is_word(b[e]))))
			continue;
		size_t lb = s > 48 ? s - 48 : 0;
		if (!pin_label_before(b, lb, s))
			continue;
		struct pan_hit *h = hit_new(sc, PAN_KIND_PIN_BLOCK, s, e);
		memset(h->masked, '*', 16);
		make_excerpt(sc, h, s, e, mask_all_hit, NULL);
	}
}

/* --- card numbers --- */

/* Letters, a decimal point with a digit beyond it, '+', or an IBAN head before s. */
static bool bad_left(const uint8_t *b, size_t s)
{
	if (s == 0)
		return false;
	uint8_t l = b[s - 1];
	if (is_word(l) || l == '+')
		return true;
	if (l == '.' && s >= 2 && is_digit(b[s - 2]))
		return true;
	/* "DE89 3704 0044 ...": a country code and check digits, a separator */
	if (is_sep(l) && s >= 5 && is_digit(b[s - 2]) && is_digit(b[s - 3]) && is_alpha(b[s - 4]) &&
	    is_alpha(b[s - 5]) && (s == 5 || !is_word(b[s - 6])))
		return true;
	return false;
}

static bool bad_right(const uint8_t *b, size_t e, size_t n)
{
	if (e >= n)
		return false;
	uint8_t r = b[e];
	if (is_word(r))
		return true;
	if (r == '.' && e + 1 < n && is_digit(b[e + 1]))
		return true;
	return false;
}

/* Brand, length and Luhn of digits; false to drop. */
static bool judge_pan(const char *d, size_t nd, enum pan_brand *brand, enum pan_confidence *conf)
{
	bool len_ok;
	*brand = pan_brand_of(d, nd, &len_ok);
	if (*brand == PAN_BRAND_NONE || !len_ok)
		return false;
	if (!luhn_valid(d, nd)) {
		if (*brand != PAN_BRAND_UNIONPAY)
			return false;
		*conf = PAN_CONF_LOW;
		return true;
	}
	*conf = *brand == PAN_BRAND_MAESTRO ? PAN_CONF_MEDIUM : PAN_CONF_HIGH;
	return true;
}

static bool skip_test_card(struct scan *sc, const char *d, size_t nd)
{
	if (sc->cfg->ignore_test_cards && pan_is_test_card(d, nd)) {
		sc->st->test_ignored++;
		return true;
	}
	return false;
}

/* Track 2 after the contiguous PAN b[s, e): '=' or 'D', expiry, service code. */
static bool try_track2(struct scan *sc, size_t s, size_t e, const char *d, size_t nd)
{
	const uint8_t *b = sc->b;
	if (e >= sc->n || (b[e] != '=' && b[e] != 'D'))
		return false;
	size_t p = e + 1;
	while (p < sc->n && p - e <= TRACK_MAX && is_digit(b[p]))
		p++;
	size_t need = b[e] == '=' ? 4 : 7;
	if (p - e - 1 < need)
		return false;
	if (s > 0 && is_word(b[s - 1]))
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	/* EMV tag 57 pads with 'F'; magnetic track 2 ends with '?' */
	while (p < sc->n && p - e <= TRACK_MAX && b[p] == 'F')
		p++;
	if (p < sc->n && b[p] == '?')
		p++;
	size_t hs = s > 0 && b[s - 1] == ';' ? s - 1 : s;
	struct pan_hit *h = hit_new(sc, PAN_KIND_TRACK2, hs, p);
	h->brand = brand;
	h->conf = conf == PAN_CONF_LOW ? PAN_CONF_LOW : PAN_CONF_HIGH;
	masked_of(h->masked, d, nd);
	hit_digest(sc, h, d, nd);
	struct track_mask tm = {s - hs, e - s, nd};
	make_excerpt(sc, h, hs, p, mask_track_hit, &tm);
	sc->st->skip_until = sc->base + p;
	cvv_near(sc, hs, p);
	return true;
}

/* Track 1 around the contiguous PAN b[s, e): 'B' before, '^' NAME '^' YYMM after. */
static bool try_track1(struct scan *sc, size_t s, size_t e, const char *d, size_t nd)
{
	const uint8_t *b = sc->b;
	if (s == 0 || b[s - 1] != 'B' || e >= sc->n || b[e] != '^')
		return false;
	if (s >= 2 && b[s - 2] != '%' && is_word(b[s - 2]))
		return false;
	size_t p = e + 1;
	while (p < sc->n && p - e <= 27 && b[p] != '^' && b[p] >= 0x20 && b[p] < 0x7f &&
	       b[p] != '?')
		p++;
	if (p >= sc->n || b[p] != '^' || p - e - 1 < 2)
		return false;
	size_t q = ++p;
	while (q < sc->n && q - p < 4 && is_digit(b[q]))
		q++;
	if (q - p < 4)
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	while (q < sc->n && q - e <= TRACK_MAX && b[q] >= 0x20 && b[q] < 0x7f && b[q] != '?' &&
	       b[q] != '%' && b[q] != ';')
		q++;
	if (q < sc->n && b[q] == '?')
		q++;
	size_t hs = s >= 2 && b[s - 2] == '%' ? s - 2 : s - 1;
	struct pan_hit *h = hit_new(sc, PAN_KIND_TRACK1, hs, q);
	h->brand = brand;
	h->conf = conf;
	masked_of(h->masked, d, nd);
	hit_digest(sc, h, d, nd);
	struct track_mask tm = {s - hs, e - s, nd};
	make_excerpt(sc, h, hs, q, mask_track_hit, &tm);
	sc->st->skip_until = sc->base + q;
	cvv_near(sc, hs, q);
	return true;
}

/* The digits of b[s, e) into d (at most 19); their count. */
static size_t digits_of(const uint8_t *b, size_t s, size_t e, char *d)
{
	size_t k = 0;
	for (size_t i = s; i < e && k < 19; i++)
		if (is_digit(b[i]))
			d[k++] = (char)b[i];
	return k;
}

/*
 * A PAN in b[s, e) (digits, maybe grouped); left_edge/right_edge say
 * whether s and e are the chain's own ends (then the bytes beyond are
 * judged) or inside a longer chain (medium confidence at best).
 */
static bool try_pan(struct scan *sc, size_t s, size_t e, bool left_edge, bool right_edge,
                    bool contiguous)
{
	const uint8_t *b = sc->b;
	char d[19];
	size_t nd = digits_of(b, s, e, d);
	if (contiguous && (try_track2(sc, s, e, d, nd) || try_track1(sc, s, e, d, nd)))
		return true;
	if ((left_edge && bad_left(b, s)) || (right_edge && bad_right(b, e, sc->n)))
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	if ((!left_edge || !right_edge) && conf == PAN_CONF_HIGH)
		conf = PAN_CONF_MEDIUM;
	struct pan_hit *h = hit_new(sc, PAN_KIND_PAN, s, e);
	h->brand = brand;
	h->conf = conf;
	masked_of(h->masked, d, nd);
	hit_digest(sc, h, d, nd);
	make_excerpt(sc, h, s, e, mask_pan_hit, &nd);
	cvv_near(sc, s, e);
	return true;
}

/*
 * A masked number in the groups g[a..z]: digits, one block of one mask
 * character (2 or more; 4 or more of x/X, which are letters too), digits.
 */
static bool try_masked(struct scan *sc, const struct group *g, int a, int z, bool left_edge,
                       bool right_edge)
{
	const uint8_t *b = sc->b;
	char lead[19], trail[19];
	size_t nl = 0, nm = 0, nt = 0;
	uint8_t mc = 0;
	int state = 0; /* 0 lead digits, 1 mask, 2 trailing digits */
	for (int k = a; k <= z; k++)
		for (size_t i = g[k].s; i < g[k].e; i++) {
			uint8_t c = b[i];
			if (is_digit(c)) {
				if (state == 1)
					state = 2;
				if (state == 0 && nl < 19)
					lead[nl++] = (char)c;
				else if (state == 2 && nt < 19)
					trail[nt++] = (char)c;
			} else {
				if (state == 2 || (mc && c != mc))
					return false;
				mc = c;
				state = 1;
				nm++;
			}
		}
	size_t total = nl + nm + nt;
	bool xmask = mc == 'x' || mc == 'X';
	if (total < 13 || total > 19 || nm < (xmask ? 4u : 2u) || nl + nt == 0)
		return false;
	if (nl > 0 && !pan_prefix_plausible(lead, nl))
		return false;
	if (left_edge && g[a].s > 0) {
		uint8_t l = b[g[a].s - 1];
		if (nl > 0 ? bad_left(b, g[a].s) : (xmask && is_word(l)))
			return false;
	}
	if (right_edge && g[z].e < sc->n) {
		uint8_t r = b[g[z].e];
		if (nt > 0 ? bad_right(b, g[z].e, sc->n) : (xmask && is_word(r)))
			return false;
	}
	bool wide = nl > 6 || nt > 4;
	size_t s = g[a].s, e = g[z].e;
	struct pan_hit *h = hit_new(sc, wide ? PAN_KIND_MASKED_WIDE : PAN_KIND_MASKED_OK, s, e);
	if (nl > 0) {
		bool len_ok;
		h->brand = pan_brand_of(lead, nl, &len_ok);
	}
	size_t showl = nl < 6 ? nl : 6, showt = nt < 4 ? nt : 4, o = 0;
	memcpy(h->masked, lead, showl);
	o = showl;
	for (size_t i = 0; i < total - showl - showt; i++)
		h->masked[o++] = '*';
	memcpy(h->masked + o, trail + nt - showt, showt);
	h->masked[o + showt] = '\0';
	h->ndigits = (unsigned)total;
	make_excerpt(sc, h, s, e, mask_masked_hit, NULL);
	cvv_near(sc, s, e);
	return true;
}

/* Whether groups g[a..z] have the shape of a card number. */
static bool shape_ok(const struct group *g, int a, int z)
{
	size_t total = 0;
	for (int k = a; k <= z; k++) {
		if (g[k].t == G_JUNK)
			return false;
		total += g[k].e - g[k].s;
	}
	if (total < 13 || total > 19)
		return false;
	if (a == z)
		return true;
	bool fours = true;
	for (int k = a; k < z && fours; k++)
		fours = g[k].e - g[k].s == 4;
	if (fours && g[z].e - g[z].s <= 4)
		return true;
	/* Amex 4-6-5, Diners 4-6-4 */
	return z == a + 2 && g[a].e - g[a].s == 4 && g[a + 1].e - g[a + 1].s == 6 &&
	       (g[z].e - g[z].s == 5 || g[z].e - g[z].s == 4);
}

/* Digit runs of 13-19 inside a group that is neither digits nor a mask ("**4111...**"). */
static void try_junk(struct scan *sc, const struct group *g)
{
	const uint8_t *b = sc->b;
	size_t i = g->s;
	while (i < g->e) {
		if (!is_digit(b[i])) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < g->e && is_digit(b[i]))
			i++;
		if (i - s < 13 || i - s > 19)
			continue;
		/* mask characters around it; x/X are letters */
		if ((s > 0 && (b[s - 1] == 'x' || b[s - 1] == 'X')) ||
		    (i < sc->n && (b[i] == 'x' || b[i] == 'X')))
			continue;
		try_pan(sc, s, i, s == g->s, i == g->e, true);
	}
}

static void classify(const uint8_t *b, struct group *g)
{
	size_t nd = 0, i;
	uint8_t mc = 0;
	int state = 0;
	g->t = G_MASK;
	for (i = g->s; i < g->e; i++) {
		uint8_t c = b[i];
		if (is_digit(c)) {
			nd++;
			if (state == 1)
				state = 2;
		} else if (state == 2 || (mc && c != mc)) {
			g->t = G_JUNK;
			return;
		} else {
			mc = c;
			state = 1;
		}
	}
	if (nd == g->e - g->s)
		g->t = G_DIGITS;
	g->mc = mc;
}

static void chain_done(struct scan *sc)
{
	int k = sc->ng;
	sc->ng = 0;
	sc->last_end = sc->ge[k - 1];
	if (sc->base + sc->gs[0] < sc->st->skip_until)
		return;
	sc->st->candidates++;

	struct group g[CHAIN_MAX];
	for (int i = 0; i < k; i++) {
		g[i].s = sc->gs[i];
		g[i].e = sc->ge[i];
		classify(sc->b, &g[i]);
	}
	for (int a = 0; a < k;) {
		bool found = false;
		for (int z = k - 1 < a + 4 ? k - 1 : a + 4; z >= a && !found; z--) {
			if (!shape_ok(g, a, z))
				continue;
			if (sc->base + g[a].s < sc->st->skip_until)
				break;
			bool masked = false;
			for (int i = a; i <= z; i++)
				masked |= g[i].t == G_MASK;
			bool le = a == 0, re = z == k - 1;
			found = masked ? try_masked(sc, g, a, z, le, re)
			               : try_pan(sc, g[a].s, g[z].e, le, re, a == z);
			if (found)
				a = z + 1;
		}
		if (!found) {
			if (g[a].t == G_JUNK)
				try_junk(sc, &g[a]);
			a++;
		}
	}
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
	size_t bat = 0, nbat = 0;
	for (blk = from; blk < n && !sc.stop; blk += 64) {
		if (bat == nbat) {
			size_t left = (n - blk + 63) / 64;
			nbat = left < MASK_BATCH ? left : MASK_BATCH;
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
				hex_runs(&sc, blk - hex_trail, blk + 64 < n ? blk + 64 : n, from,
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
		hex_runs(&sc, lo < n ? lo : n, next, from, next);
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(out->v[0]), cmp_hit);
	return next;
}
