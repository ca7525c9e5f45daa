/*
 * Fuzz the results.json reader (harness/results.c): whatever it accepts
 * must write back and read again the same way.
 */
#include "fuzz/fuzz.h"
#include "harness/results.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(results)
{
	if (size > (4u << 20))
		return 0;
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return 0;
	struct results r;
	results_init(&r);
	if (results_from_json(&r, j) == 0) {
		/* Round trip: what was accepted must serialise and load again. */
		json_t *out = results_to_json(&r);
		struct results again;
		results_init(&again);
		if (results_from_json(&again, out) != 0)
			abort();
		results_free(&again);
		json_decref(out);
	}
	results_free(&r);
	json_decref(j);
	return 0;
}
