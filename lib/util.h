/*
 * Small helpers with no domain in them: allocation that aborts on
 * exhaustion (a scanner that cannot allocate a few bytes cannot report
 * anything useful either), growable arrays, strings, time.
 */
#ifndef ASSAY_LIB_UTIL_H
#define ASSAY_LIB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xstrdup, or NULL for NULL. */
char *xstrdup_or_null(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Grow *arr (of elements of size elem) so that it holds at least need items. */
void array_grow(void *arr, size_t *cap, size_t need, size_t elem);
#define ARRAY_PUSH(arr, n, cap) (array_grow(&(arr), &(cap), (n) + 1, sizeof(*(arr))), &(arr)[(n)++])

/* Trim ASCII space in place; returns s. */
char *str_trim(char *s);
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);

/* Milliseconds on the monotonic clock. */
double time_mono_ms(void);
/* Current UTC time as "2026-11-28T17:12:06Z" into buf (at least 21 bytes). */
void time_utc_iso(char *buf, size_t len);
/*
 * Today's date as days since 1970-01-01 (UTC). ASSAY_TODAY=YYYY-MM-DD in
 * the environment overrides it, so waiver expiry can be tested and a past
 * run re-judged as of its date.
 */
long date_today(void);
/* Parse "YYYY-MM-DD" strictly; 0 and *days set, or -1. */
int date_parse(long *days, const char *s);

/* SHA-256 of a file's bytes as 64 hex chars into out[65]; 0 or -1. */
int sha256_file_hex(char out[65], const char *path);

/* Read a whole file (at most max bytes); NUL-terminated; 0 or -1 with errno. */
int file_read_all(char **out, size_t *len, const char *path, size_t max);

#endif
