/*
 * Fuzz the check language (rules/expr.c, rules/expr_eval.c): parse, list
 * the keys, and evaluate against facts of every type, some of whose keys
 * a fuzzer will find by mutation of the seeds.
 */
#include "fuzz/fuzz.h"
#include "harness/facts.h"
#include "lib/util.h"
#include "rules/expr.h"

#include <stdlib.h>
#include <string.h>

static void count_key(const char *key, void *ctx)
{
	(void)key;
	(*(size_t *)ctx)++;
}

FUZZ_TARGET(expr)
{
	if (size > 8192)
		return 0;
	char *src = xstrndup((const char *)data, size);
	struct expr *e = NULL;
	if (expr_parse(&e, src) == 0) {
		struct facts f;
		facts_init(&f);
		facts_add_bool(&f, "a.ok", true);
		facts_add_int(&f, "a.n", 42);
		facts_add_double(&f, "a.p99_ms", 183.4);
		facts_add_int(&f, "a.days_left", 12);
		facts_add_string(&f, "a.s", "tls1.2");
		const char *items[] = {"x", "y"};
		facts_add_list(&f, "a.l", items, 2);
		size_t nkeys = 0;
		expr_keys(e, count_key, &nkeys);
		char *why = NULL, *missing = NULL;
		enum expr_result r = expr_eval(e, &f, &why, &missing);
		if ((r == EXPR_MISSING && !missing) ||
		    ((r == EXPR_MISSING || r == EXPR_ERROR) && !why))
			abort(); /* a verdict of error must say why */
		free(why);
		free(missing);
		facts_free(&f);
		expr_free(e);
	}
	free(src);
	return 0;
}
