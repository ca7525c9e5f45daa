/* JUnit XML renderer: placeholder until implemented. */
#include "reports/report.h"
#include "lib/err.h"

static int junit_render(const struct results *r, const struct render_opts *o, FILE *out)
{
	(void)r;
	(void)o;
	(void)out;
	return err_set("junit: not implemented");
}

const struct renderer renderer_junit = {
	.name = "junit",
	.ext = "junit.xml",
	.summary = "JUnit XML: a testsuite per rule set, a testcase per rule and target",
	.render = junit_render,
};
