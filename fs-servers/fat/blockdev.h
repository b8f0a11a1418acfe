/*
 * The block device under the FAT plugin (docs/fat.md): a small interface that each build
 * links in. The host tests back it with image files; capix backs it with a Block session.
 *
 * Contract:
 * - sector_size is a power of two from 512 to 4096; sectors is the device's size in
 *   sectors. The plugin never asks for a sector at or past `sectors`.
 * - read and write move `count` whole sectors from lba on; flush makes every write
 *   that returned before it durable. Each returns 0 or a negative errno (-EIO for a
 *   device error); they may be called with count up to the plugin's cache unit.
 * - write may be NULL for a read-only device: the plugin then mounts read-only.
 * - The plugin calls the device only from within its own operations (one at a time,
 *   under the caller's lock); the calls may block.
 */
#ifndef FAT_BLOCKDEV_H
#define FAT_BLOCKDEV_H

#include <stdint.h>

struct vfs_mount_args;

struct fat_blockdev {
    void *ctx;
    uint32_t sector_size;
    uint64_t sectors;
    int (*read)(void *ctx, uint64_t lba, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t lba, uint32_t count, const void *buf);
    int (*flush)(void *ctx);
};

/*
 * Provided by the build, not by the plugin: opens the device named by label (the mount
 * node's label= value; "" when it has none) for the mount a describes, and sets *out.
 * Returns 0, or a negative errno (-ENOENT: no such device; -EACCES: refused), after
 * logging why through a->env. The device stays valid until fat_blockdev_close.
 */
int fat_blockdev_open(const struct vfs_mount_args *a, const char *label, struct fat_blockdev **out);
/* Gives the device back (at unmount, after the last flush). */
void fat_blockdev_close(struct fat_blockdev *dev);

#endif
