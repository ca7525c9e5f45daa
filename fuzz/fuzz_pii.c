/*
 * Fuzz the resident ID and mobile number finder (probes/pan/pii.c): the
 * same bytes as one buffer and fed in pieces of every size the first
 * byte picks must give the same hits at the same offsets, no mask may
 * show more than an ID's 6 + 4 or a mobile's 3 + 4 characters, and every
 * offset lies inside the input. The finder through the card scanner's
 * stream (pan_stream_pii, raw bytes) must agree with it too.
 */
#include "fuzz/fuzz.h"
#include "probes/pan/pii.h"
#include "probes/pan/scan.h"

#include <stdlib.h>
#include <string.h>

struct tally {
	size_t n, size;
	uint64_t sum; /* offsets, kinds and fields, to compare two runs */
};

static void tally_hit(void *ctx, const struct pii_hit *h)
{
	struct tally *t = ctx;
	if (h->offset >= t->size)
		abort();
	size_t shown = 0, len = strnlen(h->masked, sizeof(h->masked));
	if (len == sizeof(h->masked))
		abort(); /* not terminated */
	for (size_t i = 0; i < len; i++)
		shown += h->masked[i] != '*';
	if (shown > (h->field == PII_FIELD_ID ? 10u : 7u))
		abort();
	t->n++;
	t->sum += h->offset * 131 + (uint64_t)h->kind * 7 + (uint64_t)h->field;
}

static void ignore_card(void *ctx, const struct pan_hit *h)
{
	(void)ctx;
	(void)h;
}

FUZZ_TARGET(pii)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	const uint8_t *d = data + 1;
	size_t n = size - 1;
	struct tally whole = {0, n, 0}, pieces = {0, n, 0}, stream = {0, n, 0};
	pii_scan_buffer(d, n, tally_hit, &whole);

	struct pii_stream s;
	pii_stream_init(&s, tally_hit, &pieces);
	size_t step = 1 + data[0] % 29;
	for (size_t off = 0; off < n; off += step)
		pii_stream_write(&s, d + off, n - off < step ? n - off : step);
	pii_stream_finish(&s);
	if (whole.n != pieces.n || whole.sum != pieces.sum)
		abort();

	/* the card stream keeps its ctx from creation: one tally lives with it */
	static struct pan_stream *ps;
	static struct tally in_stream;
	if (!ps) {
		struct pan_config cfg = {0};
		ps = pan_stream_new(&cfg, ignore_card, &in_stream);
		pan_stream_pii(ps, tally_hit);
	}
	in_stream = stream;
	pan_stream_reset(ps, PAN_ENC_BYTES);
	for (size_t off = 0; off < n; off += step)
		pan_stream_write(ps, d + off, n - off < step ? n - off : step);
	pan_stream_finish(ps);
	if (in_stream.n != whole.n || in_stream.sum != whole.sum)
		abort();
	return 0;
}
