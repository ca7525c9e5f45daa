/*
 * assay's entry point: the command table, as git's git.c does it. Each
 * command is one row and one function (harness/cmd_*.c) that parses its
 * own options and prints its own --help.
 */
#include "harness/cmds.h"

#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run a plan: probes, rules, results.json and reports"},
    {"probe", cmd_probe, "run one probe on one target and print its facts"},
    {"probes", cmd_probes, "list the registered probes"},
    {"report", cmd_report, "render an earlier results.json in another format"},
    {"rules", cmd_rules, "list rule sets, or validate rule files"},
    {"merge", cmd_merge, "combine the results of the shards of one plan"},
    {"verify", cmd_verify, "check a signed output folder: hashes, signature, chain, timestamp"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: assay [--version] [--help] COMMAND [ARGS]\n\n"
	           "assay assesses payment and fintech systems against UPDSS and JR/T 0092:\n"
	           "probes gather facts, rule sets judge them, reports tell the verdicts.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'assay COMMAND --help' describes a command.\n"
	           "exit codes: 0 clean, 1 rules failed at or above --fail-on, 2 usage, plan or\n"
	           "rule-file error, 3 run incomplete (a probe errored or timed out).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("assay %s\n", ASSAY_VERSION);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "assay: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
