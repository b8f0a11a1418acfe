# lib/tar: the in-memory tar reader, its host test (over archives made by the host's
# tar at build time) and its fuzzer.

LIBCAPIX_SRCS += lib/tar/tar.c

TAR_TEST_DATA := $(BUILD)/host/tests/tar-data
$(TAR_TEST_DATA)/.stamp: lib/tar/make-test-archives.sh | $(DEPS_STAMP)
	lib/tar/make-test-archives.sh $(TAR_TEST_DATA)
	@touch $@
$(BUILD)/host/lib/tar/tar_test.o: HOST_CFLAGS += -DTAR_TEST_DATA='"$(abspath $(TAR_TEST_DATA))"'

$(call host_test,tar_test,lib/tar/tar.c lib/tar/tar_test.c,$(TAR_TEST_DATA)/.stamp)
$(call fuzzer,tar_fuzz,lib/tar/tar.c lib/tar/tar_fuzz.c,lib/tar/fuzz-seeds)
