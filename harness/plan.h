/*
 * Plans: the INI file that says what to assess (docs/plan.md).
 *
 *   [assessment]      name, rules, fail-on, timeout
 *   [target NAME]     one key per probe (exec = ./check.sh), options as
 *                     key.option = value, timeout
 *   [attest RULE-ID]  status, evidence, by, date
 *   [waive RULE-ID]   target, reason, by, until
 *
 * plan_load() checks syntax and structure, and every probe key and option
 * against the probe registry; plan_check_rules() checks rule references
 * once the rule sets are loaded. Both report "file:line: what is wrong".
 */
#ifndef ASSAY_HARNESS_PLAN_H
#define ASSAY_HARNESS_PLAN_H

#include "harness/results.h"
#include "probes/probe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rulebook;

struct plan_target {
	char *name;
	int line;
	char *description;
	double timeout_s;            /* 0: the plan's default */
	char *zone;                  /* "internet", "internal" or NULL */
	struct target_input *inputs; /* strings owned by the plan */
	size_t ninputs, capinputs;
	int *input_lines;
	struct target_option *options;
	size_t noptions, capoptions;
};

struct plan {
	char *file;
	char *sha256;
	char *name;
	char *description;
	char **rulesets; /* empty: every rule set found; "id" after plan_check_rules */
	int *rulelevels; /* per rule set: enum rule_level, set by plan_check_rules */
	size_t nrulesets;
	int rules_line;
	unsigned profiles; /* PROFILE_* of `profiles = gm` */
	enum severity fail_on;
	bool fail_on_set;
	double timeout_s; /* default per (target, probe) run */
	struct plan_target *targets;
	size_t ntargets, captargets;
	struct waiver *waivers;
	int *waiver_lines;
	size_t nwaivers, capwaivers;
	struct attestation *attests;
	int *attest_lines;
	size_t nattests, capattests;
};

#define PLAN_DEFAULT_TIMEOUT_S 120.0

/* 0, or -1 with err_set("plan.ini:14: unknown key 'tls.port' ..."). */
int plan_load(struct plan *p, const char *path);
/* The same from an open stream; `path` names it in messages (no sha256). */
int plan_load_stream(struct plan *p, FILE *f, const char *path);
int plan_check_rules(struct plan *p, const struct rulebook *b);
void plan_free(struct plan *p);

/* Parse "120", "30s", "2m", "1.5h", "500ms" as seconds; 0 or -1. */
int parse_duration(double *out, const char *s);

#endif
