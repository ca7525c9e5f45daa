/*
 * The catalog rows that read the app probe (UPD-25 in updss; J92-01, 02,
 * 03, 05, 10, 11..19, 32, 35, 50, 52, 53, 60..62, 64..66, 68 in jrt0092;
 * PFI-07 in jrt0171), judged by `assay run` on the app
 * fixtures (fixtures/app/mk*.sh): each verdict is the one the fixture was
 * built to give, and a rule for one platform is not-applicable on another
 * (<applies>).
 */
#include "tests/testutil.h"
#include "tests/testjson.h"

#include <jansson.h>

/* Build (once per TMPDIR, under a lock: suites share them) and return the fixture folders. */
static char *fixture_dir(const char *script, const char *kind)
{
	const char *base = getenv("TMPDIR");
	char *dir = xasprintf("%s/assay-app-%s-%u", base && *base ? base : "/tmp", kind,
	                      (unsigned)getuid());
	struct tu_run r = tu_sh("flock %s.lock sh fixtures/app/%s %s >/dev/null", dir, script, dir);
	cr_assert_eq(r.code, 0, "%s failed: %s", script, r.err);
	tu_run_free(&r);
	return dir;
}

Test(app_rules, catalog_rows_judge_the_fixtures, .timeout = 600)
{
	char *apk = fixture_dir("mkapk.sh", "apk2"), *ios = fixture_dir("mkios.sh", "ios");
	char *elf = fixture_dir("mkelf.sh", "elf");
	char *dir = tu_tmpdir();
	/* an APK whose classes2.dex id tables lie (fixtures/app/mkbad.py) */
	struct tu_run b =
	    tu_sh("mkdir -p %s/bad && python3 fixtures/app/mkbad.py %s/app.apk %s/bad "
	          ">/dev/null",
	          dir, apk, dir);
	cr_assert_eq(b.code, 0, "mkbad.py: %s", b.err);
	tu_run_free(&b);
	char *text = xasprintf("[assessment]\nname = app rules\n"
	                       "rules = updss, jrt0092:enhanced, jrt0171\n\n"
	                       "[target debugapp]\napk = %s/app.apk\n"
	                       "[target goodapp]\napk = %s/good.apk\n"
	                       "[target v1only]\napk = %s/v1only.apk\n"
	                       "[target tampered]\napk = %s/tampered.apk\n"
	                       "[target iosgood]\nipa = %s/good.ipa\n"
	                       "[target iosbad]\nipa = %s/bad.ipa\n"
	                       "[target elfdir]\nbinary = %s\n"
	                       "[target lyingdex]\napk = %s/bad/dex_table.apk\n",
	                       apk, apk, apk, apk, ios, ios, elf, dir);
	char *plan = tu_write(dir, "plan.ini", text);
	free(text);
	struct tu_run r = tu_sh("%s run %s -o %s/out --format json -q", tu_bin(), plan, dir);
	cr_assert(r.code == 1 || r.code == 3, "exit %d: %s", r.code, r.err);
	tu_run_free(&r);
	char *res = xasprintf("%s/out/results.json", dir);
	json_error_t je;
	json_t *j = json_load_file(res, 0, &je);
	cr_assert(j, "%s", je.text);
	static const struct {
		const char *rule, *target, *want;
	} cases[] = {
	    /* app.apk: debuggable, cleartext, the debug certificate, weak native libraries */
	    {"J92-01", "debugapp", "fail"},
	    {"J92-02", "debugapp", "fail"},
	    {"J92-60", "debugapp", "fail"},
	    {"J92-18", "debugapp", "fail"},
	    {"UPD-25", "debugapp", "fail"},
	    {"J92-61", "debugapp", "fail"}, /* ALLOW_ALL_HOSTNAME_VERIFIER */
	    {"J92-65", "debugapp", "fail"}, /* allowBackup="true" */
	    {"J92-62", "debugapp", "fail"},
	    {"J92-13", "debugapp", "fail"},
	    /* good.apk: hardened manifest, release key, v2+v3; no native code */
	    {"J92-01", "goodapp", "pass"},
	    {"J92-02", "goodapp", "pass"},
	    {"J92-60", "goodapp", "pass"},
	    {"J92-52", "goodapp", "pass"},
	    {"UPD-25", "goodapp", "not-applicable"},
	    {"J92-61", "goodapp", "pass"},
	    {"J92-65", "goodapp", "pass"},
	    {"J92-62", "goodapp", "pass"}, /* a pin-set and CertificatePinner */
	    {"J92-13", "goodapp", "pass"}, /* GET_SIGNATURES */
	    {"J92-14", "goodapp", "pass"}, /* a Bangcle stub */
	    {"J92-65", "iosgood", "not-applicable"},
	    /* from the DEX id tables (classes2.dex, fixtures/app/smali/) and the manifest:
	     * the bad app proceeds on TLS errors with a JavaScript bridge at minSdk 16,
	     * logs with Log.d/v, has UAT and private hosts, no window flags, no touch
	     * filtering, no hook checks, and asks for READ_SMS and CAMERA */
	    {"J92-19", "debugapp", "fail"},
	    {"J92-19", "goodapp", "pass"}, /* cancel(), no bridge */
	    {"J92-11", "debugapp", "fail"},
	    {"J92-11", "goodapp", "pass"}, /* Window.setFlags */
	    {"J92-17", "debugapp", "fail"},
	    {"J92-17", "goodapp", "pass"}, /* filterTouchesWhenObscured in a layout */
	    {"J92-16", "debugapp", "fail"},
	    {"J92-16", "goodapp", "pass"}, /* /proc/self/maps, frida */
	    {"J92-64", "debugapp", "fail"},
	    {"J92-64", "goodapp", "pass"}, /* Log.w only */
	    {"J92-05", "debugapp", "fail"},
	    {"J92-05", "goodapp", "pass"},
	    {"J92-04", "debugapp", "fail"}, /* DexClassLoader, http URLs, external storage */
	    {"J92-04", "goodapp", "pass"},
	    {"J92-04", "iosgood", "not-applicable"},
	    {"J92-10", "debugapp", "fail"}, /* no in-app keyboard, a textVisiblePassword field */
	    {"J92-10", "goodapp", "pass"},  /* a KeyboardView subclass; masked fields */
	    {"J92-10", "iosgood", "not-applicable"},
	    {"J92-32", "debugapp", "fail"}, /* a visible password and a PIN behind a toggle */
	    {"J92-32", "goodapp", "pass"},
	    {"J92-32", "iosgood", "not-applicable"},
	    {"J92-53", "debugapp", "fail"}, /* Keys.newKey, Session.iv: Random into a key spec */
	    {"J92-53", "goodapp", "pass"},  /* Random for jitter only; the IV from SecureRandom */
	    {"J92-53", "iosgood", "not-applicable"},
	    {"J92-53", "lyingdex", "fail"}, /* code not read whole */
	    {"J92-35", "debugapp", "fail"}, /* BiometricPrompt with no CryptoObject, no bound key */
	    {"J92-35", "goodapp", "pass"},  /* a CryptoObject and setUserAuthenticationRequired */
	    {"J92-35", "iosgood", "not-applicable"},
	    {"J92-35", "lyingdex", "fail"},
	    {"J92-66", "debugapp", "fail"}, /* openFileOutput(.., 1), getDir(.., 2), a field */
	    {"J92-66", "goodapp", "pass"},  /* MODE_PRIVATE, and a mode from a call */
	    {"J92-66", "iosgood", "not-applicable"},
	    {"J92-68", "debugapp", "fail"}, /* et_card_no suggests and copies */
	    {"J92-68", "goodapp", "pass"},  /* card_no, idCard: no suggestions, no long-click */
	    {"J92-68", "iosgood", "not-applicable"},
	    {"J92-69", "debugapp", "pass"}, /* evidence: the SDK inventory is complete */
	    {"J92-69", "goodapp", "pass"},
	    {"J92-69", "iosgood", "not-applicable"},
	    {"J92-69", "lyingdex", "fail"}, /* a DEX file's classes could not be read */
	    {"J92-03", "debugapp", "fail"},
	    {"J92-03", "goodapp", "pass"}, /* INTERNET only */
	    {"PFI-07", "debugapp", "fail"},
	    {"PFI-07", "goodapp", "pass"},
	    {"J92-19", "iosgood", "not-applicable"},
	    {"J92-03", "iosgood", "not-applicable"},
	    {"J92-64", "elfdir", "not-applicable"},
	    /* its receiver is exported through an intent filter */
	    {"J92-18", "goodapp", "fail"},
	    /* v1 only (Janus), and a byte changed after signing */
	    {"J92-01", "v1only", "fail"},
	    {"J92-01", "tampered", "fail"},
	    /* iOS: ATS arbitrary loads and CC_MD5 in bad.ipa; Android-only rows do not apply */
	    {"J92-60", "iosbad", "fail"},
	    {"J92-50", "iosbad", "fail"},
	    {"J92-60", "iosgood", "pass"},
	    {"J92-02", "iosgood", "pass"},
	    {"J92-15", "iosgood", "not-applicable"},
	    {"J92-18", "iosgood", "not-applicable"},
	    /* a folder of ELF files: the mobile rows do not apply, the hardening row fails */
	    {"J92-02", "elfdir", "not-applicable"},
	    {"UPD-25", "elfdir", "fail"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(tu_verdict(j, cases[i].rule, cases[i].target), cases[i].want,
		                 "%s on %s", cases[i].rule, cases[i].target);
	json_decref(j);
	free(res);
	free(plan);
	r = tu_sh("rm -rf %s", dir);
	tu_run_free(&r);
	free(dir);
	free(apk);
	free(ios);
	free(elf);
}
