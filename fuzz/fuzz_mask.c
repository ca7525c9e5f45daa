/*
 * Fuzz card-number masking (lib/mask.c). Invariants: the output has the
 * input's length, and no contiguous group of 13-19 digits left in it
 * passes Luhn (a card number never survives masking).
 */
#include "fuzz/fuzz.h"
#include "lib/mask.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(mask)
{
	if (size > 65536)
		return 0;
	char *in = xstrndup((const char *)data, size);
	size_t n = strlen(in); /* stops at an embedded NUL, as every C caller does */
	char *out = mask_text(in);
	if (strlen(out) != n)
		abort();
	for (size_t i = 0; i < n;) {
		if (out[i] < '0' || out[i] > '9') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && out[j] >= '0' && out[j] <= '9')
			j++;
		if (j - i >= 13 && j - i <= 19 && luhn_valid(out + i, j - i))
			abort();
		i = j;
	}
	free(out);
	free(in);
	return 0;
}
