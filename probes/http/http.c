/*
 * The http probe: `http = URL` in a plan (several allowed), `assay probe
 * http URL`. It judges a web endpoint the way UPDSS and PCI DSS (2.2,
 * 4.2, 6.2.4, 6.4.3, 3.4) and the online-banking rules (JR/T 0068) expect:
 * HTTPS only, HSTS, security headers, cookie flags, no version or stack
 * trace disclosure, no TRACE, no directory listing, no full card number
 * on a page, and payment-page scripts with integrity. The fact table is
 * probes/http/README.md.
 *
 * Order of requests for each URL (all through one libcurl handle, so at
 * most one connection is open; fetch.c):
 *   1. the URL, following redirects hop by hop (bounded; loops detected);
 *      for an https URL also its plain-http form (port 80, or the
 *      plain-port option) to see that it redirects to https;
 *   2. the page: headers, cookies, body (card data, error text, default
 *      page, listing), HTML (scripts, links, mixed content, forms);
 *   3. active checks on the page's URL: TRACE, TRACK, OPTIONS, a CORS
 *      request with a foreign Origin, a path that does not exist (error
 *      disclosure), the site root (default page), the directories of
 *      same-origin subresources (directory listings);
 *   4. the crawl: same-origin links, breadth first, until `crawl` pages.
 * Every response, whatever it was for, goes through the cookie, version,
 * error-text and card-data checks.
 *
 * Several URLs: facts combine so that a rule judges the worst of them
 * (a bad property is true if any URL has it, a good one only if all do,
 * HSTS max-age is the smallest, lists are unions, counts are sums).
 */
#include "probes/http/http_int.h"
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/rand.h>

#define HTTP_DEFAULT_TIMEOUT_S     120.0
#define HTTP_DEFAULT_REQ_TIMEOUT_S 10.0
#define HTTP_CRAWL_MAX             1000
#define HTTP_VISITED_MAX           4096 /* URLs asked for or queued per run */
#define HTTP_DIR_PROBES_MAX        4
#define HTTP_FINDINGS_MAX          300 /* findings per run; the counts stay exact */

static const char *const http_keys[] = {"http", NULL};

static const struct probe_option http_options[] = {
    {"crawl", "pages to visit per URL, following same-origin links (default 1: the URL only)"},
    {"header", "'Name: value' sent with every request (may repeat)"},
    {"cookie", "cookie string sent with every request ('a=1; b=2')"},
    {"ca-file", "PEM file of trusted CA certificates (instead of the system store)"},
    {"plain-port", "port of the plain-http listener for an https URL (default 80 for :443)"},
    {"request-timeout", "seconds one request may take (default 10)"},
    {"max-body", "bytes read of one response body (default 4M; k, M suffixes)"},
    {"baseline", "the previous run's results.json (or a list of script URLs, one a line): "
                 "scripts added or removed since"},
    {"auth.login", "opt-in authenticated tests (sends real logins: a test account only): "
                   "'[METHOD ]URL' of the login (POST by default)"},
    {"auth.login-body", "login body template with {user} and {password} "
                        "(default user={user}&password={password}; JSON if it starts with {)"},
    {"auth.content-type", "Content-Type of the login and transaction bodies (default: form or "
                          "JSON by the body)"},
    {"auth.user", "the test account's user name"},
    {"auth.password-env", "the environment variable that holds the test account's password"},
    {"auth.token", "JSON field of the login response holding a bearer token (else cookies)"},
    {"auth.check", "URL that answers 2xx only when logged in (401, 403 or a redirect when not)"},
    {"auth.logout", "'[METHOD ]URL' of the logout (GET by default): is the session dropped?"},
    {"auth.idle", "seconds to leave a session idle, then check it was dropped (1-3600; 910 "
                  "for PCI's 15 minutes)"},
    {"auth.lockout", "wrong passwords to send (true: 10; at most 50), then the right one: "
                     "lock, throttle or challenge? (may lock the account)"},
    {"auth.lockout-marker", "text of a login response that means the account is locked"},
    {"auth.transaction", "'[METHOD ]URL' of a captured transaction request (POST by default), "
                         "sent again to see it refused"},
    {"auth.transaction-body", "the captured transaction's body"},
    {"auth.transaction-body-file", "a file holding the captured transaction's body (for a "
                                   "body longer than a plan line)"},
    {"auth.tamper", "'FROM -> TO' change to the transaction body that must be refused "
                    "(amount=100 -> amount=101)"},
    {"auth.password-change", "'[METHOD ]URL' of the password change (POST by default): are "
                             "weak passwords refused? (changes the password and puts it back)"},
    {"auth.password-change-body", "its body template with {password} (current) and {new} "
                                  "(default old={password}&new={new})"},
    {NULL, NULL},
};

/* A bounded list of distinct strings, in first-seen order; max 0 is HTTP_LIST_MAX. */
struct sset {
	char **v;
	size_t n, cap;
	size_t max;
};

static bool sset_has(const struct sset *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

/* Adds x; false if it was there (or the list is full). */
static bool sset_add(struct sset *s, const char *x)
{
	if (sset_has(s, x) || s->n >= (s->max ? s->max : HTTP_LIST_MAX))
		return false;
	*ARRAY_PUSH(s->v, s->n, s->cap) = xstrdup(x);
	return true;
}

static void sset_free(struct sset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Tri-state facts: -1 not observed, 0 false, 1 true. */
static void bad(int *a, bool v)
{
	*a = (*a == 1 || v) ? 1 : 0;
}

static void good(int *a, bool v)
{
	*a = *a == -1 ? v : (*a && v);
}

struct http_run {
	struct facts *out;
	struct http_client *cl;
	long crawl;
	const char *plain_port;
	unsigned nfindings;

	int reachable, https, https_redirect, plain_listening, redirect_loop, tls_verified;
	int hsts_present, hsts_incsub, hsts_preload;
	int64_t hsts_max_age;
	int csp_present, csp_report_only, csp_unsafe_inline, csp_unsafe_eval, csp_wildcard;
	int frame_prot, xcto, refpol, refpol_unsafe, permpol;
	int trace, track, cors_wildcard, cors_reflect, cors_cred, cors_wc_cred;
	int server_version, error_disclosure, default_page, dir_listing, mixed, session_in_url;
	int64_t status, options_status, not_found_status;
	char *server, *powered_by, *cors_origin, *final_url, *tls_error;

	struct sset chain, headers_missing, cookies, cookies_insecure, no_httponly, no_samesite,
	    session_weak, session_params, error_markers, listing_urls, mixed_urls, scripts,
	    scripts_no_sri, scripts_3p, scripts_3p_no_sri, allow, risky, pan_pages, cache_missing,
	    software, software_eol, truncated, timeouts, visited, subdirs, default_markers;
	int64_t pan_exposed, pan_masked_wide, pan_masked_ok, pan_low, pan_cvv, pan_pin, pan_track;
	int64_t pii_id, pii_mobile, pii_masked_ok, pii_masked_wide; /* PFI-05 */
	char today[16]; /* YYYY-MM-DD (UTC) the end-of-life dates are compared with */
	struct sset pii_pages;
	int64_t inline_scripts, pages;
	bool complete;
	bool cur_card; /* the response being read showed card data */
	bool mute;     /* a repeat of a page (CORS, methods): its card data is not counted again */
};

static void endpoint_of(char *out, size_t len, const char *url)
{
	char o[512];
	if (http_origin(o, sizeof(o), url) == 0)
		snprintf(out, len, "%s", strstr(o, "://") + 3);
	else
		snprintf(out, len, "?");
}

static void finding(struct http_run *R, const char *url, const char *kind, const char *sev,
                    const char *excerpt, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void finding(struct http_run *R, const char *url, const char *kind, const char *sev,
                    const char *excerpt, const char *fmt, ...)
{
	if (R->nfindings >= HTTP_FINDINGS_MAX)
		return;
	R->nfindings++;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char ep[300];
	endpoint_of(ep, sizeof(ep), url);
	char *file = http_printable(url, HTTP_URL_MAX);
	struct finding fd = {.kind = (char *)kind,
	                     .severity = (char *)sev,
	                     .message = msg,
	                     .excerpt = (char *)excerpt};
	finding_loc_init(&fd.loc);
	fd.loc.endpoint = ep;
	fd.loc.file = file;
	facts_add_finding(R->out, &fd);
	free(file);
	free(msg);
}

/* --- card data: every hit of the scanner, masked by it --- */

static void on_hit(void *ctx, const char *url, bool in_headers, const struct pan_hit *h)
{
	struct http_run *R = ctx;
	if (R->mute)
		return;
	const char *where = in_headers ? "response headers" : "response body";
	const char *sev = NULL, *what = NULL;
	R->cur_card = true;
	switch (h->kind) {
	case PAN_KIND_PAN:
		if (h->conf == PAN_CONF_LOW) {
			R->pan_low++;
			sev = "medium", what = "a UnionPay-like number failing Luhn";
		} else {
			R->pan_exposed++;
			sev = "critical", what = "a full card number";
		}
		break;
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
		R->pan_track++;
		R->pan_exposed++;
		sev = "critical", what = "magnetic-stripe track data";
		break;
	case PAN_KIND_CVV:
		R->pan_cvv++;
		sev = "critical", what = "a card verification value";
		break;
	case PAN_KIND_PIN_BLOCK:
		R->pan_pin++;
		sev = "critical", what = "a PIN block";
		break;
	case PAN_KIND_MASKED_WIDE:
		R->pan_masked_wide++;
		sev = "high",
		what = "a masked card number showing more than the first 6 and last 4";
		break;
	case PAN_KIND_MASKED_OK:
		R->pan_masked_ok++;
		return;
	}
	sset_add(&R->pan_pages, url);
	if (R->nfindings >= HTTP_FINDINGS_MAX)
		return;
	char kind[48];
	snprintf(kind, sizeof(kind), "http-%s", pan_kind_name(h->kind));
	char ep[300];
	endpoint_of(ep, sizeof(ep), url);
	char *msg = xasprintf("%s (shown masked: %s%s%s) in the %s", what, h->masked,
	                      h->brand != PAN_BRAND_NONE ? ", " : "",
	                      h->brand != PAN_BRAND_NONE ? pan_brand_name(h->brand) : "", where);
	char *file = http_printable(url, HTTP_URL_MAX);
	struct finding fd = {
	    .kind = kind, .severity = (char *)sev, .message = msg, .excerpt = (char *)h->excerpt};
	finding_loc_init(&fd.loc);
	fd.loc.endpoint = ep;
	fd.loc.file = file;
	if (!in_headers) {
		fd.loc.line = (int64_t)h->line;
		fd.loc.column = h->column ? (int64_t)h->column : -1;
	}
	fd.loc.offset = (int64_t)h->offset;
	R->nfindings++;
	facts_add_finding(R->out, &fd);
	free(file);
	free(msg);
}

/* --- ID and mobile numbers (JR/T 0171 C2, PFI-05), masked by the finder --- */

static void on_pii(void *ctx, const char *url, bool in_headers, const struct pii_hit *h)
{
	struct http_run *R = ctx;
	if (R->mute)
		return;
	switch (h->kind) {
	case PII_ID:
		R->pii_id++;
		break;
	case PII_MOBILE:
		R->pii_mobile++;
		break;
	case PII_MASKED_WIDE:
		R->pii_masked_wide++;
		break;
	case PII_MASKED_OK:
		R->pii_masked_ok++;
		return;
	}
	sset_add(&R->pii_pages, url);
	if (R->nfindings >= HTTP_FINDINGS_MAX)
		return;
	char ep[300];
	endpoint_of(ep, sizeof(ep), url);
	char kind[48];
	snprintf(kind, sizeof(kind), "http-pii-%s", pii_finding_kind(h));
	char *what = pii_describe(h);
	char *msg =
	    xasprintf("%s in the %s", what, in_headers ? "response headers" : "response body");
	free(what);
	char *file = http_printable(url, HTTP_URL_MAX);
	struct finding fd = {.kind = kind, .severity = "medium", .message = msg};
	finding_loc_init(&fd.loc);
	fd.loc.endpoint = ep;
	fd.loc.file = file;
	fd.loc.offset = (int64_t)h->offset;
	R->nfindings++;
	facts_add_finding(R->out, &fd);
	free(file);
	free(msg);
}

/* --- UPD-24: software named in Server / X-Powered-By, past its end of life --- */

static void saw_products(struct http_run *R, const char *url, const char *value)
{
	struct http_product p[8];
	size_t n = http_products(value, p, 8);
	if (!R->today[0]) {
		time_t now = time(NULL);
		struct tm tm;
		strftime(R->today, sizeof(R->today), "%Y-%m-%d", gmtime_r(&now, &tm));
	}
	for (size_t i = 0; i < n; i++) {
		char *sw = xasprintf("%s/%s", p[i].name, p[i].version);
		char *pr = http_printable(sw, 80);
		sset_add(&R->software, pr);
		const char *ended = http_product_eol(&p[i], R->today);
		if (ended) {
			char *item = xasprintf("%s (security support ended %s)", pr, ended);
			if (sset_add(&R->software_eol, item))
				finding(
				    R, url, "http-software-eol", "medium", NULL,
				    "%s is past its end of life: its branch has had no security "
				    "fixes since %s",
				    pr, ended);
			free(item);
		}
		free(pr);
		free(sw);
	}
}

/* --- what every response is checked for --- */

static bool is_html(const struct http_resp *r)
{
	const char *ct = http_header_get(r, "content-type");
	if (ct)
		return strcasestr(ct, "html") != NULL;
	/* No type: sniff as a browser would, from the first non-space byte. */
	const char *b = r->body.buf;
	size_t i = 0;
	while (i < r->body.len && isspace((unsigned char)b[i]))
		i++;
	return i < r->body.len && b[i] == '<';
}

static void saw_cookies(struct http_run *R, const struct http_resp *r)
{
	for (size_t i = 0; i < r->nh; i++) {
		if (strcmp(r->h[i].name, "set-cookie") != 0)
			continue;
		struct http_cookie c;
		if (http_cookie_parse(&c, r->h[i].value) < 0)
			continue;
		if (!sset_add(&R->cookies, c.name))
			continue; /* each cookie name is judged once, where first set */
		if (!c.secure) {
			sset_add(&R->cookies_insecure, c.name);
			finding(R, r->url, "http-cookie-not-secure",
			        c.session_like ? "high" : "low", NULL,
			        "cookie '%s'%s is set without the Secure flag", c.name,
			        c.session_like ? " (a session cookie)" : "");
		}
		if (!c.httponly) {
			sset_add(&R->no_httponly, c.name);
			if (c.session_like)
				finding(R, r->url, "http-cookie-not-httponly", "medium", NULL,
				        "session cookie '%s' is readable by scripts (no HttpOnly)",
				        c.name);
		}
		if (c.session_like && (!c.secure || !c.httponly || !c.samesite[0]))
			sset_add(&R->session_weak, c.name);
		if (!c.samesite[0]) {
			sset_add(&R->no_samesite, c.name);
			if (c.session_like)
				finding(R, r->url, "http-cookie-no-samesite", "low", NULL,
				        "session cookie '%s' has no SameSite attribute", c.name);
		}
	}
}

static void saw_session_url(struct http_run *R, const char *page, const char *url)
{
	const char *p = http_url_session_param(url);
	if (!p)
		return;
	bad(&R->session_in_url, true);
	if (sset_add(&R->session_params, p))
		finding(R, page, "http-session-id-in-url", "high", NULL,
		        "a session id travels in a URL (parameter '%s'): it leaks to logs, "
		        "history and Referer headers",
		        p);
}

static void saw_response(struct http_run *R, const struct http_resp *r)
{
	if (r->truncated && sset_add(&R->truncated, r->url))
		finding(R, r->url, "http-body-truncated", "info", NULL,
		        "the body was cut after %zu bytes (max-body); the rest was not checked",
		        r->body.len);
	if (r->timed_out && sset_add(&R->timeouts, r->url))
		finding(R, r->url, "http-timeout", "low", NULL, "the request timed out: %s",
		        r->error);
	if (r->status == 0)
		return;
	saw_cookies(R, r);
	const char *loc = http_header_get(r, "location");
	if (loc)
		saw_session_url(R, r->url, loc);
	static const char *const verh[] = {"server",           "x-powered-by",
	                                   "x-aspnet-version", "x-aspnetmvc-version",
	                                   "x-generator",      NULL};
	for (size_t i = 0; verh[i]; i++) {
		const char *v = http_header_get(r, verh[i]);
		if (!v)
			continue;
		if (i == 0 && !R->server)
			R->server = http_printable(v, 120);
		if (i == 1 && !R->powered_by)
			R->powered_by = http_printable(v, 120);
		if (i <= 1)
			saw_products(R, r->url, v);
		bool ver = http_has_version(v);
		if (ver && R->server_version != 1) {
			char *pv = http_printable(v, 120);
			finding(R, r->url, "http-version-disclosed", "low", NULL,
			        "the %s header names a version: %s", verh[i], pv);
			free(pv);
		}
		bad(&R->server_version, ver);
	}
	if (r->status >= 400) {
		const char *bv = http_body_version(r->body.buf ? r->body.buf : "", r->body.len);
		if (bv && R->server_version != 1)
			finding(R, r->url, "http-version-disclosed", "low", NULL,
			        "the error page names a version (%s...)", bv);
		bad(&R->server_version, bv != NULL);
	}
	const char *em[8];
	size_t nem = http_error_markers(em, 8, r->body.buf ? r->body.buf : "", r->body.len);
	bad(&R->error_disclosure, nem > 0);
	bool fresh = false;
	for (size_t i = 0; i < nem; i++)
		fresh = sset_add(&R->error_markers, em[i]) || fresh;
	if (fresh)
		finding(R, r->url, "http-error-disclosure", "medium", NULL,
		        "the response shows internal error text ('%s'%s)", em[0],
		        nem > 1 ? " and more" : "");
}

/* A 2xx page: HTML, listing, default page, cache. Links go to *next. */
static void saw_page(struct http_run *R, const struct http_resp *r, bool sensitive_card,
                     struct sset *next)
{
	const char *body = r->body.buf ? r->body.buf : "";
	if (r->status < 200 || r->status >= 300)
		return;
	bool listing = http_is_dir_listing(body, r->body.len);
	bad(&R->dir_listing, listing);
	if (listing && sset_add(&R->listing_urls, r->url))
		finding(R, r->url, "http-dir-listing", "medium", NULL,
		        "the server lists a directory's contents");
	const char *dm = http_default_page_marker(body, r->body.len);
	bad(&R->default_page, dm != NULL);
	if (dm && sset_add(&R->default_markers, dm))
		finding(R, r->url, "http-default-page", "low", NULL,
		        "a web server's default page is served ('%s')", dm);
	bool sensitive = sensitive_card;
	if (is_html(r)) {
		struct http_page p;
		http_page_parse(&p, r->url, body, r->body.len);
		R->inline_scripts += (int64_t)p.inline_scripts;
		for (size_t i = 0; i < p.nscripts; i++) {
			const struct http_script *s = &p.scripts[i];
			if (!sset_add(&R->scripts, s->url))
				continue;
			if (!s->sri)
				sset_add(&R->scripts_no_sri, s->url);
			if (!s->same_origin) {
				sset_add(&R->scripts_3p, s->url);
				if (!s->sri) {
					sset_add(&R->scripts_3p_no_sri, s->url);
					finding(
					    R, r->url, "http-script-no-sri", "medium", NULL,
					    "third-party script without Subresource Integrity: %s",
					    s->url);
				}
			}
		}
		if (strncasecmp(r->url, "https:", 6) == 0)
			bad(&R->mixed, p.nmixed > 0);
		for (size_t i = 0; i < p.nmixed; i++)
			if (sset_add(&R->mixed_urls, p.mixed[i]))
				finding(R, r->url, "http-mixed-content", "medium", NULL,
				        "an https page loads a resource over http: %s", p.mixed[i]);
		for (size_t i = 0; i < p.nlinks; i++) {
			saw_session_url(R, r->url, p.links[i]);
			if (next)
				sset_add(next, p.links[i]);
		}
		for (size_t i = 0; i < p.nsubdirs; i++)
			sset_add(&R->subdirs, p.subdirs[i]);
		sensitive = sensitive || p.sensitive_form;
		http_page_free(&p);
	}
	if (sensitive) {
		const char *cc = http_header_get(r, "cache-control");
		bool ns = cc && strcasestr(cc, "no-store");
		if (!ns && sset_add(&R->cache_missing, r->url))
			finding(R, r->url, "http-cache-sensitive", "medium", NULL,
			        "a page with card data or a password form may be cached "
			        "(no Cache-Control: no-store)");
	}
}

/* GET (or method) url, with the common checks. 0 if a response came. */
static int get(struct http_run *R, struct http_resp *r, const char *method, const char *url,
               const char *const *extra)
{
	R->cur_card = false;
	int rc = http_fetch(R->cl, r, method, url, extra);
	if (!http_client_time_left(R->cl))
		R->complete = false;
	saw_response(R, r);
	return rc;
}

/*
 * Follow url's redirects hop by hop into chain (the URLs, first to last).
 * *last gets the final response (to free). Returns 0 with a final
 * response, -1 when none came or the chain loops or is too long (*loop).
 * *card: the final response showed card data.
 */
static int follow(struct http_run *R, const char *url, struct http_resp *last, struct sset *chain,
                  bool *loop, bool *card)
{
	char *cur = xstrdup(url);
	*loop = false;
	for (int hop = 0;; hop++) {
		if (sset_has(chain, cur) || hop > HTTP_REDIRECTS_MAX) {
			*loop = true;
			free(cur);
			return -1;
		}
		sset_add(chain, cur);
		if (get(R, last, NULL, cur, NULL) < 0) {
			free(cur);
			return -1;
		}
		*card = R->cur_card;
		const char *loc = http_header_get(last, "location");
		if (last->status < 300 || last->status >= 400 || !loc) {
			free(cur);
			return 0;
		}
		char *nxt = http_resolve(cur, loc);
		if (!nxt) {
			/* A Location that is not http(s) ends the chain where it is. */
			free(cur);
			return 0;
		}
		http_resp_free(last);
		free(cur);
		cur = nxt;
	}
}

/* --- headers of the page --- */

static void check_headers(struct http_run *R, const struct http_resp *r)
{
	bool https = strncasecmp(r->url, "https:", 6) == 0;
	const char *url = r->url;
	/* HSTS is ignored by browsers over plain http (RFC 6797 §8.1). */
	const char *hsts = https ? http_header_get(r, "strict-transport-security") : NULL;
	struct http_hsts h = {0};
	if (hsts)
		http_hsts_parse(&h, hsts);
	good(&R->hsts_present, h.valid);
	if (h.valid) {
		if (R->hsts_max_age < 0 || h.max_age < R->hsts_max_age)
			R->hsts_max_age = h.max_age;
		good(&R->hsts_incsub, h.include_subdomains);
		good(&R->hsts_preload, h.preload);
		if (h.max_age < HSTS_SIX_MONTHS_S)
			finding(R, url, "http-hsts-short", "low", NULL,
			        "HSTS max-age is %lld s, under 180 days", (long long)h.max_age);
	} else {
		good(&R->hsts_incsub, false);
		good(&R->hsts_preload, false);
		R->hsts_max_age = 0; /* the smallest of all: none */
		sset_add(&R->headers_missing, "strict-transport-security");
		finding(R, url, "http-no-hsts", "medium", NULL,
		        https ? "no valid Strict-Transport-Security header"
		              : "the page is served over plain http (no HSTS possible)");
	}

	struct strbuf csp = STRBUF_INIT;
	bool report_only = false;
	for (size_t i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].name, "content-security-policy") == 0) {
			if (csp.len)
				sb_addc(&csp, ',');
			sb_adds(&csp, r->h[i].value);
		} else if (strcmp(r->h[i].name, "content-security-policy-report-only") == 0) {
			report_only = true;
		}
	struct http_csp c = {0};
	if (csp.len)
		http_csp_parse(&c, csp.buf);
	good(&R->csp_present, csp.len > 0);
	bad(&R->csp_report_only, report_only && !csp.len);
	bad(&R->csp_unsafe_inline, csp.len && c.unsafe_inline);
	bad(&R->csp_unsafe_eval, csp.len && c.unsafe_eval);
	bad(&R->csp_wildcard, csp.len && c.wildcard);
	if (!csp.len) {
		sset_add(&R->headers_missing, "content-security-policy");
		finding(R, url, "http-no-csp", "medium", NULL,
		        report_only ? "Content-Security-Policy is only report-only"
		                    : "no Content-Security-Policy header");
	} else if (c.unsafe_inline || c.unsafe_eval || c.wildcard || c.no_script_limit) {
		finding(R, url, "http-csp-weak", "low", NULL,
		        "the Content-Security-Policy allows%s%s%s%s",
		        c.unsafe_inline ? " unsafe-inline" : "",
		        c.unsafe_eval ? " unsafe-eval" : "",
		        c.wildcard ? " wildcard script sources" : "",
		        c.no_script_limit ? " any script (no script-src or default-src)" : "");
	}
	sb_free(&csp);

	const char *xfo = http_header_get(r, "x-frame-options");
	bool xfo_ok = xfo && (strcasecmp(xfo, "deny") == 0 || strcasecmp(xfo, "sameorigin") == 0);
	good(&R->frame_prot, xfo_ok || c.frame_ancestors);
	if (!xfo_ok && !c.frame_ancestors) {
		sset_add(&R->headers_missing, "x-frame-options");
		finding(R, url, "http-no-frame-protection", "medium", NULL,
		        "neither X-Frame-Options nor CSP frame-ancestors: the page can be framed "
		        "(clickjacking)");
	}
	const char *xcto = http_header_get(r, "x-content-type-options");
	bool xcto_ok = xcto && strcasecmp(xcto, "nosniff") == 0;
	good(&R->xcto, xcto_ok);
	if (!xcto_ok) {
		sset_add(&R->headers_missing, "x-content-type-options");
		finding(R, url, "http-no-nosniff", "low", NULL,
		        "no X-Content-Type-Options: nosniff");
	}
	const char *rp = http_header_get(r, "referrer-policy");
	good(&R->refpol, rp != NULL);
	bool rp_unsafe = rp && (strcasestr(rp, "unsafe-url") ||
	                        strcasecmp(rp, "no-referrer-when-downgrade") == 0);
	bad(&R->refpol_unsafe, rp_unsafe);
	if (!rp) {
		sset_add(&R->headers_missing, "referrer-policy");
		finding(R, url, "http-no-referrer-policy", "low", NULL,
		        "no Referrer-Policy header");
	} else if (rp_unsafe) {
		finding(R, url, "http-referrer-policy-unsafe", "low", NULL,
		        "Referrer-Policy sends full URLs to other sites");
	}
	bool pp = http_header_get(r, "permissions-policy") != NULL;
	good(&R->permpol, pp);
	if (!pp) {
		sset_add(&R->headers_missing, "permissions-policy");
		finding(R, url, "http-no-permissions-policy", "info", NULL,
		        "no Permissions-Policy header");
	}
}

/* --- active checks on the page's URL --- */

static void check_methods(struct http_run *R, const char *url)
{
	struct http_resp r;
	static const char *const m[] = {"TRACE", "TRACK"};
	R->mute = true;
	for (int i = 0; i < 2; i++) {
		if (get(R, &r, m[i], url, NULL) == 0) {
			bool on = r.status >= 200 && r.status < 300;
			bad(i == 0 ? &R->trace : &R->track, on);
			if (on)
				finding(R, url, i == 0 ? "http-trace" : "http-track", "medium",
				        NULL,
				        "the %s method is answered with %ld (cross-site tracing)",
				        m[i], r.status);
		}
		http_resp_free(&r);
	}
	if (get(R, &r, "OPTIONS", url, NULL) == 0) {
		if (R->options_status < 0)
			R->options_status = r.status;
		const char *allow = http_header_get(&r, "allow");
		if (allow) {
			char *a = xstrdup(allow), *save = NULL;
			for (char *t = strtok_r(a, ", ", &save); t;
			     t = strtok_r(NULL, ", ", &save)) {
				for (char *p = t; *p; p++)
					*p = (char)toupper((unsigned char)*p);
				char *pt = http_printable(t, 24);
				sset_add(&R->allow, pt);
				static const char *const risky[] = {"PUT",   "DELETE",  "TRACE",
				                                    "TRACK", "CONNECT", NULL};
				for (size_t k = 0; risky[k]; k++)
					if (strcmp(pt, risky[k]) == 0 && sset_add(&R->risky, pt))
						finding(R, url, "http-risky-method", "low", NULL,
						        "OPTIONS lists the %s method", pt);
				free(pt);
			}
			free(a);
		}
	}
	http_resp_free(&r);
	R->mute = false;
}

#define PROBE_ORIGIN "https://assay-cors-probe.invalid"

static void check_cors(struct http_run *R, const char *url)
{
	struct http_resp r;
	const char *hdr[] = {"Origin: " PROBE_ORIGIN, NULL};
	R->mute = true;
	if (get(R, &r, NULL, url, hdr) == 0) {
		const char *ao = http_header_get(&r, "access-control-allow-origin");
		const char *ac = http_header_get(&r, "access-control-allow-credentials");
		bool wild = ao && strcmp(ao, "*") == 0;
		bool refl = ao && (strcmp(ao, PROBE_ORIGIN) == 0 || strcmp(ao, "null") == 0);
		bool cred = ac && strcasecmp(ac, "true") == 0;
		if (ao && !R->cors_origin)
			R->cors_origin = http_printable(ao, 200);
		bad(&R->cors_wildcard, wild);
		bad(&R->cors_reflect, refl);
		bad(&R->cors_cred, cred);
		bad(&R->cors_wc_cred, (wild || refl) && cred);
		if ((wild || refl) && cred)
			finding(R, url, "http-cors-credentials", "high", NULL,
			        "CORS %s any origin together with credentials",
			        wild ? "allows" : "reflects");
		else if (refl)
			finding(R, url, "http-cors-reflect", "low", NULL,
			        "CORS reflects a foreign Origin");
	}
	http_resp_free(&r);
	R->mute = false;
}

static void check_not_found(struct http_run *R, const char *url)
{
	uint8_t rnd[6];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0x5a, sizeof(rnd));
	char o[512];
	if (http_origin(o, sizeof(o), url) < 0)
		return;
	/* Under the page's directory (an app mounted at /app/ shows its own
	 * errors there); a quote in the name trips naive SQL paths. */
	char *dir = http_dir_of(url);
	char *u = xasprintf("%s%sassay-missing-%02x%02x%02x%02x%02x%02x%%27", dir ? dir : url,
	                    dir ? "" : (url[strlen(url) - 1] == '/' ? "" : "/"), rnd[0], rnd[1],
	                    rnd[2], rnd[3], rnd[4], rnd[5]);
	free(dir);
	struct http_resp r;
	if (get(R, &r, NULL, u, NULL) == 0 && R->not_found_status < 0)
		R->not_found_status = r.status;
	http_resp_free(&r);
	free(u);
}

/* GET url once as a page (2xx: page checks). Returns the status, or 0. */
static long visit(struct http_run *R, const char *url, struct sset *next)
{
	if (!sset_add(&R->visited, url))
		return 0;
	struct http_resp r;
	long st = 0;
	if (get(R, &r, NULL, url, NULL) == 0) {
		st = r.status;
		saw_page(R, &r, R->cur_card, next);
		const char *loc = http_header_get(&r, "location");
		if (next && st >= 300 && st < 400 && loc) {
			char *n = http_resolve(url, loc);
			if (n)
				sset_add(next, n);
			free(n);
		}
	}
	http_resp_free(&r);
	return st;
}

static bool same_origin(const char *a, const char *b)
{
	char oa[512], ob[512];
	return http_origin(oa, sizeof(oa), a) == 0 && http_origin(ob, sizeof(ob), b) == 0 &&
	       strcmp(oa, ob) == 0;
}

/* The plain-http form of an https URL, or NULL when no port can be guessed. */
static char *plain_form(struct http_run *R, const char *url)
{
	char o[512];
	if (http_origin(o, sizeof(o), url) < 0)
		return NULL;
	const char *port = strrchr(o, ':');
	const char *pp = R->plain_port;
	if (!pp && strcmp(port + 1, "443") == 0)
		pp = "80";
	if (!pp)
		return NULL;
	/* https://host[:port]/rest -> http://host:pp/rest */
	const char *host = o + strlen("https://");
	size_t hl = (size_t)(port - host);
	const char *rest = strchr(url + strlen("https://"), '/');
	return xasprintf("http://%.*s:%s%s", (int)hl, host, pp, rest ? rest : "/");
}

static void assess(struct http_run *R, const char *input)
{
	char o[512];
	if (strlen(input) > HTTP_URL_MAX || http_origin(o, sizeof(o), input) < 0) {
		facts_error(R->out, "'%.200s': expected an http:// or https:// URL", input);
		return;
	}
	/* URLs are written into facts and reports: no password may ride in one. */
	const char *at = strchr(input, '@'), *path = strchr(strstr(input, "://") + 3, '/');
	if (at && (!path || at < path)) {
		facts_error(R->out,
		            "%.*s...: credentials in a URL would reach the reports; send them with "
		            "http.header = Authorization: ... instead",
		            (int)(strstr(input, "://") - input + 3), input);
		return;
	}
	bool in_https = strncasecmp(input, "https:", 6) == 0;
	struct http_resp page;
	struct sset chain = {0};
	bool loop = false, card = false;
	int rc = follow(R, input, &page, &chain, &loop, &card);

	/* The plain-http side: the input itself, or the https URL's plain form. */
	struct sset *plain_chain = &chain;
	struct sset pchain = {0};
	bool plain_ok = !in_https ? rc == 0 : false, ploop = in_https ? false : loop;
	struct http_resp pr = {0};
	const char *plain_final = NULL;
	if (in_https) {
		char *pf = plain_form(R, input);
		if (pf) {
			bool pcard = false;
			plain_ok = follow(R, pf, &pr, &pchain, &ploop, &pcard) == 0;
			plain_final = plain_ok ? pchain.v[pchain.n - 1] : NULL;
			plain_chain = &pchain;
			free(pf);
		} else {
			plain_chain = NULL;
		}
	} else if (rc == 0) {
		plain_final = chain.v[chain.n - 1];
	}
	if (plain_chain) {
		/* Listening: some hop answered (a loop answered too). */
		bool listening = plain_ok || ploop || plain_chain->n > 1;
		bool redir = plain_final && strncasecmp(plain_final, "https:", 6) == 0;
		bad(&R->plain_listening, listening);
		good(&R->https_redirect, redir);
		for (size_t i = 0; i < plain_chain->n; i++)
			sset_add(&R->chain, plain_chain->v[i]);
		if (listening && !redir && !ploop)
			finding(R, plain_chain->v[0], "http-no-https-redirect", "high", NULL,
			        "plain http is answered without a redirect to https");
		bad(&R->redirect_loop, ploop);
		if (ploop)
			finding(R, plain_chain->v[0], "http-redirect-loop", "medium", NULL,
			        "the redirect chain loops or exceeds %d hops", HTTP_REDIRECTS_MAX);
	}
	if (in_https) {
		bad(&R->redirect_loop, loop);
		if (loop)
			finding(R, input, "http-redirect-loop", "medium", NULL,
			        "the redirect chain loops or exceeds %d hops", HTTP_REDIRECTS_MAX);
	}
	http_resp_free(&pr);
	sset_free(&pchain);

	if (rc < 0) {
		if (loop)
			facts_error(R->out, "%.200s: the redirect chain loops or exceeds %d hops",
			            input, HTTP_REDIRECTS_MAX);
		else
			facts_error(R->out, "%.200s: no response (%s)", chain.v[chain.n - 1],
			            page.error[0] ? page.error : "unknown error");
		good(&R->reachable, false);
		http_resp_free(&page);
		sset_free(&chain);
		return;
	}
	good(&R->reachable, true);
	const char *url = chain.v[chain.n - 1];
	if (!R->final_url) {
		R->final_url = http_printable(url, HTTP_URL_MAX);
		R->status = page.status;
	}
	bool https = strncasecmp(url, "https:", 6) == 0;
	good(&R->https, https);
	check_headers(R, &page);
	sset_add(&R->visited, url);
	struct sset next = {.max = HTTP_VISITED_MAX};
	saw_page(R, &page, card, &next);
	R->pages++;
	http_resp_free(&page);

	check_methods(R, url);
	check_cors(R, url);
	check_not_found(R, url);
	/* The site root, for a default page. */
	char *root = http_resolve(url, "/");
	if (root && !sset_has(&R->visited, root) && http_client_time_left(R->cl))
		visit(R, root, NULL);
	free(root);
	/* The crawl: breadth first over same-origin links, `crawl` pages per URL. */
	long pages = 1;
	for (size_t i = 0; i < next.n && pages < R->crawl; i++) {
		if (!same_origin(next.v[i], url) || sset_has(&R->visited, next.v[i]))
			continue;
		if (!http_client_time_left(R->cl)) {
			R->complete = false;
			break;
		}
		if (visit(R, next.v[i], &next) > 0) {
			R->pages++;
			pages++;
		}
	}
	/* Directories of the page and of its same-origin subresources: listings? */
	char *d = http_dir_of(url);
	if (d) {
		sset_add(&R->subdirs, d);
		free(d);
	}
	int probes = 0;
	for (size_t i = 0; i < R->subdirs.n && probes < HTTP_DIR_PROBES_MAX; i++) {
		if (sset_has(&R->visited, R->subdirs.v[i]) || !same_origin(R->subdirs.v[i], url))
			continue;
		if (!http_client_time_left(R->cl)) {
			R->complete = false;
			break;
		}
		visit(R, R->subdirs.v[i], NULL);
		probes++;
	}
	sset_free(&next);
	sset_free(&chain);
}

/* --- the script baseline (PCI DSS 6.4.3, 11.6.1: changes to payment-page scripts) --- */

#define HTTP_BASELINE_MAX_BYTES (16u << 20)

/*
 * Load the previous inventory from path: a results.json (the http.scripts
 * fact of this target's http run) or plain text, one URL a line ('#'
 * comments). 0, or -1 with a message in err.
 */
static int baseline_load(struct sset *out, const char *path, const char *target, char *err,
                         size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	if (file_read_all(&buf, &len, path, HTTP_BASELINE_MAX_BYTES) < 0) {
		snprintf(err, errlen, "http.baseline %.200s: cannot read it (or over 16 MiB)",
		         path);
		return -1;
	}
	out->max = HTTP_VISITED_MAX;
	size_t i = 0;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	int rc = 0;
	if (i < len && buf[i] == '{') {
		json_error_t je;
		json_t *root = json_loadb(buf, len, 0, &je);
		json_t *runs = root ? json_object_get(root, "runs") : NULL, *run;
		size_t k;
		bool found = false;
		json_array_foreach(runs, k, run)
		{
			const char *p = json_string_value(json_object_get(run, "probe"));
			const char *tn = json_string_value(json_object_get(run, "target"));
			json_t *list =
			    json_object_get(json_object_get(run, "facts"), "http.scripts");
			if (!p || strcmp(p, "http") != 0 || !tn || strcmp(tn, target) != 0 ||
			    !json_is_array(list))
				continue;
			found = true;
			size_t m;
			json_t *item;
			json_array_foreach(list, m, item) if (json_is_string(item))
			    sset_add(out, json_string_value(item));
		}
		if (!root)
			snprintf(err, errlen, "http.baseline %.200s:%d: not JSON: %s", path,
			         je.line, je.text);
		else if (!found)
			snprintf(err, errlen,
			         "http.baseline %.200s: no http run of target '%.100s' with "
			         "http.scripts",
			         path, target);
		rc = root && found ? 0 : -1;
		json_decref(root);
	} else {
		char *save = NULL;
		for (char *line = strtok_r(buf, "\r\n", &save); line;
		     line = strtok_r(NULL, "\r\n", &save)) {
			char *l = str_trim(line);
			if (*l && *l != '#' && strlen(l) <= HTTP_URL_MAX)
				sset_add(out, l);
		}
	}
	free(buf);
	return rc;
}

static void baseline_diff(struct http_run *R, const struct sset *base, const char *url)
{
	struct sset added = {.max = HTTP_VISITED_MAX}, removed = {.max = HTTP_VISITED_MAX};
	for (size_t i = 0; i < R->scripts.n; i++)
		if (!sset_has(base, R->scripts.v[i])) {
			sset_add(&added, R->scripts.v[i]);
			finding(R, url, "http-script-new", "medium", NULL,
			        "a script that the baseline inventory does not hold: %s",
			        R->scripts.v[i]);
		}
	for (size_t i = 0; i < base->n; i++)
		if (!sset_has(&R->scripts, base->v[i]))
			sset_add(&removed, base->v[i]);
	facts_add_list(R->out, "http.scripts.added", (const char *const *)added.v, added.n);
	facts_add_list(R->out, "http.scripts.removed", (const char *const *)removed.v, removed.n);
	sset_free(&added);
	sset_free(&removed);
}

/* --- options and facts --- */

static int parse_seconds(double *out, const char *v)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || d <= 0 || d > 3600)
		return -1;
	if (strcmp(end, "ms") == 0)
		d /= 1000;
	else if (*end && strcmp(end, "s") != 0)
		return -1;
	*out = d;
	return 0;
}

static int parse_bytes(size_t *out, const char *v)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	if (end == v || *v == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		n <<= 10, end++;
	else if (*end == 'M')
		n <<= 20, end++;
	if (*end || n < 1024 || n > (1ull << 30))
		return -1;
	*out = (size_t)n;
	return 0;
}

static void emit_bool(struct facts *f, const char *key, int v)
{
	if (v >= 0)
		facts_add_bool(f, key, v == 1);
}

static void emit_list(struct facts *f, const char *key, const struct sset *s)
{
	facts_add_list(f, key, (const char *const *)s->v, s->n);
}

static void emit(struct http_run *R)
{
	struct facts *f = R->out;
	emit_bool(f, "http.reachable", R->reachable);
	if (R->final_url)
		facts_add_string(f, "http.final_url", R->final_url);
	if (R->status >= 0)
		facts_add_int(f, "http.status", R->status);
	emit_bool(f, "http.https", R->https);
	emit_bool(f, "http.https_redirect", R->https_redirect);
	emit_bool(f, "http.plain_http.listening", R->plain_listening);
	emit_list(f, "http.redirect.chain", &R->chain);
	emit_bool(f, "http.redirect.loop", R->redirect_loop);
	if (R->tls_verified >= 0) {
		emit_bool(f, "http.tls.verified", R->tls_verified);
		if (R->tls_verified == 0)
			facts_add_string(f, "http.tls.error", R->tls_error ? R->tls_error : "");
	}
	if (R->reachable == 1) {
		emit_bool(f, "http.hsts.present", R->hsts_present);
		facts_add_int(f, "http.hsts.max_age_s", R->hsts_max_age < 0 ? 0 : R->hsts_max_age);
		emit_bool(f, "http.hsts.include_subdomains", R->hsts_incsub);
		emit_bool(f, "http.hsts.preload", R->hsts_preload);
		emit_bool(f, "http.mixed_content", R->mixed < 0 ? 0 : R->mixed);
		emit_list(f, "http.mixed_content.urls", &R->mixed_urls);
		emit_bool(f, "http.csp.present", R->csp_present);
		emit_bool(f, "http.csp.report_only", R->csp_report_only);
		emit_bool(f, "http.csp.unsafe_inline", R->csp_unsafe_inline);
		emit_bool(f, "http.csp.unsafe_eval", R->csp_unsafe_eval);
		emit_bool(f, "http.csp.wildcard", R->csp_wildcard);
		emit_bool(f, "http.frame_protection", R->frame_prot);
		emit_bool(f, "http.content_type_nosniff", R->xcto);
		emit_bool(f, "http.referrer_policy.present", R->refpol);
		emit_bool(f, "http.referrer_policy.unsafe", R->refpol_unsafe);
		emit_bool(f, "http.permissions_policy.present", R->permpol);
		emit_list(f, "http.headers.missing", &R->headers_missing);
		emit_list(f, "http.cache.sensitive_without_no_store", &R->cache_missing);
		emit_list(f, "http.cookies", &R->cookies);
		emit_list(f, "http.cookies.insecure", &R->cookies_insecure);
		emit_list(f, "http.cookies.no_httponly", &R->no_httponly);
		emit_list(f, "http.cookies.no_samesite", &R->no_samesite);
		emit_list(f, "http.cookies.session_weak", &R->session_weak);
		emit_bool(f, "http.session_id_in_url",
		          R->session_in_url < 0 ? 0 : R->session_in_url);
		emit_list(f, "http.session_id_in_url.params", &R->session_params);
		facts_add_string(f, "http.server", R->server ? R->server : "");
		if (R->powered_by)
			facts_add_string(f, "http.powered_by", R->powered_by);
		emit_bool(f, "http.server_version_disclosed",
		          R->server_version < 0 ? 0 : R->server_version);
		emit_bool(f, "http.error_disclosure",
		          R->error_disclosure < 0 ? 0 : R->error_disclosure);
		emit_list(f, "http.error_disclosure.markers", &R->error_markers);
		if (R->not_found_status >= 0)
			facts_add_int(f, "http.not_found.status", R->not_found_status);
		emit_bool(f, "http.default_page", R->default_page < 0 ? 0 : R->default_page);
		emit_bool(f, "http.dir_listing", R->dir_listing < 0 ? 0 : R->dir_listing);
		emit_list(f, "http.dir_listing.urls", &R->listing_urls);
		emit_bool(f, "http.trace_enabled", R->trace);
		emit_bool(f, "http.track_enabled", R->track);
		if (R->options_status >= 0)
			facts_add_int(f, "http.options.status", R->options_status);
		emit_list(f, "http.options.allow", &R->allow);
		emit_list(f, "http.methods.risky", &R->risky);
		if (R->cors_origin)
			facts_add_string(f, "http.cors.allow_origin", R->cors_origin);
		emit_bool(f, "http.cors.wildcard", R->cors_wildcard);
		emit_bool(f, "http.cors.reflects_origin", R->cors_reflect);
		emit_bool(f, "http.cors.allow_credentials", R->cors_cred);
		emit_bool(f, "http.cors.wildcard_credentials", R->cors_wc_cred);
		emit_list(f, "http.scripts", &R->scripts);
		emit_list(f, "http.scripts.without_sri", &R->scripts_no_sri);
		emit_list(f, "http.scripts.third_party", &R->scripts_3p);
		emit_list(f, "http.scripts.third_party_without_sri", &R->scripts_3p_no_sri);
		facts_add_int(f, "http.scripts.inline", R->inline_scripts);
	}
	facts_add_int(f, "http.pan.exposed", R->pan_exposed);
	facts_add_int(f, "http.pan.track_data", R->pan_track);
	facts_add_int(f, "http.pan.cvv", R->pan_cvv);
	facts_add_int(f, "http.pan.pin_block", R->pan_pin);
	facts_add_int(f, "http.pan.low_confidence", R->pan_low);
	facts_add_int(f, "http.pan.masked_too_wide", R->pan_masked_wide);
	facts_add_int(f, "http.pan.masked_ok", R->pan_masked_ok);
	emit_list(f, "http.pan.urls", &R->pan_pages);
	emit_list(f, "http.software", &R->software);
	emit_list(f, "http.software_eol", &R->software_eol);
	facts_add_int(f, "http.pii.id_numbers", R->pii_id);
	facts_add_int(f, "http.pii.mobile_numbers", R->pii_mobile);
	facts_add_int(f, "http.pii.masked_ok", R->pii_masked_ok);
	facts_add_int(f, "http.pii.masked_too_wide", R->pii_masked_wide);
	emit_list(f, "http.pii.urls", &R->pii_pages);
	facts_add_int(f, "http.pages", R->pages);
	facts_add_int(f, "http.requests", http_client_requests(R->cl));
	emit_list(f, "http.body.truncated", &R->truncated);
	emit_list(f, "http.timeouts", &R->timeouts);
	facts_add_bool(f, "http.complete", R->complete);
}

static int http_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	if (t->ninputs == 0) {
		facts_error(out, "target '%s': no 'http = URL' line", t->name);
		return -1;
	}
	struct http_run R = {
	    .out = out,
	    .crawl = 1,
	    .reachable = -1,
	    .https = -1,
	    .https_redirect = -1,
	    .plain_listening = -1,
	    .redirect_loop = -1,
	    .tls_verified = -1,
	    .hsts_present = -1,
	    .hsts_incsub = -1,
	    .hsts_preload = -1,
	    .hsts_max_age = -1,
	    .csp_present = -1,
	    .csp_report_only = -1,
	    .csp_unsafe_inline = -1,
	    .csp_unsafe_eval = -1,
	    .csp_wildcard = -1,
	    .frame_prot = -1,
	    .xcto = -1,
	    .refpol = -1,
	    .refpol_unsafe = -1,
	    .permpol = -1,
	    .trace = -1,
	    .track = -1,
	    .cors_wildcard = -1,
	    .cors_reflect = -1,
	    .cors_cred = -1,
	    .cors_wc_cred = -1,
	    .server_version = -1,
	    .error_disclosure = -1,
	    .default_page = -1,
	    .dir_listing = -1,
	    .mixed = -1,
	    .session_in_url = -1,
	    .status = -1,
	    .options_status = -1,
	    .not_found_status = -1,
	    .complete = true,
	    .visited = {.max = HTTP_VISITED_MAX},
	};
	struct http_client_cfg cfg = {
	    .request_timeout_ms = HTTP_DEFAULT_REQ_TIMEOUT_S * 1000,
	    .max_body = HTTP_MAX_BODY_DFLT,
	    .on_hit = on_hit,
	    .on_pii = on_pii,
	    .hit_ctx = &R,
	};
	const char *v;
	const char **headers = xcalloc(t->noptions + 1, sizeof(char *));
	struct sset baseline = {0};
	bool have_baseline = false;
	size_t nh = 0;
	int rc = 0;
	if ((v = target_option(t, "http.crawl"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > HTTP_CRAWL_MAX) {
			facts_error(out, "http.crawl '%s': expected 1-%d pages", v, HTTP_CRAWL_MAX);
			rc = -1;
			goto out;
		}
		R.crawl = n;
	}
	if ((v = target_option(t, "http.request-timeout"))) {
		double s;
		if (parse_seconds(&s, v) < 0) {
			facts_error(out, "http.request-timeout '%s': expected seconds (0-3600]", v);
			rc = -1;
			goto out;
		}
		cfg.request_timeout_ms = s * 1000;
	}
	if ((v = target_option(t, "http.max-body")) && parse_bytes(&cfg.max_body, v) < 0) {
		facts_error(out, "http.max-body '%s': expected bytes, 1k-1024M (k, M suffixes)", v);
		rc = -1;
		goto out;
	}
	if ((v = target_option(t, "http.plain-port"))) {
		char *end;
		long p = strtol(v, &end, 10);
		if (*end || end == v || p < 1 || p > 65535) {
			facts_error(out, "http.plain-port '%s': expected a port 1-65535", v);
			rc = -1;
			goto out;
		}
		R.plain_port = v;
	}
	if ((v = target_option(t, "http.baseline"))) {
		char err[512];
		if (baseline_load(&baseline, v, t->name, err, sizeof(err)) < 0) {
			facts_error(out, "%s", err);
			rc = -1;
			goto out;
		}
		have_baseline = true;
	}
	for (size_t i = 0; i < t->noptions; i++) {
		if (strcmp(t->options[i].name, "http.header") != 0)
			continue;
		const char *h = t->options[i].value;
		const char *colon = strchr(h, ':');
		if (!colon || colon == h || strpbrk(h, "\r\n")) {
			facts_error(out, "http.header '%.80s': expected 'Name: value' on one line",
			            h);
			rc = -1;
			goto out;
		}
		headers[nh++] = h;
	}
	cfg.headers = headers;
	cfg.cookie = target_option(t, "http.cookie");
	if (cfg.cookie && strpbrk(cfg.cookie, "\r\n")) {
		facts_error(out, "http.cookie: expected one line");
		rc = -1;
		goto out;
	}
	cfg.ca_file = target_option(t, "http.ca-file");
	double total = o->timeout_s > 0 ? o->timeout_s : HTTP_DEFAULT_TIMEOUT_S;
	/* Leave a twentieth (at most 2 s) to write the facts before the harness's deadline. */
	double margin = total / 20 < 2 ? total / 20 : 2;
	cfg.deadline_ms = time_mono_ms() + (total - margin) * 1000;
	if (http_client_new(&R.cl, &cfg) < 0) {
		facts_error(out, "%s", err_msg());
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < t->ninputs; i++)
		assess(&R, t->inputs[i].value);
	/* Opt-in: logins to a test account, after the unauthenticated checks.
	 * The rules of those tests apply only where it is declared. */
	facts_add_bool(out, "http.auth.declared", http_auth_declared(t));
	if (http_auth_declared(t)) {
		facts_add_bool(out, "http.auth.password_change_declared",
		               target_option(t, "http.auth.password-change") != NULL);
		http_auth_run(t, &cfg, out);
	}
	bool tls_failed;
	const char *te = http_client_tls_error(R.cl, &tls_failed);
	if (tls_failed) {
		R.tls_verified = 0;
		R.tls_error = http_printable(te, 200);
		finding(&R, R.final_url ? R.final_url : t->inputs[0].value, "http-tls-invalid",
		        "high", NULL, "the TLS certificate does not verify: %s", R.tls_error);
	} else if (R.https == 1 ||
	           (R.chain.n && strncasecmp(R.chain.v[R.chain.n - 1], "https:", 6) == 0)) {
		R.tls_verified = 1;
	}
	if (!R.complete)
		facts_error(out, "the run's deadline cut the checks short");
	emit(&R);
	if (have_baseline && R.reachable == 1)
		baseline_diff(&R, &baseline, R.final_url ? R.final_url : t->inputs[0].value);
	if (out->nerrors > 0)
		rc = -1;
out:
	http_client_free(R.cl);
	free(headers);
	sset_free(&baseline);
	free(R.server);
	free(R.powered_by);
	free(R.cors_origin);
	free(R.final_url);
	free(R.tls_error);
	struct sset *sets[] = {
	    &R.chain,          &R.headers_missing, &R.cookies,           &R.cookies_insecure,
	    &R.no_httponly,    &R.no_samesite,     &R.session_weak,      &R.session_params,
	    &R.error_markers,  &R.listing_urls,    &R.mixed_urls,        &R.scripts,
	    &R.scripts_no_sri, &R.scripts_3p,      &R.scripts_3p_no_sri, &R.allow,
	    &R.risky,          &R.pan_pages,       &R.cache_missing,     &R.truncated,
	    &R.timeouts,       &R.visited,         &R.subdirs,           &R.default_markers,
	    &R.pii_pages,      &R.software,        &R.software_eol};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		sset_free(sets[i]);
	return rc;
}

/* --- the summary `assay probe http` prints above the facts --- */

static const char *yn(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	return !v || v->type != FACT_BOOL ? "-" : v->b ? "yes" : "no";
}

static long long num(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	return v && v->type == FACT_INT ? (long long)v->i : 0;
}

/* "a, b" of a list fact (at most 3 items shown), or "none". */
static void list_str(char *out, size_t len, const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	size_t n = v && v->type == FACT_LIST ? v->nitems : 0;
	int w = snprintf(out, len, "%s", n ? "" : "none");
	for (size_t i = 0; i < n && i < 3 && w >= 0 && (size_t)w < len; i++)
		w += snprintf(out + w, len - (size_t)w, "%s%s", i ? ", " : "", v->items[i]);
	if (n > 3 && w >= 0 && (size_t)w < len)
		snprintf(out + w, len - (size_t)w, " (+%zu)", n - 3);
}

static int http_print(FILE *out, const struct facts *f)
{
	if (!facts_get(f, "http.hsts.present"))
		return -1; /* no page was reached: the facts and errors say it all */
	char a[400], b[400];
	fprintf(out, "  transport   https %s, plain http redirects to https %s, TLS verified %s\n",
	        yn(f, "http.https"), yn(f, "http.https_redirect"), yn(f, "http.tls.verified"));
	fprintf(out, "  hsts        %s: max-age %lld d, includeSubDomains %s, preload %s\n",
	        yn(f, "http.hsts.present"), num(f, "http.hsts.max_age_s") / 86400,
	        yn(f, "http.hsts.include_subdomains"), yn(f, "http.hsts.preload"));
	list_str(a, sizeof(a), f, "http.headers.missing");
	fprintf(out,
	        "  headers     missing: %s; CSP unsafe-inline %s, unsafe-eval %s, wildcard %s\n", a,
	        yn(f, "http.csp.unsafe_inline"), yn(f, "http.csp.unsafe_eval"),
	        yn(f, "http.csp.wildcard"));
	list_str(a, sizeof(a), f, "http.cookies.insecure");
	list_str(b, sizeof(b), f, "http.cookies.session_weak");
	fprintf(out, "  cookies     without Secure: %s; weak session cookies: %s; id in URL %s\n",
	        a, b, yn(f, "http.session_id_in_url"));
	fprintf(out,
	        "  disclosure  version %s, error text %s, default page %s, directory listing %s\n",
	        yn(f, "http.server_version_disclosed"), yn(f, "http.error_disclosure"),
	        yn(f, "http.default_page"), yn(f, "http.dir_listing"));
	fprintf(out, "  methods     TRACE %s, TRACK %s; CORS any origin with credentials %s\n",
	        yn(f, "http.trace_enabled"), yn(f, "http.track_enabled"),
	        yn(f, "http.cors.wildcard_credentials"));
	fprintf(out,
	        "  card data   full numbers %lld, masks wider than 6+4 %lld, correct masks %lld\n",
	        num(f, "http.pan.exposed"), num(f, "http.pan.masked_too_wide"),
	        num(f, "http.pan.masked_ok"));
	fprintf(out,
	        "  ID, mobile  in full %lld and %lld, masks too wide %lld, correct masks %lld\n",
	        num(f, "http.pii.id_numbers"), num(f, "http.pii.mobile_numbers"),
	        num(f, "http.pii.masked_too_wide"), num(f, "http.pii.masked_ok"));
	const struct fact_value *sc = facts_get(f, "http.scripts");
	const struct fact_value *tp = facts_get(f, "http.scripts.third_party_without_sri");
	fprintf(out, "  scripts     %zu (third-party without SRI %zu), mixed content %s\n",
	        sc && sc->type == FACT_LIST ? sc->nitems : 0,
	        tp && tp->type == FACT_LIST ? tp->nitems : 0, yn(f, "http.mixed_content"));
	fprintf(out, "  visited     %lld pages in %lld requests\n", num(f, "http.pages"),
	        num(f, "http.requests"));
	if (facts_get(f, "http.auth.login_ok")) {
		const struct fact_value *how = facts_get(f, "http.auth.lockout.how");
		fprintf(out,
		        "  auth        login %s, logout ends session %s, idle expired %s, lockout "
		        "after %lld (%s), replay refused %s, tamper refused %s\n",
		        yn(f, "http.auth.login_ok"), yn(f, "http.auth.logout_invalidates"),
		        yn(f, "http.auth.idle_expired"), num(f, "http.auth.lockout.after"),
		        how && how->type == FACT_STRING ? how->s : "-",
		        yn(f, "http.auth.replay.rejected"), yn(f, "http.auth.tamper.rejected"));
	}
	return 0;
}

const struct probe probe_http = {
    .name = "http",
    .summary = "web endpoint: HTTPS redirect, HSTS, headers, cookies, disclosure, methods, "
               "CORS, card data in pages, script integrity",
    .keys = http_keys,
    .options = http_options,
    .run = http_run,
    .print = http_print,
    .cost = 2,
};
