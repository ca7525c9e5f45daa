/*
 * Fuzz the card-data scanner (probes/pan/scan.c and its stages) as the
 * pan, pcap and http probes use it: the same bytes as one buffer and as a
 * raw-byte stream fed in pieces must give the same number of hits, and no hit may
 * carry a Luhn-valid 13-19 digit run in its masked form or excerpt.
 */
#include "fuzz/fuzz.h"
#include "lib/mask.h"
#include "probes/pan/scan.h"

#include <stdlib.h>
#include <string.h>

static void check_text(const char *s)
{
	size_t n = strnlen(s, PAN_EXCERPT_MAX);
	for (size_t i = 0; i < n;) {
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j - i >= 13 && j - i <= 19 && luhn_valid(s + i, j - i))
			abort();
		i = j;
	}
}

static void on_hit(void *ctx, const struct pan_hit *hit)
{
	(*(size_t *)ctx)++;
	check_text(hit->masked);
	check_text(hit->excerpt);
}

FUZZ_TARGET(pan)
{
	if (size < 1 || size > (4u << 20))
		return 0;
	struct pan_config cfg = {.ignore_test_cards = data[0] & 1};
	size_t whole = 0, pieces = 0;
	pan_scan_buffer(&cfg, data + 1, size - 1, on_hit, &whole);
	struct pan_stream *s = pan_stream_new(&cfg, on_hit, &pieces);
	pan_stream_reset(s, PAN_ENC_BYTES); /* as pan_scan_buffer reads: raw bytes */
	size_t step = 1 + data[0] * 7;
	for (size_t off = 1; off < size; off += step)
		pan_stream_write(s, data + off, size - off < step ? size - off : step);
	pan_stream_finish(s);
	pan_stream_free(s);
	if (whole != pieces)
		abort(); /* the block boundary must not change what is found */
	return 0;
}
