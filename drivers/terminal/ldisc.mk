# The line discipline (ldisc.c): compiled freestanding into $(BUILD)/user/ to keep it
# so (the terminal server links it), a host test and a fuzzer (seeds in fuzz-seeds/).

LDISC_SRCS := drivers/terminal/ldisc.c

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(LDISC_SRCS))

HOST_TESTS += $(BUILD)/host/tests/ldisc_test
$(BUILD)/host/tests/ldisc_test: $(patsubst %.c,$(BUILD)/host/%.o,drivers/terminal/ldisc_test.c \
		drivers/terminal/ldisc_edit_test.c drivers/terminal/ldisc_output_test.c $(LDISC_SRCS))
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# Sequences of input, reads, writes, settings, flushes and flow control.
FUZZERS += $(BUILD)/fuzz/ldisc_fuzz
$(BUILD)/fuzz/ldisc_fuzz: $(BUILD)/fuzz/drivers/terminal/ldisc_fuzz.o \
		$(patsubst %.c,$(BUILD)/fuzz/%.o,$(LDISC_SRCS)) | $(BUILD)/fuzz/.ldisc-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.ldisc-seeded: $(wildcard drivers/terminal/fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-ldisc_fuzz
	cp drivers/terminal/fuzz-seeds/* $(BUILD)/fuzz/corpus-ldisc_fuzz/
	@touch $@
