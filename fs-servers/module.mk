# fs-servers/: file-system servers (README.md). FS_SERVER_SRCS is the server library
# that the native servers (fs-servers/ram_fs, fs-servers/vfs) compile in, freestanding, next to
# VFS_SRCS and the plugins they serve; `make` compiles it freestanding into
# $(BUILD)/user/ to keep it so.

FS_SERVER_SRCS := $(addprefix fs-servers/lib/,fs_server.c fs_table.c fs_names.c fs_mapped.c \
		fs_request.c fs_lock.c fs_owners.c)
# The native server (IPC, sessions, policies) that ram_fs and vfs are a main() around.
FS_NATIVE_SRCS := fs-servers/lib/fs_native.c $(FS_SERVER_SRCS)
FS_SERVER_INCLUDES := -Ifs-servers/include $(VFS_INCLUDES)

$(BUILD)/host/fs-servers/%.o: HOST_CFLAGS += $(FS_SERVER_INCLUDES)
$(BUILD)/fuzz/fs-servers/%.o: FUZZ_CFLAGS += $(FS_SERVER_INCLUDES)
$(BUILD)/user/fs-servers/%.o: USER_CFLAGS += $(FS_SERVER_INCLUDES)

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(FS_SERVER_SRCS))

# The library driven through fs_server_handle, on a ram file system.
HOST_TESTS += $(BUILD)/host/tests/fs_server_test
$(BUILD)/host/tests/fs_server_test: $(patsubst %.c,$(BUILD)/host/%.o,fs-servers/lib/fs_server_test.c \
		fs-servers/lib/fs_server_comp_test.c fs-servers/lib/fs_server_map_test.c \
		$(FS_SERVER_SRCS)) $(VFS_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_LDFLAGS) $^ -o $@

# Sequences of random requests from two sessions (seeds in lib/fuzz-seeds/).
FUZZERS += $(BUILD)/fuzz/fs_server_fuzz
$(BUILD)/fuzz/fs_server_fuzz: $(BUILD)/fuzz/fs-servers/lib/fs_server_fuzz.o \
		$(patsubst %.c,$(BUILD)/fuzz/%.o,$(FS_SERVER_SRCS)) $(VFS_FUZZ_OBJS) \
		| $(BUILD)/fuzz/.fs-server-seeded
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
$(BUILD)/fuzz/.fs-server-seeded: $(wildcard fs-servers/lib/fuzz-seeds/*)
	@mkdir -p $(BUILD)/fuzz/corpus-fs_server_fuzz
	cp fs-servers/lib/fuzz-seeds/* $(BUILD)/fuzz/corpus-fs_server_fuzz/
	@touch $@
include fs-servers/ram_fs/module.mk
include fs-servers/vfs/module.mk
include fs-servers/fat/module.mk
include fs-servers/fat/server.mk
