/*
 * Shared text of the document renderers: labels in Chinese and English,
 * cleaning of strings from the model. See text.h.
 */
#include "reports/text.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

void rt_init(struct rt *t, const char *lang)
{
	memset(t, 0, sizeof(*t));
	t->en = !lang || strcmp(lang, "zh") != 0;
	t->zh = !lang || strcmp(lang, "en") != 0;
}

void rt_free(struct rt *t)
{
	for (size_t i = 0; i < t->npool; i++)
		free(t->pool[i]);
	free(t->pool);
	t->pool = NULL;
	t->npool = t->cappool = 0;
}

const char *rt_keep(struct rt *t, char *s)
{
	*ARRAY_PUSH(t->pool, t->npool, t->cappool) = s;
	return s;
}

const char *rt_l(struct rt *t, const char *en, const char *zh)
{
	if (t->en && t->zh)
		return rt_keep(t, xasprintf("%s / %s", en, zh));
	return t->en ? en : zh;
}

static bool has(const char *s)
{
	return s && *s;
}

const char *rt_title(struct rt *t, const char *en, const char *zh)
{
	if (has(en) && has(zh)) {
		if (t->en && t->zh) {
			char *a = rt_clean(en), *b = rt_clean(zh);
			char *s = xasprintf("%s / %s", a, b);
			free(a);
			free(b);
			return rt_keep(t, s);
		}
		return rt_c(t, t->en ? en : zh);
	}
	return rt_c(t, has(en) ? en : zh);
}

const char *rt_verdict(struct rt *t, enum verdict v)
{
	static const char *const zh[VERDICT__COUNT] = {"符合", "不符合",   "不适用",
	                                               "错误", "人工核查", "豁免"};
	if ((unsigned)v >= VERDICT__COUNT)
		return rt_l(t, "unknown", "未知");
	return rt_l(t, verdict_name(v), zh[v]);
}

const char *rt_severity(struct rt *t, enum severity s)
{
	static const char *const zh[SEV__COUNT] = {"提示", "低", "中", "高", "严重"};
	if ((unsigned)s >= SEV__COUNT)
		return rt_l(t, "unknown", "未知");
	return rt_l(t, severity_name(s), zh[s]);
}

const char *rt_overall(struct rt *t, const struct results *r)
{
	switch (results_exit_code(r, r->fail_on)) {
	case 0:
		return rt_l(t, "COMPLIANT: nothing failed at or above the threshold",
		            "符合：无达到阈值的不符合项");
	case 1:
		return rt_l(t, "NOT COMPLIANT: rules failed at or above the threshold",
		            "不符合：存在达到阈值的不符合项");
	default:
		return rt_l(t, "INCOMPLETE: a probe failed or a rule could not be decided",
		            "未完成：有探测失败或规则无法判定");
	}
}

size_t rt_utf8_decode(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, min = 0x80, *cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, min = 0x800, *cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, min = 0x10000, *cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return n;
}

static bool char_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || (cp >= 0x20 && cp < 0x7F) ||
	       (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
	       (cp >= 0x10000 && cp <= 0x10FFFF);
}

char *rt_clean_chars(const char *s, bool (*ok)(uint32_t cp))
{
	char *m = mask_text(s ? s : "");
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)m;
	while (*p) {
		uint32_t cp;
		size_t n = rt_utf8_decode(p, &cp);
		if (n == 0 || !ok(cp)) {
			sb_adds(&sb, REPLACEMENT);
			p += n ? n : 1;
			continue;
		}
		sb_add(&sb, (const char *)p, n);
		p += n;
	}
	free(m);
	return sb_detach(&sb);
}

char *rt_clean(const char *s)
{
	return rt_clean_chars(s, char_ok);
}

const char *rt_c(struct rt *t, const char *s)
{
	if (!has(s))
		return "-";
	return rt_keep(t, rt_clean(s));
}

const char *rt_fact(struct rt *t, const struct fact_value *v)
{
	char *s = fact_value_str(v);
	const char *c = rt_c(t, s);
	free(s);
	return c;
}

const char *rt_loc(struct rt *t, const struct location *l)
{
	struct strbuf sb = STRBUF_INIT;
	if (has(l->file)) {
		sb_adds(&sb, l->file);
		if (l->line > 0)
			sb_printf(&sb, ":%lld", (long long)l->line);
		if (l->line > 0 && l->column > 0)
			sb_printf(&sb, ":%lld", (long long)l->column);
	}
	if (has(l->endpoint))
		sb_printf(&sb, "%s%s", sb.len ? " " : "", l->endpoint);
	if (has(l->stream))
		sb_printf(&sb, "%s[%s]", sb.len ? " " : "", l->stream);
	if (l->offset >= 0)
		sb_printf(&sb, "%s@%lld", sb.len ? " " : "", (long long)l->offset);
	char *s = sb_detach(&sb);
	const char *c = rt_c(t, s);
	free(s);
	return c;
}

const char *rt_time(struct rt *t, const char *iso)
{
	/* "YYYY-MM-DDTHH:MM:SS" followed by anything: shown with a space and UTC. */
	if (iso && strlen(iso) >= 19 && iso[10] == 'T') {
		char d[20];
		memcpy(d, iso, 19);
		d[19] = '\0';
		d[10] = ' ';
		return rt_keep(t, xasprintf("%s UTC", rt_c(t, d)));
	}
	return rt_c(t, iso);
}

static int by_target(const void *a, const void *b, void *arg)
{
	const struct results *r = arg;
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	int c = strcmp(r->runs[i].target, r->runs[k].target);
	return c ? c : (i > k) - (i < k);
}

void rt_runs_init(struct rt_runs *ix, const struct results *r)
{
	ix->r = r;
	ix->order = xcalloc(r->nruns + 1, sizeof(*ix->order));
	ix->n = 0;
	for (size_t i = 0; i < r->nruns; i++)
		if (r->runs[i].target)
			ix->order[ix->n++] = i;
	qsort_r(ix->order, ix->n, sizeof(*ix->order), by_target, (void *)r);
}

void rt_runs_free(struct rt_runs *ix)
{
	free(ix->order);
	ix->order = NULL;
	ix->n = 0;
}

void rt_row_findings(const struct rt_runs *ix, const struct verdict_row *w,
                     void (*fn)(const struct probe_run *run, const struct finding *fd, void *arg),
                     void *arg)
{
	if (!w->target)
		return;
	size_t lo = 0, hi = ix->n; /* the first run whose target is not below w's */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->r->runs[ix->order[mid]].target, w->target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n && strcmp(ix->r->runs[ix->order[lo]].target, w->target) == 0; lo++) {
		const struct probe_run *run = &ix->r->runs[ix->order[lo]];
		bool mine = w->nprobes == 0;
		for (size_t k = 0; k < w->nprobes && !mine; k++)
			mine = run->probe && w->probes[k] && strcmp(run->probe, w->probes[k]) == 0;
		if (!mine)
			continue;
		for (size_t k = 0; k < run->facts.nfindings; k++)
			fn(run, &run->facts.findings[k], arg);
	}
}

void rt_sets_count(struct rt_sets *s, const struct results *r)
{
	s->ids = xcalloc(r->nrows + r->nrulesets + 1, sizeof(*s->ids));
	s->count = xcalloc(r->nrows + r->nrulesets + 1, sizeof(*s->count));
	s->n = 0;
	for (size_t i = 0; i < r->nrulesets + r->nrows; i++) {
		const struct verdict_row *w = i < r->nrulesets ? NULL : &r->rows[i - r->nrulesets];
		const char *id = w ? w->ruleset : r->rulesets[i].id;
		if (!id)
			id = "-";
		size_t k = 0;
		while (k < s->n && strcmp(s->ids[k], id) != 0)
			k++;
		if (k == s->n)
			s->ids[s->n++] = id;
		if (w && (unsigned)w->verdict < VERDICT__COUNT)
			s->count[k][w->verdict]++;
	}
}

void rt_sets_free(struct rt_sets *s)
{
	free(s->ids);
	free(s->count);
	memset(s, 0, sizeof(*s));
}
