/*
 * Process state the runtime keeps itself until the launcher's process table takes
 * over: signal dispositions and the signal mask (stored and reported; delivery comes
 * with the signals issue, and nothing can send a signal before then), resource
 * limits, the umask, sleeping, and system information.
 */
#include <stdbool.h>
#include <string.h>
#include "runtime.h"

#define NSIG 64

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

static struct k_sigaction actions[NSIG + 1];
static uint64_t sigmask;
static uint64_t sleep_notif;
static struct linux_rlimit limits[16] = {
    [RLIMIT_STACK] = {RT_PROG_STACK_PAGES * CX_PAGE_SIZE, RLIM_INFINITY},
    [RLIMIT_NOFILE] = {1024, 4096},
};

static void limits_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (int r = 0; r < 16; r++)
        if (r != RLIMIT_STACK && r != RLIMIT_NOFILE)
            limits[r].cur = limits[r].max = RLIM_INFINITY;
}

long rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old, size_t size)
{
    if (size != 8 || sig < 1 || sig > NSIG)
        return -EINVAL;
    if (act && (sig == 9 || sig == 19)) /* SIGKILL, SIGSTOP */
        return -EINVAL;
    if (old)
        *old = actions[sig];
    if (act)
        actions[sig] = *act;
    return 0;
}

long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old, size_t size)
{
    if (size != 8)
        return -EINVAL;
    uint64_t prev = sigmask;
    if (set) {
        uint64_t s = *set & ~((1ul << 8) | (1ul << 18)); /* SIGKILL, SIGSTOP never blocked */
        if (how == 0)
            sigmask |= s;
        else if (how == 1)
            sigmask &= ~s;
        else if (how == 2)
            sigmask = s;
        else
            return -EINVAL;
    }
    if (old)
        *old = prev;
    return 0;
}

long rt_prlimit(int pid, unsigned res, const struct linux_rlimit *nl, struct linux_rlimit *ol)
{
    limits_init();
    if (pid != 0 && (uint64_t)pid != rt->pid)
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
    }
    return 0;
}

unsigned rt_nofile_limit(void)
{
    return (unsigned)limits[RLIMIT_NOFILE].cur;
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
        if (err != CX_E_TIMEOUT && err != 0)
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

/* execve: handlers go back to the default action; ignored signals stay ignored, and the
 * mask stays. */
void rt_signals_exec(void)
{
    for (int s = 1; s <= NSIG; s++)
        if (actions[s].handler != 1) /* SIG_IGN */
            memset(&actions[s], 0, sizeof(actions[s]));
}

/* A write found a pipe without readers. Signal delivery comes with the signals issue;
 * what Linux does without a handler is done now: with the default action the process
 * ends, killed by SIGPIPE; ignored or blocked, the call fails with EPIPE. */
void rt_raise_sigpipe(void)
{
    const int sig = 13;
    if (sigmask & (1ul << (sig - 1)))
        return;
    if (actions[sig].handler == 0) /* SIG_DFL */
        rt_exit_process(sig);
    if (actions[sig].handler != 1) { /* a handler */
        static int said;
        if (!said++)
            rt_log("[runtime] SIGPIPE handler not run: signal delivery is not there yet\n");
    }
}
