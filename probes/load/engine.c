/*
 * The load engine; see engine.h for the model. One `struct worker` per
 * thread owns its connections, its epoll set, its histogram and counters;
 * nothing is shared between workers but the read-only configuration and
 * the SSL_CTX, so the hot path takes no lock. Results are merged after
 * every worker has joined (hist_add is exact).
 *
 * A request's outcome is attributed to the time its latency runs from
 * (its origin): requests whose origin falls in the warmup are neither
 * counted nor recorded, so for the counted ones
 *   sent = responses + errors_read + errors_timeout + errors_parse + unfinished.
 */
#include "probes/load/engine.h"
#include "probes/load/engine_int.h"
#include "probes/load/h1.h"
#include "lib/err.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define READ_BUF     (64 * 1024)
#define HOUSEKEEP_MS 10.0 /* timeouts and reconnects are checked this often */
#define RECONNECT_MS 10.0 /* pause before reconnecting after a failed connect */
#define MAX_EVENTS   512
/* strerror() is not thread-safe; the GNU strerror_r returns the text */
#define ESTR(e) strerror_r((e), (char[96]){0}, 96)

double eng_now(void)
{
	return time_mono_ms();
}

void eng_note(struct worker *w, const char *fmt, ...)
{
	if (w->st.first_error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->st.first_error, sizeof(w->st.first_error), fmt, ap);
	va_end(ap);
}

void eng_watch(struct worker *w, struct conn *c, bool out)
{
	if (c->want_out == out)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->want_out = out;
}

void eng_close(struct worker *w, struct conn *c, double retry_ms)
{
	if (c->h2)
		h2_abort(w, c, NULL);
	if (c->ssl) {
		/* a quiet close: without it OpenSSL marks the session unresumable */
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->state = C_CLOSED;
	c->retry_ms = retry_ms;
}

bool eng_sending(const struct worker *w, double now)
{
	return now < w->send_end_ms && w->budget > 0;
}

/* A request in flight ended badly: count it against its kind, reconnect. */
static void conn_fail(struct worker *w, struct conn *c, uint64_t *counter, double now, double retry)
{
	if (c->h2)
		h2_abort(w, c, counter);
	if (c->counted && counter)
		(*counter)++;
	c->counted = false;
	eng_close(w, c, now + retry);
}

static void send_request(struct worker *w, struct conn *c, double origin, double now);

/* An idle connection: send now if the model says so. */
static void maybe_send(struct worker *w, struct conn *c, double now)
{
	if (c->state != C_IDLE || !eng_sending(w, now))
		return;
	if (c->h2) {
		h2_fill(w, c, now);
		return;
	}
	if (w->interval_ms <= 0) {
		send_request(w, c, now, now);
		return;
	}
	if (c->next_ms <= now) {
		double origin = c->next_ms;
		c->next_ms += w->interval_ms;
		send_request(w, c, origin, now);
	} else if (c->next_ms < w->next_due) {
		w->next_due = c->next_ms;
	}
}

/* -1 error, 0 would block (want_out tells which way), >0 bytes. */
ssize_t eng_write(struct conn *c, const char *p, size_t n, bool *want_out)
{
	*want_out = false;
	if (!c->ssl) {
		ssize_t r = write(c->fd, p, n);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			*want_out = true;
			return 0;
		}
		return r;
	}
	ERR_clear_error();
	int r = SSL_write(c->ssl, p, (int)n);
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
		*want_out = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	return -1;
}

/* -2 error, -1 would block, 0 EOF, >0 bytes. */
ssize_t eng_read(struct conn *c, char *p, size_t n, bool *want_out)
{
	*want_out = false;
	if (!c->ssl) {
		ssize_t r = read(c->fd, p, n);
		if (r < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1
			                                                                   : -2;
		return r;
	}
	ERR_clear_error();
	int r = SSL_read(c->ssl, p, (int)n);
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return -1;
	if (e == SSL_ERROR_WANT_WRITE) {
		*want_out = true;
		return -1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	return -2;
}

static void do_write(struct worker *w, struct conn *c, double now)
{
	const struct load_cfg *cfg = w->cfg;
	while (c->woff < cfg->request_len) {
		bool out;
		ssize_t r = eng_write(c, cfg->request + c->woff, cfg->request_len - c->woff, &out);
		if (r < 0) {
			eng_note(w, "write failed: %s", ESTR(errno));
			conn_fail(w, c, &w->st.errors_read, now, 0);
			return;
		}
		if (r == 0) {
			eng_watch(w, c, out);
			return;
		}
		c->woff += (size_t)r;
	}
	c->state = C_READING;
	eng_watch(w, c, false);
}

static void send_request(struct worker *w, struct conn *c, double origin, double now)
{
	if (w->budget != UINT64_MAX)
		w->budget--;
	c->origin_ms = origin;
	c->sent_ms = now;
	c->counted = origin >= w->warm_end_ms;
	if (c->counted)
		w->st.sent++;
	c->woff = 0;
	h1_reset(&c->p, w->cfg->head);
	c->state = C_WRITING;
	do_write(w, c, now);
}

void eng_record(struct worker *w, bool counted, int status, double origin, double now)
{
	if (!counted)
		return;
	w->st.responses++;
	int cls = status / 100;
	w->st.status[cls >= 1 && cls <= 5 ? cls : 0]++;
	w->st.status_429 += status == 429;
	hist_record(&w->st.hist, (int64_t)((now - origin) * 1000.0 + 0.5));
}

static void response_done(struct worker *w, struct conn *c, double now)
{
	eng_record(w, c->counted, c->p.status, c->origin_ms, now);
	c->counted = false;
	if (c->ssl && !w->session) {
		/* TLS 1.3 tickets arrive after the handshake: take the session once
		 * a response has been read, and resume it on every new connection */
		SSL_SESSION *s = SSL_get1_session(c->ssl);
		if (s && SSL_SESSION_is_resumable(s))
			w->session = s;
		else if (s)
			SSL_SESSION_free(s);
	}
	if (!c->p.keep_alive) {
		eng_close(w, c, now);
		eng_open(w, c, now);
		return;
	}
	c->state = C_IDLE;
	maybe_send(w, c, now);
}

static void do_read(struct worker *w, struct conn *c, double now)
{
	for (;;) {
		bool out;
		ssize_t r = eng_read(c, w->buf, READ_BUF, &out);
		if (r == -1) {
			if (out)
				eng_watch(w, c, true);
			return;
		}
		if (r == -2 || r == 0) {
			if (c->state == C_IDLE) {
				/* the server closed an idle keep-alive connection */
				eng_close(w, c, now);
				eng_open(w, c, now);
				return;
			}
			if (r == 0 && h1_eof(&c->p) == H1_DONE) {
				c->p.keep_alive = false;
				response_done(w, c, now);
				return;
			}
			eng_note(w, "%s", r == 0 ? c->p.err : "connection reset");
			conn_fail(w, c, &w->st.errors_read, now, 0);
			if (eng_sending(w, now))
				eng_open(w, c, now);
			return;
		}
		if (c->counted)
			w->st.bytes += (uint64_t)r;
		if (c->state != C_READING) {
			eng_note(w, "the server sent %zd bytes with no request outstanding", r);
			conn_fail(w, c, &w->st.errors_parse, now, 0);
			if (eng_sending(w, now))
				eng_open(w, c, now);
			return;
		}
		size_t used;
		enum h1_rc rc = h1_feed(&c->p, w->buf, (size_t)r, &used);
		if (rc == H1_ERROR || (rc == H1_DONE && used != (size_t)r)) {
			eng_note(w, "%s",
			         rc == H1_ERROR ? c->p.err : "bytes after the end of a response");
			conn_fail(w, c, &w->st.errors_parse, now, 0);
			if (eng_sending(w, now))
				eng_open(w, c, now);
			return;
		}
		if (rc == H1_DONE) {
			response_done(w, c, now);
			return;
		}
	}
}

void eng_errbody(void *worker, uint64_t off, const char *b, size_t n)
{
	struct worker *w = worker;
	struct load_stats *st = &w->st;
	if (off >= LOAD_ERRBODY_ONE)
		return;
	if (off == 0) {
		/* a new body: a separator, if it and a byte of the body still fit */
		if (st->errbody_len + 2 > LOAD_ERRBODY_CAP)
			return;
		if (!st->errbody)
			st->errbody = xmalloc(LOAD_ERRBODY_CAP);
		if (st->errbody_len)
			st->errbody[st->errbody_len++] = '\0';
		st->errbody_sampled++;
	}
	if (!st->errbody)
		return;
	size_t take = n;
	if (take > LOAD_ERRBODY_ONE - off)
		take = (size_t)(LOAD_ERRBODY_ONE - off);
	if (take > LOAD_ERRBODY_CAP - st->errbody_len)
		take = LOAD_ERRBODY_CAP - st->errbody_len;
	memcpy(st->errbody + st->errbody_len, b, take);
	st->errbody_len += take;
}

/* Connected (and TLS done): speak HTTP/1.1 or start HTTP/2. */
static void ready(struct worker *w, struct conn *c, bool h2, double now)
{
	if (h2 && h2_start(w, c) < 0) {
		if (now >= w->warm_end_ms)
			w->st.errors_connect++;
		eng_close(w, c, now + RECONNECT_MS);
		return;
	}
	w->st.connects++;
	if (h2)
		w->st.h2_connects++;
	c->state = C_IDLE;
	eng_watch(w, c, false);
	maybe_send(w, c, now);
}

static void handshake(struct worker *w, struct conn *c, double now)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		if (SSL_session_reused(c->ssl))
			w->st.tls_resumed++;
		const unsigned char *proto = NULL;
		unsigned int plen = 0;
		SSL_get0_alpn_selected(c->ssl, &proto, &plen);
		bool h2 = plen == 2 && memcmp(proto, "h2", 2) == 0;
		if (w->cfg->h2 && !h2) {
			eng_note(w, "the server did not select h2 in ALPN");
			if (now >= w->warm_end_ms)
				w->st.errors_connect++;
			eng_close(w, c, now + RECONNECT_MS);
			return;
		}
		ready(w, c, h2, now);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		eng_watch(w, c, e == SSL_ERROR_WANT_WRITE);
		return;
	}
	char eb[120];
	ERR_error_string_n(ERR_get_error(), eb, sizeof(eb));
	eng_note(w, "TLS handshake failed: %s", eb);
	if (now >= w->warm_end_ms)
		w->st.errors_connect++;
	eng_close(w, c, now + RECONNECT_MS);
}

static void connected(struct worker *w, struct conn *c, double now)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		eng_note(w, "connect failed: %s", ESTR(err));
		if (now >= w->warm_end_ms)
			w->st.errors_connect++;
		eng_close(w, c, now + RECONNECT_MS);
		return;
	}
	if (w->ctx) {
		c->ssl = SSL_new(w->ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
			eng_note(w, "cannot create a TLS session");
			if (now >= w->warm_end_ms)
				w->st.errors_connect++;
			eng_close(w, c, now + RECONNECT_MS);
			return;
		}
		SSL_set_connect_state(c->ssl);
		if (w->cfg->sni)
			SSL_set_tlsext_host_name(c->ssl, w->cfg->sni);
		if (w->session)
			SSL_set_session(c->ssl, w->session);
		c->state = C_HANDSHAKE;
		c->since_ms = now;
		handshake(w, c, now);
		return;
	}
	ready(w, c, w->cfg->h2, now);
}

void eng_open(struct worker *w, struct conn *c, double now)
{
	if (!eng_sending(w, now)) {
		c->state = C_CLOSED;
		c->retry_ms = INFINITY;
		return;
	}
	const struct load_cfg *cfg = w->cfg;
	c->fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		eng_note(w, "socket: %s", ESTR(errno));
		if (now >= w->warm_end_ms)
			w->st.errors_connect++;
		c->state = C_CLOSED;
		c->retry_ms = now + RECONNECT_MS;
		return;
	}
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->since_ms = now;
	c->want_out = true;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		eng_note(w, "epoll_ctl: %s", ESTR(errno));
		close(c->fd);
		c->fd = -1;
		c->state = C_CLOSED;
		c->retry_ms = now + RECONNECT_MS;
		return;
	}
	c->state = C_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		eng_note(w, "connect failed: %s", ESTR(errno));
		if (now >= w->warm_end_ms)
			w->st.errors_connect++;
		eng_close(w, c, now + RECONNECT_MS);
	}
}

static void on_event(struct worker *w, struct conn *c, uint32_t ev, double now)
{
	if (c->h2 && c->state == C_IDLE) {
		h2_on_event(w, c, ev, now);
		return;
	}
	switch (c->state) {
	case C_CONNECTING:
		connected(w, c, now);
		return;
	case C_HANDSHAKE:
		handshake(w, c, now);
		return;
	case C_WRITING:
		if (ev & (EPOLLERR | EPOLLHUP)) {
			eng_note(w, "connection reset while writing");
			conn_fail(w, c, &w->st.errors_read, now, 0);
			if (eng_sending(w, now))
				eng_open(w, c, now);
			return;
		}
		do_write(w, c, now);
		if (c->state == C_READING)
			do_read(w, c, now);
		return;
	case C_READING:
	case C_IDLE:
		if (c->ssl && c->want_out && (ev & EPOLLOUT))
			eng_watch(w, c, false);
		do_read(w, c, now);
		return;
	case C_CLOSED:
		return;
	}
}

/* Timeouts, reconnects, and (open model) sends that came due. */
static void housekeep(struct worker *w, double now)
{
	double tmo = w->cfg->request_timeout_s * 1000.0;
	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		switch (c->state) {
		case C_CLOSED:
			if (now >= c->retry_ms)
				eng_open(w, c, now);
			break;
		case C_CONNECTING:
		case C_HANDSHAKE:
			if (now - c->since_ms > tmo) {
				eng_note(w, "connect timed out after %.1f s", tmo / 1000.0);
				if (now >= w->warm_end_ms)
					w->st.errors_connect++;
				eng_close(w, c, now);
			}
			break;
		case C_WRITING:
		case C_READING:
			if (now - c->sent_ms > tmo) {
				eng_note(w, "request timed out after %.1f s", tmo / 1000.0);
				conn_fail(w, c, &w->st.errors_timeout, now, 0);
			}
			break;
		case C_IDLE:
			if (c->h2)
				h2_timeouts(w, c, now);
			break;
		}
	}
}

static void schedule_due(struct worker *w, double now)
{
	w->next_due = INFINITY;
	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		/* a busy connection sends its overdue request when its answer arrives */
		if (c->state == C_IDLE)
			maybe_send(w, c, now);
	}
}

static int inflight(const struct worker *w)
{
	int n = 0;
	for (int i = 0; i < w->nconns; i++)
		if (w->conns[i].state == C_WRITING || w->conns[i].state == C_READING)
			n++;
		else if (w->conns[i].h2)
			n += h2_inflight(&w->conns[i]);
	return n;
}

/*
 * epoll_pwait2 (Linux 5.11) waits to the microsecond, which a timetable
 * needs; where it is missing (older kernels, valgrind) epoll_wait waits
 * whole milliseconds, rounded up.
 */
static int wait_events(struct worker *w, struct epoll_event *evs, double wait_ms)
{
	if (!w->no_pwait2) {
		struct timespec ts = {.tv_sec = (time_t)(wait_ms / 1000.0),
		                      .tv_nsec = (long)(fmod(wait_ms, 1000.0) * 1e6)};
		int n = epoll_pwait2(w->ep, evs, MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		w->no_pwait2 = true;
	}
	return epoll_wait(w->ep, evs, MAX_EVENTS, (int)ceil(wait_ms));
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	double now = eng_now();
	for (int i = 0; i < w->nconns; i++)
		eng_open(w, &w->conns[i], now);
	double last_hk = now;
	for (;;) {
		now = eng_now();
		if (now >= w->drain_end_ms)
			break;
		if (!eng_sending(w, now) && inflight(w) == 0)
			break;
		double until = last_hk + HOUSEKEEP_MS;
		if (w->interval_ms > 0 && w->next_due < until)
			until = w->next_due;
		if (eng_sending(w, now) && w->send_end_ms < until)
			until = w->send_end_ms;
		if (w->drain_end_ms < until)
			until = w->drain_end_ms;
		double wait = until - now;
		if (wait < 0)
			wait = 0;
		int n = wait_events(w, evs, wait);
		if (n < 0 && errno != EINTR) {
			eng_note(w, "epoll_wait: %s", ESTR(errno));
			w->rc = -1;
			break;
		}
		now = eng_now();
		for (int i = 0; i < n; i++)
			on_event(w, evs[i].data.ptr, evs[i].events, now);
		if (w->interval_ms > 0 && now >= w->next_due)
			schedule_due(w, now);
		if (now - last_hk >= HOUSEKEEP_MS) {
			housekeep(w, now);
			last_hk = now;
		}
	}
	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		if ((c->state == C_WRITING || c->state == C_READING) && c->counted)
			w->st.unfinished++;
		if (c->h2)
			h2_abort(w, c, &w->st.unfinished);
		if (c->fd >= 0)
			eng_close(w, c, INFINITY);
	}
	return NULL;
}

static SSL_CTX *tls_ctx(bool h2_only)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	/* a load generator measures the server, it does not audit it: the tls
	 * probe judges certificates; here any certificate is accepted */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	/* ALPN: h2 when the server offers it (or only h2 with --h2), else HTTP/1.1 */
	static const unsigned char both[] = "\x02h2\x08http/1.1", h2[] = "\x02h2";
	if (h2_only)
		SSL_CTX_set_alpn_protos(ctx, h2, sizeof(h2) - 1);
	else
		SSL_CTX_set_alpn_protos(ctx, both, sizeof(both) - 1);
	return ctx;
}

int load_run(struct load_stats *out, const struct load_cfg *cfg)
{
	memset(out, 0, sizeof(*out));
	if (hist_init(&out->hist, LOAD_HIST_HIGHEST_US, 3) < 0)
		return -1;
	int nt = cfg->threads < 1 ? 1 : cfg->threads;
	if (nt > cfg->connections)
		nt = cfg->connections;
	SSL_CTX *ctx = NULL;
	if (cfg->tls && !(ctx = tls_ctx(cfg->h2)))
		return err_set("cannot create a TLS context");
	struct worker *ws = xcalloc((size_t)nt, sizeof(*ws));
	pthread_t *tids = xcalloc((size_t)nt, sizeof(*tids));
	for (int t = 0; t < nt; t++)
		ws[t].ep = -1;
	double start = eng_now();
	double warm_end = start + cfg->warmup_s * 1000.0;
	double send_end = warm_end + cfg->duration_s * 1000.0;
	double hard = cfg->hard_end_ms;
	if (send_end > hard - 100)
		send_end = hard - 100;
	double drain_end = send_end + cfg->request_timeout_s * 1000.0;
	if (drain_end > hard)
		drain_end = hard;
	int base = cfg->connections / nt, extra = cfg->connections % nt, gidx = 0;
	int rc = 0, started = 0;
	for (int t = 0; t < nt; t++) {
		struct worker *w = &ws[t];
		w->cfg = cfg;
		w->ctx = ctx;
		w->nconns = base + (t < extra);
		w->conns = xcalloc((size_t)w->nconns, sizeof(*w->conns));
		w->buf = xmalloc(READ_BUF);
		w->start_ms = start;
		w->warm_end_ms = warm_end;
		w->send_end_ms = send_end;
		w->drain_end_ms = drain_end;
		w->budget = UINT64_MAX;
		if (cfg->max_requests)
			w->budget = cfg->max_requests / (uint64_t)nt +
			            ((uint64_t)t < cfg->max_requests % (uint64_t)nt);
		w->interval_ms = cfg->rate > 0 ? 1000.0 * cfg->connections / cfg->rate : 0;
		w->next_due = start;
		for (int i = 0; i < w->nconns; i++, gidx++) {
			w->conns[i].fd = -1;
			w->conns[i].p.sink = eng_errbody;
			w->conns[i].p.sink_ctx = w;
			w->conns[i].next_ms = cfg->rate > 0 ? start + gidx * 1000.0 / cfg->rate : 0;
		}
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		if (w->ep < 0 || hist_init(&w->st.hist, LOAD_HIST_HIGHEST_US, 3) < 0) {
			rc = err_set("cannot set up a load thread: %s", ESTR(errno));
			break;
		}
		if (pthread_create(&tids[t], NULL, worker_main, w) != 0) {
			rc = err_set("cannot start a load thread");
			break;
		}
		started++;
	}
	for (int t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	double end = eng_now();
	if (end > send_end)
		end = send_end;
	out->window_s = (end - warm_end) / 1000.0;
	if (out->window_s < 0)
		out->window_s = 0;
	for (int t = 0; t < nt; t++) {
		struct worker *w = &ws[t];
		struct load_stats *s = &w->st;
		if (t < started) {
			out->sent += s->sent;
			out->responses += s->responses;
			for (int k = 0; k < 6; k++)
				out->status[k] += s->status[k];
			out->status_429 += s->status_429;
			out->errors_connect += s->errors_connect;
			out->errors_read += s->errors_read;
			out->errors_timeout += s->errors_timeout;
			out->errors_parse += s->errors_parse;
			out->unfinished += s->unfinished;
			out->bytes += s->bytes;
			out->connects += s->connects;
			out->tls_resumed += s->tls_resumed;
			out->h2_connects += s->h2_connects;
			out->errbody_sampled += s->errbody_sampled;
			if (s->errbody_len) {
				out->errbody = xrealloc(out->errbody, out->errbody_len + s->errbody_len + 1);
				if (out->errbody_len)
					out->errbody[out->errbody_len++] = '\0';
				memcpy(out->errbody + out->errbody_len, s->errbody, s->errbody_len);
				out->errbody_len += s->errbody_len;
			}
			hist_add(&out->hist, &s->hist);
			if (!out->first_error[0] && s->first_error[0])
				memcpy(out->first_error, s->first_error, sizeof(out->first_error));
			if (w->rc < 0)
				rc = err_set("load thread failed: %s", s->first_error);
		}
		hist_free(&s->hist);
		free(s->errbody);
		if (w->ep >= 0)
			close(w->ep);
		if (w->session)
			SSL_SESSION_free(w->session);
		free(w->conns);
		free(w->buf);
	}
	free(ws);
	free(tids);
	if (ctx)
		SSL_CTX_free(ctx);
	return rc;
}
