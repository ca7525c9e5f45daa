/*
 * The results model (harness/results.c): results.json written and read
 * back keeps every field of a model that uses every feature (runs with
 * facts of each type, findings with locations, errors; rows with xrefs,
 * probes, facts, waivers and attestations; rule sets; the plan's waivers
 * and attestations); a file that is not JSON, not ours, of another schema
 * version or with wrong types is refused with the file and what is wrong;
 * and the summary and exit code follow the CI contract of DESIGN.md
 * (0 clean, 1 a fail at/above --fail-on, 3 incomplete).
 */
#include "tests/testutil.h"

#include "harness/results.h"
#include "lib/err.h"
#include "lib/util.h"

#include <dirent.h>

/* A test card number (Visa test range), Luhn-valid; never a real card. */
#define TEST_PAN "4111111111111111"

static char **strv(size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	return v;
}

static void rm_tree(char *dir)
{
	char *cmd = xasprintf("rm -rf -- '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* A model that uses every field results.json can carry. */
static void build_full(struct results *r)
{
	results_init(r);
	r->tool_version = xstrdup("9.8.7");
	r->plan_name = xstrdup("Annual assessment 年度评估");
	r->plan_file = xstrdup("plans/acquirer.ini");
	r->plan_sha256 =
	    xstrdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	r->fail_on = SEV_MEDIUM;
	r->started = xstrdup("2026-11-28T17:12:06Z");
	r->finished = xstrdup("2026-11-28T17:13:00Z");
	r->targets = strv(2, "web", "db");
	r->ntargets = 2;

	struct probe_run *p = results_add_run(r);
	p->target = xstrdup("web");
	p->probe = xstrdup("exec");
	p->inputs = xcalloc(2, sizeof(*p->inputs));
	p->inputs[0].key = xstrdup("exec");
	p->inputs[0].value = xstrdup("./checks/web.sh --fast");
	p->inputs[1].key = xstrdup("exec");
	p->inputs[1].value = xstrdup("./checks/second.sh");
	p->ninputs = 2;
	p->status = xstrdup("ok");
	p->duration_ms = 1234.5;
	static const char *const protos[] = {"tls1_2", "tls1_3", "引号 \"q\""};
	cr_assert_eq(facts_add_bool(&p->facts, "exec.b_true", true), 0);
	cr_assert_eq(facts_add_bool(&p->facts, "exec.b_false", false), 0);
	cr_assert_eq(facts_add_int(&p->facts, "exec.big", 9007199254740993LL), 0);
	cr_assert_eq(facts_add_int(&p->facts, "exec.neg", -42), 0);
	cr_assert_eq(facts_add_double(&p->facts, "exec.ratio", 0.1), 0);
	cr_assert_eq(facts_add_double(&p->facts, "exec.whole", 3.0), 0);
	cr_assert_eq(facts_add_string(&p->facts, "exec.server", "nginx/1.25 中文"), 0);
	cr_assert_eq(facts_add_string(&p->facts, "exec.empty", ""), 0);
	cr_assert_eq(facts_add_list(&p->facts, "exec.protos", protos, 3), 0);
	cr_assert_eq(facts_add_list(&p->facts, "exec.none", NULL, 0), 0);
	struct finding fd = {.kind = "pan",
	                     .severity = "critical",
	                     .message = "card number in a log",
	                     .excerpt = "... card=411111******1111 ..."};
	finding_loc_init(&fd.loc);
	fd.loc.file = "logs/app.log";
	fd.loc.line = 812;
	fd.loc.column = 17;
	fd.loc.offset = 0;
	fd.loc.endpoint = "10.0.0.5:443";
	fd.loc.stream = "tcp/3";
	facts_add_finding(&p->facts, &fd);
	struct finding fd2 = {.kind = "weak-cipher"};
	finding_loc_init(&fd2.loc);
	fd2.loc.endpoint = "10.0.0.6:8443";
	facts_add_finding(&p->facts, &fd2);
	facts_error(&p->facts, "first error");
	facts_error(&p->facts, "second error: \"quoted\"");

	p = results_add_run(r);
	p->target = xstrdup("db");
	p->probe = xstrdup("exec");
	p->status = xstrdup("timeout");
	p->duration_ms = 30000;
	facts_error(&p->facts, "killed after 30 s");

	struct ruleset_info *ri = ARRAY_PUSH(r->rulesets, r->nrulesets, r->caprulesets);
	memset(ri, 0, sizeof(*ri));
	ri->id = xstrdup("eng");
	ri->title_en = xstrdup("Engine set");
	ri->title_zh = xstrdup("引擎规则集");
	ri->version = xstrdup("3.0");
	ri->file = xstrdup("rules/eng.xml");
	ri->nrules = 5;
	ri = ARRAY_PUSH(r->rulesets, r->nrulesets, r->caprulesets);
	memset(ri, 0, sizeof(*ri));
	ri->id = xstrdup("bare");
	ri->nrules = 0;

	/* An automated row, waived, with every optional field. */
	struct verdict_row *w = results_add_row(r);
	w->rule = xstrdup("A-OK");
	w->ruleset = xstrdup("eng");
	w->target = xstrdup("web");
	w->manual = false;
	w->severity = SEV_HIGH;
	w->title_en = xstrdup("Everything is ok");
	w->title_zh = xstrdup("一切正常");
	w->clause = xstrdup("2.3");
	w->confidence = xstrdup("xref-PCI");
	w->xrefs = strv(2, "PCI DSS v4.0 2.2.7", "GB/T 22239 8.1");
	w->nxrefs = 2;
	w->probes = strv(1, "exec");
	w->nprobes = 1;
	w->check = xstrdup("exec.b_false == true and exec.ratio < 1");
	w->remediation_en = xstrdup("Fix it.");
	w->remediation_zh = xstrdup("修复。");
	w->verdict = VERDICT_WAIVED;
	w->evaluated = VERDICT_FAIL;
	w->reason = xstrdup("check is false: exec.b_false == true");
	w->facts = xcalloc(3, sizeof(*w->facts));
	w->facts[0].key = xstrdup("exec.b_false");
	w->facts[0].v.type = FACT_BOOL;
	w->facts[1].key = xstrdup("exec.ratio");
	w->facts[1].v.type = FACT_DOUBLE;
	w->facts[1].v.d = 0.1;
	w->facts[2].key = xstrdup("exec.protos");
	w->facts[2].v.type = FACT_LIST;
	w->facts[2].v.items = strv(2, "a", "b");
	w->facts[2].v.nitems = 2;
	w->nfacts = 3;
	w->waiver = xcalloc(1, sizeof(*w->waiver));
	w->waiver->rule = xstrdup("A-OK");
	w->waiver->target = xstrdup("web");
	w->waiver->reason = xstrdup("compensating control");
	w->waiver->by = xstrdup("Zhang Min");
	w->waiver->until = xstrdup("2099-12-31");
	w->waiver->active = true;

	/* A manual row with an attestation. */
	w = results_add_row(r);
	w->rule = xstrdup("M-1");
	w->ruleset = xstrdup("eng");
	w->target = xstrdup("-");
	w->manual = true;
	w->severity = SEV_CRITICAL;
	w->title_en = xstrdup("Policy");
	w->verdict = VERDICT_NA;
	w->evaluated = VERDICT_NA;
	w->reason = xstrdup("attested not-applicable by QSA on 2026-10-12");
	w->attest = xcalloc(1, sizeof(*w->attest));
	w->attest->rule = xstrdup("M-1");
	w->attest->status = xstrdup("not-applicable");
	w->attest->evidence = xstrdup("evidence/policy.pdf");
	w->attest->by = xstrdup("QSA");
	w->attest->date = xstrdup("2026-10-12");

	/* A bare row: nothing optional set. */
	w = results_add_row(r);
	w->rule = xstrdup("B-1");
	w->target = xstrdup("db");
	w->severity = SEV_INFO;
	w->verdict = VERDICT_ERROR;
	w->evaluated = VERDICT_ERROR;

	r->waivers = xcalloc(2, sizeof(*r->waivers));
	r->waivers[0].rule = xstrdup("A-OK");
	r->waivers[0].target = xstrdup("web");
	r->waivers[0].reason = xstrdup("compensating control");
	r->waivers[0].by = xstrdup("Zhang Min");
	r->waivers[0].until = xstrdup("2099-12-31");
	r->waivers[0].active = true;
	r->waivers[1].rule = xstrdup("A-N");
	r->waivers[1].reason = xstrdup("old");
	r->waivers[1].by = xstrdup("someone");
	r->waivers[1].until = xstrdup("2020-01-01");
	r->waivers[1].active = false;
	r->nwaivers = 2;
	r->attests = xcalloc(1, sizeof(*r->attests));
	r->attests[0].rule = xstrdup("M-1");
	r->attests[0].status = xstrdup("not-applicable");
	r->attests[0].evidence = xstrdup("evidence/policy.pdf");
	r->attests[0].by = xstrdup("QSA");
	r->attests[0].date = xstrdup("2026-10-12");
	r->nattests = 1;
}

/* Strings equal, both NULL included. */
#define expect_str(a, b, what)                                                                     \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		cr_expect((a_ == NULL) == (b_ == NULL) && (!a_ || strcmp(a_, b_) == 0),            \
		          "%s: '%s' != '%s'", what, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
	} while (0)

static void expect_value(const struct fact_value *a, const struct fact_value *b, const char *k)
{
	cr_assert_eq(a->type, b->type, "fact %s: type %d != %d", k, a->type, b->type);
	switch (a->type) {
	case FACT_BOOL:
		cr_expect_eq(a->b, b->b, "fact %s", k);
		break;
	case FACT_INT:
		cr_expect_eq(a->i, b->i, "fact %s: %lld != %lld", k, (long long)a->i,
		             (long long)b->i);
		break;
	case FACT_DOUBLE:
		cr_expect_eq(a->d, b->d, "fact %s: %.17g != %.17g", k, a->d, b->d);
		break;
	case FACT_STRING:
		expect_str(a->s, b->s, k);
		break;
	case FACT_LIST:
		cr_assert_eq(a->nitems, b->nitems, "fact %s", k);
		for (size_t i = 0; i < a->nitems; i++)
			expect_str(a->items[i], b->items[i], k);
		break;
	}
}

static void expect_facts(const struct facts *a, const struct facts *b)
{
	cr_assert_eq(a->nfacts, b->nfacts);
	for (size_t i = 0; i < a->nfacts; i++) {
		const struct fact_value *v = facts_get(b, a->facts[i].key);
		cr_assert_not_null(v, "fact %s lost", a->facts[i].key);
		expect_value(&a->facts[i].v, v, a->facts[i].key);
	}
	cr_assert_eq(a->nfindings, b->nfindings);
	for (size_t i = 0; i < a->nfindings; i++) {
		const struct finding *x = &a->findings[i], *y = &b->findings[i];
		expect_str(x->kind, y->kind, "finding kind");
		expect_str(x->severity, y->severity, "finding severity");
		expect_str(x->message, y->message, "finding message");
		expect_str(x->excerpt, y->excerpt, "finding excerpt");
		expect_str(x->loc.file, y->loc.file, "finding file");
		expect_str(x->loc.endpoint, y->loc.endpoint, "finding endpoint");
		expect_str(x->loc.stream, y->loc.stream, "finding stream");
		cr_expect_eq(x->loc.line, y->loc.line);
		cr_expect_eq(x->loc.column, y->loc.column);
		cr_expect_eq(x->loc.offset, y->loc.offset);
	}
	cr_assert_eq(a->nerrors, b->nerrors);
	for (size_t i = 0; i < a->nerrors; i++)
		expect_str(a->errors[i], b->errors[i], "error");
}

static void expect_waiver(const struct waiver *a, const struct waiver *b)
{
	expect_str(a->rule, b->rule, "waiver rule");
	expect_str(a->target, b->target, "waiver target");
	expect_str(a->reason, b->reason, "waiver reason");
	expect_str(a->by, b->by, "waiver by");
	expect_str(a->until, b->until, "waiver until");
	cr_expect_eq(a->active, b->active, "waiver active");
}

static void expect_attest(const struct attestation *a, const struct attestation *b)
{
	expect_str(a->rule, b->rule, "attest rule");
	expect_str(a->status, b->status, "attest status");
	expect_str(a->evidence, b->evidence, "attest evidence");
	expect_str(a->by, b->by, "attest by");
	expect_str(a->date, b->date, "attest date");
}

static void expect_same(const struct results *a, const struct results *b)
{
	expect_str(a->tool_version, b->tool_version, "tool_version");
	expect_str(a->plan_name, b->plan_name, "plan_name");
	expect_str(a->plan_file, b->plan_file, "plan_file");
	expect_str(a->plan_sha256, b->plan_sha256, "plan_sha256");
	cr_expect_eq(a->fail_on, b->fail_on, "fail_on");
	expect_str(a->started, b->started, "started");
	expect_str(a->finished, b->finished, "finished");
	cr_assert_eq(a->ntargets, b->ntargets);
	for (size_t i = 0; i < a->ntargets; i++)
		expect_str(a->targets[i], b->targets[i], "target");

	cr_assert_eq(a->nruns, b->nruns);
	for (size_t i = 0; i < a->nruns; i++) {
		const struct probe_run *x = &a->runs[i], *y = &b->runs[i];
		expect_str(x->target, y->target, "run target");
		expect_str(x->probe, y->probe, "run probe");
		expect_str(x->status, y->status, "run status");
		cr_expect_eq(x->duration_ms, y->duration_ms, "run duration %f != %f",
		             x->duration_ms, y->duration_ms);
		cr_assert_eq(x->ninputs, y->ninputs);
		for (size_t k = 0; k < x->ninputs; k++) {
			expect_str(x->inputs[k].key, y->inputs[k].key, "input key");
			expect_str(x->inputs[k].value, y->inputs[k].value, "input value");
		}
		expect_facts(&x->facts, &y->facts);
	}

	cr_assert_eq(a->nrulesets, b->nrulesets);
	for (size_t i = 0; i < a->nrulesets; i++) {
		const struct ruleset_info *x = &a->rulesets[i], *y = &b->rulesets[i];
		expect_str(x->id, y->id, "ruleset id");
		expect_str(x->title_en, y->title_en, "ruleset title_en");
		expect_str(x->title_zh, y->title_zh, "ruleset title_zh");
		expect_str(x->version, y->version, "ruleset version");
		expect_str(x->file, y->file, "ruleset file");
		cr_expect_eq(x->nrules, y->nrules);
	}

	cr_assert_eq(a->nrows, b->nrows);
	for (size_t i = 0; i < a->nrows; i++) {
		const struct verdict_row *x = &a->rows[i], *y = &b->rows[i];
		expect_str(x->rule, y->rule, "row rule");
		expect_str(x->ruleset, y->ruleset, "row ruleset");
		expect_str(x->target, y->target, "row target");
		cr_expect_eq(x->manual, y->manual, "row %s manual", x->rule);
		cr_expect_eq(x->severity, y->severity, "row %s severity", x->rule);
		expect_str(x->title_en, y->title_en, "row title_en");
		expect_str(x->title_zh, y->title_zh, "row title_zh");
		expect_str(x->clause, y->clause, "row clause");
		expect_str(x->confidence, y->confidence, "row confidence");
		cr_assert_eq(x->nxrefs, y->nxrefs);
		for (size_t k = 0; k < x->nxrefs; k++)
			expect_str(x->xrefs[k], y->xrefs[k], "row xref");
		cr_assert_eq(x->nprobes, y->nprobes);
		for (size_t k = 0; k < x->nprobes; k++)
			expect_str(x->probes[k], y->probes[k], "row probe");
		expect_str(x->check, y->check, "row check");
		expect_str(x->remediation_en, y->remediation_en, "row remediation_en");
		expect_str(x->remediation_zh, y->remediation_zh, "row remediation_zh");
		cr_expect_eq(x->verdict, y->verdict, "row %s verdict", x->rule);
		cr_expect_eq(x->evaluated, y->evaluated, "row %s evaluated", x->rule);
		expect_str(x->reason, y->reason, "row reason");
		cr_assert_eq(x->nfacts, y->nfacts);
		for (size_t k = 0; k < x->nfacts; k++) {
			expect_str(x->facts[k].key, y->facts[k].key, "row fact key");
			expect_value(&x->facts[k].v, &y->facts[k].v, x->facts[k].key);
		}
		cr_assert_eq(x->waiver == NULL, y->waiver == NULL, "row %s waiver", x->rule);
		if (x->waiver)
			expect_waiver(x->waiver, y->waiver);
		cr_assert_eq(x->attest == NULL, y->attest == NULL, "row %s attestation", x->rule);
		if (x->attest)
			expect_attest(x->attest, y->attest);
	}

	cr_assert_eq(a->nwaivers, b->nwaivers);
	for (size_t i = 0; i < a->nwaivers; i++)
		expect_waiver(&a->waivers[i], &b->waivers[i]);
	cr_assert_eq(a->nattests, b->nattests);
	for (size_t i = 0; i < a->nattests; i++)
		expect_attest(&a->attests[i], &b->attests[i]);
}

/* ---- round trip ---- */

Test(results, write_and_read_keep_every_field)
{
	struct results a, b;
	build_full(&a);
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/results.json", dir);
	err_clear();
	cr_assert_eq(results_write(&a, path), 0, "%s", err_msg());
	cr_assert_eq(results_read(&b, path), 0, "%s", err_msg());
	expect_same(&a, &b);

	/* And the second generation is byte-for-byte the first. */
	char *path2 = xasprintf("%s/again.json", dir);
	cr_assert_eq(results_write(&b, path2), 0, "%s", err_msg());
	char *t1 = tu_read(path), *t2 = tu_read(path2);
	cr_assert(t1 && t2);
	cr_expect_str_eq(t1, t2);
	/* Reals are written short: 0.1 as 0.1, not 0.10000000000000001, a run
	 * of 17 digits a reader or a card-data scanner takes for a card number */
	cr_expect(strstr(t1, "\"exec.ratio\": 0.1,"), "exec.ratio as written: %s",
	          strstr(t1, "\"exec.ratio\""));
	cr_expect_null(strstr(t1, "0.1000"));
	cr_expect(strstr(t1, "\"duration_ms\": 1234.5,"));
	free(t1);
	free(t2);
	free(path2);
	results_free(&a);
	results_free(&b);
	free(path);
	rm_tree(dir);
}

Test(results, json_round_trip_in_memory)
{
	struct results a, b;
	build_full(&a);
	json_t *j = results_to_json(&a);
	results_init(&b);
	err_clear();
	cr_assert_eq(results_from_json(&b, j), 0, "%s", err_msg());
	expect_same(&a, &b);
	json_t *j2 = results_to_json(&b);
	cr_expect(json_equal(j, j2), "results_to_json differs after a round trip");
	json_decref(j);
	json_decref(j2);
	results_free(&a);
	results_free(&b);
}

Test(results, json_carries_the_schema_and_summary)
{
	struct results a;
	build_full(&a);
	json_t *j = results_to_json(&a);
	cr_expect_str_eq(json_string_value(json_object_get(j, "schema")), "assay-results");
	cr_expect_eq(json_integer_value(json_object_get(j, "schema_version")),
	             RESULTS_SCHEMA_VERSION);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "tool"), "name")),
	                 "assay");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "plan"), "fail_on")),
	                 "medium");
	json_t *sum = json_object_get(j, "summary");
	cr_assert(json_is_object(sum));
	cr_expect_eq(json_integer_value(json_object_get(sum, "total")), 3);
	json_t *v = json_object_get(sum, "verdicts");
	cr_expect_eq(json_integer_value(json_object_get(v, "waived")), 1);
	cr_expect_eq(json_integer_value(json_object_get(v, "not-applicable")), 1);
	cr_expect_eq(json_integer_value(json_object_get(v, "error")), 1);
	cr_expect_eq(json_integer_value(json_object_get(v, "fail")), 0);
	cr_expect_eq(json_integer_value(json_object_get(sum, "runs_failed")), 1);
	cr_expect(json_is_true(json_object_get(sum, "incomplete")));
	cr_expect_eq(json_integer_value(json_object_get(sum, "exit_code")), 3);
	json_t *eng = json_object_get(json_object_get(sum, "by_ruleset"), "eng");
	cr_expect_eq(json_integer_value(json_object_get(eng, "waived")), 1);
	cr_expect_eq(json_integer_value(json_object_get(eng, "not-applicable")), 1);
	cr_expect_eq(json_integer_value(json_object_get(eng, "error")), 0, "B-1 has no rule set");
	json_t *high = json_object_get(json_object_get(sum, "by_severity"), "high");
	cr_expect_eq(json_integer_value(json_object_get(high, "waived")), 1);
	json_decref(j);
	results_free(&a);
}

Test(results, minimal_file_reads_with_defaults)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "r.json",
	                      "{\"schema\": \"assay-results\", \"schema_version\": 1, \"plan\": {},"
	                      " \"results\": []}");
	struct results r;
	err_clear();
	cr_assert_eq(results_read(&r, path), 0, "%s", err_msg());
	cr_expect_eq(r.fail_on, SEV_HIGH);
	cr_expect_eq(r.nrows, 0);
	cr_expect_eq(r.nruns, 0);
	cr_expect_null(r.plan_name);
	cr_expect_eq(results_exit_code(&r, r.fail_on), 0);
	results_free(&r);
	free(path);
	rm_tree(dir);
}

Test(results, write_leaves_no_temporary_file_and_replaces_the_old_one)
{
	struct results a;
	build_full(&a);
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "results.json", "old contents");
	cr_assert_eq(results_write(&a, path), 0, "%s", err_msg());
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			n++;
			cr_expect_str_eq(e->d_name, "results.json");
		}
	closedir(d);
	cr_expect_eq(n, 1);
	char *text = tu_read(path);
	cr_assert_not_null(text);
	cr_expect(str_starts(text, "{"), "%.40s", text);
	free(text);
	results_free(&a);
	free(path);
	rm_tree(dir);
}

Test(results, write_to_a_missing_folder_fails_with_the_path)
{
	struct results a;
	results_init(&a);
	err_clear();
	cr_expect_eq(results_write(&a, "/nonexistent/dir/results.json"), -1);
	cr_expect(str_starts(err_msg(), "/nonexistent/dir/results.json: cannot write"), "%s",
	          err_msg());
	results_free(&a);
}

/* ---- reading bad files ---- */

/* Reading text must fail with "<path>" + sep + a message containing want. */
static void expect_read_error(const char *text, const char *sep, const char *want)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "results.json", text);
	struct results r;
	err_clear();
	cr_expect_eq(results_read(&r, path), -1, "accepted:\n%s", text);
	char *prefix = xasprintf("%s%s", path, sep);
	cr_expect(str_starts(err_msg(), prefix), "want prefix '%s', got '%s'", prefix, err_msg());
	cr_expect(strstr(err_msg(), want), "want '%s' in '%s'", want, err_msg());
	cr_expect_eq(r.nrows, 0, "a refused file leaves an empty model");
	cr_expect_eq(r.nruns, 0);
	free(prefix);
	free(path);
	rm_tree(dir);
}

#define DOC(rest) "{\"schema\": \"assay-results\", \"schema_version\": 1, \"plan\": {}" rest "}"

Test(results, not_json_names_line_and_column)
{
	expect_read_error("{\n  \"schema\": \"assay-results\",\n  oops\n}\n",
	                  ":3:6: ", "near 'oops'");
	expect_read_error("", ":1:0: ", "expected near end of file");
	expect_read_error("{\"schema\": \"assay-results\", \"schema\": \"x\"}",
	                  ":1:36: ", "duplicate object key");
}

Test(results, not_our_schema)
{
	expect_read_error("[1, 2]", ": ", "top level is not an object");
	expect_read_error("{\"results\": []}", ": ", "not an assay results file");
	expect_read_error("{\"schema\": \"sarif\", \"schema_version\": 1, \"results\": []}", ": ",
	                  "not an assay results file");
}

Test(results, unsupported_schema_version)
{
	static const char *const versions[] = {"2", "0", "-1", "\"1\"", "1.0", "null"};
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char *text = xasprintf("{\"schema\": \"assay-results\", \"schema_version\": %s, "
		                       "\"plan\": {}, \"results\": []}",
		                       versions[i]);
		expect_read_error(text, ": ", "unsupported schema_version (this assay reads 1..1)");
		free(text);
	}
	expect_read_error("{\"schema\": \"assay-results\", \"plan\": {}, \"results\": []}", ": ",
	                  "unsupported schema_version");
}

Test(results, missing_top_level_members)
{
	expect_read_error("{\"schema\": \"assay-results\", \"schema_version\": 1, \"results\": []}",
	                  ": ", "missing 'plan' object");
	expect_read_error(DOC(""), ": ", "missing 'results' array");
	expect_read_error(DOC(", \"results\": {}"), ": ", "missing 'results' array");
}

Test(results, wrong_types_are_refused)
{
	expect_read_error(DOC(", \"results\": [], \"runs\": {}"), ": ", "'runs' must be an array");
	expect_read_error(DOC(", \"results\": [], \"targets\": [\"a\", 1]"), ": ",
	                  "'targets'[1] must be a string");
	expect_read_error(DOC(", \"results\": [], \"waivers\": 3"), ": ",
	                  "'waivers' must be an array");
	expect_read_error(DOC(", \"results\": [], \"attestations\": [1]"), ": ",
	                  "attestations[0]: an attestation must be an object");
	expect_read_error(DOC(", \"results\": [], \"rulesets\": [{\"title\": {}}]"), ": ",
	                  "rulesets[0]: missing 'id'");
	expect_read_error("{\"schema\": \"assay-results\", \"schema_version\": 1, "
	                  "\"plan\": {\"fail_on\": \"severe\"}, \"results\": []}",
	                  ": ", "'plan': unknown fail_on severity");
	expect_read_error("{\"schema\": \"assay-results\", \"schema_version\": 1, "
	                  "\"plan\": {\"name\": 7}, \"results\": []}",
	                  ": ", "'plan': 'name' must be a string");
}

Test(results, bad_rows_name_their_index)
{
	static const char ok[] = "{\"rule\": \"A\", \"target\": \"t\", \"severity\": \"high\", "
	                         "\"verdict\": \"pass\"}";
	char *t = xasprintf(DOC(", \"results\": [%s, {\"rule\": \"B\", \"target\": \"t\", "
	                        "\"severity\": 3, \"verdict\": \"pass\"}]"),
	                    ok);
	expect_read_error(t, ": ", "results[1]: 'severity' must be a string");
	free(t);
	t = xasprintf(DOC(", \"results\": [%s, {\"rule\": \"B\", \"target\": \"t\", "
	                  "\"severity\": \"high\", \"verdict\": \"maybe\"}]"),
	              ok);
	expect_read_error(t, ": ", "results[1]: unknown verdict");
	free(t);
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"severity\": \"low\", "
	                      "\"verdict\": \"pass\"}]"),
	                  ": ", "results[0]: missing 'target'");
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                      "\"severity\": \"grave\", \"verdict\": \"pass\"}]"),
	                  ": ", "results[0]: unknown severity");
	expect_read_error(
	    DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	        "\"severity\": \"low\", \"verdict\": \"pass\", \"evaluated\": \"x\"}]"),
	    ": ", "results[0]: unknown evaluated verdict");
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                      "\"severity\": \"low\", \"verdict\": \"pass\", \"xrefs\": \"x\"}]"),
	                  ": ", "results[0]: 'xrefs' must be an array");
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                      "\"severity\": \"low\", \"verdict\": \"pass\", "
	                      "\"facts\": {\"k\": {\"nested\": 1}}}]"),
	                  ": ", "results[0]: fact 'k': value must be");
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                      "\"severity\": \"low\", \"verdict\": \"pass\", "
	                      "\"facts\": {\"Bad Key\": 1}}]"),
	                  ": ", "results[0]: invalid fact key 'Bad Key'");
	expect_read_error(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                      "\"severity\": \"low\", \"verdict\": \"waived\", "
	                      "\"waiver\": {\"target\": \"t\"}}]"),
	                  ": ", "results[0]: missing 'rule'");
}

Test(results, bad_runs_name_their_index)
{
	static const char ok[] = "{\"target\": \"a\", \"probe\": \"exec\", \"status\": \"ok\"}";
	char *t = xasprintf(DOC(", \"results\": [], \"runs\": [%s, {\"target\": \"a\", "
	                        "\"probe\": \"exec\"}]"),
	                    ok);
	expect_read_error(t, ": ", "runs[1]: missing 'status'");
	free(t);
	expect_read_error(
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"facts\": {\"Bad Key\": 1}}]"),
	    ": ", "runs[0]: invalid fact key 'Bad Key'");
	/* A key may not carry a card number: keys are written unmasked. */
	expect_read_error(DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": "
	                      "\"exec\", \"status\": \"ok\", \"facts\": {\"exec.p" TEST_PAN
	                      "\": 1}}]"),
	                  ": ", "runs[0]: invalid fact key");
	expect_read_error(
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"facts\": {\"x.l\": [\"a\", 2]}}]"),
	    ": ", "runs[0]: fact 'x.l': list item 1 is not a string");
	expect_read_error(
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"findings\": [{\"location\": {\"line\": -3}}]}]"),
	    ": ", "runs[0]: finding 0: 'line' must be a non-negative integer");
	expect_read_error(
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"errors\": [\"e\", 5]}]"),
	    ": ", "runs[0]: error 1 is not a string");
	expect_read_error(
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"inputs\": [{\"key\": \"exec\"}]}]"),
	    ": ", "runs[0]: 'inputs'[0]: missing 'value'");
}

Test(results, missing_file)
{
	struct results r;
	err_clear();
	cr_expect_eq(results_read(&r, "/nonexistent/results.json"), -1);
	cr_expect(str_starts(err_msg(), "/nonexistent/results.json:"), "%s", err_msg());
}

Test(results, reading_masks_card_numbers_in_facts_findings_and_errors)
{
	char *t =
	    xasprintf(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                  "\"severity\": \"low\", \"verdict\": \"fail\", "
	                  "\"facts\": {\"x.pan\": \"%s\"}}], "
	                  "\"runs\": [{\"target\": \"a\", \"probe\": \"exec\", \"status\": \"ok\", "
	                  "\"facts\": {\"exec.s\": \"card %s\", \"exec.l\": [\"%s\"]}, "
	                  "\"findings\": [{\"kind\": \"pan\", \"excerpt\": \"=%s\"}], "
	                  "\"errors\": [\"saw %s\"]}]"),
	              TEST_PAN, TEST_PAN, TEST_PAN, TEST_PAN, TEST_PAN);
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "r.json", t);
	struct results r;
	cr_assert_eq(results_read(&r, path), 0, "%s", err_msg());
	cr_expect_str_eq(facts_get(&r.runs[0].facts, "exec.s")->s, "card 411111******1111");
	cr_expect_str_eq(facts_get(&r.runs[0].facts, "exec.l")->items[0], "411111******1111");
	cr_expect_null(strstr(r.runs[0].facts.findings[0].excerpt, TEST_PAN));
	cr_expect_str_eq(r.runs[0].facts.errors[0], "saw 411111******1111");
	cr_expect_str_eq(r.rows[0].facts[0].v.s, "411111******1111");
	char *out = xasprintf("%s/out.json", dir);
	cr_assert_eq(results_write(&r, out), 0, "%s", err_msg());
	char *text = tu_read(out);
	cr_expect_null(strstr(text, TEST_PAN), "a full card number reached results.json");
	free(text);
	free(out);
	results_free(&r);
	free(path);
	free(t);
	rm_tree(dir);
}

/*
 * Every string results_write() writes is masked, whatever its source: a
 * results.json from another machine (`assay report`, `assay merge`) with a
 * card number in a reason or a run input is not written back in full.
 */
Test(results, no_full_card_number_is_written_from_any_string)
{
	char *t =
	    xasprintf(DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", "
	                  "\"severity\": \"low\", \"verdict\": \"fail\", "
	                  "\"reason\": \"card %s\"}], "
	                  "\"runs\": [{\"target\": \"a\", \"probe\": \"exec\", \"status\": \"ok\", "
	                  "\"inputs\": [{\"key\": \"exec\", \"value\": \"./c.sh %s\"}]}]"),
	              TEST_PAN, TEST_PAN);
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "r.json", t);
	struct results r;
	cr_assert_eq(results_read(&r, path), 0, "%s", err_msg());
	char *out = xasprintf("%s/out.json", dir);
	cr_assert_eq(results_write(&r, out), 0, "%s", err_msg());
	char *text = tu_read(out);
	cr_expect_null(strstr(text, TEST_PAN), "a full card number reached results.json");
	free(text);
	free(out);
	results_free(&r);
	free(path);
	free(t);
	rm_tree(dir);
}

/*
 * A fact key with a 13+ digit run is refused because it could be a card
 * number; the error message that quotes it is masked too (err_set masks).
 */
Test(results, refused_fact_key_is_masked_in_the_error)
{
	static const char *const docs[] = {
	    DOC(", \"results\": [], \"runs\": [{\"target\": \"a\", \"probe\": \"exec\", "
	        "\"status\": \"ok\", \"facts\": {\"exec.p" TEST_PAN "\": 1}}]"),
	    DOC(", \"results\": [{\"rule\": \"B\", \"target\": \"t\", \"severity\": \"low\", "
	        "\"verdict\": \"pass\", \"facts\": {\"x." TEST_PAN "\": 1}}]"),
	};
	for (size_t i = 0; i < 2; i++) {
		char *dir = tu_tmpdir();
		char *path = tu_write(dir, "r.json", docs[i]);
		struct results r;
		err_clear();
		cr_expect_eq(results_read(&r, path), -1);
		cr_expect(strstr(err_msg(), "invalid fact key"), "%s", err_msg());
		cr_expect_null(strstr(err_msg(), TEST_PAN), "full card number in: %s", err_msg());
		free(path);
		rm_tree(dir);
	}
}

/* ---- summary and exit code ---- */

static void add_row(struct results *r, enum verdict v, enum severity s)
{
	struct verdict_row *w = results_add_row(r);
	w->rule = xasprintf("R-%zu", r->nrows);
	w->target = xstrdup("t");
	w->verdict = v;
	w->evaluated = v == VERDICT_WAIVED ? VERDICT_FAIL : v;
	w->severity = s;
}

static void add_run_status(struct results *r, const char *status)
{
	struct probe_run *p = results_add_run(r);
	p->target = xstrdup("t");
	p->probe = xstrdup("exec");
	p->status = status ? xstrdup(status) : NULL;
}

Test(results, summary_counts)
{
	struct results r;
	results_init(&r);
	add_row(&r, VERDICT_PASS, SEV_HIGH);
	add_row(&r, VERDICT_FAIL, SEV_CRITICAL);
	add_row(&r, VERDICT_FAIL, SEV_HIGH);
	add_row(&r, VERDICT_FAIL, SEV_LOW);
	add_row(&r, VERDICT_WAIVED, SEV_CRITICAL);
	add_row(&r, VERDICT_MANUAL, SEV_MEDIUM);
	add_row(&r, VERDICT_NA, SEV_INFO);
	add_run_status(&r, "ok");
	add_run_status(&r, "crashed");
	add_run_status(&r, "timeout");
	struct summary s;
	results_summarize(&r, SEV_HIGH, &s);
	cr_expect_eq(s.total, 7);
	cr_expect_eq(s.by_verdict[VERDICT_PASS], 1);
	cr_expect_eq(s.by_verdict[VERDICT_FAIL], 3);
	cr_expect_eq(s.by_verdict[VERDICT_WAIVED], 1);
	cr_expect_eq(s.by_verdict[VERDICT_MANUAL], 1);
	cr_expect_eq(s.by_verdict[VERDICT_NA], 1);
	cr_expect_eq(s.by_verdict[VERDICT_ERROR], 0);
	cr_expect_eq(s.by_severity[SEV_CRITICAL][VERDICT_FAIL], 1);
	cr_expect_eq(s.by_severity[SEV_CRITICAL][VERDICT_WAIVED], 1);
	cr_expect_eq(s.by_severity[SEV_LOW][VERDICT_FAIL], 1);
	cr_expect_eq(s.failed_at_or_above, 2, "critical and high, not low, not waived");
	cr_expect_eq(s.runs_failed, 2);
	cr_expect(s.incomplete);
	results_summarize(&r, SEV_INFO, &s);
	cr_expect_eq(s.failed_at_or_above, 3);
	results_summarize(&r, SEV_CRITICAL, &s);
	cr_expect_eq(s.failed_at_or_above, 1);
	results_free(&r);
}

Test(results, exit_code_clean_is_zero)
{
	struct results r;
	results_init(&r);
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 0, "an empty run is clean");
	add_row(&r, VERDICT_PASS, SEV_CRITICAL);
	add_row(&r, VERDICT_NA, SEV_HIGH);
	add_row(&r, VERDICT_MANUAL, SEV_CRITICAL);
	add_run_status(&r, "ok");
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 0);
	cr_expect_eq(results_exit_code(&r, SEV_INFO), 0);
	results_free(&r);
}

Test(results, exit_code_fail_at_or_above_threshold_is_one)
{
	struct results r;
	results_init(&r);
	add_row(&r, VERDICT_PASS, SEV_CRITICAL);
	add_row(&r, VERDICT_FAIL, SEV_HIGH);
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 1, "at the threshold");
	cr_expect_eq(results_exit_code(&r, SEV_MEDIUM), 1, "above the threshold");
	cr_expect_eq(results_exit_code(&r, SEV_CRITICAL), 0, "below the threshold");
	results_free(&r);
}

Test(results, exit_code_waived_fail_does_not_count)
{
	struct results r;
	results_init(&r);
	add_row(&r, VERDICT_WAIVED, SEV_CRITICAL);
	add_row(&r, VERDICT_PASS, SEV_HIGH);
	cr_expect_eq(results_exit_code(&r, SEV_INFO), 0);
	results_free(&r);
}

Test(results, exit_code_incomplete_is_three)
{
	struct results r;
	results_init(&r);
	add_row(&r, VERDICT_PASS, SEV_HIGH);
	add_row(&r, VERDICT_ERROR, SEV_INFO);
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 3, "an error verdict, even of low severity");
	results_free(&r);

	results_init(&r);
	add_row(&r, VERDICT_PASS, SEV_HIGH);
	add_run_status(&r, "ok");
	add_run_status(&r, "timeout");
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 3, "a run that timed out");
	results_free(&r);

	results_init(&r);
	add_run_status(&r, NULL);
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 3, "a run without status");
	results_free(&r);

	/* A fail below the threshold does not hide that the run was incomplete. */
	results_init(&r);
	add_row(&r, VERDICT_FAIL, SEV_LOW);
	add_row(&r, VERDICT_ERROR, SEV_HIGH);
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 3);
	results_free(&r);
}

Test(results, exit_code_fail_wins_over_incomplete)
{
	struct results r;
	results_init(&r);
	add_row(&r, VERDICT_FAIL, SEV_CRITICAL);
	add_row(&r, VERDICT_ERROR, SEV_HIGH);
	add_run_status(&r, "crashed");
	cr_expect_eq(results_exit_code(&r, SEV_HIGH), 1);
	results_free(&r);
}

Test(results, exit_code_survives_a_round_trip)
{
	struct results a, b;
	build_full(&a);
	/* Turn the waived row back into a high fail: the file must gate the same way. */
	a.rows[0].verdict = VERDICT_FAIL;
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/r.json", dir);
	cr_assert_eq(results_write(&a, path), 0, "%s", err_msg());
	cr_assert_eq(results_read(&b, path), 0, "%s", err_msg());
	cr_expect_eq(results_exit_code(&a, a.fail_on), 1);
	cr_expect_eq(results_exit_code(&b, b.fail_on), 1);
	cr_expect_eq(results_exit_code(&b, SEV_CRITICAL), 3);
	results_free(&a);
	results_free(&b);
	free(path);
	rm_tree(dir);
}

Test(results, verdict_and_severity_names)
{
	static const char *const v[] = {"pass",  "fail",   "not-applicable",
	                                "error", "manual", "waived"};
	for (int i = 0; i < VERDICT__COUNT; i++) {
		enum verdict out;
		cr_expect_str_eq(verdict_name((enum verdict)i), v[i]);
		cr_expect_eq(verdict_parse(&out, v[i]), 0);
		cr_expect_eq(out, (enum verdict)i);
	}
	static const char *const s[] = {"info", "low", "medium", "high", "critical"};
	for (int i = 0; i < SEV__COUNT; i++) {
		enum severity out;
		cr_expect_str_eq(severity_name((enum severity)i), s[i]);
		cr_expect_eq(severity_parse(&out, s[i]), 0);
		cr_expect_eq(out, (enum severity)i);
	}
	enum verdict vo;
	enum severity so;
	cr_expect_eq(verdict_parse(&vo, "na"), -1);
	cr_expect_eq(severity_parse(&so, "HIGH"), -1);
	cr_expect_str_eq(verdict_name(VERDICT__COUNT), "?");
	cr_expect_str_eq(severity_name(SEV__COUNT), "?");
}

Test(results, find_run)
{
	struct results r;
	results_init(&r);
	add_run_status(&r, "ok");
	struct probe_run *p = results_add_run(&r);
	p->target = xstrdup("u");
	p->probe = xstrdup("exec");
	p->status = xstrdup("ok");
	cr_expect_eq(results_find_run(&r, "u", "exec"), &r.runs[1]);
	cr_expect_eq(results_find_run(&r, "t", "exec"), &r.runs[0]);
	cr_expect_null(results_find_run(&r, "u", "tls"));
	cr_expect_null(results_find_run(&r, "v", "exec"));
	results_free(&r);
}

/*
 * The fact store keeps a hash index beside its array: every key of a large
 * run is found, a key added again replaces its value in place, a list grows
 * under its key, and the facts keep the order they were first added in
 * (the order reports print).
 */
Test(results, fact_store_finds_replaces_and_keeps_order)
{
	struct facts f;
	facts_init(&f);
	enum { N = 5000 };
	char key[64];
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "pcap.flow_%d.bytes", i);
		cr_assert_eq(facts_add_int(&f, key, i), 0);
	}
	for (int i = 0; i < N; i += 2) {
		snprintf(key, sizeof(key), "pcap.flow_%d.bytes", i);
		cr_assert_eq(facts_add_int(&f, key, -i), 0);
	}
	for (int i = 0; i < 3; i++)
		cr_assert_eq(facts_list_append(&f, "pcap.hosts", i ? "b.example" : "a.example"), 0);
	cr_assert_eq(f.nfacts, (size_t)N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "pcap.flow_%d.bytes", i);
		cr_assert_str_eq(f.facts[i].key, key);
		const struct fact_value *v = facts_get(&f, key);
		cr_assert_not_null(v, "%s", key);
		cr_assert_eq(v, &f.facts[i].v);
		cr_assert_eq(v->i, i % 2 ? i : -i);
	}
	const struct fact_value *hosts = facts_get(&f, "pcap.hosts");
	cr_assert_not_null(hosts);
	cr_expect_eq(hosts->nitems, 3u);
	cr_expect_str_eq(f.facts[N].key, "pcap.hosts");
	cr_expect_null(facts_get(&f, "pcap.flow_5000.bytes"));
	cr_expect_null(facts_get(&f, "pcap.flow"));
	cr_expect_neq(facts_list_append(&f, "pcap.flow_1.bytes", "x"), 0);
	facts_free(&f);

	struct facts empty;
	facts_init(&empty);
	cr_expect_null(facts_get(&empty, "tls.proto.tls1_0"));
	facts_free(&empty);
}
