/* The commands of the assay binary; the table is in harness/main.c. */
#ifndef ASSAY_HARNESS_CMDS_H
#define ASSAY_HARNESS_CMDS_H

/* Exit codes: the CI contract (README.md). */
enum {
	EXIT_CLEAN = 0,      /* nothing failed at or above --fail-on */
	EXIT_FAILED = 1,     /* a rule failed at or above --fail-on */
	EXIT_USAGE = 2,      /* usage, plan or rule-file error */
	EXIT_INCOMPLETE = 3, /* a probe errored or timed out, or an output could not
				be written; nothing failed at or above --fail-on */
};

int cmd_run(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_probes(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Shared by commands: load the default rule folder plus an extra one. */
struct rulebook;
int cmd_load_rules(struct rulebook *b, const char *extra_dir);
/* Render the formats in a comma list into dir (or one file); 0 or -1. */
struct results;
int cmd_render(const struct results *r, const char *formats, const char *dir, const char *file,
               const char *lang, int quiet);

#endif
