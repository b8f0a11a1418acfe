/*
 * The launcher's private interface, shared by its files: its limits and addresses, the
 * process table, the shared objects and terminals, and the functions its files call
 * across. All of it runs on the launcher's main thread, but for the terminal event
 * thread (tty.c), which only signals the main loop.
 */
#ifndef POSIX_SPAWN_LAUNCHER_H
#define POSIX_SPAWN_LAUNCHER_H

#include <capix/capix.h>
#include <capix/elf.h>
#include <capix/fs_protocol.h>
#include <capix/tar.h>
#include <capix/term_protocol.h>
#include <string.h>
#include <capix/posix_protocol.h>
#include "programs.h"
#include <capix/posix_sigqueue.h>

#define ARCHIVE_VA 0x10000000ul
#define SCRATCH 0x40000000ul
/* A process's cspace: made as it is used (kernel/core/cap.c); libc/memory.c's SLOT_MAX */
#define PROC_SLOTS 8192
#define MAX_PROCS RT_MAX_PROCS
#define PROC_FS_SUBS 8 /* File_system sessions one process may hold */

/* A process's own endpoint of a File_system session (subclients.c). */
struct proc_fs_sub {
    unsigned id;  /* the session's shared entry; 0: a free record */
    uint32_t num; /* the server's number for the sub-client (0: the owner's endpoint) */
    uint64_t ep;  /* the launcher's copy of its endpoint, shared by the processes whose */
                  /* credentials are the same (shared.sub_refs counts them) */
    uint64_t own; /* this process's copy of ep, which the process's copies derive from: */
                  /* revoking it takes this process's copies alone */
};
#define RESERVE (512ul << 10)                          /* quota the launcher keeps for itself */
#define LAUNCHER_CALL_TIMEOUT_NS (10ul * 1000000000ul) /* twice init's for a provider */
#define NOTIF_SLOT (CX_SLOT_FIRST_FREE + 4) /* in each process: its child-event notification */
#define SIGPAGES_VA 0x50000000ul            /* every process's signal page, mapped here */

struct image {
    const char *name;
    const void *data;
    size_t size;
    struct elf_info elf;
};

enum proc_state { P_FREE, P_RUNNING, P_ZOMBIE };

struct proc {
    enum proc_state state;
    int pid, ppid, pgid, sid;
    int wait_status;                       /* zombies: Linux wait status */
    uint64_t cpu_ns, sys_ns;               /* zombies: CPU and system time, its reaped
                                              children's too */
    uint64_t pd, thread, parent_ep, notif; /* originals held by the launcher */
    uint64_t view_patched;                 /* the view page patch_gone_view mapped last */
    bool net_gone_told;                    /* the log said its Net server is gone */
    uint64_t info_mem;                     /* its rt_info page */
    struct rt_sigpage *sig;                /* its signal page, mapped here too */
    int stop_sig;                          /* stopped by this signal (0: running) */
    bool stop_report, cont_report;         /* for wait4 with WUNTRACED, WCONTINUED */
    bool nocldwait;                        /* its children leave no zombies */
    bool no_ctty;                          /* left its session's terminal (TIOCNOTTY) */
    bool narrowed;                         /* a program rule bounds it (programs.h) */
    bool exit_reported; /* its runtime ended it (descriptors closed, record locks gone) */
    bool subreaper;     /* PR_SET_CHILD_SUBREAPER: orphans below it come to it (wait.c) */
    int pdeathsig;      /* PR_SET_PDEATHSIG: sent to it when its parent ends (0: none) */
    bool no_archive;    /* narrowed without the boot archive */
    uint64_t labels;    /* narrowed: the session labels it may hold */
    uint64_t mems[8];
    unsigned nmems;
    uint64_t sig_mem;  /* its signal page */
    struct proc *host; /* a vfork child without a domain yet: the process it runs in */
    uint64_t host_ep;  /* its badged endpoint in the host (the host's runtime deletes it) */
    bool vfork_ready;  /* a vfork child's new domain holds its references (its exec's */
                       /* RT_CRED_EXEC said so) */
    bool vfork_domain; /* a vfork child's new domain, not ready yet (its parent waits) */
    uint64_t start_ns; /* when it was made (since boot), for /proc */
    char comm[16];     /* what its runtime said at its last exec (RT_PROC_SET), cut */
    char cmd[RT_PROC_CMD_MAX];
    uint32_t cmd_len;
    struct rt_creds cred;                     /* its ids and groups (creds.c) */
    struct proc_fs_sub fs_subs[PROC_FS_SUBS]; /* its sub-clients (subclients.c) */
};

/*
 * Objects shared between processes (pipe buffers and their notifications): the
 * launcher makes them and holds the originals; each holder has copies at the same
 * slots, which a fork child gets too (it holds what its parent held). An object goes
 * when its last holder drops it or ends.
 */
#define MAX_SHARED 256

struct shared {
    bool used;
    uint64_t mem, notif;           /* originals (a session: its memory and endpoint) */
    uint64_t quota;                /* a session: the quota donated to its server */
    uint64_t slot_mem, slot_notif; /* where every holder has its copies */
    uint64_t notif2, slot_notif2;  /* a terminal: the input notification (wait rights) */
    bool pinned;                   /* a terminal: kept for the sandbox's life */
    bool fs;                       /* a session of the File_system service */
    bool silent;                   /* its server did not answer sessions_unlock's call */
    bool grant;                    /* a Net session: its endpoint may carry a capability */
                                   /* (NET_LABEL_BIND hands the server a notification) */
    int label;                     /* a session: programs_label_index of its label */
    unsigned fifo;                 /* a FIFO's pipe: its entry in fifos (mem, notif derived) */
    unsigned origin;               /* a received descriptor's object: the entry its copies */
                                   /* derive from (passing.c) */
    unsigned inflight;             /* tickets out and entries derived from this one: it */
                                   /* stays while any is (passing.c) */
    uint64_t holders[MAX_PROCS / 64];
    uint16_t sub_refs[FS_MAX_SUBCLIENTS + 1]; /* a File_system session: processes per */
                                              /* sub-client (subclients.c) */
};

/*
 * Named pipes (RT_LABEL_FIFO): the rendezvous of processes that open the same FIFO file
 * without having inherited anything. The pipe (buffer and notification, the originals
 * here) is found by the file's identity as the runtime names it, (st_dev, st_ino), and
 * the tree the process runs in (a program rule's processes never meet the others'). Each
 * process that asks gets a shared entry of its own (copies at its own slots, derived
 * from the originals, inherited by its fork children as any pipe); the pipe goes when
 * the last such entry does. The runtime is trusted with the identity only as far as the
 * sandbox goes: a process could name another FIFO of its own sandbox's tree.
 *
 * AF_UNIX sockets (RT_LABEL_UNIX, libc/unix.c, docs/unix-sockets.md) use the same table
 * with kind 1: the key is a name the runtimes agree on (a bound socket's, or one
 * connection's), the object the same pipe-sized area, whose first page the runtime lays
 * out like a pipe's header (so pipes_forget takes a dead process's ends out of it too).
 */
#define MAX_FIFOS 256 /* FIFOs and AF_UNIX objects: at most one per shared entry */

struct fifo {
    unsigned entries; /* shared entries derived from it (0: free) */
    uint64_t kind;    /* 0 a FIFO (RT_LABEL_FIFO), 1 an AF_UNIX object (RT_LABEL_UNIX) */
    uint64_t dev, ino, tree;
    uint64_t mem, notif;
};

/*
 * Terminals (docs/terminal.md): one Terminal session per label for the whole sandbox,
 * opened at the first process's request and kept for the sandbox's life. The launcher
 * is the terminal's half of the process model: which session it controls, its
 * foreground group, and the signals the line discipline raises (an event thread waits
 * for them and passes them to the main loop as a message).
 */
#define MAX_TTYS 4
#define TTY_VA 0x58000000ul /* page 0 of each terminal's memory */
#define TTY_EVENT_BADGE 0x7ffffffful
#define TERM_DONATION (512ul << 10)

struct tty {
    uint64_t id; /* its shared object */
    char label[CX_SESSION_LABEL_WORDS * 8];
    int sid, fg; /* the session it controls and its foreground group (0: none) */
    struct term_shared *sh;
};

/* main.c */
extern struct image runtime, vdso;
extern const char *prog_name;
extern struct proc procs[MAX_PROCS];
extern uint64_t quota, log_cap, ep;
extern int next_pid;
extern uint64_t archive_pages;   /* the boot archive's size in pages */
extern int sandbox_status;       /* set when pid 1 has ended: the sandbox ends */
extern struct rt_info base_info; /* what every process's rt_info starts from */
extern uint64_t io_src[4];       /* the launcher's slots of base_info.io[] */
extern struct tar_entry entry;
void vfork_domain_ready(struct proc *pr);
struct proc *find_proc(int pid);

/* image.c */
int find_image(struct image *im, const char *name);
long new_mem(struct proc *pr, uint64_t pages, uint64_t *slot);
long load_image(struct proc *pr, const struct image *im, uint64_t bias, uint64_t mask,
                uint64_t extra);
uint64_t exec_range(const struct image *im, uint64_t *hi);
long give_data(struct proc *pr, uint64_t va, const void *data, size_t len, uint64_t extra);

/* shared.c */
extern struct shared shared[MAX_SHARED];
extern unsigned shared_end; /* one past the highest entry ever used: walks stop there */
/* Marks sh used (and raises shared_end): every walk over the entries sees it. */
static inline void shared_mark_used(struct shared *sh)
{
    unsigned id = (unsigned)(sh - shared);
    sh->used = true;
    if (id >= shared_end)
        shared_end = id + 1;
}
void shared_free(struct shared *sh);
bool shared_held(const struct shared *sh);
bool holds(const struct shared *sh, const struct proc *pr);
void shared_drop(struct proc *pr, uint64_t id);
long shared_new(struct proc *pr, uint64_t pages, uint64_t slot_mem, uint64_t slot_notif);
long fifo_open(struct proc *pr, uint64_t kind, uint64_t dev, uint64_t ino, uint64_t slot_mem,
               uint64_t slot_notif);
bool label_allowed(const struct proc *pr, int li, const char *service, const char *label);
long session_open(struct proc *pr, const struct cx_msg *req);
long request_session(const uint64_t *words, uint64_t bytes, struct shared *sh);
long shared_fork(struct proc *parent, struct proc *child);
/* subclients.c: pr's own endpoint of File_system session id, at the session's slot in
 * its domain: 0 or -errno. */
long subclient_give(struct proc *pr, unsigned id);
/* A fork child's endpoint of session id: its parent's sub-client (the credentials are
 * the same), or a new one: 0 or -errno. */
long subclient_share(struct proc *parent, struct proc *child, unsigned id);
/* The server of each session pr holds gets pr's credentials as they are now (a
 * sub-client pr shares with others is left to them, and pr gets one of its own). */
void subclients_setcreds(struct proc *pr);
/* pr's endpoint of session id goes (its copies revoked); the server forgets the
 * sub-client when no process has it any more. */
void subclient_drop(struct proc *pr, unsigned id);
void pipes_forget(struct proc *pr);
/* passing.c: descriptors in flight (RT_LABEL_PASS): the answer to a request of pr */
/* RT_LABEL_PASS: the answer's w0; TAKE of a file's ticket also w1, w2 (out). */
long pass_request(struct proc *pr, uint64_t op, uint64_t a, uint64_t b, uint64_t c,
                  uint64_t out[2]);
void pass_origin_gone(struct shared *sh); /* sh (an entry with an origin) was freed */
void sessions_unlock(struct proc *pr);
void sessions_release_locks(struct proc *pr, bool ask);
bool replace_gone_buffer(struct proc *pr, uint64_t addr);
bool patch_gone_view(struct proc *pr, uint64_t addr, bool write);
long do_narrow(struct proc *pr, uint64_t number);

/* process.c */
void release(struct proc *pr);
long start_first(int argc, char **argv, int trace);
long do_fork(struct proc *parent, bool clone_parent);
long do_vfork(struct proc *parent, uint64_t slot);
long do_vfork_exec(struct proc *pr);
void report_runtime_fault(int pid, uint64_t addr, uint64_t rip);
void proc_exit(struct proc *pr, int wait_status);

/* signal.c */
void set_stopped(struct proc *pr, int sig);
void send_signal(struct proc *pr, int sig, int code, int pid, int status);
long do_kill(struct proc *pr, long pid, long sig);
long do_sigqueue(struct proc *pr, long pid, int sig, int code, uint64_t value, uint64_t ids);
long do_tgkill(struct proc *pr, long tgid, long tid, int sig);
void signal_group(int pgrp, int sig);

/* wait.c */
void set_ppid(struct proc *pr, int ppid);
bool group_stopped(int pgrp);
bool orphaned(int pgrp, int sid);
long do_wait(struct proc *pr, long pid, int options, int *status, uint64_t ns[2], uint32_t *uid);
unsigned children_to_report(const struct proc *pr);
long do_pgrp(struct proc *pr, uint64_t op, long pid, long pgid);
long do_prctl(struct proc *pr, uint64_t op, uint64_t arg);
void reparent_children(struct proc *pr);
void notify_parent(struct proc *pr);
uint64_t child_notif(const struct proc *pr);

/* tty.c */
extern struct tty ttys[MAX_TTYS];
void tty_events(void);
long terminal_open(struct proc *pr);
bool is_ctty(const struct tty *t, const struct proc *pr);
long tty_ctl(struct proc *pr, uint64_t op, uint64_t id, long arg);
void tty_leader_exit(struct proc *pr);

/* creds.c */
void creds_first(struct proc *pr);
unsigned creds_call(struct proc *pr, struct cx_msg *m, unsigned words);

/* proc_query.c */
unsigned proc_query(struct proc *pr, struct cx_msg *m, unsigned words);
/* pr's command name (nlen bytes at name, at most 15) and command line (clen bytes at
 * cmd, which holds cmd_words words), as RT_PROC_SET says them; 0 or -EINVAL */
long proc_set(struct proc *pr, uint64_t clen, uint64_t nlen, const uint64_t *name,
              const uint64_t *cmd, unsigned cmd_words);

#endif
