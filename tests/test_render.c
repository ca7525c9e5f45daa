/*
 * `assay report` with several formats renders them side by side, one per
 * core (harness/cmd_run.c, cmd_render). What a user gets must not depend
 * on that: every file byte-identical to the same format rendered alone,
 * the "wrote" lines in the order the formats were asked for, and a bad
 * format name failing the whole list before anything is written, and a
 * format whose file cannot be written named while the others are written.
 */
#include "fixtures/reports/model.h"

#include <sys/stat.h>

struct fx {
	char *dir, *json;
};

static struct fx setup_fx(void)
{
	struct fx f = {.dir = tu_tmpdir()};
	struct results r;
	rm_demo(&r);
	f.json = xasprintf("%s/in.json", f.dir);
	cr_assert_eq(results_write(&r, f.json), 0, "%s", err_msg());
	results_free(&r);
	return f;
}

static void teardown_fx(struct fx *f)
{
	struct tu_run run = tu_sh("rm -rf '%s'", f->dir);
	tu_run_free(&run);
	free(f->dir);
	free(f->json);
}

static const char *const formats[][2] = {
    {"json", "results.json"}, {"junit", "junit.xml"}, {"sarif", "results.sarif"},
    {"html", "report.html"},  {"pdf", "report.pdf"},
};

Test(render, together_same_bytes_as_alone, .timeout = 120)
{
	struct fx f = setup_fx();
	struct tu_run run = tu_sh("%s report '%s' --format json,junit,sarif,html,pdf -o '%s/all'",
	                          tu_bin(), f.json, f.dir);
	cr_assert_eq(run.code, 0, "%s", run.err);
	/* In the order asked for, whichever finished first. */
	const char *at = run.err;
	for (size_t i = 0; i < 5; i++) {
		char *line = xasprintf("assay: wrote %s/all/%s\n", f.dir, formats[i][1]);
		const char *hit = strstr(at, line);
		cr_assert(hit, "'%s' missing or out of order in:\n%s", line, run.err);
		at = hit + strlen(line);
		free(line);
	}
	tu_run_free(&run);

	for (size_t i = 0; i < 5; i++) {
		run = tu_sh("%s report '%s' --format %s -o '%s/alone.%s' && cmp '%s/all/%s' "
		            "'%s/alone.%s'",
		            tu_bin(), f.json, formats[i][0], f.dir, formats[i][0], f.dir,
		            formats[i][1], f.dir, formats[i][0]);
		cr_assert_eq(run.code, 0, "%s rendered alone differs: %s%s", formats[i][0], run.out,
		             run.err);
		tu_run_free(&run);
	}
	teardown_fx(&f);
}

Test(render, unknown_format_writes_nothing, .timeout = 60)
{
	struct fx f = setup_fx();
	struct tu_run run =
	    tu_sh("%s report '%s' --format html,bogus,pdf -o '%s/out'", tu_bin(), f.json, f.dir);
	cr_assert_neq(run.code, 0);
	cr_assert(strstr(run.err, "unknown format 'bogus'"), "%s", run.err);
	char *p = xasprintf("%s/out/report.html", f.dir);
	struct stat st;
	cr_assert_neq(stat(p, &st), 0, "report.html written despite the bad list");
	free(p);
	tu_run_free(&run);
	teardown_fx(&f);
}

Test(render, one_failing_format_is_named_and_the_rest_written, .timeout = 60)
{
	struct fx f = setup_fx();
	/* report.pdf is a folder: that format cannot be written, the others are. */
	struct tu_run run = tu_sh("mkdir -p '%s/out/report.pdf' && %s report '%s' --format "
	                          "pdf,json,html -o '%s/out'",
	                          f.dir, tu_bin(), f.json, f.dir);
	cr_assert_neq(run.code, 0);
	cr_assert(strstr(run.err, "report.pdf: cannot write"), "%s", run.err);
	cr_assert(strstr(run.err, "/out/results.json\n"), "%s", run.err);
	cr_assert(strstr(run.err, "/out/report.html\n"), "%s", run.err);
	tu_run_free(&run);
	run = tu_sh("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
	            "assert d[\"results\"]' '%s/out/results.json'",
	            f.dir);
	cr_assert_eq(run.code, 0, "results.json not written in full: %s", run.err);
	tu_run_free(&run);
	teardown_fx(&f);
}

Test(render, a_format_named_twice_is_written_once, .timeout = 120)
{
	struct fx f = setup_fx();
	struct tu_run run =
	    tu_sh("%s report '%s' --format pdf,json,pdf,pdf -o '%s/out' && pdftotext "
	          "'%s/out/report.pdf' - | grep -c 'Demo acquirer'",
	          tu_bin(), f.json, f.dir, f.dir);
	cr_assert_eq(run.code, 0, "%s", run.err);
	const char *first = strstr(run.err, "report.pdf\n");
	cr_assert(first && !strstr(first + 1, "report.pdf\n"), "%s", run.err);
	tu_run_free(&run);
	teardown_fx(&f);
}
