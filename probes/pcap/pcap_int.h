/*
 * Internals of the pcap probe (probes/pcap/), shared by its files:
 *
 *   pcap.c    the probe: options, inputs (files, gzip, live capture), facts
 *   decode.c  link layers, VLAN tags, IPv4/IPv6, IP fragments, TCP/UDP headers
 *   flow.c    the flow table and TCP reassembly per direction, memory bounds
 *   app.c     cleartext protocol detection and credentials; card-data hits
 *
 * The flow of one packet: pcap.c reads it and hands it to pc_decode(),
 * which strips the link layer and the IP header (reassembling fragments)
 * and hands a `struct pc_seg` to pc_flow_packet(); the flow layer puts TCP
 * payloads in sequence order and calls pc_app_data() with each in-order
 * piece of a direction's byte stream, and pc_app_gap() for each hole.
 * pc_app_data() identifies the protocol, watches for credentials and feeds
 * the bytes to that direction's card-data scanner (probes/pan/scan.h).
 *
 * Everything belongs to one `struct pc_run`; a run is one thread.
 */
#ifndef ASSAY_PROBES_PCAP_INT_H
#define ASSAY_PROBES_PCAP_INT_H

#include "harness/facts.h"
#include "probes/pan/scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Defaults of the bounds (options in README.md). */
#define PC_MAX_FLOWS_DEFAULT 100000
#define PC_DIR_BUF_DEFAULT   (1u << 20)  /* out-of-order bytes held per direction */
#define PC_TOTAL_BUF_DEFAULT (64u << 20) /* out-of-order bytes held in all */
#define PC_DIR_SEGS_MAX      4096        /* out-of-order segments per direction */
#define PC_SCANNERS          32          /* card-data scanners live at once */
#define PC_FRAGS_MAX         64          /* IP datagrams being reassembled at once */
#define PC_FINDINGS_MAX      1000
#define PC_LINE_MAX          256        /* bytes of a protocol line that are looked at */
#define PC_WINDOW_MAX        (1u << 30) /* a segment further ahead than this is bogus */
#define PC_TAIL              128        /* bytes carried to a direction's next scanner */

enum pc_proto {
	PC_P_UNKNOWN,
	PC_P_TLS,
	PC_P_HTTP,
	PC_P_FTP,
	PC_P_TELNET,
	PC_P_SMTP,
	PC_P_POP3,
	PC_P_IMAP,
	PC_P_NPROTO,
};

/* One transport segment or datagram, as decoded from a packet. */
struct pc_seg {
	uint8_t fam;              /* 4 or 6 */
	uint8_t proto;            /* IPPROTO_TCP, IPPROTO_UDP */
	const uint8_t *src, *dst; /* 4 or 16 bytes */
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags; /* TCP flags */
	const uint8_t *data;
	uint32_t have; /* payload bytes captured */
	uint32_t len;  /* payload bytes the headers claim (>= have: cut by the snaplen) */
};

#define PC_FIN 0x01
#define PC_SYN 0x02
#define PC_RST 0x04
#define PC_ACK 0x10

struct pc_ooo; /* an out-of-order segment (flow.c) */

/* Line-oriented protocol state of one direction (app.c), allocated when needed. */
struct pc_lines {
	char buf[PC_LINE_MAX];
	uint16_t n;
	bool open;          /* a line has started */
	uint64_t start;     /* its stream offset */
	uint8_t auth_login; /* SMTP AUTH LOGIN / IMAP AUTHENTICATE: lines follow */
	bool in_data;       /* SMTP: inside a message (DATA up to "."): not commands */
	uint8_t seam[16];   /* HTTP: the last bytes of the previous piece */
	uint8_t nseam;
};

struct pc_dir {
	uint32_t next;    /* next expected sequence number */
	uint32_t fin_seq; /* where the FIN sits, when fin */
	bool started, fin, done;
	bool classified;
	uint16_t nooo;
	uint32_t ooo_bytes;
	struct pc_ooo *ooo;      /* sorted by sequence number */
	struct pc_ooo *ooo_tail; /* its last segment, where a stream after a hole lands */
	uint64_t off;            /* stream offset of next (payload bytes and gaps so far) */
	int scanner;             /* slot in run->scanners, or -1 */
	uint64_t scan_base;      /* stream offset where the current scanner started */
	struct pc_lines *lines;
	uint8_t *saved; /* the last bytes scanned when its scanner was taken (PC_TAIL) */
	uint16_t nsaved;
};

struct pc_flow {
	/* the key: endpoints in canonical order (ep 0 sorts first) */
	uint8_t fam, proto;
	uint16_t port[2];
	uint8_t addr[2][16];
	uint8_t cli; /* endpoint index of the client; d[0] is client -> server */
	uint8_t app; /* enum pc_proto */
	bool tls, upgraded, starttls_asked, closed, has_pan, has_cred, in_buffered;
	bool form_cred;     /* an HTTP password field was flagged (once a flow) */
	uint64_t id;        /* 1-based, in order of first packet */
	uint64_t first_pkt; /* packet number (1-based) of its first packet */
	struct timeval first_ts;
	struct pc_flow *hnext;         /* hash chain */
	struct pc_flow *lprev, *lnext; /* LRU: least recently seen first */
	struct pc_flow *bprev, *bnext; /* flows holding out-of-order bytes */
	struct pc_dir d[2];
};

struct pc_counts {
	uint64_t packets, bytes, payload_bytes;
	uint64_t flows, tcp_flows, udp_flows, flows_evicted;
	uint64_t malformed, truncated, unsupported, non_ip;
	uint64_t fragments, frag_reassembled, frag_dropped;
	uint64_t gaps, gap_bytes, retransmissions, overlaps, out_of_window, buffer_flushes;
	uint64_t pan, track, cvv, pin, masked_wide, low;
	uint64_t cleartext_pan_flows, tls_pan_hits;
	uint64_t tls_flows, credentials, udp_datagrams;
	uint64_t findings_dropped, test_ignored;
	uint64_t unionpay, brand[PAN_BRAND_UNIONPAY + 1]; /* full numbers by brand */
	uint64_t mail_pan_flows;                          /* SMTP, POP3, IMAP */
	uint64_t code_downloads; /* cleartext HTTP requests for code (.apk, .dex ...) */
};

struct pc_frag; /* an IP datagram being reassembled (decode.c) */

struct pc_scanner {
	struct pan_stream *s;
	struct pc_flow *flow; /* owner, or NULL */
	uint8_t dir;
	uint64_t used;     /* packet number of the last write, for eviction */
	uint16_t ntail;    /* the last bytes written, kept for a successor */
	uint16_t suppress; /* hits ending within this many first bytes were reported before */
	uint8_t tail[PC_TAIL];
};

struct pc_run {
	struct facts *out;
	struct pan_config cfg;
	uint8_t key[32];
	/* bounds */
	uint64_t max_flows, dir_buf, total_buf;
	/* where we are */
	const char *src_name; /* the file or interface, for findings */
	uint64_t pkt_no;
	struct timeval ts;
	/* flows */
	struct pc_flow **buckets;
	size_t nbuckets;
	uint64_t seed;
	uint64_t nflows; /* held now */
	struct pc_flow *lru_head, *lru_tail;
	struct pc_flow *buf_head, *buf_tail;
	uint64_t total_ooo;
	/* scanners */
	struct pc_scanner scanners[PC_SCANNERS];
	/* the flow whose bytes a scanner is fed right now (hit attribution) */
	struct pc_flow *cur_flow;
	uint8_t cur_dir;
	uint64_t cur_base;
	uint16_t cur_suppress;
	/* IP fragments */
	struct pc_frag *frags;
	size_t nfrags;
	/* results */
	struct pc_counts c;
	uint32_t protos_seen; /* bit per enum pc_proto, cleartext flows only */
	uint32_t pan_protos;  /* bit per enum pc_proto of flows with card data (UNKNOWN: other) */
	struct finding *found;
	size_t nfound, capfound;
};

/* decode.c */
void pc_decode(struct pc_run *r, int linktype, const uint8_t *p, uint32_t caplen, uint32_t wirelen);
bool pc_linktype_supported(int linktype);
void pc_frags_free(struct pc_run *r);

/* flow.c */
void pc_flows_init(struct pc_run *r);
void pc_flow_packet(struct pc_run *r, const struct pc_seg *s);
/* End of input: every flow is flushed (gaps recorded) and closed. */
void pc_flows_finish(struct pc_run *r);
void pc_flow_describe(const struct pc_flow *f, int dir, char *ep, size_t epn);

/* app.c */
void pc_app_data(struct pc_run *r, struct pc_flow *f, int dir, const uint8_t *p, size_t n);
void pc_app_gap(struct pc_run *r, struct pc_flow *f, int dir, uint64_t n);
/* The direction ended: its scanner decides what was pending and is freed. */
void pc_app_dir_end(struct pc_run *r, struct pc_flow *f, int dir);
/* The flow is forgotten: what it found is counted. */
void pc_app_flow_end(struct pc_run *r, struct pc_flow *f);
void pc_app_udp(struct pc_run *r, struct pc_flow *f, int dir, const uint8_t *p, size_t n);
void pc_scanners_free(struct pc_run *r);
const char *pc_proto_name(enum pc_proto p);
void pc_add_finding(struct pc_run *r, const struct pc_flow *f, int dir, const char *kind,
                    const char *severity, char *message, const char *excerpt, int64_t offset);

#endif
