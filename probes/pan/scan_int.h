/*
 * Internals shared by the scanner's two files: scan.c (the fast pass and
 * the validating stage over one buffer) and stream.c (blocks, overlap,
 * encodings, lines). Not for other probes: they use scan.h.
 */
#ifndef ASSAY_PROBES_PAN_SCAN_INT_H
#define ASSAY_PROBES_PAN_SCAN_INT_H

#include "probes/pan/scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Bytes kept before the point where the next scan resumes (look-behind:
 * a digit or letter touching a number, "%B", labels, excerpts), and the
 * look-ahead a chain that starts before a non-final buffer's end minus
 * SCAN_MARGIN may need (the chain itself, track data, labels, excerpts).
 */
#define SCAN_BEFORE 512
#define SCAN_MARGIN 1024

#define SCAN_DIGESTS_MAX 64 /* hex digests kept per buffer scanned; more are dropped */

/*
 * The anchor classes of the secrets finder (secret.c): a nibble-table pair
 * that gives each byte the anchors it may start (bits 0-3) and end (bits
 * 4-7). scan.c computes the anchor masks in the same pass as its own
 * (AVX2), where the shuffles run beside its compares.
 */
struct anchor_tables {
	uint8_t lo[16], hi[16];
};
void anchor_tables_init(struct anchor_tables *t);

/* What persists from one buffer of a stream to the next. */
struct evp_mac_ctx_st;
struct scan_state {
	struct evp_mac_ctx_st *mac; /* the HMAC context, made on the first hit */
	uint64_t skip_until;   /* stream offset: chains before it are inside reported track data */
	uint64_t cvv_seen[16]; /* stream offsets of reported CVV values */
	unsigned ncvv;
	/* stream offset before which every byte was judged as a CVV label start
	 * with all the lookahead it needs (CVV_LOOKAHEAD): windows around hits
	 * overlap on dense data, and a byte is looked at once */
	uint64_t cvv_done;
	uint64_t candidates;
	uint64_t test_ignored;
	/* 40 and 64 hex digits alone (judge_hex), when the stream wants them */
	bool want_digests;
	/* the secrets finder's anchor masks, computed with the card scanner's
	 * (AVX2 only): am[k] is the block at am_from + 64k, up to am_end */
	bool want_anchors, am_valid;
	uint64_t *am;
	size_t am_cap, am_from, am_end;
	unsigned ndg;
	struct {
		uint64_t off; /* stream offset */
		uint8_t len;  /* 20 or 32 */
		uint8_t bytes[32];
	} dg[SCAN_DIGESTS_MAX];
};

/* A hit with its place in the scanned buffer. */
struct scan_hit {
	struct pan_hit h;
	size_t start, end;
};

struct scan_hits {
	struct scan_hit *v;
	size_t n, cap;
};

#define RUN_JOIN_MAX 32  /* a run longer than this never joins a chain */
#define CHAIN_MAX    8   /* groups in a chain */
#define NEAR         160 /* CVV labels are looked for this far around card data */
/* Bytes cvv_at reads past a label's first byte before it decides: the
 * longest label (17), letters running on (12), separators (at most 10,
 * fullwidth colons included), 5 digits and the byte after them. */
#define CVV_LOOKAHEAD 64
#define EXCERPT_SIDE 28
#define TRACK_MAX    120 /* track 1 is at most 79 characters, track 2 40 */
#define LABEL_CAP    49  /* a PEM label and its NUL */

/* Byte classes of the scanner: '0'-'9'; mask characters; separators. */
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

/* The first byte of a CVV label: c or s in either case, or the UTF-8 lead
 * byte of 安 (E5), 校 (E6) or 验 (E9). Callers test it before cvv_at(),
 * which every byte of a window or an excerpt would otherwise cost a call. */
static inline bool is_cvv_lead(uint8_t c)
{
	uint8_t l = c | 0x20;
	return l == 'c' || l == 's' || c == 0xE5 || c == 0xE6 || c == 0xE9;
}

static inline bool is_hex(uint8_t c)
{
	return is_digit(c) || (uint8_t)((c | 0x20) - 'a') < 6;
}

static inline unsigned ctz64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* One call of scan_core: the buffer, the chain being built, what was found. */
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

/* scan.c -> judge.c: validate the chain in sc->gs/ge[0, k). */
void judge_chain(struct scan *sc, int k);
/* Hex runs overlapping b[lo, hi) that start in [slo, shi): PIN blocks. */
void judge_hex(struct scan *sc, size_t lo, size_t hi, size_t slo, size_t shi);
/* A labelled CVV whose label starts at b[i] (lo: where looking back stops). */
bool cvv_at(const uint8_t *b, size_t lo, size_t i, size_t n, size_t *vs, size_t *ve);

/* excerpt.c: hits, their digests and excerpts. */
struct pan_hit *hit_new(struct scan *sc, enum pan_kind kind, size_t s, size_t e);
void hit_digest(struct scan *sc, struct pan_hit *h, const char *digits, size_t nd);
/* Masks the hit's own bytes t[0, n) in the excerpt; arg is the masker's. */
typedef void (*mask_hit_fn)(char *t, size_t n, const void *arg);
void make_excerpt(struct scan *sc, struct pan_hit *h, size_t s, size_t e, mask_hit_fn fn,
                  const void *arg);
struct track_mask {
	size_t pan_off, pan_len, nd; /* the PAN inside the hit */
};
void mask_pan_hit(char *t, size_t n, const void *arg);    /* arg: size_t digits */
void mask_track_hit(char *t, size_t n, const void *arg);  /* arg: struct track_mask */
void mask_masked_hit(char *t, size_t n, const void *arg); /* arg: NULL */
void mask_all_hit(char *t, size_t n, const void *arg);    /* arg: NULL */

/* secret.c: keys and secrets (scan.h, pan_stream_secrets). */
#define SECRET_SIDE    256         /* bytes each side of an anchor the second stage may read */
#define SECRET_PEM_MAX (32u << 10) /* a private-key PEM block, at most */

struct secret_hit {
	struct pan_secret s;
	bool line_set; /* line and column known (a PEM block begun in an earlier buffer) */
};

struct secret_hits {
	struct secret_hit *v;
	size_t n, cap;
};

struct secret_state {
	uint64_t done;      /* stream offset: anchors before it were looked at */
	uint64_t ident_end; /* stream offset: end of the last name looked at */
	/* a private-key PEM block being collected (cleansed when done) */
	uint8_t *pem;
	size_t npem;
	bool collecting, pem_line_known;
	uint64_t pem_off, coll_pos, pem_line, pem_col;
	char label[LABEL_CAP];
};

/*
 * Anchors in b[done - base, end) of a buffer holding b[0, n) at stream
 * offset base; the second stage may read up to SECRET_SIDE bytes either
 * side (the caller keeps that much). Hits are appended sorted by offset.
 */
void secret_core(struct secret_state *st, const uint8_t *b, size_t n, size_t end, uint64_t base,
                 const struct scan_state *sc, struct secret_hits *out);
/* secret.c: a printable copy of a name, long digit runs starred. */
void secret_copy_name(char *dst, size_t cap, const uint8_t *b, size_t n);
/* pemkey.c: "-----BEGIN/END ... PRIVATE KEY-----" at b[s]; the bytes of a
 * block being collected, up to stream offset upto. */
void secret_pem_check(struct secret_state *st, const uint8_t *b, size_t lo, size_t n, size_t s,
                      uint64_t base, struct secret_hits *out);
void secret_pem_append(struct secret_state *st, const uint8_t *b, uint64_t base, uint64_t upto,
                       struct secret_hits *out);
/* Sort hits by offset (those found by the card scanner join them). */
void secret_hits_sort(struct secret_hits *h, size_t from);
/* The stream ended: a PEM block without its END line is reported. */
void secret_finish(struct secret_state *st, struct secret_hits *out);
void secret_state_reset(struct secret_state *st);
void secret_state_free(struct secret_state *st);

/* Release what a scan_state holds (it stays usable). */
void scan_state_free(struct scan_state *st);

/*
 * Scan b[from, n) of a stream whose byte b[0] is at stream offset base.
 * b[0, from) is context already scanned. When final is false, chains that
 * start at or after n - SCAN_MARGIN are left for the next call; the return
 * value is where that call must resume (the caller keeps SCAN_BEFORE bytes
 * before it). Hits are appended to out, sorted by start; their offsets,
 * line and column are left for the caller to fill.
 */
size_t scan_core(const struct pan_config *cfg, struct scan_state *st, const uint8_t *b, size_t n,
                 size_t from, bool final, uint64_t base, struct scan_hits *out);

#endif
