/*
 * Tests of the exec probe (probes/exec/exec.c): each test points a target
 * at scripts in fixtures/exec/ (run from the repository root), calls
 * probe_exec.run directly and asserts on the fact store it filled: the
 * JSON-lines protocol, the bounds (deadline, line length, output size,
 * fact count), exit statuses, masking of card numbers, the cwd option and
 * several commands in one run.
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>

extern const struct probe probe_exec;

#define FIX "fixtures/exec/"

/* Run the probe over cmds (and optionally exec.cwd); the store is filled in f. */
static int run_exec(struct facts *f, const char *const *cmds, size_t n, const char *cwd,
                    double timeout_s)
{
	struct target_input in[8];
	cr_assert(n <= 8);
	for (size_t i = 0; i < n; i++)
		in[i] = (struct target_input){.key = "exec", .value = cmds[i]};
	struct target_option opt = {.name = "exec.cwd", .value = cwd};
	struct target t = {
	    .name = "test",
	    .inputs = in,
	    .ninputs = n,
	    .options = &opt,
	    .noptions = cwd ? 1 : 0,
	};
	struct probe_opts o = {.timeout_s = timeout_s};
	facts_init(f);
	return probe_exec.run(&t, &o, f);
}

static int run_one(struct facts *f, const char *cmd, double timeout_s)
{
	return run_exec(f, &cmd, 1, NULL, timeout_s);
}

/* The number of errors that contain needle (and needle2 when given). */
static size_t errors_with(const struct facts *f, const char *needle, const char *needle2)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nerrors; i++)
		if (strstr(f->errors[i], needle) && (!needle2 || strstr(f->errors[i], needle2)))
			n++;
	return n;
}

static void dump_errors(const struct facts *f)
{
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error %zu: %s", i, f->errors[i]);
}

static int64_t get_int(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "missing fact %s", key);
	cr_assert_eq(v->type, FACT_INT, "%s is not an int", key);
	return v->i;
}

static void assert_bool(const struct facts *f, const char *key, bool want)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "missing fact %s", key);
	cr_assert_eq(v->type, FACT_BOOL, "%s is not a bool", key);
	cr_assert_eq(v->b, want, "%s", key);
}

/* No string anywhere in the store contains s. */
static void assert_nowhere(const struct facts *f, const char *s)
{
	for (size_t i = 0; i < f->nerrors; i++)
		cr_assert_null(strstr(f->errors[i], s), "error leaks: %s", f->errors[i]);
	for (size_t i = 0; i < f->nfacts; i++) {
		char *v = fact_value_str(&f->facts[i].v);
		cr_assert_null(strstr(v, s), "fact %s leaks: %s", f->facts[i].key, v);
		free(v);
	}
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *fd = &f->findings[i];
		cr_assert(!fd->message || !strstr(fd->message, s));
		cr_assert(!fd->excerpt || !strstr(fd->excerpt, s));
	}
}

Test(exec, good_output)
{
	struct facts f;
	int rc = run_one(&f, FIX "good.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	cr_assert_eq(f.nerrors, 0);

	assert_bool(&f, "exec.tls.ok", true);
	assert_bool(&f, "exec.crlf", false);
	cr_assert_eq(get_int(&f, "exec.count"), 42);
	const struct fact_value *v = facts_get(&f, "exec.ratio");
	cr_assert(v && v->type == FACT_DOUBLE);
	cr_assert_float_eq(v->d, 0.25, 1e-12);
	/* Already prefixed: not "exec.exec.version". */
	v = facts_get(&f, "exec.version");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, "1.2.3");
	cr_assert_null(facts_get(&f, "exec.exec.version"));
	v = facts_get(&f, "exec.ciphers");
	cr_assert(v && v->type == FACT_LIST);
	cr_assert_eq(v->nitems, 2);
	cr_assert_str_eq(v->items[0], "TLS_AES_128_GCM_SHA256");
	cr_assert_str_eq(v->items[1], "TLS_AES_256_GCM_SHA384");
	cr_assert_null(facts_get(&f, "tls.ok"), "facts must stay under exec.");

	cr_assert_eq(f.nfindings, 2);
	const struct finding *fd = &f.findings[0];
	cr_assert_str_eq(fd->kind, "weak-cipher");
	cr_assert_str_eq(fd->severity, "high");
	cr_assert_str_eq(fd->message, "RC4 offered");
	cr_assert_str_eq(fd->excerpt, "SSLCipherSuite RC4-SHA");
	cr_assert_str_eq(fd->loc.file, "conf/ssl.conf");
	cr_assert_eq(fd->loc.line, 12);
	cr_assert_eq(fd->loc.column, 5);
	cr_assert_eq(fd->loc.offset, 300);
	cr_assert_str_eq(fd->loc.endpoint, "10.0.0.5:443");
	cr_assert_str_eq(fd->loc.stream, "s1");
	fd = &f.findings[1];
	cr_assert_str_eq(fd->kind, "debug-flag");
	cr_assert_str_eq(fd->loc.file, "AndroidManifest.xml");
	cr_assert_eq(fd->loc.line, 3);
	cr_assert_eq(fd->loc.column, -1);

	cr_assert_eq(get_int(&f, "exec.exit_code"), 0);
	cr_assert_eq(get_int(&f, "exec.commands"), 1);
	facts_free(&f);
}

Test(exec, last_line_without_newline)
{
	struct facts f;
	int rc = run_one(&f, FIX "no-newline.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	cr_assert_eq(get_int(&f, "exec.first"), 1);
	cr_assert_eq(get_int(&f, "exec.tail"), 2);
	facts_free(&f);
}

Test(exec, timeout)
{
	struct facts f;
	double t0 = time_mono_ms();
	int rc = run_one(&f, FIX "hang.sh", 1);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_lt(el, 10000, "took %.0f ms", el);
	cr_assert_geq(el, 900, "stopped before the deadline: %.0f ms", el);
	cr_assert_eq(errors_with(&f, "timed out after 1 s", "hang.sh"), 1);
	/* What it said before hanging stays; what it would say after never came. */
	assert_bool(&f, "exec.before_hang", true);
	cr_assert_null(facts_get(&f, "exec.after_hang"));
	facts_free(&f);
}

Test(exec, timeout_escalates_to_sigkill)
{
	struct facts f;
	double t0 = time_mono_ms();
	int rc = run_one(&f, FIX "hang-stubborn.sh", 1);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_lt(el, 10000, "took %.0f ms", el);
	cr_assert_eq(errors_with(&f, "timed out", NULL), 1);
	assert_bool(&f, "exec.stubborn", true);
	facts_free(&f);
}

Test(exec, timeout_with_pipes_closed)
{
	struct facts f;
	double t0 = time_mono_ms();
	int rc = run_one(&f, FIX "hang-closed.sh", 1);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_lt(el, 10000, "took %.0f ms", el);
	cr_assert_geq(el, 900, "took closed pipes for the end: %.0f ms", el);
	cr_assert_eq(errors_with(&f, "timed out", NULL), 1);
	facts_free(&f);
}

/* Whether pid is gone (or only a zombie waiting for a reaper). */
static bool pid_dead(pid_t pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	char *st = tu_read(path);
	if (!st)
		return true;
	const char *p = strrchr(st, ')');
	bool zombie = p && (p[2] == 'Z' || p[2] == 'X');
	free(st);
	return zombie;
}

Test(exec, timeout_kills_the_process_group)
{
	char *dir = tu_tmpdir();
	char *pidfile = xasprintf("%s/pid", dir);
	char *cmd = xasprintf(FIX "hang-group.sh %s", pidfile);
	struct facts f;
	int rc = run_one(&f, cmd, 1);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "timed out", NULL), 1);
	char *text = tu_read(pidfile);
	cr_assert(text, "the fixture did not write its pid");
	pid_t pid = (pid_t)atoi(text);
	cr_assert_gt(pid, 1);
	bool dead = false;
	for (int i = 0; i < 200 && !dead; i++) {
		dead = pid_dead(pid);
		if (!dead)
			usleep(10000);
	}
	if (!dead)
		kill(pid, SIGKILL);
	cr_assert(dead, "background process %d of the command survived", (int)pid);
	free(text);
	facts_free(&f);
	free(cmd);
	free(pidfile);
	free(dir);
}

Test(exec, background_process_does_not_hold_the_probe)
{
	struct facts f;
	double t0 = time_mono_ms();
	int rc = run_one(&f, FIX "background.sh", 30);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	cr_assert_lt(el, 10000, "waited for the background process: %.0f ms", el);
	assert_bool(&f, "exec.started", true);
	facts_free(&f);
}

Test(exec, garbage_lines)
{
	struct facts f;
	int rc = run_one(&f, FIX "garbage.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	/* Good lines count even among bad ones. */
	cr_assert_eq(get_int(&f, "exec.first"), 1);
	const struct fact_value *v = facts_get(&f, "exec.last");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, "ok");
	cr_assert_null(facts_get(&f, "exec.nested"));
	cr_assert_null(facts_get(&f, "exec.mixed"));
	cr_assert_null(facts_get(&f, "exec.typo"));
	/* The reserved key was refused and the probe's own value stands. */
	cr_assert_eq(get_int(&f, "exec.exit_code"), 0);

	cr_assert_eq(errors_with(&f, "line 2: not JSON", "this is not json"), 1);
	cr_assert_eq(errors_with(&f, "line 4: not a JSON object", "[1, 2, 3]"), 1);
	cr_assert_eq(errors_with(&f, "line 5: invalid fact key", "Bad Key"), 1);
	cr_assert_eq(errors_with(&f, "line 6: fact 'exec.nested'", NULL), 1);
	cr_assert_eq(errors_with(&f, "line 7: expected exactly one of", "something"), 1);
	cr_assert_eq(errors_with(&f, "line 8: ", "exec.exit_code"), 1);
	cr_assert_eq(errors_with(&f, "line 9: fact 'exec.mixed'", "not a string"), 1);
	cr_assert_eq(errors_with(&f, "line 10: unexpected member 'vaule'", NULL), 1);
	cr_assert_eq(errors_with(&f, "line 1:", NULL), 0);
	cr_assert_eq(errors_with(&f, "line 3:", NULL), 0);
	cr_assert_eq(errors_with(&f, "line 11:", NULL), 0);
	cr_assert_eq(f.nerrors, 8, "one error per bad line, no more");
	cr_assert_eq(errors_with(&f, "exited with status", NULL), 0);
	facts_free(&f);
}

Test(exec, nonzero_exit)
{
	struct facts f;
	int rc = run_one(&f, FIX "nonzero.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "exited with status 3", "cannot read /etc/payment.conf"), 1);
	cr_assert_eq(errors_with(&f, "first complaint", NULL), 0, "only the last stderr line");
	cr_assert_eq(get_int(&f, "exec.exit_code"), 3);
	assert_bool(&f, "exec.partial", true);
	facts_free(&f);
}

Test(exec, killed_by_signal)
{
	struct facts f;
	int rc = run_one(&f, "exec " FIX "signal.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	char want[64];
	snprintf(want, sizeof(want), "killed by signal %d", SIGUSR1);
	cr_assert_eq(errors_with(&f, want, NULL), 1);
	cr_assert_eq(get_int(&f, "exec.exit_code"), 128 + SIGUSR1);
	assert_bool(&f, "exec.signalled", true);
	facts_free(&f);
}

Test(exec, card_numbers_are_masked)
{
	struct facts f;
	int rc = run_one(&f, FIX "finding-pan.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1, "line 3 is not JSON");
	cr_assert_eq(f.nfindings, 1);
	const struct finding *fd = &f.findings[0];
	cr_assert_str_eq(fd->kind, "pan");
	cr_assert_str_eq(fd->severity, "critical");
	cr_assert_str_eq(fd->loc.file, "logs/app.log");
	cr_assert_eq(fd->loc.line, 812);
	cr_assert_eq(fd->loc.column, 17);
	cr_assert_not_null(strstr(fd->excerpt, "card=4111 11** **** 1111 amount=10.00"), "%s",
	                   fd->excerpt);
	cr_assert_not_null(strstr(fd->message, "411111******1111"), "%s", fd->message);
	const struct fact_value *v = facts_get(&f, "exec.sample");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, "411111******1111");
	cr_assert_eq(errors_with(&f, "line 3: not JSON", "411111******1111"), 1);
	assert_nowhere(&f, "4111111111111111");
	assert_nowhere(&f, "4111 1111 1111 1111");
	facts_free(&f);
}

Test(exec, error_line)
{
	struct facts f;
	int rc = run_one(&f, FIX "error-line.sh", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(f.nerrors, 1);
	cr_assert_eq(errors_with(&f, "cannot reach the HSM at 10.0.0.9:1500", "error-line.sh"), 1);
	assert_bool(&f, "exec.reachable", false);
	cr_assert_eq(get_int(&f, "exec.exit_code"), 0);
	facts_free(&f);
}

Test(exec, cwd_option)
{
	char *dir = tu_tmpdir();
	char real[PATH_MAX], script[PATH_MAX];
	cr_assert(realpath(dir, real));
	cr_assert(realpath(FIX "cwd.sh", script));
	struct facts f;
	const char *cmd = script;
	int rc = run_exec(&f, &cmd, 1, dir, 20);
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	const struct fact_value *v = facts_get(&f, "exec.where");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, real);
	facts_free(&f);

	/* Without the option the command runs where assay runs. */
	char here[PATH_MAX];
	cr_assert(getcwd(here, sizeof(here)));
	rc = run_exec(&f, &cmd, 1, NULL, 20);
	cr_assert_eq(rc, 0);
	v = facts_get(&f, "exec.where");
	cr_assert(v && v->type == FACT_STRING);
	cr_assert_str_eq(v->s, here);
	facts_free(&f);
	rmdir(dir);
	free(dir);
}

Test(exec, cwd_missing)
{
	struct facts f;
	const char *cmd = "echo '{\"fact\": \"ran\", \"value\": true}'";
	int rc = run_exec(&f, &cmd, 1, "/nonexistent/assay-exec-test", 20);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "exec.cwd", "/nonexistent/assay-exec-test"), 1);
	cr_assert_null(facts_get(&f, "exec.ran"), "the command must not run elsewhere");
	cr_assert_eq(get_int(&f, "exec.commands"), 0);
	facts_free(&f);
}

Test(exec, long_line_is_skipped)
{
	struct facts f;
	int rc = run_one(&f, FIX "long-line.sh", 30);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "line 2: longer than 1 MiB", NULL), 1);
	cr_assert_eq(f.nerrors, 1);
	cr_assert_eq(get_int(&f, "exec.before_long"), 1);
	cr_assert_eq(get_int(&f, "exec.after_long"), 2);
	facts_free(&f);
}

Test(exec, huge_output_is_stopped)
{
	struct facts f;
	double t0 = time_mono_ms();
	int rc = run_one(&f, FIX "huge-output.sh", 60);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "output over 64 MiB", NULL), 1);
	cr_assert_eq(errors_with(&f, "timed out", NULL), 0);
	cr_assert_lt(el, 50000, "took %.0f ms", el);
	assert_bool(&f, "exec.huge_started", true);
	facts_free(&f);
}

Test(exec, too_many_facts, .timeout = 120)
{
	struct facts f;
	int rc = run_one(&f, FIX "many-facts.sh", 100);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "line 100001: more than 100000 facts", NULL), 1);
	cr_assert_eq(f.nerrors, 1);
	cr_assert_eq(get_int(&f, "exec.n"), 1);
	facts_free(&f);
}

Test(exec, bad_lines_are_bounded)
{
	struct facts f;
	int rc = run_one(&f, "yes 'not json' | head -n 5000", 30);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "line 100: not JSON", NULL), 1);
	cr_assert_eq(errors_with(&f, "line 101:", NULL), 0);
	cr_assert_eq(errors_with(&f, "4900 more bad or error lines not shown", NULL), 1);
	cr_assert_eq(f.nerrors, 101);
	facts_free(&f);
}

Test(exec, several_inputs)
{
	struct facts f;
	const char *cmds[] = {FIX "good.sh", FIX "nonzero.sh", "true"};
	int rc = run_exec(&f, cmds, 3, NULL, 30);
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_eq(get_int(&f, "exec.commands"), 3);
	/* The last non-zero status, even though a later command exited 0. */
	cr_assert_eq(get_int(&f, "exec.exit_code"), 3);
	assert_bool(&f, "exec.tls.ok", true);
	assert_bool(&f, "exec.partial", true);
	cr_assert_eq(f.nfindings, 2);
	cr_assert_eq(f.nerrors, 1);
	cr_assert_eq(errors_with(&f, "nonzero.sh' exited with status 3", NULL), 1);
	facts_free(&f);

	const char *ok[] = {FIX "good.sh", FIX "no-newline.sh"};
	rc = run_exec(&f, ok, 2, NULL, 30);
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	cr_assert_eq(get_int(&f, "exec.commands"), 2);
	cr_assert_eq(get_int(&f, "exec.exit_code"), 0);
	cr_assert_eq(get_int(&f, "exec.count"), 42);
	cr_assert_eq(get_int(&f, "exec.tail"), 2);
	facts_free(&f);
}

Test(exec, deadline_covers_all_inputs)
{
	struct facts f;
	const char *cmds[] = {FIX "hang.sh", FIX "good.sh"};
	double t0 = time_mono_ms();
	int rc = run_exec(&f, cmds, 2, NULL, 1);
	double el = time_mono_ms() - t0;
	dump_errors(&f);
	cr_assert_eq(rc, -1);
	cr_assert_lt(el, 10000, "took %.0f ms", el);
	cr_assert_eq(errors_with(&f, "hang.sh' timed out", NULL), 1);
	cr_assert_eq(errors_with(&f, "good.sh' not run", "deadline"), 1);
	cr_assert_null(facts_get(&f, "exec.count"));
	cr_assert_eq(get_int(&f, "exec.commands"), 1);
	facts_free(&f);
}

Test(exec, no_input_and_empty_command)
{
	struct facts f;
	int rc = run_exec(&f, NULL, 0, NULL, 10);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "no command", NULL), 1);
	facts_free(&f);

	rc = run_one(&f, "   ", 10);
	cr_assert_eq(rc, -1);
	cr_assert_eq(errors_with(&f, "empty command", NULL), 1);
	cr_assert_eq(get_int(&f, "exec.commands"), 0);
	facts_free(&f);
}

Test(exec, stdin_is_empty)
{
	/* A command reading stdin must see end of file, not block. */
	struct facts f;
	int rc = run_one(&f, "cat; echo '{\"fact\": \"read_stdin\", \"value\": true}'", 10);
	dump_errors(&f);
	cr_assert_eq(rc, 0);
	assert_bool(&f, "exec.read_stdin", true);
	facts_free(&f);
}

Test(exec, declares_its_option)
{
	cr_assert_str_eq(probe_exec.name, "exec");
	cr_assert_str_eq(probe_exec.keys[0], "exec");
	cr_assert_null(probe_exec.keys[1]);
	cr_assert_str_eq(probe_exec.options[0].name, "cwd");
	cr_assert_null(probe_exec.options[1].name);
}

static void *thread_run(void *arg)
{
	struct facts *f = arg;
	const char *cmd = FIX "good.sh";
	intptr_t rc = run_exec(f, &cmd, 1, NULL, 30);
	return (void *)rc;
}

Test(exec, concurrent_runs)
{
	enum { N = 6 };
	pthread_t th[N];
	struct facts f[N];
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, thread_run, &f[i]), 0);
	for (int i = 0; i < N; i++) {
		void *r;
		pthread_join(th[i], &r);
		cr_assert_eq((intptr_t)r, 0, "run %d failed", i);
		cr_assert_eq(get_int(&f[i], "exec.count"), 42);
		cr_assert_eq(f[i].nfindings, 2);
		facts_free(&f[i]);
	}
}
