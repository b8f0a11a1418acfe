# ram_fs (build/user/bin/ram_fs): the native file-system server (FS_NATIVE_SRCS,
# fs-servers/module.mk) serving an instance of a VFS tree plugin (vfs/, vfs-plugins/).
RAM_FS := $(BUILD)/user/bin/ram_fs
RAM_FS_OBJS := $(BUILD)/user/fs-servers/ram_fs/main.o \
               $(patsubst %.c,$(BUILD)/user/%.o,$(FS_NATIVE_SRCS) $(VFS_SRCS) $(VFS_PLUGIN_SRCS))
$(RAM_FS): $(RAM_FS_OBJS) $(LIBCAPIX)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_LDFLAGS) $(RAM_FS_OBJS) $(LIBCAPIX) -lgcc -o $@
ALL_TARGETS += $(RAM_FS)
