/*
 * Helpers shared by the Criterion suites: temporary folders, files, and
 * running the built binary (ASSAY_BIN, set by `make test`) with its exit
 * code and output captured. Header-only so each suite stays one file.
 */
#ifndef ASSAY_TESTS_TESTUTIL_H
#define ASSAY_TESTS_TESTUTIL_H

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"

/* A fresh temporary folder; the caller frees the string. */
static inline char *tu_tmpdir(void)
{
	/* scripts/run-tests points TMPDIR at a folder it removes at the end */
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/assay-test-XXXXXX", base && *base ? base : "/tmp");
	cr_assert(mkdtemp(tmpl), "mkdtemp %s failed", tmpl);
	return tmpl;
}

/* Read a text file whole; NULL when it cannot be read (the caller frees). */
static inline char *tu_read(const char *path);

/* The peak RSS in KiB that `/usr/bin/time -f %M -o path` wrote (the number is last). */
static inline long tu_peak_rss_kb(const char *path)
{
	char *t = tu_read(path);
	cr_assert(t, "GNU time wrote nothing to %s", path);
	/* "Command exited with non-zero status N" may come first */
	char *last = strrchr(t, '\n');
	while (last && last > t && last[1] == '\0') {
		*last = '\0';
		last = strrchr(t, '\n');
	}
	long kb = atol(last ? last + 1 : t);
	free(t);
	cr_assert_gt(kb, 0, "no peak RSS in %s", path);
	return kb;
}

/* Write text to dir/name (or to name when dir is NULL); returns the path. */
static inline char *tu_write(const char *dir, const char *name, const char *text)
{
	char *path = dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

static inline char *tu_read(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	if (file_read_all(&buf, &len, path, 64u << 20) < 0)
		return NULL;
	return buf;
}

static inline const char *tu_bin(void)
{
	const char *b = getenv("ASSAY_BIN");
	return b ? b : "build/assay";
}

/* Running under memcheck (make valgrind sets TEST_WRAPPER): some 30 times slower. */
static inline bool tu_memcheck(void)
{
	const char *w = getenv("TEST_WRAPPER");
	return w && *w;
}

struct tu_run {
	int code; /* exit code, or 128+signal */
	char *out;
	char *err;
};

/*
 * Run a shell command line (printf-style) with stdout and stderr captured
 * to temporary files. "%A" is not special: build the line with tu_bin().
 */
static inline struct tu_run tu_sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	char *dir = tu_tmpdir();
	char *line = xasprintf("(%s) >%s/out 2>%s/err </dev/null", cmd, dir, dir);
	int st = system(line);
	struct tu_run r = {0};
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	char *p = xasprintf("%s/out", dir);
	r.out = tu_read(p);
	free(p);
	p = xasprintf("%s/err", dir);
	r.err = tu_read(p);
	free(p);
	if (!r.out)
		r.out = xstrdup("");
	if (!r.err)
		r.err = xstrdup("");
	p = xasprintf("%s/out", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/err", dir);
	unlink(p);
	free(p);
	rmdir(dir);
	free(line);
	free(cmd);
	free(dir);
	return r;
}

static inline void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
}

#endif
