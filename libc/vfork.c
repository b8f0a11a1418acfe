/*
 * Process contexts and vfork (docs/runtime.md, "vfork").
 *
 * A process context is what belongs to a process rather than to the address space the
 * runtime runs in: its pid and launcher endpoint (badged with the pid), its descriptor
 * table, working directory, umask and signal dispositions. The runtime holds one
 * context's state live (in the VFS and in signal.c): `cur`. Each runtime thread has a
 * current process (thread_proc, NULL: the process's own context, main_proc); rt_lock
 * installs the calling thread's context when another one is live, so a call always acts
 * on its own thread's process.
 *
 * vfork and clone(CLONE_VM|CLONE_VFORK) make a child context: the launcher gives the
 * child a pid and a table entry without a domain (RT_LABEL_VFORK), the child context
 * gets a copy of the descriptor table (sharing the descriptions, whose references it
 * takes), the working directory, umask and a copy of the dispositions; the calling
 * thread's program context is saved, and the same thread goes on as the child. The
 * parent is that thread: it waits as vfork requires.
 *
 * - _exit in the child: its descriptors are closed, the launcher makes it a zombie
 *   (SIGCHLD to the parent), and the parent's context comes back with vfork returning
 *   the child's pid.
 * - execve in the child: the program is read and checked here (errors return to the
 *   child); then the launcher makes the child's domain with the runtime half of this
 *   address space copied (RT_LABEL_VFORK_EXEC). Its runtime starts as a fork child does
 *   (rt->forked 2): it takes its references (pipe counts, server handles) like any fork
 *   child, drops the copy of the parent's context (closing what only the parent held),
 *   adopts the child context as its process and finishes the exec (exec.c), whose
 *   RT_CRED_EXEC tells the launcher it is ready. Only then does the parent close the
 *   child context here (its references are the new process's own now) and resume, as
 *   Linux's vfork parent resumes when the child's exec is done.
 *
 * - fork in the child: the launcher copies the host's whole address space for the new
 *   process (the child's pid its parent); there, rt_vfork_after_fork makes the child
 *   context the process's as above.
 *
 * Signals: while a thread runs a child, process-directed signals of the parent stay
 * pending for the parent (signal.c ignores the signal page then) and are delivered
 * when it resumes; the child's own signals (raised by its calls and faults) follow the
 * child's mask and dispositions. Signals sent to the child's pid wait in its signal
 * page, which its domain gets at exec; a SIGKILL sent meanwhile is its exit status if it
 * exits first.
 */
#include <string.h>
#include <vfs/fd_table.h>
#include <vfs/plugin.h>
#include "creds.h"
#include "runtime.h"

#define VFORK_READY_POLL_NS 10000000ull /* 10 ms */

struct rt_proc {
    uint64_t pid, ppid;
    uint64_t ep;             /* the launcher, badged with pid */
    struct vfs_fd_table fds; /* while another context is live */
    struct vfs_node *cwd;    /* while another context is live (one reference) */
    uint32_t umask;          /* while another context is live */
    struct rt_creds creds;   /* while another context is live */
    uint8_t actions[RT_SIG_ACTIONS_BYTES];
    /* a vfork child's */
    unsigned thread;                    /* the runtime thread running it */
    struct cx_regs resume;              /* the parent's program context */
    uint64_t saved_mask, saved_pending; /* the parent thread's signal state */
};

static struct rt_proc main_proc;
static struct rt_proc *cur = &main_proc; /* the context whose state is live */
static struct rt_proc *thread_proc[RT_MAX_THREADS];

/* Makes p's state live, keeping the live one in cur. */
static void install(struct rt_proc *p)
{
    struct vfs_fd_table *t = vfs_fd_table(rt_vfs);
    cur->fds = *t;
    *t = p->fds;
    memset(&p->fds, 0, sizeof(p->fds));
    cur->cwd = vfs_cwd_swap(rt_vfs, p->cwd);
    p->cwd = NULL;
    cur->umask = vfs_umask(rt_vfs, p->umask);
    rt_creds_swap(&cur->creds, &p->creds);
    rt_signal_swap_actions(cur->actions, p->actions);
    cur = p;
}

void rt_proc_enter(void)
{
    struct rt_proc *want = thread_proc[rt_self()];
    if (!want)
        want = &main_proc;
    if (want != cur && rt_vfs)
        install(want);
}

bool rt_in_vfork(void)
{
    return cur != &main_proc;
}

uint64_t rt_pid(void)
{
    return cur == &main_proc ? rt->pid : cur->pid;
}

uint64_t rt_ppid(void)
{
    return cur == &main_proc ? rt->ppid : cur->ppid;
}

uint64_t rt_ep(void)
{
    return cur == &main_proc ? rt->slot_parent : cur->ep;
}

long rt_vfork(uint64_t flags, uint64_t newsp)
{
    if (rt_in_vfork())
        return -EAGAIN; /* a vfork child's own vfork: not supported (its fork is) */
    struct rt_proc *c = rt_alloc(sizeof(*c));
    uint64_t slot = rt_slot_alloc();
    if (!c || !slot) {
        if (c)
            rt_free(c, sizeof(*c));
        return -ENOMEM;
    }
    memset(c, 0, sizeof(*c));
    struct vfs_fd_table *live = vfs_fd_table(rt_vfs);
    long pid = -ENOMEM;
    if (!vfs_fd_table_init(&c->fds, live->env, live->limit) && !vfs_fd_table_copy(&c->fds, live)) {
        struct cx_ret r =
            cx_raw_ipc_call(rt->slot_parent, CX_TAG(RT_LABEL_VFORK, 1, 0), slot, 0, 0, 0);
        pid = r.err ? -EAGAIN : (long)r.rdx;
    }
    if (pid <= 0) {
        vfs_fd_table_fini(&c->fds);
        rt_slot_free(slot);
        rt_free(c, sizeof(*c));
        return pid ? pid : -EAGAIN;
    }
    rt_child_started(pid);
    c->pid = (uint64_t)pid;
    c->ppid = rt->pid;
    c->ep = slot;
    c->cwd = vfs_cwd_node(rt_vfs);
    vfs_node_get(c->cwd);
    c->umask = vfs_umask(rt_vfs, 0);
    vfs_umask(rt_vfs, c->umask);
    rt_signal_copy_actions(c->actions);
    rt_creds_copy(&c->creds); /* the launcher gave the child its parent's */
    c->thread = rt_self();
    cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED, &c->resume);
    c->resume.rax = (uint64_t)pid;
    c->resume.rcx = c->resume.rip; /* as after SYSCALL */
    c->resume.r11 = c->resume.rflags;
    struct rt_tsig *ts = rt_tsig_self();
    c->saved_mask = ts->mask;
    c->saved_pending = ts->pending;
    ts->pending = 0;
    thread_proc[c->thread] = c;
    install(c);
    if (!newsp && !(flags & CLONE_SETTLS))
        return 0; /* the child goes on where vfork was called */
    /* clone(CLONE_VM|CLONE_VFORK, stack), as musl's posix_spawn: on its own stack */
    static struct cx_regs child;
    child = c->resume;
    child.rax = 0;
    if (newsp)
        child.rsp = newsp;
    if (flags & CLONE_SETTLS)
        child.fs_base = child.r8;
    rt_unlock(); /* taken by rt_syscall, which this call never returns to */
    cx_raw_lx_resume((uint64_t)&child, 0, 0, 0, 0, 0);
    rt_lock();
    rt_log("[runtime] vfork child: cannot start on its stack\n");
    rt_exit_process(LINUX_W_EXITCODE(0, SIGSEGV));
}

/* The child context ends here (it has exited, or its own domain took it over): its
 * state is closed, and the parent's program context resumes with the child's pid. */
static _Noreturn void back_to_parent(void)
{
    struct rt_proc *c = cur;
    struct cx_regs r __attribute__((aligned(16)));
    thread_proc[c->thread] = NULL;
    install(&main_proc);
    vfs_fd_table_fini(&c->fds);
    if (c->cwd)
        vfs_node_put(c->cwd);
    struct rt_tsig *ts = rt_tsig_self();
    ts->mask = c->saved_mask;
    ts->pending = c->saved_pending;
    cx_cap_delete(c->ep);
    rt_slot_free(c->ep);
    r = c->resume;
    if (rt_trace)
        rt_log("[trace] vfork child %lu is done: the parent resumes\n", c->pid);
    rt_free(c, sizeof(*c));
    rt_signal_recheck(); /* the parent's signals that came meanwhile */
    rt_unlock();
    cx_raw_lx_resume((uint64_t)&r, 0, 0, 0, 0, 0);
    rt_lock();
    rt_log("[runtime] vfork: cannot resume the parent\n");
    rt_exit_process(LINUX_W_EXITCODE(0, SIGSEGV));
}

_Noreturn void rt_vfork_exit(int wait_status)
{
    vfs_fd_table_fini(vfs_fd_table(rt_vfs)); /* pipes see their ends go first */
    cx_raw_ipc_call(cur->ep, CX_TAG(RT_LABEL_EXIT, 2, 0), (uint64_t)wait_status, 0, 0, 0);
    back_to_parent();
}

long rt_vfork_exec(void)
{
    uint64_t pid = cur->pid;
    rt_start_rearm();
    struct cx_ret r = cx_raw_ipc_call(cur->ep, CX_TAG(RT_LABEL_VFORK_EXEC, 0, 0), 0, 0, 0, 0);
    if (r.err || (long)r.rdx < 0)
        return r.err ? -EAGAIN : (long)r.rdx;
    /* until the new domain holds its references (its exec's RT_CRED_EXEC says so, and the
     * launcher signals the child-event notification): the new domain cannot be ready
     * yet, so the question waits for a signal first. A bit left from an earlier event
     * costs one question more; the timeout asks again should another thread of this
     * process have taken the signal. */
    for (;;) {
        uint64_t bits = 0;
        rt_unlock();
        long err = cx_notif_wait(rt->slot_child_notif, VFORK_READY_POLL_NS, &bits);
        rt_lock();
        if (!err)
            rt_child_events(bits); /* a child's end it took is not lost to wait4 */
        if (err == CX_E_INTERRUPTED && !rt_signal_interrupted())
            continue; /* a signal not for here (the parent's wait for it): the redirect is
                         cleared, nothing to ask */
        r = cx_raw_ipc_call(rt->slot_parent, CX_TAG(RT_LABEL_VFORK_DONE, 1, 0), pid, 0, 0, 0);
        if (r.err || r.rdx)
            return 0;
    }
}

_Noreturn void rt_vfork_exec_done(void)
{
    back_to_parent();
}

/* Copies of other threads' vfork children (in a fork child, or in a vfork child's new
 * domain: those threads are not there) go, with the references just taken for them. */
static void drop_other_contexts(struct rt_proc *keep)
{
    for (unsigned i = 0; i < rt_thread_top(); i++) {
        struct rt_proc *c = thread_proc[i];
        thread_proc[i] = NULL;
        if (!c || c == keep)
            continue;
        vfs_fd_table_fini(&c->fds);
        if (c->cwd)
            vfs_node_put(c->cwd);
        rt_slot_free(c->ep);
        rt_free(c, sizeof(*c));
    }
}

/* In a fork child: other threads' vfork children go; a fork made by a vfork child (the
 * host's address space copied, this context live in it) makes that child's context the
 * process's, as rt_vfork_adopt does for its exec: the copy of the parent's goes. */
void rt_vfork_after_fork(void)
{
    drop_other_contexts(cur);
    if (cur == &main_proc)
        return;
    struct rt_proc *c = cur;
    vfs_fd_table_fini(&main_proc.fds);
    if (main_proc.cwd)
        vfs_node_put(main_proc.cwd);
    main_proc.cwd = NULL;
    cur = &main_proc;
    rt_slot_free(c->ep); /* (the vfork parent's capability: not in this domain) */
    rt_free(c, sizeof(*c));
}

/* In the child's new domain (rt->forked 2), after the fork child's steps: the copy of
 * the parent's context goes (closing what only the parent held, whose references this
 * domain took like any fork child), and the child context becomes the process's. */
void rt_vfork_adopt(void)
{
    struct rt_proc *c = cur;
    /* (the exec's RT_CRED_EXEC, which follows, tells the launcher it is ready; an exec
     * that fails before it ends the process, which the parent sees too) */
    vfs_fd_table_fini(&main_proc.fds);
    if (main_proc.cwd)
        vfs_node_put(main_proc.cwd);
    main_proc.cwd = NULL;
    drop_other_contexts(c);
    cur = &main_proc;
    if (c != &main_proc) {
        rt_slot_free(c->ep); /* (the parent's capability: not in this domain) */
        rt_free(c, sizeof(*c));
    }
}

unsigned rt_vfork_thread(void)
{
    return cur->thread;
}
