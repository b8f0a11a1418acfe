/*
 * Readiness: poll, ppoll, select and pselect6 over the VFS's vfs_poll. A call that
 * finds nothing ready and may wait sleeps on the notification of the first pipe or
 * terminal among its descriptors (every change of a pipe or terminal signals it), in slices of at
 * most 10 ms when it watches several (a pipe other than the first is seen within 10 ms), or simply
 * until its timeout when none of them can change (files, devices: always ready or
 * never). A signal ends the wait with EINTR; ppoll and pselect6 swap in their mask for
 * the wait as sigsuspend does.
 */
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "fdkinds.h"

#define SLICE_NS 10000000ul

struct l_pollfd {
    int32_t fd;
    int16_t events, revents;
};

/* The notification a wait with nothing to watch sleeps on (nobody signals it). */
static uint64_t idle_notif;

/* A fork child does not hold the parent's idle notification: its slot is free. */
void rt_poll_after_fork(void)
{
    if (idle_notif)
        rt_slot_free(idle_notif);
    idle_notif = 0;
}

/* The notification of an eventfd (fdkinds.c), or 0; *deadline lowered to when an
 * event descriptor must be looked at again (a timerfd's expiry). */
static uint64_t fdkind_notif(struct vfs_file *f, uint64_t *deadline)
{
    uint64_t notif, d;
    if (!rt_fdkind_wake(f, &notif, &d))
        return 0;
    if (d < *deadline)
        *deadline = d;
    return notif;
}

/* Waits up to ns for something to change; -EINTR for a signal. */
static long wait_change(int first_pipe_fd, bool several, uint64_t ns)
{
    uint64_t n = 0, unused = ~0ul;
    struct vfs_file *f = first_pipe_fd >= 0 ? vfs_fd_file(rt_vfs, first_pipe_fd) : NULL;
    uint64_t slot = f ? rt_pipe_notif(f) : 0;
    bool terminal = false;
    if (f && !slot)
        terminal = (slot = rt_terminal_notif(f)) != 0;
    if (f && !slot) /* a socket's: the session's, signalled for any of its sockets */
        terminal = (slot = rt_socket_notif(f)) != 0;
    if (f && !slot)
        slot = fdkind_notif(f, &unused);
    if (slot) {
        n = slot;
        if ((several || terminal) && ns > SLICE_NS) /* a terminal's readers share its */
            ns = SLICE_NS;                          /* notification across processes */
    } else {
        if (!idle_notif) {
            uint64_t s = rt_slot_alloc();
            if (!s || cx_notif_create(rt->slot_quota, s))
                return -ENOMEM;
            idle_notif = s;
        }
        n = idle_notif;
    }
    uint64_t bits;
    rt_unlock();
    long err = cx_notif_wait(n, ns, &bits);
    rt_lock();
    if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
        return -EINTR;
    if (slot && !err)
        cx_notif_signal(slot, 1); /* others may wait on this pipe too: pass it on */
    return 0;
}

/* Whether fd has a notification to wait on; event descriptors lower *deadline. */
static bool waitable(int fd, uint64_t *deadline)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    return f && (rt_pipe_notif(f) || rt_terminal_notif(f) || rt_socket_notif(f) ||
                 fdkind_notif(f, deadline));
}

/* One pass over the descriptors: the number ready. */
static long poll_once(struct l_pollfd *fds, uint64_t nfds, int *first_pipe, bool *several,
                      uint64_t *deadline)
{
    long ready = 0;
    int pipes = 0;
    for (uint64_t i = 0; i < nfds; i++) {
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        unsigned ev = vfs_poll(rt_vfs, fds[i].fd, (unsigned)(uint16_t)fds[i].events);
        ev &= (unsigned)(uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
        fds[i].revents = (int16_t)ev;
        if (ev)
            ready++;
        if (waitable(fds[i].fd, deadline) && pipes++ == 0)
            *first_pipe = fds[i].fd;
    }
    *several = pipes > 1;
    return ready;
}

/* The shared loop: timeout_ns ~0 waits for ever. */
static long do_poll(struct l_pollfd *fds, uint64_t nfds, uint64_t timeout_ns)
{
    uint64_t end = timeout_ns == ~0ul ? ~0ul : cx_clock_ns() + timeout_ns;
    for (;;) {
        int first_pipe = -1;
        bool several = false;
        uint64_t until = end;
        long ready = poll_once(fds, nfds, &first_pipe, &several, &until);
        if (ready)
            return ready;
        uint64_t now = cx_clock_ns();
        if (now >= end)
            return 0;
        long err = wait_change(first_pipe, several,
                               until == ~0ul ? CX_TIMEOUT_NONE
                               : until > now ? until - now
                                             : 0);
        if (err)
            return err;
    }
}

long rt_poll_wait(const int *fds, unsigned n, uint64_t end)
{
    int first = -1;
    unsigned count = 0;
    uint64_t until = end;
    for (unsigned i = 0; i < n; i++)
        if (waitable(fds[i], &until) && count++ == 0)
            first = fds[i];
    uint64_t now = cx_clock_ns();
    if (until != ~0ul && now >= until)
        return 0;
    return wait_change(first, count > 1, until == ~0ul ? CX_TIMEOUT_NONE : until - now);
}

/* ppoll and pselect6: the mask for the wait, restored after (a handler that runs sees
 * the temporary mask end with it, as for sigsuspend). */
static uint64_t swap_mask(const uint64_t *mask, bool *swapped)
{
    struct rt_tsig *ts = rt_tsig_self();
    uint64_t old = ts->mask;
    *swapped = mask != NULL;
    if (mask) {
        ts->mask = *mask & ~((1ul << 8) | (1ul << 18));
        rt_signal_recheck(); /* one pending that the mask lets through ends the wait */
    }
    return old;
}

static void restore_mask(uint64_t old, bool swapped, long result)
{
    struct rt_tsig *ts = rt_tsig_self();
    if (!swapped)
        return;
    if (result == -EINTR) { /* the handler runs under the temporary mask */
        ts->saved_mask = old;
        ts->restore_mask = true;
    } else {
        ts->mask = old;
        rt_signal_recheck(); /* what the mask held back is delivered on the way out */
    }
}

long rt_poll(void *ufds, uint64_t nfds, long timeout_ms)
{
    if (nfds > rt_nofile_limit())
        return -EINVAL;
    if (nfds && !rt_user_write((uint64_t)ufds, nfds * 8)) /* read, revents written */
        return -EFAULT;
    return do_poll(ufds, nfds, timeout_ms < 0 ? ~0ul : (uint64_t)timeout_ms * 1000000u);
}

long rt_ppoll(void *ufds, uint64_t nfds, const struct linux_timespec *ts, const uint64_t *mask,
              uint64_t masksize)
{
    if (nfds > rt_nofile_limit())
        return -EINVAL;
    if (mask && masksize != 8)
        return -EINVAL;
    if ((nfds && !rt_user_write((uint64_t)ufds, nfds * 8)) || !rt_user_read_opt((uint64_t)ts, 16) ||
        !rt_user_read_opt((uint64_t)mask, 8))
        return -EFAULT;
    uint64_t timeout = ~0ul;
    if (ts) {
        if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
            return -EINVAL;
        timeout = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    }
    bool swapped;
    uint64_t old = swap_mask(mask, &swapped);
    long r = do_poll(ufds, nfds, timeout);
    restore_mask(old, swapped, r);
    return r;
}

/* select and pselect6 on top of the poll loop; the sets are rewritten with what is
 * ready. */
static long do_select(int nfds, uint64_t *rs, uint64_t *ws, uint64_t *es, uint64_t timeout)
{
    if (nfds < 0 || (unsigned)nfds > rt_nofile_limit())
        return -EINVAL;
    uint64_t bytes = ((uint64_t)nfds + 63) / 64 * 8; /* read, then written */
    if (bytes &&
        (!rt_user_write_opt((uint64_t)rs, bytes) || !rt_user_write_opt((uint64_t)ws, bytes) ||
         !rt_user_write_opt((uint64_t)es, bytes)))
        return -EFAULT;
    unsigned n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        uint64_t bit = 1ul << (fd % 64);
        if ((rs && (rs[fd / 64] & bit)) || (ws && (ws[fd / 64] & bit)) ||
            (es && (es[fd / 64] & bit)))
            n++;
    }
    struct l_pollfd *fds = n ? rt_alloc(n * sizeof(*fds)) : NULL;
    if (n && !fds)
        return -ENOMEM;
    unsigned k = 0;
    for (int fd = 0; fd < nfds; fd++) {
        uint64_t bit = 1ul << (fd % 64);
        int16_t ev = (int16_t)(((rs && (rs[fd / 64] & bit)) ? POLLIN : 0) |
                               ((ws && (ws[fd / 64] & bit)) ? POLLOUT : 0) |
                               ((es && (es[fd / 64] & bit)) ? POLLPRI : 0));
        if (!ev)
            continue;
        if (!vfs_fd_file(rt_vfs, fd)) {
            rt_free(fds, n * sizeof(*fds));
            return -EBADF;
        }
        fds[k].fd = fd;
        fds[k++].events = ev;
    }
    long r = do_poll(fds, n, timeout);
    if (r >= 0) {
        size_t words = ((size_t)nfds + 63) / 64;
        if (rs)
            memset(rs, 0, words * 8);
        if (ws)
            memset(ws, 0, words * 8);
        if (es)
            memset(es, 0, words * 8);
        r = 0;
        for (unsigned i = 0; i < n; i++) {
            int fd = fds[i].fd;
            uint64_t bit = 1ul << (fd % 64);
            unsigned ev = (unsigned)(uint16_t)fds[i].revents;
            if (rs && (fds[i].events & POLLIN) && (ev & (POLLIN | POLLHUP | POLLERR)))
                rs[fd / 64] |= bit, r++;
            if (ws && (fds[i].events & POLLOUT) && (ev & (POLLOUT | POLLERR)))
                ws[fd / 64] |= bit, r++;
            if (es && (fds[i].events & POLLPRI) && (ev & POLLPRI))
                es[fd / 64] |= bit, r++;
        }
    }
    if (fds)
        rt_free(fds, n * sizeof(*fds));
    return r;
}

long rt_select(int nfds, uint64_t *rs, uint64_t *ws, uint64_t *es, int64_t *tv)
{
    uint64_t timeout = ~0ul, start = cx_clock_ns();
    if (!rt_user_write_opt((uint64_t)tv, 16)) /* read, and the time left written */
        return -EFAULT;
    if (tv) {
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
            return -EINVAL;
        timeout = (uint64_t)tv[0] * 1000000000u + (uint64_t)tv[1] * 1000u;
    }
    long r = do_select(nfds, rs, ws, es, timeout);
    if (tv) { /* Linux writes back the time left */
        uint64_t spent = cx_clock_ns() - start, left = spent < timeout ? timeout - spent : 0;
        tv[0] = (int64_t)(left / 1000000000u);
        tv[1] = (int64_t)(left % 1000000000u / 1000u);
    }
    return r;
}

long rt_pselect6(int nfds, uint64_t *rs, uint64_t *ws, uint64_t *es, struct linux_timespec *ts,
                 const uint64_t *sig)
{
    uint64_t timeout = ~0ul, start = cx_clock_ns();
    if (!rt_user_write_opt((uint64_t)ts, sizeof(*ts)) || !rt_user_read_opt((uint64_t)sig, 16))
        return -EFAULT;
    if (ts) {
        if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
            return -EINVAL;
        timeout = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    }
    const uint64_t *mask = NULL;
    if (sig) { /* { const sigset_t *ss; size_t ss_len } */
        mask = (const uint64_t *)sig[0];
        if (mask && sig[1] != 8)
            return -EINVAL;
        if (!rt_user_read_opt((uint64_t)mask, 8))
            return -EFAULT;
    }
    bool swapped;
    uint64_t old = swap_mask(mask, &swapped);
    long r = do_select(nfds, rs, ws, es, timeout);
    restore_mask(old, swapped, r);
    if (ts) {
        uint64_t spent = cx_clock_ns() - start, left = spent < timeout ? timeout - spent : 0;
        ts->tv_sec = (int64_t)(left / 1000000000u);
        ts->tv_nsec = (int64_t)(left % 1000000000u);
    }
    return r;
}
