/*
 * The probe registry: the only place that names every probe. Adding a
 * probe is one line here and one folder under probes/.
 */
#include "probes/probe.h"

#include <string.h>

extern const struct probe probe_exec;
extern const struct probe probe_pan;
extern const struct probe probe_load;
extern const struct probe probe_tls;
extern const struct probe probe_http;
extern const struct probe probe_pcap;
extern const struct probe probe_app;

const struct probe *const probe_registry[] = {
    &probe_exec,
    &probe_pan,
    &probe_load,
    &probe_tls,
    &probe_http,
    &probe_pcap,
    &probe_app,
    NULL,
};

const struct probe *probe_find(const char *name)
{
	for (size_t i = 0; probe_registry[i]; i++)
		if (strcmp(probe_registry[i]->name, name) == 0)
			return probe_registry[i];
	return NULL;
}

const struct probe *probe_for_key(const char *key)
{
	for (size_t i = 0; probe_registry[i]; i++) {
		const struct probe *p = probe_registry[i];
		if (!p->keys) {
			if (strcmp(p->name, key) == 0)
				return p;
			continue;
		}
		for (size_t k = 0; p->keys[k]; k++)
			if (strcmp(p->keys[k], key) == 0)
				return p;
	}
	return NULL;
}

bool probe_accepts_option(const struct probe *p, const char *opt)
{
	for (size_t i = 0; p->options && p->options[i].name; i++)
		if (strcmp(p->options[i].name, opt) == 0)
			return true;
	return false;
}

const char *target_option(const struct target *t, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < t->noptions; i++)
		if (strcmp(t->options[i].name, name) == 0)
			v = t->options[i].value;
	return v;
}
