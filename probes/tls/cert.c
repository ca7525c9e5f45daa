/*
 * libssl handshake and certificate facts (see cert.h). Verification is
 * done here, not by libssl's verify callback, so the same code judges a
 * chain from libssl and one the raw engine read from an SSLv3 or TLCP
 * flight. tls.cert.trusted ignores validity dates (X509_V_FLAG_NO_CHECK_TIME)
 * so that "expired" and "untrusted" stay separate facts for the rules.
 */
#include "probes/tls/cert.h"
#include "lib/err.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <poll.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void ossl_error(char *buf, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	char eb[200] = "";
	if (e)
		ERR_error_string_n(e, eb, sizeof(eb));
	snprintf(buf, len, "%s%s%s", what, *eb ? ": " : "", eb);
	ERR_clear_error();
}

static bool is_ip_literal(const char *s)
{
	unsigned char b[16];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static void set_rcv_timeout(int fd, double ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000),
	                     .tv_usec = (suseconds_t)((long)ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static SSL *ossl_connect(SSL_CTX *ctx, const struct tls_endpoint *e, const char *sni,
                         SSL_SESSION *sess, int *fdp, char *err, size_t errlen)
{
	int fd;
	if (tls_connect(e, &fd) != TLS_IO_OK) {
		snprintf(err, errlen, "%s", err_msg());
		return NULL;
	}
	SSL *ssl = SSL_new(ctx);
	if (!ssl) {
		close(fd);
		ossl_error(err, errlen, "SSL_new");
		return NULL;
	}
	SSL_set_fd(ssl, fd);
	if (sni && *sni && !is_ip_literal(sni))
		SSL_set_tlsext_host_name(ssl, sni);
	static const unsigned char alpn[] = "\x02h2\x08http/1.1";
	SSL_set_alpn_protos(ssl, alpn, sizeof(alpn) - 1);
	SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
	if (sess)
		SSL_set_session(ssl, sess);
	if (SSL_connect(ssl) != 1) {
		ossl_error(err, errlen, "libssl handshake failed");
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return ssl;
}

static void ossl_close(SSL *ssl, int fd)
{
	if (!ssl)
		return;
	/* A session is only kept resumable after a clean close_notify. */
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
}

void tls_ossl_probe(const struct tls_endpoint *e, const char *sni, struct tls_ossl_result *r)
{
	memset(r, 0, sizeof(*r));
	r->resumed = -1;
	r->reneg_client = -1;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		ossl_error(r->error, sizeof(r->error), "SSL_CTX_new");
		return;
	}
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);

	int fd = -1;
	double t0 = time_mono_ms();
	SSL *ssl = ossl_connect(ctx, e, sni, NULL, &fd, r->error, sizeof(r->error));
	double hs_ms = time_mono_ms() - t0;
	if (!ssl) {
		SSL_CTX_free(ctx);
		return;
	}
	r->handshake = true;
	r->version = (uint16_t)SSL_version(ssl);
	STACK_OF(X509) *ch = SSL_get_peer_cert_chain(ssl);
	if (ch)
		r->chain = X509_chain_up_ref(ch);
	const unsigned char *ocsp = NULL;
	r->ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0 && ocsp;
	const unsigned char *ap = NULL;
	unsigned int al = 0;
	SSL_get0_alpn_selected(ssl, &ap, &al);
	if (ap && al < sizeof(r->alpn)) {
		memcpy(r->alpn, ap, al);
		r->alpn[al] = '\0';
	}
	r->reneg_secure = SSL_get_secure_renegotiation_support(ssl) == 1;
	if (r->version == TLS1_3_VERSION) {
		/*
		 * Session tickets come after the handshake: wait for them about as
		 * long as the handshake took (twice, at least 50 ms, at most 300 ms)
		 * and let libssl read them without blocking on application data.
		 */
		double ms = hs_ms * 2 < 50 ? 50 : hs_ms * 2 > 300 ? 300 : hs_ms * 2;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)ms) > 0) {
			char b[1];
			set_rcv_timeout(fd, 50);
			SSL_read(ssl, b, sizeof(b));
			ERR_clear_error();
		}
	}
	SSL_SESSION *sess = SSL_get1_session(ssl);
	if (sess) {
		r->ticket = SSL_SESSION_has_ticket(sess) == 1;
		r->ticket_lifetime = (long)SSL_SESSION_get_ticket_lifetime_hint(sess);
		r->max_early_data = SSL_SESSION_get_max_early_data(sess);
	}
	ossl_close(ssl, fd);

	/* Client-initiated renegotiation (RFC 5746 §5 DoS concern), on TLS <= 1.2. */
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	char eb[256];
	ssl = ossl_connect(ctx, e, sni, NULL, &fd, eb, sizeof(eb));
	if (ssl) {
		if (!r->reneg_secure && r->version == TLS1_3_VERSION)
			r->reneg_secure = SSL_get_secure_renegotiation_support(ssl) == 1;
		r->reneg_client = SSL_renegotiate(ssl) == 1 && SSL_do_handshake(ssl) == 1 &&
		                  !SSL_renegotiate_pending(ssl);
		ERR_clear_error();
		ossl_close(ssl, fd);
	}
	SSL_CTX_set_max_proto_version(ctx, 0);

	if (sess && SSL_SESSION_is_resumable(sess)) {
		SSL *s2 = ossl_connect(ctx, e, sni, sess, &fd, eb, sizeof(eb));
		r->resumed = s2 && SSL_session_reused(s2) ? 1 : 0;
		ossl_close(s2, fd);
	} else {
		r->resumed = 0;
	}
	SSL_SESSION_free(sess);
	ERR_clear_error();
	SSL_CTX_free(ctx);
}

void tls_ossl_result_free(struct tls_ossl_result *r)
{
	if (r->chain)
		sk_X509_pop_free(r->chain, X509_free);
	r->chain = NULL;
}

STACK_OF(X509) * tls_chain_from_der(const uint8_t *const *der, const size_t *len, size_t n)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = der[i];
		X509 *x = d2i_X509(NULL, &p, (long)len[i]);
		if (!x)
			break;
		sk_X509_push(sk, x);
	}
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

void tls_finding(struct facts *out, const char *endpoint, const char *kind, const char *sev,
                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct finding fd = {.kind = (char *)kind, .severity = (char *)sev, .message = msg};
	finding_loc_init(&fd.loc);
	fd.loc.endpoint = (char *)endpoint;
	facts_add_finding(out, &fd);
	free(msg);
}

static const char *key_type(EVP_PKEY *k)
{
	char group[64] = "";
	size_t glen = 0;
	if (EVP_PKEY_is_a(k, "SM2") ||
	    (EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) == 1 &&
	     strcmp(group, "SM2") == 0))
		return "SM2";
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return "RSA";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_DSA:
		return "DSA";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	case EVP_PKEY_ED448:
		return "Ed448";
	case EVP_PKEY_SM2:
		return "SM2";
	default:
		return "other";
	}
}

static bool issued_by(X509 *subject, X509 *issuer)
{
	return X509_check_issued(issuer, subject) == X509_V_OK;
}

static bool in_store(X509_STORE *st, X509 *x)
{
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	bool found = false;
	if (c && X509_STORE_CTX_init(c, st, x, NULL) == 1) {
		X509 *iss = NULL;
		if (X509_STORE_CTX_get1_issuer(&iss, c, x) == 1) {
			found = true;
			X509_free(iss);
		}
	}
	X509_STORE_CTX_free(c);
	ERR_clear_error();
	return found;
}

int tls_cert_facts(struct facts *out, const char *endpoint, STACK_OF(X509) * chain,
                   const char *name, const char *ca_file)
{
	X509 *leaf = sk_X509_value(chain, 0);
	int n = sk_X509_num(chain);
	facts_add_int(out, "tls.cert.chain_len", n);

	/* Dates (RFC 5280 §4.1.2.5). */
	const ASN1_TIME *nb = X509_get0_notBefore(leaf), *na = X509_get0_notAfter(leaf);
	bool expired = X509_cmp_current_time(na) < 0;
	bool notyet = X509_cmp_current_time(nb) > 0;
	int days = 0, secs = 0;
	ASN1_TIME_diff(&days, &secs, NULL, na);
	facts_add_bool(out, "tls.cert.expired", expired);
	facts_add_bool(out, "tls.cert.not_yet_valid", notyet);
	facts_add_int(out, "tls.cert.days_left", days);
	if (expired)
		tls_finding(out, endpoint, "tls-cert-expired", "high",
		            "certificate expired %d days ago", -days);
	if (notyet)
		tls_finding(out, endpoint, "tls-cert-not-yet-valid", "high",
		            "certificate is not valid yet");

	char buf[256];
	X509_NAME_oneline(X509_get_subject_name(leaf), buf, sizeof(buf));
	facts_add_string(out, "tls.cert.subject", buf);
	X509_NAME_oneline(X509_get_issuer_name(leaf), buf, sizeof(buf));
	facts_add_string(out, "tls.cert.issuer", buf);

	bool self_signed = (X509_get_extension_flags(leaf) & EXFLAG_SS) != 0;
	facts_add_bool(out, "tls.cert.self_signed", self_signed);
	if (self_signed)
		tls_finding(out, endpoint, "tls-cert-self-signed", "medium",
		            "the server certificate is self-signed");

	/* Key. */
	EVP_PKEY *pk = X509_get0_pubkey(leaf);
	const char *kt = pk ? key_type(pk) : "none";
	int kbits = pk ? EVP_PKEY_get_bits(pk) : 0;
	facts_add_string(out, "tls.cert.key_type", kt);
	facts_add_int(out, "tls.cert.key_bits", kbits);
	if ((strcmp(kt, "RSA") == 0 || strcmp(kt, "DSA") == 0) && kbits < 2048)
		tls_finding(out, endpoint, "tls-cert-weak-key", "high",
		            "%s key of %d bits (< 2048)", kt, kbits);
	else if (strcmp(kt, "EC") == 0 && kbits < 224)
		tls_finding(out, endpoint, "tls-cert-weak-key", "high", "EC key of %d bits (< 224)",
		            kbits);

	/* Signature algorithm; MD5/SHA-1 and older are weak (CA/B BR §7.1.3.2). */
	int signid = X509_get_signature_nid(leaf), mdnid = NID_undef, pknid = NID_undef;
	OBJ_find_sigid_algs(signid, &mdnid, &pknid);
	const char *sn = OBJ_nid2ln(signid);
	facts_add_string(out, "tls.cert.sig_alg", sn ? sn : "unknown");
	bool sig_weak = mdnid == NID_md5 || mdnid == NID_sha1 || mdnid == NID_md4 ||
	                mdnid == NID_md2 || mdnid == NID_md5_sha1;
	/* A self-signed root's own signature is never checked: only judge non-roots. */
	facts_add_bool(out, "tls.cert.sig_weak", sig_weak);
	if (sig_weak)
		tls_finding(out, endpoint, "tls-cert-weak-signature", "medium",
		            "certificate signed with %s", sn ? sn : "a weak hash");

	/*
	 * Certificate Transparency: SCTs embedded in the leaf (counted, not
	 * checked against logs), and the TLS Feature extension asking for an
	 * OCSP staple on every handshake (must-staple, RFC 7633).
	 */
	STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	facts_add_int(out, "tls.cert.scts", scts ? sk_SCT_num(scts) : 0);
	SCT_LIST_free(scts);
	bool must_staple = false;
	TLS_FEATURE *tf = X509_get_ext_d2i(leaf, NID_tlsfeature, NULL, NULL);
	for (int i = 0; tf && i < sk_ASN1_INTEGER_num(tf); i++)
		must_staple |= ASN1_INTEGER_get(sk_ASN1_INTEGER_value(tf, i)) == 5;
	TLS_FEATURE_free(tf);
	facts_add_bool(out, "tls.cert.must_staple", must_staple);
	ERR_clear_error();

	/* Hostname (RFC 6125); IP literals against IP SANs. */
	bool hm = false;
	if (name && *name)
		hm = is_ip_literal(name) ? X509_check_ip_asc(leaf, name, 0) == 1
		                         : X509_check_host(leaf, name, 0, 0, NULL) == 1;
	facts_add_bool(out, "tls.cert.hostname_match", hm);
	if (!hm)
		tls_finding(out, endpoint, "tls-cert-hostname-mismatch", "high",
		            "certificate does not match the name '%s'", name ? name : "");

	/* Trust: the system store, or the CA file instead. */
	X509_STORE *st = X509_STORE_new();
	int rc = 0;
	if (ca_file && *ca_file) {
		if (X509_STORE_load_file(st, ca_file) != 1) {
			facts_error(out, "%s: tls.ca-file '%s': cannot load any certificate",
			            endpoint, ca_file);
			ERR_clear_error();
			X509_STORE_free(st);
			return -1;
		}
	} else {
		X509_STORE_set_default_paths(st);
	}
	X509_STORE_set_flags(st, X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX *vc = X509_STORE_CTX_new();
	bool trusted = false;
	const char *verr = "cannot verify";
	if (vc && X509_STORE_CTX_init(vc, st, leaf, chain) == 1) {
		trusted = X509_verify_cert(vc) == 1;
		verr = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vc));
	}
	facts_add_bool(out, "tls.cert.trusted", trusted);
	facts_add_string(out, "tls.cert.verify_error", trusted ? "" : verr);
	if (!trusted)
		tls_finding(out, endpoint, "tls-cert-untrusted", "high",
		            "certificate chain does not verify: %s", verr);

	/* Complete: each sent certificate's issuer is the next one sent, and the
	 * last is self-signed or issued by a certificate in the store. */
	bool complete = true;
	for (int i = 0; i + 1 < n && complete; i++)
		complete = issued_by(sk_X509_value(chain, i), sk_X509_value(chain, i + 1));
	if (complete) {
		X509 *top = sk_X509_value(chain, n - 1);
		complete = (X509_get_extension_flags(top) & EXFLAG_SS) || in_store(st, top);
	}
	facts_add_bool(out, "tls.cert.chain_complete", complete);
	if (!complete)
		tls_finding(out, endpoint, "tls-cert-chain-incomplete", "medium",
		            "the server's chain lacks an intermediate or is out of order");
	X509_STORE_CTX_free(vc);
	X509_STORE_free(st);
	ERR_clear_error();
	return rc;
}
