/*
 * ELF hardening checks, with checksec's meaning for each field (checksec
 * 2.6, Debian's package, is the reference the tests and bench compare
 * against), parsed straight from the file: 32- and 64-bit, either byte
 * order, every offset and count bounded by the buffer.
 */
#ifndef ASSAY_PROBES_APP_ELF_H
#define ASSAY_PROBES_APP_ELF_H

#include "probes/app/bytes.h"

enum elf_relro { RELRO_NONE, RELRO_PARTIAL, RELRO_FULL };

struct elf_check {
	int bits; /* 32 or 64 */
	bool be;  /* big-endian */
	uint16_t type, machine;
	enum elf_relro relro;
	bool canary;
	bool nx;         /* PT_GNU_STACK present and not executable */
	bool execstack;  /* PT_GNU_STACK with PF_X, or no PT_GNU_STACK at all */
	const char *pie; /* "yes", "no" (ET_EXEC), "dso", "rel", or "other" */
	bool rpath, runpath;
	char rpath_s[256], runpath_s[256];
	bool symtab; /* not stripped: a .symtab section */
	uint64_t nsymtab;
	bool debug;           /* .debug_* sections */
	bool fortify;         /* some imported __*_chk */
	unsigned fortified;   /* dynamic symbols that are a glibc __X_chk */
	unsigned fortifiable; /* fortified + plain X that has a __X_chk */
	bool ibt, shstk;      /* x86 GNU property FEATURE_1_AND */
	bool bti, pac;        /* AArch64 GNU property FEATURE_1_AND */
	bool ptrace;          /* imports ptrace (anti-debugging in native code) */
	char warning[200];    /* a non-fatal problem met (bad section table, ...) */
};

/* Whether the span starts with the ELF magic. */
bool elf_is(struct span s);
/* 0, or -1 with err_set("offset N: ...") when the headers cannot be read. */
int elf_check(struct elf_check *c, struct span s);
/* The machine's short name ("x86_64", "aarch64", ...). */
const char *elf_machine_name(uint16_t m);

#endif
