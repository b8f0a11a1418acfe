# posix-test/: the Open POSIX Test Suite runner. ptrun (runner.c) is a static musl
# program, so the same binary runs the tests on the Linux host and, later, inside capix;
# results.py turns its result files into the side-by-side table. `make posix-test` runs
# tools/posix-test. See posix-test/README.md.
PTRUN := $(BUILD)/posix-test/ptrun
$(PTRUN): MUSL_CFLAGS := -std=c11 $(WARN) -O2 -g -static
$(call musl_program,$(PTRUN),posix-test/runner.c posix-test/module.mk,$(DEPFLAGS))
TEST_SCRIPTS += posix-test/test-results.py posix-test/test-runner.sh
TEST_SCRIPTS += posix-test/capix-subset.sh
