/*
 * What an APK's code references, read from the id tables of every
 * classes*.dex (dexref.h): the framework methods and fields the JR/T 0092
 * rows ask about, the SDKs the app embeds, and distinct counts of the
 * methods, fields, types and classes across the multidex set. A method in
 * method_ids is one some code of the file calls, overrides or defines:
 * this is reference presence, not reachability (no bytecode is read, so
 * arguments such as the flag passed to Window.addFlags are not seen), and
 * what a packer or reflection hides is not seen at all. Layouts
 * (res/layout*) are read for android:filterTouchesWhenObscured and for
 * the input types of their text fields (masked, visible and numeric
 * passwords, and a reveal toggle around a numeric one). Method bodies are
 * walked (dexcode.h) for one question only: which methods both draw from a
 * non-cryptographic generator and build key or IV material (J92-53).
 *
 * Memory: distinct names are kept as 64-bit hashes (FNV-1a), at most
 * DEXAPI_MAX_DISTINCT per kind; past that the count stops (and
 * app.android.dex.refs_complete is false). Nothing else grows with the
 * input: the id tables are read in place from the inflated DEX.
 */
#include "probes/app/android_int.h"
#include "probes/app/dexapi.h"
#include "probes/app/dexcode.h"
#include "probes/app/dexref.h"
#include "lib/err.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define DEXAPI_MAX_DISTINCT (1u << 20) /* per kind: 16 MiB of table at most */
#define DEXAPI_MAX_LISTED   200
#define DEXAPI_MAX_LAYOUTS  4096
#define A_FILTER_TOUCHES    0x010102c4u /* android:attr/filterTouchesWhenObscured */
#define A_INPUT_TYPE        0x01010220u /* android:attr/inputType */
#define A_PASSWORD          0x0101015cu /* android:attr/password (deprecated form) */
#define A_ID                0x010100d0u /* android:attr/id */
#define A_LONG_CLICKABLE    0x010100e6u /* android:attr/longClickable */
#define IT_NO_SUGGESTIONS   0x00080000u /* InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS */

/* android.text.InputType: class in the low nibble, variation above it. */
#define IT_CLASS(v)          ((v)&0x0000000fu)
#define IT_VARIATION(v)      ((v)&0x00000ff0u)
#define IT_CLASS_TEXT        0x1u
#define IT_CLASS_NUMBER      0x2u
#define IT_TEXT_PASSWORD     0x80u
#define IT_TEXT_VISIBLE_PASS 0x90u
#define IT_TEXT_WEB_PASSWORD 0xe0u
#define IT_NUMBER_PASSWORD   0x10u

enum {
	W_SSL_PROCEED,
	W_WEBVIEW,
	W_WINDOW,
	W_TOUCH,
	W_RANDOM,
	W_LOG,
	W_EXTSTORE,
	W_WORLD,
	W_DYNCODE,
	W_KEYBOARD,
	W_COPY_GUARD,
	W_COUNT
};

/*
 * Watched references. cls NULL matches any class: names such as
 * addJavascriptInterface are called through the receiver's static type
 * (a WebView subclass, a Button, an Activity), and that is the class the
 * method_id names. label: the item of the list fact (NULL: the method name).
 */
struct watch {
	const char *cls, *name, *label;
	int what;
};

static const struct watch methods[] = {
    {"Landroid/webkit/SslErrorHandler;", "proceed", NULL, W_SSL_PROCEED},
    {"Lcom/tencent/smtt/export/external/interfaces/SslErrorHandler;", "proceed", NULL,
     W_SSL_PROCEED}, /* Tencent X5 WebView */
    {NULL, "setJavaScriptEnabled", NULL, W_WEBVIEW},
    {NULL, "addJavascriptInterface", NULL, W_WEBVIEW},
    {NULL, "setAllowFileAccess", NULL, W_WEBVIEW},
    {NULL, "setAllowFileAccessFromFileURLs", NULL, W_WEBVIEW},
    {NULL, "setAllowUniversalAccessFromFileURLs", NULL, W_WEBVIEW},
    {NULL, "setAllowContentAccess", NULL, W_WEBVIEW},
    {NULL, "setSavePassword", NULL, W_WEBVIEW},
    {NULL, "setWebContentsDebuggingEnabled", NULL, W_WEBVIEW},
    {"Landroid/view/Window;", "setFlags", NULL, W_WINDOW},
    {"Landroid/view/Window;", "addFlags", NULL, W_WINDOW},
    {"Landroid/view/SurfaceView;", "setSecure", NULL, W_WINDOW},
    {NULL, "setFilterTouchesWhenObscured", NULL, W_TOUCH},
    {NULL, "onFilterTouchEventForSecurity", NULL, W_TOUCH},
    {"Ljava/util/Random;", "<init>", "java.util.Random", W_RANDOM},
    {"Ljava/lang/Math;", "random", "Math.random", W_RANDOM},
    {"Ljava/lang/StrictMath;", "random", "Math.random", W_RANDOM},
    {"Ljava/security/SecureRandom;", "setSeed", "SecureRandom.setSeed", W_RANDOM},
    {"Landroid/util/Log;", "v", "Log.v", W_LOG},
    {"Landroid/util/Log;", "d", "Log.d", W_LOG},
    {"Landroid/util/Log;", "i", "Log.i", W_LOG},
    {NULL, "getExternalStorageDirectory", NULL, W_EXTSTORE},
    {NULL, "getExternalStoragePublicDirectory", NULL, W_EXTSTORE},
    {NULL, "getExternalFilesDir", NULL, W_EXTSTORE},
    {NULL, "getExternalFilesDirs", NULL, W_EXTSTORE},
    {NULL, "getExternalCacheDir", NULL, W_EXTSTORE},
    {NULL, "getExternalCacheDirs", NULL, W_EXTSTORE},
    {NULL, "getExternalMediaDirs", NULL, W_EXTSTORE},
    /* code loaded at run time: from a file or a buffer the app fetched (J92-04) */
    {"Ldalvik/system/DexClassLoader;", "<init>", "DexClassLoader", W_DYNCODE},
    {"Ldalvik/system/InMemoryDexClassLoader;", "<init>", "InMemoryDexClassLoader", W_DYNCODE},
    {"Ldalvik/system/PathClassLoader;", "<init>", "PathClassLoader", W_DYNCODE},
    {"Ldalvik/system/DelegateLastClassLoader;", "<init>", "DelegateLastClassLoader", W_DYNCODE},
    {"Ldalvik/system/DexFile;", "loadDex", "DexFile.loadDex", W_DYNCODE},
    {"Ljava/lang/System;", "load", "System.load", W_DYNCODE},
    {"Ljava/lang/Runtime;", "load", "Runtime.load", W_DYNCODE},
    /* a field that keeps the system keyboard away: an in-app keyboard's mark (J92-10) */
    {NULL, "setShowSoftInputOnFocus", "setShowSoftInputOnFocus", W_KEYBOARD},
    /* text selection and copy turned off in code (J92-68) */
    {NULL, "setCustomSelectionActionModeCallback", NULL, W_COPY_GUARD},
    {NULL, "setCustomInsertionActionModeCallback", NULL, W_COPY_GUARD},
    {NULL, "setLongClickable", NULL, W_COPY_GUARD},
    {NULL, "setTextIsSelectable", NULL, W_COPY_GUARD},
};

/*
 * In-app (secure) keyboards by the package of a class the app defines:
 * vendor keyboards bound to password and PIN fields. Apps that draw their
 * own are seen by android.inputmethodservice.KeyboardView or by
 * setShowSoftInputOnFocus above.
 */
/* A package prefix of classes and the name it stands for. */
struct by_package {
	const char *prefix, *name;
};

static const struct by_package keyboards[] = {
    {"Lcom/cfca/mobile/sipedit/", "CFCA SIP keyboard"},
    {"Lcom/cfca/mobile/sipkeyboard/", "CFCA SIP keyboard"},
};

static const struct watch fields[] = {
    {"Landroid/view/WindowManager$LayoutParams;", "flags", NULL, W_WINDOW},
    {NULL, "FLAG_SECURE", NULL, W_WINDOW},
    {NULL, "MODE_WORLD_READABLE", NULL, W_WORLD},
    {NULL, "MODE_WORLD_WRITEABLE", NULL, W_WORLD},
};

/*
 * SDKs by the package of a class the app defines (class_defs: code that is
 * in the APK, not a call into the platform). The first match names it.
 */
static const struct by_package sdks[] = {
    {"Lcom/tencent/mm/opensdk/", "WeChat OpenSDK"},
    {"Lcom/tencent/mm/sdk/", "WeChat SDK (legacy)"},
    {"Lcom/tencent/tauth/", "Tencent QQ Connect"},
    {"Lcom/tencent/connect/", "Tencent QQ Connect"},
    {"Lcom/tencent/bugly/", "Tencent Bugly"},
    {"Lcom/tencent/smtt/", "Tencent X5 WebView (TBS)"},
    {"Lcom/tencent/map/", "Tencent Map"},
    {"Lcom/qq/e/", "Tencent GDT ads"},
    {"Lcom/alipay/", "Alipay SDK"},
    {"Lcom/unionpay/", "UnionPay SDK"},
    {"Lcom/umeng/", "Umeng"},
    {"Lcn/jpush/", "JPush (Aurora)"},
    {"Lcn/jiguang/", "JiGuang (Aurora)"},
    {"Lcom/igexin/", "Getui"},
    {"Lcom/huawei/hms/", "Huawei HMS Core"},
    {"Lcom/xiaomi/mipush/", "Xiaomi Push"},
    {"Lcom/heytap/msp/", "OPPO Push"},
    {"Lcom/vivo/push/", "vivo Push"},
    {"Lcom/baidu/location/", "Baidu Location"},
    {"Lcom/baidu/mapapi/", "Baidu Map"},
    {"Lcom/baidu/mobstat/", "Baidu Mobile Statistics"},
    {"Lcom/amap/api/", "AMap (Gaode)"},
    {"Lcom/loc/", "AMap (Gaode) location"},
    {"Lcom/sina/weibo/sdk/", "Weibo SDK"},
    {"Lcom/sensorsdata/analytics/", "Sensors Analytics"},
    {"Lcom/growingio/", "GrowingIO"},
    {"Lcom/bytedance/sdk/openadsdk/", "Pangle (ByteDance ads)"},
    {"Lcom/kwad/sdk/", "Kuaishou ads"},
    {"Lcom/google/firebase/", "Firebase"},
    {"Lcom/google/android/gms/", "Google Play services"},
    {"Lcom/google/android/play/core/", "Google Play Core"},
    {"Lcom/facebook/", "Facebook"},
    {"Lcom/appsflyer/", "AppsFlyer"},
    {"Lcom/adjust/sdk/", "Adjust"},
    {"Lio/sentry/", "Sentry"},
    {"Lcom/crashlytics/", "Crashlytics"},
};

/* An open-addressing set of 64-bit hashes (0 is the empty slot). */
struct hset {
	uint64_t *slot;
	size_t cap, n;
	bool full;
};

static uint64_t fnv(const char *a, size_t an, const char *b, size_t bn)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < an; i++)
		h = (h ^ (uint8_t)a[i]) * 0x100000001b3ull;
	if (b) {
		h = (h ^ 0xff) * 0x100000001b3ull; /* "->" */
		for (size_t i = 0; i < bn; i++)
			h = (h ^ (uint8_t)b[i]) * 0x100000001b3ull;
	}
	return h ? h : 1;
}

static void hset_add(struct hset *s, uint64_t h)
{
	if (s->n * 2 >= s->cap) {
		if (s->n >= DEXAPI_MAX_DISTINCT) {
			s->full = true;
			return;
		}
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *t = xcalloc(cap, sizeof(*t));
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				for (size_t k = s->slot[i] & (cap - 1);; k = (k + 1) & (cap - 1))
					if (!t[k]) {
						t[k] = s->slot[i];
						break;
					}
		free(s->slot);
		s->slot = t;
		s->cap = cap;
	}
	for (size_t k = h & (s->cap - 1);; k = (k + 1) & (s->cap - 1)) {
		if (s->slot[k] == h)
			return;
		if (!s->slot[k]) {
			s->slot[k] = h;
			s->n++;
			return;
		}
	}
}

struct list {
	char **v;
	size_t n, cap;
};

static void list_add(struct list *l, const char *s, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == n && memcmp(l->v[i], s, n) == 0)
			return;
	if (l->n < DEXAPI_MAX_LISTED)
		*ARRAY_PUSH(l->v, l->n, l->cap) = xstrndup(s, n);
}

static void list_fact(struct facts *o, const char *key, struct list *l)
{
	facts_add_list(o, key, (const char *const *)l->v, l->n);
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct dex_api {
	struct hset methods, fields, types, classes;
	bool seen[W_COUNT];
	bool crypto, incomplete, layout_touch, layout_incomplete, code_incomplete, secure_random;
	bool bio_crypto, bio_key; /* a CryptoObject constructed; a key needing user auth */
	unsigned log_refs;
	/* text fields in layouts: with an input type, masked passwords,
	 * visible passwords, numeric passwords under a reveal toggle */
	unsigned text_fields, pw_masked, pw_visible, pin_reveal, sensitive;
	/* sensitive fields (by id name) that are not masked passwords: those a
	 * keyboard may learn (text class, no textNoSuggestions), those whose
	 * text can be selected and copied (long-click not turned off) */
	struct list suggest, copyable;
	struct list refs, webview, random, log, ext, dyncode, sdk, keyboard, rand_crypto,
	    world_calls, bio;
};

struct dex_api *dex_api_new(void)
{
	return xcalloc(1, sizeof(struct dex_api));
}

static bool str_is(struct dex_str s, const char *z)
{
	size_t n = strlen(z);
	return s.n == n && memcmp(s.p, z, n) == 0;
}

static bool str_starts_with(struct dex_str s, const char *z)
{
	size_t n = strlen(z);
	return s.n >= n && memcmp(s.p, z, n) == 0;
}

/* Add to l the name of the first entry of t[0, n) whose prefix cls starts with. */
static void list_by_package(struct list *l, const struct by_package *t, size_t n,
                            struct dex_str cls)
{
	for (size_t k = 0; k < n; k++)
		if (str_starts_with(cls, t[k].prefix)) {
			list_add(l, t[k].name, strlen(t[k].name));
			return;
		}
}

/* Platform biometric APIs by the type the code references (J92-35). */
static const struct {
	const char *type, *name;
} biometric_apis[] = {
    {"Landroid/hardware/biometrics/BiometricPrompt;", "BiometricPrompt"},
    {"Landroidx/biometric/BiometricPrompt;", "androidx BiometricPrompt"},
    {"Landroid/hardware/fingerprint/FingerprintManager;", "FingerprintManager"},
    {"Landroidx/core/hardware/fingerprint/FingerprintManagerCompat;", "FingerprintManagerCompat"},
    {"Landroid/support/v4/hardware/fingerprint/FingerprintManagerCompat;",
     "FingerprintManagerCompat"},
};

/* A biometric prompt bound to a key: one of these CryptoObjects constructed. */
static const char *const crypto_objects[] = {
    "Landroid/hardware/biometrics/BiometricPrompt$CryptoObject;",
    "Landroidx/biometric/BiometricPrompt$CryptoObject;",
    "Landroid/hardware/fingerprint/FingerprintManager$CryptoObject;",
    "Landroidx/core/hardware/fingerprint/FingerprintManagerCompat$CryptoObject;",
    "Landroid/support/v4/hardware/fingerprint/FingerprintManagerCompat$CryptoObject;",
};

/* What a method body invokes, for J92-53 and J92-66: marks of method_ids.
 * M_FILE_MODE: the third register argument is an int file mode
 * (MODE_WORLD_READABLE 1, MODE_WORLD_WRITEABLE 2 are inlined constants). */
enum { M_WEAK_RANDOM = 1, M_KEY_MATERIAL = 2, M_FILE_MODE = DEX_MARK_ARG2 };
#define WORLD_MODES 0x3u

/* Context methods taking (String name, int mode, ...) on any receiver class
 * (an Activity, a Service, a ContextWrapper subclass of the app). */
static const char *const mode_methods[] = {
    "getSharedPreferences",
    "openFileOutput",
    "getDir",
    "openOrCreateDatabase",
};

/* Key, IV, nonce and salt material built from bytes the caller supplies. */
static const char *const key_specs[] = {
    "Ljavax/crypto/spec/SecretKeySpec;",    "Ljavax/crypto/spec/IvParameterSpec;",
    "Ljavax/crypto/spec/GCMParameterSpec;", "Ljavax/crypto/spec/PBEKeySpec;",
    "Ljavax/crypto/spec/PBEParameterSpec;", "Ljavax/crypto/spec/ChaCha20ParameterSpec;",
    "Ljavax/crypto/spec/DESKeySpec;",       "Ljavax/crypto/spec/DESedeKeySpec;",
    "Ljavax/crypto/spec/RC2ParameterSpec;", "Ljavax/crypto/spec/RC5ParameterSpec;",
};

static uint8_t method_mark(struct dex_str cls, struct dex_str name, struct dex_str shorty)
{
	if (str_starts_with(shorty, "LLI"))
		for (size_t i = 0; i < sizeof(mode_methods) / sizeof(mode_methods[0]); i++)
			if (str_is(name, mode_methods[i]))
				return M_FILE_MODE;
	if ((str_is(cls, "Ljava/util/Random;") &&
	     (str_is(name, "<init>") || str_starts_with(name, "next"))) ||
	    ((str_is(cls, "Ljava/lang/Math;") || str_is(cls, "Ljava/lang/StrictMath;")) &&
	     str_is(name, "random")) ||
	    str_is(cls, "Ljava/util/concurrent/ThreadLocalRandom;") ||
	    str_starts_with(cls, "Lkotlin/random/Random"))
		return M_WEAK_RANDOM;
	if (str_is(name, "<init>"))
		for (size_t i = 0; i < sizeof(key_specs) / sizeof(key_specs[0]); i++)
			if (str_is(cls, key_specs[i]))
				return M_KEY_MATERIAL;
	return 0;
}

struct code_ctx {
	struct dex_api *r;
	const struct dex_ids *ids;
};

static void on_code(void *ctx, uint32_t method, uint8_t marks, uint32_t args)
{
	struct code_ctx *c = ctx;
	struct dex_str cls, name, shorty;
	bool rand_key =
	    (marks & (M_WEAK_RANDOM | M_KEY_MATERIAL)) == (M_WEAK_RANDOM | M_KEY_MATERIAL);
	bool world = (marks & M_FILE_MODE) && (args & WORLD_MODES);
	if ((!rand_key && !world) || !dex_method(c->ids, method, &cls, &name, &shorty))
		return;
	char *m = xasprintf("%.*s->%.*s", (int)cls.n, cls.p, (int)name.n, name.p);
	if (rand_key)
		list_add(&c->r->rand_crypto, m, strlen(m));
	if (world)
		list_add(&c->r->world_calls, m, strlen(m));
	free(m);
}

/* A watched reference: the list items, the api_refs entry, a finding for the risky ones. */
static void hit(struct dex_api *r, struct app_ctx *x, const struct watch *w, struct dex_str cls,
                struct dex_str name, bool field, const char *where, int64_t off)
{
	char *ref = xasprintf("%.*s->%.*s", (int)cls.n, cls.p, (int)name.n, name.p);
	r->seen[w->what] = true;
	list_add(&r->refs, ref, strlen(ref));
	switch (w->what) {
	case W_SSL_PROCEED:
		app_finding(x, "android-ssl-error-proceed", "high", where, off,
		            "%s referenced: a WebView that proceeds on TLS errors accepts any "
		            "certificate",
		            ref);
		break;
	case W_WEBVIEW:
		list_add(&r->webview, name.p, name.n);
		app_finding(x, "android-webview-setting", "low", where, off,
		            "%s referenced (the value passed is not read): review it", ref);
		break;
	case W_RANDOM:
		list_add(&r->random, w->label, strlen(w->label));
		break;
	case W_LOG:
		list_add(&r->log, w->label, strlen(w->label));
		if (strcmp(w->label, "Log.i") != 0) {
			r->log_refs++;
			app_finding(x, "android-debug-log", "low", where, off,
			            "%s referenced: debug logging left in the build", ref);
		}
		break;
	case W_EXTSTORE:
		list_add(&r->ext, name.p, name.n);
		app_finding(x, "android-external-storage", "low", where, off,
		            "%s referenced: files there are readable by other apps on older "
		            "Android versions",
		            ref);
		break;
	case W_KEYBOARD:
		list_add(&r->keyboard, w->label, strlen(w->label));
		break;
	case W_DYNCODE:
		list_add(&r->dyncode, w->label, strlen(w->label));
		app_finding(x, "android-dynamic-code", "medium", where, off,
		            "%s referenced: code loaded at run time is not covered by the APK's "
		            "signature; check where it comes from and that it is verified",
		            ref);
		break;
	case W_WORLD:
		app_finding(x, "android-world-readable", "high", where, off,
		            "%s %s referenced: world-readable or -writable app files", ref,
		            field ? "field" : "method");
		break;
	default:
		break;
	}
	free(ref);
}

static const struct watch *match(const struct watch *t, size_t n, struct dex_str cls,
                                 struct dex_str name)
{
	for (size_t i = 0; i < n; i++)
		if (str_is(name, t[i].name) && (!t[i].cls || str_is(cls, t[i].cls)))
			return &t[i];
	return NULL;
}

void dex_api_file(struct dex_api *r, struct app_ctx *x, struct span d, const char *where)
{
	struct dex_ids ids;
	if (dex_ids_open(&ids, d) < 0) {
		r->incomplete = true;
		app_finding(x, "parse-error", "info", where, -1, "DEX id tables: %s", err_msg());
		return;
	}
	struct dex_str cls, name, shorty, super;
	unsigned unreadable = 0;
	uint64_t first_bad = 0; /* the id entry of the first name that could not be read */
	for (uint32_t i = 0; i < ids.type.n; i++) {
		if (!dex_type(&ids, i, &cls)) {
			if (!unreadable++)
				first_bad = ids.type.off + 4ull * i;
			continue;
		}
		hset_add(&r->types, fnv(cls.p, cls.n, NULL, 0));
		if (str_starts_with(cls, "Ljavax/crypto/"))
			r->crypto = true;
		if (str_is(cls, "Ljava/security/SecureRandom;"))
			r->secure_random = true;
		for (size_t k = 0; k < sizeof(biometric_apis) / sizeof(biometric_apis[0]); k++)
			if (str_is(cls, biometric_apis[k].type))
				list_add(&r->bio, biometric_apis[k].name,
				         strlen(biometric_apis[k].name));
		if (str_is(cls, "Landroid/inputmethodservice/KeyboardView;"))
			list_add(&r->keyboard, "KeyboardView", 12);
	}
	uint8_t *mark = xcalloc(ids.method.n ? ids.method.n : 1, 1);
	for (uint32_t i = 0; i < ids.method.n && !app_deadline(x); i++) {
		if (!dex_method(&ids, i, &cls, &name, &shorty)) {
			if (!unreadable++)
				first_bad = ids.method.off + 8ull * i;
			continue;
		}
		mark[i] = method_mark(cls, name, shorty);
		if (str_is(name, "<init>"))
			for (size_t k = 0; k < sizeof(crypto_objects) / sizeof(crypto_objects[0]);
			     k++)
				r->bio_crypto |= str_is(cls, crypto_objects[k]);
		if (str_is(name, "setUserAuthenticationRequired") &&
		    (str_is(cls, "Landroid/security/keystore/KeyGenParameterSpec$Builder;") ||
		     str_is(cls, "Landroid/security/keystore/KeyProtection$Builder;")))
			r->bio_key = true;
		hset_add(&r->methods, fnv(cls.p, cls.n, name.p, name.n));
		const struct watch *w =
		    match(methods, sizeof(methods) / sizeof(methods[0]), cls, name);
		if (w)
			hit(r, x, w, cls, name, false, where, (int64_t)(ids.method.off + 8ull * i));
	}
	for (uint32_t i = 0; i < ids.field.n; i++) {
		if (!dex_field(&ids, i, &cls, &name)) {
			if (!unreadable++)
				first_bad = ids.field.off + 8ull * i;
			continue;
		}
		hset_add(&r->fields, fnv(cls.p, cls.n, name.p, name.n));
		const struct watch *w =
		    match(fields, sizeof(fields) / sizeof(fields[0]), cls, name);
		if (w)
			hit(r, x, w, cls, name, true, where, (int64_t)(ids.field.off + 8ull * i));
	}
	for (uint32_t i = 0; i < ids.cls.n; i++) {
		if (!dex_class(&ids, i, &cls, &super)) {
			if (!unreadable++)
				first_bad = ids.cls.off + 32ull * i;
			continue;
		}
		hset_add(&r->classes, fnv(cls.p, cls.n, NULL, 0));
		list_by_package(&r->sdk, sdks, sizeof(sdks) / sizeof(sdks[0]), cls);
		list_by_package(&r->keyboard, keyboards, sizeof(keyboards) / sizeof(keyboards[0]),
		                cls);
	}
	/* The walk's budget is the file's size: a well-formed file's bodies (in
	 * 2-byte code units) and class data (in bytes) fit it with room to spare,
	 * as each belongs to one method or class; a file that points many methods
	 * at one long body, or many classes at one long class_data_item, runs out
	 * and is reported incomplete. */
	uint64_t budget = d.n;
	struct code_ctx cc = {r, &ids};
	if (!app_deadline(x) && dex_code_walk(&ids, mark, &budget, on_code, &cc) < 0) {
		r->code_incomplete = true;
		app_finding(x, "parse-error", "info", where, -1, "DEX code: %s", err_msg());
	}
	free(mark);
	if (app_deadline(x))
		r->incomplete = r->code_incomplete =
		    true; /* cut by the deadline: absence proves nothing */
	if (unreadable) {
		r->incomplete = true;
		app_finding(x, "parse-error", "info", where, (int64_t)first_bad,
		            "DEX id tables: offset %llu: the name of this entry (and %u more) has "
		            "string data that does not fit the file",
		            (unsigned long long)first_bad, unreadable - 1);
	}
}

/* The input type of a layout element, when it declares one (or the old
 * android:password="true"). */
static bool input_type(const struct axml *m, const struct axml_elem *e, uint32_t *it)
{
	const struct axml_attr *at = axml_attr(m, e, A_INPUT_TYPE, "inputType");
	if (at && (at->type == RV_INT_HEX || at->type == RV_INT_DEC)) {
		*it = at->data;
		return true;
	}
	at = axml_attr(m, e, A_PASSWORD, "password");
	if (at && at->type == RV_BOOLEAN && at->data) {
		*it = IT_CLASS_TEXT | IT_TEXT_PASSWORD;
		return true;
	}
	return false;
}

static bool is_number_password(uint32_t it)
{
	return IT_CLASS(it) == IT_CLASS_NUMBER && IT_VARIATION(it) == IT_NUMBER_PASSWORD;
}

/* Material's TextInputLayout with a show-password toggle: app:endIconMode
 * "password_toggle" (1), or the older app:passwordToggleEnabled. These are
 * the app's own attributes (ids 0x7f...), so they are matched by name. */
static bool reveal_toggle(const struct axml *m, const struct axml_elem *e)
{
	const struct axml_attr *at = axml_attr(m, e, 0, "endIconMode");
	if (at && (at->type == RV_INT_HEX || at->type == RV_INT_DEC) && at->data == 1)
		return true;
	at = axml_attr(m, e, 0, "passwordToggleEnabled");
	return at && at->type == RV_BOOLEAN && at->data;
}

/*
 * Words of a view id name that say it holds card data, a credential or an
 * ID number: "et_card_no" -> card; "payPwd" -> pwd. A name is split at
 * non-letters and at lower-to-upper case changes, and each word compared
 * whole ("span" and "company" hold no "pan").
 */
static const char *const sensitive_words[] = {
    "card", "cardno",   "cardnum", "bankcard", "pan", "cvv",    "cvv2", "cvn",   "cvn2",   "cvc",
    "pwd",  "password", "passwd",  "paypwd",   "pin", "idcard", "idno", "idnum", "certno", "certid",
};

static bool sensitive_name(const char *n)
{
	char w[32];
	size_t k = 0;
	for (size_t i = 0;; i++) {
		char c = n[i];
		bool letter =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		bool split =
		    !letter || (k && c >= 'A' && c <= 'Z' && n[i - 1] >= 'a' && n[i - 1] <= 'z');
		if (split && k) {
			w[k] = '\0';
			for (size_t j = 0; j < sizeof(sensitive_words) / sizeof(sensitive_words[0]);
			     j++)
				if (strcmp(w, sensitive_words[j]) == 0)
					return true;
			k = 0;
		}
		if (!c)
			return false;
		if (letter && k < sizeof(w) - 1)
			w[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

/* The entry name of the element's android:id, or NULL (the caller frees). */
static char *view_id_name(const struct apk *a, const struct axml *m, const struct axml_elem *e)
{
	const struct axml_attr *at = axml_attr(m, e, A_ID, "id");
	char *name = NULL;
	if (at && at->type == RV_REFERENCE && a->arsc.p &&
	    arsc_name(a->arsc, at->data, &name, &a->x->arsc_budget) < 0)
		name = NULL;
	return name;
}

static void layout_fields(struct dex_api *r, const struct apk *a, const struct axml *m)
{
	/* the depth of the outermost show-password toggle open here, or -1: a
	 * number-password field inside one counts once, in one pass (a walk of
	 * each toggle's subtree is quadratic when toggles nest) */
	int toggle = -1;
	for (size_t k = 0; k < m->nel; k++) {
		const struct axml_elem *e = &m->el[k];
		if (toggle >= 0 && e->depth <= toggle)
			toggle = -1;
		const struct axml_attr *at =
		    axml_attr(m, e, A_FILTER_TOUCHES, "filterTouchesWhenObscured");
		if (at && at->type == RV_BOOLEAN && at->data)
			r->layout_touch = true;
		uint32_t it = 0;
		bool typed = input_type(m, e, &it);
		if (typed) {
			r->text_fields++;
			bool masked = false;
			if (IT_CLASS(it) == IT_CLASS_TEXT &&
			    IT_VARIATION(it) == IT_TEXT_VISIBLE_PASS)
				r->pw_visible++;
			else if ((IT_CLASS(it) == IT_CLASS_TEXT &&
			          (IT_VARIATION(it) == IT_TEXT_PASSWORD ||
			           IT_VARIATION(it) == IT_TEXT_WEB_PASSWORD)) ||
			         is_number_password(it))
				r->pw_masked++, masked = true;
			char *name = view_id_name(a, m, e);
			if (name && sensitive_name(name)) {
				r->sensitive++;
				/* a masked password neither suggests nor copies */
				if (!masked && IT_CLASS(it) == IT_CLASS_TEXT &&
				    !(it & IT_NO_SUGGESTIONS) &&
				    IT_VARIATION(it) != IT_TEXT_VISIBLE_PASS)
					list_add(&r->suggest, name, strlen(name));
				const struct axml_attr *lc =
				    axml_attr(m, e, A_LONG_CLICKABLE, "longClickable");
				if (!masked && !(lc && lc->type == RV_BOOLEAN && !lc->data))
					list_add(&r->copyable, name, strlen(name));
			}
			free(name);
		}
		if (toggle >= 0 && typed && is_number_password(it))
			r->pin_reveal++;
		if (toggle < 0 && reveal_toggle(m, e))
			toggle = e->depth;
	}
}

void dex_api_layouts(struct dex_api *r, struct apk *a)
{
	unsigned n = 0;
	for (size_t i = 0; i < a->z.n; i++) {
		const struct zip_entry *e = &a->z.e[i];
		if (strncmp(e->name, "res/layout", 10) != 0 || !str_ends(e->name, ".xml"))
			continue;
		if (n++ == DEXAPI_MAX_LAYOUTS || app_deadline(a->x)) {
			r->layout_incomplete = true;
			break;
		}
		uint8_t *buf;
		size_t len;
		if (zip_read(&a->z, e, &buf, &len, APP_MAX_MEMBER) < 0) {
			r->layout_incomplete = true;
			continue;
		}
		struct axml m;
		/* what was read before a problem counts */
		if (axml_parse(&m, (struct span){buf, len}) < 0)
			r->layout_incomplete = true;
		layout_fields(r, a, &m);
		axml_free(&m);
		free(buf);
	}
	if (a->arsc.p && !a->x->arsc_budget)
		r->layout_incomplete = true; /* field names no longer resolved */
}

void dex_api_facts(struct dex_api *r, struct app_ctx *x)
{
	struct facts *o = x->out;
	bool full = r->methods.full || r->fields.full || r->types.full || r->classes.full;
	facts_add_bool(o, "app.android.dex.refs_complete", !r->incomplete && !full);
	facts_add_int(o, "app.android.dex.methods", (int64_t)r->methods.n);
	facts_add_int(o, "app.android.dex.fields", (int64_t)r->fields.n);
	facts_add_int(o, "app.android.dex.types", (int64_t)r->types.n);
	facts_add_int(o, "app.android.dex.classes", (int64_t)r->classes.n);
	list_fact(o, "app.android.dex.api_refs", &r->refs);
	facts_add_bool(o, "app.android.dex.ssl_error_proceed", r->seen[W_SSL_PROCEED]);
	list_fact(o, "app.android.dex.webview_settings", &r->webview);
	facts_add_bool(o, "app.android.dex.window_flags", r->seen[W_WINDOW]);
	facts_add_bool(o, "app.android.protect.touch_filtering",
	               r->seen[W_TOUCH] || r->layout_touch);
	facts_add_bool(o, "app.android.dex.crypto", r->crypto);
	list_fact(o, "app.android.dex.insecure_random", &r->random);
	list_fact(o, "app.android.dex.debug_log", &r->log);
	facts_add_int(o, "app.android.dex.debug_log_refs", r->log_refs);
	list_fact(o, "app.android.dex.external_storage", &r->ext);
	facts_add_bool(o, "app.android.dex.world_mode", r->seen[W_WORLD]);
	list_fact(o, "app.android.dex.dynamic_code", &r->dyncode);
	list_fact(o, "app.android.sdks", &r->sdk);
	list_fact(o, "app.android.secure_keyboard", &r->keyboard);
	facts_add_bool(o, "app.android.dex.code_complete", !r->code_incomplete && !r->incomplete);
	facts_add_bool(o, "app.android.dex.secure_random", r->secure_random);
	list_fact(o, "app.android.dex.random_in_crypto", &r->rand_crypto);
	list_fact(o, "app.android.dex.world_mode_calls", &r->world_calls);
	list_fact(o, "app.android.biometric.apis", &r->bio);
	facts_add_bool(o, "app.android.biometric.crypto_object", r->bio_crypto);
	facts_add_bool(o, "app.android.biometric.key_bound", r->bio_key);
	facts_add_bool(o, "app.android.layout.complete", !r->layout_incomplete);
	facts_add_int(o, "app.android.layout.text_fields", r->text_fields);
	facts_add_int(o, "app.android.layout.password_fields", r->pw_masked);
	facts_add_int(o, "app.android.layout.visible_password_fields", r->pw_visible);
	facts_add_int(o, "app.android.layout.pin_reveal", r->pin_reveal);
	facts_add_int(o, "app.android.layout.sensitive_fields", r->sensitive);
	list_fact(o, "app.android.layout.sensitive_suggestions", &r->suggest);
	list_fact(o, "app.android.layout.sensitive_copyable", &r->copyable);
	facts_add_bool(o, "app.android.dex.copy_guard", r->seen[W_COPY_GUARD]);
	free(r->methods.slot);
	free(r->fields.slot);
	free(r->types.slot);
	free(r->classes.slot);
	free(r);
}
