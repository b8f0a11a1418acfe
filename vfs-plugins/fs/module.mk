# fs: what this folder adds to the build (vfs-plugins/module.mk finds its sources and
# test): its registration symbol with its place in the table of plugins a configuration
# can name (vfs_plugins_all; "unknown file system" lists the names in that order).
VFS_PLUGIN_TABLE += 140:vfs_plugin_fs

# Host tests: the client against the server library (fs-servers/lib) through a loopback
# transport, and the differential test of vfs/tests/oracle_test.c with an fs mount as the
# root.
VFS_FS_TEST_SERVER := $(addprefix fs-servers/lib/,fs_server.c fs_table.c fs_names.c fs_mapped.c fs_mirror.c \
    fs_request.c fs_lock.c fs_owners.c fs_creds.c)
$(BUILD)/host/vfs-plugins/fs/fs_test.o $(BUILD)/host/vfs-plugins/fs/fs_share_test.o \
	$(BUILD)/host/vfs-plugins/fs/fs_mirror_test.o: HOST_CFLAGS += -Ifs-servers/include
$(call host_test,vfs_fs_test,vfs-plugins/fs/fs_test.c vfs-plugins/fs/fs_share_test.c \
    vfs-plugins/fs/fs_mirror_test.c \
    $(VFS_FS_TEST_SERVER) $(VFS_HOST_OBJS))
$(BUILD)/host/vfs-plugins/fs/fs_oracle_test.o: HOST_CFLAGS += -Ifs-servers/include -Ivfs/tests
$(call host_test,vfs_fs_oracle_test,vfs-plugins/fs/fs_oracle_test.c vfs/tests/oracle_host.c \
    vfs/tests/oracle_common.c $(VFS_FS_TEST_SERVER) $(VFS_HOST_OBJS))
