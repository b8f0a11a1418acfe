/*
 * The mount tree: the built-in `dir` file system (composition directories) and the
 * reader of the `vfs { ... }` configuration that builds it (docs/vfs.md).
 *
 * A composition directory shows its entries (sub-directories and the nodes of node
 * plugins such as null or inline) laid over its backing directory, which is the root
 * of the tree plugin mounted in it (ram, tar, ...) or, without one, the directory of
 * the same name inside its parent's backing. Entry names shadow backing names. The
 * tree is made once, from the configuration, and does not change afterwards: entries
 * cannot be removed or renamed (EBUSY), and new names go to the backing directory
 * (EROFS when there is none).
 *
 * It also lists the mounts with their mount points (vfs_mount_get, for
 * /proc/self/mountinfo): "/" first, then the placed instances in configuration order.
 */
#include "vfs_internal.h"

#include <string.h>

/* ---- composition directories ---- */

static struct vfs_cdir *cdir_new(struct vfs *v, struct vfs_cdir *parent)
{
    struct vfs_cdir *d = vfs_zalloc(&v->env, sizeof *d);
    if (!d)
        return NULL;
    d->node.fs = &v->comp;
    d->node.ino = v->next_comp_ino++;
    d->node.type = S_IFDIR;
    d->node.refs = 1; /* the tree's own reference: composition directories are never freed
                         before the vfs */
    d->parent = parent;
    d->all = v->cdirs;
    v->cdirs = d;
    return d;
}

struct vfs_centry *vfs_cdir_entry(struct vfs_cdir *d, const char *name, size_t len)
{
    struct vfs_centry *e;
    for (e = d->entries; e; e = e->next)
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

static struct vfs_centry *cdir_add(struct vfs *v, struct vfs_cdir *d, const char *name, size_t len,
                                   struct vfs_node *node, unsigned line)
{
    struct vfs_centry *e = vfs_zalloc(&v->env, sizeof *e + len + 1);
    if (!e)
        return NULL;
    memcpy(e->name, name, len);
    e->len = len;
    e->node = node;
    e->line = line;
    if (d->last)
        d->last->next = e;
    else
        d->entries = e;
    d->last = e;
    d->nentries++;
    if (vfs_is_cdir(node)) {
        d->nsubdirs++;
        vfs_cdir_of(node)->self = e;
    }
    return e;
}

void vfs_free_tree(struct vfs *v)
{
    struct vfs_cdir *d, *next;
    for (d = v->cdirs; d; d = next) {
        struct vfs_centry *e, *en;
        next = d->all;
        for (e = d->entries; e; e = en) {
            en = e->next;
            vfs_free(&v->env, e, sizeof *e + e->len + 1);
        }
        vfs_free(&v->env, d, sizeof *d);
    }
    v->cdirs = NULL;
    v->root = NULL;
}

/* Makes directory name in dir (a directory of a writable tree) for backing(). */
static int make_dir(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out)
{
    struct vfs_create_args a = {0};
    if ((dir->fs->flags & VFS_FS_RDONLY) || !dir->fs->ops->create)
        return -EROFS;
    a.mode = S_IFDIR | 0755;
    return dir->fs->ops->create(dir, name, len, &a, out);
}

static struct vfs_node *backing(struct vfs_cdir *d, bool make)
{
    struct vfs_cdir *top = d, *cur;
    struct vfs_node *n;
    int rc;
    while (top && !top->backing)
        top = top->parent;
    if (!top)
        return NULL;
    n = top->backing->root;
    vfs_node_get(n);
    /* walk down from top to d through the backing, one name per level */
    for (cur = top; cur != d;) {
        struct vfs_cdir *c = d;
        struct vfs_node *next = NULL;
        while (c->parent != cur)
            c = c->parent;
        rc = n->fs->ops->lookup ? n->fs->ops->lookup(n, c->self->name, c->self->len, &next)
                                : -ENOENT;
        if (rc == -ENOENT && make)
            rc = make_dir(n, c->self->name, c->self->len, &next);
        vfs_node_put(n);
        if (rc < 0)
            return NULL;
        n = next;
        if (!S_ISDIR(n->type)) {
            vfs_node_put(n);
            return NULL;
        }
        cur = c;
    }
    return n;
}

struct vfs_node *vfs_cdir_backing(struct vfs_cdir *d)
{
    return backing(d, false);
}

struct vfs_node *vfs_cdir_backing_make(struct vfs_cdir *d)
{
    return backing(d, true);
}

struct vfs_cdir *vfs_cdir_backed_by(struct vfs *v, struct vfs_node *node)
{
    struct vfs_cdir *d;
    for (d = v->cdirs; d; d = d->all) {
        struct vfs_cdir *top = d;
        struct vfs_node *b;
        bool same;
        while (top && !top->backing)
            top = top->parent;
        if (!top || top->backing != node->fs)
            continue;
        if (top == d) {
            if (top->backing->root->ino == node->ino)
                return d;
            continue;
        }
        b = vfs_cdir_backing(d);
        same = b && b->fs == node->fs && b->ino == node->ino;
        vfs_node_put(b);
        if (same)
            return d;
    }
    return NULL;
}

/* ---- the `dir` file system's operations ---- */

static int comp_lookup(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out)
{
    struct vfs_cdir *d = vfs_cdir_of(dir);
    struct vfs_centry *e = vfs_cdir_entry(d, name, len);
    struct vfs_node *b;
    int rc;
    if (e) {
        vfs_node_get(e->node);
        *out = e->node;
        return 0;
    }
    b = vfs_cdir_backing(d);
    if (!b)
        return -ENOENT;
    rc = b->fs->ops->lookup ? b->fs->ops->lookup(b, name, len, out) : -ENOENT;
    vfs_node_put(b);
    return rc;
}

/*
 * Positions in a composition directory: its own entries have small numbers (below bit
 * 62); an entry of its backing tree has the backing's position with one more bit set, the
 * first clear bit of the run of ones that starts at bit 62 (bit 62 for a plain file
 * system's position, bit 61 when the backing is itself a composition, and so on). So
 * compositions nest without losing a bit: the default tree is a composition whose root is
 * an `fs` mount of a vfs server that serves a composition. Plain file systems' positions
 * must stay below 2^56.
 */
static uint64_t backing_pos_encode(uint64_t p)
{
    int b = 62;
    while (b > 56 && ((p >> b) & 1))
        b--;
    return p | (1ull << b);
}

static uint64_t backing_pos_decode(uint64_t x)
{
    int b = 62;
    while (b > 56 && ((x >> (b - 1)) & 1))
        b--;
    return x & ~(1ull << b);
}

static int comp_readdir(struct vfs_node *dir, uint64_t pos, struct vfs_dirent *out)
{
    struct vfs_cdir *d = vfs_cdir_of(dir);
    struct vfs_node *b;
    uint64_t p;
    int rc;
    if (pos < VFS_DIR_POS_BACKING) {
        struct vfs_centry *e = d->entries;
        uint64_t i;
        for (i = 2; e && i < pos; i++)
            e = e->next;
        if (e) {
            out->ino = e->node->ino;
            out->type = vfs_dtype(e->node->type);
            out->name = e->name;
            out->len = e->len;
            out->next = i + 1;
            return 1;
        }
        pos = VFS_DIR_POS_BACKING | 2;
    }
    b = vfs_cdir_backing(d);
    if (!b)
        return 0;
    p = backing_pos_decode(pos);
    for (;;) {
        rc = b->fs->ops->readdir ? b->fs->ops->readdir(b, p, out) : 0;
        if (rc <= 0)
            break;
        if (!vfs_cdir_entry(d, out->name, out->len)) {
            out->next = backing_pos_encode(out->next);
            break;
        }
        p = out->next;
    }
    vfs_node_put(b);
    return rc;
}

static int comp_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct vfs_cdir *d = vfs_cdir_of(n);
    struct vfs_node *b = vfs_cdir_backing(d);
    if (b) {
        int rc = vfs_getattr(b, st);
        vfs_node_put(b);
        return rc;
    }
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2 + d->nsubdirs;
    st->st_size = 40 + 20 * (int64_t)d->nentries;
    st->st_atim = st->st_mtim = st->st_ctim = n->fs->vfs->created;
    return 0;
}

static int comp_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct vfs_cdir *d;
    uint64_t n = 0;
    for (d = fs->vfs->cdirs; d; d = d->all)
        n++;
    st->f_type = RAMFS_MAGIC;
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_files = n;
    st->f_namelen = NAME_MAX;
    st->f_flags = ST_RDONLY | ST_VALID;
    return 0;
}

const struct vfs_fs_ops vfs_comp_ops = {
    .lookup = comp_lookup,
    .readdir = comp_readdir,
    .getattr = comp_getattr,
    .statfs = comp_statfs,
};

/* ---- reading the configuration ---- */

struct builder {
    struct vfs *v;
    const struct vfs_plugin *const *plugins;
    size_t nplugins;
    struct cfg_error *err;
};

static const struct vfs_plugin *find_plugin(struct builder *b, const char *name)
{
    size_t i;
    for (i = 0; i < b->nplugins; i++)
        if (strcmp(b->plugins[i]->name, name) == 0)
            return b->plugins[i];
    return NULL;
}

static int unknown_plugin(struct builder *b, const struct cfg_node *n)
{
    char list[200];
    size_t len = 0, i;
    const char *dir = "dir";
    memcpy(list, dir, 4);
    len = 3;
    for (i = 0; i < b->nplugins; i++) {
        size_t l = strlen(b->plugins[i]->name);
        if (len + l + 6 >= sizeof list) {
            memcpy(list + len, ", ...", 6);
            len += 5;
            break;
        }
        memcpy(list + len, ", ", 2);
        memcpy(list + len + 2, b->plugins[i]->name, l + 1);
        len += l + 2;
    }
    return vfs_config_error(b->err, n, NULL, "unknown file system '%s'; expected one of: %s",
                            n->name, list);
}

/* Describes what an entry of d is, for messages. */
static const char *entry_kind(const struct vfs_centry *e)
{
    if (vfs_is_cdir(e->node))
        return "a directory";
    return e->node->fs->plugin ? e->node->fs->plugin->name : "a file";
}

/*
 * Follows (making what is missing) the composition directories of `path`, relative to
 * d, up to but not including its last component when `all` is false. Sets *last to the
 * last component (for node plugins). A leading '/' is allowed only at the top level.
 */
static int make_path(struct builder *b, struct vfs_cdir *d, const struct cfg_node *n,
                     const struct cfg_value *val, bool top, bool all, struct vfs_cdir **out,
                     const char **last, size_t *last_len)
{
    const char *p = val->text;
    size_t total = strlen(p);
    if (total >= PATH_MAX)
        return vfs_config_error(b->err, n, val, "path is longer than %u bytes", PATH_MAX - 1);
    if (p[0] == '/' && !top)
        return vfs_config_error(b->err, n, val,
                                "'%s': a path inside a 'dir' block is relative to that "
                                "directory and must not start with '/'",
                                p);
    for (;;) {
        const char *c;
        size_t len;
        struct vfs_centry *e;
        struct vfs_cdir *sub;
        while (*p == '/')
            p++;
        c = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - c);
        if (len == 0) {
            if (!all)
                return vfs_config_error(b->err, n, val, "expected a name, found the path '%s'",
                                        val->text);
            break;
        }
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return vfs_config_error(b->err, n, val,
                                    "'%s': '.' and '..' are not allowed in a path here", val->text);
        if (len > NAME_MAX)
            return vfs_config_error(b->err, n, val, "a name is longer than %u bytes in '%s'",
                                    NAME_MAX, val->text);
        if (!all) {
            const char *q = p;
            while (*q == '/')
                q++;
            if (*q == '\0') {
                if (*p == '/')
                    return vfs_config_error(b->err, n, val,
                                            "'%s' names a directory (trailing '/'); "
                                            "expected a file name",
                                            val->text);
                *last = c;
                *last_len = len;
                break;
            }
        }
        e = vfs_cdir_entry(d, c, len);
        if (e) {
            if (!vfs_is_cdir(e->node))
                return vfs_config_error(b->err, n, val,
                                        "'%s': '%s' in it is %s (line %u), not a directory",
                                        val->text, e->name, entry_kind(e), e->line);
            d = vfs_cdir_of(e->node);
            continue;
        }
        sub = cdir_new(b->v, d);
        if (!sub || !cdir_add(b->v, d, c, len, &sub->node, n->line))
            return -ENOMEM;
        d = sub;
    }
    *out = d;
    return 0;
}

static int build_dir(struct builder *b, struct vfs_cdir *d, const struct cfg_node *parent,
                     bool top);

static int add_dir(struct builder *b, struct vfs_cdir *d, const struct cfg_node *n, bool top)
{
    struct vfs_cdir *sub;
    int rc;
    if (cfg_nargs(n) != 1 || n->nvalues != 1)
        return vfs_config_error(b->err, n, NULL,
                                "'dir' takes one path and a block, as in: dir /tmp { ram }");
    rc = make_path(b, d, n, cfg_arg_value(n, 0), top, true, &sub, NULL, NULL);
    if (rc < 0)
        return rc;
    return build_dir(b, sub, n, false);
}

static int add_tree(struct builder *b, const struct vfs_plugin *p, struct vfs_cdir *d,
                    const struct cfg_node *n)
{
    struct vfs_fs *fs;
    int rc;
    if (d->backing)
        return vfs_config_error(b->err, n, NULL,
                                "'%s': this directory already shows '%s' (line %u); "
                                "put the second file system in a 'dir' of its own",
                                n->name, d->backing->plugin->name, d->backing->cfg_line);
    rc = vfs_mount_instance(b->v, p, n, 0, &fs, b->err);
    if (rc < 0)
        return rc;
    if (!fs->root || !S_ISDIR(fs->root->type))
        return vfs_config_error(b->err, n, NULL, "'%s' did not make a directory", n->name);
    fs->at = &d->node;
    fs->backing = true;
    d->backing = fs;
    return 0;
}

static int add_node(struct builder *b, const struct vfs_plugin *p, struct vfs_cdir *d,
                    const struct cfg_node *n, bool top)
{
    const struct cfg_value *val = cfg_arg_value(n, 0);
    struct cfg_value deflt;
    struct vfs_cdir *parent;
    struct vfs_centry *e;
    const char *name = NULL;
    size_t len = 0;
    struct vfs_fs *fs;
    int rc;
    if (!val) {
        if (!p->default_name)
            return vfs_config_error(b->err, n, NULL, "'%s' needs a name, as in: %s NAME", n->name,
                                    n->name);
        deflt.key = NULL;
        deflt.text = p->default_name;
        deflt.line = n->line;
        deflt.col = n->col;
        val = &deflt;
    }
    rc = make_path(b, d, n, val, top, false, &parent, &name, &len);
    if (rc < 0)
        return rc;
    e = vfs_cdir_entry(parent, name, len);
    if (e)
        return vfs_config_error(b->err, n, val == &deflt ? NULL : val,
                                "'%s' is given twice: it is already %s (line %u)", val->text,
                                entry_kind(e), e->line);
    rc = vfs_mount_instance(b->v, p, n, val == &deflt ? 0 : 1, &fs, b->err);
    if (rc < 0)
        return rc;
    if (!fs->root)
        return vfs_config_error(b->err, n, NULL, "'%s' did not make a node", n->name);
    fs->at = &parent->node;
    if (!cdir_add(b->v, parent, name, len, fs->root, n->line))
        return -ENOMEM;
    return 0;
}

static int build_dir(struct builder *b, struct vfs_cdir *d, const struct cfg_node *parent, bool top)
{
    const struct cfg_node *n;
    for (n = cfg_first(parent, NULL); n; n = cfg_next(n, NULL)) {
        const struct vfs_plugin *p;
        int rc;
        if (strcmp(n->name, "dir") == 0) {
            rc = add_dir(b, d, n, top);
        } else {
            p = find_plugin(b, n->name);
            if (!p)
                return unknown_plugin(b, n);
            if (p->kind == VFS_PLUGIN_TREE)
                rc = add_tree(b, p, d, n);
            else
                rc = add_node(b, p, d, n, top);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int vfs_build_tree(struct vfs *v, const struct vfs_plugin *const *plugins, size_t nplugins,
                   const struct cfg_node *cfg, struct cfg_error *err)
{
    struct builder b = {v, plugins, nplugins, err};
    v->root = cdir_new(v, NULL);
    if (!v->root)
        return -ENOMEM;
    if (!cfg)
        return 0;
    if (cfg->nvalues)
        return vfs_config_error(
            err, cfg, NULL, "'%s' takes no values; its block says what the root directory holds",
            cfg->name);
    return build_dir(&b, v->root, cfg, true);
}

/* ---- the list of mounts (/proc/self/mountinfo) ---- */

/* The instance that shows directory d's content: its own backing, the nearest
 * ancestor's, or the composition. */
static struct vfs_fs *mount_showing(struct vfs *v, struct vfs_cdir *d)
{
    for (; d; d = d->parent)
        if (d->backing)
            return d->backing;
    return &v->comp;
}

static unsigned mount_id(const struct vfs_fs *fs)
{
    return LINUX_MINOR(fs->dev);
}

/* The instance at "/" (the root's tree plugin, or the composition). */
static struct vfs_fs *root_mount(struct vfs *v)
{
    return v->root->backing ? v->root->backing : &v->comp;
}

/* Writes the mount point of fs (not the root mount) into path. */
static int mount_point(struct vfs *v, struct vfs_fs *fs, char *path, size_t size)
{
    struct vfs_cdir *d = vfs_cdir_of(fs->at);
    const struct vfs_centry *e;
    int64_t len = vfs_dir_path(v, fs->at, path, size);
    if (len < 0)
        return (int)len;
    if (fs->backing)
        return 0;
    for (e = d->entries; e && e->node != fs->root; e = e->next)
        ;
    if (!e)
        return -ENOENT;
    if (len == 1)
        len = 0; /* the root: no second slash */
    if ((size_t)len + 1 + e->len + 1 > size)
        return -ERANGE;
    path[len] = '/';
    memcpy(path + len + 1, e->name, e->len);
    path[len + 1 + (int64_t)e->len] = '\0';
    return 0;
}

/* Mounts after the root's: placed instances, but not symlinks (not mount points on
 * Linux either). */
static bool listed(const struct vfs_fs *fs, const struct vfs_fs *top)
{
    return fs->at && fs != top && (fs->backing || !S_ISLNK(fs->root->type));
}

int vfs_mount_get(struct vfs *v, unsigned index, struct vfs_mount_info *out, char *path,
                  size_t size)
{
    struct vfs_fs *fs, *top = root_mount(v);
    unsigned n = 0, skip;
    int rc;
    if (index == 0) {
        fs = top;
        if (size < 2)
            return -ERANGE;
        path[0] = '/';
        path[1] = '\0';
        out->parent = VFS_MOUNT_ROOT_PARENT;
    } else {
        /* v->mounts is newest first: the index-th in configuration order is the
         * (count - index)-th from the front */
        for (fs = v->mounts; fs; fs = fs->next)
            if (listed(fs, top))
                n++;
        if (index > n)
            return 0;
        skip = n - index;
        for (fs = v->mounts; fs; fs = fs->next) {
            if (!listed(fs, top))
                continue;
            if (skip-- == 0)
                break;
        }
        rc = mount_point(v, fs, path, size);
        if (rc < 0)
            return rc;
        if (fs->backing)
            out->parent = mount_id(mount_showing(v, vfs_cdir_of(fs->at)->parent));
        else
            out->parent = mount_id(mount_showing(v, vfs_cdir_of(fs->at)));
    }
    out->id = mount_id(fs);
    out->dev = fs->dev;
    out->type = fs->plugin ? fs->plugin->name : "dir";
    out->rdonly = (fs->flags & VFS_FS_RDONLY) != 0;
    return 1;
}
