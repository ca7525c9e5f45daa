/*
 * ClientHello builder and server-flight parser of the raw engine (see
 * wire.h). The parser is re-run over the whole buffer each time more bytes
 * arrive: flights are small (bounded by TLS_FLIGHT_MAX) and this keeps the
 * state in one place. Offsets in error messages are byte offsets into the
 * server's stream.
 */
#include "probes/tls/wire.h"
#include "probes/tls/suites.h"
#include "lib/err.h"

#include <string.h>

void tls_cur_init(struct tls_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

size_t tls_cur_left(const struct tls_cur *c)
{
	return c->len - c->off;
}

int tls_cur_u8(struct tls_cur *c, uint8_t *out)
{
	if (tls_cur_left(c) < 1)
		return -1;
	*out = c->p[c->off++];
	return 0;
}

int tls_cur_u16(struct tls_cur *c, uint16_t *out)
{
	if (tls_cur_left(c) < 2)
		return -1;
	*out = (uint16_t)((c->p[c->off] << 8) | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

int tls_cur_u24(struct tls_cur *c, uint32_t *out)
{
	if (tls_cur_left(c) < 3)
		return -1;
	*out =
	    ((uint32_t)c->p[c->off] << 16) | ((uint32_t)c->p[c->off + 1] << 8) | c->p[c->off + 2];
	c->off += 3;
	return 0;
}

int tls_cur_bytes(struct tls_cur *c, size_t n, const uint8_t **out)
{
	if (tls_cur_left(c) < n)
		return -1;
	*out = c->p + c->off;
	c->off += n;
	return 0;
}

int tls_cur_sub(struct tls_cur *c, size_t n, struct tls_cur *sub)
{
	const uint8_t *p;
	if (tls_cur_bytes(c, n, &p) < 0)
		return -1;
	tls_cur_init(sub, p, n);
	return 0;
}

/* ---- building ---- */

static void put8(struct strbuf *b, unsigned v)
{
	sb_addc(b, (char)(v & 0xff));
}

static void put16(struct strbuf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void put24(struct strbuf *b, size_t v)
{
	put8(b, (unsigned)(v >> 16));
	put8(b, (unsigned)(v >> 8));
	put8(b, (unsigned)v);
}

static void put_ext(struct strbuf *b, unsigned type, const struct strbuf *data)
{
	put16(b, type);
	put16(b, (unsigned)data->len);
	sb_add(b, data->buf ? data->buf : "", data->len);
}

static const uint16_t default_groups[] = {
    0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102,
    0x0103, 0x0104, 0x0016, 0x001a, 0x001b, 0x001c, 0x0029,
};

/* RFC 8446 §4.2.3 and the RFC 5246 pairs, plus sm2sig_sm3 (RFC 8998). */
static const uint16_t sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0401,
    0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0201, 0x0203, 0x0202, 0x0708,
};

static const uint8_t fixed_random[32] = {
    0x61, 0x73, 0x73, 0x61, 0x79, 0x2d, 0x74, 0x6c, 0x73, 0x2d, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x21,
    0x8e, 0x13, 0x5a, 0x02, 0xc4, 0x77, 0x19, 0xd0, 0x3b, 0xa5, 0x6e, 0x41, 0xf2, 0x08, 0x9c, 0x27,
};

static void build_ssl2(struct strbuf *out, const struct tls_hello *h)
{
	struct strbuf m = STRBUF_INIT;
	put8(&m, 1);
	put16(&m, TLS_V_SSL2);
	put16(&m, (unsigned)(h->nssl2 * 3));
	put16(&m, 0);
	put16(&m, 16);
	for (size_t i = 0; i < h->nssl2; i++) {
		put8(&m, h->ssl2_specs[i] >> 16);
		put16(&m, h->ssl2_specs[i] & 0xffff);
	}
	sb_add(&m, (const char *)(h->random ? h->random : fixed_random), 16);
	put8(out, 0x80 | (unsigned)(m.len >> 8));
	put8(out, (unsigned)m.len);
	sb_add(out, m.buf, m.len);
	sb_free(&m);
}

void tls_hello_build(struct strbuf *out, const struct tls_hello *h)
{
	if (h->version == TLS_V_SSL2) {
		build_ssl2(out, h);
		return;
	}
	const uint8_t *rnd = h->random ? h->random : fixed_random;
	bool v13 = h->version == TLS_V_TLS13;
	struct strbuf body = STRBUF_INIT, exts = STRBUF_INIT, d = STRBUF_INIT;

	put16(&body, v13 ? TLS_V_TLS12 : h->version);
	sb_add(&body, (const char *)rnd, 32);
	if (v13) { /* a 32-byte legacy session id, as middleboxes expect (RFC 8446 D.4) */
		put8(&body, 32);
		sb_add(&body, (const char *)rnd, 32);
	} else {
		put8(&body, 0);
	}
	size_t n = h->nsuites + (h->no_extensions ? 1 : 0) + (h->fallback_scsv ? 1 : 0);
	put16(&body, (unsigned)(n * 2));
	for (size_t i = 0; i < h->nsuites; i++)
		put16(&body, h->suites[i]);
	if (h->no_extensions)
		put16(&body, TLS_SCSV_RENEG);
	if (h->fallback_scsv)
		put16(&body, TLS_SCSV_FALLBACK);
	if (h->deflate) {
		put8(&body, 2);
		put8(&body, 1);
		put8(&body, 0);
	} else {
		put8(&body, 1);
		put8(&body, 0);
	}

	if (!h->no_extensions) {
		if (h->sni && *h->sni) {
			size_t sl = strlen(h->sni);
			if (sl > 255)
				sl = 255;
			put16(&d, (unsigned)(sl + 3));
			put8(&d, 0);
			put16(&d, (unsigned)sl);
			sb_add(&d, h->sni, sl);
			put_ext(&exts, 0x0000, &d);
			sb_reset(&d);
		}
		put16(&exts, 0xff01); /* renegotiation_info, empty (RFC 5746) */
		put16(&exts, 1);
		put8(&exts, 0);
		put16(&exts, 0x0017); /* extended_master_secret */
		put16(&exts, 0);
		put16(&exts, 0x0023); /* session_ticket */
		put16(&exts, 0);
		if (h->status_request) {
			put8(&d, 1);
			put16(&d, 0);
			put16(&d, 0);
			put_ext(&exts, 0x0005, &d);
			sb_reset(&d);
		}
		if (h->heartbeat) {
			put8(&d, 1);
			put_ext(&exts, 0x000f, &d);
			sb_reset(&d);
		}
		const uint16_t *g = h->groups ? h->groups : default_groups;
		size_t ng =
		    h->groups ? h->ngroups : sizeof(default_groups) / sizeof(default_groups[0]);
		put16(&d, (unsigned)(ng * 2));
		for (size_t i = 0; i < ng; i++)
			put16(&d, g[i]);
		put_ext(&exts, 0x000a, &d);
		sb_reset(&d);
		if (v13) {
			static const uint16_t vdef[] = {TLS_V_TLS13, TLS_V_TLS12, TLS_V_TLS11,
			                                TLS_V_TLS10};
			const uint16_t *v = h->versions ? h->versions : vdef;
			size_t nv = h->versions ? h->nversions : 4;
			put8(&d, (unsigned)(nv * 2));
			for (size_t i = 0; i < nv; i++)
				put16(&d, v[i]);
			put_ext(&exts, 0x002b, &d);
			sb_reset(&d);
			put8(&d, 1);
			put8(&d, 1);
			put_ext(&exts, 0x002d, &d); /* psk_key_exchange_modes: psk_dhe_ke */
			sb_reset(&d);
			if (h->key_share_x25519) {
				/* Any 32 bytes are an X25519 public key (RFC 7748 §5). */
				put16(&d, 36);
				put16(&d, 0x001d);
				put16(&d, 32);
				sb_add(&d, (const char *)rnd, 32);
			} else {
				put16(&d,
				      0); /* empty: the server answers with a HelloRetryRequest */
			}
			put_ext(&exts, 0x0033, &d);
			sb_reset(&d);
		}
		if (h->version >= TLS_V_TLS12) {
			put16(&d, (unsigned)(sizeof(sigalgs)));
			for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
				put16(&d, sigalgs[i]);
			put_ext(&exts, 0x000d, &d);
			sb_reset(&d);
		}
		/* ec_point_formats last: a non-empty extension must end the list. */
		put8(&d, 1);
		put8(&d, 0);
		put_ext(&exts, 0x000b, &d);
		sb_reset(&d);
		/* Hellos of 256-511 bytes hang some F5 devices: pad to 512 (RFC 7685). */
		size_t hl = 4 + body.len + 2 + exts.len;
		if (hl >= 256 && hl < 512) {
			size_t pad = 512 - hl - 4;
			if (pad == 0)
				pad = 1;
			put16(&exts, 0x0015);
			put16(&exts, (unsigned)pad);
			for (size_t i = 0; i < pad; i++)
				put8(&exts, 0);
		}
		put16(&body, (unsigned)exts.len);
		sb_add(&body, exts.buf, exts.len);
	}

	struct strbuf hs = STRBUF_INIT;
	put8(&hs, 1);
	put24(&hs, body.len);
	sb_add(&hs, body.buf, body.len);
	unsigned rv = h->version == TLS_V_SSL3   ? TLS_V_SSL3
	              : h->version == TLS_V_TLCP ? TLS_V_TLCP
	                                         : TLS_V_TLS10;
	for (size_t off = 0; off < hs.len;) {
		size_t take = hs.len - off > 16384 ? 16384 : hs.len - off;
		put8(out, 0x16);
		put16(out, rv);
		put16(out, (unsigned)take);
		sb_add(out, hs.buf + off, take);
		off += take;
	}
	sb_free(&hs);
	sb_free(&body);
	sb_free(&exts);
	sb_free(&d);
}

/* ---- parsing ---- */

static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

void tls_flight_init(struct tls_flight *f)
{
	memset(f, 0, sizeof(*f));
}

void tls_flight_free(struct tls_flight *f)
{
	sb_free(&f->hs);
	memset(f, 0, sizeof(*f));
}

static enum tls_resp set_kind(struct tls_flight *f, enum tls_resp k)
{
	f->kind = k;
	return k;
}

static enum tls_resp malformed(struct tls_flight *f, size_t off, const char *what)
{
	err_set("malformed %s at byte %zu of the server's reply", what, off);
	return set_kind(f, TLS_RESP_MALFORMED);
}

static enum tls_resp parse_ssl2(struct tls_flight *f, const uint8_t *buf, size_t len)
{
	if (len < 2)
		return set_kind(f, TLS_RESP_NEED_MORE);
	size_t rlen = ((size_t)(buf[0] & 0x7f) << 8) | buf[1];
	if (len < 2 + rlen)
		return set_kind(f, TLS_RESP_NEED_MORE);
	struct tls_cur c;
	tls_cur_init(&c, buf + 2, rlen);
	uint8_t type;
	if (tls_cur_u8(&c, &type) < 0)
		return malformed(f, 2, "SSLv2 message");
	if (type == 0) {
		if (tls_cur_u16(&c, &f->ssl2_error) < 0)
			return malformed(f, 3, "SSLv2 ERROR");
		return set_kind(f, TLS_RESP_SSL2_ERROR);
	}
	if (type != 4)
		return malformed(f, 2, "SSLv2 message type");
	uint8_t hit, ctype;
	uint16_t ver, clen, slen, idlen;
	if (tls_cur_u8(&c, &hit) < 0 || tls_cur_u8(&c, &ctype) < 0 || tls_cur_u16(&c, &ver) < 0 ||
	    tls_cur_u16(&c, &clen) < 0 || tls_cur_u16(&c, &slen) < 0 || tls_cur_u16(&c, &idlen) < 0)
		return malformed(f, 2 + c.off, "SSLv2 SERVER-HELLO header");
	const uint8_t *cert, *specs;
	if (slen % 3 != 0 || tls_cur_bytes(&c, clen, &cert) < 0 ||
	    tls_cur_bytes(&c, slen, &specs) < 0)
		return malformed(f, 2 + c.off, "SSLv2 SERVER-HELLO lengths");
	f->version = TLS_V_SSL2;
	f->saw_hello = true;
	if (clen > 0) {
		sb_reset(&f->hs);
		sb_add(&f->hs, (const char *)cert, clen);
		f->cert[0] = (const uint8_t *)f->hs.buf;
		f->cert_len[0] = clen;
		f->ncerts = f->ncerts_total = 1;
	}
	for (size_t i = 0; i + 3 <= slen && f->nssl2_specs < 64; i += 3)
		f->ssl2_specs[f->nssl2_specs++] =
		    ((uint32_t)specs[i] << 16) | ((uint32_t)specs[i + 1] << 8) | specs[i + 2];
	return set_kind(f, TLS_RESP_SSL2_HELLO);
}

static int parse_server_hello(struct tls_flight *f, struct tls_cur *c)
{
	const uint8_t *rnd;
	uint8_t sidlen;
	const uint8_t *sid;
	if (tls_cur_u16(c, &f->version) < 0 || tls_cur_bytes(c, 32, &rnd) < 0 ||
	    tls_cur_u8(c, &sidlen) < 0 || sidlen > 32 || tls_cur_bytes(c, sidlen, &sid) < 0)
		return -1;
	uint16_t suite;
	if (tls_cur_u16(c, &suite) < 0 || tls_cur_u8(c, &f->compression) < 0)
		return -1;
	f->suite = suite;
	f->hrr = memcmp(rnd, hrr_random, 32) == 0;
	f->downgrade_sentinel = memcmp(rnd + 24, "DOWNGRD", 7) == 0 && rnd[31] <= 1;
	if (tls_cur_left(c) == 0)
		return 0;
	uint16_t elen;
	struct tls_cur ext;
	if (tls_cur_u16(c, &elen) < 0 || tls_cur_sub(c, elen, &ext) < 0)
		return -1;
	while (tls_cur_left(&ext) > 0) {
		uint16_t type, len;
		struct tls_cur e;
		if (tls_cur_u16(&ext, &type) < 0 || tls_cur_u16(&ext, &len) < 0 ||
		    tls_cur_sub(&ext, len, &e) < 0)
			return -1;
		switch (type) {
		case 0x002b:
			if (tls_cur_u16(&e, &f->version) < 0)
				return -1;
			break;
		case 0x0033:
			if (tls_cur_u16(&e, &f->key_share_group) < 0)
				return -1;
			break;
		case 0xff01:
			f->ext_reneg = true;
			break;
		case 0x000f:
			f->ext_heartbeat = true;
			break;
		case 0x0023:
			f->ext_ticket = true;
			break;
		case 0x0005:
			f->ext_status = true;
			break;
		case 0x0017:
			f->ext_ems = true;
			break;
		default:
			break;
		}
	}
	return 0;
}

static int parse_certificate(struct tls_flight *f, struct tls_cur *c)
{
	uint32_t total;
	struct tls_cur list;
	if (tls_cur_u24(c, &total) < 0 || tls_cur_sub(c, total, &list) < 0)
		return -1;
	f->ncerts = f->ncerts_total = 0;
	while (tls_cur_left(&list) > 0) {
		uint32_t l;
		const uint8_t *der;
		if (tls_cur_u24(&list, &l) < 0 || l == 0 || tls_cur_bytes(&list, l, &der) < 0)
			return -1;
		if (f->ncerts < TLS_CERTS_MAX) {
			f->cert[f->ncerts] = der;
			f->cert_len[f->ncerts++] = l;
		}
		f->ncerts_total++;
	}
	return 0;
}

static int parse_ske(struct tls_flight *f, struct tls_cur *c)
{
	const struct tls_suite *s = tls_suite_find(f->suite);
	if (!s || f->version == TLS_V_TLCP)
		return 0;
	if (s->flags & TS_ECDHE) {
		uint8_t ctype;
		if (tls_cur_u8(c, &ctype) < 0)
			return -1;
		if (ctype == 3 && tls_cur_u16(c, &f->ske_group) < 0)
			return -1;
	} else if (s->flags & TS_DHE) {
		uint16_t plen;
		const uint8_t *p;
		if (tls_cur_u16(c, &plen) < 0 || tls_cur_bytes(c, plen, &p) < 0)
			return -1;
		size_t i = 0;
		while (i < plen && p[i] == 0)
			i++;
		unsigned bits = (unsigned)(plen - i) * 8;
		if (i < plen)
			for (uint8_t top = p[i]; !(top & 0x80); top <<= 1)
				bits--;
		f->dh_bits = bits;
	}
	return 0;
}

/* Walk the reassembled handshake messages; HELLO when the flight is complete. */
static enum tls_resp parse_handshakes(struct tls_flight *f, size_t *done, size_t base)
{
	struct tls_cur c;
	tls_cur_init(&c, (const uint8_t *)f->hs.buf, f->hs.len);
	c.off = *done;
	for (; tls_cur_left(&c) >= 4; *done = c.off) {
		uint8_t type = 0;
		uint32_t len = 0;
		struct tls_cur m;
		if (tls_cur_u8(&c, &type) < 0 || tls_cur_u24(&c, &len) < 0)
			break;
		if (len > TLS_FLIGHT_MAX)
			return malformed(f, base, "handshake message length");
		if (tls_cur_sub(&c, len, &m) < 0)
			return set_kind(f, TLS_RESP_NEED_MORE);
		if (!f->saw_hello && type != 2)
			return malformed(f, base, "first handshake message (not a ServerHello)");
		switch (type) {
		case 2:
			if (f->saw_hello)
				return malformed(f, base, "second ServerHello");
			if (parse_server_hello(f, &m) < 0)
				return malformed(f, base, "ServerHello");
			f->saw_hello = true;
			if (f->hrr || f->version == TLS_V_TLS13)
				return set_kind(f, TLS_RESP_HELLO); /* the rest is encrypted */
			break;
		case 11:
			if (parse_certificate(f, &m) < 0)
				return malformed(f, base, "Certificate message");
			break;
		case 12:
			if (parse_ske(f, &m) < 0)
				return malformed(f, base, "ServerKeyExchange");
			break;
		case 22:
			f->cert_status = true;
			break;
		case 14:
			f->done = true;
			return set_kind(f, TLS_RESP_HELLO);
		default:
			break;
		}
	}
	return set_kind(f, TLS_RESP_NEED_MORE);
}

enum tls_resp tls_flight_parse(struct tls_flight *f, const uint8_t *buf, size_t len, bool ssl2)
{
	struct strbuf keep = f->hs;
	tls_flight_init(f);
	f->hs = keep;
	/* Reserve room for every byte now: cert[] points into hs, so it must never move. */
	if (f->hs.cap < len + 1)
		sb_add(&f->hs, (const char *)buf, len);
	sb_reset(&f->hs);
	if (len == 0)
		return set_kind(f, TLS_RESP_NEED_MORE);
	if (ssl2 && (buf[0] & 0x80))
		return parse_ssl2(f, buf, len);
	if (buf[0] < 0x14 || buf[0] > 0x18) {
		err_set("not TLS: first byte 0x%02x is no TLS record type", buf[0]);
		return set_kind(f, TLS_RESP_NOT_TLS);
	}
	size_t off = 0, hs_done = 0;
	while (len - off >= 5) {
		uint8_t type = buf[off];
		uint16_t ver = (uint16_t)((buf[off + 1] << 8) | buf[off + 2]);
		size_t rlen = ((size_t)buf[off + 3] << 8) | buf[off + 4];
		if (type < 0x14 || type > 0x18 || (ver >> 8 != 3 && ver != TLS_V_TLCP)) {
			if (off == 0) {
				err_set("not TLS: bytes 0-4 are no TLS record header");
				return set_kind(f, TLS_RESP_NOT_TLS);
			}
			return malformed(f, off, "record header");
		}
		if (rlen > 16384 + 2048)
			return malformed(f, off, "record length");
		if (len - off - 5 < rlen)
			break;
		const uint8_t *frag = buf + off + 5;
		f->record_version = f->record_version ? f->record_version : ver;
		if (type == 0x15) {
			if (rlen < 2)
				return malformed(f, off, "alert record");
			f->alert_level = frag[0];
			f->alert_desc = frag[1];
			if (!f->saw_hello)
				return set_kind(f, TLS_RESP_ALERT);
			return set_kind(f, TLS_RESP_HELLO);
		}
		if (type == 0x16) {
			if (f->hs.len + rlen > TLS_FLIGHT_MAX)
				return malformed(f, off, "flight (over 1 MiB)");
			sb_add(&f->hs, (const char *)frag, rlen);
			enum tls_resp k = parse_handshakes(f, &hs_done, off);
			if (k != TLS_RESP_NEED_MORE)
				return k;
		} else if (f->saw_hello) {
			return set_kind(f, TLS_RESP_HELLO);
		} else if (type != 0x18) {
			return malformed(f, off, "record before the ServerHello");
		}
		off += 5 + rlen;
	}
	return set_kind(f, TLS_RESP_NEED_MORE);
}

enum tls_resp tls_flight_finish(struct tls_flight *f)
{
	if (f->kind == TLS_RESP_NEED_MORE && f->saw_hello)
		f->kind = TLS_RESP_HELLO;
	return f->kind;
}

const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case TLS_V_SSL2:
		return "sslv2";
	case TLS_V_SSL3:
		return "sslv3";
	case TLS_V_TLS10:
		return "tls1_0";
	case TLS_V_TLS11:
		return "tls1_1";
	case TLS_V_TLS12:
		return "tls1_2";
	case TLS_V_TLS13:
		return "tls1_3";
	case TLS_V_TLCP:
		return "tlcp";
	default:
		return "unknown";
	}
}

const char *tls_alert_name(uint8_t d)
{
	switch (d) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 40:
		return "handshake_failure";
	case 47:
		return "illegal_parameter";
	case 50:
		return "decode_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 109:
		return "missing_extension";
	case 112:
		return "unrecognized_name";
	case 120:
		return "no_application_protocol";
	default:
		return "alert";
	}
}

const char *tls_group_name(uint16_t g)
{
	switch (g) {
	case 0x0016:
		return "secp256k1";
	case 0x0017:
		return "secp256r1";
	case 0x0018:
		return "secp384r1";
	case 0x0019:
		return "secp521r1";
	case 0x001a:
		return "brainpoolp256r1";
	case 0x001b:
		return "brainpoolp384r1";
	case 0x001c:
		return "brainpoolp512r1";
	case 0x001d:
		return "x25519";
	case 0x001e:
		return "x448";
	case 0x0029:
		return "curvesm2";
	case 0x0100:
		return "ffdhe2048";
	case 0x0101:
		return "ffdhe3072";
	case 0x0102:
		return "ffdhe4096";
	case 0x0103:
		return "ffdhe6144";
	case 0x0104:
		return "ffdhe8192";
	default:
		return NULL;
	}
}
