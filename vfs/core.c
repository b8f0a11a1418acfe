/*
 * The life of a struct vfs, node references, attributes, permission checks and the
 * registry of mounted instances. Every instance gets its own st_dev, an anonymous
 * device number (major 0) counted up from VFS_FIRST_MINOR in mount order, so st_dev
 * values are stable for a given configuration.
 */
#include "vfs_internal.h"

#include <stdarg.h>
#include <string.h>

#define VFS_FIRST_MINOR 32

void *vfs_zalloc(const struct vfs_env *env, size_t size)
{
    void *p = env->alloc(env->ctx, size ? size : 1);
    if (p)
        memset(p, 0, size);
    return p;
}

void vfs_free(const struct vfs_env *env, void *p, size_t size)
{
    if (p)
        env->free(env->ctx, p, size ? size : 1);
}

struct linux_timespec vfs_now(const struct vfs_env *env)
{
    uint64_t ns = env->now_ns ? env->now_ns(env->ctx) : 0;
    struct linux_timespec t;
    ns -= ns % VFS_TIME_TICK_NS;
    t.tv_sec = (int64_t)(ns / 1000000000u);
    t.tv_nsec = (int64_t)(ns % 1000000000u);
    return t;
}

void vfs_log(const struct vfs_env *env, const char *fmt, ...)
{
    struct cfg_error e;
    va_list ap;
    if (!env->log)
        return;
    va_start(ap, fmt);
    cfg_verror_at(&e, NULL, NULL, fmt, ap);
    va_end(ap);
    env->log(env->ctx, e.msg);
}

int vfs_config_error(struct cfg_error *err, const struct cfg_node *node,
                     const struct cfg_value *val, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verror_at(err, node, val, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

void vfs_node_put(struct vfs_node *n)
{
    if (!n)
        return;
    if (--n->refs == 0 && n->fs->ops->release)
        n->fs->ops->release(n);
}

int vfs_getattr(struct vfs_node *n, struct linux_stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = n->fs->dev;
    st->st_ino = n->ino;
    st->st_mode = n->type;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    if (!n->fs->ops->getattr)
        return 0;
    return n->fs->ops->getattr(n, st);
}

int vfs_may(const struct vfs *v, const struct linux_stat *st, int mask)
{
    struct vfs_cred c;
    vfs_cred_of(v, &c);
    return vfs_cred_may(&c, st, mask);
}

int vfs_may_node(const struct vfs *v, struct vfs_node *n, int mask)
{
    struct linux_stat st;
    int rc;
    if (vfs_capable(v, VFS_CAP_DAC_OVERRIDE) && (S_ISDIR(n->type) || !(mask & X_OK)))
        return 0;
    rc = vfs_getattr(n, &st);
    if (rc < 0)
        return rc;
    return vfs_may(v, &st, mask);
}

void vfs_attach_fs(struct vfs *v, struct vfs_fs *fs)
{
    unsigned minor;
    fs->vfs = v;
    minor = v->next_minor++;
    fs->dev = LINUX_MAKEDEV(0, minor);
    fs->next = v->mounts;
    v->mounts = fs;
}

int vfs_mount_instance(struct vfs *v, const struct vfs_plugin *p, const struct cfg_node *cfg,
                       unsigned first_arg, struct vfs_fs **out, struct cfg_error *err)
{
    struct vfs_mount_args a = {&v->env, v, cfg, first_arg, err};
    struct vfs_fs *fs = NULL;
    int rc;
    err->msg[0] = '\0';
    rc = p->mount(&a, &fs);
    if (rc < 0 || !fs) {
        if (err->msg[0] == '\0' || rc != -EINVAL)
            vfs_config_error(err, cfg, NULL, "%s: cannot mount (error %d%s)", p->name, -rc,
                             rc == -ENOMEM ? ", out of memory" : "");
        return rc < 0 ? (rc == -ENOMEM ? -ENOMEM : -EINVAL) : -EINVAL;
    }
    fs->plugin = p;
    fs->env = &v->env;
    fs->cfg_line = cfg ? cfg->line : 0;
    const char *label = cfg ? cfg_prop(cfg, "label") : NULL;
    if (label) { /* a copy: the config tree is not kept */
        size_t n = strlen(label) + 1;
        char *copy = vfs_zalloc(&v->env, n);
        if (copy)
            memcpy(copy, label, n);
        fs->label = copy;
    }
    vfs_attach_fs(v, fs);
    *out = fs;
    return 0;
}

int vfs_mount_hidden(struct vfs *v, const struct vfs_plugin *p, const struct cfg_node *cfg,
                     struct vfs_fs **out, struct cfg_error *err)
{
    return vfs_mount_instance(v, p, cfg, 0, out, err);
}

int vfs_create(const struct vfs_env *env, const struct vfs_plugin *const *plugins, size_t nplugins,
               const struct cfg_node *cfg, unsigned fd_limit, struct vfs **out,
               struct cfg_error *err)
{
    struct vfs *v;
    int rc;
    memset(err, 0, sizeof *err);
    v = vfs_zalloc(env, sizeof *v);
    if (!v)
        return -ENOMEM;
    v->env = *env;
    v->umask = 022;
    v->caps = ~0ull; /* uid 0's */
    v->next_minor = VFS_FIRST_MINOR;
    v->next_comp_ino = 1;
    v->created = vfs_now(&v->env);
    v->comp.ops = &vfs_comp_ops;
    v->comp.env = &v->env;
    v->comp.flags = VFS_FS_RDONLY;
    vfs_attach_fs(v, &v->comp);
    v->mounts = NULL; /* the composition is not an instance to unmount */
    rc = vfs_fd_table_init(&v->fds, &v->env, fd_limit);
    if (rc < 0) {
        vfs_config_error(err, cfg, NULL, "descriptor limit %u is out of range", fd_limit);
        goto fail;
    }
    v->walkbuf = vfs_zalloc(&v->env, VFS_WALK_BUF);
    v->linkbuf = vfs_zalloc(&v->env, PATH_MAX);
    if (!v->walkbuf || !v->linkbuf) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = vfs_build_tree(v, plugins, nplugins, cfg, err);
    if (rc < 0)
        goto fail;
    v->cwd = &v->root->node;
    vfs_node_get(v->cwd);
    *out = v;
    return 0;
fail:
    vfs_destroy(v);
    return rc;
}

void vfs_destroy(struct vfs *v)
{
    struct vfs_fs *fs, *next;
    struct vfs_env env;
    if (!v)
        return;
    env = v->env;
    vfs_fd_table_fini(&v->fds);
    if (v->cwd)
        vfs_node_put(v->cwd);
    for (fs = v->mounts; fs; fs = next) {
        next = fs->next;
        if (fs->label)
            vfs_free(&env, (void *)fs->label, strlen(fs->label) + 1);
        fs->label = NULL;
        if (fs->ops->unmount)
            fs->ops->unmount(fs);
    }
    vfs_free_tree(v);
    vfs_free(&env, v->walkbuf, VFS_WALK_BUF);
    vfs_free(&env, v->linkbuf, PATH_MAX);
    vfs_free(&env, v, sizeof *v);
}

void vfs_set_ids(struct vfs *v, uint32_t uid, uint32_t gid)
{
    v->uid = uid;
    v->gid = gid;
    v->caps = uid == 0 ? ~0ull : 0;
}

void vfs_set_caps(struct vfs *v, uint64_t caps)
{
    v->caps = caps;
}

uint32_t vfs_umask(struct vfs *v, uint32_t mask)
{
    uint32_t old = v->umask;
    v->umask = mask & 0777;
    return old;
}

void vfs_get_ids(const struct vfs *v, uint32_t *uid, uint32_t *gid)
{
    *uid = v->uid;
    *gid = v->gid;
}

struct vfs_fs *vfs_fs_next(struct vfs *v, struct vfs_fs *prev)
{
    return prev ? prev->next : v->mounts;
}

struct vfs_node *vfs_cwd_node(struct vfs *v)
{
    return v->cwd;
}

bool vfs_has_mount(const struct vfs *v, const char *plugin, const char *label)
{
    for (const struct vfs_fs *fs = v->mounts; fs; fs = fs->next)
        if (fs->plugin && !strcmp(fs->plugin->name, plugin) &&
            !strcmp(fs->label ? fs->label : "", label))
            return true;
    return false;
}

int vfs_move_fds(struct vfs *from, struct vfs *to, bool (*keep)(void *ctx, struct vfs_file *f),
                 void *ctx)
{
    struct vfs_fd_table *src = &from->fds;
    int rc = vfs_fd_set_limit(&to->fds, src->limit);
    for (unsigned fd = 0; fd < src->capacity; fd++) {
        struct vfs_file *f = src->fds[fd].file;
        if (!f)
            continue;
        if (rc == 0 && keep(ctx, f)) {
            vfs_file_get(f);
            int got = vfs_fd_install(&to->fds, f, (int)fd, src->fds[fd].cloexec);
            if (got != (int)fd) {
                if (got >= 0)
                    vfs_fd_close(&to->fds, got);
                else
                    vfs_file_put(f);
                rc = got < 0 ? got : -EBADF;
            }
        }
        vfs_fd_close(src, (int)fd);
    }
    return rc;
}

struct vfs_node *vfs_cwd_swap(struct vfs *v, struct vfs_node *n)
{
    struct vfs_node *old = v->cwd;
    v->cwd = n;
    return old;
}
