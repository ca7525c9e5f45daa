/*
 * Tests of the app probe's ELF checks (probes/app/elf.c) on real binaries
 * built by fixtures/app/mkelf.sh: gcc executables with each hardening
 * flag on and off, and clang/ld.lld shared objects for 32-bit ARM,
 * AArch64 (BTI/PAC), i386, big-endian PowerPC64 and MIPS. Every field is
 * compared with what Debian's checksec says about the same file, and the
 * CET/BTI notes, class and byte order with readelf; hostile headers must
 * give an error naming an offset, never a crash.
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <dirent.h>

extern const struct probe probe_app;

static const char *fixdir(void)
{
	static char dir[512];
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/assay-app-elf-%u", base && *base ? base : "/tmp",
	         (unsigned)getuid());
	struct tu_run r = tu_sh("flock %s.lock sh fixtures/app/mkelf.sh %s", dir, dir);
	cr_assert_eq(r.code, 0, "mkelf.sh failed: %s", r.err);
	tu_run_free(&r);
	return dir;
}

static int probe(struct facts *f, const char *key, const char *path)
{
	struct target_input in = {key, path};
	struct target t = {"test", &in, 1, NULL, 0};
	struct probe_opts po = {.timeout_s = 60};
	facts_init(f);
	int rc = probe_app.run(&t, &po, f);
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error: %s", f->errors[i]);
	return rc;
}

static const char *str_of(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_STRING, "fact %s missing or not a string", key);
	return v->s;
}

static bool bool_of(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_BOOL, "fact %s missing or not a bool", key);
	return v->b;
}

static int64_t int_of(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_INT, "fact %s missing or not an int", key);
	return v->i;
}

/* checksec --output=csv: RELRO,CANARY,NX,PIE,RPATH,RUNPATH,Symbols,FORTIFY,fortified,able,file */
static void checksec_fields(const char *path, char fields[11][64])
{
	struct tu_run r = tu_sh("checksec --output=csv --file='%s'", path);
	cr_assert_eq(r.code, 0, "checksec failed on %s: %s", path, r.err);
	char *line = r.out;
	for (int i = 0; i < 11; i++) {
		size_t n = strcspn(line, ",\n");
		snprintf(fields[i], 64, "%.*s", (int)n, line);
		line += n + (line[n] != '\0');
	}
	tu_run_free(&r);
}

static void assert_parity(const char *path)
{
	char c[11][64];
	checksec_fields(path, c);
	struct facts f;
	probe(&f, "binary", path);
	const char *relro = str_of(&f, "app.elf.relro");
	const char *want_relro = strcmp(c[0], "Full RELRO") == 0      ? "full"
	                         : strcmp(c[0], "Partial RELRO") == 0 ? "partial"
	                                                              : "none";
	cr_expect_str_eq(relro, want_relro, "%s: RELRO %s vs checksec %s", path, relro, c[0]);
	cr_expect_eq(bool_of(&f, "app.elf.canary"), strcmp(c[1], "Canary found") == 0,
	             "%s: canary vs checksec '%s'", path, c[1]);
	cr_expect_eq(bool_of(&f, "app.elf.nx"), strcmp(c[2], "NX enabled") == 0,
	             "%s: NX vs checksec '%s'", path, c[2]);
	const char *pie = str_of(&f, "app.elf.pie");
	const char *want_pie = strcmp(c[3], "PIE enabled") == 0 ? "yes"
	                       : strcmp(c[3], "No PIE") == 0    ? "no"
	                       : strcmp(c[3], "DSO") == 0       ? "dso"
	                                                        : "rel";
	cr_expect_str_eq(pie, want_pie, "%s: PIE %s vs checksec %s", path, pie, c[3]);
	cr_expect_eq(bool_of(&f, "app.elf.has_rpath"), strcmp(c[4], "RPATH") == 0, "%s: rpath",
	             path);
	cr_expect_eq(bool_of(&f, "app.elf.has_runpath"), strcmp(c[5], "RUNPATH") == 0,
	             "%s: runpath", path);
	cr_expect_eq(bool_of(&f, "app.elf.stripped"), strcmp(c[6], "No Symbols") == 0,
	             "%s: symbols vs checksec '%s'", path, c[6]);
	cr_expect_eq(bool_of(&f, "app.elf.fortify"), strcmp(c[7], "Yes") == 0, "%s: fortify", path);
	cr_expect_eq(int_of(&f, "app.elf.fortified"), atoi(c[8]), "%s: fortified vs checksec %s",
	             path, c[8]);
	cr_expect_eq(int_of(&f, "app.elf.fortifiable"), atoi(c[9]),
	             "%s: fortifiable vs checksec %s", path, c[9]);
	facts_free(&f);
}

Test(app_elf, every_fixture_agrees_with_checksec, .timeout = 240)
{
	const char *dir = fixdir();
	DIR *d = opendir(dir);
	cr_assert(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".lock"))
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		assert_parity(p);
		free(p);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 19, "only %d fixtures", n);
}

/* The flags as built: each fixture shows the property its flag sets. */
Test(app_elf, each_flag_changes_its_fact, .timeout = 120)
{
	const char *dir = fixdir();
	struct {
		const char *file, *key;
		const char *want; /* "true"/"false" or a string value */
	} rows[] = {
	    {"e_full", "app.elf.relro", "full"},
	    {"e_partial", "app.elf.relro", "partial"},
	    {"e_norelro", "app.elf.relro", "none"},
	    {"e_full", "app.elf.canary", "true"},
	    {"e_nocanary", "app.elf.canary", "false"},
	    {"e_execstack", "app.elf.nx", "false"},
	    {"e_execstack", "app.elf.execstack", "true"},
	    {"e_full", "app.elf.nx", "true"},
	    {"e_nopie", "app.elf.pie", "no"},
	    {"e_default", "app.elf.pie", "yes"},
	    {"libdso.so", "app.elf.pie", "dso"},
	    {"e_rpath", "app.elf.rpath", "$ORIGIN/lib"},
	    {"e_runpath", "app.elf.runpath", "$ORIGIN/lib"},
	    {"e_stripped", "app.elf.stripped", "true"},
	    {"e_full", "app.elf.stripped", "false"},
	    {"e_fortify", "app.elf.fortify", "true"},
	    {"e_default", "app.elf.fortify", "false"},
	    {"e_cet", "app.elf.ibt", "true"},
	    {"e_cet", "app.elf.shstk", "true"},
	    {"e_default", "app.elf.ibt", "false"},
	    {"lib_arm64_bti.so", "app.elf.bti", "true"},
	    {"lib_arm64_bti.so", "app.elf.pac", "true"},
	    {"lib_arm32.so", "app.elf.bits", "32"},
	    {"lib_ppc64be.so", "app.elf.endian", "big"},
	    {"lib_mipsbe.so", "app.elf.endian", "big"},
	    {"lib_mipsbe.so", "app.elf.bits", "32"},
	    {"lib_i386.so", "app.elf.machine", "i386"},
	    {"libhard.so", "app.elf.relro", "full"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *p = xasprintf("%s/%s", dir, rows[i].file);
		struct facts f;
		cr_assert_eq(probe(&f, "binary", p), 0, "%s", p);
		const struct fact_value *v = facts_get(&f, rows[i].key);
		cr_assert(v, "%s: no %s", rows[i].file, rows[i].key);
		char *got = fact_value_str(v);
		cr_expect_str_eq(got, rows[i].want, "%s: %s = %s, want %s", rows[i].file,
		                 rows[i].key, got, rows[i].want);
		free(got);
		facts_free(&f);
		free(p);
	}
}

/* The GNU property notes as readelf decodes them. */
Test(app_elf, cet_and_bti_agree_with_readelf, .timeout = 120)
{
	const char *dir = fixdir();
	const char *files[] = {"e_cet", "e_default", "lib_arm64_bti.so", "lib_arm32.so"};
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		struct tu_run r = tu_sh("readelf -nW '%s'", p);
		struct facts f;
		probe(&f, "binary", p);
		cr_expect_eq(bool_of(&f, "app.elf.ibt"), strstr(r.out, "x86 feature: IBT") != NULL,
		             "%s", p);
		cr_expect_eq(bool_of(&f, "app.elf.shstk"), strstr(r.out, "SHSTK") != NULL, "%s", p);
		cr_expect_eq(bool_of(&f, "app.elf.bti"),
		             strstr(r.out, "AArch64 feature: BTI") != NULL, "%s", p);
		cr_expect_eq(bool_of(&f, "app.elf.pac"), strstr(r.out, "PAC") != NULL, "%s", p);
		facts_free(&f);
		tu_run_free(&r);
		free(p);
	}
}

/* A folder: every ELF counted once, the same totals checksec --dir finds. */
Test(app_elf, folder_counts_agree_with_checksec_dir, .timeout = 240)
{
	const char *dir = fixdir();
	struct tu_run r = tu_sh("checksec --output=csv --dir='%s' | grep -c ','", dir);
	int elves = atoi(r.out);
	tu_run_free(&r);
	r = tu_sh("checksec --output=csv --dir='%s' | grep -c '^No RELRO'", dir);
	int norelro = atoi(r.out);
	tu_run_free(&r);
	r = tu_sh("checksec --output=csv --dir='%s' | grep -c 'No Canary'", dir);
	int nocanary = atoi(r.out);
	tu_run_free(&r);
	struct facts f;
	cr_assert_eq(probe(&f, "binary", dir), 0);
	cr_expect_eq(int_of(&f, "app.elf.count.files"), elves);
	cr_expect_eq(int_of(&f, "app.elf.count.relro_none"), norelro);
	cr_expect_eq(int_of(&f, "app.elf.count.no_canary"), nocanary);
	cr_expect_str_eq(str_of(&f, "app.kind"), "folder");
	/* findings are located at the file */
	bool located = false;
	for (size_t i = 0; i < f.nfindings; i++)
		if (strcmp(f.findings[i].kind, "elf-execstack") == 0 &&
		    strstr(f.findings[i].loc.file, "libweak.so"))
			located = true;
	cr_expect(located, "no elf-execstack finding at libweak.so");
	facts_free(&f);
}

/* Hostile headers: an error or a warning naming the offset, never a crash. */
Test(app_elf, bogus_headers_are_reported_not_trusted, .timeout = 120)
{
	const char *dir = fixdir();
	char *tmp = tu_tmpdir();
	/* e_phoff (64-bit: offset 32) and e_shoff (40) far past the end;
	 * e_phnum/e_shnum (56/60) at 0xffff; a file cut inside the header. */
	struct tu_run r =
	    tu_sh("cd %s && cp %s/e_full a && cp %s/e_full b && cp %s/e_full c && head -c 40 "
	          "%s/e_full >d && "
	          "printf '\\377\\377\\377\\377\\377\\377\\377\\177' | dd of=a bs=1 seek=32 "
	          "conv=notrunc 2>/dev/null && "
	          "printf '\\377\\377' | dd of=b bs=1 seek=56 conv=notrunc 2>/dev/null && "
	          "printf '\\377\\377' | dd of=b bs=1 seek=60 conv=notrunc 2>/dev/null && "
	          "printf '\\377\\377\\377\\377\\377\\377\\377\\177' | dd of=c bs=1 seek=40 "
	          "conv=notrunc 2>/dev/null",
	          tmp, dir, dir, dir, dir);
	cr_assert_eq(r.code, 0, "%s", r.err);
	tu_run_free(&r);
	const char *names[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", tmp, names[i]);
		struct facts f;
		probe(&f, "binary", p);
		bool warned = false;
		for (size_t k = 0; k < f.nfindings; k++)
			if (strcmp(f.findings[k].kind, "parse-error") == 0 &&
			    strstr(f.findings[k].message, "offset"))
				warned = true;
		cr_expect(warned, "%s: no parse-error finding with an offset", p);
		facts_free(&f);
		free(p);
	}
	char *p = xasprintf("%s/d", tmp);
	struct facts f;
	cr_expect_lt(probe(&f, "binary", p), 0);
	cr_assert_geq(f.nerrors, 1);
	cr_expect(strstr(f.errors[0], "offset"), "error without an offset: %s", f.errors[0]);
	facts_free(&f);
	free(p);
	free(tmp);
}

/*
 * Section headers removed (as sstrip and Android packers do): readelf -s,
 * and so checksec, see no symbols at all; the dynamic symbols are still
 * reachable through PT_DYNAMIC (DT_SYMTAB, DT_STRTAB, DT_GNU_HASH), and
 * the canary and FORTIFY answers must not change.
 */
Test(app_elf, dynamic_symbols_without_section_headers, .timeout = 120)
{
	const char *dir = fixdir();
	char *tmp = tu_tmpdir();
	struct tu_run r =
	    tu_sh("python3 -c 'import struct,sys; b=bytearray(open(sys.argv[1],\"rb\").read()); "
	          "struct.pack_into(\"<Q\",b,40,0); struct.pack_into(\"<HH\",b,60,0,0); "
	          "open(sys.argv[2],\"wb\").write(b)' %s/e_full %s/noshdr && "
	          "readelf -sW %s/noshdr | grep -c stack_chk",
	          dir, tmp, tmp);
	cr_expect_eq(atoi(r.out), 0, "readelf should see no symbols: %s", r.out);
	tu_run_free(&r);
	char *p = xasprintf("%s/noshdr", tmp);
	struct facts f;
	cr_assert_eq(probe(&f, "binary", p), 0);
	cr_expect(bool_of(&f, "app.elf.canary"));
	cr_expect(bool_of(&f, "app.elf.fortify"));
	cr_expect(bool_of(&f, "app.elf.stripped"));
	cr_expect_str_eq(str_of(&f, "app.elf.relro"), "full");
	facts_free(&f);
	free(p);
	free(tmp);
}

/*
 * Tables shared many times over (fixtures/app/mkbadelf.py): 1,000 section
 * headers over one symbol table, 40,000 symbols naming one 1 MB string,
 * 65,535 note headers over one area of 87,000 notes. Read as often as
 * they are named, they are tens of gigabytes from files of a few MB (the
 * first of them kept the probe busy for over ten minutes); the reading
 * stops at ELF_READS times the file's size with a parse-error naming the
 * offset, and the headers are still judged. A real binary never gets
 * the warning.
 */
Test(app_elf, shared_tables_are_read_a_bounded_number_of_times, .timeout = 120)
{
	char *tmp = tu_tmpdir();
	struct tu_run r = tu_sh("python3 fixtures/app/mkbadelf.py %s", tmp);
	cr_assert_eq(r.code, 0, "mkbadelf.py: %s", r.err);
	tu_run_free(&r);
	const char *names[] = {"shared_sections.so", "shared_names.so", "shared_notes.so"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = xasprintf("%s/%s", tmp, names[i]);
		struct facts f;
		cr_assert_eq(probe(&f, "binary", p), 0, "%s", names[i]);
		bool warned = false;
		for (size_t k = 0; k < f.nfindings; k++)
			warned |= strcmp(f.findings[k].kind, "parse-error") == 0 &&
			          strstr(f.findings[k].message, "offset ") &&
			          strstr(f.findings[k].message, "times the file's size");
		cr_expect(warned, "%s: no parse-error about the shared tables", names[i]);
		cr_expect_str_eq(str_of(&f, "app.elf.relro"), "none", "%s", names[i]);
		facts_free(&f);
		free(p);
	}
	char *good = xasprintf("%s/e_full", fixdir());
	struct facts f;
	cr_assert_eq(probe(&f, "binary", good), 0);
	for (size_t k = 0; k < f.nfindings; k++)
		cr_expect_null(strstr(f.findings[k].message, "times the file's size"), "%s",
		               f.findings[k].message);
	cr_expect(bool_of(&f, "app.elf.canary"));
	facts_free(&f);
	free(good);
	r = tu_sh("rm -rf %s", tmp);
	tu_run_free(&r);
	free(tmp);
}
