/*
 * Plans (harness/plan.c) and the dates they carry (lib/util.c): a full
 * plan is read into every field; each kind of mistake a user makes is
 * reported as "file:line: ..." naming the line it is on; rule references
 * are checked against a loaded rule book (rules/example.xml); durations
 * and dates parse strictly. Each plan is written to a fresh temporary
 * folder, so the expected message names that exact path.
 */
#include "tests/testutil.h"

#include "harness/plan.h"
#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#include <math.h>
#include <time.h>

struct tplan {
	char *dir;
	char *path;
	struct plan p;
	int rc;
};

/* Write text as plan.ini in a fresh folder and load it. */
static void tplan_load(struct tplan *t, const char *text)
{
	t->dir = tu_tmpdir();
	t->path = tu_write(t->dir, "plan.ini", text);
	err_clear();
	t->rc = plan_load(&t->p, t->path);
}

static void tplan_free(struct tplan *t)
{
	plan_free(&t->p);
	unlink(t->path);
	rmdir(t->dir);
	free(t->path);
	free(t->dir);
}

/* The plan must fail with "<path>:<line>: " followed by text containing want. */
static void expect_plan_error(const char *text, int line, const char *want)
{
	struct tplan t;
	tplan_load(&t, text);
	char *prefix = xasprintf("%s:%d: ", t.path, line);
	cr_expect_eq(t.rc, -1, "plan loaded but should fail at line %d:\n%s", line, text);
	cr_expect(str_starts(err_msg(), prefix), "want prefix '%s', got '%s'", prefix, err_msg());
	cr_expect(strstr(err_msg(), want), "want '%s' in '%s'", want, err_msg());
	free(prefix);
	tplan_free(&t);
}

static const char full_plan[] = "; a comment line\n"                               /* 1 */
                                "[assessment]\n"                                   /* 2 */
                                "name = Annual assessment\n"                       /* 3 */
                                "description = The acquirer, 2026\n"               /* 4 */
                                "rules = updss, jrt0092 example\n"                 /* 5 */
                                "fail-on = medium\n"                               /* 6 */
                                "timeout = 2m\n"                                   /* 7 */
                                "\n"                                               /* 8 */
                                "[target gw-1]\n"                                  /* 9 */
                                "description = Card gateway\n"                     /* 10 */
                                "exec = ./checks/gw.sh --fast\n"                   /* 11 */
                                "exec.cwd = /srv/checks\n"                         /* 12 */
                                "timeout = 1.5h\n"                                 /* 13 */
                                "\n"                                               /* 14 */
                                "[target batch]\n"                                 /* 15 */
                                "exec = ./a.sh\n"                                  /* 16 */
                                "exec = ./b.sh ; second command, inline comment\n" /* 17 */
                                "\n"                                               /* 18 */
                                "[attest EX-M1]\n"                                 /* 19 */
                                "status = not-applicable\n"                        /* 20 */
                                "evidence = evidence/policy.pdf\n"                 /* 21 */
                                "by = Li Wei (QSA)\n"                              /* 22 */
                                "date = 2026-10-12\n"                              /* 23 */
                                "\n"                                               /* 24 */
                                "[waive EX-7]\n"                                   /* 25 */
                                "target = batch\n"                                 /* 26 */
                                "reason = change CHG-2291\n"                       /* 27 */
                                "by = Zhang Min\n"                                 /* 28 */
                                "until = 2099-12-31\n"                             /* 29 */
                                "\n"                                               /* 30 */
                                "[waive EX-2]\n"                                   /* 31 */
                                "reason = every target\n"                          /* 32 */
                                "by = CISO\n"                                      /* 33 */
                                "until = 2024-02-29\n";                            /* 34 */

Test(plan, full_plan_fills_every_field)
{
	struct tplan t;
	tplan_load(&t, full_plan);
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	const struct plan *p = &t.p;
	cr_expect_str_eq(p->file, t.path);
	cr_expect_str_eq(p->name, "Annual assessment");
	cr_expect_str_eq(p->description, "The acquirer, 2026");
	cr_assert_eq(p->nrulesets, 3);
	cr_expect_str_eq(p->rulesets[0], "updss");
	cr_expect_str_eq(p->rulesets[1], "jrt0092");
	cr_expect_str_eq(p->rulesets[2], "example");
	cr_expect_eq(p->rules_line, 5);
	cr_expect_eq(p->fail_on, SEV_MEDIUM);
	cr_expect(p->fail_on_set);
	cr_expect_float_eq(p->timeout_s, 120.0, 1e-9);

	cr_assert_eq(p->ntargets, 2);
	const struct plan_target *gw = &p->targets[0];
	cr_expect_str_eq(gw->name, "gw-1");
	cr_expect_eq(gw->line, 9);
	cr_expect_str_eq(gw->description, "Card gateway");
	cr_expect_float_eq(gw->timeout_s, 5400.0, 1e-9);
	cr_assert_eq(gw->ninputs, 1);
	cr_expect_str_eq(gw->inputs[0].key, "exec");
	cr_expect_str_eq(gw->inputs[0].value, "./checks/gw.sh --fast");
	cr_expect_eq(gw->input_lines[0], 11);
	cr_assert_eq(gw->noptions, 1);
	cr_expect_str_eq(gw->options[0].name, "exec.cwd");
	cr_expect_str_eq(gw->options[0].value, "/srv/checks");

	const struct plan_target *b = &p->targets[1];
	cr_expect_str_eq(b->name, "batch");
	cr_expect_eq(b->line, 15);
	cr_expect_null(b->description);
	cr_expect_eq(b->timeout_s, 0.0, "no timeout: 0 means the plan's default");
	cr_assert_eq(b->ninputs, 2, "a probe key may be given several times");
	cr_expect_str_eq(b->inputs[1].value, "./b.sh", "inline comment must be stripped");
	cr_expect_eq(b->input_lines[0], 16);
	cr_expect_eq(b->input_lines[1], 17);

	cr_assert_eq(p->nattests, 1);
	cr_expect_str_eq(p->attests[0].rule, "EX-M1");
	cr_expect_str_eq(p->attests[0].status, "not-applicable");
	cr_expect_str_eq(p->attests[0].evidence, "evidence/policy.pdf");
	cr_expect_str_eq(p->attests[0].by, "Li Wei (QSA)");
	cr_expect_str_eq(p->attests[0].date, "2026-10-12");
	cr_expect_eq(p->attest_lines[0], 19);

	cr_assert_eq(p->nwaivers, 2);
	cr_expect_str_eq(p->waivers[0].rule, "EX-7");
	cr_expect_str_eq(p->waivers[0].target, "batch");
	cr_expect_str_eq(p->waivers[0].reason, "change CHG-2291");
	cr_expect_str_eq(p->waivers[0].by, "Zhang Min");
	cr_expect_str_eq(p->waivers[0].until, "2099-12-31");
	cr_expect_eq(p->waiver_lines[0], 25);
	cr_expect_str_eq(p->waivers[1].rule, "EX-2");
	cr_expect_null(p->waivers[1].target, "a waiver without target covers every target");
	cr_expect_str_eq(p->waivers[1].until, "2024-02-29");
	cr_expect_eq(p->waiver_lines[1], 31);

	char hex[65];
	cr_assert_eq(sha256_file_hex(hex, t.path), 0);
	cr_assert_not_null(p->sha256);
	cr_expect_str_eq(p->sha256, hex);
	tplan_free(&t);
}

Test(plan, defaults_when_keys_are_absent)
{
	struct tplan t;
	tplan_load(&t, "[assessment]\n[target a]\nexec = ./x.sh\n");
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_expect_str_eq(t.p.name, "plan.ini", "no name: the file's base name");
	cr_expect_eq(t.p.fail_on, SEV_HIGH);
	cr_expect_not(t.p.fail_on_set);
	cr_expect_float_eq(t.p.timeout_s, PLAN_DEFAULT_TIMEOUT_S, 1e-9);
	cr_expect_eq(t.p.nrulesets, 0);
	cr_expect_eq(t.p.nattests, 0);
	cr_expect_eq(t.p.nwaivers, 0);
	tplan_free(&t);
}

Test(plan, fail_on_accepts_every_severity_and_underscore_spelling)
{
	static const struct {
		const char *v;
		enum severity s;
	} cases[] = {
	    {"critical", SEV_CRITICAL}, {"high", SEV_HIGH}, {"medium", SEV_MEDIUM},
	    {"low", SEV_LOW},           {"info", SEV_INFO},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int spelling = 0; spelling < 2; spelling++) {
			char *text = xasprintf("[assessment]\n%s = %s\n",
			                       spelling ? "fail_on" : "fail-on", cases[i].v);
			struct tplan t;
			tplan_load(&t, text);
			cr_expect_eq(t.rc, 0, "%s: %s", text, err_msg());
			cr_expect_eq(t.p.fail_on, cases[i].s, "%s", text);
			cr_expect(t.p.fail_on_set);
			tplan_free(&t);
			free(text);
		}
	}
}

Test(plan, missing_file)
{
	struct plan p;
	err_clear();
	cr_assert_eq(plan_load(&p, "/nonexistent/assay/plan.ini"), -1);
	cr_expect(str_starts(err_msg(), "/nonexistent/assay/plan.ini: cannot open"), "%s",
	          err_msg());
	plan_free(&p);
}

Test(plan, unknown_section_names_its_line)
{
	expect_plan_error("[assessment]\nname = a\n\n[targets web]\nexec = x\n", 4,
	                  "unknown section [targets web]");
}

Test(plan, unknown_assessment_key)
{
	expect_plan_error("[assessment]\nname = a\nfailon = high\n", 3,
	                  "unknown key 'failon' in [assessment]");
}

Test(plan, unknown_target_key_lists_probe_keys)
{
	expect_plan_error("[assessment]\n[target web]\nexec = ./a\ngopher = web:70\n", 4,
	                  "unknown key 'gopher' in [target web]: no probe takes 'gopher' (known: exec,");
}

Test(plan, unknown_probe_option)
{
	expect_plan_error("[assessment]\n[target web]\nexec = ./a\nexec.env = X=1\n", 4,
	                  "the exec probe has no option 'env'");
}

Test(plan, option_of_unknown_probe)
{
	expect_plan_error("[assessment]\n[target web]\nexec = ./a\ngopher.sni = pay.example\n", 4,
	                  "unknown key 'gopher.sni' in [target web]: no probe takes 'gopher'");
}

Test(plan, probe_key_needs_a_value)
{
	expect_plan_error("[assessment]\n[target web]\nexec =\n", 3,
	                  "'exec' in [target web] needs a value");
}

Test(plan, duplicate_target_names_both_lines)
{
	expect_plan_error("[assessment]\n[target web]\nexec = ./a\n\n[target web]\nexec = ./b\n", 5,
	                  "[target web] is defined twice (first at line 2)");
}

Test(plan, target_without_probe_key_names_its_section_line)
{
	/* The empty target is in the middle: its own line, not the last one. */
	expect_plan_error("[assessment]\n[target a]\nexec = ./a\n[target empty]\n"
	                  "description = nothing to run\ntimeout = 5s\n[target b]\nexec = ./b\n",
	                  4, "[target empty] selects no probe");
}

Test(plan, target_names_are_checked)
{
	expect_plan_error("[assessment]\n[target two words]\nexec = ./a\n", 2,
	                  "a target needs a name");
	expect_plan_error("[assessment]\nname = x\n[target]\nexec = ./a\n", 3,
	                  "a target needs a name");
}

Test(plan, bad_severity)
{
	expect_plan_error("[assessment]\nname = a\nfail-on = urgent\n", 3,
	                  "fail-on: expected critical, high, medium, low or info, found 'urgent'");
	expect_plan_error("[assessment]\nfail-on = High\n", 2, "found 'High'");
}

Test(plan, bad_timeouts)
{
	expect_plan_error("[assessment]\ntimeout = soon\n", 2, "timeout: expected a duration");
	expect_plan_error("[assessment]\ntimeout = 0\n", 2, "found '0'");
	expect_plan_error("[assessment]\ntimeout = -5s\n", 2, "found '-5s'");
	expect_plan_error(
	    "[assessment]\n[target a]\nexec = ./a\ntimeout = 10 minutes\n", 4,
	    "timeout: expected a duration such as 120, 30s or 2m, found '10 minutes'");
}

/* strtod alone would take nan and inf: a NaN deadline never expires. */
Test(plan, timeout_rejects_nan_and_infinity)
{
	double d = 1;
	cr_expect_eq(parse_duration(&d, "nan"), -1, "parsed nan as %f", d);
	cr_expect_eq(parse_duration(&d, "inf"), -1, "parsed inf as %f", d);
	cr_expect_eq(parse_duration(&d, "infinity"), -1, "parsed infinity as %f", d);
	expect_plan_error("[assessment]\nname = a\ntimeout = nan\n", 3, "timeout:");
}

/* The one-week limit applies to the duration, after its unit. */
Test(plan, duration_limit_applies_to_the_duration)
{
	double d = -1;
	cr_expect_eq(parse_duration(&d, "700000ms"), 0, "700 seconds refused");
	cr_expect_float_eq(d, 700.0, 1e-9);
	cr_expect_eq(parse_duration(&d, "200h"), -1, "8 days accepted as %f s", d);
	cr_expect_eq(parse_duration(&d, "10081m"), -1, "a week and a minute accepted as %f s", d);
}

Test(plan, repeated_single_value_keys_are_errors)
{
	expect_plan_error("[assessment]\nfail-on = high\nfail_on = low\n", 3,
	                  "'fail-on' is set twice in [assessment]");
	expect_plan_error("[assessment]\ntimeout = 30s\n\ntimeout = 60s\n", 4,
	                  "'timeout' is set twice in [assessment]");
	expect_plan_error("[assessment]\n[target a]\ntimeout = 5s\nexec = ./a\ntimeout = 9s\n", 5,
	                  "'timeout' is set twice in [target a]");
}

Test(plan, repeated_rules_keys_are_joined_once_each)
{
	struct tplan t;
	tplan_load(&t, "[assessment]\nrules = a, b\nrules = b c\trules_x, a\n");
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_assert_eq(t.p.nrulesets, 4);
	cr_expect_str_eq(t.p.rulesets[0], "a");
	cr_expect_str_eq(t.p.rulesets[1], "b");
	cr_expect_str_eq(t.p.rulesets[2], "c");
	cr_expect_str_eq(t.p.rulesets[3], "rules_x");
	cr_expect_eq(t.p.rules_line, 3);
	tplan_free(&t);
}

Test(plan, semicolon_comment_after_a_value_is_warned_about)
{
	char *dir = tu_tmpdir();
	char *errpath = xasprintf("%s/stderr", dir);
	fflush(stderr);
	int saved = dup(2);
	FILE *f = fopen(errpath, "w");
	cr_assert_not_null(f);
	dup2(fileno(f), 2);
	struct tplan t;
	tplan_load(&t, "[assessment]\nname = a;b\n[target a]\n\nexec = ./x.sh ; rm -rf /tmp/y\n");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(f);
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_expect_str_eq(t.p.name, "a;b", "';' without a space before it is part of the value");
	cr_expect_str_eq(t.p.targets[0].inputs[0].value, "./x.sh");
	char *text = tu_read(errpath);
	cr_assert_not_null(text);
	char *want = xasprintf("%s:5: warning: ' ;' starts a comment", t.path);
	cr_expect(strstr(text, want), "want '%s' in '%s'", want, text);
	cr_expect_null(strstr(text, ":2:"), "no warning for 'a;b': %s", text);
	free(want);
	free(text);
	tplan_free(&t);
	unlink(errpath);
	free(errpath);
	rmdir(dir);
	free(dir);
}

Test(plan, key_set_twice)
{
	expect_plan_error("[assessment]\nname = a\nname = b\n", 3,
	                  "'name' is set twice in [assessment]");
	expect_plan_error(
	    "[assessment]\n[target a]\nexec = ./a\ndescription = x\ndescription = y\n", 5,
	    "'description' is set twice in [target a]");
}

Test(plan, assessment_twice)
{
	expect_plan_error("[assessment]\nname = a\n[assessment]\n", 3,
	                  "[assessment] appears twice");
}

Test(plan, no_assessment_section)
{
	expect_plan_error("; only a comment\n", 1, "no [assessment] section");
}

Test(plan, key_before_any_section)
{
	expect_plan_error("; header\nname = a\n[assessment]\n", 2, "'name' outside any section");
}

Test(plan, syntax_error_names_its_line)
{
	expect_plan_error("[assessment]\nname = a\n\njust some words\n", 4,
	                  "syntax error (expected [section] or key = value)");
}

/*
 * A syntax error (a line without '=') is known only from inih's return
 * value; it still wins over a key error on a later line.
 */
Test(plan, first_error_wins_over_a_later_key_error)
{
	expect_plan_error("[assessment]\nname = a\ngarbage\nbogus = 1\n", 3, "syntax error");
}

Test(plan, only_the_first_error_is_reported)
{
	expect_plan_error("[assessment]\nname = a\nbad1 = x\n[nope]\nbad2 = y\n", 3,
	                  "unknown key 'bad1'");
}

Test(plan, over_long_line)
{
	/* inih reads lines of at most 198 characters (INI_MAX_LINE 200). */
	char v[256];
	const char *key = "description = "; /* 14 characters */
	memset(v, 'x', sizeof(v));
	char *ok = xasprintf("[assessment]\n%s%.*s\nbogus = 1\n", key, 198 - 14, v);
	/* A 198-character line is fine: the next error is on the next line. */
	expect_plan_error(ok, 3, "unknown key 'bogus'");
	char *bad = xasprintf("[assessment]\nname = a\n%s%.*s\nbogus = 1\n", key, 199 - 14, v);
	expect_plan_error(bad, 3, "line longer than 198 characters");
	free(ok);
	free(bad);
}

Test(plan, over_long_comment_line)
{
	char v[1024];
	memset(v, 'y', sizeof(v));
	char *text = xasprintf("[assessment]\n; %.*s\n[target a]\n", 900, v);
	/* A long comment line is still too long (the reader cannot tell). */
	expect_plan_error(text, 2, "line longer than");
	free(text);
}

/*
 * inih reads an indented line after a key as that key's continuation, so
 * an indented section header would silently become a value: refused.
 */
Test(plan, indented_section_header_is_an_error)
{
	expect_plan_error("[assessment]\nname = a\n  [target x]\nexec = ./a\n", 3,
	                  "indented section header");
	expect_plan_error("[assessment]\n\t[target x]\nexec = ./a\n", 2, "indented section header");
}

Test(plan, attest_needs_every_field)
{
	static const char *const fields[] = {"status = pass", "evidence = e.pdf", "by = QSA",
	                                     "date = 2026-01-31"};
	static const char *const names[] = {"status", "evidence", "by", "date"};
	for (int skip = 0; skip < 4; skip++) {
		char *text = xasprintf("[assessment]\n\n[attest EX-M1]\n%s\n%s\n%s\n",
		                       fields[(skip + 1) % 4], fields[(skip + 2) % 4],
		                       fields[(skip + 3) % 4]);
		char *want = xasprintf("[attest EX-M1] needs '%s'", names[skip]);
		expect_plan_error(text, 3, want);
		free(want);
		free(text);
	}
}

Test(plan, attest_status_and_date_are_checked)
{
	expect_plan_error("[assessment]\n[attest EX-M1]\nstatus = ok\n", 3,
	                  "status: expected pass, fail or not-applicable, found 'ok'");
	expect_plan_error("[assessment]\n[attest EX-M1]\nstatus = pass\ndate = 2026-02-30\n", 4,
	                  "date: expected a date YYYY-MM-DD, found '2026-02-30'");
	expect_plan_error("[assessment]\n[attest EX-M1]\ndate = 12/10/2026\n", 3,
	                  "found '12/10/2026'");
	expect_plan_error("[assessment]\n[attest EX-M1]\nwho = me\n", 3,
	                  "unknown key 'who' in [attest EX-M1]");
	expect_plan_error("[assessment]\n[attest EX M1]\n", 2, "expected a rule id");
}

Test(plan, attest_statuses_accepted)
{
	static const char *const st[] = {"pass", "fail", "not-applicable"};
	for (int i = 0; i < 3; i++) {
		char *text = xasprintf("[assessment]\n[attest R-1]\nstatus = %s\nevidence = e\n"
		                       "by = b\ndate = 2026-01-01\n",
		                       st[i]);
		struct tplan t;
		tplan_load(&t, text);
		cr_expect_eq(t.rc, 0, "%s: %s", st[i], err_msg());
		if (t.rc == 0)
			cr_expect_str_eq(t.p.attests[0].status, st[i]);
		tplan_free(&t);
		free(text);
	}
}

Test(plan, waiver_needs_reason_by_until)
{
	expect_plan_error("[assessment]\n\n[waive EX-7]\nby = b\nuntil = 2030-01-01\n", 3,
	                  "[waive EX-7] needs 'reason'");
	expect_plan_error("[assessment]\n\n[waive EX-7]\nreason = r\nuntil = 2030-01-01\n", 3,
	                  "[waive EX-7] needs 'by'");
	expect_plan_error("[assessment]\n\n[waive EX-7]\nreason = r\nby = b\n", 3,
	                  "[waive EX-7] needs 'until'");
}

Test(plan, waiver_until_must_be_a_real_date)
{
	expect_plan_error("[assessment]\n[waive EX-7]\nreason = r\nby = b\nuntil = 2026-13-01\n", 5,
	                  "until: expected a date YYYY-MM-DD, found '2026-13-01'");
	expect_plan_error("[assessment]\n[waive EX-7]\nuntil = 2026-02-29\n", 3,
	                  "found '2026-02-29'");
	expect_plan_error("[assessment]\n[waive EX-7]\nuntil = 2026-1-01\n", 3,
	                  "found '2026-1-01'");
}

Test(plan, waiver_for_a_target_not_in_the_plan)
{
	expect_plan_error("[assessment]\n[target web]\nexec = ./a\n\n[waive EX-7]\ntarget = db\n"
	                  "reason = r\nby = b\nuntil = 2030-01-01\n",
	                  5, "[waive EX-7]: no target named 'db' in this plan");
}

Test(plan, waiver_target_may_come_after_the_waiver)
{
	struct tplan t;
	tplan_load(&t, "[assessment]\n[waive EX-7]\ntarget = db\nreason = r\nby = b\n"
	               "until = 2030-01-01\n[target db]\nexec = ./a\n");
	cr_expect_eq(t.rc, 0, "%s", err_msg());
	tplan_free(&t);
}

Test(plan, unknown_waiver_key)
{
	expect_plan_error("[assessment]\n[waive EX-7]\nreason = r\nexpires = 2030-01-01\n", 4,
	                  "unknown key 'expires' in [waive EX-7]");
}

/* ---- plan_check_rules, against rules/example.xml ---- */

static void load_example(struct rulebook *b)
{
	memset(b, 0, sizeof(*b));
	struct ruleset rs;
	cr_assert_eq(ruleset_load(&rs, "rules/example.xml", "rules/ruleset.xsd"), 0, "%s",
	             err_msg());
	cr_assert_eq(rulebook_add(b, &rs), 0, "%s", err_msg());
}

static void expect_rules_error(const char *text, int line, const char *want)
{
	struct rulebook b;
	load_example(&b);
	struct tplan t;
	tplan_load(&t, text);
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	err_clear();
	cr_expect_eq(plan_check_rules(&t.p, &b), -1, "rules check passed:\n%s", text);
	char *prefix = xasprintf("%s:%d: ", t.path, line);
	cr_expect(str_starts(err_msg(), prefix), "want prefix '%s', got '%s'", prefix, err_msg());
	cr_expect(strstr(err_msg(), want), "want '%s' in '%s'", want, err_msg());
	free(prefix);
	tplan_free(&t);
	rulebook_free(&b);
}

Test(plan, rules_check_accepts_a_good_plan)
{
	struct rulebook b;
	load_example(&b);
	struct tplan t;
	tplan_load(&t, "[assessment]\nrules = example\n[target a]\nexec = ./a\n"
	               "[attest EX-M1]\nstatus = pass\nevidence = e\nby = b\ndate = 2026-01-01\n"
	               "[waive EX-7]\ntarget = a\nreason = r\nby = b\nuntil = 2030-01-01\n");
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_expect_eq(plan_check_rules(&t.p, &b), 0, "%s", err_msg());
	tplan_free(&t);
	rulebook_free(&b);
}

Test(plan, rules_check_unknown_rule_set)
{
	expect_rules_error("[assessment]\nname = n\n\nrules = example, updss\n", 4,
	                   "rules: no rule set 'updss'");
}

Test(plan, rules_check_attest_of_unknown_or_automated_rule)
{
	expect_rules_error("[assessment]\n[attest EX-99]\nstatus = pass\nevidence = e\nby = b\n"
	                   "date = 2026-01-01\n",
	                   2, "[attest EX-99]: no such rule");
	expect_rules_error("[assessment]\n\n[attest EX-1]\nstatus = pass\nevidence = e\nby = b\n"
	                   "date = 2026-01-01\n",
	                   3, "[attest EX-1]: the rule is automated");
}

Test(plan, rules_check_waiver_of_unknown_or_manual_rule)
{
	expect_rules_error("[assessment]\n[waive EX-99]\nreason = r\nby = b\nuntil = 2030-01-01\n",
	                   2, "[waive EX-99]: no such rule");
	expect_rules_error("[assessment]\n\n\n[waive EX-M2]\nreason = r\nby = b\n"
	                   "until = 2030-01-01\n",
	                   4, "[waive EX-M2]: the rule is manual; attest it instead");
}

Test(plan, rules_levels_profiles_and_zones)
{
	struct rulebook b;
	load_example(&b);
	struct tplan t;
	tplan_load(&t, "[assessment]\nrules = example, example:enhanced\nprofiles = gm\n"
	               "[target a]\nexec = ./a\nzone = internet\n[target b]\nexec = ./b\n");
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_assert_eq(plan_check_rules(&t.p, &b), 0, "%s", err_msg());
	cr_assert_eq(t.p.nrulesets, 1, "one set, named twice, judged once");
	cr_assert_str_eq(t.p.rulesets[0], "example");
	cr_assert_eq(t.p.rulelevels[0], LEVEL_ENHANCED, "the higher level wins");
	cr_assert_eq(t.p.profiles, PROFILE_GM);
	cr_assert_str_eq(t.p.targets[0].zone, "internet");
	cr_assert_null(t.p.targets[1].zone);
	tplan_free(&t);

	tplan_load(&t, "[assessment]\nrules = example:baseline\n");
	cr_assert_eq(plan_check_rules(&t.p, &b), 0, "%s", err_msg());
	cr_assert_eq(t.p.rulelevels[0], LEVEL_BASELINE);
	cr_assert_eq(t.p.profiles, 0, "no profile unless asked");
	tplan_free(&t);
	rulebook_free(&b);

	expect_rules_error("[assessment]\n\nrules = example:strict\n", 3,
	                   "rules: unknown level 'strict' for 'example' (expected baseline or "
	                   "enhanced)");
	expect_plan_error("[assessment]\nprofiles = gm, sm9\n", 2,
	                  "profiles: unknown profile 'sm9' (known: gm)");
	expect_plan_error("[assessment]\n[target a]\nexec = ./a\nzone = dmz\n", 4,
	                  "zone: expected internet or internal, found 'dmz'");
	expect_plan_error("[assessment]\n[target a]\nexec = ./a\nzone = internet\nzone = "
	                  "internal\n",
	                  5, "'zone' is set twice in [target a]");
}

/* ---- parse_duration ---- */

Test(plan, parse_duration_units)
{
	static const struct {
		const char *s;
		double v;
	} good[] = {
	    {"120", 120},   {"30s", 30},      {"2m", 120},        {"1.5h", 5400},
	    {"500ms", 0.5}, {"0.25", 0.25},   {"0s", 0},          {".5", 0.5},
	    {"90.", 90},    {"168h", 604800}, {"604800", 604800},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double d = -1;
		cr_expect_eq(parse_duration(&d, good[i].s), 0, "'%s' rejected", good[i].s);
		cr_expect_float_eq(d, good[i].v, 1e-9, "'%s' gave %f", good[i].s, d);
	}
	static const char *const bad[] = {
	    "",    "s",   "10x",      "-1", "-2m",    "10 s",          "5sec",
	    "1d",  "m5",  "2M",       " 5", "1e2",    "0x10",          "1.2.3",
	    "nan", "inf", "infinity", "+5", "604801", "1234567890123",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double d = 42;
		cr_expect_eq(parse_duration(&d, bad[i]), -1, "'%s' accepted", bad[i]);
		cr_expect_eq(d, 42, "'%s': out-parameter written on failure", bad[i]);
	}
}

/* ---- dates (lib/util.c) ---- */

Test(date, parse_valid_dates_as_days_since_epoch)
{
	static const struct {
		const char *s;
		long days;
	} cases[] = {
	    {"1970-01-01", 0},     {"1970-01-02", 1},     {"1969-12-31", -1},
	    {"2000-02-29", 11016}, {"2026-03-01", 20513}, {"2024-12-31", 20088},
	    {"2025-01-01", 20089},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long d = 12345678;
		cr_expect_eq(date_parse(&d, cases[i].s), 0, "'%s' rejected", cases[i].s);
		cr_expect_eq(d, cases[i].days, "'%s' -> %ld, want %ld", cases[i].s, d,
		             cases[i].days);
	}
}

Test(date, invalid_dates_rejected)
{
	static const char *const bad[] = {
	    "2026-02-30", "2026-02-29", "1900-02-29", "2026-04-31",  "2026-13-01", "2026-00-10",
	    "2026-01-00", "2026-01-32", "2026-1-01",  "2026/01/01",  "26-01-01",   "2026-01-01x",
	    "2026-01-0a", "+026-01-01", "",           " 2026-01-01", "2026-01-1 ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long d = 777;
		cr_expect_eq(date_parse(&d, bad[i]), -1, "'%s' accepted", bad[i]);
		cr_expect_eq(d, 777, "'%s': out-parameter written", bad[i]);
	}
}

Test(date, today_honours_assay_today)
{
	setenv("ASSAY_TODAY", "2026-03-01", 1);
	cr_expect_eq(date_today(), 20513);
	setenv("ASSAY_TODAY", "2000-02-29", 1);
	cr_expect_eq(date_today(), 11016);
}

Test(date, today_ignores_an_invalid_override)
{
	unsetenv("ASSAY_TODAY");
	long real = date_today();
	long now = (long)(time(NULL) / 86400);
	cr_expect(real == now || real == now - 1 || real == now + 1, "today %ld, clock %ld", real,
	          now);
	setenv("ASSAY_TODAY", "2026-02-30", 1);
	long d = date_today();
	cr_expect(d == real || d == real + 1, "invalid ASSAY_TODAY used: %ld", d);
}
