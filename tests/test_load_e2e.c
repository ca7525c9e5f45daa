/*
 * End to end tests of the load probe against real servers on loopback:
 * nginx (fixtures/load/nginx.sh: own config, pid and temp folders in a
 * temporary directory, a free port, stopped at the end) and the small
 * hostile/slow server fixtures/load/testserver.c (built and started by
 * fixtures/load/testserver.sh). Each test starts its own server and stops
 * it, so suites can run in parallel.
 *
 * What a user relies on: counts are exact (requests sent = responses +
 * errors + unfinished), a server stall shows in p99 in the open model and
 * is hidden by the closed one, chunked and Content-Length bodies work,
 * refused/reset/malformed/endless/huge/silent servers are counted as
 * errors with bounded time, TLS sessions are resumed, non-loopback targets
 * are refused, and the histogram fact decodes to the counted responses.
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/hist.h"
#include "probes/load/load.h"
#include "probes/probe.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>

extern const struct probe probe_load;

/* This suite checks the binary it runs; its own short-lived strings are not the point. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct server {
	char *dir;
	const char *script;
	int port;
};

static struct server start(const char *script, const char *args)
{
	struct server s = {.dir = tu_tmpdir(), .script = script};
	struct tu_run r = tu_sh("fixtures/load/%s start %s %s", script, s.dir, args ? args : "");
	cr_assert_eq(r.code, 0, "%s did not start: %s", script, r.err);
	s.port = atoi(r.out);
	cr_assert(s.port > 0 && s.port < 65536, "%s printed no port: %s", script, r.out);
	tu_run_free(&r);
	return s;
}

static void stop(struct server *s)
{
	struct tu_run r = tu_sh("fixtures/load/%s stop %s; rm -rf %s", s->script, s->dir, s->dir);
	tu_run_free(&r);
	free(s->dir);
}

/* Run the probe on url with name=value option pairs (NULL-terminated). */
static int run_load(struct facts *f, const char *url, double timeout_s, const char *const *opts)
{
	struct target_input in = {.key = "load", .value = url};
	struct target_option o[33];
	char *names[33];
	size_t n = 0;
	bool rt = false;
	for (; opts && opts[2 * n]; n++) {
		cr_assert(n < 32);
		names[n] = xasprintf("load.%s", opts[2 * n]);
		o[n] = (struct target_option){names[n], opts[2 * n + 1]};
		rt |= strcmp(opts[2 * n], "request_timeout") == 0;
	}
	/* Under memcheck (make valgrind sets TEST_WRAPPER) on a busy machine a
	 * TLS request can take longer than the default 2 s: the tests that
	 * count requests would count timeouts instead. */
	if (!rt && tu_memcheck()) {
		names[n] = xstrdup("load.request_timeout");
		o[n] = (struct target_option){names[n], "20s"};
		n++;
	}
	struct target t = {"test", &in, 1, o, n};
	struct probe_opts po = {.timeout_s = timeout_s};
	facts_init(f);
	int rc = probe_load.run(&t, &po, f);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error: %s", f->errors[i]);
	return rc;
}

/*
 * Start the server script (with args), run the probe on scheme://127.0.0.1:PORT/path
 * with opts, stop the server; the probe's return code.
 */
static int load_at(struct facts *f, const char *script, const char *args, const char *scheme,
                   const char *path, double timeout_s, const char *const *opts)
{
	struct server s = start(script, args);
	char *url = xasprintf("%s://127.0.0.1:%d%s", scheme, s.port, path);
	int rc = run_load(f, url, timeout_s, opts);
	stop(&s);
	free(url);
	return rc;
}

static int64_t iget(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "missing fact %s", key);
	cr_assert_eq(v->type, FACT_INT, "%s is not an int", key);
	return v->i;
}

static double dget(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "missing fact %s", key);
	cr_assert_eq(v->type, FACT_DOUBLE, "%s is not a number", key);
	return v->d;
}

/* sent = responses + read + timeout + parse errors + unfinished, exactly. */
static void assert_counts_exact(const struct facts *f)
{
	int64_t sent = iget(f, "load.sent");
	int64_t acc = iget(f, "load.requests") + iget(f, "load.errors.read") +
	              iget(f, "load.errors.timeout") + iget(f, "load.errors.parse") +
	              iget(f, "load.unfinished");
	cr_assert_eq(sent, acc, "sent %lld != responses + errors + unfinished %lld",
	             (long long)sent, (long long)acc);
	/* the histogram holds one sample per counted response */
	const struct fact_value *h = facts_get(f, "load.histogram");
	cr_assert(h && h->type == FACT_STRING);
	struct hist hh;
	cr_assert_eq(hist_decode(&hh, h->s), 0);
	cr_assert_eq((int64_t)hh.total, iget(f, "load.requests"));
	hist_free(&hh);
}

static size_t errors_with(const struct facts *f, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nerrors; i++)
		if (strstr(f->errors[i], needle))
			n++;
	return n;
}

Test(load_nginx, closed_model_counts_are_exact, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"duration", "1s", "connections", "8", "threads", "2", NULL};
	int rc = load_at(&f, "nginx.sh", NULL, "http", "/", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(facts_get(&f, "load.model")->s, "closed");
	cr_assert_gt(iget(&f, "load.requests"), 0);
	cr_assert_eq(iget(&f, "load.status.2xx"), iget(&f, "load.requests"));
	cr_assert_eq(iget(&f, "load.errors.connect"), 0);
	cr_assert_eq(iget(&f, "load.errors.read") + iget(&f, "load.errors.parse"), 0);
	cr_assert_eq(dget(&f, "load.error_rate"), 0);
	cr_assert_eq(iget(&f, "load.connects"), 8);
	cr_assert_gt(iget(&f, "load.bytes"), iget(&f, "load.requests") * 6);
	cr_assert_geq(dget(&f, "load.latency.p99_ms"), dget(&f, "load.latency.p50_ms"));
	cr_assert_geq(dget(&f, "load.latency.max_ms"), dget(&f, "load.latency.p999_ms"));
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_nginx, request_budget_is_exact, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"duration", "20s", "requests", "1001", "connections", "4", NULL};
	int rc = load_at(&f, "nginx.sh", NULL, "http", "/big", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.sent"), 1001);
	cr_assert_eq(iget(&f, "load.requests"), 1001);
	/* a 64 KiB body each, and headers */
	cr_assert_gt(iget(&f, "load.bytes"), 1001 * 65536);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_nginx, open_model_reports_target_and_achieved_rate, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"duration", "1s",     "rate",  "300", "connections",
	                      "6",        "warmup", "200ms", NULL};
	int rc = load_at(&f, "nginx.sh", NULL, "http", "/", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(facts_get(&f, "load.model")->s, "open");
	cr_assert_eq(dget(&f, "load.rate.target"), 300);
	cr_assert(facts_get(&f, "load.rate.achieved"));
	cr_assert(facts_get(&f, "load.rate.held"));
	/* a timetable bounds what is sent: never more than scheduled (+1 per connection) */
	cr_assert_leq(iget(&f, "load.sent"), (int64_t)(300 * dget(&f, "load.duration_s")) + 6);
	cr_assert_gt(iget(&f, "load.requests"), 0);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_nginx, tls_sessions_are_resumed, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "60", "connections", "2", "threads", "1", NULL};
	int rc = load_at(&f, "nginx.sh", "--tls", "https", "/close", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.requests"), 60);
	/* a new connection per request (keepalive_requests 1): all but the first few resume */
	cr_assert_geq(iget(&f, "load.connects"), 60);
	cr_assert_gt(iget(&f, "load.tls.resumed"), 40);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_nginx, status_5xx_counts_as_errors, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "50", "connections", "2", NULL};
	int rc = load_at(&f, "nginx.sh", NULL, "http", "/503", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.requests"), 50);
	cr_assert_eq(iget(&f, "load.errors.status_5xx"), 50);
	cr_assert_eq(dget(&f, "load.error_rate"), 1.0);
	facts_free(&f);
}

/* Throttling shows as its own count; objectives are judged on the run. */
Test(load_nginx, throttling_429_and_objectives, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {
	    "requests", "40", "connections", "2", "slo", "p99 <= 10s, success >= 99%", NULL};
	int rc = load_at(&f, "nginx.sh", NULL, "http", "/429", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.requests"), 40);
	cr_assert_eq(iget(&f, "load.status.4xx"), 40);
	cr_assert_eq(iget(&f, "load.status.429"), 40);
	cr_assert_geq(dget(&f, "load.latency.p95_ms"), dget(&f, "load.latency.p90_ms"));
	/* a 429 is an answer, not a failure: the objectives hold */
	cr_assert(facts_get(&f, "load.slo.met")->b);
	facts_free(&f);

	const char *never[] = {"requests",          "40", "connections", "2", "slo",
	                       "rps >= 1000000000", NULL};
	rc = load_at(&f, "nginx.sh", NULL, "http", "/", 30, never);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.status.429"), 0);
	cr_assert_not(facts_get(&f, "load.slo.met")->b);
	const struct fact_value *m = facts_get(&f, "load.slo.missed");
	cr_assert(m && m->nitems == 1 && strstr(m->items[0], "rps >= 1e+09 (was "), "%s",
	          m && m->nitems ? m->items[0] : "nothing missed");
	facts_free(&f);

	const char *bad[] = {"requests", "4", "slo", "p95 < 3s", NULL};
	rc = load_at(&f, "nginx.sh", NULL, "http", "/", 30, bad);
	cr_assert_eq(rc, -1, "a bad declaration stops the run before any request");
	cr_assert(f.nerrors && strstr(f.errors[0], "load.slo = 'p95 < 3s'"), "%s",
	          f.nerrors ? f.errors[0] : "no error");
	cr_assert_null(facts_get(&f, "load.sent"));
	facts_free(&f);
}

/*
 * LOAD-03: what error responses give away under load. Every error body is
 * sampled (bounded) and scanned: the /leak page (a Java stack trace that
 * quotes a test card number) is caught on every response, over HTTP/1.1
 * and HTTP/2, and reported masked; a plain 500 and a 200 give nothing.
 */
static void assert_findings_masked(const struct facts *f)
{
	char full[32], spaced[32];
	snprintf(full, sizeof(full), "%s%s", "41111111", "11111111");
	snprintf(spaced, sizeof(spaced), "%s %s", "4111 1111", "1111 1111");
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *fd = &f->findings[i];
		for (const char *t = fd->message; t; t = t == fd->message ? fd->excerpt : NULL) {
			cr_assert_null(strstr(t, full), "a full card number in a finding");
			cr_assert_null(strstr(t, spaced), "a full card number in a finding");
		}
	}
}

static size_t findings_of_kind(const struct facts *f, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nfindings; i++)
		n += strcmp(f->findings[i].kind, kind) == 0;
	return n;
}

Test(load_nginx, error_bodies_are_scanned_for_card_data_and_stack_traces, .timeout = 90)
{
	struct facts f;
	const char *opts[] = {"requests", "30", "connections", "2", NULL};
	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/leak", 30, opts), 0);
	cr_assert_eq(iget(&f, "load.status.5xx"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.sampled"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.pan"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.stack_traces"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.sad"), 0);
	cr_assert_eq(findings_of_kind(&f, "load-error-body-pan"), 20, "findings are capped at 20");
	cr_assert_eq(findings_of_kind(&f, "load-error-body-stack-trace"), 20);
	bool masked = false;
	for (size_t i = 0; i < f.nfindings; i++)
		masked |=
		    f.findings[i].message && strstr(f.findings[i].message, "411111******1111");
	cr_assert(masked, "the finding names the masked number");
	assert_findings_masked(&f);
	facts_free(&f);

	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/oops", 30, opts), 0);
	cr_assert_eq(iget(&f, "load.error_bodies.sampled"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.pan"), 0);
	cr_assert_eq(iget(&f, "load.error_bodies.stack_traces"), 0);
	cr_assert_eq(f.nfindings, 0);
	facts_free(&f);

	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/", 30, opts), 0);
	cr_assert_eq(iget(&f, "load.error_bodies.sampled"), 0, "a 200 is not an error body");
	facts_free(&f);

	cr_assert_eq(load_at(&f, "nginx.sh", "--tls --h2", "https", "/leak", 30, opts), 0);
	cr_assert_eq(iget(&f, "load.status.5xx"), 30);
	cr_assert_eq(iget(&f, "load.error_bodies.pan"), 30, "HTTP/2 data frames are sampled too");
	cr_assert_eq(iget(&f, "load.error_bodies.stack_traces"), 30);
	assert_findings_masked(&f);
	facts_free(&f);
}

/*
 * LOAD-05: recovery after overload. The test server's /degrade answers
 * slowly (300 ms) from the moment more than 100 requests arrive within a
 * second until HOLD ms after: overloaded at 400/s it breaks the SLO
 * (p95 <= 150 ms), then, at the run's 20/s, it is back within the SLO
 * after a 1 s hold (recovered inside the 20 s objective) and not after a
 * 60 s one (not recovered within 3 s). The verdicts come from the facts.
 */
static const char *const recovery_opts[] = {"rate",
                                            "20",
                                            "connections",
                                            "8",
                                            "duration",
                                            "1s",
                                            "slo",
                                            "p95 <= 150ms",
                                            "overload",
                                            "400",
                                            "overload_duration",
                                            "2s",
                                            "recovery_window",
                                            "1s",
                                            NULL,
                                            NULL, /* recovery */
                                            NULL};

static int run_recovery_at(struct facts *f, const char *path, const char *objective)
{
	const char *opts[sizeof(recovery_opts) / sizeof(recovery_opts[0])];
	memcpy(opts, recovery_opts, sizeof(opts));
	opts[14] = "recovery";
	opts[15] = objective;
	return load_at(f, "testserver.sh", NULL, "http", path, 90, opts);
}

static int run_recovery(struct facts *f, const char *hold, const char *objective)
{
	char *path = xasprintf("/degrade?over=100&hold=%s&slow=300", hold);
	int rc = run_recovery_at(f, path, objective);
	free(path);
	return rc;
}

Test(load_recovery, a_service_back_within_its_slo_in_time_recovers, .timeout = 120)
{
	struct facts f;
	cr_assert_eq(run_recovery(&f, "1000", "20s"), 0);
	cr_assert(facts_get(&f, "load.slo.met")->b, "the run itself is within the SLO");
	cr_assert(facts_get(&f, "load.recovery.tested")->b);
	cr_assert_not(facts_get(&f, "load.recovery.overload_slo_met")->b,
	              "the overload broke the SLO");
	cr_assert_eq(dget(&f, "load.recovery.objective_s"), 20.0);
	cr_assert_eq(dget(&f, "load.recovery.overload_target_rps"), 400.0);
	cr_assert_gt(dget(&f, "load.recovery.overload_rps"), 0);
	cr_assert_geq(iget(&f, "load.recovery.windows"), 1);
	double took = dget(&f, "load.recovery.s");
	cr_assert(took > 0 && took <= 20.0, "recovered in %.3f s", took);
	cr_assert(facts_get(&f, "load.recovery.recovered")->b);
	cr_assert_eq(f.nerrors, 0);
	facts_free(&f);
}

Test(load_recovery, a_service_still_degraded_after_the_objective_does_not, .timeout = 120)
{
	struct facts f;
	cr_assert_eq(run_recovery(&f, "60000", "3s"), 0);
	cr_assert(facts_get(&f, "load.recovery.tested")->b);
	cr_assert_not(facts_get(&f, "load.recovery.recovered")->b);
	cr_assert_null(facts_get(&f, "load.recovery.s"), "no window met the SLO");
	int64_t n = iget(&f, "load.recovery.windows");
	cr_assert(n >= 1 && n <= 4, "windows of 1 s stop at the 3 s objective: %lld", (long long)n);
	facts_free(&f);
}

/*
 * LOAD-03 under LOAD-05's overload: a service is likeliest to give itself
 * away when overloaded, so the error bodies of the overload and of the
 * recovery windows are scanned as the run's are. Degraded, /degrade?fail=1
 * answers a 503 whose body is a Java stack trace; the measured run (20/s)
 * never degrades it, so every stack trace counted came after it.
 */
Test(load_recovery, error_bodies_of_the_overload_are_scanned, .timeout = 120)
{
	struct facts f;
	cr_assert_eq(run_recovery_at(&f, "/degrade?over=100&hold=1000&slow=300&fail=1", "20s"), 0);
	cr_assert(facts_get(&f, "load.recovery.tested")->b);
	cr_assert_eq(iget(&f, "load.status.5xx"), 0, "the measured run is not degraded");
	int64_t sampled = iget(&f, "load.recovery.error_bodies.sampled");
	int64_t stacks = iget(&f, "load.recovery.error_bodies.stack_traces");
	cr_assert_gt(sampled, 0, "the overload's 503s are sampled");
	cr_assert_eq(stacks, sampled, "every degraded answer holds a stack trace");
	cr_assert_eq(iget(&f, "load.recovery.error_bodies.pan"), 0);
	cr_assert_eq(iget(&f, "load.error_bodies.sampled"), sampled,
	             "the run's facts, which LOAD-03 judges, count the overload's bodies");
	cr_assert_eq(iget(&f, "load.error_bodies.stack_traces"), stacks);
	size_t n = findings_of_kind(&f, "load-error-body-stack-trace");
	cr_assert_eq(n, (size_t)(stacks < 20 ? stacks : 20), "findings are capped at 20 in all");
	bool named = false;
	for (size_t i = 0; i < f.nfindings; i++)
		named |= strstr(f.findings[i].message, "during the overload") != NULL;
	cr_assert(named, "a finding says it was seen during the overload");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	cr_assert_eq(load_print_summary(m, &f), 0);
	fclose(m);
	char *line = xasprintf("Error bodies: %lld sampled; card numbers 0, track/CVV/PIN 0, "
	                       "stack traces %lld (%lld sampled in the overload and recovery)",
	                       (long long)sampled, (long long)stacks, (long long)sampled);
	cr_assert(strstr(buf, line), "%s", buf);
	free(line);
	free(buf);
	facts_free(&f);
}

/* The test is not run when the target's timeout has no room for it: an error says so. */
Test(load_recovery, no_room_before_the_deadline_is_an_error_not_a_verdict, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"rate",     "20",  "duration", "1s",  "slo", "p95 <= 150ms",
	                      "overload", "400", "recovery", "30s", NULL};
	cr_assert_eq(load_at(&f, "testserver.sh", NULL, "http", "/ok", 10, opts), 0);
	cr_assert_not(facts_get(&f, "load.recovery.tested")->b);
	cr_assert_null(facts_get(&f, "load.recovery.recovered"));
	cr_assert(f.nerrors == 1 && strstr(f.errors[0], "need") && strstr(f.errors[0], "timeout"),
	          "%s", f.nerrors ? f.errors[0] : "no error");
	facts_free(&f);
}

Test(load_recovery, incomplete_or_wrong_declarations_are_refused, .timeout = 60)
{
	static const struct {
		const char *opts[12];
		const char *says;
	} cases[] = {
	    {{"recovery", "1m", "overload", "400", NULL}, "needs load.slo"},
	    {{"recovery", "1m", "slo", "p95 <= 1s", NULL}, "needs load.overload"},
	    {{"recovery", "1m", "slo", "p95 <= 1s", "overload", "10", "rate", "20", NULL},
	     "not above load.rate"},
	    {{"recovery", "10s", "slo", "p95 <= 1s", "overload", "400", "recovery_window", "20s",
	      NULL},
	     "load.recovery_window = '20s'"},
	    {{"recovery", "soon", "slo", "p95 <= 1s", "overload", "400", NULL},
	     "load.recovery = 'soon'"},
	    {{"overload", "400", NULL}, "need load.recovery"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct facts f;
		cr_assert_eq(load_at(&f, "testserver.sh", NULL, "http", "/ok", 10, cases[i].opts),
		             -1, "case %zu", i);
		cr_assert(f.nerrors && strstr(f.errors[0], cases[i].says), "case %zu: %s", i,
		          f.nerrors ? f.errors[0] : "no error");
		cr_assert_null(facts_get(&f, "load.sent"), "case %zu: refused before any load", i);
		facts_free(&f);
	}
}

/*
 * LOAD-04 / J92-42: a declared throttling threshold. nginx limits /limited
 * to 50 requests/s; offered 200/s over 4 connections it answers 429 and
 * lets about 50/s through: held. The unlimited / lets all 200/s through:
 * not held. Offered less than the threshold, nothing is tested.
 */
Test(load_nginx, declared_throttling_is_tested_above_its_rate, .timeout = 90)
{
	struct facts f;
	const char *over[] = {"rate", "200",      "duration", "2s", "connections",
	                      "4",    "throttle", "50",       NULL};
	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/limited", 30, over), 0);
	cr_assert(facts_get(&f, "load.throttle.tested")->b);
	cr_assert_gt(iget(&f, "load.status.429"), 0);
	cr_assert(facts_get(&f, "load.throttle.held")->b, "ok_rps %.1f",
	          dget(&f, "load.throttle.ok_rps"));
	cr_assert_eq(dget(&f, "load.throttle.threshold_rps"), 50.0);
	facts_free(&f);

	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/", 30, over), 0);
	cr_assert(facts_get(&f, "load.throttle.tested")->b);
	cr_assert_not(facts_get(&f, "load.throttle.held")->b, "no 429 above the threshold");
	facts_free(&f);

	const char *under[] = {"rate", "20",       "duration", "1s", "connections",
	                       "2",    "throttle", "50/s",     NULL};
	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/limited", 30, under), 0);
	cr_assert_not(facts_get(&f, "load.throttle.tested")->b);
	cr_assert_null(facts_get(&f, "load.throttle.held"), "not offered above it: not judged");
	facts_free(&f);

	const char *bad[] = {"requests", "4", "throttle", "fast", NULL};
	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/", 30, bad), -1);
	cr_assert(f.nerrors && strstr(f.errors[0], "load.throttle = 'fast'"), "%s",
	          f.nerrors ? f.errors[0] : "no error");
	facts_free(&f);
}

/* Two shards each below the threshold add up to a run above it: merge judges it. */
Test(load_merge, throttle_and_error_bodies_are_judged_on_the_whole_run, .timeout = 90)
{
	struct facts a, b, merged;
	const char *half[] = {"rate", "40",       "duration", "2s", "connections",
	                      "2",    "throttle", "50",       NULL};
	cr_assert_eq(load_at(&a, "nginx.sh", NULL, "http", "/", 30, half), 0);
	cr_assert_eq(load_at(&b, "nginx.sh", NULL, "http", "/leak", 30, half), 0);
	cr_assert_not(facts_get(&a, "load.throttle.tested")->b, "40/s alone is below 50/s");
	facts_init(&merged);
	const struct facts *shards[] = {&a, &b};
	cr_assert_eq(load_facts_merge(&merged, shards, 2), 0, "%s", err_msg());
	cr_assert(facts_get(&merged, "load.throttle.tested")->b, "80/s together is above it");
	cr_assert_not(facts_get(&merged, "load.throttle.held")->b);
	cr_assert_eq(iget(&merged, "load.error_bodies.pan"), iget(&b, "load.error_bodies.pan"));
	cr_assert_gt(iget(&merged, "load.error_bodies.pan"), 0);
	cr_assert_eq(iget(&merged, "load.error_bodies.sampled"),
	             iget(&a, "load.error_bodies.sampled") + iget(&b, "load.error_bodies.sampled"));
	facts_free(&merged);
	facts_free(&a);
	facts_free(&b);
}

Test(load_server, chunked_bodies, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "500", "connections", "4", NULL};
	int rc = load_at(&f, "testserver.sh", NULL, "http", "/chunked", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.requests"), 500);
	cr_assert_eq(iget(&f, "load.errors.parse"), 0);
	cr_assert_eq(iget(&f, "load.connects"), 4, "keep-alive over chunked bodies");
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_server, connection_close_reconnects, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "100", "connections", "2", NULL};
	int rc = load_at(&f, "testserver.sh", NULL, "http", "/close", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_eq(iget(&f, "load.requests"), 100);
	cr_assert_geq(iget(&f, "load.connects"), 100);
	cr_assert_eq(dget(&f, "load.error_rate"), 0);
	facts_free(&f);
}

/*
 * The reason the open model exists: the server stops every connection for
 * one second once. Open: every request scheduled during the stall waits for
 * it, so p99 shows the second. Closed: each connection was waiting on one
 * request, so the stall is a handful of samples among thousands and p99
 * hides it -- while max still shows it happened.
 */
Test(load_server, a_stall_shows_in_open_p99_and_hides_in_closed, .timeout = 90)
{
	/* the 50th request stalls the server for 1000 ms */
	struct facts open, closed;
	const char *oopts[] = {"duration", "3s", "rate", "100", "connections", "10", NULL};
	cr_assert_eq(load_at(&open, "testserver.sh", "50 1000", "http", "/stall", 30, oopts), 0);
	const char *copts[] = {"duration", "3s", "connections", "2", "threads", "1", NULL};
	cr_assert_eq(load_at(&closed, "testserver.sh", "50 1000", "http", "/stall", 30, copts), 0);

	cr_assert_geq(dget(&open, "load.latency.max_ms"), 900);
	cr_assert_geq(dget(&closed, "load.latency.max_ms"), 900);
	cr_assert_geq(dget(&open, "load.latency.p99_ms"), 500, "open p99 %g ms",
	              dget(&open, "load.latency.p99_ms"));
	cr_assert_gt(iget(&closed, "load.requests"), 400);
	cr_assert_lt(dget(&closed, "load.latency.p99_ms"), 500, "closed p99 %g ms",
	             dget(&closed, "load.latency.p99_ms"));
	assert_counts_exact(&open);
	assert_counts_exact(&closed);
	facts_free(&open);
	facts_free(&closed);
}

/* A hostile path: every request fails with the given error kind, the probe ends and reports. */
static void assert_all_fail(const char *path, const char *counter, const char *message)
{
	struct facts f;
	const char *opts[] = {"duration",        "1s",    "connections", "2", "threads", "1",
	                      "request_timeout", "300ms", NULL};
	int rc = load_at(&f, "testserver.sh", NULL, "http", path, 20, opts);
	cr_assert_eq(rc, -1, "%s: no response at all must be an error", path);
	cr_assert_eq(errors_with(&f, "no response at all"), 1);
	cr_assert_eq(iget(&f, "load.requests"), 0);
	cr_assert_gt(iget(&f, counter), 0, "%s: %s", path, counter);
	cr_assert_eq(dget(&f, "load.error_rate"), 1.0);
	const struct fact_value *fe = facts_get(&f, "load.first_error");
	cr_assert(fe && strstr(fe->s, message), "%s: first error '%s'", path, fe ? fe->s : "");
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_server, dropped_connections_are_read_errors, .timeout = 60)
{
	assert_all_fail("/drop", "load.errors.read", "closed before a response");
}

Test(load_server, resets_are_read_errors, .timeout = 60)
{
	assert_all_fail("/reset", "load.errors.read", "");
}

Test(load_server, malformed_status_lines_are_parse_errors, .timeout = 60)
{
	assert_all_fail("/malformed", "load.errors.parse", "malformed status line");
}

Test(load_server, endless_headers_are_bounded, .timeout = 60)
{
	assert_all_fail("/endless", "load.errors.parse", "header");
}

Test(load_server, a_10gb_body_is_refused, .timeout = 60)
{
	assert_all_fail("/huge", "load.errors.parse", "Content-Length 10737418240");
}

Test(load_server, silent_servers_time_out, .timeout = 60)
{
	assert_all_fail("/never", "load.errors.timeout", "timed out");
}

Test(load_server, refused_connections_are_connect_errors, .timeout = 60)
{
	/* a bound socket that does not listen: connecting to it is refused */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	char *url = xasprintf("http://127.0.0.1:%d/", ntohs(a.sin_port));
	struct facts f;
	const char *opts[] = {"duration", "500ms", "connections", "2", NULL};
	int rc = run_load(&f, url, 20, opts);
	close(fd);
	cr_assert_eq(rc, -1);
	cr_assert_gt(iget(&f, "load.errors.connect"), 0);
	cr_assert_eq(iget(&f, "load.sent"), 0);
	cr_assert_eq(dget(&f, "load.error_rate"), 1.0);
	facts_free(&f);
	free(url);
}

Test(load_server, the_deadline_ends_a_long_run, .timeout = 60)
{
	struct facts f;
	/* 30 s asked, 3 s allowed: the probe cuts the run to fit and still reports */
	const char *opts[] = {"duration",        "30s", "connections", "2",
	                      "request_timeout", "10s", NULL};
	load_at(&f, "testserver.sh", NULL, "http", "/never", 3, opts);
	const struct fact_value *cut = facts_get(&f, "load.cut_by_deadline");
	cr_assert(cut && cut->b);
	cr_assert_lt(dget(&f, "load.duration_s"), 3);
	cr_assert_eq(iget(&f, "load.sent"), 2);
	cr_assert_eq(iget(&f, "load.unfinished"), 2);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_cli, refuses_non_loopback_targets)
{
	struct tu_run r = tu_sh("%s probe load http://192.0.2.1:8080/ --duration 1s", tu_bin());
	cr_assert_eq(r.code, 3, "exit %d: %s", r.code, r.out);
	cr_assert(strstr(r.out, "refusing to load '192.0.2.1'"), "%s", r.out);
	cr_assert(strstr(r.out, "loopback"), "%s", r.out);
	tu_run_free(&r);
}

Test(load_cli, json_output_and_options, .timeout = 60)
{
	struct server s = start("nginx.sh", NULL);
	struct tu_run r = tu_sh("%s probe load http://localhost:%d/ --requests 200 --connections 3 "
	                        "--threads 1 --method HEAD --header 'X-Test: 1' --json",
	                        tu_bin(), s.port);
	stop(&s);
	cr_assert_eq(r.code, 0, "exit %d: %s %s", r.code, r.out, r.err);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	cr_assert_not_null(j, "%s", je.text);
	json_t *facts = json_object_get(j, "facts");
	cr_assert_eq(json_integer_value(json_object_get(facts, "load.requests")), 200);
	cr_assert(json_is_string(json_object_get(facts, "load.histogram")));
	cr_assert(json_is_number(json_object_get(facts, "load.latency.p99_ms")));
	json_decref(j);
	tu_run_free(&r);
}

Test(load_cli, bad_options_are_clear_errors)
{
	struct tu_run r = tu_sh("%s probe load http://127.0.0.1:1/ --connections zero", tu_bin());
	cr_assert_eq(r.code, 3);
	cr_assert(strstr(r.out, "load.connections = 'zero'"), "%s", r.out);
	tu_run_free(&r);
	r = tu_sh("%s probe load http://127.0.0.1:1/ --header 'Bad Header'", tu_bin());
	cr_assert(strstr(r.out, "expected 'Name: value'"), "%s", r.out);
	tu_run_free(&r);
	r = tu_sh("%s probe load http://127.0.0.1:1/ --h2 maybe", tu_bin());
	cr_assert(strstr(r.out, "load.h2 = 'maybe': expected true or false"), "%s", r.out);
	tu_run_free(&r);
}

Test(load_summary, wrk_like_summary_and_spectrum, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "2000", "connections", "4", NULL};
	cr_assert_eq(load_at(&f, "nginx.sh", NULL, "http", "/", 30, opts), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	cr_assert_eq(load_print_summary(m, &f), 0);
	fclose(m);
	cr_assert(strstr(buf, "2000 requests in"), "%s", buf);
	cr_assert(strstr(buf, "Requests/sec:"), "%s", buf);
	cr_assert(strstr(buf, " 99.000%"), "%s", buf);
	cr_assert(strstr(buf, "Percentile spectrum"), "%s", buf);
	cr_assert(strstr(buf, "Total count = 2000"), "%s", buf);
	free(buf);
	struct facts empty;
	facts_init(&empty);
	cr_assert_eq(load_print_summary(stdout, &empty), -1);
	facts_free(&empty);
	facts_free(&f);
}

Test(load_h2, h2c_against_nghttpd_many_streams, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"h2", "true",    "requests", "999", "connections",
	                      "3",  "streams", "8",        NULL};
	int rc = load_at(&f, "nghttpd.sh", NULL, "http", "/", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(facts_get(&f, "load.protocol")->s, "h2");
	cr_assert_eq(iget(&f, "load.sent"), 999);
	cr_assert_eq(iget(&f, "load.requests"), 999);
	cr_assert_eq(iget(&f, "load.status.2xx"), 999);
	cr_assert_eq(iget(&f, "load.connects"), 3, "streams share the connections");
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_h2, alpn_selects_h2_over_tls, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"requests", "300", "connections", "2", "streams", "4", NULL};
	int rc = load_at(&f, "nginx.sh", "--tls --h2", "https", "/", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(facts_get(&f, "load.protocol")->s, "h2");
	cr_assert_eq(iget(&f, "load.requests"), 300);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_h2, open_model_over_h2, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"h2",          "true", "rate",    "200", "duration", "1s",
	                      "connections", "2",    "streams", "4",   NULL};
	int rc = load_at(&f, "nghttpd.sh", NULL, "http", "/", 30, opts);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(facts_get(&f, "load.model")->s, "open");
	cr_assert_gt(iget(&f, "load.requests"), 0);
	cr_assert_leq(iget(&f, "load.sent"), (int64_t)(200 * dget(&f, "load.duration_s")) + 2);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_h2, h2_against_an_http1_server_is_an_error, .timeout = 60)
{
	struct facts f;
	const char *opts[] = {"h2", "true", "duration", "500ms", "connections", "2", NULL};
	int rc = load_at(&f, "testserver.sh", NULL, "http", "/ok", 20, opts);
	cr_assert_eq(rc, -1);
	cr_assert_eq(iget(&f, "load.requests"), 0);
	cr_assert_gt(iget(&f, "load.errors.parse") + iget(&f, "load.errors.read"), 0);
	assert_counts_exact(&f);
	facts_free(&f);
}

Test(load_server, post_with_a_body_file, .timeout = 60)
{
	char *dir = tu_tmpdir();
	struct strbuf body = STRBUF_INIT;
	for (int i = 0; i < 3000; i++)
		sb_addc(&body, (char)('a' + i % 26));
	char *path = tu_write(dir, "body.txt", body.buf);
	struct facts f;
	const char *opts[] = {
	    "method",   "POST", "body",        path, "header", "Content-Type: text/plain",
	    "requests", "300",  "connections", "3",  NULL};
	int rc = load_at(&f, "testserver.sh", NULL, "http", "/post", 30, opts);
	cr_assert_eq(rc, 0);
	/* the server answers 400 unless each 3000-byte body arrived whole */
	cr_assert_eq(iget(&f, "load.status.2xx"), 300);
	cr_assert_eq(iget(&f, "load.connects"), 3);
	facts_free(&f);
	struct facts missing;
	const char *mopts[] = {"body", "/nonexistent/body.txt", NULL};
	cr_assert_eq(run_load(&missing, "http://127.0.0.1:1/", 10, mopts), -1);
	cr_assert_eq(errors_with(&missing, "load.body '/nonexistent/body.txt': cannot read"), 1);
	facts_free(&missing);
	sb_free(&body);
	free(path);
	struct tu_run r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}

static struct hist hist_of(const struct facts *f)
{
	struct hist h;
	cr_assert_eq(hist_decode(&h, facts_get(f, "load.histogram")->s), 0);
	return h;
}

Test(load_merge, shards_merge_exactly, .timeout = 60)
{
	struct facts a, b, merged;
	const char *opts[] = {"requests", "700", "connections", "3", NULL};
	cr_assert_eq(load_at(&a, "nginx.sh", NULL, "http", "/", 30, opts), 0);
	const char *opts2[] = {"requests", "400", "connections", "2", "threads", "1", NULL};
	cr_assert_eq(load_at(&b, "testserver.sh", NULL, "http", "/chunked", 30, opts2), 0);
	facts_init(&merged);
	const struct facts *shards[] = {&a, &b};
	cr_assert_eq(load_facts_merge(&merged, shards, 2), 0);
	cr_assert_eq(iget(&merged, "load.requests"), 1100);
	cr_assert_eq(iget(&merged, "load.sent"), 1100);
	cr_assert_eq(iget(&merged, "load.connections"), 5);
	cr_assert_eq(iget(&merged, "load.bytes"), iget(&a, "load.bytes") + iget(&b, "load.bytes"));
	/* the merged histogram is the sum of the shards', and its percentiles are its own */
	struct hist ha = hist_of(&a), hb = hist_of(&b), hm = hist_of(&merged);
	cr_assert_eq(hist_add(&ha, &hb), 0);
	cr_assert_eq(hm.total, 1100);
	cr_assert_eq(memcmp(hm.counts, ha.counts, hm.counts_len * sizeof(*hm.counts)), 0);
	cr_assert_float_eq(dget(&merged, "load.latency.p99_ms"),
	                   round((double)hist_percentile(&ha, 99)) / 1000.0, 1e-9);
	cr_assert_float_eq(dget(&merged, "load.latency.max_ms"),
	                   (double)(ha.max > hb.max ? ha.max : hb.max) / 1000.0, 1e-9);
	assert_counts_exact(&merged);
	hist_free(&ha);
	hist_free(&hb);
	hist_free(&hm);
	facts_free(&merged);

	/* a shard without its histogram, or of the other model, is refused by name */
	struct facts open;
	facts_init(&open);
	facts_add_string(&open, "load.model", "open");
	const struct facts *mixed[] = {&a, &open};
	facts_init(&merged);
	cr_assert_eq(load_facts_merge(&merged, mixed, 2), -1);
	cr_assert(strstr(err_msg(), "shard 2 ran the open model"), "%s", err_msg());
	facts_add_string(&open, "load.model", "closed");
	cr_assert_eq(load_facts_merge(&merged, mixed, 2), -1);
	cr_assert(strstr(err_msg(), "shard 2 has no load.sent"), "%s", err_msg());
	facts_free(&merged);
	facts_free(&open);
	facts_free(&a);
	facts_free(&b);
}
