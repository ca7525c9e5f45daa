/*
 * Plan parsing with inih (docs/plan.md). inih calls us once per key; we
 * feed it lines through our own reader so that every error can name the
 * line it is on, and we keep the first error only: the rest of the file
 * is still read so a later, unrelated crash cannot hide it, but one clear
 * message is what a user needs.
 */
#include "harness/plan.h"
#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX_TARGETS 100000
#define PLAN_MAX_INPUTS  10000

struct parse_state {
	struct plan *p;
	FILE *f;
	int line;
	char first_err[1024];
	int err_line;
	/* The section being filled. */
	enum { SEC_NONE, SEC_ASSESSMENT, SEC_TARGET, SEC_ATTEST, SEC_WAIVE } sec;
	char cursec[256];
	int sec_line;
	bool sec_seen_assessment;
	bool timeout_seen;
};

static void perr(struct parse_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void perr(struct parse_state *st, const char *fmt, ...)
{
	if (st->first_err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->first_err, sizeof(st->first_err), fmt, ap);
	va_end(ap);
	st->err_line = st->line;
}

static int start_section(struct parse_state *st, const char *section);

/* inih reader: one physical line per call, counted; over-long lines are errors. */
static char *plan_reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	if (!fgets(str, num, st->f))
		return NULL;
	st->line++;
	size_t n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->f)) {
		perr(st, "line longer than %d characters (put long commands in a script)", num - 2);
		int c;
		while ((c = fgetc(st->f)) != EOF && c != '\n')
			;
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	/* Sections are opened here, where the line number is known, so that
	 * an empty [target x] is still seen and checked. */
	char *b = str;
	while (*b == ' ' || *b == '\t')
		b++;
	if (*b == '[' && b != str) {
		/* inih would read it as the continuation of the key above. */
		perr(st, "indented section header: start [%.*s at the beginning of the line",
		     (int)strcspn(b + 1, "]\n"), b + 1);
		return str;
	}
	if (*b != '[' && *b != ';' && *b != '#' && strchr(b, '=')) {
		/* inih ends a value at " ;" (an inline comment); say so, since a
		 * shell command cut there would run something else. */
		const char *eq = strchr(b, '=');
		const char *c = strstr(eq, " ;");
		if (!c)
			c = strstr(eq, "\t;");
		if (c)
			fprintf(stderr,
			        "%s:%d: warning: ' ;' starts a comment, the rest of the line is "
			        "ignored (put commands with ';' in a script)\n",
			        st->p->file, st->line);
	}
	if (*b == '[' && !st->first_err[0]) {
		char *e = strchr(b, ']');
		if (e) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(e - b - 1), b + 1);
			str_trim(name);
			start_section(st, name);
		}
	}
	return str;
}

int parse_duration(double *out, const char *s)
{
	/* Plain decimals only: strtod would also take inf, nan, 1e3 and 0x10. */
	size_t n = strspn(s, "0123456789.");
	if (n == 0 || n > 12 || strchr(s, '.') != strrchr(s, '.'))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end != s + n || errno || !isfinite(v) || v < 0)
		return -1;
	double mul = 1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1;
	else if (strcmp(end, "ms") == 0)
		mul = 0.001;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else
		return -1;
	if (v * mul > 7 * 86400.0)
		return -1;
	*out = v * mul;
	return 0;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("._:-@/", *s)))
			return false;
	return true;
}

static bool valid_rule_id(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("._-", *s)))
			return false;
	return true;
}

/* Split "a, b c" into a list, each item once. */
static void split_list(char ***out, size_t *n, const char *v)
{
	char *copy = xstrdup(v), *save = NULL;
	size_t cap = *n;
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		bool dup = false;
		for (size_t i = 0; i < *n; i++)
			dup |= strcmp((*out)[i], tok) == 0;
		if (!dup)
			*ARRAY_PUSH(*out, *n, cap) = xstrdup(tok);
	}
	free(copy);
}

static int start_section(struct parse_state *st, const char *section)
{
	struct plan *p = st->p;
	snprintf(st->cursec, sizeof(st->cursec), "%s", section);
	st->sec_line = st->line;
	char kind[256] = "", arg[256] = "";
	const char *sp = strchr(section, ' ');
	if (sp) {
		snprintf(kind, sizeof(kind), "%.*s", (int)(sp - section), section);
		snprintf(arg, sizeof(arg), "%s", sp + 1);
		str_trim(arg);
	} else {
		snprintf(kind, sizeof(kind), "%s", section);
	}
	if (strcmp(kind, "assessment") == 0 && !sp) {
		if (st->sec_seen_assessment) {
			perr(st, "[assessment] appears twice");
			return 0;
		}
		st->sec_seen_assessment = true;
		st->sec = SEC_ASSESSMENT;
	} else if (strcmp(kind, "target") == 0) {
		if (!valid_name(arg)) {
			perr(st, "[target %s]: a target needs a name of letters, digits and ._:-@/",
			     arg);
			return 0;
		}
		for (size_t i = 0; i < p->ntargets; i++)
			if (strcmp(p->targets[i].name, arg) == 0) {
				perr(st, "[target %s] is defined twice (first at line %d)", arg,
				     p->targets[i].line);
				return 0;
			}
		if (p->ntargets >= PLAN_MAX_TARGETS) {
			perr(st, "more than %d targets", PLAN_MAX_TARGETS);
			return 0;
		}
		struct plan_target *t = ARRAY_PUSH(p->targets, p->ntargets, p->captargets);
		memset(t, 0, sizeof(*t));
		t->name = xstrdup(arg);
		t->line = st->line;
		st->sec = SEC_TARGET;
	} else if (strcmp(kind, "attest") == 0 || strcmp(kind, "waive") == 0) {
		if (!valid_rule_id(arg)) {
			perr(st, "[%s]: expected a rule id, e.g. [%s UPD-10]", section, kind);
			return 0;
		}
		if (kind[0] == 'a') {
			struct attestation *a = ARRAY_PUSH(p->attests, p->nattests, p->capattests);
			memset(a, 0, sizeof(*a));
			a->rule = xstrdup(arg);
			p->attest_lines = xrealloc(p->attest_lines, p->capattests * sizeof(int));
			p->attest_lines[p->nattests - 1] = st->line;
			st->sec = SEC_ATTEST;
		} else {
			struct waiver *w = ARRAY_PUSH(p->waivers, p->nwaivers, p->capwaivers);
			memset(w, 0, sizeof(*w));
			w->rule = xstrdup(arg);
			p->waiver_lines = xrealloc(p->waiver_lines, p->capwaivers * sizeof(int));
			p->waiver_lines[p->nwaivers - 1] = st->line;
			st->sec = SEC_WAIVE;
		}
	} else {
		perr(st,
		     "unknown section [%s] (expected [assessment], [target NAME], "
		     "[attest RULE-ID] or [waive RULE-ID])",
		     section);
		st->sec = SEC_NONE;
		return 0;
	}
	return 1;
}

static int set_once(struct parse_state *st, char **slot, const char *name, const char *value)
{
	if (*slot) {
		perr(st, "'%s' is set twice in [%s]", name, st->cursec);
		return 0;
	}
	*slot = xstrdup(value);
	return 1;
}

static int key_assessment(struct parse_state *st, const char *name, const char *value)
{
	struct plan *p = st->p;
	if (strcmp(name, "name") == 0)
		return set_once(st, &p->name, name, value);
	if (strcmp(name, "description") == 0)
		return set_once(st, &p->description, name, value);
	if (strcmp(name, "rules") == 0) {
		split_list(&p->rulesets, &p->nrulesets, value);
		p->rules_line = st->line;
		return 1;
	}
	if (strcmp(name, "profiles") == 0) {
		char *copy = xstrdup(value), *save = NULL;
		for (char *tok = strtok_r(copy, ", \t", &save); tok;
		     tok = strtok_r(NULL, ", \t", &save)) {
			if (strcmp(tok, "gm") != 0) {
				perr(st, "profiles: unknown profile '%s' (known: gm)", tok);
				free(copy);
				return 0;
			}
			p->profiles |= PROFILE_GM;
		}
		free(copy);
		return 1;
	}
	if (strcmp(name, "fail-on") == 0 || strcmp(name, "fail_on") == 0) {
		if (p->fail_on_set) {
			perr(st, "'fail-on' is set twice in [assessment]");
			return 0;
		}
		if (severity_parse(&p->fail_on, value) < 0) {
			perr(st,
			     "fail-on: expected critical, high, medium, low or info, found '%s'",
			     value);
			return 0;
		}
		p->fail_on_set = true;
		return 1;
	}
	if (strcmp(name, "timeout") == 0) {
		if (st->timeout_seen) {
			perr(st, "'timeout' is set twice in [assessment]");
			return 0;
		}
		st->timeout_seen = true;
		if (parse_duration(&p->timeout_s, value) < 0 || p->timeout_s <= 0) {
			perr(st, "timeout: expected a duration such as 120, 30s or 2m, found '%s'",
			     value);
			return 0;
		}
		return 1;
	}
	perr(st,
	     "unknown key '%s' in [assessment] (expected name, description, rules, profiles, "
	     "fail-on, timeout)",
	     name);
	return 0;
}

static int key_target(struct parse_state *st, const char *name, const char *value)
{
	struct plan_target *t = &st->p->targets[st->p->ntargets - 1];
	if (strcmp(name, "timeout") == 0) {
		if (t->timeout_s > 0) {
			perr(st, "'timeout' is set twice in [target %s]", t->name);
			return 0;
		}
		if (parse_duration(&t->timeout_s, value) < 0 || t->timeout_s <= 0) {
			perr(st, "timeout: expected a duration such as 120, 30s or 2m, found '%s'",
			     value);
			return 0;
		}
		return 1;
	}
	if (strcmp(name, "description") == 0)
		return set_once(st, &t->description, name, value);
	if (strcmp(name, "zone") == 0) {
		if (strcmp(value, "internet") != 0 && strcmp(value, "internal") != 0) {
			perr(st, "zone: expected internet or internal, found '%s'", value);
			return 0;
		}
		return set_once(st, &t->zone, name, value);
	}
	const char *dot = strchr(name, '.');
	char key[64];
	snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
	const struct probe *pr = probe_for_key(key);
	if (!pr) {
		char known[512] = "";
		for (size_t i = 0; probe_registry[i]; i++) {
			const struct probe *q = probe_registry[i];
			for (size_t k = 0; q->keys && q->keys[k]; k++) {
				size_t l = strlen(known);
				snprintf(known + l, sizeof(known) - l, "%s%s", l ? ", " : "",
				         q->keys[k]);
			}
		}
		perr(st,
		     "unknown key '%s' in [target %s]: no probe takes '%s' (known: %s, "
		     "timeout, description, zone)",
		     name, t->name, key, known);
		return 0;
	}
	if (dot) {
		if (!probe_accepts_option(pr, dot + 1)) {
			perr(st, "unknown key '%s' in [target %s]: the %s probe has no option '%s'",
			     name, t->name, pr->name, dot + 1);
			return 0;
		}
		struct target_option *o = ARRAY_PUSH(t->options, t->noptions, t->capoptions);
		o->name = xstrdup(name);
		o->value = xstrdup(value);
		return 1;
	}
	if (!*value) {
		perr(st, "'%s' in [target %s] needs a value", name, t->name);
		return 0;
	}
	if (t->ninputs >= PLAN_MAX_INPUTS) {
		perr(st, "more than %d inputs in [target %s]", PLAN_MAX_INPUTS, t->name);
		return 0;
	}
	struct target_input *in = ARRAY_PUSH(t->inputs, t->ninputs, t->capinputs);
	in->key = xstrdup(key);
	in->value = xstrdup(value);
	t->input_lines = xrealloc(t->input_lines, t->capinputs * sizeof(int));
	t->input_lines[t->ninputs - 1] = st->line;
	return 1;
}

static int key_date(struct parse_state *st, char **slot, const char *name, const char *value)
{
	long d;
	if (date_parse(&d, value) < 0) {
		perr(st, "%s: expected a date YYYY-MM-DD, found '%s'", name, value);
		return 0;
	}
	return set_once(st, slot, name, value);
}

static int key_attest(struct parse_state *st, const char *name, const char *value)
{
	struct attestation *a = &st->p->attests[st->p->nattests - 1];
	if (strcmp(name, "status") == 0) {
		if (strcmp(value, "pass") && strcmp(value, "fail") &&
		    strcmp(value, "not-applicable")) {
			perr(st, "status: expected pass, fail or not-applicable, found '%s'",
			     value);
			return 0;
		}
		return set_once(st, &a->status, name, value);
	}
	if (strcmp(name, "evidence") == 0)
		return set_once(st, &a->evidence, name, value);
	if (strcmp(name, "by") == 0)
		return set_once(st, &a->by, name, value);
	if (strcmp(name, "date") == 0)
		return key_date(st, &a->date, name, value);
	perr(st, "unknown key '%s' in [attest %s] (expected status, evidence, by, date)", name,
	     a->rule);
	return 0;
}

static int key_waive(struct parse_state *st, const char *name, const char *value)
{
	struct waiver *w = &st->p->waivers[st->p->nwaivers - 1];
	if (strcmp(name, "target") == 0)
		return set_once(st, &w->target, name, value);
	if (strcmp(name, "reason") == 0)
		return set_once(st, &w->reason, name, value);
	if (strcmp(name, "by") == 0)
		return set_once(st, &w->by, name, value);
	if (strcmp(name, "until") == 0)
		return key_date(st, &w->until, name, value);
	perr(st, "unknown key '%s' in [waive %s] (expected target, reason, by, until)", name,
	     w->rule);
	return 0;
}

static int plan_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	(void)section;
	if (st->first_err[0])
		return 1; /* keep only the first error */
	switch (st->sec) {
	case SEC_ASSESSMENT:
		return key_assessment(st, name, value);
	case SEC_TARGET:
		return key_target(st, name, value);
	case SEC_ATTEST:
		return key_attest(st, name, value);
	case SEC_WAIVE:
		return key_waive(st, name, value);
	case SEC_NONE:
		perr(st, "'%s' outside any section (start with [assessment])", name);
		return 0;
	}
	return 0;
}

/* What can only be judged once the whole file is read. */
static int plan_check(const struct plan *p)
{
	for (size_t i = 0; i < p->ntargets; i++)
		if (p->targets[i].ninputs == 0)
			return err_set("%s:%d: [target %s] selects no probe (add a line such as "
			               "'exec = ./check.sh')",
			               p->file, p->targets[i].line, p->targets[i].name);
	for (size_t i = 0; i < p->nattests; i++) {
		const struct attestation *a = &p->attests[i];
		const char *miss = !a->status     ? "status"
		                   : !a->by       ? "by"
		                   : !a->date     ? "date"
		                   : !a->evidence ? "evidence"
		                                  : NULL;
		if (miss)
			return err_set("%s:%d: [attest %s] needs '%s'", p->file, p->attest_lines[i],
			               a->rule, miss);
	}
	for (size_t i = 0; i < p->nwaivers; i++) {
		const struct waiver *w = &p->waivers[i];
		const char *miss = !w->reason  ? "reason"
		                   : !w->by    ? "by"
		                   : !w->until ? "until"
		                               : NULL;
		if (miss)
			return err_set("%s:%d: [waive %s] needs '%s'", p->file, p->waiver_lines[i],
			               w->rule, miss);
		if (w->target) {
			bool found = false;
			for (size_t k = 0; k < p->ntargets; k++)
				found |= strcmp(p->targets[k].name, w->target) == 0;
			if (!found)
				return err_set(
				    "%s:%d: [waive %s]: no target named '%s' in this plan", p->file,
				    p->waiver_lines[i], w->rule, w->target);
		}
	}
	return 0;
}

int plan_load_stream(struct plan *p, FILE *f, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->fail_on = SEV_HIGH;
	p->timeout_s = PLAN_DEFAULT_TIMEOUT_S;
	p->file = xstrdup(path);
	struct parse_state st = {.p = p, .f = f};
	int rc = ini_parse_stream(plan_reader, &st, plan_handler, &st);
	/* inih returns the first line it or our handler refused; a syntax error
	 * before our first error is the one to report. */
	if (rc > 0 && (!st.first_err[0] || rc < st.err_line))
		return err_set("%s:%d: syntax error (expected [section] or key = value)", path, rc);
	if (st.first_err[0])
		return err_set("%s:%d: %s", path, st.err_line, st.first_err);
	if (rc < 0)
		return err_set("%s: cannot read", path);
	if (!st.sec_seen_assessment)
		return err_set("%s:1: no [assessment] section", path);
	if (!p->name) {
		const char *b = strrchr(path, '/');
		p->name = xstrdup(b ? b + 1 : path);
	}
	return plan_check(p);
}

int plan_load(struct plan *p, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		memset(p, 0, sizeof(*p));
		return err_set("%s: cannot open: %s", path, strerror(errno));
	}
	int rc = plan_load_stream(p, f, path);
	fclose(f);
	char hex[65];
	if (rc == 0 && sha256_file_hex(hex, path) == 0)
		p->sha256 = xstrdup(hex);
	return rc;
}

/*
 * "jrt0092:enhanced" -> id "jrt0092" at LEVEL_ENHANCED; a bare id is the
 * baseline. An id named twice is judged once, at the higher level.
 */
static int split_levels(struct plan *p)
{
	p->rulelevels = xcalloc(p->nrulesets + 1, sizeof(int));
	size_t n = 0;
	for (size_t i = 0; i < p->nrulesets; i++) {
		char *id = p->rulesets[i];
		char *colon = strchr(id, ':');
		int level = LEVEL_BASELINE;
		if (colon) {
			*colon = '\0';
			if (strcmp(colon + 1, "enhanced") == 0)
				level = LEVEL_ENHANCED;
			else if (strcmp(colon + 1, "baseline") != 0)
				return err_set(
				    "%s:%d: rules: unknown level '%s' for '%s' (expected "
				    "baseline or enhanced)",
				    p->file, p->rules_line, colon + 1, id);
		}
		size_t k = 0;
		while (k < n && strcmp(p->rulesets[k], id) != 0)
			k++;
		if (k < n) {
			if (level > p->rulelevels[k])
				p->rulelevels[k] = level;
			free(id);
			continue;
		}
		p->rulesets[n] = id;
		p->rulelevels[n++] = level;
	}
	p->nrulesets = n;
	return 0;
}

int plan_check_rules(struct plan *p, const struct rulebook *b)
{
	if (!p->rulelevels && split_levels(p) < 0)
		return -1;
	for (size_t i = 0; i < p->nrulesets; i++)
		if (!rulebook_find(b, p->rulesets[i]))
			return err_set("%s:%d: rules: no rule set '%s' (see `assay rules list`)",
			               p->file, p->rules_line, p->rulesets[i]);
	for (size_t i = 0; i < p->nattests; i++) {
		const struct rule *r = rulebook_find_rule(b, p->attests[i].rule, NULL);
		if (!r)
			return err_set("%s:%d: [attest %s]: no such rule", p->file,
			               p->attest_lines[i], p->attests[i].rule);
		if (!r->manual)
			return err_set("%s:%d: [attest %s]: the rule is automated; attest manual "
			               "rules, waive automated ones",
			               p->file, p->attest_lines[i], p->attests[i].rule);
	}
	for (size_t i = 0; i < p->nwaivers; i++) {
		const struct rule *r = rulebook_find_rule(b, p->waivers[i].rule, NULL);
		if (!r)
			return err_set("%s:%d: [waive %s]: no such rule", p->file,
			               p->waiver_lines[i], p->waivers[i].rule);
		if (r->manual)
			return err_set("%s:%d: [waive %s]: the rule is manual; attest it instead",
			               p->file, p->waiver_lines[i], p->waivers[i].rule);
	}
	return 0;
}

void plan_free(struct plan *p)
{
	free(p->file);
	free(p->sha256);
	free(p->name);
	free(p->description);
	for (size_t i = 0; i < p->nrulesets; i++)
		free(p->rulesets[i]);
	free(p->rulesets);
	free(p->rulelevels);
	for (size_t i = 0; i < p->ntargets; i++) {
		struct plan_target *t = &p->targets[i];
		free(t->name);
		free(t->description);
		free(t->zone);
		for (size_t k = 0; k < t->ninputs; k++) {
			free((char *)t->inputs[k].key);
			free((char *)t->inputs[k].value);
		}
		free(t->inputs);
		free(t->input_lines);
		for (size_t k = 0; k < t->noptions; k++) {
			free((char *)t->options[k].name);
			free((char *)t->options[k].value);
		}
		free(t->options);
	}
	free(p->targets);
	for (size_t i = 0; i < p->nwaivers; i++)
		waiver_free(&p->waivers[i]);
	free(p->waivers);
	free(p->waiver_lines);
	for (size_t i = 0; i < p->nattests; i++)
		attestation_free(&p->attests[i]);
	free(p->attests);
	free(p->attest_lines);
	memset(p, 0, sizeof(*p));
}
