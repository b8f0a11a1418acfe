/*
 * efault: a pointer into an unmapped or PROT_NONE page, handed to a system call, gets
 * EFAULT as on Linux, and the process runs on (issue 20). Checked the same way on the
 * Linux host and in capix (tests/posix/efault-test.sh compares the output line for
 * line), each call with both kinds of bad page, in this process (a fault instead of
 * EFAULT ends it: the lines after it are missing). Also the counts Linux gives when only
 * a buffer's second page is bad (read and write of a pipe and of a file in /tmp: the
 * bytes before it), that nothing is lost (the pipe's bytes stay for the next read, the
 * descriptors pipe would have made are not there), and musl's wrappers where they go
 * to the call (poll, select; the others are raw calls: musl's stat copies from its own
 * struct statx). more_cases: every other call that takes a program pointer (the audit
 * of session 13: times of utimensat and its kin, execve's vectors and strings, the
 * signal calls, futex words and timeouts, limits, scheduling, credentials, timers,
 * socket names and options), with what Linux does besides: a signal sigtimedwait takes
 * stays taken, waitid reaps, a private futex wake touches nothing.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define PAGE 4096

static char *bad[2];    /* an unmapped page and a PROT_NONE page */
static char *self_path; /* this program, for execve */
static const char *kind[2] = {"unmapped", "prot-none"};
static char *half; /* a good page, then a PROT_NONE one */

static void efault(const char *call, int k, long r)
{
    char name[96];
    snprintf(name, sizeof(name), "%s-%s", call, kind[k]);
    check(name, r == -1 && errno == EFAULT, "not EFAULT");
}

static void count(const char *name, long r, long want)
{
    char why[64];
    snprintf(why, sizeof(why), "%ld, not %ld", r, want);
    check(name, r == want, why);
}

static void setup(void)
{
    char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        check("setup", 0, "mmap");
        return;
    }
    munmap(p, PAGE); /* nothing there now, and nothing will be (no other mmap here) */
    bad[0] = p;
    bad[1] = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    half = p + PAGE;
    memset(half, 'x', 2 * PAGE);
    mprotect(half + PAGE, PAGE, PROT_NONE);
}

/* read, write, pread, pwrite; a pipe and a file of /tmp with whole and partial buffers */
static void data_cases(void)
{
    int p[2];
    char buf[8192];
    if (pipe(p)) {
        check("pipe", 0, "pipe");
        return;
    }
    for (int k = 0; k < 2; k++) {
        write(p[1], "abc", 3);
        efault("read-pipe", k, read(p[0], bad[k], 3));
        count("read-pipe-kept", read(p[0], buf, sizeof(buf)), 3);
        efault("write-pipe", k, write(p[1], bad[k], 3));
    }
    memset(buf, 'y', sizeof(buf));
    /* Linux copies a pipe's pages whole or not at all */
    count("write-pipe-6000", write(p[1], buf, 6000), 6000);
    efault("read-pipe-half", 1, read(p[0], half + PAGE - 100, 6000));
    count("read-pipe-page", read(p[0], half, 6000), 4096);
    count("read-pipe-page-rest", read(p[0], buf, sizeof(buf)), 1904);
    write(p[1], buf, 6); /* fewer bytes than the good part: all copied */
    count("read-pipe-half-few", read(p[0], half + PAGE - 100, 6000), 6);
    efault("write-pipe-half", 1, write(p[1], half + PAGE - 200, 6000));
    count("write-pipe-page", write(p[1], half, 6000), 4096);
    count("write-pipe-page-read", read(p[0], buf, sizeof(buf)), 4096);
    /* vectors: the array itself, and a bad buffer after a good one */
    char small[16];
    for (int k = 0; k < 2; k++) {
        efault("readv-vector", k, readv(p[0], (struct iovec *)bad[k], 1));
        efault("writev-vector", k, writev(p[1], (struct iovec *)bad[k], 1));
        struct iovec v[2] = {{small, 10}, {bad[k], 10}};
        write(p[1], "abcdef", 6);
        count("readv-pipe-second-bad", readv(p[0], v, 2), 6);
        v[0].iov_len = 3;
        efault("writev-pipe-second-bad", k, writev(p[1], v, 2));
        v[0].iov_base = half, v[0].iov_len = PAGE, v[1].iov_base = bad[k];
        count("writev-pipe-page-second-bad", writev(p[1], v, 2), PAGE);
        count("writev-pipe-page-read", read(p[0], buf, sizeof(buf)), PAGE);
    }
    close(p[0]);
    close(p[1]);

    int fd = open("/tmp/efault-test", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        check("tmp-open", 0, "open");
        return;
    }
    for (int k = 0; k < 2; k++) {
        efault("write-file", k, write(fd, bad[k], 100));
        efault("pwrite-file", k, pwrite(fd, bad[k], 100, 0));
    }
    for (int k = 0; k < 2; k++) {
        struct iovec v[2] = {{(char *)"abc", 3}, {bad[k], 10}};
        count("writev-file-second-bad", writev(fd, v, 2), 3);
        lseek(fd, 0, SEEK_SET);
        v[0].iov_base = small;
        count("readv-file-second-bad", readv(fd, v, 2), 3);
        lseek(fd, 0, SEEK_SET);
    }
    count("write-file-6000", write(fd, buf, 6000), 6000);
    for (int k = 0; k < 2; k++) {
        efault("pread-file", k, pread(fd, bad[k], 100, 0));
        lseek(fd, 0, SEEK_SET);
        efault("read-file", k, read(fd, bad[k], 100));
        count("read-file-offset-kept", lseek(fd, 0, SEEK_CUR), 0);
    }
    count("read-file-page", read(fd, half, 6000), 4096);
    count("read-file-page-rest", read(fd, buf, sizeof(buf)), 1904);
    count("pread-file-half", pread(fd, half + PAGE - 10, 100, 0), 10);
    count("write-file-half", pwrite(fd, half + PAGE - 10, 100, 0), 10);
    struct stat st;
    fstat(fd, &st);
    count("write-file-half-size", st.st_size, 6000);
    close(fd);
    unlink("/tmp/efault-test");
}

/* the file calls with a bad structure or path */
static void file_cases(void)
{
    struct stat st;
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    char buf[256];
    for (int k = 0; k < 2; k++) {
        efault("stat-buf", k, syscall(SYS_stat, "/", bad[k]));
        efault("stat-path", k, syscall(SYS_stat, bad[k], &st));
        efault("lstat-path", k, syscall(SYS_lstat, bad[k], &st));
        efault("fstat", k, syscall(SYS_fstat, fd, bad[k]));
        efault("fstatat", k, syscall(SYS_newfstatat, fd, ".", bad[k], 0));
        efault("open-path", k, open(bad[k], O_RDONLY));
        efault("openat-path", k, openat(fd, bad[k], O_RDONLY));
        efault("mkdir-path", k, mkdir(bad[k], 0700));
        efault("unlink-path", k, unlink(bad[k]));
        efault("access-path", k, access(bad[k], F_OK));
        efault("chdir-path", k, chdir(bad[k]));
        efault("getdents64", k, syscall(SYS_getdents64, fd, bad[k], 4096));
        efault("readlink-buf", k, readlink("/proc/self/exe", bad[k], sizeof(buf)));
        efault("readlink-path", k, readlink(bad[k], buf, sizeof(buf)));
        efault("getcwd", k, syscall(SYS_getcwd, bad[k], 4096));
    }
    /* a path that runs into the bad page before its end */
    memcpy(half + PAGE - 4, "/tmp", 4);
    efault("open-path-half", 1, open(half + PAGE - 4, O_RDONLY));
    char cwd[4096];
    long n = syscall(SYS_getcwd, cwd, sizeof(cwd));
    /* the path only is copied: a buffer with room for it before the bad page is fine */
    count("getcwd-half", syscall(SYS_getcwd, half + PAGE - n, 4096), n);
    close(fd);
}

/* time, system, pipe, readiness, sockets, ioctl */
static void other_cases(void)
{
    int p[2];
    pipe(p);
    int before = dup(0);
    close(before);
    for (int k = 0; k < 2; k++) {
        efault("clock_gettime", k, syscall(SYS_clock_gettime, CLOCK_REALTIME, bad[k]));
        efault("clock_getres", k, syscall(SYS_clock_getres, CLOCK_REALTIME, bad[k]));
        efault("gettimeofday", k, syscall(SYS_gettimeofday, bad[k], NULL));
        efault("nanosleep", k, syscall(SYS_nanosleep, bad[k], NULL));
        efault("uname", k, syscall(SYS_uname, bad[k]));
        efault("pipe", k, pipe((int *)bad[k]));
        efault("pipe2", k, pipe2((int *)bad[k], O_CLOEXEC));
        efault("poll", k, poll((struct pollfd *)bad[k], 1, 0));
        struct timeval tv = {0, 0};
        efault("select-set", k, select(p[0] + 1, (fd_set *)bad[k], NULL, NULL, &tv));
        efault("select-timeout", k, syscall(SYS_select, p[0] + 1, NULL, NULL, NULL, bad[k]));
        efault("ioctl-fionread", k, ioctl(p[0], FIONREAD, bad[k]));
        efault("sigprocmask", k, syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad[k], NULL, 8));
        efault("sysinfo", k, syscall(SYS_sysinfo, bad[k]));
    }
    for (int k = 0; k < 2; k++) { /* more calls whose pointers are probed */
        int e = epoll_create1(0), tf = timerfd_create(CLOCK_MONOTONIC, 0);
        struct epoll_event ev = {.events = EPOLLIN};
        epoll_ctl(e, EPOLL_CTL_ADD, p[0], &ev);
        efault("epoll_ctl", k, epoll_ctl(e, EPOLL_CTL_MOD, p[0], (struct epoll_event *)bad[k]));
        write(p[1], "x", 1); /* something to report */
        efault("epoll_wait", k, epoll_wait(e, (struct epoll_event *)bad[k], 4, 0));
        char x;
        read(p[0], &x, 1);
        efault("timerfd_gettime", k, syscall(SYS_timerfd_gettime, tf, bad[k]));
        close(e);
        close(tf);
        efault("getrusage", k, syscall(SYS_getrusage, RUSAGE_SELF, bad[k]));
        efault("getitimer", k, syscall(SYS_getitimer, ITIMER_REAL, bad[k]));
        efault("getrlimit", k, syscall(SYS_getrlimit, RLIMIT_NOFILE, bad[k]));
        efault("sched_getparam", k, syscall(SYS_sched_getparam, 0, bad[k]));
        efault("getresuid", k, syscall(SYS_getresuid, bad[k], bad[k], bad[k]));
        efault("prctl-get-name", k, syscall(SYS_prctl, PR_GET_NAME, bad[k], 0, 0, 0));
        efault("fcntl-getlk", k, syscall(SYS_fcntl, p[0], F_GETLK, bad[k]));
        efault("mincore", k, syscall(SYS_mincore, half, PAGE, bad[k]));
        efault("socketpair", k, syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad[k]));
    }
    for (int k = 0; k < 2; k++) { /* the child is reaped all the same, as on Linux */
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        efault("wait4-status", k, wait4(c, (int *)bad[k], 0, NULL));
        count("wait4-reaped", waitpid(c, NULL, WNOHANG) == -1 && errno == ECHILD, 1);
    }
    int after = dup(0);
    close(after);
    count("pipe-no-descriptors", after, before);

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
        check("socketpair", 0, "socketpair");
        return;
    }
    char buf[16];
    for (int k = 0; k < 2; k++) {
        efault("sendmsg-header", k, syscall(SYS_sendmsg, sv[0], bad[k], 0));
        efault("recvmsg-header", k, syscall(SYS_recvmsg, sv[1], bad[k], MSG_DONTWAIT));
        struct iovec iov = {bad[k], 4};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        efault("sendmsg-data", k, sendmsg(sv[0], &m, 0));
        send(sv[0], "abcd", 4, 0);
        efault("recvmsg-data", k, recvmsg(sv[1], &m, 0));
        count("recvmsg-data-kept", recv(sv[1], buf, sizeof(buf), 0), 4);
        efault("send", k, send(sv[0], bad[k], 4, 0));
        send(sv[0], "abcd", 4, 0);
        efault("recv", k, recv(sv[1], bad[k], 4, 0));
        count("recv-kept", recv(sv[1], buf, sizeof(buf), 0), 4);
    }
    close(sv[0]);
    close(sv[1]);
    close(p[0]);
    close(p[1]);

    /* a terminal's "get" with a bad pointer is EFAULT (there may be no terminal here: a
     * pipe's answer, ENOTTY, comes first) */
    for (int k = 0; k < 2; k++) {
        char name[64];
        snprintf(name, sizeof(name), "ioctl-tiocgwinsz-pipe-%s", kind[k]);
        pipe(p);
        check(name, ioctl(p[0], TIOCGWINSZ, bad[k]) == -1 && errno == ENOTTY, "not ENOTTY");
        close(p[0]);
        close(p[1]);
    }
    int t = open("/dev/tty", O_RDWR | O_NOCTTY);
    for (int k = 0; t >= 0 && k < 2; k++)
        if (ioctl(t, TIOCGWINSZ, bad[k]) != -1 || errno != EFAULT)
            check("ioctl-tiocgwinsz-tty", 0, "not EFAULT");
    if (t >= 0)
        close(t);
}

/* futex operations (linux/futex.h is not musl's) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_PRIVATE 128

/* the calls of the session-13 audit, each with both kinds of bad page */
static void more_cases(void)
{
    int p[2], sv[2];
    pipe(p);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int fd = open("/tmp/efault-more", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "abcdef", 6);
    static int word;
    char *good_argv[] = {self_path, "exit", NULL}, *no_env[] = {NULL};
    for (int k = 0; k < 2; k++) {
        char *b = bad[k];
        /* file times */
        efault("utimensat-times", k, syscall(SYS_utimensat, AT_FDCWD, "/tmp", b, 0));
        efault("utimensat-path", k, syscall(SYS_utimensat, AT_FDCWD, b, NULL, 0));
        efault("futimesat-times", k, syscall(SYS_futimesat, AT_FDCWD, "/tmp", b));
        efault("utimes-times", k, syscall(SYS_utimes, "/tmp", b));
        efault("utime-times", k, syscall(SYS_utime, "/tmp", b));
        /* execve: the path, each vector, a string in each */
        efault("execve-path", k, syscall(SYS_execve, b, good_argv, no_env));
        efault("execve-argv", k, syscall(SYS_execve, self_path, b, no_env));
        efault("execve-envp", k, syscall(SYS_execve, self_path, good_argv, b));
        char *argv_bad[] = {self_path, b, NULL}, *env_bad[] = {b, NULL};
        efault("execve-argv-string", k, syscall(SYS_execve, self_path, argv_bad, no_env));
        efault("execve-envp-string", k, syscall(SYS_execve, self_path, good_argv, env_bad));
        /* vectors and message parts */
        efault("preadv-vector", k, syscall(SYS_preadv, fd, b, 1, 0, 0));
        efault("pwritev-vector", k, syscall(SYS_pwritev, fd, b, 1, 0, 0));
        char d = 'x';
        struct iovec one = {&d, 1};
        struct msghdr m = {.msg_iov = (struct iovec *)b, .msg_iovlen = 1};
        efault("sendmsg-iov", k, syscall(SYS_sendmsg, sv[0], &m, 0));
        efault("recvmsg-iov", k, syscall(SYS_recvmsg, sv[1], &m, MSG_DONTWAIT));
        m = (struct msghdr){
            .msg_iov = &one, .msg_iovlen = 1, .msg_control = b, .msg_controllen = 64};
        efault("sendmsg-control", k, syscall(SYS_sendmsg, sv[0], &m, 0));
        send(sv[0], "a", 1, 0);
        /* no control data to write: Linux gives the byte */
        count("recvmsg-control-unused", syscall(SYS_recvmsg, sv[1], &m, MSG_DONTWAIT), 1);
        /* readiness with timeouts and masks */
        struct pollfd pf = {p[0], POLLIN, 0};
        struct timespec zero = {0, 0};
        efault("ppoll-fds", k, syscall(SYS_ppoll, b, 1, NULL, NULL, 8));
        efault("ppoll-timeout", k, syscall(SYS_ppoll, &pf, 1, b, NULL, 8));
        efault("ppoll-mask", k, syscall(SYS_ppoll, &pf, 1, &zero, b, 8));
        efault("pselect6-timeout", k, syscall(SYS_pselect6, 0, NULL, NULL, NULL, b, NULL));
        void *maskarg[2] = {b, (void *)8};
        efault("pselect6-mask", k, syscall(SYS_pselect6, 0, NULL, NULL, NULL, &zero, maskarg));
        /* signals */
        sigset_t usr2;
        sigemptyset(&usr2);
        sigaddset(&usr2, SIGUSR2);
        efault("sigaction-new", k, syscall(SYS_rt_sigaction, SIGUSR1, b, NULL, 8));
        efault("sigaction-old", k, syscall(SYS_rt_sigaction, SIGUSR1, NULL, b, 8));
        efault("sigtimedwait-set", k, syscall(SYS_rt_sigtimedwait, b, NULL, NULL, 8));
        efault("sigtimedwait-timeout", k, syscall(SYS_rt_sigtimedwait, &usr2, NULL, b, 8));
        sigprocmask(SIG_BLOCK, &usr2, NULL);
        raise(SIGUSR2);
        efault("sigtimedwait-info", k, syscall(SYS_rt_sigtimedwait, &usr2, b, &zero, 8));
        sigset_t pend;
        sigpending(&pend);
        count("sigtimedwait-info-taken", sigismember(&pend, SIGUSR2), 0);
        efault("sigpending", k, syscall(SYS_rt_sigpending, b, 8));
        efault("sigsuspend", k, syscall(SYS_rt_sigsuspend, b, 8));
        efault("sigaltstack-new", k, syscall(SYS_sigaltstack, b, NULL));
        efault("sigaltstack-old", k, syscall(SYS_sigaltstack, NULL, b));
        efault("sigqueueinfo", k, syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, b));
        /* sleeps: the remaining time is written only when a signal cuts one short */
        struct timespec ns1 = {0, 1};
        efault("clock_nanosleep-req", k, syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, b, NULL));
        count("clock_nanosleep-rem-untouched",
              syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ns1, b), 0);
        count("nanosleep-rem-untouched", syscall(SYS_nanosleep, &ns1, b), 0);
        /* children: reaped all the same */
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        efault("wait4-rusage", k, syscall(SYS_wait4, c, NULL, 0, b));
        count("wait4-rusage-reaped", waitpid(c, NULL, WNOHANG) == -1 && errno == ECHILD, 1);
        c = fork();
        if (c == 0)
            _exit(0);
        efault("waitid-info", k, syscall(SYS_waitid, P_PID, c, b, WEXITED, NULL));
        count("waitid-info-reaped", waitpid(c, NULL, WNOHANG) == -1 && errno == ECHILD, 1);
        /* futexes */
        efault("futex-wait-private", k,
               syscall(SYS_futex, b, FUTEX_WAIT | FUTEX_PRIVATE, 0, NULL, NULL, 0));
        efault("futex-wait", k, syscall(SYS_futex, b, FUTEX_WAIT, 0, NULL, NULL, 0));
        efault("futex-wake", k, syscall(SYS_futex, b, FUTEX_WAKE, 1, NULL, NULL, 0));
        count("futex-wake-private",
              syscall(SYS_futex, b, FUTEX_WAKE | FUTEX_PRIVATE, 1, NULL, NULL, 0), 0);
        efault("futex-wait-timeout", k,
               syscall(SYS_futex, &word, FUTEX_WAIT | FUTEX_PRIVATE, 0, b, NULL, 0));
        efault("futex-cmp-requeue", k,
               syscall(SYS_futex, b, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 1, 1, &word, 0));
        /* limits, scheduling, identity */
        efault("prlimit-new", k, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, b, NULL));
        efault("prlimit-old", k, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, b));
        efault("setrlimit", k, syscall(SYS_setrlimit, RLIMIT_NOFILE, b));
        efault("sched_setparam", k, syscall(SYS_sched_setparam, 0, b));
        efault("sched_setscheduler", k, syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, b));
        efault("sched_getaffinity", k, syscall(SYS_sched_getaffinity, 0, 128, b));
        efault("sched_setaffinity", k, syscall(SYS_sched_setaffinity, 0, 128, b));
        efault("sched_rr_get_interval", k, syscall(SYS_sched_rr_get_interval, 0, b));
        efault("times", k, syscall(SYS_times, b));
        efault("time", k, syscall(SYS_time, b));
        efault("gettimeofday-tz", k, syscall(SYS_gettimeofday, NULL, b));
        efault("settimeofday", k, syscall(SYS_settimeofday, b, NULL));
        efault("clock_settime", k, syscall(SYS_clock_settime, CLOCK_REALTIME, b));
        efault("getresgid", k, syscall(SYS_getresgid, b, b, b));
        efault("getcpu", k, syscall(SYS_getcpu, b, NULL, NULL));
        efault("arch_prctl-get-fs", k, syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, b));
        efault("prctl-set-name", k, syscall(SYS_prctl, PR_SET_NAME, b, 0, 0, 0));
        efault("prctl-get-pdeathsig", k, syscall(SYS_prctl, PR_GET_PDEATHSIG, b, 0, 0, 0));
        efault("get_robust_list", k, syscall(SYS_get_robust_list, 0, b, b));
        uint32_t caphdr[2] = {0x20080522 /* version 3 */, 0};
        efault("capget-header", k, syscall(SYS_capget, b, NULL));
        efault("capget-data", k, syscall(SYS_capget, caphdr, b));
        efault("capset-data", k, syscall(SYS_capset, caphdr, b));
        /* timers and event descriptors */
        int id;
        efault("timer_create-event", k, syscall(SYS_timer_create, CLOCK_MONOTONIC, b, &id));
        efault("timer_create-id", k, syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, b));
        efault("setitimer-new", k, syscall(SYS_setitimer, ITIMER_REAL, b, NULL));
        struct itimerval off = {{0, 0}, {0, 0}};
        efault("setitimer-old", k, syscall(SYS_setitimer, ITIMER_REAL, &off, b));
        int tf = timerfd_create(CLOCK_MONOTONIC, 0), e = epoll_create1(0);
        efault("timerfd_settime", k, syscall(SYS_timerfd_settime, tf, 0, b, NULL));
        efault("signalfd-mask", k, syscall(SYS_signalfd4, -1, b, 8, 0));
        struct epoll_event ev;
        efault("epoll_pwait-mask", k, syscall(SYS_epoll_pwait, e, &ev, 1, 0, b, 8));
        close(tf);
        close(e);
        /* file information and copies */
        char st[256];
        efault("statx-buf", k, syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, b));
        efault("statx-path", k, syscall(SYS_statx, AT_FDCWD, b, 0, 0x7ff, st));
        efault("statfs-buf", k, syscall(SYS_statfs, "/", b));
        efault("fstatfs-buf", k, syscall(SYS_fstatfs, fd, b));
        efault("sendfile-offset", k, syscall(SYS_sendfile, p[1], fd, b, 1));
        efault("copy_file_range-offset", k, syscall(SYS_copy_file_range, fd, b, fd, NULL, 1, 0));
        efault("mknod-path", k, syscall(SYS_mknod, b, S_IFIFO | 0600, 0));
        efault("rename-path", k, syscall(SYS_rename, b, "/tmp/efault-x"));
        efault("truncate-path", k, syscall(SYS_truncate, b, 0));
        efault("chmod-path", k, syscall(SYS_chmod, b, 0600));
        /* a message's destination is read before anything else (Linux's __copy_msghdr) */
        struct msghdr mn = {.msg_name = b, .msg_namelen = 16, .msg_iov = &one, .msg_iovlen = 1};
        efault("sendmsg-name", k, syscall(SYS_sendmsg, sv[0], &mn, 0));
        /* accept: the connection is taken, and closed when its address cannot be written */
        int l = socket(AF_UNIX, SOCK_STREAM, 0), cl = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un ua = {.sun_family = AF_UNIX};
        snprintf(ua.sun_path + 1, sizeof(ua.sun_path) - 1, "efault-accept-%d-%d", (int)getpid(), k);
        socklen_t ul =
            (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(ua.sun_path + 1));
        int ready = bind(l, (struct sockaddr *)&ua, ul) == 0 && listen(l, 4) == 0 &&
                    connect(cl, (struct sockaddr *)&ua, ul) == 0;
        socklen_t al = sizeof(ua);
        efault("accept-addr", k, ready ? syscall(SYS_accept4, l, b, &al, 0) : 0);
        char x;
        count("accept-addr-closed", read(cl, &x, 1), 0);
        close(cl);
        close(l);
        /* mq_timedreceive: the message is taken, and lost when it cannot be written */
        int q = (int)syscall(SYS_mq_open, "efault-q", O_RDWR | O_CREAT, 0600, NULL);
        long sent = q >= 0 ? syscall(SYS_mq_timedsend, q, "message", 7, 0, NULL) : -1;
        efault("mq_timedreceive-buffer", k,
               sent == 0 ? syscall(SYS_mq_timedreceive, q, b, 8192, NULL, NULL) : 0);
        long qa[8] = {0};
        syscall(SYS_mq_getsetattr, q, NULL, qa);
        count("mq_timedreceive-message-taken", qa[3], 0); /* mq_curmsgs */
        close(q);
        syscall(SYS_mq_unlink, "efault-q");
        efault("mq_open-name", k, syscall(SYS_mq_open, b, O_RDONLY, 0, NULL));
        efault("mq_getsetattr", k, syscall(SYS_mq_getsetattr, 0, b, NULL));
        /* socket names and options */
        socklen_t len = 16;
        int v;
        efault("getsockname", k, syscall(SYS_getsockname, sv[0], b, &len));
        efault("getsockname-len", k, syscall(SYS_getsockname, sv[0], st, b));
        efault("getsockopt-value", k, syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, b, &len));
        efault("getsockopt-len", k, syscall(SYS_getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, b));
        efault("setsockopt-value", k, syscall(SYS_setsockopt, sv[0], SOL_SOCKET, SO_RCVBUF, b, 4));
        int s1 = socket(AF_UNIX, SOCK_STREAM, 0), s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
        efault("bind-address", k, syscall(SYS_bind, s1, b, 16));
        efault("connect-address", k, syscall(SYS_connect, s1, b, 16));
        efault("sendto-address", k, syscall(SYS_sendto, s2, "x", 1, 0, b, 16));
        close(s1);
        close(s2);
        send(sv[0], "ab", 2, 0);
        /* a socketpair's peer has no name to write: Linux gives the bytes */
        count("recvfrom-address-unused", syscall(SYS_recvfrom, sv[1], st, 8, MSG_DONTWAIT, b, &len),
              2);
    }
    close(fd);
    unlink("/tmp/efault-more");
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return 0; /* an execve that should have failed ran this program: its lines differ */
    self_path = argv[0];
    setup();
    data_cases();
    file_cases();
    other_cases();
    more_cases();
    check("still-running", 1, "");
    return failed;
}
