/*
 * The raw engine's tasks (see scan.h). Suite enumeration follows
 * testssl.sh's method (notes/tls.md §2): per protocol, offer the known
 * suites in bundles of at most 128 (some servers break on more), record the
 * suite the server picks, drop it and offer again, until every bundle is
 * refused; the picks come out in the server's order when it has one, which
 * a last handshake with the accepted suites reversed confirms. Protocols
 * and checks run as tasks on at most max_conns threads, each holding one
 * connection at a time, so max_conns bounds the connections to the target.
 */
#include "probes/tls/scan.h"
#include "probes/tls/suites.h"
#include "lib/err.h"
#include "lib/util.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUNDLE_MAX 128

static const uint16_t proto_version[P_COUNT] = {
    TLS_V_SSL2, TLS_V_SSL3, TLS_V_TLS10, TLS_V_TLS11, TLS_V_TLS12, TLS_V_TLS13, TLS_V_TLCP,
};

static const uint16_t all_groups[] = {
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0016, 0x001a, 0x001b,
    0x001c, 0x0029, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
};

void tls_scan_init(struct tls_scan *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	for (int i = 0; i < P_COUNT; i++) {
		s->p[i].version = proto_version[i];
		s->p[i].server_order = -1;
	}
	s->chk = (struct tls_checks){-1, -1, -1, -1, -1, -1};
	s->ossl.resumed = -1;
	s->ossl.reneg_client = -1;
	s->max_conns = 8;
	s->intrusive = true;
}

void tls_scan_free(struct tls_scan *s)
{
	for (size_t i = 0; i < s->nraw; i++)
		free(s->raw_der[i]);
	tls_ossl_result_free(&s->ossl);
	pthread_mutex_destroy(&s->lock);
}

static bool time_left(const struct tls_scan *s)
{
	return time_mono_ms() < s->ep.deadline_ms;
}

static void note_error(struct tls_scan *s, const char *what)
{
	facts_error(s->out, "%s: %s", what, err_msg());
}

/* Keep what a complete ServerHello flight tells beyond the suite. */
static void note_flight(struct tls_scan *s, const struct tls_flight *f)
{
	pthread_mutex_lock(&s->lock);
	s->connections++;
	const struct tls_suite *su = tls_suite_find(f->suite);
	if (f->dh_bits && su && (su->flags & TS_DHE) &&
	    (s->dh_min_bits == 0 || f->dh_bits < s->dh_min_bits))
		s->dh_min_bits = f->dh_bits;
	if (s->nraw == 0 && f->ncerts > 0) {
		for (size_t i = 0; i < f->ncerts; i++) {
			s->raw_der[i] = xmalloc(f->cert_len[i]);
			memcpy(s->raw_der[i], f->cert[i], f->cert_len[i]);
			s->raw_len[i] = f->cert_len[i];
		}
		s->nraw = f->ncerts;
		s->raw_total = f->ncerts_total;
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * Suites that few stacks implement: offered in later bundles, so that a
 * typical server accepts everything from the first bundle and its order
 * needs no ranking pass (see server_order()).
 */
static bool rare_suite(const char *name)
{
	static const char *const rare[] = {
	    "CAMELLIA", "ARIA",  "SEED",     "IDEA",   "PSK",          "SRP",      "KRB5",
	    "GOST",     "_DSS_", "FORTEZZA", "_OLD",   "ECDH_ECDSA",   "ECDH_RSA", "DH_RSA",
	    "DH_DSS",   "CCM",   "SSL_CK_",  "ECCPWD", "SHA256_SHA384"};
	for (size_t i = 0; i < sizeof(rare) / sizeof(rare[0]); i++)
		if (strstr(name, rare[i]))
			return true;
	return false;
}

/* The suites the engine offers for protocol index pi: common ones first, then table order. */
static size_t candidates(int pi, uint32_t *out, size_t cap)
{
	size_t n, k = 0;
	const struct tls_suite *t = tls_suites(&n);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n && k < cap; i++) {
			if (rare_suite(t[i].name) != (pass == 1))
				continue;
			bool ok;
			switch (pi) {
			case P_SSL2:
				ok = t[i].proto == TP_SSL2;
				break;
			case P_SSL3:
			case P_TLS10:
			case P_TLS11:
				ok = t[i].proto == TP_SSL3;
				break;
			case P_TLS12:
				ok = t[i].proto == TP_SSL3 || t[i].proto == TP_TLS12;
				break;
			case P_TLS13:
				ok = t[i].proto == TP_TLS13;
				break;
			default:
				ok = t[i].proto == TP_TLCP;
				break;
			}
			if (ok)
				out[k++] = t[i].id;
		}
	return k;
}

static void hello_for(const struct tls_scan *s, struct tls_hello *h, int pi, const uint16_t *suites,
                      size_t n)
{
	memset(h, 0, sizeof(*h));
	h->version = proto_version[pi];
	h->suites = suites;
	h->nsuites = n;
	h->sni = s->sni;
	h->no_extensions = pi == P_SSL3 || pi == P_TLCP;
	h->key_share_x25519 = true;
	h->status_request = true;
	if (pi == P_TLS13) {
		static const uint16_t only13[] = {TLS_V_TLS13};
		h->versions = only13;
		h->nversions = 1;
	}
}

static void proto_ssl2(struct tls_scan *s)
{
	uint32_t specs[64];
	size_t n = candidates(P_SSL2, specs, 64);
	struct tls_hello h = {.version = TLS_V_SSL2, .ssl2_specs = specs, .nssl2 = n};
	struct tls_flight f;
	tls_flight_init(&f);
	enum tls_io io = tls_exchange(&s->ep, &h, &f, NULL);
	struct tls_proto_res *r = &s->p[P_SSL2];
	pthread_mutex_lock(&s->lock);
	s->connections++;
	if (io == TLS_IO_OK || io == TLS_IO_CLOSED)
		r->tested = true;
	if (io == TLS_IO_OK && f.kind == TLS_RESP_SSL2_HELLO) {
		r->supported = true;
		for (size_t i = 0; i < f.nssl2_specs && r->nsuites < TLS_ACCEPT_MAX; i++)
			r->suites[r->nsuites++] = f.ssl2_specs[i];
	}
	pthread_mutex_unlock(&s->lock);
	if (f.kind == TLS_RESP_SSL2_HELLO && f.ncerts)
		note_flight(s, &f);
	tls_flight_free(&f);
}

/* One handshake offering list (in this order); the suite picked, or -1. */
static long pick(struct tls_scan *s, int pi, const uint16_t *list, size_t n)
{
	struct tls_hello h;
	hello_for(s, &h, pi, list, n);
	struct tls_flight f;
	tls_flight_init(&f);
	long r = -1;
	if (tls_exchange(&s->ep, &h, &f, NULL) == TLS_IO_OK && f.kind == TLS_RESP_HELLO)
		r = f.suite;
	tls_flight_free(&f);
	pthread_mutex_lock(&s->lock);
	s->connections++;
	pthread_mutex_unlock(&s->lock);
	return r;
}

/*
 * Whether the server enforces its own order: offer the accepted suites
 * reversed; the server keeps its first pick iff it has an order. When the
 * suites were accepted from one bundle, the acceptance order already is
 * the server's. When they came from several bundles (each pick was the best
 * of its bundle only), rank them: acc is rewritten by repeated picks.
 */
static int server_order(struct tls_scan *s, int pi, uint32_t *acc, size_t n, bool one_bundle)
{
	if (n < 2 || !time_left(s))
		return -1;
	uint16_t list[BUNDLE_MAX];
	size_t k = n < BUNDLE_MAX ? n : BUNDLE_MAX;
	for (size_t i = 0; i < k; i++)
		list[i] = (uint16_t)acc[k - 1 - i];
	long rev = pick(s, pi, list, k);
	if (rev < 0)
		return -1;
	if (rev == list[0] && list[0] != acc[0])
		return 0; /* the client's first choice won */
	if (one_bundle)
		return rev == (long)acc[0] ? 1 : -1;
	/* Rank: the pick among what is left, until one suite remains. */
	for (size_t i = 0; i < k; i++)
		list[i] = (uint16_t)acc[i];
	size_t left = k, out = 0;
	uint32_t ranked[BUNDLE_MAX];
	long p = rev;
	while (left > 1 && p >= 0) {
		size_t at = left;
		for (size_t i = 0; i < left; i++)
			if (list[i] == p)
				at = i;
		if (at == left)
			break;
		ranked[out++] = (uint32_t)p;
		memmove(&list[at], &list[at + 1], (left - at - 1) * sizeof(list[0]));
		left--;
		p = left > 1 && time_left(s) ? pick(s, pi, list, left) : (left == 1 ? list[0] : -1);
	}
	if (left == 1)
		ranked[out++] = list[0];
	if (out == k)
		memcpy(acc, ranked, k * sizeof(uint32_t));
	return 1;
}

static void proto_enum(struct tls_scan *s, int pi)
{
	uint32_t *rem = xcalloc(512, sizeof(uint32_t));
	uint32_t *acc = xcalloc(TLS_ACCEPT_MAX, sizeof(uint32_t));
	uint16_t offer[BUNDLE_MAX];
	size_t nrem = candidates(pi, rem, 512), nacc = 0, bundle = 0, nbundles_used = 0;
	size_t last_bundle = (size_t)-1;
	bool tested = false, supported = false, reneg = false, status = false, first = true;
	uint16_t want = proto_version[pi];
	char what[340];
	snprintf(what, sizeof(what), "%s %s", s->ep.shown, tls_version_name(want));

	while (bundle * BUNDLE_MAX < nrem && nacc < TLS_ACCEPT_MAX) {
		if (!time_left(s)) {
			facts_error(s->out, "%s: the probe's deadline passed during enumeration",
			            what);
			break;
		}
		size_t start = bundle * BUNDLE_MAX;
		size_t k = nrem - start < BUNDLE_MAX ? nrem - start : BUNDLE_MAX;
		for (size_t i = 0; i < k; i++)
			offer[i] = (uint16_t)rem[start + i];
		struct tls_hello h;
		hello_for(s, &h, pi, offer, k);
		struct tls_flight f;
		tls_flight_init(&f);
		enum tls_io io = tls_exchange(&s->ep, &h, &f, NULL);
		if (io == TLS_IO_CLOSED) { /* a refusal by hanging up */
			tested = true;
			bundle++;
			tls_flight_free(&f);
			continue;
		}
		if (io != TLS_IO_OK) {
			note_error(s, what);
			tls_flight_free(&f);
			break;
		}
		if (f.kind == TLS_RESP_ALERT || f.kind == TLS_RESP_SSL2_ERROR) {
			bool proto_refused = f.alert_desc == 70; /* protocol_version */
			tested = true;
			tls_flight_free(&f);
			if (proto_refused)
				break;
			bundle++;
			continue;
		}
		if (f.kind != TLS_RESP_HELLO) {
			if (f.kind == TLS_RESP_NOT_TLS && (pi == P_TLCP || pi == P_SSL3)) {
				tested = true; /* a TLS-only stack answering oddly: not supported */
			} else {
				note_error(s, what);
			}
			tls_flight_free(&f);
			break;
		}
		tested = true;
		/* An HRR still proves 1.3 with this suite (notes/tls.md §5.5). */
		if (f.version != want || (f.hrr && pi != P_TLS13)) {
			tls_flight_free(&f); /* the server answered another version */
			break;
		}
		size_t at = k;
		for (size_t i = 0; i < k; i++)
			if (offer[i] == f.suite)
				at = i;
		if (at == k) {
			facts_error(s->out,
			            "%s: the server chose suite 0x%04X, which was not offered",
			            what, f.suite);
			tls_flight_free(&f);
			break;
		}
		supported = true;
		if (bundle != last_bundle) {
			nbundles_used++;
			last_bundle = bundle;
		}
		if (first) {
			reneg = f.ext_reneg;
			status = f.cert_status;
			first = false;
		}
		note_flight(s, &f);
		acc[nacc++] = f.suite;
		memmove(&rem[start + at], &rem[start + at + 1],
		        (nrem - start - at - 1) * sizeof(uint32_t));
		nrem--;
		tls_flight_free(&f);
	}
	int order = supported ? server_order(s, pi, acc, nacc, nbundles_used == 1) : -1;
	pthread_mutex_lock(&s->lock);
	struct tls_proto_res *r = &s->p[pi];
	r->server_order = order;
	r->tested = tested;
	r->supported = supported;
	memcpy(r->suites, acc, nacc * sizeof(uint32_t));
	r->nsuites = nacc;
	r->reneg_ext = reneg;
	r->cert_status = status;
	pthread_mutex_unlock(&s->lock);
	free(rem);
	free(acc);
}

/* ---- the pool ---- */

struct task {
	void (*fn)(struct tls_scan *s, int arg);
	int arg;
};

struct pool {
	struct tls_scan *s;
	struct task *tasks;
	size_t n, next;
	pthread_mutex_t m;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->m);
		size_t i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->m);
		if (i >= p->n)
			return NULL;
		if (time_left(p->s))
			p->tasks[i].fn(p->s, p->tasks[i].arg);
	}
}

static void run_tasks(struct tls_scan *s, struct task *tasks, size_t n)
{
	struct pool p = {.s = s, .tasks = tasks, .n = n};
	pthread_mutex_init(&p.m, NULL);
	size_t nt = (size_t)(s->max_conns > 0 ? s->max_conns : 1);
	if (nt > n)
		nt = n;
	pthread_t th[64];
	if (nt > 64)
		nt = 64;
	size_t started = 0;
	for (size_t i = 1; i < nt; i++)
		if (pthread_create(&th[started], NULL, worker, &p) == 0)
			started++;
	worker(&p); /* this thread works too */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.m);
}

static void task_proto(struct tls_scan *s, int pi)
{
	if (pi == P_SSL2)
		proto_ssl2(s);
	else
		proto_enum(s, pi);
}

static void task_ossl(struct tls_scan *s, int arg)
{
	(void)arg;
	struct tls_ossl_result r;
	tls_ossl_probe(&s->ep, s->sni, &r);
	pthread_mutex_lock(&s->lock);
	s->ossl = r;
	s->connections += 2;
	pthread_mutex_unlock(&s->lock);
}

enum tls_io tls_scan_first(struct tls_scan *s, struct tls_flight *f)
{
	uint32_t c[512];
	uint16_t offer[BUNDLE_MAX];
	size_t n13 = candidates(P_TLS13, c, 512), k = 0;
	for (size_t i = 0; i < n13 && k < BUNDLE_MAX; i++)
		offer[k++] = (uint16_t)c[i];
	size_t n12 = candidates(P_TLS12, c, 512);
	for (size_t i = 0; i < n12 && k < BUNDLE_MAX; i++)
		offer[k++] = (uint16_t)c[i];
	struct tls_hello h;
	hello_for(s, &h, P_TLS13, offer, k);
	static const uint16_t all[] = {TLS_V_TLS13, TLS_V_TLS12, TLS_V_TLS11, TLS_V_TLS10};
	h.versions = all;
	h.nversions = 4;
	enum tls_io io = tls_exchange(&s->ep, &h, f, NULL);
	s->connections++;
	return io;
}

void tls_scan_protocols(struct tls_scan *s)
{
	struct task t[P_COUNT + 1];
	size_t n = 0;
	t[n++] = (struct task){task_ossl, 0};
	for (int i = 0; i < P_COUNT; i++)
		t[n++] = (struct task){task_proto, i};
	run_tasks(s, t, n);
}

int tls_scan_best_legacy(const struct tls_scan *s)
{
	for (int i = P_TLS12; i >= P_SSL3; i--)
		if (s->p[i].supported)
			return i;
	return -1;
}

static void add_group(struct tls_scan *s, uint16_t g)
{
	pthread_mutex_lock(&s->lock);
	bool have = false;
	for (size_t i = 0; i < s->ngroups; i++)
		have = have || s->groups[i] == g;
	if (!have && s->ngroups < TLS_GROUPS_MAX)
		s->groups[s->ngroups++] = g;
	s->connections++;
	pthread_mutex_unlock(&s->lock);
}

/* Group g with TLS 1.3: one group, an empty key_share; an HRR naming it counts. */
static void task_group13(struct tls_scan *s, int gi)
{
	uint16_t g = all_groups[gi];
	uint16_t suites[8];
	size_t n = 0;
	for (size_t i = 0; i < s->p[P_TLS13].nsuites && n < 8; i++)
		suites[n++] = (uint16_t)s->p[P_TLS13].suites[i];
	struct tls_hello h;
	hello_for(s, &h, P_TLS13, suites, n);
	h.groups = &g;
	h.ngroups = 1;
	h.key_share_x25519 = false;
	struct tls_flight f;
	tls_flight_init(&f);
	if (tls_exchange(&s->ep, &h, &f, NULL) == TLS_IO_OK && f.kind == TLS_RESP_HELLO &&
	    f.version == TLS_V_TLS13 && (!f.hrr || f.key_share_group == g))
		add_group(s, g);
	tls_flight_free(&f);
}

/* Group g with ECDHE suites at the best legacy protocol: the ServerKeyExchange names it. */
static void task_group12(struct tls_scan *s, int gi)
{
	uint16_t g = all_groups[gi];
	int pi = tls_scan_best_legacy(s);
	if (pi < 0 || g >= 0x0100)
		return;
	uint16_t suites[BUNDLE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < s->p[pi].nsuites && n < BUNDLE_MAX; i++) {
		const struct tls_suite *su = tls_suite_find(s->p[pi].suites[i]);
		if (su && (su->flags & TS_ECDHE))
			suites[n++] = (uint16_t)su->id;
	}
	if (n == 0)
		return;
	struct tls_hello h;
	hello_for(s, &h, pi, suites, n);
	h.groups = &g;
	h.ngroups = 1;
	struct tls_flight f;
	tls_flight_init(&f);
	if (tls_exchange(&s->ep, &h, &f, NULL) == TLS_IO_OK && f.kind == TLS_RESP_HELLO &&
	    f.ske_group == g)
		add_group(s, g);
	tls_flight_free(&f);
}

/* A hello at the best legacy protocol with the suites it accepted. */
static int legacy_hello(const struct tls_scan *s, struct tls_hello *h, uint16_t *buf)
{
	int pi = tls_scan_best_legacy(s);
	if (pi < 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < s->p[pi].nsuites && n < BUNDLE_MAX; i++)
		buf[n++] = (uint16_t)s->p[pi].suites[i];
	hello_for(s, h, pi, buf, n);
	h->status_request = false;
	return pi;
}

static void set_check(struct tls_scan *s, int *field, int v)
{
	pthread_mutex_lock(&s->lock);
	*field = v;
	s->connections++;
	pthread_mutex_unlock(&s->lock);
}

/* Read for up to ms: the first record's type and length, or -1 (EOF, timeout). */
static int read_record(int fd, double ms, size_t *rlen)
{
	struct strbuf in = STRBUF_INIT;
	double until = time_mono_ms() + ms;
	int type = -1;
	while (in.len < 5 && time_mono_ms() < until)
		if (tls_recv_some(fd, &in, 64, until - time_mono_ms()) < 0)
			break;
	if (in.len >= 5) {
		type = (unsigned char)in.buf[0];
		*rlen = ((size_t)(unsigned char)in.buf[3] << 8) | (unsigned char)in.buf[4];
	}
	sb_free(&in);
	return type;
}

static double check_wait_ms(const struct tls_scan *s)
{
	return s->ep.conn_timeout_ms < 2000 ? s->ep.conn_timeout_ms : 2000;
}

/*
 * Send hello and read the flight up to ServerHelloDone, keeping the
 * connection: the socket, or -1 (nothing open, f freed) when the server
 * did not answer with a complete TLS <= 1.2 flight.
 */
static int open_done(struct tls_scan *s, const struct tls_hello *h, struct tls_flight *f)
{
	int fd = -1;
	tls_flight_init(f);
	if (tls_exchange(&s->ep, h, f, &fd) == TLS_IO_OK && f->kind == TLS_RESP_HELLO && f->done)
		return fd;
	if (fd >= 0)
		close(fd);
	tls_flight_free(f);
	return -1;
}

/* open_done() at the best legacy protocol with its accepted suites (and heartbeat). */
static int open_legacy(struct tls_scan *s, bool heartbeat, struct tls_flight *f, int *pi)
{
	uint16_t buf[BUNDLE_MAX];
	struct tls_hello h;
	*pi = legacy_hello(s, &h, buf);
	if (*pi < 0)
		return -1;
	if (heartbeat) {
		h.heartbeat = true;
		h.no_extensions = false;
	}
	return open_done(s, &h, f);
}

/* Heartbleed (CVE-2014-0160): a heartbeat claiming 16 KiB of payload and carrying none. */
static void task_heartbleed(struct tls_scan *s, int arg)
{
	(void)arg;
	struct tls_flight f;
	int pi, fd = open_legacy(s, true, &f, &pi);
	if (fd < 0)
		return;
	int vuln = 0;
	if (f.ext_heartbeat) {
		uint16_t v = proto_version[pi];
		uint8_t hb[8] = {0x18, (uint8_t)(v >> 8), (uint8_t)v, 0x00, 0x03, 0x01, 0x40, 0x00};
		size_t rlen = 0;
		if (tls_send_all(fd, hb, sizeof(hb)) == 0 &&
		    read_record(fd, check_wait_ms(s), &rlen) == 0x18 && rlen > 3)
			vuln = 1;
	}
	close(fd);
	pthread_mutex_lock(&s->lock);
	s->chk.heartbeat_ext = f.ext_heartbeat;
	pthread_mutex_unlock(&s->lock);
	set_check(s, &s->chk.heartbleed, vuln);
	tls_flight_free(&f);
}

/* CCS injection (CVE-2014-0224): a ChangeCipherSpec before any key exchange must be refused. */
static void task_ccs(struct tls_scan *s, int arg)
{
	(void)arg;
	struct tls_flight f;
	int pi, fd = open_legacy(s, false, &f, &pi);
	if (fd < 0)
		return;
	uint16_t v = proto_version[pi];
	uint8_t ccs[6] = {0x14, (uint8_t)(v >> 8), (uint8_t)v, 0x00, 0x01, 0x01};
	int vuln = -1;
	if (tls_send_all(fd, ccs, sizeof(ccs)) == 0) {
		size_t rlen = 0;
		int t = read_record(fd, check_wait_ms(s), &rlen);
		/* An alert or a hang-up is a refusal; silence means the CCS was taken. */
		vuln = t == 0x15 || t == -1 ? 0 : 1;
		if (t == -1) {
			char c;
			ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
			vuln = r < 0 ? 1 : 0; /* still open and silent: accepted */
		}
	}
	close(fd);
	if (vuln >= 0)
		set_check(s, &s->chk.ccs, vuln);
	tls_flight_free(&f);
}

/* TLS_FALLBACK_SCSV (RFC 7507): the second-best protocol with the SCSV must get alert 86. */
static void task_fallback(struct tls_scan *s, int arg)
{
	(void)arg;
	int best = -1, second = -1;
	for (int i = P_TLS13; i >= P_SSL3; i--)
		if (s->p[i].supported) {
			if (best < 0)
				best = i;
			else if (second < 0)
				second = i;
		}
	if (best < 0)
		return; /* SSLv2 or TLCP only: no TLS version to fall back from */
	if (second < 0) {
		set_check(s, &s->chk.fallback_scsv, 1); /* nothing to fall back to */
		return;
	}
	uint16_t buf[BUNDLE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < s->p[second].nsuites && n < BUNDLE_MAX; i++)
		buf[n++] = (uint16_t)s->p[second].suites[i];
	struct tls_hello h;
	hello_for(s, &h, second, buf, n);
	h.fallback_scsv = true;
	struct tls_flight f;
	tls_flight_init(&f);
	if (tls_exchange(&s->ep, &h, &f, NULL) == TLS_IO_OK) {
		if (f.kind == TLS_RESP_ALERT)
			set_check(s, &s->chk.fallback_scsv, f.alert_desc == 86);
		else if (f.kind == TLS_RESP_HELLO)
			set_check(s, &s->chk.fallback_scsv, 0);
	}
	tls_flight_free(&f);
}

/* CRIME: offer DEFLATE; choosing it is the finding. */
static void task_compression(struct tls_scan *s, int arg)
{
	(void)arg;
	uint16_t buf[BUNDLE_MAX];
	struct tls_hello h;
	if (legacy_hello(s, &h, buf) < 0) {
		if (s->p[P_TLS13].supported)
			set_check(s, &s->chk.compression, 0); /* TLS 1.3 has no compression */
		return;
	}
	h.deflate = true;
	struct tls_flight f;
	tls_flight_init(&f);
	if (tls_exchange(&s->ep, &h, &f, NULL) == TLS_IO_OK && f.kind == TLS_RESP_HELLO)
		set_check(s, &s->chk.compression, f.compression == 1);
	tls_flight_free(&f);
}

/*
 * ROBOT (Böck, Somorovsky, Young 2018; CVE-2017-13099 and kin): send a
 * ClientKeyExchange whose RSA plaintext is PKCS#1 v1.5 padded correctly or
 * broken in one of four ways, then ChangeCipherSpec and a garbage Finished.
 * A server without an oracle answers all five the same way (OpenSSL: alert
 * bad_record_mac); different answers are an oracle. A difference is
 * re-measured once before it counts.
 */
#define ROBOT_VECTORS 5

static int robot_block(uint8_t *m, size_t k, int vec, uint16_t ver)
{
	if (k < 64)
		return -1;
	m[0] = 0x00;
	m[1] = 0x02;
	for (size_t i = 2; i < k - 49; i++)
		m[i] = (uint8_t)(0x5a + (i % 97)) | 1; /* nonzero padding */
	m[k - 49] = 0x00;
	m[k - 48] = (uint8_t)(ver >> 8);
	m[k - 47] = (uint8_t)ver;
	for (size_t i = k - 46; i < k; i++)
		m[i] = (uint8_t)(i * 7);
	switch (vec) {
	case 1: /* wrong block type */
		m[0] = 0x41;
		m[1] = 0x17;
		break;
	case 2: /* 0x00 too early: the premaster comes out too long */
		m[10] = 0x00;
		break;
	case 3: /* no separator at all */
		m[k - 49] = 0x01;
		break;
	case 4: /* wrong version in the premaster */
		m[k - 48] = 0x02;
		m[k - 47] = 0x02;
		break;
	default:
		break;
	}
	return 0;
}

/* Raw RSA (m^e mod n) of k bytes with the leaf's public key; 0 or -1. */
static int robot_encrypt(uint8_t *out, const uint8_t *m, size_t k, EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL, *bm = BN_bin2bn(m, (int)k, NULL), *c = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int rc = -1;
	if (EVP_PKEY_get_bn_param(pk, "n", &n) == 1 && EVP_PKEY_get_bn_param(pk, "e", &e) == 1 &&
	    bm && c && ctx && BN_mod_exp(c, bm, e, n, ctx) == 1 &&
	    BN_bn2binpad(c, out, (int)k) == (int)k)
		rc = 0;
	BN_free(n);
	BN_free(e);
	BN_free(bm);
	BN_free(c);
	BN_CTX_free(ctx);
	return rc;
}

/* One vector: the server's answer as (record type << 8 | alert), -1 EOF/reset, -2 silence. */
static int robot_try(struct tls_scan *s, int pi, const uint16_t *suites, size_t n, int vec)
{
	if (!time_left(s))
		return -3;
	struct tls_hello h;
	hello_for(s, &h, pi, suites, n);
	h.status_request = false;
	struct tls_flight f;
	int sig = -3, fd = open_done(s, &h, &f);
	if (fd < 0)
		return -3;
	if (f.ncerts == 0) {
		close(fd);
		tls_flight_free(&f);
		return -3;
	}
	const unsigned char *p = f.cert[0];
	X509 *x = d2i_X509(NULL, &p, (long)f.cert_len[0]);
	EVP_PKEY *pk = x ? X509_get0_pubkey(x) : NULL;
	size_t k =
	    pk && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ? (size_t)EVP_PKEY_get_size(pk) : 0;
	uint16_t v = proto_version[pi];
	if (k >= 64 && k <= 1024) {
		uint8_t m[1024], c[1024];
		struct strbuf out = STRBUF_INIT;
		if (robot_block(m, k, vec, v) == 0 && robot_encrypt(c, m, k, pk) == 0) {
			size_t body = 2 + k;
			uint8_t hdr[11] = {0x16,
			                   (uint8_t)(v >> 8),
			                   (uint8_t)v,
			                   (uint8_t)((body + 4) >> 8),
			                   (uint8_t)(body + 4),
			                   16,
			                   0,
			                   (uint8_t)(body >> 8),
			                   (uint8_t)body,
			                   (uint8_t)(k >> 8),
			                   (uint8_t)k};
			sb_add(&out, (const char *)hdr, sizeof(hdr));
			sb_add(&out, (const char *)c, k);
			uint8_t ccs[6] = {0x14, (uint8_t)(v >> 8), (uint8_t)v, 0, 1, 1};
			sb_add(&out, (const char *)ccs, sizeof(ccs));
			uint8_t fin[5 + 48] = {0x16, (uint8_t)(v >> 8), (uint8_t)v, 0, 48};
			for (size_t i = 5; i < sizeof(fin); i++)
				fin[i] = (uint8_t)(i * 13);
			sb_add(&out, (const char *)fin, sizeof(fin));
			if (tls_send_all(fd, out.buf, out.len) == 0) {
				struct strbuf in = STRBUF_INIT;
				double until = time_mono_ms() + check_wait_ms(s);
				long r = 0;
				while (in.len < 7 && time_mono_ms() < until &&
				       (r = tls_recv_some(fd, &in, 64, until - time_mono_ms())) >=
				           0)
					;
				if (in.len >= 7 && (uint8_t)in.buf[0] == 0x15)
					sig = (0x15 << 8) | (uint8_t)in.buf[6];
				else if (in.len >= 1)
					sig = ((uint8_t)in.buf[0]) << 8;
				else
					sig = r < 0 ? -1 : -2;
				sb_free(&in);
			}
		}
		sb_free(&out);
	}
	X509_free(x);
	ERR_clear_error();
	close(fd);
	tls_flight_free(&f);
	return sig;
}

static void task_robot(struct tls_scan *s, int arg)
{
	(void)arg;
	int pi = tls_scan_best_legacy(s);
	if (pi < P_TLS10)
		return;
	uint16_t suites[BUNDLE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < s->p[pi].nsuites && n < BUNDLE_MAX; i++) {
		const struct tls_suite *su = tls_suite_find(s->p[pi].suites[i]);
		if (su && (su->flags & TS_RSAKX) && !(su->flags & TS_EXPORT))
			suites[n++] = (uint16_t)su->id;
	}
	if (n == 0) {
		set_check(s, &s->chk.robot, 0);
		return;
	}
	int first[ROBOT_VECTORS], again[ROBOT_VECTORS];
	bool differ = false;
	for (int v = 0; v < ROBOT_VECTORS; v++) {
		first[v] = robot_try(s, pi, suites, n, v);
		if (first[v] == -3)
			return; /* no clean handshake: undecided */
		differ = differ || first[v] != first[0];
	}
	bool confirmed = false;
	if (differ) {
		confirmed = true;
		for (int v = 0; v < ROBOT_VECTORS; v++) {
			again[v] = robot_try(s, pi, suites, n, v);
			confirmed = confirmed && again[v] == first[v];
		}
	}
	set_check(s, &s->chk.robot, confirmed);
}

void tls_scan_checks(struct tls_scan *s)
{
	struct task t[64];
	size_t n = 0;
	size_t ng = sizeof(all_groups) / sizeof(all_groups[0]);
	for (size_t i = 0; i < ng; i++) {
		if (s->p[P_TLS13].supported)
			t[n++] = (struct task){task_group13, (int)i};
		if (tls_scan_best_legacy(s) >= 0 && all_groups[i] < 0x0100)
			t[n++] = (struct task){task_group12, (int)i};
	}
	t[n++] = (struct task){task_fallback, 0};
	t[n++] = (struct task){task_compression, 0};
	if (s->intrusive) {
		t[n++] = (struct task){task_heartbleed, 0};
		t[n++] = (struct task){task_ccs, 0};
		t[n++] = (struct task){task_robot, 0};
	}
	run_tasks(s, t, n);
}
