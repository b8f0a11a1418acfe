/*
 * Mapped files (FS_MAP, with memory from struct fs_mem_ops): the first FS_MAP of a
 * regular file copies its bytes into memory objects ("chunks": chunk 0 holds page 0,
 * chunk k > 0 pages [2^(k-1), 2^k), so a file grows by adding chunks and the pages a
 * client has mapped never move). From then on those chunks are the file's data: READ
 * and WRITE use them, so reads, writes and every client's mapping see the same bytes;
 * the plugin keeps the size, times and names (its own copy of the bytes is not used
 * again). A size change zeroes the bytes between the old and the new size, so bytes a
 * mapping wrote beyond the end, or that a truncation cut off, never come back. The
 * chunks go when the file has no name, no session holds it and no client holds a
 * copy of a chunk (fs_server_collect); a chunk wholly beyond the end that no client
 * maps goes too (chunk 0 stays while the file is mapped).
 *
 * Who pays for a chunk: the session whose request made it (FS_MAP, or a WRITE that
 * grew a mapped file into a new chunk), from the quota its client donated (the native
 * server's create). A session has at most FS_SESSION_MAX_CHUNKS (ENOMEM beyond), so one
 * client that maps without end runs out of its own budget, never the server's. No
 * chunk outlives its payer: when a session ends, every mapped file with a chunk it paid
 * for is made a plain file again (fs_mapped_unmake: its bytes go back into the plugin,
 * all its chunks are freed, clients' mappings of them vanish) and the next FS_MAP maps
 * it anew, at the cost of the session that asks.
 *
 * A file on a device (fat) keeps its bytes in the plugin: its chunks are a read-only
 * copy for views, never written back (fs_mirror.c).
 */
#include "fs_server_internal.h"

/* The record of n's mapped file that ss uses (ss NULL: any): the one of every session,
 * or in an unchanging server the session's own. */
struct fs_mapped *fs_mapped_find(struct fs_server *s, struct fs_session *ss, struct vfs_node *n)
{
    struct fs_mapped *mp;
    for (mp = s->mapped; mp; mp = mp->next)
        if (mp->node == n && (!mp->owner || !ss || mp->owner == ss))
            return mp;
    return NULL;
}

static bool mapped_reclaim(struct fs_server *s, struct fs_session *payer, struct fs_mapped *keep);

/* Chunk k of mp, made (zeroed, paid by payer) if missing; NULL when payer has all the
 * chunks it may have or out of memory, even after the files it pays for that no client
 * maps were made plain again (mapped_reclaim). */
static uint8_t *chunk_get(struct fs_server *s, struct fs_mapped *mp, unsigned k,
                          struct fs_session *payer)
{
    struct fs_chunk *c = &mp->chunk[k];
    for (int tries = 0; !c->addr && tries < 2; tries++) {
        if (tries && !mapped_reclaim(s, payer, mp))
            break;
        if (payer->nchunks >= FS_SESSION_MAX_CHUNKS)
            continue;
        c->addr = s->mem.create(s->mem.ctx, payer, fs_chunk_pages(k), &c->id);
        if (c->addr) {
            s->mapped_pages += fs_chunk_pages(k);
            c->payer = payer;
            payer->nchunks++;
        }
    }
    return c->addr;
}

/* A chunk goes: every session's buffer says so before its pages leave any view. */
static void maps_step(struct fs_server *s)
{
    if (!s->gen)
        return;
    s->maps++;
    for (struct fs_session *ss = s->sessions; ss; ss = ss->next)
        if (ss->buf)
            __atomic_store_n(&ss->buf->maps, s->maps, __ATOMIC_RELEASE);
}

static void chunk_free(struct fs_server *s, struct fs_mapped *mp, unsigned k)
{
    struct fs_chunk *c = &mp->chunk[k];
    maps_step(s); /* before its pages go from clients' views */
    s->mem.destroy(s->mem.ctx, c->addr, fs_chunk_pages(k), c->id);
    s->mapped_pages -= fs_chunk_pages(k);
    c->payer->nchunks--;
    memset(c, 0, sizeof *c);
}

/* Copies n bytes at byte off of a mapped file out of its chunks (missing ones read as
 * zero) into out, or from in into them (making them, paid by payer); 0 or -ENOMEM. */
int fs_mapped_copy(struct fs_server *s, struct fs_mapped *mp, uint64_t off, void *out,
                   const void *in, uint64_t n, struct fs_session *payer)
{
    while (n) {
        uint64_t page = off / FS_PAGE;
        unsigned k = fs_chunk_of(page);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t len = end - off < n ? end - off : n;
        uint8_t *base = in ? chunk_get(s, mp, k, payer) : mp->chunk[k].addr;
        if (in && !base)
            return -ENOMEM;
        if (in)
            memcpy(base + (off - start), in, len);
        else if (base)
            memcpy(out, base + (off - start), len);
        else
            memset(out, 0, len);
        if (in)
            in = (const uint8_t *)in + len;
        else
            out = (uint8_t *)out + len;
        off += len;
        n -= len;
    }
    return 0;
}

/* Zeroes the bytes [from, to) of a mapped file where chunks exist (a size change). */
static void mapped_zero(struct fs_mapped *mp, uint64_t from, uint64_t to)
{
    while (from < to && from < FS_MAP_MAX_PAGES * FS_PAGE) {
        unsigned k = fs_chunk_of(from / FS_PAGE);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t stop = to < end ? to : end;
        if (mp->chunk[k].addr)
            memset(mp->chunk[k].addr + (from - start), 0, stop - from);
        from = stop;
    }
}

void fs_mapped_free(struct fs_server *s, struct fs_mapped *mp)
{
    unsigned k;
    for (k = 0; k < FS_MAP_CHUNKS; k++)
        if (mp->chunk[k].addr)
            chunk_free(s, mp, k);
    vfs_node_put(mp->node);
    vfs_free(&s->env, mp, sizeof *mp);
}

/* Puts a mapped file's bytes back into the plugin, whose own copy has held the size all
 * along (the chunks stay the file's data until freed); 0 or a negative errno. */
static int mapped_write_back(struct fs_server *s, struct fs_mapped *mp)
{
    struct vfs_node *n = mp->node;
    struct vfs_file *f;
    struct linux_stat st;
    uint64_t size;
    unsigned k;
    int rc;
    if (fs_mirrors(n))
        return 0; /* a copy of the plugin's bytes (fs_mirror.c) */
    rc = vfs_getattr(n, &st);
    size = rc == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    if (size && !(n->fs->flags & VFS_FS_RDONLY) && n->fs->ops->write &&
        (rc = vfs_file_open_node(n, O_WRONLY | O_LARGEFILE, &f)) == 0) {
        for (k = 0; k < FS_MAP_CHUNKS && rc >= 0; k++) {
            uint64_t start = fs_chunk_first(k) * FS_PAGE, at = start, len;
            if (!mp->chunk[k].addr || start >= size)
                continue;
            len = size - start < fs_chunk_pages(k) * FS_PAGE ? size - start
                                                             : fs_chunk_pages(k) * FS_PAGE;
            int64_t w = n->fs->ops->write(f, mp->chunk[k].addr, (size_t)len, &at);
            rc = w == (int64_t)len ? 0 : w < 0 ? (int)w : -EIO;
        }
        vfs_file_put(f);
        if (rc >= 0 && n->fs->ops->setattr) { /* moving the bytes is no modification */
            struct vfs_setattr a = {0};
            a.mask = VFS_SET_MTIME;
            a.mtime = st.st_mtim;
            n->fs->ops->setattr(n, &a);
        }
    }
    return rc < 0 ? rc : 0;
}

/* Makes mp's file a plain file again (mp is off the list): its bytes go back into the
 * plugin, then every chunk is freed, whether the bytes went back or not (its payer's
 * session ended: no chunk outlives its payer). */
void fs_mapped_unmake(struct fs_server *s, struct fs_mapped *mp)
{
    int rc = mapped_write_back(s, mp);
    if (rc < 0)
        vfs_log(&s->env, "fs_server: a mapped file's bytes could not go back into it (errno %d)",
                -rc);
    fs_mapped_free(s, mp);
}

/*
 * A session out of chunks (or of the quota they are made from) gets back those of the
 * files it pays for that no client maps now, all but keep: each such file is made a
 * plain file again, its bytes back in the plugin (a file whose bytes do not fit there
 * stays mapped: nothing is lost), and the next FS_MAP maps it anew. So the chunk limit
 * bounds what a session has mapped at once, not how many files it ever mapped (named
 * semaphores and message queues stay on /dev/shm after their last close). True when
 * anything was freed.
 */
static bool mapped_reclaim(struct fs_server *s, struct fs_session *payer, struct fs_mapped *keep)
{
    bool freed = false;
    for (struct fs_mapped **pp = &s->mapped; *pp;) {
        struct fs_mapped *mp = *pp;
        bool pays = false, used = false;
        for (unsigned k = 0; k < FS_MAP_CHUNKS; k++)
            if (mp->chunk[k].addr) {
                pays = pays || mp->chunk[k].payer == payer;
                used = used || s->mem.in_use(s->mem.ctx, mp->chunk[k].id);
            }
        if (mp == keep || !pays || used || mapped_write_back(s, mp) < 0) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        fs_mapped_free(s, mp);
        freed = true;
        s->attrs_moved = true;
    }
    return freed;
}

/* A size change of n from old to new bytes: the bytes between read as zero. */
void fs_mapped_resized(struct fs_server *s, struct vfs_node *n, uint64_t old, uint64_t new_size)
{
    struct fs_mapped *mp = fs_mapped_find(s, NULL, n);
    if (mp && fs_mirrors(n) && new_size > FS_MIRROR_BYTES)
        fs_mirror_drop(s, mp); /* too large for a copy now */
    else if (mp)
        mapped_zero(mp, old < new_size ? old : new_size, old < new_size ? new_size : old);
}

/* Makes f's file a mapped file: its bytes (size of them) copied into chunks that ss
 * pays for. */
static int mapped_make(struct fs_session *ss, struct vfs_file *f, uint64_t size,
                       struct fs_mapped **out)
{
    struct fs_server *s = ss->s;
    struct fs_mapped *mp = vfs_zalloc(&s->env, sizeof *mp);
    uint64_t off = 0;
    int64_t r;
    if (!mp)
        return -ENOMEM;
    mp->node = f->node;
    mp->owner = s->unchanging ? ss : NULL;
    vfs_node_get(f->node);
    while (off < size) {
        unsigned k = fs_chunk_of(off / FS_PAGE);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t want = (size < end ? size : end) - off;
        uint8_t *base = chunk_get(s, mp, k, ss);
        if (!base) {
            fs_mapped_free(s, mp);
            return -ENOMEM;
        }
        r = f->node->fs->ops->read(f, base + (off - start), (size_t)want, off);
        if (r < 0) {
            fs_mapped_free(s, mp);
            return (int)r;
        }
        if (r == 0)
            break;
        off += (uint64_t)r;
    }
    mp->next = s->mapped;
    s->mapped = mp;
    *out = mp;
    return 0;
}

/* FS_MAP_VIEW of chunk k of a file on a device (fs_mirror.c): the chunk made from the
 * plugin's bytes if missing (mp NULL: the file's first), paid by ss. A chunk that
 * cannot be made gives EFBIG (the client reads by requests from then on). */
static int64_t mirror_map(struct fs_session *ss, struct vfs_file *f, struct fs_mapped *mp,
                          unsigned k, uint64_t size, struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    uint64_t start = fs_chunk_first(k) * FS_PAGE, end = start + fs_chunk_pages(k) * FS_PAGE;
    int64_t r = 0;
    if (!mp) {
        mp = vfs_zalloc(&s->env, sizeof *mp);
        if (!mp)
            return -ENOMEM;
        mp->node = f->node;
        mp->owner = s->unchanging ? ss : NULL;
        vfs_node_get(f->node);
        mp->next = s->mapped;
        s->mapped = mp;
    }
    if (!mp->chunk[k].addr) {
        uint8_t *base = chunk_get(s, mp, k, ss);
        uint64_t off = start;
        if (end > size)
            end = size;
        while (base && off < end) { /* the plugin's bytes; the rest stays zero */
            r = f->node->fs->ops->read(f, base + (off - start), (size_t)(end - off), off);
            if (r <= 0)
                break;
            off += (uint64_t)r;
        }
        if (!base || r < 0) {
            if (base)
                chunk_free(s, mp, k);
            for (unsigned i = 0; i < FS_MAP_CHUNKS; i++)
                if (mp->chunk[i].addr)
                    return !base ? -EFBIG : r;
            fs_mirror_drop(s, mp); /* the copy has no chunk: it goes */
            return !base ? -EFBIG : r;
        }
    }
    m->r[1] = (int64_t)fs_chunk_first(k);
    m->r[2] = (int64_t)fs_chunk_pages(k);
    m->r[3] = (int64_t)mp->chunk[k].id;
    m->r[4] = 0; /* a copy: read only */
    return 0;
}

int64_t fs_op_map(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct linux_stat st;
    uint64_t page = m->a[1], size_pages;
    unsigned k;
    bool made, mirror;
    int rc;
    if (!h)
        return -EBADF;
    if (m->a[2] > FS_MAP_VIEW || m->a[3] > FS_MAP_MORE)
        return -EINVAL;
    mirror = fs_mirrors(h->f->node);
    if (!S_ISREG(h->f->node->type) || !s->mem.create || !h->f->node->fs->ops->read ||
        (mirror && m->a[2] != FS_MAP_VIEW))
        return -ENODEV; /* on a device: copies for views only */
    if (!readable(h->f))
        return -EACCES;
    if (page >= FS_MAP_MAX_PAGES)
        return -ENOMEM;
    rc = vfs_getattr(h->f->node, &st);
    if (rc < 0)
        return rc;
    if ((uint64_t)st.st_size > FS_MAP_MAX_PAGES * FS_PAGE)
        return mirror ? -EFBIG : -ENOMEM;
    if (mirror && (uint64_t)st.st_size > FS_MIRROR_BYTES)
        return -EFBIG;
    /* chunks up to the one that holds the last byte (page 0 always) */
    size_pages = ((uint64_t)st.st_size + FS_PAGE - 1) / FS_PAGE;
    k = fs_chunk_of(page);
    if (page > 0 && fs_chunk_first(k) >= size_pages)
        return -ENXIO;
    mp = fs_mapped_find(s, ss, h->f->node);
    made = !mp;
    /* making a file mapped reads it (its access time may move, as mmap's does on
     * Linux); taking chunks back writes files (their change time) */
    s->attrs_moved = s->attrs_moved || made;
    if (mirror)
        return mirror_map(ss, h->f, mp, k, (uint64_t)st.st_size, m);
    if (made && (rc = mapped_make(ss, h->f, (uint64_t)st.st_size, &mp)) < 0)
        return rc;
    if (!chunk_get(s, mp, k, ss)) {
        if (made) { /* a plain file still: the plugin's bytes are as they were */
            s->mapped = mp->next;
            fs_mapped_free(s, mp);
        }
        return -ENOMEM;
    }
    m->r[1] = (int64_t)fs_chunk_first(k);
    m->r[2] = (int64_t)fs_chunk_pages(k);
    m->r[3] = (int64_t)mp->chunk[k].id;
    m->r[4] = s->unchanging ? FS_MAP_EXEC
                            : !mirror && writable(h->f) && ss->writeable &&
                                  !(h->f->node->fs->flags & VFS_FS_RDONLY);
    /* further chunks in the same answer (a program's segments: one request, not one a
     * chunk), while they hold bytes of the file and memory allows */
    unsigned more = 0;
    while (more < m->a[3] && k + 1 + more < FS_MAP_CHUNKS &&
           fs_chunk_first(k + 1 + more) < size_pages && chunk_get(s, mp, k + 1 + more, ss)) {
        m->more[more] = mp->chunk[k + 1 + more].id;
        more++;
    }
    return more;
}

/* WRITE of n bytes to a mapped file at *at (its end with O_APPEND), whose size is size:
 * into the chunks, the plugin told the new size and time; *at moves past them. */
int64_t fs_mapped_write(struct fs_session *ss, struct fs_mapped *mp, struct vfs_file *f,
                        const void *data, uint64_t n, uint64_t *at, uint64_t size)
{
    struct vfs_setattr a = {0};
    uint64_t pos = (f->flags & O_APPEND) ? size : *at;
    int rc;
    if (pos + n > FS_MAP_MAX_PAGES * FS_PAGE)
        return -EFBIG;
    a.mask = VFS_SET_MTIME;
    a.mtime = vfs_now(&ss->s->env);
    if (pos + n > size) {
        a.mask |= VFS_SET_SIZE;
        a.size = pos + n;
        mapped_zero(mp, size, pos); /* a gap reads as zero */
    }
    if (!f->node->fs->ops->setattr)
        return -EPERM;
    rc = f->node->fs->ops->setattr(f->node, &a);
    if (rc < 0)
        return rc;
    rc = fs_mapped_copy(ss->s, mp, pos, NULL, data, n, ss);
    if (rc < 0)
        return rc;
    *at = pos + n;
    return (int64_t)n;
}

void fs_server_set_mem(struct fs_server *s, const struct fs_mem_ops *ops)
{
    s->mem = *ops;
    s->unchanging = fs_server_unchanging(s);
}

void fs_server_collect(struct fs_server *s)
{
    struct fs_mapped **pp = &s->mapped;
    while (*pp) {
        struct fs_mapped *mp = *pp;
        struct linux_stat st;
        bool named = true, keep;
        unsigned k;
        if (vfs_getattr(mp->node, &st) == 0) {
            /* chunks wholly beyond the end (after a truncation) that no client maps */
            uint64_t size_pages = ((uint64_t)st.st_size + FS_PAGE - 1) / FS_PAGE;
            for (k = 1; k < FS_MAP_CHUNKS; k++)
                if (mp->chunk[k].addr && fs_chunk_first(k) >= size_pages &&
                    !s->mem.in_use(s->mem.ctx, mp->chunk[k].id))
                    chunk_free(s, mp, k);
            named = st.st_nlink > 0;
        }
        /* a copy (fs_mirror.c) is kept while a client maps it, no longer */
        keep = !fs_mirrors(mp->node) && (mp->node->refs > 1 || named);
        for (k = 0; k < FS_MAP_CHUNKS && !keep; k++)
            keep = mp->chunk[k].addr && s->mem.in_use(s->mem.ctx, mp->chunk[k].id);
        if (keep) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        fs_mapped_free(s, mp);
    }
}

uint64_t fs_server_mapped_pages(const struct fs_server *s)
{
    return s->mapped_pages;
}

uint32_t fs_session_chunks(const struct fs_session *ss)
{
    return ss->nchunks;
}
