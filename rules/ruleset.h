/*
 * Rule sets: the XML files in rules/, validated against rules/ruleset.xsd
 * with libxml2 when they are loaded, then checked for what a schema
 * cannot say (unique ids, check expressions that parse, known probes).
 * docs/rules.md describes the format.
 *
 * The engine (rules/engine.c) judges the facts of a run with them and
 * appends one verdict row per (rule, target) to the results.
 */
#ifndef ASSAY_RULES_RULESET_H
#define ASSAY_RULES_RULESET_H

#include "harness/results.h"
#include "rules/expr.h"

#include <stdbool.h>
#include <stddef.h>

enum rule_level { LEVEL_ANY, LEVEL_BASELINE, LEVEL_ENHANCED };

/* Profiles a plan turns on (`profiles = gm`); a rule may need one. */
#define PROFILE_GM 1u

struct rule {
	char *id;
	int line;
	bool manual;
	enum severity severity;
	enum rule_level level;        /* LEVEL_ANY: judged at every level */
	unsigned profile;             /* 0, or the PROFILE_* it needs */
	/* Severity by the target's zone (severity-internet="...", -internal);
	 * a target with no zone, or an attribute not given: `severity`. */
	bool has_severity_internet, has_severity_internal;
	enum severity severity_internet, severity_internal;
	char *title_en, *title_zh;
	char *clause, *confidence;
	char **xrefs;
	size_t nxrefs;
	char **probes; /* the probes whose facts the rule reads */
	size_t nprobes;
	char *check_src;
	struct expr *check;
	/* Optional: the targets the rule is for ("app.kind == \"apk\""); where it
	 * is false the verdict is not-applicable. */
	char *applies_src;
	struct expr *applies;
	char *evidence_en, *evidence_zh; /* manual rules: what to collect */
	char *remediation_en, *remediation_zh;
	char *note_en, *note_zh;
};

struct ruleset {
	char *id;
	char *file;
	char *version;
	char *title_en, *title_zh;
	struct rule *rules;
	size_t nrules;
};

struct rulebook {
	struct ruleset *sets;
	size_t nsets, capsets;
};

/*
 * The folder of the installed rule sets and schema: $ASSAY_RULES_DIR,
 * else rules/ beside the binary's folder (build/assay -> rules/), else
 * share/assay/rules beside it (PREFIX/bin/assay), else the compiled-in
 * install prefix's share/assay/rules.
 */
const char *rules_default_dir(void);

/* Load and validate one file against the schema; -1 with "file:line: ..." */
int ruleset_load(struct ruleset *rs, const char *path, const char *xsd_path);
/* The same from memory; `path` names it in messages. */
int ruleset_load_memory(struct ruleset *rs, const char *buf, size_t len, const char *path,
			const char *xsd_path);
void ruleset_free(struct ruleset *rs);

/* Load every *.xml in dir (sorted by name); stops at the first bad file. */
int rulebook_load_dir(struct rulebook *b, const char *dir, const char *xsd_path);
/* Add one loaded set; refuses a duplicate rule set or rule id. */
int rulebook_add(struct rulebook *b, struct ruleset *rs);
void rulebook_free(struct rulebook *b);
const struct ruleset *rulebook_find(const struct rulebook *b, const char *id);
const struct rule *rulebook_find_rule(const struct rulebook *b, const char *rule_id,
                                      const struct ruleset **set);

/*
 * Judge r->runs with the selected rule sets (all when nids is 0), each at
 * its level (levels[i], enum rule_level; NULL or 0 entries: baseline), the
 * rules needing a profile only when r->profiles has it, and append verdict
 * rows and rule set info to r. A target whose r->zones entry is "internet"
 * gets a rule's severity-internet. Waivers and attestations
 * come from r->waivers / r->attests (filled from the plan, with `active`
 * computed for `today`).
 */
int engine_evaluate(const struct rulebook *b, char *const *ids, const int *levels, size_t nids,
                    struct results *r);
/* Whether the rule is judged at this level (enum rule_level) with these profiles. */
bool rule_selected(const struct rule *ru, int level, unsigned profiles);

#endif
