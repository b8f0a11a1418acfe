/*
 * capix's in-process VFS (docs/vfs.md): one mount tree per component, built from a
 * configuration node, a current directory, a descriptor table, and the Linux-shaped
 * file calls the POSIX runtime forwards to it. Every call returns a value >= 0 or a
 * negative Linux errno (vfs/linux.h); nothing sets errno.
 *
 * Threads: a struct vfs is not locked inside. The runtime serialises all calls on one
 * vfs (one lock around each call); plugin operations never block (a file that has no
 * data yet answers -EAGAIN and reports readiness through vfs_poll), so the lock is
 * never held while waiting.
 *
 * Memory and time come from struct vfs_env; the library uses no libc (freestanding:
 * <stddef.h>, <stdint.h>, <stdbool.h>, <stdarg.h> and lib/include/freestanding/string.h).
 */
#ifndef VFS_VFS_H
#define VFS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vfs/linux.h>

struct cfg_node;
struct cfg_error;
struct vfs;
struct vfs_file;
struct vfs_node;
struct vfs_fd_table;
struct vfs_plugin;

/*
 * What the VFS needs from its host (the runtime, or a host test). alloc returns memory
 * aligned for any object, or NULL; free gets the size that was asked for. now_ns gives
 * CLOCK_REALTIME in nanoseconds since 1970. module (optional) finds a named read-only
 * blob such as a boot module (the tar plugin's archives); the blob must outlive the vfs.
 * log (optional) takes one line without its newline. mem_avail (optional) says how many
 * bytes the allocator could still give (statfs of unlimited ram file systems).
 * random (optional) fills buf with n unpredictable bytes and cannot fail (the random
 * and urandom devices; without it they cannot be opened). process (optional) describes
 * the process and its machine for the proc plugin (struct vfs_process below): 0 or a
 * negative errno; it is asked again each time (after fork the pid differs).
 * session (optional; the fs plugin needs it) opens a session of service (the fs plugin
 * asks for "File_system") with label (the plugin's label=, "" if none), routed by the
 * component's parent, and fills *out: a transport whose call is a request to the server
 * (an IPC call) and whose buf is the buffer shared with it (lib/include/capix/
 * fs_protocol.h); 0 or a negative errno (-EPERM, -ENOENT: refused). The session and
 * buffer belong to the host and must outlive the vfs; a forked child shares them (the
 * fs plugin takes the buffer's lock around each request, and vfs_fs_after_fork takes
 * the child's references).
 * terminal (optional; the terminal plugin needs it) opens the Terminal session with
 * label for this process (once per label: every process of the sandbox shares it) and
 * fills *out (lib/include/capix/term_protocol.h); 0 or a negative errno.
 * The struct is copied by vfs_create; ctx is passed to every callback.
 */
struct vfs_process;
struct vfs_peer;
struct vfs_mapping;
struct fs_transport;
struct term_transport;
struct vfs_env {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
    uint64_t (*now_ns)(void *ctx);
    const void *(*module)(void *ctx, const char *name, size_t *size);
    void (*log)(void *ctx, const char *line);
    uint64_t (*mem_avail)(void *ctx);
    void (*random)(void *ctx, void *buf, size_t n);
    int (*process)(void *ctx, struct vfs_process *out);
    /* A session of service with label, donating quota bytes to its server (0: the host's
     * default) */
    int (*session)(void *ctx, const char *service, const char *label, uint64_t quota,
                   struct fs_transport *out);
    int (*terminal)(void *ctx, const char *label, struct term_transport *out);
    /* Opens FIFO node (open's flags, as they are kept in the description) for the host,
     * whose pipes carry FIFOs' data: 0 and a description with one reference in *out,
     * or -errno (-ENXIO: write-only and non-blocking without a reader). It must not
     * block: waiting for the other end is the host's after the open. NULL: opening a
     * FIFO gives -ENXIO. */
    int (*fifo_open)(void *ctx, struct vfs_node *node, uint32_t flags, struct vfs_file **out);
    /* The processes the proc plugin may show besides its own (optional; NULL: only its
     * own). pids: the pids greater than after, ascending, at most max into out; the
     * count or -errno. peer: one of them (its own included) into *out (zeroed by the
     * caller); 0, -ESRCH when there is no such process, or -errno. */
    int (*pids)(void *ctx, int32_t after, int32_t *out, size_t max);
    int (*peer)(void *ctx, int32_t pid, struct vfs_peer *out);
    /* The process's own address space for /proc/self/maps (optional; NULL: maps is
     * empty): the area with the lowest start at or above from into *out (zeroed by the
     * caller); 1, 0 when there is none, or -errno. */
    int (*mapping)(void *ctx, uint64_t from, struct vfs_mapping *out);
    /* Makes the block ptr (from alloc, size bytes) new_size bytes long where it is
     * (optional; NULL, or false: the caller allocates anew and copies). A ram file that
     * grows by doubling then copies nothing while its block is the heap's last. */
    bool (*grow)(void *ctx, void *ptr, size_t size, size_t new_size);
};

/*
 * What vfs_env.process tells the proc plugin (/proc/self, meminfo, cpuinfo, uptime).
 * The proc plugin zeroes the struct before the call; the host fills what it knows
 * (text fields NUL-terminated, cut to fit; zero or empty means unknown).
 */
struct vfs_process {
    int32_t pid, ppid;
    char exe[256];       /* absolute path of the running program in this vfs */
    const char *cmdline; /* argv strings, each with its NUL, cmdline_len bytes in all;
                            owned by the host, read before the call into the vfs returns */
    size_t cmdline_len;
    const char *environ; /* the environment strings exec gave, each with its NUL,
                            environ_len bytes in all; owned by the host, as cmdline */
    size_t environ_len;
    uint64_t mem_total, mem_free, mem_available; /* bytes (available 0: same as free) */
    uint32_t ncpus;                              /* 0 counts as 1 */
    char cpu_vendor[16];                         /* "GenuineIntel", "AuthenticAMD", ... */
    char cpu_model[64];                          /* the CPUID brand string */
    uint32_t cpu_family, cpu_model_id, cpu_stepping;
    uint32_t cpu_khz;    /* clock in kHz (cpuinfo's "cpu MHz" shows it with 3 decimals) */
    char cpu_flags[512]; /* cpuinfo's flags, space-separated ("fpu vme de pse ...") */
    uint64_t uptime_ns;  /* time since boot */
    uint64_t idle_ns;    /* idle time summed over all CPUs */
};

/* What vfs_env.peer tells the proc plugin about a process of the sandbox: its
 * launcher's view of it (text fields NUL-terminated, cut to fit). */
struct vfs_peer {
    int32_t ppid, pgid, sid, tpgid; /* tpgid: its terminal's foreground group, or -1 */
    uint32_t tty_nr;                /* Linux's encoding of its terminal, or 0 */
    char state;                     /* 'R', 'S', 'T', 'Z' */
    uint64_t start_ns;              /* since boot */
    uint64_t cpu_ns, sys_ns;        /* CPU time, and of it system time (0: unknown) */
    char comm[16];                  /* the command name, as Linux's comm */
    char cmdline[384];              /* argv, each string with its NUL (cut to fit) */
    size_t cmdline_len;
    bool has_ids;            /* uid and gid are known (else the vfs's own ids) */
    uint32_t uid[4], gid[4]; /* real, effective, saved and file-system ids */
    bool has_caps;           /* the capability sets are known (else no Cap lines) */
    uint64_t caps[5];        /* inheritable, permitted, effective, bounding, ambient */
    uint32_t no_new_privs;
};

#define VFS_PROT_READ 1u
#define VFS_PROT_WRITE 2u
#define VFS_PROT_EXEC 4u

/* What vfs_env.mapping tells the proc plugin about one area of the process's address
 * space: one line of /proc/PID/maps. */
struct vfs_mapping {
    uint64_t start, end; /* [start, end), whole pages */
    uint64_t offset;     /* bytes into the file or shared object; 0 for private memory */
    uint64_t dev, ino;   /* the file's st_dev (Linux's encoding) and st_ino; 0 for memory */
    uint32_t prot;       /* VFS_PROT_* (Linux's PROT_* values) as the program asked */
    bool shared;         /* MAP_SHARED ('s'), else 'p' */
    bool deleted;        /* the name no longer names the file: " (deleted)" follows */
    const char *name;    /* the file's path, or "[heap]", "[stack]", "[vdso]", "[vvar]";
                            NULL: none. The host's, read before its next call */
};

/*
 * Builds a vfs from the configuration node `cfg` (the `vfs { ... }` node; NULL gives an
 * empty root directory), mounting the plugins it names from plugins[0..nplugins). The
 * working directory is the root, the descriptor table is empty with a limit of
 * fd_limit descriptors, the identity is uid 0, gid 0 and the umask 022. Returns 0 and
 * *out, -EINVAL with *err filled (file, line, what was expected) for a configuration
 * error or a plugin that cannot mount, or -ENOMEM. The configuration tree and the
 * plugins array are not needed afterwards (the plugins themselves, static structs, are).
 */
int vfs_create(const struct vfs_env *env, const struct vfs_plugin *const *plugins, size_t nplugins,
               const struct cfg_node *cfg, unsigned fd_limit, struct vfs **out,
               struct cfg_error *err);

/* Closes every descriptor, unmounts every file system and frees the vfs. */
void vfs_destroy(struct vfs *v);

/* Sets the identity used for permission checks and for the owner of new files, with
 * the capabilities a process of that fs uid has by default (all for 0, else none). */
void vfs_set_ids(struct vfs *v, uint32_t uid, uint32_t gid);

/* Sets the effective capabilities the checks honour instead (bit n: Linux's
 * capability n; CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN,
 * CAP_FSETID, CAP_MKNOD count), after vfs_set_ids. */
void vfs_set_caps(struct vfs *v, uint64_t caps);

/* Sets the file-creation mask (only 0777 counts) and returns the previous one. */
uint32_t vfs_umask(struct vfs *v, uint32_t mask);

/* ---- descriptors (see also vfs/fd_table.h) ---- */

/* The vfs's descriptor table, for the runtime's fork, exec and prlimit handling. */
struct vfs_fd_table *vfs_fd_table(struct vfs *v);

int vfs_close(struct vfs *v, int fd);
/* One past the highest descriptor that may be open (the table's size, which may pass
 * a limit lowered later): loops that close or mark every descriptor stop there. */
unsigned vfs_fd_end(const struct vfs *v);
int vfs_dup(struct vfs *v, int fd);
int vfs_dup2(struct vfs *v, int oldfd, int newfd);
int vfs_dup3(struct vfs *v, int oldfd, int newfd, int flags);
/* F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL; others go to the plugin
 * (-EINVAL when it has none). */
int vfs_fcntl(struct vfs *v, int fd, int cmd, unsigned long arg);
/* Sets the descriptor limit (RLIMIT_NOFILE); open descriptors above it stay open. */
int vfs_set_fd_limit(struct vfs *v, unsigned limit);
/* Moves the descriptors of `from` that keep() accepts to the same numbers in `to` (which
 * has none there), with their close-on-exec flags and from's limit, and closes every
 * descriptor of `from`. For an exec into a program with its own tree (docs/sandboxes.md).
 * 0, or a negative errno (descriptors from then on are closed, not moved). */
/* Whether v mounts an instance of plugin with the config's label= (missing counts as ""). */
bool vfs_has_mount(const struct vfs *v, const char *plugin, const char *label);
int vfs_move_fds(struct vfs *from, struct vfs *to, bool (*keep)(void *ctx, struct vfs_file *f),
                 void *ctx);
/* Closes every descriptor marked FD_CLOEXEC (execve). */
void vfs_close_on_exec(struct vfs *v);

/* ---- files ---- */

/* open/openat: returns the new descriptor. mode is used with O_CREAT (umask applied). */
int vfs_openat(struct vfs *v, int dirfd, const char *path, int flags, uint32_t mode);
int64_t vfs_read(struct vfs *v, int fd, void *buf, size_t n);
int64_t vfs_write(struct vfs *v, int fd, const void *buf, size_t n);
int64_t vfs_pread(struct vfs *v, int fd, void *buf, size_t n, int64_t off);
int64_t vfs_pwrite(struct vfs *v, int fd, const void *buf, size_t n, int64_t off);
int64_t vfs_lseek(struct vfs *v, int fd, int64_t off, int whence);
/* readv/writev and the positional forms (off >= 0; -1 uses and moves the offset, like
 * preadv2): transfer iov[0..n) in order and stop at the first short transfer. */
int64_t vfs_readv(struct vfs *v, int fd, const struct linux_iovec *iov, int n);
int64_t vfs_writev(struct vfs *v, int fd, const struct linux_iovec *iov, int n);
int64_t vfs_preadv(struct vfs *v, int fd, const struct linux_iovec *iov, int n, int64_t off);
int64_t vfs_pwritev(struct vfs *v, int fd, const struct linux_iovec *iov, int n, int64_t off);
/* copy_file_range: copies up to len bytes between regular files of the same kind of
 * file system (EXDEV otherwise, so that callers fall back to read and write); NULL
 * offsets use and move the descriptions' offsets. */
int64_t vfs_copy_file_range(struct vfs *v, int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                            size_t len, unsigned flags);
/* posix_fadvise: checks its arguments; the advice itself changes nothing here. */
int vfs_fadvise(struct vfs *v, int fd, int64_t off, int64_t len, int advice);
/* Fills buf with struct linux_dirent64 records; returns bytes, 0 at the end. */
int64_t vfs_getdents64(struct vfs *v, int fd, void *buf, size_t size);
int vfs_ftruncate(struct vfs *v, int fd, int64_t length);
int vfs_fsync(struct vfs *v, int fd, bool datasync);
/* syncfs: the file system of fd writes back what it holds. */
int vfs_syncfs(struct vfs *v, int fd);
/* sync: every file system of v does; the first error, or 0. */
int vfs_sync(struct vfs *v);
/* ioctl: FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC and FIONREAD (regular files) here, the rest
 * in the plugin; -ENOTTY when nobody knows the request. arg is the caller's pointer. */
int vfs_ioctl(struct vfs *v, int fd, unsigned long request, void *arg);
/* Readiness: the POLL* bits of events that hold now, plus POLLERR/POLLHUP/POLLNVAL. */
unsigned vfs_poll(struct vfs *v, int fd, unsigned events);

/* ---- names ---- */

/* fstatat: flags AT_SYMLINK_NOFOLLOW (lstat), AT_EMPTY_PATH (fstat of dirfd). */
int vfs_fstatat(struct vfs *v, int dirfd, const char *path, struct linux_stat *st, int flags);
int vfs_fstat(struct vfs *v, int fd, struct linux_stat *st);
/* statx: the basic fields (STATX_BASIC_STATS) whatever mask asks for. */
int vfs_statx(struct vfs *v, int dirfd, const char *path, int flags, unsigned mask,
              struct linux_statx *stx);
int vfs_mkdirat(struct vfs *v, int dirfd, const char *path, uint32_t mode);
/* flock: op LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB; 0, -EWOULDBLOCK (-EAGAIN) for a
 * conflict (also without LOCK_NB: the caller waits and asks again), -EBADF, -EINVAL. */
int vfs_flock(struct vfs *v, int fd, int op);
/* mknod: mode's type S_IFREG (or 0), S_IFIFO, S_IFSOCK, or (root only, else -EPERM)
 * S_IFCHR/S_IFBLK with dev as st_rdev; S_IFDIR -EPERM, others -EINVAL. The umask
 * applies. A file system without such nodes answers -EPERM (fat, as Linux's vfat). */
int vfs_mknodat(struct vfs *v, int dirfd, const char *path, uint32_t mode, uint64_t dev);
/* flags 0 (unlink) or AT_REMOVEDIR (rmdir). */
int vfs_unlinkat(struct vfs *v, int dirfd, const char *path, int flags);
/* flags RENAME_NOREPLACE or RENAME_EXCHANGE. */
int vfs_renameat2(struct vfs *v, int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, unsigned flags);
/* flags AT_SYMLINK_FOLLOW, AT_EMPTY_PATH. */
int vfs_linkat(struct vfs *v, int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
               int flags);
int vfs_symlinkat(struct vfs *v, const char *target, int newdirfd, const char *linkpath);
/* Returns the length of the link text copied into buf (not NUL-terminated, maybe cut). */
int64_t vfs_readlinkat(struct vfs *v, int dirfd, const char *path, char *buf, size_t size);
/* flags AT_SYMLINK_NOFOLLOW (a symlink then gives -EOPNOTSUPP, as on Linux). */
int vfs_fchmodat(struct vfs *v, int dirfd, const char *path, uint32_t mode, int flags);
int vfs_fchmod(struct vfs *v, int fd, uint32_t mode);
/* uid or gid (uint32_t)-1 leaves it; flags AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. */
int vfs_fchownat(struct vfs *v, int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags);
int vfs_fchown(struct vfs *v, int fd, uint32_t uid, uint32_t gid);
/* utimensat: path NULL changes dirfd itself; times NULL means both UTIME_NOW. */
int vfs_utimensat(struct vfs *v, int dirfd, const char *path, const struct linux_timespec times[2],
                  int flags);
int vfs_truncate(struct vfs *v, const char *path, int64_t length);
/* faccessat2: mode F_OK or R_OK|W_OK|X_OK; flags AT_EACCESS, AT_SYMLINK_NOFOLLOW,
 * AT_EMPTY_PATH. Checks mode bits against the identity (uid 0 passes all but X_OK on
 * files without any x bit) and EROFS for W_OK on read-only file systems. */
int vfs_faccessat(struct vfs *v, int dirfd, const char *path, int mode, int flags);
int vfs_statfs(struct vfs *v, const char *path, struct linux_statfs *st);
int vfs_fstatfs(struct vfs *v, int fd, struct linux_statfs *st);

/* ---- working directory ---- */

int vfs_chdir(struct vfs *v, const char *path);
int vfs_fchdir(struct vfs *v, int fd);
/* Writes the absolute path of the working directory with its NUL; returns its length
 * counting the NUL (as the Linux system call does), -ERANGE if size is too small,
 * -ENOENT if the directory was removed. */
int64_t vfs_getcwd(struct vfs *v, char *buf, size_t size);

/* Writes the absolute path of what fd names (NUL-terminated) and returns its length:
 * directories by their place in the tree, other files by the directory they were
 * opened in and their name there now. -ENOENT when there is none (removed, or made
 * outside the tree), -ERANGE if size is too small. For /proc/self/fd and the like. */
int64_t vfs_fd_path(struct vfs *v, int fd, char *buf, size_t size);

/* ---- open file descriptions, for the runtime's own use (exec, mmap by copy) ---- */

/* Opens path like vfs_openat but returns the description (one reference) instead of a
 * descriptor. */
int vfs_open_file(struct vfs *v, int dirfd, const char *path, int flags, uint32_t mode,
                  struct vfs_file **out);
/* Returns the description behind fd (borrowed: valid until the descriptor is closed),
 * or NULL. */
struct vfs_file *vfs_fd_file(struct vfs *v, int fd);
/* Installs f (taking over the caller's reference) at the lowest free descriptor >= min;
 * returns it, or -EMFILE (the reference then stays with the caller). */
int vfs_install_fd(struct vfs *v, struct vfs_file *f, int min, bool cloexec);
/* pread/pwrite on a description. */
int64_t vfs_file_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off);
int64_t vfs_file_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off);
int vfs_file_stat(struct vfs_file *f, struct linux_stat *st);
struct vfs_map;
/* The memory object holding page `page` of f's file for a shared mapping (the plugin's
 * map), and up to `more` of the objects after it (out->nmore); -ENODEV when its file
 * system has none. */
int vfs_file_map(struct vfs_file *f, uint64_t page, unsigned more, struct vfs_map *out);
/* The file's contents changed through a shared mapping (msync): its mtime and ctime
 * become now. 0 or -errno (-EBADF for a description not open for writing). */
int vfs_file_touch(struct vfs *v, struct vfs_file *f);
/* Takes and drops a reference on a description; the last put closes it. */
void vfs_file_get(struct vfs_file *f);
void vfs_file_put(struct vfs_file *f);

#endif
