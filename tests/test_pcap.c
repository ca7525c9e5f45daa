/*
 * Tests of the pcap probe, end to end through the built binary
 * (`assay probe pcap ... --json`): crafted captures from pcap-gen
 * (fixtures/pcap/gen.c) for every link layer, IP fragments, TCP segments
 * out of order, retransmitted with other bytes, cut by the snaplen or
 * spread over 10 GiB of sequence space, cleartext credentials and TLS; bad
 * input; and real loopback traffic recorded by tcpdump while curl posts a
 * card number over HTTP and over HTTPS (root only, as in CI), plus a live
 * capture. Card numbers are public test numbers and never appear in any
 * output: every run checks that.
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include <jansson.h>
#include <libgen.h>

static const char *const secrets[] = {
    "4111111111111111", "5555555555554444", "s3cret", "YWRtaW46czNjcmV0",
    "AGJvYgBzM2NyZXQ",  "demo-only",        NULL,
};

static void assert_no_secrets(const char *text, const char *what)
{
	for (size_t i = 0; secrets[i]; i++)
		cr_assert_null(strstr(text, secrets[i]), "%s holds secret #%zu", what, i);
}

/* pcap-gen beside the binary under test (through env: valgrind skips /usr). */
static char *gen(const char *kase, const char *file, const char *n)
{
	char *b = xstrdup(tu_bin());
	char *dir = tu_tmpdir();
	char *path = xasprintf("%s/%s", dir, file);
	struct tu_run r =
	    tu_sh("/usr/bin/env %s/pcap-gen %s %s %s", dirname(b), kase, path, n ? n : "");
	cr_assert_eq(r.code, 0, "pcap-gen %s: %s", kase, r.err);
	tu_run_free(&r);
	free(b);
	free(dir);
	return path;
}

struct res {
	int code;
	json_t *root;
	char *err;
};

/* Run the probe; args is the rest of the command line. Output is checked for secrets. */
static struct res probe(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *args = xvasprintf(fmt, ap);
	va_end(ap);
	struct tu_run r = tu_sh("%s probe pcap --json %s", tu_bin(), args);
	assert_no_secrets(r.out, "stdout");
	assert_no_secrets(r.err, "stderr");
	json_error_t je;
	json_t *root = json_loads(r.out, 0, &je);
	cr_assert(root, "probe pcap %s: not JSON (%s): %s %s", args, je.text, r.out, r.err);
	struct res x = {r.code, root, xstrdup(r.err)};
	tu_run_free(&r);
	free(args);
	return x;
}

static void res_free(struct res *x)
{
	json_decref(x->root);
	free(x->err);
}

static json_t *fact(const struct res *x, const char *key)
{
	json_t *v = json_object_get(json_object_get(x->root, "facts"), key);
	cr_assert(v, "fact %s missing", key);
	return v;
}

static long long fi(const struct res *x, const char *key)
{
	json_t *v = fact(x, key);
	cr_assert(json_is_integer(v), "fact %s is not an integer", key);
	return (long long)json_integer_value(v);
}

static bool fb(const struct res *x, const char *key)
{
	json_t *v = fact(x, key);
	cr_assert(json_is_boolean(v), "fact %s is not a boolean", key);
	return json_is_true(v);
}

static bool list_has(const struct res *x, const char *key, const char *item)
{
	json_t *v = fact(x, key), *e;
	size_t i;
	cr_assert(json_is_array(v), "fact %s is not a list", key);
	json_array_foreach(v, i, e) if (json_is_string(e) &&
	                                !strcmp(json_string_value(e), item)) return true;
	return false;
}

static size_t nfindings(const struct res *x)
{
	return json_array_size(json_object_get(x->root, "findings"));
}

static json_t *finding(const struct res *x, size_t i)
{
	json_t *f = json_array_get(json_object_get(x->root, "findings"), i);
	cr_assert(f, "no finding %zu", i);
	return f;
}

static const char *fstr(json_t *f, const char *key)
{
	json_t *v = json_object_get(f, key);
	if (!v)
		v = json_object_get(json_object_get(f, "location"), key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static long long foff(json_t *f)
{
	return (long long)json_integer_value(
	    json_object_get(json_object_get(f, "location"), "offset"));
}

static size_t count_kind(const struct res *x, const char *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < nfindings(x); i++)
		n += strcmp(fstr(finding(x, i), "kind"), kind) == 0;
	return n;
}

/* The http case of pcap-gen over one link layer: one flow, one card number, one CVV. */
static void check_http_case(const char *kase, const char *file, const char *endpoint)
{
	char *path = gen(kase, file, NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0, "%s: exit %d: %s", kase, x.code, x.err);
	cr_assert_eq(fi(&x, "pcap.flows"), 1, "%s", kase);
	cr_assert_eq(fi(&x, "pcap.pan"), 1, "%s", kase);
	cr_assert_eq(fi(&x, "pcap.cvv"), 1, "%s", kase);
	cr_assert_eq(fi(&x, "pcap.cleartext_pan_flows"), 1, "%s", kase);
	cr_assert_eq(fi(&x, "pcap.malformed"), 0, "%s", kase);
	cr_assert(fb(&x, "pcap.complete"), "%s", kase);
	cr_assert(list_has(&x, "pcap.cleartext_protocols", "http"), "%s", kase);
	cr_assert_eq(count_kind(&x, "pan"), 1, "%s", kase);
	json_t *f = NULL;
	for (size_t i = 0; i < nfindings(&x); i++)
		if (!strcmp(fstr(finding(&x, i), "kind"), "pan"))
			f = finding(&x, i);
	cr_assert_str_eq(fstr(f, "endpoint"), endpoint, "%s", kase);
	cr_assert(strstr(fstr(f, "message"), "411111******1111"), "%s: %s", kase,
	          fstr(f, "message"));
	cr_assert(strstr(fstr(f, "stream"), "client to server"), "%s", kase);
	cr_assert(strstr(fstr(f, "stream"), "first packet 1 at 2025-11-28T03:20:00"), "%s: %s",
	          kase, fstr(f, "stream"));
	/* "POST ... \r\n\r\nname=Test+Buyer&card=" puts the number at byte 137 */
	cr_assert_eq(foff(f), 137, "%s: offset %lld", kase, foff(f));
	res_free(&x);
	free(path);
}

#define V4 "10.0.0.5:51234 \xe2\x86\x92 10.0.0.9:80"
#define V6 "[2001:db8::5]:51234 \xe2\x86\x92 [2001:db8::9]:80"

Test(pcap_link, ethernet, .timeout = 30)
{
	check_http_case("http", "a.pcap", V4);
}
Test(pcap_link, ipv6, .timeout = 30)
{
	check_http_case("ipv6", "a.pcap", V6);
}
Test(pcap_link, qinq_vlan_tags, .timeout = 30)
{
	check_http_case("vlan", "a.pcap", V4);
}
Test(pcap_link, linux_cooked_v1, .timeout = 30)
{
	check_http_case("sll", "a.pcap", V4);
}
Test(pcap_link, linux_cooked_v2_ipv6, .timeout = 30)
{
	check_http_case("sll2", "a.pcap", V6);
}
Test(pcap_link, raw_ip, .timeout = 30)
{
	check_http_case("raw", "a.pcap", V4);
}
Test(pcap_link, bsd_loopback_ipv6, .timeout = 30)
{
	check_http_case("null", "a.pcap", V6);
}
Test(pcap_link, pcapng, .timeout = 30)
{
	check_http_case("pcapng", "a.pcapng", V4);
}
Test(pcap_link, gzip_compressed, .timeout = 30)
{
	check_http_case("http", "a.pcap.gz", V4);
}

Test(pcap_ip, ipv4_fragments_out_of_order, .timeout = 30)
{
	char *path = gen("frag", "f.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.ip_fragments"), 3);
	cr_assert_eq(fi(&x, "pcap.ip_reassembled"), 1);
	cr_assert_eq(fi(&x, "pcap.pan"), 1); /* the number crosses a fragment boundary */
	cr_assert_eq(foff(finding(&x, 0)), 137);
	res_free(&x);
	free(path);
}

Test(pcap_ip, ipv6_fragments, .timeout = 30)
{
	char *path = gen("frag6", "f.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.ip_reassembled"), 1);
	cr_assert_eq(fi(&x, "pcap.pan"), 1);
	cr_assert_str_eq(fstr(finding(&x, 0), "endpoint"),
	                 "[2001:db8::5]:40003 \xe2\x86\x92 [2001:db8::9]:80");
	res_free(&x);
	free(path);
}

Test(pcap_tcp, card_number_across_three_segments_out_of_order, .timeout = 30)
{
	char *path = gen("ooo3", "o.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.pan"), 1);
	cr_assert_eq(nfindings(&x), 1);
	json_t *f = finding(&x, 0);
	cr_assert_eq(foff(f), 46); /* "POST /pay HTTP/1.1\r\nContent-Length: 30\r\n\r\npan=" */
	cr_assert_str_eq(fstr(f, "endpoint"), "10.0.0.5:40001 \xe2\x86\x92 10.0.0.9:8080");
	cr_assert_eq(fi(&x, "pcap.gaps"), 0);
	res_free(&x);
	free(path);
}

Test(pcap_tcp, retransmission_with_other_bytes_first_wins, .timeout = 30)
{
	char *path = gen("retrans", "r.pcap", NULL);
	struct res x = probe("%s", path);
	/* the first copy's number (visa) is found; the retransmitted one is not */
	cr_assert_eq(fi(&x, "pcap.pan"), 2);
	cr_assert_geq(fi(&x, "pcap.retransmissions"), 2);
	for (size_t i = 0; i < nfindings(&x); i++) {
		cr_assert(strstr(fstr(finding(&x, i), "message"), "411111******1111"));
		cr_assert_null(strstr(fstr(finding(&x, i), "message"), "555555"));
	}
	/* the partial overlap kept the old head and took the new tail */
	cr_assert_eq(foff(finding(&x, 1)), 75);
	res_free(&x);
	free(path);
}

Test(pcap_tcp, bytes_cut_by_the_snaplen_are_gaps_not_guesses, .timeout = 30)
{
	char *path = gen("snaplen", "s.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0);
	cr_assert_eq(fi(&x, "pcap.truncated"), 2);
	cr_assert_eq(fi(&x, "pcap.gaps"), 2);
	cr_assert_eq(fi(&x, "pcap.gap_bytes"), 192); /* request and answer, past 60 bytes */
	cr_assert_eq(fi(&x, "pcap.pan"), 0);
	res_free(&x);
	free(path);
}

Test(pcap_tcp, ten_gib_stream_in_bounded_memory, .timeout = 60)
{
	/* 10240 segments of 1 KiB, one per MiB of sequence space (wrapping 2^32 twice) */
	char *path = gen("huge", "h.pcap", "10240");
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0, "%s", x.err);
	cr_assert_geq(fi(&x, "pcap.gap_bytes"), 10000000000LL);
	cr_assert_geq(fi(&x, "pcap.buffer_flushes"), 1);
	cr_assert_eq(fi(&x, "pcap.pan"), 1);
	cr_assert_gt(foff(finding(&x, 0)), 10737418240LL);
	res_free(&x);
	free(path);
}

Test(pcap_tcp, a_million_half_open_flows_in_bounded_memory, .timeout = 120)
{
	/* one million SYNs that are never answered, then one real flow (under
	 * `make valgrind`, 200000: memcheck is ~30x slower) */
	bool slow = tu_memcheck();
	long long n = slow ? 200000 : 1000000;
	char *count = xasprintf("%lld", n);
	char *path = gen("halfopen", "h.pcap", count);
	free(count);
	struct res x = probe("%s --max-flows 5000", path);
	cr_assert_eq(x.code, 0, "%s", x.err);
	cr_assert_eq(fi(&x, "pcap.packets"), n + 8);
	cr_assert_eq(fi(&x, "pcap.flows"), n + 1);
	cr_assert_geq(fi(&x, "pcap.flows_evicted"), n - 5000);
	cr_assert_eq(fi(&x, "pcap.pan"), 1); /* the flow after them is whole */
	res_free(&x);
	struct tu_run r = tu_sh("rm -f %s", path);
	tu_run_free(&r);
	free(path);
}

/* Every segment waits behind a hole, as many as a direction may hold
 * (4,096), round after round: each hole is recorded once, the bytes after
 * it all delivered, and a card number sent one digit a segment behind the
 * last hole is found whole. (Such a stream once cost a walk of the waiting
 * list per segment, 13 times the time of the same packets in order:
 * docs/fuzzing.md.) */
Test(pcap_tcp, segments_behind_holes_round_after_round, .timeout = 60)
{
	char *path = gen("holes", "holes.pcap", "20");
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0, "%s", x.err);
	cr_assert_eq(fi(&x, "pcap.packets"), 3 + 20 * 4096);
	cr_assert_eq(fi(&x, "pcap.gaps"), 20);
	cr_assert_eq(fi(&x, "pcap.gap_bytes"), 20);
	cr_assert_eq(fi(&x, "pcap.payload_bytes"), 20 * 4096);
	cr_assert_eq(fi(&x, "pcap.pan"), 1);
	res_free(&x);
	struct tu_run r = tu_sh("rm -f %s", path);
	tu_run_free(&r);
	free(path);
}

Test(pcap_tcp, total_buffer_bound_flushes_the_oldest_waiting_flows, .timeout = 30)
{
	/* 200 flows whose second segments all wait for their first */
	char *path = gen("waiting", "w.pcap", "200");
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.pan"), 200); /* 200 x ~70 bytes fit the default bound */
	cr_assert_eq(fi(&x, "pcap.buffer_flushes"), 0);
	res_free(&x);
	/* with 4 KiB for all of them, the flows that started waiting first are
	 * flushed (a gap each, and their split number lost); the last ones are
	 * reassembled whole */
	x = probe("%s --buffer 4k", path);
	long long flushed = fi(&x, "pcap.buffer_flushes");
	cr_assert_geq(flushed, 100);
	cr_assert_eq(fi(&x, "pcap.gaps"), flushed);
	cr_assert_eq(fi(&x, "pcap.pan"), 200 - flushed);
	for (size_t i = 0; i < nfindings(&x); i++) { /* the survivors are the newest flows */
		int id = 0;
		cr_assert_eq(sscanf(fstr(finding(&x, i), "stream"), "tcp flow %d", &id), 1);
		cr_assert_gt(id, flushed);
	}
	res_free(&x);
	free(path);
}

Test(pcap_tcp, stream_buffer_bound_records_gaps, .timeout = 30)
{
	/* the same 10 MiB-spread stream with a 4 KiB bound: flushed, never held */
	char *path = gen("huge", "h.pcap", "64");
	struct res x = probe("%s --stream-buffer 4k", path);
	cr_assert_geq(fi(&x, "pcap.buffer_flushes"), 60);
	cr_assert_eq(fi(&x, "pcap.gaps"), 64);
	cr_assert_eq(fi(&x, "pcap.pan"), 1);
	res_free(&x);
	free(path);
}

Test(pcap_app, card_number_inside_tls_is_not_reported, .timeout = 30)
{
	char *path = gen("tls", "t.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.tls_flows"), 1);
	cr_assert_eq(fi(&x, "pcap.pan"), 0);
	cr_assert_eq(fi(&x, "pcap.cvv"), 0);
	cr_assert_eq(fi(&x, "pcap.cleartext_pan_flows"), 0);
	cr_assert_eq(nfindings(&x), 0);
	cr_assert_eq(json_array_size(fact(&x, "pcap.cleartext_protocols")), 0);
	res_free(&x);
	free(path);
}

Test(pcap_app, cleartext_credentials_flagged_without_their_values, .timeout = 30)
{
	char *path = gen("creds", "c.pcap", NULL);
	struct res x = probe("%s", path);
	/* FTP PASS, HTTP Basic, an HTTP form field split across segments, a
	 * JSON password, SMTP AUTH PLAIN (twice: once after a refused
	 * STARTTLS), POP3 PASS, IMAP LOGIN, Telnet; not the SMTP session that
	 * went over to TLS after STARTTLS, nor fields without a value */
	cr_assert_eq(fi(&x, "pcap.cleartext_credentials"), 9);
	cr_assert_eq(count_kind(&x, "cleartext-credential"), 9);
	/* an .APK (any case, a query after it) and a .dex over http; not a
	 * path whose query names one */
	cr_assert_eq(fi(&x, "pcap.cleartext_code_downloads"), 2);
	cr_assert_eq(count_kind(&x, "cleartext-code-download"), 2);
	const char *protos[] = {"ftp", "http", "smtp", "pop3", "imap", "telnet"};
	for (size_t i = 0; i < 6; i++)
		cr_assert(list_has(&x, "pcap.cleartext_protocols", protos[i]), "%s", protos[i]);
	cr_assert_eq(fi(&x, "pcap.tls_flows"), 1); /* the STARTTLS session */
	for (size_t i = 0; i < nfindings(&x); i++) {
		cr_assert_null(strstr(fstr(finding(&x, i), "endpoint"), ":587"));
		cr_assert_null(strstr(fstr(finding(&x, i), "endpoint"), ":40020 "));
		if (strstr(fstr(finding(&x, i), "endpoint"), ":40017 "))
			cr_assert(strstr(fstr(finding(&x, i), "message"), "AUTH PLAIN"));
		if (strstr(fstr(finding(&x, i), "endpoint"), ":40018 ")) {
			cr_assert(
			    strstr(fstr(finding(&x, i), "message"), "password field 'password'"));
			cr_assert_eq(foff(finding(&x, i)), 63); /* where "password" starts */
		}
		cr_assert_null(strstr(fstr(finding(&x, i), "message"), "alice"));
	}
	res_free(&x);
	free(path);
}

Test(pcap_app, udp_datagram_with_track_data, .timeout = 30)
{
	char *path = gen("udp", "u.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.udp_flows"), 1);
	cr_assert_eq(fi(&x, "pcap.track_data"), 1);
	cr_assert_eq(fi(&x, "pcap.cleartext_pan_flows"), 1);
	cr_assert_eq(count_kind(&x, "track2"), 1);
	cr_assert_str_eq(fstr(finding(&x, 0), "severity"), "critical");
	cr_assert(strstr(fstr(finding(&x, 0), "stream"), "udp flow 1"));
	res_free(&x);
	free(path);
}

Test(pcap_app, bpf_filter_selects_flows, .timeout = 30)
{
	char *path = gen("creds", "c.pcap", NULL);
	struct res x = probe("%s --bpf 'tcp port 21'", path);
	cr_assert_eq(fi(&x, "pcap.flows"), 1);
	cr_assert_eq(fi(&x, "pcap.cleartext_credentials"), 1);
	cr_assert(list_has(&x, "pcap.cleartext_protocols", "ftp"));
	cr_assert_not(list_has(&x, "pcap.cleartext_protocols", "http"));
	res_free(&x);
	x = probe("%s --bpf 'tcp port'", path);
	cr_assert_eq(x.code, 3);
	cr_assert(strstr(json_string_value(json_array_get(json_object_get(x.root, "errors"), 0)),
	                 "BPF filter 'tcp port'"));
	res_free(&x);
	free(path);
}

/* --- bad input --- */

static const char *first_error(const struct res *x)
{
	json_t *e = json_array_get(json_object_get(x->root, "errors"), 0);
	return json_is_string(e) ? json_string_value(e) : "";
}

Test(pcap_bad, bogus_lengths_and_headers_are_counted, .timeout = 30)
{
	char *path = gen("bogus", "b.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0);
	/* IPv4 total too long and too short, IHL 3, TCP data offset past the
	 * segment and below 5, IPv6 payload too long, a 5-byte frame, a UDP
	 * length past the datagram */
	cr_assert_eq(fi(&x, "pcap.malformed"), 8);
	cr_assert_eq(fi(&x, "pcap.non_ip"), 1); /* ARP */
	cr_assert_eq(fi(&x, "pcap.pan"), 1);    /* the good flow after them */
	res_free(&x);
	free(path);
}

Test(pcap_bad, records_longer_than_the_snaplen, .timeout = 30)
{
	char *path = gen("oversnap", "o.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0);
	/* libpcap cuts records to the file's snaplen: the request lost its
	 * card number, which is a gap, not a guess */
	cr_assert_eq(fi(&x, "pcap.packets"), 8);
	cr_assert_geq(fi(&x, "pcap.truncated"), 1);
	cr_assert_geq(fi(&x, "pcap.gaps"), 1);
	cr_assert_eq(fi(&x, "pcap.pan"), 0);
	cr_assert_not(fb(&x, "pcap.complete"));
	cr_assert(strstr(first_error(&x), "record 9 at byte offset"), "%s", first_error(&x));
	res_free(&x);
	free(path);
}

Test(pcap_bad, truncated_file_keeps_what_was_read, .timeout = 30)
{
	char *path = gen("truncated", "t.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 0);
	cr_assert(fb(&x, "pcap.file_truncated"));
	cr_assert_not(fb(&x, "pcap.complete"));
	cr_assert_eq(fi(&x, "pcap.packets"), 3);
	cr_assert(strstr(first_error(&x), path), "%s", first_error(&x));
	cr_assert(strstr(first_error(&x), "record 4 at byte offset 234"), "%s", first_error(&x));
	res_free(&x);
	free(path);
}

Test(pcap_bad, corrupt_header_and_missing_file, .timeout = 30)
{
	char *path = gen("badheader", "x.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(x.code, 3);
	cr_assert(strstr(first_error(&x), "not a pcap or pcapng capture"), "%s", first_error(&x));
	res_free(&x);
	x = probe("%s.missing", path);
	cr_assert_eq(x.code, 3);
	cr_assert(strstr(first_error(&x), "cannot open"), "%s", first_error(&x));
	res_free(&x);
	/* a gzip stream of garbage */
	struct tu_run r = tu_sh("head -c 4096 /dev/urandom | gzip > %s.gz", path);
	tu_run_free(&r);
	x = probe("%s.gz", path);
	cr_assert_eq(x.code, 3);
	res_free(&x);
	free(path);
}

Test(pcap_bad, random_records_after_a_valid_header, .timeout = 30)
{
	char *good = gen("http", "g.pcap", NULL);
	char *bad = xasprintf("%s.rand", good);
	for (int seed = 0; seed < 8; seed++) {
		struct tu_run r = tu_sh("(head -c 24 %s; head -c %d /dev/urandom) > %s", good,
		                        2000 + seed * 3000, bad);
		tu_run_free(&r);
		struct res x = probe("%s", bad);
		cr_assert(x.code == 0 || x.code == 3, "exit %d", x.code);
		res_free(&x);
	}
	free(bad);
	free(good);
}

Test(pcap_bad, options_are_checked, .timeout = 30)
{
	struct tu_run r = tu_sh("%s probe pcap x.pcap --max-flows 0", tu_bin());
	cr_assert_eq(r.code, 3);
	cr_assert(strstr(r.out, "max-flows"), "%s", r.out);
	tu_run_free(&r);
	r = tu_sh("%s probe pcap x.pcap --nope 1", tu_bin());
	cr_assert_eq(r.code, 2);
	tu_run_free(&r);
}

/* --- real traffic (root: tcpdump) --- */

static bool can_record(void)
{
	return geteuid() == 0 && system("command -v tcpdump >/dev/null 2>&1") == 0 &&
	       system("command -v curl >/dev/null 2>&1") == 0;
}

Test(pcap_real, curl_over_http_and_https_recorded_by_tcpdump, .timeout = 90)
{
	if (!can_record()) {
		cr_skip_test(
		    "needs root and tcpdump/curl to record loopback traffic (CI runs as root)");
		return;
	}
	char *dir = tu_tmpdir();
	struct tu_run r = tu_sh("sh fixtures/pcap/record.sh %s/rec 19200 19201", dir);
	if (r.code == 77) {
		cr_skip_test("record.sh: %s", r.err);
		return;
	}
	cr_assert_eq(r.code, 0, "record.sh: %s", r.err);
	tu_run_free(&r);
	const char *files[] = {"lo.pcap", "any.pcap"};
	for (size_t k = 0; k < 2; k++) {
		struct res x = probe("%s/rec/%s", dir, files[k]);
		cr_assert_eq(x.code, 0, "%s: %s", files[k], x.err);
		cr_assert_eq(fi(&x, "pcap.flows"), 2, "%s", files[k]);
		cr_assert_eq(fi(&x, "pcap.tls_flows"), 1, "%s", files[k]);
		cr_assert_eq(fi(&x, "pcap.cleartext_pan_flows"), 1, "%s", files[k]);
		cr_assert_eq(fi(&x, "pcap.pan"), 1, "%s", files[k]);
		cr_assert(list_has(&x, "pcap.cleartext_protocols", "http"));
		for (size_t i = 0; i < nfindings(&x); i++) {
			const char *ep = fstr(finding(&x, i), "endpoint");
			cr_assert(strstr(ep, "\xe2\x86\x92 127.0.0.1:19200"), "%s", ep);
			cr_assert_null(strstr(ep, "19201"), "a finding on the HTTPS flow: %s", ep);
		}
		res_free(&x);
	}
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}

Test(pcap_real, live_capture_on_loopback, .timeout = 90)
{
	if (!can_record()) {
		cr_skip_test("needs root and curl for a live capture on lo (CI runs as root)");
		return;
	}
	/* a server (waited for), a client posting a card number every 300 ms,
	 * and the probe capturing lo for 5 s: posts fall inside whatever the
	 * machine's load */
	struct tu_run r = tu_sh(
	    "python3 fixtures/pcap/server.py 19202 '' '' 30 & s=$!; i=0; "
	    "until curl -s -o /dev/null --max-time 1 http://127.0.0.1:19202/; do "
	    "i=$((i+1)); [ $i -gt 100 ] && exit 99; sleep 0.1; done; "
	    "(for i in $(seq 1 60); do curl -s -o /dev/null --max-time 2 "
	    "-d 'card=4111111111111111' http://127.0.0.1:19202/p; sleep 0.3; done) & c=$!; "
	    "%s probe pcap --interface lo --duration 5s --bpf 'tcp port 19202' --json; rc=$?; "
	    "kill $c $s 2>/dev/null; wait 2>/dev/null; exit $rc",
	    tu_bin());
	assert_no_secrets(r.out, "live");
	cr_assert_eq(r.code, 0, "%s %s", r.out, r.err);
	json_t *root = json_loads(r.out, 0, NULL);
	cr_assert(root);
	struct res x = {0, root, xstrdup("")};
	cr_assert_geq(fi(&x, "pcap.packets"), 1);
	cr_assert_geq(fi(&x, "pcap.cleartext_pan_flows"), 1);
	cr_assert(list_has(&x, "pcap.cleartext_protocols", "http"));
	res_free(&x);
	tu_run_free(&r);
}

/* --- the demo --- */

Test(pcap_cli, demo_capture_is_what_pcap_gen_makes, .timeout = 30)
{
	char *path = gen("demo", "demo.pcap", NULL);
	struct tu_run r = tu_sh("cmp %s fixtures/pcap/demo.pcap", path);
	cr_assert_eq(r.code, 0, "fixtures/pcap/demo.pcap differs from 'pcap-gen demo': %s", r.out);
	tu_run_free(&r);
	free(path);
}

Test(pcap_cli, demo_target_fails_the_example_rules, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *clean = gen("tls", "clean.pcap", NULL);
	char *text = xasprintf("[assessment]\nname = pcap demo\nrules = example\n\n"
	                       "[target checkout-network]\npcap = fixtures/pcap/demo.pcap\n\n"
	                       "[target clean]\npcap = %s\n",
	                       clean);
	char *plan = tu_write(dir, "plan.ini", text);
	free(text);
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json -q", tu_bin(), plan, dir);
	cr_assert_eq(r.code, 1, "exit %d: %s", r.code, r.err);
	assert_no_secrets(r.out, "run");
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	text = tu_read(res);
	cr_assert(text);
	assert_no_secrets(text, "results.json");
	json_t *j = json_loads(text, 0, NULL);
	cr_assert(j);
	cr_assert_str_eq(tu_verdict(j, "EX-C1", "checkout-network"), "fail");
	cr_assert_str_eq(tu_verdict(j, "EX-C2", "checkout-network"), "fail");
	cr_assert_str_eq(tu_verdict(j, "EX-C3", "checkout-network"), "fail");
	cr_assert_str_eq(tu_verdict(j, "EX-C1", "clean"), "pass");
	cr_assert_str_eq(tu_verdict(j, "EX-C2", "clean"), "pass");
	cr_assert_str_eq(tu_verdict(j, "EX-C3", "clean"), "pass");
	json_decref(j);
	free(text);
	free(res);
	free(clean);
	free(plan);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}

/* The standards' rows on the wire: the demo capture fails each, a TLS-only capture passes;
 * J92-04 fails on a capture that fetched code over http. */
Test(pcap_cli, catalog_rules_judge_the_captures, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *clean = gen("tls", "clean.pcap", NULL);
	char *creds = gen("creds", "creds.pcap", NULL);
	char *text =
	    xasprintf("[assessment]\nname = pcap catalog\nrules = updss, jrt0092, jrt0171\n\n"
	              "[target checkout-network]\npcap = fixtures/pcap/demo.pcap\n\n"
	              "[target clean]\npcap = %s\n\n"
	              "[target app-lab]\npcap = %s\n",
	              clean, creds);
	char *plan = tu_write(dir, "plan.ini", text);
	free(text);
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json -q", tu_bin(), plan, dir);
	cr_assert(r.code == 1 || r.code == 3, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert(j, "%s", je.text);
	static const char *const rows[] = {"UPD-12", "UPD-14", "UPD-15", "J92-31", "PFI-03"};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cr_expect_str_eq(tu_verdict(j, rows[i], "checkout-network"), "fail", "%s", rows[i]);
		cr_expect_str_eq(tu_verdict(j, rows[i], "clean"), "pass", "%s", rows[i]);
	}
	/* J92-04's capture half: an update package and a patch over http */
	cr_expect_str_eq(tu_verdict(j, "J92-04", "app-lab"), "fail");
	cr_expect_str_eq(tu_verdict(j, "J92-04", "checkout-network"), "pass");
	cr_expect_str_eq(tu_verdict(j, "J92-04", "clean"), "pass");
	json_decref(j);
	free(res);
	free(creds);
	free(clean);
	free(plan);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}

/* Card data by brand and by protocol: mail flows counted apart (UPD-01, UPD-13, PFI-01). */
Test(pcap_cli, brands_mail_flows_and_classes, .timeout = 30)
{
	char *path = gen("mail", "m.pcap", NULL);
	struct res x = probe("%s", path);
	cr_assert_eq(fi(&x, "pcap.pan"), 3);
	cr_expect_eq(fi(&x, "pcap.unionpay"), 2);
	cr_expect(list_has(&x, "pcap.brands", "unionpay 2") &&
	          list_has(&x, "pcap.brands", "visa 1"));
	cr_expect_eq(fi(&x, "pcap.cleartext_pan_flows"), 3);
	cr_expect_eq(fi(&x, "pcap.mail_pan_flows"), 2);
	cr_expect(list_has(&x, "pcap.cleartext_pan_protocols", "smtp") &&
	          list_has(&x, "pcap.cleartext_pan_protocols", "pop3") &&
	          list_has(&x, "pcap.cleartext_pan_protocols", "http"));
	cr_expect_eq(fi(&x, "pcap.class_c3"),
	             fi(&x, "pcap.track_data") + fi(&x, "pcap.cvv") + fi(&x, "pcap.pin_block"));
	cr_expect_eq(fi(&x, "pcap.class_c3"), 1);
	cr_expect_eq(fi(&x, "pcap.class_c2"), 3);
	for (size_t i = 0; i < nfindings(&x); i++) {
		const char *kind = fstr(finding(&x, i), "kind");
		const char *msg = fstr(finding(&x, i), "message");
		cr_expect(strstr(msg, strcmp(kind, "cvv") == 0 ? "JR/T 0171 class C3"
		                                               : "JR/T 0171 class C2"),
		          "%s: %s", kind, msg);
	}
	res_free(&x);
	free(path);
	/* HTTP only: no mail flow */
	path = gen("http", "h.pcap", NULL);
	x = probe("%s", path);
	cr_expect_eq(fi(&x, "pcap.mail_pan_flows"), 0);
	cr_expect_eq(fi(&x, "pcap.unionpay"), 0);
	res_free(&x);
	free(path);
}

Test(pcap_cli, ignore_test_cards_option, .timeout = 30)
{
	char *path = gen("http", "h.pcap", NULL);
	struct res x = probe("%s --ignore-test-cards true", path);
	cr_assert_eq(fi(&x, "pcap.pan"), 0);
	cr_assert_eq(fi(&x, "pcap.test_cards_ignored"), 1);
	cr_assert_eq(fi(&x, "pcap.cleartext_pan_flows"), 0);
	cr_assert_eq(nfindings(&x), 0);
	res_free(&x);
	free(path);
}

Test(pcap_real, plan_capture_key_and_options, .timeout = 60)
{
	if (!can_record()) {
		cr_skip_test("needs root for a live capture on lo (CI runs as root)");
		return;
	}
	char *dir = tu_tmpdir();
	char *plan = tu_write(dir, "plan.ini",
	                      "[assessment]\nname = live\nrules = example\n\n"
	                      "[target lo]\ncapture = lo\ncapture.duration = 1s\n"
	                      "capture.count = 100\ncapture.snaplen = 1500\n"
	                      "capture.bpf = tcp port 19203\n");
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json -q", tu_bin(), plan, dir);
	cr_assert(r.code == 0 || r.code == 1, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	char *text = tu_read(res);
	cr_assert(text);
	cr_assert(strstr(text, "\"pcap.complete\": true"), "%s", text);
	cr_assert(strstr(text, "\"pcap.packets\": 0"), "%s", text);
	free(text);
	free(res);
	free(plan);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}
