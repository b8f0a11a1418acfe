/*
 * Descriptors that are not files (docs/runtime.md, "Event descriptors"): eventfd,
 * timerfd and signalfd (fdkinds.c), and epoll (epoll.c). They are nodes of one hidden
 * file system of the runtime (Linux's anon_inode); every call about them comes through
 * rt_fdkinds_syscall. All of it runs under the runtime lock.
 */
#ifndef CAPIX_RT_FDKINDS_H
#define CAPIX_RT_FDKINDS_H

#include <stdbool.h>
#include <stdint.h>
#include <vfs/plugin.h>

struct rt_call;

enum {
    NR_epoll_create = 213,
    NR_epoll_wait = 232,
    NR_epoll_ctl = 233,
    NR_epoll_pwait = 281,
    NR_signalfd = 282,
    NR_timerfd_create = 283,
    NR_eventfd = 284,
    NR_timerfd_settime = 286,
    NR_timerfd_gettime = 287,
    NR_signalfd4 = 289,
    NR_eventfd2 = 290,
    NR_epoll_create1 = 291,
    NR_epoll_pwait2 = 441,
};

enum fdkind { FDK_EVENTFD = 1, FDK_TIMERFD, FDK_SIGNALFD, FDK_EPOLL };

/* The calls above, or RT_NOT_MINE. */
long rt_fdkinds_syscall(const struct rt_call *c);

/* The kind of f, or 0 if it is none of these. */
enum fdkind rt_fdkind(const struct vfs_file *f);

/* What a wait for f's readiness sleeps on: *notif, a notification that every change
 * signals (0: none), and *deadline, the absolute time (cx_clock_ns) by which it must
 * look again (~0: none). Returns false if f is none of these kinds. */
bool rt_fdkind_wake(struct vfs_file *f, uint64_t *notif, uint64_t *deadline);

/* A number that changes whenever f changes in a way that matters for events (epoll's
 * EPOLLET: POLLIN, new data; POLLOUT, room made), or 0 if unknown. Pipes too. */
uint64_t rt_fdkind_generation(struct vfs_file *f, unsigned events);

/* Waits until f (one of these kinds) may be ready for events: 1, 0 if f is none of
 * these kinds, or -EINTR for a signal. Drops the runtime lock while waiting. */
int rt_fdkind_wait(struct vfs_file *f, unsigned events);

/* fdkinds.c: the hidden file system's node for a new object of kind, opened O_RDWR
 * with flags (O_NONBLOCK, O_CLOEXEC) and installed: the descriptor or -errno. obj is
 * the kind's state (fdkinds.c or epoll.c), freed by free_obj when the last description
 * is gone. */
struct fdk_node {
    struct vfs_node node;
    enum fdkind kind;
    void *obj;
    void (*free_obj)(void *obj);
};
long rt_fdkind_install(enum fdkind kind, void *obj, void (*free_obj)(void *), int flags);
/* SCM_RIGHTS (unix_rights.c): an eventfd's, timerfd's or signalfd's shared object and
 * what the receiver needs (sub: bit 0 EFD_SEMAPHORE, bits 1-2 the kind less
 * FDK_EVENTFD), or -EOPNOTSUPP; and the receiver's new description of a passed one from
 * its ticket (a descriptor or -errno). */
long rt_kobj_pass(struct vfs_file *f, uint64_t *id, uint32_t *sub);
long rt_kobj_adopt(uint64_t ticket, uint32_t sub, uint32_t status, uint32_t fdflags);
struct fdk_node *rt_fdkind_node(const struct vfs_file *f);

/* epoll.c */
long rt_epoll_create1(int flags);
long rt_epoll_ctl(int epfd, int op, int fd, const void *event);
long rt_epoll_pwait(int epfd, void *events, int maxevents, uint64_t timeout_ns,
                    const uint64_t *mask, uint64_t masksize);
unsigned rt_epoll_poll(void *obj);

/* pipe.c */
int rt_pipe_area_claim(void);
void rt_pipe_area_free(unsigned index);
uint64_t rt_pipe_generation(struct vfs_file *f, unsigned events);

/* poll.c: waits until one of fds[0..n) may have changed, or until end (cx_clock_ns,
 * ~0: none): 0, or -EINTR for a signal. */
long rt_poll_wait(const int *fds, unsigned n, uint64_t end);

#endif
