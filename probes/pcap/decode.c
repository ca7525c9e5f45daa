/*
 * Packet decoding for the pcap probe: from the link layer to a transport
 * segment (struct pc_seg) for the flow layer.
 *
 * Link layers (tcpdump.org/linktypes.html): Ethernet, Linux cooked
 * capture v1 (SLL, 16-byte header) and v2 (SLL2, 20 bytes), each with up to
 * 8 stacked 802.1Q / 802.1ad (QinQ) tags, raw IP (DLT_RAW, IPV4, IPV6),
 * BSD loopback (DLT_NULL: the address family in the capturing host's byte
 * order, so both orders are accepted; DLT_LOOP: network order).
 *
 * IPv4 (RFC 791): the header length and the total length are checked
 * against each other and against what was captured; Ethernet padding past
 * the total length is dropped; a datagram cut by the snaplen keeps its
 * claimed length so that the flow layer records the missing bytes as a
 * gap. Fragments are reassembled (below) in a bitmap of 8-byte units,
 * first fragment wins on overlaps (RFC 5722 would drop the datagram; for
 * an auditor the bytes seen first are the ones a receiver most likely
 * took), at most PC_FRAGS_MAX datagrams at once, the oldest dropped.
 *
 * IPv6 (RFC 8200): hop-by-hop, routing, destination options, AH and
 * fragment headers are walked (at most 8); IPv6 fragments share the
 * reassembly. TCP (RFC 9293): a data offset below 5 or past the segment
 * is malformed. Anything else (ICMP, SCTP, ARP, ...) is counted as
 * unsupported and skipped.
 */
#include "probes/pcap/pcap_int.h"
#include "lib/util.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define VLAN_DEPTH_MAX 8
#define IP6_EXT_MAX    8
#define FRAG_DATA_MAX  65535u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool pc_linktype_supported(int lt)
{
	switch (lt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	}
	return false;
}

/* --- transport --- */

/*
 * p[0, have) of a transport header and payload that claims len bytes
 * (have < len when the snaplen cut the packet).
 */
static void transport(struct pc_run *r, struct pc_seg *s, const uint8_t *p, uint32_t have,
                      uint32_t len)
{
	if (s->proto == IPPROTO_TCP) {
		if (have < 20) {
			if (len >= 20)
				r->c.truncated++;
			else
				r->c.malformed++;
			return;
		}
		uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
		if (doff < 20 || doff > len) {
			r->c.malformed++; /* options overrun the segment */
			return;
		}
		if (doff > have) {
			r->c.truncated++;
			return;
		}
		s->sport = rd16(p);
		s->dport = rd16(p + 2);
		s->seq = rd32(p + 4);
		s->flags = p[13];
		s->data = p + doff;
		s->have = have - doff;
		s->len = len - doff;
	} else if (s->proto == IPPROTO_UDP) {
		if (have < 8) {
			if (len >= 8)
				r->c.truncated++;
			else
				r->c.malformed++;
			return;
		}
		uint32_t ulen = rd16(p + 4);
		if (ulen < 8 || ulen > len) {
			r->c.malformed++;
			return;
		}
		s->sport = rd16(p);
		s->dport = rd16(p + 2);
		s->data = p + 8;
		s->len = ulen - 8;
		s->have = (have < ulen ? have : ulen) - 8;
	} else {
		r->c.unsupported++;
		return;
	}
	if (s->have < s->len)
		r->c.truncated++;
	pc_flow_packet(r, s);
}

/* --- IP fragments --- */

struct pc_frag {
	uint8_t fam, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t total; /* payload length, known once the last fragment came; 0 before */
	uint64_t born;  /* packet number of its first fragment */
	uint8_t map[(FRAG_DATA_MAX + 7) / 8 / 8 + 1]; /* one bit per 8-byte unit */
	uint8_t *data;                                /* FRAG_DATA_MAX bytes */
	bool used;
};

void pc_frags_free(struct pc_run *r)
{
	for (size_t i = 0; i < r->nfrags; i++)
		free(r->frags[i].data);
	free(r->frags);
	r->frags = NULL;
	r->nfrags = 0;
}

static struct pc_frag *frag_find(struct pc_run *r, const struct pc_seg *s, uint32_t id)
{
	size_t alen = s->fam == 4 ? 4 : 16;
	struct pc_frag *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < r->nfrags; i++) {
		struct pc_frag *x = &r->frags[i];
		if (!x->used) {
			free_slot = free_slot ? free_slot : x;
			continue;
		}
		if (x->fam == s->fam && x->proto == s->proto && x->id == id &&
		    memcmp(x->src, s->src, alen) == 0 && memcmp(x->dst, s->dst, alen) == 0)
			return x;
		if (!oldest || x->born < oldest->born)
			oldest = x;
	}
	struct pc_frag *x = free_slot;
	if (!x && r->nfrags < PC_FRAGS_MAX) {
		r->frags = xrealloc(r->frags, (r->nfrags + 1) * sizeof(*r->frags));
		x = &r->frags[r->nfrags++];
		memset(x, 0, sizeof(*x));
		x->data = xmalloc(FRAG_DATA_MAX);
	}
	if (!x) {
		x = oldest; /* the oldest datagram never completed: dropped */
		r->c.frag_dropped++;
	}
	uint8_t *data = x->data;
	memset(x, 0, sizeof(*x));
	x->data = data;
	x->used = true;
	x->fam = s->fam;
	x->proto = s->proto;
	x->id = id;
	memcpy(x->src, s->src, alen);
	memcpy(x->dst, s->dst, alen);
	x->born = r->pkt_no;
	return x;
}

static bool frag_complete(const struct pc_frag *x)
{
	if (!x->total)
		return false;
	uint32_t units = (x->total + 7) / 8;
	for (uint32_t u = 0; u < units; u++)
		if (!(x->map[u / 8] & (1u << (u % 8))))
			return false;
	return true;
}

/*
 * One fragment: bytes p[0, have) of the payload at offset off (bytes),
 * more = more fragments follow. A fragment cut by the snaplen cannot be
 * placed whole: the datagram is dropped.
 */
static void frag_add(struct pc_run *r, struct pc_seg *s, uint32_t id, uint32_t off, bool more,
                     const uint8_t *p, uint32_t have, uint32_t len)
{
	r->c.fragments++;
	if (have < len) {
		r->c.truncated++;
		return;
	}
	if ((uint64_t)off + len > FRAG_DATA_MAX || (more && (len % 8 != 0 || len == 0))) {
		r->c.malformed++;
		return;
	}
	struct pc_frag *x = frag_find(r, s, id);
	if (!more) {
		uint32_t total = off + len;
		if (x->total && x->total != total) {
			r->c.malformed++;
			return;
		}
		x->total = total;
	}
	/* first wins: only units not yet filled are copied */
	for (uint32_t u = off / 8; u * 8 < off + len; u++) {
		if (x->map[u / 8] & (1u << (u % 8)))
			continue;
		uint32_t a = u * 8, b = a + 8 < off + len ? a + 8 : off + len;
		memcpy(x->data + a, p + (a - off), b - a);
		x->map[u / 8] |= (uint8_t)(1u << (u % 8));
	}
	if (!frag_complete(x))
		return;
	r->c.frag_reassembled++;
	x->used = false;
	struct pc_seg t = *s;
	t.src = x->src;
	t.dst = x->dst;
	transport(r, &t, x->data, x->total, x->total);
}

/* --- IP --- */

static void ipv4(struct pc_run *r, const uint8_t *p, uint32_t have, uint32_t wire)
{
	if (have < 20) {
		if (wire >= 20)
			r->c.truncated++;
		else
			r->c.malformed++;
		return;
	}
	uint32_t ihl = (uint32_t)(p[0] & 15) * 4, total = rd16(p + 2);
	if ((p[0] >> 4) != 4 || ihl < 20 || total < ihl || total > wire) {
		r->c.malformed++; /* bogus lengths */
		return;
	}
	if (ihl > have) {
		r->c.truncated++;
		return;
	}
	uint32_t got = have < total ? have : total; /* padding past total dropped */
	struct pc_seg s;
	memset(&s, 0, sizeof(s));
	s.fam = 4;
	s.proto = p[9];
	s.src = p + 12;
	s.dst = p + 16;
	uint16_t fo = rd16(p + 6);
	uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
	bool more = fo & 0x2000;
	if (off || more) {
		frag_add(r, &s, rd16(p + 4), off, more, p + ihl, got - ihl, total - ihl);
		return;
	}
	transport(r, &s, p + ihl, got - ihl, total - ihl);
}

static void ipv6(struct pc_run *r, const uint8_t *p, uint32_t have, uint32_t wire)
{
	if (have < 40) {
		if (wire >= 40)
			r->c.truncated++;
		else
			r->c.malformed++;
		return;
	}
	uint32_t plen = rd16(p + 4);
	if ((p[0] >> 4) != 6 || plen == 0 || 40 + plen > wire) {
		r->c.malformed++; /* bogus length (or a jumbogram, not supported) */
		return;
	}
	struct pc_seg s;
	memset(&s, 0, sizeof(s));
	s.fam = 6;
	s.src = p + 8;
	s.dst = p + 24;
	uint32_t got = have < 40 + plen ? have - 40 : plen;
	const uint8_t *q = p + 40;
	uint32_t len = plen;
	uint8_t nh = p[6];
	for (int i = 0; i <= IP6_EXT_MAX; i++) {
		if (nh == IPPROTO_TCP || nh == IPPROTO_UDP) {
			s.proto = nh;
			transport(r, &s, q, got, len);
			return;
		}
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51) {
			r->c.unsupported++;
			return;
		}
		if (got < 8) {
			if (len >= 8)
				r->c.truncated++;
			else
				r->c.malformed++;
			return;
		}
		uint32_t hl = nh == 44   ? 8
		              : nh == 51 ? ((uint32_t)q[1] + 2) * 4
		                         : ((uint32_t)q[1] + 1) * 8;
		if (hl > len) {
			r->c.malformed++;
			return;
		}
		if (hl > got) {
			r->c.truncated++;
			return;
		}
		if (nh == 44) {
			uint16_t fo = rd16(q + 2);
			s.proto = q[0];
			if (s.proto != IPPROTO_TCP && s.proto != IPPROTO_UDP) {
				r->c.unsupported++;
				return;
			}
			uint32_t off = (uint32_t)(fo >> 3) * 8;
			bool more = fo & 1;
			if (off || more) {
				frag_add(r, &s, rd32(q + 4), off, more, q + 8, got - 8, len - 8);
				return;
			}
		}
		nh = q[0];
		q += hl;
		got -= hl;
		len -= hl;
	}
	r->c.malformed++; /* too many extension headers */
}

static void l3(struct pc_run *r, uint16_t etype, const uint8_t *p, uint32_t have, uint32_t wire)
{
	if (etype == 0x0800)
		ipv4(r, p, have, wire);
	else if (etype == 0x86DD)
		ipv6(r, p, have, wire);
	else
		r->c.non_ip++;
}

/* By the version nibble, for raw IP link types. */
static void raw_ip(struct pc_run *r, const uint8_t *p, uint32_t have, uint32_t wire)
{
	if (have < 1) {
		r->c.malformed++;
		return;
	}
	if ((p[0] >> 4) == 4)
		ipv4(r, p, have, wire);
	else if ((p[0] >> 4) == 6)
		ipv6(r, p, have, wire);
	else
		r->c.non_ip++;
}

void pc_decode(struct pc_run *r, int lt, const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	if (wirelen < caplen)
		wirelen = caplen; /* a writer that got it backwards: trust what is here */
	uint32_t hdr = 0;
	uint16_t etype = 0;
	switch (lt) {
	case DLT_EN10MB: {
		if (caplen < 14)
			goto short_hdr;
		etype = rd16(p + 12);
		hdr = 14;
		break;
	}
	case DLT_LINUX_SLL:
		if (caplen < 16)
			goto short_hdr;
		etype = rd16(p + 14);
		hdr = 16;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			goto short_hdr;
		etype = rd16(p);
		hdr = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP: {
		if (caplen < 4)
			goto short_hdr;
		uint32_t be = rd32(p), le = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		                            (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		uint32_t fam = lt == DLT_LOOP ? be : (be < 256 ? be : le);
		hdr = 4;
		/* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 by OS */
		if (fam == 2)
			etype = 0x0800;
		else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			etype = 0x86DD;
		else {
			r->c.non_ip++;
			return;
		}
		break;
	}
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		raw_ip(r, p, caplen, wirelen);
		return;
	default:
		r->c.unsupported++;
		return;
	}
	/* 802.1Q / 802.1ad tags, stacked (QinQ); cooked captures can carry them too */
	for (int i = 0;
	     i < VLAN_DEPTH_MAX && (etype == 0x8100 || etype == 0x88A8 || etype == 0x9100); i++) {
		if (caplen < hdr + 4)
			goto short_hdr;
		etype = rd16(p + hdr + 2);
		hdr += 4;
	}
	l3(r, etype, p + hdr, caplen - hdr, wirelen - hdr);
	return;
short_hdr:
	if (wirelen > caplen)
		r->c.truncated++;
	else
		r->c.malformed++;
}
