/*
 * Fuzz the app probe's parsers (probes/app/): the first byte picks one,
 * the rest is the file. 0 an ELF image, 1 a whole APK (zip, manifest,
 * resources, signatures, DEX, native libraries), 2 an IPA, 3 a Mach-O
 * (thin or fat), 4 a binary XML document, 5 a property list, 6 one DEX
 * file's id tables and what its code references (dexref.c, dexapi.c).
 * Facts and findings go to a throwaway store.
 */
#include "fuzz/fuzz.h"
#include "probes/app/app_int.h"
#include "probes/app/axml.h"
#include "probes/app/dexapi.h"
#include "probes/app/dexref.h"
#include "probes/app/plist.h"

#include <string.h>

FUZZ_TARGET(app)
{
	if (size < 1 || size > (4u << 20))
		return 0;
	struct span s = {data + 1, size - 1};
	struct facts f;
	facts_init(&f);
	struct app_ctx x;
	memset(&x, 0, sizeof(x));
	x.out = &f;
	x.deadline_ms = 1e300;
	switch (data[0] % 7) {
	case 0: {
		struct elf_check c;
		elf_check(&c, s);
		app_elf_one(&x, s, "f", true, NULL);
		break;
	}
	case 1:
		app_apk(&x, "f.apk", s);
		break;
	case 2:
		app_ipa(&x, "f.ipa", s);
		break;
	case 3:
		if (app_macho_is(s))
			app_macho_file(&x, "f", s);
		break;
	case 4: {
		struct axml a;
		axml_parse(&a, s);
		axml_free(&a);
		uint8_t type;
		uint32_t val;
		char *str = NULL;
		uint64_t budget = ARSC_BUDGET(s.n);
		arsc_lookup(s, 0x7f020000, &type, &val, &str, &budget);
		free(str);
		str = NULL;
		arsc_name(s, 0x7f080000, &str, &budget); /* the first @id of an aapt table */
		free(str);
		break;
	}
	case 6: {
		struct dex_ids ids;
		if (dex_ids_open(&ids, s) == 0)
			for (uint32_t i = 0; i < ids.method.n; i++) {
				struct dex_str c, n, sh;
				dex_method(&ids, i, &c, &n, &sh);
			}
		struct dex_api *r = dex_api_new();
		dex_api_file(r, &x, s, "f.apk!classes.dex");
		dex_api_facts(r, &x);
		break;
	}
	default: {
		struct pv *v = NULL;
		plist_parse(&v, s);
		pv_free(v);
		break;
	}
	}
	facts_free(&f);
	return 0;
}
