/*
 * Streams for the scanner (scan.h): bytes arrive in any pieces, are
 * scanned in blocks of PAN_BLOCK, and only the context a decision needs
 * (SCAN_BEFORE bytes before the resume point) is carried from one block to
 * the next, so memory is one buffer whatever the stream's size and a card
 * number across a block boundary is seen by exactly one scan.
 *
 * Encodings: UTF-16 is decided from the first bytes (a BOM, or NULs in
 * every other byte of the first 512) and narrowed in place, one byte per
 * 16-bit unit: ASCII stays, anything else becomes 0x80, which matches
 * nothing; so offsets map back exactly (2 bytes a unit) and lines count
 * the same. Everything else is scanned as bytes.
 *
 * Lines are counted lazily: only up to each hit, and over what a block
 * drops before it is dropped, with SSE2 where the compiler has it.
 */
#include "probes/pan/scan_int.h"
#include "probes/pan/pii.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define STREAM_CAP       (SCAN_BEFORE + PAN_BLOCK + 4 * SCAN_MARGIN)
#define STREAM_CAP0      (64u << 10) /* the buffer at first: it doubles to STREAM_CAP */
#define STREAM_MIN_SPACE 4096
#define DETECT_BYTES     512

struct lines {
	uint64_t lp;         /* narrow offset up to which newlines are counted */
	uint64_t line;       /* line number at lp, 1-based */
	uint64_t line_start; /* narrow offset where that line starts */
};

struct pan_stream {
	struct pan_config cfg;
	pan_hit_fn fn;
	void *ctx;
	uint8_t *buf;
	size_t cap; /* grows to STREAM_CAP as a stream gets long: most are short */
	size_t len, from;
	uint64_t base; /* narrow offset of buf[0] */
	struct scan_state st;
	struct scan_hits hits;
	enum pan_encoding enc;
	bool decided;
	int pend;      /* UTF-16: a byte waiting for its pair, or -1 */
	uint64_t head; /* bytes before narrow offset 0 (a BOM) */
	uint64_t bytes;
	struct lines ln;
	/* keys and secrets (secret.c), when asked for */
	pan_secret_fn sfn;
	struct secret_state sec;
	struct secret_hits shits;
	/* resident ID and mobile numbers (pii.c), when asked for */
	void (*pfn)(void *ctx, const struct pii_hit *hit);
	struct pii_stream pii;
	uint64_t pii_upto; /* narrow offset up to which the finder has read */
};

static size_t count_nl(const uint8_t *p, size_t n)
{
	size_t c = 0, i = 0;
#ifdef __SSE2__
	/* byte counters (0 - matches) summed with psadbw every 255 rounds:
	 * baseline x86-64 has no popcnt instruction */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (i + 16 <= n) {
		__m128i acc = zero;
		for (int r = 0; r < 255 && i + 16 <= n; r++, i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
		}
		__m128i sad = _mm_sad_epu8(acc, zero);
		c += (size_t)_mm_cvtsi128_si32(sad) +
		     (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sad, 8));
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* Move the line counter forward to narrow offset o (buf holds it). */
static void lines_advance(struct lines *l, const uint8_t *buf, uint64_t base, uint64_t o)
{
	if (o <= l->lp)
		return;
	const uint8_t *p = buf + (l->lp - base);
	size_t n = (size_t)(o - l->lp);
	size_t k = count_nl(p, n);
	if (k) {
		l->line += k;
		const uint8_t *q = memrchr(p, '\n', n);
		l->line_start = l->lp + (uint64_t)(q - p) + 1;
	}
	l->lp = o;
}

/* Line and column of narrow offset o, which buf holds. */
static void lines_at(struct lines *l, const uint8_t *buf, uint64_t base, uint64_t o, uint64_t *line,
                     uint64_t *col)
{
	if (o >= l->lp) {
		lines_advance(l, buf, base, o);
		*line = l->line;
		*col = o - l->line_start + 1;
		return;
	}
	/* behind the counter (a CVV label before the number that found it) */
	const uint8_t *p = buf + (o - base);
	size_t k = count_nl(p, (size_t)(l->lp - o));
	*line = l->line - k;
	if (k == 0) {
		*col = o - l->line_start + 1;
		return;
	}
	const uint8_t *q = o > base ? memrchr(buf, '\n', (size_t)(o - base)) : NULL;
	*col = q ? o - (base + (uint64_t)(q - buf) + 1) + 1 : 0;
}

/* Hand the hits of one scan to the callback, with offsets and lines. */
static void deliver(struct scan_hits *hits, struct lines *l, const uint8_t *buf, uint64_t base,
                    enum pan_encoding enc, uint64_t head, pan_hit_fn fn, void *ctx)
{
	bool wide = enc == PAN_ENC_UTF16LE || enc == PAN_ENC_UTF16BE;
	for (size_t i = 0; i < hits->n; i++) {
		struct scan_hit *x = &hits->v[i];
		uint64_t o = base + x->start;
		lines_at(l, buf, base, o, &x->h.line, &x->h.column);
		x->h.offset = wide ? head + 2 * o : o;
		x->h.length = wide ? 2 * (uint64_t)(x->end - x->start) : x->end - x->start;
		fn(ctx, &x->h);
	}
	hits->n = 0;
}

/*
 * Card-data hits and secret hits of one scan, in offset order (the line
 * counter only moves forward cheaply). A secret whose line is known (a PEM
 * block that began in an earlier buffer) goes out as it comes.
 */
static void deliver_both(struct pan_stream *s)
{
	bool wide = s->enc == PAN_ENC_UTF16LE || s->enc == PAN_ENC_UTF16BE;
	struct scan_hits *h = &s->hits;
	struct secret_hits *x = &s->shits;
	size_t i = 0, j = 0;
	while (i < h->n || j < x->n) {
		bool secret = j < x->n && (i == h->n || x->v[j].line_set ||
		                           x->v[j].s.offset <= s->base + h->v[i].start);
		if (!secret) {
			struct scan_hit *y = &h->v[i++];
			uint64_t o = s->base + y->start;
			lines_at(&s->ln, s->buf, s->base, o, &y->h.line, &y->h.column);
			y->h.offset = wide ? s->head + 2 * o : o;
			y->h.length = wide ? 2 * (uint64_t)(y->end - y->start) : y->end - y->start;
			s->fn(s->ctx, &y->h);
			continue;
		}
		struct pan_secret *z = &x->v[j++].s;
		uint64_t o = z->offset;
		if (!x->v[j - 1].line_set)
			lines_at(&s->ln, s->buf, s->base, o, &z->line, &z->column);
		z->offset = wide ? s->head + 2 * o : o;
		s->sfn(s->ctx, z);
	}
	h->n = 0;
	x->n = 0;
}

static bool is_wide(const struct pan_stream *s);

/* The finder's hits, with offsets in the stream's bytes (UTF-16: doubled). */
static void on_pii(void *ctx, const struct pii_hit *hit)
{
	struct pan_stream *s = ctx;
	struct pii_hit h = *hit;
	if (is_wide(s))
		h.offset = s->head + 2 * h.offset;
	s->pfn(s->ctx, &h);
}

void pan_stream_pii(struct pan_stream *s, void (*fn)(void *ctx, const struct pii_hit *hit))
{
	s->pfn = fn;
	pii_stream_init(&s->pii, on_pii, s);
	s->pii.off = s->pii_upto = s->base;
}

/* Feed the finder the narrow bytes up to offset upto (buf holds them). */
static void pii_feed(struct pan_stream *s, uint64_t upto, bool final)
{
	if (!s->pfn)
		return;
	if (s->pii_upto < s->base) {
		/* a hole skipped over (pan_stream_skip): a token cannot span it */
		pii_stream_finish(&s->pii);
		pii_stream_init(&s->pii, on_pii, s);
		s->pii.off = s->pii_upto = s->base;
	}
	if (upto > s->pii_upto) {
		pii_stream_write(&s->pii, s->buf + (s->pii_upto - s->base),
		                 (size_t)(upto - s->pii_upto));
		s->pii_upto = upto;
	}
	if (final) {
		pii_stream_finish(&s->pii);
		pii_stream_init(&s->pii, on_pii, s);
		s->pii.off = s->pii_upto;
	}
}

void pan_stream_secrets(struct pan_stream *s, pan_secret_fn fn)
{
	s->sfn = fn;
	s->st.want_digests = s->st.want_anchors = fn != NULL;
}

struct pan_stream *pan_stream_new(const struct pan_config *cfg, pan_hit_fn fn, void *ctx)
{
	struct pan_stream *s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	s->fn = fn;
	s->ctx = ctx;
	s->cap = STREAM_CAP0 < STREAM_CAP ? STREAM_CAP0 : STREAM_CAP;
	s->buf = xmalloc(s->cap);
	pan_stream_reset(s, PAN_ENC_AUTO);
	return s;
}

void pan_stream_free(struct pan_stream *s)
{
	if (!s)
		return;
	scan_state_free(&s->st);
	secret_state_free(&s->sec);
	free(s->buf);
	free(s->hits.v);
	free(s->shits.v);
	free(s);
}

void pan_stream_reset(struct pan_stream *s, enum pan_encoding enc)
{
	s->len = s->from = 0;
	s->base = 0;
	struct evp_mac_ctx_st *mac = s->st.mac; /* same key: keep it */
	uint64_t *am = s->st.am;                /* and the anchor masks' room */
	size_t am_cap = s->st.am_cap;
	memset(&s->st, 0, sizeof(s->st));
	s->st.mac = mac;
	s->st.am = am;
	s->st.am_cap = am_cap;
	s->st.want_digests = s->st.want_anchors = s->sfn != NULL;
	s->hits.n = 0;
	secret_state_reset(&s->sec);
	if (s->pfn)
		pii_stream_init(&s->pii, on_pii, s);
	s->pii_upto = 0;
	s->shits.n = 0;
	s->enc = enc;
	s->decided = enc != PAN_ENC_AUTO;
	s->pend = -1;
	s->head = 0;
	s->bytes = 0;
	s->ln = (struct lines){.lp = 0, .line = 1, .line_start = 0};
}

/* Scan what the buffer holds; keep only the context the next scan needs. */
static void stream_scan(struct pan_stream *s, bool final)
{
	size_t next = scan_core(&s->cfg, &s->st, s->buf, s->len, s->from, final, s->base, &s->hits);
	pii_feed(s, s->base + (final ? s->len : next), final);
	if (s->sfn) {
		/* SECRET_SIDE before the resume point: the next buffer keeps
		 * SCAN_BEFORE bytes before it, so each anchor has that much on
		 * either side */
		size_t end = final ? s->len : next > SECRET_SIDE ? next - SECRET_SIDE : 0;
		secret_core(&s->sec, s->buf, s->len, end, s->base, &s->st, &s->shits);
		if (s->st.ndg) {
			for (unsigned k = 0; k < s->st.ndg; k++) {
				struct secret_hit *h =
				    ARRAY_PUSH(s->shits.v, s->shits.n, s->shits.cap);
				memset(h, 0, sizeof(*h));
				h->s.kind = PAN_SECRET_HEX_DIGEST;
				h->s.offset = s->st.dg[k].off;
				h->s.digest_len = s->st.dg[k].len;
				memcpy(h->s.digest, s->st.dg[k].bytes, s->st.dg[k].len);
			}
			s->st.ndg = 0;
			secret_hits_sort(&s->shits, 0);
		}
		deliver_both(s);
		if (s->sec.collecting && !s->sec.pem_line_known) {
			lines_at(&s->ln, s->buf, s->base, s->sec.pem_off, &s->sec.pem_line,
			         &s->sec.pem_col);
			s->sec.pem_line_known = true;
		}
	} else {
		deliver(&s->hits, &s->ln, s->buf, s->base, s->enc, s->head, s->fn, s->ctx);
	}
	if (final) {
		lines_advance(&s->ln, s->buf, s->base, s->base + s->len);
		s->base += s->len;
		s->len = s->from = 0;
		return;
	}
	size_t keep = next > SCAN_BEFORE ? next - SCAN_BEFORE : 0;
	if (keep == 0)
		return;
	lines_advance(&s->ln, s->buf, s->base, s->base + keep);
	memmove(s->buf, s->buf + keep, s->len - keep);
	s->len -= keep;
	s->from = next - keep;
	s->base += keep;
}

uint8_t *pan_stream_space(struct pan_stream *s, size_t *n)
{
	/* Grow before scanning early: a scan starts at the same lengths as with
	 * the whole buffer from the first byte, so the hits are the same. */
	if (s->cap - s->len < STREAM_MIN_SPACE && s->cap < STREAM_CAP) {
		s->cap = s->cap * 2 < STREAM_CAP ? s->cap * 2 : STREAM_CAP;
		s->buf = xrealloc(s->buf, s->cap);
	}
	if (s->cap - s->len < STREAM_MIN_SPACE)
		stream_scan(s, false);
	*n = s->cap - s->len;
	return s->buf + s->len;
}

static bool looks_utf16(const uint8_t *p, size_t n, enum pan_encoding *enc)
{
	if (n > DETECT_BYTES)
		n = DETECT_BYTES;
	n &= ~(size_t)1;
	if (n < 32)
		return false;
	size_t zeven = 0, zodd = 0;
	for (size_t i = 0; i < n; i += 2) {
		zeven += p[i] == 0;
		zodd += p[i + 1] == 0;
	}
	size_t units = n / 2;
	if (zodd * 10 >= units * 4 && zeven * 20 < units) {
		*enc = PAN_ENC_UTF16LE;
		return true;
	}
	if (zeven * 10 >= units * 4 && zodd * 20 < units) {
		*enc = PAN_ENC_UTF16BE;
		return true;
	}
	return false;
}

/* Whether p[0, n) holds 13 or more ASCII digits in a row: text read byte by byte. */
static bool has_byte_digit_run(const uint8_t *p, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = p[i] >= '0' && p[i] <= '9' ? run + 1 : 0;
		if (run >= 13)
			return true;
	}
	return false;
}

/*
 * Decide the encoding from the first bytes at p; the bytes to drop (BOM).
 * A BOM is a claim, not a proof: when the bytes after it hold a card-length
 * run of ASCII digits, the file is read as bytes, so that two bytes in
 * front of plain text cannot hide the card numbers in it.
 */
static size_t decide(struct pan_stream *s, const uint8_t *p, size_t n)
{
	s->decided = true;
	s->enc = PAN_ENC_BYTES;
	bool bom_le = n >= 2 && p[0] == 0xFF && p[1] == 0xFE;
	bool bom_be = n >= 2 && p[0] == 0xFE && p[1] == 0xFF;
	if ((bom_le || bom_be) && has_byte_digit_run(p + 2, n - 2))
		return 0;
	if (bom_le) {
		s->enc = PAN_ENC_UTF16LE;
		return 2;
	}
	if (bom_be) {
		s->enc = PAN_ENC_UTF16BE;
		return 2;
	}
	enum pan_encoding e;
	if (looks_utf16(p, n, &e))
		s->enc = e;
	return 0;
}

/* UTF-16 units at p[0, n) narrowed in place to one byte each; the count. */
static size_t narrow(struct pan_stream *s, uint8_t *p, size_t n)
{
	bool le = s->enc == PAN_ENC_UTF16LE;
	size_t i = 0, o = 0;
	if (s->pend >= 0 && n) {
		unsigned first = (unsigned)s->pend;
		s->pend = -1;
		unsigned u = le ? first | (unsigned)p[0] << 8 : first << 8 | p[0];
		p[o++] = u < 0x80 ? (uint8_t)u : 0x80;
		i = 1;
	}
	for (; i + 1 < n; i += 2) {
		unsigned u = le ? p[i] | (unsigned)p[i + 1] << 8 : (unsigned)p[i] << 8 | p[i + 1];
		p[o++] = u < 0x80 ? (uint8_t)u : 0x80;
	}
	if (i < n)
		s->pend = p[i];
	return o;
}

static bool is_wide(const struct pan_stream *s)
{
	return s->enc == PAN_ENC_UTF16LE || s->enc == PAN_ENC_UTF16BE;
}

/* Decide the encoding on the raw bytes held so far and convert them. */
static void settle(struct pan_stream *s)
{
	if (s->decided)
		return;
	size_t drop = decide(s, s->buf, s->len);
	s->head = drop;
	if (drop)
		memmove(s->buf, s->buf + drop, s->len - drop);
	s->len -= drop;
	if (is_wide(s))
		s->len = narrow(s, s->buf, s->len);
}

void pan_stream_commit(struct pan_stream *s, size_t n)
{
	s->bytes += n;
	if (!s->decided) {
		/* nothing is scanned before the encoding is known */
		s->len += n;
		if (s->len < DETECT_BYTES)
			return;
		settle(s);
	} else {
		s->len += is_wide(s) ? narrow(s, s->buf + s->len, n) : n;
	}
	if (s->len - s->from >= PAN_BLOCK + SCAN_MARGIN)
		stream_scan(s, false);
}

void pan_stream_write(struct pan_stream *s, const void *data, size_t n)
{
	const uint8_t *d = data;
	while (n) {
		size_t room;
		uint8_t *p = pan_stream_space(s, &room);
		size_t k = n < room ? n : room;
		memcpy(p, d, k);
		pan_stream_commit(s, k);
		d += k;
		n -= k;
	}
}

void pan_stream_skip(struct pan_stream *s, uint64_t n)
{
	static const uint8_t zeros[4 * SCAN_MARGIN];
	settle(s);
	size_t z = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
	pan_stream_write(s, zeros, z);
	n -= z;
	if (n == 0)
		return;
	/* The zeros decide every chain before them; the rest of the hole
	 * only moves the offsets on. */
	stream_scan(s, true);
	uint64_t units = is_wide(s) ? n / 2 : n;
	s->base += units;
	s->ln.lp += units;
	s->bytes += n;
}

void pan_stream_finish(struct pan_stream *s)
{
	settle(s);
	stream_scan(s, true);
	if (s->sfn) {
		secret_finish(&s->sec, &s->shits);
		deliver_both(s);
	}
}

void pan_stream_stats(const struct pan_stream *s, struct pan_stream_stats *out)
{
	out->bytes = s->bytes;
	out->candidates = s->st.candidates;
	out->test_ignored = s->st.test_ignored;
	out->encoding = s->enc;
}

size_t pan_scan_buffer(const struct pan_config *cfg, const void *data, size_t n, pan_hit_fn fn,
                       void *ctx)
{
	struct scan_state st;
	memset(&st, 0, sizeof(st));
	struct scan_hits hits = {0};
	struct lines l = {.lp = 0, .line = 1, .line_start = 0};
	scan_core(cfg, &st, data, n, 0, true, 0, &hits);
	size_t k = hits.n;
	deliver(&hits, &l, data, 0, PAN_ENC_BYTES, 0, fn, ctx);
	free(hits.v);
	scan_state_free(&st);
	return k;
}
