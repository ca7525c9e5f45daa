/* The fact store; see facts.h. */
#include "harness/facts.h"
#include "lib/err.h"
#include "lib/mask.h"
#include "lib/strbuf.h"
#include "lib/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FACT_KEY_MAX 200

void facts_init(struct facts *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
}

void fact_value_free(struct fact_value *v)
{
	free(v->s);
	for (size_t i = 0; i < v->nitems; i++)
		free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

void finding_free(struct finding *fd)
{
	free(fd->kind);
	free(fd->severity);
	free(fd->message);
	free(fd->excerpt);
	free(fd->loc.file);
	free(fd->loc.endpoint);
	free(fd->loc.stream);
	memset(fd, 0, sizeof(*fd));
}

void facts_free(struct facts *f)
{
	for (size_t i = 0; i < f->nfacts; i++) {
		free(f->facts[i].key);
		fact_value_free(&f->facts[i].v);
	}
	free(f->facts);
	free(f->slots);
	for (size_t i = 0; i < f->nfindings; i++)
		finding_free(&f->findings[i]);
	free(f->findings);
	for (size_t i = 0; i < f->nerrors; i++)
		free(f->errors[i]);
	free(f->errors);
	pthread_mutex_destroy(&f->lock);
	memset(f, 0, sizeof(*f));
}

bool facts_key_valid(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > FACT_KEY_MAX || key[0] == '.' || key[n - 1] == '.')
		return false;
	size_t digits = 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		/* A run of 13+ digits could be a card number: never a key. */
		digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
		if (digits >= 13)
			return false;
		if (c == '.') {
			if (key[i + 1] == '.')
				return false;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			return false;
		}
	}
	return true;
}

static char *masked(const char *s)
{
	return s ? mask_text(s) : NULL;
}

void fact_value_copy(struct fact_value *dst, const struct fact_value *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->type = src->type;
	dst->b = src->b;
	dst->i = src->i;
	dst->d = src->d;
	dst->s = masked(src->s);
	if (src->nitems) {
		dst->items = xcalloc(src->nitems, sizeof(char *));
		for (size_t i = 0; i < src->nitems; i++)
			dst->items[i] = masked(src->items[i]);
		dst->nitems = src->nitems;
	}
}

/*
 * Finding a key. A probe may store tens of thousands of facts (one per
 * hit list entry, per flow, per class), so the store keeps a hash index
 * beside the array; the array keeps the order facts were added, which is
 * the order reports print them in.
 */
static size_t key_hash(const char *key)
{
	size_t h = 1469598103934665603u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static struct fact *facts_find(const struct facts *f, const char *key)
{
	if (!f->nslots)
		return NULL;
	for (size_t j = key_hash(key) & (f->nslots - 1);; j = (j + 1) & (f->nslots - 1)) {
		size_t s = f->slots[j];
		if (!s)
			return NULL;
		if (strcmp(f->facts[s - 1].key, key) == 0)
			return &f->facts[s - 1];
	}
}

static void slot_set(struct facts *f, size_t i)
{
	size_t j = key_hash(f->facts[i].key) & (f->nslots - 1);
	while (f->slots[j])
		j = (j + 1) & (f->nslots - 1);
	f->slots[j] = i + 1;
}

/* Append a fact under a key not yet stored; the index stays at most half full. */
static struct fact *facts_append(struct facts *f, const char *key)
{
	struct fact *slot = ARRAY_PUSH(f->facts, f->nfacts, f->capfacts);
	slot->key = xstrdup(key);
	memset(&slot->v, 0, sizeof(slot->v));
	if (f->nfacts * 2 > f->nslots) {
		free(f->slots);
		f->nslots = f->nslots ? f->nslots * 2 : 64;
		f->slots = xcalloc(f->nslots, sizeof(*f->slots));
		for (size_t i = 0; i < f->nfacts; i++)
			slot_set(f, i);
	} else {
		slot_set(f, f->nfacts - 1);
	}
	return slot;
}

/* Store v (taking ownership) under key. Locked. */
static int facts_put(struct facts *f, const char *key, struct fact_value *v)
{
	if (!facts_key_valid(key)) {
		fact_value_free(v);
		return err_set("invalid fact key '%.*s' (expected dotted [a-z0-9_] names)", 100,
		               key);
	}
	pthread_mutex_lock(&f->lock);
	struct fact *slot = facts_find(f, key);
	if (slot)
		fact_value_free(&slot->v);
	else
		slot = facts_append(f, key);
	slot->v = *v;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int facts_add_bool(struct facts *f, const char *key, bool b)
{
	struct fact_value v = {.type = FACT_BOOL, .b = b};
	return facts_put(f, key, &v);
}

int facts_add_int(struct facts *f, const char *key, int64_t i)
{
	struct fact_value v = {.type = FACT_INT, .i = i};
	return facts_put(f, key, &v);
}

int facts_add_double(struct facts *f, const char *key, double d)
{
	if (!isfinite(d))
		return err_set("fact '%s': value is not a finite number", key);
	struct fact_value v = {.type = FACT_DOUBLE, .d = d};
	return facts_put(f, key, &v);
}

int facts_add_string(struct facts *f, const char *key, const char *s)
{
	struct fact_value v = {.type = FACT_STRING, .s = mask_text(s)};
	return facts_put(f, key, &v);
}

int facts_add_list(struct facts *f, const char *key, const char *const *items, size_t n)
{
	struct fact_value v = {.type = FACT_LIST};
	if (n) {
		v.items = xcalloc(n, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			v.items[i] = mask_text(items[i]);
		v.nitems = n;
	}
	return facts_put(f, key, &v);
}

int facts_add_value(struct facts *f, const char *key, const struct fact_value *src)
{
	struct fact_value v;
	fact_value_copy(&v, src);
	return facts_put(f, key, &v);
}

int facts_list_append(struct facts *f, const char *key, const char *item)
{
	if (!facts_key_valid(key))
		return err_set("invalid fact key '%.*s'", 100, key);
	pthread_mutex_lock(&f->lock);
	struct fact *slot = facts_find(f, key);
	if (!slot) {
		slot = facts_append(f, key);
		slot->v.type = FACT_LIST;
	}
	struct fact_value *v = &slot->v;
	if (v->type != FACT_LIST) {
		pthread_mutex_unlock(&f->lock);
		return err_set("fact '%s' is not a list", key);
	}
	v->items = xrealloc(v->items, (v->nitems + 1) * sizeof(char *));
	v->items[v->nitems++] = mask_text(item);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void finding_loc_init(struct location *loc)
{
	memset(loc, 0, sizeof(*loc));
	loc->line = loc->column = loc->offset = -1;
}

void facts_add_finding(struct facts *f, const struct finding *fd)
{
	struct finding c = {
	    .kind = xstrdup(fd->kind ? fd->kind : "finding"),
	    .severity = fd->severity ? xstrdup(fd->severity) : NULL,
	    .message = masked(fd->message),
	    .excerpt = masked(fd->excerpt),
	    .loc =
	        {
	            .file = masked(fd->loc.file),
	            .line = fd->loc.line,
	            .column = fd->loc.column,
	            .offset = fd->loc.offset,
	            .endpoint = masked(fd->loc.endpoint),
	            .stream = masked(fd->loc.stream),
	        },
	};
	pthread_mutex_lock(&f->lock);
	*ARRAY_PUSH(f->findings, f->nfindings, f->capfindings) = c;
	pthread_mutex_unlock(&f->lock);
}

void facts_error(struct facts *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *m = mask_text(raw);
	free(raw);
	pthread_mutex_lock(&f->lock);
	*ARRAY_PUSH(f->errors, f->nerrors, f->caperrors) = m;
	pthread_mutex_unlock(&f->lock);
}

const struct fact_value *facts_get(const struct facts *f, const char *key)
{
	const struct fact *slot = facts_find(f, key);
	return slot ? &slot->v : NULL;
}

char *fact_value_str(const struct fact_value *v)
{
	switch (v->type) {
	case FACT_BOOL:
		return xstrdup(v->b ? "true" : "false");
	case FACT_INT:
		return xasprintf("%lld", (long long)v->i);
	case FACT_DOUBLE:
		return xasprintf("%.6g", v->d);
	case FACT_STRING:
		return xstrdup(v->s ? v->s : "");
	case FACT_LIST: {
		struct strbuf sb = STRBUF_INIT;
		sb_addc(&sb, '[');
		for (size_t i = 0; i < v->nitems; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", v->items[i]);
		sb_addc(&sb, ']');
		return sb_detach(&sb);
	}
	}
	return xstrdup("?");
}

json_t *fact_value_to_json(const struct fact_value *v)
{
	switch (v->type) {
	case FACT_BOOL:
		return json_boolean(v->b);
	case FACT_INT:
		return json_integer((json_int_t)v->i);
	case FACT_DOUBLE:
		return json_real(v->d);
	case FACT_STRING:
		return json_string(v->s ? v->s : "");
	case FACT_LIST: {
		json_t *a = json_array();
		for (size_t i = 0; i < v->nitems; i++)
			json_array_append_new(a, json_string(v->items[i]));
		return a;
	}
	}
	return json_null();
}

int fact_value_from_json(struct fact_value *v, const json_t *j)
{
	memset(v, 0, sizeof(*v));
	switch (json_typeof(j)) {
	case JSON_TRUE:
	case JSON_FALSE:
		v->type = FACT_BOOL;
		v->b = json_is_true(j);
		return 0;
	case JSON_INTEGER:
		v->type = FACT_INT;
		v->i = (int64_t)json_integer_value(j);
		return 0;
	case JSON_REAL:
		v->type = FACT_DOUBLE;
		v->d = json_real_value(j);
		return 0;
	case JSON_STRING:
		v->type = FACT_STRING;
		v->s = mask_text(json_string_value(j));
		return 0;
	case JSON_ARRAY: {
		v->type = FACT_LIST;
		size_t n = json_array_size(j);
		v->items = xcalloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			const json_t *it = json_array_get(j, i);
			if (!json_is_string(it)) {
				fact_value_free(v);
				return err_set("list item %zu is not a string", i);
			}
			v->items[v->nitems++] = mask_text(json_string_value(it));
		}
		return 0;
	}
	default:
		return err_set("value must be a boolean, number, string or list of strings");
	}
}

json_t *finding_to_json(const struct finding *fd)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(fd->kind ? fd->kind : "finding"));
	if (fd->severity)
		json_object_set_new(o, "severity", json_string(fd->severity));
	if (fd->message)
		json_object_set_new(o, "message", json_string(fd->message));
	if (fd->excerpt)
		json_object_set_new(o, "excerpt", json_string(fd->excerpt));
	json_t *loc = json_object();
	if (fd->loc.file)
		json_object_set_new(loc, "file", json_string(fd->loc.file));
	if (fd->loc.line >= 0)
		json_object_set_new(loc, "line", json_integer(fd->loc.line));
	if (fd->loc.column >= 0)
		json_object_set_new(loc, "column", json_integer(fd->loc.column));
	if (fd->loc.offset >= 0)
		json_object_set_new(loc, "offset", json_integer(fd->loc.offset));
	if (fd->loc.endpoint)
		json_object_set_new(loc, "endpoint", json_string(fd->loc.endpoint));
	if (fd->loc.stream)
		json_object_set_new(loc, "stream", json_string(fd->loc.stream));
	json_object_set_new(o, "location", loc);
	return o;
}

static int opt_str(char **out, const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set("'%s' must be a string", name);
	*out = mask_text(json_string_value(v));
	return 0;
}

static int opt_int(int64_t *out, const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);
	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return err_set("'%s' must be a non-negative integer", name);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int finding_from_json(struct finding *fd, const json_t *j)
{
	memset(fd, 0, sizeof(*fd));
	finding_loc_init(&fd->loc);
	if (!json_is_object(j))
		return err_set("a finding must be an object");
	const json_t *loc = json_object_get(j, "location");
	if (loc && !json_is_object(loc))
		return err_set("'location' must be an object");
	/* Location members may also stand at the top level (exec probe lines). */
	const json_t *l = loc ? loc : j;
	if (opt_str(&fd->kind, j, "kind") || opt_str(&fd->severity, j, "severity") ||
	    opt_str(&fd->message, j, "message") || opt_str(&fd->excerpt, j, "excerpt") ||
	    opt_str(&fd->loc.file, l, "file") || opt_int(&fd->loc.line, l, "line") ||
	    opt_int(&fd->loc.column, l, "column") || opt_int(&fd->loc.offset, l, "offset") ||
	    opt_str(&fd->loc.endpoint, l, "endpoint") || opt_str(&fd->loc.stream, l, "stream")) {
		finding_free(fd);
		return -1;
	}
	if (!fd->kind)
		fd->kind = xstrdup("finding");
	return 0;
}

void facts_to_json(const struct facts *f, json_t *obj)
{
	json_t *facts = json_object();
	for (size_t i = 0; i < f->nfacts; i++)
		json_object_set_new(facts, f->facts[i].key, fact_value_to_json(&f->facts[i].v));
	json_object_set_new(obj, "facts", facts);
	json_t *fs = json_array();
	for (size_t i = 0; i < f->nfindings; i++)
		json_array_append_new(fs, finding_to_json(&f->findings[i]));
	json_object_set_new(obj, "findings", fs);
	json_t *es = json_array();
	for (size_t i = 0; i < f->nerrors; i++)
		json_array_append_new(es, json_string(f->errors[i]));
	json_object_set_new(obj, "errors", es);
}

int facts_from_json(struct facts *f, const json_t *obj)
{
	const json_t *facts = json_object_get(obj, "facts");
	const json_t *fs = json_object_get(obj, "findings");
	const json_t *es = json_object_get(obj, "errors");
	if (facts && !json_is_object(facts))
		return err_set("'facts' must be an object");
	if (fs && !json_is_array(fs))
		return err_set("'findings' must be an array");
	if (es && !json_is_array(es))
		return err_set("'errors' must be an array");
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)facts, key, val)
	{
		struct fact_value v;
		if (fact_value_from_json(&v, val) < 0)
			return err_prefix("fact '%.100s'", key);
		if (facts_put(f, key, &v) < 0)
			return -1;
	}
	for (size_t i = 0; fs && i < json_array_size(fs); i++) {
		struct finding fd;
		if (finding_from_json(&fd, json_array_get(fs, i)) < 0)
			return err_prefix("finding %zu", i);
		pthread_mutex_lock(&f->lock);
		*ARRAY_PUSH(f->findings, f->nfindings, f->capfindings) = fd;
		pthread_mutex_unlock(&f->lock);
	}
	for (size_t i = 0; es && i < json_array_size(es); i++) {
		const json_t *e = json_array_get(es, i);
		if (!json_is_string(e))
			return err_set("error %zu is not a string", i);
		facts_error(f, "%s", json_string_value(e));
	}
	return 0;
}
