/*
 * Shards: deterministic slices of a plan's (target, probe) work units, so
 * that any batch engine (a Kubernetes Indexed Job, a Slurm array, GNU
 * parallel) can run one plan on many machines and `assay merge` can
 * combine the results exactly (docs/scale.md).
 *
 * Indexes are 0-based: `--shard 0/4` .. `--shard 3/4`, as
 * JOB_COMPLETION_INDEX counts.
 */
#ifndef ASSAY_HARNESS_SHARD_H
#define ASSAY_HARNESS_SHARD_H

#include "harness/sched.h"

#include <stddef.h>

#define SHARD_MAX 100000

struct shard {
	unsigned index;
	unsigned count; /* 0: not sharded */
};

/* Parse "i/N"; 0, or -1 with err_set(). */
int shard_parse(struct shard *s, const char *spec);
/*
 * From the environment when no --shard was given: JOB_COMPLETION_INDEX
 * with ASSAY_SHARDS (Kubernetes Indexed Job), or SLURM_ARRAY_TASK_ID with
 * SLURM_ARRAY_TASK_COUNT (and SLURM_ARRAY_TASK_MIN, if the array does not
 * start at 0). s->count stays 0 when neither is set; -1 when set but wrong.
 */
int shard_from_env(struct shard *s);

/*
 * Which shard runs each unit: out[k] for w[k]. Greedy on cost: units in
 * decreasing cost (plan order among equals) each go to the shard with
 * the least total so far (the lowest index among equals). The same plan
 * and count always give the same slices.
 */
void shard_assign(const struct work *w, size_t n, unsigned count, unsigned *out);

#endif
