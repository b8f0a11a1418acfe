/*
 * Signals (docs/signals.md): dispositions, masks, sending, and delivery on the Linux
 * x86_64 signal frame that musl expects.
 *
 * Sources. kill and SIGCHLD come from the launcher: it writes the signal page
 * (RT_SIGPAGE_ADDR, process-directed signals) and redirects the main thread. tkill and
 * tgkill to a thread of this process, and faults, are thread-directed (struct rt_tsig,
 * kept with each thread). Sending is always followed by thread_redirect of a thread
 * that should look: the kernel then enters the runtime with CX_RT_REDIRECT as soon as
 * that thread runs program code, or, if it is in the runtime, breaks its wait and
 * re-enters when it leaves. So every delivery happens in rt_signal_redirect, on the
 * program context the kernel saved, and a signal never lands in the middle of a call.
 *
 * A wait that a redirect broke asks rt_signal_interrupted: with a signal to deliver the
 * call ends with EINTR (or, with SA_RESTART, is made again after the handler: the saved
 * RIP goes back to the `syscall` instruction), else the wait goes on.
 *
 * Queued instances (real-time signals, sigqueue, and tgkill from another process) sit in
 * the signal page's queue (capix/posix_protocol.h); qpending marks the signals with an entry for
 * the process. Entries for one thread (tpending) are handed to that thread's pending set by
 * whichever thread looks first (claim_thread_entries).
 */
#include <string.h>
#include "creds.h"
#include "runtime.h"
#include <capix/posix_sigqueue.h>

#define NSIG 64
#define BIT(sig) (1ul << ((sig)-1))
#define SIG_DFL 0ul
#define SIG_IGN 1ul
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

/* The kernel's x86_64 frame: struct sigcontext, ucontext and siginfo as Linux lays
 * them out (musl's ucontext_t and siginfo_t read them). */
struct l_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    uint64_t eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};
struct l_ucontext {
    uint64_t flags, link;
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } stack;
    struct l_sigcontext mc;
    uint64_t sigmask;
};
struct l_siginfo {
    int32_t signo, errno_, code, pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
        } proc;
        uint64_t addr;
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value;
        } rt;
        char bytes[112];
    } u;
};
struct l_frame {
    uint64_t pretcode; /* the handler's return address: sa_restorer */
    struct l_ucontext uc;
    struct l_siginfo info;
};
_Static_assert(sizeof(struct l_sigcontext) == 256, "struct sigcontext");
_Static_assert(sizeof(struct l_ucontext) == 304, "struct ucontext");
_Static_assert(sizeof(struct l_siginfo) == 128, "siginfo_t");

static struct k_sigaction actions[NSIG + 1];
_Static_assert(sizeof(actions) == RT_SIG_ACTIONS_BYTES, "dispositions");
/* ignored_set's answer while ign_known; every change of actions clears ign_known */
static uint64_t ign_set;
static bool ign_known;

void rt_signal_swap_actions(void *save, const void *load)
{
    memcpy(save, actions, sizeof(actions));
    memcpy(actions, load, sizeof(actions));
    ign_known = false;
}

void rt_signal_copy_actions(void *out)
{
    memcpy(out, actions, sizeof(actions));
}
static struct rt_sigpage *const sigpage = (struct rt_sigpage *)RT_SIGPAGE_ADDR;

enum dfl { D_TERM, D_CORE, D_IGN, D_STOP };

static enum dfl default_action(int sig)
{
    switch (sig) {
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 11:
    case 24:
    case 25:
    case 31:
        return D_CORE;
    case 17:
    case 18:
    case 23:
    case 28:
        return D_IGN;
    case 19:
    case 20:
    case 21:
    case 22:
        return D_STOP;
    default:
        return D_TERM;
    }
}

/* Ignored: SIG_IGN, or SIG_DFL whose action is to ignore. */
static bool ignored(int sig)
{
    return actions[sig].handler == SIG_IGN ||
           (actions[sig].handler == SIG_DFL && default_action(sig) == D_IGN);
}

/* The ignored signals, worked out again only after a disposition changed (every
 * delivery asks several times). */
static uint64_t ignored_set(void)
{
    uint64_t set = 0;
    if (ign_known)
        return ign_set;
    for (int sig = 1; sig <= NSIG; sig++)
        if (ignored(sig))
            set |= BIT(sig);
    ign_set = set;
    ign_known = true;
    return set;
}

/* The oldest full queue entry of sig for the process, or NULL. */
static struct rt_sigq_entry *sigq_oldest(int sig)
{
    struct rt_sigq_entry *best = NULL;
    for (unsigned i = 0; i < RT_SIGQ_LEN; i++) {
        struct rt_sigq_entry *e = &sigpage->queue[i];
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != RT_SIGQ_FULL || e->sig != sig || e->tid)
            continue;
        if (!best || (int32_t)(e->seq - best->seq) < 0)
            best = e;
    }
    return best;
}

/* After entries of sig went: its qpending bit stays only while an entry is left (a
 * producer publishes the entry before it sets the bit, so none is missed). */
static void sigq_recheck(int sig)
{
    __atomic_and_fetch(&sigpage->qpending, ~BIT(sig), __ATOMIC_SEQ_CST);
    if (sigq_oldest(sig))
        __atomic_or_fetch(&sigpage->qpending, BIT(sig), __ATOMIC_SEQ_CST);
}

/* Every queued instance for the process of the signals in set goes. */
static void sigq_drop(uint64_t set)
{
    for (unsigned i = 0; i < RT_SIGQ_LEN; i++) {
        struct rt_sigq_entry *e = &sigpage->queue[i];
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == RT_SIGQ_FULL && !e->tid &&
            e->sig >= 1 && e->sig <= NSIG && (set & BIT(e->sig)))
            __atomic_store_n(&e->state, RT_SIGQ_FREE, __ATOMIC_RELEASE);
    }
    for (int sig = 1; sig <= NSIG; sig++)
        if (set & BIT(sig))
            sigq_recheck(sig);
}

/* Entries for one thread (tgkill from another process) go to that thread's pending
 * set (one instance per signal, as for tgkill within the process), and the thread is
 * redirected; entries for threads that are gone are dropped. */
static void claim_thread_entries(void)
{
    if (!__atomic_load_n(&sigpage->tpending, __ATOMIC_ACQUIRE))
        return;
    __atomic_store_n(&sigpage->tpending, 0, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < RT_SIGQ_LEN; i++) {
        struct rt_sigq_entry *e = &sigpage->queue[i];
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != RT_SIGQ_FULL || !e->tid)
            continue;
        int sig = e->sig;
        for (unsigned k = 0; k < rt_thread_top() && sig >= 1 && sig <= NSIG; k++) {
            uint64_t slot, tid;
            struct rt_tsig *t = rt_tsig_at(k, &slot, &tid);
            if (!t || tid != (uint64_t)e->tid)
                continue;
            if (!(t->pending & BIT(sig))) {
                t->info[sig - 1].code = e->code;
                t->info[sig - 1].pid = e->pid;
                t->pending |= BIT(sig);
            }
            if (t != rt_tsig_self())
                cx_thread_redirect(slot);
            break;
        }
        __atomic_store_n(&e->state, RT_SIGQ_FREE, __ATOMIC_RELEASE);
    }
}

/* Signals pending for the process: one instance in the bit, or queued ones. */
static uint64_t process_pending(void)
{
    return __atomic_load_n(&sigpage->pending, __ATOMIC_ACQUIRE) |
           __atomic_load_n(&sigpage->qpending, __ATOMIC_ACQUIRE);
}

/* What could be delivered to thread ts now (or taken by its sigtimedwait). Ignored
 * signals that ts does not block are dropped on the way (they never wake a wait); a
 * blocked one stays pending, as on Linux, since the disposition may change before it
 * is unblocked. */
static uint64_t deliverable(struct rt_tsig *ts)
{
    claim_thread_entries();
    uint64_t ign = ignored_set() & ~ts->waitset & ~ts->mask;
    /* a timer's signal dropped so is taken all the same: its overruns become what
     * timer_getoverrun says (Linux dequeues it before it finds it ignored) */
    for (uint64_t d = ts->pending & ign; d; d &= d - 1) {
        int sig = __builtin_ctzl(d) + 1;
        if (ts->info[sig - 1].code == -2)
            rt_timer_taken(ts->info[sig - 1].pid);
    }
    ts->pending &= ~ign;
    if (rt_in_vfork()) /* the signal page is the parent's: it takes them when it resumes */
        return ts->pending & (~ts->mask | ts->waitset);
    uint64_t pend = __atomic_load_n(&sigpage->pending, __ATOMIC_ACQUIRE);
    if (pend & ign) {
        uint64_t old = __atomic_fetch_and(&sigpage->pending, ~ign, __ATOMIC_ACQ_REL);
        for (uint64_t d = old & ign; d; d &= d - 1) {
            int sig = __builtin_ctzl(d) + 1;
            if (sigpage->info[sig - 1].code == -2)
                rt_timer_taken(sigpage->info[sig - 1].pid);
        }
        pend = old & ~ign;
    }
    uint64_t q = __atomic_load_n(&sigpage->qpending, __ATOMIC_ACQUIRE);
    if (q & ign) {
        sigq_drop(q & ign);
        q = __atomic_load_n(&sigpage->qpending, __ATOMIC_ACQUIRE);
    }
    return (ts->pending | pend | q) & (~ts->mask | ts->waitset);
}

/* Sends the process-directed signals no other thread can take to one that can. */
static void route(void)
{
    claim_thread_entries();
    uint64_t pend = process_pending();
    struct rt_tsig *me = rt_tsig_self();
    if (!pend || (!rt_in_vfork() && (pend & (~me->mask | me->waitset))))
        return;
    for (unsigned i = 0; i < rt_thread_top(); i++) {
        uint64_t slot;
        struct rt_tsig *t = rt_tsig_at(i, &slot, NULL);
        if (t && t != me && (pend & (~t->mask | t->waitset))) {
            cx_thread_redirect(slot);
            return;
        }
    }
}

/* Whether sig is ignored, or blocked by the calling thread (job control: a background
 * read with SIGTTIN so gets EIO, a write with SIGTTOU so goes on). */
bool rt_signal_ignored_or_blocked(int sig)
{
    return ignored(sig) || (rt_tsig_self()->mask & BIT(sig));
}

bool rt_signal_interrupted(void)
{
    struct rt_tsig *ts = rt_tsig_self();
    cx_thread_config(rt_self_slot(), CX_TCFG_REDIRECT_CLEAR, 0);
    if (!deliverable(ts)) {
        route();
        return false;
    }
    ts->interrupted = true;
    cx_thread_redirect(rt_self_slot()); /* delivered when the call leaves the runtime */
    return true;
}

/* Calls that SA_RESTART makes again; the others end with EINTR (as on Linux: sleeps,
 * pause, sigsuspend, sigtimedwait, poll and select never restart). */
static bool restartable(uint64_t nr)
{
    switch (nr) {
    case NR_read:
    case NR_write:
    case NR_readv:
    case NR_writev:
    case NR_pread64:
    case NR_pwrite64:
    case NR_wait4:
    case NR_waitid:
    case NR_futex:
    case NR_open:
    case NR_openat:
    case NR_fcntl: /* F_SETLKW: the only fcntl that waits */
    case NR_flock:
        return true;
    default:
        return false;
    }
}

bool rt_signal_after_call(struct rt_tsig *ts, const struct rt_call *c, long result)
{
    bool now = ts->deliver_now;
    ts->deliver_now = false;
    ts->restart_nr = 0;
    if (ts->interrupted) {
        ts->interrupted = false;
        if (result == -EINTR && restartable(c->nr))
            ts->restart_nr = c->nr + 1;
    }
    return now;
}

/* Takes the lowest signal deliverable to ts out of the pending sets; fills info. */
static int take(struct rt_tsig *ts, struct l_siginfo *info)
{
    for (;;) {
        uint64_t d = deliverable(ts);
        if (!d)
            return 0;
        int sig = __builtin_ctzl(d) + 1;
        memset(info, 0, sizeof(*info));
        info->signo = sig;
        if (ts->pending & BIT(sig)) {
            ts->pending &= ~BIT(sig);
            info->code = ts->info[sig - 1].code;
            info->u.proc.pid = ts->info[sig - 1].pid;
            info->u.proc.uid = info->code == -2 /* SI_TIMER: si_timerid, si_overrun */
                                   ? (uint32_t)rt_timer_taken(info->u.proc.pid)
                                   : rt_cred.uid.real; /* its own: the sender's real uid */
            return sig;
        }
        struct rt_sigq_entry *e = (__atomic_load_n(&sigpage->qpending, __ATOMIC_ACQUIRE) & BIT(sig))
                                      ? sigq_oldest(sig)
                                      : NULL;
        if (e) { /* a queued instance: its own code and value */
            info->code = e->code;
            info->u.rt.pid = e->pid;
            info->u.rt.uid = (uint32_t)e->uid;
            info->u.rt.value = e->value;
            __atomic_store_n(&e->state, RT_SIGQ_FREE, __ATOMIC_RELEASE);
            if (sig < 32) { /* a standard signal: one instance, the others coalesce */
                sigq_drop(BIT(sig));
                __atomic_and_fetch(&sigpage->pending, ~BIT(sig), __ATOMIC_ACQ_REL);
            }
            sigq_recheck(sig);
            return sig;
        }
        if (__atomic_load_n(&sigpage->qpending, __ATOMIC_ACQUIRE) & BIT(sig))
            sigq_recheck(sig); /* another thread took the last one */
        uint64_t old = __atomic_fetch_and(&sigpage->pending, ~BIT(sig), __ATOMIC_ACQ_REL);
        if (!(old & BIT(sig)))
            continue; /* another thread took it */
        info->code = sigpage->info[sig - 1].code;
        info->u.proc.pid = sigpage->info[sig - 1].pid;
        info->u.proc.uid = (uint32_t)sigpage->info[sig - 1].uid;
        info->u.proc.status = sigpage->info[sig - 1].status;
        if (info->code == -2) /* SI_TIMER: the overruns since it was raised */
            info->u.proc.uid = (uint32_t)rt_timer_taken(info->u.proc.pid);
        return sig;
    }
}

/*
 * The thread's FPU state (x87, MXCSR, XMM) is saved into a signal frame and loaded from
 * one here, with FXSAVE and FXRSTOR, not through the kernel: the runtime never touches
 * those registers itself (it is built -mgeneral-regs-only), so while it runs they hold
 * the program's state, and the kernel's thread_regs and lx_resume move only the general
 * registers (CX_CTX_NO_FPU, CX_RESUME_NO_FPU). A handler starts with the initial state,
 * as on Linux.
 */
static const uint8_t fx_initial[512] __attribute__((aligned(16))) = {
    [0] = 0x7f,
    [1] = 0x03, /* FCW 0x037f */
    [24] = 0x80,
    [25] = 0x1f, /* MXCSR 0x1f80 */
};

static void fpu_save(void *fx) /* fx: 16-aligned, 512 bytes */
{
    __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[512])fx));
}

static void fpu_load(const void *fx) /* fx: 16-aligned, its MXCSR valid (mxcsr_valid) */
{
    __asm__ volatile("fxrstor64 %0" ::"m"(*(const uint8_t(*)[512])fx));
}

/* MXCSR of an FXSAVE image with the bits this CPU does not have cleared (FXRSTOR
 * faults on them), as the kernel's fx_sanitize does: the mask is the image's
 * MXCSR_MASK field (0 there means 0xffbf). */
static void mxcsr_valid(uint8_t *fx)
{
    static uint32_t mask;
    if (!mask) {
        static uint8_t probe[512] __attribute__((aligned(16)));
        fpu_save(probe);
        memcpy(&mask, probe + 28, 4);
        if (!mask)
            mask = 0xffbf;
    }
    uint32_t mxcsr;
    memcpy(&mxcsr, fx + 24, 4);
    mxcsr &= mask;
    memcpy(fx + 24, &mxcsr, 4);
}

static bool on_altstack(const struct rt_tsig *ts, uint64_t sp);
static long altstack_set(struct rt_tsig *ts, uint64_t sp, uint64_t ss_sp, int flags, uint64_t size);

/* Builds the frame for sig on the program's stack and points regs at the handler. */
static void push_frame(struct cx_regs *r, int sig, const struct l_siginfo *info)
{
    struct rt_tsig *ts = rt_tsig_self();
    const struct k_sigaction *a = &actions[sig];
    uint64_t sp = r->rsp;
    bool to_alt = (a->flags & SA_ONSTACK) && ts->ss_size && !on_altstack(ts, sp);
    if (to_alt)
        sp = ts->ss_sp + ts->ss_size;
    else
        sp -= 128; /* the red zone */
    sp = (sp - 512) & ~63ul;
    uint64_t fpstate = sp;
    sp = ((sp - sizeof(struct l_frame)) & ~15ul) - 8; /* as after a call: (sp + 8) % 16 == 0 */
    struct l_frame *f = (struct l_frame *)sp;
    fpu_save((void *)fpstate); /* the program's, live here: the runtime leaves it alone */
    memset(f, 0, sizeof(*f));
    f->pretcode = (a->flags & SA_RESTORER) ? a->restorer : 0;
    f->uc.stack.sp = ts->ss_sp;
    f->uc.stack.size = ts->ss_size;
    f->uc.stack.flags =
        !ts->ss_size ? LINUX_SS_DISABLE : ts->ss_flags; /* Linux's __save_altstack */
    if (to_alt &&
        (ts->ss_flags & LINUX_SS_AUTODISARM)) /* the handler runs with no alternate stack */
        ts->ss_sp = ts->ss_size = 0, ts->ss_flags = 0;
    struct l_sigcontext *mc = &f->uc.mc;
    mc->r8 = r->r8, mc->r9 = r->r9, mc->r10 = r->r10, mc->r11 = r->r11;
    mc->r12 = r->r12, mc->r13 = r->r13, mc->r14 = r->r14, mc->r15 = r->r15;
    mc->rdi = r->rdi, mc->rsi = r->rsi, mc->rbp = r->rbp, mc->rbx = r->rbx;
    mc->rdx = r->rdx, mc->rax = r->rax, mc->rcx = r->rcx, mc->rsp = r->rsp;
    mc->rip = r->rip, mc->eflags = r->rflags;
    mc->cs = 0x33, mc->ss = 0x2b;
    mc->cr2 = info->code > 0 && (sig == SIGSEGV || sig == SIGBUS) ? info->u.addr : 0;
    mc->fpstate = fpstate;
    mc->oldmask = ts->restore_mask ? ts->saved_mask : ts->mask;
    f->uc.sigmask = mc->oldmask;
    f->info = *info;
    /* the handler runs with its mask added (and the signal, unless SA_NODEFER) */
    if (ts->restore_mask) { /* sigsuspend: its temporary mask ends with the handler */
        ts->mask = ts->saved_mask;
        ts->restore_mask = false;
    }
    ts->mask |= a->mask | ((a->flags & SA_NODEFER) ? 0 : BIT(sig));
    ts->mask &= ~UNBLOCKABLE;
    r->rip = a->handler;
    r->rsp = sp;
    r->rdi = (uint64_t)sig;
    r->rsi = (uint64_t)&f->info;
    r->rdx = (uint64_t)&f->uc;
    r->rax = 0;
    r->rflags &= ~(1ul << 10 | 1ul << 8); /* DF and TF clear */
    fpu_load(fx_initial);
    if (a->flags & SA_RESETHAND) {
        actions[sig].handler = SIG_DFL; /* the flags stay, as Linux keeps them */
        ign_known = false;
    }
}

/*
 * Delivers what is deliverable to this thread on the saved context r: ignored signals
 * go, default actions are taken (terminate, core, stop), and the first signal with a
 * handler gets a frame (more pending ones follow when the kernel re-enters us at once).
 */
static void deliver(struct cx_regs *r)
{
    struct rt_tsig *ts = rt_tsig_self();
    struct l_siginfo info;
    int sig;
    uint64_t restart = ts->restart_nr;
    ts->restart_nr = 0;
    while ((sig = take(ts, &info)) != 0) {
        const struct k_sigaction *a = &actions[sig];
        if (sig == SIGCHLD &&
            (info.code == LINUX_CLD_STOPPED || info.code == LINUX_CLD_CONTINUED) &&
            (a->flags & SA_NOCLDSTOP))
            continue; /* stop and continue of a child: not wanted */
        if (ignored(sig)) {
            continue;
        }
        if (a->handler == SIG_DFL) {
            enum dfl d = default_action(sig);
            if (d == D_STOP) {
                cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_STOP, 1, 0), (uint64_t)sig, 0, 0, 0);
                continue; /* continued */
            }
            /* D_CORE: no core file is written, so the status says none was (no
             * LINUX_WCOREFLAG, WCOREDUMP false), as on Linux with RLIMIT_CORE 0 */
            rt_exit_process(LINUX_W_EXITCODE(0, sig));
        }
        if (restart && (int64_t)r->rax == -EINTR && (a->flags & SA_RESTART)) {
            r->rax = restart - 1;
            r->rip -= 2; /* back to the syscall instruction */
        }
        restart = 0;
        push_frame(r, sig, &info);
        if (deliverable(ts))
            cx_thread_redirect(rt_self_slot()); /* the next one, on top of this frame */
        break;
    }
    if (restart && (int64_t)r->rax == -EINTR) { /* only ignored signals came: restart */
        r->rax = restart - 1;
        r->rip -= 2;
    }
    if (ts->restore_mask) { /* sigsuspend and the like, when no handler ran */
        ts->mask = ts->saved_mask;
        ts->restore_mask = false;
    }
    route();
}

/* A resumed vfork parent: what came for it meanwhile is delivered on the way out. */
void rt_signal_recheck(void)
{
    if (deliverable(rt_tsig_self()))
        cx_thread_redirect(rt_self_slot());
}

_Noreturn void rt_signal_redirect(void)
{
    struct cx_regs r __attribute__((aligned(16)));
    rt_lock();
    cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED | CX_CTX_NO_FPU, &r);
    deliver(&r);
    rt_unlock();
    cx_raw_lx_resume((uint64_t)&r, CX_RESUME_NO_FPU, 0, 0, 0, 0);
    rt_log("[runtime] cannot resume after a signal\n");
    rt_exit_process(LINUX_W_EXITCODE(0, SIGSEGV)); /* no core is written */
}

/* The call's end when it sent this thread a signal (kill of its own process): the
 * program's context with the result, then what is deliverable, as rt_signal_redirect
 * would after a redirect, but without one (a kernel call and an entry fewer). */
_Noreturn void rt_signal_deliver_now(long result)
{
    struct cx_regs r __attribute__((aligned(16)));
    cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED | CX_CTX_NO_FPU, &r);
    r.rax = (uint64_t)result;
    deliver(&r);
    rt_unlock(); /* taken by rt_syscall, which this call never returns to */
    cx_raw_lx_resume((uint64_t)&r, CX_RESUME_NO_FPU, 0, 0, 0, 0);
    rt_log("[runtime] cannot resume after a signal\n");
    rt_exit_process(LINUX_W_EXITCODE(0, SIGSEGV)); /* no core is written */
}

_Noreturn void rt_signal_fault(uint64_t vector, uint64_t error, uint64_t address)
{
    struct cx_regs r __attribute__((aligned(16)));
    rt_lock();
    cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED | CX_CTX_NO_FPU, &r);
    int sig = vector == CX_VEC_DE || vector == CX_VEC_MF || vector == CX_VEC_XM ? SIGFPE
              : vector == CX_VEC_UD                                             ? SIGILL
              : vector == CX_VEC_BP || vector == CX_VEC_DB                      ? SIGTRAP
              : vector == CX_VEC_AC                                             ? SIGBUS
              : vector == CX_VEC_PF && rt_addr_beyond_eof(address)
                  ? SIGBUS /* beyond a file's end */
                  : SIGSEGV;
    struct rt_tsig *ts = rt_tsig_self();
    const struct k_sigaction *a = &actions[sig];
    static const char *const names[] = {[SIGILL] = "SIGILL",
                                        [SIGTRAP] = "SIGTRAP",
                                        [SIGBUS] = "SIGBUS",
                                        [SIGFPE] = "SIGFPE",
                                        [SIGSEGV] = "SIGSEGV"};
    char where[160] = "";
    if (!rt_exe_symbol(r.rip, where + 4, sizeof(where) - 4)) {
        memcpy(where, " in ", 4);
        size_t n = strlen(where);
        cx_snprintf(where + n, sizeof(where) - n, " (%s)", rt_exe_path);
    }
    if (a->handler != SIG_DFL && a->handler != SIG_IGN && !(ts->mask & BIT(sig))) {
        static bool said; /* once: a program may use faults on purpose */
        if (!said)
            rt_log("[runtime] %s: %s (vector %lu) at address %#lx, rip %#lx%s: to its "
                   "handler\n",
                   rt_exe_path, names[sig], vector, address, r.rip, where);
        said = true;
        struct l_siginfo info;
        memset(&info, 0, sizeof(info));
        info.signo = sig;
        /* SIGBUS and SIGTRAP get 1: TRAP_BRKPT, but BUS_ADRALN where Linux says
         * LINUX_BUS_ADRERR for an access beyond a mapped file's end (kept as it was) */
        info.code = sig == SIGSEGV
                        ? ((error & CX_PF_PRESENT) ? LINUX_SEGV_ACCERR : LINUX_SEGV_MAPERR)
                    : sig == SIGFPE ? LINUX_FPE_INTDIV
                    : sig == SIGILL ? LINUX_ILL_ILLOPN
                                    : LINUX_BUS_ADRALN;
        info.u.addr = sig == SIGSEGV || sig == SIGBUS ? address : r.rip;
        push_frame(&r, sig, &info);
        rt_unlock();
        cx_raw_lx_resume((uint64_t)&r, CX_RESUME_NO_FPU, 0, 0, 0, 0);
    }
    /* no handler, or the signal blocked or ignored: the process dies, as on Linux */
    rt_log("[runtime] %s: killed by %s at address %#lx, rip %#lx%s\n", rt_exe_path, names[sig],
           address, r.rip, where);
    cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_FAULT_REPORT, 4, 0), (uint64_t)sig, address, r.rip,
                    vector);
    rt_exit_process(LINUX_W_EXITCODE(0, sig)); /* no core is written: no LINUX_WCOREFLAG */
}

long rt_sigreturn(void)
{
    struct cx_regs r __attribute__((aligned(16)));
    struct rt_tsig *ts = rt_tsig_self();
    cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED | CX_CTX_NO_FPU, &r);
    const struct l_frame *f = (const struct l_frame *)(r.rsp - 8);
    const struct l_sigcontext *mc = &f->uc.mc;
    r.r8 = mc->r8, r.r9 = mc->r9, r.r10 = mc->r10, r.r11 = mc->r11;
    r.r12 = mc->r12, r.r13 = mc->r13, r.r14 = mc->r14, r.r15 = mc->r15;
    r.rdi = mc->rdi, r.rsi = mc->rsi, r.rbp = mc->rbp, r.rbx = mc->rbx;
    r.rdx = mc->rdx, r.rax = mc->rax, r.rcx = mc->rcx, r.rsp = mc->rsp;
    r.rip = mc->rip, r.rflags = mc->eflags;
    if (mc->fpstate) { /* the program's, loaded now (nothing below touches it) */
        memcpy(r.fxsave, (const void *)mc->fpstate, 512);
        mxcsr_valid(r.fxsave);
        fpu_load(r.fxsave);
    }
    ts->mask = f->uc.sigmask & ~UNBLOCKABLE;
    /* the alternate stack the frame recorded comes back (Linux's restore_altstack; a
     * refusal, as on the stack itself, is silent) */
    altstack_set(ts, (uint64_t)f, f->uc.stack.sp, f->uc.stack.flags, f->uc.stack.size);
    if (deliverable(ts))
        cx_thread_redirect(rt_self_slot());
    rt_unlock(); /* taken by rt_syscall, which this call never returns to */
    cx_raw_lx_resume((uint64_t)&r, CX_RESUME_NO_FPU, 0, 0, 0, 0);
    rt_lock();
    return -EFAULT; /* the kernel refused the context */
}

/* SIGCHLD ignored explicitly, or SA_NOCLDWAIT: exited children leave no zombies. */
static bool nocldwait(void)
{
    return actions[SIGCHLD].handler == SIG_IGN || (actions[SIGCHLD].flags & SA_NOCLDWAIT);
}

bool rt_children_unreaped(void)
{
    return nocldwait();
}

long rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old, size_t size)
{
    if (size != 8 || sig < 1 || sig > NSIG)
        return -EINVAL;
    if (act && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    if (old)
        *old = actions[sig];
    if (act) {
        bool was = sig == SIGCHLD && nocldwait();
        actions[sig] = *act;
        actions[sig].mask &= ~UNBLOCKABLE;
        ign_known = false;
        if (sig == SIGCHLD && nocldwait() != was) { /* the launcher keeps the zombies, or not */
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_NOCLDWAIT, 1, 0), nocldwait(), 0, 0, 0);
            if (nocldwait())
                rt_children_forget(); /* they may go unreaped now (proc.c) */
        }
        if (ignored(sig)) { /* pending ones go (POSIX) */
            rt_tsig_self()->pending &= ~BIT(sig);
            __atomic_and_fetch(&sigpage->pending, ~BIT(sig), __ATOMIC_ACQ_REL);
            sigq_drop(BIT(sig));
        }
    }
    return 0;
}

long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old, size_t size)
{
    struct rt_tsig *ts = rt_tsig_self();
    if (size != 8)
        return -EINVAL;
    uint64_t prev = ts->mask;
    if (set) {
        uint64_t s = *set & ~UNBLOCKABLE;
        if (how == 0)
            ts->mask |= s;
        else if (how == 1)
            ts->mask &= ~s;
        else if (how == 2)
            ts->mask = s;
        else
            return -EINVAL;
    }
    if (old)
        *old = prev;
    if (deliverable(ts))
        cx_thread_redirect(rt_self_slot()); /* unblocked: delivered on the way out */
    return 0;
}

long rt_sigpending(uint64_t *set, size_t size)
{
    if (size != 8)
        return -EINVAL;
    struct rt_tsig *ts = rt_tsig_self();
    claim_thread_entries();
    /* a vfork child's process signals are its own (none yet): the signal page's are the
     * parent's, which a child does not inherit */
    *set = (ts->pending | (rt_in_vfork() ? 0 : process_pending())) & ts->mask;
    return 0;
}

/* Waits on this thread's notification until a signal is deliverable (or the timeout). */
static long wait_signal(uint64_t timeout)
{
    struct rt_tsig *ts = rt_tsig_self();
    uint64_t end = timeout == CX_TIMEOUT_NONE ? 0 : cx_clock_ns() + timeout;
    while (!deliverable(ts)) {
        uint64_t left = CX_TIMEOUT_NONE;
        if (end) {
            uint64_t now = cx_clock_ns();
            if (now >= end)
                return -EAGAIN;
            left = end - now;
        }
        uint64_t bits;
        rt_unlock();
        long err = cx_notif_wait(rt_thread_notif(), left, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED)
            cx_thread_config(rt_self_slot(), CX_TCFG_REDIRECT_CLEAR, 0);
    }
    return 0;
}

long rt_pause(void)
{
    wait_signal(CX_TIMEOUT_NONE);
    cx_thread_redirect(rt_self_slot());
    return -EINTR;
}

long rt_sigsuspend(const uint64_t *set, size_t size)
{
    if (size != 8)
        return -EINVAL;
    struct rt_tsig *ts = rt_tsig_self();
    ts->saved_mask = ts->mask;
    ts->restore_mask = true;
    ts->mask = *set & ~UNBLOCKABLE;
    wait_signal(CX_TIMEOUT_NONE);
    cx_thread_redirect(rt_self_slot());
    return -EINTR;
}

long rt_sigtimedwait(const uint64_t *set, void *uinfo, const struct linux_timespec *t, size_t size)
{
    if (size != 8)
        return -EINVAL;
    struct rt_tsig *ts = rt_tsig_self();
    uint64_t timeout = CX_TIMEOUT_NONE;
    if (t) {
        if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= 1000000000)
            return -EINVAL;
        timeout = (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
    }
    ts->waitset = *set & ~UNBLOCKABLE;
    long r = 0;
    for (;;) {
        claim_thread_entries();
        uint64_t pend = ts->pending | process_pending();
        if (pend & ts->waitset) {
            /* take the lowest of the set, as if only it were unblocked */
            uint64_t mask = ts->mask;
            ts->mask = ~(pend & ts->waitset & -(pend & ts->waitset));
            struct l_siginfo info;
            uint64_t ws = ts->waitset;
            ts->waitset = 0;
            r = take(ts, &info);
            ts->mask = mask;
            ts->waitset = ws;
            if (r) {
                if (uinfo)
                    memcpy(uinfo, &info, sizeof(info));
                break;
            }
            continue;
        }
        if (pend & ~ts->mask) { /* another signal came: it is delivered, the wait ends */
            cx_thread_redirect(rt_self_slot());
            r = -EINTR;
            break;
        }
        if (timeout == 0) {
            r = -EAGAIN;
            break;
        }
        r = wait_signal(timeout);
        if (r == -EAGAIN)
            break;
    }
    ts->waitset = 0;
    return r;
}

/* Whether sp lies on ts's alternate stack (Linux's on_sig_stack; with SS_AUTODISARM the
 * stack counts as left). */
static bool on_altstack(const struct rt_tsig *ts, uint64_t sp)
{
    return ts->ss_size && !(ts->ss_flags & LINUX_SS_AUTODISARM) && sp > ts->ss_sp &&
           sp - ts->ss_sp <= ts->ss_size;
}

/* Sets ts's alternate stack as sigaltstack and sigreturn do, for a thread whose stack
 * pointer is sp; 0 or -errno. */
static long altstack_set(struct rt_tsig *ts, uint64_t sp, uint64_t ss_sp, int flags, uint64_t size)
{
    if (on_altstack(ts, sp))
        return -EPERM; /* not while running on it */
    int mode = flags & ~LINUX_SS_AUTODISARM;
    if (mode != 0 && mode != LINUX_SS_ONSTACK && mode != LINUX_SS_DISABLE)
        return -EINVAL;
    if (mode == LINUX_SS_DISABLE) {
        ts->ss_sp = ts->ss_size = 0;
        ts->ss_flags = 0;
        return 0;
    }
    if (size < 2048) /* MINSIGSTKSZ */
        return -ENOMEM;
    ts->ss_sp = ss_sp, ts->ss_size = size;
    ts->ss_flags = flags; /* what the frame's uc_stack says, as on Linux */
    return 0;
}

long rt_sigaltstack(const void *uss, void *uold)
{
    struct rt_tsig *ts = rt_tsig_self();
    struct l_stack {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    };
    /* the caller's stack pointer says whether it runs on the alternate stack now */
    struct cx_regs r __attribute__((aligned(16)));
    if (cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED | CX_CTX_NO_FPU, &r))
        r.rsp = 0;
    struct l_stack o = {ts->ss_sp,
                        !ts->ss_size             ? LINUX_SS_DISABLE
                        : on_altstack(ts, r.rsp) ? LINUX_SS_ONSTACK
                                                 : 0,
                        0, ts->ss_size};
    o.flags |= ts->ss_flags & LINUX_SS_AUTODISARM;
    if (uss) {
        struct l_stack n;
        memcpy(&n, uss, sizeof(n));
        long err = altstack_set(ts, r.rsp, n.sp, n.flags, n.size);
        if (err)
            return err;
    }
    if (uold)
        memcpy(uold, &o, sizeof(o));
    return 0;
}

/* kill of this process by itself: what the launcher's send_signal does for a signal it
 * only passes on (the signal page, a redirect of the main thread), without asking it.
 * SIGKILL, SIGSTOP and SIGCONT, which the launcher acts on itself, and a vfork child
 * (whose signal page is its parent's) still go to the launcher. */
static bool kill_self(long sig)
{
    if (rt_in_vfork() || sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT)
        return false;
    if (sig == 0)
        return true; /* this process exists */
    int32_t me = (int32_t)rt_pid();
    if (sig < 32 || rt_sigq_push(sigpage, (int)sig, 0, me, (int32_t)rt_cred.uid.real, 0, 0)) {
        sigpage->info[sig - 1].code = LINUX_SI_USER;
        sigpage->info[sig - 1].pid = me;
        sigpage->info[sig - 1].uid = (int32_t)rt_cred.uid.real;
        sigpage->info[sig - 1].status = 0;
        __atomic_or_fetch(&sigpage->pending, BIT(sig), __ATOMIC_RELEASE);
    }
    struct rt_tsig *ts = rt_tsig_self();
    if (!(ts->mask & BIT(sig)))
        ts->deliver_now = true; /* this thread takes it on the way out */
    else
        cx_thread_redirect(rt->slot_thread); /* as the launcher does: route() finds a taker */
    return true;
}

long rt_kill(long pid, long sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (pid > 0 && (uint64_t)pid == rt_pid() && kill_self(sig))
        return 0;
    struct cx_ret r =
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_KILL, 2, 0), (uint64_t)pid, (uint64_t)sig, 0, 0);
    return r.err ? -ESRCH : (long)r.rdx;
}

/* A thread of another process: the launcher queues the signal in that process's page. */
static long to_other_thread(long tgid, long tid, long sig)
{
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_TGKILL, 3, 0), (uint64_t)tgid,
                                      (uint64_t)tid, (uint64_t)sig, 0);
    return r.err ? -ESRCH : (long)r.rdx;
}

long rt_tgkill(long tgid, long tid, long sig)
{
    if (sig < 0 || sig > NSIG || tid <= 0 || (tgid != -1 && tgid <= 0))
        return -EINVAL;
    if (rt_in_vfork() && (uint64_t)tid == rt_pid() && (tgid == -1 || tgid == tid)) {
        if (sig) { /* a vfork child's raise: its own thread */
            struct rt_tsig *me = rt_tsig_self();
            me->info[sig - 1].code = -6;
            me->info[sig - 1].pid = (int32_t)rt_pid();
            me->pending |= BIT(sig);
            cx_thread_redirect(rt_self_slot());
        }
        return 0;
    }
    if (tgid != -1 && (uint64_t)tgid != rt_pid())
        return to_other_thread(tgid, tid, sig);
    for (unsigned i = 0; i < rt_thread_top(); i++) {
        uint64_t slot, t_tid;
        struct rt_tsig *t = rt_tsig_at(i, &slot, &t_tid);
        if (!t || t_tid != (uint64_t)tid)
            continue;
        if (!sig)
            return 0;
        t->info[sig - 1].code = -6; /* SI_TKILL */
        t->info[sig - 1].pid = (int32_t)rt_pid();
        t->pending |= BIT(sig);
        cx_thread_redirect(slot);
        return 0;
    }
    return tgid == -1 ? to_other_thread(tgid, tid, sig) : -ESRCH;
}

long rt_sigqueueinfo(long pid, long sig, const void *uinfo)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    const struct l_siginfo *in = uinfo;
    if ((uint64_t)pid != rt_pid() || rt_in_vfork()) { /* the launcher queues it, with its info */
        uint64_t ids = (uint32_t)in->u.rt.pid | (uint64_t)in->u.rt.uid << 32;
        struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SIGQUEUE, 4, 0), (uint64_t)pid,
                                          (uint32_t)sig | (uint64_t)(uint32_t)in->code << 32,
                                          in->u.rt.value, ids);
        return r.err ? -ESRCH : (long)r.rdx;
    }
    if (!sig)
        return 0;
    if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT)
        return rt_kill(pid, sig); /* the launcher's own (SIGCONT continues, then queues) */
    if (rt_sigq_push(sigpage, (int)sig, in->code, in->u.rt.pid, (int32_t)in->u.rt.uid,
                     in->u.rt.value, 0))
        return -EAGAIN;
    cx_thread_redirect(rt->slot_thread);
    return 0;
}

/* RLIMIT_SIGPENDING: how many queued instances the signal page holds at once. */
void rt_sigq_set_limit(uint64_t n)
{
    sigpage->limit = n >= RT_SIGQ_LEN ? 0 : n ? (uint32_t)n : 1;
}

/* Thread i (tid, 0: gone) for the launcher, which checks tgkill's tid against them. */
void rt_signal_thread_id(unsigned i, uint64_t tid)
{
    if (i < 64)
        __atomic_store_n(&sigpage->tids[i], (int32_t)tid, __ATOMIC_RELEASE);
}

/* execve: handlers go back to the default action; ignored signals stay ignored, and the
 * mask and pending signals stay. */
void rt_signals_exec(void)
{
    bool was = nocldwait();
    for (int s = 1; s <= NSIG; s++)
        if (actions[s].handler != SIG_IGN)
            memset(&actions[s], 0, sizeof(actions[s]));
    ign_known = false;
    if (was != nocldwait())
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_NOCLDWAIT, 1, 0), nocldwait(), 0, 0, 0);
    if (nocldwait())
        rt_children_forget(); /* they may go unreaped (proc.c) */
    rt_tsig_self()->ss_sp = rt_tsig_self()->ss_size = 0;
}

/* A write found a pipe without readers: SIGPIPE to the calling thread (the call still
 * fails with EPIPE, which a handler or an ignored SIGPIPE lets the program see). */
void rt_raise_sigpipe(void)
{
    const int sig = SIGPIPE;
    struct rt_tsig *ts = rt_tsig_self();
    ts->info[sig - 1].code = LINUX_SI_KERNEL;
    ts->info[sig - 1].pid = 0;
    ts->pending |= BIT(sig);
    if (!(ts->mask & BIT(sig)))
        cx_thread_redirect(rt_self_slot());
}
