/*
 * Internals of the http probe, shared by its files:
 *   fetch.c   one libcurl easy handle per run (one connection, polite),
 *             bounded bodies, per-request deadlines, TLS-failure fallback;
 *   checks.c  pure parsers of what a server sends: HSTS, CSP, Set-Cookie,
 *             version tokens, error/default-page/listing markers, session
 *             ids in URLs (unit-tested on strings in tests/test_http_checks.c);
 *   page.c    libxml2's HTML parser over one page: scripts, links, mixed
 *             content, sensitive forms;
 *   auth.c    the opt-in authenticated flow (login, logout, idle, lockout,
 *             replay, tampering) against a test account;
 *   http.c    the probe: the order of requests, the crawl, the facts.
 * Nothing here is used outside probes/http/.
 */
#ifndef ASSAY_PROBES_HTTP_INT_H
#define ASSAY_PROBES_HTTP_INT_H

#include "lib/strbuf.h"
#include "probes/pan/scan.h"
#include "probes/pan/pii.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on what one hostile server can make the probe hold. */
#define HTTP_HEADERS_MAX      200        /* header lines kept per response */
#define HTTP_HEADER_LEN_MAX   8192       /* bytes kept of one header line */
#define HTTP_MAX_BODY_DFLT    (4u << 20) /* bytes downloaded of one body */
#define HTTP_REDIRECTS_MAX    10         /* hops followed in a redirect chain */
#define HTTP_URL_MAX          2048       /* longer URLs are not followed */
#define HTTP_LIST_MAX         200        /* items in one list fact */
#define HTTP_PAGE_LINKS_MAX   500        /* links taken from one page */
#define HTTP_PAGE_SCRIPTS_MAX 200        /* scripts taken from one page */

/* --- fetch.c --- */

struct http_header {
	char *name; /* lowercase */
	char *value;
};

struct http_resp {
	char *url;   /* what was requested */
	long status; /* 0 when no response came */
	struct http_header *h;
	size_t nh, caph;
	struct strbuf body; /* at most max_body bytes */
	bool truncated;     /* the body was longer than max_body; the rest was not read */
	bool headers_done;  /* the header block ended (its empty line came) */
	bool timed_out;
	bool tls_unverified; /* the response came over TLS that failed verification */
	int curl_code;       /* CURLcode; 0 on success (a cut body counts as success) */
	char error[256];     /* curl's message when curl_code != 0 */
};

struct http_client;

/* Called for each card-data hit in a response; url is the response's. */
typedef void (*http_hit_fn)(void *ctx, const char *url, bool in_headers, const struct pan_hit *hit);

/* Called for each ID or mobile number (full or masked) in a response (pii.h). */
typedef void (*http_pii_fn)(void *ctx, const char *url, bool in_headers, const struct pii_hit *hit);

struct http_client_cfg {
	const char *ca_file;        /* NULL: the system store */
	const char *cookie;         /* sent on every request, or NULL */
	const char *const *headers; /* "K: V", NULL-terminated, or NULL */
	double request_timeout_ms;
	double deadline_ms; /* time_mono_ms() after which no request starts */
	size_t max_body;
	http_hit_fn on_hit;
	http_pii_fn on_pii; /* same ctx as on_hit */
	void *hit_ctx;
};

/* 0, or -1 with err_set() (libcurl could not start). Never NULL *out. */
int http_client_new(struct http_client **out, const struct http_client_cfg *cfg);
void http_client_free(struct http_client *c);
/* Requests made so far. */
unsigned http_client_requests(const struct http_client *c);
/* The first TLS verification failure seen ("" if none) and whether one was. */
const char *http_client_tls_error(const struct http_client *c, bool *failed);
/* Whether the deadline leaves time for another request. */
bool http_client_time_left(const struct http_client *c);

/*
 * One request; redirects are not followed (the caller records chains).
 * method NULL is GET; extra headers ("K: V", NULL-terminated) go with the
 * user's. Returns 0 when a response came (any status), -1 when none did
 * (r->error says why). r must be freed with http_resp_free().
 */
int http_fetch(struct http_client *c, struct http_resp *r, const char *method, const char *url,
               const char *const *extra);
/* A request body (POST and the like); the caller owns data. */
struct http_body {
	const char *data;
	size_t len;
};
/* http_fetch with a body (NULL: none); method NULL is then POST. */
int http_fetch_body(struct http_client *c, struct http_resp *r, const char *method, const char *url,
                    const char *const *extra, const struct http_body *body);
void http_resp_free(struct http_resp *r);
/* The first value of a header (name lowercase), or NULL. */
const char *http_header_get(const struct http_resp *r, const char *name);

/* --- auth.c --- */

struct target;
struct facts;
/* Whether the target declares any http.auth.* option (the opt-in flow). */
bool http_auth_declared(const struct target *t);
/*
 * The authenticated flow against the test account the target declares,
 * through a client of its own made from base (its cookie is not used).
 * Writes the http.auth.* facts; 0, or -1 with errors naming the target.
 */
int http_auth_run(const struct target *t, const struct http_client_cfg *base, struct facts *out);

/* --- checks.c --- */

#define HSTS_SIX_MONTHS_S 15552000 /* 180 days: the HSTS preload list's floor */

struct http_hsts {
	bool valid; /* a max-age directive was present and numeric */
	int64_t max_age;
	bool include_subdomains;
	bool preload;
};
/* RFC 6797 §6.1: directives split by ';', names case-insensitive, values may be quoted. */
void http_hsts_parse(struct http_hsts *out, const char *value);

struct http_csp {
	bool unsafe_inline; /* script execution from inline code is allowed */
	bool unsafe_eval;
	bool wildcard;        /* '*' or a bare scheme (https:, http:, data:) may serve scripts */
	bool no_script_limit; /* neither script-src nor default-src */
	bool frame_ancestors;
};
/* A policy (or several joined by ','), CSP Level 3. */
void http_csp_parse(struct http_csp *out, const char *value);

struct http_cookie {
	char name[65]; /* printable ASCII, cut at 64 */
	bool secure;
	bool httponly;
	char samesite[8];  /* "Strict", "Lax", "None", or "" when absent or unknown */
	bool session_like; /* the name is a well-known session cookie name */
};
/* RFC 6265 §5.2. Returns -1 for a line with no name=value pair. */
int http_cookie_parse(struct http_cookie *out, const char *value);

/* Whether a Server-like header value names a version ("nginx/1.22.1", "PHP/8.1"). */
bool http_has_version(const char *value);
/* Whether a body shows a product/version token (error pages' footers). */
const char *http_body_version(const char *body, size_t n);

/* eol.c: products a Server or X-Powered-By value names, "name/1.2.3" or
 * "name(9.4.z)"; at most max. */
struct http_product {
	char name[32], version[32];
};
size_t http_products(const char *value, struct http_product *out, size_t max);
/* The date (YYYY-MM-DD) security support for p's release branch ended, when
 * the dated table knows it ended before today (YYYY-MM-DD); else NULL. */
const char *http_product_eol(const struct http_product *p, const char *today);
#define HTTP_EOL_TABLE_DATE "2026-11-29" /* when the table in eol.c was checked */
/* The error-disclosure markers in a body (stack trace, SQL error), at most max; their count. */
size_t http_error_markers(const char **out, size_t max, const char *body, size_t n);
/* The first default-page marker ("Welcome to nginx!") in a body, or NULL. */
const char *http_default_page_marker(const char *body, size_t n);
/* Whether a body is a directory listing (nginx, Apache, IIS, Python, ...). */
bool http_is_dir_listing(const char *body, size_t n);
/* The session-id parameter in a URL (";jsessionid=", "?PHPSESSID="), or NULL. */
const char *http_url_session_param(const char *url);
/* A printable copy of a header value, cut at max bytes; caller frees. */
char *http_printable(const char *s, size_t max);
/* Case-insensitive search of a NUL-free needle in n bytes. */
const char *http_memcasemem(const char *hay, size_t n, const char *needle);

/* --- page.c --- */

struct http_script {
	char *url; /* absolute */
	bool sri;
	bool same_origin;
};

struct http_page {
	char **links; /* absolute http(s) URLs of <a>/<area>, fragment removed */
	size_t nlinks, caplinks;
	struct http_script *scripts;
	size_t nscripts, capscripts;
	size_t inline_scripts;
	char **mixed; /* http:// subresources of an https page */
	size_t nmixed, capmixed;
	char **subdirs; /* same-origin directories of subresources ("https://h/js/") */
	size_t nsubdirs, capsubdirs;
	bool sensitive_form; /* password or card fields */
};

/* Parse an HTML body fetched from url. Never fails: a broken page gives what libxml2 recovers. */
void http_page_parse(struct http_page *p, const char *url, const char *body, size_t n);
void http_page_free(struct http_page *p);

/* "scheme://host:port" of an absolute URL into out; -1 if it is not http(s). */
int http_origin(char *out, size_t len, const char *url);
/* The directory of a URL ("https://h/a/b.js" -> "https://h/a/"); NULL at the root. */
char *http_dir_of(const char *url);
/* url resolved against base, fragment removed; NULL if not http(s) or too long. */
char *http_resolve(const char *base, const char *ref);

#endif
