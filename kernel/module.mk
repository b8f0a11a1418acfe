# The kernel: build/kernel/capix.elf (ELF64 with a PVH note, loaded by qemu -kernel).
# The freestanding string helpers and the tar and ELF readers of lib/ are compiled in.

KERNEL_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard kernel/core/*.c)) \
               $(wildcard kernel/arch/x86_64/*.c) \
               $(wildcard kernel/arch/x86_64/*.S) lib/capix/string.c lib/capix/vsnprintf.c lib/tar/tar.c lib/elf/elf.c
KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KERNEL_SRCS))
KERNEL_ELF := $(BUILD)/kernel/capix.elf
KERNEL_INC := -isystem lib/include/freestanding -Ilib/include

$(BUILD)/kernel/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(KERNEL_CFLAGS) $(KERNEL_INC) $(DEPFLAGS) -c $< -o $@
$(BUILD)/kernel/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(KERNEL_CC) $(KERNEL_CFLAGS) $(KERNEL_INC) $(DEPFLAGS) -c $< -o $@
$(KERNEL_ELF): $(KERNEL_OBJS) kernel/arch/x86_64/kernel.ld
	$(KERNEL_CC) $(KERNEL_LDFLAGS) -T kernel/arch/x86_64/kernel.ld $(KERNEL_OBJS) -o $@

ALL_TARGETS += $(KERNEL_ELF)

# The Multiboot2 reader (core/bootinfo.c, no kernel dependencies): host test and fuzzer.
HOST_TESTS += $(BUILD)/host/tests/bootinfo_test
$(BUILD)/host/tests/bootinfo_test: $(BUILD)/host/kernel/core/bootinfo_test.o \
		$(BUILD)/host/kernel/core/bootinfo.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@
FUZZERS += $(BUILD)/fuzz/bootinfo_fuzz
$(BUILD)/fuzz/bootinfo_fuzz: $(BUILD)/fuzz/kernel/core/bootinfo_fuzz.o \
		$(BUILD)/fuzz/kernel/core/bootinfo.o | $(BUILD)/fuzz/.bootinfo-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.bootinfo-seeded: $(BUILD)/host/tests/bootinfo_test
	@mkdir -p $(BUILD)/fuzz/corpus-bootinfo_fuzz
	$(BUILD)/host/tests/bootinfo_test --seed $(BUILD)/fuzz/corpus-bootinfo_fuzz/grub
	@touch $@
