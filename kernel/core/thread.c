/*
 * Threads: user register state (struct frame + FXSAVE image + FS/GS base), their
 * state machine (inactive, ready, blocked, dead), register access for debuggers and
 * the POSIX runtime, and Linux-ABI reflection (the kernel side of the runtime entry).
 *
 * Every register set that user space hands in passes regs_validate: RIP and the
 * segment bases must be canonical, RFLAGS keeps only the arithmetic flags and DF
 * (IOPL, NT, AC, RF, TF, VM cleared; IF forced on), MXCSR is masked. Such frames
 * return through IRET; SYSRET is used only for frames saved by the syscall entry.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

uint64_t kernel_next_thread_id = 1;

struct thread *thread_create_kernel(struct quota *q, struct pd *pd, uint8_t prio, int *err)
{
    struct thread *t = kobj_alloc(q, CX_T_THREAD, sizeof(*t), err);
    if (!t)
        return NULL;
    t->pd = pd;
    kobj_get(&pd->obj);
    t->pd_next = pd->threads;
    pd->threads = t;
    t->prio = prio;
    t->call_timeout = CX_TIMEOUT_NONE;
    t->state = TS_INACTIVE;
    t->frame.cs = SEL_UCODE;
    t->frame.ss = SEL_UDATA;
    t->frame.rflags = RFLAGS_IF;
    t->id = kernel_next_thread_id++;
    fpu_default(t->fx);
    return t;
}

/* Take t out of whatever wait it is in, without making it runnable. */
static void wait_cancel(struct thread *t)
{
    if (t->state != TS_BLOCKED)
        return;
    timeout_remove(t);
    ipc_cancel(t);
    t->wait = W_NONE;
    t->waiting_on = NULL;
}

void thread_kill(struct thread *t)
{
    if (t->state == TS_DEAD)
        return;
    syscall_finish_now(t); /* the work it finished goes to the next call or idle */
    if (t->state == TS_READY)
        sched_dequeue(t);
    wait_cancel(t);
    if (t->caller) {
        struct thread *c = t->caller;
        t->caller = NULL;
        c->callee = NULL;
        if (c->faulting) {
            c->faulting = false;
            c->state = TS_INACTIVE; /* its fault handler died: stays stopped */
        } else {
            thread_unblock(c, CX_E_DEAD);
        }
    }
    t->state = TS_DEAD;
    if (this_cpu()->fpu_owner == t)
        this_cpu()->fpu_owner = NULL;
    if (this_cpu()->acct == t)
        this_cpu()->acct = NULL;
}

void thread_teardown(struct thread *t)
{
    thread_kill(t);
    struct pd *pd = t->pd;
    struct thread **pp = &pd->threads;
    while (*pp != t)
        pp = &(*pp)->pd_next;
    *pp = t->pd_next;
    if (t->fault_ep) {
        kobj_put(&t->fault_ep->obj);
        t->fault_ep = NULL;
    }
    t->pd = NULL;
    kobj_put(&pd->obj);
}

void thread_set_ready(struct thread *t)
{
    if (t->state == TS_DEAD)
        return;
    t->wait = W_NONE;
    t->waiting_on = NULL;
    if (t->suspended || t->pd->stopped) {
        t->parked = t->pd->stopped && !t->suspended;
        t->state = TS_INACTIVE;
        return;
    }
    t->state = TS_READY;
    sched_enqueue(t);
}

void thread_block(struct thread *t, uint8_t wait, void *on, uint64_t timeout_ns)
{
    if (t->state == TS_READY)
        sched_dequeue(t);
    t->state = TS_BLOCKED;
    t->wait = wait;
    t->waiting_on = on;
    if (timeout_ns != CX_TIMEOUT_NONE)
        timeout_add(t, deadline_after(timeout_ns));
}

/* The TSC deadline timeout_ns from now; a value too far to count saturates (a wait of
 * centuries, not a wrapped deadline in the past). */
uint64_t deadline_after(uint64_t timeout_ns)
{
    uint64_t now = rdtsc();
    uint64_t secs = timeout_ns / 1000000000u;
    if (tsc_hz && secs > (UINT64_MAX - now) / tsc_hz / 2)
        return UINT64_MAX;
    return now + ns_to_tsc(timeout_ns);
}

void thread_unblock(struct thread *t, long result)
{
    if (t->state != TS_BLOCKED)
        return;
    timeout_remove(t);
    t->frame.rax = (uint64_t)result;
    thread_set_ready(t);
}

void thread_abort_wait(struct thread *t, long result)
{
    if (t->state != TS_BLOCKED)
        return;
    if (t->faulting)
        return; /* a fault waits for its handler only */
    wait_cancel(t);
    t->state = TS_BLOCKED; /* so that thread_unblock takes it */
    thread_unblock(t, result);
}

void fpu_sync(struct thread *t)
{
    if (this_cpu()->fpu_owner == t) {
        fpu_save(t->fx);
        this_cpu()->fpu_owner = NULL;
    }
}

void fx_sanitize(uint8_t *fx)
{
    uint32_t mxcsr;
    memcpy(&mxcsr, fx + 24, 4);
    mxcsr &= fx_mxcsr_mask;
    memcpy(fx + 24, &mxcsr, 4);
}

int regs_validate(const struct cx_regs *r)
{
    if (!is_canonical(r->rip) || !is_canonical(r->fs_base) || !is_canonical(r->gs_base))
        return CX_E_INVALID_ARG;
    return 0;
}

void frame_from_regs(struct frame *f, const struct cx_regs *r)
{
    f->rax = r->rax, f->rbx = r->rbx, f->rcx = r->rcx, f->rdx = r->rdx;
    f->rsi = r->rsi, f->rdi = r->rdi, f->rbp = r->rbp, f->rsp = r->rsp;
    f->r8 = r->r8, f->r9 = r->r9, f->r10 = r->r10, f->r11 = r->r11;
    f->r12 = r->r12, f->r13 = r->r13, f->r14 = r->r14, f->r15 = r->r15;
    f->rip = r->rip;
    f->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_IF | 0x2;
    f->cs = SEL_UCODE;
    f->ss = SEL_UDATA;
    f->vector = 0; /* leave through IRET: every register is live */
    f->error = 0;
}

void frame_to_regs(const struct frame *f, struct cx_regs *r)
{
    r->rax = f->rax, r->rbx = f->rbx, r->rcx = f->rcx, r->rdx = f->rdx;
    r->rsi = f->rsi, r->rdi = f->rdi, r->rbp = f->rbp, r->rsp = f->rsp;
    r->r8 = f->r8, r->r9 = f->r9, r->r10 = f->r10, r->r11 = f->r11;
    r->r12 = f->r12, r->r13 = f->r13, r->r14 = f->r14, r->r15 = f->r15;
    r->rip = f->rip;
    r->rflags = f->rflags;
}

bool rip_in_runtime(const struct pd *pd, uint64_t rip)
{
    return rip >= pd->rt_lo && rip < pd->rt_hi;
}

/*
 * Whether t is in its POSIX runtime. in_runtime is set when the kernel enters the
 * runtime and cleared by lx_return and lx_resume; but the runtime may also go back to
 * the program by itself (its direct return, CX_RT_SYSRET_LEN), which the kernel sees
 * only as t's user context being outside the runtime's code: then t has left, and a
 * redirect still pending is dropped (the runtime looked for signals in its return
 * sequence, which thread_redirect restarts: what is pending is nothing to deliver).
 * t's frame is its user context: t is not running (one CPU) or is the caller.
 */
bool thread_in_runtime(struct thread *t)
{
    struct frame *f = &t->frame;
    /* at the return sequence's last instruction, `jmp *%rcx`: gone back but for it */
    if (t->in_runtime && t->pd->rt_sysret && f->rip == t->pd->rt_sysret + CX_RT_SYSRET_JMP &&
        is_canonical(f->rcx))
        f->rip = f->rcx;
    if (t->in_runtime && !rip_in_runtime(t->pd, t->frame.rip)) {
        t->in_runtime = false;
        t->redirect_pending = false;
    }
    return t->in_runtime;
}

/* Enter the runtime of t's POSIX domain; the program context goes to lx_saved. A Linux
 * call of a domain with a direct entry keeps the program's registers but rsp, which
 * goes to r11 (rcx is the program's rip, as the `syscall` instruction left it). */
void posix_reflect(struct thread *t, uint64_t reason, uint64_t a, uint64_t b, uint64_t c)
{
    struct frame *f = &t->frame;
    struct pd *pd = t->pd;
    t->lx_saved = *f;
    t->in_runtime = true;
    if (reason == CX_RT_SYSCALL && pd->rt_sysentry) {
        f->rip = pd->rt_sysentry;
        f->rcx = t->lx_saved.rip;
        f->r11 = t->lx_saved.rsp;
    } else {
        f->rip = pd->rt_entry;
        f->rcx = reason;
    }
    f->rsp = t->rt_stack;
    f->rflags = RFLAGS_IF | 0x2;
    f->vector = 0;
    if (reason == CX_RT_FAULT) {
        f->rdi = a;
        f->rsi = b;
        f->rdx = c;
    }
}
