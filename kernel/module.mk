# The kernel: build/kernel/capix.elf (ELF64 with a PVH note, loaded by qemu -kernel).
# The freestanding string helpers and the tar and ELF readers of lib/ are compiled in.

KERNEL_SRCS := $(wildcard kernel/core/*.c) $(wildcard kernel/arch/x86_64/*.c) \
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
