/*
 * The raw handshake engine's wire formats: building ClientHello messages
 * byte by byte (SSLv2 CLIENT-HELLO, SSLv3, TLS 1.0-1.2, TLS 1.3 with
 * supported_versions/key_share, TLCP 0x0101) and parsing the server's first
 * flight (ServerHello, HelloRetryRequest, Certificate, ServerKeyExchange,
 * CertificateStatus, ServerHelloDone, Alert, SSLv2 SERVER-HELLO/ERROR).
 *
 * Everything here is pure: no sockets, no global state, so it is unit
 * tested from captured bytes (tests/test_tls_wire.c). Every length read
 * from the wire is checked against what is left through the cursor
 * helpers; nothing is read by casting pointers. Wire formats: RFC 5246
 * §6.2 and §7.4, RFC 8446 §4.1, draft-hickman SSLv2, GB/T 38636-2020;
 * summarised in /work/shared/notes/tls.md §5-6.
 */
#ifndef ASSAY_PROBES_TLS_WIRE_H
#define ASSAY_PROBES_TLS_WIRE_H

#include "lib/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocol versions as on the wire; SSLv2 is 0x0002. */
#define TLS_V_SSL2  0x0002
#define TLS_V_SSL3  0x0300
#define TLS_V_TLS10 0x0301
#define TLS_V_TLS11 0x0302
#define TLS_V_TLS12 0x0303
#define TLS_V_TLS13 0x0304
#define TLS_V_TLCP  0x0101

#define TLS_SCSV_RENEG    0x00FF
#define TLS_SCSV_FALLBACK 0x5600

/* The largest server flight we read; a longer one is an error (50 certs fit). */
#define TLS_FLIGHT_MAX (1u << 20)
#define TLS_CERTS_MAX  64

/* A bounded reader over a byte range. Each read fails (-1) past the end. */
struct tls_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void tls_cur_init(struct tls_cur *c, const uint8_t *p, size_t len);
int tls_cur_u8(struct tls_cur *c, uint8_t *out);
int tls_cur_u16(struct tls_cur *c, uint16_t *out);
int tls_cur_u24(struct tls_cur *c, uint32_t *out);
/* Take n bytes: *out points into the buffer. */
int tls_cur_bytes(struct tls_cur *c, size_t n, const uint8_t **out);
/* A sub-cursor over the next n bytes (a length-prefixed vector). */
int tls_cur_sub(struct tls_cur *c, size_t n, struct tls_cur *sub);
size_t tls_cur_left(const struct tls_cur *c);

/* What to put in a ClientHello. */
struct tls_hello {
	uint16_t version;       /* TLS_V_*: TLS 1.3 sends 0x0303 + supported_versions */
	const uint16_t *suites; /* cipher suite ids (SSLv3, TLS, TLCP) */
	size_t nsuites;
	const uint32_t *ssl2_specs; /* SSLv2 only: 3-byte cipher specs */
	size_t nssl2;
	const uint16_t *groups; /* supported_groups; NULL: a default list */
	size_t ngroups;
	/* TLS 1.3: versions offered in supported_versions (NULL: 1.3 down to 1.0). */
	const uint16_t *versions;
	size_t nversions;
	bool key_share_x25519; /* send an X25519 share (else an empty key_share) */
	const char *sni;       /* host name, or NULL (never an IP literal) */
	bool deflate;          /* offer compression method 1 (CRIME test) */
	bool heartbeat;        /* offer the heartbeat extension (RFC 6520) */
	bool fallback_scsv;    /* add TLS_FALLBACK_SCSV */
	bool status_request;   /* OCSP stapling request */
	bool no_extensions;    /* SSLv3 and TLCP: no extension block at all */
	const uint8_t *random; /* 32 bytes, or NULL for a fixed pattern */
};

/* Append the record(s) carrying the ClientHello to out. */
void tls_hello_build(struct strbuf *out, const struct tls_hello *h);

enum tls_resp {
	TLS_RESP_NEED_MORE, /* parse again with more bytes */
	TLS_RESP_HELLO,     /* a ServerHello (or HRR), and the flight up to ServerHelloDone */
	TLS_RESP_ALERT,     /* an alert record before any ServerHello */
	TLS_RESP_SSL2_HELLO,
	TLS_RESP_SSL2_ERROR,
	TLS_RESP_NOT_TLS,   /* the bytes are not a TLS/SSL record at all */
	TLS_RESP_MALFORMED, /* TLS-looking, but broken; err_set() says where */
};

/* The server's first flight, as far as it was read. Pointers go into the buffer parsed. */
struct tls_flight {
	enum tls_resp kind;
	uint16_t record_version;
	uint16_t version; /* negotiated: ServerHello.version or supported_versions */
	uint16_t suite;
	uint8_t compression;
	bool hrr;
	bool downgrade_sentinel; /* random ends with DOWNGRD */
	uint16_t key_share_group;
	bool ext_reneg;     /* renegotiation_info echoed (RFC 5746) */
	bool ext_heartbeat; /* heartbeat extension echoed */
	bool ext_ticket;    /* session_ticket echoed */
	bool ext_status;    /* status_request echoed */
	bool ext_ems;       /* extended_master_secret echoed */
	bool done;          /* ServerHelloDone seen */
	bool cert_status;   /* a CertificateStatus (stapled OCSP) message seen */
	uint8_t alert_level, alert_desc;
	/* Certificates (leaf first), up to TLS_CERTS_MAX; ncerts_total counts all. */
	const uint8_t *cert[TLS_CERTS_MAX];
	size_t cert_len[TLS_CERTS_MAX];
	size_t ncerts, ncerts_total;
	/* ServerKeyExchange: the ECDHE group, or the DHE prime's size in bits. */
	uint16_t ske_group;
	unsigned dh_bits;
	/* SSLv2 SERVER-HELLO: the server's cipher specs (up to 64). */
	uint32_t ssl2_specs[64];
	size_t nssl2_specs;
	uint16_t ssl2_error;
	bool saw_hello;   /* a ServerHello was parsed (even if the flight is cut short) */
	struct strbuf hs; /* the reassembled handshake stream; owns what cert[] points to */
};

void tls_flight_init(struct tls_flight *f);
void tls_flight_free(struct tls_flight *f);

/*
 * Parse the server's bytes buf[0..len) received so far. ssl2 says an SSLv2
 * CLIENT-HELLO was sent. Returns the kind (also in f->kind); NEED_MORE
 * when the flight is incomplete. MALFORMED and NOT_TLS set err_set() with
 * the byte offset.
 */
enum tls_resp tls_flight_parse(struct tls_flight *f, const uint8_t *buf, size_t len, bool ssl2);
/* The same for the last call at end of stream: a cut flight after a ServerHello still counts. */
enum tls_resp tls_flight_finish(struct tls_flight *f);

/* Names for facts and messages. */
const char *tls_version_name(uint16_t v); /* "tls1_2", "sslv3", "tlcp", ... */
const char *tls_alert_name(uint8_t desc);
const char *tls_group_name(uint16_t g); /* "x25519", "secp256r1", ...; NULL if unknown */

#endif
