/*
 * tty: /dev/tty for a process without a controlling terminal (README.md): the
 * character device 5:0, which stat shows and open refuses with ENXIO, exactly what
 * Linux answers when the process has no controlling terminal. (The terminal plugin
 * will stand in for it where there is one.)
 */
#include <capix/config.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int tty_open(struct vfs_file *f)
{
    return -ENXIO;
}

static const struct vfs_fs_ops tty_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = tty_open,
};

static int tty_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "tty [NAME] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &tty_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(5, 0);
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_tty = {
    .name = "tty",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "tty",
    .mount = tty_mount,
};
