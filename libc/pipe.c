/*
 * Pipes between processes, the runtime's part: pipe and pipe2, FIFO files, pipes passed
 * over AF_UNIX sockets, and the waits. The file system of pipes (their reads, writes,
 * counts, poll, FIFO opens) is the `pipe` plugin, vfs-plugins/pipe/; this file is what
 * needs the kernel and the launcher, so it cannot be built on the host.
 *
 * A pipe is a shared memory object (a header page and 64 KiB of data, as Linux's default
 * capacity) and a notification, both made by the launcher, which copies them to a fork
 * child as well (RT_LABEL_SHARED_NEW). Each process maps the buffer at the same address
 * (area i of RT_PIPES_BASE), with CX_MAP_SHARE so that a fork keeps sharing it. The
 * plugin never blocks: an empty or full pipe answers -EAGAIN, and the runtime (fs.c)
 * waits here for a change of the side's count in the header (futex words after the
 * launcher's part, struct pipe_waits), which every change bumps (the plugin's
 * host->wake), then tries again; every change also signals the pipe's notification, on
 * which poll and select wait.
 *
 * Status flags live in the header too (rt_file_status): a pipe's per end, a FIFO's per
 * description in a slot (fslot) counted by the processes that hold it.
 *
 * FIFOs (named pipes) are the same pipes, found by the file's identity: opening a FIFO
 * file (vfs_env.fifo_open) asks the launcher for the pipe of (st_dev, st_ino)
 * (RT_LABEL_FIFO), which the first opener of the sandbox makes and the last close
 * frees. Such a pipe has one node here for all its descriptions. The header counts the
 * opens of each side ever made, so that a blocking open waits (rt_fifo_open_wait, after
 * the VFS made the description) until the other side has been opened, as Linux's open
 * does.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>
#include "runtime.h"
#include "fdkinds.h"

#define PIPE_WAIT_SAFETY_NS 100000000ull /* a blocked end looks again after 100 ms */

/* A pipe of this process: the plugin's, and what the kernel and the launcher gave. */
struct pipe {
    struct vfs_pipe vp; /* first: a struct vfs_pipe of ours is a struct pipe */
    unsigned index;     /* area index */
    uint64_t id, slot_mem, slot_notif;
    uint64_t fifo_dev, fifo_ino;
    struct pipe *next;
};

static struct vfs_fs *pipe_fs;
static struct pipe *pipes;
static uint8_t area_used[RT_MAX_PIPES];

#define FIFO_SLOTS 64 /* FIFO descriptions with shared status flags at once; more: own */

/* In the header page after the launcher's part: for each side (0 the readers, 1 the
 * writers) a count of the changes its blocked calls wait for and how many sleep on it
 * (futex words: a notification wakes one waiter, which may be the wrong end's, and a
 * wake taken so was lost; docs/unix-sockets.md, "Waits", has the story). */
struct pipe_waits {
    volatile uint32_t ev[2], waiters[2];
    volatile uint32_t status[2]; /* a pipe's (not a FIFO's): each end's one description's */
                                 /* status flags (rt_file_status) */
    volatile uint32_t fifo;      /* 1: a FIFO's (a received end of it looks like a pipe's) */
    struct {                     /* a FIFO's descriptions' status flags, one slot each */
        volatile uint32_t refs;  /* processes (and messages) holding the description */
        volatile uint32_t status;
    } fslot[FIFO_SLOTS];
};
#define PIPE_WAITS_OFF 2048u
_Static_assert(PIPE_WAITS_OFF + sizeof(struct pipe_waits) <= CX_PAGE_SIZE, "in the header page");
_Static_assert(sizeof(struct rt_pipe_ring) <= PIPE_WAITS_OFF, "the waits after the counts");

static struct pipe_waits *waits_of(struct pipe *p)
{
    return (struct pipe_waits *)((uint8_t *)p->vp.ring + PIPE_WAITS_OFF);
}

/* The plugin's host->wake: tells side's blocked calls (-1: both sides') and the
 * pollers that p changed. */
static void host_wake(struct vfs_pipe *vp, int side)
{
    struct pipe *p = (struct pipe *)vp;
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
/* The pipe of description f, if f is an end of the current pipe file system's. */
static struct pipe *pipe_of(struct vfs_file *f)
{
    return f && pipe_fs && f->node->fs == pipe_fs ? (struct pipe *)vfs_pipe_of(f->node) : NULL;
}

/* A pipe (pipe, pipe2) has one description of each end, shared by fork, dup and
 * SCM_RIGHTS: its status flags live in the header. A FIFO's opens each make a
 * description of their own: each takes a slot of the header's (fslot, while one is
 * free), whose number (from 1) it keeps in priv's high half; the slot counts the
 * processes that hold the description (a fork child's, a receiver's) and goes with the
 * last. A process killed holding one leaves it taken until the FIFO goes. */
static unsigned fifo_slot_of(const struct vfs_file *f)
{
    uint64_t s = (uint64_t)(uintptr_t)f->priv >> 32;
    return s <= FIFO_SLOTS ? (unsigned)s : 0;
}

volatile uint32_t *rt_pipe_status_word(struct vfs_file *f)
{
    struct pipe *p = pipe_of(f);
    if (!p)
        return NULL;
    unsigned s = fifo_slot_of(f);
    if (s)
        return &waits_of(p)->fslot[s - 1].status;
    if (p->vp.fifo || __atomic_load_n(&waits_of(p)->fifo, __ATOMIC_ACQUIRE))
        return NULL; /* a FIFO's description without a slot: its own flags */
    return &waits_of(p)->status[f->node == &p->vp.end[1].vn];
}

/* The FIFO descriptions of this process that hold a slot (a fork child holds them too). */
struct fifo_desc {
    struct vfs_file *f;
    struct pipe *p;
    struct fifo_desc *next;
};
static struct fifo_desc *fifo_descs;

static void fifo_slot_ref(struct pipe *p, unsigned s, int delta)
{
    __atomic_add_fetch(&waits_of(p)->fslot[s - 1].refs, (uint32_t)delta, __ATOMIC_ACQ_REL);
}

/* Gives f (a new description of FIFO p) slot s, counted already (0: none). */
static void fifo_slot_keep(struct vfs_file *f, struct pipe *p, unsigned s)
{
    struct fifo_desc *d = s ? rt_alloc(sizeof(*d)) : NULL;
    if (!d) {
        if (s)
            fifo_slot_ref(p, s, -1);
        return;
    }
    d->f = f;
    d->p = p;
    d->next = fifo_descs;
    fifo_descs = d;
    f->priv = (void *)(uintptr_t)((uint32_t)(uintptr_t)f->priv | (uint64_t)s << 32);
}

/* A free slot of FIFO p for a new description with status flags, counted: its number
 * from 1, or 0 if none is free. */
static unsigned fifo_slot_take(struct pipe *p, uint32_t flags)
{
    struct pipe_waits *w = waits_of(p);
    for (unsigned i = 0; i < FIFO_SLOTS; i++) {
        uint32_t zero = 0;
        if (__atomic_compare_exchange_n(&w->fslot[i].refs, &zero, 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&w->fslot[i].status, RT_STATUS_SET | (flags & RT_STATUS_SHARED),
                             __ATOMIC_RELEASE);
            return i + 1;
        }
    }
    return 0;
}

/* The plugin's host->closed: a FIFO description's slot loses this process. */
static void host_closed(struct vfs_file *f)
{
    for (struct fifo_desc **dd = &fifo_descs; *dd; dd = &(*dd)->next) {
        struct fifo_desc *d = *dd;
        if (d->f != f)
            continue;
        fifo_slot_ref(d->p, fifo_slot_of(f), -1);
        *dd = d->next;
        rt_free(d, sizeof(*d));
        return;
    }
}

/* Fork: the child's share of every slot, taken by the parent before the fork (so that
 * a close by the parent meanwhile does not free a slot the child holds), given back if
 * the fork failed; a vfork child that executes takes its own as it starts. */
static bool fifo_refs_taken;

void rt_fifos_before_fork(void)
{
    for (struct fifo_desc *d = fifo_descs; d; d = d->next)
        fifo_slot_ref(d->p, fifo_slot_of(d->f), 1);
    fifo_refs_taken = true;
}

void rt_fifos_fork_done(bool failed)
{
    fifo_refs_taken = false;
    if (failed)
        for (struct fifo_desc *d = fifo_descs; d; d = d->next)
            fifo_slot_ref(d->p, fifo_slot_of(d->f), -1);
}

uint64_t rt_pipe_generation(struct vfs_file *f, unsigned events)
{
    struct pipe *p = pipe_of(f);
    if (!p)
        return 0;
    return 1 + (events & POLLIN ? p->vp.ring->head : 0) + (events & POLLOUT ? p->vp.ring->tail : 0);
}

static void host_yield(void)
{
    cx_yield();
}

static unsigned host_slot(void)
{
    return (unsigned)rt->proc_index;
}

static void host_owner(uint32_t *uid, uint32_t *gid)
{
    *uid = rt_uid;
    *gid = rt_gid;
}

/* Both ends left this process: the pipe leaves it. */
static void host_gone(struct vfs_pipe *vp)
{
    struct pipe *p = (struct pipe *)vp;
    pipe_unmap(p);
    for (struct pipe **pp = &pipes; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    rt_free(p, sizeof(*p));
}

static const struct vfs_pipe_host pipe_host = {
    .wake = host_wake,
    .yield = host_yield,
    .slot = host_slot,
    .owner = host_owner,
    .gone = host_gone,
    .closed = host_closed,
};

/* Mounts the hidden file system of pipes on first use: 0 or -ENOMEM. */
static int pipe_fs_ready(void)
{
    if (!pipe_fs && vfs_pipe_mount(rt_vfs, &pipe_host, &pipe_fs))
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
    vfs_pipe_init(pipe_fs, &p->vp, (struct rt_pipe_ring *)va, (uint8_t *)va + CX_PAGE_SIZE);
    p->vp.fifo = fifo;
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
    if (!rt_user_write((uint64_t)fds, 2 * sizeof(int))) /* before any descriptor is made */
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
    int r1 = vfs_file_open_node(&p->vp.end[0].vn, O_RDONLY | status, &rf);
    int r2 = r1 ? r1 : vfs_file_open_node(&p->vp.end[1].vn, O_WRONLY | status, &wf);
    int fd0 = r2 ? r2 : vfs_install_fd(rt_vfs, rf, 0, flags & O_CLOEXEC);
    if (fd0 < 0) {
        if (rf)
            vfs_file_put(rf);
        if (wf)
            vfs_file_put(wf);
        if (!rf) /* no description ever held the ends */
            p->vp.released[0] = true, vfs_pipe_drop_end(&p->vp, 1);
        else if (!wf)
            vfs_pipe_drop_end(&p->vp, 1);
        return fd0;
    }
    int fd1 = vfs_install_fd(rt_vfs, wf, 0, flags & O_CLOEXEC);
    if (fd1 < 0) {
        vfs_close(rt_vfs, fd0);
        vfs_file_put(wf);
        return fd1;
    }
    rt_file_status_publish(rf);
    rt_file_status_publish(wf);
    fds[0] = fd0;
    fds[1] = fd1;
    return 0;
}

/* ---- descriptors in flight (SCM_RIGHTS, unix_rights.c) ---- */

long rt_pipe_pass(struct vfs_file *f, uint64_t *id, unsigned *counts, uint32_t *accmode,
                  unsigned *slot, int delta)
{
    struct pipe *p = pipe_of(f);
    if (!p || (f->flags & O_ACCMODE) == O_RDWR) /* (a FIFO open for both: not passed) */
        return -EOPNOTSUPP;
    *id = p->id;
    *slot = fifo_slot_of(f); /* the message holds it too while on its way */
    if (*slot)
        fifo_slot_ref(p, *slot, delta);
    bool reads = (f->flags & O_ACCMODE) == O_RDONLY; /* (O_RDWR is refused above) */
    *counts = reads ? 1u : 2u;
    *accmode = f->flags & O_ACCMODE;
    __atomic_add_fetch(reads ? &p->vp.ring->readers : &p->vp.ring->writers, delta,
                       __ATOMIC_ACQ_REL);
    return 0;
}

long rt_pipe_adopt(uint64_t ticket, uint32_t accmode, unsigned slot, uint32_t status,
                   uint32_t fdflags)
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
    p->vp.released[!e] = true; /* only this end is held here */
    rc = vfs_file_open_node(&p->vp.end[e].vn, accmode | (status & O_NONBLOCK), &f);
    if (slot > FIFO_SLOTS)
        slot = 0;
    if (!rc) /* a FIFO's description: the message's share of its slot is this one's */
        fifo_slot_keep(f, p, slot);
    else if (slot)
        fifo_slot_ref(p, slot, -1);
    /* the new description counts itself (pipe_open); the one in flight goes */
    __atomic_sub_fetch(e ? &p->vp.ring->writers : &p->vp.ring->readers, 1, __ATOMIC_ACQ_REL);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (fdflags & O_CLOEXEC) != 0);
    if (fd < 0) {
        if (f)
            vfs_file_put(f); /* releases the end, and the pipe with it */
        else
            vfs_pipe_drop_end(&p->vp, e);
    }
    return fd;
}

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

/* A fork child: its inherited descriptions of each pipe count as open ends too, and
 * hold their FIFO slots (a vfork child's exec takes its share here). */
void rt_pipes_after_fork(void)
{
    for (struct pipe *p = pipes; p; p = p->next)
        vfs_pipe_recount(&p->vp);
    if (!fifo_refs_taken)
        for (struct fifo_desc *d = fifo_descs; d; d = d->next)
            fifo_slot_ref(d->p, fifo_slot_of(d->f), 1);
    fifo_refs_taken = false;
}

/* Waits until f (a pipe end) may be ready for events: 1, or 0 if f is no pipe, or
 * -EINTR for a signal. Called with the runtime lock held; drops it while waiting. */
int rt_pipe_wait(struct vfs_file *f, unsigned events)
{
    struct pipe *p = pipe_of(f);
    if (!p)
        return 0;
    int side = (events & POLLIN) ? 0 : 1, rc = 1;
    struct pipe_waits *w = waits_of(p);
    vfs_file_get(f); /* the pipe stays mapped while this waits, whoever closes f */
    __atomic_add_fetch(&w->waiters[side], 1, __ATOMIC_SEQ_CST);
    for (;;) {
        uint32_t seen = __atomic_load_n(&w->ev[side], __ATOMIC_SEQ_CST);
        if (vfs_pipe_poll(f) & (events | POLLHUP | POLLERR))
            break;
        /* a reader's read returns once no writer is left, whether or not one came since
         * it opened: that rule is poll's POLLHUP only (a FIFO whose writer opened just
         * before its reader, wrote and closed, left the reader waiting for ever) */
        if (side == 0 && !__atomic_load_n(&p->vp.ring->writers, __ATOMIC_ACQUIRE))
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
    struct pipe *p = pipe_of(f);
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
        if (q->vp.fifo && !q->vp.released[0] && q->vp.end[0].vn.fs == pipe_fs &&
            q->fifo_dev == node->fs->dev && q->fifo_ino == node->ino)
            p = q;
    if (!p) {
        long r = pipe_new(true, node->fs->dev, node->ino, 0, &p);
        if (r)
            return (int)r;
        p->vp.released[1] = true; /* a FIFO uses end[0] only */
        p->vp.file = node;
        vfs_node_get(node);
    }
    __atomic_store_n(&waits_of(p)->fifo, 1, __ATOMIC_RELEASE);
    if ((flags & O_ACCMODE) == O_WRONLY && (flags & O_NONBLOCK) &&
        !__atomic_load_n(&p->vp.ring->readers, __ATOMIC_ACQUIRE))
        rc = -ENXIO; /* no reader, and no waiting */
    else
        rc = vfs_file_open_node(&p->vp.end[0].vn, flags, out);
    if (!rc)
        fifo_slot_keep(*out, p, fifo_slot_take(p, flags));
    if (rc && !p->vp.end[0].vn.refs)
        vfs_pipe_drop_end(&p->vp, 0); /* no description holds it: it leaves this process */
    return rc;
}

/* After open made descriptor fd: if it is a FIFO opened blocking for one side only,
 * waits until the other side has been opened since (or is open). 0, or -EINTR for a
 * signal (the caller closes fd). Called with the runtime lock held; drops it while
 * waiting. */
int rt_fifo_open_wait(int fd)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    struct pipe *p = pipe_of(f);
    uint32_t acc = f ? f->flags & O_ACCMODE : 0;
    if (!p || !p->vp.fifo || (f->flags & O_NONBLOCK) || (acc != O_RDONLY && acc != O_WRONLY))
        return 0;
    struct rt_pipe_ring *r = p->vp.ring;
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
