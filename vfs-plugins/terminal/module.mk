# terminal: what this folder adds to the build (vfs-plugins/module.mk finds its sources and
# test): its registration symbol with its place in the table of plugins a configuration
# can name (vfs_plugins_all; "unknown file system" lists the names in that order).
VFS_PLUGIN_TABLE += 150:vfs_plugin_terminal

# Host test: the plugin against the terminal server's logic (drivers/terminal) through a
# loopback transport.
$(call host_test,vfs_terminal_test,vfs-plugins/terminal/terminal_test.c \
    drivers/terminal/server.c drivers/terminal/ldisc.c $(VFS_HOST_OBJS))
