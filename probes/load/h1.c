/*
 * HTTP/1.1 response parser; see h1.h. Strict where a lenient parser would
 * hide a broken server: CRLF line ends, "HTTP/1.x NNN" status lines, token
 * field names, one consistent Content-Length, Transfer-Encoding "chunked"
 * only (and never together with Content-Length, RFC 9112 §6.3), hex chunk
 * sizes of at most 15 digits.
 *
 * Speed: when a whole line is in the input and nothing is pending, it is
 * parsed where it lies; only a line split across reads is copied.
 */
#include "probes/load/h1.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum {
	S_STATUS,
	S_HEADER,
	S_BODY_LEN,
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_CRLF,
	S_TRAILER,
	S_BODY_EOF,
	S_DONE,
};

void h1_reset(struct h1_parser *p, bool head)
{
	p->state = S_STATUS;
	p->head = head;
	p->status = 0;
	p->keep_alive = true;
	p->chunked = p->have_len = p->to_eof = false;
	p->remaining = p->body = p->total = 0;
	p->header_bytes = p->fields = 0;
	p->line_len = 0;
	p->err[0] = '\0';
}

static enum h1_rc fail(struct h1_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum h1_rc fail(struct h1_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(p->err, sizeof(p->err), "byte %llu: ", (unsigned long long)p->total);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		n = 0;
	vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return H1_ERROR;
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_status(struct h1_parser *p, const char *s, size_t n)
{
	/* HTTP/1.1 200 OK  |  HTTP/1.1 200 */
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    !is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) || (n > 12 && s[12] != ' ') ||
	    s[9] == '0')
		return fail(p, "malformed status line"), -1;
	for (size_t i = 12; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return fail(p, "control byte in the status line"), -1;
	p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	p->keep_alive = s[7] == '1';
	return 0;
}

static bool value_has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);
	for (size_t i = 0; i + tl <= n; i++)
		if (strncasecmp(v + i, tok, tl) == 0 &&
		    (i == 0 || v[i - 1] == ' ' || v[i - 1] == ',') &&
		    (i + tl == n || v[i + tl] == ' ' || v[i + tl] == ','))
			return true;
	return false;
}

static int parse_field(struct h1_parser *p, const char *s, size_t n)
{
	if (++p->fields > H1_FIELDS_MAX)
		return fail(p, "more than %d header fields", H1_FIELDS_MAX), -1;
	size_t i = 0;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return fail(p, "malformed header field"), -1;
	size_t nlen = i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t vend = n;
	while (vend > i && (s[vend - 1] == ' ' || s[vend - 1] == '\t'))
		vend--;
	const char *v = s + i;
	size_t vlen = vend - i;
	for (size_t k = 0; k < vlen; k++)
		if (((unsigned char)v[k] < 0x20 && v[k] != '\t') || v[k] == 0x7f)
			return fail(p, "control byte in a header value"), -1;
	if (nlen == 14 && strncasecmp(s, "content-length", 14) == 0) {
		if (vlen == 0 || vlen > 15)
			return fail(p, "bad Content-Length"), -1;
		uint64_t len = 0;
		for (size_t k = 0; k < vlen; k++) {
			if (!is_digit(v[k]))
				return fail(p, "bad Content-Length"), -1;
			len = len * 10 + (uint64_t)(v[k] - '0');
		}
		if (p->have_len && len != p->remaining)
			return fail(p, "conflicting Content-Length values"), -1;
		if (len > H1_BODY_MAX)
			return fail(p, "Content-Length %llu over the %llu MiB limit",
			            (unsigned long long)len,
			            (unsigned long long)(H1_BODY_MAX >> 20)),
			       -1;
		p->have_len = true;
		p->remaining = len;
	} else if (nlen == 17 && strncasecmp(s, "transfer-encoding", 17) == 0) {
		if (!(vlen == 7 && strncasecmp(v, "chunked", 7) == 0))
			return fail(p, "unsupported Transfer-Encoding"), -1;
		p->chunked = true;
	} else if (nlen == 10 && strncasecmp(s, "connection", 10) == 0) {
		if (value_has_token(v, vlen, "close"))
			p->keep_alive = false;
		else if (value_has_token(v, vlen, "keep-alive"))
			p->keep_alive = true;
	}
	return 0;
}

/* The header block ended: decide how the body is framed. */
static int headers_done(struct h1_parser *p)
{
	if (p->status < 200) {
		/* 1xx: an interim response; the real one follows (RFC 9110 §15.2) */
		if (p->status == 101)
			return fail(p, "unexpected 101 Switching Protocols"), -1;
		bool head = p->head;
		uint64_t total = p->total;
		h1_reset(p, head);
		p->total = total;
		return 0;
	}
	if (p->chunked && p->have_len)
		return fail(p, "both Content-Length and chunked"), -1;
	if (p->head || p->status == 204 || p->status == 304) {
		p->state = S_DONE;
	} else if (p->chunked) {
		p->state = S_CHUNK_SIZE;
	} else if (p->have_len) {
		p->state = p->remaining ? S_BODY_LEN : S_DONE;
	} else {
		p->to_eof = true;
		p->keep_alive = false;
		p->state = S_BODY_EOF;
	}
	return 0;
}

static int parse_chunk_size(struct h1_parser *p, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n; i++) {
		char c = s[i];
		int d = is_digit(c)              ? c - '0'
		        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
		        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
		                                 : -1;
		if (d < 0)
			break;
		if (i >= 15)
			return fail(p, "chunk size too long"), -1;
		v = v * 16 + (uint64_t)d;
	}
	if (i == 0 || (i < n && s[i] != ';' && s[i] != ' ' && s[i] != '\t'))
		return fail(p, "malformed chunk size"), -1;
	if (p->body + v > H1_BODY_MAX)
		return fail(p, "chunked body over the %llu MiB limit",
		            (unsigned long long)(H1_BODY_MAX >> 20)),
		       -1;
	p->remaining = v;
	p->state = v ? S_CHUNK_DATA : S_TRAILER;
	return 0;
}

/* One complete line (without CRLF) in the current state. */
static int on_line(struct h1_parser *p, const char *s, size_t n)
{
	switch (p->state) {
	case S_STATUS:
		if (parse_status(p, s, n) < 0)
			return -1;
		p->state = S_HEADER;
		return 0;
	case S_HEADER:
		if (n == 0)
			return headers_done(p);
		return parse_field(p, s, n);
	case S_CHUNK_SIZE:
		return parse_chunk_size(p, s, n);
	case S_CHUNK_CRLF:
		if (n != 0)
			return fail(p, "chunk data longer than its size"), -1;
		p->state = S_CHUNK_SIZE;
		return 0;
	case S_TRAILER:
		if (n == 0) {
			p->state = S_DONE;
			return 0;
		}
		if (++p->fields > H1_FIELDS_MAX)
			return fail(p, "more than %d trailer fields", H1_FIELDS_MAX), -1;
		return 0;
	}
	return fail(p, "internal: line in state %d", p->state), -1;
}

static bool in_header_block(const struct h1_parser *p)
{
	return p->state == S_STATUS || p->state == S_HEADER || p->state == S_TRAILER;
}

enum h1_rc h1_feed(struct h1_parser *p, const char *buf, size_t len, size_t *used)
{
	size_t i = 0;
	while (i < len && p->state != S_DONE) {
		if (p->state == S_BODY_LEN || p->state == S_CHUNK_DATA) {
			size_t take = len - i;
			if ((uint64_t)take > p->remaining)
				take = (size_t)p->remaining;
			if (p->sink && p->status >= 400)
				p->sink(p->sink_ctx, p->body, buf + i, take);
			p->remaining -= take;
			p->body += take;
			p->total += take;
			i += take;
			if (p->remaining == 0)
				p->state = p->state == S_BODY_LEN ? S_DONE : S_CHUNK_CRLF;
			continue;
		}
		if (p->state == S_BODY_EOF) {
			size_t take = len - i;
			if (p->body + take > H1_BODY_MAX)
				return fail(p, "body over the %llu MiB limit",
				            (unsigned long long)(H1_BODY_MAX >> 20));
			if (p->sink && p->status >= 400)
				p->sink(p->sink_ctx, p->body, buf + i, take);
			p->body += take;
			p->total += take;
			i = len;
			continue;
		}
		/* a line */
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t chunk = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;
		if (in_header_block(p)) {
			p->header_bytes += chunk;
			if (p->header_bytes > H1_HEADERS_MAX)
				return fail(p, "header block over %u bytes", H1_HEADERS_MAX);
		}
		if (p->line_len + chunk > H1_LINE_MAX)
			return fail(p, "line longer than %d bytes", H1_LINE_MAX);
		const char *line;
		size_t llen;
		if (p->line_len == 0 && nl) {
			line = buf + i;
			llen = chunk - 1;
		} else {
			memcpy(p->line + p->line_len, buf + i, chunk);
			p->line_len += chunk;
			if (!nl) {
				p->total += chunk;
				i += chunk;
				continue;
			}
			line = p->line;
			llen = p->line_len - 1;
		}
		if (llen == 0 || line[llen - 1] != '\r')
			return fail(p, "line not ended by CRLF");
		llen--;
		if (memchr(line, '\0', llen))
			return fail(p, "NUL byte in a line");
		int rc = on_line(p, line, llen);
		if (rc < 0)
			return H1_ERROR;
		p->line_len = 0;
		p->total += chunk;
		i += chunk;
	}
	*used = i;
	return p->state == S_DONE ? H1_DONE : H1_MORE;
}

enum h1_rc h1_eof(struct h1_parser *p)
{
	if (p->state == S_DONE)
		return H1_DONE;
	if (p->state == S_BODY_EOF) {
		p->state = S_DONE;
		return H1_DONE;
	}
	if (p->state == S_STATUS && p->total == 0)
		return fail(p, "connection closed before a response");
	return fail(p, "connection closed in the middle of a response (truncated)");
}
