/*
 * Timers: alarm, setitimer and getitimer (ITIMER_REAL, and the CPU-time timers
 * ITIMER_VIRTUAL and ITIMER_PROF), and POSIX timers (timer_create with SIGEV_SIGNAL,
 * SIGEV_THREAD_ID or SIGEV_NONE on CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME;
 * timer_settime, timer_gettime, timer_getoverrun, timer_delete).
 *
 * A runtime thread of its own (made at the first armed timer, in the last thread area)
 * sleeps on a notification until the next expiry, then raises the timer's signal: a
 * process-directed one in the signal page (as kill does) with a redirect of the main
 * thread, a thread-directed one in that thread's pending set. It runs runtime code only
 * and takes the runtime lock like a call. Setting a timer signals the notification so
 * that the thread looks again. A signal still pending when the timer fires again counts
 * as an overrun; when the signal is taken (delivered or waited for: signal.c calls
 * rt_timer_taken) the overruns since it was raised become its si_overrun and what
 * timer_getoverrun says, at most INT_MAX (DELAYTIMER_MAX), as on Linux.
 *
 * The CPU-time timers count the process's CPU time as CLOCK_PROCESS_CPUTIME_ID does
 * (rt_cpu_times: user time for ITIMER_VIRTUAL, user and system time for ITIMER_PROF).
 * The same thread watches them: on one CPU the process's CPU time grows at most as fast
 * as the clock, so it sleeps for the CPU time left (at least CPU_CHECK_NS) and looks
 * again; it fires within that, or within a scheduling slice when the process's threads
 * keep the CPU (docs/signals.md, "Timers"). Its own time is not the process's: it is
 * no thread of thread.c's table.
 *
 * Timers are not inherited by a fork child; execve deletes POSIX timers and keeps the
 * interval timers (setitimer's three), as POSIX says.
 */
#include <string.h>
#include "runtime.h"

#define MAX_TIMERS 32
#define ITIMER_SLOT 0          /* timers[0] is setitimer's ITIMER_REAL (and alarm) */
#define CPU_CHECK_NS 1000000ul /* the CPU-time timers' granularity: the kernel's tick */

struct timer {
    bool used, armed;
    int clock;
    int notify, sig;
    uint64_t tid;              /* SIGEV_THREAD_ID */
    uint64_t value;            /* sigev_value, for si_value */
    uint64_t expiry;           /* monotonic ns */
    uint64_t interval;         /* ns, 0: one shot */
    int overrun, last_overrun; /* since the signal was raised; at its last taking */
};

#define OVERRUN_MAX 0x7fffffff /* DELAYTIMER_MAX: Linux's counts stop there */

static void add_overrun(struct timer *t, uint64_t n)
{
    uint64_t sum = (uint64_t)t->overrun + n;
    t->overrun = sum > OVERRUN_MAX ? OVERRUN_MAX : (int)sum;
}

static struct timer timers[MAX_TIMERS];

/* ITIMER_VIRTUAL and ITIMER_PROF (index 1 and 2): times on the process's CPU clock. */
struct cpu_itimer {
    bool armed;
    uint64_t expiry;   /* CPU ns (user only for ITIMER_VIRTUAL) */
    uint64_t interval; /* ns, 0: one shot */
};
static struct cpu_itimer cpu_itimers[3];
static uint64_t timer_notif, timer_thread;
static bool area_mapped; /* stays mapped (a fork child has a copy of it) */
static struct rt_sigpage *const sigpage = (struct rt_sigpage *)RT_SIGPAGE_ADDR;

static uint64_t now(void)
{
    return cx_clock_ns();
}

/* Raises process-directed signal sig (in the signal page, as kill does) with its
 * siginfo; false when it is pending already (the lock is held). */
static bool raise_process(int sig, int code, int id, int32_t value)
{
    uint64_t bit = 1ul << (sig - 1);
    if (__atomic_load_n(&sigpage->pending, __ATOMIC_ACQUIRE) & bit)
        return false;
    sigpage->info[sig - 1].code = code;
    sigpage->info[sig - 1].pid = id;
    sigpage->info[sig - 1].uid = 0; /* si_overrun: set when it is taken */
    sigpage->info[sig - 1].status = value;
    __atomic_or_fetch(&sigpage->pending, bit, __ATOMIC_RELEASE);
    cx_thread_redirect(rt->slot_thread);
    return true;
}

/* Raises the signal of timer i (the lock is held). */
static void fire(int i, struct timer *t)
{
    if (t->notify == LINUX_SIGEV_NONE)
        return;
    uint64_t bit = 1ul << (t->sig - 1);
    if (t->notify == LINUX_SIGEV_THREAD_ID) {
        uint64_t slot;
        struct rt_tsig *ts = rt_tsig_by_tid(t->tid, &slot);
        if (!ts)
            return; /* the thread is gone */
        if (ts->pending & bit) {
            add_overrun(t, 1);
            return;
        }
        ts->info[t->sig - 1].code = -2; /* SI_TIMER */
        ts->info[t->sig - 1].pid = i - 1;
        t->overrun = 0;
        ts->pending |= bit;
        cx_thread_redirect(slot);
        return;
    }
    /* SI_KERNEL for the alarm; SI_TIMER with si_timerid, si_overrun, si_value */
    if (raise_process(t->sig, i == ITIMER_SLOT ? LINUX_SI_KERNEL : LINUX_SI_TIMER,
                      i == ITIMER_SLOT ? 0 : i - 1, (int32_t)t->value))
        t->overrun = 0;
    else
        add_overrun(t, 1);
}

/* The process's CPU time as timer `which` counts it. */
static uint64_t cpu_now(int which)
{
    struct rt_cpu c = rt_cpu_times(true);
    return which == LINUX_ITIMER_VIRTUAL ? c.ns - c.sys_ns : c.ns;
}

/* Fires the CPU-time timers whose time has come (SIGVTALRM, SIGPROF as SI_KERNEL, as
 * Linux raises them; an expiry while the signal is pending is lost, as there); returns
 * the clock time (ns after now) when to look again, ~0 for never. Lock held. */
static uint64_t check_cpu_itimers(void)
{
    uint64_t next = ~0ul;
    for (int w = LINUX_ITIMER_VIRTUAL; w <= LINUX_ITIMER_PROF; w++) {
        struct cpu_itimer *ci = &cpu_itimers[w];
        if (!ci->armed)
            continue;
        uint64_t c = cpu_now(w);
        if (c >= ci->expiry) {
            raise_process(w == LINUX_ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF, LINUX_SI_KERNEL, 0, 0);
            if (ci->interval)
                ci->expiry += ((c - ci->expiry) / ci->interval + 1) * ci->interval;
            else
                ci->armed = false;
        }
        if (!ci->armed)
            continue;
        uint64_t wait = ci->expiry - c; /* the CPU time left: at least as much clock time */
        if (wait < CPU_CHECK_NS)
            wait = CPU_CHECK_NS;
        if (wait < next)
            next = wait;
    }
    return next;
}

static _Noreturn void timer_main(void)
{
    for (;;) {
        rt_lock();
        uint64_t t = now(), next = ~0ul;
        for (int i = 0; i < MAX_TIMERS; i++) {
            struct timer *tm = &timers[i];
            if (!tm->used || !tm->armed)
                continue;
            if (tm->expiry <= t) {
                fire(i, tm);
                if (tm->interval) {
                    uint64_t missed = (t - tm->expiry) / tm->interval;
                    add_overrun(tm, missed); /* expirations already past: overruns */
                    tm->expiry += (missed + 1) * tm->interval;
                } else {
                    tm->armed = false;
                }
            }
            if (tm->armed && tm->expiry < next)
                next = tm->expiry;
        }
        uint64_t cpu_wait = check_cpu_itimers();
        if (cpu_wait != ~0ul && t + cpu_wait < next)
            next = t + cpu_wait;
        rt_unlock();
        uint64_t bits;
        cx_notif_wait(timer_notif, next == ~0ul ? CX_TIMEOUT_NONE : next > t ? next - t : 1, &bits);
    }
}

/* Starts the timer thread (once), or tells it to look again. */
static long kick(void)
{
    if (timer_thread) {
        cx_notif_signal(timer_notif, 1);
        return 0;
    }
    uint64_t area = RT_THREADS_BASE + RT_TIMER_AREA * RT_THREAD_AREA;
    uint64_t m = rt_slot_alloc(), n = rt_slot_alloc(), th = rt_slot_alloc();
    static struct cx_regs r;
    if (!m || !n || !th)
        return -EAGAIN;
    if (!area_mapped &&
        (cx_mem_create(rt->slot_quota, RT_THREAD_AREA / CX_PAGE_SIZE, m) ||
         cx_map(rt->slot_pd, m, 0, area, RT_THREAD_AREA / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W)))
        return -EAGAIN;
    area_mapped = true;
    if (cx_notif_create(rt->slot_quota, n) ||
        cx_thread_create(rt->slot_quota, rt->slot_pd, th, rt->slot_parent, rt_thread_priority()) ||
        cx_thread_regs(th, CX_REGS_GET, CX_CTX_CURRENT, &r))
        return -EAGAIN;
    r.rip = (uint64_t)timer_main;
    r.rsp = area + RT_THREAD_AREA - 8; /* as after a call */
    if (cx_thread_regs(th, CX_REGS_SET, CX_CTX_CURRENT, &r) ||
        cx_thread_config(th, CX_TCFG_IPCBUF, area) || cx_thread_resume(th))
        return -EAGAIN;
    timer_notif = n;
    timer_thread = th;
    return 0;
}

static uint64_t ts_ns(const struct linux_timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static struct linux_timespec ns_ts(uint64_t ns)
{
    struct linux_timespec t = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u)};
    return t;
}

/* The time left before timer t fires (0 when disarmed). */
static uint64_t left(const struct timer *t)
{
    if (!t->armed)
        return 0;
    uint64_t n = now();
    return t->expiry > n ? t->expiry - n : 1;
}

/* Arms or disarms t: value 0 disarms; abs: value is an absolute time on t's clock. */
static long arm(struct timer *t, uint64_t value, uint64_t interval, bool abs)
{
    t->interval = interval;
    t->overrun = 0;
    if (!value) {
        t->armed = false;
        return 0;
    }
    uint64_t n = now();
    if (abs) {
        uint64_t clock_now = t->clock == 0 ? rt_realtime_ns() : n;
        t->expiry = value > clock_now ? n + (value - clock_now) : n;
    } else {
        t->expiry = n + value;
    }
    t->armed = true;
    return kick();
}

struct l_itimerval {
    int64_t interval_sec, interval_usec, value_sec, value_usec;
};

/* Converts between struct itimerval's halves and ns. */
static void tv_out(int64_t *sec, int64_t *usec, uint64_t ns)
{
    *sec = (int64_t)(ns / 1000000000u);
    *usec = (int64_t)(ns % 1000000000u / 1000u);
}

static uint64_t tv_ns(int64_t sec, int64_t usec)
{
    return (uint64_t)sec * 1000000000u + (uint64_t)usec * 1000u;
}

/* The time left on CPU-time timer `which`: 0 when disarmed, a tick when its time has
 * come but the timer thread has not looked yet (Linux says TICK_NSEC then). */
static uint64_t cpu_left(int which)
{
    struct cpu_itimer *ci = &cpu_itimers[which];
    if (!ci->armed)
        return 0;
    uint64_t c = cpu_now(which);
    return ci->expiry > c ? ci->expiry - c : CPU_CHECK_NS;
}

/* The value of interval timer `which` into *ov. */
static void itimer_get(int which, struct l_itimerval *ov)
{
    bool cpu = which != LINUX_ITIMER_REAL;
    tv_out(&ov->value_sec, &ov->value_usec, cpu ? cpu_left(which) : left(&timers[ITIMER_SLOT]));
    tv_out(&ov->interval_sec, &ov->interval_usec,
           cpu ? cpu_itimers[which].interval : timers[ITIMER_SLOT].interval);
}

/* setitimer: a new value checked first (nothing changes, *ov neither, when it is bad);
 * NULL is a zero one that disarms, as Linux still takes it. */
long rt_setitimer(int which, const struct l_itimerval *nv, struct l_itimerval *ov)
{
    static const struct l_itimerval zero;
    if (which != LINUX_ITIMER_REAL && which != LINUX_ITIMER_VIRTUAL && which != LINUX_ITIMER_PROF)
        return -EINVAL;
    if (!nv)
        nv = &zero;
    if (nv->value_usec < 0 || nv->value_usec >= 1000000 || nv->interval_usec < 0 ||
        nv->interval_usec >= 1000000 || nv->value_sec < 0 || nv->interval_sec < 0)
        return -EINVAL;
    if (ov)
        itimer_get(which, ov);
    uint64_t value = tv_ns(nv->value_sec, nv->value_usec);
    uint64_t interval = tv_ns(nv->interval_sec, nv->interval_usec);
    if (which != LINUX_ITIMER_REAL) {
        struct cpu_itimer *ci = &cpu_itimers[which];
        ci->interval = interval;
        ci->armed = value != 0;
        if (!ci->armed)
            return 0;
        ci->expiry = cpu_now(which) + value;
        return kick();
    }
    struct timer *t = &timers[ITIMER_SLOT];
    t->used = true;
    t->clock = 1;
    t->notify = LINUX_SIGEV_SIGNAL;
    t->sig = SIGALRM;
    return arm(t, value, interval, false);
}

long rt_getitimer(int which, struct l_itimerval *ov)
{
    if (which != LINUX_ITIMER_REAL && which != LINUX_ITIMER_VIRTUAL && which != LINUX_ITIMER_PROF)
        return -EINVAL;
    if (!rt_user_write((uint64_t)ov, sizeof(*ov)))
        return -EFAULT;
    itimer_get(which, ov);
    return 0;
}

long rt_alarm(unsigned seconds)
{
    struct timer *t = &timers[ITIMER_SLOT];
    uint64_t l = left(t);
    struct l_itimerval nv = {0, 0, seconds, 0};
    rt_setitimer(0, &nv, NULL);
    /* the seconds that were left, rounded up (an armed alarm never reads as 0) */
    return (long)((l + 999999999u) / 1000000000u);
}

struct l_sigevent {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;
    int32_t pad[11];
};

long rt_timer_create(int clock, const struct l_sigevent *ev, int *id)
{
    if (clock != 0 && clock != 1 && clock != 7 && clock != 4)
        return clock == 2 || clock == 3 ? -ENOSYS : -EINVAL; /* CPU clocks: no accounting */
    int notify = ev ? ev->notify : LINUX_SIGEV_SIGNAL, sig = ev ? ev->signo : SIGALRM;
    if (notify != LINUX_SIGEV_SIGNAL && notify != LINUX_SIGEV_NONE &&
        notify != LINUX_SIGEV_THREAD_ID)
        return -EINVAL; /* SIGEV_THREAD is musl's own, made of SIGEV_THREAD_ID */
    if (notify != LINUX_SIGEV_NONE && (sig < 1 || sig > 64))
        return -EINVAL;
    uint64_t tid = 0;
    if (notify == LINUX_SIGEV_THREAD_ID) {
        if (!rt_tsig_by_tid((uint64_t)ev->tid, NULL))
            return -EINVAL;
        tid = (uint64_t)ev->tid;
    }
    for (int i = 1; i < MAX_TIMERS; i++) {
        if (timers[i].used)
            continue;
        memset(&timers[i], 0, sizeof(timers[i]));
        timers[i].used = true;
        timers[i].clock = clock == 0 ? 0 : 1;
        timers[i].notify = notify;
        timers[i].sig = sig;
        timers[i].tid = tid;
        timers[i].value = ev ? ev->value : (uint64_t)(i - 1);
        *id = i - 1; /* Linux numbers a process's timers from 0 */
        return 0;
    }
    return -EAGAIN;
}

static struct timer *timer_of(long id)
{
    id++;
    return id >= 1 && id < MAX_TIMERS && timers[id].used ? &timers[id] : NULL;
}

struct l_itimerspec {
    struct linux_timespec interval, value;
};

long rt_timer_settime(long id, int flags, const struct l_itimerspec *nv, struct l_itimerspec *ov)
{
    struct timer *t = timer_of(id);
    if (!t)
        return -EINVAL;
    if (flags & ~1)
        return -EINVAL;
    if (!nv)
        return -EFAULT;
    if (nv->value.tv_nsec < 0 || nv->value.tv_nsec >= 1000000000 || nv->value.tv_sec < 0 ||
        nv->interval.tv_nsec < 0 || nv->interval.tv_nsec >= 1000000000 || nv->interval.tv_sec < 0)
        return -EINVAL;
    if (ov) {
        ov->value = ns_ts(left(t));
        ov->interval = ns_ts(t->interval);
    }
    return arm(t, ts_ns(&nv->value), ts_ns(&nv->interval), flags & 1 /* TIMER_ABSTIME */);
}

long rt_timer_gettime(long id, struct l_itimerspec *cur)
{
    struct timer *t = timer_of(id);
    if (!t)
        return -EINVAL;
    if (!rt_user_write((uint64_t)cur, sizeof(*cur)))
        return -EFAULT;
    cur->value = ns_ts(left(t));
    cur->interval = ns_ts(t->interval);
    return 0;
}

/* The signal of POSIX timer id (si_timerid) is being taken: the overruns since it was
 * raised are its si_overrun and timer_getoverrun's answer from now on. Lock held. */
int rt_timer_taken(long id)
{
    if (id < 0 || id + 1 >= MAX_TIMERS || !timers[id + 1].used)
        return 0;
    struct timer *t = &timers[id + 1];
    t->last_overrun = t->overrun;
    t->overrun = 0;
    return t->last_overrun;
}

long rt_timer_getoverrun(long id)
{
    struct timer *t = timer_of(id);
    return t ? t->last_overrun : -EINVAL;
}

long rt_timer_delete(long id)
{
    struct timer *t = timer_of(id);
    if (!t)
        return -EINVAL;
    t->used = t->armed = false;
    return 0;
}

/* A fork child has no timers and no timer thread. */
void rt_timers_after_fork(void)
{
    memset(timers, 0, sizeof(timers));
    memset(cpu_itimers, 0, sizeof(cpu_itimers));
    if (timer_thread) /* the slots are empty in the child: free for new objects */
        rt_slot_free(timer_thread);
    if (timer_notif)
        rt_slot_free(timer_notif);
    timer_thread = timer_notif = 0;
}

/* execve: POSIX timers go; the interval timers stay (the CPU clock goes on). */
void rt_timers_exec(void)
{
    for (int i = 1; i < MAX_TIMERS; i++)
        timers[i].used = timers[i].armed = false;
}
