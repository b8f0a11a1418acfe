/*
 * The constants of vfs/linux.h that vfs_abi_test compares with the host's headers
 * (X-macro list; the host is Linux x86_64, whose values these must be).
 */
/* clang-format off */
#define ABI_CONSTANTS(X) \
    X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD) \
    X(EAGAIN) X(EWOULDBLOCK) X(ENOMEM) X(EACCES) X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) \
    X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(ETXTBSY) \
    X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) \
    X(ENAMETOOLONG) X(ENOLCK) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ENOMSG) X(ENODATA) X(ETIME) \
    X(EOVERFLOW) X(EILSEQ) X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) \
    X(EPROTONOSUPPORT) X(EOPNOTSUPP) X(ENOTSUP) X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) \
    X(ENETDOWN) X(ENETUNREACH) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
    X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ESTALE) X(EDQUOT) \
    X(ECANCELED) X(PATH_MAX) X(NAME_MAX) X(O_ACCMODE) X(O_RDONLY) X(O_WRONLY) X(O_RDWR) \
    X(O_CREAT) X(O_EXCL) X(O_NOCTTY) X(O_TRUNC) X(O_APPEND) X(O_NONBLOCK) X(O_DSYNC) X(O_ASYNC) \
    X(O_DIRECT) X(O_DIRECTORY) X(O_NOFOLLOW) X(O_NOATIME) X(O_CLOEXEC) X(O_SYNC) X(O_PATH) \
    X(O_TMPFILE) X(S_IFMT) X(S_IFSOCK) X(S_IFLNK) X(S_IFREG) X(S_IFBLK) X(S_IFDIR) X(S_IFCHR) \
    X(S_IFIFO) X(S_ISUID) X(S_ISGID) X(S_ISVTX) X(S_IRWXU) X(S_IRWXG) X(S_IRWXO) X(S_IXGRP) \
    X(DT_UNKNOWN) X(DT_FIFO) X(DT_CHR) X(DT_DIR) X(DT_BLK) X(DT_REG) X(DT_LNK) X(DT_SOCK) \
    X(AT_FDCWD) X(AT_SYMLINK_NOFOLLOW) X(AT_REMOVEDIR) X(AT_EACCESS) X(AT_SYMLINK_FOLLOW) \
    X(AT_NO_AUTOMOUNT) X(AT_EMPTY_PATH) X(RENAME_NOREPLACE) X(RENAME_EXCHANGE) \
    X(RENAME_WHITEOUT) X(UTIME_NOW) X(UTIME_OMIT) X(F_OK) X(X_OK) X(W_OK) X(R_OK) X(SEEK_SET) \
    X(SEEK_CUR) X(SEEK_END) X(SEEK_DATA) X(SEEK_HOLE) X(F_DUPFD) X(F_GETFD) X(F_SETFD) \
    X(F_GETFL) X(F_SETFL) X(F_GETLK) X(F_SETLK) X(F_SETLKW) X(F_SETOWN) X(F_GETOWN) \
    X(F_OFD_GETLK) X(F_OFD_SETLK) X(F_OFD_SETLKW) X(F_DUPFD_CLOEXEC) X(F_SETPIPE_SZ) \
    X(F_GETPIPE_SZ) X(FD_CLOEXEC) X(F_RDLCK) X(F_WRLCK) X(F_UNLCK) X(TCGETS) X(TIOCGWINSZ) \
    X(FIONREAD) X(FIONBIO) X(FIONCLEX) X(FIOCLEX) X(FIOASYNC) X(POLLIN) X(POLLPRI) X(POLLOUT) \
    X(POLLERR) X(POLLHUP) X(POLLNVAL) X(POLLRDNORM) X(POLLRDBAND) X(POLLWRNORM) X(POLLWRBAND) \
    X(POLLRDHUP) X(TMPFS_MAGIC) X(RAMFS_MAGIC) X(ROMFS_MAGIC) X(PROC_SUPER_MAGIC) X(AT_STATX_SYNC_AS_STAT) X(AT_STATX_FORCE_SYNC) X(AT_STATX_DONT_SYNC) X(STATX_TYPE) \
    X(STATX_MODE) X(STATX_NLINK) X(STATX_UID) X(STATX_GID) X(STATX_ATIME) X(STATX_MTIME) \
    X(STATX_CTIME) X(STATX_INO) X(STATX_SIZE) X(STATX_BLOCKS) X(STATX_BASIC_STATS) X(STATX_BTIME) \
    X(STATX__RESERVED) X(POSIX_FADV_NORMAL) X(POSIX_FADV_RANDOM) X(POSIX_FADV_SEQUENTIAL) \
    X(POSIX_FADV_WILLNEED) X(POSIX_FADV_DONTNEED) X(POSIX_FADV_NOREUSE) X(UIO_MAXIOV) X(ST_RDONLY) \
    X(ST_NOSUID) X(ST_NODEV) X(ST_NOEXEC) X(ST_RELATIME) X(CLOCK_REALTIME) X(CLOCK_MONOTONIC) \
    X(CLOCK_PROCESS_CPUTIME_ID) X(CLOCK_THREAD_CPUTIME_ID) X(CLOCK_MONOTONIC_RAW) \
    X(CLOCK_REALTIME_COARSE) X(CLOCK_MONOTONIC_COARSE) X(CLOCK_BOOTTIME) X(SIGHUP) X(SIGINT) \
    X(SIGQUIT) X(SIGILL) X(SIGTRAP) X(SIGABRT) X(SIGBUS) X(SIGFPE) X(SIGKILL) X(SIGUSR1) \
    X(SIGSEGV) X(SIGUSR2) X(SIGPIPE) X(SIGALRM) X(SIGTERM) X(SIGSTKFLT) X(SIGCHLD) X(SIGCONT) \
    X(SIGSTOP) X(SIGTSTP) X(SIGTTIN) X(SIGTTOU) X(SIGURG) X(SIGXCPU) X(SIGXFSZ) X(SIGVTALRM) \
    X(SIGPROF) X(SIGWINCH) X(SIGPOLL) X(SIGPWR) X(SIGSYS) X(ETOOMANYREFS) X(WNOHANG) \
    X(WUNTRACED) X(WSTOPPED) X(WEXITED) X(WCONTINUED) X(WNOWAIT) X(PROT_READ) X(PROT_WRITE) \
    X(PROT_EXEC) X(MAP_SHARED) X(MAP_PRIVATE) X(MAP_FIXED) X(MAP_ANONYMOUS) \
    X(MAP_FIXED_NOREPLACE) X(MADV_NORMAL) X(MADV_RANDOM) X(MADV_SEQUENTIAL) X(MADV_WILLNEED) \
    X(MADV_DONTNEED) X(MADV_FREE) X(ARCH_SET_FS) X(ARCH_GET_FS) X(CLONE_VM) X(CLONE_VFORK) \
    X(CLONE_PARENT) X(CLONE_FS) X(CLONE_FILES) X(CLONE_SIGHAND) X(CLONE_THREAD) \
    X(CLONE_SYSVSEM) X(CLONE_SETTLS) X(CLONE_PARENT_SETTID) X(CLONE_CHILD_CLEARTID) \
    X(CLONE_DETACHED) X(CLONE_CHILD_SETTID) X(FUTEX_WAIT) X(FUTEX_WAKE) X(FUTEX_REQUEUE) \
    X(FUTEX_CMP_REQUEUE) X(FUTEX_WAIT_BITSET) X(FUTEX_WAKE_BITSET) X(FUTEX_PRIVATE_FLAG) \
    X(FUTEX_CLOCK_REALTIME) X(FUTEX_WAITERS) X(FUTEX_OWNER_DIED) X(FUTEX_TID_MASK) \
    X(RLIMIT_STACK) X(RLIMIT_NOFILE) X(RLIMIT_CORE) X(RLIMIT_SIGPENDING) X(RLIMIT_MEMLOCK) \
    X(RLIM_INFINITY) X(AF_UNIX) X(AF_INET) X(SOCK_STREAM) X(SOCK_DGRAM) X(SOCK_SEQPACKET) \
    X(SOCK_NONBLOCK) X(SOCK_CLOEXEC) X(MSG_PEEK) X(MSG_DONTWAIT) X(MSG_WAITALL) X(MSG_NOSIGNAL) \
    X(MSG_CTRUNC) X(MSG_TRUNC) X(MSG_CMSG_CLOEXEC) X(SOL_SOCKET) X(SCM_RIGHTS) \
    X(SCM_CREDENTIALS) X(IPPROTO_TCP) X(IPPROTO_UDP) X(SCHED_OTHER) X(SCHED_FIFO) X(SCHED_RR) \
    X(SCHED_BATCH) X(SCHED_IDLE) X(SCHED_RESET_ON_FORK)

/* The constants vfs/linux.h spells LINUX_NAME (glibc's NAME is an enum constant). */
#define ABI_PREFIXED(X) \
    X(SI_USER) X(SI_KERNEL) X(SI_TIMER) X(SI_TKILL) X(ILL_ILLOPN) X(FPE_INTDIV) X(SEGV_MAPERR) X(SEGV_ACCERR) \
    X(BUS_ADRALN) X(BUS_ADRERR) X(TRAP_BRKPT) X(CLD_EXITED) X(CLD_KILLED) X(CLD_DUMPED) X(CLD_TRAPPED) \
    X(CLD_STOPPED) X(CLD_CONTINUED) X(SI_MESGQ) X(SIGEV_SIGNAL) X(SIGEV_NONE) X(SIGEV_THREAD) \
    X(SIGEV_THREAD_ID) X(EFD_SEMAPHORE)

/* Constants checked against the kernel's uapi headers (abi_uapi.c), the source of the
 * calls' flags (glibc has no SA_RESTORER, and declares those of ABI_UAPI_PREFIXED,
 * spelled LINUX_NAME in vfs/linux.h, as enum constants). */
#define ABI_UAPI_CONSTANTS(X) \
    X(SA_NOCLDSTOP) X(SA_NOCLDWAIT) X(SA_SIGINFO) X(SA_RESTORER) X(SA_ONSTACK) X(SA_RESTART) \
    X(SA_NODEFER) X(SA_RESETHAND) X(PR_SET_PDEATHSIG) X(PR_GET_PDEATHSIG) \
    X(PR_GET_DUMPABLE) X(PR_SET_DUMPABLE) X(PR_SET_NAME) X(PR_GET_NAME) \
    X(PR_SET_CHILD_SUBREAPER) X(PR_GET_CHILD_SUBREAPER) X(EPOLL_CTL_ADD) X(EPOLL_CTL_DEL) \
    X(EPOLL_CTL_MOD) X(MCL_CURRENT) X(MCL_FUTURE) X(MCL_ONFAULT) X(MLOCK_ONFAULT)
#define ABI_UAPI_PREFIXED(X) \
    X(SS_ONSTACK) X(SS_DISABLE) X(SS_AUTODISARM) X(ITIMER_REAL) X(ITIMER_VIRTUAL) X(ITIMER_PROF) \
    X(EPOLLEXCLUSIVE) X(EPOLLWAKEUP) X(EPOLLONESHOT) X(EPOLLET) X(TFD_TIMER_ABSTIME) \
    X(TFD_TIMER_CANCEL_ON_SET)

/* Wait statuses: an exit with 3, a SIGKILL, a SIGSEGV with a core, a SIGTSTP stop, a
 * continue; and their decoding. EXITCODE, STOPCODE, COREFLAG and CONTINUED name the
 * side's encoding, TERMSIG and EXITSTATUS its decoding. */
#define ABI_WAIT_STATUSES(EXITCODE, STOPCODE, COREFLAG, CONTINUED, TERMSIG, EXITSTATUS) \
    EXITCODE(3, 0), EXITCODE(0, 9), EXITCODE(0, 11) | COREFLAG, STOPCODE(20), CONTINUED, \
    TERMSIG(EXITCODE(0, 9) | COREFLAG), EXITSTATUS(EXITCODE(200, 0))

/* Sizes and offsets of the structures, named so that both sides can compute them. */
#define ABI_LAYOUT(X, STAT, STATFS, DIRENT, FLOCK, STATX, IOVEC) \
    X(sizeof(struct STAT)) X(offsetof(struct STAT, st_dev)) X(offsetof(struct STAT, st_ino)) \
    X(offsetof(struct STAT, st_nlink)) X(offsetof(struct STAT, st_mode)) \
    X(offsetof(struct STAT, st_uid)) X(offsetof(struct STAT, st_gid)) \
    X(offsetof(struct STAT, st_rdev)) X(offsetof(struct STAT, st_size)) \
    X(offsetof(struct STAT, st_blksize)) X(offsetof(struct STAT, st_blocks)) \
    X(offsetof(struct STAT, st_atim)) X(offsetof(struct STAT, st_mtim)) \
    X(offsetof(struct STAT, st_ctim)) X(sizeof(struct STATFS)) \
    X(offsetof(struct STATFS, f_type)) X(offsetof(struct STATFS, f_bsize)) \
    X(offsetof(struct STATFS, f_blocks)) X(offsetof(struct STATFS, f_bfree)) \
    X(offsetof(struct STATFS, f_bavail)) X(offsetof(struct STATFS, f_files)) \
    X(offsetof(struct STATFS, f_ffree)) X(offsetof(struct STATFS, f_fsid)) \
    X(offsetof(struct STATFS, f_namelen)) X(offsetof(struct STATFS, f_frsize)) \
    X(offsetof(struct STATFS, f_flags)) X(offsetof(struct DIRENT, d_ino)) \
    X(offsetof(struct DIRENT, d_off)) X(offsetof(struct DIRENT, d_reclen)) \
    X(offsetof(struct DIRENT, d_type)) X(offsetof(struct DIRENT, d_name)) \
    X(sizeof(struct FLOCK)) X(offsetof(struct FLOCK, l_type)) \
    X(offsetof(struct FLOCK, l_whence)) X(offsetof(struct FLOCK, l_start)) \
    X(offsetof(struct FLOCK, l_len)) X(offsetof(struct FLOCK, l_pid)) \
    X(sizeof(struct STATX)) X(offsetof(struct STATX, stx_blksize)) \
    X(offsetof(struct STATX, stx_nlink)) X(offsetof(struct STATX, stx_mode)) \
    X(offsetof(struct STATX, stx_ino)) X(offsetof(struct STATX, stx_size)) \
    X(offsetof(struct STATX, stx_blocks)) X(offsetof(struct STATX, stx_atime)) \
    X(offsetof(struct STATX, stx_btime)) X(offsetof(struct STATX, stx_ctime)) \
    X(offsetof(struct STATX, stx_mtime)) X(offsetof(struct STATX, stx_mtime.tv_nsec)) \
    X(offsetof(struct STATX, stx_rdev_major)) X(offsetof(struct STATX, stx_dev_minor)) \
    X(offsetof(struct STATX, stx_mnt_id)) X(sizeof(struct IOVEC)) \
    X(offsetof(struct IOVEC, iov_len))
/* clang-format on */

/* A group of constants as one side of the test sees them: values and names in the
 * order of its list. ABI_GROUP(group, LIST) defines one from the X-macro LIST with the
 * values the headers of the file that uses it give. */
struct abi_group {
    const long *values;
    const char *const *names;
    unsigned long count;
};
#define ABI_VALUE(name) (long)(name),
#define ABI_NAME(name) #name,
#define ABI_GROUP(group, LIST)                                                                     \
    static const long group##_values[] = {LIST(ABI_VALUE)};                                        \
    static const char *const group##_names[] = {LIST(ABI_NAME)};                                   \
    const struct abi_group group = {group##_values, group##_names,                                 \
                                    sizeof group##_values / sizeof group##_values[0]}
/* glibc's values (abi_host.c) and the kernel uapi headers' (abi_uapi.c) */
extern const struct abi_group abi_host_constants, abi_host_prefixed, abi_uapi_constants,
    abi_uapi_prefixed;
