# capix: one non-recursive Makefile. Every product goes under build/.
# Each top-level folder contributes a module.mk that adds to these lists (the scenarios
# come from their folders):
#   HOST_TESTS   host test executables (print PASS/FAIL lines, exit 0 iff all passed)
#   TEST_SCRIPTS scripts run by `make test` with the same convention
#   SCENARIOS    names of QEMU scenarios, derived from tests/scenarios/*/ (tests/module.mk)
#   FUZZERS      libFuzzer executables, run briefly by `make test`, longer by `make fuzz`
#   FUZZ_SCENARIOS QEMU scenarios run by `make fuzz` only (long fuzzing inside capix):
#                the scenario folders with a file `fuzz-only`
#   BOOT_MODULES files packed into the boot archive next to init
# A host test, a fuzzer with its seeds and a static musl program are declared with one call
# each (mk/rules.mk: host_test, fuzzer, musl_program), which adds them to these lists.

.DEFAULT_GOAL := all
SHELL := /bin/bash
BUILD := build
DEPS_STAMP := $(BUILD)/.deps-ok

HOST_TESTS :=
TEST_SCRIPTS :=
SCENARIOS :=
FUZZERS :=
FUZZ_SCENARIOS :=
BOOT_MODULES :=
ALL_TARGETS :=

include mk/flags.mk
include mk/rules.mk
include lib/module.mk
include kernel/module.mk
include init/module.mk
include vfs/module.mk
include vfs-plugins/module.mk
include fs-servers/module.mk
include drivers/module.mk
include net/module.mk
include libc/module.mk
include posix-spawn/module.mk
include tests/module.mk
include tools/module.mk
-include ports/module.mk
-include bench/module.mk
-include posix-test/module.mk

$(DEPS_STAMP): tools/ensure-deps
	@tools/ensure-deps $@

.PHONY: all deps run image test scenario bench fuzz format format-check clean ports posix-test FORCE
# FORCE: a generated file whose recipe writes it only when its text changed
FORCE:
all: $(DEPS_STAMP) $(ALL_TARGETS)
deps: $(DEPS_STAMP)

run: all
	tools/run-qemu --interactive --config config/default.config $(if $(UEFI),--uefi)

# A GPT disk image that UEFI firmware boots (docs/boot.md): build/capix.img.
image: all
	tools/mkimage --config config/default.config --out $(BUILD)/capix.img --home 64

scenario: all
	@test -n "$(S)" || { echo "usage: make scenario S=NAME (one of: $(SCENARIOS))"; exit 2; }
	tools/run-scenario $(S)

test: all $(HOST_TESTS) $(FUZZERS)
	@tools/run-tests $(foreach t,$(HOST_TESTS),"host:$(t)") \
	    $(foreach t,$(TEST_SCRIPTS),"script:$(t)") \
	    $(foreach f,$(FUZZERS),"fuzz:$(f)") \
	    $(foreach s,$(SCENARIOS),"scenario:$(s)")

fuzz: all $(FUZZERS)
	@for f in $(FUZZERS); do echo "== $$f"; $$f -max_total_time=$${FUZZ_SECONDS:-60} \
	    $$(dirname $$f)/corpus-$$(basename $$f) || exit 1; done
	@for s in $(FUZZ_SCENARIOS); do echo "== scenario $$s"; tools/run-scenario $$s || exit 1; done

# ICOUNT=1: capix and the Linux guest run with -icount shift=0,sleep=off (TCG): the
# figures are instruction counts that repeat exactly (docs/measurements.md). ROUNDS=N:
# the guest and capix run by turns N times, each side's best round counts (default 5
# under TCG time, else 1; tools/bench-linux --rounds).
bench: all
	CAPIX_ICOUNT=$(if $(ICOUNT),1,0) $(if $(ROUNDS),BENCH_ROUNDS=$(ROUNDS)) tools/bench

posix-test: all
	tools/posix-test

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^ports/')
format:
	clang-format -i $(FORMAT_FILES)
format-check: $(DEPS_STAMP)
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: ok"

clean:
	rm -rf $(BUILD)

# dependency files of our own objects (not those inside unpacked port sources)
-include $(shell find $(BUILD) \( -path $(BUILD)/ports-work -o -path $(BUILD)/ports-cache \) \
    -prune -o -name '*.d' -type f -print 2>/dev/null)
