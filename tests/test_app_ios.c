/*
 * Tests of the app probe on iOS inputs (probes/app/ios.c, plist.c) built
 * by fixtures/app/mkios.sh with clang -target arm64-apple-ios and
 * ld64.lld: every Mach-O fact is compared with llvm-objdump (header flags,
 * LC_ENCRYPTION_INFO_64 cryptid, segments) and llvm-nm (imports) on the
 * same file, the Info.plist facts with Python's plistlib; a fat header
 * with overlapping slices must give an error naming its offset.
 */
#include "tests/testutil.h"

#include "harness/facts.h"
#include "lib/err.h"
#include "probes/app/plist.h"
#include "probes/probe.h"

extern const struct probe probe_app;

static char dir[400];

static void fixtures(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/assay-app-ios-%u", base && *base ? base : "/tmp",
	         (unsigned)getuid());
	struct tu_run r = tu_sh("flock %s.lock sh fixtures/app/mkios.sh %s", dir, dir);
	cr_assert_eq(r.code, 0, "mkios.sh failed: %s", r.err);
	tu_run_free(&r);
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

static bool sh_true(const char *fmt, const char *path)
{
	char *cmd = xasprintf(fmt, path);
	struct tu_run r = tu_sh("%s", cmd);
	free(cmd);
	bool ok = r.code == 0;
	tu_run_free(&r);
	return ok;
}

/* Each thin binary: PIE, canary, ARC, encryption, restrict as the LLVM tools see them. */
Test(app_ios, macho_facts_agree_with_llvm_tools, .timeout = 240)
{
	fixtures();
	const char *files[] = {"m_pie", "m_nopie", "m_encrypted", "m_restrict"};
	for (size_t i = 0; i < 4; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		struct facts f;
		cr_assert_eq(probe(&f, "binary", p), 0, "%s", p);
		cr_expect_str_eq(get(&f, "app.kind", FACT_STRING)->s, "macho");
		bool pie =
		    sh_true("llvm-objdump --macho --private-headers '%s' | grep -q ' PIE'", p);
		cr_expect_eq(get(&f, "app.ios.pie", FACT_BOOL)->b, pie, "%s pie", files[i]);
		bool canary = sh_true("llvm-nm '%s' | grep -q ' ___stack_chk_guard$'", p);
		cr_expect_eq(get(&f, "app.ios.canary", FACT_BOOL)->b, canary, "%s canary",
		             files[i]);
		bool arc = sh_true("llvm-nm '%s' | grep -q ' _objc_release$'", p);
		cr_expect_eq(get(&f, "app.ios.arc", FACT_BOOL)->b, arc, "%s arc", files[i]);
		bool enc = sh_true("llvm-objdump --macho --private-headers '%s' | "
		                   "grep -A4 LC_ENCRYPTION_INFO | grep -q 'cryptid 1'",
		                   p);
		cr_expect_eq(get(&f, "app.ios.encrypted", FACT_BOOL)->b, enc, "%s encrypted",
		             files[i]);
		bool rs = sh_true(
		    "llvm-objdump --macho --private-headers '%s' | grep -q 'segname __RESTRICT'",
		    p);
		cr_expect_eq(get(&f, "app.ios.restrict", FACT_BOOL)->b, rs, "%s restrict",
		             files[i]);
		facts_free(&f);
		free(p);
	}
	/* the fixtures differ where they should: the comparison is not vacuous */
	char *p = xasprintf("%s/m_nopie", dir);
	struct facts f;
	probe(&f, "binary", p);
	cr_expect(!get(&f, "app.ios.pie", FACT_BOOL)->b);
	cr_expect(!get(&f, "app.ios.canary", FACT_BOOL)->b);
	cr_expect(has_item(get(&f, "app.ios.weak_crypto_apis", FACT_LIST), "CC_MD5"));
	facts_free(&f);
	free(p);
	p = xasprintf("%s/m_encrypted", dir);
	probe(&f, "binary", p);
	cr_expect(get(&f, "app.ios.encrypted", FACT_BOOL)->b);
	facts_free(&f);
	free(p);
}

/* A fat binary: every slice checked, archs as llvm-lipo lists them. */
Test(app_ios, fat_binary_slices, .timeout = 240)
{
	fixtures();
	char *p = xasprintf("%s/m_fat", dir);
	struct tu_run r =
	    tu_sh("(llvm-lipo -info '%s' || llvm-lipo-14 -info '%s') 2>/dev/null", p, p);
	struct facts f;
	cr_assert_eq(probe(&f, "binary", p), 0);
	const struct fact_value *archs = get(&f, "app.ios.archs", FACT_LIST);
	cr_expect_eq(get(&f, "app.ios.slices", FACT_INT)->i, 2);
	for (size_t i = 0; i < archs->nitems; i++)
		cr_expect(strstr(r.out, archs->items[i]), "lipo does not list %s: %s",
		          archs->items[i], r.out);
	/* the simulator slice has no canary: the fat binary does not either */
	cr_expect(!get(&f, "app.ios.canary", FACT_BOOL)->b);
	tu_run_free(&r);
	facts_free(&f);
	free(p);
}

/* IPAs: Info.plist (binary and XML) ATS keys as plistlib reads them, and the executable. */
Test(app_ios, ipa_plist_and_executable, .timeout = 240)
{
	fixtures();
	const char *ipas[] = {"bad.ipa", "good.ipa"};
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", dir, ipas[i]);
		struct tu_run r = tu_sh(
		    "python3 -c 'import plistlib,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); "
		    "n=[x for x in z.namelist() if x.endswith(\".app/Info.plist\")][0]; "
		    "d=plistlib.loads(z.read(n)); a=d.get(\"NSAppTransportSecurity\",{}); "
		    "print(d[\"CFBundleIdentifier\"], a.get(\"NSAllowsArbitraryLoads\", False), "
		    "\",\".join(k for k,v in a.get(\"NSExceptionDomains\",{}).items() "
		    "if v.get(\"NSExceptionAllowsInsecureHTTPLoads\")) or \"-\")' '%s'",
		    p);
		cr_assert_eq(r.code, 0, "%s", r.err);
		char id[128], arb[16], doms[256];
		cr_assert_eq(sscanf(r.out, "%127s %15s %255s", id, arb, doms), 3, "%s", r.out);
		struct facts f;
		cr_assert_eq(probe(&f, "ipa", p), 0, "%s", p);
		cr_expect_str_eq(get(&f, "app.kind", FACT_STRING)->s, "ipa");
		cr_expect_str_eq(get(&f, "app.ios.bundle_id", FACT_STRING)->s, id);
		cr_expect_eq(get(&f, "app.ios.ats.arbitrary_loads", FACT_BOOL)->b,
		             strcmp(arb, "True") == 0);
		const struct fact_value *ins = get(&f, "app.ios.ats.insecure_domains", FACT_LIST);
		if (strcmp(doms, "-") == 0)
			cr_expect_eq(ins->nitems, 0);
		else
			cr_expect(has_item(ins, doms), "%s: %s not listed", ipas[i], doms);
		facts_free(&f);
		tu_run_free(&r);
		free(p);
	}
	char *p = xasprintf("%s/bad.ipa", dir);
	struct facts f;
	probe(&f, "apk", p); /* the key does not matter: the members decide */
	cr_expect_str_eq(get(&f, "app.kind", FACT_STRING)->s, "ipa");
	cr_expect(!get(&f, "app.ios.pie", FACT_BOOL)->b);
	bool located = false;
	for (size_t i = 0; i < f.nfindings; i++)
		if (strcmp(f.findings[i].kind, "ios-no-pie") == 0 &&
		    strstr(f.findings[i].loc.file, "bad.ipa!Payload/Fixture.app/Fixture"))
			located = true;
	cr_expect(located);
	facts_free(&f);
	free(p);
}

/* Overlapping fat slices and a cut-off Mach-O: errors with an offset. */
Test(app_ios, hostile_macho_reports_offsets, .timeout = 240)
{
	fixtures();
	char *tmp = tu_tmpdir();
	struct tu_run r =
	    tu_sh("python3 -c 'import struct,sys; h=struct.pack(\">II\",0xCAFEBABE,2); "
	          "h+=struct.pack(\">IIIII\",0x0100000C,0,4096,96,12); "
	          "h+=struct.pack(\">IIIII\",0x0100000C,0,4128,64,12); "
	          "open(sys.argv[1],\"wb\").write(h+bytes(4096-len(h)+200))' %s/fat && "
	          "head -c 600 %s/m_pie > %s/cut",
	          tmp, dir, tmp);
	cr_assert_eq(r.code, 0, "%s", r.err);
	tu_run_free(&r);
	const char *names[] = {"fat", "cut"};
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", tmp, names[i]);
		struct facts f;
		cr_expect_lt(probe(&f, "binary", p), 0, "%s", names[i]);
		cr_expect(f.nerrors > 0 && strstr(f.errors[0], "offset"), "%s: %s", names[i],
		          f.nerrors ? f.errors[0] : "(none)");
		facts_free(&f);
		free(p);
	}
	free(tmp);
}

/*
 * Entitlements: m_dev carries a code signature (LC_CODE_SIGNATURE, as
 * llvm-objdump lists it) whose entitlements plist sets get-task-allow;
 * the plain binary has no signature at all.
 */
Test(app_ios, get_task_allow_from_code_signature, .timeout = 240)
{
	fixtures();
	const char *files[] = {"m_dev", "m_pie"};
	for (int i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		bool cs = sh_true(
		    "llvm-objdump --macho --private-headers '%s' | grep -q LC_CODE_SIGNATURE", p);
		struct facts f;
		cr_assert_eq(probe(&f, "binary", p), 0);
		cr_expect_eq(get(&f, "app.ios.code_signature", FACT_BOOL)->b, cs, "%s", files[i]);
		cr_expect_eq(get(&f, "app.ios.get_task_allow", FACT_BOOL)->b, i == 0, "%s",
		             files[i]);
		cr_expect_eq(get(&f, "app.ios.entitlements", FACT_BOOL)->b, i == 0, "%s", files[i]);
		facts_free(&f);
		free(p);
	}
}

static size_t pv_nodes(const struct pv *v)
{
	size_t n = v ? 1 : 0;
	for (size_t i = 0; v && i < v->n; i++)
		n += pv_nodes(v->items[i]);
	return n;
}

/* A binary plist is a DAG: plistlib shares one "YES" among 5,000 keys, and
 * all of them are read. A file whose arrays share each other to fan out
 * (14^20 nodes), or whose array names one 64 KiB string 65,535 times (4 GiB
 * of copies, which took 13 s and 4.2 GB before the string budget), is an
 * error naming the offset where its budget ran out, not a partial tree. */
Test(app_ios, binary_plist_shared_objects_and_fan_out, .timeout = 60)
{
	char *tmp = tu_tmpdir();
	char *py = tu_write(
	    tmp, "mk.py",
	    "import plistlib, struct\n"
	    "d = {'key%d' % i: 'YES' for i in range(5000)}\n"
	    "open('shared.plist', 'wb').write(plistlib.dumps(d, fmt=plistlib.FMT_BINARY))\n"
	    "# objects 0..19: object k is an array of 14 references to object k+1;\n"
	    "# object 20 is an empty array. Two-byte offsets, one-byte references.\n"
	    "body = b''\n"
	    "offs = []\n"
	    "for k in range(21):\n"
	    "    offs.append(8 + len(body))\n"
	    "    body += bytes([0xAE]) + bytes([k + 1] * 14) if k < 20 else bytes([0xA0])\n"
	    "table = 8 + len(body)\n"
	    "trailer = bytes(6) + bytes([2, 1]) + struct.pack('>QQQ', 21, 0, table)\n"
	    "offt = struct.pack('>21H', *offs)\n"
	    "open('fan.plist', 'wb').write(b'bplist00' + body + offt + trailer)\n"
	    "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, sys.argv[1])\n"
	    "from mkbadmacho import bplist_shared_string\n"
	    "open('strings.plist', 'wb').write(bplist_shared_string())\n");
	struct tu_run r = tu_sh("d=$(pwd) && cd %s && python3 %s \"$d/fixtures/app\"", tmp, py);
	free(py);
	cr_assert_eq(r.code, 0, "%s", r.err);
	tu_run_free(&r);
	const char *names[] = {"shared.plist", "fan.plist", "strings.plist"};
	for (int i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", tmp, names[i]);
		char *buf = NULL;
		size_t len = 0;
		cr_assert_eq(file_read_all(&buf, &len, p, 1 << 20), 0, "%s", p);
		struct pv *v = NULL;
		int rc = plist_parse(&v, (struct span){(const uint8_t *)buf, len});
		if (i == 0) {
			cr_assert_eq(rc, 0, "%s", err_msg());
			cr_expect_eq(v->type, PV_DICT);
			cr_expect_eq(v->n, 5000, "every key read");
			const struct pv *k = pv_get(v, "key4999");
			cr_expect(k && k->type == PV_STRING && strcmp(k->s, "YES") == 0);
		} else {
			cr_expect_eq(rc, -1, "%s: %zu nodes read", names[i], pv_nodes(v));
			cr_expect_null(v);
			cr_expect(strstr(err_msg(), "offset ") &&
			              strstr(err_msg(), "shares its objects past"),
			          "%s: %s", names[i], err_msg());
		}
		pv_free(v);
		free(buf);
		free(p);
	}
	free(tmp);
}

/*
 * Structures named many times over (fixtures/app/mkbadmacho.py): a
 * million symbols whose names all point at one 2 MB string, and 100,000
 * LC_CODE_SIGNATURE commands over one signature whose 64 entries all point
 * at one 256 KB entitlements plist. Read as often as named they are
 * terabytes (each held the probe to a 30 s deadline); a symbol name is now
 * searched for its end only as far as the longest name compared, and one
 * signature and one entitlements blob are read per image.
 */
Test(app_ios, shared_names_and_signatures_are_read_once, .timeout = 120)
{
	char *tmp = tu_tmpdir();
	struct tu_run r = tu_sh("python3 fixtures/app/mkbadmacho.py %s", tmp);
	cr_assert_eq(r.code, 0, "mkbadmacho.py: %s", r.err);
	tu_run_free(&r);
	char *p = xasprintf("%s/shared_names.macho", tmp);
	struct facts f;
	cr_assert_eq(probe(&f, "binary", p), 0);
	cr_expect(!get(&f, "app.ios.canary", FACT_BOOL)->b);
	facts_free(&f);
	free(p);
	p = xasprintf("%s/shared_sigs.macho", tmp);
	cr_assert_eq(probe(&f, "binary", p), 0);
	cr_expect(get(&f, "app.ios.entitlements", FACT_BOOL)->b);
	cr_expect(get(&f, "app.ios.get_task_allow", FACT_BOOL)->b);
	facts_free(&f);
	free(p);
	/* entitlements that cannot be read leave get-task-allow unknown: no
	 * fact (the rules that need it cannot pass), an error and a finding */
	p = xasprintf("%s/shared_plist.macho", tmp);
	probe(&f, "binary", p);
	cr_expect(get(&f, "app.ios.entitlements", FACT_BOOL)->b);
	cr_expect_null(facts_get(&f, "app.ios.get_task_allow"));
	cr_expect(f.nerrors == 1 && strstr(f.errors[0], "entitlements plist at offset 76: "
	                                                "offset 65549: binary plist shares"),
	          "%s", f.nerrors ? f.errors[0] : "(no error)");
	bool finding = false;
	for (size_t i = 0; i < f.nfindings; i++)
		finding |= strcmp(f.findings[i].kind, "parse-error") == 0 &&
		           strstr(f.findings[i].message, "entitlements plist") != NULL;
	cr_expect(finding, "a parse-error finding names the entitlements plist");
	facts_free(&f);
	free(p);
	r = tu_sh("rm -rf %s", tmp);
	tu_run_free(&r);
	free(tmp);
}
