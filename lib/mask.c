/*
 * Card-number masking; see mask.h. This is the last line of defence, not
 * the scanner: it over-masks on purpose (any Luhn-valid 13-19 digit run,
 * and every run of more than 19 digits, loses its middle digits).
 */
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <string.h>

bool luhn_valid(const char *digits, size_t n)
{
	unsigned sum = 0;
	bool dbl = false;
	for (size_t i = n; i-- > 0;) {
		unsigned d = (unsigned)(digits[i] - '0');
		if (d > 9)
			return false;
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return n > 0 && sum % 10 == 0;
}

void mask_pan(char *out, const char *digits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (i < 6 || i + 4 >= n) ? digits[i] : '*';
	out[n] = '\0';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

char *mask_text(const char *s)
{
	size_t len = strlen(s);
	char *out = xstrndup(s, len);
	char digits[64];
	size_t i = 0;

	while (i < len) {
		if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1]))) {
			i++;
			continue;
		}
		/* Collect one run: digits, optionally split by single ' ' or '-'. */
		size_t nd = 0, ntotal = 0, j = i;
		while (j < len) {
			if (is_digit(s[j])) {
				if (nd < sizeof(digits)) {
					digits[nd] = s[j];
					nd++;
				}
				ntotal++;
				j++;
			} else if ((s[j] == ' ' || s[j] == '-') && j + 1 < len &&
			           is_digit(s[j + 1]) && j > i) {
				j++;
			} else {
				break;
			}
		}
		bool hit = (ntotal >= 13 && ntotal <= 19 && luhn_valid(digits, nd)) || ntotal > 19;
		if (hit) {
			/* Mask from the 7th digit to the 5th from the end. */
			size_t k = 0, last_keep = ntotal - 4;
			for (size_t p = i; p < j; p++) {
				if (!is_digit(s[p]))
					continue;
				if (k >= 6 && k < last_keep)
					out[p] = '*';
				k++;
			}
			/* Track data: what follows '=' / '^' / 'D' is expiry and discretionary
			 * data. */
			if (j < len && (s[j] == '=' || s[j] == '^' || s[j] == 'D')) {
				size_t p = j + 1;
				while (p < len && s[p] != '?' && s[p] != ' ' && s[p] != '\n' &&
				       s[p] != '\t' && s[p] != '"') {
					out[p] = '*';
					p++;
				}
				j = p;
			}
		}
		i = j;
	}
	return out;
}
