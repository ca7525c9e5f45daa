/*
 * The check expression language (rules/expr.c): precedence, comparisons
 * of each type, units, functions, missing facts and short-circuiting,
 * type and parse errors with their columns, keys, and the size limits.
 * Every check runs against the same small set of facts built by
 * fill_facts().
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "rules/expr.h"

static void fill_facts(struct facts *f)
{
	static const char *const protos[] = {"tls1_2", "tls1_3"};
	facts_init(f);
	cr_assert_eq(facts_add_bool(f, "b.t", true), 0);
	cr_assert_eq(facts_add_bool(f, "b.f", false), 0);
	cr_assert_eq(facts_add_int(f, "n.i", 3), 0);
	cr_assert_eq(facts_add_int(f, "n.neg", -5), 0);
	cr_assert_eq(facts_add_int(f, "n.big", 9007199254740993LL), 0);
	cr_assert_eq(facts_add_double(f, "n.d", 2.5), 0);
	cr_assert_eq(facts_add_string(f, "s.name", "nginx"), 0);
	cr_assert_eq(facts_add_string(f, "s.q", "say \"hi\" \\ ok"), 0);
	cr_assert_eq(facts_add_list(f, "l.protos", protos, 2), 0);
	cr_assert_eq(facts_add_list(f, "l.empty", NULL, 0), 0);
	cr_assert_eq(facts_add_int(f, "load.latency.p99_ms", 150), 0);
	cr_assert_eq(facts_add_int(f, "x_ms", 1500), 0);
	cr_assert_eq(facts_add_int(f, "tls.cert.days_left", 45), 0);
	cr_assert_eq(facts_add_int(f, "a.timeout_s", 30), 0);
	cr_assert_eq(facts_add_double(f, "a.wait_sec", 2.5), 0);
	cr_assert_eq(facts_add_int(f, "a.up_seconds", 60), 0);
	cr_assert_eq(facts_add_int(f, "a.age_d", 2), 0);
	cr_assert_eq(facts_add_int(f, "a.keep_days", 7), 0);
	cr_assert_eq(facts_add_int(f, "plain.n", 30), 0);
}

/* Parse (which must succeed) and evaluate; *why and *missing may be NULL. */
static enum expr_result eval_src(const char *src, char **why, char **missing)
{
	struct facts f;
	fill_facts(&f);
	struct expr *e = NULL;
	cr_assert_eq(expr_parse(&e, src), 0, "parse of `%s` failed: %s", src, err_msg());
	char *w = NULL, *m = NULL;
	enum expr_result r = expr_eval(e, &f, &w, &m);
	expr_free(e);
	facts_free(&f);
	if (r == EXPR_TRUE || r == EXPR_FALSE) {
		cr_expect_null(w, "`%s`: why set on a %d result", src, r);
		cr_expect_null(m, "`%s`: missing key set on a %d result", src, r);
	}
	if (why)
		*why = w;
	else
		free(w);
	if (missing)
		*missing = m;
	else
		free(m);
	return r;
}

struct want {
	const char *src;
	enum expr_result res;
};

static void expect_all(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		enum expr_result r = eval_src(w[i].src, &why, NULL);
		cr_expect_eq(r, w[i].res, "`%s`: got %d, want %d (%s)", w[i].src, r, w[i].res,
		             why ? why : "");
		free(why);
	}
}

#define EXPECT_ALL(arr) expect_all((arr), sizeof(arr) / sizeof((arr)[0]))

/* The check evaluates to ERROR with a message starting "column <col>: ". */
static void expect_type_error(const char *src, int col, const char *part)
{
	char *why = NULL;
	enum expr_result r = eval_src(src, &why, NULL);
	cr_assert_eq(r, EXPR_ERROR, "`%s`: got %d, want EXPR_ERROR", src, r);
	cr_assert_not_null(why, "`%s`: no message", src);
	char *prefix = xasprintf("column %d: ", col);
	cr_expect(str_starts(why, prefix), "`%s`: message '%s' does not start with '%s'", src, why,
	          prefix);
	if (part)
		cr_expect(strstr(why, part), "`%s`: message '%s' lacks '%s'", src, why, part);
	free(prefix);
	free(why);
}

/* Parsing fails with exactly msg, and leaves *out NULL. */
static void expect_parse_error(const char *src, const char *msg)
{
	struct expr *e = (struct expr *)&e; /* anything but NULL */
	err_clear();
	cr_expect_eq(expr_parse(&e, src), -1, "`%s` parsed", src);
	cr_expect_null(e, "`%s`: *out not NULL after a failed parse", src);
	cr_expect_str_eq(err_msg(), msg, "`%s`", src);
}

Test(expr, precedence_not_and_or)
{
	struct want w[] = {
	    /* and binds tighter than or: t or (t and f) */
	    {"b.t or b.t and b.f", EXPR_TRUE},
	    {"b.f and b.t or b.t", EXPR_TRUE},
	    /* not binds tighter than and/or: (not t) or t */
	    {"not b.t or b.t", EXPR_TRUE},
	    {"not b.f and b.f", EXPR_FALSE},
	    /* not applies to the whole comparison: not (n.i == 3) */
	    {"not n.i == 3", EXPR_FALSE},
	    {"not not b.t", EXPR_TRUE},
	    {"b.f or b.f or b.f or b.t", EXPR_TRUE},
	    {"b.t and b.t and b.t and b.f", EXPR_FALSE},
	};
	EXPECT_ALL(w);
}

Test(expr, parentheses)
{
	struct want w[] = {
	    {"(b.t or b.t) and b.f", EXPR_FALSE},
	    {"b.t or (b.t and b.f)", EXPR_TRUE},
	    {"not (b.t or b.f)", EXPR_FALSE},
	    {"((n.i)) == (3)", EXPR_TRUE},
	    {"(((b.t)))", EXPR_TRUE},
	};
	EXPECT_ALL(w);
}

Test(expr, compare_integers)
{
	struct want w[] = {
	    {"n.i == 3", EXPR_TRUE},
	    {"n.i == 4", EXPR_FALSE},
	    {"n.i != 3", EXPR_FALSE},
	    {"n.i != 4", EXPR_TRUE},
	    {"n.i < 4", EXPR_TRUE},
	    {"n.i < 3", EXPR_FALSE},
	    {"n.i <= 3", EXPR_TRUE},
	    {"n.i <= 2", EXPR_FALSE},
	    {"n.i > 2", EXPR_TRUE},
	    {"n.i > 3", EXPR_FALSE},
	    {"n.i >= 3", EXPR_TRUE},
	    {"n.i >= 4", EXPR_FALSE},
	    {"3 == n.i", EXPR_TRUE},
	    {"n.neg == -5", EXPR_TRUE},
	    {"-6 < n.neg", EXPR_TRUE},
	    {"n.neg > -4", EXPR_FALSE},
	    /* integers compare exactly, beyond the 53 bits of a double */
	    {"n.big == 9007199254740993", EXPR_TRUE},
	    {"n.big == 9007199254740992", EXPR_FALSE},
	    {"n.big > 9007199254740992", EXPR_TRUE},
	};
	EXPECT_ALL(w);
}

Test(expr, compare_doubles)
{
	struct want w[] = {
	    {"n.d == 2.5", EXPR_TRUE},   {"n.d != 2.5", EXPR_FALSE},  {"n.d < 2.6", EXPR_TRUE},
	    {"n.d < 2.5", EXPR_FALSE},   {"n.d <= 2.5", EXPR_TRUE},   {"n.d <= 2.4", EXPR_FALSE},
	    {"n.d > 2", EXPR_TRUE},      {"n.d > 2.5", EXPR_FALSE},   {"n.d >= 2.5", EXPR_TRUE},
	    {"n.d >= 2.51", EXPR_FALSE}, {"n.i > n.d", EXPR_TRUE},    {"n.i == 3.0", EXPR_TRUE},
	    {"-2.5 < n.d", EXPR_TRUE},   {"n.d == -2.5", EXPR_FALSE},
	};
	EXPECT_ALL(w);
}

Test(expr, compare_booleans)
{
	struct want w[] = {
	    {"b.t == true", EXPR_TRUE}, {"b.t == false", EXPR_FALSE}, {"b.f == false", EXPR_TRUE},
	    {"b.t != b.f", EXPR_TRUE},  {"b.t != true", EXPR_FALSE},  {"true", EXPR_TRUE},
	    {"false", EXPR_FALSE},      {"b.f", EXPR_FALSE},
	};
	EXPECT_ALL(w);
	expect_type_error("b.t < b.f", 5, "use == or !=");
	expect_type_error("b.t >= true", 5, NULL);
}

Test(expr, compare_strings)
{
	struct want w[] = {
	    {"s.name == \"nginx\"", EXPR_TRUE},
	    {"s.name == \"nginx \"", EXPR_FALSE},
	    {"s.name != \"nginx\"", EXPR_FALSE},
	    {"\"apache\" != s.name", EXPR_TRUE},
	    {"s.q == \"say \\\"hi\\\" \\\\ ok\"", EXPR_TRUE},
	    {"s.q == \"say \\\"hi\\\" \\\\ ok!\"", EXPR_FALSE},
	    {"\"\" == \"\"", EXPR_TRUE},
	};
	EXPECT_ALL(w);
	expect_type_error("s.name < \"z\"", 8, "use == or !=");
	expect_type_error("s.name > \"a\"", 8, NULL);
}

Test(expr, units_convert)
{
	struct want w[] = {
	    {"load.latency.p99_ms <= 200ms", EXPR_TRUE},
	    {"load.latency.p99_ms <= 100ms", EXPR_FALSE},
	    {"load.latency.p99_ms < 1s", EXPR_TRUE},
	    /* x_ms = 1500: 2s is 2000 ms, 1s is 1000 ms */
	    {"x_ms < 2s", EXPR_TRUE},
	    {"x_ms < 1s", EXPR_FALSE},
	    {"x_ms == 1.5s", EXPR_TRUE},
	    {"2s > x_ms", EXPR_TRUE},
	    {"tls.cert.days_left >= 30d", EXPR_TRUE},
	    {"tls.cert.days_left >= 60d", EXPR_FALSE},
	    {"a.timeout_s == 30000ms", EXPR_TRUE},
	    {"a.timeout_s == 30ms", EXPR_FALSE},
	    {"a.wait_sec == 2500ms", EXPR_TRUE},
	    {"a.up_seconds == 60000ms", EXPR_TRUE},
	    {"a.age_d == 172800s", EXPR_TRUE},
	    {"a.keep_days == 7d", EXPR_TRUE},
	    {"a.keep_days < 1d", EXPR_FALSE},
	    {"1000ms == 1s", EXPR_TRUE},
	    {"1d == 86400s", EXPR_TRUE},
	    {"1d > 86400001ms", EXPR_FALSE},
	    /* a plain number is in the key's own unit */
	    {"load.latency.p99_ms <= 200", EXPR_TRUE},
	    {"x_ms < 2", EXPR_FALSE},
	    {"tls.cert.days_left == 45", EXPR_TRUE},
	};
	EXPECT_ALL(w);
}

Test(expr, units_need_a_unit_on_both_sides)
{
	char *why = NULL;
	cr_assert_eq(eval_src("plain.n >= 30d", &why, NULL), EXPR_ERROR);
	cr_expect_str_eq(why, "column 12: 30d has a unit but 'plain.n' does not name one "
	                      "(_ms, _s, _days)");
	free(why);
	expect_type_error("2s > 5", 1, "2s has a unit");
	expect_type_error("count(l.protos) < 2s", 19, "'count(l.protos)'");
	expect_type_error("n.d == 1.5s", 8, "'n.d' does not name one");
}

Test(expr, exists)
{
	struct want w[] = {
	    {"exists(n.i)", EXPR_TRUE},      {"exists(l.empty)", EXPR_TRUE},
	    {"exists(no.such)", EXPR_FALSE}, {"not exists(no.such)", EXPR_TRUE},
	    {"exists( b.f )", EXPR_TRUE},
	};
	EXPECT_ALL(w);
	expect_parse_error("exists(1)",
	                   "column 8: expected a fact key as the argument of exists(), "
	                   "found '1'");
	expect_parse_error("exists(\"n.i\")", "column 8: expected a fact key as the argument of "
	                                      "exists(), found '\"n.i\"'");
	expect_parse_error("exists((n.i))", "column 8: expected a fact key as the argument of "
	                                    "exists(), found '('");
	expect_parse_error("exists(n.i == 3)", "column 12: expected ')', found '=='");
}

Test(expr, contains_and_count)
{
	struct want w[] = {
	    {"contains(l.protos, \"tls1_3\")", EXPR_TRUE},
	    {"contains(l.protos, \"tls1_0\")", EXPR_FALSE},
	    {"contains(l.protos, \"tls1\")", EXPR_FALSE},
	    {"contains((l.protos), \"tls1_2\")", EXPR_TRUE},
	    {"contains(l.empty, \"x\")", EXPR_FALSE},
	    {"count(l.protos) == 2", EXPR_TRUE},
	    {"count(l.protos) > 2", EXPR_FALSE},
	    {"count(l.empty) == 0", EXPR_TRUE},
	};
	EXPECT_ALL(w);

	expect_type_error("contains(s.name, \"ng\")", 10, "a list for contains()");
	expect_type_error("contains(l.protos, 3)", 20, "a string for contains()");
	expect_type_error("count(n.i) == 1", 7, "a list for count()");
	expect_type_error("l.protos == \"tls1_2\"", 1, "contains() or count()");
	expect_type_error("count(l.protos)", 1, "expected a boolean");
}

Test(expr, missing_key_is_reported)
{
	char *why = NULL, *key = NULL;
	enum expr_result r = eval_src("n.i > 1 and tls.nope.x == 3", &why, &key);
	cr_assert_eq(r, EXPR_MISSING);
	cr_expect_str_eq(key, "tls.nope.x");
	cr_expect_str_eq(why, "fact 'tls.nope.x' was not set");
	free(why);
	free(key);

	struct want w[] = {
	    {"count(no.list) == 0", EXPR_MISSING},
	    {"contains(no.list, \"x\")", EXPR_MISSING},
	    {"not no.flag", EXPR_MISSING},
	    {"no.n < 3", EXPR_MISSING},
	    {"3 < no.n", EXPR_MISSING},
	    {"no.flag", EXPR_MISSING},
	};
	EXPECT_ALL(w);
}

Test(expr, short_circuit)
{
	struct want w[] = {
	    {"b.f and no.flag", EXPR_FALSE},
	    {"b.t or no.flag", EXPR_TRUE},
	    {"exists(no.n) and no.n > 3", EXPR_FALSE},
	    {"not exists(no.n) or no.n > 3", EXPR_TRUE},
	    {"b.f and n.i", EXPR_FALSE}, /* the type error is never reached */
	    {"b.t and no.flag", EXPR_MISSING},
	    {"b.f or no.flag", EXPR_MISSING},
	    /* left to right: the missing operand comes first */
	    {"no.flag and b.f", EXPR_MISSING},
	    {"no.flag or b.t", EXPR_MISSING},
	};
	EXPECT_ALL(w);

	/* the first missing key, left to right, is the one reported */
	char *key = NULL;
	cr_assert_eq(eval_src("b.t and (no.a or no.b)", NULL, &key), EXPR_MISSING);
	cr_expect_str_eq(key, "no.a");
	free(key);
}

Test(expr, type_errors_name_the_column)
{
	expect_type_error("n.i", 1, "'n.i' is a number, expected a boolean");
	expect_type_error("b.t and s.name", 9, "'s.name' is a string");
	expect_type_error("not n.d", 5, "expected a boolean");
	expect_type_error("b.f or \"yes\"", 8, NULL);
	expect_type_error("s.name == 3", 8, "cannot compare");
	expect_type_error("n.i != \"3\"", 5, "cannot compare");
	expect_type_error("b.t == 1", 5, "cannot compare");
	expect_type_error("(b.t) and (n.i)", 12, NULL);
	expect_type_error("42", 1, NULL);
}

Test(expr, parse_errors_name_the_column)
{
	expect_parse_error("", "column 1: expected an expression, found end of input");
	expect_parse_error("   ", "column 4: expected an expression, found end of input");
	expect_parse_error("a and ", "column 7: expected an operand, found end of input");
	expect_parse_error("a < b < c", "column 7: expected 'and' or 'or' (comparisons do not "
	                                "chain), found '<'");
	expect_parse_error("foo(x)", "column 1: expected a function (exists, contains or count), "
	                             "found 'foo'");
	expect_parse_error("a == \"abc", "column 10: expected '\"' to end the string that starts "
	                                 "at column 6, found end of input");
	expect_parse_error("s == \"a\\q\"", "column 8: expected \\\" or \\\\ (the only escapes), "
	                                    "found '\\q'");
	expect_parse_error("a b", "column 3: expected 'and', 'or' or end of input, found 'b'");
	expect_parse_error("a == 1 2", "column 8: expected 'and', 'or' or end of input, found '2'");
	expect_parse_error("(a", "column 3: expected ')', found end of input");
	expect_parse_error("a)", "column 2: expected 'and', 'or' or end of input, found ')'");
	expect_parse_error("()", "column 2: expected an operand, found ')'");
	expect_parse_error("a = 1", "column 3: expected '==', found '='");
	expect_parse_error("!a", "column 1: expected '!=' ('not' negates), found '!'");
	expect_parse_error("a && b", "column 3: expected 'and', found '&&'");
	expect_parse_error("AND",
	                   "column 1: expected a lowercase fact key or keyword, found 'AND'");
	expect_parse_error("a.b. == 1", "column 1: expected a fact key of [a-z0-9_] segments "
	                                "joined by '.', found 'a.b.'");
	expect_parse_error("a..b", "column 1: expected a fact key of [a-z0-9_] segments joined "
	                           "by '.', found 'a..b'");
	expect_parse_error("x == 12abc", "column 6: expected a number such as 42, -1.5, 200ms, 2s "
	                                 "or 30d, found '12abc'");
	expect_parse_error("x == 1.", "column 6: expected a number such as 42, -1.5, 200ms, 2s or "
	                              "30d, found '1.'");
	expect_parse_error("x == 2 s", "column 8: expected 'and', 'or' or end of input, found 's'");
	/* Error messages are masked: a 20-digit run loses its middle. */
	expect_parse_error("x == 99999999999999999999", "column 6: expected a number within "
	                                                "64-bit range, found "
	                                                "'999999**********9999'");
	expect_parse_error("true == and", "column 9: expected an operand, found 'and'");
	expect_parse_error("n.i - 1", "column 5: expected an operand or operator, found '-'");
	expect_parse_error("a == not b", "column 6: expected an operand, found 'not'");
	expect_parse_error("or", "column 1: expected an operand, found 'or'");
	expect_parse_error("count(l, x)", "column 8: expected ')', found ','");
	expect_parse_error("contains(l)", "column 11: expected ',' and the string contains() "
	                                  "looks for, found ')'");
	expect_parse_error("exists(true)", "column 8: expected a fact key as the argument of "
	                                   "exists(), found 'true'");
	expect_parse_error("a == \x01", "column 6: expected an operand or operator, found '\\x01'");
	expect_parse_error("a ==\n\tb ?", "column 9: expected an operand or operator, found '?'");
}

Test(expr, keys_long_and_keyword_like)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 200; i++)
		sb_addc(&sb, 'k');
	struct expr *e = NULL;
	cr_expect_eq(expr_parse(&e, sb.buf), 0, "a 200-byte key: %s", err_msg());
	expr_free(e);
	sb_addc(&sb, 'k');
	expect_parse_error(sb.buf, "column 1: expected a fact key of at most 200 bytes, found "
	                           "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
	sb_free(&sb);

	/* keys may start with '_' and hold a keyword as one segment */
	e = NULL;
	cr_expect_eq(expr_parse(&e, "_x.true.and_or == 1 and count.x"), 0, "%s", err_msg());
	expr_free(e);
}

struct keys_seen {
	struct strbuf sb;
};

static void collect_key(const char *key, void *ctx)
{
	struct keys_seen *k = ctx;
	if (k->sb.len)
		sb_addc(&k->sb, ',');
	sb_adds(&k->sb, key);
}

Test(expr, keys_in_order_without_duplicates)
{
	struct expr *e = NULL;
	cr_assert_eq(expr_parse(&e, "b.t and exists(n.i) or count(l.protos) > n.i and "
	                            "contains(l.protos, s.name) and not b.t and \"b.f\" == s.q"),
	             0, "%s", err_msg());
	struct keys_seen k = {STRBUF_INIT};
	expr_keys(e, collect_key, &k);
	cr_expect_str_eq(k.sb.buf, "b.t,n.i,l.protos,s.name,s.q");
	sb_free(&k.sb);
	expr_free(e);

	cr_assert_eq(expr_parse(&e, "true == (1 < 2)"), 0, "%s", err_msg());
	struct keys_seen none = {STRBUF_INIT};
	expr_keys(e, collect_key, &none);
	cr_expect_eq(none.sb.len, 0, "keys of a check with none: '%s'", none.sb.buf);
	sb_free(&none.sb);
	expr_free(e);
}

/* depth copies of open, then mid, then depth copies of close. */
static char *nest(int depth, const char *open, const char *mid, const char *close)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < depth; i++)
		sb_adds(&sb, open);
	sb_adds(&sb, mid);
	for (int i = 0; i < depth; i++)
		sb_adds(&sb, close);
	return sb_detach(&sb);
}

Test(expr, deep_nesting_is_rejected)
{
	char *src = nest(64, "(", "b.t", ")");
	cr_expect_eq(eval_src(src, NULL, NULL), EXPR_TRUE);
	free(src);

	src = nest(65, "(", "b.t", ")");
	expect_parse_error(src, "column 65: expected at most 64 levels of nesting, found '('");
	free(src);

	/* far past the limit, within the size limit: an error, not a crash */
	src = nest(2000, "(", "b.t", ")");
	expect_parse_error(src, "column 65: expected at most 64 levels of nesting, found '('");
	free(src);
	src = nest(1000, "not ", "b.t", "");
	expect_parse_error(src, "column 257: expected at most 64 levels of nesting, found 'not'");
	free(src);
	src = nest(500, "count(", "l", ")");
	expect_parse_error(src, "column 385: expected at most 64 levels of nesting, found 'count'");
	free(src);

	/* a long flat chain is not nesting */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "b.f");
	while (sb.len < 4000)
		sb_adds(&sb, " or b.f");
	sb_adds(&sb, " or b.t");
	cr_expect_eq(eval_src(sb.buf, NULL, NULL), EXPR_TRUE);
	sb_free(&sb);
}

Test(expr, long_input_is_rejected)
{
	char *src = xmalloc(4098);
	memset(src, ' ', 4097);
	memcpy(src, "b.t", 3);
	src[4096] = '\0';
	cr_expect_eq(eval_src(src, NULL, NULL), EXPR_TRUE, "4096 bytes are allowed");
	src[4096] = ' ';
	src[4097] = '\0';
	expect_parse_error(src, "column 4097: expected at most 4096 bytes of expression, found "
	                        "more");
	free(src);
}

Test(expr, eval_reuses_one_parse)
{
	struct expr *e = NULL;
	cr_assert_eq(expr_parse(&e, "exists(k) and k > 3"), 0, "%s", err_msg());
	struct facts f;
	facts_init(&f);
	char *why = NULL, *key = NULL;
	cr_expect_eq(expr_eval(e, &f, &why, &key), EXPR_FALSE);
	cr_assert_eq(facts_add_int(&f, "k", 4), 0);
	cr_expect_eq(expr_eval(e, &f, &why, &key), EXPR_TRUE);
	cr_assert_eq(facts_add_int(&f, "k", 3), 0);
	cr_expect_eq(expr_eval(e, &f, &why, &key), EXPR_FALSE);
	cr_assert_eq(facts_add_string(&f, "k", "4"), 0);
	cr_expect_eq(expr_eval(e, &f, &why, &key), EXPR_ERROR);
	cr_expect(why && str_starts(why, "column 17: "), "why: %s", why ? why : "(null)");
	free(why);
	free(key);
	facts_free(&f);
	expr_free(e);
}
