/*
 * Fuzz the pcap probe (probes/pcap/) as a user runs it, on a capture file:
 * the pcap and pcapng readers of libpcap, gzip, every link layer, IP
 * fragments, TCP reassembly with small memory bounds (so the flushing and
 * eviction paths run on small inputs), protocol detection and the card-data
 * scanner. It must not crash, leak or trip a sanitizer, and no fact,
 * finding or error may carry a full card number (a Luhn-valid run of 13-19
 * digits).
 */
#include "fuzz/fuzz.h"
#include "harness/facts.h"
#include "lib/mask.h"
#include "lib/util.h"
#include "probes/probe.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct probe probe_pcap;

static void no_card_number(const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (s[i] < '0' || s[i] > '9') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j - i >= 13 && j - i <= 19 && luhn_valid(s + i, j - i))
			abort();
		i = j;
	}
}

FUZZ_TARGET(pcap)
{
	if (size > (1u << 20))
		return 0;
	const char *tmp = getenv("TMPDIR");
	char *path = xasprintf("%s/assay-fuzz-pcap-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t k = write(fd, data + off, size - off);
		if (k <= 0)
			abort();
		off += (size_t)k;
	}
	close(fd);
	struct target_input in = {"pcap", path};
	struct target_option opts[] = {
	    {"pcap.max-flows", "16"},
	    {"pcap.stream-buffer", "2k"},
	    {"pcap.buffer", "8k"},
	};
	struct target t = {"fuzz", &in, 1, opts, sizeof(opts) / sizeof(opts[0])};
	struct probe_opts o = {.timeout_s = 20};
	struct facts f;
	facts_init(&f);
	probe_pcap.run(&t, &o, &f);
	for (size_t i = 0; i < f.nfacts; i++)
		if (f.facts[i].v.type == FACT_STRING)
			no_card_number(f.facts[i].v.s);
	for (size_t i = 0; i < f.nfindings; i++) {
		no_card_number(f.findings[i].message);
		no_card_number(f.findings[i].excerpt);
		no_card_number(f.findings[i].loc.stream);
	}
	for (size_t i = 0; i < f.nerrors; i++)
		no_card_number(f.errors[i]);
	facts_free(&f);
	unlink(path);
	free(path);
	return 0;
}
