/*
 * Card-number masking (lib/mask.c), the last line of defence of
 * DESIGN.md's "Card data is radioactive": Luhn-valid runs of 13-19
 * digits, contiguous or grouped by single spaces or dashes, keep their
 * first 6 and last 4 digits; longer runs are masked too; what follows a
 * track-data separator goes; numbers that are not card numbers and the
 * digits of ordinary text are left alone. Only published test card
 * numbers are used, each checked with luhn_valid() first.
 */
#include "tests/testutil.h"

#include "lib/mask.h"

/* Published test numbers: Visa, Mastercard, UnionPay, Amex, 13-digit Visa, 19-digit UnionPay. */
static const char *const test_pans[] = {
    "4111111111111111", "5555555555554444", "6212345678901232",
    "378282246310005",  "4222222222222",    "6205500000000000004",
};

/* mask_text(in) must equal want; in is not modified. */
static void expect_mask(const char *in, const char *want)
{
	char *copy = xstrdup(in);
	char *out = mask_text(in);
	cr_assert_not_null(out);
	cr_expect_neq(out, in, "a new string, not the input");
	cr_expect_str_eq(out, want, "mask_text(\"%s\")", in);
	cr_expect_str_eq(in, copy, "input changed");
	cr_expect_eq(strlen(out), strlen(in), "length changed");
	free(out);
	free(copy);
}

Test(mask, test_numbers_are_luhn_valid)
{
	for (size_t i = 0; i < sizeof(test_pans) / sizeof(test_pans[0]); i++)
		cr_expect(luhn_valid(test_pans[i], strlen(test_pans[i])), "%s", test_pans[i]);
}

Test(mask, luhn_rejects_changed_and_bad_input)
{
	cr_expect_not(luhn_valid("4111111111111112", 16));
	cr_expect_not(luhn_valid("4111111111111121", 16), "adjacent digits swapped");
	cr_expect_not(luhn_valid("5555555555554445", 16));
	cr_expect_not(luhn_valid("41111111111a1111", 16));
	cr_expect_not(luhn_valid("4111 1111 1111 1111", 19), "separators are not digits");
	cr_expect_not(luhn_valid("", 0));
	cr_expect(luhn_valid("79927398713", 11), "the classic Luhn example");
	cr_expect_not(luhn_valid("79927398710", 11));
	/* n bounds the check: a prefix of a valid number is judged on its own. */
	cr_expect_not(luhn_valid("4111111111111111", 15));
	cr_expect(luhn_valid("18", 2));
	cr_expect(luhn_valid("0", 1));
}

Test(mask, mask_pan_keeps_first_six_and_last_four)
{
	char out[32];
	mask_pan(out, "4111111111111111", 16);
	cr_expect_str_eq(out, "411111******1111");
	mask_pan(out, "4222222222222", 13);
	cr_expect_str_eq(out, "422222***2222");
	mask_pan(out, "6205500000000000004", 19);
	cr_expect_str_eq(out, "620550*********0004");
}

Test(mask, contiguous_card_numbers)
{
	expect_mask("4111111111111111", "411111******1111");
	expect_mask("5555555555554444", "555555******4444");
	expect_mask("6212345678901232", "621234******1232");
	expect_mask("378282246310005", "378282*****0005");
	expect_mask("4222222222222", "422222***2222");
	expect_mask("6205500000000000004", "620550*********0004");
}

Test(mask, card_numbers_inside_text)
{
	expect_mask("charged card 4111111111111111 for 12.50 USD",
	            "charged card 411111******1111 for 12.50 USD");
	expect_mask("pan=5555555555554444;", "pan=555555******4444;");
	expect_mask("x4111111111111111y", "x411111******1111y");
	expect_mask("{\"pan\":\"6212345678901232\"}", "{\"pan\":\"621234******1232\"}");
	expect_mask("a 4111111111111111, b 5555555555554444.",
	            "a 411111******1111, b 555555******4444.");
	expect_mask("line1\n4111111111111111\nline3", "line1\n411111******1111\nline3");
}

Test(mask, grouped_by_spaces_or_dashes)
{
	expect_mask("4111 1111 1111 1111", "4111 11** **** 1111");
	expect_mask("5555-5555-5555-4444", "5555-55**-****-4444");
	expect_mask("card: 3782 822463 10005 ok", "card: 3782 82**** *0005 ok");
	expect_mask("6212-3456 7890-1232", "6212-34** ****-1232");
}

Test(mask, runs_longer_than_nineteen_digits_are_masked)
{
	/* Not Luhn-valid, but a PAN could hide inside: over-mask. */
	expect_mask("12345678901234567890", "123456**********7890");
	expect_mask("id 00000000000000000000000001 end", "id 000000****************0001 end");
	/* A date beside a PAN: the PAN's own window is found and masked. */
	expect_mask("20261128 4111111111111111", "20261128 411111******1111");
}

Test(mask, track_data_tail_is_masked)
{
	/* Track 2: PAN '=' YYMM service-code discretionary-data. */
	expect_mask(";4111111111111111=25121010000000000000?",
	            ";411111******1111=********************?");
	/* Track 1: PAN '^' NAME '^' YYMM ... */
	expect_mask("%B4111111111111111^DOE/JOHN^2512101000?",
	            "%B411111******1111^*******************?");
	/* EMV tag 57 (track 2 equivalent) uses 'D' as the separator. */
	expect_mask("57: 5555555555554444D2512101", "57: 555555******4444D*******");
	/* A track 2 tail ends at a space, a quote or a newline. */
	expect_mask("t=4111111111111111=2512101 next", "t=411111******1111=******* next");
	expect_mask("\"5555555555554444=2512\"", "\"555555******4444=****\"");
}

Test(mask, separator_after_a_non_card_number_is_left_alone)
{
	expect_mask("a=4111111111111112=2512", "a=4111111111111112=2512");
	expect_mask("x=1^y=2", "x=1^y=2");
}

Test(mask, non_luhn_numbers_are_left_alone)
{
	expect_mask("4111111111111112", "4111111111111112");
	expect_mask("order 1234567890123456 shipped", "order 1234567890123456 shipped");
	expect_mask("5555-5555-5555-4445", "5555-5555-5555-4445");
}

Test(mask, short_numbers_are_left_alone)
{
	/* 12 digits, Luhn-valid: too short for a card number. */
	cr_assert(luhn_valid("411111111117", 12));
	expect_mask("ref 411111111117", "ref 411111111117");
	expect_mask("42", "42");
}

Test(mask, ordinary_text_is_untouched)
{
	static const char *const texts[] = {
	    "",
	    "no digits at all",
	    "Order 12345 at 10:30 on 2026-11-28, 3 items, total 99.95",
	    "version 1.2.3-rc4, build 20261128, port 8443",
	    "IPv4 192.168.100.200 and IPv6 fe80::1",
	    "phone +86 10 1234 5678",
	    "id- 4111 -- 1111",
	    "中文 4111 文本",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect_mask(texts[i], texts[i]);
}

Test(mask, double_separators_do_not_join_groups)
{
	/* Only single separators join groups; each group alone is too short. */
	expect_mask("4111  1111  1111  1111", "4111  1111  1111  1111");
	expect_mask("4111--1111--1111--1111", "4111--1111--1111--1111");
}

Test(mask, masked_output_is_stable)
{
	for (size_t i = 0; i < sizeof(test_pans) / sizeof(test_pans[0]); i++) {
		char *once = mask_text(test_pans[i]);
		char *twice = mask_text(once);
		cr_expect_str_eq(once, twice);
		cr_expect_null(strstr(once, test_pans[i]));
		free(once);
		free(twice);
	}
}

/*
 * A card number beside a short number ("card PAN 123", "qty 5 PAN") is
 * one run of groups; the group-aligned window that passes Luhn is masked.
 */
Test(mask, card_number_next_to_another_number)
{
	static const char *const texts[] = {
	    "card 4111111111111111 123",
	    "qty 5 4111111111111111",
	    "5555555555554444-12",
	    "7 6212345678901232 9",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *out = mask_text(texts[i]);
		cr_expect_null(strstr(out, "4111111111111111"), "leaked: %s", out);
		cr_expect_null(strstr(out, "5555555555554444"), "leaked: %s", out);
		cr_expect_null(strstr(out, "6212345678901232"), "leaked: %s", out);
		free(out);
	}
}

/*
 * A track 1 name field may contain spaces (ISO/IEC 7813): the tail after
 * '^' is masked up to the end sentinel '?', not to the first space.
 */
Test(mask, track1_name_with_a_space)
{
	expect_mask("%B4111111111111111^DOE/JOHN Q^2512101000?",
	            "%B411111******1111^*********************?");
}
