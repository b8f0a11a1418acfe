/*
 * symlink: a symbolic link written in the configuration (README.md):
 * `symlink NAME TARGET`. The link itself cannot be changed.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int64_t symlink_readlink(struct vfs_node *n, char *buf, size_t size)
{
    struct vfs_simple_fs *s = vfs_simple_of(n);
    memcpy(buf, s->data, s->size < size ? (size_t)s->size : size);
    return (int64_t)s->size;
}

static const struct vfs_fs_ops symlink_ops = {
    .readlink = symlink_readlink,
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
};

static int symlink_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    const struct cfg_node *n = a->cfg;
    const char *target = cfg_arg(n, a->first_arg);
    struct vfs_simple_fs *s;
    size_t len;
    int rc = vfs_cfg_check(a, 1, NULL, "symlink NAME TARGET");
    if (rc < 0)
        return rc;
    if (!target || target[0] == '\0')
        return vfs_config_error(a->err, n, NULL,
                                "symlink needs a name and a target, as in: symlink /bin/sh bash");
    len = strlen(target);
    if (len >= PATH_MAX)
        return vfs_config_error(a->err, n, cfg_arg_value(n, a->first_arg),
                                "the target is longer than %u bytes", PATH_MAX - 1);
    rc = vfs_simple_mount(a, &symlink_ops, sizeof *s, S_IFLNK | 0777, &s);
    if (rc < 0)
        return rc;
    s->data = vfs_zalloc(a->env, len);
    if (!s->data) {
        vfs_simple_unmount(&s->fs);
        return -ENOMEM;
    }
    memcpy(s->data, target, len);
    s->data_size = len;
    s->size = len;
    s->fs.flags = VFS_FS_RDONLY;
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_symlink = {
    .name = "symlink",
    .kind = VFS_PLUGIN_NODE,
    .default_name = NULL,
    .mount = symlink_mount,
};
