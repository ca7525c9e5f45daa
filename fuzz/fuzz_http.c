/*
 * Fuzz the http probe's parsers of what a server sends
 * (probes/http/checks.c, page.c): the input, as a header value, goes
 * through the HSTS, CSP and Set-Cookie parsers, the version and
 * session-id checks and URL resolution; as a body, through the
 * error/default/listing markers and libxml2's HTML walk (scripts, links,
 * mixed content); as a Server header, through the product parser and the
 * end-of-life table (eol.c). Invariants: parsed values stay in range,
 * names are NUL-terminated within their arrays, every URL out is http(s).
 */
#include "fuzz/fuzz.h"
#include "probes/http/http_int.h"

#include <stdlib.h>
#include <string.h>

static void must_be_http(const char *u)
{
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		abort();
}

FUZZ_TARGET(http)
{
	if (size > (1u << 20))
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* a header value ends at its first NUL, as fetch.c keeps it */

	struct http_hsts h;
	http_hsts_parse(&h, s);
	if (h.valid && h.max_age < 0)
		abort();
	struct http_csp c;
	http_csp_parse(&c, s);
	struct http_cookie k;
	if (http_cookie_parse(&k, s) == 0 &&
	    (strlen(k.name) >= sizeof(k.name) || strlen(k.samesite) >= sizeof(k.samesite)))
		abort();
	(void)http_has_version(s);
	(void)http_url_session_param(s);
	char *u = http_resolve("https://h.example/a/b.html", s);
	if (u) {
		must_be_http(u);
		char o[512];
		(void)http_origin(o, sizeof(o), u);
		free(http_dir_of(u));
		free(u);
	}
	free(http_printable(s, 120));
	struct http_product prod[8];
	size_t np = http_products(s, prod, 8);
	if (np > 8)
		abort();
	for (size_t i = 0; i < np; i++) {
		if (strnlen(prod[i].name, sizeof(prod[i].name)) == sizeof(prod[i].name) ||
		    strnlen(prod[i].version, sizeof(prod[i].version)) == sizeof(prod[i].version) ||
		    strspn(prod[i].version, "0123456789.") != strlen(prod[i].version))
			abort();
		(void)http_product_eol(&prod[i], "2026-11-29");
	}

	const char *body = (const char *)data;
	const char *m[8];
	if (http_error_markers(m, 8, body, size) > 8)
		abort();
	(void)http_default_page_marker(body, size);
	(void)http_is_dir_listing(body, size);
	(void)http_body_version(body, size);
	struct http_page p;
	http_page_parse(&p, "https://h.example/dir/page.html", body, size);
	for (size_t i = 0; i < p.nlinks; i++)
		must_be_http(p.links[i]);
	for (size_t i = 0; i < p.nscripts; i++)
		must_be_http(p.scripts[i].url);
	for (size_t i = 0; i < p.nmixed; i++)
		if (strncmp(p.mixed[i], "http://", 7) != 0)
			abort();
	http_page_free(&p);
	free(s);
	return 0;
}
