/*
 * pipe: the pipe and FIFO file system (README.md), a hidden tree plugin that its host
 * mounts with vfs_pipe_mount (the runtime's libc/pipe.c, for pipe2 and FIFO files); a
 * configuration cannot mount it.
 *
 * A pipe is a ring in memory the host maps and may share with other processes: a header
 * (struct rt_pipe_ring: bytes written and read ever, the open read and write
 * descriptions of all processes and of each, FIFO opens ever, a spin lock) and
 * VFS_PIPE_SIZE bytes of data. Everything this file knows of other processes is in that
 * header; the host does what needs the kernel: waking waiters (host->wake, after every
 * change), yielding while another process holds the ring's lock, and unmapping a pipe
 * whose ends have both left this process (host->gone).
 *
 * Its two ends are nodes (struct vfs_pipe_end) that the descriptions hold; a FIFO uses
 * end[0] for descriptions of either side (read, write or both) and holds a reference to
 * its file, whose attributes fstat shows. The counts in the header give end of file (no
 * writer left) and EPIPE (no reader left). Writes of at most VFS_PIPE_BUF bytes are
 * atomic: writers serialise on the lock and such a write waits (-EAGAIN) until it fits
 * whole. Nothing here blocks: an empty or full pipe answers -EAGAIN, and the host waits
 * and tries again.
 */
#include <capix/config.h>
#include <capix/posix_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

_Static_assert(VFS_PIPE_SIZE + 4096 == RT_PIPE_AREA, "a header page and the data");

struct pipe_fs {
    struct vfs_fs fs;
    struct vfs_node root;
    const struct vfs_pipe_host *host;
};

static uint64_t next_ino = 1; /* of every instance, as one counter: unique per process */

static const struct vfs_pipe_host *host_of(const struct vfs_pipe *p)
{
    return ((const struct pipe_fs *)(const void *)p->end[0].vn.fs)->host;
}

static const struct vfs_fs_ops pipe_ops;

struct vfs_pipe *vfs_pipe_of(const struct vfs_node *n)
{
    if (!n || !n->fs || n->fs->ops != &pipe_ops || S_ISDIR(n->type))
        return NULL;
    return ((const struct vfs_pipe_end *)(const void *)n)->pipe;
}

/* A FIFO may be open for both (O_RDWR): such a description counts on both sides. */
static bool reads(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool writes(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) != O_RDONLY;
}

/* The bytes the pipe may hold (F_SETPIPE_SZ): the header is shared with other
 * processes, so anything out of range reads as the whole buffer. */
static uint64_t capacity(const struct rt_pipe_ring *r)
{
    uint32_t c = r->capacity;
    return c < 4096 || c > VFS_PIPE_SIZE || (c & (c - 1)) ? VFS_PIPE_SIZE : c;
}

static void ring_lock(struct vfs_pipe *p)
{
    while (__atomic_exchange_n(&p->ring->lock, 1, __ATOMIC_ACQUIRE))
        host_of(p)->yield();
}

static void ring_unlock(struct vfs_pipe *p)
{
    __atomic_store_n(&p->ring->lock, 0, __ATOMIC_RELEASE);
}

/* The open ends: in all, and this process's share (which the launcher takes out of the
 * total if the process dies without closing them). */
static void count(struct vfs_pipe *p, bool reader, int32_t n)
{
    struct rt_pipe_ring *r = p->ring;
    unsigned i = host_of(p)->slot() % RT_MAX_PROCS;
    __atomic_add_fetch(reader ? &r->readers_of[i] : &r->writers_of[i], n, __ATOMIC_ACQ_REL);
    __atomic_add_fetch(reader ? &r->readers : &r->writers, n, __ATOMIC_ACQ_REL);
}

static int64_t pipe_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    struct rt_pipe_ring *r = p->ring;
    uint64_t avail = r->head - r->tail;
    if (!avail)
        return __atomic_load_n(&r->writers, __ATOMIC_ACQUIRE) ? -EAGAIN : 0;
    if (n > avail)
        n = avail;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)((r->tail + done) % VFS_PIPE_SIZE);
        size_t k = VFS_PIPE_SIZE - at < n - done ? VFS_PIPE_SIZE - at : n - done;
        memcpy((uint8_t *)buf + done, p->data + at, k);
        done += k;
    }
    __atomic_add_fetch(&r->tail, n, __ATOMIC_RELEASE);
    host_of(p)->wake(p, 1); /* room for the writers */
    return (int64_t)n;
}

static int64_t pipe_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    struct rt_pipe_ring *r = p->ring;
    if (!__atomic_load_n(&r->readers, __ATOMIC_ACQUIRE))
        return -EPIPE;
    if (!n)
        return 0;
    ring_lock(p);
    uint64_t used = r->head - r->tail, cap = capacity(r);
    uint64_t space = used < cap ? cap - used : 0;
    if (space == 0 || (n <= VFS_PIPE_BUF && space < n)) {
        ring_unlock(p);
        return -EAGAIN; /* full, or no room for an atomic write */
    }
    if (n > space)
        n = space;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)((r->head + done) % VFS_PIPE_SIZE);
        size_t k = VFS_PIPE_SIZE - at < n - done ? VFS_PIPE_SIZE - at : n - done;
        memcpy(p->data + at, (const uint8_t *)buf + done, k);
        done += k;
    }
    __atomic_add_fetch(&r->head, n, __ATOMIC_RELEASE);
    ring_unlock(p);
    host_of(p)->wake(p, 0); /* data for the readers */
    return (int64_t)n;
}

/* A FIFO's description keeps in priv's low 32 bits the other side's opens when it was
 * opened, less one if the other side was open then (the host may keep its own in the
 * high bits): a blocking open waits until that count moves, and a reader hangs up once
 * it moved and no writer is left. So one whose partner was open at its open never
 * waits, as Linux's open checks the other side under the pipe's lock: the partner may
 * have written and closed before the waiting starts (fifotest hung so, about one run in
 * 30, when a spawned writer that the reader's open released wrote and closed at once). */
static int pipe_open(struct vfs_file *f)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    struct rt_pipe_ring *r = p->ring;
    f->stream = true;
    if (reads(f)) {
        count(p, true, 1);
        p->nread++;
    }
    if (writes(f)) {
        count(p, false, 1);
        p->nwrite++;
    }
    if (p->fifo) {
        bool rd = (f->flags & O_ACCMODE) == O_RDONLY;
        uint32_t seen = __atomic_load_n(rd ? &r->write_opens : &r->read_opens, __ATOMIC_ACQUIRE);
        if (reads(f))
            __atomic_add_fetch(&r->read_opens, 1, __ATOMIC_ACQ_REL);
        if (writes(f))
            __atomic_add_fetch(&r->write_opens, 1, __ATOMIC_ACQ_REL);
        /* this side's count went up first (count, above): an open of the other side
         * either sees it or is seen here (both orders are full barriers) */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if ((f->flags & O_ACCMODE) != O_RDWR &&
            __atomic_load_n(rd ? &r->writers : &r->readers, __ATOMIC_SEQ_CST) > 0)
            seen--; /* the partner is here: as if it came after */
        f->priv = (void *)(uintptr_t)seen;
        host_of(p)->wake(p, -1); /* an open waiting for this side goes on */
    }
    return 0;
}

static void pipe_close(struct vfs_file *f)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    if (reads(f)) {
        count(p, true, -1);
        p->nread--;
    }
    if (writes(f)) {
        count(p, false, -1);
        p->nwrite--;
    }
    host_of(p)->wake(p, -1); /* a reader may see end of file now, a writer EPIPE */
    if (host_of(p)->closed)
        host_of(p)->closed(f);
}

void vfs_pipe_drop_end(struct vfs_pipe *p, int e)
{
    p->released[e != 0] = true;
    if (!p->released[0] || !p->released[1])
        return;
    if (p->file)
        vfs_node_put(p->file);
    p->file = NULL;
    host_of(p)->gone(p);
}

/* The last reference to an end is gone; with both ends gone the pipe leaves this
 * process (the nodes live in the pipe, so it goes here, not in close). */
static void pipe_release(struct vfs_node *n)
{
    struct vfs_pipe *p = vfs_pipe_of(n);
    vfs_pipe_drop_end(p, n == &p->end[1].vn);
}

unsigned vfs_pipe_poll(struct vfs_file *f)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    struct rt_pipe_ring *r = p->ring;
    uint64_t used = r->head - r->tail;
    unsigned ev = 0;
    if (reads(f)) {
        if (used)
            ev |= POLLIN | POLLRDNORM;
        /* a FIFO's reader hangs up only once a writer came since it was opened (Linux) */
        if (!r->writers && (!p->fifo || r->write_opens != (uint32_t)(uintptr_t)f->priv))
            ev |= POLLHUP;
    }
    if (writes(f)) {
        uint64_t cap = capacity(r);
        if (used < cap && cap - used >= VFS_PIPE_BUF)
            ev |= POLLOUT | POLLWRNORM;
        if (!r->readers)
            ev |= POLLERR;
    }
    return ev;
}

static unsigned pipe_poll(struct vfs_file *f, unsigned events)
{
    return vfs_pipe_poll(f);
}

static int pipe_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    if (req != FIONREAD)
        return -ENOTTY;
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    int n = (int)(p->ring->head - p->ring->tail); /* either end, as on Linux */
    memcpy(arg, &n, sizeof(n));
    return 0;
}

static int pipe_fcntl(struct vfs_file *f, int cmd, unsigned long arg)
{
    struct vfs_pipe *p = vfs_pipe_of(f->node);
    struct rt_pipe_ring *r = p->ring;
    if (cmd == F_GETPIPE_SZ)
        return (int)capacity(r);
    if (cmd != F_SETPIPE_SZ)
        return -EINVAL;
    /* Linux's rounding: a power of two of pages, one at least; more than 2^31: EINVAL */
    if (arg > (1ul << 31))
        return -EINVAL;
    uint64_t size = 4096;
    while (size < arg)
        size <<= 1;
    if (size > VFS_PIPE_SIZE)
        return -EPERM; /* beyond /proc/sys/fs/pipe-max-size: the buffer is 64 KiB */
    ring_lock(p);
    bool busy = r->head - r->tail > size; /* what it holds must still fit (Linux: EBUSY) */
    if (!busy)
        r->capacity = (uint32_t)size;
    ring_unlock(p);
    if (busy)
        return -EBUSY;
    host_of(p)->wake(p, 1); /* perhaps room for the writers */
    return (int)size;
}

static int pipe_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct vfs_pipe *p = vfs_pipe_of(n);
    if (p && p->file)
        return vfs_getattr(p->file, st); /* a FIFO: its file's */
    st->st_mode = S_IFIFO | 0600;
    st->st_nlink = 1;
    if (p)
        host_of(p)->owner(&st->st_uid, &st->st_gid);
    st->st_blksize = 4096;
    return 0;
}

static void pipe_unmount(struct vfs_fs *fs)
{
    vfs_free(fs->env, fs, sizeof(struct pipe_fs));
}

static const struct vfs_fs_ops pipe_ops = {
    .getattr = pipe_getattr,
    .open = pipe_open,
    .close = pipe_close,
    .release = pipe_release,
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .ioctl = pipe_ioctl,
    .fcntl = pipe_fcntl,
    .unmount = pipe_unmount,
};

static int pipe_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    if (a->cfg)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "pipe: made by the runtime for pipes and FIFOs; a configuration "
                                "does not mount it");
    struct pipe_fs *pf = vfs_zalloc(a->env, sizeof *pf);
    if (!pf)
        return -ENOMEM;
    pf->fs.ops = &pipe_ops;
    pf->fs.env = a->env;
    pf->root.fs = &pf->fs;
    pf->root.type = S_IFDIR;
    pf->root.ino = next_ino++;
    pf->root.refs = 1;
    pf->fs.root = &pf->root;
    *out = &pf->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_pipe = {
    .name = "pipe",
    .kind = VFS_PLUGIN_TREE,
    .mount = pipe_mount,
};

int vfs_pipe_mount(struct vfs *v, const struct vfs_pipe_host *host, struct vfs_fs **out)
{
    struct cfg_error err;
    int rc = vfs_mount_hidden(v, &vfs_plugin_pipe, NULL, out, &err);
    if (rc == 0)
        ((struct pipe_fs *)(void *)*out)->host = host;
    return rc;
}

void vfs_pipe_init(struct vfs_fs *fs, struct vfs_pipe *p, struct rt_pipe_ring *ring, uint8_t *data)
{
    memset(p, 0, sizeof(*p));
    p->ring = ring;
    p->data = data;
    for (int e = 0; e < 2; e++) {
        p->end[e].pipe = p;
        p->end[e].vn.fs = fs;
        p->end[e].vn.type = S_IFIFO;
        p->end[e].vn.ino = next_ino++;
        p->end[e].vn.refs = 0; /* the descriptions hold the ends */
    }
}

void vfs_pipe_recount(struct vfs_pipe *p)
{
    count(p, true, (int32_t)p->nread);
    count(p, false, (int32_t)p->nwrite);
}
