/* The per-probe detail of the HTML and PDF reports; see detail.h. */
#include "reports/detail.h"
#include "lib/hist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A round number (1, 2 or 5 times a power of ten) at or above v / 4: a tick step. */
static double nice_step(double v)
{
	double raw = v / 4, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

int detail_curve(struct curve *c, const struct facts *f)
{
	memset(c, 0, sizeof(*c));
	const struct fact_value *v = facts_get(f, "load.histogram");
	if (!v || v->type != FACT_STRING)
		return -1;
	struct hist h;
	if (hist_decode(&h, v->s) < 0)
		return -1;
	if (h.total == 0) {
		hist_free(&h);
		return -1;
	}
	c->total = h.total;
	double last = log10((double)h.total);
	if (last < 1)
		last = 1;
	/* four points a decade, to where one sample is the whole tail */
	for (int k = 0; c->n < CURVE_MAX - 1; k++) {
		double x = k / 4.0;
		if (x >= last)
			break;
		double p = 100.0 * (1.0 - pow(10, -x));
		c->x[c->n] = x;
		c->ms[c->n++] = (double)hist_percentile(&h, p) / 1000.0;
	}
	c->x[c->n] = last;
	c->ms[c->n++] = (double)h.max / 1000.0;
	c->xmax = last;
	double top = c->ms[c->n - 1] > 0 ? c->ms[c->n - 1] : 1;
	c->ystep = nice_step(top);
	c->ymax = ceil(top / c->ystep) * c->ystep;
	hist_free(&h);
	return 0;
}

void detail_pct_label(char *out, size_t len, double x)
{
	if (x < 0.5) {
		snprintf(out, len, "0%%");
		return;
	}
	int nines = (int)lround(x);
	/* 90, 99, 99.9, 99.99 ... */
	snprintf(out, len, "%.*f%%", nines > 2 ? nines - 2 : 0, 100.0 * (1.0 - pow(10, -nines)));
}

static const struct summary_row android_rows[] = {
    {"Package", "包名", "app.android.package"},
    {"Version", "版本", "app.android.version_name"},
    {"Version code", "版本号", "app.android.version_code"},
    {"Min SDK", "最低 SDK", "app.android.min_sdk"},
    {"Target SDK", "目标 SDK", "app.android.target_sdk"},
    {"Debuggable", "可调试", "app.android.debuggable"},
    {"Test only", "测试版本", "app.android.test_only"},
    {"Backup allowed", "允许备份", "app.android.allow_backup"},
    {"Cleartext HTTP permitted", "允许明文HTTP", "app.android.cleartext_permitted"},
    {"Exported without permission", "无权限保护的导出组件", "app.android.exported"},
    {"Dangerous permissions", "危险权限", "app.android.dangerous_permissions"},
    {"Signed", "已签名", "app.android.sig.signed"},
    {"Signature v1", "v1 签名", "app.android.sig.v1"},
    {"Signature v2", "v2 签名", "app.android.sig.v2"},
    {"Signature v3", "v3 签名", "app.android.sig.v3"},
    {"Signatures verify", "签名验证通过", "app.android.sig.verified"},
    {"Changed after signing", "签名后被篡改", "app.android.sig.tampered"},
    {"Signer", "签名者", "app.android.cert.subject"},
    {"Signer key", "签名密钥", "app.android.cert.key_type"},
    {"Signer key bits", "签名密钥位数", "app.android.cert.key_bits"},
    {"Android debug certificate", "Android 调试证书", "app.android.cert.debug"},
    {"Certificate SHA-256", "证书 SHA-256", "app.android.cert.sha256"},
    {NULL, NULL, NULL},
};

static const struct summary_row ios_rows[] = {
    {"Bundle id", "Bundle ID", "app.ios.bundle_id"},
    {"Version", "版本", "app.ios.version"},
    {"Minimum iOS", "最低 iOS", "app.ios.min_os"},
    {"PIE", "PIE", "app.ios.pie"},
    {"Stack canary", "栈保护", "app.ios.canary"},
    {"ARC", "ARC", "app.ios.arc"},
    {"Encrypted (App Store)", "已加密（App Store）", "app.ios.encrypted"},
    {"Code signature", "代码签名", "app.ios.code_signature"},
    {"get-task-allow (development build)", "get-task-allow（开发版本）", "app.ios.get_task_allow"},
    {"ATS arbitrary loads", "ATS 允许任意加载", "app.ios.ats.arbitrary_loads"},
    {"ATS insecure domains", "ATS 不安全域名", "app.ios.ats.insecure_domains"},
    {NULL, NULL, NULL},
};

static const struct summary_row elf_rows[] = {
    {"ELF files", "ELF 文件数", "app.elf.count.files"},
    {"No RELRO", "无 RELRO", "app.elf.count.relro_none"},
    {"Partial RELRO", "部分 RELRO", "app.elf.count.relro_partial"},
    {"No stack canary", "无栈保护", "app.elf.count.no_canary"},
    {"Executable stack", "可执行栈", "app.elf.count.execstack"},
    {"Not PIE", "非 PIE", "app.elf.count.no_pie"},
    {"RPATH / RUNPATH", "RPATH / RUNPATH", "app.elf.count.rpath"},
    {"Unfortified", "未启用 FORTIFY", "app.elf.count.no_fortify"},
    {"Debug information", "含调试信息", "app.elf.count.debug"},
    {NULL, NULL, NULL},
};

size_t detail_app_summary(const struct facts *f, const struct summary_row **rows, size_t max)
{
	const struct fact_value *k = facts_get(f, "app.kind");
	if (!k || k->type != FACT_STRING)
		return 0;
	const struct summary_row *table = strcmp(k->s, "apk") == 0 ? android_rows
	                                  : strcmp(k->s, "ipa") == 0 || strcmp(k->s, "macho") == 0
	                                      ? ios_rows
	                                      : elf_rows;
	size_t n = 0;
	for (size_t i = 0; table[i].key && n < max; i++)
		if (facts_get(f, table[i].key))
			rows[n++] = &table[i];
	/* an APK's native libraries: their hardening counts too */
	for (size_t i = 0; table == android_rows && elf_rows[i].key && n < max; i++)
		if (facts_get(f, elf_rows[i].key))
			rows[n++] = &elf_rows[i];
	return n;
}

size_t detail_protocols(const struct facts *f, struct proto_row *rows, size_t max)
{
	static const char pre[] = "tls.proto.";
	size_t n = 0;
	for (size_t i = 0; i < f->nfacts && n < max; i++) {
		const struct fact *x = &f->facts[i];
		if (strncmp(x->key, pre, sizeof(pre) - 1) || x->v.type != FACT_BOOL)
			continue;
		struct proto_row *r = &rows[n++];
		r->name = x->key + sizeof(pre) - 1;
		r->offered = x->v.b;
		char key[96];
		snprintf(key, sizeof(key), "tls.ciphers.%s", r->name);
		const struct fact_value *s = facts_get(f, key);
		r->suites = s && s->type == FACT_LIST ? s : NULL;
	}
	return n;
}
