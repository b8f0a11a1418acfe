# posix-spawn: the POSIX launcher (native component), build/user/bin/posix-spawn.
POSIX_SPAWN_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,$(wildcard posix-spawn/*.c))
# Linux's numbers (signals, si_codes, wait statuses) from vfs/include/vfs/linux.h
$(POSIX_SPAWN_OBJS): USER_CFLAGS += -Ivfs/include
$(BUILD)/user/bin/posix-spawn: $(POSIX_SPAWN_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $^ -lgcc -o $@
ALL_TARGETS += $(BUILD)/user/bin/posix-spawn
