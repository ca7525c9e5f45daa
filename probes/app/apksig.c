#include "probes/app/android_int.h"
void apk_signatures(struct apk *a)
{
	(void)a;
}
