/*
 * Re-parenting (to the nearest subreaper, else pid 1, with the parent-death signals),
 * the parent's SIGCHLD, wait4 and its zombies, process groups and sessions (setpgid,
 * setsid, getpgid, getsid), which groups are orphaned or stopped, and prctl's
 * process-tree options (PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER and their GETs).
 */
#include "launcher.h"
#include <vfs/linux.h>

/* Updates a process's rt_info in place (its ppid after re-parenting). */
void set_ppid(struct proc *pr, int ppid)
{
    pr->ppid = ppid;
    if (!pr->info_mem || cx_map(CX_SLOT_SELF_PD, pr->info_mem, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W))
        return;
    ((struct rt_info *)SCRATCH)->ppid = (uint64_t)ppid;
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
}

/* The notification pr's wait4 blocks on when its children change: its own, or for a
 * vfork child without a domain its host's (its runtime waits there); 0 for none. */
uint64_t child_notif(const struct proc *pr)
{
    return pr->notif ? pr->notif : pr->host ? pr->host->notif : 0;
}

/* pr has ended: its parent learns it (the child-event notification and SIGCHLD with
 * CLD_EXITED, CLD_DUMPED or CLD_KILLED), or pr goes at once when the parent said its
 * children leave no zombies. */
void notify_parent(struct proc *pr)
{
    struct proc *parent = find_proc(pr->ppid);
    if (!parent || parent->state != P_RUNNING)
        return;
    if (parent->nocldwait)
        pr->state = P_FREE; /* no zombie: the parent said so */
    uint64_t notif = child_notif(parent);
    if (notif) {
        cx_notif_signal(notif, RT_CHILD_EVENT);
        int ws = pr->wait_status;
        int code = LINUX_WTERMSIG(ws) == 0  ? LINUX_CLD_EXITED
                   : (ws & LINUX_WCOREFLAG) ? LINUX_CLD_DUMPED
                                            : LINUX_CLD_KILLED;
        int st = code == LINUX_CLD_EXITED ? LINUX_WEXITSTATUS(ws) : LINUX_WTERMSIG(ws);
        send_signal(parent, SIGCHLD, code, pr->pid, st);
    }
}

/* Who takes pr's children when pr ends: its nearest running ancestor that made itself a
 * subreaper (PR_SET_CHILD_SUBREAPER), else pid 1, as Linux's find_new_reaper chooses
 * within one pid namespace. NULL when pid 1 is gone too. */
static struct proc *reaper_of(const struct proc *pr)
{
    const struct proc *p = pr;
    for (int n = 0; n < MAX_PROCS; n++) { /* an ancestor chain is no longer than the table */
        struct proc *a = find_proc(p->ppid);
        if (!a || a->pid == 1)
            break;
        if (a->state == P_RUNNING && a->subreaper)
            return a;
        p = a;
    }
    struct proc *init = find_proc(1);
    return init && init->state == P_RUNNING ? init : NULL;
}

/* pr is ending: its children go to their reaper (reaper_of), and those that asked for a
 * parent-death signal get it afterwards, from pr (SI_USER with pr's pid, as Linux sends
 * it after the re-parenting). A zombie child goes to a subreaper (pid 1 too, when it
 * has made itself one), which learns of it as of its own child's end. Otherwise pid 1
 * does not get others' zombies: they go at once (the first program of a sandbox is
 * seldom written to reap what it did not start; Linux's init is). */
void reparent_children(struct proc *pr)
{
    struct proc *reaper = reaper_of(pr);
    bool sub = reaper && reaper->subreaper;
    int pids[MAX_PROCS], sigs[MAX_PROCS], n = 0;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = &procs[i];
        if (c->state == P_FREE || c->ppid != pr->pid || c == pr)
            continue;
        if (c->state == P_ZOMBIE) {
            if (!sub) {
                c->state = P_FREE; /* nobody will wait for it now */
                continue;
            }
            c->ppid = reaper->pid; /* (its rt_info page is gone) */
            notify_parent(c);
            continue;
        }
        set_ppid(c, reaper ? reaper->pid : 1);
        if (c->pdeathsig)
            pids[n] = c->pid, sigs[n++] = c->pdeathsig;
    }
    for (int k = 0; k < n; k++) {
        struct proc *c = find_proc(pids[k]); /* (a SIGKILL ends it: the table changes) */
        if (c && c->state == P_RUNNING)
            send_signal(c, sigs[k], 0, pr->pid, 0);
    }
}

/* prctl's process-tree options (RT_LABEL_PRCTL): pr's parent-death signal and whether
 * it is a subreaper. Neither is inherited by a fork child (new_proc starts without);
 * execve keeps both, but a change of the effective or fs ids, or an exec that gives
 * the process other privileges, clears the signal (creds.c). */
long do_prctl(struct proc *pr, uint64_t op, uint64_t arg)
{
    switch (op) {
    case RT_PRCTL_SET_PDEATHSIG:
        if (arg > 64)
            return -EINVAL; /* no such signal */
        pr->pdeathsig = (int)arg;
        return 0;
    case RT_PRCTL_GET_PDEATHSIG:
        return pr->pdeathsig;
    case RT_PRCTL_SET_SUBREAPER:
        pr->subreaper = arg != 0;
        return 0;
    case RT_PRCTL_GET_SUBREAPER:
        return pr->subreaper;
    default:
        return -EINVAL;
    }
}

/* Whether a member of group pgrp is stopped. */
bool group_stopped(int pgrp)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state == P_RUNNING && procs[i].pgid == pgrp && procs[i].stop_sig)
            return true;
    return false;
}

/* A group is orphaned when no member has a parent in another group of its session. */
bool orphaned(int pgrp, int sid)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *p = &procs[i];
        if (p->state != P_RUNNING || p->pgid != pgrp)
            continue;
        const struct proc *parent = find_proc(p->ppid);
        if (parent && parent->state == P_RUNNING && parent->pgid != pgrp && parent->sid == sid)
            return false;
    }
    return true;
}

/* wait4: the first zombie child of pr that matches pid (-1 or 0: any); returns its pid
 * and status (reaping it), 0 when matching children are all running, -ECHILD. */
/* ns[0] and ns[1]: a reaped child's CPU and system time (reply words 2 and 3). */
long do_wait(struct proc *pr, long pid, int options, int *status, uint64_t ns[2], uint32_t *uid)
{
    ns[0] = ns[1] = 0;
    *uid = 0;
    bool any = false;
    for (int i = 0; i < MAX_PROCS; i++) {
        struct proc *c = &procs[i];
        if (c->state == P_FREE || c->ppid != pr->pid)
            continue;
        if (pid > 0 ? c->pid != pid : pid < -1 ? c->pgid != -pid : pid == 0 && c->pgid != pr->pgid)
            continue;
        if (c->state == P_ZOMBIE && !(options & WEXITED))
            continue; /* a zombie is no child to wait for without WEXITED (Linux: ECHILD) */
        any = true;
        *uid = c->cred.uid.real;       /* waitid's si_uid, if it is the one reported */
        bool keep = options & WNOWAIT; /* report, leave it to be waited for */
        if (c->state == P_ZOMBIE && (options & WEXITED)) {
            *status = c->wait_status;
            ns[0] = c->cpu_ns, ns[1] = c->sys_ns;
            if (!keep)
                c->state = P_FREE;
            return c->pid;
        }
        if ((options & WSTOPPED) && c->stop_report) { /* WSTOPPED is WUNTRACED */
            c->stop_report = keep;
            *status = LINUX_W_STOPCODE(c->stop_sig);
            return c->pid;
        }
        if ((options & WCONTINUED) && c->cont_report) {
            c->cont_report = keep;
            *status = LINUX_W_CONTINUED;
            return c->pid;
        }
    }
    return any ? 0 : -ECHILD;
}

/* How many of pr's children have a state change left to report (an end, a stop or a
 * continue): when none, and no RT_CHILD_EVENT came since, the runtime knows without
 * asking that a wait for a child it knows of would find nothing yet. */
unsigned children_to_report(const struct proc *pr)
{
    unsigned n = 0;
    for (int i = 0; i < MAX_PROCS; i++) {
        const struct proc *c = &procs[i];
        if (c->state != P_FREE && c->ppid == pr->pid && c != pr &&
            (c->state == P_ZOMBIE || c->stop_report || c->cont_report))
            n++;
    }
    return n;
}

/* Process groups and sessions: getpgid, setpgid, getsid, setsid (as Linux checks them). */
long do_pgrp(struct proc *pr, uint64_t op, long pid, long pgid)
{
    struct proc *t = pid ? find_proc((int)pid) : pr;
    switch (op) {
    case RT_PGRP_GETPGID:
    case RT_PGRP_GETSID:
        if (pid < 0 || !t)
            return -ESRCH;
        return op == RT_PGRP_GETPGID ? t->pgid : t->sid;
    case RT_PGRP_SETSID:
        for (int i = 0; i < MAX_PROCS; i++)
            if (procs[i].state == P_RUNNING && procs[i].pgid == pr->pid)
                return -EPERM; /* already a group leader */
        pr->sid = pr->pgid = pr->pid;
        pr->no_ctty = false;
        return pr->sid;
    case RT_PGRP_SETPGID:
        if (pid < 0 || pgid < 0)
            return -EINVAL;
        if (!t || (t != pr && t->ppid != pr->pid))
            return -ESRCH;
        if (t->sid != pr->sid || t->sid == t->pid)
            return -EPERM; /* another session, or a session leader */
        if (!pgid)
            pgid = t->pid;
        if (pgid != t->pid) {
            bool exists = false;
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].state == P_RUNNING && procs[i].pgid == pgid && procs[i].sid == pr->sid)
                    exists = true;
            if (!exists)
                return -EPERM;
        }
        t->pgid = (int)pgid;
        return 0;
    default:
        return -EINVAL;
    }
}
