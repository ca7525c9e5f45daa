/*
 * Evaluation of a parsed check expression (expr_eval) against the facts
 * of one target: values and their types, the type checks that make a
 * check's "error" result, unit conversion, and and/or short-circuiting.
 * The language, its types, units and results are described at the top of
 * rules/expr.c; the tree comes from its parser through rules/expr_ast.h.
 *
 * The eval_* functions return 0, or EXPR_MISSING / EXPR_ERROR with *why
 * (and *missing_key) set by the callee that found the problem. Values are
 * borrowed from the tree and the facts; only messages are allocated, so
 * one parsed check can be evaluated from several threads at once.
 */
#include "rules/expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "rules/expr_ast.h"

/* Milliseconds per unit; each divides the next, so integer scaling is exact. */
static const int64_t unit_ms[] = {1, 1, 1000, 86400000};

static const char *const op_name[] = {"==", "!=", "<", "<=", ">", ">="};

enum vtype { V_BOOL, V_NUM, V_STR, V_LIST };
static const char *const vtype_name[] = {"a boolean", "a number", "a string", "a list"};

/* A value during evaluation; strings and items are borrowed. */
struct val {
	enum vtype type;
	bool b;
	bool is_int;
	int64_t i;
	double d;
	enum unit unit;
	const char *s;
	char *const *items;
	size_t nitems;
};

struct eval {
	const struct expr *e;
	const struct facts *f;
	char **why, **missing_key;
};

static const struct node *node_at(const struct eval *ev, int idx)
{
	return &ev->e->nodes[idx];
}

/* The node's source, quoted and shortened, for a message; caller frees. */
static char *node_text(const struct eval *ev, const struct node *n)
{
	const char *s = ev->e->src + n->off;
	if (n->len > EXPR_SHOW_MAX)
		return xasprintf("'%.*s...'", EXPR_SHOW_MAX, s);
	return xasprintf("'%.*s'", (int)n->len, s);
}

static int type_error(struct eval *ev, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int type_error(struct eval *ev, size_t off, const char *fmt, ...)
{
	if (ev->why) {
		va_list ap;
		va_start(ap, fmt);
		char *msg = xvasprintf(fmt, ap);
		va_end(ap);
		*ev->why = xasprintf("column %zu: %s", off + 1, msg);
		free(msg);
	}
	return EXPR_ERROR;
}

/* "<text> is <type>, expected <what>" at the node. */
static int wrong_type(struct eval *ev, const struct node *n, enum vtype got, const char *what)
{
	char *t = node_text(ev, n);
	int st = type_error(ev, n->off, "%s is %s, expected %s", t, vtype_name[got], what);
	free(t);
	return st;
}

static int eval_node(struct eval *ev, int idx, struct val *v);

static int eval_bool(struct eval *ev, int idx, bool *out)
{
	struct val v;
	int st = eval_node(ev, idx, &v);
	if (st)
		return st;
	if (v.type != V_BOOL)
		return wrong_type(ev, node_at(ev, idx), v.type, "a boolean");
	*out = v.b;
	return 0;
}

static int eval_list(struct eval *ev, int idx, const char *fn, struct val *v)
{
	int st = eval_node(ev, idx, v);
	if (st)
		return st;
	if (v->type != V_LIST) {
		char *what = xasprintf("a list for %s()", fn);
		st = wrong_type(ev, node_at(ev, idx), v->type, what);
		free(what);
	}
	return st;
}

static int eval_key(struct eval *ev, const struct node *n, struct val *v)
{
	const struct fact_value *fv = facts_get(ev->f, n->text);
	if (!fv) {
		if (ev->why)
			*ev->why = xasprintf("fact '%s' was not set", n->text);
		if (ev->missing_key)
			*ev->missing_key = xstrdup(n->text);
		return EXPR_MISSING;
	}
	switch (fv->type) {
	case FACT_BOOL:
		v->type = V_BOOL;
		v->b = fv->b;
		break;
	case FACT_INT:
		v->type = V_NUM;
		v->is_int = true;
		v->i = fv->i;
		v->d = (double)fv->i;
		break;
	case FACT_DOUBLE:
		v->type = V_NUM;
		v->d = fv->d;
		break;
	case FACT_STRING:
		v->type = V_STR;
		v->s = fv->s ? fv->s : "";
		break;
	case FACT_LIST:
		v->type = V_LIST;
		v->items = fv->items;
		v->nitems = fv->nitems;
		break;
	}
	v->unit = n->unit;
	return 0;
}

static bool mul_fits(int64_t v, int64_t k)
{
	return v <= INT64_MAX / k && v >= INT64_MIN / k;
}

/*
 * Order a*fa against b*fb: -1, 0, 1, or 2 when unordered (NaN). Integers
 * compare exactly; anything else as long double, which holds every int64.
 */
static int num_cmp(const struct val *a, int64_t fa, const struct val *b, int64_t fb)
{
	if (a->is_int && b->is_int) {
		int64_t x = a->i, y = b->i;
		bool fits = fa >= fb ? mul_fits(x, fa / fb) : mul_fits(y, fb / fa);
		if (fits) {
			if (fa >= fb)
				x *= fa / fb;
			else
				y *= fb / fa;
			return (x > y) - (x < y);
		}
	}
	long double x = (a->is_int ? (long double)a->i : (long double)a->d) * fa;
	long double y = (b->is_int ? (long double)b->i : (long double)b->d) * fb;
	if (isnan(x) || isnan(y))
		return 2;
	return (x > y) - (x < y);
}

/* Compare two numbers, converting units; see "Units" at the top. */
static int num_order(struct eval *ev, const struct node *ln, const struct val *l,
                     const struct node *rn, const struct val *r, int *c)
{
	if ((l->unit == U_NONE) != (r->unit == U_NONE)) {
		const struct node *un = l->unit != U_NONE ? ln : rn;
		const struct node *nn = l->unit != U_NONE ? rn : ln;
		if (un->kind == N_NUM) {
			const char *lit = ev->e->src + un->off;
			if (nn->kind == N_KEY)
				return type_error(ev, un->off,
				                  "%.*s has a unit but '%s' does not name one "
				                  "(_ms, _s, _days)",
				                  (int)un->len, lit, nn->text);
			char *t = node_text(ev, nn);
			int st = type_error(ev, un->off, "%.*s has a unit but %s has none",
			                    (int)un->len, lit, t);
			free(t);
			return st;
		}
		/* a key with a unit against a plain number: the number is in its unit */
		*c = num_cmp(l, 1, r, 1);
		return 0;
	}
	*c = num_cmp(l, unit_ms[l->unit], r, unit_ms[r->unit]);
	return 0;
}

static bool op_holds(enum cmp_op op, int c)
{
	switch (op) {
	case OP_EQ:
		return c == 0;
	case OP_NE:
		return c != 0;
	case OP_LT:
		return c == -1;
	case OP_LE:
		return c == -1 || c == 0;
	case OP_GT:
		return c == 1;
	case OP_GE:
		return c == 1 || c == 0;
	}
	return false;
}

static int eval_cmp(struct eval *ev, const struct node *n, struct val *out)
{
	const struct node *ln = node_at(ev, n->kid), *rn = node_at(ev, ln->next);
	struct val l, r;
	int st = eval_node(ev, n->kid, &l);
	if (st)
		return st;
	st = eval_node(ev, ln->next, &r);
	if (st)
		return st;
	const char *op = op_name[n->op];
	if (l.type == V_LIST || r.type == V_LIST) {
		const struct node *list = l.type == V_LIST ? ln : rn;
		char *t = node_text(ev, list);
		st = type_error(ev, list->off, "%s is a list; use contains() or count() on it", t);
		free(t);
		return st;
	}
	if (l.type != r.type) {
		char *lt = node_text(ev, ln), *rt = node_text(ev, rn);
		st = type_error(ev, n->opoff, "'%s' cannot compare %s (%s) with %s (%s)", op, lt,
		                vtype_name[l.type], rt, vtype_name[r.type]);
		free(lt);
		free(rt);
		return st;
	}
	if (l.type != V_NUM && n->op != OP_EQ && n->op != OP_NE)
		return type_error(ev, n->opoff, "'%s' does not order %ss; use == or !=", op,
		                  l.type == V_BOOL ? "boolean" : "string");
	int c = 0;
	switch (l.type) {
	case V_BOOL:
		c = l.b != r.b;
		break;
	case V_STR:
		c = strcmp(l.s, r.s);
		c = (c > 0) - (c < 0);
		break;
	default:
		st = num_order(ev, ln, &l, rn, &r, &c);
		if (st)
			return st;
		break;
	}
	out->type = V_BOOL;
	out->b = op_holds(n->op, c);
	return 0;
}

static int eval_node(struct eval *ev, int idx, struct val *v)
{
	const struct node *n = node_at(ev, idx);
	int st;
	memset(v, 0, sizeof(*v));
	switch (n->kind) {
	case N_BOOL:
		v->type = V_BOOL;
		v->b = n->b;
		return 0;
	case N_NUM:
		v->type = V_NUM;
		v->is_int = n->is_int;
		v->i = n->i;
		v->d = n->d;
		v->unit = n->unit;
		return 0;
	case N_STR:
		v->type = V_STR;
		v->s = n->text;
		return 0;
	case N_KEY:
		return eval_key(ev, n, v);
	case N_EXISTS:
		v->type = V_BOOL;
		v->b = facts_get(ev->f, n->text) != NULL;
		return 0;
	case N_NOT:
		v->type = V_BOOL;
		st = eval_bool(ev, n->kid, &v->b);
		v->b = !v->b;
		return st;
	case N_AND:
	case N_OR: {
		/* left to right; the first operand equal to `decides` is the result */
		bool decides = n->kind == N_OR;
		v->type = V_BOOL;
		for (int k = n->kid; k >= 0; k = node_at(ev, k)->next) {
			st = eval_bool(ev, k, &v->b);
			if (st || v->b == decides)
				return st;
		}
		v->b = !decides;
		return 0;
	}
	case N_CMP:
		return eval_cmp(ev, n, v);
	case N_CONTAINS: {
		struct val list, needle;
		st = eval_list(ev, n->kid, "contains", &list);
		if (st)
			return st;
		int nk = node_at(ev, n->kid)->next;
		st = eval_node(ev, nk, &needle);
		if (st)
			return st;
		if (needle.type != V_STR)
			return wrong_type(ev, node_at(ev, nk), needle.type,
			                  "a string for contains()");
		v->type = V_BOOL;
		for (size_t i = 0; i < list.nitems && !v->b; i++)
			v->b = list.items[i] && strcmp(list.items[i], needle.s) == 0;
		return 0;
	}
	case N_COUNT: {
		struct val list;
		st = eval_list(ev, n->kid, "count", &list);
		if (st)
			return st;
		v->type = V_NUM;
		v->is_int = true;
		v->i = (int64_t)list.nitems;
		v->d = (double)list.nitems;
		return 0;
	}
	}
	return type_error(ev, n->off, "internal error: unknown node");
}

enum expr_result expr_eval(const struct expr *e, const struct facts *f, char **why,
                           char **missing_key)
{
	if (why)
		*why = NULL;
	if (missing_key)
		*missing_key = NULL;
	struct eval ev = {.e = e, .f = f, .why = why, .missing_key = missing_key};
	bool b;
	int st = eval_bool(&ev, e->root, &b);
	if (st)
		return (enum expr_result)st;
	return b ? EXPR_TRUE : EXPR_FALSE;
}
