/*
 * Unit tests of the load probe's parts that need no network: the HTTP/1.1
 * response parser (probes/load/h1.c) fed whole and byte by byte, with
 * Content-Length, chunked, to-EOF, malformed, oversized and truncated
 * responses; the histogram (probes/load/hist.c): percentiles against a
 * known distribution, merge = add, encode/decode round trip and hostile
 * encodings; and the URL, duration and loopback helpers of load.c.
 */
#include "tests/testutil.h"

#include "lib/err.h"
#include "lib/strbuf.h"
#include "probes/load/h1.h"
#include "lib/hist.h"
#include "probes/load/load.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>

/* Feed text whole (step 0) or in pieces of step bytes; returns the final rc. */
static enum h1_rc feed(struct h1_parser *p, const char *text, size_t step, size_t *consumed)
{
	size_t len = strlen(text), off = 0;
	*consumed = 0;
	h1_reset(p, false);
	while (off < len) {
		size_t n = step && len - off > step ? step : len - off;
		size_t used = 0;
		enum h1_rc rc = h1_feed(p, text + off, n, &used);
		off += used;
		*consumed = off;
		if (rc != H1_MORE)
			return rc;
		cr_assert_eq(used, n, "H1_MORE must consume all input");
	}
	return H1_MORE;
}

static struct h1_parser *parser(void)
{
	return xcalloc(1, sizeof(struct h1_parser));
}

static const size_t steps[] = {0, 1, 2, 7};

/* r parses to a complete response (status, body bytes) however it is split. */
static void assert_parses(const char *r, int status, uint64_t body)
{
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct h1_parser *p = parser();
		size_t used;
		cr_assert_eq(feed(p, r, steps[s], &used), H1_DONE, "step %zu: %s", steps[s],
		             p->err);
		cr_assert_eq(used, strlen(r));
		cr_assert_eq(p->status, status);
		cr_assert_eq(p->body, body);
		cr_assert(p->keep_alive);
		free(p);
	}
}

Test(load_h1, content_length_whole_and_split)
{
	assert_parses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello", 200, 5);
}

Test(load_h1, stops_at_end_of_response)
{
	/* two responses back to back: the first ends where the second starts */
	const char *r = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n";
	struct h1_parser *p = parser();
	size_t used;
	cr_assert_eq(feed(p, r, 0, &used), H1_DONE);
	cr_assert_eq(used, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
	cr_assert_eq(p->status, 204);
	free(p);
}

Test(load_h1, chunked_with_extension_and_trailer)
{
	assert_parses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	              "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
	              200, 16);
}

Test(load_h1, interim_100_then_final)
{
	const char *r =
	    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	struct h1_parser *p = parser();
	size_t used;
	cr_assert_eq(feed(p, r, 3, &used), H1_DONE, "%s", p->err);
	cr_assert_eq(p->status, 201);
	free(p);
}

Test(load_h1, connection_close_and_http10)
{
	struct h1_parser *p = parser();
	size_t used;
	cr_assert_eq(
	    feed(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0, &used),
	    H1_DONE);
	cr_assert_not(p->keep_alive);
	cr_assert_eq(feed(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0, &used), H1_DONE);
	cr_assert_not(p->keep_alive);
	free(p);
}

Test(load_h1, body_to_eof)
{
	struct h1_parser *p = parser();
	size_t used;
	cr_assert_eq(feed(p, "HTTP/1.1 200 OK\r\n\r\nsome bytes", 0, &used), H1_MORE);
	cr_assert_eq(h1_eof(p), H1_DONE);
	cr_assert_eq(p->body, 10);
	cr_assert_not(p->keep_alive);
	free(p);
}

Test(load_h1, head_response_has_no_body)
{
	struct h1_parser *p = parser();
	size_t used = 0;
	h1_reset(p, true);
	const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	cr_assert_eq(h1_feed(p, r, strlen(r), &used), H1_DONE);
	cr_assert_eq(used, strlen(r));
	free(p);
}

static void assert_malformed(const char *r, const char *why)
{
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct h1_parser *p = parser();
		size_t used;
		enum h1_rc rc = feed(p, r, steps[s], &used);
		cr_assert_eq(rc, H1_ERROR, "step %zu: accepted %s", steps[s], why);
		cr_assert(strstr(p->err, "byte "), "error names no offset: %s", p->err);
		free(p);
	}
}

Test(load_h1, malformed_responses_are_errors)
{
	assert_malformed("HTTP/1.1 OK\r\n\r\n", "a status line without a code");
	assert_malformed("HTTP/2.0 200 OK\r\n\r\n", "another version");
	assert_malformed("HTTP/1.1 20x OK\r\n\r\n", "a non-digit code");
	assert_malformed("HTTP/1.1 099 Low\r\n\r\n", "a code below 100");
	assert_malformed("HTTP/1.1 200 OK\nContent-Length: 0\n\n", "bare LF line ends");
	assert_malformed("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "a field without a colon");
	assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "a bad length");
	assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	                 "conflicting lengths");
	assert_malformed(
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
	    "chunked with a length");
	assert_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	                 "a coding we cannot frame");
	assert_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	                 "a non-hex chunk size");
	assert_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
	                 "chunk data longer than its size");
}

Test(load_h1, oversized_inputs_are_bounded_errors)
{
	/* a 10 GB Content-Length is refused at the header, before any body */
	assert_malformed("HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n", "a 10 GB body");
	assert_malformed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFF\r\n",
	                 "a 16 TB chunk");
	assert_malformed(
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n",
	    "a chunk size over 15 hex digits");
	/* endless headers: one long line, and many short fields */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "HTTP/1.1 200 OK\r\nX-Long: ");
	for (int i = 0; i < H1_LINE_MAX; i++)
		sb_addc(&sb, 'a');
	sb_adds(&sb, "\r\n\r\n");
	assert_malformed(sb.buf, "a header line over the line bound");
	sb_reset(&sb);
	sb_adds(&sb, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 200; i++)
		sb_adds(&sb, "X-Endless: aaaaaaaaaa\r\n");
	assert_malformed(sb.buf, "more fields than the bound");
	sb_free(&sb);
}

Test(load_h1, truncated_responses)
{
	struct h1_parser *p = parser();
	size_t used;
	cr_assert_eq(feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, &used),
	             H1_MORE);
	cr_assert_eq(h1_eof(p), H1_ERROR);
	cr_assert(strstr(p->err, "truncated"), "%s", p->err);
	cr_assert_eq(
	    feed(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, &used),
	    H1_MORE);
	cr_assert_eq(h1_eof(p), H1_ERROR);
	h1_reset(p, false);
	cr_assert_eq(h1_eof(p), H1_ERROR);
	cr_assert(strstr(p->err, "before a response"), "%s", p->err);
	free(p);
}

/* --- histogram --- */

Test(load_hist, percentiles_of_a_known_distribution)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, INT64_C(3600000000), 3), 0);
	/* 1..100000 us once each: pN is N% of 100000 within 0.1 % */
	for (int64_t v = 1; v <= 100000; v++)
		hist_record(&h, v);
	cr_assert_eq(h.total, 100000);
	static const double ps[] = {50, 90, 99, 99.9};
	for (size_t i = 0; i < 4; i++) {
		double want = ps[i] * 1000.0;
		double got = (double)hist_percentile(&h, ps[i]);
		cr_assert(fabs(got - want) <= want * 0.001 + 1, "p%g = %g, want %g", ps[i], got,
		          want);
	}
	cr_assert_eq(hist_percentile(&h, 100), 100000);
	cr_assert_eq(h.min, 1);
	cr_assert_eq(h.max, 100000);
	cr_assert(fabs(hist_mean(&h) - 50000.5) < 50, "mean %g", hist_mean(&h));
	/* small values are exact */
	hist_reset(&h);
	hist_record(&h, 7);
	hist_record(&h, 7);
	hist_record(&h, 2000);
	cr_assert_eq(hist_percentile(&h, 50), 7);
	cr_assert_eq(hist_percentile(&h, 100), 2000);
	hist_free(&h);
}

Test(load_hist, values_above_highest_are_clamped_and_counted)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, 1000000, 3), 0);
	hist_record(&h, 5000000);
	hist_record(&h, -3);
	cr_assert_eq(h.total, 2);
	cr_assert_eq(h.clamped, 1);
	cr_assert_eq(h.max, 1000000);
	cr_assert_eq(h.min, 0);
	hist_free(&h);
}

Test(load_hist, merge_of_two_equals_one_built_from_all)
{
	struct hist a, b, all;
	int64_t highest = INT64_C(3600000000);
	cr_assert_eq(hist_init(&a, highest, 3), 0);
	cr_assert_eq(hist_init(&b, highest, 3), 0);
	cr_assert_eq(hist_init(&all, highest, 3), 0);
	uint64_t x = 88172645463325252ull; /* xorshift: a fixed, spread-out sample */
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t v = (int64_t)(x % 5000000);
		hist_record(i % 3 ? &a : &b, v);
		hist_record(&all, v);
	}
	cr_assert_eq(hist_add(&a, &b), 0);
	cr_assert_eq(a.total, all.total);
	cr_assert_eq(a.min, all.min);
	cr_assert_eq(a.max, all.max);
	cr_assert_eq(memcmp(a.counts, all.counts, a.counts_len * sizeof(*a.counts)), 0);
	for (double p = 0; p <= 100; p += 0.5)
		cr_assert_eq(hist_percentile(&a, p), hist_percentile(&all, p), "p%g", p);
	/* a different layout is refused, not mixed up */
	struct hist other;
	cr_assert_eq(hist_init(&other, 1000, 2), 0);
	cr_assert_eq(hist_add(&a, &other), -1);
	cr_assert(strstr(err_msg(), "layout"), "%s", err_msg());
	hist_free(&a);
	hist_free(&b);
	hist_free(&all);
	hist_free(&other);
}

Test(load_hist, encode_decode_round_trip)
{
	struct hist h, back;
	cr_assert_eq(hist_init(&h, INT64_C(3600000000), 3), 0);
	for (int64_t v = 0; v < 3000000; v += 997)
		hist_record_n(&h, v, (uint64_t)(v % 5 + 1));
	hist_record(&h, INT64_C(9000000000)); /* clamped */
	char *s = hist_encode(&h);
	cr_assert(str_starts(s, "ahst1:"));
	cr_assert_eq(hist_decode(&back, s), 0, "%s", err_msg());
	cr_assert_eq(back.total, h.total);
	cr_assert_eq(back.min, h.min);
	cr_assert_eq(back.max, h.max);
	cr_assert_eq(back.clamped, 1);
	cr_assert_eq(back.counts_len, h.counts_len);
	cr_assert_eq(memcmp(back.counts, h.counts, h.counts_len * sizeof(*h.counts)), 0);
	/* and it merges with a live histogram of the same layout */
	cr_assert_eq(hist_add(&back, &h), 0);
	cr_assert_eq(back.total, 2 * h.total);
	free(s);
	/* an empty histogram round-trips too */
	hist_reset(&h);
	s = hist_encode(&h);
	hist_free(&back);
	cr_assert_eq(hist_decode(&back, s), 0, "%s", err_msg());
	cr_assert_eq(back.total, 0);
	cr_assert_eq(hist_percentile(&back, 99), 0);
	free(s);
	hist_free(&h);
	hist_free(&back);
}

Test(load_hist, hostile_encodings_are_refused)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, 1000000, 3), 0);
	hist_record(&h, 1234);
	hist_record(&h, 99);
	char *good = hist_encode(&h);
	hist_free(&h);
	static const char *const bad[] = {
	    "", "ahst1:", "nope:QUgB", "ahst1:QUgB!!!!", "ahst1:QUgBA", "ahst1:AAAAAAAA",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(hist_decode(&h, bad[i]), -1, "accepted '%s'", bad[i]);
		cr_assert(strstr(err_msg(), "histogram"), "%s", err_msg());
	}
	/* every truncation of a good encoding is an error, never a crash */
	size_t n = strlen(good);
	for (size_t cut = 6; cut + 4 <= n; cut += 4) {
		char *t = xstrndup(good, cut);
		cr_assert_eq(hist_decode(&h, t), -1, "accepted a cut at %zu", cut);
		free(t);
	}
	/* flipping each character either fails cleanly or decodes a consistent histogram */
	for (size_t i = 6; i < n; i++) {
		char *t = xstrdup(good);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		if (hist_decode(&h, t) == 0) {
			uint64_t sum = 0;
			for (size_t k = 0; k < h.counts_len; k++)
				sum += h.counts[k];
			cr_assert_eq(sum, h.total);
			hist_free(&h);
		}
		free(t);
	}
	free(good);
}

/* --- URL, duration, loopback --- */

Test(load_url, parses_and_refuses)
{
	struct load_url u;
	cr_assert_eq(load_url_parse(&u, "http://127.0.0.1:8080/a/b?x=1#frag"), 0);
	cr_assert_str_eq(u.host, "127.0.0.1");
	cr_assert_str_eq(u.port, "8080");
	cr_assert_str_eq(u.path, "/a/b?x=1");
	cr_assert_not(u.tls);
	cr_assert_eq(load_url_parse(&u, "https://[::1]/"), 0);
	cr_assert_str_eq(u.host, "::1");
	cr_assert_str_eq(u.port, "443");
	cr_assert(u.tls);
	cr_assert_eq(load_url_parse(&u, "http://localhost"), 0);
	cr_assert_str_eq(u.path, "/");
	cr_assert_eq(load_url_parse(&u, "http://localhost?q"), 0);
	cr_assert_str_eq(u.path, "/?q");
	cr_assert_eq(load_url_parse(&u, "ftp://127.0.0.1/"), -1);
	cr_assert_eq(load_url_parse(&u, "http://127.0.0.1:99999/"), -1);
	cr_assert_eq(load_url_parse(&u, "http://user@127.0.0.1/"), -1);
	cr_assert_eq(load_url_parse(&u, "http://127.0.0.1/a b"), -1);
	cr_assert_eq(load_url_parse(&u, "http://[::1/"), -1);
}

/* Declared objectives judged on a run's facts: what was missed is named with what was measured. */
Test(load_slo, judged_on_the_facts)
{
	struct facts f;
	facts_init(&f);
	facts_add_double(&f, "load.latency.p95_ms", 412.5);
	facts_add_double(&f, "load.latency.p99_ms", 700);
	facts_add_double(&f, "load.error_rate", 0.002);
	facts_add_double(&f, "load.rps", 100);
	cr_assert_eq(load_slo_judge(&f, "p95 <= 300ms, p99<=1s, success >= 99.9%, rps >= 50"), 0);
	cr_assert_str_eq(facts_get(&f, "load.slo")->s,
	                 "p95 <= 300ms, p99<=1s, success >= 99.9%, rps >= 50");
	cr_assert_not(facts_get(&f, "load.slo.met")->b);
	const struct fact_value *m = facts_get(&f, "load.slo.missed");
	cr_assert_eq(m->nitems, 2);
	cr_assert_str_eq(m->items[0], "p95 <= 300 ms (was 412.500 ms)");
	cr_assert_str_eq(m->items[1], "success >= 99.9% (was 99.800%)");
	facts_free(&f);

	facts_init(&f);
	facts_add_double(&f, "load.latency.p95_ms", 120);
	facts_add_double(&f, "load.error_rate", 0);
	cr_assert_eq(load_slo_judge(&f, "p95<=300ms,success>=99.9%"), 0);
	cr_assert(facts_get(&f, "load.slo.met")->b);
	cr_assert_eq(facts_get(&f, "load.slo.missed")->nitems, 0);
	/* a term whose fact the run lacks cannot be judged */
	cr_assert_eq(load_slo_judge(&f, "rps >= 10"), -1);
	cr_assert(strstr(err_msg(), "no load.rps"), "%s", err_msg());
	facts_free(&f);

	static const char *const bad[][2] = {
	    {"p95 300ms", "expected NAME <= VALUE"},
	    {"p96 <= 1s", "expected p50, p75"},
	    {"p95 >= 1s", "a latency takes <="},
	    {"p99 <= soon", "expected a duration"},
	    {"success >= 99.9", "PERCENT%"},
	    {"success <= 50%", "PERCENT%"},
	    {"rps >= -3", "expected rps >= NUMBER"},
	    {"", "no term"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(load_slo_check(bad[i][0]), -1, "'%s' accepted", bad[i][0]);
		cr_assert(strstr(err_msg(), bad[i][1]), "'%s': %s", bad[i][0], err_msg());
	}
}

Test(load_url, durations)
{
	double d;
	cr_assert_eq(load_parse_duration(&d, "30s"), 0);
	cr_assert_float_eq(d, 30, 1e-9);
	cr_assert_eq(load_parse_duration(&d, "250ms"), 0);
	cr_assert_float_eq(d, 0.25, 1e-9);
	cr_assert_eq(load_parse_duration(&d, "2m"), 0);
	cr_assert_float_eq(d, 120, 1e-9);
	cr_assert_eq(load_parse_duration(&d, "1.5"), 0);
	cr_assert_float_eq(d, 1.5, 1e-9);
	cr_assert_eq(load_parse_duration(&d, "5 days"), -1);
	cr_assert_eq(load_parse_duration(&d, "-1s"), -1);
}

Test(load_url, loopback_addresses)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.3.4.5", &a4.sin_addr);
	cr_assert(load_addr_is_loopback((struct sockaddr *)&a4));
	inet_pton(AF_INET, "10.0.0.1", &a4.sin_addr);
	cr_assert_not(load_addr_is_loopback((struct sockaddr *)&a4));
	inet_pton(AF_INET, "128.0.0.1", &a4.sin_addr);
	cr_assert_not(load_addr_is_loopback((struct sockaddr *)&a4));
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "::1", &a6.sin6_addr);
	cr_assert(load_addr_is_loopback((struct sockaddr *)&a6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
	cr_assert(load_addr_is_loopback((struct sockaddr *)&a6));
	inet_pton(AF_INET6, "2001:db8::1", &a6.sin6_addr);
	cr_assert_not(load_addr_is_loopback((struct sockaddr *)&a6));
}
