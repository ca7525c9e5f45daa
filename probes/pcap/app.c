/*
 * The application layer of the pcap probe: what each reassembled byte
 * stream is, whether credentials cross it in cleartext, and the card data
 * in it.
 *
 * Protocols are named from the first bytes of either direction (the first
 * that decides wins): a TLS handshake record (RFC 8446 §5.1: type 22,
 * version 3.x) or an SSLv2 ClientHello; an HTTP request line or status
 * line; the greeting of an FTP (220 ... FTP), SMTP (220 ... SMTP), POP3
 * (+OK) or IMAP (* OK) server, or the client's first command (USER, EHLO);
 * Telnet option negotiation (IAC) or port 23. After a STARTTLS (SMTP,
 * IMAP), STLS (POP3) or AUTH TLS (FTP) from the client, its next bytes
 * decide: a TLS handshake record upgrades the flow (from there its bytes
 * are TLS and not looked at); anything else means the server refused and
 * the flow stays cleartext.
 *
 * Credentials, flagged without ever keeping their value (only the command
 * or header name is written): HTTP `Authorization`/`Proxy-Authorization`
 * with Basic or Bearer, HTTP password fields (form, query, JSON), FTP and POP3 `PASS`, SMTP/POP3
 * `AUTH PLAIN` and `AUTH LOGIN`, IMAP `LOGIN` and `AUTHENTICATE PLAIN`/`LOGIN`, and a Telnet client
 * answering a `Password:` prompt. Lines are looked at up to PC_LINE_MAX bytes; the rest of a longer
 * line only moves the offset.
 *
 * Card data: each direction of a cleartext flow is fed, as it arrives, to
 * a scanner stream (probes/pan/scan.h). A scanner holds up to a 1 MiB
 * block, so only PC_SCANNERS live at once: a direction that needs one when
 * all are taken gets the one written least recently, whose stream is
 * finished first; the direction that lost it carries its last PC_TAIL
 * bytes to its next scanner (scanner_release), so a number split across
 * that point is still found, and found once. TLS flows are not
 * scanned: their records are ciphertext.
 */
#include "probes/pcap/pcap_int.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <ctype.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const proto_names[PC_P_NPROTO] = {
    [PC_P_UNKNOWN] = "unknown", [PC_P_TLS] = "tls",   [PC_P_HTTP] = "http", [PC_P_FTP] = "ftp",
    [PC_P_TELNET] = "telnet",   [PC_P_SMTP] = "smtp", [PC_P_POP3] = "pop3", [PC_P_IMAP] = "imap",
};

const char *pc_proto_name(enum pc_proto p)
{
	return (unsigned)p < PC_P_NPROTO ? proto_names[p] : "unknown";
}

/* --- findings --- */

static void iso_us(char *buf, size_t n, const struct timeval *tv)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	char d[32];
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%06ldZ", d, (long)tv->tv_usec % 1000000);
}

void pc_add_finding(struct pc_run *r, const struct pc_flow *f, int dir, const char *kind,
                    const char *severity, char *message, const char *excerpt, int64_t offset)
{
	if (r->nfound >= PC_FINDINGS_MAX) {
		r->c.findings_dropped++;
		free(message);
		return;
	}
	char ep[128], ts[48];
	pc_flow_describe(f, dir, ep, sizeof(ep));
	bool udp = f->proto == IPPROTO_UDP;
	struct timeval tv = udp ? r->ts : f->first_ts;
	iso_us(ts, sizeof(ts), &tv);
	struct finding *x = ARRAY_PUSH(r->found, r->nfound, r->capfound);
	memset(x, 0, sizeof(*x));
	finding_loc_init(&x->loc);
	x->kind = xstrdup(kind);
	x->severity = xstrdup(severity);
	x->message = message;
	x->excerpt = excerpt ? xstrdup(excerpt) : NULL;
	x->loc.file = xstrdup(r->src_name);
	x->loc.endpoint = xstrdup(ep);
	x->loc.offset = offset;
	x->loc.stream =
	    xasprintf("%s flow %llu, %s, %s packet %llu at %s", udp ? "udp" : "tcp",
	              (unsigned long long)f->id, dir == 0 ? "client to server" : "server to client",
	              udp ? "datagram in" : "first",
	              (unsigned long long)(udp ? r->pkt_no : f->first_pkt), ts);
}

/* --- card data --- */

static void on_hit(void *ctx, const struct pan_hit *h)
{
	struct pc_run *r = ctx;
	struct pc_flow *f = r->cur_flow;
	if (h->offset + h->length <= r->cur_suppress)
		return; /* in the bytes carried over from the previous scanner: reported then */
	bool full =
	    h->kind == PAN_KIND_PAN || h->kind == PAN_KIND_TRACK1 || h->kind == PAN_KIND_TRACK2;
	switch (h->kind) {
	case PAN_KIND_PAN:
		if (h->conf == PAN_CONF_LOW)
			r->c.low++;
		break;
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
		r->c.track++;
		break;
	case PAN_KIND_CVV:
		r->c.cvv++;
		break;
	case PAN_KIND_PIN_BLOCK:
		r->c.pin++;
		break;
	case PAN_KIND_MASKED_WIDE:
		r->c.masked_wide++;
		break;
	case PAN_KIND_MASKED_OK:
		return;
	}
	bool exposed = full && h->conf != PAN_CONF_LOW;
	if (exposed) {
		r->c.pan++;
		if ((unsigned)h->brand <= PAN_BRAND_UNIONPAY)
			r->c.brand[h->brand]++;
		if (h->brand == PAN_BRAND_UNIONPAY)
			r->c.unionpay++;
	}
	if (!f)
		return;
	if (exposed || h->kind == PAN_KIND_CVV || h->kind == PAN_KIND_PIN_BLOCK)
		f->has_pan = true;
	const char *proto = f->app != PC_P_UNKNOWN    ? pc_proto_name(f->app)
	                    : f->proto == IPPROTO_UDP ? "udp"
	                                              : "tcp";
	char *msg;
	switch (h->kind) {
	case PAN_KIND_PAN:
		msg = xasprintf("%s card number %s in cleartext %s, %s confidence",
		                pan_brand_name(h->brand), h->masked, proto, pan_conf_name(h->conf));
		break;
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
		msg = xasprintf("track %d data with %s card number %s in cleartext %s",
		                h->kind == PAN_KIND_TRACK1 ? 1 : 2, pan_brand_name(h->brand),
		                h->masked, proto);
		break;
	case PAN_KIND_CVV:
		msg = xasprintf("card verification value (labelled) in cleartext %s", proto);
		break;
	case PAN_KIND_PIN_BLOCK:
		msg = xasprintf("PIN block (labelled) in cleartext %s", proto);
		break;
	default:
		msg = xasprintf("masked card number %s shows more than 6 + 4 digits (%s)",
		                h->masked, proto);
		break;
	}
	/* JR/T 0171-2020 chapter 4: the class of what was found (PFI-01) */
	char *tagged = xasprintf("%s; JR/T 0171 class %s", msg, pan_hit_class(h));
	free(msg);
	pc_add_finding(r, f, r->cur_dir, pan_kind_name(h->kind), pan_hit_severity(h), tagged,
	               h->excerpt, (int64_t)(r->cur_base + h->offset));
}

static void set_cur(struct pc_run *r, struct pc_flow *f, int dir, uint64_t base, uint16_t suppress)
{
	r->cur_flow = f;
	r->cur_dir = (uint8_t)dir;
	r->cur_base = base;
	r->cur_suppress = suppress;
}

/*
 * Give a scanner up. When its direction goes on (ended is false), the last
 * PC_TAIL bytes it saw are kept for the direction's next scanner, which
 * reads them again first: a card number split across the change is found
 * whole, and what lies wholly in those bytes was reported already.
 */
static void scanner_release(struct pc_run *r, int i, bool ended)
{
	struct pc_scanner *sc = &r->scanners[i];
	if (!sc->flow)
		return;
	struct pc_dir *x = &sc->flow->d[sc->dir];
	set_cur(r, sc->flow, sc->dir, x->scan_base, sc->suppress);
	pan_stream_finish(sc->s);
	struct pan_stream_stats st;
	pan_stream_stats(sc->s, &st);
	r->c.test_ignored += st.test_ignored;
	if (!ended && sc->ntail) {
		if (!x->saved)
			x->saved = xmalloc(PC_TAIL);
		memcpy(x->saved, sc->tail, sc->ntail);
		x->nsaved = sc->ntail;
	}
	x->scanner = -1;
	sc->flow = NULL;
}

static void scan_write(struct pc_scanner *sc, const uint8_t *p, size_t n)
{
	pan_stream_write(sc->s, p, n);
	if (n >= PC_TAIL) {
		memcpy(sc->tail, p + n - PC_TAIL, PC_TAIL);
		sc->ntail = PC_TAIL;
		return;
	}
	size_t keep = sc->ntail + n > PC_TAIL ? PC_TAIL - n : sc->ntail;
	memmove(sc->tail, sc->tail + sc->ntail - keep, keep);
	memcpy(sc->tail + keep, p, n);
	sc->ntail = (uint16_t)(keep + n);
}

static struct pc_scanner *scanner_for(struct pc_run *r, struct pc_flow *f, int dir)
{
	struct pc_dir *x = &f->d[dir];
	if (x->scanner < 0) {
		int pick = -1;
		for (int i = 0; i < PC_SCANNERS; i++) {
			if (!r->scanners[i].flow) {
				pick = i;
				break;
			}
			if (pick < 0 || r->scanners[i].used < r->scanners[pick].used)
				pick = i;
		}
		scanner_release(r, pick, false);
		struct pc_scanner *sc = &r->scanners[pick];
		if (!sc->s)
			sc->s = pan_stream_new(&r->cfg, on_hit, r);
		pan_stream_reset(sc->s, PAN_ENC_BYTES);
		sc->flow = f;
		sc->dir = (uint8_t)dir;
		sc->ntail = 0;
		sc->suppress = x->nsaved;
		x->scanner = pick;
		x->scan_base = x->off - x->nsaved;
		if (x->nsaved) {
			set_cur(r, f, dir, x->scan_base, sc->suppress);
			scan_write(sc, x->saved, x->nsaved);
			free(x->saved);
			x->saved = NULL;
			x->nsaved = 0;
		}
	}
	struct pc_scanner *sc = &r->scanners[x->scanner];
	sc->used = r->pkt_no;
	set_cur(r, f, dir, x->scan_base, sc->suppress);
	return sc;
}

void pc_scanners_free(struct pc_run *r)
{
	for (int i = 0; i < PC_SCANNERS; i++) {
		scanner_release(r, i, true);
		pan_stream_free(r->scanners[i].s);
		r->scanners[i].s = NULL;
	}
}

/* --- protocol detection --- */

static bool starts(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && memcmp(p, s, k) == 0;
}

static bool starts_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && strncasecmp((const char *)p, s, k) == 0;
}

static bool contains_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp((const char *)p + i, s, k) == 0)
			return true;
	return false;
}

static uint16_t server_port(const struct pc_flow *f)
{
	return f->port[!f->cli];
}

static void mark_tls(struct pc_run *r, struct pc_flow *f)
{
	if (!f->tls) {
		f->tls = true;
		r->c.tls_flows++;
	}
}

static enum pc_proto classify(const struct pc_flow *f, int dir, const uint8_t *p, size_t n)
{
	if (n >= 3 && p[0] == 0x16 && p[1] == 3 && p[2] <= 4)
		return PC_P_TLS;
	if (n >= 3 && (p[0] & 0x80) && p[2] == 1) /* SSLv2-framed ClientHello */
		return PC_P_TLS;
	static const char *const methods[] = {"GET ",     "POST ",  "PUT ",     "HEAD ",  "DELETE ",
	                                      "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", NULL};
	for (int i = 0; methods[i]; i++)
		if (starts(p, n, methods[i]))
			return PC_P_HTTP;
	if (starts(p, n, "HTTP/1."))
		return PC_P_HTTP;
	size_t line = n;
	const uint8_t *nl = memchr(p, '\n', n);
	if (nl)
		line = (size_t)(nl - p);
	uint16_t sp = server_port(f);
	if (dir == 1) {
		if (starts(p, n, "220")) {
			if (contains_ci(p, line, "FTP"))
				return PC_P_FTP;
			if (contains_ci(p, line, "SMTP") || contains_ci(p, line, "mail"))
				return PC_P_SMTP;
			if (sp == 21)
				return PC_P_FTP;
			if (sp == 25 || sp == 587 || sp == 2525)
				return PC_P_SMTP;
		}
		if (starts(p, n, "+OK"))
			return PC_P_POP3;
		if (starts(p, n, "* OK") || starts(p, n, "* PREAUTH"))
			return PC_P_IMAP;
	} else {
		if (starts_ci(p, n, "EHLO ") || starts_ci(p, n, "HELO "))
			return PC_P_SMTP;
		if (starts_ci(p, n, "USER "))
			return sp == 110 ? PC_P_POP3 : PC_P_FTP;
		if (starts_ci(p, n, "CAPA"))
			return PC_P_POP3;
	}
	if (n >= 2 && p[0] == 0xFF && p[1] >= 251 && p[1] <= 254)
		return PC_P_TELNET;
	if (sp == 23)
		return PC_P_TELNET;
	return PC_P_UNKNOWN;
}

static bool is_text(enum pc_proto p)
{
	return p == PC_P_HTTP || p == PC_P_FTP || p == PC_P_SMTP || p == PC_P_POP3 ||
	       p == PC_P_IMAP || p == PC_P_TELNET;
}

/* --- credentials --- */

static void credential(struct pc_run *r, struct pc_flow *f, int dir, const char *what,
                       uint64_t offset)
{
	r->c.credentials++;
	f->has_cred = true;
	pc_add_finding(r, f, dir, "cleartext-credential", "high",
	               xasprintf("%s %s sent in cleartext (the value is not recorded)",
	                         pc_proto_name(f->app), what),
	               NULL, (int64_t)offset);
}

/* The word after skipping n bytes and spaces, as [w, w + *len). */
static const char *word_at(const char *s, size_t n, size_t *len)
{
	while (*s && n--)
		s++;
	while (*s == ' ' || *s == '\t')
		s++;
	*len = strcspn(s, " \t");
	return s;
}

static bool word_is(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && strncasecmp(w, s, n) == 0;
}

/*
 * Files that are code an app installs or loads: an update package, a DEX or
 * JAR to load at run time, a native library, a hot patch (J92-04: they must
 * come over TLS). Matched on the request path's last segment, before any
 * query, case-insensitively.
 */
static const char *const code_exts[] = {".apk", ".dex", ".jar", ".so", ".ipa", ".patch", NULL};

/* Whether a request line ("GET /path?q HTTP/1.1") asks for code; its path in
 * [*path, *path + *plen), without the query. */
static bool code_request(const char *s, const char **path, size_t *plen)
{
	const char *sp = strchr(s, ' ');
	if (!sp || sp == s)
		return false;
	for (const char *m = s; m < sp; m++)
		if (*m < 'A' || *m > 'Z')
			return false; /* not a method: a header line */
	const char *p = sp + 1;
	size_t n = strcspn(p, " ");
	size_t end = strcspn(p, "?# ");
	if (end > n)
		end = n;
	for (int i = 0; code_exts[i]; i++) {
		size_t k = strlen(code_exts[i]);
		if (end > k && strncasecmp(p + end - k, code_exts[i], k) == 0) {
			*path = p;
			*plen = end;
			return true;
		}
	}
	return false;
}

/* One client line (NUL-terminated, no CR LF) of a text protocol. */
static void client_line(struct pc_run *r, struct pc_flow *f, struct pc_lines *l, const char *s,
                        uint64_t off)
{
	size_t wl;
	const char *w;
	if (l->auth_login) {
		/* the lines after AUTH LOGIN / AUTHENTICATE: base64 user name, then password */
		if (--l->auth_login == 0)
			credential(r, f, 0, "AUTH LOGIN password", off);
		if (*s == '*')
			l->auth_login = 0; /* the client cancelled */
		return;
	}
	switch (f->app) {
	case PC_P_HTTP: {
		const char *path;
		size_t plen;
		if (code_request(s, &path, &plen)) {
			r->c.code_downloads++;
			char *shown = xstrndup(path, plen < 120 ? plen : 120);
			char *masked = mask_text(shown);
			pc_add_finding(r, f, 0, "cleartext-code-download", "high",
			               xasprintf("code fetched over cleartext http: %s (an update, "
			                         "library or patch anyone on the path can replace)",
			                         masked),
			               NULL, (int64_t)off);
			free(masked);
			free(shown);
			break;
		}
		if (starts_ci((const uint8_t *)s, strlen(s), "Authorization:") ||
		    starts_ci((const uint8_t *)s, strlen(s), "Proxy-Authorization:")) {
			w = word_at(s, (size_t)(strchr(s, ':') - s) + 1, &wl);
			if (word_is(w, wl, "Basic"))
				credential(r, f, 0, "Basic authorization (user and password)", off);
			else if (word_is(w, wl, "Bearer"))
				credential(r, f, 0, "Bearer token", off);
		}
		break;
	}
	case PC_P_FTP:
	case PC_P_POP3:
	case PC_P_SMTP:
		if (l->in_data) {
			l->in_data = strcmp(s, ".") != 0;
			break;
		}
		w = word_at(s, 0, &wl);
		if (f->app == PC_P_SMTP && word_is(w, wl, "DATA")) {
			l->in_data = true;
		} else if (f->app != PC_P_SMTP && word_is(w, wl, "PASS")) {
			credential(r, f, 0, "PASS (password)", off);
		} else if (word_is(w, wl, "STARTTLS") || word_is(w, wl, "STLS")) {
			f->starttls_asked = true;
		} else if (word_is(w, wl, "AUTH")) {
			const char *m = word_at(w, wl, &wl);
			if (word_is(m, wl, "TLS") || word_is(m, wl, "SSL")) {
				f->starttls_asked = true;
			} else if (word_is(m, wl, "PLAIN")) {
				size_t al;
				word_at(m, wl, &al);
				if (al)
					credential(r, f, 0, "AUTH PLAIN (user and password)", off);
				else
					l->auth_login = 1;
			} else if (word_is(m, wl, "LOGIN")) {
				size_t al;
				word_at(m, wl, &al);
				l->auth_login =
				    al ? 1 : 2; /* an initial response is the user name */
			}
		}
		break;
	case PC_P_IMAP: {
		w = word_at(s, 0, &wl); /* the tag */
		const char *c = word_at(w, wl, &wl);
		if (word_is(c, wl, "LOGIN")) {
			credential(r, f, 0, "LOGIN (user and password)", off);
		} else if (word_is(c, wl, "STARTTLS")) {
			f->starttls_asked = true;
		} else if (word_is(c, wl, "AUTHENTICATE")) {
			const char *m = word_at(c, wl, &wl);
			size_t al;
			word_at(m, wl, &al);
			if (word_is(m, wl, "PLAIN"))
				l->auth_login = al ? 0 : 1;
			else if (word_is(m, wl, "LOGIN"))
				l->auth_login = al ? 1 : 2;
			if (word_is(m, wl, "PLAIN") && al)
				credential(r, f, 0, "AUTHENTICATE PLAIN (user and password)", off);
		}
		break;
	}
	default:
		break;
	}
}

/*
 * HTTP password fields: `password=`, `passwd=`, `pwd=`, `pass=` in a query
 * string or a form body, or `"password": "..."` in JSON, with a value that
 * is not empty. The name must start a parameter (after `?`, `&`, `"`,
 * space, `{`, `,` or a line start). Found from each `=` and `:` (memchr)
 * by looking back, through the last bytes of the previous piece when the
 * name began there. The value is never copied.
 */
static const char *const pw_names[] = {"password", "passwd", "pwd", "pass", NULL};

static bool pw_boundary(int c)
{
	return c < 0 || c == '?' || c == '&' || c == '"' || c == ' ' || c == '{' || c == ',' ||
	       c == '\n' || c == '\r' || c == '\t';
}

/* The byte at i of the piece p[0, n); before it, the seam; -1 past either end. */
static int pw_byte(const uint8_t *p, size_t n, const struct pc_lines *l, ptrdiff_t i)
{
	if (i >= 0)
		return (size_t)i < n ? p[i] : -1;
	ptrdiff_t k = (ptrdiff_t)l->nseam + i;
	return k >= 0 ? l->seam[k] : -1;
}

/* The password name that ends just before e and starts a field, or NULL. */
static const char *pw_name_before(const uint8_t *p, size_t n, const struct pc_lines *l, ptrdiff_t e,
                                  bool json)
{
	for (int k = 0; pw_names[k]; k++) {
		ptrdiff_t len = (ptrdiff_t)strlen(pw_names[k]), b = e - len, i;
		for (i = 0; i < len; i++) {
			int c = pw_byte(p, n, l, b + i);
			if (c < 0 || (c | 0x20) != pw_names[k][i])
				break;
		}
		if (i < len)
			continue;
		int prev = pw_byte(p, n, l, b - 1);
		if (json ? prev == '"' : pw_boundary(prev))
			return pw_names[k];
	}
	return NULL;
}

static void http_password(struct pc_run *r, struct pc_flow *f, struct pc_dir *x, const uint8_t *p,
                          size_t n)
{
	if (f->form_cred)
		return;
	struct pc_lines *l = x->lines;
	const char *name = NULL;
	ptrdiff_t at = 0;
	/* a form field whose '=' ended the previous piece */
	if (l->nseam && l->seam[l->nseam - 1] == '=' && n && p[0] != '&' && p[0] != ' ' &&
	    p[0] != '\r' && p[0] != '\n' && (name = pw_name_before(p, n, l, -1, false)))
		at = -1 - (ptrdiff_t)strlen(name);
	for (const uint8_t *q = p; !name && (q = memchr(q, '=', n - (size_t)(q - p))); q++) {
		ptrdiff_t e = q - p;
		int v = pw_byte(p, n, l, e + 1);
		if (v >= 0 && v != '&' && v != ' ' && v != '\r' && v != '\n' &&
		    (name = pw_name_before(p, n, l, e, false)))
			at = e - (ptrdiff_t)strlen(name);
		if (q + 1 >= p + n)
			break;
	}
	for (const uint8_t *q = p; !name && (q = memchr(q, ':', n - (size_t)(q - p))); q++) {
		ptrdiff_t c = q - p - 1, v = q - p + 1;
		while (pw_byte(p, n, l, c) == ' ')
			c--;
		while (pw_byte(p, n, l, v) == ' ')
			v++;
		if (pw_byte(p, n, l, c) == '"' && pw_byte(p, n, l, v) == '"' &&
		    pw_byte(p, n, l, v + 1) >= 0 && pw_byte(p, n, l, v + 1) != '"' &&
		    (name = pw_name_before(p, n, l, c, true)))
			at = c - (ptrdiff_t)strlen(name);
		if (q + 1 >= p + n)
			break;
	}
	if (name) {
		char what[48];
		snprintf(what, sizeof(what), "password field '%s'", name);
		f->form_cred = true;
		credential(r, f, 0, what, (uint64_t)((ptrdiff_t)x->off + at));
		return;
	}
	/* keep the last bytes of the stream for the next piece */
	if (n >= sizeof(l->seam)) {
		memcpy(l->seam, p + n - sizeof(l->seam), sizeof(l->seam));
		l->nseam = sizeof(l->seam);
	} else {
		size_t ns = l->nseam, old = ns < sizeof(l->seam) - n ? ns : sizeof(l->seam) - n;
		memmove(l->seam, l->seam + ns - old, old);
		memcpy(l->seam + old, p, n);
		l->nseam = (uint8_t)(old + n);
	}
}

/* Split a client direction's bytes into lines; each is looked at once. */
static void client_lines(struct pc_run *r, struct pc_flow *f, struct pc_dir *x, const uint8_t *p,
                         size_t n)
{
	if (!x->lines)
		x->lines = xcalloc(1, sizeof(*x->lines));
	struct pc_lines *l = x->lines;
	uint64_t off = x->off;
	while (n && !f->starttls_asked) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (!l->open) {
			l->open = true;
			l->start = off;
		}
		size_t room = PC_LINE_MAX - 1 - l->n;
		size_t c = k < room ? k : room;
		memcpy(l->buf + l->n, p, c);
		l->n = (uint16_t)(l->n + c);
		if (!nl)
			return;
		size_t e = l->n;
		if (e && l->buf[e - 1] == '\r')
			e--;
		l->buf[e] = '\0';
		if (strlen(l->buf) == e) /* a NUL inside: not a text line */
			client_line(r, f, l, l->buf, l->start);
		l->n = 0;
		l->open = false;
		p += k + 1;
		n -= k + 1;
		off += k + 1;
	}
}

/* Telnet: a password prompt from the server, answered by the client. */
static void telnet(struct pc_run *r, struct pc_flow *f, int dir, const uint8_t *p, size_t n)
{
	struct pc_dir *x = &f->d[0];
	if (!x->lines)
		x->lines = xcalloc(1, sizeof(*x->lines));
	if (dir == 1) {
		if (contains_ci(p, n, "assword:") || contains_ci(p, n, "passcode:"))
			x->lines->auth_login = 1;
		return;
	}
	if (x->lines->auth_login && n && p[0] != 0xFF) {
		x->lines->auth_login = 0;
		credential(r, f, 0, "password (answer to a Password: prompt)", x->off);
	}
}

/* --- the stream --- */

void pc_app_data(struct pc_run *r, struct pc_flow *f, int dir, const uint8_t *p, size_t n)
{
	struct pc_dir *x = &f->d[dir];
	r->c.payload_bytes += n;
	if (!x->classified) {
		x->classified = true;
		if (f->app == PC_P_UNKNOWN) {
			enum pc_proto a = classify(f, dir, p, n);
			f->app = (uint8_t)a;
			if (a == PC_P_TLS)
				mark_tls(r, f);
		}
	}
	if (f->starttls_asked && dir == 0) {
		/* the client asked for TLS: its next bytes say whether it got it */
		f->starttls_asked = false;
		if (n >= 2 && p[0] == 0x16 && p[1] == 3) {
			f->upgraded = true;
			mark_tls(r, f);
		}
	}
	if (f->tls || f->upgraded)
		return;
	if (f->app == PC_P_TELNET)
		telnet(r, f, dir, p, n);
	else if (dir == 0 && is_text(f->app))
		client_lines(r, f, x, p, n);
	if (dir == 0 && f->app == PC_P_HTTP && x->lines)
		http_password(r, f, x, p, n);
	scan_write(scanner_for(r, f, dir), p, n);
}

void pc_app_gap(struct pc_run *r, struct pc_flow *f, int dir, uint64_t n)
{
	struct pc_dir *x = &f->d[dir];
	if (x->lines) {
		x->lines->n = 0;
		x->lines->nseam = 0;
		x->lines->open = false;
		x->lines->auth_login = 0;
	}
	free(x->saved); /* a gap breaks whatever the bytes before it began */
	x->saved = NULL;
	x->nsaved = 0;
	if (x->scanner >= 0 && !f->tls && !f->upgraded) {
		struct pc_scanner *sc = scanner_for(r, f, dir);
		pan_stream_skip(sc->s, n);
		sc->ntail = 0;
	}
}

void pc_app_dir_end(struct pc_run *r, struct pc_flow *f, int dir)
{
	struct pc_dir *x = &f->d[dir];
	if (x->scanner >= 0)
		scanner_release(r, x->scanner, true);
	free(x->saved);
	x->saved = NULL;
	x->nsaved = 0;
}

void pc_app_flow_end(struct pc_run *r, struct pc_flow *f)
{
	if (f->has_pan) {
		r->c.cleartext_pan_flows++;
		r->pan_protos |= 1u << (f->upgraded ? PC_P_UNKNOWN : f->app);
		if (f->app == PC_P_SMTP || f->app == PC_P_POP3 || f->app == PC_P_IMAP)
			r->c.mail_pan_flows++;
	}
	if (is_text(f->app) && !f->upgraded)
		r->protos_seen |= 1u << f->app;
}

void pc_app_udp(struct pc_run *r, struct pc_flow *f, int dir, const uint8_t *p, size_t n)
{
	r->c.payload_bytes += n;
	set_cur(r, f, dir, 0, 0);
	pan_scan_buffer(&r->cfg, p, n, on_hit, r);
}
