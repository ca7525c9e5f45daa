/*
 * Zip central directory and members (see zip.h). Format: PKWARE
 * APPNOTE.TXT 6.3.x §4.3 (local header, central directory header, end of
 * central directory record). Zip64 archives are refused with an error:
 * APKs and IPAs under 4 GiB do not use it.
 */
#include "probes/app/zip.h"
#include "probes/app/app_int.h"
#include "lib/err.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define EOCD_SIG 0x06054b50u
#define CDH_SIG  0x02014b50u
#define LFH_SIG  0x04034b50u
/* A declared ratio above this, for a member over 1 MiB, is a bomb. */
#define MAX_RATIO 1000u

static int cmp_lho(const void *a, const void *b)
{
	const struct zip_entry *x = *(const struct zip_entry *const *)a;
	const struct zip_entry *y = *(const struct zip_entry *const *)b;
	return x->lho < y->lho ? -1 : x->lho > y->lho;
}

/* By name, then in directory order: zip_find returns the first of a repeated name. */
static int cmp_name(const void *a, const void *b)
{
	const struct zip_entry *x = *(const struct zip_entry *const *)a;
	const struct zip_entry *y = *(const struct zip_entry *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x > y) - (x < y);
}

static void problem(struct zip *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct zip *z, const char *fmt, ...)
{
	if (z->problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(z->problem, sizeof(z->problem), fmt, ap);
	va_end(ap);
}

int zip_open(struct zip *z, struct span s)
{
	memset(z, 0, sizeof(*z));
	z->s = s;
	if (s.n < 22)
		return err_set("offset 0: %zu bytes, too short for a zip", s.n);
	/* EOCD: the last signature within 64 KiB + 22 of the end whose comment fits */
	uint64_t lo = s.n > 65535 + 22 ? s.n - 65535 - 22 : 0;
	bool found = false;
	for (uint64_t off = s.n - 22 + 1; off-- > lo;) {
		uint32_t sig;
		uint16_t clen;
		if (le32(s, off, &sig) && sig == EOCD_SIG && le16(s, off + 20, &clen) &&
		    off + 22 + clen == s.n) {
			z->eocd_off = off;
			found = true;
			break;
		}
	}
	if (!found)
		return err_set("offset %zu: no end of central directory record (truncated zip?)",
		               s.n);
	uint16_t disk = 0, cd_disk = 0, nthis = 0, ntotal = 0;
	uint32_t cdsz = 0, cdoff = 0;
	le16(s, z->eocd_off + 4, &disk);
	le16(s, z->eocd_off + 6, &cd_disk);
	le16(s, z->eocd_off + 8, &nthis);
	le16(s, z->eocd_off + 10, &ntotal);
	le32(s, z->eocd_off + 12, &cdsz);
	le32(s, z->eocd_off + 16, &cdoff);
	if (cdoff == 0xffffffffu || cdsz == 0xffffffffu || ntotal == 0xffff)
		return err_set("offset %llu: zip64 archive, not supported",
		               (unsigned long long)z->eocd_off);
	if (disk != 0 || cd_disk != 0 || nthis != ntotal)
		return err_set("offset %llu: multi-disk zip", (unsigned long long)z->eocd_off);
	if ((uint64_t)cdoff + cdsz > z->eocd_off)
		return err_set(
		    "offset %llu: central directory (%u bytes at %u) runs past its end record",
		    (unsigned long long)z->eocd_off, cdsz, cdoff);
	z->cd_off = cdoff;
	z->cd_size = cdsz;
	if ((uint64_t)ntotal * 46 > cdsz)
		return err_set("offset %llu: %u entries cannot fit a %u-byte central directory",
		               (unsigned long long)z->eocd_off, ntotal, cdsz);
	z->e = xcalloc(ntotal ? ntotal : 1, sizeof(*z->e));
	uint64_t p = cdoff, end = (uint64_t)cdoff + cdsz;
	for (unsigned i = 0; i < ntotal; i++) {
		uint32_t sig, crc = 0, csz = 0, usz = 0, lho = 0;
		uint16_t flags = 0, method = 0, nlen = 0, xlen = 0, clen = 0;
		if (!le32(s, p, &sig) || sig != CDH_SIG || p + 46 > end)
			return err_set("offset %llu: central directory entry %u: bad signature",
			               (unsigned long long)p, i);
		le16(s, p + 8, &flags);
		le16(s, p + 10, &method);
		le32(s, p + 16, &crc);
		le32(s, p + 20, &csz);
		le32(s, p + 24, &usz);
		le16(s, p + 28, &nlen);
		le16(s, p + 30, &xlen);
		le16(s, p + 32, &clen);
		le32(s, p + 42, &lho);
		if (p + 46 + nlen + xlen + clen > end)
			return err_set(
			    "offset %llu: central directory entry %u runs past the directory",
			    (unsigned long long)p, i);
		struct zip_entry *e = &z->e[z->n++];
		e->name = xstrndup((const char *)s.p + p + 46, nlen);
		if (strlen(e->name) != nlen) /* a NUL inside the name */
			problem(z, "offset %llu: entry name with a NUL byte",
			        (unsigned long long)p);
		e->flags = flags;
		e->method = method;
		e->crc = crc;
		e->csize = csz;
		e->usize = usz;
		e->lho = lho;
		uint32_t lsig;
		uint16_t lnlen, lxlen;
		if (!le32(s, lho, &lsig) || lsig != LFH_SIG ||
		    !le16(s, (uint64_t)lho + 26, &lnlen) || !le16(s, (uint64_t)lho + 28, &lxlen)) {
			e->bad = true;
			problem(z, "offset %u: local header of %s is missing", lho, e->name);
		} else {
			e->data_off = (uint64_t)lho + 30 + lnlen + lxlen;
			if (!span_has(cdoff, e->data_off, csz)) {
				e->bad = true;
				problem(z,
				        "offset %u: data of %s (%u bytes) runs past the central "
				        "directory",
				        lho, e->name, csz);
			}
		}
		if (usz > (1u << 20) && usz / (csz ? csz : 1) > MAX_RATIO)
			problem(
			    z, "offset %u: %s inflates %u bytes to %u (ratio over %u:1, zip bomb?)",
			    lho, e->name, csz, usz, MAX_RATIO);
		p += 46ull + nlen + xlen + clen;
	}
	/* overlapping members: sort by local header offset, compare neighbours */
	struct zip_entry **ord = xcalloc(z->n ? z->n : 1, sizeof(*ord));
	for (size_t i = 0; i < z->n; i++)
		ord[i] = &z->e[i];
	qsort(ord, z->n, sizeof(*ord), cmp_lho);
	for (size_t i = 0; i + 1 < z->n; i++) {
		if (ord[i]->bad)
			continue;
		if (ord[i]->data_off + ord[i]->csize > ord[i + 1]->lho) {
			problem(z, "offset %llu: zip entries %s and %s overlap",
			        (unsigned long long)ord[i + 1]->lho, ord[i]->name,
			        ord[i + 1]->name);
			ord[i + 1]->bad = true;
		}
	}
	free(ord);
	/* names looked up once per manifest section, layout, library: a binary search */
	z->byname = xcalloc(z->n ? z->n : 1, sizeof(*z->byname));
	for (size_t i = 0; i < z->n; i++)
		z->byname[i] = &z->e[i];
	qsort(z->byname, z->n, sizeof(*z->byname), cmp_name);
	return 0;
}

void zip_close(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->e[i].name);
	free(z->e);
	free(z->byname);
	memset(z, 0, sizeof(*z));
}

const struct zip_entry *zip_find(const struct zip *z, const char *name)
{
	if (!z->byname) { /* an archive zip_open refused */
		for (size_t i = 0; i < z->n; i++)
			if (strcmp(z->e[i].name, name) == 0)
				return &z->e[i];
		return NULL;
	}
	size_t lo = 0, hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(z->byname[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < z->n && strcmp(z->byname[lo]->name, name) == 0 ? z->byname[lo] : NULL;
}

int zip_read(const struct zip *z, const struct zip_entry *e, uint8_t **out, size_t *len, size_t max)
{
	*out = NULL;
	*len = 0;
	if (e->bad)
		return err_set("offset %llu: %s: member is outside the archive or overlaps another",
		               (unsigned long long)e->lho, e->name);
	if (e->flags & 1)
		return err_set("offset %llu: %s: encrypted member", (unsigned long long)e->lho,
		               e->name);
	if (e->usize > max)
		return err_set("offset %llu: %s: %llu bytes, over the %zu-byte limit",
		               (unsigned long long)e->lho, e->name, (unsigned long long)e->usize,
		               max);
	if (e->usize > (1u << 20) && e->csize && e->usize / e->csize > MAX_RATIO)
		return err_set("offset %llu: %s: compression ratio %llu:1 (zip bomb?)",
		               (unsigned long long)e->lho, e->name,
		               (unsigned long long)(e->usize / e->csize));
	const uint8_t *src = z->s.p + e->data_off;
	if (e->method == 0) {
		if (e->csize != e->usize)
			return err_set("offset %llu: %s: stored member with sizes %llu and %llu",
			               (unsigned long long)e->lho, e->name,
			               (unsigned long long)e->csize, (unsigned long long)e->usize);
		*out = xmalloc(e->csize + 1);
		memcpy(*out, src, e->csize);
		(*out)[e->csize] = 0;
		*len = e->csize;
		return 0;
	}
	if (e->method != 8)
		return err_set("offset %llu: %s: compression method %u not supported",
		               (unsigned long long)e->lho, e->name, e->method);
	/* grow the buffer as output arrives: a small member that lies about
	 * its size costs what it really inflates to, not what it claims */
	size_t cap = e->usize < (1u << 20) ? (size_t)e->usize : (1u << 20);
	uint8_t *buf = xmalloc(cap + 1);
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		free(buf);
		return err_set("%s: zlib init failed", e->name);
	}
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)e->csize;
	size_t got = 0;
	int rc;
	for (;;) {
		zs.next_out = buf + got;
		zs.avail_out = (uInt)(cap - got);
		rc = inflate(&zs, Z_FINISH);
		got = cap - zs.avail_out;
		if (rc != Z_BUF_ERROR || zs.avail_out != 0 || cap >= e->usize)
			break;
		cap = cap * 2 < e->usize ? cap * 2 : (size_t)e->usize;
		buf = xrealloc(buf, cap + 1);
	}
	inflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return err_set(
		    "offset %llu: %s: %s after %zu bytes", (unsigned long long)e->data_off, e->name,
		    rc == Z_BUF_ERROR && zs.avail_out == 0 ? "inflates past its declared size"
		                                           : "corrupt deflate data",
		    got);
	}
	buf[got] = 0;
	if (crc32(0, buf, (uInt)got) != e->crc) {
		free(buf);
		return err_set("offset %llu: %s: CRC mismatch", (unsigned long long)e->lho,
		               e->name);
	}
	*out = buf;
	*len = got;
	return 0;
}
