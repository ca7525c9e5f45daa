/*
 * Exact merge of load facts from several shards of one run (DESIGN.md,
 * "Scale": `--shard i/N` on several machines, then `assay merge`). The
 * serialised histogram is what makes it exact: percentiles of shards
 * cannot be combined, their histograms add. See load.h.
 */
#include "lib/hist.h"
#include "probes/load/load.h"
#include "lib/err.h"

#include <stddef.h>
#include <string.h>

static int shard_int(int64_t *out, const struct facts *f, size_t i, const char *key, bool need)
{
	const struct fact_value *v = facts_get(f, key);
	if (!v) {
		*out = 0;
		return need ? err_set("load merge: shard %zu has no %s", i + 1, key) : 0;
	}
	if (v->type != FACT_INT || v->i < 0)
		return err_set("load merge: shard %zu: %s is not a count", i + 1, key);
	*out = v->i;
	return 0;
}

static int shard_double(double *out, const struct facts *f, size_t i, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	if (!v || (v->type != FACT_DOUBLE && v->type != FACT_INT))
		return err_set("load merge: shard %zu has no number %s", i + 1, key);
	*out = v->type == FACT_INT ? (double)v->i : v->d;
	return 0;
}

static const char *shard_string(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	return v && v->type == FACT_STRING ? v->s : NULL;
}

/* Add shard i's facts into s and c. */
static int merge_one(struct load_stats *s, struct load_cfg *c, const struct facts *f, size_t i)
{
	static const struct {
		const char *key;
		size_t off;
		bool need;
	} counts[] = {
	    {"load.sent", offsetof(struct load_stats, sent), true},
	    {"load.requests", offsetof(struct load_stats, responses), true},
	    {"load.errors.connect", offsetof(struct load_stats, errors_connect), true},
	    {"load.errors.read", offsetof(struct load_stats, errors_read), true},
	    {"load.errors.timeout", offsetof(struct load_stats, errors_timeout), true},
	    {"load.errors.parse", offsetof(struct load_stats, errors_parse), true},
	    {"load.unfinished", offsetof(struct load_stats, unfinished), true},
	    {"load.bytes", offsetof(struct load_stats, bytes), true},
	    {"load.connects", offsetof(struct load_stats, connects), true},
	    {"load.tls.resumed", offsetof(struct load_stats, tls_resumed), false},
	    {"load.status.2xx", offsetof(struct load_stats, status) + 2 * sizeof(uint64_t), true},
	    {"load.status.3xx", offsetof(struct load_stats, status) + 3 * sizeof(uint64_t), true},
	    {"load.status.4xx", offsetof(struct load_stats, status) + 4 * sizeof(uint64_t), true},
	    {"load.status.5xx", offsetof(struct load_stats, status) + 5 * sizeof(uint64_t), true},
	    {"load.status.429", offsetof(struct load_stats, status_429), false},
	    {"load.error_bodies.sampled", offsetof(struct load_stats, errbody_sampled), false},
	    {"load.error_bodies.pan", offsetof(struct load_stats, errbody_pan), false},
	    {"load.error_bodies.sad", offsetof(struct load_stats, errbody_sad), false},
	    {"load.error_bodies.stack_traces", offsetof(struct load_stats, errbody_stack), false},
	};
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		int64_t v;
		if (shard_int(&v, f, i, counts[k].key, counts[k].need) < 0)
			return -1;
		uint64_t *dst = (uint64_t *)(void *)((char *)s + counts[k].off);
		*dst += (uint64_t)v;
	}
	int64_t conns, threads;
	double window, rate;
	if (shard_int(&conns, f, i, "load.connections", true) < 0 ||
	    shard_int(&threads, f, i, "load.threads", true) < 0 ||
	    shard_double(&window, f, i, "load.duration_s") < 0 ||
	    shard_double(&rate, f, i, "load.rate.target") < 0)
		return -1;
	c->connections += (int)conns;
	c->threads += (int)threads;
	c->rate += rate;
	if (window > s->window_s)
		s->window_s = window;
	const char *proto = shard_string(f, "load.protocol");
	if (proto && strcmp(proto, "h2") == 0)
		s->h2_connects++;
	if (facts_get(f, "load.tls.resumed"))
		c->tls = true;
	const char *enc = shard_string(f, "load.histogram");
	if (!enc)
		return err_set("load merge: shard %zu has no load.histogram", i + 1);
	struct hist h;
	if (hist_decode(&h, enc) < 0)
		return err_prefix("load merge: shard %zu", i + 1);
	int rc = hist_add(&s->hist, &h);
	hist_free(&h);
	if (rc < 0)
		return err_prefix("load merge: shard %zu", i + 1);
	return 0;
}

int load_facts_merge(struct facts *out, const struct facts *const *in, size_t n)
{
	if (n == 0)
		return err_set("load merge: no shard");
	struct load_stats s;
	memset(&s, 0, sizeof(s));
	struct load_cfg c;
	memset(&c, 0, sizeof(c));
	if (hist_init(&s.hist, LOAD_HIST_HIGHEST_US, 3) < 0)
		return -1;
	const char *model = NULL;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *m = shard_string(in[i], "load.model");
		if (!m)
			rc = err_set("load merge: shard %zu has no load.model", i + 1);
		else if (model && strcmp(model, m) != 0)
			rc = err_set("load merge: shard %zu ran the %s model, shard 1 the %s one",
			             i + 1, m, model);
		else
			model = m;
		if (rc == 0)
			rc = merge_one(&s, &c, in[i], i);
	}
	if (rc == 0) {
		load_facts_add(out, &s, &c);
		/* the objectives are judged again on the whole run */
		const char *slo = shard_string(in[0], "load.slo");
		if (slo)
			rc = load_slo_judge(out, slo);
		/* and the throttling threshold, on the whole run's rate */
		const struct fact_value *th = facts_get(in[0], "load.throttle.threshold_rps");
		if (rc == 0 && th && (th->type == FACT_DOUBLE || th->type == FACT_INT))
			load_throttle_judge(out, th->type == FACT_DOUBLE ? th->d : (double)th->i);
	}
	hist_free(&s.hist);
	return rc;
}
