/*
 * Scheduler: 256 priorities; within one, round robin between groups (components) and
 * between the threads of a group, 10 ms slices on a 1 kHz tick. The running thread
 * stays at the head of its queue; a thread that becomes ready goes to the tail. Timeouts are a list
 * sorted by TSC deadline, checked each tick. sched_return is the one way back to user mode, and the
 * one place where every user context is checked before the CPU takes it (user_context_ok): whatever
 * path set the registers (a fault handler, lx_resume, the nested hypervisor's SYSCALL without a
 * privilege switch, which takes rip from the user's rcx), a context IRET or SYSRET
 * would fault on in ring 0 becomes a fault of the thread instead.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

#define SLICE_TICKS 10
#define RQ_NODES 1024

/*
 * Run queues: per priority, a ring of groups (struct rq_node), each with a FIFO of its
 * ready threads. A group is the split of the root quota a thread's quota comes from:
 * one per component init started (docs/sandboxes.md, "CPU"). The head group's head
 * thread runs; when its slice ends the thread goes to the tail of its group and the
 * group to the tail of the ring, so groups at one priority share the CPU by slices,
 * however many threads each has. A group whose first thread becomes ready joins the
 * ring at the tail. Nodes come from a fixed pool; should it run dry (more than RQ_NODES
 * groups ready at once), a thread joins the ring's head group instead: never worse
 * than one shared queue. Every operation is O(groups ready at one priority).
 */
struct rq_node {
    struct quota *group;
    struct thread *head, *tail;
    struct rq_node *next, *prev;
    uint8_t prio;
};
static struct rq_node nodes[RQ_NODES];
static struct rq_node shared[256]; /* used only when the pool is dry */
static struct rq_node *free_nodes;
static struct rq_node *ring_head[256], *ring_tail[256];
static uint64_t rq_bits[4];
static struct thread *timeouts;
static uint64_t rq_changes; /* counts every change of the queues (sched_return_same) */

static void ring_append(unsigned p, struct rq_node *n)
{
    n->next = NULL;
    n->prev = ring_tail[p];
    if (ring_tail[p])
        ring_tail[p]->next = n;
    else
        ring_head[p] = n;
    ring_tail[p] = n;
    rq_bits[p / 64] |= 1ul << (p % 64);
}

static void ring_remove(unsigned p, struct rq_node *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        ring_head[p] = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        ring_tail[p] = n->prev;
    n->next = n->prev = NULL;
    if (!ring_head[p])
        rq_bits[p / 64] &= ~(1ul << (p % 64));
}

static struct rq_node *node_for(struct quota *group, unsigned p)
{
    for (struct rq_node *n = ring_head[p]; n; n = n->next)
        if (n->group == group)
            return n;
    struct rq_node *n = free_nodes;
    if (!n) { /* pool dry: this priority's shared node, for every group */
        n = &shared[p];
        if (!n->head) {
            n->group = NULL;
            n->prio = (uint8_t)p;
            ring_append(p, n);
        }
        return n;
    }
    free_nodes = n->next;
    n->group = group;
    n->prio = (uint8_t)p;
    n->head = n->tail = NULL;
    ring_append(p, n);
    return n;
}

void sched_enqueue(struct thread *t)
{
    unsigned p = t->prio;
    rq_changes++;
    struct rq_node *n = node_for(t->obj.quota ? t->obj.quota->group : NULL, p);
    t->rq = n;
    t->qnext = NULL;
    t->qprev = n->tail;
    if (n->tail)
        n->tail->qnext = t;
    else
        n->head = t;
    n->tail = t;
    if (t->slice <= 0)
        t->slice = SLICE_TICKS;
}

void sched_dequeue(struct thread *t)
{
    struct rq_node *n = t->rq;
    rq_changes++;
    if (t->qprev)
        t->qprev->qnext = t->qnext;
    else
        n->head = t->qnext;
    if (t->qnext)
        t->qnext->qprev = t->qprev;
    else
        n->tail = t->qprev;
    t->qnext = t->qprev = NULL;
    t->rq = NULL;
    if (!n->head) {
        ring_remove(n->prio, n);
        if (n < shared || n >= shared + 256) {
            n->next = free_nodes;
            free_nodes = n;
        }
    }
}

/* t's slice is over (or given up): t to its group's tail, the group to the ring's. */
static void rotate(struct thread *t)
{
    sched_dequeue(t);
    sched_enqueue(t);
    struct rq_node *n = t->rq;
    if (ring_tail[n->prio] != n) {
        ring_remove(n->prio, n);
        ring_append(n->prio, n);
    }
}

void sched_yield(struct thread *t)
{
    rotate(t);
}

static inline __attribute__((always_inline)) struct thread *pick(void)
{
    for (int w = 3; w >= 0; w--)
        if (rq_bits[w])
            return ring_head[w * 64 + 63 - __builtin_clzl(rq_bits[w])]->head;
    return NULL;
}

void timeout_add(struct thread *t, uint64_t deadline)
{
    t->deadline = deadline ? deadline : 1;
    struct thread **pp = &timeouts;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->tnext;
    t->tnext = *pp;
    *pp = t;
}

void timeout_remove(struct thread *t)
{
    if (!t->deadline)
        return;
    struct thread **pp = &timeouts;
    while (*pp && *pp != t)
        pp = &(*pp)->tnext;
    if (*pp)
        *pp = t->tnext;
    t->deadline = 0;
    t->tnext = NULL;
}

void timeout_check(uint64_t now)
{
    while (timeouts && timeouts->deadline <= now) {
        struct thread *t = timeouts;
        timeout_remove(t);
        thread_abort_wait(t, CX_E_TIMEOUT);
    }
}

void sched_tick(bool from_user)
{
    struct cpu *c = this_cpu();
    c->ticks++;
    struct thread *t = c->current;
    if (from_user && t) { /* sampled system time (thread_sys_tsc); saturates */
        if (t->pd->posix && rip_in_runtime(t->pd, t->frame.rip))
            t->ticks_sys += t->ticks_sys < UINT32_MAX;
        else
            t->ticks_user += t->ticks_user < UINT32_MAX;
    }
    timeout_check(rdtsc());
    if (t && t->state == TS_READY && --t->slice <= 0) {
        t->slice = SLICE_TICKS;
        rotate(t);
    }
}

/* What the CPU would fault on in ring 0 when it loads the context (IRET with a
 * non-canonical RIP, WRMSR with a non-canonical base), or what would give user mode
 * more than it may have (kernel selectors, IOPL, VM, interrupts off). */
static inline __attribute__((always_inline)) bool user_context_ok(const struct thread *t)
{
    const struct frame *f = &t->frame;
    return is_canonical(f->rip) && f->cs == SEL_UCODE && f->ss == SEL_UDATA &&
           (f->rflags & RFLAGS_IF) && !(f->rflags & (RFLAGS_IOPL | RFLAGS_VM)) &&
           is_canonical(t->fs_base) && is_canonical(t->gs_base);
}

/* A context that must not be loaded is a general-protection fault of its thread, as
 * Linux makes it one (SIGSEGV): to the runtime of a POSIX program, else to the
 * thread's fault handler. The registers are made safe first. */
static void user_context_fault(struct thread *t)
{
    struct frame *f = &t->frame;
    static bool said;
    if (!said) {
        said = true;
        kprintf("[kernel] thread %lu: user context refused (rip %#lx): general-protection "
                "fault (logged once)\n",
                t->id, f->rip);
    }
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->rflags = (f->rflags & RFLAGS_USER_MASK) | RFLAGS_IF | 0x2;
    f->vector = 0;
    if (!is_canonical(t->fs_base))
        t->fs_base = 0;
    if (!is_canonical(t->gs_base))
        t->gs_base = 0;
    struct pd *pd = t->pd;
    if (is_canonical(f->rip))
        return; /* only the segments or flags were wrong: now they are not */
    if (pd->posix && !thread_in_runtime(t) && t->rt_stack) {
        syscall_finish_now(t);
        posix_reflect(t, CX_RT_FAULT, 13, 0, 0);
        return;
    }
    fault_deliver(t, CX_VEC_GP, 0, 0); /* blocks or stops t: it leaves the run queue */
    if (t->state == TS_READY) {
        sched_dequeue(t);
        t->state = TS_INACTIVE;
    }
}

/* Charges the CPU time since acct_since to the thread that ran it; called at each
 * switch (and when a thread's time is asked for). */
void acct_flush(struct cpu *c)
{
    uint64_t now = rdtsc();
    if (c->acct)
        c->acct->cpu_tsc += now - c->acct_since;
    c->acct_since = now;
}

/*
 * System time is sampled, as Linux's tick-based accounting does: each timer tick that
 * finds a thread in user mode counts for its POSIX runtime or for its program, and
 * cpu_tsc is split in that proportion (no tick yet: all of it user time). The kernel
 * does not see a call's end when the runtime returns to the program by itself, so
 * the stretches themselves cannot be split.
 */
uint64_t thread_sys_tsc(const struct thread *t)
{
    uint64_t n = (uint64_t)t->ticks_sys + t->ticks_user;
    if (!n)
        return 0;
    uint64_t q = t->cpu_tsc / n, r = t->cpu_tsc % n; /* r * ticks_sys < 2^64 */
    return q * t->ticks_sys + r * t->ticks_sys / n;
}

_Noreturn void sched_return(void)
{
    struct cpu *c = this_cpu();
    struct thread *t = pick();
    if (!t && kobj_work_pending()) { /* work nobody finishes: a batch a time we idle */
        acct_flush(c);               /* (the idle loop's time: nobody's) */
        c->acct = NULL;
        kobj_work(KOBJ_WORK_BATCH);
        t = pick();
    }
    while (t && !user_context_ok(t)) {
        user_context_fault(t);
        t = pick();
    }
    if (c->acct != t) { /* CPU time: the stretch since the last flush is acct's */
        acct_flush(c);  /* (the same thread goes on: its next flush charges it all) */
        c->acct = t;
    }
    if (!t) {
        c->current = NULL;
        idle_loop();
    }
    if (c->cur_root != t->pd->pml4)
        pt_activate(t->pd->pml4);
    if (c->fpu_owner != t) {
        if (c->fpu_owner)
            fpu_save(c->fpu_owner->fx);
        fpu_restore(t->fx);
        c->fpu_owner = t;
    }
    if (c->current != t || c->fs_loaded != t->fs_base) {
        wrmsr(MSR_FS_BASE, t->fs_base);
        c->fs_loaded = t->fs_base;
        wrmsr(MSR_KERNEL_GS_BASE, t->gs_base);
    }
    c->current = t;
    c->frame_end = (uint64_t)(&t->frame + 1);
    cpu_set_kernel_stack(c->frame_end);
    int sysret = t->frame.vector == VEC_SYSCALL && is_canonical(t->frame.rip);
    frame_return(&t->frame, sysret);
}

uint64_t sched_changes(void)
{
    return rq_changes;
}

/*
 * The end of t's kernel call: straight back to t when the call changed nothing that
 * sched_return would look at: no queue changed since `changes` (so t, which was picked
 * when it entered, is still the pick: the kernel is not preempted), and the CPU still
 * holds t's address space, FPU, FS base and accounting. Its context is checked all the
 * same (a call may have set it). Anything else: sched_return.
 */
_Noreturn void sched_return_same(struct thread *t, uint64_t changes)
{
    struct cpu *c = this_cpu();
    if (changes == rq_changes && c->current == t && t->state == TS_READY && c->acct == t &&
        c->cur_root == t->pd->pml4 && c->fpu_owner == t && c->fs_loaded == t->fs_base &&
        user_context_ok(t))
        frame_return(&t->frame, t->frame.vector == VEC_SYSCALL && is_canonical(t->frame.rip));
    sched_return();
}

void sched_init(void)
{
    for (int i = 0; i < 4; i++)
        rq_bits[i] = 0;
    free_nodes = NULL;
    for (int i = RQ_NODES - 1; i >= 0; i--) {
        nodes[i].next = free_nodes;
        free_nodes = &nodes[i];
    }
}
_Static_assert(offsetof(struct thread, frame) % 16 == 0 && sizeof(struct frame) % 16 == 0,
               "frame end must be 16-aligned");
