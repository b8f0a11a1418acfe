# ktest: the kernel test program (native), run by the `kernel` scenario.
KTEST_SRCS := $(wildcard tests/ktest/*.c) $(wildcard tests/ktest/*.S)
KTEST_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(basename $(KTEST_SRCS)))
KTEST_OBJS := $(KTEST_OBJS:%=%)
$(BUILD)/user/bin/ktest: $(patsubst %,$(BUILD)/user/%.o,$(basename $(KTEST_SRCS))) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/ktest
# attacks.c jumps to the kernel's syscall entry on purpose: its address, from the image.
KTEST_KSYMS := $(BUILD)/user/tests/ktest/ksyms.h
$(KTEST_KSYMS): $(KERNEL_ELF)
	@mkdir -p $(dir $@)
	nm $< | awk '$$3 == "syscall_entry" { print "#define KT_SYSCALL_ENTRY 0x" $$1 "ul" }' > $@
	@grep -q KT_SYSCALL_ENTRY $@ || { echo "no syscall_entry in $<" >&2; rm -f $@; exit 1; }
$(BUILD)/user/tests/ktest/attacks.o: $(KTEST_KSYMS)
$(BUILD)/user/tests/ktest/attacks.o: USER_CFLAGS += -I$(BUILD)/user/tests/ktest
