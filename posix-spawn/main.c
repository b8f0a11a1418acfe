/*
 * posix-spawn, the POSIX launcher: owns a sandbox's processes. It starts the first one
 * (a new protection domain with the capix runtime, the boot archive and the component's
 * config mapped in; the runtime builds the process's VFS from the config and loads the
 * program from it, docs/runtime.md) and keeps the process table: pids, parents, fork
 * (an eager copy of the address space, pd_copy_as), exit, wait and the zombies in
 * between. It is every process's fault handler and parent endpoint: requests arrive on
 * one endpoint, badged with the pid. All processes of the sandbox draw on one quota.
 * Its own exit status is the first process's (128 + N when killed by signal N); when
 * that process ends, the sandbox ends.
 *
 * Arguments: [--trace] [PROGRAM [ARGS...]]: PROGRAM is a path in the process's VFS
 * (the config's `argv` gives it otherwise).
 *
 * This file holds the process table's globals and the receive loop, which decodes each
 * request by its label and hands it to the file of its part (launcher.h lists them).
 */
#include "launcher.h"
#include <vfs/linux.h>

struct image runtime, vdso;
const char *prog_name = "(from config)";
struct proc procs[MAX_PROCS];
uint64_t quota, log_cap, ep;
int next_pid = 1;
uint64_t archive_pages;   /* the boot archive's size in pages */
int sandbox_status = -1;  /* set when pid 1 has ended: the sandbox ends */
struct rt_info base_info; /* what every process's rt_info starts from */
uint64_t io_src[4];       /* the launcher's slots of base_info.io[] */
struct tar_entry entry;

/* A vfork child's new domain holds its references (its exec got as far as
 * RT_CRED_EXEC): its parent, waiting in VFORK_DONE, may drop the child context now. */
void vfork_domain_ready(struct proc *pr)
{
    if (!pr->vfork_domain)
        return;
    pr->vfork_domain = false;
    pr->vfork_ready = true;
    struct proc *parent = find_proc(pr->ppid);
    if (parent && parent->state == P_RUNNING && parent->notif)
        cx_notif_signal(parent->notif, RT_CHILD_READY);
}

/* The process (running or a zombie) with pid, or NULL. */
struct proc *find_proc(int pid)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state != P_FREE && procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

/*
 * The sandbox ends: every file system it used writes back what it holds (FS_SYNCFS, as
 * Linux syncs before it powers off), so that what its processes wrote is on the disk
 * before init stops the machine. Each call is bounded (LAUNCHER_CALL_TIMEOUT_NS) and
 * touches no session buffer (the request is all in registers).
 */
static void sync_file_systems(void)
{
    for (unsigned id = 1; id < shared_end; id++) {
        struct shared *sh = &shared[id];
        if (!sh->used || !sh->fs)
            continue; /* not a File_system session */
        cx_ipcbuf()->words[4] = cx_ipcbuf()->words[5] = 0;
        struct cx_ret r =
            cx_raw_ipc_call(sh->notif, CX_TAG(FS_LABEL_REQUEST, 6, 0), FS_SYNCFS, 0, 0, 0);
        if (r.err || (long)r.rdx < 0)
            cx_printf("posix-spawn: the sandbox ends, and a file system it used could not "
                      "write back what it holds: %s\n",
                      r.err ? cx_strerror(r.err) : "the server's error");
    }
}

static void end_all(void)
{
    for (int i = 0; i < MAX_PROCS; i++)
        if (procs[i].state != P_FREE) {
            release(&procs[i]);
            procs[i].state = P_FREE;
        }
    for (int i = 0; i < MAX_PROCS; i++)
        procs[i].state = P_FREE;
}

int main(int argc, char **argv)
{
    /* its calls go to init (which waits up to INIT_CALL_TIMEOUT_NS for a provider) and
     * to servers: none may hold the sandbox for good (docs/sessions.md, "Timeouts") */
    cx_thread_config(CX_SLOT_SELF_THREAD, CX_TCFG_CALL_TIMEOUT, LAUNCHER_CALL_TIMEOUT_NS);
    int trace = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--trace"))
        trace = 1, a++;
    if (a < argc)
        prog_name = argv[a];
    uint64_t archive = cx_named_cap("archive");
    uint64_t size = cx_named_value("archive");
    long err = cx_map(CX_SLOT_SELF_PD, archive, 0, ARCHIVE_VA,
                      (size + CX_PAGE_SIZE - 1) / CX_PAGE_SIZE, CX_MAP_R);
    if (err) {
        cx_printf("posix-spawn: no boot archive (give it `boot-archive`): %s\n", cx_strerror(err));
        return 2;
    }
    if (find_image(&runtime, "capix-runtime"))
        return 127;
    if (programs_load(cx_start_info ? cx_start_info->name : ""))
        return 126;
    if (find_image(&vdso, "capix-vdso"))
        vdso.data = NULL; /* no vDSO: clock_gettime takes the system call */
    ep = cx_slot_alloc();
    err = cx_ep_create(CX_SLOT_QUOTA, ep);
    if (!err)
        err = start_first(argc - a, argv + a, trace);
    if (err) {
        cx_printf("posix-spawn: cannot start %s: %s\n", prog_name, cx_strerror(err));
        end_all();
        return 126;
    }
    struct cx_msg m;
    err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    for (;;) {
        uint64_t label = CX_TAG_LABEL(m.tag);
        if (!err && m.badge == TTY_EVENT_BADGE) { /* a terminal raised signals */
            tty_events();
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        struct proc *pr = err ? NULL : find_proc((int)m.badge);
        if (!pr || pr->state != P_RUNNING) {
            err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
            continue;
        }
        int ws = -1;
        if (pr->host && label == RT_LABEL_EXIT) {
            /* a vfork child's _exit: its parent's thread goes on (a SIGKILL sent to the
               child meanwhile is its end) */
            ws = pr->sig && (pr->sig->pending & (1ul << (SIGKILL - 1)))
                     ? LINUX_W_EXITCODE(0, SIGKILL)
                     : (int)m.w[0];
            pr->cpu_ns = pr->sys_ns = 0;
            proc_exit(pr, ws);
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        /* objects and sessions a domain-less vfork child makes belong to its host */
        struct proc *holder = pr->host ? pr->host : pr;
        if (label == RT_LABEL_EXIT) {
            ws = (int)m.w[0];
            pr->exit_reported = true;
            /* what the runtime says: only its parent's figures */
            pr->cpu_ns = m.w[1], pr->sys_ns = m.w[2] < m.w[1] ? m.w[2] : m.w[1];
        } else if (label == RT_LABEL_VFORK || label == RT_LABEL_VFORK_EXEC) {
            m.w[0] = (uint64_t)(label == RT_LABEL_VFORK ? do_vfork(pr, m.w[0]) : do_vfork_exec(pr));
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_VFORK_DONE) {
            struct proc *c = find_proc((int)m.w[0]);
            m.w[0] = !c || c->state != P_RUNNING || c->vfork_ready || c->ppid != pr->pid;
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == CX_LABEL_FAULT) {
            /* a view's page gone under a copy (a read, or a pwrite's into a view) */
            if (m.w[CX_FW_VECTOR] == CX_VEC_PF &&
                patch_gone_view(pr, m.w[CX_FW_ADDR], (m.w[CX_FW_ERROR] & CX_PF_WRITE) != 0)) {
                m.tag = CX_TAG(CX_FAULT_RESUME, 0, 0); /* the copy ends, and is not used */
                err = cx_reply_recv(ep, &m);
                continue;
            }
            if (m.w[CX_FW_VECTOR] == CX_VEC_PF && replace_gone_buffer(pr, m.w[CX_FW_ADDR])) {
                m.tag = CX_TAG(CX_FAULT_RESUME, 0, 0); /* its next request gives EIO */
                err = cx_reply_recv(ep, &m);
                continue;
            }
            report_runtime_fault(pr->pid, m.w[CX_FW_ADDR], m.w[CX_FW_RIP]);
            ws = LINUX_W_EXITCODE(0, SIGSEGV); /* no core is written: no LINUX_WCOREFLAG */
        } else if (label == RT_LABEL_FORK) {
            m.w[0] = (uint64_t)do_fork(pr, CX_TAG_WORDS(m.tag) >= 1 && (m.w[0] & 1));
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_SESSION) {
            m.w[0] = (uint64_t)session_open(holder, &m);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_FIFO || label == RT_LABEL_UNIX) {
            m.w[0] =
                (uint64_t)fifo_open(holder, label == RT_LABEL_UNIX, m.w[0], m.w[1], m.w[2], m.w[3]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PASS) {
            uint64_t more[2];
            m.w[0] = (uint64_t)pass_request(holder, m.w[0], m.w[1], m.w[2], m.w[3], more);
            m.w[1] = more[0], m.w[2] = more[1];
            m.tag = CX_TAG(0, 3, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_SHARED_NEW || label == RT_LABEL_SHARED_DROP) {
            if (label == RT_LABEL_SHARED_NEW)
                m.w[0] = (uint64_t)shared_new(holder, m.w[0], m.w[1], m.w[2]);
            else
                shared_drop(holder, m.w[0]), m.w[0] = 0;
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_KILL || label == RT_LABEL_STOP || label == RT_LABEL_SIGQUEUE ||
                   label == RT_LABEL_TGKILL) {
            if (label == RT_LABEL_KILL)
                m.w[0] = (uint64_t)do_kill(pr, (long)m.w[0], (long)m.w[1]);
            else if (label == RT_LABEL_SIGQUEUE)
                m.w[0] = (uint64_t)do_sigqueue(pr, (long)m.w[0], (int)(uint32_t)m.w[1],
                                               (int)(m.w[1] >> 32), m.w[2], m.w[3]);
            else if (label == RT_LABEL_TGKILL)
                m.w[0] = (uint64_t)do_tgkill(pr, (long)m.w[0], (long)m.w[1], (int)m.w[2]);
            else
                set_stopped(pr, (int)m.w[0]), m.w[0] = 0;
            m.tag = CX_TAG(0, 1, 0);
            if (sandbox_status < 0) {
                err = pr->state == P_RUNNING ? cx_reply_recv(ep, &m)
                                             : cx_recv(ep, CX_TIMEOUT_NONE, &m);
                continue;
            }
        } else if (label == RT_LABEL_TERMINAL || label == RT_LABEL_TTY) {
            m.w[0] = label == RT_LABEL_TERMINAL
                         ? (uint64_t)terminal_open(holder)
                         : (uint64_t)tty_ctl(pr, m.w[0], m.w[1], (long)m.w[2]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_NARROW) {
            m.w[0] = (uint64_t)do_narrow(pr, m.w[0]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PRCTL) {
            m.w[0] = (uint64_t)do_prctl(pr, m.w[0], CX_TAG_WORDS(m.tag) >= 2 ? m.w[1] : 0);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_NOCLDWAIT) {
            pr->nocldwait = m.w[0] != 0;
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PROC) {
            unsigned n = proc_query(pr, &m, CX_TAG_WORDS(m.tag));
            m.tag = CX_TAG(0, n, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_CRED) {
            unsigned n = creds_call(pr, &m, CX_TAG_WORDS(m.tag));
            m.tag = CX_TAG(0, n, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_PGRP) {
            m.w[0] = (uint64_t)do_pgrp(pr, m.w[0], (long)m.w[1], (long)m.w[2]);
            m.tag = CX_TAG(0, 1, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else if (label == RT_LABEL_WAIT) {
            int status = 0;
            uint32_t uid = 0;
            m.w[0] = (uint64_t)do_wait(pr, (long)m.w[0], (int)m.w[1], &status, &m.w[2], &uid);
            m.w[1] = (uint64_t)status;
            cx_ipcbuf()->words[4] = uid;
            cx_ipcbuf()->words[5] = children_to_report(pr);
            m.tag = CX_TAG(0, 6, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        } else { /* RT_LABEL_FAULT_REPORT (the runtime has logged it), or unknown */
            m.tag = CX_TAG(0, 0, 0);
            err = cx_reply_recv(ep, &m);
            continue;
        }
        if (sandbox_status < 0 && pr->pid == 1) /* the sandbox ends with its first process */
            sandbox_status = LINUX_WTERMSIG(ws) ? 128 + LINUX_WTERMSIG(ws) : LINUX_WEXITSTATUS(ws);
        if (sandbox_status >= 0) {
            sync_file_systems();
            end_all();
            return sandbox_status;
        }
        proc_exit(pr, ws);
        err = cx_recv(ep, CX_TIMEOUT_NONE, &m);
    }
}
