/*
 * Tests of the app probe on APKs (probes/app/android.c, manifest.c,
 * axml.c, zip.c, apksig.c, dex.c) built by fixtures/app/mkapk.sh with
 * aapt, zipalign and apksigner. Each manifest fact is compared with what
 * `aapt dump badging` / `aapt dump xmltree` print for the same file, each
 * signature fact with `apksigner verify --verbose --print-certs`; the
 * hostile variants of fixtures/app/mkbad.py must give errors or findings
 * naming an offset, never a crash.
 */
#include "tests/testutil.h"
#include "tests/testjson.h"
#include "lib/mask.h"
#include "lib/strbuf.h"

#include "harness/facts.h"
#include "probes/probe.h"
#include "probes/app/axml.h"
#include "probes/app/dexcode.h"
#include "lib/err.h"

extern const struct probe probe_app;

static char apkdir[400], baddir[512];

static void fixtures(void)
{
	const char *base = getenv("TMPDIR");
	base = base && *base ? base : "/tmp";
	snprintf(apkdir, sizeof(apkdir), "%s/assay-app-apk2-%u", base, (unsigned)getuid());
	snprintf(baddir, sizeof(baddir), "%s/bad", apkdir);
	struct tu_run r =
	    tu_sh("flock %s.lock sh -c 'sh fixtures/app/mkapk.sh %s >/dev/null && "
	          "mkdir -p %s && { cmp -s %s/.done fixtures/app/mkbad.py || { python3 "
	          "fixtures/app/mkbad.py %s/app.apk %s && cp fixtures/app/mkbad.py %s/.done; "
	          "}; }'",
	          apkdir, apkdir, baddir, baddir, apkdir, baddir, baddir);
	cr_assert_eq(r.code, 0, "fixtures failed: %s", r.err);
	tu_run_free(&r);
}

static char *fx(const char *name)
{
	return xasprintf("%s/%s", apkdir, name);
}

static int probe(struct facts *f, const char *path)
{
	struct target_input in = {"apk", path};
	struct target t = {"test", &in, 1, NULL, 0};
	struct probe_opts po = {.timeout_s = 60};
	facts_init(f);
	int rc = probe_app.run(&t, &po, f);
	for (size_t i = 0; i < f->nerrors; i++)
		cr_log_info("error: %s", f->errors[i]);
	return rc;
}

static const struct fact_value *get(const struct facts *f, const char *key, enum fact_type t)
{
	const struct fact_value *v = facts_get(f, key);
	cr_assert(v, "fact %s missing", key);
	cr_assert_eq(v->type, t, "fact %s has type %d", key, v->type);
	return v;
}

static bool has_item(const struct fact_value *v, const char *item)
{
	for (size_t i = 0; i < v->nitems; i++)
		if (strcmp(v->items[i], item) == 0)
			return true;
	return false;
}

static bool has_finding(const struct facts *f, const char *kind, const char *at)
{
	for (size_t i = 0; i < f->nfindings; i++)
		if (strcmp(f->findings[i].kind, kind) == 0 &&
		    (!at || (f->findings[i].loc.file && strstr(f->findings[i].loc.file, at))))
			return true;
	return false;
}

/* What aapt says about one attribute of the application element. */
static int aapt_app_bool(const char *apk, const char *attr)
{
	struct tu_run r =
	    tu_sh("aapt dump xmltree '%s' AndroidManifest.xml | grep 'android:%s('", apk, attr);
	int v = -1;
	if (r.code == 0)
		v = strstr(r.out, "0xffffffff") != NULL ? 1
		    : strstr(r.out, "0x0\n") != NULL    ? 0
		                                        : -1;
	tu_run_free(&r);
	return v;
}

static void manifest_agrees_with_aapt(const char *name)
{
	fixtures();
	char *apk = fx(name);
	struct facts f;
	cr_assert_eq(probe(&f, apk), 0, "%s", apk);
	struct tu_run b = tu_sh("aapt dump badging '%s'", apk);
	cr_assert_eq(b.code, 0, "%s", b.err);
	char want[256];
	snprintf(want, sizeof(want), "package: name='%s' versionCode='%lld' versionName='%s'",
	         get(&f, "app.android.package", FACT_STRING)->s,
	         (long long)get(&f, "app.android.version_code", FACT_INT)->i,
	         get(&f, "app.android.version_name", FACT_STRING)->s);
	cr_expect(strstr(b.out, want), "badging lacks \"%s\":\n%s", want, b.out);
	snprintf(want, sizeof(want), "sdkVersion:'%lld'",
	         (long long)get(&f, "app.android.min_sdk", FACT_INT)->i);
	cr_expect(strstr(b.out, want), "badging lacks %s", want);
	snprintf(want, sizeof(want), "targetSdkVersion:'%lld'",
	         (long long)get(&f, "app.android.target_sdk", FACT_INT)->i);
	cr_expect(strstr(b.out, want), "badging lacks %s", want);
	cr_expect_eq(get(&f, "app.android.debuggable", FACT_BOOL)->b,
	             strstr(b.out, "application-debuggable") != NULL);
	/* every uses-permission aapt lists, and no other */
	const struct fact_value *perms = get(&f, "app.android.permissions", FACT_LIST);
	size_t n = 0;
	for (char *p = strstr(b.out, "uses-permission: name='"); p;
	     p = strstr(p + 1, "uses-permission: name='")) {
		char perm[128];
		cr_assert_eq(sscanf(p, "uses-permission: name='%127[^']'", perm), 1);
		cr_expect(has_item(perms, perm), "%s missing from app.android.permissions", perm);
		n++;
	}
	cr_expect_eq(perms->nitems, n);
	int ab = aapt_app_bool(apk, "allowBackup");
	cr_expect_eq(get(&f, "app.android.allow_backup", FACT_BOOL)->b, ab != 0);
	int ct = aapt_app_bool(apk, "usesCleartextTraffic");
	cr_expect_eq(get(&f, "app.android.uses_cleartext_traffic", FACT_BOOL)->b, ct == 1);
	int to = aapt_app_bool(apk, "testOnly");
	cr_expect_eq(get(&f, "app.android.test_only", FACT_BOOL)->b, to == 1);
	tu_run_free(&b);
	facts_free(&f);
	free(apk);
}

Test(app_apk, bad_manifest_agrees_with_aapt, .timeout = 300)
{
	manifest_agrees_with_aapt("app.apk");
}

Test(app_apk, good_manifest_agrees_with_aapt, .timeout = 300)
{
	manifest_agrees_with_aapt("good.apk");
}

/*
 * Exported components as the platform decides (fixtures/app/mkapk.sh
 * writes the manifest): implicit export by an intent filter below API 31,
 * explicit exported="true" without a permission; a permission, exported
 * "false" or a launcher activity are not reported.
 */
Test(app_apk, exported_components_and_flags, .timeout = 300)
{
	fixtures();
	char *apk = fx("app.apk");
	struct facts f;
	probe(&f, apk);
	const struct fact_value *ex = get(&f, "app.android.exported", FACT_LIST);
	cr_expect(has_item(ex, "activity:.DeepLink"));
	cr_expect(has_item(ex, "service:.SyncService"));
	cr_expect(has_item(ex, "provider:.DataProvider"));
	cr_expect(!has_item(ex, "activity:.MainActivity"), "launcher reported");
	cr_expect(!has_item(ex, "activity:.Internal"));
	cr_expect(!has_item(ex, "receiver:.Guarded"), "permission-protected receiver reported");
	cr_expect_eq(get(&f, "app.android.exported_count", FACT_INT)->i, 3);
	const struct fact_value *dp = get(&f, "app.android.dangerous_permissions", FACT_LIST);
	cr_expect(has_item(dp, "android.permission.READ_SMS"));
	cr_expect(has_item(dp, "android.permission.CAMERA"));
	cr_expect(!has_item(dp, "android.permission.INTERNET"));
	cr_expect(has_finding(&f, "android-debuggable", "app.apk!AndroidManifest.xml"));
	cr_expect(has_finding(&f, "android-exported-component", "app.apk!AndroidManifest.xml"));
	facts_free(&f);
	free(apk);
}

/* The network security config, read through resources.arsc, as aapt dumps it. */
Test(app_apk, network_security_config_agrees_with_aapt, .timeout = 300)
{
	fixtures();
	const char *apks[] = {"app.apk", "good.apk"};
	const char *files[] = {"res/xml/network_security_config.xml", "res/xml/nsc.xml"};
	for (int i = 0; i < 2; i++) {
		char *apk = fx(apks[i]);
		struct tu_run r = tu_sh("aapt dump xmltree '%s' %s", apk, files[i]);
		cr_assert_eq(r.code, 0, "%s", r.err);
		struct facts f;
		probe(&f, apk);
		cr_expect(get(&f, "app.android.network_security_config", FACT_BOOL)->b);
		bool aapt_ct = strstr(r.out, "cleartextTrafficPermitted") &&
		               strstr(strstr(r.out, "cleartextTrafficPermitted"), "0xffffffff") &&
		               strstr(strstr(r.out, "cleartextTrafficPermitted"), "0xffffffff") <
		                   strstr(strstr(r.out, "cleartextTrafficPermitted"), "\n") + 1;
		cr_expect_eq(get(&f, "app.android.nsc.cleartext_permitted", FACT_BOOL)->b, aapt_ct,
		             "%s", apks[i]);
		cr_expect_eq(get(&f, "app.android.nsc.user_cas", FACT_BOOL)->b,
		             strstr(r.out, "src=\"user\"") != NULL, "%s", apks[i]);
		cr_expect_eq(get(&f, "app.android.nsc.pins", FACT_BOOL)->b,
		             strstr(r.out, "E: pin-set") != NULL, "%s", apks[i]);
		tu_run_free(&r);
		facts_free(&f);
		free(apk);
	}
}

/* Native libraries: per ABI, each through the ELF checks, compared with checksec. */
Test(app_apk, native_libraries_per_abi, .timeout = 300)
{
	fixtures();
	char *apk = fx("app.apk");
	struct facts f;
	probe(&f, apk);
	const struct fact_value *abis = get(&f, "app.android.native.abis", FACT_LIST);
	cr_expect(has_item(abis, "arm64-v8a") && has_item(abis, "x86_64"));
	cr_expect_eq(get(&f, "app.android.native.x86_64.execstack", FACT_INT)->i, 1);
	cr_expect_eq(get(&f, "app.android.native.arm64_v8a.execstack", FACT_INT)->i, 0);
	cr_expect(has_finding(&f, "elf-execstack", "app.apk!lib/x86_64/libweak.so"));
	cr_expect(!has_finding(&f, "elf-execstack", "app.apk!lib/arm64-v8a/libhard.so"));
	/* checksec on the extracted library says the same */
	struct tu_run r = tu_sh("d=$(mktemp -d) && cd $d && unzip -q '%s' lib/x86_64/libweak.so && "
	                        "checksec --output=csv --file=lib/x86_64/libweak.so; rm -rf $d",
	                        apk);
	cr_expect(strstr(r.out, "No RELRO,No Canary found,NX disabled"), "checksec: %s", r.out);
	cr_expect_eq(get(&f, "app.android.native.x86_64.relro_none", FACT_INT)->i, 1);
	cr_expect_eq(get(&f, "app.android.native.x86_64.no_canary", FACT_INT)->i, 1);
	tu_run_free(&r);
	facts_free(&f);
	free(apk);
}

/* Packer tricks in AXML: tolerated, flagged, never believed. */
Test(app_apk, lying_axml_is_tolerated_and_flagged, .timeout = 300)
{
	fixtures();
	const char *names[] = {"axml_badsize.apk", "axml_strcount.apk", "axml_junk.apk"};
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", baddir, names[i]);
		struct facts f;
		probe(&f, p);
		cr_expect_str_eq(get(&f, "app.android.package", FACT_STRING)->s,
		                 "com.example.fixture", "%s", names[i]);
		cr_expect(get(&f, "app.android.debuggable", FACT_BOOL)->b, "%s", names[i]);
		cr_expect(has_finding(&f, "axml-anomaly", "AndroidManifest.xml"), "%s", names[i]);
		facts_free(&f);
		free(p);
	}
}

/* Broken archives and manifests: an error or finding with an offset. */
Test(app_apk, hostile_archives_report_offsets, .timeout = 300)
{
	fixtures();
	const struct {
		const char *file, *kind; /* kind NULL: the run must err */
	} rows[] = {
	    {"truncated.apk", NULL},          {"liesize.apk", NULL},
	    {"axml_trunc.apk", NULL},         {"axml_chunk.apk", NULL},
	    {"overlap.apk", "zip-structure"}, {"bomb.apk", "zip-structure"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *p = xasprintf("%s/%s", baddir, rows[i].file);
		struct facts f;
		int rc = probe(&f, p);
		if (!rows[i].kind) {
			cr_expect_lt(rc, 0, "%s: no error", rows[i].file);
			cr_expect(f.nerrors > 0 && strstr(f.errors[0], "offset"), "%s: %s",
			          rows[i].file, f.nerrors ? f.errors[0] : "(none)");
		} else {
			bool ok = false;
			for (size_t k = 0; k < f.nfindings; k++)
				if (strcmp(f.findings[k].kind, rows[i].kind) == 0 &&
				    strstr(f.findings[k].message, "offset"))
					ok = true;
			cr_expect(ok, "%s: no %s finding with an offset", rows[i].file,
			          rows[i].kind);
		}
		facts_free(&f);
		free(p);
	}
}

/* apksigner's verdict and certificate, line by line, for every fixture. */
Test(app_apk, signatures_agree_with_apksigner, .timeout = 300)
{
	fixtures();
	const char *apks[] = {"app.apk",      "good.apk",       "v1only.apk",   "v1md5.apk",
	                      "tampered.apk", "v1tampered.apk", "unsigned.apk", "weak.apk"};
	for (size_t i = 0; i < sizeof(apks) / sizeof(apks[0]); i++) {
		char *apk = fx(apks[i]);
		struct tu_run r = tu_sh("apksigner verify --verbose --print-certs '%s' 2>&1", apk);
		struct facts f;
		probe(&f, apk);
		bool verifies = strncmp(r.out, "Verifies", 8) == 0;
		/* MD5 digests: apksigner refuses them, we verify and flag them */
		if (strcmp(apks[i], "v1md5.apk") != 0)
			cr_expect_eq(get(&f, "app.android.sig.verified", FACT_BOOL)->b, verifies,
			             "%s: verified vs apksigner:\n%s", apks[i], r.out);
		if (verifies) {
			cr_expect_eq(
			    get(&f, "app.android.sig.v1", FACT_BOOL)->b,
			    strstr(r.out, "Verified using v1 scheme (JAR signing): true") != NULL,
			    "%s v1", apks[i]);
			cr_expect_eq(get(&f, "app.android.sig.v2", FACT_BOOL)->b,
			             strstr(r.out, "(APK Signature Scheme v2): true") != NULL,
			             "%s v2", apks[i]);
			cr_expect_eq(get(&f, "app.android.sig.v3", FACT_BOOL)->b,
			             strstr(r.out, "(APK Signature Scheme v3): true") != NULL,
			             "%s v3", apks[i]);
			char want[256];
			snprintf(want, sizeof(want), "Signer #1 certificate DN: %s\n",
			         get(&f, "app.android.cert.subject", FACT_STRING)->s);
			cr_expect(strstr(r.out, want), "%s: apksigner lacks %s", apks[i], want);
			/* Facts go through mask_text(): a digest whose hex holds a Luhn-valid
			 * run of 13-19 digits is stored masked, as apksigner's would be. */
			char *seen = mask_text(r.out);
			snprintf(want, sizeof(want), "Signer #1 certificate SHA-256 digest: %s\n",
			         get(&f, "app.android.cert.sha256", FACT_STRING)->s);
			cr_expect(strstr(seen, want), "%s: apksigner lacks %s", apks[i], want);
			free(seen);
			snprintf(want, sizeof(want), "Signer #1 key algorithm: %s\n",
			         get(&f, "app.android.cert.key_type", FACT_STRING)->s);
			cr_expect(strstr(r.out, want), "%s: apksigner lacks %s", apks[i], want);
			snprintf(want, sizeof(want), "Signer #1 key size (bits): %lld\n",
			         (long long)get(&f, "app.android.cert.key_bits", FACT_INT)->i);
			cr_expect(strstr(r.out, want), "%s: apksigner lacks %s", apks[i], want);
		}
		tu_run_free(&r);
		facts_free(&f);
		free(apk);
	}
}

/* What each fixture must show: the findings a rule set relies on. */
Test(app_apk, signature_findings, .timeout = 300)
{
	fixtures();
	const struct {
		const char *apk, *kind;
		bool present;
	} rows[] = {
	    {"app.apk", "android-debug-cert", true},
	    {"good.apk", "android-debug-cert", false},
	    {"tampered.apk", "android-signature-invalid", true},
	    {"v1tampered.apk", "android-signature-invalid", true},
	    {"app.apk", "android-signature-invalid", false},
	    {"good.apk", "android-signature-invalid", false},
	    {"v1only.apk", "android-v1-only", true},
	    {"app.apk", "android-v1-only", false},
	    {"v1md5.apk", "android-v1-weak-digest", true},
	    {"v1only.apk", "android-v1-weak-digest", true},
	    {"unsigned.apk", "android-unsigned", true},
	    {"good.apk", "android-unsigned", false},
	    {"weak.apk", "android-weak-cert-key", true},
	    {"weak.apk", "android-weak-cert-sig", true},
	    {"good.apk", "android-weak-cert-key", false},
	    {"good.apk", "android-weak-cert-sig", false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *apk = fx(rows[i].apk);
		struct facts f;
		probe(&f, apk);
		cr_expect_eq(has_finding(&f, rows[i].kind, NULL), rows[i].present, "%s: %s %s",
		             rows[i].apk, rows[i].kind, rows[i].present ? "missing" : "unexpected");
		facts_free(&f);
		free(apk);
	}
	char *apk = fx("tampered.apk");
	struct facts f;
	probe(&f, apk);
	cr_expect(get(&f, "app.android.sig.tampered", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.android.sig.v2_verified", FACT_BOOL)->b);
	facts_free(&f);
	free(apk);
	apk = fx("v1md5.apk");
	probe(&f, apk);
	cr_expect_str_eq(get(&f, "app.android.sig.v1_digest", FACT_STRING)->s, "MD5");
	facts_free(&f);
	free(apk);
}

/* DEX and resource strings of the bad app: every check fires, located. */
Test(app_apk, dex_and_resource_strings, .timeout = 300)
{
	fixtures();
	char *apk = fx("app.apk");
	struct facts f;
	probe(&f, apk);
	/* the DEX the fixture built is a valid one, as dexdump reads it */
	struct tu_run r = tu_sh("d=$(mktemp -d) && cd $d && unzip -q '%s' classes.dex && "
	                        "dexdump -f classes.dex | grep string_ids_size; rm -rf $d",
	                        apk);
	cr_expect(strstr(r.out, "string_ids_size     : 18"), "dexdump: %s", r.out);
	tu_run_free(&r);
	cr_expect_eq(get(&f, "app.android.dex.files", FACT_INT)->i,
	             2); /* classes.dex and classes2.dex */
	const struct fact_value *urls = get(&f, "app.android.dex.http_urls", FACT_LIST);
	cr_expect(has_item(urls, "http://10.0.0.1/api"));
	cr_expect(has_item(urls, "http://203.0.113.7:8080/pay"), "resource string URL missed");
	cr_expect(!has_item(urls, "https://pay.example.com/v1"));
	const struct fact_value *ips = get(&f, "app.android.dex.ips", FACT_LIST);
	cr_expect(has_item(ips, "10.0.0.1") && has_item(ips, "203.0.113.7"));
	cr_expect(!has_item(ips, "1.2.3.4"), "a version-like string counted as an IP");
	const struct fact_value *wc = get(&f, "app.android.dex.weak_crypto", FACT_LIST);
	cr_expect(has_item(wc, "DES") && has_item(wc, "ECB") && has_item(wc, "MD5") &&
	          has_item(wc, "SHA1PRNG"));
	const struct fact_value *wv = get(&f, "app.android.dex.webview", FACT_LIST);
	cr_expect(has_item(wv, "addJavascriptInterface") && has_item(wv, "setAllowFileAccess"));
	cr_expect(get(&f, "app.android.dex.trust_all", FACT_BOOL)->b);
	/* private key, AWS key (DEX and resources), labelled secret */
	cr_expect_geq(get(&f, "app.android.dex.secrets", FACT_INT)->i, 4);
	cr_expect(has_finding(&f, "android-hardcoded-secret", "app.apk!classes.dex"));
	cr_expect(has_finding(&f, "android-hardcoded-secret", "app.apk!resources.arsc"));
	/* a (public test) card number in the DEX, masked by the pan scanner */
	cr_expect_geq(get(&f, "app.android.dex.card_numbers", FACT_INT)->i, 1);
	cr_expect(has_finding(&f, "android-card-data", "app.apk!classes.dex"));
	/* secrets and card numbers never reach an output whole */
	for (size_t i = 0; i < f.nfindings; i++) {
		cr_expect(!strstr(f.findings[i].message, "AKIAIOSFODNN7EXAMPLE"));
		cr_expect(!strstr(f.findings[i].message, "8f3b2c1d9e7a6b5c4d3e2f1a"));
		cr_expect(!strstr(f.findings[i].message, "5105105105105100"));
	}
	cr_expect(!get(&f, "app.android.protect.root_detection", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.android.protect.pinning", FACT_BOOL)->b);
	/* ptrace imported by lib/x86_64/libweak.so */
	cr_expect(get(&f, "app.android.protect.anti_debug", FACT_BOOL)->b);
	facts_free(&f);
	free(apk);
}

/* The good app's self-protection markers. */
Test(app_apk, self_protection_markers, .timeout = 300)
{
	fixtures();
	char *apk = fx("good.apk");
	struct facts f;
	probe(&f, apk);
	cr_expect(get(&f, "app.android.protect.root_detection", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.protect.emulator_detection", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.protect.anti_debug", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.protect.integrity_check", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.protect.pinning", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.protect.screenshot_protection", FACT_BOOL)->b);
	cr_expect_str_eq(get(&f, "app.android.protect.packer", FACT_STRING)->s, "Bangcle/SecNeo");
	cr_expect_eq(get(&f, "app.android.dex.http_urls", FACT_LIST)->nitems, 0);
	cr_expect_eq(get(&f, "app.android.dex.secrets", FACT_INT)->i, 0);
	cr_expect(!get(&f, "app.android.dex.trust_all", FACT_BOOL)->b);
	facts_free(&f);
	free(apk);
}

/*
 * What dexdump (AOSP's, Debian's dexdump package) shows of the fixtures'
 * code: every method invoked (`// method@`) or defined (a code header),
 * every field read or written, as "Lclass;->name", one per line, sorted
 * and unique, over every classes*.dex of apk; and the summed
 * type_ids_size / class_defs_size of `dexdump -f`.
 */
static char *dexdump_refs(const char *apk, const char *what)
{
	const char *pipe =
	    strcmp(what, "methods") == 0
	        ? "{ grep -oE 'L[^ ]+;\\.[^:]+:[^ ]* // method@' dump.txt | "
	          "sed -E 's/;\\.([^:]+):.*/;->\\1/'; "
	          "grep -oE '\\|\\[[0-9a-f]+\\] [^ ]+:\\(' dump.txt | "
	          "sed -E 's/^\\|\\[[0-9a-f]+\\] //; s/:\\($//; s/\\.([^.]+)$/;->\\1/; s/^/L/; "
	          ":a; s/^([^;]*)\\./\\1\\//; ta'; } | sort -u"
	    : strcmp(what, "fields") == 0
	        ? "grep -oE 'L[^ ]+;\\.[^:]+:[^ ]* // field@' dump.txt | "
	          "sed -E 's/;\\.([^:]+):.*/;->\\1/' | sort -u"
	        : "for f in classes*.dex; do dexdump -f $f; done | "
	          "awk '/type_ids_size/ {t += $3} /class_defs_size/ {c += $3} "
	          "END {print t; print c}'";
	struct tu_run r = tu_sh("d=$(mktemp -d) && cd $d && unzip -q '%s' 'classes*.dex' && "
	                        "for f in classes*.dex; do dexdump -d $f; done >dump.txt && %s; "
	                        "rm -rf $d",
	                        apk, pipe);
	cr_assert_eq(r.code, 0, "dexdump: %s", r.err);
	char *out = xstrdup(r.out);
	tu_run_free(&r);
	return out;
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* The id tables, read across multidex, agree with dexdump on both apps. */
Test(app_apk, dex_references_agree_with_dexdump, .timeout = 300)
{
	fixtures();
	const char *apps[] = {"app.apk", "good.apk"};
	for (size_t i = 0; i < 2; i++) {
		char *apk = fx(apps[i]);
		struct facts f;
		probe(&f, apk);
		cr_expect_eq(get(&f, "app.android.dex.files", FACT_INT)->i, 2, "%s", apps[i]);
		cr_expect(get(&f, "app.android.dex.refs_complete", FACT_BOOL)->b, "%s", apps[i]);
		cr_expect(get(&f, "app.android.dex.strings_complete", FACT_BOOL)->b, "%s", apps[i]);
		char *m = dexdump_refs(apk, "methods"), *fl = dexdump_refs(apk, "fields");
		char *sizes = dexdump_refs(apk, "sizes");
		cr_assert_gt(lines(m), 10, "%s: dexdump shows no code:\n%s", apps[i], m);
		cr_expect_eq(get(&f, "app.android.dex.methods", FACT_INT)->i, (int64_t)lines(m),
		             "%s: methods; dexdump:\n%s", apps[i], m);
		cr_expect_eq(get(&f, "app.android.dex.fields", FACT_INT)->i, (int64_t)lines(fl),
		             "%s: fields", apps[i]);
		long long types = -1, classes = -1;
		cr_assert_eq(sscanf(sizes, "%lld %lld", &types, &classes), 2, "%s", sizes);
		cr_expect_eq(get(&f, "app.android.dex.types", FACT_INT)->i, types, "%s", apps[i]);
		cr_expect_eq(get(&f, "app.android.dex.classes", FACT_INT)->i, classes, "%s",
		             apps[i]);
		/* every watched reference reported is one dexdump shows the code using */
		const struct fact_value *refs = get(&f, "app.android.dex.api_refs", FACT_LIST);
		for (size_t k = 0; k < refs->nitems; k++)
			cr_expect(has_line(m, refs->items[k]) || has_line(fl, refs->items[k]),
			          "%s: %s is not in dexdump's view", apps[i], refs->items[k]);
		free(m);
		free(fl);
		free(sizes);
		facts_free(&f);
		free(apk);
	}
}

/* What each app's code references, and what it means (fixtures/app/smali/). */
Test(app_apk, dex_reference_facts, .timeout = 300)
{
	fixtures();
	char *apk = fx("app.apk");
	struct facts f;
	probe(&f, apk);
	const struct fact_value *refs = get(&f, "app.android.dex.api_refs", FACT_LIST);
	cr_expect(has_item(refs, "Landroid/webkit/SslErrorHandler;->proceed"));
	cr_expect(get(&f, "app.android.dex.ssl_error_proceed", FACT_BOOL)->b);
	cr_expect(has_finding(&f, "android-ssl-error-proceed", "app.apk!classes2.dex"));
	const struct fact_value *wv = get(&f, "app.android.dex.webview_settings", FACT_LIST);
	cr_expect(has_item(wv, "setJavaScriptEnabled") && has_item(wv, "addJavascriptInterface") &&
	          has_item(wv, "setAllowUniversalAccessFromFileURLs") &&
	          has_item(wv, "setWebContentsDebuggingEnabled"));
	cr_expect(!has_item(wv, "setAllowFileAccess"), "a string is not a reference");
	cr_expect(!get(&f, "app.android.dex.window_flags", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.android.protect.touch_filtering", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.dex.crypto", FACT_BOOL)->b);
	cr_expect(
	    has_item(get(&f, "app.android.dex.insecure_random", FACT_LIST), "java.util.Random"));
	/* Keys.newKey and Session.iv (the latter after three payloads) feed a key spec */
	const struct fact_value *rc = get(&f, "app.android.dex.random_in_crypto", FACT_LIST);
	cr_expect(rc->nitems == 2 && has_item(rc, "Lcom/example/fixture/Keys;->newKey") &&
	          has_item(rc, "Lcom/example/fixture/Session;->iv"));
	cr_expect(get(&f, "app.android.dex.code_complete", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.android.dex.secure_random", FACT_BOOL)->b);
	/* BioUnlock: BiometricPrompt.authenticate without a CryptoObject */
	const struct fact_value *bio = get(&f, "app.android.biometric.apis", FACT_LIST);
	cr_expect(bio->nitems == 1 && has_item(bio, "BiometricPrompt"));
	cr_expect(!get(&f, "app.android.biometric.crypto_object", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.android.biometric.key_bound", FACT_BOOL)->b);
	/* Cache.card: const/4 1 into openFileOutput; Cache.dir: const/16 2 into
	 * getDir through invoke/range; Store.save reads the field (unknown here) */
	const struct fact_value *wm = get(&f, "app.android.dex.world_mode_calls", FACT_LIST);
	cr_expect(wm->nitems == 2 && has_item(wm, "Lcom/example/fixture/Cache;->card") &&
	          has_item(wm, "Lcom/example/fixture/Cache;->dir"));
	const struct fact_value *log = get(&f, "app.android.dex.debug_log", FACT_LIST);
	cr_expect(has_item(log, "Log.d") && has_item(log, "Log.v") && log->nitems == 2);
	cr_expect_eq(get(&f, "app.android.dex.debug_log_refs", FACT_INT)->i, 2);
	cr_expect(has_item(get(&f, "app.android.dex.external_storage", FACT_LIST),
	                   "getExternalStorageDirectory"));
	cr_expect(get(&f, "app.android.dex.world_mode", FACT_BOOL)->b);
	const struct fact_value *dyn = get(&f, "app.android.dex.dynamic_code", FACT_LIST);
	cr_expect(dyn->nitems == 1 && has_item(dyn, "DexClassLoader"));
	cr_expect(has_finding(&f, "android-dynamic-code", "app.apk!classes2.dex"));
	const struct fact_value *sdk = get(&f, "app.android.sdks", FACT_LIST);
	cr_expect(has_item(sdk, "Umeng") && has_item(sdk, "WeChat OpenSDK") && sdk->nitems == 2);
	const struct fact_value *te = get(&f, "app.android.dex.test_endpoints", FACT_LIST);
	cr_expect(has_item(te, "https://uat.pay.example.com/api/v1") &&
	          has_item(te, "http://192.168.1.20:8080/upload") &&
	          has_item(te, "http://localhost:8080/debug") &&
	          has_item(te, "http://10.0.0.1/api"));
	cr_expect(!has_item(te, "http://203.0.113.7:8080/pay"), "a public host is not a test one");
	cr_expect(!get(&f, "app.android.protect.anti_hook", FACT_BOOL)->b);
	const struct fact_value *dp = get(&f, "app.android.dangerous_permissions", FACT_LIST);
	cr_expect_eq(get(&f, "app.android.dangerous_permissions_count", FACT_INT)->i,
	             (int64_t)dp->nitems);
	cr_expect_eq(dp->nitems, 2); /* READ_SMS, CAMERA; INTERNET is normal */
	facts_free(&f);
	free(apk);

	apk = fx("good.apk");
	probe(&f, apk);
	cr_expect(!get(&f, "app.android.dex.ssl_error_proceed", FACT_BOOL)->b);
	cr_expect_eq(get(&f, "app.android.dex.webview_settings", FACT_LIST)->nitems, 0);
	cr_expect(get(&f, "app.android.dex.window_flags", FACT_BOOL)->b);
	/* android:filterTouchesWhenObscured="true" in res/layout/pay.xml only */
	cr_expect(get(&f, "app.android.protect.touch_filtering", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.dex.crypto", FACT_BOOL)->b);
	/* java.util.Random for retry jitter (Backoff.delayMs), never beside a key spec */
	const struct fact_value *rnd = get(&f, "app.android.dex.insecure_random", FACT_LIST);
	cr_expect(rnd->nitems == 1 && has_item(rnd, "java.util.Random"));
	cr_expect_eq(get(&f, "app.android.dex.random_in_crypto", FACT_LIST)->nitems, 0);
	cr_expect(get(&f, "app.android.dex.secure_random", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.dex.code_complete", FACT_BOOL)->b);
	/* BioLogin: a CryptoObject and a key with setUserAuthenticationRequired */
	cr_expect(has_item(get(&f, "app.android.biometric.apis", FACT_LIST), "BiometricPrompt"));
	cr_expect(get(&f, "app.android.biometric.crypto_object", FACT_BOOL)->b);
	cr_expect(get(&f, "app.android.biometric.key_bound", FACT_BOOL)->b);
	/* Prefs.open: MODE_PRIVATE, then a 1 overwritten by a call's result */
	cr_expect_eq(get(&f, "app.android.dex.world_mode_calls", FACT_LIST)->nitems, 0);
	cr_expect_eq(get(&f, "app.android.dex.debug_log", FACT_LIST)->nitems, 0, "Log.w is kept");
	cr_expect_eq(get(&f, "app.android.dex.external_storage", FACT_LIST)->nitems, 0);
	cr_expect(!get(&f, "app.android.dex.world_mode", FACT_BOOL)->b);
	cr_expect_eq(get(&f, "app.android.dex.dynamic_code", FACT_LIST)->nitems, 0);
	cr_expect(get(&f, "app.android.protect.anti_hook", FACT_BOOL)->b);
	sdk = get(&f, "app.android.sdks", FACT_LIST);
	cr_expect(sdk->nitems == 1 && has_item(sdk, "Alipay SDK"));
	cr_expect_eq(get(&f, "app.android.dex.test_endpoints", FACT_LIST)->nitems, 0);
	cr_expect_eq(get(&f, "app.android.dangerous_permissions_count", FACT_INT)->i, 0);
	facts_free(&f);
	free(apk);
}

/* A DEX file's methods as dexdump names them: "com.example.Class.name". */
struct walk_seen {
	const struct dex_ids *ids;
	uint32_t callee;
	char *text; /* "caller|method@XXXX" lines */
};

static void on_walk(void *ctx, uint32_t method, uint8_t marks, uint32_t args)
{
	struct walk_seen *w = ctx;
	struct dex_str cls, name, shorty;
	(void)args;
	cr_assert(marks == 1 && dex_method(w->ids, method, &cls, &name, &shorty));
	char *c = xstrndup(cls.p + 1, cls.n - 2); /* Lcom/example/X; -> com/example/X */
	for (char *p = c; *p; p++)
		if (*p == '/')
			*p = '.';
	char *line = xasprintf("%s.%.*s|method@%04x", c, (int)name.n, name.p, w->callee);
	if (!has_line(w->text, line)) {
		char *t = xasprintf("%s%s\n", w->text, line);
		free(w->text);
		w->text = t;
	}
	free(line);
	free(c);
}

/* The code walk (probes/app/dexcode.c) finds, for every method_id, the same
 * callers as dexdump's disassembly: instruction widths, payloads, ranges. */
Test(app_apk, dex_code_walk_agrees_with_dexdump, .timeout = 300)
{
	fixtures();
	const char *apps[] = {"app.apk", "good.apk"};
	for (size_t i = 0; i < 2; i++) {
		char *apk = fx(apps[i]);
		struct tu_run r = tu_sh("d=$(mktemp -d) && cd $d && unzip -q '%s' classes2.dex && "
		                        "dexdump -d classes2.dex | awk '"
		                        "/\\|\\[[0-9a-f]+\\] [^ ]+:\\(/ {c = $0; sub(/^.*\\] /, "
		                        "\"\", c); sub(/:\\(.*/, \"\", c)} "
		                        "/ invoke-/ && match($0, /method@[0-9a-f]+/) {print c "
		                        "\"|\" substr($0, RSTART, RLENGTH)}' "
		                        "| sort -u; cat classes2.dex > %s.dex2; rm -rf $d",
		                        apk, apk);
		cr_assert_eq(r.code, 0, "dexdump: %s", r.err);
		size_t n;
		char *path = xasprintf("%s.dex2", apk);
		FILE *fp = fopen(path, "rb");
		cr_assert(fp, "%s", path);
		uint8_t *buf = xmalloc(1 << 20);
		n = fread(buf, 1, 1 << 20, fp);
		fclose(fp);
		struct dex_ids ids;
		cr_assert_eq(dex_ids_open(&ids, (struct span){buf, n}), 0, "%s", apps[i]);
		uint8_t *mark = xcalloc(ids.method.n, 1);
		struct walk_seen w = {&ids, 0, xstrdup("")};
		for (uint32_t k = 0; k < ids.method.n; k++) {
			mark[k] = 1;
			w.callee = k;
			uint64_t budget = n;
			cr_assert_eq(dex_code_walk(&ids, mark, &budget, on_walk, &w), 0, "%s",
			             err_msg());
			mark[k] = 0;
		}
		cr_assert_gt(lines(r.out), 10, "%s: dexdump shows few invokes:\n%s", apps[i],
		             r.out);
		cr_expect_eq(lines(w.text), lines(r.out), "%s: walked\n%s\ndexdump\n%s", apps[i],
		             w.text, r.out);
		for (const char *p = r.out; *p;) {
			const char *e = strchr(p, '\n');
			char *line = xstrndup(p, e ? (size_t)(e - p) : strlen(p));
			cr_expect(has_line(w.text, line), "%s: the walk misses %s", apps[i], line);
			free(line);
			p = e ? e + 1 : p + strlen(p);
		}
		free(w.text);
		free(mark);
		free(buf);
		unlink(path);
		free(path);
		tu_run_free(&r);
		free(apk);
	}
}

/* Text fields in the compiled layouts and the in-app keyboard (J92-10, J92-32). */
Test(app_apk, layout_input_types_and_in_app_keyboard, .timeout = 300)
{
	fixtures();
	char *apk = fx("app.apk");
	struct facts f;
	probe(&f, apk);
	/* res/layout/login.xml: textVisiblePassword, a numberPassword PIN inside a
	 * TextInputLayout with endIconMode="password_toggle", numberDecimal */
	cr_expect(get(&f, "app.android.layout.complete", FACT_BOOL)->b);
	cr_expect_eq(get(&f, "app.android.layout.text_fields", FACT_INT)->i, 4);
	/* password, pin, et_card_no (amount is not sensitive); et_card_no is a
	 * plain text field; the visible password can be copied */
	cr_expect_eq(get(&f, "app.android.layout.sensitive_fields", FACT_INT)->i, 3);
	const struct fact_value *sg =
	    get(&f, "app.android.layout.sensitive_suggestions", FACT_LIST);
	cr_expect(sg->nitems == 1 && has_item(sg, "et_card_no"));
	const struct fact_value *cp = get(&f, "app.android.layout.sensitive_copyable", FACT_LIST);
	cr_expect(cp->nitems == 2 && has_item(cp, "et_card_no") && has_item(cp, "password"));
	cr_expect_eq(get(&f, "app.android.layout.password_fields", FACT_INT)->i, 1);
	cr_expect_eq(get(&f, "app.android.layout.visible_password_fields", FACT_INT)->i, 1);
	cr_expect_eq(get(&f, "app.android.layout.pin_reveal", FACT_INT)->i, 1);
	cr_expect_eq(get(&f, "app.android.secure_keyboard", FACT_LIST)->nitems, 0);
	facts_free(&f);
	free(apk);

	apk = fx("good.apk");
	probe(&f, apk);
	/* res/layout/pay.xml: textPassword and numberPassword, no toggle */
	cr_expect(get(&f, "app.android.layout.complete", FACT_BOOL)->b);
	cr_expect_eq(get(&f, "app.android.layout.text_fields", FACT_INT)->i, 5);
	/* password, pin (masked), card_no, idCard (no suggestions, no long-click);
	 * company is not a sensitive name */
	cr_expect_eq(get(&f, "app.android.layout.sensitive_fields", FACT_INT)->i, 4);
	cr_expect_eq(get(&f, "app.android.layout.sensitive_suggestions", FACT_LIST)->nitems, 0);
	cr_expect_eq(get(&f, "app.android.layout.sensitive_copyable", FACT_LIST)->nitems, 0);
	cr_expect_eq(get(&f, "app.android.layout.password_fields", FACT_INT)->i, 2);
	cr_expect_eq(get(&f, "app.android.layout.visible_password_fields", FACT_INT)->i, 0);
	cr_expect_eq(get(&f, "app.android.layout.pin_reveal", FACT_INT)->i, 0);
	/* smali/good/PinKeyboard.smali extends KeyboardView and calls setShowSoftInputOnFocus */
	const struct fact_value *kb = get(&f, "app.android.secure_keyboard", FACT_LIST);
	cr_expect(kb->nitems == 2 && has_item(kb, "KeyboardView") &&
	          has_item(kb, "setShowSoftInputOnFocus"));
	facts_free(&f);
	free(apk);
}

/* A parse-error finding on classes2.dex whose message holds text. */
static bool classes2_parse_error(const struct facts *f, const char *text)
{
	for (size_t k = 0; k < f->nfindings; k++)
		if (strcmp(f->findings[k].kind, "parse-error") == 0 &&
		    strstr(f->findings[k].loc.file, "!classes2.dex") &&
		    strstr(f->findings[k].message, text))
			return true;
	return false;
}

/*
 * Lying method bodies: the id tables are whole, the code walk is not, and
 * says where. dex_shared.apk points 40,000 classes at one class_data_item
 * of 400,000 methods: read once per class that took 87 s (1.6e10 entries
 * from a 16 KB APK); the walk's budget stops it at the file's size.
 */
Test(app_apk, hostile_dex_code, .timeout = 300)
{
	fixtures();
	const char *names[] = {"dex_code.apk", "dex_classdata.apk", "dex_shared.apk"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = xasprintf("%s/%s", baddir, names[i]);
		struct facts f;
		probe(&f, p);
		cr_expect(classes2_parse_error(&f, "DEX code: offset "),
		          "%s: no DEX code parse-error with an offset", names[i]);
		cr_expect(get(&f, "app.android.dex.refs_complete", FACT_BOOL)->b, "%s", names[i]);
		cr_expect(!get(&f, "app.android.dex.code_complete", FACT_BOOL)->b, "%s", names[i]);
		/* the references are still read */
		cr_expect(get(&f, "app.android.dex.ssl_error_proceed", FACT_BOOL)->b, "%s",
		          names[i]);
		facts_free(&f);
		free(p);
	}
}

/*
 * A million string ids sharing one string of 64 KiB (a 15 KB APK): read
 * once per id, the strings held the probe to its 120 s deadline and left
 * every fact incomplete. The string scan stops when it has read as many
 * bytes as the file has, says where, and the rest of the probe runs.
 */
Test(app_apk, hostile_dex_shared_strings, .timeout = 300)
{
	fixtures();
	char *p = xasprintf("%s/dex_strshare.apk", baddir);
	struct facts f;
	probe(&f, p);
	cr_expect(classes2_parse_error(&f, "the strings read so far exceed the file's size"),
	          "no parse-error naming the shared strings");
	cr_expect(!get(&f, "app.android.dex.strings_complete", FACT_BOOL)->b);
	cr_expect(get(&f, "app.complete", FACT_BOOL)->b, "the deadline was not reached");
	cr_expect(get(&f, "app.android.dex.code_complete", FACT_BOOL)->b);
	cr_expect_geq(get(&f, "app.android.dex.secrets", FACT_INT)->i, 4,
	              "classes.dex's strings are still judged");
	facts_free(&f);
	free(p);
}

/* Lying DEX id tables: a finding naming classes2.dex and the offset; the rest still read. */
Test(app_apk, hostile_dex_id_tables, .timeout = 300)
{
	fixtures();
	const char *names[] = {"dex_proto.apk", "dex_table.apk", "dex_params.apk", "dex_super.apk",
	                       "dex_strdata.apk"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = xasprintf("%s/%s", baddir, names[i]);
		struct facts f;
		probe(&f, p);
		cr_expect(classes2_parse_error(&f, "offset "),
		          "%s: no parse-error with an offset on classes2.dex", names[i]);
		cr_expect(!get(&f, "app.android.dex.refs_complete", FACT_BOOL)->b, "%s", names[i]);
		/* the manifest and classes.dex's strings are still judged */
		cr_expect_str_eq(get(&f, "app.android.package", FACT_STRING)->s,
		                 "com.example.fixture");
		cr_expect_geq(get(&f, "app.android.dex.secrets", FACT_INT)->i, 4, "%s", names[i]);
		facts_free(&f);
		free(p);
	}
}

/*
 * The APKs built to make the probe quadratic or to exhaust memory (a
 * manifest naming one 1 MiB member in 50,000 sections took over 20 s; the
 * shared strings, 50,000 text fields looked up in a table padded with
 * 400,000 chunks, and a PIN field under 100,000 nested show-password
 * toggles, held the probe to its deadline or killed it; 20,000 folders
 * under lib/ took 29 s and wrote 14 MB of facts), in one
 * `assay run` beside an ordinary APK: each run ends well inside its
 * timeout with status ok, the whole run's peak memory (GNU time) stays
 * under the bound docs/limits.md states, the ordinary APK is judged as
 * usual, and J92-52 does not pass an APK whose strings were not all read.
 */
#ifdef __SANITIZE_ADDRESS__
#define APP_RUN_RSS_MAX_KB (4 * 512 * 1024)
#else
#define APP_RUN_RSS_MAX_KB (512 * 1024)
#endif

Test(app_apk, hostile_apks_in_one_run_stay_bounded, .timeout = 300)
{
	fixtures();
	static const char *const names[] = {"dex_shared",     "dex_strshare",   "arsc_strshare",
	                                    "layout_lookups", "layout_toggles", "v1_repeat",
	                                    "lib_abis",       "axml_badsize"};
	char *dir = tu_tmpdir();
	struct strbuf plan = STRBUF_INIT;
	sb_printf(&plan,
	          "[assessment]\nname = hostile apps\nrules = jrt0092\ntimeout = 60s\n\n"
	          "[target good]\napk = %s/app.apk\n\n",
	          apkdir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sb_printf(&plan, "[target %s]\napk = %s/%s.apk\n\n", names[i], baddir, names[i]);
	char *pp = tu_write(dir, "plan.ini", plan.buf);
	struct tu_run r = tu_sh("ASSAY_RULES_DIR=rules /usr/bin/time -f %%M -o %s/rss %s run %s "
	                        "-o %s/out --format json -q",
	                        dir, tu_bin(), pp, dir);
	cr_assert(r.code == 0 || r.code == 1, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *rss = xasprintf("%s/rss", dir);
	long kb = tu_peak_rss_kb(rss);
	cr_log_info("peak RSS of the hostile app run: %ld KiB", kb);
	cr_assert_lt(kb, APP_RUN_RSS_MAX_KB, "peak RSS %ld KiB", kb);
	free(rss);

	char *res = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert_not_null(j, "results.json: %s", je.text);
	json_t *runs = json_object_get(j, "runs"), *run;
	size_t i;
	cr_assert_eq(json_array_size(runs), 1 + sizeof(names) / sizeof(names[0]));
	json_array_foreach(runs, i, run)
	{
		const char *target = json_string_value(json_object_get(run, "target"));
		const char *st = json_string_value(json_object_get(run, "status"));
		double ms = json_number_value(json_object_get(run, "duration_ms"));
		cr_log_info("%-14s %-8s %6.0f ms", target, st, ms);
		cr_expect_str_eq(st, "ok", "%s", target);
		cr_expect_lt(ms, 30000.0, "%s ran %.0f ms", target, ms);
	}
	cr_expect_str_eq(tu_verdict(j, "J92-52", "good"), "fail", "the debug app's secrets");
	cr_expect_str_eq(tu_verdict(j, "J92-61", "dex_strshare"), "fail",
	                 "strings not all read: no pass");
	cr_expect_str_eq(tu_verdict(j, "J92-61", "arsc_strshare"), "fail");
	json_t *v1 = NULL, *lay = NULL, *pins = NULL;
	json_array_foreach(runs, i, run)
	{
		const char *tn = json_string_value(json_object_get(run, "target"));
		json_t *facts = json_object_get(run, "facts");
		if (strcmp(tn, "v1_repeat") == 0)
			v1 = json_object_get(facts, "app.android.sig.v1_verified");
		if (strcmp(tn, "layout_lookups") == 0)
			lay = json_object_get(facts, "app.android.layout.complete");
		if (strcmp(tn, "layout_toggles") == 0)
			pins = json_object_get(facts, "app.android.layout.pin_reveal");
	}
	cr_expect(json_is_false(v1), "a manifest that lists a member twice does not verify");
	cr_expect(json_is_false(lay), "field names left unresolved: the layouts are not complete");
	cr_expect_eq(json_integer_value(pins), 1, "one PIN field under 100,000 nested toggles");
	json_decref(j);
	free(res);
	free(pp);
	sb_free(&plan);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
}

/* A UTF-16 string pool chunk: n offsets, all to one string when shared, else to n strings. */
static uint8_t *utf16_pool(uint32_t n, uint16_t units, bool shared, size_t *len)
{
	size_t one = 2 + 2ull * units + 2, nstr = shared ? 1 : n;
	size_t start = 28 + 4ull * n;
	*len = start + nstr * one;
	uint8_t *b = xcalloc(1, *len);
	uint32_t hdr[7] = {0x001c0001u, (uint32_t)*len, n, 0, 0, (uint32_t)start, 0};
	memcpy(b, hdr, sizeof(hdr));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = shared ? 0 : (uint32_t)(i * one);
		memcpy(b + 28 + 4ull * i, &off, 4);
	}
	for (size_t k = 0; k < nstr; k++) {
		uint8_t *p = b + start + k * one;
		memcpy(p, &units, 2);
		for (uint16_t u = 0; u < units; u++)
			p[2 + 2 * u] = (uint8_t)('a' + (k + u) % 26);
	}
	return b;
}

/*
 * A string pool decodes to at most twice its bytes: 1,000 offsets to one
 * string of 1,000 units stop after the few strings that fit (the rest
 * NULL, cut_at saying where); 1,000 distinct strings of the same length
 * are all decoded.
 */
Test(app_apk, string_pool_decoding_is_bounded_by_its_size)
{
	size_t len;
	uint8_t *b = utf16_pool(1000, 1000, true, &len);
	struct strpool p;
	cr_assert_eq(strpool_parse(&p, (struct span){b, len}, 0), 0);
	cr_assert_eq(p.n, 1000u);
	cr_expect(p.cut);
	cr_expect(p.cut_at >= 3 && p.cut_at < 20, "cut at %u", p.cut_at);
	cr_expect_not_null(p.s[0]);
	cr_expect_eq(strlen(p.s[0]), 1000u);
	cr_expect_null(p.s[p.cut_at]);
	cr_expect_null(p.s[999]);
	strpool_free(&p);
	free(b);

	b = utf16_pool(1000, 1000, false, &len);
	cr_assert_eq(strpool_parse(&p, (struct span){b, len}, 0), 0);
	cr_expect_not(p.cut);
	for (size_t i = 0; i < p.n; i++)
		cr_assert(p.s[i] && strlen(p.s[i]) == 1000, "string %zu", i);
	strpool_free(&p);
	free(b);
}
