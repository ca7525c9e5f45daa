/*
 * Internals of the app probe shared by its files: the run context (the
 * fact store, the deadline, counters that become facts at the end) and
 * the entry points of each format's checks. Nothing outside probes/app/
 * includes this.
 */
#ifndef ASSAY_PROBES_APP_APP_INT_H
#define ASSAY_PROBES_APP_APP_INT_H

#include "harness/facts.h"
#include "probes/app/bytes.h"
#include "probes/app/elf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest single input or inflated member we read into memory. */
#define APP_MAX_FILE   (1024ull << 20)
#define APP_MAX_MEMBER (256ull << 20)
/* Findings of one kind beyond this are counted, not listed. */
#define APP_MAX_FINDINGS_PER_KIND 200

/* Counts over every ELF checked in one run (a file, a folder, an APK). */
struct elf_counts {
	unsigned files, relro_none, relro_partial, no_canary, execstack, no_pie, rpath, runpath,
	    no_fortify, symbols, debug, no_ibt, no_shstk, no_bti, errors;
};

struct app_ctx {
	struct facts *out;
	double deadline_ms;
	bool stopped; /* the deadline passed */
	bool each;    /* option "each": one elf-summary finding per ELF, uncapped */
	struct elf_counts elf;
	/* Findings emitted per kind (a small table; kinds are few). */
	struct {
		const char *kind;
		unsigned n;
	} kinds[64];
	size_t nkinds;
	unsigned dropped; /* findings over the per-kind cap */
	/* The resources.arsc lookups of the APK being read (ARSC_BUDGET). */
	uint64_t arsc_budget;
};

bool app_deadline(struct app_ctx *x);

/* A finding at where ("app.apk!lib/x86/libx.so"); message printf-style. */
void app_finding(struct app_ctx *x, const char *kind, const char *severity, const char *where,
                 int64_t offset, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Check one ELF image: counts, findings at where; when single is true the
 * per-file facts (app.elf.relro, ...) are written too. 0, or -1 when the
 * image is not a readable ELF (an error finding is recorded).
 */
int app_elf_one(struct app_ctx *x, struct span s, const char *where, bool single,
                struct elf_check *res);
void app_elf_emit_counts(struct app_ctx *x, const char *prefix, const struct elf_counts *c);

/* Android APK (android.c); path as given; s the whole file. */
int app_apk(struct app_ctx *x, const char *path, struct span s);
/* iOS IPA (ios.c) and a bare Mach-O (thin or fat). */
int app_ipa(struct app_ctx *x, const char *path, struct span s);
int app_macho_file(struct app_ctx *x, const char *path, struct span s);
bool app_macho_is(struct span s);

#endif
