# zero: what this folder adds to the build (vfs-plugins/module.mk finds its sources and
# test): its registration symbol with its place in the table of plugins a configuration
# can name (vfs_plugins_all; "unknown file system" lists the names in that order).
VFS_PLUGIN_TABLE += 040:vfs_plugin_zero
