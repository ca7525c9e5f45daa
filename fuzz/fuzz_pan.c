/*
 * Fuzz the card-data scanner (probes/pan/scan.c and its stages) as the
 * pan, pcap and http probes use it: the same bytes as one buffer and as a
 * raw-byte stream fed in pieces must give the same number of hits, and no hit may
 * carry a Luhn-valid 13-19 digit run in its masked form or excerpt.
 * With the keys-and-secrets finder on (probes/pan/secret.c, as the pan
 * probe runs it: anchors, names and values, PEM collection, OpenSSL and
 * the openssh-key-v1 parser), a stream fed whole and one fed in pieces must
 * report the same secrets, each with a printable name and description.
 * The streams live across runs and are reset for each input, as the pan
 * probe's workers reuse theirs from file to file; that keeps a 1 MiB
 * buffer from being mapped and faulted in four times a run (the fuzzer ran
 * 400 inputs a second with fresh streams) and fuzzes pan_stream_reset.
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

struct secrets {
	size_t n;
	uint64_t sum; /* offsets and kinds, to compare two runs */
};

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort(); /* not terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void on_secret(void *ctx, const struct pan_secret *s)
{
	struct secrets *x = ctx;
	x->n++;
	x->sum += s->offset * 31 + (uint64_t)s->kind * 7 + s->line;
	check_printable(s->what, sizeof(s->what));
	check_printable(s->name, sizeof(s->name));
	check_text(s->what);
	check_text(s->name);
}

static void on_hit_secrets(void *ctx, const struct pan_hit *hit)
{
	(void)ctx;
	check_text(hit->masked);
	check_text(hit->excerpt);
}

static struct secrets *cur_secrets; /* the ctx of the secrets stream */

static void on_secret_cur(void *ctx, const struct pan_secret *s)
{
	(void)ctx;
	on_secret(cur_secrets, s);
}

static void scan_secrets(const uint8_t *data, size_t size, size_t step, struct secrets *out)
{
	static struct pan_stream *s;
	if (!s) {
		struct pan_config cfg = {0};
		s = pan_stream_new(&cfg, on_hit_secrets, NULL);
		pan_stream_secrets(s, on_secret_cur);
	}
	cur_secrets = out;
	pan_stream_reset(s, PAN_ENC_BYTES);
	for (size_t off = 0; off < size; off += step)
		pan_stream_write(s, data + off, size - off < step ? size - off : step);
	pan_stream_finish(s);
}

static size_t *cur_pieces; /* the ctx of the card streams */

static void on_hit_cur(void *ctx, const struct pan_hit *hit)
{
	(void)ctx;
	on_hit(cur_pieces, hit);
}

FUZZ_TARGET(pan)
{
	if (size < 1 || size > (4u << 20))
		return 0;
	struct pan_config cfg = {.ignore_test_cards = data[0] & 1};
	size_t whole = 0, pieces = 0;
	pan_scan_buffer(&cfg, data + 1, size - 1, on_hit, &whole);
	static struct pan_stream *streams[2]; /* one per configuration */
	struct pan_stream **sp = &streams[cfg.ignore_test_cards];
	if (!*sp)
		*sp = pan_stream_new(&cfg, on_hit_cur, NULL);
	struct pan_stream *s = *sp;
	cur_pieces = &pieces;
	pan_stream_reset(s, PAN_ENC_BYTES); /* as pan_scan_buffer reads: raw bytes */
	size_t step = 1 + data[0] * 7;
	for (size_t off = 1; off < size; off += step)
		pan_stream_write(s, data + off, size - off < step ? size - off : step);
	pan_stream_finish(s);
	if (whole != pieces)
		abort(); /* the block boundary must not change what is found */

	struct secrets a = {0, 0}, b = {0, 0};
	scan_secrets(data + 1, size - 1, size, &a);
	scan_secrets(data + 1, size - 1, step, &b);
	if (a.n != b.n || a.sum != b.sum)
		abort(); /* nor what keys and secrets are found */
	return 0;
}
