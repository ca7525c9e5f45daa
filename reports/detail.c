/* The per-probe detail of the HTML and PDF reports; see detail.h. */
#include "reports/detail.h"
#include "lib/hist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A round number (1, 2 or 5 times a power of ten) at or above v / 4: a tick step. */
static double nice_step(double v)
{
	double raw = v / 4, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

int detail_curve(struct curve *c, const struct facts *f)
{
	memset(c, 0, sizeof(*c));
	const struct fact_value *v = facts_get(f, "load.histogram");
	if (!v || v->type != FACT_STRING)
		return -1;
	struct hist h;
	if (hist_decode(&h, v->s) < 0)
		return -1;
	if (h.total == 0) {
		hist_free(&h);
		return -1;
	}
	c->total = h.total;
	double last = log10((double)h.total);
	if (last < 1)
		last = 1;
	/* four points a decade, to where one sample is the whole tail */
	for (int k = 0; c->n < CURVE_MAX - 1; k++) {
		double x = k / 4.0;
		if (x >= last)
			break;
		double p = 100.0 * (1.0 - pow(10, -x));
		c->x[c->n] = x;
		c->ms[c->n++] = (double)hist_percentile(&h, p) / 1000.0;
	}
	c->x[c->n] = last;
	c->ms[c->n++] = (double)h.max / 1000.0;
	c->xmax = last;
	double top = c->ms[c->n - 1] > 0 ? c->ms[c->n - 1] : 1;
	c->ystep = nice_step(top);
	c->ymax = ceil(top / c->ystep) * c->ystep;
	hist_free(&h);
	return 0;
}

void detail_pct_label(char *out, size_t len, double x)
{
	if (x < 0.5) {
		snprintf(out, len, "0%%");
		return;
	}
	int nines = (int)lround(x);
	/* 90, 99, 99.9, 99.99 ... */
	snprintf(out, len, "%.*f%%", nines > 2 ? nines - 2 : 0, 100.0 * (1.0 - pow(10, -nines)));
}

size_t detail_protocols(const struct facts *f, struct proto_row *rows, size_t max)
{
	static const char pre[] = "tls.proto.";
	size_t n = 0;
	for (size_t i = 0; i < f->nfacts && n < max; i++) {
		const struct fact *x = &f->facts[i];
		if (strncmp(x->key, pre, sizeof(pre) - 1) || x->v.type != FACT_BOOL)
			continue;
		struct proto_row *r = &rows[n++];
		r->name = x->key + sizeof(pre) - 1;
		r->offered = x->v.b;
		char key[96];
		snprintf(key, sizeof(key), "tls.ciphers.%s", r->name);
		const struct fact_value *s = facts_get(f, key);
		r->suites = s && s->type == FACT_LIST ? s : NULL;
	}
	return n;
}
