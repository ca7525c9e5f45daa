/*
 * Resident ID and mobile numbers, full or masked (pii.h has the rules).
 * A byte at a time with a fast skip over bytes that cannot start a token;
 * a token is at most PII_TOKEN_MAX bytes and is judged when it ends.
 */
#include "probes/pan/pii.h"
#include "lib/util.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

bool pii_id_valid(const char *s)
{
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		sum += (s[i] - '0') * weight[i];
	}
	char c = s[17] == 'x' ? 'X' : s[17];
	if (c != check[sum % 11] || s[0] == '0')
		return false;
	int year = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	int month = (s[10] - '0') * 10 + (s[11] - '0');
	int day = (s[12] - '0') * 10 + (s[13] - '0');
	return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static bool mobile_valid(const char *s)
{
	if (s[0] != '1' || s[1] < '3' || s[1] > '9')
		return false;
	for (int i = 2; i < 11; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* The compliant form of a token of len: its first `head` and last `tail` shown. */
static void mask(char *out, const char *tok, size_t len, size_t head, size_t tail)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		out[o++] = i < head || i >= len - tail ? tok[i] : '*';
	out[o] = '\0';
}

static void emit(struct pii_stream *s, enum pii_kind kind, enum pii_field field, uint64_t off,
                 const char *tok, size_t len, size_t head, size_t tail)
{
	struct pii_hit h = {.kind = kind, .field = field, .offset = off};
	mask(h.masked, tok, len, head, tail);
	s->hits[kind]++;
	if (s->fn)
		s->fn(s->ctx, &h);
}

static void judge_masked(struct pii_stream *s, const char *t, size_t n)
{
	size_t head = 0, tail = 0, digits = 0;
	while (head < n && t[head] != '*')
		head++;
	while (tail < n && t[n - 1 - tail] != '*')
		tail++;
	for (size_t i = 0; i < n; i++)
		digits += t[i] != '*';
	bool clean = head + tail == digits; /* no digit between the stars */
	if (n == 18 && head + tail > 0) {
		bool ok = clean && head <= 6 && tail <= 4;
		emit(s, ok ? PII_MASKED_OK : PII_MASKED_WIDE, PII_FIELD_ID, s->tok_off, t, n,
		     head < 6 ? head : 6, tail < 4 ? tail : 4);
	} else if (n == 11 && t[0] == '1') {
		bool ok = clean && head <= 3 && tail <= 4;
		emit(s, ok ? PII_MASKED_OK : PII_MASKED_WIDE, PII_FIELD_MOBILE, s->tok_off, t, n,
		     head < 3 ? head : 3, tail < 4 ? tail : 4);
	}
}

static void judge(struct pii_stream *s, bool next_is_word)
{
	size_t n = s->tn;
	s->tn = 0;
	if (s->after_word || next_is_word || (n != 11 && n != 13 && n != 18))
		return;
	char *t = s->tok;
	t[n] = '\0';
	if (s->stars) {
		judge_masked(s, t, n);
		return;
	}
	if (n == 18 && pii_id_valid(t))
		emit(s, PII_ID, PII_FIELD_ID, s->tok_off, t, n, 6, 4);
	else if (n == 11 && mobile_valid(t))
		emit(s, PII_MOBILE, PII_FIELD_MOBILE, s->tok_off, t, n, 3, 4);
	else if (n == 13 && t[0] == '8' && t[1] == '6' && mobile_valid(t + 2))
		emit(s, PII_MOBILE, PII_FIELD_MOBILE, s->tok_off + 2, t + 2, 11, 3, 4);
}

/* The first index from i on of a digit or a star, or n. */
static size_t skip(const unsigned char *p, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), star = _mm_set1_epi8('*');
	while (i + 16 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i d = _mm_sub_epi8(v, zero); /* a digit is 0..9 unsigned */
		__m128i hit =
		    _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, nine), d), _mm_cmpeq_epi8(v, star));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && !is_digit(p[i]) && p[i] != '*')
		i++;
	return i;
}

void pii_stream_init(struct pii_stream *s, pii_hit_fn fn, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->fn = fn;
	s->ctx = ctx;
}

void pii_stream_write(struct pii_stream *s, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0;
	/* locals, not s->: a store into s->tok may alias them, a reload a byte */
	size_t tn = s->tn;
	unsigned stars = s->stars;
	char *tok = s->tok;
	while (i < n) {
		if (tn == 0) {
			/* nothing open: skip to the next digit or star */
			size_t j = skip(p, i, n);
			if (j > i)
				s->prev = p[j - 1];
			s->off += j - i;
			i = j;
			if (i == n)
				break;
			s->tok_off = s->off;
			s->after_word = is_word(s->prev);
			stars = 0;
		}
		/* the token's bytes; X ends an ID number, so only as the 18th */
		size_t j = i;
		for (; j < n; j++) {
			unsigned char c = p[j];
			if (c == '*')
				stars++;
			else if (!is_digit(c) && !((c == 'X' || c == 'x') && tn == 17))
				break;
			if (tn < PII_TOKEN_MAX)
				tok[tn] = (char)c;
			tn += tn <= PII_TOKEN_MAX;
		}
		s->off += j - i;
		if (j == n) {
			s->prev = p[j - 1];
			break; /* the token may go on in the next write */
		}
		s->tn = tn;
		s->stars = stars;
		judge(s, is_word(p[j]));
		tn = 0;
		s->prev = p[j];
		s->off++;
		i = j + 1;
	}
	s->tn = tn;
	s->stars = stars;
}

void pii_stream_finish(struct pii_stream *s)
{
	if (s->tn)
		judge(s, false);
}

const char *pii_finding_kind(const struct pii_hit *h)
{
	switch (h->kind) {
	case PII_ID:
		return "id-number";
	case PII_MOBILE:
		return "mobile";
	case PII_MASKED_WIDE:
		return "masked-too-wide";
	case PII_MASKED_OK:
		break;
	}
	return NULL;
}

char *pii_describe(const struct pii_hit *h)
{
	bool id = h->field == PII_FIELD_ID;
	const char *how = h->kind == PII_ID || h->kind == PII_MOBILE ? "in full"
	                  : id ? "masked, showing more than the first 6 and last 4"
	                       : "masked, showing more than the first 3 and last 4";
	return xasprintf("%s %s (shown here as %s)",
	                 id ? "a resident ID number" : "a mobile number", how, h->masked);
}

size_t pii_scan_buffer(const void *data, size_t n, pii_hit_fn fn, void *ctx)
{
	struct pii_stream s;
	pii_stream_init(&s, fn, ctx);
	pii_stream_write(&s, data, n);
	pii_stream_finish(&s);
	return (size_t)(s.hits[0] + s.hits[1] + s.hits[2] + s.hits[3]);
}
