/*
 * Private keys in PEM blocks, for the keys-and-secrets finder (secret.c,
 * which finds the BEGIN and END lines): a block whose label ends in
 * PRIVATE KEY is collected (at most SECRET_PEM_MAX bytes, in memory,
 * cleansed after) up to its END line and parsed:
 *
 * - RSA, EC, DSA and PKCS#8 (PRIVATE KEY) by OpenSSL, with a password
 *   callback that refuses, giving the key type and size; ENCRYPTED PRIVATE
 *   KEY as an EncryptedPrivateKeyInfo; Proc-Type 4,ENCRYPTED recognised,
 *   not decrypted;
 * - OPENSSH PRIVATE KEY by the openssh-key-v1 layout (OpenSSH's
 *   PROTOCOL.key: magic, cipher name, KDF name and options, key count, the
 *   public key), every length checked against what is left: cipher "none"
 *   is a clear key, anything else an encrypted one; the type and size come
 *   from the public key (RSA modulus, curve name).
 *
 * A block that does not parse, has no END line or is too long is reported
 * as such (PAN_SECRET_KEY_UNPARSED), never as a key.
 */
#include "probes/pan/scan_int.h"
#include "lib/util.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MAX (LABEL_CAP - 1)

static inline bool is_upper(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26;
}

static void pem_stop(struct secret_state *st)
{
	if (st->pem)
		OPENSSL_cleanse(st->pem, st->npem);
	st->npem = 0;
	st->collecting = false;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Bounded reads of the openssh-key-v1 layout (PROTOCOL.key in OpenSSH). */
struct cur {
	const uint8_t *p;
	size_t n;
};

static bool cur_u32(struct cur *c, uint32_t *v)
{
	if (c->n < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->n -= 4;
	return true;
}

static bool cur_str(struct cur *c, struct cur *s)
{
	uint32_t len;
	if (!cur_u32(c, &len) || len > c->n)
		return false;
	s->p = c->p;
	s->n = len;
	c->p += len;
	c->n -= len;
	return true;
}

static bool cur_is(const struct cur *s, const char *w)
{
	return s->n == strlen(w) && memcmp(s->p, w, s->n) == 0;
}

/* Bits of an SSH mpint (big-endian, a leading zero byte for sign). */
static unsigned mpint_bits(const struct cur *m)
{
	size_t i = 0;
	while (i < m->n && m->p[i] == 0)
		i++;
	if (i == m->n)
		return 0;
	unsigned top = m->p[i], b = 0;
	while (top) {
		b++;
		top >>= 1;
	}
	return (unsigned)((m->n - i - 1) * 8) + b;
}

/* The body of a PEM block (between the BEGIN and END lines) decoded; its length, or -1. */
static long pem_body(const uint8_t *pem, size_t n, uint8_t *out, size_t cap)
{
	const uint8_t *s = memchr(pem, '\n', n);
	if (!s)
		return -1;
	s++;
	const uint8_t *e = NULL;
	for (const uint8_t *q = s; q + 5 <= pem + n; q++)
		if (memcmp(q, "-----", 5) == 0) {
			e = q;
			break;
		}
	if (!e || (size_t)(e - s) / 4 * 3 + 3 > cap)
		return -1;
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return -1;
	int a = 0, z = 0;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out, &a, s, (int)(e - s)) < 0 ||
	    EVP_DecodeFinal(ctx, out + a, &z) < 0) {
		EVP_ENCODE_CTX_free(ctx);
		return -1;
	}
	EVP_ENCODE_CTX_free(ctx);
	return (long)a + z;
}

static void openssh_parse(struct pan_secret *x, const uint8_t *pem, size_t n)
{
	size_t cap = n;
	uint8_t *raw = xmalloc(cap);
	long len = pem_body(pem, n, raw, cap);
	struct cur c = {raw, len > 0 ? (size_t)len : 0}, cipher, kdf, opts, pub, type;
	uint32_t nkeys;
	static const char magic[] = "openssh-key-v1";
	x->kind = PAN_SECRET_KEY_UNPARSED;
	snprintf(x->what, sizeof(x->what), "OpenSSH");
	if (len < (long)sizeof(magic) || memcmp(raw, magic, sizeof(magic)) != 0)
		goto out;
	c.p += sizeof(magic);
	c.n -= sizeof(magic);
	if (!cur_str(&c, &cipher) || !cur_str(&c, &kdf) || !cur_str(&c, &opts) ||
	    !cur_u32(&c, &nkeys) || nkeys < 1 || nkeys > 64 || !cur_str(&c, &pub))
		goto out;
	struct cur pk = pub;
	if (!cur_str(&pk, &type) || type.n == 0 || type.n > 40)
		goto out;
	char tname[41];
	secret_copy_name(tname, sizeof(tname), type.p, type.n);
	unsigned bits = 0;
	if (cur_is(&type, "ssh-rsa")) {
		struct cur e, m;
		if (!cur_str(&pk, &e) || !cur_str(&pk, &m))
			goto out;
		bits = mpint_bits(&m);
	} else if (cur_is(&type, "ssh-ed25519")) {
		bits = 256;
	} else if (cur_is(&type, "ssh-ed448")) {
		bits = 456;
	} else if (type.n >= 17 && memcmp(type.p, "ecdsa-sha2-nistp", 16) == 0) {
		bits = (unsigned)atoi(tname + 16);
	} else if (cur_is(&type, "ssh-dss")) {
		struct cur pp;
		if (!cur_str(&pk, &pp))
			goto out;
		bits = mpint_bits(&pp);
	}
	/* the private section follows: a string, never read here */
	struct cur priv;
	if (!cur_str(&c, &priv))
		goto out;
	x->bits = bits;
	snprintf(x->what, sizeof(x->what), "%.40s (OpenSSH)", tname);
	x->kind = cur_is(&cipher, "none") ? PAN_SECRET_PRIVATE_KEY : PAN_SECRET_KEY_ENCRYPTED;
out:
	OPENSSL_cleanse(raw, cap);
	free(raw);
}

static void openssl_parse(struct pan_secret *x, const char *label, const uint8_t *pem, size_t n)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)n);
	x->kind = PAN_SECRET_KEY_UNPARSED;
	snprintf(x->what, sizeof(x->what), "%.48s", label);
	if (!bio)
		return;
	if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) {
		X509_SIG *sig = PEM_read_bio_PKCS8(bio, NULL, no_password, NULL);
		if (sig) {
			x->kind = PAN_SECRET_KEY_ENCRYPTED;
			snprintf(x->what, sizeof(x->what), "encrypted PKCS#8");
			X509_SIG_free(sig);
		}
	} else if (memmem(pem, n, "Proc-Type: 4,ENCRYPTED", 22)) {
		/* legacy OpenSSL encryption: no password is tried, so not parsed */
		x->kind = PAN_SECRET_KEY_ENCRYPTED;
		snprintf(x->what, sizeof(x->what), "%.48s (Proc-Type 4,ENCRYPTED)", label);
	} else {
		EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
		if (pk) {
			const char *form = strcmp(label, "PRIVATE KEY") == 0       ? "PKCS#8"
			                   : strcmp(label, "EC PRIVATE KEY") == 0  ? "SEC1"
			                   : strcmp(label, "RSA PRIVATE KEY") == 0 ? "PKCS#1"
			                                                           : label;
			const char *tn = EVP_PKEY_get0_type_name(pk);
			x->kind = PAN_SECRET_PRIVATE_KEY;
			x->bits = (unsigned)EVP_PKEY_get_bits(pk);
			snprintf(x->what, sizeof(x->what), "%.32s (%.48s)", tn ? tn : "unknown",
			         form);
			EVP_PKEY_free(pk);
		}
	}
	BIO_free(bio);
	ERR_clear_error();
}

/* The block collected is complete (or given up on, why != NULL): parse and report. */
static void pem_done(struct secret_state *st, struct secret_hits *out, const char *why)
{
	struct secret_hit *h = ARRAY_PUSH(out->v, out->n, out->cap);
	memset(h, 0, sizeof(*h));
	h->s.offset = st->pem_off;
	h->line_set = st->pem_line_known;
	h->s.line = st->pem_line;
	h->s.column = st->pem_col;
	if (why) {
		h->s.kind = PAN_SECRET_KEY_UNPARSED;
		snprintf(h->s.what, sizeof(h->s.what), "%.48s, %.40s", st->label, why);
	} else if (strcmp(st->label, "OPENSSH PRIVATE KEY") == 0) {
		openssh_parse(&h->s, st->pem, st->npem);
	} else {
		openssl_parse(&h->s, st->label, st->pem, st->npem);
	}
	pem_stop(st);
}

/* Append the stream bytes up to stream offset upto to the block collected. */
void secret_pem_append(struct secret_state *st, const uint8_t *b, uint64_t base, uint64_t upto,
                       struct secret_hits *out)
{
	if (!st->collecting || upto <= st->coll_pos)
		return;
	size_t from = (size_t)(st->coll_pos - base), k = (size_t)(upto - st->coll_pos);
	if (st->npem + k > SECRET_PEM_MAX) {
		pem_done(st, out, "no END line within 32 KiB");
		return;
	}
	if (!st->pem)
		st->pem = xmalloc(SECRET_PEM_MAX);
	memcpy(st->pem + st->npem, b + from, k);
	st->npem += k;
	st->coll_pos = upto;
}

/* "-----BEGIN LABEL-----" or "-----END LABEL-----" at b[s]. */
void secret_pem_check(struct secret_state *st, const uint8_t *b, size_t lo, size_t n, size_t s,
                      uint64_t base, struct secret_hits *out)
{
	if ((s > lo && b[s - 1] == '-') || s + 5 > n || memcmp(b + s, "-----", 5) != 0)
		return;
	size_t p = s + 5;
	bool begin = p + 6 <= n && memcmp(b + p, "BEGIN ", 6) == 0;
	bool end = !begin && p + 4 <= n && memcmp(b + p, "END ", 4) == 0;
	if (!begin && !end)
		return;
	p += begin ? 6 : 4;
	size_t ls = p;
	while (p < n && p - ls <= LABEL_MAX && (is_upper(b[p]) || is_digit(b[p]) || b[p] == ' '))
		p++;
	if (p - ls > LABEL_MAX || p + 5 > n || memcmp(b + p, "-----", 5) != 0)
		return;
	char label[LABEL_MAX + 1];
	secret_copy_name(label, sizeof(label), b + ls, p - ls);
	size_t ln = strlen(label);
	if (ln < 11 || strcmp(label + ln - 11, "PRIVATE KEY") != 0)
		return;
	if (begin) {
		if (st->collecting)
			pem_done(st, out, "BEGIN with no END line");
		st->collecting = true;
		st->npem = 0;
		st->pem_off = base + s;
		st->coll_pos = base + s;
		st->pem_line_known = false;
		snprintf(st->label, sizeof(st->label), "%s", label);
		return;
	}
	if (!st->collecting || strcmp(label, st->label) != 0)
		return;
	secret_pem_append(st, b, base, base + p + 5, out);
	if (st->collecting)
		pem_done(st, out, NULL);
}

void secret_finish(struct secret_state *st, struct secret_hits *out)
{
	if (st->collecting)
		pem_done(st, out, "no END line");
}

void secret_state_reset(struct secret_state *st)
{
	pem_stop(st);
	uint8_t *pem = st->pem;
	memset(st, 0, sizeof(*st));
	st->pem = pem;
}

void secret_state_free(struct secret_state *st)
{
	pem_stop(st);
	free(st->pem);
	st->pem = NULL;
}
