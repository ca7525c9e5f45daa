/*
 * The scanner's second stage (scan.c is the first): a chain of digit
 * groups becomes card numbers, track data or masked numbers, or nothing;
 * labelled CVVs are looked for around what was found, and labelled PIN
 * blocks in hex runs.
 *
 * A chain's groups are split into windows shaped like card numbers (one
 * group of 13-19, 4-4-4-4..., 4-6-5, 4-6-4), longest first. A window of
 * digits is a PAN if its IIN names a brand that issues that length and the
 * Luhn digit checks (UnionPay: reported at low confidence when it fails);
 * a window with one block of mask characters is a masked number.
 * Boundaries follow the anchors (ccsrch, PANhunt, Zeek; notes §1.4): a
 * digit or letter touching the number, a decimal point before or after, a
 * leading '+', or an IBAN's country code and check digits before it
 * disqualify it.
 */
#include "probes/pan/scan_int.h"
#include "lib/mask.h"
#include "lib/util.h"

#include <string.h>

/* One group of a chain, classified. */
enum gtype { G_DIGITS, G_MASK, G_JUNK };
struct group {
	size_t s, e;
	enum gtype t;
	uint8_t mc; /* the mask character of a G_MASK group */
};

/* --- CVV near card data --- */

/*
 * The CVV labels (PCI DSS glossary: CAV2/CVC2/CID/CVV2/CVN2; the Chinese
 * terms on UnionPay cards and forms). A label may run on in letters
 * ("cvvCode"), then separators, then the 3-4 digit value.
 */
struct label {
	const char *s;
	size_t len;
};
#define LABEL(s)                                                                                   \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct label cvv_labels[] = {
    LABEL("cvv"),
    LABEL("cvc"),
    LABEL("cvn"),
    LABEL("cav"),
    LABEL("cid"),
    LABEL("csc"),
    LABEL("card verification"),
    LABEL("security code"),
    LABEL("securitycode"),
    LABEL("安全码"),
    LABEL("校验码"),
    LABEL("验证码"),
};

/* Whether label l (lower case) is at b[i], ASCII letters in any case. */
static bool label_at(const uint8_t *b, size_t i, size_t n, const struct label *l)
{
	if (i + l->len > n)
		return false;
	for (size_t j = 0; j < l->len; j++) {
		uint8_t c = b[i + j], x = (uint8_t)l->s[j];
		if (x < 0x80 && is_alpha(x))
			c |= 0x20;
		if (c != x)
			return false;
	}
	return true;
}

/* A labelled CVV value starting a label at b[i]: its digits in [*vs, *ve). */
bool cvv_at(const uint8_t *b, size_t lo, size_t i, size_t n, size_t *vs, size_t *ve)
{
	if (!is_cvv_lead(b[i]))
		return false;
	if (b[i] < 0x80 && i > lo && is_alpha(b[i - 1]))
		return false;
	uint8_t c1 = i + 1 < n ? b[i + 1] : 0;
	if (b[i] < 0x80)
		c1 |= 0x20;
	for (size_t l = 0; l < sizeof(cvv_labels) / sizeof(cvv_labels[0]); l++) {
		const struct label *lb = &cvv_labels[l];
		if ((uint8_t)lb->s[1] != c1 || !label_at(b, i, n, lb))
			continue;
		size_t p = i + lb->len, q = p;
		while (q < n && q - p < 12 && (is_alpha(b[q]) || b[q] == '_' || b[q] == '2'))
			q++;
		size_t r = q;
		while (r < n && r - q < 8) {
			if (b[r] && strchr(" \t:=\"'[](){}<>,/-#", b[r]))
				r++;
			else if (r + 3 <= n && b[r] == 0xEF && b[r + 1] == 0xBC && b[r + 2] == 0x9A)
				r += 3; /* a fullwidth colon, as Chinese text writes it */
			else
				break;
		}
		if (r == p && (uint8_t)lb->s[0] < 0x80)
			continue; /* "cvv123": an ASCII label needs a separator */
		size_t d = r;
		while (d < n && is_digit(b[d]))
			d++;
		if (d - r < 3 || d - r > 4 || (d < n && (is_word(b[d]) || b[d] == '.')))
			continue;
		*vs = r;
		*ve = d;
		return true;
	}
	return false;
}

static bool cvv_reported(struct scan_state *st, uint64_t off)
{
	unsigned k = st->ncvv < 16 ? st->ncvv : 16;
	for (unsigned i = 0; i < k; i++)
		if (st->cvv_seen[i] == off)
			return true;
	st->cvv_seen[st->ncvv++ % 16] = off;
	return false;
}

static void cvv_near(struct scan *sc, size_t s, size_t e)
{
	const uint8_t *b = sc->b;
	size_t lo = s > NEAR ? s - NEAR : 0, hi = e + NEAR < sc->n ? e + NEAR : sc->n;
	/* Start past what an earlier window judged for good: a label that
	 * starts more than CVV_LOOKAHEAD before that window's end was decided
	 * on all the bytes it needs, and a CVV it found was reported then. */
	size_t from = lo;
	uint64_t done = sc->st->cvv_done;
	if (done > sc->base + lo)
		from = done - sc->base < hi ? (size_t)(done - sc->base) : hi;
	if (hi > CVV_LOOKAHEAD && sc->base + hi - CVV_LOOKAHEAD > done)
		sc->st->cvv_done = sc->base + hi - CVV_LOOKAHEAD;
	for (size_t i = from; i < hi; i++) {
		size_t vs, ve;
		if (!is_cvv_lead(b[i]))
			continue;
		if (!cvv_at(b, lo, i, hi, &vs, &ve))
			continue;
		i = ve;
		if (cvv_reported(sc->st, sc->base + vs))
			continue;
		struct pan_hit *h = hit_new(sc, PAN_KIND_CVV, vs, ve);
		memset(h->masked, '*', ve - vs);
		make_excerpt(sc, h, vs, ve, mask_all_hit, NULL);
	}
}

/* --- PIN blocks --- */

/*
 * Labels of a PIN block (ISO 9564 formats; ISO 8583 data element 52,
 * "PIN data"): the word before a 16-hex value, lower-cased without spaces,
 * underscores and dashes, must end with one of these.
 */
static const char *const pin_labels[] = {
    "pinblock", "pinblk", "pindata", "encryptedpin", "epb", "pin",
    "field52",  "fld52",  "de52",    "de052",        "f52", "bit52",
};

static bool pin_label_before(const uint8_t *b, size_t lo, size_t s)
{
	size_t p = s, k = 0;
	while (p > lo && k < 8 && b[p - 1] && strchr(" \t:=\"'[](){}<>,/#", b[p - 1]))
		p--, k++;
	char w[32];
	size_t n = 0;
	while (p > lo && n < sizeof(w) - 1 &&
	       (is_word(b[p - 1]) || b[p - 1] == ' ' || b[p - 1] == '-')) {
		uint8_t c = b[--p];
		if (c == ' ' || c == '_' || c == '-')
			continue;
		w[n++] = (char)(is_alpha(c) ? c | 0x20 : c);
	}
	/* w holds the word reversed */
	for (size_t l = 0; l < sizeof(pin_labels) / sizeof(pin_labels[0]); l++) {
		size_t k2 = strlen(pin_labels[l]);
		if (k2 > n)
			continue;
		bool ok = true;
		for (size_t j = 0; j < k2 && ok; j++)
			ok = w[j] == pin_labels[l][k2 - 1 - j];
		/* "pin" alone must be the whole word or end it after a non-letter
		 * ("spin" is not a label) */
		if (ok && k2 < n && is_alpha((uint8_t)w[k2]) && strcmp(pin_labels[l], "pin") == 0)
			ok = false;
		if (ok)
			return true;
	}
	return false;
}

static unsigned hexval(uint8_t c)
{
	return is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* 40 or 64 hex digits alone, the shape of a SHA-1 or SHA-256 digest (UPD-07). */
static void hex_digest(struct scan *sc, size_t s, size_t e)
{
	const uint8_t *b = sc->b;
	struct scan_state *st = sc->st;
	if ((s > 0 && is_word(b[s - 1])) || (e < sc->n && is_word(b[e])) ||
	    st->ndg >= SCAN_DIGESTS_MAX)
		return;
	st->dg[st->ndg].off = sc->base + s;
	st->dg[st->ndg].len = (uint8_t)((e - s) / 2);
	for (size_t i = 0; i < (e - s) / 2; i++)
		st->dg[st->ndg].bytes[i] = (uint8_t)(hexval(b[s + 2 * i]) << 4 | hexval(b[s + 2 * i + 1]));
	st->ndg++;
}

void judge_hex(struct scan *sc, size_t lo, size_t hi, size_t slo, size_t shi)
{
	const uint8_t *b = sc->b;
	size_t p = lo > sc->hex_done ? lo : sc->hex_done;
	while (p < hi) {
		if (!is_hex(b[p])) {
			p++;
			continue;
		}
		size_t s = p, e = p;
		while (s > 0 && is_hex(b[s - 1]))
			s--;
		while (e < sc->n && is_hex(b[e]))
			e++;
		p = e;
		if (s >= shi)
			continue; /* for a later pass (or the next buffer) to judge */
		sc->hex_done = e;
		if (sc->st->want_digests && s >= slo && (e - s == 40 || e - s == 64))
			hex_digest(sc, s, e);
		if (s < slo || e - s != 16)
			continue;
		if ((s > 0 && is_word(b[s - 1])) || (e < sc->n && (is_word(b[e]))))
			continue;
		size_t lb = s > 48 ? s - 48 : 0;
		if (!pin_label_before(b, lb, s))
			continue;
		struct pan_hit *h = hit_new(sc, PAN_KIND_PIN_BLOCK, s, e);
		memset(h->masked, '*', 16);
		make_excerpt(sc, h, s, e, mask_all_hit, NULL);
	}
}

/* --- card numbers --- */

/* Letters, a decimal point with a digit beyond it, '+', or an IBAN head before s. */
static bool bad_left(const uint8_t *b, size_t s)
{
	if (s == 0)
		return false;
	uint8_t l = b[s - 1];
	if (is_word(l) || l == '+')
		return true;
	if (l == '.' && s >= 2 && is_digit(b[s - 2]))
		return true;
	/* "DE89 3704 0044 ...": a country code and check digits, a separator */
	if (is_sep(l) && s >= 5 && is_digit(b[s - 2]) && is_digit(b[s - 3]) && is_alpha(b[s - 4]) &&
	    is_alpha(b[s - 5]) && (s == 5 || !is_word(b[s - 6])))
		return true;
	return false;
}

static bool bad_right(const uint8_t *b, size_t e, size_t n)
{
	if (e >= n)
		return false;
	uint8_t r = b[e];
	if (is_word(r))
		return true;
	if (r == '.' && e + 1 < n && is_digit(b[e + 1]))
		return true;
	return false;
}

/* Brand, length and Luhn of digits; false to drop. */
static bool judge_pan(const char *d, size_t nd, enum pan_brand *brand, enum pan_confidence *conf)
{
	bool len_ok;
	*brand = pan_brand_of(d, nd, &len_ok);
	if (*brand == PAN_BRAND_NONE || !len_ok)
		return false;
	if (!luhn_valid(d, nd)) {
		if (*brand != PAN_BRAND_UNIONPAY)
			return false;
		*conf = PAN_CONF_LOW;
		return true;
	}
	*conf = *brand == PAN_BRAND_MAESTRO ? PAN_CONF_MEDIUM : PAN_CONF_HIGH;
	return true;
}

static bool skip_test_card(struct scan *sc, const char *d, size_t nd)
{
	if (sc->cfg->ignore_test_cards && pan_is_test_card(d, nd)) {
		sc->st->test_ignored++;
		return true;
	}
	return false;
}

/* Track 2 after the contiguous PAN b[s, e): '=' or 'D', expiry, service code. */
static bool try_track2(struct scan *sc, size_t s, size_t e, const char *d, size_t nd)
{
	const uint8_t *b = sc->b;
	if (e >= sc->n || (b[e] != '=' && b[e] != 'D'))
		return false;
	size_t p = e + 1;
	while (p < sc->n && p - e <= TRACK_MAX && is_digit(b[p]))
		p++;
	size_t need = b[e] == '=' ? 4 : 7;
	if (p - e - 1 < need)
		return false;
	if (s > 0 && is_word(b[s - 1]))
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	/* EMV tag 57 pads with 'F'; magnetic track 2 ends with '?' */
	while (p < sc->n && p - e <= TRACK_MAX && b[p] == 'F')
		p++;
	if (p < sc->n && b[p] == '?')
		p++;
	size_t hs = s > 0 && b[s - 1] == ';' ? s - 1 : s;
	struct pan_hit *h = hit_new(sc, PAN_KIND_TRACK2, hs, p);
	h->brand = brand;
	h->conf = conf == PAN_CONF_LOW ? PAN_CONF_LOW : PAN_CONF_HIGH;
	mask_pan(h->masked, d, nd); /* 6 + 4 */
	hit_digest(sc, h, d, nd);
	struct track_mask tm = {s - hs, e - s, nd};
	make_excerpt(sc, h, hs, p, mask_track_hit, &tm);
	sc->st->skip_until = sc->base + p;
	cvv_near(sc, hs, p);
	return true;
}

/* Track 1 around the contiguous PAN b[s, e): 'B' before, '^' NAME '^' YYMM after. */
static bool try_track1(struct scan *sc, size_t s, size_t e, const char *d, size_t nd)
{
	const uint8_t *b = sc->b;
	if (s == 0 || b[s - 1] != 'B' || e >= sc->n || b[e] != '^')
		return false;
	if (s >= 2 && b[s - 2] != '%' && is_word(b[s - 2]))
		return false;
	size_t p = e + 1;
	while (p < sc->n && p - e <= 27 && b[p] != '^' && b[p] >= 0x20 && b[p] < 0x7f &&
	       b[p] != '?')
		p++;
	if (p >= sc->n || b[p] != '^' || p - e - 1 < 2)
		return false;
	size_t q = ++p;
	while (q < sc->n && q - p < 4 && is_digit(b[q]))
		q++;
	if (q - p < 4)
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	while (q < sc->n && q - e <= TRACK_MAX && b[q] >= 0x20 && b[q] < 0x7f && b[q] != '?' &&
	       b[q] != '%' && b[q] != ';')
		q++;
	if (q < sc->n && b[q] == '?')
		q++;
	size_t hs = s >= 2 && b[s - 2] == '%' ? s - 2 : s - 1;
	struct pan_hit *h = hit_new(sc, PAN_KIND_TRACK1, hs, q);
	h->brand = brand;
	h->conf = conf;
	mask_pan(h->masked, d, nd); /* 6 + 4 */
	hit_digest(sc, h, d, nd);
	struct track_mask tm = {s - hs, e - s, nd};
	make_excerpt(sc, h, hs, q, mask_track_hit, &tm);
	sc->st->skip_until = sc->base + q;
	cvv_near(sc, hs, q);
	return true;
}

/* The digits of b[s, e) into d (at most 19); their count. */
static size_t digits_of(const uint8_t *b, size_t s, size_t e, char *d)
{
	size_t k = 0;
	for (size_t i = s; i < e && k < 19; i++)
		if (is_digit(b[i]))
			d[k++] = (char)b[i];
	return k;
}

/*
 * A PAN in b[s, e) (digits, maybe grouped); left_edge/right_edge say
 * whether s and e are the chain's own ends (then the bytes beyond are
 * judged) or inside a longer chain (medium confidence at best).
 */
static bool try_pan(struct scan *sc, size_t s, size_t e, bool left_edge, bool right_edge,
                    bool contiguous)
{
	const uint8_t *b = sc->b;
	char d[19];
	size_t nd = digits_of(b, s, e, d);
	if (contiguous && (try_track2(sc, s, e, d, nd) || try_track1(sc, s, e, d, nd)))
		return true;
	if ((left_edge && bad_left(b, s)) || (right_edge && bad_right(b, e, sc->n)))
		return false;
	enum pan_brand brand;
	enum pan_confidence conf = PAN_CONF_HIGH;
	if (!judge_pan(d, nd, &brand, &conf))
		return false;
	if (skip_test_card(sc, d, nd))
		return true;
	if ((!left_edge || !right_edge) && conf == PAN_CONF_HIGH)
		conf = PAN_CONF_MEDIUM;
	struct pan_hit *h = hit_new(sc, PAN_KIND_PAN, s, e);
	h->brand = brand;
	h->conf = conf;
	mask_pan(h->masked, d, nd); /* 6 + 4 */
	hit_digest(sc, h, d, nd);
	make_excerpt(sc, h, s, e, mask_pan_hit, &nd);
	cvv_near(sc, s, e);
	return true;
}

/*
 * A masked number in the groups g[a..z]: digits, one block of one mask
 * character (2 or more; 4 or more of x/X, which are letters too), digits.
 */
static bool try_masked(struct scan *sc, const struct group *g, int a, int z, bool left_edge,
                       bool right_edge)
{
	const uint8_t *b = sc->b;
	char lead[19], trail[19];
	size_t nl = 0, nm = 0, nt = 0;
	uint8_t mc = 0;
	int state = 0; /* 0 lead digits, 1 mask, 2 trailing digits */
	for (int k = a; k <= z; k++)
		for (size_t i = g[k].s; i < g[k].e; i++) {
			uint8_t c = b[i];
			if (is_digit(c)) {
				if (state == 1)
					state = 2;
				if (state == 0 && nl < 19)
					lead[nl++] = (char)c;
				else if (state == 2 && nt < 19)
					trail[nt++] = (char)c;
			} else {
				if (state == 2 || (mc && c != mc))
					return false;
				mc = c;
				state = 1;
				nm++;
			}
		}
	size_t total = nl + nm + nt;
	bool xmask = mc == 'x' || mc == 'X';
	if (total < 13 || total > 19 || nm < (xmask ? 4u : 2u) || nl + nt == 0)
		return false;
	if (nl > 0 && !pan_prefix_plausible(lead, nl))
		return false;
	if (left_edge && g[a].s > 0) {
		uint8_t l = b[g[a].s - 1];
		if (nl > 0 ? bad_left(b, g[a].s) : (xmask && is_word(l)))
			return false;
	}
	if (right_edge && g[z].e < sc->n) {
		uint8_t r = b[g[z].e];
		if (nt > 0 ? bad_right(b, g[z].e, sc->n) : (xmask && is_word(r)))
			return false;
	}
	bool wide = nl > 6 || nt > 4;
	size_t s = g[a].s, e = g[z].e;
	struct pan_hit *h = hit_new(sc, wide ? PAN_KIND_MASKED_WIDE : PAN_KIND_MASKED_OK, s, e);
	if (nl > 0) {
		bool len_ok;
		h->brand = pan_brand_of(lead, nl, &len_ok);
	}
	size_t showl = nl < 6 ? nl : 6, showt = nt < 4 ? nt : 4, o = 0;
	memcpy(h->masked, lead, showl);
	o = showl;
	for (size_t i = 0; i < total - showl - showt; i++)
		h->masked[o++] = '*';
	memcpy(h->masked + o, trail + nt - showt, showt);
	h->masked[o + showt] = '\0';
	h->ndigits = (unsigned)total;
	make_excerpt(sc, h, s, e, mask_masked_hit, NULL);
	cvv_near(sc, s, e);
	return true;
}

/* Whether groups g[a..z] have the shape of a card number. */
static bool shape_ok(const struct group *g, int a, int z)
{
	size_t total = 0;
	for (int k = a; k <= z; k++) {
		if (g[k].t == G_JUNK)
			return false;
		total += g[k].e - g[k].s;
	}
	if (total < 13 || total > 19)
		return false;
	if (a == z)
		return true;
	bool fours = true;
	for (int k = a; k < z && fours; k++)
		fours = g[k].e - g[k].s == 4;
	if (fours && g[z].e - g[z].s <= 4)
		return true;
	/* Amex 4-6-5, Diners 4-6-4 */
	return z == a + 2 && g[a].e - g[a].s == 4 && g[a + 1].e - g[a + 1].s == 6 &&
	       (g[z].e - g[z].s == 5 || g[z].e - g[z].s == 4);
}

/* Digit runs of 13-19 inside a group that is neither digits nor a mask ("**4111...**"). */
static void try_junk(struct scan *sc, const struct group *g)
{
	const uint8_t *b = sc->b;
	size_t i = g->s;
	while (i < g->e) {
		if (!is_digit(b[i])) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < g->e && is_digit(b[i]))
			i++;
		if (i - s < 13 || i - s > 19)
			continue;
		/* mask characters around it; x/X are letters */
		if ((s > 0 && (b[s - 1] == 'x' || b[s - 1] == 'X')) ||
		    (i < sc->n && (b[i] == 'x' || b[i] == 'X')))
			continue;
		try_pan(sc, s, i, s == g->s, i == g->e, true);
	}
}

static void classify(const uint8_t *b, struct group *g)
{
	size_t nd = 0, i;
	uint8_t mc = 0;
	int state = 0;
	g->t = G_MASK;
	for (i = g->s; i < g->e; i++) {
		uint8_t c = b[i];
		if (is_digit(c)) {
			nd++;
			if (state == 1)
				state = 2;
		} else if (state == 2 || (mc && c != mc)) {
			g->t = G_JUNK;
			return;
		} else {
			mc = c;
			state = 1;
		}
	}
	if (nd == g->e - g->s)
		g->t = G_DIGITS;
	g->mc = mc;
}

/* The windows of a chain shaped like card numbers, longest first. */
void judge_chain(struct scan *sc, int k)
{
	struct group g[CHAIN_MAX];
	for (int i = 0; i < k; i++) {
		g[i].s = sc->gs[i];
		g[i].e = sc->ge[i];
		classify(sc->b, &g[i]);
	}
	for (int a = 0; a < k;) {
		bool found = false;
		for (int z = k - 1 < a + 4 ? k - 1 : a + 4; z >= a && !found; z--) {
			if (!shape_ok(g, a, z))
				continue;
			if (sc->base + g[a].s < sc->st->skip_until)
				break;
			bool masked = false;
			for (int i = a; i <= z; i++)
				masked |= g[i].t == G_MASK;
			bool le = a == 0, re = z == k - 1;
			found = masked ? try_masked(sc, g, a, z, le, re)
			               : try_pan(sc, g[a].s, g[z].e, le, re, a == z);
			if (found)
				a = z + 1;
		}
		if (!found) {
			if (g[a].t == G_JUNK)
				try_junk(sc, &g[a]);
			a++;
		}
	}
}
