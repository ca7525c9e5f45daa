/* Shards; see shard.h. */
#include "harness/shard.h"
#include "lib/err.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_uint(unsigned *out, const char *s, size_t len)
{
	if (len == 0 || len > 9)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int shard_parse(struct shard *s, const char *spec)
{
	const char *slash = strchr(spec, '/');
	unsigned i, n;
	if (!slash || parse_uint(&i, spec, (size_t)(slash - spec)) < 0 ||
	    parse_uint(&n, slash + 1, strlen(slash + 1)) < 0)
		return err_set("--shard: expected i/N (0-based index), found '%s'", spec);
	if (n < 1 || n > SHARD_MAX || i >= n)
		return err_set("--shard %s: need 0 <= i < N <= %d", spec, SHARD_MAX);
	s->index = i;
	s->count = n;
	return 0;
}

static int env_uint(unsigned *out, const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 1;
	if (parse_uint(out, v, strlen(v)) < 0)
		return err_set("%s: expected a number, found '%s'", name, v);
	return 0;
}

int shard_from_env(struct shard *s)
{
	unsigned i, n, min = 0;
	int ri = env_uint(&i, "JOB_COMPLETION_INDEX"), rn;
	if (ri < 0)
		return -1;
	if (ri == 0) {
		rn = env_uint(&n, "ASSAY_SHARDS");
		if (rn != 0)
			return rn < 0 ? -1
				      : err_set("JOB_COMPLETION_INDEX is set: set ASSAY_SHARDS to the "
						"Job's completions too");
	} else {
		ri = env_uint(&i, "SLURM_ARRAY_TASK_ID");
		if (ri < 0)
			return -1;
		if (ri == 1)
			return 0; /* not sharded */
		rn = env_uint(&n, "SLURM_ARRAY_TASK_COUNT");
		if (rn != 0)
			return rn < 0 ? -1 : err_set("SLURM_ARRAY_TASK_ID is set but not "
						     "SLURM_ARRAY_TASK_COUNT");
		if (env_uint(&min, "SLURM_ARRAY_TASK_MIN") < 0)
			return -1;
		if (i < min)
			return err_set("SLURM_ARRAY_TASK_ID %u is below SLURM_ARRAY_TASK_MIN %u", i,
				       min);
		i -= min;
	}
	if (n < 1 || n > SHARD_MAX || i >= n)
		return err_set("shard %u of %u from the environment: need 0 <= index < count <= %d",
			       i, n, SHARD_MAX);
	s->index = i;
	s->count = n;
	return 0;
}

struct ranked {
	size_t k;
	unsigned cost;
};

static int by_cost_then_order(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

void shard_assign(const struct work *w, size_t n, unsigned count, unsigned *out)
{
	struct ranked *rk = xcalloc(n + 1, sizeof(*rk));
	unsigned long long *load = xcalloc(count, sizeof(*load));
	for (size_t k = 0; k < n; k++) {
		rk[k].k = k;
		rk[k].cost = w[k].probe->cost ? w[k].probe->cost : 1;
	}
	qsort(rk, n, sizeof(*rk), by_cost_then_order);
	for (size_t j = 0; j < n; j++) {
		unsigned best = 0;
		for (unsigned s = 1; s < count; s++)
			if (load[s] < load[best])
				best = s;
		out[rk[j].k] = best;
		load[best] += rk[j].cost;
	}
	free(rk);
	free(load);
}
