/* Fuzz the plan parser (harness/plan.c, through inih) on arbitrary bytes. */
#include "fuzz/fuzz.h"
#include "harness/plan.h"

#include <stdio.h>

FUZZ_TARGET(plan)
{
	if (size == 0 || size > (1u << 20))
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	struct plan p;
	(void)plan_load_stream(&p, f, "fuzz.ini");
	plan_free(&p);
	fclose(f);
	return 0;
}
