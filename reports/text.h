/*
 * Shared text for the document renderers (html.c, pdf.c, sarif.c): the
 * bilingual labels of verdicts and severities, picking a rule's title in
 * the language asked for, and making any string from results.json safe to
 * print (card numbers masked, valid UTF-8 without control characters).
 *
 * struct rt is a small string pool: every string it returns lives until
 * rt_free(), so a renderer can use labels inline without freeing each one.
 */
#ifndef ASSAY_REPORTS_TEXT_H
#define ASSAY_REPORTS_TEXT_H

#include "harness/results.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt {
	bool en, zh; /* which languages to show; both when "both" or unset */
	char **pool;
	size_t npool, cappool;
};

void rt_init(struct rt *t, const char *lang);
void rt_free(struct rt *t);

/* A string kept until rt_free(); returns s. */
const char *rt_keep(struct rt *t, char *s);

/* A label: "en", "zh" or "en / zh" for both. */
const char *rt_l(struct rt *t, const char *en, const char *zh);
/* A rule or rule-set title from the model: like rt_l, but either side may be
 * missing (the other is used); cleaned. Never NULL ("-" when both are). */
const char *rt_title(struct rt *t, const char *en, const char *zh);

const char *rt_verdict(struct rt *t, enum verdict v);
const char *rt_severity(struct rt *t, enum severity s);
/* The run's overall verdict as a label, from results_exit_code(). */
const char *rt_overall(struct rt *t, const struct results *r);

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF) with its code point in *cp,
 * or 0. A NUL is never a continuation byte, so it stops at the end.
 */
size_t rt_utf8_decode(const unsigned char *p, uint32_t *cp);

/* Masked, valid UTF-8, every code point that ok() refuses as U+FFFD. */
char *rt_clean_chars(const char *s, bool (*ok)(uint32_t cp));

/* Masked, valid UTF-8, control characters (but \n and \t) as U+FFFD. */
char *rt_clean(const char *s);
/* rt_clean kept in the pool; NULL or "" give "-". */
const char *rt_c(struct rt *t, const char *s);
/* A fact value as text, cleaned and kept. */
const char *rt_fact(struct rt *t, const struct fact_value *v);
/* A finding's location as one line ("file:line:col", "host:port", ...). */
const char *rt_loc(struct rt *t, const struct location *l);

/* "YYYY-MM-DD HH:MM:SS UTC" from an ISO 8601 stamp, or the cleaned input. */
const char *rt_time(struct rt *t, const char *iso);

/* Verdict counts per rule set: the ids of rulesets[] and of the rows
 * (NULL as "-"), in order of first appearance; count[i][verdict]. */
struct rt_sets {
	const char **ids; /* borrowed from the model */
	size_t (*count)[VERDICT__COUNT];
	size_t n;
};
void rt_sets_count(struct rt_sets *s, const struct results *r);
void rt_sets_free(struct rt_sets *s);

/*
 * The runs of a results model ordered by target (then by their order in
 * the model), so that the runs of one target are found by a binary search:
 * a run of 10,000 targets has 190,000 verdict rows, and a scan of every run
 * for each row was 1.9 billion comparisons.
 */
struct rt_runs {
	const struct results *r;
	size_t *order; /* indexes of r->runs that have a target */
	size_t n;
};
void rt_runs_init(struct rt_runs *ix, const struct results *r);
void rt_runs_free(struct rt_runs *ix);

/*
 * The findings that belong to a verdict row: those of the runs on the
 * row's target by one of the row's probes, in the model's order. Calls fn
 * for each.
 */
void rt_row_findings(const struct rt_runs *ix, const struct verdict_row *w,
                     void (*fn)(const struct probe_run *run, const struct finding *fd, void *arg),
                     void *arg);

#endif
