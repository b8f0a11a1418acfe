/*
 * The POSIX runtime: one self-contained image mapped into every POSIX process (like a
 * vDSO). It implements the Linux x86_64 system-call ABI that musl speaks on top of
 * capix's native calls. It shares nothing with the program's libc, has its own data,
 * and never makes a Linux call itself. Functions return a value or a negative Linux
 * errno, handed to musl by the entry code.
 */
#ifndef CAPIX_RUNTIME_H
#define CAPIX_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <capix/capix.h>
#include <capix/config.h>
#include <vfs/vfs.h>
#include <capix/posix_protocol.h>
#include "linux.h"

struct rt_call {
    uint64_t nr, a[6];
    uint64_t attn; /* set by rt_syscall: the word of this thread's pending signals that
                    * the direct return (entry.S, rt_sysret) looks at */
};

extern const struct rt_info *rt;
extern int rt_trace;              /* log every call (config `trace` or launcher --trace) */
extern uint32_t rt_uid, rt_gid;   /* the identity programs see (config `uid`, `gid`) */
extern uint32_t rt_umask_initial; /* config `umask` */
extern uint32_t rt_net_sockets;   /* config `sockets`: what the Net session's donation covers */

/* A thread's signal state (signal.c; kept in thread.c's thread records). */
struct rt_tsig {
    uint64_t mask;    /* blocked signals (bit sig - 1) */
    uint64_t pending; /* signals sent to this thread (tkill, faults) */
    struct {
        int32_t code, pid;
    } info[64];
    uint64_t ss_sp, ss_size; /* sigaltstack */
    int ss_flags;
    uint64_t waitset;    /* rt_sigtimedwait: the signals it takes */
    uint64_t saved_mask; /* rt_sigsuspend: the mask to restore */
    bool restore_mask;
    bool interrupted;    /* a wait of the current call was broken by a signal */
    uint64_t restart_nr; /* 1 + the call to restart (SA_RESTART), or 0 */
    bool deliver_now;    /* it sent itself a signal it does not block: delivered as the
                          * call returns, without a redirect */
};

/* A dispatcher part's answer for a call it does not serve. */
#define RT_NOT_MINE (-0x7fffffffl)

long rt_syscall(struct rt_call *c);
void rt_event(uint64_t reason, uint64_t vector, uint64_t error, uint64_t address);
_Noreturn void rt_exit_process(int wait_status);
void rt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *rt_syscall_name(uint64_t nr);
const char *rt_strerror(long err); /* a negative errno's name, such as "ENOENT" */
uint64_t rt_realtime_ns(void);     /* CLOCK_REALTIME */
void rt_random_bytes(void *buf, size_t n);

/* start.c and exec.c: start-up and program loading */
extern struct vfs *rt_vfs;
extern const struct vfs_plugin rt_plugin_uart;
struct vfs_fs;
struct vfs_fs_ops;
/* The mount of a hidden file system of the runtime's own (sockets, AF_UNIX, event
 * descriptors, message queues): fs of ops, whose root is root, a directory with inode
 * number ino and the instance's one reference; *out = fs, 0. */
int rt_hidden_mount(struct vfs_fs *fs, struct vfs_node *root, const struct vfs_fs_ops *ops,
                    uint64_t ino, struct vfs_fs **out);
extern uint64_t rt_brk_start; /* first page after the program's highest segment */
extern char rt_exe_path[4096];
extern const char *rt_cmdline; /* argv strings of the program, each with its NUL */
extern size_t rt_cmdline_len;
extern const char *rt_environ; /* the environment's strings exec gave, in order, each with
                                  its NUL (/proc/self/environ) */
extern size_t rt_environ_len;
long rt_start(void);
/* Loads path from the VFS and enters it; returns only an error, while the old program
 * is still intact. */
long rt_exec(const char *path, const char *const argv[], const char *const envp[]);
long rt_exec_depth(const char *path, const char *const argv[], const char *const envp[], int depth);
/* "function+offset" of an address in the program, from its symbols; 0 or -1. */
int rt_exe_symbol(uint64_t addr, char *buf, size_t size);
/* maps: the area of the program's segments (the file's parts, then their zeros) with the
 * lowest start at or above from into *out (zeroed by the caller): 1, or 0 (none). */
struct vfs_mapping;
int rt_exe_area(uint64_t from, struct vfs_mapping *out);
/* maps: mprotect of [addr, addr + len) to prot (PROT_*) where it covers the program's
 * segments: their areas are split and show prot. */
void rt_exe_protect(uint64_t addr, uint64_t len, uint32_t prot);
void rt_exe_private(uint64_t addr, uint64_t len);
/* maps.c: vfs_env.mapping, the program's address space for /proc/self/maps. */
int rt_maps_area(void *ctx, uint64_t from, struct vfs_mapping *out);

/* pipe.c */
long rt_pipe2(int *fds, int flags);
void rt_pipes_after_fork(void);
void rt_pipes_after_narrow(void);
uint64_t rt_pipe_area_take(void); /* a free pipe area's address (unix.c), or 0 */
void rt_pipe_area_give(uint64_t va);

/* Programs with their own tree (programs.c, docs/sandboxes.md). */
int rt_programs_add(const struct cfg_node *n, struct cfg_error *err);
unsigned rt_program_rule(const char *path); /* its rule's number (from 1), or 0 */
unsigned rt_programs_count(void);
/* 0, or -errno with nothing changed; *exe (the new program's file) may be put and set
 * to NULL */
long rt_program_enter(unsigned number, struct vfs_file **exe);
void rt_exec_forget_exe(void); /* puts the running program's file (exec.c) */
/* a vfork child's new domain, before it takes its references: the program file in its
 * copy of the runtime is its parent's, which it takes no reference on (exec.c) */
void rt_exec_disown_exe(void);
int rt_vfs_build(const struct cfg_node *node, struct vfs **out, struct cfg_error *err);
void rt_sessions_after_narrow(void);
void rt_terminals_after_narrow(void);
int rt_pipe_wait(struct vfs_file *f, unsigned events);
uint64_t rt_pipe_notif(struct vfs_file *f);
/* A pipe end (or FIFO) to pass (SCM_RIGHTS): its object's id, the counts it adds (1
 * readers, 2 writers), its access mode, a FIFO description's status slot (0: none); its
 * in-flight share of the counts and of the slot moved by delta. 0, or -EOPNOTSUPP if f
 * is no pipe of ours. */
long rt_pipe_pass(struct vfs_file *f, uint64_t *id, unsigned *counts, uint32_t *accmode,
                  unsigned *slot, int delta);
/* A received pipe end (a ticket of the launcher; slot: a FIFO description's status slot,
 * rt_pipe_pass's, 0 for none) as a new descriptor: fd or -errno. */
long rt_pipe_adopt(uint64_t ticket, uint32_t accmode, unsigned slot, uint32_t status,
                   uint32_t fdflags);
/* Fork: the child's shares of FIFO descriptions' status slots (pipe.c). */
void rt_fifos_before_fork(void);
void rt_fifos_fork_done(bool failed);

/* Status flags that live where every holder of a description sees them (fdkinds.c,
 * docs/runtime.md, "Status flags"): a pipe's end, an AF_UNIX connection's side or
 * listener, an eventfd, an AF_INET socket keep F_SETFL's flags in their shared object,
 * so that a fork child or a receiver of SCM_RIGHTS sees what another holder set, as on
 * Linux. rt_file_status copies them into f->flags and returns f->flags (f->flags alone
 * for other descriptions); rt_file_status_publish writes f->flags there. */
#define RT_STATUS_SHARED (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)
#define RT_STATUS_SET 0x80000000u /* the word has been written */
uint32_t rt_file_status(struct vfs_file *f);
void rt_file_status_publish(struct vfs_file *f);
/* Each kind's word for f, or NULL when f is none of its kind or has none. */
volatile uint32_t *rt_pipe_status_word(struct vfs_file *f);
volatile uint32_t *rt_unix_status_word(struct vfs_file *f);
volatile uint32_t *rt_sock_status_word(struct vfs_file *f);
volatile uint32_t *rt_efd_status_word(struct vfs_file *f);
/* Sockets (socket.c): the calls, each 0/fd/count or -errno; the waits as for pipes. */
long rt_socket(uint64_t domain, uint64_t type, uint64_t protocol);
long rt_bind(int fd, uint64_t uaddr, uint64_t len);
long rt_listen(int fd, int backlog);
long rt_accept4(int fd, uint64_t uaddr, uint64_t ulen, int flags);
long rt_connect(int fd, uint64_t uaddr, uint64_t len);
long rt_sockname(int fd, uint64_t uaddr, uint64_t ulen, bool peer);
long rt_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len);
long rt_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t ulen);
long rt_sendmsg(int fd, uint64_t umsg, int flags);
long rt_recvmsg(int fd, uint64_t umsg, int flags);
long rt_shutdown(int fd, int how);
long rt_setsockopt(int fd, int level, int name, uint64_t val, uint64_t len);
long rt_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen);
int rt_socket_wait(struct vfs_file *f, unsigned events); /* 0: no socket */
uint64_t rt_socket_notif(struct vfs_file *f);            /* 0: no socket */
/* Linux's struct msghdr and struct iovec on x86_64. */
struct l_msghdr {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, pad1;
};
struct l_iovec {
    uint64_t base, len;
};
int rt_get_msg(uint64_t umsg, struct l_msghdr *m, uint64_t *total, bool recv);
/* Value-result lengths as Linux's socket calls treat them (socket_calls.c). rt_get_len:
 * the int at ulen, 0, -EFAULT or -EINVAL (negative). rt_put_sized: writes at most that
 * many of the size bytes at src to uptr, then sets *ulen to size (an address: the
 * caller learns its whole length; report_full) or to the bytes written (an option
 * value): 0, -EFAULT, -EINVAL. rt_put_msg_name: the same for a received message's
 * msg_name (truncated to m->namelen, skipped at a bad pointer): returns the namelen to
 * report, size. */
int rt_get_len(uint64_t ulen, int32_t *len);
int rt_put_sized(uint64_t uptr, uint64_t ulen, const void *src, uint32_t size, bool report_full);
uint32_t rt_put_msg_name(const struct l_msghdr *m, const void *src, uint32_t size);
void rt_iov_copy(const struct l_msghdr *m, uint8_t *buf, uint64_t n, bool to_iov);
void rt_sockets_before_fork(void);
void rt_sockets_fork_done(bool failed);
void rt_sockets_after_fork(void);
/* AF_UNIX sockets (unix.c): socket.c hands a call on when the descriptor is one. */
bool rt_unix_is(int fd);
bool rt_unix_file(struct vfs_file *f);
long rt_unix_socket(uint64_t type, uint64_t protocol);
long rt_unix_socketpair(uint64_t domain, uint64_t type, uint64_t protocol, uint64_t fds);
long rt_unix_bind(int fd, uint64_t uaddr, uint64_t len);
long rt_unix_listen(int fd, int backlog);
long rt_unix_accept4(int fd, uint64_t uaddr, uint64_t ulen, int flags);
long rt_unix_connect(int fd, uint64_t uaddr, uint64_t len);
long rt_unix_sockname(int fd, uint64_t uaddr, uint64_t ulen, bool peer);
long rt_unix_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len);
long rt_unix_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t ulen);
long rt_unix_sendmsg(int fd, uint64_t umsg, int flags);
long rt_unix_recvmsg(int fd, uint64_t umsg, int flags);
long rt_unix_shutdown(int fd, int how);
long rt_unix_setsockopt(int fd, int level, int name, uint64_t val, uint64_t len);
long rt_unix_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen);
int rt_unix_wait(struct vfs_file *f, unsigned events); /* 0: no AF_UNIX socket */
uint64_t rt_unix_notif(struct vfs_file *f);            /* 0: none to wait on */
void rt_unix_after_fork(void);
void rt_unix_after_narrow(void);
/* pipe.c: FIFOs (vfs_env.fifo_open, and the wait for the other side after an open). */
int rt_fifo_open(void *ctx, struct vfs_node *node, uint32_t flags, struct vfs_file **out);
int rt_fifo_open_wait(int fd);
/* terminal.c: the Terminal sessions of this process (the terminal plugin's transport). */
struct term_transport;
int rt_terminal_open(const char *label, struct term_transport *out);
uint64_t rt_terminal_notif(struct vfs_file *f); /* its input notification, or 0 */
/* The status word shared by every holder of terminal description f, or NULL (its own). */
volatile uint32_t *rt_tty_status_word(struct vfs_file *f);
/* SCM_RIGHTS: f's slot (0: none), its count changed by delta for the message. */
unsigned rt_tty_pass(struct vfs_file *f, int delta);
/* The next terminal description opened takes over slot (a received one's, counted). */
void rt_tty_adopt(unsigned slot);
/* Fork: the child's share of every slot, as rt_fifos_before_fork's. */
void rt_ttys_before_fork(void);
void rt_ttys_fork_done(bool failed);
void rt_ttys_after_fork(void);

/* timer.c */
struct l_itimerval;
struct l_sigevent;
struct l_itimerspec;
long rt_setitimer(int which, const struct l_itimerval *nv, struct l_itimerval *ov);
long rt_getitimer(int which, struct l_itimerval *ov);
long rt_alarm(unsigned seconds);
long rt_timer_create(int clock, const struct l_sigevent *ev, int *id);
long rt_timer_settime(long id, int flags, const struct l_itimerspec *nv, struct l_itimerspec *ov);
long rt_timer_gettime(long id, struct l_itimerspec *cur);
long rt_timer_getoverrun(long id);
int rt_timer_taken(long id); /* signal.c: a timer's signal is taken; its si_overrun */
long rt_timer_delete(long id);
void rt_timers_after_fork(void);
void rt_timers_exec(void);

/* poll.c */
long rt_poll(void *ufds, uint64_t nfds, long timeout_ms);
long rt_ppoll(void *ufds, uint64_t nfds, const struct linux_timespec *ts, const uint64_t *mask,
              uint64_t masksize);
long rt_select(int nfds, uint64_t *rs, uint64_t *ws, uint64_t *es, int64_t *tv);
long rt_pselect6(int nfds, uint64_t *rs, uint64_t *ws, uint64_t *es, struct linux_timespec *ts,
                 const uint64_t *sig);

/* fs.c: the file calls, or RT_NOT_MINE */
long rt_fs_syscall(const struct rt_call *c);

/* memory.c */
long rt_brk(uint64_t addr);
long rt_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off);
long rt_munmap(uint64_t addr, uint64_t len);
long rt_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
long rt_madvise(uint64_t addr, uint64_t len, uint64_t advice);
long rt_msync(uint64_t addr, uint64_t len, uint64_t flags);
bool rt_addr_beyond_eof(uint64_t addr);
long rt_mremap(uint64_t old, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr);
uint64_t rt_slot_alloc(void);
void rt_slot_free(uint64_t slot);

/* process.c */
struct k_sigaction;
long rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old, size_t size);
long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old, size_t size);
long rt_prlimit(int pid, unsigned res, const struct linux_rlimit *nl, struct linux_rlimit *ol);
unsigned rt_nofile_limit(void);
long rt_sleep_ns(uint64_t ns);
void rt_sleep_after_fork(void);
void rt_poll_after_fork(void);
long rt_sysinfo(struct linux_sysinfo *si);

/* thread.c */
void rt_lock(void);
void rt_unlock(void);
unsigned rt_self(void);
uint64_t rt_gettid(void);
uint64_t rt_self_slot(void);
long rt_arch_prctl(uint64_t code, uint64_t addr);
long rt_set_tid_address(uint64_t addr);
long rt_clone(uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid, uint64_t tls);
bool rt_addr_shared(uint64_t addr);
/* Whether [p, p + n) is a range a program's pointer may name: not NULL or the first
 * 64 KiB, below CX_USER_TOP, not wrapping. (Whether it is mapped is not asked here:
 * rt_user_read and rt_user_write below ask that too.) */
static inline bool rt_user_range(uint64_t p, uint64_t n)
{
    return p >= 0x10000 && p < CX_USER_TOP && n <= CX_USER_TOP - p;
}
/* The same for an optional pointer: NULL passes. */
static inline bool rt_user_opt(uint64_t p, uint64_t n)
{
    return !p || rt_user_range(p, n);
}
/* entry.S, the probe window (docs/kernel-abi.md): the bytes of [p, p + n) before the
 * first page that does not allow a read (write: a write) of them, found by touching one
 * byte per page where a fault does not end the process; no byte changes. p, n: a range
 * rt_user_range allows. */
uint64_t rt_probe(uint64_t p, uint64_t n, int write);
/* entry.S: the length of the string at p, at most max, or -1 if a byte of it up to
 * there cannot be read. */
long rt_probe_str(uint64_t p, uint64_t max);
/* Whether the program may read (write) all of [p, p + n): a bad pointer there is EFAULT,
 * as on Linux. Probed before the call uses it (a program that unmaps it from another
 * thread meanwhile still faults in the runtime). */
static inline bool rt_user_read(uint64_t p, uint64_t n)
{
    return rt_user_range(p, n) && rt_probe(p, n, 0) == n;
}
static inline bool rt_user_write(uint64_t p, uint64_t n)
{
    return rt_user_range(p, n) && rt_probe(p, n, 1) == n;
}
/* The same for optional pointers: NULL passes. */
static inline bool rt_user_read_opt(uint64_t p, uint64_t n)
{
    return !p || rt_user_read(p, n);
}
static inline bool rt_user_write_opt(uint64_t p, uint64_t n)
{
    return !p || rt_user_write(p, n);
}
/* How many bytes of the program's buffer [p, p + n) a read (write: a write of them)
 * may use: up to the first page that does not allow it, as Linux's copies stop there;
 * 0 for a bad pointer (then EFAULT, if any byte was to be copied). */
static inline uint64_t rt_user_prefix(uint64_t p, uint64_t n, int write)
{
    if (!n || p < 0x10000 || p >= CX_USER_TOP)
        return 0;
    if (n > CX_USER_TOP - p)
        n = CX_USER_TOP - p;
    return rt_probe(p, n, write);
}
long rt_futex(uint64_t addr, int op, uint32_t val, uint64_t arg4, uint64_t addr2, uint32_t val3);
_Noreturn void rt_thread_exit(void);
long rt_set_robust_list(uint64_t head, uint64_t len);
long rt_get_robust_list(int pid, uint64_t head_ptr, uint64_t len_ptr);
void rt_robust_release_all(void); /* exit_group: every thread's robust futexes */
void rt_threads_after_fork(unsigned forker);
struct rt_tsig *rt_tsig_self(void);
struct rt_tsig *rt_tsig_at(unsigned i, uint64_t *slot, uint64_t *tid);
struct rt_tsig *rt_tsig_by_tid(uint64_t tid, uint64_t *slot); /* this process's thread */
unsigned rt_thread_top(void); /* rt_tsig_at's indices are below it */
uint64_t rt_thread_notif(void);
struct cx_ipcbuf *rt_ipcbuf(void);

/* session.c */
struct fs_transport;
int rt_session_open(const char *service, const char *label, uint64_t quota,
                    struct fs_transport *out);
/* The launcher's id of the session whose transport ctx is ctx (0: none of ours). */
uint64_t rt_session_id_of(const void *ctx);
/* The transport ctx of the usable session the launcher calls id, or NULL. */
const void *rt_session_of_id(uint64_t id);
/* Gives a passed file's two references (handle, node) back to session ctx's server. */
void rt_session_fs_drop(const void *ctx, uint64_t handle, uint64_t node);

/* signal.c */
bool rt_signal_interrupted(void);
bool rt_signal_ignored_or_blocked(int sig);
_Noreturn void rt_signal_redirect(void);
_Noreturn void rt_signal_fault(uint64_t vector, uint64_t error, uint64_t address);
/* After each call (rt_lock held): true when the call's result goes out with a signal
 * delivery (rt_signal_deliver_now, which unlocks and never returns). */
bool rt_signal_after_call(struct rt_tsig *ts, const struct rt_call *c, long result);
_Noreturn void rt_signal_deliver_now(long result);
long rt_sigreturn(void);
long rt_kill(long pid, long sig);
/* mqueue.c: POSIX message queues, files of /dev/shm */
long rt_mq_open(const char *name, long oflag, uint64_t mode, const void *attr);
long rt_mq_unlink(const char *name);
long rt_mq_timedsend(int fd, const char *msg, uint64_t len, uint64_t prio,
                     const struct linux_timespec *abstime);
long rt_mq_timedreceive(int fd, char *msg, uint64_t len, uint32_t *prio,
                        const struct linux_timespec *abstime);
long rt_mq_notify(int fd, const void *sevp);
long rt_mq_getsetattr(int fd, const void *newattr, void *oldattr);
long rt_tgkill(long tgid, long tid, long sig);
void rt_sigq_set_limit(uint64_t n);
struct rt_cpu {
    uint64_t ns, sys_ns; /* all of it, and the part in the runtime (system time) */
};
struct rt_cpu rt_cpu_times(bool process);
/* CPU time of this process's thread tid (0: the caller); false when it has none such. */
bool rt_thread_cpu_times(uint64_t tid, struct rt_cpu *c);
uint64_t rt_thread_priority(void);              /* of the process's threads (setpriority) */
int rt_threads_set_priority(uint64_t prio);     /* every thread's; -1 if the kernel refused */
long rt_sched_syscall(const struct rt_call *c); /* sched.c: scheduling calls, prctl */
bool rt_sched_self(uint64_t pid); /* sched.c: pid 0, this process's pid or one of its thread ids */
void rt_sched_exec(void); /* sched.c: execve drops PR_SET_NAME's name, membarrier's registrations */
void rt_memory_drop_files(void); /* exit: mappings let their files go */
long rt_mincore(uint64_t addr, uint64_t len, uint64_t vec);
/* Memory locks (mlock.c): the calls, 0 or -errno. */
long rt_mlock(uint64_t addr, uint64_t len, uint64_t flags);
long rt_munlock(uint64_t addr, uint64_t len);
long rt_mlockall(uint64_t flags);
long rt_munlockall(void);
/* A new mapping [va, va + len): locked under MCL_FUTURE; -EAGAIN past RLIMIT_MEMLOCK. */
long rt_mlock_new(uint64_t va, uint64_t len);
/* Whether a page of [addr, addr + len) is locked (msync's EBUSY). */
bool rt_mlock_busy(uint64_t addr, uint64_t len);
/* munmap: [addr, addr + len) is no longer locked. */
void rt_mlock_forget(uint64_t addr, uint64_t len);
/* fork child, execve: nothing locked, MCL_FUTURE off. */
void rt_mlock_reset(void);
/* memory.c for mlock.c: bytes mapped by brk and mmap; fn on each mapping, 0 or the
 * first error. */
uint64_t rt_memory_mapped_bytes(void);
long rt_memory_each(long (*fn)(uint64_t start, uint64_t end, bool touch), bool touch);
/* maps: the brk or mmap area with the lowest start at or above from into *out (zeroed
 * by the caller; neighbouring records that maps shows as one joined): 1, or 0. */
int rt_memory_area(uint64_t from, struct vfs_mapping *out);
uint64_t rt_cpu_ns(bool process);
extern struct rt_cpu rt_children;
long rt_getrusage(int who, void *ru);
long rt_times(void *buf);
void rt_signal_thread_id(unsigned i, uint64_t tid);
long rt_sigpending(uint64_t *set, size_t size);
long rt_sigsuspend(const uint64_t *set, size_t size);
long rt_sigtimedwait(const uint64_t *set, void *info, const struct linux_timespec *ts, size_t size);
long rt_sigaltstack(const void *ss, void *old);
long rt_pause(void);
long rt_sigqueueinfo(long pid, long sig, const void *info);
void rt_threads_exec(void);
unsigned rt_thread_index(void);

/* memory.c */
void rt_memory_reset(void);

/* proc.c: processes (the launcher keeps the table) */
long rt_fork(uint64_t flags, uint64_t newsp);
long rt_start_call(void);  /* RT_NR_START: first start, or a fork child's */
void rt_start_rearm(void); /* the next RT_NR_START in a copy of this runtime is a child's */
long rt_wait4(long pid, int *status, int options, void *rusage);
/* children this process knows of (proc.c): one its fork or vfork made; the bits its
 * child-event notification gave; a fork child's start (it has none) */
void rt_child_started(long pid);
void rt_child_events(uint64_t bits);
void rt_children_forget(void);
/* whether this process's children leave no zombie (SIGCHLD ignored, SA_NOCLDWAIT) */
bool rt_children_unreaped(void);
long rt_waitid(int idtype, long id, void *info, int options);
long rt_execve(const char *path, char *const argv[], char *const envp[]);
void rt_signals_exec(void);
void rt_raise_sigpipe(void);
long rt_pgrp(uint64_t op, long pid, long pgid);
/* at exec: the new command for the launcher's table (/proc), in RT_CRED_EXEC's words */
unsigned rt_proc_exec_words(uint64_t *w, const char *const argv[]);
int rt_proc_pids(void *ctx, int32_t after, int32_t *out, size_t max); /* vfs_env.pids */
int rt_proc_peer(void *ctx, int32_t pid, struct vfs_peer *out);       /* vfs_env.peer */

/* vfork.c: process contexts (docs/runtime.md, "vfork"); all under the runtime lock */
#define RT_SIG_ACTIONS_BYTES (65 * 32) /* signal.c's dispositions */
void rt_proc_enter(void);              /* rt_lock: the calling thread's process goes live */
bool rt_in_vfork(void);                /* the live context is a vfork child's */
uint64_t rt_pid(void);                 /* the live context's pid, parent and launcher endpoint */
uint64_t rt_ppid(void);
uint64_t rt_ep(void);
long rt_vfork(uint64_t flags, uint64_t newsp); /* 0 in the child (the parent resumes later) */
_Noreturn void rt_vfork_exit(int wait_status);
long rt_vfork_exec(void); /* the child's domain is made and ready: 0, or -errno */
_Noreturn void rt_vfork_exec_done(void);
void rt_vfork_adopt(void);
void rt_vfork_after_fork(void); /* a fork child: other threads' vfork children go */
unsigned rt_vfork_thread(void);
_Noreturn void rt_exec_pending(void); /* exec.c: a vfork child's exec, in its domain */
#define RT_VFORK_EXECED 1             /* rt_exec: the vfork child's domain took the exec */
void rt_signal_swap_actions(void *save, const void *load);
void rt_signal_copy_actions(void *out);
void rt_signal_recheck(void);

/* heap.c: the runtime's own memory; NULL when the quota is exhausted */
void *rt_alloc(size_t size);
void rt_free(void *p, size_t size);

#endif
