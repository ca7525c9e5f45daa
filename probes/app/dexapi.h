/*
 * What an APK's code references (dexapi.c): fed every classes*.dex and the
 * layouts, then written as the app.android.dex.* reference facts,
 * app.android.protect.touch_filtering and app.android.sdks.
 */
#ifndef ASSAY_PROBES_APP_DEXAPI_H
#define ASSAY_PROBES_APP_DEXAPI_H

#include "probes/app/app_int.h"

struct apk;
struct dex_api;

struct dex_api *dex_api_new(void);
/* One DEX file (where: "app.apk!classes2.dex" for findings). */
void dex_api_file(struct dex_api *r, struct app_ctx *x, struct span d, const char *where);
/* android:filterTouchesWhenObscured="true" in a res/layout* file. */
void dex_api_layouts(struct dex_api *r, struct apk *a);
/* Write the facts and free r. */
void dex_api_facts(struct dex_api *r, struct app_ctx *x);

#endif
