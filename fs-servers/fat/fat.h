/*
 * The FAT file system as a VFS tree plugin (docs/fat.md): what a program that links it
 * needs besides vfs/plugin.h. It also needs a fat_blockdev_open and fat_blockdev_close
 * (blockdev.h) that give it its device.
 */
#ifndef FAT_H
#define FAT_H

#include <vfs/plugin.h>

/* The plugin: configuration node `fat [ro] [label=L] [uid=N] [gid=N] [umask=M]
 * [fmask=M] [dmask=M]`. */
extern const struct vfs_plugin vfs_plugin_fat;

/* Writes everything of a fat instance back to its device in a consistent order, marks
 * the volume clean and flushes the device (sync, syncfs). 0 or -EIO. */
int fat_sync(struct vfs_fs *fs);

#endif
