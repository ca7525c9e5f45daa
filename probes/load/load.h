/*
 * The load probe's pieces that tests and the human output use: the URL
 * and loopback checks, and the wrk-like summary printed from the facts
 * (including the percentile spectrum decoded from `load.histogram`).
 */
#ifndef ASSAY_PROBES_LOAD_LOAD_H
#define ASSAY_PROBES_LOAD_LOAD_H

#include "harness/facts.h"
#include "probes/load/engine.h"

#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

struct load_url {
	bool tls;
	char host[256]; /* without brackets */
	char port[8];
	char path[2048];
};

/* Parse http[s]://host[:port][/path]; 0 or -1 with err_set(). */
int load_url_parse(struct load_url *u, const char *url);
/* Whether addr is 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
bool load_addr_is_loopback(const struct sockaddr *addr);
/* "30s", "500ms", "2m", "1.5" (seconds); 0 or -1. */
int load_parse_duration(double *out, const char *s);

/*
 * Service-level objectives (slo.c): check a `load.slo` declaration ("p95
 * <= 300ms, success >= 99.9%"), and judge one on a run's facts, adding
 * load.slo, load.slo.met and load.slo.missed. 0 or -1 with err_set().
 */
int load_slo_check(const char *spec);
int load_slo_judge(struct facts *f, const char *spec);
/* `load.throttle = N[/s]`; 0, or -1 with err_set(). */
int load_throttle_parse(double *out, const char *spec);
/* load.throttle.* from the run's facts (load.rate.achieved, status counts). */
void load_throttle_judge(struct facts *f, double threshold);

/*
 * LOAD-05 (recovery.c): `load.recovery = X` with `load.overload = R`
 * overloads the target after the run, then judges load.slo on windows of
 * `load.recovery_window` at the run's own rate until one meets it or X has
 * passed (facts load.recovery.*).
 */
struct load_recovery {
	bool on;
	double objective_s;  /* X */
	double overload_rps; /* R */
	double overload_s;   /* load.overload_duration, default load.duration */
	double window_s;     /* load.recovery_window, default 5 s (at most X) */
};
struct target;
struct load_errbody_cap;
/* The plan's keys; r->on stays false without load.recovery. 0 or -1 with err_set(). */
int load_recovery_parse(struct load_recovery *r, const struct target *t, double duration_s,
                        double rate);
/* Seconds the test needs after the run, at most (0 when off). */
double load_recovery_need_s(const struct load_recovery *r, double request_timeout_s);
/*
 * Overload, then the windows; facts and errors go to f. The error bodies
 * of these phases are scanned as the run's are (cap shared with the run's
 * scan): load.recovery.error_bodies.* count them, and they are added to
 * load.error_bodies.*, which LOAD-03 judges.
 */
void load_recovery_run(struct facts *f, const struct load_cfg *base, const struct load_recovery *r,
                       const char *slo, struct load_errbody_cap *cap);

/*
 * LOAD-03: scan s->errbody, the bodies sampled `when` ("under load",
 * "during the overload"), set s's hit counts and add masked findings to f.
 * *cap counts the findings added so far by the scans of one probe run, so
 * each kind stays at most 20 however many phases are scanned.
 */
struct load_errbody_cap {
	unsigned hits;   /* load-error-body-pan and -sad */
	unsigned stacks; /* load-error-body-stack-trace */
};
void load_errbody_scan(struct facts *f, struct load_stats *s, const char *when,
                       struct load_errbody_cap *cap);
/* The facts of one run (README.md's table) from its stats and configuration. */
void load_facts_add(struct facts *f, const struct load_stats *s, const struct load_cfg *c);

/*
 * Merge the load facts of n shards -- runs of the same plan at the same
 * time on several machines (`assay merge`) -- into out, exactly: counts
 * add, histograms add (so the percentiles are those of all samples), the
 * window is the longest, targets, connections and threads add. 0, or -1
 * with err_set() naming the shard (a missing or bad fact, mixed models).
 */
int load_facts_merge(struct facts *out, const struct facts *const *in, size_t n);

/*
 * A wrk-like summary and the percentile spectrum from a load probe's facts
 * (as `assay probe load` shows it); 0, or -1 when f holds no load facts.
 */
int load_print_summary(FILE *out, const struct facts *f);

#endif
