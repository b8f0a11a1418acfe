# init: the first component (build/user/bin/init), packed first into the boot archive.
INIT_SRCS := $(filter-out %_fuzz.c,$(wildcard init/*.c))
INIT_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(INIT_SRCS))
INIT_BIN := $(BUILD)/user/bin/init

$(INIT_BIN): $(INIT_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(INIT_OBJS) $(LIBCAPIX) -lgcc -o $@

ALL_TARGETS += $(INIT_BIN)
