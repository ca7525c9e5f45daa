/*
 * The load engine's insides, shared by engine.c (connections, the epoll
 * loop, HTTP/1.1) and h2.c (HTTP/2 over the same connections). Not for use
 * outside probes/load/.
 */
#ifndef ASSAY_PROBES_LOAD_ENGINE_INT_H
#define ASSAY_PROBES_LOAD_ENGINE_INT_H

#include "probes/load/engine.h"
#include "probes/load/h1.h"

#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

enum cstate { C_CLOSED, C_CONNECTING, C_HANDSHAKE, C_IDLE, C_WRITING, C_READING };

/* One HTTP/2 stream in flight. */
struct h2slot {
	int32_t id;    /* 0: free */
	double origin; /* latency runs from here */
	double sent;
	bool counted;
	bool cancelled; /* reset by the probe (timeout): its close is not a response */
	int status;
	size_t body_off;   /* request body bytes handed to nghttp2 */
	uint64_t resp_off; /* response body bytes received */
};

struct h2conn {
	struct worker *w;
	struct conn *c;
	void *session; /* nghttp2_session */
	struct h2slot *slots;
	int nslots, active;
	char *out; /* bytes nghttp2 produced that the socket did not take yet */
	size_t outlen, outoff, outcap;
	bool dead;   /* a submit failed: close the connection */
	bool goaway; /* the server sent GOAWAY */
};

struct conn {
	int fd;
	SSL *ssl;
	enum cstate state;
	bool want_out; /* EPOLLOUT is in the epoll mask */
	size_t woff;
	double origin_ms; /* latency runs from here */
	double sent_ms;   /* when it was written (request timeouts) */
	double since_ms;  /* connect/handshake start */
	double retry_ms;  /* C_CLOSED: reconnect at */
	double next_ms;   /* open model: next scheduled send */
	bool counted;     /* the request in flight counts (origin after warmup) */
	struct h1_parser p;
	struct h2conn *h2; /* non-NULL: this connection speaks HTTP/2 */
};

struct worker {
	const struct load_cfg *cfg;
	SSL_CTX *ctx;
	SSL_SESSION *session;
	int ep;
	struct conn *conns;
	int nconns;
	double start_ms, warm_end_ms, send_end_ms, drain_end_ms;
	double interval_ms; /* open model: per connection */
	uint64_t budget;    /* requests this worker may still issue (UINT64_MAX: no limit) */
	double next_due;    /* open model: earliest next_ms of an idle connection */
	char *buf;
	struct load_stats st;
	int rc;
	bool no_pwait2; /* the kernel (or valgrind) has no epoll_pwait2 */
};

double eng_now(void);
void eng_note(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng_watch(struct worker *w, struct conn *c, bool out);
/* Close (freeing TLS and HTTP/2 state); reconnect at retry_ms. */
void eng_close(struct worker *w, struct conn *c, double retry_ms);
void eng_open(struct worker *w, struct conn *c, double now);
bool eng_sending(const struct worker *w, double now);
/* -1 error, 0 would block (*want_out: the way), >0 bytes. */
ssize_t eng_write(struct conn *c, const char *p, size_t n, bool *want_out);
/* -2 error, -1 would block, 0 EOF, >0 bytes. */
ssize_t eng_read(struct conn *c, char *p, size_t n, bool *want_out);
/* Keep error-body bytes at offset off of their body (h1 sink, h2 data). */
void eng_errbody(void *worker, uint64_t off, const char *b, size_t n);
/* Record one finished response (status, latency from origin) if counted. */
void eng_record(struct worker *w, bool counted, int status, double origin, double now);

/* HTTP/2 (h2.c). h2_start: 0, or -1 (counted as a connect error by the caller). */
int h2_start(struct worker *w, struct conn *c);
/* Submit what the load model says is due, then write. */
void h2_fill(struct worker *w, struct conn *c, double now);
void h2_on_event(struct worker *w, struct conn *c, uint32_t ev, double now);
void h2_timeouts(struct worker *w, struct conn *c, double now);
/* Streams in flight that count. */
int h2_inflight(const struct conn *c);
/* The connection is going away: count its counted streams into *counter (may be NULL). */
void h2_abort(struct worker *w, struct conn *c, uint64_t *counter);

#endif
