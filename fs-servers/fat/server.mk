# The fat server (build/user/bin/fat): the fat plugin (FAT_SRCS, fat/module.mk) on Block
# sessions (blockdev_capix.c) in the native file-system server (FS_NATIVE_SRCS).
FAT_SERVER := $(BUILD)/user/bin/fat
FAT_SERVER_OBJS := $(patsubst %.c,$(BUILD)/user/%.o,fs-servers/fat/main.c \
                     fs-servers/fat/blockdev_capix.c $(FAT_SRCS) $(FS_NATIVE_SRCS) \
                     $(VFS_SRCS) $(VFS_PLUGIN_SRCS))
$(FAT_SERVER): $(FAT_SERVER_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(FAT_SERVER_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(FAT_SERVER)
TEST_SCRIPTS += tests/terminal/home-fat-test.py
