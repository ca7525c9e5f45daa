/*
 * `assay probe NAME TARGET... [--OPTION VALUE]... [--json]` runs one probe
 * on one target, through the same scheduler as `assay run` (own process,
 * deadline), and prints what it gathered. Probe options come from the
 * probe's own table: `--sni x` is the plan's `tls.sni = x`. Everything
 * after `--` is one command line (for the exec probe).
 *
 * `assay probes` lists the registry.
 */
#include "harness/cmds.h"
#include "harness/plan.h"
#include "harness/sched.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void probe_usage(FILE *f, const struct probe *p)
{
	fprintf(f, "usage: assay probe %s TARGET... [--json] [--timeout S]%s\n",
	        p ? p->name : "NAME", p ? "" : " [PROBE OPTIONS]");
	if (!p) {
		fprintf(
		    f,
		    "       assay probe exec [--json] -- COMMAND [ARGS]\n\n"
		    "'assay probes' lists the probes; 'assay probe NAME --help' their options.\n");
		return;
	}
	fprintf(f,
	        "\n%s\n\n  --json         one JSON object on stdout\n"
	        "  --timeout S    deadline of the probe (default 120 s)\n",
	        p->summary);
	for (size_t i = 0; p->options && p->options[i].name; i++)
		fprintf(f, "  --%-12s %s\n", p->options[i].name, p->options[i].help);
	fprintf(
	    f, "\nexit: 0 the probe ran (whatever it found), 3 it errored or timed out, 2 usage\n");
}

/* Quote a word for /bin/sh, unless it is made only of safe characters. */
static void sh_quote(struct strbuf *sb, const char *w)
{
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	                    "_./:=@%+,-") == strlen(w)) {
		sb_adds(sb, w);
		return;
	}
	sb_addc(sb, '\'');
	for (; *w; w++) {
		if (*w == '\'')
			sb_adds(sb, "'\\''");
		else
			sb_addc(sb, *w);
	}
	sb_addc(sb, '\'');
}

/* Long strings (a serialised histogram) are cut in human output; --json has them whole. */
#define HUMAN_VALUE_MAX 200

static void print_human(const struct probe *p, const struct probe_run *run, const char *target)
{
	const struct facts *f = &run->facts;
	printf("%s %s: %s in %.0f ms\n", run->probe, target, run->status, run->duration_ms);
	if (p->print && p->print(stdout, f) == 0)
		putchar('\n');
	if (f->nfacts)
		printf("facts:\n");
	for (size_t i = 0; i < f->nfacts; i++) {
		char *v = fact_value_str(&f->facts[i].v);
		if (strlen(v) > HUMAN_VALUE_MAX)
			printf("  %s = %.*s… (%zu bytes; --json shows it whole)\n", f->facts[i].key,
			       HUMAN_VALUE_MAX, v, strlen(v));
		else
			printf("  %s = %s\n", f->facts[i].key, v);
		free(v);
	}
	if (f->nfindings)
		printf("findings:\n");
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *fd = &f->findings[i];
		struct strbuf loc = STRBUF_INIT;
		if (fd->loc.file)
			sb_adds(&loc, fd->loc.file);
		if (fd->loc.line >= 0)
			sb_printf(&loc, ":%lld", (long long)fd->loc.line);
		if (fd->loc.column >= 0)
			sb_printf(&loc, ":%lld", (long long)fd->loc.column);
		if (fd->loc.offset >= 0)
			sb_printf(&loc, " @%lld", (long long)fd->loc.offset);
		if (fd->loc.endpoint)
			sb_printf(&loc, "%s%s", loc.len ? " " : "", fd->loc.endpoint);
		if (fd->loc.stream)
			sb_printf(&loc, "%s%s", loc.len ? " " : "", fd->loc.stream);
		printf("  [%s] %s %s%s%s%s%s\n", fd->severity ? fd->severity : "-", fd->kind,
		       loc.len ? loc.buf : "", fd->message ? "  " : "",
		       fd->message ? fd->message : "", fd->excerpt ? "  " : "",
		       fd->excerpt ? fd->excerpt : "");
		sb_free(&loc);
	}
	if (f->nerrors)
		printf("errors:\n");
	for (size_t i = 0; i < f->nerrors; i++)
		printf("  %s\n", f->errors[i]);
}

static void print_json(const struct probe_run *run, const char *target)
{
	json_t *o = json_object();
	json_object_set_new(o, "probe", json_string(run->probe));
	json_object_set_new(o, "target", json_string(target));
	json_object_set_new(o, "status", json_string(run->status));
	facts_to_json(&run->facts, o);
	json_object_set_new(o, "duration_ms", json_real(run->duration_ms));
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
	                            FACTS_JSON_REAL);
	printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

int cmd_probe(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		probe_usage(argc < 2 ? stderr : stdout, NULL);
		return argc < 2 ? EXIT_USAGE : EXIT_CLEAN;
	}
	const struct probe *p = probe_find(argv[1]);
	if (!p) {
		fprintf(stderr, "assay probe: unknown probe '%s' (see 'assay probes')\n", argv[1]);
		return EXIT_USAGE;
	}
	const char *key = p->keys && p->keys[0] ? p->keys[0] : p->name;
	struct target_input *ins = xcalloc((size_t)argc, sizeof(*ins));
	struct target_option *opts = xcalloc((size_t)argc, sizeof(*opts));
	char **owned = xcalloc((size_t)argc * 2 + 1, sizeof(char *));
	size_t nin = 0, nopt = 0, nown = 0;
	bool json = false;
	double timeout = PLAN_DEFAULT_TIMEOUT_S;
	int code = EXIT_USAGE;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			struct strbuf cmd = STRBUF_INIT;
			for (int k = i + 1; k < argc; k++) {
				if (k > i + 1)
					sb_addc(&cmd, ' ');
				sh_quote(&cmd, argv[k]);
			}
			if (cmd.len) {
				owned[nown] = sb_detach(&cmd);
				ins[nin++] = (struct target_input){key, owned[nown++]};
			}
			sb_free(&cmd);
			break;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			probe_usage(stdout, p);
			code = EXIT_CLEAN;
			goto out;
		}
		if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			char *oname = eq ? xstrndup(name, (size_t)(eq - name)) : xstrdup(name);
			const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			owned[nown++] = oname;
			if (!val) {
				fprintf(stderr, "assay probe: --%s needs a value\n", oname);
				goto out;
			}
			if (strcmp(oname, "timeout") == 0) {
				if (parse_duration(&timeout, val) < 0 || timeout <= 0) {
					fprintf(stderr,
					        "assay probe: --timeout: expected a duration\n");
					goto out;
				}
				continue;
			}
			if (!probe_accepts_option(p, oname)) {
				fprintf(stderr, "assay probe %s: unknown option --%s\n", p->name,
				        oname);
				probe_usage(stderr, p);
				goto out;
			}
			owned[nown] = xasprintf("%s.%s", key, oname);
			opts[nopt++] = (struct target_option){owned[nown++], val};
			continue;
		}
		ins[nin++] = (struct target_input){key, a};
	}
	/* options alone may name the target (assay probe pcap --interface lo) */
	if (nin == 0 && nopt == 0) {
		fprintf(stderr, "assay probe %s: no target given\n", p->name);
		probe_usage(stderr, p);
		goto out;
	}

	struct results r;
	results_init(&r);
	struct probe_run *run = results_add_run(&r);
	const char *tname = nin ? ins[0].value : p->name;
	run->target = xstrdup(tname);
	run->probe = xstrdup(p->name);
	struct work w = {
	    .probe = p,
	    .target = {tname, ins, nin, opts, nopt},
	    .timeout_s = timeout,
	    .progress = isatty(STDERR_FILENO),
	    .run = run,
	};
	sched_run(&w, 1, 1, false);
	if (json)
		print_json(run, tname);
	else
		print_human(p, run, tname);
	code = strcmp(run->status, "ok") == 0 ? EXIT_CLEAN : EXIT_INCOMPLETE;
	results_free(&r);
	sched_reraise(false);
out:
	for (size_t i = 0; i < nown; i++)
		free(owned[i]);
	free(owned);
	free(ins);
	free(opts);
	return code;
}

int cmd_probes(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: assay probes\n\nLists the registered probes, the plan keys that "
		       "select each, and what it does.\n");
		return EXIT_CLEAN;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: assay probes\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; probe_registry[i]; i++) {
		const struct probe *p = probe_registry[i];
		struct strbuf keys = STRBUF_INIT;
		for (size_t k = 0; p->keys && p->keys[k]; k++)
			sb_printf(&keys, "%s%s", k ? "," : "", p->keys[k]);
		printf("%-8s %-16s %s\n", p->name, keys.len ? keys.buf : p->name, p->summary);
		sb_free(&keys);
	}
	return EXIT_CLEAN;
}
