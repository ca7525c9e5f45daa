/*
 * The check expression language of rule sets (docs/rules.md): small and
 * safe, no loops, no side effects, no access to anything but facts.
 *
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | cmp
 *   cmp     := primary (("==" | "!=" | "<" | "<=" | ">" | ">=") primary)?
 *   primary := literal | key | func "(" args ")" | "(" expr ")"
 *   literal := true | false | number [ms|s|d] | "string"
 *   func    := exists(key) | contains(list, "x") | count(list)
 *
 * Keys are dotted fact names (tls.proto.tls1_0). A number with a unit
 * compares against a fact whose key names its unit in its last segment
 * (_ms, _s, _d, _days, days_...): `load.latency.p99_ms <= 200ms`,
 * `tls.cert.days_left >= 30d`, `x_ms < 2s` (2000 ms).
 */
#ifndef ASSAY_RULES_EXPR_H
#define ASSAY_RULES_EXPR_H

#include "harness/facts.h"

struct expr;

/* Parse src; 0, or -1 with err_set("column N: what was expected"). */
int expr_parse(struct expr **out, const char *src);
void expr_free(struct expr *e);

enum expr_result {
	EXPR_FALSE = 0,
	EXPR_TRUE = 1,
	EXPR_MISSING = 2, /* a key the check needs was not set; *why names it */
	EXPR_ERROR = 3,   /* a type error at run time; *why says where (column) */
};

/*
 * Evaluate against facts. `and`/`or` short-circuit, so
 * `exists(k) and k > 3` is false, not missing, when k is absent. On
 * MISSING or ERROR *why is set to a newly allocated message (the missing
 * key's name is in *missing_key, also allocated, for MISSING); the caller
 * frees both. The top-level value must be a boolean.
 */
enum expr_result expr_eval(const struct expr *e, const struct facts *f, char **why,
                           char **missing_key);

/* Call fn once for each distinct fact key the expression mentions, in order. */
void expr_keys(const struct expr *e, void (*fn)(const char *key, void *ctx), void *ctx);

#endif
