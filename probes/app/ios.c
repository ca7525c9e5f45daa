#include "probes/app/app_int.h"
int app_ipa(struct app_ctx *x, const char *path, struct span s)
{
	(void)s;
	facts_error(x->out, "%s: IPA not supported yet", path);
	return -1;
}
int app_macho_file(struct app_ctx *x, const char *path, struct span s)
{
	(void)s;
	facts_error(x->out, "%s: Mach-O not supported yet", path);
	return -1;
}
bool app_macho_is(struct span s)
{
	(void)s;
	return false;
}
