/*
 * PDF renderer: an A4 report typeset by assay itself with cairo (PDF
 * surface) and pango (shaping, line breaking, font fallback through
 * fontconfig), so Chinese text needs no browser: the CJK font
 * (fonts-wqy-microhei or fonts-noto-cjk) is embedded as a subset with a
 * ToUnicode map, and `pdftotext` gives the Chinese and English text back.
 * Notes: /work/shared/notes/load_reports.md C.1-C.2.
 *
 * Layout: cover (page 1), contents with page numbers (page 2 on), then
 * one section per page run: executive summary with a vector bar chart,
 * clause-by-clause table, findings, manual clauses, waivers, per-probe
 * facts, appendix. Every page after the cover carries a running header
 * (the assessment name) and every page a footer "page x of y". Tables
 * break across pages and repeat their header row; a cell is capped at
 * MAX_CELL_LINES lines (ellipsized) so one row always fits on a page.
 *
 * Page numbers are known only after layout, so the document is laid out
 * twice with the same code: pass 1 measures (nothing drawn) and records
 * the page of every section and the page count; pass 2 draws. The
 * contents page has the same height in both passes (its lines do not
 * depend on the numbers), so pass 1's numbers hold in pass 2.
 *
 * Deterministic: the PDF's CreationDate and ModDate are the run's
 * `started` (1970-01-01 when it is missing or malformed), nothing else
 * depends on the clock, so one results.json gives byte-identical PDFs
 * with the same cairo, pango and font versions.
 *
 * Every string from the model passes through rt_clean() (card numbers
 * masked, valid UTF-8) before pango sees it; text is set with
 * pango_layout_set_text, never as markup.
 */
#include "reports/detail.h"
#include "reports/pdf_layout.h"
#include "reports/report.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>

#include <math.h>
#include <pthread.h>
#include <string.h>

static const char *const font_desc[F__COUNT] = {
    FAMILY " 9",       FAMILY " Bold 9",  FAMILY " 8",       FAMILY " Bold 8",
    FAMILY " Bold 18", FAMILY " Bold 14", FAMILY " Bold 11", FAMILY " Bold 24",
};

enum sec {
	SEC_SUMMARY,
	SEC_CLAUSES,
	SEC_FINDINGS,
	SEC_MANUAL,
	SEC_WAIVERS,
	SEC_PROBES,
	SEC_APPENDIX,
	SEC__COUNT
};

static const char *const sec_en[SEC__COUNT] = {"Executive summary",
                                               "Clause-by-clause results",
                                               "Findings",
                                               "Manual clauses and attestations",
                                               "Waivers",
                                               "Per-probe detail",
                                               "Appendix: plan and run metadata"};
static const char *const sec_zh[SEC__COUNT] = {
    "摘要",     "逐条款结果",          "发现项", "人工核查条款与证明", "豁免",
    "探测详情", "附录：计划与运行信息"};

/* ---- output ---- */

struct sink {
	FILE *out;
	bool failed;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;
	if (!s->out)
		return CAIRO_STATUS_SUCCESS; /* pass 1 writes nowhere */
	if (fwrite(data, 1, len, s->out) != len) {
		s->failed = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

static void section(struct pdf *p, enum sec s)
{
	pdf_new_page(p);
	p->sec_page[s] = p->page;
	const char *title = rt_l(&p->t, sec_en[s], sec_zh[s]);
	char *num = xasprintf("%d  %s", (int)s + 1, title);
	if (p->draw)
		cairo_pdf_surface_add_outline(p->surf, CAIRO_PDF_OUTLINE_ROOT, num,
		                              rt_keep(&p->t, xasprintf("page=%d", p->page)), 0);
	pdf_heading(p, F_H2, num, 40);
	free(num);
	pdf_gap(p, 4);
}

/* ---- sections ---- */

static const char *targets_line(struct pdf *p)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < p->r->ntargets; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", p->r->targets[i] ? p->r->targets[i] : "-");
	char *s = sb_detach(&sb);
	const char *c = rt_c(&p->t, s);
	free(s);
	return c;
}

static void kv_table(struct pdf *p, const char *const (*kv)[2], size_t n)
{
	static const struct col cols[2] = {{140, ""}, {CONTENT_W - 140, ""}};
	p->cols = cols;
	p->ncols = 2;
	for (size_t i = 0; i < n; i++) {
		const char *cells[2] = {kv[i][0], kv[i][1]};
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
}

static void write_cover(struct pdf *p)
{
	const struct results *r = p->r;
	pdf_new_page(p);
	p->y = 150;
	pdf_rgb(p, 0x57606a);
	pdf_para(p, F_H3, rt_l(&p->t, "Compliance assessment report", "合规评估报告"), 0);
	pdf_rgb(p, 0x000000);
	pdf_gap(p, 8);
	pdf_para(p, F_TITLE, rt_c(&p->t, r->plan_name), 0);
	pdf_gap(p, 16);
	unsigned color = results_exit_code(r, r->fail_on) == 0   ? 0x116329
	                 : results_exit_code(r, r->fail_on) == 1 ? 0xa40e26
	                                                         : 0x7d4e00;
	pdf_rgb(p, color);
	pdf_para(p, F_H3, rt_overall(&p->t, r), 0);
	pdf_rgb(p, 0x000000);
	pdf_gap(p, 24);
	const char *const kv[][2] = {
	    {rt_l(&p->t, "Scope (targets)", "范围（目标）"), targets_line(p)},
	    {rt_l(&p->t, "Started", "开始时间"), rt_time(&p->t, r->started)},
	    {rt_l(&p->t, "Finished", "结束时间"), rt_time(&p->t, r->finished)},
	    {rt_l(&p->t, "Fail threshold", "失败阈值"), rt_severity(&p->t, r->fail_on)},
	    {rt_l(&p->t, "Tool", "工具"),
	     rt_keep(&p->t, xasprintf("assay %s", rt_c(&p->t, r->tool_version)))},
	    {rt_l(&p->t, "Plan", "计划"), rt_c(&p->t, r->plan_file)},
	    {rt_l(&p->t, "Plan SHA-256", "计划 SHA-256"), rt_c(&p->t, r->plan_sha256)},
	};
	kv_table(p, kv, sizeof(kv) / sizeof(kv[0]));
}

static void write_toc(struct pdf *p)
{
	pdf_new_page(p);
	pdf_heading(p, F_H1, rt_l(&p->t, "Contents", "目录"), 20);
	pdf_gap(p, 6);
	for (int s = 0; s < SEC__COUNT; s++) {
		char *title = xasprintf("%d  %s", s + 1, rt_l(&p->t, sec_en[s], sec_zh[s]));
		char *num = xasprintf("%d", p->sec_page[s]);
		pdf_set_text(p->lay, p->fn[F_BODY], title, CONTENT_W - 60);
		double h = pdf_layout_h(p->lay);
		if (p->y + h > BOTTOM)
			pdf_new_page(p);
		double tw = pdf_layout_w(p->lay);
		pdf_text_at(p, F_BODY, title, MARGIN_X, p->y, CONTENT_W - 60, PANGO_ALIGN_LEFT);
		if (p->draw) {
			/* Dotted leader from the title to the number. */
			pdf_rgb(p, 0x8c959f);
			double dy = p->y + h - 4;
			for (double x = MARGIN_X + tw + 6; x < PAGE_W - MARGIN_X - 30; x += 4)
				cairo_rectangle(p->cr, x, dy, 0.8, 0.8);
			cairo_fill(p->cr);
			pdf_rgb(p, 0x000000);
		}
		pdf_text_at(p, F_BODY, num, MARGIN_X, p->y, CONTENT_W, PANGO_ALIGN_RIGHT);
		p->y += h + 6;
		free(num);
		free(title);
	}
}

static const unsigned verdict_rgb[VERDICT__COUNT] = {0x2da44e, 0xcf222e, 0x8c959f,
                                                     0xbf8700, 0x0969da, 0x8250df};

static void chart(struct pdf *p, const char **ids, size_t n, size_t (*c)[VERDICT__COUNT])
{
	const double left = 110, width = CONTENT_W - 120, bar = 16, step = 24;
	double h = (double)n * step + 34;
	if (p->y + h > BOTTOM)
		pdf_new_page(p);
	double y0 = p->y;
	for (size_t i = 0; i < n; i++) {
		double y = y0 + (double)i * step;
		pdf_text_at(p, F_SMALL, rt_c(&p->t, ids[i]), MARGIN_X, y + 2, left - 8,
		            PANGO_ALIGN_LEFT);
		size_t total = 0;
		for (int v = 0; v < VERDICT__COUNT; v++)
			total += c[i][v];
		double x = MARGIN_X + left;
		for (int v = 0; v < VERDICT__COUNT && total && p->draw; v++) {
			if (!c[i][v])
				continue;
			double w = width * (double)c[i][v] / (double)total;
			pdf_rgb(p, verdict_rgb[v]);
			cairo_rectangle(p->cr, x, y, w, bar);
			cairo_fill(p->cr);
			x += w;
		}
		if (p->draw)
			pdf_rgb(p, 0x000000);
	}
	/* Legend: each colour named in text. */
	double ly = y0 + (double)n * step + 8;
	for (int v = 0; v < VERDICT__COUNT; v++) {
		double lx = MARGIN_X + (double)(v % 3) * 170;
		double yy = ly + (double)(v / 3) * 13;
		if (p->draw) {
			pdf_rgb(p, verdict_rgb[v]);
			cairo_rectangle(p->cr, lx, yy + 2, 8, 8);
			cairo_fill(p->cr);
			pdf_rgb(p, 0x000000);
		}
		pdf_text_at(p, F_SMALL, rt_verdict(&p->t, (enum verdict)v), lx + 12, yy, 150,
		            PANGO_ALIGN_LEFT);
	}
	p->y = ly + 32;
}

static void write_summary(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_SUMMARY);
	pdf_para(p, F_BOLD, rt_overall(&p->t, r), 0);
	pdf_gap(p, 10);

	struct rt_sets sets;
	rt_sets_count(&sets, r);
	const char **ids = sets.ids;
	size_t n = sets.n;
	size_t(*c)[VERDICT__COUNT] = sets.count;
	chart(p, ids, n, c);

	struct col cols[VERDICT__COUNT + 2];
	cols[0] = (struct col){CONTENT_W - 7 * 60, rt_l(&p->t, "Rule set", "规则集")};
	for (int v = 0; v < VERDICT__COUNT; v++)
		cols[v + 1] = (struct col){60, rt_verdict(&p->t, (enum verdict)v)};
	cols[VERDICT__COUNT + 1] = (struct col){60, rt_l(&p->t, "Total", "合计")};
	pdf_table_begin(p, cols, VERDICT__COUNT + 2,
	                rt_l(&p->t, "Verdicts per rule set", "各规则集结论"));
	for (size_t i = 0; i < n; i++) {
		const char *cells[VERDICT__COUNT + 2];
		const char *title = NULL;
		for (size_t k = 0; k < r->nrulesets; k++)
			if (r->rulesets[k].id && strcmp(r->rulesets[k].id, ids[i]) == 0)
				title = rt_title(&p->t, r->rulesets[k].title_en,
				                 r->rulesets[k].title_zh);
		cells[0] = title ? rt_keep(&p->t, xasprintf("%s\n%s", rt_c(&p->t, ids[i]), title))
		                 : rt_c(&p->t, ids[i]);
		size_t total = 0;
		for (int v = 0; v < VERDICT__COUNT; v++) {
			cells[v + 1] = rt_keep(&p->t, xasprintf("%zu", c[i][v]));
			total += c[i][v];
		}
		cells[VERDICT__COUNT + 1] = rt_keep(&p->t, xasprintf("%zu", total));
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
	rt_sets_free(&sets);

	struct summary s;
	results_summarize(r, r->fail_on, &s);
	cols[0].head = rt_l(&p->t, "Severity", "严重程度");
	pdf_table_begin(p, cols, VERDICT__COUNT + 1,
	                rt_l(&p->t, "Verdicts per severity", "按严重程度统计"));
	for (int sv = SEV__COUNT - 1; sv >= 0; sv--) {
		const char *cells[VERDICT__COUNT + 1];
		cells[0] = rt_severity(&p->t, (enum severity)sv);
		for (int v = 0; v < VERDICT__COUNT; v++)
			cells[v + 1] = rt_keep(&p->t, xasprintf("%zu", s.by_severity[sv][v]));
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
}

/* Reason (unless a plain pass), the check when asked, the deciding facts. */
static const char *row_detail(struct pdf *p, const struct verdict_row *w, bool with_check)
{
	struct strbuf sb = STRBUF_INIT;
	if (w->reason && *w->reason && w->verdict != VERDICT_PASS)
		sb_printf(&sb, "%s", w->reason);
	/* The engine's reason often quotes the check already. */
	if (with_check && w->check && *w->check && !(w->reason && strstr(w->reason, w->check)))
		sb_printf(&sb, "%s%s", sb.len ? "\n" : "", w->check);
	for (size_t i = 0; i < w->nfacts && i < MAX_CELL_FACTS; i++) {
		char *v = fact_value_str(&w->facts[i].v);
		sb_printf(&sb, "%s%s = %s", sb.len ? "\n" : "",
		          w->facts[i].key ? w->facts[i].key : "-", v);
		free(v);
	}
	if (w->nfacts > MAX_CELL_FACTS)
		sb_printf(&sb, "\n(+%zu)", w->nfacts - MAX_CELL_FACTS);
	char *s = sb_detach(&sb);
	const char *c = rt_c(&p->t, s);
	free(s);
	return c;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * One row per (rule, target). Consecutive rows of one rule form a group:
 * its first row on each page carries the title, clause and check, the
 * others only the rule id, as a printed table omits repeated values (and
 * a 500-rule x 50-target report stays a readable length).
 */
static void write_clauses(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_CLAUSES);
	const struct col cols[] = {
	    {125, rt_l(&p->t, "Rule", "规则")},
	    {62, rt_l(&p->t, "Clause", "条款")},
	    {72, rt_l(&p->t, "Target", "目标")},
	    {54, rt_l(&p->t, "Severity", "严重程度")},
	    {56, rt_l(&p->t, "Verdict", "结论")},
	    {CONTENT_W - 369, rt_l(&p->t, "Reason and deciding facts", "原因与判定依据")},
	};
	pdf_table_begin(p, cols, 6, NULL);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		char *rule = xasprintf("%s\n%s", rt_c(&p->t, w->rule),
		                       rt_title(&p->t, w->title_en, w->title_zh));
		char *clause = xasprintf("%s %s%s%s%s", rt_c(&p->t, w->ruleset),
		                         rt_c(&p->t, w->clause), w->confidence ? " [" : "",
		                         w->confidence ? rt_c(&p->t, w->confidence) : "",
		                         w->confidence ? "]" : "");
		const char *full[6] = {
		    rt_keep(&p->t, rule),          rt_keep(&p->t, clause),
		    rt_c(&p->t, w->target),        rt_severity(&p->t, w->severity),
		    rt_verdict(&p->t, w->verdict), row_detail(p, w, true)};
		bool cont = i > 0 && same(w->rule, r->rows[i - 1].rule) &&
		            same(w->ruleset, r->rows[i - 1].ruleset);
		const char *brief[6] = {rt_c(&p->t, w->rule),
		                        "",
		                        full[2],
		                        full[3],
		                        full[4],
		                        cont ? row_detail(p, w, false) : ""};
		pdf_table_row_alt(p, full, cont ? brief : NULL);
	}
	pdf_table_end(p);
}

static void write_findings(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_FINDINGS);
	size_t total = 0;
	for (size_t i = 0; i < r->nruns; i++)
		total += r->runs[i].facts.nfindings;
	if (!total) {
		pdf_para(p, F_BODY, rt_l(&p->t, "No findings.", "无发现项。"), 0);
		return;
	}
	const struct col cols[] = {
	    {80, rt_l(&p->t, "Target", "目标")},
	    {50, rt_l(&p->t, "Probe", "探测")},
	    {50, rt_l(&p->t, "Kind", "类型")},
	    {45, rt_l(&p->t, "Severity", "严重程度")},
	    {110, rt_l(&p->t, "Location", "位置")},
	    {CONTENT_W - 335, rt_l(&p->t, "Message and evidence (masked)", "描述与证据（已脱敏）")},
	};
	pdf_table_begin(p, cols, 6, NULL);
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *run = &r->runs[i];
		for (size_t k = 0; k < run->facts.nfindings; k++) {
			const struct finding *fd = &run->facts.findings[k];
			const char *msg =
			    fd->excerpt && *fd->excerpt
			        ? rt_keep(&p->t, xasprintf("%s\n%s", rt_c(&p->t, fd->message),
			                                   rt_c(&p->t, fd->excerpt)))
			        : rt_c(&p->t, fd->message);
			const char *cells[6] = {rt_c(&p->t, run->target), rt_c(&p->t, run->probe),
			                        rt_c(&p->t, fd->kind),    rt_c(&p->t, fd->severity),
			                        rt_loc(&p->t, &fd->loc),  msg};
			pdf_table_row(p, cells);
		}
	}
	pdf_table_end(p);
}

static void write_manual(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_MANUAL);
	size_t n = 0;
	for (size_t i = 0; i < r->nrows; i++)
		n += r->rows[i].manual;
	if (!n) {
		pdf_para(p, F_BODY, rt_l(&p->t, "No manual clauses.", "无人工核查条款。"), 0);
		return;
	}
	const struct col cols[] = {
	    {130, rt_l(&p->t, "Rule", "规则")},
	    {70, rt_l(&p->t, "Target", "目标")},
	    {60, rt_l(&p->t, "Verdict", "结论")},
	    {80, rt_l(&p->t, "Attested by", "证明人")},
	    {60, rt_l(&p->t, "Date", "日期")},
	    {CONTENT_W - 400, rt_l(&p->t, "Evidence", "证据")},
	};
	pdf_table_begin(p, cols, 6, NULL);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (!w->manual)
			continue;
		const struct attestation *a = w->attest;
		const char *cells[6] = {
		    rt_keep(&p->t, xasprintf("%s\n%s", rt_c(&p->t, w->rule),
		                             rt_title(&p->t, w->title_en, w->title_zh))),
		    rt_c(&p->t, w->target),
		    rt_verdict(&p->t, w->verdict),
		    a ? rt_c(&p->t, a->by) : rt_l(&p->t, "not attested", "未证明"),
		    a ? rt_c(&p->t, a->date) : "-",
		    a ? rt_c(&p->t, a->evidence) : rt_l(&p->t, "evidence needed", "需要证据")};
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
}

static void write_waivers(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_WAIVERS);
	if (!r->nwaivers) {
		pdf_para(p, F_BODY, rt_l(&p->t, "No waivers.", "无豁免。"), 0);
		return;
	}
	const struct col cols[] = {
	    {60, rt_l(&p->t, "Rule", "规则")},   {70, rt_l(&p->t, "Target", "目标")},
	    {80, rt_l(&p->t, "By", "批准人")},   {60, rt_l(&p->t, "Until", "有效期至")},
	    {60, rt_l(&p->t, "Status", "状态")}, {CONTENT_W - 330, rt_l(&p->t, "Reason", "理由")},
	};
	pdf_table_begin(p, cols, 6, NULL);
	for (size_t i = 0; i < r->nwaivers; i++) {
		const struct waiver *wv = &r->waivers[i];
		const char *cells[6] = {
		    rt_c(&p->t, wv->rule),
		    wv->target && *wv->target ? rt_c(&p->t, wv->target)
		                              : rt_l(&p->t, "all targets", "全部目标"),
		    rt_c(&p->t, wv->by),
		    rt_c(&p->t, wv->until),
		    wv->active ? rt_l(&p->t, "active", "有效") : rt_l(&p->t, "expired", "已过期"),
		    rt_c(&p->t, wv->reason)};
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
}

/* A load run's latency by percentile, drawn as vectors from its histogram. */
static void latency_chart(struct pdf *p, const struct facts *f)
{
	struct curve c;
	if (detail_curve(&c, f) < 0)
		return;
	const double h = 190, x0 = MARGIN_X + 56, pw = CONTENT_W - 70, th = 14;
	const double ph = h - 2 * th - 8, xr = ceil(c.xmax);
	if (p->y + h + th > BOTTOM)
		pdf_new_page(p);
	double top = p->y;
	pdf_text_at(p, F_SMALL_BOLD, rt_l(&p->t, "Latency by percentile", "按百分位的延迟"),
	            MARGIN_X, top, CONTENT_W, PANGO_ALIGN_LEFT);
	double y0 = top + th + 4; /* the plot's top */
	if (p->draw) {
		cairo_set_line_width(p->cr, 0.5);
		pdf_rgb(p, 0xd0d7de);
		for (double v = 0; v <= c.ymax + c.ystep / 2; v += c.ystep) {
			double y = y0 + ph - v / c.ymax * ph;
			cairo_move_to(p->cr, x0, y);
			cairo_line_to(p->cr, x0 + pw, y);
		}
		for (int k = 0; k <= (int)xr; k++) {
			cairo_move_to(p->cr, x0 + k / xr * pw, y0);
			cairo_line_to(p->cr, x0 + k / xr * pw, y0 + ph);
		}
		cairo_stroke(p->cr);
		pdf_rgb(p, 0x0969da);
		cairo_set_line_width(p->cr, 1.5);
		for (size_t i = 0; i < c.n; i++) {
			double x = x0 + c.x[i] / xr * pw, y = y0 + ph - c.ms[i] / c.ymax * ph;
			if (i)
				cairo_line_to(p->cr, x, y);
			else
				cairo_move_to(p->cr, x, y);
		}
		cairo_stroke(p->cr);
		pdf_rgb(p, 0x000000);
	}
	for (double v = 0; v <= c.ymax + c.ystep / 2; v += c.ystep) {
		char lab[32];
		snprintf(lab, sizeof(lab), "%g ms", v);
		pdf_text_at(p, F_SMALL, lab, MARGIN_X, y0 + ph - v / c.ymax * ph - 6, 50,
		            PANGO_ALIGN_RIGHT);
	}
	for (int k = 0; k <= (int)xr; k++) {
		char lab[16];
		detail_pct_label(lab, sizeof(lab), k);
		pdf_text_at(p, F_SMALL, lab, x0 + k / xr * pw - 30, y0 + ph + 2, 60,
		            PANGO_ALIGN_CENTER);
	}
	p->y = y0 + ph + th + 10;
}

/* An app run's summary: manifest, signature and certificate, or protections. */
static void app_summary(struct pdf *p, const struct facts *f)
{
	const struct summary_row *rows[48];
	size_t n = detail_app_summary(f, rows, 48);
	if (!n)
		return;
	const char *(*kv)[2] = xcalloc(n, sizeof(*kv));
	for (size_t i = 0; i < n; i++) {
		kv[i][0] = rt_l(&p->t, rows[i]->en, rows[i]->zh);
		kv[i][1] = rt_fact(&p->t, facts_get(f, rows[i]->key));
	}
	kv_table(p, (const char *const (*)[2])kv, n);
	free(kv);
}

/* A TLS run's protocols and the suites each accepts. */
static void protocol_table(struct pdf *p, const struct facts *f)
{
	struct proto_row rows[16];
	size_t n = detail_protocols(f, rows, 16);
	if (!n)
		return;
	const struct col cols[] = {{70, rt_l(&p->t, "Protocol", "协议")},
	                           {50, rt_l(&p->t, "Offered", "支持")},
	                           {CONTENT_W - 120, rt_l(&p->t, "Accepted suites", "接受的密码套件")}};
	pdf_table_begin(p, cols, 3, NULL);
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t k = 0; rows[i].suites && k < rows[i].suites->nitems; k++)
			sb_printf(&sb, "%s%s", k ? "\n" : "", rows[i].suites->items[k]);
		const char *cells[3] = {rt_c(&p->t, rows[i].name),
		                        rows[i].offered ? rt_l(&p->t, "yes", "是")
		                                        : rt_l(&p->t, "no", "否"),
		                        rt_c(&p->t, sb.buf ? sb.buf : "")};
		pdf_table_row(p, cells);
		sb_free(&sb);
	}
	pdf_table_end(p);
}

static void write_probes(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_PROBES);
	const struct col cols[] = {{200, rt_l(&p->t, "Fact", "事实")},
	                           {CONTENT_W - 200, rt_l(&p->t, "Value", "值")}};
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *run = &r->runs[i];
		char *title =
		    xasprintf("%s · %s", rt_c(&p->t, run->target), rt_c(&p->t, run->probe));
		pdf_heading(p, F_H3, title, 50);
		free(title);
		char *st = xasprintf("%s: %s · %.1f ms", rt_l(&p->t, "Status", "状态"),
		                     rt_c(&p->t, run->status), run->duration_ms);
		pdf_para(p, F_BODY, st, 0);
		free(st);
		for (size_t k = 0; k < run->facts.nerrors; k++)
			pdf_para(p, F_BODY, rt_c(&p->t, run->facts.errors[k]), 10);
		pdf_gap(p, 4);
		if (strcmp(run->probe, "load") == 0)
			latency_chart(p, &run->facts);
		if (strcmp(run->probe, "tls") == 0)
			protocol_table(p, &run->facts);
		if (strcmp(run->probe, "app") == 0)
			app_summary(p, &run->facts);
		if (run->facts.nfacts) {
			pdf_table_begin(p, cols, 2, NULL);
			for (size_t k = 0; k < run->facts.nfacts; k++) {
				bool hist = strcmp(run->facts.facts[k].key, "load.histogram") == 0;
				const char *cells[2] = {
				    rt_c(&p->t, run->facts.facts[k].key),
				    hist ? rt_l(&p->t, "serialised latency histogram, drawn above",
				                "序列化的延迟直方图，见上图")
				         : rt_fact(&p->t, &run->facts.facts[k].v)};
				pdf_table_row(p, cells);
			}
			pdf_table_end(p);
		}
	}
}

static void write_appendix(struct pdf *p)
{
	const struct results *r = p->r;
	section(p, SEC_APPENDIX);
	const char *const kv[][2] = {
	    {rt_l(&p->t, "Assessment", "评估"), rt_c(&p->t, r->plan_name)},
	    {rt_l(&p->t, "Plan file", "计划文件"), rt_c(&p->t, r->plan_file)},
	    {rt_l(&p->t, "Plan SHA-256", "计划 SHA-256"), rt_c(&p->t, r->plan_sha256)},
	    {rt_l(&p->t, "Tool version", "工具版本"), rt_c(&p->t, r->tool_version)},
	    {rt_l(&p->t, "Started", "开始时间"), rt_time(&p->t, r->started)},
	    {rt_l(&p->t, "Finished", "结束时间"), rt_time(&p->t, r->finished)},
	    {rt_l(&p->t, "Fail threshold", "失败阈值"), rt_severity(&p->t, r->fail_on)},
	    {rt_l(&p->t, "Probe runs", "探测运行次数"), rt_keep(&p->t, xasprintf("%zu", r->nruns))},
	    {rt_l(&p->t, "Verdicts", "结论数"), rt_keep(&p->t, xasprintf("%zu", r->nrows))},
	};
	kv_table(p, kv, sizeof(kv) / sizeof(kv[0]));
	if (!r->nrulesets)
		return;
	const struct col cols[] = {
	    {70, rt_l(&p->t, "Rule set", "规则集")},        {170, rt_l(&p->t, "Title", "名称")},
	    {45, rt_l(&p->t, "Version", "版本")},           {40, rt_l(&p->t, "Rules", "规则数")},
	    {CONTENT_W - 325, rt_l(&p->t, "File", "文件")},
	};
	pdf_table_begin(p, cols, 5, NULL);
	for (size_t i = 0; i < r->nrulesets; i++) {
		const struct ruleset_info *ri = &r->rulesets[i];
		const char *cells[5] = {
		    rt_c(&p->t, ri->id), rt_title(&p->t, ri->title_en, ri->title_zh),
		    rt_c(&p->t, ri->version), rt_keep(&p->t, xasprintf("%zu", ri->nrules)),
		    rt_c(&p->t, ri->file)};
		pdf_table_row(p, cells);
	}
	pdf_table_end(p);
}

static void write_document(struct pdf *p)
{
	p->page = 0;
	write_cover(p);
	write_toc(p);
	write_summary(p);
	write_clauses(p);
	write_findings(p);
	write_manual(p);
	write_waivers(p);
	write_probes(p);
	write_appendix(p);
	if (p->draw)
		cairo_show_page(p->cr);
}

/* ---- passes ---- */

/* "YYYY-MM-DDTHH:MM:SS" + optional fraction + "Z", as cairo wants it. */
static void pdf_date(char out[21], const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	strcpy(out, "1970-01-01T00:00:00Z");
	if (!s || strlen(s) < sizeof(shape) - 1)
		return;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return;
	memcpy(out, s, 19);
}

static int pass(struct pdf *p, struct sink *sink, const struct render_opts *o)
{
	p->surf = cairo_pdf_surface_create_for_stream(sink_write, sink, PAGE_W, PAGE_H);
	if (cairo_surface_status(p->surf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(p->surf);
		return err_set("pdf: cannot create the PDF surface");
	}
	if (p->draw) {
		char date[21];
		pdf_date(date, p->r->started);
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_MOD_DATE, date);
		char *title = rt_clean(p->r->plan_name ? p->r->plan_name : "assay report");
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_TITLE, title);
		free(title);
		char *creator = rt_clean(p->r->tool_version ? p->r->tool_version : "");
		char *c2 = xasprintf("assay %s", creator);
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_CREATOR, c2);
		free(c2);
		free(creator);
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_SUBJECT,
		                               "Compliance assessment report / 合规评估报告");
	}
	p->cr = cairo_create(p->surf);
	/* Both passes are PDF surfaces: the same font options, so the cells
	 * laid out in pass 1 are drawn as they are in pass 2. */
	pango_cairo_update_context(p->cr, p->ctx);
	p->lay = pango_layout_new(p->ctx);
	rt_init(&p->t, o ? o->lang : NULL);
	write_document(p);
	rt_free(&p->t);
	if (p->hdr_left) {
		g_object_unref(p->hdr_left);
		g_object_unref(p->hdr_right);
		p->hdr_left = p->hdr_right = NULL;
	}
	g_object_unref(p->lay);
	cairo_destroy(p->cr);
	cairo_surface_finish(p->surf);
	cairo_status_t st = cairo_surface_status(p->surf);
	cairo_surface_destroy(p->surf);
	if (sink->failed)
		return err_set("pdf: cannot write the output");
	if (st != CAIRO_STATUS_SUCCESS)
		return err_set("pdf: cairo: %s", cairo_status_to_string(st));
	return 0;
}

/*
 * One PDF at a time in a process: the end of a render empties cairo's and
 * fontconfig's process-wide caches (below), which another PDF render
 * would still be using. Other formats may render meanwhile.
 */
static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

static int pdf_render_locked(const struct results *r, const struct render_opts *o, FILE *out);

static int pdf_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	pthread_mutex_lock(&pdf_lock);
	int rc = pdf_render_locked(r, o, out);
	pthread_mutex_unlock(&pdf_lock);
	return rc;
}

static int pdf_render_locked(const struct results *r, const struct render_opts *o, FILE *out)
{
	struct pdf p = {.r = r};
	for (int i = 0; i < F__COUNT; i++)
		p.fn[i] = pango_font_description_from_string(font_desc[i]);
	/*
	 * A font map of our own, not pango's per-thread default: freed at the
	 * end, it takes its font and shaping caches with it, so a render
	 * leaves nothing behind (make valgrind), and renders never share state.
	 * It and the cell cache outlive pass 1, so pass 2 shapes nothing again.
	 */
	p.fontmap = pango_cairo_font_map_new();
	p.ctx = pango_font_map_create_context(p.fontmap);
	p.lc.e = xcalloc(LC_SLOTS, sizeof(*p.lc.e));
	/* Pass 1 measures: page count and section pages; pass 2 draws with them. */
	struct sink none = {0}, real = {.out = out};
	int rc = pass(&p, &none, o);
	if (rc == 0) {
		p.total = p.page;
		p.draw = true;
		rc = pass(&p, &real, o);
	}
	if (rc == 0 && fflush(out) != 0)
		rc = err_set("pdf: cannot write the output");
	pdf_lc_clear(&p.lc);
	free(p.lc.e);
	g_object_unref(p.ctx);
	g_object_unref(p.fontmap);
	for (int i = 0; i < F__COUNT; i++)
		pango_font_description_free(p.fn[i]);
	/*
	 * cairo keeps its FreeType font faces, and fontconfig its patterns,
	 * in process-wide caches that memcheck reports as lost (make valgrind
	 * fails on them). Nothing of cairo or fontconfig is alive here, no
	 * other renderer uses them and PDF renders take pdf_lock, so empty
	 * both; the next render loads them again (a few ms).
	 */
	cairo_debug_reset_static_data();
	FcFini();
	return rc;
}

const struct renderer renderer_pdf = {
    .name = "pdf",
    .ext = "report.pdf",
    .summary = "a typeset PDF report in Chinese and English (cairo + pango)",
    .render = pdf_render,
};
