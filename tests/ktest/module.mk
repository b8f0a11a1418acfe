# ktest: the kernel test program (native), run by the `kernel` scenario.
KTEST_SRCS := $(wildcard tests/ktest/*.c) $(wildcard tests/ktest/*.S)
KTEST_OBJS := $(patsubst %,$(BUILD)/user/%.o,$(basename $(KTEST_SRCS)))
KTEST_OBJS := $(KTEST_OBJS:%=%)
$(BUILD)/user/bin/ktest: $(patsubst %,$(BUILD)/user/%.o,$(basename $(KTEST_SRCS))) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/ktest
