/*
 * ram: the import of a tar archive at mount (from=ARCHIVE, README.md). The tree is
 * filled with a copy of the archive (a boot module read with lib/tar), member by
 * member as extraction would make it: a later member replaces an earlier one of the
 * same name (a directory only when empty), missing parent directories are made
 * (0755, root), hard links name an earlier member. Members with "..", over-long names
 * or unknown types are skipped with a log line. Every byte is charged to the instance
 * like any other (ram_alloc), so size=N bounds the import too; afterwards the archive
 * is not needed.
 */
#include <capix/config.h>
#include <capix/tar.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "ram.h"

/* The next path component of *p (skipping slashes and "." components): sets *c and
 * *len and returns true, or returns false at the end. */
static bool next_component(const char **p, const char **c, size_t *len)
{
    for (;;) {
        const char *s = *p;
        while (*s == '/')
            s++;
        if (!*s)
            return false;
        *c = s;
        while (*s && *s != '/')
            s++;
        *len = (size_t)(s - *c);
        *p = s;
        if (!(*len == 1 && (*c)[0] == '.'))
            return true;
    }
}

/* True if path has a ".." component or one longer than NAME_MAX. */
static bool bad_path(const char *path)
{
    const char *c;
    size_t len;
    while (next_component(&path, &c, &len))
        if (len > NAME_MAX || (len == 2 && c[0] == '.' && c[1] == '.'))
            return true;
    return false;
}

/* Puts n (a new node) under name in d, replacing what is there (a non-directory or an
 * empty directory; the caller has checked). */
static int import_place(struct ram_fs *r, struct ram_node *d, const char *name, size_t len,
                        struct ram_node *n)
{
    struct ram_dirent *e = ram_find(d, name, len);
    if (e) {
        struct ram_node *old = e->node;
        e->node = n;
        ram_drop_link(r, d, old);
        ram_maybe_free(r, old);
    } else if (!ram_entry_new(r, d, name, len, n)) {
        return -ENOSPC;
    }
    if (S_ISDIR(n->mode)) {
        n->nlink = 2;
        n->parent = d;
        d->nlink++;
    } else {
        n->nlink++;
    }
    return 0;
}

/* The directory name in d, made (0755, root) if missing or if a non-directory is in the
 * way; NULL when out of space. */
static struct ram_node *import_dir(struct ram_fs *r, struct ram_node *d, const char *name,
                                   size_t len)
{
    struct ram_dirent *e = ram_find(d, name, len);
    struct ram_node *n;
    if (e && S_ISDIR(e->node->mode))
        return e->node;
    n = ram_node_new(r, S_IFDIR | 0755);
    if (!n)
        return NULL;
    if (import_place(r, d, name, len, n) < 0) {
        ram_node_free(r, n);
        return NULL;
    }
    return n;
}

/* The node at path (an earlier member, for hard links), or NULL. */
static struct ram_node *import_find(struct ram_fs *r, const char *path)
{
    struct ram_node *n = &r->root_storage;
    const char *c;
    size_t len;
    while (next_component(&path, &c, &len)) {
        struct ram_dirent *e;
        if (!S_ISDIR(n->mode) || (len == 2 && c[0] == '.' && c[1] == '.'))
            return NULL;
        e = ram_find(n, c, len);
        if (!e)
            return NULL;
        n = e->node;
    }
    return n;
}

static void import_attrs(struct ram_node *n, const struct tar_entry *e)
{
    n->mode = (n->mode & S_IFMT) | (e->mode & 07777);
    n->uid = (uint32_t)e->uid;
    n->gid = (uint32_t)e->gid;
    n->mtime.tv_sec = n->atime.tv_sec = e->mtime;
    n->mtime.tv_nsec = n->atime.tv_nsec = 0;
}

/* Adds one archive member; 0 (also for members skipped with a log line) or -ENOSPC. */
static int import_member(struct ram_fs *r, const struct tar_entry *e)
{
    const struct vfs_env *env = r->fs.env;
    struct ram_node *d = &r->root_storage, *n, *target = NULL;
    struct ram_dirent *old;
    const char *p = e->name, *c, *name = NULL;
    size_t len, name_len = 0;
    uint32_t type;
    if (vfs_tar_type(e, &type) < 0) {
        vfs_log(env, "ram: import: skipping '%s' of unknown type '%c'", e->name, e->typeflag);
        return 0;
    }
    if (bad_path(e->name)) {
        vfs_log(env, "ram: import: skipping '%s': '..' or a name that is too long", e->name);
        return 0;
    }
    while (next_component(&p, &c, &len)) {
        if (name) {
            d = import_dir(r, d, name, name_len);
            if (!d)
                return -ENOSPC;
        }
        name = c;
        name_len = len;
    }
    if (!name) {
        /* the archive's "./": the root's own attributes */
        if (type == S_IFDIR)
            import_attrs(&r->root_storage, e);
        return 0;
    }
    old = ram_find(d, name, name_len);
    if (old && S_ISDIR(old->node->mode)) {
        if (type == S_IFDIR) {
            import_attrs(old->node, e); /* made before its own member */
            return 0;
        }
        if (old->node->nentries) {
            vfs_log(env, "ram: import: skipping '%s': a directory of that name is not empty",
                    e->name);
            return 0;
        }
    }
    if (e->type == TAR_HARDLINK) {
        target = import_find(r, e->link_name);
        if (!target || S_ISDIR(target->mode)) {
            vfs_log(env, "ram: import: skipping hard link '%s' to '%s': %s", e->name, e->link_name,
                    target ? "a directory" : "no such member before it");
            return 0;
        }
        if (old && old->node == target)
            return 0; /* a link to itself */
        return import_place(r, d, name, name_len, target);
    }
    n = ram_node_new(r, type);
    if (!n)
        return -ENOSPC;
    import_attrs(n, e);
    if (type == S_IFREG && e->size) {
        if (e->size > RAM_MAX_FILE || ram_reserve(r, n, e->size) < 0) {
            ram_node_free(r, n);
            return -ENOSPC;
        }
        memcpy(n->data, e->data, (size_t)e->size);
        n->size = e->size;
    } else if (type == S_IFLNK) {
        n->target_len = strlen(e->link_name);
        n->target = ram_alloc(r, n->target_len + 1);
        if (!n->target) {
            ram_node_free(r, n);
            return -ENOSPC;
        }
        memcpy(n->target, e->link_name, n->target_len + 1);
        n->size = n->target_len;
    }
    if (import_place(r, d, name, name_len, n) < 0) {
        ram_node_free(r, n);
        return -ENOSPC;
    }
    return 0;
}

/* Fills r from the archive named by the from= value. */
int ram_import_archive(const struct vfs_mount_args *a, struct ram_fs *r,
                       const struct cfg_value *from)
{
    const struct vfs_env *env = a->env;
    struct tar_entry *e;
    struct tar_iter it;
    const void *archive;
    size_t len = 0;
    int rc;
    archive = env->module ? env->module(env->ctx, from->text, &len) : NULL;
    if (!archive)
        return vfs_config_error(a->err, a->cfg, from, "ram: there is no boot module called '%s'",
                                from->text);
    e = vfs_zalloc(env, sizeof *e);
    if (!e)
        return -ENOMEM;
    tar_iter_init(&it, archive, len);
    while ((rc = tar_next(&it, e)) == 1) {
        rc = import_member(r, e);
        if (rc < 0)
            break;
    }
    vfs_free(env, e, sizeof *e);
    if (rc == -ENOSPC) {
        if (!r->limit)
            return -ENOMEM;
        return vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "size"),
                                "ram: the archive '%s' does not fit in size=%s", from->text,
                                cfg_prop(a->cfg, "size"));
    }
    if (rc < 0)
        return vfs_config_error(a->err, a->cfg, from,
                                "ram: '%s' is not a valid archive: %s (at offset %zu)", from->text,
                                tar_strerror(rc), it.pos);
    return 0;
}
