/*
 * Internals of the pan probe (not the scanner: that is scan.h): one run's
 * shared state, the workers that scan files, and the pieces in their own
 * files: walk.c (the file tree), file.c (one file, raw or archive),
 * archive.c (libarchive, nesting, bombs), xml.c (OOXML text).
 */
#ifndef ASSAY_PROBES_PAN_PAN_INT_H
#define ASSAY_PROBES_PAN_PAN_INT_H

#include "harness/facts.h"
#include "probes/pan/scan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Archive limits (a zip bomb must cost a bounded time and no memory). */
#define PAN_ARCHIVE_DEPTH    4              /* archives inside archives */
#define PAN_ARCHIVE_RATIO    200.0          /* expanded / on-disk size ... */
#define PAN_ARCHIVE_FLOOR    (64ull << 20)  /* ... once past this many bytes */
#define PAN_ARCHIVE_MAX      (4ull << 30)   /* expanded bytes of one file, at most */
#define PAN_XZ_MEMLIMIT      (256ull << 20) /* an xz decoder's memory, per thread */
#define PAN_FINDINGS_MAX     5000           /* findings kept; the counts go on */
#define PAN_LIST_MAX         1000           /* paths in pan.files_with_pan */
#define PAN_PII_FINDINGS_MAX 200            /* ID and mobile findings kept (files.pii) */
#define PAN_MESSAGES_MAX     200            /* error and skip messages kept */
#define PAN_HEAD             (64u << 10)    /* first bytes read to tell a file's type */

struct pan_queue;
struct pan_worker;

/* Counters of a run (all uint64_t: pan_worker_done adds them as an array). */
struct pan_counts {
	uint64_t files, bytes, exposed, track, cvv, pin, masked_ok, masked_wide, unionpay, low,
	    errors, skipped, archives, test_ignored, keys, keys_encrypted, keys_unparsed, symmetric,
	    secrets, mail_pan, past_retention, unkeyed_hashes, trunc_hash_locs, trunc_unchecked,
	    pii_id, pii_mobile, pii_masked_ok, pii_masked_wide;
};

/* hashes.c: truncations and hex digests of one location (UPD-07). */
#define PAN_TRUNC_LOC   4    /* distinct truncations checked per location */
#define PAN_DIGESTS_LOC 1024 /* hex digests kept per location */
#define PAN_TRUNC_RUN   64   /* truncations checked per run */

struct pan_trunc {
	char lead[6], trail[4];
	unsigned len;
	uint64_t line;
	char masked[PAN_MASKED_MAX];
};

struct pan_digest {
	uint8_t len; /* 20 or 32 */
	uint8_t b[32];
	uint64_t line;
};

struct pan_loc_hashes {
	struct pan_trunc t[PAN_TRUNC_LOC];
	unsigned nt;
	struct pan_digest *d; /* PAN_DIGESTS_LOC, allocated when needed */
	size_t nd;
	uint64_t unchecked;
};

/* A sorted list of locations for a fact (at most PAN_LIST_MAX). */
struct pan_paths {
	char **v;
	size_t n, cap;
};

struct pan_found {
	struct finding f;   /* strings owned */
	char *sortkey_file; /* borrowed from f.loc.file */
};

struct pan_run {
	struct pan_config cfg;
	uint8_t key[32];
	struct facts *out;
	double deadline_ms; /* monotonic */
	double budget_s;
	atomic_bool stop;       /* the deadline passed: every loop ends */
	atomic_bool full;       /* PAN_FINDINGS_MAX findings kept: hits need no excerpt */
	uint64_t max_file_size; /* 0: no limit */
	char **excludes;
	size_t nexcludes, capexcludes;
	int threads;
	bool progress;
	struct pan_queue *queue;
	struct pan_worker *inline_worker; /* when no thread could be started */

	pthread_mutex_t lock; /* everything below */
	struct pan_counts c;
	struct pan_found *found;
	size_t nfound, capfound;
	uint64_t dropped;
	char **with_pan; /* paths with card data, sorted at the end */
	size_t nwith, capwith;
	struct pan_paths with_unionpay, with_keys, with_secrets;
	/* retention (files.retention-days): file ages are taken against now */
	int64_t now;
	bool pii;                       /* files.pii: ID and mobile numbers too */
	bool app_data;                  /* files.scope = app-data */
	_Atomic uint64_t pii_found;     /* their findings so far */
	int64_t retention_days;         /* -1: not set */
	int64_t oldest_days;            /* of files with card data, -1: none */
	_Atomic uint64_t trunc_checked; /* truncations checked against digests (hashes.c) */
	uint64_t *digests;              /* distinct card numbers (first 8 bytes of the HMAC) */
	size_t ndig, capdig;
	char **skips;
	size_t nskips, capskips;
	size_t nmessages; /* errors reported through facts_error */
	/* for the progress line, read without the lock */
	_Atomic uint64_t progress_bytes, progress_files, progress_hits;
};

/* One thread's scanner and what it is scanning now. */
struct pan_worker {
	struct pan_run *run;
	struct pan_stream *s;
	uint8_t *head;   /* PAN_HEAD bytes */
	const char *loc; /* the location findings get: "a.log" or "a.zip!x/y.txt" */
	bool loc_has_pan;
	bool loc_has_card; /* card data of any kind, masked numbers included (retention) */
	bool loc_unionpay, loc_keys, loc_secrets;
	bool mail; /* the top-level file is a mail message or mailbox */
	struct pan_loc_hashes hashes;
	int64_t mtime; /* of the top-level file */
	struct pan_counts c;
	uint64_t expanded; /* bytes out of archives for the current top-level file */
	uint64_t disk_size;
	bool bomb;
	uint64_t holes; /* bytes of the current stream skipped as holes */
};

/* pan.c */
bool pan_deadline(struct pan_run *r);
/* An error (the scan cannot say what is there) or a skip, counted and kept. */
void pan_error(struct pan_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pan_skip(struct pan_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pan_worker_init(struct pan_worker *w, struct pan_run *r);
void pan_worker_done(struct pan_worker *w);
/* Scan one stream under location loc: start, feed with pan_stream_*, end. */
void pan_loc_begin(struct pan_worker *w, const char *loc, enum pan_encoding enc);
void pan_loc_end(struct pan_worker *w);

/* pan.c: a finding of the run (any kind), under r->lock; message is taken. */
void pan_found_add(struct pan_run *r, const char *kind, const char *severity, char *message,
                   const char *excerpt, const char *loc, int64_t line, int64_t column,
                   int64_t offset);

/* hashes.c: collect a location's 6+4 truncations and hex digests, then
 * match them (at the location's end), then forget them. */
void pan_hashes_trunc(struct pan_worker *w, const struct pan_hit *h);
void pan_hashes_digest(struct pan_worker *w, const struct pan_secret *s);
void pan_hashes_check(struct pan_worker *w);
void pan_hashes_reset(struct pan_worker *w);
void pan_hashes_free(struct pan_worker *w);

/* walk.c: whether files.exclude matches a path's last component (after '/'
 * or an archive's '!') or the whole path. */
bool pan_excluded(const struct pan_run *r, const char *path);
/* walk.c: every input; each regular file to scan goes to queue(), which owns path. */
int pan_walk_inputs(struct pan_run *r, const char *const *inputs, size_t n,
                    void (*queue)(struct pan_run *r, char *path, uint64_t size));

/* file.c: whether the first bytes are a mail message (RFC 5322 header
 * fields) or an mbox ("From " line). */
bool pan_looks_mail(const uint8_t *p, size_t n);
/* file.c: one regular file (already open); display is its path. */
void pan_file(struct pan_worker *w, int fd, const char *display, uint64_t size);
/* Which archive or compressed format the first bytes show; NULL for none. */
const char *pan_archive_magic(const uint8_t *p, size_t n);

/* archive.c: an archive or compressed file, open as fd. */
void pan_archive_file(struct pan_worker *w, int fd, const char *display);

/* xml.c: the text of an XML part, fed to the worker's stream. */
struct pan_xml {
	int state;
	char name[16];
	size_t nname;
	bool closing;
	char ent[12];
	size_t nent;
};
void pan_xml_init(struct pan_xml *x);
void pan_xml_feed(struct pan_xml *x, struct pan_stream *s, const uint8_t *p, size_t n);
/* Whether an archive member is an office XML part to read as text. */
bool pan_xml_member(const char *name);

#endif
