/*
 * Fuzz the load histogram's text decoder (lib/hist.c), which
 * reads `load.histogram` from results files that `assay merge` combines:
 * whatever decodes must give sane percentiles and add to itself.
 */
#include "fuzz/fuzz.h"
#include "lib/util.h"
#include "lib/hist.h"

#include <stdlib.h>

FUZZ_TARGET(hist)
{
	if (size > (1u << 20))
		return 0;
	char *text = xstrndup((const char *)data, size);
	struct hist h;
	if (hist_decode(&h, text) == 0) {
		int64_t p50 = hist_percentile(&h, 50), p99 = hist_percentile(&h, 99);
		if (p50 > p99)
			abort(); /* percentiles are monotonic */
		struct hist twice;
		if (hist_decode(&twice, text) == 0) {
			hist_add(&twice, &h);
			hist_free(&twice);
		}
		hist_free(&h);
	}
	free(text);
	return 0;
}
