/*
 * Keys and secrets in a byte stream (scan.h, pan_stream_secrets()): the
 * finder behind UPDSS UPD-16 (hard-coded passwords, PCI DSS v4.0 8.6.2) and
 * UPD-17 (no clear key material outside secure devices, PCI DSS v4.0
 * 3.6-3.7). stream.c calls secret_core() on the same buffer the card-data
 * scanner just read, so it shares its blocks, overlap and line counter.
 *
 * First stage: bigrams. Every pattern has a two-byte anchor, and a 64-byte
 * block is reduced to a bitmask of the places where one occurs, with the
 * nibble-table method of Hyperscan's Teddy: one pair of PSHUFB lookups
 * classifies each byte as a possible first and second byte of an anchor,
 * and the classes shifted one byte are ANDed (SSSE3 or AVX2 where the CPU
 * has them, tables otherwise). The anchors, case-insensitive where the
 * pattern is:
 *
 *   s|p w    passWord, passWd, pWd        c r   seCRet
 *   k e      KEy (api_key, aes_key ...)   - -   -----BEGIN / -----END
 *   I A      akIA, asIA (upper case)      j d   JDbc:
 *
 * In prose and logs they are rare, so the second stage (plain C, per
 * anchor) costs little. Second stage:
 *
 * - A name around the anchor ([A-Za-z0-9_.-], at most 64 bytes) holding
 *   the word password, passwd, pwd or secret (a word: at a boundary of
 *   `_`, `-`, `.` or a camelCase capital), or ending in api_key / apikey /
 *   api-key, or ending in the word key; then an assignment as ini,
 *   properties, YAML, JSON, shell, XML and most code write it (`=`, `:`,
 *   `:=`, `=>`, `"name": `, `<name>value<`, `name="name">value<`); then a literal: quoted, or a
 *   bare token up to a space, `,`, `;`, `&` or a bracket. Not a literal:
 *   empty, null/none/true/false, a reference (`$X`, `${X}`, `%(x)s`,
 *   `{{x}}`, `<x>`, `@x`), a call (`getenv(`), a dotted name ending in the
 *   same word (`config.password`), a mask (`****`, `xxxx`). Names with a
 *   word that says the value is not the secret (hash, file, path, env,
 *   length, min, max, policy, prompt, field, label, regex, reset, expiry)
 *   are skipped. A `...key` name with 32, 48 or 64 hex digits is a
 *   symmetric key (UPD-17); with anything else only api keys count.
 * - `AKIA` or `ASIA` and 16 more upper-case letters or digits, alone: an
 *   AWS access key id.
 * - `jdbc:` URLs with `user:password@` (or Oracle's `user/password@`).
 * - PEM blocks whose label ends in PRIVATE KEY: their BEGIN and END lines
 *   are found here, the block is collected and parsed by pemkey.c.
 *
 * Hostile input: every look is bounded by the buffer and by SECRET_SIDE
 * bytes around the anchor; the PEM buffer by SECRET_PEM_MAX; the OpenSSH
 * parser checks every length against what is left.
 */
#include "probes/pan/scan_int.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SIMD_ANCHORS 1
#endif

#define IDENT_MAX    64
#define ANCHOR_BATCH 16
#define VALUE_MAX    200

/* --- the first stage: anchors --- */

/*
 * One nibble-table pair classifies a byte: bits 0-3 say which buckets it
 * may start (the anchor's first byte), bits 4-7 which it may end. Four
 * buckets, each a set of first bytes and a set of second bytes whose
 * nibble products add nothing but ')', 'M', '!' to bucket 3:
 *
 *   0: s S p P, w W        passWord, passWd, pWd
 *   1: c C, r R            seCRet
 *   2: k K j J, e E d D    KEy; JDbc: (and "je", "kd", dropped at once)
 *   3: - I, - A            -----BEGIN, -----END; akIA, asIA
 */
static void teddy_add(struct anchor_tables *t, int bucket, const char *first, const char *second)
{
	for (int role = 0; role < 2; role++) {
		uint8_t bit = (uint8_t)(1u << (bucket + 4 * role));
		for (const char *c = role ? second : first; *c; c++) {
			t->lo[(uint8_t)*c & 15] |= bit;
			t->hi[(uint8_t)*c >> 4] |= bit;
		}
	}
}

void anchor_tables_init(struct anchor_tables *t)
{
	memset(t, 0, sizeof(*t));
	teddy_add(t, 0, "sSpP", "wW");
	teddy_add(t, 1, "cC", "rR");
	teddy_add(t, 2, "kKjJ", "eEdD");
	teddy_add(t, 3, "-I", "-A");
}

static inline uint8_t teddy_class(const struct anchor_tables *t, uint8_t c)
{
	return t->lo[c & 15] & t->hi[c >> 4];
}

/*
 * For each of nb 64-byte blocks at q, q + 64, ...: bit k of out[j] is the
 * anchor (q[64j+k-1], q[64j+k]); q[-32, 0) must be readable (only q[-1]
 * counts).
 */
static void anchors_scalar(const struct anchor_tables *t, const uint8_t *q, size_t nb,
                           uint64_t *out)
{
	for (size_t j = 0; j < nb; j++, q += 64) {
		uint64_t m = 0;
		for (int k = 0; k < 64; k++)
			if (teddy_class(t, q[k - 1]) & (teddy_class(t, q[k]) >> 4) & 15)
				m |= (uint64_t)1 << k;
		out[j] = m;
	}
}

#ifdef HAVE_SIMD_ANCHORS
__attribute__((target("ssse3"))) static void
anchors_ssse3(const struct anchor_tables *t, const uint8_t *q, size_t nb, uint64_t *out)
{
	const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)t->lo);
	const __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)t->hi);
	const __m128i nib = _mm_set1_epi8(15), zero = _mm_setzero_si128();
	__m128i last = _mm_loadu_si128((const __m128i *)(const void *)(q - 16));
	last = _mm_and_si128(_mm_shuffle_epi8(lo, _mm_and_si128(last, nib)),
	                     _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(last, 4), nib)));
	for (size_t j = 0; j < nb; j++, q += 64) {
		uint64_t m = 0;
		for (int i = 0; i < 4; i++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * i));
			__m128i c = _mm_and_si128(
			    _mm_shuffle_epi8(lo, _mm_and_si128(v, nib)),
			    _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(v, 4), nib)));
			__m128i prev = _mm_alignr_epi8(c, last, 15);
			last = c;
			__m128i hit = _mm_and_si128(prev, _mm_and_si128(_mm_srli_epi16(c, 4), nib));
			m |= (uint64_t)(uint16_t)~_mm_movemask_epi8(_mm_cmpeq_epi8(hit, zero))
			     << (16 * i);
		}
		out[j] = m;
	}
}

/*
 * AVX2: each byte's class is looked up once and shifted one byte (permute
 * + alignr) to sit under the next byte's.
 */
__attribute__((target("avx2"))) static void anchors_avx2(const struct anchor_tables *t,
                                                         const uint8_t *q, size_t nb, uint64_t *out)
{
	const __m256i lo =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t->lo));
	const __m256i hi =
	    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t->hi));
	const __m256i nib = _mm256_set1_epi8(15), zero = _mm256_setzero_si256();
#define CLASS(v)                                                                                   \
	_mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib)),                        \
	                 _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)))
	/* the classes of the 32 bytes before q (only q[-1]'s is used) */
	__m256i last = CLASS(_mm256_loadu_si256((const __m256i *)(const void *)(q - 32)));
	for (size_t j = 0; j < nb; j++, q += 64) {
		__m256i a = CLASS(_mm256_loadu_si256((const __m256i *)(const void *)q));
		__m256i b = CLASS(_mm256_loadu_si256((const __m256i *)(const void *)(q + 32)));
		__m256i pa = _mm256_alignr_epi8(a, _mm256_permute2x128_si256(last, a, 0x21), 15);
		__m256i pb = _mm256_alignr_epi8(b, _mm256_permute2x128_si256(a, b, 0x21), 15);
		last = b;
		__m256i ma = _mm256_and_si256(pa, _mm256_and_si256(_mm256_srli_epi16(a, 4), nib));
		__m256i mb = _mm256_and_si256(pb, _mm256_and_si256(_mm256_srli_epi16(b, 4), nib));
		__m256i any = _mm256_or_si256(ma, mb);
		if (_mm256_testz_si256(any, any)) {
			out[j] = 0; /* most blocks: no anchor */
			continue;
		}
		uint32_t ra = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(ma, zero));
		uint32_t rb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(mb, zero));
		out[j] = ~((uint64_t)ra | (uint64_t)rb << 32);
	}
#undef CLASS
}
#endif

typedef void (*anchors_fn)(const struct anchor_tables *, const uint8_t *, size_t, uint64_t *);

/*
 * ASSAY_PAN_SSE2=1 (as in scan.c) takes the SSSE3 code and
 * ASSAY_PAN_SSE2=2 the tables, so that tests reach both on any machine.
 */
static anchors_fn anchors_pick(void)
{
	const char *force = getenv("ASSAY_PAN_SSE2");
	if (force && *force == '2')
		return anchors_scalar;
#ifdef HAVE_SIMD_ANCHORS
	__builtin_cpu_init();
	bool narrow = force && *force == '1';
	if (!narrow && __builtin_cpu_supports("avx2"))
		return anchors_avx2;
	if (__builtin_cpu_supports("ssse3"))
		return anchors_ssse3;
#endif
	return anchors_scalar;
}

/* --- small helpers --- */

static inline uint8_t lower(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26 ? (uint8_t)(c | 0x20) : c;
}

static inline bool is_upper(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26;
}

static inline bool is_lower(uint8_t c)
{
	return (uint8_t)(c - 'a') < 26;
}

static inline bool is_alnum(uint8_t c)
{
	return is_alpha(c) || is_digit(c);
}

static inline bool is_ident(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

static bool eq_lower(const uint8_t *p, const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != (uint8_t)w[i])
			return false;
	return true;
}

static struct pan_secret *emit(struct secret_hits *out, enum pan_secret_kind kind, uint64_t off)
{
	struct secret_hit *h = ARRAY_PUSH(out->v, out->n, out->cap);
	memset(h, 0, sizeof(*h));
	h->s.kind = kind;
	h->s.offset = off;
	return &h->s;
}

/*
 * A printable copy of b[0, n) for a name: bytes outside ASCII become '?',
 * and a run of 13 or more digits (it could be a card number) '*'s.
 */
void secret_copy_name(char *dst, size_t cap, const uint8_t *b, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
	dst[n] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && is_digit((uint8_t)dst[j]))
			j++;
		if (j - i >= 13)
			memset(dst + i, '*', j - i);
		i = j > i ? j : i + 1;
	}
}

/* --- names and values --- */

/*
 * Whether the word w (lower case, length wn) is in name[0, n) at a word
 * boundary: start or a non-letter before it, or a capital starting it
 * after a small letter or digit (camelCase); end or a non-small-letter
 * after it. Where it ends, *at (for "ends in").
 */
static bool has_word(const uint8_t *name, size_t n, const char *w, size_t wn, size_t *at)
{
	for (size_t i = 0; i + wn <= n; i++) {
		if (!eq_lower(name + i, w, wn))
			continue;
		bool before =
		    i == 0 || !is_alpha(name[i - 1]) ||
		    (is_upper(name[i]) && (is_lower(name[i - 1]) || is_digit(name[i - 1])));
		bool after = i + wn == n || !is_lower(name[i + wn]) || is_upper(name[i + wn - 1]);
		if (before && after) {
			if (at)
				*at = i + wn;
			return true;
		}
	}
	return false;
}

static bool ends_with_word(const uint8_t *name, size_t n, const char *w)
{
	size_t wn = strlen(w);
	if (n < wn || !eq_lower(name + n - wn, w, wn))
		return false;
	size_t k = n - wn;
	return k == 0 || !is_alpha(name[k - 1]) || (is_upper(name[k]) && !is_upper(name[k - 1]));
}

/* Words that say a value is about the secret, not the secret. */
static bool name_excluded(const uint8_t *name, size_t n)
{
	static const char *const words[] = {"hash",   "hashed", "file",    "path",  "env",
	                                    "length", "len",    "min",     "max",   "policy",
	                                    "prompt", "field",  "label",   "regex", "pattern",
	                                    "reset",  "expiry", "expires", "hint",  "header"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (has_word(name, n, words[i], strlen(words[i]), NULL))
			return true;
	return false;
}

/* Whether name[0, n), letters and digits only, lowercased, ends with s. */
static bool squashed_ends(const uint8_t *name, size_t n, const char *s)
{
	size_t sn = strlen(s), k = sn;
	for (size_t i = n; i-- > 0 && k > 0;) {
		if (!is_alnum(name[i]))
			continue;
		if (lower(name[i]) != (uint8_t)s[--k])
			return false;
	}
	return k == 0;
}

static bool value_is_literal(const uint8_t *v, size_t n, bool quoted)
{
	if (n < 3)
		return false;
	static const char *const words[] = {
	    "null",      "none", "true", "false", "nil",
	    "undefined", "yes",  "no",   "empty", "changeme_not_set"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && eq_lower(v, words[i], n))
			return false;
	switch (v[0]) {
	case '$':
	case '%':
	case '@':
	case '<':
	case '[':
	case '(':
		return false;
	case '{':
		if (n > 1 && v[1] == '{')
			return false;
		if (!quoted)
			return false;
		break;
	}
	if (memmem(v, n, "${", 2) || memmem(v, n, "{{", 2))
		return false;
	bool same = true;
	for (size_t i = 1; i < n; i++)
		same = same && v[i] == v[0];
	if (same && (v[0] == '*' || lower(v[0]) == 'x' || v[0] == '.' || v[0] == '-'))
		return false;
	if (!quoted) {
		/* code: a call, or a dotted name (config.password, os.environ) */
		if (memchr(v, '(', n))
			return false;
		bool dotted = memchr(v, '.', n) != NULL, name = is_alpha(v[0]) || v[0] == '_';
		for (size_t i = 0; i < n && name; i++)
			name = is_alnum(v[i]) || v[i] == '_' || v[i] == '.';
		if (dotted && name)
			return false;
	}
	return true;
}

static bool all_hex(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex(v[i]))
			return false;
	return true;
}

/*
 * Whether a word the names are looked for with sits on the anchor
 * (b[i-1], b[i]): pass(w)ord, pass(w)d, p(w)d, se(cr)et, (ke)y. Most
 * anchors in prose ("discrepancies", "create") end here.
 */
static bool word_at(const uint8_t *b, size_t lo, size_t n, size_t i)
{
	uint8_t c = lower(b[i]);
	if (c == 'w') {
		if (lower(b[i - 1]) == 'p')
			return i + 1 < n && lower(b[i + 1]) == 'd';
		return i >= lo + 4 && eq_lower(b + i - 4, "pass", 4) && i + 1 < n &&
		       (lower(b[i + 1]) == 'd' || (i + 3 < n && eq_lower(b + i + 1, "ord", 3)));
	}
	if (c == 'r')
		return i >= lo + 3 && i + 2 < n && eq_lower(b + i - 3, "se", 2) &&
		       eq_lower(b + i + 1, "et", 2);
	return i + 1 < n && lower(b[i + 1]) == 'y';
}

/*
 * The name around the anchor at b[i]; when it is one the finder looks for
 * and a literal is assigned to it, a hit. Returns the name's end (to skip
 * the other anchors in it).
 */
static size_t check_name(struct secret_state *st, const uint8_t *b, size_t lo, size_t n, size_t i,
                         uint64_t base, struct secret_hits *out)
{
	size_t l = i, r = i + 1;
	while (l > lo && i - l < IDENT_MAX && is_ident(b[l - 1]))
		l--;
	while (r < n && r - l < IDENT_MAX && is_ident(b[r]))
		r++;
	if (r - l >= IDENT_MAX || (l > lo && is_ident(b[l - 1])) || (r < n && is_ident(b[r])))
		return r; /* too long to be a name */
	/* trailing dots and dashes are punctuation, not the name */
	size_t name_end = r;
	while (name_end > l && (b[name_end - 1] == '.' || b[name_end - 1] == '-'))
		name_end--;
	const uint8_t *name = b + l;
	size_t nn = name_end - l;
	if (nn == 0)
		return r;

	bool pw = has_word(name, nn, "password", 8, NULL) ||
	          has_word(name, nn, "passwd", 6, NULL) || has_word(name, nn, "pwd", 3, NULL) ||
	          has_word(name, nn, "secret", 6, NULL);
	bool api = squashed_ends(name, nn, "apikey");
	bool key = ends_with_word(name, nn, "key");
	if (!pw && !api && !key)
		return r;
	if (name_excluded(name, nn))
		return r;

	/* the assignment */
	size_t p = name_end, lim = n < i + SECRET_SIDE ? n : i + SECRET_SIDE;
	/* <password>value< and, as Android's SharedPreferences write it,
	 * <string name="password">value< */
	bool xml =
	    (l > lo && b[l - 1] == '<') || (l >= lo + 6 && (b[l - 1] == '"' || b[l - 1] == '\'') &&
	                                    eq_lower(b + l - 6, "name=", 5));
	if (l > lo && (b[l - 1] == '"' || b[l - 1] == '\'') && p < lim && b[p] == b[l - 1])
		p++;
	if (xml) {
		if (p >= lim || b[p] != '>')
			return r;
		p++;
	} else {
		while (p < lim && (b[p] == ' ' || b[p] == '\t'))
			p++;
		if (p + 1 >= lim)
			return r;
		if (b[p] == '=' && b[p + 1] != '=' && b[p + 1] != '~')
			p += b[p + 1] == '>' ? 2 : 1;
		else if (b[p] == ':' && b[p + 1] == '=')
			p += 2;
		else if (b[p] == ':' && b[p + 1] != ':')
			p++;
		else
			return r;
		while (p < lim && (b[p] == ' ' || b[p] == '\t'))
			p++;
	}
	if (p >= lim)
		return r;

	/* the value */
	size_t vs, ve;
	bool quoted = false;
	if (!xml && (b[p] == '"' || b[p] == '\'' || b[p] == '`')) {
		uint8_t q = b[p];
		vs = ve = p + 1;
		while (ve < lim && b[ve] != q && b[ve] != '\n' && ve - vs <= VALUE_MAX)
			ve++;
		if (ve >= lim || b[ve] != q)
			return r;
		quoted = true;
	} else {
		vs = ve = p;
		while (ve < lim && ve - vs <= VALUE_MAX) {
			uint8_t c = b[ve];
			if (c <= ' ' || c == ',' || c == ';' || c == '&' || c == ')' || c == '}' ||
			    c == '[' || c == ']' || c == '<' || c == '>' || c == '"' || c == '\'' ||
			    c == 0x7f)
				break;
			ve++;
		}
		if (ve >= lim && ve - vs > 0 && ve < n)
			return r; /* no end in sight */
		if (xml && (ve >= lim || b[ve] != '<'))
			return r;
	}
	size_t vn = ve - vs;
	if (vn > VALUE_MAX || !value_is_literal(b + vs, vn, quoted || xml))
		return r;

	enum pan_secret_kind kind;
	if (key && all_hex(b + vs, vn) && (vn == 32 || vn == 48 || vn == 64))
		kind = PAN_SECRET_SYMMETRIC_KEY;
	else if (pw)
		kind = PAN_SECRET_PASSWORD;
	else if (api)
		kind = PAN_SECRET_API_KEY;
	else
		return r;
	struct pan_secret *s = emit(out, kind, base + l);
	secret_copy_name(s->name, sizeof(s->name), name, nn);
	s->value_len = (unsigned)vn;
	if (kind == PAN_SECRET_SYMMETRIC_KEY) {
		s->bits = (unsigned)vn * 4;
		snprintf(s->what, sizeof(s->what), "%s",
		         vn == 32   ? "128-bit (AES-128 or double-length DES)"
		         : vn == 48 ? "192-bit (AES-192 or triple-length DES)"
		                    : "256-bit (AES-256)");
	}
	(void)st;
	return r;
}

/* AKIA / ASIA and 16 upper-case letters or digits, alone; b[i] is the last A. */
static void check_access_key(const uint8_t *b, size_t lo, size_t n, size_t i, uint64_t base,
                             struct secret_hits *out)
{
	if (i < lo + 3)
		return;
	size_t s = i - 3;
	if (s + 20 > n || b[s] != 'A' || (b[s + 1] != 'K' && b[s + 1] != 'S'))
		return;
	if (s > lo && is_alnum(b[s - 1]))
		return;
	for (size_t k = 4; k < 20; k++)
		if (!(is_upper(b[s + k]) || is_digit(b[s + k])))
			return;
	if (s + 20 < n && is_alnum(b[s + 20]))
		return;
	struct pan_secret *x = emit(out, PAN_SECRET_ACCESS_KEY_ID, base + s);
	memcpy(x->what, b + s, 4);
	x->what[4] = '\0';
	x->value_len = 20;
}

/* jdbc:...://user:password@host, or jdbc:oracle:thin:user/password@host. */
static void check_jdbc(const uint8_t *b, size_t lo, size_t n, size_t i, uint64_t base,
                       struct secret_hits *out)
{
	size_t s = i - 1;
	if (s + 5 > n || !eq_lower(b + s, "jdbc:", 5) || (s > lo && is_alnum(b[s - 1])))
		return;
	size_t lim = n < s + SECRET_SIDE ? n : s + SECRET_SIDE, e = s + 5;
	while (e < lim && b[e] > ' ' && b[e] != '"' && b[e] != '\'' && b[e] != '<' && b[e] != 0x7f)
		e++;
	/* the part holding credentials: after "://" up to the host's end, or
	 * Oracle's "thin:" or "oci:" up to '@' */
	size_t a = 0, z = 0;
	for (size_t k = s + 5; k + 3 <= e; k++)
		if (b[k] == ':' && b[k + 1] == '/' && b[k + 2] == '/') {
			a = k + 3;
			break;
		}
	if (!a) {
		for (size_t k = s + 5; k + 1 < e; k++)
			if (b[k] == ':' &&
			    (eq_lower(b + k - 4, "thin", 4) || eq_lower(b + k - 3, "oci", 3))) {
				a = k + 1;
				break;
			}
		if (!a || (a < e && b[a] == '@'))
			return;
	}
	bool oracle = b[a - 1] != '/';
	for (z = a; z < e; z++)
		if (b[z] == '@' || (!oracle && (b[z] == '/' || b[z] == '?' || b[z] == ';')))
			break;
	if (z >= e || b[z] != '@')
		return;
	/* user:password or user/password before '@' */
	size_t sep = 0;
	for (size_t k = a; k < z; k++)
		if (b[k] == ':' || b[k] == '/') {
			sep = k;
			break;
		}
	if (!sep || sep + 1 >= z || sep == a)
		return;
	if (!value_is_literal(b + sep + 1, z - sep - 1, true))
		return;
	struct pan_secret *x = emit(out, PAN_SECRET_JDBC, base + s);
	snprintf(x->what, sizeof(x->what), "jdbc");
	x->value_len = (unsigned)(z - sep - 1);
}

/* --- the stage driver --- */

static int cmp_secret(const void *pa, const void *pb)
{
	const struct secret_hit *a = pa, *b = pb;
	return a->s.offset < b->s.offset ? -1 : a->s.offset > b->s.offset;
}

struct anchor_ctx {
	struct secret_state *st;
	const uint8_t *b;
	size_t n, end;
	uint64_t base;
	struct secret_hits *out;
	size_t skip_to; /* end of the last name looked at */
};

/* The anchors m of the block at b[blk]: the second stage. */
static inline __attribute__((always_inline)) void on_anchors(struct anchor_ctx *x, size_t blk,
                                                             uint64_t m)
{
	const uint8_t *b = x->b;
	if (x->end - blk < 64)
		m &= ((uint64_t)1 << (x->end - blk)) - 1;
	while (m) {
		size_t i = blk + ctz64(m);
		m &= m - 1;
		uint8_t c0 = b[i - 1], c1 = b[i];
		/* se(cr)et: the commonest anchor in prose ("discrepancies") ends here */
		if ((c1 | 0x20) == 'r' &&
		    (i + 2 >= x->n || (b[i + 1] | 0x20) != 'e' || (b[i + 2] | 0x20) != 't') &&
		    !x->st->collecting)
			continue;
		if (x->st->collecting)
			secret_pem_append(x->st, b, x->base, x->base + i - 1, x->out);
		size_t lo = i > SECRET_SIDE ? i - SECRET_SIDE : 0;
		uint8_t l0 = lower(c0), l1 = lower(c1);
		if (c0 == '-' && c1 == '-')
			secret_pem_check(x->st, b, lo, x->n, i - 1, x->base, x->out);
		else if (c0 == 'I' && c1 == 'A')
			check_access_key(b, lo, x->n, i, x->base, x->out);
		else if (l0 == 'j' && l1 == 'd')
			check_jdbc(b, lo, x->n, i, x->base, x->out);
		else if ((l1 == 'w' || l1 == 'r' || (l0 == 'k' && l1 == 'e')) && i >= x->skip_to &&
		         word_at(b, lo, x->n, i))
			x->skip_to = check_name(x->st, b, lo, x->n, i, x->base, x->out);
	}
}

/* Anchors of b[from, to) by the finder's own pass, handed to the second stage. */
static void anchors_own(struct anchor_ctx *ax, anchors_fn fn, const struct anchor_tables *t,
                        size_t from, size_t to)
{
	const uint8_t *b = ax->b;
	size_t n = ax->n, end = ax->end;
	uint8_t tmp[32 + 64]; /* anchors_avx2 reads 32 bytes before its start */
	uint64_t bm[ANCHOR_BATCH];
	ax->end = to;
	for (size_t blk = from; blk < to;) {
		if (blk >= 32 && blk + 64 <= n) {
			/* a batch of whole blocks, all before the buffer's end */
			size_t nb = (n - blk) / 64, left = (to - blk + 63) / 64;
			if (nb > left)
				nb = left;
			if (nb > ANCHOR_BATCH)
				nb = ANCHOR_BATCH;
			fn(t, b + blk, nb, bm);
			for (size_t j = 0; j < nb; j++)
				if (bm[j])
					on_anchors(ax, blk + 64 * j, bm[j]);
			blk += 64 * nb;
			continue;
		}
		/* the stream's first bytes, or the tail: a copy with zeros */
		memset(tmp, 0, sizeof(tmp));
		size_t k = n - blk < 64 ? n - blk : 64;
		memcpy(tmp + 32, b + blk, k);
		if (blk >= 1)
			tmp[31] = b[blk - 1];
		uint64_t m;
		fn(t, tmp + 32, 1, &m);
		if (blk == 0)
			m &= ~(uint64_t)1; /* no byte before the buffer's first */
		if (m)
			on_anchors(ax, blk, m);
		blk += 64;
	}
	ax->end = end;
}

void secret_core(struct secret_state *st, const uint8_t *b, size_t n, size_t end, uint64_t base,
                 const struct scan_state *sc, struct secret_hits *out)
{
	size_t first = out->n;
	size_t start = st->done > base ? (size_t)(st->done - base) : 0;
	if (end > n)
		end = n;
	if (start >= end)
		return;
	struct anchor_tables t;
	anchor_tables_init(&t);
	anchors_fn fn = anchors_pick();
	struct anchor_ctx ax = {
	    st, b, n, end, base, out, st->ident_end > base ? (size_t)(st->ident_end - base) : 0};
	/* the card scanner's anchor masks cover [am_from, am_end) of this buffer */
	size_t lo = start, hi = start;
	if (sc && sc->am_valid && sc->am_end > start && sc->am_from < end) {
		lo = sc->am_from > start ? sc->am_from : start;
		hi = sc->am_end < end ? sc->am_end : end;
	}
	if (lo > start)
		anchors_own(&ax, fn, &t, start, lo);
	if (hi > lo) {
		/* blocks of the scanner's alignment, bits outside [lo, hi) dropped */
		ax.end = hi;
		size_t k0 = (lo - sc->am_from) / 64;
		for (size_t k = k0; sc->am_from + 64 * k < hi; k++) {
			size_t blk = sc->am_from + 64 * k;
			uint64_t m = sc->am[k];
			if (blk < lo)
				m &= ~(uint64_t)0 << (lo - blk);
			if (blk == 0)
				m &= ~(uint64_t)1;
			if (m)
				on_anchors(&ax, blk, m);
		}
		ax.end = end;
	}
	if (end > (hi > start ? hi : start))
		anchors_own(&ax, fn, &t, hi > start ? hi : start, end);
	st->ident_end = base + ax.skip_to;
	if (st->collecting)
		secret_pem_append(st, b, base, base + end, out);
	st->done = base + end;
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(out->v[0]), cmp_secret);
}

void secret_hits_sort(struct secret_hits *h, size_t from)
{
	if (h->n - from > 1)
		qsort(h->v + from, h->n - from, sizeof(h->v[0]), cmp_secret);
}
