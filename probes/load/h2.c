/*
 * HTTP/2 for the load engine, with nghttp2 (RFC 9113): a client session per
 * connection, up to cfg->streams requests in flight on it (never more than
 * the server's SETTINGS_MAX_CONCURRENT_STREAMS), driven by the same epoll
 * loop and load models as HTTP/1.1. nghttp2 parses and bounds the frames;
 * bytes go through nghttp2_session_mem_recv/mem_send so TLS and cleartext
 * (h2c with prior knowledge) share one path.
 *
 * Accounting matches HTTP/1.1: a stream is a request; it ends as a
 * response (its :status), a read error (reset by the server, or its
 * connection lost), a timeout (the probe resets it with CANCEL after
 * request_timeout) or unfinished (in flight when the drain time ends).
 */
#include "probes/load/engine_int.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <nghttp2/nghttp2.h>

#define H2_WINDOW  (16 << 20) /* receive window: bodies flow without stalls */
#define H2_OUT_MAX (1 << 20)  /* bytes produced ahead of the socket */

static struct h2slot *slot_of(nghttp2_session *s, int32_t id)
{
	return nghttp2_session_get_stream_user_data(s, id);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
	(void)flags;
	(void)ud;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE)
		return 0;
	struct h2slot *sl = slot_of(s, frame->hd.stream_id);
	if (!sl || namelen != 7 || memcmp(name, ":status", 7) != 0)
		return 0;
	if (valuelen != 3 || value[0] < '1' || value[0] > '5' || value[1] < '0' || value[1] > '9' ||
	    value[2] < '0' || value[2] > '9')
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream */
	sl->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
	return 0;
}

/* Body bytes of an error response go to the worker's samples (LOAD-03). */
static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *ud)
{
	(void)flags;
	struct h2conn *h = ud;
	struct h2slot *sl = slot_of(s, id);
	if (sl && sl->status >= 400) {
		eng_errbody(h->w, sl->resp_off, (const char *)data, len);
		sl->resp_off += len;
	}
	return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t error_code, void *ud)
{
	struct h2conn *h = ud;
	struct h2slot *sl = slot_of(s, id);
	if (!sl)
		return 0;
	if (!sl->cancelled) {
		double now = eng_now();
		if (error_code == NGHTTP2_NO_ERROR && sl->status >= 200) {
			eng_record(h->w, sl->counted, sl->status, sl->origin, now);
		} else {
			eng_note(h->w, "HTTP/2 stream reset (error %u)", error_code);
			if (sl->counted)
				h->w->st.errors_read++;
		}
	}
	nghttp2_session_set_stream_user_data(s, id, NULL);
	memset(sl, 0, sizeof(*sl));
	h->active--;
	return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *ud)
{
	(void)s;
	struct h2conn *h = ud;
	if (frame->hd.type == NGHTTP2_GOAWAY)
		h->goaway = true;
	return 0;
}

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
	(void)s;
	(void)id;
	struct h2conn *h = ud;
	struct h2slot *sl = src->ptr;
	const struct load_cfg *cfg = h->w->cfg;
	size_t left = cfg->body_len - sl->body_off;
	size_t n = left < len ? left : len;
	memcpy(buf, cfg->body + sl->body_off, n);
	sl->body_off += n;
	if (sl->body_off == cfg->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

int h2_start(struct worker *w, struct conn *c)
{
	struct h2conn *h = xcalloc(1, sizeof(*h));
	h->w = w;
	h->c = c;
	h->nslots = w->cfg->streams > 0 ? w->cfg->streams : 1;
	h->slots = xcalloc((size_t)h->nslots, sizeof(*h->slots));
	nghttp2_session_callbacks *cbs;
	if (nghttp2_session_callbacks_new(&cbs) != 0) {
		free(h->slots);
		free(h);
		eng_note(w, "cannot create an HTTP/2 session");
		return -1;
	}
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
	nghttp2_session *s = NULL;
	int rv = nghttp2_session_client_new(&s, cbs, h);
	nghttp2_session_callbacks_del(cbs);
	if (rv != 0) {
		free(h->slots);
		free(h);
		eng_note(w, "cannot create an HTTP/2 session: %s", nghttp2_strerror(rv));
		return -1;
	}
	h->session = s;
	nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2_WINDOW},
	};
	nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
	nghttp2_session_set_local_window_size(s, NGHTTP2_FLAG_NONE, 0, H2_WINDOW);
	c->h2 = h;
	return 0;
}

/* Write what nghttp2 has to say; -1 when the connection failed. */
static int flush(struct worker *w, struct conn *c)
{
	struct h2conn *h = c->h2;
	nghttp2_session *s = h->session;
	for (;;) {
		if (h->outoff < h->outlen) {
			bool out;
			ssize_t r = eng_write(c, h->out + h->outoff, h->outlen - h->outoff, &out);
			if (r < 0)
				return -1;
			if (r == 0) {
				eng_watch(w, c, out);
				return 0;
			}
			h->outoff += (size_t)r;
			continue;
		}
		h->outoff = h->outlen = 0;
		while (h->outlen < H2_OUT_MAX) {
			const uint8_t *data;
			ssize_t n = nghttp2_session_mem_send(s, &data);
			if (n < 0) {
				eng_note(w, "HTTP/2: %s", nghttp2_strerror((int)n));
				return -1;
			}
			if (n == 0)
				break;
			array_grow(&h->out, &h->outcap, h->outlen + (size_t)n, 1);
			memcpy(h->out + h->outlen, data, (size_t)n);
			h->outlen += (size_t)n;
		}
		if (h->outlen == 0)
			break;
	}
	eng_watch(w, c, false);
	return 0;
}

static void submit(struct worker *w, struct conn *c, double origin, double now)
{
	const struct load_cfg *cfg = w->cfg;
	struct h2conn *h = c->h2;
	struct h2slot *sl = NULL;
	for (int i = 0; i < h->nslots && !sl; i++)
		if (!h->slots[i].id)
			sl = &h->slots[i];
	if (!sl)
		return;
	nghttp2_nv nv[8 + 64];
	size_t n = 0;
#define NV(nm, nl, vl, vlen)                                                                       \
	nv[n++] = (nghttp2_nv){(uint8_t *)(nm), (uint8_t *)(vl), (nl), (vlen),                     \
	                       NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE}
	NV(":method", 7, cfg->method, strlen(cfg->method));
	NV(":scheme", 7, cfg->scheme, strlen(cfg->scheme));
	NV(":authority", 10, cfg->authority, strlen(cfg->authority));
	NV(":path", 5, cfg->path, strlen(cfg->path));
	for (size_t i = 0; i < cfg->nheaders && n < sizeof(nv) / sizeof(nv[0]); i++)
		NV(cfg->hnames[i], strlen(cfg->hnames[i]), cfg->hvalues[i],
		   strlen(cfg->hvalues[i]));
#undef NV
	memset(sl, 0, sizeof(*sl));
	nghttp2_data_provider prd = {.source.ptr = sl, .read_callback = body_read};
	int32_t id =
	    nghttp2_submit_request(h->session, NULL, nv, n, cfg->body_len ? &prd : NULL, sl);
	if (id < 0) {
		eng_note(w, "HTTP/2 submit: %s", nghttp2_strerror(id));
		h->dead = true;
		return;
	}
	if (w->budget != UINT64_MAX)
		w->budget--;
	sl->id = id;
	sl->origin = origin;
	sl->sent = now;
	sl->counted = origin >= w->warm_end_ms;
	if (sl->counted)
		w->st.sent++;
	h->active++;
}

static void h2_fail(struct worker *w, struct conn *c, uint64_t *counter, double now)
{
	h2_abort(w, c, counter);
	eng_close(w, c, now);
	eng_open(w, c, now);
}

void h2_fill(struct worker *w, struct conn *c, double now)
{
	struct h2conn *h = c->h2;
	nghttp2_session *s = h->session;
	uint32_t limit =
	    nghttp2_session_get_remote_settings(s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
	while (!h->dead && eng_sending(w, now) && h->active < h->nslots &&
	       (uint32_t)h->active < limit) {
		double origin = now;
		if (w->interval_ms > 0) {
			if (c->next_ms > now) {
				if (c->next_ms < w->next_due)
					w->next_due = c->next_ms;
				break;
			}
			origin = c->next_ms;
			c->next_ms += w->interval_ms;
		}
		submit(w, c, origin, now);
	}
	if (h->dead || flush(w, c) < 0) {
		h2_fail(w, c, &w->st.errors_read, now);
		return;
	}
	if (!nghttp2_session_want_read(s) && !nghttp2_session_want_write(s)) {
		/* the session ended: the server's GOAWAY, or ours after a protocol
		 * error (nghttp2 answers bad frames with GOAWAY); a fresh connection
		 * takes over */
		if (!h->goaway)
			eng_note(w,
			         "HTTP/2 protocol error: the server's bytes are not HTTP/2 frames");
		h2_fail(w, c, h->goaway ? &w->st.errors_read : &w->st.errors_parse, now);
	}
}

void h2_on_event(struct worker *w, struct conn *c, uint32_t ev, double now)
{
	(void)ev;
	struct h2conn *h = c->h2;
	for (;;) {
		bool out;
		ssize_t r = eng_read(c, w->buf, 64 * 1024, &out);
		if (r == -1) {
			if (out)
				eng_watch(w, c, true);
			break;
		}
		if (r <= 0) {
			eng_note(w, "%s",
			         r == 0 ? "HTTP/2 connection closed" : "HTTP/2 connection reset");
			h2_fail(w, c, &w->st.errors_read, now);
			return;
		}
		if (now >= w->warm_end_ms)
			w->st.bytes += (uint64_t)r;
		ssize_t rv =
		    nghttp2_session_mem_recv(h->session, (const uint8_t *)w->buf, (size_t)r);
		if (rv < 0) {
			eng_note(w, "HTTP/2 protocol error: %s", nghttp2_strerror((int)rv));
			h2_fail(w, c, &w->st.errors_parse, now);
			return;
		}
		/* level-triggered epoll: a short read drained the socket, spare the EAGAIN read */
		if (r < 64 * 1024)
			break;
	}
	h2_fill(w, c, now);
}

void h2_timeouts(struct worker *w, struct conn *c, double now)
{
	struct h2conn *h = c->h2;
	double tmo = w->cfg->request_timeout_s * 1000.0;
	bool any = false;
	for (int i = 0; i < h->nslots; i++) {
		struct h2slot *sl = &h->slots[i];
		if (!sl->id || sl->cancelled || now - sl->sent <= tmo)
			continue;
		eng_note(w, "request timed out after %.1f s", tmo / 1000.0);
		if (sl->counted)
			w->st.errors_timeout++;
		sl->cancelled = true;
		sl->counted = false;
		nghttp2_submit_rst_stream(h->session, NGHTTP2_FLAG_NONE, sl->id, NGHTTP2_CANCEL);
		any = true;
	}
	if (any && flush(w, c) < 0)
		h2_fail(w, c, &w->st.errors_read, now);
}

int h2_inflight(const struct conn *c)
{
	int n = 0;
	for (int i = 0; c->h2 && i < c->h2->nslots; i++)
		if (c->h2->slots[i].id && !c->h2->slots[i].cancelled)
			n++;
	return n;
}

void h2_abort(struct worker *w, struct conn *c, uint64_t *counter)
{
	(void)w;
	struct h2conn *h = c->h2;
	if (!h)
		return;
	for (int i = 0; i < h->nslots; i++)
		if (h->slots[i].id && !h->slots[i].cancelled && h->slots[i].counted && counter)
			(*counter)++;
	nghttp2_session_del(h->session);
	free(h->slots);
	free(h->out);
	free(h);
	c->h2 = NULL;
}
