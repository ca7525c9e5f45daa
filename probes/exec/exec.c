/* The exec probe: placeholder until implemented. */
#include "probes/probe.h"

static int exec_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)t;
	(void)o;
	facts_error(out, "not implemented");
	return -1;
}

static const char *const exec_keys[] = {"exec", NULL};
static const struct probe_option exec_options[] = {{NULL, NULL}};

const struct probe probe_exec = {
	.name = "exec",
	.summary = "run an external command and read facts from its JSON lines",
	.keys = exec_keys,
	.options = exec_options,
	.run = exec_run,
};
