#include "probes/app/app_int.h"
int app_apk(struct app_ctx *x, const char *path, struct span s)
{
	(void)s;
	facts_error(x->out, "%s: APK not supported yet", path);
	return -1;
}
