/*
 * The renderer interface: one `const struct renderer` per output format,
 * listed in reports/registry.c. A renderer is a pure function of the
 * results model (harness/results.h).
 */
#ifndef ASSAY_REPORTS_REPORT_H
#define ASSAY_REPORTS_REPORT_H

#include "harness/results.h"

#include <stdio.h>

struct render_opts {
	const char *lang; /* "en", "zh" or "both" */
};

struct renderer {
	const char *name;    /* --format value: "json", "junit" */
	const char *ext;     /* default file name under -o: "results.json" */
	const char *summary; /* one line for --help */
	/* 0, or -1 with err_set(). */
	int (*render)(const struct results *r, const struct render_opts *o, FILE *out);
};

extern const struct renderer *const renderer_registry[];
const struct renderer *renderer_find(const char *name);

#endif
