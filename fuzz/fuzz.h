/*
 * libFuzzer harnesses for assay's parsers (`make fuzz`). Each harness is
 * a function fuzz_<name>(data, size) that must neither crash, hang, leak
 * nor trip a sanitizer for any input, and aborts when an invariant
 * breaks. Built with ASSAY_FUZZ_MAIN it is libFuzzer's entry point;
 * without, tests/test_fuzz_regress.c replays the seeds and every input
 * that once crashed (fuzz/regress/) through it in `make test`.
 */
#ifndef ASSAY_FUZZ_FUZZ_H
#define ASSAY_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef ASSAY_FUZZ_MAIN
#define FUZZ_TARGET(name)                                                                          \
	int fuzz_##name(const uint8_t *data, size_t size);                                         \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		return fuzz_##name(data, size);                                                    \
	}                                                                                          \
	int fuzz_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                                                          \
	int fuzz_##name(const uint8_t *data, size_t size);                                         \
	int fuzz_##name(const uint8_t *data, size_t size)
#endif

#endif
