/*
 * The pan probe's keys-and-secrets finder (probes/pan/secret.c), its
 * retention ages, mail files, UnionPay inventory and JR/T 0171 classes, and
 * truncations beside unkeyed hashes, and the catalog rows that read them
 * (UPD-01, UPD-07, UPD-13, UPD-16, UPD-17, UPD-27 in updss, PFI-01 in
 * jrt0171), on keys made at test time by
 * fixtures/pan/keys.sh (openssl, ssh-keygen) and captures by pcap-gen.
 * No key material and no secret value may reach any output.
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include "harness/facts.h"
#include "probes/probe.h"

#include <libgen.h>

extern const struct probe probe_pan;

/* This suite runs the binary; its own short-lived strings are not the point. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

#define SH(...)                                                                                    \
	do {                                                                                       \
		struct tu_run r_ = tu_sh(__VA_ARGS__);                                             \
		cr_assert_eq(r_.code, 0, "%s", r_.err);                                            \
		tu_run_free(&r_);                                                                  \
	} while (0)

/* A folder made by fixtures/pan/keys.sh. */
static char *make_keys(void)
{
	char *dir = tu_tmpdir();
	struct tu_run r = tu_sh("fixtures/pan/keys.sh %s", dir);
	cr_assert_eq(r.code, 0, "keys.sh: %s", r.err);
	tu_run_free(&r);
	return dir;
}

static int run_pan(struct facts *f, const char *path, const char *opt, const char *val)
{
	struct target_input in = {"files", path};
	struct target_option op = {opt, val};
	struct target t = {"t", &in, 1, &op, opt ? 1 : 0};
	struct probe_opts po = {.timeout_s = 60};
	facts_init(f);
	return probe_pan.run(&t, &po, f);
}

static int64_t get_int(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_INT, "fact %s", key);
	return v->i;
}

static const struct fact_value *get_list(const struct facts *f, const char *key)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v && v->type == FACT_LIST, "fact %s", key);
	return v;
}

static bool list_has_suffix(const struct fact_value *v, const char *suffix)
{
	size_t n = strlen(suffix);
	for (size_t i = 0; i < v->nitems; i++) {
		size_t m = strlen(v->items[i]);
		if (m >= n && strcmp(v->items[i] + m - n, suffix) == 0)
			return true;
	}
	return false;
}

/* Findings of kind (NULL: any) in files whose path ends with suffix (NULL: any). */
static size_t count_findings(const struct facts *f, const char *kind, const char *suffix)
{
	size_t c = 0;
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *x = &f->findings[i];
		if (kind && strcmp(x->kind, kind) != 0)
			continue;
		if (suffix) {
			size_t n = strlen(suffix), m = x->loc.file ? strlen(x->loc.file) : 0;
			if (m < n || strcmp(x->loc.file + m - n, suffix) != 0)
				continue;
		}
		c++;
	}
	return c;
}

static const struct finding *find_one(const struct facts *f, const char *kind, const char *suffix)
{
	for (size_t i = 0; i < f->nfindings; i++) {
		const struct finding *x = &f->findings[i];
		size_t n = strlen(suffix), m = x->loc.file ? strlen(x->loc.file) : 0;
		if (strcmp(x->kind, kind) == 0 && m >= n &&
		    strcmp(x->loc.file + m - n, suffix) == 0)
			return x;
	}
	return NULL;
}

Test(pan_keys, private_keys_are_parsed_typed_and_sized, .timeout = 120)
{
	char *dir = make_keys();
	struct facts f;
	cr_assert_eq(run_pan(&f, dir, NULL, NULL), 0);
	cr_expect_eq(get_int(&f, "pan.private_keys"), 6);
	cr_expect_eq(get_int(&f, "pan.private_keys_encrypted"), 3);
	cr_expect_eq(get_int(&f, "pan.private_keys_unparsed"), 2);
	static const char *const want[][2] = {
	    {"keys/rsa1.pem", "RSA (PKCS#1), 2048 bits"},
	    {"keys/rsa8.pem", "RSA (PKCS#8), 2048 bits"},
	    {"keys/ec.pem", "EC (SEC1), 256 bits"},
	    {"keys/ed25519.pem", "ED25519 (PKCS#8), 256 bits"},
	    {"keys/id_ed25519", "ssh-ed25519 (OpenSSH), 256 bits"},
	    {"keys/id_rsa", "ssh-rsa (OpenSSH), 3072 bits"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct finding *x = find_one(&f, "private-key", want[i][0]);
		cr_assert_not_null(x, "no private-key finding in %s", want[i][0]);
		cr_expect(strstr(x->message, want[i][1]), "%s: %s", want[i][0], x->message);
		cr_expect_str_eq(x->severity, "high");
		cr_expect_eq(x->loc.line, 1, "%s", want[i][0]);
		cr_expect_eq(count_findings(&f, NULL, want[i][0]), 1, "%s", want[i][0]);
	}
	/* encrypted keys are told apart: three formats, none counted as a key */
	const struct finding *e = find_one(&f, "private-key-encrypted", "enc/id_ed25519");
	cr_assert_not_null(e);
	cr_expect(strstr(e->message, "ssh-ed25519 (OpenSSH)"), "%s", e->message);
	cr_expect_str_eq(e->severity, "info");
	cr_expect_not_null(find_one(&f, "private-key-encrypted", "enc/p8.pem"));
	e = find_one(&f, "private-key-encrypted", "enc/legacy.pem");
	cr_assert_not_null(e);
	cr_expect(strstr(e->message, "Proc-Type 4,ENCRYPTED"), "%s", e->message);
	/* a PEM that does not parse is reported as such, not as a key */
	cr_expect_not_null(find_one(&f, "private-key-unparsed", "bad/notakey.pem"));
	e = find_one(&f, "private-key-unparsed", "bad/cut.pem");
	cr_assert_not_null(e);
	cr_expect_eq(e->loc.line, 2, "the BEGIN line");
	/* certificates and public keys are not keys */
	cr_expect_eq(count_findings(&f, NULL, "clean/cert.pem"), 0);
	cr_expect_eq(count_findings(&f, NULL, "clean/pub.pem"), 0);
	const struct fact_value *wk = get_list(&f, "pan.files_with_keys");
	cr_expect(list_has_suffix(wk, "keys/id_rsa") && !list_has_suffix(wk, "enc/p8.pem"));
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(dir);
}

/* "expect: N secrets, M key" on a file's first lines. */
static void expected(const char *path, long *secrets, long *keys)
{
	char *text = tu_read(path);
	cr_assert_not_null(text, "%s", path);
	char *p = strstr(text, "expect: ");
	cr_assert_not_null(p, "%s has no expectation", path);
	cr_assert_eq(sscanf(p, "expect: %ld secrets, %ld key", secrets, keys), 2, "%s", path);
	free(text);
}

Test(pan_keys, secrets_per_file_and_no_look_alikes, .timeout = 120)
{
	char *dir = make_keys();
	struct facts f;
	cr_assert_eq(run_pan(&f, dir, NULL, NULL), 0);
	static const char *const files[] = {"app.properties", "config.yaml", "settings.json",
	                                    "deploy.sh", "settings.xml"};
	long all_s = 0, all_k = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = xasprintf("%s/secrets/%s", dir, files[i]);
		char *suffix = xasprintf("secrets/%s", files[i]);
		long ws, wk;
		expected(path, &ws, &wk);
		size_t got = count_findings(&f, "hardcoded-password", suffix) +
		             count_findings(&f, "hardcoded-api-key", suffix) +
		             count_findings(&f, "access-key-id", suffix) +
		             count_findings(&f, "jdbc-password", suffix);
		cr_expect_eq((long)got, ws, "%s: %zu secrets, want %ld", files[i], got, ws);
		cr_expect_eq((long)count_findings(&f, "symmetric-key", suffix), wk, "%s keys",
		             files[i]);
		all_s += ws;
		all_k += wk;
		free(path);
		free(suffix);
	}
	cr_expect_eq(get_int(&f, "pan.hardcoded_secrets"), all_s);
	cr_expect_eq(get_int(&f, "pan.symmetric_keys"), all_k);
	/* the clean folder: environment references, templates, prose */
	cr_expect_eq(count_findings(&f, NULL, "clean/app.env"), 0);
	/* names and lengths, right lines */
	const struct finding *x = find_one(&f, "hardcoded-password", "secrets/settings.xml");
	cr_assert_not_null(x);
	cr_expect_eq(x->loc.line, 2);
	cr_expect(strstr(x->message, "'password' (14 characters)"), "%s", x->message);
	x = find_one(&f, "symmetric-key", "secrets/deploy.sh");
	cr_assert_not_null(x);
	cr_expect(strstr(x->message, "'MASTER_KEY': 48 hex digits"), "%s", x->message);
	cr_expect_eq(x->loc.line, 4);
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(dir);
}

/* Every base64 line of the key files and every secret value, absent from text. */
static void expect_no_material(const char *dir, const char *text, const char *what)
{
	static const char *const values[] = {"fixture-pw-1",
	                                     "Fixture-Db-Pass",
	                                     "00112233445566778899aabbccddeeff",
	                                     "AKIAFIXTURE0EXAMPLE1",
	                                     "fixture-yaml-pw",
	                                     "fixture-client-secret",
	                                     "fixture-tiger",
	                                     "fixture-json-pw",
	                                     "AIzaFixtureFixture",
	                                     "fixture-shell-pw",
	                                     "0123456789ABCDEF0123456789ABCDEF",
	                                     "fixture-xml-pw",
	                                     "sk_fixture_0123456789abcdef"};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		cr_expect_null(strstr(text, values[i]), "%s holds the value %s", what, values[i]);
	static const char *const keys[] = {"keys/rsa1.pem", "keys/id_rsa", "keys/ec.pem",
	                                   "keys/id_ed25519"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char *p = xasprintf("%s/%s", dir, keys[k]);
		char *pem = tu_read(p);
		cr_assert_not_null(pem);
		for (char *line = strtok(pem, "\n"); line; line = strtok(NULL, "\n"))
			if (strlen(line) >= 24 && line[0] != '-')
				cr_expect_null(strstr(text, line), "%s holds key material of %s",
				               what, keys[k]);
		free(pem);
		free(p);
	}
}

Test(pan_keys, no_key_material_or_secret_value_in_any_output, .timeout = 120)
{
	char *dir = make_keys();
	struct tu_run r = tu_sh("%s probe pan %s --json", tu_bin(), dir);
	cr_assert_eq(r.code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "private-key"), "the probe found nothing: %s", r.out);
	expect_no_material(dir, r.out, "probe --json");
	expect_no_material(dir, r.err, "probe stderr");
	tu_run_free(&r);
	char *text =
	    xasprintf("[assessment]\nname = keys\nrules = updss\n\n[target t]\nfiles = %s\n", dir);
	char *plan = tu_write(dir, "plan.ini", text);
	free(text);
	r = tu_sh("%s run %s -o %s/out --format json,html,sarif,junit -q", tu_bin(), plan, dir);
	cr_assert(r.code == 1, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	static const char *const outs[] = {"results.json", "report.html", "results.sarif",
	                                   "junit.xml"};
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char *p = xasprintf("%s/out/%s", dir, outs[i]);
		char *body = tu_read(p);
		if (body) {
			expect_no_material(dir, body, outs[i]);
			free(body);
		}
		free(p);
	}
	free(plan);
	SH("rm -rf %s", dir);
	free(dir);
}

Test(pan_keys, found_once_across_block_boundaries_and_in_archives, .timeout = 120)
{
	char *dir = make_keys();
	/* a password across the first 1 MiB block's end, a key across the second's */
	SH("cd %s && mkdir -p big && { head -c 1048570 /dev/zero | tr '\\0' 'y'; printf "
	   "'\\npassword=fixture-edge-pw\\n'; head -c 1048500 /dev/zero | tr '\\0' 'z'; "
	   "printf '\\n'; cat keys/rsa1.pem; } > big/edge.txt && gzip -k -c big/edge.txt > "
	   "big/edge.txt.gz",
	   dir);
	char *big = xasprintf("%s/big", dir);
	struct facts f;
	cr_assert_eq(run_pan(&f, big, NULL, NULL), 0);
	cr_expect_eq(count_findings(&f, "hardcoded-password", "big/edge.txt"), 1);
	cr_expect_eq(count_findings(&f, "private-key", "big/edge.txt"), 1);
	cr_expect_eq(count_findings(&f, "hardcoded-password", "edge.txt.gz!edge.txt"), 1);
	cr_expect_eq(count_findings(&f, "private-key", "edge.txt.gz!edge.txt"), 1);
	const struct finding *x = find_one(&f, "hardcoded-password", "big/edge.txt");
	cr_assert_not_null(x);
	cr_expect_eq(x->loc.line, 2);
	cr_expect_eq(x->loc.offset, 1048571);
	x = find_one(&f, "private-key", "big/edge.txt");
	cr_assert_not_null(x);
	cr_expect_eq(x->loc.line, 4);
	cr_expect(strstr(x->message, "RSA (PKCS#1), 2048 bits"), "%s", x->message);
	facts_free(&f);
	free(big);
	SH("rm -rf %s", dir);
	free(dir);
}

/* The AVX2, SSSE3 and table paths of the anchor pass find the same things. */
Test(pan_keys, every_anchor_path_finds_the_same, .timeout = 120)
{
	char *dir = make_keys();
	static const char *const env[] = {"", "ASSAY_PAN_SSE2=1", "ASSAY_PAN_SSE2=2"};
	json_t *first = NULL;
	for (size_t i = 0; i < 3; i++) {
		struct tu_run r = tu_sh("%s %s probe pan %s/keys %s/secrets %s/enc --json", env[i],
		                        tu_bin(), dir, dir, dir);
		cr_assert_eq(r.code, 0, "%s", r.err);
		json_t *j = json_loads(r.out, 0, NULL);
		cr_assert(j);
		json_t *f = json_object_get(j, "findings");
		cr_assert(json_array_size(f) >= 20, "%s: %zu findings", env[i], json_array_size(f));
		if (!first)
			first = json_incref(f);
		else
			cr_expect(json_equal(first, f), "findings differ with %s", env[i]);
		json_decref(j);
		tu_run_free(&r);
	}
	json_decref(first);
	SH("rm -rf %s", dir);
	free(dir);
}

/* A folder for retention: card data 200 and 0 days old, a mask 120, no card data 400. */
static char *make_aged(void)
{
	char *dir = tu_tmpdir();
	SH("cd %s && printf 'refund 4111111111111111 done\\n' > old.log && "
	   "printf 'refund 5555555555554444 done\\n' > new.log && "
	   "printf 'card,622848******1234\\n' > masked.csv && printf 'nothing here\\n' > "
	   "notes.txt && touch -d '200 days ago' old.log && touch -d '120 days ago' masked.csv "
	   "&& touch -d '400 days ago' notes.txt",
	   dir);
	return dir;
}

Test(pan_retention, files_past_the_period_are_counted_and_named, .timeout = 60)
{
	char *dir = make_aged();
	struct facts f;
	cr_assert_eq(run_pan(&f, dir, "files.retention-days", "90"), 0);
	cr_expect_eq(get_int(&f, "pan.retention_days"), 90);
	cr_expect_eq(get_int(&f, "pan.files_past_retention"), 2);
	int64_t oldest = get_int(&f, "pan.card_data_oldest_days");
	cr_expect(oldest >= 199 && oldest <= 201, "oldest %lld", (long long)oldest);
	const struct finding *x = find_one(&f, "past-retention", "/old.log");
	cr_assert_not_null(x);
	cr_expect(strstr(x->message, "90-day"), "%s", x->message);
	cr_expect_not_null(find_one(&f, "past-retention", "/masked.csv"));
	cr_expect_eq(count_findings(&f, "past-retention", "/new.log"), 0);
	cr_expect_eq(count_findings(&f, "past-retention", "/notes.txt"), 0);
	facts_free(&f);

	cr_assert_eq(run_pan(&f, dir, "files.retention-days", "365"), 0);
	cr_expect_eq(get_int(&f, "pan.files_past_retention"), 0);
	facts_free(&f);
	/* without the option: the age, and no verdict fact */
	cr_assert_eq(run_pan(&f, dir, NULL, NULL), 0);
	cr_expect_null(facts_get(&f, "pan.files_past_retention"));
	cr_expect_null(facts_get(&f, "pan.retention_days"));
	cr_expect(get_int(&f, "pan.card_data_oldest_days") >= 199);
	facts_free(&f);
	/* a bad value is refused, naming the option */
	cr_expect_lt(run_pan(&f, dir, "files.retention-days", "ninety"), 0);
	cr_assert_gt(f.nerrors, 0);
	cr_expect(strstr(f.errors[0], "files.retention-days"), "%s", f.errors[0]);
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(dir);
}

/* Mail files, the UnionPay inventory and the classes of card data. */
static char *make_mail(void)
{
	char *dir = tu_tmpdir();
	SH("cd %s && mkdir -p spool plain && printf 'From ops@a.example Sat Nov 28 09:00:00 "
	   "2026\\nFrom: ops@a.example\\nSubject: refund\\n\\ncard 6200000000000005\\n' > "
	   "spool/mbox && printf 'Received: from a by b\\nFrom: x@a.example\\nTo: "
	   "y@b.example\\nSubject: hi\\n\\ntrack ;4111111111111111=30121010000000000000? cvv2: "
	   "123\\n' > spool/1.eml && printf 'Notes: refund\\ncard 6200000000000005\\n' > "
	   "plain/notes.txt",
	   dir);
	return dir;
}

Test(pan_mail, mail_files_unionpay_inventory_and_classes, .timeout = 60)
{
	char *dir = make_mail();
	struct facts f;
	cr_assert_eq(run_pan(&f, dir, NULL, NULL), 0);
	cr_expect_eq(get_int(&f, "pan.mail_files_with_pan"), 2);
	cr_expect_eq(get_int(&f, "pan.unionpay"), 2);
	const struct fact_value *u = get_list(&f, "pan.files_with_unionpay");
	cr_expect_eq(u->nitems, 2);
	cr_expect(list_has_suffix(u, "spool/mbox") && list_has_suffix(u, "plain/notes.txt"));
	cr_expect_eq(get_int(&f, "pan.class_c3"), get_int(&f, "pan.track_data") +
	                                              get_int(&f, "pan.cvv") +
	                                              get_int(&f, "pan.pin_block"));
	cr_expect_eq(get_int(&f, "pan.class_c3"), 2);
	cr_expect_eq(get_int(&f, "pan.class_c2"), get_int(&f, "pan.exposed"));
	for (size_t i = 0; i < f.nfindings; i++) {
		const struct finding *x = &f.findings[i];
		bool c3 = !strcmp(x->kind, "track2") || !strcmp(x->kind, "cvv");
		cr_expect(strstr(x->message, c3 ? "JR/T 0171 class C3" : "JR/T 0171 class C2"),
		          "%s: %s", x->kind, x->message);
	}
	facts_free(&f);
	SH("rm -rf %s", dir);
	free(dir);
}

/* Truncations beside unkeyed hashes of the same numbers (UPD-07), and look-alikes. */
static char *make_hashed(void)
{
	char *dir = tu_tmpdir();
	SH("cd %s && mkdir -p hashed keyed && "
	   "{ echo id,card,card_hash; "
	   "echo 1,411111******1111,$(printf %%s 4111111111111111 | sha256sum | cut -c1-64); "
	   "echo 2,555555******4444,$(printf %%s 5555555555554444 | sha1sum | cut -c1-40 | tr a-f "
	   "A-F); } > hashed/export.csv && "
	   "{ echo id,card,card_hash; echo 1,411111******1111,$(printf %%s 4111111111111111 | "
	   "openssl dgst -sha256 -hmac fixture-key -r | cut -c1-64); } > keyed/export.csv && "
	   "echo deployed 411111******1111 at commit $(printf x | sha1sum | cut -c1-40) > "
	   "keyed/deploy.log",
	   dir);
	return dir;
}

Test(pan_hashes, unkeyed_hashes_of_truncated_numbers_are_proven, .timeout = 120)
{
	char *dir = make_hashed();
	struct facts f;
	cr_assert_eq(run_pan(&f, dir, NULL, NULL), 0);
	cr_expect_eq(get_int(&f, "pan.unkeyed_pan_hashes"), 2);
	cr_expect_eq(get_int(&f, "pan.truncations_with_hashes"), 3);
	cr_expect_eq(get_int(&f, "pan.truncations_unchecked"), 0);
	cr_expect_eq(count_findings(&f, "unkeyed-pan-hash", "hashed/export.csv"), 2);
	cr_expect_eq(count_findings(&f, "unkeyed-pan-hash", "keyed/export.csv"), 0,
	             "an HMAC is not an unkeyed hash");
	cr_expect_eq(count_findings(&f, "unkeyed-pan-hash", "keyed/deploy.log"), 0);
	for (size_t i = 0; i < f.nfindings; i++) {
		const struct finding *x = &f.findings[i];
		if (strcmp(x->kind, "unkeyed-pan-hash") != 0)
			continue;
		bool sha1 = strstr(x->message, "SHA-1") != NULL;
		cr_expect_eq(x->loc.line, sha1 ? 3 : 2, "%s", x->message);
		cr_expect(strstr(x->message, sha1 ? "555555******4444 at line 3"
		                                  : "411111******1111 at line 2"),
		          "%s", x->message);
	}
	facts_free(&f);
	/* neither the number nor the digest is written */
	struct tu_run r = tu_sh("%s probe pan %s --json", tu_bin(), dir);
	cr_assert_eq(r.code, 0, "%s", r.err);
	struct tu_run h = tu_sh("printf %%s 4111111111111111 | sha256sum | cut -c1-64");
	h.out[strcspn(h.out, "\n")] = '\0';
	cr_assert(strlen(h.out) == 64);
	cr_expect_null(strstr(r.out, h.out), "the digest is in the output");
	cr_expect_null(strstr(r.out, "4111111111111111"));
	cr_expect(strstr(r.out, "unkeyed-pan-hash"));
	tu_run_free(&h);
	tu_run_free(&r);
	SH("rm -rf %s", dir);
	free(dir);
}

static char *pcap_gen(const char *kase, const char *dir, const char *name)
{
	char *b = xstrdup(tu_bin());
	char *out = xasprintf("%s/%s", dir, name);
	struct tu_run r = tu_sh("/usr/bin/env %s/pcap-gen %s %s", dirname(b), kase, out);
	cr_assert_eq(r.code, 0, "pcap-gen %s: %s", kase, r.err);
	tu_run_free(&r);
	free(b);
	return out;
}

Test(pan_rules, catalog_rows_pass_and_fail_on_fixtures, .timeout = 180)
{
	char *keys = make_keys();
	char *aged = make_aged();
	char *mail = make_mail();
	char *hashed = make_hashed();
	char *dir = tu_tmpdir();
	char *mailcap = pcap_gen("mail", dir, "mail.pcap");
	char *tlscap = pcap_gen("tls", dir, "tls.pcap");
	SH("mkdir -p %s/broken %s/fresh && printf 'PK\\003\\004garbage' > %s/broken/x.zip && "
	   "cp %s/new.log %s/fresh/",
	   dir, dir, dir, aged, dir);
	char *text =
	    xasprintf("[assessment]\nname = pan rows\nrules = updss, jrt0171\n\n"
	              "[target keys]\nfiles = %s/keys\n\n"
	              "[target secrets]\nfiles = %s/secrets\n\n"
	              "[target clean]\nfiles = %s/clean\n\n"
	              "[target old]\nfiles = %s\nfiles.retention-days = 90\n\n"
	              "[target fresh]\nfiles = %s/fresh\nfiles.retention-days = 90\n\n"
	              "[target mailbox]\nfiles = %s\n\n"
	              "[target mailwire]\npcap = %s\n\n"
	              "[target tlswire]\npcap = %s\n\n"
	              "[target broken]\nfiles = %s/broken\n\n"
	              "[target hashed]\nfiles = %s/hashed\n\n"
	              "[target keyed]\nfiles = %s/keyed\n",
	              keys, keys, keys, aged, dir, mail, mailcap, tlscap, dir, hashed, hashed);
	char *plan = tu_write(dir, "plan.ini", text);
	free(text);
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json -q", tu_bin(), plan, dir);
	cr_assert(r.code == 1 || r.code == 3, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert(j, "%s", je.text);
	static const char *const want[][3] = {
	    {"UPD-17", "keys", "fail"},     {"UPD-16", "keys", "fail"},
	    {"UPD-17", "secrets", "fail"},  {"UPD-16", "secrets", "fail"},
	    {"UPD-17", "clean", "pass"},    {"UPD-16", "clean", "pass"},
	    {"UPD-27", "old", "fail"},      {"UPD-27", "fresh", "pass"},
	    {"UPD-27", "clean", "error"},   {"UPD-13", "mailbox", "fail"},
	    {"UPD-13", "mailwire", "fail"}, {"UPD-13", "tlswire", "pass"},
	    {"UPD-13", "clean", "pass"},    {"UPD-01", "mailbox", "pass"},
	    {"UPD-01", "mailwire", "pass"}, {"UPD-01", "broken", "fail"},
	    {"PFI-01", "mailbox", "pass"},  {"PFI-01", "mailwire", "pass"},
	    {"PFI-01", "broken", "fail"},   {"UPD-07", "hashed", "fail"},
	    {"UPD-07", "keyed", "pass"},    {"UPD-07", "clean", "pass"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect_str_eq(tu_verdict(j, want[i][0], want[i][1]), want[i][2], "%s on %s",
		                 want[i][0], want[i][1]);
	json_decref(j);
	free(res);
	free(plan);
	free(mailcap);
	free(tlscap);
	SH("rm -rf %s %s %s %s %s", keys, aged, mail, hashed, dir);
	free(hashed);
	free(keys);
	free(aged);
	free(mail);
	free(dir);
}

/* A Luhn-valid 16-digit number from 15 digits, made at test time. */
static void luhn_complete(char out[17], const char *first15)
{
	int sum = 0;
	for (int i = 0; i < 15; i++) {
		int d = first15[i] - '0';
		if (i % 2 == 0) /* from the right, every second digit of 16 */
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
		out[i] = first15[i];
	}
	out[15] = (char)('0' + (10 - sum % 10) % 10);
	out[16] = '\0';
}

/*
 * J92-30 and PFI-02 on an app's data pulled from a device (files.scope =
 * app-data): SharedPreferences holding a password and a database page
 * holding a card number fail both; an app that keeps a token and a masked
 * number passes; a plain files target is not-applicable.
 */
Test(pan_rules, app_data_is_judged_by_j92_30_and_pfi02, .timeout = 120)
{
	char *dir = tu_tmpdir();
	char pan[17];
	luhn_complete(pan, "622848000000123");
	char *bad = xasprintf("%s/bad", dir), *good = xasprintf("%s/good", dir);
	SH("mkdir -p %s/shared_prefs %s/databases %s/shared_prefs %s/databases", bad, bad, good,
	   good);
	char *prefs = xasprintf("%s/shared_prefs", bad), *db = xasprintf("%s/databases", bad);
	free(tu_write(prefs, "login.xml",
	              "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n"
	              "    <string name=\"user\">alice</string>\n"
	              "    <string name=\"password\">Summer2026!</string>\n</map>\n"));
	char *page = xasprintf("SQLite format 3%c...cards...%s...", 0, pan);
	char *dbfile = xasprintf("%s/pay.db", db);
	FILE *fp = fopen(dbfile, "wb");
	cr_assert(fp);
	fwrite(page, 1, 16 + strlen(page + 16), fp);
	fclose(fp);
	char *gprefs = xasprintf("%s/shared_prefs", good);
	free(tu_write(gprefs, "login.xml",
	              "<map>\n    <string name=\"token\">opaque-revocable</string>\n"
	              "    <string name=\"card\">622848******1234</string>\n"
	              "    <string name=\"password_hint\">a pet</string>\n</map>\n"));
	char *plan = xasprintf("[assessment]\nname = app data\nrules = jrt0092, jrt0171\n"
	                       "[target bad]\nfiles = %s\nfiles.scope = app-data\n"
	                       "[target good]\nfiles = %s\nfiles.scope = app-data\n"
	                       "[target plain]\nfiles = %s\n",
	                       bad, good, good);
	char *js;
	json_t *j = tu_run_plan(dir, plan, &js);
	cr_assert_null(strstr(js, pan), "a full card number reached results.json");
	cr_assert_null(strstr(js, "Summer2026!"), "a password reached results.json");
	cr_expect_str_eq(tu_verdict(j, "J92-30", "bad"), "fail");
	cr_expect_str_eq(tu_verdict(j, "PFI-02", "bad"), "fail");
	cr_expect_str_eq(tu_verdict(j, "J92-30", "good"), "pass");
	cr_expect_str_eq(tu_verdict(j, "PFI-02", "good"), "pass");
	cr_expect_str_eq(tu_verdict(j, "J92-30", "plain"), "not-applicable");
	cr_expect_str_eq(tu_verdict(j, "PFI-02", "plain"), "not-applicable");
	json_decref(j);
	free(js);
	free(plan);
	free(gprefs);
	free(dbfile);
	free(page);
	free(prefs);
	free(db);
	free(bad);
	free(good);
	free(dir);
}
