/*
 * `assay rules list` shows the rule sets found, with counts by type, level
 * and profile; `assay rules show ID` prints one rule in full; `assay rules
 * validate FILE...` checks rule files against the schema and the semantic
 * checks (exit 2 with file:line on the first error of each file); `assay
 * rules lint` checks that every fact key a rule reads is one its probe
 * documents (exit 1 naming each that is not).
 */
#include "harness/cmds.h"
#include "lib/err.h"
#include "lib/util.h"
#include "probes/probe.h"
#include "rules/ruleset.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rules_usage(FILE *f)
{
	fprintf(f,
	        "usage: assay rules list [--rules-dir DIR]\n"
	        "       assay rules show RULE-ID [--lang en|zh|both] [--rules-dir DIR]\n"
	        "       assay rules validate FILE.xml...\n"
	        "       assay rules lint [--rules-dir DIR] [--probes-dir DIR] [FILE.xml...]\n\n"
	        "Rule sets are read from %s\n(ASSAY_RULES_DIR overrides it) and from "
	        "--rules-dir.\n",
	        rules_default_dir());
}

/* Options shared by list, show and lint: --rules-dir, --lang, --probes-dir; the rest positional. */
struct rules_opts {
	const char *rules_dir, *lang, *probes_dir;
	char **pos;
	int npos;
};

static int parse_rules_opts(struct rules_opts *o, int argc, char **argv)
{
	static const char *const names[] = {"--rules-dir", "--lang", "--probes-dir"};
	const char **slots[] = {&o->rules_dir, &o->lang, &o->probes_dir};
	o->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int i = 1; i < argc; i++) {
		bool taken = false;
		for (size_t k = 0; k < 3 && !taken; k++) {
			size_t n = strlen(names[k]);
			if (strcmp(argv[i], names[k]) == 0) {
				if (i + 1 >= argc) {
					fprintf(stderr, "assay rules: %s needs a value\n",
					        names[k]);
					return -1;
				}
				*slots[k] = argv[++i];
				taken = true;
			} else if (strncmp(argv[i], names[k], n) == 0 && argv[i][n] == '=') {
				*slots[k] = argv[i] + n + 1;
				taken = true;
			}
		}
		if (taken)
			continue;
		if (argv[i][0] == '-') {
			fprintf(stderr, "assay rules: unknown option '%s'\n", argv[i]);
			return -1;
		}
		o->pos[o->npos++] = argv[i];
	}
	return 0;
}

static int rules_list(int argc, char **argv)
{
	struct rules_opts o = {0};
	int bad = parse_rules_opts(&o, argc, argv) < 0 || o.npos || o.lang || o.probes_dir;
	free(o.pos);
	if (bad) {
		rules_usage(stderr);
		return EXIT_USAGE;
	}
	const char *extra = o.rules_dir;
	struct rulebook b = {0};
	if (cmd_load_rules(&b, extra) < 0) {
		fprintf(stderr, "assay rules: %s\n", err_msg());
		rulebook_free(&b);
		return EXIT_USAGE;
	}
	printf("%-12s %6s %6s %6s %6s %6s %4s  %-16s %s\n", "RULE SET", "RULES", "AUTO", "MANUAL",
	       "BASE", "ENH", "GM", "FILE", "TITLE");
	for (size_t i = 0; i < b.nsets; i++) {
		const struct ruleset *rs = &b.sets[i];
		size_t manual = 0, base = 0, enh = 0, gm = 0;
		for (size_t k = 0; k < rs->nrules; k++) {
			manual += rs->rules[k].manual;
			base += rs->rules[k].level == LEVEL_BASELINE;
			enh += rs->rules[k].level == LEVEL_ENHANCED;
			gm += (rs->rules[k].profile & PROFILE_GM) != 0;
		}
		const char *file = strrchr(rs->file, '/');
		printf("%-12s %6zu %6zu %6zu %6zu %6zu %4zu  %-16s %s\n", rs->id, rs->nrules,
		       rs->nrules - manual, manual, base, enh, gm, file ? file + 1 : rs->file,
		       rs->title_en   ? rs->title_en
		       : rs->title_zh ? rs->title_zh
		                      : "");
	}
	printf("\nBASE and ENH: rules of JR/T 0092's baseline and enhanced levels (the others "
	       "belong to every level;\n`rules = SET:enhanced` judges both). GM: rules judged "
	       "only with `profiles = gm`.\n");
	rulebook_free(&b);
	return EXIT_CLEAN;
}

static int rules_validate(int argc, char **argv)
{
	if (argc < 2) {
		rules_usage(stderr);
		return EXIT_USAGE;
	}
	char *xsd = xasprintf("%s/ruleset.xsd", rules_default_dir());
	int code = EXIT_CLEAN;
	for (int i = 1; i < argc; i++) {
		struct ruleset rs;
		if (ruleset_load(&rs, argv[i], xsd) < 0) {
			fprintf(stderr, "%s\n", err_msg());
			code = EXIT_USAGE;
			continue;
		}
		printf("%s: ok, rule set %s, %zu rules\n", argv[i], rs.id, rs.nrules);
		ruleset_free(&rs);
	}
	free(xsd);
	return code;
}

static const char *level_name(enum rule_level l, bool en)
{
	if (l == LEVEL_ENHANCED)
		return en ? "enhanced" : "增强级";
	if (l == LEVEL_BASELINE)
		return en ? "baseline" : "基本级";
	return en ? "every level" : "各级别";
}

/* A label padded to 14 columns: a CJK character takes two. */
static void label(const char *l)
{
	int cols = 0;
	for (const unsigned char *p = (const unsigned char *)l; *p; p++)
		if ((*p & 0xc0) != 0x80)
			cols += *p >= 0xe0 ? 2 : 1;
	printf("%s%*s", l, cols < 14 ? 14 - cols : 1, "");
}

/* "en" and "zh" texts as --lang asks: one of them, or both on two lines. */
static void show_pair(const char *name, const char *en, const char *zh, const char *lang)
{
	bool want_en = strcmp(lang, "zh") != 0, want_zh = strcmp(lang, "en") != 0;
	/* A text only in the other language is still shown: better than nothing. */
	if (want_en && !en && zh)
		want_zh = true;
	if (want_zh && !zh && en)
		want_en = true;
	if (want_en && en) {
		label(name);
		printf("%s\n", en);
	}
	if (want_zh && zh) {
		label(want_en && en ? "" : name);
		printf("%s\n", zh);
	}
}

static int rules_show(int argc, char **argv)
{
	struct rules_opts o = {.lang = "both"};
	if (parse_rules_opts(&o, argc, argv) < 0 || o.npos != 1 || o.probes_dir) {
		free(o.pos);
		rules_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(o.lang, "en") != 0 && strcmp(o.lang, "zh") != 0 && strcmp(o.lang, "both") != 0) {
		fprintf(stderr, "assay rules show: --lang must be en, zh or both\n");
		free(o.pos);
		return EXIT_USAGE;
	}
	struct rulebook b = {0};
	int code = EXIT_CLEAN;
	const struct ruleset *rs = NULL;
	const struct rule *r = NULL;
	if (cmd_load_rules(&b, o.rules_dir) < 0) {
		fprintf(stderr, "assay rules: %s\n", err_msg());
		code = EXIT_USAGE;
	} else if (!(r = rulebook_find_rule(&b, o.pos[0], &rs))) {
		fprintf(stderr, "assay rules show: no rule '%s' (see `assay rules list`)\n",
		        o.pos[0]);
		code = EXIT_USAGE;
	} else {
		const char *lang = o.lang;
		bool en = strcmp(lang, "zh") != 0;
		label(en ? "Rule" : "规则");
		printf("%s (%s)\n", r->id,
		       r->manual ? (en ? "manual" : "人工") : (en ? "automated" : "自动"));
		label(en ? "Rule set" : "规则集");
		printf("%s\n", rs->id);
		show_pair(en ? "Title" : "标题", r->title_en, r->title_zh, lang);
		label(en ? "Clause" : "条款");
		printf("%s [%s]\n", r->clause ? r->clause : "-",
		       r->confidence ? r->confidence : "-");
		for (size_t i = 0; i < r->nxrefs; i++) {
			label(i ? "" : (en ? "Cross-ref" : "对照"));
			printf("%s\n", r->xrefs[i]);
		}
		label(en ? "Severity" : "严重程度");
		printf("%s", severity_name(r->severity));
		if (r->has_severity_internet)
			printf(" (zone internet: %s)", severity_name(r->severity_internet));
		if (r->has_severity_internal)
			printf(" (zone internal: %s)", severity_name(r->severity_internal));
		printf("\n");
		label(en ? "Level" : "级别");
		printf("%s\n", level_name(r->level, en));
		if (r->profile & PROFILE_GM) {
			label(en ? "Profile" : "配置");
			printf("%s\n", en ? "gm (judged only with `profiles = gm`)"
			                  : "gm（仅在`profiles = gm`时判定）");
		}
		if (r->nprobes) {
			label(en ? "Probes" : "探针");
			for (size_t i = 0; i < r->nprobes; i++)
				printf("%s%s", i ? " " : "", r->probes[i]);
			printf("\n");
		}
		if (r->applies_src) {
			label(en ? "Applies" : "适用");
			printf("%s\n", r->applies_src);
		}
		if (r->check_src) {
			label(en ? "Check" : "检查式");
			printf("%s\n", r->check_src);
		}
		show_pair(en ? "Evidence" : "证据", r->evidence_en, r->evidence_zh, lang);
		show_pair(en ? "Remediation" : "整改建议", r->remediation_en, r->remediation_zh,
		          lang);
		show_pair(en ? "Note" : "说明", r->note_en, r->note_zh, lang);
		label(en ? "Defined in" : "定义位置");
		printf("%s:%d\n", rs->file, r->line);
	}
	rulebook_free(&b);
	free(o.pos);
	return code;
}

/* ---- lint ---- */

/* The fact keys a probe's README documents: first-cell `code` in table rows. */
struct doc_keys {
	char **pat;
	size_t n, cap;
};

static int read_doc_keys(struct doc_keys *d, const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[4096];
	size_t plen = strlen(prefix);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '|')
			continue;
		char *end = strchr(line + 1, '|');
		if (end)
			*end = '\0';
		/* "`app.android.sig.v1`, `.v2`" and "`load.latency.min_ms`, `mean_ms`":
		 * a short form replaces the last segment of the cell's first key. */
		char *full = NULL;
		for (char *p = strchr(line + 1, '`'); p; p = strchr(p, '`')) {
			char *q = strchr(p + 1, '`');
			if (!q)
				break;
			*q = '\0';
			const char *tok = p + 1;
			if (strncmp(tok, prefix, plen) == 0 && tok[plen] == '.') {
				free(full);
				full = xstrdup(tok);
				*ARRAY_PUSH(d->pat, d->n, d->cap) = xstrdup(tok);
			} else if (full && *tok &&
			           strspn(tok, ".abcdefghijklmnopqrstuvwxyz0123456789_") ==
			               strlen(tok) &&
			           !strchr(tok + 1, '.')) {
				const char *cut = strrchr(full, '.');
				*ARRAY_PUSH(d->pat, d->n, d->cap) =
				    xasprintf("%.*s%s%s", (int)(cut - full), full,
				              *tok == '.' ? "" : ".", tok);
			}
			p = q + 1;
		}
		free(full);
	}
	fclose(f);
	return 0;
}

/* "tls.proto.<proto>" matches tls.proto.tls1_2; a <placeholder> is one or more segments. */
static bool key_matches(const char *pat, const char *key)
{
	while (*pat) {
		if (*pat == '<') {
			const char *close = strchr(pat, '>');
			if (!close || !*key)
				return false;
			for (const char *e = key + 1;; e++) {
				if ((*e == '.' || *e == '\0') && key_matches(close + 1, e))
					return true;
				if (!*e)
					return false;
			}
		}
		if (*pat != *key)
			return false;
		pat++;
		key++;
	}
	return *key == '\0';
}

struct lint_ctx {
	const struct rule *rule;
	const struct ruleset *set;
	const char *probes_dir;
	struct doc_keys *docs; /* per registered probe, loaded on first use */
	bool *loaded;
	int problems;
};

static void lint_key(const char *key, void *arg)
{
	struct lint_ctx *c = arg;
	const char *dot = strchr(key, '.');
	char owner[64];
	snprintf(owner, sizeof(owner), "%.*s", dot ? (int)(dot - key) : (int)strlen(key), key);
	size_t pi = 0;
	while (probe_registry[pi] && strcmp(probe_registry[pi]->name, owner) != 0)
		pi++;
	if (!probe_registry[pi]) {
		printf("%s:%d: rule %s: fact '%s': no probe is named '%s' (see `assay probes`)\n",
		       c->set->file, c->rule->line, c->rule->id, key, owner);
		c->problems++;
		return;
	}
	bool reads = false;
	for (size_t i = 0; i < c->rule->nprobes; i++)
		reads |= strcmp(c->rule->probes[i], owner) == 0;
	if (!reads) {
		printf(
		    "%s:%d: rule %s: fact '%s' belongs to the %s probe, which probe=\"...\" does "
		    "not name: the rule is not judged where only %s ran\n",
		    c->set->file, c->rule->line, c->rule->id, key, owner, owner);
		c->problems++;
	}
	char *readme = xasprintf("%s/%s/README.md", c->probes_dir, owner);
	if (!c->loaded[pi]) {
		c->loaded[pi] = true;
		if (read_doc_keys(&c->docs[pi], readme, owner) < 0) {
			printf("%s: cannot read: %s (the %s probe's fact table)\n", readme,
			       strerror(errno), owner);
			c->problems++;
		}
	}
	bool ok = false;
	for (size_t i = 0; i < c->docs[pi].n && !ok; i++)
		ok = key_matches(c->docs[pi].pat[i], key);
	if (!ok && c->docs[pi].n) {
		printf("%s:%d: rule %s: fact '%s' is not documented by the %s probe (%s)\n",
		       c->set->file, c->rule->line, c->rule->id, key, owner, readme);
		c->problems++;
	}
	free(readme);
}

/* probes/ beside the rules folder: the source tree and an install alike. */
static char *default_probes_dir(void)
{
	char *rules = xstrdup(rules_default_dir());
	char *d = xasprintf("%s/probes", dirname(rules));
	free(rules);
	char *real = realpath(d, NULL);
	if (real) {
		free(d);
		d = xstrdup(real);
		free(real);
	}
	return d;
}

static int rules_lint(int argc, char **argv)
{
	struct rules_opts o = {0};
	if (parse_rules_opts(&o, argc, argv) < 0 || o.lang) {
		free(o.pos);
		rules_usage(stderr);
		return EXIT_USAGE;
	}
	struct rulebook b = {0};
	int code = EXIT_CLEAN;
	if (o.npos) {
		char *xsd = xasprintf("%s/ruleset.xsd", rules_default_dir());
		for (int i = 0; i < o.npos && code == EXIT_CLEAN; i++) {
			struct ruleset rs;
			if (ruleset_load(&rs, o.pos[i], xsd) < 0 || rulebook_add(&b, &rs) < 0) {
				fprintf(stderr, "%s\n", err_msg());
				code = EXIT_USAGE;
			}
		}
		free(xsd);
	} else if (cmd_load_rules(&b, o.rules_dir) < 0) {
		fprintf(stderr, "assay rules: %s\n", err_msg());
		code = EXIT_USAGE;
	}
	if (code != EXIT_CLEAN) {
		rulebook_free(&b);
		free(o.pos);
		return code;
	}
	size_t nprobes = 0;
	while (probe_registry[nprobes])
		nprobes++;
	char *pdir = o.probes_dir ? xstrdup(o.probes_dir) : default_probes_dir();
	struct lint_ctx c = {.probes_dir = pdir,
	                     .docs = xcalloc(nprobes + 1, sizeof(struct doc_keys)),
	                     .loaded = xcalloc(nprobes + 1, sizeof(bool))};
	size_t nrules = 0, nkeys = 0;
	for (size_t s = 0; s < b.nsets; s++) {
		for (size_t k = 0; k < b.sets[s].nrules; k++) {
			const struct rule *r = &b.sets[s].rules[k];
			c.rule = r;
			c.set = &b.sets[s];
			nrules++;
			if (!r->title_en || !r->title_zh) {
				printf("%s:%d: rule %s: no %s title (every rule has zh and en)\n",
				       c.set->file, r->line, r->id, r->title_zh ? "en" : "zh");
				c.problems++;
			}
			if (r->check)
				expr_keys(r->check, lint_key, &c);
			if (r->applies)
				expr_keys(r->applies, lint_key, &c);
		}
	}
	for (size_t i = 0; i < nprobes; i++)
		nkeys += c.docs[i].n;
	if (c.problems) {
		printf("assay rules lint: %d problem%s in %zu rule set%s\n", c.problems,
		       c.problems == 1 ? "" : "s", b.nsets, b.nsets == 1 ? "" : "s");
		code = EXIT_FAILED;
	} else {
		printf(
		    "assay rules lint: ok, %zu rules in %zu rule sets read only documented facts "
		    "(%zu documented in %s)\n",
		    nrules, b.nsets, nkeys, pdir);
	}
	for (size_t i = 0; i < nprobes; i++) {
		for (size_t k = 0; k < c.docs[i].n; k++)
			free(c.docs[i].pat[k]);
		free(c.docs[i].pat);
	}
	free(c.docs);
	free(c.loaded);
	free(pdir);
	rulebook_free(&b);
	free(o.pos);
	return code;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2) {
		rules_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		rules_usage(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(argv[1], "list") == 0)
		return rules_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "validate") == 0)
		return rules_validate(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return rules_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "lint") == 0)
		return rules_lint(argc - 1, argv + 1);
	fprintf(stderr, "assay rules: unknown subcommand '%s'\n", argv[1]);
	rules_usage(stderr);
	return EXIT_USAGE;
}
