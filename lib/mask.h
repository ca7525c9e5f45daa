/*
 * Masking of card numbers. assay finds card data and must never become a
 * place that stores it (DESIGN.md, "Card data is radioactive"): every
 * string that leaves a probe for a fact, finding, error or report passes
 * through mask_text(), which replaces each Luhn-valid run of 13-19 digits
 * (contiguous or grouped by single spaces or dashes) with its first 6 and
 * last 4 digits and the middle as '*'. This is the PCI DSS 3.4 / UPDSS
 * display limit.
 */
#ifndef ASSAY_LIB_MASK_H
#define ASSAY_LIB_MASK_H

#include <stdbool.h>
#include <stddef.h>

/* Luhn check over n ASCII digits. */
bool luhn_valid(const char *digits, size_t n);

/*
 * Return a newly allocated copy of s with card numbers masked: in every
 * run of digit groups (split by single spaces or dashes), each window of
 * whole groups holding 13-19 digits that passes Luhn, and every single
 * group longer than 19 digits, keeps only its first 6 and last 4 digits.
 * After a masked number, a track separator starts track data: '^' (track
 * 1, to the end sentinel '?') or '=' / 'D' (track 2, to '?' or a space);
 * that tail is masked whole, at most 120 characters.
 */
char *mask_text(const char *s);

/* Mask n digits into out (n+1 bytes): first 6, last 4 kept. */
void mask_pan(char *out, const char *digits, size_t n);

#endif
