/*
 * iOS: an IPA (a zip holding Payload/<Name>.app/) or a bare Mach-O, thin
 * or fat. Mach-O checks (<mach-o/loader.h>, <mach-o/fat.h>; MobSF's
 * binary analysis for what each one means):
 *   PIE        MH_PIE (0x200000) in the header flags of an MH_EXECUTE;
 *   canary     ___stack_chk_guard / ___stack_chk_fail in the symbol table;
 *   ARC        _objc_release (or _swift_release) imported;
 *   encrypted  LC_ENCRYPTION_INFO(_64) with cryptid != 0 (App Store
 *              FairPlay; 0 is a decrypted or development build);
 *   restrict   a __RESTRICT segment (or __restrict section): dyld then
 *              ignores DYLD_* environment variables;
 *   get-task-allow in the code signature's entitlements (development build);
 *   also LC_CODE_SIGNATURE, LC_RPATH, banned C functions, CommonCrypto
 *   MD5/SHA-1, rand/random, and _ptrace (anti-debugging).
 * A fat binary is judged slice by slice: a property holds when it holds
 * for every slice. Slices that overlap or leave the file are errors.
 * Info.plist (XML or binary): bundle keys and App Transport Security.
 */
#include "probes/app/app_int.h"
#include "probes/app/plist.h"
#include "probes/app/zip.h"
#include "lib/err.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define MH_MAGIC     0xfeedfaceu
#define MH_MAGIC_64  0xfeedfacfu
#define FAT_MAGIC    0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu
#define MH_EXECUTE   2
#define MH_PIE       0x200000u

#define LC_SEGMENT            0x1
#define LC_SYMTAB             0x2
#define LC_SEGMENT_64         0x19
#define LC_CODE_SIGNATURE     0x1d
#define LC_ENCRYPTION_INFO    0x21
#define LC_ENCRYPTION_INFO_64 0x2c
#define LC_RPATH              0x8000001cu

#define MAX_SLICES  16
#define MAX_SYMBOLS (1u << 22)
/* The symbol names compared below are short; a name without its NUL in
 * this many bytes matches none, and is not searched to its end (symbols
 * that share one long name would make that quadratic). */
#define NAME_CMP_MAX 32

static const char *const banned[] = {"_gets",     "_strcpy", "_strcat", "_sprintf",
                                     "_vsprintf", "_scanf",  "_alloca"};
static const char *const weakcc[] = {"_CC_MD5", "_CC_SHA1", "_rand", "_srand", "_random"};

struct mcheck {
	unsigned slices;
	bool entitlements, get_task_allow;
	bool pie, canary, arc, encinfo, encrypted, restrict_, codesig, rpath, ptrace;
	bool any_exec;
	char archs[128];
	char banned[256], weak[128];
	char ent_err[256]; /* the entitlements plist could not be read */
};

static void add_word(char *list, size_t cap, const char *w)
{
	if (strstr(list, w))
		return;
	size_t l = strlen(list);
	snprintf(list + l, cap - l, "%s%s", l ? "," : "", w);
}

static const char *cpu_name(uint32_t t)
{
	switch (t) {
	case 7:
		return "i386";
	case 0x01000007:
		return "x86_64";
	case 12:
		return "arm";
	case 0x0100000c:
		return "arm64";
	case 0x0200000c:
		return "arm64_32";
	default:
		return "other";
	}
}

bool app_macho_is(struct span s)
{
	uint32_t m;
	if (!rd_u32(s, 0, false, &m))
		return false;
	if (m == MH_MAGIC || m == MH_MAGIC_64 || __builtin_bswap32(m) == MH_MAGIC ||
	    __builtin_bswap32(m) == MH_MAGIC_64)
		return true;
	uint32_t be, n;
	/* 0xcafebabe is also a Java class file: a fat header has few slices */
	return rd_u32(s, 0, true, &be) && (be == FAT_MAGIC || be == FAT_MAGIC_64) &&
	       rd_u32(s, 4, true, &n) && n > 0 && n <= MAX_SLICES;
}

/*
 * The code signature's entitlements (Apple's cs_blobs.h: an embedded
 * SuperBlob 0xfade0cc0 of big-endian (type, offset) slots; slot 5 holds
 * an 0xfade7171 blob with the XML plist). get-task-allow = true is a
 * development-signed build a debugger may attach to.
 */
static void code_signature(struct mcheck *m, struct span s, uint32_t off, uint32_t size)
{
	struct span cs;
	uint32_t magic, count;
	if (!span_sub(s, off, size, &cs) || !rd_u32(cs, 0, true, &magic) || magic != 0xfade0cc0u ||
	    !rd_u32(cs, 8, true, &count))
		return;
	for (uint32_t i = 0; i < count && i < 64; i++) {
		uint32_t type, boff, bmagic, blen;
		if (!rd_u32(cs, 12 + 8ull * i, true, &type) ||
		    !rd_u32(cs, 16 + 8ull * i, true, &boff))
			return;
		if (type != 5 || !rd_u32(cs, boff, true, &bmagic) || bmagic != 0xfade7171u ||
		    !rd_u32(cs, (uint64_t)boff + 4, true, &blen) || blen < 8 ||
		    !span_has(cs.n, boff, blen))
			continue;
		struct pv *v = NULL;
		m->entitlements = true;
		if (plist_parse(&v, (struct span){cs.p + boff + 8, blen - 8}) == 0)
			m->get_task_allow |= pv_bool(pv_get(v, "get-task-allow")) == 1;
		else if (!m->ent_err[0])
			snprintf(m->ent_err, sizeof(m->ent_err),
			         "entitlements plist at offset %llu: %s",
			         (unsigned long long)off + boff + 8, err_msg());
		pv_free(v);
		return; /* one entitlements blob; more entries would only repeat it */
	}
}

/* One thin image; per-slice results folded into m (AND for protections). */
static int thin(struct mcheck *m, struct span s, bool first)
{
	uint32_t magic;
	if (!rd_u32(s, 0, false, &magic))
		return err_set("offset 0: truncated Mach-O header");
	bool be = magic == __builtin_bswap32(MH_MAGIC) || magic == __builtin_bswap32(MH_MAGIC_64);
	if (be)
		magic = __builtin_bswap32(magic);
	if (magic != MH_MAGIC && magic != MH_MAGIC_64)
		return err_set("offset 0: not a Mach-O image (magic 0x%08x)", magic);
	bool is64 = magic == MH_MAGIC_64;
	uint32_t cpu, ftype, ncmds, sizeofcmds, flags;
	if (!rd_u32(s, 4, be, &cpu) || !rd_u32(s, 12, be, &ftype) || !rd_u32(s, 16, be, &ncmds) ||
	    !rd_u32(s, 20, be, &sizeofcmds) || !rd_u32(s, 24, be, &flags))
		return err_set("offset 0: truncated Mach-O header");
	uint64_t hdr = is64 ? 32 : 28;
	if (!span_has(s.n, hdr, sizeofcmds))
		return err_set("offset 20: load commands (%u bytes) run past the file", sizeofcmds);
	add_word(m->archs, sizeof(m->archs), cpu_name(cpu));
	bool pie = (flags & MH_PIE) != 0, canary = false, arc = false, encinfo = false,
	     encrypted = false, restrict_ = false, codesig = false;
	uint64_t off = hdr, end = hdr + sizeofcmds;
	uint32_t symoff = 0, nsyms = 0, stroff = 0, strsize = 0;
	for (uint32_t i = 0; i < ncmds && off + 8 <= end; i++) {
		uint32_t cmd = 0, size = 0;
		rd_u32(s, off, be, &cmd);
		rd_u32(s, off + 4, be, &size);
		if (size < 8 || size > end - off)
			return err_set(
			    "offset %llu: load command %u (0x%x) of %u bytes runs past the "
			    "commands",
			    (unsigned long long)off, i, cmd, size);
		if (cmd == LC_SEGMENT || cmd == LC_SEGMENT_64) {
			if (span_has(s.n, off + 8, 16) &&
			    strncmp((const char *)s.p + off + 8, "__RESTRICT", 16) == 0)
				restrict_ = true;
			uint32_t nsect = 0;
			uint64_t sh = cmd == LC_SEGMENT_64 ? 72 : 56,
			         ssz = cmd == LC_SEGMENT_64 ? 80 : 68;
			rd_u32(s, off + (cmd == LC_SEGMENT_64 ? 64 : 48), be, &nsect);
			for (uint32_t k = 0; k < nsect && sh + (k + 1) * ssz <= size; k++)
				if (strncmp((const char *)s.p + off + sh + k * ssz, "__restrict",
				            16) == 0)
					restrict_ = true;
		} else if (cmd == LC_SYMTAB && size >= 24) {
			rd_u32(s, off + 8, be, &symoff);
			rd_u32(s, off + 12, be, &nsyms);
			rd_u32(s, off + 16, be, &stroff);
			rd_u32(s, off + 20, be, &strsize);
		} else if ((cmd == LC_ENCRYPTION_INFO || cmd == LC_ENCRYPTION_INFO_64) &&
		           size >= 20) {
			uint32_t id = 0;
			rd_u32(s, off + 16, be, &id);
			encinfo = true;
			encrypted |= id != 0;
		} else if (cmd == LC_CODE_SIGNATURE) {
			/* an image has one signature: the first command is read */
			uint32_t dataoff = 0, datasize = 0;
			if (!codesig && size >= 16 && rd_u32(s, off + 8, be, &dataoff) &&
			    rd_u32(s, off + 12, be, &datasize))
				code_signature(m, s, dataoff, datasize);
			codesig = true;
		} else if (cmd == LC_RPATH) {
			m->rpath = true;
		}
		off += size;
	}
	/* symbols: imported and defined names */
	uint64_t esz = is64 ? 16 : 12;
	if (nsyms && span_has(s.n, symoff, (uint64_t)nsyms * esz) &&
	    span_has(s.n, stroff, strsize)) {
		for (uint32_t i = 0; i < nsyms && i < MAX_SYMBOLS; i++) {
			uint32_t strx = UINT32_MAX;
			rd_u32(s, symoff + (uint64_t)i * esz, be, &strx);
			if (strx >= strsize)
				continue;
			const char *n = (const char *)s.p + stroff + strx;
			uint32_t room =
			    strsize - strx < NAME_CMP_MAX ? strsize - strx : NAME_CMP_MAX;
			if (!memchr(n, 0, room))
				continue;
			if (strcmp(n, "___stack_chk_guard") == 0 ||
			    strcmp(n, "___stack_chk_fail") == 0)
				canary = true;
			else if (strcmp(n, "_objc_release") == 0 ||
			         strcmp(n, "_swift_release") == 0)
				arc = true;
			else if (strcmp(n, "_ptrace") == 0)
				m->ptrace = true;
			for (size_t k = 0; k < sizeof(banned) / sizeof(banned[0]); k++)
				if (strcmp(n, banned[k]) == 0)
					add_word(m->banned, sizeof(m->banned), n + 1);
			for (size_t k = 0; k < sizeof(weakcc) / sizeof(weakcc[0]); k++)
				if (strcmp(n, weakcc[k]) == 0)
					add_word(m->weak, sizeof(m->weak), n + 1);
		}
	}
	m->slices++;
	m->any_exec |= ftype == MH_EXECUTE;
	if (first) {
		m->pie = pie, m->canary = canary, m->arc = arc, m->encinfo = encinfo;
		m->encrypted = encrypted, m->restrict_ = restrict_, m->codesig = codesig;
	} else {
		m->pie &= pie, m->canary &= canary, m->arc &= arc, m->encinfo &= encinfo;
		m->encrypted &= encrypted, m->restrict_ &= restrict_, m->codesig &= codesig;
	}
	return 0;
}

static int macho_check(struct mcheck *m, struct span s)
{
	memset(m, 0, sizeof(*m));
	uint32_t magic, n = 0;
	if (!rd_u32(s, 0, true, &magic))
		return err_set("offset 0: truncated");
	if (magic != FAT_MAGIC && magic != FAT_MAGIC_64)
		return thin(m, s, true);
	if (!rd_u32(s, 4, true, &n) || n == 0 || n > MAX_SLICES)
		return err_set("offset 4: fat header with %u slices", n);
	bool f64 = magic == FAT_MAGIC_64;
	uint64_t ent = f64 ? 32 : 20;
	uint64_t offs[MAX_SLICES], sizes[MAX_SLICES];
	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = 8 + i * ent, o, z;
		if (f64) {
			if (!rd_u64(s, b + 8, true, &o) || !rd_u64(s, b + 16, true, &z))
				return err_set("offset %llu: truncated fat header",
				               (unsigned long long)b);
		} else {
			uint32_t o32, z32;
			if (!rd_u32(s, b + 8, true, &o32) || !rd_u32(s, b + 12, true, &z32))
				return err_set("offset %llu: truncated fat header",
				               (unsigned long long)b);
			o = o32, z = z32;
		}
		if (!span_has(s.n, o, z) || o < 8 + n * ent)
			return err_set(
			    "offset %llu: fat slice %u (%llu bytes at %llu) is outside the file",
			    (unsigned long long)b, i, (unsigned long long)z, (unsigned long long)o);
		for (uint32_t k = 0; k < i; k++)
			if (o < offs[k] + sizes[k] && offs[k] < o + z)
				return err_set("offset %llu: fat slices %u and %u overlap",
				               (unsigned long long)b, k, i);
		offs[i] = o, sizes[i] = z;
	}
	for (uint32_t i = 0; i < n; i++)
		if (thin(m, (struct span){s.p + offs[i], sizes[i]}, i == 0) < 0)
			return err_prefix("slice %u at offset %llu", i,
			                  (unsigned long long)offs[i]);
	return 0;
}

static void list_fact(struct facts *o, const char *key, const char *csv)
{
	facts_add_list(o, key, NULL, 0);
	char *d = xstrdup(csv);
	for (char *save = NULL, *t = strtok_r(d, ",", &save); t; t = strtok_r(NULL, ",", &save))
		facts_list_append(o, key, t);
	free(d);
}

static int macho_facts(struct app_ctx *x, struct span s, const char *where)
{
	struct mcheck m;
	struct facts *o = x->out;
	if (macho_check(&m, s) < 0) {
		facts_error(o, "%s: %s", where, err_msg());
		app_finding(x, "parse-error", "medium", where, -1, "%s", err_msg());
		return -1;
	}
	facts_add_int(o, "app.ios.slices", m.slices);
	list_fact(o, "app.ios.archs", m.archs);
	facts_add_bool(o, "app.ios.pie", m.pie);
	facts_add_bool(o, "app.ios.canary", m.canary);
	facts_add_bool(o, "app.ios.arc", m.arc);
	facts_add_bool(o, "app.ios.encryption_info", m.encinfo);
	facts_add_bool(o, "app.ios.encrypted", m.encrypted);
	facts_add_bool(o, "app.ios.restrict", m.restrict_);
	facts_add_bool(o, "app.ios.code_signature", m.codesig);
	facts_add_bool(o, "app.ios.rpath", m.rpath);
	facts_add_bool(o, "app.ios.anti_debug", m.ptrace);
	facts_add_bool(o, "app.ios.entitlements", m.entitlements);
	/* unreadable entitlements leave get-task-allow unknown, not false */
	if (m.ent_err[0] && !m.get_task_allow) {
		facts_error(o, "%s: %s", where, m.ent_err);
		app_finding(x, "parse-error", "medium", where, -1, "%s", m.ent_err);
	} else {
		facts_add_bool(o, "app.ios.get_task_allow", m.get_task_allow);
	}
	if (m.get_task_allow)
		app_finding(
		    x, "ios-get-task-allow", "high", where, -1,
		    "entitlement get-task-allow: a development build any debugger may attach to");
	list_fact(o, "app.ios.banned_apis", m.banned);
	list_fact(o, "app.ios.weak_crypto_apis", m.weak);
	if (m.any_exec && !m.pie)
		app_finding(x, "ios-no-pie", "high", where, -1,
		            "executable without MH_PIE (no ASLR)");
	if (!m.canary)
		app_finding(x, "ios-no-canary", "medium", where, -1,
		            "no stack canary (___stack_chk_guard)");
	if (!m.arc)
		app_finding(x, "ios-no-arc", "low", where, -1,
		            "ARC not used (_objc_release not imported)");
	if (m.banned[0])
		app_finding(x, "ios-banned-api", "low", where, -1, "unsafe C functions: %s",
		            m.banned);
	if (m.weak[0])
		app_finding(x, "ios-weak-crypto", "medium", where, -1, "weak hash or random: %s",
		            m.weak);
	return 0;
}

int app_macho_file(struct app_ctx *x, const char *path, struct span s)
{
	return macho_facts(x, s, path);
}

/* App Transport Security (Apple: "NSAppTransportSecurity" Information Property List key). */
static void ats_facts(struct app_ctx *x, const struct pv *root, const char *where)
{
	struct facts *o = x->out;
	const struct pv *ats = pv_get(root, "NSAppTransportSecurity");
	facts_add_bool(o, "app.ios.ats.present", ats != NULL);
	bool arb = pv_bool(pv_get(ats, "NSAllowsArbitraryLoads")) == 1;
	facts_add_bool(o, "app.ios.ats.arbitrary_loads", arb);
	facts_add_bool(o, "app.ios.ats.arbitrary_loads_web",
	               pv_bool(pv_get(ats, "NSAllowsArbitraryLoadsInWebContent")) == 1);
	facts_add_bool(o, "app.ios.ats.arbitrary_loads_media",
	               pv_bool(pv_get(ats, "NSAllowsArbitraryLoadsForMedia")) == 1);
	facts_add_bool(o, "app.ios.ats.local_networking",
	               pv_bool(pv_get(ats, "NSAllowsLocalNetworking")) == 1);
	if (arb)
		app_finding(x, "ios-ats-arbitrary-loads", "high", where, -1,
		            "NSAllowsArbitraryLoads: App Transport Security is off");
	facts_add_list(o, "app.ios.ats.insecure_domains", NULL, 0);
	facts_add_list(o, "app.ios.ats.weak_tls_domains", NULL, 0);
	const struct pv *dom = pv_get(ats, "NSExceptionDomains");
	for (size_t i = 0; dom && dom->type == PV_DICT && i < dom->n; i++) {
		const struct pv *d = dom->items[i];
		const char *name = dom->keys[i] ? dom->keys[i] : "?";
		if (pv_bool(pv_get(d, "NSExceptionAllowsInsecureHTTPLoads")) == 1 ||
		    pv_bool(pv_get(d, "NSTemporaryExceptionAllowsInsecureHTTPLoads")) == 1 ||
		    pv_bool(pv_get(d, "NSThirdPartyExceptionAllowsInsecureHTTPLoads")) == 1) {
			facts_list_append(o, "app.ios.ats.insecure_domains", name);
			app_finding(x, "ios-ats-insecure-domain", "medium", where, -1,
			            "cleartext HTTP allowed for %s", name);
		}
		const struct pv *v = pv_get(d, "NSExceptionMinimumTLSVersion");
		if (!v)
			v = pv_get(d, "NSTemporaryExceptionMinimumTLSVersion");
		if (v && v->type == PV_STRING && v->s &&
		    (strcmp(v->s, "TLSv1.0") == 0 || strcmp(v->s, "TLSv1.1") == 0)) {
			facts_list_append(o, "app.ios.ats.weak_tls_domains", name);
			app_finding(x, "ios-ats-weak-tls", "medium", where, -1, "%s allows %s",
			            name, v->s);
		}
	}
}

static const char *pv_str(const struct pv *root, const char *key)
{
	const struct pv *v = pv_get(root, key);
	return v && v->type == PV_STRING && v->s ? v->s : "";
}

int app_ipa(struct app_ctx *x, const char *path, struct span s)
{
	struct zip z;
	if (zip_open(&z, s) < 0) {
		facts_error(x->out, "%s: %s", path, err_msg());
		zip_close(&z);
		return -1;
	}
	if (z.problem[0])
		app_finding(x, "zip-structure", "medium", path, -1, "%s", z.problem);
	/* Payload/<Name>.app/Info.plist */
	const struct zip_entry *info = NULL;
	for (size_t i = 0; i < z.n && !info; i++) {
		const char *n = z.e[i].name;
		if (strncmp(n, "Payload/", 8) != 0)
			continue;
		const char *app = strstr(n + 8, ".app/");
		if (app && strcmp(app, ".app/Info.plist") == 0 &&
		    !memchr(n + 8, '/', (size_t)(app - n - 8)))
			info = &z.e[i];
	}
	if (!info) {
		facts_error(x->out, "%s: no Payload/<Name>.app/Info.plist: not an IPA", path);
		zip_close(&z);
		return -1;
	}
	size_t dirlen = strlen(info->name) - strlen("Info.plist");
	char *where = xasprintf("%s!%s", path, info->name);
	uint8_t *buf = NULL;
	size_t len = 0;
	struct pv *root = NULL;
	int rc = 0;
	if (zip_read(&z, info, &buf, &len, 16u << 20) < 0 ||
	    plist_parse(&root, (struct span){buf, len}) < 0 || !root || root->type != PV_DICT) {
		facts_error(x->out, "%s: %s", where, root ? "not a dictionary" : err_msg());
		rc = -1;
	}
	free(buf);
	free(where);
	char *exe = NULL;
	if (root && root->type == PV_DICT) {
		facts_add_string(x->out, "app.ios.bundle_id", pv_str(root, "CFBundleIdentifier"));
		facts_add_string(x->out, "app.ios.version",
		                 pv_str(root, "CFBundleShortVersionString"));
		facts_add_string(x->out, "app.ios.min_os", pv_str(root, "MinimumOSVersion"));
		char *w = xasprintf("%s!%s", path, info->name);
		ats_facts(x, root, w);
		free(w);
		const char *e = pv_str(root, "CFBundleExecutable");
		if (*e && !strchr(e, '/'))
			exe = xasprintf("%.*s%s", (int)dirlen, info->name, e);
	}
	if (!exe) { /* Payload/Name.app/Name */
		const char *nm = info->name + 8;
		const char *dot = strstr(nm, ".app/");
		exe = xasprintf("%.*s%.*s", (int)dirlen, info->name, (int)(dot - nm), nm);
	}
	facts_add_string(x->out, "app.ios.executable", exe + dirlen);
	const struct zip_entry *bin = zip_find(&z, exe);
	where = xasprintf("%s!%s", path, exe);
	if (!bin || zip_read(&z, bin, &buf, &len, APP_MAX_MEMBER) < 0) {
		facts_error(x->out, "%s: %s", where, bin ? err_msg() : "executable missing");
		rc = -1;
	} else {
		if (macho_facts(x, (struct span){buf, len}, where) < 0)
			rc = -1;
		free(buf);
	}
	free(where);
	free(exe);
	pv_free(root);
	zip_close(&z);
	return rc;
}
