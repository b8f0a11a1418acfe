/*
 * fs plugin (README.md): open descriptions (the server's handles), reads and writes,
 * views of files' pages, seeks, syncs, mappings, status flags and file locks. See the
 * top of fs.c for the invariants.
 */
#include "fs_internal.h"

/* ---- open files ---- */

static struct fs_open *open_of(struct vfs_file *f)
{
    return f->priv;
}

int fsc_open(struct vfs_file *f)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_msg m = {.a = {fsc_id_of(f->node), f->flags}};
    struct fs_open *o;
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    if (S_ISDIR(f->node->type)) {
        fsc_dir_changed(f->node); /* a new directory read sees the server's present */
        return 0;
    }
    o = r->spare ? r->spare : vfs_zalloc(r->fs.env, sizeof *o);
    r->spare = NULL;
    if (o)
        memset(o, 0, sizeof *o);
    if (!o)
        return -ENOMEM;
    o->at_known = !r->adopt; /* a new description's offset is 0 */
    if (r->adopt) {          /* a description passed by its handle (vfs_fs_file_receive) */
        rc = (int64_t)r->adopt;
        r->adopt = 0;
        o->used = true;
        o->shared = true;
    } else if (r->closing && r->closing_node == m.a[0] && r->closing_flags == f->flags &&
               r->closing_gen && r->closing_gen == fsc_gen_now(r) &&
               (rc = (int64_t)fsc_take_closing(r)) != 0) {
        /* the description this process closed last, of this file with these flags, never
         * read at its offset, shared or changed, and nothing changed on the server since
         * it was opened (the change count: no mode, owner or name): as good as new */
        o->gen = r->closing_gen;
    } else {
        m.a[2] = fsc_take_closing(r); /* a close put off goes with this open */
        rc = fsc_request(r, &m, FS_OPEN, NULL, 0, NULL, 0, NULL, 0);
        o->gen = r->asked_gen;
    }
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
int fsc_lock(struct vfs_file *f, int cmd, int cls, int type, int64_t start, int64_t end,
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
    if (cls != VFS_LOCK_POSIX)
        o->keep_close = true; /* the description's lock goes at its last close */
    rc = fsc_request(r, &m, FS_LOCK, NULL, 0, NULL, 0, NULL, 0);
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

uint64_t fsc_take_closing(struct fs_inst *r)
{
    uint64_t h = r->closing;
    r->closing = 0;
    return h && r->closing_tag == (r->t.owner ? r->t.owner(r->t.ctx) : 1) ? h : 0;
}

void fsc_flush_closing(struct fs_inst *r)
{
    uint64_t h = fsc_take_closing(r);
    if (h)
        fsc_simple(r, FS_CLOSE, h);
}

/*
 * A close of a description open for reading only, that ran no program and took no
 * lock, is put off until the next FS_OPEN of the instance, which carries it (a2): an
 * open-close loop makes one request per file, not two. Nothing else sees the
 * difference: such a handle holds no lock, no write access (ETXTBSY) and no program's
 * image; a put-off close is sent before STATFS (an unlinked file's blocks), at exec,
 * unmount and exit.
 */
void fsc_close(struct vfs_file *f)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_open *o = open_of(f);
    struct fs_node *n = node_of(f->node);
    if (!o)
        return;
    if (n->locked) /* a close releases the process's record locks */
        fsc_lock(f, VFS_LOCK_RELEASE, VFS_LOCK_POSIX, 0, 0, 0, NULL);
    if (r->exiting && o->handle)
        return; /* the handle goes back with vfs_fs_exit's batch (o stays in opens) */
    if (o->handle && !o->keep_close && (f->flags & O_ACCMODE) == O_RDONLY) {
        fsc_flush_closing(r); /* one put off at a time */
        r->closing = o->handle;
        r->closing_tag = r->t.owner ? r->t.owner(r->t.ctx) : 1;
        r->closing_node = fsc_id_of(f->node);
        r->closing_flags = f->flags;
        r->closing_gen = o->used ? 0 : o->gen; /* reused by the next open of the same */
    } else if (o->handle) {
        fsc_simple(r, FS_CLOSE, o->handle);
    }
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
static int64_t transfer_at(struct vfs_file *f, void *rbuf, const void *wbuf, size_t n, uint64_t off,
                           uint64_t *first)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_buf *b = r->t.buf;
    uint64_t h = handle_of(f);
    size_t done = 0;
    int64_t rc = 0;
    if (!h)
        return -EIO;
    fsc_buf_lock(&r->t);
    while (done < n) {
        size_t chunk = n - done < FS_CHUNK ? n - done : FS_CHUNK;
        struct fs_msg m = {.op = wbuf ? FS_WRITE : FS_READ,
                           .a = {h, chunk, off == VFS_OFF_REMOTE ? FS_POS_HANDLE : off + done}};
        if (wbuf)
            memcpy(b->data, (const char *)wbuf + done, chunk);
        rc = fsc_call_locked(r, &m);
        if (rc < 0)
            break;
        if ((uint64_t)rc > chunk) {
            rc = -EIO; /* the server broke the protocol */
            break;
        }
        if (rbuf)
            memcpy((char *)rbuf + done, b->data, (size_t)rc);
        if (!done && first)
            *first = (uint64_t)m.r[1]; /* where the server read (or wrote) */
        done += (size_t)rc;
        if ((size_t)rc < chunk)
            break;
    }
    fsc_buf_unlock(b);
    return done ? (int64_t)done : rc;
}

static int64_t transfer(struct vfs_file *f, void *rbuf, const void *wbuf, size_t n, uint64_t off)
{
    return transfer_at(f, rbuf, wbuf, n, off, NULL);
}

/* ---- views ---- */

static void view_drop(struct fs_inst *r, struct fs_node *n, unsigned k)
{
    r->t.unview(r->t.ctx, n->view_mem[k], n->view[k], fs_chunk_pages(k));
    n->view[k] = NULL;
    n->view_w &= (uint16_t) ~(1u << k);
    r->nviews--;
}

void fsc_views_drop_node(struct fs_inst *r, struct fs_node *n)
{
    unsigned k;
    fsc_views_own(r);
    for (k = 0; k < FS_VIEW_CHUNKS; k++)
        if (n->view[k])
            view_drop(r, n, k);
}

static int32_t owner_now(const struct fs_inst *r)
{
    return r->t.owner ? r->t.owner(r->t.ctx) : 1;
}

void fsc_views_forget(struct fs_inst *r)
{
    unsigned i, k;
    struct fs_node *n;
    for (i = 0; i < FS_BUCKETS && r->nviews; i++)
        for (n = r->buckets[i]; n; n = n->hnext)
            for (k = 0; k < FS_VIEW_CHUNKS; k++)
                if (n->view[k]) {
                    (r->t.forget ? r->t.forget : r->t.unview)(r->t.ctx, n->view_mem[k], n->view[k],
                                                              fs_chunk_pages(k));
                    n->view[k] = NULL;
                    n->view_w = 0;
                    r->nviews--;
                }
}

void fsc_views_drop_others(struct fs_inst *r, struct fs_node *keep)
{
    unsigned i;
    struct fs_node *n;
    fsc_views_own(r);
    for (i = 0; i < FS_BUCKETS && r->nviews; i++)
        for (n = r->buckets[i]; n; n = n->hnext)
            if (n != keep)
                fsc_views_drop_node(r, n);
}

void fsc_views_drop(struct fs_inst *r)
{
    fsc_views_drop_others(r, NULL);
}

static uint64_t maps_now(const struct fs_inst *r)
{
    return __atomic_load_n(&r->t.buf->maps, __ATOMIC_ACQUIRE);
}

/* Maps chunk k of f's file here (FS_MAP), read-only or (writable: through f's handle,
 * open for writing, in place of a read-only view of it) writable too; 0, or -1 when the
 * server will not (the node is read, or written, by requests from now on). */
#define FS_CHUNK_BIG_BYTES (4ul << 20) /* a file larger has chunks of megabytes */
static bool has_view(const struct fs_node *n);

static int view_make(struct fs_inst *r, struct vfs_file *f, struct fs_node *n, unsigned k,
                     bool writable)
{
    struct fs_msg m = {.a = {handle_of(f), fs_chunk_first(k), writable ? 0 : FS_MAP_VIEW}};
    bool *refused = writable ? &n->no_wview : &n->no_view;
    const void *at = NULL;
    if (writable && n->view[k] && (n->view_w & (1u << k)))
        return 0;
    if (!m.a[0])
        return -1;
    /* a large file's first view: its largest chunk's first, while the window has room
     * for it (a run aligned to its size: 32 MiB has two places; the views of smaller
     * chunks, made first, could leave neither free) */
    if (!writable && !has_view(n) && n->attr_gen && n->attr_gen == fsc_gen_now(r) &&
        (uint64_t)n->attr.st_size > FS_CHUNK_BIG_BYTES) {
        uint64_t last =
            (uint64_t)n->attr.st_size < FS_VIEW_BYTES ? (uint64_t)n->attr.st_size : FS_VIEW_BYTES;
        unsigned big = fs_chunk_of((last - 1) / FS_PAGE);
        if (big != k && view_make(r, f, n, big, false) < 0)
            return -1;
    }
    fsc_views_own(r);
    if (fsc_request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0) < 0) {
        /* ENODEV: a server that shares no pages (or, writable, fat's copies); ENOMEM,
         * EFBIG: not this file, not now (asking again at each read would cost the server
         * a copy of it each time) */
        *refused = true;
        return -1;
    }
    if ((uint64_t)m.r[1] == fs_chunk_first(k) && (uint64_t)m.r[2] == fs_chunk_pages(k) &&
        (!writable || m.r[4] == 1)) {
        if (writable && n->view[k])
            view_drop(r, n, k); /* read-only: the writable one replaces it */
        for (int tries = 0; !at && tries < 2; tries++) {
            if (tries) /* the window is full: other files' views go first */
                fsc_views_drop_others(r, n);
            at = writable ? r->t.view_rw(r->t.ctx, (uint64_t)m.r[3], fs_chunk_pages(k))
                          : r->t.view(r->t.ctx, (uint64_t)m.r[3], fs_chunk_pages(k));
            if (!r->nviews)
                break;
        }
    }
    if (!at) {
        r->t.unview(r->t.ctx, (uint64_t)m.r[3], NULL, 0);
        *refused = true;
        return -1;
    }
    if (!r->nviews)
        r->views_tag = owner_now(r);
    n->view[k] = at;
    n->view_mem[k] = (uint64_t)m.r[3];
    if (writable)
        n->view_w |= (uint16_t)(1u << k);
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

/* Whether f's file may be read from views (a server that maps, a regular file open for
 * reading that the server did not refuse to map). */
static bool views_usable(const struct fs_inst *r, const struct vfs_file *f)
{
    return r->t.view && !node_of(f->node)->no_view && S_ISREG(f->node->type) &&
           (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

/* Copies the bytes [off, end) of f's file from its views, made as needed (which needs
 * end <= FS_VIEW_BYTES); false when they cannot be, or when a chunk went meanwhile (the
 * copy is then not to be trusted). */
static bool view_copy(struct fs_inst *r, struct vfs_file *f, struct fs_node *fn, void *buf,
                      uint64_t off, uint64_t end)
{
    uint64_t pos;
    unsigned k;
    if (end > FS_VIEW_BYTES)
        return false;
    for (pos = off; pos < end;) {
        k = fs_chunk_of(pos / FS_PAGE);
        if (!fn->view[k] && view_make(r, f, fn, k, false) < 0)
            return false;
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
    return maps_now(r) == r->views_maps;
}

/* A pread from the views: the bytes read, or -1 when the server must be asked (-2:
 * because its READ might move the access time). */
static int64_t view_read(struct fs_inst *r, struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct fs_node *fn = node_of(f->node);
    struct linux_stat st;
    uint64_t g, maps, size, end;
    if (!views_usable(r, f))
        return -1;
    fsc_views_own(r);
    g = fsc_gen_now(r);
    if (!g)
        return -1;
    if (fn->attr_gen != g) {
        st.st_dev = 0;
        st.st_blksize = 0;
        if (fsc_getattr(f->node, &st) < 0 || fn->attr_gen != g)
            return -1;
    }
    maps = maps_now(r);
    if (r->nviews && maps != r->views_maps)
        fsc_views_drop(r); /* some chunk went: perhaps one of these */
    if (!r->nviews)
        r->views_maps = maps;
    /* the server's READ moves the access time of a file it has not mapped (relatime);
     * of a mapped one (this node has views, so it is) never */
    if (!(f->flags & O_NOATIME) && !has_view(fn) && !fn->atime_kept && atime_moves(r, &fn->attr))
        return -2;
    size = fn->attr.st_size > 0 ? (uint64_t)fn->attr.st_size : 0;
    if (off >= size)
        return 0;
    end = n < size - off ? off + n : size;
    if (!view_copy(r, f, fn, buf, off, end) || fsc_gen_now(r) != g)
        return -1; /* changed meanwhile: the server's answer replaces what was copied */
    return (int64_t)(end - off);
}

/*
 * A read() (at the shared offset) of a file whose pages this process has views of:
 * the server moves the offset (FS_READ_NO_DATA) and the bytes are copied here from the
 * views, once, not into the session's buffer and out again. A file without views is
 * read by requests; a full one of them makes a view, so the reads after it copy once.
 * Returns the bytes read, or -errno if none.
 */
/* After a read of n bytes that the server sent in full: more will follow, from views if
 * the server maps the file, so the chunk at the offset gets one (for a file the views
 * can hold: the kept size, when known, says whether they can). */
static void view_ahead(struct fs_inst *r, struct vfs_file *f, struct fs_node *fn, size_t n)
{
    uint64_t at = open_of(f)->at;
    if (n < FS_PAGE || at >= FS_VIEW_BYTES ||
        (fn->attr_gen == fsc_gen_now(r) && (uint64_t)fn->attr.st_size > FS_VIEW_BYTES))
        return;
    if (!r->nviews)
        r->views_maps = maps_now(r);
    view_make(r, f, fn, fs_chunk_of(at / FS_PAGE), false);
}

/* Views of the chunks that hold [at, at + n) of f's file (at: where this process last
 * saw the offset), within the kept size (else the chunk at at only), so that a server
 * whose copy is made as views ask (fat's) holds them when the read comes. */
static void views_cover(struct fs_inst *r, struct vfs_file *f, struct fs_node *fn, uint64_t at,
                        size_t n)
{
    uint64_t end = at + n, size_pages = 0;
    bool sized = fn->attr_gen == fsc_gen_now(r);
    unsigned k;
    if (sized)
        size_pages = ((uint64_t)fn->attr.st_size + FS_PAGE - 1) / FS_PAGE;
    if (end > FS_VIEW_BYTES)
        end = FS_VIEW_BYTES;
    while (at < end && !fn->no_view) {
        k = fs_chunk_of(at / FS_PAGE);
        if (sized ? fs_chunk_first(k) >= size_pages && k : false)
            return; /* beyond the end */
        if (!fn->view[k] && view_make(r, f, fn, k, false) < 0)
            return;
        if (!sized)
            return;
        at = (fs_chunk_first(k) + fs_chunk_pages(k)) * FS_PAGE;
    }
}

static int64_t read_at(struct fs_inst *r, struct vfs_file *f, void *buf, size_t n, uint64_t off);

/* Whether f's offset may be kept here alone (read_local): a regular file's description
 * open for reading only, that no other process may hold, whose offset this process
 * knows. */
static bool local_ok(const struct vfs_file *f, const struct fs_open *o)
{
    return !o->shared && o->at_known && (f->flags & O_ACCMODE) == O_RDONLY &&
           S_ISREG(f->node->type) && !(f->flags & O_PATH);
}

/*
 * A read() of a description only this process holds, open for reading only: its offset
 * is kept here (o->at), so the read is a pread at it, from the views without any
 * request when they hold the bytes, and the server's offset stays behind until another
 * process may hold the description (fsc_offsets_sync, before a fork or a pass). A
 * server round trip per read() was most of what a sequential read cost under QEMU's
 * TCG: each switch of address space empties its TLB.
 */
static int64_t read_local(struct fs_inst *r, struct vfs_file *f, struct fs_open *o, void *buf,
                          size_t n)
{
    int64_t rc;
    bool viewed = has_view(node_of(f->node));
    o->used = true;
    o->local = true;
    rc = read_at(r, f, buf, n, o->at);
    if (rc > 0)
        o->at += (uint64_t)rc;
    if (rc == (int64_t)n && !viewed && views_usable(r, f))
        view_ahead(r, f, node_of(f->node), n); /* a request read it: views for the next */
    return rc;
}

void fsc_offsets_sync(struct fs_inst *r, struct fs_open *only)
{
    for (struct fs_open *o = r->opens; o; o = o->next)
        if (o->local && (!only || o == only)) {
            struct fs_msg m = {.a = {o->handle, o->at, SEEK_SET}};
            o->local = false;
            if (o->handle && fsc_request(r, &m, FS_SEEK, NULL, 0, NULL, 0, NULL, 0) < 0)
                o->at_known = false;
        }
}

static int64_t read_at_handle(struct fs_inst *r, struct vfs_file *f, void *buf, size_t n)
{
    struct fs_node *fn = node_of(f->node);
    struct fs_open *o = open_of(f);
    struct fs_buf *b = r->t.buf;
    uint64_t h = handle_of(f), at = 0;
    size_t done = 0;
    int64_t rc = 0;
    if (!h)
        return -EIO;
    if (local_ok(f, o))
        return read_local(r, f, o, buf, n);
    o->used = true;                                      /* its offset moves */
    if (!views_usable(r, f) || o->at >= FS_VIEW_BYTES) { /* beyond the views (a guess) */
        rc = transfer_at(f, buf, NULL, n, VFS_OFF_REMOTE, &at);
        o->at = rc > 0 ? at + (uint64_t)rc : at;
        o->at_known = rc >= 0;
        return rc;
    }
    fsc_views_own(r);
    if (r->nviews && maps_now(r) != r->views_maps)
        fsc_views_drop(r);
    if (!has_view(fn)) {
        rc = transfer_at(f, buf, NULL, n, VFS_OFF_REMOTE, &at);
        o->at = rc > 0 ? at + (uint64_t)rc : at;
        o->at_known = rc >= 0;
        if (rc == (int64_t)n)
            view_ahead(r, f, fn, n);
        return rc;
    }
    while (done < n) {
        size_t chunk = n - done < FS_CHUNK ? n - done : FS_CHUNK;
        struct fs_msg m = {.op = FS_READ, .a = {h, chunk | FS_READ_NO_DATA, FS_POS_HANDLE}};
        views_cover(r, f, fn, o->at, chunk);
        fsc_buf_lock(&r->t);
        rc = fsc_call_locked(r, &m);
        if (rc >= 0 && (uint64_t)rc <= chunk && !m.r[2])
            memcpy((char *)buf + done, b->data, (size_t)rc); /* not mapped (now): sent */
        fsc_buf_unlock(b);
        if (rc < 0)
            break;
        at = (uint64_t)m.r[1];
        if ((uint64_t)rc > chunk || at > (uint64_t)INT64_MAX - chunk) {
            rc = -EIO; /* the server broke the protocol */
            break;
        }
        if (m.r[2] && rc > 0 && !view_copy(r, f, fn, (char *)buf + done, at, at + (uint64_t)rc)) {
            /* the views did not hold them (or went meanwhile): the bytes from there */
            int64_t got = transfer(f, (char *)buf + done, NULL, (size_t)rc, at);
            if (got < 0) {
                rc = got;
                break;
            }
            rc = got;
        }
        done += (size_t)rc;
        o->at = at + (uint64_t)rc;
        if ((size_t)rc < chunk)
            break;
    }
    o->at_known = rc >= 0;
    return done ? (int64_t)done : rc;
}

int64_t fsc_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct fs_inst *r = inst_of(f->node->fs);
    if (n == 0)
        return 0;
    if (off == VFS_OFF_REMOTE)
        return read_at_handle(r, f, buf, n);
    return read_at(r, f, buf, n, off);
}

/* A pread: from the views when they hold the bytes, else by a request. */
static int64_t read_at(struct fs_inst *r, struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    uint64_t g = 0;
    int64_t rc = view_read(r, f, buf, n, off);
    if (rc >= 0)
        return rc;
    if (rc == -2)
        g = fsc_gen_now(r); /* the kept attributes' count (view_read asked for them) */
    rc = transfer(f, buf, NULL, n, off);
    /* a READ that should have moved the access time and changed nothing: this server's
     * reads leave it (fat's), so views need not wait for it */
    if (rc >= 0 && g && fsc_gen_now(r) == g && node_of(f->node)->attr_gen == g)
        node_of(f->node)->atime_kept = true;
    return rc;
}

static uint64_t tick_ns(struct linux_timespec t)
{
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static bool same_time(struct linux_timespec a, struct linux_timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * A pwrite within a mapped file's size (ram_fs), copied into the file's pages here,
 * without a request, when it would change no attribute: the file's modification and
 * change times are the present time tick's already (files' times move by 4 ms ticks,
 * VFS_TIME_TICK_NS, as Linux's coarse clock: a write within the tick of the last one
 * leaves them), it has no set-id bit (a write would clear it), and the kept attributes
 * say so (one FS_GETATTR, only just after this process's own WRITE in this tick). The
 * bytes are in the pages every read, write and mapping of the file uses. Returns the
 * bytes written, or -1 when the server must be asked.
 */
static int64_t write_local(struct fs_inst *r, struct vfs_file *f, const void *buf, size_t n,
                           uint64_t off)
{
    struct fs_node *fn = node_of(f->node);
    struct linux_timespec now;
    struct linux_stat st;
    uint64_t g, pos, end = off + n;
    unsigned k;
    if (!r->t.view_rw || fn->no_wview || !S_ISREG(f->node->type) ||
        (f->flags & (O_APPEND | O_PATH)) || (f->flags & O_ACCMODE) == O_RDONLY ||
        off > FS_VIEW_BYTES || n > FS_VIEW_BYTES - off)
        return -1;
    fsc_views_own(r);
    g = fsc_gen_now(r);
    now = vfs_now(r->fs.env);
    if (!g)
        return -1;
    if (fn->attr_gen != g) {
        /* worth a GETATTR only just after its own write in this tick, within the size
         * it knew, and once a tick when the times turn out not to be the tick's (fat's
         * are not: its copies are not writable either, which the mapping then says) */
        if (fn->w_tick != tick_ns(now) || fn->w_miss_tick == tick_ns(now) || end > fn->w_end)
            return -1;
        /* first whether the server maps it writable at all (fat's copies: never) */
        if (r->nviews && maps_now(r) != r->views_maps)
            fsc_views_drop(r);
        if (!r->nviews)
            r->views_maps = maps_now(r);
        if (view_make(r, f, fn, fs_chunk_of(off / FS_PAGE), true) < 0)
            return -1;
        fn->w_miss_tick = tick_ns(now);
        st.st_dev = 0;
        st.st_blksize = 0;
        if (fsc_getattr(f->node, &st) < 0 || fn->attr_gen != (g = fsc_gen_now(r)))
            return -1;
    }
    if (!same_time(fn->attr.st_mtim, now) || !same_time(fn->attr.st_ctim, now) ||
        (fn->attr.st_mode & (S_ISUID | S_ISGID)) || fn->attr.st_size < 0 ||
        end > (uint64_t)fn->attr.st_size)
        return -1;
    fn->w_miss_tick = 0;
    if (r->nviews && maps_now(r) != r->views_maps)
        fsc_views_drop(r);
    if (!r->nviews)
        r->views_maps = maps_now(r);
    for (pos = off; pos < end; pos = (fs_chunk_first(k) + fs_chunk_pages(k)) * FS_PAGE)
        if (view_make(r, f, fn, k = fs_chunk_of(pos / FS_PAGE), true) < 0)
            return -1;
    for (pos = off; pos < end;) {
        uint64_t from = fs_chunk_first(k = fs_chunk_of(pos / FS_PAGE)) * FS_PAGE;
        uint64_t len = from + fs_chunk_pages(k) * FS_PAGE - pos;
        if (len > end - pos)
            len = end - pos;
        memcpy((uint8_t *)(uintptr_t)fn->view[k] + (pos - from), (const char *)buf + (pos - off),
               len);
        pos += len;
    }
    /* a chunk that went meanwhile took the bytes with it: the server writes them again */
    return maps_now(r) == r->views_maps ? (int64_t)n : -1;
}

int64_t fsc_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct fs_inst *r = inst_of(f->node->fs);
    int64_t rc;
    if (n == 0)
        return 0;
    if (*off != VFS_OFF_REMOTE && (rc = write_local(r, f, buf, n, *off)) >= 0) {
        *off += (uint64_t)rc;
        return rc;
    }
    if (*off == VFS_OFF_REMOTE && open_of(f))
        open_of(f)->used = true; /* its offset moves */
    rc = transfer(f, NULL, buf, n, *off);
    if (rc > 0 && *off != VFS_OFF_REMOTE && !node_of(f->node)->no_wview) {
        struct fs_node *fn = node_of(f->node);
        uint64_t tick = tick_ns(vfs_now(r->fs.env));
        if (fn->w_tick != tick)
            fn->w_end = 0;
        fn->w_tick = tick;
        if (*off + (uint64_t)rc > fn->w_end)
            fn->w_end = *off + (uint64_t)rc; /* the file is at least this long */
    }
    if (rc > 0 && *off != VFS_OFF_REMOTE)
        *off += (uint64_t)rc;
    return rc;
}

static int64_t seek_request(struct vfs_file *f, int64_t off, int whence)
{
    struct fs_msg m = {.a = {handle_of(f), (uint64_t)off, (uint64_t)whence}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    open_of(f)->used = true;
    rc = fsc_request(inst_of(f->node->fs), &m, FS_SEEK, NULL, 0, NULL, 0, NULL, 0);
    if (rc >= 0) {
        open_of(f)->at = (uint64_t)rc;
        open_of(f)->at_known = true;
    }
    return rc;
}

/* lseek of a description whose offset is kept here (read_local): no request but the
 * size for SEEK_END. */
static int64_t seek_local(struct vfs_file *f, struct fs_open *o, int64_t off, int whence)
{
    struct linux_stat st;
    int64_t base = 0;
    int rc;
    if (whence == SEEK_CUR)
        base = (int64_t)o->at;
    if (whence == SEEK_END || whence == SEEK_DATA || whence == SEEK_HOLE) {
        st.st_dev = 0;
        st.st_blksize = 0;
        rc = fsc_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        if (whence == SEEK_END) {
            base = st.st_size;
        } else { /* no holes: all data up to the size, one hole from there */
            if (off < 0 || off >= st.st_size)
                return -ENXIO;
            if (whence == SEEK_HOLE)
                off = st.st_size;
        }
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    o->used = true;
    o->local = true;
    o->at = (uint64_t)(base + off);
    return (int64_t)o->at;
}

int64_t fsc_llseek(struct vfs_file *f, int64_t off, int whence)
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
        fsc_dir_changed(f->node); /* rewinddir: read the server's present */
        return off;
    }
    if (open_of(f) && local_ok(f, open_of(f)) && whence >= SEEK_SET && whence <= SEEK_HOLE)
        return seek_local(f, open_of(f), off, whence);
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
        rc = fsc_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        if (off < 0 || off >= st.st_size)
            return -ENXIO;
        return seek_request(f, whence == SEEK_DATA ? off : st.st_size, SEEK_SET);
    }
    return -EINVAL;
}

int fsc_syncfs(struct vfs_fs *fs)
{
    struct fs_msg m = {.a = {0}};
    int r = (int)fsc_request(inst_of(fs), &m, FS_SYNCFS, NULL, 0, NULL, 0, NULL, 0);
    return r == -ENOSYS ? 0 : r; /* a server that holds nothing back */
}

int fsc_fsync(struct vfs_file *f, bool datasync)
{
    struct fs_msg m = {.a = {handle_of(f), datasync ? 1 : 0}};
    if (S_ISDIR(f->node->type))
        return fsc_syncfs(f->node->fs); /* the names: the server's whole tree */
    if (!m.a[0])
        return -EIO;
    return (int)fsc_request(inst_of(f->node->fs), &m, FS_FSYNC, NULL, 0, NULL, 0, NULL, 0);
}

int fsc_map(struct vfs_file *f, uint64_t page, unsigned more, struct vfs_map *out)
{
    struct fs_inst *r = inst_of(f->node->fs);
    struct fs_msg m = {.a = {handle_of(f), page, 0, more}};
    unsigned k = fs_chunk_of(page);
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = fsc_request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0);
    if (rc == -ENOMEM && r->nviews) {
        /* the session is out of mapped memory, perhaps for this process's views of other
         * files (a cache): without them the server can take those chunks back */
        fsc_views_drop(r);
        rc = fsc_request(r, &m, FS_MAP, NULL, 0, NULL, 0, NULL, 0);
    }
    if (rc < 0)
        return (int)rc;
    /* the further objects (r0 of them) are chunks k + 1, ..., so the first must be k */
    unsigned got = (uint64_t)rc <= more ? (unsigned)rc : 0;
    out->nmore = 0;
    if (m.r[2] <= 0 || (uint64_t)m.r[1] > page || page - (uint64_t)m.r[1] >= (uint64_t)m.r[2] ||
        (got && ((uint64_t)m.r[1] != fs_chunk_first(k) || (uint64_t)m.r[2] != fs_chunk_pages(k)))) {
        for (unsigned i = 0; i < got && r->t.unview; i++)
            r->t.unview(r->t.ctx, m.more[i], NULL, 0); /* given up */
        if (r->t.unview)
            r->t.unview(r->t.ctx, (uint64_t)m.r[3], NULL, 0);
        return -EIO; /* an answer that does not hold the page */
    }
    out->mem = (uint64_t)m.r[3];
    out->first = (uint64_t)m.r[1];
    out->pages = (uint64_t)m.r[2];
    out->writable = m.r[4] == 1;
    out->executable = m.r[4] == FS_MAP_EXEC;
    for (unsigned i = 0; i < got; i++) {
        out->more[i].mem = m.more[i];
        out->more[i].first = fs_chunk_first(k + 1 + i);
        out->more[i].pages = fs_chunk_pages(k + 1 + i);
    }
    out->nmore = got;
    return 0;
}

int fsc_fcntl(struct vfs_file *f, int cmd, unsigned long arg)
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
        if (cmd == F_SETFL)
            open_of(f)->used = true;
        return (int)fsc_request(inst_of(f->node->fs), &m, FS_FLAGS, NULL, 0, NULL, 0, NULL, 0);
    }
    return -EINVAL;
}
