/*
 * The pan probe: card data at rest. Plan key `files` (one or more paths,
 * files or directories), options `files.exclude` (a glob; may repeat),
 * `files.max-file-size`, `files.threads`, `files.ignore-test-cards`; the
 * fact table and the finding kinds are in probes/pan/README.md, the
 * contract with the rule sets.
 *
 * The calling thread walks the inputs (walk.c) and queues regular files;
 * `threads` workers take them, each with its own scanner stream, and scan
 * them (file.c, archive.c). Findings, counts and messages meet here under
 * one lock; at the end they are sorted (runs are reproducible whatever
 * the thread timing) and written to the fact store.
 *
 * The deadline (o->timeout_s) is checked by the walker per entry and by
 * the workers per block read: when it passes, everything stops, the facts
 * gathered so far are written, `pan.complete` is false and the run errs
 * with "scan cut short".
 *
 * Card data: hits come from the scanner masked (6 + 4) with masked
 * excerpts; the only thing that ties two findings to one card is the
 * HMAC-SHA256 under a key drawn from the OS for this run and then
 * forgotten, shown as 16 letters a-p (no digits, so no id can look like
 * part of a card number).
 */
#include "probes/pan/pan_int.h"
#include "probes/pan/pii.h"
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAN_DEFAULT_TIMEOUT_S 120.0
#define PAN_THREADS_MAX       64
#define QUEUE_CAP             512

/* --- the run's shared state --- */

bool pan_deadline(struct pan_run *r)
{
	if (atomic_load_explicit(&r->stop, memory_order_relaxed))
		return true;
	if (time_mono_ms() < r->deadline_ms)
		return false;
	atomic_store(&r->stop, true);
	return true;
}

static void message(struct pan_run *r, bool error, const char *fmt, va_list ap)
{
	char *m = xvasprintf(fmt, ap);
	pthread_mutex_lock(&r->lock);
	if (error) {
		r->c.errors++;
		if (r->nmessages++ < PAN_MESSAGES_MAX)
			facts_error(r->out, "%s", m);
		free(m);
	} else {
		r->c.skipped++;
		if (r->nskips < PAN_MESSAGES_MAX)
			*ARRAY_PUSH(r->skips, r->nskips, r->capskips) = m;
		else
			free(m);
	}
	pthread_mutex_unlock(&r->lock);
}

void pan_error(struct pan_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(r, true, fmt, ap);
	va_end(ap);
}

void pan_skip(struct pan_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	message(r, false, fmt, ap);
	va_end(ap);
}

/* Distinct card numbers: a set of the first 8 bytes of their HMACs. */
static void digest_add(struct pan_run *r, const uint8_t *d)
{
	uint64_t v;
	memcpy(&v, d, sizeof(v));
	v |= 1; /* 0 marks an empty slot */
	if ((r->ndig + 1) * 2 > r->capdig) {
		if (r->capdig >= (1u << 22))
			return; /* 32 MiB of ids: the count is a lower bound from here */
		size_t cap = r->capdig ? r->capdig * 2 : 1024;
		uint64_t *nv = xcalloc(cap, sizeof(*nv));
		for (size_t i = 0; i < r->capdig; i++)
			if (r->digests[i])
				for (size_t h = (size_t)(r->digests[i] >> 7) & (cap - 1);;
				     h = (h + 1) & (cap - 1))
					if (!nv[h]) {
						nv[h] = r->digests[i];
						break;
					}
		free(r->digests);
		r->digests = nv;
		r->capdig = cap;
	}
	for (size_t h = (size_t)(v >> 7) & (r->capdig - 1);; h = (h + 1) & (r->capdig - 1)) {
		if (r->digests[h] == v)
			return;
		if (!r->digests[h]) {
			r->digests[h] = v;
			r->ndig++;
			return;
		}
	}
}

/* --- hits --- */

static void id_of(char out[17], const uint8_t *d)
{
	for (int i = 0; i < 8; i++) {
		out[2 * i] = (char)('a' + (d[i] >> 4));
		out[2 * i + 1] = (char)('a' + (d[i] & 15));
	}
	out[16] = '\0';
}

static char *message_of(const struct pan_hit *h)
{
	char id[17] = "";
	if (h->has_digest)
		id_of(id, h->digest);
	const char *brand = pan_brand_name(h->brand);
	switch (h->kind) {
	case PAN_KIND_PAN:
		return xasprintf("%s card number %s, %s confidence%s%s", brand, h->masked,
		                 pan_conf_name(h->conf), *id ? ", id " : "", id);
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
		return xasprintf("track %d data with %s card number %s%s%s",
		                 h->kind == PAN_KIND_TRACK1 ? 1 : 2, brand, h->masked,
		                 *id ? ", id " : "", id);
	case PAN_KIND_CVV:
		return xstrdup("card verification value (labelled) next to card data");
	case PAN_KIND_PIN_BLOCK:
		return xstrdup("PIN block (labelled 16 hex digits)");
	case PAN_KIND_MASKED_WIDE:
		return xasprintf("masked card number %s shows more than the first 6 and last 4 "
		                 "digits",
		                 h->masked);
	case PAN_KIND_MASKED_OK:
		break;
	}
	return xstrdup("card data");
}

static void paths_add(struct pan_paths *p, const char *loc)
{
	if (p->n < PAN_LIST_MAX)
		*ARRAY_PUSH(p->v, p->n, p->cap) = xstrdup(loc);
}

static void paths_free(struct pan_paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static int cmp_str(const void *a, const void *b);

static void paths_fact(struct facts *out, const char *key, struct pan_paths *p)
{
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(char *), cmp_str);
	facts_add_list(out, key, (const char *const *)p->v, p->n);
}

/* Whether one more finding is kept; if not it is counted as dropped, and hits
 * need no excerpt from here on. Under r->lock. */
static bool found_room(struct pan_run *r)
{
	if (r->nfound < PAN_FINDINGS_MAX)
		return true;
	r->dropped++;
	atomic_store(&r->full, true);
	return false;
}

void pan_found_add(struct pan_run *r, const char *kind, const char *severity, char *message,
                   const char *excerpt, const char *loc, int64_t line, int64_t column,
                   int64_t offset)
{
	if (!found_room(r)) {
		free(message);
		return;
	}
	struct pan_found *x = ARRAY_PUSH(r->found, r->nfound, r->capfound);
	memset(x, 0, sizeof(*x));
	finding_loc_init(&x->f.loc);
	x->f.kind = xstrdup(kind);
	x->f.severity = xstrdup(severity);
	x->f.message = message;
	x->f.excerpt = excerpt ? xstrdup(excerpt) : NULL;
	x->f.loc.file = xstrdup(loc);
	x->f.loc.line = line;
	x->f.loc.column = column;
	x->f.loc.offset = offset;
}

/*
 * Keys and secrets: what kind, the key type and size or the name and the
 * value's length; never the key or the value (the scanner has neither).
 */
static char *secret_message(const struct pan_secret *s)
{
	char bits[32] = "";
	if (s->bits)
		snprintf(bits, sizeof(bits), ", %u bits", s->bits);
	switch (s->kind) {
	case PAN_SECRET_PRIVATE_KEY:
		return xasprintf("unencrypted private key: %s%s", s->what, bits);
	case PAN_SECRET_KEY_ENCRYPTED:
		return xasprintf("encrypted private key: %s%s", s->what, bits);
	case PAN_SECRET_KEY_UNPARSED:
		return xasprintf("PEM block (%s) does not parse as a private key", s->what);
	case PAN_SECRET_SYMMETRIC_KEY:
		return xasprintf("clear symmetric key assigned to '%s': %u hex digits, %s", s->name,
		                 s->value_len, s->what);
	case PAN_SECRET_PASSWORD:
		return xasprintf("hard-coded password or secret assigned to '%s' (%u characters)",
		                 s->name, s->value_len);
	case PAN_SECRET_API_KEY:
		return xasprintf("hard-coded api key assigned to '%s' (%u characters)", s->name,
		                 s->value_len);
	case PAN_SECRET_ACCESS_KEY_ID:
		return xasprintf("AWS access key id %s... (%u characters)", s->what, s->value_len);
	case PAN_SECRET_JDBC:
		return xasprintf("JDBC URL with a password in it (%u characters)", s->value_len);
	case PAN_SECRET_HEX_DIGEST:
		break;
	}
	return xstrdup("secret");
}

static void on_secret(void *ctx, const struct pan_secret *s)
{
	struct pan_worker *w = ctx;
	struct pan_run *r = w->run;
	const char *sev = "high";
	switch (s->kind) {
	case PAN_SECRET_HEX_DIGEST:
		pan_hashes_digest(w, s); /* not a finding: matched at the end (UPD-07) */
		return;
	case PAN_SECRET_PRIVATE_KEY:
		w->c.keys++;
		w->loc_keys = true;
		break;
	case PAN_SECRET_SYMMETRIC_KEY:
		w->c.symmetric++;
		w->loc_keys = true;
		break;
	case PAN_SECRET_KEY_ENCRYPTED:
		w->c.keys_encrypted++;
		sev = "info";
		break;
	case PAN_SECRET_KEY_UNPARSED:
		w->c.keys_unparsed++;
		sev = "low";
		break;
	case PAN_SECRET_PASSWORD:
	case PAN_SECRET_API_KEY:
	case PAN_SECRET_ACCESS_KEY_ID:
	case PAN_SECRET_JDBC:
		w->c.secrets++;
		w->loc_secrets = true;
		break;
	}
	char *msg = secret_message(s);
	pthread_mutex_lock(&r->lock);
	pan_found_add(r, pan_secret_kind_name(s->kind), sev, msg, NULL, w->loc, (int64_t)s->line,
	              s->column ? (int64_t)s->column : -1, (int64_t)s->offset);
	pthread_mutex_unlock(&r->lock);
}

static void on_hit(void *ctx, const struct pan_hit *h)
{
	struct pan_worker *w = ctx;
	struct pan_run *r = w->run;
	bool full =
	    h->kind == PAN_KIND_PAN || h->kind == PAN_KIND_TRACK1 || h->kind == PAN_KIND_TRACK2;
	switch (h->kind) {
	case PAN_KIND_PAN:
		if (h->conf == PAN_CONF_LOW)
			w->c.low++;
		break;
	case PAN_KIND_TRACK1:
	case PAN_KIND_TRACK2:
		w->c.track++;
		break;
	case PAN_KIND_CVV:
		w->c.cvv++;
		break;
	case PAN_KIND_PIN_BLOCK:
		w->c.pin++;
		break;
	case PAN_KIND_MASKED_OK:
		w->c.masked_ok++;
		w->loc_has_card = true;
		pan_hashes_trunc(w, h);
		return;
	case PAN_KIND_MASKED_WIDE:
		w->c.masked_wide++;
		break;
	}
	bool exposed = full && h->conf != PAN_CONF_LOW;
	if (exposed) {
		w->c.exposed++;
		if (h->brand == PAN_BRAND_UNIONPAY) {
			w->c.unionpay++;
			w->loc_unionpay = true;
		}
	}
	if (exposed || h->kind == PAN_KIND_CVV || h->kind == PAN_KIND_PIN_BLOCK)
		w->loc_has_pan = true;
	if (exposed || h->kind != PAN_KIND_PAN)
		w->loc_has_card = true;
	atomic_fetch_add(&r->progress_hits, 1);

	pthread_mutex_lock(&r->lock);
	if (h->has_digest && exposed)
		digest_add(r, h->digest);
	bool room = found_room(r); /* when full: counted, no message made */
	pthread_mutex_unlock(&r->lock);
	if (!room)
		return;
	/* JR/T 0171-2020 chapter 4: the class of what was found (PFI-01) */
	char *base = message_of(h);
	char *msg = xasprintf("%s; JR/T 0171 class %s", base, pan_hit_class(h));
	free(base);
	pthread_mutex_lock(&r->lock);
	pan_found_add(r, pan_kind_name(h->kind), pan_hit_severity(h), msg, h->excerpt, w->loc,
	              (int64_t)h->line, h->column ? (int64_t)h->column : -1, (int64_t)h->offset);
	pthread_mutex_unlock(&r->lock);
}

/* Resident ID and mobile numbers (pii.h; PFI-05, JR/T 0171 class C2). */
static void on_pii(void *ctx, const struct pii_hit *h)
{
	struct pan_worker *w = ctx;
	struct pan_run *r = w->run;
	switch (h->kind) {
	case PII_MASKED_OK:
		w->c.pii_masked_ok++;
		return;
	case PII_MASKED_WIDE:
		w->c.pii_masked_wide++;
		break;
	case PII_ID:
		w->c.pii_id++;
		break;
	case PII_MOBILE:
		w->c.pii_mobile++;
		break;
	}
	/* a log full of phone numbers must not crowd card findings out */
	if (atomic_fetch_add(&r->pii_found, 1) >= PAN_PII_FINDINGS_MAX)
		return;
	char kind[32];
	snprintf(kind, sizeof(kind), "pii-%s", pii_finding_kind(h));
	char *what = pii_describe(h);
	char *msg = xasprintf("%s; JR/T 0171 class C2", what);
	free(what);
	pthread_mutex_lock(&r->lock);
	pan_found_add(r, kind, "medium", msg, NULL, w->loc, -1, -1, (int64_t)h->offset);
	pthread_mutex_unlock(&r->lock);
}

void pan_loc_begin(struct pan_worker *w, const char *loc, enum pan_encoding enc)
{
	pan_stream_reset(w->s, enc);
	w->loc = loc;
	w->loc_has_pan = w->loc_has_card = false;
	w->loc_unionpay = w->loc_keys = w->loc_secrets = false;
	w->holes = 0;
}

/* A location with card data: its age against the retention period (UPD-27). */
static void loc_age(struct pan_worker *w)
{
	struct pan_run *r = w->run;
	int64_t days = r->now > w->mtime ? (r->now - w->mtime) / 86400 : 0;
	if (r->oldest_days < 0 || days > r->oldest_days)
		r->oldest_days = days;
	if (r->retention_days < 0 || days <= r->retention_days)
		return;
	w->c.past_retention++;
	pan_found_add(
	    r, "past-retention", "medium",
	    xasprintf("card data in a file last modified %lld days ago, past the %lld-day "
	              "retention period",
	              (long long)days, (long long)r->retention_days),
	    NULL, w->loc, -1, -1, 0);
}

void pan_loc_end(struct pan_worker *w)
{
	pan_stream_finish(w->s);
	struct pan_stream_stats st;
	pan_stream_stats(w->s, &st);
	w->c.bytes += st.bytes - w->holes;
	w->c.test_ignored += st.test_ignored;
	pan_hashes_check(w); /* before the lock: it takes it for each finding */
	pan_hashes_reset(w);
	if (w->loc_has_pan && w->mail)
		w->c.mail_pan++;
	if (w->loc_has_pan || w->loc_has_card || w->loc_unionpay || w->loc_keys || w->loc_secrets) {
		struct pan_run *r = w->run;
		pthread_mutex_lock(&r->lock);
		if (w->loc_has_pan && r->nwith < PAN_LIST_MAX)
			*ARRAY_PUSH(r->with_pan, r->nwith, r->capwith) = xstrdup(w->loc);
		if (w->loc_unionpay)
			paths_add(&r->with_unionpay, w->loc);
		if (w->loc_keys)
			paths_add(&r->with_keys, w->loc);
		if (w->loc_secrets)
			paths_add(&r->with_secrets, w->loc);
		if (w->loc_has_card)
			loc_age(w);
		pthread_mutex_unlock(&r->lock);
	}
	w->loc = NULL;
}

void pan_worker_init(struct pan_worker *w, struct pan_run *r)
{
	memset(w, 0, sizeof(*w));
	w->run = r;
	w->s = pan_stream_new(&r->cfg, on_hit, w);
	pan_stream_secrets(w->s, on_secret);
	if (r->pii)
		pan_stream_pii(w->s, on_pii);
	w->head = xmalloc(PAN_HEAD);
}

void pan_worker_done(struct pan_worker *w)
{
	struct pan_run *r = w->run;
	pthread_mutex_lock(&r->lock);
	uint64_t *dst = &r->c.files, *src = &w->c.files;
	for (size_t i = 0; i < sizeof(w->c) / sizeof(uint64_t); i++)
		dst[i] += src[i];
	pthread_mutex_unlock(&r->lock);
	pan_stream_free(w->s);
	pan_hashes_free(w);
	free(w->head);
}

/* --- the queue between the walker and the workers --- */

struct job {
	char *path;
	uint64_t size;
};

struct pan_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct job v[QUEUE_CAP];
	size_t head, n;
	bool closed;
	uint64_t unscanned; /* found but not scanned: the deadline passed */
};

static void queue_push(struct pan_run *r, char *path, uint64_t size)
{
	struct pan_queue *q = r->queue;
	pthread_mutex_lock(&q->lock);
	while (q->n == QUEUE_CAP && !pan_deadline(r))
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->n == QUEUE_CAP) {
		q->unscanned++;
		free(path);
	} else {
		q->v[(q->head + q->n++) % QUEUE_CAP] = (struct job){path, size};
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->lock);
}

static bool queue_pop(struct pan_queue *q, struct job *j)
{
	pthread_mutex_lock(&q->lock);
	while (q->n == 0 && !q->closed)
		pthread_cond_wait(&q->not_empty, &q->lock);
	bool ok = q->n > 0;
	if (ok) {
		*j = q->v[q->head];
		q->head = (q->head + 1) % QUEUE_CAP;
		q->n--;
		pthread_cond_broadcast(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

static void queue_close(struct pan_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static void scan_path(struct pan_worker *w, const struct job *j)
{
	struct pan_run *r = w->run;
	int fd = open(j->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = open(j->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		pan_error(r, "%s: cannot open: %s", j->path, strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		pan_error(r, "%s: %s", j->path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		pan_skip(r, "%s: no longer a regular file, not read", j->path);
	} else {
		w->mtime = (int64_t)st.st_mtime;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		pan_file(w, fd, j->path, (uint64_t)st.st_size);
	}
	close(fd);
}

/* Without worker threads (none could be started), files are scanned as found. */
static void scan_inline(struct pan_run *r, char *path, uint64_t size)
{
	struct job j = {path, size};
	if (!pan_deadline(r))
		scan_path(r->inline_worker, &j);
	free(path);
}

static void *worker_main(void *arg)
{
	struct pan_run *r = arg;
	struct pan_worker w;
	pan_worker_init(&w, r);
	struct job j;
	while (queue_pop(r->queue, &j)) {
		if (pan_deadline(r)) {
			pthread_mutex_lock(&r->queue->lock);
			r->queue->unscanned++;
			pthread_mutex_unlock(&r->queue->lock);
		} else {
			scan_path(&w, &j);
		}
		free(j.path);
	}
	pan_worker_done(&w);
	return NULL;
}

/* --- the progress line (a TTY only) --- */

struct progress {
	struct pan_run *r;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	bool done;
	double t0;
};

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->done) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->done_cv, &p->lock, &ts);
		if (p->done)
			break;
		double s = (time_mono_ms() - p->t0) / 1000.0;
		uint64_t b = atomic_load(&p->r->progress_bytes);
		fprintf(stderr, "\r\033[Kpan: %llu files, %.1f MB, %.0f MB/s, %llu hits",
		        (unsigned long long)atomic_load(&p->r->progress_files), (double)b / 1e6,
		        s > 0 ? (double)b / 1e6 / s : 0.0,
		        (unsigned long long)atomic_load(&p->r->progress_hits));
		fflush(stderr);
	}
	pthread_mutex_unlock(&p->lock);
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	return NULL;
}

/* --- options --- */

/* "1048576", "64k", "100M", "2G" (powers of 1024); 0 and *v, or -1. */
static int parse_size(uint64_t *v, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if ((*end == 'b' || *end == 'B') && shift)
		end++;
	if (*end || (shift && n > (UINT64_MAX >> shift)))
		return -1;
	*v = (uint64_t)n << shift;
	return 0;
}

static int parse_bool(bool *v, const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "on"))
		*v = true;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "off"))
		*v = false;
	else
		return -1;
	return 0;
}

static int read_options(struct pan_run *r, const struct target *t)
{
	const char *v;
	if ((v = target_option(t, "files.max-file-size")) && parse_size(&r->max_file_size, v) < 0)
		return err_set(
		    "files.max-file-size: '%s' is not a size (a number, or with k, M, G)", v);
	if ((v = target_option(t, "files.threads"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 1 || n > PAN_THREADS_MAX)
			return err_set("files.threads: '%s' is not a number from 1 to %d", v,
			               PAN_THREADS_MAX);
		r->threads = (int)n;
	}
	if ((v = target_option(t, "files.ignore-test-cards")) &&
	    parse_bool(&r->cfg.ignore_test_cards, v) < 0)
		return err_set("files.ignore-test-cards: '%s' is not true or false", v);
	if ((v = target_option(t, "files.scope"))) {
		if (strcmp(v, "files") != 0 && strcmp(v, "app-data") != 0)
			return err_set("files.scope: '%s' is not files or app-data", v);
		r->app_data = strcmp(v, "app-data") == 0;
	}
	if ((v = target_option(t, "files.pii")) && parse_bool(&r->pii, v) < 0)
		return err_set("files.pii: '%s' is not true or false", v);
	if ((v = target_option(t, "files.retention-days"))) {
		char *end;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (errno || *end || end == v || n < 0 || n > 36500)
			return err_set("files.retention-days: '%s' is not a number of days from 0 "
			               "to 36500",
			               v);
		r->retention_days = n;
	}
	for (size_t i = 0; i < t->noptions; i++)
		if (strcmp(t->options[i].name, "files.exclude") == 0 && t->options[i].value &&
		    *t->options[i].value)
			*ARRAY_PUSH(r->excludes, r->nexcludes, r->capexcludes) =
			    xstrdup(t->options[i].value);
	return 0;
}

/* --- the run --- */

static int cmp_found(const void *pa, const void *pb)
{
	const struct finding *a = &((const struct pan_found *)pa)->f;
	const struct finding *b = &((const struct pan_found *)pb)->f;
	int c = strcmp(a->loc.file, b->loc.file);
	if (c)
		return c;
	if (a->loc.offset != b->loc.offset)
		return a->loc.offset < b->loc.offset ? -1 : 1;
	return strcmp(a->kind, b->kind);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_facts(struct pan_run *r)
{
	struct facts *out = r->out;
	const struct pan_counts *c = &r->c;
	facts_add_string(out, "pan.scope", r->app_data ? "app-data" : "files");
	facts_add_int(out, "pan.files_scanned", (int64_t)c->files);
	facts_add_int(out, "pan.bytes_scanned", (int64_t)c->bytes);
	facts_add_int(out, "pan.exposed", (int64_t)c->exposed);
	facts_add_int(out, "pan.distinct", (int64_t)r->ndig);
	facts_add_int(out, "pan.track_data", (int64_t)c->track);
	facts_add_int(out, "pan.cvv", (int64_t)c->cvv);
	facts_add_int(out, "pan.pin_block", (int64_t)c->pin);
	facts_add_int(out, "pan.masked_ok", (int64_t)c->masked_ok);
	facts_add_int(out, "pan.masked_too_wide", (int64_t)c->masked_wide);
	facts_add_int(out, "pan.unionpay", (int64_t)c->unionpay);
	facts_add_int(out, "pan.low_confidence", (int64_t)c->low);
	facts_add_int(out, "pan.archives", (int64_t)c->archives);
	facts_add_int(out, "pan.test_cards_ignored", (int64_t)c->test_ignored);
	facts_add_int(out, "pan.errors", (int64_t)c->errors);
	facts_add_int(out, "pan.skipped", (int64_t)c->skipped);
	facts_add_int(out, "pan.findings_dropped", (int64_t)r->dropped);
	facts_add_int(out, "pan.class_c3", (int64_t)(c->track + c->cvv + c->pin));
	facts_add_int(out, "pan.class_c2", (int64_t)(c->exposed + c->masked_wide));
	if (r->pii) {
		facts_add_int(out, "pan.pii.id_numbers", (int64_t)c->pii_id);
		facts_add_int(out, "pan.pii.mobile_numbers", (int64_t)c->pii_mobile);
		facts_add_int(out, "pan.pii.masked_ok", (int64_t)c->pii_masked_ok);
		facts_add_int(out, "pan.pii.masked_too_wide", (int64_t)c->pii_masked_wide);
	}
	facts_add_int(out, "pan.private_keys", (int64_t)c->keys);
	facts_add_int(out, "pan.private_keys_encrypted", (int64_t)c->keys_encrypted);
	facts_add_int(out, "pan.private_keys_unparsed", (int64_t)c->keys_unparsed);
	facts_add_int(out, "pan.symmetric_keys", (int64_t)c->symmetric);
	facts_add_int(out, "pan.hardcoded_secrets", (int64_t)c->secrets);
	facts_add_int(out, "pan.mail_files_with_pan", (int64_t)c->mail_pan);
	facts_add_int(out, "pan.unkeyed_pan_hashes", (int64_t)c->unkeyed_hashes);
	facts_add_int(out, "pan.truncations_with_hashes", (int64_t)c->trunc_hash_locs);
	facts_add_int(out, "pan.truncations_unchecked", (int64_t)c->trunc_unchecked);
	paths_fact(out, "pan.files_with_unionpay", &r->with_unionpay);
	paths_fact(out, "pan.files_with_keys", &r->with_keys);
	paths_fact(out, "pan.files_with_secrets", &r->with_secrets);
	if (r->oldest_days >= 0)
		facts_add_int(out, "pan.card_data_oldest_days", r->oldest_days);
	if (r->retention_days >= 0) {
		facts_add_int(out, "pan.retention_days", r->retention_days);
		facts_add_int(out, "pan.files_past_retention", (int64_t)c->past_retention);
	}
	if (r->nwith > 1)
		qsort(r->with_pan, r->nwith, sizeof(char *), cmp_str);
	facts_add_list(out, "pan.files_with_pan", (const char *const *)r->with_pan, r->nwith);
	facts_add_list(out, "pan.skipped_paths", (const char *const *)r->skips, r->nskips);
	facts_add_bool(out, "pan.complete", !atomic_load(&r->stop) && c->errors == 0);

	if (r->nfound > 1)
		qsort(r->found, r->nfound, sizeof(r->found[0]), cmp_found);
	for (size_t i = 0; i < r->nfound; i++)
		facts_add_finding(out, &r->found[i].f);
	if (r->nmessages > PAN_MESSAGES_MAX)
		facts_error(out, "%zu more errors not shown (pan.errors counts them all)",
		            r->nmessages - PAN_MESSAGES_MAX);
}

static void run_free(struct pan_run *r)
{
	for (size_t i = 0; i < r->nfound; i++)
		finding_free(&r->found[i].f);
	free(r->found);
	for (size_t i = 0; i < r->nwith; i++)
		free(r->with_pan[i]);
	free(r->with_pan);
	paths_free(&r->with_unionpay);
	paths_free(&r->with_keys);
	paths_free(&r->with_secrets);
	for (size_t i = 0; i < r->nskips; i++)
		free(r->skips[i]);
	free(r->skips);
	for (size_t i = 0; i < r->nexcludes; i++)
		free(r->excludes[i]);
	free(r->excludes);
	free(r->digests);
	OPENSSL_cleanse(r->key, sizeof(r->key));
	pthread_mutex_destroy(&r->lock);
}

static int pan_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	double t0 = time_mono_ms();
	struct pan_run r;
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.lock, NULL);
	r.out = out;
	r.retention_days = -1;
	r.oldest_days = -1;
	r.now = (int64_t)time(NULL);
	r.budget_s =
	    o && isfinite(o->timeout_s) && o->timeout_s > 0 ? o->timeout_s : PAN_DEFAULT_TIMEOUT_S;
	/* stop a little before the deadline: the facts must still be written */
	double margin = r.budget_s * 1000.0 * 0.05 < 500 ? r.budget_s * 1000.0 * 0.05 : 500;
	r.deadline_ms = t0 + r.budget_s * 1000.0 - margin;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	r.threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
	r.progress = o && o->progress;
	if (read_options(&r, t) < 0) {
		facts_error(out, "%s", err_msg());
		run_free(&r);
		return -1;
	}
	if (t->ninputs == 0) {
		facts_error(out, "no path to scan (expected 'files = PATH')");
		run_free(&r);
		return -1;
	}
	if (RAND_bytes(r.key, sizeof(r.key)) != 1) {
		facts_error(out, "cannot draw a random key for card-number ids");
		run_free(&r);
		return -1;
	}
	r.cfg.hmac_key = r.key;
	r.cfg.hmac_key_len = sizeof(r.key);
	r.cfg.no_excerpts = &r.full;

	struct pan_queue *q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	r.queue = q;
	pthread_t *tids = xcalloc((size_t)r.threads, sizeof(*tids));
	int started = 0;
	for (int i = 0; i < r.threads; i++)
		if (pthread_create(&tids[i], NULL, worker_main, &r) == 0)
			started++;
		else
			break;
	struct progress pg = {.r = &r, .done = false, .t0 = t0};
	pthread_t ptid;
	bool progress = false;
	if (r.progress) {
		pthread_mutex_init(&pg.lock, NULL);
		pthread_cond_init(&pg.done_cv, NULL);
		progress = pthread_create(&ptid, NULL, progress_main, &pg) == 0;
	}

	const char **inputs = xcalloc(t->ninputs, sizeof(char *));
	for (size_t i = 0; i < t->ninputs; i++)
		inputs[i] = t->inputs[i].value ? t->inputs[i].value : "";
	if (started == 0) {
		struct pan_worker w;
		pan_worker_init(&w, &r);
		r.inline_worker = &w;
		pan_walk_inputs(&r, inputs, t->ninputs, scan_inline);
		pan_worker_done(&w);
	} else {
		pan_walk_inputs(&r, inputs, t->ninputs, queue_push);
	}
	free(inputs);
	queue_close(q);
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	if (progress) {
		pthread_mutex_lock(&pg.lock);
		pg.done = true;
		pthread_cond_signal(&pg.done_cv);
		pthread_mutex_unlock(&pg.lock);
		pthread_join(ptid, NULL);
		pthread_mutex_destroy(&pg.lock);
		pthread_cond_destroy(&pg.done_cv);
	}

	int rc = 0;
	if (atomic_load(&r.stop)) {
		facts_error(out,
		            "scan cut short by the %g s deadline: %llu files scanned, %llu found "
		            "and not scanned; facts cover what was scanned",
		            r.budget_s, (unsigned long long)r.c.files,
		            (unsigned long long)q->unscanned);
		rc = -1;
	}
	write_facts(&r);
	if (r.c.files == 0 && r.c.errors > 0)
		rc = -1; /* nothing could be read at all */
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q);
	run_free(&r);
	return rc;
}

static const char *const pan_keys[] = {"files", NULL};
static const struct probe_option pan_options[] = {
    {"exclude", "skip paths matching this glob (name or whole path; may repeat)"},
    {"max-file-size", "skip files larger than this (bytes, or 64k, 100M, 2G)"},
    {"threads", "files scanned at once (default: CPUs, at most 8)"},
    {"ignore-test-cards", "true: do not report the published test card numbers"},
    {"retention-days", "card data in files older than this many days is reported (UPD-27)"},
    {"pii", "true: also find resident ID and mobile numbers, full or masked (PFI-05)"},
    {"scope", "app-data: the paths are an app's data pulled from a device (J92-30, PFI-02)"},
    {NULL, NULL},
};

const struct probe probe_pan = {
    .name = "pan",
    .summary = "find card data (PAN, track, CVV, PIN block) in files and archives",
    .keys = pan_keys,
    .options = pan_options,
    .run = pan_run,
};
