/*
 * fs: the client of a file-system server (README.md). A tree plugin whose nodes are the
 * server's nodes and whose operations are requests of the File_system protocol
 * (lib/include/capix/fs_protocol.h) over the session env->session opens at mount.
 *
 * Nodes: one struct fs_node per server node the core holds, found by inode number in
 * the instance's hash table, so that a file looked up twice is one vfs_node (the core
 * compares nodes by address). Each holds exactly one server reference (a second one
 * that a lookup brings is given back at once); the root is held until unmount, the
 * others until the core's last reference goes (release).
 *
 * Open descriptions are the server's: open makes a handle (f->priv, a struct fs_open on
 * the instance's list), whose offset and status flags the server keeps, so that every
 * process holding it after fork shares them (f->remote_pos). Directories get no handle:
 * their positions are the core's and readdir reads the server's batches into a small
 * cache per directory node (dropped when the directory is opened or seeked and when this
 * client changes a name in it).
 *
 * Requests: one at a time per session, under the shared buffer's lock (a spin lock that
 * yields the CPU after a few tries: forked processes share the session); a transfer larger than
 * FS_DATA_MAX is several requests under one lock. A transport error (the server is gone) makes the
 * instance dead: every operation then gives EIO without asking.
 *
 * After fork the child's copy holds the same node numbers and handles without the
 * server counting them: vfs_fs_after_fork takes a reference on each.
 *
 * Caches, kept only while the server's change count (fs_buf.gen, which a server whose
 * tree nobody else changes steps before answering any request that may change a name
 * or an attribute, from any session) stays what it was before the answer was asked
 * for: each node's attributes (from GETATTR, or the ones LOOKUP brings), and a table of
 * names (directory inode number and name -> node, holding one core reference on the
 * node). So a request made by any process of any session, once answered, is seen by
 * the next call here as Linux would show it. The table is dropped (its nodes' references
 * given back) when the count moves, after this process changes a name, and at exit
 * (vfs_fs_drop_caches), so it keeps no removed file alive for long.
 *
 * Views (with a transport that can map, and a server that shares a file's pages,
 * FS_MAP): a pread of a file of up to FS_VIEW_BYTES whose attributes are kept and whose
 * access time the read would not move (relatime) copies straight from the file's pages,
 * mapped read-only here chunk by chunk (the server's chunks: page 0, then pages [2^(k-1),
 * 2^k)), without a request. The pages are the ones every read, write and mapping of the
 * file uses, so the bytes are the file's; the copy counts only if the change count and
 * the server's count of destroyed chunks (fs_buf.maps) are the same after it as before
 * (else the server is asked, and the views go when maps moved). A fork child drops the
 * views it inherited (not its capabilities).
 */
#include <capix/config.h>
#include <capix/fs_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#define FS_BUCKETS 64    /* the node table's buckets (a power of two) */
#define FS_DIRCACHE 4096 /* bytes of directory entries fetched at a time */
#define FS_CHUNK FS_DATA_MAX
#define FS_NAMES 64    /* entries of the name table (a power of two) */
#define FS_NAME_LEN 48 /* longer names are not kept */
#define FS_PAGE 4096ull
#define FS_VIEW_CHUNKS 7 /* chunks 0..6: the first 64 pages of a file */
#define FS_VIEW_BYTES (64 * FS_PAGE)

/* A directory's last batch of entries (raw struct fs_dirent records). */
struct fs_dircache {
    bool valid;
    uint64_t start; /* the position the batch was asked at */
    uint32_t count; /* entries */
    uint32_t used;  /* bytes */
    uint32_t hint;  /* offset of the entry readdir gave last */
    uint8_t data[FS_DIRCACHE];
};

struct fs_node {
    struct vfs_node vn;
    uint64_t id;            /* the server's node number (one reference); 0: lost */
    struct fs_node *hnext;  /* the next node in the same bucket */
    struct fs_dircache *dc; /* directories: allocated at the first readdir */
    bool locked;            /* this process set record locks on it (released at a close) */
    uint64_t attr_gen;      /* attr holds the attributes at change count attr_gen (0: none) */
    struct linux_stat attr;
    bool no_view;                        /* the server did not map it: read by requests */
    const uint8_t *view[FS_VIEW_CHUNKS]; /* chunk k's pages readable here, or NULL */
    uint64_t view_mem[FS_VIEW_CHUNKS];   /* the memory object each view holds */
};

/* A kept lookup: name in the directory dir_ino is node (one core reference). */
struct fs_name {
    struct fs_node *node; /* NULL: a free entry */
    uint64_t dir_ino;
    uint8_t len;
    char name[FS_NAME_LEN];
};

/* One open description (f->priv of every description but directories'). */
struct fs_open {
    uint64_t handle; /* the server's (one reference); 0: lost */
    struct fs_open *next, *prev;
};

struct fs_inst {
    struct vfs_fs fs;
    struct fs_transport t;
    bool dead;                           /* the transport failed: everything gives EIO */
    struct fs_node *buckets[FS_BUCKETS]; /* every node, by inode number (the root too) */
    struct fs_open *opens;               /* every handle */
    struct fs_open *spare;               /* a closed one kept for the next open */
    uint64_t asked_gen;                  /* fs_buf.gen before the last request was sent */
    uint64_t names_gen;                  /* the change count the name table holds for */
    uint64_t views_maps;                 /* fs_buf.maps when the views were made */
    unsigned nviews;                     /* views of all nodes */
    struct fs_name names[FS_NAMES];
    struct fs_node root;
};

static struct fs_inst *inst_of(struct vfs_fs *fs)
{
    return (struct fs_inst *)(void *)fs;
}

static struct fs_node *node_of(struct vfs_node *n)
{
    return (struct fs_node *)(void *)n;
}

/* ---- requests ---- */

/* Takes the buffer's lock, writing the owner's tag into it: spins a little, then yields
 * the CPU between tries (the holder is usually blocked in a request to the server,
 * which must run first). A holder that dies in a request leaves the lock to the
 * launcher to free (posix-spawn: release). */
static void buf_lock(const struct fs_transport *t)
{
    struct fs_buf *b = t->buf;
    unsigned spins = 0;
    int32_t tag = t->owner ? t->owner(t->ctx) : 1, expected = 0;
    while (!__atomic_compare_exchange_n(&b->lock, &expected, tag, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
        expected = 0;
        while (__atomic_load_n(&b->lock, __ATOMIC_RELAXED)) {
            if (++spins > 64 && t->yield) {
                t->yield(t->ctx);
                continue;
            }
#if defined(__x86_64__) || defined(__i386__)
            __asm__ volatile("pause");
#endif
        }
    }
}

static void buf_unlock(struct fs_buf *b)
{
    __atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

/* Sends m (its data already in the buffer; lock held); returns r[0] or -EIO when the
 * server cannot be reached (the instance is dead from then on). */
static int64_t call_locked(struct fs_inst *r, struct fs_msg *m)
{
    if (r->dead)
        return -EIO;
    if (r->t.call(r->t.ctx, m) < 0) {
        r->dead = true;
        return -EIO;
    }
    return m->r[0];
}

/*
 * One request: op with words a0..a2 (the rest of m->a as the caller set them), after
 * copying in1 and in2 back to back into the data area; on success up to out_size
 * bytes of the answer's data are copied to out. Returns r[0] or -errno; the answer's
 * words are in m->r.
 */
static int64_t request(struct fs_inst *r, struct fs_msg *m, uint64_t op, const void *in1, size_t n1,
                       const void *in2, size_t n2, void *out, size_t out_size)
{
    struct fs_buf *b = r->t.buf;
    int64_t rc;
    if (r->dead)
        return -EIO;
    if (n1 + n2 > FS_DATA_MAX)
        return -ENAMETOOLONG;
    m->op = op;
    buf_lock(&r->t);
    r->asked_gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
    if (n1)
        memcpy(b->data, in1, n1);
    if (n2)
        memcpy(b->data + n1, in2, n2);
    rc = call_locked(r, m);
    if (rc >= 0 && out_size)
        memcpy(out, b->data, out_size < FS_DATA_MAX ? out_size : FS_DATA_MAX);
    buf_unlock(b);
    return rc;
}

/* A request on one number without data (ACQUIRE, RELEASE, DUP, CLOSE). */
static int64_t simple(struct fs_inst *r, uint64_t op, uint64_t a0)
{
    struct fs_msg m = {.a = {a0}};
    return request(r, &m, op, NULL, 0, NULL, 0, NULL, 0);
}

/* ---- nodes ---- */

static struct fs_node **bucket(struct fs_inst *r, uint64_t ino)
{
    return &r->buckets[(ino ^ (ino >> 17)) & (FS_BUCKETS - 1)];
}

static struct fs_node *find_node(struct fs_inst *r, uint64_t ino)
{
    struct fs_node *n;
    for (n = *bucket(r, ino); n; n = n->hnext)
        if (n->vn.ino == ino)
            return n;
    return NULL;
}

static void unhash(struct fs_inst *r, struct fs_node *n)
{
    struct fs_node **p = bucket(r, n->vn.ino);
    while (*p && *p != n)
        p = &(*p)->hnext;
    if (*p)
        *p = n->hnext;
}

static void views_drop_node(struct fs_inst *r, struct fs_node *n);

static void node_free(struct fs_inst *r, struct fs_node *n)
{
    views_drop_node(r, n);
    vfs_free(r->fs.env, n->dc, sizeof *n->dc);
    n->dc = NULL;
    if (n != &r->root)
        vfs_free(r->fs.env, n, sizeof *n);
}

/*
 * Takes over the server reference `id` (to a node of this mode and inode number) as a
 * node with one core reference in *out: the node already known by that inode number
 * (the new reference is given back), or a new one. 0 or -ENOMEM (the reference is
 * given back too).
 */
static int adopt(struct fs_inst *r, uint64_t id, uint32_t mode, uint64_t ino, struct vfs_node **out)
{
    struct fs_node *n = find_node(r, ino);
    if (n && n->id == 0) {
        n->id = id; /* it had lost its reference (after fork): this one will do */
    } else if (n) {
        simple(r, FS_RELEASE, id); /* one server reference per node is enough */
    } else {
        n = vfs_zalloc(r->fs.env, sizeof *n);
        if (!n) {
            simple(r, FS_RELEASE, id);
            return -ENOMEM;
        }
        n->vn.fs = &r->fs;
        n->vn.ino = ino;
        n->vn.type = mode & S_IFMT;
        n->id = id;
        n->hnext = *bucket(r, ino);
        *bucket(r, ino) = n;
    }
    vfs_node_get(&n->vn);
    *out = &n->vn;
    return 0;
}

/* The server's number of a node, or 0 if it was lost (after fork). */
static uint64_t id_of(struct vfs_node *n)
{
    return node_of(n)->id;
}

static void dir_changed(struct vfs_node *dir)
{
    struct fs_node *d = node_of(dir);
    if (d->dc)
        d->dc->valid = false;
}

/* ---- caches ---- */

/* The server's change count now (0: it keeps none, nothing may be cached). */
static uint64_t gen_now(const struct fs_inst *r)
{
    if (r->dead)
        return 0; /* every answer is EIO now */
    return __atomic_load_n(&r->t.buf->gen, __ATOMIC_ACQUIRE);
}

/* Empties the name table, giving back its nodes (those nobody else holds are released). */
static void names_drop(struct fs_inst *r)
{
    unsigned i;
    for (i = 0; i < FS_NAMES; i++) {
        struct fs_node *n = r->names[i].node;
        if (n) {
            r->names[i].node = NULL;
            vfs_node_put(&n->vn);
        }
    }
    r->names_gen = 0;
}

static struct fs_name *name_slot(struct fs_inst *r, uint64_t dir_ino, const char *name, size_t len)
{
    uint64_t h = dir_ino * 0x9e3779b97f4a7c15ull;
    size_t i;
    for (i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    return &r->names[(h ^ (h >> 29)) & (FS_NAMES - 1)];
}

/* The kept node of name in dn (with a new core reference), or NULL. */
static struct fs_node *name_find(struct fs_inst *r, struct vfs_node *dn, const char *name,
                                 size_t len)
{
    uint64_t g = gen_now(r);
    struct fs_name *e;
    if (!g || len > FS_NAME_LEN)
        return NULL;
    if (r->names_gen != g) {
        names_drop(r); /* something changed: ask again */
        r->names_gen = g;
        return NULL;
    }
    e = name_slot(r, dn->ino, name, len);
    if (!e->node || !e->node->id || e->dir_ino != dn->ino || e->len != len ||
        memcmp(e->name, name, len))
        return NULL;
    vfs_node_get(&e->node->vn);
    return e->node;
}

/* Keeps name in dn -> n, as answered at change count g (the count before the request). */
static void name_keep(struct fs_inst *r, struct vfs_node *dn, const char *name, size_t len,
                      struct fs_node *n, uint64_t g)
{
    struct fs_name *e;
    struct fs_node *old;
    if (!g || len > FS_NAME_LEN || g != gen_now(r))
        return;
    if (r->names_gen != g) {
        names_drop(r);
        r->names_gen = g;
    }
    e = name_slot(r, dn->ino, name, len);
    old = e->node;
    vfs_node_get(&n->vn);
    e->node = n;
    e->dir_ino = dn->ino;
    e->len = (uint8_t)len;
    memcpy(e->name, name, len);
    if (old)
        vfs_node_put(&old->vn);
}

static int fs_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_msg m = {.a = {id_of(dn), len}};
    struct fs_node *n;
    struct linux_stat st;
    uint64_t g;
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    n = name_find(r, dn, name, len);
    if (n) {
        *out = &n->vn;
        return 0;
    }
    rc = request(r, &m, FS_LOOKUP, name, len, NULL, 0, &st, sizeof st);
    g = r->asked_gen;
    if (rc < 0)
        return (int)rc;
    rc = adopt(r, (uint64_t)m.r[0], (uint32_t)m.r[1], (uint64_t)m.r[2], out);
    if (rc < 0)
        return (int)rc;
    n = node_of(*out);
    if (m.r[3] == 1 && g) {
        n->attr = st;
        n->attr_gen = g;
    }
    name_keep(r, dn, name, len, n, g);
    return 0;
}

/* Fetches the batch of entries from pos into c, checking every record. */
static int fetch(struct fs_inst *r, struct fs_node *d, struct fs_dircache *c, uint64_t pos)
{
    struct fs_msg m = {.a = {d->id, pos, FS_DIRCACHE}};
    uint32_t off = 0, i;
    int64_t rc;
    c->valid = false;
    if (!d->id)
        return -EIO;
    rc = request(r, &m, FS_READDIR, NULL, 0, NULL, 0, c->data, FS_DIRCACHE);
    if (rc < 0)
        return (int)rc;
    for (i = 0; i < (uint64_t)rc; i++) {
        struct fs_dirent e;
        if (off + sizeof e > FS_DIRCACHE)
            return -EIO;
        memcpy(&e, c->data + off, sizeof e);
        if (e.namelen == 0 || e.reclen % 8 || e.reclen < sizeof e + e.namelen + 1u ||
            e.reclen > FS_DIRCACHE - off)
            return -EIO; /* the server broke the protocol */
        off += e.reclen;
    }
    c->valid = true;
    c->start = pos;
    c->count = (uint32_t)rc;
    c->used = off;
    c->hint = 0;
    return 0;
}

/* The offset of the cached entry that answers pos, or -1. */
static int64_t cached_entry(const struct fs_dircache *c, uint64_t pos)
{
    struct fs_dirent e;
    uint32_t off;
    if (!c->valid)
        return -1;
    if (pos == c->start)
        return c->count ? 0 : (int64_t)c->used; /* used: the end */
    if (c->hint < c->used) {
        memcpy(&e, c->data + c->hint, sizeof e);
        if (e.next == pos && c->hint + e.reclen < c->used)
            return c->hint + e.reclen;
    }
    for (off = 0; off < c->used; off += e.reclen) {
        memcpy(&e, c->data + off, sizeof e);
        if (e.next == pos)
            return off + e.reclen < c->used ? (int64_t)(off + e.reclen) : -1;
    }
    return -1;
}

static int fs_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_node *d = node_of(dn);
    struct fs_dirent e;
    int64_t off;
    int rc;
    if (!d->dc) {
        d->dc = vfs_zalloc(r->fs.env, sizeof *d->dc);
        if (!d->dc)
            return -ENOMEM;
    }
    off = cached_entry(d->dc, pos);
    if (off < 0) {
        rc = fetch(r, d, d->dc, pos);
        if (rc < 0)
            return rc;
        off = d->dc->count ? 0 : (int64_t)d->dc->used;
    }
    if ((uint32_t)off >= d->dc->used)
        return 0; /* the end */
    memcpy(&e, d->dc->data + off, sizeof e);
    d->dc->hint = (uint32_t)off;
    out->ino = e.ino;
    out->next = e.next;
    out->type = e.type;
    out->len = e.namelen;
    out->name = (const char *)d->dc->data + off + offsetof(struct fs_dirent, name);
    return 1;
}

static int fs_setattr(struct vfs_node *n, const struct vfs_setattr *a);

static int fs_create(struct vfs_node *dn, const char *name, size_t len,
                     const struct vfs_create_args *a, struct vfs_node **out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_msg m = {.a = {id_of(dn), len, a->mode, a->rdev, a->target_len}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = request(r, &m, FS_CREATE, name, len, a->target, a->target_len, NULL, 0);
    dir_changed(dn);
    if (rc < 0)
        return (int)rc;
    rc = adopt(r, (uint64_t)m.r[0], a->mode, (uint64_t)m.r[1], out);
    if (rc == 0 && (a->uid || a->gid)) {
        /* the server makes files owned by root (its set-group-id rule aside, which the
         * core's a->gid follows too): give it the owner the core chose */
        struct vfs_setattr sa = {.mask = VFS_SET_UID | VFS_SET_GID, .uid = a->uid, .gid = a->gid};
        rc = fs_setattr(*out, &sa);
        if (rc < 0) {
            vfs_node_put(*out); /* the name stays, as after a chown that failed */
            *out = NULL;
        }
    }
    return (int)rc;
}

static int fs_link(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *node)
{
    struct fs_msg m = {.a = {id_of(dn), len, id_of(node)}};
    int64_t rc;
    if (!m.a[0] || !m.a[2])
        return -EIO;
    rc = request(inst_of(dn->fs), &m, FS_LINK, name, len, NULL, 0, NULL, 0);
    dir_changed(dn);
    return (int)rc;
}

static int fs_unlink(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *victim)
{
    struct fs_msg m = {.a = {id_of(dn), len, S_ISDIR(victim->type) ? AT_REMOVEDIR : 0}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = request(inst_of(dn->fs), &m, FS_UNLINK, name, len, NULL, 0, NULL, 0);
    dir_changed(dn);
    names_drop(inst_of(dn->fs)); /* keep no removed file alive */
    return (int)rc;
}

static int fs_rename(struct vfs_node *odn, const char *oname, size_t olen, struct vfs_node *ndn,
                     const char *nname, size_t nlen, unsigned flags)
{
    struct fs_msg m = {.a = {id_of(odn), olen, id_of(ndn), nlen, flags}};
    int64_t rc;
    if (!m.a[0] || !m.a[2])
        return -EIO;
    rc = request(inst_of(odn->fs), &m, FS_RENAME, oname, olen, nname, nlen, NULL, 0);
    dir_changed(odn);
    dir_changed(ndn);
    names_drop(inst_of(odn->fs)); /* keep no replaced file alive */
    return (int)rc;
}

static int64_t fs_readlink(struct vfs_node *n, char *buf, size_t size)
{
    struct fs_inst *r = inst_of(n->fs);
    struct fs_buf *b = r->t.buf;
    struct fs_msg m = {.op = FS_READLINK, .a = {id_of(n)}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    buf_lock(&r->t);
    rc = call_locked(r, &m);
    if (rc > FS_DATA_MAX)
        rc = -EIO;
    if (rc > 0)
        memcpy(buf, b->data, (size_t)rc < size ? (size_t)rc : size);
    buf_unlock(b);
    return rc;
}

/* ---- attributes ---- */

static int fs_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct fs_inst *r = inst_of(n->fs);
    struct fs_node *fn = node_of(n);
    struct fs_msg m = {.a = {id_of(n)}};
    struct linux_stat s;
    uint64_t g = gen_now(r);
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    if (g && fn->attr_gen == g) {
        s = fn->attr;
    } else {
        rc = request(r, &m, FS_GETATTR, NULL, 0, NULL, 0, &s, sizeof s);
        if (rc < 0)
            return (int)rc;
        fn->attr = s;
        fn->attr_gen = r->asked_gen;
    }
    s.st_dev = st->st_dev;
    s.st_ino = n->ino;
    s.st_mode = (s.st_mode & 07777) | n->type;
    if (!s.st_blksize)
        s.st_blksize = st->st_blksize;
    *st = s;
    return 0;
}

static int fs_setattr(struct vfs_node *n, const struct vfs_setattr *a)
{
    struct fs_msg m = {.a = {id_of(n)}};
    struct fs_setattr s = {
        .mask = a->mask,
        .mode = a->mode,
        .uid = a->uid,
        .gid = a->gid,
        .size = a->size,
        .atime_sec = a->atime.tv_sec,
        .atime_nsec = a->atime.tv_nsec,
        .mtime_sec = a->mtime.tv_sec,
        .mtime_nsec = a->mtime.tv_nsec,
    };
    if (!m.a[0])
        return -EIO;
    return (int)request(inst_of(n->fs), &m, FS_SETATTR, &s, sizeof s, NULL, 0, NULL, 0);
}

static int fs_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct fs_msg m = {0};
    return (int)request(inst_of(fs), &m, FS_STATFS, NULL, 0, NULL, 0, st, sizeof *st);
}

static void fs_release(struct vfs_node *vn)
{
    struct fs_inst *r = inst_of(vn->fs);
    struct fs_node *n = node_of(vn);
    if (n == &r->root)
        return; /* held until unmount */
    unhash(r, n);
    if (n->id)
        simple(r, FS_RELEASE, n->id);
    node_free(r, n);
}

static void fs_unmount(struct vfs_fs *fs)
{
    struct fs_inst *r = inst_of(fs);
    unsigned i;
    memset(r->names, 0, sizeof r->names); /* their nodes go with the table below */
    vfs_free(fs->env, r->spare, sizeof *r->spare);
    while (r->opens) {
        struct fs_open *o = r->opens;
        r->opens = o->next;
        if (o->handle)
            simple(r, FS_CLOSE, o->handle);
        vfs_free(fs->env, o, sizeof *o);
    }
    for (i = 0; i < FS_BUCKETS; i++)
        while (r->buckets[i]) {
            struct fs_node *n = r->buckets[i];
            r->buckets[i] = n->hnext;
            if (n->id)
                simple(r, FS_RELEASE, n->id);
            node_free(r, n);
        }
    vfs_free(fs->env, r, sizeof *r);
}

/* ---- open files ---- */

static struct fs_open *open_of(struct vfs_file *f)
{
    return f->priv;
}

static int fs_open(struct vfs_file *f)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_msg m = {.a = {id_of(f->node), f->flags}};
    struct fs_open *o;
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    if (S_ISDIR(f->node->type)) {
        dir_changed(f->node); /* a new directory read sees the server's present */
        return 0;
    }
    o = r->spare ? r->spare : vfs_zalloc(r->fs.env, sizeof *o);
    r->spare = NULL;
    if (o)
        memset(o, 0, sizeof *o);
    if (!o)
        return -ENOMEM;
    rc = request(r, &m, FS_OPEN, NULL, 0, NULL, 0, NULL, 0);
    if (rc < 0) {
        vfs_free(r->fs.env, o, sizeof *o);
        return (int)rc;
    }
    o->handle = (uint64_t)rc;
    o->next = r->opens;
    if (r->opens)
        r->opens->prev = o;
    r->opens = o;
    f->priv = o;
    f->remote_pos = true;
    return 0;
}

/* This process's pid, which names its record locks within the session (docs/locks.md). */
static int32_t own_pid(const struct vfs_env *env)
{
    struct vfs_process p;
    memset(&p, 0, sizeof p);
    if (!env->process || env->process(env->ctx, &p) < 0)
        return 0;
    return p.pid;
}

/* The plugin's lock op: the server keeps the locks (FS_LOCK). */
static int fs_lock(struct vfs_file *f, int cmd, int cls, int type, int64_t start, int64_t end,
                   struct vfs_lock_info *out)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_open *o = open_of(f);
    int32_t pid;
    int64_t rc;
    if (cmd == VFS_LOCK_RELEASE && !node_of(f->node)->locked)
        return 0; /* this process set no record lock on the file: nothing to ask */
    pid = cls == VFS_LOCK_POSIX ? own_pid(r->fs.env) : 0;
    if (!o || !o->handle)
        return -EIO;
    if (cls == VFS_LOCK_POSIX && pid <= 0)
        return -ENOLCK;
    struct fs_msg m = {.a = {o->handle,
                             (uint64_t)cmd | (uint64_t)type << 8 |
                                 (cls == VFS_LOCK_OFD     ? FS_LOCK_OFD
                                  : cls == VFS_LOCK_FLOCK ? FS_LOCK_FLOCK
                                                          : 0),
                             (uint64_t)start, (uint64_t)end, (uint64_t)pid}};
    rc = request(r, &m, FS_LOCK, NULL, 0, NULL, 0, NULL, 0);
    if (rc == -ENOSYS)
        return -ENOLCK; /* a server that keeps no locks */
    if (rc == 0 && cmd == VFS_LOCK_GET) {
        out->type = (int)m.r[1];
        out->start = m.r[2];
        out->end = m.r[3];
        out->pid = (int32_t)m.r[4];
    }
    if (rc == 0 && cls == VFS_LOCK_POSIX && cmd != VFS_LOCK_GET && type != 0)
        node_of(f->node)->locked = true;
    if (cmd == VFS_LOCK_RELEASE)
        node_of(f->node)->locked = false;
    return (int)rc;
}

static void fs_close(struct vfs_file *f)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_open *o = open_of(f);
    struct fs_node *n = node_of(f->node);
    if (!o)
        return;
    if (n->locked) /* a close releases the process's record locks */
        fs_lock(f, VFS_LOCK_RELEASE, VFS_LOCK_POSIX, 0, 0, 0, NULL);
    if (o->handle)
        simple(r, FS_CLOSE, o->handle);
    if (o->prev)
        o->prev->next = o->next;
    else
        r->opens = o->next;
    if (o->next)
        o->next->prev = o->prev;
    if (!r->spare)
        r->spare = o; /* an open-close loop allocates nothing */
    else
        vfs_free(r->fs.env, o, sizeof *o);
}

/* The handle of a description (0 when it has none or lost it). */
static uint64_t handle_of(struct vfs_file *f)
{
    return open_of(f) ? open_of(f)->handle : 0;
}

/* Reads or writes n bytes in requests of at most FS_DATA_MAX under one lock (so that
 * processes sharing the session see the transfer whole); off VFS_OFF_REMOTE (==
 * FS_POS_HANDLE) uses the handle's offset. Returns the bytes moved, or -errno if none. */
static int64_t transfer(struct vfs_file *f, void *rbuf, const void *wbuf, size_t n, uint64_t off)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_buf *b = r->t.buf;
    uint64_t h = handle_of(f);
    size_t done = 0;
    int64_t rc = 0;
    if (!h)
        return -EIO;
    buf_lock(&r->t);
    while (done < n) {
        size_t chunk = n - done < FS_CHUNK ? n - done : FS_CHUNK;
        struct fs_msg m = {.op = wbuf ? FS_WRITE : FS_READ,
                           .a = {h, chunk, off == VFS_OFF_REMOTE ? FS_POS_HANDLE : off + done}};
        if (wbuf)
            memcpy(b->data, (const char *)wbuf + done, chunk);
        rc = call_locked(r, &m);
        if (rc < 0)
            break;
        if ((uint64_t)rc > chunk) {
            rc = -EIO; /* the server broke the protocol */
            break;
        }
        if (rbuf)
            memcpy((char *)rbuf + done, b->data, (size_t)rc);
        done += (size_t)rc;
        if ((size_t)rc < chunk)
            break;
    }
    buf_unlock(b);
    return done ? (int64_t)done : rc;
}

/* ---- views ---- */

static void views_drop_node(struct fs_inst *r, struct fs_node *n)
{
    unsigned k;
    for (k = 0; k < FS_VIEW_CHUNKS; k++)
        if (n->view[k]) {
            r->t.unview(r->t.ctx, n->view_mem[k], n->view[k], fs_chunk_pages(k));
            n->view[k] = NULL;
            r->nviews--;
        }
}

static void views_drop(struct fs_inst *r)
{
    unsigned i;
    struct fs_node *n;
    for (i = 0; i < FS_BUCKETS && r->nviews; i++)
        for (n = r->buckets[i]; n; n = n->hnext)
            views_drop_node(r, n);
}

static uint64_t maps_now(const struct fs_inst *r)
{
    return __atomic_load_n(&r->t.buf->maps, __ATOMIC_ACQUIRE);
}

/* Maps chunk k of f's file here (FS_MAP); 0, or -1 when the server will not (the node
 * is then read by requests from now on). */
static int view_make(struct fs_inst *r, struct vfs_file *f, struct fs_node *n, unsigned k)
{
    struct fs_msg m = {.a = {handle_of(f), fs_chunk_first(k)}};
    const void *at;
    int64_t rc;
    if (!m.a[0])
        return -1;
    rc = request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0);
    if (rc < 0) {
        if (rc != -ENOMEM)
            n->no_view = true; /* ENODEV: a server that shares no pages */
        return -1;
    }
    if ((uint64_t)m.r[1] != fs_chunk_first(k) || (uint64_t)m.r[2] != fs_chunk_pages(k) ||
        !(at = r->t.view(r->t.ctx, (uint64_t)m.r[3], fs_chunk_pages(k)))) {
        r->t.unview(r->t.ctx, (uint64_t)m.r[3], NULL, 0);
        n->no_view = true;
        return -1;
    }
    n->view[k] = at;
    n->view_mem[k] = (uint64_t)m.r[3];
    r->nviews++;
    return 0;
}

static bool has_view(const struct fs_node *n)
{
    unsigned k;
    for (k = 0; k < FS_VIEW_CHUNKS; k++)
        if (n->view[k])
            return true;
    return false;
}

/* Whether a read now would move the access time (ram's relatime: atime not after the
 * last change, or a day old). */
static bool atime_moves(const struct fs_inst *r, const struct linux_stat *st)
{
    struct linux_timespec now = vfs_now(r->fs.env);
    const struct linux_timespec *a = &st->st_atim, *mt = &st->st_mtim, *ct = &st->st_ctim;
    return a->tv_sec < mt->tv_sec || (a->tv_sec == mt->tv_sec && a->tv_nsec <= mt->tv_nsec) ||
           a->tv_sec < ct->tv_sec || (a->tv_sec == ct->tv_sec && a->tv_nsec <= ct->tv_nsec) ||
           now.tv_sec - a->tv_sec >= 24 * 3600;
}

/* A pread from the views: the bytes read, or -1 when the server must be asked. */
static int64_t view_read(struct fs_inst *r, struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct fs_node *fn = node_of(f->node);
    struct linux_stat st;
    uint64_t g, maps, size, end, pos;
    unsigned k;
    if (!r->t.view || fn->no_view || !S_ISREG(f->node->type) ||
        (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
        return -1;
    g = gen_now(r);
    if (!g)
        return -1;
    if (fn->attr_gen != g) {
        st.st_dev = 0;
        st.st_blksize = 0;
        if (fs_getattr(f->node, &st) < 0 || fn->attr_gen != g)
            return -1;
    }
    maps = maps_now(r);
    if (r->nviews && maps != r->views_maps)
        views_drop(r); /* some chunk went: perhaps one of these */
    if (!r->nviews)
        r->views_maps = maps;
    /* the server's READ moves the access time of a file it has not mapped (relatime);
     * of a mapped one (this node has views, so it is) never */
    if (!(f->flags & O_NOATIME) && !has_view(fn) && atime_moves(r, &fn->attr))
        return -1;
    size = fn->attr.st_size > 0 ? (uint64_t)fn->attr.st_size : 0;
    if (off >= size)
        return 0;
    end = n < size - off ? off + n : size;
    if (end > FS_VIEW_BYTES)
        return -1;
    for (pos = off; pos < end;) {
        k = fs_chunk_of(pos / FS_PAGE);
        if (!fn->view[k] && view_make(r, f, fn, k) < 0)
            return -1;
        pos = (fs_chunk_first(k) + fs_chunk_pages(k)) * FS_PAGE;
    }
    for (pos = off; pos < end;) {
        uint64_t from = fs_chunk_first(k = fs_chunk_of(pos / FS_PAGE)) * FS_PAGE;
        uint64_t len = from + fs_chunk_pages(k) * FS_PAGE - pos;
        if (len > end - pos)
            len = end - pos;
        memcpy((char *)buf + (pos - off), fn->view[k] + (pos - from), len);
        pos += len;
    }
    if (gen_now(r) != g || maps_now(r) != r->views_maps)
        return -1; /* changed meanwhile: the server's answer replaces what was copied */
    return (int64_t)(end - off);
}

static int64_t fs_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    int64_t rc;
    if (n == 0)
        return 0;
    if (off != VFS_OFF_REMOTE) {
        rc = view_read(inst_of(f->node->fs), f, buf, n, off);
        if (rc >= 0)
            return rc;
    }
    return transfer(f, buf, NULL, n, off);
}

static int64_t fs_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    int64_t rc;
    if (n == 0)
        return 0;
    rc = transfer(f, NULL, buf, n, *off);
    if (rc > 0 && *off != VFS_OFF_REMOTE)
        *off += (uint64_t)rc;
    return rc;
}

static int64_t seek_request(struct vfs_file *f, int64_t off, int whence)
{
    struct fs_msg m = {.a = {handle_of(f), (uint64_t)off, (uint64_t)whence}};
    if (!m.a[0])
        return -EIO;
    return request(inst_of(f->node->fs), &m, FS_SEEK, NULL, 0, NULL, 0, NULL, 0);
}

static int64_t fs_llseek(struct vfs_file *f, int64_t off, int whence)
{
    struct linux_stat st;
    int rc;
    if (S_ISDIR(f->node->type)) {
        /* positions of readdir, kept by the core's description as for any directory */
        if (whence == SEEK_CUR) {
            if (off > 0 && (int64_t)f->pos > INT64_MAX - off)
                return -EINVAL;
            off += (int64_t)f->pos;
        } else if (whence != SEEK_SET) {
            return -EINVAL;
        }
        if (off < 0)
            return -EINVAL;
        f->pos = (uint64_t)off;
        dir_changed(f->node); /* rewinddir: read the server's present */
        return off;
    }
    switch (whence) {
    case SEEK_SET:
    case SEEK_CUR:
    case SEEK_END:
        return seek_request(f, off, whence);
    case SEEK_DATA:
    case SEEK_HOLE:
        /* no holes: all data up to the size, one hole from there */
        st.st_dev = 0;
        st.st_blksize = 0;
        rc = fs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        if (off < 0 || off >= st.st_size)
            return -ENXIO;
        return seek_request(f, whence == SEEK_DATA ? off : st.st_size, SEEK_SET);
    }
    return -EINVAL;
}

static int fs_syncfs(struct vfs_fs *fs)
{
    struct fs_msg m = {.a = {0}};
    int r = (int)request(inst_of(fs), &m, FS_SYNCFS, NULL, 0, NULL, 0, NULL, 0);
    return r == -ENOSYS ? 0 : r; /* a server that holds nothing back */
}

static int fs_fsync(struct vfs_file *f, bool datasync)
{
    struct fs_msg m = {.a = {handle_of(f), datasync ? 1 : 0}};
    if (S_ISDIR(f->node->type))
        return fs_syncfs(f->node->fs); /* the names: the server's whole tree */
    if (!m.a[0])
        return -EIO;
    return (int)request(inst_of(f->node->fs), &m, FS_FSYNC, NULL, 0, NULL, 0, NULL, 0);
}

static int fs_map(struct vfs_file *f, uint64_t page, struct vfs_map *out)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_msg m = {.a = {handle_of(f), page}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0);
    if (rc == -ENOMEM && r->nviews) {
        /* the session is out of mapped memory, perhaps for this process's views of other
         * files (a cache): without them the server can take those chunks back */
        views_drop(r);
        rc = request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0);
    }
    if (rc < 0)
        return (int)rc;
    if (m.r[2] <= 0 || (uint64_t)m.r[1] > page || page - (uint64_t)m.r[1] >= (uint64_t)m.r[2])
        return -EIO; /* an answer that does not hold the page */
    out->mem = (uint64_t)m.r[3];
    out->first = (uint64_t)m.r[1];
    out->pages = (uint64_t)m.r[2];
    out->writable = m.r[4] != 0;
    return 0;
}

static int fs_fcntl(struct vfs_file *f, int cmd, unsigned long arg)
{
    struct fs_msg m = {.a = {handle_of(f)}};
    switch (cmd) {
    case F_SETFL:
    case F_GETFL:
        if (S_ISDIR(f->node->type))
            return cmd == F_SETFL ? 0 : -EINVAL;
        if (!m.a[0])
            return -EIO;
        m.a[1] = cmd == F_SETFL ? (uint64_t)(arg & (O_APPEND | O_NONBLOCK)) : FS_FLAGS_KEEP;
        return (int)request(inst_of(f->node->fs), &m, FS_FLAGS, NULL, 0, NULL, 0, NULL, 0);
    }
    return -EINVAL;
}

static const struct vfs_fs_ops fs_ops = {
    .lookup = fs_lookup,
    .readdir = fs_readdir,
    .create = fs_create,
    .link = fs_link,
    .unlink = fs_unlink,
    .rename = fs_rename,
    .readlink = fs_readlink,
    .getattr = fs_getattr,
    .setattr = fs_setattr,
    .statfs = fs_statfs,
    .release = fs_release,
    .unmount = fs_unmount,
    .open = fs_open,
    .close = fs_close,
    .read = fs_read,
    .write = fs_write,
    .llseek = fs_llseek,
    .fsync = fs_fsync,
    .syncfs = fs_syncfs,
    .map = fs_map,
    .fcntl = fs_fcntl,
    .lock = fs_lock,
};

/* ---- fork and handles ---- */

void vfs_fs_after_fork(struct vfs *v)
{
    struct vfs_fs *fs;
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs)) {
        struct fs_inst *r = inst_of(fs);
        struct fs_open *o;
        unsigned i;
        if (fs->plugin != &vfs_plugin_fs)
            continue;
        views_drop(r); /* the parent's: this copy holds no capability of them */
        for (i = 0; i < FS_BUCKETS; i++) {
            struct fs_node *n;
            for (n = r->buckets[i]; n; n = n->hnext)
                if (n->id && simple(r, FS_ACQUIRE, n->id) < 0)
                    n->id = 0; /* not ours: never use or release it */
        }
        for (o = r->opens; o; o = o->next)
            if (o->handle && simple(r, FS_DUP, o->handle) < 0)
                o->handle = 0;
    }
}

void vfs_fs_drop_caches(struct vfs *v)
{
    struct vfs_fs *fs;
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs))
        if (fs->plugin == &vfs_plugin_fs) {
            names_drop(inst_of(fs));
            views_drop(inst_of(fs));
        }
}

uint64_t vfs_fs_file_handle(const struct vfs_file *f)
{
    if (!f || f->node->fs->plugin != &vfs_plugin_fs || (f->flags & O_PATH) || !f->priv)
        return 0;
    return ((const struct fs_open *)f->priv)->handle;
}

int vfs_fs_file_exec(struct vfs_file *f)
{
    uint64_t h = vfs_fs_file_handle(f);
    int64_t rc;
    if (!h)
        return 0;
    rc = simple(inst_of(f->node->fs), FS_EXEC, h);
    return rc == -ENOSYS ? 0 : (int)rc; /* a server without it: no ETXTBSY */
}

int vfs_fs_file_adopt(struct vfs_file *f, uint64_t handle)
{
    struct fs_open *o;
    if (!f || f->node->fs->plugin != &vfs_plugin_fs || (f->flags & O_PATH) || !f->priv || !handle)
        return -EINVAL;
    o = f->priv;
    if (o->handle)
        simple(inst_of(f->node->fs), FS_CLOSE, o->handle);
    o->handle = handle;
    return 0;
}

/* ---- mount ---- */

static int fs_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"label", NULL};
    const struct vfs_env *env = a->env;
    const char *label = cfg_prop(a->cfg, "label");
    struct fs_transport t;
    struct fs_inst *r;
    struct fs_msg m = {0};
    struct linux_stat st;
    struct linux_statfs sf;
    int64_t rc = vfs_cfg_check(a, 0, props, "fs [label=TEXT]");
    if (rc < 0)
        return (int)rc;
    if (!label)
        label = "";
    if (!env->session)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fs: this component's runtime opens no File_system sessions");
    memset(&t, 0, sizeof t);
    rc = env->session(env->ctx, "File_system", label, &t);
    if (rc < 0 || !t.call || !t.buf)
        return vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "label"),
                                "fs: no File_system session with label '%s' (errno %d): is "
                                "there a route to a file-system server?",
                                label, rc < 0 ? (int)-rc : EIO);
    r = vfs_zalloc(env, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->fs.ops = &fs_ops;
    r->fs.env = env;
    r->t = t;
    rc = request(r, &m, FS_ATTACH, NULL, 0, NULL, 0, NULL, 0);
    if (rc >= 0 && !S_ISDIR((uint32_t)m.r[1])) {
        simple(r, FS_RELEASE, (uint64_t)m.r[0]);
        rc = -ENOTDIR;
    }
    if (rc < 0) {
        vfs_free(env, r, sizeof *r);
        return vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "label"),
                                "fs: the server refused to attach session '%s' (errno %d)", label,
                                (int)-rc);
    }
    r->root.vn.fs = &r->fs;
    r->root.vn.type = S_IFDIR;
    r->root.id = (uint64_t)m.r[0];
    m = (struct fs_msg){.a = {r->root.id}};
    rc = request(r, &m, FS_GETATTR, NULL, 0, NULL, 0, &st, sizeof st);
    if (rc < 0) {
        simple(r, FS_RELEASE, r->root.id);
        vfs_free(env, r, sizeof *r);
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fs: the server's root cannot be read (errno %d)", (int)-rc);
    }
    /* a read-only session: the core answers every change (and access W_OK) itself */
    m = (struct fs_msg){0};
    if (request(r, &m, FS_STATFS, NULL, 0, NULL, 0, &sf, sizeof sf) == 0 &&
        (sf.f_flags & ST_RDONLY))
        r->fs.flags |= VFS_FS_RDONLY;
    r->root.vn.ino = st.st_ino;
    *bucket(r, st.st_ino) = &r->root;
    r->fs.root = &r->root.vn;
    *out = &r->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_fs = {
    .name = "fs",
    .kind = VFS_PLUGIN_TREE,
    .mount = fs_mount,
};
