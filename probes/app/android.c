/*
 * An Android APK: the zip layer, then the manifest (manifest.c), the
 * signatures (apksig.c), the DEX and resource strings (dex.c) and every
 * native library under lib/<abi>/ through the ELF checks, with per-ABI
 * counts. Findings are located "app.apk!member".
 */
#include "probes/app/android_int.h"
#include "lib/err.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

/* Android's ABIs. Folders of other names under lib/ are read too, at most
 * MAX_OTHER_ABIS of them: each is matched against every member and gets
 * facts of its own, so thousands would make the walk quadratic. */
static const char *const known_abis[] = {"armeabi", "armeabi-v7a", "arm64-v8a", "x86",
                                         "x86_64",  "mips",        "mips64",    "riscv64"};
#define MAX_OTHER_ABIS 8

static bool known_abi(const char *abi)
{
	for (size_t i = 0; i < sizeof(known_abis) / sizeof(known_abis[0]); i++)
		if (strcmp(abi, known_abis[i]) == 0)
			return true;
	return false;
}

static void native_libs(struct apk *a)
{
	struct app_ctx *x = a->x;
	struct elf_counts total = x->elf;
	char **abis = NULL;
	size_t nabis = 0, cap = 0, nother = 0;
	for (size_t i = 0; i < a->z.n; i++) {
		const char *n = a->z.e[i].name;
		if (strncmp(n, "lib/", 4) != 0)
			continue;
		const char *slash = strchr(n + 4, '/');
		if (!slash || slash == n + 4 || strchr(slash + 1, '/'))
			continue;
		char *abi = xstrndup(n + 4, (size_t)(slash - n - 4));
		bool seen = false;
		for (size_t k = 0; k < nabis; k++)
			seen |= strcmp(abis[k], abi) == 0;
		if (!seen && !known_abi(abi) && nother++ == MAX_OTHER_ABIS) {
			app_finding(x, "parse-error", "info", a->path, (int64_t)a->z.e[i].lho,
			            "more than %d folders under lib/ that are not Android ABIs (%s "
			            "and those after it): their libraries are not read",
			            MAX_OTHER_ABIS, n);
		}
		if (seen || (!known_abi(abi) && nother > MAX_OTHER_ABIS))
			free(abi);
		else
			*ARRAY_PUSH(abis, nabis, cap) = abi;
	}
	facts_add_list(x->out, "app.android.native.abis", (const char *const *)abis, nabis);
	for (size_t k = 0; k < nabis; k++) {
		memset(&x->elf, 0, sizeof(x->elf));
		size_t plen = strlen(abis[k]);
		for (size_t i = 0; i < a->z.n && !app_deadline(x); i++) {
			const struct zip_entry *e = &a->z.e[i];
			if (strncmp(e->name, "lib/", 4) != 0 ||
			    strncmp(e->name + 4, abis[k], plen) != 0 || e->name[4 + plen] != '/')
				continue;
			char *where = xasprintf("%s!%s", a->path, e->name);
			uint8_t *buf;
			size_t len;
			if (zip_read(&a->z, e, &buf, &len, APP_MAX_MEMBER) < 0) {
				app_finding(x, "parse-error", "info", where, (int64_t)e->lho, "%s",
				            err_msg());
				x->elf.errors++;
			} else if (elf_is((struct span){buf, len})) {
				struct elf_check c;
				if (app_elf_one(x, (struct span){buf, len}, where, false, &c) ==
				        0 &&
				    c.ptrace)
					a->anti_debug = true;
			}
			free(buf);
			free(where);
		}
		/* per ABI: "arm64-v8a" -> app.android.native.arm64_v8a.* */
		char *key = xasprintf("app.android.native.%s", abis[k]);
		for (char *p = key; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.'))
				*p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : '_';
		app_elf_emit_counts(x, key, &x->elf);
		free(key);
		unsigned *t = (unsigned *)&total;
		const unsigned *c = (const unsigned *)&x->elf;
		for (size_t f = 0; f < sizeof(total) / sizeof(unsigned); f++)
			t[f] += c[f];
		free(abis[k]);
	}
	free(abis);
	x->elf = total;
	app_elf_emit_counts(x, "app.elf.count", &x->elf);
}

int app_apk(struct app_ctx *x, const char *path, struct span s)
{
	struct apk a = {.x = x, .path = path, .s = s};
	if (zip_open(&a.z, s) < 0) {
		facts_error(x->out, "%s: %s", path, err_msg());
		zip_close(&a.z);
		return -1;
	}
	if (a.z.problem[0])
		app_finding(x, "zip-structure", "medium", path, -1, "%s", a.z.problem);
	facts_add_int(x->out, "app.android.entries", (int64_t)a.z.n);

	const struct zip_entry *rs = zip_find(&a.z, "resources.arsc");
	size_t len = 0;
	if (rs && zip_read(&a.z, rs, &a.arsc_buf, &len, APP_MAX_MEMBER) == 0)
		a.arsc = (struct span){a.arsc_buf, len};
	x->arsc_budget = ARSC_BUDGET(a.arsc.n);

	int rc = 0;
	const struct zip_entry *me = zip_find(&a.z, "AndroidManifest.xml");
	uint8_t *mbuf = NULL;
	struct axml m;
	char *where = xasprintf("%s!AndroidManifest.xml", path);
	if (!me) {
		facts_error(x->out, "%s: no AndroidManifest.xml: not an APK", path);
		rc = -1;
	} else if (zip_read(&a.z, me, &mbuf, &len, APP_MAX_MEMBER) < 0) {
		facts_error(x->out, "%s: %s", where, err_msg());
		rc = -1;
	} else if (axml_parse(&m, (struct span){mbuf, len}) < 0) {
		facts_error(x->out, "%s: %s", where, err_msg());
		axml_free(&m);
		rc = -1;
	} else {
		if (m.warning[0])
			app_finding(x, "axml-anomaly", "low", where, -1, "%s", m.warning);
		apk_manifest_facts(&a, &m);
		axml_free(&m);
	}
	free(mbuf);
	free(where);

	apk_signatures(&a);
	apk_strings(&a);
	native_libs(&a);
	if (a.arsc.p && !x->arsc_budget) {
		char *at = xasprintf("%s!resources.arsc", path);
		app_finding(x, "parse-error", "info", at, -1,
		            "resource lookups stopped after walking %llu chunks and entries, 8 "
		            "times the table's size (chunks that the references are not in); later "
		            "references are not resolved",
		            (unsigned long long)ARSC_BUDGET(a.arsc.n));
		free(at);
	}
	facts_add_bool(x->out, "app.android.protect.anti_debug", a.anti_debug);
	facts_add_bool(x->out, "app.android.protect.pinning", a.pinning);
	if (x->stopped) {
		facts_error(x->out, "%s: cut short by the deadline", path);
		rc = -1;
	}
	facts_add_bool(x->out, "app.complete", !x->stopped);
	free(a.arsc_buf);
	zip_close(&a.z);
	return rc;
}
