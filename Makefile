# SPDX-License-Identifier: GPL-2.0
#
# palm: pro-active live migration for QEMU/KVM hosts.
#
#   make               build palmctl, palmd, the test guest and the tests into build/
#   make check         install deps, build with ASan/UBSan into build/check, run tests with prove
#   make demo          run a real live migration between two local QEMU processes
#   make fuzz          build the libFuzzer targets and run each for FUZZ_RUNS inputs
#   make bench         run the benchmarks (results under bench/results/)
#   make defconfig | menuconfig | olddefconfig | savedefconfig
#   make deps          install the Debian packages palm needs
#   make V=1           show the commands

BUILD ?= build
V ?= 0
SANITIZE ?= 0
FUZZ ?= 0
FUZZ_RUNS ?= 200000

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG

# A fresh tree builds with the defaults; `make menuconfig` changes them.
# .config is a real target: made from configs/defconfig when absent, and
# brought up to date (new symbols at their defaults) when Kconfig changes.
# Until `make deps` has installed kconfig-conf, nothing is made here.
$(KCONFIG_CONFIG): Kconfig configs/defconfig
	$(Q)if ! command -v kconfig-conf >/dev/null; then \
		echo "  (kconfig-conf not installed yet: 'make deps' installs it)"; \
	elif [ -f $@ ]; then \
		kconfig-conf --olddefconfig Kconfig >/dev/null; \
	else \
		kconfig-conf --defconfig=configs/defconfig Kconfig >/dev/null; \
	fi
-include $(KCONFIG_CONFIG)

CC ?= cc
ifeq ($(CC),cc)
CC := gcc
endif

CONFIG_H := $(BUILD)/include/generated/palm_config.h

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wstrict-prototypes -fno-strict-aliasing \
	-D_GNU_SOURCE -I. -I$(BUILD)/include -MMD -MP \
	$(shell pkg-config --cflags jansson libzstd 2>/dev/null)
LDLIBS := $(shell pkg-config --libs jansson libzstd 2>/dev/null || echo -ljansson -lzstd) -lm

ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

.DEFAULT_GOAL := all

# Each module lists its library objects in lib-y and its programs in prog-y.
lib-y :=
prog-y :=
ALL_TARGETS :=
include $(sort $(wildcard */build.mk */*/build.mk))

LIB := $(BUILD)/libpalm.a
LIB_OBJS := $(addprefix $(BUILD)/,$(lib-y))
PROGS := $(addprefix $(BUILD)/,$(prog-y))

# Tests: every tests/<area>/*_test.c is one TAP program; tests/lib/ is shared.
TEST_SRCS := $(sort $(wildcard tests/*/*_test.c))
TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
TESTLIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
TEST_SCRIPTS := $(sort $(wildcard tests/*/*_test.sh))

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

ALL_TARGETS += $(PROGS) $(TEST_BINS)

# Test objects are intermediate to pattern rules; keep them between builds.
.SECONDARY:

.PHONY: all
all: $(ALL_TARGETS)

$(CONFIG_H): $(KCONFIG_CONFIG) Kconfig scripts/gen-config-h.sh
	$(quiet) GEN $@
	$(Q)mkdir -p $(dir $@)
	$(Q)sh scripts/gen-config-h.sh Kconfig $(KCONFIG_CONFIG) $@

$(BUILD)/%.o: %.c $(CONFIG_H)
	$(quiet) CC $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/core/%: $(BUILD)/core/%_main.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%_test: $(BUILD)/tests/%_test.o $(TESTLIB_OBJS) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(LIB)
	$(quiet) LD $@
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.PHONY: tests
# mig_model: the calibration test runs the fit `make bench` runs
tests: $(TEST_BINS) $(PROGS) $(GUEST_ELF) $(MIG_MODEL)

# --- configuration -------------------------------------------------------

.PHONY: defconfig olddefconfig menuconfig savedefconfig
defconfig:
	$(Q)kconfig-conf --defconfig=configs/defconfig Kconfig
olddefconfig:
	$(Q)kconfig-conf --olddefconfig Kconfig
menuconfig:
	$(Q)kconfig-mconf Kconfig
savedefconfig:
	$(Q)kconfig-conf --savedefconfig=defconfig Kconfig
	@echo "wrote ./defconfig; copy it to configs/defconfig to make it the default"

# --- dependencies, tests, demo, fuzzing, benchmarks ----------------------

.PHONY: deps check demo fuzz bench clean
deps:
	$(Q)sh scripts/install-deps.sh

# Sanitized build in its own tree so that `make` and `make check` never
# mix objects.  prove runs every test program; a skipped test passes.
# prove hides TAP comments: the failed tests' diagnostics are kept aside
# and printed last (long lines cut), where a CI log's tail shows them.
CHECK_FAILLOG := build/check/failed-tests.log
check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/check SANITIZE=1 tests
	$(Q)rm -f $(CHECK_FAILLOG)
	$(Q)PALM_BUILD=build/check PALM_TEST_FAILLOG=$(CURDIR)/$(CHECK_FAILLOG) \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    prove --timer --exec '' $(patsubst %.c,build/check/%,$(TEST_SRCS)) \
	    $(if $(TEST_SCRIPTS),$(TEST_SCRIPTS)) || \
	{ echo "--- diagnostics of the failed tests ($(CHECK_FAILLOG)) ---"; \
	  cut -c1-600 $(CHECK_FAILLOG) 2>/dev/null; exit 1; }

# demo, check and bench re-read this Makefile after deps: pkg-config
# answers only once the packages are there.
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PALM_BUILD=$(BUILD) sh scripts/demo.sh

# Decoders of frames from other hosts get the longest runs: they face the
# network.  FUZZ_RUNS_<target> overrides one target.
FUZZ_RUNS_fuzz_tel_frame ?= $(shell echo $$(($(FUZZ_RUNS) * 15)))
FUZZ_RUNS_fuzz_tel_wire ?= $(shell echo $$(($(FUZZ_RUNS) * 10)))
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))

fuzz: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang FUZZ=1 fuzz-targets
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz fuzz-run

.PHONY: fuzz-run
fuzz-run: $(addprefix fuzz-run-,$(FUZZ_NAMES))

# Each target runs over its seeds (tests/fuzz/corpus/<name>/) and a
# working corpus kept under build/fuzz/corpus/.
fuzz-run-%:
	$(Q)mkdir -p build/fuzz/corpus/$*
	@echo "  FUZZ    $* ($(or $(FUZZ_RUNS_$*),$(FUZZ_RUNS)) runs)"
	$(Q)build/fuzz/fuzz/$* -runs=$(or $(FUZZ_RUNS_$*),$(FUZZ_RUNS)) \
	    -max_len=65536 -print_final_stats=1 build/fuzz/corpus/$* \
	    $(wildcard tests/fuzz/corpus/$(patsubst fuzz_%,%,$*)) \
	    2>build/fuzz/$*.log || { tail -40 build/fuzz/$*.log; exit 1; }
	$(Q)grep -E 'stat::number_of_executed_units' build/fuzz/$*.log

.PHONY: fuzz-targets
fuzz-targets: $(FUZZ_BINS)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PALM_BUILD=$(BUILD) sh bench/run.sh

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
