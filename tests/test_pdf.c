/*
 * The PDF renderer (reports/pdf.c), read back with poppler's tools the
 * way a reader's viewer or a search index reads it: pdftotext must give
 * back the Chinese and English text (compared without whitespace, since
 * table cells wrap), the contents page must name the page each section
 * really starts on, every page carries "page x of y", tables that break
 * across pages repeat their header, fonts are embedded, card numbers are
 * masked, --lang is honoured, and one model gives byte-identical files
 * with the run's start as the document date.
 */
#include "fixtures/reports/model.h"

#include <ctype.h>

static char *run_out(const char *fmt, const char *path)
{
	struct tu_run run = tu_sh(fmt, path);
	cr_assert_eq(run.code, 0, "%s: %s", fmt, run.err);
	free(run.err);
	return run.out;
}

/* The text with every ASCII space, tab and newline removed. */
static char *squeeze(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (!isspace((unsigned char)*s) && *s != '\f')
			*o++ = *s;
	*o = '\0';
	return out;
}

static char *pdf_text(const char *path)
{
	char *raw = run_out("pdftotext -raw -enc UTF-8 '%s' -", path);
	char *s = squeeze(raw);
	free(raw);
	return s;
}

static char *page_text(const char *path, int page)
{
	char *cmd = xasprintf("pdftotext -raw -enc UTF-8 -f %d -l %d '%%s' -", page, page);
	char *raw = run_out(cmd, path);
	char *s = squeeze(raw);
	free(raw);
	free(cmd);
	return s;
}

static int pdf_pages(const char *path)
{
	char *info = run_out("pdfinfo '%s'", path);
	const char *p = strstr(info, "\nPages:");
	cr_assert(p, "%s", info);
	int n = atoi(p + 7);
	free(info);
	return n;
}

static void assert_in(const char *text, const char *want)
{
	char *w = squeeze(want);
	cr_assert(strstr(text, w), "'%s' not in the PDF text", want);
	free(w);
}

/*
 * The page number the contents page gives a section: the digits after
 * its title on the contents page (page 2), leaders skipped.
 */
static int toc_page(const char *path, const char *title)
{
	char *toc = run_out("pdftotext -enc UTF-8 -layout -f 2 -l 2 '%s' -", path);
	char *line = strstr(toc, title);
	cr_assert(line, "'%s' not on the contents page:\n%s", title, toc);
	char *end = strchr(line, '\n');
	if (end)
		*end = '\0';
	char *p = line + strlen(line);
	while (p > line && isdigit((unsigned char)p[-1]))
		p--;
	int n = atoi(p);
	free(toc);
	return n;
}

Test(pdf, chinese_and_english_text_comes_back)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "pdf", "both");
	char *text = pdf_text(path);
	assert_in(text, "Compliance assessment report / 合规评估报告");
	assert_in(text, "Acme POS annual assessment");
	assert_in(text, "不得使用旧版 TLS");
	assert_in(text, "No legacy TLS");
	assert_in(text, "银联卡支付信息安全规范");
	assert_in(text, "fail / 不符合");
	assert_in(text, "tls.proto.tls1_0 = true");
	assert_in(text, "TLS_RSA_WITH_3DES_EDE_CBC_SHA offered");
	assert_in(text, "logs/app.log:812:31");
	assert_in(text, "evidence/pentest.pdf");
	assert_in(text, "legacy terminal, replacement ordered");
	assert_in(text, "probe tls timed out after 10s");
	assert_in(text, r.plan_sha256);
	free(text);
	free(path);
	results_free(&r);
}

Test(pdf, footer_page_x_of_y_and_header)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "pdf", "both");
	int n = pdf_pages(path);
	cr_assert_geq(n, 9, "cover, contents and seven sections");
	for (int i = 1; i <= n; i++) {
		char *t = page_text(path, i);
		char *want = xasprintf("Page%dof%d/第%d页，共%d页", i, n, i, n);
		cr_assert(strstr(t, want), "page %d lacks '%s'", i, want);
		if (i > 1)
			cr_assert(strstr(t, "AcmePOSannualassessment"), "page %d lacks the header",
			          i);
		free(want);
		free(t);
	}
	free(path);
	results_free(&r);
}

Test(pdf, contents_page_numbers_are_right)
{
	struct results r;
	rm_build(&r);
	/* Enough rows that the clause table runs over several pages. */
	for (int i = 0; i < 150; i++) {
		char rule[16];
		snprintf(rule, sizeof(rule), "B-%03d", i);
		struct verdict_row *w = rm_row(&r, "UPDSS", rule, "web-1", VERDICT_PASS, SEV_LOW);
		w->title_en = xstrdup("Bulk rule");
		w->title_zh = xstrdup("批量规则");
	}
	char *path = rm_render(&r, "pdf", "both");
	int n = pdf_pages(path);
	const char *titles[] = {
	    "1 Executive summary", "2 Clause-by-clause results", "3 Findings", "4 Manual clauses",
	    "5 Waivers",           "6 Per-probe detail",         "7 Appendix"};
	int pages[7];
	for (int s = 0; s < 7; s++) {
		pages[s] = toc_page(path, titles[s]);
		cr_assert(pages[s] >= 3 && pages[s] <= n, "%s on page %d of %d", titles[s],
		          pages[s], n);
		char *t = page_text(path, pages[s]);
		char *want = squeeze(titles[s]);
		cr_assert(strstr(t, want), "the contents say %s is on page %d; it is not",
		          titles[s], pages[s]);
		free(want);
		free(t);
		if (s)
			cr_assert_gt(pages[s], pages[s - 1]);
	}
	/* The clause table broke across pages and repeated its header on each. */
	cr_assert_geq(pages[2] - pages[1], 2, "clause table should span pages");
	for (int pg = pages[1]; pg < pages[2]; pg++) {
		char *t = page_text(path, pg);
		cr_assert(strstr(t, "Reasonanddecidingfacts/原因与判定依据"),
		          "page %d: no header row", pg);
		free(t);
	}
	/* Every row made it: the last bulk rule is there. */
	char *text = pdf_text(path);
	cr_assert(strstr(text, "B-149"));
	free(text);
	free(path);
	results_free(&r);
}

Test(pdf, card_numbers_masked)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "pdf", "both");
	char *text = pdf_text(path);
	/* Whitespace is squeezed out, so a spaced PAN would show up whole here. */
	cr_assert_null(strstr(text, PAN_FULL), "full PAN in the PDF text");
	cr_assert(strstr(text, PAN_MASKED));
	free(text);
	char *raw = tu_read(path);
	cr_assert(raw);
	free(raw);
	free(path);
	results_free(&r);
}

Test(pdf, deterministic_and_dated_by_the_run)
{
	struct results r;
	rm_build(&r);
	char *a = rm_render(&r, "pdf", "both");
	char *b = rm_render(&r, "pdf", "both");
	cr_assert(rm_same_bytes(a, b), "two renders of one model differ");
	char *info = run_out("pdfinfo -isodates '%s'", a);
	cr_assert(strstr(info, "CreationDate:    2026-03-01T10:00:00"), "%s", info);
	cr_assert(strstr(info, "ModDate:         2026-03-01T10:00:00"), "%s", info);
	cr_assert(strstr(info, "Title:           Acme POS annual assessment"), "%s", info);
	free(info);
	free(a);
	free(b);
	results_free(&r);
}

Test(pdf, fonts_embedded)
{
	struct results r;
	rm_build(&r);
	char *path = rm_render(&r, "pdf", "both");
	char *fonts = run_out("pdffonts '%s'", path);
	/* Skip the two header lines; the 5th field from the end is "emb". */
	char *save = NULL;
	int lines = 0;
	for (char *line = strtok_r(fonts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (++lines <= 2)
			continue;
		char *tok[32];
		int nt = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(line, " ", &s2); t && nt < 32; t = strtok_r(NULL, " ", &s2))
			tok[nt++] = t;
		cr_assert_geq(nt, 6);
		cr_assert_str_eq(tok[nt - 5], "yes", "a font is not embedded");
		cr_assert_str_eq(tok[nt - 3], "yes", "a font has no ToUnicode map");
	}
	cr_assert_gt(lines, 2, "no fonts listed");
	free(fonts);
	free(path);
	results_free(&r);
}

Test(pdf, languages)
{
	struct results r;
	rm_build(&r);
	char *en = rm_render(&r, "pdf", "en");
	char *zh = rm_render(&r, "pdf", "zh");
	char *t = pdf_text(en);
	cr_assert(strstr(t, "Complianceassessmentreport"));
	cr_assert(strstr(t, "Page1of"));
	cr_assert_null(strstr(t, "合规评估报告"));
	cr_assert_null(strstr(t, "不符合"));
	/* A rule titled only in Chinese keeps its title. */
	cr_assert(strstr(t, "应用安全评估"));
	free(t);
	t = pdf_text(zh);
	cr_assert(strstr(t, "合规评估报告"));
	cr_assert(strstr(t, "第1页"));
	cr_assert(strstr(t, "不得使用旧版TLS"));
	cr_assert_null(strstr(t, "Complianceassessmentreport"));
	cr_assert_null(strstr(t, "Page1of"));
	free(t);
	free(en);
	free(zh);
	results_free(&r);
}

Test(pdf, demo_run)
{
	struct results r;
	rm_demo(&r);
	char *path = rm_render(&r, "pdf", "both");
	char *text = pdf_text(path);
	assert_in(text, "Demo acquirer, annual assessment");
	assert_in(text, "日志文件中不得存储完整卡号");
	assert_in(text, "Log files hold no full card number");
	assert_in(text, "/var/log/gateway/app.log:812:31");
	assert_in(text, "Zhang Min (CISO)");
	cr_assert_null(strstr(text, PAN_FULL));
	free(text);
	free(path);
	results_free(&r);
}

/* Per-probe detail: the latency chart (vector graphics) and the protocol table. */
Test(pdf, probe_detail_chart_and_protocols)
{
	struct results r;
	rm_detail(&r);
	char *path = rm_render(&r, "pdf", "en");
	char *text = pdf_text(path);
	assert_in(text, "Latency by percentile");
	assert_in(text, "1000 ms");
	assert_in(text, "99.9%");
	assert_in(text, "Accepted suites");
	assert_in(text, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	assert_in(text, "com.example.pay");
	assert_in(text, "Signatures verify");
	free(text);
	free(path);
	results_free(&r);
}

Test(pdf, write_error_is_reported)
{
	struct results r;
	rm_build(&r);
	FILE *f = fopen("/dev/full", "w");
	cr_assert(f);
	setvbuf(f, NULL, _IONBF, 0);
	err_clear();
	int rc = renderer_find("pdf")->render(&r, &(struct render_opts){.lang = "both"}, f);
	fclose(f);
	cr_assert_eq(rc, -1);
	cr_assert(str_starts(err_msg(), "pdf: "), "%s", err_msg());
	results_free(&r);
}
