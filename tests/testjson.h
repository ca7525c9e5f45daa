/*
 * Reading a results.json back in the suites that judge a whole run
 * (jansson): a plan run end to end, and the verdict of one rule on one
 * target.
 */
#ifndef ASSAY_TESTS_TESTJSON_H
#define ASSAY_TESTS_TESTJSON_H

#include <jansson.h>
#include <string.h>

/* The verdict of rule on target in a results.json, or "" when it has no such row. */
static inline const char *tu_verdict(json_t *root, const char *rule, const char *target)
{
	json_t *rows = json_object_get(root, "results"), *row;
	size_t i;
	json_array_foreach(rows, i, row)
	{
		const char *id = json_string_value(json_object_get(row, "rule"));
		const char *t = json_string_value(json_object_get(row, "target"));
		if (id && t && strcmp(id, rule) == 0 && strcmp(t, target) == 0)
			return json_string_value(json_object_get(row, "verdict"));
	}
	return "";
}

/*
 * Write plan as dir/plan.ini, run assay on it (outputs in dir/out, the
 * shipped rule sets), and return its results.json; with text, also the
 * file's text (the caller frees both). A run that could not start (exit 2)
 * fails the test. Needs tests/testutil.h first.
 */
static inline json_t *tu_run_plan(const char *dir, const char *plan, char **text)
{
	char *pp = tu_write(dir, "plan.ini", plan);
	struct tu_run r =
	    tu_sh("ASSAY_RULES_DIR=rules %s run %s -o %s/out --format json", tu_bin(), pp, dir);
	cr_assert_neq(r.code, 2, "%s %s", r.out, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	char *js = tu_read(res);
	cr_assert(js, "%s was not written", res);
	json_error_t je;
	json_t *j = json_loads(js, 0, &je);
	cr_assert(j, "%s: %s", res, je.text);
	free(res);
	free(pp);
	if (text)
		*text = js;
	else
		free(js);
	return j;
}

#endif
