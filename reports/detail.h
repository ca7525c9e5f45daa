/*
 * What the per-probe detail sections of the HTML and PDF reports draw
 * beyond the facts table, computed once for both renderers: the latency
 * percentile curve of a load run (from its serialised histogram, the
 * fact load.histogram) and the protocol table of a TLS run. Internal to
 * reports/.
 */
#ifndef ASSAY_REPORTS_DETAIL_H
#define ASSAY_REPORTS_DETAIL_H

#include "harness/facts.h"

#include <stddef.h>
#include <stdint.h>

#define CURVE_MAX 32

/*
 * Latency by percentile, the HdrHistogram way: x is log10(1 / (1 - p)),
 * so 90 %, 99 %, 99.9 % ... are evenly spaced (x = 1, 2, 3 ...); the
 * curve stops where the samples run out (x = log10(total)), at the max.
 */
struct curve {
	size_t n;
	double x[CURVE_MAX], ms[CURVE_MAX];
	double xmax;  /* the last x, at least 1 */
	double ymax;  /* a round number at or above the max latency, ms */
	double ystep; /* its tick spacing */
	uint64_t total;
};

/* The curve of a load run's facts: 0, or -1 when it has no usable histogram. */
int detail_curve(struct curve *c, const struct facts *f);

/* The percentile at x, as a label: "0%", "90%", "99.9%". */
void detail_pct_label(char *out, size_t len, double x);

/* One line of an app run's summary: a label and the fact it shows. */
struct summary_row {
	const char *en, *zh;
	const char *key;
};

/*
 * The summary of an app run (manifest, signature, certificate for an APK;
 * bundle and protections for iOS; hardening counts for ELF), as the rows
 * whose facts the run has, in order: their count (at most max).
 */
size_t detail_app_summary(const struct facts *f, const struct summary_row **rows, size_t max);

/* One row of a TLS run's protocol table (facts tls.proto.* and tls.ciphers.*). */
struct proto_row {
	const char *name;               /* "tls1_2" */
	bool offered;
	const struct fact_value *suites; /* a list, or NULL */
};

/* The rows, in the facts' order; the count (at most max). */
size_t detail_protocols(const struct facts *f, struct proto_row *rows, size_t max);

#endif
