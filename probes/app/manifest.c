/*
 * Facts from an APK's AndroidManifest.xml and its network security
 * config (res/xml, referenced through resources.arsc). Attribute ids are
 * the framework's (android.R.attr, public.xml of API 29); defaults are the
 * platform's:
 *   - allowBackup defaults to true;
 *   - usesCleartextTraffic defaults to true below targetSdk 28
 *     (developer.android.com, "Network security configuration");
 *   - a component with an intent filter and no android:exported is
 *     exported (the default before API 31, when it became a build error);
 *     a provider without android:exported is exported below targetSdk 17;
 *   - an android:permission on <application> protects every component
 *     that has none of its own.
 * Launcher activities (MAIN + LAUNCHER) must be exported and are not
 * reported as exported components.
 */
#include "probes/app/android_int.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define A_LABEL      0x01010001u
#define A_NAME       0x01010003u
#define A_PERMISSION 0x01010006u
#define A_READ_PERM  0x01010007u
#define A_WRITE_PERM 0x01010008u
#define A_DEBUGGABLE 0x0101000fu
#define A_EXPORTED   0x01010010u
#define A_MIN_SDK    0x0101020cu
#define A_VCODE      0x0101021bu
#define A_VNAME      0x0101021cu
#define A_TARGET_SDK 0x01010270u
#define A_TEST_ONLY  0x01010272u
#define A_BACKUP     0x01010280u
#define A_CLEARTEXT  0x010104ecu
#define A_NSC        0x01010527u

/* protectionLevel "dangerous" (runtime permissions), API 33 */
static const char *const dangerous[] = {
    "READ_CALENDAR",
    "WRITE_CALENDAR",
    "CAMERA",
    "READ_CONTACTS",
    "WRITE_CONTACTS",
    "GET_ACCOUNTS",
    "ACCESS_FINE_LOCATION",
    "ACCESS_COARSE_LOCATION",
    "ACCESS_BACKGROUND_LOCATION",
    "ACCESS_MEDIA_LOCATION",
    "RECORD_AUDIO",
    "READ_PHONE_STATE",
    "READ_PHONE_NUMBERS",
    "CALL_PHONE",
    "ANSWER_PHONE_CALLS",
    "READ_CALL_LOG",
    "WRITE_CALL_LOG",
    "ADD_VOICEMAIL",
    "USE_SIP",
    "PROCESS_OUTGOING_CALLS",
    "BODY_SENSORS",
    "BODY_SENSORS_BACKGROUND",
    "ACTIVITY_RECOGNITION",
    "SEND_SMS",
    "RECEIVE_SMS",
    "READ_SMS",
    "RECEIVE_WAP_PUSH",
    "RECEIVE_MMS",
    "READ_EXTERNAL_STORAGE",
    "WRITE_EXTERNAL_STORAGE",
    "READ_MEDIA_IMAGES",
    "READ_MEDIA_VIDEO",
    "READ_MEDIA_AUDIO",
    "POST_NOTIFICATIONS",
    "BLUETOOTH_SCAN",
    "BLUETOOTH_CONNECT",
    "BLUETOOTH_ADVERTISE",
    "NEARBY_WIFI_DEVICES",
    "UWB_RANGING",
};

static bool is_dangerous(const char *perm)
{
	const char *p = "android.permission.";
	if (!perm || strncmp(perm, p, strlen(p)) != 0)
		return false;
	for (size_t i = 0; i < sizeof(dangerous) / sizeof(dangerous[0]); i++)
		if (strcmp(perm + strlen(p), dangerous[i]) == 0)
			return true;
	return false;
}

/* Resolve a reference through resources.arsc; keeps the value otherwise. */
static void resolve(const struct apk *a, uint8_t *type, uint32_t *data, char **str)
{
	*str = NULL;
	for (int hop = 0; hop < 4 && *type == RV_REFERENCE && a->arsc.p; hop++)
		if (arsc_lookup(a->arsc, *data, type, data, str, &a->x->arsc_budget) < 0)
			return;
}

/* A boolean attribute: 1 true, 0 false, -1 absent or undecidable. */
int apk_attr_bool(const struct apk *a, const struct axml *m, const struct axml_elem *e, uint32_t id,
                  const char *name)
{
	const struct axml_attr *t = axml_attr(m, e, id, name);
	if (!t)
		return -1;
	uint8_t type = t->type;
	uint32_t data = t->data;
	char *s = NULL;
	resolve(a, &type, &data, &s);
	int v = -1;
	if (type == RV_BOOLEAN || type == RV_INT_DEC || type == RV_INT_HEX)
		v = data != 0;
	else if ((s || t->str) && strcmp(s ? s : t->str, "true") == 0)
		v = 1;
	else if ((s || t->str) && strcmp(s ? s : t->str, "false") == 0)
		v = 0;
	free(s);
	return v;
}

/* An integer attribute, or def. */
static int64_t attr_int(const struct apk *a, const struct axml *m, const struct axml_elem *e,
                        uint32_t id, const char *name, int64_t def)
{
	const struct axml_attr *t = axml_attr(m, e, id, name);
	if (!t)
		return def;
	uint8_t type = t->type;
	uint32_t data = t->data;
	char *s = NULL;
	resolve(a, &type, &data, &s);
	int64_t v = def;
	if (type == RV_INT_DEC || type == RV_INT_HEX)
		v = (int32_t)data;
	else if ((s || t->str) && *(s ? s : t->str) >= '0' && *(s ? s : t->str) <= '9')
		v = strtol(s ? s : t->str, NULL, 10);
	free(s);
	return v;
}

/* A string attribute (caller frees), or NULL. */
static char *attr_str(const struct apk *a, const struct axml *m, const struct axml_elem *e,
                      uint32_t id, const char *name)
{
	const struct axml_attr *t = axml_attr(m, e, id, name);
	if (!t)
		return NULL;
	uint8_t type = t->type;
	uint32_t data = t->data;
	char *s = NULL;
	if (type == RV_REFERENCE) {
		resolve(a, &type, &data, &s);
		if (s)
			return s;
	}
	if (t->str)
		return xstrdup(t->str);
	if (type == RV_INT_DEC || type == RV_INT_HEX)
		return xasprintf("%u", data);
	return NULL;
}

static bool named(const struct axml_elem *e, const char *n)
{
	return e->name && strcmp(e->name, n) == 0;
}

/* The network security config: cleartext, user CAs, pins. */
/* The config's cleartext verdict (1/0), or -1 when it cannot be read. */
static int nsc_facts(struct apk *a, const char *member, bool debuggable, bool cleartext_default)
{
	struct facts *o = a->x->out;
	char *where = xasprintf("%s!%s", a->path, member);
	const struct zip_entry *ze = zip_find(&a->z, member);
	uint8_t *buf = NULL;
	size_t len = 0;
	struct axml m = {0};
	if (!ze || zip_read(&a->z, ze, &buf, &len, APP_MAX_MEMBER) < 0 ||
	    axml_parse(&m, (struct span){buf, len}) < 0) {
		app_finding(a->x, "parse-error", "info", where, -1,
		            "network security config unreadable");
		axml_free(&m);
		free(buf);
		free(where);
		return -1;
	}
	int base_ct = -1;
	bool domain_ct = false, user_ca = false, debug_user_ca = false, pins = false,
	     override_pins = false, debug_overrides = false;
	int in_debug = -1; /* depth of <debug-overrides>, or -1 */
	for (size_t i = 0; i < m.nel; i++) {
		const struct axml_elem *e = &m.el[i];
		if (in_debug >= 0 && e->depth <= in_debug)
			in_debug = -1;
		if (named(e, "debug-overrides")) {
			in_debug = e->depth;
			debug_overrides = true;
		} else if (named(e, "base-config")) {
			base_ct = apk_attr_bool(a, &m, e, 0, "cleartextTrafficPermitted");
		} else if (named(e, "domain-config")) {
			domain_ct |= apk_attr_bool(a, &m, e, 0, "cleartextTrafficPermitted") == 1;
		} else if (named(e, "certificates")) {
			const struct axml_attr *src = axml_attr(&m, e, 0, "src");
			if (src && src->str && strcmp(src->str, "user") == 0) {
				if (in_debug >= 0)
					debug_user_ca = true;
				else
					user_ca = true;
			}
			override_pins |= apk_attr_bool(a, &m, e, 0, "overridePins") == 1;
		} else if (named(e, "pin-set")) {
			pins = true;
		}
	}
	bool ct = base_ct == 1 || (base_ct == -1 && cleartext_default) || domain_ct;
	facts_add_bool(o, "app.android.nsc.cleartext_permitted", ct);
	facts_add_bool(o, "app.android.nsc.user_cas", user_ca || (debuggable && debug_user_ca));
	facts_add_bool(o, "app.android.nsc.pins", pins);
	facts_add_bool(o, "app.android.nsc.override_pins", override_pins);
	facts_add_bool(o, "app.android.nsc.debug_overrides", debug_overrides);
	if (ct)
		app_finding(a->x, "android-nsc-cleartext", "high", where, -1,
		            "network security config permits cleartext traffic");
	if (user_ca || (debuggable && debug_user_ca))
		app_finding(a->x, "android-nsc-user-ca", "high", where, -1,
		            "network security config trusts user-installed CAs");
	if (pins)
		a->pinning = true;
	axml_free(&m);
	free(buf);
	free(where);
	return ct;
}

struct component {
	const struct axml_elem *e;
	bool filter, main, launcher;
};

static void component_end(struct apk *a, const struct axml *m, struct component *c, int target_sdk,
                          bool app_perm)
{
	if (!c->e)
		return;
	int exp = apk_attr_bool(a, m, c->e, A_EXPORTED, "exported");
	bool exported = exp == 1;
	const char *why = "android:exported=\"true\"";
	if (exp == -1 && c->filter) {
		exported = true;
		why = "an intent filter and no android:exported";
	} else if (exp == -1 && named(c->e, "provider") && target_sdk < 17) {
		exported = true;
		why = "a provider without android:exported below API 17";
	}
	char *perm = attr_str(a, m, c->e, A_PERMISSION, "permission");
	bool protected_ = perm || app_perm;
	if (!perm && named(c->e, "provider")) {
		char *r = attr_str(a, m, c->e, A_READ_PERM, "readPermission");
		char *w = attr_str(a, m, c->e, A_WRITE_PERM, "writePermission");
		protected_ |= r && w;
		free(r);
		free(w);
	}
	free(perm);
	if (exported && !protected_ && !(c->main && c->launcher)) {
		char *name = attr_str(a, m, c->e, A_NAME, "name");
		char *item = xasprintf("%s:%s", c->e->name, name ? name : "?");
		facts_list_append(a->x->out, "app.android.exported", item);
		a->nexported++;
		char *where = xasprintf("%s!AndroidManifest.xml", a->path);
		app_finding(a->x, "android-exported-component", "medium", where, -1,
		            "%s exported without a permission (%s), manifest line %u", item, why,
		            c->e->line);
		free(where);
		free(item);
		free(name);
	}
	memset(c, 0, sizeof(*c));
}

void apk_manifest_facts(struct apk *a, const struct axml *m)
{
	struct facts *o = a->x->out;
	char *where = xasprintf("%s!AndroidManifest.xml", a->path);
	const struct axml_elem *root = NULL, *app = NULL, *sdk = NULL;
	for (size_t i = 0; i < m->nel; i++) {
		const struct axml_elem *e = &m->el[i];
		if (!root && named(e, "manifest"))
			root = e;
		else if (!app && named(e, "application") && e->depth == 1)
			app = e;
		else if (!sdk && named(e, "uses-sdk") && e->depth == 1)
			sdk = e;
	}
	if (!root) {
		app_finding(a->x, "parse-error", "medium", where, -1, "no <manifest> element");
		facts_error(o, "%s: no <manifest> element%s%s%s", where, m->warning[0] ? " (" : "",
		            m->warning, m->warning[0] ? ")" : "");
		free(where);
		return;
	}
	char *pkg = attr_str(a, m, root, 0, "package");
	facts_add_string(o, "app.android.package", pkg ? pkg : "");
	free(pkg);
	facts_add_int(o, "app.android.version_code",
	              attr_int(a, m, root, A_VCODE, "versionCode", 0));
	char *vn = attr_str(a, m, root, A_VNAME, "versionName");
	facts_add_string(o, "app.android.version_name", vn ? vn : "");
	free(vn);
	int64_t min_sdk = sdk ? attr_int(a, m, sdk, A_MIN_SDK, "minSdkVersion", 1) : 1;
	int64_t target_sdk =
	    sdk ? attr_int(a, m, sdk, A_TARGET_SDK, "targetSdkVersion", min_sdk) : min_sdk;
	facts_add_int(o, "app.android.min_sdk", min_sdk);
	facts_add_int(o, "app.android.target_sdk", target_sdk);
	a->min_sdk = (int)min_sdk;

	/* permissions */
	facts_add_list(o, "app.android.permissions", NULL, 0);
	facts_add_list(o, "app.android.dangerous_permissions", NULL, 0);
	for (size_t i = 0; i < m->nel; i++) {
		const struct axml_elem *e = &m->el[i];
		if (e->depth != 1 ||
		    !(named(e, "uses-permission") || named(e, "uses-permission-sdk-23")))
			continue;
		char *p = attr_str(a, m, e, A_NAME, "name");
		if (!p)
			continue;
		facts_list_append(o, "app.android.permissions", p);
		if (is_dangerous(p)) {
			bool again = false;
			const struct fact_value *dl =
			    facts_get(o, "app.android.dangerous_permissions");
			for (size_t k = 0; dl && k < dl->nitems; k++)
				again |= strcmp(dl->items[k], p) == 0;
			if (!again)
				facts_list_append(o, "app.android.dangerous_permissions", p);
		}
		free(p);
	}
	const struct fact_value *dl = facts_get(o, "app.android.dangerous_permissions");
	facts_add_int(o, "app.android.dangerous_permissions_count", dl ? (int64_t)dl->nitems : 0);

	int dbg = app ? apk_attr_bool(a, m, app, A_DEBUGGABLE, "debuggable") : -1;
	int backup = app ? apk_attr_bool(a, m, app, A_BACKUP, "allowBackup") : -1;
	int ct = app ? apk_attr_bool(a, m, app, A_CLEARTEXT, "usesCleartextTraffic") : -1;
	int test = app ? apk_attr_bool(a, m, app, A_TEST_ONLY, "testOnly") : -1;
	bool cleartext = ct == -1 ? target_sdk < 28 : ct == 1;
	facts_add_bool(o, "app.android.debuggable", dbg == 1);
	facts_add_bool(o, "app.android.allow_backup", backup != 0);
	facts_add_bool(o, "app.android.uses_cleartext_traffic", cleartext);
	facts_add_bool(o, "app.android.test_only", test == 1);
	if (dbg == 1)
		app_finding(a->x, "android-debuggable", "high", where, -1,
		            "android:debuggable=\"true\": any user can attach a debugger");
	if (backup != 0)
		app_finding(a->x, "android-allow-backup", "medium", where, -1,
		            "app data can be extracted with adb backup (allowBackup %s)",
		            backup == 1 ? "true" : "defaults to true");
	if (cleartext)
		app_finding(a->x, "android-cleartext", "high", where, -1,
		            "cleartext HTTP allowed (usesCleartextTraffic %s)",
		            ct == 1 ? "true" : "defaults to true below targetSdk 28");
	if (test == 1)
		app_finding(a->x, "android-test-only", "medium", where, -1,
		            "android:testOnly=\"true\"");
	if (target_sdk < 29)
		app_finding(a->x, "android-old-target-sdk", "low", where, -1,
		            "targetSdkVersion %lld is below 29 (Android 10)",
		            (long long)target_sdk);

	/* network security config */
	const struct axml_attr *nsc =
	    app ? axml_attr(m, app, A_NSC, "networkSecurityConfig") : NULL;
	facts_add_bool(o, "app.android.network_security_config", nsc != NULL);
	int nsc_ct = -1;
	if (nsc) {
		char *path = attr_str(a, m, app, A_NSC, "networkSecurityConfig");
		if (path && strncmp(path, "res/", 4) == 0)
			nsc_ct = nsc_facts(a, path, dbg == 1, cleartext);
		else
			app_finding(a->x, "parse-error", "info", where, -1,
			            "network security config reference 0x%08x not resolved",
			            nsc->data);
		free(path);
	}
	/* the effective answer: a readable config overrides the manifest (API 24+) */
	facts_add_bool(o, "app.android.cleartext_permitted",
	               nsc_ct == -1 ? cleartext : nsc_ct == 1);

	/* components */
	bool app_perm = false;
	if (app) {
		char *p = attr_str(a, m, app, A_PERMISSION, "permission");
		app_perm = p != NULL;
		free(p);
	}
	facts_add_list(o, "app.android.exported", NULL, 0);
	struct component c = {0};
	for (size_t i = 0; i < m->nel; i++) {
		const struct axml_elem *e = &m->el[i];
		if (e->depth <= 2)
			component_end(a, m, &c, (int)target_sdk, app_perm);
		if (e->depth == 2 &&
		    (named(e, "activity") || named(e, "activity-alias") || named(e, "service") ||
		     named(e, "receiver") || named(e, "provider"))) {
			c.e = e;
		} else if (c.e && e->depth == 3 && named(e, "intent-filter")) {
			c.filter = true;
		} else if (c.e && e->depth == 4) {
			char *n = attr_str(a, m, e, A_NAME, "name");
			if (n && named(e, "action") && strcmp(n, "android.intent.action.MAIN") == 0)
				c.main = true;
			if (n && named(e, "category") &&
			    strcmp(n, "android.intent.category.LAUNCHER") == 0)
				c.launcher = true;
			free(n);
		}
	}
	component_end(a, m, &c, (int)target_sdk, app_perm);
	facts_add_int(o, "app.android.exported_count", a->nexported);
	free(where);
}
