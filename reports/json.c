/*
 * The JSON "renderer": results.json itself, the canonical output. Listed
 * as a renderer so `--format json` and `assay report --format json` work
 * like every other format.
 */
#include "reports/report.h"
#include "lib/err.h"

static int json_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	(void)o;
	json_t *j = results_to_json(r);
	int rc = json_dumpf(
	    j, out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | FACTS_JSON_REAL);
	json_decref(j);
	if (rc != 0 || fputc('\n', out) == EOF)
		return err_set("cannot write JSON output");
	return 0;
}

const struct renderer renderer_json = {
    .name = "json",
    .ext = "results.json",
    .summary = "results.json, the canonical output (docs/results.md)",
    .render = json_render,
};
