/*
 * The pcap probe: card data and credentials on the wire. Plan keys `pcap`
 * (a capture file: pcap or pcapng, optionally gzip-compressed) and
 * `capture` (a network interface, captured live for `capture.duration`);
 * options in probes/pcap/README.md, whose fact table is the contract with
 * the rule sets. UPDSS, as PCI DSS 4.2.1 and 8.3.2, wants card data and
 * authentication to cross networks only encrypted; a capture is how an
 * auditor shows which flows do not.
 *
 * libpcap reads the files (and compiles the BPF filter); a gzip file is
 * decompressed by zlib through a stdio cookie, so nothing is written to
 * disk and memory stays one zlib window. Every packet goes through
 * decode.c -> flow.c -> app.c on this one thread; the deadline
 * (o->timeout_s) is checked every 1024 packets.
 *
 * Live capture (`capture = eth0`, or `assay probe pcap iface:eth0`, or the
 * `interface` option): non-promiscuous, immediate mode, polled every
 * 100 ms, ends after `duration`, after `count` packets or at the deadline,
 * whichever comes first. It needs CAP_NET_RAW.
 */
#include "probes/pcap/pcap_int.h"
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/util.h"

#include <errno.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PCAP_DEFAULT_TIMEOUT_S 120.0
#define LIVE_DEFAULT_S         10.0
#define SNAPLEN_DEFAULT        262144
#define CHECK_EVERY            1024

struct pc_opts {
	const char *bpf;
	const char *iface;
	double duration_s;
	uint64_t count; /* 0: no limit */
	int snaplen;
};

struct pc_input_state {
	struct pc_run *r;
	int linktype;
	double deadline_ms;
	bool stopped; /* deadline */
};

/* --- options --- */

/* The value of "<key>.<name>" for either of the probe's keys; the last one given. */
static const char *opt(const struct target *t, const char *name)
{
	const char *v = NULL;
	size_t n = strlen(name);
	for (size_t i = 0; i < t->noptions; i++) {
		const char *o = t->options[i].name, *dot = strchr(o, '.');
		if (dot && strcmp(dot + 1, name) == 0 && strlen(dot + 1) == n &&
		    (strncmp(o, "pcap.", 5) == 0 || strncmp(o, "capture.", 8) == 0))
			v = t->options[i].value;
	}
	return v;
}

static int parse_u64(uint64_t *v, const char *s, bool sizes)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	if (sizes && *end) {
		const char *u = "kKmMgG";
		const char *k = strchr(u, *end);
		if (!k)
			return -1;
		shift = 10 * (unsigned)((k - u) / 2 + 1);
		end++;
		if (*end == 'b' || *end == 'B')
			end++;
	}
	if (*end || (shift && n > (UINT64_MAX >> shift)))
		return -1;
	*v = (uint64_t)n << shift;
	return 0;
}

/* "30", "30s", "500ms", "2m", "1h". */
static int parse_secs(double *v, const char *s)
{
	char *end;
	double d = strtod(s, &end);
	if (end == s || !isfinite(d) || d <= 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		*v = d;
	else if (!strcmp(end, "ms"))
		*v = d / 1000;
	else if (!strcmp(end, "m"))
		*v = d * 60;
	else if (!strcmp(end, "h"))
		*v = d * 3600;
	else
		return -1;
	return 0;
}

static int read_options(struct pc_run *r, struct pc_opts *po, const struct target *t)
{
	const char *v;
	po->bpf = opt(t, "bpf");
	po->iface = opt(t, "interface");
	po->duration_s = LIVE_DEFAULT_S;
	po->snaplen = SNAPLEN_DEFAULT;
	if ((v = opt(t, "duration")) && parse_secs(&po->duration_s, v) < 0)
		return err_set("duration: '%s' is not a duration (30s, 500ms, 2m)", v);
	if ((v = opt(t, "count")) && parse_u64(&po->count, v, false) < 0)
		return err_set("count: '%s' is not a number of packets", v);
	uint64_t n;
	if ((v = opt(t, "snaplen"))) {
		if (parse_u64(&n, v, false) < 0 || n < 64 || n > 262144)
			return err_set("snaplen: '%s' is not a number from 64 to 262144", v);
		po->snaplen = (int)n;
	}
	if ((v = opt(t, "max-flows"))) {
		if (parse_u64(&n, v, false) < 0 || n < 1 || n > (1u << 24))
			return err_set("max-flows: '%s' is not a number from 1 to 16777216", v);
		r->max_flows = n;
	}
	if ((v = opt(t, "stream-buffer"))) {
		if (parse_u64(&n, v, true) < 0 || n > (1u << 30))
			return err_set("stream-buffer: '%s' is not a size up to 1G (64k, 1M)", v);
		r->dir_buf = n;
	}
	if ((v = opt(t, "buffer"))) {
		if (parse_u64(&n, v, true) < 0 || n > (16ull << 30))
			return err_set("buffer: '%s' is not a size up to 16G (64M, 1G)", v);
		r->total_buf = n;
	}
	if ((v = opt(t, "ignore-test-cards"))) {
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			r->cfg.ignore_test_cards = true;
		else if (strcmp(v, "false") && strcmp(v, "no") && strcmp(v, "0"))
			return err_set("ignore-test-cards: '%s' is not true or false", v);
	}
	return 0;
}

/* --- gzip through a stdio cookie --- */

struct gz_cookie {
	gzFile gz;
};

static ssize_t gz_read(void *c, char *buf, size_t n)
{
	struct gz_cookie *g = c;
	unsigned k = n > (1u << 30) ? 1u << 30 : (unsigned)n;
	int got = gzread(g->gz, buf, k);
	if (got < 0) {
		errno = EIO;
		return -1;
	}
	return got;
}

static int gz_close(void *c)
{
	struct gz_cookie *g = c;
	gzclose(g->gz);
	free(g);
	return 0;
}

/* The capture as a stream of bytes: the file, or what its gzip layer holds. */
static FILE *open_capture(const char *path, bool *gz)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char m[2];
	size_t k = fread(m, 1, 2, f);
	*gz = k == 2 && m[0] == 0x1f && m[1] == 0x8b;
	if (!*gz) {
		rewind(f);
		return f;
	}
	fclose(f);
	struct gz_cookie *g = xcalloc(1, sizeof(*g));
	g->gz = gzopen(path, "rb");
	if (!g->gz) {
		free(g);
		return NULL;
	}
	gzbuffer(g->gz, 1u << 17);
	cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
	FILE *c = fopencookie(g, "rb", io);
	if (!c) {
		gz_close(g);
		return NULL;
	}
	return c;
}

/* --- reading --- */

static void one_packet(struct pc_run *r, int lt, const struct pcap_pkthdr *h, const uint8_t *p)
{
	r->pkt_no++;
	r->c.packets++;
	r->c.bytes += h->caplen;
	r->ts = h->ts;
	pc_decode(r, lt, p, h->caplen, h->len);
}

static int set_filter(struct pc_run *r, pcap_t *p, const char *bpf, const char *what)
{
	if (!bpf || !*bpf)
		return 0;
	struct bpf_program prog;
	if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		facts_error(r->out, "%s: BPF filter '%s': %s", what, bpf, pcap_geterr(p));
		return -1;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		facts_error(r->out, "%s: BPF filter '%s': %s", what, bpf, pcap_geterr(p));
		return -1;
	}
	return 0;
}

static int check_linktype(struct pc_run *r, pcap_t *p, const char *what, int *lt)
{
	*lt = pcap_datalink(p);
	if (pc_linktype_supported(*lt))
		return 0;
	const char *name = pcap_datalink_val_to_name(*lt);
	facts_error(r->out, "%s: link type %d (%s) is not supported", what, *lt,
	            name ? name : "unknown");
	return -1;
}

/*
 * 0 read to the end; 1 stopped by the deadline; 2 stopped by a record it
 * could not read (error set); -1 could not read it at all (error set).
 */
static int read_file(struct pc_run *r, const char *path, const struct pc_opts *po,
                     double deadline_ms, bool *file_truncated)
{
	bool gz = false;
	FILE *f = open_capture(path, &gz);
	if (!f) {
		facts_error(r->out, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (!p) {
		fclose(f);
		facts_error(r->out, "%s: not a pcap or pcapng capture%s at byte offset 0: %s", path,
		            gz ? " (after gzip)" : "", eb);
		return -1;
	}
	int lt;
	if (check_linktype(r, p, path, &lt) < 0 || set_filter(r, p, po->bpf, path) < 0) {
		pcap_close(p);
		return -1;
	}
	r->src_name = path;
	int rc = 0;
	uint64_t n = 0;
	/* where the next record starts, in the classic format (pcapng blocks vary) */
	bool classic = pcap_major_version(p) == 2;
	uint64_t at = 24;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int k = pcap_next_ex(p, &h, &d);
		if (k == 1) {
			one_packet(r, lt, h, d);
			at += 16 + (uint64_t)h->caplen;
			if (++n % CHECK_EVERY == 0 && time_mono_ms() > deadline_ms) {
				rc = 1;
				break;
			}
			continue;
		}
		if (k == PCAP_ERROR_BREAK)
			break; /* the end */
		const char *msg = pcap_geterr(p);
		if (strstr(msg, "truncated"))
			*file_truncated = true;
		rc = 2;
		if (classic)
			facts_error(r->out, "%s: record %llu at %sbyte offset %llu: %s", path,
			            (unsigned long long)n + 1, gz ? "decompressed " : "",
			            (unsigned long long)at, msg);
		else
			facts_error(r->out, "%s: the block after packet %llu: %s", path,
			            (unsigned long long)n, msg);
		break;
	}
	pcap_close(p);
	return rc;
}

static void live_cb(u_char *u, const struct pcap_pkthdr *h, const u_char *d)
{
	struct pc_input_state *st = (struct pc_input_state *)(void *)u;
	one_packet(st->r, st->linktype, h, d);
}

/* 0 captured for the duration (or count); 1 cut by the deadline; -1 error (set). */
static int capture_live(struct pc_run *r, const char *iface, const struct pc_opts *po,
                        double deadline_ms)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, eb);
	if (!p) {
		facts_error(r->out, "interface %s: %s", iface, eb);
		return -1;
	}
	pcap_set_snaplen(p, po->snaplen);
	pcap_set_promisc(p, 0);
	pcap_set_timeout(p, 100);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 8 << 20);
	int a = pcap_activate(p);
	if (a < 0) {
		facts_error(r->out, "interface %s: cannot capture: %s%s", iface,
		            pcap_statustostr(a),
		            a == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
		pcap_close(p);
		return -1;
	}
	struct pc_input_state st = {.r = r};
	char *what = xasprintf("interface %s", iface);
	if (check_linktype(r, p, what, &st.linktype) < 0 || set_filter(r, p, po->bpf, what) < 0 ||
	    pcap_setnonblock(p, 1, eb) < 0) {
		free(what);
		pcap_close(p);
		return -1;
	}
	free(what);
	r->src_name = iface;
	int fd = pcap_get_selectable_fd(p);
	double end = time_mono_ms() + po->duration_s * 1000;
	int rc = 0;
	uint64_t start = r->c.packets;
	for (;;) {
		double now = time_mono_ms();
		if (now >= deadline_ms) {
			rc = 1;
			break;
		}
		if (now >= end || (po->count && r->c.packets - start >= po->count))
			break;
		double left = (end < deadline_ms ? end : deadline_ms) - now;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (fd >= 0)
			poll(&pfd, 1, left < 100 ? (int)left + 1 : 100);
		int cnt = po->count ? (int)(po->count - (r->c.packets - start) < 4096
		                                ? po->count - (r->c.packets - start)
		                                : 4096)
		                    : -1;
		if (pcap_dispatch(p, cnt, live_cb, (u_char *)(void *)&st) < 0) {
			facts_error(r->out, "interface %s: %s", iface, pcap_geterr(p));
			rc = -1;
			break;
		}
	}
	struct pcap_stat ps;
	if (pcap_stats(p, &ps) == 0 && ps.ps_drop)
		facts_error(r->out,
		            "interface %s: the kernel dropped %u packets (streams have gaps)",
		            iface, ps.ps_drop);
	pcap_close(p);
	return rc;
}

/* --- facts --- */

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	int c = strcmp(a->loc.file, b->loc.file);
	if (c)
		return c;
	c = strcmp(a->loc.stream, b->loc.stream);
	if (c)
		return c;
	if (a->loc.offset != b->loc.offset)
		return a->loc.offset < b->loc.offset ? -1 : 1;
	return strcmp(a->kind, b->kind);
}

static void write_facts(struct pc_run *r, bool complete, bool file_truncated)
{
	struct facts *out = r->out;
	const struct pc_counts *c = &r->c;
	facts_add_int(out, "pcap.packets", (int64_t)c->packets);
	facts_add_int(out, "pcap.bytes", (int64_t)c->bytes);
	facts_add_int(out, "pcap.payload_bytes", (int64_t)c->payload_bytes);
	facts_add_int(out, "pcap.flows", (int64_t)c->flows);
	facts_add_int(out, "pcap.tcp_flows", (int64_t)c->tcp_flows);
	facts_add_int(out, "pcap.udp_flows", (int64_t)c->udp_flows);
	facts_add_int(out, "pcap.tls_flows", (int64_t)c->tls_flows);
	facts_add_int(out, "pcap.cleartext_pan_flows", (int64_t)c->cleartext_pan_flows);
	facts_add_int(out, "pcap.pan", (int64_t)c->pan);
	facts_add_int(out, "pcap.track_data", (int64_t)c->track);
	facts_add_int(out, "pcap.cvv", (int64_t)c->cvv);
	facts_add_int(out, "pcap.pin_block", (int64_t)c->pin);
	facts_add_int(out, "pcap.masked_too_wide", (int64_t)c->masked_wide);
	facts_add_int(out, "pcap.low_confidence", (int64_t)c->low);
	facts_add_int(out, "pcap.test_cards_ignored", (int64_t)c->test_ignored);
	facts_add_int(out, "pcap.cleartext_credentials", (int64_t)c->credentials);
	facts_add_int(out, "pcap.cleartext_code_downloads", (int64_t)c->code_downloads);
	facts_add_int(out, "pcap.unionpay", (int64_t)c->unionpay);
	facts_add_int(out, "pcap.mail_pan_flows", (int64_t)c->mail_pan_flows);
	facts_add_int(out, "pcap.class_c3", (int64_t)(c->track + c->cvv + c->pin));
	facts_add_int(out, "pcap.class_c2", (int64_t)(c->pan + c->masked_wide));
	char *brands[PAN_BRAND_UNIONPAY + 1];
	size_t nb = 0;
	for (int b = 0; b <= PAN_BRAND_UNIONPAY; b++)
		if (c->brand[b])
			brands[nb++] = xasprintf("%s %llu", pan_brand_name((enum pan_brand)b),
			                         (unsigned long long)c->brand[b]);
	facts_add_list(out, "pcap.brands", (const char *const *)brands, nb);
	for (size_t i = 0; i < nb; i++)
		free(brands[i]);
	const char *pprotos[PC_P_NPROTO];
	size_t npp = 0;
	for (int p = 0; p < PC_P_NPROTO; p++)
		if (r->pan_protos & (1u << p))
			pprotos[npp++] =
			    p == PC_P_UNKNOWN ? "other" : pc_proto_name((enum pc_proto)p);
	facts_add_list(out, "pcap.cleartext_pan_protocols", pprotos, npp);
	const char *protos[PC_P_NPROTO];
	size_t np = 0;
	for (int p = 0; p < PC_P_NPROTO; p++)
		if (r->protos_seen & (1u << p))
			protos[np++] = pc_proto_name((enum pc_proto)p);
	facts_add_list(out, "pcap.cleartext_protocols", protos, np);
	facts_add_int(out, "pcap.gaps", (int64_t)c->gaps);
	facts_add_int(out, "pcap.gap_bytes", (int64_t)c->gap_bytes);
	facts_add_int(out, "pcap.retransmissions", (int64_t)c->retransmissions);
	facts_add_int(out, "pcap.overlaps", (int64_t)c->overlaps);
	facts_add_int(out, "pcap.out_of_window", (int64_t)c->out_of_window);
	facts_add_int(out, "pcap.buffer_flushes", (int64_t)c->buffer_flushes);
	facts_add_int(out, "pcap.flows_evicted", (int64_t)c->flows_evicted);
	facts_add_int(out, "pcap.ip_fragments", (int64_t)c->fragments);
	facts_add_int(out, "pcap.ip_reassembled", (int64_t)c->frag_reassembled);
	facts_add_int(out, "pcap.ip_fragments_dropped", (int64_t)c->frag_dropped);
	facts_add_int(out, "pcap.truncated", (int64_t)c->truncated);
	facts_add_bool(out, "pcap.file_truncated", file_truncated);
	facts_add_int(out, "pcap.malformed", (int64_t)c->malformed);
	facts_add_int(out, "pcap.non_ip", (int64_t)c->non_ip);
	facts_add_int(out, "pcap.unsupported", (int64_t)c->unsupported);
	facts_add_int(out, "pcap.findings_dropped", (int64_t)c->findings_dropped);
	facts_add_bool(out, "pcap.complete", complete);
	if (r->nfound > 1)
		qsort(r->found, r->nfound, sizeof(r->found[0]), cmp_finding);
	for (size_t i = 0; i < r->nfound; i++) {
		facts_add_finding(out, &r->found[i]);
		finding_free(&r->found[i]);
	}
	free(r->found);
	r->found = NULL;
	r->nfound = 0;
}

/* --- the run --- */

static int pcap_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	double t0 = time_mono_ms();
	double budget =
	    o && isfinite(o->timeout_s) && o->timeout_s > 0 ? o->timeout_s : PCAP_DEFAULT_TIMEOUT_S;
	double margin = budget * 1000 * 0.05 < 500 ? budget * 1000 * 0.05 : 500;
	double deadline_ms = t0 + budget * 1000 - margin;

	struct pc_run *r = xcalloc(1, sizeof(*r));
	r->out = out;
	r->max_flows = PC_MAX_FLOWS_DEFAULT;
	r->dir_buf = PC_DIR_BUF_DEFAULT;
	r->total_buf = PC_TOTAL_BUF_DEFAULT;
	struct pc_opts po;
	memset(&po, 0, sizeof(po));
	int rc = 0;
	if (read_options(r, &po, t) < 0) {
		facts_error(out, "%s", err_msg());
		free(r);
		return -1;
	}
	if (t->ninputs == 0 && !po.iface) {
		facts_error(out, "nothing to read (expected 'pcap = FILE' or 'capture = IFACE')");
		free(r);
		return -1;
	}
	if (RAND_bytes(r->key, sizeof(r->key)) != 1 ||
	    RAND_bytes((unsigned char *)&r->seed, sizeof(r->seed)) != 1) {
		facts_error(out, "cannot draw a random key");
		free(r);
		return -1;
	}
	r->cfg.hmac_key = r->key;
	r->cfg.hmac_key_len = sizeof(r->key);
	pc_flows_init(r);

	bool complete = true, file_truncated = false, any_read = false;
	bool stopped = false;
	for (size_t i = 0; i < t->ninputs && !stopped; i++) {
		const char *v = t->inputs[i].value ? t->inputs[i].value : "";
		int k;
		if (strcmp(t->inputs[i].key, "capture") == 0)
			k = capture_live(r, v, &po, deadline_ms);
		else if (strncmp(v, "iface:", 6) == 0)
			k = capture_live(r, v + 6, &po, deadline_ms);
		else
			k = read_file(r, v, &po, deadline_ms, &file_truncated);
		if (k < 0) {
			complete = false;
			continue;
		}
		any_read = true;
		if (k == 1)
			stopped = true;
		if (k == 2)
			complete = false;
	}
	if (po.iface && !stopped) {
		int k = capture_live(r, po.iface, &po, deadline_ms);
		if (k < 0)
			complete = false;
		else
			any_read = true;
		if (k == 1)
			stopped = true;
	}
	if (file_truncated)
		complete = false;
	pc_flows_finish(r); /* every flow flushed: hits decided, flows counted */
	pc_scanners_free(r);
	pc_frags_free(r);
	if (stopped) {
		complete = false;
		facts_error(
		    out,
		    "cut short by the %g s deadline after %llu packets; facts cover what was "
		    "read",
		    budget, (unsigned long long)r->c.packets);
		rc = -1;
	}
	write_facts(r, complete, file_truncated);
	if (!any_read)
		rc = -1;
	OPENSSL_cleanse(r->key, sizeof(r->key));
	free(r);
	return rc;
}

/* The summary `assay probe pcap` prints above the facts. */
static int64_t fact_int(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	return v && v->type == FACT_INT ? v->i : 0;
}

static int pcap_print(FILE *out, const struct facts *f)
{
	const struct fact_value *protos = facts_get(f, "pcap.cleartext_protocols");
	if (!protos || protos->type != FACT_LIST || fact_int(f, "pcap.packets") == 0)
		return -1;
	fprintf(out, "%lld packets, %lld flows (%lld TLS); cleartext protocols: ",
	        (long long)fact_int(f, "pcap.packets"), (long long)fact_int(f, "pcap.flows"),
	        (long long)fact_int(f, "pcap.tls_flows"));
	for (size_t i = 0; i < protos->nitems; i++)
		fprintf(out, "%s%s", i ? ", " : "", protos->items[i]);
	fprintf(out, "%s\n", protos->nitems ? "" : "none");
	fprintf(
	    out,
	    "card data in cleartext: %lld flows (%lld card numbers, %lld track data, %lld CVVs); "
	    "credentials in cleartext: %lld\n",
	    (long long)fact_int(f, "pcap.cleartext_pan_flows"), (long long)fact_int(f, "pcap.pan"),
	    (long long)fact_int(f, "pcap.track_data"), (long long)fact_int(f, "pcap.cvv"),
	    (long long)fact_int(f, "pcap.cleartext_credentials"));
	if (fact_int(f, "pcap.gaps"))
		fprintf(out, "streams with holes: %lld gaps, %lld bytes never seen\n",
		        (long long)fact_int(f, "pcap.gaps"),
		        (long long)fact_int(f, "pcap.gap_bytes"));
	return 0;
}

static const char *const pcap_keys[] = {"pcap", "capture", NULL};
static const struct probe_option pcap_options[] = {
    {"bpf", "BPF filter expression (tcpdump syntax), e.g. 'tcp port 80'"},
    {"interface", "capture live on this interface (needs CAP_NET_RAW)"},
    {"duration", "live capture length (default 10s; 30s, 2m)"},
    {"count", "live capture: stop after this many packets"},
    {"snaplen", "live capture: bytes kept per packet (default 262144)"},
    {"max-flows", "flows held at once; the least recent is flushed (default 100000)"},
    {"stream-buffer", "out-of-order bytes held per direction (default 1M)"},
    {"buffer", "out-of-order bytes held in all (default 64M)"},
    {"ignore-test-cards", "true: do not report the published test card numbers"},
    {NULL, NULL},
};

const struct probe probe_pcap = {
    .name = "pcap",
    .summary = "card data and credentials in cleartext on the wire (pcap, pcapng, live)",
    .keys = pcap_keys,
    .options = pcap_options,
    .cost = 2,
    .run = pcap_run,
    .print = pcap_print,
};
