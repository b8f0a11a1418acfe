/*
 * calls: the smaller Linux calls programs make (issue 20, "the rest of the calls"),
 * checked the same way on the Linux host and in capix (tests/posix/calls-test.sh
 * compares the output line for line): the scheduling calls a normal process uses
 * (sched_{get,set}scheduler and _param, priority ranges, affinity, getcpu),
 * getpriority/setpriority (inherited by a child), prctl's name and dumpable flag,
 * close_range, sendfile, fallocate, mincore, the memory locks, the CPU-time clocks of
 * pids and threads and clock_settime's errors, the CPU-time interval timers
 * (ITIMER_VIRTUAL, ITIMER_PROF), prctl's parent-death signal and child subreaper (the
 * orphans of a subreaper's descendants, running or zombies, come to it), membarrier
 * (the commands a 6.1 Linux offers, registrations, exec), each with its error cases.
 * One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

/* the raw call's -1/errno, so that libc wrappers do not hide what the kernel said */
#define ERR(expr, e) ((expr) == -1 && errno == (e))

static void sched_cases(void)
{
    struct sched_param p = {0};
    check("sched-getscheduler-other", syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER,
          "not SCHED_OTHER");
    check("sched-priority-range",
          syscall(SYS_sched_get_priority_max, SCHED_FIFO) == 99 &&
              syscall(SYS_sched_get_priority_min, SCHED_FIFO) == 1 &&
              syscall(SYS_sched_get_priority_max, SCHED_OTHER) == 0 &&
              syscall(SYS_sched_get_priority_min, SCHED_BATCH) == 0,
          "ranges differ from Linux's");
    check("sched-priority-range-bad-policy", ERR(syscall(SYS_sched_get_priority_max, 123), EINVAL),
          "not EINVAL");
    p.sched_priority = 7;
    check("sched-getparam", syscall(SYS_sched_getparam, 0, &p) == 0 && p.sched_priority == 0,
          "priority not 0");
    check("sched-getparam-null", ERR(syscall(SYS_sched_getparam, 0, NULL), EINVAL), "not EINVAL");
    p.sched_priority = 0;
    check("sched-setscheduler-batch",
          syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &p) == 0 &&
              syscall(SYS_sched_getscheduler, 0) == SCHED_BATCH,
          "SCHED_BATCH not taken");
    check("sched-setscheduler-back",
          syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p) == 0 &&
              syscall(SYS_sched_getscheduler, 0) == SCHED_OTHER,
          "SCHED_OTHER not taken back");
    p.sched_priority = 1;
    check("sched-setscheduler-other-prio-1",
          ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p), EINVAL), "not EINVAL");
    p.sched_priority = 0;
    check("sched-setscheduler-fifo-prio-0",
          ERR(syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p), EINVAL), "not EINVAL");
    check("sched-setscheduler-bad-policy", ERR(syscall(SYS_sched_setscheduler, 0, 99, &p), EINVAL),
          "not EINVAL");
    check("sched-setparam-other", syscall(SYS_sched_setparam, 0, &p) == 0, "refused");
    check("sched-getscheduler-bad-pid", ERR(syscall(SYS_sched_getscheduler, -1), EINVAL),
          "not EINVAL");
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    unsigned cpu = 99, node = 99;
    check("sched-setaffinity-cpu0", syscall(SYS_sched_setaffinity, 0, sizeof set, &set) == 0,
          "refused");
    check("getcpu-cpu0", syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu == 0 && node == 0,
          "not CPU 0, node 0");
    CPU_ZERO(&set);
    check("sched-setaffinity-empty",
          ERR(syscall(SYS_sched_setaffinity, 0, sizeof set, &set), EINVAL), "not EINVAL");
}

static void priority_cases(void)
{
    errno = 0;
    check("getpriority-0", getpriority(PRIO_PROCESS, 0) == 0 && errno == 0, "nice not 0");
    check("setpriority-5", setpriority(PRIO_PROCESS, 0, 5) == 0, "refused");
    check("getpriority-5", getpriority(PRIO_PROCESS, 0) == 5, "nice not 5");
    check("getpriority-raw-form", syscall(SYS_getpriority, PRIO_PROCESS, 0) == 15,
          "the raw call does not answer 20 - nice");
    check("setpriority-clamped",
          setpriority(PRIO_PROCESS, 0, 40) == 0 && getpriority(PRIO_PROCESS, 0) == 19,
          "not clamped to 19");
    check("setpriority-bad-which", ERR(setpriority(7, 0, 1), EINVAL), "not EINVAL");
    pid_t pid = fork();
    if (pid == 0)
        _exit(getpriority(PRIO_PROCESS, 0) == 19 ? 0 : 1);
    int st = -1;
    waitpid(pid, &st, 0);
    check("nice-inherited-by-child", WIFEXITED(st) && WEXITSTATUS(st) == 0, "child's nice differs");
}

static void prctl_cases(void)
{
    char name[16] = {0};
    check("prctl-get-name-program", prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "calls"), name);
    prctl(PR_SET_NAME, "a-much-longer-name-than-fits");
    memset(name, 0, sizeof name);
    check("prctl-set-name-truncated",
          prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "a-much-longer-n"), name);
    check("prctl-dumpable",
          prctl(PR_GET_DUMPABLE) == 1 && prctl(PR_SET_DUMPABLE, 0) == 0 &&
              prctl(PR_GET_DUMPABLE) == 0 && prctl(PR_SET_DUMPABLE, 1) == 0,
          "not as Linux");
    check("prctl-dumpable-bad", ERR(prctl(PR_SET_DUMPABLE, 2), EINVAL), "not EINVAL");
}

static void close_range_cases(void)
{
    for (int fd = 10; fd <= 12; fd++)
        dup2(1, fd);
    check("close-range-closes",
          syscall(SYS_close_range, 10, 12, 0) == 0 && ERR(fcntl(10, F_GETFD), EBADF) &&
              ERR(fcntl(12, F_GETFD), EBADF),
          "still open");
    check("close-range-backwards", ERR(syscall(SYS_close_range, 5, 4, 0), EINVAL), "not EINVAL");
    dup2(1, 20);
    check("close-range-cloexec",
          syscall(SYS_close_range, 20, 20, 4) == 0 && fcntl(20, F_GETFD) == FD_CLOEXEC,
          "not marked close-on-exec");
    close(20);
    check("close-range-bad-flags", ERR(syscall(SYS_close_range, 20, 21, 1), EINVAL), "not EINVAL");
}

static void file_cases(void)
{
    char in[64], out[64];
    snprintf(in, sizeof in, "/tmp/calls-in-%d", (int)getpid());
    snprintf(out, sizeof out, "/tmp/calls-out-%d", (int)getpid());
    int fi = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static char buf[100000], back[100000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (char)(i * 7 + i / 251);
    if (fi < 0 || fo < 0 || write(fi, buf, sizeof buf) != (ssize_t)sizeof buf) {
        check("sendfile-setup", 0, "cannot make the files in /tmp");
        return;
    }
    lseek(fi, 0, SEEK_SET);
    size_t done = 0;
    for (int i = 0; i < 100 && done < sizeof buf; i++) {
        ssize_t r = sendfile(fo, fi, NULL, sizeof buf - done);
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    check("sendfile-whole",
          done == sizeof buf && pread(fo, back, sizeof back, 0) == (ssize_t)sizeof back &&
              !memcmp(buf, back, sizeof buf) && lseek(fi, 0, SEEK_CUR) == (off_t)sizeof buf,
          "copy or offset differs");
    off_t off = 1000;
    lseek(fi, 0, SEEK_SET);
    check("sendfile-offset",
          sendfile(fo, fi, &off, 500) == 500 && off == 1500 && lseek(fi, 0, SEEK_CUR) == 0,
          "offset handling differs");
    int p[2];
    pipe(p);
    check("sendfile-from-pipe", ERR(sendfile(fo, p[0], NULL, 10), EINVAL), "not EINVAL");
    close(p[0]);
    close(p[1]);
    int fa = open(out, O_WRONLY | O_APPEND);
    check("sendfile-to-append", ERR(sendfile(fa, fi, NULL, 10), EINVAL), "not EINVAL");
    close(fa);
    int fr = open(out, O_RDONLY);
    check("sendfile-to-read-only", ERR(sendfile(fr, fi, NULL, 10), EBADF), "not EBADF");
    ftruncate(fo, 0);
    struct stat st;
    check("fallocate-grows",
          fallocate(fo, 0, 4096, 8192) == 0 && fstat(fo, &st) == 0 && st.st_size == 12288 &&
              pread(fo, back, 12288, 0) == 12288 && back[0] == 0 && back[12287] == 0,
          "size or content differs");
    check("fallocate-inside-keeps-size",
          fallocate(fo, 0, 0, 100) == 0 && fstat(fo, &st) == 0 && st.st_size == 12288,
          "size changed");
    check("fallocate-zero-length", ERR(fallocate(fo, 0, 0, 0), EINVAL), "not EINVAL");
    check("fallocate-read-only", ERR(fallocate(fr, 0, 0, 10), EBADF), "not EBADF");
    pipe(p);
    check("fallocate-pipe", ERR(fallocate(p[1], 0, 0, 10), ESPIPE), "not ESPIPE");
    close(p[0]);
    close(p[1]);
    close(fr);
    close(fi);
    close(fo);
    unlink(in);
    unlink(out);
}

/* mincore: touched pages are resident, untouched anonymous ones not; an unmapped page
 * is ENOMEM (gnulib probes the stack that way), an unaligned start EINVAL. */
static void mincore_cases(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char v[4] = {9, 9, 9, 9};
    char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        check("mincore-setup", 0, "mmap failed");
        return;
    }
    m[0] = 1;
    m[2 * pg] = 1;
    check("mincore-touched-pages",
          mincore(m, 4 * pg, v) == 0 && v[0] == 1 && v[1] == 0 && v[2] == 1 && v[3] == 0,
          "residency differs");
    check("mincore-unaligned", ERR(mincore(m + 1, pg, v), EINVAL), "not EINVAL");
    munmap(m + 3 * pg, pg);
    check("mincore-unmapped", ERR(mincore(m, 4 * pg, v), ENOMEM), "not ENOMEM");
    check("mincore-stack",
          mincore((void *)((unsigned long)&v & ~(pg - 1)), pg, v) == 0 && v[0] == 1,
          "the stack page is not resident");
    munmap(m, 3 * pg);
}

/* mlock & co.: locked pages have their frames (mincore), MLOCK_ONFAULT leaves them
 * untouched, MS_INVALIDATE of locked pages is EBUSY until munlock, a fork child holds no
 * lock, mlockall(MCL_FUTURE) locks later mappings; Linux's errors for bad flags and
 * unmapped pages. */
static void mlock_cases(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char v[4] = {9, 9, 9, 9};
    char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        check("mlock-setup", 0, "mmap failed");
        return;
    }
    check("mlock-populates",
          mlock(m + 1, 2 * pg) == 0 && mincore(m, 4 * pg, v) == 0 && v[0] == 1 && v[1] == 1 &&
              v[2] == 1 && v[3] == 0,
          "the locked pages are not all resident");
    check("mlock-len-0", mlock(m, 0) == 0, "refused");
    check("msync-invalidate-locked", ERR(msync(m, pg, MS_INVALIDATE), EBUSY), "not EBUSY");
    check("msync-sync-locked", msync(m, pg, MS_SYNC) == 0, "refused");
    pid_t pid = fork();
    if (pid == 0)
        _exit(msync(m, pg, MS_INVALIDATE) == 0 ? 0 : 1);
    int st = -1;
    if (pid > 0)
        waitpid(pid, &st, 0);
    check("mlock-not-inherited", pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the child's pages are locked");
    check("munlock-part",
          munlock(m + pg, pg) == 0 && msync(m + pg, pg, MS_INVALIDATE) == 0 &&
              ERR(msync(m, pg, MS_INVALIDATE), EBUSY),
          "unlocking one page differs");
    check("munmap-unlocks",
          munmap(m, pg) == 0 &&
              mmap(m, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                  m &&
              msync(m, pg, MS_INVALIDATE) == 0,
          "the new mapping is locked");
    check("mlock2-onfault",
          syscall(SYS_mlock2, m + 3 * pg, pg, 1 /* MLOCK_ONFAULT */) == 0 &&
              mincore(m + 3 * pg, pg, v) == 0 && v[0] == 0 &&
              ERR(msync(m + 3 * pg, pg, MS_INVALIDATE), EBUSY),
          "not locked, or populated");
    check("mlock2-bad-flags", ERR(syscall(SYS_mlock2, m, pg, 2), EINVAL), "not EINVAL");
    munmap(m + pg, 3 * pg);
    check("mlock-unmapped", ERR(mlock(m + pg, pg), ENOMEM), "not ENOMEM");
    check("munlock-unmapped", ERR(munlock(m + pg, pg), ENOMEM), "not ENOMEM");
    check("mlock-past-user-space", ERR(mlock((void *)(0x7fffffffffffffffl & ~(pg - 1)), 8), ENOMEM),
          "not ENOMEM");
    check("mlockall-bad-flags",
          ERR(mlockall(0), EINVAL) && ERR(mlockall(4 /* MCL_ONFAULT alone */), EINVAL) &&
              ERR(mlockall(~(MCL_CURRENT | MCL_FUTURE)), EINVAL),
          "not EINVAL");
    check("mlockall-current", mlockall(MCL_CURRENT) == 0 && ERR(msync(m, pg, MS_INVALIDATE), EBUSY),
          "the mapping is not locked");
    char *f = mlockall(MCL_FUTURE) == 0
                  ? mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  : MAP_FAILED;
    check("mlockall-future",
          f != MAP_FAILED && mincore(f, pg, v) == 0 && v[0] == 1 &&
              ERR(msync(f, pg, MS_INVALIDATE), EBUSY),
          "the new mapping is not locked");
    check("munlockall",
          munlockall() == 0 && msync(m, pg, MS_INVALIDATE) == 0 && msync(f, pg, MS_INVALIDATE) == 0,
          "pages stay locked");
    if (f != MAP_FAILED)
        munmap(f, pg);
    munmap(m, pg);
}

/* A write through a shared file mapping marks the file's mtime and ctime by the next
 * msync (POSIX; capix marks it at msync, Linux at the write fault). */
static void msync_times_cases(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/calls-msync-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    struct timespec past[2] = {{1000000, 0}, {1000000, 0}};
    struct stat st;
    char *m = MAP_FAILED;
    if (fd >= 0 && write(fd, "0123456789", 10) == 10 && futimens(fd, past) == 0)
        m = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) {
        m[0] = 'x';
        msync(m, 10, MS_SYNC);
    }
    check("msync-marks-mtime",
          m != MAP_FAILED && fstat(fd, &st) == 0 && st.st_mtime > 1000000 && st.st_ctime > 1000000,
          "mtime or ctime not marked");
    if (m != MAP_FAILED)
        munmap(m, 10);
    if (fd >= 0)
        close(fd);
    unlink(path);
}

/* Shared mappings of one file until the process runs out of room (Linux: the map
 * count; capix: capability slots or mapping records) end in ENOMEM, and the file's
 * file system still answers afterwards. */
static void map_until_full_cases(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/calls-maps-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unlink(path);
    enum { MAX_MAPS = 100000 };
    static void *maps[MAX_MAPS];
    int n = 0, err = 0;
    if (fd >= 0 && ftruncate(fd, 4096) == 0) {
        while (n < MAX_MAPS) {
            void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) {
                err = errno;
                break;
            }
            maps[n++] = m;
        }
    }
    for (int i = 0; i < n; i++)
        munmap(maps[i], 4096);
    char c = 'x';
    check("mmap-until-enomem",
          err == ENOMEM && pwrite(fd, "y", 1, 0) == 1 && pread(fd, &c, 1, 0) == 1 && c == 'y',
          "no ENOMEM at the end, or the file is gone");
    if (fd >= 0)
        close(fd);
}

/* A thread that reports its id and waits until told to end. */
static volatile int thread_tid, thread_end;
static void *tid_thread(void *arg)
{
    (void)arg;
    thread_tid = (int)syscall(SYS_gettid);
    while (!thread_end)
        sched_yield();
    return NULL;
}

/* The CPU-time clocks by pid and thread (clock_getcpuclockid, pthread_getcpuclockid),
 * the scheduling calls by thread id, and clock_settime's and settimeofday's errors
 * (only cases that fail on Linux even as root: the host's clock stays). */
static void clock_cases(void)
{
    clockid_t c = -1;
    struct timespec ts = {7, 7}, res = {7, 7};
    check("cpu-clock-of-pid",
          clock_getcpuclockid(getpid(), &c) == 0 && clock_gettime(c, &ts) == 0 && ts.tv_sec < 60 &&
              clock_getres(c, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
          "not readable");
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    check("cpu-clock-of-no-process",
          clock_getcpuclockid(gone, &c) != 0 &&
              ERR(syscall(SYS_clock_getres, (~(long)gone) * 8 + 2, &res), EINVAL),
          "not EINVAL");
    pthread_t th;
    thread_tid = 0, thread_end = 0;
    if (pthread_create(&th, NULL, tid_thread, NULL) != 0) {
        check("clock-thread-setup", 0, "pthread_create failed");
        return;
    }
    while (!thread_tid)
        sched_yield();
    struct sched_param sp;
    sp.sched_priority = 7;
    int pol = -1;
    check("cpu-clock-of-thread",
          pthread_getcpuclockid(th, &c) == 0 && clock_gettime(c, &ts) == 0 && ts.tv_sec == 0,
          "not readable");
    check("sched-getparam-thread",
          syscall(SYS_sched_getparam, thread_tid, &sp) == 0 && sp.sched_priority == 0 &&
              pthread_getschedparam(th, &pol, &sp) == 0 && pol == SCHED_OTHER,
          "refused");
    thread_end = 1;
    pthread_join(th, NULL);
    struct timespec bad = {0, -1}, good = {1, 0};
    struct timeval badtv = {0, 1000000};
    check("clock-settime-bad-nsec", ERR(clock_settime(CLOCK_REALTIME, &bad), EINVAL), "not EINVAL");
    check("clock-settime-monotonic", ERR(clock_settime(CLOCK_MONOTONIC, &good), EINVAL),
          "not EINVAL");
    check("clock-settime-cpu-clock",
          ERR(clock_settime(CLOCK_PROCESS_CPUTIME_ID, &good), EINVAL) &&
              ERR(syscall(SYS_clock_settime, (~(long)getpid()) * 8 + 2, &good), EPERM) &&
              ERR(syscall(SYS_clock_settime, (~(long)gone) * 8 + 2, &good), EINVAL),
          "not EINVAL, EPERM, EINVAL");
    check("settimeofday-bad-usec", ERR(settimeofday(&badtv, NULL), EINVAL), "not EINVAL");
}

/* memfd_create: an anonymous file, close-on-exec on request, mappable MAP_SHARED and
 * shared with a forked child; bad flags are EINVAL. */
static void memfd_cases(void)
{
    int fd = (int)syscall(SYS_memfd_create, "calls", 1 /* MFD_CLOEXEC */);
    struct stat st;
    check("memfd-create", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "no descriptor");
    if (fd < 0)
        return;
    check("memfd-write-size",
          write(fd, "hello", 5) == 5 && fstat(fd, &st) == 0 && st.st_size == 5 &&
              S_ISREG(st.st_mode) && st.st_nlink == 0,
          "size, type or link count differs");
    ftruncate(fd, 4096);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pid_t pid = m == MAP_FAILED ? -1 : fork();
    if (pid == 0) {
        memcpy(m, "child", 5);
        _exit(0);
    }
    int st2 = -1;
    if (pid > 0)
        waitpid(pid, &st2, 0);
    check("memfd-shared-with-child", pid > 0 && !memcmp(m, "child", 5),
          "the child's write is not seen");
    char back[5] = {0};
    check("memfd-read-back", pread(fd, back, 5, 0) == 5 && !memcmp(back, "child", 5),
          "read differs");
    if (m != MAP_FAILED)
        munmap(m, 4096);
    close(fd);
    check("memfd-bad-flags", ERR(syscall(SYS_memfd_create, "x", 0x100), EINVAL), "not EINVAL");
}

/* prctl's process-tree options: PR_SET_PDEATHSIG (not inherited; the signal comes when
 * the parent ends, from it, after the orphan has its new parent) and
 * PR_SET_CHILD_SUBREAPER (not inherited; a descendant's orphans come to it, zombies too,
 * and it reaps them). The process running them is the subreaper, so that the orphans'
 * new parent is the same on the host and in capix. */
static volatile sig_atomic_t pdeath_sig, pdeath_code, pdeath_pid, pdeath_ppid;

static void on_pdeath(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    pdeath_sig = sig;
    pdeath_code = si->si_code;
    pdeath_pid = si->si_pid;
    pdeath_ppid = getppid();
}

static int pdeathsig_is(int want)
{
    int v = -1;
    return prctl(PR_GET_PDEATHSIG, &v) == 0 && v == want;
}

static int subreaper_is(int want)
{
    int v = -1;
    return prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == want;
}

static int child_ok(pid_t pid)
{
    int st = -1;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The process-tree cases run twice: in this process (in capix the sandbox's pid 1) and
 * in a child (a subreaper that is not pid 1); the second's names end in "-child". */
static const char *tree_suffix = "";

static void tcheck(const char *name, int ok, const char *why)
{
    char n[80];
    snprintf(n, sizeof n, "%s%s", name, tree_suffix);
    check(n, ok, why);
}

static void prctl_tree_cases(void)
{
    tcheck("prctl-pdeathsig-default", pdeathsig_is(0), "not 0");
    tcheck("prctl-pdeathsig-set",
           prctl(PR_SET_PDEATHSIG, SIGUSR2) == 0 && pdeathsig_is(SIGUSR2) &&
               prctl(PR_SET_PDEATHSIG, 0) == 0 && pdeathsig_is(0),
           "not kept");
    tcheck("prctl-pdeathsig-bad-signal", ERR(prctl(PR_SET_PDEATHSIG, 65), EINVAL), "not EINVAL");
    tcheck("prctl-pdeathsig-get-bad-pointer", ERR(prctl(PR_GET_PDEATHSIG, NULL), EFAULT),
           "not EFAULT");
    prctl(PR_SET_PDEATHSIG, SIGUSR2);
    pid_t pid = fork();
    if (pid == 0)
        _exit(pdeathsig_is(0) ? 0 : 1);
    tcheck("prctl-pdeathsig-not-inherited", child_ok(pid), "the child has it");
    prctl(PR_SET_PDEATHSIG, 0);
    tcheck("prctl-subreaper-default", subreaper_is(0), "not 0");
    tcheck("prctl-subreaper-set",
           prctl(PR_SET_CHILD_SUBREAPER, 7) == 0 && subreaper_is(1) &&
               prctl(PR_SET_CHILD_SUBREAPER, 0) == 0 && subreaper_is(0) &&
               prctl(PR_SET_CHILD_SUBREAPER, 1) == 0,
           "not kept");
    tcheck("prctl-subreaper-get-bad-pointer", ERR(prctl(PR_GET_CHILD_SUBREAPER, NULL), EFAULT),
           "not EFAULT");
    pid = fork();
    if (pid == 0)
        _exit(subreaper_is(0) ? 0 : 1);
    tcheck("prctl-subreaper-not-inherited", child_ok(pid), "the child is one");

    /* the middle process ends once its child (the grandchild) has asked for SIGUSR1 at
     * its parent's death; the grandchild reports what it saw by its exit status */
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    pid_t self = getpid();
    pid_t middle = fork();
    if (middle == 0) {
        pid_t g = fork();
        if (g == 0) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_pdeath;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGUSR1, &sa, NULL);
            pid_t parent = getppid();
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            close(go[1]);
            write(ready[1], "gg", 2); /* one byte for the middle, one for this test */
            char c;
            read(go[0], &c, 1); /* the middle has ended: this read fails or returns */
            for (int i = 0; i < 500 && !pdeath_sig; i++)
                usleep(10000);
            _exit((pdeath_sig == SIGUSR1 ? 0 : 1) | (pdeath_code == SI_USER ? 0 : 2) |
                  (pdeath_pid == parent ? 0 : 4) | (pdeath_ppid == self ? 0 : 8) |
                  (getppid() == self ? 0 : 16));
        }
        char c;
        read(ready[0], &c, 1);
        _exit(g > 0 ? 0 : 1);
    }
    close(ready[1]);
    close(go[0]);
    char c;
    read(ready[0], &c, 1); /* the grandchild is ready (or the middle ended) */
    int st = -1;
    waitpid(middle, &st, 0);
    close(go[1]);
    pid_t grand = -1;
    int gst = -1;
    for (int i = 0; i < 500 && grand <= 0; i++) {
        grand = waitpid(-1, &gst, WNOHANG);
        if (grand == 0)
            usleep(10000);
    }
    char why[64];
    snprintf(why, sizeof why, "no orphan reaped, or it saw otherwise (status %#x)", gst);
    tcheck("prctl-pdeathsig-and-subreaper",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 && grand > 0 && WIFEXITED(gst) &&
               WEXITSTATUS(gst) == 0,
           why);
    close(ready[0]);

    /* a zombie grandchild comes to the subreaper when its parent ends without reaping it */
    middle = fork();
    if (middle == 0) {
        pid_t g = fork();
        if (g == 0)
            _exit(42);
        siginfo_t si;
        waitid(P_PID, g, &si, WEXITED | WNOWAIT); /* a zombie now, left unreaped */
        _exit(g > 0 ? 0 : 1);
    }
    st = gst = -1;
    waitpid(middle, &st, 0);
    grand = waitpid(-1, &gst, 0);
    tcheck("prctl-subreaper-gets-zombie",
           WIFEXITED(st) && grand > 0 && WIFEXITED(gst) && WEXITSTATUS(gst) == 42,
           "the zombie was not reparented");
    tcheck("prctl-subreaper-no-more-children", ERR(waitpid(-1, &gst, WNOHANG), ECHILD),
           "not ECHILD");
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* membarrier: the commands every Linux since 4.16 on x86_64 answers alike (QUERY's
 * other bits depend on the kernel's version and rseq, so only these are compared).
 * Linux's numbers (<linux/membarrier.h>, which musl's headers do not bring). */
enum {
    MEMBARRIER_CMD_QUERY = 0,
    MEMBARRIER_CMD_GLOBAL = 1,
    MEMBARRIER_CMD_GLOBAL_EXPEDITED = 2,
    MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 4,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 32,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 64,
};
#define MB_CORE_CMDS                                                                               \
    (MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED |                                     \
     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED |                 \
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED | MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE |      \
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE)

static long mb(int cmd, unsigned flags)
{
    return syscall(SYS_membarrier, cmd, flags, 0);
}

static void membarrier_cases(const char *self)
{
    long q = mb(MEMBARRIER_CMD_QUERY, 0);
    check("membarrier-query", q > 0 && (q & MB_CORE_CMDS) == MB_CORE_CMDS,
          "the commands are not all offered");
    check("membarrier-query-flags", ERR(mb(MEMBARRIER_CMD_QUERY, 1), EINVAL), "not EINVAL");
    check("membarrier-global", mb(MEMBARRIER_CMD_GLOBAL, 0) == 0, "refused");
    check("membarrier-global-flags", ERR(mb(MEMBARRIER_CMD_GLOBAL, 1), EINVAL), "not EINVAL");
    check("membarrier-private-unregistered", ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0), EPERM),
          "not EPERM");
    check("membarrier-sync-core-unregistered",
          ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0), EPERM), "not EPERM");
    check("membarrier-private-registered",
          mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0 &&
              mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0 &&
              ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0), EPERM),
          "not after its registration only");
    check("membarrier-sync-core-registered",
          mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0 &&
              mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0,
          "refused");
    check("membarrier-global-expedited",
          mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0) == 0 &&
              mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0) == 0,
          "refused");
    check("membarrier-bad-command", ERR(mb(3, 0), EINVAL) && ERR(mb(-1, 0), EINVAL), "not EINVAL");
    pid_t pid = fork();
    if (pid == 0)
        _exit(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0) == 0 ? 0 : 1);
    check("membarrier-registration-inherited", child_ok(pid), "the fork child is not registered");
    /* exec: a new address space has no registrations; its name is the new program's */
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "renamed");
        execl(self, self, "exec-resets", (char *)NULL);
        _exit(2);
    }
    check("membarrier-and-name-reset-by-exec", child_ok(pid),
          "registered, or the old name, after exec");
}

/* The CPU-time interval timers. */
static volatile sig_atomic_t vtalrm_count, prof_count, itimer_code;

static void itimer_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    itimer_code = si->si_code;
    if (sig == SIGVTALRM)
        vtalrm_count++;
    else
        prof_count++;
}

static double mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs in user mode until *count reaches n or 10 s have passed; whether it did. */
static int spin_until(volatile sig_atomic_t *count, int n)
{
    double end = mono_now() + 10;
    while (*count < n && mono_now() < end)
        for (volatile int i = 0; i < 100000; i++)
            ;
    return *count >= n;
}

static int itimer_is(int which, long sec_lo, long sec_hi, long isec, long iusec)
{
    struct itimerval it;
    return getitimer(which, &it) == 0 && it.it_value.tv_sec >= sec_lo &&
           it.it_value.tv_sec <= sec_hi && it.it_interval.tv_sec == isec &&
           it.it_interval.tv_usec == iusec;
}

static void itimer_cases(const char *self)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = itimer_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGVTALRM, &sa, NULL);
    sigaction(SIGPROF, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}}, old, zero = {{0, 0}, {0, 0}};
    check("itimer-virtual-fires",
          setitimer(ITIMER_VIRTUAL, &it, NULL) == 0 && spin_until(&vtalrm_count, 1) &&
              itimer_code == SI_KERNEL && itimer_is(ITIMER_VIRTUAL, 0, 0, 0, 0),
          "no SIGVTALRM as SI_KERNEL, or still armed");
    it.it_interval.tv_usec = 20000;
    check("itimer-prof-interval",
          setitimer(ITIMER_PROF, &it, NULL) == 0 && spin_until(&prof_count, 3) &&
              itimer_code == SI_KERNEL && setitimer(ITIMER_PROF, &zero, &old) == 0 &&
              old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000,
          "no three SIGPROFs, or the old value differs");
    /* asleep, the process uses no CPU time: the CPU-time timer does not fire */
    vtalrm_count = 0;
    it.it_interval.tv_usec = 0;
    it.it_value.tv_usec = 20000;
    struct timespec nap = {0, 200000000};
    check("itimer-virtual-not-while-asleep",
          setitimer(ITIMER_VIRTUAL, &it, NULL) == 0 && nanosleep(&nap, NULL) == 0 &&
              vtalrm_count == 0 && spin_until(&vtalrm_count, 1),
          "fired during the sleep, or not after");
    struct itimerval ten = {{15, 0}, {10, 0}};
    check("itimer-get-and-old-value",
          setitimer(ITIMER_VIRTUAL, &ten, NULL) == 0 && setitimer(ITIMER_PROF, &ten, NULL) == 0 &&
              itimer_is(ITIMER_VIRTUAL, 9, 10, 15, 0) && itimer_is(ITIMER_PROF, 9, 10, 15, 0) &&
              setitimer(ITIMER_VIRTUAL, &zero, &old) == 0 && old.it_value.tv_sec >= 9 &&
              old.it_interval.tv_sec == 15 && itimer_is(ITIMER_VIRTUAL, 0, 0, 0, 0),
          "values differ");
    pid_t pid = fork();
    if (pid == 0)
        _exit(itimer_is(ITIMER_PROF, 0, 0, 0, 0) ? 0 : 1);
    int st = -1;
    if (pid > 0)
        waitpid(pid, &st, 0);
    check("itimer-not-inherited", pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the child's ITIMER_PROF is armed");
    pid = fork();
    if (pid == 0) {
        setitimer(ITIMER_VIRTUAL, &ten, NULL);
        execl(self, self, "itimer-after-exec", (char *)NULL);
        _exit(2);
    }
    st = -1;
    if (pid > 0)
        waitpid(pid, &st, 0);
    check("itimer-kept-across-exec", pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "the new program's ITIMER_VIRTUAL is not armed");
    setitimer(ITIMER_PROF, &zero, NULL);
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    check("itimer-bad-which",
          ERR(setitimer(3, &it, NULL), EINVAL) && ERR(getitimer(3, &old), EINVAL), "not EINVAL");
    old.it_value.tv_sec = 77;
    check("itimer-bad-usec",
          setitimer(ITIMER_PROF, &ten, NULL) == 0 &&
              ERR(setitimer(ITIMER_PROF, &bad, &old), EINVAL) && old.it_value.tv_sec == 77 &&
              itimer_is(ITIMER_PROF, 9, 10, 15, 0),
          "not EINVAL, or something changed");
    check("itimer-set-null-disarms",
          syscall(SYS_setitimer, ITIMER_PROF, NULL, &old) == 0 && old.it_value.tv_sec >= 9 &&
              itimer_is(ITIMER_PROF, 0, 0, 0, 0),
          "still armed");
    signal(SIGVTALRM, SIG_DFL);
    signal(SIGPROF, SIG_DFL);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "itimer-after-exec"))
        return itimer_is(ITIMER_VIRTUAL, 9, 10, 15, 0) ? 0 : 1;
    if (argc > 1 && !strcmp(argv[1], "exec-resets")) {
        char name[16] = {0};
        return ERR(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0), EPERM) &&
                       prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "calls")
                   ? 0
                   : 1;
    }
    sched_cases();
    priority_cases();
    prctl_cases();
    close_range_cases();
    file_cases();
    mincore_cases();
    mlock_cases();
    clock_cases();
    msync_times_cases();
    map_until_full_cases();
    memfd_cases();
    itimer_cases(argv[0]);
    prctl_tree_cases();
    pid_t tree = fork();
    if (tree == 0) {
        tree_suffix = "-child";
        prctl_tree_cases();
        _exit(failed);
    }
    check("prctl-tree-child", child_ok(tree), "the child's cases failed");
    membarrier_cases(argv[0]);
    return failed;
}
