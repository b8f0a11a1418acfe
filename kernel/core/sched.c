/*
 * Scheduler: 256 priorities, round robin within one, 10 ms slices on a 1 kHz tick.
 * The running thread stays at the head of its queue; a thread that becomes ready
 * goes to the tail. Timeouts are a list sorted by TSC deadline, checked each tick.
 * sched_return is the one way back to user mode, and the one place where every user
 * context is checked before the CPU takes it (user_context_ok): whatever path set the
 * registers (a fault handler, lx_resume, the nested hypervisor's SYSCALL without a
 * privilege switch, which takes rip from the user's rcx), a context IRET or SYSRET
 * would fault on in ring 0 becomes a fault of the thread instead.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

#define SLICE_TICKS 10

static struct thread *rq_head[256], *rq_tail[256];
static uint64_t rq_bits[4];
static struct thread *timeouts;

void sched_enqueue(struct thread *t)
{
    unsigned p = t->prio;
    t->qnext = NULL;
    t->qprev = rq_tail[p];
    if (rq_tail[p])
        rq_tail[p]->qnext = t;
    else
        rq_head[p] = t;
    rq_tail[p] = t;
    rq_bits[p / 64] |= 1ul << (p % 64);
    if (t->slice <= 0)
        t->slice = SLICE_TICKS;
}

void sched_dequeue(struct thread *t)
{
    unsigned p = t->prio;
    if (t->qprev)
        t->qprev->qnext = t->qnext;
    else
        rq_head[p] = t->qnext;
    if (t->qnext)
        t->qnext->qprev = t->qprev;
    else
        rq_tail[p] = t->qprev;
    t->qnext = t->qprev = NULL;
    if (!rq_head[p])
        rq_bits[p / 64] &= ~(1ul << (p % 64));
}

static struct thread *pick(void)
{
    for (int w = 3; w >= 0; w--)
        if (rq_bits[w])
            return rq_head[w * 64 + 63 - __builtin_clzl(rq_bits[w])];
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

void sched_tick(void)
{
    struct cpu *c = this_cpu();
    c->ticks++;
    timeout_check(rdtsc());
    struct thread *t = c->current;
    if (t && t->state == TS_READY && --t->slice <= 0) {
        t->slice = SLICE_TICKS;
        sched_dequeue(t);
        sched_enqueue(t);
    }
}

/* What the CPU would fault on in ring 0 when it loads the context (IRET with a
 * non-canonical RIP, WRMSR with a non-canonical base), or what would give user mode
 * more than it may have (kernel selectors, IOPL, VM, interrupts off). */
static bool user_context_ok(const struct thread *t)
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
    if (pd->posix && !t->in_runtime && t->rt_stack) {
        posix_reflect(t, CX_RT_FAULT, 13, 0, 0);
        return;
    }
    fault_deliver(t, 13, 0, 0); /* blocks or stops t: it leaves the run queue */
    if (t->state == TS_READY) {
        sched_dequeue(t);
        t->state = TS_INACTIVE;
    }
}

_Noreturn void sched_return(void)
{
    struct cpu *c = this_cpu();
    struct thread *t = pick();
    while (t && !user_context_ok(t)) {
        user_context_fault(t);
        t = pick();
    }
    uint64_t now = rdtsc(); /* CPU time: the stretch since the last return is acct's */
    if (c->acct)
        c->acct->cpu_tsc += now - c->acct_since;
    c->acct = t;
    c->acct_since = now;
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

void sched_init(void)
{
    for (int i = 0; i < 4; i++)
        rq_bits[i] = 0;
}
_Static_assert(offsetof(struct thread, frame) % 16 == 0 && sizeof(struct frame) % 16 == 0,
               "frame end must be 16-aligned");
