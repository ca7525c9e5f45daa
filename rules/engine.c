/*
 * The rule engine: judge the facts of a run, rule by rule and target by
 * target, and append one verdict row for each.
 *
 * - Manual rules give one row for the whole assessment (target "-"):
 *   "manual" until the plan attests them, then the attested status.
 * - An automated rule gets a row for every target on which one of its
 *   probes ran. A key the check needs but no probe set is an "error" (the
 *   probe ran and could not decide); a rule none of whose probes ran on
 *   any target gets one "not-applicable" row, so that every clause of the
 *   selected rule sets has a verdict in the report.
 * - An active waiver (until >= the run's date) turns a fail or an error
 *   into "waived", keeping the evaluated verdict beside it; an expired
 *   waiver is listed in the results and changes nothing.
 */
#include "rules/ruleset.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

static char **strv_dup(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* zone: the target's (r->zones), or NULL: picks severity-internet/-internal. */
static struct verdict_row *new_row(struct results *r, const struct ruleset *rs,
                                   const struct rule *ru, const char *target, const char *zone)
{
	struct verdict_row *w = results_add_row(r);
	w->rule = xstrdup(ru->id);
	w->ruleset = xstrdup(rs->id);
	w->target = xstrdup(target);
	w->manual = ru->manual;
	w->severity = ru->severity;
	if (zone && strcmp(zone, "internet") == 0 && ru->has_severity_internet)
		w->severity = ru->severity_internet;
	if (zone && strcmp(zone, "internal") == 0 && ru->has_severity_internal)
		w->severity = ru->severity_internal;
	w->title_en = xstrdup_or_null(ru->title_en);
	w->title_zh = xstrdup_or_null(ru->title_zh);
	w->clause = xstrdup_or_null(ru->clause);
	w->confidence = xstrdup_or_null(ru->confidence);
	w->xrefs = strv_dup(ru->xrefs, ru->nxrefs);
	w->nxrefs = ru->nxrefs;
	w->probes = strv_dup(ru->probes, ru->nprobes);
	w->nprobes = ru->nprobes;
	w->check = xstrdup_or_null(ru->check_src);
	w->remediation_en = xstrdup_or_null(ru->remediation_en);
	w->remediation_zh = xstrdup_or_null(ru->remediation_zh);
	return w;
}

static void judge_manual(struct results *r, const struct ruleset *rs, const struct rule *ru)
{
	struct verdict_row *w = new_row(r, rs, ru, "-", NULL);
	const struct attestation *a = NULL;
	for (size_t i = 0; i < r->nattests; i++)
		if (strcmp(r->attests[i].rule, ru->id) == 0)
			a = &r->attests[i]; /* the last one wins */
	if (!a) {
		w->verdict = VERDICT_MANUAL;
		w->reason =
		    xasprintf("needs an attestation: %s", ru->evidence_en   ? ru->evidence_en
		                                          : ru->evidence_zh ? ru->evidence_zh
		                                                            : "evidence");
	} else {
		if (verdict_parse(&w->verdict, a->status) < 0)
			w->verdict = VERDICT_ERROR;
		w->attest = xcalloc(1, sizeof(*w->attest));
		attestation_copy(w->attest, a);
		w->reason = xasprintf("attested %s by %s on %s", a->status, a->by ? a->by : "?",
		                      a->date ? a->date : "?");
	}
	w->evaluated = w->verdict;
}

static bool rule_reads(const struct rule *ru, const char *probe)
{
	for (size_t i = 0; i < ru->nprobes; i++)
		if (strcmp(ru->probes[i], probe) == 0)
			return true;
	return false;
}

struct key_ctx {
	struct verdict_row *w;
	const struct facts *f;
	size_t cap;
};

static void add_deciding(const char *key, void *ctx)
{
	struct key_ctx *k = ctx;
	const struct fact_value *v = facts_get(k->f, key);
	if (!v)
		return;
	struct fact *f = ARRAY_PUSH(k->w->facts, k->w->nfacts, k->cap);
	f->key = xstrdup(key);
	fact_value_copy(&f->v, v);
}

/* Merge the facts of several runs into one view (a rule may read several probes). */
static void merge_facts(struct facts *dst, const struct facts *src)
{
	for (size_t i = 0; i < src->nfacts; i++)
		facts_add_value(dst, src->facts[i].key, &src->facts[i].v);
}

/*
 * The runs of each target, found without a scan of every run per rule and
 * target (a plan of 10,000 targets would cost 10^8 comparisons a rule):
 * the runs sorted by target name, plan order among a target's runs.
 */
struct run_index {
	const struct probe_run **v;
	size_t n;
};

static int by_target(const void *a, const void *b)
{
	const struct probe_run *const *x = a, *const *y = b;
	int c = strcmp((*x)->target, (*y)->target);
	return c ? c : (*x > *y) - (*x < *y);
}

static void index_build(struct run_index *ix, const struct results *r)
{
	ix->n = r->nruns;
	ix->v = xcalloc(r->nruns + 1, sizeof(*ix->v));
	for (size_t i = 0; i < r->nruns; i++)
		ix->v[i] = &r->runs[i];
	qsort(ix->v, ix->n, sizeof(*ix->v), by_target);
}

/* The first of target's runs in ix (*n of them), or NULL. */
static const struct probe_run *const *index_find(const struct run_index *ix, const char *target,
                                                 size_t *n)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->v[mid]->target, target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < ix->n && strcmp(ix->v[end]->target, target) == 0)
		end++;
	*n = end - lo;
	return *n ? ix->v + lo : NULL;
}

static void judge_target(struct results *r, const struct ruleset *rs, const struct rule *ru,
                         const char *target, const char *zone, const struct run_index *ix)
{
	const struct probe_run *runs[16];
	size_t nruns = 0, nall = 0;
	const struct probe_run *const *all = index_find(ix, target, &nall);
	for (size_t i = 0; i < nall && nruns < 16; i++)
		if (rule_reads(ru, all[i]->probe))
			runs[nruns++] = all[i];
	if (nruns == 0)
		return;

	struct facts merged;
	const struct facts *view = &runs[0]->facts;
	if (nruns > 1) {
		facts_init(&merged);
		for (size_t i = 0; i < nruns; i++)
			merge_facts(&merged, &runs[i]->facts);
		view = &merged;
	}

	struct verdict_row *w = new_row(r, rs, ru, target, zone);
	char *why = NULL, *missing = NULL;
	/*
	 * A rule for some targets only (an Android rule on an iOS app): where
	 * <applies> is false the verdict is not-applicable. When it cannot be
	 * decided (a fact missing), the check decides, and says why.
	 */
	if (ru->applies && expr_eval(ru->applies, view, &why, &missing) == EXPR_FALSE) {
		w->verdict = w->evaluated = VERDICT_NA;
		w->reason = xasprintf("does not apply: %s is false", ru->applies_src);
		free(why);
		free(missing);
		struct key_ctx kc = {.w = w, .f = view};
		expr_keys(ru->applies, add_deciding, &kc);
		if (nruns > 1)
			facts_free(&merged);
		return;
	}
	free(why);
	free(missing);
	why = missing = NULL;
	enum expr_result res = expr_eval(ru->check, view, &why, &missing);
	switch (res) {
	case EXPR_TRUE:
		w->verdict = VERDICT_PASS;
		break;
	case EXPR_FALSE:
		w->verdict = VERDICT_FAIL;
		w->reason = xasprintf("check is false: %s", ru->check_src);
		break;
	case EXPR_MISSING: {
		w->verdict = VERDICT_ERROR;
		const struct probe_run *failed = NULL;
		for (size_t i = 0; i < nruns; i++)
			if (strcmp(runs[i]->status, "ok") != 0)
				failed = runs[i];
		if (failed)
			w->reason = xasprintf("probe %s %s: %s", failed->probe, failed->status,
			                      failed->facts.nerrors ? failed->facts.errors[0]
			                                            : "no detail");
		else
			w->reason = xasprintf("%s by the %s probe", why ? why : "a fact is missing",
			                      runs[0]->probe);
		break;
	}
	case EXPR_ERROR:
		w->verdict = VERDICT_ERROR;
		w->reason = xasprintf("check cannot be evaluated: %s", why ? why : "?");
		break;
	}
	free(why);
	free(missing);
	struct key_ctx kc = {.w = w, .f = view};
	expr_keys(ru->check, add_deciding, &kc);
	if (nruns > 1)
		facts_free(&merged);

	w->evaluated = w->verdict;
	if (w->verdict == VERDICT_FAIL || w->verdict == VERDICT_ERROR) {
		for (size_t i = 0; i < r->nwaivers; i++) {
			const struct waiver *wv = &r->waivers[i];
			if (!wv->active || strcmp(wv->rule, ru->id) != 0 ||
			    (wv->target && strcmp(wv->target, target) != 0))
				continue;
			w->verdict = VERDICT_WAIVED;
			w->waiver = xcalloc(1, sizeof(*w->waiver));
			waiver_copy(w->waiver, wv);
			break;
		}
	}
}

static void judge_auto(struct results *r, const struct ruleset *rs, const struct rule *ru,
                       const struct run_index *ix)
{
	size_t judged = 0;
	for (size_t t = 0; t < r->ntargets; t++) {
		bool ran = false;
		size_t nall = 0;
		const struct probe_run *const *all = index_find(ix, r->targets[t], &nall);
		for (size_t i = 0; i < nall && !ran; i++)
			ran = rule_reads(ru, all[i]->probe);
		if (!ran)
			continue;
		judge_target(r, rs, ru, r->targets[t], r->zones ? r->zones[t] : NULL, ix);
		judged++;
	}
	if (judged == 0) {
		struct verdict_row *w = new_row(r, rs, ru, "-", NULL);
		w->verdict = w->evaluated = VERDICT_NA;
		struct strbuf sb = STRBUF_INIT;
		sb_adds(&sb, "no target in this plan ran the ");
		for (size_t i = 0; i < ru->nprobes; i++)
			sb_printf(&sb, "%s%s", i ? " or " : "", ru->probes[i]);
		sb_adds(&sb, " probe");
		w->reason = sb_detach(&sb);
	}
}

bool rule_selected(const struct rule *ru, int level, unsigned profiles)
{
	if (ru->level == LEVEL_ENHANCED && level != LEVEL_ENHANCED)
		return false;
	return (ru->profile & ~profiles) == 0;
}

int engine_evaluate(const struct rulebook *b, char *const *ids, const int *levels, size_t nids,
                    struct results *r)
{
	size_t nsel = nids ? nids : b->nsets;
	struct run_index ix;
	index_build(&ix, r);
	for (size_t s = 0; s < nsel; s++) {
		const struct ruleset *rs = nids ? rulebook_find(b, ids[s]) : &b->sets[s];
		if (!rs) {
			free(ix.v);
			return err_set("no rule set '%s'", ids[s]);
		}
		struct ruleset_info *ri = ARRAY_PUSH(r->rulesets, r->nrulesets, r->caprulesets);
		memset(ri, 0, sizeof(*ri));
		ri->id = xstrdup(rs->id);
		ri->title_en = xstrdup_or_null(rs->title_en);
		ri->title_zh = xstrdup_or_null(rs->title_zh);
		ri->version = xstrdup_or_null(rs->version);
		ri->file = xstrdup_or_null(rs->file);
		int level =
		    nids && levels && levels[s] == LEVEL_ENHANCED ? LEVEL_ENHANCED : LEVEL_BASELINE;
		ri->level = xstrdup(level == LEVEL_ENHANCED ? "enhanced" : "baseline");
		ri->nrules = 0;
		for (size_t k = 0; k < rs->nrules; k++) {
			const struct rule *ru = &rs->rules[k];
			if (!rule_selected(ru, level, r->profiles))
				continue;
			ri->nrules++;
			if (ru->manual)
				judge_manual(r, rs, ru);
			else
				judge_auto(r, rs, ru, &ix);
		}
	}
	free(ix.v);
	return 0;
}
