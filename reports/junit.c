/*
 * JUnit XML renderer: the results model as the de-facto Ant JUnit shape
 * that GitLab and Jenkins read (schema: fixtures/junit/junit.xsd; notes in
 * /work/shared/notes/load_reports.md B.3).
 *
 *   <testsuites name="assay: PLAN">       totals over every suite
 *     <testsuite name=RULESET>            one per rule set that has rows
 *       <properties/>                     plan, sha256, tool version, fail_on, title
 *       <testcase classname="RULESET.TARGET" name="ID TITLE">
 *         fail            -> <failure message="SEV: REASON" type="SEV">details</failure>
 *         error           -> <error message="REASON" type="error">details</error>
 *         not-applicable  -> <skipped message="not-applicable: REASON"/>
 *         waived          -> <skipped message="waived by X until D: WHY"/> + details
 *         manual          -> <skipped message="manual: needs attestation"/> + details
 *         pass            -> empty; <system-out> names the attestation if any
 *
 * Choices, for the two consumers:
 * - GitLab shows only classname, name and the failure body, so everything
 *   an auditor needs (rule, clause, check, deciding facts, remediation) is
 *   in the body, not only in attributes.
 * - Jenkins splits classname at dots into packages; a target's dots become
 *   '_' so "10.0.0.5:443" stays one node under its rule set.
 * - timestamp is the run's start without the zone (Jenkins wants a
 *   zone-less xs:dateTime; assay's times are UTC). A missing or malformed
 *   start becomes 1970-01-01T00:00:00, so the file still validates.
 * - time: testcases are "0" (rules are judged after the probes, in
 *   microseconds); each suite and the root carry the run's wall-clock
 *   seconds (finished - started) when both parse, else 0. A tool that sums
 *   suite times will count the run once per rule set.
 * - Rows whose rule set is not listed in rulesets[] still get a suite (named
 *   "-" when the row has no rule set), so the totals always cover every row.
 *
 * Every string is passed through mask_text() (no card number reaches a
 * report even from a hand-edited results.json) and then made into valid
 * XML 1.0 UTF-8: control characters, surrogates, U+FFFE/U+FFFF and bytes
 * that are not UTF-8 become U+FFFD, so the output always parses.
 */
#include "reports/report.h"
#include "reports/text.h"
#include "lib/err.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <libxml/xmlwriter.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* ---- making any string safe for XML 1.0 ---- */

/* XML 1.0 §2.2 Char production. */
static bool xml_char_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* A masked copy of s that is valid UTF-8 holding only XML characters. */
static char *xml_clean(const char *s)
{
	return rt_clean_chars(s, xml_char_ok);
}

/* ---- a writer whose first failure sticks, so callers check once ---- */

struct jw {
	xmlTextWriterPtr w;
	bool failed;
};

static void jw_check(struct jw *j, int rc)
{
	if (rc < 0)
		j->failed = true;
}

static void jw_start(struct jw *j, const char *name)
{
	if (!j->failed)
		jw_check(j, xmlTextWriterStartElement(j->w, BAD_CAST name));
}

static void jw_end(struct jw *j)
{
	if (!j->failed)
		jw_check(j, xmlTextWriterEndElement(j->w));
}

static void jw_attr(struct jw *j, const char *name, const char *value)
{
	if (j->failed)
		return;
	char *v = xml_clean(value);
	jw_check(j, xmlTextWriterWriteAttribute(j->w, BAD_CAST name, BAD_CAST v));
	free(v);
}

static void jw_attrf(struct jw *j, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void jw_attrf(struct jw *j, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = xvasprintf(fmt, ap);
	va_end(ap);
	jw_attr(j, name, v);
	free(v);
}

static void jw_text(struct jw *j, const char *text)
{
	if (j->failed)
		return;
	char *v = xml_clean(text);
	jw_check(j, xmlTextWriterWriteString(j->w, BAD_CAST v));
	free(v);
}

/* <name>text</name> */
static void jw_element(struct jw *j, const char *name, const char *text)
{
	jw_start(j, name);
	jw_text(j, text);
	jw_end(j);
}

static void jw_property(struct jw *j, const char *name, const char *value)
{
	if (!value)
		return;
	jw_start(j, "property");
	jw_attr(j, "name", name);
	jw_attr(j, "value", value);
	jw_end(j);
}

/* ---- times ---- */

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fff][Z]" into seconds since the epoch and
 * the zone-less form JUnit readers expect. Anything else (another zone, a
 * date that does not exist) is rejected rather than guessed at.
 */
static bool stamp_parse(const char *s, time_t *t, char out[20])
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	}
	const char *p = s + sizeof(shape) - 1;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return false;

	int v[6];
	const int at[6] = {0, 5, 8, 11, 14, 17}, width[6] = {4, 2, 2, 2, 2, 2};
	for (int k = 0; k < 6; k++) {
		v[k] = 0;
		for (int i = 0; i < width[k]; i++)
			v[k] = v[k] * 10 + (s[at[k] + i] - '0');
	}
	struct tm tm = {.tm_year = v[0] - 1900,
	                .tm_mon = v[1] - 1,
	                .tm_mday = v[2],
	                .tm_hour = v[3],
	                .tm_min = v[4],
	                .tm_sec = v[5]};
	if (v[0] < 1 || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return false;
	*t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02; a date that moved did not exist. */
	struct tm back;
	if (*t == (time_t)-1 || !gmtime_r(t, &back) || back.tm_mon != v[1] - 1 ||
	    back.tm_mday != v[2])
		return false;
	/* The shape was checked above: the first 19 bytes are the zone-less form. */
	memcpy(out, s, 19);
	out[19] = '\0';
	return true;
}

/* ---- one row ---- */

enum outcome { OUT_PASS, OUT_FAILURE, OUT_ERROR, OUT_SKIPPED };

static enum outcome row_outcome(const struct verdict_row *w)
{
	switch (w->verdict) {
	case VERDICT_PASS:
		return OUT_PASS;
	case VERDICT_FAIL:
		return OUT_FAILURE;
	case VERDICT_NA:
	case VERDICT_MANUAL:
	case VERDICT_WAIVED:
		return OUT_SKIPPED;
	case VERDICT_ERROR:
	case VERDICT__COUNT:
		break;
	}
	/* An unknown verdict is reported, not hidden. */
	return OUT_ERROR;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static bool has(const char *s)
{
	return s && *s;
}

/*
 * The pair of a bilingual text in the order lang asks for: "en" or "zh"
 * pick one (the other when it is missing); "both" (the default) gives
 * "en / zh". NULL when neither is present; the caller frees.
 */
static char *bilingual(const char *en, const char *zh, const char *lang)
{
	bool want_en = !lang || strcmp(lang, "zh") != 0;
	bool want_zh = !lang || strcmp(lang, "en") != 0;
	if (has(en) && has(zh)) {
		if (want_en && want_zh)
			return xasprintf("%s / %s", en, zh);
		return xstrdup(want_en ? en : zh);
	}
	if (has(en))
		return xstrdup(en);
	if (has(zh))
		return xstrdup(zh);
	return NULL;
}

static char *attest_line(const struct attestation *a)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "attested");
	if (has(a->by))
		sb_printf(&sb, " by %s", a->by);
	if (has(a->date))
		sb_printf(&sb, " on %s", a->date);
	if (has(a->evidence))
		sb_printf(&sb, ", evidence %s", a->evidence);
	return sb_detach(&sb);
}

/* The details an auditor reads in GitLab, which shows nothing else. */
static char *row_body(const struct verdict_row *w, const char *lang)
{
	struct strbuf sb = STRBUF_INIT;
	if (w->verdict == VERDICT_WAIVED)
		sb_printf(&sb, "Evaluated: %s (waived)\n", verdict_name(w->evaluated));
	sb_printf(&sb, "Rule: %s (%s)\n", or_dash(w->rule), or_dash(w->ruleset));
	char *title = bilingual(w->title_en, w->title_zh, lang);
	if (title)
		sb_printf(&sb, "Title: %s\n", title);
	free(title);
	if (has(w->clause)) {
		sb_printf(&sb, "Clause: %s", w->clause);
		if (has(w->confidence))
			sb_printf(&sb, " [%s]", w->confidence);
		sb_addc(&sb, '\n');
	}
	if (w->nxrefs) {
		sb_adds(&sb, "References:");
		for (size_t i = 0; i < w->nxrefs; i++)
			sb_printf(&sb, "%s %s", i ? "," : "", or_dash(w->xrefs[i]));
		sb_addc(&sb, '\n');
	}
	sb_printf(&sb, "Severity: %s\n", severity_name(w->severity));
	sb_printf(&sb, "Target: %s\n", or_dash(w->target));
	if (has(w->check))
		sb_printf(&sb, "Check: %s\n", w->check);
	else if (w->manual)
		sb_adds(&sb, "Check: manual (needs an attestation)\n");
	if (has(w->reason))
		sb_printf(&sb, "Reason: %s\n", w->reason);
	if (w->nfacts) {
		sb_adds(&sb, "Facts:\n");
		for (size_t i = 0; i < w->nfacts; i++) {
			char *v = fact_value_str(&w->facts[i].v);
			sb_printf(&sb, "  %s = %s\n", or_dash(w->facts[i].key), v);
			free(v);
		}
	} else if (!w->manual) {
		sb_adds(&sb, "Facts: (none)\n");
	}
	if (w->attest) {
		char *a = attest_line(w->attest);
		sb_printf(&sb, "Attestation: %s (status %s)\n", a, or_dash(w->attest->status));
		free(a);
	}
	if (w->waiver && w->verdict == VERDICT_WAIVED) {
		sb_printf(&sb, "Waiver: by %s until %s: %s\n", or_dash(w->waiver->by),
		          or_dash(w->waiver->until), or_dash(w->waiver->reason));
	}
	bool want_en = !lang || strcmp(lang, "zh") != 0;
	bool want_zh = !lang || strcmp(lang, "en") != 0;
	const char *rem_en = has(w->remediation_en) && (want_en || !has(w->remediation_zh))
	                         ? w->remediation_en
	                         : NULL;
	const char *rem_zh =
	    has(w->remediation_zh) && (want_zh || !rem_en) ? w->remediation_zh : NULL;
	if (rem_en)
		sb_printf(&sb, "Remediation: %s\n", rem_en);
	if (rem_zh)
		sb_printf(&sb, "Remediation%s: %s\n", rem_en ? " (zh)" : "", rem_zh);
	return sb_detach(&sb);
}

static char *skipped_message(const struct verdict_row *w)
{
	struct strbuf sb = STRBUF_INIT;
	switch (w->verdict) {
	case VERDICT_NA:
		sb_adds(&sb, "not-applicable");
		if (has(w->reason))
			sb_printf(&sb, ": %s", w->reason);
		break;
	case VERDICT_MANUAL:
		sb_adds(&sb, "manual: needs attestation");
		break;
	default: {
		sb_adds(&sb, "waived");
		const struct waiver *wv = w->waiver;
		const char *why = wv && has(wv->reason) ? wv->reason : w->reason;
		if (wv && has(wv->by))
			sb_printf(&sb, " by %s", wv->by);
		if (wv && has(wv->until))
			sb_printf(&sb, " until %s", wv->until);
		if (has(why))
			sb_printf(&sb, ": %s", why);
		break;
	}
	}
	return sb_detach(&sb);
}

static void write_testcase(struct jw *j, const struct verdict_row *w, const char *lang)
{
	jw_start(j, "testcase");

	/* Dots in the target would become Jenkins packages. */
	char *target = xstrdup(or_dash(w->target));
	for (char *p = target; *p; p++)
		if (*p == '.')
			*p = '_';
	jw_attrf(j, "classname", "%s.%s", or_dash(w->ruleset), target);
	free(target);

	char *title = bilingual(w->title_en, w->title_zh, lang);
	if (title)
		jw_attrf(j, "name", "%s %s", or_dash(w->rule), title);
	else
		jw_attr(j, "name", or_dash(w->rule));
	jw_attr(j, "time", "0");

	char *body = NULL, *msg = NULL;
	switch (row_outcome(w)) {
	case OUT_FAILURE:
		body = row_body(w, lang);
		msg = xasprintf("%s: %s", severity_name(w->severity),
		                has(w->reason) ? w->reason
		                : title        ? title
		                               : or_dash(w->rule));
		jw_start(j, "failure");
		jw_attr(j, "message", msg);
		jw_attr(j, "type", severity_name(w->severity));
		jw_text(j, body);
		jw_end(j);
		break;
	case OUT_ERROR:
		body = row_body(w, lang);
		if (w->verdict != VERDICT_ERROR)
			msg = xasprintf("unknown verdict %d", (int)w->verdict);
		else
			msg = xstrdup(has(w->reason) ? w->reason : "the probes could not decide");
		jw_start(j, "error");
		jw_attr(j, "message", msg);
		jw_attr(j, "type", "error");
		jw_text(j, body);
		jw_end(j);
		break;
	case OUT_SKIPPED:
		msg = skipped_message(w);
		jw_start(j, "skipped");
		jw_attr(j, "message", msg);
		jw_end(j);
		/* Waived and manual rows keep their details visible to a reader. */
		if (w->verdict != VERDICT_NA) {
			body = row_body(w, lang);
			jw_element(j, "system-out", body);
		}
		break;
	case OUT_PASS:
		if (w->attest) {
			body = attest_line(w->attest);
			jw_element(j, "system-out", body);
		}
		break;
	}
	free(body);
	free(msg);
	free(title);
	jw_end(j);
}

/* ---- suites ---- */

struct counts {
	size_t tests, failures, errors, skipped;
};

static void counts_add(struct counts *c, const struct verdict_row *w)
{
	c->tests++;
	switch (row_outcome(w)) {
	case OUT_FAILURE:
		c->failures++;
		break;
	case OUT_ERROR:
		c->errors++;
		break;
	case OUT_SKIPPED:
		c->skipped++;
		break;
	case OUT_PASS:
		break;
	}
}

static void jw_counts(struct jw *j, const struct counts *c)
{
	jw_attrf(j, "tests", "%zu", c->tests);
	jw_attrf(j, "failures", "%zu", c->failures);
	jw_attrf(j, "errors", "%zu", c->errors);
	jw_attrf(j, "skipped", "%zu", c->skipped);
}

static bool same_set(const char *a, const char *b)
{
	return strcmp(or_dash(a), or_dash(b)) == 0;
}

/*
 * The suites, in the order of r->rulesets, then rule sets that only rows
 * name. Entries point into r; the caller frees the array.
 */
static const char **suite_ids(const struct results *r, size_t *n)
{
	const char **ids = xcalloc(r->nrulesets + r->nrows + 1, sizeof(*ids));
	*n = 0;
	for (size_t i = 0; i < r->nrulesets + r->nrows; i++) {
		const char *id = i < r->nrulesets ? or_dash(r->rulesets[i].id)
		                                  : or_dash(r->rows[i - r->nrulesets].ruleset);
		bool seen = false, used = i >= r->nrulesets;
		for (size_t k = 0; k < *n && !seen; k++)
			seen = strcmp(ids[k], id) == 0;
		for (size_t k = 0; k < r->nrows && !used && !seen; k++)
			used = same_set(r->rows[k].ruleset, id);
		if (!seen && used)
			ids[(*n)++] = id;
	}
	return ids;
}

static const struct ruleset_info *ruleset_find(const struct results *r, const char *id)
{
	for (size_t i = 0; i < r->nrulesets; i++)
		if (same_set(r->rulesets[i].id, id))
			return &r->rulesets[i];
	return NULL;
}

static void write_suite(struct jw *j, const struct results *r, const char *id, size_t index,
                        const char *stamp, long elapsed, const char *lang)
{
	struct counts c = {0};
	for (size_t i = 0; i < r->nrows; i++)
		if (same_set(r->rows[i].ruleset, id))
			counts_add(&c, &r->rows[i]);

	jw_start(j, "testsuite");
	jw_attr(j, "name", id);
	jw_counts(j, &c);
	jw_attrf(j, "time", "%ld", elapsed);
	jw_attr(j, "timestamp", stamp);
	jw_attrf(j, "id", "%zu", index);

	const struct ruleset_info *ri = ruleset_find(r, id);
	jw_start(j, "properties");
	jw_property(j, "assay.plan", r->plan_name);
	jw_property(j, "assay.plan_sha256", r->plan_sha256);
	jw_property(j, "assay.version", r->tool_version);
	jw_property(j, "assay.fail_on", severity_name(r->fail_on));
	if (ri) {
		jw_property(j, "ruleset.title", has(ri->title_en) ? ri->title_en : ri->title_zh);
		if (has(ri->title_en))
			jw_property(j, "ruleset.title_zh", ri->title_zh);
		jw_property(j, "ruleset.version", ri->version);
	}
	jw_end(j);

	for (size_t i = 0; i < r->nrows; i++)
		if (same_set(r->rows[i].ruleset, id))
			write_testcase(j, &r->rows[i], lang);
	jw_end(j);
}

static void write_document(struct jw *j, const struct results *r, const char *lang)
{
	char stamp[20] = "1970-01-01T00:00:00", fin[20];
	time_t t0 = 0, t1 = 0;
	long elapsed = 0;
	/* stamp_parse() writes only on success: the epoch stays as "unknown". */
	bool have_start = stamp_parse(r->started, &t0, stamp);
	if (have_start && stamp_parse(r->finished, &t1, fin) && t1 >= t0)
		elapsed = (long)(t1 - t0);

	struct counts total = {0};
	for (size_t i = 0; i < r->nrows; i++)
		counts_add(&total, &r->rows[i]);

	jw_check(j, xmlTextWriterStartDocument(j->w, NULL, "UTF-8", NULL));
	jw_start(j, "testsuites");
	if (has(r->plan_name))
		jw_attrf(j, "name", "assay: %s", r->plan_name);
	else
		jw_attr(j, "name", "assay");
	jw_counts(j, &total);
	jw_attrf(j, "time", "%ld", elapsed);

	size_t n;
	const char **ids = suite_ids(r, &n);
	for (size_t i = 0; i < n; i++)
		write_suite(j, r, ids[i], i, stamp, elapsed, lang);
	free(ids);

	jw_end(j);
	if (!j->failed)
		jw_check(j, xmlTextWriterEndDocument(j->w));
}

static int junit_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	const char *lang = o && o->lang && strcmp(o->lang, "both") != 0 ? o->lang : NULL;
	xmlBufferPtr buf = xmlBufferCreate();
	if (!buf)
		return err_set("junit: out of memory");
	struct jw j = {.w = xmlNewTextWriterMemory(buf, 0)};
	if (!j.w) {
		xmlBufferFree(buf);
		return err_set("junit: cannot create the XML writer");
	}
	jw_check(&j, xmlTextWriterSetIndent(j.w, 1));
	jw_check(&j, xmlTextWriterSetIndentString(j.w, BAD_CAST "  "));
	write_document(&j, r, lang);
	/* Freeing the writer flushes it into buf. */
	xmlFreeTextWriter(j.w);
	if (j.failed) {
		xmlBufferFree(buf);
		return err_set("junit: the XML writer failed");
	}
	size_t len = (size_t)xmlBufferLength(buf);
	bool ok =
	    fwrite(xmlBufferContent(buf), 1, len, out) == len && fflush(out) == 0 && !ferror(out);
	xmlBufferFree(buf);
	if (!ok)
		return err_set("junit: cannot write the report: %s", strerror(errno));
	return 0;
}

const struct renderer renderer_junit = {
    .name = "junit",
    .ext = "junit.xml",
    .summary = "JUnit XML: a testsuite per rule set, a testcase per rule and target",
    .render = junit_render,
};
