/*
 * ram: a private, writable file system in the process's memory (README.md), shaped
 * after Linux's tmpfs so that programs see the same sizes and link counts.
 *
 * Nodes: regular files (one contiguous buffer, grown by doubling), directories (a list
 * of entries in creation order), symlinks, and device/FIFO nodes without function. A
 * node lives while it has links (nlink > 0) or core references (refs > 0): a file
 * unlinked while open is freed by the last close. Every node is also on the
 * instance's list so that unmount frees everything.
 *
 * Directories keep a hash index of their names once they have 32 entries or more.
 *
 * Directory positions: each entry gets the next value of its directory's counter when
 * it is made and keeps it. The counter counts down, so the newest entry comes first, as
 * Linux's tmpfs lists a directory (`ls -f` and `du` show the same order on both);
 * entries are kept in position order. readdir(pos) returns the first entry whose
 * position is >= pos, so removing entries while a reader is in the middle of the
 * directory never makes it skip or repeat one (an entry made meanwhile comes before
 * the reader's position and is not seen, which POSIX allows).
 *
 * Accounting: every allocation is charged to the instance; with size=N set, charges
 * beyond N fail with ENOSPC (also when the allocator itself is out of memory).
 *
 * Import (from=ARCHIVE): at mount the tree is filled with a copy of a tar archive by
 * ram_import.c; ram.h is what the two files share.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "ram.h"

static struct ram_fs *ram_of(struct vfs_fs *fs)
{
    return (struct ram_fs *)(void *)fs;
}

static struct ram_node *node_of(struct vfs_node *n)
{
    return (struct ram_node *)(void *)n;
}

static const struct vfs_env *env_of(struct ram_fs *r)
{
    return r->fs.env;
}

/* Allocates size bytes charged to r, or NULL (over the limit or out of memory). */
void *ram_alloc(struct ram_fs *r, size_t size)
{
    void *p;
    if (r->limit && (size > r->limit || r->used > r->limit - size))
        return NULL;
    p = env_of(r)->alloc(env_of(r)->ctx, size ? size : 1);
    if (p)
        r->used += size;
    return p;
}

static void ram_release_mem(struct ram_fs *r, void *p, size_t size)
{
    if (!p)
        return;
    env_of(r)->free(env_of(r)->ctx, p, size ? size : 1);
    r->used -= size;
}

static struct linux_timespec now(struct ram_fs *r)
{
    return vfs_now(env_of(r));
}

static void touch_dir(struct ram_fs *r, struct ram_node *d)
{
    d->mtime = d->ctime = now(r);
}

struct ram_node *ram_node_new(struct ram_fs *r, uint32_t mode)
{
    struct ram_node *n = ram_alloc(r, sizeof *n);
    if (!n)
        return NULL;
    memset(n, 0, sizeof *n);
    n->vn.fs = &r->fs;
    n->vn.ino = r->next_ino++;
    n->vn.type = mode & S_IFMT;
    n->mode = mode;
    n->atime = n->mtime = n->ctime = now(r);
    n->next_pos = RAM_FIRST_POS;
    n->all_next = r->nodes;
    if (r->nodes)
        r->nodes->all_prev = n;
    r->nodes = n;
    r->nnodes++;
    return n;
}

/* Frees one node and what it owns; returns the parent it kept alive, if any. */
static struct ram_node *node_free_one(struct ram_fs *r, struct ram_node *n)
{
    struct ram_dirent *e, *next;
    struct ram_node *parent = n->holds_parent && !r->unmounting ? n->parent : NULL;
    if (n->all_prev)
        n->all_prev->all_next = n->all_next;
    else
        r->nodes = n->all_next;
    if (n->all_next)
        n->all_next->all_prev = n->all_prev;
    r->nnodes--;
    ram_release_mem(r, n->data, n->cap);
    ram_release_mem(r, n->target, n->target_len + 1);
    for (e = n->first; e; e = next) {
        next = e->next;
        ram_release_mem(r, e, sizeof *e + e->len + 1);
    }
    ram_release_mem(r, n->buckets, n->nbuckets * sizeof *n->buckets);
    if (n != &r->root_storage)
        ram_release_mem(r, n, sizeof *n);
    return parent;
}

/* Frees n, and then each removed ancestor that only n's line kept alive (a loop, not
 * recursion: such a chain can be as deep as a path is long). */
void ram_node_free(struct ram_fs *r, struct ram_node *n)
{
    while (n) {
        struct ram_node *parent = node_free_one(r, n);
        n = NULL;
        if (parent && --parent->vn.refs == 0 && parent->nlink == 0)
            n = parent;
    }
}

/* Frees n if nothing refers to it any more. */
void ram_maybe_free(struct ram_fs *r, struct ram_node *n)
{
    if (n->nlink == 0 && n->vn.refs == 0)
        ram_node_free(r, n);
}

/* FNV-1a over the name. */
static uint32_t name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    while (len--)
        h = (h ^ (unsigned char)*name++) * 16777619u;
    return h;
}

struct ram_dirent *ram_find(struct ram_node *d, const char *name, size_t len)
{
    struct ram_dirent *e;
    if (d->nbuckets) {
        uint32_t h = name_hash(name, len);
        for (e = d->buckets[h & (d->nbuckets - 1)]; e; e = e->hnext)
            if (e->hash == h && e->len == len && memcmp(e->name, name, len) == 0)
                return e;
        return NULL;
    }
    for (e = d->first; e; e = e->next)
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    return NULL;
}

/* Builds a larger index when the directory outgrows its own (from 32 entries on); if
 * there is no memory for it the old one (or the list) keeps working. */
static void grow_index(struct ram_fs *r, struct ram_node *d)
{
    uint32_t n = d->nbuckets ? d->nbuckets * 2 : 32, i;
    struct ram_dirent **b, *e;
    if (d->nentries < 32 || d->nentries <= 2ull * d->nbuckets || n > (1u << 24))
        return;
    b = ram_alloc(r, n * sizeof *b);
    if (!b)
        return;
    for (i = 0; i < n; i++)
        b[i] = NULL;
    for (e = d->first; e; e = e->next) {
        e->hnext = b[e->hash & (n - 1)];
        b[e->hash & (n - 1)] = e;
    }
    ram_release_mem(r, d->buckets, d->nbuckets * sizeof *d->buckets);
    d->buckets = b;
    d->nbuckets = n;
}

struct ram_dirent *ram_entry_new(struct ram_fs *r, struct ram_node *d, const char *name, size_t len,
                                 struct ram_node *n)
{
    struct ram_dirent *e = ram_alloc(r, sizeof *e + len + 1);
    if (!e)
        return NULL;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->len = len;
    e->hash = name_hash(name, len);
    e->node = n;
    e->pos = d->next_pos > 2 ? d->next_pos-- : 2;
    e->prev = NULL;
    e->next = d->first;
    if (d->first)
        d->first->prev = e;
    else
        d->last = e;
    d->first = e;
    d->nentries++;
    if (d->nbuckets) {
        e->hnext = d->buckets[e->hash & (d->nbuckets - 1)];
        d->buckets[e->hash & (d->nbuckets - 1)] = e;
    }
    grow_index(r, d);
    return e;
}

static void entry_remove(struct ram_fs *r, struct ram_node *d, struct ram_dirent *e)
{
    if (d->hint == e)
        d->hint = e->prev;
    if (e->prev)
        e->prev->next = e->next;
    else
        d->first = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        d->last = e->prev;
    if (d->nbuckets) {
        struct ram_dirent **p = &d->buckets[e->hash & (d->nbuckets - 1)];
        while (*p != e)
            p = &(*p)->hnext;
        *p = e->hnext;
    }
    d->nentries--;
    ram_release_mem(r, e, sizeof *e + e->len + 1);
}

/*
 * Drops one link of n (a directory loses both of its own and its parent's). A removed
 * directory still in use (a working directory) keeps its parent alive, so that ".."
 * still leads somewhere, as on Linux.
 */
void ram_drop_link(struct ram_fs *r, struct ram_node *dir, struct ram_node *n)
{
    if (S_ISDIR(n->mode)) {
        n->nlink = 0;
        dir->nlink--;
        if (n->vn.refs > 0) {
            vfs_node_get(&n->parent->vn);
            n->holds_parent = true;
        }
    } else {
        n->nlink--;
    }
    n->ctime = now(r);
}

/* ---- namespace ---- */

static int ram_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out)
{
    struct ram_node *d = node_of(dn);
    struct ram_dirent *e;
    struct ram_node *n;
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        struct ram_fs *r = ram_of(dn->fs);
        n = d == &r->root_storage ? d : d->parent;
    } else {
        e = ram_find(d, name, len);
        if (!e)
            return -ENOENT;
        n = e->node;
    }
    vfs_node_get(&n->vn);
    *out = &n->vn;
    return 0;
}

static int ram_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out)
{
    struct ram_node *d = node_of(dn);
    struct ram_dirent *e = d->hint && d->hint->pos <= pos ? d->hint : d->first;
    while (e && e->pos < pos)
        e = e->next;
    if (!e)
        return 0;
    d->hint = e;
    out->ino = e->node->vn.ino;
    out->type = vfs_dtype(e->node->mode);
    out->name = e->name;
    out->len = e->len;
    out->next = e->pos + 1;
    return 1;
}

static int ram_create(struct vfs_node *dn, const char *name, size_t len,
                      const struct vfs_create_args *a, struct vfs_node **out)
{
    struct ram_fs *r = ram_of(dn->fs);
    struct ram_node *d = node_of(dn), *n;
    if (d->nlink == 0)
        return -ENOENT;
    if (ram_find(d, name, len))
        return -EEXIST;
    n = ram_node_new(r, a->mode);
    if (!n)
        return -ENOSPC;
    n->uid = a->uid;
    n->gid = a->gid;
    n->rdev = a->rdev;
    if (S_ISLNK(a->mode)) {
        n->target = ram_alloc(r, a->target_len + 1);
        if (!n->target) {
            ram_node_free(r, n);
            return -ENOSPC;
        }
        memcpy(n->target, a->target, a->target_len);
        n->target[a->target_len] = '\0';
        n->target_len = a->target_len;
        n->size = a->target_len;
    }
    if (!ram_entry_new(r, d, name, len, n)) {
        ram_node_free(r, n);
        return -ENOSPC;
    }
    if (S_ISDIR(a->mode)) {
        n->nlink = 2;
        n->parent = d;
        d->nlink++;
    } else {
        n->nlink = 1;
    }
    touch_dir(r, d);
    n->vn.refs = 1;
    *out = &n->vn;
    return 0;
}

static int ram_link(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *target)
{
    struct ram_fs *r = ram_of(dn->fs);
    struct ram_node *d = node_of(dn), *n = node_of(target);
    if (d->nlink == 0)
        return -ENOENT;
    if (ram_find(d, name, len))
        return -EEXIST;
    if (!ram_entry_new(r, d, name, len, n))
        return -ENOSPC;
    n->nlink++;
    n->ctime = now(r);
    touch_dir(r, d);
    return 0;
}

static int ram_unlink(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *victim)
{
    struct ram_fs *r = ram_of(dn->fs);
    struct ram_node *d = node_of(dn), *n = node_of(victim);
    struct ram_dirent *e = ram_find(d, name, len);
    if (!e || e->node != n)
        return -ENOENT;
    if (S_ISDIR(n->mode) && n->nentries)
        return -ENOTEMPTY;
    entry_remove(r, d, e);
    ram_drop_link(r, d, n);
    touch_dir(r, d);
    ram_maybe_free(r, n);
    return 0;
}

/* Moves directory n from parent od to nd (link counts follow). */
static void reparent(struct ram_node *n, struct ram_node *od, struct ram_node *nd)
{
    if (!S_ISDIR(n->mode) || od == nd)
        return;
    n->parent = nd;
    od->nlink--;
    nd->nlink++;
}

static int ram_rename(struct vfs_node *odn, const char *oname, size_t olen, struct vfs_node *ndn,
                      const char *nname, size_t nlen, unsigned flags)
{
    struct ram_fs *r = ram_of(odn->fs);
    struct ram_node *od = node_of(odn), *nd = node_of(ndn), *m, *victim;
    struct ram_dirent *oe = ram_find(od, oname, olen), *ne = ram_find(nd, nname, nlen);
    struct linux_timespec t = now(r);
    if (!oe)
        return -ENOENT;
    if (nd->nlink == 0)
        return -ENOENT;
    m = oe->node;
    if (flags & RENAME_EXCHANGE) {
        if (!ne)
            return -ENOENT;
        victim = ne->node;
        oe->node = victim;
        ne->node = m;
        reparent(m, od, nd);
        reparent(victim, nd, od);
        victim->ctime = t;
    } else if (ne) {
        victim = ne->node;
        if (S_ISDIR(victim->mode) && victim->nentries)
            return -ENOTEMPTY;
        ne->node = m;
        entry_remove(r, od, oe);
        reparent(m, od, nd);
        ram_drop_link(r, nd, victim);
        ram_maybe_free(r, victim);
    } else {
        if (!ram_entry_new(r, nd, nname, nlen, m))
            return -ENOSPC;
        entry_remove(r, od, oe);
        reparent(m, od, nd);
    }
    m->ctime = t;
    od->mtime = od->ctime = t;
    nd->mtime = nd->ctime = t;
    return 0;
}

static int64_t ram_readlink(struct vfs_node *nn, char *buf, size_t size)
{
    struct ram_node *n = node_of(nn);
    memcpy(buf, n->target, n->target_len < size ? n->target_len : size);
    return (int64_t)n->target_len;
}

/* ---- attributes ---- */

static int ram_getattr(struct vfs_node *nn, struct linux_stat *st)
{
    struct ram_node *n = node_of(nn);
    st->st_mode = n->mode;
    st->st_nlink = n->nlink;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_rdev = n->rdev;
    st->st_atim = n->atime;
    st->st_mtim = n->mtime;
    st->st_ctim = n->ctime;
    if (S_ISREG(n->mode)) {
        st->st_size = (int64_t)n->size;
        st->st_blocks = (int64_t)(((n->size + 4095) & ~4095ull) / 512);
    } else if (S_ISDIR(n->mode)) {
        st->st_size = (int64_t)(n->nentries + 2) * 20; /* as tmpfs counts */
    } else if (S_ISLNK(n->mode)) {
        st->st_size = (int64_t)n->target_len;
        st->st_blocks = n->target_len < RAM_SHORT_SYMLINK ? 0 : 8;
    }
    return 0;
}

/* Makes room for need bytes of file data (need <= RAM_MAX_FILE). */
int ram_reserve(struct ram_fs *r, struct ram_node *n, uint64_t need)
{
    uint64_t cap = n->cap ? n->cap : 64;
    char *p;
    if (need <= n->cap)
        return 0;
    while (cap < need)
        cap *= 2;
    /* where it is, when the host can (the heap's last block: a file being written) */
    if (n->data && env_of(r)->grow &&
        !(r->limit && (cap - n->cap > r->limit || r->used > r->limit - (cap - n->cap))) &&
        env_of(r)->grow(env_of(r)->ctx, n->data, (size_t)n->cap, (size_t)cap)) {
        r->used += cap - n->cap;
        n->cap = cap;
        return 0;
    }
    p = ram_alloc(r, (size_t)cap);
    if (!p && cap > need) {
        cap = need;
        p = ram_alloc(r, (size_t)cap);
    }
    if (!p)
        return -ENOSPC;
    if (n->size)
        memcpy(p, n->data, (size_t)n->size);
    ram_release_mem(r, n->data, (size_t)n->cap);
    n->data = p;
    n->cap = cap;
    return 0;
}

static int resize(struct ram_fs *r, struct ram_node *n, uint64_t size)
{
    int rc;
    if (size > RAM_MAX_FILE)
        return -EFBIG;
    if (size == 0) {
        ram_release_mem(r, n->data, (size_t)n->cap);
        n->data = NULL;
        n->cap = 0;
    } else if (size > n->size) {
        rc = ram_reserve(r, n, size);
        if (rc < 0)
            return rc;
        memset(n->data + n->size, 0, (size_t)(size - n->size));
    }
    n->size = size;
    return 0;
}

static int ram_setattr(struct vfs_node *nn, const struct vfs_setattr *a)
{
    struct ram_fs *r = ram_of(nn->fs);
    struct ram_node *n = node_of(nn);
    struct linux_timespec t = now(r);
    if (a->mask & VFS_SET_SIZE) {
        uint64_t old = n->size;
        int rc;
        if (!S_ISREG(n->mode))
            return -EINVAL;
        rc = resize(r, n, a->size);
        if (rc < 0)
            return rc;
        if (n->size != old)
            n->mtime = t;
    }
    if (a->mask & VFS_SET_MODE)
        n->mode = (n->mode & S_IFMT) | (a->mode & 07777);
    if (a->mask & VFS_SET_UID)
        n->uid = a->uid;
    if (a->mask & VFS_SET_GID)
        n->gid = a->gid;
    if (a->mask & VFS_SET_ATIME)
        n->atime = a->atime;
    if (a->mask & VFS_SET_MTIME)
        n->mtime = a->mtime;
    n->ctime = t;
    return 0;
}

static int ram_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct ram_fs *r = ram_of(fs);
    uint64_t avail;
    if (r->limit)
        avail = r->used < r->limit ? r->limit - r->used : 0;
    else
        avail = fs->env->mem_avail ? fs->env->mem_avail(fs->env->ctx) : 0;
    st->f_type = TMPFS_MAGIC;
    st->f_blocks = (r->used + 4095) / 4096 + avail / 4096;
    st->f_bfree = st->f_bavail = avail / 4096;
    st->f_files = r->nnodes + avail / 4096;
    st->f_ffree = avail / 4096;
    return 0;
}

static void ram_release(struct vfs_node *nn)
{
    ram_maybe_free(ram_of(nn->fs), node_of(nn));
}

static void ram_unmount(struct vfs_fs *fs)
{
    struct ram_fs *r = ram_of(fs);
    const struct vfs_env *env = fs->env;
    r->unmounting = true;
    while (r->nodes)
        ram_node_free(r, r->nodes);
    vfs_free(env, r, sizeof *r);
}

/* ---- open files ---- */

static int64_t ram_read(struct vfs_file *f, void *buf, size_t len, uint64_t off)
{
    struct ram_fs *r = ram_of(f->node->fs);
    struct ram_node *n = node_of(f->node);
    uint64_t left;
    if (off >= n->size)
        return 0;
    left = n->size - off;
    if (len > left)
        len = (size_t)left;
    memcpy(buf, n->data + off, len);
    /* relatime: the access time moves when it is older than the last change or a day */
    if (!(f->flags & O_NOATIME)) {
        struct linux_timespec t = now(r);
        const struct linux_timespec *a = &n->atime;
        if (a->tv_sec < n->mtime.tv_sec ||
            (a->tv_sec == n->mtime.tv_sec && a->tv_nsec <= n->mtime.tv_nsec) ||
            a->tv_sec < n->ctime.tv_sec ||
            (a->tv_sec == n->ctime.tv_sec && a->tv_nsec <= n->ctime.tv_nsec) ||
            t.tv_sec - a->tv_sec >= 24 * 3600)
            n->atime = t;
    }
    return (int64_t)len;
}

static int64_t ram_write(struct vfs_file *f, const void *buf, size_t len, uint64_t *off)
{
    struct ram_fs *r = ram_of(f->node->fs);
    struct ram_node *n = node_of(f->node);
    uint64_t at = (f->flags & O_APPEND) ? n->size : *off;
    int rc;
    if (len == 0)
        return 0;
    if (at >= RAM_MAX_FILE)
        return -EFBIG;
    if (len > RAM_MAX_FILE - at)
        len = (size_t)(RAM_MAX_FILE - at);
    rc = ram_reserve(r, n, at + len);
    if (rc < 0)
        return rc;
    if (at > n->size)
        memset(n->data + n->size, 0, (size_t)(at - n->size));
    memcpy(n->data + at, buf, len);
    if (at + len > n->size)
        n->size = at + len;
    n->mtime = n->ctime = now(r);
    *off = at + len;
    return (int64_t)len;
}

static int ram_fsync(struct vfs_file *f, bool datasync)
{
    return 0; /* nothing is kept anywhere else: the data is as durable as it will be */
}

/*
 * Record locks. A ram instance is private to one process (a forked child gets its own
 * copy), and POSIX locks never conflict with their own process's, so every lock is
 * granted and F_GETLK finds none; only the arguments are checked, as on Linux.
 */
static int ram_fcntl(struct vfs_file *f, int cmd, unsigned long arg)
{
    struct linux_flock fl;
    switch (cmd) {
    case F_SETFL:
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        if (!arg)
            return -EFAULT;
        memcpy(&fl, (const void *)arg, sizeof fl);
        if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
            return -EINVAL;
        if (fl.l_whence != SEEK_SET && fl.l_whence != SEEK_CUR && fl.l_whence != SEEK_END)
            return -EINVAL;
        if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
            fl.l_type = F_UNLCK;
            memcpy((void *)arg, &fl, sizeof fl);
            return 0;
        }
        if (fl.l_type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY)
            return -EBADF;
        if (fl.l_type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)
            return -EBADF;
        return 0;
    }
    return -EINVAL;
}

/* Device and socket nodes (mknod) have nothing behind them here: ENXIO, as Linux gives
 * for a device number without a driver. FIFOs opened by path never get here (the VFS
 * hands them to its host's pipes). */
static int ram_open(struct vfs_file *f)
{
    uint32_t t = f->node->type;
    return S_ISCHR(t) || S_ISBLK(t) || S_ISSOCK(t) ? -ENXIO : 0;
}

static const struct vfs_fs_ops ram_ops = {
    .open = ram_open,
    .lookup = ram_lookup,
    .readdir = ram_readdir,
    .create = ram_create,
    .link = ram_link,
    .unlink = ram_unlink,
    .rename = ram_rename,
    .readlink = ram_readlink,
    .getattr = ram_getattr,
    .setattr = ram_setattr,
    .statfs = ram_statfs,
    .release = ram_release,
    .unmount = ram_unmount,
    .read = ram_read,
    .write = ram_write,
    .fsync = ram_fsync,
    .fcntl = ram_fcntl,
};

static int ram_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    const struct cfg_node *n = a->cfg;
    struct ram_fs *r;
    struct ram_node *root;
    uint32_t mode = 0755;
    uint64_t limit = 0;
    unsigned i;
    int rc;
    const struct cfg_value *from = NULL;
    if (cfg_nargs(n) > a->first_arg)
        return vfs_config_error(a->err, n, cfg_arg_value(n, a->first_arg),
                                "ram takes no values, only the properties size=, mode= and from=");
    for (i = 0; n && i < n->nvalues; i++) {
        const struct cfg_value *val = &n->values[i];
        if (!val->key)
            continue;
        if (strcmp(val->key, "size") == 0) {
            if (cfg_parse_u64(val->text, &limit) < 0 || limit == 0)
                return vfs_config_error(a->err, n, val,
                                        "size: expected a size such as 16M, found '%s'", val->text);
        } else if (strcmp(val->key, "from") == 0) {
            if (val->text[0] == '\0')
                return vfs_config_error(a->err, n, val,
                                        "from: expected the name of a tar archive, as in: "
                                        "ram from=home.tar");
            from = val;
        } else if (strcmp(val->key, "mode") != 0) {
            return vfs_config_error(
                a->err, n, val,
                "ram: unknown property '%s'; known are size=, mode= and from=", val->key);
        }
    }
    rc = vfs_cfg_mode(n, "mode", &mode, a->err);
    if (rc < 0)
        return rc;
    r = vfs_zalloc(a->env, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->fs.ops = &ram_ops;
    r->fs.env = a->env;
    r->limit = limit;
    r->next_ino = 2;
    root = &r->root_storage;
    root->vn.fs = &r->fs;
    root->vn.ino = r->next_ino++;
    root->vn.type = S_IFDIR;
    root->mode = S_IFDIR | mode;
    root->nlink = 2;
    root->next_pos = RAM_FIRST_POS;
    root->atime = root->mtime = root->ctime = vfs_now(a->env);
    r->nodes = root;
    r->nnodes = 1;
    r->fs.root = &root->vn;
    if (from) {
        rc = ram_import_archive(a, r, from);
        if (rc < 0) {
            ram_unmount(&r->fs);
            return rc;
        }
        if (cfg_prop_value(n, "mode")) /* an explicit mode wins over the archive's "./" */
            root->mode = S_IFDIR | mode;
    }
    *out = &r->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_ram = {
    .name = "ram",
    .kind = VFS_PLUGIN_TREE,
    .mount = ram_mount,
};
