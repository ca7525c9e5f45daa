/*
 * The JUnit XML renderer (reports/junit.c) and its schema
 * (fixtures/junit/junit.xsd): a results model with every verdict is
 * rendered, validated with xmllint against the schema, read back with
 * libxml2 and checked the way GitLab and Jenkins read it (counts, classname
 * and name, failure bodies, skipped messages). Hostile strings must still
 * give a file that parses, and the schema must reject what JUnit readers
 * reject, or validating against it would prove nothing.
 */
#include "tests/testutil.h"

#include "harness/results.h"
#include "lib/err.h"
#include "reports/report.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#define XSD "fixtures/junit/junit.xsd"

/* ---- building a results model ---- */

static struct verdict_row *add_row(struct results *r, const char *ruleset, const char *rule,
                                   const char *target, enum verdict v, enum severity sev)
{
	struct verdict_row *w = results_add_row(r);
	w->ruleset = ruleset ? xstrdup(ruleset) : NULL;
	w->rule = xstrdup(rule);
	w->target = xstrdup(target);
	w->verdict = v;
	w->evaluated = v;
	w->severity = sev;
	return w;
}

static void add_ruleset(struct results *r, const char *id, const char *en, const char *zh)
{
	struct ruleset_info *ri = ARRAY_PUSH(r->rulesets, r->nrulesets, r->caprulesets);
	memset(ri, 0, sizeof(*ri));
	ri->id = xstrdup(id);
	ri->title_en = en ? xstrdup(en) : NULL;
	ri->title_zh = zh ? xstrdup(zh) : NULL;
	ri->version = xstrdup("1.0");
}

static void row_facts(struct verdict_row *w, size_t n)
{
	w->facts = xcalloc(n, sizeof(*w->facts));
	w->nfacts = n;
}

/*
 * Two rule sets with rows (and one without, which gets no suite):
 *   UPDSS:   pass, fail (facts), error, not-applicable, waived   -> 5/1/1/2
 *   JRT0092: manual, pass by attestation, fail (en title only)    -> 3/1/0/1
 */
static void build(struct results *r)
{
	results_init(r);
	r->tool_version = xstrdup("0.1.0");
	r->plan_name = xstrdup("acme-pos");
	r->plan_sha256 =
	    xstrdup("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	r->fail_on = SEV_HIGH;
	r->started = xstrdup("2026-03-01T10:00:00Z");
	r->finished = xstrdup("2026-03-01T10:02:05Z");
	add_ruleset(r, "UPDSS", "UnionPay card payment information security",
	            "银联卡支付信息安全规范");
	add_ruleset(r, "EMPTY", "A rule set with no rows", NULL);
	add_ruleset(r, "JRT0092", "Fintech client software", NULL);

	struct verdict_row *w = add_row(r, "UPDSS", "U-1", "web-1", VERDICT_PASS, SEV_HIGH);
	w->title_en = xstrdup("TLS 1.0 disabled");
	w->title_zh = xstrdup("禁用 TLS 1.0");

	w = add_row(r, "UPDSS", "U-2", "10.0.0.5:443", VERDICT_FAIL, SEV_HIGH);
	w->title_en = xstrdup("No legacy TLS");
	w->clause = xstrdup("6.2.1");
	w->confidence = xstrdup("src");
	w->check = xstrdup("tls.proto.tls1_0 == false && tls.cert.days_left > 30");
	w->reason = xstrdup("tls.proto.tls1_0 is true");
	w->remediation_en = xstrdup("Disable TLS 1.0 on the listener.");
	row_facts(w, 3);
	w->facts[0].key = xstrdup("tls.proto.tls1_0");
	w->facts[0].v = (struct fact_value){.type = FACT_BOOL, .b = true};
	w->facts[1].key = xstrdup("tls.cert.days_left");
	w->facts[1].v = (struct fact_value){.type = FACT_INT, .i = 12};
	w->facts[2].key = xstrdup("tls.cert.subject");
	w->facts[2].v = (struct fact_value){.type = FACT_STRING, .s = xstrdup("CN=pay.example")};

	w = add_row(r, "UPDSS", "U-3", "web-1", VERDICT_ERROR, SEV_MEDIUM);
	w->title_en = xstrdup("Certificate lifetime");
	w->check = xstrdup("tls.cert.days_left > 30");
	w->reason = xstrdup("probe tls timed out after 10s");

	w = add_row(r, "UPDSS", "U-4", "web-1", VERDICT_NA, SEV_LOW);
	w->title_en = xstrdup("Card data at rest");
	w->reason = xstrdup("no card data stored");

	w = add_row(r, "UPDSS", "U-5", "db.internal", VERDICT_WAIVED, SEV_CRITICAL);
	w->title_en = xstrdup("Strong ciphers only");
	w->evaluated = VERDICT_FAIL;
	w->check = xstrdup("tls.cipher.weak == 0");
	w->waiver = xcalloc(1, sizeof(*w->waiver));
	w->waiver->rule = xstrdup("U-5");
	w->waiver->by = xstrdup("alice");
	w->waiver->until = xstrdup("2099-12-31");
	w->waiver->reason = xstrdup("legacy terminal, replacement ordered");
	w->waiver->active = true;

	w = add_row(r, "JRT0092", "J-1", "-", VERDICT_MANUAL, SEV_MEDIUM);
	w->manual = true;
	w->title_zh = xstrdup("应用安全评估");

	w = add_row(r, "JRT0092", "J-2", "app.apk", VERDICT_PASS, SEV_MEDIUM);
	w->manual = true;
	w->title_en = xstrdup("Penetration test");
	w->attest = xcalloc(1, sizeof(*w->attest));
	w->attest->rule = xstrdup("J-2");
	w->attest->status = xstrdup("pass");
	w->attest->by = xstrdup("bob");
	w->attest->date = xstrdup("2026-01-15");
	w->attest->evidence = xstrdup("evidence/pentest.pdf");

	w = add_row(r, "JRT0092", "J-3", "app.apk", VERDICT_FAIL, SEV_MEDIUM);
	w->title_en = xstrdup("No debuggable build");
	w->check = xstrdup("app.android.debuggable == false");
}

/* ---- rendering and reading back ---- */

static char *render_with(const struct results *r, const char *lang)
{
	const struct renderer *rd = renderer_find("junit");
	cr_assert(rd, "junit renderer not registered");
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/%s", dir, rd->ext);
	free(dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	struct render_opts o = {.lang = lang};
	int rc = rd->render(r, &o, f);
	cr_assert_eq(rc, 0, "render failed: %s", err_msg());
	cr_assert_eq(fclose(f), 0);
	return path;
}

static char *render(const struct results *r)
{
	return render_with(r, "both");
}

static bool schema_valid(const char *path)
{
	struct tu_run run = tu_sh("xmllint --noout --schema " XSD " '%s'", path);
	bool ok = run.code == 0;
	if (!ok)
		cr_log_info("xmllint (%d): %s", run.code, run.err);
	tu_run_free(&run);
	return ok;
}

static xmlDocPtr parse(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	cr_assert(doc, "%s does not parse", path);
	return doc;
}

/* The value of an XPath expression as a number or a newly allocated string. */
static double xp_num(xmlDocPtr doc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *expr = xvasprintf(fmt, ap);
	va_end(ap);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	cr_assert(o, "bad XPath %s", expr);
	double v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	free(expr);
	return v;
}

static char *xp_str(xmlDocPtr doc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *expr = xvasprintf(fmt, ap);
	va_end(ap);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	cr_assert(o, "bad XPath %s", expr);
	xmlChar *s = xmlXPathCastToString(o);
	char *out = xstrdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	free(expr);
	return out;
}

#define assert_xp_str(doc, want, ...)                                                              \
	do {                                                                                       \
		char *got_ = xp_str(doc, __VA_ARGS__);                                             \
		cr_assert_str_eq(got_, want);                                                      \
		free(got_);                                                                        \
	} while (0)

#define assert_xp_has(doc, needle, ...)                                                            \
	do {                                                                                       \
		char *got_ = xp_str(doc, __VA_ARGS__);                                             \
		cr_assert(strstr(got_, needle), "'%s' not in:\n%s", needle, got_);                 \
		free(got_);                                                                        \
	} while (0)

#define TC(rule) "//testcase[starts-with(@name, '" rule " ')]"

/* ---- the tests ---- */

Test(junit, output_validates_against_schema)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	cr_assert(schema_valid(path), "rendered file does not validate against " XSD);
	char *text = tu_read(path);
	cr_assert(str_starts(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "%s", text);
	/* Indented: one element per line. */
	cr_assert(strstr(text, "\n  <testsuite "), "%s", text);
	free(text);
	free(path);
	results_free(&r);
}

Test(junit, counts_match_elements)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	xmlDocPtr doc = parse(path);

	/* EMPTY has no rows: no suite for it. */
	cr_assert_eq(xp_num(doc, "count(/testsuites/testsuite)"), 2);
	assert_xp_str(doc, "UPDSS", "string(/testsuites/testsuite[1]/@name)");
	assert_xp_str(doc, "JRT0092", "string(/testsuites/testsuite[2]/@name)");

	const double want[2][4] = {{5, 1, 1, 2}, {3, 1, 0, 1}};
	for (int i = 1; i <= 2; i++) {
		const char *s = "/testsuites/testsuite";
		cr_assert_eq(xp_num(doc, "number(%s[%d]/@tests)", s, i), want[i - 1][0]);
		cr_assert_eq(xp_num(doc, "number(%s[%d]/@failures)", s, i), want[i - 1][1]);
		cr_assert_eq(xp_num(doc, "number(%s[%d]/@errors)", s, i), want[i - 1][2]);
		cr_assert_eq(xp_num(doc, "number(%s[%d]/@skipped)", s, i), want[i - 1][3]);
		cr_assert_eq(xp_num(doc, "count(%s[%d]/testcase)", s, i), want[i - 1][0]);
		cr_assert_eq(xp_num(doc, "count(%s[%d]/testcase/failure)", s, i), want[i - 1][1]);
		cr_assert_eq(xp_num(doc, "count(%s[%d]/testcase/error)", s, i), want[i - 1][2]);
		cr_assert_eq(xp_num(doc, "count(%s[%d]/testcase/skipped)", s, i), want[i - 1][3]);
	}
	/* The root carries the totals. */
	assert_xp_str(doc, "assay: acme-pos", "string(/testsuites/@name)");
	cr_assert_eq(xp_num(doc, "number(/testsuites/@tests)"), 8);
	cr_assert_eq(xp_num(doc, "number(/testsuites/@failures)"), 2);
	cr_assert_eq(xp_num(doc, "number(/testsuites/@errors)"), 1);
	cr_assert_eq(xp_num(doc, "number(/testsuites/@skipped)"), 3);
	cr_assert_eq(xp_num(doc, "count(//testcase)"), 8);

	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, classname_and_name)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	xmlDocPtr doc = parse(path);

	/* Target dots become '_' so Jenkins does not make packages of them. */
	assert_xp_str(doc, "UPDSS.web-1", "string(" TC("U-1") "/@classname)");
	assert_xp_str(doc, "UPDSS.10_0_0_5:443", "string(" TC("U-2") "/@classname)");
	assert_xp_str(doc, "UPDSS.db_internal", "string(" TC("U-5") "/@classname)");
	assert_xp_str(doc, "JRT0092.-", "string(" TC("J-1") "/@classname)");
	assert_xp_str(doc, "JRT0092.app_apk", "string(" TC("J-3") "/@classname)");
	/* English, Chinese only, both. */
	assert_xp_str(doc, "U-2 No legacy TLS", "string(" TC("U-2") "/@name)");
	assert_xp_str(doc, "J-1 应用安全评估", "string(" TC("J-1") "/@name)");
	assert_xp_str(doc, "U-1 TLS 1.0 disabled / 禁用 TLS 1.0", "string(" TC("U-1") "/@name)");
	cr_assert_eq(xp_num(doc, "count(//testcase[@time != '0'])"), 0);
	/* A plain pass is an empty testcase. */
	cr_assert_eq(xp_num(doc, "count(" TC("U-1") "/node())"), 0);

	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, lang_en_keeps_one_title)
{
	struct results r;
	build(&r);
	char *path = render_with(&r, "en");
	xmlDocPtr doc = parse(path);
	assert_xp_str(doc, "U-1 TLS 1.0 disabled", "string(" TC("U-1") "/@name)");
	/* No English title: the Chinese one rather than nothing. */
	assert_xp_str(doc, "J-1 应用安全评估", "string(" TC("J-1") "/@name)");
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, failure_body_has_facts_and_check)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	xmlDocPtr doc = parse(path);

	assert_xp_str(doc, "high", "string(" TC("U-2") "/failure/@type)");
	assert_xp_str(doc, "high: tls.proto.tls1_0 is true",
	              "string(" TC("U-2") "/failure/@message)");
	const char *body = "string(" TC("U-2") "/failure)";
	assert_xp_has(doc, "Rule: U-2 (UPDSS)\n", body);
	assert_xp_has(doc, "Clause: 6.2.1 [src]\n", body);
	assert_xp_has(doc, "Severity: high\n", body);
	assert_xp_has(doc, "Target: 10.0.0.5:443\n", body);
	assert_xp_has(doc, "Check: tls.proto.tls1_0 == false && tls.cert.days_left > 30\n", body);
	assert_xp_has(doc, "Reason: tls.proto.tls1_0 is true\n", body);
	assert_xp_has(doc,
	              "Facts:\n  tls.proto.tls1_0 = true\n  tls.cert.days_left = 12\n"
	              "  tls.cert.subject = CN=pay.example\n",
	              body);
	assert_xp_has(doc, "Remediation: Disable TLS 1.0 on the listener.\n", body);

	/* No reason: the message falls back to the title. */
	assert_xp_str(doc, "medium: No debuggable build", "string(" TC("J-3") "/failure/@message)");
	assert_xp_has(doc, "Check: app.android.debuggable == false\n",
	              "string(" TC("J-3") "/failure)");

	/* error: the reason, type error, the same details. */
	assert_xp_str(doc, "probe tls timed out after 10s", "string(" TC("U-3") "/error/@message)");
	assert_xp_str(doc, "error", "string(" TC("U-3") "/error/@type)");
	assert_xp_has(doc, "Check: tls.cert.days_left > 30\n", "string(" TC("U-3") "/error)");
	assert_xp_has(doc, "Rule: U-3 (UPDSS)\n", "string(" TC("U-3") "/error)");

	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, skipped_messages_and_attestation)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	xmlDocPtr doc = parse(path);

	assert_xp_str(doc, "not-applicable: no card data stored",
	              "string(" TC("U-4") "/skipped/@message)");
	assert_xp_str(doc, "waived by alice until 2099-12-31: legacy terminal, replacement ordered",
	              "string(" TC("U-5") "/skipped/@message)");
	assert_xp_str(doc, "manual: needs attestation", "string(" TC("J-1") "/skipped/@message)");
	/* A waived row says what it would have been. */
	assert_xp_has(doc, "Evaluated: fail", "string(" TC("U-5") "/system-out)");
	/* Pass by attestation: who, when, which evidence. */
	cr_assert_eq(xp_num(doc, "count(" TC("J-2") "/*[name() != 'system-out'])"), 0);
	assert_xp_has(doc, "attested by bob on 2026-01-15, evidence evidence/pentest.pdf",
	              "string(" TC("J-2") "/system-out)");

	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, suite_time_properties_timestamp)
{
	struct results r;
	build(&r);
	char *path = render(&r);
	xmlDocPtr doc = parse(path);

	const char *s = "/testsuites/testsuite[1]";
	assert_xp_str(doc, "2026-03-01T10:00:00", "string(%s/@timestamp)", s);
	assert_xp_str(doc, "125", "string(%s/@time)", s);
	assert_xp_str(doc, "125", "string(/testsuites/@time)");
	assert_xp_str(doc, "acme-pos", "string(%s/properties/property[@name='assay.plan']/@value)",
	              s);
	assert_xp_str(doc, r.plan_sha256,
	              "string(%s/properties/property[@name='assay.plan_sha256']/@value)", s);
	assert_xp_str(doc, "0.1.0", "string(%s/properties/property[@name='assay.version']/@value)",
	              s);
	assert_xp_str(doc, "high", "string(%s/properties/property[@name='assay.fail_on']/@value)",
	              s);
	assert_xp_str(doc, "UnionPay card payment information security",
	              "string(%s/properties/property[@name='ruleset.title']/@value)", s);
	assert_xp_str(doc, "Fintech client software",
	              "string(/testsuites/testsuite[2]/properties/property[@name='ruleset.title']"
	              "/@value)");
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, bad_timestamps_still_validate)
{
	const char *bad[] = {NULL, "yesterday", "2026-02-30T10:00:00Z", "2026-03-01T10:00:00+08:00",
	                     "2026-03-01T25:00:00Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct results r;
		build(&r);
		free(r.started);
		r.started = bad[i] ? xstrdup(bad[i]) : NULL;
		char *path = render(&r);
		cr_assert(schema_valid(path), "started=%s", bad[i] ? bad[i] : "(null)");
		xmlDocPtr doc = parse(path);
		assert_xp_str(doc, "1970-01-01T00:00:00", "string(//testsuite[1]/@timestamp)");
		assert_xp_str(doc, "0", "string(//testsuite[1]/@time)");
		xmlFreeDoc(doc);
		free(path);
		results_free(&r);
	}
}

Test(junit, hostile_strings_still_parse)
{
	struct results r;
	build(&r);
	struct verdict_row *w =
	    add_row(&r, "UPDSS", "U-9", "bad\x02host.example", VERDICT_FAIL, SEV_CRITICAL);
	w->title_en = xstrdup("ctl\x01title \xff\xfe end");
	w->title_zh = xstrdup("overlong \xc0\xaf surrogate \xed\xa0\x80 nonchar \xef\xbf\xbf");
	w->reason = xstrdup("esc \x1b[31m and truncated \xe4\xb8");
	w->check = xstrdup("a < b && c > \"d\" ]]> '\x7f'");
	row_facts(w, 1);
	w->facts[0].key = xstrdup("exec.out");
	w->facts[0].v = (struct fact_value){.type = FACT_STRING, .s = xstrdup("nul-ish \x1f\x0c")};

	char *path = render(&r);
	xmlDocPtr doc = parse(path);
	assert_xp_str(doc,
	              "U-9 ctl\xEF\xBF\xBDtitle \xEF\xBF\xBD\xEF\xBF\xBD end / overlong "
	              "\xEF\xBF\xBD\xEF\xBF\xBD surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
	              "nonchar \xEF\xBF\xBD",
	              "string(" TC("U-9") "/@name)");
	assert_xp_str(doc, "UPDSS.bad\xEF\xBF\xBDhost_example", "string(" TC("U-9") "/@classname)");
	assert_xp_has(doc, "Check: a < b && c > \"d\" ]]> '\x7f'", "string(" TC("U-9") "/failure)");
	assert_xp_has(doc, "exec.out = nul-ish \xEF\xBF\xBD\xEF\xBF\xBD",
	              "string(" TC("U-9") "/failure)");
	assert_xp_has(doc, "esc \xEF\xBF\xBD[31m", "string(" TC("U-9") "/failure/@message)");
	cr_assert_eq(xp_num(doc, "number(//testsuite[1]/@failures)"), 2);
	xmlFreeDoc(doc);
	cr_assert(schema_valid(path));
	free(path);
	results_free(&r);
}

Test(junit, card_numbers_are_masked)
{
	struct results r;
	build(&r);
	struct verdict_row *w = add_row(&r, "UPDSS", "U-8", "web-1", VERDICT_FAIL, SEV_CRITICAL);
	w->reason = xstrdup("card 4111111111111111 in logs/app.log");
	row_facts(w, 1);
	w->facts[0].key = xstrdup("pan.sample");
	w->facts[0].v =
	    (struct fact_value){.type = FACT_STRING, .s = xstrdup("4111 1111 1111 1111")};
	char *path = render(&r);
	char *text = tu_read(path);
	cr_assert(text);
	cr_assert_null(strstr(text, "4111111111111111"), "full PAN in the report");
	cr_assert_null(strstr(text, "4111 1111 1111 1111"), "full PAN in the report");
	cr_assert(strstr(text, "411111"), "masked PAN should keep its first six digits");
	free(text);
	free(path);
	results_free(&r);
}

Test(junit, rows_of_unlisted_rulesets_get_a_suite)
{
	struct results r;
	build(&r);
	add_row(&r, "ORPHAN", "O-1", "web-1", VERDICT_FAIL, SEV_LOW);
	add_row(&r, NULL, "X-1", "web-1", VERDICT_PASS, SEV_LOW);
	char *path = render(&r);
	cr_assert(schema_valid(path));
	xmlDocPtr doc = parse(path);
	cr_assert_eq(xp_num(doc, "count(/testsuites/testsuite)"), 4);
	assert_xp_str(doc, "ORPHAN", "string(/testsuites/testsuite[3]/@name)");
	assert_xp_str(doc, "-", "string(/testsuites/testsuite[4]/@name)");
	assert_xp_str(doc, "ORPHAN.web-1", "string(//testcase[@name = 'O-1']/@classname)");
	cr_assert_eq(xp_num(doc, "number(/testsuites/@tests)"), 10);
	cr_assert_eq(xp_num(doc, "count(//testcase)"), 10);
	cr_assert_eq(xp_num(doc, "number(/testsuites/@failures)"), 3);
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, empty_results_validate)
{
	struct results r;
	results_init(&r);
	char *path = render(&r);
	cr_assert(schema_valid(path));
	xmlDocPtr doc = parse(path);
	cr_assert_eq(xp_num(doc, "count(/testsuites/testsuite)"), 0);
	assert_xp_str(doc, "0", "string(/testsuites/@tests)");
	assert_xp_str(doc, "assay", "string(/testsuites/@name)");
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(junit, write_error_is_reported)
{
	struct results r;
	build(&r);
	FILE *f = fopen("/dev/full", "w");
	cr_assert(f);
	err_clear();
	int rc = renderer_find("junit")->render(&r, &(struct render_opts){.lang = "both"}, f);
	fclose(f);
	cr_assert_eq(rc, -1);
	cr_assert(str_starts(err_msg(), "junit: "), "%s", err_msg());
	results_free(&r);
}

/* ---- the schema is not vacuous ---- */

static const char doc_head[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<testsuites name=\"t\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
    "<testsuite name=\"S\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\""
    " timestamp=\"%s\">\n"
    "<testcase classname=\"S.t\" name=\"R-1 x\" time=\"0\">\n";
static const char doc_tail[] = "</testcase>\n</testsuite>\n</testsuites>\n";

static bool xsd_accepts(const char *stamp, const char *inner)
{
	char *dir = tu_tmpdir();
	char *head = xasprintf(doc_head, stamp);
	char *text = xasprintf("%s%s%s", head, inner, doc_tail);
	char *path = tu_write(dir, "t.xml", text);
	bool ok = schema_valid(path);
	free(path);
	free(text);
	free(head);
	free(dir);
	return ok;
}

Test(junit, schema_rejects_what_readers_reject)
{
	const char *one = "<failure message=\"m\" type=\"high\">body</failure>\n";
	/* The control: the same document with one failure is valid. */
	cr_assert(xsd_accepts("2026-03-01T10:00:00", one));
	cr_assert(xsd_accepts("2026-03-01T10:00:00", "<skipped message=\"m\"/>\n"
	                                             "<system-out>o</system-out>\n"));
	cr_assert_not(xsd_accepts("2026-03-01T10:00:00",
	                          "<failure message=\"m\" type=\"high\">a</failure>\n"
	                          "<failure message=\"m\" type=\"high\">b</failure>\n"),
	              "two failures in one testcase must not validate");
	cr_assert_not(xsd_accepts("2026-03-01T10:00:00",
	                          "<failure message=\"m\" type=\"high\">a</failure>\n"
	                          "<skipped message=\"m\"/>\n"));
	cr_assert_not(xsd_accepts("2026-03-01T10:00:00", "<failure message=\"m\">a</failure>\n"),
	              "failure without type");
	cr_assert_not(xsd_accepts("2026-03-01T10:00:00Z", one), "timestamp with a zone");
	cr_assert_not(xsd_accepts("2026-03-01T10:00:00", "<bogus/>\n"));
}
