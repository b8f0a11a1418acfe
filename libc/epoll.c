/*
 * epoll (docs/runtime.md, "Event descriptors"): an instance is a node of fdkinds.c's
 * hidden file system whose object is its interest list, state of this process. A fork
 * child gets a copy of the list (on Linux parent and child would share one instance);
 * its entries name descriptors, which the child has too.
 *
 * An entry is (descriptor, description): it counts while that descriptor still names
 * that description, and goes when it does not (Linux drops an entry when the
 * description is closed). epoll_wait asks vfs_poll of every entry, as poll does, and
 * when nothing is ready waits through poll.c (rt_poll_wait: the notifications of pipes,
 * terminals, sockets and eventfds, and the expiries of timerfds) until something may
 * have changed.
 *
 * Level-triggered entries are reported while ready. An EPOLLET entry is reported when
 * an event it asks for appears (it was not ready when last looked at), or when the
 * object changed again (new data, room made) where the object counts its changes
 * (pipes, eventfds, timerfds: rt_fdkind_generation); on other objects (terminals,
 * sockets) only the first kind of edge is seen, and only when epoll_wait looks.
 * EPOLLONESHOT disables an entry once it was reported, until EPOLL_CTL_MOD.
 */
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "fdkinds.h"

#define EPOLL_FLAGS (LINUX_EPOLLEXCLUSIVE | LINUX_EPOLLWAKEUP | LINUX_EPOLLONESHOT | LINUX_EPOLLET)
/* the events EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS) */
#define EXCLUSIVE_OK                                                                               \
    (POLLIN | POLLOUT | POLLERR | POLLHUP | LINUX_EPOLLWAKEUP | LINUX_EPOLLET |                    \
     LINUX_EPOLLEXCLUSIVE)
#define MAX_NESTS 4
#define MAX_EVENTS (0x7fffffff / 12)

struct l_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct l_epoll_event) == 12, "struct epoll_event is packed");

struct epitem {
    int fd;
    struct vfs_file *file; /* no reference: compared with what fd names */
    uint32_t events;       /* asked for, with the EPOLL* flags */
    uint64_t data;
    unsigned last;  /* EPOLLET: what was ready when last looked at */
    uint64_t gen;   /* EPOLLET: the object's change count when last reported */
    uint64_t woken; /* EPOLLET on an object without a count: `wakes` when last reported */
    bool disabled;  /* EPOLLONESHOT: reported, until EPOLL_CTL_MOD */
    struct epitem *next;
};

struct epoll {
    struct epitem *items;
    unsigned count;
};

static bool alive(const struct epitem *e)
{
    return vfs_fd_file(rt_vfs, e->fd) == e->file;
}

/* Waits of epoll_wait that ended, by a notification or a slice (EPOLLET on objects
 * that count no changes: see collect). */
static uint64_t wakes;

/* Drops the entries whose descriptor was closed (or names another description now). */
static void prune(struct epoll *ep)
{
    for (struct epitem **pp = &ep->items; *pp;) {
        struct epitem *e = *pp;
        if (alive(e)) {
            pp = &e->next;
            continue;
        }
        *pp = e->next;
        ep->count--;
        rt_free(e, sizeof(*e));
    }
}

static void epoll_free(void *obj)
{
    struct epoll *ep = obj;
    while (ep->items) {
        struct epitem *e = ep->items;
        ep->items = e->next;
        rt_free(e, sizeof(*e));
    }
    rt_free(ep, sizeof(*ep));
}

long rt_epoll_create1(int flags)
{
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    struct epoll *ep = rt_alloc(sizeof(*ep));
    if (!ep)
        return -ENOMEM;
    memset(ep, 0, sizeof(*ep));
    return rt_fdkind_install(FDK_EPOLL, ep, epoll_free, flags);
}

static struct epoll *epoll_of(struct vfs_file *f)
{
    struct fdk_node *k = rt_fdkind_node(f);
    return k && k->kind == FDK_EPOLL ? k->obj : NULL;
}

/* Whether target is reachable from ep through nested instances, or they nest too deep. */
static bool reaches(struct epoll *ep, struct epoll *target, int depth)
{
    if (depth > MAX_NESTS)
        return true;
    for (struct epitem *e = ep->items; e; e = e->next) {
        struct epoll *inner = alive(e) ? epoll_of(e->file) : NULL;
        if (inner && (inner == target || reaches(inner, target, depth + 1)))
            return true;
    }
    return false;
}

/* What of e's events is ready now (errors and hang-ups always count). */
static unsigned ready_of(const struct epitem *e)
{
    unsigned want = (e->events & ~EPOLL_FLAGS) | POLLERR | POLLHUP;
    return vfs_poll(rt_vfs, e->fd, want & 0xffff) & want;
}

long rt_epoll_ctl(int epfd, int op, int fd, const void *uevent)
{
    struct l_epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL) {
        if (!rt_user_read((uint64_t)uevent, sizeof(ev)))
            return -EFAULT;
        memcpy(&ev, uevent, sizeof(ev));
    }
    struct vfs_file *ef = vfs_fd_file(rt_vfs, epfd), *tf = vfs_fd_file(rt_vfs, fd);
    if (!ef || !tf)
        return -EBADF;
    /* plain files and directories are always ready: Linux refuses them */
    if (!tf->node->fs->ops->poll || S_ISREG(tf->node->type) || S_ISDIR(tf->node->type))
        return -EPERM;
    struct epoll *ep = epoll_of(ef);
    if (!ep || ef == tf)
        return -EINVAL;
    if (ev.events & LINUX_EPOLLEXCLUSIVE) {
        if (op == EPOLL_CTL_MOD ||
            (op == EPOLL_CTL_ADD && (epoll_of(tf) || (ev.events & ~EXCLUSIVE_OK))))
            return -EINVAL;
    }
    ev.events &= ~LINUX_EPOLLWAKEUP; /* needs CAP_BLOCK_SUSPEND: Linux drops it silently */
    prune(ep);
    struct epitem **pp = &ep->items;
    while (*pp && !((*pp)->fd == fd && (*pp)->file == tf))
        pp = &(*pp)->next;
    struct epitem *e = *pp;
    switch (op) {
    case EPOLL_CTL_ADD: {
        if (e)
            return -EEXIST;
        struct epoll *inner = epoll_of(tf);
        if (inner && (inner == ep || reaches(inner, ep, 1)))
            return -ELOOP;
        e = rt_alloc(sizeof(*e));
        if (!e)
            return -ENOMEM;
        memset(e, 0, sizeof(*e));
        e->fd = fd;
        e->file = tf;
        e->events = ev.events;
        e->data = ev.data;
        *pp = e; /* at the end: reported in the order added */
        ep->count++;
        return 0;
    }
    case EPOLL_CTL_DEL:
        if (!e)
            return -ENOENT;
        *pp = e->next;
        ep->count--;
        rt_free(e, sizeof(*e));
        return 0;
    case EPOLL_CTL_MOD:
        if (!e)
            return -ENOENT;
        if (e->events & LINUX_EPOLLEXCLUSIVE)
            return -EINVAL;
        e->events = ev.events;
        e->data = ev.data;
        e->disabled = false;
        e->last = 0; /* as on Linux, a modified entry reports what is ready now */
        e->gen = 0;
        e->woken = 0;
        return 0;
    default:
        return -EINVAL;
    }
}

/* One pass: fills out with up to max events; the number. The entries reported go to
 * the end of the list, so that with a small max the others come next (Linux puts a
 * level-triggered entry back at the end of its ready list). */
static int collect(struct epoll *ep, struct l_epoll_event *out, int max)
{
    int n = 0;
    struct epitem *done = NULL, **done_tail = &done;
    for (struct epitem **pp = &ep->items; *pp && n < max;) {
        struct epitem *e = *pp;
        if (e->disabled || !alive(e)) {
            pp = &e->next;
            continue;
        }
        unsigned ready = ready_of(e);
        if (e->events & LINUX_EPOLLET) {
            /* an object that counts no changes (terminal, socket) may have new input
             * that the wait saw signalled: input still there after a wake is reported
             * again (at worst once too often), so a program that drained it and waits
             * again is not left waiting */
            uint64_t gen = rt_fdkind_generation(e->file, e->events);
            bool edge = (ready & ~e->last) || (ready && gen && gen != e->gen) ||
                        (!gen && (ready & (POLLIN | POLLPRI)) && e->woken != wakes);
            e->last = ready;
            if (!edge) {
                pp = &e->next;
                continue;
            }
            e->gen = gen;
            e->woken = wakes;
        } else if (!ready) {
            pp = &e->next;
            continue;
        }
        out[n].events = ready;
        out[n].data = e->data;
        n++;
        if (e->events & LINUX_EPOLLONESHOT)
            e->disabled = true;
        *pp = e->next; /* to the end, after the pass */
        e->next = NULL;
        *done_tail = e;
        done_tail = &e->next;
    }
    struct epitem **end = &ep->items;
    while (*end)
        end = &(*end)->next;
    *end = done;
    return n;
}

unsigned rt_epoll_poll(void *obj)
{
    struct epoll *ep = obj;
    for (struct epitem *e = ep->items; e; e = e->next)
        if (!e->disabled && alive(e) && ready_of(e))
            return POLLIN | POLLRDNORM;
    return 0;
}

long rt_epoll_pwait(int epfd, void *uevents, int maxevents, uint64_t timeout_ns,
                    const uint64_t *mask, uint64_t masksize)
{
    if (maxevents <= 0 || maxevents > MAX_EVENTS)
        return -EINVAL;
    if (!rt_user_write((uint64_t)uevents, (uint64_t)maxevents * sizeof(struct l_epoll_event)))
        return -EFAULT;
    struct vfs_file *ef = vfs_fd_file(rt_vfs, epfd);
    if (!ef)
        return -EBADF;
    struct epoll *ep = epoll_of(ef);
    if (!ep)
        return -EINVAL;
    if (mask && masksize != 8)
        return -EINVAL;
    if (!rt_user_read_opt((uint64_t)mask, 8))
        return -EFAULT;
    /* the mask for the wait, restored after (a handler that runs sees it, as ppoll's) */
    struct rt_tsig *ts = rt_tsig_self();
    uint64_t old_mask = ts->mask;
    if (mask) {
        ts->mask = *mask & ~((1ul << 8) | (1ul << 18));
        rt_signal_recheck(); /* one pending that the mask lets through ends the wait */
    }
    vfs_file_get(ef); /* another thread may close epfd meanwhile */
    uint64_t end = timeout_ns == ~0ull ? ~0ull : cx_clock_ns() + timeout_ns;
    long r;
    for (;;) {
        prune(ep);
        r = collect(ep, uevents, maxevents);
        if (r || cx_clock_ns() >= end)
            break;
        int fds[64], n = 0;
        for (struct epitem *e = ep->items; e && n < 64; e = e->next)
            if (!e->disabled)
                fds[n++] = e->fd;
        /* more than 64 entries: look again at least every 10 ms */
        uint64_t until = end;
        if (ep->count > 64) {
            uint64_t soon = cx_clock_ns() + 10000000u;
            until = soon < end ? soon : end;
        }
        r = rt_poll_wait(fds, (unsigned)n, until);
        if (r)
            break;
        wakes++;
    }
    vfs_file_put(ef);
    if (mask) {
        if (r == -EINTR) { /* the handler runs under the temporary mask */
            ts->saved_mask = old_mask;
            ts->restore_mask = true;
        } else {
            ts->mask = old_mask;
            rt_signal_recheck(); /* what the mask held back is delivered on the way out */
        }
    }
    return r;
}
