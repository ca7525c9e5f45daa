/*
 * The resident ID and mobile number finder (probes/pan/pii.c) and what the
 * probes make of it: full numbers and masks (compliant and too wide),
 * the checks that keep other digit runs out (check digit, birth date,
 * boundaries, lengths), tokens split across writes, UTF-16 text through
 * the card scanner's stream, and PFI-05 judged end to end on files
 * (files.pii) and on pages of the http fixture site.
 *
 * The ID numbers are made here from 17 digits and the MOD 11-2 check; no
 * expected output holds one in full (fuzz/seeds/pii holds synthetic ones).
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include "lib/util.h"
#include "probes/pan/pii.h"
#include "probes/pan/scan.h"

#include <jansson.h>

/* An ID number: 17 digits and their check character. */
static void make_id(char out[19], const char *first17)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		out[i] = first17[i];
		sum += (first17[i] - '0') * w[i];
	}
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

struct got {
	size_t n;
	struct pii_hit v[16];
};

static void collect(void *ctx, const struct pii_hit *h)
{
	struct got *g = ctx;
	if (g->n < 16)
		g->v[g->n] = *h;
	g->n++;
}

static struct got scan(const char *text)
{
	struct got g = {0};
	pii_scan_buffer(text, strlen(text), collect, &g);
	return g;
}

/* No hit may hold a run of more digits than its compliant mask shows. */
static void assert_masked(const struct got *g)
{
	for (size_t i = 0; i < g->n && i < 16; i++) {
		const char *m = g->v[i].masked;
		size_t digits = 0;
		for (const char *p = m; *p; p++)
			digits += (*p >= '0' && *p <= '9') || *p == 'X';
		cr_assert(digits <= (g->v[i].field == PII_FIELD_ID ? 10u : 7u),
		          "'%s' shows too much", m);
	}
}

Test(pii, full_id_and_mobile_numbers_are_found_and_masked)
{
	char id[19];
	make_id(id, "11010119900307001");
	cr_assert(pii_id_valid(id));
	char *text = xasprintf("姓名：张三 身份证号：%s，手机：13812345678。", id);
	struct got g = scan(text);
	cr_assert_eq(g.n, 2);
	cr_assert_eq(g.v[0].kind, PII_ID);
	cr_assert_eq(g.v[0].field, PII_FIELD_ID);
	char want[24];
	snprintf(want, sizeof(want), "110101********%s", id + 14);
	cr_assert_str_eq(g.v[0].masked, want);
	cr_assert_eq(g.v[0].offset, (uint64_t)(strstr(text, id) - text));
	cr_assert_eq(g.v[1].kind, PII_MOBILE);
	cr_assert_str_eq(g.v[1].masked, "138****5678");
	assert_masked(&g);
	free(text);
}

Test(pii, other_digit_runs_are_not_ids_or_mobiles)
{
	char id[19], bad[19];
	make_id(id, "11010119900307001");
	memcpy(bad, id, sizeof(bad));
	bad[17] = bad[17] == '1' ? '2' : '1'; /* wrong check character */
	char date[19];
	make_id(date, "11010119901340001"); /* month 13, check right */
	char zero[19];
	make_id(zero, "01010119900307001"); /* region 0 */
	const char *const texts[] = {
	    bad,
	    date,
	    zero,
	    "12812345678",    /* 12x is not a mobile prefix */
	    "138123456789",   /* 12 digits */
	    "1381234567",     /* 10 digits */
	    "tel13812345678", /* inside a word */
	    "13812345678a",
	    "x13812345678",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		cr_expect_eq(scan(texts[i]).n, 0, "case %zu found something", i);
	struct got g = scan("+8613812345678");
	cr_assert_eq(g.n, 1, "+86 then a mobile number");
	cr_assert_eq(g.v[0].offset, 3);
	cr_assert_str_eq(g.v[0].masked, "138****5678");
	/* a run of a thousand digits is no token at all */
	char *digits = xmalloc(1001);
	memset(digits, '7', 1000);
	digits[1000] = '\0';
	cr_assert_eq(scan(digits).n, 0);
	free(digits);
}

Test(pii, masks_within_and_beyond_the_shown_digits)
{
	char id[19];
	make_id(id, "44030419851231002");
	char ok_id[19], wide_id[19], ok_id2[19];
	snprintf(ok_id, sizeof(ok_id), "440304********%s", id + 14);
	snprintf(wide_id, sizeof(wide_id), "4403041985****%s", id + 14);
	snprintf(ok_id2, sizeof(ok_id2), "4*****************");
	static const struct {
		const char *text;
		enum pii_kind kind;
		enum pii_field field;
	} cases[] = {
	    {"138****5678", PII_MASKED_OK, PII_FIELD_MOBILE},
	    {"1*********8", PII_MASKED_OK, PII_FIELD_MOBILE},
	    {"1381234*678", PII_MASKED_WIDE, PII_FIELD_MOBILE},
	    {"13812**5678", PII_MASKED_WIDE, PII_FIELD_MOBILE},
	    {"138**3**678", PII_MASKED_WIDE, PII_FIELD_MOBILE}, /* a digit between stars */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct got g = scan(cases[i].text);
		cr_assert_eq(g.n, 1, "%s", cases[i].text);
		cr_expect_eq(g.v[0].kind, cases[i].kind, "%s", cases[i].text);
		cr_expect_eq(g.v[0].field, cases[i].field, "%s", cases[i].text);
		assert_masked(&g);
	}
	struct got g = scan(ok_id);
	cr_assert(g.n == 1 && g.v[0].kind == PII_MASKED_OK && g.v[0].field == PII_FIELD_ID);
	g = scan(ok_id2);
	cr_assert(g.n == 1 && g.v[0].kind == PII_MASKED_OK);
	g = scan(wide_id);
	cr_assert(g.n == 1 && g.v[0].kind == PII_MASKED_WIDE && g.v[0].field == PII_FIELD_ID);
	assert_masked(&g);
	cr_assert_eq(scan("***********").n, 0, "all stars: nothing shown, nothing judged");
	cr_assert_eq(scan("****************").n, 0, "a card mask's length is not an ID's");
}

/* Every split of the text over two writes finds what one write finds. */
Test(pii, a_token_split_across_writes_is_found_once)
{
	char id[19];
	make_id(id, "32010219770101003");
	char *text = xasprintf("a %s b 13912345678 c 139****5678 d", id);
	size_t n = strlen(text);
	struct got whole = scan(text);
	cr_assert_eq(whole.n, 3);
	for (size_t cut = 0; cut <= n; cut++) {
		struct got g = {0};
		struct pii_stream s;
		pii_stream_init(&s, collect, &g);
		pii_stream_write(&s, text, cut);
		pii_stream_write(&s, text + cut, n - cut);
		pii_stream_finish(&s);
		cr_assert_eq(g.n, whole.n, "cut at %zu", cut);
		for (size_t i = 0; i < g.n; i++) {
			cr_assert_eq(g.v[i].offset, whole.v[i].offset, "cut at %zu", cut);
			cr_assert_str_eq(g.v[i].masked, whole.v[i].masked);
		}
	}
	free(text);
}

static void on_card(void *ctx, const struct pan_hit *h)
{
	(void)ctx;
	(void)h;
}

/* Through the card scanner's stream: UTF-16 text, offsets in its bytes. */
Test(pii, the_card_stream_finds_them_in_utf16_too)
{
	const char *text = "phone: 13712345678\r\n";
	size_t n = strlen(text);
	uint8_t *wide = xmalloc(2 * n + 2);
	wide[0] = 0xFF, wide[1] = 0xFE; /* BOM, little-endian */
	for (size_t i = 0; i < n; i++)
		wide[2 + 2 * i] = (uint8_t)text[i], wide[3 + 2 * i] = 0;
	struct got g = {0};
	struct pan_config cfg = {0};
	struct pan_stream *s = pan_stream_new(&cfg, on_card, &g);
	pan_stream_pii(s, collect);
	pan_stream_reset(s, PAN_ENC_AUTO);
	pan_stream_write(s, wide, 2 * n + 2);
	pan_stream_finish(s);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.v[0].kind, PII_MOBILE);
	cr_assert_eq(g.v[0].offset, 2 + 2 * 7, "the offset is in the file's bytes");
	/* a second stream on the same scanner starts afresh */
	g.n = 0;
	pan_stream_reset(s, PAN_ENC_AUTO);
	pan_stream_write(s, "x 13712345678", 13);
	pan_stream_finish(s);
	cr_assert(g.n == 1 && g.v[0].offset == 2);
	pan_stream_free(s);
	free(wide);
}

/* PFI-05 on files: off unless files.pii = true (the verdict is then error). */
Test(pii, pfi05_on_exports_needs_files_pii_and_judges_them, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char id[19];
	make_id(id, "11010519850707004");
	char *ok = xasprintf("%s/exports-ok", dir), *leak = xasprintf("%s/exports-leak", dir);
	cr_assert_eq(mkdir(ok, 0755), 0);
	cr_assert_eq(mkdir(leak, 0755), 0);
	char *masked = xasprintf("name,id,mobile\nZhang,110105********%s,138****5678\n", id + 14);
	char *full = xasprintf("name,id,mobile\nZhang,%s,13812345678\n", id);
	free(tu_write(ok, "customers.csv", masked));
	free(tu_write(leak, "customers.csv", full));
	char *plan = xasprintf("[assessment]\nname = pii\nrules = jrt0171\n"
	                       "[target ok]\nfiles = %s\nfiles.pii = true\n"
	                       "[target leak]\nfiles = %s\nfiles.pii = true\n"
	                       "[target off]\nfiles = %s\n",
	                       ok, leak, leak);
	char *js;
	json_t *j = tu_run_plan(dir, plan, &js);
	cr_assert_null(strstr(js, id), "a full ID number reached results.json");
	cr_assert_null(strstr(js, "13812345678"), "a full mobile number reached results.json");
	cr_assert(strstr(js, "138****5678"), "the masked form is there");
	cr_expect_str_eq(tu_verdict(j, "PFI-05", "ok"), "pass");
	cr_expect_str_eq(tu_verdict(j, "PFI-05", "leak"), "fail");
	cr_expect_str_eq(tu_verdict(j, "PFI-05", "off"), "error", "not looked for: no verdict");
	json_decref(j);
	free(js);
	free(plan);
	free(full);
	free(masked);
	free(ok);
	free(leak);
	free(dir);
}
