/*
 * full: the character device /dev/full (README.md). Reads give zero bytes like
 * /dev/zero, every write fails with ENOSPC, seeks always land on 0 (device 1:7).
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int64_t full_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    memset(buf, 0, n);
    return (int64_t)n;
}

static int64_t full_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    return -ENOSPC;
}

static int64_t full_llseek(struct vfs_file *f, int64_t off, int whence)
{
    f->pos = 0;
    return 0;
}

static const struct vfs_fs_ops full_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .read = full_read,
    .write = full_write,
    .llseek = full_llseek,
};

static int full_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "full [NAME] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &full_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(1, 7);
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_full = {
    .name = "full",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "full",
    .mount = full_mount,
};
