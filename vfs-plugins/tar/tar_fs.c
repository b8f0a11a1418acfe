/*
 * tar: a read-only file system showing a tar archive held in memory (README.md).
 *
 * At mount the archive is read once with lib/tar and turned into a tree of nodes;
 * file data is not copied (nodes point into the archive, which must outlive the
 * instance). Names are taken as extraction would take them: leading "/" and "./" are
 * dropped, missing parent directories are made (0755, root), a later member of the
 * same name replaces an earlier one, and a hard link names the node of an earlier
 * member. Members with ".." in their names, hard links to nothing and unknown types are
 * skipped and logged. Each directory's children are then sorted by name, so lookup is
 * a binary search and readdir positions are indexes.
 */
#include <capix/config.h>
#include <capix/tar.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

int vfs_tar_type(const struct tar_entry *e, uint32_t *type)
{
    switch (e->type) {
    case TAR_FILE:
        *type = S_IFREG;
        return 0;
    case TAR_DIR:
        *type = S_IFDIR;
        return 0;
    case TAR_SYMLINK:
        *type = S_IFLNK;
        return 0;
    case TAR_HARDLINK:
        *type = 0;
        return 0;
    default:
        *type = e->typeflag == '3'   ? S_IFCHR
                : e->typeflag == '4' ? S_IFBLK
                : e->typeflag == '6' ? S_IFIFO
                                     : 0;
        return *type ? 0 : -1;
    }
}

struct tar_node;

struct tar_child {
    char *name;
    size_t len;
    struct tar_node *node;
};

struct tar_node {
    struct vfs_node vn;
    struct tar_node *all_next;
    struct tar_node *parent;
    uint32_t mode, uid, gid;
    uint64_t nlink, rdev;
    int64_t mtime;
    const char *data; /* regular files: inside the archive */
    uint64_t size;
    char *target; /* symlinks */
    size_t target_len;
    struct tar_child *kids; /* directories */
    size_t nkids, capkids;
};

struct tar_fs {
    struct vfs_fs fs;
    struct tar_node *nodes;
    struct tar_node *root;
    uint64_t next_ino, nnodes;
    size_t archive_len;
};

static struct tar_fs *tfs_of(struct vfs_fs *fs)
{
    return (struct tar_fs *)(void *)fs;
}

static struct tar_node *tnode_of(struct vfs_node *n)
{
    return (struct tar_node *)(void *)n;
}

static struct tar_node *tnode_new(struct tar_fs *t, uint32_t mode, int64_t mtime)
{
    struct tar_node *n = vfs_zalloc(t->fs.env, sizeof *n);
    if (!n)
        return NULL;
    n->vn.fs = &t->fs;
    n->vn.ino = t->next_ino++;
    n->vn.type = mode & S_IFMT;
    n->mode = mode;
    n->mtime = mtime;
    n->nlink = S_ISDIR(mode) ? 2 : 1;
    n->all_next = t->nodes;
    t->nodes = n;
    t->nnodes++;
    return n;
}

static void free_all(struct tar_fs *t)
{
    const struct vfs_env *env = t->fs.env;
    struct tar_node *n, *next;
    for (n = t->nodes; n; n = next) {
        size_t i;
        next = n->all_next;
        for (i = 0; i < n->nkids; i++)
            vfs_free(env, n->kids[i].name, n->kids[i].len + 1);
        vfs_free(env, n->kids, n->capkids * sizeof *n->kids);
        vfs_free(env, n->target, n->target_len + 1);
        vfs_free(env, n, sizeof *n);
    }
    t->nodes = NULL;
}

/* ---- building the tree ---- */

static struct tar_child *child_find(struct tar_node *d, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < d->nkids; i++)
        if (d->kids[i].len == len && memcmp(d->kids[i].name, name, len) == 0)
            return &d->kids[i];
    return NULL;
}

static int child_add(struct tar_fs *t, struct tar_node *d, const char *name, size_t len,
                     struct tar_node *n)
{
    const struct vfs_env *env = t->fs.env;
    struct tar_child *c;
    if (d->nkids == d->capkids) {
        size_t cap = d->capkids ? d->capkids * 2 : 8;
        struct tar_child *k = vfs_zalloc(env, cap * sizeof *k);
        if (!k)
            return -ENOMEM;
        if (d->nkids)
            memcpy(k, d->kids, d->nkids * sizeof *k);
        vfs_free(env, d->kids, d->capkids * sizeof *k);
        d->kids = k;
        d->capkids = cap;
    }
    c = &d->kids[d->nkids];
    c->name = vfs_zalloc(env, len + 1);
    if (!c->name)
        return -ENOMEM;
    memcpy(c->name, name, len);
    c->len = len;
    c->node = n;
    d->nkids++;
    return 0;
}

/* Splits path into components in place (NUL between them); returns the count, or -1 if
 * a component is "..". Empty and "." components are dropped. */
static int split(char *path, char **comp, size_t *lens, int max)
{
    int n = 0;
    char *p = path;
    while (*p) {
        char *c;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        c = p;
        while (*p && *p != '/')
            p++;
        if (p - c == 1 && c[0] == '.')
            continue;
        if (p - c == 2 && c[0] == '.' && c[1] == '.')
            return -1;
        if (p - c > NAME_MAX || n == max)
            return -1;
        comp[n] = c;
        lens[n] = (size_t)(p - c);
        n++;
    }
    return n;
}

#define MAX_DEPTH (PATH_MAX / 2)

struct build {
    struct tar_fs *t;
    struct tar_entry e;
    char *comp[MAX_DEPTH]; /* the member's name */
    size_t lens[MAX_DEPTH];
    char *lcomp[MAX_DEPTH]; /* a hard link's target */
    size_t llens[MAX_DEPTH];
};

/* Finds (making missing directories) the directory holding the first n components. */
static int parent_dir(struct build *b, int n, int64_t mtime, struct tar_node **out)
{
    struct tar_node *d = b->t->root;
    int i, rc;
    for (i = 0; i < n; i++) {
        struct tar_child *c = child_find(d, b->comp[i], b->lens[i]);
        struct tar_node *sub;
        if (c && S_ISDIR(c->node->mode)) {
            d = c->node;
            continue;
        }
        sub = tnode_new(b->t, S_IFDIR | 0755, mtime);
        if (!sub)
            return -ENOMEM;
        sub->parent = d;
        if (c) {
            c->node->nlink--; /* a non-directory in the way is replaced */
            c->node = sub;
        } else {
            rc = child_add(b->t, d, b->comp[i], b->lens[i], sub);
            if (rc < 0)
                return rc;
        }
        d = sub;
    }
    *out = d;
    return 0;
}

/* Finds the node of an earlier member (hard link target), or NULL. */
static struct tar_node *find_path(struct build *b, char *path)
{
    struct tar_node *d = b->t->root;
    int n = split(path, b->lcomp, b->llens, MAX_DEPTH), i;
    if (n <= 0)
        return NULL;
    for (i = 0; i < n; i++) {
        struct tar_child *c;
        if (!S_ISDIR(d->mode))
            return NULL;
        c = child_find(d, b->lcomp[i], b->llens[i]);
        if (!c)
            return NULL;
        d = c->node;
    }
    return d;
}

static int add_member(struct build *b)
{
    struct tar_entry *e = &b->e;
    struct tar_fs *t = b->t;
    struct tar_node *d, *n = NULL;
    struct tar_child *c;
    uint32_t type;
    int depth, rc;

    if (vfs_tar_type(e, &type) < 0) {
        vfs_log(t->fs.env, "tar: skipping '%s' of unknown type '%c'", e->name, e->typeflag);
        return 0;
    }
    depth = split(e->name, b->comp, b->lens, MAX_DEPTH);
    if (depth < 0) {
        vfs_log(t->fs.env, "tar: skipping a member whose name has '..' or is too long");
        return 0;
    }
    if (depth == 0) {
        /* the archive's "./": the root's own attributes */
        if (type == S_IFDIR) {
            t->root->mode = S_IFDIR | (e->mode & 07777);
            t->root->uid = (uint32_t)e->uid;
            t->root->gid = (uint32_t)e->gid;
            t->root->mtime = e->mtime;
        }
        return 0;
    }
    rc = parent_dir(b, depth - 1, e->mtime, &d);
    if (rc < 0)
        return rc;
    c = child_find(d, b->comp[depth - 1], b->lens[depth - 1]);
    if (e->type == TAR_HARDLINK) {
        n = find_path(b, e->link_name);
        if (!n || S_ISDIR(n->mode)) {
            vfs_log(t->fs.env, "tar: skipping hard link to missing '%s'", e->link_name);
            return 0;
        }
        n->nlink++;
    } else if (c && type == S_IFDIR && S_ISDIR(c->node->mode)) {
        n = c->node; /* a directory made before its own member: take the attributes */
    } else {
        n = tnode_new(t, type, e->mtime);
        if (!n)
            return -ENOMEM;
        if (type == S_IFDIR)
            n->parent = d;
        if (type == S_IFREG) {
            n->data = e->data;
            n->size = e->size;
        } else if (type == S_IFLNK) {
            n->target_len = strlen(e->link_name);
            n->target = vfs_zalloc(t->fs.env, n->target_len + 1);
            if (!n->target)
                return -ENOMEM;
            memcpy(n->target, e->link_name, n->target_len);
            n->size = n->target_len;
        }
    }
    if (e->type != TAR_HARDLINK) {
        n->mode = type | (e->mode & 07777);
        n->uid = (uint32_t)e->uid;
        n->gid = (uint32_t)e->gid;
        n->mtime = e->mtime;
    }
    if (c) {
        if (c->node != n) {
            c->node->nlink--;
            c->node = n;
        } else if (e->type == TAR_HARDLINK) {
            n->nlink--; /* a hard link to itself adds nothing */
        }
        return 0;
    }
    return child_add(t, d, b->comp[depth - 1], b->lens[depth - 1], n);
}

static int child_cmp(const struct tar_child *a, const struct tar_child *b)
{
    size_t l = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, l);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Heapsort of a directory's children by name (no recursion, no allocation). */
static void sift(struct tar_child *k, size_t root, size_t n)
{
    for (;;) {
        size_t child = 2 * root + 1;
        struct tar_child tmp;
        if (child >= n)
            return;
        if (child + 1 < n && child_cmp(&k[child], &k[child + 1]) < 0)
            child++;
        if (child_cmp(&k[root], &k[child]) >= 0)
            return;
        tmp = k[root];
        k[root] = k[child];
        k[child] = tmp;
        root = child;
    }
}

static void sort_kids(struct tar_child *k, size_t n)
{
    size_t i;
    struct tar_child tmp;
    for (i = n / 2; i-- > 0;)
        sift(k, i, n);
    for (i = n; i-- > 1;) {
        tmp = k[0];
        k[0] = k[i];
        k[i] = tmp;
        sift(k, 0, i);
    }
}

/* Sorts every directory and counts directory links. */
static void finish(struct tar_fs *t)
{
    struct tar_node *n;
    for (n = t->nodes; n; n = n->all_next) {
        size_t i;
        if (!S_ISDIR(n->mode))
            continue;
        sort_kids(n->kids, n->nkids);
        n->nlink = 2;
        for (i = 0; i < n->nkids; i++)
            if (S_ISDIR(n->kids[i].node->mode))
                n->nlink++;
    }
}

/* ---- operations ---- */

static int tar_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out)
{
    struct tar_node *d = tnode_of(dn), *n = NULL;
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        n = d->parent ? d->parent : d;
    } else {
        struct tar_child key = {(char *)name, len, NULL};
        size_t lo = 0, hi = d->nkids;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = child_cmp(&key, &d->kids[mid]);
            if (c == 0) {
                n = d->kids[mid].node;
                break;
            }
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (!n)
            return -ENOENT;
    }
    vfs_node_get(&n->vn);
    *out = &n->vn;
    return 0;
}

static int tar_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out)
{
    struct tar_node *d = tnode_of(dn);
    struct tar_child *c;
    if (pos < 2 || pos - 2 >= d->nkids)
        return 0;
    c = &d->kids[pos - 2];
    out->ino = c->node->vn.ino;
    out->type = vfs_dtype(c->node->mode);
    out->name = c->name;
    out->len = c->len;
    out->next = pos + 1;
    return 1;
}

static int64_t tar_readlink(struct vfs_node *nn, char *buf, size_t size)
{
    struct tar_node *n = tnode_of(nn);
    memcpy(buf, n->target, n->target_len < size ? n->target_len : size);
    return (int64_t)n->target_len;
}

static int tar_getattr(struct vfs_node *nn, struct linux_stat *st)
{
    struct tar_node *n = tnode_of(nn);
    st->st_mode = n->mode;
    st->st_nlink = n->nlink;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_rdev = n->rdev;
    if (S_ISDIR(n->mode))
        st->st_size = (int64_t)(n->nkids + 2) * 20;
    else
        st->st_size = (int64_t)n->size;
    if (S_ISREG(n->mode))
        st->st_blocks = (int64_t)((n->size + 511) / 512);
    st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = n->mtime;
    return 0;
}

static int tar_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct tar_fs *t = tfs_of(fs);
    st->f_type = ROMFS_MAGIC;
    st->f_blocks = (t->archive_len + 4095) / 4096;
    st->f_files = t->nnodes;
    return 0;
}

static void tar_unmount(struct vfs_fs *fs)
{
    struct tar_fs *t = tfs_of(fs);
    const struct vfs_env *env = fs->env;
    free_all(t);
    vfs_free(env, t, sizeof *t);
}

static int tar_open(struct vfs_file *f)
{
    if (S_ISCHR(f->node->type) || S_ISBLK(f->node->type) || S_ISFIFO(f->node->type))
        return -ENXIO; /* device and FIFO members have no driver behind them */
    return 0;
}

static int64_t tar_read(struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
    struct tar_node *n = tnode_of(f->node);
    if (off >= n->size)
        return 0;
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    memcpy(buf, n->data + off, len);
    return (int64_t)len;
}

static int tar_fsync(struct vfs_file *f, bool datasync)
{
    return 0;
}

static const struct vfs_fs_ops tar_ops = {
    .lookup = tar_lookup,
    .readdir = tar_readdir,
    .readlink = tar_readlink,
    .getattr = tar_getattr,
    .statfs = tar_statfs,
    .unmount = tar_unmount,
    .open = tar_open,
    .read = tar_read,
    .fsync = tar_fsync,
};

static int tar_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    const struct cfg_node *cfg = a->cfg;
    const char *name = cfg_arg(cfg, a->first_arg);
    struct build *b = NULL;
    struct tar_fs *t = NULL;
    struct tar_iter it;
    const void *archive;
    size_t len = 0;
    int rc;

    rc = vfs_cfg_check(a, 1, NULL, "tar ARCHIVE");
    if (rc < 0)
        return rc;
    if (!name)
        return vfs_config_error(a->err, cfg, NULL,
                                "tar needs the name of an archive, as in: tar rootfs.tar");
    archive = a->env->module ? a->env->module(a->env->ctx, name, &len) : NULL;
    if (!archive)
        return vfs_config_error(a->err, cfg, cfg_arg_value(cfg, a->first_arg),
                                "tar: there is no boot module called '%s'", name);
    t = vfs_zalloc(a->env, sizeof *t);
    b = vfs_zalloc(a->env, sizeof *b);
    if (!t || !b) {
        rc = -ENOMEM;
        goto fail;
    }
    t->fs.ops = &tar_ops;
    t->fs.env = a->env;
    t->fs.flags = VFS_FS_RDONLY;
    t->archive_len = len;
    t->next_ino = 2;
    t->root = tnode_new(t, S_IFDIR | 0755, 0);
    if (!t->root) {
        rc = -ENOMEM;
        goto fail;
    }
    b->t = t;
    tar_iter_init(&it, archive, len);
    while ((rc = tar_next(&it, &b->e)) == 1) {
        rc = add_member(b);
        if (rc < 0)
            goto fail;
    }
    if (rc < 0) {
        rc = vfs_config_error(a->err, cfg, cfg_arg_value(cfg, a->first_arg),
                              "tar: '%s' is not a valid archive: %s (at offset %zu)", name,
                              tar_strerror(rc), it.pos);
        goto fail;
    }
    finish(t);
    t->fs.root = &t->root->vn;
    vfs_free(a->env, b, sizeof *b);
    *out = &t->fs;
    return 0;
fail:
    if (t) {
        free_all(t);
        vfs_free(a->env, t, sizeof *t);
    }
    vfs_free(a->env, b, sizeof *b);
    return rc;
}

const struct vfs_plugin vfs_plugin_tar = {
    .name = "tar",
    .kind = VFS_PLUGIN_TREE,
    .mount = tar_mount,
};
