/*
 * Flows and TCP stream reassembly for the pcap probe.
 *
 * A flow is a 5-tuple (both directions) in a hash table with a per-run
 * random seed (a hostile capture cannot choose colliding keys without
 * knowing it). At most max-flows are held; when a new one needs room, the
 * flow seen least recently is flushed and forgotten (pcap.flows_evicted).
 * The client is the sender of a SYN without ACK; without a handshake in
 * the capture, the endpoint with the higher port (an ephemeral port).
 *
 * TCP, per direction (RFC 9293 sequence arithmetic, modulo 2^32):
 * - the stream starts after the SYN, or at the first segment seen when
 *   the capture began mid-connection;
 * - in-order bytes go straight to the application layer (app.c), without
 *   a copy; bytes ahead of the next expected one wait in a sorted list;
 * - overlaps: the bytes that arrived first win, for retransmissions of
 *   bytes already delivered (pcap.retransmissions) and among waiting
 *   segments (pcap.overlaps); a retransmission that carries different
 *   bytes is therefore not scanned again (a receiver's view differs by
 *   OS; first-wins is what most reassemblers, Zeek's included, do);
 * - a hole is never guessed: when the waiting bytes of a direction pass
 *   the per-direction bound (or its segment count), or all directions pass
 *   the total bound (then the flow that started waiting first is flushed
 *   first), or the flow ends, the missing range is recorded as a gap
 *   (pcap.gaps, pcap.gap_bytes) and the stream moves on past it;
 * - a segment more than 1 GiB ahead of the stream is out of window and
 *   dropped (counted): it cannot belong to it;
 * - FIN ends a direction once the bytes before it arrived; RST ends both
 *   at once (waiting bytes are flushed with gaps); a SYN on a finished
 *   flow starts a new one (port reuse).
 * UDP datagrams are scanned each on their own.
 */
#include "probes/pcap/pcap_int.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pc_ooo {
	struct pc_ooo *next;
	uint32_t seq;
	uint32_t len;  /* sequence space covered */
	uint32_t have; /* data bytes held (the rest was cut by the snaplen) */
	uint8_t data[];
};

#define OOO_OVERHEAD 48 /* the header and malloc's own, counted against the bounds */

/* --- the table --- */

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_key(const struct pc_run *r, uint8_t fam, uint8_t proto, const uint16_t port[2],
                         const uint8_t addr[2][16])
{
	uint64_t h = r->seed ^ ((uint64_t)fam << 8 | proto);
	h = mix(h ^ ((uint64_t)port[0] << 16 | port[1]));
	for (int e = 0; e < 2; e++)
		for (int i = 0; i < 16; i += 8) {
			uint64_t v;
			memcpy(&v, addr[e] + i, 8);
			h = mix(h ^ v);
		}
	return h;
}

void pc_flows_init(struct pc_run *r)
{
	size_t n = 1024;
	while (n < r->max_flows && n < (1u << 22))
		n <<= 1;
	r->nbuckets = n;
	r->buckets = xcalloc(n, sizeof(*r->buckets));
	for (int i = 0; i < PC_SCANNERS; i++)
		r->scanners[i].flow = NULL;
}

static void lru_unlink(struct pc_run *r, struct pc_flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		r->lru_head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		r->lru_tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void lru_append(struct pc_run *r, struct pc_flow *f)
{
	f->lprev = r->lru_tail;
	f->lnext = NULL;
	if (r->lru_tail)
		r->lru_tail->lnext = f;
	else
		r->lru_head = f;
	r->lru_tail = f;
}

static void buffered_unlink(struct pc_run *r, struct pc_flow *f)
{
	if (!f->in_buffered)
		return;
	if (f->bprev)
		f->bprev->bnext = f->bnext;
	else
		r->buf_head = f->bnext;
	if (f->bnext)
		f->bnext->bprev = f->bprev;
	else
		r->buf_tail = f->bprev;
	f->bprev = f->bnext = NULL;
	f->in_buffered = false;
}

static void buffered_append(struct pc_run *r, struct pc_flow *f)
{
	if (f->in_buffered)
		return;
	f->bprev = r->buf_tail;
	f->bnext = NULL;
	if (r->buf_tail)
		r->buf_tail->bnext = f;
	else
		r->buf_head = f;
	r->buf_tail = f;
	f->in_buffered = true;
}

/* --- one direction's stream --- */

static void dir_check_fin(struct pc_run *r, struct pc_flow *f, int d)
{
	struct pc_dir *x = &f->d[d];
	if (x->fin && !x->done && x->next == x->fin_seq) {
		x->done = true;
		pc_app_dir_end(r, f, d);
	}
}

/* Deliver len bytes of sequence space at the stream's next position, have of them held. */
static void dir_deliver(struct pc_run *r, struct pc_flow *f, int d, const uint8_t *p, uint32_t have,
                        uint32_t len)
{
	struct pc_dir *x = &f->d[d];
	if (x->done) {
		/* bytes past the FIN (or after an RST): not part of the stream */
		x->next += len;
		return;
	}
	if (have)
		pc_app_data(r, f, d, p, have);
	if (len > have) {
		r->c.gaps++;
		r->c.gap_bytes += len - have;
		pc_app_gap(r, f, d, len - have);
	}
	x->next += len;
	x->off += len;
}

static void ooo_free_head(struct pc_run *r, struct pc_flow *f, int d)
{
	struct pc_dir *x = &f->d[d];
	struct pc_ooo *o = x->ooo;
	x->ooo = o->next;
	if (!x->ooo)
		x->ooo_tail = NULL;
	x->nooo--;
	x->ooo_bytes -= o->have + OOO_OVERHEAD;
	r->total_ooo -= o->have + OOO_OVERHEAD;
	free(o);
}

/* Deliver the waiting segments that now touch the stream. */
static void dir_drain(struct pc_run *r, struct pc_flow *f, int d)
{
	struct pc_dir *x = &f->d[d];
	while (x->ooo) {
		struct pc_ooo *o = x->ooo;
		int32_t rel = (int32_t)(o->seq - x->next);
		if (rel > 0)
			break;
		uint32_t skip = x->next - o->seq;
		if (skip < o->len) {
			uint32_t h = o->have > skip ? o->have - skip : 0;
			dir_deliver(r, f, d, o->data + (o->have > skip ? skip : o->have), h,
			            o->len - skip);
		}
		ooo_free_head(r, f, d);
	}
	if (!f->d[0].ooo && !f->d[1].ooo)
		buffered_unlink(r, f);
	dir_check_fin(r, f, d);
}

/* Record the hole before the first waiting segment and deliver from there. */
static void dir_skip_gap(struct pc_run *r, struct pc_flow *f, int d)
{
	struct pc_dir *x = &f->d[d];
	if (!x->ooo)
		return;
	uint32_t gap = x->ooo->seq - x->next;
	if ((int32_t)gap > 0)
		dir_deliver(r, f, d, NULL, 0, gap);
	dir_drain(r, f, d);
}

/* Flush everything a direction holds, gaps recorded. */
static void dir_flush(struct pc_run *r, struct pc_flow *f, int d)
{
	while (f->d[d].ooo)
		dir_skip_gap(r, f, d);
}

static struct pc_ooo *ooo_new(struct pc_run *r, struct pc_dir *x, uint32_t seq, const uint8_t *p,
                              uint32_t have, uint32_t len)
{
	struct pc_ooo *o = xmalloc(sizeof(*o) + have);
	o->next = NULL;
	o->seq = seq;
	o->len = len;
	o->have = have;
	if (have)
		memcpy(o->data, p, have);
	x->nooo++;
	x->ooo_bytes += have + OOO_OVERHEAD;
	r->total_ooo += have + OOO_OVERHEAD;
	return o;
}

/*
 * Insert [seq, seq+len) ahead of the stream; only the parts no waiting
 * segment covers yet are kept (first wins).
 */
static void dir_insert(struct pc_run *r, struct pc_flow *f, int d, uint32_t seq, const uint8_t *p,
                       uint32_t have, uint32_t len)
{
	struct pc_dir *x = &f->d[d];
	uint64_t s = (uint32_t)(seq - x->next), e = s + len; /* relative to next */
	struct pc_ooo **link = &x->ooo;
	bool overlapped = false;
	/* After a hole, the stream goes on arriving in order: each segment
	 * lands after the last waiting one, found without walking the list
	 * (behind 4,096 waiting segments, every insert was a 4,096-step walk:
	 * `pcap-gen holes` read 13 times slower than in order). */
	if (x->ooo_tail && s >= (uint64_t)(uint32_t)(x->ooo_tail->seq - x->next) + x->ooo_tail->len)
		link = &x->ooo_tail->next;
	while (s < e) {
		struct pc_ooo *o = *link;
		uint64_t a = o ? (uint32_t)(o->seq - x->next) : e, b = o ? a + o->len : e;
		if (s < a) {
			uint64_t pe = e < a ? e : a;
			uint64_t from = s - (uint32_t)(seq - x->next);
			uint32_t h = from < have
			                 ? (uint32_t)((have - from) < pe - s ? have - from : pe - s)
			                 : 0;
			struct pc_ooo *n =
			    ooo_new(r, x, x->next + (uint32_t)s, p + (from < have ? from : 0), h,
			            (uint32_t)(pe - s));
			n->next = o;
			*link = n;
			link = &n->next;
			if (!o)
				x->ooo_tail = n;
			s = pe;
			continue;
		}
		if (!o)
			break;
		if (s < b) {
			overlapped = true;
			s = b;
		}
		link = &o->next;
	}
	if (overlapped)
		r->c.overlaps++;
	buffered_append(r, f);
}

static void enforce_bounds(struct pc_run *r, struct pc_flow *f, int d)
{
	struct pc_dir *x = &f->d[d];
	while (x->ooo && (x->ooo_bytes > r->dir_buf || x->nooo > PC_DIR_SEGS_MAX)) {
		r->c.buffer_flushes++;
		dir_skip_gap(r, f, d);
	}
	while (r->total_ooo > r->total_buf && r->buf_head) {
		struct pc_flow *g = r->buf_head;
		r->c.buffer_flushes++;
		dir_flush(r, g, 0);
		dir_flush(r, g, 1);
		buffered_unlink(r, g);
	}
}

static void tcp_segment(struct pc_run *r, struct pc_flow *f, int d, const struct pc_seg *s)
{
	struct pc_dir *x = &f->d[d];
	uint32_t seq = s->seq;
	const uint8_t *p = s->data;
	uint32_t have = s->have, len = s->len;

	if (s->flags & PC_SYN) {
		seq++; /* the SYN takes one sequence number; data after it (TFO) follows */
		if (!x->started || !x->off) {
			x->started = true;
			x->next = seq;
		}
	}
	if (!x->started) {
		if (!len && !(s->flags & PC_FIN))
			return; /* a bare ACK tells nothing about where the stream is */
		x->started = true;
		x->next = seq;
	}
	if (s->flags & PC_FIN) {
		x->fin = true;
		x->fin_seq = seq + len;
	}
	if (x->done) {
		if (len)
			r->c.retransmissions++;
		return;
	}
	int32_t rel = (int32_t)(seq - x->next);
	if (rel < 0) {
		uint32_t back = x->next - seq; /* rel < 0, possibly INT32_MIN */
		if (back >= len) {
			if (len)
				r->c.retransmissions++;
			dir_check_fin(r, f, d);
			return;
		}
		r->c.retransmissions++; /* partly new: the old part is dropped, first wins */
		p += back < have ? back : have;
		have = back < have ? have - back : 0;
		len -= back;
		seq = x->next;
		rel = 0;
	}
	if (len == 0) {
		dir_check_fin(r, f, d);
		return;
	}
	if ((uint32_t)rel > PC_WINDOW_MAX) {
		r->c.out_of_window++;
		return;
	}
	if (rel == 0) {
		/* the waiting list may already hold part of this range: it won */
		if (x->ooo) {
			dir_insert(r, f, d, seq, p, have, len);
			dir_drain(r, f, d);
			return;
		}
		dir_deliver(r, f, d, p, have, len);
		dir_check_fin(r, f, d);
		return;
	}
	dir_insert(r, f, d, seq, p, have, len);
	enforce_bounds(r, f, d);
}

/* --- flows --- */

static void flow_forget(struct pc_run *r, struct pc_flow *f)
{
	for (int d = 0; d < 2; d++) {
		dir_flush(r, f, d);
		f->d[d].done = true;
		pc_app_dir_end(r, f, d); /* the scanner is released whatever happened before */
	}
	buffered_unlink(r, f);
	pc_app_flow_end(r, f);
	lru_unlink(r, f);
	uint64_t h = hash_key(r, f->fam, f->proto, f->port, (const uint8_t(*)[16])f->addr) &
	             (r->nbuckets - 1);
	for (struct pc_flow **pp = &r->buckets[h]; *pp; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	for (int d = 0; d < 2; d++)
		free(f->d[d].lines);
	free(f);
	r->nflows--;
}

static void flow_reset_dirs(struct pc_flow *f)
{
	for (int d = 0; d < 2; d++) {
		memset(&f->d[d], 0, sizeof(f->d[d]));
		f->d[d].scanner = -1;
	}
}

void pc_flow_describe(const struct pc_flow *f, int dir, char *ep, size_t epn)
{
	int src = dir == 0 ? f->cli : !f->cli, dst = !src;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int af = f->fam == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, f->addr[src], a, sizeof(a));
	inet_ntop(af, f->addr[dst], b, sizeof(b));
	if (f->fam == 4)
		snprintf(ep, epn, "%s:%u \xe2\x86\x92 %s:%u", a, f->port[src], b, f->port[dst]);
	else
		snprintf(ep, epn, "[%s]:%u \xe2\x86\x92 [%s]:%u", a, f->port[src], b, f->port[dst]);
}

static bool well_known(uint16_t p)
{
	return p < 1024 || p == 8080 || p == 8443 || p == 3128;
}

void pc_flow_packet(struct pc_run *r, const struct pc_seg *s)
{
	size_t alen = s->fam == 4 ? 4 : 16;
	uint8_t addr[2][16] = {{0}};
	uint16_t port[2];
	memcpy(addr[0], s->src, alen);
	memcpy(addr[1], s->dst, alen);
	port[0] = s->sport;
	port[1] = s->dport;
	/* canonical order: the lower (address, port) first */
	int c = memcmp(addr[0], addr[1], 16);
	int src_ep = 0;
	if (c > 0 || (c == 0 && port[0] > port[1])) {
		uint8_t t[16];
		memcpy(t, addr[0], 16);
		memcpy(addr[0], addr[1], 16);
		memcpy(addr[1], t, 16);
		uint16_t tp = port[0];
		port[0] = port[1];
		port[1] = tp;
		src_ep = 1;
	}
	uint64_t h =
	    hash_key(r, s->fam, s->proto, port, (const uint8_t(*)[16])addr) & (r->nbuckets - 1);
	struct pc_flow *f = r->buckets[h];
	for (; f; f = f->hnext)
		if (f->fam == s->fam && f->proto == s->proto && f->port[0] == port[0] &&
		    f->port[1] == port[1] && memcmp(f->addr, addr, sizeof(addr)) == 0)
			break;
	bool tcp = s->proto == IPPROTO_TCP;
	bool syn_only = tcp && (s->flags & (PC_SYN | PC_ACK)) == PC_SYN;
	if (f && tcp && syn_only && (f->closed || (f->d[0].done && f->d[1].done))) {
		flow_forget(r, f); /* port reuse: a new connection */
		f = NULL;
	}
	if (!f) {
		while (r->nflows >= r->max_flows && r->lru_head) {
			r->c.flows_evicted++;
			flow_forget(r, r->lru_head);
		}
		f = xcalloc(1, sizeof(*f));
		f->fam = s->fam;
		f->proto = s->proto;
		memcpy(f->port, port, sizeof(port));
		memcpy(f->addr, addr, sizeof(addr));
		flow_reset_dirs(f);
		if (tcp && (s->flags & PC_SYN))
			f->cli = (uint8_t)((s->flags & PC_ACK) ? !src_ep : src_ep);
		else if (well_known(s->dport) && !well_known(s->sport))
			f->cli = (uint8_t)src_ep;
		else if (well_known(s->sport) && !well_known(s->dport))
			f->cli = (uint8_t)!src_ep;
		else
			f->cli = (uint8_t)(s->sport >= s->dport ? src_ep : !src_ep);
		f->id = ++r->c.flows;
		if (tcp)
			r->c.tcp_flows++;
		else
			r->c.udp_flows++;
		f->first_pkt = r->pkt_no;
		f->first_ts = r->ts;
		f->hnext = r->buckets[h];
		r->buckets[h] = f;
		r->nflows++;
		lru_append(r, f);
	} else if (r->lru_tail != f) {
		lru_unlink(r, f);
		lru_append(r, f);
	}
	int d = src_ep == f->cli ? 0 : 1;
	if (!tcp) {
		r->c.udp_datagrams++;
		if (s->have)
			pc_app_udp(r, f, d, s->data, s->have);
		return;
	}
	if (s->flags & PC_RST) {
		/* an RST may carry data (diagnostics): take it, then end both ways */
		if (s->len)
			tcp_segment(r, f, d, s);
		for (int k = 0; k < 2; k++) {
			dir_flush(r, f, k);
			f->d[k].done = true;
			pc_app_dir_end(r, f, k);
		}
		buffered_unlink(r, f);
		f->closed = true;
		return;
	}
	if (f->closed)
		return;
	tcp_segment(r, f, d, s);
}

void pc_flows_finish(struct pc_run *r)
{
	while (r->lru_head)
		flow_forget(r, r->lru_head);
	free(r->buckets);
	r->buckets = NULL;
}
