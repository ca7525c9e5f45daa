/*
 * Sockets of the TLS probe: host:port parsing (IPv6 literals in brackets),
 * connect with a deadline, the STARTTLS preludes (smtp, imap, pop3, ftp,
 * postgres; one command at a time, each reply awaited, never pipelined),
 * and one raw exchange: send a ClientHello, read the server's first flight
 * until it is complete, the server closes, or the per-connection timeout
 * passes. Every wait is bounded by the connection's deadline.
 */
#ifndef ASSAY_PROBES_TLS_NET_H
#define ASSAY_PROBES_TLS_NET_H

#include "probes/tls/wire.h"

#include <stdbool.h>
#include <stddef.h>

enum tls_starttls {
	TLS_ST_NONE,
	TLS_ST_SMTP,
	TLS_ST_IMAP,
	TLS_ST_POP3,
	TLS_ST_FTP,
	TLS_ST_POSTGRES
};

/* Where to connect and how; read-only while the scan runs. */
struct tls_endpoint {
	char host[256]; /* without brackets */
	char port[8];
	char shown[300]; /* "host:port" or "[::1]:port" for messages and findings */
	enum tls_starttls starttls;
	double conn_timeout_ms;
	double deadline_ms; /* time_mono_ms() after which nothing new starts */
};

/* Split "host:port" / "[v6]:port" into e; 0, or -1 with err_set(). */
int tls_endpoint_parse(struct tls_endpoint *e, const char *s);
/* "smtp" etc.; 0, or -1 with err_set(). */
int tls_starttls_parse(enum tls_starttls *out, const char *s);

enum tls_io {
	TLS_IO_OK,       /* the flight was parsed: see its kind */
	TLS_IO_REFUSED,  /* connect failed */
	TLS_IO_TIMEOUT,  /* connect timed out */
	TLS_IO_CLOSED,   /* the server closed without sending a parsable answer */
	TLS_IO_STARTTLS, /* the STARTTLS prelude failed */
	TLS_IO_SILENT,   /* connected, but no complete answer came back in time */
};

/*
 * Connect (and run the STARTTLS prelude); *fd is a blocking socket with
 * SO_RCVTIMEO/SO_SNDTIMEO set. Returns TLS_IO_OK or an error with err_set().
 */
enum tls_io tls_connect(const struct tls_endpoint *e, int *fd);

/*
 * One raw exchange on a new connection: send hello, parse the reply into f
 * (tls_flight_init'ed by the caller). When keep_fd is not NULL the socket
 * is left open there for a follow-up (heartbeat, CCS); else closed.
 */
enum tls_io tls_exchange(const struct tls_endpoint *e, const struct tls_hello *h,
                         struct tls_flight *f, int *keep_fd);

/* Send all of buf; 0 or -1. */
int tls_send_all(int fd, const void *buf, size_t len);
/* Read what arrives within ms milliseconds into out (up to max bytes); bytes read, 0 on timeout, -1
 * on EOF or error. */
long tls_recv_some(int fd, struct strbuf *out, size_t max, double ms);

#endif
