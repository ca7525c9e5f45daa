/*
 * The http probe's one libcurl easy handle: every request of a run goes
 * through it, so connections are reused and at most one is open at a time
 * (CURLOPT_MAXCONNECTS 1: the crawl is polite). Redirects are not followed
 * here; http.c follows them hop by hop to record the chain.
 *
 * Bounds: every request has a timeout (the option, cut to what is left of
 * the run's deadline), bodies stop at max_body bytes (the write callback
 * refuses the rest, which ends the transfer; the response counts and is
 * marked truncated), header lines are cut and counted. Bodies are decoded
 * (gzip, deflate) by libcurl before they are counted, so a compression
 * bomb meets the same bound.
 *
 * Card data: every header block and body streams through the pan scanner
 * as it arrives (probes/pan/scan.h); the caller sees only masked hits.
 *
 * TLS: the first verification failure (unknown CA, expired, wrong name)
 * is remembered for the facts and the request is retried once without
 * verification, as are all later ones: an endpoint with a bad certificate
 * is still assessed for everything else, and the failure is a fact.
 */
#include "probes/http/http_int.h"
#include "lib/err.h"
#include "lib/util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_CONNECT_TIMEOUT_MS 10000.0
#define HTTP_MIN_REQUEST_MS     200.0 /* no request starts with less time than this */

struct http_client {
	CURL *h;
	struct http_client_cfg cfg;
	struct curl_slist *user_headers;
	struct pan_stream *pan;
	struct http_resp *cur; /* the response being received */
	bool in_headers;       /* the pan stream holds the header block */
	bool insecure;         /* verification failed once: it is off from now on */
	bool tls_failed;
	char tls_error[256];
	unsigned requests;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
	curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void on_pan_hit(void *ctx, const struct pan_hit *hit)
{
	struct http_client *c = ctx;
	if (c->cfg.on_hit && c->cur)
		c->cfg.on_hit(c->cfg.hit_ctx, c->cur->url, c->in_headers, hit);
}

static void on_pii_hit(void *ctx, const struct pii_hit *hit)
{
	struct http_client *c = ctx;
	if (c->cfg.on_pii && c->cur)
		c->cfg.on_pii(c->cfg.hit_ctx, c->cur->url, c->in_headers, hit);
}

int http_client_new(struct http_client **out, const struct http_client_cfg *cfg)
{
	pthread_once(&curl_once, curl_init);
	*out = NULL;
	if (curl_init_code != CURLE_OK)
		return err_set("libcurl: %s", curl_easy_strerror(curl_init_code));
	struct http_client *c = xcalloc(1, sizeof(*c));
	c->cfg = *cfg;
	c->h = curl_easy_init();
	if (!c->h) {
		free(c);
		return err_set("libcurl: cannot create a handle");
	}
	for (size_t i = 0; cfg->headers && cfg->headers[i]; i++)
		c->user_headers = curl_slist_append(c->user_headers, cfg->headers[i]);
	c->pan = pan_stream_new(&(struct pan_config){0}, on_pan_hit, c);
	pan_stream_pii(c->pan, on_pii_hit); /* ID and mobile numbers (PFI-05) */
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->h);
	curl_slist_free_all(c->user_headers);
	pan_stream_free(c->pan);
	free(c);
}

unsigned http_client_requests(const struct http_client *c)
{
	return c->requests;
}

const char *http_client_tls_error(const struct http_client *c, bool *failed)
{
	*failed = c->tls_failed;
	return c->tls_error;
}

bool http_client_time_left(const struct http_client *c)
{
	return c->cfg.deadline_ms - time_mono_ms() >= HTTP_MIN_REQUEST_MS;
}

static void header_add(struct http_resp *r, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line || r->nh >= HTTP_HEADERS_MAX)
		return;
	struct http_header *h = ARRAY_PUSH(r->h, r->nh, r->caph);
	h->name = xstrndup(line, (size_t)(colon - line));
	for (char *p = h->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *v = colon + 1, *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vlen = (size_t)(end - v);
	if (vlen > HTTP_HEADER_LEN_MAX)
		vlen = HTTP_HEADER_LEN_MAX;
	/* A NUL inside a value would hide the rest; it ends the value here. */
	h->value = xstrndup(v, vlen);
}

static void headers_clear(struct http_resp *r)
{
	for (size_t i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	r->nh = 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct http_client *c = ctx;
	size_t n = size * nmemb;
	/* A status line starts a new response (1xx interim answers come first);
	 * the empty line ends its header block. */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		headers_clear(c->cur);
		c->cur->headers_done = false;
	} else if ((n == 2 && data[0] == '\r' && data[1] == '\n') || (n == 1 && data[0] == '\n')) {
		c->cur->headers_done = true;
	} else {
		header_add(c->cur, data, n);
	}
	pan_stream_write(c->pan, data, n);
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct http_client *c = ctx;
	struct http_resp *r = c->cur;
	size_t n = size * nmemb;
	if (c->in_headers) {
		/* The header block is one stream, the body another: lines and
		 * columns of a hit then count from the body's first byte. */
		pan_stream_finish(c->pan);
		pan_stream_reset(c->pan, PAN_ENC_AUTO);
		c->in_headers = false;
	}
	size_t room = c->cfg.max_body - r->body.len;
	if (n > room) {
		sb_add(&r->body, data, room);
		pan_stream_write(c->pan, data, room);
		r->truncated = true;
		return 0; /* refuses the rest: the transfer ends with CURLE_WRITE_ERROR */
	}
	sb_add(&r->body, data, n);
	pan_stream_write(c->pan, data, n);
	return n;
}

static bool tls_verify_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION
#if LIBCURL_VERSION_NUM < 0x073e00
	       || rc == CURLE_SSL_CACERT
#endif
	    ;
}

static CURLcode perform(struct http_client *c, struct http_resp *r, const char *method,
                        const char *url, struct curl_slist *hdrs, const struct http_body *body)
{
	CURL *h = c->h;
	double left = c->cfg.deadline_ms - time_mono_ms();
	double tmo = c->cfg.request_timeout_ms < left ? c->cfg.request_timeout_ms : left;
	if (tmo < HTTP_MIN_REQUEST_MS)
		tmo = HTTP_MIN_REQUEST_MS;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)tmo);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)(tmo < HTTP_CONNECT_TIMEOUT_MS ? tmo : HTTP_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(h, CURLOPT_USERAGENT, "assay/" ASSAY_VERSION " (compliance probe)");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	if (hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (c->cfg.cookie)
		curl_easy_setopt(h, CURLOPT_COOKIE, c->cfg.cookie);
	if (c->cfg.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_file);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (body) {
		/* libcurl does not copy POSTFIELDS: body outlives the transfer. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data);
	}
	if (method && strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);

	headers_clear(r);
	sb_reset(&r->body);
	r->truncated = false;
	r->headers_done = false;
	r->status = 0;
	c->errbuf[0] = '\0';
	c->cur = r;
	c->in_headers = true;
	pan_stream_reset(c->pan, PAN_ENC_AUTO);
	c->requests++;
	CURLcode rc = curl_easy_perform(h);
	pan_stream_finish(c->pan);
	c->cur = NULL;
	return rc;
}

int http_fetch(struct http_client *c, struct http_resp *r, const char *method, const char *url,
               const char *const *extra)
{
	return http_fetch_body(c, r, method, url, extra, NULL);
}

int http_fetch_body(struct http_client *c, struct http_resp *r, const char *method, const char *url,
                    const char *const *extra, const struct http_body *body)
{
	memset(r, 0, sizeof(*r));
	r->url = xstrdup(url);
	if (!http_client_time_left(c)) {
		r->timed_out = true;
		r->curl_code = CURLE_OPERATION_TIMEDOUT;
		snprintf(r->error, sizeof(r->error),
		         "the run's deadline passed before the request");
		return -1;
	}
	struct curl_slist *hdrs = NULL;
	for (struct curl_slist *s = c->user_headers; s; s = s->next)
		hdrs = curl_slist_append(hdrs, s->data);
	for (size_t i = 0; extra && extra[i]; i++)
		hdrs = curl_slist_append(hdrs, extra[i]);

	CURLcode rc = perform(c, r, method, url, hdrs, body);
	if (tls_verify_error(rc) && !c->insecure) {
		c->tls_failed = true;
		snprintf(c->tls_error, sizeof(c->tls_error), "%s",
		         c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		c->insecure = true;
		rc = perform(c, r, method, url, hdrs, body);
	}
	curl_slist_free_all(hdrs);
	r->tls_unverified = c->insecure && strncmp(url, "https:", 6) == 0;
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc == CURLE_WRITE_ERROR && r->truncated)
		rc = CURLE_OK; /* our own cut, not a failure */
	r->curl_code = (int)rc;
	if (rc != CURLE_OK) {
		r->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
		/* Headers that never ended (a server sending them forever, or
		 * hanging up among them) are no response: the ones not seen could
		 * hold what the checks look for. A body that had begun is still a
		 * response worth reading. */
		if (r->status > 0 && !r->headers_done) {
			snprintf(r->error, sizeof(r->error),
			         "the response's header block did not end: %.180s", why);
			r->status = 0;
			return -1;
		}
		snprintf(r->error, sizeof(r->error), "%s", why);
	}
	return r->status > 0 ? 0 : -1;
}

void http_resp_free(struct http_resp *r)
{
	headers_clear(r);
	free(r->h);
	sb_free(&r->body);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

const char *http_header_get(const struct http_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}
