/*
 * zero: the character device /dev/zero (README.md). Reads give as many zero bytes as
 * asked for, writes take everything, seeks always land on 0 (device 1:5).
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int64_t zero_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    memset(buf, 0, n);
    return (int64_t)n;
}

static int64_t zero_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    return (int64_t)n;
}

static int64_t zero_llseek(struct vfs_file *f, int64_t off, int whence)
{
    f->pos = 0;
    return 0;
}

static const struct vfs_fs_ops zero_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .read = zero_read,
    .write = zero_write,
    .llseek = zero_llseek,
};

static int zero_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "zero [NAME] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &zero_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(1, 5);
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_zero = {
    .name = "zero",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "zero",
    .mount = zero_mount,
};
