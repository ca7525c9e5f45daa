/*
 * HTML renderer: one self-contained file an auditor opens offline or
 * prints. Nothing is loaded from outside: inline CSS, inline SVG, no
 * script, no web fonts, and a Content-Security-Policy meta tag
 * (default-src 'none') that makes a browser refuse any outside load even
 * if a string in the results tried to cause one. Every string from the
 * model passes through rt_clean() (card numbers masked, valid UTF-8) and
 * is HTML-escaped. Notes: /work/shared/notes/load_reports.md C.3.
 *
 * Sections, in order (ids for links): cover (#cover), contents, executive
 * summary with a stacked-bar SVG chart (#summary), clause-by-clause table
 * (#clauses), findings (#findings), manual clauses and attestations
 * (#manual), waivers (#waivers), per-probe detail: one facts table per
 * (target, probe) run (#probes), appendix: plan and run metadata
 * (#appendix). --lang picks zh, en or both for every label and title.
 *
 * Tables are real <table>s with <caption> and <th scope>; verdicts are
 * text plus colour, never colour alone; deciding facts sit in <details>,
 * which the print stylesheet expands.
 */
#include "reports/detail.h"
#include "reports/report.h"
#include "reports/text.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

struct hw {
	struct strbuf sb;
	struct rt t;
	const struct results *r;
};

static void esc(struct strbuf *sb, const char *s)
{
	char *c = rt_clean(s ? s : "");
	for (const char *p = c; *p; p++) {
		switch (*p) {
		case '&':
			sb_adds(sb, "&amp;");
			break;
		case '<':
			sb_adds(sb, "&lt;");
			break;
		case '>':
			sb_adds(sb, "&gt;");
			break;
		case '"':
			sb_adds(sb, "&quot;");
			break;
		case '\'':
			sb_adds(sb, "&#39;");
			break;
		default:
			sb_addc(sb, *p);
		}
	}
	free(c);
}

static void put(struct hw *h, const char *s)
{
	sb_adds(&h->sb, s);
}

static void putf(struct hw *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct hw *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(&h->sb, s);
	free(s);
}

/* <tag>escaped text</tag> */
static void el(struct hw *h, const char *tag, const char *text)
{
	putf(h, "<%s>", tag);
	esc(&h->sb, text);
	const char *sp = strchr(tag, ' ');
	putf(h, "</%.*s>", sp ? (int)(sp - tag) : (int)strlen(tag), tag);
}

static const char *L(struct hw *h, const char *en, const char *zh)
{
	return rt_l(&h->t, en, zh);
}

static bool has(const char *s)
{
	return s && *s;
}

static const char *const verdict_class[VERDICT__COUNT] = {"pass",  "fail",   "na",
                                                          "error", "manual", "waived"};

static void badge(struct hw *h, enum verdict v)
{
	putf(h, "<span class=\"v v-%s\">",
	     (unsigned)v < VERDICT__COUNT ? verdict_class[v] : "error");
	esc(&h->sb, rt_verdict(&h->t, v));
	put(h, "</span>");
}

static const char css[] =
    ":root{--fg:#1b1f24;--mut:#57606a;--line:#d0d7de;--bg2:#f6f8fa}"
    "body{font:14px/1.5 system-ui,-apple-system,\"Segoe UI\",\"Noto Sans CJK SC\","
    "\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",sans-serif;color:var(--fg);margin:0 auto;"
    "max-width:1200px;padding:24px}"
    "h1{font-size:26px;margin:0 0 8px}h2{border-bottom:2px solid var(--line);padding-bottom:4px;"
    "margin-top:40px}h3{margin-top:24px}"
    "table{border-collapse:collapse;width:100%;margin:8px 0 16px}"
    "caption{text-align:left;font-weight:600;padding:4px 0;color:var(--mut)}"
    "th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "thead th{background:var(--bg2)}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:12px}"
    "pre{white-space:pre-wrap;margin:0}"
    ".v{display:inline-block;padding:0 6px;border-radius:4px;font-weight:600;white-space:nowrap;"
    "border:1px solid}"
    ".v-pass{color:#116329;background:#dafbe1}.v-fail{color:#a40e26;background:#ffebe9}"
    ".v-na{color:#57606a;background:#f6f8fa}.v-error{color:#7d4e00;background:#fff8c5}"
    ".v-manual{color:#0550ae;background:#ddf4ff}.v-waived{color:#6639ba;background:#fbefff}"
    ".cover{border:1px solid var(--line);padding:24px;border-radius:8px}"
    ".overall{font-size:18px;font-weight:700;margin:12px 0}"
    "nav ol{columns:2}"
    ".tag{font-size:11px;color:var(--mut);border:1px solid var(--line);border-radius:3px;"
    "padding:0 3px;margin-left:4px}"
    "details summary{cursor:pointer;color:var(--mut)}"
    "svg text{font-size:12px;fill:var(--fg)}"
    ".muted{color:var(--mut)}"
    "@page{size:A4;margin:18mm 15mm}"
    "@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
    "details{display:block}details>*{display:block}details summary{display:none}"
    "thead{display:table-header-group}tr,.cover{break-inside:avoid}"
    "h2{break-before:page}h2#h-cover{break-before:auto}"
    ".v{print-color-adjust:exact;-webkit-print-color-adjust:exact}"
    "a{color:inherit;text-decoration:none}}";

/* ---- sections ---- */

static void section(struct hw *h, const char *id, const char *en, const char *zh)
{
	putf(h, "<section id=\"%s\"><h2 id=\"h-%s\">", id, id);
	esc(&h->sb, L(h, en, zh));
	put(h, "</h2>\n");
}

static void th(struct hw *h, const char *en, const char *zh)
{
	put(h, "<th scope=\"col\">");
	esc(&h->sb, L(h, en, zh));
	put(h, "</th>");
}

/* <table class><caption>…</caption><thead> with the heads </thead><tbody> */
static void table_open(struct hw *h, const char *cls, const char *cap_en, const char *cap_zh,
                       const char *const (*heads)[2], size_t n)
{
	put(h, "<table");
	if (cls)
		putf(h, " class=\"%s\"", cls);
	put(h, ">");
	if (cap_en) {
		put(h, "<caption>");
		esc(&h->sb, L(h, cap_en, cap_zh));
		put(h, "</caption>");
	}
	put(h, "<thead><tr>");
	for (size_t i = 0; i < n; i++)
		th(h, heads[i][0], heads[i][1]);
	put(h, "</tr></thead><tbody>\n");
}

static void td(struct hw *h, const char *text)
{
	el(h, "td", text);
}

static void kv(struct hw *h, const char *en, const char *zh, const char *value)
{
	put(h, "<tr><th scope=\"row\">");
	esc(&h->sb, L(h, en, zh));
	put(h, "</th>");
	td(h, value);
	put(h, "</tr>\n");
}

static const char *targets_line(struct hw *h)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < h->r->ntargets; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", h->r->targets[i] ? h->r->targets[i] : "-");
	char *s = sb_detach(&sb);
	const char *c = rt_c(&h->t, s);
	free(s);
	return c;
}

static void write_cover(struct hw *h)
{
	const struct results *r = h->r;
	put(h, "<header class=\"cover\" id=\"cover\">\n<p class=\"muted\">");
	esc(&h->sb, L(h, "Compliance assessment report", "合规评估报告"));
	put(h, "</p>\n");
	el(h, "h1", rt_c(&h->t, r->plan_name));
	put(h, "<p class=\"overall\">");
	esc(&h->sb, rt_overall(&h->t, r));
	put(h, "</p>\n<table>\n");
	kv(h, "Scope (targets)", "范围（目标）", targets_line(h));
	kv(h, "Started", "开始时间", rt_time(&h->t, r->started));
	kv(h, "Finished", "结束时间", rt_time(&h->t, r->finished));
	kv(h, "Fail threshold", "失败阈值", rt_severity(&h->t, r->fail_on));
	kv(h, "Tool", "工具", rt_keep(&h->t, xasprintf("assay %s", rt_c(&h->t, r->tool_version))));
	kv(h, "Plan", "计划", rt_c(&h->t, r->plan_file));
	put(h, "</table>\n</header>\n");
}

static void write_nav(struct hw *h)
{
	static const struct {
		const char *id, *en, *zh;
	} s[] = {
	    {"summary", "Executive summary", "摘要"},
	    {"clauses", "Clause-by-clause results", "逐条款结果"},
	    {"findings", "Findings", "发现项"},
	    {"manual", "Manual clauses and attestations", "人工核查条款与证明"},
	    {"waivers", "Waivers", "豁免"},
	    {"probes", "Per-probe detail", "探测详情"},
	    {"appendix", "Appendix: plan and run metadata", "附录：计划与运行信息"},
	};
	put(h, "<nav aria-label=\"contents\"><h2 id=\"h-contents\">");
	esc(&h->sb, L(h, "Contents", "目录"));
	put(h, "</h2><ol>");
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		putf(h, "<li><a href=\"#%s\">", s[i].id);
		esc(&h->sb, L(h, s[i].en, s[i].zh));
		put(h, "</a></li>");
	}
	put(h, "</ol></nav>\n");
}

static const char *const verdict_color[VERDICT__COUNT] = {"#2da44e", "#cf222e", "#8c959f",
                                                          "#bf8700", "#0969da", "#8250df"};

static void write_chart(struct hw *h, const char **ids, size_t n, size_t (*c)[VERDICT__COUNT])
{
	const int left = 160, width = 520, bar = 22, gap = 10;
	int height = (int)n * (bar + gap) + 40;
	putf(h,
	     "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" height=\"%d\" "
	     "viewBox=\"0 0 %d %d\" aria-labelledby=\"chart-t\">",
	     left + width + 20, height, left + width + 20, height);
	put(h, "<title id=\"chart-t\">");
	esc(&h->sb, L(h, "Verdicts per rule set", "各规则集结论分布"));
	put(h, "</title><desc>");
	esc(&h->sb, L(h, "Stacked bars; the table below holds the same numbers.",
	              "堆叠条形图；下表给出相同数据。"));
	put(h, "</desc>");
	for (size_t i = 0; i < n; i++) {
		size_t total = 0;
		for (int v = 0; v < VERDICT__COUNT; v++)
			total += c[i][v];
		int y = (int)i * (bar + gap) + 4;
		putf(h, "<text x=\"0\" y=\"%d\">", y + bar - 6);
		esc(&h->sb, ids[i]);
		put(h, "</text>");
		double x = left;
		for (int v = 0; v < VERDICT__COUNT && total; v++) {
			if (!c[i][v])
				continue;
			double w = (double)width * (double)c[i][v] / (double)total;
			putf(h,
			     "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
			     "<title>%s: %zu</title></rect>",
			     x, y, w, bar, verdict_color[v], verdict_name((enum verdict)v),
			     c[i][v]);
			x += w;
		}
	}
	/* Legend: text names each colour, so colour is never the only cue. */
	int ly = (int)n * (bar + gap) + 20;
	for (int v = 0; v < VERDICT__COUNT; v++) {
		int lx = v * 115;
		putf(h, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>", lx, ly,
		     verdict_color[v]);
		putf(h, "<text x=\"%d\" y=\"%d\">", lx + 14, ly + 10);
		esc(&h->sb, rt_verdict(&h->t, (enum verdict)v));
		put(h, "</text>");
	}
	put(h, "</svg>\n");
}

static void write_summary(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "summary", "Executive summary", "摘要");
	struct summary s;
	results_summarize(r, r->fail_on, &s);
	put(h, "<p class=\"overall\">");
	esc(&h->sb, rt_overall(&h->t, r));
	put(h, "</p>\n");

	struct rt_sets sets;
	rt_sets_count(&sets, r);
	const char **ids = sets.ids;
	size_t n = sets.n;
	size_t(*c)[VERDICT__COUNT] = sets.count;
	write_chart(h, ids, n, c);

	put(h, "<table class=\"counts\"><caption>");
	esc(&h->sb, L(h, "Verdicts per rule set", "各规则集结论"));
	put(h, "</caption><thead><tr>");
	th(h, "Rule set", "规则集");
	for (int v = 0; v < VERDICT__COUNT; v++) {
		put(h, "<th scope=\"col\">");
		esc(&h->sb, rt_verdict(&h->t, (enum verdict)v));
		put(h, "</th>");
	}
	th(h, "Total", "合计");
	put(h, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const char *title = NULL;
		for (size_t k = 0; k < r->nrulesets; k++)
			if (r->rulesets[k].id && strcmp(r->rulesets[k].id, ids[i]) == 0)
				title = rt_title(&h->t, r->rulesets[k].title_en,
				                 r->rulesets[k].title_zh);
		put(h, "<tr><th scope=\"row\">");
		esc(&h->sb, ids[i]);
		if (title) {
			put(h, " <span class=\"muted\">");
			esc(&h->sb, title);
			put(h, "</span>");
		}
		put(h, "</th>");
		size_t total = 0;
		for (int v = 0; v < VERDICT__COUNT; v++) {
			putf(h, "<td class=\"n\">%zu</td>", c[i][v]);
			total += c[i][v];
		}
		putf(h, "<td class=\"n\">%zu</td></tr>\n", total);
	}
	put(h, "</tbody></table>\n");
	rt_sets_free(&sets);

	put(h, "<table class=\"counts\"><caption>");
	esc(&h->sb, L(h, "Verdicts per severity", "按严重程度统计"));
	put(h, "</caption><thead><tr>");
	th(h, "Severity", "严重程度");
	for (int v = 0; v < VERDICT__COUNT; v++) {
		put(h, "<th scope=\"col\">");
		esc(&h->sb, rt_verdict(&h->t, (enum verdict)v));
		put(h, "</th>");
	}
	put(h, "</tr></thead><tbody>\n");
	for (int sv = SEV__COUNT - 1; sv >= 0; sv--) {
		put(h, "<tr><th scope=\"row\">");
		esc(&h->sb, rt_severity(&h->t, (enum severity)sv));
		put(h, "</th>");
		for (int v = 0; v < VERDICT__COUNT; v++)
			putf(h, "<td class=\"n\">%zu</td>", s.by_severity[sv][v]);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n</section>\n");
}

static void facts_details(struct hw *h, const struct verdict_row *w)
{
	if (!w->nfacts)
		return;
	put(h, "<details><summary>");
	esc(&h->sb, L(h, "deciding facts", "判定依据"));
	putf(h, " (%zu)</summary><pre>", w->nfacts);
	for (size_t i = 0; i < w->nfacts; i++) {
		esc(&h->sb, rt_c(&h->t, w->facts[i].key));
		put(h, " = ");
		esc(&h->sb, rt_fact(&h->t, &w->facts[i].v));
		put(h, "\n");
	}
	put(h, "</pre></details>");
}

static void write_clauses(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "clauses", "Clause-by-clause results", "逐条款结果");
	static const char *const heads[][2] = {
	    {"Rule", "规则"},    {"Clause", "条款"},
	    {"Target", "目标"},  {"Severity", "严重程度"},
	    {"Verdict", "结论"}, {"Reason and deciding facts", "原因与判定依据"},
	};
	table_open(h, "clauses", "Every rule on every target", "每条规则在每个目标上的结论", heads,
	           sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		put(h, "<tr><td><code>");
		esc(&h->sb, rt_c(&h->t, w->rule));
		put(h, "</code><br>");
		esc(&h->sb, rt_title(&h->t, w->title_en, w->title_zh));
		put(h, "</td><td>");
		esc(&h->sb, rt_c(&h->t, w->ruleset));
		put(h, " ");
		esc(&h->sb, rt_c(&h->t, w->clause));
		if (has(w->confidence)) {
			put(h, "<span class=\"tag\">");
			esc(&h->sb, w->confidence);
			put(h, "</span>");
		}
		put(h, "</td>");
		td(h, rt_c(&h->t, w->target));
		td(h, rt_severity(&h->t, w->severity));
		put(h, "<td>");
		badge(h, w->verdict);
		put(h, "</td><td>");
		if (has(w->reason))
			esc(&h->sb, w->reason);
		if (has(w->check)) {
			put(h, "<br><code>");
			esc(&h->sb, w->check);
			put(h, "</code>");
		}
		facts_details(h, w);
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody></table>\n</section>\n");
}

static void write_findings(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "findings", "Findings", "发现项");
	size_t total = 0;
	for (size_t i = 0; i < r->nruns; i++)
		total += r->runs[i].facts.nfindings;
	if (!total) {
		el(h, "p", L(h, "No findings.", "无发现项。"));
		put(h, "</section>\n");
		return;
	}
	static const char *const heads[][2] = {
	    {"Target", "目标"},       {"Probe", "探测"},    {"Kind", "类型"},
	    {"Severity", "严重程度"}, {"Location", "位置"}, {"Message and evidence", "描述与证据"},
	};
	table_open(h, "findings", "Located observations, evidence masked",
	           "带位置的发现项（证据已脱敏）", heads, sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *run = &r->runs[i];
		for (size_t k = 0; k < run->facts.nfindings; k++) {
			const struct finding *fd = &run->facts.findings[k];
			put(h, "<tr>");
			td(h, rt_c(&h->t, run->target));
			td(h, rt_c(&h->t, run->probe));
			td(h, rt_c(&h->t, fd->kind));
			td(h, rt_c(&h->t, fd->severity));
			put(h, "<td><code>");
			esc(&h->sb, rt_loc(&h->t, &fd->loc));
			put(h, "</code></td><td>");
			esc(&h->sb, rt_c(&h->t, fd->message));
			if (has(fd->excerpt)) {
				put(h, "<pre>");
				esc(&h->sb, fd->excerpt);
				put(h, "</pre>");
			}
			put(h, "</td></tr>\n");
		}
	}
	put(h, "</tbody></table>\n</section>\n");
}

static void write_manual(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "manual", "Manual clauses and attestations", "人工核查条款与证明");
	size_t n = 0;
	for (size_t i = 0; i < r->nrows; i++)
		n += r->rows[i].manual;
	if (!n) {
		el(h, "p", L(h, "No manual clauses.", "无人工核查条款。"));
		put(h, "</section>\n");
		return;
	}
	static const char *const heads[][2] = {
	    {"Rule", "规则"},          {"Target", "目标"}, {"Verdict", "结论"},
	    {"Attested by", "证明人"}, {"Date", "日期"},   {"Evidence", "证据"},
	};
	table_open(h, NULL, NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (!w->manual)
			continue;
		put(h, "<tr><td><code>");
		esc(&h->sb, rt_c(&h->t, w->rule));
		put(h, "</code><br>");
		esc(&h->sb, rt_title(&h->t, w->title_en, w->title_zh));
		put(h, "</td>");
		td(h, rt_c(&h->t, w->target));
		put(h, "<td>");
		badge(h, w->verdict);
		put(h, "</td>");
		if (w->attest) {
			td(h, rt_c(&h->t, w->attest->by));
			td(h, rt_c(&h->t, w->attest->date));
			td(h, rt_c(&h->t, w->attest->evidence));
		} else {
			put(h, "<td colspan=\"3\">");
			esc(&h->sb, L(h, "not attested: evidence needed", "未证明：需要证据"));
			put(h, "</td>");
		}
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n</section>\n");
}

static void write_waivers(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "waivers", "Waivers", "豁免");
	if (!r->nwaivers) {
		el(h, "p", L(h, "No waivers.", "无豁免。"));
		put(h, "</section>\n");
		return;
	}
	static const char *const heads[][2] = {
	    {"Rule", "规则"},      {"Target", "目标"}, {"By", "批准人"},
	    {"Until", "有效期至"}, {"Status", "状态"}, {"Reason", "理由"},
	};
	table_open(h, NULL, NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < r->nwaivers; i++) {
		const struct waiver *wv = &r->waivers[i];
		put(h, "<tr>");
		td(h, rt_c(&h->t, wv->rule));
		td(h, has(wv->target) ? rt_c(&h->t, wv->target) : L(h, "all targets", "全部目标"));
		td(h, rt_c(&h->t, wv->by));
		td(h, rt_c(&h->t, wv->until));
		td(h, wv->active ? L(h, "active", "有效")
		                 : L(h, "expired (not applied)", "已过期（未生效）"));
		td(h, rt_c(&h->t, wv->reason));
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n</section>\n");
}

/* A load run's latency by percentile, as SVG drawn from its histogram. */
static void write_latency(struct hw *h, const struct facts *f)
{
	struct curve c;
	if (detail_curve(&c, f) < 0)
		return;
	const int W = 640, H = 280, X0 = 64, XR = 16, T = 16, B = 40;
	const double pw = W - X0 - XR, ph = H - T - B, xr = ceil(c.xmax);
	putf(h,
	     "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"latency\" "
	     "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>",
	     W, H, W, H);
	esc(&h->sb, L(h, "Latency by percentile", "按百分位的延迟"));
	putf(h, "</title><desc>");
	putf(h, "%llu ", (unsigned long long)c.total);
	esc(&h->sb, L(h, "responses; the facts table below holds the percentiles as numbers.",
	              "个响应；下方事实表给出各百分位数值。"));
	put(h, "</desc>");
	put(h, "<g stroke=\"#d0d7de\" stroke-width=\"1\">");
	for (double v = 0; v <= c.ymax + c.ystep / 2; v += c.ystep) {
		double y = T + ph - v / c.ymax * ph;
		putf(h, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", X0, y, W - XR, y);
	}
	for (int k = 0; k <= (int)xr; k++) {
		double x = X0 + k / xr * pw;
		putf(h, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", x, T, x, H - B);
	}
	put(h, "</g>");
	for (double v = 0; v <= c.ymax + c.ystep / 2; v += c.ystep)
		putf(h, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g ms</text>", X0 - 6,
		     T + ph - v / c.ymax * ph + 4, v);
	for (int k = 0; k <= (int)xr; k++) {
		char lab[16];
		detail_pct_label(lab, sizeof(lab), k);
		putf(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
		     X0 + k / xr * pw, H - B + 16, lab);
	}
	putf(h, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", X0 + pw / 2, H - 4);
	esc(&h->sb, L(h, "percentile", "百分位"));
	put(h, "</text><polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"");
	for (size_t i = 0; i < c.n; i++)
		putf(h, "%s%.1f,%.1f", i ? " " : "", X0 + c.x[i] / xr * pw,
		     T + ph - c.ms[i] / c.ymax * ph);
	put(h, "\"/></svg>\n");
}

/* An app run's summary: manifest, signature and certificate, or protections. */
static void write_app_summary(struct hw *h, const struct facts *f)
{
	const struct summary_row *rows[48];
	size_t n = detail_app_summary(f, rows, 48);
	if (!n)
		return;
	static const char *const heads[][2] = {
	    {"Summary", "摘要"},
	    {"Value", "值"},
	};
	table_open(h, "app-summary", NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < n; i++) {
		put(h, "<tr>");
		td(h, L(h, rows[i]->en, rows[i]->zh));
		td(h, rt_fact(&h->t, facts_get(f, rows[i]->key)));
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table>\n");
}

/* A TLS run's protocols and the suites each accepts. */
static void write_protocols(struct hw *h, const struct facts *f)
{
	struct proto_row rows[16];
	size_t n = detail_protocols(f, rows, 16);
	if (!n)
		return;
	static const char *const heads[][2] = {
	    {"Protocol", "协议"},
	    {"Offered", "支持"},
	    {"Accepted suites", "接受的密码套件"},
	};
	table_open(h, "protocols", NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
	for (size_t i = 0; i < n; i++) {
		put(h, "<tr><td><code>");
		esc(&h->sb, rt_c(&h->t, rows[i].name));
		put(h, "</code></td>");
		td(h, rows[i].offered ? L(h, "yes", "是") : L(h, "no", "否"));
		put(h, "<td>");
		for (size_t k = 0; rows[i].suites && k < rows[i].suites->nitems; k++) {
			put(h, k ? "<br><code>" : "<code>");
			esc(&h->sb, rt_c(&h->t, rows[i].suites->items[k]));
			put(h, "</code>");
		}
		put(h, "</td></tr>\n");
	}
	put(h, "</tbody></table>\n");
}

static void write_probes(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "probes", "Per-probe detail", "探测详情");
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *run = &r->runs[i];
		put(h, "<h3>");
		esc(&h->sb, rt_c(&h->t, run->target));
		put(h, " · ");
		esc(&h->sb, rt_c(&h->t, run->probe));
		put(h, "</h3>\n<p>");
		esc(&h->sb, L(h, "Status", "状态"));
		put(h, ": <b>");
		esc(&h->sb, rt_c(&h->t, run->status));
		putf(h, "</b> · %.1f ms</p>\n", run->duration_ms);
		for (size_t k = 0; k < run->facts.nerrors; k++) {
			put(h, "<p class=\"v v-error\">");
			esc(&h->sb, run->facts.errors[k]);
			put(h, "</p>\n");
		}
		if (!run->facts.nfacts)
			continue;
		if (strcmp(run->probe, "load") == 0)
			write_latency(h, &run->facts);
		if (strcmp(run->probe, "tls") == 0)
			write_protocols(h, &run->facts);
		if (strcmp(run->probe, "app") == 0)
			write_app_summary(h, &run->facts);
		static const char *const heads[][2] = {
		    {"Fact", "事实"},
		    {"Value", "值"},
		};
		table_open(h, "facts", NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
		for (size_t k = 0; k < run->facts.nfacts; k++) {
			put(h, "<tr><td><code>");
			esc(&h->sb, rt_c(&h->t, run->facts.facts[k].key));
			put(h, "</code></td>");
			/* machine data: drawn above; results.json keeps it */
			td(h, strcmp(run->facts.facts[k].key, "load.histogram") == 0
			          ? L(h, "serialised latency histogram, drawn above",
			              "序列化的延迟直方图，见上图")
			          : rt_fact(&h->t, &run->facts.facts[k].v));
			put(h, "</tr>\n");
		}
		put(h, "</tbody></table>\n");
	}
	put(h, "</section>\n");
}

static void write_appendix(struct hw *h)
{
	const struct results *r = h->r;
	section(h, "appendix", "Appendix: plan and run metadata", "附录：计划与运行信息");
	put(h, "<table>\n");
	kv(h, "Assessment", "评估", rt_c(&h->t, r->plan_name));
	kv(h, "Plan file", "计划文件", rt_c(&h->t, r->plan_file));
	kv(h, "Plan SHA-256", "计划 SHA-256", rt_c(&h->t, r->plan_sha256));
	kv(h, "Tool version", "工具版本", rt_c(&h->t, r->tool_version));
	kv(h, "Started", "开始时间", rt_time(&h->t, r->started));
	kv(h, "Finished", "结束时间", rt_time(&h->t, r->finished));
	kv(h, "Fail threshold", "失败阈值", rt_severity(&h->t, r->fail_on));
	kv(h, "Probe runs", "探测运行次数", rt_keep(&h->t, xasprintf("%zu", r->nruns)));
	kv(h, "Verdicts", "结论数", rt_keep(&h->t, xasprintf("%zu", r->nrows)));
	put(h, "</table>\n");
	if (r->nrulesets) {
		static const char *const heads[][2] = {
		    {"Rule set", "规则集"}, {"Title", "名称"}, {"Version", "版本"},
		    {"Rules", "规则数"},    {"File", "文件"},
		};
		table_open(h, NULL, NULL, NULL, heads, sizeof(heads) / sizeof(heads[0]));
		for (size_t i = 0; i < r->nrulesets; i++) {
			const struct ruleset_info *ri = &r->rulesets[i];
			put(h, "<tr>");
			td(h, rt_c(&h->t, ri->id));
			td(h, rt_title(&h->t, ri->title_en, ri->title_zh));
			td(h, rt_c(&h->t, ri->version));
			putf(h, "<td class=\"n\">%zu</td>", ri->nrules);
			td(h, rt_c(&h->t, ri->file));
			put(h, "</tr>\n");
		}
		put(h, "</tbody></table>\n");
	}
	put(h, "</section>\n");
}

static int html_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	struct hw h = {.sb = STRBUF_INIT, .r = r};
	rt_init(&h.t, o ? o->lang : NULL);
	const char *lang = h.t.en && h.t.zh ? "zh-CN" : h.t.en ? "en" : "zh-CN";
	putf(&h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", lang);
	/* No outside load of any kind; inline styles and data: images only. */
	put(&h,
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
	put(&h, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	put(&h, "<meta name=\"generator\" content=\"assay ");
	esc(&h.sb, rt_c(&h.t, r->tool_version));
	put(&h, "\">\n<title>");
	esc(&h.sb, rt_c(&h.t, r->plan_name));
	put(&h, " — ");
	esc(&h.sb, L(&h, "assay report", "assay 评估报告"));
	putf(&h, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	write_cover(&h);
	write_nav(&h);
	write_summary(&h);
	write_clauses(&h);
	write_findings(&h);
	write_manual(&h);
	write_waivers(&h);
	write_probes(&h);
	write_appendix(&h);
	put(&h, "<footer class=\"muted\"><p>");
	esc(&h.sb, rt_keep(&h.t, xasprintf("assay %s · %s", rt_c(&h.t, r->tool_version),
	                                   rt_c(&h.t, r->plan_sha256))));
	put(&h, "</p></footer>\n</body>\n</html>\n");

	int rc = 0;
	if (fwrite(h.sb.buf, 1, h.sb.len, out) != h.sb.len || fflush(out) != 0)
		rc = err_set("html: cannot write the output");
	sb_free(&h.sb);
	rt_free(&h.t);
	return rc;
}

const struct renderer renderer_html = {
    .name = "html",
    .ext = "report.html",
    .summary = "one self-contained HTML report (inline CSS and SVG, no network)",
    .render = html_render,
};
