/*
 * The HTML renderer (reports/html.c): the page is parsed with libxml2's
 * HTML parser and checked the way an auditor and a browser rely on it:
 * one file with nothing loaded from outside (a CSP meta tag forbidding
 * it, no src/href leaving the page, no script), every section present,
 * one clause-table row per verdict, masked card numbers only, escaped
 * hostile strings, --lang honoured, and the same bytes for the same model.
 */
#include "fixtures/reports/model.h"

#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

static htmlDocPtr parse(const char *path)
{
	htmlDocPtr doc = htmlReadFile(path, "UTF-8",
	                              HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	cr_assert(doc, "%s does not parse", path);
	return doc;
}

static xmlXPathObjectPtr xp(htmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	cr_assert(o, "bad XPath %s", expr);
	xmlXPathFreeContext(ctx);
	return o;
}

static double xp_num(htmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr o = xp(doc, expr);
	double v = xmlXPathCastToNumber(o);
	xmlXPathFreeObject(o);
	return v;
}

static char *xp_str(htmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr o = xp(doc, expr);
	xmlChar *s = xmlXPathCastToString(o);
	char *out = xstrdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	return out;
}

static void assert_has(htmlDocPtr doc, const char *expr, const char *want)
{
	char *s = xp_str(doc, expr);
	cr_assert(strstr(s, want), "%s: '%s' not in '%s'", expr, want, s);
	free(s);
}

Test(html, self_contained_with_csp)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "html", "both");
	htmlDocPtr doc = parse(path);

	char *csp = xp_str(doc, "string(//meta[@http-equiv='Content-Security-Policy']/@content)");
	cr_assert(strstr(csp, "default-src 'none'"), "CSP: %s", csp);
	cr_assert_null(strstr(csp, "script-src"), "no script may be allowed: %s", csp);
	free(csp);
	/* Nothing that loads: no script, link, iframe, object, img from a URL. */
	cr_assert_eq(xp_num(doc, "count(//script | //link | //iframe | //object | //embed)"), 0);
	cr_assert_eq(xp_num(doc, "count(//*[@src and not(starts-with(@src, 'data:'))])"), 0);
	/* Links stay inside the page. */
	cr_assert_gt(xp_num(doc, "count(//a[@href])"), 0);
	cr_assert_eq(xp_num(doc, "count(//a[@href and not(starts-with(@href, '#'))])"), 0);
	/* No URL anywhere but the SVG namespace name (an identifier, never fetched). */
	char *text = tu_read(path);
	for (const char *p = text; (p = strstr(p, "://")); p++)
		cr_assert(p - text >= 4 && str_starts(p - 4, "http://www.w3.org/2000/svg"),
		          "URL in the page: %.40s", p > text + 8 ? p - 8 : p);
	cr_assert(strstr(text, "@media print"), "print stylesheet");
	cr_assert(strstr(text, "thead{display:table-header-group}"), "headers repeat in print");
	free(text);
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(html, sections_and_tables)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "html", "both");
	htmlDocPtr doc = parse(path);

	const char *ids[] = {"cover",  "summary", "clauses", "findings",
	                     "manual", "waivers", "probes",  "appendix"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char *e = xasprintf("count(//*[@id='%s'])", ids[i]);
		cr_assert_eq(xp_num(doc, e), 1, "section %s", ids[i]);
		free(e);
	}
	/* Cover: assessment, verdict, dates, tool. */
	assert_has(doc, "string(//header[@id='cover']//h1)", "Acme POS annual assessment");
	assert_has(doc, "string(//header[@id='cover'])",
	           "NOT COMPLIANT: rules failed at or above the threshold");
	assert_has(doc, "string(//header[@id='cover'])", "2026-03-01 10:00:00 UTC");
	assert_has(doc, "string(//header[@id='cover'])", "assay 0.1.0");
	/* Clause table: one row per verdict, clause with its confidence tag. */
	cr_assert_eq(xp_num(doc, "count(//section[@id='clauses']//tbody/tr)"), (double)r.nrows);
	assert_has(doc, "string(//section[@id='clauses']//tbody/tr[2])", "6.2.2");
	assert_has(doc, "string(//section[@id='clauses']//tbody/tr[2]//span[@class='tag'])",
	           "approx");
	assert_has(doc,
	           "string(//section[@id='clauses']//tbody/tr[2]//span[contains(@class,'v-fail')])",
	           "fail / 不符合");
	assert_has(doc, "string(//section[@id='clauses']//tbody/tr[2]//details/pre)",
	           "tls.proto.tls1_0 = true");
	/* Summary: a chart with a text alternative, counts per rule set. */
	cr_assert_eq(xp_num(doc, "count(//section[@id='summary']//svg[@role='img']/title)"), 1);
	assert_has(doc, "string(//section[@id='summary']//table[1]//tbody/tr[1])", "UPDSS");
	cr_assert_eq(xp_num(doc, "number(//section[@id='summary']//table[1]//tbody/tr[1]/td[2])"),
	             2, "UPDSS has two fail rows");
	/* Findings: both, with locations. */
	cr_assert_eq(xp_num(doc, "count(//section[@id='findings']//tbody/tr)"), 2);
	assert_has(doc, "string(//section[@id='findings'])", "logs/app.log:812:31");
	/* Manual clauses with attestation; waivers with expiry and status. */
	assert_has(doc, "string(//section[@id='manual'])", "evidence/pentest.pdf");
	assert_has(doc, "string(//section[@id='manual'])", "not attested");
	cr_assert_eq(xp_num(doc, "count(//section[@id='waivers']//tbody/tr)"), 2);
	assert_has(doc, "string(//section[@id='waivers']//tbody/tr[2])", "expired");
	assert_has(doc, "string(//section[@id='waivers']//tbody/tr[1])", "2099-12-31");
	/* Per-probe detail: a facts table per run; the timed-out run shows its error. */
	assert_has(doc, "string(//section[@id='probes'])", "tls.cert.days_left");
	assert_has(doc, "string(//section[@id='probes'])", "probe tls timed out after 10s");
	/* Appendix: the plan digest. */
	assert_has(doc, "string(//section[@id='appendix'])", r.plan_sha256);
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(html, card_numbers_masked)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "html", "both");
	char *text = tu_read(path);
	cr_assert_null(strstr(text, PAN_FULL), "full PAN in the HTML");
	cr_assert_null(strstr(text, PAN_SPACED), "full PAN in the HTML");
	cr_assert(strstr(text, PAN_MASKED));
	cr_assert(strstr(text, PAN_SPACED_MASKED));
	free(text);
	free(path);
	results_free(&r);
}

Test(html, hostile_strings_are_escaped)
{
	struct results r;
	rm_build(&r);
	struct verdict_row *w =
	    rm_row(&r, "UPDSS", "U-9", "x\"><script>alert(1)</script>", VERDICT_FAIL, SEV_HIGH);
	w->title_en = xstrdup("<img src=http://evil.example/x.png>");
	w->reason = xstrdup("bad \xff bytes & </td></tr></table>");
	char *path = rm_render(&r, "html", "both");
	htmlDocPtr doc = parse(path);
	cr_assert_eq(xp_num(doc, "count(//script | //img)"), 0);
	cr_assert_eq(xp_num(doc, "count(//section[@id='clauses']//tbody/tr)"), (double)r.nrows,
	             "markup in a string must not break the table");
	assert_has(doc, "string(//section[@id='clauses']//tbody/tr[last()])",
	           "<img src=http://evil.example/x.png>");
	assert_has(doc, "string(//section[@id='clauses']//tbody/tr[last()])",
	           "bad \xEF\xBF\xBD bytes & </td>");
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(html, languages)
{
	struct results r;
	rm_build(&r);
	char *en = rm_render(&r, "html", "en");
	char *zh = rm_render(&r, "html", "zh");
	htmlDocPtr d = parse(en);
	char *lang = xp_str(d, "string(/html/@lang)");
	cr_assert_str_eq(lang, "en");
	free(lang);
	assert_has(d, "string(//section[@id='clauses']//tbody/tr[2])", "No legacy TLS");
	char *row = xp_str(d, "string(//section[@id='clauses']//tbody/tr[2])");
	cr_assert_null(strstr(row, "不符合"), "en: %s", row);
	cr_assert_null(strstr(row, "不得使用旧版 TLS"), "en: %s", row);
	free(row);
	/* A title only in Chinese still shows (J-1). */
	assert_has(d, "string(//section[@id='manual'])", "应用安全评估");
	xmlFreeDoc(d);

	d = parse(zh);
	lang = xp_str(d, "string(/html/@lang)");
	cr_assert_str_eq(lang, "zh-CN");
	free(lang);
	assert_has(d, "string(//section[@id='clauses']//tbody/tr[2])", "不符合");
	assert_has(d, "string(//section[@id='clauses']//tbody/tr[2])", "不得使用旧版 TLS");
	assert_has(d, "string(//h2[@id='h-findings'])", "发现项");
	row = xp_str(d, "string(//h2[@id='h-findings'])");
	cr_assert_null(strstr(row, "Findings"), "zh: %s", row);
	free(row);
	xmlFreeDoc(d);
	free(en);
	free(zh);
	results_free(&r);
}

Test(html, deterministic)
{
	struct results r;
	rm_build(&r);
	char *a = rm_render(&r, "html", "both");
	char *b = rm_render(&r, "html", "both");
	cr_assert(rm_same_bytes(a, b));
	free(a);
	free(b);
	results_free(&r);
}

Test(html, demo_run)
{
	struct results r;
	rm_demo(&r);
	char *path = rm_render(&r, "html", "both");
	htmlDocPtr doc = parse(path);
	cr_assert_eq(xp_num(doc, "count(//section[@id='clauses']//tbody/tr)"), (double)r.nrows);
	assert_has(doc, "string(//header[@id='cover']//h1)", "Demo acquirer, annual assessment");
	assert_has(doc, "string(//section[@id='waivers'])", "Zhang Min (CISO)");
	assert_has(doc, "string(//section[@id='manual'])", "Li Wei (QSA)");
	assert_has(doc, "string(//section[@id='findings'])", "/var/log/gateway/app.log:812:31");
	cr_assert_eq(xp_num(doc, "count(//script)"), 0);
	char *text = tu_read(path);
	cr_assert_null(strstr(text, PAN_FULL));
	free(text);
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

/* Per-probe detail: a load run's latency curve as SVG, a TLS run's protocol table. */
Test(html, probe_detail_chart_and_protocols)
{
	struct results r;
	rm_detail(&r);
	char *path = rm_render(&r, "html", "en");
	htmlDocPtr doc = parse(path);
	cr_assert_eq(xp_num(doc, "count(//section[@id='probes']//svg[@class='latency'])"), 1);
	assert_has(doc, "string(//svg[@class='latency']/title)", "Latency by percentile");
	assert_has(doc, "string(//svg[@class='latency']/desc)", "1000 responses");
	/* 1 .. 1000 ms: the axis goes to 1000 ms, the curve to 99.9 % */
	assert_has(doc, "string(//svg[@class='latency'])", "1000 ms");
	assert_has(doc, "string(//svg[@class='latency'])", "99.9%");
	cr_assert_eq(xp_num(doc, "count(//svg[@class='latency']//text[.='99.99%'])"), 0);
	char *pts = xp_str(doc, "string(//svg[@class='latency']/polyline/@points)");
	/* its last point is the max, 1000 ms: the top of the plot (y = 16) at the right */
	const char *last = strrchr(pts, ' ');
	cr_assert(last && strstr(last, ",16.0"), "last point %s", last ? last : pts);
	free(pts);
	assert_has(doc, "string(//section[@id='probes'])", "serialised latency histogram, drawn above");
	/* an app run's summary: the manifest and signature facts it has, labelled */
	cr_assert_eq(xp_num(doc, "count(//table[@class='app-summary']/tbody/tr)"), 6);
	assert_has(doc, "string(//table[@class='app-summary']/tbody/tr[1])", "Package");
	assert_has(doc, "string(//table[@class='app-summary']/tbody/tr[1])", "com.example.pay");
	assert_has(doc, "string(//table[@class='app-summary'])", "Signatures verify");
	assert_has(doc, "string(//table[@class='app-summary'])", "CN=Android Debug");
	assert_has(doc, "string(//table[@class='app-summary']/tbody/tr[6])", "Executable stack");
	cr_assert_eq(xp_num(doc, "count(//table[@class='protocols']/tbody/tr)"), 2);
	assert_has(doc, "string(//table[@class='protocols']/tbody/tr[2])",
	           "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	assert_has(doc, "string(//table[@class='protocols']/tbody/tr[1]/td[2])", "no");
	xmlFreeDoc(doc);
	free(path);
	results_free(&r);
}

Test(html, write_error_is_reported)
{
	struct results r;
	rm_build(&r);
	FILE *f = fopen("/dev/full", "w");
	cr_assert(f);
	err_clear();
	int rc = renderer_find("html")->render(&r, &(struct render_opts){.lang = "both"}, f);
	fclose(f);
	cr_assert_eq(rc, -1);
	cr_assert(str_starts(err_msg(), "html: "), "%s", err_msg());
	results_free(&r);
}
