/*
 * The personal-information finder (JR/T 0171 class C2 beside card numbers):
 * mainland resident ID numbers and mobile numbers, in full or masked, in a
 * byte stream. Public API of probes/pan, like scan.h, for the probes that
 * judge masked display (PFI-05): http on bodies, pan on files.
 *
 * What it finds (each a `struct pii_hit`), in tokens of digits and `*`
 * that no ASCII letter or digit touches on either side:
 * - a resident ID number: 17 digits and a check character (digit or X)
 *   that the ISO 7064 MOD 11-2 check accepts, with a region digit 1-9 and a
 *   birth date of 1900-2099 with a month 01-12 and a day 01-31;
 * - a mobile number: 11 digits 1[3-9]xxxxxxxxx, alone or after 86 (+86);
 * - masks of them: an 18-character token of digits, `*` and a final X,
 *   or an 11-character one starting with 1, holding at least one `*`.
 *   Compliant: an ID showing at most its first 6 and last 4, a mobile its
 *   first 3 and last 4 (JR/T 0171 Annex A's examples, catalog [approx]);
 *   anything else shown is too wide.
 *
 * Nothing it reports carries the digits: `masked` keeps an ID's first 6
 * and last 4 and a mobile's first 3 and last 4, the compliant forms.
 * Memory is bounded (a token longer than PII_TOKEN_MAX is skipped whole);
 * one stream belongs to one thread at a time.
 */
#ifndef ASSAY_PROBES_PAN_PII_H
#define ASSAY_PROBES_PAN_PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pii_kind {
	PII_ID,          /* a resident ID number in full */
	PII_MOBILE,      /* a mobile number in full */
	PII_MASKED_OK,   /* a mask showing no more than the compliant digits */
	PII_MASKED_WIDE, /* a mask showing more */
};

enum pii_field {
	PII_FIELD_ID,
	PII_FIELD_MOBILE,
};

struct pii_hit {
	enum pii_kind kind;
	enum pii_field field;
	uint64_t offset; /* of the token's first byte in the stream */
	char masked[24]; /* "110101********123X", "138****5678" */
};

typedef void (*pii_hit_fn)(void *ctx, const struct pii_hit *hit);

#define PII_TOKEN_MAX 24 /* the longest token looked at: +86 and separators fit */

struct pii_stream {
	pii_hit_fn fn;
	void *ctx;
	uint64_t off;                /* bytes seen so far */
	char tok[PII_TOKEN_MAX + 1]; /* the token being read */
	size_t tn;                   /* its length, or PII_TOKEN_MAX + 1: too long */
	uint64_t tok_off;            /* its first byte's offset */
	bool after_word;             /* the byte before the token is a letter or digit */
	unsigned stars;              /* `*` in the token */
	unsigned char prev;          /* the last byte seen */
	uint64_t hits[4];            /* by kind */
};

/* Start (or restart) a stream; hits go to fn(ctx, hit). */
void pii_stream_init(struct pii_stream *s, pii_hit_fn fn, void *ctx);
/* Scan the next n bytes; a token split across two writes is found once. */
void pii_stream_write(struct pii_stream *s, const void *data, size_t n);
/* End of stream: judge the token in progress. */
void pii_stream_finish(struct pii_stream *s);
/* One buffer: init, write, finish; the number of hits. */
size_t pii_scan_buffer(const void *data, size_t n, pii_hit_fn fn, void *ctx);

/* For the probes' findings: the kind's name ("id-number", "mobile",
 * "masked-too-wide"; NULL for a compliant mask), and what was found as a
 * sentence ("a mobile number in full (shown here as 138****5678)"; freed by
 * the caller). */
const char *pii_finding_kind(const struct pii_hit *hit);
char *pii_describe(const struct pii_hit *hit);

/* Whether 18 characters are a valid resident ID number (check, region, date). */
bool pii_id_valid(const char *s);

#endif
