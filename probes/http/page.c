/*
 * One HTML page, through libxml2's HTML parser (recovering: a broken page
 * gives what a browser would more or less see, never an error), walked
 * without recursion so that nesting depth costs nothing. What the probe
 * needs from a page:
 * - links (<a>, <area>) for the crawl;
 * - the script inventory of PCI DSS 6.4.3: each <script src> with its
 *   origin and whether it carries Subresource Integrity (W3C SRI:
 *   integrity="sha256-|sha384-|sha512-..."), and the count of inline ones;
 * - mixed content: subresources an https page loads over http (W3C Mixed
 *   Content: scripts, stylesheets, frames, objects are "blockable",
 *   images and media "upgradeable"; both are listed);
 * - the directories of same-origin subresources, which the probe asks
 *   for to find directory listings;
 * - whether a form asks for a password or card data (such a page must not
 *   be cached: Cache-Control no-store).
 * URLs are resolved with libcurl's URL API (RFC 3986), relative to <base
 * href> when the page sets one.
 */
#include "probes/http/http_int.h"
#include "lib/util.h"

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int http_origin(char *out, size_t len, const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
		snprintf(out, len, "%s://%s:%s", scheme, host, port);
		rc = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

char *http_resolve(const char *base, const char *ref)
{
	if (strlen(ref) > HTTP_URL_MAX)
		return NULL;
	CURLU *u = curl_url();
	char *scheme = NULL, *full = NULL, *out = NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK)
		goto done;
	/* With a URL already set, a relative one is resolved against it. */
	if (curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		goto done;
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	/* Credentials in a link are not followed into facts and reports. */
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && strlen(full) <= HTTP_URL_MAX)
		out = xstrdup(full);
done:
	curl_free(scheme);
	curl_free(full);
	curl_url_cleanup(u);
	return out;
}

static const char *attr(xmlNode *n, const char *name)
{
	for (xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && strcasecmp((const char *)a->name, name) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

static bool name_is(xmlNode *n, const char *name)
{
	return n->name && strcasecmp((const char *)n->name, name) == 0;
}

static void push_unique(char ***arr, size_t *n, size_t *cap, char *s, size_t max)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*arr)[i], s) == 0) {
			free(s);
			return;
		}
	if (*n >= max) {
		free(s);
		return;
	}
	*ARRAY_PUSH(*arr, *n, *cap) = s;
}

static bool sri_valid(const char *v)
{
	if (!v)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, "sha256-", 7) == 0 || strncasecmp(v, "sha384-", 7) == 0 ||
	       strncasecmp(v, "sha512-", 7) == 0;
}

/* The directory of a URL: "https://h:443/a/b.js" -> "https://h:443/a/"; NULL for "/". */
char *http_dir_of(const char *url)
{
	const char *q = strpbrk(url, "?#");
	size_t n = q ? (size_t)(q - url) : strlen(url);
	const char *path = strstr(url, "://");
	if (!path)
		return NULL;
	path = memchr(path + 3, '/', n - (size_t)(path + 3 - url));
	if (!path)
		return NULL;
	const char *last = NULL;
	for (const char *p = path; p < url + n; p++)
		if (*p == '/')
			last = p;
	if (!last || last == path)
		return NULL;
	return xstrndup(url, (size_t)(last - url) + 1);
}

struct walk {
	struct http_page *p;
	const char *base;
	char origin[512];
	bool https;
};

static void subresource(struct walk *w, const char *ref, bool dir_probe)
{
	if (!ref || !*ref)
		return;
	char *u = http_resolve(w->base, ref);
	if (!u)
		return;
	if (w->https && strncasecmp(u, "http://", 7) == 0)
		push_unique(&w->p->mixed, &w->p->nmixed, &w->p->capmixed, xstrdup(u),
		            HTTP_LIST_MAX);
	char o[512];
	if (dir_probe && http_origin(o, sizeof(o), u) == 0 && strcmp(o, w->origin) == 0) {
		char *d = http_dir_of(u);
		if (d)
			push_unique(&w->p->subdirs, &w->p->nsubdirs, &w->p->capsubdirs, d, 16);
	}
	free(u);
}

static void visit(struct walk *w, xmlNode *n)
{
	struct http_page *p = w->p;
	if (name_is(n, "a") || name_is(n, "area")) {
		const char *h = attr(n, "href");
		char *u = h ? http_resolve(w->base, h) : NULL;
		if (u)
			push_unique(&p->links, &p->nlinks, &p->caplinks, u, HTTP_PAGE_LINKS_MAX);
	} else if (name_is(n, "script")) {
		const char *src = attr(n, "src");
		if (!src || !*src) {
			p->inline_scripts++;
			return;
		}
		char *u = http_resolve(w->base, src);
		if (!u || p->nscripts >= HTTP_PAGE_SCRIPTS_MAX) {
			free(u);
			return;
		}
		subresource(w, src, true);
		for (size_t i = 0; i < p->nscripts; i++)
			if (strcmp(p->scripts[i].url, u) == 0) {
				free(u);
				return;
			}
		char o[512];
		struct http_script *s = ARRAY_PUSH(p->scripts, p->nscripts, p->capscripts);
		s->url = u;
		s->sri = sri_valid(attr(n, "integrity"));
		s->same_origin = http_origin(o, sizeof(o), u) == 0 && strcmp(o, w->origin) == 0;
	} else if (name_is(n, "link")) {
		const char *rel = attr(n, "rel");
		if (rel && (strcasestr(rel, "stylesheet") || strcasestr(rel, "preload") ||
		            strcasestr(rel, "modulepreload")))
			subresource(w, attr(n, "href"), true);
	} else if (name_is(n, "img") || name_is(n, "audio") || name_is(n, "video") ||
	           name_is(n, "source") || name_is(n, "track") || name_is(n, "embed")) {
		subresource(w, attr(n, "src"), name_is(n, "img"));
	} else if (name_is(n, "iframe") || name_is(n, "frame")) {
		subresource(w, attr(n, "src"), false);
	} else if (name_is(n, "object")) {
		subresource(w, attr(n, "data"), false);
	} else if (name_is(n, "form")) {
		subresource(w, attr(n, "action"), false);
	} else if (name_is(n, "input")) {
		const char *type = attr(n, "type"), *ac = attr(n, "autocomplete"),
		           *nm = attr(n, "name");
		if ((type && strcasecmp(type, "password") == 0) ||
		    (ac && strncasecmp(ac, "cc-", 3) == 0) ||
		    (nm && (strcasestr(nm, "cardnumber") || strcasestr(nm, "card_number") ||
		            strcasestr(nm, "cvv") || strcasestr(nm, "cvc") ||
		            strcasecmp(nm, "pan") == 0)))
			p->sensitive_form = true;
	}
}

/* libxml2 must be initialised once before threads parse at the same time. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

void http_page_parse(struct http_page *p, const char *url, const char *body, size_t len)
{
	pthread_once(&xml_once, xml_init);
	memset(p, 0, sizeof(*p));
	if (len > INT32_MAX)
		len = INT32_MAX;
	htmlDocPtr doc = htmlReadMemory(body, (int)len, url, NULL,
	                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
	                                    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (!doc)
		return;
	struct walk w = {.p = p, .base = url};
	w.https = strncasecmp(url, "https://", 8) == 0;
	if (http_origin(w.origin, sizeof(w.origin), url) < 0)
		w.origin[0] = '\0';
	char *base = NULL;
	xmlNode *root = xmlDocGetRootElement(doc);
	/* <base href> changes what relative URLs mean; the first one counts. */
	for (xmlNode *n = root; n;) {
		if (n->type == XML_ELEMENT_NODE && name_is(n, "base") && attr(n, "href")) {
			base = http_resolve(url, attr(n, "href"));
			break;
		}
		if (n->children) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n != root)
			n = n->parent;
		if (!n || n == root)
			break;
		n = n->next;
	}
	if (base)
		w.base = base;
	for (xmlNode *n = root; n;) {
		if (n->type == XML_ELEMENT_NODE)
			visit(&w, n);
		if (n->children && n->type == XML_ELEMENT_NODE && !name_is(n, "script")) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n != root)
			n = n->parent;
		if (!n || n == root)
			break;
		n = n->next;
	}
	free(base);
	xmlFreeDoc(doc);
}

void http_page_free(struct http_page *p)
{
	for (size_t i = 0; i < p->nlinks; i++)
		free(p->links[i]);
	free(p->links);
	for (size_t i = 0; i < p->nscripts; i++)
		free(p->scripts[i].url);
	free(p->scripts);
	for (size_t i = 0; i < p->nmixed; i++)
		free(p->mixed[i]);
	free(p->mixed);
	for (size_t i = 0; i < p->nsubdirs; i++)
		free(p->subdirs[i]);
	free(p->subdirs);
	memset(p, 0, sizeof(*p));
}
