# bench/: the POSIX benchmark (bench.c), a static musl program that runs unchanged on the
# Linux host, in a Linux guest and in capix. tools/bench-linux runs it on the Linux side
# and writes build/bench/linux.tsv. See bench/README.md.
POSIXBENCH := $(BUILD)/bench/posixbench
POSIXBENCH_CC := musl-gcc
POSIXBENCH_CFLAGS := -std=c11 $(WARN) -O2 -g -static

$(POSIXBENCH): bench/bench.c bench/module.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(POSIXBENCH_CC) $(POSIXBENCH_CFLAGS) $(DEPFLAGS) $< -o $@

ALL_TARGETS += $(POSIXBENCH)
TEST_SCRIPTS += bench/test-bench.sh bench/test-table.py
