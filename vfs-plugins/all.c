/* The list of every plugin in vfs-plugins/ (vfs_plugins.h). */
#include <vfs_plugins.h>

const struct vfs_plugin *const vfs_plugins_all[] = {
    &vfs_plugin_ram,  &vfs_plugin_tar,    &vfs_plugin_null,     &vfs_plugin_zero,
    &vfs_plugin_full, &vfs_plugin_inline, &vfs_plugin_symlink,  &vfs_plugin_log,
    &vfs_plugin_rtc,  &vfs_plugin_random, &vfs_plugin_urandom,  &vfs_plugin_tty,
    &vfs_plugin_proc, &vfs_plugin_fs,     &vfs_plugin_terminal,
};

const size_t vfs_plugins_all_count = sizeof vfs_plugins_all / sizeof vfs_plugins_all[0];
