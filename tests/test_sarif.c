/*
 * The SARIF 2.1.0 renderer (reports/sarif.c). Every log rendered here is
 * validated against the published SARIF 2.1.0 JSON schema by python3's
 * jsonschema (schema_valid(); `make test` fetches the schema, pinned and
 * hash-checked, with scripts/sarif-schema). The schema cannot say what a
 * consumer relies on beyond types and shapes, so sarif_valid() checks
 * with jansson, besides: required properties and their types, the enumerations used (level,
 * kind, suppression kind/status), ruleIndex pointing at the rule with that
 * id, at least one location per result with a valid artifact location or
 * logical location, region lines >= 1, and GitHub's limits (25,000
 * results, 25,000 rules, 20 tags, 1,000 locations per result). Counts must
 * agree with the JUnit renderer on the same model: unsuppressed results ==
 * JUnit failures, suppressed == waived failures.
 */
#include "fixtures/reports/model.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <math.h>

#define SARIF_SCHEMA "build/testdata/sarif-2.1.0-rtm.5.json"

/* FILE against the published schema; the validator's report on failure. */
static bool schema_valid(const char *path)
{
	cr_assert(access(SARIF_SCHEMA, R_OK) == 0,
	          SARIF_SCHEMA " is missing: `make test` fetches it from the npm registry "
	                       "(scripts/sarif-schema fetch); was the machine offline?");
	struct tu_run run =
	    tu_sh("/usr/bin/python3 scripts/sarif-schema check " SARIF_SCHEMA " '%s'", path);
	cr_assert(run.code == 0 || run.code == 1, "validator did not run (%d): %s", run.code,
	          run.err);
	if (run.code)
		cr_log_error("%s", run.out);
	bool ok = run.code == 0;
	free(run.out);
	free(run.err);
	return ok;
}

static json_t *render_json(const struct results *r)
{
	char *path = rm_render(r, "sarif", "both");
	cr_assert(schema_valid(path), "%s does not validate against the SARIF schema", path);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	cr_assert(j, "%s: line %d: %s", path, e.line, e.text);
	char *text = tu_read(path);
	cr_assert_null(strstr(text, PAN_FULL), "full PAN in the SARIF");
	cr_assert_null(strstr(text, PAN_SPACED), "full PAN in the SARIF");
	free(text);
	free(path);
	return j;
}

static const char *str_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* A "message" object: text required (SARIF 3.11.8 needs text or id). */
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			cr_log_error(__VA_ARGS__);                                                 \
			return false;                                                              \
		}                                                                                  \
	} while (0)

static bool message_ok(json_t *m)
{
	return json_is_object(m) && str_at(m, "text") && *str_at(m, "text");
}

static bool artifact_ok(json_t *a)
{
	const char *uri = str_at(a, "uri");
	if (!uri || !*uri)
		return false;
	for (const char *p = uri; *p; p++)
		if (*p == ' ' || (unsigned char)*p < 0x20)
			return false; /* a URI reference has no raw spaces */
	return true;
}

static bool location_ok(json_t *loc)
{
	json_t *phys = json_object_get(loc, "physicalLocation");
	json_t *logical = json_object_get(loc, "logicalLocations");
	CHECK(phys || logical, "location without physical or logical location");
	if (phys) {
		CHECK(artifact_ok(json_object_get(phys, "artifactLocation")),
		      "bad artifactLocation");
		json_t *region = json_object_get(phys, "region");
		if (region) {
			json_t *line = json_object_get(region, "startLine");
			CHECK(json_is_integer(line) && json_integer_value(line) >= 1,
			      "bad startLine");
			json_t *col = json_object_get(region, "startColumn");
			CHECK(!col || (json_is_integer(col) && json_integer_value(col) >= 1),
			      "bad startColumn");
		}
	}
	if (logical) {
		CHECK(json_is_array(logical) && json_array_size(logical) > 0,
		      "empty logicalLocations");
		size_t i;
		json_t *l;
		json_array_foreach(logical, i, l)
		    CHECK(str_at(l, "name") || str_at(l, "fullyQualifiedName"),
		          "logical location without a name");
	}
	return true;
}

static bool sarif_valid(json_t *root)
{
	static const char *const levels[] = {"none", "note", "warning", "error", NULL};
	static const char *const kinds[] = {"notApplicable", "pass",          "fail", "review",
	                                    "open",          "informational", NULL};
	CHECK(json_is_object(root), "root is not an object");
	CHECK(str_at(root, "version") && strcmp(str_at(root, "version"), "2.1.0") == 0,
	      "version is not 2.1.0");
	CHECK(str_at(root, "$schema") && strstr(str_at(root, "$schema"), "sarif-2.1.0"), "$schema");
	json_t *runs = json_object_get(root, "runs");
	CHECK(json_is_array(runs) && json_array_size(runs) >= 1 && json_array_size(runs) <= 20,
	      "runs");
	size_t ri;
	json_t *run;
	json_array_foreach(runs, ri, run)
	{
		json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
		CHECK(json_is_object(driver) && str_at(driver, "name"),
		      "tool.driver.name required");
		json_t *rules = json_object_get(driver, "rules");
		CHECK(json_is_array(rules) && json_array_size(rules) <= 25000, "rules");
		size_t i;
		json_t *rule;
		json_array_foreach(rules, i, rule)
		{
			CHECK(str_at(rule, "id") && *str_at(rule, "id"), "rule without id");
			for (size_t k = 0; k < i; k++)
				CHECK(strcmp(str_at(json_array_get(rules, k), "id"),
				             str_at(rule, "id")),
				      "duplicate rule id %s", str_at(rule, "id"));
			CHECK(message_ok(json_object_get(rule, "shortDescription")),
			      "shortDescription");
			CHECK(message_ok(json_object_get(rule, "fullDescription")),
			      "fullDescription");
			CHECK(message_ok(json_object_get(rule, "help")), "help");
			json_t *dc = json_object_get(rule, "defaultConfiguration");
			CHECK(one_of(str_at(dc, "level"), levels), "defaultConfiguration.level");
			json_t *props = json_object_get(rule, "properties");
			const char *ss = str_at(props, "security-severity");
			CHECK(ss, "rule %s without security-severity", str_at(rule, "id"));
			char *end;
			double v = strtod(ss, &end);
			CHECK(*end == '\0' && v >= 0 && v <= 10, "security-severity %s", ss);
			json_t *tags = json_object_get(props, "tags");
			CHECK(json_is_array(tags) && json_array_size(tags) <= 20, "tags");
		}
		json_t *results = json_object_get(run, "results");
		CHECK(json_is_array(results) && json_array_size(results) <= 25000, "results");
		json_t *res;
		json_array_foreach(results, i, res)
		{
			const char *id = str_at(res, "ruleId");
			CHECK(id, "result without ruleId");
			json_t *idx = json_object_get(res, "ruleIndex");
			CHECK(json_is_integer(idx) && json_integer_value(idx) >= 0 &&
			          (size_t)json_integer_value(idx) < json_array_size(rules),
			      "ruleIndex out of range");
			CHECK(strcmp(str_at(json_array_get(rules, (size_t)json_integer_value(idx)),
			                    "id"),
			             id) == 0,
			      "ruleIndex does not name rule %s", id);
			CHECK(one_of(str_at(res, "level"), levels), "level");
			CHECK(one_of(str_at(res, "kind"), kinds), "kind");
			CHECK(message_ok(json_object_get(res, "message")), "result message");
			json_t *locs = json_object_get(res, "locations");
			CHECK(json_is_array(locs) && json_array_size(locs) >= 1 &&
			          json_array_size(locs) <= 1000,
			      "locations");
			size_t k;
			json_t *loc;
			json_array_foreach(locs, k, loc)
			    CHECK(location_ok(loc), "result %zu location", i);
			json_t *sup = json_object_get(res, "suppressions");
			if (sup) {
				CHECK(json_is_array(sup) && json_array_size(sup) >= 1,
				      "suppressions");
				json_t *s0 = json_array_get(sup, 0);
				CHECK(one_of(str_at(s0, "kind"),
				             (const char *const[]){"inSource", "external", NULL}),
				      "suppression kind");
				CHECK(one_of(str_at(s0, "status"),
				             (const char *const[]){"accepted", "underReview",
				                                   "rejected", NULL}),
				      "suppression status");
			}
			CHECK(json_is_object(json_object_get(res, "partialFingerprints")),
			      "partialFingerprints");
		}
		json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
		CHECK(json_is_boolean(json_object_get(inv, "executionSuccessful")),
		      "invocations[0].executionSuccessful required");
	}
	return true;
}

static void counts(json_t *root, size_t *open, size_t *suppressed)
{
	json_t *results =
	    json_object_get(json_array_get(json_object_get(root, "runs"), 0), "results");
	*open = *suppressed = 0;
	size_t i;
	json_t *res;
	json_array_foreach(results, i, res)
	{
		if (json_object_get(res, "suppressions"))
			(*suppressed)++;
		else
			(*open)++;
	}
}

static size_t junit_failures(const struct results *r)
{
	char *path = rm_render(r, "junit", "both");
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	cr_assert(doc);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "number(/testsuites/@failures)", ctx);
	double v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(path);
	return (size_t)v;
}

static json_t *result_for(json_t *root, const char *rule)
{
	json_t *results =
	    json_object_get(json_array_get(json_object_get(root, "runs"), 0), "results");
	size_t i;
	json_t *res;
	json_array_foreach(results, i,
	                   res) if (strcmp(str_at(res, "ruleId"), rule) == 0) return res;
	return NULL;
}

Test(sarif, model_is_valid_and_counts_match_junit)
{
	struct results r;
	rm_build(&r);
	json_t *root = render_json(&r);
	cr_assert(sarif_valid(root));
	size_t open, suppressed;
	counts(root, &open, &suppressed);
	cr_assert_eq(open, 3, "one result per failing (rule, target)");
	cr_assert_eq(open, junit_failures(&r));
	cr_assert_eq(suppressed, 1, "the waived failure is a suppressed result");
	json_t *run = json_array_get(json_object_get(root, "runs"), 0);
	/* Every rule with a row, once. */
	cr_assert_eq(json_array_size(json_object_get(
	                 json_object_get(json_object_get(run, "tool"), "driver"), "rules")),
	             9);
	/* web-1's tls run timed out and U-3 is an error: the run is not successful. */
	json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
	cr_assert(json_is_false(json_object_get(inv, "executionSuccessful")));
	cr_assert_eq(json_array_size(json_object_get(inv, "toolExecutionNotifications")), 2);
	json_decref(root);
	results_free(&r);
}

Test(sarif, locations_physical_for_files_logical_otherwise)
{
	struct results r;
	rm_build(&r);
	/* An http run on web-1 found a card number in a page, and U-7 fails on it. */
	struct probe_run *run = results_add_run(&r);
	run->target = xstrdup("web-1");
	run->probe = xstrdup("http");
	run->status = xstrdup("ok");
	struct finding *fd = rm_finding(run, "pan", "critical", "card number in a page", NULL);
	fd->loc.file = xstrdup("https://10.0.0.5/pay");
	fd->loc.line = 4;
	fd->loc.endpoint = xstrdup("10.0.0.5:443");
	struct verdict_row *w = rm_row(&r, "UPDSS", "U-7", "web-1", VERDICT_FAIL, SEV_CRITICAL);
	w->title_en = xstrdup("No card data in pages");
	rm_probes(w, "http");
	json_t *root = render_json(&r);

	/* U-6: the card-data finding in logs/app.log line 812, masked snippet. */
	json_t *loc = json_array_get(json_object_get(result_for(root, "U-6"), "locations"), 0);
	json_t *phys = json_object_get(loc, "physicalLocation");
	cr_assert_str_eq(str_at(json_object_get(phys, "artifactLocation"), "uri"), "logs/app.log");
	cr_assert_str_eq(str_at(json_object_get(phys, "artifactLocation"), "uriBaseId"),
	                 "%SRCROOT%");
	json_t *region = json_object_get(phys, "region");
	cr_assert_eq(json_integer_value(json_object_get(region, "startLine")), 812);
	cr_assert_eq(json_integer_value(json_object_get(region, "startColumn")), 31);
	cr_assert(strstr(str_at(json_object_get(region, "snippet"), "text"), PAN_SPACED_MASKED));

	/* U-2: a TLS endpoint, no file: the target and endpoint as logical locations. */
	loc = json_array_get(json_object_get(result_for(root, "U-2"), "locations"), 0);
	json_t *logical = json_object_get(loc, "logicalLocations");
	cr_assert_str_eq(str_at(json_array_get(logical, 0), "name"), "10.0.0.5:443");
	cr_assert_str_eq(str_at(json_array_get(logical, 1), "kind"), "endpoint");
	cr_assert_str_eq(
	    str_at(json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation"),
	           "uri"),
	    "plans/acme.ini");

	/* U-7: card data in a web page: the URL is a logical location, never an
	 * artifact with a base (an absolute URI has none, SARIF 3.4.4). */
	loc = json_array_get(json_object_get(result_for(root, "U-7"), "locations"), 0);
	logical = json_object_get(loc, "logicalLocations");
	cr_assert_str_eq(str_at(json_array_get(logical, 1), "name"), "10.0.0.5:443");
	cr_assert_str_eq(str_at(json_array_get(logical, 2), "name"), "https://10.0.0.5/pay");
	cr_assert_str_eq(str_at(json_array_get(logical, 2), "kind"), "resource");
	cr_assert_str_eq(
	    str_at(json_object_get(json_object_get(loc, "physicalLocation"), "artifactLocation"),
	           "uri"),
	    "plans/acme.ini");

	/* The message names target and reason, masked. */
	const char *msg = str_at(json_object_get(result_for(root, "U-6"), "message"), "text");
	cr_assert(strstr(msg, "[web-1]"), "%s", msg);
	cr_assert(strstr(msg, PAN_MASKED), "%s", msg);
	json_decref(root);
	results_free(&r);
}

Test(sarif, rules_carry_severity_and_help)
{
	struct results r;
	rm_build(&r);
	json_t *root = render_json(&r);
	json_t *rules = json_object_get(
	    json_object_get(
	        json_object_get(json_array_get(json_object_get(root, "runs"), 0), "tool"),
	        "driver"),
	    "rules");
	json_t *u2 = NULL, *u6 = NULL;
	size_t i;
	json_t *rule;
	json_array_foreach(rules, i, rule)
	{
		if (strcmp(str_at(rule, "id"), "U-2") == 0)
			u2 = rule;
		if (strcmp(str_at(rule, "id"), "U-6") == 0)
			u6 = rule;
	}
	cr_assert(u2 && u6);
	cr_assert_str_eq(str_at(json_object_get(u2, "properties"), "security-severity"), "8.0");
	cr_assert_str_eq(str_at(json_object_get(u6, "properties"), "security-severity"), "9.5");
	cr_assert_str_eq(str_at(json_object_get(u2, "defaultConfiguration"), "level"), "error");
	const char *help = str_at(json_object_get(u2, "help"), "text");
	cr_assert(strstr(help, "Check: tls.proto.tls1_0 == false"), "%s", help);
	cr_assert(strstr(help, "Disable TLS 1.0 on the listener."), "%s", help);
	cr_assert(strstr(help, "在监听端口上禁用 TLS 1.0。"), "%s", help);
	cr_assert_str_eq(str_at(json_object_get(u2, "shortDescription"), "text"), "No legacy TLS");
	/* name: readable and distinct from the opaque id (SARIF 3.49.7). */
	cr_assert_str_eq(str_at(u2, "name"), "NoLegacyTLS");
	json_t *tags = json_object_get(json_object_get(u2, "properties"), "tags");
	cr_assert_str_eq(json_string_value(json_array_get(tags, 3)), "PCI DSS v4.0 4.2.1");
	json_decref(root);
	results_free(&r);
}

Test(sarif, waiver_is_a_suppression)
{
	struct results r;
	rm_build(&r);
	json_t *root = render_json(&r);
	json_t *u5 = result_for(root, "U-5");
	cr_assert(u5);
	json_t *s = json_array_get(json_object_get(u5, "suppressions"), 0);
	cr_assert_str_eq(str_at(s, "kind"), "external");
	cr_assert_str_eq(str_at(s, "status"), "accepted");
	cr_assert_str_eq(str_at(s, "justification"),
	                 "legacy terminal, replacement ordered (by alice, until 2099-12-31)");
	/* Pass, error, not-applicable and manual rows are not results. */
	cr_assert_null(result_for(root, "U-1"));
	cr_assert_null(result_for(root, "U-3"));
	cr_assert_null(result_for(root, "U-4"));
	cr_assert_null(result_for(root, "J-1"));
	json_decref(root);
	results_free(&r);
}

Test(sarif, demo_run_is_valid_and_matches_junit)
{
	struct results r;
	rm_demo(&r);
	json_t *root = render_json(&r);
	cr_assert(sarif_valid(root));
	size_t open, suppressed, waived_fail = 0;
	counts(root, &open, &suppressed);
	for (size_t i = 0; i < r.nrows; i++)
		waived_fail +=
		    r.rows[i].verdict == VERDICT_WAIVED && r.rows[i].evaluated == VERDICT_FAIL;
	cr_assert_gt(open, 0);
	cr_assert_eq(open, junit_failures(&r));
	cr_assert_eq(suppressed, waived_fail);
	/* The demo's card-data finding has a file: a physical location with its line. */
	json_t *ex1 = result_for(root, "EX-1");
	cr_assert(ex1);
	json_t *region =
	    json_object_get(json_object_get(json_array_get(json_object_get(ex1, "locations"), 0),
	                                    "physicalLocation"),
	                    "region");
	cr_assert_gt(json_integer_value(json_object_get(region, "startLine")), 0);
	json_decref(root);
	results_free(&r);
}

Test(sarif, validator_rejects_broken_logs)
{
	struct results r;
	rm_build(&r);
	json_t *root = render_json(&r);
	cr_assert(sarif_valid(root));
	json_t *run = json_array_get(json_object_get(root, "runs"), 0);
	json_t *res = json_array_get(json_object_get(run, "results"), 0);

	json_object_set_new(res, "level", json_string("fatal"));
	cr_assert_not(sarif_valid(root), "a level outside the enumeration");
	json_object_set_new(res, "level", json_string("error"));
	json_object_set_new(res, "ruleIndex", json_integer(99));
	cr_assert_not(sarif_valid(root), "ruleIndex past the rules");
	json_object_set_new(res, "ruleIndex", json_integer(0));
	json_object_set_new(res, "ruleId", json_string("U-6"));
	cr_assert_not(sarif_valid(root), "ruleIndex naming another rule");

	/* The schema validator fails too, on what the schema forbids. */
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/broken.sarif", dir);
	json_object_set_new(res, "level", json_string("fatal"));
	cr_assert_eq(json_dump_file(root, path, 0), 0);
	cr_assert_not(schema_valid(path), "a level outside the schema's enumeration");
	json_object_set_new(res, "level", json_string("error"));
	json_object_set_new(res, "locations", json_string("logs/app.log"));
	cr_assert_eq(json_dump_file(root, path, 0), 0);
	cr_assert_not(schema_valid(path), "locations that are not an array");
	json_object_set_new(res, "locations", json_array());
	json_object_del(json_array_get(json_object_get(json_object_get(json_object_get(run, "tool"),
	                                                                "driver"),
	                                                "rules"),
	                               0),
	                "id");
	cr_assert_eq(json_dump_file(root, path, 0), 0);
	cr_assert_not(schema_valid(path), "a rule without its required id");
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	json_decref(root);
	results_free(&r);
}

Test(sarif, capped_at_github_result_limit)
{
	struct results r;
	results_init(&r);
	r.tool_version = xstrdup("0.1.0");
	for (size_t i = 0; i < 25003; i++) {
		char target[32];
		snprintf(target, sizeof(target), "host-%zu", i);
		struct verdict_row *w = rm_row(&r, "S", "R-1", target, VERDICT_FAIL, SEV_LOW);
		w->title_en = xstrdup("t");
	}
	json_t *root = render_json(&r);
	cr_assert(sarif_valid(root));
	json_t *run = json_array_get(json_object_get(root, "runs"), 0);
	cr_assert_eq(json_array_size(json_object_get(run, "results")), 25000);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(run, "properties"),
	                                                "assay_truncated_results")),
	             3);
	json_decref(root);
	results_free(&r);
}

/*
 * GitHub refuses an upload over 10 MB gzip-compressed. 5,000 failing rows
 * with 20 located findings each, every message 200 random hex digits,
 * compress to more than that: the renderer sheds detail (first location
 * only, no facts, then results) until it fits, and says so.
 */
/* nrows failing rows (odd ones high, even ones low), each with nlocs findings
 * whose messages are msglen random hex digits: incompressible on purpose. */
static void big_model(struct results *r, size_t nrows, int nlocs, int msglen)
{
	results_init(r);
	r->tool_version = xstrdup("0.1.0");
	srand(7);
	r->targets = xcalloc(nrows, sizeof(char *));
	char *msg = xmalloc((size_t)msglen + 1);
	for (size_t i = 0; i < nrows; i++) {
		char target[32];
		snprintf(target, sizeof(target), "host-%zu", i);
		r->targets[r->ntargets++] = xstrdup(target);
		struct probe_run *run = results_add_run(r);
		run->target = xstrdup(target);
		run->probe = xstrdup("pan");
		run->status = xstrdup("ok");
		for (int k = 0; k < nlocs; k++) {
			for (int c = 0; c < msglen; c++)
				msg[c] = "0123456789abcdef"[rand() % 16];
			msg[msglen] = '\0';
			struct finding *fd = rm_finding(run, "x", "high", msg, NULL);
			fd->loc.file = xasprintf("logs/%zu-%d.log", i, k);
			fd->loc.line = k + 1;
		}
		struct verdict_row *w = rm_row(r, "S", i % 2 ? "R-HIGH" : "R-LOW", target,
		                               VERDICT_FAIL, i % 2 ? SEV_HIGH : SEV_LOW);
		w->title_en = xstrdup("t");
		rm_probes(w, "pan");
	}
	free(msg);
}

static json_t *render_big(const struct results *r)
{
	char *path = rm_render(r, "sarif", "both");
	struct tu_run run = tu_sh("gzip -c '%s' | wc -c", path);
	cr_assert_eq(run.code, 0);
	long gz = atol(run.out);
	cr_assert_leq(gz, 10 * 1000 * 1000, "%ld bytes gzip-compressed", gz);
	tu_run_free(&run);
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e);
	cr_assert(root, "%s", e.text);
	unlink(path);
	free(path);
	return root;
}

/*
 * GitHub refuses an upload over 10 MB gzip-compressed. The renderer sheds
 * detail until the log fits, and says what it shed: first every result
 * keeps one location and no facts; if that is not enough, the `note`
 * results go, then the `warning` ones, then results from the end.
 */
/* 9 s here; memcheck (make valgrind) is some 30 times slower */
Test(sarif, kept_under_github_size_limit, .timeout = 600)
{
	/* 5,000 rows x 20 locations x 200 hex digits: one location each fits. */
	struct results r;
	big_model(&r, 5000, 20, 200);
	json_t *root = render_big(&r);
	json_t *sr = json_array_get(json_object_get(root, "runs"), 0);
	json_t *props = json_object_get(sr, "properties");
	cr_assert(json_is_string(json_object_get(props, "assay_trimmed")));
	json_t *results = json_object_get(sr, "results");
	cr_assert_eq(json_array_size(results), 5000, "nothing dropped at this size");
	size_t i;
	json_t *res;
	json_array_foreach(results, i, res)
	{
		cr_assert_eq(json_array_size(json_object_get(res, "locations")), 1);
		cr_assert_null(json_object_get(json_object_get(res, "properties"), "facts"));
	}
	json_decref(root);
	results_free(&r);

	/* 20,000 rows x 1 location x 1,200 hex digits: the low (note) results go. */
	big_model(&r, 20000, 1, 1200);
	root = render_big(&r);
	sr = json_array_get(json_object_get(root, "runs"), 0);
	props = json_object_get(sr, "properties");
	results = json_object_get(sr, "results");
	json_int_t dropped = json_integer_value(json_object_get(props, "assay_dropped_for_size"));
	cr_assert_eq(dropped, 10000, "the 10,000 low results");
	cr_assert_eq(json_array_size(results), 10000);
	json_array_foreach(results, i, res)
	    cr_assert_str_eq(json_string_value(json_object_get(res, "level")), "error");
	json_decref(root);
	results_free(&r);

	/* A small log is left as it is. */
	big_model(&r, 10, 20, 200);
	root = render_big(&r);
	props = json_object_get(json_array_get(json_object_get(root, "runs"), 0), "properties");
	cr_assert_null(json_object_get(props, "assay_trimmed"));
	json_decref(root);
	results_free(&r);
}

Test(sarif, hostile_strings_give_valid_json)
{
	struct results r;
	rm_build(&r);
	struct verdict_row *w = rm_row(&r, "UPDSS", "U-9", "bad host\x01", VERDICT_FAIL, SEV_HIGH);
	w->title_en = xstrdup("ctl\x02 \xff\xfe title");
	w->reason = xstrdup("quote \" backslash \\ and \xc0\xaf");
	json_t *root = render_json(&r);
	cr_assert(sarif_valid(root));
	json_t *u9 = result_for(root, "U-9");
	cr_assert(u9);
	cr_assert(strstr(str_at(json_object_get(u9, "message"), "text"), "quote \" backslash \\"));
	json_decref(root);
	results_free(&r);
}
