/*
 * Loading rule sets: parse with libxml2 (no network, no entity
 * expansion), validate against rules/ruleset.xsd, then check what the
 * schema cannot say. Every error names file:line.
 */
#include "rules/ruleset.h"
#include "lib/err.h"
#include "lib/util.h"
#include "probes/probe.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#define RULESET_MAX_BYTES (16u << 20)

/* Collects the first libxml2 error of a parse or validation, with its line. */
struct xml_errors {
	char msg[512];
	int line;
	int count;
};

static void xml_error_cb(void *ctx, xmlErrorPtr e)
{
	struct xml_errors *xe = ctx;
	if (!e || e->level < XML_ERR_ERROR)
		return;
	if (xe->count++ == 0) {
		snprintf(xe->msg, sizeof(xe->msg), "%s", e->message ? e->message : "invalid XML");
		str_trim(xe->msg);
		xe->line = e->line;
	}
}

static bool dir_has(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	bool ok = access(p, R_OK) == 0;
	free(p);
	return ok;
}

const char *rules_default_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("ASSAY_RULES_DIR");
	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			/* A build tree (build/assay -> rules/), then an install
			 * tree wherever it was moved (bin/assay -> share/assay/rules). */
			static const char *const rel[] = {"../rules", "../share/assay/rules"};
			for (size_t i = 0; i < 2; i++) {
				char *cand = xasprintf("%s/%s", exe, rel[i]);
				bool ok =
				    dir_has(cand, "ruleset.xsd") && strlen(cand) < sizeof(dir);
				if (ok)
					snprintf(dir, sizeof(dir), "%s", cand);
				free(cand);
				if (ok)
					return dir;
			}
		}
	}
	snprintf(dir, sizeof(dir), "%s/rules", ASSAY_DATADIR);
	return dir;
}

static char *node_text(xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s = xstrdup(c ? (const char *)c : "");
	xmlFree(c);
	return str_trim(s);
}

static char *attr(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static bool is_elem(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Put a localized element's text into *en or *zh by its lang attribute. */
static void localized(xmlNode *n, char **en, char **zh)
{
	char *lang = attr(n, "lang");
	char **slot = lang && strcmp(lang, "zh") == 0 ? zh : en;
	free(lang);
	free(*slot);
	*slot = node_text(n);
}

static void rule_free(struct rule *r)
{
	free(r->id);
	free(r->title_en);
	free(r->title_zh);
	free(r->clause);
	free(r->confidence);
	for (size_t i = 0; i < r->nxrefs; i++)
		free(r->xrefs[i]);
	free(r->xrefs);
	for (size_t i = 0; i < r->nprobes; i++)
		free(r->probes[i]);
	free(r->probes);
	free(r->check_src);
	expr_free(r->check);
	free(r->applies_src);
	expr_free(r->applies);
	free(r->evidence_en);
	free(r->evidence_zh);
	free(r->remediation_en);
	free(r->remediation_zh);
	free(r->note_en);
	free(r->note_zh);
}

void ruleset_free(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	free(rs->id);
	free(rs->file);
	free(rs->version);
	free(rs->title_en);
	free(rs->title_zh);
	memset(rs, 0, sizeof(*rs));
}

static int validate(xmlDoc *doc, const char *path, const char *xsd_path)
{
	struct xml_errors xe = {0};
	xmlSetStructuredErrorFunc(&xe, xml_error_cb);
	xmlSchemaParserCtxt *pc = xmlSchemaNewParserCtxt(xsd_path);
	xmlSchema *schema = pc ? xmlSchemaParse(pc) : NULL;
	int rc = 0;
	if (!schema) {
		rc = err_set("%s: cannot load the rule set schema: %s", xsd_path,
		             xe.count ? xe.msg : "not found");
	} else {
		xe.count = 0;
		xmlSchemaValidCtxt *vc = xmlSchemaNewValidCtxt(schema);
		xmlSchemaSetValidStructuredErrors(vc, xml_error_cb, &xe);
		int v = xmlSchemaValidateDoc(vc, doc);
		if (v != 0)
			rc = err_set("%s:%d: %s", path, xe.line,
			             xe.count ? xe.msg : "does not match ruleset.xsd");
		xmlSchemaFreeValidCtxt(vc);
		xmlSchemaFree(schema);
	}
	if (pc)
		xmlSchemaFreeParserCtxt(pc);
	xmlSetStructuredErrorFunc(NULL, NULL);
	return rc;
}

static int load_rule(struct rule *r, xmlNode *n, const char *path)
{
	r->line = (int)xmlGetLineNo(n);
	r->id = attr(n, "id");
	char *sev = attr(n, "severity"), *type = attr(n, "type"), *probes = attr(n, "probe");
	severity_parse(&r->severity, sev ? sev : "");
	r->manual = type && strcmp(type, "manual") == 0;
	char *level = attr(n, "level"), *profile = attr(n, "profile");
	char *sev_inet = attr(n, "severity-internet"), *sev_intl = attr(n, "severity-internal");
	r->level = !level                          ? LEVEL_ANY
	           : strcmp(level, "enhanced") == 0 ? LEVEL_ENHANCED
	                                            : LEVEL_BASELINE;
	r->profile = profile && strcmp(profile, "gm") == 0 ? PROFILE_GM : 0;
	r->has_severity_internet = sev_inet && severity_parse(&r->severity_internet, sev_inet) == 0;
	r->has_severity_internal = sev_intl && severity_parse(&r->severity_internal, sev_intl) == 0;
	free(sev_intl);
	free(level);
	free(profile);
	free(sev_inet);
	if (probes) {
		char *save = NULL;
		size_t cap = 0;
		for (char *t = strtok_r(probes, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save))
			*ARRAY_PUSH(r->probes, r->nprobes, cap) = xstrdup(t);
	}
	free(sev);
	free(type);
	free(probes);
	size_t xcap = 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (is_elem(c, "title")) {
			localized(c, &r->title_en, &r->title_zh);
		} else if (is_elem(c, "clause")) {
			r->clause = attr(c, "ref");
			r->confidence = attr(c, "confidence");
		} else if (is_elem(c, "xref")) {
			char *std = attr(c, "std"), *ref = attr(c, "ref");
			*ARRAY_PUSH(r->xrefs, r->nxrefs, xcap) = xasprintf("%s %s", std, ref);
			free(std);
			free(ref);
		} else if (is_elem(c, "check")) {
			r->check_src = node_text(c);
		} else if (is_elem(c, "applies")) {
			r->applies_src = node_text(c);
		} else if (is_elem(c, "evidence")) {
			localized(c, &r->evidence_en, &r->evidence_zh);
		} else if (is_elem(c, "remediation")) {
			localized(c, &r->remediation_en, &r->remediation_zh);
		} else if (is_elem(c, "note")) {
			localized(c, &r->note_en, &r->note_zh);
		}
	}
	if (r->manual && r->check_src)
		return err_set("%s:%d: rule %s is manual and must not have a <check>", path,
		               r->line, r->id);
	if (!r->manual && !r->check_src)
		return err_set(
		    "%s:%d: rule %s is automated and needs a <check> (or type=\"manual\" "
		    "with <evidence>)",
		    path, r->line, r->id);
	if (!r->manual && r->nprobes == 0)
		return err_set("%s:%d: rule %s: an automated rule names the probe(s) it reads in "
		               "probe=\"...\"",
		               path, r->line, r->id);
	for (size_t i = 0; i < r->nprobes; i++)
		if (!probe_find(r->probes[i]))
			return err_set("%s:%d: rule %s: unknown probe '%s'", path, r->line, r->id,
			               r->probes[i]);
	if (r->check_src && expr_parse(&r->check, r->check_src) < 0) {
		/* Point at the <check> element's line. */
		int line = r->line;
		for (xmlNode *c = n->children; c; c = c->next)
			if (is_elem(c, "check"))
				line = (int)xmlGetLineNo(c);
		return err_prefix("%s:%d: rule %s: check", path, line, r->id);
	}
	if (r->applies_src && expr_parse(&r->applies, r->applies_src) < 0) {
		int line = r->line;
		for (xmlNode *c = n->children; c; c = c->next)
			if (is_elem(c, "applies"))
				line = (int)xmlGetLineNo(c);
		return err_prefix("%s:%d: rule %s: applies", path, line, r->id);
	}
	return 0;
}

int ruleset_load(struct ruleset *rs, const char *path, const char *xsd_path)
{
	memset(rs, 0, sizeof(*rs));
	struct stat sb;
	if (stat(path, &sb) < 0)
		return err_set("%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size > RULESET_MAX_BYTES)
		return err_set("%s: not a regular file under %u MiB", path,
		               RULESET_MAX_BYTES >> 20);
	char *buf = NULL;
	size_t len = 0;
	if (file_read_all(&buf, &len, path, RULESET_MAX_BYTES) < 0)
		return err_set("%s: cannot read: %s", path, strerror(errno));
	int rc = ruleset_load_memory(rs, buf, len, path, xsd_path);
	free(buf);
	return rc;
}

int ruleset_load_memory(struct ruleset *rs, const char *buf, size_t len, const char *path,
                        const char *xsd_path)
{
	memset(rs, 0, sizeof(*rs));
	if (len > RULESET_MAX_BYTES || len > INT_MAX)
		return err_set("%s: larger than %u MiB", path, RULESET_MAX_BYTES >> 20);
	struct xml_errors xe = {0};
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlSetStructuredErrorFunc(&xe, xml_error_cb);
	xmlDoc *doc = xmlCtxtReadMemory(ctxt, buf, (int)len, path, NULL,
	                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlFreeParserCtxt(ctxt);
	if (!doc || xe.count) {
		if (doc)
			xmlFreeDoc(doc);
		return err_set("%s:%d: %s", path, xe.line, xe.count ? xe.msg : "not well-formed");
	}
	int rc = validate(doc, path, xsd_path);
	if (rc == 0) {
		xmlNode *root = xmlDocGetRootElement(doc);
		rs->id = attr(root, "id");
		rs->version = attr(root, "version");
		rs->file = xstrdup(path);
		size_t cap = 0;
		for (xmlNode *c = root->children; c && rc == 0; c = c->next) {
			if (is_elem(c, "title")) {
				localized(c, &rs->title_en, &rs->title_zh);
			} else if (is_elem(c, "rule")) {
				struct rule *r = ARRAY_PUSH(rs->rules, rs->nrules, cap);
				memset(r, 0, sizeof(*r));
				rc = load_rule(r, c, path);
				for (size_t i = 0; rc == 0 && i + 1 < rs->nrules; i++)
					if (strcmp(rs->rules[i].id, r->id) == 0)
						rc = err_set(
						    "%s:%d: rule id %s is used twice (first at "
						    "line %d)",
						    path, r->line, r->id, rs->rules[i].line);
			}
		}
	}
	xmlFreeDoc(doc);
	if (rc < 0)
		ruleset_free(rs);
	return rc;
}

int rulebook_add(struct rulebook *b, struct ruleset *rs)
{
	for (size_t i = 0; i < b->nsets; i++)
		if (strcmp(b->sets[i].id, rs->id) == 0)
			return err_set("%s: rule set id '%s' is also used by %s", rs->file, rs->id,
			               b->sets[i].file);
	for (size_t k = 0; k < rs->nrules; k++) {
		const struct ruleset *other = NULL;
		if (rulebook_find_rule(b, rs->rules[k].id, &other))
			return err_set("%s:%d: rule id %s is also defined in %s", rs->file,
			               rs->rules[k].line, rs->rules[k].id, other->file);
	}
	*ARRAY_PUSH(b->sets, b->nsets, b->capsets) = *rs;
	memset(rs, 0, sizeof(*rs));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rulebook_load_dir(struct rulebook *b, const char *dir, const char *xsd_path)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_set("%s: cannot open rule set folder: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && str_ends(e->d_name, ".xml"))
			*ARRAY_PUSH(names, n, cap) = xasprintf("%s/%s", dir, e->d_name);
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct ruleset rs;
		if (rc == 0 && ruleset_load(&rs, names[i], xsd_path) == 0) {
			rc = rulebook_add(b, &rs);
			if (rc < 0)
				ruleset_free(&rs);
		} else {
			rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

void rulebook_free(struct rulebook *b)
{
	for (size_t i = 0; i < b->nsets; i++)
		ruleset_free(&b->sets[i]);
	free(b->sets);
	memset(b, 0, sizeof(*b));
}

const struct ruleset *rulebook_find(const struct rulebook *b, const char *id)
{
	for (size_t i = 0; i < b->nsets; i++)
		if (strcmp(b->sets[i].id, id) == 0)
			return &b->sets[i];
	return NULL;
}

const struct rule *rulebook_find_rule(const struct rulebook *b, const char *rule_id,
                                      const struct ruleset **set)
{
	for (size_t i = 0; i < b->nsets; i++)
		for (size_t k = 0; k < b->sets[i].nrules; k++)
			if (strcmp(b->sets[i].rules[k].id, rule_id) == 0) {
				if (set)
					*set = &b->sets[i];
				return &b->sets[i].rules[k];
			}
	return NULL;
}
