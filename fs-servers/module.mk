# fs-servers/: file-system servers (README.md). FS_SERVER_SRCS is the server library
# that the native servers (fs-servers/ram_fs, fs-servers/vfs) compile in, freestanding, next to
# VFS_SRCS and the plugins they serve; `make` compiles it freestanding into
# $(BUILD)/user/ to keep it so.

FS_SERVER_SRCS := $(addprefix fs-servers/lib/,fs_server.c fs_table.c fs_names.c fs_mapped.c fs_mirror.c \
		fs_request.c fs_lock.c fs_owners.c fs_creds.c)
# The native server (IPC, sessions, policies) that ram_fs and vfs are a main() around.
FS_NATIVE_SRCS := fs-servers/lib/fs_native.c fs-servers/lib/fs_subclients.c $(FS_SERVER_SRCS)
FS_SERVER_INCLUDES := -Ifs-servers/include $(VFS_INCLUDES)

$(BUILD)/host/fs-servers/%.o: HOST_CFLAGS += $(FS_SERVER_INCLUDES)
$(BUILD)/fuzz/fs-servers/%.o: FUZZ_CFLAGS += $(FS_SERVER_INCLUDES)
$(BUILD)/user/fs-servers/%.o: USER_CFLAGS += $(FS_SERVER_INCLUDES)

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(FS_SERVER_SRCS))

# The library driven through fs_server_handle, on a ram file system.
$(call host_test,fs_server_test,fs-servers/lib/fs_server_test.c fs-servers/lib/fs_server_comp_test.c \
    fs-servers/lib/fs_server_map_test.c fs-servers/lib/fs_server_cred_test.c $(FS_SERVER_SRCS) $(VFS_HOST_OBJS))

# Sequences of random requests from two sessions (seeds in lib/fuzz-seeds/).
$(call fuzzer,fs_server_fuzz,fs-servers/lib/fs_server_fuzz.c $(FS_SERVER_SRCS) $(VFS_FUZZ_OBJS),\
    fs-servers/lib/fuzz-seeds)
include fs-servers/ram_fs/module.mk
include fs-servers/vfs/module.mk
include fs-servers/fat/module.mk
include fs-servers/fat/server.mk
