/*
 * Truncated card numbers beside unkeyed hashes of the same numbers (UPDSS
 * UPD-07; PCI DSS v4.0 3.5.1.1 and the note to 3.4: "hashed and truncated
 * versions of the same PAN must not be present in an environment", and a
 * hash must be keyed). A truncation that shows the first 6 and last 4 of a
 * 13-16 digit number leaves at most 10^6 numbers, a tenth of them
 * Luhn-valid; hashing those (SHA-1 and SHA-256 of the bare digits, the
 * algorithms the digests in the file have the length of) and looking each
 * up among the file's 40- and 64-hex-digit values is a rainbow table of
 * one truncation: about 10^5 digests, a few tens of milliseconds. A match
 * proves the pair gives the number back; a keyed hash (HMAC) never matches,
 * which is what the requirement asks for.
 *
 * Bounds: PAN_TRUNC_LOC distinct truncations and PAN_DIGESTS_LOC digests
 * per location, PAN_TRUNC_RUN truncations checked per run; longer numbers
 * (17-19 digits: 10^7-10^9 candidates) and what is over a bound are counted
 * in pan.truncations_unchecked. The deadline is looked at every 4096
 * candidates.
 *
 * Card data: the candidate number exists only in a stack buffer cleansed
 * after; digests are cleansed at the end of each location; a finding shows
 * the truncation (6 + 4) and the lines, never a digest or a number.
 */
#include "probes/pan/pan_int.h"
#include "lib/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void pan_hashes_trunc(struct pan_worker *w, const struct pan_hit *h)
{
	const char *m = h->masked;
	size_t n = strlen(m), lead = 0, trail = 0;
	while (lead < n && m[lead] >= '0' && m[lead] <= '9')
		lead++;
	while (trail < n - lead && m[n - 1 - trail] >= '0' && m[n - 1 - trail] <= '9')
		trail++;
	if (lead != 6 || trail != 4 || h->ndigits != n)
		return; /* not BIN + last 4: too many numbers behind it */
	struct pan_loc_hashes *x = &w->hashes;
	if (n > 16) {
		x->unchecked++;
		return;
	}
	for (unsigned i = 0; i < x->nt; i++)
		if (x->t[i].len == n && memcmp(x->t[i].lead, m, 6) == 0 &&
		    memcmp(x->t[i].trail, m + n - 4, 4) == 0)
			return;
	if (x->nt == PAN_TRUNC_LOC) {
		x->unchecked++;
		return;
	}
	struct pan_trunc *t = &x->t[x->nt++];
	memcpy(t->lead, m, 6);
	memcpy(t->trail, m + n - 4, 4);
	t->len = (unsigned)n;
	t->line = h->line;
	memcpy(t->masked, m, n + 1);
}

void pan_hashes_digest(struct pan_worker *w, const struct pan_secret *s)
{
	struct pan_loc_hashes *x = &w->hashes;
	if (x->nd == PAN_DIGESTS_LOC || (s->digest_len != 20 && s->digest_len != 32))
		return;
	if (!x->d)
		x->d = xcalloc(PAN_DIGESTS_LOC, sizeof(*x->d));
	x->d[x->nd].len = (uint8_t)s->digest_len;
	memcpy(x->d[x->nd].b, s->digest, s->digest_len);
	x->d[x->nd].line = s->line;
	x->nd++;
}

static int cmp_digest(const void *pa, const void *pb)
{
	const struct pan_digest *a = pa, *b = pb;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->b, b->b, a->len);
}

static bool luhn_ok(const char *d, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');
		if (i & 1) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* The digest of d[0, n) under md, looked up; the match or NULL. */
static const struct pan_digest *lookup(EVP_MD_CTX *ctx, const EVP_MD *md, uint8_t len,
                                       const char *d, size_t n, const struct pan_loc_hashes *x)
{
	struct pan_digest key;
	unsigned int out = 0;
	memset(&key, 0, sizeof(key));
	key.len = len;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, d, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, key.b, &out) != 1 || out != len)
		return NULL;
	const struct pan_digest *hit = bsearch(&key, x->d, x->nd, sizeof(x->d[0]), cmp_digest);
	OPENSSL_cleanse(key.b, sizeof(key.b));
	return hit;
}

/* One truncation against the location's digests; the number of matches. */
static unsigned check_one(struct pan_worker *w, const struct pan_trunc *t, bool sha1, bool sha256,
                          EVP_MD_CTX *ctx)
{
	struct pan_run *r = w->run;
	unsigned mid = t->len - 10, found = 0;
	uint64_t count = 1;
	for (unsigned i = 0; i < mid; i++)
		count *= 10;
	char d[16];
	memcpy(d, t->lead, 6);
	memcpy(d + t->len - 4, t->trail, 4);
	for (uint64_t v = 0; v < count; v++) {
		if ((v & 4095) == 0 && pan_deadline(r)) {
			w->c.trunc_unchecked++; /* cut short: not a proof of absence */
			break;
		}
		uint64_t x = v;
		for (unsigned i = 0; i < mid; i++) {
			d[6 + mid - 1 - i] = (char)('0' + x % 10);
			x /= 10;
		}
		if (!luhn_ok(d, t->len))
			continue;
		const struct pan_digest *m = NULL;
		const char *alg = NULL;
		if (sha256 && (m = lookup(ctx, EVP_sha256(), 32, d, t->len, &w->hashes)))
			alg = "SHA-256";
		else if (sha1 && (m = lookup(ctx, EVP_sha1(), 20, d, t->len, &w->hashes)))
			alg = "SHA-1";
		if (!m)
			continue;
		found++;
		char *msg = xasprintf("unkeyed %s hash of the card number truncated as %s at line "
		                      "%llu: together they give the number back",
		                      alg, t->masked, (unsigned long long)t->line);
		pthread_mutex_lock(&r->lock);
		pan_found_add(r, "unkeyed-pan-hash", "medium", msg, NULL, w->loc, (int64_t)m->line,
		              -1, -1);
		pthread_mutex_unlock(&r->lock);
	}
	OPENSSL_cleanse(d, sizeof(d));
	return found;
}

void pan_hashes_check(struct pan_worker *w)
{
	struct pan_loc_hashes *x = &w->hashes;
	if (!x->nt || !x->nd)
		return;
	w->c.trunc_hash_locs++;
	bool sha1 = false, sha256 = false;
	for (size_t i = 0; i < x->nd; i++) {
		sha1 = sha1 || x->d[i].len == 20;
		sha256 = sha256 || x->d[i].len == 32;
	}
	qsort(x->d, x->nd, sizeof(x->d[0]), cmp_digest);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	for (unsigned i = 0; i < x->nt && ctx; i++) {
		if (atomic_fetch_add(&w->run->trunc_checked, 1) >= PAN_TRUNC_RUN) {
			w->c.trunc_unchecked++;
			continue;
		}
		w->c.unkeyed_hashes += check_one(w, &x->t[i], sha1, sha256, ctx);
	}
	EVP_MD_CTX_free(ctx);
}

void pan_hashes_reset(struct pan_worker *w)
{
	struct pan_loc_hashes *x = &w->hashes;
	if (x->nd) /* unchecked matters only where there were digests to check */
		w->c.trunc_unchecked += x->unchecked;
	if (x->d && x->nd)
		OPENSSL_cleanse(x->d, x->nd * sizeof(*x->d));
	x->nd = 0;
	x->nt = 0;
	x->unchecked = 0;
}

void pan_hashes_free(struct pan_worker *w)
{
	pan_hashes_reset(w);
	free(w->hashes.d);
	w->hashes.d = NULL;
}
