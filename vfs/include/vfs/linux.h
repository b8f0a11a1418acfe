/*
 * The one Linux ABI header: the parts of the Linux x86_64 system-call ABI that the VFS,
 * the runtime and the launcher speak: errno numbers, open flags, file modes, *at() flags,
 * fcntl and ioctl numbers, clock ids, signal numbers, si_code values, wait statuses and
 * options, mmap, clone, futex, rlimit and socket constants, and the structures the
 * runtime hands to musl unchanged (struct stat as the kernel lays it out, dirent64,
 * statfs, sysinfo). Values are Linux's own (include/uapi/asm-generic/errno*.h, fcntl.h,
 * arch/x86/include/uapi/asm/stat.h); the host test vfs/tests/abi_test.c compares them
 * with the host's headers. No Linux constant is defined twice: the runtime's system-call
 * numbers are in libc/linux.h. Constants of calls that one runtime file alone serves live
 * here too (sigaction's SA_*, sched's SCHED_*, prctl's PR_*, epoll's, eventfd's and
 * timerfd's flags, setitimer's ITIMER_*, mlockall's MCL_*); those glibc lacks or spells
 * as enum constants are checked against the kernel's own uapi headers instead
 * (vfs/tests/abi_uapi.c).
 *
 * Constants keep their Linux names so that runtime code reads like Linux code; the
 * structures are prefixed linux_ so that host tests may include libc headers as well, and
 * so are the constants glibc declares as enum constants (LINUX_SI_*, LINUX_SIGEV_*,
 * LINUX_SS_*, LINUX_ITIMER_*, LINUX_EPOLL*, LINUX_EFD_*, LINUX_TFD_*); the others are
 * spelled as glibc spells them.
 * Freestanding: needs only <stdint.h>.
 */
#ifndef VFS_LINUX_H
#define VFS_LINUX_H

#include <stddef.h>
#include <stdint.h>

/* ---- errno (returned negated) ---- */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define EWOULDBLOCK EAGAIN
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define ENOTBLK 15
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOTTY 25
#define ETXTBSY 26
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define EPIPE 32
#define EDOM 33
#define ERANGE 34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOLCK 37
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#define ENOMSG 42
#define ENODATA 61
#define ETIME 62
#define EOVERFLOW 75
#define EILSEQ 84
#define ENOTSOCK 88
#define EDESTADDRREQ 89
#define EMSGSIZE 90
#define EPROTOTYPE 91
#define ENOPROTOOPT 92
#define EPROTONOSUPPORT 93
#define ESOCKTNOSUPPORT 94
#define EOPNOTSUPP 95
#define ENOTSUP EOPNOTSUPP
#define EAFNOSUPPORT 97
#define EADDRINUSE 98
#define EADDRNOTAVAIL 99
#define ENETDOWN 100
#define ENETUNREACH 101
#define ECONNABORTED 103
#define ECONNRESET 104
#define ENOBUFS 105
#define EISCONN 106
#define ENOTCONN 107
#define ETOOMANYREFS 109
#define ETIMEDOUT 110
#define ECONNREFUSED 111
#define EHOSTUNREACH 113
#define EALREADY 114
#define EINPROGRESS 115
#define ESTALE 116
#define EDQUOT 122
#define ECANCELED 125

/* ---- limits ---- */
#define PATH_MAX 4096 /* bytes in a path, with its NUL */
#define NAME_MAX 255  /* bytes in one component */

/* ---- open(2) flags ---- */
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DSYNC 00010000
#define O_ASYNC 00020000
#define O_DIRECT 00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000

/* ---- file modes ---- */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IRWXU 00700
#define S_IRWXG 00070
#define S_IRWXO 00007
#define S_IXGRP 00010

#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m)&S_IFMT) == S_IFSOCK)

/* Directory entry types (d_type): the S_IFMT bits shifted right by 12. */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

/* ---- *at() ---- */
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define AT_STATX_SYNC_AS_STAT 0x0000
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC 0x4000

/* statx(2) masks */
#define STATX_TYPE 0x001u
#define STATX_MODE 0x002u
#define STATX_NLINK 0x004u
#define STATX_UID 0x008u
#define STATX_GID 0x010u
#define STATX_ATIME 0x020u
#define STATX_MTIME 0x040u
#define STATX_CTIME 0x080u
#define STATX_INO 0x100u
#define STATX_SIZE 0x200u
#define STATX_BLOCKS 0x400u
#define STATX_BASIC_STATS 0x7ffu
#define STATX_BTIME 0x800u
#define STATX__RESERVED 0x80000000u

/* posix_fadvise(2) */
#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5

#define UIO_MAXIOV 1024 /* most iovecs in one readv or writev */

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

/* access(2) */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* lseek(2) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

/* ---- fcntl(2) ---- */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETSIG 10
#define F_GETSIG 11
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

/* ---- ioctl(2): the requests the VFS itself answers, and the terminal's first ones ---- */
#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIOASYNC 0x5452

/* ---- poll(2) events ---- */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

/* ---- statfs(2) ---- */
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6
#define ROMFS_MAGIC 0x7275
#define PROC_SUPER_MAGIC 0x9fa0
#define ST_RDONLY 0x0001
#define ST_NOSUID 0x0002
#define ST_NODEV 0x0004
#define ST_NOEXEC 0x0008
#define ST_VALID 0x0020
#define ST_RELATIME 0x1000

/* ---- clocks (clock_gettime(2) ids) ---- */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

/* setitimer(2)'s timers; glibc declares them as enum constants, hence the prefix */
#define LINUX_ITIMER_REAL 0
#define LINUX_ITIMER_VIRTUAL 1
#define LINUX_ITIMER_PROF 2

/* ---- signals (arch/x86/include/uapi/asm/signal.h); spelled as glibc spells them, so
 * that a host test may include <signal.h> as well ---- */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGPOLL 29
#define SIGPWR 30
#define SIGSYS 31

/* siginfo's si_code values (include/uapi/asm-generic/siginfo.h). glibc declares them as
 * enum constants, which a macro of the same name would break, hence the prefix. */
#define LINUX_SI_USER 0
#define LINUX_SI_KERNEL 0x80
#define LINUX_SI_TIMER (-2)
#define LINUX_SI_MESGQ (-3)
#define LINUX_SI_TKILL (-6)
#define LINUX_ILL_ILLOPN 2
#define LINUX_FPE_INTDIV 1
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_BUS_ADRALN 1
#define LINUX_BUS_ADRERR 2
#define LINUX_TRAP_BRKPT 1
#define LINUX_CLD_EXITED 1
#define LINUX_CLD_KILLED 2
#define LINUX_CLD_DUMPED 3
#define LINUX_CLD_TRAPPED 4
#define LINUX_CLD_STOPPED 5
#define LINUX_CLD_CONTINUED 6

/* The status wait4(2) reports: an exit code in bits 8..15; a signal that ended the
 * process in bits 0..6 with LINUX_WCOREFLAG when a core was dumped; a stop as the signal
 * in bits 8..15 over 0x7f; a continue as 0xffff (glibc's W_EXITCODE, W_STOPCODE,
 * WCOREFLAG, __W_CONTINUED). */
#define LINUX_W_EXITCODE(code, sig) (((code)&0xff) << 8 | (sig))
#define LINUX_W_STOPCODE(sig) ((sig) << 8 | 0x7f)
#define LINUX_W_CONTINUED 0xffff
#define LINUX_WCOREFLAG 0x80
#define LINUX_WTERMSIG(status) ((status)&0x7f)
#define LINUX_WEXITSTATUS(status) (((status) >> 8) & 0xff)

/* wait4(2) and waitid(2) options, spelled as glibc spells them */
#define WNOHANG 1
#define WUNTRACED 2
#define WSTOPPED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000

/* sigevent's notify kinds (timer_create(2), mq_notify(3)); glibc declares them as enum
 * constants, hence the prefix */
#define LINUX_SIGEV_SIGNAL 0
#define LINUX_SIGEV_NONE 1
#define LINUX_SIGEV_THREAD 2
#define LINUX_SIGEV_THREAD_ID 4

/* sigaction(2)'s flags (SA_RESTORER is the kernel's own: glibc has none) */
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
/* sigaltstack(2)'s flags; glibc declares them as enum constants, hence the prefix */
#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_SS_AUTODISARM (1u << 31)

/* Device numbers as st_dev and st_rdev carry them (glibc's and musl's makedev). */
#define LINUX_MAKEDEV(major, minor)                                                                \
    ((((uint64_t)(major)&0xfffff000u) << 32) | (((uint64_t)(major)&0xfffu) << 8) |                 \
     (((uint64_t)(minor)&0xffffff00u) << 12) | ((uint64_t)(minor)&0xffu))

/* ---- structures ---- */

struct linux_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

/* struct stat of the x86_64 kernel (arch/x86/include/uapi/asm/stat.h): 144 bytes. */
struct linux_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    struct linux_timespec st_atim;
    struct linux_timespec st_mtim;
    struct linux_timespec st_ctim;
    int64_t unused[3];
};

_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86_64");
_Static_assert(offsetof(struct linux_stat, st_mode) == 24, "st_mode");
_Static_assert(offsetof(struct linux_stat, st_rdev) == 40, "st_rdev");
_Static_assert(offsetof(struct linux_stat, st_size) == 48, "st_size");
_Static_assert(offsetof(struct linux_stat, st_blocks) == 64, "st_blocks");
_Static_assert(offsetof(struct linux_stat, st_atim) == 72, "st_atim");
_Static_assert(offsetof(struct linux_stat, st_mtim) == 88, "st_mtim");
_Static_assert(offsetof(struct linux_stat, st_ctim) == 104, "st_ctim");

/* Device numbers of an st_dev or st_rdev value. */
#define LINUX_MAJOR(dev) ((uint32_t)((((dev) >> 32) & 0xfffff000u) | (((dev) >> 8) & 0xfffu)))
#define LINUX_MINOR(dev) ((uint32_t)((((dev) >> 12) & 0xffffff00u) | ((dev)&0xffu)))

struct linux_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};

/* struct statx (include/uapi/linux/stat.h): 256 bytes. */
struct linux_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major;
    uint32_t stx_rdev_minor;
    uint32_t stx_dev_major;
    uint32_t stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t stx_dio_mem_align;
    uint32_t stx_dio_offset_align;
    uint64_t spare3[12];
};

_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
_Static_assert(offsetof(struct linux_statx, stx_atime) == 0x40, "stx_atime");
_Static_assert(offsetof(struct linux_statx, stx_rdev_major) == 0x80, "stx_rdev_major");

/* One element of readv/writev. */
struct linux_iovec {
    void *iov_base;
    size_t iov_len;
};

_Static_assert(sizeof(struct linux_iovec) == 16, "struct iovec is 16 bytes");

/* One getdents64 record; d_reclen is a multiple of 8 and d_name is NUL-terminated. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

_Static_assert(offsetof(struct linux_dirent64, d_reclen) == 16, "d_reclen");
_Static_assert(offsetof(struct linux_dirent64, d_type) == 18, "d_type");
_Static_assert(offsetof(struct linux_dirent64, d_name) == 19, "d_name");

/* struct statfs of the x86_64 kernel: 120 bytes. */
struct linux_statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks;
    uint64_t f_bfree;
    uint64_t f_bavail;
    uint64_t f_files;
    uint64_t f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};

_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes on x86_64");
_Static_assert(offsetof(struct linux_statfs, f_fsid) == 56, "f_fsid");
_Static_assert(offsetof(struct linux_statfs, f_namelen) == 64, "f_namelen");
_Static_assert(offsetof(struct linux_statfs, f_flags) == 80, "f_flags");

/* ---- memory: mmap(2), mprotect(2), madvise(2); arch_prctl(2) ---- */
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MLOCK_ONFAULT 1U

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

/* ---- scheduling: sched_setscheduler(2), prctl(2) ---- */
#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_RESET_ON_FORK 0x40000000
#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

/* ---- event descriptors: epoll(7), eventfd(2), timerfd(2); the flags glibc declares as
 * enum constants are prefixed ---- */
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define LINUX_EPOLLEXCLUSIVE (1u << 28)
#define LINUX_EPOLLWAKEUP (1u << 29)
#define LINUX_EPOLLONESHOT (1u << 30)
#define LINUX_EPOLLET (1u << 31)
#define LINUX_EFD_SEMAPHORE 1
#define LINUX_TFD_TIMER_ABSTIME 1
#define LINUX_TFD_TIMER_CANCEL_ON_SET 2

/* ---- clone(2), futex(2), rlimits ---- */
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_PARENT 0x8000
#define CLONE_FS 0x200
#define CLONE_FILES 0x400
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SYSVSEM 0x40000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_DETACHED 0x400000
#define CLONE_CHILD_SETTID 0x1000000

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u /* a robust or PI futex word's bits */
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIMIT_CORE 4
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MEMLOCK 8
#define RLIM_INFINITY (~0ul)

struct linux_rlimit {
    uint64_t cur, max;
};

struct linux_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo");

struct linux_utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* socket(2): the families and types the runtime knows of (docs/net-protocol.md) */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xfu
#define SOCK_TYPE_LIMIT 11u /* SOCK_MAX: types from here on are EINVAL */
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define MSG_PEEK 0x2
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_CMSG_CLOEXEC 0x40000000
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

#define LOCK_SH 1 /* flock */
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* struct flock for F_GETLK and F_SETLK: 32 bytes. */
struct linux_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};

_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes on x86_64");
_Static_assert(offsetof(struct linux_flock, l_start) == 8, "l_start");
_Static_assert(offsetof(struct linux_flock, l_pid) == 24, "l_pid");

#endif
