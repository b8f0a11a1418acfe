# bench/: the POSIX benchmark (bench.c), a static musl program that runs unchanged on the
# Linux host, in a Linux guest and in capix. tools/bench-linux runs it on the Linux side
# and writes build/bench/linux.tsv. See bench/README.md.
POSIXBENCH := $(BUILD)/bench/posixbench
$(POSIXBENCH): MUSL_CFLAGS := -std=c11 $(WARN) -O2 -g -static
$(call musl_program,$(POSIXBENCH),bench/bench.c bench/module.mk,$(DEPFLAGS))
TEST_SCRIPTS += bench/test-bench.sh bench/test-table.py
# and in the default image's read-only part (/bin/posixbench on the rootfs server, also
# in `make run`): tools/bench-linux runs capix's figures from there, as the Linux guest
# runs it from its initramfs, so that both map its code from their file cache
$(BUILD)/rootfs/bin/posixbench: $(POSIXBENCH)
	@mkdir -p $(@D)
	cp $< $@
ALL_TARGETS += $(BUILD)/rootfs/bin/posixbench
