# assay — build, test, demo, bench, install.
#
# `make` builds build/assay. `make test` runs every Criterion suite under
# tests/ (unit and end-to-end; the end-to-end suites run the built binary).
# `make asan` builds the same tree with AddressSanitizer and UBSan into
# build/asan/ and runs the same tests against it. `make demo` and `make test`
# first run scripts/bootstrap, which installs missing Debian packages.

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
PKGS     := libxml-2.0 jansson inih libcrypto
VERSION  := 0.1.0

# `make` alone builds build/assay, whatever rules the modules below add.
.DEFAULT_GOAL := all

# Each probe or report module may add pkg-config names (PKGS += libcurl)
# in its own module.mk, and Debian packages in its deps.debian, which
# scripts/bootstrap installs; no shared file changes when a module lands.
-include $(wildcard probes/*/module.mk reports/module.mk)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -I. $(PKG_CFLAGS) \
	-DASSAY_VERSION='"$(VERSION)"' -DASSAY_DATADIR='"$(PREFIX)/share/assay"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS     := $(PKG_LIBS) -lpthread -lm

# EXCLUDE (patterns) leaves sources out of a build, e.g. a module in progress.
SRC      := $(filter-out $(EXCLUDE),$(wildcard lib/*.c harness/*.c probes/*.c probes/*/*.c rules/*.c reports/*.c))
MAIN     := harness/main.c
LIBSRC   := $(filter-out $(MAIN),$(SRC))
LIBOBJ   := $(LIBSRC:%.c=$(BUILD)/obj/%.o)
TESTSRC  := $(wildcard tests/test_*.c tests/hostile/test_*.c)
TESTBIN  := $(TESTSRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all test asan valgrind demo bench install clean bootstrap format fuzz
all: $(BUILD)/assay

# Quiet by default, as the kernel's build is; `make V=1` shows the commands.
Q        := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libassay.a: $(LIBOBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BUILD)/assay: $(BUILD)/obj/$(MAIN:.c=.o) $(BUILD)/libassay.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/testutil.h $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libassay.a $(LIBS) $(CRIT_LIBS)

bootstrap:
	@scripts/bootstrap

# Each suite runs from the repository root with ASSAY_BIN naming the binary
# under test; scripts/run-tests closes with "N passed, N failed".
# The SARIF suite validates against the published schema, fetched once
# from the npm registry (pinned, sha512-checked; scripts/sarif-schema).
# Offline, only the tests that need it fail, saying why.
SARIF_SCHEMA := build/testdata/sarif-2.1.0-rtm.5.json

test: bootstrap
	@$(MAKE) --no-print-directory $(BUILD)/assay $(TESTBIN)
	@/usr/bin/python3 scripts/sarif-schema fetch $(SARIF_SCHEMA) || true
	@scripts/run-tests $(BUILD)/assay $(TESTBIN)

asan: bootstrap
	@$(MAKE) --no-print-directory test BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined"

# Memcheck over every suite and every assay the suites run (forks are
# followed; system tools under /bin and /usr are not). An error or a
# definite leak makes the process exit 99, which fails its test.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions=reports/valgrind.supp \
	--show-leak-kinds=definite --trace-children=yes --trace-children-skip=/bin/*,/usr/*,*.sh

valgrind: bootstrap
	@/usr/bin/python3 scripts/sarif-schema fetch $(SARIF_SCHEMA) || true
	@$(MAKE) --no-print-directory $(BUILD)/assay $(TESTBIN)
	@TEST_WRAPPER="$(VALGRIND)" TEST_JOBS=1 scripts/run-tests $(BUILD)/assay $(TESTBIN)

# libFuzzer harnesses (fuzz/), built with clang and ASan+UBSan into
# build/fuzz/; `make fuzz FUZZ_SECONDS=N` runs each for N seconds from its
# seeds (fuzz/seeds/<name>) and any crash it found before (fuzz/regress/).
# A crash stops the run with the input saved in build/fuzz/; add it to
# fuzz/regress/<name>/ once fixed so `make test` replays it forever.
FUZZ_SECONDS ?= 20
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS  := -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -I. $(PKG_CFLAGS) \
	-DASSAY_VERSION='"$(VERSION)"' -DASSAY_DATADIR='"$(PREFIX)/share/assay"' \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -MMD -MP
FUZZ_LIBOBJ  := $(LIBSRC:%.c=build/fuzz/obj/%.o)
# header changes rebuild the fuzz objects too (a stale layout is a false crash)
-include $(wildcard $(FUZZ_LIBOBJ:.o=.d))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

build/fuzz/libassay.a: $(FUZZ_LIBOBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h build/fuzz/libassay.a
	@$(if $(Q),echo "  FUZZER  $@")
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -DASSAY_FUZZ_MAIN -o $@ $< build/fuzz/libassay.a $(LIBS)

fuzz:
	@scripts/bootstrap fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_BIN)

demo: bootstrap
	@$(MAKE) --no-print-directory $(BUILD)/assay
	@scripts/demo $(BUILD)/assay

bench: $(BUILD)/assay
	@bench/run $(BUILD)/assay

install: $(BUILD)/assay
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/assay/rules
	install -m 755 $(BUILD)/assay $(DESTDIR)$(PREFIX)/bin/assay
	install -m 644 rules/*.xml rules/ruleset.xsd $(DESTDIR)$(PREFIX)/share/assay/rules/
	for d in probes/*/; do p=$$(basename $$d); [ -f $$d/README.md ] || continue; \
		install -d $(DESTDIR)$(PREFIX)/share/assay/probes/$$p && \
		install -m 644 $$d/README.md $(DESTDIR)$(PREFIX)/share/assay/probes/$$p/; done

format:
	clang-format -i $(SRC) $(wildcard lib/*.h harness/*.h probes/*.h probes/*/*.h rules/*.h reports/*.h) $(TESTSRC) tests/testutil.h

clean:
	rm -rf build out

-include $(LIBOBJ:.o=.d) $(BUILD)/obj/$(MAIN:.c=.d)
