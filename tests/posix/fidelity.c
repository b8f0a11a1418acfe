/*
 * fidelity: small Linux behaviours that a test suite meets (issue 23), each checked the
 * same way on the Linux host and in capix (tests/posix/fidelity-test.sh compares the
 * output line for line):
 *   - bad pointers ((void *)-1, ranges that wrap or reach past user space, NULL where
 *     a result must go) get EFAULT from the calls that take them, not a fault;
 *   - SA_RESETHAND resets the handler on delivery and keeps the flags (SA_SIGINFO);
 *   - brk shrunk over pages the program made read-only, then grown again: zero,
 *     writable pages;
 *   - execve with an empty argv: the program gets argc 1 and an empty argv[0];
 *   - RLIMIT_NOFILE: descriptors up to the soft limit can be opened, EMFILE beyond (of
 *     /dev/null and of a file in /tmp, a file system server's);
 *   - RLIMIT_CORE's soft limit is 0 by default, and a death by SIGABRT with it says no
 *     core was dumped (WCOREDUMP false);
 *   - FIONREAD on a pipe's write end counts the bytes in the pipe; F_SETPIPE_SZ resizes
 *     a pipe as Linux does (rounding, a write that stops at the size, EBUSY below it);
 *   - waitid reports only what its options ask for (WSTOPPED alone: an exited child is
 *     none, ECHILD),
 *     and WNOWAIT leaves the child to be waited for;
 *   - a vfork child starts with no pending signals (its parent's stay the parent's);
 *   - clone(CLONE_PARENT) makes a sibling, its maker's parent's child;
 *   - F_SETOWN, F_SETOWN_EX and F_SETSIG are read back by F_GETOWN, F_GETOWN_EX and
 *     F_GETSIG;
 *   - a timer's overrun count runs from its signal's raising to its taking and stops at
 *     INT_MAX;
 *   - system time is counted: times, getrusage, wait4's rusage of a child;
 *   - a child of a process that slept has its own sleeps broken by signals (EINTR);
 *   - getpwnam and getgrnam find root in /etc/passwd and /etc/group, and a missing
 *     name is "not found", not an error (musl then asks nscd over AF_UNIX: in capix the
 *     socket is refused with EAFNOSUPPORT, which musl takes for "no nscd");
 *   - ETXTBSY (a copy of this program in /tmp, a file system server's file): execve of
 *     a file open for writing fails with it, and so do opening a running program's file
 *     for writing and truncating it (reading is fine), until the program ends: by exit,
 *     and by SIGKILL;
 *   - a program run again through /proc/self/exe finds its own file there (not the
 *     link), and can run itself so once more.
 *   - PROT_NONE denies access (issue 20): a read or a write of such a page is SIGSEGV
 *     with SEGV_ACCERR and si_addr the byte touched, for private anonymous, private
 *     file, shared anonymous and shared file mappings made PROT_NONE by mmap or
 *     mprotect, and mprotect back finds the bytes unchanged; a thread's stack has such
 *     a guard page below it; mincore reports it, mlock over it is ENOMEM,
 *     MADV_DONTNEED zeroes it, mlockall leaves it alone.
 * One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* A raw call that must fail with EFAULT, made in a child so that a fault (the process
 * killed by SIGSEGV) is one failed case, not the end of the program. */
#define EFAULT_CASE(name, ...)                                                                     \
    do {                                                                                           \
        pid_t c_ = fork();                                                                         \
        if (c_ == 0) {                                                                             \
            errno = 0;                                                                             \
            long r_ = syscall(__VA_ARGS__);                                                        \
            _exit(r_ == -1 && errno == EFAULT ? 0 : 1);                                            \
        }                                                                                          \
        int st_ = 0;                                                                               \
        waitpid(c_, &st_, 0);                                                                      \
        check("efault-" name, WIFEXITED(st_) && WEXITSTATUS(st_) == 0,                             \
              WIFSIGNALED(st_) ? "killed by a signal" : "not EFAULT");                             \
    } while (0)

#define BAD ((void *)-1)
#define WRAPS ((void *)0xfffffffffffff000ul) /* a range from here wraps */
#define TOP ((void *)0x00007ffffffff000ul)   /* a range from here runs past user space */

static void efault_cases(void)
{
    sigset_t set;
    sigemptyset(&set);
    EFAULT_CASE("getitimer", SYS_getitimer, ITIMER_REAL, BAD);
    EFAULT_CASE("getitimer-null", SYS_getitimer, ITIMER_REAL, NULL);
    EFAULT_CASE("setitimer-new", SYS_setitimer, ITIMER_REAL, BAD, NULL);
    EFAULT_CASE("getrlimit", SYS_getrlimit, RLIMIT_NOFILE, BAD);
    EFAULT_CASE("prlimit-old", SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD);
    EFAULT_CASE("gettimeofday", SYS_gettimeofday, BAD, NULL);
    EFAULT_CASE("getrandom", SYS_getrandom, BAD, 16, 0);
    EFAULT_CASE("getrandom-wraps", SYS_getrandom, WRAPS, 0x2000, 0);
    EFAULT_CASE("getrandom-past-top", SYS_getrandom, TOP, 0x2000, 0);
    EFAULT_CASE("getrusage", SYS_getrusage, RUSAGE_SELF, BAD);
    EFAULT_CASE("rt_sigaction-new", SYS_rt_sigaction, SIGUSR1, BAD, NULL, 8);
    EFAULT_CASE("rt_sigaction-old", SYS_rt_sigaction, SIGUSR1, NULL, BAD, 8);
    EFAULT_CASE("rt_sigprocmask-set", SYS_rt_sigprocmask, SIG_BLOCK, BAD, NULL, 8);
    EFAULT_CASE("rt_sigprocmask-old", SYS_rt_sigprocmask, SIG_BLOCK, &set, BAD, 8);
    EFAULT_CASE("ppoll-fds", SYS_ppoll, BAD, 1, NULL, NULL, 8);
    EFAULT_CASE("clock_gettime", SYS_clock_gettime, CLOCK_MONOTONIC, BAD);
    EFAULT_CASE("sysinfo", SYS_sysinfo, BAD);
    EFAULT_CASE("times", SYS_times, BAD);
    for (int null = 1; null >= 0; null--) {
        pid_t c = fork(); /* timers are not inherited: the child makes its own */
        if (c == 0) {
            timer_t t;
            struct sigevent ev = {.sigev_notify = SIGEV_NONE};
            if (timer_create(CLOCK_MONOTONIC, &ev, &t))
                _exit(2);
            errno = 0;
            long r = syscall(SYS_timer_gettime, t, null ? NULL : BAD);
            _exit(r == -1 && errno == EFAULT ? 0 : 1);
        }
        int st = 0;
        waitpid(c, &st, 0);
        check(null ? "efault-timer_gettime-null" : "efault-timer_gettime",
              WIFEXITED(st) && WEXITSTATUS(st) == 0,
              WIFSIGNALED(st) ? "killed by a signal" : "not EFAULT");
    }
}

static volatile int hits;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    hits++;
}

static void resethand_case(void)
{
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO | SA_RESETHAND}, old;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    check("sa-resethand-handler-reset", hits == 1 && old.sa_handler == SIG_DFL,
          "the handler stayed");
    check("sa-resethand-keeps-flags",
          (old.sa_flags & (SA_SIGINFO | SA_RESETHAND)) == (SA_SIGINFO | SA_RESETHAND),
          "SA_SIGINFO or SA_RESETHAND went");
}

static void brk_case(void)
{
    uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t base = (cur + 4095) & ~4095ul;
    if ((uintptr_t)syscall(SYS_brk, base + 4 * 4096) != base + 4 * 4096) {
        check("brk-shrink-over-readonly", 0, "brk did not grow");
        return;
    }
    memset((void *)base, 'x', 4 * 4096);
    int ok = mprotect((void *)(base + 2 * 4096), 2 * 4096, PROT_READ) == 0;
    ok = ok && (uintptr_t)syscall(SYS_brk, base + 4096) == base + 4096;
    ok = ok && (uintptr_t)syscall(SYS_brk, base + 4 * 4096) == base + 4 * 4096;
    if (ok) {
        volatile char *p = (volatile char *)(base + 3 * 4096);
        ok = p[0] == 0 && p[100] == 0;
        p[0] = 'y'; /* writable again */
        ok = ok && p[0] == 'y';
    }
    syscall(SYS_brk, cur);
    check("brk-shrink-over-readonly", ok, "not zero, writable pages after growing again");
}

static void empty_argv_case(const char *self)
{
    pid_t c = fork();
    if (c == 0) {
        char *argv[] = {NULL};
        char *envp[] = {"FIDELITY_CHILD=empty-argv", NULL};
        execve(self, argv, envp);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    check("execve-empty-argv", WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the program did not get argc 1 and an empty argv[0]");
}

static void nofile_case(const char *path, const char *name)
{
    struct rlimit rl = {1024, 1024}, got;
    getrlimit(RLIMIT_NOFILE, &got);
    if (got.rlim_max < 1024 || setrlimit(RLIMIT_NOFILE, &rl)) {
        check(name, 0, "cannot set the limit to 1024");
        return;
    }
    int last = -1, fd;
    while ((fd = open(path, O_RDONLY)) >= 0)
        last = fd;
    int e = errno;
    if (last != 1023 || e != EMFILE)
        fprintf(stderr, "%s: the last descriptor %d, then errno %d\n", name, last, e);
    check(name, last == 1023 && e == EMFILE, "EMFILE before descriptor 1023, or another error");
    for (fd = 3; fd <= last; fd++)
        close(fd);
}

/* waitid reports only what its options ask for, and WNOWAIT leaves the child waitable. */
static void waitid_cases(void)
{
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    siginfo_t si;
    int ok = 1;
    for (int i = 0; i < 200; i++) { /* until it has ended: WNOWAIT looks without reaping */
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)c, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid == c)
            break;
        usleep(10000);
    }
    ok = si.si_pid == c && si.si_code == CLD_EXITED && si.si_status == 3;
    check("waitid-wnowait", ok, "not reported as exited with 3");
    memset(&si, 0, sizeof si);
    errno = 0;
    ok = waitid(P_PID, (id_t)c, &si, WSTOPPED | WNOHANG) == -1 && errno == ECHILD;
    check("waitid-wstopped-ignores-exited", ok,
          "an exited child reported to WSTOPPED, or not ECHILD");
    memset(&si, 0, sizeof si);
    ok = waitid(P_PID, (id_t)c, &si, WEXITED) == 0 && si.si_pid == c && si.si_status == 3;
    check("waitid-wexited-after-wnowait", ok, "the child was gone");
    errno = 0;
    check("waitid-reaped", waitpid(c, NULL, WNOHANG) == -1 && errno == ECHILD, "still there");

    c = fork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(4);
    }
    memset(&si, 0, sizeof si);
    ok = waitid(P_PID, (id_t)c, &si, WSTOPPED) == 0 && si.si_pid == c &&
         si.si_code == CLD_STOPPED && si.si_status == SIGSTOP;
    check("waitid-wstopped", ok, "the stop was not reported");
    kill(c, SIGCONT);
    int st = 0;
    waitpid(c, &st, 0);
    check("waitid-stopped-child-ends", WIFEXITED(st) && WEXITSTATUS(st) == 4, "did not end");
}

/* A vfork child does not inherit its parent's pending signals. */
static void vfork_pending_case(void)
{
    sigset_t block, old, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR2); /* pending for the process, blocked */
    pid_t c = vfork();
    if (c == 0) {
        sigemptyset(&pend);
        sigpending(&pend);
        _exit(sigismember(&pend, SIGUSR2) ? 1 : 0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("vfork-child-no-pending", WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the child saw its parent's pending signal");
    sigemptyset(&pend);
    sigpending(&pend);
    check("vfork-parent-keeps-pending", sigismember(&pend, SIGUSR2), "the parent's signal went");
    signal(SIGUSR2, SIG_IGN); /* drops it */
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR2, SIG_DFL);
}

/* A timer's overruns are counted from the signal's raising to its taking (si_overrun and
 * timer_getoverrun agree), and stop at INT_MAX (DELAYTIMER_MAX). */
static void overrun_case(const char *name, long interval_ns, long sleep_ms)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    timer_t t;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    if (timer_create(CLOCK_MONOTONIC, &ev, &t)) {
        check(name, 0, "timer_create failed");
        return;
    }
    struct itimerspec its = {.it_value = {0, interval_ns}, .it_interval = {0, interval_ns}};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    timer_settime(t, 0, &its, NULL);
    struct timespec d = {sleep_ms / 1000, sleep_ms % 1000 * 1000000};
    while (nanosleep(&d, &d))
        ;
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int got = timer_getoverrun(t);
    struct itimerspec off = {0};
    timer_settime(t, 0, &off, NULL);
    timer_delete(t);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    /* about the sleep's expirations, at most the ones until the signal was taken (the
     * sleep may take longer on a busy machine) */
    long want = sleep_ms * 1000000 / interval_ns;
    long most = ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec) / interval_ns;
    int ok = sig == SIGUSR1 && si.si_code == SI_TIMER && got == si.si_overrun &&
             (want > 0x7fffffffL ? got == 0x7fffffff : got >= want / 2 && got <= most);
    if (!ok)
        fprintf(stderr, "%s: si_overrun %d, timer_getoverrun %d, about %ld expected\n", name,
                si.si_overrun, got, want);
    check(name, ok, "not the overruns since the signal was raised");
}

/* clone(CLONE_PARENT): the new process is its maker's sibling: its parent is the
 * maker's parent, which waits for it; the maker cannot. */
static void clone_parent_case(void)
{
    pid_t me = getpid();
    int p[2];
    if (pipe(p)) {
        check("clone-parent", 0, "no pipe");
        return;
    }
    pid_t a = fork();
    if (a == 0) {
        long g = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
        if (g == 0)
            _exit(getppid() == me ? 7 : 8);
        if (g < 0)
            _exit(1);
        write(p[1], &g, sizeof g);
        errno = 0;
        _exit(waitpid((pid_t)g, NULL, 0) == -1 && errno == ECHILD ? 0 : 2);
    }
    close(p[1]);
    long g = -1;
    read(p[0], &g, sizeof g);
    close(p[0]);
    int st = 0, gst = 0;
    waitpid(a, &st, 0);
    pid_t w = g > 0 ? waitpid((pid_t)g, &gst, 0) : -1;
    check("clone-parent-maker-cannot-wait", WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the maker waited for it, or clone failed");
    check("clone-parent-sibling", w == g && WIFEXITED(gst) && WEXITSTATUS(gst) == 7,
          "not this process's child, or its getppid was not this process");
}

/* The owner and signal of an open description read back as set (F_*OWN*, F_*SIG). */
static void owner_case(void)
{
    int fd = open("/dev/null", O_RDONLY);
    struct f_owner_ex o = {7, 7};
    int ok = fcntl(fd, F_GETOWN) == 0 && fcntl(fd, F_GETOWN_EX, &o) == 0 && o.type == 0 &&
             o.pid == 0 && fcntl(fd, F_GETSIG) == 0;
    check("fcntl-owner-fresh", ok, "not 0, or F_GETOWN_EX failed");
    pid_t me = getpid(), g = getpgrp();
    ok = fcntl(fd, F_SETOWN, me) == 0 && fcntl(fd, F_GETOWN) == me &&
         fcntl(fd, F_GETOWN_EX, &o) == 0 && o.type == F_OWNER_PID && o.pid == me;
    check("fcntl-setown-pid", ok, "not read back");
    struct f_owner_ex grp = {F_OWNER_PGRP, g};
    ok = fcntl(fd, F_SETOWN_EX, &grp) == 0 && fcntl(fd, F_GETOWN) == -g;
    check("fcntl-setown-ex-pgrp", ok, "not read back as -pgrp");
    struct f_owner_ex bad = {9, me};
    errno = 0;
    ok = fcntl(fd, F_SETOWN_EX, &bad) == -1 && errno == EINVAL;
    check("fcntl-setown-ex-bad-type", ok, "not EINVAL");
    errno = 0;
    ok = fcntl(fd, F_GETOWN_EX, (void *)-1) == -1 && errno == EFAULT;
    check("fcntl-getown-ex-efault", ok, "not EFAULT");
    ok = fcntl(fd, F_SETSIG, SIGUSR1) == 0 && fcntl(fd, F_GETSIG) == SIGUSR1;
    check("fcntl-setsig", ok, "not read back");
    close(fd);
}

static void core_cases(void)
{
    struct rlimit rl;
    check("rlimit-core-default-0", getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0,
          "the soft limit is not 0");
    pid_t c = fork();
    if (c == 0) {
        struct rlimit zero = {0, RLIM_INFINITY};
        setrlimit(RLIMIT_CORE, &zero);
        abort();
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("sigabrt-no-core-dumped", WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && !WCOREDUMP(st),
          "not killed by SIGABRT, or a core said dumped");
}

/* F_SETPIPE_SZ resizes: Linux's rounding (a power of two of pages, one at least), a
 * non-blocking write stops at the size, a size below what the pipe holds is EBUSY. */
static void setpipe_case(void)
{
    static char buf[10000];
    int p[2];
    if (pipe2(p, O_NONBLOCK)) {
        check("f-setpipe-sz-resizes", 0, "no pipe");
        return;
    }
    int a = fcntl(p[1], F_SETPIPE_SZ, 5000), b = fcntl(p[0], F_GETPIPE_SZ);
    ssize_t w = write(p[1], buf, sizeof buf);
    int c = fcntl(p[1], F_SETPIPE_SZ, 0), ec = errno;
    ssize_t r = read(p[0], buf, sizeof buf);
    int d = fcntl(p[1], F_SETPIPE_SZ, 0);
    ssize_t w2 = write(p[1], buf, 5000);
    close(p[0]);
    close(p[1]);
    check("f-setpipe-sz-resizes",
          a == 8192 && b == 8192 && w == 8192 && c == -1 && ec == EBUSY && r == 8192 && d == 4096 &&
              w2 == 4096,
          a != 8192 || b != 8192   ? "5000 did not give 8192"
          : w != 8192              ? "the write did not stop at 8192"
          : c != -1 || ec != EBUSY ? "shrinking below the contents was not EBUSY"
                                   : "0 did not give 4096 or the write did not stop there");
}

/* MADV_DONTNEED: private anonymous memory reads as zero after, a read-only page too
 * (and stays read-only), shared anonymous memory keeps what it holds. */
static void dontneed_case(void)
{
    char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || s == MAP_FAILED) {
        check("madv-dontneed", 0, "mmap failed");
        return;
    }
    memset(p, 'a', 2 * 4096);
    memset(s, 's', 4096);
    int ro = mprotect(p + 4096, 4096, PROT_READ);
    int r1 = madvise(p, 2 * 4096, MADV_DONTNEED), r2 = madvise(s, 4096, MADV_DONTNEED);
    int ok = !ro && !r1 && !r2 && p[0] == 0 && p[4095] == 0 && p[4096] == 0 && p[8191] == 0 &&
             s[0] == 's' && s[4095] == 's';
    check("madv-dontneed", ok,
          ro || r1 || r2    ? "a call failed"
          : p[0] || p[4095] ? "private memory not zeroed"
          : p[4096]         ? "the read-only page not zeroed"
                            : "shared memory lost what it held");
    munmap(p, 2 * 4096);
    munmap(s, 4096);
}

static void fionread_case(void)
{
    int p[2], n = -1, m = -1;
    if (pipe(p)) {
        check("fionread-pipe-write-end", 0, "no pipe");
        return;
    }
    write(p[1], "hello", 5);
    int ok = ioctl(p[1], FIONREAD, &n) == 0 && ioctl(p[0], FIONREAD, &m) == 0;
    check("fionread-pipe-write-end", ok && n == 5 && m == 5, "not 5 bytes on both ends");
    close(p[0]);
    close(p[1]);
}

/* Spends CPU time in system calls until times() shows ticks of system time (at most
 * 20 s of them); returns the tms then. */
static struct tms syscall_loop(void)
{
    struct tms t;
    struct stat st;
    time_t end = time(NULL) + 20;
    do {
        for (int i = 0; i < 1000; i++)
            stat("/", &st);
        times(&t);
    } while (t.tms_stime < 5 && time(NULL) < end);
    return t;
}

/* System time is counted (times, getrusage, and a reaped child's in wait4's rusage and
 * times's cstime): a loop of system calls shows it, and it is part of the CPU time. */
static void system_time_case(void)
{
    struct tms t = syscall_loop();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    check("times-counts-system-time", t.tms_stime >= 5, "tms_stime stays under 5 ticks");
    check("getrusage-counts-system-time", ru.ru_stime.tv_sec > 0 || ru.ru_stime.tv_usec >= 40000,
          "ru_stime under 40 ms after 5 ticks of system time");
    pid_t pid = fork();
    if (pid == 0) {
        syscall_loop();
        _exit(0);
    }
    int status;
    struct rusage cru;
    memset(&cru, 0, sizeof cru);
    pid_t got = wait4(pid, &status, 0, &cru);
    times(&t);
    check("wait4-rusage-has-system-time",
          got == pid && (cru.ru_stime.tv_sec > 0 || cru.ru_stime.tv_usec >= 40000),
          "the child's ru_stime is under 40 ms");
    check("times-cstime-of-reaped-child", t.tms_cstime >= 4, "tms_cstime under 4 ticks");
}

static void on_usr1_plain(int sig)
{
    (void)sig;
}

/* A process that slept (nanosleep, and poll with nothing to watch) before it forked: the
 * child's own sleeps are broken by a signal with EINTR (the runtime's sleep notifications
 * are per process; a child once spun on its parent's, deaf to signals). */
static void sleep_after_fork_case(void)
{
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
    poll(NULL, 0, 1);
    struct sigaction sa = {.sa_handler = on_usr1_plain}; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec ten = {10, 0};
        int slept = nanosleep(&ten, NULL) == -1 && errno == EINTR;
        int polled = poll(NULL, 0, 10000) == -1 && errno == EINTR;
        _exit(slept && polled ? 0 : slept ? 2 : 1);
    }
    int status = -1;
    for (int i = 0; i < 100 && pid > 0; i++) { /* until both sleeps are broken */
        nanosleep(&(struct timespec){0, 50000000}, NULL);
        kill(pid, SIGUSR1);
        if (waitpid(pid, &status, WNOHANG) == pid)
            break;
    }
    if (pid > 0 && !WIFEXITED(status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    signal(SIGUSR1, SIG_DFL);
    check("sleep-after-fork-interrupted", WIFEXITED(status) && WEXITSTATUS(status) == 0,
          !WIFEXITED(status)         ? "the child's sleep was not broken by signals"
          : WEXITSTATUS(status) == 1 ? "nanosleep not broken by a signal"
                                     : "poll not broken by a signal");
}

/* A program that runs itself again through /proc/self/exe, twice. */
static void reexec_case(void)
{
    pid_t c = fork();
    if (c == 0) {
        char *av[] = {"fidelity", NULL}, *ev[] = {"FIDELITY_CHILD=reexec", NULL};
        execve("/proc/self/exe", av, ev);
        _exit(5);
    }
    int st = -1;
    waitpid(c, &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    check("proc-self-exe-after-reexec", code == 3,
          code == 2   ? "/proc/self/exe names itself"
          : code == 4 ? "the second run failed"
                      : "the first run failed");
}

/* Runs the copy at path as a child that says it runs on ready (a byte) and ends when
 * hold (a pipe's read end) sees end of file; its pid, or -1. The caller closes the
 * write end of hold to end it. */
static pid_t run_held(const char *path, int *ready_rd, int *hold_wr)
{
    int ready[2], hold[2];
    if (pipe(ready) || pipe(hold))
        return -1;
    pid_t c = fork();
    if (c == 0) {
        char env1[32], env2[32];
        snprintf(env1, sizeof env1, "FIDELITY_READY=%d", ready[1]);
        snprintf(env2, sizeof env2, "FIDELITY_HOLD=%d", hold[0]);
        char *av[] = {(char *)path, NULL};
        char *ev[] = {"FIDELITY_CHILD=held", env1, env2, NULL};
        close(ready[0]);
        close(hold[1]);
        execve(path, av, ev);
        _exit(errno == ETXTBSY ? 2 : 1);
    }
    close(ready[1]);
    close(hold[0]);
    char b;
    if (c < 0 || read(ready[0], &b, 1) != 1) {
        close(ready[0]);
        close(hold[1]);
        if (c > 0)
            waitpid(c, NULL, 0);
        return -1;
    }
    *ready_rd = ready[0];
    *hold_wr = hold[1];
    return c;
}

/* Whether path can be opened for writing now; its errno if not. */
static int open_write_errno(const char *path)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static void etxtbsy_cases(void)
{
    char path[64], buf[65536];
    snprintf(path, sizeof path, "/tmp/fidelity-exe-%d", (int)getpid());
    int in = open("/proc/self/exe", O_RDONLY);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in >= 0)
        close(in);
    if (in < 0 || out < 0 || n < 0) {
        check("etxtbsy-exec-open-for-writing", 0, "cannot copy the program to /tmp");
        if (out >= 0)
            close(out);
        unlink(path);
        return;
    }
    /* execve of a file open for writing (here, by the parent) */
    pid_t c = fork();
    if (c == 0) {
        char *av[] = {path, NULL};
        char *ev[] = {"FIDELITY_CHILD=exit3", NULL};
        execve(path, av, ev);
        _exit(errno == ETXTBSY ? 0 : 1);
    }
    int st = -1;
    waitpid(c, &st, 0);
    check("etxtbsy-exec-open-for-writing", WIFEXITED(st) && WEXITSTATUS(st) == 0,
          WIFEXITED(st) && WEXITSTATUS(st) == 3 ? "the program ran" : "another error");
    close(out);
    /* a running program's file */
    int ready, hold;
    c = run_held(path, &ready, &hold);
    if (c < 0) {
        check("etxtbsy-open-running-for-writing", 0, "the copy does not run");
        unlink(path);
        return;
    }
    int e1 = open_write_errno(path);
    int fd = open(path, O_RDWR);
    int e2 = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    int e3 = truncate(path, 0) ? errno : 0;
    fd = open(path, O_RDONLY | O_TRUNC);
    int e4 = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    fd = open(path, O_RDONLY);
    struct stat sb;
    check("etxtbsy-open-running-for-writing", e1 == ETXTBSY && e2 == ETXTBSY, "opened for writing");
    check("etxtbsy-truncate-running", e3 == ETXTBSY && e4 == ETXTBSY, "truncated");
    check("etxtbsy-running-readable", fd >= 0 && !fstat(fd, &sb) && sb.st_size > 0,
          "cannot read it");
    if (fd >= 0)
        close(fd);
    close(hold); /* the child ends by exit */
    st = -1;
    waitpid(c, &st, 0);
    close(ready);
    int e5 = open_write_errno(path);
    check("etxtbsy-released-at-exit", WIFEXITED(st) && e5 == 0,
          e5 == ETXTBSY ? "still busy" : "the child did not exit");
    /* ended by SIGKILL: its runtime closes nothing, the launcher tells the server */
    c = run_held(path, &ready, &hold);
    int e6 = c > 0 ? open_write_errno(path) : -1;
    if (c > 0) {
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
        close(ready);
        close(hold);
    }
    int e7 = open_write_errno(path);
    check("etxtbsy-released-at-sigkill", c > 0 && e6 == ETXTBSY && e7 == 0,
          c < 0           ? "the copy does not run"
          : e6 != ETXTBSY ? "not busy while it ran"
                          : "still busy");
    unlink(path);
}

/* ---- PROT_NONE ---- */

static sigjmp_buf touch_env;
static volatile int touch_code;
static void *volatile touch_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    touch_code = si->si_code;
    touch_addr = si->si_addr;
    siglongjmp(touch_env, 1);
}

/* Reads (write 0) or writes p with a SIGSEGV handler in place: 1 when the touch faulted
 * with SEGV_ACCERR at p itself, 0 when it got through or faulted otherwise (*why). */
static int touch_denied(volatile char *p, int write, const char **why)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    touch_code = 0;
    touch_addr = NULL;
    int faulted = 0;
    if (sigsetjmp(touch_env, 1)) {
        faulted = 1;
    } else if (write) {
        *p = 'w';
    } else {
        char c = *p;
        (void)c;
    }
    sigaction(SIGSEGV, &old, NULL);
    *why = !faulted                    ? "the touch got through"
           : touch_code != SEGV_ACCERR ? "si_code is not SEGV_ACCERR"
           : touch_addr != (void *)p   ? "si_addr is not the byte touched"
                                       : "";
    return faulted && touch_code == SEGV_ACCERR && touch_addr == (void *)p;
}

/* The page after the first of m (3 pages, the second PROT_NONE now) denies a read and a
 * write, and its first page stays readable; then back to prot, the bytes are fill. */
static void none_then_back(const char *name, char *m, int prot, char fill)
{
    char n[96];
    const char *why = "";
    int ok = mprotect(m + 4096, 4096, PROT_NONE) == 0;
    int denied = ok && touch_denied(m + 4096 + 100, 0, &why);
    snprintf(n, sizeof n, "prot-none-read-denied-%s", name);
    check(n, denied, ok ? why : "mprotect failed");
    denied = ok && touch_denied(m + 4096 + 200, 1, &why);
    snprintf(n, sizeof n, "prot-none-write-denied-%s", name);
    check(n, denied, ok ? why : "mprotect failed");
    snprintf(n, sizeof n, "prot-none-neighbours-open-%s", name);
    check(n, m[0] == fill && m[2 * 4096] == fill, "the pages around changed");
    ok = mprotect(m + 4096, 4096, prot) == 0;
    int same = ok;
    for (int i = 0; same && i < 4096; i++)
        same = m[4096 + i] == fill;
    snprintf(n, sizeof n, "prot-none-contents-kept-%s", name);
    check(n, same, ok ? "the bytes changed" : "mprotect back failed");
}

static void *guard_thread(void *arg)
{
    (void)arg;
    pthread_attr_t a;
    void *stack = NULL;
    size_t size = 0, guard = 0;
    const char *why = "no attributes";
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &stack, &size);
        pthread_attr_getguardsize(&a, &guard);
        pthread_attr_destroy(&a);
        why = "no guard page";
    }
    /* pthread_attr_getstack gives the lowest address of the stack: the guard is below */
    int ok = stack && guard && touch_denied((char *)stack - 1, 0, &why);
    check("prot-none-thread-guard-page", ok, why);
    return NULL;
}

static void protnone_cases(void)
{
    const char *why = "";
    /* mmap PROT_NONE, then made readable and writable: zero, usable */
    char *r = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int denied = r != MAP_FAILED && touch_denied(r + 4096 + 8, 0, &why);
    check("prot-none-mmap-denied", denied, r == MAP_FAILED ? "mmap failed" : why);
    if (r != MAP_FAILED) {
        int ok = mprotect(r, 3 * 4096, PROT_READ | PROT_WRITE) == 0;
        ok = ok && r[4096 + 8] == 0;
        if (ok)
            r[4096 + 8] = 'z';
        check("prot-none-mmap-opened", ok && r[4096 + 8] == 'z', "not zero, writable memory");
        munmap(r, 3 * 4096);
    }

    char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a != MAP_FAILED) {
        memset(a, 'a', 3 * 4096);
        none_then_back("private-anon", a, PROT_READ | PROT_WRITE, 'a');
        munmap(a, 3 * 4096);
    }
    char *s = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s != MAP_FAILED) {
        memset(s, 's', 3 * 4096);
        none_then_back("shared-anon", s, PROT_READ | PROT_WRITE, 's');
        munmap(s, 3 * 4096);
    }

    char path[64], buf[4096];
    snprintf(path, sizeof path, "/tmp/fidelity-none-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    memset(buf, 'f', sizeof buf);
    for (int i = 0; fd >= 0 && i < 3; i++)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
            break;
    char *pf = fd < 0 ? MAP_FAILED : mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    if (pf != MAP_FAILED) {
        none_then_back("private-file", pf, PROT_READ, 'f');
        munmap(pf, 3 * 4096);
    } else {
        check("prot-none-private-file", 0, "no file mapping");
    }
    char *sf =
        fd < 0 ? MAP_FAILED : mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (sf != MAP_FAILED) {
        none_then_back("shared-file", sf, PROT_READ | PROT_WRITE, 'f');
        munmap(sf, 3 * 4096);
    } else {
        check("prot-none-shared-file", 0, "no file mapping");
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }

    /* mincore reports a PROT_NONE page like any other; mlock over it is ENOMEM, as
     * Linux's populating fails there, MADV_DONTNEED zeroes it, mlockall leaves it alone
     * (in a child: a fault here must not end the program) */
    pid_t c = fork();
    if (c == 0) {
        char *l = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char v[3] = {9, 9, 9};
        if (l == MAP_FAILED)
            _exit(2);
        l[0] = l[4096] = 1;
        if (mprotect(l + 4096, 4096, PROT_NONE) || mincore(l, 3 * 4096, v) || v[0] != 1 ||
            v[1] != 1 || v[2] != 0)
            _exit(3);
        /* MADV_DONTNEED zeroes the PROT_NONE page too (before mlock: Linux leaves a range
         * whose mlock failed locked, and locked pages refuse MADV_DONTNEED) */
        l[4096 - 1] = 1;
        if (madvise(l, 2 * 4096, MADV_DONTNEED) || mprotect(l + 4096, 4096, PROT_READ) ||
            l[4096 - 1] || l[4096] || mprotect(l + 4096, 4096, PROT_NONE))
            _exit(6);
        if (mlock(l, 3 * 4096) != -1 || errno != ENOMEM)
            _exit(4);
        _exit(mlockall(MCL_CURRENT) == 0 && munlockall() == 0 ? 0 : 5);
    }
    int st = 0;
    waitpid(c, &st, 0);
    check("prot-none-mincore-mlock-madvise", WIFEXITED(st) && WEXITSTATUS(st) == 0,
          WIFSIGNALED(st)        ? "killed by a signal"
          : WEXITSTATUS(st) == 3 ? "mincore reported otherwise"
          : WEXITSTATUS(st) == 4 ? "mlock not ENOMEM"
          : WEXITSTATUS(st) == 6 ? "MADV_DONTNEED left bytes"
                                 : "mlockall failed");

    pthread_t t;
    if (pthread_create(&t, NULL, guard_thread, NULL) == 0)
        pthread_join(t, NULL);
    else
        check("prot-none-thread-guard-page", 0, "pthread_create failed");
}

int main(int argc, char **argv)
{
    const char *child = getenv("FIDELITY_CHILD");
    if (child && !strcmp(child, "empty-argv"))
        return argc == 1 && argv[0] && argv[0][0] == 0 && argv[1] == NULL ? 0 : 1;
    if (child && !strcmp(child, "exit3"))
        return 3;
    if (child && !strcmp(child, "reexec")) { /* reexec_case: run by /proc/self/exe */
        char target[4096];
        ssize_t n = readlink("/proc/self/exe", target, sizeof target - 1);
        if (n <= 0 || target[0] != '/')
            return 1;
        target[n] = 0;
        if (!strcmp(target, "/proc/self/exe"))
            return 2;
        char *av[] = {"fidelity", NULL}, *ev[] = {"FIDELITY_CHILD=exit3", NULL};
        execve("/proc/self/exe", av, ev);
        return 4;
    }
    if (child && !strcmp(child, "held")) { /* etxtbsy_cases: runs until hold's end */
        const char *r = getenv("FIDELITY_READY"), *h = getenv("FIDELITY_HOLD");
        char b;
        if (!r || !h || write(atoi(r), "r", 1) != 1)
            return 1;
        while (read(atoi(h), &b, 1) > 0)
            ;
        return 0;
    }
    efault_cases();
    resethand_case();
    brk_case();
    empty_argv_case(argc > 1 ? argv[1] : "/proc/self/exe");
    nofile_case("/dev/null", "rlimit-nofile-reachable");
    char tmp[64];
    snprintf(tmp, sizeof tmp, "/tmp/fidelity-%d", (int)getpid());
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        close(fd);
        nofile_case(tmp, "rlimit-nofile-reachable-tmp");
        unlink(tmp);
    } else {
        check("rlimit-nofile-reachable-tmp", 0, "cannot make a file in /tmp");
    }
    core_cases();
    fionread_case();
    setpipe_case();
    dontneed_case();
    waitid_cases();
    vfork_pending_case();
    clone_parent_case();
    sleep_after_fork_case();
    system_time_case();
    owner_case();
    etxtbsy_cases();
    reexec_case();
    protnone_cases();
    overrun_case("timer-overrun-counted-to-taking", 1000000, 100);
    overrun_case("timer-overrun-saturates", 1, 3000);
    errno = 0;
    struct passwd *pw = getpwnam("root");
    check("getpwnam-root", pw && pw->pw_uid == 0 && !strcmp(pw->pw_dir, "/root"), "root not found");
    struct group *gr = getgrnam("root");
    check("getgrnam-root", gr && gr->gr_gid == 0, "root not found");
    /* a name /etc/passwd lacks: musl asks nscd, finds none, and says "not found" */
    errno = 0;
    pw = getpwnam("capix-no-such-user");
    int e = errno;
    check("getpwnam-missing-not-an-error", !pw && e != ENOSYS && e != EIO,
          "an error instead of \"not found\"");
    errno = 0;
    gr = getgrnam("capix-no-such-group");
    e = errno;
    check("getgrnam-missing-not-an-error", !gr && e != ENOSYS && e != EIO,
          "an error instead of \"not found\"");
    if (e)
        fprintf(stderr, "getgrnam of a missing group: errno %d\n", e);
    return failed;
}
