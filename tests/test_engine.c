/*
 * The rule engine (rules/engine.c): a results model is built by hand
 * (targets, exec probe runs with their facts, the plan's waivers and
 * attestations) and judged with a small rule book written to a temporary
 * folder. Each test checks the verdict rows the engine appends: manual
 * rules and attestations, pass/fail/error per target, not-applicable
 * when no target ran the probe, and how active, expired and targeted
 * waivers change a verdict while keeping the evaluated one.
 */
#include "tests/testutil.h"

#include "harness/results.h"
#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#define XSD "rules/ruleset.xsd"

/* Line numbers matter only for the rule ids; the checks are what is judged. */
static const char set_eng[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<ruleset id=\"eng\" version=\"3.0\">\n"
                              "  <title lang=\"en\">Engine set</title>\n"
                              "  <title lang=\"zh\">引擎规则集</title>\n"
                              "  <rule id=\"A-OK\" severity=\"high\" probe=\"exec\">\n"
                              "    <title lang=\"en\">Everything is ok</title>\n"
                              "    <title lang=\"zh\">一切正常</title>\n"
                              "    <clause ref=\"2.3\" confidence=\"xref-PCI\"/>\n"
                              "    <xref std=\"PCI DSS v4.0\" ref=\"2.2.7\"/>\n"
                              "    <xref std=\"GB/T 22239\" ref=\"8.1\"/>\n"
                              "    <check>exec.ok == true</check>\n"
                              "    <remediation lang=\"en\">Make it ok.</remediation>\n"
                              "    <remediation lang=\"zh\">修复。</remediation>\n"
                              "  </rule>\n"
                              "  <rule id=\"A-N\" severity=\"medium\" probe=\"exec\">\n"
                              "    <title lang=\"en\">At least three</title>\n"
                              "    <clause ref=\"3\" confidence=\"src\"/>\n"
                              "    <check>exec.n &gt;= 3</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"A-TYPE\" severity=\"low\" probe=\"exec\">\n"
                              "    <title lang=\"en\">A string compared with a number</title>\n"
                              "    <clause ref=\"4\" confidence=\"src\"/>\n"
                              "    <check>exec.s &gt; 3</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"M-1\" severity=\"high\" type=\"manual\">\n"
                              "    <title lang=\"en\">A policy exists</title>\n"
                              "    <clause ref=\"12.1\" confidence=\"approx\"/>\n"
                              "    <evidence lang=\"en\">The signed policy.</evidence>\n"
                              "    <evidence lang=\"zh\">已签批的策略。</evidence>\n"
                              "  </rule>\n"
                              "  <rule id=\"M-2\" severity=\"medium\" type=\"manual\">\n"
                              "    <title lang=\"en\">Training</title>\n"
                              "    <clause ref=\"12.6\" confidence=\"approx\"/>\n"
                              "    <evidence lang=\"zh\">培训记录。</evidence>\n"
                              "  </rule>\n"
                              "</ruleset>\n";

static const char set_other[] = "<?xml version=\"1.0\"?>\n"
                                "<ruleset id=\"other\" version=\"1\">\n"
                                "  <title lang=\"en\">Other set</title>\n"
                                "  <rule id=\"B-1\" severity=\"critical\" probe=\"exec\">\n"
                                "    <title lang=\"en\">b</title>\n"
                                "    <clause ref=\"1\" confidence=\"src\"/>\n"
                                "    <check>exec.b</check>\n"
                                "  </rule>\n"
                                "</ruleset>\n";

struct fixture {
	struct rulebook book;
	struct results r;
	char *dir;
};

static void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->dir = tu_tmpdir();
	free(tu_write(fx->dir, "a-eng.xml", set_eng));
	free(tu_write(fx->dir, "b-other.xml", set_other));
	cr_assert_eq(rulebook_load_dir(&fx->book, fx->dir, XSD), 0, "%s", err_msg());
	cr_assert_eq(fx->book.nsets, 2);
	results_init(&fx->r);
}

static void fx_free(struct fixture *fx)
{
	results_free(&fx->r);
	rulebook_free(&fx->book);
	char *cmd = xasprintf("rm -rf -- '%s'", fx->dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(fx->dir);
}

static void add_target(struct results *r, const char *name)
{
	r->targets = xrealloc(r->targets, (r->ntargets + 1) * sizeof(char *));
	r->targets[r->ntargets++] = xstrdup(name);
}

static struct probe_run *add_run(struct results *r, const char *target, const char *status)
{
	struct probe_run *p = results_add_run(r);
	p->target = xstrdup(target);
	p->probe = xstrdup("exec");
	p->status = xstrdup(status);
	return p;
}

static struct waiver *add_waiver(struct results *r, const char *rule, const char *target,
                                 bool active)
{
	r->waivers = xrealloc(r->waivers, (r->nwaivers + 1) * sizeof(*r->waivers));
	struct waiver *w = &r->waivers[r->nwaivers++];
	w->rule = xstrdup(rule);
	w->target = target ? xstrdup(target) : NULL;
	w->reason = xstrdup("compensating control CC-7");
	w->by = xstrdup("Zhang Min");
	w->until = xstrdup(active ? "2099-12-31" : "2020-01-01");
	w->active = active;
	return w;
}

static void add_attest(struct results *r, const char *rule, const char *status, const char *by)
{
	r->attests = xrealloc(r->attests, (r->nattests + 1) * sizeof(*r->attests));
	struct attestation *a = &r->attests[r->nattests++];
	a->rule = xstrdup(rule);
	a->status = xstrdup(status);
	a->evidence = xstrdup("evidence/policy.pdf");
	a->by = xstrdup(by);
	a->date = xstrdup("2026-10-12");
}

static void evaluate_all(struct fixture *fx)
{
	err_clear();
	cr_assert_eq(engine_evaluate(&fx->book, NULL, NULL, 0, &fx->r), 0, "%s", err_msg());
}

static size_t count_rows(const struct results *r, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nrows; i++)
		n += strcmp(r->rows[i].rule, rule) == 0;
	return n;
}

/* The one row of (rule, target); fails the test if there is not exactly one. */
static const struct verdict_row *row(const struct results *r, const char *rule, const char *target)
{
	const struct verdict_row *found = NULL;
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].rule, rule) == 0 && strcmp(r->rows[i].target, target) == 0) {
			cr_assert_null(found, "two rows for %s on %s", rule, target);
			found = &r->rows[i];
		}
	cr_assert_not_null(found, "no row for %s on %s", rule, target);
	return found;
}

static const struct fact *row_fact(const struct verdict_row *w, const char *key)
{
	for (size_t i = 0; i < w->nfacts; i++)
		if (strcmp(w->facts[i].key, key) == 0)
			return &w->facts[i];
	return NULL;
}

#define expect_verdict(w, v, ev)                                                                   \
	do {                                                                                       \
		cr_expect_eq((w)->verdict, (v), "%s on %s: verdict %s, want %s", (w)->rule,        \
		             (w)->target, verdict_name((w)->verdict), verdict_name(v));            \
		cr_expect_eq((w)->evaluated, (ev), "%s on %s: evaluated %s, want %s", (w)->rule,   \
		             (w)->target, verdict_name((w)->evaluated), verdict_name(ev));         \
	} while (0)

/* ---- manual rules ---- */

Test(engine, manual_rule_without_attestation_needs_evidence)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", true);
	evaluate_all(&fx);
	cr_expect_eq(count_rows(&fx.r, "M-1"), 1, "one row for the whole assessment");
	const struct verdict_row *w = row(&fx.r, "M-1", "-");
	expect_verdict(w, VERDICT_MANUAL, VERDICT_MANUAL);
	cr_expect(w->manual);
	cr_expect_eq(w->severity, SEV_HIGH);
	cr_expect_null(w->attest);
	cr_expect_null(w->waiver);
	cr_expect_str_eq(w->reason, "needs an attestation: The signed policy.");
	cr_expect_null(w->check);
	cr_expect_eq(w->nprobes, 0);
	/* Only Chinese evidence: that is what the reason shows. */
	cr_expect_str_eq(row(&fx.r, "M-2", "-")->reason, "needs an attestation: 培训记录。");
	fx_free(&fx);
}

Test(engine, manual_rule_takes_the_attested_status)
{
	static const struct {
		const char *status;
		enum verdict v;
	} cases[] = {
	    {"pass", VERDICT_PASS},
	    {"fail", VERDICT_FAIL},
	    {"not-applicable", VERDICT_NA},
	};
	for (size_t i = 0; i < 3; i++) {
		struct fixture fx;
		fx_init(&fx);
		add_attest(&fx.r, "M-1", cases[i].status, "Li Wei (QSA)");
		evaluate_all(&fx);
		const struct verdict_row *w = row(&fx.r, "M-1", "-");
		expect_verdict(w, cases[i].v, cases[i].v);
		cr_assert_not_null(w->attest, "%s: no attestation copied", cases[i].status);
		cr_expect_neq(w->attest, &fx.r.attests[0], "the row owns a copy");
		cr_expect_str_eq(w->attest->rule, "M-1");
		cr_expect_str_eq(w->attest->status, cases[i].status);
		cr_expect_str_eq(w->attest->evidence, "evidence/policy.pdf");
		cr_expect_str_eq(w->attest->by, "Li Wei (QSA)");
		cr_expect_str_eq(w->attest->date, "2026-10-12");
		char *want =
		    xasprintf("attested %s by Li Wei (QSA) on 2026-10-12", cases[i].status);
		cr_expect_str_eq(w->reason, want);
		free(want);
		/* The other manual rule is untouched. */
		expect_verdict(row(&fx.r, "M-2", "-"), VERDICT_MANUAL, VERDICT_MANUAL);
		fx_free(&fx);
	}
}

Test(engine, last_attestation_wins)
{
	struct fixture fx;
	fx_init(&fx);
	add_attest(&fx.r, "M-1", "fail", "first");
	add_attest(&fx.r, "M-1", "pass", "second");
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "M-1", "-");
	expect_verdict(w, VERDICT_PASS, VERDICT_PASS);
	cr_expect_str_eq(w->attest->by, "second");
	fx_free(&fx);
}

Test(engine, waivers_do_not_apply_to_manual_rules)
{
	struct fixture fx;
	fx_init(&fx);
	add_attest(&fx.r, "M-1", "fail", "QSA");
	add_waiver(&fx.r, "M-1", NULL, true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "M-1", "-");
	expect_verdict(w, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_null(w->waiver);
	fx_free(&fx);
}

/* ---- automated rules ---- */

Test(engine, pass_and_fail_per_target_with_rule_details)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	add_target(&fx.r, "db");
	add_target(&fx.r, "idle"); /* no run: no row */
	struct probe_run *p = add_run(&fx.r, "web", "ok");
	facts_add_bool(&p->facts, "exec.ok", true);
	facts_add_int(&p->facts, "exec.n", 5);
	p = add_run(&fx.r, "db", "ok");
	facts_add_bool(&p->facts, "exec.ok", false);
	facts_add_int(&p->facts, "exec.n", 2);
	evaluate_all(&fx);

	cr_expect_eq(count_rows(&fx.r, "A-OK"), 2, "a row per target that ran the probe");
	const struct verdict_row *web = row(&fx.r, "A-OK", "web");
	const struct verdict_row *db = row(&fx.r, "A-OK", "db");
	cr_expect_lt(web, db, "rows follow the order of the targets");
	expect_verdict(web, VERDICT_PASS, VERDICT_PASS);
	expect_verdict(db, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_str_eq(db->reason, "check is false: exec.ok == true");

	/* Everything a report needs is copied from the rule. */
	cr_expect_str_eq(db->ruleset, "eng");
	cr_expect_not(db->manual);
	cr_expect_eq(db->severity, SEV_HIGH);
	cr_expect_str_eq(db->title_en, "Everything is ok");
	cr_expect_str_eq(db->title_zh, "一切正常");
	cr_expect_str_eq(db->clause, "2.3");
	cr_expect_str_eq(db->confidence, "xref-PCI");
	cr_assert_eq(db->nxrefs, 2);
	cr_expect_str_eq(db->xrefs[0], "PCI DSS v4.0 2.2.7");
	cr_expect_str_eq(db->xrefs[1], "GB/T 22239 8.1");
	cr_assert_eq(db->nprobes, 1);
	cr_expect_str_eq(db->probes[0], "exec");
	cr_expect_str_eq(db->check, "exec.ok == true");
	cr_expect_str_eq(db->remediation_en, "Make it ok.");
	cr_expect_str_eq(db->remediation_zh, "修复。");
	cr_expect_null(db->waiver);
	cr_expect_null(db->attest);

	/* The deciding fact is attached with its value. */
	const struct fact *f = row_fact(db, "exec.ok");
	cr_assert_not_null(f);
	cr_expect_eq(f->v.type, FACT_BOOL);
	cr_expect_not(f->v.b);
	cr_expect_eq(db->nfacts, 1, "only the keys the check reads");

	expect_verdict(row(&fx.r, "A-N", "web"), VERDICT_PASS, VERDICT_PASS);
	const struct verdict_row *n = row(&fx.r, "A-N", "db");
	expect_verdict(n, VERDICT_FAIL, VERDICT_FAIL);
	f = row_fact(n, "exec.n");
	cr_assert_not_null(f);
	cr_expect_eq(f->v.type, FACT_INT);
	cr_expect_eq(f->v.i, 2);
	for (size_t i = 0; i < fx.r.nrows; i++)
		cr_expect_str_neq(fx.r.rows[i].target, "idle");
	fx_free(&fx);
}

Test(engine, missing_key_is_an_error_naming_the_key)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-N", "web");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_assert_not_null(w->reason);
	cr_expect(strstr(w->reason, "exec.n"), "reason does not name the key: %s", w->reason);
	cr_expect_str_eq(w->reason, "fact 'exec.n' was not set by the exec probe");
	cr_expect_eq(w->nfacts, 0);
	expect_verdict(row(&fx.r, "A-OK", "web"), VERDICT_PASS, VERDICT_PASS);
	fx_free(&fx);
}

Test(engine, failed_run_with_missing_key_names_the_failure)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	add_target(&fx.r, "db");
	struct probe_run *p = add_run(&fx.r, "web", "timeout");
	facts_error(&p->facts, "killed after 30 s");
	facts_error(&p->facts, "second error");
	add_run(&fx.r, "db", "crashed"); /* no error text at all */
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_expect_str_eq(w->reason, "probe exec timeout: killed after 30 s");
	w = row(&fx.r, "A-OK", "db");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_expect_str_eq(w->reason, "probe exec crashed: no detail");
	fx_free(&fx);
}

Test(engine, failed_run_that_set_the_key_is_still_judged)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	struct probe_run *p = add_run(&fx.r, "web", "error");
	facts_add_bool(&p->facts, "exec.ok", true);
	facts_add_int(&p->facts, "exec.n", 1);
	facts_error(&p->facts, "half-way failure");
	evaluate_all(&fx);
	expect_verdict(row(&fx.r, "A-OK", "web"), VERDICT_PASS, VERDICT_PASS);
	expect_verdict(row(&fx.r, "A-N", "web"), VERDICT_FAIL, VERDICT_FAIL);
	fx_free(&fx);
}

Test(engine, type_error_is_an_error_verdict)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_string(&add_run(&fx.r, "web", "ok")->facts, "exec.s", "abc");
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-TYPE", "web");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_expect(str_starts(w->reason, "check cannot be evaluated: column "), "%s", w->reason);
	const struct fact *f = row_fact(w, "exec.s");
	cr_assert_not_null(f);
	cr_expect_str_eq(f->v.s, "abc");
	fx_free(&fx);
}

Test(engine, no_target_ran_the_probe_gives_one_not_applicable_row)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	add_target(&fx.r, "db");
	evaluate_all(&fx);
	static const char *const autos[] = {"A-OK", "A-N", "A-TYPE", "B-1"};
	for (size_t i = 0; i < 4; i++) {
		cr_expect_eq(count_rows(&fx.r, autos[i]), 1, "%s", autos[i]);
		const struct verdict_row *w = row(&fx.r, autos[i], "-");
		expect_verdict(w, VERDICT_NA, VERDICT_NA);
		cr_expect_str_eq(w->reason, "no target in this plan ran the exec probe");
	}
	/* Every rule of both sets has exactly one verdict. */
	cr_expect_eq(fx.r.nrows, 6);
	fx_free(&fx);
}

/* <applies>: a rule for some targets only is not-applicable on the others. */
Test(engine, applies_limits_a_rule_to_the_targets_it_is_for)
{
	struct fixture fx;
	fx_init(&fx);
	free(tu_write(fx.dir, "c-app.xml",
	              "<?xml version=\"1.0\"?>\n<ruleset id=\"app\" version=\"1\">\n"
	              "  <title lang=\"en\">c</title>\n"
	              "  <rule id=\"C-1\" severity=\"high\" probe=\"exec\">\n"
	              "    <title lang=\"en\">Release builds are not debuggable</title>\n"
	              "    <clause ref=\"5.1.1\" confidence=\"approx\"/>\n"
	              "    <applies>exec.kind == \"apk\"</applies>\n"
	              "    <check>not exec.debuggable</check>\n"
	              "  </rule>\n</ruleset>\n"));
	rulebook_free(&fx.book);
	memset(&fx.book, 0, sizeof(fx.book));
	cr_assert_eq(rulebook_load_dir(&fx.book, fx.dir, XSD), 0, "%s", err_msg());
	add_target(&fx.r, "android");
	add_target(&fx.r, "ios");
	add_target(&fx.r, "unknown");
	struct probe_run *p = add_run(&fx.r, "android", "ok");
	facts_add_string(&p->facts, "exec.kind", "apk");
	facts_add_bool(&p->facts, "exec.debuggable", true);
	p = add_run(&fx.r, "ios", "ok");
	facts_add_string(&p->facts, "exec.kind", "ipa");
	add_run(&fx.r, "unknown", "ok");
	evaluate_all(&fx);
	expect_verdict(row(&fx.r, "C-1", "android"), VERDICT_FAIL, VERDICT_FAIL);
	const struct verdict_row *w = row(&fx.r, "C-1", "ios");
	expect_verdict(w, VERDICT_NA, VERDICT_NA);
	cr_expect_str_eq(w->reason, "does not apply: exec.kind == \"apk\" is false");
	cr_expect_not_null(row_fact(w, "exec.kind"), "the deciding fact is kept");
	/* undecidable applies: the check decides, and says which fact is missing */
	w = row(&fx.r, "C-1", "unknown");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_expect(strstr(w->reason, "exec.kind") || strstr(w->reason, "exec.debuggable"), "%s",
	          w->reason);
	fx_free(&fx);

	/* a bad applies expression is a rule-file error with its line */
	char *dir = tu_tmpdir();
	free(tu_write(dir, "bad.xml",
	              "<?xml version=\"1.0\"?>\n<ruleset id=\"bad\" version=\"1\">\n"
	              "  <title lang=\"en\">c</title>\n"
	              "  <rule id=\"D-1\" severity=\"high\" probe=\"exec\">\n"
	              "    <title lang=\"en\">d</title>\n"
	              "    <clause ref=\"1\" confidence=\"src\"/>\n"
	              "    <applies>exec.kind ==</applies>\n"
	              "    <check>exec.ok</check>\n"
	              "  </rule>\n</ruleset>\n"));
	struct rulebook b = {0};
	cr_assert_eq(rulebook_load_dir(&b, dir, XSD), -1);
	cr_expect(strstr(err_msg(), "bad.xml:7: rule D-1: applies"), "%s", err_msg());
	rulebook_free(&b);
	free(dir);
}

Test(engine, runs_of_one_probe_on_a_target_are_merged)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", true);
	facts_add_int(&add_run(&fx.r, "web", "ok")->facts, "exec.n", 4);
	evaluate_all(&fx);
	cr_expect_eq(count_rows(&fx.r, "A-N"), 1);
	expect_verdict(row(&fx.r, "A-OK", "web"), VERDICT_PASS, VERDICT_PASS);
	const struct verdict_row *w = row(&fx.r, "A-N", "web");
	expect_verdict(w, VERDICT_PASS, VERDICT_PASS);
	const struct fact *f = row_fact(w, "exec.n");
	cr_assert_not_null(f);
	cr_expect_eq(f->v.i, 4);
	fx_free(&fx);
}

Test(engine, attestation_of_an_automated_rule_is_ignored)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	add_attest(&fx.r, "A-OK", "pass", "QSA");
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_null(w->attest);
	fx_free(&fx);
}

/* ---- waivers ---- */

Test(engine, active_waiver_turns_fail_into_waived)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	add_waiver(&fx.r, "A-OK", NULL, true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_WAIVED, VERDICT_FAIL);
	cr_assert_not_null(w->waiver);
	cr_expect_neq(w->waiver, &fx.r.waivers[0], "the row owns a copy");
	cr_expect_str_eq(w->waiver->rule, "A-OK");
	cr_expect_null(w->waiver->target);
	cr_expect_str_eq(w->waiver->reason, "compensating control CC-7");
	cr_expect_str_eq(w->waiver->by, "Zhang Min");
	cr_expect_str_eq(w->waiver->until, "2099-12-31");
	cr_expect(w->waiver->active);
	cr_expect_str_eq(w->reason, "check is false: exec.ok == true", "the reason stays");
	cr_expect_not_null(row_fact(w, "exec.ok"));
	fx_free(&fx);
}

Test(engine, active_waiver_turns_error_into_waived)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", true);
	add_waiver(&fx.r, "A-N", "web", true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-N", "web");
	expect_verdict(w, VERDICT_WAIVED, VERDICT_ERROR);
	cr_assert_not_null(w->waiver);
	cr_expect_str_eq(w->waiver->target, "web");
	fx_free(&fx);
}

Test(engine, waiver_leaves_a_pass_alone)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", true);
	add_waiver(&fx.r, "A-OK", NULL, true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_PASS, VERDICT_PASS);
	cr_expect_null(w->waiver);
	fx_free(&fx);
}

Test(engine, waiver_leaves_not_applicable_alone)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	add_waiver(&fx.r, "A-OK", NULL, true);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "-");
	expect_verdict(w, VERDICT_NA, VERDICT_NA);
	cr_expect_null(w->waiver);
	fx_free(&fx);
}

Test(engine, expired_waiver_changes_nothing)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	add_waiver(&fx.r, "A-OK", NULL, false);
	add_waiver(&fx.r, "A-N", "web", false);
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_null(w->waiver);
	w = row(&fx.r, "A-N", "web");
	expect_verdict(w, VERDICT_ERROR, VERDICT_ERROR);
	cr_expect_null(w->waiver);
	cr_expect_eq(fx.r.nwaivers, 2, "expired waivers stay listed");
	fx_free(&fx);
}

Test(engine, expired_waiver_does_not_hide_a_later_active_one)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	add_waiver(&fx.r, "A-OK", NULL, false);
	struct waiver *good = add_waiver(&fx.r, "A-OK", "web", true);
	free(good->by);
	good->by = xstrdup("the active one");
	evaluate_all(&fx);
	const struct verdict_row *w = row(&fx.r, "A-OK", "web");
	expect_verdict(w, VERDICT_WAIVED, VERDICT_FAIL);
	cr_assert_not_null(w->waiver);
	cr_expect_str_eq(w->waiver->by, "the active one");
	cr_expect_str_eq(w->waiver->until, "2099-12-31");
	fx_free(&fx);
}

Test(engine, waiver_with_target_applies_only_to_that_target)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	add_target(&fx.r, "db");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	facts_add_bool(&add_run(&fx.r, "db", "ok")->facts, "exec.ok", false);
	add_waiver(&fx.r, "A-OK", "db", true);
	evaluate_all(&fx);
	const struct verdict_row *web = row(&fx.r, "A-OK", "web");
	expect_verdict(web, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_null(web->waiver);
	const struct verdict_row *db = row(&fx.r, "A-OK", "db");
	expect_verdict(db, VERDICT_WAIVED, VERDICT_FAIL);
	cr_assert_not_null(db->waiver);
	cr_expect_str_eq(db->waiver->target, "db");
	fx_free(&fx);
}

Test(engine, waiver_of_another_rule_changes_nothing)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	add_waiver(&fx.r, "A-OKAY", NULL, true);
	add_waiver(&fx.r, "B-1", NULL, true);
	evaluate_all(&fx);
	expect_verdict(row(&fx.r, "A-OK", "web"), VERDICT_FAIL, VERDICT_FAIL);
	/* B-1 (exec.b missing) is waived, A-OK is not. */
	expect_verdict(row(&fx.r, "B-1", "web"), VERDICT_WAIVED, VERDICT_ERROR);
	fx_free(&fx);
}

/* ---- rule set selection ---- */

Test(engine, rule_set_info_is_recorded)
{
	struct fixture fx;
	fx_init(&fx);
	evaluate_all(&fx);
	cr_assert_eq(fx.r.nrulesets, 2);
	const struct ruleset_info *ri = &fx.r.rulesets[0];
	cr_expect_str_eq(ri->id, "eng");
	cr_expect_str_eq(ri->title_en, "Engine set");
	cr_expect_str_eq(ri->title_zh, "引擎规则集");
	cr_expect_str_eq(ri->version, "3.0");
	char *file = xasprintf("%s/a-eng.xml", fx.dir);
	cr_expect_str_eq(ri->file, file);
	free(file);
	cr_expect_eq(ri->nrules, 5);
	cr_expect_str_eq(fx.r.rulesets[1].id, "other");
	cr_expect_null(fx.r.rulesets[1].title_zh);
	cr_expect_eq(fx.r.rulesets[1].nrules, 1);
	cr_expect_eq(fx.r.nrows, 6);
	fx_free(&fx);
}

Test(engine, only_the_selected_rule_sets_are_judged)
{
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.b", false);
	char *ids[] = {"other"};
	err_clear();
	cr_assert_eq(engine_evaluate(&fx.book, ids, NULL, 1, &fx.r), 0, "%s", err_msg());
	cr_assert_eq(fx.r.nrulesets, 1);
	cr_expect_str_eq(fx.r.rulesets[0].id, "other");
	cr_assert_eq(fx.r.nrows, 1);
	const struct verdict_row *w = row(&fx.r, "B-1", "web");
	expect_verdict(w, VERDICT_FAIL, VERDICT_FAIL);
	cr_expect_eq(w->severity, SEV_CRITICAL);
	cr_expect_str_eq(w->ruleset, "other");
	fx_free(&fx);
}

Test(engine, unknown_rule_set_is_an_error)
{
	struct fixture fx;
	fx_init(&fx);
	char *ids[] = {"nope"};
	err_clear();
	cr_expect_eq(engine_evaluate(&fx.book, ids, NULL, 1, &fx.r), -1);
	cr_expect_str_eq(err_msg(), "no rule set 'nope'");
	cr_expect_eq(fx.r.nrows, 0);
	fx_free(&fx);
}

Test(engine, exit_code_follows_the_verdicts)
{
	/* A high fail gates the pipeline; waiving it leaves the medium error: incomplete. */
	struct fixture fx;
	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	facts_add_bool(&fx.r.runs[0].facts, "exec.b", true);
	facts_add_int(&fx.r.runs[0].facts, "exec.n", 3);
	facts_add_int(&fx.r.runs[0].facts, "exec.s", 9);
	evaluate_all(&fx);
	cr_expect_eq(results_exit_code(&fx.r, SEV_HIGH), 1);
	cr_expect_eq(results_exit_code(&fx.r, SEV_CRITICAL), 0);
	fx_free(&fx);

	fx_init(&fx);
	add_target(&fx.r, "web");
	facts_add_bool(&add_run(&fx.r, "web", "ok")->facts, "exec.ok", false);
	facts_add_bool(&fx.r.runs[0].facts, "exec.b", true);
	add_waiver(&fx.r, "A-OK", NULL, true);
	evaluate_all(&fx);
	expect_verdict(row(&fx.r, "A-N", "web"), VERDICT_ERROR, VERDICT_ERROR);
	cr_expect_eq(results_exit_code(&fx.r, SEV_HIGH), 3);
	fx_free(&fx);
}

/* ---- levels, profiles and severity by zone (rules/ruleset.xsd) ---- */

static bool has_rule(const struct results *r, const char *rule)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].rule, rule) == 0)
			return true;
	return false;
}

static const char set_ctx[] = "<?xml version=\"1.0\"?>\n"
                              "<ruleset id=\"ctx\" version=\"1\">\n"
                              "  <title lang=\"en\">Context set</title>\n"
                              "  <rule id=\"L-B\" level=\"baseline\" severity=\"high\" probe=\"exec\">\n"
                              "    <title lang=\"en\">baseline</title>\n"
                              "    <clause ref=\"1\" confidence=\"src\"/>\n"
                              "    <check>exec.ok</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"L-E\" level=\"enhanced\" severity=\"high\" probe=\"exec\">\n"
                              "    <title lang=\"en\">enhanced</title>\n"
                              "    <clause ref=\"2\" confidence=\"src\"/>\n"
                              "    <check>exec.ok</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"L-EM\" level=\"enhanced\" severity=\"low\" type=\"manual\">\n"
                              "    <title lang=\"en\">enhanced, manual</title>\n"
                              "    <clause ref=\"3\" confidence=\"src\"/>\n"
                              "    <evidence lang=\"en\">a record</evidence>\n"
                              "  </rule>\n"
                              "  <rule id=\"P-GM\" profile=\"gm\" severity=\"medium\" probe=\"exec\">\n"
                              "    <title lang=\"en\">national algorithms</title>\n"
                              "    <clause ref=\"4\" confidence=\"src\"/>\n"
                              "    <check>exec.ok</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"Z-1\" severity=\"critical\" severity-internal=\"high\" "
                              "probe=\"exec\">\n"
                              "    <title lang=\"en\">zoned</title>\n"
                              "    <clause ref=\"5\" confidence=\"src\"/>\n"
                              "    <check>exec.ok</check>\n"
                              "  </rule>\n"
                              "  <rule id=\"Z-2\" severity=\"medium\" severity-internet=\"high\" "
                              "probe=\"exec\">\n"
                              "    <title lang=\"en\">zoned the other way</title>\n"
                              "    <clause ref=\"6\" confidence=\"src\"/>\n"
                              "    <check>exec.ok</check>\n"
                              "  </rule>\n"
                              "</ruleset>\n";

static void ctx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->dir = tu_tmpdir();
	free(tu_write(fx->dir, "ctx.xml", set_ctx));
	cr_assert_eq(rulebook_load_dir(&fx->book, fx->dir, XSD), 0, "%s", err_msg());
	results_init(&fx->r);
	const char *names[] = {"edge", "core", "lab"};
	const char *zones[] = {"internet", "internal", NULL};
	fx->r.zones = xcalloc(3, sizeof(char *));
	for (size_t i = 0; i < 3; i++) {
		add_target(&fx->r, names[i]);
		fx->r.zones[i] = zones[i] ? xstrdup(zones[i]) : NULL;
		facts_add_bool(&add_run(&fx->r, names[i], "ok")->facts, "exec.ok", true);
	}
}

Test(engine, baseline_by_default_enhanced_when_selected)
{
	struct fixture fx;
	ctx_init(&fx);
	char *ids[] = {"ctx"};
	cr_assert_eq(engine_evaluate(&fx.book, ids, NULL, 1, &fx.r), 0, "%s", err_msg());
	cr_assert(row(&fx.r, "L-B", "edge"));
	cr_assert_not(has_rule(&fx.r, "L-E"), "an enhanced rule judged at the baseline");
	cr_assert_not(has_rule(&fx.r, "L-EM"));
	cr_assert_str_eq(fx.r.rulesets[0].level, "baseline");
	cr_assert_eq(fx.r.rulesets[0].nrules, 3, "L-B, Z-1 and Z-2 are judged");
	fx_free(&fx);

	ctx_init(&fx);
	int levels[] = {LEVEL_ENHANCED};
	cr_assert_eq(engine_evaluate(&fx.book, ids, levels, 1, &fx.r), 0, "%s", err_msg());
	cr_assert(row(&fx.r, "L-B", "edge"), "enhanced selects both levels");
	cr_assert_eq(row(&fx.r, "L-E", "edge")->verdict, VERDICT_PASS);
	cr_assert_eq(row(&fx.r, "L-EM", "-")->verdict, VERDICT_MANUAL);
	cr_assert_str_eq(fx.r.rulesets[0].level, "enhanced");
	cr_assert_eq(fx.r.rulesets[0].nrules, 5);
	cr_assert_not(has_rule(&fx.r, "P-GM"), "the gm profile is off by default");
	fx_free(&fx);
}

Test(engine, gm_profile_turns_its_rules_on)
{
	struct fixture fx;
	ctx_init(&fx);
	fx.r.profiles = PROFILE_GM;
	cr_assert_eq(engine_evaluate(&fx.book, NULL, NULL, 0, &fx.r), 0, "%s", err_msg());
	cr_assert_eq(row(&fx.r, "P-GM", "lab")->verdict, VERDICT_PASS);
	cr_assert_not(has_rule(&fx.r, "L-E"), "a profile does not select a level");
	fx_free(&fx);
}

Test(engine, severity_by_zone)
{
	struct fixture fx;
	ctx_init(&fx);
	cr_assert_eq(engine_evaluate(&fx.book, NULL, NULL, 0, &fx.r), 0, "%s", err_msg());
	cr_assert_eq(row(&fx.r, "Z-1", "edge")->severity, SEV_CRITICAL);
	cr_assert_eq(row(&fx.r, "Z-1", "core")->severity, SEV_HIGH, "internal: severity-internal");
	cr_assert_eq(row(&fx.r, "Z-1", "lab")->severity, SEV_CRITICAL, "no zone: severity");
	cr_assert_eq(row(&fx.r, "Z-2", "edge")->severity, SEV_HIGH, "internet: severity-internet");
	cr_assert_eq(row(&fx.r, "Z-2", "core")->severity, SEV_MEDIUM);
	cr_assert_eq(row(&fx.r, "Z-2", "lab")->severity, SEV_MEDIUM);
	fx_free(&fx);
}

Test(engine, zones_profiles_and_levels_survive_results_json)
{
	struct fixture fx;
	ctx_init(&fx);
	fx.r.profiles = PROFILE_GM;
	int levels[] = {LEVEL_ENHANCED};
	char *ids[] = {"ctx"};
	cr_assert_eq(engine_evaluate(&fx.book, ids, levels, 1, &fx.r), 0, "%s", err_msg());
	char *path = xasprintf("%s/results.json", fx.dir);
	cr_assert_eq(results_write(&fx.r, path), 0, "%s", err_msg());
	struct results back;
	cr_assert_eq(results_read(&back, path), 0, "%s", err_msg());
	cr_assert_eq(back.profiles, PROFILE_GM);
	cr_assert(back.zones);
	cr_assert_str_eq(back.zones[0], "internet");
	cr_assert_str_eq(back.zones[1], "internal");
	cr_assert_null(back.zones[2]);
	cr_assert_str_eq(back.rulesets[0].level, "enhanced");
	results_free(&back);
	free(path);
	fx_free(&fx);
}
