# lib/tar: the in-memory tar reader, its host test (over archives made by the host's
# tar at build time) and its fuzzer.

LIBCAPIX_SRCS += lib/tar/tar.c

TAR_TEST_DATA := $(BUILD)/host/tests/tar-data
$(TAR_TEST_DATA)/.stamp: lib/tar/make-test-archives.sh | $(DEPS_STAMP)
	lib/tar/make-test-archives.sh $(TAR_TEST_DATA)
	@touch $@
$(BUILD)/host/lib/tar/tar_test.o: HOST_CFLAGS += -DTAR_TEST_DATA='"$(abspath $(TAR_TEST_DATA))"'

HOST_TESTS += $(BUILD)/host/tests/tar_test
$(BUILD)/host/tests/tar_test: $(BUILD)/host/lib/tar/tar.o $(BUILD)/host/lib/tar/tar_test.o \
		| $(TAR_TEST_DATA)/.stamp
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

FUZZERS += $(BUILD)/fuzz/tar_fuzz
$(BUILD)/fuzz/tar_fuzz: $(BUILD)/fuzz/lib/tar/tar.o $(BUILD)/fuzz/lib/tar/tar_fuzz.o \
		| $(BUILD)/fuzz/.tar-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.tar-seeded: $(wildcard lib/tar/fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-tar_fuzz
	cp lib/tar/fuzz-seeds/* $(BUILD)/fuzz/corpus-tar_fuzz/
	@touch $@
