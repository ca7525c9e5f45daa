/*
 * The zip layer of APKs and IPAs: the central directory read and bounded
 * by hand (the APK Signing Block is located from it, and v2/v3 digests
 * are computed over its exact bytes), members inflated with zlib. Every
 * member's extent is checked against the file and against the others
 * (overlapping entries are how zip bombs and some APK tricks work), and
 * inflation stops at the declared size and at APP_MAX_MEMBER.
 */
#ifndef ASSAY_PROBES_APP_ZIP_H
#define ASSAY_PROBES_APP_ZIP_H

#include "probes/app/bytes.h"

struct zip_entry {
	char *name;
	uint16_t method, flags;
	uint32_t crc;
	uint64_t csize, usize;
	uint64_t lho;      /* local header offset */
	uint64_t data_off; /* where the member's data starts (from its local header) */
	bool bad;          /* its local header or data is outside the file */
};

struct zip {
	struct span s;
	struct zip_entry *e;
	size_t n;
	uint64_t eocd_off, cd_off, cd_size;
	struct zip_entry **byname; /* the entries by name (then directory order), for zip_find */
	char problem[200];         /* first structural problem met (overlap, bad local header) */
};

/* 0, or -1 with err_set("offset N: ..."). */
int zip_open(struct zip *z, struct span s);
void zip_close(struct zip *z);
const struct zip_entry *zip_find(const struct zip *z, const char *name);
/*
 * Inflate (or copy) one member into a new buffer the caller frees, at most
 * max bytes. 0, or -1 with err_set() naming the member and offset.
 */
int zip_read(const struct zip *z, const struct zip_entry *e, uint8_t **out, size_t *len,
             size_t max);

#endif
