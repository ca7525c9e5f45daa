/*
 * The scan of one TLS endpoint: what the raw engine's tasks find
 * (protocols, suites in server order, groups, DH size, extensions echoed,
 * the checks), gathered in one struct under one mutex, and the bounded
 * worker pool that runs the tasks with at most max_conns connections open
 * at once. tls.c turns a finished scan into facts.
 */
#ifndef ASSAY_PROBES_TLS_SCAN_H
#define ASSAY_PROBES_TLS_SCAN_H

#include "probes/tls/cert.h"
#include "probes/tls/net.h"

#include <pthread.h>

enum { P_SSL2, P_SSL3, P_TLS10, P_TLS11, P_TLS12, P_TLS13, P_TLCP, P_COUNT };

#define TLS_ACCEPT_MAX 400
#define TLS_GROUPS_MAX 32

struct tls_proto_res {
	uint16_t version;
	bool tested; /* a conclusive answer was seen */
	bool supported;
	uint32_t suites[TLS_ACCEPT_MAX]; /* accepted, in the order the server chose them */
	size_t nsuites;
	int server_order; /* 1 yes, 0 no, -1 unknown (fewer than two suites) */
	bool reneg_ext;   /* the first ServerHello echoed renegotiation_info */
	bool cert_status; /* a CertificateStatus came (stapled OCSP) */
};

/* Tri-state results of the active checks: -1 not tested. */
struct tls_checks {
	int heartbleed, ccs, robot, fallback_scsv, compression;
	int heartbeat_ext;
};

struct tls_scan {
	struct tls_endpoint ep;
	const char *sni;  /* the name sent in SNI, or NULL */
	const char *name; /* the name certificates must match */
	const char *ca_file;
	int max_conns;
	bool intrusive;
	struct facts *out;

	pthread_mutex_t lock; /* guards everything below */
	struct tls_proto_res p[P_COUNT];
	unsigned dh_min_bits; /* 0: no DHE suite seen */
	uint16_t groups[TLS_GROUPS_MAX];
	size_t ngroups;
	struct tls_checks chk;
	/* The first certificate chain the raw engine read (DER copies). */
	uint8_t *raw_der[TLS_CERTS_MAX];
	size_t raw_len[TLS_CERTS_MAX];
	size_t nraw;
	size_t raw_total;
	struct tls_ossl_result ossl;
	unsigned connections;
};

void tls_scan_init(struct tls_scan *s);
void tls_scan_free(struct tls_scan *s);

/* The first exchange: reachability and whether the port speaks TLS at all. */
enum tls_io tls_scan_first(struct tls_scan *s, struct tls_flight *f);
/* Phase 1: every protocol's suites, in parallel, plus the libssl handshake. */
void tls_scan_protocols(struct tls_scan *s);
/* Phase 2: groups and the active checks (needs phase 1). */
void tls_scan_checks(struct tls_scan *s);

/* Highest supported protocol index at or below TLS 1.2 (SSLv3..TLS 1.2), or -1. */
int tls_scan_best_legacy(const struct tls_scan *s);

#endif
