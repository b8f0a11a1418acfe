/*
 * Signals: the launcher queues them on each process's signal page (capix/posix_sigqueue.h) and
 * redirects its thread to its runtime's handler; stop and continue, kill, sigqueue,
 * tgkill, and a whole process group's signals (from the terminal). Who may signal whom
 * is Linux's rule on the launcher's credentials (may_signal).
 */
#include "launcher.h"
#include <vfs/linux.h>

/* Whether from may send sig to t (Linux's check_kill_permission): its own process, a
 * sender with CAP_KILL in its effective set, a sender whose real or effective uid is
 * t's real or saved uid, or SIGCONT within one session; else EPERM. */
static bool may_signal(const struct proc *from, const struct proc *t, int sig)
{
    const struct rt_creds *a = &from->cred, *b = &t->cred;
    return from == t || (a->cap_eff & (1ull << 5)) /* CAP_KILL */ || a->uid.eff == b->uid.saved ||
           a->uid.eff == b->uid.real || a->uid.real == b->uid.saved || a->uid.real == b->uid.real ||
           (sig == SIGCONT && from->sid == t->sid);
}

/* The real uid of the process with pid (a signal's si_uid), 0 for the launcher's own. */
static int32_t sender_uid(int pid)
{
    struct proc *s = pid > 0 ? find_proc(pid) : NULL;
    return s ? (int32_t)s->cred.uid.real : 0;
}

/* Ends pr as killed by sig (the sandbox, when pr is its first process). */
static void kill_proc(struct proc *pr, int sig)
{
    if (pr->pid == 1) {
        sandbox_status = 128 + sig;
        return;
    }
    proc_exit(pr, sig);
}

/* Stops or continues pr (job control), telling its parent. */
void set_stopped(struct proc *pr, int sig)
{
    if (!!pr->stop_sig == !!sig || pr->host)
        return; /* (a vfork child without a domain: its parent's thread runs it) */
    cx_raw_pd_control(pr->pd, sig ? CX_PD_STOP : CX_PD_RESUME, 0, 0, 0, 0);
    pr->stop_sig = sig;
    pr->stop_report = sig != 0;
    pr->cont_report = sig == 0;
    struct proc *parent = find_proc(pr->ppid);
    if (parent && parent->state == P_RUNNING) {
        cx_notif_signal(child_notif(parent), RT_CHILD_EVENT);
        send_signal(parent, SIGCHLD, sig ? LINUX_CLD_STOPPED : LINUX_CLD_CONTINUED, pr->pid,
                    sig ? sig : SIGCONT);
    }
}

/*
 * Sends sig to pr as Linux would: SIGKILL ends it and SIGSTOP stops it here (nothing in
 * the process can refuse them); SIGCONT continues it; every other signal (and SIGCONT,
 * for its handler) goes to the runtime through its signal page and a redirect of its
 * main thread, where its mask and disposition decide.
 */
void send_signal(struct proc *pr, int sig, int code, int pid, int status)
{
    if (pr->state != P_RUNNING || !pr->sig || sig < 1 || sig > 64)
        return;
    if (pr->host) { /* a vfork child without a domain: kept until it execs or exits */
        pr->sig->info[sig - 1].code = code;
        pr->sig->info[sig - 1].pid = pid;
        pr->sig->info[sig - 1].status = status;
        __atomic_or_fetch(&pr->sig->pending, 1ul << (sig - 1), __ATOMIC_RELEASE);
        return;
    }
    if (sig == SIGKILL) {
        kill_proc(pr, SIGKILL);
        return;
    }
    if (sig == SIGSTOP) {
        set_stopped(pr, SIGSTOP);
        return;
    }
    if (sig == SIGCONT)
        set_stopped(pr, 0);
    if (sig >= 32 && !rt_sigq_push(pr->sig, sig, code, pid, sender_uid(pid), (uint64_t)status, 0)) {
        cx_thread_redirect(pr->thread); /* a real-time signal: one more instance */
        return;
    }
    pr->sig->info[sig - 1].code = code;
    pr->sig->info[sig - 1].pid = pid;
    pr->sig->info[sig - 1].uid = sender_uid(pid);
    pr->sig->info[sig - 1].status = status;
    __atomic_or_fetch(&pr->sig->pending, 1ul << (sig - 1), __ATOMIC_RELEASE);
    cx_thread_redirect(pr->thread);
}

/* kill(2) from pr: pid > 0 one process, 0 pr's group, -1 every process of the sandbox
 * but its first, < -1 the group -pid. Targets pr may not signal (may_signal) are left
 * out; as on Linux, a group's kill is EPERM only when none could be signalled, kill(-1)
 * never (ESRCH when there was nobody to try). */
long do_kill(struct proc *pr, long pid, long sig)
{
    if (sig < 0 || sig > 64)
        return -EINVAL;
    int found = 0, refused = 0;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *t = &procs[i];
        if (t->state != P_RUNNING)
            continue;
        bool match = pid > 0     ? t->pid == pid
                     : pid == 0  ? t->pgid == pr->pgid
                     : pid == -1 ? t->pid != 1
                                 : t->pgid == -pid;
        if (!match)
            continue;
        if (!may_signal(pr, t, (int)sig)) {
            refused++;
            continue;
        }
        found++;
        if (sig)
            send_signal(t, (int)sig, LINUX_SI_USER, pr->pid, 0);
    }
    if (found || (refused && pid == -1))
        return 0;
    return refused ? -EPERM : -ESRCH;
}

/* sigqueue and rt_sigqueueinfo from pr to process pid: the instance with its code and
 * value is queued (real-time or not: one entry each), or EAGAIN when the target's queue
 * is full. SIGKILL, SIGSTOP and SIGCONT act as kill does. */
long do_sigqueue(struct proc *pr, long pid, int sig, int code, uint64_t value, uint64_t ids)
{
    struct proc *t = pid > 0 ? find_proc((int)pid) : NULL;
    if (sig < 0 || sig > 64)
        return -EINVAL;
    if (!t || t->state != P_RUNNING || !t->sig)
        return -ESRCH;
    if (t != pr && (code >= 0 || code == -6))
        return -EPERM; /* only negative codes but SI_TKILL to another process (Linux) */
    if (!may_signal(pr, t, sig))
        return -EPERM;
    if (!sig)
        return 0;
    if (sig == SIGKILL || sig == SIGSTOP) {
        send_signal(t, sig, code, pr->pid, 0);
        return 0;
    }
    if (rt_sigq_push(t->sig, sig, code, (int32_t)ids, (int32_t)(ids >> 32), value, 0))
        return -EAGAIN;
    if (t->host)
        return 0; /* a vfork child without a domain: kept */
    if (sig == SIGCONT)
        set_stopped(t, 0);
    cx_thread_redirect(t->thread);
    return 0;
}

/*
 * tgkill and tkill from pr to a thread of another process (threads of pr's own process
 * the runtime reaches itself). tgid -1: tkill, the process found from the tid (a main
 * thread's tid is its pid, other threads' are pid * 1000 + n). The process's runtime
 * hands the queued entry to that thread (libc/signal.c); SIGKILL and SIGSTOP act on the
 * whole process, as on Linux.
 */
long do_tgkill(struct proc *pr, long tgid, long tid, int sig)
{
    if (sig < 0 || sig > 64 || tid <= 0 || tid > 0x7fffffff || (tgid != -1 && tgid <= 0))
        return -EINVAL;
    struct proc *t = tgid > 0 ? find_proc((int)tgid) : find_proc((int)tid);
    if (!t && tgid == -1)
        t = find_proc((int)(tid / 1000));
    if (!t || t->state != P_RUNNING || !t->sig)
        return -ESRCH;
    bool live = tid == t->pid;
    for (unsigned i = 0; i < 64 && !live; i++)
        live = __atomic_load_n(&t->sig->tids[i], __ATOMIC_ACQUIRE) == (int32_t)tid;
    if (!live)
        return -ESRCH;
    if (!may_signal(pr, t, sig))
        return -EPERM;
    if (!sig)
        return 0;
    if (sig == SIGKILL || sig == SIGSTOP) {
        send_signal(t, sig, LINUX_SI_TKILL, pr->pid, 0);
        return 0;
    }
    if (rt_sigq_push(t->sig, sig, LINUX_SI_TKILL, pr->pid, (int32_t)pr->cred.uid.real, 0, (int)tid))
        return -EAGAIN;
    if (t->host)
        return 0;
    if (sig == SIGCONT)
        set_stopped(t, 0);
    cx_thread_redirect(t->thread);
    return 0;
}

/* Sends sig to every process of group pgrp (from the terminal: SI_KERNEL). */
void signal_group(int pgrp, int sig)
{
    for (int i = 0; i < MAX_PROCS && pgrp > 0; i++)
        if (procs[i].state == P_RUNNING && procs[i].pgid == pgrp)
            send_signal(&procs[i], sig, LINUX_SI_KERNEL, 0, 0);
}
