/*
 * fdkinds: the descriptors that are not files (issues 18 and 20), each case checked the
 * same way on the Linux host and in capix (tests/posix/fdkinds-test.sh compares the
 * output line for line):
 *   - eventfd: initial value, reads and writes of 8 bytes (EINVAL for fewer, for the
 *     value 2^64-1), EAGAIN on an empty counter and on one that would pass
 *     0xfffffffffffffffe, EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC, poll readiness, and
 *     a parent and its fork child signalling each other through eventfds, a thread's
 *     blocking read woken by another thread;
 *   - epoll: creation and epoll_ctl errors (EINVAL, EBADF, EEXIST, ENOENT, EPERM for a
 *     plain file, ELOOP), level-triggered, EPOLLET and EPOLLONESHOT over a pipe, EPOLLHUP
 *     and EPOLLERR, data.u64 as given, an eventfd, a timerfd and a signalfd as members,
 *     a nested instance, the timeout, EINTR, epoll_pwait's and ppoll's masks, ready
 *     entries taking turns when maxevents is 1, and a wait woken by a fork child;
 *   - timerfd: creation and timerfd_settime errors, one-shot and periodic expirations
 *     (the count read as 8 bytes), TFD_TIMER_ABSTIME on CLOCK_REALTIME,
 *     timerfd_gettime, the old value, poll readiness;
 *   - signalfd: errors, reading a pending blocked SIGUSR1 (signo, code, pid, uid),
 *     a sigqueue'd value, changing the mask through the descriptor, a blocking read
 *     woken by a signal from a fork child.
 * One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static int err_is(long r, int e)
{
    return r == -1 && errno == e;
}

static uint64_t rd64(int fd, long *r)
{
    uint64_t v = 0;
    *r = read(fd, &v, sizeof(v));
    return v;
}

static long wr64(int fd, uint64_t v)
{
    return write(fd, &v, sizeof(v));
}

static short poll1(int fd, short events, int timeout)
{
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, timeout);
    return r < 0 ? -1 : p.revents;
}

static int wait_child(pid_t pid)
{
    int st;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ---- eventfd ---- */

static void *thread_read(void *arg)
{
    long r;
    uint64_t v = rd64(*(int *)arg, &r);
    return (void *)(uintptr_t)(r == 8 ? v : 0);
}

static void test_eventfd(void)
{
    long r;
    check("efd-bad-flags", err_is(syscall(SYS_eventfd2, 0, 2), EINVAL), "flag 2 accepted");
    int fd = eventfd(5, 0);
    check("efd-create", fd >= 0, "eventfd failed");
    uint64_t v = rd64(fd, &r);
    check("efd-initval", r == 8 && v == 5, "initial value not read back");
    char small[4] = {0};
    check("efd-read-short", err_is(read(fd, small, 4), EINVAL), "4-byte read not EINVAL");
    check("efd-write-short", err_is(write(fd, small, 4), EINVAL), "4-byte write not EINVAL");
    check("efd-write-max", err_is(wr64(fd, ~0ull), EINVAL), "2^64-1 not EINVAL");
    int fl = fcntl(fd, F_GETFL);
    check("efd-rdwr", fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & O_NONBLOCK), "flags");
    check("efd-no-cloexec", fcntl(fd, F_GETFD) == 0, "FD_CLOEXEC set");
    check("efd-poll-empty", poll1(fd, POLLIN | POLLOUT, 0) == POLLOUT, "not POLLOUT alone");
    check("efd-write", wr64(fd, 3) == 8 && wr64(fd, 4) == 8, "write failed");
    check("efd-poll-ready", poll1(fd, POLLIN | POLLOUT, 0) == (POLLIN | POLLOUT), "not IN|OUT");
    char big[16];
    memset(big, 0, sizeof(big));
    r = read(fd, big, sizeof(big));
    memcpy(&v, big, 8);
    check("efd-read-sum", r == 8 && v == 7, "the sum 7 not read with a 16-byte buffer");
    close(fd);

    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    check("efd-nonblock-flags",
          fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) && fcntl(fd, F_GETFD) == FD_CLOEXEC,
          "O_NONBLOCK or FD_CLOEXEC missing");
    rd64(fd, &r);
    check("efd-empty-eagain", err_is(r, EAGAIN), "empty read not EAGAIN");
    check("efd-fill", wr64(fd, 0xfffffffffffffffeull) == 8, "max value refused");
    check("efd-full-eagain", err_is(wr64(fd, 1), EAGAIN), "overflow not EAGAIN");
    check("efd-zero-write", wr64(fd, 0) == 8, "write of 0 refused");
    check("efd-poll-full", poll1(fd, POLLIN | POLLOUT, 0) == POLLIN, "full not POLLIN alone");
    v = rd64(fd, &r);
    check("efd-read-max", r == 8 && v == 0xfffffffffffffffeull, "max value not read");
    close(fd);

    fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t a = rd64(fd, &r), b = rd64(fd, &r), c = rd64(fd, &r);
    check("efd-semaphore", a == 1 && b == 1 && c == 1 && r == 8, "reads not 1, 1, 1");
    rd64(fd, &r);
    check("efd-semaphore-empty", err_is(r, EAGAIN), "fourth read not EAGAIN");
    close(fd);
    rd64(fd, &r);
    check("efd-bad-fd", err_is(r, EBADF), "closed descriptor not EBADF");

    /* parent and child signal each other through two eventfds (blocking reads) */
    int to_child = eventfd(0, 0), to_parent = eventfd(0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long rr;
        uint64_t got = rd64(to_child, &rr);
        if (rr != 8 || got != 7)
            _exit(1);
        _exit(wr64(to_parent, got + 1) == 8 ? 0 : 2);
    }
    sleep_ms(30);
    wr64(to_child, 7);
    v = rd64(to_parent, &r);
    check("efd-fork", r == 8 && v == 8 && wait_child(pid), "child did not answer 8");
    /* a blocked write goes on when the other process reads */
    wr64(to_child, 0xfffffffffffffffeull);
    pid = fork();
    if (pid == 0)
        _exit(wr64(to_child, 5) == 8 ? 0 : 1); /* blocks until the parent reads */
    sleep_ms(30);
    v = rd64(to_child, &r);
    uint64_t after = rd64(to_child, &r);
    check("efd-fork-blocked-write", v == 0xfffffffffffffffeull && after == 5 && wait_child(pid),
          "child's write did not go on after the read");
    close(to_child);
    close(to_parent);

    /* a thread blocked in read is woken by another thread's write */
    int tfd = eventfd(0, 0);
    pthread_t th;
    pthread_create(&th, NULL, thread_read, &tfd);
    sleep_ms(30);
    wr64(tfd, 9);
    void *res = NULL;
    pthread_join(th, &res);
    check("efd-thread", (uintptr_t)res == 9, "the thread did not read 9");
    close(tfd);
}

/* ---- epoll ---- */

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_wait(int ep, struct epoll_event *evs, int max, int timeout)
{
    int r;
    while ((r = epoll_wait(ep, evs, max, timeout)) < 0 && errno == EINTR && timeout != -2)
        ;
    return r;
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void test_epoll(const char *self)
{
    struct epoll_event ev, evs[8];
    check("ep-create-0", err_is(syscall(SYS_epoll_create, 0), EINVAL), "size 0 accepted");
    check("ep-create1-flags", err_is(epoll_create1(1), EINVAL), "flag 1 accepted");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    check("ep-create1", ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "no FD_CLOEXEC");
    int p[2];
    pipe(p);
    ev.events = EPOLLIN;
    ev.data.u64 = 1;
    check("ep-ctl-not-epoll", err_is(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL),
          "a pipe as epfd not EINVAL");
    check("ep-ctl-bad-epfd", err_is(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF), "not EBADF");
    check("ep-ctl-bad-fd", err_is(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF), "not EBADF");
    check("ep-ctl-self", err_is(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL), "not EINVAL");
    check("ep-ctl-bad-op", err_is(epoll_ctl(ep, 99, p[0], &ev), EINVAL), "op 99 not EINVAL");
    check("ep-ctl-mod-missing", err_is(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT),
          "not ENOENT");
    check("ep-ctl-del-missing", err_is(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT),
          "not ENOENT");
    int file = open(self, O_RDONLY);
    check("ep-ctl-file-eperm", file >= 0 && err_is(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM),
          "a plain file not EPERM");
    close(file);
    check("ep-ctl-add", ep_add(ep, p[0], EPOLLIN, 0x1122334455667788ull) == 0, "add failed");
    check("ep-ctl-eexist", err_is(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST), "not EEXIST");
    check("ep-wait-maxevents", err_is(epoll_wait(ep, evs, 0, 0), EINVAL), "maxevents 0 accepted");
    check("ep-wait-not-epoll", err_is(epoll_wait(p[0], evs, 1, 0), EINVAL), "not EINVAL");
    sigset_t ss;
    sigemptyset(&ss);
    check("ep-pwait-sigsetsize", err_is(syscall(SYS_epoll_pwait, ep, evs, 1, 0, &ss, 7), EINVAL),
          "sigsetsize 7 accepted");

    uint64_t t0 = now_ms();
    int n = epoll_wait(ep, evs, 8, 60);
    uint64_t spent = now_ms() - t0;
    check("ep-wait-timeout", n == 0 && spent >= 55 && spent < 2000, "no 60 ms timeout");

    /* level-triggered */
    write(p[1], "ab", 2);
    n = ep_wait(ep, evs, 8, 1000);
    check("ep-lt-ready",
          n == 1 && evs[0].events == EPOLLIN && evs[0].data.u64 == 0x1122334455667788ull,
          "not EPOLLIN with the data given");
    n = ep_wait(ep, evs, 8, 0);
    check("ep-lt-again", n == 1, "level-triggered not reported again");
    char buf[16];
    read(p[0], buf, sizeof(buf));
    check("ep-lt-drained", ep_wait(ep, evs, 8, 0) == 0, "empty pipe reported");

    /* edge-triggered */
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 2;
    check("ep-ctl-mod", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "mod failed");
    write(p[1], "a", 1);
    n = ep_wait(ep, evs, 8, 1000);
    check("ep-et-first", n == 1 && evs[0].data.u64 == 2, "edge not reported");
    check("ep-et-once", ep_wait(ep, evs, 8, 0) == 0, "edge reported twice");
    write(p[1], "b", 1);
    n = ep_wait(ep, evs, 8, 1000);
    check("ep-et-new-data", n == 1 && evs[0].events == EPOLLIN, "new data not an edge");
    check("ep-et-once-more", ep_wait(ep, evs, 8, 0) == 0, "edge reported twice");
    read(p[0], buf, sizeof(buf));

    /* one-shot */
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 3;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    write(p[1], "c", 1);
    n = ep_wait(ep, evs, 8, 1000);
    check("ep-oneshot-first", n == 1 && evs[0].data.u64 == 3, "not reported");
    check("ep-oneshot-disabled", ep_wait(ep, evs, 8, 0) == 0, "reported after one shot");
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    n = ep_wait(ep, evs, 8, 0);
    check("ep-oneshot-rearmed", n == 1 && evs[0].data.u64 == 3, "not reported after MOD");
    read(p[0], buf, sizeof(buf));
    check("ep-ctl-del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "del failed");

    /* hang-up and error */
    ep_add(ep, p[0], EPOLLIN, 4);
    ep_add(ep, p[1], EPOLLOUT, 5);
    n = ep_wait(ep, evs, 8, 0);
    check("ep-out", n == 1 && evs[0].events == EPOLLOUT && evs[0].data.u64 == 5, "not EPOLLOUT");
    close(p[1]);
    n = ep_wait(ep, evs, 8, 0);
    check("ep-hup", n == 1 && evs[0].events == EPOLLHUP && evs[0].data.u64 == 4,
          "closed writer not EPOLLHUP alone (entry of a closed fd must go)");
    close(p[0]);
    check("ep-closed-gone", ep_wait(ep, evs, 8, 0) == 0, "closed descriptor reported");
    pipe(p);
    ep_add(ep, p[1], EPOLLOUT, 6);
    close(p[0]);
    n = ep_wait(ep, evs, 8, 0);
    check("ep-err", n == 1 && evs[0].events == (EPOLLOUT | EPOLLERR), "not EPOLLOUT|EPOLLERR");
    close(p[1]);
    close(ep);

    /* a pipe, an eventfd and a timerfd in one instance */
    ep = epoll_create(1);
    pipe(p);
    int efd = eventfd(0, EFD_NONBLOCK);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    ep_add(ep, p[0], EPOLLIN, 10);
    ep_add(ep, efd, EPOLLIN, 11);
    ep_add(ep, tfd, EPOLLIN, 12);
    check("ep-mixed-none", ep_wait(ep, evs, 8, 0) == 0, "something ready");
    wr64(efd, 1);
    n = ep_wait(ep, evs, 8, 0);
    check("ep-mixed-eventfd", n == 1 && evs[0].data.u64 == 11, "not the eventfd alone");
    long r;
    rd64(efd, &r);
    struct itimerspec its = {{0, 0}, {0, 40000000}};
    timerfd_settime(tfd, 0, &its, NULL);
    t0 = now_ms();
    n = ep_wait(ep, evs, 8, 2000);
    spent = now_ms() - t0;
    check("ep-mixed-timerfd", n == 1 && evs[0].data.u64 == 12 && spent >= 35 && spent < 1500,
          "the timerfd not reported after 40 ms");
    uint64_t ticks = rd64(tfd, &r);
    check("ep-timerfd-ticks", r == 8 && ticks == 1, "not one expiration");
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(40);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    n = ep_wait(ep, evs, 8, 5000);
    check("ep-mixed-pipe-fork", n == 1 && evs[0].data.u64 == 10 && wait_child(pid),
          "the pipe written by a child not reported");
    read(p[0], buf, sizeof(buf));
    pid = fork();
    if (pid == 0) {
        sleep_ms(40);
        _exit(wr64(efd, 2) == 8 ? 0 : 1);
    }
    n = ep_wait(ep, evs, 8, 5000);
    check("ep-eventfd-fork",
          n == 1 && evs[0].data.u64 == 11 && evs[0].events == EPOLLIN && wait_child(pid),
          "the eventfd written by a child not reported");
    rd64(efd, &r);

    /* two ready, one taken at a time: they take turns */
    int ea = eventfd(1, 0), eb = eventfd(1, 0);
    int ep2 = epoll_create1(0);
    ep_add(ep2, ea, EPOLLIN, 40);
    ep_add(ep2, eb, EPOLLIN, 41);
    uint64_t seq[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        if (ep_wait(ep2, evs, 1, 0) == 1)
            seq[i] = evs[0].data.u64;
    check("ep-maxevents-turns", seq[0] == 40 && seq[1] == 41 && seq[2] == 40, "not 40, 41, 40");
    n = ep_wait(ep2, evs, 8, 0);
    check("ep-both", n == 2 && evs[0].data.u64 + evs[1].data.u64 == 81, "not both");
    close(ep2);
    close(ea);
    close(eb);

    /* nesting */
    int outer = epoll_create1(0);
    check("ep-nest-add", ep_add(outer, ep, EPOLLIN, 20) == 0, "adding an instance failed");
    check("ep-nest-loop", err_is(ep_add(ep, outer, EPOLLIN, 21), ELOOP), "cycle not ELOOP");
    check("ep-nest-none", ep_wait(outer, evs, 8, 0) == 0, "inner instance ready");
    wr64(efd, 1);
    n = ep_wait(outer, evs, 8, 1000);
    check("ep-nest-ready", n == 1 && evs[0].data.u64 == 20 && evs[0].events == EPOLLIN,
          "inner instance not reported");
    check("ep-poll-instance", poll1(ep, POLLIN, 0) == POLLIN, "poll on an instance");
    rd64(efd, &r);
    close(outer);

    /* a signal ends the wait: EINTR */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval itv = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &itv, NULL);
    n = epoll_wait(ep, evs, 8, 5000);
    check("ep-eintr", err_is(n, EINTR) && alarms == 1, "not EINTR");
    /* epoll_pwait's mask holds for the wait only: a pending SIGALRM that the mask
     * blocks leaves the wait to its timeout; one that it unblocks ends it at once */
    sigset_t block, none, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &block, NULL);
    kill(getpid(), SIGALRM);
    n = epoll_pwait(ep, evs, 8, 30, &block);
    check("ep-pwait-mask-holds", n == 0 && alarms == 1, "the mask did not hold SIGALRM");
    t0 = now_ms();
    n = epoll_pwait(ep, evs, 8, 5000, &none);
    spent = now_ms() - t0;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    check("ep-pwait-mask-opens",
          err_is(n, EINTR) && alarms == 2 && spent < 2000 && sigismember(&cur, SIGALRM),
          "not EINTR at once with the old mask back");
    /* the same for ppoll (poll.c shares the way epoll waits) */
    kill(getpid(), SIGALRM);
    struct pollfd pfd = {p[0], POLLIN, 0};
    struct timespec five = {5, 0};
    t0 = now_ms();
    n = ppoll(&pfd, 1, &five, &none);
    spent = now_ms() - t0;
    check("ppoll-mask-opens", err_is(n, EINTR) && alarms == 3 && spent < 2000, "not EINTR at once");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    close(p[0]);
    close(p[1]);
    close(efd);
    close(tfd);
    close(ep);
}

/* ---- timerfd ---- */

static void test_timerfd(void)
{
    long r;
    check("tfd-bad-clock", err_is(timerfd_create(99, 0), EINVAL), "clock 99 accepted");
    check("tfd-bad-flags", err_is(timerfd_create(CLOCK_MONOTONIC, 4), EINVAL), "flag 4 accepted");
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    check("tfd-create",
          fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_NONBLOCK),
          "flags");
    struct itimerspec its = {{0, 0}, {0, 1000000000}}, cur;
    check("tfd-settime-nsec", err_is(timerfd_settime(fd, 0, &its, NULL), EINVAL),
          "1e9 ns accepted");
    its.it_value.tv_nsec = 1000;
    check("tfd-settime-flags", err_is(timerfd_settime(fd, 4, &its, NULL), EINVAL),
          "flag 4 accepted");
    int p[2];
    pipe(p);
    check("tfd-settime-not-timerfd", err_is(timerfd_settime(p[0], 0, &its, NULL), EINVAL),
          "a pipe not EINVAL");
    check("tfd-gettime-not-timerfd", err_is(timerfd_gettime(p[0], &cur), EINVAL),
          "a pipe not EINVAL");
    check("tfd-settime-bad-fd", err_is(timerfd_settime(99, 0, &its, NULL), EBADF), "not EBADF");
    close(p[0]);
    close(p[1]);
    rd64(fd, &r);
    check("tfd-disarmed-eagain", err_is(r, EAGAIN), "disarmed read not EAGAIN");
    char small[4];
    check("tfd-read-short", err_is(read(fd, small, 4), EINVAL), "4-byte read not EINVAL");
    check("tfd-write", err_is(write(fd, small, 4), EINVAL), "write not EINVAL");
    check("tfd-gettime-disarmed",
          timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0 &&
              cur.it_interval.tv_nsec == 0,
          "not zero");
    its.it_value.tv_sec = 10;
    its.it_value.tv_nsec = 0;
    its.it_interval.tv_sec = 3;
    timerfd_settime(fd, 0, &its, NULL);
    check("tfd-gettime-armed",
          timerfd_gettime(fd, &cur) == 0 && cur.it_value.tv_sec >= 9 && cur.it_value.tv_sec <= 10 &&
              cur.it_interval.tv_sec == 3,
          "not about 10 s, interval 3 s");
    check("tfd-poll-not-yet", poll1(fd, POLLIN, 0) == 0, "ready before its time");
    struct itimerspec old;
    memset(&its, 0, sizeof(its));
    check("tfd-disarm-old",
          timerfd_settime(fd, 0, &its, &old) == 0 && old.it_value.tv_sec >= 9 &&
              old.it_interval.tv_sec == 3,
          "old value not returned");
    close(fd);

    /* one shot, blocking read */
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    its.it_value.tv_nsec = 30000000;
    uint64_t t0 = now_ms();
    timerfd_settime(fd, 0, &its, NULL);
    uint64_t ticks = rd64(fd, &r);
    uint64_t spent = now_ms() - t0;
    check("tfd-oneshot", r == 8 && ticks == 1 && spent >= 25 && spent < 2000,
          "not one expiration after 30 ms");
    check("tfd-oneshot-gone", poll1(fd, POLLIN, 0) == 0, "ready again");
    /* periodic: the expirations add up until read */
    its.it_value.tv_nsec = 10000000;
    its.it_interval.tv_nsec = 10000000;
    timerfd_settime(fd, 0, &its, NULL);
    sleep_ms(65);
    ticks = rd64(fd, &r);
    check("tfd-periodic", r == 8 && ticks >= 4 && ticks <= 20, "not about 6 expirations");
    ticks = rd64(fd, &r);
    check("tfd-periodic-next", r == 8 && ticks >= 1 && ticks <= 3, "the next expiration");
    close(fd);

    /* absolute time on CLOCK_REALTIME, waited for with poll */
    fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    memset(&its, 0, sizeof(its));
    its.it_value = now;
    its.it_value.tv_nsec += 40000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_sec++;
        its.it_value.tv_nsec -= 1000000000;
    }
    t0 = now_ms();
    check("tfd-abstime-set", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "refused");
    short ev = poll1(fd, POLLIN, 3000);
    spent = now_ms() - t0;
    check("tfd-abstime-poll", ev == POLLIN && spent >= 30 && spent < 2000, "not ready after 40 ms");
    ticks = rd64(fd, &r);
    check("tfd-abstime-read", r == 8 && ticks == 1, "not one expiration");
    its.it_value.tv_sec = 1; /* long past */
    its.it_value.tv_nsec = 0;
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
    ticks = rd64(fd, &r);
    check("tfd-abstime-past", r == 8 && ticks == 1, "a past time not expired at once");
    close(fd);
}

/* ---- signalfd ---- */

static void test_signalfd(void)
{
    long r;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    check("sfd-bad-size", err_is(syscall(SYS_signalfd4, -1, &set, 4, 0), EINVAL),
          "size 4 accepted");
    check("sfd-bad-flags", err_is(signalfd(-1, &set, 1), EINVAL), "flag 1 accepted");
    int p[2];
    pipe(p);
    check("sfd-not-signalfd", err_is(signalfd(p[0], &set, 0), EINVAL), "a pipe not EINVAL");
    close(p[0]);
    close(p[1]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    check("sfd-create", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "flags");
    struct signalfd_siginfo si;
    check("sfd-empty-eagain", err_is(read(fd, &si, sizeof(si)), EAGAIN), "empty read not EAGAIN");
    check("sfd-poll-empty", poll1(fd, POLLIN, 0) == 0, "ready with nothing pending");
    kill(getpid(), SIGUSR1);
    check("sfd-poll-pending", poll1(fd, POLLIN, 0) == POLLIN, "pending SIGUSR1 not POLLIN");
    char small[64];
    check("sfd-read-short", err_is(read(fd, small, sizeof(small)), EINVAL), "64-byte read");
    memset(&si, 0, sizeof(si));
    r = read(fd, &si, sizeof(si));
    check("sfd-read",
          r == sizeof(si) && si.ssi_signo == SIGUSR1 && si.ssi_code == SI_USER &&
              si.ssi_pid == (uint32_t)getpid() && si.ssi_uid == getuid(),
          "not SIGUSR1 from kill by this process");
    check("sfd-taken", err_is(read(fd, &si, sizeof(si)), EAGAIN), "read twice");
    sigset_t pend;
    sigpending(&pend);
    check("sfd-not-pending", !sigismember(&pend, SIGUSR1), "still pending");

    /* a queued value */
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    check("sfd-update", signalfd(fd, &set, 0) == fd, "the descriptor not returned");
    union sigval val = {.sival_int = 42};
    sigqueue(getpid(), SIGRTMIN, val);
    kill(getpid(), SIGUSR1);
    struct signalfd_siginfo two[2];
    memset(two, 0, sizeof(two));
    r = read(fd, two, sizeof(two));
    check("sfd-two",
          r == 2 * (long)sizeof(si) && two[0].ssi_signo == SIGUSR1 &&
              two[1].ssi_signo == (uint32_t)SIGRTMIN && two[1].ssi_code == SI_QUEUE &&
              two[1].ssi_int == 42,
          "not SIGUSR1 then SIGRTMIN with 42");

    /* the mask changed through the descriptor */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signalfd(fd, &only2, 0);
    kill(getpid(), SIGUSR1);
    check("sfd-mask-excludes", poll1(fd, POLLIN, 0) == 0, "SIGUSR1 seen outside the mask");
    struct timespec zero = {0, 0};
    sigset_t just1;
    sigemptyset(&just1);
    sigaddset(&just1, SIGUSR1);
    sigtimedwait(&just1, NULL, &zero);

    /* a blocking read woken by a fork child's signal; and in epoll */
    int blk = signalfd(-1, &only2, 0);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(40);
        _exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
    }
    memset(&si, 0, sizeof(si));
    r = read(blk, &si, sizeof(si));
    check("sfd-blocking",
          r == sizeof(si) && si.ssi_signo == SIGUSR2 && si.ssi_pid == (uint32_t)pid &&
              wait_child(pid),
          "not SIGUSR2 from the child");
    int ep = epoll_create1(0);
    ep_add(ep, blk, EPOLLIN, 30);
    pid = fork();
    if (pid == 0) {
        sleep_ms(40);
        _exit(kill(getppid(), SIGUSR2) == 0 ? 0 : 1);
    }
    struct epoll_event evs[2];
    int n = ep_wait(ep, evs, 2, 5000);
    check("sfd-epoll",
          n == 1 && evs[0].data.u64 == 30 && read(blk, &si, sizeof(si)) == sizeof(si) &&
              si.ssi_signo == SIGUSR2 && wait_child(pid),
          "not reported by epoll");
    close(ep);
    close(blk);
    close(fd);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_eventfd();
    test_epoll(argv[0]);
    test_timerfd();
    test_signalfd();
    return failed;
}
