/*
 * Unit tests of the http probe's pure checks (probes/http/checks.c) and
 * its HTML page walk (probes/http/page.c): the header grammars (HSTS,
 * CSP, Set-Cookie), version tokens, error/default/listing markers,
 * session ids in URLs, URL resolution, and the script inventory, links
 * and mixed content of a page, on strings, with hostile cases.
 */
#include "tests/testutil.h"

#include "probes/http/http_int.h"

#include <ctype.h>

Test(http_checks, hsts_directives_and_bad_forms)
{
	struct http_hsts h;
	http_hsts_parse(&h, "max-age=31536000; includeSubDomains; preload");
	cr_assert(h.valid);
	cr_assert_eq(h.max_age, 31536000);
	cr_assert(h.include_subdomains && h.preload);

	http_hsts_parse(&h, "  MAX-AGE = \"15552000\" ;INCLUDESUBDOMAINS");
	cr_assert(h.valid, "quoted value, spaces and case are allowed (RFC 6797 6.1)");
	cr_assert_eq(h.max_age, HSTS_SIX_MONTHS_S);
	cr_assert(h.include_subdomains && !h.preload);

	http_hsts_parse(&h, "includeSubDomains; preload");
	cr_assert(!h.valid, "max-age is required");
	http_hsts_parse(&h, "max-age=12abc");
	cr_assert(!h.valid, "a non-numeric max-age is invalid");
	http_hsts_parse(&h, "max-age=");
	cr_assert(!h.valid);
	http_hsts_parse(&h, "max-age=99999999999999999999999999999");
	cr_assert(h.valid && h.max_age > 0, "a huge max-age saturates, it does not wrap");
	http_hsts_parse(&h, "");
	cr_assert(!h.valid);
}

Test(http_checks, csp_flags_follow_the_effective_script_policy)
{
	struct http_csp c;
	http_csp_parse(&c, "default-src 'self'; frame-ancestors 'none'");
	cr_assert(!c.unsafe_inline && !c.unsafe_eval && !c.wildcard && !c.no_script_limit);
	cr_assert(c.frame_ancestors);

	http_csp_parse(&c, "script-src 'self' 'unsafe-inline' 'unsafe-eval' *");
	cr_assert(c.unsafe_inline && c.unsafe_eval && c.wildcard);
	cr_assert(!c.frame_ancestors);

	/* unsafe-inline next to a nonce or hash is ignored by CSP2+ browsers */
	http_csp_parse(&c, "script-src 'nonce-abc123' 'unsafe-inline'");
	cr_assert(!c.unsafe_inline);
	/* script-src wins over default-src */
	http_csp_parse(&c, "default-src * 'unsafe-inline'; script-src 'self'");
	cr_assert(!c.unsafe_inline && !c.wildcard);
	/* a bare scheme is a wildcard */
	http_csp_parse(&c, "default-src https:");
	cr_assert(c.wildcard);
	/* only style rules: scripts are not limited */
	http_csp_parse(&c, "style-src 'self'");
	cr_assert(c.no_script_limit);
	/* two enforced policies: the stricter one wins */
	http_csp_parse(&c, "script-src 'unsafe-inline', script-src 'self'");
	cr_assert(!c.unsafe_inline);
	http_csp_parse(&c, ";;;,,, ;");
	cr_assert(c.no_script_limit);
}

Test(http_checks, cookie_attributes)
{
	struct http_cookie c;
	cr_assert_eq(http_cookie_parse(&c, "sid=1; Path=/; Secure; HttpOnly; SameSite=Strict"), 0);
	cr_assert_str_eq(c.name, "sid");
	cr_assert(c.secure && c.httponly && c.session_like);
	cr_assert_str_eq(c.samesite, "Strict");

	cr_assert_eq(http_cookie_parse(&c, "PHPSESSID=abc; path=/"), 0);
	cr_assert(!c.secure && !c.httponly && c.session_like);
	cr_assert_str_eq(c.samesite, "");

	cr_assert_eq(http_cookie_parse(&c, "theme = dark ; secure ; samesite = lax"), 0);
	cr_assert_str_eq(c.name, "theme");
	cr_assert(c.secure && !c.session_like);
	cr_assert_str_eq(c.samesite, "Lax");

	cr_assert_eq(http_cookie_parse(&c, "x=1; SameSite=bogus"), 0);
	cr_assert_str_eq(c.samesite, "", "an unknown SameSite value counts as absent");
	/* "secure" as a value is not the attribute */
	cr_assert_eq(http_cookie_parse(&c, "a=secure; b=HttpOnly"), 0);
	cr_assert(!c.secure && !c.httponly);

	cr_assert_eq(http_cookie_parse(&c, "novalue"), -1);
	cr_assert_eq(http_cookie_parse(&c, "=x"), -1);
	cr_assert_eq(http_cookie_parse(&c, ""), -1);
	char longname[300];
	memset(longname, 'n', 200);
	strcpy(longname + 200, "=v; Secure");
	cr_assert_eq(http_cookie_parse(&c, longname), 0);
	cr_assert_eq(strlen(c.name), 64, "names are cut, not overflowed");
}

Test(http_checks, version_tokens)
{
	cr_assert(http_has_version("nginx/1.22.1"));
	cr_assert(http_has_version("Apache/2.4.57 (Debian)"));
	cr_assert(http_has_version("Microsoft-IIS/10.0"));
	cr_assert(http_has_version("PHP/8.1.2"));
	cr_assert(http_has_version("4.0.30319"));
	cr_assert(!http_has_version("nginx"));
	cr_assert(!http_has_version("Apache"));
	cr_assert(!http_has_version("cloudflare"));
	cr_assert(!http_has_version(""));
	const char *page = "<hr><center>nginx/1.22.1</center>";
	cr_assert_str_eq(http_body_version(page, strlen(page)), "nginx/");
	const char *clean = "<hr><center>nginx</center>";
	cr_assert_null(http_body_version(clean, strlen(clean)));
}

Test(http_checks, markers_in_bodies)
{
	const char *trace = "<pre>Traceback (most recent call last):\n  File x</pre>";
	const char *m[8];
	cr_assert_eq(http_error_markers(m, 8, trace, strlen(trace)), 1);
	cr_assert_str_eq(m[0], "Traceback (most recent call last)");
	const char *sql = "ERROR: you have an error in your SQL syntax near";
	cr_assert_eq(http_error_markers(m, 8, sql, strlen(sql)), 1, "case-insensitive");
	const char *clean = "<h1>404 Not Found</h1>";
	cr_assert_eq(http_error_markers(m, 8, clean, strlen(clean)), 0);
	/* A NUL inside the body hides nothing after it and matches nothing across it. */
	const char bin[] = "java\0.lang. java.lang.Error";
	cr_assert_eq(http_error_markers(m, 8, bin, sizeof(bin) - 1), 1);

	const char *welcome = "<title>Welcome to nginx!</title>";
	cr_assert_not_null(http_default_page_marker(welcome, strlen(welcome)));
	cr_assert_null(http_default_page_marker(clean, strlen(clean)));
	const char *idx = "<html><head><title>Index of /files/</title>";
	cr_assert(http_is_dir_listing(idx, strlen(idx)));
	const char *py = "<h1>Directory listing for /</h1>";
	cr_assert(http_is_dir_listing(py, strlen(py)));
	cr_assert(!http_is_dir_listing(clean, strlen(clean)));
}

/* The reference: every start, byte by byte, folding ASCII case. */
static const char *naive_casemem(const char *h, size_t n, const char *nd)
{
	size_t m = strlen(nd);
	for (size_t i = 0; m <= n && i + m <= n; i++) {
		size_t j = 0;
		while (j < m && tolower((unsigned char)h[i + j]) == tolower((unsigned char)nd[j]))
			j++;
		if (j == m)
			return h + i;
	}
	return m == 0 ? h : NULL;
}

Test(http_checks, case_folding_search_finds_the_first_match_only_inside_the_bytes)
{
	static const char hay[] = "xxJaVa.lang\0java.LANG.Error at the end: ORA-0";
	size_t n = sizeof(hay) - 1;
	cr_assert_eq(http_memcasemem(hay, n, "java.lang."), hay + 12, "first whole match, after the NUL");
	cr_assert_eq(http_memcasemem(hay, n, "ORA-0"), hay + n - 5, "a match that ends on the last byte");
	cr_assert_null(http_memcasemem(hay, n - 1, "ORA-0"), "nor one past the length");
	cr_assert_null(http_memcasemem("ab\0cd", 5, "bc"), "a NUL in the body breaks a match");
	static const char rep[] = "AAAAb";
	cr_assert_eq(http_memcasemem(rep, 5, "aab"), rep + 2, "a partial match does not skip the real one");
	/* Against the byte-by-byte reference on every split of a small alphabet. */
	const char alpha[] = "aAb\0.";
	char h[9], nd[4];
	for (unsigned s = 0; s < 20000; s++) {
		unsigned v = s * 2654435761u;
		size_t hn = v % 9, nn = 1 + (v >> 8) % 3;
		for (size_t i = 0; i < hn; i++)
			h[i] = alpha[(v >> (i + 11)) % 5];
		for (size_t i = 0; i < nn; i++)
			nd[i] = "aAb."[(v >> (i * 2 + 3)) % 4];
		nd[nn] = '\0';
		cr_assert_eq(http_memcasemem(h, hn, nd), naive_casemem(h, hn, nd), "case %u", s);
	}
}

Test(http_checks, session_ids_in_urls)
{
	cr_assert_str_eq(http_url_session_param("https://h/a;jsessionid=ABC?x=1"), "jsessionid");
	cr_assert_str_eq(http_url_session_param("https://h/a?x=1&PHPSESSID=1"), "phpsessid");
	cr_assert_str_eq(http_url_session_param("/p?sid=1"), "sid");
	cr_assert_null(http_url_session_param("https://h/a?consider=1&side=2"));
	cr_assert_null(http_url_session_param("https://h/sid=1"));
	cr_assert_null(http_url_session_param("https://h/a#?sid=1"));
}

Test(http_checks, url_resolution_and_origins)
{
	char *u = http_resolve("https://h.example/a/b.html", "../c.js#frag");
	cr_assert_str_eq(u, "https://h.example/c.js");
	free(u);
	u = http_resolve("https://h.example/a/", "//cdn.example/x.js");
	cr_assert_str_eq(u, "https://cdn.example/x.js");
	free(u);
	cr_assert_null(http_resolve("https://h/", "mailto:a@b"));
	cr_assert_null(http_resolve("https://h/", "javascript:alert(1)"));
	cr_assert_null(http_resolve("https://h/", "ftp://h/x"));
	char o[128];
	cr_assert_eq(http_origin(o, sizeof(o), "https://h.example/x"), 0);
	cr_assert_str_eq(o, "https://h.example:443");
	cr_assert_eq(http_origin(o, sizeof(o), "http://127.0.0.1:8080/"), 0);
	cr_assert_str_eq(o, "http://127.0.0.1:8080");
	cr_assert_eq(http_origin(o, sizeof(o), "file:///etc/passwd"), -1);
	cr_assert_eq(http_origin(o, sizeof(o), "not a url"), -1);
	char *d = http_dir_of("https://h/a/b/c.js?x=/y/");
	cr_assert_str_eq(d, "https://h/a/b/");
	free(d);
	cr_assert_null(http_dir_of("https://h/c.js"));
}

Test(http_checks, page_inventory_links_and_mixed_content)
{
	const char *html =
	    "<html><head><base href=\"/shop/\">"
	    "<script src=\"js/app.js\"></script>"
	    "<script src=\"https://cdn.example/lib.js\" integrity=\"sha384-abc\"></script>"
	    "<script src=\"https://t.example/t.js\" integrity=\"md5-nope\"></script>"
	    "<script src=\"http://ads.example/a.js\"></script>"
	    "<script>inline()</script><script></script>"
	    "<link rel=stylesheet href=\"http://css.example/s.css\"></head>"
	    "<body><a href=\"pay.html#x\">pay</a><a href=\"mailto:x@y\">m</a>"
	    "<a href=\"https://other.example/\">o</a><img src=\"img/logo.png\">"
	    "<form><input type=password name=pw></form></body></html>";
	struct http_page p;
	http_page_parse(&p, "https://h.example/index.html", html, strlen(html));
	cr_assert_eq(p.nscripts, 4);
	cr_assert_str_eq(p.scripts[0].url, "https://h.example/shop/js/app.js");
	cr_assert(p.scripts[0].same_origin && !p.scripts[0].sri);
	cr_assert(p.scripts[1].sri && !p.scripts[1].same_origin);
	cr_assert(!p.scripts[2].sri, "only sha256/384/512 count as SRI");
	cr_assert_eq(p.inline_scripts, 2);
	cr_assert_eq(p.nmixed, 2, "the http script and stylesheet");
	cr_assert_eq(p.nlinks, 2);
	cr_assert_str_eq(p.links[0], "https://h.example/shop/pay.html");
	cr_assert_str_eq(p.links[1], "https://other.example/");
	cr_assert(p.sensitive_form);
	cr_assert_eq(p.nsubdirs, 2);
	cr_assert_str_eq(p.subdirs[0], "https://h.example/shop/js/");
	http_page_free(&p);
}

Test(http_checks, broken_and_binary_pages_do_not_fail)
{
	const char *broken = "<html><a href=/x>x<div><script src=/a.js <p>>>><<<a href=</td>";
	struct http_page p;
	http_page_parse(&p, "https://h/", broken, strlen(broken));
	http_page_free(&p);
	char bin[4096];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 131 + 7);
	http_page_parse(&p, "https://h/", bin, sizeof(bin));
	http_page_free(&p);
	/* Deep nesting: the walk is iterative. */
	size_t depth = 100000;
	char *deep = xmalloc(depth * 5 + 64);
	char *q = deep;
	for (size_t i = 0; i < depth; i++)
		q = (char *)memcpy(q, "<div>", 5) + 5;
	strcpy(q, "<script src=/deep.js></script>");
	http_page_parse(&p, "https://h/", deep, strlen(deep));
	http_page_free(&p);
	free(deep);
	http_page_parse(&p, "https://h/", "", 0);
	cr_assert_eq(p.nscripts, 0);
	http_page_free(&p);
}

/* UPD-24: the products a header names, and which branches have ended (dated). */
Test(http_checks, products_and_end_of_life_branches)
{
	struct http_product p[8];
	size_t n =
	    http_products("Apache/2.4.41 (Ubuntu) OpenSSL/1.1.1f PHP/7.4.3-4ubuntu2.20", p, 8);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(p[0].name, "Apache");
	cr_assert_str_eq(p[0].version, "2.4.41");
	cr_assert_str_eq(p[1].name, "OpenSSL");
	cr_assert_str_eq(p[1].version, "1.1.1");
	cr_assert_str_eq(p[2].name, "PHP");
	cr_assert_str_eq(p[2].version, "7.4.3");
	cr_assert_eq(http_products("Jetty(9.4.44.v20210927)", p, 8), 1);
	cr_assert_str_eq(p[0].name, "Jetty");
	cr_assert_str_eq(p[0].version, "9.4.44");
	cr_assert_eq(http_products("nginx", p, 8), 0, "no version, no product");
	cr_assert_eq(http_products("Express", p, 8), 0);
	cr_assert_eq(http_products("a/1 b/2 c/3", p, 2), 2, "bounded by max");

	static const struct {
		const char *name, *version, *today, *ended;
	} cases[] = {
	    {"nginx", "1.22.1", "2026-11-29", "2024-05-29"},
	    {"nginx", "1.18.0", "2026-11-29", "2024-05-29"}, /* older than the listed branch */
	    {"nginx", "1.28.0", "2026-11-29", NULL},
	    {"nginx", "1.22.1", "2024-05-28", NULL}, /* not yet ended on that day */
	    {"Apache", "2.4.62", "2026-11-29", NULL},
	    {"Apache", "2.2.34", "2026-11-29", "2017-07-11"},
	    {"OpenSSL", "1.0.2", "2026-11-29", "2019-12-31"},
	    {"OpenSSL", "0.9.8", "2026-11-29", "2019-12-31"},
	    {"OpenSSL", "3.0.13", "2026-11-29", "2026-09-07"},
	    {"OpenSSL", "3.5.0", "2026-11-29", NULL},
	    {"php", "8.1.2", "2026-11-29", "2025-12-31"}, /* names match in any case */
	    {"PHP", "8.2.7", "2026-11-29", NULL},         /* ends 2026-12-31 */
	    {"PHP", "8.2.7", "2027-01-01", "2026-12-31"},
	    {"PHP", "5.3.3", "2026-11-29", "2018-12-31"},
	    {"Microsoft-IIS", "7.5", "2026-11-29", "2020-01-14"},
	    {"Microsoft-IIS", "10.0", "2026-11-29", NULL},
	    {"Jetty", "9.4.44", "2026-11-29", "2022-06-01"},
	    {"Apache-Coyote", "1.1", "2026-11-29",
	     NULL}, /* a connector's protocol, not a release */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_product q = {{0}, {0}};
		snprintf(q.name, sizeof(q.name), "%s", cases[i].name);
		snprintf(q.version, sizeof(q.version), "%s", cases[i].version);
		const char *e = http_product_eol(&q, cases[i].today);
		if (cases[i].ended)
			cr_expect(e && strcmp(e, cases[i].ended) == 0, "%s/%s on %s: %s",
			          cases[i].name, cases[i].version, cases[i].today,
			          e ? e : "not ended");
		else
			cr_expect_null(e, "%s/%s on %s ended %s", cases[i].name, cases[i].version,
			               cases[i].today, e);
	}
}
