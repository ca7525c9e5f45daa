/*
 * The signed evidence bundle: an output folder made tamper-evident.
 *
 * bundle_sign() writes DIR/manifest.json -- the SHA-256 and size of every
 * regular file under DIR (sorted by path, the manifest and its signature
 * excepted) and of the plan -- and DIR/manifest.json.p7s, a detached CMS
 * (PKCS #7) signature over the manifest's bytes, DER, made with OpenSSL by
 * the key and certificate given (RSA or ECDSA with SHA-256, SM2 with SM3).
 *
 * bundle_verify() checks it: the signature over the manifest, the
 * signer's certificate chain (against ca_file, or the system's trust store
 * when NULL), and every file's hash; a file changed, added or removed is
 * named. It prints one line per check to out.
 *
 * bundle_timestamp() asks an RFC 3161 time-stamping authority over HTTP
 * for a token over the signature file's bytes and stores the response in
 * DIR/manifest.json.tsr; bundle_verify() then checks its imprint and its
 * signature and chain (to the same ca_file) and prints the time.
 *
 * Called by the harness: `assay run ... --sign KEY --cert CERT [--tsa URL]` and
 * `assay verify DIR [--ca-file PEM]`.
 */
#ifndef ASSAY_REPORTS_BUNDLE_H
#define ASSAY_REPORTS_BUNDLE_H

#include <stdio.h>

#define BUNDLE_MANIFEST  "manifest.json"
#define BUNDLE_SIGNATURE "manifest.json.p7s"
#define BUNDLE_TIMESTAMP "manifest.json.tsr"

/*
 * Sign the files under dir. plan: the plan file whose hash is recorded
 * (NULL: none). key_pem, cert_pem: PEM files (the key unencrypted). Files
 * larger than 4 GiB or more than BUNDLE_MAX_FILES are refused.
 * 0, or -1 with err_set() naming the file that failed.
 */
int bundle_sign(const char *dir, const char *plan, const char *key_pem, const char *cert_pem);

/*
 * Fetch a timestamp token for dir's signature from tsa_url (http or
 * https; 30 s timeout; a response of at most 1 MiB) and store it. The
 * response must be granted and carry our nonce and imprint.
 * 0, or -1 with err_set() naming the URL.
 */
int bundle_timestamp(const char *dir, const char *tsa_url);

/*
 * Verify dir. 0 when every check holds, 1 when anything was changed,
 * added or removed or the signature or chain does not verify, -1 with
 * err_set() when the bundle cannot be read at all (no manifest).
 */
int bundle_verify(const char *dir, const char *ca_file, FILE *out);

/*
 * Check dir's timestamp token, if any: 1 holds, 0 does not (both printed),
 * -1 there is none. Used by bundle_verify().
 */
int bundle_timestamp_verify(const char *dir, const char *ca_file, FILE *out);

#define BUNDLE_MAX_FILES 100000

#endif
