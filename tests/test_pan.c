/*
 * Tests of the card-data scanner (probes/pan/scan.h): what it finds and
 * what it must not (decoys), the masked forms it hands out, track data,
 * CVVs and PIN blocks, masked numbers, UTF-16, and streams cut into
 * pieces anywhere, including across the PAN_BLOCK boundary, where every
 * number must be found exactly once at its exact offset.
 */
#include "tests/testutil.h"

#include "lib/mask.h"
#include "probes/pan/scan.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

struct got {
	struct pan_hit *v;
	size_t n, cap;
};

static void collect(void *ctx, const struct pan_hit *h)
{
	struct got *g = ctx;
	*ARRAY_PUSH(g->v, g->n, g->cap) = *h;
}

static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static struct got scan_str(const char *text, bool ignore_test)
{
	struct pan_config cfg = {
	    .ignore_test_cards = ignore_test, .hmac_key = key, .hmac_key_len = sizeof(key)};
	struct got g = {0};
	pan_scan_buffer(&cfg, text, strlen(text), collect, &g);
	return g;
}

static size_t count_kind(const struct got *g, enum pan_kind k)
{
	size_t c = 0;
	for (size_t i = 0; i < g->n; i++)
		c += g->v[i].kind == k;
	return c;
}

/* Exactly one hit, of kind k; returns it. */
static struct pan_hit one(const char *text, enum pan_kind k)
{
	struct got g = scan_str(text, false);
	cr_assert_eq(g.n, 1, "'%s': %zu hits, want 1", mask_text(text), g.n);
	cr_assert_eq(g.v[0].kind, k, "'%s': kind %s", mask_text(text), pan_kind_name(g.v[0].kind));
	struct pan_hit h = g.v[0];
	free(g.v);
	return h;
}

static void none(const char *text)
{
	struct got g = scan_str(text, false);
	char *m = mask_text(text);
	cr_assert_eq(g.n, 0, "'%s': %zu hits (first: %s %s), want none", m, g.n,
	             g.n ? pan_kind_name(g.v[0].kind) : "", g.n ? g.v[0].masked : "");
	free(m);
	free(g.v);
}

/* A Luhn-valid number: prefix, then digits from seed, then the check digit. */
static void make_pan(char *out, const char *prefix, size_t len, unsigned seed)
{
	size_t k = strlen(prefix);
	memcpy(out, prefix, k);
	for (size_t i = k; i + 1 < len; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = (char)('0' + (seed >> 16) % 10);
	}
	out[len - 1] = '0';
	out[len] = '\0';
	for (int d = 0; d < 10; d++) {
		out[len - 1] = (char)('0' + d);
		if (luhn_valid(out, len))
			return;
	}
}

Test(pan_scan, contiguous_pan_masked_with_brand_and_place)
{
	struct pan_hit h = one("log line\nuser paid with 4111111111111111 today\n", PAN_KIND_PAN);
	cr_assert_str_eq(h.masked, "411111******1111");
	cr_assert_eq(h.brand, PAN_BRAND_VISA);
	cr_assert_eq(h.conf, PAN_CONF_HIGH);
	cr_assert_eq(h.line, 2);
	cr_assert_eq(h.column, 16);
	cr_assert_eq(h.offset, 9 + 15);
	cr_assert_eq(h.length, 16);
	cr_assert_eq(h.ndigits, 16);
	cr_assert(h.has_digest);
	cr_assert_null(strstr(h.excerpt, "4111111111111111"));
	cr_assert(strstr(h.excerpt, "411111******1111"), "excerpt: %s", h.excerpt);
}

Test(pan_scan, grouped_shapes)
{
	cr_assert_str_eq(one("card 4111 1111 1111 1111 ok", PAN_KIND_PAN).masked,
	                 "411111******1111");
	cr_assert_str_eq(one("card 5555-5555-5555-4444.", PAN_KIND_PAN).masked, "555555******4444");
	struct pan_hit a = one("amex 3782 822463 10005\n", PAN_KIND_PAN);
	cr_assert_eq(a.brand, PAN_BRAND_AMEX);
	cr_assert_str_eq(a.masked, "378282*****0005");
	cr_assert_eq(one("diners 3056 930902 5904", PAN_KIND_PAN).brand, PAN_BRAND_DINERS);
	/* 19 digits as 4-4-4-4-3 */
	char p[24], t[64];
	make_pan(p, "6212", 19, 7);
	snprintf(t, sizeof(t), "x: %.4s %.4s %.4s %.4s %.3s;", p, p + 4, p + 8, p + 12, p + 16);
	struct pan_hit u = one(t, PAN_KIND_PAN);
	cr_assert_eq(u.brand, PAN_BRAND_UNIONPAY);
	cr_assert_eq(u.ndigits, 19);
	/* the excerpt keeps the grouping, masked */
	cr_assert(strstr(one("card 4111 1111 1111 1111 ok", PAN_KIND_PAN).excerpt,
	                 "4111 11** **** 1111"));
}

Test(pan_scan, every_brand_of_the_table)
{
	const char *cases[][2] = {
	    {"4012888888881881", "visa"},       {"4222222222222", "visa"},
	    {"5105105105105100", "mastercard"}, {"2223000048400011", "mastercard"},
	    {"378282246310005", "amex"},        {"6011111111111117", "discover"},
	    {"3530111333300000", "jcb"},        {"30569309025904", "diners"},
	    {"6200000000000005", "unionpay"},   {"6205500000000000004", "unionpay"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char t[64];
		snprintf(t, sizeof(t), "pan=%s\n", cases[i][0]);
		struct pan_hit h = one(t, PAN_KIND_PAN);
		cr_assert_str_eq(pan_brand_name(h.brand), cases[i][1], "%s", cases[i][1]);
	}
	char p[24], t[64];
	make_pan(p, "81", 17, 3);
	snprintf(t, sizeof(t), "%s", p);
	cr_assert_eq(one(t, PAN_KIND_PAN).brand, PAN_BRAND_UNIONPAY);
	make_pan(p, "6759", 16, 5); /* Maestro */
	snprintf(t, sizeof(t), "%s", p);
	struct pan_hit m = one(t, PAN_KIND_PAN);
	cr_assert_eq(m.brand, PAN_BRAND_MAESTRO);
	cr_assert_eq(m.conf, PAN_CONF_MEDIUM);
}

Test(pan_scan, unionpay_luhn_failure_is_low_confidence_others_dropped)
{
	char p[24], t[64];
	make_pan(p, "6228", 19, 11);
	p[18] = (char)('0' + (p[18] - '0' + 1) % 10);
	snprintf(t, sizeof(t), "%s", p);
	struct pan_hit h = one(t, PAN_KIND_PAN);
	cr_assert_eq(h.conf, PAN_CONF_LOW);
	none("4111111111111112");
	none("5555555555554445");
	/* a Visa length the brand does not issue */
	make_pan(p, "4", 15, 9);
	none(p);
	/* Mastercard is 16 digits only */
	make_pan(p, "5105", 17, 9);
	none(p);
}

Test(pan_scan, decoys_are_not_hits)
{
	none("2024-01-05 12:30:45.123 request took 4111 ms");
	none("ts=1704067200123456 epoch micros");
	none("20241231235959123 compact timestamp");
	none("call +8613800138000 or 138 0013 8000");
	none("IBAN DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432");
	none("uuid 550e8400-e29b-41d4-a716-446655440000");
	none("12345678-1234-1234-1234-123456789012");
	none("order ORD-1000234567890123 shipped");
	none("41111111111111111111 is 20 digits");
	none("id 94111111111111111 glued");
	none("x 0.4111111111111111 float");
	none("version 4111111111111111.2");
	none("hex 0x4111111111111111 and a4111111111111111");
	none("4111 1111-1111 1111 mixed separators");
	none("4111  1111 1111 1111 double space");
	none("41 11 11 11 11 11 11 11 odd groups");
	none("sha 3a4b5c6d7e8f90123456789012345678901234ab");
}

Test(pan_scan, test_cards_ignored_on_request)
{
	struct got g = scan_str("4111111111111111 and 6011111111111117", true);
	cr_assert_eq(g.n, 0);
	free(g.v);
	char p[24];
	make_pan(p, "4", 16, 77);
	g = scan_str(p, true);
	cr_assert_eq(g.n, 1);
	free(g.v);
}

Test(pan_scan, track_data)
{
	struct pan_hit t1 =
	    one("rec %B4111111111111111^DOE/JOHN^2512101000000000000000?", PAN_KIND_TRACK1);
	cr_assert_str_eq(t1.masked, "411111******1111");
	cr_assert_null(strstr(t1.excerpt, "DOE"), "%s", t1.excerpt);
	cr_assert_null(strstr(t1.excerpt, "2512"), "%s", t1.excerpt);
	cr_assert_eq(t1.offset, 4);
	struct pan_hit t2 = one("raw ;4111111111111111=25121010000000000000? end", PAN_KIND_TRACK2);
	cr_assert_null(strstr(t2.excerpt, "2512"), "%s", t2.excerpt);
	cr_assert_eq(t2.offset, 4);
	one("tag57 4111111111111111D25122010000000000000F", PAN_KIND_TRACK2);
	/* the discretionary data is not read as another card number */
	one(";5555555555554444=2512101222300004844001?", PAN_KIND_TRACK2);
}

Test(pan_scan, cvv_with_label_near_card_data)
{
	struct got g =
	    scan_str("{\"pan\":\"4111111111111111\",\"exp\":\"12/26\",\"cvv\":\"123\"}", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_PAN), 1);
	cr_assert_eq(count_kind(&g, PAN_KIND_CVV), 1);
	for (size_t i = 0; i < g.n; i++) {
		cr_assert_null(strstr(g.v[i].excerpt, "\"123\""), "%s", g.v[i].excerpt);
		cr_assert_null(strstr(g.v[i].excerpt, "4111111111111111"));
	}
	free(g.v);
	g = scan_str("卡号 6200000000000005 安全码：456", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_CVV), 1);
	free(g.v);
	g = scan_str("card 411111******1111 CVV2=9876", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_MASKED_OK), 1);
	cr_assert_eq(count_kind(&g, PAN_KIND_CVV), 1);
	free(g.v);
	/* a label with no card data near it is not a CVV finding */
	none("cvv: 123 in a form template");
	g = scan_str("4111111111111111 cvv123", false); /* "cvv123" is a word, not a label */
	cr_assert_eq(count_kind(&g, PAN_KIND_CVV), 0);
	cr_assert_eq(g.n, 1);
	free(g.v);
}

Test(pan_scan, pin_blocks_need_a_label)
{
	struct pan_hit h = one("iso8583 DE52=0412AC89ABCDEF12 end", PAN_KIND_PIN_BLOCK);
	cr_assert_str_eq(h.masked, "****************");
	cr_assert_null(strstr(h.excerpt, "0412AC89"), "%s", h.excerpt);
	one("<PinBlock>0412ac89abcdef12</PinBlock>", PAN_KIND_PIN_BLOCK);
	one("\"pin_block\": \"1234567890abcdef\"", PAN_KIND_PIN_BLOCK);
	none("trace 0412AC89ABCDEF12 no label");
	none("spin 0412AC89ABCDEF12");
	none("pinblock 0412AC89ABCDEF1234 too long");
}

Test(pan_scan, masked_forms)
{
	struct pan_hit h = one("card 622848******1234 ok", PAN_KIND_MASKED_OK);
	cr_assert_str_eq(h.masked, "622848******1234");
	cr_assert_eq(h.brand, PAN_BRAND_UNIONPAY);
	one("card **** **** **** 1234", PAN_KIND_MASKED_OK);
	one("card ************1234", PAN_KIND_MASKED_OK);
	one("card XXXX-XXXX-XXXX-1234", PAN_KIND_MASKED_OK);
	one("card 4111 11** **** 1111", PAN_KIND_MASKED_OK);
	struct pan_hit w = one("card 41111111****1111 shows 8", PAN_KIND_MASKED_WIDE);
	cr_assert_str_eq(w.masked, "411111******1111");
	cr_assert_null(strstr(w.excerpt, "41111111"), "%s", w.excerpt);
	one("card 411111******111111 shows 6 at the end", PAN_KIND_MASKED_WIDE);
	none("****************");
	none("12345678****1234");   /* no brand starts 12 */
	none("boxxxxxxxxxxxx1234"); /* x's glued to a word */
}

Test(pan_scan, two_numbers_in_one_chain_and_neighbours)
{
	struct got g = scan_str("4111 1111 1111 1111 5555 5555 5555 4444", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_PAN), 2);
	free(g.v);
	g = scan_str("qty 5 4111111111111111,5105105105105100;378282246310005", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_PAN), 3);
	free(g.v);
	g = scan_str("**4111111111111111**", false);
	cr_assert_eq(count_kind(&g, PAN_KIND_PAN), 1);
	free(g.v);
}

Test(pan_scan, digests_match_equal_numbers_only)
{
	struct got g = scan_str("4111111111111111 x 4111-1111-1111-1111 x 4012888888881881", false);
	cr_assert_eq(g.n, 3);
	cr_assert(g.v[0].has_digest && g.v[1].has_digest && g.v[2].has_digest);
	cr_assert_eq(memcmp(g.v[0].digest, g.v[1].digest, 32), 0);
	cr_assert_neq(memcmp(g.v[0].digest, g.v[2].digest, 32), 0);
	free(g.v);
}

Test(pan_scan, excerpt_context_is_masked_too)
{
	/* an invalid 16-digit run beside a hit still loses its middle in the excerpt */
	struct got g = scan_str("1234567812345678 4111111111111111", false);
	cr_assert_eq(g.n, 1);
	cr_assert_null(strstr(g.v[0].excerpt, "1234567812345678"), "%s", g.v[0].excerpt);
	free(g.v);
}

/* --- streams --- */

static struct got scan_stream(const uint8_t *data, size_t n, size_t piece, enum pan_encoding enc)
{
	struct pan_config cfg = {.hmac_key = key, .hmac_key_len = sizeof(key)};
	struct got g = {0};
	struct pan_stream *s = pan_stream_new(&cfg, collect, &g);
	pan_stream_reset(s, enc);
	for (size_t i = 0; i < n; i += piece)
		pan_stream_write(s, data + i, n - i < piece ? n - i : piece);
	pan_stream_finish(s);
	pan_stream_free(s);
	return g;
}

Test(pan_stream, numbers_across_block_boundaries_found_once)
{
	/* Numbers placed so that one straddles each byte position around
	 * the first two block boundaries, in every shape. */
	const char *forms[] = {"4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444",
	                       "%B4111111111111111^DOE/J^2512101?", "622848******1234"};
	size_t n = 3 * PAN_BLOCK;
	uint8_t *buf = xmalloc(n);
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t len = strlen(forms[f]);
		memset(buf, 'a', n);
		for (size_t i = 0; i < n; i += 97)
			buf[i] = '\n';
		size_t want[128], nw = 0;
		/* the stream's first scan covers about PAN_BLOCK; cover wide */
		for (size_t blk = 1; blk <= 2; blk++)
			for (long d = -40; d <= 40; d += 5) {
				size_t at = blk * PAN_BLOCK + (size_t)((long)d * 31) - 600;
				buf[at - 1] = ' ';
				memcpy(buf + at, forms[f], len);
				buf[at + len] = ' ';
				want[nw++] = at;
			}
		size_t pieces[] = {n, 4096, 1000003, 65536 + 7};
		for (size_t p = 0; p < 4; p++) {
			struct got g = scan_stream(buf, n, pieces[p], PAN_ENC_BYTES);
			cr_assert_eq(g.n, nw, "form %zu piece %zu: %zu hits, want %zu", f,
			             pieces[p], g.n, nw);
			for (size_t i = 0; i < nw; i++)
				cr_assert_eq(g.v[i].offset, want[i], "form %zu hit %zu", f, i);
			free(g.v);
		}
	}
	free(buf);
}

Test(pan_stream, a_number_at_every_offset_of_a_boundary)
{
	/* One number, moved byte by byte across the scan's margin and the block edge. */
	size_t n = PAN_BLOCK + 4096;
	uint8_t *buf = xmalloc(n);
	for (size_t at = PAN_BLOCK - 1200; at < PAN_BLOCK + 40; at += 1) {
		memset(buf, '.', n);
		memcpy(buf + at, "4111111111111111", 16);
		struct got g = scan_stream(buf, n, 8192, PAN_ENC_BYTES);
		cr_assert_eq(g.n, 1, "at %zu: %zu hits", at, g.n);
		cr_assert_eq(g.v[0].offset, at);
		free(g.v);
		if (at == PAN_BLOCK - 1000)
			at = PAN_BLOCK - 40; /* the middle is the same case again */
	}
	free(buf);
}

Test(pan_stream, lines_and_columns_far_into_a_stream)
{
	size_t n = 2 * PAN_BLOCK + 12345;
	uint8_t *buf = xmalloc(n);
	memset(buf, 'z', n);
	for (size_t i = 0; i < n - 100; i += 100)
		buf[i] = '\n';
	size_t at = 2 * PAN_BLOCK + 150;
	memcpy(buf + at, " 4111111111111111 ", 18);
	/* the truth, counted the slow way */
	size_t line = 1, start = 0;
	for (size_t i = 0; i <= at; i++)
		if (buf[i] == '\n') {
			line++;
			start = i + 1;
		}
	struct got g = scan_stream(buf, n, 50000, PAN_ENC_BYTES);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.v[0].line, line);
	cr_assert_eq(g.v[0].column, at + 1 - start + 1);
	free(g.v);
	free(buf);
}

static uint8_t *to_utf16(const char *s, bool le, bool bom, size_t *n)
{
	size_t k = strlen(s);
	uint8_t *o = xmalloc(2 * k + 2);
	size_t j = 0;
	if (bom) {
		o[j++] = le ? 0xFF : 0xFE;
		o[j++] = le ? 0xFE : 0xFF;
	}
	for (size_t i = 0; i < k; i++) {
		o[j++] = le ? (uint8_t)s[i] : 0;
		o[j++] = le ? 0 : (uint8_t)s[i];
	}
	*n = j;
	return o;
}

Test(pan_stream, utf16_with_and_without_bom)
{
	const char *text = "Customer record exported from the legacy CRM system\r\n"
	                   "name=Li Wei card=4111111111111111 exp=12/26\r\n";
	for (int v = 0; v < 4; v++) {
		bool le = v & 1, bom = v & 2;
		size_t n;
		uint8_t *u = to_utf16(text, le, bom, &n);
		struct got g = scan_stream(u, n, 7, PAN_ENC_AUTO);
		cr_assert_eq(g.n, 1, "le %d bom %d", le, bom);
		size_t pos = (size_t)(strstr(text, "4111") - text);
		cr_assert_eq(g.v[0].offset, (bom ? 2 : 0) + 2 * pos);
		cr_assert_eq(g.v[0].line, 2);
		free(g.v);
		/* as bytes, UTF-16 hides the number */
		g = scan_stream(u, n, n, PAN_ENC_BYTES);
		cr_assert_eq(g.n, 0);
		free(g.v);
		free(u);
	}
}

/* Two bytes of BOM in front of plain text must not hide the card numbers in it. */
Test(pan_stream, a_false_bom_does_not_hide_plain_text)
{
	for (int le = 0; le < 2; le++) {
		char buf[64];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%s card 4111111111111111 end\n",
		                            le ? "\xff\xfe" : "\xfe\xff");
		struct got g = scan_stream((const uint8_t *)buf, n, 5, PAN_ENC_AUTO);
		cr_assert_eq(g.n, 1, "le %d: the number after a false BOM was missed", le);
		cr_assert_str_eq(g.v[0].masked, "411111******1111");
		free(g.v);
	}
}

Test(pan_stream, holes_move_offsets_on)
{
	struct pan_config cfg = {0};
	struct got g = {0};
	struct pan_stream *s = pan_stream_new(&cfg, collect, &g);
	pan_stream_reset(s, PAN_ENC_BYTES);
	pan_stream_write(s, "a\n4111111111111111\n", 19);
	pan_stream_skip(s, 100u << 20);
	pan_stream_write(s, "b\n5555555555554444\n", 19);
	pan_stream_finish(s);
	struct pan_stream_stats st;
	pan_stream_stats(s, &st);
	cr_assert_eq(st.bytes, 38 + (100u << 20));
	pan_stream_free(s);
	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.v[0].offset, 2);
	cr_assert_eq(g.v[1].offset, 19 + (100u << 20) + 2);
	cr_assert_eq(g.v[1].line, 4);
	free(g.v);
}

Test(pan_stream, long_runs_and_long_lines_stay_bounded)
{
	/* 5 MiB of digits then a number: the giant run is not a number, the
	 * number after it (separated) is found once. */
	size_t n = 5u << 20;
	uint8_t *buf = xmalloc(n + 32);
	memset(buf, '7', n);
	memcpy(buf + n, " 4111111111111111\n", 18);
	struct got g = scan_stream(buf, n + 18, 1 << 16, PAN_ENC_BYTES);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.v[0].offset, n + 1);
	cr_assert_eq(g.v[0].column, n + 2);
	free(g.v);
	free(buf);
}

/* The fast pass works on 64-byte blocks: numbers of every shape,
 * starting at every offset of two blocks, followed by text or by the end
 * of the buffer. */
static void grid_check(void)
{
	const char *forms[] = {"4111111111111111", "4111 1111 1111 1111", "6205500000000000004",
	                       "4222222222222",    "622848******1234",    "4111 1111 1111 1"};
	char buf[256];
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		size_t len = strlen(forms[f]);
		for (size_t at = 0; at + len <= 160; at++) {
			for (int tail = 0; tail < 2; tail++) {
				memset(buf, '.', sizeof(buf));
				memcpy(buf + at, forms[f], len);
				size_t n = tail ? at + len : 200;
				struct pan_config cfg = {0};
				struct got g = {0};
				pan_scan_buffer(&cfg, buf, n, collect, &g);
				bool masked = strchr(forms[f], '*') != NULL;
				size_t want = strcmp(forms[f], "4111 1111 1111 1") == 0 ? 0 : 1;
				cr_assert_eq(g.n, want, "form %zu at %zu tail %d: %zu hits", f, at,
				             tail, g.n);
				if (want) {
					cr_assert_eq(g.v[0].offset, at);
					cr_assert_eq(g.v[0].kind,
					             masked ? PAN_KIND_MASKED_OK : PAN_KIND_PAN);
				}
				free(g.v);
			}
		}
	}
}

Test(pan_scan, every_position_of_the_64_byte_grid)
{
	grid_check();
}

Test(pan_scan, the_sse2_fast_pass_agrees)
{
	/* machines without AVX2 take the SSE2 code: the same answers */
	setenv("ASSAY_PAN_SSE2", "1", 1);
	grid_check();
	struct got g = scan_str("a 4111 1111 1111 1111 b %B4111111111111111^DOE/J^2512101? c "
	                        "622848******1234 DE52=0412AC89ABCDEF12 cvv 123",
	                        false);
	cr_assert_eq(g.n, 5);
	free(g.v);
}

Test(pan_scan, digest_is_hmac_sha256_of_the_digits)
{
	/* the same value OpenSSL's one-shot HMAC gives, hit after hit */
	struct got g =
	    scan_str("4111111111111111 and 5555 5555 5555 4444 and 4111111111111111", false);
	cr_assert_eq(g.n, 3);
	const char *digits[] = {"4111111111111111", "5555555555554444", "4111111111111111"};
	for (size_t i = 0; i < 3; i++) {
		unsigned char want[32];
		unsigned len = 0;
		HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)digits[i], 16, want,
		     &len);
		cr_assert_eq(memcmp(g.v[i].digest, want, 32), 0, "hit %zu", i);
	}
	free(g.v);
}
