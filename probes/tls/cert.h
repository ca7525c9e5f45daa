/*
 * The OpenSSL 3 half of the TLS probe: one full handshake with libssl (for
 * what only a complete, decrypted handshake shows: the TLS 1.3
 * certificate, stapled OCSP, ALPN, resumption, client-initiated
 * renegotiation) and the certificate facts (chain verification against the
 * system store or a CA file, hostname match, key, signature algorithm,
 * dates), computed from whichever chain was seen: libssl's, or the raw
 * engine's when libssl cannot speak the server's protocol (SSLv2, SSLv3,
 * TLCP).
 */
#ifndef ASSAY_PROBES_TLS_CERT_H
#define ASSAY_PROBES_TLS_CERT_H

#include "harness/facts.h"
#include "probes/tls/net.h"

#include <openssl/x509.h>

struct tls_ossl_result {
	bool handshake;  /* libssl completed a handshake */
	char error[256]; /* why not, when it did not */
	uint16_t version;
	STACK_OF(X509) * chain; /* as sent, leaf first; owned (free with tls_ossl_result_free) */
	bool ocsp_stapled;
	char alpn[64];     /* selected protocol, "" when none */
	int resumed;       /* 1, 0, or -1 not tested */
	int reneg_client;  /* 1 accepted, 0 refused, -1 not tested (TLS 1.3 has none) */
	bool reneg_secure; /* RFC 5746 support as libssl saw it */
	bool ticket;       /* the first handshake's session came with a ticket */
	long ticket_lifetime;    /* its lifetime hint, seconds (0: unspecified) */
	uint32_t max_early_data; /* TLS 1.3 0-RTT data the ticket allows, bytes */
};

/* Add a finding located at endpoint (printf-style message). */
void tls_finding(struct facts *out, const char *endpoint, const char *kind, const char *sev,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One libssl handshake (plus a resumption attempt and a renegotiation). */
void tls_ossl_probe(const struct tls_endpoint *e, const char *sni, struct tls_ossl_result *r);
void tls_ossl_result_free(struct tls_ossl_result *r);

/* A chain from DER blobs (the raw engine's Certificate message); NULL if none parse. */
STACK_OF(X509) * tls_chain_from_der(const uint8_t *const *der, const size_t *len, size_t n);

/*
 * Add the tls.cert.* facts and findings for chain (leaf first). name is
 * the host name to match (SNI or the target's host; IP literals are matched
 * against IP SANs). ca_file, when set, replaces the system store. Returns
 * 0, or -1 with facts_error() when the CA file cannot be used.
 */
int tls_cert_facts(struct facts *out, const char *endpoint, STACK_OF(X509) * chain,
                   const char *name, const char *ca_file);

#endif
