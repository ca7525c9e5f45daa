/*
 * The APK side of the app probe: one `struct apk` per input, shared by
 * android.c (the walk over the archive), manifest.c (manifest and network
 * security config facts), apksig.c (v1 JAR and v2/v3 block signatures)
 * and dex.c (DEX and resource string checks).
 */
#ifndef ASSAY_PROBES_APP_ANDROID_INT_H
#define ASSAY_PROBES_APP_ANDROID_INT_H

#include "probes/app/app_int.h"
#include "probes/app/axml.h"
#include "probes/app/zip.h"

struct apk {
	struct app_ctx *x;
	const char *path;
	struct span s;
	struct zip z;
	struct span arsc; /* resources.arsc, inflated (or empty) */
	uint8_t *arsc_buf;
	int min_sdk;
	unsigned nexported;
	bool pinning;    /* certificate pinning seen (NSC pin-set, OkHttp CertificatePinner) */
	bool anti_debug; /* isDebuggerConnected in DEX, ptrace imported by a native library */
};

void apk_manifest_facts(struct apk *a, const struct axml *m);
int apk_attr_bool(const struct apk *a, const struct axml *m, const struct axml_elem *e, uint32_t id,
                  const char *name);
/* Signatures: v1 (META-INF), the APK Signing Block (v2, v3, v3.1), signer certs. */
void apk_signatures(struct apk *a);
/* String checks over classes*.dex and resources.arsc's string pool. */
void apk_strings(struct apk *a);

#endif
