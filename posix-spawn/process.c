/*
 * Process life: the table entry and domain of a process (its thread, quota, endpoints,
 * signal and rt_info pages), the first process, fork (an eager copy, pd_copy_as), vfork
 * children without a domain until they exec, runtime faults, and exit (a zombie for its
 * parent, its children to their reaper).
 */
#include "launcher.h"
#include <vfs/linux.h>

/* The priority of every thread of this sandbox's processes: one below the launcher's
 * own (the component's `priority`), so that no process of the sandbox, however many
 * threads it spins, delays the launcher, init or a server at the launcher's priority,
 * and a sandbox configured lower cannot delay one configured higher (docs/sandboxes.md,
 * "CPU"). */
static uint64_t process_priority(void)
{
    uint64_t p = cx_start_info ? cx_start_info->priority : 0;
    return p ? p - 1 : 0;
}

static struct proc *new_proc(int ppid)
{
    if (next_pid >= 4194304) /* Linux's PID_MAX_LIMIT: /proc/sys/kernel/pid_max says so */
        return NULL;
    for (int i = 0; i < MAX_PROCS; i++) {
        if (procs[i].state == P_FREE) {
            struct proc *pr = &procs[i];
            memset(pr, 0, sizeof(*pr));
            pr->pid = next_pid++;
            pr->ppid = ppid;
            struct proc *parent = find_proc(ppid);
            pr->pgid = parent ? parent->pgid : pr->pid;
            pr->sid = parent ? parent->sid : pr->pid;
            if (parent) { /* a rule's bound holds for its descendants */
                pr->narrowed = parent->narrowed;
                pr->no_archive = parent->no_archive;
                pr->labels = parent->labels;
            }
            pr->state = P_RUNNING;
            pr->start_ns = cx_clock_ns();
            if (parent)
                pr->cred = parent->cred;
            else
                creds_first(pr);
            if (parent) { /* a fork child runs its parent's program */
                memcpy(pr->comm, parent->comm, sizeof(pr->comm));
                memcpy(pr->cmd, parent->cmd, sizeof(pr->cmd));
                pr->cmd_len = parent->cmd_len;
            }
            return pr;
        }
    }
    return NULL;
}

/* Frees everything of a process but its table entry (a zombie keeps that). */
void release(struct proc *pr)
{
    uint64_t *slots[] = {&pr->thread, &pr->pd, &pr->parent_ep, &pr->notif};
    for (unsigned i = 0; i < 4; i++) /* first: it runs no more */
        if (*slots[i]) {
            cx_cap_delete(*slots[i]);
            cx_slot_free(*slots[i]);
            *slots[i] = 0;
        }
    sessions_unlock(pr);
    sessions_release_locks(pr, !pr->exit_reported);
    pipes_forget(pr);
    for (unsigned id = 1; id < shared_end; id++)
        shared_drop(pr, id);
    if (pr->sig) {
        cx_unmap(CX_SLOT_SELF_PD, (uint64_t)pr->sig, 1);
        pr->sig = NULL;
    }
    for (unsigned i = 0; i < pr->nmems; i++) {
        cx_cap_delete(pr->mems[i]);
        cx_slot_free(pr->mems[i]);
    }
    pr->nmems = 0;
}

/* The domain, thread and capabilities every process has (docs/runtime.md). */
static long make_domain(struct proc *pr)
{
    long err;
    pr->pd = cx_slot_alloc(), pr->thread = cx_slot_alloc();
    pr->parent_ep = cx_slot_alloc(), pr->notif = cx_slot_alloc();
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((err = (x)))                                                                           \
            return err;                                                                            \
    } while (0)
    TRY(cx_pd_create(quota, pr->pd, PROC_SLOTS));
    uint64_t rt_lo, rt_hi;
    rt_lo = exec_range(&runtime, &rt_hi);
    uint64_t rt_entry = runtime.elf.entry;
    TRY(cx_raw_pd_set_runtime(pr->pd, rt_entry, rt_lo, rt_hi, rt_entry + RT_SYSENTRY_OFF,
                              rt_entry + RT_SYSRET_OFF)
            .err);
    TRY(cx_cap_copy(ep, CX_SLOT_SELF_PD, pr->parent_ep, CX_R_WRITE, (uint64_t)pr->pid));
    TRY(cx_thread_create(quota, pr->pd, pr->thread, pr->parent_ep, process_priority()));
    TRY(cx_notif_create(quota, pr->notif));
    TRY(cx_cap_copy(pr->pd, pr->pd, CX_SLOT_SELF_PD, CX_R_ALL, 0));
    TRY(cx_cap_copy(pr->thread, pr->pd, CX_SLOT_SELF_THREAD, CX_R_ALL, 0));
    TRY(cx_cap_copy(quota, pr->pd, CX_SLOT_QUOTA, CX_R_ALL, 0));
    TRY(cx_cap_copy(log_cap, pr->pd, CX_SLOT_LOG, CX_R_WRITE, 0));
    TRY(cx_cap_copy(pr->parent_ep, pr->pd, CX_SLOT_PARENT, CX_R_WRITE, 0));
    TRY(cx_cap_copy(pr->notif, pr->pd, NOTIF_SLOT, CX_R_ALL, 0));
    for (unsigned i = 0; i < 4 && base_info.io[i].slot; i++)
        TRY(cx_cap_copy(io_src[i], pr->pd, base_info.io[i].slot, CX_R_READ | CX_R_WRITE, 0));
    return 0;
}

/* pr's signal page (each process gets a fresh one), mapped here; a vfork child has
 * it before its domain, which gets the same page (with what was sent meanwhile). */
static long sigpage_make(struct proc *pr)
{
    if (pr->sig)
        return 0;
    uint64_t m, va = SIGPAGES_VA + (uint64_t)(pr - procs) * CX_PAGE_SIZE;
    long err = new_mem(pr, 1, &m);
    if (!err)
        err = cx_map(CX_SLOT_SELF_PD, m, 0, va, 1, CX_MAP_R | CX_MAP_W);
    if (err)
        return err;
    pr->sig_mem = m;
    pr->sig = (struct rt_sigpage *)va;
    return 0;
}

/* Its rt_info (never copied by a fork: each process gets its own). */
static long give_info(struct proc *pr, uint64_t forked)
{
    static struct rt_info ri;
    ri = base_info;
    ri.pid = (uint64_t)pr->pid;
    ri.ppid = (uint64_t)pr->ppid;
    ri.forked = forked;
    ri.proc_index = (uint64_t)(pr - procs);
    long err = give_data(pr, RT_INFO_ADDR, &ri, sizeof(ri), CX_MAP_DROP);
    if (err)
        return err;
    pr->info_mem = pr->mems[pr->nmems - 1];
    if ((err = sigpage_make(pr)))
        return err;
    return cx_map(pr->pd, pr->sig_mem, 0, RT_SIGPAGE_ADDR, 1, CX_MAP_R | CX_MAP_W | CX_MAP_DROP);
}

/* Starts pr's main thread on the start stub. */
static long start_thread(struct proc *pr)
{
    long err;
    static struct cx_regs r;
    TRY(cx_thread_regs(pr->thread, CX_REGS_GET, CX_CTX_CURRENT, &r));
    r.rip = RT_START_ADDR;
    r.rsp = 0;
    TRY(cx_thread_regs(pr->thread, CX_REGS_SET, CX_CTX_CURRENT, &r));
    TRY(cx_thread_config(pr->thread, CX_TCFG_IPCBUF, RT_IPCBUF_ADDR));
    TRY(cx_thread_config(pr->thread, CX_TCFG_RT_STACK, RT_STACK_TOP));
    return cx_thread_resume(pr->thread);
}

/*
 * Builds the first process: runtime, vDSO, rt_info (with argv), the config text and
 * the boot archive mapped in, stacks, and the start stub. The runtime does the rest
 * (libc/start.c). Objects every process shares are mapped CX_MAP_SHARE.
 */
long start_first(int argc, char **argv, int trace)
{
    long err;
    struct cx_ret qi = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0);
    uint64_t avail = qi.rsi - qi.rdi;
    if (avail < RESERVE + (4ul << 20))
        return CX_E_NO_QUOTA;
    quota = cx_slot_alloc(), log_cap = cx_slot_alloc();
    TRY(cx_quota_create(CX_SLOT_QUOTA, avail - RESERVE, quota));
    /* the log is labelled with the program's name when the launcher was given it */
    const char *label = cx_start_info ? cx_start_info->name : "posix";
    const char *base = argc ? argv[0] + strlen(argv[0]) : label;
    while (argc && base > argv[0] && base[-1] != '/')
        base--;
    TRY(cx_log_create(CX_SLOT_LOG, quota, argc ? base : label, log_cap));

    struct rt_info *ri = &base_info;
    /* I/O-port capabilities given to the launcher go on to the processes (the `uart`
     * plugin finds them by name) */
    unsigned nio = 0;
    uint64_t slot = CX_SLOT_FIRST_FREE;
    for (uint64_t i = 0; cx_start_info && i < cx_start_info->ncaps && nio < 4; i++) {
        const char *name = cx_start_info->caps[i].name;
        if (!strcmp(name, "archive"))
            continue;
        memcpy(ri->io[nio].name, name, strlen(name) + 1);
        ri->io[nio].slot = slot++;
        ri->io[nio].first = cx_start_info->caps[i].value;
        io_src[nio] = cx_start_info->caps[i].slot;
        nio++;
    }
    ri->magic = RT_INFO_MAGIC;
    ri->slot_pd = CX_SLOT_SELF_PD;
    ri->slot_thread = CX_SLOT_SELF_THREAD;
    ri->slot_quota = CX_SLOT_QUOTA;
    ri->slot_log = CX_SLOT_LOG;
    ri->slot_parent = CX_SLOT_PARENT;
    ri->slot_child_notif = NOTIF_SLOT;
    ri->first_free_slot = NOTIF_SLOT + 1;
    ri->slots = PROC_SLOTS;
    ri->trace = (uint64_t)trace;
    ri->realtime_offset_ns = cx_start_info ? (uint64_t)cx_start_info->realtime_offset_ns : 0;
    ri->priority = process_priority();
    memcpy(ri->component, label, strlen(label) + 1);
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (ri->args_len + n > sizeof(ri->args))
            return CX_E_INVALID_ARG;
        memcpy(ri->args + ri->args_len, argv[i], n);
        ri->args_len += (uint32_t)n;
        ri->argc++;
    }

    struct proc *pr = new_proc(0);
    TRY(make_domain(pr));
    const uint64_t all = CX_MAP_R | CX_MAP_W | CX_MAP_X;
    TRY(load_image(pr, &runtime, 0, all, 0));
    if (vdso.data) {
        if (vdso.elf.load_max > RT_VDSO_PAGES * CX_PAGE_SIZE)
            return CX_E_INVALID_ARG;
        /* read by musl only */
        TRY(load_image(pr, &vdso, RT_VDSO_ADDR, CX_MAP_R | CX_MAP_X, CX_MAP_SHARE));
        struct rt_vvar vv = {cx_raw_clock(0, 0, 0, 0, 0, 0).rdi, ri->realtime_offset_ns};
        TRY(give_data(pr, RT_VVAR_ADDR, &vv, sizeof(vv), CX_MAP_SHARE));
        ri->vdso = 1;
    }
    /* the boot archive, read-only: the VFS's `tar` plugin shows it and its members */
    uint64_t asize = cx_named_value("archive");
    if (asize > RT_ARCHIVE_MAX)
        return CX_E_INVALID_ARG;
    TRY(cx_map(pr->pd, cx_named_cap("archive"), 0, RT_ARCHIVE_ADDR,
               (asize + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R | CX_MAP_SHARE));
    ri->archive_size = asize;
    archive_pages = (asize + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE;
    size_t clen = 0;
    const char *ctext = cx_config_text(&clen);
    if (clen)
        TRY(give_data(pr, RT_CONFIG_ADDR, ctext, clen, CX_MAP_SHARE));
    ri->config_size = clen;
    /* the start stub: mov $RT_NR_START, %eax; syscall; ud2 */
    uint8_t stub[9] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b};
    uint32_t nr = (uint32_t)RT_NR_START;
    memcpy(stub + 1, &nr, 4);
    uint64_t sm;
    TRY(new_mem(NULL, 1, &sm));
    TRY(cx_map(CX_SLOT_SELF_PD, sm, 0, SCRATCH, 1, CX_MAP_R | CX_MAP_W));
    memcpy((void *)SCRATCH, stub, sizeof(stub));
    cx_unmap(CX_SLOT_SELF_PD, SCRATCH, 1);
    TRY(cx_map(pr->pd, sm, 0, RT_START_ADDR, 1, CX_MAP_R | CX_MAP_X | CX_MAP_SHARE));
    TRY(give_info(pr, 0));
    uint64_t m;
    TRY(new_mem(pr, 1, &m));
    TRY(cx_map(pr->pd, m, 0, RT_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W));
    TRY(new_mem(pr, RT_STACK_PAGES, &m));
    TRY(cx_map(pr->pd, m, 0, RT_STACK_TOP - RT_STACK_PAGES * CX_PAGE_SIZE, RT_STACK_PAGES,
               CX_MAP_R | CX_MAP_W));
    return start_thread(pr);
}

/* fork: a copy of parent's address space (the runtime restarts the child's thread from
 * the registers it saved, libc/process.c); returns the child's pid or -errno. With
 * clone_parent (CLONE_PARENT) the child's parent is parent's own parent, which then
 * waits for it and gets its SIGCHLD; its group, session and bounds are still parent's.
 * A vfork child without a domain forks its host's address space, in which it runs (and
 * the objects its host holds): its runtime makes the child context the new process's
 * (libc/vfork.c). */
long do_fork(struct proc *parent, bool clone_parent)
{
    long err;
    struct proc *space = parent->host ? parent->host : parent;
    struct proc *gp = clone_parent ? find_proc(parent->ppid) : NULL;
    if (clone_parent && (!gp || gp->state != P_RUNNING))
        return -EINVAL; /* as Linux for init's (the first process's parent is us) */
    /* the first refusal after a fork that worked is logged (a fork bomb gives one line;
     * the log's label names the sandbox) */
    static bool refusing;
    struct proc *pr = new_proc(parent->pid);
    if (!pr) {
        if (!refusing)
            cx_printf("posix-spawn: fork by pid %d refused: the process table is full (%d "
                      "processes): EAGAIN\n",
                      parent->pid, MAX_PROCS);
        refusing = true;
        return -EAGAIN; /* the process table is full */
    }
    if (clone_parent) {
        pr->ppid = gp->pid;
        pr->pgid = parent->pgid;
        pr->sid = parent->sid;
        pr->narrowed = parent->narrowed;
        pr->no_archive = parent->no_archive;
        pr->labels = parent->labels;
    }
    pr->nocldwait = parent->nocldwait;
    pr->no_ctty = parent->no_ctty;
    if ((err = make_domain(pr)) || (err = cx_raw_pd_copy_as(space->pd, pr->pd, 0, 0, 0, 0).err) ||
        (err = shared_fork(space, pr)) || (err = give_info(pr, 1)) || (err = start_thread(pr))) {
        release(pr);
        pr->state = P_FREE;
        if (!refusing) {
            struct cx_ret qi = cx_raw_quota_info(quota, 0, 0, 0, 0, 0);
            cx_printf("posix-spawn: fork by pid %d refused: %s (sandbox quota: %lu of %lu KiB "
                      "used): %s\n",
                      parent->pid, cx_strerror(err), qi.rdi / 1024, qi.rsi / 1024,
                      err == CX_E_NO_QUOTA ? "ENOMEM" : "EAGAIN");
        }
        refusing = true;
        return err == CX_E_NO_QUOTA ? -ENOMEM : -EAGAIN;
    }
    refusing = false;
    return pr->pid;
}

/*
 * vfork (RT_LABEL_VFORK): a child process without a domain. Its runtime context lives
 * in the parent's runtime, on the parent's thread, until it execs or exits; its calls
 * reach the launcher on an endpoint badged with its own pid, which the parent's
 * runtime gets at slot. Returns the child's pid or -errno.
 */
long do_vfork(struct proc *parent, uint64_t slot)
{
    if (parent->host || slot < CX_SLOT_FIRST_FREE || slot >= PROC_SLOTS)
        return -EINVAL; /* a vfork child's own vfork, or a bad slot */
    struct proc *pr = new_proc(parent->pid);
    if (!pr)
        return -EAGAIN;
    pr->nocldwait = parent->nocldwait;
    pr->no_ctty = parent->no_ctty;
    pr->host = parent;
    long err = sigpage_make(pr);
    if (!err)
        err = cx_cap_copy(ep, parent->pd, slot, CX_R_WRITE, (uint64_t)pr->pid);
    if (err) {
        release(pr);
        pr->state = P_FREE;
        return err == CX_E_NO_QUOTA ? -ENOMEM : -EAGAIN;
    }
    pr->host_ep = slot;
    return pr->pid;
}

/* Takes a failed domain apart again (the vfork child stays without one). */
static void drop_domain(struct proc *pr)
{
    uint64_t *slots[] = {&pr->thread, &pr->pd, &pr->parent_ep, &pr->notif};
    for (unsigned i = 0; i < 4; i++)
        if (*slots[i]) {
            cx_cap_delete(*slots[i]);
            cx_slot_free(*slots[i]);
            *slots[i] = 0;
        }
    for (unsigned i = 0; i < pr->nmems; i++) /* all but the signal page, made first */
        if (pr->mems[i] != pr->sig_mem) {
            cx_cap_delete(pr->mems[i]);
            cx_slot_free(pr->mems[i]);
        } else {
            pr->mems[0] = pr->mems[i];
        }
    pr->nmems = pr->sig_mem ? 1 : 0;
    pr->info_mem = 0;
    unsigned ci = (unsigned)(pr - procs);
    for (unsigned id = 1; id < shared_end; id++)
        if (shared[id].used) {
            if (shared[id].fs)
                subclient_drop(pr, id);
            shared[id].holders[ci / 64] &= ~(1ul << (ci % 64));
        }
}

/*
 * The exec of a vfork child (RT_LABEL_VFORK_EXEC): its own domain now, with only the
 * runtime half of its host's address space (RT_RUNTIME_LO..HI: runtime image, data,
 * heap and stacks, the program file the runtime has just read, and the shared areas)
 * and the shared objects its host holds. Its runtime starts with `forked` 2: it takes
 * its references, drops its parent's context and finishes the exec (libc/vfork.c),
 * whose RT_CRED_EXEC tells the launcher it is ready. Returns 0 or -errno.
 */
long do_vfork_exec(struct proc *pr)
{
    struct proc *host = pr->host;
    if (!host)
        return -EINVAL;
    long err;
    if ((err = make_domain(pr)) ||
        (err = cx_raw_pd_copy_as(host->pd, pr->pd, RT_RUNTIME_LO, RT_RUNTIME_HI, CX_COPY_HOT, 0)
                   .err) ||
        (err = shared_fork(host, pr)) || (err = give_info(pr, 2)) || (err = start_thread(pr))) {
        drop_domain(pr);
        return err == CX_E_NO_QUOTA ? -ENOMEM : -EAGAIN;
    }
    pr->host = NULL;
    pr->host_ep = 0;
    pr->vfork_domain = true;                  /* ready at its exec's RT_CRED_EXEC */
    if (pr->sig->pending | pr->sig->qpending) /* sent while it had no domain */
        cx_thread_redirect(pr->thread);
    return 0;
}

#undef TRY

/* A fault inside the runtime itself (the runtime reports faults of program code itself,
 * with the function named from the program's symbols). */
void report_runtime_fault(int pid, uint64_t addr, uint64_t rip)
{
    const char *fn;
    uint64_t off;
    char where[128] = "";
    if (!elf_symbolize(runtime.data, runtime.size, rip, &fn, &off))
        cx_snprintf(where, sizeof(where), " in %s+%#lx (capix-runtime)", fn, off);
    cx_printf("posix-spawn: pid %d (%s): runtime fault (SIGSEGV) at address %#lx, rip %#lx%s\n",
              pid, prog_name, addr, rip, where);
}

/* pr has ended with a Linux wait status: it becomes a zombie for its parent to reap
 * (or goes at once when the launcher is its parent), its children go to their reaper
 * (the nearest subreaper above, else pid 1: wait.c). */
void proc_exit(struct proc *pr, int wait_status)
{
    if (!pr->cpu_ns && pr->thread) { /* killed: its main thread's time at least */
        struct cx_ret t = cx_raw_thread_config(pr->thread, CX_TCFG_CPU_TIME, 0, 0, 0, 0);
        pr->cpu_ns = t.rsi, pr->sys_ns = t.rdi;
    }
    /* the groups this exit may orphan: pr's own and its children's (POSIX: a group
       newly orphaned with a stopped member gets SIGHUP, then SIGCONT) */
    int groups[MAX_PROCS], sids[MAX_PROCS], n = 0;
    for (int i = -1; i < MAX_PROCS; i++) {
        struct proc *c = i < 0 ? pr : &procs[i];
        if (c->state != P_RUNNING || (i >= 0 && c->ppid != pr->pid))
            continue;
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen |= groups[k] == c->pgid;
        if (!seen && !orphaned(c->pgid, c->sid))
            groups[n] = c->pgid, sids[n++] = c->sid;
    }
    for (int i = 0; i < MAX_PROCS; i++) /* its vfork child ran on its thread */
        if (procs[i].state == P_RUNNING && procs[i].host == pr)
            proc_exit(&procs[i], LINUX_W_EXITCODE(0, SIGKILL));
    tty_leader_exit(pr);
    release(pr);
    pr->host = NULL;
    pr->state = P_ZOMBIE;
    pr->wait_status = wait_status;
    reparent_children(pr);
    for (int k = 0; k < n; k++)
        if (orphaned(groups[k], sids[k]) && group_stopped(groups[k])) {
            signal_group(groups[k], SIGHUP);
            signal_group(groups[k], SIGCONT);
        }
    notify_parent(pr);
}
