/*
 * The results model: everything one run produced, enough to re-render any
 * report without re-running a probe. results.json (docs/results.md) is its
 * canonical serialisation; renderers read only this model.
 *
 * Ownership: a `struct results` owns every string and array in it;
 * results_free() releases them.
 */
#ifndef ASSAY_HARNESS_RESULTS_H
#define ASSAY_HARNESS_RESULTS_H

#include "harness/facts.h"

#include <stdbool.h>
#include <stddef.h>

#define RESULTS_SCHEMA_VERSION 1

enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_NA, /* "not-applicable" */
	VERDICT_ERROR,
	VERDICT_MANUAL,
	VERDICT_WAIVED,
	VERDICT__COUNT
};

/* Ordered: a threshold "high" includes critical. */
enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL, SEV__COUNT };

const char *verdict_name(enum verdict v);
int verdict_parse(enum verdict *out, const char *s);
const char *severity_name(enum severity s);
int severity_parse(enum severity *out, const char *s);

/* A plan's [waive RULE-ID] section. */
struct waiver {
	char *rule;
	char *target; /* NULL: every target */
	char *reason;
	char *by;
	char *until; /* YYYY-MM-DD, inclusive */
	bool active; /* until >= the run's date */
};

/* A plan's [attest RULE-ID] section. */
struct attestation {
	char *rule;
	char *status; /* pass, fail, not-applicable */
	char *evidence;
	char *by;
	char *date;
};

struct run_input {
	char *key;
	char *value;
};

/* Parts of one split run, at most: as many as shards (SHARD_MAX). */
#define RESULTS_PARTS_MAX 100000

/* One (target, probe) run. status: "ok", "error", "timeout", "crashed". */
struct probe_run {
	long unit; /* the work unit's index in the plan (target order, then key order) */
	/* A part of a split run (probe_opts.part): part of parts; 0 parts: whole */
	unsigned part, parts;
	char *target;
	char *probe;
	struct run_input *inputs;
	size_t ninputs;
	char *status;
	double duration_ms;
	struct facts facts; /* facts, findings and errors */
};

/* One verdict of one rule on one target ("-" for assessment-wide rules). */
struct verdict_row {
	char *rule;
	char *ruleset;
	char *target;
	bool manual;
	enum severity severity;
	char *title_en;
	char *title_zh;
	char *clause;
	char *confidence; /* src, approx, xref-PCI, ... */
	char **xrefs;
	size_t nxrefs;
	char **probes;
	size_t nprobes;
	char *check; /* the expression, for automated rules */
	char *remediation_en;
	char *remediation_zh;
	enum verdict verdict;
	enum verdict evaluated; /* the verdict before a waiver */
	char *reason;           /* why: the failing facts, the missing key, ... */
	struct fact *facts;     /* the facts that decided it */
	size_t nfacts;
	struct waiver *waiver;      /* the active waiver, or NULL */
	struct attestation *attest; /* for manual rules, or NULL */
};

struct ruleset_info {
	char *id;
	char *title_en;
	char *title_zh;
	char *version;
	char *file;
	size_t nrules;  /* judged: those of the selected level and profiles */
	char *level;    /* "baseline" or "enhanced" as the plan selected; NULL: baseline */
};

struct results {
	unsigned shard_index; /* 0-based; meaningful when shard_count > 0 */
	unsigned shard_count; /* 0: the whole plan, not a shard */
	char *tool_version;
	char *plan_name;
	char *plan_file;
	char *plan_sha256;
	enum severity fail_on;
	char *started; /* ISO 8601 UTC */
	char *finished;
	char **targets;
	size_t ntargets;
	char **zones;      /* NULL, or per target: "internet", "internal" or NULL */
	unsigned profiles; /* PROFILE_* the plan turned on (rules/ruleset.h) */
	struct probe_run *runs;
	size_t nruns, capruns;
	struct ruleset_info *rulesets;
	size_t nrulesets, caprulesets;
	struct verdict_row *rows;
	size_t nrows, caprows;
	struct waiver *waivers; /* every waiver of the plan, active or expired */
	size_t nwaivers;
	struct attestation *attests;
	size_t nattests;
};

struct summary {
	size_t total;
	size_t by_verdict[VERDICT__COUNT];
	size_t by_severity[SEV__COUNT][VERDICT__COUNT];
	size_t failed_at_or_above; /* fail verdicts at or above fail_on */
	size_t runs_failed;        /* probe runs whose status is not "ok" */
	bool incomplete;           /* a probe run failed or a verdict is error */
};

void results_init(struct results *r);
void results_free(struct results *r);
struct probe_run *results_add_run(struct results *r);
struct verdict_row *results_add_row(struct results *r);
const struct probe_run *results_find_run(const struct results *r, const char *target,
                                         const char *probe);

void results_summarize(const struct results *r, enum severity fail_on, struct summary *s);
/* The CI contract: 0 clean, 1 failed at/above fail_on, 3 incomplete. */
int results_exit_code(const struct results *r, enum severity fail_on);

json_t *results_to_json(const struct results *r);
int results_from_json(struct results *r, const json_t *j);
/* Write atomically (temp file + rename); 0 or -1 with err_set(). */
int results_write(const struct results *r, const char *path);
/* Read and validate; 0 or -1 with err_set() naming the file and what is wrong. */
int results_read(struct results *r, const char *path);

void waiver_copy(struct waiver *dst, const struct waiver *src);
void waiver_free(struct waiver *w);
void attestation_copy(struct attestation *dst, const struct attestation *src);
void attestation_free(struct attestation *a);

#endif
