/*
 * Facts and findings: what a probe observed about one target.
 *
 * A fact is a typed value under a dotted key named by the probe
 * ("tls.proto.tls1_0" = false). A finding is a located observation (a card
 * number in a file at line 812, a weak cipher on host:port) with a masked
 * excerpt. A probe fills one `struct facts` per (target, probe) run; the
 * store is safe to fill from several threads (one mutex, as probes that
 * scan in parallel need). Every string stored here passes through
 * mask_text() first, so no full card number can reach a report through a
 * fact, a finding or an error message.
 *
 * Ownership: the store owns copies of everything added; facts_free()
 * releases them.
 */
#ifndef ASSAY_HARNESS_FACTS_H
#define ASSAY_HARNESS_FACTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum fact_type {
	FACT_BOOL,
	FACT_INT,
	FACT_DOUBLE,
	FACT_STRING,
	FACT_LIST, /* list of strings */
};

struct fact_value {
	enum fact_type type;
	bool b;
	int64_t i;
	double d;
	char *s;
	char **items;
	size_t nitems;
};

struct fact {
	char *key;
	struct fact_value v;
};

/* Where a finding is; unset fields are NULL or -1. */
struct location {
	char *file;     /* path, as given */
	int64_t line;   /* 1-based */
	int64_t column; /* 1-based */
	int64_t offset; /* byte offset from the start of the file or stream */
	char *endpoint; /* "host:port" */
	char *stream;   /* a capture's stream id, an archive member, ... */
};

struct finding {
	char *kind;     /* "pan", "weak-cipher", ... */
	char *severity; /* critical, high, medium, low, info (or NULL) */
	char *message;  /* one line for a person, masked */
	char *excerpt;  /* masked context, never the secret itself */
	struct location loc;
};

struct facts {
	pthread_mutex_t lock;
	struct fact *facts;
	size_t nfacts, capfacts;
	/* open-addressed index over facts by key: index + 1, 0 when empty */
	size_t *slots;
	size_t nslots;
	struct finding *findings;
	size_t nfindings, capfindings;
	char **errors;
	size_t nerrors, caperrors;
};

void facts_init(struct facts *f);
void facts_free(struct facts *f);

/*
 * Keys are dotted lowercase names: [a-z0-9_] segments joined by '.', at
 * most 200 bytes, with no run of 13 or more digits (it could be a card
 * number, and keys are written out unmasked). Adding a key that exists replaces its value. The add
 * functions return 0, or -1 with err_set() for an invalid key.
 */
bool facts_key_valid(const char *key);
int facts_add_bool(struct facts *f, const char *key, bool v);
int facts_add_int(struct facts *f, const char *key, int64_t v);
int facts_add_double(struct facts *f, const char *key, double v);
int facts_add_string(struct facts *f, const char *key, const char *v);
int facts_add_list(struct facts *f, const char *key, const char *const *items, size_t n);
/* Append one string to the list under key (created empty if missing). */
int facts_list_append(struct facts *f, const char *key, const char *item);
/* Add a copy of v (any type) under key. */
int facts_add_value(struct facts *f, const char *key, const struct fact_value *v);

/* Copy a finding in (strings masked). Unset numbers in loc must be -1. */
void facts_add_finding(struct facts *f, const struct finding *fd);
/* Initialise a finding's location to "unset". */
void finding_loc_init(struct location *loc);

/*
 * Record an error: the probe could not decide something. A probe that
 * returns <0 must have set at least one. printf-style; masked.
 */
void facts_error(struct facts *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Look up a key; NULL when absent. Not locked: call after the probe ends. */
const struct fact_value *facts_get(const struct facts *f, const char *key);

void fact_value_free(struct fact_value *v);
void fact_value_copy(struct fact_value *dst, const struct fact_value *src);
/* Human rendering of a value ("true", "12", "[a, b]"); caller frees. */
char *fact_value_str(const struct fact_value *v);

/*
 * The flag for reals in the JSON files and output assay writes for people
 * and tools (results.json, `probe --json`, the JSON and SARIF reports):
 * 12 significant digits. jansson's default of 17 prints 1.62 as
 * 1.6200000000000001 and a duration as 13.451163999736309, runs of 15 and
 * 16 digits that a reader, or a card-data scanner run over the reports,
 * takes for a card number; 12 stays short of the 13 digits the shortest
 * card number has. (The scheduler's pipe keeps full precision.)
 */
#define FACTS_JSON_REAL JSON_REAL_PRECISION(12)

/* JSON: a value <-> json_t (bool, integer, real, string, array of strings). */
json_t *fact_value_to_json(const struct fact_value *v);
int fact_value_from_json(struct fact_value *v, const json_t *j);

/*
 * The whole store as {"facts": {...}, "findings": [...], "errors": [...]}
 * members added to obj; and back. facts_from_json() validates every key
 * and value and sets err_set() on bad input.
 */
void facts_to_json(const struct facts *f, json_t *obj);
int facts_from_json(struct facts *f, const json_t *obj);
json_t *finding_to_json(const struct finding *fd);
int finding_from_json(struct finding *fd, const json_t *j);
void finding_free(struct finding *fd);

#endif
