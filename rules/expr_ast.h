/*
 * The tree of a parsed check expression, shared by the parser
 * (rules/expr.c) and the evaluator (rules/expr_eval.c). Private to those
 * two files: this is not a public API, and nothing else should include it;
 * everyone else uses the opaque struct expr of rules/expr.h.
 *
 * The tree lives in one array of nodes, children linked by index and
 * and/or kept as flat lists (see "Implementation" in rules/expr.c).
 */
#ifndef ASSAY_RULES_EXPR_AST_H
#define ASSAY_RULES_EXPR_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXPR_SHOW_MAX 40 /* bytes of source quoted in a message */

enum unit { U_NONE, U_MS, U_S, U_D };

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

enum node_kind {
	N_BOOL,
	N_NUM,
	N_STR,
	N_KEY,
	N_NOT,
	N_AND,
	N_OR,
	N_CMP,
	N_EXISTS,
	N_CONTAINS,
	N_COUNT,
};

struct node {
	enum node_kind kind;
	size_t off, len; /* source span, for columns and messages */
	int kid, next;   /* first child, next sibling; -1 for none */
	enum cmp_op op;  /* N_CMP */
	size_t opoff;    /* N_CMP: where the operator is */
	bool b;          /* N_BOOL */
	bool is_int;     /* N_NUM: i is exact */
	int64_t i;
	double d;
	enum unit unit; /* N_NUM and N_KEY */
	char *text;     /* N_KEY, N_EXISTS: the key; N_STR: the decoded string */
};

struct expr {
	char *src;
	struct node *nodes;
	size_t nnodes, capnodes;
	const char **keys; /* distinct, first-appearance order; owned by nodes */
	size_t nkeys, capkeys;
	int root;
};

#endif
