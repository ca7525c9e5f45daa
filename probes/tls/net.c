/*
 * Sockets of the TLS probe (see net.h). Connections are blocking sockets
 * with SO_RCVTIMEO/SO_SNDTIMEO, except the connect itself, which is
 * non-blocking and polled so that a filtered port costs one timeout. No
 * signal handlers, no global state: every function is safe from the scan's
 * worker threads. Error texts name the endpoint.
 */
#include "probes/tls/net.h"
#include "lib/err.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int tls_endpoint_parse(struct tls_endpoint *e, const char *s)
{
	const char *colon;
	size_t hl;
	const char *h = s;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return err_set("'%s': expected [IPv6]:PORT", s);
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return err_set("'%s': expected HOST:PORT (IPv6 literals in brackets)", s);
		hl = (size_t)(colon - s);
	}
	const char *port = colon + 1;
	if (hl == 0 || hl >= sizeof(e->host))
		return err_set("'%s': bad host", s);
	size_t pl = strlen(port);
	if (pl == 0 || pl > 5 || strspn(port, "0123456789") != pl || atoi(port) < 1 ||
	    atoi(port) > 65535)
		return err_set("'%s': bad port", s);
	memcpy(e->host, h, hl);
	e->host[hl] = '\0';
	memcpy(e->port, port, pl + 1);
	if (strchr(e->host, ':'))
		snprintf(e->shown, sizeof(e->shown), "[%s]:%s", e->host, e->port);
	else
		snprintf(e->shown, sizeof(e->shown), "%s:%s", e->host, e->port);
	return 0;
}

int tls_starttls_parse(enum tls_starttls *out, const char *s)
{
	static const struct {
		const char *name;
		enum tls_starttls v;
	} m[] = {{"smtp", TLS_ST_SMTP},
	         {"imap", TLS_ST_IMAP},
	         {"pop3", TLS_ST_POP3},
	         {"ftp", TLS_ST_FTP},
	         {"postgres", TLS_ST_POSTGRES}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(s, m[i].name) == 0) {
			*out = m[i].v;
			return 0;
		}
	return err_set("tls.starttls '%s': expected smtp, imap, pop3, ftp or postgres", s);
}

static double remaining_ms(double until)
{
	double r = until - time_mono_ms();
	return r > 0 ? r : 0;
}

static void set_timeouts(int fd, double ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000),
	                     .tv_usec = (suseconds_t)((long)ms % 1000) * 1000};
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int tls_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long tls_recv_some(int fd, struct strbuf *out, size_t max, double ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int pr;
	do
		pr = poll(&pfd, 1, (int)(ms < 1 ? 1 : ms));
	while (pr < 0 && errno == EINTR);
	if (pr <= 0)
		return 0;
	char buf[16384];
	size_t want = max - out->len < sizeof(buf) ? max - out->len : sizeof(buf);
	if (want == 0)
		return -1;
	ssize_t n = recv(fd, buf, want, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1; /* EOF */
	sb_add(out, buf, (size_t)n);
	return n;
}

/* Read one protocol line (to '\n', at most 4 KiB) within the deadline. */
static int read_line(int fd, char *line, size_t cap, double until)
{
	size_t n = 0;
	while (n + 1 < cap) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		double r = remaining_ms(until);
		if (r <= 0 || poll(&pfd, 1, (int)(r < 1 ? 1 : r)) <= 0)
			return -1;
		char ch;
		ssize_t k = recv(fd, &ch, 1, 0);
		if (k <= 0)
			return -1;
		if (ch == '\n')
			break;
		if (ch != '\r')
			line[n++] = ch;
	}
	line[n] = '\0';
	return 0;
}

/* Read a reply whose last line starts with code followed by ' ' (SMTP/FTP multi-line). */
static int read_reply(int fd, const char *code, double until)
{
	char line[4096];
	size_t cl = strlen(code);
	for (int i = 0; i < 200; i++) {
		if (read_line(fd, line, sizeof(line), until) < 0)
			return -1;
		if (strncmp(line, code, cl) == 0 && (line[cl] == ' ' || line[cl] == '\0'))
			return 0;
		if (strncmp(line, code, cl) != 0 || line[cl] != '-')
			return -1;
	}
	return -1;
}

static int read_prefix(int fd, const char *prefix, double until)
{
	char line[4096];
	for (int i = 0; i < 50; i++) {
		if (read_line(fd, line, sizeof(line), until) < 0)
			return -1;
		if (str_starts(line, prefix))
			return 0;
		if (line[0] != '*') /* IMAP untagged lines may come first */
			return -1;
	}
	return -1;
}

static int cmd(int fd, const char *s)
{
	return tls_send_all(fd, s, strlen(s));
}

static int starttls(int fd, enum tls_starttls st, double until)
{
	switch (st) {
	case TLS_ST_NONE:
		return 0;
	case TLS_ST_SMTP:
		if (read_reply(fd, "220", until) < 0 || cmd(fd, "EHLO assay.invalid\r\n") < 0 ||
		    read_reply(fd, "250", until) < 0 || cmd(fd, "STARTTLS\r\n") < 0 ||
		    read_reply(fd, "220", until) < 0)
			return -1;
		return 0;
	case TLS_ST_FTP:
		if (read_reply(fd, "220", until) < 0 || cmd(fd, "AUTH TLS\r\n") < 0 ||
		    read_reply(fd, "234", until) < 0)
			return -1;
		return 0;
	case TLS_ST_POP3:
		if (read_prefix(fd, "+OK", until) < 0 || cmd(fd, "STLS\r\n") < 0 ||
		    read_prefix(fd, "+OK", until) < 0)
			return -1;
		return 0;
	case TLS_ST_IMAP:
		if (read_prefix(fd, "* OK", until) < 0 || cmd(fd, "a1 STARTTLS\r\n") < 0 ||
		    read_prefix(fd, "a1 OK", until) < 0)
			return -1;
		return 0;
	case TLS_ST_POSTGRES: {
		/* SSLRequest (PostgreSQL protocol §55.2.10): length 8, code 80877103. */
		static const uint8_t req[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
		struct strbuf r = STRBUF_INIT;
		int rc = -1;
		if (tls_send_all(fd, req, sizeof(req)) == 0 &&
		    tls_recv_some(fd, &r, 1, remaining_ms(until)) == 1 && r.buf[0] == 'S')
			rc = 0;
		sb_free(&r);
		return rc;
	}
	}
	return -1;
}

enum tls_io tls_connect(const struct tls_endpoint *e, int *fd)
{
	double until = time_mono_ms() + e->conn_timeout_ms;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(e->host, e->port, &hints, &res);
	if (gr != 0) {
		err_set("%s: cannot resolve: %s", e->shown, gai_strerror(gr));
		return TLS_IO_REFUSED;
	}
	enum tls_io io = TLS_IO_REFUSED;
	char eb[128] = "no address";
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0)
			continue;
		int cr = connect(s, a->ai_addr, a->ai_addrlen);
		if (cr < 0 && errno == EINPROGRESS) {
			struct pollfd pfd = {.fd = s, .events = POLLOUT};
			double r = remaining_ms(until);
			int pr = r > 0 ? poll(&pfd, 1, (int)(r < 1 ? 1 : r)) : 0;
			if (pr == 0) {
				close(s);
				io = TLS_IO_TIMEOUT;
				snprintf(eb, sizeof(eb), "connect timed out");
				continue;
			}
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			cr = soerr ? -1 : 0;
			errno = soerr;
		}
		if (cr < 0) {
			char tmp[128];
			snprintf(eb, sizeof(eb), "%s", strerror_r(errno, tmp, sizeof(tmp)));
			close(s);
			continue;
		}
		fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
		set_timeouts(s, e->conn_timeout_ms);
		if (starttls(s, e->starttls, until) < 0) {
			close(s);
			freeaddrinfo(res);
			err_set("%s: the STARTTLS exchange failed or timed out", e->shown);
			return TLS_IO_STARTTLS;
		}
		freeaddrinfo(res);
		*fd = s;
		return TLS_IO_OK;
	}
	freeaddrinfo(res);
	err_set("%s: cannot connect: %s", e->shown, eb);
	return io;
}

enum tls_io tls_exchange(const struct tls_endpoint *e, const struct tls_hello *h,
                         struct tls_flight *f, int *keep_fd)
{
	int fd;
	enum tls_io io = tls_connect(e, &fd);
	if (io != TLS_IO_OK)
		return io;
	double until = time_mono_ms() + e->conn_timeout_ms;
	struct strbuf hello = STRBUF_INIT, in = STRBUF_INIT;
	tls_hello_build(&hello, h);
	bool ssl2 = h->version == TLS_V_SSL2;
	if (tls_send_all(fd, hello.buf, hello.len) < 0) {
		io = TLS_IO_CLOSED;
		err_set("%s: the server closed the connection before the ClientHello was sent",
		        e->shown);
		goto out;
	}
	for (;;) {
		double r = remaining_ms(until);
		if (r <= 0) {
			io = TLS_IO_SILENT;
			err_set("%s: %s within %.1f s", e->shown,
			        in.len ? "no complete answer" : "no answer",
			        e->conn_timeout_ms / 1000);
			if (in.len && tls_flight_finish(f) == TLS_RESP_HELLO)
				io = TLS_IO_OK;
			break;
		}
		long n = tls_recv_some(fd, &in, TLS_FLIGHT_MAX, r);
		if (n < 0) {
			/* EOF (or reset): what we have is all there is. */
			if (in.len == 0) {
				io = TLS_IO_CLOSED;
				err_set("%s: the server closed the connection without answering",
				        e->shown);
			} else if (tls_flight_finish(f) == TLS_RESP_NEED_MORE) {
				io = TLS_IO_CLOSED;
				err_set("%s: the server closed the connection mid-record "
				        "(%zu bytes received)",
				        e->shown, in.len);
			} else {
				io = TLS_IO_OK;
			}
			break;
		}
		if (n == 0)
			continue;
		enum tls_resp k = tls_flight_parse(f, (const uint8_t *)in.buf, in.len, ssl2);
		if (k != TLS_RESP_NEED_MORE) {
			io = TLS_IO_OK;
			break;
		}
		if (in.len >= TLS_FLIGHT_MAX) {
			io = TLS_IO_OK;
			f->kind = TLS_RESP_MALFORMED;
			err_set("%s: the server's first flight exceeds %u bytes", e->shown,
			        TLS_FLIGHT_MAX);
			break;
		}
	}
out:
	sb_free(&hello);
	sb_free(&in);
	if (keep_fd && io == TLS_IO_OK)
		*keep_fd = fd;
	else
		close(fd);
	return io;
}
