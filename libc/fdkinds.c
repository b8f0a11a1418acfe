/*
 * Event descriptors (docs/runtime.md, "Event descriptors"): eventfd, timerfd and
 * signalfd, and the hidden file system whose nodes they and epoll's instances
 * (epoll.c) are, as Linux's anon_inode. Each object is a struct fdk_node; its last
 * description's close releases the node and frees the object.
 *
 * An eventfd is shared across fork, as the pipe it works like: its counter lives in one
 * page of shared memory with a notification, both made by the launcher
 * (RT_LABEL_SHARED_NEW, which copies them to a fork child), mapped at a pipe area
 * (pipe.c) with CX_MAP_SHARE. The page starts with the header of a pipe (all counts 0),
 * which the launcher reads of every such object when a process dies. The counter
 * changes by compare-and-swap, and every change signals the notification; a wait on it
 * passes the wake-up on, as for pipes.
 *
 * A timerfd and a signalfd live in such a page too (struct kpage), so that fork
 * children and receivers of SCM_RIGHTS share them, as on Linux. A timerfd keeps its
 * next expiry there and counts expirations when it is read or polled (under the page's
 * lock); a wait for it sleeps until that expiry or a settime's signal. A signalfd's page
 * holds its mask; a read takes the reader's own pending signals of the mask (signal.c's
 * sigtimedwait with no wait); a wait for one is woken by the redirect that every signal
 * sent to the process brings, and looks again every 100 ms for signals sent to another
 * thread.
 *
 * The VFS never blocks: an object that is not ready answers -EAGAIN and the runtime
 * (fs.c, rt_fdkind_wait) waits and tries again, unless the description is non-blocking.
 */
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "fdkinds.h"

#define EFD_MAX 0xfffffffffffffffeull
#define SIGNALFD_SLICE_NS 100000000ull
#define EPOLL_SLICE_NS 10000000ull

static struct vfs_fs *fdk_fs;
static struct vfs *fdk_vfs; /* the vfs fdk_fs is mounted in (a narrowed process has another) */
static uint64_t next_ino = 1;

static struct fdk_node *node_of(struct vfs_node *n)
{
    return (struct fdk_node *)n; /* the node is the first member */
}

/* ---- the shared page of an eventfd, a timerfd or a signalfd ---- */

/* Every word may have been written by any process of the sandbox: read once, and
 * nothing indexes memory by it. */
struct kpage {
    struct rt_pipe_ring ring; /* all 0: the launcher reads it as a pipe's */
    volatile uint32_t status; /* its one description's status flags (rt_file_status) */
    volatile int32_t lock;    /* a timerfd's state (spin lock, taken over after 1 s) */
    /* eventfd */
    volatile uint64_t count;         /* the counter */
    volatile uint64_t writes, reads; /* changes of each kind, ever (epoll's EPOLLET) */
    /* timerfd, under lock */
    volatile uint64_t next;     /* the next expiry on clock's time, 0: disarmed */
    volatile uint64_t interval; /* ns, 0: one shot */
    volatile uint64_t ticks;    /* expirations not yet read */
    volatile uint64_t fired;    /* expirations, ever (epoll's EPOLLET) */
    volatile int32_t clock;
    /* signalfd */
    volatile uint64_t mask; /* the signals it takes */
};
_Static_assert(sizeof(struct kpage) <= CX_PAGE_SIZE, "one page");

/* This process's mapping of a kpage. */
struct kobj {
    unsigned index; /* pipe area */
    uint64_t id, slot_mem, slot_notif;
    struct kpage *page;
    bool semaphore; /* an eventfd's EFD_SEMAPHORE */
};

static void kobj_free(void *obj)
{
    struct kobj *e = obj;
    cx_unmap(rt->slot_pd, RT_PIPES_BASE + e->index * RT_PIPE_AREA, 1);
    cx_cap_delete(e->slot_mem);
    cx_cap_delete(e->slot_notif);
    rt_slot_free(e->slot_mem);
    rt_slot_free(e->slot_notif);
    cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), e->id, 0, 0, 0);
    rt_pipe_area_free(e->index);
    rt_free(e, sizeof(*e));
}

/* A counter page made by the launcher now (RT_LABEL_SHARED_NEW), or the one a passed
 * ticket names (passed: RT_PASS_TAKE): claims a place for it, asks the launcher for its
 * memory and notification into slots of ours and maps the page there. 0 and *out, or
 * -errno with nothing kept. */
static long kobj_attach(bool semaphore, bool passed, uint64_t ticket, struct kobj **out)
{
    int index = rt_pipe_area_claim();
    if (index < 0)
        return index;
    struct kobj *e = rt_alloc(sizeof(*e));
    if (!e) {
        rt_pipe_area_free((unsigned)index);
        return -ENOMEM;
    }
    memset(e, 0, sizeof(*e));
    e->index = (unsigned)index;
    e->semaphore = semaphore;
    e->slot_mem = rt_slot_alloc();
    e->slot_notif = rt_slot_alloc();
    long id = -ENOMEM;
    if (e->slot_mem && e->slot_notif) {
        struct cx_ret r = passed ? cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PASS, 4, 0),
                                                   RT_PASS_TAKE, ticket, e->slot_mem, e->slot_notif)
                                 : cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_NEW, 3, 0), 1,
                                                   e->slot_mem, e->slot_notif, 0);
        id = r.err ? -ENOMEM : (long)r.rdx;
    }
    uint64_t va = RT_PIPES_BASE + e->index * RT_PIPE_AREA;
    if (id > 0 && cx_map(rt->slot_pd, e->slot_mem, 0, va, 1, CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)) {
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
        id = -ENOMEM;
    }
    if (id <= 0) {
        cx_cap_delete(e->slot_mem);
        cx_cap_delete(e->slot_notif);
        if (e->slot_mem)
            rt_slot_free(e->slot_mem);
        if (e->slot_notif)
            rt_slot_free(e->slot_notif);
        rt_pipe_area_free(e->index);
        rt_free(e, sizeof(*e));
        return id < 0 ? id : -ENOMEM;
    }
    e->id = (uint64_t)id;
    e->page = (struct kpage *)va;
    *out = e;
    return 0;
}

/* The first description of a new page's object: the descriptor or -errno. */
static long kobj_install(enum fdkind kind, struct kobj *o, int flags)
{
    long fd = rt_fdkind_install(kind, o, kobj_free, flags);
    if (fd >= 0)
        rt_file_status_publish(vfs_fd_file(rt_vfs, (int)fd));
    return fd;
}

static long efd_new(uint64_t initval, bool semaphore, struct kobj **out)
{
    long err = kobj_attach(semaphore, false, 0, out);
    if (!err)
        (*out)->page->count = initval;
    return err;
}

static int64_t efd_read(struct kobj *e, void *buf, size_t n)
{
    if (n < 8)
        return -EINVAL;
    uint64_t c = __atomic_load_n(&e->page->count, __ATOMIC_ACQUIRE), take;
    do {
        if (!c)
            return -EAGAIN;
        take = e->semaphore ? 1 : c;
    } while (!__atomic_compare_exchange_n(&e->page->count, &c, c - take, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    __atomic_add_fetch(&e->page->reads, 1, __ATOMIC_RELEASE);
    cx_notif_signal(e->slot_notif, 1);
    memcpy(buf, &take, 8);
    return 8;
}

static int64_t efd_write(struct kobj *e, const void *buf, size_t n)
{
    uint64_t v;
    if (n < 8)
        return -EINVAL;
    memcpy(&v, buf, 8);
    if (v == ~0ull)
        return -EINVAL;
    uint64_t c = __atomic_load_n(&e->page->count, __ATOMIC_ACQUIRE);
    do {
        if (c > EFD_MAX || v > EFD_MAX - c) /* (another process may write anything) */
            return -EAGAIN; /* the counter would pass its maximum: wait for a read */
    } while (!__atomic_compare_exchange_n(&e->page->count, &c, c + v, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    __atomic_add_fetch(&e->page->writes, 1, __ATOMIC_RELEASE); /* even of 0: an edge */
    cx_notif_signal(e->slot_notif, 1);                         /* on Linux too */
    return 8;
}

static unsigned efd_poll(struct kobj *e)
{
    uint64_t c = __atomic_load_n(&e->page->count, __ATOMIC_ACQUIRE);
    return (c ? POLLIN | POLLRDNORM : 0) | (c < EFD_MAX ? POLLOUT | POLLWRNORM : 0);
}

static long sys_eventfd2(uint64_t initval, uint64_t flags)
{
    if (flags & ~(uint64_t)(LINUX_EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    struct kobj *e;
    long r = efd_new((uint32_t)initval, flags & LINUX_EFD_SEMAPHORE, &e);
    if (r)
        return r;
    return kobj_install(FDK_EVENTFD, e, (int)(flags & (O_NONBLOCK | O_CLOEXEC)));
}

/* An eventfd(), timerfd_create() or signalfd() makes one description of its page;
 * fork, dup and SCM_RIGHTS share it. */
volatile uint32_t *rt_efd_status_word(struct vfs_file *f)
{
    struct fdk_node *k = rt_fdkind_node(f);
    return k && (k->kind == FDK_EVENTFD || k->kind == FDK_TIMERFD || k->kind == FDK_SIGNALFD)
               ? &((struct kobj *)k->obj)->page->status
               : NULL;
}

static volatile uint32_t *status_word(struct vfs_file *f)
{
    volatile uint32_t *w;
    if (!f || (f->flags & O_PATH))
        return NULL;
    if ((w = rt_pipe_status_word(f)) || (w = rt_unix_status_word(f)) ||
        (w = rt_sock_status_word(f)) || (w = rt_tty_status_word(f)))
        return w;
    return rt_efd_status_word(f);
}

uint32_t rt_file_status(struct vfs_file *f)
{
    volatile uint32_t *w = status_word(f);
    if (w) {
        uint32_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
        if (v & RT_STATUS_SET)
            f->flags = (f->flags & ~(uint32_t)RT_STATUS_SHARED) | (v & RT_STATUS_SHARED);
        else /* a socket that got its object since (connect, accept) */
            __atomic_store_n(w, RT_STATUS_SET | (f->flags & RT_STATUS_SHARED), __ATOMIC_RELEASE);
    }
    return f ? f->flags : 0;
}

void rt_file_status_publish(struct vfs_file *f)
{
    volatile uint32_t *w = status_word(f);
    if (w)
        __atomic_store_n(w, RT_STATUS_SET | (f->flags & RT_STATUS_SHARED), __ATOMIC_RELEASE);
}

long rt_kobj_pass(struct vfs_file *f, uint64_t *id, uint32_t *sub)
{
    struct fdk_node *k = rt_fdkind_node(f);
    if (!k || (k->kind != FDK_EVENTFD && k->kind != FDK_TIMERFD && k->kind != FDK_SIGNALFD))
        return -EOPNOTSUPP;
    struct kobj *e = k->obj;
    *id = e->id;
    *sub = (uint32_t)e->semaphore | (uint32_t)(k->kind - FDK_EVENTFD) << 1;
    return 0;
}

/* The receiver's side: trades the launcher's ticket for copies of the page and its
 * notification, maps them and installs a new description of the kind sub names: the
 * descriptor or -errno (the ticket then stays with the caller, unless it was taken). */
long rt_kobj_adopt(uint64_t ticket, uint32_t sub, uint32_t status, uint32_t fdflags)
{
    struct kobj *e;
    enum fdkind kind = FDK_EVENTFD + (int)(sub >> 1 & 3);
    if (kind != FDK_EVENTFD && kind != FDK_TIMERFD && kind != FDK_SIGNALFD)
        return -EIO;
    long err = kobj_attach(kind == FDK_EVENTFD && (sub & 1), true, ticket, &e);
    if (err)
        return err;
    return rt_fdkind_install(kind, e, kobj_free,
                             (int)((status & O_NONBLOCK) | (fdflags & O_CLOEXEC)));
}

/* ---- timerfd ---- */

/* The state of a timerfd is its page's, under the page's lock (another process may
 * hold it: one left by a process that ended inside it is taken over after 1 s). */
#define KLOCK_STEAL_NS 1000000000ull

static void klock(struct kpage *p)
{
    uint64_t start = 0;
    for (unsigned i = 0; __atomic_exchange_n(&p->lock, 1, __ATOMIC_ACQUIRE); i++) {
        if ((i & 255) == 255) {
            uint64_t now = cx_clock_ns();
            if (!start)
                start = now;
            else if (now - start > KLOCK_STEAL_NS)
                return;
        }
        cx_yield();
    }
}

static void kunlock(struct kpage *p)
{
    __atomic_store_n(&p->lock, 0, __ATOMIC_RELEASE);
}

struct l_itimerspec {
    struct linux_timespec interval, value;
};

static uint64_t clock_now(int clock)
{
    return clock == CLOCK_REALTIME ? rt_realtime_ns() : cx_clock_ns();
}

/* Counts the expirations up to now (the lock held). */
static void tfd_update(struct kpage *t)
{
    uint64_t now = clock_now(t->clock), next = t->next, interval = t->interval;
    if (!next || now < next)
        return;
    uint64_t n = 1;
    if (interval) {
        n += (now - next) / interval;
        uint64_t step = n > ~0ull / interval ? ~0ull : n * interval;
        t->next = next > ~0ull - step ? 0 : next + step;
    } else {
        t->next = 0;
    }
    uint64_t ticks = t->ticks;
    t->ticks = ticks > ~0ull - n ? ~0ull : ticks + n;
    t->fired += n;
}

static int64_t tfd_read(struct kobj *o, void *buf, size_t n)
{
    struct kpage *t = o->page;
    if (n < 8)
        return -EINVAL;
    klock(t);
    tfd_update(t);
    uint64_t ticks = t->ticks;
    t->ticks = 0;
    kunlock(t);
    if (!ticks)
        return -EAGAIN;
    memcpy(buf, &ticks, 8);
    return 8;
}

static unsigned tfd_poll(struct kobj *o)
{
    klock(o->page);
    tfd_update(o->page);
    uint64_t ticks = o->page->ticks;
    kunlock(o->page);
    return ticks ? POLLIN | POLLRDNORM : 0;
}

static uint64_t tfd_deadline(struct kobj *o)
{
    struct kpage *t = o->page;
    uint64_t next = t->next;
    if (!next)
        return ~0ull;
    uint64_t now = clock_now(t->clock), mono = cx_clock_ns();
    return next <= now ? mono : mono + (next - now);
}

static void ns_to_ts(uint64_t ns, struct linux_timespec *ts)
{
    ts->tv_sec = (int64_t)(ns / 1000000000u);
    ts->tv_nsec = (int64_t)(ns % 1000000000u);
}

static bool ts_valid(const struct linux_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

/* ns of a valid timespec, saturated (a far expiry never comes). */
static uint64_t ts_ns(const struct linux_timespec *ts)
{
    uint64_t s = (uint64_t)ts->tv_sec;
    if (s > (~0ull - 1000000000u) / 1000000000u)
        return ~0ull - 1;
    return s * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* The lock held. */
static void tfd_get(struct kpage *t, struct l_itimerspec *cur)
{
    tfd_update(t);
    uint64_t now = clock_now(t->clock), next = t->next;
    ns_to_ts(t->interval, &cur->interval);
    ns_to_ts(next ? (next > now ? next - now : 1) : 0, &cur->value);
}

static long sys_timerfd_create(uint64_t clock, uint64_t flags)
{
    if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    if (clock == 8 || clock == 9) /* the _ALARM clocks need CAP_WAKE_ALARM */
        return -EPERM;
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return -EINVAL;
    struct kobj *o;
    long r = kobj_attach(false, false, 0, &o);
    if (r)
        return r;
    o->page->clock = (int32_t)clock;
    return kobj_install(FDK_TIMERFD, o, (int)flags);
}

/* The object of fd of kind: -EBADF, -EINVAL (another kind of file) or 0. */
static long fd_obj(int fd, enum fdkind kind, void **obj)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    if (!f)
        return -EBADF;
    struct fdk_node *k = rt_fdkind_node(f);
    if (!k || k->kind != kind)
        return -EINVAL;
    *obj = k->obj;
    return 0;
}

static long sys_timerfd_settime(int fd, uint64_t flags, uint64_t unew, uint64_t uold)
{
    if (!rt_user_read(unew, sizeof(struct l_itimerspec)) ||
        !rt_user_write_opt(uold, sizeof(struct l_itimerspec)))
        return -EFAULT;
    struct l_itimerspec nv, ov;
    memcpy(&nv, (const void *)unew, sizeof(nv));
    if (flags & ~(uint64_t)(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    if (!ts_valid(&nv.value) || !ts_valid(&nv.interval))
        return -EINVAL;
    struct kobj *o;
    long r = fd_obj(fd, FDK_TIMERFD, (void **)&o);
    if (r)
        return r;
    struct kpage *t = o->page;
    klock(t);
    tfd_get(t, &ov);
    uint64_t value = ts_ns(&nv.value), now = clock_now(t->clock);
    t->ticks = 0;
    t->interval = ts_ns(&nv.interval);
    if (!value)
        t->next = 0;
    else if (flags & LINUX_TFD_TIMER_ABSTIME)
        t->next = value;
    else
        t->next = value > ~0ull - 1 - now ? ~0ull - 1 : now + value;
    kunlock(t);
    cx_notif_signal(o->slot_notif, 1); /* waiters elsewhere look at the new expiry */
    if (uold)
        memcpy((void *)uold, &ov, sizeof(ov));
    return 0;
}

static long sys_timerfd_gettime(int fd, uint64_t ucur)
{
    struct kobj *o;
    long r = fd_obj(fd, FDK_TIMERFD, (void **)&o);
    if (r)
        return r;
    if (!rt_user_write(ucur, sizeof(struct l_itimerspec)))
        return -EFAULT;
    struct l_itimerspec cur;
    klock(o->page);
    tfd_get(o->page, &cur);
    kunlock(o->page);
    memcpy((void *)ucur, &cur, sizeof(cur));
    return 0;
}

/* ---- signalfd ---- */

#define SIG_BIT(sig) (1ull << ((sig)-1))
#define SFD_UNTAKEABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

/* struct signalfd_siginfo, 128 bytes */
struct l_signalfd_siginfo {
    uint32_t signo;
    int32_t errno_, code;
    uint32_t pid, uid;
    int32_t fd;
    uint32_t tid, band, overrun, trapno;
    int32_t status, int_;
    uint64_t ptr, utime, stime, addr;
    uint16_t addr_lsb;
    uint8_t pad[46];
};
_Static_assert(sizeof(struct l_signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

/* siginfo_t as signal.c writes it (Linux's layout). */
struct l_siginfo_words {
    int32_t signo, errno_, code, pad;
    int32_t w4, w5;
    uint64_t w6;
    uint8_t rest[96];
};

/* One siginfo into a signalfd_siginfo, by the layout Linux chooses for its code. */
static void sfd_convert(const struct l_siginfo_words *in, struct l_signalfd_siginfo *out)
{
    memset(out, 0, sizeof(*out));
    out->signo = (uint32_t)in->signo;
    out->errno_ = in->errno_;
    out->code = in->code;
    int sig = in->signo, code = in->code;
    if (code == LINUX_SI_TIMER) { /* timer id, overrun, value */
        out->tid = (uint32_t)in->w4;
        out->overrun = (uint32_t)in->w5;
        out->ptr = in->w6;
        out->int_ = (int32_t)in->w6;
    } else if (code > 0 && (sig == SIGILL || sig == SIGTRAP || sig == SIGBUS || sig == SIGFPE ||
                            sig == SIGSEGV)) {
        memcpy(&out->addr, &in->w4, 8);      /* a fault: its address */
    } else if (code > 0 && sig == SIGCHLD) { /* pid, uid, status */
        out->pid = (uint32_t)in->w4;
        out->uid = (uint32_t)in->w5;
        out->status = (int32_t)in->w6;
    } else {
        out->pid = (uint32_t)in->w4;
        out->uid = (uint32_t)in->w5;
        if (code < 0 && code != -6) { /* SI_QUEUE, SI_MESGQ, ...: a value (not SI_TKILL) */
            out->ptr = in->w6;
            out->int_ = (int32_t)in->w6;
        }
    }
}

static int64_t sfd_read(struct kobj *s, void *buf, size_t n)
{
    uint64_t mask = s->page->mask;
    size_t room = n / sizeof(struct l_signalfd_siginfo), got = 0;
    if (!room)
        return -EINVAL;
    static const struct linux_timespec zero;
    while (got < room) {
        struct l_siginfo_words info;
        long sig = rt_sigtimedwait(&mask, &info, &zero, 8);
        if (sig <= 0) {
            if (got)
                break;
            return sig == 0 ? -EAGAIN : sig;
        }
        struct l_signalfd_siginfo out;
        sfd_convert(&info, &out);
        memcpy((uint8_t *)buf + got * sizeof(out), &out, sizeof(out));
        got++;
    }
    return (int64_t)(got * sizeof(struct l_signalfd_siginfo));
}

static unsigned sfd_poll(struct kobj *s)
{
    uint64_t pending = 0; /* pending and blocked (unblocked ones are delivered at once) */
    rt_sigpending(&pending, 8);
    return pending & s->page->mask ? POLLIN | POLLRDNORM : 0;
}

static long sys_signalfd4(int fd, uint64_t umask, uint64_t size, uint64_t flags)
{
    if (size != 8 || (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC)))
        return -EINVAL;
    if (!rt_user_read(umask, 8))
        return -EFAULT;
    uint64_t mask;
    memcpy(&mask, (const void *)umask, 8);
    mask &= ~SFD_UNTAKEABLE;
    struct kobj *s;
    if (fd != -1) { /* the mask of the description, for every holder */
        long r = fd_obj(fd, FDK_SIGNALFD, (void **)&s);
        if (r)
            return r;
        s->page->mask = mask;
        return fd;
    }
    long r = kobj_attach(false, false, 0, &s);
    if (r)
        return r;
    s->page->mask = mask;
    return kobj_install(FDK_SIGNALFD, s, (int)flags);
}

/* ---- the hidden file system ---- */

static int64_t fdk_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    (void)off;
    struct fdk_node *k = node_of(f->node);
    switch (k->kind) {
    case FDK_EVENTFD:
        return efd_read(k->obj, buf, n);
    case FDK_TIMERFD:
        return tfd_read(k->obj, buf, n);
    case FDK_SIGNALFD:
        return sfd_read(k->obj, buf, n);
    default:
        return -EINVAL;
    }
}

static int64_t fdk_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    (void)off;
    struct fdk_node *k = node_of(f->node);
    return k->kind == FDK_EVENTFD ? efd_write(k->obj, buf, n) : -EINVAL;
}

static unsigned fdk_poll(struct vfs_file *f, unsigned events)
{
    (void)events;
    struct fdk_node *k = node_of(f->node);
    switch (k->kind) {
    case FDK_EVENTFD:
        return efd_poll(k->obj);
    case FDK_TIMERFD:
        return tfd_poll(k->obj);
    case FDK_SIGNALFD:
        return sfd_poll(k->obj);
    case FDK_EPOLL:
        return rt_epoll_poll(k->obj);
    }
    return 0;
}

static int fdk_open(struct vfs_file *f)
{
    f->stream = true;
    return 0;
}

static void fdk_release(struct vfs_node *n)
{
    struct fdk_node *k = node_of(n);
    k->free_obj(k->obj);
    rt_free(k, sizeof(*k));
}

static int fdk_getattr(struct vfs_node *n, struct linux_stat *st)
{
    (void)n;
    st->st_mode = 0600; /* an anonymous inode: no file type, as on Linux */
    st->st_nlink = 1;
    st->st_uid = rt_uid;
    st->st_gid = rt_gid;
    st->st_blksize = 4096;
    return 0;
}

static const struct vfs_fs_ops fdk_ops = {
    .getattr = fdk_getattr,
    .open = fdk_open,
    .release = fdk_release,
    .read = fdk_read,
    .write = fdk_write,
    .poll = fdk_poll,
};

static struct vfs_node fdk_root;

static int fdk_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    (void)a;
    return rt_hidden_mount(&fs, &fdk_root, &fdk_ops, next_ino++, out);
}

static const struct vfs_plugin fdk_plugin = {
    .name = "anon_inode",
    .kind = VFS_PLUGIN_TREE,
    .mount = fdk_mount,
};

struct fdk_node *rt_fdkind_node(const struct vfs_file *f)
{
    return f && f->node->fs->ops == &fdk_ops ? node_of(f->node) : NULL;
}

enum fdkind rt_fdkind(const struct vfs_file *f)
{
    struct fdk_node *k = rt_fdkind_node(f);
    return k ? k->kind : 0;
}

long rt_fdkind_install(enum fdkind kind, void *obj, void (*free_obj)(void *), int flags)
{
    struct cfg_error err;
    if ((!fdk_fs || fdk_vfs != rt_vfs) &&
        vfs_mount_hidden(rt_vfs, &fdk_plugin, NULL, &fdk_fs, &err)) {
        free_obj(obj);
        return -ENOMEM;
    }
    fdk_vfs = rt_vfs;
    struct fdk_node *k = rt_alloc(sizeof(*k));
    if (!k) {
        free_obj(obj);
        return -ENOMEM;
    }
    memset(k, 0, sizeof(*k));
    k->node.fs = fdk_fs;
    k->node.type = 0;
    k->node.ino = next_ino++;
    k->node.refs = 0; /* the description holds it */
    k->kind = kind;
    k->obj = obj;
    k->free_obj = free_obj;
    struct vfs_file *f = NULL;
    int r = vfs_file_open_node(&k->node, O_RDWR | (uint32_t)(flags & O_NONBLOCK), &f);
    if (r) {
        fdk_release(&k->node);
        return r;
    }
    int fd = vfs_install_fd(rt_vfs, f, 0, flags & O_CLOEXEC);
    if (fd < 0)
        vfs_file_put(f); /* releases the node and the object */
    return fd;
}

bool rt_fdkind_wake(struct vfs_file *f, uint64_t *notif, uint64_t *deadline)
{
    struct fdk_node *k = rt_fdkind_node(f);
    if (!k)
        return false;
    *notif = 0;
    *deadline = ~0ull;
    switch (k->kind) {
    case FDK_EVENTFD:
        *notif = ((struct kobj *)k->obj)->slot_notif;
        break;
    case FDK_TIMERFD: /* its expiry, or a change made by another holder */
        *notif = ((struct kobj *)k->obj)->slot_notif;
        *deadline = tfd_deadline(k->obj);
        break;
    case FDK_SIGNALFD:
        *deadline = cx_clock_ns() + SIGNALFD_SLICE_NS;
        break;
    case FDK_EPOLL: /* its members may be of any kind: look again soon */
        *deadline = cx_clock_ns() + EPOLL_SLICE_NS;
        break;
    }
    return true;
}

uint64_t rt_fdkind_generation(struct vfs_file *f, unsigned events)
{
    struct fdk_node *k = rt_fdkind_node(f);
    if (!k)
        return rt_pipe_generation(f, events);
    if (k->kind == FDK_EVENTFD) {
        struct kpage *p = ((struct kobj *)k->obj)->page;
        return 1 + (events & POLLIN ? p->writes : 0) + (events & POLLOUT ? p->reads : 0);
    }
    if (k->kind == FDK_TIMERFD)
        return 1 + ((struct kobj *)k->obj)->page->fired;
    return 0;
}

int rt_fdkind_wait(struct vfs_file *f, unsigned events)
{
    uint64_t notif, deadline;
    if (!rt_fdkind_wake(f, &notif, &deadline))
        return 0;
    vfs_file_get(f); /* another thread may close its descriptor meanwhile */
    int r = 1;
    while (!(fdk_poll(f, events) & (events | POLLHUP | POLLERR))) {
        rt_fdkind_wake(f, &notif, &deadline);
        uint64_t now = cx_clock_ns(), bits;
        uint64_t ns = deadline == ~0ull ? CX_TIMEOUT_NONE : deadline > now ? deadline - now : 0;
        rt_unlock();
        long err = cx_notif_wait(notif ? notif : rt_thread_notif(), ns, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            r = -EINTR;
            break;
        }
    }
    if (notif && r > 0)
        cx_notif_signal(notif, 1); /* others may wait on it too: pass the wake-up on */
    vfs_file_put(f);
    return r;
}

/* ---- the calls ---- */

long rt_fdkinds_syscall(const struct rt_call *c)
{
    const uint64_t *a = c->a;
    switch (c->nr) {
    case NR_eventfd:
        return sys_eventfd2(a[0], 0);
    case NR_eventfd2:
        return sys_eventfd2(a[0], a[1]);
    case NR_timerfd_create:
        return sys_timerfd_create(a[0], a[1]);
    case NR_timerfd_settime:
        return sys_timerfd_settime((int)a[0], a[1], a[2], a[3]);
    case NR_timerfd_gettime:
        return sys_timerfd_gettime((int)a[0], a[1]);
    case NR_signalfd:
        return sys_signalfd4((int)a[0], a[1], a[2], 0);
    case NR_signalfd4:
        return sys_signalfd4((int)a[0], a[1], a[2], a[3]);
    case NR_epoll_create:
        return (int)a[0] <= 0 ? -EINVAL : rt_epoll_create1(0);
    case NR_epoll_create1:
        return rt_epoll_create1((int)a[0]);
    case NR_epoll_ctl:
        return rt_epoll_ctl((int)a[0], (int)a[1], (int)a[2], (const void *)a[3]);
    case NR_epoll_wait:
    case NR_epoll_pwait: {
        int ms = (int)a[3];
        return rt_epoll_pwait((int)a[0], (void *)a[1], (int)a[2],
                              ms < 0 ? ~0ull : (uint64_t)ms * 1000000u,
                              c->nr == NR_epoll_pwait ? (const uint64_t *)a[4] : NULL, a[5]);
    }
    case NR_epoll_pwait2: {
        uint64_t timeout = ~0ull;
        if (a[3]) {
            if (!rt_user_read(a[3], sizeof(struct linux_timespec)))
                return -EFAULT;
            const struct linux_timespec *ts = (const struct linux_timespec *)a[3];
            if (!ts_valid(ts))
                return -EINVAL;
            timeout = ts_ns(ts);
        }
        return rt_epoll_pwait((int)a[0], (void *)a[1], (int)a[2], timeout, (const uint64_t *)a[4],
                              a[5]);
    }
    default:
        return RT_NOT_MINE;
    }
}
