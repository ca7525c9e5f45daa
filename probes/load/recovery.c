/*
 * LOAD-05: recovery after overload. With `load.recovery = X` (the
 * operator's recovery objective, e.g. 2m) and `load.overload = R` (req/s),
 * after the measured run the probe
 *
 *   1. overloads the target at R req/s for `load.overload_duration`
 *      (default: load.duration), with the run's connections and request;
 *   2. from the end of that sending, runs consecutive windows of
 *      `load.recovery_window` (default 5 s) at the run's own rate and model,
 *      judging `load.slo` on each window alone;
 *   3. stops at the first window that meets the SLO, or when the next window
 *      would start after X.
 *
 * The recovery time is from the end of the overload's sending to the end
 * of the first window that met the SLO: it includes the overload's drain
 * (requests still in flight get request_timeout) and a window's length, so
 * it errs long, never short. Recovered means that time is at most X.
 * Every phase is bounded by time and by the probe's deadline, which must
 * have room for all of it or the test is not run (an error says how much
 * it needs).
 *
 * A service is likeliest to give itself away when it is overloaded: the
 * error bodies of the overload and of the windows are sampled and scanned
 * for LOAD-03 as the measured run's are (load.recovery.error_bodies.*,
 * added into load.error_bodies.*).
 */
#include "probes/load/load.h"
#include "lib/err.h"
#include "lib/util.h"
#include "probes/probe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECOVERY_MAX_S    3600.0 /* an objective over an hour is a typo */
#define RECOVERY_WINDOWS  1000   /* bound on windows, whatever the durations */
#define WINDOW_DEFAULT_S  5.0
#define OVERLOAD_MAX_RATE 1e7

int load_recovery_parse(struct load_recovery *r, const struct target *t, double duration_s,
                        double rate)
{
	const char *x = target_option(t, "load.recovery");
	const char *ov = target_option(t, "load.overload");
	const char *od = target_option(t, "load.overload_duration");
	const char *w = target_option(t, "load.recovery_window");
	memset(r, 0, sizeof(*r));
	if (!x) {
		if (ov || od || w)
			return err_set("load.overload, load.overload_duration and "
			               "load.recovery_window need load.recovery (the objective, "
			               "e.g. 2m)");
		return 0;
	}
	if (load_parse_duration(&r->objective_s, x) < 0 || r->objective_s <= 0 ||
	    r->objective_s > RECOVERY_MAX_S)
		return err_set("load.recovery = '%.40s': expected a duration up to 1h (2m, 90s)",
		               x);
	if (!ov)
		return err_set("load.recovery needs load.overload: the rate (req/s) that "
		               "overloads the target");
	char *end;
	r->overload_rps = strtod(ov, &end);
	if (end == ov || (*end && strcmp(end, "/s") != 0) || !isfinite(r->overload_rps) ||
	    r->overload_rps <= 0 || r->overload_rps > OVERLOAD_MAX_RATE)
		return err_set("load.overload = '%.40s': expected requests per second (2000 or "
		               "2000/s)",
		               ov);
	if (rate > 0 && r->overload_rps <= rate)
		return err_set("load.overload = %g/s is not above load.rate = %g/s",
		               r->overload_rps, rate);
	r->overload_s = duration_s;
	if (od && (load_parse_duration(&r->overload_s, od) < 0 || r->overload_s <= 0 ||
	           r->overload_s > RECOVERY_MAX_S))
		return err_set("load.overload_duration = '%.40s': expected a duration up to 1h",
		               od);
	r->window_s = WINDOW_DEFAULT_S < r->objective_s ? WINDOW_DEFAULT_S : r->objective_s;
	if (w && (load_parse_duration(&r->window_s, w) < 0 || r->window_s < 0.2 ||
	          r->window_s > r->objective_s))
		return err_set("load.recovery_window = '%.40s': expected a duration from 200ms up "
		               "to load.recovery",
		               w);
	r->on = true;
	return 0;
}

double load_recovery_need_s(const struct load_recovery *r, double request_timeout_s)
{
	if (!r->on)
		return 0;
	/* the overload and its drain, then windows up to X, the last one's drain */
	return r->overload_s + request_timeout_s + r->objective_s + r->window_s + request_timeout_s;
}

/* Judge slo on one phase's stats alone: 1 met, 0 missed, -1 with err_set(). */
static int phase_met(struct load_stats *st, const struct load_cfg *c, const char *slo)
{
	struct facts tmp;
	facts_init(&tmp);
	load_facts_add(&tmp, st, c);
	int rc = load_slo_judge(&tmp, slo);
	if (rc == 0) {
		const struct fact_value *v = facts_get(&tmp, "load.slo.met");
		rc = v && v->type == FACT_BOOL && v->b;
	}
	facts_free(&tmp);
	return rc;
}

/* What the phases' error bodies held, over all of them. */
struct errbody_tally {
	struct facts *f;
	struct load_errbody_cap *cap;
	uint64_t sampled, pan, sad, stack;
};

/* One bounded engine run; its error bodies are scanned (as sampled `when`), then freed. */
static int phase_run(struct load_stats *st, const struct load_cfg *c, const char *when,
                     struct errbody_tally *t)
{
	int rc = load_run(st, c);
	load_errbody_scan(t->f, st, when, t->cap);
	t->sampled += st->errbody_sampled;
	t->pan += st->errbody_pan;
	t->sad += st->errbody_sad;
	t->stack += st->errbody_stack;
	free(st->errbody);
	st->errbody = NULL;
	return rc;
}

static void add_into(struct facts *f, const char *key, uint64_t n)
{
	const struct fact_value *v = facts_get(f, key);
	int64_t was = v && v->type == FACT_INT ? v->i : 0;
	facts_add_int(f, key, was + (int64_t)n);
}

static void tally_facts(const struct errbody_tally *t)
{
	static const char *const keys[] = {"sampled", "pan", "sad", "stack_traces"};
	const uint64_t n[] = {t->sampled, t->pan, t->sad, t->stack};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char key[64];
		snprintf(key, sizeof(key), "load.recovery.error_bodies.%s", keys[i]);
		facts_add_int(t->f, key, (int64_t)n[i]);
		snprintf(key, sizeof(key), "load.error_bodies.%s", keys[i]);
		add_into(t->f, key, n[i]);
	}
}

void load_recovery_run(struct facts *f, const struct load_cfg *base, const struct load_recovery *r,
                       const char *slo, struct load_errbody_cap *cap)
{
	facts_add_double(f, "load.recovery.objective_s", r->objective_s);
	facts_add_double(f, "load.recovery.window_s", r->window_s);
	facts_add_double(f, "load.recovery.overload_target_rps", r->overload_rps);
	double need_ms = load_recovery_need_s(r, base->request_timeout_s) * 1000.0;
	if (time_mono_ms() + need_ms > base->hard_end_ms) {
		facts_add_bool(f, "load.recovery.tested", false);
		facts_error(
		    f,
		    "load.recovery: the overload and recovery windows need %.0f s after the "
		    "run and the target's timeout leaves less; raise timeout",
		    ceil(need_ms / 1000.0));
		return;
	}

	struct load_cfg c = *base;
	c.warmup_s = 0;
	c.max_requests = 0;
	c.rate = r->overload_rps;
	c.duration_s = r->overload_s;
	struct load_stats st;
	struct errbody_tally tally = {.f = f, .cap = cap};
	double t_over = time_mono_ms();
	int rc = phase_run(&st, &c, "during the overload", &tally);
	/* sending stops at the duration, or earlier at the deadline: the smaller */
	double sent_end = t_over + st.window_s * 1000.0;
	if (rc < 0) {
		facts_add_bool(f, "load.recovery.tested", false);
		facts_error(f, "load.recovery: overload run: %s", err_msg());
		hist_free(&st.hist);
		tally_facts(&tally);
		return;
	}
	double win = st.window_s > 0 ? st.window_s : 1e-9;
	facts_add_double(f, "load.recovery.overload_rps", round((double)st.sent / win * 100) / 100);
	int met = phase_met(&st, &c, slo);
	hist_free(&st.hist);
	if (met < 0) {
		facts_add_bool(f, "load.recovery.tested", false);
		facts_error(f, "load.recovery: %s", err_msg());
		tally_facts(&tally);
		return;
	}
	/* whether the overload broke the SLO at all: if not, recovery is trivial */
	facts_add_bool(f, "load.recovery.overload_slo_met", met == 1);

	c = *base;
	c.warmup_s = 0;
	c.max_requests = 0;
	c.duration_s = r->window_s;
	double x_ms = r->objective_s * 1000.0;
	int n = 0;
	double took_ms = -1;
	while (n < RECOVERY_WINDOWS && time_mono_ms() - sent_end < x_ms) {
		rc = phase_run(&st, &c, "while recovering from the overload", &tally);
		double now = time_mono_ms();
		n++;
		met = rc == 0 ? phase_met(&st, &c, slo) : 0;
		hist_free(&st.hist);
		if (met < 0) {
			facts_error(f, "load.recovery: %s", err_msg());
			break;
		}
		if (met == 1) {
			took_ms = now - sent_end;
			break;
		}
	}
	tally_facts(&tally);
	facts_add_bool(f, "load.recovery.tested", true);
	facts_add_int(f, "load.recovery.windows", n);
	if (took_ms >= 0)
		facts_add_double(f, "load.recovery.s", round(took_ms) / 1000.0);
	facts_add_bool(f, "load.recovery.recovered", took_ms >= 0 && took_ms <= x_ms);
}
