/*
 * Fuzz the load probe's HTTP/1.1 response parser (probes/load/h1.c): a
 * stream of responses fed in pieces of fuzzer-chosen sizes, then EOF.
 * Invariants: a call never reports more bytes used than it was given, and
 * the error-body sink (LOAD-03 sampling) sees each body's bytes in order,
 * at the offsets it was told, only for a status of 400 or more.
 */
#include "fuzz/fuzz.h"
#include "probes/load/h1.h"

#include <stdlib.h>
#include <string.h>

struct sink_check {
	const struct h1_parser *p;
	uint64_t next; /* the offset the next call must have, within one body */
};

static void sink(void *ctx, uint64_t off, const char *b, size_t n)
{
	struct sink_check *c = ctx;
	if (c->p->status < 400 || (off != 0 && off != c->next) || !b || n == 0)
		abort();
	volatile char first = b[0], last = b[n - 1]; /* the bytes are readable */
	(void)first;
	(void)last;
	c->next = off + n;
}

FUZZ_TARGET(h1)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	struct h1_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return 0;
	struct sink_check check = {.p = p};
	p->sink = sink;
	p->sink_ctx = &check;
	h1_reset(p, data[0] & 1);
	size_t step = 1 + data[0] / 2, off = 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		size_t used = 0;
		enum h1_rc rc = h1_feed(p, (const char *)data + off, n, &used);
		if (used > n)
			abort();
		if (rc == H1_ERROR)
			break;
		if (rc == H1_DONE) {
			h1_reset(p, false);
			off += used ? used : n;
			continue;
		}
		off += n;
	}
	h1_eof(p);
	free(p);
	return 0;
}
