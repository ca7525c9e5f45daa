/*
 * Tests of the TLS probe (probes/tls/) against real servers on loopback:
 * each test starts its fixture with fixtures/tls/serve.sh (openssl
 * s_server, gnutls-serv, or the scripted servers of fake.py: TLCP, SMTP
 * STARTTLS, silent, garbage, ...) on a free port, runs probe_tls on it and
 * asserts the facts and findings of probes/tls/README.md. The test PKI is
 * built once per month and user by fixtures/tls/mkcerts.sh and shared by
 * suites running in parallel.
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <signal.h>
#include <time.h>

extern const struct probe probe_tls;

static char pki[128];

static void pki_init(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(pki, sizeof(pki), "/tmp/assay-tls-pki-v2-%u-%04d%02d", (unsigned)getuid(),
	         tm.tm_year + 1900, tm.tm_mon + 1);
	struct tu_run r = tu_sh("sh fixtures/tls/mkcerts.sh %s", pki);
	cr_assert_eq(r.code, 0, "mkcerts.sh failed: %s", r.err);
	tu_run_free(&r);
}

struct srv {
	int port;
	int pid;
};

static struct srv start(const char *kind)
{
	pki_init();
	struct tu_run r = tu_sh("sh fixtures/tls/serve.sh %s %s 120", kind, pki);
	cr_assert_eq(r.code, 0, "serve.sh %s failed: %s", kind, r.err);
	struct srv s = {0, 0};
	cr_assert_eq(sscanf(r.out, "%d %d", &s.port, &s.pid), 2, "serve.sh said '%s'", r.out);
	tu_run_free(&r);
	return s;
}

static void stop(struct srv s)
{
	if (s.pid > 0)
		kill(s.pid, SIGTERM);
}

/* Run the probe on host:port with options "name=value" (NULL-terminated). */
static int scan_host(struct facts *f, const char *hostport, const char *const *opts)
{
	struct target_option o[8];
	size_t n = 0;
	char *owned[8];
	for (; opts && opts[n]; n++) {
		const char *eq = strchr(opts[n], '=');
		owned[n] = xstrndup(opts[n], (size_t)(eq - opts[n]));
		o[n] = (struct target_option){owned[n], eq + 1};
	}
	struct target_input in = {"tls", hostport};
	struct target t = {"test", &in, 1, o, n};
	struct probe_opts po = {.timeout_s = 60};
	facts_init(f);
	int rc = probe_tls.run(&t, &po, f);
	for (size_t i = 0; i < n; i++)
		free(owned[i]);
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error: %s", f->errors[i]);
	return rc;
}

/* Scan 127.0.0.1:port trusting the test root. */
static int scan(struct facts *f, int port, const char *extra)
{
	char *host = xasprintf("127.0.0.1:%d", port);
	char *ca = xasprintf("tls.ca-file=%s/root.pem", pki);
	const char *opts[4] = {ca, "tls.conn-timeout=3", extra, NULL};
	int rc = scan_host(f, host, opts);
	free(host);
	free(ca);
	return rc;
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

static const char *str_of(const struct facts *f, const char *key)
{
	return get(f, key, FACT_STRING)->s;
}

static bool list_has(const struct facts *f, const char *key, const char *item)
{
	const struct fact_value *v = get(f, key, FACT_LIST);
	for (size_t i = 0; i < v->nitems; i++)
		if (strcmp(v->items[i], item) == 0)
			return true;
	return false;
}

static size_t findings_of(const struct facts *f, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nfindings; i++)
		if (strcmp(f->findings[i].kind, kind) == 0) {
			cr_assert(f->findings[i].loc.endpoint, "finding %s has no endpoint", kind);
			n++;
		}
	return n;
}

static bool error_has(const struct facts *f, const char *needle)
{
	for (size_t i = 0; i < f->nerrors; i++)
		if (strstr(f->errors[i], needle))
			return true;
	return false;
}

Test(tls, modern_server_full_fact_set, .timeout = 60)
{
	struct srv s = start("good");
	struct facts f;
	int rc = scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(rc, 0);
	is_bool(&f, "tls.reachable", true);
	is_bool(&f, "tls.is_tls", true);
	is_bool(&f, "tls.proto.sslv2", false);
	is_bool(&f, "tls.proto.sslv3", false);
	is_bool(&f, "tls.proto.tls1_0", false);
	is_bool(&f, "tls.proto.tls1_1", false);
	is_bool(&f, "tls.proto.tls1_2", true);
	is_bool(&f, "tls.proto.tls1_3", true);
	is_bool(&f, "tls.proto.tlcp", false);
	cr_assert(list_has(&f, "tls.ciphers.tls1_3", "TLS_AES_256_GCM_SHA384"));
	cr_assert(list_has(&f, "tls.ciphers.tls1_2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
	cr_assert_eq(get(&f, "tls.cipher.weak", FACT_LIST)->nitems, 0);
	is_bool(&f, "tls.fs.any", true);
	cr_assert(list_has(&f, "tls.groups", "x25519"));
	cr_assert(list_has(&f, "tls.groups", "secp256r1"));
	cr_assert_geq(int_of(&f, "tls.dh.min_bits"), 2048);
	is_bool(&f, "tls.cert.expired", false);
	is_bool(&f, "tls.cert.not_yet_valid", false);
	cr_assert_gt(int_of(&f, "tls.cert.days_left"), 300);
	is_bool(&f, "tls.cert.self_signed", false);
	is_bool(&f, "tls.cert.trusted", true);
	is_bool(&f, "tls.cert.chain_complete", true);
	is_bool(&f, "tls.cert.hostname_match", true);
	cr_assert_str_eq(str_of(&f, "tls.cert.key_type"), "RSA");
	cr_assert_eq(int_of(&f, "tls.cert.key_bits"), 2048);
	cr_assert_str_eq(str_of(&f, "tls.cert.sig_alg"), "sha256WithRSAEncryption");
	is_bool(&f, "tls.cert.sig_weak", false);
	is_bool(&f, "tls.ocsp.stapled", true);
	cr_assert(list_has(&f, "tls.alpn", "h2"));
	is_bool(&f, "tls.resumption", true);
	is_bool(&f, "tls.reneg.secure", true);
	is_bool(&f, "tls.reneg.client_initiated", false);
	is_bool(&f, "tls.cipher.server_order", false);
	is_bool(&f, "tls.compression", false);
	is_bool(&f, "tls.fallback_scsv", true);
	is_bool(&f, "tls.vuln.heartbleed", false);
	is_bool(&f, "tls.vuln.ccs_injection", false);
	is_bool(&f, "tls.vuln.sweet32", false);
	is_bool(&f, "tls.vuln.poodle", false);
	is_bool(&f, "tls.vuln.freak", false);
	is_bool(&f, "tls.vuln.logjam", false);
	is_bool(&f, "tls.vuln.drown", false);
	is_bool(&f, "tls.vuln.rc4", false);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "A");
	cr_assert_eq(findings_of(&f, "tls-cert-untrusted"), 0);
	facts_free(&f);
}

Test(tls, legacy_protocols_weak_suites_and_server_order, .timeout = 60)
{
	struct srv s = start("legacy");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.proto.tls1_0", true);
	is_bool(&f, "tls.proto.tls1_1", true);
	is_bool(&f, "tls.proto.tls1_2", true);
	is_bool(&f, "tls.proto.tls1_3", false);
	cr_assert(list_has(&f, "tls.cipher.weak", "NULL"));
	cr_assert(list_has(&f, "tls.cipher.weak", "anon"));
	is_bool(&f, "tls.cipher.server_order", true);
	/* Server order: the list comes out as the server ranks it (-cipher order). */
	const struct fact_value *l = get(&f, "tls.ciphers.tls1_2", FACT_LIST);
	cr_assert_geq(l->nitems, 3);
	cr_assert_str_eq(l->items[0], "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
	cr_assert_str_eq(l->items[1], "TLS_RSA_WITH_AES_128_CBC_SHA");
	is_bool(&f, "tls.cipher.cbc", true);
	is_bool(&f, "tls.fs.all", false);
	is_bool(&f, "tls.vuln.beast", true);
	/* The anonymous DH suite's ServerKeyExchange: s_server's @SECLEVEL=0 prime. */
	cr_assert_eq(int_of(&f, "tls.dh.min_bits"), 1024);
	cr_assert_eq(findings_of(&f, "tls-weak-dh"), 1);
	is_bool(&f, "tls.vuln.logjam", false);
	cr_assert_eq(findings_of(&f, "tls-protocol"), 2, "TLS 1.0 and TLS 1.1");
	cr_assert_gt(findings_of(&f, "tls-weak-cipher"), 0);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "F");
	facts_free(&f);
}

Test(tls, tls13_only_server, .timeout = 60)
{
	struct srv s = start("tls13");
	struct facts f;
	cr_assert_eq(scan(&f, s.port, NULL), 0);
	stop(s);
	is_bool(&f, "tls.proto.tls1_2", false);
	is_bool(&f, "tls.proto.tls1_3", true);
	cr_assert_eq(get(&f, "tls.ciphers.tls1_2", FACT_LIST)->nitems, 0);
	is_bool(&f, "tls.fs.all", true);
	cr_assert(list_has(&f, "tls.groups", "x25519"));
	cr_assert(list_has(&f, "tls.groups", "ffdhe2048"), "1.3 groups found via HRR");
	is_bool(&f, "tls.reneg.secure", true);
	is_bool(&f, "tls.cert.trusted", true);
	facts_free(&f);
}

Test(tls, static_rsa_only_has_no_forward_secrecy, .timeout = 60)
{
	struct srv s = start("nofs");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.fs.any", false);
	is_bool(&f, "tls.fs.all", false);
	cr_assert_eq(int_of(&f, "tls.dh.min_bits"), 0);
	cr_assert_gt(findings_of(&f, "tls-no-forward-secrecy"), 0);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "B");
	/* RSA key transport is offered, so the ROBOT oracle test ran: OpenSSL has none. */
	is_bool(&f, "tls.vuln.robot", false);
	facts_free(&f);
}

Test(tls, triple_des_is_sweet32, .timeout = 60)
{
	struct srv s = start("3des");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.proto.tls1_0", true);
	cr_assert(list_has(&f, "tls.cipher.weak", "3DES"));
	is_bool(&f, "tls.vuln.sweet32", true);
	cr_assert_eq(findings_of(&f, "tls-vuln-sweet32"), 1);
	cr_assert(list_has(&f, "tls.ciphers.tls1_2", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
	/* GnuTLS accepts a client's renegotiation (s_server -www refuses it). */
	is_bool(&f, "tls.reneg.client_initiated", true);
	cr_assert_eq(findings_of(&f, "tls-client-renegotiation"), 1);
	is_bool(&f, "tls.cipher.server_order", true);
	facts_free(&f);
}

/*
 * The checks a modern server never trips, each tripped: a 2013-era server
 * (fake.py oldssl) echoes 16000 bytes for an empty heartbeat, stays silent
 * after an early ChangeCipherSpec, takes DEFLATE and ignores the fallback
 * SCSV. The same probe against s_server (modern_server_full_fact_set) says
 * false to all four.
 */
Test(tls, old_holes_heartbleed_ccs_crime_and_no_fallback_scsv, .timeout = 90)
{
	struct srv s = start("oldssl");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.proto.tls1_0", true);
	is_bool(&f, "tls.proto.tls1_2", true);
	is_bool(&f, "tls.vuln.heartbleed", true);
	cr_assert_eq(findings_of(&f, "tls-vuln-heartbleed"), 1);
	is_bool(&f, "tls.vuln.ccs_injection", true);
	cr_assert_eq(findings_of(&f, "tls-vuln-ccs_injection"), 1);
	is_bool(&f, "tls.compression", true);
	cr_assert_eq(findings_of(&f, "tls-compression"), 1);
	is_bool(&f, "tls.fallback_scsv", false);
	cr_assert_eq(findings_of(&f, "tls-no-fallback-scsv"), 1);
	/* Heartbleed alone caps the grade at F */
	cr_assert_str_eq(str_of(&f, "tls.grade.ignoring_trust"), "F");
	facts_free(&f);
}

/* Session tickets and their lifetime; TLS 1.3 0-RTT (replayable) on and off. */
Test(tls, session_tickets_and_early_data, .timeout = 90)
{
	struct srv s = start("early");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.proto.tls1_3", true);
	is_bool(&f, "tls.session.ticket", true);
	/* s_server's sessions live 7200 s, and its tickets say so */
	cr_assert_eq(int_of(&f, "tls.session.ticket_lifetime_s"), 7200);
	is_bool(&f, "tls.early_data", true);
	cr_assert_eq(findings_of(&f, "tls-early-data"), 1);
	cr_assert_eq(findings_of(&f, "tls-ticket-lifetime"), 0, "2 hours is within a day");
	facts_free(&f);

	s = start("good");
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.early_data", false);
	cr_assert_eq(findings_of(&f, "tls-early-data"), 0);
	facts_free(&f);
}

/* Must-staple (RFC 7633) without a staple, and embedded SCTs counted. */
Test(tls, must_staple_without_a_staple_and_embedded_scts, .timeout = 90)
{
	struct srv s = start("staple");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.must_staple", true);
	cr_assert_eq(int_of(&f, "tls.cert.scts"), 2);
	is_bool(&f, "tls.ocsp.stapled", false);
	cr_assert_eq(findings_of(&f, "tls-must-staple-unstapled"), 1);
	facts_free(&f);

	/* the good leaf: no SCTs, no must-staple, and it staples anyway */
	s = start("good");
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.must_staple", false);
	cr_assert_eq(int_of(&f, "tls.cert.scts"), 0);
	cr_assert_eq(findings_of(&f, "tls-must-staple-unstapled"), 0);
	facts_free(&f);
}

Test(tls, expired_certificate, .timeout = 60)
{
	struct srv s = start("expired");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.expired", true);
	cr_assert_lt(int_of(&f, "tls.cert.days_left"), 0);
	is_bool(&f, "tls.cert.trusted", true); /* dates are judged separately */
	cr_assert_eq(findings_of(&f, "tls-cert-expired"), 1);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "T");
	facts_free(&f);
}

Test(tls, not_yet_valid_certificate, .timeout = 60)
{
	struct srv s = start("future");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.not_yet_valid", true);
	is_bool(&f, "tls.cert.expired", false);
	cr_assert_eq(findings_of(&f, "tls-cert-not-yet-valid"), 1);
	facts_free(&f);
}

Test(tls, wrong_hostname, .timeout = 60)
{
	struct srv s = start("wronghost");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.hostname_match", false);
	is_bool(&f, "tls.cert.trusted", true);
	cr_assert_eq(findings_of(&f, "tls-cert-hostname-mismatch"), 1);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "M");
	facts_free(&f);
}

Test(tls, sni_option_names_the_host_to_match, .timeout = 60)
{
	struct srv s = start("wronghost");
	struct facts f;
	scan(&f, s.port, "tls.sni=wrong.example");
	stop(s);
	is_bool(&f, "tls.cert.hostname_match", true);
	facts_free(&f);
}

Test(tls, sha1_signature_is_weak, .timeout = 60)
{
	struct srv s = start("sha1");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	cr_assert_str_eq(str_of(&f, "tls.cert.sig_alg"), "sha1WithRSAEncryption");
	is_bool(&f, "tls.cert.sig_weak", true);
	cr_assert_eq(findings_of(&f, "tls-cert-weak-signature"), 1);
	facts_free(&f);
}

Test(tls, rsa_1024_key, .timeout = 60)
{
	struct srv s = start("rsa1024");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	cr_assert_str_eq(str_of(&f, "tls.cert.key_type"), "RSA");
	cr_assert_eq(int_of(&f, "tls.cert.key_bits"), 1024);
	cr_assert_eq(findings_of(&f, "tls-cert-weak-key"), 1);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "B");
	facts_free(&f);
}

Test(tls, ec_p256_key, .timeout = 60)
{
	struct srv s = start("ec");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	cr_assert_str_eq(str_of(&f, "tls.cert.key_type"), "EC");
	cr_assert_eq(int_of(&f, "tls.cert.key_bits"), 256);
	cr_assert_eq(findings_of(&f, "tls-cert-weak-key"), 0);
	facts_free(&f);
}

Test(tls, self_signed_certificate, .timeout = 60)
{
	struct srv s = start("self");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.cert.self_signed", true);
	is_bool(&f, "tls.cert.trusted", false);
	is_bool(&f, "tls.cert.chain_complete", true);
	cr_assert_eq(findings_of(&f, "tls-cert-self-signed"), 1);
	cr_assert_str_eq(str_of(&f, "tls.grade"), "T");
	facts_free(&f);
}

Test(tls, missing_intermediate, .timeout = 60)
{
	struct srv s = start("nochain");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(int_of(&f, "tls.cert.chain_len"), 1);
	is_bool(&f, "tls.cert.chain_complete", false);
	is_bool(&f, "tls.cert.trusted", false);
	cr_assert_eq(findings_of(&f, "tls-cert-chain-incomplete"), 1);
	facts_free(&f);
}

Test(tls, tlcp_responder_is_detected, .timeout = 60)
{
	struct srv s = start("tlcp");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.is_tls", true);
	is_bool(&f, "tls.proto.tlcp", true);
	is_bool(&f, "tls.proto.tls1_2", false);
	const struct fact_value *l = get(&f, "tls.ciphers.tlcp", FACT_LIST);
	cr_assert_eq(l->nitems, 4);
	cr_assert_str_eq(l->items[0], "TLCP_ECC_SM4_GCM_SM3");
	cr_assert_str_eq(str_of(&f, "tls.cert.sig_alg"), "SM2-with-SM3");
	cr_assert_str_eq(str_of(&f, "tls.cert.key_type"), "SM2");
	cr_assert_eq(int_of(&f, "tls.cert.chain_len"), 2);
	facts_free(&f);
}

Test(tls, sslv2_only_server_is_drown, .timeout = 60)
{
	struct srv s = start("sslv2");
	struct facts f;
	scan(&f, s.port, NULL);
	stop(s);
	is_bool(&f, "tls.proto.sslv2", true);
	is_bool(&f, "tls.proto.tls1_2", false);
	const struct fact_value *l = get(&f, "tls.ciphers.sslv2", FACT_LIST);
	cr_assert_eq(l->nitems, 3, "every spec of the SERVER-HELLO");
	cr_assert_str_eq(l->items[0], "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
	is_bool(&f, "tls.vuln.drown", true);
	is_bool(&f, "tls.vuln.rc4", true);
	is_bool(&f, "tls.vuln.sweet32", true);
	cr_assert(list_has(&f, "tls.cipher.weak", "DES"));
	cr_assert_eq(int_of(&f, "tls.cert.chain_len"), 1, "certificate from the raw engine");
	cr_assert_str_eq(str_of(&f, "tls.grade.ignoring_trust"), "F");
	cr_assert_null(facts_get(&f, "tls.reneg.secure"), "no TLS, no renegotiation verdict");
	cr_assert_eq(findings_of(&f, "tls-vuln-drown"), 1);
	facts_free(&f);
}

Test(tls, starttls_smtp, .timeout = 60)
{
	struct srv s = start("smtp");
	struct facts f;
	int rc = scan(&f, s.port, "tls.starttls=smtp");
	stop(s);
	cr_assert_eq(rc, 0);
	is_bool(&f, "tls.proto.tls1_2", true);
	is_bool(&f, "tls.cert.trusted", true);
	is_bool(&f, "tls.cert.chain_complete", true);
	facts_free(&f);
}

Test(tls, starttls_imap_pop3_ftp_postgres, .timeout = 90)
{
	static const char *const protos[] = {"imap", "pop3", "ftp", "postgres"};
	for (size_t i = 0; i < 4; i++) {
		struct srv s = start(protos[i]);
		char *opt = xasprintf("tls.starttls=%s", protos[i]);
		struct facts f;
		int rc = scan(&f, s.port, opt);
		stop(s);
		cr_assert_eq(rc, 0, "%s", protos[i]);
		is_bool(&f, "tls.proto.tls1_3", true);
		is_bool(&f, "tls.cert.trusted", true);
		facts_free(&f);
		free(opt);
	}
}

Test(tls, starttls_against_a_tls_port_is_an_error, .timeout = 60)
{
	struct srv s = start("good");
	struct facts f;
	int rc = scan(&f, s.port, "tls.starttls=smtp");
	stop(s);
	cr_assert_eq(rc, -1);
	cr_assert(error_has(&f, "STARTTLS"));
	is_bool(&f, "tls.is_tls", false);
	facts_free(&f);
}

Test(tls, ipv6_literal, .timeout = 60)
{
	struct srv s = start("good6");
	char *hp = xasprintf("[::1]:%d", s.port);
	char *ca = xasprintf("tls.ca-file=%s/root.pem", pki);
	const char *opts[] = {ca, NULL};
	struct facts f;
	int rc = scan_host(&f, hp, opts);
	stop(s);
	cr_assert_eq(rc, 0);
	is_bool(&f, "tls.proto.tls1_3", true);
	is_bool(&f, "tls.cert.hostname_match", true);
	cr_assert(f.nfindings == 0 || f.findings[0].loc.endpoint[0] == '[');
	free(hp);
	free(ca);
	facts_free(&f);
}

Test(tls, non_tls_service, .timeout = 60)
{
	struct srv s = start("plain");
	struct facts f;
	int rc = scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(rc, 0, "not speaking TLS is a fact, not an error");
	is_bool(&f, "tls.reachable", true);
	is_bool(&f, "tls.is_tls", false);
	cr_assert_eq(findings_of(&f, "tls-not-tls"), 1);
	facts_free(&f);
}

Test(tls, silent_port_gives_an_error_within_the_timeout, .timeout = 60)
{
	struct srv s = start("silent");
	struct facts f;
	int rc = scan(&f, s.port, "tls.conn-timeout=1");
	stop(s);
	cr_assert_eq(rc, -1);
	is_bool(&f, "tls.reachable", true);
	is_bool(&f, "tls.is_tls", false);
	cr_assert(error_has(&f, "no answer within"));
	facts_free(&f);
}

Test(tls, refused_port, .timeout = 60)
{
	/* Port 1 (tcpmux) has no listener on a test machine; a "free" port could be
	 * taken by a parallel test between the choice and the scan. */
	struct facts f;
	pki_init();
	int rc = scan(&f, 1, NULL);
	cr_assert_eq(rc, -1);
	is_bool(&f, "tls.reachable", false);
	cr_assert(error_has(&f, "cannot connect"));
	cr_assert(error_has(&f, "127.0.0.1:1"), "the error names the endpoint");
	facts_free(&f);
}

Test(tls, garbage_server_is_malformed_not_a_crash, .timeout = 60)
{
	struct srv s = start("garbage");
	struct facts f;
	int rc = scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(rc, -1);
	cr_assert(error_has(&f, "malformed ServerHello"));
	facts_free(&f);
}

Test(tls, truncated_record_and_mid_handshake_close, .timeout = 60)
{
	struct srv s = start("truncated");
	struct facts f;
	int rc = scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(rc, -1);
	is_bool(&f, "tls.is_tls", false);
	cr_assert(error_has(&f, "no protocol could be negotiated"));
	facts_free(&f);
	s = start("close");
	rc = scan(&f, s.port, NULL);
	stop(s);
	cr_assert_eq(rc, -1);
	is_bool(&f, "tls.reachable", true);
	is_bool(&f, "tls.is_tls", false);
	facts_free(&f);
}

Test(tls, chain_of_fifty_certificates, .timeout = 60)
{
	struct srv s = start("longchain");
	struct facts f;
	scan(&f, s.port, "tls.intrusive=no");
	stop(s);
	cr_assert_eq(int_of(&f, "tls.cert.chain_len"), 51);
	is_bool(&f, "tls.cert.chain_complete", false);
	/* This responder takes any version, SSLv3 included, and picks a CBC suite. */
	is_bool(&f, "tls.proto.sslv3", true);
	is_bool(&f, "tls.vuln.poodle", true);
	cr_assert_null(facts_get(&f, "tls.vuln.heartbleed"), "intrusive tests skipped");
	cr_assert_null(facts_get(&f, "tls.vuln.ccs_injection"));
	facts_free(&f);
}

/* The most connections the slowalert fixture on port held at once. */
static int most_at_once(int port)
{
	char *path = xasprintf("/tmp/assay-tls-count-%d", port);
	char *text = tu_read(path);
	unlink(path);
	free(path);
	int n = text ? atoi(text) : -1;
	free(text);
	return n;
}

Test(tls, max_conns_bounds_connections_to_the_target, .timeout = 90)
{
	static const char *const caps[] = {"tls.max-conns=1", "tls.max-conns=3"};
	static const int cap[] = {1, 3};
	for (size_t i = 0; i < 2; i++) {
		struct srv s = start("slowalert");
		struct facts f;
		scan(&f, s.port, caps[i]);
		stop(s);
		int most = most_at_once(s.port);
		cr_assert_geq(most, 1, "the fixture saw no connection");
		cr_assert_leq(most, cap[i], "%d connections at once with %s", most, caps[i]);
		/* Every hello refused: TLS is spoken, but nothing is negotiated. */
		is_bool(&f, "tls.proto.tls1_2", false);
		cr_assert(error_has(&f, "no protocol could be negotiated"));
		facts_free(&f);
	}
}

Test(tls, plan_run_writes_tls_facts, .timeout = 60)
{
	struct srv s = start("good");
	char *dir = tu_tmpdir();
	char *plan_text =
	    xasprintf("[assessment]\nname = tls plan\nrules = example\ntimeout = 60s\n\n"
	              "[target gw]\ntls = 127.0.0.1:%d\ntls.sni = localhost\n"
	              "tls.ca-file = %s/root.pem\ntls.max-conns = 4\n",
	              s.port, pki);
	char *plan = tu_write(dir, "plan.ini", plan_text);
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json", tu_bin(), plan, dir);
	stop(s);
	char *rp = xasprintf("%s/out/results.json", dir);
	char *res = tu_read(rp);
	cr_assert(res, "no results.json: %s", r.err);
	cr_assert(strstr(res, "\"tls.proto.tls1_3\": true"), "%s", res);
	cr_assert(strstr(res, "\"tls.cert.hostname_match\": true"));
	free(res);
	free(rp);
	tu_run_free(&r);
	free(plan);
	free(plan_text);
	free(dir);
}

Test(tls, bad_options_and_targets)
{
	struct facts f;
	const char *o1[] = {"tls.max-conns=0", NULL};
	cr_assert_eq(scan_host(&f, "127.0.0.1:1", o1), -1);
	cr_assert(error_has(&f, "tls.max-conns '0'"));
	facts_free(&f);
	const char *o2[] = {"tls.starttls=gopher", NULL};
	cr_assert_eq(scan_host(&f, "127.0.0.1:1", o2), -1);
	cr_assert(error_has(&f, "tls.starttls 'gopher'"));
	facts_free(&f);
	cr_assert_eq(scan_host(&f, "no-port-here", NULL), -1);
	cr_assert(error_has(&f, "expected HOST:PORT"));
	facts_free(&f);
	cr_assert_eq(scan_host(&f, "::1:443", NULL), -1, "IPv6 needs brackets");
	facts_free(&f);
	cr_assert_eq(scan_host(&f, "127.0.0.1:99999", NULL), -1);
	cr_assert(error_has(&f, "bad port"));
	facts_free(&f);
}

Test(tls, command_line_json, .timeout = 60)
{
	struct srv s = start("good");
	struct tu_run r =
	    tu_sh("%s probe tls 127.0.0.1:%d --ca-file %s/root.pem --max-conns 2 --json", tu_bin(),
	          s.port, pki);
	stop(s);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"tls.proto.tls1_3\": true"), "%s", r.out);
	cr_assert(strstr(r.out, "\"tls.grade\": \"A\""), "%s", r.out);
	tu_run_free(&r);
}

/*
 * J92-51 (jrt0092) judges national algorithms only when the plan turns the
 * gm profile on: a TLCP responder passes, a TLS 1.3 server without the
 * RFC 8998 suites fails; without `profiles = gm` the rule is not in the run.
 */
static json_t *run_gm_plan(int tlcp_port, int good_port, bool gm, const char *dir)
{
	char *plan_text = xasprintf(
	    "[assessment]\nname = gm plan\nrules = jrt0092\n%stimeout = 60s\n\n"
	    "[target gm-gw]\ntls = 127.0.0.1:%d\n\n[target intl-gw]\ntls = 127.0.0.1:%d\n"
	    "tls.sni = localhost\ntls.ca-file = %s/root.pem\ntls.max-conns = 4\n",
	    gm ? "profiles = gm\n" : "", tlcp_port, good_port, pki);
	char *plan = tu_write(dir, gm ? "gm.ini" : "plain.ini", plan_text);
	struct tu_run r = tu_sh("%s run %s -o %s/%s --format json -q", tu_bin(), plan, dir,
	                        gm ? "gm" : "plain");
	char *rp = xasprintf("%s/%s/results.json", dir, gm ? "gm" : "plain");
	json_error_t e;
	json_t *root = json_load_file(rp, 0, &e);
	cr_assert(root, "%s: %s (%s)", rp, e.text, r.err);
	tu_run_free(&r);
	free(rp);
	free(plan);
	free(plan_text);
	return root;
}

Test(tls, gm_profile_judges_j92_51, .timeout = 120)
{
	struct srv tlcp = start("tlcp"), good = start("good");
	char *dir = tu_tmpdir();
	json_t *gm = run_gm_plan(tlcp.port, good.port, true, dir);
	json_t *plain = run_gm_plan(tlcp.port, good.port, false, dir);
	stop(tlcp);
	stop(good);
	cr_assert_str_eq(tu_verdict(gm, "J92-51", "gm-gw"), "pass");
	cr_assert_str_eq(tu_verdict(gm, "J92-51", "intl-gw"), "fail");
	cr_assert_str_eq(tu_verdict(plain, "J92-51", "gm-gw"), "", "judged without the profile");
	cr_assert_str_eq(tu_verdict(plain, "J92-51", "intl-gw"), "");
	json_decref(gm);
	json_decref(plain);
	struct tu_run r = tu_sh("rm -rf '%s'", dir);
	tu_run_free(&r);
	free(dir);
}
