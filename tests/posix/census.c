/*
 * census: the system calls of ../shared/data/syscall-census.md that need no files or
 * processes yet, each with a success case and an error case, checked against what
 * Linux does. The same static binary runs on the Linux host (make test) and in capix
 * (scenario posix-census); both must print only PASS lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void check(const char *name, int ok, const char *detail)
{
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: %s\n", name, detail);
        failed++;
    }
}

/* The call returned -1 with errno e. */
static void check_err(const char *name, long r, int e)
{
    char d[96];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s), expected errno %d", r, errno,
             strerror(errno), e);
    check(name, r == -1 && errno == e, d);
}

static void check_ok(const char *name, long r)
{
    char d[96];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s)", r, errno, strerror(errno));
    check(name, r >= 0, d);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    check("getpid", getpid() > 0, "not positive");
    check("gettid", syscall(SYS_gettid) == getpid(), "differs from getpid");
    check("getppid", getppid() >= 0, "negative");
    check_ok("getuid", (long)getuid());
    check_ok("geteuid", (long)geteuid());

    struct utsname u;
    check("uname", uname(&u) == 0 && !strcmp(u.sysname, "Linux") && atoi(u.release) >= 5,
          "not Linux 5 or later");
    check_err("uname_bad_pointer", syscall(SYS_uname, (void *)0), EFAULT);

    struct timespec ts;
    check_ok("clock_gettime_monotonic", clock_gettime(CLOCK_MONOTONIC, &ts));
    check_err("clock_gettime_bad_clock", clock_gettime(999, &ts), EINVAL);
    /* the realtime clock through the vDSO too (scenario posix-vdso rejects a trap for
     * it): the same second as the system call's, give or take one */
    struct timeval tv_direct = {0};
    syscall(SYS_gettimeofday, &tv_direct, NULL);
    long direct = (long)tv_direct.tv_sec;
    check("clock_gettime_realtime",
          clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec >= direct - 1 &&
              ts.tv_sec <= direct + 1 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000,
          "not the system call's time");

    /* musl's sbrk refuses increments: use the call itself */
    char *b0 = (char *)syscall(SYS_brk, 0);
    char *b1 = (char *)syscall(SYS_brk, b0 + 65536);
    check("brk_grows", b1 == b0 + 65536, "brk did not move");
    if (b1 == b0 + 65536)
        memset(b0, 7, 65536);
    check("brk_shrinks", (char *)syscall(SYS_brk, b0) == b0, "brk back");
    check("brk_below_start_refused", (char *)syscall(SYS_brk, (char *)4096) == b0,
          "brk moved below its start");

    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap_anonymous", m != MAP_FAILED && m[0] == 0 && m[3 * 4096 - 1] == 0, "mmap");
    if (m != MAP_FAILED) {
        memset(m, 1, 3 * 4096);
        check_ok("munmap_middle", munmap(m + 4096, 4096));
        check("munmap_keeps_rest", m[0] == 1 && m[2 * 4096] == 1, "neighbours changed");
        char *f = mmap(m + 4096, 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        check("mmap_fixed_into_hole", f == m + 4096 && f[0] == 0, "MAP_FIXED");
        check_ok("madvise_dontneed", madvise(m, 4096, MADV_DONTNEED));
        check("madvise_dontneed_zeroes", m[0] == 0 && m[2 * 4096] == 1, "not zero");
        check_err("madvise_bad_advice", madvise(m, 4096, 12345), EINVAL);
        check_ok("mprotect", mprotect(m, 4096, PROT_READ));
        /* musl rounds mprotect's address down; the call itself must refuse it */
        check_err("mprotect_unaligned", syscall(SYS_mprotect, m + 1, 4096, PROT_READ), EINVAL);
        check_ok("munmap", munmap(m, 3 * 4096));
    }
    check_err("mmap_zero_length",
              (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    check_err("mmap_bad_fd", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
    check_err("mmap_fixed_unaligned",
              (long)mmap((void *)0x10000001, 4096, PROT_READ,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
              EINVAL);
    check_err("munmap_unaligned", munmap((void *)0x10000001, 4096), EINVAL);

    check("write_stdout", write(1, "", 0) == 0, "write of 0 bytes");
    check_err("write_bad_fd", write(99, "x", 1), EBADF);
    check_err("read_bad_fd", read(99, &ts, 1), EBADF);
    struct iovec iov = {"", 0};
    check_err("writev_bad_count", writev(1, &iov, -1), EINVAL);
    check_err("ioctl_bad_fd", ioctl(99, 0x5413, &ts), EBADF);

    check_err("arch_prctl_bad_code", syscall(SYS_arch_prctl, 999, 0), EINVAL);
    check_ok("set_tid_address", syscall(SYS_set_tid_address, NULL));

    struct sigaction sa = {0}, old;
    sa.sa_handler = SIG_IGN;
    check_ok("sigaction_set", sigaction(SIGUSR1, &sa, NULL));
    check("sigaction_get", sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == SIG_IGN,
          "not SIG_IGN");
    check_err("sigaction_sigkill", sigaction(SIGKILL, &sa, NULL), EINVAL);
    check_err("sigaction_bad_signal", syscall(SYS_rt_sigaction, 99, NULL, NULL, 8), EINVAL);
    sigset_t set, got;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    check_ok("sigprocmask_block", sigprocmask(SIG_BLOCK, &set, NULL));
    check("sigprocmask_get",
          sigprocmask(SIG_SETMASK, NULL, &got) == 0 && sigismember(&got, SIGUSR2),
          "SIGUSR2 not blocked");
    check_err("sigprocmask_bad_how", syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8), EINVAL);
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    struct rlimit rl;
    check("getrlimit", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0, "no limit");
    struct rlimit bad = {2, 1};
    check_err("setrlimit_cur_above_max", setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
    check_err("prlimit_bad_pid", prlimit(999999, RLIMIT_NOFILE, NULL, &rl), ESRCH);
    mode_t um = umask(027);
    check("umask", umask(um) == 027, "not the value set");

    struct sysinfo si;
    check("sysinfo", sysinfo(&si) == 0 && si.totalram > 0, "no RAM");
    cpu_set_t cs;
    check("sched_getaffinity", sched_getaffinity(0, sizeof(cs), &cs) == 0 && CPU_COUNT(&cs) >= 1,
          "no CPU");
    check_err("sched_getaffinity_small", syscall(SYS_sched_getaffinity, 0, 1, &cs), EINVAL);
    check_ok("sched_yield", sched_yield());

    uint64_t t0 = now_ns();
    struct timespec d = {0, 10000000};
    check("nanosleep", nanosleep(&d, NULL) == 0 && now_ns() - t0 >= 10000000, "too short");
    struct timespec neg = {-1, 0};
    check_err("nanosleep_negative", nanosleep(&neg, NULL), EINVAL);
    d.tv_nsec = 5000000;
    t0 = now_ns();
    check("clock_nanosleep",
          clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL) == 0 && now_ns() - t0 >= 5000000,
          "too short");
    struct timespec badns = {0, 2000000000};
    check("clock_nanosleep_bad_nsec", clock_nanosleep(CLOCK_MONOTONIC, 0, &badns, NULL) == EINVAL,
          "not EINVAL");

    printf("census: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
