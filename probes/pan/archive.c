/*
 * Archives and compressed files, through libarchive: zip, tar, and gzip,
 * bzip2 and xz (of a tar or of a single file). Each member is a stream of
 * its own with the location "outer!member"; a member that is itself an
 * archive (by its first bytes, not its name) is opened in turn, streamed
 * from its parent without touching the disk, down to PAN_ARCHIVE_DEPTH.
 * Office XML parts are read as text (xml.c).
 *
 * Bombs: every byte that comes out of a decompressor counts against the
 * top-level file: past PAN_ARCHIVE_FLOOR bytes at more than
 * PAN_ARCHIVE_RATIO times its size on disk, or past PAN_ARCHIVE_MAX in
 * all, the file is abandoned with an error (a 42.zip-style bomb costs a few
 * hundred MiB of decompression, and no memory: nothing is held whole).
 * Encrypted members, corrupt archives and members nested too deep are
 * errors: card data could be there and the scan cannot say.
 *
 * xz is decoded here with liblzma, under PAN_XZ_MEMLIMIT, and libarchive
 * reads what comes out: libarchive's own xz reader sets no memory limit,
 * and an xz header may ask for a 4 GiB dictionary.
 */
#include "probes/pan/pan_int.h"
#include "lib/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SRC_BUF (64u << 10)

struct src {
	struct pan_worker *w;
	const char *display;    /* for messages */
	int fd;                 /* the top-level file, or -1 */
	off_t off;              /* where the next read of fd starts */
	struct archive *parent; /* a member of it is this archive */
	const uint8_t *pending; /* the member's first bytes, read already */
	size_t npending;
	uint8_t buf[SRC_BUF];
	/* xz, decoded here: what the above reads goes in, xbuf comes out */
	bool xz, xz_eof;
	lzma_stream lz;
	uint8_t xbuf[SRC_BUF];
};

static void walk_entries(struct pan_worker *w, struct archive *a, const char *display, int depth);

/* Bytes came out of a decompressor: count them; false once it is a bomb. */
static bool took(struct pan_worker *w, const char *display, la_ssize_t n)
{
	if (n <= 0 || w->bomb)
		return !w->bomb;
	w->expanded += (uint64_t)n;
	double ratio = w->disk_size ? (double)w->expanded / (double)w->disk_size : 0;
	if (w->expanded > PAN_ARCHIVE_MAX ||
	    (w->expanded > PAN_ARCHIVE_FLOOR && ratio > PAN_ARCHIVE_RATIO)) {
		w->bomb = true;
		pan_error(w->run,
		          "%s: archive bomb? stopped after %llu MiB expanded from %llu KiB on disk "
		          "(limits: %.0fx past %llu MiB, %llu GiB in all)",
		          display, (unsigned long long)(w->expanded >> 20),
		          (unsigned long long)(w->disk_size >> 10), PAN_ARCHIVE_RATIO,
		          (unsigned long long)(PAN_ARCHIVE_FLOOR >> 20),
		          (unsigned long long)(PAN_ARCHIVE_MAX >> 30));
	}
	return !w->bomb;
}

/* The source's own bytes: the first ones read already, the parent member, or the file. */
static la_ssize_t raw_read(struct archive *a, struct src *s, const void **out)
{
	*out = s->buf;
	if (s->npending) {
		size_t n = s->npending;
		*out = s->pending;
		s->npending = 0;
		return (la_ssize_t)n;
	}
	if (s->parent) {
		la_ssize_t n = archive_read_data(s->parent, s->buf, sizeof(s->buf));
		if (n < 0) {
			archive_set_error(a, EIO, "%s", archive_error_string(s->parent));
			return -1;
		}
		took(s->w, s->display, n);
		return n;
	}
	for (;;) {
		ssize_t n = pread(s->fd, s->buf, sizeof(s->buf), s->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read error: %s", strerror(errno));
			return -1;
		}
		s->off += n;
		atomic_fetch_add(&s->w->run->progress_bytes, (uint64_t)n);
		return n;
	}
}

/* The xz stream decoded, SRC_BUF at a time. */
static la_ssize_t xz_read(struct archive *a, struct src *s, const void **out)
{
	s->lz.next_out = s->xbuf;
	s->lz.avail_out = sizeof(s->xbuf);
	while (s->lz.avail_out == sizeof(s->xbuf)) {
		if (s->lz.avail_in == 0 && !s->xz_eof) {
			const void *p;
			la_ssize_t n = raw_read(a, s, &p);
			if (n < 0)
				return -1;
			s->xz_eof = n == 0;
			s->lz.next_in = p;
			s->lz.avail_in = (size_t)n;
		}
		lzma_ret rc = lzma_code(&s->lz, s->xz_eof ? LZMA_FINISH : LZMA_RUN);
		if (rc == LZMA_STREAM_END)
			break;
		if (rc == LZMA_OK)
			continue;
		if (rc == LZMA_MEMLIMIT_ERROR) {
			/* libarchive's formatter has no %llu */
			char m[128];
			snprintf(m, sizeof(m),
			         "xz: the stream needs %llu MiB to decode, over the %llu MiB limit; "
			         "not read",
			         (unsigned long long)(lzma_memusage(&s->lz) >> 20),
			         (unsigned long long)(PAN_XZ_MEMLIMIT >> 20));
			archive_set_error(a, ENOMEM, "%s", m);
		} else if (rc == LZMA_BUF_ERROR)
			archive_set_error(a, EIO, "xz: truncated stream");
		else
			archive_set_error(a, EIO, "xz: corrupt stream (liblzma error %d)", (int)rc);
		return -1;
	}
	*out = s->xbuf;
	return (la_ssize_t)(sizeof(s->xbuf) - s->lz.avail_out);
}

static la_ssize_t src_read(struct archive *a, void *ud, const void **out)
{
	struct src *s = ud;
	if (pan_deadline(s->w->run) || s->w->bomb) {
		archive_set_error(a, ECANCELED, "scan stopped");
		return -1;
	}
	return s->xz ? xz_read(a, s, out) : raw_read(a, s, out);
}

/* Seeking, for the top-level file only (zip reads its central directory). */
static la_int64_t src_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
	(void)a;
	struct src *s = ud;
	off_t base = whence == SEEK_SET   ? 0
	             : whence == SEEK_CUR ? s->off
	                                  : lseek(s->fd, 0, SEEK_END);
	if (base < 0 || base + off < 0)
		return ARCHIVE_FATAL;
	s->off = base + (off_t)off;
	return s->off;
}

/* head: the source's first bytes (they tell xz). */
static struct archive *open_archive(struct src *s, const uint8_t *head, size_t n)
{
	const char *magic = pan_archive_magic(head, n);
	if (magic && strcmp(magic, "xz") == 0) {
		lzma_stream init = LZMA_STREAM_INIT;
		s->lz = init;
		/* on failure (no memory) xz_read reports it: lzma_code refuses to run */
		s->xz = lzma_stream_decoder(&s->lz, PAN_XZ_MEMLIMIT, LZMA_CONCATENATED) == LZMA_OK;
		if (!s->xz)
			pan_error(s->w->run, "%s: cannot start the xz decoder", s->display);
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_raw(a);
	archive_read_set_read_callback(a, src_read);
	if (s->fd >= 0 && !s->xz)
		archive_read_set_seek_callback(a, src_seek);
	archive_read_set_callback_data(a, s);
	return a;
}

/* The name of the one member of a compressed file: "app.log.gz" -> "app.log". */
static char *raw_name(const char *display)
{
	const char *base = strrchr(display, '!');
	const char *slash = strrchr(base ? base : display, '/');
	base = slash ? slash + 1 : base ? base + 1 : display;
	static const char *const exts[] = {".gz", ".tgz", ".bz2", ".xz", ".z"};
	size_t n = strlen(base);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t k = strlen(exts[i]);
		if (n > k && strcasecmp(base + n - k, exts[i]) == 0)
			return xstrndup(base, n - k);
	}
	return xasprintf("%s.data", base);
}

/* Control bytes in member names would break a one-line location. */
static char *clean_name(const char *name)
{
	char *c = xstrdup(name);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

/* Read the rest of the current member into the worker's stream (or XML). */
static void read_member(struct pan_worker *w, struct archive *a, const char *loc,
                        struct pan_xml *xml)
{
	for (;;) {
		if (pan_deadline(w->run) || w->bomb)
			return;
		size_t room;
		uint8_t *p = xml ? w->head : pan_stream_space(w->s, &room);
		if (xml)
			room = PAN_HEAD;
		la_ssize_t n = archive_read_data(a, p, room);
		if (n < 0) {
			pan_error(w->run, "%s: %s", loc, archive_error_string(a));
			return;
		}
		if (n == 0)
			return;
		if (xml)
			pan_xml_feed(xml, w->s, p, (size_t)n);
		else
			pan_stream_commit(w->s, (size_t)n);
		if (!took(w, loc, n))
			return;
	}
}

static void member(struct pan_worker *w, struct archive *a, const char *loc, const char *name,
                   int depth)
{
	struct pan_run *r = w->run;
	uint8_t *head = xmalloc(PAN_HEAD);
	size_t n = 0;
	while (n < PAN_HEAD) {
		la_ssize_t k = archive_read_data(a, head + n, PAN_HEAD - n);
		if (k < 0) {
			pan_error(r, "%s: %s", loc, archive_error_string(a));
			free(head);
			return;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (!took(w, loc, k)) {
			free(head);
			return;
		}
	}
	if (pan_archive_magic(head, n)) {
		if (depth + 1 > PAN_ARCHIVE_DEPTH) {
			pan_error(r, "%s: an archive nested more than %d deep, not opened", loc,
			          PAN_ARCHIVE_DEPTH);
		} else {
			struct src *s = xcalloc(1, sizeof(*s));
			s->w = w;
			s->fd = -1;
			s->parent = a;
			s->display = loc;
			s->pending = head;
			s->npending = n;
			struct archive *na = open_archive(s, head, n);
			if (archive_read_open1(na) != ARCHIVE_OK)
				pan_error(r, "%s: cannot open the archive: %s", loc,
				          archive_error_string(na));
			else
				walk_entries(w, na, loc, depth + 1);
			archive_read_free(na);
			if (s->xz)
				lzma_end(&s->lz);
			free(s);
		}
		free(head);
		return;
	}
	if (pan_xml_member(name)) {
		struct pan_xml xml;
		pan_xml_init(&xml);
		pan_loc_begin(w, loc, PAN_ENC_BYTES);
		pan_xml_feed(&xml, w->s, head, n);
		if (n == PAN_HEAD)
			read_member(w, a, loc, &xml);
		pan_loc_end(w);
	} else {
		pan_loc_begin(w, loc, PAN_ENC_AUTO);
		pan_stream_write(w->s, head, n);
		if (n == PAN_HEAD)
			read_member(w, a, loc, NULL);
		pan_loc_end(w);
	}
	free(head);
}

static void walk_entries(struct pan_worker *w, struct archive *a, const char *display, int depth)
{
	struct pan_run *r = w->run;
	w->c.archives++;
	size_t members = 0;
	for (;;) {
		if (pan_deadline(r) || w->bomb)
			return;
		struct archive_entry *e;
		int rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			return;
		if (rc == ARCHIVE_FATAL || rc == ARCHIVE_RETRY) {
			pan_error(r, "%s: corrupt or unreadable archive after %zu members: %s",
			          display, members, archive_error_string(a));
			return;
		}
		members++;
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		const char *path = archive_entry_pathname(e);
		char *name = raw ? raw_name(display) : clean_name(path ? path : "?");
		char *loc = xasprintf("%s!%s", display, name);
		if (pan_excluded(r, loc)) {
			/* the user's choice, as for files on disk */
		} else if (rc == ARCHIVE_FAILED) {
			pan_error(r, "%s: %s", loc, archive_error_string(a));
		} else if (archive_entry_is_encrypted(e)) {
			pan_error(r, "%s: encrypted, not scanned", loc);
		} else if (r->max_file_size && archive_entry_size_is_set(e) &&
		           (uint64_t)archive_entry_size(e) > r->max_file_size) {
			pan_skip(r, "%s: larger than the %llu-byte limit", loc,
			         (unsigned long long)r->max_file_size);
		} else {
			member(w, a, loc, name, depth);
		}
		free(loc);
		free(name);
	}
}

void pan_archive_file(struct pan_worker *w, int fd, const char *display)
{
	struct src *s = xcalloc(1, sizeof(*s));
	s->w = w;
	s->fd = fd;
	s->display = display;
	struct archive *a = open_archive(s, w->head, PAN_HEAD);
	if (archive_read_open1(a) != ARCHIVE_OK)
		pan_error(w->run, "%s: cannot open the archive: %s", display,
		          archive_error_string(a));
	else
		walk_entries(w, a, display, 1);
	archive_read_free(a);
	if (s->xz)
		lzma_end(&s->lz);
	free(s);
}
