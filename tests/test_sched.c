/*
 * The scheduler with probes that misbehave: each unit runs in its own
 * process, so a crash, a hang past the deadline or a failure costs only
 * that unit, and every other unit still runs and reports.
 */
#include "tests/testutil.h"

#include "harness/sched.h"

#include <signal.h>

static int good_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)o;
	facts_add_bool(out, "t.ok", true);
	facts_add_string(out, "t.name", t->name);
	return 0;
}

static int crash_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)t;
	(void)o;
	facts_add_bool(out, "t.before_crash", true);
	raise(SIGSEGV);
	return 0;
}

static int hang_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)t;
	(void)o;
	(void)out;
	for (;;)
		pause(); /* ignores its own deadline on purpose */
	return 0;
}

static int fail_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)t;
	(void)o;
	facts_add_int(out, "t.partial", 7);
	facts_error(out, "could not reach 4111111111111111");
	return -1;
}

static int silent_fail_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	(void)t;
	(void)o;
	(void)out;
	return -1;
}

static const struct probe p_good = {.name = "good", .summary = "", .run = good_run};
static const struct probe p_crash = {.name = "crash", .summary = "", .run = crash_run};
static const struct probe p_hang = {.name = "hang", .summary = "", .run = hang_run};
static const struct probe p_fail = {.name = "fail", .summary = "", .run = fail_run};
static const struct probe p_silent = {.name = "silent", .summary = "", .run = silent_fail_run};

static void setup_units(struct results *r, struct work *w, const struct probe *const *probes,
                        size_t n, double timeout)
{
	results_init(r);
	for (size_t i = 0; i < n; i++) {
		struct probe_run *run = results_add_run(r);
		run->target = xasprintf("t%zu", i);
		run->probe = xstrdup(probes[i]->name);
	}
	for (size_t i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].probe = probes[i];
		w[i].target.name = r->runs[i].target;
		w[i].timeout_s = timeout;
		w[i].run = &r->runs[i];
	}
}

Test(sched, good_unit_returns_its_facts)
{
	const struct probe *ps[] = {&p_good};
	struct results r;
	struct work w[1];
	setup_units(&r, w, ps, 1, 5);
	cr_assert_eq(sched_run(w, 1, 1, false), 0);
	cr_assert_str_eq(r.runs[0].status, "ok");
	const struct fact_value *v = facts_get(&r.runs[0].facts, "t.name");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, "t0");
	results_free(&r);
}

Test(sched, crash_is_isolated_and_others_still_run)
{
	const struct probe *ps[] = {&p_good, &p_crash, &p_good};
	struct results r;
	struct work w[3];
	setup_units(&r, w, ps, 3, 5);
	cr_assert_eq(sched_run(w, 3, 2, false), 1);
	cr_assert_str_eq(r.runs[0].status, "ok");
	cr_assert_str_eq(r.runs[1].status, "crashed");
	cr_assert_str_eq(r.runs[2].status, "ok");
	cr_assert_eq(r.runs[1].facts.nerrors, 1);
#ifndef __SANITIZE_ADDRESS__
	/* Under ASan the sanitizer catches SIGSEGV and exits instead. */
	cr_assert(strstr(r.runs[1].facts.errors[0], "signal 11"), "%s", r.runs[1].facts.errors[0]);
#endif
	results_free(&r);
}

Test(sched, hang_is_killed_at_the_deadline, .timeout = 20)
{
	const struct probe *ps[] = {&p_hang, &p_good};
	struct results r;
	struct work w[2];
	setup_units(&r, w, ps, 2, 0.5);
	cr_assert_eq(sched_run(w, 2, 2, false), 1);
	cr_assert_str_eq(r.runs[0].status, "timeout");
	cr_assert(strstr(r.runs[0].facts.errors[0], "timed out"), "%s", r.runs[0].facts.errors[0]);
	/* The deadline is the probe's timeout plus the grace period. */
	cr_assert_geq(r.runs[0].duration_ms, (0.5 + SCHED_GRACE_S) * 1000 - 50);
	cr_assert_str_eq(r.runs[1].status, "ok");
	results_free(&r);
}

Test(sched, failure_keeps_partial_facts_and_masks_errors)
{
	const struct probe *ps[] = {&p_fail, &p_silent};
	struct results r;
	struct work w[2];
	setup_units(&r, w, ps, 2, 5);
	cr_assert_eq(sched_run(w, 2, 1, false), 2);
	cr_assert_str_eq(r.runs[0].status, "error");
	const struct fact_value *v = facts_get(&r.runs[0].facts, "t.partial");
	cr_assert(v && v->i == 7);
	cr_assert(strstr(r.runs[0].facts.errors[0], "411111******1111"), "%s",
	          r.runs[0].facts.errors[0]);
	cr_assert_str_eq(r.runs[1].status, "error");
	cr_assert(strstr(r.runs[1].facts.errors[0], "without saying why"));
	results_free(&r);
}

Test(sched, more_units_than_jobs_all_run)
{
	const struct probe *ps[7] = {&p_good,  &p_good, &p_fail, &p_good,
	                             &p_crash, &p_good, &p_good};
	struct results r;
	struct work w[7];
	setup_units(&r, w, ps, 7, 5);
	cr_assert_eq(sched_run(w, 7, 3, false), 2);
	for (size_t i = 0; i < 7; i++) {
		cr_assert_not_null(r.runs[i].status);
		if (ps[i] == &p_good) {
			cr_assert_str_eq(r.runs[i].status, "ok");
			const struct fact_value *v = facts_get(&r.runs[i].facts, "t.name");
			cr_assert_str_eq(v->s, r.runs[i].target);
		}
	}
	results_free(&r);
}

/*
 * SIGTERM (a CI job cancelled, `timeout`) during a run: the units running
 * are stopped and, like the units not started, marked "error" naming the
 * signal; sched_run returns so the caller can write what it has.
 */
Test(sched, a_stop_signal_ends_the_run_and_marks_every_unit, .timeout = 30)
{
	const struct probe *ps[4] = {&p_good, &p_hang, &p_hang, &p_hang};
	struct results r;
	struct work w[4];
	setup_units(&r, w, ps, 4, 20);
	pid_t me = getpid(), killer = fork();
	cr_assert_geq(killer, 0);
	if (killer == 0) {
		usleep(1000 * 1000);
		kill(me, SIGTERM);
		_exit(0);
	}
	cr_assert_eq(sched_run(w, 4, 2, false), 3);
	waitpid(killer, NULL, 0);
	cr_assert_eq(sched_interrupted(), SIGTERM);
	cr_assert_str_eq(r.runs[0].status, "ok");
	for (size_t i = 1; i < 4; i++) {
		cr_assert_str_eq(r.runs[i].status, "error", "unit %zu", i);
		cr_assert_eq(r.runs[i].facts.nerrors, 1);
		cr_assert(strstr(r.runs[i].facts.errors[0], "assay was interrupted (Terminated)"),
		          "%s", r.runs[i].facts.errors[0]);
	}
	cr_assert(strstr(r.runs[1].facts.errors[0], "was stopped after"));
	cr_assert(strstr(r.runs[3].facts.errors[0], "did not run"));
	results_free(&r);
}

/*
 * The same end to end: `assay run` over exec targets whose commands
 * sleep, stopped with SIGTERM. It writes results.json, dies by the signal
 * (exit 143 to the shell), and no command it started is left running:
 * they lead groups of their own, out of reach of the probe's group.
 */
Test(sched, an_interrupted_run_leaves_no_process_behind, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *plan = tu_write(dir, "plan.ini",
	                      "[assessment]\nname = stopped\nrules = example\n\n"
	                      "[target a]\nexec = sleep 61.123\n\n"
	                      "[target b]\nexec = sleep 61.123; echo never\n\n"
	                      "[target c]\nexec = sleep 61.123\n");
	/* the sleeps are counted through /proc (procps may not be installed) */
	struct tu_run r = tu_sh(
	    "n() { c=0; for f in /proc/[0-9]*/cmdline; do case \"$(tr '\\0' ' ' <$f 2>/dev/null)\" "
	    "in 'sleep 61.123 ') c=$((c+1));; esac; done; echo $c; }; "
	    "ASSAY_RULES_DIR=rules %s run %s -o %s/out -j 2 & p=$!; "
	    "i=0; while [ $(n) -lt 2 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; "
	    "echo started=$(n); kill -TERM $p; wait $p; echo rc=$?; sleep 0.5; n",
	    tu_bin(), plan, dir);
	cr_assert(strstr(r.out, "started=2\n"), "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "rc=143"), "%s\n%s", r.out, r.err);
	cr_assert(strstr(r.out, "rc=143\n0\n"), "commands left running: %s", r.out);
	cr_assert(strstr(r.err, "interrupted (Terminated)"), "%s", r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	char *js = tu_read(res);
	cr_assert(js, "no results.json after the interrupt");
	cr_assert(strstr(js, "probe exec on a was stopped after"), "%s", js);
	cr_assert(strstr(js, "probe exec on c did not run"), "%s", js);
	free(js);
	free(res);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(plan);
	free(dir);
}
