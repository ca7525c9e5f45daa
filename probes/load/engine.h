/*
 * The load engine: N threads, each with its own epoll loop over its share
 * of the connections (wrk's architecture), non-blocking sockets, HTTP/1.1
 * keep-alive, optional TLS (OpenSSL, one session per thread reused by
 * every new connection of that thread).
 *
 * Two load models (notes/load_reports.md §A.3):
 * - closed (rate 0): each connection sends its next request when the
 *   answer to the previous one arrives; latency runs from the send;
 * - open (rate R req/s): each connection owns an evenly spaced timetable
 *   (interval = connections / R, staggered so the whole set is even) and
 *   each latency runs from the request's *scheduled* time, so a stall is
 *   charged to every request it delayed (coordinated omission corrected,
 *   as wrk2 does).
 *
 * Everything is bounded: requests are sent until warmup + duration (or
 * max_requests) and never past the hard deadline; requests still in flight
 * get request_timeout to finish, bounded by the same deadline.
 */
#ifndef ASSAY_PROBES_LOAD_ENGINE_H
#define ASSAY_PROBES_LOAD_ENGINE_H

#include "lib/hist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LOAD_HIST_HIGHEST_US (INT64_C(3600) * 1000000) /* 1 h in microseconds */

struct load_cfg {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool tls;
	const char *sni;     /* host name for TLS SNI, or NULL */
	const char *request; /* the whole request, sent as is on every connection */
	size_t request_len;
	bool head;
	/* HTTP/2: the same request as pseudo-headers and fields */
	bool h2;     /* speak HTTP/2 (h2c prior knowledge, or ALPN h2 over TLS) */
	int streams; /* concurrent streams per connection (h2) */
	const char *method, *scheme, *authority, *path;
	const char *const *hnames; /* extra header names (lower case) and values */
	const char *const *hvalues;
	size_t nheaders;
	const char *body;
	size_t body_len;
	int connections, threads;
	double warmup_s, duration_s;
	double rate; /* req/s over all connections; 0: closed model */
	double request_timeout_s;
	uint64_t max_requests; /* 0: bounded by time only */
	double hard_end_ms;    /* monotonic ms that nothing may pass */
};

struct load_stats {
	uint64_t sent;      /* requests written (after warmup) */
	uint64_t responses; /* complete responses, any status */
	uint64_t status[6]; /* by class: [1] 1xx .. [5] 5xx, [0] other */
	uint64_t status_429; /* of status[4]: Too Many Requests (throttling) */
	uint64_t errors_connect, errors_read, errors_timeout, errors_parse;
	uint64_t unfinished; /* in flight when the drain time ended */
	uint64_t bytes;      /* response bytes read */
	uint64_t connects;   /* connections established */
	uint64_t tls_resumed;
	uint64_t h2_connects; /* connections that spoke HTTP/2 */
	double window_s;      /* the measured window: end of warmup to end of sending */
	struct hist hist;     /* latency in microseconds */
	char first_error[200];
	/*
	 * Error responses (status >= 400) keep the start of their body: up to
	 * LOAD_ERRBODY_ONE bytes each and LOAD_ERRBODY_CAP per thread, bodies
	 * separated by a NUL, for load.c to scan for card data and stack
	 * traces (LOAD-03). load_run hands the samples of every thread over
	 * in errbody (the caller frees it); the counts add across shards.
	 */
	char *errbody;
	size_t errbody_len;
	uint64_t errbody_sampled;                       /* bodies sampled */
	uint64_t errbody_pan, errbody_sad, errbody_stack; /* hits, set by load.c */
};

#define LOAD_ERRBODY_ONE (16u * 1024)
#define LOAD_ERRBODY_CAP (256u * 1024)

/* Run the load; fills out (hist initialised here; hist_free by caller). 0 or -1 with err_set(). */
int load_run(struct load_stats *out, const struct load_cfg *cfg);

#endif
