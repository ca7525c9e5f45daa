/*
 * Rule sets (rules/ruleset.c): the bundled example loads into every
 * field; a file that breaks the schema or is not well-formed XML is
 * refused with the line libxml2 names; the checks a schema cannot make
 * (manual rules without <check>, automated rules with a check and a
 * probe, known probes, checks that parse, unique ids) name the rule's or
 * the <check>'s line; a rule book refuses duplicate set and rule ids
 * across files and loads a folder in name order. Every rule file is
 * written to a fresh temporary folder by the test that uses it.
 */
#include "tests/testutil.h"

#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#define XSD "rules/ruleset.xsd"

/* The XML prologue and root: 3 lines, so the first <rule> is on line 4. */
#define HEAD(id)                                                                                   \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                             \
	"<ruleset id=\"" id "\" version=\"2.1\">\n"                                                \
	"  <title lang=\"en\">Test set " id "</title>\n"
#define TAIL "</ruleset>\n"

/* An automated rule of 5 lines: <rule> is its first line, <check> its fourth. */
#define AUTO(id, check)                                                                            \
	"  <rule id=\"" id "\" severity=\"high\" probe=\"exec\">\n"                                \
	"    <title lang=\"en\">Rule " id "</title>\n"                                             \
	"    <clause ref=\"1.1\" confidence=\"src\"/>\n"                                           \
	"    <check>" check "</check>\n"                                                           \
	"  </rule>\n"

/* Remove a folder made by tu_tmpdir() (a mkdtemp name: no quoting needed) and free its name. */
static void rm_tree(char *dir)
{
	char *cmd = xasprintf("rm -rf -- '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

struct tset {
	char *dir;
	char *path;
	struct ruleset rs;
	int rc;
};

static void tset_load(struct tset *t, const char *xml)
{
	t->dir = tu_tmpdir();
	t->path = tu_write(t->dir, "set.xml", xml);
	err_clear();
	t->rc = ruleset_load(&t->rs, t->path, XSD);
}

static void tset_free(struct tset *t)
{
	if (t->rc == 0)
		ruleset_free(&t->rs);
	free(t->path);
	rm_tree(t->dir);
}

/* Loading xml must fail with "<path>:<line>: " and a message containing want. */
static void expect_set_error(const char *xml, int line, const char *want)
{
	struct tset t;
	tset_load(&t, xml);
	char *prefix = xasprintf("%s:%d: ", t.path, line);
	cr_expect_eq(t.rc, -1, "loaded, but should fail at line %d:\n%s", line, xml);
	cr_expect(str_starts(err_msg(), prefix), "want prefix '%s', got '%s'", prefix, err_msg());
	cr_expect(strstr(err_msg(), want), "want '%s' in '%s'", want, err_msg());
	free(prefix);
	tset_free(&t);
}

Test(rules, example_set_loads_every_field)
{
	struct ruleset rs;
	err_clear();
	cr_assert_eq(ruleset_load(&rs, "rules/example.xml", XSD), 0, "%s", err_msg());
	cr_expect_str_eq(rs.id, "example");
	cr_expect_str_eq(rs.version, "1.0");
	cr_expect_str_eq(rs.file, "rules/example.xml");
	cr_expect_str_eq(rs.title_en, "assay example rule set (demo)");
	cr_expect_str_eq(rs.title_zh, "assay 示例规则集（演示）");
	/* EX-1..10, EX-M1, M2, EX-L1, L2, EX-T1..5, EX-H1..10, EX-C1..3, EX-A1..7 */
	cr_assert_eq(rs.nrules, 39);

	const struct rule *r = &rs.rules[0];
	cr_expect_str_eq(r->id, "EX-1");
	cr_expect_eq(r->line, 13);
	cr_expect_not(r->manual);
	cr_expect_eq(r->severity, SEV_CRITICAL);
	cr_expect_str_eq(r->title_en, "Log files hold no full card number");
	cr_expect_str_eq(r->title_zh, "日志文件中不得存储完整卡号");
	cr_expect_str_eq(r->clause, "3.4");
	cr_expect_str_eq(r->confidence, "xref-PCI");
	cr_assert_eq(r->nxrefs, 1);
	cr_expect_str_eq(r->xrefs[0], "PCI DSS v4.0 3.4.1");
	cr_assert_eq(r->nprobes, 1);
	cr_expect_str_eq(r->probes[0], "exec");
	cr_expect_str_eq(r->check_src, "exec.logs.scanned and exec.logs.pan_count == 0");
	cr_expect_not_null(r->check, "the check must be parsed at load time");
	cr_expect(str_starts(r->remediation_en, "Mask card numbers"));
	cr_expect(str_starts(r->remediation_zh, "记录日志前"));

	cr_expect_eq(rs.rules[2].severity, SEV_MEDIUM);
	cr_expect_eq(rs.rules[5].severity, SEV_LOW);
	/* &gt; and &lt; in a check are text, decoded once. */
	cr_expect_str_eq(rs.rules[2].check_src, "exec.auth.password_min_length >= 12");

	const struct rule *m = &rs.rules[7];
	cr_expect_str_eq(m->id, "EX-M1");
	cr_expect(m->manual);
	cr_expect_eq(m->severity, SEV_HIGH);
	cr_expect_null(m->check_src);
	cr_expect_null(m->check);
	cr_expect_eq(m->nprobes, 0);
	cr_expect(str_starts(m->evidence_en, "The signed policy document"));
	cr_expect(str_starts(m->evidence_zh, "已签批"));
	ruleset_free(&rs);
}

Test(rules, minimal_set_with_note_and_several_xrefs)
{
	struct tset t;
	tset_load(&t, HEAD("mini") "  <title lang=\"zh\">测试</title>\n"
	                           "  <rule id=\"M.1_a\" severity=\"info\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">  padded title  </title>\n"
	                           "    <clause ref=\"7.2\" confidence=\"approx\"/>\n"
	                           "    <xref std=\"PCI DSS v4.0\" ref=\"1.1\"/>\n"
	                           "    <xref std=\"GB/T 22239\" ref=\"8.1.4\"/>\n"
	                           "    <check>\n      exec.x == 1\n    </check>\n"
	                           "    <note lang=\"en\">a note</note>\n"
	                           "    <note lang=\"zh\">备注</note>\n"
	                           "  </rule>\n" TAIL);
	cr_assert_eq(t.rc, 0, "%s", err_msg());
	cr_expect_str_eq(t.rs.title_zh, "测试");
	cr_expect_str_eq(t.rs.version, "2.1");
	cr_assert_eq(t.rs.nrules, 1);
	const struct rule *r = &t.rs.rules[0];
	cr_expect_eq(r->line, 5);
	cr_expect_eq(r->severity, SEV_INFO);
	cr_expect_str_eq(r->title_en, "padded title", "text is trimmed");
	cr_expect_null(r->title_zh);
	cr_expect_str_eq(r->confidence, "approx");
	cr_assert_eq(r->nxrefs, 2);
	cr_expect_str_eq(r->xrefs[1], "GB/T 22239 8.1.4");
	cr_expect_str_eq(r->check_src, "exec.x == 1");
	cr_expect_str_eq(r->note_en, "a note");
	cr_expect_str_eq(r->note_zh, "备注");
	cr_expect_null(r->remediation_en);
	tset_free(&t);
}

/* ---- XML and schema errors ---- */

Test(rules, not_well_formed_names_the_line)
{
	expect_set_error(HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</titel>\n"
	                           "  </rule>\n" TAIL,
	                 5, "mismatch");
}

Test(rules, bad_severity_is_a_schema_error_on_its_line)
{
	expect_set_error(
	    HEAD("t") AUTO("A-1",
	                   "exec.a == 1") "  <rule id=\"A-2\" severity=\"urgent\" probe=\"exec\">\n"
	                                  "    <title lang=\"en\">x</title>\n"
	                                  "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                                  "    <check>exec.a == 1</check>\n"
	                                  "  </rule>\n" TAIL,
	    9, "'urgent'");
}

Test(rules, missing_required_element)
{
	/* No <clause>: the schema expects it after the title. */
	expect_set_error(HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <check>exec.a == 1</check>\n"
	                           "  </rule>\n" TAIL,
	                 6, "check");
}

Test(rules, unknown_element_and_attribute)
{
	expect_set_error(HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                           "    <check>exec.a == 1</check>\n"
	                           "    <script>rm -rf /</script>\n"
	                           "  </rule>\n" TAIL,
	                 8, "script");
	expect_set_error(
	    HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\" weight=\"3\">\n"
	              "    <title lang=\"en\">x</title>\n"
	              "    <clause ref=\"1\" confidence=\"src\"/>\n"
	              "    <check>exec.a == 1</check>\n"
	              "  </rule>\n" TAIL,
	    4, "weight");
}

Test(rules, ruleset_without_version)
{
	expect_set_error("<?xml version=\"1.0\"?>\n\n<ruleset id=\"t\">\n"
	                 "  <title lang=\"en\">T</title>\n" AUTO("A-1", "exec.a == 1") TAIL,
	                 3, "version");
}

Test(rules, bad_rule_id_pattern)
{
	expect_set_error(HEAD("t") "  <rule id=\"A 1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                           "    <check>exec.a == 1</check>\n"
	                           "  </rule>\n" TAIL,
	                 4, "'A 1'");
}

Test(rules, entities_are_refused_and_never_read)
{
	/* An external entity must not pull a local file into a title. */
	char *dir = tu_tmpdir();
	char *secret = tu_write(dir, "secret.txt", "TOPSECRET-MARKER\n");
	char *xml =
	    xasprintf("<?xml version=\"1.0\"?>\n"
	              "<!DOCTYPE ruleset [ <!ENTITY x SYSTEM \"file://%s\"> ]>\n"
	              "<ruleset id=\"t\" version=\"1\">\n"
	              "  <title lang=\"en\">T &x;</title>\n" AUTO("A-1", "exec.a == 1") TAIL,
	              secret);
	char *path = tu_write(dir, "set.xml", xml);
	struct ruleset rs;
	err_clear();
	int rc = ruleset_load(&rs, path, XSD);
	if (rc == 0) {
		cr_expect_null(strstr(rs.title_en ? rs.title_en : "", "TOPSECRET"),
		               "external entity was expanded: %s", rs.title_en);
		ruleset_free(&rs);
	} else {
		cr_expect_null(strstr(err_msg(), "TOPSECRET"), "%s", err_msg());
		cr_expect(str_starts(err_msg(), path), "%s", err_msg());
	}
	free(xml);
	free(secret);
	free(path);
	rm_tree(dir);
}

/* ---- what the schema cannot say ---- */

Test(rules, manual_rule_with_check)
{
	expect_set_error(
	    HEAD("t")
	        AUTO("A-1", "exec.a == 1") "  <rule id=\"M-1\" severity=\"high\" type=\"manual\">\n"
	                                   "    <title lang=\"en\">x</title>\n"
	                                   "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                                   "    <check>exec.a == 1</check>\n"
	                                   "  </rule>\n" TAIL,
	    9, "rule M-1 is manual and must not have a <check>");
}

Test(rules, automated_rule_without_check)
{
	expect_set_error(HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                           "    <evidence lang=\"en\">a document</evidence>\n"
	                           "  </rule>\n" TAIL,
	                 4, "rule A-1 is automated and needs a <check>");
}

Test(rules, automated_rule_without_probe)
{
	expect_set_error(HEAD("t") "\n"
	                           "  <rule id=\"A-1\" severity=\"high\" type=\"auto\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                           "    <check>exec.a == 1</check>\n"
	                           "  </rule>\n" TAIL,
	                 5, "rule A-1: an automated rule names the probe(s) it reads in probe=");
}

Test(rules, unknown_probe)
{
	expect_set_error(
	    HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec nosuchprobe\">\n"
	              "    <title lang=\"en\">x</title>\n"
	              "    <clause ref=\"1\" confidence=\"src\"/>\n"
	              "    <check>exec.a == 1</check>\n"
	              "  </rule>\n" TAIL,
	    4, "rule A-1: unknown probe 'nosuchprobe'");
}

Test(rules, check_that_does_not_parse_names_the_check_line_and_column)
{
	expect_set_error(
	    HEAD("t")
	        AUTO("A-1", "exec.a == 1") "  <rule id=\"A-2\" severity=\"high\" probe=\"exec\">\n"
	                                   "    <title lang=\"en\">x</title>\n"
	                                   "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                                   "    <xref std=\"PCI DSS\" ref=\"1\"/>\n"
	                                   "    <check>exec.a ==</check>\n"
	                                   "  </rule>\n" TAIL,
	    13, "rule A-2: check: column ");
	/* A multi-line check element: the line of <check>, where it opens. */
	expect_set_error(HEAD("t") "  <rule id=\"A-1\" severity=\"high\" probe=\"exec\">\n"
	                           "    <title lang=\"en\">x</title>\n"
	                           "    <clause ref=\"1\" confidence=\"src\"/>\n"
	                           "    <check>\n      exec.a and and exec.b\n    </check>\n"
	                           "  </rule>\n" TAIL,
	                 7, "rule A-1: check: column 12: expected an operand, found 'and'");
}

Test(rules, duplicate_rule_id_in_one_file)
{
	expect_set_error(HEAD("t") AUTO("A-1", "exec.a == 1") AUTO("A-2", "exec.a == 2")
	                     AUTO("A-1", "exec.a == 3") TAIL,
	                 14, "rule id A-1 is used twice (first at line 4)");
}

Test(rules, missing_file_and_folder_as_file)
{
	struct ruleset rs;
	err_clear();
	cr_expect_eq(ruleset_load(&rs, "/nonexistent/x.xml", XSD), -1);
	cr_expect(str_starts(err_msg(), "/nonexistent/x.xml: "), "%s", err_msg());
	char *dir = tu_tmpdir();
	err_clear();
	cr_expect_eq(ruleset_load(&rs, dir, XSD), -1);
	cr_expect(str_starts(err_msg(), dir), "%s", err_msg());
	cr_expect(strstr(err_msg(), "not a regular file"), "%s", err_msg());
	rm_tree(dir);
}

Test(rules, missing_schema)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "set.xml", HEAD("t") AUTO("A-1", "exec.a == 1") TAIL);
	struct ruleset rs;
	err_clear();
	cr_expect_eq(ruleset_load(&rs, path, "/nonexistent/ruleset.xsd"), -1);
	cr_expect(
	    str_starts(err_msg(), "/nonexistent/ruleset.xsd: cannot load the rule set schema"),
	    "%s", err_msg());
	free(path);
	rm_tree(dir);
}

/* ---- rule books ---- */

Test(rules, load_dir_in_name_order_skipping_other_files)
{
	char *dir = tu_tmpdir();
	free(tu_write(dir, "b.xml", HEAD("set-b") AUTO("B-1", "exec.b == 1") TAIL));
	free(tu_write(dir, "a.xml",
	              HEAD("set-a") AUTO("A-1", "exec.a == 1") AUTO("A-2", "exec.a == 2") TAIL));
	free(tu_write(dir, "notes.txt", "not a rule set"));
	free(tu_write(dir, ".hidden.xml", "<broken"));
	free(tu_write(dir, "c.xml.bak", "<broken"));
	struct rulebook b = {0};
	err_clear();
	cr_assert_eq(rulebook_load_dir(&b, dir, XSD), 0, "%s", err_msg());
	cr_assert_eq(b.nsets, 2);
	cr_expect_str_eq(b.sets[0].id, "set-a");
	cr_expect_str_eq(b.sets[1].id, "set-b");
	char *pa = xasprintf("%s/a.xml", dir);
	cr_expect_str_eq(b.sets[0].file, pa);
	free(pa);

	cr_expect_eq(rulebook_find(&b, "set-b"), &b.sets[1]);
	cr_expect_null(rulebook_find(&b, "set-c"));
	const struct ruleset *in = NULL;
	const struct rule *r = rulebook_find_rule(&b, "A-2", &in);
	cr_assert_not_null(r);
	cr_expect_str_eq(r->id, "A-2");
	cr_expect_eq(in, &b.sets[0]);
	cr_expect_str_eq(rulebook_find_rule(&b, "B-1", NULL)->check_src, "exec.b == 1");
	in = NULL;
	cr_expect_null(rulebook_find_rule(&b, "C-1", &in));
	cr_expect_null(in);
	rulebook_free(&b);
	cr_expect_eq(b.nsets, 0);
	rm_tree(dir);
}

Test(rules, load_dir_refuses_a_duplicate_set_id)
{
	char *dir = tu_tmpdir();
	free(tu_write(dir, "a.xml", HEAD("dup") AUTO("A-1", "exec.a == 1") TAIL));
	free(tu_write(dir, "b.xml", HEAD("dup") AUTO("B-1", "exec.b == 1") TAIL));
	struct rulebook b = {0};
	err_clear();
	cr_expect_eq(rulebook_load_dir(&b, dir, XSD), -1);
	char *want = xasprintf("%s/b.xml: rule set id 'dup' is also used by %s/a.xml", dir, dir);
	cr_expect_str_eq(err_msg(), want);
	cr_expect_eq(b.nsets, 1, "the first set stays loaded");
	free(want);
	rulebook_free(&b);
	rm_tree(dir);
}

Test(rules, load_dir_refuses_a_rule_id_defined_in_two_files)
{
	char *dir = tu_tmpdir();
	free(tu_write(dir, "a.xml", HEAD("one") AUTO("X-1", "exec.a == 1") TAIL));
	free(tu_write(dir, "b.xml",
	              HEAD("two") AUTO("Y-1", "exec.a == 1") AUTO("X-1", "exec.b") TAIL));
	struct rulebook b = {0};
	err_clear();
	cr_expect_eq(rulebook_load_dir(&b, dir, XSD), -1);
	char *want = xasprintf("%s/b.xml:9: rule id X-1 is also defined in %s/a.xml", dir, dir);
	cr_expect_str_eq(err_msg(), want);
	free(want);
	rulebook_free(&b);
	rm_tree(dir);
}

Test(rules, load_dir_stops_at_the_first_bad_file)
{
	char *dir = tu_tmpdir();
	free(tu_write(dir, "1.xml", HEAD("one") AUTO("A-1", "exec.a == 1") TAIL));
	free(tu_write(dir, "2.xml", HEAD("two") AUTO("B-1", "exec.b ==") TAIL));
	free(tu_write(dir, "3.xml", HEAD("three") AUTO("C-1", "exec.c == 1") TAIL));
	struct rulebook b = {0};
	err_clear();
	cr_expect_eq(rulebook_load_dir(&b, dir, XSD), -1);
	char *want = xasprintf("%s/2.xml:7: rule B-1: check: column", dir);
	cr_expect(str_starts(err_msg(), want), "want '%s', got '%s'", want, err_msg());
	cr_expect_eq(b.nsets, 1);
	cr_expect_null(rulebook_find(&b, "three"), "files after the bad one are not loaded");
	free(want);
	rulebook_free(&b);
	rm_tree(dir);
}

Test(rules, load_dir_missing_folder)
{
	struct rulebook b = {0};
	err_clear();
	cr_expect_eq(rulebook_load_dir(&b, "/nonexistent/rules", XSD), -1);
	cr_expect(str_starts(err_msg(), "/nonexistent/rules: cannot open rule set folder"), "%s",
	          err_msg());
	cr_expect_eq(b.nsets, 0);
}

Test(rules, add_refuses_duplicates_and_leaves_the_set_to_the_caller)
{
	char *dir = tu_tmpdir();
	char *p1 = tu_write(dir, "a.xml", HEAD("s1") AUTO("R-1", "exec.a == 1") TAIL);
	char *p2 = tu_write(dir, "b.xml", HEAD("s1") AUTO("R-2", "exec.a == 1") TAIL);
	char *p3 = tu_write(dir, "c.xml",
	                    HEAD("s3") AUTO("R-9", "exec.a == 1") AUTO("R-1", "exec.a == 2") TAIL);
	struct rulebook b = {0};
	struct ruleset rs;
	cr_assert_eq(ruleset_load(&rs, p1, XSD), 0, "%s", err_msg());
	cr_assert_eq(rulebook_add(&b, &rs), 0, "%s", err_msg());
	cr_expect_null(rs.id, "the book takes the set over");

	cr_assert_eq(ruleset_load(&rs, p2, XSD), 0, "%s", err_msg());
	err_clear();
	cr_expect_eq(rulebook_add(&b, &rs), -1);
	cr_expect(strstr(err_msg(), "rule set id 's1' is also used by"), "%s", err_msg());
	cr_expect_str_eq(rs.id, "s1", "a refused set stays with the caller");
	ruleset_free(&rs);

	cr_assert_eq(ruleset_load(&rs, p3, XSD), 0, "%s", err_msg());
	err_clear();
	cr_expect_eq(rulebook_add(&b, &rs), -1);
	char *want = xasprintf("%s:9: rule id R-1 is also defined in %s", p3, p1);
	cr_expect_str_eq(err_msg(), want);
	free(want);
	ruleset_free(&rs);
	cr_expect_eq(b.nsets, 1);
	rulebook_free(&b);
	free(p1);
	free(p2);
	free(p3);
	rm_tree(dir);
}

Test(rules, default_dir_honours_the_environment)
{
	setenv("ASSAY_RULES_DIR", "/opt/assay-rules", 1);
	cr_expect_str_eq(rules_default_dir(), "/opt/assay-rules");
}
