/*
 * The id tables of one DEX file (source.android.com "Dalvik Executable
 * format": header_item, string_id_item, type_id_item, proto_id_item,
 * field_id_item, method_id_item, class_def_item), checked against the file
 * once, when it is opened, so that every later lookup is an index the
 * tables were found to hold. Only names are read: no code_item, no
 * class_data; a method in method_ids is one the file's code calls,
 * overrides or defines (reference presence, not reachability).
 */
#ifndef ASSAY_PROBES_APP_DEXREF_H
#define ASSAY_PROBES_APP_DEXREF_H

#include "probes/app/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Dalvik instructions index types, fields, methods and protos with 16
 * bits, so a file with more ids than this cannot be valid; one with more
 * strings than DEX_MAX_STRINGS (4 Mi) is refused too.
 */
#define DEX_MAX_IDS     65536u
#define DEX_MAX_STRINGS (1u << 22)
#define DEX_NO_INDEX    0xffffffffu
/* A type_list (a proto's parameters) is at most this long (a method has at most 255 arguments). */
#define DEX_MAX_PARAMS 255u

struct dex_table {
	uint32_t n, off;
};

struct dex_ids {
	struct span d;
	struct dex_table str, type, proto, field, method, cls;
};

/* A string of the file: MUTF-8 bytes, not NUL-terminated. */
struct dex_str {
	const char *p;
	size_t n;
};

/*
 * Check the header and every id table of d: each table inside the file,
 * each index an entry holds inside the table it names. 0, or -1 with
 * err_set("offset N: ...") naming the first bad byte.
 */
int dex_ids_open(struct dex_ids *x, struct span d);

/* String i, or false when its data does not fit the file (checked lazily: strings are many). */
bool dex_string(const struct dex_ids *x, uint32_t i, struct dex_str *out);
/* The descriptor of type i ("Landroid/webkit/WebView;"). */
bool dex_type(const struct dex_ids *x, uint32_t i, struct dex_str *out);
/* Method i: its class's descriptor, its name, and its proto's shorty ("VL"). */
bool dex_method(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *name,
                struct dex_str *shorty);
/* Field i: its class's descriptor and its name. */
bool dex_field(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *name);
/* Class definition i: the class it defines and its superclass (n == 0 when none). */
bool dex_class(const struct dex_ids *x, uint32_t i, struct dex_str *cls, struct dex_str *super);

#endif
