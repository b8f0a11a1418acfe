/*
 * The fat server's block devices (blockdev.h): Block sessions (docs/block-protocol.md)
 * through the session client of libcapix. The mount node's label= is the session's
 * label (the config routes it: `route Block label=L to=DRIVER`); each device maps its
 * session's shared memory in a 2 MiB window of its own.
 */
#include <capix/block_client.h>
#include <capix/capix.h>
#include <stdbool.h>
#include <vfs/plugin.h>
#include "blockdev.h"

#define MAX_DEVICES 4
#define WINDOW_BASE 0x7000000000ul
#define WINDOW (2ul << 20)
#define DONATION (1ul << 20) /* the session's buffer (256 KiB by default) and its page */

struct dev {
    struct fat_blockdev bd;
    struct blk_client c;
    uint32_t per; /* 512-byte units per device sector */
    bool used;
};
static struct dev devs[MAX_DEVICES];

static int d_read(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct dev *d = ctx;
    return blk_client_read(&d->c, lba * d->per, (uint64_t)count * d->per, buf);
}

static int d_write(void *ctx, uint64_t lba, uint32_t count, const void *buf)
{
    struct dev *d = ctx;
    return blk_client_write(&d->c, lba * d->per, (uint64_t)count * d->per, buf);
}

static int d_flush(void *ctx)
{
    struct dev *d = ctx;
    return blk_client_flush(&d->c);
}

int fat_blockdev_open(const struct vfs_mount_args *a, const char *label, struct fat_blockdev **out)
{
    unsigned i = 0;
    while (i < MAX_DEVICES && devs[i].used)
        i++;
    if (i == MAX_DEVICES) {
        vfs_log(a->env, "fat: more than %u devices", MAX_DEVICES);
        return -EMFILE;
    }
    struct dev *d = &devs[i];
    int err = blk_client_open(&d->c, label && *label ? label : "disk", DONATION,
                              WINDOW_BASE + i * WINDOW);
    if (err) {
        vfs_log(a->env, "fat: no Block session '%s' (errno %d)", label, -err);
        return err == -1 ? -EACCES : err;
    }
    if (d->c.block_size < 512 || d->c.block_size > 4096 ||
        (d->c.block_size & (d->c.block_size - 1))) {
        blk_client_close(&d->c);
        vfs_log(a->env, "fat: Block session '%s': a block of %u bytes", label, d->c.block_size);
        return -EINVAL;
    }
    d->used = true;
    d->per = d->c.block_size / 512;
    d->bd = (struct fat_blockdev){.ctx = d,
                                  .sector_size = d->c.block_size,
                                  .sectors = d->c.sectors / d->per,
                                  .read = d_read,
                                  .write = d->c.readonly ? NULL : d_write,
                                  .flush = d_flush};
    *out = &d->bd;
    return 0;
}

void fat_blockdev_close(struct fat_blockdev *bd)
{
    struct dev *d = bd->ctx;
    blk_client_close(&d->c);
    d->used = false;
}
