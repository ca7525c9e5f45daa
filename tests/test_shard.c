/*
 * Shards and merge: a plan run whole and as 1, 3 and 7 shards merged gives
 * the same results.json apart from timings; merge refuses shards that do
 * not belong together; slices are deterministic and balanced by cost.
 */
#include "tests/testutil.h"

#include "harness/shard.h"

#include <jansson.h>

/* Strip what differs between two runs of the same plan: times and the shard tag. */
static json_t *load_normalised(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	cr_assert_not_null(j, "%s: %s", path, je.text);
	json_object_del(j, "started");
	json_object_del(j, "finished");
	json_object_del(j, "shard");
	json_t *runs = json_object_get(j, "runs"), *run;
	size_t i;
	json_array_foreach(runs, i, run)
	{
		json_object_del(run, "duration_ms");
	}
	return j;
}

static char *plan_dir(void)
{
	char *dir = tu_tmpdir();
	char *plan = xstrdup("[assessment]\nname = shards\nrules = example\n");
	for (int t = 0; t < 9; t++) {
		/* Targets with different facts, so a misplaced run changes verdicts. */
		char *sec = xasprintf(
		    "%s[target host-%d]\nexec = printf '%%s\\n' "
		    "'{\"fact\": \"auth.password_min_length\", \"value\": %d}' "
		    "'{\"fact\": \"cert.days_left\", \"value\": %d}'\n",
		    plan, t, 8 + t, 10 * t);
		free(plan);
		plan = sec;
	}
	free(tu_write(dir, "plan.ini", plan));
	free(plan);
	return dir;
}

static void run_ok(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	struct tu_run r = tu_sh("%s", cmd);
	cr_assert(r.code == 0 || r.code == 1 || r.code == 3, "%s: exit %d: %s", cmd, r.code, r.err);
	tu_run_free(&r);
	free(cmd);
}

static void check_shards(unsigned n)
{
	char *dir = plan_dir();
	run_ok("%s run %s/plan.ini -o %s/whole -q", tu_bin(), dir, dir);
	char *list = xstrdup("");
	for (unsigned i = 0; i < n; i++) {
		run_ok("%s run %s/plan.ini -o %s/s%u --shard %u/%u -q", tu_bin(), dir, dir, i, i, n);
		char *l = xasprintf("%s %s/s%u/results.json", list, dir, i);
		free(list);
		list = l;
	}
	run_ok("%s merge %s/merged.json %s", tu_bin(), dir, list);
	char *a = xasprintf("%s/whole/results.json", dir), *b = xasprintf("%s/merged.json", dir);
	json_t *ja = load_normalised(a), *jb = load_normalised(b);
	char *sa = json_dumps(ja, JSON_SORT_KEYS | JSON_INDENT(1));
	char *sb = json_dumps(jb, JSON_SORT_KEYS | JSON_INDENT(1));
	cr_assert_str_eq(sa, sb, "%u shards merged differ from the whole run", n);
	cr_assert_eq(json_array_size(json_object_get(ja, "runs")), 9);
	free(sa);
	free(sb);
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
	free(list);
	free(dir);
}

Test(shard, one_shard_merged_equals_the_whole_run)
{
	check_shards(1);
}

Test(shard, three_shards_merged_equal_the_whole_run)
{
	check_shards(3);
}

Test(shard, seven_shards_merged_equal_the_whole_run)
{
	check_shards(7);
}

Test(shard, merge_refuses_what_does_not_belong_together)
{
	char *dir = plan_dir();
	for (unsigned i = 0; i < 3; i++)
		run_ok("%s run %s/plan.ini -o %s/s%u --shard %u/3 -q", tu_bin(), dir, dir, i, i);
	run_ok("%s run %s/plan.ini -o %s/four --shard 0/4 -q", tu_bin(), dir, dir);
	run_ok("%s run %s/plan.ini -o %s/whole -q", tu_bin(), dir, dir);
	/* The same plan with one more line is another plan. */
	struct tu_run r = tu_sh("cp %s/plan.ini %s/other.ini && echo '; changed' >> %s/other.ini && "
				"%s run %s/other.ini -o %s/other --shard 1/3 -q",
				dir, dir, dir, tu_bin(), dir, dir);
	tu_run_free(&r);
	struct {
		const char *files;
		const char *expect;
	} cases[] = {
	    {"s0 s1", "shard 2/3 is missing"},
	    {"s0 s1 s1 s2", "is given twice"},
	    {"s0 s1 s2 four", "shard of 4"},
	    {"s0 other s2", "a different plan"},
	    {"whole s0", "not a shard"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *args = xstrdup("");
		char *copy = xstrdup(cases[i].files), *save = NULL;
		for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			char *a = xasprintf("%s %s/%s/results.json", args, dir, t);
			free(args);
			args = a;
		}
		r = tu_sh("%s merge %s/m.json %s", tu_bin(), dir, args);
		cr_assert_eq(r.code, 2, "case %zu: exit %d", i, r.code);
		cr_assert(strstr(r.err, cases[i].expect), "case %zu: '%s' not in: %s", i,
			  cases[i].expect, r.err);
		tu_run_free(&r);
		free(args);
		free(copy);
	}
	free(dir);
}

/* The facts object of the run of probe on target in a results.json. */
static json_t *run_of(json_t *results, const char *target, const char *probe)
{
	json_t *runs = json_object_get(results, "runs"), *run;
	size_t i;
	json_array_foreach(runs, i, run)
	{
		if (strcmp(json_string_value(json_object_get(run, "target")), target) == 0 &&
		    strcmp(json_string_value(json_object_get(run, "probe")), probe) == 0)
			return run;
	}
	return NULL;
}

static json_int_t fact_int(json_t *run, const char *key)
{
	json_t *v = json_object_get(json_object_get(run, "facts"), key);
	cr_assert(json_is_integer(v), "fact %s", key);
	return json_integer_value(v);
}

static double fact_num(json_t *run, const char *key)
{
	json_t *v = json_object_get(json_object_get(run, "facts"), key);
	cr_assert(json_is_number(v), "fact %s", key);
	return json_number_value(v);
}

/*
 * A load target with load.split = true runs on every shard at 1/N of its
 * rate, connections and request budget; the merge adds the parts back
 * exactly (the histograms add), so the merged run counts what one whole
 * run counts. Against a real nginx on loopback.
 */
Test(shard, a_split_load_target_merges_into_one_whole_run, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char *srv = xasprintf("%s/nginx", dir);
	struct tu_run r = tu_sh("mkdir %s && fixtures/load/nginx.sh start %s", srv, srv);
	cr_assert_eq(r.code, 0, "nginx did not start: %s", r.err);
	int port = atoi(r.out);
	tu_run_free(&r);
	char *plan = xasprintf("[assessment]\nname = split\nrules = example\n\n"
	                       "[target host]\nexec = true\n\n"
	                       "[target budget]\nload = http://127.0.0.1:%d/\nload.requests = 1001\n"
	                       "load.connections = 4\nload.duration = 30s\nload.split = true\n\n"
	                       "[target rate]\nload = http://127.0.0.1:%d/\nload.rate = 300\n"
	                       "load.duration = 1s\nload.connections = 6\nload.split = yes\n"
	                       "timeout = 20s\n",
	                       port, port);
	free(tu_write(dir, "plan.ini", plan));
	free(plan);
	run_ok("%s run %s/plan.ini -o %s/whole -q", tu_bin(), dir, dir);
	for (unsigned i = 0; i < 3; i++)
		run_ok("%s run %s/plan.ini -o %s/s%u --shard %u/3 -q", tu_bin(), dir, dir, i, i);
	run_ok("%s merge %s/merged.json %s/s0/results.json %s/s1/results.json "
	       "%s/s2/results.json",
	       tu_bin(), dir, dir, dir, dir);

	json_error_t je;
	long budget_parts = 0, conns_parts = 0;
	for (unsigned i = 0; i < 3; i++) {
		char *p = xasprintf("%s/s%u/results.json", dir, i);
		json_t *j = json_load_file(p, 0, &je);
		cr_assert(j, "%s: %s", p, je.text);
		json_t *b = run_of(j, "budget", "load");
		cr_assert(b, "shard %u has its part of the split target", i);
		json_t *part = json_object_get(b, "part");
		cr_assert_eq(json_integer_value(json_object_get(part, "index")), i);
		cr_assert_eq(json_integer_value(json_object_get(part, "of")), 3);
		budget_parts += (long)fact_int(b, "load.requests");
		conns_parts += (long)fact_int(b, "load.connections");
		cr_assert_eq(fact_int(b, "load.requests"), i < 2 ? 334 : 333, "shard %u", i);
		cr_assert_float_eq(fact_num(run_of(j, "rate", "load"), "load.rate.target"), 100,
		                   1e-9, "shard %u runs a third of the rate", i);
		json_decref(j);
		free(p);
	}
	cr_assert_eq(budget_parts, 1001);
	cr_assert_eq(conns_parts, 4);

	char *wp = xasprintf("%s/whole/results.json", dir), *mp = xasprintf("%s/merged.json", dir);
	json_t *whole = json_load_file(wp, 0, &je), *merged = json_load_file(mp, 0, &je);
	cr_assert(whole && merged);
	cr_assert_eq(json_array_size(json_object_get(merged, "runs")), 3);
	json_t *wb = run_of(whole, "budget", "load"), *mb = run_of(merged, "budget", "load");
	cr_assert_null(json_object_get(mb, "part"), "the merged run is whole again");
	cr_assert_str_eq(json_string_value(json_object_get(mb, "status")), "ok");
	static const char *const same[] = {"load.requests", "load.sent", "load.connections",
	                                   "load.status.2xx", "load.errors.read"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		cr_assert_eq(fact_int(mb, same[i]), fact_int(wb, same[i]), "%s", same[i]);
	cr_assert_eq(fact_int(mb, "load.requests"), 1001);
	json_t *mr = run_of(merged, "rate", "load"), *wr = run_of(whole, "rate", "load");
	cr_assert_float_eq(fact_num(mr, "load.rate.target"), 300, 1e-9);
	cr_assert_float_eq(fact_num(wr, "load.rate.target"), 300, 1e-9);
	/* a timetable bounds what is sent, whole or in parts (+1 per connection) */
	cr_assert_leq(fact_int(mr, "load.sent"), 300 * 1 + 6);
	cr_assert_gt(fact_int(mr, "load.requests"), 0);
	/* the verdicts are judged again on the merged facts */
	cr_assert(json_array_size(json_object_get(merged, "results")) > 0);
	json_decref(whole);
	json_decref(merged);

	/* a shard without its part is refused by name */
	char *s1 = xasprintf("%s/s1/results.json", dir);
	json_t *j1 = json_load_file(s1, 0, &je), *runs = json_object_get(j1, "runs"), *run;
	size_t i;
	json_array_foreach(runs, i, run)
	{
		if (strcmp(json_string_value(json_object_get(run, "target")), "budget") == 0) {
			json_array_remove(runs, i);
			break;
		}
	}
	cr_assert_eq(json_dump_file(j1, s1, 0), 0);
	json_decref(j1);
	free(s1);
	r = tu_sh("%s merge %s/m.json %s/s0/results.json %s/s1/results.json %s/s2/results.json",
	          tu_bin(), dir, dir, dir, dir);
	cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
	cr_assert(strstr(r.err, "part 1 of 3 is missing"), "%s", r.err);
	tu_run_free(&r);

	r = tu_sh("fixtures/load/nginx.sh stop %s; rm -rf %s", srv, dir);
	tu_run_free(&r);
	free(wp);
	free(mp);
	free(srv);
	free(dir);
}

static int quick(const struct target *t, const struct probe_opts *o, struct facts *f)
{
	(void)t;
	(void)o;
	(void)f;
	return 0;
}

static const struct probe p_cheap = {.name = "cheap", .summary = "", .cost = 1, .run = quick};
static const struct probe p_dear = {.name = "dear", .summary = "", .cost = 10, .run = quick};

Test(shard, slices_are_deterministic_and_balanced_by_cost)
{
	struct work w[12];
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 12; i++)
		w[i].probe = i % 4 == 0 ? &p_dear : &p_cheap; /* 3 dear, 9 cheap: cost 39 */
	unsigned a[12], b[12];
	shard_assign(w, 12, 3, a);
	shard_assign(w, 12, 3, b);
	cr_assert_arr_eq(a, b, sizeof(a), "the same plan and count give the same slices");
	unsigned cost[3] = {0}, dear[3] = {0};
	for (int i = 0; i < 12; i++) {
		cr_assert_lt(a[i], 3);
		cost[a[i]] += w[i].probe->cost;
		dear[a[i]] += w[i].probe == &p_dear;
	}
	for (int s = 0; s < 3; s++) {
		cr_assert_eq(dear[s], 1, "each shard gets one expensive unit");
		cr_assert_eq(cost[s], 13, "shard %d costs %u", s, cost[s]);
	}
}

Test(shard, spec_and_environment)
{
	struct shard s = {0, 0};
	cr_assert_eq(shard_parse(&s, "2/5"), 0);
	cr_assert(s.index == 2 && s.count == 5);
	cr_assert_eq(shard_parse(&s, "5/5"), -1);
	cr_assert_eq(shard_parse(&s, "1"), -1);
	cr_assert_eq(shard_parse(&s, "-1/3"), -1);
	cr_assert_eq(shard_parse(&s, "0/0"), -1);

	unsetenv("JOB_COMPLETION_INDEX");
	unsetenv("SLURM_ARRAY_TASK_ID");
	s.count = 0;
	cr_assert_eq(shard_from_env(&s), 0);
	cr_assert_eq(s.count, 0, "no environment: not sharded");

	setenv("JOB_COMPLETION_INDEX", "3", 1);
	setenv("ASSAY_SHARDS", "4", 1);
	cr_assert_eq(shard_from_env(&s), 0);
	cr_assert(s.index == 3 && s.count == 4);
	unsetenv("ASSAY_SHARDS");
	cr_assert_eq(shard_from_env(&s), -1, "an index without a count is an error");
	unsetenv("JOB_COMPLETION_INDEX");

	setenv("SLURM_ARRAY_TASK_ID", "5", 1);
	setenv("SLURM_ARRAY_TASK_COUNT", "5", 1);
	setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
	s.count = 0;
	cr_assert_eq(shard_from_env(&s), 0);
	cr_assert(s.index == 4 && s.count == 5, "an array 1-5 gives index 4 of 5");
	unsetenv("SLURM_ARRAY_TASK_ID");
}
