/* The cipher suite table (see suites.h); the rows come from suites_table.h. */
#include "probes/tls/suites.h"

#include <stdio.h>

static const struct tls_suite suites[] = {
#include "probes/tls/suites_table.h"
};

const struct tls_suite *tls_suites(size_t *n)
{
	*n = sizeof(suites) / sizeof(suites[0]);
	return suites;
}

const struct tls_suite *tls_suite_find(uint32_t id)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const char *tls_suite_name(uint32_t id, char *buf, size_t len)
{
	const struct tls_suite *s = tls_suite_find(id);
	if (s)
		return s->name;
	snprintf(buf, len, id > 0xFFFF ? "0x%06X" : "0x%04X", (unsigned)id);
	return buf;
}
