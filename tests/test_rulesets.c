/*
 * The shipped rule sets (rules/updss.xml, rules/jrt0092.xml,
 * rules/jrt0171.xml, issue 9): each loads and validates against
 * rules/ruleset.xsd; together they hold every manual item of the standards
 * catalog (MAN-01..MAN-38) exactly once, in the set the catalog assigns it
 * to, and the automated rows whose probes exist (tls, pan) exactly once,
 * each with a check that reads a registered probe; every rule is bilingual
 * (titles, and evidence or remediation, in en and zh) and carries a clause
 * with a confidence tag; PCI-proxied items cite PCI DSS; docs/rulesets.md
 * lists every rule. End to end, a plan with `rules = updss` and one
 * attestation reports `pass` for the attested clause, `manual` for every
 * other one, `not-applicable` for the automated rules (no target ran their
 * probes), and exits 0.
 */
#include "tests/testutil.h"

#include <jansson.h>

#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#define XSD  "rules/ruleset.xsd"
#define NMAN 38

/* This suite runs the binary; its own short-lived strings are not the point. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct shipped {
	const char *file;
	const char *id;
	size_t nmanual;
	const char *const *autos;       /* the automated catalog rows encoded, NULL-ended */
	const char *const *manual_rows; /* catalog rows whose probe is "manual", encoded
	                                   type="manual" under their own ids */
};

/* The automated rows encoded so far, per set: those whose every probe is
 * registered and whose facts the probe READMEs document (docs/rulesets.md
 * lists the rest and what each waits for). */
static const char *const updss_autos[] = {
    "UPD-01", "UPD-02", "UPD-03", "UPD-04",  "UPD-05",  "UPD-06", "UPD-07", "UPD-08",
    "UPD-09", "UPD-10", "UPD-11", "UPD-12",  "UPD-13",  "UPD-14", "UPD-15", "UPD-16",
    "UPD-17", "UPD-18", "UPD-19", "UPD-20",  "UPD-21",  "UPD-22", "UPD-23", "UPD-24",
    "UPD-25", "UPD-26", "UPD-27", "LOAD-03", "LOAD-05", NULL};
static const char *const jrt0092_autos[] = {
    "J92-01", "J92-02",  "J92-03", "J92-04", "J92-05",  "J92-10", "J92-11", "J92-32", "J92-12",
    "J92-13", "J92-14",  "J92-15", "J92-16", "J92-17",  "J92-18", "J92-19", "J92-30", "J92-31",
    "J92-33", "J92-34",  "J92-35", "J92-36", "J92-40",  "J92-41", "J92-50", "J92-52", "J92-53",
    "J92-60", "J92-61",  "J92-62", "J92-66", "J92-63",  "J92-64", "J92-65", "J92-67", "J92-68",
    "J92-69", "LOAD-01", "J92-42", "J92-51", "LOAD-04", NULL};
static const char *const jrt0171_autos[] = {"PFI-01", "PFI-02", "PFI-03", "PFI-04",
                                            "PFI-05", "PFI-06", "PFI-07", NULL};
static const char *const jrt0068_autos[] = {"OB-01", "OB-02", "OB-03", NULL};
static const char *const no_rows[] = {NULL};
/* J92-20 (memory after logout, a lab test) and J92-43 (security notices):
 * the catalog lists them among the automated rows with `manual` as their
 * probe (docs/rulesets.md, open question 8). */
static const char *const jrt0092_manual_rows[] = {"J92-20", "J92-43", NULL};

/* The catalog's MAN rows per set (docs/rulesets.md says why each is where it is). */
static const struct shipped sets[] = {
    {"rules/updss.xml", "updss", 24, updss_autos, no_rows}, /* MAN-01..MAN-24 */
    {"rules/jrt0092.xml", "jrt0092", 12, jrt0092_autos,
     jrt0092_manual_rows},                                       /* MAN-25..MAN-33, MAN-36..38 */
    {"rules/jrt0171.xml", "jrt0171", 2, jrt0171_autos, no_rows}, /* MAN-34, MAN-35 */
    {"rules/jrt0068.xml", "jrt0068", 0, jrt0068_autos, no_rows}, /* web channel, no MAN row */
};
#define NSETS (sizeof sets / sizeof sets[0])

static size_t nautos(const struct shipped *s)
{
	size_t n = 0;
	while (s->autos[n])
		n++;
	return n;
}

static bool is_man_id(const char *id)
{
	return str_starts(id, "MAN-");
}

static bool listed(const char *const *ids, const char *id)
{
	for (size_t a = 0; ids[a]; a++)
		if (strcmp(ids[a], id) == 0)
			return true;
	return false;
}

/* A catalog row of any set whose probe is "manual" (type="manual", not MAN-nn). */
static bool is_manual_row(const char *id)
{
	return listed(jrt0092_manual_rows, id);
}

static void load(struct ruleset *rs, const char *file)
{
	err_clear();
	int rc = ruleset_load(rs, file, XSD);
	cr_assert_eq(rc, 0, "%s does not load: %s", file, err_msg());
}

/* Which set holds MAN-n (1-based), as decided from the catalog. */
static const char *home_of(int n)
{
	if (n <= 24)
		return "updss";
	if (n == 34 || n == 35)
		return "jrt0171";
	return "jrt0092";
}

static bool nonempty(const char *s)
{
	return s && *s;
}

static bool has_non_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

Test(rulesets, each_file_validates_and_has_the_catalog_count)
{
	for (size_t i = 0; i < NSETS; i++) {
		struct ruleset rs;
		load(&rs, sets[i].file);
		cr_expect_str_eq(rs.id, sets[i].id, "%s", sets[i].file);
		size_t nman = 0, nrows = 0;
		for (size_t k = 0; k < rs.nrules; k++)
			nman += rs.rules[k].manual && is_man_id(rs.rules[k].id);
		while (sets[i].manual_rows[nrows])
			nrows++;
		cr_expect_eq(nman, sets[i].nmanual, "%s: %zu MAN rules, want %zu", sets[i].file,
		             nman, sets[i].nmanual);
		cr_expect_eq(rs.nrules, sets[i].nmanual + nautos(&sets[i]) + nrows,
		             "%s: %zu rules, want %zu MAN + %zu automated + %zu manual rows",
		             sets[i].file, rs.nrules, sets[i].nmanual, nautos(&sets[i]), nrows);
		for (size_t a = 0; a < nrows; a++) {
			int seen = 0;
			for (size_t k = 0; k < rs.nrules; k++)
				if (strcmp(rs.rules[k].id, sets[i].manual_rows[a]) == 0) {
					seen++;
					cr_expect(rs.rules[k].manual, "%s is not type=\"manual\"",
					          rs.rules[k].id);
				}
			cr_expect_eq(seen, 1, "%s appears %d times in %s", sets[i].manual_rows[a],
			             seen, sets[i].file);
		}
		cr_expect(nonempty(rs.title_en) && nonempty(rs.title_zh), "%s: set title en+zh",
		          sets[i].file);
		ruleset_free(&rs);
	}
}

Test(rulesets, every_man_id_appears_once_in_its_set)
{
	int seen[NMAN + 1] = {0};
	for (size_t i = 0; i < NSETS; i++) {
		struct ruleset rs;
		load(&rs, sets[i].file);
		for (size_t k = 0; k < rs.nrules; k++) {
			const char *id = rs.rules[k].id;
			if (!is_man_id(id))
				continue; /* automated rows: see the next test */
			cr_expect(rs.rules[k].manual, "%s is not type=\"manual\"", id);
			int n = 0, used = 0;
			cr_assert(sscanf(id, "MAN-%2d%n", &n, &used) == 1 && id[used] == '\0' &&
			              strlen(id) == 6 && n >= 1 && n <= NMAN,
			          "%s: rule %s is not a catalog MAN-01..MAN-38 id", sets[i].file,
			          id);
			seen[n]++;
			cr_expect_str_eq(rs.id, home_of(n), "%s is in %s, want %s", id, rs.id,
			                 home_of(n));
		}
		ruleset_free(&rs);
	}
	for (int n = 1; n <= NMAN; n++)
		cr_expect_eq(seen[n], 1, "MAN-%02d appears %d times across the sets", n, seen[n]);
}

/* The probes `assay probes` lists (first column), space-separated with a
 * leading and trailing space, so " tls " can be searched. */
static char *registered_probes(void)
{
	struct tu_run r = tu_sh("%s probes", tu_bin());
	cr_assert_eq(r.code, 0, "assay probes: exit %d: %s", r.code, r.err);
	char *out = xasprintf(" ");
	char *save = NULL;
	for (char *line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		if (sscanf(line, "%63s", name) == 1) {
			char *next = xasprintf("%s%s ", out, name);
			free(out);
			out = next;
		}
	}
	tu_run_free(&r);
	return out;
}

Test(rulesets, every_automated_row_appears_once_with_a_check_on_a_registered_probe)
{
	char *probes = registered_probes();
	/* The probes the brief says do not exist yet must not be named. */
	cr_assert(strstr(probes, " tls ") && strstr(probes, " pan ") && strstr(probes, " load "),
	          "assay probes lists:%s", probes);
	for (size_t i = 0; i < NSETS; i++) {
		struct ruleset rs;
		load(&rs, sets[i].file);
		/* Every non-MAN rule is one of the listed automated rows. */
		for (size_t k = 0; k < rs.nrules; k++) {
			const char *id = rs.rules[k].id;
			if (is_man_id(id))
				continue;
			cr_expect(listed(sets[i].autos, id) || listed(sets[i].manual_rows, id),
			          "%s: rule %s is neither MAN-nn nor a listed catalog row",
			          sets[i].file, id);
		}
		for (size_t a = 0; sets[i].autos[a]; a++) {
			const char *want = sets[i].autos[a];
			const struct rule *r = NULL;
			int seen = 0;
			for (size_t k = 0; k < rs.nrules; k++)
				if (strcmp(rs.rules[k].id, want) == 0) {
					r = &rs.rules[k];
					seen++;
				}
			cr_expect_eq(seen, 1, "%s appears %d times in %s", want, seen,
			             sets[i].file);
			if (!r)
				continue;
			cr_expect(!r->manual, "%s is manual", want);
			cr_expect(nonempty(r->check_src) && r->check, "%s has no check", want);
			cr_expect(r->nprobes >= 1, "%s names no probe", want);
			for (size_t p = 0; p < r->nprobes; p++) {
				char *pat = xasprintf(" %s ", r->probes[p]);
				cr_expect(strstr(probes, pat),
				          "%s reads probe '%s', not registered", want,
				          r->probes[p]);
				free(pat);
			}
			cr_expect(nonempty(r->remediation_en) && nonempty(r->remediation_zh) &&
			              has_non_ascii(r->remediation_zh),
			          "%s: remediation en+zh", want);
		}
		ruleset_free(&rs);
	}
	free(probes);
}

Test(rulesets, every_rule_is_bilingual_manual_and_tagged)
{
	static const char *const tags[] = {"src", "approx", "xref-PCI", "unverified"};
	for (size_t i = 0; i < NSETS; i++) {
		struct ruleset rs;
		load(&rs, sets[i].file);
		for (size_t k = 0; k < rs.nrules; k++) {
			const struct rule *r = &rs.rules[k];
			cr_expect(r->manual == (is_man_id(r->id) || is_manual_row(r->id)),
			          "%s: MAN ids and rows whose catalog probe is manual are manual, "
			          "the other catalog rows are not",
			          r->id);
			cr_expect(nonempty(r->title_en) && nonempty(r->title_zh), "%s: title en+zh",
			          r->id);
			if (r->manual)
				cr_expect(nonempty(r->evidence_en) && nonempty(r->evidence_zh),
				          "%s: evidence en+zh", r->id);
			cr_expect(nonempty(r->clause), "%s: clause ref", r->id);
			bool tagged = false;
			for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++)
				tagged = tagged ||
				         (r->confidence && strcmp(r->confidence, tags[t]) == 0);
			cr_expect(tagged, "%s: confidence tag '%s'", r->id,
			          r->confidence ? r->confidence : "(none)");
			/* A zh title is Chinese text, not a copy of the English one. */
			cr_expect(has_non_ascii(r->title_zh) &&
			              (!r->manual || has_non_ascii(r->evidence_zh)),
			          "%s: zh title or evidence looks untranslated", r->id);
			/* A PCI proxy must say which PCI requirement it stands for, in both
			 * versions. */
			if (r->confidence && strcmp(r->confidence, "xref-PCI") == 0) {
				bool v3 = false, v4 = false;
				for (size_t x = 0; x < r->nxrefs; x++) {
					v3 = v3 || str_starts(r->xrefs[x], "PCI DSS v3.2.1 ");
					v4 = v4 || str_starts(r->xrefs[x], "PCI DSS v4.0 ");
				}
				cr_expect(v3 && v4, "%s: xref-PCI without both PCI DSS xrefs",
				          r->id);
				cr_expect(
				    str_starts(r->clause, "PCI DSS "),
				    "%s: an xref-PCI clause must name PCI DSS, not look like a "
				    "UPDSS number: '%s'",
				    r->id, r->clause);
				cr_expect(nonempty(r->note_en) &&
				              strstr(r->note_en, "PCI DSS-equivalent"),
				          "%s: xref-PCI needs the reporting caveat in its note",
				          r->id);
			}
			/* Approximate numbers carry the check-before-printing caveat. */
			if (r->confidence && strcmp(r->confidence, "approx") == 0)
				cr_expect(nonempty(r->note_en) && strstr(r->note_en, "[approx]"),
				          "%s: approx clause without its caveat note", r->id);
		}
		ruleset_free(&rs);
	}
}

Test(rulesets, the_shipped_sets_load_together_with_the_bundled_ones)
{
	struct rulebook b = {0};
	err_clear();
	cr_assert_eq(rulebook_load_dir(&b, "rules", XSD), 0, "rules/: %s", err_msg());
	for (size_t i = 0; i < NSETS; i++)
		cr_expect_not_null(rulebook_find(&b, sets[i].id), "%s not loaded from rules/",
		                   sets[i].id);
	const struct ruleset *home = NULL;
	cr_expect_not_null(rulebook_find_rule(&b, "MAN-36", &home));
	cr_expect(home && strcmp(home->id, "jrt0092") == 0);
	rulebook_free(&b);
}

Test(rulesets, docs_table_lists_every_rule)
{
	char *doc = tu_read("docs/rulesets.md");
	cr_assert_not_null(doc, "docs/rulesets.md is missing");
	for (int n = 1; n <= NMAN; n++) {
		char row[32];
		snprintf(row, sizeof row, "| MAN-%02d |", n);
		cr_expect(strstr(doc, row), "docs/rulesets.md has no row '%s'", row);
	}
	/* Encoded automated rows are in the "Rules" tables, not only among the
	 * rows still to write. */
	char *rules = strstr(doc, "\n## Rules");
	cr_assert_not_null(rules, "docs/rulesets.md has no '## Rules' section");
	char *todo = strstr(rules, "\n## Not yet encoded");
	if (todo)
		*todo = '\0';
	for (size_t i = 0; i < NSETS; i++)
		for (size_t a = 0; sets[i].autos[a]; a++) {
			char *row = xasprintf("| %s |", sets[i].autos[a]);
			cr_expect(strstr(rules, row),
			          "docs/rulesets.md: '## Rules' has no row '%s'", row);
			free(row);
		}
	free(doc);
}

/* The row of rule in results.json (manual rules have one row, target "-"). */
static json_t *row_of(json_t *root, const char *rule)
{
	json_t *rows = json_object_get(root, "results"), *row;
	size_t i;
	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "rule"));
		if (id && strcmp(id, rule) == 0)
			return row;
	}
	return NULL;
}

Test(rulesets, run_reports_manual_until_attested_and_exits_0)
{
	char *dir = tu_tmpdir();
	char *plan = tu_write(dir, "plan.ini",
	                      "[assessment]\n"
	                      "name = UPDSS manual clauses\n"
	                      "rules = updss\n"
	                      "\n"
	                      "[target gateway]\n"
	                      "exec = true\n"
	                      "\n"
	                      "[attest MAN-02]\n"
	                      "status = pass\n"
	                      "evidence = policy-2026-signed.pdf\n"
	                      "by = Li Wei (QSA)\n"
	                      "date = 2026-10-12\n");
	struct tu_run r = tu_sh("%s run %s -o %s/out -q", tu_bin(), plan, dir);
	cr_expect_eq(r.code, 0, "exit %d, stderr: %s", r.code, r.err);

	char *path = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	cr_assert_not_null(root, "%s: %s", path, je.text);

	json_t *rows = json_object_get(root, "results");
	size_t nupd = sets[0].nmanual + nautos(&sets[0]);
	cr_expect_eq(json_array_size(rows), nupd, "one row per updss rule, got %zu, want %zu",
	             json_array_size(rows), nupd);
	/* No target ran tls or pan: each automated rule gets one not-applicable row. */
	for (size_t a = 0; sets[0].autos[a]; a++) {
		json_t *row = row_of(root, sets[0].autos[a]);
		cr_assert_not_null(row, "%s has no verdict", sets[0].autos[a]);
		const char *v = json_string_value(json_object_get(row, "verdict"));
		cr_expect_str_eq(v ? v : "", "not-applicable", "%s", sets[0].autos[a]);
	}
	for (int n = 1; n <= 24; n++) {
		char id[16];
		snprintf(id, sizeof id, "MAN-%02d", n);
		json_t *row = row_of(root, id);
		cr_assert_not_null(row, "%s has no verdict", id);
		const char *v = json_string_value(json_object_get(row, "verdict"));
		const char *t = json_string_value(json_object_get(row, "target"));
		cr_expect_str_eq(v ? v : "", n == 2 ? "pass" : "manual", "%s", id);
		cr_expect_str_eq(t ? t : "", "-", "%s target", id);
	}
	const char *reason = json_string_value(json_object_get(row_of(root, "MAN-02"), "reason"));
	cr_expect(reason && strstr(reason, "Li Wei (QSA)") && strstr(reason, "2026-10-12"),
	          "attestation reason: %s", reason ? reason : "(none)");
	/* An unattested clause tells the auditor what to collect. */
	reason = json_string_value(json_object_get(row_of(root, "MAN-08"), "reason"));
	cr_expect(reason && strstr(reason, "key-custodian"), "manual reason: %s",
	          reason ? reason : "(none)");
	/* Only the selected set is judged. */
	cr_expect_null(row_of(root, "MAN-25"));

	json_decref(root);
	free(path);
	tu_run_free(&r);
	r = tu_sh("rm -rf -- '%s'", dir);
	tu_run_free(&r);
	free(plan);
	free(dir);
}
