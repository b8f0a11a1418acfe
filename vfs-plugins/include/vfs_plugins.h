/*
 * The registration symbols of the plugins in vfs-plugins/ (one per folder). A program
 * passes the ones it links to vfs_create; vfs_plugins_all lists them all.
 */
#ifndef VFS_PLUGINS_H
#define VFS_PLUGINS_H

#include <stddef.h>
#include <vfs/plugin.h>

extern const struct vfs_plugin vfs_plugin_ram;
extern const struct vfs_plugin vfs_plugin_tar;
extern const struct vfs_plugin vfs_plugin_null;
extern const struct vfs_plugin vfs_plugin_zero;
extern const struct vfs_plugin vfs_plugin_full;
extern const struct vfs_plugin vfs_plugin_inline;
extern const struct vfs_plugin vfs_plugin_symlink;
extern const struct vfs_plugin vfs_plugin_log;
extern const struct vfs_plugin vfs_plugin_rtc;
extern const struct vfs_plugin vfs_plugin_random;
extern const struct vfs_plugin vfs_plugin_urandom; /* in random/ with random */
extern const struct vfs_plugin vfs_plugin_tty;
extern const struct vfs_plugin vfs_plugin_proc;

/* Every plugin above, for vfs_create (defined in vfs-plugins/all.c). */
extern const struct vfs_plugin *const vfs_plugins_all[];
extern const size_t vfs_plugins_all_count;

#endif
