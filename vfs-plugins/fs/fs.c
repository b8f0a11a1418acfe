/*
 * fs: the client of a file-system server (README.md). A tree plugin whose nodes are the
 * server's nodes and whose operations are requests of the File_system protocol
 * (lib/include/capix/fs_protocol.h) over the session env->session opens at mount.
 * This file: requests, nodes, attributes, fork and mount; the name operations are in
 * fs_names.c, the open files' in fs_file.c (what they share: fs_internal.h).
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
#include "fs_internal.h"

/* ---- requests ---- */

/* Takes the buffer's lock, writing the owner's tag into it: spins a little, then yields
 * the CPU between tries (the holder is usually blocked in a request to the server,
 * which must run first). A holder that dies in a request leaves the lock to the
 * launcher to free (posix-spawn: release). */
void fsc_buf_lock(const struct fs_transport *t)
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

void fsc_buf_unlock(struct fs_buf *b)
{
    __atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

/* Sends m (its data already in the buffer; lock held); returns r[0] or -EIO when the
 * server cannot be reached (the instance is dead from then on). */
int64_t fsc_call_locked(struct fs_inst *r, struct fs_msg *m)
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
int64_t fsc_request(struct fs_inst *r, struct fs_msg *m, uint64_t op, const void *in1, size_t n1,
                    const void *in2, size_t n2, void *out, size_t out_size)
{
    struct fs_buf *b = r->t.buf;
    int64_t rc;
    if (r->dead)
        return -EIO;
    if (n1 + n2 > FS_DATA_MAX)
        return -ENAMETOOLONG;
    m->op = op;
    fsc_buf_lock(&r->t);
    r->asked_gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);
    if (n1)
        memcpy(b->data, in1, n1);
    if (n2)
        memcpy(b->data + n1, in2, n2);
    rc = fsc_call_locked(r, m);
    if (rc >= 0 && out_size)
        memcpy(out, b->data, out_size < FS_DATA_MAX ? out_size : FS_DATA_MAX);
    fsc_buf_unlock(b);
    return rc;
}

/* A request on one number without data (ACQUIRE, RELEASE, DUP, CLOSE). */
int64_t fsc_simple(struct fs_inst *r, uint64_t op, uint64_t a0)
{
    struct fs_msg m = {.a = {a0}};
    return fsc_request(r, &m, op, NULL, 0, NULL, 0, NULL, 0);
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

static void node_free(struct fs_inst *r, struct fs_node *n)
{
    fsc_views_drop_node(r, n);
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
int fsc_adopt(struct fs_inst *r, uint64_t id, uint32_t mode, uint64_t ino, struct vfs_node **out)
{
    struct fs_node *n = find_node(r, ino);
    if (n && n->id == 0) {
        n->id = id; /* it had lost its reference (after fork): this one will do */
    } else if (n) {
        fsc_simple(r, FS_RELEASE, id); /* one server reference per node is enough */
    } else {
        n = vfs_zalloc(r->fs.env, sizeof *n);
        if (!n) {
            fsc_simple(r, FS_RELEASE, id);
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
uint64_t fsc_id_of(struct vfs_node *n)
{
    return node_of(n)->id;
}

void fsc_dir_changed(struct vfs_node *dir)
{
    struct fs_node *d = node_of(dir);
    if (d->dc)
        d->dc->valid = false;
}

/* ---- attributes ---- */

int fsc_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct fs_inst *r = inst_of(n->fs);
    struct fs_node *fn = node_of(n);
    struct fs_msg m = {.a = {fsc_id_of(n)}};
    struct linux_stat s;
    uint64_t g = fsc_gen_now(r);
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    if (g && fn->attr_gen == g) {
        s = fn->attr;
    } else {
        rc = fsc_request(r, &m, FS_GETATTR, NULL, 0, NULL, 0, &s, sizeof s);
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

int fsc_setattr(struct vfs_node *n, const struct vfs_setattr *a)
{
    struct fs_msg m = {.a = {fsc_id_of(n)}};
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
    return (int)fsc_request(inst_of(n->fs), &m, FS_SETATTR, &s, sizeof s, NULL, 0, NULL, 0);
}

static int fs_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct fs_msg m = {0};
    fsc_flush_closing(inst_of(fs)); /* the blocks of an unlinked file it held */
    return (int)fsc_request(inst_of(fs), &m, FS_STATFS, NULL, 0, NULL, 0, st, sizeof *st);
}

static void fs_release(struct vfs_node *vn)
{
    struct fs_inst *r = inst_of(vn->fs);
    struct fs_node *n = node_of(vn);
    if (n == &r->root)
        return; /* held until unmount */
    unhash(r, n);
    if (n->id && r->exiting && r->nexit_nodes < FS_EXIT_NODES)
        r->exit_nodes[r->nexit_nodes++] = n->id; /* with vfs_fs_exit's FS_REFS */
    else if (n->id)
        fsc_simple(r, FS_RELEASE, n->id);
    node_free(r, n);
}

static void fs_unmount(struct vfs_fs *fs)
{
    struct fs_inst *r = inst_of(fs);
    unsigned i;
    memset(r->names, 0, sizeof r->names); /* their nodes go with the table below */
    fsc_flush_closing(r);
    vfs_free(fs->env, r->spare, sizeof *r->spare);
    while (r->opens) {
        struct fs_open *o = r->opens;
        r->opens = o->next;
        if (o->handle)
            fsc_simple(r, FS_CLOSE, o->handle);
        vfs_free(fs->env, o, sizeof *o);
    }
    for (i = 0; i < FS_BUCKETS; i++)
        while (r->buckets[i]) {
            struct fs_node *n = r->buckets[i];
            r->buckets[i] = n->hnext;
            if (n->id && n != &r->root) /* the root's reference is the session's */
                fsc_simple(r, FS_RELEASE, n->id);
            node_free(r, n);
        }
    vfs_free(fs->env, r, sizeof *r);
}

static const struct vfs_fs_ops fs_ops = {
    .lookup = fsc_lookup,
    .readdir = fsc_readdir,
    .create = fsc_create,
    .link = fsc_link,
    .unlink = fsc_unlink,
    .rename = fsc_rename,
    .readlink = fsc_readlink,
    .getattr = fsc_getattr,
    .setattr = fsc_setattr,
    .statfs = fs_statfs,
    .release = fs_release,
    .unmount = fs_unmount,
    .open = fsc_open,
    .close = fsc_close,
    .read = fsc_read,
    .write = fsc_write,
    .llseek = fsc_llseek,
    .fsync = fsc_fsync,
    .syncfs = fsc_syncfs,
    .map = fsc_map,
    .fcntl = fsc_fcntl,
    .lock = fsc_lock,
};

/* ---- fork and handles ---- */

#define REFS_BATCH 256 /* numbers sent in one FS_REFS */

/* One FS_REFS of the numbers *ids[0..nodes+handles) (nodes first); a number the server
 * refuses, or every number when forget, is 0 from now on: never used or given back. A
 * server without FS_REFS is sent one request per number. */
static void refs_send(struct fs_inst *r, uint64_t **ids, unsigned nodes, unsigned handles,
                      bool give, bool forget)
{
    struct fs_buf *b = r->t.buf;
    uint64_t *num = (uint64_t *)(void *)b->data;
    struct fs_msg m = {.op = FS_REFS, .a = {nodes, handles, give ? FS_REFS_GIVE : FS_REFS_TAKE}};
    unsigned i, n = nodes + handles;
    int64_t rc;
    if (!n)
        return;
    fsc_buf_lock(&r->t);
    for (i = 0; i < n; i++)
        num[i] = *ids[i];
    rc = fsc_call_locked(r, &m);
    for (i = 0; i < n && rc != -ENOSYS; i++)
        if (rc < 0 || !num[i] || forget)
            *ids[i] = 0;
    fsc_buf_unlock(b);
    for (i = 0; i < n && rc == -ENOSYS; i++) {
        uint64_t op = i < nodes ? (give ? FS_RELEASE : FS_ACQUIRE) : (give ? FS_CLOSE : FS_DUP);
        if (fsc_simple(r, op, *ids[i]) < 0 || forget)
            *ids[i] = 0;
    }
}

/* Takes (a fork child) or gives back (an ending process: give, forget) a reference of
 * every node and handle each fs instance of v holds, a batch of them per request; a
 * number the server refuses, or every number when forget, is not used again. */
static void each_reference(struct vfs *v, bool give, bool forget)
{
    struct vfs_fs *fs;
    uint64_t *ids[REFS_BATCH];
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs)) {
        struct fs_inst *r = inst_of(fs);
        unsigned i, nodes = 0, handles = 0;
        struct fs_open *o = r->opens;
        if (fs->plugin != &vfs_plugin_fs)
            continue;
        /* views: a fork child forgets its parent's at its first use of them
         * (fsc_views_own); an ending process's go with its address space */
        for (i = 0; i < FS_BUCKETS; i++) {
            struct fs_node *n;
            for (n = r->buckets[i]; n; n = n->hnext) {
                if (!n->id || n == &r->root)
                    continue; /* the root's reference is the session's (FS_ATTACH) */
                if (nodes == REFS_BATCH) {
                    refs_send(r, ids, nodes, 0, give, forget);
                    nodes = 0;
                }
                ids[nodes++] = &n->id;
            }
        }
        for (i = 0; give && i < r->nexit_nodes; i++) { /* released while exiting */
            if (nodes == REFS_BATCH) {
                refs_send(r, ids, nodes, 0, give, forget);
                nodes = 0;
            }
            ids[nodes++] = &r->exit_nodes[i];
        }
        if (give)
            r->nexit_nodes = 0;
        if (give && (r->closing = fsc_take_closing(r)) != 0) {
            /* an ending process: the close it put off goes too */
            if (nodes == REFS_BATCH) {
                refs_send(r, ids, nodes, 0, give, forget);
                nodes = 0;
            }
            ids[nodes + handles++] = &r->closing;
        }
        for (; o; o = o->next) {
            if (!o->handle)
                continue;
            if (nodes + handles == REFS_BATCH) {
                refs_send(r, ids, nodes, handles, give, forget);
                nodes = handles = 0;
            }
            ids[nodes + handles++] = &o->handle;
        }
        refs_send(r, ids, nodes, handles, give, forget);
    }
}

void vfs_fs_before_fork(struct vfs *v)
{
    struct vfs_fs *fs;
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs))
        if (fs->plugin == &vfs_plugin_fs) {
            struct fs_inst *r = inst_of(fs);
            fsc_offsets_sync(r, NULL); /* the server's offset is the description's again */
            for (struct fs_open *o = r->opens; o; o = o->next)
                o->used = o->shared = true; /* the child holds it too */
        }
}

void vfs_fs_after_fork(struct vfs *v)
{
    each_reference(v, false, false);
}

void vfs_fs_drop_caches(struct vfs *v)
{
    struct vfs_fs *fs;
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs))
        if (fs->plugin == &vfs_plugin_fs) {
            fsc_flush_closing(inst_of(fs));
            fsc_names_drop(inst_of(fs));
            fsc_views_drop(inst_of(fs));
        }
}

/* The process ends: every server reference it still holds goes back (the nodes the VFS
 * keeps, such as each instance's root and the working directory, and handles not closed
 * by a descriptor), since the sessions outlive it (its fork children and parent share
 * them): without this each ended process left its root's reference in each server. The
 * instances stay as they are, but with no number to use. */
void vfs_fs_exit_begin(struct vfs *v)
{
    struct vfs_fs *fs;
    for (fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs))
        if (fs->plugin == &vfs_plugin_fs)
            inst_of(fs)->exiting = true;
}

void vfs_fs_exit(struct vfs *v)
{
    each_reference(v, true, true);
}

uint64_t vfs_fs_file_handle(const struct vfs_file *f)
{
    if (!f || f->node->fs->plugin != &vfs_plugin_fs || (f->flags & O_PATH) || !f->priv)
        return 0;
    return ((const struct fs_open *)f->priv)->handle;
}

void vfs_fs_file_forget(struct vfs_file *f)
{
    if (vfs_fs_file_handle(f))
        ((struct fs_open *)f->priv)->handle = 0;
}

int vfs_fs_file_exec(struct vfs_file *f)
{
    uint64_t h = vfs_fs_file_handle(f);
    int64_t rc;
    if (!h)
        return 0;
    ((struct fs_open *)f->priv)->keep_close = true; /* its close lets the file be written */
    rc = fsc_simple(inst_of(f->node->fs), FS_EXEC, h);
    return rc == -ENOSYS ? 0 : (int)rc; /* a server without it: no ETXTBSY */
}

int vfs_fs_file_adopt(struct vfs_file *f, uint64_t handle)
{
    struct fs_open *o;
    if (!f || f->node->fs->plugin != &vfs_plugin_fs || (f->flags & O_PATH) || !f->priv || !handle)
        return -EINVAL;
    o = f->priv;
    if (o->handle)
        fsc_simple(inst_of(f->node->fs), FS_CLOSE, o->handle);
    o->handle = handle;
    o->used = o->shared = true; /* another holder's description: the server's offset */
    o->local = o->at_known = false;
    return 0;
}

/* ---- descriptions passed between processes of a session (SCM_RIGHTS) ---- */

int vfs_fs_file_pass(struct vfs_file *f, const void **ctx, uint64_t *handle, uint64_t *node)
{
    uint64_t h = vfs_fs_file_handle(f), id;
    struct fs_inst *r;
    bool dir = f && f->node->fs->plugin == &vfs_plugin_fs && S_ISDIR(f->node->type) &&
               !(f->flags & O_PATH);
    if (!h && !dir)
        return -EOPNOTSUPP;
    r = inst_of(f->node->fs);
    id = fsc_id_of(f->node);
    if (!id || r->dead || (h && fsc_simple(r, FS_DUP, h) < 0))
        return -EIO;
    if (h) { /* another process will hold it: the server's offset is the description's */
        fsc_offsets_sync(r, f->priv);
        ((struct fs_open *)f->priv)->used = ((struct fs_open *)f->priv)->shared = true;
    }
    if (fsc_simple(r, FS_ACQUIRE, id) < 0) {
        if (h)
            fsc_simple(r, FS_CLOSE, h);
        return -EIO;
    }
    *ctx = r->t.ctx;
    *handle = h;
    *node = id;
    return 0;
}

void vfs_fs_file_unpass(struct vfs_file *f, uint64_t handle, uint64_t node)
{
    struct fs_inst *r = inst_of(f->node->fs);
    if (handle)
        fsc_simple(r, FS_CLOSE, handle);
    fsc_simple(r, FS_RELEASE, node);
}

int vfs_fs_file_receive(struct vfs *v, const void *ctx, uint64_t handle, uint64_t node,
                        uint32_t flags, struct vfs_file **out)
{
    struct vfs_fs *fs;
    struct fs_inst *r = NULL;
    struct vfs_node *vn;
    struct linux_stat st;
    struct fs_msg m = {.a = {node}};
    int64_t rc;
    for (fs = vfs_fs_next(v, NULL); fs && !r; fs = vfs_fs_next(v, fs))
        if (fs->plugin == &vfs_plugin_fs && inst_of(fs)->t.ctx == ctx && !inst_of(fs)->dead)
            r = inst_of(fs);
    if (!r || !node)
        return -ENOENT;
    rc = fsc_request(r, &m, FS_GETATTR, NULL, 0, NULL, 0, &st, sizeof st);
    if (rc >= 0 && (!S_ISDIR(st.st_mode) != (handle != 0) || (flags & O_PATH)))
        rc = -EINVAL; /* a handle for a file, none for a directory */
    if (rc < 0) {
        if (handle)
            fsc_simple(r, FS_CLOSE, handle);
        fsc_simple(r, FS_RELEASE, node);
        return (int)rc;
    }
    rc = fsc_adopt(r, node, st.st_mode, st.st_ino, &vn); /* the node's is taken over */
    if (rc < 0) {
        if (handle)
            fsc_simple(r, FS_CLOSE, handle);
        return (int)rc;
    }
    r->adopt = handle; /* fsc_open takes it over instead of opening */
    rc = vfs_file_open_node(vn, flags, out);
    if (r->adopt) { /* open failed before it took the handle */
        fsc_simple(r, FS_CLOSE, r->adopt);
        r->adopt = 0;
    }
    vfs_node_put(vn);
    return (int)rc;
}

/* ---- mount ---- */

static int fs_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"label", "quota", NULL};
    const struct vfs_env *env = a->env;
    const char *label = cfg_prop(a->cfg, "label"), *quota_text = cfg_prop(a->cfg, "quota");
    uint64_t quota = 0;
    struct fs_transport t;
    struct fs_inst *r;
    struct fs_msg m = {0};
    struct linux_stat st;
    struct linux_statfs sf;
    int64_t rc = vfs_cfg_check(a, 0, props, "fs [label=TEXT] [quota=SIZE]");
    if (rc < 0)
        return (int)rc;
    if (quota_text && (cfg_parse_u64(quota_text, &quota) < 0 || quota < (1ul << 20)))
        return vfs_config_error(
            a->err, a->cfg, cfg_prop_value(a->cfg, "quota"),
            "fs: quota: expected a size of 1M or more, such as 128M, found '%s'", quota_text);
    if (!label)
        label = "";
    if (!env->session)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fs: this component's runtime opens no File_system sessions");
    memset(&t, 0, sizeof t);
    rc = env->session(env->ctx, "File_system", label, quota, &t);
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
    rc = fsc_request(r, &m, FS_ATTACH, NULL, 0, NULL, 0, NULL, 0);
    if (rc >= 0 && !S_ISDIR((uint32_t)m.r[1]))
        rc = -ENOTDIR; /* (the root's reference is the session's: nothing to give back) */
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
    rc = fsc_request(r, &m, FS_GETATTR, NULL, 0, NULL, 0, &st, sizeof st);
    if (rc < 0) {
        vfs_free(env, r, sizeof *r);
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fs: the server's root cannot be read (errno %d)", (int)-rc);
    }
    /* a read-only session: the core answers every change (and access W_OK) itself */
    m = (struct fs_msg){0};
    if (fsc_request(r, &m, FS_STATFS, NULL, 0, NULL, 0, &sf, sizeof sf) == 0 &&
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
