/* Per-thread error message; see err.h. */
#include "lib/err.h"
#include "lib/mask.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char err_buf[2048];

/* Every message is masked: errors quote input, and input may hold card numbers. */
static void set_masked(const char *msg)
{
	char *m = mask_text(msg);
	snprintf(err_buf, sizeof(err_buf), "%s", m);
	free(m);
}

int err_set(const char *fmt, ...)
{
	char tmp[sizeof(err_buf)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	set_masked(tmp);
	return -1;
}

int err_prefix(const char *fmt, ...)
{
	char prefix[1024], old[sizeof(err_buf)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err_buf, sizeof(old));
	size_t n = strlen(prefix);
	if (n > sizeof(err_buf) - 3)
		n = sizeof(err_buf) - 3;
	memcpy(err_buf, prefix, n);
	memcpy(err_buf + n, ": ", 2);
	size_t rest = sizeof(err_buf) - n - 3, m = strlen(old);
	if (m > rest)
		m = rest;
	memcpy(err_buf + n + 2, old, m);
	err_buf[n + 2 + m] = '\0';
	memcpy(old, err_buf, sizeof(old));
	set_masked(old);
	return -1;
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

void err_clear(void)
{
	err_buf[0] = '\0';
}
