/*
 * `assay run PLAN`: the whole flow. Load and check the plan and the rule
 * sets (exit 2 before any probe runs if either is wrong), run every
 * (target, probe) unit through the scheduler, judge the facts, write
 * results.json and the requested reports, print a summary, and exit with
 * the CI contract's code.
 */
#include "harness/cmds.h"
#include "harness/plan.h"
#include "harness/results.h"
#include "harness/sched.h"
#include "harness/shard.h"
#include "lib/err.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "reports/bundle.h"
#include "reports/report.h"
#include "rules/ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static void run_usage(FILE *f)
{
	fprintf(f,
	        "usage: assay run PLAN.ini [-o DIR] [--format json,junit] [--fail-on SEVERITY]\n"
	        "                 [-j N] [--timeout S] [--rules-dir DIR] [--lang en|zh|both] [-q]\n"
	        "                 [--shard i/N] [--sign KEY.pem --cert CERT.pem [--tsa URL]]\n\n"
	        "  -o, --output DIR     write results.json and reports here (default: out)\n"
	        "  -f, --format LIST    reports to write besides results.json:");
	for (size_t i = 0; renderer_registry[i]; i++)
		fprintf(f, " %s", renderer_registry[i]->name);
	fprintf(f,
	        "\n"
	        "      --fail-on SEV    exit 1 when a rule at or above SEV fails: critical, high\n"
	        "                       (default, or the plan's fail-on), medium, low, info\n"
	        "  -j, --jobs N         run N probes at once (default 4)\n"
	        "      --timeout S      default deadline of each probe (plan: timeout; 120 s)\n"
	        "      --rules-dir DIR  also load the rule sets in DIR\n"
	        "      --sign KEY.pem   sign the output folder (manifest.json + CMS signature;\n"
	        "      --cert CERT.pem  RSA, ECDSA or SM2 keys); check with assay verify\n"
	        "      --tsa URL        add an RFC 3161 timestamp from this authority\n"
	        "      --shard i/N      run the i-th (0-based) of N deterministic slices of the\n"
	        "                       plan; `assay merge` combines them (docs/scale.md). Also\n"
	        "                       from JOB_COMPLETION_INDEX+ASSAY_SHARDS or SLURM_ARRAY_*\n"
	        "      --lang L         report language: en, zh or both (default both)\n"
	        "  -q, --quiet          print only errors\n\n"
	        "exit: 0 clean, 1 failed at or above --fail-on, 2 usage/plan/rules error,\n"
	        "      3 incomplete (a probe errored or timed out)\n");
}

int cmd_load_rules(struct rulebook *b, const char *extra_dir)
{
	const char *dir = rules_default_dir();
	struct stat sd, se;
	bool have_default = stat(dir, &sd) == 0;
	/* --rules-dir naming the default folder itself loads it once */
	if (extra_dir && have_default && stat(extra_dir, &se) == 0 && sd.st_dev == se.st_dev &&
	    sd.st_ino == se.st_ino)
		extra_dir = NULL;
	/* an installed binary without its rule sets still runs those it is given */
	if (extra_dir && !have_default)
		dir = extra_dir, extra_dir = NULL;
	char *xsd = xasprintf("%s/ruleset.xsd", dir);
	int rc = rulebook_load_dir(b, dir, xsd);
	if (rc == 0 && extra_dir)
		rc = rulebook_load_dir(b, extra_dir, xsd);
	free(xsd);
	return rc;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/*
 * Renderers read the results and share nothing else (each its own output,
 * error buffer and, for the PDF, its own font map), so they run side by
 * side: up to one per core, the PDF first because it takes longest. What
 * the user sees does not depend on it: "wrote" lines and the first error
 * come in the order the formats were asked for.
 */
struct render_job {
	const struct renderer *rd;
	const struct results *r;
	const struct render_opts *o;
	char *path;
	FILE *out;
	bool to_stdout;
	int rc;
	char *err;
};

struct render_queue {
	struct render_job **jobs; /* in the order they are taken */
	size_t n, next;
	pthread_mutex_t lock;
};

static void render_one(struct render_job *j)
{
	j->rc = j->rd->render(j->r, j->o, j->out);
	if (!j->to_stdout && fclose(j->out) != 0 && j->rc == 0)
		j->rc = err_set("%s: cannot write: %s", j->path, strerror(errno));
	if (j->rc < 0)
		j->err = xstrdup(err_msg());
}

static void *render_worker(void *arg)
{
	struct render_queue *q = arg;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		size_t i = q->next < q->n ? q->next++ : q->n;
		pthread_mutex_unlock(&q->lock);
		if (i == q->n)
			return NULL;
		if (q->jobs[i]->out)
			render_one(q->jobs[i]);
	}
}

static size_t render_threads(size_t njobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t k = cpus > 0 ? (size_t)cpus : 1;
	if (k > 4)
		k = 4;
	return k < njobs ? k : njobs;
}

int cmd_render(const struct results *r, const char *formats, const char *dir, const char *file,
               const char *lang, int quiet)
{
	char *list = xstrdup(formats), *save = NULL;
	struct render_opts o = {.lang = lang};
	struct render_job *jobs = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	/* Every name first: a list with a bad one writes nothing. */
	for (char *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		const struct renderer *rd = renderer_find(f);
		if (!rd) {
			rc = err_set("unknown format '%s'", f);
			break;
		}
		bool again = false; /* "pdf,pdf": the file once */
		for (size_t i = 0; i < n; i++)
			again |= jobs[i].rd == rd;
		if (!again)
			*ARRAY_PUSH(jobs, n, cap) = (struct render_job){.rd = rd, .r = r, .o = &o};
	}
	free(list);
	/* A file that cannot be opened fails its format; the others are written. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct render_job *j = &jobs[i];
		j->path = file ? xstrdup(file) : xasprintf("%s/%s", dir, j->rd->ext);
		j->to_stdout = strcmp(j->path, "-") == 0;
		j->out = j->to_stdout ? stdout : fopen(j->path, "w");
		if (!j->out) {
			j->rc = err_set("%s: cannot write: %s", j->path, strerror(errno));
			j->err = xstrdup(err_msg());
		}
	}

	if (rc == 0) {
		/* The longest first, so the others fill the remaining cores. */
		struct render_job **order = xcalloc(n ? n : 1, sizeof(*order));
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (strcmp(jobs[i].rd->name, "pdf") == 0)
				order[k++] = &jobs[i];
		for (size_t i = 0; i < n; i++)
			if (strcmp(jobs[i].rd->name, "pdf") != 0)
				order[k++] = &jobs[i];
		struct render_queue q = {.jobs = order, .n = n, .lock = PTHREAD_MUTEX_INITIALIZER};
		size_t nt = render_threads(n);
		pthread_t *tid = xcalloc(nt ? nt : 1, sizeof(*tid));
		size_t started = 0;
		for (size_t t = 1; t < nt; t++)
			if (pthread_create(&tid[t], NULL, render_worker, &q) == 0)
				started = t;
			else
				break;
		render_worker(&q);
		for (size_t t = 1; t <= started; t++)
			pthread_join(tid[t], NULL);
		free(tid);
		free(order);
		for (size_t i = 0; i < n; i++) {
			if (jobs[i].rc < 0) {
				if (rc == 0)
					rc = err_set("%s",
					             jobs[i].err ? jobs[i].err : "render failed");
			} else if (!quiet && !jobs[i].to_stdout) {
				fprintf(stderr, "assay: wrote %s\n", jobs[i].path);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(jobs[i].path);
		free(jobs[i].err);
	}
	free(jobs);
	return rc;
}

/*
 * A signed bundle covers every file in the output folder, so the folder
 * must hold nothing but what this run writes (and an earlier bundle of
 * the same names, which is replaced): a stale report would be signed as
 * this run's evidence.
 */
static int check_sign_dir(const char *dir, const char *formats)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_set("%s: %s", dir, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "results.json") == 0 ||
		    strcmp(n, BUNDLE_MANIFEST) == 0 || strcmp(n, BUNDLE_SIGNATURE) == 0 ||
		    strcmp(n, BUNDLE_TIMESTAMP) == 0)
			continue;
		bool ours = false;
		char *list = xstrdup(formats), *save = NULL;
		for (char *f = strtok_r(list, ",", &save); f && !ours;
		     f = strtok_r(NULL, ",", &save)) {
			const struct renderer *rd = renderer_find(f);
			ours = rd && strcmp(rd->ext, n) == 0;
		}
		free(list);
		if (!ours)
			rc = err_set(
			    "--sign: %s holds '%s', which this run does not write; a signed "
			    "bundle needs a folder of its own",
			    dir, n);
	}
	closedir(d);
	return rc;
}

/* Whether the plan asks for u to be split across shards ("load.split = true"). */
static bool unit_is_split(const struct work *u)
{
	if (!u->probe->merge)
		return false;
	for (size_t i = 0; i < u->target.noptions; i++) {
		const char *dot = strrchr(u->target.options[i].name, '.');
		const char *v = u->target.options[i].value;
		if (dot && strcmp(dot + 1, "split") == 0)
			return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
			       strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0;
	}
	return false;
}

/* Split the plan's targets into (target, probe) work units, in plan order. */
static size_t build_work(struct work **out, struct plan *p, struct results *r, double deftimeout,
                         const struct shard *sh)
{
	size_t n = 0, cap = 0;
	struct work *w = NULL;
	for (size_t t = 0; t < p->ntargets; t++) {
		struct plan_target *pt = &p->targets[t];
		const struct probe *seen[64];
		size_t nseen = 0;
		for (size_t i = 0; i < pt->ninputs; i++) {
			const struct probe *pr = probe_for_key(pt->inputs[i].key);
			bool dup = false;
			for (size_t k = 0; k < nseen; k++)
				dup |= seen[k] == pr;
			if (dup || nseen == 64)
				continue;
			seen[nseen++] = pr;

			struct work *u = ARRAY_PUSH(w, n, cap);
			memset(u, 0, sizeof(*u));
			u->probe = pr;
			u->timeout_s = pt->timeout_s > 0 ? pt->timeout_s : deftimeout;
			/* Inputs and options of this probe only; arrays owned by the unit. */
			struct target_input *ins = xcalloc(pt->ninputs, sizeof(*ins));
			struct target_option *opts = xcalloc(pt->noptions + 1, sizeof(*opts));
			size_t nin = 0, nopt = 0;
			for (size_t k = 0; k < pt->ninputs; k++)
				if (probe_for_key(pt->inputs[k].key) == pr)
					ins[nin++] = pt->inputs[k];
			for (size_t k = 0; k < pt->noptions; k++) {
				char key[64];
				const char *dot = strchr(pt->options[k].name, '.');
				snprintf(key, sizeof(key), "%.*s", (int)(dot - pt->options[k].name),
				         pt->options[k].name);
				if (probe_for_key(key) == pr)
					opts[nopt++] = pt->options[k];
			}
			u->target = (struct target){pt->name, ins, nin, opts, nopt};
		}
	}

	/*
	 * A shard keeps its slice; the unit numbers stay those of the whole
	 * plan. A split unit (`<key>.split = true`, a probe that can merge its
	 * parts) is on every shard, each doing its part; the others are dealt
	 * out by cost.
	 */
	unsigned *slice = xcalloc(n + 1, sizeof(unsigned));
	if (sh->count > 1) {
		struct work *dealt = xcalloc(n + 1, sizeof(*dealt));
		size_t *at = xcalloc(n + 1, sizeof(*at)), nd = 0;
		for (size_t k = 0; k < n; k++) {
			w[k].parts = unit_is_split(&w[k]) ? sh->count : 0;
			w[k].part = w[k].parts ? sh->index : 0;
			if (!w[k].parts) {
				at[nd] = k;
				dealt[nd++] = w[k];
			}
		}
		unsigned *ds = xcalloc(nd + 1, sizeof(unsigned));
		shard_assign(dealt, nd, sh->count, ds);
		for (size_t k = 0; k < n; k++)
			slice[k] = sh->index;
		for (size_t d = 0; d < nd; d++)
			slice[at[d]] = ds[d];
		free(ds);
		free(at);
		free(dealt);
	}
	size_t kept = 0;
	for (size_t k = 0; k < n; k++) {
		struct work *u = &w[k];
		if (sh->count && slice[k] != sh->index) {
			free((void *)u->target.inputs);
			free((void *)u->target.options);
			continue;
		}
		struct probe_run *run = results_add_run(r);
		run->unit = (long)k;
		run->part = u->part;
		run->parts = u->parts;
		run->target = xstrdup(u->target.name);
		run->probe = xstrdup(u->probe->name);
		run->inputs = xcalloc(u->target.ninputs, sizeof(*run->inputs));
		for (size_t i = 0; i < u->target.ninputs; i++) {
			run->inputs[i].key = xstrdup(u->target.inputs[i].key);
			run->inputs[i].value = mask_text(u->target.inputs[i].value);
		}
		run->ninputs = u->target.ninputs;
		w[kept++] = *u;
	}
	free(slice);
	/* results_add_run may have moved the runs: link them now. */
	for (size_t i = 0; i < kept; i++)
		w[i].run = &r->runs[i];
	*out = w;
	return kept;
}

static void print_summary(const struct results *r, enum severity fail_on, double secs)
{
	struct summary s;
	results_summarize(r, fail_on, &s);
	printf("assay: %s: %zu verdicts on %zu targets, %zu probe runs in %.1f s\n",
	       r->plan_name ? r->plan_name : "run", s.total, r->ntargets, r->nruns, secs);
	printf("  ");
	for (int v = 0; v < VERDICT__COUNT; v++)
		printf("%s %zu%s", verdict_name((enum verdict)v), s.by_verdict[v],
		       v + 1 < VERDICT__COUNT ? "  " : "\n");
	for (size_t i = 0; i < r->nrows; i++) {
		const struct verdict_row *w = &r->rows[i];
		if (w->verdict != VERDICT_FAIL && w->verdict != VERDICT_ERROR)
			continue;
		printf("  %-5s %-8s %-12s %-16s %s\n",
		       w->verdict == VERDICT_FAIL ? "FAIL" : "ERROR", severity_name(w->severity),
		       w->rule, w->target,
		       w->title_en   ? w->title_en
		       : w->title_zh ? w->title_zh
		                     : "");
		if (w->reason)
			printf("        %s\n", w->reason);
	}
	for (size_t i = 0; i < r->nruns; i++)
		if (strcmp(r->runs[i].status, "ok") != 0)
			printf("  probe %s on %s: %s%s%s\n", r->runs[i].probe, r->runs[i].target,
			       r->runs[i].status, r->runs[i].facts.nerrors ? ": " : "",
			       r->runs[i].facts.nerrors ? r->runs[i].facts.errors[0] : "");
	int code = results_exit_code(r, fail_on);
	printf("exit %d: %s\n", code,
	       code == 1 ? "rules failed at or above the --fail-on severity"
	       : code == 3
	           ? "incomplete: a probe errored or timed out, or a rule could not be decided"
	           : "nothing failed at or above the --fail-on severity");
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},  {"format", required_argument, NULL, 'f'},
	    {"fail-on", required_argument, NULL, 'F'}, {"jobs", required_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'}, {"rules-dir", required_argument, NULL, 'R'},
	    {"lang", required_argument, NULL, 'L'},    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},          {"shard", required_argument, NULL, 'S'},
	    {"sign", required_argument, NULL, 'K'},    {"cert", required_argument, NULL, 'C'},
	    {"tsa", required_argument, NULL, 'T'},     {NULL, 0, NULL, 0},
	};
	const char *outdir = "out", *formats = "json", *rules_dir = NULL, *lang = "both";
	const char *fail_on_arg = NULL, *sign_key = NULL, *sign_cert = NULL, *tsa = NULL;
	double timeout = 0;
	struct shard shard = {0, 0};
	int jobs = 4, quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'f':
			formats = optarg;
			break;
		case 'F':
			fail_on_arg = optarg;
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 256) {
				fprintf(stderr, "assay run: -j: expected 1..256, found '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			jobs = (int)v;
			break;
		}
		case 't':
			if (parse_duration(&timeout, optarg) < 0 || timeout <= 0) {
				fprintf(stderr,
				        "assay run: --timeout: expected a duration, found '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R':
			rules_dir = optarg;
			break;
		case 'K':
			sign_key = optarg;
			break;
		case 'C':
			sign_cert = optarg;
			break;
		case 'T':
			tsa = optarg;
			break;
		case 'S':
			if (shard_parse(&shard, optarg) < 0) {
				fprintf(stderr, "assay run: %s\n", err_msg());
				return EXIT_USAGE;
			}
			break;
		case 'L':
			lang = optarg;
			if (strcmp(lang, "en") && strcmp(lang, "zh") && strcmp(lang, "both")) {
				fprintf(stderr, "assay run: --lang: expected en, zh or both\n");
				return EXIT_USAGE;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			run_usage(stdout);
			return EXIT_CLEAN;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "assay run: expected one plan file\n");
		run_usage(stderr);
		return EXIT_USAGE;
	}
	if (!sign_key != !sign_cert || (tsa && !sign_key)) {
		fprintf(stderr, "assay run: --sign and --cert go together; --tsa needs --sign\n");
		return EXIT_USAGE;
	}
	if ((sign_key && access(sign_key, R_OK) < 0) ||
	    (sign_cert && access(sign_cert, R_OK) < 0)) {
		fprintf(stderr, "assay run: %s: cannot read: %s\n",
		        access(sign_key, R_OK) < 0 ? sign_key : sign_cert, strerror(errno));
		return EXIT_USAGE;
	}
	if (shard.count == 0 && shard_from_env(&shard) < 0) {
		fprintf(stderr, "assay run: %s\n", err_msg());
		return EXIT_USAGE;
	}
	/* Check the formats before any probe runs. */
	char *fl = xstrdup(formats), *save = NULL;
	for (char *f = strtok_r(fl, ",", &save); f; f = strtok_r(NULL, ",", &save))
		if (!renderer_find(f)) {
			fprintf(stderr, "assay run: unknown format '%s'\n", f);
			free(fl);
			return EXIT_USAGE;
		}
	free(fl);
	enum severity fail_on = SEV_HIGH;
	if (fail_on_arg && severity_parse(&fail_on, fail_on_arg) < 0) {
		fprintf(stderr,
		        "assay run: --fail-on: expected critical, high, medium, low or info\n");
		return EXIT_USAGE;
	}

	struct plan plan;
	struct rulebook book = {0};
	if (plan_load(&plan, argv[optind]) < 0 || cmd_load_rules(&book, rules_dir) < 0 ||
	    plan_check_rules(&plan, &book) < 0) {
		fprintf(stderr, "assay: %s\n", err_msg());
		plan_free(&plan);
		rulebook_free(&book);
		return EXIT_USAGE;
	}
	if (!fail_on_arg && plan.fail_on_set)
		fail_on = plan.fail_on;
	if (mkdir_p(outdir) < 0) {
		fprintf(stderr, "assay: %s: cannot create: %s\n", outdir, strerror(errno));
		plan_free(&plan);
		rulebook_free(&book);
		return EXIT_USAGE;
	}
	if (sign_key && check_sign_dir(outdir, formats) < 0) {
		fprintf(stderr, "assay run: %s\n", err_msg());
		plan_free(&plan);
		rulebook_free(&book);
		return EXIT_USAGE;
	}

	struct results r;
	results_init(&r);
	char ts[32];
	time_utc_iso(ts, sizeof(ts));
	r.started = xstrdup(ts);
	r.tool_version = xstrdup(ASSAY_VERSION);
	r.plan_name = xstrdup(plan.name);
	r.plan_file = xstrdup(plan.file);
	r.plan_sha256 = plan.sha256 ? xstrdup(plan.sha256) : NULL;
	r.fail_on = fail_on;
	r.targets = xcalloc(plan.ntargets + 1, sizeof(char *));
	for (size_t i = 0; i < plan.ntargets; i++) {
		if (plan.targets[i].zone) {
			if (!r.zones)
				r.zones = xcalloc(plan.ntargets + 1, sizeof(char *));
			r.zones[i] = xstrdup(plan.targets[i].zone);
		}
		r.targets[r.ntargets++] = xstrdup(plan.targets[i].name);
	}
	r.profiles = plan.profiles;
	long today = date_today();
	r.waivers = xcalloc(plan.nwaivers + 1, sizeof(*r.waivers));
	for (size_t i = 0; i < plan.nwaivers; i++) {
		waiver_copy(&r.waivers[r.nwaivers], &plan.waivers[i]);
		long until = 0;
		r.waivers[r.nwaivers].active =
		    date_parse(&until, plan.waivers[i].until) == 0 && until >= today;
		r.nwaivers++;
	}
	r.attests = xcalloc(plan.nattests + 1, sizeof(*r.attests));
	for (size_t i = 0; i < plan.nattests; i++)
		attestation_copy(&r.attests[r.nattests++], &plan.attests[i]);

	struct work *w = NULL;
	r.shard_index = shard.index;
	r.shard_count = shard.count;
	size_t n = build_work(&w, &plan, &r, timeout > 0 ? timeout : plan.timeout_s, &shard);
	double t0 = time_mono_ms();
	sched_run(w, n, jobs, !quiet && isatty(STDERR_FILENO));
	double secs = (time_mono_ms() - t0) / 1000.0;

	int code = EXIT_USAGE;
	if (engine_evaluate(&book, plan.rulesets, plan.rulelevels, plan.nrulesets, &r) < 0) {
		fprintf(stderr, "assay: %s\n", err_msg());
	} else {
		time_utc_iso(ts, sizeof(ts));
		r.finished = xstrdup(ts);
		char *path = xasprintf("%s/results.json", outdir);
		int rc = results_write(&r, path);
		if (rc == 0 && !quiet)
			fprintf(stderr, "assay: wrote %s\n", path);
		free(path);
		/* results.json is always written; "json" in --format adds nothing. */
		char *rest = xstrdup(formats), *s2 = NULL;
		struct strbuf other = STRBUF_INIT;
		for (char *f = strtok_r(rest, ",", &s2); f; f = strtok_r(NULL, ",", &s2))
			if (strcmp(f, "json") != 0)
				sb_printf(&other, "%s%s", other.len ? "," : "", f);
		free(rest);
		if (rc == 0 && other.len)
			rc = cmd_render(&r, other.buf, outdir, NULL, lang, quiet);
		sb_free(&other);
		if (rc == 0 && sign_key) {
			rc = bundle_sign(outdir, plan.file, sign_key, sign_cert);
			if (rc == 0 && tsa)
				rc = bundle_timestamp(outdir, tsa);
			if (rc == 0 && !quiet)
				fprintf(stderr, "assay: signed %s/%s%s\n", outdir, BUNDLE_MANIFEST,
				        tsa ? " and stamped it" : "");
		}
		if (rc < 0) {
			fprintf(stderr, "assay: %s\n", err_msg());
			code = EXIT_INCOMPLETE;
		} else {
			if (!quiet)
				print_summary(&r, fail_on, secs);
			code = results_exit_code(&r, fail_on);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free((void *)w[i].target.inputs);
		free((void *)w[i].target.options);
	}
	free(w);
	results_free(&r);
	plan_free(&plan);
	rulebook_free(&book);
	sched_reraise(quiet);
	return code;
}
