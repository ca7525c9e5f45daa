/*
 * Reading a results.json back in the suites that judge a whole run
 * (jansson): the verdict of one rule on one target.
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

#endif
