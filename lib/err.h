/*
 * The error message of the current thread, libgit2-style: set once where
 * the failure is known (with file:line or offset context), read once at
 * the top by whoever reports it. Messages pass through mask_text(): an
 * error that quotes its input never carries a full card number.
 */
#ifndef ASSAY_LIB_ERR_H
#define ASSAY_LIB_ERR_H

/* Set the message; always returns -1 so callers can `return err_set(...)`. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefix the current message with "prefix: ". Returns -1. */
int err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);
void err_clear(void);

#endif
