/*
 * Processes: fork (and clone/vfork making a process), wait4, waitid, and a fork child's
 * start. The launcher keeps the sandbox's process table (posix-spawn/main.c): fork asks
 * it for a copy of this address space (pd_copy_as) and a thread in it, which starts on
 * the start stub like a first process; the child's runtime sees `forked` in its own
 * rt_info and resumes the context the parent saved here, with fork returning 0.
 *
 * What a child gets (docs/runtime.md, "fork"): a copy of all memory, so a copy of the
 * runtime's state too: its descriptors, its VFS and the private `ram` file systems in it
 * (a file written by the child in a private ram is not seen by the parent: shared trees
 * come from file-system servers), signal dispositions and mask, the working directory.
 * Mappings made with MAP_SHARED, the boot archive, the vDSO and the config are shared.
 */
#include <string.h>
#include <vfs_plugins.h>
#include "runtime.h"

static struct cx_regs fork_regs; /* the parent's context, which the child resumes */
static unsigned fork_thread;     /* the runtime thread index that called fork */
static int fork_resumed;

long rt_fork(uint64_t flags, uint64_t newsp)
{
    if (flags & ~(0xfful | CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |
                  CLONE_CHILD_CLEARTID | CLONE_SETTLS | CLONE_PARENT)) {
        rt_log("[runtime] clone of a process with flags %#lx: not supported\n", flags);
        return -EINVAL;
    }
    if ((flags & 0xff) && (flags & 0xff) != 17) /* the exit signal: SIGCHLD only, for now */
        return -EINVAL;
    vfs_fs_before_fork(rt_vfs); /* its files' descriptions are shared from now on */
    if ((flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK)) {
        if (flags & CLONE_PARENT) {
            rt_log("[runtime] clone: CLONE_PARENT with CLONE_VFORK: not supported\n");
            return -EINVAL;
        }
        return rt_vfork(flags, newsp); /* vfork.c: no copy, the parent waits */
    }
    if (cx_thread_regs(rt_self_slot(), CX_REGS_GET, CX_CTX_SAVED, &fork_regs))
        return -EAGAIN;
    fork_thread = rt_thread_index();
    fork_regs.rax = 0;
    fork_regs.rcx = fork_regs.rip; /* as after SYSCALL */
    fork_regs.r11 = fork_regs.rflags;
    if (newsp)
        fork_regs.rsp = newsp; /* clone(CLONE_VM|CLONE_VFORK, stack): the child's own stack */
    if (flags & CLONE_SETTLS)
        fork_regs.fs_base = fork_regs.r8; /* clone's tls argument */
    fork_resumed = 0;
    rt_sockets_before_fork(); /* the child's socket references, before it can lose them */
    /* w0 bit 0: CLONE_PARENT (the child is our parent's) */
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_FORK, 1, 0),
                                      (flags & CLONE_PARENT) ? 1 : 0, 0, 0, 0);
    rt_sockets_fork_done(r.err != 0 || (long)r.rdx < 0);
    if (r.err)
        return -EAGAIN;
    if (!(flags & CLONE_PARENT) && !rt_in_vfork())
        rt_child_started((long)r.rdx); /* (the parent's: its own child) */
    return (long)r.rdx;                /* reply word 0 */
}

/* A vfork child's domain will start on the stub (vfork.c). */
void rt_start_rearm(void)
{
    fork_resumed = 0;
}

long rt_start_call(void)
{
    if (!rt->forked)
        return rt_start(); /* a first process (once: later calls are ENOSYS) */
    if (fork_resumed)
        return -ENOSYS;
    fork_resumed = 1;
    /* the runtime lock was held by the parent's fork: this is the only thread now */
    rt_threads_after_fork(rt->forked == 2 ? rt_vfork_thread() : fork_thread);
    rt_children = (struct rt_cpu){0, 0}; /* a child has reaped nobody yet */
    rt_children_forget();                /* nor has it children */
    rt_pipes_after_fork();
    rt_ttys_after_fork(); /* terminal descriptions' status slots (terminal.c) */
    rt_timers_after_fork();
    rt_sleep_after_fork(); /* private notifications: not in the child's capability space */
    rt_mlock_reset();      /* memory locks are not inherited */
    rt_poll_after_fork();
    rt_sockets_after_fork(); /* the child holds its parent's sockets too */
    if (rt->forked == 2)
        rt_exec_disown_exe();  /* the parent's program file: the exec below drops it */
    vfs_fs_after_fork(rt_vfs); /* server nodes and open files: the child holds them too */
    if (rt->forked == 2) {     /* a vfork child's exec: its context becomes the process */
        rt_vfork_adopt();
        rt_exec_pending();
    }
    rt_vfork_after_fork(); /* vfork children of other threads are not here */
    cx_raw_lx_resume((uint64_t)&fork_regs, 0, 0, 0, 0, 0);
    rt_log("[runtime] fork child: cannot resume the parent's context\n");
    rt_exit_process(LINUX_W_EXITCODE(0, SIGSEGV)); /* no core is written */
}

static uint32_t waited_uid; /* the real uid of the child wait_once reported last */

/*
 * What this process knows of its children without asking the launcher: the pids its
 * fork, vfork and clone made and it has not reaped (up to KNOWN_CHILDREN), and whether
 * they are quiet: the launcher's last WAIT answer said no child had a state change left
 * to report, and no RT_CHILD_EVENT has come since (the launcher signals one for every
 * end, stop and continue, and the bit stays set until a wait takes it). Then a wait for
 * a known child (or any, with one known) blocks on the notification at once, or with
 * WNOHANG answers 0, instead of asking first: fork_wait and spawn_wait save a round
 * trip. Not in a vfork child's context (its children are not these).
 */
#define KNOWN_CHILDREN 32
static int32_t known[KNOWN_CHILDREN];
static unsigned nknown;
static bool children_quiet;

/* A known child goes only when this process reaps it, so none is known while children
 * may go unreaped (the set is emptied when that starts: signal.c) */
void rt_child_started(long pid)
{
    if (nknown < KNOWN_CHILDREN && pid > 0 && !rt_children_unreaped())
        known[nknown++] = (int32_t)pid;
}

static bool child_known(long pid)
{
    for (unsigned i = 0; i < nknown; i++)
        if (known[i] == pid)
            return true;
    return false;
}

static void child_reaped(long pid)
{
    for (unsigned i = 0; i < nknown; i++)
        if (known[i] == pid) {
            known[i] = known[--nknown];
            return;
        }
}

void rt_child_events(uint64_t bits)
{
    if (bits & RT_CHILD_EVENT)
        children_quiet = false;
}

void rt_children_forget(void)
{
    nknown = 0;
    children_quiet = false;
}

/* Whether a wait for pid would find nothing to report yet (and not ECHILD): a child
 * event latched in the notification since (nobody was waiting on it) is taken first. */
static bool wait_would_find_none(long pid)
{
    if (!children_quiet || rt_in_vfork() || !(pid > 0 ? child_known(pid) : pid == -1 && nknown > 0))
        return false;
    uint64_t bits = 0;
    if (cx_notif_wait(rt->slot_child_notif, 0, &bits) == 0)
        rt_child_events(bits);
    return children_quiet;
}

/* One question to the launcher: a zombie child matching pid, reaped. */
static long wait_once(long pid, int options, int *status, struct rt_cpu *cpu)
{
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_WAIT, 2, 0), (uint64_t)pid,
                                      (uint64_t)options, 0, 0);
    if (r.err)
        return -ECHILD;
    /* reply words 0 and 1, and 2 and 3: a reaped child's CPU time and system time (its
     * runtime's figures: bounded, since that process could say anything) */
    *status = (int)r.r10;
    waited_uid = (uint32_t)rt_ipcbuf()->words[4];
    if (!rt_in_vfork()) {
        bool stop_or_cont = (*status & 0xff) == 0x7f || *status == LINUX_W_CONTINUED;
        if ((long)r.rdx > 0 && !(options & 0x01000000) && !stop_or_cont)
            child_reaped((long)r.rdx); /* (WNOWAIT leaves it to be waited for) */
        else if ((long)r.rdx == -ECHILD && pid > 0)
            child_reaped(pid); /* (not one: should it have been known, no longer) */
        else if ((long)r.rdx == -ECHILD && pid == -1)
            nknown = 0;
        children_quiet = CX_TAG_WORDS(r.rsi) > 5 && rt_ipcbuf()->words[5] == 0;
    }
    cpu->ns = r.r8;
    cpu->sys_ns = r.r9 < r.r8 ? r.r9 : r.r8;
    if ((long)r.rdx > 0 && !(options & 0x01000000)) { /* reaped (not WNOWAIT) */
        rt_children.ns += cpu->ns;
        rt_children.sys_ns += cpu->sys_ns;
    }
    return (long)r.rdx;
}

/* Waits for a child matching pid; 0 with WNOHANG when none has changed. */
static long wait_child(long pid, int options, int *status, struct rt_cpu *ns)
{
    for (bool ask = !wait_would_find_none(pid);; ask = !wait_would_find_none(pid)) {
        long r = ask ? wait_once(pid, options, status, ns) : 0;
        if (r != 0 || (options & 1 /* WNOHANG */))
            return r;
        /* blocks on the child-event notification, without the runtime lock (the bit
         * stays set if a child ended since the question) */
        uint64_t bits;
        rt_unlock();
        long err = cx_notif_wait(rt->slot_child_notif, CX_TIMEOUT_NONE, &bits);
        rt_lock();
        if (!err)
            rt_child_events(bits);
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            /* a signal to deliver (the child's own SIGCHLD, often): a child that ended
             * meanwhile is still the answer, as on Linux, where the waiter finds it before
             * the signal is handled; the signal comes when the call returns */
            long now = wait_once(pid, options, status, ns);
            return now != 0 ? now : -EINTR;
        }
    }
}

long rt_wait4(long pid, int *status, int options, void *rusage)
{
    if (options & ~(1 | 2 | 8 | 0x20000000 | 0x40000000 | 0x80000000u))
        return -EINVAL;
    int st = 0;
    struct rt_cpu c = {0, 0};
    long r = wait_child(pid, (options & 0xb) | 4 /* WEXITED: always for wait4 */, &st, &c);
    /* as Linux: the child is reaped, and a bad pointer for what is told of it is EFAULT */
    if (r > 0 &&
        (!rt_user_write_opt((uint64_t)status, 4) || !rt_user_write_opt((uint64_t)rusage, 144)))
        return -EFAULT;
    if (r > 0 && status)
        *status = st;
    if (r > 0 && rusage) { /* the child's CPU times (and its reaped children's) */
        uint64_t user = c.ns - c.sys_ns;
        memset(rusage, 0, 144);
        int64_t *tv = rusage;
        tv[0] = (int64_t)(user / 1000000000u), tv[1] = (int64_t)(user % 1000000000u / 1000);
        tv[2] = (int64_t)(c.sys_ns / 1000000000u);
        tv[3] = (int64_t)(c.sys_ns % 1000000000u / 1000);
    }
    return r;
}

long rt_waitid(int idtype, long id, void *info, int options)
{
    /* WNOHANG 1, WSTOPPED 2, WEXITED 4, WCONTINUED 8, WNOWAIT 0x01000000, and the
     * __WNOTHREAD, __WALL, __WCLONE bits Linux accepts */
    if (!(options & (4 | 2 | 8)) || (options & ~(0xfu | 0x01000000u | 0xe0000000u)))
        return -EINVAL;
    if (idtype != 0 && idtype != 1 && idtype != 2)
        return -EINVAL;
    int st = 0;
    struct rt_cpu c = {0, 0};
    /* the launcher reports what the options ask for: WEXITED, WSTOPPED, WCONTINUED, and
     * with WNOWAIT leaves the child to be waited for again */
    long r = wait_child(idtype == 1   ? id
                        : idtype == 2 ? (id ? -id : 0)
                                      : -1,
                        options & (0xf | 0x01000000), &st, &c);
    if (r < 0)
        return r;
    if (info) {
        memset(info, 0, 128);
        if (r > 0) {
            int32_t *w = info;
            w[0] = SIGCHLD;
            bool stopped = (st & 0xff) == 0x7f, cont = st == LINUX_W_CONTINUED;
            bool exited = LINUX_WTERMSIG(st) == 0;
            w[2] = cont                     ? LINUX_CLD_CONTINUED
                   : stopped                ? LINUX_CLD_STOPPED
                   : exited                 ? LINUX_CLD_EXITED
                   : (st & LINUX_WCOREFLAG) ? LINUX_CLD_DUMPED
                                            : LINUX_CLD_KILLED;
            w[4] = (int32_t)r;
            w[5] = (int32_t)waited_uid; /* si_uid: the child's real uid */
            w[6] = cont                ? SIGCONT
                   : stopped || exited ? LINUX_WEXITSTATUS(st) /* the stop signal or exit code */
                                       : LINUX_WTERMSIG(st);
            int64_t *t = (int64_t *)(w + 8); /* si_utime, si_stime: clock ticks */
            t[0] = (int64_t)((c.ns - c.sys_ns) / 10000000u);
            t[1] = (int64_t)(c.sys_ns / 10000000u);
        }
    }
    return 0;
}

/* getpgid, setpgid, getsid, setsid: the launcher keeps process groups and sessions. */
long rt_pgrp(uint64_t op, long pid, long pgid)
{
    struct cx_ret r =
        cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PGRP, 3, 0), op, (uint64_t)pid, (uint64_t)pgid, 0);
    return r.err ? -EAGAIN : (long)r.rdx;
}

/* ---- the process table as /proc shows it (RT_LABEL_PROC, capix/posix_protocol.h) ---- */

/* The command this process runs now, for the launcher's table, as RT_CRED_EXEC carries
 * it (w[0] the command line's length, w[1] the name's, the name in w[2..3], the command
 * line from w[4]): the name is the program file's (cut to 15 bytes, as Linux's comm),
 * the command line argv's strings, each with its NUL (cut to RT_PROC_CMD_MAX bytes).
 * Returns the words used. */
unsigned rt_proc_exec_words(uint64_t *w, const char *const argv[])
{
    const char *name = rt_exe_path;
    for (const char *q = rt_exe_path; *q; q++)
        if (*q == '/')
            name = q + 1;
    size_t nlen = strlen(name), clen = 0;
    if (nlen > 15)
        nlen = 15;
    memset(w, 0, 4 * 8);
    memcpy(w + 2, name, nlen);
    char *cmd = (char *)(w + 4);
    for (unsigned i = 0; argv && argv[i] && clen < RT_PROC_CMD_MAX; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (l > RT_PROC_CMD_MAX - clen)
            l = RT_PROC_CMD_MAX - clen;
        memcpy(cmd + clen, argv[i], l);
        clen += l;
    }
    w[0] = clen, w[1] = nlen;
    return 4 + (unsigned)((clen + 7) / 8);
}

int rt_proc_pids(void *ctx, int32_t after, int32_t *out, size_t max)
{
    struct cx_ipcbuf *b = rt_ipcbuf();
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_LIST,
                                      (uint64_t)(int64_t)after, 0, 0);
    if (r.err)
        return -EIO;
    if ((int64_t)r.rdx < 0)
        return (int)(int64_t)r.rdx;
    /* the launcher is trusted, but its count is still bounded by what fits */
    uint64_t n = r.rdx, w[3] = {r.r10, r.r8, r.r9};
    if (n > RT_PROC_LIST_MAX)
        n = RT_PROC_LIST_MAX;
    if (n > max)
        n = max;
    for (uint64_t i = 0; i < n; i++)
        out[i] = (int32_t)(i < 3 ? w[i] : b->words[1 + i]);
    return (int)n;
}

int rt_proc_peer(void *ctx, int32_t pid, struct vfs_peer *out)
{
    static struct rt_proc_reply r; /* under the runtime lock */
    struct cx_ipcbuf *b = rt_ipcbuf();
    struct cx_ret c = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_PROC, 2, 0), RT_PROC_INFO,
                                      (uint64_t)(int64_t)pid, 0, 0);
    if (c.err)
        return -EIO;
    if ((int64_t)c.rdx < 0)
        return (int)(int64_t)c.rdx;
    uint64_t w[3] = {c.r10, c.r8, c.r9};
    memcpy(&r, w, sizeof(w));
    memcpy((char *)&r + sizeof(w), b->words + 4, sizeof(r) - sizeof(w));
    out->ppid = r.ppid, out->pgid = r.pgid, out->sid = r.sid, out->tpgid = r.tpgid;
    out->tty_nr = r.tty_nr;
    out->state = (char)r.state;
    out->start_ns = r.start_ns, out->cpu_ns = r.cpu_ns, out->sys_ns = r.sys_ns;
    out->has_ids = true;
    memcpy(out->uid, r.uid, sizeof(out->uid));
    memcpy(out->gid, r.gid, sizeof(out->gid));
    memcpy(out->comm, r.comm, sizeof(out->comm));
    out->comm[sizeof(out->comm) - 1] = 0;
    out->cmdline_len = r.cmd_len < sizeof(out->cmdline) ? r.cmd_len : sizeof(out->cmdline);
    memcpy(out->cmdline, r.cmd, out->cmdline_len);
    /* its capability sets (RT_CRED_CAPGET: effective, permitted, inheritable in
     * registers, then bounding, ambient, no_new_privs in words 4..6) */
    c = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_CRED, 2, 0), RT_CRED_CAPGET, (uint64_t)pid, 0, 0);
    if (!c.err && (int64_t)c.rdx == 0) {
        out->has_caps = true;
        out->caps[0] = c.r9, out->caps[1] = c.r8, out->caps[2] = c.r10;
        out->caps[3] = b->words[4], out->caps[4] = b->words[5];
        out->no_new_privs = b->words[6] != 0;
    }
    return 0;
}
