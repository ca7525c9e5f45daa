/*
 * Latency histograms in the HdrHistogram style (notes/load_reports.md
 * §A.6), written for the load probe and read by the report renderers (its
 * latency charts): log-linear buckets, a fixed number of
 * significant decimal digits, memory fixed at init whatever the run length.
 *
 * Values are integers (the load probe records microseconds). With 3
 * significant digits every value is kept within 0.1 %: the first bucket
 * holds 0..2047 at unit resolution, each further bucket doubles the range
 * with 1024 sub-buckets at twice the previous step. Index math is a
 * count-leading-zeros and shifts.
 *
 * Two histograms of the same layout merge exactly by adding their counts
 * (hist_add), so per-thread and per-machine histograms combine into the one
 * that recording every sample in one place would have built. hist_encode
 * writes a compact base64 string (the fact `load.histogram`) and
 * hist_decode reads it back, bounding every length and count.
 *
 * Ownership: hist_init allocates the counts, hist_free releases them.
 */
#ifndef ASSAY_LIB_HIST_H
#define ASSAY_LIB_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist {
	int64_t highest;   /* highest trackable value; larger ones are clamped */
	int sig_digits;    /* 1..5 */
	int sub_half_mag;  /* log2(sub-bucket count) - 1 */
	int64_t sub_count; /* sub-buckets in the first bucket (power of 2) */
	int bucket_count;
	size_t counts_len;
	uint64_t *counts;
	uint64_t total;
	int64_t min, max; /* exact extremes of what was recorded (min INT64_MAX when empty) */
	uint64_t clamped; /* values above highest, recorded as highest */
};

/* Layout for values 0..highest (>= 2) with sig_digits (1..5). 0 or -1 with err_set(). */
int hist_init(struct hist *h, int64_t highest, int sig_digits);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

/* Record one value (negative counts as 0, above highest as highest). */
void hist_record(struct hist *h, int64_t v);
void hist_record_n(struct hist *h, int64_t v, uint64_t n);

/* dst += src; -1 with err_set() when the layouts differ. */
int hist_add(struct hist *dst, const struct hist *src);

/*
 * The value at percentile p (0..100): the highest value equivalent (within
 * the precision) to the sample at that rank, capped at the exact max; 0 when
 * empty.
 */
int64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);

/* "ahst1:" + base64 of the encoded histogram; the caller frees. */
char *hist_encode(const struct hist *h);
/*
 * Parse what hist_encode wrote into a freshly initialised h. Bounded: the
 * layout is at most 2^20 counters and every count index is checked.
 * 0, or -1 with err_set() naming the byte offset.
 */
int hist_decode(struct hist *h, const char *text);

#endif
