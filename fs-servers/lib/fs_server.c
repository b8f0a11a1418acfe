/*
 * The server side of the File_system protocol (docs/fs-protocol.md) as a library: a
 * tree (one instance of a VFS tree plugin mounted hidden in a private struct vfs, or a
 * whole VFS composition built from a `vfs` configuration block) and the sessions that
 * reach it. This file makes and ends servers and sessions; the rest of the library is
 * fs_table.c (node numbers and handles), fs_names.c (the name operations), fs_mapped.c
 * (mapped files, FS_MAP) and fs_request.c (the request decoder); what they share is in
 * fs_server_internal.h.
 *
 * A composition is served by node as the path walk sees it (vfs/serve.c): a lookup in
 * a composition directory gives its entries (mount points, node plugins' nodes) or its
 * backing directory's nodes, `..` goes up across mounts; names are made and removed in
 * the backing directory (vfs_names_dir), a mount point can be neither removed nor
 * replaced (EBUSY), a read-only instance (VFS_FS_RDONLY, such as tar) refuses every
 * change with EROFS. Inode numbers of a composition carry the instance's minor number
 * in their top 16 bits, so that files of different instances never share one.
 *
 * A session is confined to its root, made like `mkdir -p` when it opens; when it ends,
 * every node reference, handle and lock it holds goes, and no chunk outlives its payer
 * (fs_mapped.c).
 */
#include "fs_server_internal.h"

/* ---- servers and sessions ---- */

int fs_server_create(const struct vfs_env *env, const struct vfs_plugin *plugin,
                     const struct cfg_node *cfg, struct fs_server **out, struct cfg_error *err)
{
    const struct vfs_plugin *plugins[1] = {plugin};
    struct vfs_fs *fs;
    struct fs_server *s;
    int rc;
    memset(err, 0, sizeof *err);
    if (!plugin || plugin->kind != VFS_PLUGIN_TREE)
        return vfs_config_error(err, cfg, NULL, "%s: a file-system server needs a tree plugin",
                                plugin ? plugin->name : "(none)");
    s = vfs_zalloc(env, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->env = *env;
    rc = vfs_create(&s->env, plugins, 1, NULL, 1, &s->vfs, err);
    if (rc < 0)
        goto fail;
    rc = vfs_mount_hidden(s->vfs, plugin, cfg, &fs, err);
    if (rc < 0)
        goto fail;
    s->top = fs->root;
    *out = s;
    return 0;
fail:
    if (s->vfs)
        vfs_destroy(s->vfs);
    vfs_free(env, s, sizeof *s);
    return rc;
}

int fs_server_create_vfs(const struct vfs_env *env, const struct vfs_plugin *const *plugins,
                         size_t nplugins, const struct cfg_node *vfs_cfg, struct fs_server **out,
                         struct cfg_error *err)
{
    struct fs_server *s;
    int rc;
    memset(err, 0, sizeof *err);
    s = vfs_zalloc(env, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->env = *env;
    rc = vfs_create(&s->env, plugins, nplugins, vfs_cfg, 1, &s->vfs, err);
    if (rc < 0) {
        vfs_free(env, s, sizeof *s);
        return rc;
    }
    s->top = vfs_root_node(s->vfs);
    s->composed = true;
    *out = s;
    return 0;
}

bool fs_server_unchanging(const struct fs_server *s)
{
    struct vfs_fs *fs;
    bool any = false;
    if (!s || !s->composed)
        return false;
    for (fs = vfs_fs_next(s->vfs, NULL); fs; fs = vfs_fs_next(s->vfs, fs)) {
        if (!(fs->flags & VFS_FS_RDONLY))
            return false;
        any = true;
    }
    return any;
}

void fs_server_destroy(struct fs_server *s)
{
    struct vfs_env env;
    if (!s)
        return;
    env = s->env;
    while (s->sessions)
        fs_session_close(s->sessions);
    fs_lock_destroy(&s->locks, &env);
    while (s->mapped) {
        struct fs_mapped *mp = s->mapped;
        s->mapped = mp->next;
        fs_mapped_free(s, mp);
    }
    vfs_destroy(s->vfs);
    vfs_free(&env, s->ents, (size_t)s->cap * sizeof *s->ents);
    vfs_free(&env, s->buckets, (size_t)s->nbuckets * sizeof *s->buckets);
    vfs_free(&env, s, sizeof *s);
}

/* Makes directory name (mode 0755) in dir for a session's root; one reference in *out. */
static int make_dir(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out)
{
    struct vfs_create_args a = {0};
    struct vfs_node *d;
    int rc = names_dir(dir, true, &d);
    if (rc < 0)
        return rc;
    a.mode = S_IFDIR | 0755;
    rc = d->fs->ops->create ? d->fs->ops->create(d, name, len, &a, out) : -EROFS;
    vfs_node_put(d);
    return rc;
}

/* The directory at path (absolute; "." components skipped, ".." refused), made with
 * mode 0755 where missing. One reference in *out. */
static int resolve_root(struct fs_server *s, const char *path, struct vfs_node **out)
{
    struct vfs_node *cur = s->top, *next;
    const char *p = path;
    int rc;
    if (!path || path[0] != '/')
        return -EINVAL;
    vfs_node_get(cur);
    for (;;) {
        const char *c;
        size_t len;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        c = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - c);
        if (len == 1 && c[0] == '.')
            continue;
        rc = len > NAME_MAX                             ? -ENAMETOOLONG
             : (len == 2 && c[0] == '.' && c[1] == '.') ? -EINVAL
                                                        : 0;
        if (rc == 0 && !S_ISDIR(cur->type))
            rc = -ENOTDIR;
        if (rc == 0) {
            rc = tree_lookup(s, cur, c, len, &next);
            if (rc == -ENOENT)
                rc = make_dir(cur, c, len, &next);
        }
        if (rc < 0) {
            vfs_node_put(cur);
            return rc;
        }
        vfs_node_put(cur);
        cur = next;
    }
    if (!S_ISDIR(cur->type)) {
        vfs_node_put(cur);
        return -ENOTDIR;
    }
    *out = cur;
    return 0;
}

int fs_session_open(struct fs_server *s, const char *root, bool writeable, uint64_t quota,
                    struct fs_session **out)
{
    struct fs_session *ss;
    struct vfs_node *r;
    int rc = resolve_root(s, root, &r);
    if (rc < 0)
        return rc;
    ss = vfs_zalloc(&s->env, sizeof *ss);
    if (!ss) {
        vfs_node_put(r);
        return -ENOMEM;
    }
    ss->s = s;
    ss->root = r;
    if (++s->last_sid == 0)
        s->last_sid = 1;
    ss->sid = s->last_sid;
    ss->writeable = writeable;
    ss->quota = quota;
    ss->next = s->sessions;
    if (s->sessions)
        s->sessions->prev = ss;
    s->sessions = ss;
    *out = ss;
    return 0;
}

void fs_session_close(struct fs_session *ss)
{
    struct fs_server *s;
    uint32_t i;
    if (!ss)
        return;
    s = ss->s;
    fs_owned_free(ss); /* everything goes below */
    fs_lock_release(&s->locks, &s->env, NULL, 0xffffffff00000000ull, (uint64_t)ss->sid << 32,
                    &ss->nlocks);
    /* no chunk outlives its payer: the files it helped map become plain files again */
    for (struct fs_mapped **pp = &s->mapped; *pp && ss->nchunks;) {
        struct fs_mapped *mp = *pp;
        unsigned k = 0;
        while (k < FS_MAP_CHUNKS && mp->chunk[k].payer != ss)
            k++;
        if (k == FS_MAP_CHUNKS) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        fs_mapped_unmake(s, mp);
    }
    for (i = 0; i < ss->hcap; i++)
        if (ss->handles[i].f)
            fs_handle_drop(ss, &ss->handles[i]);
    vfs_free(&s->env, ss->handles, (size_t)ss->hcap * sizeof *ss->handles);
    for (i = 0; i < s->fresh && ss->nnodes; i++)
        if (s->ents[i].node && s->ents[i].owner == ss)
            fs_ent_drop(s, &s->ents[i]);
    vfs_node_put(ss->root);
    if (ss->prev)
        ss->prev->next = ss->next;
    else
        s->sessions = ss->next;
    if (ss->next)
        ss->next->prev = ss->prev;
    vfs_free(&s->env, ss, sizeof *ss);
}

uint64_t fs_session_used(const struct fs_session *ss)
{
    return ss->used;
}
