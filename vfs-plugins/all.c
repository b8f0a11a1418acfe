/*
 * vfs_plugins_all (vfs_plugins.h): every plugin in vfs-plugins/ a configuration can name.
 * The build writes plugins_table.h from the plugin folders (vfs-plugins/module.mk): one
 * VFS_PLUGIN(symbol) a plugin, in the order in which "unknown file system" lists them.
 */
#include <vfs_plugins.h>

#define VFS_PLUGIN(sym) extern const struct vfs_plugin sym;
#include "plugins_table.h"
#undef VFS_PLUGIN

const struct vfs_plugin *const vfs_plugins_all[] = {
#define VFS_PLUGIN(sym) &sym,
#include "plugins_table.h"
#undef VFS_PLUGIN
};

const size_t vfs_plugins_all_count = sizeof vfs_plugins_all / sizeof vfs_plugins_all[0];
