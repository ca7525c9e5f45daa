/*
 * The renderer registry: the only place that names every output format.
 * Adding a format is one line here and one file under reports/.
 */
#include "reports/report.h"

#include <string.h>

extern const struct renderer renderer_json;
extern const struct renderer renderer_junit;
extern const struct renderer renderer_sarif;
extern const struct renderer renderer_html;
extern const struct renderer renderer_pdf;

const struct renderer *const renderer_registry[] = {
    &renderer_json,
    &renderer_junit,
    &renderer_sarif,
    &renderer_html,
    &renderer_pdf,
    NULL,
};

const struct renderer *renderer_find(const char *name)
{
	for (size_t i = 0; renderer_registry[i]; i++)
		if (strcmp(renderer_registry[i]->name, name) == 0)
			return renderer_registry[i];
	return NULL;
}
