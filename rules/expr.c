/*
 * The check expression language of rule sets: a check is parsed once when
 * its rule set loads (expr_parse) and evaluated against the facts of each
 * target (expr_eval). This comment is the language reference that
 * docs/rules.md follows.
 *
 * Syntax
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
 *   - Precedence, loosest first: or, and, not, comparison. `a or b and c`
 *     is `a or (b and c)`; `not a == 1` is `not (a == 1)`. A comparison
 *     does not chain: `a < b < c` is an error (write `a < b and b < c`).
 *   - Keywords are lowercase: true, false, and, or, not.
 *   - Numbers: 42, -3, 0.25, -1.5 (digits, an optional fraction, an
 *     optional leading '-'). Integers are exact 64-bit values.
 *   - Strings: "text" in double quotes; \" and \\ are the only escapes.
 *   - Keys name facts as probes write them: segments of [a-z0-9_] joined
 *     by '.', starting with a letter or '_', at most 200 bytes
 *     (tls.proto.tls1_0). A key cannot be a keyword.
 *   - Functions:
 *       exists(key)         true iff the fact is set; never missing. The
 *                           argument must be a bare key.
 *       contains(list, s)   true iff the list fact has an item equal to
 *                           the string s.
 *       count(list)         the number of items of a list fact.
 *   - Spaces, tabs and newlines separate tokens and are otherwise ignored.
 *
 * Types
 *
 *   boolean  true/false, boolean facts, comparisons, exists(), contains();
 *            compared with == and != only.
 *   number   literals, integer and decimal facts (compared with each other
 *            by value), count(); all six comparisons.
 *   string   literals, string facts; == and != only (exact bytes).
 *   list     list facts; used only through contains() and count().
 *
 *   The operands of and/or/not and the whole check must be booleans: a
 *   bare number or string there is an error, not "truthy". Comparing two
 *   different types is an error. Fact types are known only when a check
 *   runs, so type errors are its "error" result, naming the column; an
 *   operand that and/or skip is not checked.
 *
 * Units
 *
 *   A number may carry a unit attached without a space: 200ms, 2s, 1.5s,
 *   30d (milliseconds, seconds, days). A key names the unit of its value
 *   by its last segment: ending in _ms is milliseconds; ending in _s, _sec
 *   or _seconds is seconds; ending in _d or _days, equal to "days" or
 *   starting with "days_" (days_left) is days. When both sides of a comparison have a unit they
 *   are converted to a common one: `load.latency.p99_ms <= 200ms`,
 *   `x_ms < 2s` (2000 ms), `tls.cert.days_left >= 30d`, `1000ms == 1s`.
 *   A plain number compared with a key that has a unit is in the key's
 *   unit (`p99_ms <= 200`), and two keys compare as they are unless both
 *   name a unit. A number with a unit compared with something without one
 *   (a key that names no unit, a plain number, count()) is an error, since
 *   the meaning would be a guess: "column 12: 30d has a unit but 'x.y'
 *   does not name one (_ms, _s, _days)".
 *
 * Results
 *
 *   true or false; "missing" when the evaluation reaches a key that is
 *   not set (the first such key, left to right, is reported: "fact 'k'
 *   was not set"); "error" for a type error ("column N: ..."). and/or
 *   evaluate left to right and stop as soon as the result is known, so
 *   `exists(k) and k > 3` is false when k is absent, `false and k` is
 *   false and `true or k` is true, while `k and false` is missing.
 *   count() and contains() of a missing key are missing.
 *
 * Limits and parse errors
 *
 *   A check is at most 4096 bytes and nests at most 64 levels (each
 *   parenthesis, `not` and function call is a level). A check that does
 *   not parse is refused with "column N: expected <what>, found '<token>'"
 *   where N is the 1-based byte column of the offending token.
 *
 * Implementation: a lexer and a recursive-descent parser (this file) build
 * the tree of rules/expr_ast.h in one array of nodes, children linked by
 * index and and/or kept as flat lists, so freeing never recurses and
 * recursion depth (parse and evaluation) is bounded by the nesting limit,
 * not by the check's length. Evaluation (rules/expr_eval.c) borrows values
 * from the facts and allocates only messages, so one parsed check can be
 * evaluated from several threads at once.
 */
#include "rules/expr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "rules/expr_ast.h"

#define EXPR_SRC_MAX   4096
#define EXPR_DEPTH_MAX 64
#define EXPR_KEY_MAX   200 /* the fact store's limit, facts_key_valid() */

/* ---- lexer ---- */

enum tok_kind { T_EOF, T_LPAREN, T_RPAREN, T_COMMA, T_OP, T_NUM, T_STR, T_WORD };

struct token {
	enum tok_kind kind;
	size_t off, len;
	enum cmp_op op; /* T_OP */
};

struct parser {
	struct expr *e;
	const char *src;
	size_t pos;       /* where the lexer continues */
	struct token tok; /* the current (lookahead) token */
	size_t prev_end;  /* end of the last token consumed */
	int depth;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_word_char(char c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '_' || c == '.';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * "column N: expected <what>, found '<src[off..off+len]>'" (len 0: end of
 * input). Bytes that would garble a one-line message are shown as \xNN.
 */
static int syntax_error(const struct parser *p, size_t off, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int syntax_error(const struct parser *p, size_t off, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = xvasprintf(fmt, ap);
	va_end(ap);
	if (len == 0) {
		err_set("column %zu: expected %s, found end of input", off + 1, what);
		free(what);
		return -1;
	}
	struct strbuf sb = STRBUF_INIT;
	size_t show = len > EXPR_SHOW_MAX ? EXPR_SHOW_MAX : len;
	for (size_t i = 0; i < show; i++) {
		unsigned char c = (unsigned char)p->src[off + i];
		if (c >= 0x20 && c < 0x7f)
			sb_addc(&sb, (char)c);
		else
			sb_printf(&sb, "\\x%02x", c);
	}
	if (show < len)
		sb_adds(&sb, "...");
	err_set("column %zu: expected %s, found '%s'", off + 1, what, sb.buf);
	sb_free(&sb);
	free(what);
	return -1;
}

/* Report the current token as not what was expected. */
#define tok_error(p, ...) syntax_error((p), (p)->tok.off, (p)->tok.len, __VA_ARGS__)

/* A string token: i is at the opening quote; only \" and \\ escape. */
static int lex_string(struct parser *p, size_t i)
{
	const char *s = p->src;
	size_t j = i + 1;
	for (;;) {
		if (s[j] == '\0')
			return err_set("column %zu: expected '\"' to end the string that starts at "
			               "column %zu, found end of input",
			               j + 1, i + 1);
		if (s[j] == '"')
			break;
		if (s[j] == '\\' && s[j + 1] != '\0') {
			if (s[j + 1] != '"' && s[j + 1] != '\\')
				return syntax_error(p, j, 2, "\\\" or \\\\ (the only escapes)");
			j += 2;
			continue;
		}
		j++;
	}
	p->tok.kind = T_STR;
	p->tok.len = j + 1 - i;
	return 0;
}

/*
 * Split a number token into its numeric part and unit: -?D+(.D+)?(ms|s|d)?
 * Returns false when the token is not that shape.
 */
static bool number_split(const char *s, size_t len, size_t *numlen, enum unit *unit)
{
	size_t k = 0;
	if (k < len && s[k] == '-')
		k++;
	size_t start = k;
	while (k < len && is_digit(s[k]))
		k++;
	if (k == start)
		return false;
	if (k < len && s[k] == '.') {
		size_t frac = ++k;
		while (k < len && is_digit(s[k]))
			k++;
		if (k == frac)
			return false;
	}
	*numlen = k;
	size_t rest = len - k;
	if (rest == 0)
		*unit = U_NONE;
	else if (rest == 2 && memcmp(s + k, "ms", 2) == 0)
		*unit = U_MS;
	else if (rest == 1 && s[k] == 's')
		*unit = U_S;
	else if (rest == 1 && s[k] == 'd')
		*unit = U_D;
	else
		return false;
	return true;
}

/* A key or keyword: lowercase dotted segments, checked here once. */
static int lex_word(struct parser *p, size_t i, size_t len)
{
	const char *s = p->src + i;
	if (len > EXPR_KEY_MAX)
		return syntax_error(p, i, len, "a fact key of at most %d bytes", EXPR_KEY_MAX);
	for (size_t k = 0; k < len; k++) {
		if (is_upper(s[k]))
			return syntax_error(p, i, len, "a lowercase fact key or keyword");
		if (s[k] == '.' && (k + 1 == len || s[k + 1] == '.'))
			return syntax_error(p, i, len,
			                    "a fact key of [a-z0-9_] segments joined by '.'");
	}
	p->tok.kind = T_WORD;
	p->tok.len = len;
	return 0;
}

/* Read the next token into p->tok. */
static int lex(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos;
	while (is_space(s[i]))
		i++;
	struct token *t = &p->tok;
	t->off = i;
	t->len = 1;
	char c = s[i];
	switch (c) {
	case '\0':
		t->kind = T_EOF;
		t->len = 0;
		break;
	case '(':
		t->kind = T_LPAREN;
		break;
	case ')':
		t->kind = T_RPAREN;
		break;
	case ',':
		t->kind = T_COMMA;
		break;
	case '=':
	case '!':
		if (s[i + 1] != '=')
			return syntax_error(p, i, 1, c == '=' ? "'=='" : "'!=' ('not' negates)");
		t->kind = T_OP;
		t->op = c == '=' ? OP_EQ : OP_NE;
		t->len = 2;
		break;
	case '<':
	case '>':
		t->kind = T_OP;
		if (s[i + 1] == '=') {
			t->op = c == '<' ? OP_LE : OP_GE;
			t->len = 2;
		} else {
			t->op = c == '<' ? OP_LT : OP_GT;
		}
		break;
	case '"':
		if (lex_string(p, i) < 0)
			return -1;
		break;
	case '&':
	case '|':
		if (s[i + 1] == c)
			return syntax_error(p, i, 2, c == '&' ? "'and'" : "'or'");
		return syntax_error(p, i, 1, "an operand or operator");
	default: {
		size_t j = i;
		if (c == '-')
			j++;
		while (is_word_char(s[j]))
			j++;
		if (is_digit(c) || (c == '-' && is_digit(s[i + 1]))) {
			size_t numlen;
			enum unit unit;
			if (!number_split(s + i, j - i, &numlen, &unit))
				return syntax_error(p, i, j - i,
				                    "a number such as 42, -1.5, 200ms, 2s or 30d");
			t->kind = T_NUM;
			t->len = j - i;
		} else if (is_lower(c) || is_upper(c) || c == '_') {
			if (lex_word(p, i, j - i) < 0)
				return -1;
		} else {
			return syntax_error(p, i, 1, "an operand or operator");
		}
		break;
	}
	}
	p->pos = t->off + t->len;
	return 0;
}

/* Consume the current token. */
static int advance(struct parser *p)
{
	p->prev_end = p->tok.off + p->tok.len;
	return lex(p);
}

static bool tok_is(const struct parser *p, const char *word)
{
	size_t n = strlen(word);
	return p->tok.kind == T_WORD && p->tok.len == n &&
	       memcmp(p->src + p->tok.off, word, n) == 0;
}

static bool tok_is_keyword(const struct parser *p)
{
	return tok_is(p, "true") || tok_is(p, "false") || tok_is(p, "and") || tok_is(p, "or") ||
	       tok_is(p, "not");
}

/* Is the current word a function name, i.e. followed by '('? */
static bool tok_before_paren(const struct parser *p)
{
	size_t i = p->tok.off + p->tok.len;
	while (is_space(p->src[i]))
		i++;
	return p->src[i] == '(';
}

/* ---- parser ---- */

static int node_new(struct parser *p, enum node_kind kind, size_t off)
{
	struct expr *e = p->e;
	struct node *n = ARRAY_PUSH(e->nodes, e->nnodes, e->capnodes);
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->off = off;
	n->kid = n->next = -1;
	return (int)(e->nnodes - 1);
}

/* The node's span ends with the last token consumed. */
static void node_end(struct parser *p, int idx)
{
	struct node *n = &p->e->nodes[idx];
	n->len = p->prev_end - n->off;
}

/* One more level of nesting at the current token. */
static int enter(struct parser *p)
{
	if (++p->depth > EXPR_DEPTH_MAX)
		return tok_error(p, "at most %d levels of nesting", EXPR_DEPTH_MAX);
	return 0;
}

static enum unit key_unit(const char *key)
{
	const char *seg = strrchr(key, '.');
	seg = seg ? seg + 1 : key;
	if (str_ends(seg, "_ms"))
		return U_MS;
	if (str_ends(seg, "_s") || str_ends(seg, "_sec") || str_ends(seg, "_seconds"))
		return U_S;
	if (str_ends(seg, "_d") || str_ends(seg, "_days") || strcmp(seg, "days") == 0 ||
	    str_starts(seg, "days_"))
		return U_D;
	return U_NONE;
}

static void add_key(struct expr *e, const char *key)
{
	for (size_t i = 0; i < e->nkeys; i++)
		if (strcmp(e->keys[i], key) == 0)
			return;
	*ARRAY_PUSH(e->keys, e->nkeys, e->capkeys) = key;
}

static int parse_or(struct parser *p);

/* The current word as a key node (N_KEY, or the argument of exists()). */
static int parse_key(struct parser *p, enum node_kind kind)
{
	int n = node_new(p, kind, p->tok.off);
	struct node *nd = &p->e->nodes[n];
	nd->text = xstrndup(p->src + p->tok.off, p->tok.len);
	nd->unit = key_unit(nd->text);
	add_key(p->e, nd->text);
	if (advance(p) < 0)
		return -1;
	node_end(p, n);
	return n;
}

static int parse_number(struct parser *p)
{
	size_t off = p->tok.off, len = p->tok.len, numlen;
	enum unit unit;
	number_split(p->src + off, len, &numlen, &unit);
	char *txt = xstrndup(p->src + off, numlen);
	bool is_int = !strchr(txt, '.');
	int64_t i = 0;
	double d;
	errno = 0;
	if (is_int) {
		long long v = strtoll(txt, NULL, 10);
		i = v;
		d = (double)v;
	} else {
		d = strtod(txt, NULL);
	}
	bool range = errno == ERANGE && (is_int || isinf(d));
	free(txt);
	if (range)
		return syntax_error(p, off, len, "a number within 64-bit range");
	int n = node_new(p, N_NUM, off);
	struct node *nd = &p->e->nodes[n];
	nd->is_int = is_int;
	nd->i = i;
	nd->d = d;
	nd->unit = unit;
	if (advance(p) < 0)
		return -1;
	node_end(p, n);
	return n;
}

static int parse_string(struct parser *p)
{
	const char *s = p->src + p->tok.off;
	struct strbuf sb = STRBUF_INIT;
	/* the lexer has checked the escapes; skip the quotes */
	for (size_t k = 1; k + 1 < p->tok.len; k++) {
		if (s[k] == '\\')
			k++;
		sb_addc(&sb, s[k]);
	}
	int n = node_new(p, N_STR, p->tok.off);
	p->e->nodes[n].text = sb_detach(&sb);
	if (advance(p) < 0)
		return -1;
	node_end(p, n);
	return n;
}

/* exists(key), contains(list, s), count(list); the current word is the name. */
static int parse_call(struct parser *p)
{
	size_t off = p->tok.off;
	enum node_kind kind;
	if (tok_is(p, "exists"))
		kind = N_EXISTS;
	else if (tok_is(p, "contains"))
		kind = N_CONTAINS;
	else if (tok_is(p, "count"))
		kind = N_COUNT;
	else
		return tok_error(p, "a function (exists, contains or count)");
	if (enter(p) < 0 || advance(p) < 0 || advance(p) < 0) /* the name, '(' */
		return -1;
	int n;
	if (kind == N_EXISTS) {
		if (p->tok.kind != T_WORD || tok_is_keyword(p) || tok_before_paren(p))
			return tok_error(p, "a fact key as the argument of exists()");
		n = parse_key(p, N_EXISTS);
		if (n < 0)
			return -1;
	} else {
		int arg = parse_or(p);
		if (arg < 0)
			return -1;
		if (kind == N_CONTAINS) {
			if (p->tok.kind != T_COMMA)
				return tok_error(p, "',' and the string contains() looks for");
			if (advance(p) < 0)
				return -1;
			int needle = parse_or(p);
			if (needle < 0)
				return -1;
			p->e->nodes[arg].next = needle;
		}
		n = node_new(p, kind, off);
		p->e->nodes[n].kid = arg;
	}
	if (p->tok.kind != T_RPAREN)
		return tok_error(p, "')'");
	p->depth--;
	if (advance(p) < 0)
		return -1;
	p->e->nodes[n].off = off;
	node_end(p, n);
	return n;
}

static int parse_primary(struct parser *p)
{
	switch (p->tok.kind) {
	case T_NUM:
		return parse_number(p);
	case T_STR:
		return parse_string(p);
	case T_LPAREN: {
		if (enter(p) < 0 || advance(p) < 0)
			return -1;
		int n = parse_or(p);
		if (n < 0)
			return -1;
		if (p->tok.kind != T_RPAREN)
			return tok_error(p, "')'");
		p->depth--;
		if (advance(p) < 0)
			return -1;
		return n;
	}
	case T_WORD:
		if (tok_is(p, "true") || tok_is(p, "false")) {
			int n = node_new(p, N_BOOL, p->tok.off);
			p->e->nodes[n].b = tok_is(p, "true");
			if (advance(p) < 0)
				return -1;
			node_end(p, n);
			return n;
		}
		if (tok_is_keyword(p))
			return tok_error(p, "an operand");
		if (tok_before_paren(p))
			return parse_call(p);
		return parse_key(p, N_KEY);
	default:
		return tok_error(p, "an operand");
	}
}

static int parse_cmp(struct parser *p)
{
	size_t off = p->tok.off;
	int lhs = parse_primary(p);
	if (lhs < 0 || p->tok.kind != T_OP)
		return lhs;
	enum cmp_op op = p->tok.op;
	size_t opoff = p->tok.off;
	if (advance(p) < 0)
		return -1;
	int rhs = parse_primary(p);
	if (rhs < 0)
		return -1;
	if (p->tok.kind == T_OP)
		return tok_error(p, "'and' or 'or' (comparisons do not chain)");
	int n = node_new(p, N_CMP, off);
	struct node *nd = &p->e->nodes[n];
	nd->op = op;
	nd->opoff = opoff;
	nd->kid = lhs;
	p->e->nodes[lhs].next = rhs;
	node_end(p, n);
	return n;
}

static int parse_not(struct parser *p)
{
	if (!tok_is(p, "not"))
		return parse_cmp(p);
	size_t off = p->tok.off;
	if (enter(p) < 0 || advance(p) < 0)
		return -1;
	int kid = parse_not(p);
	if (kid < 0)
		return -1;
	p->depth--;
	int n = node_new(p, N_NOT, off);
	p->e->nodes[n].kid = kid;
	node_end(p, n);
	return n;
}

/* sub ("kw" sub)* as one flat N_AND / N_OR node (or the lone operand). */
static int parse_list(struct parser *p, enum node_kind kind, const char *kw,
                      int (*sub)(struct parser *))
{
	size_t off = p->tok.off;
	int first = sub(p);
	if (first < 0 || !tok_is(p, kw))
		return first;
	int list = node_new(p, kind, off);
	p->e->nodes[list].kid = first;
	int last = first;
	while (tok_is(p, kw)) {
		if (advance(p) < 0)
			return -1;
		int next = sub(p);
		if (next < 0)
			return -1;
		p->e->nodes[last].next = next;
		last = next;
	}
	node_end(p, list);
	return list;
}

static int parse_and(struct parser *p)
{
	return parse_list(p, N_AND, "and", parse_not);
}

static int parse_or(struct parser *p)
{
	return parse_list(p, N_OR, "or", parse_and);
}

int expr_parse(struct expr **out, const char *src)
{
	*out = NULL;
	if (strnlen(src, EXPR_SRC_MAX + 1) > EXPR_SRC_MAX)
		return err_set("column %d: expected at most %d bytes of expression, found more",
		               EXPR_SRC_MAX + 1, EXPR_SRC_MAX);
	struct expr *e = xcalloc(1, sizeof(*e));
	e->src = xstrdup(src);
	struct parser p = {.e = e, .src = e->src};
	if (lex(&p) < 0)
		goto fail;
	if (p.tok.kind == T_EOF) {
		tok_error(&p, "an expression");
		goto fail;
	}
	e->root = parse_or(&p);
	if (e->root < 0)
		goto fail;
	if (p.tok.kind != T_EOF) {
		tok_error(&p, "'and', 'or' or end of input");
		goto fail;
	}
	*out = e;
	return 0;
fail:
	expr_free(e);
	return -1;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nnodes; i++)
		free(e->nodes[i].text);
	free(e->nodes);
	free(e->keys);
	free(e->src);
	free(e);
}

void expr_keys(const struct expr *e, void (*fn)(const char *key, void *ctx), void *ctx)
{
	for (size_t i = 0; i < e->nkeys; i++)
		fn(e->keys[i], ctx);
}
