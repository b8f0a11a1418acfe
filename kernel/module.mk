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
$(call host_test,bootinfo_test,kernel/core/bootinfo_test.c kernel/core/bootinfo.c)
# its seed: the host test writes the boot information GRUB gives
$(call fuzzer,bootinfo_fuzz,kernel/core/bootinfo_fuzz.c kernel/core/bootinfo.c,$(BUILD)/fuzz/.bootinfo-seeded)
$(BUILD)/fuzz/.bootinfo-seeded: $(BUILD)/host/tests/bootinfo_test
	@mkdir -p $(BUILD)/fuzz/corpus-bootinfo_fuzz
	$(BUILD)/host/tests/bootinfo_test --seed $(BUILD)/fuzz/corpus-bootinfo_fuzz/grub
	@touch $@
