# ram: what this folder adds to the build (vfs-plugins/module.mk finds its sources and
# test): its registration symbol with its place in the table of plugins a configuration
# can name (vfs_plugins_all; "unknown file system" lists the names in that order).
VFS_PLUGIN_TABLE += 010:vfs_plugin_ram

# Its host test reads archives for `ram from=ARCHIVE` (VFS_TAR_DATA, vfs-plugins/module.mk).
$(BUILD)/host/vfs-plugins/ram/ram_test.o: HOST_CFLAGS += -DVFS_TAR_DATA='"$(abspath $(VFS_TAR_DATA))"'
$(BUILD)/host/tests/vfs_ram_test: | $(VFS_TAR_DATA)/.stamp
