/*
 * Hits of the scanner and what they carry instead of the card data: the
 * masked number (6 + 4), a keyed digest for matching equal numbers, and an
 * excerpt of the context in which the hit itself, every other digit chain
 * of 13 or more digits and every labelled CVV value are masked here, by the
 * scanner (lib/mask.c is only the last line of defence behind it).
 */
#include "probes/pan/scan_int.h"
#include "lib/mask.h"
#include "lib/util.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

struct pan_hit *hit_new(struct scan *sc, enum pan_kind kind, size_t s, size_t e)
{
	struct scan_hits *o = sc->out;
	struct scan_hit *x = ARRAY_PUSH(o->v, o->n, o->cap);
	memset(x, 0, sizeof(*x));
	x->start = s;
	x->end = e;
	x->h.kind = kind;
	x->h.conf = PAN_CONF_HIGH;
	x->h.length = e - s;
	return &x->h;
}

/*
 * HMAC-SHA256 of the digits under the caller's key. The MAC context is
 * made once per stream and re-keyed with the same key per hit (a NULL key
 * keeps the previous one): OpenSSL 3's one-shot HMAC() fetches the
 * algorithm on every call, which costs more than the scan around it.
 */
void hit_digest(struct scan *sc, struct pan_hit *h, const char *digits, size_t nd)
{
	h->ndigits = (unsigned)nd;
	if (!sc->cfg->hmac_key)
		return;
	struct scan_state *st = sc->st;
	if (!st->mac) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		st->mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0),
		                       OSSL_PARAM_construct_end()};
		if (!st->mac ||
		    !EVP_MAC_init(st->mac, sc->cfg->hmac_key, sc->cfg->hmac_key_len, params)) {
			EVP_MAC_CTX_free(st->mac);
			st->mac = NULL;
			return;
		}
	} else if (!EVP_MAC_init(st->mac, NULL, 0, NULL)) {
		return;
	}
	size_t len = 0;
	if (EVP_MAC_update(st->mac, (const unsigned char *)digits, nd) &&
	    EVP_MAC_final(st->mac, h->digest, &len, sizeof(h->digest)) && len == 32)
		h->has_digest = true;
}

void scan_state_free(struct scan_state *st)
{
	EVP_MAC_CTX_free(st->mac);
	st->mac = NULL;
	free(st->am);
	st->am = NULL;
	st->am_cap = 0;
}

/*
 * In t[0, n), every chain of digit groups joined by single spaces or
 * dashes that holds 13 or more digits keeps its first 6 and last 4 digits:
 * the context of an excerpt may hold other card numbers, valid or not.
 */
static void excerpt_mask_chains(char *t, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (!is_digit((uint8_t)t[i])) {
			i++;
			continue;
		}
		size_t s = i, nd = 0;
		for (;;) {
			while (i < n && is_digit((uint8_t)t[i]))
				i++, nd++;
			if (i + 1 < n && is_sep((uint8_t)t[i]) && is_digit((uint8_t)t[i + 1]))
				i++;
			else
				break;
		}
		if (nd < 13)
			continue;
		size_t k = 0;
		for (size_t p = s; p < i; p++)
			if (is_digit((uint8_t)t[p])) {
				if (k >= 6 && k + 4 < nd)
					t[p] = '*';
				k++;
			}
	}
}

/* Mask the value of every labelled CVV in t[0, n). */
static void excerpt_mask_cvv(char *t, size_t n)
{
	const uint8_t *b = (const uint8_t *)t;
	for (size_t i = 0; i < n; i++) {
		size_t vs, ve;
		if (is_cvv_lead(b[i]) && cvv_at(b, 0, i, n, &vs, &ve)) {
			memset(t + vs, '*', ve - vs);
			i = ve;
		}
	}
}

/*
 * The excerpt of a hit: up to EXCERPT_SIDE bytes either side, never
 * cutting into a run of digits or hex (a cut run could show more than it
 * should), the hit masked by mask_hit(), the context masked, control bytes
 * as spaces and broken UTF-8 as '?', cut to PAN_EXCERPT_MAX - 1 bytes.
 */
void make_excerpt(struct scan *sc, struct pan_hit *h, size_t s, size_t e, mask_hit_fn fn,
                  const void *arg)
{
	if (sc->cfg->no_excerpts &&
	    atomic_load_explicit(sc->cfg->no_excerpts, memory_order_relaxed)) {
		h->excerpt[0] = '\0';
		return;
	}
	const uint8_t *b = sc->b;
	size_t lo = s > EXCERPT_SIDE ? s - EXCERPT_SIDE : 0;
	size_t hi = e + EXCERPT_SIDE < sc->n ? e + EXCERPT_SIDE : sc->n;
	if (lo > 0 && (is_hex(b[lo - 1]) || is_class(b[lo - 1])))
		while (lo < s && (is_hex(b[lo]) || is_class(b[lo]) || is_sep(b[lo])))
			lo++;
	while (lo < s && (b[lo] & 0xC0) == 0x80)
		lo++;
	if (hi < sc->n && (is_hex(b[hi]) || is_class(b[hi])))
		while (hi > e && (is_hex(b[hi - 1]) || is_class(b[hi - 1]) || is_sep(b[hi - 1])))
			hi--;
	while (hi > e && hi < sc->n && (b[hi] & 0xC0) == 0x80)
		hi--;

	char t[2 * EXCERPT_SIDE + 2 * TRACK_MAX + 64];
	size_t n = hi - lo;
	if (n > sizeof(t))
		n = sizeof(t);
	memcpy(t, b + lo, n);
	size_t hs = s - lo, he = e - lo < n ? e - lo : n;
	fn(t + hs, he - hs, arg);
	excerpt_mask_chains(t, hs);
	excerpt_mask_chains(t + he, n - he);
	excerpt_mask_cvv(t, n);

	/* printable, valid UTF-8, cut on a character boundary */
	size_t o = 0;
	for (size_t i = 0; i < n && o < PAN_EXCERPT_MAX - 1;) {
		uint8_t c = (uint8_t)t[i];
		if (c < 0x80) {
			h->excerpt[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			i++;
			continue;
		}
		size_t k = c >= 0xF0 && c < 0xF5   ? 4
		           : c >= 0xE0             ? 3
		           : c >= 0xC2 && c < 0xE0 ? 2
		                                   : 0;
		bool ok = k && i + k <= n;
		for (size_t j = 1; ok && j < k; j++)
			ok = ((uint8_t)t[i + j] & 0xC0) == 0x80;
		if (!ok) {
			h->excerpt[o++] = '?';
			i++;
			continue;
		}
		if (o + k > PAN_EXCERPT_MAX - 1)
			break;
		memcpy(h->excerpt + o, t + i, k);
		o += k;
		i += k;
	}
	h->excerpt[o] = '\0';
}

/* Mask the digits of a number in t: keep the first 6 and last 4 of nd. */
static void mask_number_part(char *t, size_t n, size_t nd)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (is_digit((uint8_t)t[i])) {
			if (k >= 6 && k + 4 < nd)
				t[i] = '*';
			k++;
		}
}

/* A PAN hit: its digits masked, separators and mask characters kept. */
void mask_pan_hit(char *t, size_t n, const void *arg)
{
	mask_number_part(t, n, *(const size_t *)arg);
}

/* A track hit: the PAN masked, everything after it up to the end sentinel as '*'. */
void mask_track_hit(char *t, size_t n, const void *arg)
{
	const struct track_mask *m = arg;
	mask_number_part(t + m->pan_off, m->pan_len, m->nd);
	for (size_t i = m->pan_off + m->pan_len + 1; i < n; i++)
		if (t[i] != '?')
			t[i] = '*';
}

/* A masked number: show at most 6 + 4 of the digits it shows. */
void mask_masked_hit(char *t, size_t n, const void *arg)
{
	(void)arg;
	size_t nd = 0, lead = 0;
	bool in_lead = true;
	for (size_t i = 0; i < n; i++) {
		if (is_digit((uint8_t)t[i])) {
			nd++;
			if (in_lead)
				lead++;
		} else if (is_maskc((uint8_t)t[i])) {
			in_lead = false;
		}
	}
	size_t trail = nd - lead, k = 0;
	for (size_t i = 0; i < n; i++)
		if (is_digit((uint8_t)t[i])) {
			bool keep = k < lead ? k < 6 : (nd - k) <= 4 && trail > 0;
			if (!keep)
				t[i] = '*';
			k++;
		}
}

/* A CVV or PIN block: all of it. */
void mask_all_hit(char *t, size_t n, const void *arg)
{
	(void)arg;
	memset(t, '*', n);
}
