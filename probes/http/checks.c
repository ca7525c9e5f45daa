/*
 * Pure checks over what a web server sends, one function per header or
 * body property, so that each is unit-tested on strings
 * (tests/test_http_checks.c) and http.c only orders requests and writes
 * facts. Every input is hostile: each function bounds what it reads and
 * never copies more than a fixed size.
 *
 * Sources: HSTS RFC 6797 §6.1 (and the preload list's 180-day floor,
 * hstspreload.org); CSP Level 3 (W3C), §8.2 on 'unsafe-inline' being
 * ignored next to a nonce or hash; cookies RFC 6265 §5.2 and the
 * SameSite draft (RFC 6265bis); the markers of error pages, default pages
 * and directory listings are the texts the servers and frameworks print
 * (nginx, Apache, IIS, Tomcat, Python, PHP, Java, .NET, Django, Rails,
 * Spring, SQL engines).
 */
#include "probes/http/http_int.h"
#include "lib/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *http_memcasemem(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0 || m > n)
		return m == 0 ? hay : NULL;
	/* Candidates come from memchr on the first byte's two cases, each
	 * kept until passed, so the scan runs at memchr's speed rather than a
	 * byte at a time: the error and default-page markers are tried one by
	 * one on every body. strncasecmp stops at a NUL in hay, which then
	 * differs from the needle's byte, so a NUL never matches. */
	unsigned char lo = (unsigned char)tolower((unsigned char)needle[0]);
	unsigned char up = (unsigned char)toupper((unsigned char)needle[0]);
	const char *end = hay + n - m + 1; /* last start + 1 */
	const char *a = memchr(hay, lo, (size_t)(end - hay));
	const char *b = up == lo ? NULL : memchr(hay, up, (size_t)(end - hay));
	while (a || b) {
		const char *p = !b || (a && a < b) ? a : b;
		if (strncasecmp(p + 1, needle + 1, m - 1) == 0)
			return p;
		if (p == a)
			a = memchr(p + 1, lo, (size_t)(end - p - 1));
		else
			b = memchr(p + 1, up, (size_t)(end - p - 1));
	}
	return NULL;
}

char *http_printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		n = max;
	char *o = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		o[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	o[n] = '\0';
	return o;
}

/* Next ';'-separated directive of s into [*b, *e), trimmed; false at the end. */
static bool next_part(const char **s, char sep, const char **b, const char **e)
{
	const char *p = *s;
	if (!*p)
		return false;
	const char *end = strchr(p, sep);
	if (!end)
		end = p + strlen(p);
	*s = *end ? end + 1 : end;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*b = p;
	*e = end;
	return true;
}

static bool word_is(const char *b, const char *e, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(e - b) == n && strncasecmp(b, w, n) == 0;
}

void http_hsts_parse(struct http_hsts *out, const char *value)
{
	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	const char *s = value, *b, *e;
	while (next_part(&s, ';', &b, &e)) {
		if (word_is(b, e, "includesubdomains")) {
			out->include_subdomains = true;
		} else if (word_is(b, e, "preload")) {
			out->preload = true;
		} else if ((size_t)(e - b) > 7 && strncasecmp(b, "max-age", 7) == 0) {
			const char *p = b + 7;
			while (p < e && isspace((unsigned char)*p))
				p++;
			if (p >= e || *p != '=')
				continue;
			p++;
			while (p < e && isspace((unsigned char)*p))
				p++;
			bool quoted = p < e && *p == '"';
			if (quoted)
				p++;
			int64_t v = 0;
			int nd = 0;
			while (p < e && isdigit((unsigned char)*p)) {
				if (v < INT64_MAX / 10 - 10)
					v = v * 10 + (*p - '0');
				p++;
				nd++;
			}
			if (quoted && p < e && *p == '"')
				p++;
			if (nd > 0 && p == e) {
				out->max_age = v;
				out->valid = true;
			}
		}
	}
}

/* The flags of one policy. */
static void csp_one(struct http_csp *o, const char *policy, size_t n)
{
	char *pol = xstrndup(policy, n);
	bool have_script = false, have_default = false;
	struct http_csp script = {0}, dflt = {0};
	bool script_nonce = false, dflt_nonce = false;
	const char *s = pol, *b, *e;
	while (next_part(&s, ';', &b, &e)) {
		const char *ne = b;
		while (ne < e && !isspace((unsigned char)*ne))
			ne++;
		bool is_script = word_is(b, ne, "script-src") || word_is(b, ne, "script-src-elem");
		bool is_default = word_is(b, ne, "default-src");
		if (word_is(b, ne, "frame-ancestors"))
			o->frame_ancestors = true;
		if (!is_script && !is_default)
			continue;
		/* The first of a directive counts (CSP3 §6.7: later duplicates are ignored). */
		if ((is_script && have_script) || (is_default && have_default))
			continue;
		struct http_csp *t = is_script ? &script : &dflt;
		bool *nonce = is_script ? &script_nonce : &dflt_nonce;
		if (is_script)
			have_script = true;
		else
			have_default = true;
		const char *p = ne;
		while (p < e) {
			while (p < e && isspace((unsigned char)*p))
				p++;
			const char *w = p;
			while (p < e && !isspace((unsigned char)*p))
				p++;
			if (w == p)
				break;
			if (word_is(w, p, "'unsafe-inline'"))
				t->unsafe_inline = true;
			else if (word_is(w, p, "'unsafe-eval'"))
				t->unsafe_eval = true;
			else if (word_is(w, p, "*") || word_is(w, p, "https:") ||
			         word_is(w, p, "http:") || word_is(w, p, "data:") ||
			         word_is(w, p, "blob:"))
				t->wildcard = true;
			else if ((p - w > 7 && strncasecmp(w, "'nonce-", 7) == 0) ||
			         (p - w > 8 && (strncasecmp(w, "'sha256-", 8) == 0 ||
			                        strncasecmp(w, "'sha384-", 8) == 0 ||
			                        strncasecmp(w, "'sha512-", 8) == 0)) ||
			         word_is(w, p, "'strict-dynamic'"))
				*nonce = true;
		}
	}
	free(pol);
	struct http_csp eff = {0};
	bool nonce = false;
	if (have_script) {
		eff = script;
		nonce = script_nonce;
	} else if (have_default) {
		eff = dflt;
		nonce = dflt_nonce;
	}
	/* A policy allows something only if every policy does (all are enforced). */
	o->no_script_limit = o->no_script_limit && !have_script && !have_default;
	o->unsafe_inline = o->unsafe_inline && eff.unsafe_inline && !nonce;
	o->unsafe_eval = o->unsafe_eval && eff.unsafe_eval;
	o->wildcard = o->wildcard && eff.wildcard;
}

void http_csp_parse(struct http_csp *out, const char *value)
{
	memset(out, 0, sizeof(*out));
	/* Start from "allows everything" and let each policy take away. */
	out->unsafe_inline = out->unsafe_eval = out->wildcard = out->no_script_limit = true;
	const char *s = value;
	bool any = false;
	while (*s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		csp_one(out, s, n);
		any = true;
		s += n;
		if (*s == ',')
			s++;
	}
	if (!any)
		out->unsafe_inline = out->unsafe_eval = out->wildcard = false;
	/* No script policy at all means scripts are unrestricted, which is its own
	 * flag; unsafe_inline and friends describe a policy that was written. */
	if (out->no_script_limit)
		out->unsafe_inline = out->unsafe_eval = out->wildcard = false;
}

/* Session cookie names of common stacks (OWASP session management cheat sheet). */
static const char *const session_names[] = {
    "jsessionid", "phpsessid", "asp.net_sessionid", "aspsessionid",    "sessionid",   "session",
    "sessid",     "sid",       "connect.sid",       "laravel_session", "_session_id", "cfid",
    "cftoken",    NULL,
};

static bool is_session_name(const char *n)
{
	for (size_t i = 0; session_names[i]; i++) {
		size_t m = strlen(session_names[i]);
		if (strncasecmp(n, session_names[i], m) == 0 &&
		    (n[m] == '\0' || strcmp(session_names[i], "aspsessionid") == 0))
			return true;
	}
	/* "xyz_session", "app-sessionid", "SESS<hash>" (Drupal) */
	size_t l = strlen(n);
	return (l > 8 && strcasecmp(n + l - 8, "_session") == 0) ||
	       (l > 10 && strcasecmp(n + l - 10, "-sessionid") == 0) ||
	       (l > 4 && strncmp(n, "SESS", 4) == 0);
}

int http_cookie_parse(struct http_cookie *out, const char *value)
{
	memset(out, 0, sizeof(*out));
	const char *s = value, *b, *e;
	if (!next_part(&s, ';', &b, &e))
		return -1;
	const char *eq = memchr(b, '=', (size_t)(e - b));
	if (!eq)
		return -1;
	const char *ne = eq;
	while (ne > b && isspace((unsigned char)ne[-1]))
		ne--;
	if (ne == b)
		return -1;
	size_t n = (size_t)(ne - b);
	if (n > sizeof(out->name) - 1)
		n = sizeof(out->name) - 1;
	for (size_t i = 0; i < n; i++)
		out->name[i] = b[i] > 0x20 && b[i] < 0x7f ? b[i] : '?';
	out->name[n] = '\0';
	while (next_part(&s, ';', &b, &e)) {
		const char *ae = memchr(b, '=', (size_t)(e - b));
		const char *an = ae ? ae : e;
		while (an > b && isspace((unsigned char)an[-1]))
			an--;
		if (word_is(b, an, "secure")) {
			out->secure = true;
		} else if (word_is(b, an, "httponly")) {
			out->httponly = true;
		} else if (word_is(b, an, "samesite") && ae) {
			const char *v = ae + 1;
			while (v < e && isspace((unsigned char)*v))
				v++;
			if (word_is(v, e, "strict"))
				strcpy(out->samesite, "Strict");
			else if (word_is(v, e, "lax"))
				strcpy(out->samesite, "Lax");
			else if (word_is(v, e, "none"))
				strcpy(out->samesite, "None");
		}
	}
	out->session_like = is_session_name(out->name);
	return 0;
}

bool http_has_version(const char *value)
{
	/* product/1.2 ("nginx/1.22.1", "PHP/8.1.2", "Microsoft-IIS/10.0"), or a
	 * bare version after a product ("Apache 2.4.57", "ASP.NET 4.0.30319"). */
	for (const char *p = value; *p; p++) {
		if ((*p == '/' || *p == ' ') && p > value && isalpha((unsigned char)p[-1]) &&
		    isdigit((unsigned char)p[1]))
			return true;
	}
	/* X-AspNet-Version: 4.0.30319 is only a version */
	return isdigit((unsigned char)value[0]) && strchr(value, '.');
}

const char *http_body_version(const char *body, size_t n)
{
	static const char *const products[] = {
	    "nginx/",     "Apache/", "Microsoft-IIS/", "Apache Tomcat/", "Jetty(",   "lighttpd/",
	    "openresty/", "PHP/",    "Werkzeug/",      "gunicorn/",      "Express ", NULL,
	};
	for (size_t i = 0; products[i]; i++) {
		const char *p = http_memcasemem(body, n, products[i]);
		size_t m = strlen(products[i]);
		if (p && (size_t)(p - body) + m < n && isdigit((unsigned char)p[m]))
			return products[i];
	}
	return NULL;
}

/* Texts that only an unhandled error prints (each names its source stack). */
static const char *const error_markers[] = {
    "Traceback (most recent call last)", /* Python */
    "at java.",
    "java.lang.",
    "javax.servlet.",
    "org.springframework.",
    "org.apache.catalina.",
    "Whitelabel Error Page", /* Spring Boot */
    "Exception in thread",   /* Java */
    "Server Error in '/' Application",
    "System.Web.HttpException",
    "Stack Trace:", /* .NET */
    "Fatal error</b>:",
    "Warning</b>:",
    "Parse error</b>:",
    "Stack trace:", /* PHP */
    "You have an error in your SQL syntax",
    "SQLSTATE[",
    "ORA-0",
    "PG::", /* SQL */
    "ERROR:  syntax error at or near",
    "Microsoft OLE DB Provider",
    "ODBC Driver",
    "SqlException",
    "SQLite3::",
    "sqlite3.OperationalError",
    "Unclosed quotation mark",
    "You're seeing this error because you have <code>DEBUG = True</code>", /* Django */
    "ActionController::RoutingError",
    "ActiveRecord::",              /* Rails */
    "Whoops! There was an error.", /* Laravel */
    "node_modules/express",
    "at Object.<anonymous>",
    "at Module._compile", /* Node */
    NULL,
};

size_t http_error_markers(const char **out, size_t max, const char *body, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; error_markers[i] && k < max; i++)
		if (http_memcasemem(body, n, error_markers[i]))
			out[k++] = error_markers[i];
	return k;
}

static const char *const default_markers[] = {
    "Welcome to nginx!",
    "Apache2 Debian Default Page",
    "Apache2 Ubuntu Default Page",
    "Test Page for the Apache HTTP Server",
    "<h1>It works!</h1>",
    "IIS Windows Server",
    "Internet Information Services",
    "If you're seeing this, you've successfully installed Tomcat",
    "Welcome to CentOS",
    "Welcome to your Strapi app",
    "Congratulations! Your Laravel",
    "The install worked successfully! Congratulations!",
    NULL,
};

const char *http_default_page_marker(const char *body, size_t n)
{
	for (size_t i = 0; default_markers[i]; i++)
		if (http_memcasemem(body, n, default_markers[i]))
			return default_markers[i];
	return NULL;
}

bool http_is_dir_listing(const char *body, size_t n)
{
	static const char *const m[] = {
	    "<title>Index of /",            /* nginx, Apache, lighttpd */
	    "<h1>Index of /",               /* nginx, Apache */
	    "Directory listing for /",      /* Python http.server */
	    "[To Parent Directory]",        /* IIS */
	    "<title>Directory Listing For", /* Tomcat */
	    NULL,
	};
	for (size_t i = 0; m[i]; i++)
		if (http_memcasemem(body, n, m[i]))
			return true;
	return false;
}

const char *http_url_session_param(const char *url)
{
	static const char *const params[] = {
	    "jsessionid", "phpsessid", "aspsessionid", "sessionid",
	    "session_id", "sessid",    "sid",          NULL,
	};
	const char *q = strpbrk(url, ";?#");
	if (!q || *q == '#')
		return NULL;
	for (const char *p = q; *p && *p != '#'; p++) {
		if (*p != ';' && *p != '?' && *p != '&')
			continue;
		const char *name = p + 1;
		const char *eq = strchr(name, '=');
		if (!eq)
			continue;
		size_t len = (size_t)(eq - name);
		for (size_t i = 0; params[i]; i++)
			if (strlen(params[i]) == len && strncasecmp(name, params[i], len) == 0)
				return params[i];
	}
	return NULL;
}
