/*
 * The file and directory calls: each Linux call becomes a call of the process's VFS
 * (vfs/include/vfs/vfs.h), which already speaks Linux's flags, structures and errno
 * values. The caller holds the runtime lock (syscall.c), so the VFS is never entered
 * twice at once. Pointers from the program are used directly: it is our own address
 * space. They are probed first (runtime.h, rt_probe): a path up to its NUL, a structure
 * whole, a buffer up to its first bad page (the bytes done when Linux's copy would stop
 * there), so that a bad pointer gives EFAULT as on Linux.
 */
#include <string.h>
#include <capix/term_protocol.h>
#include <vfs/plugin.h>
#include "creds.h"
#include "runtime.h"
#include "fdkinds.h"

#define P(x) ((const char *)(x))
#define FD(x) ((int)(x))

static bool bad_ptr(uint64_t p)
{
    return p < 0x10000 || p >= 0x800000000000ul;
}

/* A path: readable up to its NUL (or PATH_MAX bytes; the VFS checks path lengths,
 * ENAMETOOLONG). */
#define NEED(p)                                                                                    \
    do {                                                                                           \
        if (bad_ptr((uint64_t)(p)) || rt_probe_str((uint64_t)(p), PATH_MAX) < 0)                   \
            return -EFAULT;                                                                        \
    } while (0)
/* A structure of n bytes the call writes. */
#define NEED_OUT(p, n)                                                                             \
    do {                                                                                           \
        if (!rt_user_write((uint64_t)(p), (n)))                                                    \
            return -EFAULT;                                                                        \
    } while (0)
/* A buffer of n bytes: only checked when n > 0, as Linux does. */
#define NEED_BUF(p, n)                                                                             \
    do {                                                                                           \
        if ((n) && bad_ptr((uint64_t)(p)))                                                         \
            return -EFAULT;                                                                        \
    } while (0)

/* k good bytes of a buffer cut at a bad page, for fd's file f (into: a read into it):
 * Linux copies a pipe's pages whole or not at all, so for a pipe the part is whole pages
 * (for a read, unless the pipe holds no more than k bytes: those are copied). */
static uint64_t pipe_cut(int fd, struct vfs_file *f, uint64_t k, int into)
{
    int held = 0;
    if (!f || f->node->type != S_IFIFO)
        return k;
    if (into && vfs_ioctl(rt_vfs, fd, FIONREAD, &held) == 0 && (uint64_t)held <= k)
        return k;
    return k & ~(uint64_t)(CX_PAGE_SIZE - 1);
}

/* The part of fd's buffer [p, p + n) a read (write: into it) or write may use: up to
 * its first bad page, where Linux's copy stops with the bytes done (pipe_cut); -EFAULT
 * (-EBADF for a bad fd, which Linux finds first) if that is nothing of n > 0. */
static long user_buf(int fd, uint64_t p, uint64_t n, int write)
{
    if (!n)
        return 0;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    uint64_t k = rt_user_prefix(p, n, write);
    if (k < n)
        k = pipe_cut(fd, f, k, write);
    if (!k)
        return f ? -EFAULT : -EBADF;
    return (long)k; /* below CX_USER_TOP */
}

/* A pipe that is empty or full answers -EAGAIN: unless the description is non-blocking,
 * wait for it (without the runtime lock) and try again. A write to a pipe without
 * readers raises SIGPIPE. */
#define BLOCKING(expr, fd, events)                                                                 \
    ({                                                                                             \
        long r_;                                                                                   \
        for (;;) {                                                                                 \
            r_ = (expr);                                                                           \
            if (r_ != -EAGAIN)                                                                     \
                break;                                                                             \
            struct vfs_file *f_ = vfs_fd_file(rt_vfs, (fd));                                       \
            bool b_ = f_ && !(rt_file_status(f_) & O_NONBLOCK); /* another holder's F_SETFL */     \
            int w_ = b_ ? rt_pipe_wait(f_, (events)) : 0;                                          \
            if (w_ == 0 && b_)                                                                     \
                w_ = rt_socket_wait(f_, (events));                                                 \
            if (w_ == 0 && b_) /* eventfd, timerfd, signalfd */                                    \
                w_ = rt_fdkind_wait(f_, (events));                                                 \
            if (w_ <= 0) {                                                                         \
                r_ = w_ < 0 ? w_ : r_;                                                             \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
        if (r_ == -EPIPE)                                                                          \
            rt_raise_sigpipe();                                                                    \
        r_;                                                                                        \
    })

/* How long a blocking lock waits before it asks its server again (docs/locks.md): the
 * server never waits, and a signal ends the wait (EINTR). */
#define LOCK_RETRY_NS 10000000ull

/* A lock request that answers -EAGAIN is asked again after a pause, until it is granted,
 * fails otherwise, or a signal comes. */
static long lock_wait(int fd, int cmd, unsigned long arg, int op)
{
    for (;;) {
        long r = op ? vfs_flock(rt_vfs, fd, op) : vfs_fcntl(rt_vfs, fd, cmd, arg);
        if (r != -EAGAIN)
            return r;
        /* a signal that came during the request (not during a wait) ends it too */
        if (rt_signal_interrupted())
            return -EINTR;
        r = rt_sleep_ns(LOCK_RETRY_NS);
        if (r < 0)
            return r;
    }
}

static long sys_flock(int fd, int op)
{
    if (op & LOCK_NB)
        return vfs_flock(rt_vfs, fd, op);
    return lock_wait(fd, 0, 0, op);
}

static long sys_fcntl(int fd, int cmd, unsigned long arg)
{
    switch (cmd) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        if (!(cmd == F_GETLK || cmd == F_OFD_GETLK ? rt_user_write(arg, sizeof(struct linux_flock))
                                                   : rt_user_read(arg, sizeof(struct linux_flock))))
            return vfs_fd_file(rt_vfs, fd) ? -EFAULT : -EBADF;
        if (cmd == F_SETLKW || cmd == F_OFD_SETLKW)
            return lock_wait(fd, cmd, arg, 0);
        break;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (arg >= (unsigned long)rt_nofile_limit())
            return -EINVAL;
        break;
    case F_GETOWN_EX:
    case F_SETOWN_EX:
        if (!(cmd == F_GETOWN_EX ? rt_user_write(arg, 8) : rt_user_read(arg, 8)))
            return vfs_fd_file(rt_vfs, fd) ? -EFAULT : -EBADF;
        break;
    case F_GETFL:
    case F_SETFL: {
        /* status flags another holder of the description set (rt_file_status) */
        struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
        rt_file_status(f);
        long r = vfs_fcntl(rt_vfs, fd, cmd, arg);
        if (r == 0 && cmd == F_SETFL)
            rt_file_status_publish(f);
        return r;
    }
    default:
        break;
    }
    return vfs_fcntl(rt_vfs, fd, cmd, arg);
}

/* A FIFO opened for one side waits for the other (pipe.c); a signal meanwhile gives
 * EINTR and no descriptor. */
static long fifo_wait(long fd)
{
    int r = fd >= 0 ? rt_fifo_open_wait((int)fd) : 0;
    if (r < 0) {
        vfs_close(rt_vfs, (int)fd);
        return r;
    }
    return fd;
}

static long sys_stat(int dirfd, const char *path, struct linux_stat *st, int flags)
{
    NEED(path);
    NEED_OUT(st, sizeof(*st));
    return vfs_fstatat(rt_vfs, dirfd, path, st, flags);
}

/*
 * readv, writev and their positional forms: the vector is read whole (EFAULT), into a
 * copy of the runtime's that is cut at the first bad page of its buffers, as user_buf
 * cuts one buffer (EFAULT if nothing is left of a transfer of some bytes). *out: the
 * vector for the VFS, the copy (*copied entries, to be freed) or, where the VFS answers
 * without reading it (lengths it refuses), the program's. n: 1 to UIO_MAXIOV.
 */
static long user_iov(int fd, uint64_t uiov, int n, int write, struct linux_iovec **out, int *copied)
{
    *out = (struct linux_iovec *)uiov, *copied = 0;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    if (!rt_user_read(uiov, (uint64_t)n * sizeof(struct linux_iovec)))
        return f ? -EFAULT : -EBADF;
    struct linux_iovec *c = rt_alloc((size_t)n * sizeof(*c));
    if (!c)
        return -ENOMEM;
    memcpy(c, (const void *)uiov, (size_t)n * sizeof(*c));
    uint64_t total = 0;
    for (int i = 0; i < n; i++) /* lengths the VFS refuses: it says so (EINVAL) */
        if (c[i].iov_len > (uint64_t)INT64_MAX ||
            __builtin_add_overflow(total, c[i].iov_len, &total) || total > (uint64_t)INT64_MAX) {
            rt_free(c, (size_t)n * sizeof(*c));
            return n;
        }
    uint64_t done = 0;
    int kept = n;
    for (int i = 0; i < n; i++) {
        uint64_t len = c[i].iov_len;
        uint64_t k = len ? rt_user_prefix((uint64_t)c[i].iov_base, len, write) : 0;
        done += k;
        if (k < len) {
            c[i].iov_len = k;
            kept = i + 1;
            break;
        }
    }
    if (kept < n || done < total) { /* cut */
        done = pipe_cut(fd, f, done, write);
        uint64_t left = done;
        kept = 0;
        for (int i = 0; i < n && left; i++) {
            if (c[i].iov_len > left)
                c[i].iov_len = left;
            left -= c[i].iov_len;
            kept = i + 1;
        }
    }
    if (!done && total) {
        rt_free(c, (size_t)n * sizeof(*c));
        return f ? -EFAULT : -EBADF;
    }
    *out = c, *copied = n;
    return kept;
}

/* The vector calls over user_iov's copy. */
static long sys_rw_vector(int fd, uint64_t uiov, int n, int64_t off, bool positional, int write)
{
    struct linux_iovec *iov = (struct linux_iovec *)uiov;
    int copied = 0;
    long kept = n, r;
    /* Linux's order: the descriptor, and for preadv/pwritev its being seekable, come
     * before the vector is read */
    if (!vfs_fd_file(rt_vfs, fd))
        return -EBADF;
    if (positional && (r = vfs_lseek(rt_vfs, fd, 0, SEEK_CUR)) == -ESPIPE)
        return r;
    /* no entries, or too many: the VFS answers 0 or EINVAL without reading them */
    if (n > 0 && n <= UIO_MAXIOV && (kept = user_iov(fd, uiov, n, !write, &iov, &copied)) < 0)
        return kept;
    if (positional)
        r = write ? vfs_pwritev(rt_vfs, fd, iov, (int)kept, off)
                  : vfs_preadv(rt_vfs, fd, iov, (int)kept, off);
    else if (write)
        r = BLOCKING(vfs_writev(rt_vfs, fd, iov, (int)kept), fd, POLLOUT);
    else
        r = BLOCKING(vfs_readv(rt_vfs, fd, iov, (int)kept), fd, POLLIN);
    if (copied)
        rt_free(iov, (size_t)copied * sizeof(*iov));
    return r;
}

/* What an ioctl does with the bytes at its argument: in (read), out (written), or both,
 * from the command's _IOC encoding, or Linux's table for the old terminal commands;
 * 0: unknown, or not a pointer. */
static uint32_t ioctl_arg(uint32_t cmd, int *dir)
{
    static const struct {
        uint32_t cmd, size;
        int dir;
    } old[] = {
#define TIOS sizeof(struct term_termios)
#define WINSZ sizeof(struct term_winsize)
        {TERM_TCGETS, TIOS, 2},  {TERM_TCSETS, TIOS, 1},      {TERM_TCSETSW, TIOS, 1},
        {TERM_TCSETSF, TIOS, 1}, {TERM_TIOCGPGRP, 4, 2},      {TERM_TIOCSPGRP, 4, 1},
        {TERM_TIOCOUTQ, 4, 2},   {TERM_TIOCGWINSZ, WINSZ, 2}, {TERM_TIOCSWINSZ, WINSZ, 1},
        {TERM_FIONREAD, 4, 2},   {TERM_TIOCGSID, 4, 2},       {FIONBIO, 4, 1},
        {FIOASYNC, 4, 1},
#undef TIOS
#undef WINSZ
    };
    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
        if (old[i].cmd == cmd)
            return *dir = old[i].dir, old[i].size;
    *dir = (int)(cmd >> 30); /* _IOC_WRITE 1: the kernel reads; _IOC_READ 2: it writes */
    return (cmd >> 8 & 0xff) ? cmd >> 16 & 0x3fff : 0;
}

/* ioctl: an argument the command reads or writes is probed first (EFAULT). Where a bad
 * one is only written (a "get"), the command is asked with a scratch buffer first, so
 * that a file the command is not for still says ENOTTY or EINVAL, as Linux finds first. */
static long sys_ioctl(int fd, uint32_t cmd, uint64_t arg)
{
    static uint8_t scratch[256]; /* the caller holds the runtime lock */
    int dir;
    uint32_t size = ioctl_arg(cmd, &dir);
    bool status = cmd == FIONBIO || cmd == FIOASYNC; /* status flags, as F_SETFL's */
    if (status)
        rt_file_status(vfs_fd_file(rt_vfs, fd));
    if (!size || !dir || (dir & 2 ? rt_user_write(arg, size) : rt_user_read(arg, size))) {
        long r = vfs_ioctl(rt_vfs, fd, cmd, (void *)arg);
        if (r == 0 && status)
            rt_file_status_publish(vfs_fd_file(rt_vfs, fd));
        return r;
    }
    if (!vfs_fd_file(rt_vfs, fd))
        return -EBADF;
    if (dir != 2 || size > sizeof(scratch))
        return -EFAULT;
    memset(scratch, 0, size);
    long r = vfs_ioctl(rt_vfs, fd, cmd, scratch);
    return r < 0 ? r : -EFAULT;
}

/* readlink and readlinkat: the buffer is used up to its first bad page (the link is
 * copied up to there on Linux too). */
static long sys_readlinkat(int dirfd, uint64_t path, uint64_t buf, uint64_t size)
{
    NEED(path);
    NEED_BUF(buf, size);
    if ((int64_t)size <= 0)
        return -EINVAL;
    uint64_t k = rt_user_prefix(buf, size, 1);
    if (!k)
        return -EFAULT;
    return vfs_readlinkat(rt_vfs, dirfd, P(path), (char *)buf, k);
}

/* The path is made here first: Linux copies only its length to buf. */
static long sys_getcwd(char *buf, size_t size)
{
    static char path[PATH_MAX]; /* the caller holds the runtime lock */
    if (bad_ptr((uint64_t)buf))
        return -EFAULT;
    int64_t r = vfs_getcwd(rt_vfs, path, size < sizeof(path) ? size : sizeof(path));
    if (r <= 0)
        return r;
    if (!rt_user_write((uint64_t)buf, (uint64_t)r))
        return -EFAULT;
    memcpy(buf, path, (size_t)r);
    return r;
}

/* The offsets are the program's: read and written back through copies. */
static long sys_copy_file_range(int in, int64_t *oin, int out, int64_t *oout, size_t len,
                                unsigned flags)
{
    int64_t off_in, off_out;
    if (!rt_user_write_opt((uint64_t)oin, 8) || !rt_user_write_opt((uint64_t)oout, 8))
        return -EFAULT;
    if (oin)
        memcpy(&off_in, oin, 8);
    if (oout)
        memcpy(&off_out, oout, 8);
    long r = vfs_copy_file_range(rt_vfs, in, oin ? &off_in : NULL, out, oout ? &off_out : NULL, len,
                                 flags);
    if (oin)
        memcpy(oin, &off_in, 8);
    if (oout)
        memcpy(oout, &off_out, 8);
    return r;
}

/* utimensat: the times (if any) are read first, as Linux copies them before the path. */
static long sys_utimensat(int dirfd, const char *path, const struct linux_timespec *times,
                          int flags)
{
    struct linux_timespec t[2];
    if (times) {
        if (!rt_user_read((uint64_t)times, sizeof(t)))
            return -EFAULT;
        memcpy(t, times, sizeof(t));
    }
    if (path)
        NEED(path);
    return vfs_utimensat(rt_vfs, dirfd, path, times ? t : NULL, flags);
}

/* utimes and futimesat: microsecond times, relative to dirfd; utime (seconds): whole
 * seconds, tv_usec 0. n: the words per time (2, or 1 for utime). */
static long sys_utimes(int dirfd, const char *path, const int64_t *times, int n)
{
    int64_t tv[4] = {0, 0, 0, 0};
    if (times) {
        if (!rt_user_read((uint64_t)times, 2 * (uint64_t)n * 8))
            return -EFAULT;
        for (int i = 0; i < 2; i++)
            for (int w = 0; w < n; w++)
                memcpy(&tv[2 * i + w], &times[n * i + w], 8);
    }
    NEED(path);
    if (!times)
        return vfs_utimensat(rt_vfs, dirfd, path, NULL, 0);
    struct linux_timespec t[2];
    for (int i = 0; i < 2; i++) {
        if (tv[2 * i + 1] < 0 || tv[2 * i + 1] >= 1000000)
            return -EINVAL;
        t[i].tv_sec = tv[2 * i];
        t[i].tv_nsec = tv[2 * i + 1] * 1000;
    }
    return vfs_utimensat(rt_vfs, dirfd, path, t, 0);
}

/* sendfile: up to 64 KiB a call (a short count is Linux's answer too), read with pread
 * at the offset (in_fd's own, or *offp) so that nothing read is lost when out_fd cannot
 * take it, then that offset moved by what was written. out_fd blocks as a write does. */
static long sys_sendfile(int out, int in, int64_t *offp, size_t count)
{
    static char buf[65536];
    int fl = vfs_fcntl(rt_vfs, out, F_GETFL, 0);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (fl & O_APPEND)
        return -EINVAL;
    int64_t off;
    if (offp) {
        NEED(offp);
        off = *offp;
        if (off < 0)
            return -EINVAL;
    } else if ((off = vfs_lseek(rt_vfs, in, 0, SEEK_CUR)) < 0) {
        return off == -ESPIPE ? -EINVAL : off;
    }
    if (count == 0)
        return 0;
    size_t want = count < sizeof(buf) ? count : sizeof(buf);
    int64_t r = vfs_pread(rt_vfs, in, buf, want, off);
    if (r <= 0)
        return r == -ESPIPE ? -EINVAL : r;
    long w = BLOCKING(vfs_write(rt_vfs, out, buf, (size_t)r), out, POLLOUT);
    if (w <= 0)
        return w;
    off += w;
    if (offp)
        *offp = off;
    else
        vfs_lseek(rt_vfs, in, off, SEEK_SET);
    return w;
}

/* close_range: CLOSE_RANGE_CLOEXEC (4) marks instead of closing; CLOSE_RANGE_UNSHARE (2)
 * has nothing to do (each process has its own table already). */
static long sys_close_range(uint64_t first, uint64_t last, uint64_t flags)
{
    if ((flags & ~(uint64_t)6) || first > last || first > UINT32_MAX)
        return -EINVAL;
    uint64_t limit = vfs_fd_end(rt_vfs); /* none is open beyond */
    for (uint64_t fd = first; fd <= last && fd < limit; fd++) {
        if (flags & 4)
            vfs_fcntl(rt_vfs, (int)fd, F_SETFD, FD_CLOEXEC);
        else
            vfs_close(rt_vfs, (int)fd);
    }
    return 0;
}

/* fallocate: mode 0 (allocate, grow the file to off + len with zeros); the other modes
 * (keep size, punch or zero a range) are EOPNOTSUPP, Linux's answer on a file system
 * without them. */
static long sys_fallocate(int fd, uint64_t mode, int64_t off, int64_t len)
{
    struct linux_stat st;
    int fl = vfs_fcntl(rt_vfs, fd, F_GETFL, 0);
    if (fl < 0)
        return fl;
    if (off < 0 || len <= 0)
        return -EINVAL;
    if ((fl & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    int r = vfs_fstat(rt_vfs, fd, &st);
    if (r < 0)
        return r;
    if (S_ISFIFO(st.st_mode))
        return -ESPIPE;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (!S_ISREG(st.st_mode))
        return -ENODEV;
    if (mode)
        return -EOPNOTSUPP;
    if (off > INT64_MAX - len)
        return -EFBIG;
    return off + len > st.st_size ? vfs_ftruncate(rt_vfs, fd, off + len) : 0;
}

/* memfd_create: a file of /dev/shm (the sandbox's shared-memory server: mappable
 * MAP_SHARED and shared across fork like any open file) made under a fresh name and
 * unlinked at once, so that only the descriptor names it. A sandbox without /dev/shm
 * gets ENOSYS (logged once). Sealing (MFD_ALLOW_SEALING) is refused: EINVAL. */
static long sys_memfd_create(const char *name, uint64_t flags)
{
    static unsigned seq;
    static bool said;
    NEED(name);
    size_t n = 0;
    while (n < 250 && name[n])
        n++;
    if (n == 250 || (flags & ~(uint64_t)1)) /* MFD_CLOEXEC only */
        return -EINVAL;
    char path[64];
    for (int tries = 0; tries < 16; tries++) {
        cx_snprintf(path, sizeof(path), "/dev/shm/.memfd-%lu-%u", rt_pid(), seq++);
        int fd = vfs_openat(rt_vfs, AT_FDCWD, path,
                            O_RDWR | O_CREAT | O_EXCL | ((flags & 1) ? O_CLOEXEC : 0), 0600);
        if (fd == -EEXIST)
            continue;
        if (fd < 0 && !said) {
            said = true;
            rt_log("[runtime] memfd_create: no /dev/shm to make it in (errno %d): ENOSYS\n", -fd);
        }
        if (fd < 0)
            return fd == -EMFILE || fd == -ENOMEM || fd == -ENOSPC ? fd : -ENOSYS;
        vfs_unlinkat(rt_vfs, AT_FDCWD, path, 0);
        return fd;
    }
    return -EEXIST;
}

long rt_fs_syscall(const struct rt_call *c)
{
    const uint64_t *a = c->a;
    long n;
    switch (c->nr) {
    case NR_read:
        if ((n = user_buf(FD(a[0]), a[1], a[2], 1)) < 0)
            return n;
        return BLOCKING(vfs_read(rt_vfs, FD(a[0]), (void *)a[1], (size_t)n), FD(a[0]), POLLIN);
    case NR_write:
        if ((n = user_buf(FD(a[0]), a[1], a[2], 0)) < 0)
            return n;
        return BLOCKING(vfs_write(rt_vfs, FD(a[0]), (const void *)a[1], (size_t)n), FD(a[0]),
                        POLLOUT);
    case NR_pread64:
        if ((n = user_buf(FD(a[0]), a[1], a[2], 1)) < 0)
            return n;
        return vfs_pread(rt_vfs, FD(a[0]), (void *)a[1], (size_t)n, (int64_t)a[3]);
    case NR_pwrite64:
        if ((n = user_buf(FD(a[0]), a[1], a[2], 0)) < 0)
            return n;
        return vfs_pwrite(rt_vfs, FD(a[0]), (const void *)a[1], (size_t)n, (int64_t)a[3]);
    case NR_readv:
        return sys_rw_vector(FD(a[0]), a[1], (int)a[2], 0, false, 0);
    case NR_writev:
        return sys_rw_vector(FD(a[0]), a[1], (int)a[2], 0, false, 1);
    case NR_pipe:
        return rt_pipe2((int *)a[0], 0);
    case NR_pipe2:
        return rt_pipe2((int *)a[0], (int)a[1]);
    case NR_preadv:
        if ((int64_t)a[3] < 0)
            return -EINVAL;
        return sys_rw_vector(FD(a[0]), a[1], (int)a[2], (int64_t)a[3], true, 0);
    case NR_pwritev:
        if ((int64_t)a[3] < 0)
            return -EINVAL;
        return sys_rw_vector(FD(a[0]), a[1], (int)a[2], (int64_t)a[3], true, 1);
    case NR_lseek:
        return vfs_lseek(rt_vfs, FD(a[0]), (int64_t)a[1], (int)a[2]);
    case NR_open:
        NEED(a[0]);
        return fifo_wait(vfs_openat(rt_vfs, AT_FDCWD, P(a[0]), (int)a[1], (uint32_t)a[2]));
    case NR_openat:
        NEED(a[1]);
        return fifo_wait(vfs_openat(rt_vfs, FD(a[0]), P(a[1]), (int)a[2], (uint32_t)a[3]));
    case NR_creat:
        NEED(a[0]);
        return vfs_openat(rt_vfs, AT_FDCWD, P(a[0]), O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a[1]);
    case NR_close:
        return vfs_close(rt_vfs, FD(a[0]));
    case NR_stat:
        return sys_stat(AT_FDCWD, P(a[0]), (struct linux_stat *)a[1], 0);
    case NR_lstat:
        return sys_stat(AT_FDCWD, P(a[0]), (struct linux_stat *)a[1], AT_SYMLINK_NOFOLLOW);
    case NR_fstat:
        NEED_OUT(a[1], sizeof(struct linux_stat));
        return vfs_fstat(rt_vfs, FD(a[0]), (struct linux_stat *)a[1]);
    case NR_newfstatat:
        return sys_stat(FD(a[0]), P(a[1]), (struct linux_stat *)a[2], (int)a[3]);
    case NR_statx:
        NEED(a[1]);
        NEED_OUT(a[4], sizeof(struct linux_statx));
        return vfs_statx(rt_vfs, FD(a[0]), P(a[1]), (int)a[2], (unsigned)a[3],
                         (struct linux_statx *)a[4]);
    case NR_getdents64:
        if ((n = user_buf(FD(a[0]), a[1], a[2], 1)) < 0)
            return n;
        return vfs_getdents64(rt_vfs, FD(a[0]), (void *)a[1], (size_t)n);
    case NR_mkdir:
        NEED(a[0]);
        return vfs_mkdirat(rt_vfs, AT_FDCWD, P(a[0]), (uint32_t)a[1]);
    case NR_flock:
        return sys_flock(FD(a[0]), (int)a[1]);
    case NR_mknod:
        NEED(a[0]);
        return vfs_mknodat(rt_vfs, AT_FDCWD, P(a[0]), (uint32_t)a[1], (uint32_t)a[2]);
    case NR_mknodat:
        NEED(a[1]);
        return vfs_mknodat(rt_vfs, FD(a[0]), P(a[1]), (uint32_t)a[2], (uint32_t)a[3]);
    case NR_mkdirat:
        NEED(a[1]);
        return vfs_mkdirat(rt_vfs, FD(a[0]), P(a[1]), (uint32_t)a[2]);
    case NR_rmdir:
        NEED(a[0]);
        return vfs_unlinkat(rt_vfs, AT_FDCWD, P(a[0]), AT_REMOVEDIR);
    case NR_unlink:
        NEED(a[0]);
        return vfs_unlinkat(rt_vfs, AT_FDCWD, P(a[0]), 0);
    case NR_unlinkat:
        NEED(a[1]);
        return vfs_unlinkat(rt_vfs, FD(a[0]), P(a[1]), (int)a[2]);
    case NR_rename:
        NEED(a[0]);
        NEED(a[1]);
        return vfs_renameat2(rt_vfs, AT_FDCWD, P(a[0]), AT_FDCWD, P(a[1]), 0);
    case NR_renameat:
        NEED(a[1]);
        NEED(a[3]);
        return vfs_renameat2(rt_vfs, FD(a[0]), P(a[1]), FD(a[2]), P(a[3]), 0);
    case NR_renameat2:
        NEED(a[1]);
        NEED(a[3]);
        return vfs_renameat2(rt_vfs, FD(a[0]), P(a[1]), FD(a[2]), P(a[3]), (unsigned)a[4]);
    case NR_link:
        NEED(a[0]);
        NEED(a[1]);
        return vfs_linkat(rt_vfs, AT_FDCWD, P(a[0]), AT_FDCWD, P(a[1]), 0);
    case NR_linkat:
        NEED(a[1]);
        NEED(a[3]);
        return vfs_linkat(rt_vfs, FD(a[0]), P(a[1]), FD(a[2]), P(a[3]), (int)a[4]);
    case NR_symlink:
        NEED(a[0]);
        NEED(a[1]);
        return vfs_symlinkat(rt_vfs, P(a[0]), AT_FDCWD, P(a[1]));
    case NR_symlinkat:
        NEED(a[0]);
        NEED(a[2]);
        return vfs_symlinkat(rt_vfs, P(a[0]), FD(a[1]), P(a[2]));
    case NR_readlink:
        return sys_readlinkat(AT_FDCWD, a[0], a[1], a[2]);
    case NR_readlinkat:
        return sys_readlinkat(FD(a[0]), a[1], a[2], a[3]);
    case NR_chdir:
        NEED(a[0]);
        return vfs_chdir(rt_vfs, P(a[0]));
    case NR_fchdir:
        return vfs_fchdir(rt_vfs, FD(a[0]));
    case NR_getcwd:
        return sys_getcwd((char *)a[0], a[1]);
    case NR_access:
        NEED(a[0]);
        return rt_creds_faccessat(AT_FDCWD, P(a[0]), (int)a[1], 0);
    case NR_faccessat:
        NEED(a[1]);
        return rt_creds_faccessat(FD(a[0]), P(a[1]), (int)a[2], 0);
    case NR_faccessat2:
        NEED(a[1]);
        return rt_creds_faccessat(FD(a[0]), P(a[1]), (int)a[2], (int)a[3]);
    case NR_fcntl:
        return sys_fcntl(FD(a[0]), (int)a[1], a[2]);
    case NR_dup:
        return vfs_dup(rt_vfs, FD(a[0]));
    case NR_dup2:
        return vfs_dup2(rt_vfs, FD(a[0]), FD(a[1]));
    case NR_dup3:
        return vfs_dup3(rt_vfs, FD(a[0]), FD(a[1]), (int)a[2]);
    case NR_ftruncate:
        return vfs_ftruncate(rt_vfs, FD(a[0]), (int64_t)a[1]);
    case NR_truncate:
        NEED(a[0]);
        return vfs_truncate(rt_vfs, P(a[0]), (int64_t)a[1]);
    case NR_fsync:
        return vfs_fsync(rt_vfs, FD(a[0]), false);
    case NR_fdatasync:
        return vfs_fsync(rt_vfs, FD(a[0]), true);
    case NR_sync:
        vfs_sync(rt_vfs); /* servers write back their caches (fat); errors go nowhere */
        return 0;
    case NR_syncfs:
        return vfs_syncfs(rt_vfs, FD(a[0]));
    case NR_utimensat:
        return sys_utimensat(FD(a[0]), P(a[1]), (const struct linux_timespec *)a[2], (int)a[3]);
    case NR_utime:
        return sys_utimes(AT_FDCWD, P(a[0]), (const int64_t *)a[1], 1);
    case NR_utimes:
        return sys_utimes(AT_FDCWD, P(a[0]), (const int64_t *)a[1], 2);
    case NR_futimesat:
        return sys_utimes(FD(a[0]), P(a[1]), (const int64_t *)a[2], 2);
    case NR_chmod:
        NEED(a[0]);
        return vfs_fchmodat(rt_vfs, AT_FDCWD, P(a[0]), (uint32_t)a[1], 0);
    case NR_fchmod:
        return vfs_fchmod(rt_vfs, FD(a[0]), (uint32_t)a[1]);
    case NR_fchmodat:
        NEED(a[1]);
        return vfs_fchmodat(rt_vfs, FD(a[0]), P(a[1]), (uint32_t)a[2], 0);
    case NR_chown:
        NEED(a[0]);
        return vfs_fchownat(rt_vfs, AT_FDCWD, P(a[0]), (uint32_t)a[1], (uint32_t)a[2], 0);
    case NR_lchown:
        NEED(a[0]);
        return vfs_fchownat(rt_vfs, AT_FDCWD, P(a[0]), (uint32_t)a[1], (uint32_t)a[2],
                            AT_SYMLINK_NOFOLLOW);
    case NR_fchown:
        return vfs_fchown(rt_vfs, FD(a[0]), (uint32_t)a[1], (uint32_t)a[2]);
    case NR_fchownat:
        NEED(a[1]);
        return vfs_fchownat(rt_vfs, FD(a[0]), P(a[1]), (uint32_t)a[2], (uint32_t)a[3], (int)a[4]);
    case NR_umask:
        return vfs_umask(rt_vfs, (uint32_t)a[0]);
    case NR_statfs:
        NEED(a[0]);
        NEED_OUT(a[1], sizeof(struct linux_statfs));
        return vfs_statfs(rt_vfs, P(a[0]), (struct linux_statfs *)a[1]);
    case NR_fstatfs:
        NEED_OUT(a[1], sizeof(struct linux_statfs));
        return vfs_fstatfs(rt_vfs, FD(a[0]), (struct linux_statfs *)a[1]);
    case NR_ioctl:
        return sys_ioctl(FD(a[0]), (uint32_t)a[1], a[2]);
    case NR_copy_file_range:
        return sys_copy_file_range(FD(a[0]), (int64_t *)a[1], FD(a[2]), (int64_t *)a[3], a[4],
                                   (unsigned)a[5]);
    case NR_sendfile:
        return sys_sendfile(FD(a[0]), FD(a[1]), (int64_t *)a[2], a[3]);
    case NR_memfd_create:
        return sys_memfd_create((const char *)a[0], a[1]);
    case NR_close_range:
        return sys_close_range(a[0], a[1], a[2]);
    case NR_fallocate:
        return sys_fallocate(FD(a[0]), a[1], (int64_t)a[2], (int64_t)a[3]);
    case NR_fadvise64:
        return vfs_fadvise(rt_vfs, FD(a[0]), (int64_t)a[1], (int64_t)a[2], (int)a[3]);
    case NR_getpeername:
    case NR_getsockname:
        return rt_sockname(FD(a[0]), a[1], a[2], c->nr == NR_getpeername);
    case NR_getsockopt:
        return rt_getsockopt(FD(a[0]), (int)a[1], (int)a[2], a[3], a[4]);
    case NR_setsockopt:
        return rt_setsockopt(FD(a[0]), (int)a[1], (int)a[2], a[3], a[4]);
    case NR_shutdown:
        return rt_shutdown(FD(a[0]), (int)a[1]);
    case NR_bind:
        return rt_bind(FD(a[0]), a[1], a[2]);
    case NR_listen:
        return rt_listen(FD(a[0]), (int)a[1]);
    case NR_accept:
    case NR_accept4:
        return rt_accept4(FD(a[0]), a[1], a[2], c->nr == NR_accept ? 0 : (int)a[3]);
    case NR_connect:
        return rt_connect(FD(a[0]), a[1], a[2]);
    case NR_sendto:
        return rt_sendto(FD(a[0]), a[1], a[2], (int)a[3], a[4], a[5]);
    case NR_recvfrom:
        return rt_recvfrom(FD(a[0]), a[1], a[2], (int)a[3], a[4], a[5]);
    case NR_sendmsg:
        return rt_sendmsg(FD(a[0]), a[1], (int)a[2]);
    case NR_recvmsg:
        return rt_recvmsg(FD(a[0]), a[1], (int)a[2]);
    default:
        return RT_NOT_MINE;
    }
}
