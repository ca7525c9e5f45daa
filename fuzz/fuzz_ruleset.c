/*
 * Fuzz rule-set loading (rules/ruleset.c): libxml2 parse without network
 * or entity expansion, XSD validation, semantic checks, expressions.
 * Run from the repository root (the schema is rules/ruleset.xsd).
 */
#include "fuzz/fuzz.h"
#include "rules/ruleset.h"

FUZZ_TARGET(ruleset)
{
	if (size > (1u << 20))
		return 0;
	struct ruleset rs;
	if (ruleset_load_memory(&rs, (const char *)data, size, "fuzz.xml", "rules/ruleset.xsd") ==
	    0)
		ruleset_free(&rs);
	return 0;
}
