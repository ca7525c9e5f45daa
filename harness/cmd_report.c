/*
 * `assay report RESULTS.json --format F[,F] [-o FILE|DIR]` renders an
 * earlier run without re-running a probe: every renderer is a pure
 * function of the results model.
 */
#include "harness/cmds.h"
#include "harness/results.h"
#include "lib/err.h"
#include "reports/report.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void report_usage(FILE *f)
{
	fprintf(f,
	        "usage: assay report RESULTS.json [--format F[,F...]] [-o FILE|DIR] [--lang L]\n\n"
	        "  -f, --format LIST  formats (default json):");
	for (size_t i = 0; renderer_registry[i]; i++)
		fprintf(f, " %s", renderer_registry[i]->name);
	fprintf(f, "\n"
	           "  -o, --output PATH  a file for one format (- for stdout, the default),\n"
	           "                     a folder for several\n"
	           "      --lang L       en, zh or both (default both)\n");
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"lang", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *formats = "json", *output = NULL, *lang = "both";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			formats = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'L':
			lang = optarg;
			if (strcmp(lang, "en") && strcmp(lang, "zh") && strcmp(lang, "both")) {
				fprintf(stderr, "assay report: --lang: expected en, zh or both\n");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			report_usage(stdout);
			return EXIT_CLEAN;
		default:
			report_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "assay report: expected one results file\n");
		report_usage(stderr);
		return EXIT_USAGE;
	}
	bool several = strchr(formats, ',') != NULL;
	struct results r;
	if (results_read(&r, argv[optind]) < 0) {
		fprintf(stderr, "assay report: %s\n", err_msg());
		return EXIT_USAGE;
	}
	int rc;
	if (several) {
		const char *dir = output ? output : ".";
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "assay report: %s: %s\n", dir, strerror(errno));
			results_free(&r);
			return EXIT_USAGE;
		}
		rc = cmd_render(&r, formats, dir, NULL, lang, 0);
	} else {
		rc = cmd_render(&r, formats, NULL, output ? output : "-", lang, 0);
	}
	if (rc < 0)
		fprintf(stderr, "assay report: %s\n", err_msg());
	results_free(&r);
	return rc < 0 ? EXIT_USAGE : EXIT_CLEAN;
}
