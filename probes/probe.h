/*
 * The one plugin interface of assay's probes, in the manner of curl's
 * `struct Curl_ssl`: each probe is a `const struct probe` listed in the
 * registry (probes/registry.c) and the harness never knows which one it
 * talks to.
 *
 * A probe gathers facts about one target. The harness runs each (target,
 * probe) pair in a child process of its own with a deadline, so a probe
 * that crashes or hangs costs an error verdict for that pair and nothing
 * else; a probe must still bound its own waits (every socket gets
 * o->timeout_s) so that it can report what it found before the deadline.
 */
#ifndef ASSAY_PROBES_PROBE_H
#define ASSAY_PROBES_PROBE_H

#include "harness/facts.h"

#include <stddef.h>
#include <stdio.h>

/* One "key = value" line of a target that selects a probe ("files = /srv"). */
struct target_input {
	const char *key;
	const char *value;
};

/* One "key.option = value" line ("tls.sni = pay.example"). */
struct target_option {
	const char *name; /* the full name, "tls.sni" */
	const char *value;
};

/*
 * What a probe is pointed at: a target section of a plan (or the argument
 * of `assay probe`), reduced to the lines for this probe. A probe may be
 * given several inputs (`files = a`, `files = b`).
 */
struct target {
	const char *name;
	const struct target_input *inputs;
	size_t ninputs;
	const struct target_option *options;
	size_t noptions;
};

struct probe_opts {
	double timeout_s; /* the deadline of the whole run; bound every wait by it */
	int verbose;
	/* A person is watching one probe run on a terminal (`assay probe`):
	 * a long probe may keep a progress line on stderr. */
	bool progress;
	/*
	 * A part of a split run (`<key>.split = true` with `--shard i/N`):
	 * this run does its share `part` (0-based) of `parts`; 0 parts is the
	 * whole. Only probes with a merge hook are split.
	 */
	unsigned part, parts;
};

/* A probe's option, as accepted in a plan after the key ("exec.env"). */
struct probe_option {
	const char *name; /* without the key: "env" */
	const char *help;
};

struct probe {
	const char *name;    /* "tls": the fact prefix and `assay probe NAME` */
	const char *summary; /* one line for `assay probes` */
	/* Plan keys that select this probe, NULL-terminated ("apk", "ipa"). */
	const char *const *keys;
	/* Options accepted as "<key>.<name>", terminated by {NULL, NULL}. */
	const struct probe_option *options;
	/*
	 * Relative cost of one run, for balancing shards (`--shard i/N`):
	 * 0 or 1 for a quick probe, more for slow ones (a TLS scan, a load
	 * test). Only the ratio between probes matters.
	 */
	unsigned cost;
	/* 0, or <0 with facts_error() set. Facts gathered before a failure stay. */
	int (*run)(const struct target *t, const struct probe_opts *o, struct facts *out);
	/*
	 * Optional: a summary for a person, printed by `assay probe` above the
	 * facts (a load test's percentile spectrum). 0 when it printed.
	 */
	int (*print)(FILE *out, const struct facts *f);
	/*
	 * Optional: the facts of one whole run from those of its n parts
	 * (probe_opts.part), exactly, for `assay merge`. A probe with this hook
	 * may be split across shards. 0, or -1 with err_set().
	 */
	int (*merge)(struct facts *out, const struct facts *const *in, size_t n);
};

/* The registry: NULL-terminated, in the order `assay probes` lists them. */
extern const struct probe *const probe_registry[];

const struct probe *probe_find(const char *name);
/* The probe that a plan key selects ("files" -> pan); NULL if none. */
const struct probe *probe_for_key(const char *key);
/* Whether "<key>.<opt>" names an option the probe of key accepts. */
bool probe_accepts_option(const struct probe *p, const char *opt);
/* The value of option name ("exec.env") in t, or NULL; the last one wins. */
const char *target_option(const struct target *t, const char *name);

#endif
