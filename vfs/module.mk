# vfs/: the in-process VFS library (docs/vfs.md), its host tests and fuzzers.
# VFS_SRCS is what the POSIX runtime compiles in (freestanding, with VFS_PLUGIN_SRCS
# from vfs-plugins/, lib/config/config.c and lib/tar/tar.c); `make` compiles each one
# freestanding into $(BUILD)/user/ to check that it stays so.

VFS_SRCS := lib/lock/range_lock.c vfs/core.c vfs/mount_tree.c vfs/walk.c vfs/file.c vfs/open.c vfs/attr.c \
            vfs/fd_table.c vfs/simple.c vfs/serve.c vfs/perm.c
VFS_INCLUDES := -Ivfs/include -Ivfs-plugins/include

$(BUILD)/host/vfs/%.o $(BUILD)/host/vfs-plugins/%.o: HOST_CFLAGS += $(VFS_INCLUDES)
$(BUILD)/fuzz/vfs/%.o $(BUILD)/fuzz/vfs-plugins/%.o: FUZZ_CFLAGS += $(VFS_INCLUDES)
$(BUILD)/user/vfs/%.o $(BUILD)/user/vfs-plugins/%.o: USER_CFLAGS += $(VFS_INCLUDES)

ALL_TARGETS += $(patsubst %.c,$(BUILD)/user/%.o,$(VFS_SRCS))

# Everything a host test of the VFS links: the library, the parsers it uses, the shared
# test helpers and every plugin (an archive that vfs-plugins/module.mk makes).
VFS_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(VFS_SRCS) lib/config/config.c \
                   lib/tar/tar.c vfs/tests/testlib.c) $(BUILD)/host/vfs-plugins/libplugins.a
VFS_FUZZ_OBJS := $(patsubst %.c,$(BUILD)/fuzz/%.o,$(VFS_SRCS) lib/config/config.c \
                   lib/tar/tar.c) $(BUILD)/fuzz/vfs-plugins/libplugins.a

$(call host_test,vfs_test,vfs/tests/vfs_test.c vfs/tests/vfs_fd_test.c $(VFS_HOST_OBJS))

# The Linux numbers and layouts of vfs/linux.h against the host's own headers.
$(BUILD)/host/vfs/tests/abi_host.o: HOST_CFLAGS += -D_GNU_SOURCE
$(call host_test,vfs_abi_test,vfs/tests/abi_test.c vfs/tests/abi_host.c vfs/tests/abi_uapi.c)

# Fuzzers: the path walk, and the mount-tree configuration reader.
$(call fuzzer,vfs_walk_fuzz,vfs/fuzz/walk_fuzz.c $(VFS_FUZZ_OBJS),vfs/fuzz-seeds/walk)
$(call fuzzer,vfs_mount_fuzz,vfs/fuzz/mount_fuzz.c $(VFS_FUZZ_OBJS),vfs/fuzz-seeds/mount)

# The differential test against the host's kernel (vfs/tests/oracle.h).
$(BUILD)/host/vfs/tests/oracle_host.o: HOST_CFLAGS += -D_GNU_SOURCE
$(call host_test,vfs_oracle_test,vfs/tests/oracle_test.c vfs/tests/oracle_host.c \
    vfs/tests/oracle_common.c $(VFS_HOST_OBJS))
