/*
 * The signed evidence bundle (reports/bundle.c): a folder of real outputs
 * (results.json, HTML, SARIF rendered from a model) is signed with RSA, EC
 * and SM2 keys made by fixtures/reports/mkkeys.sh, then verified (and the
 * signature checked by `openssl cms -verify` too, so it is standard CMS); any byte
 * flipped, file added or removed, manifest edited, or wrong trust anchor
 * must make verify fail and name what failed.
 */
#include "fixtures/reports/model.h"
#include "reports/bundle.h"

#include <signal.h>

struct fx {
	char *keys, *dir;
};

static struct fx setup_fx(void)
{
	struct fx f = {tu_tmpdir(), tu_tmpdir()};
	struct tu_run run = tu_sh("sh fixtures/reports/mkkeys.sh %s", f.keys);
	cr_assert_eq(run.code, 0, "mkkeys: %s", run.err);
	tu_run_free(&run);
	struct results r;
	rm_build(&r);
	char *p = xasprintf("%s/results.json", f.dir);
	cr_assert_eq(results_write(&r, p), 0, "%s", err_msg());
	free(p);
	const char *formats[] = {"html", "sarif"};
	for (size_t i = 0; i < 2; i++) {
		const struct renderer *rd = renderer_find(formats[i]);
		p = xasprintf("%s/%s", f.dir, rd->ext);
		FILE *out = fopen(p, "w");
		cr_assert(out);
		cr_assert_eq(rd->render(&r, &(struct render_opts){.lang = "both"}, out), 0);
		fclose(out);
		free(p);
	}
	results_free(&r);
	return f;
}

static void sign(struct fx *f, const char *kind)
{
	char *key = xasprintf("%s/%s-key.pem", f->keys, kind);
	char *cert = xasprintf("%s/%s-cert.pem", f->keys, kind);
	int rc = bundle_sign(f->dir, "examples/demo.ini", key, cert);
	cr_assert_eq(rc, 0, "sign: %s", err_msg());
	free(key);
	free(cert);
}

/* Verify against kind's CA; the exit code and the printed report. */
static int verify(struct fx *f, const char *ca, char **report)
{
	char *ca_path = xasprintf("%s/%s.pem", f->keys, ca);
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	int rc = bundle_verify(f->dir, ca_path, out);
	fclose(out);
	free(ca_path);
	*report = buf;
	return rc;
}

static void flip_byte(const char *path, long at)
{
	FILE *fp = fopen(path, "r+b");
	cr_assert(fp);
	fseek(fp, at, SEEK_SET);
	int c = fgetc(fp);
	fseek(fp, at, SEEK_SET);
	fputc(c ^ 0x01, fp);
	fclose(fp);
}

static void fx_free(struct fx *f)
{
	struct tu_run run = tu_sh("rm -rf %s %s", f->keys, f->dir);
	tu_run_free(&run);
	free(f->keys);
	free(f->dir);
}

Test(bundle, rsa_ec_and_sm2_sign_and_verify)
{
	const char *kinds[] = {"rsa", "ec", "sm2"};
	for (size_t i = 0; i < 3; i++) {
		struct fx f = setup_fx();
		sign(&f, kinds[i]);
		char *ca = xasprintf("%s-ca", kinds[i]);
		char *rep;
		int rc = verify(&f, ca, &rep);
		cr_assert_eq(rc, 0, "%s: %s", kinds[i], rep);
		cr_assert(strstr(rep, "ok       signature over manifest.json by /CN=assay test"),
		          "%s", rep);
		cr_assert(strstr(rep, "ok       certificate chain"), "%s", rep);
		cr_assert(strstr(rep, "ok       report.html sha256 "), "%s", rep);
		cr_assert(strstr(rep, "ok       results.json sha256 "), "%s", rep);
		cr_assert(strstr(rep, "ok       results.sarif sha256 "), "%s", rep);
		cr_assert(strstr(rep, "recorded plan examples/demo.ini sha256 "), "%s", rep);
		cr_assert(strstr(rep, "verified: every check holds"), "%s", rep);
		free(rep);
		/* Another CMS implementation agrees: OpenSSL's command line. */
		struct tu_run run =
		    tu_sh("openssl cms -verify -binary -inform DER -in %s/manifest.json.p7s "
		          "-content %s/manifest.json -CAfile %s/%s-ca.pem -purpose any "
		          "-out /dev/null",
		          f.dir, f.dir, f.keys, kinds[i]);
		cr_assert_eq(run.code, 0, "%s: openssl cms -verify: %s", kinds[i], run.err);
		tu_run_free(&run);
		free(ca);
		fx_free(&f);
	}
}

Test(bundle, one_flipped_byte_names_the_file)
{
	struct fx f = setup_fx();
	sign(&f, "sm2");
	char *p = xasprintf("%s/report.html", f.dir);
	flip_byte(p, 100);
	free(p);
	char *rep;
	cr_assert_eq(verify(&f, "sm2-ca", &rep), 1);
	cr_assert(strstr(rep, "CHANGED  report.html"), "%s", rep);
	cr_assert(strstr(rep, "ok       results.json"), "%s", rep);
	cr_assert(strstr(rep, "NOT VERIFIED"), "%s", rep);
	free(rep);
	fx_free(&f);
}

Test(bundle, added_and_removed_files)
{
	struct fx f = setup_fx();
	sign(&f, "ec");
	char *p = tu_write(f.dir, "extra.txt", "not signed\n");
	free(p);
	p = xasprintf("%s/results.sarif", f.dir);
	cr_assert_eq(unlink(p), 0);
	free(p);
	char *rep;
	cr_assert_eq(verify(&f, "ec-ca", &rep), 1);
	cr_assert(strstr(rep, "ADDED    extra.txt"), "%s", rep);
	cr_assert(strstr(rep, "REMOVED  results.sarif"), "%s", rep);
	free(rep);
	fx_free(&f);
}

Test(bundle, edited_manifest_breaks_the_signature)
{
	struct fx f = setup_fx();
	sign(&f, "rsa");
	/* Change a file and forge its hash in the manifest: the signature catches it. */
	char *m = xasprintf("%s/manifest.json", f.dir);
	char *text = tu_read(m);
	char *h = strstr(text, "\"sha256\": \"");
	cr_assert(h);
	h += 11;
	*h = *h == 'a' ? 'b' : 'a';
	free(tu_write(NULL, m, text));
	free(text);
	char *rep;
	cr_assert_eq(verify(&f, "rsa-ca", &rep), 1);
	cr_assert(strstr(rep, "FAILED   signature over manifest.json"), "%s", rep);
	free(rep);
	free(m);
	fx_free(&f);
}

Test(bundle, wrong_trust_anchor_fails_the_chain)
{
	struct fx f = setup_fx();
	sign(&f, "ec");
	char *rep;
	cr_assert_eq(verify(&f, "other-ca", &rep), 1);
	cr_assert(strstr(rep, "ok       signature over manifest.json"), "%s", rep);
	cr_assert(strstr(rep, "FAILED   certificate chain"), "%s", rep);
	free(rep);
	cr_assert_eq(verify(&f, "rsa-ca", &rep), 1, "an EC signer under the RSA CA");
	free(rep);
	fx_free(&f);
}

Test(bundle, unsafe_manifest_paths_are_not_followed)
{
	struct fx f = setup_fx();
	sign(&f, "rsa");
	char *m = xasprintf("%s/manifest.json", f.dir);
	free(tu_write(NULL, m,
	              "{\"files\": [{\"path\": \"../../etc/passwd\", \"sha256\": \"00\"},"
	              " {\"path\": \"/etc/passwd\", \"sha256\": \"00\"}]}"));
	char *rep;
	cr_assert_eq(verify(&f, "rsa-ca", &rep), 1);
	cr_assert(strstr(rep, "entry 0 has an unsafe"), "%s", rep);
	cr_assert(strstr(rep, "entry 1 has an unsafe"), "%s", rep);
	cr_assert_null(strstr(rep, "passwd sha256"), "%s", rep);
	free(rep);
	free(m);
	fx_free(&f);
}

Test(bundle, errors_name_the_file)
{
	struct fx f = setup_fx();
	char *key = xasprintf("%s/rsa-key.pem", f.keys);
	char *cert = xasprintf("%s/ec-cert.pem", f.keys);
	cr_assert_eq(bundle_sign(f.dir, NULL, key, cert), -1);
	cr_assert(strstr(err_msg(), "does not match the key"), "%s", err_msg());
	cr_assert_eq(bundle_sign(f.dir, NULL, "/nonexistent/key.pem", cert), -1);
	cr_assert(strstr(err_msg(), "/nonexistent/key.pem"), "%s", err_msg());
	/* Nothing signed yet: verify cannot start. */
	FILE *out = fopen("/dev/null", "w");
	cr_assert_eq(bundle_verify(f.dir, NULL, out), -1);
	fclose(out);
	cr_assert(strstr(err_msg(), "manifest.json"), "%s", err_msg());
	free(key);
	free(cert);
	fx_free(&f);
}

/* ---- RFC 3161 timestamps ---- */

Test(bundle, token_from_openssl_ts_reply_verifies)
{
	struct fx f = setup_fx();
	sign(&f, "rsa");
	struct tu_run run = tu_sh("openssl ts -query -data %s/manifest.json.p7s -sha256 -cert "
	                          "-out %s/q.tsq && openssl ts -reply -config %s/ts.cnf -queryfile "
	                          "%s/q.tsq -out %s/manifest.json.tsr",
	                          f.dir, f.keys, f.keys, f.keys, f.dir);
	cr_assert_eq(run.code, 0, "openssl ts: %s", run.err);
	tu_run_free(&run);
	char *rep;
	cr_assert_eq(verify(&f, "rsa-ca", &rep), 0, "%s", rep);
	cr_assert(strstr(rep, "ok       timestamp over manifest.json.p7s at "), "%s", rep);
	free(rep);

	/* A token over other bytes does not vouch for this signature. */
	run = tu_sh("openssl ts -query -data %s/manifest.json -sha256 -cert -out %s/q2.tsq && "
	            "openssl ts -reply -config %s/ts.cnf -queryfile %s/q2.tsq "
	            "-out %s/manifest.json.tsr",
	            f.dir, f.keys, f.keys, f.keys, f.dir);
	cr_assert_eq(run.code, 0, "openssl ts: %s", run.err);
	tu_run_free(&run);
	cr_assert_eq(verify(&f, "rsa-ca", &rep), 1);
	cr_assert(strstr(rep, "FAILED   timestamp over manifest.json.p7s"), "%s", rep);
	free(rep);
	fx_free(&f);
}

Test(bundle, token_fetched_from_a_tsa_over_http)
{
	struct fx f = setup_fx();
	sign(&f, "ec");
	/* The fixture TSA serves on a free loopback port for at most 60 s. */
	struct tu_run run = tu_sh("python3 fixtures/reports/tsa_server.py %s 60 >%s/port "
	                          "2>/dev/null & echo $! >%s/pid",
	                          f.keys, f.keys, f.keys);
	tu_run_free(&run);
	char *pf = xasprintf("%s/port", f.keys), *port = NULL;
	for (int i = 0; i < 100 && !(port && atoi(port) > 0); i++) {
		free(port);
		usleep(50000);
		port = tu_read(pf);
	}
	cr_assert(port && atoi(port) > 0, "the fixture TSA did not start");
	char *url = xasprintf("http://127.0.0.1:%d/tsa", atoi(port));
	int rc = bundle_timestamp(f.dir, url);
	char *pidf = xasprintf("%s/pid", f.keys), *pid = tu_read(pidf);
	if (pid && atoi(pid) > 0)
		kill(atoi(pid), SIGTERM);
	cr_assert_eq(rc, 0, "timestamp: %s", err_msg());

	/* The EC signer's chain and the TSA's both lead to the CA file given. */
	char *both = xasprintf("%s/both-ca.pem", f.keys);
	run = tu_sh("cat %s/ec-ca.pem %s/rsa-ca.pem >%s", f.keys, f.keys, both);
	tu_run_free(&run);
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	rc = bundle_verify(f.dir, both, out);
	fclose(out);
	cr_assert_eq(rc, 0, "%s", buf);
	cr_assert(strstr(buf, "ok       timestamp over manifest.json.p7s"), "%s", buf);
	/* The token is not a file of the bundle. */
	cr_assert_null(strstr(buf, "ADDED"), "%s", buf);
	free(buf);
	free(both);
	free(pid);
	free(pidf);
	free(url);
	free(port);
	free(pf);
	fx_free(&f);
}

Test(bundle, unreachable_tsa_names_the_url)
{
	struct fx f = setup_fx();
	sign(&f, "rsa");
	/* Port 1 on loopback: nothing listens, the connection is refused at once. */
	cr_assert_eq(bundle_timestamp(f.dir, "http://127.0.0.1:1/tsa"), -1);
	cr_assert(strstr(err_msg(), "http://127.0.0.1:1/tsa"), "%s", err_msg());
	cr_assert_eq(bundle_timestamp(f.dir, "file:///etc/passwd"), -1, "only http and https");
	fx_free(&f);
}
