/*
 * Threads (clone with CLONE_THREAD, as musl's pthread_create makes them), futexes, and
 * the runtime lock.
 *
 * Every thread of the process is a capix thread in the same protection domain with its
 * own runtime stack and IPC buffer: the main thread's at RT_STACK_TOP, thread i's in
 * area i of RT_THREADS_BASE. The runtime finds the calling thread from its stack
 * pointer (it must never use the program's FS base). Areas of threads that have exited
 * are reused: a free list of their indices, so that clone never searches. A thread's
 * record comes from the runtime's heap when its area is first used (the main thread's
 * and the timer thread's are static), and thread_top bounds every walk over the
 * records: a process pays for the threads it made, not for RT_MAX_THREADS.
 *
 * The runtime is preemptible and its state is shared by all threads: rt_syscall holds
 * the runtime lock (a spin lock that yields) around every call; calls that block
 * (futex waits, sleeps) drop it while they wait. A futex waiter blocks on its thread's
 * own notification; a waker removes it from the wait list and signals that: a wake that
 * comes between the value check and the wait is not lost (the bit stays set). That
 * in-process list serves private futexes; a futex without FUTEX_PRIVATE_FLAG whose word lies
 * in a MAP_SHARED mapping (memory.c knows) is the kernel's (futex_wait/futex_wake keyed
 * by memory object and offset), so that it wakes across processes.
 */
#include <stdbool.h>
#include <string.h>
#include "runtime.h"

struct waiter {
    uint64_t addr;
    uint32_t bitset; /* FUTEX_WAIT_BITSET's (FUTEX_WAIT: all bits) */
    unsigned thread;
    struct waiter *next;
};

struct thread_rec {
    bool used, started;
    uint64_t tid;
    uint64_t slot;      /* the capix thread (0 for the main thread: rt->slot_thread) */
    uint64_t notif;     /* wake-ups (futex) */
    uint64_t clear_tid; /* CLONE_CHILD_CLEARTID / set_tid_address */
    uint64_t robust;    /* set_robust_list: the program's struct robust_list_head */
    uint64_t area_mem;  /* memory object of its area */
    uint64_t fs;        /* FS base (the program's thread pointer) */
    struct rt_tsig sig; /* its signal state (signal.c) */
    struct waiter wait; /* its futex wait (on the list `waiting` while addr != 0) */
    unsigned next_free; /* the free list's next index (0: the end) */
};

_Static_assert(RT_THREADS_BASE >= RT_SCRATCH_ADDR + RT_SCRATCH_MAX &&
                   RT_THREADS_BASE + RT_MAX_THREADS * RT_THREAD_AREA <= RT_ARCHIVE_ADDR,
               "the thread areas lie between the scratch window and the archive");

static struct thread_rec main_rec, timer_rec;
/* Record i, or NULL where area i was never used (the timer thread's is timer_rec). */
static struct thread_rec *threads[RT_MAX_THREADS] = {[0] = &main_rec, [RT_TIMER_AREA] = &timer_rec};
static unsigned thread_top = 1; /* every record of a clone thread has an index below */
static unsigned free_list;      /* indices below thread_top not in use (0: none) */
static unsigned live;           /* records in use (the main thread's included) */
static struct waiter *waiting;
static volatile int lock_word;
static uint64_t next_tid;   /* 0: pid * 1000 + 1 on first use (tids stay apart from pids) */
static struct rt_cpu gone;  /* CPU time of this process's threads that have ended */
static struct rt_cpu shown; /* the process's figures rt_cpu_times gave last */

/* Record i if it is a thread's that has started (the caller's lock held). */
static struct thread_rec *started_at(unsigned i)
{
    struct thread_rec *t = i < thread_top ? threads[i] : NULL;
    return t && t->used && t->started ? t : NULL;
}

static void set_used(struct thread_rec *t, bool used)
{
    if (t->used != used)
        live += used ? 1 : -1;
    t->used = used;
}

static void add_thread(struct rt_cpu *c, uint64_t slot)
{
    struct cx_ret r = cx_raw_thread_config(slot, CX_TCFG_CPU_TIME, 0, 0, 0, 0);
    c->ns += r.rsi;
    c->sys_ns += r.rdi;
}

/* CPU time (the kernel counts each thread's, and of it the time in this runtime, which
 * is Linux's system time: docs/kernel-abi.md): the calling thread's, or the whole
 * process's (its live threads and those that ended). */
struct rt_cpu rt_cpu_times(bool process)
{
    struct rt_cpu c = {0, 0};
    if (!process) {
        add_thread(&c, rt_self_slot());
        return c;
    }
    c = gone;
    for (unsigned i = 0; i < thread_top; i++)
        if (started_at(i) && threads[i]->slot)
            add_thread(&c, threads[i]->slot);
    /* The kernel splits each thread's time by the ticks that found it in the runtime,
     * so the split moves as ticks come: a later figure could give less system time, or
     * less user time, than an earlier one (a child saw 10 ms of system time, its parent
     * then reaped 7.5 of each: 0 ticks of both; Open POSIX fork/8-1). As Linux's
     * cputime_adjust, neither part ever goes back: the total is shared out anew only
     * above what each part already showed. */
    uint64_t sys = c.sys_ns > shown.sys_ns ? c.sys_ns : shown.sys_ns;
    uint64_t user_before = shown.ns - shown.sys_ns;
    if (c.ns < shown.ns)
        c.ns = shown.ns; /* (threads that ended and were not counted yet) */
    if (sys > c.ns - user_before)
        sys = c.ns - user_before;
    c.sys_ns = sys;
    shown = c;
    return c;
}

/* The kernel priority of the process's threads (rt->priority until setpriority changes
 * it; new threads get it too). 0, or -1 when the kernel refused (a raise). */
static uint64_t thread_prio = UINT64_MAX;

uint64_t rt_thread_priority(void)
{
    return thread_prio == UINT64_MAX ? rt->priority : thread_prio;
}

int rt_threads_set_priority(uint64_t prio)
{
    unsigned me = rt_self();
    for (unsigned i = 0; i <= thread_top; i++) {
        unsigned k = i < thread_top ? i : me; /* the caller last */
        if ((i < thread_top && i == me) || !started_at(k))
            continue;
        uint64_t slot = k == 0 && !threads[k]->slot ? rt->slot_thread : threads[k]->slot;
        if (slot && cx_thread_config(slot, CX_TCFG_PRIORITY, prio))
            return -1;
    }
    thread_prio = prio;
    return 0;
}

bool rt_thread_cpu_times(uint64_t tid, struct rt_cpu *c)
{
    *c = (struct rt_cpu){0, 0};
    if (tid == 0 || tid == rt_gettid()) {
        add_thread(c, rt_self_slot());
        return true;
    }
    for (unsigned i = 0; i < thread_top; i++)
        if (started_at(i) && threads[i]->slot && threads[i]->tid == tid) {
            add_thread(c, threads[i]->slot);
            return true;
        }
    if (tid == rt->pid && !main_rec.used) { /* the main thread, not yet recorded */
        add_thread(c, rt->slot_thread);
        return true;
    }
    return false;
}

uint64_t rt_cpu_ns(bool process)
{
    return rt_cpu_times(process).ns;
}

void rt_lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        cx_yield();
    rt_proc_enter(); /* the calling thread's process (vfork.c) */
}

void rt_unlock(void)
{
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

/* Index of the calling thread, from its runtime stack pointer. */
unsigned rt_self(void)
{
    uint64_t sp = (uint64_t)__builtin_frame_address(0);
    if (sp >= RT_THREADS_BASE && sp < RT_THREADS_BASE + RT_MAX_THREADS * RT_THREAD_AREA)
        return (unsigned)((sp - RT_THREADS_BASE) / RT_THREAD_AREA);
    return 0;
}

static struct thread_rec *self(void)
{
    struct thread_rec *t = threads[rt_self()];
    if (!t->used && t == &main_rec) { /* the main thread, first time here */
        set_used(t, true);
        t->started = true;
        t->tid = rt->pid;
        t->slot = rt->slot_thread;
    }
    return t;
}

uint64_t rt_self_slot(void)
{
    return self()->slot;
}

long rt_arch_prctl(uint64_t code, uint64_t addr)
{
    struct thread_rec *t = self();
    if (code == ARCH_SET_FS) {
        if (cx_thread_config(t->slot, CX_TCFG_FS_BASE, addr))
            return -EPERM; /* not canonical */
        t->fs = addr;
        return 0;
    }
    if (code == ARCH_GET_FS) {
        if (!rt_user_write(addr, 8))
            return -EFAULT;
        *(volatile uint64_t *)addr = t->fs;
        return 0;
    }
    return -EINVAL;
}

uint64_t rt_gettid(void)
{
    if (rt_in_vfork())
        return rt_pid(); /* a vfork child's thread id is its pid */
    return self()->tid;
}

long rt_set_tid_address(uint64_t addr)
{
    struct thread_rec *t = self();
    t->clear_tid = addr;
    return (long)t->tid;
}

static uint64_t thread_notif(struct thread_rec *t)
{
    if (!t->notif) {
        uint64_t s = rt_slot_alloc();
        if (!s || cx_notif_create(rt->slot_quota, s))
            return 0;
        t->notif = s;
    }
    return t->notif;
}

long rt_clone(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls)
{
    const uint64_t need = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
    if (!(flags & CLONE_THREAD))
        return rt_fork(flags, newsp); /* a new process (fork, vfork, posix_spawn) */
    if (rt_in_vfork())
        return -EAGAIN; /* a vfork child has one thread */
    if ((flags & need) != need)
        return -EINVAL;
    if (!newsp)
        return -EINVAL;
    if (!next_tid)
        next_tid = rt->pid * 1000 + 1;
    unsigned i = free_list; /* the last area is the timer thread's (timer.c) */
    if (!i && thread_top == RT_TIMER_AREA)
        return -EAGAIN; /* Linux's threads-max */
    if (!i) {
        struct thread_rec *n = rt_alloc(sizeof(*n));
        if (!n)
            return -EAGAIN;
        memset(n, 0, sizeof(*n));
        i = thread_top++;
        threads[i] = n;
    } else {
        free_list = threads[i]->next_free;
    }
    struct thread_rec *t = threads[i];
    uint64_t area = RT_THREADS_BASE + i * RT_THREAD_AREA;
    long err = 0;
    if (!t->area_mem) { /* first use of this area: its memory stays for later threads */
        uint64_t m = rt_slot_alloc();
        if (!m || cx_mem_create(rt->slot_quota, RT_THREAD_AREA / CX_PAGE_SIZE, m) ||
            cx_map(rt->slot_pd, m, 0, area, RT_THREAD_AREA / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_W)) {
            if (m) {
                cx_cap_delete(m);
                rt_slot_free(m);
            }
            goto fail;
        }
        t->area_mem = m;
    }
    uint64_t slot = rt_slot_alloc();
    if (!slot)
        goto fail;
    err =
        cx_thread_create(rt->slot_quota, rt->slot_pd, slot, rt->slot_parent, rt_thread_priority());
    static struct cx_regs r;
    if (!err)
        err = cx_thread_regs(self()->slot, CX_REGS_GET, CX_CTX_SAVED, &r);
    if (err) {
        cx_cap_delete(slot);
        rt_slot_free(slot);
        goto fail;
    }
    r.rax = 0; /* the child sees clone return 0 */
    r.rsp = newsp;
    r.rcx = r.rip; /* as after SYSCALL */
    r.r11 = r.rflags;
    if (flags & CLONE_SETTLS)
        r.fs_base = tls;
    uint64_t tid = next_tid++;
    *t = (struct thread_rec){.tid = tid,
                             .slot = slot,
                             .area_mem = t->area_mem,
                             .fs = r.fs_base,
                             .sig = {.mask = self()->sig.mask}};
    set_used(t, true);
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_tid = ctid;
    if (flags & CLONE_PARENT_SETTID)
        *(volatile int *)ptid = (int)tid;
    if (flags & CLONE_CHILD_SETTID)
        *(volatile int *)ctid = (int)tid;
    err = cx_thread_regs(slot, CX_REGS_SET, CX_CTX_CURRENT, &r);
    if (!err)
        err = cx_thread_config(slot, CX_TCFG_IPCBUF, area);
    if (!err)
        err = cx_thread_config(slot, CX_TCFG_RT_STACK, area + RT_THREAD_AREA);
    if (!err)
        err = cx_thread_resume(slot);
    if (err) {
        cx_cap_delete(slot);
        rt_slot_free(slot);
        set_used(t, false);
        goto fail;
    }
    t->started = true;
    rt_signal_thread_id(i, tid);
    return (long)tid;
fail: /* the quota is spent (Linux's RLIMIT_NPROC): the index goes back on the list */
    t->next_free = free_list;
    free_list = i;
    return -EAGAIN;
}

/* Wakes up to n waiters on addr whose bitset shares a bit with bits (FUTEX_WAKE: all). */
static long futex_wake(uint64_t addr, long n, uint32_t bits)
{
    long woken = 0;
    for (struct waiter **pp = &waiting; *pp && woken < n;) {
        struct waiter *w = *pp;
        if (w->addr != addr || !(w->bitset & bits)) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->addr = 0;
        cx_notif_signal(threads[w->thread]->notif, 1);
        woken++;
    }
    return woken;
}

/*
 * Robust futexes (set_robust_list): each thread names a list of the futex locks it holds
 * (struct robust_list_head: the first entry, the offset from an entry to its 32-bit lock
 * word, and the entry being locked or unlocked right now). When a thread or its process
 * ends, every lock word on the list that still names the thread's tid gets
 * FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and one waiter is woken, as Linux's
 * exit_robust_list does, so that the next locker sees EOWNERDEAD. The list is the
 * program's memory: at most ROBUST_LIMIT entries are walked (a loop in it ends there),
 * and every word read or written must lie in a mapped page of the program (asked of the
 * kernel, pd_resident); the walk stops at the first that does not, as Linux stops at a
 * fault. A page mapped read-only would still fault here: only the ending process's own
 * list can point there.
 */
#define ROBUST_HEAD_LEN 24 /* struct robust_list_head */
#define ROBUST_LIMIT 2048  /* Linux's ROBUST_LIST_LIMIT */

long rt_set_robust_list(uint64_t head, uint64_t len)
{
    if (len != ROBUST_HEAD_LEN)
        return -EINVAL;
    self()->robust = head;
    return 0;
}

/* pid 0 or a thread of this process; another process's list is not ours to read. */
long rt_get_robust_list(int pid, uint64_t head_ptr, uint64_t len_ptr)
{
    struct thread_rec *t = NULL;
    if (pid == 0)
        t = self();
    for (unsigned i = 0; i < thread_top && !t && pid > 0; i++)
        if (threads[i] && threads[i]->used && threads[i]->tid == (uint64_t)pid)
            t = threads[i];
    if (!t)
        return pid < 0 ? -ESRCH : -EPERM;
    if (!rt_user_write(head_ptr, 8) || !rt_user_write(len_ptr, 8))
        return -EFAULT;
    uint64_t len = ROBUST_HEAD_LEN;
    memcpy((void *)head_ptr, &t->robust, 8);
    memcpy((void *)len_ptr, &len, 8);
    return 0;
}

/* Whether the n bytes at p (not crossing a page) are in a mapped page of the program
 * that is not PROT_NONE. */
static bool robust_mapped(uint64_t p, uint64_t n)
{
    uint8_t v;
    return rt_user_range(p, n) && (p & (CX_PAGE_SIZE - 1)) + n <= CX_PAGE_SIZE &&
           cx_raw_pd_resident(rt->slot_pd, p & ~(CX_PAGE_SIZE - 1), 1, (uint64_t)&v, 0, 0).err ==
               0 &&
           !(v & CX_RESIDENT_NOACCESS);
}

/* One lock word of a dead owner: FUTEX_OWNER_DIED, and a waiter woken. False: stop. */
static bool robust_release_word(uint64_t word, uint64_t tid)
{
    if ((word & 3) || !robust_mapped(word, 4))
        return false;
    volatile uint32_t *w = (volatile uint32_t *)word;
    uint32_t old = *w;
    while ((old & FUTEX_TID_MASK) == (tid & FUTEX_TID_MASK)) {
        uint32_t nv = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (__atomic_compare_exchange_n(w, &old, nv, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            if (old & FUTEX_WAITERS)
                rt_futex(word, 1 /* FUTEX_WAKE, shared or not as the word is */, 1, 0, 0, 0);
            break;
        }
    }
    return true;
}

/* Walks thread t's robust list (the caller holds the runtime lock). */
static void robust_release(struct thread_rec *t)
{
    uint64_t head = t->robust;
    t->robust = 0;
    if (!head || !robust_mapped(head, ROBUST_HEAD_LEN))
        return;
    uint64_t h[3]; /* next entry, lock word offset, pending entry */
    memcpy(h, (const void *)head, sizeof h);
    int64_t off = (int64_t)h[1];
    uint64_t entry = h[0], pending = h[2];
    for (unsigned n = 0; entry != head && n < ROBUST_LIMIT; n++) {
        if (!robust_mapped(entry, 8))
            return;
        uint64_t next;
        memcpy(&next, (const void *)entry, 8);
        if (entry != pending && !robust_release_word(entry + (uint64_t)off, t->tid))
            return;
        entry = next;
    }
    if (pending)
        robust_release_word(pending + (uint64_t)off, t->tid);
}

/* The process ends (exit_group, exec): every thread's robust locks are released. */
void rt_robust_release_all(void)
{
    for (unsigned i = 0; i < thread_top; i++)
        if (threads[i] && threads[i]->used && threads[i]->robust)
            robust_release(threads[i]);
}

/* The calling thread ends: clear its tid word and wake a joiner; its capability goes. */
_Noreturn void rt_thread_exit(void)
{
    unsigned i = rt_self();
    struct thread_rec *t = self();
    robust_release(t);
    if (t->clear_tid) {
        *(volatile int *)t->clear_tid = 0;
        futex_wake(t->clear_tid, 1, ~0u);
    }
    if (live <= 1)
        rt_exit_process(0); /* the last thread: the process ends with status 0 */
    if (i == 0) {
        /* the main thread ends while others run on (pthread_exit in main) */
        set_used(t, false);
        rt_unlock();
        for (;;)
            cx_thread_suspend(rt->slot_thread);
    }
    rt_signal_thread_id(i, 0);
    uint64_t slot = t->slot;
    add_thread(&gone, slot);
    if (t->notif) {
        cx_cap_delete(t->notif);
        rt_slot_free(t->notif);
    }
    set_used(t, false);
    t->started = false;
    t->notif = t->clear_tid = 0;
    t->next_free = free_list;
    free_list = i;
    rt_slot_free(slot);
    rt_unlock();
    cx_cap_delete(slot); /* destroys this very thread: the call does not return */
    for (;;)
        cx_yield();
}

static long futex_wait(uint64_t addr, uint32_t val, const struct linux_timespec *rel,
                       uint32_t bitset)
{
    struct thread_rec *t = self();
    unsigned i = rt_self();
    uint64_t n = thread_notif(t);
    if (!n)
        return -ENOMEM;
    if (__atomic_load_n((volatile uint32_t *)addr, __ATOMIC_SEQ_CST) != val)
        return -EAGAIN;
    uint64_t timeout = CX_TIMEOUT_NONE;
    if (rel) {
        if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000)
            return -EINVAL;
        timeout = (uint64_t)rel->tv_sec * 1000000000u + (uint64_t)rel->tv_nsec;
        if (timeout == 0)
            return -ETIMEDOUT;
    }
    struct waiter *w = &t->wait;
    w->addr = addr;
    w->bitset = bitset;
    w->thread = i;
    w->next = waiting;
    waiting = w;
    uint64_t bits;
    cx_notif_wait(n, 0, &bits); /* drop a stale wake-up from an earlier wait */
    rt_unlock();
    long err = cx_notif_wait(n, timeout, &bits);
    rt_lock();
    if (w->addr) { /* not woken: take it off the list */
        for (struct waiter **pp = &waiting; *pp; pp = &(*pp)->next)
            if (*pp == w) {
                *pp = w->next;
                break;
            }
        w->addr = 0;
        if (err == CX_E_TIMEOUT)
            return -ETIMEDOUT;
        /* a redirect: -EINTR for a signal to deliver; else a spurious wake-up, which
         * futex callers allow */
        return err == CX_E_INTERRUPTED && rt_signal_interrupted() ? -EINTR : 0;
    }
    return 0;
}

/* A futex word in shared memory: the kernel's queue keyed by (memory object, offset),
 * named by this domain and the address, so that other processes mapping the object
 * meet the same waiters. The runtime lock is not held while blocked. */
static long kernel_futex_wait(uint64_t addr, uint32_t val, uint64_t timeout)
{
    rt_unlock();
    long err = cx_futex_wait(rt->slot_pd, addr, val, timeout);
    rt_lock();
    switch (err) {
    case 0:
    case CX_E_DEAD: /* the memory went away: a spurious wake-up, which callers allow */
        return 0;
    case CX_E_CHANGED:
        return -EAGAIN;
    case CX_E_TIMEOUT:
        return -ETIMEDOUT;
    case CX_E_INTERRUPTED:
        return rt_signal_interrupted() ? -EINTR : 0;
    case CX_E_MAPPING:
        return -EFAULT;
    default:
        return -EINVAL;
    }
}

static long kernel_futex_wake(uint64_t addr, uint64_t n)
{
    uint64_t woken = 0;
    long err = cx_futex_wake(rt->slot_pd, addr, n, &woken);
    if (err)
        return err == CX_E_MAPPING ? -EFAULT : -EINVAL;
    return (long)woken;
}

/* Futexes of a process-shared word (no FUTEX_PRIVATE_FLAG, in a MAP_SHARED mapping): a
 * requeue to another word wakes every waiter instead (futex users allow spurious
 * wake-ups), since the kernel queue cannot move waiters between objects. */
static long kernel_futex(uint64_t addr, int cmd, uint32_t val, uint64_t arg4, uint32_t val3)
{
    switch (cmd) {
    case FUTEX_WAIT: {
        const struct linux_timespec *rel = (const struct linux_timespec *)arg4;
        uint64_t ns = CX_TIMEOUT_NONE;
        if (rel) {
            if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000)
                return -EINVAL;
            ns = (uint64_t)rel->tv_sec * 1000000000u + (uint64_t)rel->tv_nsec;
        }
        return kernel_futex_wait(addr, val, ns);
    }
    case FUTEX_WAKE:
        return kernel_futex_wake(addr, (int)val < 0 ? UINT64_MAX : val);
    case FUTEX_CMP_REQUEUE:
        if (__atomic_load_n((volatile uint32_t *)addr, __ATOMIC_SEQ_CST) != val3)
            return -EAGAIN;
        /* fall through */
    case FUTEX_REQUEUE:
        return kernel_futex_wake(addr, UINT64_MAX);
    default:
        return -ENOSYS;
    }
}

/* FUTEX_WAIT_BITSET's absolute timeout (CLOCK_REALTIME with FUTEX_CLOCK_REALTIME, else
 * CLOCK_MONOTONIC) as the time left in *rel (0 when it has passed). */
static long abs_to_rel(const struct linux_timespec *abs, bool realtime, struct linux_timespec *rel)
{
    if (!rt_user_read((uint64_t)abs, sizeof(*abs)))
        return -EFAULT;
    if (abs->tv_sec < 0 || abs->tv_nsec < 0 || abs->tv_nsec >= 1000000000)
        return -EINVAL;
    uint64_t t = (uint64_t)abs->tv_sec * 1000000000u + (uint64_t)abs->tv_nsec;
    uint64_t now = realtime ? rt_realtime_ns() : cx_clock_ns();
    uint64_t left = t > now ? t - now : 0;
    rel->tv_sec = (int64_t)(left / 1000000000u);
    rel->tv_nsec = (int64_t)(left % 1000000000u);
    return 0;
}

/*
 * futex: FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, and FUTEX_WAIT_BITSET
 * and FUTEX_WAKE_BITSET (glibc's waits: an absolute timeout, and a bitset a wake must
 * share; a process-shared word's wake with a partial bitset wakes every waiter, which
 * futex users allow). The PI operations are ENOSYS.
 */
long rt_futex(uint64_t addr, int op, uint32_t val, uint64_t arg4, uint64_t addr2, uint32_t val3)
{
    if (addr & 3)
        return -EINVAL;
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    /* Linux's order: the timeout is read first, then the word where the operation reads
     * it (a wait, a compare) or, without FUTEX_PRIVATE_FLAG, finds its page (any
     * operation): a bad pointer there is EFAULT. A private wake touches nothing. */
    if (cmd == FUTEX_WAIT && arg4 && !rt_user_read(arg4, sizeof(struct linux_timespec)))
        return -EFAULT;
    if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_CMP_REQUEUE ||
         !(op & FUTEX_PRIVATE_FLAG)) &&
        !rt_user_read(addr, 4))
        return -EFAULT;
    struct linux_timespec rel;
    uint32_t bits = ~0u; /* FUTEX_WAIT and FUTEX_WAKE: every bit */
    if (cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET) {
        if (!val3)
            return -EINVAL; /* a bitset without bits */
        if (cmd == FUTEX_WAIT_BITSET && arg4) {
            long err =
                abs_to_rel((const struct linux_timespec *)arg4, op & FUTEX_CLOCK_REALTIME, &rel);
            if (err)
                return err;
            arg4 = (uint64_t)&rel;
        }
        if (cmd == FUTEX_WAKE_BITSET && val3 != ~0u && !(op & FUTEX_PRIVATE_FLAG) &&
            rt_addr_shared(addr))
            val = 0x7fffffff; /* the kernel's queue knows no bitsets: every waiter */
        cmd = cmd == FUTEX_WAIT_BITSET ? FUTEX_WAIT : FUTEX_WAKE;
        bits = val3;
    }
    if (!(op & FUTEX_PRIVATE_FLAG) && rt_addr_shared(addr))
        return kernel_futex(addr, cmd, val, arg4, val3);
    switch (cmd) {
    case FUTEX_WAIT:
        return futex_wait(addr, val, (const struct linux_timespec *)arg4, bits);
    case FUTEX_WAKE:
        return futex_wake(addr, (long)val, bits);
    case FUTEX_CMP_REQUEUE:
        if (*(volatile uint32_t *)addr != val3)
            return -EAGAIN;
        /* fall through */
    case FUTEX_REQUEUE: {
        long woken = futex_wake(addr, (long)val, ~0u), moved = 0;
        for (struct waiter *w = waiting; w && moved < (long)arg4; w = w->next)
            if (w->addr == addr) {
                w->addr = addr2;
                moved++;
            }
        return woken + moved;
    }
    default:
        return -ENOSYS;
    }
}

/*
 * In a fork child: only the thread that called fork exists; it becomes the main
 * thread (it runs on the main runtime stack now). Capabilities were not copied: the
 * records forget their slots; the areas stay mapped (copied), so they are marked as
 * such and reused without mapping them again. Only the records below thread_top exist
 * (made when their area is first used): writing a record for every possible thread
 * copied ten pages of the parent's at every fork.
 */
void rt_threads_after_fork(unsigned forker)
{
    struct thread_rec t = *threads[forker];
    free_list = 0;
    for (unsigned i = thread_top; i-- > 0;) { /* the free list ascending */
        struct thread_rec *r = threads[i];
        bool mapped = r->area_mem != 0;
        memset(r, 0, sizeof(*r));
        r->area_mem = mapped ? ~0ul : 0;
        if (i > 0) {
            r->next_free = free_list;
            free_list = i;
        }
    }
    live = 1;
    main_rec.used = main_rec.started = true;
    main_rec.tid = rt->pid;
    main_rec.slot = rt->slot_thread;
    main_rec.fs = t.fs;
    main_rec.sig.mask = t.sig.mask;
    main_rec.sig.ss_sp = t.sig.ss_sp, main_rec.sig.ss_size = t.sig.ss_size;
    main_rec.sig.ss_flags = t.sig.ss_flags;
    waiting = NULL;
    next_tid = rt->pid * 1000 + 1;
    gone = (struct rt_cpu){0, 0};
    shown = (struct rt_cpu){0, 0};
    lock_word = 0;
}

/* execve: every other thread ends; the caller becomes the main thread. */
void rt_threads_exec(void)
{
    unsigned me = rt_self();
    for (unsigned i = 0; i < thread_top; i++) {
        struct thread_rec *t = threads[i];
        if (i == me || !t->used)
            continue;
        if (i != 0 && t->slot) {
            add_thread(&gone, t->slot);
            cx_cap_delete(t->slot);
            rt_slot_free(t->slot);
        }
        if (t->notif) {
            cx_cap_delete(t->notif);
            rt_slot_free(t->notif);
        }
        set_used(t, false);
        t->started = false;
        t->slot = t->notif = t->clear_tid = 0;
        if (i != 0) {
            t->next_free = free_list;
            free_list = i;
        }
        rt_signal_thread_id(i, 0);
    }
    waiting = NULL;
    threads[me]->clear_tid = 0;
}

unsigned rt_thread_index(void)
{
    return rt_self();
}

struct rt_tsig *rt_tsig_self(void)
{
    return &self()->sig;
}

/* Thread i's signal state and capability slot, or NULL if there is no such thread. */
struct rt_tsig *rt_tsig_at(unsigned i, uint64_t *slot, uint64_t *tid)
{
    struct thread_rec *t = started_at(i);
    if (!t)
        return NULL;
    if (slot)
        *slot = t->slot;
    if (tid)
        *tid = t->tid;
    return &t->sig;
}

/* The signal state and slot of the thread of this process with that tid, or NULL. */
struct rt_tsig *rt_tsig_by_tid(uint64_t tid, uint64_t *slot)
{
    for (unsigned i = 0; i < thread_top; i++) {
        struct thread_rec *t = started_at(i);
        if (t && t->tid == tid) {
            if (slot)
                *slot = t->slot;
            return &t->sig;
        }
    }
    return NULL;
}

/* One more than the highest index a thread of this process has had (rt_tsig_at's). */
unsigned rt_thread_top(void)
{
    return thread_top;
}

/* The calling thread's own notification (futex wake-ups), for other waits. */
uint64_t rt_thread_notif(void)
{
    return thread_notif(self());
}

/* The calling thread's IPC buffer (words beyond the four in registers). */
struct cx_ipcbuf *rt_ipcbuf(void)
{
    unsigned i = rt_self();
    return (struct cx_ipcbuf *)(i == 0 ? RT_IPCBUF_ADDR : RT_THREADS_BASE + i * RT_THREAD_AREA);
}
