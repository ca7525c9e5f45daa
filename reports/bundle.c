/*
 * The signed evidence bundle: manifest.json + a detached CMS signature
 * over it (bundle.h). OpenSSL does the hashing and CMS (RFC 5652); the
 * manifest is JSON written by jansson.
 *
 * manifest.json:
 *   {"schema": "assay-manifest", "version": 1,
 *    "plan": {"path": "examples/demo.ini", "sha256": "..."},      (optional)
 *    "files": [{"path": "report.pdf", "size": 96207, "sha256": "..."}, ...]}
 * paths relative to the folder, '/'-separated, sorted bytewise. A path in
 * a manifest being verified must be relative without "." or ".." parts,
 * so a forged manifest cannot make verify read outside the folder.
 * Symbolic links are refused when signing and reported when verifying:
 * a link could point the hash at a file that is not in the bundle.
 */
#include "reports/bundle.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 16

struct entry {
	char *path; /* relative */
	char sha[65];
	long long size;
	bool link; /* a symbolic link or other non-regular file */
};

struct list {
	struct entry *e;
	size_t n, cap;
};

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].path);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static const char *ssl_err(void)
{
	static _Thread_local char buf[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return "unknown OpenSSL error";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* Every file under dir/rel, without hashing; the bundle's own files skipped. */
static int walk(struct list *l, const char *dir, const char *rel, int depth)
{
	char *path = rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	if (!d) {
		err_set("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!rel && (strcmp(de->d_name, BUNDLE_MANIFEST) == 0 ||
		             strcmp(de->d_name, BUNDLE_SIGNATURE) == 0 ||
		             strcmp(de->d_name, BUNDLE_TIMESTAMP) == 0))
			continue;
		char *r = rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", dir, r);
		struct stat st;
		if (lstat(full, &st) < 0) {
			rc = err_set("%s: %s", full, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = depth >= MAX_DEPTH ? err_set("%s: folders nested too deep", full)
			                        : walk(l, dir, r, depth + 1);
		} else if (l->n >= BUNDLE_MAX_FILES) {
			rc = err_set("%s: more than %d files", dir, BUNDLE_MAX_FILES);
		} else {
			struct entry *e = ARRAY_PUSH(l->e, l->n, l->cap);
			memset(e, 0, sizeof(*e));
			e->path = r;
			r = NULL;
			e->size = (long long)st.st_size;
			e->link = !S_ISREG(st.st_mode);
		}
		free(full);
		free(r);
	}
	closedir(d);
	free(path);
	return rc;
}

static int list_files(struct list *l, const char *dir)
{
	memset(l, 0, sizeof(*l));
	if (walk(l, dir, NULL, 0) < 0) {
		list_free(l);
		return -1;
	}
	qsort(l->e, l->n, sizeof(*l->e), cmp_entry);
	return 0;
}

static int hash_entry(struct entry *e, const char *dir)
{
	char *full = xasprintf("%s/%s", dir, e->path);
	int rc = sha256_file_hex(e->sha, full);
	if (rc < 0)
		err_set("%s: cannot hash: %s", full, strerror(errno));
	free(full);
	return rc;
}

static int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return err_set("%s: cannot write: %s", path, strerror(errno));
	bool ok = fwrite(data, 1, n, f) == n;
	if (fclose(f) != 0 || !ok)
		return err_set("%s: cannot write: %s", path, strerror(errno));
	return 0;
}

static int load_signer(EVP_PKEY **key, X509 **cert, STACK_OF(X509) * *chain, const char *key_pem,
                       const char *cert_pem)
{
	*key = NULL;
	*cert = NULL;
	*chain = NULL;
	BIO *b = BIO_new_file(key_pem, "r");
	if (!b)
		return err_set("%s: cannot read the key: %s", key_pem, strerror(errno));
	*key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!*key)
		return err_set("%s: not a PEM private key (unencrypted): %s", key_pem, ssl_err());
	b = BIO_new_file(cert_pem, "r");
	if (!b)
		return err_set("%s: cannot read the certificate: %s", cert_pem, strerror(errno));
	*cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	/* Certificates after the first are the chain, sent with the signature. */
	*chain = sk_X509_new_null();
	X509 *x;
	while (*cert && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		sk_X509_push(*chain, x);
	ERR_clear_error(); /* the end of the file reads as an error */
	BIO_free(b);
	if (!*cert)
		return err_set("%s: not a PEM certificate", cert_pem);
	if (X509_check_private_key(*cert, *key) != 1)
		return err_set("%s: the certificate does not match the key %s", cert_pem, key_pem);
	return 0;
}

/*
 * A detached CMS SignedData over data: SHA-256 for RSA and ECDSA keys;
 * SM3 for SM2 keys (GB/T 35275). OpenSSL 3.0's CMS leaves the signature
 * algorithm of an SM2 signer empty (the output does not encode); naming it
 * SM2-with-SM3 before CMS_final makes it sign through EVP_DigestSign, which
 * applies SM2's default distinguishing ID, and verify the same way.
 */
static CMS_ContentInfo *cms_sign(X509 *cert, EVP_PKEY *key, STACK_OF(X509) * chain, BIO *data)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	bool sm2 = EVP_PKEY_is_a(key, "SM2");
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, chain, NULL, flags);
	if (!cms)
		return NULL;
	CMS_SignerInfo *si = CMS_add1_signer(cms, cert, key, sm2 ? EVP_sm3() : EVP_sha256(), flags);
	if (si && sm2) {
		X509_ALGOR *sig;
		CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &sig);
		X509_ALGOR_set0(sig, OBJ_nid2obj(NID_SM2_with_SM3), V_ASN1_UNDEF, NULL);
	}
	if (!si || CMS_final(cms, data, NULL, flags) != 1) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

int bundle_sign(const char *dir, const char *plan, const char *key_pem, const char *cert_pem)
{
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) * chain;
	int rc = load_signer(&key, &cert, &chain, key_pem, cert_pem);
	struct list l = {0};
	json_t *files = json_array(), *root = json_object();
	char *text = NULL, *mpath = xasprintf("%s/%s", dir, BUNDLE_MANIFEST);
	char *spath = xasprintf("%s/%s", dir, BUNDLE_SIGNATURE);
	CMS_ContentInfo *cms = NULL;
	if (rc == 0)
		rc = list_files(&l, dir);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		if (l.e[i].link) {
			rc = err_set("%s/%s: not a regular file; a bundle holds only files", dir,
			             l.e[i].path);
			break;
		}
		rc = hash_entry(&l.e[i], dir);
		if (rc == 0)
			json_array_append_new(files, json_pack("{s:s,s:I,s:s}", "path", l.e[i].path,
			                                       "size", (json_int_t)l.e[i].size,
			                                       "sha256", l.e[i].sha));
	}
	json_object_set_new(root, "schema", json_string("assay-manifest"));
	json_object_set_new(root, "version", json_integer(1));
	if (rc == 0 && plan) {
		char sha[65];
		if (sha256_file_hex(sha, plan) < 0)
			rc = err_set("%s: cannot hash the plan: %s", plan, strerror(errno));
		else
			json_object_set_new(root, "plan",
			                    json_pack("{s:s,s:s}", "path", plan, "sha256", sha));
	}
	json_object_set_new(root, "files", files);
	files = NULL;
	if (rc == 0) {
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!text)
			rc = err_set("%s: cannot encode the manifest (a file name is not UTF-8?)",
			             mpath);
	}
	if (rc == 0)
		rc = write_file(mpath, text, strlen(text));
	if (rc == 0) {
		BIO *data = BIO_new_mem_buf(text, (int)strlen(text));
		cms = cms_sign(cert, key, chain, data);
		BIO_free(data);
		if (!cms)
			rc = err_set("%s: cannot sign with %s: %s", mpath, key_pem, ssl_err());
	}
	if (rc == 0) {
		unsigned char *der = NULL;
		int n = i2d_CMS_ContentInfo(cms, &der);
		if (n <= 0)
			rc = err_set("%s: cannot encode the signature: %s", spath, ssl_err());
		else
			rc = write_file(spath, der, (size_t)n);
		OPENSSL_free(der);
	}
	CMS_ContentInfo_free(cms);
	free(text);
	free(mpath);
	free(spath);
	json_decref(root);
	json_decref(files);
	list_free(&l);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}

/* ---- verify ---- */

static bool path_safe(const char *p)
{
	if (!*p || p[0] == '/' || strlen(p) > 4096)
		return false;
	for (const char *s = p; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
	}
	for (const unsigned char *s = (const unsigned char *)p; *s; s++)
		if (*s < 0x20)
			return false;
	return true;
}

/* 1 holds, 0 does not; prints what was checked. */
static int check_signature(const char *dir, const char *text, size_t len, const char *ca_file,
                           FILE *out)
{
	char *spath = xasprintf("%s/%s", dir, BUNDLE_SIGNATURE);
	BIO *b = BIO_new_file(spath, "rb");
	CMS_ContentInfo *cms = b ? d2i_CMS_bio(b, NULL) : NULL;
	BIO_free(b);
	int ok = 0;
	if (!cms) {
		fprintf(out, "FAILED   signature: %s is missing or not a DER CMS signature\n",
		        BUNDLE_SIGNATURE);
		free(spath);
		ERR_clear_error();
		return 0;
	}
	X509_STORE *store = X509_STORE_new();
	if (ca_file ? X509_STORE_load_file(store, ca_file) != 1
	            : X509_STORE_set_default_paths(store) != 1) {
		fprintf(out, "FAILED   chain: cannot load %s\n",
		        ca_file ? ca_file : "the system trust store");
		ERR_clear_error();
	}
	BIO *data = BIO_new_mem_buf(text, (int)len);
	int sig = CMS_verify(cms, NULL, store, data, NULL,
	                     CMS_DETACHED | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
	const char *why = sig == 1 ? "" : ssl_err();
	STACK_OF(X509) *signers = CMS_get0_signers(cms);
	char subject[256] = "?";
	if (signers && sk_X509_num(signers) > 0)
		X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)), subject,
		                  sizeof(subject));
	sk_X509_free(signers);
	if (sig == 1)
		fprintf(out, "ok       signature over %s by %s\n", BUNDLE_MANIFEST, subject);
	else
		fprintf(out, "FAILED   signature over %s: %s\n", BUNDLE_MANIFEST, why);
	if (sig == 1) {
		BIO_free(data);
		data = BIO_new_mem_buf(text, (int)len);
		int chain = CMS_verify(cms, NULL, store, data, NULL, CMS_DETACHED | CMS_BINARY);
		if (chain == 1)
			fprintf(out, "ok       certificate chain of %s to %s\n", subject,
			        ca_file ? ca_file : "the system trust store");
		else
			fprintf(out, "FAILED   certificate chain of %s to %s: %s\n", subject,
			        ca_file ? ca_file : "the system trust store", ssl_err());
		ok = chain == 1;
	}
	BIO_free(data);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	free(spath);
	return ok;
}

int bundle_verify(const char *dir, const char *ca_file, FILE *out)
{
	char *mpath = xasprintf("%s/%s", dir, BUNDLE_MANIFEST);
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(&text, &len, mpath, 64u << 20) < 0) {
		err_set("%s: cannot read: %s", mpath, strerror(errno));
		free(mpath);
		return -1;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	json_t *files = root ? json_object_get(root, "files") : NULL;
	if (!json_is_array(files)) {
		err_set("%s:%d: not an assay manifest: %s", mpath, root ? 0 : je.line,
		        root ? "no files array" : je.text);
		json_decref(root);
		free(text);
		free(mpath);
		return -1;
	}
	bool all = check_signature(dir, text, len, ca_file, out) == 1;
	if (bundle_timestamp_verify(dir, ca_file, out) == 0)
		all = false;

	struct list now;
	if (list_files(&now, dir) < 0) {
		fprintf(out, "FAILED   cannot list %s: %s\n", dir, err_msg());
		all = false;
		memset(&now, 0, sizeof(now));
	}
	bool *seen = xcalloc(now.n + 1, sizeof(bool));
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		if (!p || !sha || !path_safe(p)) {
			fprintf(out,
			        "FAILED   %s: entry %zu has an unsafe or missing path or hash\n",
			        BUNDLE_MANIFEST, i);
			all = false;
			continue;
		}
		struct entry key = {.path = (char *)p};
		struct entry *e =
		    now.n ? bsearch(&key, now.e, now.n, sizeof(*now.e), cmp_entry) : NULL;
		if (!e) {
			fprintf(out, "REMOVED  %s\n", p);
			all = false;
			continue;
		}
		seen[e - now.e] = true;
		if (e->link) {
			fprintf(out, "CHANGED  %s (no longer a regular file)\n", p);
			all = false;
		} else if (hash_entry(e, dir) < 0) {
			fprintf(out, "FAILED   %s: %s\n", p, err_msg());
			all = false;
		} else if (strcmp(e->sha, sha) != 0) {
			fprintf(out, "CHANGED  %s (sha256 %s, manifest %s)\n", p, e->sha, sha);
			all = false;
		} else {
			fprintf(out, "ok       %s sha256 %s\n", p, sha);
		}
	}
	for (size_t k = 0; k < now.n; k++) {
		if (!seen[k]) {
			fprintf(out, "ADDED    %s\n", now.e[k].path);
			all = false;
		}
	}
	json_t *plan = json_object_get(root, "plan");
	if (json_is_object(plan))
		fprintf(out, "recorded plan %s sha256 %s\n",
		        json_string_value(json_object_get(plan, "path"))
		            ? json_string_value(json_object_get(plan, "path"))
		            : "-",
		        json_string_value(json_object_get(plan, "sha256"))
		            ? json_string_value(json_object_get(plan, "sha256"))
		            : "-");
	fprintf(out, "%s\n", all ? "verified: every check holds" : "NOT VERIFIED");
	free(seen);
	list_free(&now);
	json_decref(root);
	free(text);
	free(mpath);
	return all ? 0 : 1;
}
