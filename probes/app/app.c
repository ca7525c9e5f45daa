/*
 * The app probe: evidence from a shipped client binary, for JR/T 0092
 * (tested per JR/T 0098.3) and UPDSS's secure-development clauses. Plan
 * keys `apk`, `ipa` and `binary` (a file, or a folder whose every ELF is
 * checked); `assay probe app FILE` sniffs the kind from the bytes, so the
 * key only names what the plan's author expects. The fact table is in
 * probes/app/README.md.
 *
 * This file: the entry point, reading inputs (mmap, bounded size), the
 * folder walk, and the ELF facts and counts shared by every kind of input
 * (a bare ELF, a folder, an APK's lib/<abi>/ libraries).
 */
#include "probes/app/app_int.h"
#include "probes/probe.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP_DEFAULT_TIMEOUT_S 120.0
#define WALK_MAX_DEPTH        32

bool app_deadline(struct app_ctx *x)
{
	if (!x->stopped && time_mono_ms() >= x->deadline_ms)
		x->stopped = true;
	return x->stopped;
}

void app_finding(struct app_ctx *x, const char *kind, const char *severity, const char *where,
                 int64_t offset, const char *fmt, ...)
{
	size_t k = 0;
	for (; k < x->nkinds; k++)
		if (strcmp(x->kinds[k].kind, kind) == 0)
			break;
	if (k == x->nkinds && x->nkinds < sizeof(x->kinds) / sizeof(x->kinds[0]))
		x->kinds[x->nkinds++].kind = kind;
	if (k < x->nkinds && x->kinds[k].n++ >= APP_MAX_FINDINGS_PER_KIND &&
	    strcmp(kind, "elf-summary") != 0) {
		x->dropped++;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	struct finding fd = {0};
	fd.kind = (char *)kind;
	fd.severity = (char *)severity;
	fd.message = msg;
	finding_loc_init(&fd.loc);
	fd.loc.file = (char *)where;
	fd.loc.offset = offset;
	facts_add_finding(x->out, &fd);
	free(msg);
}

/* --- ELF --- */

static const char *relro_name(enum elf_relro r)
{
	return r == RELRO_FULL ? "full" : r == RELRO_PARTIAL ? "partial" : "none";
}

int app_elf_one(struct app_ctx *x, struct span s, const char *where, bool single,
                struct elf_check *res)
{
	struct elf_check c;
	struct elf_counts *n = &x->elf;
	if (elf_check(&c, s) < 0) {
		n->errors++;
		app_finding(x, "parse-error", "info", where, -1, "%s", err_msg());
		if (single)
			facts_error(x->out, "%s: %s", where, err_msg());
		return -1;
	}
	if (c.warning[0])
		app_finding(x, "parse-error", "info", where, -1, "%s", c.warning);
	n->files++;
	if (c.relro == RELRO_NONE) {
		n->relro_none++;
		app_finding(x, "elf-no-relro", "medium", where, -1, "no RELRO (GOT writable)");
	} else if (c.relro == RELRO_PARTIAL) {
		n->relro_partial++;
		app_finding(x, "elf-partial-relro", "low", where, -1,
		            "partial RELRO (no BIND_NOW)");
	}
	if (!c.canary) {
		n->no_canary++;
		app_finding(x, "elf-no-canary", "medium", where, -1, "no stack canary");
	}
	if (c.execstack) {
		n->execstack++;
		app_finding(x, "elf-execstack", "high", where, -1,
		            "executable stack (NX off: PT_GNU_STACK with PF_X, or none)");
	}
	if (c.type == 2) {
		n->no_pie++;
		app_finding(x, "elf-no-pie", "medium", where, -1,
		            "not position independent (ET_EXEC)");
	}
	if (c.rpath) {
		n->rpath++;
		app_finding(x, "elf-rpath", "medium", where, -1, "DT_RPATH %s", c.rpath_s);
	}
	if (c.runpath) {
		n->runpath++;
		app_finding(x, "elf-runpath", "low", where, -1, "DT_RUNPATH %s", c.runpath_s);
	}
	if (!c.fortify && c.fortifiable > 0) {
		n->no_fortify++;
		app_finding(x, "elf-no-fortify", "low", where, -1,
		            "FORTIFY_SOURCE not used (%u fortifiable calls)", c.fortifiable);
	}
	if (c.symtab) {
		n->symbols++;
		app_finding(x, "elf-symbols", "info", where, -1, "not stripped (%llu symbols)",
		            (unsigned long long)c.nsymtab);
	}
	if (c.debug)
		n->debug++;
	if (x->each)
		app_finding(
		    x, "elf-summary", "info", where, -1,
		    "relro=%s canary=%s nx=%s pie=%s rpath=%s runpath=%s symbols=%s fortify=%s "
		    "fortified=%u fortifiable=%u ibt=%s shstk=%s",
		    relro_name(c.relro), c.canary ? "yes" : "no", c.nx ? "yes" : "no", c.pie,
		    c.rpath ? "yes" : "no", c.runpath ? "yes" : "no", c.symtab ? "yes" : "no",
		    c.fortify ? "yes" : "no", c.fortified, c.fortifiable, c.ibt ? "yes" : "no",
		    c.shstk ? "yes" : "no");
	if (c.machine == 62 || c.machine == 3) {
		n->no_ibt += !c.ibt;
		n->no_shstk += !c.shstk;
	} else if (c.machine == 183) {
		n->no_bti += !c.bti;
	}
	if (single) {
		struct facts *o = x->out;
		facts_add_string(o, "app.elf.relro", relro_name(c.relro));
		facts_add_bool(o, "app.elf.canary", c.canary);
		facts_add_bool(o, "app.elf.nx", c.nx);
		facts_add_bool(o, "app.elf.execstack", c.execstack);
		facts_add_string(o, "app.elf.pie", c.pie);
		facts_add_string(o, "app.elf.rpath", c.rpath_s);
		facts_add_string(o, "app.elf.runpath", c.runpath_s);
		facts_add_bool(o, "app.elf.has_rpath", c.rpath);
		facts_add_bool(o, "app.elf.has_runpath", c.runpath);
		facts_add_bool(o, "app.elf.stripped", !c.symtab);
		facts_add_int(o, "app.elf.symbols", (int64_t)c.nsymtab);
		facts_add_bool(o, "app.elf.debug_info", c.debug);
		facts_add_bool(o, "app.elf.fortify", c.fortify);
		facts_add_int(o, "app.elf.fortified", c.fortified);
		facts_add_int(o, "app.elf.fortifiable", c.fortifiable);
		facts_add_bool(o, "app.elf.ibt", c.ibt);
		facts_add_bool(o, "app.elf.shstk", c.shstk);
		facts_add_bool(o, "app.elf.bti", c.bti);
		facts_add_bool(o, "app.elf.pac", c.pac);
		facts_add_int(o, "app.elf.bits", c.bits);
		facts_add_string(o, "app.elf.endian", c.be ? "big" : "little");
		facts_add_string(o, "app.elf.machine", elf_machine_name(c.machine));
		const char *t = c.type == 1   ? "rel"
		                : c.type == 2 ? "exec"
		                : c.type == 3 ? "dyn"
		                              : "other";
		facts_add_string(o, "app.elf.type", t);
	}
	if (res)
		*res = c;
	return 0;
}

void app_elf_emit_counts(struct app_ctx *x, const char *prefix, const struct elf_counts *c)
{
	static const struct {
		const char *name;
		size_t off;
	} rows[] = {
#define ROW(f) {#f, offsetof(struct elf_counts, f)}
	    ROW(files),  ROW(relro_none), ROW(relro_partial), ROW(no_canary),  ROW(execstack),
	    ROW(no_pie), ROW(rpath),      ROW(runpath),       ROW(no_fortify), ROW(symbols),
	    ROW(debug),  ROW(no_ibt),     ROW(no_shstk),      ROW(no_bti),     ROW(errors),
#undef ROW
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned v;
		memcpy(&v, (const char *)c + rows[i].off, sizeof(v));
		char *k = xasprintf("%s.%s", prefix, rows[i].name);
		facts_add_int(x->out, k, v);
		free(k);
	}
}

/* --- inputs --- */

struct mapped {
	struct span s;
	void *base;
	size_t len;
};

static int map_file(struct mapped *m, const char *path, int fd, const struct stat *st)
{
	memset(m, 0, sizeof(*m));
	if ((uint64_t)st->st_size > APP_MAX_FILE)
		return err_set("%s: %lld bytes, over the %llu MiB limit", path,
		               (long long)st->st_size, APP_MAX_FILE >> 20);
	if (st->st_size == 0) {
		m->s.p = (const uint8_t *)"";
		return 0;
	}
	void *p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return err_set("%s: cannot map: %s", path, strerror(errno));
	m->base = p;
	m->len = (size_t)st->st_size;
	m->s.p = p;
	m->s.n = m->len;
	return 0;
}

static void unmap(struct mapped *m)
{
	if (m->base)
		munmap(m->base, m->len);
}

/* One file inside a folder walk: ELF only (cheap magic check first). */
static void walk_file(struct app_ctx *x, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	unsigned char mag[4];
	struct stat st;
	if (pread(fd, mag, 4, 0) != 4 || memcmp(mag, "\177ELF", 4) != 0 || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	struct mapped m;
	if (map_file(&m, path, fd, &st) < 0) {
		app_finding(x, "parse-error", "info", path, -1, "%s", err_msg());
		close(fd);
		return;
	}
	close(fd);
	app_elf_one(x, m.s, path, false, NULL);
	unmap(&m);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct app_ctx *x, const char *path, int depth)
{
	if (depth > WALK_MAX_DEPTH || app_deadline(x))
		return;
	DIR *d = opendir(path);
	if (!d)
		return;
	/* sorted, so findings come out in the same order on every run */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			*ARRAY_PUSH(names, n, cap) = xstrdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *child = xasprintf("%s/%s", path, names[i]);
		struct stat st;
		if (!app_deadline(x) && lstat(child, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk_dir(x, child, depth + 1);
			else if (S_ISREG(st.st_mode))
				walk_file(x, child);
		}
		free(child);
		free(names[i]);
	}
	free(names);
}

/* A zip holding Payload/X.app/ is an IPA; one with AndroidManifest.xml an APK. */
static bool zip_is(struct span s)
{
	return s.n >= 4 && memcmp(s.p, "PK\003\004", 4) == 0;
}

static bool has_text(struct span s, const char *t)
{
	return memmem(s.p, s.n, t, strlen(t)) != NULL;
}

static int run_file(struct app_ctx *x, const char *key, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		facts_error(x->out, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		facts_error(x->out, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		facts_add_string(x->out, "app.kind", "folder");
		walk_dir(x, path, 0);
		app_elf_emit_counts(x, "app.elf.count", &x->elf);
		if (x->stopped) {
			facts_add_bool(x->out, "app.complete", false);
			facts_error(x->out, "%s: walk cut short by the deadline", path);
			return -1;
		}
		facts_add_bool(x->out, "app.complete", true);
		return 0;
	}
	struct mapped m;
	if (!S_ISREG(st.st_mode) || map_file(&m, path, fd, &st) < 0) {
		facts_error(x->out, "%s", S_ISREG(st.st_mode) ? err_msg() : "not a regular file");
		close(fd);
		return -1;
	}
	close(fd);
	int rc;
	(void)key;
	if (elf_is(m.s)) {
		facts_add_string(x->out, "app.kind", "elf");
		rc = app_elf_one(x, m.s, path, true, NULL);
		app_elf_emit_counts(x, "app.elf.count", &x->elf);
	} else if (zip_is(m.s)) {
		/* the members say which: a manifest makes an APK, Payload/ an IPA */
		bool apk = has_text(m.s, "AndroidManifest.xml"), ipa = has_text(m.s, "Payload/");
		if (apk == ipa)
			apk = strcmp(key, "ipa") != 0;
		facts_add_string(x->out, "app.kind", apk ? "apk" : "ipa");
		rc = apk ? app_apk(x, path, m.s) : app_ipa(x, path, m.s);
	} else if (app_macho_is(m.s)) {
		facts_add_string(x->out, "app.kind", "macho");
		rc = app_macho_file(x, path, m.s);
	} else {
		facts_error(x->out, "%s: offset 0: not an APK, IPA, ELF or Mach-O file", path);
		rc = -1;
	}
	unmap(&m);
	return rc;
}

static int app_run(const struct target *t, const struct probe_opts *o, struct facts *out)
{
	struct app_ctx *x = xcalloc(1, sizeof(*x));
	x->out = out;
	double tmo = o && o->timeout_s > 0 ? o->timeout_s : APP_DEFAULT_TIMEOUT_S;
	x->deadline_ms = time_mono_ms() + tmo * 1000.0;
	int rc = 0;
	if (t->ninputs != 1) {
		facts_error(
		    out, "the app probe takes one input (an APK, IPA, binary or folder), not %zu",
		    t->ninputs);
		rc = -1;
	} else {
		char *opt = xasprintf("%s.each", t->inputs[0].key);
		const char *each = target_option(t, opt);
		x->each = each && (strcmp(each, "true") == 0 || strcmp(each, "yes") == 0 ||
		                   strcmp(each, "1") == 0);
		free(opt);
		rc = run_file(x, t->inputs[0].key, t->inputs[0].value);
	}
	if (x->dropped)
		facts_add_int(out, "app.findings_dropped", x->dropped);
	if (out->nerrors > 0)
		rc = -1;
	free(x);
	return rc;
}

static const char *const app_keys[] = {"apk", "ipa", "binary", NULL};
static const struct probe_option app_options[] = {
    {"each", "true: one elf-summary finding per ELF with every field (a table of all files)"},
    {NULL, NULL},
};

const struct probe probe_app = {
    .name = "app",
    .summary =
        "client app binaries: APK manifest, signatures, DEX strings; IPA/Mach-O; ELF hardening",
    .keys = app_keys,
    .options = app_options,
    .run = app_run,
    .cost = 1,
};
