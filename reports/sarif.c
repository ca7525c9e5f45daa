/*
 * SARIF 2.1.0 renderer, for code-scanning dashboards (GitHub, GitLab,
 * Azure DevOps). Mapping (notes: /work/shared/notes/load_reports.md B.3):
 *
 *   one run; tool.driver.rules = every rule with a row, in row order:
 *     id, name (the English title in PascalCase), shortDescription (title), fullDescription (title,
 * clause), help (check, remediation), defaultConfiguration.level, properties: security-severity,
 * tags (rule set, xrefs), clause, confidence one result per (rule, target) whose verdict is fail,
 * and per waived row whose evaluated verdict was fail, with suppressions[] (kind "external", status
 * "accepted", the waiver's who/why/until), so unsuppressed results == JUnit failures and suppressed
 * == waived failures; locations: every finding of the row's (target, probe) runs that has a file,
 * as a physicalLocation (artifact URI + region line/column), at most MAX_LOCS; otherwise a
 * logicalLocation naming the target (and the endpoint, and the URL of a web-page finding, when
 * there is one) plus the plan file as the physical artifact, because GitHub shows no alert without
 * one; partialFingerprints "assay/v1" = rule + target, stable across runs; invocations[0]:
 * start/end time, executionSuccessful = the run is complete, a toolExecutionNotification per error
 * verdict and per failed probe run.
 *
 * security-severity (GitHub: >= 9 critical, >= 7 high, >= 4 medium, else
 * low): critical 9.5, high 8.0, medium 5.5, low 2.0, info 0.0 (none).
 * level: critical/high -> error, medium -> warning, low/info -> note.
 *
 * GitHub limits 25,000 results per run: past MAX_RESULTS the rest is
 * counted in run.properties.assay_truncated_results, not written; and an
 * upload to 10 MB gzip-compressed: fit_github() sheds detail until the
 * log fits.
 * Every string goes through rt_clean() (masked, valid UTF-8).
 */
#include "reports/report.h"
#include "reports/text.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define MAX_RESULTS 25000
#define MAX_LOCS    20
/* GitHub refuses an upload over 10 MB gzip-compressed. */
#define MAX_GZIP (10u * 1000 * 1000)

static json_t *jstr(const char *s)
{
	char *c = rt_clean(s);
	json_t *j = json_string(c);
	free(c);
	return j ? j : json_string("");
}

static json_t *jtext(const char *s)
{
	return json_pack("{s:o}", "text", jstr(s));
}

static const char *sev_score(enum severity s)
{
	static const char *const score[SEV__COUNT] = {"0.0", "2.0", "5.5", "8.0", "9.5"};
	return (unsigned)s < SEV__COUNT ? score[s] : "0.0";
}

static const char *sev_level(enum severity s)
{
	return s >= SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

static bool has(const char *s)
{
	return s && *s;
}

/* RFC 3986: a path as a URI reference; absolute paths get file://. */
static char *path_uri(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (path[0] == '/')
		sb_adds(&sb, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~:@!$&'()*+,;=", *p))
			sb_addc(&sb, (char)*p);
		else
			sb_printf(&sb, "%%%02X", *p);
	}
	return sb_detach(&sb);
}

/* "https://host/page": a URL, which SARIF places as a logical location. */
static bool is_url(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	return n > 0 && strncmp(s + n, "://", 3) == 0;
}

static json_t *artifact(const char *path)
{
	char *clean = rt_clean(path);
	char *uri = path_uri(clean);
	json_t *a = json_pack("{s:s}", "uri", uri);
	/* §3.4.4: only a relative reference has a base; an absolute one has none. */
	if (path[0] != '/')
		json_object_set_new(a, "uriBaseId", json_string("%SRCROOT%"));
	free(uri);
	free(clean);
	return a;
}

/* ---- rules ---- */

struct rules {
	const struct verdict_row **first; /* the first row of each rule */
	size_t n, cap;
};

static long rule_index(const struct rules *rs, const char *id)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->first[i]->rule, id) == 0)
			return (long)i;
	return -1;
}

/*
 * §3.49.7: name is a readable identifier and must differ from the opaque id;
 * the English title in PascalCase ("no legacy TLS" -> "NoLegacyTLS"), or
 * none when there is no English title.
 */
static char *rule_name(const struct verdict_row *w)
{
	if (!has(w->title_en))
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	bool up = true;
	for (const unsigned char *p = (const unsigned char *)w->title_en; *p && sb.len < 64; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')) {
			sb_addc(&sb, (char)(up && *p >= 'a' && *p <= 'z' ? *p - 32 : *p));
			up = false;
		} else {
			up = true;
		}
	}
	if (!sb.len || strcmp(sb.buf, w->rule) == 0) {
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

static json_t *rule_json(const struct verdict_row *w)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", jstr(w->rule));
	char *name = rule_name(w);
	if (name)
		json_object_set_new(j, "name", json_string(name));
	free(name);
	const char *title = has(w->title_en)   ? w->title_en
	                    : has(w->title_zh) ? w->title_zh
	                                       : w->rule;
	json_object_set_new(j, "shortDescription", jtext(title));

	struct strbuf full = STRBUF_INIT;
	sb_adds(&full, title);
	if (has(w->title_en) && has(w->title_zh))
		sb_printf(&full, " / %s", w->title_zh);
	if (has(w->clause))
		sb_printf(&full, " (%s clause %s%s%s%s)", has(w->ruleset) ? w->ruleset : "",
		          w->clause, has(w->confidence) ? " [" : "",
		          has(w->confidence) ? w->confidence : "", has(w->confidence) ? "]" : "");
	json_object_set_new(j, "fullDescription", jtext(full.buf));
	sb_free(&full);

	struct strbuf help = STRBUF_INIT, md = STRBUF_INIT;
	if (has(w->check)) {
		sb_printf(&help, "Check: %s\n", w->check);
		sb_printf(&md, "**Check:** `%s`\n\n", w->check);
	} else if (w->manual) {
		sb_adds(&help, "Manual rule: needs an attestation.\n");
		sb_adds(&md, "Manual rule: needs an attestation.\n\n");
	}
	if (has(w->remediation_en)) {
		sb_printf(&help, "Remediation: %s\n", w->remediation_en);
		sb_printf(&md, "**Remediation:** %s\n\n", w->remediation_en);
	}
	if (has(w->remediation_zh)) {
		sb_printf(&help, "整改建议: %s\n", w->remediation_zh);
		sb_printf(&md, "**整改建议：** %s\n\n", w->remediation_zh);
	}
	if (w->nxrefs) {
		sb_adds(&help, "References:");
		sb_adds(&md, "**References:**");
		for (size_t i = 0; i < w->nxrefs; i++) {
			sb_printf(&help, "%s %s", i ? "," : "", w->xrefs[i] ? w->xrefs[i] : "-");
			sb_printf(&md, "%s %s", i ? "," : "", w->xrefs[i] ? w->xrefs[i] : "-");
		}
		sb_addc(&help, '\n');
	}
	if (!help.len)
		sb_adds(&help, title);
	if (!md.len)
		sb_adds(&md, title);
	json_object_set_new(
	    j, "help", json_pack("{s:o,s:o}", "text", jstr(help.buf), "markdown", jstr(md.buf)));
	sb_free(&help);
	sb_free(&md);

	json_object_set_new(j, "defaultConfiguration",
	                    json_pack("{s:s}", "level", sev_level(w->severity)));
	json_t *props = json_object();
	json_object_set_new(props, "security-severity", json_string(sev_score(w->severity)));
	json_t *tags = json_array();
	json_array_append_new(tags, json_string("security"));
	json_array_append_new(tags, json_string("compliance"));
	if (has(w->ruleset))
		json_array_append_new(tags, jstr(w->ruleset));
	/* GitHub shows at most 10 tags and accepts 20. */
	for (size_t i = 0; i < w->nxrefs && json_array_size(tags) < 20; i++)
		if (has(w->xrefs[i]))
			json_array_append_new(tags, jstr(w->xrefs[i]));
	json_object_set_new(props, "tags", tags);
	json_object_set_new(props, "severity", json_string(severity_name(w->severity)));
	if (has(w->clause))
		json_object_set_new(props, "clause", jstr(w->clause));
	if (has(w->confidence))
		json_object_set_new(props, "confidence", jstr(w->confidence));
	if (has(w->title_zh))
		json_object_set_new(props, "title_zh", jstr(w->title_zh));
	json_object_set_new(j, "properties", props);
	return j;
}

/* ---- results ---- */

struct locs {
	json_t *arr;
	const char *endpoint; /* of the first finding that has one */
	const char *url;      /* of the first finding on a web page */
	size_t nfile;
};

static void add_finding_loc(const struct probe_run *run, const struct finding *fd, void *arg)
{
	(void)run;
	struct locs *l = arg;
	if (!l->endpoint && has(fd->loc.endpoint))
		l->endpoint = fd->loc.endpoint;
	if (!l->url && has(fd->loc.file) && is_url(fd->loc.file))
		l->url = fd->loc.file;
	if (!has(fd->loc.file) || is_url(fd->loc.file) || l->nfile >= MAX_LOCS)
		return;
	json_t *phys = json_pack("{s:o}", "artifactLocation", artifact(fd->loc.file));
	if (fd->loc.line > 0) {
		json_t *region = json_pack("{s:I}", "startLine", (json_int_t)fd->loc.line);
		if (fd->loc.column > 0)
			json_object_set_new(region, "startColumn", json_integer(fd->loc.column));
		if (has(fd->excerpt))
			json_object_set_new(region, "snippet", jtext(fd->excerpt));
		json_object_set_new(phys, "region", region);
	}
	json_t *loc = json_pack("{s:o}", "physicalLocation", phys);
	if (has(fd->message))
		json_object_set_new(loc, "message", jtext(fd->message));
	json_array_append_new(l->arr, loc);
	l->nfile++;
}

/* A logical location under the target: "target/name". */
static void add_logical(json_t *arr, const char *target, const char *name, const char *kind)
{
	char *fq = xasprintf("%s/%s", target, name);
	json_array_append_new(arr, json_pack("{s:o,s:o,s:s}", "name", jstr(name),
	                                     "fullyQualifiedName", jstr(fq), "kind", kind));
	free(fq);
}

static json_t *result_json(const struct rt_runs *ix, const struct verdict_row *w, long index)
{
	json_t *j = json_object();
	json_object_set_new(j, "ruleId", jstr(w->rule));
	json_object_set_new(j, "ruleIndex", json_integer(index));
	json_object_set_new(j, "kind", json_string("fail"));
	json_object_set_new(j, "level", json_string(sev_level(w->severity)));

	const char *title = has(w->title_en)   ? w->title_en
	                    : has(w->title_zh) ? w->title_zh
	                                       : w->rule;
	struct strbuf msg = STRBUF_INIT;
	sb_printf(&msg, "%s [%s]: %s", title, has(w->target) ? w->target : "-",
	          has(w->reason) ? w->reason : "the check does not hold");
	json_object_set_new(j, "message", jtext(msg.buf));
	sb_free(&msg);

	struct locs l = {.arr = json_array()};
	const struct results *r = ix->r;
	rt_row_findings(ix, w, add_finding_loc, &l);
	if (l.nfile == 0) {
		json_t *logical = json_array();
		const char *tname = has(w->target) ? w->target : "-";
		json_array_append_new(logical, json_pack("{s:o,s:o,s:s}", "name", jstr(tname),
		                                         "fullyQualifiedName", jstr(tname), "kind",
		                                         "resource"));
		if (l.endpoint)
			add_logical(logical, tname, l.endpoint, "endpoint");
		if (l.url)
			add_logical(logical, tname, l.url, "resource");
		json_t *loc = json_pack("{s:o}", "logicalLocations", logical);
		if (has(r->plan_file))
			json_object_set_new(
			    loc, "physicalLocation",
			    json_pack("{s:o}", "artifactLocation", artifact(r->plan_file)));
		json_array_append_new(l.arr, loc);
	}
	json_object_set_new(j, "locations", l.arr);

	char *fp = xasprintf("%s|%s", w->rule, has(w->target) ? w->target : "-");
	json_object_set_new(j, "partialFingerprints", json_pack("{s:o}", "assay/v1", jstr(fp)));
	free(fp);

	if (w->verdict == VERDICT_WAIVED) {
		json_t *s = json_pack("{s:s,s:s}", "kind", "external", "status", "accepted");
		struct strbuf why = STRBUF_INIT;
		const struct waiver *wv = w->waiver;
		sb_adds(&why, wv && has(wv->reason) ? wv->reason
		              : has(w->reason)      ? w->reason
		                                    : "waived");
		if (wv && has(wv->by))
			sb_printf(&why, " (by %s", wv->by);
		if (wv && has(wv->until))
			sb_printf(&why, "%s until %s", wv && has(wv->by) ? "," : " (", wv->until);
		if (wv && (has(wv->by) || has(wv->until)))
			sb_addc(&why, ')');
		json_object_set_new(s, "justification", jstr(why.buf));
		sb_free(&why);
		json_object_set_new(j, "suppressions", json_pack("[o]", s));
	}

	json_t *props = json_object();
	json_object_set_new(props, "target", jstr(has(w->target) ? w->target : "-"));
	json_object_set_new(props, "ruleset", jstr(has(w->ruleset) ? w->ruleset : "-"));
	json_object_set_new(props, "verdict", json_string(verdict_name(w->verdict)));
	json_object_set_new(props, "security-severity", json_string(sev_score(w->severity)));
	json_t *facts = json_object();
	for (size_t i = 0; i < w->nfacts; i++) {
		if (!has(w->facts[i].key))
			continue;
		char *v = fact_value_str(&w->facts[i].v);
		char *k = rt_clean(w->facts[i].key);
		json_object_set_new(facts, k, jstr(v));
		free(k);
		free(v);
	}
	json_object_set_new(props, "facts", facts);
	json_object_set_new(j, "properties", props);
	return j;
}

static bool is_result(const struct verdict_row *w)
{
	return w->rule && (w->verdict == VERDICT_FAIL ||
	                   (w->verdict == VERDICT_WAIVED && w->evaluated == VERDICT_FAIL));
}

static json_t *notification(const char *level, const char *text)
{
	return json_pack("{s:s,s:o}", "level", level, "message", jtext(text));
}

static json_t *sarif_build(const struct results *r)
{
	struct rules rs = {0};
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (w->rule && rule_index(&rs, w->rule) < 0)
			*ARRAY_PUSH(rs.first, rs.n, rs.cap) = w;
	}
	json_t *rules = json_array();
	for (size_t i = 0; i < rs.n; i++)
		json_array_append_new(rules, rule_json(rs.first[i]));

	json_t *driver = json_object();
	json_object_set_new(driver, "name", json_string("assay"));
	json_object_set_new(driver, "version", jstr(has(r->tool_version) ? r->tool_version : "0"));
	json_object_set_new(driver, "fullName", json_string("assay compliance testing framework"));
	json_object_set_new(driver, "rules", rules);

	json_t *results = json_array();
	size_t truncated = 0;
	struct rt_runs ix;
	rt_runs_init(&ix, r);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (!is_result(w))
			continue;
		if (json_array_size(results) >= MAX_RESULTS) {
			truncated++;
			continue;
		}
		json_array_append_new(results, result_json(&ix, w, rule_index(&rs, w->rule)));
	}
	rt_runs_free(&ix);
	free(rs.first);

	struct summary s;
	results_summarize(r, r->fail_on, &s);
	json_t *inv = json_object();
	json_object_set_new(inv, "executionSuccessful", json_boolean(!s.incomplete));
	if (has(r->started))
		json_object_set_new(inv, "startTimeUtc", jstr(r->started));
	if (has(r->finished))
		json_object_set_new(inv, "endTimeUtc", jstr(r->finished));
	json_t *notes = json_array();
	for (size_t i = 0; i < r->nruns; i++) {
		const struct probe_run *run = &r->runs[i];
		if (run->status && strcmp(run->status, "ok") == 0)
			continue;
		char *t =
		    xasprintf("probe %s on %s: %s", run->probe ? run->probe : "-",
		              run->target ? run->target : "-", run->status ? run->status : "-");
		json_array_append_new(notes, notification("error", t));
		free(t);
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (w->verdict != VERDICT_ERROR)
			continue;
		char *t =
		    xasprintf("%s on %s could not be decided: %s", w->rule ? w->rule : "-",
		              w->target ? w->target : "-", has(w->reason) ? w->reason : "error");
		json_array_append_new(notes, notification("error", t));
		free(t);
	}
	json_object_set_new(inv, "toolExecutionNotifications", notes);

	json_t *run = json_object();
	json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
	char *auto_id = xasprintf("assay/%s/", has(r->plan_name) ? r->plan_name : "plan");
	json_object_set_new(run, "automationDetails", json_pack("{s:o}", "id", jstr(auto_id)));
	free(auto_id);
	json_object_set_new(run, "invocations", json_pack("[o]", inv));
	json_object_set_new(run, "results", results);
	json_t *props = json_object();
	if (has(r->plan_name))
		json_object_set_new(props, "plan", jstr(r->plan_name));
	if (has(r->plan_sha256))
		json_object_set_new(props, "plan_sha256", jstr(r->plan_sha256));
	json_object_set_new(props, "fail_on", json_string(severity_name(r->fail_on)));
	json_object_set_new(props, "assay_truncated_results", json_integer((json_int_t)truncated));
	json_object_set_new(run, "properties", props);

	json_t *root = json_object();
	json_object_set_new(root, "$schema",
	                    json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	return root;
}

/* The gzip-compressed size of buf (deflate level 6, as gzip(1) does). */
static size_t gzip_size(const char *buf, size_t n)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return (size_t)-1;
	unsigned char chunk[1 << 16];
	size_t total = 0;
	z.next_in = (unsigned char *)(uintptr_t)buf;
	int rc;
	do {
		/* feed at most 1 GiB per call: avail_in is 32-bit */
		if (z.avail_in == 0 && n) {
			size_t take = n < (1u << 30) ? n : (1u << 30);
			z.avail_in = (uInt)take;
			n -= take;
		}
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = deflate(&z, n || z.avail_in ? Z_NO_FLUSH : Z_FINISH);
		total += sizeof(chunk) - z.avail_out;
	} while (rc == Z_OK || rc == Z_BUF_ERROR);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? total : (size_t)-1;
}

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | FACTS_JSON_REAL);
}

/* Results whose level is `level` (or every result when NULL) beyond `keep`, removed. */
static size_t drop_results(json_t *results, const char *level, size_t keep)
{
	size_t dropped = 0;
	for (size_t i = json_array_size(results); i-- > keep;) {
		const char *l =
		    json_string_value(json_object_get(json_array_get(results, i), "level"));
		if (!level || (l && strcmp(l, level) == 0)) {
			json_array_remove(results, i);
			dropped++;
		}
	}
	return dropped;
}

/*
 * GitHub's 10 MB (gzip) limit, kept by shedding detail in steps until the
 * log fits: first every result keeps its first location and loses its
 * facts; then `note` results go, then `warning` ones, then results from
 * the end, half at a time. run.properties says what was shed.
 */
static char *fit_github(json_t *root, char *txt)
{
	if (strlen(txt) <= MAX_GZIP || gzip_size(txt, strlen(txt)) <= MAX_GZIP)
		return txt;
	json_t *run = json_array_get(json_object_get(root, "runs"), 0);
	json_t *results = json_object_get(run, "results");
	json_t *props = json_object_get(run, "properties");
	size_t i;
	json_t *res;
	json_array_foreach(results, i, res)
	{
		json_t *locs = json_object_get(res, "locations");
		while (json_array_size(locs) > 1)
			json_array_remove(locs, json_array_size(locs) - 1);
		json_object_del(json_object_get(res, "properties"), "facts");
	}
	json_object_set_new(props, "assay_trimmed",
	                    json_string("each result keeps its first location and no facts, "
	                                "to stay under GitHub's 10 MB (gzip) upload limit"));
	size_t dropped = 0;
	const char *levels[] = {"note", "warning", NULL};
	for (int step = 0;; step++) {
		free(txt);
		txt = dump(root);
		if (!txt || gzip_size(txt, strlen(txt)) <= MAX_GZIP ||
		    json_array_size(results) == 0)
			break;
		if (step < 2)
			dropped += drop_results(results, levels[step], 0);
		else
			dropped += drop_results(results, NULL, json_array_size(results) / 2);
		json_object_set_new(props, "assay_dropped_for_size",
		                    json_integer((json_int_t)dropped));
	}
	return txt;
}

static int sarif_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	(void)o;
	json_t *j = sarif_build(r);
	char *txt = dump(j);
	if (txt)
		txt = fit_github(j, txt);
	json_decref(j);
	bool ok = txt && fputs(txt, out) != EOF && fputc('\n', out) != EOF;
	free(txt);
	if (!ok)
		return err_set("sarif: cannot write the output");
	return 0;
}

const struct renderer renderer_sarif = {
    .name = "sarif",
    .ext = "results.sarif",
    .summary = "SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab)",
    .render = sarif_render,
};
