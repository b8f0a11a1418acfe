/*
 * inline: a read-only regular file whose content is written in the configuration
 * (README.md): `inline NAME TEXT...`, the TEXT values joined without separators.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int64_t inline_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct vfs_simple_fs *s = vfs_simple_of(f->node);
    if (off >= s->size)
        return 0;
    if (n > s->size - off)
        n = (size_t)(s->size - off);
    memcpy(buf, (const char *)s->data + off, n);
    return (int64_t)n;
}

static int inline_fsync(struct vfs_file *f, bool datasync)
{
    return 0;
}

static const struct vfs_fs_ops inline_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .read = inline_read,
    .fsync = inline_fsync,
};

static int inline_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    const struct cfg_node *n = a->cfg;
    struct vfs_simple_fs *s;
    uint32_t mode = 0444;
    size_t total = 0, at = 0;
    unsigned i;
    int rc = vfs_cfg_check(a, ~0u - a->first_arg, props, "inline NAME TEXT... [mode=0444]");
    if (rc == 0)
        rc = vfs_cfg_mode(n, "mode", &mode, a->err);
    if (rc < 0)
        return rc;
    for (i = a->first_arg; i < cfg_nargs(n); i++)
        total += strlen(cfg_arg(n, i));
    rc = vfs_simple_mount(a, &inline_ops, sizeof *s, S_IFREG | mode, &s);
    if (rc < 0)
        return rc;
    if (total) {
        s->data = vfs_zalloc(a->env, total);
        if (!s->data) {
            vfs_simple_unmount(&s->fs);
            return -ENOMEM;
        }
        s->data_size = total;
        for (i = a->first_arg; i < cfg_nargs(n); i++) {
            size_t l = strlen(cfg_arg(n, i));
            memcpy((char *)s->data + at, cfg_arg(n, i), l);
            at += l;
        }
    }
    s->size = total;
    s->fs.flags = VFS_FS_RDONLY;
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_inline = {
    .name = "inline",
    .kind = VFS_PLUGIN_NODE,
    .default_name = NULL,
    .mount = inline_mount,
};
