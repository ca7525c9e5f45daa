/*
 * One regular file: its first PAN_HEAD bytes tell an archive or a
 * compressed file (archive.c takes those) from everything else, which is
 * streamed through the scanner with pread() straight into the scanner's
 * buffer. Holes of sparse files are skipped with SEEK_HOLE/SEEK_DATA
 * (a hole reads as zeros, which cannot hold card data), so a 10 GB sparse
 * file with a few pages of data costs those pages.
 */
#include "probes/pan/pan_int.h"
#include "lib/util.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *pan_archive_magic(const uint8_t *p, size_t n)
{
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6) || (p[2] == 7 && p[3] == 8)))
		return "zip";
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8)
		return "gzip";
	if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
		return "bzip2";
	if (n >= 6 &&
	    memcmp(p,
	           "\xFD"
	           "7zXZ",
	           5) == 0 &&
	    p[5] == 0)
		return "xz";
	if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0)
		return "tar";
	return NULL;
}

/*
 * Mail, for UPD-13 (no card numbers sent by end-user messaging): an mbox
 * starts with a "From " line; a message (a Maildir file, .eml, an MH
 * folder's file) starts with RFC 5322 header fields, of which the first
 * lines hold at least two that every mail agent writes.
 */
bool pan_looks_mail(const uint8_t *p, size_t n)
{
	static const char *const fields[] = {
	    "received:", "return-path:", "from:",         "to:",          "subject:",
	    "date:",     "message-id:",  "mime-version:", "delivered-to:"};
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return true;
	if (n > 4096)
		n = 4096;
	unsigned seen = 0;
	size_t i = 0;
	for (int line = 0; line < 40 && i < n; line++) {
		size_t e = i;
		while (e < n && p[e] != '\n')
			e++;
		if (e == i || (e == i + 1 && p[i] == '\r'))
			break; /* the blank line ends the header */
		if (p[i] != ' ' && p[i] != '\t') {
			bool known = false;
			for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]) && !known; k++) {
				size_t fl = strlen(fields[k]);
				if (e - i >= fl &&
				    strncasecmp((const char *)p + i, fields[k], fl) == 0)
					known = true;
			}
			if (!known && !memchr(p + i, ':', e - i))
				return false; /* not a header field: not a message */
			seen += known;
		}
		i = e + 1;
	}
	return seen >= 2;
}

/* pread() all of n bytes unless the file ends; the count, or -1 with errno. */
static ssize_t pread_full(int fd, uint8_t *p, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* From off to the end of the file, holes skipped; false on a read error. */
static bool read_rest(struct pan_worker *w, int fd, off_t off, const char *display)
{
	struct pan_run *r = w->run;
	for (;;) {
		off_t hole = lseek(fd, off, SEEK_HOLE);
		if (hole < 0)
			hole = errno == ENXIO ? off : (off_t)INT64_MAX;
		while (off < hole) {
			if (pan_deadline(r))
				return true;
			size_t room;
			uint8_t *p = pan_stream_space(w->s, &room);
			if ((off_t)room > hole - off)
				room = (size_t)(hole - off);
			if (room > (1u << 20))
				room = 1u << 20;
			ssize_t got = pread(fd, p, room, off);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				pan_error(r, "%s: read error at byte %lld: %s", display,
				          (long long)off, strerror(errno));
				return false;
			}
			if (got == 0)
				return true;
			pan_stream_commit(w->s, (size_t)got);
			atomic_fetch_add(&r->progress_bytes, (uint64_t)got);
			off += got;
		}
		off_t data = lseek(fd, hole, SEEK_DATA);
		if (data < 0) {
			/* ENXIO: a hole up to the end (or the end itself) */
			off_t end = lseek(fd, 0, SEEK_END);
			if (end > hole) {
				pan_stream_skip(w->s, (uint64_t)(end - hole));
				w->holes += (uint64_t)(end - hole);
			}
			return true;
		}
		if (data > hole) {
			pan_stream_skip(w->s, (uint64_t)(data - hole));
			w->holes += (uint64_t)(data - hole);
		}
		off = data;
	}
}

void pan_file(struct pan_worker *w, int fd, const char *display, uint64_t size)
{
	struct pan_run *r = w->run;
	ssize_t n = pread_full(fd, w->head, PAN_HEAD, 0);
	if (n < 0) {
		pan_error(r, "%s: cannot read: %s", display, strerror(errno));
		return;
	}
	w->c.files++;
	atomic_fetch_add(&r->progress_files, 1);
	w->mail = false;
	if (pan_archive_magic(w->head, (size_t)n)) {
		w->disk_size = size;
		w->expanded = 0;
		w->bomb = false;
		pan_archive_file(w, fd, display);
		return;
	}
	pan_loc_begin(w, display, PAN_ENC_AUTO);
	w->mail = pan_looks_mail(w->head, (size_t)n);
	pan_stream_write(w->s, w->head, (size_t)n);
	atomic_fetch_add(&r->progress_bytes, (uint64_t)n);
	if (n == PAN_HEAD)
		read_rest(w, fd, (off_t)n, display);
	pan_loc_end(w);
}
