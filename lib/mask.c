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

/* Track data is at most 79 (track 1) or 40 (track 2) characters long. */
#define TRACK_TAIL_MAX 120
#define RUN_GROUPS_MAX 64

/* One run: digit groups split by single spaces or dashes ("4111 1111 ..."). */
struct run {
	size_t start[RUN_GROUPS_MAX], len[RUN_GROUPS_MAX]; /* byte offsets in s */
	size_t ngroups;
	size_t end;
};

static size_t scan_run(struct run *r, const char *s, size_t len, size_t i)
{
	r->ngroups = 0;
	size_t j = i;
	for (;;) {
		size_t b = j;
		while (j < len && is_digit(s[j]))
			j++;
		if (r->ngroups < RUN_GROUPS_MAX) {
			r->start[r->ngroups] = b;
			r->len[r->ngroups] = j - b;
			r->ngroups++;
		}
		if (j + 1 < len && (s[j] == ' ' || s[j] == '-') && is_digit(s[j + 1]) &&
		    r->ngroups < RUN_GROUPS_MAX)
			j++;
		else
			break;
	}
	r->end = j;
	return j;
}

/* Mask digits of groups [a, b] from the 7th to the 5th from the end. */
static void mask_window(char *out, const struct run *r, size_t a, size_t b, size_t total)
{
	size_t k = 0;
	for (size_t g = a; g <= b; g++)
		for (size_t p = r->start[g]; p < r->start[g] + r->len[g]; p++, k++)
			if (k >= 6 && k + 4 < total)
				out[p] = '*';
}

static bool window_luhn(const char *s, const struct run *r, size_t a, size_t b, size_t total)
{
	char digits[19];
	size_t k = 0;
	for (size_t g = a; g <= b && k < total; g++)
		for (size_t p = r->start[g]; p < r->start[g] + r->len[g] && k < total; p++)
			digits[k++] = s[p];
	return luhn_valid(digits, k);
}

char *mask_text(const char *s)
{
	size_t len = strlen(s);
	char *out = xstrndup(s, len);
	struct run r;
	size_t i = 0;

	while (i < len) {
		/* A run starts after a non-digit of the output: digits left after a
		 * track tail cut at its bound are scanned as a run of their own. */
		if (!is_digit(s[i]) || (i > 0 && is_digit(out[i - 1]))) {
			i++;
			continue;
		}
		i = scan_run(&r, s, len, i);
		bool hit = false;
		/* A single group longer than any card number may hide one inside. */
		for (size_t g = 0; g < r.ngroups; g++)
			if (r.len[g] > 19) {
				mask_window(out, &r, g, g, r.len[g]);
				hit = true;
			}
		/* Every window of whole groups of 13-19 digits that passes Luhn:
		 * a card number beside another number ("qty 5 4111...") is
		 * still found, and a list of short numbers is left alone. */
		for (size_t a = 0; a < r.ngroups; a++) {
			size_t total = 0;
			for (size_t b = a; b < r.ngroups; b++) {
				total += r.len[b];
				if (total > 19)
					break;
				if (total >= 13 && window_luhn(s, &r, a, b, total)) {
					mask_window(out, &r, a, b, total);
					hit = true;
				}
			}
		}
		/* Track data: what follows the separator (name, expiry, service
		 * code, discretionary data) goes up to the end sentinel '?'. */
		if (hit && r.end < len && (s[r.end] == '=' || s[r.end] == '^' || s[r.end] == 'D')) {
			/* Track 1 ('^') holds a name, which may have spaces; track 2
			 * ('=' or 'D') is digits and ends at a space too. */
			bool track1 = s[r.end] == '^';
			size_t p = r.end + 1;
			while (p < len && p - r.end <= TRACK_TAIL_MAX && s[p] != '?' &&
			       s[p] != '\n' && s[p] != '"' &&
			       (track1 || (s[p] != ' ' && s[p] != '\t'))) {
				out[p] = '*';
				p++;
			}
			i = p;
		}
	}
	return out;
}
