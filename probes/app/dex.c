#include "probes/app/android_int.h"
void apk_strings(struct apk *a)
{
	(void)a;
}
