/*
 * APK signatures: the v1 JAR signature (META-INF/MANIFEST.MF, *.SF and a
 * PKCS#7 block), and the APK Signing Block (v2 0x7109871a, v3 0xf05368c0,
 * v3.1 0x1b93ad61) that sits just before the central directory. For each
 * v2/v3 signer the signature over its signed data is verified with the
 * signer's public key, and the content digest (CHUNKED_SHA256/512 over the
 * zip entries, the central directory and the end record with the
 * directory's offset pointing at the block) is recomputed: a changed byte
 * anywhere in the file is reported, as apksigner reports it.
 * Formats: source.android.com "APK Signature Scheme v2" / "v3"; Oracle
 * "JAR File Specification" (signed JAR). The signer certificate is read
 * with OpenSSL: subject, key type and size, signature algorithm, validity,
 * SHA-256 fingerprint, and whether it is the SDK's debug certificate.
 */
#include "probes/app/android_int.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ID_V2      0x7109871au
#define ID_V3      0xf05368c0u
#define ID_V31     0x1b93ad61u
#define ID_VERITY  0x42726577u
#define MAX_PAIRS  64
#define CHUNK_SIZE (1u << 20)

/* A u32-length-prefixed item of a span: advances *off. */
static bool lp(struct span s, uint64_t *off, struct span *out)
{
	uint32_t n;
	if (!le32(s, *off, &n) || !span_sub(s, *off + 4, n, out))
		return false;
	*off += 4ull + n;
	return true;
}

struct signer {
	struct span signed_data, sigs, pubkey;
	struct span certs; /* the certificates sequence */
	uint32_t min_sdk, max_sdk;
};

static bool signer_parse(struct span v, bool v3, struct signer *g)
{
	uint64_t o = 0;
	memset(g, 0, sizeof(*g));
	if (!lp(v, &o, &g->signed_data))
		return false;
	if (v3 && (!le32(v, o, &g->min_sdk) || !le32(v, o + 4, &g->max_sdk)))
		return false;
	if (v3)
		o += 8;
	if (!lp(v, &o, &g->sigs) || !lp(v, &o, &g->pubkey))
		return false;
	uint64_t d = 0;
	struct span digests;
	return lp(g->signed_data, &d, &digests) && lp(g->signed_data, &d, &g->certs);
}

static const EVP_MD *alg_md(uint32_t alg)
{
	switch (alg) {
	case 0x0101:
	case 0x0103:
	case 0x0201:
	case 0x0301:
	case 0x0421:
	case 0x0423:
	case 0x0425:
		return EVP_sha256();
	case 0x0102:
	case 0x0104:
	case 0x0202:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static bool alg_verity(uint32_t alg)
{
	return alg == 0x0421 || alg == 0x0423 || alg == 0x0425;
}

static const char *alg_name(uint32_t alg)
{
	switch (alg) {
	case 0x0101:
		return "RSASSA-PSS-SHA256";
	case 0x0102:
		return "RSASSA-PSS-SHA512";
	case 0x0103:
		return "RSASSA-PKCS1-v1_5-SHA256";
	case 0x0104:
		return "RSASSA-PKCS1-v1_5-SHA512";
	case 0x0201:
		return "ECDSA-SHA256";
	case 0x0202:
		return "ECDSA-SHA512";
	case 0x0301:
		return "DSA-SHA256";
	case 0x0421:
		return "RSASSA-PKCS1-v1_5-SHA256-verity";
	case 0x0423:
		return "ECDSA-SHA256-verity";
	case 0x0425:
		return "DSA-SHA256-verity";
	default:
		return "unknown";
	}
}

/* Verify one signature over the signed data with the SubjectPublicKeyInfo. */
static bool sig_verify(struct span pubkey, uint32_t alg, struct span sig, struct span data)
{
	const EVP_MD *md = alg_md(alg);
	if (!md)
		return false;
	const unsigned char *kp = pubkey.p;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &kp, (long)pubkey.n);
	if (!k)
		return false;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool ok = EVP_DigestVerifyInit(c, &pc, md, NULL, k) == 1;
	if (ok && (alg == 0x0101 || alg == 0x0102))
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, alg == 0x0101 ? 32 : 64) == 1;
	ok = ok && EVP_DigestVerify(c, sig.p, sig.n, data.p, data.n) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return ok;
}

struct sections {
	struct span part[3]; /* entries, central directory, end record (patched) */
	uint8_t eocd[22 + 65535];
};

/* CHUNKED_SHA256/512 over the three sections (APK Signature Scheme v2, "Integrity"). */
static bool content_digest(const struct sections *s, const EVP_MD *md, uint8_t *out,
                           unsigned *outlen)
{
	uint64_t nchunks = 0;
	for (int i = 0; i < 3; i++)
		nchunks += (s->part[i].n + CHUNK_SIZE - 1) / CHUNK_SIZE;
	if (nchunks > (1u << 21))
		return false;
	size_t dl = (size_t)EVP_MD_get_size(md);
	uint8_t *cat = xmalloc(5 + nchunks * dl);
	cat[0] = 0x5a;
	for (int b = 0; b < 4; b++)
		cat[1 + b] = (uint8_t)(nchunks >> (8 * b));
	size_t k = 5;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	for (int i = 0; i < 3; i++) {
		for (size_t off = 0; off < s->part[i].n; off += CHUNK_SIZE) {
			size_t n =
			    s->part[i].n - off < CHUNK_SIZE ? s->part[i].n - off : CHUNK_SIZE;
			uint8_t hdr[5] = {0xa5, (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
			                  (uint8_t)(n >> 24)};
			unsigned l;
			EVP_DigestInit_ex(c, md, NULL);
			EVP_DigestUpdate(c, hdr, 5);
			EVP_DigestUpdate(c, s->part[i].p + off, n);
			EVP_DigestFinal_ex(c, cat + k, &l);
			k += l;
		}
	}
	bool ok = EVP_DigestInit_ex(c, md, NULL) && EVP_DigestUpdate(c, cat, k) &&
	          EVP_DigestFinal_ex(c, out, outlen);
	EVP_MD_CTX_free(c);
	free(cat);
	return ok;
}

struct certinfo {
	bool have;
	char subject[256], issuer[256], key_type[16], sig_alg[64], sha256[65];
	int key_bits;
	char not_before[32], not_after[32];
	int64_t days_left;
	bool debug, self_signed;
};

static void asn1_time_iso(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;
	if (ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(buf, len, "?");
}

static void cert_read(struct certinfo *ci, X509 *x)
{
	memset(ci, 0, sizeof(*ci));
	ci->have = true;
	unsigned long fl =
	    (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;
	BIO *b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0, fl);
	int n = BIO_read(b, ci->subject, sizeof(ci->subject) - 1);
	ci->subject[n > 0 ? n : 0] = 0;
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, fl);
	n = BIO_read(b, ci->issuer, sizeof(ci->issuer) - 1);
	ci->issuer[n > 0 ? n : 0] = 0;
	BIO_free(b);
	EVP_PKEY *k = X509_get0_pubkey(x);
	if (k) {
		int id = EVP_PKEY_get_base_id(k);
		snprintf(ci->key_type, sizeof(ci->key_type), "%s",
		         id == EVP_PKEY_RSA   ? "RSA"
		         : id == EVP_PKEY_EC  ? "EC"
		         : id == EVP_PKEY_DSA ? "DSA"
		                              : "other");
		ci->key_bits = EVP_PKEY_get_bits(k);
	}
	snprintf(ci->sig_alg, sizeof(ci->sig_alg), "%s",
	         OBJ_nid2ln(X509_get_signature_nid(x)) ? OBJ_nid2ln(X509_get_signature_nid(x))
	                                               : "?");
	asn1_time_iso(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
	asn1_time_iso(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
	int days = 0, secs = 0;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)))
		ci->days_left = days;
	unsigned char md[32];
	unsigned mdl = 0;
	X509_digest(x, EVP_sha256(), md, &mdl);
	for (unsigned i = 0; i < mdl && i < 32; i++)
		snprintf(ci->sha256 + 2 * i, 3, "%02x", md[i]);
	ci->debug = strstr(ci->subject, "CN=Android Debug") != NULL;
	ci->self_signed = X509_check_issued(x, x) == X509_V_OK;
}

struct sigstate {
	struct apk *a;
	struct certinfo cert;
	bool v1, v2, v3, v31;
	bool v2_ok, v3_ok, v1_ok;
	bool tampered;
	bool v1_md5, v1_sha1;
	unsigned v1_bad_entries;
	char v1_why[300];
	char v1_digest[32];
	char scheme_algs[128];
};

/* One v2/v3 block: every signer's signature and content digest. */
static bool verify_scheme(struct sigstate *st, struct span value, bool v3,
                          const struct sections *sec, const char *where)
{
	struct app_ctx *x = st->a->x;
	uint64_t o = 0;
	struct span signers;
	if (!lp(value, &o, &signers)) {
		app_finding(x, "parse-error", "medium", where, -1, "v%s block: bad signer sequence",
		            v3 ? "3" : "2");
		return false;
	}
	bool all_ok = true;
	int nsigners = 0;
	uint64_t so = 0;
	struct span sv;
	while (so < signers.n && lp(signers, &so, &sv) && nsigners < 16) {
		nsigners++;
		struct signer g;
		if (!signer_parse(sv, v3, &g)) {
			app_finding(x, "parse-error", "medium", where, -1,
			            "v%s signer %d: malformed", v3 ? "3" : "2", nsigners);
			all_ok = false;
			continue;
		}
		/* the signature over signed data, with the strongest supported algorithm */
		bool sig_ok = false;
		uint64_t q = 0;
		struct span one;
		while (q < g.sigs.n && lp(g.sigs, &q, &one)) {
			uint32_t alg;
			uint64_t r = 4;
			struct span sig;
			if (!le32(one, 0, &alg) || !lp(one, &r, &sig) || !alg_md(alg))
				continue;
			if (!st->scheme_algs[0])
				snprintf(st->scheme_algs, sizeof(st->scheme_algs), "%s",
				         alg_name(alg));
			if (sig_verify(g.pubkey, alg, sig, g.signed_data))
				sig_ok = true;
		}
		/* content digests */
		bool dig_ok = false, dig_seen = false;
		uint64_t d = 0;
		struct span digests, dg;
		lp(g.signed_data, &d, &digests);
		q = 0;
		while (q < digests.n && lp(digests, &q, &dg)) {
			uint32_t alg;
			uint64_t r = 4;
			struct span want;
			if (!le32(dg, 0, &alg) || !lp(dg, &r, &want) || !alg_md(alg) ||
			    alg_verity(alg))
				continue;
			uint8_t got[EVP_MAX_MD_SIZE];
			unsigned gl = 0;
			dig_seen = true;
			if (content_digest(sec, alg_md(alg), got, &gl) && gl == want.n &&
			    memcmp(got, want.p, gl) == 0)
				dig_ok = true;
			break; /* one digest is enough: the others cover the same bytes */
		}
		/* the certificate: the first of the signer's list */
		uint64_t c = 0;
		struct span der;
		if (lp(g.certs, &c, &der)) {
			const unsigned char *p = der.p;
			X509 *cx = d2i_X509(NULL, &p, (long)der.n);
			if (cx) {
				if (!st->cert.have)
					cert_read(&st->cert, cx);
				/* the signer's public key must be the certificate's */
				unsigned char *spki = NULL;
				int sl = i2d_PUBKEY(X509_get0_pubkey(cx), &spki);
				if (sl <= 0 || (size_t)sl != g.pubkey.n ||
				    memcmp(spki, g.pubkey.p, (size_t)sl))
					sig_ok = false;
				OPENSSL_free(spki);
				X509_free(cx);
			}
		}
		if (!sig_ok)
			app_finding(x, "android-signature-invalid", "critical", where, -1,
			            "v%s signer %d: signature over signed data does not verify",
			            v3 ? "3" : "2", nsigners);
		if (dig_seen && !dig_ok) {
			st->tampered = true;
			app_finding(
			    x, "android-signature-invalid", "critical", where, -1,
			    "v%s signer %d: content digest mismatch: the APK was modified after "
			    "signing",
			    v3 ? "3" : "2", nsigners);
		}
		all_ok = all_ok && sig_ok && dig_seen && dig_ok;
	}
	return all_ok && nsigners > 0;
}

static void signing_block(struct sigstate *st)
{
	struct apk *a = st->a;
	struct app_ctx *x = a->x;
	struct span s = a->s;
	uint64_t cd = a->z.cd_off;
	facts_add_list(x->out, "app.android.sig.block_ids", NULL, 0);
	if (cd < 32 || !span_has(s.n, cd - 16, 16) || memcmp(s.p + cd - 16, "APK Sig Block 42", 16))
		return;
	uint64_t size_footer = 0, size_header = 0;
	if (!le64(s, cd - 24, &size_footer) || size_footer > cd - 8 || size_footer < 24) {
		app_finding(
		    x, "parse-error", "high", a->path, (int64_t)cd - 24,
		    "APK Signing Block: size %llu does not fit before the central directory",
		    (unsigned long long)size_footer);
		return;
	}
	uint64_t start = cd - size_footer - 8;
	if (!le64(s, start, &size_header) || size_header != size_footer) {
		app_finding(x, "parse-error", "high", a->path, (int64_t)start,
		            "APK Signing Block: sizes %llu and %llu differ",
		            (unsigned long long)size_header, (unsigned long long)size_footer);
		return;
	}
	facts_add_int(x->out, "app.android.sig.block_offset", (int64_t)start);
	struct sections *sec = xcalloc(1, sizeof(*sec));
	sec->part[0] = (struct span){s.p, start};
	sec->part[1] = (struct span){s.p + cd, a->z.eocd_off - cd};
	size_t elen = s.n - a->z.eocd_off;
	memcpy(sec->eocd, s.p + a->z.eocd_off, elen < sizeof(sec->eocd) ? elen : sizeof(sec->eocd));
	for (int b = 0; b < 4; b++)
		sec->eocd[16 + b] = (uint8_t)(start >> (8 * b));
	sec->part[2] = (struct span){sec->eocd, elen};

	char *where = xasprintf("%s!APK Sig Block", a->path);
	uint64_t o = start + 8, end = cd - 24;
	for (int n = 0; o + 12 <= end && n < MAX_PAIRS; n++) {
		uint64_t len;
		uint32_t id;
		if (!le64(s, o, &len) || len < 4 || len > end - o - 8 || !le32(s, o + 8, &id)) {
			app_finding(x, "parse-error", "high", where, (int64_t)o,
			            "APK Signing Block: pair at offset %llu does not fit",
			            (unsigned long long)o);
			break;
		}
		struct span v = {s.p + o + 12, len - 4};
		char ids[16];
		snprintf(ids, sizeof(ids), "0x%08x", id);
		facts_list_append(x->out, "app.android.sig.block_ids", ids);
		if (id == ID_V2) {
			st->v2 = true;
			st->v2_ok = verify_scheme(st, v, false, sec, where);
		} else if (id == ID_V3) {
			st->v3 = true;
			st->v3_ok = verify_scheme(st, v, true, sec, where);
		} else if (id == ID_V31) {
			st->v31 = true;
		}
		o += 8 + len;
	}
	free(where);
	free(sec);
}

/* v1: the digest algorithm names used in MANIFEST.MF and the .SF files. */
static void v1_digests(struct sigstate *st, const char *text, size_t len)
{
	static const char *const names[] = {"SHA-512-Digest", "SHA-384-Digest", "SHA-256-Digest",
	                                    "SHA1-Digest",    "SHA-1-Digest",   "MD5-Digest"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!memmem(text, len, names[i], strlen(names[i])))
			continue;
		if (strstr(names[i], "MD5"))
			st->v1_md5 = true;
		else if (strstr(names[i], "SHA1") || strstr(names[i], "SHA-1"))
			st->v1_sha1 = true;
		if (!st->v1_digest[0])
			snprintf(st->v1_digest, sizeof(st->v1_digest), "%.*s",
			         (int)(strlen(names[i]) - strlen("-Digest")), names[i]);
	}
}

/* The EVP digest for a JAR digest attribute name ("SHA-256-Digest"). */
static const EVP_MD *jar_md(const char *attr, size_t len)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} t[] = {{"SHA-512", EVP_sha512}, {"SHA-384", EVP_sha384}, {"SHA-256", EVP_sha256},
	         {"SHA1", EVP_sha1},      {"SHA-1", EVP_sha1},     {"MD5", EVP_md5}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].name) == len && strncasecmp(attr, t[i].name, len) == 0)
			return t[i].md();
	return NULL;
}

/* base64 of a digest of data. */
static void b64_digest(const EVP_MD *md, const uint8_t *data, size_t len, char out[100])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	EVP_Digest(data, len, d, &dl, md, NULL);
	EVP_EncodeBlock((unsigned char *)out, d, (int)dl);
}

/*
 * Every "Name:" section of MANIFEST.MF: the entry's digest must match its
 * bytes, and every member outside META-INF/ must have a section. Lines
 * of 72 bytes continue on lines that start with one space.
 * Returns the number of problems; *first names the first one.
 */
static unsigned v1_entries(struct apk *a, const char *mf, size_t len, char *first, size_t flen)
{
	unsigned bad = 0;
	bool *covered = xcalloc(a->z.n ? a->z.n : 1, sizeof(bool));
	struct strbuf name = STRBUF_INIT, line = STRBUF_INIT;
	char dname[32] = "", dval[100] = "";
	size_t i = 0;
	while (i <= len) {
		/* one logical line (with continuations) */
		sb_reset(&line);
		while (i < len) {
			size_t e = i;
			while (e < len && mf[e] != '\r' && mf[e] != '\n')
				e++;
			sb_add(&line, mf + i, e - i);
			i = e;
			if (i < len && mf[i] == '\r')
				i++;
			if (i < len && mf[i] == '\n')
				i++;
			if (i < len && mf[i] == ' ')
				i++;
			else
				break;
		}
		bool end = line.len == 0;
		if (!end && line.len > 6 && strncmp(line.buf, "Name: ", 6) == 0) {
			sb_reset(&name);
			sb_adds(&name, line.buf + 6);
		} else if (!end) {
			char *d = line.buf ? strstr(line.buf, "-Digest: ") : NULL;
			if (d && (size_t)(d - line.buf) < sizeof(dname) &&
			    strlen(d + 9) < sizeof(dval)) {
				snprintf(dname, sizeof(dname), "%.*s", (int)(d - line.buf),
				         line.buf);
				snprintf(dval, sizeof(dval), "%s", d + 9);
			}
		}
		if (end) {
			if (name.len && dname[0]) {
				const struct zip_entry *ze = zip_find(&a->z, name.buf);
				const EVP_MD *md = jar_md(dname, strlen(dname));
				uint8_t *buf = NULL;
				size_t bl = 0;
				char got[100] = "";
				/* a member listed twice is a fault, and is not read again
				 * (a manifest of a million sections naming one big member
				 * would digest it a million times) */
				bool again = ze && covered[ze - a->z.e];
				if (ze && md && !again &&
				    zip_read(&a->z, ze, &buf, &bl, APP_MAX_MEMBER) == 0)
					b64_digest(md, buf, bl, got);
				free(buf);
				if (ze)
					covered[ze - a->z.e] = true;
				if (!ze || again || strcmp(got, dval) != 0) {
					if (!bad++)
						snprintf(first, flen, "%s: %s", name.buf,
						         !ze     ? "listed but absent"
						         : again ? "listed twice"
						                 : "digest does not match");
				}
			}
			sb_reset(&name);
			dname[0] = 0;
			if (i >= len)
				break;
		}
	}
	for (size_t k = 0; k < a->z.n; k++)
		if (!covered[k] && strncmp(a->z.e[k].name, "META-INF/", 9) != 0 &&
		    !str_ends(a->z.e[k].name, "/")) {
			if (!bad++)
				snprintf(first, flen, "%s: not covered by MANIFEST.MF",
				         a->z.e[k].name);
		}
	free(covered);
	sb_free(&name);
	sb_free(&line);
	return bad;
}

/* The .SF's "X-Digest-Manifest" over the whole MANIFEST.MF, when present. */
static bool v1_sf_manifest_ok(const char *sf, size_t sfl, const uint8_t *mf, size_t mfl)
{
	const char *p = memmem(sf, sfl, "-Digest-Manifest: ", 18);
	if (!p)
		return true; /* optional: then each section is digested, not checked here */
	const char *ls = p;
	while (ls > sf && ls[-1] != '\n')
		ls--;
	const EVP_MD *md = jar_md(ls, (size_t)(p - ls));
	if (!md)
		return false;
	const char *v = p + 18, *ve = v;
	while (ve < sf + sfl && *ve != '\r' && *ve != '\n')
		ve++;
	char got[100];
	b64_digest(md, mf, mfl, got);
	return strlen(got) == (size_t)(ve - v) && memcmp(got, v, (size_t)(ve - v)) == 0;
}

static void v1_signature(struct sigstate *st)
{
	struct apk *a = st->a;
	const struct zip_entry *mf = zip_find(&a->z, "META-INF/MANIFEST.MF");
	for (size_t i = 0; i < a->z.n; i++) {
		const struct zip_entry *e = &a->z.e[i];
		const char *n = e->name;
		if (strncmp(n, "META-INF/", 9) != 0 || strchr(n + 9, '/'))
			continue;
		if (!(str_ends(n, ".RSA") || str_ends(n, ".DSA") || str_ends(n, ".EC")))
			continue;
		/* the .SF of the same base name */
		const char *dot = strrchr(n, '.');
		char *sfname = xasprintf("%.*s.SF", (int)(dot - n), n);
		const struct zip_entry *sf = zip_find(&a->z, sfname);
		free(sfname);
		if (!sf || !mf)
			continue;
		st->v1 = true;
		uint8_t *sig = NULL, *sfb = NULL, *mfb = NULL;
		size_t sl, sfl, mfl;
		if (zip_read(&a->z, e, &sig, &sl, 16u << 20) == 0 &&
		    zip_read(&a->z, sf, &sfb, &sfl, 64u << 20) == 0 &&
		    zip_read(&a->z, mf, &mfb, &mfl, 64u << 20) == 0) {
			v1_digests(st, (const char *)mfb, mfl);
			v1_digests(st, (const char *)sfb, sfl);
			const unsigned char *p = sig;
			PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)sl);
			if (p7 && PKCS7_type_is_signed(p7)) {
				STACK_OF(X509) *certs = p7->d.sign->cert;
				if (!st->cert.have && certs && sk_X509_num(certs) > 0)
					cert_read(&st->cert, sk_X509_value(certs, 0));
				BIO *content = BIO_new_mem_buf(sfb, (int)sfl);
				/* the PKCS#7 over the .SF (certificate trust is not the point:
				 * APK certificates are self-signed) */
				st->v1_ok = PKCS7_verify(p7, NULL, NULL, content, NULL,
				                         PKCS7_NOVERIFY | PKCS7_BINARY) == 1;
				BIO_free(content);
				char why[300] = "";
				if (st->v1_ok &&
				    !v1_sf_manifest_ok((const char *)sfb, sfl, mfb, mfl)) {
					st->v1_ok = false;
					snprintf(why, sizeof(why),
					         "%s: MANIFEST.MF digest does not match", sf->name);
				}
				unsigned nbad = v1_entries(a, (const char *)mfb, mfl,
				                           why[0] ? why + strlen(why) : why,
				                           why[0] ? 1 : sizeof(why));
				if (nbad) {
					st->v1_ok = false;
					st->v1_bad_entries = nbad;
				}
				snprintf(st->v1_why, sizeof(st->v1_why), "%s", why);
				STACK_OF(PKCS7_SIGNER_INFO) *si = PKCS7_get_signer_info(p7);
				if (si && sk_PKCS7_SIGNER_INFO_num(si) > 0) {
					X509_ALGOR *alg = NULL;
					PKCS7_SIGNER_INFO_get0_algs(
					    sk_PKCS7_SIGNER_INFO_value(si, 0), NULL, &alg, NULL);
					if (alg) {
						int nid = OBJ_obj2nid(alg->algorithm);
						if (nid == NID_md5)
							st->v1_md5 = true;
						else if (nid == NID_sha1)
							st->v1_sha1 = true;
					}
				}
			}
			PKCS7_free(p7);
			ERR_clear_error();
		}
		free(sig);
		free(sfb);
		free(mfb);
		break; /* the first signer decides */
	}
}

void apk_signatures(struct apk *a)
{
	struct app_ctx *x = a->x;
	struct facts *o = x->out;
	struct sigstate *st = xcalloc(1, sizeof(*st));
	st->a = a;
	signing_block(st);
	v1_signature(st);
	facts_add_bool(o, "app.android.sig.v1", st->v1);
	facts_add_bool(o, "app.android.sig.v2", st->v2);
	facts_add_bool(o, "app.android.sig.v3", st->v3);
	facts_add_bool(o, "app.android.sig.v31", st->v31);
	facts_add_bool(o, "app.android.sig.signed", st->v1 || st->v2 || st->v3);
	if (st->v1) {
		facts_add_bool(o, "app.android.sig.v1_verified", st->v1_ok);
		facts_add_string(o, "app.android.sig.v1_digest", st->v1_digest);
		facts_add_bool(o, "app.android.sig.v1_weak_digest", st->v1_md5 || st->v1_sha1);
	}
	if (st->v2)
		facts_add_bool(o, "app.android.sig.v2_verified", st->v2_ok);
	if (st->v3)
		facts_add_bool(o, "app.android.sig.v3_verified", st->v3_ok);
	if (st->scheme_algs[0])
		facts_add_string(o, "app.android.sig.algorithm", st->scheme_algs);
	bool verified = (st->v1 || st->v2 || st->v3) && (!st->v2 || st->v2_ok) &&
	                (!st->v3 || st->v3_ok) && (st->v2 || st->v3 || st->v1_ok);
	facts_add_bool(o, "app.android.sig.verified", verified);
	facts_add_bool(o, "app.android.sig.tampered", st->tampered);

	char *where = xasprintf("%s!META-INF", a->path);
	if (!st->v1 && !st->v2 && !st->v3)
		app_finding(x, "android-unsigned", "critical", a->path, -1,
		            "the APK is not signed");
	else if (!st->v2 && !st->v3)
		app_finding(
		    x, "android-v1-only", a->min_sdk < 24 ? "high" : "medium", where, -1,
		    "signed with the v1 (JAR) scheme only: entries outside the signature can "
		    "be changed (Janus, CVE-2017-13156; minSdk %d)",
		    a->min_sdk);
	if (st->v1 && (st->v1_md5 || st->v1_sha1))
		app_finding(x, "android-v1-weak-digest", st->v1_md5 ? "high" : "medium", where, -1,
		            "v1 signature uses %s", st->v1_md5 ? "MD5" : "SHA-1");
	if (st->v1 && !st->v1_ok)
		app_finding(x, "android-signature-invalid",
		            st->v2 || st->v3 ? "medium" : "critical", where, -1,
		            "v1 signature does not verify%s%s", st->v1_why[0] ? ": " : "",
		            st->v1_why[0] ? st->v1_why : " (PKCS#7 over the .SF)");
	free(where);

	struct certinfo *c = &st->cert;
	facts_add_bool(o, "app.android.cert.present", c->have);
	if (c->have) {
		facts_add_string(o, "app.android.cert.subject", c->subject);
		facts_add_string(o, "app.android.cert.issuer", c->issuer);
		facts_add_string(o, "app.android.cert.key_type", c->key_type);
		facts_add_int(o, "app.android.cert.key_bits", c->key_bits);
		facts_add_string(o, "app.android.cert.sig_alg", c->sig_alg);
		facts_add_string(o, "app.android.cert.not_before", c->not_before);
		facts_add_string(o, "app.android.cert.not_after", c->not_after);
		facts_add_int(o, "app.android.cert.days_left", c->days_left);
		facts_add_string(o, "app.android.cert.sha256", c->sha256);
		facts_add_bool(o, "app.android.cert.debug", c->debug);
		facts_add_bool(o, "app.android.cert.self_signed", c->self_signed);
		char *cw = xasprintf("%s!signer certificate", a->path);
		if (c->debug)
			app_finding(x, "android-debug-cert", "high", cw, -1,
			            "signed with the Android debug certificate (%s)", c->subject);
		if ((strcmp(c->key_type, "RSA") == 0 || strcmp(c->key_type, "DSA") == 0) &&
		    c->key_bits < 2048)
			app_finding(x, "android-weak-cert-key", "high", cw, -1, "%s key of %d bits",
			            c->key_type, c->key_bits);
		if (strstr(c->sig_alg, "md5") || strstr(c->sig_alg, "sha1") ||
		    strstr(c->sig_alg, "MD5") || strstr(c->sig_alg, "SHA1"))
			app_finding(x, "android-weak-cert-sig", "medium", cw, -1,
			            "certificate signed with %s", c->sig_alg);
		free(cw);
	}
	free(st);
}
