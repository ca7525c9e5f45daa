/*
 * The cipher suites the raw engine knows: the IANA registry plus SSLv2
 * specs and legacy suites (generated from testssl.sh's mapping by
 * gen-suites.sh into suites_table.h), the TLCP suites of GB/T 38636-2020
 * and the RFC 8998 SM suites. Read-only tables: safe from every thread.
 */
#ifndef ASSAY_PROBES_TLS_SUITES_H
#define ASSAY_PROBES_TLS_SUITES_H

#include <stddef.h>
#include <stdint.h>

/* The lowest protocol family a suite belongs to. */
enum tls_suite_proto { TP_SSL2, TP_SSL3, TP_TLS12, TP_TLS13, TP_TLCP };

enum tls_suite_flag {
	TS_SSL2 = 1 << 0,
	TS_FS = 1 << 1, /* ephemeral key exchange (DHE, ECDHE, TLS 1.3) */
	TS_DHE = 1 << 2,
	TS_ECDHE = 1 << 3,
	TS_NULL = 1 << 4, /* no encryption */
	TS_EXPORT = 1 << 5,
	TS_ANON = 1 << 6, /* no authentication */
	TS_RC4 = 1 << 7,
	TS_DES = 1 << 8, /* single DES */
	TS_3DES = 1 << 9,
	TS_BLOCK64 = 1 << 10, /* 64-bit block cipher (SWEET32) */
	TS_CBC = 1 << 11,
	TS_RSAKX = 1 << 12, /* RSA key transport (ROBOT-relevant) */
};

struct tls_suite {
	uint32_t id; /* 2-byte TLS id, or 3-byte SSLv2 spec */
	const char *name;
	enum tls_suite_proto proto;
	unsigned flags;
};

const struct tls_suite *tls_suite_find(uint32_t id);
/* All suites; *n set to the count. */
const struct tls_suite *tls_suites(size_t *n);
/* The suite's IANA name, or "0xXXXX" written into buf (at least 16 bytes). */
const char *tls_suite_name(uint32_t id, char *buf, size_t len);

#endif
