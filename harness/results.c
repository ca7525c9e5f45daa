/*
 * The results model and its canonical serialisation, results.json
 * (schema documented in docs/results.md). Reading validates everything:
 * a results file may come from another machine, another version or an
 * attacker, and every renderer trusts what this file accepted.
 */
#include "harness/results.h"
#include "lib/err.h"
#include "lib/mask.h"
#include "lib/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const verdict_names[VERDICT__COUNT] = {
    "pass", "fail", "not-applicable", "error", "manual", "waived",
};
static const char *const severity_names[SEV__COUNT] = {
    "info", "low", "medium", "high", "critical",
};

const char *verdict_name(enum verdict v)
{
	return (unsigned)v < VERDICT__COUNT ? verdict_names[v] : "?";
}

int verdict_parse(enum verdict *out, const char *s)
{
	for (int i = 0; i < VERDICT__COUNT; i++)
		if (strcmp(s, verdict_names[i]) == 0) {
			*out = (enum verdict)i;
			return 0;
		}
	return -1;
}

const char *severity_name(enum severity s)
{
	return (unsigned)s < SEV__COUNT ? severity_names[s] : "?";
}

int severity_parse(enum severity *out, const char *s)
{
	for (int i = 0; i < SEV__COUNT; i++)
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (enum severity)i;
			return 0;
		}
	return -1;
}

void results_init(struct results *r)
{
	memset(r, 0, sizeof(*r));
	r->fail_on = SEV_HIGH;
}

void waiver_copy(struct waiver *dst, const struct waiver *src)
{
	dst->rule = xstrdup_or_null(src->rule);
	dst->target = xstrdup_or_null(src->target);
	dst->reason = xstrdup_or_null(src->reason);
	dst->by = xstrdup_or_null(src->by);
	dst->until = xstrdup_or_null(src->until);
	dst->active = src->active;
}

void waiver_free(struct waiver *w)
{
	free(w->rule);
	free(w->target);
	free(w->reason);
	free(w->by);
	free(w->until);
	memset(w, 0, sizeof(*w));
}

void attestation_copy(struct attestation *dst, const struct attestation *src)
{
	dst->rule = xstrdup_or_null(src->rule);
	dst->status = xstrdup_or_null(src->status);
	dst->evidence = xstrdup_or_null(src->evidence);
	dst->by = xstrdup_or_null(src->by);
	dst->date = xstrdup_or_null(src->date);
}

void attestation_free(struct attestation *a)
{
	free(a->rule);
	free(a->status);
	free(a->evidence);
	free(a->by);
	free(a->date);
	memset(a, 0, sizeof(*a));
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void row_free(struct verdict_row *w)
{
	free(w->rule);
	free(w->ruleset);
	free(w->target);
	free(w->title_en);
	free(w->title_zh);
	free(w->clause);
	free(w->confidence);
	free_strv(w->xrefs, w->nxrefs);
	free_strv(w->probes, w->nprobes);
	free(w->check);
	free(w->remediation_en);
	free(w->remediation_zh);
	free(w->reason);
	for (size_t i = 0; i < w->nfacts; i++) {
		free(w->facts[i].key);
		fact_value_free(&w->facts[i].v);
	}
	free(w->facts);
	if (w->waiver) {
		waiver_free(w->waiver);
		free(w->waiver);
	}
	if (w->attest) {
		attestation_free(w->attest);
		free(w->attest);
	}
}

void results_free(struct results *r)
{
	free(r->tool_version);
	free(r->plan_name);
	free(r->plan_file);
	free(r->plan_sha256);
	free(r->started);
	free(r->finished);
	if (r->zones)
		free_strv(r->zones, r->ntargets);
	free_strv(r->targets, r->ntargets);
	for (size_t i = 0; i < r->nruns; i++) {
		struct probe_run *p = &r->runs[i];
		free(p->target);
		free(p->probe);
		for (size_t k = 0; k < p->ninputs; k++) {
			free(p->inputs[k].key);
			free(p->inputs[k].value);
		}
		free(p->inputs);
		free(p->status);
		facts_free(&p->facts);
	}
	free(r->runs);
	for (size_t i = 0; i < r->nrulesets; i++) {
		free(r->rulesets[i].id);
		free(r->rulesets[i].title_en);
		free(r->rulesets[i].title_zh);
		free(r->rulesets[i].version);
		free(r->rulesets[i].file);
		free(r->rulesets[i].level);
	}
	free(r->rulesets);
	for (size_t i = 0; i < r->nrows; i++)
		row_free(&r->rows[i]);
	free(r->rows);
	for (size_t i = 0; i < r->nwaivers; i++)
		waiver_free(&r->waivers[i]);
	free(r->waivers);
	for (size_t i = 0; i < r->nattests; i++)
		attestation_free(&r->attests[i]);
	free(r->attests);
	memset(r, 0, sizeof(*r));
}

struct probe_run *results_add_run(struct results *r)
{
	struct probe_run *p = ARRAY_PUSH(r->runs, r->nruns, r->capruns);
	memset(p, 0, sizeof(*p));
	p->unit = -1;
	facts_init(&p->facts);
	return p;
}

struct verdict_row *results_add_row(struct results *r)
{
	struct verdict_row *w = ARRAY_PUSH(r->rows, r->nrows, r->caprows);
	memset(w, 0, sizeof(*w));
	return w;
}

const struct probe_run *results_find_run(const struct results *r, const char *target,
                                         const char *probe)
{
	for (size_t i = 0; i < r->nruns; i++)
		if (strcmp(r->runs[i].target, target) == 0 && strcmp(r->runs[i].probe, probe) == 0)
			return &r->runs[i];
	return NULL;
}

void results_summarize(const struct results *r, enum severity fail_on, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		s->total++;
		s->by_verdict[w->verdict]++;
		s->by_severity[w->severity][w->verdict]++;
		if (w->verdict == VERDICT_FAIL && w->severity >= fail_on)
			s->failed_at_or_above++;
		if (w->verdict == VERDICT_ERROR)
			s->incomplete = true;
	}
	for (size_t i = 0; i < r->nruns; i++)
		if (!r->runs[i].status || strcmp(r->runs[i].status, "ok") != 0)
			s->runs_failed++;
	if (s->runs_failed)
		s->incomplete = true;
}

int results_exit_code(const struct results *r, enum severity fail_on)
{
	struct summary s;
	results_summarize(r, fail_on, &s);
	if (s.failed_at_or_above)
		return 1;
	return s.incomplete ? 3 : 0;
}

/* ---- writing ---- */

/* Every string written is masked, whatever its source (a rule file, a plan,
 * a results file read back): results.json is never a place for card data. */
static void set_str(json_t *o, const char *k, const char *v)
{
	if (v) {
		char *m = mask_text(v);
		json_object_set_new(o, k, json_string(m));
		free(m);
	}
}

/* Hex digests and the like, which masking could corrupt. */
static void set_raw(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char *m = mask_text(v[i]);
		json_array_append_new(a, json_string(m));
		free(m);
	}
	return a;
}

static json_t *waiver_json(const struct waiver *w)
{
	json_t *o = json_object();
	set_str(o, "rule", w->rule);
	set_str(o, "target", w->target);
	set_str(o, "reason", w->reason);
	set_str(o, "by", w->by);
	set_str(o, "until", w->until);
	json_object_set_new(o, "active", json_boolean(w->active));
	return o;
}

static json_t *attest_json(const struct attestation *a)
{
	json_t *o = json_object();
	set_str(o, "rule", a->rule);
	set_str(o, "status", a->status);
	set_str(o, "evidence", a->evidence);
	set_str(o, "by", a->by);
	set_str(o, "date", a->date);
	return o;
}

static json_t *verdict_counts(const size_t *counts)
{
	json_t *o = json_object();
	for (int v = 0; v < VERDICT__COUNT; v++)
		json_object_set_new(o, verdict_names[v], json_integer((json_int_t)counts[v]));
	return o;
}

json_t *results_to_json(const struct results *r)
{
	json_t *root = json_object();
	json_object_set_new(root, "schema", json_string("assay-results"));
	json_object_set_new(root, "schema_version", json_integer(RESULTS_SCHEMA_VERSION));
	json_t *tool = json_object();
	set_str(tool, "name", "assay");
	set_str(tool, "version", r->tool_version ? r->tool_version : ASSAY_VERSION);
	json_object_set_new(root, "tool", tool);

	json_t *plan = json_object();
	set_str(plan, "name", r->plan_name);
	set_str(plan, "file", r->plan_file);
	set_raw(plan, "sha256", r->plan_sha256);
	set_str(plan, "fail_on", severity_name(r->fail_on));
	json_object_set_new(root, "plan", plan);
	if (r->shard_count) {
		json_t *sh = json_object();
		json_object_set_new(sh, "index", json_integer(r->shard_index));
		json_object_set_new(sh, "count", json_integer(r->shard_count));
		json_object_set_new(root, "shard", sh);
	}
	set_str(root, "started", r->started);
	set_str(root, "finished", r->finished);
	json_object_set_new(root, "targets", strv_json(r->targets, r->ntargets));
	if (r->zones) {
		json_t *z = json_object();
		for (size_t i = 0; i < r->ntargets; i++)
			if (r->zones[i] && r->targets[i])
				json_object_set_new(z, r->targets[i], json_string(r->zones[i]));
		json_object_set_new(root, "zones", z);
	}
	if (r->profiles & 1u)
		json_object_set_new(root, "profiles", json_pack("[s]", "gm"));

	json_t *runs = json_array();
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *p = &r->runs[i];
		json_t *o = json_object();
		if (p->unit >= 0)
			json_object_set_new(o, "unit", json_integer(p->unit));
		if (p->parts > 1)
			json_object_set_new(o, "part",
			                    json_pack("{s:I,s:I}", "index", (json_int_t)p->part,
			                              "of", (json_int_t)p->parts));
		set_str(o, "target", p->target);
		set_str(o, "probe", p->probe);
		json_t *in = json_array();
		for (size_t k = 0; k < p->ninputs; k++) {
			json_t *kv = json_object();
			set_str(kv, "key", p->inputs[k].key);
			set_str(kv, "value", p->inputs[k].value);
			json_array_append_new(in, kv);
		}
		json_object_set_new(o, "inputs", in);
		set_str(o, "status", p->status ? p->status : "error");
		json_object_set_new(o, "duration_ms", json_real(p->duration_ms));
		facts_to_json(&p->facts, o);
		json_array_append_new(runs, o);
	}
	json_object_set_new(root, "runs", runs);

	json_t *sets = json_array();
	for (size_t i = 0; i < r->nrulesets; i++) {
		const struct ruleset_info *s = &r->rulesets[i];
		json_t *o = json_object();
		set_str(o, "id", s->id);
		json_t *t = json_object();
		set_str(t, "en", s->title_en);
		set_str(t, "zh", s->title_zh);
		json_object_set_new(o, "title", t);
		set_str(o, "version", s->version);
		set_str(o, "file", s->file);
		json_object_set_new(o, "rules", json_integer((json_int_t)s->nrules));
		if (s->level)
			set_str(o, "level", s->level);
		json_array_append_new(sets, o);
	}
	json_object_set_new(root, "rulesets", sets);

	json_t *rows = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		json_t *o = json_object();
		set_str(o, "rule", w->rule);
		set_str(o, "ruleset", w->ruleset);
		set_str(o, "target", w->target);
		set_str(o, "type", w->manual ? "manual" : "auto");
		set_str(o, "severity", severity_name(w->severity));
		json_t *t = json_object();
		set_str(t, "en", w->title_en);
		set_str(t, "zh", w->title_zh);
		json_object_set_new(o, "title", t);
		json_t *c = json_object();
		set_str(c, "ref", w->clause);
		set_str(c, "confidence", w->confidence);
		json_object_set_new(o, "clause", c);
		json_object_set_new(o, "xrefs", strv_json(w->xrefs, w->nxrefs));
		json_object_set_new(o, "probes", strv_json(w->probes, w->nprobes));
		set_str(o, "check", w->check);
		if (w->remediation_en || w->remediation_zh) {
			json_t *rem = json_object();
			set_str(rem, "en", w->remediation_en);
			set_str(rem, "zh", w->remediation_zh);
			json_object_set_new(o, "remediation", rem);
		}
		set_str(o, "verdict", verdict_name(w->verdict));
		set_str(o, "evaluated", verdict_name(w->evaluated));
		set_str(o, "reason", w->reason);
		json_t *facts = json_object();
		for (size_t k = 0; k < w->nfacts; k++)
			json_object_set_new(facts, w->facts[k].key,
			                    fact_value_to_json(&w->facts[k].v));
		json_object_set_new(o, "facts", facts);
		if (w->waiver)
			json_object_set_new(o, "waiver", waiver_json(w->waiver));
		if (w->attest)
			json_object_set_new(o, "attestation", attest_json(w->attest));
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "results", rows);

	json_t *ws = json_array();
	for (size_t i = 0; i < r->nwaivers; i++)
		json_array_append_new(ws, waiver_json(&r->waivers[i]));
	json_object_set_new(root, "waivers", ws);
	json_t *as = json_array();
	for (size_t i = 0; i < r->nattests; i++)
		json_array_append_new(as, attest_json(&r->attests[i]));
	json_object_set_new(root, "attestations", as);

	struct summary s;
	results_summarize(r, r->fail_on, &s);
	json_t *sum = json_object();
	json_object_set_new(sum, "total", json_integer((json_int_t)s.total));
	json_object_set_new(sum, "verdicts", verdict_counts(s.by_verdict));
	json_t *bysev = json_object();
	for (int k = SEV__COUNT - 1; k >= 0; k--)
		json_object_set_new(bysev, severity_names[k], verdict_counts(s.by_severity[k]));
	json_object_set_new(sum, "by_severity", bysev);
	json_t *byset = json_object();
	for (size_t i = 0; i < r->nrulesets; i++) {
		size_t counts[VERDICT__COUNT] = {0};
		for (size_t k = 0; k < r->nrows; k++)
			if (r->rows[k].ruleset &&
			    strcmp(r->rows[k].ruleset, r->rulesets[i].id) == 0)
				counts[r->rows[k].verdict]++;
		json_object_set_new(byset, r->rulesets[i].id, verdict_counts(counts));
	}
	json_object_set_new(sum, "by_ruleset", byset);
	json_object_set_new(sum, "failed_at_or_above",
	                    json_integer((json_int_t)s.failed_at_or_above));
	json_object_set_new(sum, "runs_failed", json_integer((json_int_t)s.runs_failed));
	json_object_set_new(sum, "incomplete", json_boolean(s.incomplete));
	json_object_set_new(sum, "exit_code", json_integer(results_exit_code(r, r->fail_on)));
	json_object_set_new(root, "summary", sum);
	return root;
}

int results_write(const struct results *r, const char *path)
{
	json_t *j = results_to_json(r);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = json_dump_file(
	    j, tmp, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | FACTS_JSON_REAL);
	json_decref(j);
	if (rc != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return err_set("%s: cannot write: %s", path, strerror(e ? e : EIO));
	}
	free(tmp);
	return 0;
}

/* ---- reading ---- */

/* Fetch a member: required or optional string, masked (see set_str). */
static int get_str_as(char **out, const json_t *o, const char *k, bool required, bool mask);

static int get_str(char **out, const json_t *o, const char *k, bool required)
{
	return get_str_as(out, o, k, required, true);
}

static int get_str_as(char **out, const json_t *o, const char *k, bool required, bool mask)
{
	const json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return err_set("missing '%s'", k);
		return 0;
	}
	if (!json_is_string(v))
		return err_set("'%s' must be a string", k);
	*out = mask ? mask_text(json_string_value(v)) : xstrdup(json_string_value(v));
	return 0;
}

static int get_strv(char ***out, size_t *n, const json_t *o, const char *k)
{
	const json_t *a = json_object_get(o, k);
	*out = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return err_set("'%s' must be an array", k);
	*out = xcalloc(json_array_size(a) + 1, sizeof(char *));
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *s = json_array_get(a, i);
		if (!json_is_string(s))
			return err_set("'%s'[%zu] must be a string", k, i);
		(*out)[(*n)++] = mask_text(json_string_value(s));
	}
	return 0;
}

static int get_title(char **en, char **zh, const json_t *o, const char *k)
{
	const json_t *t = json_object_get(o, k);
	*en = *zh = NULL;
	if (!t)
		return 0;
	if (!json_is_object(t))
		return err_set("'%s' must be an object", k);
	if (get_str(en, t, "en", false) < 0 || get_str(zh, t, "zh", false) < 0)
		return err_prefix("'%s'", k);
	return 0;
}

static int waiver_from(struct waiver *w, const json_t *o)
{
	if (!json_is_object(o))
		return err_set("a waiver must be an object");
	if (get_str(&w->rule, o, "rule", true) || get_str(&w->target, o, "target", false) ||
	    get_str(&w->reason, o, "reason", false) || get_str(&w->by, o, "by", false) ||
	    get_str(&w->until, o, "until", false))
		return -1;
	w->active = json_is_true(json_object_get(o, "active"));
	return 0;
}

static int attest_from(struct attestation *a, const json_t *o)
{
	if (!json_is_object(o))
		return err_set("an attestation must be an object");
	return (get_str(&a->rule, o, "rule", true) || get_str(&a->status, o, "status", false) ||
	        get_str(&a->evidence, o, "evidence", false) || get_str(&a->by, o, "by", false) ||
	        get_str(&a->date, o, "date", false))
	           ? -1
	           : 0;
}

static int row_from(struct verdict_row *w, const json_t *o)
{
	char *s = NULL;
	if (!json_is_object(o))
		return err_set("a result must be an object");
	if (get_str(&w->rule, o, "rule", true) || get_str(&w->ruleset, o, "ruleset", false) ||
	    get_str(&w->target, o, "target", true) || get_str(&w->check, o, "check", false) ||
	    get_str(&w->reason, o, "reason", false) ||
	    get_title(&w->title_en, &w->title_zh, o, "title") ||
	    get_title(&w->remediation_en, &w->remediation_zh, o, "remediation") ||
	    get_strv(&w->xrefs, &w->nxrefs, o, "xrefs") ||
	    get_strv(&w->probes, &w->nprobes, o, "probes"))
		return -1;
	const json_t *c = json_object_get(o, "clause");
	if (c && json_is_object(c) &&
	    (get_str(&w->clause, c, "ref", false) ||
	     get_str(&w->confidence, c, "confidence", false)))
		return err_prefix("'clause'");
	if (get_str(&s, o, "type", false))
		return -1;
	w->manual = s && strcmp(s, "manual") == 0;
	free(s);
	if (get_str(&s, o, "severity", true))
		return -1;
	int bad = severity_parse(&w->severity, s);
	free(s);
	if (bad)
		return err_set("unknown severity");
	if (get_str(&s, o, "verdict", true))
		return -1;
	bad = verdict_parse(&w->verdict, s);
	free(s);
	if (bad)
		return err_set("unknown verdict");
	w->evaluated = w->verdict;
	if (get_str(&s, o, "evaluated", false))
		return -1;
	if (s && verdict_parse(&w->evaluated, s) < 0) {
		free(s);
		return err_set("unknown evaluated verdict");
	}
	free(s);
	const json_t *facts = json_object_get(o, "facts");
	if (facts && !json_is_object(facts))
		return err_set("'facts' must be an object");
	if (facts) {
		w->facts = xcalloc(json_object_size(facts) + 1, sizeof(struct fact));
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)facts, k, v)
		{
			struct fact *f = &w->facts[w->nfacts];
			if (!facts_key_valid(k))
				return err_set("invalid fact key '%.100s'", k);
			if (fact_value_from_json(&f->v, v) < 0)
				return err_prefix("fact '%.100s'", k);
			f->key = xstrdup(k);
			w->nfacts++;
		}
	}
	const json_t *wv = json_object_get(o, "waiver");
	if (wv) {
		w->waiver = xcalloc(1, sizeof(*w->waiver));
		if (waiver_from(w->waiver, wv) < 0)
			return -1;
	}
	const json_t *av = json_object_get(o, "attestation");
	if (av) {
		w->attest = xcalloc(1, sizeof(*w->attest));
		if (attest_from(w->attest, av) < 0)
			return -1;
	}
	return 0;
}

static int run_from(struct probe_run *p, const json_t *o)
{
	if (!json_is_object(o))
		return err_set("a run must be an object");
	if (get_str(&p->target, o, "target", true) || get_str(&p->probe, o, "probe", true) ||
	    get_str(&p->status, o, "status", true))
		return -1;
	const json_t *u = json_object_get(o, "unit");
	if (u && (!json_is_integer(u) || json_integer_value(u) < 0))
		return err_set("'unit' must be a non-negative integer");
	p->unit = u ? (long)json_integer_value(u) : -1;
	const json_t *part = json_object_get(o, "part");
	if (part) {
		const json_t *pi = json_object_get(part, "index"),
		             *pn = json_object_get(part, "of");
		if (!json_is_integer(pi) || !json_is_integer(pn) || json_integer_value(pn) < 2 ||
		    json_integer_value(pn) > RESULTS_PARTS_MAX || json_integer_value(pi) < 0 ||
		    json_integer_value(pi) >= json_integer_value(pn))
			return err_set("'part' must be {\"index\": i, \"of\": N} with 0 <= i < N "
			               "<= %d",
			               RESULTS_PARTS_MAX);
		p->part = (unsigned)json_integer_value(pi);
		p->parts = (unsigned)json_integer_value(pn);
	}
	const json_t *d = json_object_get(o, "duration_ms");
	p->duration_ms = json_is_number(d) ? json_number_value(d) : 0;
	const json_t *in = json_object_get(o, "inputs");
	if (in && !json_is_array(in))
		return err_set("'inputs' must be an array");
	if (in) {
		p->inputs = xcalloc(json_array_size(in) + 1, sizeof(*p->inputs));
		for (size_t i = 0; i < json_array_size(in); i++) {
			const json_t *kv = json_array_get(in, i);
			struct run_input *ri = &p->inputs[p->ninputs];
			if (!json_is_object(kv))
				return err_set("'inputs'[%zu] must be an object", i);
			p->ninputs++;
			if (get_str(&ri->key, kv, "key", true) ||
			    get_str(&ri->value, kv, "value", true))
				return err_prefix("'inputs'[%zu]", i);
		}
	}
	return facts_from_json(&p->facts, o);
}

int results_from_json(struct results *r, const json_t *j)
{
	char *s = NULL;
	if (!json_is_object(j))
		return err_set("top level is not an object");
	const json_t *schema = json_object_get(j, "schema");
	if (!json_is_string(schema) || strcmp(json_string_value(schema), "assay-results") != 0)
		return err_set("not an assay results file (no \"schema\": \"assay-results\")");
	const json_t *ver = json_object_get(j, "schema_version");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
	    json_integer_value(ver) > RESULTS_SCHEMA_VERSION)
		return err_set("unsupported schema_version (this assay reads 1..%d)",
		               RESULTS_SCHEMA_VERSION);
	const json_t *tool = json_object_get(j, "tool");
	if (tool && json_is_object(tool) && get_str(&r->tool_version, tool, "version", false))
		return err_prefix("'tool'");
	const json_t *plan = json_object_get(j, "plan");
	if (!json_is_object(plan))
		return err_set("missing 'plan' object");
	if (get_str(&r->plan_name, plan, "name", false) ||
	    get_str(&r->plan_file, plan, "file", false) ||
	    get_str_as(&r->plan_sha256, plan, "sha256", false, false) ||
	    get_str(&s, plan, "fail_on", false))
		return err_prefix("'plan'");
	if (s && severity_parse(&r->fail_on, s) < 0) {
		free(s);
		return err_set("'plan': unknown fail_on severity");
	}
	free(s);
	const json_t *sh = json_object_get(j, "shard");
	if (sh) {
		const json_t *si = json_object_get(sh, "index"), *sc = json_object_get(sh, "count");
		if (!json_is_integer(si) || !json_is_integer(sc) || json_integer_value(sc) < 1 ||
		    json_integer_value(sc) > 100000 || json_integer_value(si) < 0 ||
		    json_integer_value(si) >= json_integer_value(sc))
			return err_set(
			    "'shard' must be {\"index\": i, \"count\": N} with 0 <= i < N");
		r->shard_index = (unsigned)json_integer_value(si);
		r->shard_count = (unsigned)json_integer_value(sc);
	}
	if (get_str(&r->started, j, "started", false) ||
	    get_str(&r->finished, j, "finished", false) ||
	    get_strv(&r->targets, &r->ntargets, j, "targets"))
		return -1;
	const json_t *zones = json_object_get(j, "zones");
	if (zones && !json_is_object(zones))
		return err_set("'zones' must be an object of target: zone");
	if (zones && r->ntargets) {
		r->zones = xcalloc(r->ntargets, sizeof(char *));
		for (size_t i = 0; i < r->ntargets; i++) {
			const json_t *z =
			    r->targets[i] ? json_object_get(zones, r->targets[i]) : NULL;
			if (!z)
				continue;
			const char *v = json_string_value(z);
			if (!v || (strcmp(v, "internet") != 0 && strcmp(v, "internal") != 0))
				return err_set("zones.%s must be \"internet\" or \"internal\"",
				               r->targets[i]);
			r->zones[i] = xstrdup(v);
		}
	}
	const json_t *profiles = json_object_get(j, "profiles");
	if (profiles && !json_is_array(profiles))
		return err_set("'profiles' must be an array");
	for (size_t i = 0; profiles && i < json_array_size(profiles); i++) {
		const char *v = json_string_value(json_array_get(profiles, i));
		if (!v || strcmp(v, "gm") != 0)
			return err_set("profiles[%zu]: unknown profile (known: gm)", i);
		r->profiles |= 1u;
	}

	const json_t *runs = json_object_get(j, "runs");
	if (runs && !json_is_array(runs))
		return err_set("'runs' must be an array");
	for (size_t i = 0; runs && i < json_array_size(runs); i++)
		if (run_from(results_add_run(r), json_array_get(runs, i)) < 0)
			return err_prefix("runs[%zu]", i);

	const json_t *sets = json_object_get(j, "rulesets");
	if (sets && !json_is_array(sets))
		return err_set("'rulesets' must be an array");
	for (size_t i = 0; sets && i < json_array_size(sets); i++) {
		const json_t *o = json_array_get(sets, i);
		struct ruleset_info *ri = ARRAY_PUSH(r->rulesets, r->nrulesets, r->caprulesets);
		memset(ri, 0, sizeof(*ri));
		if (!json_is_object(o))
			return err_set("rulesets[%zu] must be an object", i);
		if (get_str(&ri->id, o, "id", true) ||
		    get_title(&ri->title_en, &ri->title_zh, o, "title") ||
		    get_str(&ri->version, o, "version", false) ||
		    get_str(&ri->file, o, "file", false) || get_str(&ri->level, o, "level", false))
			return err_prefix("rulesets[%zu]", i);
		if (ri->level && strcmp(ri->level, "baseline") != 0 &&
		    strcmp(ri->level, "enhanced") != 0)
			return err_set("rulesets[%zu]: level must be \"baseline\" or \"enhanced\"",
			               i);
		const json_t *n = json_object_get(o, "rules");
		ri->nrules = json_is_integer(n) && json_integer_value(n) > 0
		                 ? (size_t)json_integer_value(n)
		                 : 0;
	}

	const json_t *rows = json_object_get(j, "results");
	if (!json_is_array(rows))
		return err_set("missing 'results' array");
	for (size_t i = 0; i < json_array_size(rows); i++)
		if (row_from(results_add_row(r), json_array_get(rows, i)) < 0)
			return err_prefix("results[%zu]", i);

	const json_t *ws = json_object_get(j, "waivers");
	if (ws && !json_is_array(ws))
		return err_set("'waivers' must be an array");
	if (ws) {
		r->waivers = xcalloc(json_array_size(ws) + 1, sizeof(*r->waivers));
		for (size_t i = 0; i < json_array_size(ws); i++)
			if (waiver_from(&r->waivers[r->nwaivers++], json_array_get(ws, i)) < 0)
				return err_prefix("waivers[%zu]", i);
	}
	const json_t *as = json_object_get(j, "attestations");
	if (as && !json_is_array(as))
		return err_set("'attestations' must be an array");
	if (as) {
		r->attests = xcalloc(json_array_size(as) + 1, sizeof(*r->attests));
		for (size_t i = 0; i < json_array_size(as); i++)
			if (attest_from(&r->attests[r->nattests++], json_array_get(as, i)) < 0)
				return err_prefix("attestations[%zu]", i);
	}
	return 0;
}

int results_read(struct results *r, const char *path)
{
	json_error_t je;
	results_init(r);
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return je.line > 0 ? err_set("%s:%d:%d: %s", path, je.line, je.column, je.text)
		                   : err_set("%s: %s", path, je.text);
	int rc = results_from_json(r, j);
	json_decref(j);
	if (rc < 0) {
		err_prefix("%s", path);
		results_free(r);
		return -1;
	}
	return 0;
}
