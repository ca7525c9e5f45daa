/*
 * The hostile-target suite: one `assay run` over a plan whose targets are
 * built to hurt a scanner -- TLS servers that hang, answer garbage,
 * announce a 16 MB handshake message, send a 100-certificate chain, drip
 * one byte a second or hang up mid-handshake; HTTP servers with endless
 * headers, an endless chunked body and a 10 GB body (to the load probe and
 * to the web probe); a folder with a zip
 * bomb, a 42-level nested archive, a symlink loop, a FIFO and a 2 GB
 * sparse file -- beside ordinary targets. What a user relies on, for each:
 * the run ends within its timeouts, its peak memory stays under the bound
 * docs/limits.md states (measured with GNU time), the ordinary targets are
 * still reported in the same run, and results.json and the JUnit file are
 * valid. A second test runs a plan of 10,000 targets.
 */
#include "tests/testutil.h"

#include "lib/strbuf.h"

#include <jansson.h>
#include <libgen.h>

/*
 * The bound docs/limits.md states for a whole run's peak resident memory;
 * AddressSanitizer's shadow memory and quarantine (make asan) need more.
 */
#ifdef __SANITIZE_ADDRESS__
#define RUN_RSS_MAX_KB (4 * 512 * 1024)
#else
#define RUN_RSS_MAX_KB (512 * 1024)
#endif
/* The plan's per-unit timeout, and the scheduler's grace after it. */
#define UNIT_TIMEOUT_S 15
#define GRACE_S        2

struct fixture {
	char *dir;
	char *tls_pids;
	char *ts_dir;
};

/* Start a fixtures/tls server of kind; its port (the pid is kept for the end). */
static int tls_server(struct fixture *fx, const char *kind)
{
	struct tu_run r = tu_sh("sh fixtures/tls/serve.sh %s %s/pki 120", kind, fx->dir);
	cr_assert_eq(r.code, 0, "TLS fixture %s did not start: %s", kind, r.err);
	int port = 0, pid = 0;
	cr_assert_eq(sscanf(r.out, "%d %d", &port, &pid), 2, "serve.sh printed: %s", r.out);
	char *p = xasprintf("%s %d", fx->tls_pids, pid);
	free(fx->tls_pids);
	fx->tls_pids = p;
	tu_run_free(&r);
	return port;
}

static void stop_all(struct fixture *fx)
{
	struct tu_run r = tu_sh("kill %s 2>/dev/null; fixtures/load/testserver.sh stop %s",
	                        fx->tls_pids, fx->ts_dir);
	tu_run_free(&r);
}

/* The hostile files: a zip bomb, a 42-level nested archive, a loop, a FIFO, a sparse file. */
static char *hostile_files(const char *dir)
{
	char *files = xasprintf("%s/files", dir);
	char *b = realpath(tu_bin(), NULL);
	cr_assert(b, "%s", tu_bin());
	char *gen = xasprintf("%s/pan-gen", dirname(b));
	struct tu_run r = tu_sh(
	    "set -e; mkdir -p %s/nest && cd %s && /usr/bin/env %s bomb bomb.zip 2048 && "
	    "ln -s loop loop && ln -s . self && mkfifo pipe && "
	    "truncate -s 2G sparse.img && printf 'tail 4111111111111111\\n' >> sparse.img && "
	    "cd nest && printf 'deep 5555555555554444\\n' > l0.txt && "
	    "for i in $(seq 1 42); do "
	    "  if [ $((i %% 2)) = 1 ]; then tar cf l$i.tar l$((i-1))*; else gzip -c l$((i-1))* > "
	    "l$i.gz; fi; rm -f l$((i-1))*; done && ls",
	    files, files, gen);
	cr_assert_eq(r.code, 0, "hostile files: %s", r.err);
	tu_run_free(&r);
	free(gen);
	free(b);
	return files;
}

static json_t *run_of(json_t *results, const char *target)
{
	json_t *runs = json_object_get(results, "runs"), *run, *found = NULL;
	size_t i, n = 0;
	json_array_foreach(runs, i, run)
	{
		if (strcmp(json_string_value(json_object_get(run, "target")), target) == 0) {
			found = run;
			n++;
		}
	}
	cr_assert_eq(n, 1, "target %s: %zu runs", target, n);
	return found;
}

static json_t *fact(json_t *run, const char *key)
{
	return json_object_get(json_object_get(run, "facts"), key);
}

static bool errors_mention(json_t *run, const char *needle)
{
	json_t *errs = json_object_get(run, "errors"), *e;
	size_t i;
	json_array_foreach(errs, i, e)
	{
		if (strstr(json_string_value(e), needle))
			return true;
	}
	json_t *skips = fact(run, "pan.skipped_paths");
	json_array_foreach(skips, i, e)
	{
		if (strstr(json_string_value(e), needle))
			return true;
	}
	return false;
}

Test(hostile, every_target_ends_bounded_and_the_others_are_reported, .timeout = 240)
{
	struct fixture fx = {.dir = tu_tmpdir(), .tls_pids = xstrdup("")};
	chmod(fx.dir, 0755);
	struct tu_run r = tu_sh("sh fixtures/tls/mkcerts.sh %s/pki", fx.dir);
	cr_assert_eq(r.code, 0, "mkcerts: %s", r.err);
	tu_run_free(&r);
	static const char *const tls_kinds[] = {"silent",   "garbage", "biglen",
	                                        "chain100", "drip",    "close"};
	int tls_port[6];
	for (int i = 0; i < 6; i++)
		tls_port[i] = tls_server(&fx, tls_kinds[i]);
	fx.ts_dir = xasprintf("%s/ts", fx.dir);
	r = tu_sh("mkdir %s && fixtures/load/testserver.sh start %s", fx.ts_dir, fx.ts_dir);
	cr_assert_eq(r.code, 0, "testserver: %s", r.err);
	int http_port = atoi(r.out);
	tu_run_free(&r);
	char *files = hostile_files(fx.dir);
	char *good = xasprintf("%s/good", fx.dir);
	r = tu_sh("mkdir %s && printf 'card 4111111111111111\\n' > %s/export.csv", good, good);
	tu_run_free(&r);

	struct strbuf plan = STRBUF_INIT;
	sb_printf(&plan,
	          "[assessment]\nname = hostile targets\nrules = example\ntimeout = %ds\n\n"
	          "[target good-exec]\nexec = printf '%%s\\n' "
	          "'{\"fact\": \"auth.password_min_length\", \"value\": 12}'\n\n"
	          "[target good-files]\nfiles = %s\n\n",
	          UNIT_TIMEOUT_S, good);
	for (int i = 0; i < 6; i++)
		sb_printf(&plan, "[target tls-%s]\ntls = 127.0.0.1:%d\n\n", tls_kinds[i],
		          tls_port[i]);
	static const char *const paths[] = {"endless", "infinite-chunked", "huge"};
	for (int i = 0; i < 3; i++)
		sb_printf(&plan,
		          "[target http-%s]\nload = http://127.0.0.1:%d/%s\nload.duration = 2s\n"
		          "load.connections = 2\nload.threads = 1\n\n",
		          paths[i], http_port, paths[i]);
	/* the same servers to the web probe (libcurl) */
	for (int i = 0; i < 3; i++)
		sb_printf(&plan, "[target web-%s]\nhttp = http://127.0.0.1:%d/%s\n\n", paths[i],
		          http_port, paths[i]);
	sb_printf(&plan, "[target hostile-files]\nfiles = %s\n", files);
	free(tu_write(fx.dir, "plan.ini", plan.buf));
	sb_free(&plan);

	r = tu_sh("/usr/bin/time -f %%M -o %s/rss %s run %s/plan.ini -o %s/out "
	          "--format json,junit -j 4 -q",
	          fx.dir, tu_bin(), fx.dir, fx.dir);
	stop_all(&fx);
	cr_assert(r.code == 1 || r.code == 3, "exit %d (expected 1 or 3): %s", r.code, r.err);
	tu_run_free(&r);
	char *rss = xasprintf("%s/rss", fx.dir);
	long kb = tu_peak_rss_kb(rss);
	cr_log_info("peak RSS of the hostile run: %ld KiB", kb);
	cr_assert_lt(kb, RUN_RSS_MAX_KB, "peak RSS %ld KiB over the stated bound", kb);
	free(rss);

	r = tu_sh("xmllint --noout %s/out/junit.xml", fx.dir);
	cr_assert_eq(r.code, 0, "junit.xml is not well-formed: %s", r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", fx.dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert_not_null(j, "results.json: %s (line %d)", je.text, je.line);
	cr_assert_eq(json_array_size(json_object_get(j, "runs")), 2 + 6 + 3 + 3 + 1);

	json_t *runs = json_object_get(j, "runs"), *run;
	size_t i;
	json_array_foreach(runs, i, run)
	{
		const char *t = json_string_value(json_object_get(run, "target"));
		const char *st = json_string_value(json_object_get(run, "status"));
		double ms = json_number_value(json_object_get(run, "duration_ms"));
		cr_log_info("%-24s %-8s %6.0f ms", t, st, ms);
		cr_assert_str_neq(st, "crashed", "%s crashed", t);
		/* the scheduler's deadline, plus a margin for a loaded machine */
		cr_assert_leq(ms, (UNIT_TIMEOUT_S + GRACE_S + 5) * 1000.0, "%s ran %.0f ms", t, ms);
	}

	/* the ordinary targets are judged as if nothing else were there */
	json_t *g = run_of(j, "good-exec");
	cr_assert_str_eq(json_string_value(json_object_get(g, "status")), "ok");
	cr_assert_eq(json_integer_value(fact(g, "exec.auth.password_min_length")), 12);
	g = run_of(j, "good-files");
	cr_assert_str_eq(json_string_value(json_object_get(g, "status")), "ok");
	cr_assert_eq(json_integer_value(fact(g, "pan.exposed")), 1);

	/* each hostile TLS server: reached, and what went wrong is said */
	for (int k = 0; k < 6; k++) {
		char *name = xasprintf("tls-%s", tls_kinds[k]);
		json_t *t = run_of(j, name);
		cr_assert(json_is_true(fact(t, "tls.reachable")), "%s: not reachable", name);
		cr_assert_gt(json_array_size(json_object_get(t, "errors")) +
		                 json_array_size(json_object_get(t, "findings")),
		             0, "%s: nothing said about it", name);
		free(name);
	}
	cr_assert(errors_mention(run_of(j, "tls-biglen"), "handshake message length"));
	cr_assert(json_is_integer(fact(run_of(j, "tls-chain100"), "tls.cert.chain_len")));

	/* each hostile HTTP server: its bytes counted, its error named, nothing answered */
	static const char *const why[] = {"header", "chunked body over",
	                                  "Content-Length 10737418240 over"};
	for (int k = 0; k < 3; k++) {
		char *name = xasprintf("http-%s", paths[k]);
		json_t *h = run_of(j, name);
		cr_assert_eq(json_integer_value(fact(h, "load.requests")), 0, "%s", name);
		json_t *fe = fact(h, "load.first_error");
		cr_assert(json_is_string(fe) && strstr(json_string_value(fe), why[k]), "%s: %s",
		          name, json_is_string(fe) ? json_string_value(fe) : "no load.first_error");
		free(name);
	}

	/* the web probe: headers that never end are no response (the checks
	 * would judge headers it never saw); endless bodies are cut at max-body */
	json_t *w = run_of(j, "web-endless");
	cr_assert(errors_mention(w, "header block did not end"));
	cr_assert(json_is_false(fact(w, "http.reachable")));
	cr_assert_eq(json_array_size(json_object_get(w, "findings")), 0,
	             "nothing judged from an unfinished header block");
	for (int k = 1; k < 3; k++) {
		char *name = xasprintf("web-%s", paths[k]);
		w = run_of(j, name);
		cr_assert(json_is_true(fact(w, "http.reachable")), "%s", name);
		cr_assert_eq(json_array_size(fact(w, "http.body.truncated")), 1, "%s", name);
		free(name);
	}

	/* the hostile folder: each trap named, the card number in the sparse tail still found */
	json_t *f = run_of(j, "hostile-files");
	cr_assert(errors_mention(f, "bomb.zip!zeros.txt: archive bomb?"));
	cr_assert(errors_mention(f, "an archive nested more than"), "the 42-level archive");
	cr_assert(errors_mention(f, "loop: symbolic link loop"));
	cr_assert(errors_mention(f, "pipe: a FIFO, not read"));
	cr_assert_geq(json_integer_value(fact(f, "pan.exposed")), 1, "sparse.img's tail");
	cr_log_info("hostile-files: %lld bytes scanned",
	            (long long)json_integer_value(fact(f, "pan.bytes_scanned")));
	/* 2 GiB of holes unread, the 2 GiB bomb stopped early */
	cr_assert_lt(json_integer_value(fact(f, "pan.bytes_scanned")), 1ll << 30,
	             "holes and bombs are not read in full");
	json_decref(j);
	free(res);

	r = tu_sh("rm -rf %s", fx.dir);
	tu_run_free(&r);
	free(files);
	free(good);
	free(fx.ts_dir);
	free(fx.tls_pids);
	free(fx.dir);
}

/*
 * A plan of 10,000 targets: parsed, scheduled (a child process each),
 * judged and written; the run ends, its memory stays bounded, every
 * target has its run and its verdicts.
 */
Test(hostile, a_plan_of_ten_thousand_targets, .timeout = 600)
{
	char *dir = tu_tmpdir();
	chmod(dir, 0755);
	char *empty = tu_write(dir, "empty.txt", "");
	char *plan = xasprintf("%s/plan.ini", dir);
	FILE *fp = fopen(plan, "w");
	cr_assert(fp);
	fprintf(fp, "[assessment]\nname = ten thousand\nrules = example\n\n");
	for (int i = 0; i < 10000; i++)
		fprintf(fp, "[target host-%05d]\nfiles = %s\n\n", i, empty);
	fclose(fp);
	struct tu_run r = tu_sh("/usr/bin/time -f %%M -o %s/rss %s run %s -o %s/out -j 8 -q", dir,
	                        tu_bin(), plan, dir);
	cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *rss = xasprintf("%s/rss", dir);
	long kb = tu_peak_rss_kb(rss);
	cr_log_info("peak RSS with 10,000 targets: %ld KiB", kb);
	cr_assert_lt(kb, RUN_RSS_MAX_KB);
	char *res = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert_not_null(j, "results.json: %s", je.text);
	json_t *runs = json_object_get(j, "runs");
	cr_assert_eq(json_array_size(runs), 10000);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(runs, 9999), "target")),
	                 "host-09999");
	json_t *run;
	size_t i, ok = 0;
	json_array_foreach(runs, i, run)
	{
		ok += strcmp(json_string_value(json_object_get(run, "status")), "ok") == 0;
	}
	cr_assert_eq(ok, 10000);
	/* the pan rules of the example set judge every target */
	size_t pan_rows = 0;
	json_t *row;
	json_array_foreach(json_object_get(j, "results"), i, row)
	{
		pan_rows += strcmp(json_string_value(json_object_get(row, "rule")), "EX-8") == 0;
	}
	cr_assert_eq(pan_rows, 10000);
	json_decref(j);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(res);
	free(rss);
	free(plan);
	free(empty);
	free(dir);
}
