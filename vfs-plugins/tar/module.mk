# tar: what this folder adds to the build (vfs-plugins/module.mk finds its sources and
# test): its registration symbol with its place in the table of plugins a configuration
# can name (vfs_plugins_all; "unknown file system" lists the names in that order).
VFS_PLUGIN_TABLE += 020:vfs_plugin_tar

# The host test is tar_fs_test.c, over the archives in VFS_TAR_DATA.
$(BUILD)/host/vfs-plugins/tar/tar_fs_test.o: HOST_CFLAGS += -DVFS_TAR_DATA='"$(abspath $(VFS_TAR_DATA))"'
$(call host_test,vfs_tar_test,vfs-plugins/tar/tar_fs_test.c $(VFS_HOST_OBJS),$(VFS_TAR_DATA)/.stamp)
