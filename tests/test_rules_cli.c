/*
 * `assay rules list | show | lint` (harness/cmd_rules.c). Lint passes on
 * the shipped rule sets and fails, naming file and line, on a rule that
 * reads a fact no probe documents (a typo), a fact of a probe the rule
 * does not name, a key of no probe, or a rule without its zh title. Show
 * prints a rule in full in the language asked; list counts rules by type,
 * level and profile.
 */
#include "tests/testutil.h"

static const char header[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<ruleset id=\"lint\" version=\"1\">\n"
                             "  <title lang=\"en\">Lint</title>\n";

/* A set of one rule: `attrs` on <rule>, and its check. Line 4 is the <rule>. */
static char *one_rule(const char *dir, const char *name, const char *attrs, const char *titles,
                      const char *check)
{
	char *text = xasprintf("%s  <rule id=\"L-1\" severity=\"high\" %s>\n%s"
	                       "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                       "    <check>%s</check>\n  </rule>\n</ruleset>\n",
	                       header, attrs, titles, check);
	char *p = tu_write(dir, name, text);
	free(text);
	return p;
}

#define BOTH "    <title lang=\"en\">t</title>\n    <title lang=\"zh\">标题</title>\n"

Test(rules_cli, lint_passes_on_the_shipped_sets, .timeout = 60)
{
	struct tu_run r = tu_sh("%s rules lint", tu_bin());
	cr_assert_eq(r.code, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "assay rules lint: ok"), "%s", r.out);
	tu_run_free(&r);
}

Test(rules_cli, lint_names_each_problem_with_its_line, .timeout = 60)
{
	char *dir = tu_tmpdir();
	struct {
		const char *attrs, *titles, *check, *want;
	} cases[] = {
	    {"probe=\"tls\"", BOTH, "tls.cert.truste == false",
	     ":4: rule L-1: fact 'tls.cert.truste' is not documented by the tls probe"},
	    {"probe=\"tls\"", BOTH, "tls.cert.trusted and pan.exposed == 0",
	     ":4: rule L-1: fact 'pan.exposed' belongs to the pan probe, which probe=\"...\" does "
	     "not name"},
	    {"probe=\"exec\"", BOTH, "tcp.open == true",
	     ":4: rule L-1: fact 'tcp.open': no probe is named 'tcp'"},
	    {"probe=\"tls\"", "    <title lang=\"en\">t</title>\n", "tls.cert.trusted",
	     ":4: rule L-1: no zh title"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "case%zu.xml", i);
		char *file = one_rule(dir, name, cases[i].attrs, cases[i].titles, cases[i].check);
		struct tu_run r = tu_sh("%s rules lint '%s'", tu_bin(), file);
		cr_expect_eq(r.code, 1, "case %zu: exit %d\n%s%s", i, r.code, r.out, r.err);
		char *want = xasprintf("%s%s", file, cases[i].want);
		cr_expect(strstr(r.out, want), "case %zu: want '%s' in:\n%s%s", i, want, r.out,
		          r.err);
		free(want);
		tu_run_free(&r);
		free(file);
	}
	/* Documented forms: a <placeholder>, and the short forms of a cell. */
	char *ok = one_rule(dir, "ok.xml", "probe=\"tls load app\"", BOTH,
	                    "tls.proto.tls1_2 and load.latency.p99_ms &lt; 200ms and "
	                    "app.android.sig.v3");
	struct tu_run r = tu_sh("%s rules lint '%s'", tu_bin(), ok);
	cr_expect_eq(r.code, 0, "%s%s", r.out, r.err);
	tu_run_free(&r);
	free(ok);
	r = tu_sh("rm -rf '%s'", dir);
	tu_run_free(&r);
	free(dir);
}

Test(rules_cli, show_prints_a_rule_in_the_language_asked, .timeout = 60)
{
	struct tu_run r = tu_sh("%s rules show UPD-12 --lang en", tu_bin());
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "No card data crosses the network in cleartext"), "%s", r.out);
	cr_assert_null(strstr(r.out, "网络中不以明文传输卡数据"), "zh title with --lang en");
	cr_assert(strstr(r.out, "critical (zone internal: high)"), "%s", r.out);
	cr_assert(strstr(r.out, "pcap.complete and pcap.cleartext_pan_flows == 0"), "%s", r.out);
	cr_assert(strstr(r.out, "PCI DSS v4.0 4.2.1 [xref-PCI]"), "%s", r.out);
	cr_assert(strstr(r.out, "updss.xml:"), "%s", r.out);
	tu_run_free(&r);

	r = tu_sh("%s rules show J92-62 --lang zh", tu_bin());
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "增强级"), "%s", r.out);
	cr_assert(strstr(r.out, "具备证书固定"), "%s", r.out);
	tu_run_free(&r);

	r = tu_sh("%s rules show MAN-02", tu_bin());
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "(manual)"), "%s", r.out);
	cr_assert(strstr(r.out, "经批准的信息安全策略"), "evidence in both languages:\n%s", r.out);
	tu_run_free(&r);

	r = tu_sh("%s rules show NOPE-1", tu_bin());
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "no rule 'NOPE-1'"), "%s", r.err);
	tu_run_free(&r);
}

Test(rules_cli, list_counts_levels_and_profiles, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *text =
	    xasprintf("%s"
	              "  <rule id=\"C-1\" level=\"baseline\" severity=\"low\" probe=\"tls\">\n" BOTH
	              "    <clause ref=\"1\" confidence=\"src\"/>\n"
	              "    <check>tls.is_tls</check>\n  </rule>\n"
	              "  <rule id=\"C-2\" level=\"enhanced\" severity=\"low\" probe=\"tls\">\n" BOTH
	              "    <clause ref=\"2\" confidence=\"src\"/>\n"
	              "    <check>tls.is_tls</check>\n  </rule>\n"
	              "  <rule id=\"C-3\" level=\"enhanced\" profile=\"gm\" severity=\"low\" "
	              "probe=\"tls\">\n" BOTH "    <clause ref=\"3\" confidence=\"src\"/>\n"
	              "    <check>tls.proto.tlcp</check>\n  </rule>\n</ruleset>\n",
	              header);
	free(tu_write(dir, "lint.xml", text));
	free(text);
	struct tu_run r = tu_sh("%s rules list --rules-dir '%s'", tu_bin(), dir);
	cr_assert_eq(r.code, 0, "%s", r.err);
	/* RULES AUTO MANUAL BASE ENH GM */
	cr_assert(strstr(r.out, "lint              3      3      0      1      2    1"), "%s",
	          r.out);
	tu_run_free(&r);
	r = tu_sh("rm -rf '%s'", dir);
	tu_run_free(&r);
	free(dir);
}
