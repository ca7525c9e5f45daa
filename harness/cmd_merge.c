/*
 * `assay merge OUT.json SHARD.json...` combines the results of the N
 * shards of one plan (`assay run --shard i/N`) into the results of one
 * whole run: it refuses shards of different plans or counts and missing
 * or duplicate indexes, puts the probe runs back in plan order, and
 * judges the merged facts with the rule sets again, so that every
 * verdict is the one a single run would have given. The exit code is the
 * CI contract of `assay run`.
 */
#include "harness/cmds.h"
#include "harness/results.h"
#include "lib/err.h"
#include "lib/util.h"
#include "probes/probe.h"
#include "rules/ruleset.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_usage(FILE *f)
{
	fprintf(f, "usage: assay merge OUT.json SHARD.json... [--rules-dir DIR] [--fail-on SEV]\n\n"
		   "Combines the results.json of every shard of one plan (assay run --shard i/N)\n"
		   "into one, re-judged as a whole run. Exit codes as for assay run.\n");
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A run in out with src's identity (unit, target, probe, inputs) and no facts. */
static struct probe_run *add_run_like(struct results *out, const struct probe_run *src)
{
	struct probe_run *d = results_add_run(out);
	d->unit = src->unit;
	d->target = xstrdup(src->target);
	d->probe = xstrdup(src->probe);
	d->status = xstrdup_or_null(src->status);
	d->duration_ms = src->duration_ms;
	d->inputs = xcalloc(src->ninputs + 1, sizeof(*d->inputs));
	for (size_t i = 0; i < src->ninputs; i++) {
		d->inputs[i].key = xstrdup(src->inputs[i].key);
		d->inputs[i].value = xstrdup(src->inputs[i].value);
	}
	d->ninputs = src->ninputs;
	return d;
}

static void copy_facts(struct facts *d, const struct facts *f, bool values)
{
	for (size_t i = 0; values && i < f->nfacts; i++)
		facts_add_value(d, f->facts[i].key, &f->facts[i].v);
	for (size_t i = 0; i < f->nfindings; i++)
		facts_add_finding(d, &f->findings[i]);
	for (size_t i = 0; i < f->nerrors; i++)
		facts_error(d, "%s", f->errors[i]);
}

struct run_ref {
	const struct probe_run *run;
	const char *file;
};

static int by_unit(const void *a, const void *b)
{
	const struct run_ref *x = a, *y = b;
	if (x->run->unit != y->run->unit)
		return (x->run->unit > y->run->unit) - (x->run->unit < y->run->unit);
	return (x->run->part > y->run->part) - (x->run->part < y->run->part);
}

/*
 * The n parts of one split run (sorted by part) as one run: every part
 * there once, their facts combined by the probe's merge hook, findings and
 * errors kept. A part that failed leaves the run in error with its errors
 * (parts cannot be combined without it). -1 only when the parts do not
 * belong together.
 */
static int merge_parts(struct results *out, const struct run_ref *p, size_t n)
{
	const struct probe_run *r0 = p[0].run;
	unsigned of = r0->parts;
	for (size_t i = 0; i < n; i++) {
		const struct probe_run *r = p[i].run;
		if (r->parts != of || of < 2 || strcmp(r->probe, r0->probe) ||
		    strcmp(r->target, r0->target))
			return err_set("unit %ld (%s on %s) is in both %s and %s", r0->unit,
			               r0->probe, r0->target, p[0].file, p[i].file);
		if (r->part != i)
			return err_set("unit %ld (%s on %s): part %zu of %u is %s", r0->unit,
			               r0->probe, r0->target, i, of,
			               r->part < i ? "given twice" : "missing");
	}
	if (n != of)
		return err_set("unit %ld (%s on %s): part %zu of %u is missing", r0->unit, r0->probe,
		               r0->target, n, of);
	const struct probe *pr = probe_find(r0->probe);
	if (!pr || !pr->merge)
		return err_set("unit %ld: the %s probe cannot merge the parts of a split run",
		               r0->unit, r0->probe);
	struct probe_run *d = add_run_like(out, r0);
	const struct facts **in = xcalloc(n, sizeof(*in));
	const char *bad = NULL;
	for (size_t i = 0; i < n; i++) {
		in[i] = &p[i].run->facts;
		if (p[i].run->duration_ms > d->duration_ms)
			d->duration_ms = p[i].run->duration_ms;
		if (!bad && strcmp(p[i].run->status, "ok") != 0)
			bad = p[i].run->status;
	}
	if (!bad && pr->merge(&d->facts, in, n) < 0) {
		facts_error(&d->facts, "the %u parts of this run cannot be merged: %s", of,
		            err_msg());
		bad = "error";
	}
	if (bad) {
		free(d->status);
		d->status = xstrdup(bad);
	}
	for (size_t i = 0; i < n; i++)
		copy_facts(&d->facts, in[i], false);
	free(in);
	return 0;
}

/* Check the shards belong together; 0 or -1 with err_set(). */
static int check_shards(struct results *sh, char **files, size_t n)
{
	unsigned count = sh[0].shard_count;
	if (count == 0)
		return err_set("%s: not a shard (no \"shard\" member: it was not run with --shard)",
			       files[0]);
	char *seen = xcalloc(count, 1);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (sh[i].shard_count == 0)
			rc = err_set("%s: not a shard (it was not run with --shard)", files[i]);
		else if (sh[i].shard_count != count)
			rc = err_set("%s: shard of %u, but %s is a shard of %u", files[i],
				     sh[i].shard_count, files[0], count);
		else if (!same(sh[i].plan_sha256, sh[0].plan_sha256))
			rc = err_set("%s: a different plan (sha256 %.12s…) than %s (%.12s…)",
				     files[i], sh[i].plan_sha256 ? sh[i].plan_sha256 : "none",
				     files[0], sh[0].plan_sha256 ? sh[0].plan_sha256 : "none");
		else if (seen[sh[i].shard_index])
			rc = err_set("%s: shard %u/%u is given twice", files[i], sh[i].shard_index,
				     count);
		else
			seen[sh[i].shard_index] = 1;
	}
	for (unsigned k = 0; k < count && rc == 0; k++)
		if (!seen[k])
			rc = err_set("shard %u/%u is missing (have %zu of %u)", k, count, n, count);
	free(seen);
	return rc;
}

static int merge(struct results *out, struct results *sh, char **files, size_t n,
		 const char *rules_dir)
{
	if (check_shards(sh, files, n) < 0)
		return -1;
	const struct results *f = &sh[0];
	out->tool_version = xstrdup_or_null(f->tool_version);
	out->plan_name = xstrdup_or_null(f->plan_name);
	out->plan_file = xstrdup_or_null(f->plan_file);
	out->plan_sha256 = xstrdup_or_null(f->plan_sha256);
	out->fail_on = f->fail_on;
	out->targets = xcalloc(f->ntargets + 1, sizeof(char *));
	if (f->zones)
		out->zones = xcalloc(f->ntargets + 1, sizeof(char *));
	for (size_t i = 0; i < f->ntargets; i++) {
		if (f->zones)
			out->zones[i] = xstrdup_or_null(f->zones[i]);
		out->targets[out->ntargets++] = xstrdup(f->targets[i]);
	}
	out->profiles = f->profiles;
	out->waivers = xcalloc(f->nwaivers + 1, sizeof(*out->waivers));
	for (size_t i = 0; i < f->nwaivers; i++)
		waiver_copy(&out->waivers[out->nwaivers++], &f->waivers[i]);
	out->attests = xcalloc(f->nattests + 1, sizeof(*out->attests));
	for (size_t i = 0; i < f->nattests; i++)
		attestation_copy(&out->attests[out->nattests++], &f->attests[i]);
	for (size_t i = 0; i < n; i++) {
		if (sh[i].started && (!out->started || strcmp(sh[i].started, out->started) < 0)) {
			free(out->started);
			out->started = xstrdup(sh[i].started);
		}
		if (sh[i].finished && (!out->finished || strcmp(sh[i].finished, out->finished) > 0)) {
			free(out->finished);
			out->finished = xstrdup(sh[i].finished);
		}
	}

	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += sh[i].nruns;
	struct run_ref *refs = xcalloc(total + 1, sizeof(*refs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sh[i].nruns; j++)
			refs[k++] = (struct run_ref){&sh[i].runs[j], files[i]};
	qsort(refs, total, sizeof(*refs), by_unit);
	for (k = 0; k < total;) {
		if (refs[k].run->unit < 0) {
			int rc = err_set("%s: a run of %s on %s has no unit number", refs[k].file,
			                 refs[k].run->probe, refs[k].run->target);
			free(refs);
			return rc;
		}
		size_t e = k + 1;
		while (e < total && refs[e].run->unit == refs[k].run->unit)
			e++;
		if (e - k == 1 && refs[k].run->parts == 0) {
			struct probe_run *d = add_run_like(out, refs[k].run);
			copy_facts(&d->facts, &refs[k].run->facts, true);
		} else if (refs[k].run->parts == 0 || refs[e - 1].run->parts == 0) {
			int rc = err_set("unit %ld (%s on %s) is in both %s and %s", refs[k].run->unit,
			                 refs[k].run->probe, refs[k].run->target, refs[k].file,
			                 refs[k + 1].file);
			free(refs);
			return rc;
		} else if (merge_parts(out, refs + k, e - k) < 0) {
			free(refs);
			return -1;
		}
		k = e;
	}
	free(refs);

	struct rulebook book = {0};
	char **ids = xcalloc(f->nrulesets + 1, sizeof(char *));
	int *levels = xcalloc(f->nrulesets + 1, sizeof(int));
	for (size_t i = 0; i < f->nrulesets; i++) {
		ids[i] = f->rulesets[i].id;
		levels[i] = f->rulesets[i].level && strcmp(f->rulesets[i].level, "enhanced") == 0
		                ? LEVEL_ENHANCED
		                : LEVEL_BASELINE;
	}
	int rc = cmd_load_rules(&book, rules_dir);
	if (rc == 0)
		rc = engine_evaluate(&book, ids, levels, f->nrulesets, out);
	free(levels);
	free(ids);
	rulebook_free(&book);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"rules-dir", required_argument, NULL, 'R'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *rules_dir = NULL, *fail_on_arg = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
			rules_dir = optarg;
			break;
		case 'F':
			fail_on_arg = optarg;
			break;
		case 'h':
			merge_usage(stdout);
			return EXIT_CLEAN;
		default:
			merge_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		merge_usage(stderr);
		return EXIT_USAGE;
	}
	const char *outpath = argv[optind];
	char **files = argv + optind + 1;
	size_t n = (size_t)(argc - optind - 1);
	struct results *sh = xcalloc(n, sizeof(*sh));
	int code = EXIT_USAGE;
	size_t loaded = 0;
	for (; loaded < n; loaded++)
		if (results_read(&sh[loaded], files[loaded]) < 0) {
			fprintf(stderr, "assay merge: %s\n", err_msg());
			goto out;
		}
	struct results m;
	results_init(&m);
	if (merge(&m, sh, files, n, rules_dir) < 0 || results_write(&m, outpath) < 0) {
		fprintf(stderr, "assay merge: %s\n", err_msg());
	} else {
		enum severity fail_on = m.fail_on;
		if (fail_on_arg && severity_parse(&fail_on, fail_on_arg) < 0)
			fprintf(stderr, "assay merge: --fail-on: expected a severity\n");
		else {
			struct summary s;
			results_summarize(&m, fail_on, &s);
			printf("assay: merged %zu shards into %s: %zu probe runs, %zu verdicts, %zu "
			       "failed at or above %s\n",
			       n, outpath, m.nruns, s.total, s.failed_at_or_above,
			       severity_name(fail_on));
			code = results_exit_code(&m, fail_on);
		}
	}
	results_free(&m);
out:
	for (size_t i = 0; i < loaded; i++)
		results_free(&sh[i]);
	free(sh);
	return code;
}
