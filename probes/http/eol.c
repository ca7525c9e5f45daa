/*
 * Server software a response names (Server, X-Powered-By) and whether its
 * release branch is past its vendor's end of life: no more security fixes,
 * so "critical patches within a month" (UPD-24) cannot hold. The table is
 * dated (HTTP_EOL_TABLE_DATE) and lists only branches whose end is
 * published; a branch not in it is never called end of life, and a
 * version a Linux distribution patches itself (Ubuntu's Apache/2.4.41,
 * RHEL's OpenSSL/1.1.1k) is a waiver with the vendor's support statement.
 */
#include "probes/http/http_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Branches by product: major.minor, or every version up to and including
 * it (older), with the date security support ended. Sources: nginx.org
 * (legacy branches end when the next stable ships), httpd.apache.org
 * (2.2: 2017-07-11), openssl-library.org release strategy, php.net
 * supported versions, Microsoft lifecycle (IIS goes with its Windows
 * Server), eclipse.org (Jetty 9 community support).
 */
static const struct {
	const char *product;
	int major, minor; /* minor -1: every minor of the major */
	bool older;       /* and every version before it */
	const char *ended;
} eol[] = {
    {"nginx", 1, 25, true, "2024-05-29"},
    {"Apache", 2, 2, true, "2017-07-11"},
    {"OpenSSL", 1, 0, true, "2019-12-31"},
    {"OpenSSL", 1, 1, false, "2023-09-11"},
    {"OpenSSL", 3, 0, false, "2026-09-07"},
    {"OpenSSL", 3, 1, false, "2025-03-14"},
    {"OpenSSL", 3, 2, false, "2025-11-23"},
    {"OpenSSL", 3, 3, false, "2026-04-09"},
    {"OpenSSL", 3, 4, false, "2026-10-22"},
    {"PHP", 5, -1, true, "2018-12-31"},
    {"PHP", 7, 0, false, "2019-01-10"},
    {"PHP", 7, 1, false, "2019-12-01"},
    {"PHP", 7, 2, false, "2020-11-30"},
    {"PHP", 7, 3, false, "2021-12-06"},
    {"PHP", 7, 4, false, "2022-11-28"},
    {"PHP", 8, 0, false, "2023-11-26"},
    {"PHP", 8, 1, false, "2025-12-31"},
    {"PHP", 8, 2, false, "2026-12-31"},
    {"Microsoft-IIS", 6, -1, true, "2015-07-14"},
    {"Microsoft-IIS", 7, -1, false, "2020-01-14"},
    {"Microsoft-IIS", 8, -1, false, "2023-10-10"},
    {"Jetty", 9, -1, true, "2022-06-01"},
};

static bool name_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

size_t http_products(const char *v, struct http_product *out, size_t max)
{
	size_t n = 0;
	const char *p = v;
	while (*p && n < max) {
		while (*p && !name_char((unsigned char)*p))
			p++;
		const char *ns = p;
		while (name_char((unsigned char)*p))
			p++;
		size_t nl = (size_t)(p - ns);
		/* name/1.2.3 or Jetty's name(9.4.z) */
		if (nl == 0 || nl >= sizeof(out->name) || (*p != '/' && *p != '(') ||
		    !isdigit((unsigned char)p[1])) {
			if (*p)
				p++;
			continue;
		}
		const char *vs = ++p;
		while (isdigit((unsigned char)*p) || *p == '.')
			p++;
		size_t vl = (size_t)(p - vs);
		while (vl && vs[vl - 1] == '.')
			vl--;
		if (vl >= sizeof(out->version))
			continue;
		memcpy(out[n].name, ns, nl);
		out[n].name[nl] = '\0';
		memcpy(out[n].version, vs, vl);
		out[n].version[vl] = '\0';
		n++;
	}
	return n;
}

const char *http_product_eol(const struct http_product *p, const char *today)
{
	char *end;
	long major = strtol(p->version, &end, 10), minor = 0;
	if (end == p->version)
		return NULL;
	if (*end == '.')
		minor = strtol(end + 1, NULL, 10);
	for (size_t i = 0; i < sizeof(eol) / sizeof(eol[0]); i++) {
		if (strcasecmp(p->name, eol[i].product) != 0)
			continue;
		bool in = eol[i].minor < 0 ? major == eol[i].major
		                           : major == eol[i].major && minor == eol[i].minor;
		bool before = major < eol[i].major ||
		              (eol[i].minor >= 0 && major == eol[i].major && minor < eol[i].minor);
		if ((in || (eol[i].older && before)) && strcmp(eol[i].ended, today) < 0)
			return eol[i].ended;
	}
	return NULL;
}
