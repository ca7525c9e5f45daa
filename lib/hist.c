/*
 * HdrHistogram-style histogram; see hist.h. The bucket math follows the
 * public-domain HdrHistogram design (notes/load_reports.md §A.6) with a
 * unit magnitude of 0 (the smallest discernible value is 1).
 *
 * Wire format of hist_encode (before base64), all integers unsigned LEB128
 * varints unless said otherwise:
 *   "AH" 0x01          magic and version (3 bytes)
 *   sig_digits         1 byte, 1..5
 *   highest, total, min, max, clamped, counts_len
 *   counts             ZigZag LEB128; a value n >= 0 is one counter holding
 *                      n, a negative -k stands for k empty counters
 * The layout (counts_len) must be the one highest and sig_digits give; the
 * counts must sum to total.
 */
#include "lib/hist.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_MAX_COUNTS (1u << 20)
#define HIST_PREFIX     "ahst1:"

static int64_t ipow10(int d)
{
	int64_t r = 1;
	while (d-- > 0)
		r *= 10;
	return r;
}

int hist_init(struct hist *h, int64_t highest, int sig_digits)
{
	memset(h, 0, sizeof(*h));
	if (sig_digits < 1 || sig_digits > 5)
		return err_set("histogram: %d significant digits (expected 1..5)", sig_digits);
	if (highest < 2 || highest > (INT64_C(1) << 61))
		return err_set("histogram: highest value %lld out of range", (long long)highest);
	int64_t largest_single = 2 * ipow10(sig_digits);
	int mag = 0;
	while ((INT64_C(1) << mag) < largest_single)
		mag++;
	h->sub_half_mag = mag - 1;
	h->sub_count = INT64_C(1) << mag;
	/* buckets needed to cover highest */
	int64_t smallest_untrackable = h->sub_count;
	int buckets = 1;
	while (smallest_untrackable <= highest) {
		smallest_untrackable <<= 1;
		buckets++;
	}
	h->bucket_count = buckets;
	h->counts_len = (size_t)(buckets + 1) * (size_t)(h->sub_count / 2);
	if (h->counts_len > HIST_MAX_COUNTS)
		return err_set("histogram: layout of %zu counters is too large", h->counts_len);
	h->highest = highest;
	h->sig_digits = sig_digits;
	h->counts = xcalloc(h->counts_len, sizeof(*h->counts));
	h->min = INT64_MAX;
	h->max = 0;
	return 0;
}

void hist_free(struct hist *h)
{
	free(h->counts);
	h->counts = NULL;
}

void hist_reset(struct hist *h)
{
	memset(h->counts, 0, h->counts_len * sizeof(*h->counts));
	h->total = 0;
	h->clamped = 0;
	h->min = INT64_MAX;
	h->max = 0;
}

static int bucket_index(const struct hist *h, int64_t v)
{
	uint64_t mask = (uint64_t)h->sub_count - 1;
	int pow2ceil = 64 - __builtin_clzll((uint64_t)v | mask);
	return pow2ceil - (h->sub_half_mag + 1);
}

static size_t counts_index(const struct hist *h, int64_t v)
{
	int bi = bucket_index(h, v);
	int64_t sbi = v >> bi;
	int64_t half = h->sub_count / 2;
	return (size_t)((((int64_t)bi + 1) << h->sub_half_mag) + (sbi - half));
}

/* Lowest value of the counter at idx, and the width of its range. */
static int64_t value_at_index(const struct hist *h, size_t idx, int64_t *width)
{
	int64_t half = h->sub_count / 2;
	int64_t bi = (int64_t)(idx >> h->sub_half_mag) - 1;
	int64_t sbi = (int64_t)(idx & (size_t)(half - 1)) + half;
	if (bi < 0) {
		sbi -= half;
		bi = 0;
	}
	*width = INT64_C(1) << bi;
	return sbi << bi;
}

void hist_record_n(struct hist *h, int64_t v, uint64_t n)
{
	if (n == 0)
		return;
	if (v < 0)
		v = 0;
	if (v > h->highest) {
		v = h->highest;
		h->clamped += n;
	}
	h->counts[counts_index(h, v)] += n;
	h->total += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_record(struct hist *h, int64_t v)
{
	hist_record_n(h, v, 1);
}

int hist_add(struct hist *dst, const struct hist *src)
{
	if (dst->highest != src->highest || dst->sig_digits != src->sig_digits ||
	    dst->counts_len != src->counts_len)
		return err_set("histogram: cannot merge different layouts (highest %lld/%lld, "
		               "%d/%d digits)",
		               (long long)dst->highest, (long long)src->highest, dst->sig_digits,
		               src->sig_digits);
	for (size_t i = 0; i < dst->counts_len; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->total) {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	return 0;
}

int64_t hist_percentile(const struct hist *h, double p)
{
	if (h->total == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	uint64_t want = (uint64_t)(p / 100.0 * (double)h->total + 0.5);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			int64_t width;
			int64_t lo = value_at_index(h, i, &width);
			int64_t hi = lo + width - 1;
			return hi > h->max ? h->max : hi;
		}
	}
	return h->max;
}

/* The value that stands for counter i: the middle of its range. */
static double mid_at_index(const struct hist *h, size_t i)
{
	int64_t width;
	int64_t lo = value_at_index(h, i, &width);
	return (double)lo + (double)(width - 1) / 2.0;
}

double hist_mean(const struct hist *h)
{
	if (!h->total)
		return 0;
	double sum = 0;
	for (size_t i = 0; i < h->counts_len; i++)
		if (h->counts[i])
			sum += mid_at_index(h, i) * (double)h->counts[i];
	return sum / (double)h->total;
}

double hist_stddev(const struct hist *h)
{
	if (!h->total)
		return 0;
	double mean = hist_mean(h), acc = 0;
	for (size_t i = 0; i < h->counts_len; i++)
		if (h->counts[i]) {
			double d = mid_at_index(h, i) - mean;
			acc += d * d * (double)h->counts[i];
		}
	return sqrt(acc / (double)h->total);
}

/* --- encoding --- */

static void put_varint(struct strbuf *sb, uint64_t v)
{
	while (v >= 0x80) {
		sb_addc(sb, (char)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	sb_addc(sb, (char)v);
}

static void put_zigzag(struct strbuf *sb, int64_t v)
{
	put_varint(sb, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *hist_encode(const struct hist *h)
{
	struct strbuf raw = STRBUF_INIT;
	sb_add(&raw, "AH\x01", 3);
	sb_addc(&raw, (char)h->sig_digits);
	put_varint(&raw, (uint64_t)h->highest);
	put_varint(&raw, h->total);
	put_varint(&raw, h->total ? (uint64_t)h->min : 0);
	put_varint(&raw, (uint64_t)h->max);
	put_varint(&raw, h->clamped);
	put_varint(&raw, h->counts_len);
	for (size_t i = 0; i < h->counts_len;) {
		if (h->counts[i] == 0) {
			size_t j = i;
			while (j < h->counts_len && h->counts[j] == 0)
				j++;
			put_zigzag(&raw, -(int64_t)(j - i));
			i = j;
		} else {
			put_zigzag(&raw, (int64_t)(h->counts[i] & (UINT64_MAX >> 1)));
			i++;
		}
	}
	struct strbuf out = STRBUF_INIT;
	sb_adds(&out, HIST_PREFIX);
	const unsigned char *p = (const unsigned char *)raw.buf;
	for (size_t i = 0; i < raw.len; i += 3) {
		uint32_t n = (uint32_t)p[i] << 16;
		if (i + 1 < raw.len)
			n |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < raw.len)
			n |= p[i + 2];
		sb_addc(&out, b64[(n >> 18) & 63]);
		sb_addc(&out, b64[(n >> 12) & 63]);
		sb_addc(&out, i + 1 < raw.len ? b64[(n >> 6) & 63] : '=');
		sb_addc(&out, i + 2 < raw.len ? b64[n & 63] : '=');
	}
	sb_free(&raw);
	return sb_detach(&out);
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* Decode base64 text (length a multiple of 4) into *out; -1 with the offset. */
static int b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t n)
{
	if (n % 4)
		return err_set("histogram: base64 length %zu is not a multiple of 4", n);
	unsigned char *buf = xmalloc(n / 4 * 3 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++) {
			v[k] = b64_val(s[i + k]);
			bool pad_ok =
			    s[i + k] == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '=');
			if (v[k] < 0 && !pad_ok) {
				free(buf);
				return err_set("histogram: bad base64 character at offset %zu",
				               i + k + strlen(HIST_PREFIX));
			}
			if (v[k] < 0)
				v[k] = 0;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		             (uint32_t)v[3];
		buf[len++] = (unsigned char)(w >> 16);
		if (s[i + 2] != '=')
			buf[len++] = (unsigned char)(w >> 8);
		if (s[i + 3] != '=')
			buf[len++] = (unsigned char)w;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

struct cur {
	const unsigned char *p;
	size_t n, off;
};

static int get_varint(struct cur *c, uint64_t *out, const char *what)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (c->off >= c->n)
			return err_set("histogram: truncated %s at byte %zu", what, c->off);
		unsigned char b = c->p[c->off++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return err_set("histogram: varint too long in %s at byte %zu", what, c->off);
}

int hist_decode(struct hist *h, const char *text)
{
	memset(h, 0, sizeof(*h));
	if (!str_starts(text, HIST_PREFIX))
		return err_set("histogram: expected the prefix '%s'", HIST_PREFIX);
	const char *s = text + strlen(HIST_PREFIX);
	size_t n = strlen(s);
	if (n > (64u << 20))
		return err_set("histogram: encoded text over 64 MiB");
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	if (b64_decode(&raw, &rawlen, s, n) < 0)
		return -1;
	struct cur c = {raw, rawlen, 0};
	uint64_t highest, total, min, max, clamped, len;
	int rc = -1;
	if (rawlen < 4 || memcmp(raw, "AH\x01", 3) != 0) {
		err_set("histogram: bad magic or version at byte 0");
		goto out;
	}
	c.off = 4;
	if (get_varint(&c, &highest, "highest") < 0 || get_varint(&c, &total, "total") < 0 ||
	    get_varint(&c, &min, "min") < 0 || get_varint(&c, &max, "max") < 0 ||
	    get_varint(&c, &clamped, "clamped") < 0 || get_varint(&c, &len, "length") < 0)
		goto out;
	if (highest > (UINT64_C(1) << 61) || hist_init(h, (int64_t)highest, raw[3]) < 0)
		goto out;
	if (len != h->counts_len) {
		err_set("histogram: %llu counters where the layout has %zu",
		        (unsigned long long)len, h->counts_len);
		goto out;
	}
	if (max > highest || min > max || clamped > total) {
		err_set("histogram: inconsistent min/max/clamped");
		goto out;
	}
	uint64_t sum = 0;
	for (size_t i = 0; i < h->counts_len;) {
		size_t at = c.off;
		uint64_t zz;
		if (get_varint(&c, &zz, "counts") < 0)
			goto out;
		int64_t v = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
		if (v < 0) {
			uint64_t run = (uint64_t)(-(v + 1)) + 1;
			if (run > h->counts_len - i) {
				err_set("histogram: run of %llu empty counters past the end at "
				        "byte %zu",
				        (unsigned long long)run, at);
				goto out;
			}
			i += (size_t)run;
		} else {
			h->counts[i++] = (uint64_t)v;
			if (sum + (uint64_t)v < sum) {
				err_set("histogram: counts overflow at byte %zu", at);
				goto out;
			}
			sum += (uint64_t)v;
		}
	}
	if (c.off != c.n) {
		err_set("histogram: %zu trailing bytes at byte %zu", c.n - c.off, c.off);
		goto out;
	}
	if (sum != total) {
		err_set("histogram: counts sum to %llu, header says %llu", (unsigned long long)sum,
		        (unsigned long long)total);
		goto out;
	}
	h->total = total;
	h->min = total ? (int64_t)min : INT64_MAX;
	h->max = (int64_t)max;
	h->clamped = clamped;
	rc = 0;
out:
	free(raw);
	if (rc < 0)
		hist_free(h);
	return rc;
}
