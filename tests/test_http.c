/*
 * Tests of the http probe (probes/http/) against a real nginx on
 * loopback: each test starts fixtures/http/site.sh in a folder of its own
 * (plain-http and https listeners on free ports in 19100-19169, a
 * self-signed certificate that is also the CA file), runs probe_http on
 * the location that shows one property, and asserts the facts and
 * findings of probes/http/README.md. TRACE needs a server that answers
 * it (nginx refuses TRACE itself): fixtures/http/trace-server.py, in
 * 19170-19179. The last tests run the built binary (`assay probe http`).
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <ctype.h>
#include <signal.h>

extern const struct probe probe_http;

/* The fixtures are on loopback: a proxy from the environment must not be used. */
static void no_proxy(void)
{
	static const char *const vars[] = {"http_proxy",  "https_proxy", "HTTP_PROXY",
	                                   "HTTPS_PROXY", "all_proxy",   "ALL_PROXY"};
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

struct site {
	char *dir;
	int plain, tls;
};

static struct site site_start(void)
{
	no_proxy();
	struct site s = {tu_tmpdir(), 0, 0};
	/* SITE_LIFE: nginx stops by itself should a failed assertion skip site_stop. */
	struct tu_run r = tu_sh("SITE_LIFE=150 sh fixtures/http/site.sh start %s", s.dir);
	cr_assert_eq(r.code, 0, "site.sh failed: %s", r.err);
	cr_assert_eq(sscanf(r.out, "%d %d", &s.plain, &s.tls), 2, "site.sh said '%s'", r.out);
	tu_run_free(&r);
	return s;
}

static void site_stop(struct site *s)
{
	struct tu_run r = tu_sh("sh fixtures/http/site.sh stop %s", s->dir);
	tu_run_free(&r);
	free(s->dir);
}

static char *https_url(const struct site *s, const char *path)
{
	return xasprintf("https://127.0.0.1:%d%s", s->tls, path);
}

static char *plain_url(const struct site *s, const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", s->plain, path);
}

/*
 * Run the probe on urls (NULL-terminated) with options "name=value"
 * (NULL-terminated); the site's certificate is trusted unless notrust.
 */
static int probe(struct facts *f, const struct site *s, const char *const *urls,
                 const char *const *opts, bool notrust)
{
	no_proxy();
	struct target_input in[8];
	size_t nin = 0;
	for (; urls[nin]; nin++)
		in[nin] = (struct target_input){"http", urls[nin]};
	struct target_option o[12];
	char *owned[12];
	size_t n = 0;
	char *ca = s ? xasprintf("%s/cert.pem", s->dir) : NULL;
	if (ca && !notrust)
		o[n++] = (struct target_option){"http.ca-file", ca};
	size_t first = n;
	for (size_t i = 0; opts && opts[i]; i++, n++) {
		const char *eq = strchr(opts[i], '=');
		owned[n] = xasprintf("http.%.*s", (int)(eq - opts[i]), opts[i]);
		o[n] = (struct target_option){owned[n], eq + 1};
	}
	struct target t = {"test", in, nin, o, n};
	struct probe_opts po = {.timeout_s = 60};
	facts_init(f);
	int rc = probe_http.run(&t, &po, f);
	for (size_t i = first; i < n; i++)
		free(owned[i]);
	free(ca);
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error: %s", f->errors[i]);
	return rc;
}

static int probe1(struct facts *f, const struct site *s, const char *url, const char *opt)
{
	const char *urls[] = {url, NULL};
	const char *opts[] = {opt, NULL};
	return probe(f, s, urls, opts, false);
}

static const struct fact_value *get(const struct facts *f, const char *key, enum fact_type t)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "missing fact %s", key);
	cr_assert_eq(v->type, t, "%s has type %d", key, v->type);
	return v;
}

static void is_bool(const struct facts *f, const char *key, bool want)
{
	cr_assert_eq(get(f, key, FACT_BOOL)->b, want, "%s should be %s", key,
	             want ? "true" : "false");
}

static int64_t int_of(const struct facts *f, const char *key)
{
	return get(f, key, FACT_INT)->i;
}

static size_t count_of(const struct facts *f, const char *key)
{
	return get(f, key, FACT_LIST)->nitems;
}

static bool list_has(const struct facts *f, const char *key, const char *item)
{
	const struct fact_value *v = get(f, key, FACT_LIST);
	for (size_t i = 0; i < v->nitems; i++)
		if (strcmp(v->items[i], item) == 0)
			return true;
	return false;
}

static bool list_has_sub(const struct facts *f, const char *key, const char *needle)
{
	const struct fact_value *v = get(f, key, FACT_LIST);
	for (size_t i = 0; i < v->nitems; i++)
		if (strstr(v->items[i], needle))
			return true;
	return false;
}

static const struct finding *finding_of(const struct facts *f, const char *kind)
{
	for (size_t i = 0; i < f->nfindings; i++)
		if (strcmp(f->findings[i].kind, kind) == 0) {
			cr_assert(f->findings[i].loc.endpoint, "finding %s has no endpoint", kind);
			return &f->findings[i];
		}
	return NULL;
}

static bool error_has(const struct facts *f, const char *needle)
{
	for (size_t i = 0; i < f->nerrors; i++)
		if (strstr(f->errors[i], needle))
			return true;
	return false;
}

Test(http, good_site_behind_a_redirect_chain, .timeout = 60)
{
	struct site s = site_start();
	char *u = plain_url(&s, "/hop1");
	struct facts f;
	int rc = probe1(&f, &s, u, NULL);
	cr_assert_eq(rc, 0);
	is_bool(&f, "http.reachable", true);
	is_bool(&f, "http.https", true);
	is_bool(&f, "http.https_redirect", true);
	is_bool(&f, "http.plain_http.listening", true);
	cr_assert_eq(count_of(&f, "http.redirect.chain"), 3, "hop1, hop2, the https page");
	cr_assert(list_has_sub(&f, "http.redirect.chain", "/hop2"));
	is_bool(&f, "http.redirect.loop", false);
	is_bool(&f, "http.tls.verified", true);
	is_bool(&f, "http.hsts.present", true);
	cr_assert_eq(int_of(&f, "http.hsts.max_age_s"), 31536000);
	is_bool(&f, "http.hsts.include_subdomains", true);
	is_bool(&f, "http.hsts.preload", true);
	is_bool(&f, "http.csp.present", true);
	is_bool(&f, "http.csp.unsafe_inline", false);
	is_bool(&f, "http.frame_protection", true);
	is_bool(&f, "http.content_type_nosniff", true);
	is_bool(&f, "http.referrer_policy.present", true);
	is_bool(&f, "http.permissions_policy.present", true);
	cr_assert_eq(count_of(&f, "http.headers.missing"), 0);
	cr_assert(list_has(&f, "http.cookies", "sid"));
	cr_assert_eq(count_of(&f, "http.cookies.insecure"), 0);
	cr_assert_eq(count_of(&f, "http.cookies.no_httponly"), 0);
	cr_assert_eq(count_of(&f, "http.cookies.no_samesite"), 0);
	cr_assert_eq(count_of(&f, "http.cookies.session_weak"), 0);
	is_bool(&f, "http.server_version_disclosed", false);
	is_bool(&f, "http.error_disclosure", false);
	cr_assert_eq(int_of(&f, "http.not_found.status"), 404);
	is_bool(&f, "http.trace_enabled", false);
	is_bool(&f, "http.track_enabled", false);
	is_bool(&f, "http.dir_listing", false);
	is_bool(&f, "http.default_page", false);
	is_bool(&f, "http.mixed_content", false);
	/* a password form and a masked number, with no-store: nothing to flag */
	cr_assert_eq(count_of(&f, "http.cache.sensitive_without_no_store"), 0);
	cr_assert_eq(int_of(&f, "http.pan.exposed"), 0);
	cr_assert_eq(int_of(&f, "http.pan.masked_ok"), 1);
	is_bool(&f, "http.complete", true);
	cr_assert_null(finding_of(&f, "http-no-hsts"));
	facts_free(&f);
	free(u);
	site_stop(&s);
}

Test(http, missing_headers_bad_cookies_and_versions, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/bare.html");
	char *pp = xasprintf("plain-port=%d", s.plain);
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, pp), 0);
	is_bool(&f, "http.https_redirect", true); /* its plain form redirects */
	is_bool(&f, "http.hsts.present", false);
	is_bool(&f, "http.csp.present", false);
	is_bool(&f, "http.frame_protection", false);
	is_bool(&f, "http.content_type_nosniff", false);
	is_bool(&f, "http.referrer_policy.present", false);
	is_bool(&f, "http.permissions_policy.present", false);
	static const char *const missing[] = {
	    "strict-transport-security", "content-security-policy", "x-frame-options",
	    "x-content-type-options",    "referrer-policy",         "permissions-policy"};
	for (size_t i = 0; i < 6; i++)
		cr_assert(list_has(&f, "http.headers.missing", missing[i]), "%s", missing[i]);
	cr_assert(list_has(&f, "http.cookies.insecure", "PHPSESSID"));
	cr_assert(!list_has(&f, "http.cookies.insecure", "theme"), "theme is Secure");
	cr_assert(list_has(&f, "http.cookies.no_httponly", "PHPSESSID"));
	cr_assert(list_has(&f, "http.cookies.no_samesite", "theme"));
	cr_assert(list_has(&f, "http.cookies.session_weak", "PHPSESSID"));
	cr_assert(!list_has(&f, "http.cookies.session_weak", "theme"), "theme is no session");
	const struct finding *fd = finding_of(&f, "http-cookie-not-secure");
	cr_assert(fd && strcmp(fd->severity, "high") == 0,
	          "a session cookie without Secure is high");
	is_bool(&f, "http.server_version_disclosed", true);
	cr_assert_str_eq(get(&f, "http.powered_by", FACT_STRING)->s, "PHP/8.1.2");
	cr_assert(strstr(get(&f, "http.server", FACT_STRING)->s, "nginx/"));
	is_bool(&f, "http.session_id_in_url", true);
	cr_assert(list_has(&f, "http.session_id_in_url.params", "jsessionid"));
	cr_assert_not_null(finding_of(&f, "http-no-csp"));
	cr_assert_not_null(finding_of(&f, "http-no-frame-protection"));
	facts_free(&f);
	free(pp);
	free(u);
	site_stop(&s);
}

Test(http, weak_hsts_and_csp, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/weak.html");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, NULL), 0);
	is_bool(&f, "http.hsts.present", true);
	cr_assert_eq(int_of(&f, "http.hsts.max_age_s"), 3600);
	is_bool(&f, "http.hsts.include_subdomains", false);
	is_bool(&f, "http.csp.present", true);
	is_bool(&f, "http.csp.unsafe_inline", true);
	is_bool(&f, "http.csp.unsafe_eval", true);
	is_bool(&f, "http.csp.wildcard", true);
	cr_assert_not_null(finding_of(&f, "http-hsts-short"));
	cr_assert_not_null(finding_of(&f, "http-csp-weak"));
	facts_free(&f);
	free(u);
	site_stop(&s);
}

/* The fixture's full card number, read from its page (never printed). */
static char *fixture_pan(const struct site *s)
{
	char *p = xasprintf("%s/www/card.html", s->dir);
	char *page = tu_read(p);
	free(p);
	cr_assert(page);
	char *d = strstr(page, "622848");
	cr_assert(d);
	char *pan = xstrndup(d, 16);
	free(page);
	return pan;
}

static bool contains_digits(const char *hay, const char *digits)
{
	return strstr(hay, digits) != NULL;
}

Test(http, a_full_card_number_is_critical_and_only_masked, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/card.html");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, NULL), 0);
	cr_assert_eq(int_of(&f, "http.pan.exposed"), 1);
	cr_assert(list_has(&f, "http.pan.urls", u));
	const struct finding *fd = finding_of(&f, "http-pan");
	cr_assert(fd);
	cr_assert_str_eq(fd->severity, "critical");
	cr_assert(strstr(fd->message, "622848******1234"), "masked 6 + 4");
	cr_assert_str_eq(fd->loc.file, u);
	cr_assert_gt(fd->loc.line, 0);
	/* a page with card data and no Cache-Control: no-store */
	cr_assert(list_has(&f, "http.cache.sensitive_without_no_store", u));
	json_t *o = json_object();
	facts_to_json(&f, o);
	char *js = json_dumps(o, 0);
	char *pan = fixture_pan(&s);
	cr_assert(!contains_digits(js, pan), "the full card number reached the facts");
	free(pan);
	free(js);
	json_decref(o);
	facts_free(&f);
	free(u);
	site_stop(&s);
}

Test(http, masks_within_and_beyond_six_and_four, .timeout = 60)
{
	struct site s = site_start();
	char *ok = https_url(&s, "/masked.html");
	char *wide = https_url(&s, "/wide.html");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, ok, NULL), 0);
	cr_assert_eq(int_of(&f, "http.pan.masked_ok"), 1);
	cr_assert_eq(int_of(&f, "http.pan.masked_too_wide"), 0);
	cr_assert_eq(int_of(&f, "http.pan.exposed"), 0);
	cr_assert_null(finding_of(&f, "http-masked-too-wide"));
	facts_free(&f);
	cr_assert_eq(probe1(&f, &s, wide, NULL), 0);
	cr_assert_eq(int_of(&f, "http.pan.masked_too_wide"), 1);
	const struct finding *fd = finding_of(&f, "http-masked-too-wide");
	cr_assert(fd && strcmp(fd->severity, "high") == 0);
	cr_assert_null(strstr(fd->message, "62284839"), "the finding shows 6 + 4 only");
	facts_free(&f);
	free(ok);
	free(wide);
	site_stop(&s);
}

Test(http, payment_page_script_inventory_and_mixed_content, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/scripts.html");
	char *first = https_url(&s, "/js/app.js");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, NULL), 0);
	cr_assert_eq(count_of(&f, "http.scripts"), 4);
	cr_assert(list_has(&f, "http.scripts", first));
	cr_assert(list_has(&f, "http.scripts", "https://cdn.assay.invalid/lib.js"));
	cr_assert(!list_has(&f, "http.scripts.without_sri", "https://cdn.assay.invalid/lib.js"));
	cr_assert(list_has(&f, "http.scripts.without_sri", first));
	cr_assert_eq(count_of(&f, "http.scripts.third_party"), 3);
	cr_assert_eq(count_of(&f, "http.scripts.third_party_without_sri"), 2);
	cr_assert(list_has(&f, "http.scripts.third_party_without_sri",
	                   "https://tracker.assay.invalid/t.js"));
	cr_assert_eq(int_of(&f, "http.scripts.inline"), 1);
	is_bool(&f, "http.mixed_content", true);
	cr_assert(list_has(&f, "http.mixed_content.urls", "http://ads.assay.invalid/ad.js"));
	cr_assert(list_has(&f, "http.mixed_content.urls", "http://img.assay.invalid/logo.png"));
	cr_assert_not_null(finding_of(&f, "http-script-no-sri"));
	/* /js/ is asked for (a subresource's directory): no listing there */
	is_bool(&f, "http.dir_listing", false);
	facts_free(&f);
	free(first);
	free(u);
	site_stop(&s);
}

Test(http, crawl_finds_the_listing_and_the_card_page, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/");
	char *listing = https_url(&s, "/autoindex/");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, NULL), 0);
	cr_assert_eq(int_of(&f, "http.pages"), 1, "no crawl by default");
	is_bool(&f, "http.dir_listing", false);
	cr_assert_eq(int_of(&f, "http.pan.exposed"), 0);
	facts_free(&f);

	cr_assert_eq(probe1(&f, &s, u, "crawl=30"), 0);
	int64_t pages = int_of(&f, "http.pages");
	cr_assert_gt(pages, 5);
	cr_assert_leq(pages, 30);
	is_bool(&f, "http.dir_listing", true);
	cr_assert(list_has(&f, "http.dir_listing.urls", listing));
	cr_assert_eq(int_of(&f, "http.pan.exposed"), 1);
	is_bool(&f, "http.session_id_in_url", true);
	/* the crawl stays on its origin: other.assay.invalid would not resolve */
	cr_assert_eq(count_of(&f, "http.timeouts"), 0);
	cr_assert_eq(f.nerrors, 0);
	facts_free(&f);

	cr_assert_eq(probe1(&f, &s, u, "crawl=3"), 0);
	cr_assert_eq(int_of(&f, "http.pages"), 3, "the crawl stops at its bound");
	facts_free(&f);
	free(listing);
	free(u);
	site_stop(&s);
}

Test(http, stack_traces_and_default_pages, .timeout = 60)
{
	struct site s = site_start();
	char *leaky = https_url(&s, "/leaky/");
	char *dflt = https_url(&s, "/default/");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, leaky, NULL), 0);
	is_bool(&f, "http.error_disclosure", true);
	cr_assert(list_has(&f, "http.error_disclosure.markers", "java.lang."));
	cr_assert(
	    list_has(&f, "http.error_disclosure.markers", "You have an error in your SQL syntax"));
	const struct finding *fd = finding_of(&f, "http-error-disclosure");
	cr_assert(fd && strstr(fd->loc.file, "/leaky/assay-missing-"),
	          "found on the request for a missing path");
	is_bool(&f, "http.default_page", false);
	facts_free(&f);
	cr_assert_eq(probe1(&f, &s, dflt, NULL), 0);
	is_bool(&f, "http.default_page", true);
	is_bool(&f, "http.error_disclosure", false);
	facts_free(&f);
	free(leaky);
	free(dflt);
	site_stop(&s);
}

Test(http, trace_and_track, .timeout = 60)
{
	/* TRACE: the Python fixture, since nginx refuses TRACE itself. */
	char *dir = tu_tmpdir();
	struct tu_run r = tu_sh("python3 fixtures/http/trace-server.py 19170 10 50 >%s/port "
	                        "2>%s/err & echo $!",
	                        dir, dir);
	int pid = atoi(r.out);
	tu_run_free(&r);
	char *pf = xasprintf("%s/port", dir);
	char *port = NULL;
	for (int i = 0; i < 200 && !(port && isdigit((unsigned char)port[0])); i++) {
		free(port);
		usleep(50000);
		port = tu_read(pf);
	}
	cr_assert(port && isdigit((unsigned char)port[0]), "trace-server.py did not start");
	char *u = xasprintf("http://127.0.0.1:%d/", atoi(port));
	struct facts f;
	cr_assert_eq(probe1(&f, NULL, u, NULL), 0);
	kill(pid, SIGTERM);
	is_bool(&f, "http.trace_enabled", true);
	is_bool(&f, "http.track_enabled", false);
	cr_assert(list_has(&f, "http.options.allow", "TRACE"));
	cr_assert(list_has(&f, "http.methods.risky", "TRACE"));
	cr_assert_not_null(finding_of(&f, "http-trace"));
	/* plain http only: no https, no redirect */
	is_bool(&f, "http.https", false);
	is_bool(&f, "http.https_redirect", false);
	is_bool(&f, "http.plain_http.listening", true);
	cr_assert_not_null(finding_of(&f, "http-no-https-redirect"));
	cr_assert_null(facts_get(&f, "http.tls.verified"));
	facts_free(&f);
	free(u);
	free(port);
	free(pf);
	free(dir);

	/* TRACK: nginx's `return 200` answers every method it does not refuse. */
	struct site s = site_start();
	u = https_url(&s, "/track/");
	cr_assert_eq(probe1(&f, &s, u, NULL), 0);
	is_bool(&f, "http.track_enabled", true);
	is_bool(&f, "http.trace_enabled", false);
	facts_free(&f);
	free(u);
	site_stop(&s);
}

Test(http, cors_with_credentials, .timeout = 60)
{
	struct site s = site_start();
	char *api = https_url(&s, "/api/x");
	char *star = https_url(&s, "/star.json");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, api, NULL), 0);
	is_bool(&f, "http.cors.reflects_origin", true);
	is_bool(&f, "http.cors.allow_credentials", true);
	is_bool(&f, "http.cors.wildcard_credentials", true);
	const struct finding *fd = finding_of(&f, "http-cors-credentials");
	cr_assert(fd && strcmp(fd->severity, "high") == 0);
	facts_free(&f);
	cr_assert_eq(probe1(&f, &s, star, NULL), 0);
	is_bool(&f, "http.cors.wildcard", true);
	is_bool(&f, "http.cors.wildcard_credentials", false);
	cr_assert_str_eq(get(&f, "http.cors.allow_origin", FACT_STRING)->s, "*");
	facts_free(&f);
	free(api);
	free(star);
	site_stop(&s);
}

Test(http, several_urls_combine_to_the_worst, .timeout = 60)
{
	struct site s = site_start();
	char *good = https_url(&s, "/good.html");
	char *bare = https_url(&s, "/bare.html");
	const char *urls[] = {good, bare, NULL};
	struct facts f;
	cr_assert_eq(probe(&f, &s, urls, NULL, false), 0);
	is_bool(&f, "http.csp.present", false);
	is_bool(&f, "http.hsts.present", false);
	cr_assert_eq(int_of(&f, "http.hsts.max_age_s"), 0);
	cr_assert(list_has(&f, "http.cookies", "sid"));
	cr_assert(list_has(&f, "http.cookies", "PHPSESSID"));
	is_bool(&f, "http.server_version_disclosed", true);
	cr_assert_eq(int_of(&f, "http.pages"), 2);
	facts_free(&f);
	free(good);
	free(bare);
	site_stop(&s);
}

Test(http, plain_http_without_redirect_and_loops, .timeout = 60)
{
	struct site s = site_start();
	char *plain = plain_url(&s, "/plain-only.html");
	char *loop = plain_url(&s, "/loop");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, plain, NULL), 0);
	is_bool(&f, "http.https_redirect", false);
	is_bool(&f, "http.plain_http.listening", true);
	is_bool(&f, "http.https", false);
	is_bool(&f, "http.hsts.present", false);
	const struct finding *fd = finding_of(&f, "http-no-https-redirect");
	cr_assert(fd && strcmp(fd->severity, "high") == 0);
	facts_free(&f);

	cr_assert_eq(probe1(&f, &s, loop, NULL), -1);
	is_bool(&f, "http.redirect.loop", true);
	is_bool(&f, "http.reachable", false);
	is_bool(&f, "http.https_redirect", false);
	cr_assert(error_has(&f, "loops"));
	cr_assert_not_null(finding_of(&f, "http-redirect-loop"));
	facts_free(&f);
	free(plain);
	free(loop);
	site_stop(&s);
}

Test(http, invalid_tls_is_a_fact_and_the_checks_go_on, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/good.html");
	const char *urls[] = {u, NULL};
	struct facts f;
	cr_assert_eq(probe(&f, &s, urls, NULL, true), 0);
	is_bool(&f, "http.tls.verified", false);
	cr_assert(strstr(get(&f, "http.tls.error", FACT_STRING)->s, "certificate"));
	const struct finding *fd = finding_of(&f, "http-tls-invalid");
	cr_assert(fd && strcmp(fd->severity, "high") == 0);
	is_bool(&f, "http.hsts.present", true);
	is_bool(&f, "http.csp.present", true);
	facts_free(&f);
	free(u);
	site_stop(&s);
}

Test(http, huge_slow_binary_and_broken_bodies, .timeout = 90)
{
	struct site s = site_start();
	char *huge = https_url(&s, "/huge.bin");
	char *slow = https_url(&s, "/slow.html");
	char *bin = https_url(&s, "/binary.bin");
	char *broken = https_url(&s, "/broken.html");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, huge, "max-body=64k"), 0);
	cr_assert(list_has(&f, "http.body.truncated", huge));
	cr_assert_not_null(finding_of(&f, "http-body-truncated"));
	facts_free(&f);

	/* 2 KiB at one byte a second, against a one-second request timeout */
	/* (TLS records make the drip deliver nothing whole in a second; whether a
	 * status line arrived decides only whether the page counts as reached.) */
	int rc = probe1(&f, &s, slow, "request-timeout=1");
	cr_assert(list_has(&f, "http.timeouts", slow));
	cr_assert(rc == 0 || error_has(&f, "slow.html"));
	facts_free(&f);

	cr_assert_eq(probe1(&f, &s, bin, NULL), 0);
	is_bool(&f, "http.reachable", true);
	cr_assert_eq(int_of(&f, "http.status"), 200);
	facts_free(&f);

	cr_assert_eq(probe1(&f, &s, broken, "crawl=2"), 0);
	cr_assert(list_has_sub(&f, "http.scripts", "/js/app.js"));
	cr_assert_eq(int_of(&f, "http.pages"), 2, "the link in the broken page was followed");
	facts_free(&f);
	free(huge);
	free(slow);
	free(bin);
	free(broken);
	site_stop(&s);
}

Test(http, refused_and_bad_urls_and_options, .timeout = 60)
{
	struct facts f;
	/* nothing listens on the last port of the range */
	cr_assert_eq(probe1(&f, NULL, "http://127.0.0.1:19199/", NULL), -1);
	is_bool(&f, "http.reachable", false);
	is_bool(&f, "http.plain_http.listening", false);
	cr_assert(error_has(&f, "no response"));
	facts_free(&f);
	cr_assert_eq(probe1(&f, NULL, "ftp://127.0.0.1/", NULL), -1);
	cr_assert(error_has(&f, "expected an http:// or https:// URL"));
	facts_free(&f);
	cr_assert_eq(probe1(&f, NULL, "http://admin:s3cret@127.0.0.1:19199/", NULL), -1);
	cr_assert(error_has(&f, "credentials in a URL"));
	for (size_t i = 0; i < f.nerrors; i++)
		cr_assert_null(strstr(f.errors[i], "s3cret"), "the password reached an error");
	facts_free(&f);
	cr_assert_eq(probe1(&f, NULL, "http://127.0.0.1:19199/", "crawl=0"), -1);
	cr_assert(error_has(&f, "http.crawl"));
	facts_free(&f);
	cr_assert_eq(probe1(&f, NULL, "http://127.0.0.1:19199/", "header=NoColon"), -1);
	cr_assert(error_has(&f, "http.header"));
	facts_free(&f);
	cr_assert_eq(probe1(&f, NULL, "http://127.0.0.1:19199/", "max-body=lots"), -1);
	cr_assert(error_has(&f, "http.max-body"));
	facts_free(&f);
}

Test(http, cli_sends_headers_and_cookies_and_prints_json, .timeout = 60)
{
	struct site s = site_start();
	char *u = https_url(&s, "/auth.html");
	struct tu_run r =
	    tu_sh("%s probe http %s --ca-file %s/cert.pem --header 'X-Assay-Test: yes' "
	          "--cookie token=t0k --json",
	          tu_bin(), u, s.dir);
	cr_assert_eq(r.code, 0, "%s %s", r.out, r.err);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	cr_assert(j, "not JSON: %s", r.out);
	json_t *facts = json_object_get(j, "facts");
	cr_assert_eq(json_integer_value(json_object_get(facts, "http.status")), 200,
	             "the header and the cookie were sent");
	json_decref(j);
	tu_run_free(&r);
	r = tu_sh("%s probe http %s --ca-file %s/cert.pem", tu_bin(), u, s.dir);
	cr_assert_eq(r.code, 0);
	cr_assert(strstr(r.out, "http.status = 403"), "%s", r.out);
	cr_assert(strstr(r.out, "transport   https yes"), "the summary leads: %s", r.out);
	tu_run_free(&r);
	r = tu_sh("%s probe http %s --crawl x", tu_bin(), u);
	cr_assert_eq(r.code, 3, "a bad option value is the probe's error");
	cr_assert(strstr(r.out, "http.crawl"), "%s", r.out);
	tu_run_free(&r);
	r = tu_sh("%s probe http %s --nosuch 1", tu_bin(), u);
	cr_assert_eq(r.code, 2);
	tu_run_free(&r);
	free(u);
	site_stop(&s);
}

Test(http, plan_with_rules_judges_the_site, .timeout = 90)
{
	struct site s = site_start();
	char *dir = tu_tmpdir();
	char *plan = xasprintf("[assessment]\nname = http\nrules = example\n"
	                       "[target shop]\nhttp = http://127.0.0.1:%d/bare.html\n"
	                       "http = https://127.0.0.1:%d/card.html\nhttp.crawl = 2\n"
	                       "http.ca-file = %s/cert.pem\n",
	                       s.plain, s.tls, s.dir);
	char *pp = tu_write(dir, "plan.ini", plan);
	struct tu_run r =
	    tu_sh("ASSAY_RULES_DIR=rules %s run %s -o %s/out --format json", tu_bin(), pp, dir);
	cr_assert_eq(r.code, 1, "rules fail: %s %s", r.out, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	char *js = tu_read(res);
	cr_assert(js);
	char *pan = fixture_pan(&s);
	cr_assert(!contains_digits(js, pan), "a full card number reached results.json");
	cr_assert(strstr(js, "622848******1234"), "the masked form is in results.json");
	free(pan);
	free(js);
	free(res);
	free(pp);
	free(plan);
	free(dir);
	site_stop(&s);
}

Test(http, updss_rules_judge_good_and_bare_pages, .timeout = 90)
{
	struct site s = site_start();
	char *dir = tu_tmpdir();
	char *plan = xasprintf("[assessment]\nname = http updss\nrules = updss, jrt0068\n"
	                       "[target good]\nhttp = http://127.0.0.1:%d/hop1\n"
	                       "http.ca-file = %s/cert.pem\n"
	                       "[target bare]\nhttp = https://127.0.0.1:%d/bare.html\n"
	                       "http.ca-file = %s/cert.pem\n"
	                       "[target leaky]\nhttp = https://127.0.0.1:%d/leaky/\n"
	                       "http.ca-file = %s/cert.pem\n"
	                       "[target card]\nhttp = https://127.0.0.1:%d/card.html\n"
	                       "http.ca-file = %s/cert.pem\n",
	                       s.plain, s.dir, s.tls, s.dir, s.tls, s.dir, s.tls, s.dir);
	json_t *j = tu_run_plan(dir, plan, NULL);
	static const char *const ids[] = {"UPD-18", "UPD-19", "UPD-20", "UPD-23"};
	for (size_t i = 0; i < 4; i++)
		cr_expect_str_eq(tu_verdict(j, ids[i], "good"), "pass", "%s on good", ids[i]);
	cr_expect_str_eq(tu_verdict(j, "UPD-18", "bare"), "pass");
	cr_expect_str_eq(tu_verdict(j, "UPD-19", "bare"), "fail");
	cr_expect_str_eq(tu_verdict(j, "UPD-20", "bare"), "fail");
	cr_expect_str_eq(tu_verdict(j, "UPD-23", "bare"), "fail");
	cr_expect_str_eq(tu_verdict(j, "UPD-19", "leaky"), "fail");
	/* X-Powered-By: PHP/8.1.2 on the bare page (security support ended 2025-12-31) */
	cr_expect_str_eq(tu_verdict(j, "UPD-24", "bare"), "fail");
	cr_expect_str_eq(tu_verdict(j, "UPD-24", "good"), "pass", "no version disclosed");
	/* JR/T 0068's web channel: the good page passes all three */
	static const char *const ob[] = {"OB-01", "OB-02", "OB-03"};
	for (size_t i = 0; i < 3; i++)
		cr_expect_str_eq(tu_verdict(j, ob[i], "good"), "pass", "%s on good", ob[i]);
	cr_expect_str_eq(tu_verdict(j, "OB-01", "bare"), "fail", "no HSTS");
	cr_expect_str_eq(tu_verdict(j, "OB-02", "bare"), "fail",
	                 "no frame protection, CSP, nosniff");
	cr_expect_str_eq(tu_verdict(j, "OB-03", "card"), "fail", "card data without no-store");
	json_decref(j);
	free(plan);
	free(dir);
	site_stop(&s);
}

/*
 * UPD-08 and J92-67, masked display: a statement page masked 6 + 4 passes,
 * one that shows 8 + 4 fails, and a page with a full number fails; the
 * files half of UPD-08 reads a receipts folder the same way (pan probe).
 */
Test(http, masked_display_rules_judge_pages_and_receipts, .timeout = 90)
{
	struct site s = site_start();
	char *dir = tu_tmpdir();
	char *ok = xasprintf("%s/receipts-ok", dir), *wide = xasprintf("%s/receipts-wide", dir);
	cr_assert_eq(mkdir(ok, 0755), 0);
	cr_assert_eq(mkdir(wide, 0755), 0);
	free(tu_write(ok, "r1.txt", "RECEIPT\nCard: 622848******1234\nAmount: 10.00\n"));
	free(tu_write(wide, "r1.txt", "RECEIPT\nCard: 62284839****1234\nAmount: 10.00\n"));
	char *plan = xasprintf(
	    "[assessment]\nname = masked display\nrules = updss, jrt0092\n"
	    "[target masked]\nhttp = https://127.0.0.1:%d/masked.html\nhttp.ca-file = %s/cert.pem\n"
	    "[target wide]\nhttp = https://127.0.0.1:%d/wide.html\nhttp.ca-file = %s/cert.pem\n"
	    "[target full]\nhttp = https://127.0.0.1:%d/card.html\nhttp.ca-file = %s/cert.pem\n"
	    "[target receipts-ok]\nfiles = %s\n"
	    "[target receipts-wide]\nfiles = %s\n",
	    s.tls, s.dir, s.tls, s.dir, s.tls, s.dir, ok, wide);
	json_t *j = tu_run_plan(dir, plan, NULL);
	cr_expect_str_eq(tu_verdict(j, "UPD-08", "masked"), "pass");
	cr_expect_str_eq(tu_verdict(j, "UPD-08", "wide"), "fail", "8 + 4 digits shown");
	cr_expect_str_eq(tu_verdict(j, "UPD-08", "full"), "fail", "a full number shown");
	cr_expect_str_eq(tu_verdict(j, "UPD-08", "receipts-ok"), "pass");
	cr_expect_str_eq(tu_verdict(j, "UPD-08", "receipts-wide"), "fail");
	cr_expect_str_eq(tu_verdict(j, "J92-67", "masked"), "pass");
	cr_expect_str_eq(tu_verdict(j, "J92-67", "wide"), "fail");
	cr_expect_str_eq(tu_verdict(j, "J92-67", "full"), "fail");
	json_decref(j);
	free(plan);
	free(ok);
	free(wide);
	free(dir);
	site_stop(&s);
}

/*
 * PFI-05 on pages: a customer page with the ID and mobile numbers masked
 * passes; one that shows them in full fails, and neither number reaches
 * results.json. The ID number is made here (17 digits and the check).
 */
Test(http, id_and_mobile_numbers_on_pages_are_judged_by_pfi05, .timeout = 90)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	char id[19] = "31011519880808005";
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (id[i] - '0') * w[i];
	id[17] = "10X98765432"[sum % 11];
	id[18] = '\0';
	struct site s = site_start();
	char *www = xasprintf("%s/www", s.dir);
	char *ok = xasprintf("<html><body><p>ID 310115********%s</p><p>Mobile 139****0001</p>"
	                     "</body></html>",
	                     id + 14);
	char *leak =
	    xasprintf("<html><body><p>ID %s</p><p>Mobile 13900000001</p></body></html>", id);
	free(tu_write(www, "customer-ok.html", ok));
	free(tu_write(www, "customer-leak.html", leak));
	char *dir = tu_tmpdir();
	char *plan = xasprintf("[assessment]\nname = pii pages\nrules = jrt0171\n"
	                       "[target ok]\nhttp = "
	                       "https://127.0.0.1:%d/customer-ok.html\nhttp.ca-file = %s/cert.pem\n"
	                       "[target leak]\nhttp = https://127.0.0.1:%d/customer-leak.html\n"
	                       "http.ca-file = %s/cert.pem\n",
	                       s.tls, s.dir, s.tls, s.dir);
	char *js;
	json_t *j = tu_run_plan(dir, plan, &js);
	cr_assert_null(strstr(js, id), "a full ID number reached results.json");
	cr_assert_null(strstr(js, "13900000001"), "a full mobile number reached results.json");
	cr_expect_str_eq(tu_verdict(j, "PFI-05", "ok"), "pass");
	cr_expect_str_eq(tu_verdict(j, "PFI-05", "leak"), "fail");
	json_decref(j);
	free(js);
	free(plan);
	free(dir);
	free(leak);
	free(ok);
	free(www);
	site_stop(&s);
}

Test(http, script_baseline_from_a_list_or_a_previous_run, .timeout = 90)
{
	struct site s = site_start();
	char *dir = tu_tmpdir();
	char *app = https_url(&s, "/js/app.js");
	char *list =
	    xasprintf("# the authorised inventory\n%s\nhttps://old.assay.invalid/gone.js\n\n", app);
	char *lp = tu_write(dir, "scripts.txt", list);
	char *opt = xasprintf("baseline=%s", lp);
	char *u = https_url(&s, "/scripts.html");
	struct facts f;
	cr_assert_eq(probe1(&f, &s, u, opt), 0);
	cr_assert_eq(count_of(&f, "http.scripts.added"), 3);
	cr_assert(list_has(&f, "http.scripts.added", "https://tracker.assay.invalid/t.js"));
	cr_assert(!list_has(&f, "http.scripts.added", app));
	cr_assert_eq(count_of(&f, "http.scripts.removed"), 1);
	cr_assert(list_has(&f, "http.scripts.removed", "https://old.assay.invalid/gone.js"));
	cr_assert_not_null(finding_of(&f, "http-script-new"));
	facts_free(&f);

	/* A previous run's results.json: the inventory of the same target. */
	char *plan = xasprintf("[assessment]\nname = b\nrules = example\n[target shop]\n"
	                       "http = %s\nhttp.ca-file = %s/cert.pem\n",
	                       u, s.dir);
	char *pp = tu_write(dir, "plan.ini", plan);
	struct tu_run r =
	    tu_sh("ASSAY_RULES_DIR=rules %s run %s -o %s/prev --format json", tu_bin(), pp, dir);
	tu_run_free(&r);
	char *good = https_url(&s, "/good.html");
	char *plan2 = xasprintf("[assessment]\nname = b\nrules = example\n[target shop]\n"
	                        "http = %s\nhttp.ca-file = %s/cert.pem\n"
	                        "http.baseline = %s/prev/results.json\n",
	                        good, s.dir, dir);
	char *pp2 = tu_write(dir, "plan2.ini", plan2);
	r = tu_sh("ASSAY_RULES_DIR=rules %s run %s -o %s/now --format json", tu_bin(), pp2, dir);
	tu_run_free(&r);
	char *res = xasprintf("%s/now/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert(j, "%s", je.text);
	json_t *facts = json_object_get(json_array_get(json_object_get(j, "runs"), 0), "facts");
	cr_assert_eq(json_array_size(json_object_get(facts, "http.scripts.added")), 0,
	             "good.html loads only /js/app.js, which scripts.html had");
	cr_assert_eq(json_array_size(json_object_get(facts, "http.scripts.removed")), 3);
	json_decref(j);

	/* A results.json without this target is an error that names it. */
	const char *urls[] = {u, NULL};
	char *bad = xasprintf("baseline=%s/now/results.json", dir);
	const char *opts[] = {bad, NULL};
	cr_assert_eq(probe(&f, &s, urls, opts, false), -1);
	cr_assert(error_has(&f, "no http run of target 'test'"));
	facts_free(&f);
	free(bad);
	free(res);
	free(pp2);
	free(plan2);
	free(good);
	free(pp);
	free(plan);
	free(u);
	free(opt);
	free(lp);
	free(list);
	free(app);
	free(dir);
	site_stop(&s);
}
