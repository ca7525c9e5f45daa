/*
 * The http probe's opt-in authenticated flow (`http.auth.*` options):
 * with a test account the plan declares, it logs in and checks what
 * PCI DSS 8.2.8 / 8.3.4 (UPDSS UPD-21, UPD-22) and JR/T 0092 5.2-5.3
 * (J92-33, 36, 40, 41) ask of a session:
 *
 *   1. the check URL refuses a request without a session, and answers
 *      2xx after the login (http.auth.login_ok);
 *   2. logout: the session's cookie or token, sent again after logout,
 *      is refused (http.auth.logout_invalidates);
 *   3. a captured transaction: a copy with one field changed is refused,
 *      the original is accepted, and sending it again is refused
 *      (http.auth.tamper.rejected, http.auth.replay.rejected);
 *   4. idle: a session left alone for http.auth.idle seconds is refused
 *      (http.auth.idle_expired) -- the one sleep of the probe, bounded;
 *   5. lockout: up to N wrong passwords, then the right one; the server
 *      locks, throttles or challenges, or never does (http.auth.lockout.*).
 *      Last, since it may lock the account.
 *
 * Each step logs in afresh, so one session's fate does not decide the
 * next step. A step that cannot run (the login fails, the server answers
 * something that is neither a yes nor a no) leaves its facts absent and
 * writes an error naming the target, so its rule is an error, never a
 * wrong pass.
 *
 * Secrets: the password comes from an environment variable, never from
 * the plan; it, the session cookies and tokens go only into request
 * headers and bodies, which are wiped after use. Facts, findings and
 * errors carry statuses and URLs, never a value the server set.
 */
#include "probes/http/http_int.h"
#include "probes/probe.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define AUTH_IDLE_MAX_S   3600 /* the longest idle wait a plan may ask for */
#define AUTH_LOCKOUT_DFLT 10   /* wrong passwords: PCI DSS v4.0 8.3.4's "not more than 10" */
#define AUTH_LOCKOUT_MAX  50
#define AUTH_SECRET_MAX   4096 /* bytes of one cookie header or token kept */
#define AUTH_BODY_MAX     65536

/* "[METHOD ]URL" of a plan option. */
struct auth_req {
	char method[16];
	char *url;
};

struct auth {
	const struct target *t;
	struct facts *out;
	struct http_client *cl;
	double deadline_ms;
	struct auth_req login, logout, txn, change;
	const char *user, *body_tmpl, *check, *token_field, *marker, *txn_body, *ctype;
	const char *change_tmpl; /* the password change's body: {password} and {new} */
	char *tamper_from, *tamper_to;
	char *txn_file; /* the body read from http.auth.transaction-body-file */
	char *password; /* from the environment; wiped at the end */
	long idle_s;    /* 0: no idle test */
	long lockout;   /* wrong passwords to send; 0: no lockout test */
	bool ok;        /* the options parsed */
};

/* A session: what the login set, as the request headers that carry it. */
struct auth_session {
	char *cookie; /* "Cookie: a=1; b=2" or NULL */
	char *bearer; /* "Authorization: Bearer ..." or NULL */
};

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

static void session_free(struct auth_session *s)
{
	wipe_free(s->cookie);
	wipe_free(s->bearer);
	memset(s, 0, sizeof(*s));
}

static void auth_error(struct auth *A, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void auth_error(struct auth *A, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	facts_error(A->out, "target '%s': http.auth: %s", A->t->name, m);
	free(m);
}

static void auth_finding(struct auth *A, const char *url, const char *kind, const char *sev,
                         const char *msg)
{
	char o[512];
	struct finding fd = {.kind = (char *)kind, .severity = (char *)sev, .message = (char *)msg};
	finding_loc_init(&fd.loc);
	if (http_origin(o, sizeof(o), url) == 0)
		fd.loc.endpoint = strstr(o, "://") + 3;
	char *file = http_printable(url, HTTP_URL_MAX);
	fd.loc.file = file;
	facts_add_finding(A->out, &fd);
	free(file);
}

/* --- options --- */

static bool url_ok(const char *u)
{
	char o[512];
	if (strlen(u) > HTTP_URL_MAX || strpbrk(u, " \t\r\n") || http_origin(o, sizeof(o), u) < 0)
		return false;
	/* No user:password@ in a URL: URLs reach facts and reports. */
	const char *at = strchr(u, '@'), *path = strchr(strstr(u, "://") + 3, '/');
	return !(at && (!path || at < path));
}

static int parse_req(struct auth *A, struct auth_req *r, const char *opt, const char *v,
                     const char *dflt_method)
{
	const char *sp = strchr(v, ' ');
	snprintf(r->method, sizeof(r->method), "%s", dflt_method);
	if (sp) {
		size_t n = (size_t)(sp - v);
		bool word = n > 0 && n < sizeof(r->method);
		for (size_t i = 0; word && i < n; i++)
			word = isupper((unsigned char)v[i]);
		if (!word) {
			auth_error(A, "%s: expected '[METHOD ]URL' (POST https://...)", opt);
			return -1;
		}
		snprintf(r->method, sizeof(r->method), "%.*s", (int)n, v);
		v = sp + 1;
		while (*v == ' ')
			v++;
	}
	if (!url_ok(v)) {
		auth_error(A,
		           "%s '%.200s': expected an http:// or https:// URL without credentials",
		           opt, v);
		return -1;
	}
	r->url = xstrdup(v);
	return 0;
}

static int parse_count(long *out, const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

bool http_auth_declared(const struct target *t)
{
	for (size_t i = 0; i < t->noptions; i++)
		if (strncmp(t->options[i].name, "http.auth.", 10) == 0)
			return true;
	return false;
}

static int auth_parse(struct auth *A)
{
	const struct target *t = A->t;
	const char *v;
	if (!(v = target_option(t, "http.auth.login"))) {
		auth_error(A, "http.auth.* options without http.auth.login (the login request)");
		return -1;
	}
	if (parse_req(A, &A->login, "http.auth.login", v, "POST") < 0)
		return -1;
	A->check = target_option(t, "http.auth.check");
	if (!A->check || !url_ok(A->check)) {
		auth_error(A, "http.auth.check: expected the URL of a page that answers 2xx only "
		              "when logged in");
		return -1;
	}
	A->user = target_option(t, "http.auth.user");
	if (!A->user || !*A->user) {
		auth_error(A, "http.auth.user: the test account's user name is needed");
		return -1;
	}
	const char *env = target_option(t, "http.auth.password-env");
	const char *pw = env && *env ? getenv(env) : NULL;
	if (!env || !*env) {
		auth_error(A,
		           "http.auth.password-env: name the environment variable that holds the "
		           "test account's password");
		return -1;
	}
	if (!pw || !*pw) {
		auth_error(A, "http.auth.password-env: the environment variable %.64s is not set",
		           env);
		return -1;
	}
	A->password = xstrdup(pw);
	A->body_tmpl = target_option(t, "http.auth.login-body");
	if (!A->body_tmpl)
		A->body_tmpl = "user={user}&password={password}";
	if (!strstr(A->body_tmpl, "{password}")) {
		auth_error(A, "http.auth.login-body: the template needs {password}");
		return -1;
	}
	A->ctype = target_option(t, "http.auth.content-type");
	if (A->ctype && strpbrk(A->ctype, "\r\n")) {
		auth_error(A, "http.auth.content-type: expected one line");
		return -1;
	}
	A->token_field = target_option(t, "http.auth.token");
	A->marker = target_option(t, "http.auth.lockout-marker");
	if ((v = target_option(t, "http.auth.logout")) &&
	    parse_req(A, &A->logout, "http.auth.logout", v, "GET") < 0)
		return -1;
	if ((v = target_option(t, "http.auth.idle")) &&
	    parse_count(&A->idle_s, v, 1, AUTH_IDLE_MAX_S) < 0) {
		auth_error(A, "http.auth.idle '%.40s': expected seconds, 1-%d (910 for UPD-21)", v,
		           AUTH_IDLE_MAX_S);
		return -1;
	}
	if ((v = target_option(t, "http.auth.lockout"))) {
		if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
			A->lockout = AUTH_LOCKOUT_DFLT;
		else if (parse_count(&A->lockout, v, 1, AUTH_LOCKOUT_MAX) < 0) {
			auth_error(A,
			           "http.auth.lockout '%.40s': expected true or a number of wrong "
			           "passwords, 1-%d",
			           v, AUTH_LOCKOUT_MAX);
			return -1;
		}
	}
	if ((v = target_option(t, "http.auth.transaction"))) {
		if (parse_req(A, &A->txn, "http.auth.transaction", v, "POST") < 0)
			return -1;
		A->txn_body = target_option(t, "http.auth.transaction-body");
		const char *path = target_option(t, "http.auth.transaction-body-file");
		if (path && !A->txn_body) {
			/* A captured body is often longer than a plan line may be. */
			size_t len = 0;
			if (file_read_all(&A->txn_file, &len, path, AUTH_BODY_MAX) < 0 ||
			    memchr(A->txn_file, '\0', len)) {
				auth_error(
				    A,
				    "http.auth.transaction-body-file %.200s: cannot read it, "
				    "or it is over 64 KiB or holds a NUL byte",
				    path);
				return -1;
			}
			while (len &&
			       (A->txn_file[len - 1] == '\n' || A->txn_file[len - 1] == '\r'))
				A->txn_file[--len] = '\0';
			A->txn_body = A->txn_file;
		}
		if (!A->txn_body || !*A->txn_body) {
			auth_error(A,
			           "http.auth.transaction-body (or -file): the captured request's "
			           "body is needed");
			return -1;
		}
	}
	if ((v = target_option(t, "http.auth.password-change"))) {
		if (parse_req(A, &A->change, "http.auth.password-change", v, "POST") < 0)
			return -1;
		A->change_tmpl = target_option(t, "http.auth.password-change-body");
		if (!A->change_tmpl)
			A->change_tmpl = "old={password}&new={new}";
		if (!strstr(A->change_tmpl, "{new}")) {
			auth_error(A,
			           "http.auth.password-change-body: the template needs {new} (and "
			           "{password} where the server asks for the current one)");
			return -1;
		}
	}
	if ((v = target_option(t, "http.auth.tamper"))) {
		const char *arrow = strstr(v, " -> ");
		if (!A->txn_body || !arrow || arrow == v || !arrow[4]) {
			auth_error(A, "http.auth.tamper: expected 'FROM -> TO' (amount=100 -> "
			              "amount=101), with http.auth.transaction");
			return -1;
		}
		A->tamper_from = xstrndup(v, (size_t)(arrow - v));
		A->tamper_to = xstrdup(arrow + 4);
		const char *at = strstr(A->txn_body, A->tamper_from);
		if (!at || strstr(at + 1, A->tamper_from)) {
			auth_error(A,
			           "http.auth.tamper: '%.80s' must occur once in "
			           "http.auth.transaction-body",
			           A->tamper_from);
			return -1;
		}
	}
	return 0;
}

/* --- requests --- */

static bool is_json(const char *body)
{
	while (isspace((unsigned char)*body))
		body++;
	return *body == '{' || *body == '[';
}

/* s escaped for a form body (RFC 3986 unreserved kept) or a JSON string. */
static void escape_into(struct strbuf *b, const char *s, bool json)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char e[8];
		if (json) {
			if (*p == '"' || *p == '\\')
				snprintf(e, sizeof(e), "\\%c", *p);
			else if (*p < 0x20)
				snprintf(e, sizeof(e), "\\u%04x", *p);
			else
				e[0] = (char)*p, e[1] = '\0';
		} else if (isalnum(*p) || strchr("-._~", *p)) {
			e[0] = (char)*p, e[1] = '\0';
		} else {
			e[0] = '%', e[1] = hex[*p >> 4], e[2] = hex[*p & 15], e[3] = '\0';
		}
		sb_add(b, e, strlen(e));
	}
}

/* Template tmpl with {user}, {password} (pw) and {new} (nw, may be NULL)
 * filled in, escaped for a form or JSON body (the caller wipes it). */
static char *fill_body(const struct auth *A, const char *tmpl, const char *pw, const char *nw)
{
	bool json = is_json(tmpl);
	struct strbuf b = {0};
	for (const char *p = tmpl; *p;) {
		if (strncmp(p, "{user}", 6) == 0) {
			escape_into(&b, A->user, json);
			p += 6;
		} else if (strncmp(p, "{password}", 10) == 0) {
			escape_into(&b, pw, json);
			p += 10;
		} else if (nw && strncmp(p, "{new}", 5) == 0) {
			escape_into(&b, nw, json);
			p += 5;
		} else {
			sb_add(&b, p++, 1);
		}
	}
	sb_add(&b, "", 1);
	return b.buf;
}

/* The login body for password pw (the caller wipes it). */
static char *login_body(const struct auth *A, const char *pw)
{
	return fill_body(A, A->body_tmpl, pw, NULL);
}

/* Send one request with the session (s may be NULL) and a body (may be NULL). */
static int send_req(struct auth *A, struct http_resp *r, const char *method, const char *url,
                    const struct auth_session *s, const char *body)
{
	const char *extra[4];
	size_t n = 0;
	char *ct = NULL;
	if (s && s->cookie)
		extra[n++] = s->cookie;
	if (s && s->bearer)
		extra[n++] = s->bearer;
	if (body) {
		ct = xasprintf("Content-Type: %s", A->ctype ? A->ctype
		                                   : is_json(body)
		                                       ? "application/json"
		                                       : "application/x-www-form-urlencoded");
		extra[n++] = ct;
	}
	extra[n] = NULL;
	struct http_body hb = {body, body ? strlen(body) : 0};
	int rc = http_fetch_body(A->cl, r, method, url, extra, body ? &hb : NULL);
	free(ct);
	return rc;
}

/* "name=value" of a Set-Cookie line appended to the Cookie header being built. */
static void cookie_take(struct strbuf *c, const char *set_cookie)
{
	size_t n = strcspn(set_cookie, ";");
	const char *eq = memchr(set_cookie, '=', n);
	if (!eq || eq == set_cookie || c->len + n + 2 > AUTH_SECRET_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)set_cookie[i]))
			return;
	if (c->len)
		sb_add(c, "; ", 2);
	sb_add(c, set_cookie, n);
}

/* A token goes into a header: visible ASCII only (RFC 6750 §2.1's b64token and more). */
static bool token_ok(const char *tok)
{
	for (; *tok; tok++)
		if (*tok < 0x21 || *tok > 0x7e)
			return false;
	return true;
}

/* The session a login response set: its cookies, and the token field of a JSON body. */
static void session_from(struct auth *A, const struct http_resp *r, struct auth_session *s)
{
	struct strbuf c = {0};
	for (size_t i = 0; i < r->nh; i++)
		if (strcmp(r->h[i].name, "set-cookie") == 0)
			cookie_take(&c, r->h[i].value);
	if (c.len) {
		sb_add(&c, "", 1);
		s->cookie = xasprintf("Cookie: %s", c.buf);
	}
	if (c.buf)
		OPENSSL_cleanse(c.buf, c.len);
	sb_free(&c);
	if (A->token_field && r->body.len && r->body.len < AUTH_BODY_MAX) {
		json_t *j = json_loadb(r->body.buf, r->body.len, 0, NULL);
		const char *tok = json_string_value(json_object_get(j, A->token_field));
		if (tok && *tok && strlen(tok) < AUTH_SECRET_MAX && token_ok(tok))
			s->bearer = xasprintf("Authorization: Bearer %s", tok);
		json_decref(j);
	}
}

/* Send the login with password pw; *s gets what it set. The response is in *r. */
static int login(struct auth *A, const char *pw, struct http_resp *r, struct auth_session *s)
{
	char *body = login_body(A, pw);
	int rc = send_req(A, r, A->login.method, A->login.url, NULL, body);
	wipe_free(body);
	if (rc == 0)
		session_from(A, r, s);
	return rc;
}

/* The check URL with session s: 1 logged in (2xx), 0 refused (401, 403, 3xx), -1 neither. */
static int logged_in(struct auth *A, const struct auth_session *s, long *status)
{
	struct http_resp r;
	int rc = send_req(A, &r, "GET", A->check, s, NULL);
	*status = r.status;
	int v = -1;
	if (rc == 0 && r.status >= 200 && r.status < 300)
		v = 1;
	else if (rc == 0 &&
	         (r.status == 401 || r.status == 403 || (r.status >= 300 && r.status < 400)))
		v = 0;
	http_resp_free(&r);
	return v;
}

/* A fresh session logged in with password pw in *s; 0, or -1 with an error
 * naming what (step) failed. */
static int session_login(struct auth *A, const char *pw, struct auth_session *s, const char *step)
{
	struct http_resp r;
	memset(s, 0, sizeof(*s));
	int rc = login(A, pw, &r, s);
	long lst = r.status, cst = 0;
	char err[256];
	snprintf(err, sizeof(err), "%s", r.error);
	http_resp_free(&r);
	if (rc < 0) {
		auth_error(A, "%s: the login %.200s gave no response (%s)", step, A->login.url,
		           err);
		return -1;
	}
	if (!s->cookie && !s->bearer) {
		auth_error(A, "%s: the login answered %ld and set no cookie%s", step, lst,
		           A->token_field ? " and no token" : "");
		return -1;
	}
	if (logged_in(A, s, &cst) != 1) {
		auth_error(A,
		           "%s: after the login (status %ld) the check URL answered %ld, not 2xx",
		           step, lst, cst);
		session_free(s);
		return -1;
	}
	return 0;
}

/* A fresh session with the account's own password. */
static int session_new(struct auth *A, struct auth_session *s, const char *step)
{
	return session_login(A, A->password, s, step);
}

/* --- the steps --- */

static void test_logout(struct auth *A)
{
	struct auth_session s;
	if (session_new(A, &s, "logout") < 0)
		return;
	struct http_resp r;
	int rc = send_req(A, &r, A->logout.method, A->logout.url, &s, NULL);
	long lst = r.status, cst = 0;
	http_resp_free(&r);
	int v = rc == 0 ? logged_in(A, &s, &cst) : -1;
	session_free(&s);
	if (rc < 0 || lst >= 500) {
		auth_error(A, "logout: %.200s answered %ld", A->logout.url, lst);
		return;
	}
	if (v < 0) {
		auth_error(A,
		           "logout: the check URL answered %ld after the logout: neither 2xx "
		           "nor a refusal",
		           cst);
		return;
	}
	facts_add_bool(A->out, "http.auth.logout_invalidates", v == 0);
	if (v == 1)
		auth_finding(A, A->logout.url, "http-auth-logout-keeps-session", "high",
		             "after logout the session's cookie or token is still accepted");
}

/* 1 accepted (2xx), 0 refused (4xx but 401/407: a lost session), -1 neither. */
static int txn_verdict(long st)
{
	if (st >= 200 && st < 300)
		return 1;
	if (st >= 400 && st < 500 && st != 401 && st != 407)
		return 0;
	return -1;
}

static void test_transaction(struct auth *A)
{
	struct auth_session s;
	if (session_new(A, &s, "transaction") < 0)
		return;
	struct http_resp r;
	long tst = 0, ost = 0, rst = 0;
	/* The tampered copy goes first: after the original its nonce would be
	 * spent, and a refusal would show replay protection, not integrity. */
	if (A->tamper_from) {
		const char *at = strstr(A->txn_body, A->tamper_from);
		char *tb = xasprintf("%.*s%s%s", (int)(at - A->txn_body), A->txn_body, A->tamper_to,
		                     at + strlen(A->tamper_from));
		if (send_req(A, &r, A->txn.method, A->txn.url, &s, tb) == 0)
			tst = r.status;
		http_resp_free(&r);
		free(tb);
	}
	if (send_req(A, &r, A->txn.method, A->txn.url, &s, A->txn_body) == 0)
		ost = r.status;
	http_resp_free(&r);
	if (txn_verdict(ost) == 1 &&
	    send_req(A, &r, A->txn.method, A->txn.url, &s, A->txn_body) == 0)
		rst = r.status;
	if (txn_verdict(ost) == 1)
		http_resp_free(&r);
	session_free(&s);

	int tv = A->tamper_from ? txn_verdict(tst) : -2;
	/* A refused tampered copy shows integrity only if the original then passed. */
	if (tv == 1 || (tv == 0 && txn_verdict(ost) == 1)) {
		facts_add_bool(A->out, "http.auth.tamper.rejected", tv == 0);
		facts_add_int(A->out, "http.auth.tamper.status", tst);
		if (tv == 1)
			auth_finding(A, A->txn.url, "http-auth-tamper-accepted", "high",
			             "a transaction with a changed field was accepted");
	} else if (tv != -2) {
		auth_error(A,
		           "tamper: the changed request answered %ld and the original %ld: "
		           "not judged",
		           tst, ost);
	}
	if (txn_verdict(ost) != 1) {
		auth_error(A,
		           "replay: the captured transaction %.200s answered %ld, not 2xx%s: "
		           "replay not judged",
		           A->txn.url, ost,
		           tv == 1 ? " (after the tampered copy was accepted: the same nonce?)"
		                   : "");
		return;
	}
	int rv = txn_verdict(rst);
	if (rv < 0) {
		auth_error(A, "replay: the second copy answered %ld: neither 2xx nor 4xx", rst);
		return;
	}
	facts_add_bool(A->out, "http.auth.replay.rejected", rv == 0);
	facts_add_int(A->out, "http.auth.replay.status", rst);
	if (rv == 1)
		auth_finding(A, A->txn.url, "http-auth-replay-accepted", "high",
		             "the same transaction request was accepted twice");
}

static void test_idle(struct auth *A)
{
	/* The wait and one request after it must fit in the run's deadline. */
	double need_ms = (double)A->idle_s * 1000 + 2000;
	if (A->deadline_ms - time_mono_ms() < need_ms) {
		auth_error(A,
		           "idle: a %ld s wait does not fit in what is left of the run's "
		           "deadline; raise the target's timeout (at least %ld s more)",
		           A->idle_s, A->idle_s + 30);
		return;
	}
	struct auth_session s;
	if (session_new(A, &s, "idle") < 0)
		return;
	long st = 0;
	/* A second request proves the session is reusable: a later refusal is the wait's. */
	if (logged_in(A, &s, &st) != 1) {
		auth_error(A,
		           "idle: the session was refused on its second use (%ld): cannot test "
		           "the idle timeout",
		           st);
		session_free(&s);
		return;
	}
	struct timespec ts = {.tv_sec = A->idle_s, .tv_nsec = 0};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	int v = logged_in(A, &s, &st);
	session_free(&s);
	if (v < 0) {
		auth_error(A,
		           "idle: after %ld s the check URL answered %ld: neither 2xx nor a "
		           "refusal",
		           A->idle_s, st);
		return;
	}
	facts_add_int(A->out, "http.auth.idle_wait_s", A->idle_s);
	facts_add_bool(A->out, "http.auth.idle_expired", v == 0);
	if (v == 1) {
		char *m = xasprintf("a session idle for %ld s is still accepted", A->idle_s);
		auth_finding(A, A->check, "http-auth-idle-not-expired", "medium", m);
		free(m);
	}
}

/* How a refused login shows a lock: "locked", "throttled", "challenged", or NULL. */
static const char *lock_sign(const struct auth *A, const struct http_resp *r)
{
	if (r->status == 423)
		return "locked";
	if (r->status == 429 || (r->status == 503 && http_header_get(r, "retry-after")))
		return "throttled";
	const char *b = r->body.buf ? r->body.buf : "";
	static const char *const challenge[] = {"captcha", "验证码", "g-recaptcha", "h-captcha",
	                                        NULL};
	for (size_t i = 0; challenge[i]; i++)
		if (http_memcasemem(b, r->body.len, challenge[i]))
			return "challenged";
	if (A->marker && *A->marker && http_memcasemem(b, r->body.len, A->marker))
		return "locked";
	return NULL;
}

static void test_lockout(struct auth *A)
{
	unsigned char rnd[8];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0x5a, sizeof(rnd));
	char wrong[40];
	snprintf(wrong, sizeof(wrong), "assay-wrong-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
	         rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if (strcmp(wrong, A->password) == 0)
		wrong[0] = 'A';
	long sent = 0, after = -1;
	const char *how = NULL;
	for (long k = 1; k <= A->lockout; k++) {
		if (!http_client_time_left(A->cl)) {
			auth_error(A, "lockout: the run's deadline came after %ld wrong passwords",
			           sent);
			return;
		}
		struct http_resp r;
		struct auth_session s = {0};
		int rc = login(A, wrong, &r, &s);
		session_free(&s);
		if (rc < 0) {
			auth_error(A, "lockout: wrong password %ld: no response (%s)", k, r.error);
			http_resp_free(&r);
			return;
		}
		sent = k;
		how = lock_sign(A, &r);
		http_resp_free(&r);
		if (how) {
			after = k - 1;
			break;
		}
	}
	if (after == 0) {
		auth_error(A,
		           "lockout: the first wrong password was already answered as %s: the "
		           "account was locked before the test (an earlier run?); N unknown",
		           how);
		return;
	}
	if (!how) {
		/* No sign on the wrong passwords: does the right one still work? */
		struct http_resp r;
		struct auth_session s = {0};
		int rc = login(A, A->password, &r, &s);
		const char *sign = rc == 0 ? lock_sign(A, &r) : NULL;
		long lst = r.status, cst = 0;
		http_resp_free(&r);
		int v = rc == 0 && !sign && (s.cookie || s.bearer) ? logged_in(A, &s, &cst) : 0;
		session_free(&s);
		if (rc < 0 || (v < 0 && !sign)) {
			auth_error(A,
			           "lockout: the right password after %ld wrong ones: login %ld, "
			           "check %ld: not judged",
			           sent, lst, cst);
			return;
		}
		if (v == 1) {
			after = 0; /* never within the attempts sent */
		} else {
			how = sign ? sign : "locked";
			after = sent; /* silent: at most this many */
		}
	}
	facts_add_bool(A->out, "http.auth.lockout.tested", true);
	facts_add_int(A->out, "http.auth.lockout.attempts", sent);
	facts_add_int(A->out, "http.auth.lockout.after", after);
	if (how)
		facts_add_string(A->out, "http.auth.lockout.how", how);
	else {
		char *m =
		    xasprintf("%ld wrong passwords in a row: no lock, delay or challenge", sent);
		auth_finding(A, A->login.url, "http-auth-no-lockout", "medium", m);
		free(m);
	}
}

/*
 * Weak passwords a password change must refuse (J92-34), beside the user
 * name. Public, well-known values: naming one in an error leaks nothing.
 */
static const struct {
	const char *label, *pw;
} weak_pw[] = {
    {"six digits (123456)", "123456"},
    {"one letter eight times (aaaaaaaa)", "aaaaaaaa"},
};

/* Send the password change from old to nw with session s; its status in *st. */
static int change_pw(struct auth *A, const struct auth_session *s, const char *old, const char *nw,
                     long *st)
{
	char *body = fill_body(A, A->change_tmpl, old, nw);
	struct http_resp r;
	int rc = send_req(A, &r, A->change.method, A->change.url, s, body);
	wipe_free(body);
	*st = r.status;
	http_resp_free(&r);
	return rc;
}

/* Does password pw log in: 1 yes, 0 no, -1 unknown. */
static int logs_in(struct auth *A, const char *pw)
{
	struct http_resp r;
	struct auth_session s = {0};
	int rc = login(A, pw, &r, &s);
	http_resp_free(&r);
	long st = 0;
	int v = rc < 0 ? -1 : (s.cookie || s.bearer) ? logged_in(A, &s, &st) : 0;
	session_free(&s);
	return v;
}

/* Put the account's own password back after the server took a weak one. */
static bool restore_pw(struct auth *A, const char *weak)
{
	struct auth_session s;
	long st = 0;
	if (session_login(A, weak, &s, "password change: restore") < 0)
		return false;
	int rc = change_pw(A, &s, weak, A->password, &st);
	session_free(&s);
	return rc == 0 && st >= 200 && st < 300 && logs_in(A, A->password) == 1;
}

/*
 * Ask the server to change the password to each weak one in turn. A 2xx
 * whose weak password then logs in was accepted, and the own password is
 * put back at once; anything else is a refusal. At most one failed login
 * per candidate (a 2xx that changed nothing), three in all.
 */
static void test_weak_password(struct auth *A)
{
	const char *cand[3], *label[3], *accepted[3];
	size_t n = 0, nacc = 0, judged = 0;
	for (size_t i = 0; i < sizeof(weak_pw) / sizeof(weak_pw[0]); i++)
		cand[n] = weak_pw[i].pw, label[n++] = weak_pw[i].label;
	cand[n] = A->user, label[n++] = "the user name";
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cand[i], A->password) == 0)
			continue; /* the account's own: nothing to learn */
		if (!http_client_time_left(A->cl)) {
			auth_error(A,
			           "password change: the run's deadline came after %zu weak "
			           "passwords",
			           judged);
			return;
		}
		struct auth_session s;
		long st = 0;
		if (session_new(A, &s, "password change") < 0)
			return;
		int rc = change_pw(A, &s, A->password, cand[i], &st);
		session_free(&s);
		if (rc < 0 || st >= 500) {
			auth_error(A,
			           "password change: %.200s answered %ld to a weak password (%s)",
			           A->change.url, st, label[i]);
			return;
		}
		judged++;
		if (st < 200 || st >= 300 || logs_in(A, cand[i]) != 1)
			continue; /* refused, in a status or in words */
		accepted[nacc++] = label[i];
		bool back = restore_pw(A, cand[i]);
		facts_add_bool(A->out, "http.auth.weak_password.restored", back);
		if (!back) {
			auth_error(
			    A,
			    "password change: the server took a weak password (%s) and did "
			    "not take the account's own back: the test account's password is "
			    "now that weak one; reset it",
			    label[i]);
			break;
		}
	}
	facts_add_bool(A->out, "http.auth.weak_password.tested", judged > 0);
	facts_add_list(A->out, "http.auth.weak_password.accepted", accepted, nacc);
	if (nacc) {
		char *m = xasprintf("the password change accepted %zu weak password%s (the first: "
		                    "%s)",
		                    nacc, nacc == 1 ? "" : "s", accepted[0]);
		auth_finding(A, A->change.url, "http-auth-weak-password", "high", m);
		free(m);
	}
}

int http_auth_run(const struct target *t, const struct http_client_cfg *base, struct facts *out)
{
	struct auth A = {.t = t, .out = out, .deadline_ms = base->deadline_ms};
	size_t nerr = out->nerrors;
	struct http_client_cfg cfg = *base;
	cfg.cookie = NULL; /* the session is the login's, not the plan's http.cookie */
	if (auth_parse(&A) < 0)
		goto out;
	if (http_client_new(&A.cl, &cfg) < 0) {
		auth_error(&A, "libcurl could not start");
		goto out;
	}
	/* The check URL must refuse a stranger, or it cannot tell a session. */
	long st = 0;
	int anon = logged_in(&A, NULL, &st);
	if (anon != 0) {
		auth_error(&A,
		           "http.auth.check %.200s answered %ld without a session: expected "
		           "401, 403 or a redirect to the login",
		           A.check, st);
		goto out;
	}
	struct auth_session s;
	bool ok = session_new(&A, &s, "login") == 0;
	facts_add_bool(out, "http.auth.login_ok", ok);
	if (!ok)
		goto out;
	session_free(&s);
	if (A.logout.url)
		test_logout(&A);
	if (A.txn.url)
		test_transaction(&A);
	if (A.idle_s)
		test_idle(&A);
	if (A.change.url)
		test_weak_password(&A); /* before the lockout test, which may lock the account */
	if (A.lockout)
		test_lockout(&A);
out:
	if (A.cl)
		facts_add_int(out, "http.auth.requests", http_client_requests(A.cl));
	http_client_free(A.cl);
	wipe_free(A.password);
	free(A.login.url);
	free(A.logout.url);
	free(A.txn.url);
	free(A.change.url);
	free(A.tamper_from);
	free(A.tamper_to);
	free(A.txn_file);
	return out->nerrors > nerr ? -1 : 0;
}
