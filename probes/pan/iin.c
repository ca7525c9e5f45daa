/*
 * Issuer identification numbers: which brand a card number belongs to and
 * which lengths that brand issues, the published test card numbers, and
 * the names the probe prints.
 *
 * The table is compiled from the schemes' published ranges as collected in
 * shared/notes/pan_binary.md §1.2 (ISO/IEC 7812 IINs; Mastercard's 2-series
 * since 2017; Discover's 644-649 and 65; UnionPay 62 and 81 with 16-19
 * digits). Order matters: the first matching row wins, so the narrower
 * ranges come first (622126-622925 is co-branded Discover/UnionPay and is
 * UnionPay here; Maestro's wide 6 range is last). BINs are moving from 6 to
 * 8 digits, but the brand is decided by at most the first 6.
 */
#include "probes/pan/scan.h"

#include <string.h>

struct iin_row {
	unsigned lo, hi; /* inclusive range of the first k digits */
	unsigned k;
	enum pan_brand brand;
	uint32_t lengths; /* bit L set: L digits issued */
};

#define LEN(a, b) ((uint32_t)(((1u << ((b) + 1)) - 1) & ~((1u << (a)) - 1)))

static const struct iin_row iin_table[] = {
    {622126, 622925, 6, PAN_BRAND_UNIONPAY, LEN(16, 19)},
    {62, 62, 2, PAN_BRAND_UNIONPAY, LEN(16, 19)},
    {81, 81, 2, PAN_BRAND_UNIONPAY, LEN(16, 19)},
    {6011, 6011, 4, PAN_BRAND_DISCOVER, LEN(16, 19)},
    {644, 649, 3, PAN_BRAND_DISCOVER, LEN(16, 19)},
    {65, 65, 2, PAN_BRAND_DISCOVER, LEN(16, 19)},
    {34, 34, 2, PAN_BRAND_AMEX, LEN(15, 15)},
    {37, 37, 2, PAN_BRAND_AMEX, LEN(15, 15)},
    {3528, 3589, 4, PAN_BRAND_JCB, LEN(16, 19)},
    {300, 305, 3, PAN_BRAND_DINERS, LEN(14, 19)},
    {36, 36, 2, PAN_BRAND_DINERS, LEN(14, 19)},
    {38, 39, 2, PAN_BRAND_DINERS, LEN(14, 19)},
    {2221, 2720, 4, PAN_BRAND_MASTERCARD, LEN(16, 16)},
    {51, 55, 2, PAN_BRAND_MASTERCARD, LEN(16, 16)},
    {4, 4, 1, PAN_BRAND_VISA, (1u << 13) | (1u << 16) | (1u << 19)},
    {50, 50, 2, PAN_BRAND_MAESTRO, LEN(13, 19)},
    {56, 58, 2, PAN_BRAND_MAESTRO, LEN(13, 19)},
    {6, 6, 1, PAN_BRAND_MAESTRO, LEN(13, 19)},
};

#define NROWS (sizeof(iin_table) / sizeof(iin_table[0]))

static const unsigned pow10_tab[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

/* The first k digits as a number; k <= 9. */
static unsigned prefix_value(const char *d, size_t k)
{
	unsigned v = 0;
	for (size_t i = 0; i < k; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	return v;
}

enum pan_brand pan_brand_of(const char *digits, size_t n, bool *length_ok)
{
	if (length_ok)
		*length_ok = false;
	/* No brand starts with 0, 1, 7 or 9: most digit runs (epoch times,
	 * ids) stop here. */
	if (n == 0 || !((0x17cu >> (digits[0] - '0')) & 1u))
		return PAN_BRAND_NONE;
	size_t m = n < 6 ? n : 6;
	unsigned v6 = prefix_value(digits, m);
	for (size_t i = 0; i < NROWS; i++) {
		const struct iin_row *r = &iin_table[i];
		if (m < r->k)
			continue;
		unsigned v = v6 / pow10_tab[m - r->k];
		if (v < r->lo || v > r->hi)
			continue;
		if (length_ok)
			*length_ok = n < 32 && (r->lengths >> n) & 1u;
		return r->brand;
	}
	return PAN_BRAND_NONE;
}

bool pan_prefix_plausible(const char *digits, size_t n)
{
	if (n == 0)
		return true;
	size_t m0 = n < 6 ? n : 6;
	for (size_t i = 0; i < NROWS; i++) {
		const struct iin_row *r = &iin_table[i];
		size_t m = m0 < r->k ? m0 : r->k;
		unsigned v = prefix_value(digits, m), div = pow10_tab[r->k - m];
		if (v >= r->lo / div && v <= r->hi / div)
			return true;
	}
	return false;
}

/*
 * Published test numbers of the schemes' and processors' sandboxes
 * (exact, Luhn-valid: PANhunt's list has many with the last digit turned
 * to 0 by a spreadsheet, which then never match; notes §1.4).
 */
static const char *const test_cards[] = {
    "4111111111111111", "4012888888881881", "4222222222222",    "4000056655665556",
    "4242424242424242", "4000000000000002", "5555555555554444", "5105105105105100",
    "5200828282828210", "2223000048400011", "2223003122003222", "378282246310005",
    "371449635398431",  "378734493671000",  "6011111111111117", "6011000990139424",
    "3530111333300000", "3566002020360505", "30569309025904",   "38520000023237",
    "36227206271667",   "6200000000000005", "6250941006528599", "6205500000000000004",
};

bool pan_is_test_card(const char *digits, size_t n)
{
	for (size_t i = 0; i < sizeof(test_cards) / sizeof(test_cards[0]); i++)
		if (strlen(test_cards[i]) == n && memcmp(test_cards[i], digits, n) == 0)
			return true;
	return false;
}

const char *pan_hit_severity(const struct pan_hit *h)
{
	switch (h->kind) {
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
	case PAN_KIND_CVV:
	case PAN_KIND_PIN_BLOCK:
		return "critical";
	case PAN_KIND_PAN:
		return h->conf == PAN_CONF_LOW ? "low" : "high";
	case PAN_KIND_MASKED_WIDE:
		return "medium";
	case PAN_KIND_MASKED_OK:
		break;
	}
	return "info";
}

const char *pan_hit_class(const struct pan_hit *h)
{
	switch (h->kind) {
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
	case PAN_KIND_CVV:
	case PAN_KIND_PIN_BLOCK:
		return "C3";
	case PAN_KIND_PAN:
	case PAN_KIND_MASKED_OK:
	case PAN_KIND_MASKED_WIDE:
		break;
	}
	return "C2";
}

const char *pan_secret_kind_name(enum pan_secret_kind k)
{
	switch (k) {
	case PAN_SECRET_PRIVATE_KEY:
		return "private-key";
	case PAN_SECRET_KEY_ENCRYPTED:
		return "private-key-encrypted";
	case PAN_SECRET_KEY_UNPARSED:
		return "private-key-unparsed";
	case PAN_SECRET_SYMMETRIC_KEY:
		return "symmetric-key";
	case PAN_SECRET_PASSWORD:
		return "hardcoded-password";
	case PAN_SECRET_API_KEY:
		return "hardcoded-api-key";
	case PAN_SECRET_ACCESS_KEY_ID:
		return "access-key-id";
	case PAN_SECRET_JDBC:
		return "jdbc-password";
	case PAN_SECRET_HEX_DIGEST:
		return "hex-digest";
	}
	return "?";
}

const char *pan_kind_name(enum pan_kind k)
{
	switch (k) {
	case PAN_KIND_PAN:
		return "pan";
	case PAN_KIND_TRACK1:
		return "track1";
	case PAN_KIND_TRACK2:
		return "track2";
	case PAN_KIND_CVV:
		return "cvv";
	case PAN_KIND_PIN_BLOCK:
		return "pin-block";
	case PAN_KIND_MASKED_OK:
		return "masked";
	case PAN_KIND_MASKED_WIDE:
		return "masked-too-wide";
	}
	return "?";
}

const char *pan_brand_name(enum pan_brand b)
{
	static const char *const names[] = {
	    [PAN_BRAND_NONE] = "unknown",          [PAN_BRAND_VISA] = "visa",
	    [PAN_BRAND_MASTERCARD] = "mastercard", [PAN_BRAND_AMEX] = "amex",
	    [PAN_BRAND_DISCOVER] = "discover",     [PAN_BRAND_JCB] = "jcb",
	    [PAN_BRAND_DINERS] = "diners",         [PAN_BRAND_MAESTRO] = "maestro",
	    [PAN_BRAND_UNIONPAY] = "unionpay",
	};
	return (unsigned)b < sizeof(names) / sizeof(names[0]) ? names[b] : "?";
}

const char *pan_conf_name(enum pan_confidence c)
{
	return c == PAN_CONF_HIGH ? "high" : c == PAN_CONF_MEDIUM ? "medium" : "low";
}
