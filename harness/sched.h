/*
 * The scheduler: runs (target, probe) work units with up to `jobs` at
 * once, each in a child process of its own with a deadline. A unit that
 * crashes, hangs past its deadline or writes garbage gets an "error",
 * "timeout" or "crashed" status with a message, and every other unit
 * still runs.
 */
#ifndef ASSAY_HARNESS_SCHED_H
#define ASSAY_HARNESS_SCHED_H

#include "harness/results.h"
#include "probes/probe.h"

#include <stdbool.h>
#include <stddef.h>

struct work {
	const struct probe *probe;
	struct target target; /* borrowed from the plan */
	double timeout_s;
	bool progress;         /* passed to the probe (probe_opts.progress) */
	unsigned part, parts;  /* passed to the probe: a part of a split run */
	struct probe_run *run; /* filled in: status, duration_ms, facts */
};

/* Extra time a probe gets after its own timeout to report, before SIGKILL. */
#define SCHED_GRACE_S 2.0

/*
 * Runs every unit; returns the number of units whose status is not "ok".
 * SIGINT, SIGTERM or SIGHUP during the run stops it: the units running are
 * killed with what they started and, like the units not yet started, get
 * status "error" with a message naming the signal; sched_interrupted()
 * then returns the signal, and the caller should write what it has and
 * die by it (a second signal kills at once).
 */
size_t sched_run(struct work *w, size_t n, int jobs, bool progress);
int sched_interrupted(void);
/* After an interrupted run's output is written: say so (unless quiet) and die by the signal. */
void sched_reraise(bool quiet);

#endif
