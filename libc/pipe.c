/*
 * Pipes between processes: pipe and pipe2. A pipe is a shared memory object (a header
 * page and 64 KiB of data, as Linux's default capacity) and a notification, both made
 * by the launcher, which copies them to a fork child as well (RT_LABEL_SHARED_NEW).
 * Each process maps the buffer at the same address (area i of RT_PIPES_BASE), with
 * CX_MAP_SHARE so that a fork keeps sharing it.
 *
 * The two ends are nodes of a hidden file system of this runtime plugin. The header
 * counts the open read and write descriptions of all processes (a fork child adds
 * its inherited ones), which gives end of file and EPIPE. Writes of at most PIPE_BUF
 * (4096) bytes are atomic: writers serialise on a spin lock in the header. The VFS
 * never blocks: an empty or full pipe answers -EAGAIN, and the runtime (fs.c) waits
 * for a change of the side's count in the header (futex words after the launcher's
 * part, struct pipe_waits), which every change bumps, then tries again; every change
 * also signals the pipe's notification, on which poll and select wait.
 *
 * FIFOs (named pipes) are the same pipes, found by the file's identity: opening a FIFO
 * file (vfs_env.fifo_open) asks the launcher for the pipe of (st_dev, st_ino)
 * (RT_LABEL_FIFO), which the first opener of the sandbox makes and the last close
 * frees. Such a pipe has one node here for all its descriptions (read, write or both),
 * and holds a reference to the file, whose attributes fstat shows. The header counts
 * the opens of each side ever made, so that a blocking open waits (rt_fifo_open_wait,
 * after the VFS made the description) until the other side has been opened, as Linux's
 * open does.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "fdkinds.h"

#define PIPE_SIZE (64 * 1024u)
#define PIPE_BUF 4096u
#define PIPE_WAIT_SAFETY_NS 100000000ull /* a blocked end looks again after 100 ms */

#define ring rt_pipe_ring /* capix/posix_protocol.h: the launcher reads the counts too */

struct pipe {
    unsigned index; /* area index */
    uint64_t id, slot_mem, slot_notif;
    struct ring *ring;
    uint8_t *data;
    unsigned nread, nwrite; /* open descriptions of each end in this process */
    bool released[2];       /* no reference to that end is left in this process */
    struct vfs_node end[2]; /* read end, write end (a FIFO: end[0] for all) */
    bool fifo;
    uint64_t fifo_dev, fifo_ino;
    struct vfs_node *file; /* a FIFO: its file (one reference) */
    struct pipe *next;
};

static struct vfs_fs *pipe_fs;
static struct pipe *pipes;
static uint8_t area_used[RT_MAX_PIPES];
static uint64_t next_ino = 1;

static struct pipe *pipe_of(struct vfs_node *n)
{
    for (struct pipe *p = pipes; p; p = p->next)
        if (n == &p->end[0] || n == &p->end[1])
            return p;
    return NULL;
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

static void ring_lock(struct ring *r)
{
    while (__atomic_exchange_n(&r->lock, 1, __ATOMIC_ACQUIRE))
        cx_yield();
}

static void ring_unlock(struct ring *r)
{
    __atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
}

/* The open ends: in all, and this process's share (which the launcher takes out of the
 * total if the process dies without closing them). */
static void count(struct pipe *p, bool reader, int32_t n)
{
    unsigned i = (unsigned)rt->proc_index % RT_MAX_PROCS;
    __atomic_add_fetch(reader ? &p->ring->readers_of[i] : &p->ring->writers_of[i], n,
                       __ATOMIC_ACQ_REL);
    __atomic_add_fetch(reader ? &p->ring->readers : &p->ring->writers, n, __ATOMIC_ACQ_REL);
}

/* In the header page after the launcher's part: for each side (0 the readers, 1 the
 * writers) a count of the changes its blocked calls wait for and how many sleep on it
 * (futex words: a notification wakes one waiter, which may be the wrong end's, and a
 * wake taken so was lost; docs/unix-sockets.md, "Waits", has the story). */
struct pipe_waits {
    volatile uint32_t ev[2], waiters[2];
};
#define PIPE_WAITS_OFF 2048u
_Static_assert(sizeof(struct rt_pipe_ring) <= PIPE_WAITS_OFF, "the waits after the counts");

static struct pipe_waits *waits_of(struct pipe *p)
{
    return (struct pipe_waits *)((uint8_t *)p->ring + PIPE_WAITS_OFF);
}

/* Tells side's blocked calls (-1: both sides') and the pollers that p changed. */
static void wake_side(struct pipe *p, int side)
{
    struct pipe_waits *w = waits_of(p);
    for (int d = 0; d < 2; d++) {
        if (side >= 0 && d != side)
            continue;
        /* the count first, then the sleepers: a waiter counts itself before it reads the
         * count, so either it sees this change or this sees it asleep */
        __atomic_add_fetch(&w->ev[d], 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&w->waiters[d], __ATOMIC_SEQ_CST)) {
            uint64_t woken;
            cx_futex_wake(rt->slot_pd, (uint64_t)&w->ev[d], 1u << 30, &woken);
        }
    }
    cx_notif_signal(p->slot_notif, 1); /* poll and select wait on the notification */
}

static void wake(struct pipe *p)
{
    wake_side(p, -1);
}

/* Sleeps, without the runtime lock, while side's change count of p is still seen (up
 * to the safety bound: the launcher tells of a killed process's ends by the
 * notification only): the kernel's answer. */
static long sleep_unless(struct pipe *p, int side, uint32_t seen)
{
    rt_unlock();
    long err =
        cx_futex_wait(rt->slot_pd, (uint64_t)&waits_of(p)->ev[side], seen, PIPE_WAIT_SAFETY_NS);
    rt_lock();
    return err;
}

static int64_t pipe_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct pipe *p = pipe_of(f->node);
    struct ring *r = p->ring;
    uint64_t avail = r->head - r->tail;
    if (!avail)
        return __atomic_load_n(&r->writers, __ATOMIC_ACQUIRE) ? -EAGAIN : 0;
    if (n > avail)
        n = avail;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)((r->tail + done) % PIPE_SIZE);
        size_t k = PIPE_SIZE - at < n - done ? PIPE_SIZE - at : n - done;
        memcpy((uint8_t *)buf + done, p->data + at, k);
        done += k;
    }
    __atomic_add_fetch(&r->tail, n, __ATOMIC_RELEASE);
    wake_side(p, 1); /* room for the writers */
    return (int64_t)n;
}

static int64_t pipe_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct pipe *p = pipe_of(f->node);
    struct ring *r = p->ring;
    if (!__atomic_load_n(&r->readers, __ATOMIC_ACQUIRE))
        return -EPIPE;
    if (!n)
        return 0;
    ring_lock(r);
    uint64_t space = PIPE_SIZE - (r->head - r->tail);
    if (space == 0 || (n <= PIPE_BUF && space < n)) {
        ring_unlock(r);
        return -EAGAIN; /* full, or no room for an atomic write */
    }
    if (n > space)
        n = space;
    for (size_t done = 0; done < n;) {
        size_t at = (size_t)((r->head + done) % PIPE_SIZE);
        size_t k = PIPE_SIZE - at < n - done ? PIPE_SIZE - at : n - done;
        memcpy(p->data + at, (const uint8_t *)buf + done, k);
        done += k;
    }
    __atomic_add_fetch(&r->head, n, __ATOMIC_RELEASE);
    ring_unlock(r);
    wake_side(p, 0); /* data for the readers */
    return (int64_t)n;
}

/* A FIFO's description keeps in priv the other side's opens when it was opened. */
static int pipe_open(struct vfs_file *f)
{
    struct pipe *p = pipe_of(f->node);
    struct ring *r = p->ring;
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
        f->priv = (void *)(uintptr_t)__atomic_load_n(rd ? &r->write_opens : &r->read_opens,
                                                     __ATOMIC_ACQUIRE);
        if (reads(f))
            __atomic_add_fetch(&r->read_opens, 1, __ATOMIC_ACQ_REL);
        if (writes(f))
            __atomic_add_fetch(&r->write_opens, 1, __ATOMIC_ACQ_REL);
        wake(p); /* an open waiting for this side goes on */
    }
    return 0;
}

static void pipe_unmap(struct pipe *p)
{
    cx_unmap(rt->slot_pd, RT_PIPES_BASE + p->index * RT_PIPE_AREA, RT_PIPE_AREA / CX_PAGE_SIZE);
    cx_cap_delete(p->slot_mem);
    cx_cap_delete(p->slot_notif);
    rt_slot_free(p->slot_mem);
    rt_slot_free(p->slot_notif);
    cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), p->id, 0, 0, 0);
    area_used[p->index] = 0;
}

static void pipe_close(struct vfs_file *f)
{
    struct pipe *p = pipe_of(f->node);
    if (reads(f)) {
        count(p, true, -1);
        p->nread--;
    }
    if (writes(f)) {
        count(p, false, -1);
        p->nwrite--;
    }
    wake(p); /* a reader may see end of file now, a writer EPIPE */
}

/* The last reference to an end is gone; with both ends gone the pipe leaves this
 * process (the nodes live in struct pipe, so it is freed here, not in close). */
static void pipe_release(struct vfs_node *n)
{
    struct pipe *p = pipe_of(n);
    p->released[n == &p->end[1]] = true;
    if (!p->released[0] || !p->released[1])
        return;
    pipe_unmap(p);
    if (p->file)
        vfs_node_put(p->file);
    for (struct pipe **pp = &pipes; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    rt_free(p, sizeof(*p));
}

static unsigned pipe_poll(struct vfs_file *f, unsigned events)
{
    struct pipe *p = pipe_of(f->node);
    struct ring *r = p->ring;
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
        if (PIPE_SIZE - used >= PIPE_BUF)
            ev |= POLLOUT | POLLWRNORM;
        if (!r->readers)
            ev |= POLLERR;
    }
    return ev;
}

static int pipe_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    if (req != FIONREAD)
        return -ENOTTY;
    struct pipe *p = pipe_of(f->node);
    int n = (int)(p->ring->head - p->ring->tail); /* either end, as on Linux */
    memcpy(arg, &n, sizeof(n));
    return 0;
}

static int pipe_fcntl(struct vfs_file *f, int cmd, unsigned long arg)
{
    if (cmd == F_GETPIPE_SZ)
        return (int)PIPE_SIZE;
    if (cmd == F_SETPIPE_SZ)
        return arg <= PIPE_SIZE ? (int)PIPE_SIZE : -EPERM; /* the size stays 64 KiB */
    return -EINVAL;
}

static int pipe_getattr(struct vfs_node *n, struct linux_stat *st)
{
    struct pipe *p = pipe_of(n);
    if (p && p->file)
        return vfs_getattr(p->file, st); /* a FIFO: its file's */
    st->st_mode = S_IFIFO | 0600;
    st->st_nlink = 1;
    st->st_uid = rt_uid;
    st->st_gid = rt_gid;
    st->st_blksize = 4096;
    return 0;
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
};

static struct vfs_node pipe_root;

static int pipe_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    fs.ops = &pipe_ops;
    pipe_root.fs = &fs;
    pipe_root.type = S_IFDIR;
    pipe_root.ino = next_ino++;
    pipe_root.refs = 1;
    fs.root = &pipe_root;
    *out = &fs;
    return 0;
}

static const struct vfs_plugin pipe_plugin = {
    .name = "pipe",
    .kind = VFS_PLUGIN_TREE,
    .mount = pipe_mount,
};

/* A pipe area for another object shared across fork (fdkinds.c's eventfds, unix.c's
 * sockets): its index,
 * or -ENFILE when all are taken. rt_pipe_area_free gives it back. */
int rt_pipe_area_claim(void)
{
    for (unsigned i = 0; i < RT_MAX_PIPES; i++)
        if (!area_used[i]) {
            area_used[i] = 1;
            return (int)i;
        }
    return -ENFILE;
}

void rt_pipe_area_free(unsigned index)
{
    if (index < RT_MAX_PIPES)
        area_used[index] = 0;
}

/* What changed in a pipe, ever: bytes written (events POLLIN) plus bytes read (POLLOUT).
 * epoll's EPOLLET reports a ready end again after it changed. 0 if f is no pipe. */
uint64_t rt_pipe_generation(struct vfs_file *f, unsigned events)
{
    struct pipe *p = pipe_fs && f->node->fs == pipe_fs ? pipe_of(f->node) : NULL;
    if (!p)
        return 0;
    return 1 + (events & POLLIN ? p->ring->head : 0) + (events & POLLOUT ? p->ring->tail : 0);
}

/* Mounts the hidden file system of pipes on first use: 0 or -ENOMEM. */
static int pipe_fs_ready(void)
{
    struct cfg_error err;
    if (!pipe_fs && vfs_mount_hidden(rt_vfs, &pipe_plugin, NULL, &pipe_fs, &err))
        return -ENOMEM;
    return 0;
}

/* A pipe mapped into a free area: a new one (fifo false), or the FIFO pipe of
 * (dev, ino) from the launcher. Its nodes have no reference yet. */
static long pipe_new(bool fifo, uint64_t dev, uint64_t ino, uint64_t ticket, struct pipe **out)
{
    unsigned index = 0;
    while (index < RT_MAX_PIPES && area_used[index])
        index++;
    if (index == RT_MAX_PIPES)
        return -ENFILE;
    struct pipe *p = rt_alloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    p->index = index;
    p->slot_mem = rt_slot_alloc();
    p->slot_notif = rt_slot_alloc();
    long id = -ENOMEM;
    if (p->slot_mem && p->slot_notif) {
        struct cx_ret r =
            fifo     ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_FIFO, 4, 0), dev, ino, p->slot_mem,
                                       p->slot_notif)
            : ticket ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 4, 0), RT_PASS_TAKE, ticket,
                                       p->slot_mem, p->slot_notif)
                     : cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_NEW, 3, 0),
                                       RT_PIPE_AREA / CX_PAGE_SIZE, p->slot_mem, p->slot_notif, 0);
        id = r.err ? -ENOMEM : (long)r.rdx;
    }
    uint64_t va = RT_PIPES_BASE + index * RT_PIPE_AREA;
    if (id > 0 && cx_map(rt->slot_pd, p->slot_mem, 0, va, RT_PIPE_AREA / CX_PAGE_SIZE,
                         CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)) {
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
        id = -ENOMEM;
    }
    if (id <= 0) {
        cx_cap_delete(p->slot_mem);
        cx_cap_delete(p->slot_notif);
        rt_slot_free(p->slot_mem);
        rt_slot_free(p->slot_notif);
        rt_free(p, sizeof(*p));
        return id < 0 ? id : -ENOMEM;
    }
    area_used[index] = 1;
    p->id = (uint64_t)id;
    p->ring = (struct ring *)va;
    p->data = (uint8_t *)va + CX_PAGE_SIZE;
    for (int e = 0; e < 2; e++) {
        p->end[e].fs = pipe_fs;
        p->end[e].type = S_IFIFO;
        p->end[e].ino = next_ino++;
        p->end[e].refs = 0; /* the descriptions hold the ends */
    }
    p->fifo = fifo;
    p->fifo_dev = dev;
    p->fifo_ino = ino;
    p->next = pipes;
    pipes = p;
    *out = p;
    return 0;
}

long rt_pipe2(int *fds, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    if ((uint64_t)fds < 0x10000)
        return -EFAULT;
    struct pipe *p;
    long rc = pipe_fs_ready();
    if (!rc)
        rc = pipe_new(false, 0, 0, 0, &p);
    if (rc)
        return rc;
    /* the two descriptions; the nodes hold the pipe while any is open */
    uint32_t status = (uint32_t)(flags & O_NONBLOCK);
    struct vfs_file *rf = NULL, *wf = NULL;
    int r1 = vfs_file_open_node(&p->end[0], O_RDONLY | status, &rf);
    int r2 = r1 ? r1 : vfs_file_open_node(&p->end[1], O_WRONLY | status, &wf);
    int fd0 = r2 ? r2 : vfs_install_fd(rt_vfs, rf, 0, flags & O_CLOEXEC);
    if (fd0 < 0) {
        if (rf)
            vfs_file_put(rf);
        if (wf)
            vfs_file_put(wf);
        if (!rf) /* no description ever held the ends */
            p->released[0] = true, pipe_release(&p->end[1]);
        else if (!wf)
            pipe_release(&p->end[1]);
        return fd0;
    }
    int fd1 = vfs_install_fd(rt_vfs, wf, 0, flags & O_CLOEXEC);
    if (fd1 < 0) {
        vfs_close(rt_vfs, fd0);
        vfs_file_put(wf);
        return fd1;
    }
    fds[0] = fd0;
    fds[1] = fd1;
    return 0;
}

/* ---- descriptors in flight (SCM_RIGHTS, unix_rights.c) ---- */

long rt_pipe_pass(struct vfs_file *f, uint64_t *id, unsigned *counts, uint32_t *accmode, int delta)
{
    struct pipe *p = pipe_fs && f->node->fs == pipe_fs ? pipe_of(f->node) : NULL;
    if (!p || (f->flags & O_ACCMODE) == O_RDWR) /* (a FIFO open for both: not passed) */
        return -EOPNOTSUPP;
    *id = p->id;
    *counts = (reads(f) ? 1u : 0u) | (writes(f) ? 2u : 0u);
    *accmode = f->flags & O_ACCMODE;
    if (reads(f))
        __atomic_add_fetch(&p->ring->readers, delta, __ATOMIC_ACQ_REL);
    if (writes(f))
        __atomic_add_fetch(&p->ring->writers, delta, __ATOMIC_ACQ_REL);
    return 0;
}

long rt_pipe_adopt(uint64_t ticket, uint32_t accmode, uint32_t status, uint32_t fdflags)
{
    struct pipe *p;
    if (accmode != O_RDONLY && accmode != O_WRONLY)
        return -EIO;
    long rc = pipe_fs_ready();
    if (!rc)
        rc = pipe_new(false, 0, 0, ticket, &p);
    if (rc)
        return rc;
    struct vfs_file *f = NULL;
    int e = accmode == O_WRONLY;
    p->released[!e] = true; /* only this end is held here */
    rc = vfs_file_open_node(&p->end[e], accmode | (status & O_NONBLOCK), &f);
    /* the new description counts itself (pipe_open); the one in flight goes */
    __atomic_sub_fetch(e ? &p->ring->writers : &p->ring->readers, 1, __ATOMIC_ACQ_REL);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (fdflags & O_CLOEXEC) != 0);
    if (fd < 0) {
        if (f)
            vfs_file_put(f); /* releases the end, and the pipe with it */
        else
            pipe_release(&p->end[e]);
    }
    return fd;
}

/* A fork child: its inherited descriptions of each pipe count as open ends too. */
/* The process entered a program's own tree (programs.c): pipes made from now on live in
 * the new tree's hidden mount; pipes already open keep working through their own. */
void rt_pipes_after_narrow(void)
{
    pipe_fs = NULL;
    rt_unix_after_narrow();
}

/* The same by address (unix.c's shared objects): a free area's address, or 0. */
uint64_t rt_pipe_area_take(void)
{
    int i = rt_pipe_area_claim();
    return i < 0 ? 0 : RT_PIPES_BASE + (uint64_t)i * RT_PIPE_AREA;
}

void rt_pipe_area_give(uint64_t va)
{
    uint64_t i = (va - RT_PIPES_BASE) / RT_PIPE_AREA;
    if (va >= RT_PIPES_BASE && i < RT_MAX_PIPES)
        rt_pipe_area_free((unsigned)i);
}

void rt_pipes_after_fork(void)
{
    for (struct pipe *p = pipes; p; p = p->next) {
        count(p, true, (int32_t)p->nread);
        count(p, false, (int32_t)p->nwrite);
    }
}

/* Waits until f (a pipe end) may be ready for events: 1, or 0 if f is no pipe, or
 * -EINTR for a signal. Called with the runtime lock held; drops it while waiting. */
int rt_pipe_wait(struct vfs_file *f, unsigned events)
{
    struct pipe *p = pipe_fs && f->node->fs == pipe_fs ? pipe_of(f->node) : NULL;
    if (!p)
        return 0;
    int side = (events & POLLIN) ? 0 : 1, rc = 1;
    struct pipe_waits *w = waits_of(p);
    vfs_file_get(f); /* the pipe stays mapped while this waits, whoever closes f */
    __atomic_add_fetch(&w->waiters[side], 1, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t seen = __atomic_load_n(&w->ev[side], __ATOMIC_SEQ_CST);
        if (pipe_poll(f, events) & (events | POLLHUP | POLLERR))
            break;
        /* a reader's read returns once no writer is left, whether or not one came since
         * it opened: that rule is poll's POLLHUP only (a FIFO whose writer opened just
         * before its reader, wrote and closed, left the reader waiting for ever) */
        if (side == 0 && !__atomic_load_n(&p->ring->writers, __ATOMIC_ACQUIRE))
            break;
        long err = sleep_unless(p, side, seen);
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
    }
    __atomic_sub_fetch(&w->waiters[side], 1, __ATOMIC_SEQ_CST);
    vfs_file_put(f);
    return rc;
}

/* The notification a pipe end's changes signal, or 0 if f is no pipe. */
uint64_t rt_pipe_notif(struct vfs_file *f)
{
    struct pipe *p = pipe_fs && f->node->fs == pipe_fs ? pipe_of(f->node) : NULL;
    return p ? p->slot_notif : 0;
}

/* vfs_env.fifo_open: a description of FIFO file node's pipe for open's flags. Does not
 * wait for the other side (rt_fifo_open_wait does, after the open). */
int rt_fifo_open(void *ctx, struct vfs_node *node, uint32_t flags, struct vfs_file **out)
{
    (void)ctx;
    struct pipe *p = NULL;
    int rc = pipe_fs_ready();
    if (rc)
        return rc;
    for (struct pipe *q = pipes; q && !p; q = q->next)
        if (q->fifo && !q->released[0] && q->end[0].fs == pipe_fs && q->fifo_dev == node->fs->dev &&
            q->fifo_ino == node->ino)
            p = q;
    if (!p) {
        long r = pipe_new(true, node->fs->dev, node->ino, 0, &p);
        if (r)
            return (int)r;
        p->released[1] = true; /* a FIFO uses end[0] only */
        p->file = node;
        vfs_node_get(node);
    }
    if ((flags & O_ACCMODE) == O_WRONLY && (flags & O_NONBLOCK) &&
        !__atomic_load_n(&p->ring->readers, __ATOMIC_ACQUIRE))
        rc = -ENXIO; /* no reader, and no waiting */
    else
        rc = vfs_file_open_node(&p->end[0], flags, out);
    if (rc && !p->end[0].refs)
        pipe_release(&p->end[0]); /* no description holds it: it leaves this process */
    return rc;
}

/* After open made descriptor fd: if it is a FIFO opened blocking for one side only,
 * waits until the other side has been opened since (or is open). 0, or -EINTR for a
 * signal (the caller closes fd). Called with the runtime lock held; drops it while
 * waiting. */
int rt_fifo_open_wait(int fd)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    struct pipe *p = f && pipe_fs && f->node->fs == pipe_fs ? pipe_of(f->node) : NULL;
    uint32_t acc = f ? f->flags & O_ACCMODE : 0;
    if (!p || !p->fifo || (f->flags & O_NONBLOCK) || (acc != O_RDONLY && acc != O_WRONLY))
        return 0;
    struct ring *r = p->ring;
    uint32_t seen = (uint32_t)(uintptr_t)f->priv;
    volatile int32_t *others = acc == O_RDONLY ? &r->writers : &r->readers;
    volatile uint32_t *opens = acc == O_RDONLY ? &r->write_opens : &r->read_opens;
    /* an open of the other side changes both sides' counts (pipe_open wakes both) */
    int side = acc == O_RDONLY ? 0 : 1, rc = 0;
    struct pipe_waits *w = waits_of(p);
    vfs_file_get(f);
    __atomic_add_fetch(&w->waiters[side], 1, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t ev = __atomic_load_n(&w->ev[side], __ATOMIC_SEQ_CST);
        if (__atomic_load_n(others, __ATOMIC_ACQUIRE) ||
            __atomic_load_n(opens, __ATOMIC_ACQUIRE) != seen)
            break;
        long err = sleep_unless(p, side, ev);
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (vfs_fd_file(rt_vfs, fd) != f)
            break; /* another thread closed it meanwhile */
    }
    __atomic_sub_fetch(&w->waiters[side], 1, __ATOMIC_SEQ_CST);
    vfs_file_put(f);
    return rc;
}
