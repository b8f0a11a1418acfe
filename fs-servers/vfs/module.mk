# vfs (build/user/bin/vfs): the native file-system server (FS_NATIVE_SRCS,
# fs-servers/module.mk) serving a VFS composition built from a `vfs { ... }` block.
VFS_SERVER := $(BUILD)/user/bin/vfs
VFS_SERVER_OBJS := $(BUILD)/user/fs-servers/vfs/main.o \
                   $(patsubst %.c,$(BUILD)/user/%.o,$(FS_NATIVE_SRCS) $(VFS_SRCS) $(VFS_PLUGIN_SRCS))
$(VFS_SERVER): $(VFS_SERVER_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(VFS_SERVER_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(VFS_SERVER)
