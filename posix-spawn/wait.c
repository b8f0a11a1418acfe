/*
 * Re-parenting, wait4 and its zombies, process groups and sessions (setpgid, setsid,
 * getpgid, getsid), and which groups are orphaned or stopped.
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
        if (c->state == P_ZOMBIE && !(options & 4))
            continue; /* a zombie is no child to wait for without WEXITED (Linux: ECHILD) */
        any = true;
        *uid = c->cred.uid.real;          /* waitid's si_uid, if it is the one reported */
        bool keep = options & 0x01000000; /* WNOWAIT: report, leave it to be waited for */
        if (c->state == P_ZOMBIE && (options & 4)) { /* WEXITED */
            *status = c->wait_status;
            ns[0] = c->cpu_ns, ns[1] = c->sys_ns;
            if (!keep)
                c->state = P_FREE;
            return c->pid;
        }
        if ((options & 2) && c->stop_report) { /* WUNTRACED, WSTOPPED */
            c->stop_report = keep;
            *status = LINUX_W_STOPCODE(c->stop_sig);
            return c->pid;
        }
        if ((options & 8) && c->cont_report) { /* WCONTINUED */
            c->cont_report = keep;
            *status = LINUX_W_CONTINUED;
            return c->pid;
        }
    }
    return any ? 0 : -10; /* ECHILD */
}

/* Process groups and sessions: getpgid, setpgid, getsid, setsid (as Linux checks them). */
long do_pgrp(struct proc *pr, uint64_t op, long pid, long pgid)
{
    struct proc *t = pid ? find_proc((int)pid) : pr;
    switch (op) {
    case RT_PGRP_GETPGID:
    case RT_PGRP_GETSID:
        if (pid < 0 || !t)
            return -3; /* ESRCH */
        return op == RT_PGRP_GETPGID ? t->pgid : t->sid;
    case RT_PGRP_SETSID:
        for (int i = 0; i < MAX_PROCS; i++)
            if (procs[i].state == P_RUNNING && procs[i].pgid == pr->pid)
                return -1; /* EPERM: already a group leader */
        pr->sid = pr->pgid = pr->pid;
        pr->no_ctty = false;
        return pr->sid;
    case RT_PGRP_SETPGID:
        if (pid < 0 || pgid < 0)
            return -22; /* EINVAL */
        if (!t || (t != pr && t->ppid != pr->pid))
            return -3; /* ESRCH */
        if (t->sid != pr->sid || t->sid == t->pid)
            return -1; /* EPERM: another session, or a session leader */
        if (!pgid)
            pgid = t->pid;
        if (pgid != t->pid) {
            bool exists = false;
            for (int i = 0; i < MAX_PROCS; i++)
                if (procs[i].state == P_RUNNING && procs[i].pgid == pgid && procs[i].sid == pr->sid)
                    exists = true;
            if (!exists)
                return -1; /* EPERM */
        }
        t->pgid = (int)pgid;
        return 0;
    default:
        return -22;
    }
}
