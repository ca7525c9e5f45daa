/*
 * `assay verify DIR [--ca-file PEM]` checks a signed output folder
 * (`assay run --sign`): every file's hash against the manifest, the CMS
 * signature over it, the signer's chain and any RFC 3161 timestamp.
 * Exit 0 when everything holds, 1 when anything was changed, added or
 * removed or does not verify, 2 when the folder holds no bundle.
 */
#include "harness/cmds.h"
#include "lib/err.h"
#include "reports/bundle.h"

#include <getopt.h>
#include <stdio.h>

static void verify_usage(FILE *f)
{
	fprintf(f, "usage: assay verify DIR [--ca-file PEM]\n\n"
	           "Checks a folder signed by 'assay run --sign': file hashes, the signature,\n"
	           "the certificate chain (against --ca-file, or the system's trust store) and\n"
	           "the timestamp. Exit 0 all hold, 1 something changed or does not verify,\n"
	           "2 no bundle or usage error.\n");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"ca-file", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ca = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ca = optarg;
			break;
		case 'h':
			verify_usage(stdout);
			return EXIT_CLEAN;
		default:
			verify_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		verify_usage(stderr);
		return EXIT_USAGE;
	}
	int rc = bundle_verify(argv[optind], ca, stdout);
	if (rc < 0) {
		fprintf(stderr, "assay verify: %s\n", err_msg());
		return EXIT_USAGE;
	}
	return rc == 0 ? EXIT_CLEAN : EXIT_FAILED;
}
