/*
 * The load probe (issue 8): drives HTTP/1.1 load at one URL with the
 * engine of engine.c and turns what it measured into facts that rules can
 * judge ("p99 <= 200 ms at 500 req/s, errors <= 0.1 %"). The fact table
 * is probes/load/README.md, the contract with the rule sets.
 *
 * Safety default: only loopback addresses (127.0.0.0/8, ::1) are loaded.
 * A load test of any other host needs that host named again in
 * `load.allow` (the issue: "only loopback or hosts the user names").
 *
 * Deadline: sending stops at warmup + duration, or earlier so that
 * requests in flight can still finish (request_timeout) before the run's
 * deadline (o->timeout_s); the probe always reports before it.
 */
#include "probes/load/load.h"
#include "probes/load/engine.h"
#include "probes/pan/scan.h"
#include "lib/hist.h"
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <ctype.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>
#include <strings.h>
#include <errno.h>
#include <limits.h>

#define ESTR(e)              strerror_r((e), (char[96]){0}, 96) /* thread-safe strerror */
#define LOAD_MAX_CONNECTIONS 100000
#define LOAD_MAX_THREADS     256
#define LOAD_MAX_BODY        (16u << 20)
#define LOAD_MAX_HEADERS     64
#define LOAD_DEFAULT_TIMEOUT 120.0
#define LOAD_REPORT_MARGIN_S 1.0 /* kept free before the deadline to report */

static const char *const load_keys[] = {"load", NULL};

static const struct probe_option load_options[] = {
    {"connections", "open connections, spread over the threads (default 10)"},
    {"threads", "load threads, each with its own event loop (default 2)"},
    {"duration", "measured time, e.g. 30s, 2m (default 10s)"},
    {"warmup", "time before measuring; its requests are not counted (default 0)"},
    {"rate", "requests/s over all connections: open model, latency from the scheduled time"},
    {"requests", "stop after this many requests (default: by time only)"},
    {"method", "request method (default GET)"},
    {"header", "extra request header 'Name: value' (repeatable)"},
    {"body", "file sent as the request body"},
    {"request_timeout", "a request unanswered this long is an error (default 2s)"},
    {"h2", "true: HTTP/2 (h2c prior knowledge, or ALPN h2 over TLS)"},
    {"streams", "HTTP/2 requests in flight per connection (default 1)"},
    {"allow", "a non-loopback host the user names as a load target"},
    {"split", "true: with --shard i/N every shard runs 1/N of this load (rate, connections, "
              "requests); assay merge adds the parts exactly"},
    {"slo", "objectives judged on the run, e.g. 'p95<=300ms, p99<=1s, success>=99.9%, "
            "rps>=500' (facts load.slo.met, load.slo.missed)"},
    {"throttle", "requests/s above which the target must throttle (answer 429): run at a "
                 "higher rate to test it (facts load.throttle.*)"},
    {"recovery", "after the run, overload the target and time its return to load.slo; this "
                 "is the objective, e.g. 2m (facts load.recovery.*)"},
    {"overload", "with recovery: the overloading rate, requests/s"},
    {"overload_duration", "with recovery: how long to overload (default: duration)"},
    {"recovery_window", "with recovery: length of each window judged against load.slo "
                        "(default 5s)"},
    {NULL, NULL},
};

int load_parse_duration(double *out, const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		*out = v;
	else if (strcmp(end, "ms") == 0)
		*out = v / 1000.0;
	else if (strcmp(end, "m") == 0)
		*out = v * 60.0;
	else if (strcmp(end, "h") == 0)
		*out = v * 3600.0;
	else
		return -1;
	return 0;
}

int load_url_parse(struct load_url *u, const char *url)
{
	memset(u, 0, sizeof(*u));
	const char *p;
	if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		u->tls = true;
	} else {
		return err_set("load: '%.80s': expected an http:// or https:// URL", url);
	}
	size_t hlen;
	const char *rest;
	if (*p == '[') {
		const char *e = strchr(p, ']');
		if (!e)
			return err_set("load: '%.80s': unclosed '[' in the host", url);
		hlen = (size_t)(e - p - 1);
		if (hlen == 0 || hlen >= sizeof(u->host))
			return err_set("load: '%.80s': bad host", url);
		memcpy(u->host, p + 1, hlen);
		rest = e + 1;
	} else {
		hlen = strcspn(p, ":/?#");
		if (hlen == 0 || hlen >= sizeof(u->host))
			return err_set("load: '%.80s': bad host", url);
		memcpy(u->host, p, hlen);
		rest = p + hlen;
	}
	if (strchr(u->host, '@'))
		return err_set("load: '%.80s': user information in URLs is not supported", url);
	strcpy(u->port, u->tls ? "443" : "80");
	if (*rest == ':') {
		rest++;
		size_t n = strspn(rest, "0123456789");
		long port = n && n < 6 ? strtol(rest, NULL, 10) : 0;
		if (port < 1 || port > 65535)
			return err_set("load: '%.80s': bad port", url);
		snprintf(u->port, sizeof(u->port), "%ld", port);
		rest += n;
	}
	if (*rest && *rest != '/' && *rest != '?' && *rest != '#')
		return err_set("load: '%.80s': unexpected '%c' after the host", url, *rest);
	size_t plen = strcspn(rest, "#");
	if (plen >= sizeof(u->path) - 1)
		return err_set("load: '%.80s': path longer than %zu bytes", url,
		               sizeof(u->path) - 2);
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)rest[i] <= 0x20 || rest[i] == 0x7f)
			return err_set("load: '%.80s': space or control byte in the path", url);
	if (plen == 0 || rest[0] == '?')
		u->path[0] = '/';
	memcpy(u->path + strlen(u->path), rest, plen);
	return 0;
}

bool load_addr_is_loopback(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)a;
		return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)a;
		if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) && s->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

static int opt_int(struct facts *f, const struct target *t, const char *name, long lo, long hi,
                   long *out)
{
	const char *v = target_option(t, name);
	if (!v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < lo || n > hi) {
		facts_error(f, "%s = '%.40s': expected an integer from %ld to %ld", name, v, lo,
		            hi);
		return -1;
	}
	*out = n;
	return 0;
}

static int opt_dur(struct facts *f, const struct target *t, const char *name, double *out)
{
	const char *v = target_option(t, name);
	if (!v)
		return 0;
	if (load_parse_duration(out, v) < 0) {
		facts_error(f, "%s = '%.40s': expected a duration (30s, 500ms, 2m)", name, v);
		return -1;
	}
	return 0;
}

static bool opt_bool(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
	             strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
}

/* Part `part` of n dealt out over `parts` (the first n % parts get one more). */
static long share(long n, unsigned part, unsigned parts)
{
	return n / (long)parts + ((long)part < n % (long)parts);
}

/* The request in both shapes: HTTP/1.1 bytes, and HTTP/2 fields. */
struct load_req {
	struct strbuf h1;
	char *authority;
	char *names[LOAD_MAX_HEADERS + 1]; /* lower case, for HTTP/2 */
	char *values[LOAD_MAX_HEADERS + 1];
	size_t n;
	char *body;
	size_t body_len;
};

static void load_req_free(struct load_req *r)
{
	sb_free(&r->h1);
	free(r->authority);
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->body);
}

static void req_add_field(struct load_req *r, const char *name, size_t nlen, const char *value)
{
	/* connection-specific fields do not exist in HTTP/2 (RFC 9113 §8.2.2) */
	static const char *const skip[] = {"connection", "keep-alive", "proxy-connection",
	                                   "upgrade",    "te",         NULL};
	char *lname = xstrndup(name, nlen);
	for (char *p = lname; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; skip[i]; i++)
		if (strcmp(lname, skip[i]) == 0) {
			free(lname);
			return;
		}
	while (*value == ' ' || *value == '\t')
		value++;
	r->names[r->n] = lname;
	r->values[r->n++] = xstrdup(value);
}

/* The request: request line, Host, the user's headers, body. */
static int build_request(struct facts *f, const struct target *t, const struct load_url *u,
                         const char *method, struct load_req *r)
{
	struct strbuf *req = &r->h1;
	bool v6 = strchr(u->host, ':') != NULL;
	bool defport = strcmp(u->port, u->tls ? "443" : "80") == 0;
	r->authority = xasprintf("%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
	                         defport ? "" : ":", defport ? "" : u->port);
	sb_printf(req, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, u->path, r->authority);
	bool has_ua = false;
	size_t nh = 0;
	for (size_t i = 0; i < t->noptions; i++) {
		if (strcmp(t->options[i].name, "load.header") != 0)
			continue;
		const char *h = t->options[i].value;
		const char *colon = strchr(h, ':');
		if (++nh > LOAD_MAX_HEADERS) {
			facts_error(f, "load.header: more than %d headers", LOAD_MAX_HEADERS);
			return -1;
		}
		bool bad = !colon || colon == h || strlen(h) > 4096;
		for (const char *c = h; *c && !bad; c++)
			if (*c == '\r' || *c == '\n' || *c == '\0' ||
			    (c < colon && isspace((unsigned char)*c)))
				bad = true;
		if (bad) {
			facts_error(f, "load.header '%.60s': expected 'Name: value' on one line",
			            h);
			return -1;
		}
		if (strncasecmp(h, "host:", 5) == 0 || strncasecmp(h, "content-length:", 15) == 0 ||
		    strncasecmp(h, "transfer-encoding:", 18) == 0) {
			facts_error(f, "load.header '%.60s': this header is set by the probe", h);
			return -1;
		}
		if (strncasecmp(h, "user-agent:", 11) == 0)
			has_ua = true;
		sb_printf(req, "%s\r\n", h);
		req_add_field(r, h, (size_t)(colon - h), colon + 1);
	}
	if (!has_ua) {
		sb_adds(req, "User-Agent: assay-load/" ASSAY_VERSION "\r\n");
		req_add_field(r, "user-agent", 10, "assay-load/" ASSAY_VERSION);
	}
	const char *bodyfile = target_option(t, "load.body");
	if (bodyfile) {
		char *body = NULL;
		size_t blen = 0;
		if (file_read_all(&body, &blen, bodyfile, LOAD_MAX_BODY) < 0) {
			facts_error(f, "load.body '%.200s': cannot read (or over %u MiB): %s",
			            bodyfile, LOAD_MAX_BODY >> 20, ESTR(errno));
			return -1;
		}
		sb_printf(req, "Content-Length: %zu\r\n\r\n", blen);
		sb_add(req, body, blen);
		r->body = body;
		r->body_len = blen;
	} else {
		if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
			sb_adds(req, "Content-Length: 0\r\n");
		sb_adds(req, "\r\n");
	}
	return 0;
}

static void add_ms(struct facts *f, const char *key, double us)
{
	facts_add_double(f, key, round(us) / 1000.0);
}

/*
 * LOAD-03: what error responses gave away under load. The sampled bodies
 * (engine.h) go through the card-data scanner; card numbers and sensitive
 * authentication data (tracks, CVV, PIN blocks) are counted and reported
 * masked. A body counts once as a stack trace when it holds one of these
 * markers of a framework's unhandled-error page or debug output.
 */
static const char *const stack_markers[] = {
    "Traceback (most recent call last)", /* Python */
    "Exception in thread \"",            /* Java */
    "\tat java.",                        /* Java frames */
    "\tat org.",
    "   at System.",         /* .NET frames */
    "Stack trace:\n#0",      /* PHP */
    "goroutine 1 [running]", /* Go panic */
    "at Object.<anonymous>", /* Node.js */
    "node:internal/",
    "SQLSTATE[", /* database errors */
    "You have an error in your SQL syntax",
    "ORA-0",
};

#define ERRBODY_FINDINGS_MAX 20

struct errscan {
	struct facts *f;
	struct load_stats *s;
	const char *when;
	struct load_errbody_cap *cap;
};

static void on_errbody_hit(void *ctx, const struct pan_hit *h)
{
	struct errscan *e = ctx;
	bool pan = h->kind == PAN_KIND_PAN;
	bool sad = h->kind == PAN_KIND_TRACK1 || h->kind == PAN_KIND_TRACK2 ||
	           h->kind == PAN_KIND_CVV || h->kind == PAN_KIND_PIN_BLOCK;
	if (!pan && !sad)
		return;
	if (pan)
		e->s->errbody_pan++;
	else
		e->s->errbody_sad++;
	if (e->cap->hits >= ERRBODY_FINDINGS_MAX)
		return;
	e->cap->hits++;
	struct finding fd = {0};
	finding_loc_init(&fd.loc);
	fd.kind = (char *)(pan ? "load-error-body-pan" : "load-error-body-sad");
	fd.severity = (char *)pan_hit_severity(h);
	char msg[160];
	snprintf(msg, sizeof(msg), "%s %s in an error response body %s", pan_kind_name(h->kind),
	         h->masked, e->when);
	fd.message = msg;
	fd.excerpt = (char *)h->excerpt;
	facts_add_finding(e->f, &fd);
}

void load_errbody_scan(struct facts *f, struct load_stats *s, const char *when,
                       struct load_errbody_cap *cap)
{
	s->errbody_pan = s->errbody_sad = s->errbody_stack = 0;
	if (!s->errbody_len)
		return;
	struct errscan e = {.f = f, .s = s, .when = when, .cap = cap};
	struct pan_config cfg = {0};
	pan_scan_buffer(&cfg, s->errbody, s->errbody_len, on_errbody_hit, &e);
	const char *end = s->errbody + s->errbody_len;
	for (const char *b = s->errbody; b < end;) {
		const char *z = memchr(b, '\0', (size_t)(end - b));
		size_t n = z ? (size_t)(z - b) : (size_t)(end - b);
		for (size_t k = 0; k < sizeof(stack_markers) / sizeof(stack_markers[0]); k++) {
			if (memmem(b, n, stack_markers[k], strlen(stack_markers[k]))) {
				s->errbody_stack++;
				if (cap->stacks < ERRBODY_FINDINGS_MAX) {
					cap->stacks++;
					struct finding fd = {0};
					finding_loc_init(&fd.loc);
					fd.kind = (char *)"load-error-body-stack-trace";
					fd.severity = (char *)"high";
					char msg[160];
					snprintf(
					    msg, sizeof(msg),
					    "an error response %s shows a stack trace or database "
					    "error (\"%s\")",
					    when, stack_markers[k]);
					fd.message = msg;
					facts_add_finding(f, &fd);
				}
				break;
			}
		}
		b += n + 1;
	}
}

void load_facts_add(struct facts *f, const struct load_stats *s, const struct load_cfg *c)
{
	const struct hist *h = &s->hist;
	double win = s->window_s > 0 ? s->window_s : 1e-9;
	facts_add_string(f, "load.model", c->rate > 0 ? "open" : "closed");
	facts_add_int(f, "load.connections", c->connections);
	facts_add_int(f, "load.threads", c->threads);
	facts_add_double(f, "load.duration_s", round(s->window_s * 1000.0) / 1000.0);
	facts_add_int(f, "load.sent", (int64_t)s->sent);
	facts_add_int(f, "load.requests", (int64_t)s->responses);
	facts_add_double(f, "load.rps", round((double)s->responses / win * 100.0) / 100.0);
	facts_add_double(f, "load.rate.target", c->rate);
	double achieved = (double)s->sent / win;
	facts_add_double(f, "load.rate.achieved", round(achieved * 100.0) / 100.0);
	/* held: within 1 % of the target (the issue's acceptance figure) */
	facts_add_bool(f, "load.rate.held", c->rate > 0 ? achieved >= 0.99 * c->rate : true);
	add_ms(f, "load.latency.min_ms", h->total ? (double)h->min : 0);
	add_ms(f, "load.latency.mean_ms", hist_mean(h));
	add_ms(f, "load.latency.stdev_ms", hist_stddev(h));
	static const struct {
		const char *key;
		double p;
	} pct[] = {
	    {"load.latency.p50_ms", 50},      {"load.latency.p75_ms", 75},
	    {"load.latency.p90_ms", 90},      {"load.latency.p95_ms", 95},
	    {"load.latency.p99_ms", 99},      {"load.latency.p999_ms", 99.9},
	    {"load.latency.p9999_ms", 99.99},
	};
	for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		add_ms(f, pct[i].key, (double)hist_percentile(h, pct[i].p));
	add_ms(f, "load.latency.max_ms", (double)h->max);
	facts_add_int(f, "load.status.2xx", (int64_t)s->status[2]);
	facts_add_int(f, "load.status.3xx", (int64_t)s->status[3]);
	facts_add_int(f, "load.status.4xx", (int64_t)s->status[4]);
	facts_add_int(f, "load.status.5xx", (int64_t)s->status[5]);
	facts_add_int(f, "load.status.429", (int64_t)s->status_429);
	facts_add_int(f, "load.error_bodies.sampled", (int64_t)s->errbody_sampled);
	facts_add_int(f, "load.error_bodies.pan", (int64_t)s->errbody_pan);
	facts_add_int(f, "load.error_bodies.sad", (int64_t)s->errbody_sad);
	facts_add_int(f, "load.error_bodies.stack_traces", (int64_t)s->errbody_stack);
	facts_add_int(f, "load.errors.connect", (int64_t)s->errors_connect);
	facts_add_int(f, "load.errors.read", (int64_t)s->errors_read);
	facts_add_int(f, "load.errors.timeout", (int64_t)s->errors_timeout);
	facts_add_int(f, "load.errors.parse", (int64_t)s->errors_parse);
	facts_add_int(f, "load.errors.status_5xx", (int64_t)s->status[5]);
	facts_add_int(f, "load.unfinished", (int64_t)s->unfinished);
	uint64_t failures =
	    s->errors_connect + s->errors_read + s->errors_timeout + s->errors_parse + s->status[5];
	uint64_t attempts = s->sent + s->errors_connect;
	facts_add_double(f, "load.error_rate",
	                 attempts ? (double)failures / (double)attempts : (failures ? 1.0 : 0.0));
	facts_add_int(f, "load.bytes", (int64_t)s->bytes);
	facts_add_int(f, "load.connects", (int64_t)s->connects);
	if (c->tls)
		facts_add_int(f, "load.tls.resumed", (int64_t)s->tls_resumed);
	facts_add_string(f, "load.protocol", s->h2_connects ? "h2" : "http/1.1");
	char *enc = hist_encode(h);
	facts_add_string(f, "load.histogram", enc);
	free(enc);
}

/* Whether a TCP connect to a succeeds within a second (the socket is closed again). */
static bool addr_accepts(const struct addrinfo *a)
{
	int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = false;
	if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
		ok = true;
	} else if (errno == EINPROGRESS) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t len = sizeof(err);
		ok = poll(&pfd, 1, 1000) == 1 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
	}
	close(fd);
	return ok;
}

static int load_probe_run(const struct target *t, const struct probe_opts *o, struct facts *f)
{
	if (t->ninputs != 1) {
		facts_error(
		    f, "load: expected exactly one URL (load = http://127.0.0.1:8080/), got %zu",
		    t->ninputs);
		return -1;
	}
	double t0 = time_mono_ms();
	const char *url = t->inputs[0].value;
	struct load_url u;
	if (load_url_parse(&u, url) < 0) {
		facts_error(f, "%s", err_msg());
		return -1;
	}
	const char *h2opt = target_option(t, "load.h2");
	bool h2 = opt_bool(h2opt);
	if (h2opt && !h2 &&
	    !(strcmp(h2opt, "0") == 0 || strcasecmp(h2opt, "false") == 0 ||
	      strcasecmp(h2opt, "no") == 0 || strcasecmp(h2opt, "off") == 0)) {
		facts_error(f, "load.h2 = '%.40s': expected true or false", h2opt);
		return -1;
	}
	long conns = 10, threads = 2, requests = 0, streams = 1;
	double duration = 10, warmup = 0, rtimeout = 2, rate = 0;
	if (opt_int(f, t, "load.connections", 1, LOAD_MAX_CONNECTIONS, &conns) < 0 ||
	    opt_int(f, t, "load.threads", 1, LOAD_MAX_THREADS, &threads) < 0 ||
	    opt_int(f, t, "load.requests", 1, LONG_MAX, &requests) < 0 ||
	    opt_int(f, t, "load.streams", 1, 1000, &streams) < 0 ||
	    opt_dur(f, t, "load.duration", &duration) < 0 ||
	    opt_dur(f, t, "load.warmup", &warmup) < 0 ||
	    opt_dur(f, t, "load.request_timeout", &rtimeout) < 0)
		return -1;
	const char *rs = target_option(t, "load.rate");
	if (rs) {
		char *end;
		rate = strtod(rs, &end);
		if (end == rs || *end || !isfinite(rate) || rate <= 0 || rate > 1e8) {
			facts_error(f, "load.rate = '%.40s': expected requests per second (> 0)",
			            rs);
			return -1;
		}
	}
	if (duration <= 0 || rtimeout <= 0) {
		facts_error(f, "load: duration and request_timeout must be above 0");
		return -1;
	}
	const char *method = target_option(t, "load.method");
	if (!method)
		method = "GET";
	if (!*method || strlen(method) > 32 ||
	    strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method)) {
		facts_error(f, "load.method '%.40s': expected an upper-case token (GET, POST)",
		            method);
		return -1;
	}
	const char *slo = target_option(t, "load.slo");
	if (slo && load_slo_check(slo) < 0) {
		facts_error(f, "load.slo = '%.80s': %s", slo, err_msg());
		return -1;
	}
	const char *throttle = target_option(t, "load.throttle");
	double throttle_rps = 0;
	if (throttle && load_throttle_parse(&throttle_rps, throttle) < 0) {
		facts_error(f, "load.throttle = '%.40s': %s", throttle, err_msg());
		return -1;
	}
	struct load_recovery recovery;
	if (load_recovery_parse(&recovery, t, duration, rate) < 0) {
		facts_error(f, "%s", err_msg());
		return -1;
	}
	if (recovery.on && !slo) {
		facts_error(f, "load.recovery needs load.slo: the objectives the target must "
		               "return to");
		return -1;
	}
	const char *split = target_option(t, "load.split");
	if (split && !opt_bool(split) &&
	    !(strcmp(split, "0") == 0 || strcasecmp(split, "false") == 0 ||
	      strcasecmp(split, "no") == 0 || strcasecmp(split, "off") == 0)) {
		facts_error(f, "load.split = '%.40s': expected true or false", split);
		return -1;
	}
	if (recovery.on && o->parts > 1) {
		facts_error(f, "load.recovery cannot be split over shards: run it unsharded");
		return -1;
	}
	if (o->parts > 1 && o->part < o->parts) {
		/* this shard's share: the rate divides, counts are dealt out */
		if (requests > 0 && requests < (long)o->parts) {
			facts_error(f, "load.requests = %ld cannot be split over %u shards",
			            requests, o->parts);
			return -1;
		}
		rate /= o->parts;
		conns = share(conns, o->part, o->parts);
		if (conns < 1)
			conns = 1; /* more connections in all than asked: each part needs one */
		if (requests > 0)
			requests = share(requests, o->part, o->parts);
	}
	if (threads > conns)
		threads = conns;

	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(u.host, u.port, &hints, &ai);
	if (gai != 0 || !ai) {
		facts_error(f, "load: cannot resolve '%s': %s", u.host, gai_strerror(gai));
		return -1;
	}
	/*
	 * Prefer a loopback address that answers when the name has several:
	 * "localhost" is often ::1 first while the server listens on 127.0.0.1
	 * only. Failing every probe connect, the first loopback address stays.
	 */
	struct addrinfo *pick = NULL;
	for (struct addrinfo *a = ai; a; a = a->ai_next)
		if (load_addr_is_loopback(a->ai_addr)) {
			if (!pick)
				pick = a;
			if (addr_accepts(a)) {
				pick = a;
				break;
			}
		}
	if (!pick)
		pick = ai;
	const char *allow = target_option(t, "load.allow");
	if (!load_addr_is_loopback(pick->ai_addr) && !(allow && strcasecmp(allow, u.host) == 0)) {
		facts_error(
		    f,
		    "load: refusing to load '%s': not a loopback address (127.0.0.0/8, ::1); "
		    "name the host in load.allow (--allow %s) to load it on purpose",
		    u.host, u.host);
		freeaddrinfo(ai);
		return -1;
	}
	struct load_cfg cfg = {0};
	memcpy(&cfg.addr, pick->ai_addr, pick->ai_addrlen);
	cfg.addrlen = pick->ai_addrlen;
	freeaddrinfo(ai);

	struct load_req req = {.h1 = STRBUF_INIT};
	if (build_request(f, t, &u, method, &req) < 0) {
		load_req_free(&req);
		return -1;
	}
	double timeout_s = o->timeout_s > 0 ? o->timeout_s : LOAD_DEFAULT_TIMEOUT;
	cfg.tls = u.tls;
	cfg.sni = u.tls && !strchr(u.host, ':') && strspn(u.host, "0123456789.") != strlen(u.host)
	              ? u.host
	              : NULL;
	cfg.request = req.h1.buf;
	cfg.request_len = req.h1.len;
	cfg.h2 = h2;
	cfg.streams = (int)streams;
	cfg.method = method;
	cfg.scheme = u.tls ? "https" : "http";
	cfg.authority = req.authority;
	cfg.path = u.path;
	cfg.hnames = (const char *const *)req.names;
	cfg.hvalues = (const char *const *)req.values;
	cfg.nheaders = req.n;
	cfg.body = req.body;
	cfg.body_len = req.body_len;
	cfg.head = strcmp(method, "HEAD") == 0;
	cfg.connections = (int)conns;
	cfg.threads = (int)threads;
	cfg.warmup_s = warmup;
	cfg.duration_s = duration;
	cfg.rate = rate;
	cfg.request_timeout_s = rtimeout;
	cfg.max_requests = (uint64_t)requests;
	cfg.hard_end_ms = t0 + (timeout_s - LOAD_REPORT_MARGIN_S) * 1000.0;
	if (warmup + duration + rtimeout > timeout_s - LOAD_REPORT_MARGIN_S)
		facts_add_bool(f, "load.cut_by_deadline", true);

	struct load_stats st;
	int rc = load_run(&st, &cfg);
	if (rc < 0)
		facts_error(f, "load %s: %s", url, err_msg());
	struct load_errbody_cap cap = {0, 0};
	load_errbody_scan(f, &st, "under load", &cap);
	free(st.errbody);
	st.errbody = NULL;
	load_facts_add(f, &st, &cfg);
	if (slo && load_slo_judge(f, slo) < 0)
		facts_error(f, "%s", err_msg());
	if (throttle)
		load_throttle_judge(f, throttle_rps);
	if (recovery.on && rc == 0 && st.responses > 0)
		load_recovery_run(f, &cfg, &recovery, slo, &cap);
	if (st.first_error[0] &&
	    (st.errors_connect || st.errors_read || st.errors_timeout || st.errors_parse))
		facts_add_string(f, "load.first_error", st.first_error);
	if (rc == 0 && st.responses == 0 && st.sent + st.errors_connect > 0) {
		facts_error(f, "load %s: no response at all (%s)", url,
		            st.first_error[0] ? st.first_error : "nothing answered");
		rc = -1;
	}
	hist_free(&st.hist);
	load_req_free(&req);
	return rc;
}

/* --- human output --- */

static double fget(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	if (!v)
		return 0;
	return v->type == FACT_INT ? (double)v->i : v->type == FACT_DOUBLE ? v->d : 0;
}

static void fmt_ms(char *buf, size_t n, double ms)
{
	if (ms >= 1000)
		snprintf(buf, n, "%.2fs", ms / 1000.0);
	else if (ms >= 1)
		snprintf(buf, n, "%.2fms", ms);
	else
		snprintf(buf, n, "%.0fus", ms * 1000.0);
}

int load_print_summary(FILE *out, const struct facts *f)
{
	const struct fact_value *hv = facts_get(f, "load.histogram");
	if (!hv || hv->type != FACT_STRING)
		return -1;
	struct hist h;
	if (hist_decode(&h, hv->s) < 0)
		return -1;
	const struct fact_value *model = facts_get(f, "load.model");
	fprintf(out, "  %s model, %.0f threads and %.0f connections, %.2f s measured\n",
	        model && model->type == FACT_STRING ? model->s : "?", fget(f, "load.threads"),
	        fget(f, "load.connections"), fget(f, "load.duration_s"));
	char a[32], b[32], c[32];
	fmt_ms(a, sizeof(a), hist_mean(&h) / 1000.0);
	fmt_ms(b, sizeof(b), hist_stddev(&h) / 1000.0);
	fmt_ms(c, sizeof(c), (double)h.max / 1000.0);
	fprintf(out, "  Latency   avg %-10s stdev %-10s max %s\n", a, b, c);
	fprintf(out, "  %.0f requests in %.2fs, %.2f MB read\n", fget(f, "load.requests"),
	        fget(f, "load.duration_s"), fget(f, "load.bytes") / 1e6);
	fprintf(out, "  Errors: connect %.0f, read %.0f, timeout %.0f, parse %.0f, 5xx %.0f\n",
	        fget(f, "load.errors.connect"), fget(f, "load.errors.read"),
	        fget(f, "load.errors.timeout"), fget(f, "load.errors.parse"),
	        fget(f, "load.errors.status_5xx"));
	if (fget(f, "load.error_bodies.sampled") > 0) {
		fprintf(
		    out,
		    "  Error bodies: %.0f sampled; card numbers %.0f, track/CVV/PIN %.0f, stack "
		    "traces %.0f",
		    fget(f, "load.error_bodies.sampled"), fget(f, "load.error_bodies.pan"),
		    fget(f, "load.error_bodies.sad"), fget(f, "load.error_bodies.stack_traces"));
		if (fget(f, "load.recovery.error_bodies.sampled") > 0)
			fprintf(out, " (%.0f sampled in the overload and recovery)",
			        fget(f, "load.recovery.error_bodies.sampled"));
		fputc('\n', out);
	}
	fprintf(out, "  Requests/sec: %.2f\n", fget(f, "load.rps"));
	if (fget(f, "load.rate.target") > 0)
		fprintf(out, "  Rate: target %.2f/s, achieved %.2f/s\n",
		        fget(f, "load.rate.target"), fget(f, "load.rate.achieved"));
	const struct fact_value *rt = facts_get(f, "load.recovery.tested");
	if (rt && rt->type == FACT_BOOL && rt->b) {
		const struct fact_value *rs = facts_get(f, "load.recovery.s");
		fprintf(out, "  Overload: %.2f/s sent (target %.2f/s), the SLO %s under it\n",
		        fget(f, "load.recovery.overload_rps"),
		        fget(f, "load.recovery.overload_target_rps"),
		        (facts_get(f, "load.recovery.overload_slo_met") &&
		         facts_get(f, "load.recovery.overload_slo_met")->b)
		            ? "held"
		            : "broke");
		if (rs)
			fprintf(out,
			        "  Recovery: within the SLO %.2f s after the overload (objective "
			        "%.0f s)\n",
			        fget(f, "load.recovery.s"), fget(f, "load.recovery.objective_s"));
		else
			fprintf(out,
			        "  Recovery: not within the SLO in %.0f windows of %.2f s "
			        "(objective %.0f s)\n",
			        fget(f, "load.recovery.windows"), fget(f, "load.recovery.window_s"),
			        fget(f, "load.recovery.objective_s"));
	}
	fprintf(out, "\n  Latency distribution (from the %s time)\n",
	        model && model->type == FACT_STRING && strcmp(model->s, "open") == 0 ? "scheduled"
	                                                                             : "send");
	static const double pl[] = {50, 75, 90, 99, 99.9, 99.99, 99.999, 100};
	for (size_t i = 0; i < sizeof(pl) / sizeof(pl[0]); i++) {
		fmt_ms(a, sizeof(a), (double)hist_percentile(&h, pl[i]) / 1000.0);
		fprintf(out, "  %7.3f%%  %s\n", pl[i], a);
	}
	fprintf(out, "\n  Percentile spectrum\n  %12s %14s %12s %14s\n", "Value(ms)", "Percentile",
	        "TotalCount", "1/(1-Percentile)");
	/* HdrHistogram's tick layout: 5 ticks per halving of the distance to 100 % */
	double last = -1;
	for (int half = 0; half < 20 && h.total; half++) {
		double lo = 1.0 - pow(0.5, half), hi = 1.0 - pow(0.5, half + 1);
		for (int k = 0; k < 5; k++) {
			double q = lo + (hi - lo) * k / 5.0;
			uint64_t rank = (uint64_t)ceil(q * (double)h.total);
			if (rank < 1)
				rank = 1;
			double qq = (double)rank / (double)h.total;
			if (qq <= last)
				continue;
			last = qq;
			int64_t v = hist_percentile(&h, qq * 100.0);
			fprintf(out, "  %12.3f %14.6f %12llu %14.2f\n", (double)v / 1000.0, qq,
			        (unsigned long long)rank, qq < 1 ? 1.0 / (1.0 - qq) : INFINITY);
			if (rank >= h.total)
				goto done;
		}
	}
done:
	fprintf(out, "  #[Mean = %.3f, StdDeviation = %.3f]\n  #[Max = %.3f, Total count = %llu]\n",
	        hist_mean(&h) / 1000.0, hist_stddev(&h) / 1000.0, (double)h.max / 1000.0,
	        (unsigned long long)h.total);
	hist_free(&h);
	return 0;
}

const struct probe probe_load = {
    .name = "load",
    .summary = "HTTP load at a loopback URL: closed or constant-rate, latency percentiles, errors",
    .keys = load_keys,
    .options = load_options,
    .run = load_probe_run,
    .print = load_print_summary,
    .merge = load_facts_merge,
    .cost = 10, /* a load test runs for its duration; exec checks are cost 1 */
};
