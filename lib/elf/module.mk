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

$(call host_test,elf_test,lib/elf/elf.c lib/elf/elf_test.c,$(ELF_TEST_DATA)/.stamp)
$(call fuzzer,elf_fuzz,lib/elf/elf.c lib/elf/elf_fuzz.c,lib/elf/fuzz-seeds)
