/*
 * Every automated rule of the shipped rule sets, table-driven: a fact set
 * in, a verdict out. Each row of the table gives the facts of a system
 * that passes the rule and, one at a time, the changes that must make it
 * fail (each part of the check that can fail it), judged by the real
 * engine on the real rule files. A rule with no row here fails the suite:
 * a new rule needs its facts written down. End-to-end runs against the
 * fixture servers, files and captures are in each probe's suite.
 *
 * Facts are written "key=value; ...": true/false, an integer, a decimal,
 * a "string", or a [list, of, items] ([] is an empty list).
 */
#include "tests/testutil.h"
#include "harness/results.h"
#include "lib/err.h"
#include "lib/util.h"
#include "rules/ruleset.h"

#include <ctype.h>

#define XSD "rules/ruleset.xsd"

struct row {
	const char *rule, *probe;
	const char *pass;
	const char *fails[12]; /* each applied alone on top of pass */
};

#define TLS_OK                                                                                     \
	"tls.is_tls=true; tls.proto.sslv2=false; tls.proto.sslv3=false; tls.proto.tls1_0=false; "  \
	"tls.proto.tls1_2=true; tls.proto.tls1_3=true; tls.proto.tlcp=false; tls.cipher.weak=[]"
#define CERT_OK                                                                                    \
	"tls.cert.trusted=true; tls.cert.expired=false; tls.cert.not_yet_valid=false; "            \
	"tls.cert.hostname_match=true; tls.cert.self_signed=false; tls.cert.sig_weak=false; "      \
	"tls.cert.key_type=\"RSA\"; tls.cert.key_bits=2048"
#define PAN_CLEAN "pan.complete=true; pan.exposed=0; pan.track_data=0; pan.cvv=0; pan.pin_block=0"
#define PCAP_CLEAN                                                                                 \
	"pcap.complete=true; pcap.cleartext_pan_flows=0; pcap.track_data=0; pcap.cvv=0; "          \
	"pcap.cleartext_credentials=0; pcap.cleartext_protocols=[http]"
#define APK "app.kind=\"apk\"; "
/* An APK whose DEX string tables were read whole (the string checks' facts mean something). */
#define APK_STR APK "app.android.dex.strings_complete=true; "
/* The http probe's opt-in authenticated tests (http.auth.*), all passed. */
#define AUTH_OK                                                                                    \
	"http.auth.declared=true; http.auth.login_ok=true; http.auth.logout_invalidates=true; "    \
	"http.auth.idle_wait_s=910; http.auth.idle_expired=true; http.auth.lockout.tested=true; "  \
	"http.auth.lockout.attempts=10; http.auth.lockout.after=5; "                               \
	"http.auth.lockout.how=\"locked\"; http.auth.replay.rejected=true; "                       \
	"http.auth.tamper.rejected=true"

static const struct row table[] = {
    /* updss */
    {"UPD-01", "pan", PAN_CLEAN "; pan.unionpay=2", {"pan.complete=false"}},
    {"UPD-07",
     "pan",
     PAN_CLEAN "; pan.unkeyed_pan_hashes=0",
     {"pan.unkeyed_pan_hashes=1", "pan.complete=false"}},
    {"UPD-08",
     "http",
     "http.pan.exposed=0; http.pan.masked_too_wide=0; http.pan.masked_ok=3",
     {"http.pan.exposed=1", "http.pan.masked_too_wide=2"}},
    {"UPD-08",
     "pan",
     PAN_CLEAN "; pan.masked_too_wide=0; pan.masked_ok=5",
     {"pan.masked_too_wide=1", "pan.exposed=1", "pan.complete=false"}},
    {"UPD-13",
     "pcap",
     PCAP_CLEAN "; pcap.mail_pan_flows=0",
     {"pcap.mail_pan_flows=2", "pcap.complete=false"}},
    {"UPD-16",
     "pan",
     PAN_CLEAN "; pan.hardcoded_secrets=0; pan.private_keys=0",
     {"pan.hardcoded_secrets=1", "pan.private_keys=1", "pan.complete=false"}},
    {"UPD-17",
     "pan",
     PAN_CLEAN "; pan.private_keys=0; pan.symmetric_keys=0",
     {"pan.private_keys=2", "pan.symmetric_keys=1", "pan.complete=false"}},
    {"UPD-27",
     "pan",
     PAN_CLEAN "; pan.files_past_retention=0",
     {"pan.files_past_retention=4", "pan.complete=false"}},
    {"UPD-02",
     "pan",
     PAN_CLEAN,
     {"pan.track_data=1", "pan.cvv=2", "pan.pin_block=1", "pan.complete=false"}},
    {"UPD-03", "pan", PAN_CLEAN, {"pan.track_data=1", "pan.complete=false"}},
    {"UPD-04", "pan", PAN_CLEAN, {"pan.cvv=1", "pan.complete=false"}},
    {"UPD-05", "pan", PAN_CLEAN, {"pan.pin_block=1", "pan.complete=false"}},
    {"UPD-06", "pan", PAN_CLEAN, {"pan.exposed=3", "pan.complete=false"}},
    {"UPD-09", "pan", PAN_CLEAN, {"pan.exposed=1", "pan.complete=false"}},
    {"UPD-10",
     "tls",
     TLS_OK,
     {"tls.proto.sslv2=true", "tls.proto.sslv3=true", "tls.proto.tls1_0=true",
      "tls.proto.tls1_2=false; tls.proto.tls1_3=false", "tls.cipher.weak=[NULL]",
      "tls.cipher.weak=[EXPORT]", "tls.cipher.weak=[anon]", "tls.cipher.weak=[RC4]",
      "tls.cipher.weak=[DES]", "tls.is_tls=false"}},
    {"UPD-11",
     "tls",
     CERT_OK,
     {"tls.cert.trusted=false", "tls.cert.expired=true", "tls.cert.not_yet_valid=true",
      "tls.cert.hostname_match=false", "tls.cert.self_signed=true", "tls.cert.sig_weak=true",
      "tls.cert.key_bits=1024", "tls.cert.key_type=\"EC\"; tls.cert.key_bits=224",
      "tls.cert.key_type=\"SM2\"; tls.cert.key_bits=192"}},
    {"UPD-12",
     "pcap",
     PCAP_CLEAN,
     {"pcap.cleartext_pan_flows=1", "pcap.track_data=1", "pcap.cvv=1", "pcap.complete=false"}},
    {"UPD-14",
     "pcap",
     PCAP_CLEAN,
     {"pcap.cleartext_protocols=[http, telnet]", "pcap.cleartext_credentials=2",
      "pcap.complete=false"}},
    {"UPD-15", "pcap", PCAP_CLEAN, {"pcap.cleartext_credentials=1", "pcap.complete=false"}},
    {"UPD-18",
     "http",
     "http.trace_enabled=false; http.track_enabled=false; http.dir_listing=false; "
     "http.default_page=false",
     {"http.trace_enabled=true", "http.track_enabled=true", "http.dir_listing=true",
      "http.default_page=true"}},
    {"UPD-19",
     "http",
     "http.error_disclosure=false; http.csp.present=true; http.frame_protection=true; "
     "http.content_type_nosniff=true",
     {"http.error_disclosure=true", "http.csp.present=false", "http.frame_protection=false",
      "http.content_type_nosniff=false"}},
    {"UPD-21", "http", AUTH_OK, {"http.auth.idle_expired=false", "http.auth.idle_wait_s=1200"}},
    {"UPD-22",
     "http",
     AUTH_OK,
     {"http.auth.lockout.after=0", "http.auth.lockout.after=11",
      "http.auth.lockout.how=\"challenged\""}},
    {"UPD-20",
     "http",
     "http.cookies.session_weak=[]; http.session_id_in_url=false",
     {"http.cookies.session_weak=[JSESSIONID]", "http.session_id_in_url=true"}},
    {"UPD-23",
     "http",
     "http.scripts.third_party_without_sri=[]; http.csp.present=true; "
     "http.csp.unsafe_inline=false; http.csp.wildcard=false; http.scripts.added=[]",
     {"http.scripts.third_party_without_sri=[https://cdn.example/a.js]", "http.csp.present=false",
      "http.csp.unsafe_inline=true", "http.csp.wildcard=true",
      "http.scripts.added=[https://evil.example/skim.js]"}},
    {"UPD-24",
     "http",
     "http.software=[nginx/1.28.0]; http.software_eol=[]",
     {"http.software_eol=[PHP/7.4.3 (security support ended 2022-11-28)]"}},
    {"UPD-25",
     "app",
     "app.elf.count.files=3; app.elf.count.relro_none=0; app.elf.count.relro_partial=0; "
     "app.elf.count.no_canary=0; app.elf.count.execstack=0; app.elf.count.no_pie=0; "
     "app.elf.count.rpath=0; app.elf.count.runpath=0; app.elf.count.no_fortify=0; "
     "app.elf.count.debug=0",
     {"app.elf.count.relro_none=1", "app.elf.count.relro_partial=1", "app.elf.count.no_canary=2",
      "app.elf.count.execstack=1", "app.elf.count.no_pie=1", "app.elf.count.rpath=1",
      "app.elf.count.runpath=1", "app.elf.count.no_fortify=1", "app.elf.count.debug=1"}},
    {"UPD-26", "pan", PAN_CLEAN, {"pan.exposed=1", "pan.complete=false"}},
    {"LOAD-03",
     "load",
     "load.error_bodies.sampled=40; load.error_bodies.pan=0; load.error_bodies.sad=0; "
     "load.error_bodies.stack_traces=0",
     {"load.error_bodies.pan=3", "load.error_bodies.sad=1", "load.error_bodies.stack_traces=2"}},
    {"LOAD-05",
     "load",
     "load.recovery.tested=true; load.recovery.recovered=true; load.recovery.s=4.2",
     {"load.recovery.recovered=false"}},
    /* jrt0092 */
    {"J92-04",
     "app",
     APK_STR "app.android.dex.refs_complete=true; app.android.dex.dynamic_code=[DexClassLoader]; "
             "app.android.dex.http_urls=[]; app.android.dex.external_storage=[]",
     {"app.android.dex.refs_complete=false", "app.android.dex.strings_complete=false",
      "app.android.dex.http_urls=[http://u.example/p]",
      "app.android.dex.external_storage=[getExternalStorageDirectory]"}},
    {"J92-10",
     "app",
     APK "app.android.dex.refs_complete=true; app.android.layout.complete=true; "
         "app.android.secure_keyboard=[KeyboardView]; "
         "app.android.layout.visible_password_fields=0",
     {"app.android.dex.refs_complete=false", "app.android.layout.complete=false",
      "app.android.secure_keyboard=[]", "app.android.layout.visible_password_fields=1"}},
    {"J92-32",
     "app",
     APK "app.android.layout.complete=true; app.android.layout.visible_password_fields=0; "
         "app.android.layout.pin_reveal=0; app.android.layout.password_fields=2; "
         "app.android.secure_keyboard=[]",
     {"app.android.layout.complete=false", "app.android.layout.visible_password_fields=1",
      "app.android.layout.pin_reveal=1", "app.android.layout.password_fields=0"}},
    {"J92-53",
     "app",
     APK "app.android.dex.code_complete=true; app.android.dex.random_in_crypto=[]",
     {"app.android.dex.code_complete=false", "app.android.dex.random_in_crypto=[Keys.newKey]"}},
    {"J92-35",
     "app",
     APK "app.android.biometric.apis=[BiometricPrompt]; app.android.dex.refs_complete=true; "
         "app.android.biometric.crypto_object=true; app.android.biometric.key_bound=true",
     {"app.android.dex.refs_complete=false", "app.android.biometric.crypto_object=false",
      "app.android.biometric.key_bound=false"}},
    {"J92-34",
     "http",
     "http.auth.declared=true; http.auth.password_change_declared=true; "
     "http.auth.weak_password.tested=true; http.auth.weak_password.accepted=[]",
     {"http.auth.weak_password.tested=false", "http.auth.weak_password.accepted=[the user name]"}},
    {"J92-66",
     "app",
     APK "app.android.dex.code_complete=true; app.android.dex.world_mode=false; "
         "app.android.dex.world_mode_calls=[]",
     {"app.android.dex.code_complete=false", "app.android.dex.world_mode=true",
      "app.android.dex.world_mode_calls=[Cache.card]"}},
    {"J92-68",
     "app",
     APK "app.android.layout.complete=true; app.android.layout.sensitive_suggestions=[]; "
         "app.android.layout.sensitive_copyable=[]; app.android.dex.copy_guard=false",
     {"app.android.layout.complete=false", "app.android.layout.sensitive_suggestions=[et_card]",
      "app.android.layout.sensitive_copyable=[et_card]"}},
    {"J92-04",
     "pcap",
     "pcap.complete=true; pcap.cleartext_code_downloads=0",
     {"pcap.complete=false", "pcap.cleartext_code_downloads=1"}},
    {"J92-69",
     "app",
     APK "app.android.dex.refs_complete=true; app.android.sdks=[Umeng, WeChat OpenSDK]",
     {"app.android.dex.refs_complete=false"}},
    {"J92-67",
     "http",
     "http.pan.exposed=0; http.pan.masked_too_wide=0; http.pan.masked_ok=2",
     {"http.pan.exposed=1", "http.pan.masked_too_wide=1"}},
    {"J92-01",
     "app",
     APK "app.android.sig.verified=true; app.android.sig.v1=true; app.android.sig.v2=true; "
         "app.android.sig.v3=false; app.android.sig.tampered=false; "
         "app.android.cert.debug=false; app.android.sig.v1_weak_digest=false; "
         "app.android.cert.key_type=\"RSA\"; app.android.cert.key_bits=3072",
     {"app.android.sig.verified=false", "app.android.sig.v2=false", "app.android.sig.tampered=true",
      "app.android.cert.debug=true", "app.android.sig.v1_weak_digest=true",
      "app.android.cert.key_bits=1024"}},
    {"J92-02",
     "app",
     APK "app.android.debuggable=false; app.android.test_only=false",
     {"app.android.debuggable=true", "app.android.test_only=true"}},
    {"J92-03",
     "app",
     APK "app.android.dangerous_permissions=[]",
     {"app.android.dangerous_permissions=[android.permission.READ_SMS]"}},
    {"J92-05",
     "app",
     APK_STR "app.android.dex.test_endpoints=[]",
     {"app.android.dex.test_endpoints=[http://uat.bank.example/api]",
      "app.android.dex.strings_complete=false"}},
    {"J92-11",
     "app",
     APK "app.android.protect.screenshot_protection=false; app.android.dex.window_flags=true",
     {"app.android.dex.window_flags=false"}},
    {"J92-16",
     "app",
     APK "app.android.protect.anti_hook=true",
     {"app.android.protect.anti_hook=false"}},
    {"J92-17",
     "app",
     APK "app.android.protect.touch_filtering=true",
     {"app.android.protect.touch_filtering=false"}},
    {"J92-19",
     "app",
     APK "app.android.dex.refs_complete=true; app.android.dex.ssl_error_proceed=false; "
         "app.android.min_sdk=16; app.android.dex.webview_settings=[setJavaScriptEnabled]",
     {"app.android.dex.ssl_error_proceed=true", "app.android.dex.refs_complete=false",
      "app.android.dex.webview_settings=[addJavascriptInterface]"}},
    {"J92-64",
     "app",
     APK "app.android.dex.refs_complete=true; app.android.dex.debug_log_refs=0",
     {"app.android.dex.debug_log_refs=3", "app.android.dex.refs_complete=false"}},
    {"J92-12",
     "app",
     APK "app.android.protect.anti_debug=true",
     {"app.android.protect.anti_debug=false"}},
    {"J92-13",
     "app",
     APK "app.android.protect.integrity_check=true",
     {"app.android.protect.integrity_check=false"}},
    {"J92-14",
     "app",
     APK "app.android.protect.obfuscated=true; app.android.protect.packer=\"\"",
     {"app.android.protect.obfuscated=false"}},
    {"J92-15",
     "app",
     APK "app.android.protect.root_detection=false; app.android.protect.emulator_detection=true",
     {"app.android.protect.emulator_detection=false"}},
    {"J92-18", "app", APK "app.android.exported_count=0", {"app.android.exported_count=2"}},
    {"J92-30",
     "pan",
     PAN_CLEAN "; pan.scope=\"app-data\"; pan.hardcoded_secrets=0",
     {"pan.exposed=1", "pan.track_data=1", "pan.pin_block=1", "pan.hardcoded_secrets=2",
      "pan.complete=false"}},
    {"J92-31", "pcap", PCAP_CLEAN, {"pcap.cleartext_credentials=1", "pcap.complete=false"}},
    {"J92-50",
     "app",
     APK_STR "app.android.dex.weak_crypto=[]",
     {"app.android.dex.weak_crypto=[DES, MD5]", "app.android.dex.strings_complete=false"}},
    {"J92-51",
     "tls",
     TLS_OK "; tls.proto.tlcp=true; tls.ciphers.tls1_3=[TLS_AES_128_GCM_SHA256]",
     {"tls.proto.tlcp=false", "tls.is_tls=false"}},
    {"J92-52",
     "app",
     APK_STR "app.android.dex.secrets=0",
     {"app.android.dex.secrets=2", "app.android.dex.strings_complete=false"}},
    {"J92-60",
     "app",
     APK "app.android.cleartext_permitted=false",
     {"app.android.cleartext_permitted=true"}},
    {"J92-61",
     "app",
     APK_STR "app.android.dex.trust_all=false",
     {"app.android.dex.trust_all=true", "app.android.dex.strings_complete=false"}},
    {"J92-62",
     "app",
     APK "app.android.protect.pinning=true",
     {"app.android.protect.pinning=false"}},
    {"J92-63",
     "tls",
     TLS_OK "; " CERT_OK,
     {"tls.proto.tls1_0=true", "tls.cipher.weak=[RC4]",
      "tls.proto.tls1_2=false; tls.proto.tls1_3=false", "tls.cert.trusted=false",
      "tls.cert.expired=true", "tls.cert.self_signed=true", "tls.cert.key_bits=1024"}},
    {"J92-65", "app", APK "app.android.allow_backup=false", {"app.android.allow_backup=true"}},
    {"LOAD-01", "load", "load.slo.met=true", {"load.slo.met=false"}},
    {"J92-33", "http", AUTH_OK, {"http.auth.lockout.after=0", "http.auth.lockout.after=20"}},
    {"J92-36",
     "http",
     AUTH_OK,
     {"http.auth.logout_invalidates=false", "http.auth.idle_expired=false"}},
    {"J92-40", "http", AUTH_OK, {"http.auth.replay.rejected=false"}},
    {"J92-41", "http", AUTH_OK, {"http.auth.tamper.rejected=false"}},
    {"J92-42",
     "load",
     "load.throttle.tested=true; load.throttle.held=true",
     {"load.throttle.held=false"}},
    {"LOAD-04",
     "load",
     "load.throttle.tested=true; load.throttle.held=true",
     {"load.throttle.held=false"}},
    /* jrt0171 */
    {"PFI-03",
     "pcap",
     PCAP_CLEAN,
     {"pcap.cleartext_pan_flows=1", "pcap.track_data=1", "pcap.cvv=1",
      "pcap.cleartext_credentials=1", "pcap.complete=false"}},
    {"PFI-01", "pan", PAN_CLEAN "; pan.class_c3=0; pan.class_c2=5", {"pan.complete=false"}},
    {"PFI-07",
     "app",
     APK "app.android.dangerous_permissions=[]",
     {"app.android.dangerous_permissions=[android.permission.CAMERA]"}},
    {"PFI-02",
     "pan",
     PAN_CLEAN "; pan.scope=\"app-data\"; pan.hardcoded_secrets=0",
     {"pan.track_data=1", "pan.cvv=1", "pan.pin_block=1", "pan.hardcoded_secrets=1",
      "pan.complete=false"}},
    {"PFI-04",
     "pan",
     PAN_CLEAN,
     {"pan.track_data=1", "pan.cvv=1", "pan.pin_block=1", "pan.complete=false"}},
    {"PFI-05",
     "http",
     "http.pan.exposed=0; http.pan.masked_too_wide=0; http.pii.id_numbers=0; "
     "http.pii.mobile_numbers=0; http.pii.masked_too_wide=0; http.pii.masked_ok=4",
     {"http.pan.exposed=1", "http.pan.masked_too_wide=1", "http.pii.id_numbers=1",
      "http.pii.mobile_numbers=2", "http.pii.masked_too_wide=1"}},
    {"PFI-05",
     "pan",
     PAN_CLEAN "; pan.masked_too_wide=0; pan.pii.id_numbers=0; pan.pii.mobile_numbers=0; "
               "pan.pii.masked_too_wide=0",
     {"pan.exposed=1", "pan.masked_too_wide=1", "pan.pii.id_numbers=3", "pan.pii.mobile_numbers=1",
      "pan.pii.masked_too_wide=1", "pan.complete=false"}},
    {"PFI-06",
     "pan",
     PAN_CLEAN,
     {"pan.track_data=1", "pan.cvv=1", "pan.pin_block=1", "pan.complete=false"}},
    /* jrt0068 */
    {"OB-01",
     "http",
     "http.hsts.present=true; http.hsts.max_age_s=31536000; http.mixed_content=false; "
     "http.https=true; http.https_redirect=true; http.plain_http.listening=true",
     {"http.hsts.present=false", "http.hsts.max_age_s=86400", "http.mixed_content=true",
      "http.https=false", "http.https_redirect=false"}},
    {"OB-02",
     "http",
     "http.frame_protection=true; http.csp.present=true; http.content_type_nosniff=true",
     {"http.frame_protection=false", "http.csp.present=false", "http.content_type_nosniff=false"}},
    {"OB-03",
     "http",
     "http.cache.sensitive_without_no_store=[]",
     {"http.cache.sensitive_without_no_store=[/pay]"}},
};
#define NROWS (sizeof table / sizeof table[0])

struct kv {
	char *key, *val;
};

/* "a=1; b=[x, y]" -> pairs; later pairs replace earlier ones of the same key. */
static void parse_into(struct kv *kv, size_t *n, const char *text)
{
	char *copy = xstrdup(text), *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		while (isspace((unsigned char)*item))
			item++;
		if (!*item)
			continue;
		char *eq = strchr(item, '=');
		cr_assert(eq, "bad fact '%s'", item);
		*eq = '\0';
		size_t i = 0;
		while (i < *n && strcmp(kv[i].key, item) != 0)
			i++;
		if (i == *n) {
			cr_assert_lt(*n, 64);
			kv[(*n)++].key = xstrdup(item);
		} else {
			free(kv[i].val);
		}
		kv[i].val = xstrdup(eq + 1);
	}
	free(copy);
}

static void add_fact(struct facts *f, const char *key, const char *v)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		facts_add_bool(f, key, v[0] == 't');
	} else if (v[0] == '"') {
		char *s = xstrdup(v + 1);
		s[strlen(s) - 1] = '\0';
		facts_add_string(f, key, s);
		free(s);
	} else if (v[0] == '[') {
		char *body = xstrdup(v + 1), *save = NULL;
		body[strlen(body) - 1] = '\0';
		const char *items[16];
		size_t n = 0;
		for (char *t = strtok_r(body, ",", &save); t && n < 16;
		     t = strtok_r(NULL, ",", &save)) {
			while (isspace((unsigned char)*t))
				t++;
			if (*t)
				items[n++] = t;
		}
		facts_add_list(f, key, items, n);
		free(body);
	} else if (strchr(v, '.')) {
		facts_add_double(f, key, strtod(v, NULL));
	} else {
		facts_add_int(f, key, strtoll(v, NULL, 10));
	}
}

static void load_shipped(struct rulebook *b)
{
	memset(b, 0, sizeof(*b));
	const char *files[] = {"rules/updss.xml", "rules/jrt0092.xml", "rules/jrt0171.xml",
	                       "rules/jrt0068.xml"};
	for (size_t i = 0; i < 4; i++) {
		struct ruleset rs;
		cr_assert_eq(ruleset_load(&rs, files[i], XSD), 0, "%s", err_msg());
		cr_assert_eq(rulebook_add(b, &rs), 0, "%s", err_msg());
	}
}

/* The verdict of rule on target "t" whose one probe run has these facts. */
static enum verdict judge(const struct rulebook *b, const struct row *row, const char *mutation,
                          char **reason)
{
	struct kv kv[64];
	size_t n = 0;
	parse_into(kv, &n, row->pass);
	if (mutation)
		parse_into(kv, &n, mutation);
	struct results r;
	results_init(&r);
	r.targets = xcalloc(1, sizeof(char *));
	r.targets[r.ntargets++] = xstrdup("t");
	r.profiles = PROFILE_GM;
	struct probe_run *run = results_add_run(&r);
	run->target = xstrdup("t");
	run->probe = xstrdup(row->probe);
	run->status = xstrdup("ok");
	for (size_t i = 0; i < n; i++) {
		add_fact(&run->facts, kv[i].key, kv[i].val);
		free(kv[i].key);
		free(kv[i].val);
	}
	const struct ruleset *set = NULL;
	cr_assert(rulebook_find_rule(b, row->rule, &set), "no rule %s", row->rule);
	char *ids[] = {set->id};
	int levels[] = {LEVEL_ENHANCED};
	cr_assert_eq(engine_evaluate(b, ids, levels, 1, &r), 0, "%s", err_msg());
	enum verdict v = VERDICT_ERROR;
	bool found = false;
	for (size_t i = 0; i < r.nrows; i++)
		if (strcmp(r.rows[i].rule, row->rule) == 0 && strcmp(r.rows[i].target, "t") == 0) {
			v = r.rows[i].verdict;
			*reason = xstrdup(r.rows[i].reason ? r.rows[i].reason : "");
			found = true;
		}
	cr_assert(found, "%s: no row on the target", row->rule);
	results_free(&r);
	return v;
}

Test(rule_table, every_row_passes_and_each_change_fails)
{
	struct rulebook b;
	load_shipped(&b);
	for (size_t i = 0; i < NROWS; i++) {
		char *why = NULL;
		enum verdict v = judge(&b, &table[i], NULL, &why);
		cr_expect_eq(v, VERDICT_PASS, "%s: the passing facts give %s (%s)", table[i].rule,
		             verdict_name(v), why);
		free(why);
		for (size_t k = 0; k < 12 && table[i].fails[k]; k++) {
			v = judge(&b, &table[i], table[i].fails[k], &why);
			cr_expect_eq(v, VERDICT_FAIL, "%s with %s gives %s (%s)", table[i].rule,
			             table[i].fails[k], verdict_name(v), why);
			free(why);
		}
	}
	rulebook_free(&b);
}

/* A new automated rule must come with its row here. */
Test(rule_table, every_automated_shipped_rule_has_a_row)
{
	struct rulebook b;
	load_shipped(&b);
	for (size_t s = 0; s < b.nsets; s++)
		for (size_t k = 0; k < b.sets[s].nrules; k++) {
			const struct rule *r = &b.sets[s].rules[k];
			if (r->manual)
				continue;
			bool has = false;
			for (size_t i = 0; i < NROWS && !has; i++)
				has = strcmp(table[i].rule, r->id) == 0 && table[i].fails[0];
			cr_expect(has, "%s (%s) has no pass/fail row in tests/test_rule_table.c",
			          r->id, b.sets[s].file);
		}
	rulebook_free(&b);
}
