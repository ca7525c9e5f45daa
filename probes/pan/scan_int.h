/*
 * Internals shared by the scanner's two files: scan.c (the fast pass and
 * the validating stage over one buffer) and stream.c (blocks, overlap,
 * encodings, lines). Not for other probes: they use scan.h.
 */
#ifndef ASSAY_PROBES_PAN_SCAN_INT_H
#define ASSAY_PROBES_PAN_SCAN_INT_H

#include "probes/pan/scan.h"

/*
 * Bytes kept before the point where the next scan resumes (look-behind:
 * a digit or letter touching a number, "%B", labels, excerpts), and the
 * look-ahead a chain that starts before a non-final buffer's end minus
 * SCAN_MARGIN may need (the chain itself, track data, labels, excerpts).
 */
#define SCAN_BEFORE 512
#define SCAN_MARGIN 1024

/* What persists from one buffer of a stream to the next. */
struct evp_mac_ctx_st;
struct scan_state {
	struct evp_mac_ctx_st *mac; /* the HMAC context, made on the first hit */
	uint64_t skip_until;   /* stream offset: chains before it are inside reported track data */
	uint64_t cvv_seen[16]; /* stream offsets of reported CVV values */
	unsigned ncvv;
	uint64_t candidates;
	uint64_t test_ignored;
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
