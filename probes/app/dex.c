/*
 * String checks over an APK's DEX files (classes.dex, classes2.dex, ...:
 * multidex is read whole, apkleaks#30) and its resource strings (the
 * global string pool of resources.arsc). No decompiler: every check looks
 * at the string table, where Dalvik keeps constant strings, class
 * descriptors, method and field names (DEX format: source.android.com
 * "Dalvik Executable format", header_item, string_id_item,
 * string_data_item). What each check looks for, and why it is a string:
 *   - cleartext URLs (http://, not XML namespace URIs) and IPv4 literals
 *     (octets validated; dotted quads of single digits are version
 *     strings, MobSF#2562);
 *   - secrets: PEM private keys, AWS access key ids, Google API keys, and
 *     long base64/hex values after a key/secret/password/token label;
 *     excerpts show the first 4 characters only;
 *   - card data: the whole DEX and resources.arsc through the pan
 *     probe's scanner (probes/pan/scan.h), masked 6 + 4 as it reports it;
 *   - weak crypto: DES/3DES, RC4, Blowfish, /ECB/, bare "AES" (ECB on
 *     Android), MD5, SHA1PRNG; trust-all TLS (ALLOW_ALL_HOSTNAME_VERIFIER,
 *     AllowAllHostnameVerifier, a class implementing X509TrustManager);
 *   - WebView: addJavascriptInterface, setAllowFileAccess(FromFileURLs),
 *     setAllowUniversalAccessFromFileURLs;
 *   - self-protection markers: root and emulator detection, anti-debugging
 *     (isDebuggerConnected; native ptrace comes from the ELF checks),
 *     signature/integrity checks, certificate pinning (OkHttp
 *     CertificatePinner, TrustKit; NSC pin-set from the manifest),
 *     FLAG_SECURE (only when referenced by name: the constant is usually
 *     inlined, so absence proves nothing), known packers (APKiD-style:
 *     library names and stub classes of Jiagu, Bangcle/SecNeo, Ijiami,
 *     Tencent Legu, Baidu, Alibaba, DexGuard), and obfuscation (share of
 *     class descriptors with 1-2 letter simple names).
 */
#include "probes/app/android_int.h"
#include "probes/app/dexapi.h"
#include "probes/pan/scan.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEX_STRINGS (1u << 22)
#define MAX_LISTED      50

struct marker {
	const char *needle;
	int what; /* M_* */
	const char *label;
};

enum {
	M_ROOT,
	M_EMULATOR,
	M_DEBUG,
	M_INTEGRITY,
	M_PINNING,
	M_SCREENSHOT,
	M_PACKER,
	M_TRUSTALL,
	M_WEBVIEW,
	M_HOOK,
	M_COUNT
};

static const char *const m_fact[M_COUNT] = {
    "app.android.protect.root_detection",
    "app.android.protect.emulator_detection",
    "app.android.protect.anti_debug",
    "app.android.protect.integrity_check",
    "app.android.protect.pinning",
    "app.android.protect.screenshot_protection",
    NULL,
    "app.android.dex.trust_all",
    NULL,
    "app.android.protect.anti_hook",
};

/* substring markers (case-sensitive: they are identifiers and paths) */
static const struct marker markers[] = {
    {"/system/xbin/su", M_ROOT, "su binary path"},
    {"/system/bin/su", M_ROOT, "su binary path"},
    {"/sbin/su", M_ROOT, "su binary path"},
    {"test-keys", M_ROOT, "test-keys build tag"},
    {"com.topjohnwu.magisk", M_ROOT, "Magisk package"},
    {"eu.chainfire.supersu", M_ROOT, "SuperSU package"},
    {"com.noshufou.android.su", M_ROOT, "Superuser package"},
    {"Lcom/scottyab/rootbeer/", M_ROOT, "RootBeer"},
    {"ro.kernel.qemu", M_EMULATOR, "qemu property"},
    {"/dev/socket/qemud", M_EMULATOR, "qemud socket"},
    {"goldfish", M_EMULATOR, "goldfish hardware"},
    {"Genymotion", M_EMULATOR, "Genymotion"},
    {"generic_x86", M_EMULATOR, "emulator build"},
    {"isDebuggerConnected", M_DEBUG, "Debug.isDebuggerConnected"},
    {"waitingForDebugger", M_DEBUG, "Debug.waitingForDebugger"},
    {"TracerPid", M_DEBUG, "/proc/self/status TracerPid"},
    {"GET_SIGNATURES", M_INTEGRITY, "PackageManager.GET_SIGNATURES"},
    {"GET_SIGNING_CERTIFICATES", M_INTEGRITY, "PackageManager.GET_SIGNING_CERTIFICATES"},
    {"getInstallerPackageName", M_INTEGRITY, "installer check"},
    {"Lokhttp3/CertificatePinner;", M_PINNING, "OkHttp CertificatePinner"},
    {"Lcom/squareup/okhttp/CertificatePinner;", M_PINNING, "OkHttp 2 CertificatePinner"},
    {"Lcom/datatheorem/android/trustkit/", M_PINNING, "TrustKit"},
    {"FLAG_SECURE", M_SCREENSHOT, "WindowManager FLAG_SECURE"},
    {"Lcom/qihoo/util/StubApp", M_PACKER, "360 Jiagu"},
    {"Lcom/stub/StubApp;", M_PACKER, "360 Jiagu"},
    {"Lcom/secneo/apkwrapper/", M_PACKER, "Bangcle/SecNeo"},
    {"Lcom/bangcle/", M_PACKER, "Bangcle"},
    {"Lcom/shell/SuperApplication;", M_PACKER, "Ijiami"},
    {"Lcom/tencent/StubShell/", M_PACKER, "Tencent Legu"},
    {"Lcom/baidu/protect/", M_PACKER, "Baidu"},
    {"Lcom/alibaba/wireless/security/", M_PACKER, "Alibaba"},
    {"Lcom/guardsquare/dexguard/", M_PACKER, "DexGuard"},
    {"ALLOW_ALL_HOSTNAME_VERIFIER", M_TRUSTALL, "ALLOW_ALL_HOSTNAME_VERIFIER"},
    {"AllowAllHostnameVerifier", M_TRUSTALL, "AllowAllHostnameVerifier"},
    {"addJavascriptInterface", M_WEBVIEW, "addJavascriptInterface"},
    {"setAllowFileAccess", M_WEBVIEW, "setAllowFileAccess"},
    {"setAllowUniversalAccessFromFileURLs", M_WEBVIEW, "setAllowUniversalAccessFromFileURLs"},
    /* anti-injection / anti-hook: hook frameworks looked for, loaded modules read */
    {"frida", M_HOOK, "Frida"},
    {"Frida", M_HOOK, "Frida"},
    {"FRIDA", M_HOOK, "Frida"},
    {"gum-js-loop", M_HOOK, "Frida"},
    {"xposed", M_HOOK, "Xposed"},
    {"Xposed", M_HOOK, "Xposed"},
    {"substrate", M_HOOK, "Cydia Substrate"},
    {"Substrate", M_HOOK, "Cydia Substrate"},
    {"/proc/self/maps", M_HOOK, "/proc/self/maps scan"},
};

/* native libraries and assets of packers (zip entry names) */
static const struct {
	const char *needle, *label;
} packer_files[] = {
    {"libjiagu", "360 Jiagu"},
    {"libsecexe.so", "Bangcle"},
    {"libsecmain.so", "Bangcle"},
    {"libDexHelper", "SecNeo"},
    {"libexecmain.so", "Ijiami"},
    {"ijiami.dat", "Ijiami"},
    {"libshella", "Tencent Legu"},
    {"libshellx", "Tencent Legu"},
    {"libBugly", NULL},
    {"libbaiduprotect", "Baidu"},
    {"libmobisec.so", "Alibaba"},
    {"libkwscmm.so", "KiwiSec"},
    {"libnqshield.so", "NQ Shield"},
    {"libAPKProtect.so", "APKProtect"},
};

struct scan {
	struct apk *a;
	bool m[M_COUNT];
	char packer[64];
	struct strbuf weak; /* for the list fact */
	char **urls, **ips, **weak_list, **webview, **tests;
	size_t nurls, curls, nips, cips, nweak, cweak, nweb, cweb, ntests, ctests;
	unsigned secrets;
	unsigned cards; /* card data (probes/pan/scan.h) in DEX or resource strings */
	const char *where;
	uint64_t classes, short_classes;
	bool strings_cut; /* a DEX file's string table was not read whole */
};

static void list_add(char ***l, size_t *n, size_t *cap, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*l)[i], s) == 0)
			return;
	if (*n < MAX_LISTED)
		*ARRAY_PUSH(*l, *n, *cap) = xstrdup(s);
}

static void list_free(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* Dotted quad at p with octets <= 255; *len its length. */
static bool ipv4_at(const char *p, size_t *len, bool *versionish)
{
	const char *s = p;
	int oct[4];
	for (int i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)*s))
			return false;
		int v = 0, d = 0;
		while (isdigit((unsigned char)*s) && d < 4)
			v = v * 10 + (*s++ - '0'), d++;
		if (d > 3 || v > 255)
			return false;
		oct[i] = v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (isdigit((unsigned char)*s) || *s == '.')
		return false;
	*len = (size_t)(s - p);
	*versionish = oct[0] < 10 && oct[1] < 10 && oct[2] < 10 && oct[3] < 10;
	return true;
}

/* Loopback, RFC 1918 private, link-local or unspecified IPv4 (a dotted quad already checked). */
static bool ipv4_internal(const char *ip)
{
	unsigned a, b;
	if (sscanf(ip, "%u.%u", &a, &b) != 2)
		return false;
	return a == 10 || a == 127 || a == 0 || (a == 172 && b >= 16 && b <= 31) ||
	       (a == 192 && b == 168) || (a == 169 && b == 254);
}

/*
 * Host labels that name a test, development or staging system (a label
 * or a '-'-separated part of one, optionally numbered: uat, uat2,
 * api-test, sit01.bank.cn). JR/T 0092 J92-05 names test, uat and staging.
 */
static const char *const test_words[] = {"test", "testing", "staging", "stage",
                                         "stg",  "dev",     "develop", "uat",
                                         "sit",  "qa",      "preprod", "sandbox"};

static bool host_is_test(const char *h, size_t n)
{
	char host[256];
	if (n == 0 || n >= sizeof(host))
		return false;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[n] = 0;
	size_t il;
	bool ver;
	if (strcmp(host, "localhost") == 0 || str_ends(host, ".localhost") ||
	    (ipv4_at(host, &il, &ver) && il == n && ipv4_internal(host)))
		return true;
	/* the top-level label is not a host name: web.dev is Google's .dev, not a
	 * development host; only .test (RFC 2606) names a test system there */
	const char *tld = strrchr(host, '.');
	if (tld && strcmp(tld, ".test") == 0)
		return true;
	size_t end = tld ? (size_t)(tld - host) : n;
	host[end] = 0;
	for (const char *t = host; *t;) {
		size_t tl = strcspn(t, ".-");
		size_t base = tl;
		while (base > 0 && isdigit((unsigned char)t[base - 1]))
			base--;
		for (size_t k = 0; k < sizeof(test_words) / sizeof(test_words[0]); k++)
			if (base == strlen(test_words[k]) && strncmp(t, test_words[k], base) == 0)
				return true;
		t += tl;
		if (*t)
			t++;
	}
	return false;
}

/* URLs (http, https, ws, wss) whose host is a test or internal system. */
static void test_endpoints(struct scan *sc, const char *s, const char *where, int64_t off)
{
	for (const char *p = s; (p = strstr(p, "://")); p += 3) {
		size_t pre = (size_t)(p - s);
		if (!((pre >= 4 && strncasecmp(p - 4, "http", 4) == 0) ||
		      (pre >= 5 && strncasecmp(p - 5, "https", 5) == 0) ||
		      (pre >= 2 && strncasecmp(p - 2, "ws", 2) == 0) ||
		      (pre >= 3 && strncasecmp(p - 3, "wss", 3) == 0)))
			continue;
		const char *h = p + 3;
		const char *at = memchr(h, '@', strcspn(h, "/?#\"' <>\n\r\t"));
		if (at) /* user info: the host follows */
			h = at + 1;
		size_t hl = strcspn(h, "/:?#\"' <>\n\r\t");
		if (!host_is_test(h, hl))
			continue;
		const char *u = p;
		while (u > s && isalpha((unsigned char)u[-1]))
			u--;
		size_t ul = strcspn(u, " \"'<>\n\r\t");
		char *url = xstrndup(u, ul > 200 ? 200 : ul);
		list_add(&sc->tests, &sc->ntests, &sc->ctests, url);
		app_finding(sc->a->x, "android-test-endpoint", "medium", where, off,
		            "test, staging or internal endpoint %s", url);
		free(url);
	}
}

static bool is_b64hex(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '/' || c == '=' || c == '_' ||
	       c == '-';
}

/* Shown value of a secret: the first 4 characters only. */
static void secret(struct scan *sc, const char *where, int64_t off, const char *what, const char *v)
{
	sc->secrets++;
	app_finding(sc->a->x, "android-hardcoded-secret", "high", where, off, "%s (%.4s...)", what,
	            v);
}

static void check_string(struct scan *sc, const char *s, size_t len, const char *where, int64_t off)
{
	struct app_ctx *x = sc->a->x;
	if (len < 3)
		return;
	/* class descriptors: obfuscation statistics, packer stubs */
	if (s[0] == 'L' && s[len - 1] == ';' && !memchr(s, ' ', len)) {
		const char *slash = strrchr(s, '/');
		const char *simple = slash ? slash + 1 : s + 1;
		sc->classes++;
		size_t sl = (size_t)(s + len - 1 - simple);
		if (sl <= 2)
			sc->short_classes++;
		if (strcmp(s, "Ljavax/net/ssl/X509TrustManager;") == 0)
			app_finding(
			    x, "android-custom-trustmanager", "medium", where, off,
			    "implements or uses X509TrustManager: review checkServerTrusted");
	}
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		if (!strstr(s, markers[i].needle))
			continue;
		int w = markers[i].what;
		sc->m[w] = true;
		if (w == M_PACKER && !sc->packer[0])
			snprintf(sc->packer, sizeof(sc->packer), "%s", markers[i].label);
		if (w == M_TRUSTALL)
			app_finding(x, "android-trust-all", "high", where, off,
			            "hostname verification disabled: %s", markers[i].label);
		if (w == M_WEBVIEW) {
			list_add(&sc->webview, &sc->nweb, &sc->cweb, markers[i].label);
			app_finding(x, "android-webview-risk", "medium", where, off, "WebView %s",
			            markers[i].label);
		}
	}
	/* weak crypto: whole-string transformation names, or parts of one */
	const char *weak = NULL;
	if (strcmp(s, "DES") == 0 || strncmp(s, "DES/", 4) == 0)
		weak = "DES";
	else if (strncmp(s, "DESede", 6) == 0)
		weak = "3DES";
	else if (strcmp(s, "RC4") == 0 || strcmp(s, "ARCFOUR") == 0)
		weak = "RC4";
	else if (strncmp(s, "Blowfish", 8) == 0)
		weak = "Blowfish";
	else if (strstr(s, "/ECB/"))
		weak = "ECB";
	else if (strcmp(s, "AES") == 0)
		weak = "AES (ECB by default)";
	else if (strcmp(s, "MD5") == 0 || strcmp(s, "MD5withRSA") == 0)
		weak = "MD5";
	else if (strcmp(s, "SHA1PRNG") == 0)
		weak = "SHA1PRNG";
	if (weak) {
		list_add(&sc->weak_list, &sc->nweak, &sc->cweak, weak);
		if (strstr(s, "/ECB/") && strncmp(s, "DES", 3) == 0)
			list_add(&sc->weak_list, &sc->nweak, &sc->cweak, "ECB");
		app_finding(x, "android-weak-crypto", "medium", where, off,
		            "weak cryptography: %s (%s)", weak, s);
	}
	/* cleartext URLs */
	const char *h = strstr(s, "http://");
	if (h && strncmp(h, "http://schemas.android.com", 26) != 0 &&
	    strncmp(h, "http://www.w3.org", 17) != 0 && strncmp(h, "http://xml.org", 14) != 0 &&
	    strncmp(h, "http://ns.adobe.com", 19) != 0 && strlen(h) > 7) {
		size_t ul = strcspn(h, " \"'<>\n\r\t");
		char *u = xstrndup(h, ul > 200 ? 200 : ul);
		list_add(&sc->urls, &sc->nurls, &sc->curls, u);
		app_finding(x, "android-cleartext-url", "medium", where, off, "cleartext URL %s",
		            u);
		free(u);
	}
	test_endpoints(sc, s, where, off);
	/* IPv4 literals: the whole string, or after "://" or "@" */
	for (const char *p = s; *p; p++) {
		if (p != s && !(p[-1] == '/' || p[-1] == '@'))
			continue;
		size_t il;
		bool ver;
		if (ipv4_at(p, &il, &ver) && !(ver && p == s)) {
			char ip[16];
			snprintf(ip, sizeof(ip), "%.*s", (int)il, p);
			list_add(&sc->ips, &sc->nips, &sc->cips, ip);
			app_finding(x, "android-hardcoded-ip", "low", where, off, "IP address %s",
			            ip);
			if (p == s && ipv4_internal(ip)) {
				list_add(&sc->tests, &sc->ntests, &sc->ctests, ip);
				app_finding(x, "android-test-endpoint", "medium", where, off,
				            "internal IP address %s", ip);
			}
			break;
		}
	}
	/* secrets */
	if (strstr(s, "PRIVATE KEY-----"))
		secret(sc, where, off, "PEM private key", s);
	for (const char *p = s; (p = strstr(p, "AKIA")) || (p = NULL); p++) {
		size_t n = 4;
		while (n < 20 && ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
			n++;
		if (n == 20 && !isalnum((unsigned char)p[20]) &&
		    (p == s || !isalnum((unsigned char)p[-1]))) {
			secret(sc, where, off, "AWS access key id", p);
			break;
		}
	}
	const char *g = strstr(s, "AIza");
	if (g && strlen(g) >= 39)
		secret(sc, where, off, "Google API key", g);
	static const char *const labels[] = {"secret", "password", "passwd",      "api_key",
	                                     "apikey", "token",    "private_key", "access_key"};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		const char *l = strcasestr(s, labels[i]);
		if (!l)
			continue;
		const char *v = l + strlen(labels[i]);
		while (*v && (isalnum((unsigned char)*v) || *v == '_'))
			v++; /* api_secret_key=... */
		if (!(*v == '=' || *v == ':' || *v == '"' || *v == ' '))
			continue;
		while (*v == '=' || *v == ':' || *v == '"' || *v == ' ' || *v == '\'')
			v++;
		size_t n = 0;
		while (is_b64hex(v[n]))
			n++;
		if (n >= 16) {
			secret(sc, where, off, "labelled secret", v);
			break;
		}
	}
}

/* A card-data hit of the pan scanner (masked by it: no digits beyond 6 + 4). */
static void card_hit(void *ctx, const struct pan_hit *h)
{
	struct scan *sc = ctx;
	if (h->kind == PAN_KIND_MASKED_OK)
		return;
	sc->cards++;
	app_finding(sc->a->x, "android-card-data", "high", sc->where, (int64_t)h->offset,
	            "card data in the app: %s", h->masked);
}

static void scan_cards(struct scan *sc, const void *buf, size_t len, const char *where)
{
	struct pan_config cfg = {0};
	sc->where = where;
	pan_scan_buffer(&cfg, buf, len, card_hit, sc);
}

static void scan_dex(struct scan *sc, struct span d, const char *where)
{
	struct app_ctx *x = sc->a->x;
	uint32_t n, ids;
	if (d.n < 0x70 || memcmp(d.p, "dex\n", 4) != 0 || !le32(d, 56, &n) || !le32(d, 60, &ids)) {
		app_finding(x, "parse-error", "info", where, 0, "offset 0: not a DEX file");
		sc->strings_cut = true;
		return;
	}
	if ((uint64_t)n * 4 > d.n || !span_has(d.n, ids, (uint64_t)n * 4) || n > MAX_DEX_STRINGS) {
		app_finding(x, "parse-error", "info", where, 60,
		            "offset 60: %u string ids at %u do not fit the file", n, ids);
		sc->strings_cut = true;
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	/* Well-formed string_data_items do not overlap, so their bytes add up
	 * to less than the file; ids that share one long string would read it
	 * once each (a 15 KB APK held the probe to its deadline). */
	uint64_t budget = d.n;
	for (uint32_t i = 0; i < n && !app_deadline(x); i++) {
		uint32_t so, units;
		uint64_t p;
		if (!le32(d, ids + 4ull * i, &so))
			break;
		p = so;
		if (!rd_uleb32(d, &p, &units) || p >= d.n)
			continue;
		/* MUTF-8: at most 3 bytes a UTF-16 unit; strings past 64 KiB are cut */
		uint64_t max = 3ull * units + 1;
		if (max > 65537)
			max = 65537;
		if (max > d.n - p)
			max = d.n - p;
		const uint8_t *z = memchr(d.p + p, 0, (size_t)max);
		size_t len = z ? (size_t)(z - (d.p + p)) : (size_t)max;
		uint64_t cost = z ? len + 1 : max;
		if (cost > budget) {
			app_finding(
			    x, "parse-error", "info", where, (int64_t)(ids + 4ull * i),
			    "offset %llu: string_id %u: the strings read so far exceed the "
			    "file's size (ids share their string data); the %u after it are "
			    "not checked",
			    (unsigned long long)(ids + 4ull * i), i, n - i);
			sc->strings_cut = true;
			break;
		}
		budget -= cost;
		if (!z && max < 65537)
			continue;
		if (len > 65536)
			len = 65536;
		sb_reset(&sb);
		sb_add(&sb, (const char *)d.p + p, len);
		check_string(sc, sb.buf, sb.len, where, (int64_t)so);
	}
	sb_free(&sb);
}

void apk_strings(struct apk *a)
{
	struct app_ctx *x = a->x;
	struct scan *sc = xcalloc(1, sizeof(*sc));
	struct dex_api *api = dex_api_new();
	sc->a = a;
	unsigned ndex = 0;
	for (size_t i = 0; i < a->z.n && !app_deadline(x); i++) {
		const struct zip_entry *e = &a->z.e[i];
		for (size_t k = 0; k < sizeof(packer_files) / sizeof(packer_files[0]); k++)
			if (packer_files[k].label && strstr(e->name, packer_files[k].needle) &&
			    !sc->packer[0])
				snprintf(sc->packer, sizeof(sc->packer), "%s",
				         packer_files[k].label);
		if (strncmp(e->name, "classes", 7) != 0 || !str_ends(e->name, ".dex") ||
		    strchr(e->name, '/'))
			continue;
		char *where = xasprintf("%s!%s", a->path, e->name);
		uint8_t *buf;
		size_t len;
		if (zip_read(&a->z, e, &buf, &len, APP_MAX_MEMBER) < 0) {
			app_finding(x, "parse-error", "info", where, (int64_t)e->lho, "%s",
			            err_msg());
			sc->strings_cut = true;
		} else {
			ndex++;
			scan_dex(sc, (struct span){buf, len}, where);
			dex_api_file(api, x, (struct span){buf, len}, where);
			scan_cards(sc, buf, len, where);
			free(buf);
		}
		free(where);
	}
	/* resource strings: the global pool of resources.arsc */
	if (a->arsc.n > 12) {
		struct strpool p;
		char *where = xasprintf("%s!resources.arsc", a->path);
		scan_cards(sc, a->arsc.p, a->arsc.n, where);
		if (strpool_parse(&p, (struct span){a->arsc.p + 12, a->arsc.n - 12}, 12) == 0) {
			for (size_t i = 0; i < p.n; i++)
				if (p.s[i])
					check_string(sc, p.s[i], strlen(p.s[i]), where, -1);
			if (p.cut) {
				app_finding(
				    x, "parse-error", "info", where, 12,
				    "offset 12: global string pool: strings from %u on not "
				    "read (they decode to more than twice the pool: offsets "
				    "share data)",
				    p.cut_at);
				sc->strings_cut = true;
			}
			strpool_free(&p);
		}
		free(where);
	}
	dex_api_layouts(api, a);
	struct facts *o = x->out;
	facts_add_int(o, "app.android.dex.files", ndex);
	dex_api_facts(api, x);
	facts_add_list(o, "app.android.dex.test_endpoints", (const char *const *)sc->tests,
	               sc->ntests);
	facts_add_list(o, "app.android.dex.http_urls", (const char *const *)sc->urls, sc->nurls);
	facts_add_list(o, "app.android.dex.ips", (const char *const *)sc->ips, sc->nips);
	facts_add_list(o, "app.android.dex.weak_crypto", (const char *const *)sc->weak_list,
	               sc->nweak);
	facts_add_list(o, "app.android.dex.webview", (const char *const *)sc->webview, sc->nweb);
	facts_add_int(o, "app.android.dex.secrets", sc->secrets);
	facts_add_bool(o, "app.android.dex.strings_complete", !sc->strings_cut && !app_deadline(x));
	facts_add_int(o, "app.android.dex.card_numbers", sc->cards);
	a->pinning |= sc->m[M_PINNING];
	a->anti_debug |= sc->m[M_DEBUG];
	for (int i = 0; i < M_COUNT; i++)
		if (m_fact[i] && i != M_PINNING && i != M_DEBUG)
			facts_add_bool(o, m_fact[i], sc->m[i]);
	facts_add_string(o, "app.android.protect.packer", sc->packer);
	bool obf = sc->classes >= 10 && sc->short_classes * 10 >= sc->classes * 3;
	facts_add_bool(o, "app.android.protect.obfuscated", obf);
	list_free(sc->urls, sc->nurls);
	list_free(sc->ips, sc->nips);
	list_free(sc->weak_list, sc->nweak);
	list_free(sc->webview, sc->nweb);
	list_free(sc->tests, sc->ntests);
	sb_free(&sc->weak);
	free(sc);
}
