/*
 * Process state the runtime keeps itself: resource limits, sleeping, and system
 * information. (Signals: signal.c; the umask: the VFS.)
 */
#include <stdbool.h>
#include <string.h>
#include "runtime.h"

static uint64_t sleep_notif;
static struct linux_rlimit limits[16] = {
    [RLIMIT_STACK] = {RT_PROG_STACK_PAGES * CX_PAGE_SIZE, RLIM_INFINITY},
    [RLIMIT_NOFILE] = {1024, 4096},
    [RLIMIT_CORE] = {0, RLIM_INFINITY}, /* Linux's default; no core is written anyway */
    [RLIMIT_SIGPENDING] = {RT_SIGQ_LEN, RT_SIGQ_LEN}, /* the signal page's queue */
    [RLIMIT_MEMLOCK] = {8u << 20, 8u << 20},          /* Linux's default (mlock.c) */
};

static void limits_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int r = 0; r < 16; r++)
        if (r != RLIMIT_STACK && r != RLIMIT_NOFILE && r != RLIMIT_SIGPENDING && r != RLIMIT_CORE &&
            r != RLIMIT_MEMLOCK)
            limits[r].cur = limits[r].max = RLIM_INFINITY;
}

long rt_prlimit(int pid, unsigned res, const struct linux_rlimit *nl, struct linux_rlimit *ol)
{
    limits_init();
    if (pid != 0 && (uint64_t)pid != rt_pid())
        return -ESRCH;
    if (res >= 16)
        return -EINVAL;
    if (nl && nl->cur > nl->max)
        return -EINVAL;
    if (nl && nl->max > limits[res].max)
        return -EPERM;
    if (nl && res == RLIMIT_NOFILE && nl->cur > 65536)
        return -EPERM; /* Linux: above fs.nr_open */
    if (ol)
        *ol = limits[res];
    if (nl) {
        limits[res] = *nl;
        if (res == RLIMIT_NOFILE && rt_vfs)
            vfs_set_fd_limit(rt_vfs, (unsigned)nl->cur);
        if (res == RLIMIT_SIGPENDING)
            rt_sigq_set_limit(nl->cur);
    }
    return 0;
}

unsigned rt_nofile_limit(void)
{
    return (unsigned)limits[RLIMIT_NOFILE].cur;
}

/* A fork child: the parent's sleep notification is not in its capability space (only
 * what the launcher shares is), so the slot is free and a new one is made when needed. */
void rt_sleep_after_fork(void)
{
    if (sleep_notif)
        rt_slot_free(sleep_notif);
    sleep_notif = 0;
}

/* Sleeps for ns nanoseconds on a private notification (nobody signals it). */
long rt_sleep_ns(uint64_t ns)
{
    if (!sleep_notif) {
        uint64_t s = rt_slot_alloc();
        if (!s || cx_notif_create(rt->slot_quota, s))
            return -ENOMEM;
        sleep_notif = s;
    }
    uint64_t end = cx_clock_ns() + ns;
    for (;;) {
        uint64_t now = cx_clock_ns();
        if (now >= end)
            return 0;
        rt_unlock();
        long err = cx_notif_wait(sleep_notif, end - now, NULL);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
            return -EINTR;
    }
}

long rt_sysinfo(struct linux_sysinfo *si)
{
    struct cx_ret q = cx_raw_quota_info(rt->slot_quota, 0, 0, 0, 0, 0);
    memset(si, 0, sizeof(*si));
    si->uptime = (int64_t)(cx_clock_ns() / 1000000000u);
    si->totalram = q.rsi;
    si->freeram = q.rsi - q.rdi;
    si->procs = 1;
    si->mem_unit = 1;
    return 0;
}

/* CPU time of the children this process has reaped (and of theirs). */
struct rt_cpu rt_children;

/* getrusage: CPU time as the kernel counts it: system time is the time in this runtime
 * (what Linux spends in its kernel for the process), user time the rest (the program,
 * and the kernel's own work on its behalf); the other fields are 0. RUSAGE_SELF (0),
 * RUSAGE_CHILDREN (-1: reaped children), RUSAGE_THREAD (1). */
long rt_getrusage(int who, void *ru)
{
    struct rt_cpu c;
    if (who == 0)
        c = rt_cpu_times(true);
    else if (who == -1)
        c = rt_children;
    else if (who == 1)
        c = rt_cpu_times(false);
    else
        return -EINVAL;
    if (!rt_user_write((uint64_t)ru, 144))
        return -EFAULT;
    uint64_t user = c.ns > c.sys_ns ? c.ns - c.sys_ns : 0;
    memset(ru, 0, 144); /* struct rusage: ru_utime, ru_stime, then counters */
    int64_t *tv = ru;
    tv[0] = (int64_t)(user / 1000000000u), tv[1] = (int64_t)(user % 1000000000u / 1000);
    tv[2] = (int64_t)(c.sys_ns / 1000000000u), tv[3] = (int64_t)(c.sys_ns % 1000000000u / 1000);
    return 0;
}

/* times: CPU times in clock ticks (AT_CLKTCK, 100 a second); returns the ticks since
 * boot. */
long rt_times(void *buf)
{
    if (buf) {
        int64_t *t = buf;                     /* struct tms: utime, stime, cutime, cstime */
        struct rt_cpu c = rt_cpu_times(true); /* sys_ns <= ns: one clock, a part of it */
        t[0] = (int64_t)((c.ns - c.sys_ns) / 10000000u);
        t[1] = (int64_t)(c.sys_ns / 10000000u);
        t[2] = (int64_t)((rt_children.ns - rt_children.sys_ns) / 10000000u);
        t[3] = (int64_t)(rt_children.sys_ns / 10000000u);
    }
    return (long)(cx_clock_ns() / 10000000u);
}
