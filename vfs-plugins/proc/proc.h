/*
 * proc: what the name space (proc.c) and the file contents (proc_text.c) of the proc
 * plugin share: the kinds of node, a node's identity (kind, pid, fd), the instance, an
 * open file's snapshot, and the helpers both call. Private to vfs-plugins/proc/.
 */
#ifndef VFS_PLUGIN_PROC_H
#define VFS_PLUGIN_PROC_H

#include <vfs/plugin.h>

enum proc_kind {
    /* in /proc */
    PROC_ROOT,
    PROC_SELF,
    PROC_CPUINFO,
    PROC_MEMINFO,
    PROC_MOUNTS_LINK,
    PROC_UPTIME,
    PROC_LOADAVG,
    PROC_STAT_ALL,
    PROC_FILESYSTEMS,
    PROC_SYS,
    PROC_SYS_KERNEL,
    PROC_PID_MAX,
    PROC_HOSTNAME,
    PROC_OSTYPE,
    PROC_OSRELEASE,
    PROC_SYS_FS,
    PROC_PIPE_MAX_SIZE,
    /* in /proc/PID */
    PROC_PID,
    PROC_CMDLINE,
    PROC_CWD,
    PROC_EXE,
    PROC_FD,
    PROC_MOUNTINFO,
    PROC_MOUNTS,
    PROC_ROOT_LINK,
    PROC_COMM,
    PROC_STAT,
    PROC_STATUS,
    PROC_ENVIRON,
    PROC_MAPS,
    /* in /proc/PID/fd */
    PROC_FD_LINK,
    PROC_NKINDS,
};

#define NENTRIES(a) (sizeof(a) / sizeof((a)[0]))

/* The launcher's pids stay below this (posix-spawn/main.c), Linux's PID_MAX_LIMIT. */
#define PROC_PID_MAX_VALUE 4194304

struct proc_node {
    struct vfs_node vn;
    enum proc_kind kind;
    int32_t pid; /* PROC_PID and below */
    int fd;      /* PROC_FD_LINK */
};

struct proc_fs {
    struct vfs_fs fs;
    struct proc_node root;
    struct linux_timespec mounted;
    char name[16]; /* the name readdir returned last (pids, descriptors) */
};

/* An open file's snapshot (f->priv). */
struct proc_text {
    char *data;
    size_t len, cap;
    bool nomem;
};

/* Asks the host about the process into *p (allocated by the caller): 0 or -errno. */
int proc_info(const struct vfs_env *env, struct vfs_process *p);
/* Whether the pid node n names the calling process: 1, 0, or -errno. */
int proc_is_self(const struct vfs_env *env, const struct proc_node *n);
/* The smallest pid of the sandbox at or above from into *pid: 1, 0 (none), or -errno. */
int proc_next_pid(const struct vfs_env *env, int32_t from, int32_t *pid);
/* Writes v in decimal into buf (at least 21 bytes); returns the length. */
size_t proc_fmt_u64(char *buf, uint64_t v);
/* Makes the text of the regular file n into t (proc_text.c): 0 or -errno (-EACCES for
 * what only the process itself may read); t->nomem set if memory ran out. */
int proc_generate(struct proc_fs *p, struct proc_node *n, struct proc_text *t);
/* Frees t and its text. */
void proc_text_free(const struct vfs_env *env, struct proc_text *t);

#endif
