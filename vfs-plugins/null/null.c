/*
 * null: the character device /dev/null (README.md). Reads find the end at once,
 * writes take everything, seeks always land on 0, as on Linux (device 1:3).
 */
#include <capix/config.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int64_t null_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    return 0;
}

static int64_t null_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    return (int64_t)n;
}

static int64_t null_llseek(struct vfs_file *f, int64_t off, int whence)
{
    f->pos = 0;
    return 0;
}

static const struct vfs_fs_ops null_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .read = null_read,
    .write = null_write,
    .llseek = null_llseek,
};

static int null_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "null [NAME] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &null_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(1, 3);
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_null = {
    .name = "null",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "null",
    .mount = null_mount,
};
