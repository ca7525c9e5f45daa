/*
 * A minimal, strict, incremental HTTP/1.1 response parser for the load
 * probe (RFC 9112): status line, header fields, and the body framed by
 * Content-Length, chunked transfer coding, or the close of the connection.
 * Bytes are fed as they arrive; nothing of the body is kept, so memory is
 * one line buffer per connection whatever the server sends. The body of
 * an error response (status >= 400) is also handed to `sink` when one is
 * set, with its offset in the body, for the caller to sample.
 *
 * Bounds (hostile servers: endless headers, a 10 GB body): a line is at
 * most H1_LINE_MAX bytes, the header block H1_HEADERS_MAX bytes and
 * H1_FIELDS_MAX fields, a body H1_BODY_MAX bytes; any excess is an error,
 * never an allocation.
 */
#ifndef ASSAY_PROBES_LOAD_H1_H
#define ASSAY_PROBES_LOAD_H1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H1_LINE_MAX    8192
#define H1_HEADERS_MAX (64u * 1024)
#define H1_FIELDS_MAX  128
#define H1_BODY_MAX    (UINT64_C(256) << 20)

enum h1_rc {
	H1_MORE,  /* all input consumed, the response is not complete */
	H1_DONE,  /* a response ended; *used bytes were consumed */
	H1_ERROR, /* malformed or over a bound; p->err says why */
};

struct h1_parser {
	int state;
	bool head;       /* the request was HEAD: no body whatever the headers say */
	int status;      /* of the final (non-1xx) response */
	bool keep_alive; /* false: the server will close (Connection: close, HTTP/1.0, body to EOF)
	                  */
	bool chunked, have_len, to_eof;
	uint64_t remaining; /* body or chunk bytes left */
	uint64_t body;      /* body bytes seen (chunk payload only) */
	uint64_t total;     /* bytes consumed for this response */
	size_t header_bytes, fields;
	size_t line_len;
	char line[H1_LINE_MAX];
	char err[160];
	/* Optional: error-response body bytes (kept across h1_reset). */
	void (*sink)(void *ctx, uint64_t off, const char *b, size_t n);
	void *sink_ctx;
};

/* Ready the parser for the next response; head: the request is HEAD. A new
 * parser must start zeroed (calloc), sink and sink_ctx set or NULL. */
void h1_reset(struct h1_parser *p, bool head);
enum h1_rc h1_feed(struct h1_parser *p, const char *buf, size_t len, size_t *used);
/* The connection closed: H1_DONE when the body runs to EOF, else H1_ERROR (truncated). */
enum h1_rc h1_eof(struct h1_parser *p);

#endif
