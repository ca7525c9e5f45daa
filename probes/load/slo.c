/*
 * Service-level objectives declared for a load target (`load.slo`, the
 * project's own targets, MAN-38's file in the catalog), judged on the
 * run's facts so that a rule can read one boolean (LOAD-01):
 *
 *   load.slo = p95 <= 300ms, p99 <= 1s, success >= 99.9%, rps >= 500
 *
 * Terms: pNN (50, 75, 90, 95, 99, 99.9, 99.99) or max, `<=` a duration;
 * success (the share of attempts that did not fail, 1 - load.error_rate)
 * `>=` a percentage; rps (responses per second) `>=` a number. Facts:
 * load.slo (the declaration as written), load.slo.met, load.slo.missed
 * (each missed term with what was measured). Merged shards are judged
 * again on the merged facts, so the verdict is the whole run's.
 */
#include "probes/load/load.h"
#include "lib/err.h"
#include "lib/util.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SLO_TERMS_MAX 16

struct term {
	char what[16];   /* "p95", "max", "success", "rps" */
	const char *key; /* the fact it reads */
	double bound;    /* ms, a fraction, or a rate */
	bool at_most;    /* <= (latency) or >= (success, rps) */
};

static const struct {
	const char *name, *key;
} latency[] = {
    {"p50", "load.latency.p50_ms"},      {"p75", "load.latency.p75_ms"},
    {"p90", "load.latency.p90_ms"},      {"p95", "load.latency.p95_ms"},
    {"p99", "load.latency.p99_ms"},      {"p99.9", "load.latency.p999_ms"},
    {"p99.99", "load.latency.p9999_ms"}, {"max", "load.latency.max_ms"},
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One "name op value" term; 0 or -1 with err_set(). */
static int parse_term(struct term *t, char *s)
{
	char *op = strstr(s, "<=");
	bool at_most = op != NULL;
	if (!op)
		op = strstr(s, ">=");
	if (!op)
		return err_set("'%s': expected NAME <= VALUE or NAME >= VALUE", s);
	*op = '\0';
	char *name = trim(s), *val = trim(op + 2);
	memset(t, 0, sizeof(*t));
	snprintf(t->what, sizeof(t->what), "%s", name);
	t->at_most = at_most;
	for (size_t i = 0; i < sizeof(latency) / sizeof(latency[0]); i++)
		if (strcmp(name, latency[i].name) == 0) {
			if (!at_most)
				return err_set("'%s': a latency takes <=", name);
			double sec;
			if (load_parse_duration(&sec, val) < 0 || sec <= 0)
				return err_set("'%s': expected a duration (300ms, 1s), found '%s'",
				               name, val);
			t->key = latency[i].key;
			t->bound = sec * 1000.0;
			return 0;
		}
	char *end;
	double v = strtod(val, &end);
	if (strcmp(name, "success") == 0) {
		if (at_most || end == val || strcmp(trim(end), "%") || !(v >= 0 && v <= 100))
			return err_set("'success': expected success >= PERCENT%%, found '%s'", val);
		t->key = "load.error_rate";
		t->bound = v / 100.0;
		return 0;
	}
	if (strcmp(name, "rps") == 0) {
		if (at_most || end == val || *trim(end) || !(v > 0 && isfinite(v)))
			return err_set("'rps': expected rps >= NUMBER, found '%s'", val);
		t->key = "load.rps";
		t->bound = v;
		return 0;
	}
	return err_set("'%s': expected p50, p75, p90, p95, p99, p99.9, p99.99, max, success or "
	               "rps",
	               name);
}

static int parse(const char *spec, struct term *terms, size_t *n)
{
	char *copy = xstrdup(spec), *save = NULL;
	*n = 0;
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
		if (*n == SLO_TERMS_MAX)
			rc = err_set("more than %d terms", SLO_TERMS_MAX);
		else
			rc = parse_term(&terms[(*n)++], t);
	}
	if (rc == 0 && *n == 0)
		rc = err_set("no term");
	free(copy);
	return rc;
}

int load_slo_check(const char *spec)
{
	struct term terms[SLO_TERMS_MAX];
	size_t n;
	return parse(spec, terms, &n);
}

static double num(const struct facts *f, const char *key, bool *ok)
{
	const struct fact_value *v = facts_get(f, key);
	*ok = v && (v->type == FACT_DOUBLE || v->type == FACT_INT);
	return !*ok ? 0 : v->type == FACT_DOUBLE ? v->d : (double)v->i;
}

int load_slo_judge(struct facts *f, const char *spec)
{
	struct term terms[SLO_TERMS_MAX];
	size_t n;
	if (parse(spec, terms, &n) < 0)
		return err_prefix("load.slo");
	char *missed[SLO_TERMS_MAX];
	size_t nm = 0;
	for (size_t i = 0; i < n; i++) {
		const struct term *t = &terms[i];
		bool ok;
		double v = num(f, t->key, &ok);
		if (!ok)
			return err_set("load.slo: no %s to judge '%s' by", t->key, t->what);
		if (strcmp(t->what, "success") == 0) {
			double success = 1.0 - v;
			if (success < t->bound)
				missed[nm++] = xasprintf("success >= %g%% (was %.3f%%)",
				                         t->bound * 100, success * 100);
		} else if (t->at_most ? v > t->bound : v < t->bound) {
			missed[nm++] =
			    t->at_most
			        ? xasprintf("%s <= %g ms (was %.3f ms)", t->what, t->bound, v)
			        : xasprintf("%s >= %g (was %.2f)", t->what, t->bound, v);
		}
	}
	facts_add_string(f, "load.slo", spec);
	facts_add_bool(f, "load.slo.met", nm == 0);
	facts_add_list(f, "load.slo.missed", (const char *const *)missed, nm);
	for (size_t i = 0; i < nm; i++)
		free(missed[i]);
	return 0;
}

/*
 * LOAD-04 / J92-42: a declared throttling threshold (`load.throttle = 50`,
 * requests/s). The run tests it only when the offered rate was above it
 * (by 10 %); then it held when the target answered 429 and its successful
 * answers stayed within 20 % of the threshold, over all the run's
 * connections together (parallel sessions do not get around it).
 */
int load_throttle_parse(double *out, const char *spec)
{
	char *end;
	double v = strtod(spec, &end);
	if (end == spec || !isfinite(v) || v <= 0 || (*end && strcmp(end, "/s") != 0))
		return err_set("expected requests per second, such as 50 or 50/s");
	*out = v;
	return 0;
}

static double fact_num(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	if (!v)
		return 0;
	return v->type == FACT_INT ? (double)v->i : v->type == FACT_DOUBLE ? v->d : 0;
}

void load_throttle_judge(struct facts *f, double threshold)
{
	double offered = fact_num(f, "load.rate.achieved");
	double window = fact_num(f, "load.duration_s");
	double ok = fact_num(f, "load.status.2xx"), n429 = fact_num(f, "load.status.429");
	facts_add_double(f, "load.throttle.threshold_rps", threshold);
	bool tested = offered > threshold * 1.1 && window > 0;
	facts_add_bool(f, "load.throttle.tested", tested);
	if (!tested)
		return;
	double ok_rps = ok / window;
	facts_add_double(f, "load.throttle.ok_rps", round(ok_rps * 100.0) / 100.0);
	facts_add_bool(f, "load.throttle.held", n429 > 0 && ok_rps <= threshold * 1.2);
}
