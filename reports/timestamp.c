/*
 * RFC 3161 timestamps for the evidence bundle (bundle.h): a token from a
 * time-stamping authority over the bytes of manifest.json.p7s proves the
 * signature existed at the TSA's time, even after the signer's
 * certificate expires. The request goes out over HTTP(S) with libcurl
 * (RFC 3161 §3.4: POST, application/timestamp-query); the reply is kept
 * as manifest.json.tsr (DER TimeStampResp) and checked by OpenSSL's TS
 * code: imprint, nonce and status when fetched; signature, chain and
 * imprint when verified.
 */
#include "reports/bundle.h"
#include "lib/err.h"
#include "lib/util.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLY (1u << 20)
#define MAX_SIG   (16u << 20)

struct body {
	unsigned char *buf;
	size_t len, cap;
	bool over;
};

static size_t on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = sz * n;
	if (b->len + add > MAX_REPLY) {
		b->over = true;
		return 0; /* aborts the transfer */
	}
	array_grow(&b->buf, &b->cap, b->len + add + 1, 1);
	memcpy(b->buf + b->len, p, add);
	b->len += add;
	return add;
}

static int read_signature(const char *dir, char **buf, size_t *len)
{
	char *path = xasprintf("%s/%s", dir, BUNDLE_SIGNATURE);
	int rc = 0;
	if (file_read_all(buf, len, path, MAX_SIG) < 0)
		rc = err_set("%s: cannot read: %s", path, strerror(errno));
	free(path);
	return rc;
}

static TS_REQ *make_request(const char *sig, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *nonce = NULL;
	bool ok = req && mi && alg && bn && EVP_Digest(sig, len, md, &mdlen, EVP_sha256(), NULL) &&
	          X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
	          TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) &&
	          TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
	          BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	          (nonce = BN_to_ASN1_INTEGER(bn, NULL)) && TS_REQ_set_nonce(req, nonce) &&
	          TS_REQ_set_cert_req(req, 1);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

static int post(const char *url, const unsigned char *der, long n, struct body *reply)
{
	CURL *c = curl_easy_init();
	if (!c)
		return err_set("%s: cannot start libcurl", url);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, der);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, n);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (reply->over)
		return err_set("%s: the reply is larger than %u bytes", url, MAX_REPLY);
	if (rc != CURLE_OK)
		return err_set("%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(rc));
	return 0;
}

int bundle_timestamp(const char *dir, const char *tsa_url)
{
	char *sig = NULL;
	size_t len = 0;
	if (read_signature(dir, &sig, &len) < 0)
		return -1;
	TS_REQ *req = make_request(sig, len);
	free(sig);
	if (!req)
		return err_set("%s: cannot build the timestamp request", tsa_url);
	unsigned char *der = NULL;
	int n = i2d_TS_REQ(req, &der);
	struct body reply = {0};
	int rc = n > 0 ? post(tsa_url, der, n, &reply) : err_set("cannot encode the request");
	OPENSSL_free(der);

	TS_RESP *resp = NULL;
	if (rc == 0) {
		const unsigned char *p = reply.buf;
		resp = d2i_TS_RESP(NULL, &p, (long)reply.len);
		if (!resp)
			rc = err_set("%s: the reply is not a TimeStampResp", tsa_url);
	}
	if (rc == 0) {
		/* Status granted, our imprint and nonce (not the signature: no trust store here).
		 */
		TS_VERIFY_CTX *ctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
		if (!ctx || TS_RESP_verify_response(ctx, resp) != 1) {
			unsigned long e = ERR_get_error();
			rc = err_set("%s: the timestamp reply does not answer our request: %s",
			             tsa_url, e ? ERR_reason_error_string(e) : "rejected");
		}
		TS_VERIFY_CTX_free(ctx);
		ERR_clear_error();
	}
	if (rc == 0) {
		char *path = xasprintf("%s/%s", dir, BUNDLE_TIMESTAMP);
		FILE *f = fopen(path, "wb");
		bool ok = f && fwrite(reply.buf, 1, reply.len, f) == reply.len;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok)
			rc = err_set("%s: cannot write: %s", path, strerror(errno));
		free(path);
	}
	TS_RESP_free(resp);
	TS_REQ_free(req);
	free(reply.buf);
	return rc;
}

int bundle_timestamp_verify(const char *dir, const char *ca_file, FILE *out)
{
	char *path = xasprintf("%s/%s", dir, BUNDLE_TIMESTAMP);
	BIO *b = BIO_new_file(path, "rb");
	free(path);
	if (!b) {
		ERR_clear_error();
		return -1;
	}
	TS_RESP *resp = d2i_TS_RESP_bio(b, NULL);
	BIO_free(b);
	char *sig = NULL;
	size_t len = 0;
	if (!resp || read_signature(dir, &sig, &len) < 0) {
		fprintf(out, "FAILED   timestamp: %s is not a TimeStampResp or %s is unreadable\n",
		        BUNDLE_TIMESTAMP, BUNDLE_SIGNATURE);
		TS_RESP_free(resp);
		ERR_clear_error();
		return 0;
	}
	X509_STORE *store = X509_STORE_new();
	if (ca_file ? X509_STORE_load_file(store, ca_file) != 1
	            : X509_STORE_set_default_paths(store) != 1)
		ERR_clear_error(); /* reported as a chain failure below */
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	TS_VERIFY_CTX_set_data(ctx, BIO_new_mem_buf(sig, (int)len));
	TS_VERIFY_CTX_set_store(ctx, store); /* the context owns both now */
	int ok = TS_RESP_verify_response(ctx, resp);
	char when[64] = "?";
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	if (tst) {
		BIO *m = BIO_new(BIO_s_mem());
		ASN1_GENERALIZEDTIME_print(m, TS_TST_INFO_get_time(tst));
		int w = BIO_read(m, when, (int)sizeof(when) - 1);
		when[w > 0 ? w : 0] = '\0';
		BIO_free(m);
	}
	if (ok == 1) {
		fprintf(out, "ok       timestamp over %s at %s, TSA chain to %s\n",
		        BUNDLE_SIGNATURE, when, ca_file ? ca_file : "the system trust store");
	} else {
		unsigned long e = ERR_get_error();
		fprintf(out, "FAILED   timestamp over %s: %s\n", BUNDLE_SIGNATURE,
		        e ? ERR_reason_error_string(e) : "does not verify");
	}
	ERR_clear_error();
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	free(sig);
	return ok == 1;
}
