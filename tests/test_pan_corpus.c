/*
 * The pan probe as a user runs it: over the labelled corpus that
 * fixtures/pan/gen.c makes (pan-gen, built beside the binary), with its
 * options, its threads and its deadline, and over bad input (unreadable
 * files, symlink loops, FIFOs, a zip bomb, a corrupt archive, a sparse
 * file, one long line). Every output format of a run is searched for the
 * corpus's card numbers, which must never appear.
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <fcntl.h>
#include <libgen.h>
#include <lzma.h>
#include <pwd.h>

extern const struct probe probe_pan;

/* A shell command whose output does not matter. */
#define SH(...)                                                                                    \
	do {                                                                                       \
		struct tu_run r_ = tu_sh(__VA_ARGS__);                                             \
		tu_run_free(&r_);                                                                  \
	} while (0)

/*
 * The built pan-gen beside the binary under test, started through
 * /usr/bin/env: `make valgrind` traces every child but those under /usr,
 * and fixtures need not be made under memcheck.
 */
static char *gen_bin(void)
{
	char *b = xstrdup(tu_bin());
	char *g = xasprintf("/usr/bin/env %s/pan-gen", dirname(b));
	free(b);
	return g;
}

static char *make_corpus(unsigned seed)
{
	char *dir = tu_tmpdir();
	char *gen = gen_bin();
	struct tu_run r = tu_sh("%s corpus %s/c %u", gen, dir, seed);
	cr_assert_eq(r.code, 0, "pan-gen: %s", r.err);
	tu_run_free(&r);
	free(gen);
	char *c = xasprintf("%s/c", dir);
	free(dir);
	return c;
}

struct opts {
	const char *name, *value;
};

static int run_pan(struct facts *f, const char *const *paths, size_t n, const struct opts *o,
                   size_t no, double timeout)
{
	struct target_input in[8];
	struct target_option op[8];
	cr_assert(n <= 8 && no <= 8);
	for (size_t i = 0; i < n; i++)
		in[i] = (struct target_input){"files", paths[i]};
	for (size_t i = 0; i < no; i++)
		op[i] = (struct target_option){o[i].name, o[i].value};
	struct target t = {"t", in, n, op, no};
	struct probe_opts po = {.timeout_s = timeout};
	facts_init(f);
	return probe_pan.run(&t, &po, f);
}

static int64_t get_int(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_INT, "fact %s", key);
	return v->i;
}

static bool get_bool(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_BOOL, "fact %s", key);
	return v->b;
}

static size_t errors_with(const struct facts *f, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nerrors; i++)
		n += strstr(f->errors[i], needle) != NULL;
	return n;
}

static size_t skips_with(const struct facts *f, const char *needle)
{
	const struct fact_value *v = facts_get(f, "pan.skipped_paths");
	cr_assert(v && v->type == FACT_LIST);
	size_t n = 0;
	for (size_t i = 0; i < v->nitems; i++)
		n += strstr(v->items[i], needle) != NULL;
	return n;
}

struct label {
	char *loc, *off, *kind, *sev;
	bool matched;
};

static struct label *read_labels(const char *dir, size_t *n, long *masked)
{
	char *p = xasprintf("%s/labels.tsv", dir);
	char *text = tu_read(p);
	cr_assert(text, "labels.tsv");
	free(p);
	struct label *v = NULL;
	size_t cap = 0;
	*n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "#masked ", 8) == 0)
			*masked = atol(line + 8);
		if (line[0] == '#')
			continue;
		char *f[4];
		for (int i = 0; i < 4; i++)
			f[i] = strsep(&line, "\t");
		cr_assert(f[3], "bad label line");
		*ARRAY_PUSH(v, *n, cap) = (struct label){xstrdup(f[0]), xstrdup(f[1]),
		                                         xstrdup(f[2]), xstrdup(f[3]), false};
	}
	free(text);
	return v;
}

/* Precision and recall against the labels: every label found, nothing else. */
static void check_against_labels(const struct facts *f, const char *dir)
{
	size_t n;
	long masked = -1;
	struct label *l = read_labels(dir, &n, &masked);
	size_t plen = strlen(dir) + 1, tp = 0, fp = 0;
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *x = &f->findings[i];
		cr_assert(strncmp(x->loc.file, dir, plen - 1) == 0);
		const char *rel = x->loc.file + plen;
		char off[32];
		snprintf(off, sizeof(off), "%lld", (long long)x->loc.offset);
		bool hit = false;
		for (size_t k = 0; k < n && !hit; k++) {
			if (l[k].matched || strcmp(l[k].loc, rel) || strcmp(l[k].kind, x->kind) ||
			    strcmp(l[k].sev, x->severity) ||
			    (strcmp(l[k].off, "*") && strcmp(l[k].off, off)))
				continue;
			l[k].matched = hit = true;
		}
		if (hit) {
			tp++;
		} else {
			fp++;
			cr_log_error("unexpected: %s @%s %s %s: %s", rel, off, x->kind, x->severity,
			             x->excerpt);
		}
	}
	size_t fn = 0;
	for (size_t k = 0; k < n; k++)
		if (!l[k].matched) {
			fn++;
			cr_log_error("missed: %s @%s %s %s", l[k].loc, l[k].off, l[k].kind,
			             l[k].sev);
		}
	cr_log_info("corpus: %zu labels, precision %zu/%zu, recall %zu/%zu", n, tp, tp + fp, tp,
	            tp + fn);
	cr_assert_eq(fp, 0, "%zu findings without a label", fp);
	cr_assert_eq(fn, 0, "%zu labels not found", fn);
	cr_assert_eq(get_int(f, "pan.masked_ok"), masked);
	for (size_t k = 0; k < n; k++) {
		free(l[k].loc);
		free(l[k].off);
		free(l[k].kind);
		free(l[k].sev);
	}
	free(l);
}

Test(pan_corpus, precision_and_recall_on_the_labelled_corpus, .timeout = 120)
{
	for (unsigned seed = 1; seed <= 3; seed++) {
		char *dir = make_corpus(seed);
		struct facts f;
		const char *in[] = {dir};
		int rc = run_pan(&f, in, 1, NULL, 0, 60);
		cr_assert_eq(rc, 0, "rc %d, first error: %s", rc, f.nerrors ? f.errors[0] : "");
		cr_assert_eq(f.nerrors, 0, "%s", f.nerrors ? f.errors[0] : "");
		check_against_labels(&f, dir);
		cr_assert(get_bool(&f, "pan.complete"));
		cr_assert_gt(get_int(&f, "pan.archives"), 8);
		cr_assert_gt(get_int(&f, "pan.unionpay"), 0);
		cr_assert_gt(get_int(&f, "pan.low_confidence"), 0);
		cr_assert_leq(get_int(&f, "pan.distinct"), get_int(&f, "pan.exposed"));
		facts_free(&f);
		SH("rm -rf %s/..", dir);
		free(dir);
	}
}

Test(pan_corpus, findings_name_archive_members_and_documents, .timeout = 60)
{
	char *dir = make_corpus(1);
	struct facts f;
	const char *in[] = {dir};
	run_pan(&f, in, 1, NULL, 0, 60);
	const char *want[] = {"nested/outer.zip!middle.zip!inner.zip!deep/notes.txt",
	                      "backup/logs.tar.gz!var/log/app/app.log",
	                      "logs/app.log.1.gz!app.log.1",
	                      "db/dump.sql.bz2!dump.sql",
	                      "exports/cards.csv.xz!cards.csv",
	                      "office/complaint.docx!word/document.xml",
	                      "office/ledger.xlsx!xl/sharedStrings.xml",
	                      "windows/nobom-utf16le.txt"};
	const struct fact_value *with = facts_get(&f, "pan.files_with_pan");
	cr_assert(with && with->type == FACT_LIST);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *full = xasprintf("%s/%s", dir, want[i]);
		bool seen = false;
		for (size_t k = 0; k < with->nitems; k++)
			seen |= strcmp(with->items[k], full) == 0;
		cr_assert(seen, "%s not in pan.files_with_pan", want[i]);
		free(full);
	}
	facts_free(&f);
	SH("rm -rf %s/..", dir);
	free(dir);
}

Test(pan_corpus, threads_do_not_change_the_result, .timeout = 60)
{
	char *dir = make_corpus(4);
	const char *in[] = {dir};
	struct facts a, b;
	struct opts one = {"files.threads", "1"}, four = {"files.threads", "4"};
	run_pan(&a, in, 1, &one, 1, 60);
	run_pan(&b, in, 1, &four, 1, 60);
	cr_assert_eq(a.nfindings, b.nfindings);
	for (size_t i = 0; i < a.nfindings; i++) {
		cr_assert_str_eq(a.findings[i].loc.file, b.findings[i].loc.file);
		cr_assert_eq(a.findings[i].loc.offset, b.findings[i].loc.offset);
		cr_assert_str_eq(a.findings[i].kind, b.findings[i].kind);
	}
	cr_assert_eq(get_int(&a, "pan.exposed"), get_int(&b, "pan.exposed"));
	cr_assert_eq(get_int(&a, "pan.bytes_scanned"), get_int(&b, "pan.bytes_scanned"));
	facts_free(&a);
	facts_free(&b);
	SH("rm -rf %s/..", dir);
	free(dir);
}

Test(pan_corpus, exclude_and_test_card_options, .timeout = 60)
{
	char *dir = make_corpus(1);
	const char *in[] = {dir};
	struct facts all, ex, tc;
	run_pan(&all, in, 1, NULL, 0, 60);
	struct opts o[] = {{"files.exclude", "*.bz2"},
	                   {"files.exclude", "spool"},
	                   {"files.exclude", "*/app/audit.log"}};
	run_pan(&ex, in, 1, o, 3, 60);
	bool app_log = false;
	for (size_t i = 0; i < ex.nfindings; i++) {
		cr_assert_null(strstr(ex.findings[i].loc.file, ".bz2"));
		cr_assert_null(strstr(ex.findings[i].loc.file, "/spool/"));
		cr_assert_null(strstr(ex.findings[i].loc.file, "audit.log"), "an archive member");
		app_log |=
		    strstr(ex.findings[i].loc.file, "logs.tar.gz!var/log/app/app.log") != NULL;
	}
	cr_assert(app_log, "the archive's other members are still read");
	cr_assert_lt(get_int(&ex, "pan.files_scanned"), get_int(&all, "pan.files_scanned"));
	struct opts t = {"files.ignore-test-cards", "true"};
	run_pan(&tc, in, 1, &t, 1, 60);
	cr_assert_gt(get_int(&tc, "pan.test_cards_ignored"), 0);
	cr_assert_lt(get_int(&tc, "pan.exposed"), get_int(&all, "pan.exposed"));
	/* the generated UnionPay numbers are not test cards */
	cr_assert_gt(get_int(&tc, "pan.unionpay"), 0);
	facts_free(&all);
	facts_free(&ex);
	facts_free(&tc);
	struct opts bad = {"files.max-file-size", "lots"};
	struct facts b;
	cr_assert_lt(run_pan(&b, in, 1, &bad, 1, 10), 0);
	cr_assert_eq(errors_with(&b, "files.max-file-size"), 1);
	facts_free(&b);
	SH("rm -rf %s/..", dir);
	free(dir);
}

/* Every card number of the corpus, as digits, for the no-PAN-in-output check. */
static const char *const corpus_pans[] = {
    "4111111111111111", "4012888888881881",    "5555555555554444",    "5105105105105100",
    "2223000048400011", "378282246310005",     "6011111111111117",    "3530111333300000",
    "30569309025904",   "4222222222222",       "6200000000000005",    "6205500000000000004",
    "6011000990139424", "4111 1111 1111 1111", "5555 5555 5555 4444", "4111-1111-1111-1111",
};

/* The corpus's UnionPay numbers are generated: any 16-19 digit run starting 62/81. */
static void assert_no_card_numbers(const char *text, const char *what)
{
	for (size_t i = 0; i < sizeof(corpus_pans) / sizeof(corpus_pans[0]); i++)
		cr_assert_null(strstr(text, corpus_pans[i]), "%s holds %.6s...", what,
		               corpus_pans[i]);
	for (const char *p = text; *p; p++) {
		if (!(p[0] == '6' && p[1] == '2') && !(p[0] == '8' && p[1] == '1'))
			continue;
		if (p > text && p[-1] >= '0' && p[-1] <= '9')
			continue;
		size_t n = strspn(p, "0123456789");
		cr_assert(n < 16 || n > 19, "%s holds a UnionPay-like run %.6s...", what, p);
	}
}

Test(pan_corpus, no_card_number_in_any_output_format, .timeout = 120)
{
	char *dir = make_corpus(2);
	char *tmp = tu_tmpdir();
	char *plan = xasprintf("[assessment]\nname = pan corpus\nrules = ex\n\n"
	                       "[target files]\nfiles = %s\n",
	                       dir);
	char *pp = tu_write(tmp, "plan.ini", plan);
	char *rules = xasprintf(
	    "<?xml version=\"1.0\"?>\n<ruleset id=\"ex\" version=\"1\">\n"
	    "  <title lang=\"en\">t</title>\n"
	    "  <rule id=\"P-1\" severity=\"critical\" probe=\"pan\">\n"
	    "    <title lang=\"en\">No card numbers</title><title lang=\"zh\">无卡号</title>\n"
	    "    <clause ref=\"3.4\" confidence=\"xref-PCI\"/>\n"
	    "    <check>pan.complete and pan.exposed == 0</check>\n  </rule>\n</ruleset>\n");
	free(tu_write(tmp, "ex.xml", rules));
	SH("cp rules/ruleset.xsd %s/", tmp);
	char *bin =
	    tu_bin()[0] == '/' ? xstrdup(tu_bin()) : xasprintf("%s/%s", getenv("PWD"), tu_bin());
	struct tu_run r = tu_sh("cd %s && ASSAY_RULES_DIR=%s %s run plan.ini -o out "
	                        "--format json,junit -q",
	                        tmp, tmp, bin);
	free(bin);
	cr_assert_eq(r.code, 1, "exit %d: %s", r.code, r.err);
	assert_no_card_numbers(r.out, "run stdout");
	assert_no_card_numbers(r.err, "run stderr");
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", tmp);
	char *text = tu_read(res);
	cr_assert(text && strstr(text, "pan.exposed"));
	assert_no_card_numbers(text, "results.json");
	free(text);
	/* every renderer the binary has, from results.json */
	const char *formats[] = {"json", "junit", "html", "sarif", "text"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		r = tu_sh("%s report %s --format %s -o %s/report.%s", tu_bin(), res, formats[i],
		          tmp, formats[i]);
		if (r.code != 0) { /* not a format this build has */
			tu_run_free(&r);
			continue;
		}
		tu_run_free(&r);
		char *p = xasprintf("%s/report.%s", tmp, formats[i]);
		text = tu_read(p);
		cr_assert(text);
		assert_no_card_numbers(text, formats[i]);
		free(text);
		free(p);
	}
	/* PDF streams are compressed: read its text when poppler is there */
	r = tu_sh(
	    "command -v pdftotext >/dev/null && %s report %s --format pdf -o %s/report.pdf && "
	    "pdftotext %s/report.pdf %s/report.txt",
	    tu_bin(), res, tmp, tmp, tmp);
	if (r.code == 0) {
		char *p = xasprintf("%s/report.txt", tmp);
		text = tu_read(p);
		cr_assert(text);
		assert_no_card_numbers(text, "pdf");
		free(text);
		free(p);
	}
	tu_run_free(&r);
	r = tu_sh("%s probe pan --json %s", tu_bin(), dir);
	cr_assert_eq(r.code, 0);
	cr_assert(strstr(r.out, "\"pan.exposed\""));
	assert_no_card_numbers(r.out, "probe --json");
	tu_run_free(&r);
	r = tu_sh("%s probe pan %s", tu_bin(), dir);
	assert_no_card_numbers(r.out, "probe");
	tu_run_free(&r);
	free(res);
	free(plan);
	free(rules);
	free(pp);
	SH("rm -rf %s %s/..", tmp, dir);
	free(tmp);
	free(dir);
}

/* --- bad input --- */

Test(pan_bad, unreadable_files_and_directories, .timeout = 60)
{
	char *dir = tu_tmpdir();
	chmod(dir, 0755);
	free(tu_write(dir, "ok.log", "card 4111111111111111\n"));
	free(tu_write(dir, "secret.log", "card 5555555555554444\n"));
	SH("mkdir %s/locked && echo 'card 4012888888881881' > %s/locked/x.log", dir, dir);
	SH("chmod 000 %s/secret.log %s/locked", dir, dir);
	/* root reads everything: drop to nobody, as an auditor's account would be */
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");
		cr_assert(pw);
		cr_assert_eq(setgid(pw->pw_gid), 0);
		cr_assert_eq(setuid(pw->pw_uid), 0);
	}
	struct facts f;
	const char *in[] = {dir};
	int rc = run_pan(&f, in, 1, NULL, 0, 30);
	cr_assert_eq(rc, 0, "one readable file: the run is not a failure");
	cr_assert_eq(get_int(&f, "pan.errors"), 2);
	cr_assert_eq(errors_with(&f, "secret.log: cannot open: Permission denied"), 1);
	cr_assert_eq(errors_with(&f, "locked: cannot open the directory: Permission denied"), 1);
	cr_assert_eq(get_int(&f, "pan.exposed"), 1);
	cr_assert_not(get_bool(&f, "pan.complete"));
	facts_free(&f);
	free(dir);
}

Test(pan_bad, symlink_loops_fifos_and_devices_are_skipped, .timeout = 60)
{
	char *dir = tu_tmpdir();
	free(tu_write(dir, "a.log", "card 4111111111111111\n"));
	SH("cd %s && mkdir sub && ln -s .. sub/up && ln -s self self && ln -s nowhere dangling "
	   "&& ln -s a.log again.log && mkfifo pipe",
	   dir);
	struct facts f;
	const char *in[] = {dir, "/dev/null"};
	/* a FIFO opened would block until the test's own timeout fails it */
	int rc = run_pan(&f, in, 2, NULL, 0, 30);
	cr_assert_eq(rc, 0);
	cr_assert_eq(get_int(&f, "pan.exposed"), 1, "a.log once, not again through its link");
	cr_assert_eq(get_int(&f, "pan.files_scanned"), 1);
	cr_assert_eq(skips_with(&f, "sub/up: symbolic link loop"), 1);
	cr_assert_eq(skips_with(&f, "self: symbolic link loop"), 1);
	cr_assert_eq(skips_with(&f, "dangling: dangling symbolic link"), 1);
	cr_assert_eq(skips_with(&f, "pipe: a FIFO, not read"), 1);
	cr_assert_eq(skips_with(&f, "/dev/null: a character device, not read"), 1);
	cr_assert_eq(get_int(&f, "pan.errors"), 0);
	cr_assert(get_bool(&f, "pan.complete"));
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(dir);
}

Test(pan_bad, zip_bomb_is_stopped, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *gen = gen_bin();
	struct tu_run r = tu_sh("%s bomb %s/bomb.zip 100", gen, dir);
	cr_assert_eq(r.code, 0);
	tu_run_free(&r);
	free(tu_write(dir, "after.log", "card 4111111111111111\n"));
	struct facts f;
	const char *in[] = {dir};
	double t0 = time_mono_ms();
	run_pan(&f, in, 1, NULL, 0, 60);
	cr_log_info("bomb: %.0f ms", time_mono_ms() - t0);
	cr_assert_eq(errors_with(&f, "bomb.zip!zeros.txt: archive bomb?"), 1, "%s",
	             f.nerrors ? f.errors[0] : "no error");
	cr_assert_eq(get_int(&f, "pan.exposed"), 1, "the scan went on after the bomb");
	cr_assert_not(get_bool(&f, "pan.complete"));
	facts_free(&f);
	free(gen);
	SH("rm -rf %s", dir);
	free(dir);
}

Test(pan_bad, corrupt_and_truncated_archives, .timeout = 60)
{
	char *dir = make_corpus(1);
	char *bad = xasprintf("%s/bad", dir);
	SH("mkdir %s && cp %s/exports/monthly.zip %s/trunc.zip && truncate -s 700 %s/trunc.zip"
	   " && cp %s/backup/logs.tar.gz %s/flip.tar.gz"
	   " && printf 'XXXXXXXXXXXXXXXX' | dd of=%s/flip.tar.gz bs=1 seek=40 conv=notrunc"
	   " 2>/dev/null && printf 'PK\\003\\004garbage' > %s/junk.zip",
	   bad, dir, bad, bad, dir, bad, bad, bad);
	struct facts f;
	const char *in[] = {bad};
	run_pan(&f, in, 1, NULL, 0, 30);
	/* each is named; a member cut off midway is named too ("trunc.zip!2024/jan.csv") */
	cr_assert_geq(errors_with(&f, "trunc.zip"), 1);
	cr_assert_eq(errors_with(&f, "flip.tar.gz: cannot open the archive"), 1);
	cr_assert_eq(errors_with(&f, "junk.zip: corrupt or unreadable archive"), 1);
	cr_assert_eq((size_t)get_int(&f, "pan.errors"), f.nerrors);
	cr_assert_not(get_bool(&f, "pan.complete"));
	facts_free(&f);
	free(bad);
	SH("rm -rf %s/..", dir);
	free(dir);
}

/*
 * An xz header may ask for a dictionary of up to 4 GiB, which libarchive's
 * own reader would allocate. A valid stream whose block header asks for
 * that (its CRC32 fixed up) is refused at the decoder's memory limit, named,
 * alone and inside a gzip; an ordinary xz beside it is still read.
 */
Test(pan_bad, xz_asking_for_4_gib_is_refused, .timeout = 60)
{
	char *dir = tu_tmpdir();
	const char *text = "card 4111111111111111 in a compressed export\n";
	uint8_t xz[4096];
	size_t n = 0;
	cr_assert_eq(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, (const uint8_t *)text,
	                                     strlen(text), xz, &n, sizeof(xz)),
	             LZMA_OK);
	char *ok = xasprintf("%s/ok.txt.xz", dir);
	FILE *fp = fopen(ok, "wb");
	cr_assert(fp && fwrite(xz, 1, n, fp) == n);
	fclose(fp);
	/*
	 * The block header at 12: its size / 4 - 1, flags (0x40, 0x80: the
	 * compressed and uncompressed sizes follow as varints), then the one
	 * filter: LZMA2 id 0x21, 1 byte of properties (the dictionary size),
	 * padding, and a CRC32 of it all in its last 4 bytes.
	 */
	size_t hsize = ((size_t)xz[12] + 1) * 4, p = 14;
	cr_assert_eq(xz[13] & 3, 0, "one filter");
	for (int v = 0; v < ((xz[13] & 0x40) != 0) + ((xz[13] & 0x80) != 0); v++)
		while (xz[p++] & 0x80)
			;
	cr_assert(xz[p] == 0x21 && xz[p + 1] == 1, "LZMA2 with one property byte");
	xz[p + 2] = 40; /* the largest dictionary: 4 GiB - 1 */
	uint32_t crc = lzma_crc32(xz + 12, hsize - 4, 0);
	for (int i = 0; i < 4; i++)
		xz[12 + hsize - 4 + i] = (uint8_t)(crc >> (8 * i));
	char *evil = xasprintf("%s/evil.txt.xz", dir);
	fp = fopen(evil, "wb");
	cr_assert(fp && fwrite(xz, 1, n, fp) == n);
	fclose(fp);
	SH("gzip -c %s > %s/nested.xz.gz", evil, dir);
	struct facts f;
	const char *in[] = {dir};
	run_pan(&f, in, 1, NULL, 0, 30);
	for (size_t i = 0; i < f.nerrors; i++)
		cr_log_info("%s", f.errors[i]);
	cr_assert_eq(errors_with(&f, "evil.txt.xz: cannot open the archive: xz: the stream needs "
	                             "4096 MiB to decode, over the 256 MiB limit"),
	             1);
	cr_assert_eq(errors_with(&f, "nested.xz.gz!nested.xz: cannot open the archive: xz: the "
	                             "stream needs 4096 MiB"),
	             1);
	cr_assert_eq(get_int(&f, "pan.exposed"), 1, "ok.txt.xz is read");
	cr_assert_not(get_bool(&f, "pan.complete"));
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(ok);
	free(evil);
	free(dir);
}

Test(pan_bad, sparse_file_costs_its_data_only, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *p = xasprintf("%s/sparse.img", dir);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	cr_assert(fd >= 0);
	const char *a = "head 4111111111111111\n", *b = "tail 5555555555554444\n";
	cr_assert_eq(pwrite(fd, a, strlen(a), 0), (ssize_t)strlen(a));
	off_t far = (off_t)300 << 20;
	cr_assert_eq(pwrite(fd, b, strlen(b), far), (ssize_t)strlen(b));
	close(fd);
	struct facts f;
	const char *in[] = {p};
	double t0 = time_mono_ms();
	int rc = run_pan(&f, in, 1, NULL, 0, 30);
	double ms = time_mono_ms() - t0;
	cr_log_info("300 MiB sparse file: %.0f ms", ms);
	cr_assert_eq(rc, 0);
	cr_assert_eq(get_int(&f, "pan.exposed"), 2);
	cr_assert_eq(f.nfindings, 2);
	cr_assert_eq(f.findings[1].loc.offset, far + 5);
	cr_assert_eq(f.findings[1].loc.line, 2);
	cr_assert_lt(get_int(&f, "pan.bytes_scanned"), 16 << 20, "holes are not read");
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(p);
	free(dir);
}

Test(pan_bad, one_long_line, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *p = xasprintf("%s/line.txt", dir);
	FILE *fp = fopen(p, "w");
	static char chunk[1 << 16];
	memset(chunk, 'a', sizeof(chunk));
	for (int i = 0; i < 1024; i++) /* 64 MiB, no newline */
		fwrite(chunk, 1, sizeof(chunk), fp);
	fputs(" 4111111111111111", fp);
	fclose(fp);
	struct facts f;
	const char *in[] = {p};
	int rc = run_pan(&f, in, 1, NULL, 0, 30);
	cr_assert_eq(rc, 0);
	cr_assert_eq(f.nfindings, 1);
	cr_assert_eq(f.findings[0].loc.line, 1);
	cr_assert_eq(f.findings[0].loc.column, (64 << 20) + 2);
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(p);
	free(dir);
}

/* The check digit that makes digits d[0, n) Luhn-valid when appended. */
static char luhn_digit(const char *d, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(d[n - 1 - i] - '0');
		if (i % 2 == 0 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* A transaction export with a card number and a labelled CVV on every line
 * (card numbers made here, none written in the source): the windows the
 * CVV search looks in overlap line after line, each CVV is still counted
 * once, and past the 5,000 findings kept the counts go on. */
Test(pan_bad, dense_card_data_past_the_findings_cap, .timeout = 60)
{
	char *dir = tu_tmpdir();
	char *p = xasprintf("%s/export.csv", dir);
	FILE *fp = fopen(p, "w");
	cr_assert(fp);
	enum { LINES = 7000 };
	for (unsigned i = 0; i < LINES; i++) {
		char pan[20];
		snprintf(pan, sizeof(pan), "62220200%010u", i * 7919u);
		pan[18] = luhn_digit(pan, 18);
		pan[19] = '\0';
		/* a merchant name of varying length moves each label across the
		 * edges of the windows before it */
		fprintf(fp, "2026-11-29,txn%06u,%s,cvv: %03u,%u.%02u,OK,%.*s\n", i, pan,
		        100 + i % 900, i % 5000, i % 100, (int)(i * 37 % 151),
		        "merchant-name-merchant-name-merchant-name-merchant-name-merchant-name-"
		        "merchant-name-merchant-name-merchant-name-merchant-name-merchant-name-"
		        "merchant-name");
	}
	fclose(fp);
	struct facts f;
	const char *in[] = {p};
	cr_assert_eq(run_pan(&f, in, 1, NULL, 0, 30), 0);
	cr_expect_eq(get_int(&f, "pan.exposed"), LINES);
	cr_expect_eq(get_int(&f, "pan.distinct"), LINES);
	cr_expect_eq(get_int(&f, "pan.cvv"), LINES);
	cr_expect_eq(f.nfindings, 5000);
	cr_expect_eq(get_int(&f, "pan.findings_dropped"), 2 * LINES - 5000);
	/* the findings kept carry their masked excerpt */
	for (size_t i = 0; i < f.nfindings; i++)
		cr_assert(f.findings[i].excerpt && strstr(f.findings[i].excerpt, "cvv: "),
		          "finding %zu has no excerpt: '%s'", i,
		          f.findings[i].excerpt ? f.findings[i].excerpt : "(null)");
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(p);
	free(dir);
}

Test(pan_bad, deadline_cuts_the_scan_short_with_what_was_found, .timeout = 60)
{
	/*
	 * 192 MiB on one thread against a 40 ms budget: one thread reads about
	 * 1.3 GB/s from the page cache here, so the whole scan would need
	 * ~150 ms. Whether the scan stopped is read from its facts (bytes
	 * scanned, the error), never from a clock.
	 */
	char *dir = tu_tmpdir();
	char *gen = gen_bin();
	struct tu_run r =
	    tu_sh("set -e; for i in 1 2 3 4; do %s bench %s/big$i.txt 48 $i; done", gen, dir);
	cr_assert_eq(r.code, 0);
	tu_run_free(&r);
	struct facts f;
	const char *in[] = {dir};
	struct opts one = {"files.threads", "1"};
	/* under memcheck (make valgrind sets TEST_WRAPPER) everything is ~30x slower */
	double slow = tu_memcheck() ? 30 : 1;
	double t0 = time_mono_ms();
	int rc = run_pan(&f, in, 1, &one, 1, 0.04 * slow);
	cr_log_info("cut short after %.0f ms, %lld bytes scanned", time_mono_ms() - t0,
	            (long long)get_int(&f, "pan.bytes_scanned"));
	cr_assert_lt(rc, 0);
	char *want = xasprintf("scan cut short by the %g s deadline", 0.04 * slow);
	cr_assert_eq(errors_with(&f, want), 1);
	free(want);
	cr_assert_not(get_bool(&f, "pan.complete"));
	cr_assert_lt(get_int(&f, "pan.bytes_scanned"), 4 * (48 << 20));
	/* what was scanned before the deadline is counted and kept */
	cr_assert_gt(get_int(&f, "pan.bytes_scanned"), 0);
	facts_free(&f);
	free(gen);
	SH("rm -rf %s", dir);
	free(dir);
}

/* --- the command line --- */

Test(pan_cli, demo_fixtures_are_what_pan_gen_makes)
{
	char *dir = tu_tmpdir();
	char *gen = gen_bin();
	struct tu_run r = tu_sh("%s demo %s && diff -r %s fixtures/pan/demo", gen, dir, dir);
	cr_assert_eq(r.code, 0, "fixtures/pan/demo differs from 'pan-gen demo': %s%s", r.out,
	             r.err);
	tu_run_free(&r);
	SH("rm -rf %s", dir);
	free(gen);
	free(dir);
}

Test(pan_cli, probe_command_options_and_exit_codes)
{
	struct tu_run r = tu_sh("%s probe pan --help", tu_bin());
	cr_assert_eq(r.code, 0);
	cr_assert(strstr(r.out, "--exclude") && strstr(r.out, "--max-file-size") &&
	          strstr(r.out, "--threads") && strstr(r.out, "--ignore-test-cards"));
	tu_run_free(&r);

	r = tu_sh("%s probe pan fixtures/pan/demo --exclude '*.zip' --threads 2 --max-file-size 1M "
	          "--json",
	          tu_bin());
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "\"pan.exposed\": 1"), "%s", r.out);
	cr_assert(strstr(r.out, "\"pan.masked_ok\": 4"), "%s", r.out);
	cr_assert_null(strstr(r.out, "old-batches.zip"));
	cr_assert_null(strstr(r.out, "4111111111111111"));
	tu_run_free(&r);

	r = tu_sh("%s probe pan fixtures/pan/demo --ignore-test-cards true --json", tu_bin());
	cr_assert_eq(r.code, 0);
	cr_assert(strstr(r.out, "\"pan.exposed\": 0"), "%s", r.out);
	cr_assert(strstr(r.out, "\"pan.test_cards_ignored\": 2"), "%s", r.out);
	tu_run_free(&r);

	r = tu_sh("%s probe pan /nonexistent/path", tu_bin());
	cr_assert_eq(r.code, 3);
	cr_assert(strstr(r.out, "/nonexistent/path: No such file or directory"), "%s", r.out);
	tu_run_free(&r);

	r = tu_sh("%s probe pan fixtures/pan/demo --threads 0", tu_bin());
	cr_assert_eq(r.code, 3);
	cr_assert(strstr(r.out, "files.threads"), "%s", r.out);
	tu_run_free(&r);

	char *dir = tu_tmpdir();
	char *plan = tu_write(dir, "p.ini",
	                      "[assessment]\nname = x\n\n[target t]\nfiles = .\n"
	                      "files.bogus = 1\n");
	r = tu_sh("%s run %s -o %s/out", tu_bin(), plan, dir);
	cr_assert_eq(r.code, 2);
	cr_assert(strstr(r.err, "the pan probe has no option 'bogus'"), "%s", r.err);
	tu_run_free(&r);
	SH("rm -rf %s", dir);
	free(plan);
	free(dir);
}
