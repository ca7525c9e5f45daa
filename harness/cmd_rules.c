/*
 * `assay rules list` shows the rule sets found; `assay rules validate
 * FILE...` checks rule files against the schema and the semantic checks
 * (exit 2 with file:line on the first error of each file).
 */
#include "harness/cmds.h"
#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rules_usage(FILE *f)
{
	fprintf(f,
	        "usage: assay rules list [--rules-dir DIR]\n"
	        "       assay rules validate FILE.xml...\n\n"
	        "Rule sets are read from %s\n(ASSAY_RULES_DIR overrides it) and from "
	        "--rules-dir.\n",
	        rules_default_dir());
}

static int rules_list(int argc, char **argv)
{
	const char *extra = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rules-dir") == 0 && i + 1 < argc) {
			extra = argv[++i];
		} else if (str_starts(argv[i], "--rules-dir=")) {
			extra = argv[i] + strlen("--rules-dir=");
		} else {
			rules_usage(stderr);
			return EXIT_USAGE;
		}
	}
	struct rulebook b = {0};
	if (cmd_load_rules(&b, extra) < 0) {
		fprintf(stderr, "assay rules: %s\n", err_msg());
		rulebook_free(&b);
		return EXIT_USAGE;
	}
	printf("%-12s %6s %6s %6s  %-28s %s\n", "RULE SET", "RULES", "AUTO", "MANUAL", "FILE",
	       "TITLE");
	for (size_t i = 0; i < b.nsets; i++) {
		const struct ruleset *rs = &b.sets[i];
		size_t manual = 0;
		for (size_t k = 0; k < rs->nrules; k++)
			manual += rs->rules[k].manual;
		const char *file = strrchr(rs->file, '/');
		printf("%-12s %6zu %6zu %6zu  %-28s %s\n", rs->id, rs->nrules, rs->nrules - manual,
		       manual, file ? file + 1 : rs->file,
		       rs->title_en   ? rs->title_en
		       : rs->title_zh ? rs->title_zh
		                      : "");
	}
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
	fprintf(stderr, "assay rules: unknown subcommand '%s'\n", argv[1]);
	rules_usage(stderr);
	return EXIT_USAGE;
}
