/*
 * Replays every fuzz seed and every input that once crashed a harness
 * (fuzz/seeds/<name>/, fuzz/regress/<name>/) through the harness itself,
 * so `make test` (and `make asan`) fail if a fixed parser bug comes back.
 */
#include "tests/testutil.h"

#include <dirent.h>

#include "fuzz/fuzz_app.c"
#include "fuzz/fuzz_expr.c"
#include "fuzz/fuzz_h1.c"
#include "fuzz/fuzz_hist.c"
#include "fuzz/fuzz_http.c"
#include "fuzz/fuzz_mask.c"
#include "fuzz/fuzz_pan.c"
#include "fuzz/fuzz_pcap.c"
#include "fuzz/fuzz_pii.c"
#include "fuzz/fuzz_plan.c"
#include "fuzz/fuzz_results.c"
#include "fuzz/fuzz_ruleset.c"
#include "fuzz/fuzz_tls_flight.c"

static size_t replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		char *buf = NULL;
		size_t len = 0;
		cr_assert_eq(file_read_all(&buf, &len, path, 16u << 20), 0, "cannot read %s", path);
		fn((const uint8_t *)buf, len);
		free(buf);
		free(path);
		n++;
	}
	closedir(d);
	return n;
}

static void replay(const char *name, int (*fn)(const uint8_t *, size_t))
{
	char *seeds = xasprintf("fuzz/seeds/%s", name),
	     *regress = xasprintf("fuzz/regress/%s", name);
	size_t n = replay_dir(seeds, fn) + replay_dir(regress, fn);
	cr_assert_gt(n, 0, "no seeds for the %s harness", name);
	free(seeds);
	free(regress);
}

Test(fuzz_regress, plan)
{
	replay("plan", fuzz_plan);
}

Test(fuzz_regress, expr)
{
	replay("expr", fuzz_expr);
}

Test(fuzz_regress, ruleset)
{
	replay("ruleset", fuzz_ruleset);
}

Test(fuzz_regress, results)
{
	replay("results", fuzz_results);
}

Test(fuzz_regress, mask)
{
	replay("mask", fuzz_mask);
}

Test(fuzz_regress, tls_flight)
{
	replay("tls_flight", fuzz_tls_flight);
}

Test(fuzz_regress, h1)
{
	replay("h1", fuzz_h1);
}

Test(fuzz_regress, hist)
{
	replay("hist", fuzz_hist);
}

Test(fuzz_regress, pan)
{
	replay("pan", fuzz_pan);
}

Test(fuzz_regress, pii)
{
	replay("pii", fuzz_pii);
}

Test(fuzz_regress, http)
{
	replay("http", fuzz_http);
}

Test(fuzz_regress, pcap, .timeout = 120)
{
	replay("pcap", fuzz_pcap);
}

Test(fuzz_regress, app)
{
	replay("app", fuzz_app);
}
