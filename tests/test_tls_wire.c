/*
 * Unit tests of the TLS probe's raw engine (probes/tls/wire.c): the
 * ClientHello builder and the server-flight parser, on server answers
 * captured from real servers (fixtures/tls/captured/, see its README) and
 * on truncated, corrupted and hand-made records. The parser must take a
 * flight apart exactly, ask for more bytes on every cut, and refuse broken
 * lengths with an offset in the message, never reading out of bounds (the
 * asan build runs these too).
 */
#include "tests/testutil.h"

#include "lib/err.h"
#include "probes/tls/suites.h"
#include "probes/tls/wire.h"

#define CAP "fixtures/tls/captured/"

/* Load a hex capture into *len bytes; the caller frees. */
static uint8_t *load_hex(const char *name, size_t *len)
{
	char *path = xasprintf(CAP "%s", name);
	char *hex = tu_read(path);
	cr_assert(hex, "cannot read %s", path);
	size_t n = strspn(hex, "0123456789abcdef");
	uint8_t *b = xmalloc(n / 2 + 1);
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned v;
		sscanf(hex + i, "%2x", &v);
		b[i / 2] = (uint8_t)v;
	}
	*len = n / 2;
	free(hex);
	free(path);
	return b;
}

static enum tls_resp parse(struct tls_flight *f, const uint8_t *b, size_t n)
{
	tls_flight_init(f);
	return tls_flight_parse(f, b, n, false);
}

/* Parse again into a flight that was used before. */
static enum tls_resp reparse(struct tls_flight *f, const uint8_t *b, size_t n)
{
	tls_flight_free(f);
	return tls_flight_parse(f, b, n, false);
}

Test(tls_wire, tls12_flight_from_openssl)
{
	size_t n;
	uint8_t *b = load_hex("openssl-tls12.hex", &n);
	struct tls_flight f;
	cr_assert_eq(parse(&f, b, n), TLS_RESP_HELLO);
	cr_assert_eq(f.version, TLS_V_TLS12);
	cr_assert_eq(f.suite, 0xC02F, "the client's first choice; suite %04x", f.suite);
	cr_assert(f.ext_reneg, "renegotiation_info echoed");
	cr_assert(f.done);
	cr_assert(f.cert_status, "stapled OCSP (CertificateStatus) seen");
	cr_assert_eq(f.ncerts, 2);
	cr_assert_eq(f.ske_group, 0x001d);
	cr_assert_eq(f.compression, 0);
	/* The leaf is a DER SEQUENCE whose length matches what was recorded. */
	cr_assert_eq(f.cert[0][0], 0x30);
	cr_assert(f.cert_len[0] > 500 && f.cert_len[0] < 2000);
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, every_cut_of_a_flight_asks_for_more)
{
	size_t n;
	uint8_t *b = load_hex("openssl-tls12.hex", &n);
	for (size_t cut = 0; cut < n; cut++) {
		struct tls_flight f;
		/* A copy of exactly cut bytes, so asan sees any read past it. */
		uint8_t *part = xmalloc(cut ? cut : 1);
		memcpy(part, b, cut);
		enum tls_resp k = parse(&f, part, cut);
		cr_assert_eq(k, TLS_RESP_NEED_MORE, "cut at %zu gave %d", cut, k);
		/* At end of stream, a flight cut after its ServerHello still counts. */
		if (cut >= 5 + 69)
			cr_assert_eq(tls_flight_finish(&f), TLS_RESP_HELLO, "cut at %zu", cut);
		tls_flight_free(&f);
		free(part);
	}
	free(b);
}

Test(tls_wire, tls13_server_hello_and_hrr)
{
	size_t n;
	uint8_t *b = load_hex("openssl-tls13.hex", &n);
	struct tls_flight f;
	cr_assert_eq(parse(&f, b, n), TLS_RESP_HELLO);
	cr_assert_eq(f.version, TLS_V_TLS13, "supported_versions gives 1.3");
	cr_assert_eq(f.record_version, TLS_V_TLS12);
	cr_assert_not(f.hrr);
	cr_assert_eq(f.key_share_group, 0x001d);
	cr_assert_eq(f.ncerts, 0, "the certificate is encrypted in 1.3");
	tls_flight_free(&f);
	free(b);

	b = load_hex("openssl-hrr.hex", &n); /* f was freed: parse() starts it afresh */
	cr_assert_eq(parse(&f, b, n), TLS_RESP_HELLO);
	cr_assert(f.hrr, "HelloRetryRequest recognised by its random");
	cr_assert_eq(f.key_share_group, 0x0017);
	cr_assert_eq(f.version, TLS_V_TLS13);
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, alert_protocol_version)
{
	size_t n;
	uint8_t *b = load_hex("openssl-alert-version.hex", &n);
	struct tls_flight f;
	cr_assert_eq(parse(&f, b, n), TLS_RESP_ALERT);
	cr_assert_eq(f.alert_level, 2);
	cr_assert_eq(f.alert_desc, 70);
	cr_assert_str_eq(tls_alert_name(f.alert_desc), "protocol_version");
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, tlcp_server_hello_and_two_certificates)
{
	size_t n;
	uint8_t *b = load_hex("tlcp.hex", &n);
	struct tls_flight f;
	cr_assert_eq(parse(&f, b, n), TLS_RESP_HELLO);
	cr_assert_eq(f.version, TLS_V_TLCP);
	cr_assert_eq(f.record_version, TLS_V_TLCP);
	cr_assert_eq(f.suite, 0xE053);
	cr_assert_eq(f.ncerts, 2, "signing and encryption certificates");
	cr_assert(f.done);
	char buf[16];
	cr_assert_str_eq(tls_suite_name(f.suite, buf, sizeof(buf)), "TLCP_ECC_SM4_GCM_SM3");
	cr_assert_str_eq(tls_version_name(f.version), "tlcp");
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, gnutls_tls10_flight)
{
	size_t n;
	uint8_t *b = load_hex("gnutls-tls10.hex", &n);
	struct tls_flight f;
	cr_assert_eq(parse(&f, b, n), TLS_RESP_HELLO);
	cr_assert_eq(f.version, TLS_V_TLS10);
	cr_assert_geq(f.ncerts, 1);
	cr_assert(f.done);
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, not_tls_is_told_apart)
{
	static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
	struct tls_flight f;
	cr_assert_eq(parse(&f, http, sizeof(http) - 1), TLS_RESP_NOT_TLS);
	cr_assert(strstr(err_msg(), "not TLS"), "%s", err_msg());
	/* A plausible record type with a non-TLS version is not TLS either. */
	static const uint8_t odd[] = {0x16, 0x47, 0x45, 0x00, 0x02, 0x00, 0x00};
	cr_assert_eq(reparse(&f, odd, sizeof(odd)), TLS_RESP_NOT_TLS);
	tls_flight_free(&f);
}

Test(tls_wire, malformed_lengths_are_refused_with_an_offset)
{
	struct tls_flight f;
	/* Record length beyond 2^14 + 2048. */
	static const uint8_t big[] = {0x16, 0x03, 0x03, 0x50, 0x00, 0x02};
	cr_assert_eq(parse(&f, big, sizeof(big)), TLS_RESP_MALFORMED);
	cr_assert(strstr(err_msg(), "record length at byte 0"), "%s", err_msg());
	/* A ServerHello whose session id claims 40 bytes (max 32). */
	uint8_t sh[5 + 4 + 2 + 32 + 1 + 40] = {
	    0x16, 0x03, 0x03, 0x00, 4 + 2 + 32 + 1 + 40, 0x02, 0x00, 0x00, 2 + 32 + 1 + 40,
	    0x03, 0x03};
	sh[5 + 4 + 2 + 32] = 40;
	cr_assert_eq(reparse(&f, sh, sizeof(sh)), TLS_RESP_MALFORMED);
	cr_assert(strstr(err_msg(), "ServerHello"), "%s", err_msg());
	/* A Certificate before any ServerHello. */
	static const uint8_t cert_first[] = {0x16, 0x03, 0x03, 0x00, 0x07, 0x0b,
	                                     0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
	cr_assert_eq(reparse(&f, cert_first, sizeof(cert_first)), TLS_RESP_MALFORMED);
	/* A Certificate list entry longer than the list. */
	size_t n;
	uint8_t *b = load_hex("openssl-tls12.hex", &n);
	size_t cert_msg = 5 + 69 + 5; /* second record's first byte: type 11 */
	cr_assert_eq(b[cert_msg], 0x0b);
	b[cert_msg + 4 + 3] = 0x7f; /* first certificate's length, high byte */
	cr_assert_eq(reparse(&f, b, n), TLS_RESP_MALFORMED);
	cr_assert(strstr(err_msg(), "Certificate message"), "%s", err_msg());
	tls_flight_free(&f);
	free(b);
}

Test(tls_wire, corrupting_any_byte_never_reads_out_of_bounds)
{
	size_t n;
	uint8_t *b = load_hex("openssl-tls12.hex", &n);
	for (size_t i = 0; i < n; i += 3) {
		uint8_t *c = xmalloc(n);
		memcpy(c, b, n);
		c[i] ^= 0xff;
		struct tls_flight f;
		enum tls_resp k = parse(&f, c, n);
		cr_assert(k >= TLS_RESP_NEED_MORE && k <= TLS_RESP_MALFORMED);
		if (k == TLS_RESP_HELLO)
			for (size_t j = 0; j < f.ncerts; j++)
				cr_assert(f.cert[j] >= (const uint8_t *)f.hs.buf &&
				          f.cert[j] + f.cert_len[j] <=
				              (const uint8_t *)f.hs.buf + f.hs.len);
		tls_flight_free(&f);
		free(c);
	}
	free(b);
}

Test(tls_wire, ssl2_server_hello_lists_every_cipher)
{
	/* SERVER-HELLO: hit 0, cert type 1, version 2, cert 3 bytes, 2 specs, conn id 16. */
	uint8_t m[] = {0x80, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x06, 0x00, 0x10,
	               0x30, 0x01, 0x00, 0x07, 0x00, 0xc0, 0x01, 0x00, 0x80, 0,    0,    0,    0,
	               0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0};
	m[1] = (uint8_t)(sizeof(m) - 2);
	struct tls_flight f;
	tls_flight_init(&f);
	cr_assert_eq(tls_flight_parse(&f, m, sizeof(m), true), TLS_RESP_SSL2_HELLO);
	cr_assert_eq(f.nssl2_specs, 2);
	cr_assert_eq(f.ssl2_specs[0], 0x0700C0);
	cr_assert_eq(f.ssl2_specs[1], 0x010080);
	cr_assert_eq(f.ncerts, 1);
	/* The same message cut short asks for more; a lying cert length is refused. */
	cr_assert_eq(tls_flight_parse(&f, m, sizeof(m) - 1, true), TLS_RESP_NEED_MORE);
	m[9] = 0x7f;
	cr_assert_eq(tls_flight_parse(&f, m, sizeof(m), true), TLS_RESP_MALFORMED);
	tls_flight_free(&f);
}

/* Walk the extensions of a built ClientHello; returns whether type is present. */
static bool hello_has_ext(const struct strbuf *b, uint16_t want, size_t *hello_len)
{
	struct tls_cur c, body;
	tls_cur_init(&c, (const uint8_t *)b->buf, b->len);
	uint8_t type, sidlen, clen;
	uint16_t rver, rlen, ver, slen, elen;
	uint32_t hlen;
	const uint8_t *skip;
	cr_assert(tls_cur_u8(&c, &type) == 0 && type == 0x16);
	cr_assert(tls_cur_u16(&c, &rver) == 0 && tls_cur_u16(&c, &rlen) == 0);
	cr_assert(tls_cur_u8(&c, &type) == 0 && type == 1);
	cr_assert(tls_cur_u24(&c, &hlen) == 0 && tls_cur_sub(&c, hlen, &body) == 0);
	*hello_len = hlen + 4;
	cr_assert(tls_cur_u16(&body, &ver) == 0 && tls_cur_bytes(&body, 32, &skip) == 0);
	cr_assert(tls_cur_u8(&body, &sidlen) == 0 && tls_cur_bytes(&body, sidlen, &skip) == 0);
	cr_assert(tls_cur_u16(&body, &slen) == 0 && tls_cur_bytes(&body, slen, &skip) == 0);
	cr_assert(tls_cur_u8(&body, &clen) == 0 && tls_cur_bytes(&body, clen, &skip) == 0);
	if (tls_cur_left(&body) == 0)
		return false;
	struct tls_cur ext;
	cr_assert(tls_cur_u16(&body, &elen) == 0 && tls_cur_sub(&body, elen, &ext) == 0);
	cr_assert_eq(tls_cur_left(&body), 0, "nothing after the extensions");
	bool found = false;
	uint16_t last_len = 1;
	while (tls_cur_left(&ext) > 0) {
		uint16_t et, el;
		cr_assert(tls_cur_u16(&ext, &et) == 0 && tls_cur_u16(&ext, &el) == 0);
		cr_assert(tls_cur_bytes(&ext, el, &skip) == 0, "extension %04x overruns", et);
		found = found || et == want;
		last_len = el;
	}
	cr_assert_gt(last_len, 0, "the last extension must not be empty");
	return found;
}

Test(tls_wire, built_hellos_are_well_formed)
{
	uint16_t suites[200];
	for (size_t i = 0; i < 200; i++)
		suites[i] = (uint16_t)(0xC000 + i);
	for (size_t ns = 1; ns <= 200; ns += 7) {
		struct tls_hello h = {.version = TLS_V_TLS13,
		                      .suites = suites,
		                      .nsuites = ns,
		                      .sni = "pay.example",
		                      .key_share_x25519 = true};
		struct strbuf b = STRBUF_INIT;
		tls_hello_build(&b, &h);
		size_t hl;
		cr_assert(hello_has_ext(&b, 0x002b, &hl), "supported_versions");
		cr_assert(hello_has_ext(&b, 0x0033, &hl), "key_share");
		cr_assert(hello_has_ext(&b, 0x0000, &hl), "server_name");
		cr_assert(hl < 256 || hl >= 512, "hello of %zu bytes must be padded past 511", hl);
		sb_free(&b);
	}
	/* SSLv3 and TLCP carry no extensions and the renegotiation SCSV instead. */
	struct tls_hello h = {
	    .version = TLS_V_TLCP, .suites = suites, .nsuites = 2, .no_extensions = true};
	struct strbuf b = STRBUF_INIT;
	tls_hello_build(&b, &h);
	size_t hl;
	cr_assert_not(hello_has_ext(&b, 0xff01, &hl));
	cr_assert_eq((uint8_t)b.buf[1], 0x01);
	cr_assert_eq((uint8_t)b.buf[2], 0x01, "TLCP record version 0x0101");
	cr_assert_eq((uint8_t)b.buf[b.len - 4], 0x00);
	cr_assert_eq((uint8_t)b.buf[b.len - 3], 0xff, "0x00FF SCSV last");
	sb_free(&b);
	/* SSLv2 CLIENT-HELLO: 2-byte header with the top bit, 3-byte specs. */
	static const uint32_t specs[] = {0x0700C0, 0x010080};
	struct tls_hello h2 = {.version = TLS_V_SSL2, .ssl2_specs = specs, .nssl2 = 2};
	tls_hello_build(&b, &h2);
	cr_assert_eq((uint8_t)b.buf[0], 0x80);
	cr_assert_eq((size_t)(uint8_t)b.buf[1], b.len - 2);
	cr_assert_eq((uint8_t)b.buf[2], 1, "CLIENT-HELLO");
	cr_assert_eq((uint8_t)b.buf[6], 6, "two 3-byte cipher specs");
	sb_free(&b);
}

Test(tls_wire, cursor_never_reads_past_the_end)
{
	static const uint8_t d[] = {1, 2, 3};
	struct tls_cur c, sub;
	tls_cur_init(&c, d, 3);
	uint16_t v16;
	uint32_t v24;
	uint8_t v8;
	cr_assert_eq(tls_cur_u16(&c, &v16), 0);
	cr_assert_eq(v16, 0x0102);
	cr_assert_eq(tls_cur_u16(&c, &v16), -1);
	cr_assert_eq(tls_cur_u24(&c, &v24), -1);
	cr_assert_eq(tls_cur_sub(&c, 2, &sub), -1);
	cr_assert_eq(tls_cur_u8(&c, &v8), 0);
	cr_assert_eq(v8, 3);
	cr_assert_eq(tls_cur_u8(&c, &v8), -1);
}

Test(tls_wire, suite_table_knows_the_registry)
{
	size_t n;
	const struct tls_suite *t = tls_suites(&n);
	cr_assert_gt(n, 350, "IANA registry plus SSLv2, TLCP and SM suites");
	(void)t;
	const struct tls_suite *s = tls_suite_find(0x000A);
	cr_assert(s && (s->flags & TS_3DES) && (s->flags & TS_BLOCK64) && !(s->flags & TS_FS));
	s = tls_suite_find(0xC02F);
	cr_assert(s && (s->flags & TS_FS) && (s->flags & TS_ECDHE) && !(s->flags & TS_CBC));
	cr_assert_str_eq(s->name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	s = tls_suite_find(0xE011);
	cr_assert(s && s->proto == TP_TLCP && (s->flags & TS_FS));
	cr_assert(tls_suite_find(0x00C6), "RFC 8998 TLS_SM4_GCM_SM3");
	char buf[16];
	cr_assert_str_eq(tls_suite_name(0xFAFA, buf, sizeof(buf)), "0xFAFA");
}
