/*
 * The TLS probe: `tls = host:port` in a plan, `assay probe tls HOST:PORT`.
 * Flow: parse the target and options; one first exchange decides
 * reachability and whether the port speaks TLS; phase 1 enumerates every
 * protocol's suites (raw engine, scan.c) while libssl does one full
 * handshake (cert.c); phase 2 enumerates groups and runs the checks; then
 * this file turns the scan into the facts of probes/tls/README.md, the
 * findings (each located at host:port) and an SSL Labs-style grade.
 */
#include "probes/probe.h"
#include "probes/tls/cert.h"
#include "probes/tls/scan.h"
#include "probes/tls/suites.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLS_DEFAULT_TIMEOUT_S      120.0
#define TLS_DEFAULT_CONN_TIMEOUT_S 5.0
#define TLS_MAX_CONNS_LIMIT        64

static const char *const tls_keys[] = {"tls", NULL};

static const struct probe_option tls_options[] = {
    {"sni", "host name sent in SNI and matched against the certificate"},
    {"starttls", "smtp, imap, pop3, ftp or postgres: upgrade a plain-text session first"},
    {"ca-file", "PEM file of trusted CA certificates (instead of the system store)"},
    {"max-conns", "most connections open to the target at once (default 8)"},
    {"conn-timeout", "seconds one connection may take (default 5)"},
    {"intrusive", "yes (default) or no: skip the Heartbleed, CCS injection and ROBOT tests"},
    {NULL, NULL},
};

/* A finding at the scanned endpoint. */
#define finding(s, kind, sev, ...) tls_finding((s)->out, (s)->ep.shown, kind, sev, __VA_ARGS__)

/* Union of the flags of every accepted suite (all protocols), and whether all have flag. */
struct suite_summary {
	unsigned any;
	bool all_fs;
	bool any_aead; /* neither CBC nor RC4 nor NULL */
	size_t count;
	bool cbc_legacy; /* CBC in SSLv3 or TLS 1.0 (BEAST) */
	bool cbc_ssl3;   /* CBC in SSLv3 (POODLE) */
	bool export_rsa, export_dhe;
};

static struct suite_summary summarize(const struct tls_scan *s)
{
	struct suite_summary m = {.all_fs = true};
	for (int pi = 0; pi < P_COUNT; pi++)
		for (size_t i = 0; i < s->p[pi].nsuites; i++) {
			const struct tls_suite *su = tls_suite_find(s->p[pi].suites[i]);
			unsigned fl = su ? su->flags : 0;
			m.any |= fl;
			m.count++;
			if (!(fl & TS_FS))
				m.all_fs = false;
			if (!(fl & (TS_CBC | TS_RC4 | TS_NULL)) && pi != P_SSL2)
				m.any_aead = true;
			if ((fl & TS_CBC) && (pi == P_SSL3 || pi == P_TLS10))
				m.cbc_legacy = true;
			if ((fl & TS_CBC) && pi == P_SSL3)
				m.cbc_ssl3 = true;
			if ((fl & TS_EXPORT) && (fl & TS_RSAKX))
				m.export_rsa = true;
			if ((fl & TS_EXPORT) && (fl & TS_DHE))
				m.export_dhe = true;
		}
	if (m.count == 0)
		m.all_fs = false;
	return m;
}

static void add_vuln(struct tls_scan *s, const char *name, bool v, const char *sev, const char *why)
{
	char key[64];
	snprintf(key, sizeof(key), "tls.vuln.%s", name);
	facts_add_bool(s->out, key, v);
	if (v) {
		char kind[64];
		snprintf(kind, sizeof(kind), "tls-vuln-%s", name);
		finding(s, kind, sev, "%s", why);
	}
}

static int fact_int(const struct facts *f, const char *key, int dflt)
{
	const struct fact_value *v = facts_get(f, key);
	return v && v->type == FACT_INT ? (int)v->i : dflt;
}

static int fact_bool(const struct facts *f, const char *key, int dflt)
{
	const struct fact_value *v = facts_get(f, key);
	return v && v->type == FACT_BOOL ? v->b : dflt;
}

/*
 * SSL Labs-style grade (SSL Server Rating Guide 2009q, caps only; no
 * scores): see README.md "Grade". Returns the technical grade; *trust gets
 * "T" or "M" when trust or the name fails, else NULL.
 */
static const char *grade(const struct tls_scan *s, const struct suite_summary *m, const char **why)
{
	const struct facts *f = s->out;
	int key_bits = fact_int(f, "tls.cert.key_bits", 0);
	const struct fact_value *kt = facts_get(f, "tls.cert.key_type");
	bool rsa = kt && kt->type == FACT_STRING &&
	           (strcmp(kt->s, "RSA") == 0 || strcmp(kt->s, "DSA") == 0);
	unsigned dh = s->dh_min_bits;
	if (s->p[P_SSL2].supported)
		return *why = "SSLv2 enabled", "F";
	if (m->any & (TS_EXPORT | TS_NULL | TS_ANON))
		return *why = "export, NULL or anonymous suites", "F";
	if (s->chk.heartbleed == 1 || s->chk.ccs == 1 || s->chk.robot == 1)
		return *why = "Heartbleed, CCS injection or ROBOT", "F";
	if (rsa && key_bits > 0 && key_bits < 1024)
		return *why = "key under 1024 bits", "F";
	if (dh > 0 && dh < 1024)
		return *why = "DH parameters under 1024 bits", "F";
	if (s->p[P_SSL3].supported)
		return *why = "SSLv3 enabled (POODLE)", "C";
	if (m->any & TS_RC4)
		return *why = "RC4 offered", "C";
	if (!s->p[P_TLS12].supported && !s->p[P_TLS13].supported)
		return *why = "neither TLS 1.2 nor TLS 1.3", "C";
	if (m->any & TS_BLOCK64)
		return *why = "64-bit block ciphers (SWEET32)", "C";
	if (s->chk.compression == 1)
		return *why = "TLS compression (CRIME)", "C";
	if (s->p[P_TLS10].supported || s->p[P_TLS11].supported)
		return *why = "TLS 1.0 or 1.1 enabled", "B";
	if (rsa && key_bits > 0 && key_bits < 2048)
		return *why = "key under 2048 bits", "B";
	if (dh > 0 && dh < 2048)
		return *why = "DH parameters under 2048 bits", "B";
	if (!(m->any & TS_FS))
		return *why = "no forward secrecy", "B";
	if (!m->any_aead)
		return *why = "no AEAD suite", "B";
	if (s->chk.fallback_scsv == 0 || !fact_bool(f, "tls.reneg.secure", 1))
		return *why = "no TLS_FALLBACK_SCSV or no secure renegotiation", "A-";
	return *why = "", "A";
}

static void emit_protocols(struct tls_scan *s)
{
	static const char *const sev[P_COUNT] = {"critical", "high", "medium", "medium",
	                                         NULL,       NULL,   NULL};
	for (int pi = 0; pi < P_COUNT; pi++) {
		const struct tls_proto_res *r = &s->p[pi];
		const char *pn = tls_version_name(r->version);
		char key[64];
		if (!r->tested)
			continue;
		snprintf(key, sizeof(key), "tls.proto.%s", pn);
		facts_add_bool(s->out, key, r->supported);
		snprintf(key, sizeof(key), "tls.ciphers.%s", pn);
		const char **names = xcalloc(r->nsuites + 1, sizeof(char *));
		char(*bufs)[16] = xcalloc(r->nsuites + 1, 16);
		for (size_t i = 0; i < r->nsuites; i++)
			names[i] = tls_suite_name(r->suites[i], bufs[i], 16);
		facts_add_list(s->out, key, names, r->nsuites);
		free(names);
		free(bufs);
		if (r->supported && sev[pi])
			finding(s, "tls-protocol", sev[pi], "%s is enabled",
			        pi == P_SSL2    ? "SSLv2"
			        : pi == P_SSL3  ? "SSLv3"
			        : pi == P_TLS10 ? "TLS 1.0"
			                        : "TLS 1.1");
	}
}

static void emit_ciphers(struct tls_scan *s, const struct suite_summary *m)
{
	/* Server order at the best protocol; one suite has no order to enforce. */
	int best = s->p[P_TLS13].supported && tls_scan_best_legacy(s) < 0 ? P_TLS13
	                                                                  : tls_scan_best_legacy(s);
	if (best >= 0) {
		int so = s->p[best].server_order;
		if (so >= 0 || s->p[best].nsuites == 1)
			facts_add_bool(s->out, "tls.cipher.server_order", so != 0);
	}
	static const struct {
		unsigned flag;
		const char *name;
	} weak[] = {{TS_NULL, "NULL"}, {TS_EXPORT, "EXPORT"}, {TS_ANON, "anon"},
	            {TS_RC4, "RC4"},   {TS_DES, "DES"},       {TS_3DES, "3DES"}};
	const char *w[6];
	size_t nw = 0;
	for (size_t i = 0; i < 6; i++)
		if (m->any & weak[i].flag)
			w[nw++] = weak[i].name;
	facts_add_list(s->out, "tls.cipher.weak", w, nw);
	for (size_t i = 0; i < nw; i++)
		finding(s, "tls-weak-cipher", "high", "%s cipher suites are offered", w[i]);
	facts_add_bool(s->out, "tls.cipher.cbc", (m->any & TS_CBC) != 0);
	facts_add_bool(s->out, "tls.fs.all", m->all_fs);
	facts_add_bool(s->out, "tls.fs.any", (m->any & TS_FS) != 0);
	if (!(m->any & TS_FS))
		finding(s, "tls-no-forward-secrecy", "medium", "no suite with forward secrecy");
	else if (!m->all_fs)
		finding(s, "tls-no-forward-secrecy", "low",
		        "some suites lack forward secrecy (static RSA or ECC key exchange)");
	const char *g[TLS_GROUPS_MAX];
	size_t ng = 0;
	for (size_t i = 0; i < s->ngroups; i++) {
		const char *gn = tls_group_name(s->groups[i]);
		if (gn)
			g[ng++] = gn;
	}
	facts_add_list(s->out, "tls.groups", g, ng);
	facts_add_int(s->out, "tls.dh.min_bits", s->dh_min_bits);
	if (s->dh_min_bits && s->dh_min_bits < 2048)
		finding(s, "tls-weak-dh", s->dh_min_bits < 1024 ? "high" : "medium",
		        "DHE parameters of %u bits", s->dh_min_bits);
}

static void emit_checks(struct tls_scan *s, const struct suite_summary *m)
{
	if (s->chk.heartbleed >= 0)
		add_vuln(
		    s, "heartbleed", s->chk.heartbleed, "critical",
		    "Heartbleed (CVE-2014-0160): the server echoes more heartbeat bytes than sent");
	if (s->chk.ccs >= 0)
		add_vuln(s, "ccs_injection", s->chk.ccs, "high",
		         "CCS injection (CVE-2014-0224): an early ChangeCipherSpec was accepted");
	/* ROBOT needs RSA key transport; without such a suite no oracle can exist. */
	if (s->chk.robot >= 0 || !(m->any & TS_RSAKX))
		add_vuln(
		    s, "robot", s->chk.robot == 1, "high",
		    "ROBOT (CVE-2017-13099): the server's answers to broken RSA padding differ "
		    "(a Bleichenbacher oracle)");
	add_vuln(s, "sweet32", (m->any & TS_BLOCK64) != 0, "medium",
	         "SWEET32 (CVE-2016-2183): 64-bit block ciphers are offered");
	add_vuln(s, "poodle", s->p[P_SSL3].supported && m->cbc_ssl3, "high",
	         "POODLE (CVE-2014-3566): SSLv3 with CBC suites");
	add_vuln(s, "freak", m->export_rsa, "high", "FREAK (CVE-2015-0204): export RSA suites");
	add_vuln(s, "logjam", m->export_dhe || (s->dh_min_bits && s->dh_min_bits < 1024), "high",
	         "LOGJAM (CVE-2015-4000): export DHE suites or DH parameters under 1024 bits");
	add_vuln(s, "beast", m->cbc_legacy, "low",
	         "BEAST (CVE-2011-3389): CBC suites with SSLv3 or TLS 1.0");
	add_vuln(s, "drown", s->p[P_SSL2].supported, "critical",
	         "DROWN (CVE-2016-0800): SSLv2 is enabled on this host");
	add_vuln(s, "rc4", (m->any & TS_RC4) != 0, "high", "RC4 suites are offered (RFC 7465)");

	int legacy = tls_scan_best_legacy(s);
	bool any_tls = legacy >= 0 || s->p[P_TLS13].supported;
	bool secure = legacy < 0 ? true : s->p[legacy].reneg_ext || s->ossl.reneg_secure;
	if (any_tls)
		facts_add_bool(s->out, "tls.reneg.secure", secure);
	if (any_tls && !secure)
		finding(s, "tls-insecure-renegotiation", "high",
		        "no secure renegotiation (RFC 5746)");
	if (s->ossl.reneg_client >= 0 || (legacy < 0 && any_tls)) {
		facts_add_bool(s->out, "tls.reneg.client_initiated", s->ossl.reneg_client == 1);
		if (s->ossl.reneg_client == 1)
			finding(s, "tls-client-renegotiation", "low",
			        "client-initiated renegotiation is allowed (DoS lever)");
	}
	if (s->chk.compression >= 0) {
		facts_add_bool(s->out, "tls.compression", s->chk.compression == 1);
		if (s->chk.compression == 1)
			finding(s, "tls-compression", "high", "TLS compression enabled (CRIME)");
	}
	if (s->chk.fallback_scsv >= 0) {
		facts_add_bool(s->out, "tls.fallback_scsv", s->chk.fallback_scsv == 1);
		if (s->chk.fallback_scsv == 0)
			finding(s, "tls-no-fallback-scsv", "low",
			        "TLS_FALLBACK_SCSV is not honoured (RFC 7507)");
	}
}

static void emit_ossl(struct tls_scan *s)
{
	struct tls_ossl_result *r = &s->ossl;
	STACK_OF(X509) *raw = NULL;
	STACK_OF(X509) *chain = r->chain;
	if (!chain && s->nraw) {
		const uint8_t *der[TLS_CERTS_MAX];
		for (size_t i = 0; i < s->nraw; i++)
			der[i] = s->raw_der[i];
		chain = raw = tls_chain_from_der(der, s->raw_len, s->nraw);
	}
	if (chain)
		tls_cert_facts(s->out, s->ep.shown, chain, s->name, s->ca_file);
	else
		facts_error(s->out, "%s: no certificate could be read (%s)", s->ep.shown,
		            r->error[0] ? r->error : "no handshake completed");
	if (raw)
		sk_X509_pop_free(raw, X509_free);
	if (s->raw_total > TLS_CERTS_MAX)
		finding(s, "tls-cert-chain-long", "low", "the server sent %zu certificates",
		        s->raw_total);

	bool stapled = r->ocsp_stapled;
	for (int pi = 0; pi < P_COUNT; pi++)
		stapled = stapled || s->p[pi].cert_status;
	if (r->handshake || s->nraw)
		facts_add_bool(s->out, "tls.ocsp.stapled", stapled);
	if (r->handshake) {
		const char *a[1] = {r->alpn};
		facts_add_list(s->out, "tls.alpn", a, r->alpn[0] ? 1 : 0);
		facts_add_bool(s->out, "tls.resumption", r->resumed == 1);
		facts_add_bool(s->out, "tls.session.ticket", r->ticket);
		if (r->ticket) {
			facts_add_int(s->out, "tls.session.ticket_lifetime_s", r->ticket_lifetime);
			/* a ticket key that lives over a day weakens forward secrecy (RFC 8446 §4.6.1) */
			if (r->ticket_lifetime > 86400)
				finding(s, "tls-ticket-lifetime", "low",
				        "session tickets are valid for %ld hours", r->ticket_lifetime / 3600);
		}
		facts_add_bool(s->out, "tls.early_data", r->max_early_data > 0);
		if (r->max_early_data > 0)
			finding(s, "tls-early-data", "low",
			        "TLS 1.3 0-RTT data accepted (up to %u bytes), which can be replayed",
			        (unsigned)r->max_early_data);
	}
	const struct fact_value *ms = facts_get(s->out, "tls.cert.must_staple");
	if (ms && ms->type == FACT_BOOL && ms->b && !stapled)
		finding(s, "tls-must-staple-unstapled", "high",
		        "the certificate requires an OCSP staple (must-staple) and the server sends "
		        "none: browsers refuse the connection");
}

static int parse_opts(struct tls_scan *s, const struct target *t, const struct probe_opts *o)
{
	const char *v;
	if ((v = target_option(t, "tls.starttls")) && tls_starttls_parse(&s->ep.starttls, v) < 0)
		return -1;
	if ((v = target_option(t, "tls.max-conns"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n < 1 || n > TLS_MAX_CONNS_LIMIT)
			return err_set("tls.max-conns '%s': expected 1-%d", v, TLS_MAX_CONNS_LIMIT);
		s->max_conns = (int)n;
	}
	double total = o->timeout_s > 0 ? o->timeout_s : TLS_DEFAULT_TIMEOUT_S;
	double conn = TLS_DEFAULT_CONN_TIMEOUT_S;
	if ((v = target_option(t, "tls.conn-timeout"))) {
		char *end;
		conn = strtod(v, &end);
		if (*end || !(conn > 0 && conn <= 600))
			return err_set("tls.conn-timeout '%s': expected seconds (0-600]", v);
	}
	if (conn > total / 3)
		conn = total / 3;
	s->ep.conn_timeout_ms = conn * 1000;
	/* No connection starts later than one connection's time before the run's
	 * deadline (less a margin to report), so the facts are out in time. */
	s->ep.deadline_ms = time_mono_ms() + (total - conn) * 1000 * 0.95;
	if ((v = target_option(t, "tls.intrusive"))) {
		if (strcmp(v, "yes") == 0)
			s->intrusive = true;
		else if (strcmp(v, "no") == 0)
			s->intrusive = false;
		else
			return err_set("tls.intrusive '%s': expected yes or no", v);
	}
	s->ca_file = target_option(t, "tls.ca-file");
	s->sni = target_option(t, "tls.sni");
	return 0;
}

static bool host_is_ip(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':');
}

static int tls_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	if (t->ninputs != 1) {
		facts_error(out, "target '%s': expected one 'tls = host:port' line, got %zu",
		            t->name, t->ninputs);
		return -1;
	}
	struct tls_scan *s = xcalloc(1, sizeof(*s));
	tls_scan_init(s);
	s->out = out;
	int rc = 0;
	if (tls_endpoint_parse(&s->ep, t->inputs[0].value) < 0 || parse_opts(s, t, o) < 0) {
		facts_error(out, "%s", err_msg());
		rc = -1;
		goto out;
	}
	if (!s->sni && !host_is_ip(s->ep.host))
		s->sni = s->ep.host;
	s->name = s->sni ? s->sni : s->ep.host;

	struct tls_flight f;
	tls_flight_init(&f);
	enum tls_io io = tls_scan_first(s, &f);
	if (io == TLS_IO_REFUSED || io == TLS_IO_TIMEOUT) {
		facts_add_bool(out, "tls.reachable", false);
		facts_add_bool(out, "tls.is_tls", false);
		facts_error(out, "%s", err_msg());
		tls_flight_free(&f);
		rc = -1;
		goto out;
	}
	facts_add_bool(out, "tls.reachable", true);
	if (io == TLS_IO_STARTTLS || io == TLS_IO_SILENT) {
		facts_add_bool(out, "tls.is_tls", false);
		facts_error(out, "%s", err_msg());
		tls_flight_free(&f);
		rc = -1;
		goto out;
	}
	if (io == TLS_IO_OK && f.kind == TLS_RESP_NOT_TLS) {
		/* A fact, not an error: the port answers, in another protocol. */
		facts_add_bool(out, "tls.is_tls", false);
		finding(s, "tls-not-tls", "info", "the service does not speak TLS (%s)", err_msg());
		tls_flight_free(&f);
		goto out;
	}
	tls_flight_free(&f);

	tls_scan_protocols(s);
	bool any = false;
	for (int pi = 0; pi < P_COUNT; pi++)
		any = any || s->p[pi].supported;
	facts_add_bool(out, "tls.is_tls", any);
	if (!any) {
		emit_protocols(s); /* which ones were refused is still worth knowing */
		facts_error(out, "%s: no protocol could be negotiated", s->ep.shown);
		rc = -1;
		goto out;
	}
	tls_scan_checks(s);

	emit_protocols(s);
	struct suite_summary m = summarize(s);
	emit_ciphers(s, &m);
	emit_checks(s, &m);
	emit_ossl(s);
	const char *why;
	const char *g = grade(s, &m, &why);
	facts_add_string(out, "tls.grade.ignoring_trust", g);
	const char *final = g;
	if (fact_bool(out, "tls.cert.trusted", 1) == 0 ||
	    fact_bool(out, "tls.cert.expired", 0) == 1 ||
	    fact_bool(out, "tls.cert.not_yet_valid", 0) == 1)
		final = "T", why = "certificate not trusted or not valid now";
	else if (fact_bool(out, "tls.cert.hostname_match", 1) == 0)
		final = "M", why = "certificate name mismatch";
	facts_add_string(out, "tls.grade", final);
	facts_add_string(out, "tls.grade.reason", why);
	facts_add_int(out, "tls.connections", s->connections);
	if (out->nerrors > 0)
		rc = -1;
out:
	tls_scan_free(s);
	free(s);
	return rc;
}

const struct probe probe_tls = {
    .name = "tls",
    .summary = "TLS endpoint: protocols, suites, groups, certificate, known attacks, grade",
    .keys = tls_keys,
    .options = tls_options,
    .run = tls_run,
    .cost = 5, /* a full scan takes about a second; exec checks are cost 1 */
};
