/*
 * The Linux system-call dispatcher and the calls that need no more than a few lines:
 * identity, uname, time, arch_prctl, exit. An unimplemented call returns -ENOSYS and is
 * named in the log once per process; with `trace` on, every call is logged with its
 * arguments and result.
 */
#include <string.h>
#include <vfs_plugins.h>
#include "runtime.h"
#include "creds.h"
#include "fdkinds.h"
#include "syscall_names.h"

_Static_assert(CX_SYS_lx_return == 36, "entry.S uses the number of lx_return");

const struct rt_info *rt = (const struct rt_info *)RT_INFO_ADDR;
int rt_trace;
uint32_t rt_uid, rt_gid, rt_umask_initial = 022;
static uint8_t enosys_said[512 / 8];

const char *rt_strerror(long err)
{
    static const char *const names[] = {
        "0",       "EPERM",        "ENOENT", "ESRCH",  "EINTR",     "EIO",     "ENXIO",
        "E2BIG",   "ENOEXEC",      "EBADF",  "ECHILD", "EAGAIN",    "ENOMEM",  "EACCES",
        "EFAULT",  "ENOTBLK",      "EBUSY",  "EEXIST", "EXDEV",     "ENODEV",  "ENOTDIR",
        "EISDIR",  "EINVAL",       "ENFILE", "EMFILE", "ENOTTY",    "ETXTBSY", "EFBIG",
        "ENOSPC",  "ESPIPE",       "EROFS",  "EMLINK", "EPIPE",     "EDOM",    "ERANGE",
        "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
    };
    long e = -err;
    if (e >= 0 && e < (long)(sizeof(names) / sizeof(names[0])))
        return names[e];
    return "error";
}

/* CLOCK_REALTIME: the TSC scaled by the vvar page's frequency, as the vDSO and the
 * kernel's `clock` call compute it (no trap: the fs plugin reads it at each pwrite, the
 * VFS at each change of a file), or the kernel's call when there is no vvar page. */
uint64_t rt_realtime_ns(void)
{
    const volatile struct rt_vvar *v = (const volatile struct rt_vvar *)RT_VVAR_ADDR;
    uint64_t hz = rt->vdso ? v->tsc_hz : 0;
    if (hz) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        uint64_t t = ((uint64_t)hi << 32) | lo;
        return t / hz * 1000000000u + t % hz * 1000000000u / hz + rt->realtime_offset_ns;
    }
    return cx_clock_ns() + rt->realtime_offset_ns;
}

const char *rt_syscall_name(uint64_t nr)
{
    if (nr < sizeof(linux_syscall_names) / sizeof(linux_syscall_names[0]) &&
        linux_syscall_names[nr])
        return linux_syscall_names[nr];
    return "?";
}

void rt_log(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = cx_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    cx_log_write(rt->slot_log, buf, (uint64_t)n);
}

_Noreturn void rt_exit_process(int wait_status)
{
    if (rt_in_vfork())
        rt_vfork_exit(wait_status); /* the parent's context resumes */
    static int releasing;
    if (!releasing++)
        rt_robust_release_all(); /* robust futexes of every thread get FUTEX_OWNER_DIED */
    /* close every descriptor: pipes count their open ends across processes */
    static int closing;
    if (rt_vfs && !closing)
        rt_memory_drop_files();
    if (rt_vfs && !closing)
        vfs_fs_exit_begin(rt_vfs); /* the fs closes below go with vfs_fs_exit's batches */
    if (rt_vfs && !closing++)
        for (unsigned fd = 0, end = vfs_fd_end(rt_vfs); fd < end; fd++)
            vfs_close(rt_vfs, (int)fd);
    if (rt_vfs && closing == 1) {
        rt_exec_forget_exe(); /* its file is no longer busy (ETXTBSY) for this one */
        /* every server reference goes back, a batch a session: its name table's, the
         * root's, the working directory's (the tables and views go with the process) */
        vfs_fs_exit(rt_vfs);
    }
    struct rt_cpu c = rt_cpu_times(true); /* its own and its reaped children's */
    for (;;) {
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_EXIT, 3, 0), (uint64_t)wait_status,
                        c.ns + rt_children.ns, c.sys_ns + rt_children.sys_ns, 0);
        cx_thread_suspend(rt->slot_thread);
    }
}

static long enosys(uint64_t nr)
{
    if (nr < 512 && !(enosys_said[nr / 8] & (1u << (nr % 8)))) {
        enosys_said[nr / 8] |= (uint8_t)(1u << (nr % 8));
        rt_log("[runtime] unimplemented Linux call %s (%lu): ENOSYS\n", rt_syscall_name(nr), nr);
    }
    return -ENOSYS;
}

static long copy_out(uint64_t uaddr, const void *src, size_t n)
{
    /* The program's memory is our own address space: probed first, a bad pointer is
     * EFAULT as on Linux (runtime.h, rt_user_write). */
    if (!rt_user_write(uaddr, n))
        return -EFAULT;
    memcpy((void *)uaddr, src, n);
    return 0;
}

static long sys_uname(uint64_t buf)
{
    static struct linux_utsname u;
    memset(&u, 0, sizeof(u));
    memcpy(u.sysname, "Linux", 6);
    memcpy(u.nodename, "capix", 6);
    memcpy(u.release, "6.1.0-capix", 12);
    memcpy(u.version, "#1 capix", 9);
    memcpy(u.machine, "x86_64", 7);
    memcpy(u.domainname, "(none)", 7);
    return copy_out(buf, &u, sizeof(u));
}

static long realtime_out(uint64_t ts)
{
    uint64_t ns = rt_realtime_ns();
    struct linux_timespec t = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
    return copy_out(ts, &t, sizeof(t));
}

static long sys_gettimeofday(uint64_t tv, uint64_t tz)
{
    uint64_t ns = rt_realtime_ns();
    if (!rt_user_write_opt(tv, 16) || !rt_user_write_opt(tz, 8))
        return -EFAULT;
    if (tv) {
        int64_t t[2] = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000)};
        memcpy((void *)tv, t, sizeof(t));
    }
    if (tz)
        memset((void *)tz, 0, 8); /* UTC, no DST */
    return 0;
}

/* socket: AF_INET (and AF_INET6, stream sockets) is a socket of the network server's
 * Net session (socket.c), which
 * only a `route Net to=...` gives (EACCES without it, logged once there); AF_UNIX a
 * local socket between processes of the sandbox (unix.c). Every other family gets
 * EAFNOSUPPORT, as from a Linux kernel built without it (said once). musl's getpwnam
 * and getgrnam ask nscd over AF_UNIX first and read /etc/passwd and /etc/group after
 * EAFNOSUPPORT, or after the connect to /var/run/nscd/socket fails with ENOENT or
 * ECONNREFUSED, as it does here. */
static long sys_socket(uint64_t domain, uint64_t type, uint64_t protocol)
{
    static bool said_other;
    if (domain == AF_INET || domain == AF_INET6)
        return rt_socket(domain, type, protocol);
    if (domain == AF_UNIX)
        return rt_unix_socket(type, protocol);
    if (!said_other) {
        said_other = true;
        rt_log("[runtime] socket(%lu): no such address family in this sandbox: EAFNOSUPPORT\n",
               domain);
    }
    return -EAFNOSUPPORT;
}

static long sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags)
{
    if (flags & ~7ul) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
        return -EINVAL;
    if (len > 33554431)
        len = 33554431;                              /* Linux's limit per call */
    if (len && !(len = rt_user_prefix(buf, len, 1))) /* Linux: the bytes done */
        return -EFAULT;
    rt_random_bytes((void *)buf, len);
    return (long)len;
}

/*
 * A CPU-time clock named by a pid or thread id, in Linux's encoding (what musl's
 * clock_getcpuclockid and pthread_getcpuclockid make: ~id * 8 + kind, + 4 for a
 * thread; kind 0 user and system time, 1 user time, 2 all of it): the time in *ns. Only
 * this process and its threads are known here; another id is EINVAL, as Linux answers
 * for an id that names nobody.
 */
static long cpu_clock_ns(int32_t clk, uint64_t *ns)
{
    int kind = clk & 3;
    int32_t id = ~(clk >> 3);
    if (kind == 3 || id < 0)
        return -EINVAL;
    struct rt_cpu c;
    if (clk & 4) {
        if (!rt_thread_cpu_times((uint64_t)id, &c))
            return -EINVAL;
    } else {
        if (id != 0 && (uint64_t)id != rt_pid())
            return -EINVAL;
        c = rt_cpu_times(true);
    }
    *ns = kind == 1 ? c.ns - c.sys_ns : c.ns;
    return 0;
}

static long sys_clock_gettime(uint64_t clk, uint64_t ts)
{
    if ((int32_t)clk < 0) {
        uint64_t ns;
        long err = cpu_clock_ns((int32_t)clk, &ns);
        if (err)
            return err;
        struct linux_timespec t = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
        return copy_out(ts, &t, sizeof(t));
    }
    switch (clk) {
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case 6: /* CLOCK_MONOTONIC_COARSE */
    case CLOCK_BOOTTIME:
        break;
    case CLOCK_REALTIME:
    case 5:  /* CLOCK_REALTIME_COARSE */
    case 8:  /* CLOCK_REALTIME_ALARM */
    case 11: /* CLOCK_TAI (no leap-second table: as UTC) */
        return realtime_out(ts);
    case 9: /* CLOCK_BOOTTIME_ALARM */
        break;
    case 2: /* CLOCK_PROCESS_CPUTIME_ID */
    case 3: /* CLOCK_THREAD_CPUTIME_ID */
        break;
    default:
        return -EINVAL;
    }
    uint64_t ns = clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID
                      ? rt_cpu_ns(clk == CLOCK_PROCESS_CPUTIME_ID)
                      : cx_clock_ns();
    struct linux_timespec t = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
    return copy_out(ts, &t, sizeof(t));
}

static long sys_getaffinity(int pid, uint64_t size, uint64_t mask)
{
    if (pid != 0 && (uint64_t)pid != rt_pid())
        return -ESRCH;
    if (size < 8 || (size & 7))
        return -EINVAL;
    uint64_t one = 1; /* one CPU */
    if (!rt_user_write(mask, 8))
        return -EFAULT;
    memset((void *)mask, 0, 8);
    return copy_out(mask, &one, sizeof(one)) ? -EFAULT : 8;
}

static long timespec_ns(uint64_t uts, uint64_t *ns)
{
    if (!rt_user_read(uts, sizeof(struct linux_timespec)))
        return -EFAULT;
    const struct linux_timespec *ts = (const struct linux_timespec *)uts;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
        return -EINVAL;
    *ns = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    return 0;
}

/* Sleeps ns; on EINTR writes what was left to rem (if given). */
static long sleep_rem(uint64_t ns, uint64_t rem)
{
    uint64_t start = cx_clock_ns();
    long r = rt_sleep_ns(ns);
    if (r == -EINTR && rem && rt_user_write(rem, sizeof(struct linux_timespec))) {
        uint64_t spent = cx_clock_ns() - start, left = spent < ns ? ns - spent : 0;
        struct linux_timespec t = {(int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u)};
        memcpy((void *)rem, &t, sizeof(t));
    }
    return r;
}

static long sys_nanosleep(uint64_t req, uint64_t rem)
{
    uint64_t ns;
    long err = timespec_ns(req, &ns);
    return err ? err : sleep_rem(ns, rem);
}

static long sys_clock_nanosleep(uint64_t clk, uint64_t flags, uint64_t req, uint64_t rem)
{
    uint64_t ns;
    if ((int32_t)clk < 0) /* another CPU-time clock: as the caller's own */
        clk = (clk & 4) || cpu_clock_ns((int32_t)clk, &ns) ? 3 : 2;
    if (clk == CLOCK_PROCESS_CPUTIME_ID ||
        clk == CLOCK_THREAD_CPUTIME_ID) /* no sleep until a CPU time yet */
        return clk == CLOCK_PROCESS_CPUTIME_ID ? -ENOTSUP : -EINVAL;
    if (clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME && clk != CLOCK_REALTIME)
        return -EINVAL;
    long err = timespec_ns(req, &ns);
    if (err)
        return err;
    if (flags & 1) { /* TIMER_ABSTIME: no remaining time is written */
        uint64_t now = clk == CLOCK_REALTIME ? rt_realtime_ns() : cx_clock_ns();
        return rt_sleep_ns(ns > now ? ns - now : 0);
    }
    return sleep_rem(ns, rem);
}

/* clock_settime and settimeofday: Linux's checks, then EPERM: a sandbox holds no right
 * to set the machine's clock (Linux's answer without CAP_SYS_TIME). */
static long sys_clock_settime(uint64_t clk, uint64_t uts)
{
    uint64_t ns;
    if ((int32_t)clk < 0)
        return cpu_clock_ns((int32_t)clk, &ns) ? -EINVAL : -EPERM;
    if (clk != CLOCK_REALTIME) /* CLOCK_PROCESS_CPUTIME_ID too, as Linux */
        return -EINVAL;        /* a clock with no setting */
    if (!rt_user_read(uts, sizeof(struct linux_timespec)))
        return -EFAULT;
    const struct linux_timespec *ts = (const struct linux_timespec *)uts;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000 ||
        ts->tv_sec > 8277292036) /* Linux's TIME_SETTOD_SEC_MAX */
        return -EINVAL;
    return -EPERM;
}

static long sys_settimeofday(uint64_t utv, uint64_t utz)
{
    if (utv) {
        if (!rt_user_read(utv, 16))
            return -EFAULT;
        const int64_t *tv = (const int64_t *)utv;
        if (tv[1] < 0 || tv[1] >= 1000000 || tv[0] < 0 || tv[0] > 8277292036)
            return -EINVAL;
    }
    if (utz && !rt_user_read(utz, 8))
        return -EFAULT;
    return -EPERM;
}

static long sys_clock_getres(uint64_t clk, uint64_t res)
{
    uint64_t ns;
    if ((int32_t)clk < 0 && cpu_clock_ns((int32_t)clk, &ns))
        return -EINVAL;
    if ((int32_t)clk < 0)
        clk = CLOCK_PROCESS_CPUTIME_ID; /* a CPU-time clock */
    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
    case 11: /* CLOCK_TAI */
    case 8:  /* CLOCK_REALTIME_ALARM */
    case 9:  /* CLOCK_BOOTTIME_ALARM */
        break;
    case 5: /* the coarse clocks: the scheduler tick */
    case 6:
        if (res) {
            struct linux_timespec t = {0, 1000000};
            return copy_out(res, &t, sizeof(t));
        }
        return 0;
    case 2: /* the CPU-time clocks count TSC ticks */
    case 3:
        break;
    default:
        return -EINVAL;
    }
    if (res) { /* the TSC gives nanoseconds */
        struct linux_timespec t = {0, 1};
        return copy_out(res, &t, sizeof(t));
    }
    return 0;
}

/*
 * The dispatcher's parts, asked in turn. A part declines a call by its number alone
 * (RT_NOT_MINE comes only from its switch's default), so which part takes a number is
 * learnt at its first call and later calls go straight there.
 */
static long (*const parts[])(const struct rt_call *) = {
    rt_fs_syscall, rt_sched_syscall, rt_fdkinds_syscall, /* eventfd, timerfd, signalfd, epoll */
    rt_creds_syscall, /* the getuid and setuid families, groups */
};
#define NPARTS (sizeof(parts) / sizeof(parts[0]))
#define PART_HERE (NPARTS + 1) /* the switch below */
static uint8_t part_of[512];   /* 0: not learnt yet; k: parts[k - 1] or PART_HERE */

/* Linux's siginfo_t, struct sigevent, struct mq_attr, stack_t (bytes). */
#define SIGINFO_SIZE 128
#define SIGEVENT_SIZE 64
#define MQ_ATTR_SIZE 64
#define STACK_T_SIZE 24

/* rt_sigtimedwait: the set and timeout are read first; the signal taken goes to info
 * afterwards, so a bad info pointer gives EFAULT with the signal taken, as on Linux. */
static long sys_sigtimedwait(uint64_t set, uint64_t info, uint64_t ts, uint64_t size)
{
    if (size == 8 && (!rt_user_read(set, 8) || !rt_user_read_opt(ts, 16)))
        return -EFAULT;
    uint64_t local[SIGINFO_SIZE / 8];
    long r = rt_sigtimedwait((const uint64_t *)set, info ? local : NULL,
                             (const struct linux_timespec *)ts, size);
    if (r > 0 && info) {
        if (!rt_user_write(info, SIGINFO_SIZE))
            return -EFAULT;
        memcpy((void *)info, local, SIGINFO_SIZE);
    }
    return r;
}

/* sigaltstack: the new stack is read first, the old one written last (Linux's order:
 * a bad old pointer gives EFAULT with the new stack set). */
static long sys_sigaltstack(uint64_t uss, uint64_t uold)
{
    if (!rt_user_read_opt(uss, STACK_T_SIZE))
        return -EFAULT;
    uint64_t old[STACK_T_SIZE / 8];
    long r = rt_sigaltstack((const void *)uss, uold ? old : NULL);
    if (!r && uold) {
        if (!rt_user_write(uold, STACK_T_SIZE))
            return -EFAULT;
        memcpy((void *)uold, old, STACK_T_SIZE);
    }
    return r;
}

/* waitid: the child is reaped, then its siginfo written: a bad pointer is EFAULT with
 * the child gone, as on Linux (wait4 does the same). */
static long sys_waitid(const uint64_t *a)
{
    uint64_t local[SIGINFO_SIZE / 8];
    long r = rt_waitid((int)a[0], (long)(int)a[1], a[2] ? local : NULL, (int)a[3]);
    if (!r && a[2]) {
        if (!rt_user_write(a[2], SIGINFO_SIZE))
            return -EFAULT;
        memcpy((void *)a[2], local, SIGINFO_SIZE);
    }
    return r;
}

static long dispatch(struct rt_call *c)
{
    uint64_t *a = c->a;
    unsigned part = c->nr < sizeof(part_of) ? part_of[c->nr] : 0;
    if (part && part <= NPARTS)
        return parts[part - 1](c);
    for (unsigned k = 0; !part && k < NPARTS; k++) {
        long r = parts[k](c);
        if (r != RT_NOT_MINE) {
            if (c->nr < sizeof(part_of))
                part_of[c->nr] = (uint8_t)(k + 1);
            return r;
        }
    }
    if (c->nr < sizeof(part_of))
        part_of[c->nr] = PART_HERE;
    switch (c->nr) {
    case RT_NR_START:
        return rt_start_call();
    case NR_fork:
        return rt_fork(17, 0);
    case NR_vfork:
        return rt_fork(CLONE_VM | CLONE_VFORK | 17, 0);
    case NR_alarm:
        return rt_alarm((unsigned)a[0]);
    case NR_setitimer:
        if (!rt_user_read_opt(a[1], 32) || !rt_user_write_opt(a[2], 32))
            return -EFAULT;
        return rt_setitimer((int)a[0], (const struct l_itimerval *)a[1],
                            (struct l_itimerval *)a[2]);
    case NR_getitimer:
        return rt_getitimer((int)a[0], (struct l_itimerval *)a[1]);
    case NR_timer_create:
        if (!rt_user_read_opt(a[1], SIGEVENT_SIZE) || !rt_user_write(a[2], sizeof(int)))
            return -EFAULT;
        return rt_timer_create((int)a[0], (const struct l_sigevent *)a[1], (int *)a[2]);
    case NR_timer_settime:
        if (!rt_user_read(a[2], 32) || !rt_user_write_opt(a[3], 32))
            return -EFAULT;
        return rt_timer_settime((long)(int)a[0], (int)a[1], (const struct l_itimerspec *)a[2],
                                (struct l_itimerspec *)a[3]);
    case NR_timer_gettime:
        return rt_timer_gettime((long)(int)a[0], (struct l_itimerspec *)a[1]);
    case NR_timer_getoverrun:
        return rt_timer_getoverrun((long)(int)a[0]);
    case NR_timer_delete:
        return rt_timer_delete((long)(int)a[0]);
    case NR_mq_open:
        return rt_mq_open((const char *)a[0], (long)(int)a[1], (uint32_t)a[2], (const void *)a[3]);
    case NR_mq_unlink:
        return rt_mq_unlink((const char *)a[0]);
    case NR_mq_timedsend:
        return rt_mq_timedsend((int)a[0], (const char *)a[1], a[2], (uint32_t)a[3],
                               (const struct linux_timespec *)a[4]);
    case NR_mq_timedreceive:
        return rt_mq_timedreceive((int)a[0], (char *)a[1], a[2], (uint32_t *)a[3],
                                  (const struct linux_timespec *)a[4]);
    case NR_mq_notify:
        return rt_mq_notify((int)a[0], (const void *)a[1]);
    case NR_mq_getsetattr:
        if (!rt_user_read_opt(a[1], MQ_ATTR_SIZE)) /* Linux copies it before it looks at fd */
            return -EFAULT;
        return rt_mq_getsetattr((int)a[0], (const void *)a[1], (void *)a[2]);
    case NR_poll:
        return rt_poll((void *)a[0], a[1], (long)(int)a[2]);
    case NR_ppoll:
        return rt_ppoll((void *)a[0], a[1], (const struct linux_timespec *)a[2],
                        (const uint64_t *)a[3], a[4]);
    case NR_select:
        return rt_select((int)a[0], (uint64_t *)a[1], (uint64_t *)a[2], (uint64_t *)a[3],
                         (int64_t *)a[4]);
    case NR_pselect6:
        return rt_pselect6((int)a[0], (uint64_t *)a[1], (uint64_t *)a[2], (uint64_t *)a[3],
                           (struct linux_timespec *)a[4], (const uint64_t *)a[5]);
    case NR_rt_sigreturn:
        return rt_sigreturn();
    case NR_kill:
        return rt_kill((long)(int)a[0], (long)(int)a[1]);
    case NR_tkill:
        return rt_tgkill(-1, (long)(int)a[0], (long)(int)a[1]);
    case NR_tgkill:
        return rt_tgkill((long)(int)a[0], (long)(int)a[1], (long)(int)a[2]);
    case NR_rt_sigpending:
        if (a[1] == 8 && !rt_user_write(a[0], 8))
            return -EFAULT;
        return rt_sigpending((uint64_t *)a[0], a[1]);
    case NR_rt_sigsuspend:
        if (a[1] == 8 && !rt_user_read(a[0], 8))
            return -EFAULT;
        return rt_sigsuspend((const uint64_t *)a[0], a[1]);
    case NR_rt_sigtimedwait:
        return sys_sigtimedwait(a[0], a[1], a[2], a[3]);
    case NR_rt_sigqueueinfo:
        if (!rt_user_read(a[2], SIGINFO_SIZE)) /* Linux copies it first */
            return -EFAULT;
        return rt_sigqueueinfo((long)(int)a[0], (long)(int)a[1], (const void *)a[2]);
    case NR_sigaltstack:
        return sys_sigaltstack(a[0], a[1]);
    case NR_pause:
        return rt_pause();
    case NR_restart_syscall:
        return -EINTR; /* nothing is ever left to restart this way */
    case NR_getpgid:
        return rt_pgrp(RT_PGRP_GETPGID, (long)(int)a[0], 0);
    case NR_getpgrp:
        return rt_pgrp(RT_PGRP_GETPGID, 0, 0);
    case NR_setpgid:
        return rt_pgrp(RT_PGRP_SETPGID, (long)(int)a[0], (long)(int)a[1]);
    case NR_getsid:
        return rt_pgrp(RT_PGRP_GETSID, (long)(int)a[0], 0);
    case NR_setsid:
        return rt_pgrp(RT_PGRP_SETSID, 0, 0);
    case NR_wait4:
        return rt_wait4((long)(int)a[0], (int *)a[1], (int)a[2], (void *)a[3]);
    case NR_waitid:
        return sys_waitid(a);
    case NR_execve:
        return rt_execve((const char *)a[0], (char *const *)a[1], (char *const *)a[2]);
    case NR_gettimeofday:
        return sys_gettimeofday(a[0], a[1]);
    case NR_time: {
        int64_t t = (int64_t)(rt_realtime_ns() / 1000000000u);
        if (a[0] && !rt_user_write(a[0], sizeof(t)))
            return -EFAULT;
        if (a[0])
            memcpy((void *)a[0], &t, sizeof(t));
        return t;
    }
    case NR_socket:
        return sys_socket(a[0], a[1], a[2]);
    case NR_socketpair:
        return rt_unix_socketpair(a[0], a[1], a[2], a[3]);
    case NR_getrandom:
        return sys_getrandom(a[0], a[1], a[2]);
    case NR_brk:
        return rt_brk(a[0]);
    case NR_mmap:
        return rt_mmap(a[0], a[1], a[2], a[3], a[4], a[5]);
    case NR_munmap:
        return rt_munmap(a[0], a[1]);
    case NR_mprotect:
        return rt_mprotect(a[0], a[1], a[2]);
    case NR_mremap:
        return rt_mremap(a[0], a[1], a[2], a[3], a[4]);
    case NR_madvise:
        return rt_madvise(a[0], a[1], a[2]);
    case NR_msync:
        return rt_msync(a[0], a[1], a[2]);
    case NR_mlock:
        return rt_mlock(a[0], a[1], 0);
    case NR_mlock2:
        return rt_mlock(a[0], a[1], a[2]);
    case NR_munlock:
        return rt_munlock(a[0], a[1]);
    case NR_mlockall:
        return rt_mlockall(a[0]);
    case NR_munlockall:
        return rt_munlockall();
    case NR_mincore:
        return rt_mincore(a[0], a[1], a[2]);
    case NR_getpid:
        return (long)rt_pid();
    case NR_gettid:
        return (long)rt_gettid();
    case NR_set_tid_address:
        return rt_set_tid_address(a[0]);
    case NR_set_robust_list:
        return rt_set_robust_list(a[0], a[1]);
    case NR_get_robust_list:
        return rt_get_robust_list((int)a[0], a[1], a[2]);
    case NR_clone:
        return rt_clone(a[0], a[1], a[2], a[3], a[4]);
    case NR_futex:
        return rt_futex(a[0], (int)a[1], (uint32_t)a[2], a[3], a[4], (uint32_t)a[5]);
    case NR_getppid:
        return (long)rt_ppid();
    case NR_sched_yield:
        cx_yield();
        return 0;
    case NR_uname:
        return sys_uname(a[0]);
    case NR_clock_gettime:
        return sys_clock_gettime(a[0], a[1]);
    case NR_arch_prctl:
        return rt_arch_prctl(a[0], a[1]);
    case NR_rt_sigaction:
        if (!rt_user_read_opt(a[1], 32) || !rt_user_write_opt(a[2], 32))
            return (int)a[0] < 1 || (int)a[0] > 64 || a[3] != 8 ? -EINVAL : -EFAULT;
        return rt_sigaction((int)a[0], (const struct k_sigaction *)a[1], (struct k_sigaction *)a[2],
                            a[3]);
    case NR_rt_sigprocmask:
        if (!rt_user_read_opt(a[1], 8) || !rt_user_write_opt(a[2], 8))
            return a[3] != 8 ? -EINVAL : -EFAULT;
        return rt_sigprocmask((int)a[0], (const uint64_t *)a[1], (uint64_t *)a[2], a[3]);
    case NR_getrlimit:
        if (!rt_user_write(a[1], sizeof(struct linux_rlimit)))
            return a[0] >= 16 ? -EINVAL : -EFAULT;
        return rt_prlimit(0, (unsigned)a[0], NULL, (struct linux_rlimit *)a[1]);
    case NR_setrlimit:
        if (!rt_user_read(a[1], sizeof(struct linux_rlimit)))
            return -EFAULT;
        return rt_prlimit(0, (unsigned)a[0], (const struct linux_rlimit *)a[1], NULL);
    case NR_prlimit64:
        if (!rt_user_read_opt(a[2], sizeof(struct linux_rlimit)) ||
            !rt_user_write_opt(a[3], sizeof(struct linux_rlimit)))
            return -EFAULT;
        return rt_prlimit((int)a[0], (unsigned)a[1], (const struct linux_rlimit *)a[2],
                          (struct linux_rlimit *)a[3]);
    case NR_getrusage:
        return rt_getrusage((int)a[0], (void *)a[1]);
    case NR_times:
        if (!rt_user_write_opt(a[0], 32))
            return -EFAULT;
        return rt_times((void *)a[0]);
    case NR_sysinfo:
        if (!rt_user_write(a[0], sizeof(struct linux_sysinfo)))
            return -EFAULT;
        return rt_sysinfo((struct linux_sysinfo *)a[0]);
    case NR_sched_getaffinity:
        return sys_getaffinity((int)a[0], a[1], a[2]);
    case NR_clock_settime:
        return sys_clock_settime(a[0], a[1]);
    case NR_settimeofday:
        return sys_settimeofday(a[0], a[1]);
    case NR_clock_getres:
        return sys_clock_getres(a[0], a[1]);
    case NR_nanosleep:
        return sys_nanosleep(a[0], a[1]);
    case NR_clock_nanosleep:
        return sys_clock_nanosleep(a[0], a[1], a[2], a[3]);
    case NR_exit:
        if (rt_in_vfork()) /* a vfork child's only thread: the process ends */
            rt_exit_process((int)LINUX_W_EXITCODE(a[0], 0));
        rt_thread_exit();
    case NR_exit_group:
        rt_exit_process((int)LINUX_W_EXITCODE(a[0], 0));
    default:
        return enosys(c->nr);
    }
}

/* entry.S lays these out by number */
_Static_assert(offsetof(struct rt_call, attn) == 56, "entry.S: CALL_ATTN");
_Static_assert(offsetof(struct rt_sigpage, pending) == 0, "entry.S: SIGPAGE_PENDING");
_Static_assert(offsetof(struct rt_sigpage, qpending) == 1032, "entry.S: SIGPAGE_QPENDING");
_Static_assert(offsetof(struct rt_sigpage, tpending) == 1040, "entry.S: SIGPAGE_TPENDING");
_Static_assert(RT_SIGPAGE_ADDR == 0x2fefd000ul, "entry.S: SIGPAGE");
_Static_assert(RT_SYSENTRY_OFF == 0x80 && RT_SYSRET_OFF == 0xc0, "entry.S: offsets");
_Static_assert(CX_RT_SYSRET_LEN == 128, "entry.S: CX_RT_SYSRET_LEN");

long rt_syscall(struct rt_call *c)
{
    struct rt_tsig *ts = rt_tsig_self();
    c->attn = (uint64_t)&ts->pending;
    if (c->nr == RT_NR_START && rt->forked)
        return rt_start_call(); /* a fork child: the lock is the parent's copy */
    rt_lock();
    long r = dispatch(c);
    bool deliver = rt_signal_after_call(ts, c, r);
    if (!deliver)
        rt_unlock();
    if (rt_trace)
        rt_log("[trace] %s(%#lx, %#lx, %#lx, %#lx) = %ld\n", rt_syscall_name(c->nr), c->a[0],
               c->a[1], c->a[2], c->a[3], r);
    if (deliver)
        rt_signal_deliver_now(r);
    return r;
}

/* A fault in program code, or a redirect (signals: signal.c). */
void rt_event(uint64_t reason, uint64_t vector, uint64_t error, uint64_t address)
{
    if (reason == CX_RT_REDIRECT)
        rt_signal_redirect();
    rt_signal_fault(vector, error, address);
}
