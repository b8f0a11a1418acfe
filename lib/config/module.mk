# lib/config: the system configuration parser (docs/config.md), its host test and fuzzer.

LIBCAPIX_SRCS += lib/config/config.c

HOST_TESTS += $(BUILD)/host/tests/config_test
$(BUILD)/host/tests/config_test: $(BUILD)/host/lib/config/config.o \
		$(BUILD)/host/lib/config/config_test.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

FUZZERS += $(BUILD)/fuzz/config_fuzz
$(BUILD)/fuzz/config_fuzz: $(BUILD)/fuzz/lib/config/config.o \
		$(BUILD)/fuzz/lib/config/config_fuzz.o | $(BUILD)/fuzz/.config-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.config-seeded: $(wildcard lib/config/fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-config_fuzz
	cp lib/config/fuzz-seeds/* $(BUILD)/fuzz/corpus-config_fuzz/
	@touch $@
