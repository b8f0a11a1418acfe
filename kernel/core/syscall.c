/*
 * System-call dispatch. The table is generated from CX_SYSCALLS (kernel/abi). Each
 * handler decodes and checks every argument before it changes anything, and returns
 * an error code for rax, or SYS_BLOCKED when the thread now waits (its rax is set by
 * whoever wakes it) or when the call is restarted (sys_restart: a call whose work is
 * linear in what the caller made does a bounded part of it, then returns to user mode
 * at the same `syscall`). Extra results are written into the caller's frame.
 *
 * A call that left destroys or frees on the kernel's work list (object.c) does not
 * return until the list is empty: its thread becomes a finisher, goes back to user
 * mode at its `syscall` instruction and drains a batch each time it comes back, its
 * result kept aside (so interrupts come in and it can be preempted between batches).
 * Anyone else who looks at or moves such a thread first completes its call
 * (syscall_finish_now); the work is then taken by the next call that ends while no
 * thread finishes, or by the idle loop.
 *
 * In a POSIX domain a `syscall` outside the runtime's code is a Linux call and is
 * reflected to the runtime entry instead of being decoded here.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"

#define SYS_BLOCKED 1

#define A0 (f->rdi)
#define A1 (f->rsi)
#define A2 (f->rdx)
#define A3 (f->r10)
#define A4 (f->r8)
#define A5 (f->r9)
#define GET(var, slot, type, rights)                                                               \
    struct cap *var = cap_get(t->pd, (slot), (type), (rights), &err);                              \
    if (!var)                                                                                      \
        return err;
#define OBJ(cap, ctype) ((struct ctype *)(cap)->obj)

typedef long (*handler_fn)(struct thread *t, struct frame *f);

static long sys_cap_copy(struct thread *t, struct frame *f)
{
    int err;
    GET(src, A0, CX_T_NONE, 0);
    GET(pdc, A1, CX_T_PD, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(OBJ(pdc, pd), A2, &err);
    if (!dst)
        return err;
    return cap_derive(src, dst, (uint8_t)A3, A4);
}

static long sys_cap_move(struct thread *t, struct frame *f)
{
    int err;
    GET(src, A0, CX_T_NONE, 0);
    GET(pdc, A1, CX_T_PD, CX_R_WRITE);
    /* A domain's original stays in the capability space it was made in: moved into its
     * own space (or into one inside it) nothing could ever delete it, and the domain
     * with all it holds would stay charged to its quota for good. */
    if ((src->flags & CX_CAPF_ORIGINAL) && src->obj->type == CX_T_PD && OBJ(pdc, pd) != t->pd)
        return CX_E_INVALID_ARG;
    struct cap *dst = cap_empty_slot(OBJ(pdc, pd), A2, &err);
    if (!dst)
        return err;
    if (dst == src)
        return 0;
    cap_move_slot(src, dst);
    return 0;
}

/* The call is not done: the thread returns to user mode at its `syscall` instruction
 * with its registers as they were (rax still the call number), so interrupts come in
 * and the scheduler may preempt it before the call goes on where it stopped. */
static long sys_restart(struct frame *f)
{
    f->rip -= 2;
    return SYS_BLOCKED;
}

/* cap_delete(slot, pd): pd 0 is the caller's own space; else a PD capability with WRITE
 * (its creator, such as a launcher, takes a capability back from it). An original's
 * copies are revoked CAP_REVOKE_BATCH at a time (restarted). */
static long sys_cap_delete(struct thread *t, struct frame *f)
{
    int err;
    struct pd *space = t->pd;
    if (A1) {
        GET(pdc, A1, CX_T_PD, CX_R_WRITE);
        space = OBJ(pdc, pd);
    }
    struct cap *c = cap_lookup(space, A0, &err);
    if (!c)
        return err;
    if (!c->obj)
        return CX_E_EMPTY_SLOT;
    if ((c->flags & CX_CAPF_ORIGINAL) && !cap_revoke_some(c, CAP_REVOKE_BATCH))
        return sys_restart(f);
    cap_delete_slot(c);
    return 0;
}

static long sys_cap_revoke(struct thread *t, struct frame *f)
{
    int err;
    struct cap *c = cap_lookup(t->pd, A0, &err);
    if (!c)
        return err;
    if (!c->obj)
        return CX_E_EMPTY_SLOT;
    return cap_revoke_some(c, CAP_REVOKE_BATCH) ? 0 : sys_restart(f);
}

static long sys_cap_info(struct thread *t, struct frame *f)
{
    int err;
    struct cap *c = cap_lookup(t->pd, A0, &err);
    if (!c)
        return err;
    if (!c->obj)
        return CX_E_EMPTY_SLOT;
    f->rsi = c->obj->dead ? CX_T_NONE : c->obj->type;
    f->rdi = c->rights;
    f->rdx = c->badge;
    f->r10 = (c->flags & CX_CAPF_ORIGINAL) | (cap_has_children(c) ? CX_CAPF_CHILDREN : 0);
    /* a memory object: in how many places it is mapped (a server that lends pages knows
     * whether a fork child still maps them after every capability to them went) */
    f->r8 = c->obj->type == CX_T_MEM && !c->obj->dead ? OBJ(c, mem)->nmappings : 0;
    return 0;
}

static long sys_cap_watch(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_NONE, 0);
    GET(nc, A1, CX_T_NOTIF, CX_R_WRITE);
    if (c->watch)
        kobj_put(&c->watch->obj);
    c->watch = OBJ(nc, notif);
    c->watch_bits = A2;
    kobj_get(&c->watch->obj);
    if (!cap_has_children(c)) {
        struct notif *n = c->watch;
        c->watch = NULL;
        notif_signal_bits(n, A2);
        kobj_put(&n->obj);
    }
    return 0;
}

static long sys_quota_create(struct thread *t, struct frame *f)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A2, &err);
    if (!dst)
        return err;
    struct quota *parent = OBJ(qc, quota);
    if (A1 == 0)
        return CX_E_INVALID_ARG;
    err = quota_charge(parent, A1);
    if (err)
        return err;
    struct quota *q = kobj_alloc(parent, CX_T_QUOTA, sizeof(*q), &err);
    if (!q) {
        quota_uncharge(parent, A1);
        return err;
    }
    q->limit = A1;
    q->parent = parent;
    q->group = parent->parent ? parent->group : q; /* a split of the root starts a group */
    kobj_get(&parent->obj);
    cap_install_original(dst, &q->obj, CX_R_ALL);
    return 0;
}

static long sys_quota_info(struct thread *t, struct frame *f)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_READ);
    f->rsi = OBJ(qc, quota)->limit;
    f->rdi = OBJ(qc, quota)->used;
    f->rdx = pmem_free_count(); /* frames the machine has free (tests of leaks) */
    return 0;
}

static long sys_pd_create(struct thread *t, struct frame *f)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A1, &err);
    if (!dst)
        return err;
    if (A2 > CSPACE_MAX_SLOTS)
        return CX_E_INVALID_ARG; /* checked before the cast: 2^32 + 16 is no 16 */
    struct pd *pd = pd_create_kernel(OBJ(qc, quota), (uint32_t)A2, &err);
    if (!pd)
        return err;
    cap_install_original(dst, &pd->obj, CX_R_ALL);
    return 0;
}

static long sys_pd_set_runtime(struct thread *t, struct frame *f)
{
    int err;
    GET(pc, A0, CX_T_PD, CX_R_WRITE);
    uint64_t entry = A1, lo = A2, hi = A3, sysentry = A4, sysret = A5;
    if (!is_canonical(entry) || entry >= CX_USER_TOP || lo >= hi || hi > CX_USER_TOP ||
        entry < lo || entry >= hi)
        return CX_E_INVALID_ARG;
    /* the direct entry and return sequence: both in the code, or neither */
    if ((sysentry || sysret) &&
        (sysentry < lo || sysentry >= hi || !range_within(sysret, CX_RT_SYSRET_LEN, lo, hi)))
        return CX_E_INVALID_ARG;
    if (!sysentry != !sysret)
        return CX_E_INVALID_ARG;
    struct pd *pd = OBJ(pc, pd);
    pd->posix = true;
    pd->rt_entry = entry;
    pd->rt_lo = lo;
    pd->rt_hi = hi;
    pd->rt_sysentry = sysentry;
    pd->rt_sysret = sysret;
    return 0;
}

static long sys_pd_copy_as(struct thread *t, struct frame *f)
{
    int err;
    GET(sc, A0, CX_T_PD, CX_R_READ);
    GET(dc, A1, CX_T_PD, CX_R_WRITE);
    if (sc->obj == dc->obj || (A3 && A3 <= A2) || (A4 & ~(uint64_t)CX_COPY_HOT))
        return CX_E_INVALID_ARG;
    err = pd_copy_as(OBJ(sc, pd), OBJ(dc, pd), A2, A3 ? A3 : ~0ul, A4 & CX_COPY_HOT);
    return err == CX_E_RESTART ? sys_restart(f) : err;
}

static long sys_pd_control(struct thread *t, struct frame *f)
{
    int err;
    GET(pc, A0, CX_T_PD, CX_R_WRITE);
    if (A1 != CX_PD_STOP && A1 != CX_PD_RESUME)
        return CX_E_INVALID_ARG;
    pd_stop(OBJ(pc, pd), A1 == CX_PD_STOP);
    return 0;
}

static long sys_mem_create(struct thread *t, struct frame *f)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A2, &err);
    if (!dst)
        return err;
    struct mem *m = mem_create_kernel(OBJ(qc, quota), A1, &err);
    if (!m)
        return err;
    cap_install_original(dst, &m->obj, CX_R_READ | CX_R_WRITE | CX_R_EXEC | CX_R_GRANT);
    return 0;
}

static long sys_map(struct thread *t, struct frame *f)
{
    int err;
    GET(pc, A0, CX_T_PD, CX_R_WRITE);
    GET(mc, A1, CX_T_MEM, CX_R_READ);
    if (A5 & ~(uint64_t)(CX_MAP_R | CX_MAP_W | CX_MAP_X | CX_MAP_SHARE | CX_MAP_DROP))
        return CX_E_INVALID_ARG;
    uint8_t max = CX_MAP_R | (mc->rights & CX_R_WRITE ? CX_MAP_W : 0) |
                  (mc->rights & CX_R_EXEC ? CX_MAP_X : 0);
    return pd_map(OBJ(pc, pd), OBJ(mc, mem), A2, A3, A4, (uint8_t)A5, max);
}

static long sys_unmap(struct thread *t, struct frame *f)
{
    int err;
    GET(pc, A0, CX_T_PD, CX_R_WRITE);
    return pd_unmap(OBJ(pc, pd), A1, A2);
}

static long sys_protect(struct thread *t, struct frame *f)
{
    int err;
    GET(pc, A0, CX_T_PD, CX_R_WRITE);
    if (A3 & ~(uint64_t)(CX_MAP_R | CX_MAP_W | CX_MAP_X))
        return CX_E_INVALID_ARG;
    return pd_protect(OBJ(pc, pd), A1, A2, (uint8_t)A3);
}

static long sys_thread_create(struct thread *t, struct frame *f)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_WRITE);
    GET(pc, A1, CX_T_PD, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A2, &err);
    if (!dst)
        return err;
    struct cap *ep = NULL;
    if (A3) {
        ep = cap_get(t->pd, A3, CX_T_EP, CX_R_WRITE, &err);
        if (!ep)
            return err;
    }
    if (A4 > t->prio)
        return CX_E_INVALID_ARG; /* no thread above its creator's priority */
    struct thread *n = thread_create_kernel(OBJ(qc, quota), OBJ(pc, pd), (uint8_t)A4, &err);
    if (!n)
        return err;
    if (ep) {
        n->fault_ep = OBJ(ep, ep);
        n->fault_badge = ep->badge;
        kobj_get(ep->obj);
    }
    cap_install_original(dst, &n->obj, CX_R_ALL);
    return 0;
}

static long sys_thread_resume(struct thread *t, struct frame *f)
{
    int err;
    GET(tc, A0, CX_T_THREAD, CX_R_WRITE);
    struct thread *x = OBJ(tc, thread);
    if (x->state == TS_DEAD)
        return CX_E_DEAD;
    x->suspended = false;
    if (x->state == TS_INACTIVE && !x->faulting)
        thread_set_ready(x);
    return 0;
}

static long sys_thread_suspend(struct thread *t, struct frame *f)
{
    int err;
    GET(tc, A0, CX_T_THREAD, CX_R_WRITE);
    struct thread *x = OBJ(tc, thread);
    if (x->state == TS_DEAD)
        return CX_E_DEAD;
    syscall_finish_now(x);
    x->suspended = true;
    if (x->state == TS_READY) {
        sched_dequeue(x);
        x->state = TS_INACTIVE;
    }
    return 0;
}

static long sys_thread_regs(struct thread *t, struct frame *f)
{
    int err;
    GET(tc, A0, CX_T_THREAD, A1 == CX_REGS_SET ? CX_R_WRITE : CX_R_READ);
    struct thread *x = OBJ(tc, thread);
    uint64_t op = A1, which = A2 & ~(uint64_t)CX_CTX_NO_FPU, uptr = A3;
    bool fpu = !(A2 & CX_CTX_NO_FPU);
    size_t len = fpu ? sizeof(struct cx_regs) : CX_REGS_GPR_BYTES;
    static struct cx_regs r; /* one CPU, kernel not preemptible */
    if (op > CX_REGS_SET || which > CX_CTX_SAVED)
        return CX_E_INVALID_ARG;
    if (x->state == TS_DEAD)
        return CX_E_DEAD;
    syscall_finish_now(x); /* its registers as its call leaves them */
    if (which == CX_CTX_SAVED && !thread_in_runtime(x))
        return CX_E_NOT_POSIX;
    struct frame *xf = which == CX_CTX_SAVED ? &x->lx_saved : &x->frame;
    if (op == CX_REGS_GET) { /* every byte of r is written */
        frame_to_regs(xf, &r);
        r.fs_base = x->fs_base;
        r.gs_base = x->gs_base;
        if (fpu) {
            fpu_sync(x);
            memcpy(r.fxsave, x->fx, sizeof(r.fxsave));
        }
        return uaccess_copy_out(t->pd, uptr, &r, len);
    }
    /* Setting the current context only of a thread that is not in a call. */
    if (which == CX_CTX_CURRENT && x != t && x->state != TS_INACTIVE &&
        !(x->state == TS_BLOCKED && x->faulting && x->wait == W_REPLY))
        return CX_E_BUSY;
    if (which == CX_CTX_CURRENT && x == t)
        return CX_E_BUSY;
    err = uaccess_copy_in(t->pd, &r, uptr, len);
    if (err)
        return err;
    err = regs_validate(&r);
    if (err)
        return err;
    frame_from_regs(xf, &r);
    x->fs_base = r.fs_base;
    x->gs_base = r.gs_base;
    if (fpu) {
        fpu_sync(x);
        memcpy(x->fx, r.fxsave, sizeof(x->fx));
        fx_sanitize(x->fx);
    }
    return 0;
}

static long sys_thread_config(struct thread *t, struct frame *f)
{
    int err;
    GET(tc, A0, CX_T_THREAD, CX_R_WRITE);
    struct thread *x = OBJ(tc, thread);
    uint64_t v = A2;
    switch (A1) {
    case CX_TCFG_PRIORITY:
        if (v > 255 || v > t->prio)
            return CX_E_INVALID_ARG;
        if (x->state == TS_READY) {
            sched_dequeue(x);
            x->prio = (uint8_t)v;
            sched_enqueue(x);
        } else {
            x->prio = (uint8_t)v;
        }
        return 0;
    case CX_TCFG_IPCBUF:
        if (v && (v >= CX_USER_TOP || (v & 7) ||
                  (v & (PAGE_SIZE - 1)) + sizeof(struct cx_ipcbuf) > PAGE_SIZE))
            return CX_E_INVALID_ARG;
        x->ipcbuf = v;
        return 0;
    case CX_TCFG_RT_STACK:
        if (v >= CX_USER_TOP)
            return CX_E_INVALID_ARG;
        x->rt_stack = v;
        return 0;
    case CX_TCFG_CALL_TIMEOUT:
        x->call_timeout = v; /* any value: deadline_after saturates */
        return 0;
    case CX_TCFG_REDIRECT_CLEAR:
        x->redirect_pending = false; /* the runtime looked, and nothing is for it */
        return 0;
    case CX_TCFG_CPU_TIME: {
        struct cpu *c = this_cpu();
        if (c->acct == x)
            acct_flush(c);
        f->rsi = tsc_to_ns(x->cpu_tsc);
        f->rdi = tsc_to_ns(thread_sys_tsc(x));
        return 0;
    }
    case CX_TCFG_FS_BASE:
        if (!is_canonical(v))
            return CX_E_INVALID_ARG;
        x->fs_base = v;
        if (x == t) {
            wrmsr(MSR_FS_BASE, v);
            this_cpu()->fs_loaded = v;
        }
        return 0;
    default:
        return CX_E_INVALID_ARG;
    }
}

static long sys_thread_redirect(struct thread *t, struct frame *f)
{
    int err;
    GET(tc, A0, CX_T_THREAD, CX_R_WRITE);
    struct thread *x = OBJ(tc, thread);
    if (x->state == TS_DEAD)
        return CX_E_DEAD;
    if (!x->pd->posix || !x->rt_stack)
        return CX_E_NOT_POSIX;
    syscall_finish_now(x);
    if (thread_in_runtime(x)) {
        x->redirect_pending = true;
        /* stopped (not running: one CPU) in its return sequence, perhaps past the
         * look for signals: it looks again */
        uint64_t ret = x->pd->rt_sysret;
        if (ret && x != t && x->frame.rip - ret < CX_RT_SYSRET_LEN)
            x->frame.rip = ret;
        /* a notification wait breaks; a call finishes (its server has it, or will) */
        if (x->state == TS_BLOCKED && (x->wait == W_NOTIF || x->wait == W_FUTEX))
            thread_abort_wait(x, CX_E_INTERRUPTED);
        return 0;
    }
    if (x->state == TS_BLOCKED)
        return CX_E_BUSY; /* stopped in a fault, waiting for its handler */
    posix_reflect(x, CX_RT_REDIRECT, 0, 0, 0);
    return 0;
}

/* Makes an object that needs nothing but its memory (endpoint, notification). */
static long create_plain(struct thread *t, struct frame *f, uint8_t type, size_t size)
{
    int err;
    GET(qc, A0, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A1, &err);
    if (!dst)
        return err;
    struct kobj *o = kobj_alloc(OBJ(qc, quota), type, size, &err);
    if (!o)
        return err;
    cap_install_original(dst, o, CX_R_ALL);
    return 0;
}

static long sys_ep_create(struct thread *t, struct frame *f)
{
    return create_plain(t, f, CX_T_EP, sizeof(struct ep));
}

static long sys_ipc_call(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_EP, CX_R_WRITE);
    return ipc_do_call(t, c);
}

static long sys_ipc_recv(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_EP, CX_R_READ);
    return ipc_do_recv(t, c, A1, false, 0);
}

static long sys_ipc_reply_recv(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_EP, CX_R_READ);
    return ipc_do_recv(t, c, CX_TIMEOUT_NONE, true, A1);
}

static long sys_notif_create(struct thread *t, struct frame *f)
{
    return create_plain(t, f, CX_T_NOTIF, sizeof(struct notif));
}

static long sys_notif_signal(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_NOTIF, CX_R_WRITE);
    notif_signal_bits(OBJ(c, notif), A1 | c->badge);
    return 0;
}

static long sys_notif_wait(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_NOTIF, CX_R_READ);
    /* a runtime with a redirect waiting does not block: it has a signal to look at */
    if (t->in_runtime && t->redirect_pending && A1 != 0)
        return CX_E_INTERRUPTED;
    return notif_do_wait(t, OBJ(c, notif), A1);
}

/* The futex word named by (capability, offset): a MEM capability with READ and a byte
 * offset in the object, or a PD capability with READ and an address in that domain
 * (the mapping there gives the object and offset). 4-aligned, inside the object. */
static long futex_key(struct thread *t, uint64_t slot, uint64_t where, struct mem **m,
                      uint64_t *off)
{
    int err;
    GET(c, slot, CX_T_NONE, CX_R_READ);
    if (c->obj->type == CX_T_MEM) {
        *m = OBJ(c, mem);
        *off = where;
    } else if (c->obj->type == CX_T_PD) {
        if (where & 3)
            return CX_E_INVALID_ARG;
        err = pd_resolve(OBJ(c, pd), where, m, off);
        if (err)
            return err;
    } else {
        return CX_E_WRONG_TYPE;
    }
    if ((*off & 3) || !range_within(*off, 4, 0, (*m)->pages * PAGE_SIZE) || (*m)->device)
        return CX_E_INVALID_ARG;
    if ((*m)->obj.dead)
        return CX_E_DEAD;
    return 0;
}

static long sys_futex_wait(struct thread *t, struct frame *f)
{
    struct mem *m;
    uint64_t off;
    long err = futex_key(t, A0, A1, &m, &off);
    if (err)
        return err;
    if (A2 > UINT32_MAX)
        return CX_E_INVALID_ARG;
    /* as notif_wait: a runtime with a redirect waiting does not block */
    if (t->in_runtime && t->redirect_pending && A3 != 0)
        return CX_E_INTERRUPTED;
    return futex_do_wait(t, m, off, (uint32_t)A2, A3);
}

static long sys_futex_wake(struct thread *t, struct frame *f)
{
    struct mem *m;
    uint64_t off;
    long err = futex_key(t, A0, A1, &m, &off);
    if (err)
        return err;
    f->rsi = futex_do_wake(m, off, A2);
    return 0;
}

static long sys_irq_create(struct thread *t, struct frame *f)
{
    int err;
    GET(ic, A0, CX_T_IRQ_CONTROL, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A3, &err);
    if (!dst)
        return err;
    return irq_do_create(OBJ(qc, quota), A2 & 0xff, A2 & ~0xfful, dst);
}

static long sys_irq_bind(struct thread *t, struct frame *f)
{
    int err;
    GET(ic, A0, CX_T_IRQ, CX_R_WRITE);
    GET(nc, A1, CX_T_NOTIF, CX_R_WRITE);
    return irq_do_bind(OBJ(ic, irq), OBJ(nc, notif), A2);
}

static long sys_irq_ack(struct thread *t, struct frame *f)
{
    int err;
    GET(ic, A0, CX_T_IRQ, CX_R_WRITE);
    return irq_do_ack(OBJ(ic, irq));
}

static long sys_io_create(struct thread *t, struct frame *f)
{
    int err;
    GET(ioc, A0, CX_T_IO, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A4, &err);
    if (!dst)
        return err;
    struct io *src = OBJ(ioc, io);
    if (A3 == 0 || !range_within(A2, A3, src->base, (uint64_t)src->base + src->count))
        return CX_E_INVALID_ARG;
    struct io *io = kobj_alloc(OBJ(qc, quota), CX_T_IO, sizeof(*io), &err);
    if (!io)
        return err;
    io->base = (uint32_t)A2;
    io->count = (uint32_t)A3;
    cap_install_original(dst, &io->obj, CX_R_ALL);
    return 0;
}

static long sys_dev_create(struct thread *t, struct frame *f)
{
    int err;
    GET(dc, A0, CX_T_DEVICE, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A4, &err);
    if (!dst)
        return err;
    struct device *src = OBJ(dc, device);
    if ((A2 | A3) & (PAGE_SIZE - 1) || !range_within(A2, A3, src->base, src->base + src->size))
        return CX_E_INVALID_ARG;
    struct device *d = kobj_alloc(OBJ(qc, quota), CX_T_DEVICE, sizeof(*d), &err);
    if (!d)
        return err;
    d->base = A2;
    d->size = A3;
    cap_install_original(dst, &d->obj, CX_R_ALL);
    return 0;
}

static long sys_dev_mem(struct thread *t, struct frame *f)
{
    int err;
    GET(dc, A0, CX_T_DEVICE, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A4, &err);
    if (!dst)
        return err;
    struct device *d = OBJ(dc, device);
    if ((A2 & (PAGE_SIZE - 1)) || A3 == 0 || A3 > (UINT64_MAX >> 12) ||
        !range_within(A2, A3 * PAGE_SIZE, d->base, d->base + d->size) ||
        !phys_is_device(A2, A3 * PAGE_SIZE))
        return CX_E_INVALID_ARG;
    struct mem *m = mem_create_device(OBJ(qc, quota), A2, A3, &err);
    if (!m)
        return err;
    cap_install_original(dst, &m->obj, CX_R_READ | CX_R_WRITE | CX_R_GRANT);
    return 0;
}

/* At most 2 MiB of contiguous RAM per object: a virtqueue or a buffer, not a hoard. */
#define DMA_MAX_PAGES 512

static long sys_dma_create(struct thread *t, struct frame *f)
{
    int err;
    GET(dc, A0, CX_T_DEVICE, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A3, &err);
    if (!dst)
        return err;
    if (A2 == 0 || A2 > DMA_MAX_PAGES)
        return CX_E_INVALID_ARG;
    uint64_t pa;
    struct mem *m = mem_create_dma(OBJ(qc, quota), A2, &pa, &err);
    if (!m)
        return err;
    cap_install_original(dst, &m->obj, CX_R_READ | CX_R_WRITE | CX_R_GRANT);
    f->rsi = pa;
    return 0;
}

/* Which pages of a range have their frames (mincore): bounded by CX_RESIDENT_MAX. */
static long sys_pd_resident(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_PD, CX_R_READ);
    uint64_t va = A1, pages = A2, vec = A3;
    if ((va & (PAGE_SIZE - 1)) || pages == 0 || pages > CX_RESIDENT_MAX ||
        !range_within(va, pages * PAGE_SIZE, 0, CX_USER_TOP))
        return CX_E_INVALID_ARG;
    uint8_t out[CX_RESIDENT_MAX];
    err = pd_resident(OBJ(c, pd), va, pages, out);
    if (err)
        return err;
    return uaccess_copy_out(t->pd, vec, out, pages) ? CX_E_BAD_ADDRESS : 0;
}

static long sys_io_in(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_IO, CX_R_READ);
    uint64_t v = 0;
    err = (int)io_access(OBJ(c, io), A1, A2, false, &v);
    if (!err)
        f->rsi = v;
    return err;
}

static long sys_io_out(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_IO, CX_R_WRITE);
    uint64_t v = A3;
    return io_access(OBJ(c, io), A1, A2, true, &v);
}

static long sys_log_create(struct thread *t, struct frame *f)
{
    int err;
    GET(lc, A0, CX_T_LOG, CX_R_WRITE);
    GET(qc, A1, CX_T_QUOTA, CX_R_WRITE);
    struct cap *dst = cap_empty_slot(t->pd, A3, &err);
    if (!dst)
        return err;
    char label[32];
    memset(label, 0, sizeof(label));
    for (size_t i = 0; i < sizeof(label) - 1; i++) {
        err = uaccess_copy_in(t->pd, &label[i], A2 + i, 1);
        if (err)
            return err;
        if (!label[i])
            break;
        if (label[i] < 0x20 || label[i] > 0x7e)
            return CX_E_INVALID_ARG;
    }
    struct log *l = kobj_alloc(OBJ(qc, quota), CX_T_LOG, sizeof(*l), &err);
    if (!l)
        return err;
    memcpy(l->label, label, sizeof(label));
    cap_install_original(dst, &l->obj, CX_R_ALL);
    return 0;
}

static long sys_log_write(struct thread *t, struct frame *f)
{
    int err;
    GET(c, A0, CX_T_LOG, CX_R_WRITE);
    char buf[256];
    uint64_t p = A1, n = A2;
    if (n > (1u << 20))
        return CX_E_INVALID_ARG;
    while (n) {
        size_t chunk = n < sizeof(buf) ? n : sizeof(buf);
        err = uaccess_copy_in(t->pd, buf, p, chunk);
        if (err)
            return err;
        log_put(OBJ(c, log), buf, chunk);
        p += chunk;
        n -= chunk;
    }
    return 0;
}

/* Leave the runtime: to the program, or back into the runtime if a redirect waits. */
static void lx_leave(struct thread *t)
{
    if (t->redirect_pending) {
        t->redirect_pending = false;
        t->in_runtime = false;
        struct frame saved = t->lx_saved;
        t->frame = saved;
        posix_reflect(t, CX_RT_REDIRECT, 0, 0, 0);
        return;
    }
    t->frame = t->lx_saved;
    t->in_runtime = false;
}

static long sys_lx_return(struct thread *t, struct frame *f)
{
    /* With the direct return, the runtime ends a call with lx_return only from its
     * return sequence: a thread whose runtime went back to the program by itself still
     * counts as in the runtime until the kernel sees program code, so a call from
     * elsewhere (a program that jumped into the runtime's code) is refused */
    uint64_t ret = t->pd->rt_sysret;
    if (!t->in_runtime || (ret && f->rip - 2 - ret >= CX_RT_SYSRET_LEN))
        return CX_E_NOT_POSIX;
    t->lx_saved.rax = A0;
    lx_leave(t);
    return SYS_BLOCKED; /* rax already set from lx_saved */
}

static long sys_lx_resume(struct thread *t, struct frame *f)
{
    static struct cx_regs r;
    bool fpu = !(A1 & CX_RESUME_NO_FPU);
    if (!t->in_runtime)
        return CX_E_NOT_POSIX;
    if (A1 & ~(uint64_t)CX_RESUME_NO_FPU)
        return CX_E_INVALID_ARG;
    int err = uaccess_copy_in(t->pd, &r, A0, fpu ? sizeof(r) : CX_REGS_GPR_BYTES);
    if (err)
        return err;
    err = regs_validate(&r);
    if (err)
        return err;
    frame_from_regs(&t->lx_saved, &r);
    if (t->fs_base != r.fs_base || t->gs_base != r.gs_base) {
        t->fs_base = r.fs_base;
        t->gs_base = r.gs_base;
        this_cpu()->fs_loaded = ~0ul; /* reload FS/GS on the way out */
    }
    if (fpu) {
        fpu_sync(t);
        memcpy(t->fx, r.fxsave, sizeof(t->fx));
        fx_sanitize(t->fx);
    }
    lx_leave(t);
    return SYS_BLOCKED;
}

static long sys_yield(struct thread *t, struct frame *f)
{
    if (t->state == TS_READY)
        sched_yield(t);
    return 0;
}

static long sys_clock(struct thread *t, struct frame *f)
{
    f->rsi = tsc_to_ns(rdtsc());
    f->rdi = tsc_hz;
    return 0;
}

static const handler_fn handlers[CX_SYS_COUNT] = {
#define CX_SYSCALL_HANDLER(n, name, argc) [n] = sys_##name,
    CX_SYSCALLS(CX_SYSCALL_HANDLER)
#undef CX_SYSCALL_HANDLER
};

static unsigned finishers; /* threads whose call waits for the work list */

void syscall_finish_complete(struct thread *x)
{
    x->finishing = false;
    finishers--;
    x->frame.rip += 2; /* past its `syscall` */
    x->frame.rax = (uint64_t)x->finish_rax;
}

/* Back at the call that left work: drain a batch; the call returns when none is left. */
static void finish_some(struct thread *t, struct frame *f)
{
    bool done = kobj_work(KOBJ_WORK_BATCH);
    if (!t->finishing)
        return; /* the work killed it (thread_kill ended the wait) */
    if (!done) {
        f->rip -= 2;
        return;
    }
    t->finishing = false;
    finishers--;
    f->rax = (uint64_t)t->finish_rax;
}

/*
 * A POSIX program's Linux call, taken by its runtime's direct entry (not the runtime's own
 * kernel call, nor a call that finishes work): reflected here, and the thread goes
 * straight back to user mode without sched_return. Sound because nothing sched_return
 * would do applies: the call wakes nobody and the kernel is not preempted, so the thread
 * is still the one picked; its address space, FPU, FS base and accounting stay; the new
 * context is the runtime's entry (inside [rt_lo, rt_hi), checked canonical when set),
 * user selectors and IF, and the FS and GS bases were checked when the thread last
 * entered user mode (user mode cannot change them: CR4.FSGSBASE is off).
 */
bool syscall_reflect_now(struct thread *t)
{
    struct frame *f = &t->frame;
    struct pd *pd = t->pd;
    if (!pd->posix || t->finishing || !t->rt_stack || !pd->rt_sysentry ||
        (f->rip - 2 >= pd->rt_lo && f->rip - 2 < pd->rt_hi))
        return false;
    thread_in_runtime(t); /* the call is the program's: the runtime has left it */
    posix_reflect(t, CX_RT_SYSCALL, 0, 0, 0);
    return true;
}

void syscall_dispatch(struct thread *t)
{
    struct frame *f = &t->frame;
    struct pd *pd = t->pd;
    if (__builtin_expect(t->finishing, 0)) {
        finish_some(t, f);
        return;
    }
    if (pd->posix && !(f->rip - 2 >= pd->rt_lo && f->rip - 2 < pd->rt_hi)) {
        if (!t->rt_stack) {
            f->rax = (uint64_t)-CX_LINUX_ENOSYS; /* no runtime to take the call */
            return;
        }
        thread_in_runtime(t); /* the call is the program's: the runtime has left it */
        posix_reflect(t, CX_RT_SYSCALL, 0, 0, 0);
        return;
    }
    uint64_t nr = f->rax, pushes = kobj_work_pushes();
    long r = nr < CX_SYS_COUNT ? handlers[nr](t, f) : CX_E_INVALID_CALL;
    if (r == SYS_BLOCKED)
        return;
    f->rax = (uint64_t)r;
    /* work this call left, or that nobody finishes: this thread finishes it */
    if (kobj_work_pending() && t->state == TS_READY &&
        (kobj_work_pushes() != pushes || !finishers)) {
        t->finishing = true;
        t->finish_rax = r;
        finishers++;
        f->rip -= 2;
    }
}
