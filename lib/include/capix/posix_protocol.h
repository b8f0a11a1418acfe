/*
 * Where the POSIX runtime lives in every POSIX process, and what the launcher hands it.
 * Shared by the runtime (libc/) and the launcher (posix-spawn/). Programs built with
 * musl-gcc -static load at 0x400000; brk grows from their end; mmap hands out addresses
 * from RT_MMAP_TOP downwards. The runtime's own pages sit at 0x30000000 (below 2 GiB, so
 * it is linked non-PIC with the small code model).
 */
#ifndef CAPIX_POSIX_LAYOUT_H
#define CAPIX_POSIX_LAYOUT_H

#include <stdint.h>

#define RT_IMAGE_BASE 0x30000000ul  /* the runtime ELF is linked here */
#define RT_INFO_ADDR 0x2ff00000ul   /* struct rt_info, read-only */
#define RT_IPCBUF_ADDR 0x2ff01000ul /* main thread's IPC buffer */
#define RT_STACK_TOP 0x2fff0000ul   /* main thread's runtime stack (grows down) */
#define RT_STACK_PAGES 16
#define RT_HEAP_BASE 0xc0000000ul /* the runtime's private heap (up to 1 GiB) */
#define RT_HEAP_LIMIT (1ul << 30)
/* Per-thread areas of threads made by clone, above the scratch window and below the
 * archive (64 MiB): each an IPC buffer page, then the runtime stack (60 KiB; the main
 * thread's is 64 KiB, and no runtime frame is above 2 KiB). Each costs its quota 68 KiB. */
#define RT_THREADS_BASE 0x3c000000ul
#define RT_THREAD_AREA (16 * 4096ul)
#define RT_MAX_THREADS 1024                /* threads per process, the main one included */
#define RT_TIMER_AREA (RT_MAX_THREADS - 1) /* the runtime's timer thread uses the last area */
#define RT_MMAP_TOP 0x7f0000000000ul       /* program mmap region, handed out downwards */
#define RT_MMAP_BOTTOM 0x100000000ul
#define RT_BRK_MAX 0x20000000ul /* brk may grow up to here */
#define RT_PROG_STACK_TOP 0x7ffffffff000ul
#define RT_PROG_STACK_PAGES 256 /* 1 MiB, zero-filled on touch */

#define RT_PIPES_BASE 0x24000000ul /* pipe buffers, shared across fork (64 MiB) */
/* Views of files' pages that the fs plugin reads straight from (libc/session.c): a
 * fault here is a view whose memory its server destroyed meanwhile (the launcher maps a
 * zero page; the plugin sees the server's count move and asks the server instead). */
#define RT_VIEWS_BASE 0x28000000ul
#define RT_VIEWS_SIZE (80ul << 20) /* up to RT_SESSIONS_BASE */
#define RT_PIPE_AREA (17 * 4096ul) /* one pipe: a header page and 64 KiB of data */
#define RT_MAX_PIPES 960

/* A pipe's header page: the launcher reads it too, to take a killed process's ends out
 * of the counts (it knows the process by its index in its table, rt_info.proc_index). */
#define RT_MAX_PROCS 64
struct rt_pipe_ring {
    volatile uint64_t head, tail; /* bytes written and read, ever */
    volatile int32_t readers, writers;
    volatile int32_t lock;
    volatile uint32_t capacity; /* F_SETPIPE_SZ's bytes, a power of two from 4096 to the */
                                /* data's size (0 or out of range: the data's size) */
    volatile int32_t readers_of[RT_MAX_PROCS], writers_of[RT_MAX_PROCS];
    volatile uint32_t read_opens, write_opens; /* FIFOs: opens of each side, ever (a */
                                               /* blocked open waits for the other's) */
};
#define RT_ARCHIVE_ADDR 0x40000000ul /* the boot archive, read-only (up to 2 GiB) */
#define RT_ARCHIVE_MAX (2ul << 30)
#define RT_SIGPAGE_ADDR 0x2fefd000ul /* struct rt_sigpage: signals the launcher sends */
#define RT_CONFIG_ADDR 0x2fd00000ul  /* the component's config text, read-only (up to 1 MiB) */
#define RT_START_ADDR 0x2fefe000ul   /* one page: the start stub (see below) */
#define RT_SCRATCH_ADDR 0x38000000ul /* the runtime's window for loading programs (64 MiB) */
#define RT_SCRATCH_MAX (64ul << 20)

/* The process starts at RT_START_ADDR, outside the runtime's code: `mov $RT_NR_START,
 * %eax; syscall`. The kernel reflects it into the runtime like any Linux call, and the
 * runtime (which accepts this number once, before anything else) reads its config,
 * builds its VFS, loads the program from it and resumes into the program's entry. */
#define RT_NR_START 0x7ffe0001ul

/* The runtime's direct entry and return of Linux calls (libc/entry.S, pd_set_runtime's
 * sysentry and sysret) sit at these offsets from its ELF entry. */
#define RT_SYSENTRY_OFF 0x80
#define RT_SYSRET_OFF 0xc0

#define RT_VDSO_ADDR 0x2fe00000ul /* the vDSO (AT_SYSINFO_EHDR), at most 16 KiB */
#define RT_VDSO_PAGES 4
#define RT_VVAR_ADDR 0x2fe08000ul /* struct rt_vvar, read-only */

/* Data the vDSO reads. */
struct rt_vvar {
    uint64_t tsc_hz;
    uint64_t realtime_offset_ns; /* CLOCK_REALTIME = CLOCK_MONOTONIC + this */
};

/*
 * Signals sent to a process (kill, SIGCHLD): the launcher fills info[sig - 1], then sets
 * the bit (sig - 1) in pending and redirects the main thread; the runtime takes bits
 * out atomically. One instance per signal: standard signals coalesce.
 *
 * Queued instances (docs/signals.md): real-time signals (32..64) sent by kill or sigqueue,
 * and any signal sent to one thread of another process (tgkill, tkill), take an entry of
 * queue[]. A producer (the launcher, or the runtime for its own sigqueue) claims a free
 * entry by compare-and-swap of state 0 -> 1, fills it (seq from next_seq, which orders
 * instances), publishes it with state 2 (release), then sets the bit in qpending (an
 * entry for the process) or tpending (for thread tid), and redirects the main thread.
 * The runtime takes entries (2 -> 0) under its lock, lowest signal first, then lowest
 * seq. At most `limit` entries (0: RT_SIGQ_LEN; RLIMIT_SIGPENDING) are full at once: a
 * sigqueue beyond that fails with EAGAIN, a kill sets the plain bit instead (its info
 * in info[]), as Linux does beyond its limit. tids[] holds the process's live thread
 * ids (written by the runtime), so that the launcher can say ESRCH for others.
 */
#define RT_SIGQ_LEN 64
#define RT_SIGQ_FREE 0
#define RT_SIGQ_CLAIMED 1
#define RT_SIGQ_FULL 2
struct rt_sigq_entry {
    volatile uint32_t state;
    uint32_t seq;
    int32_t sig, code, pid, uid;
    uint64_t value; /* si_value (or the wait status of SIGCHLD) */
    int32_t tid;    /* 0: for the process; else one thread of it */
    int32_t pad;
};
struct rt_sigpage {
    volatile uint64_t pending;
    struct {
        int32_t code, pid, uid, status;
    } info[64];
    volatile uint64_t qpending; /* signals with an entry for the process */
    volatile uint64_t tpending; /* signals with an entry for one thread */
    volatile uint32_t next_seq;
    volatile uint32_t limit;
    volatile int32_t tids[64]; /* live thread ids (0: none) */
    struct rt_sigq_entry queue[RT_SIGQ_LEN];
};
_Static_assert(sizeof(struct rt_sigpage) <= 4096, "rt_sigpage is one page");

#define RT_INFO_MAGIC 0x43415049585254ul /* "CAPIXRT" */
/* The child-event notification's bits (rt_info.slot_child_notif). */
#define RT_CHILD_EVENT 1ull
#define RT_CHILD_READY 2ull

/* Message labels from the runtime to its launcher. */
#define RT_LABEL_EXIT 0xe1         /* w0: Linux wait status, w1 CPU ns, w2 of it system ns */
#define RT_LABEL_FAULT_REPORT 0xe2 /* w0 signal, w1 address, w2 rip */
#define RT_LABEL_FORK 0xe3         /* reply w0: the child's pid or -errno */
#define RT_LABEL_WAIT                                                                              \
    0xe4                   /* w0 pid (-1 any), w1 options; reply w0 pid, 0 or -errno, w1 status,   \
                              w2 and w3 a reaped child's CPU and system ns, w4 its real uid,       \
                              w5 how many children have a state change left to report */
#define RT_LABEL_PGRP 0xe5 /* w0 RT_PGRP_*, w1 pid, w2 pgid; reply w0 result */
#define RT_LABEL_SHARED_NEW 0xe6      /* w0 pages, w1 slot for the memory, w2 for the notif */
                                      /* (0: memory only, MAP_SHARED anonymous memory); */
                                      /* reply w0 the object's id or -errno */
#define RT_LABEL_SHARED_DROP 0xe7     /* w0 id: this process holds it no more */
#define RT_LABEL_FIFO 0xf9            /* w0 st_dev, w1 st_ino of a FIFO file, w2 slot for the */
                                      /* memory, w3 for the notification: its pipe (made by */
                                      /* the first opener); reply w0 the entry's id or -errno */
#define RT_LABEL_UNIX 0xfd            /* as RT_LABEL_FIFO, for AF_UNIX sockets (w0, w1 a key */
                                      /* of libc/unix.c): the same table, another kind */
#define RT_LABEL_SESSION 0xeb         /* IPC buffer words 0..3 service, 4..15 label, 16 quota to */
                                      /* donate, 17 slot for the endpoint, 18 for the memory; */
                                      /* reply w0 the session's shared-object id or -errno */
#define RT_SESSIONS_BASE 0x2d000000ul /* session buffers (struct fs_buf), shared across fork */
#define RT_MAX_SESSIONS 32
#define RT_LABEL_KILL 0xe8 /* w0 pid (as kill(2)), w1 signal; reply w0 0 or -errno */
#define RT_LABEL_STOP 0xe9 /* w0 signal: stop this process (a stop signal's default action) */
#define RT_LABEL_SIGQUEUE                                                                          \
    0xee /* w0 pid, w1 signal | code << 32, w2 si_value, w3 si_pid | si_uid << 32; reply w0 */
#define RT_LABEL_TGKILL 0xef /* w0 tgid (-1: any), w1 tid, w2 signal; reply w0 0 or -errno */
#define RT_LABEL_NOCLDWAIT                                                                         \
    0xea                       /* w0 1: children leave no zombies (SIGCHLD ignored, SA_NOCLDWAIT) */
#define RT_LABEL_TERMINAL 0xec /* IPC buffer words 4..15 label, 16..18 slots for the session */
                               /* endpoint, memory, input notification; reply w0 the */
                               /* terminal's id or -errno */
#define RT_LABEL_TTY 0xed      /* w0 TERM_CTL_*, w1 the terminal's id, w2 arg; reply w0 */
#define RT_LABEL_NARROW 0xf8   /* w0 a `program` rule's number (from 1): docs/sandboxes.md */
/* prctl's process-tree options (docs/runtime.md, "Parent death and subreapers"): w0 an
 * RT_PRCTL_* operation, w1 its argument (a signal 0..64; 0 or 1); reply w0 the value
 * (the GET ones), 0 or -errno. */
#define RT_LABEL_PRCTL 0xd5
#define RT_PRCTL_SET_PDEATHSIG 0 /* the signal this process gets when its parent ends */
#define RT_PRCTL_GET_PDEATHSIG 1
#define RT_PRCTL_SET_SUBREAPER 2 /* orphans below it come to it, not to pid 1 */
#define RT_PRCTL_GET_SUBREAPER 3
/* vfork (docs/runtime.md, "vfork"): a child without a domain that runs in its parent's */
#define RT_LABEL_VFORK 0xf0      /* w0 the parent's slot for the child's badged endpoint; */
                                 /* reply w0 the child's pid or -errno */
#define RT_LABEL_VFORK_EXEC 0xf1 /* from the child: its domain now (the runtime half of */
                                 /* its host's address space copied); reply w0 0 or -errno */
                                 /* (0xf2 unused: the child's exec's RT_CRED_EXEC says */
                                 /* its new domain holds its references) */
#define RT_LABEL_VFORK_DONE 0xf3 /* w0 pid: reply w0 1 when that child is ready or gone */
/* The process table for /proc (docs/runtime.md, "/proc"): w0 an RT_PROC_* operation.
 * RT_PROC_SET: w1 the length of the command line (argv, each string with its NUL) in
 * words 6.., at most RT_PROC_CMD_MAX bytes (cut), w2 the length of the command name in
 * words 4..5 (at most 15 bytes); reply w0 0 or -errno. RT_PROC_LIST: w1 a pid; reply w0
 * how many pids of the sandbox greater than it follow in words 1.. (ascending, at most
 * RT_PROC_LIST_MAX), or -errno. RT_PROC_INFO: w1 a pid; reply w0 0 or -errno (-ESRCH:
 * none in this sandbox), the fields of struct rt_proc_reply from word 1. */
#define RT_LABEL_PROC 0xf4
#define RT_PROC_SET 0
#define RT_PROC_LIST 1
#define RT_PROC_INFO 2
#define RT_PROC_CMD_MAX 384
#define RT_PROC_LIST_MAX 60
struct rt_proc_reply {
    int32_t ppid, pgid, sid, tpgid; /* tpgid: the terminal's foreground group, or -1 */
    uint32_t tty_nr;                /* Linux's encoding of the controlling terminal, or 0 */
    uint32_t state;                 /* 'R', 'S', 'T' or 'Z' */
    uint64_t start_ns;              /* since boot */
    uint64_t cpu_ns, sys_ns;        /* its main thread's (0 for a zombie's own) */
    uint32_t uid[4], gid[4];        /* real, effective, saved, file-system (RT_LABEL_CRED) */
    uint32_t cmd_len, pad;
    char comm[16];
    char cmd[RT_PROC_CMD_MAX];
};
_Static_assert(sizeof(struct rt_proc_reply) + 8 <= 64 * 8, "RT_PROC_INFO fits one message");
/*
 * Credentials (docs/runtime.md, "Credentials"): the launcher holds each process's user
 * and group ids and supplementary groups and applies Linux's rules to every change; a
 * fork or vfork child gets its parent's, execve keeps them (the saved ids become the
 * effective ones, after the file's set-user-id and set-group-id bits). w0 an RT_CRED_*
 * operation, w1..w3 its arguments (ids as 32-bit values, 0xffffffff: -1, unchanged).
 * RT_CRED_SETGROUPS: w1 the count, the groups in words 4.. (two per word, the first in
 * the low half). RT_CRED_EXEC: w1 the executed file's mode, w2 its owner, w3 its group;
 * it may carry the new command as RT_PROC_SET does (then w4 the command line's length,
 * w5 the name's, the name in words 6..7, the command line from word 8).
 * RT_CRED_CAPSET: w1 effective, w2 permitted, w3 inheritable (capset's three sets).
 * RT_CRED_PRCTL: w1 an RT_CAPCTL_* operation, w2 its argument (a capability, a bit
 * set). Every reply: w0 0, -errno (or the old fs id for RT_CRED_SETFSUID, _SETFSGID),
 * then struct rt_creds from word 1: the process's credentials after the call.
 * RT_CRED_CAPGET: w1 a pid; reply w0 0 or -ESRCH (none in this sandbox), w1 effective,
 * w2 permitted, w3 inheritable, w4 bounding, w5 ambient, w6 no_new_privs of that
 * process (not struct rt_creds: another process's).
 */
#define RT_LABEL_CRED 0xf6
#define RT_CRED_GET 0
#define RT_CRED_SETUID 1
#define RT_CRED_SETGID 2
#define RT_CRED_SETREUID 3
#define RT_CRED_SETREGID 4
#define RT_CRED_SETRESUID 5
#define RT_CRED_SETRESGID 6
#define RT_CRED_SETFSUID 7
#define RT_CRED_SETFSGID 8
#define RT_CRED_SETGROUPS 9
#define RT_CRED_EXEC 10
#define RT_CRED_CAPSET 11
#define RT_CRED_PRCTL 12
#define RT_CRED_CAPGET 13
#define RT_CAPCTL_SET_KEEPCAPS 0   /* PR_SET_KEEPCAPS: w2 0 or 1 */
#define RT_CAPCTL_SET_SECUREBITS 1 /* PR_SET_SECUREBITS: w2 the bits */
#define RT_CAPCTL_SET_NNP 2        /* PR_SET_NO_NEW_PRIVS (to 1, for good) */
#define RT_CAPCTL_BSET_DROP 3      /* PR_CAPBSET_DROP: w2 the capability */
#define RT_CAPCTL_AMB_RAISE 4      /* PR_CAP_AMBIENT_RAISE: w2 the capability */
#define RT_CAPCTL_AMB_LOWER 5      /* PR_CAP_AMBIENT_LOWER: w2 the capability */
#define RT_CAPCTL_AMB_CLEAR 6      /* PR_CAP_AMBIENT_CLEAR_ALL */
#define RT_CRED_GROUPS_MAX 64      /* supplementary groups (Linux: 65536) */
#define RT_CAP_LAST 40             /* CAP_CHECKPOINT_RESTORE, Linux 6.1's last */
#define RT_CAP_ALL ((1ull << (RT_CAP_LAST + 1)) - 1)
struct rt_ids {
    uint32_t real, eff, saved, fs; /* real, effective, saved set-id, file-system */
};
struct rt_creds {
    struct rt_ids uid, gid;
    uint32_t ngroups, pad;
    uint32_t groups[RT_CRED_GROUPS_MAX]; /* ascending, as Linux keeps them */
    /* Linux's capability sets (bit n: capability n, 0..RT_CAP_LAST) */
    uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
    uint32_t securebits;   /* Linux's SECBIT_* (SECBIT_KEEP_CAPS: PR_SET_KEEPCAPS) */
    uint32_t no_new_privs; /* PR_SET_NO_NEW_PRIVS: 0, or 1 for good */
};
#define RT_CRED_WORDS (1 + (sizeof(struct rt_creds) + 7) / 8) /* a reply, w0 included */
_Static_assert(RT_CRED_WORDS <= 64, "a credentials reply fits one message");
#define RT_RUNTIME_LO 0x20000000ul     /* the runtime half of the address space, which */
#define RT_RUNTIME_HI 0x100000000ul    /* RT_LABEL_VFORK_EXEC copies (no program memory) */
#define RT_TERMINALS_BASE 0x2e000000ul /* Terminal session memory, shared across fork */
#define RT_NET_BASE 0x20000000ul       /* the Net session's memory (socket.c), shared across fork */
#define RT_NET_MAX (64ul << 20)
/* The runtime's windows do not overlap (the Net session's once shared the views' place:
 * a process that had used a socket read its files through requests, not views) */
_Static_assert(RT_BRK_MAX <= RT_NET_BASE && RT_NET_BASE + RT_NET_MAX <= RT_PIPES_BASE &&
                   RT_PIPES_BASE + RT_MAX_PIPES * RT_PIPE_AREA <= RT_VIEWS_BASE &&
                   RT_VIEWS_BASE + RT_VIEWS_SIZE <= RT_SESSIONS_BASE &&
                   RT_SESSIONS_BASE < RT_TERMINALS_BASE && RT_TERMINALS_BASE < RT_CONFIG_ADDR,
               "the runtime's windows are apart");
#define RT_MAX_TERMINALS 4
#define RT_PGRP_GETPGID 0
#define RT_PGRP_SETPGID 1
#define RT_PGRP_GETSID 2
#define RT_PGRP_SETSID 3

struct rt_info {
    uint64_t magic;
    uint64_t slot_pd, slot_thread, slot_quota, slot_log, slot_parent;
    uint64_t first_free_slot, slots;
    uint64_t brk_start; /* first page after the program's highest segment */
    uint64_t pid, ppid;
    uint64_t trace;              /* log every Linux call */
    uint64_t realtime_offset_ns; /* CLOCK_REALTIME = CLOCK_MONOTONIC + this (0: unknown) */
    uint64_t archive_size;       /* the boot archive at RT_ARCHIVE_ADDR (0: none) */
    uint64_t config_size;        /* config text at RT_CONFIG_ADDR (0: none) */
    uint64_t vdso;               /* 1: the vDSO is mapped at RT_VDSO_ADDR */
    uint64_t forked; /* 1: a fork child (the runtime resumes its saved context); 2: a vfork */
                     /* child that execs (it finishes the exec its runtime started) */
    uint64_t slot_child_notif; /* signalled by the launcher: RT_CHILD_EVENT when a child */
                               /* changes state, RT_CHILD_READY when a vfork child's */
                               /* domain holds its references (its exec's */
                               /* RT_CRED_EXEC) */
    uint64_t proc_index;       /* this process's index in the launcher's table */
    uint64_t priority;         /* of this process's threads (below the launcher's) */
    char component[32];        /* the component whose `config` block applies */
    struct {
        char name[24];
        uint64_t slot, first; /* an I/O-port capability and its first port */
    } io[4];
    uint32_t argc, args_len; /* argv from the launcher: argc NUL-terminated strings */
    char args[3072];
};
_Static_assert(sizeof(struct rt_info) <= 4096, "rt_info is one page");

/* Descriptors in flight (SCM_RIGHTS; posix-spawn/passing.c, docs/unix-sockets.md). */
#define RT_LABEL_PASS 0xd4   /* w0 RT_PASS_*, then its words */
#define RT_PASS_PUT 1        /* w1 a held pipe-like object's id, w2 the counts its description */
                             /* adds (1 readers, 2 writers: taken out if it is dropped); */
                             /* reply w0 a ticket (> 0) or -errno */
#define RT_PASS_TAKE 2       /* w1 ticket, w2 slot for the memory, w3 for the notification: */
                             /* reply w0 this process's entry id for the object, or -errno; */
                             /* a handle's ticket: w0 the session's id, w1 handle, w2 node */
                             /* (EPERM: the caller does not hold the session) */
#define RT_PASS_DROP 3       /* w1 ticket: never to be taken (its counts come out); reply 0 */
#define RT_PASS_PUT_HANDLE 4 /* w1 a held File_system or Net session's id, w2 a handle, */
                             /* w3 its node (File_system; Net: 0), each with one */
                             /* reference for the flight: reply w0 a ticket */

#endif
