/*
 * Helpers for plugins whose instance is one node (null, zero, full, inline, symlink,
 * and later log, rtc, terminal): the instance, its node and its attributes in one
 * allocation, and the config helpers every plugin uses.
 */
#include "vfs_internal.h"

#include <string.h>

int vfs_simple_mount(const struct vfs_mount_args *a, const struct vfs_fs_ops *ops, size_t size,
                     uint32_t mode, struct vfs_simple_fs **out)
{
    struct vfs_simple_fs *s;
    if (size < sizeof *s)
        size = sizeof *s;
    s = vfs_zalloc(a->env, size);
    if (!s)
        return -ENOMEM;
    s->fs.ops = ops;
    s->fs.root = &s->node;
    s->fs.env = a->env;
    s->node.fs = &s->fs;
    s->node.ino = 1;
    s->node.type = mode & S_IFMT;
    s->node.refs = 1; /* the instance's own reference: freed by unmount only */
    s->mode = mode;
    s->atime = s->mtime = s->ctime = vfs_now(a->env);
    s->alloc_size = size;
    *out = s;
    return 0;
}

int vfs_simple_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct vfs_simple_fs *s = vfs_simple_of(n);
    st->st_mode = s->mode;
    st->st_nlink = 1;
    st->st_uid = s->uid;
    st->st_gid = s->gid;
    st->st_rdev = s->rdev;
    st->st_size = (int64_t)s->size;
    st->st_blocks = 0;
    st->st_atim = s->atime;
    st->st_mtim = s->mtime;
    st->st_ctim = s->ctime;
    return 0;
}

int vfs_simple_setattr(struct vfs_node *n, const struct vfs_setattr *a)
{
    struct vfs_simple_fs *s = vfs_simple_of(n);
    if (a->mask & VFS_SET_SIZE)
        return -EINVAL;
    if (a->mask & VFS_SET_MODE)
        s->mode = (s->mode & S_IFMT) | (a->mode & 07777);
    if (a->mask & VFS_SET_UID)
        s->uid = a->uid;
    if (a->mask & VFS_SET_GID)
        s->gid = a->gid;
    if (a->mask & VFS_SET_ATIME)
        s->atime = a->atime;
    if (a->mask & VFS_SET_MTIME)
        s->mtime = a->mtime;
    s->ctime = vfs_now(n->fs->env);
    return 0;
}

int vfs_simple_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    st->f_type = RAMFS_MAGIC;
    st->f_files = 1;
    return 0;
}

void vfs_simple_unmount(struct vfs_fs *fs)
{
    struct vfs_simple_fs *s = (struct vfs_simple_fs *)(void *)fs;
    if (s->data)
        vfs_free(fs->env, s->data, s->data_size);
    vfs_free(fs->env, s, s->alloc_size);
}

int vfs_cfg_check(const struct vfs_mount_args *a, unsigned max_args, const char *const *props,
                  const char *usage)
{
    const struct cfg_node *n = a->cfg;
    unsigned i, args = 0;
    for (i = 0; n && i < n->nvalues; i++) {
        const struct cfg_value *val = &n->values[i];
        const char *const *p;
        if (!val->key) {
            if (args++ >= a->first_arg + max_args)
                return vfs_config_error(a->err, n, val, "%s: unexpected value '%s'; usage: %s",
                                        n->name, val->text, usage);
            continue;
        }
        for (p = props; p && *p; p++)
            if (strcmp(*p, val->key) == 0)
                break;
        if (!p || !*p)
            return vfs_config_error(a->err, n, val, "%s: unknown property '%s'; usage: %s", n->name,
                                    val->key, usage);
    }
    return 0;
}

int vfs_cfg_mode(const struct cfg_node *node, const char *key, uint32_t *mode,
                 struct cfg_error *err)
{
    const struct cfg_value *val = cfg_prop_value(node, key);
    const char *p;
    uint32_t m = 0;
    if (!val)
        return 0;
    p = val->text;
    if (*p == '\0' || strlen(p) > 5)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '7')
            goto bad;
        m = m * 8 + (uint32_t)(*p - '0');
    }
    if (m > 07777)
        goto bad;
    *mode = m;
    return 0;
bad:
    return vfs_config_error(err, node, val, "%s: expected an octal mode such as 0644, found '%s'",
                            key, val->text);
}
