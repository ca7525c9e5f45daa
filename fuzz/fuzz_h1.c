/*
 * Fuzz the load probe's HTTP/1.1 response parser (probes/load/h1.c): a
 * stream of responses fed in pieces of fuzzer-chosen sizes, then EOF.
 * Invariant: a call never reports more bytes used than it was given.
 */
#include "fuzz/fuzz.h"
#include "probes/load/h1.h"

#include <stdlib.h>

FUZZ_TARGET(h1)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	struct h1_parser *p = malloc(sizeof(*p));
	if (!p)
		return 0;
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
