# lib/elf: ELF64 parsing for loaders and fault reports, its host test (over binaries
# built on the host at build time by make-test-binaries.sh) and its fuzzer.
# The fuzz seeds are tiny executables made once with
#   gcc -nostdlib -static -Os -Wl,-n -o tiny-static tiny.c
#   gcc -nostdlib -pie -fPIE -Os -Wl,-z,max-page-size=16 -Wl,-z,noseparate-code \
#       -Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1 -o tiny-pie tiny.c
# from a tiny.c with a _start, a helper function and a _Thread_local variable.

LIBCAPIX_SRCS += lib/elf/elf.c

ELF_TEST_DATA := $(BUILD)/host/tests/elf-data
$(ELF_TEST_DATA)/.stamp: lib/elf/make-test-binaries.sh lib/elf/test_program.c | $(DEPS_STAMP)
	lib/elf/make-test-binaries.sh $(ELF_TEST_DATA)
	@touch $@
$(BUILD)/host/lib/elf/elf_test.o: HOST_CFLAGS += -DELF_TEST_DATA='"$(abspath $(ELF_TEST_DATA))"'

HOST_TESTS += $(BUILD)/host/tests/elf_test
$(BUILD)/host/tests/elf_test: $(BUILD)/host/lib/elf/elf.o $(BUILD)/host/lib/elf/elf_test.o \
		| $(ELF_TEST_DATA)/.stamp
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

FUZZERS += $(BUILD)/fuzz/elf_fuzz
$(BUILD)/fuzz/elf_fuzz: $(BUILD)/fuzz/lib/elf/elf.o $(BUILD)/fuzz/lib/elf/elf_fuzz.o \
		| $(BUILD)/fuzz/.elf-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.elf-seeded: $(wildcard lib/elf/fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-elf_fuzz
	cp lib/elf/fuzz-seeds/* $(BUILD)/fuzz/corpus-elf_fuzz/
	@touch $@
