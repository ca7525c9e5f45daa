/*
 * The code of the methods a DEX file defines (source.android.com "Dalvik
 * Executable format": class_data_item, encoded_method, code_item; "Dalvik
 * bytecode": instruction formats and the switch and array payloads),
 * walked far enough to see which methods each method invokes, and the
 * integer constant an argument register last held. This is method-local
 * co-occurrence, not data flow: two calls in one body are seen together,
 * what passes between them is not, nor what a callee does, and "last" is
 * in code order, not along a path.
 */
#ifndef ASSAY_PROBES_APP_DEXCODE_H
#define ASSAY_PROBES_APP_DEXCODE_H

#include "probes/app/dexref.h"

/*
 * A mark with this bit asks for the constant passed as the method's third
 * register argument (after the receiver and one more: the int mode of
 * Context.getSharedPreferences(String, int) and its kin): the walk ORs
 * the constant last loaded (const/4, const/16, const, const/high16) into
 * that register before the call into *args. A register some other
 * instruction may have written since is taken as unknown (nothing ORed).
 */
#define DEX_MARK_ARG2 0x80u

/*
 * Called once per method body whose invokes hit a marked method: method
 * is the index (in method_ids) of the method defined, marks the OR of
 * mark[] over the methods its code invokes, args the OR of the constants
 * passed to those marked DEX_MARK_ARG2 (0 when none was known).
 */
typedef void (*dex_code_fn)(void *ctx, uint32_t method, uint8_t marks, uint32_t args);

/*
 * Walk every code_item of x. mark[] has one byte per method_id (x->method.n).
 * At most *budget units of work are done in all: a code unit of a body or
 * a byte of a class_data_item (decremented; a file that needs more stops
 * with an error, so a hostile file cannot make the walk quadratic by
 * pointing many methods at one long body, or many classes at one long
 * class_data_item). A well-formed file needs at most its size. 0 when every class
 * was read; -1 with err_set("offset N: ...") at the first structure that
 * does not fit the file or the format (the methods walked before it were
 * reported).
 */
int dex_code_walk(const struct dex_ids *x, const uint8_t *mark, uint64_t *budget, dex_code_fn fn,
                  void *ctx);

#endif
