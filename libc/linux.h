/*
 * The Linux x86_64 ABI facts the runtime needs so far: errno values, system-call
 * numbers it serves, and the structures it fills in for musl.
 */
#ifndef CAPIX_RT_LINUX_H
#define CAPIX_RT_LINUX_H

#include <stdint.h>
#include <vfs/linux.h>

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

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

#define EAGAIN_FUTEX EAGAIN

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
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256

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

/* Linux x86_64 system-call numbers served by the runtime. */
enum linux_nr {
    NR_read = 0,
    NR_write = 1,
    NR_close = 3,
    NR_lseek = 8,
    NR_mmap = 9,
    NR_mprotect = 10,
    NR_munmap = 11,
    NR_brk = 12,
    NR_rt_sigaction = 13,
    NR_rt_sigprocmask = 14,
    NR_ioctl = 16,
    NR_readv = 19,
    NR_writev = 20,
    NR_sched_yield = 24,
    NR_mincore = 27,
    NR_mlock = 149,
    NR_munlock = 150,
    NR_mlockall = 151,
    NR_munlockall = 152,
    NR_mlock2 = 325,
    NR_sendfile = 40,
    NR_getpriority = 140,
    NR_setpriority = 141,
    NR_sched_setparam = 142,
    NR_sched_getparam = 143,
    NR_sched_setscheduler = 144,
    NR_sched_getscheduler = 145,
    NR_sched_get_priority_max = 146,
    NR_sched_get_priority_min = 147,
    NR_sched_rr_get_interval = 148,
    NR_prctl = 157,
    NR_sched_setaffinity = 203,
    NR_fallocate = 285,
    NR_getcpu = 309,
    NR_membarrier = 324,
    NR_close_range = 436,
    NR_memfd_create = 319,
    NR_nanosleep = 35,
    NR_madvise = 28,
    NR_msync = 26,
    NR_getpid = 39,
    NR_clone = 56,
    NR_exit = 60,
    NR_uname = 63,
    NR_umask = 95,
    NR_getrlimit = 97,
    NR_getrusage = 98,
    NR_sysinfo = 99,
    NR_times = 100,
    NR_getuid = 102,
    NR_getgid = 104,
    NR_geteuid = 107,
    NR_getegid = 108,
    NR_getppid = 110,
    NR_arch_prctl = 158,
    NR_setrlimit = 160,
    NR_gettid = 186,
    NR_futex = 202,
    NR_sched_getaffinity = 204,
    NR_set_tid_address = 218,
    NR_set_robust_list = 273,
    NR_get_robust_list = 274,
    NR_clock_gettime = 228,
    NR_clock_nanosleep = 230,
    NR_tgkill = 234,
    NR_exit_group = 231,
    NR_prlimit64 = 302,
    NR_fork = 57,
    NR_clock_getres = 229,
    NR_clock_settime = 227,
    NR_settimeofday = 164,
    NR_getitimer = 36,
    NR_alarm = 37,
    NR_setitimer = 38,
    NR_timer_create = 222,
    NR_timer_settime = 223,
    NR_timer_gettime = 224,
    NR_timer_getoverrun = 225,
    NR_timer_delete = 226,
    NR_mq_open = 240,
    NR_mq_unlink = 241,
    NR_mq_timedsend = 242,
    NR_mq_timedreceive = 243,
    NR_mq_notify = 244,
    NR_mq_getsetattr = 245,
    NR_poll = 7,
    NR_select = 23,
    NR_pselect6 = 270,
    NR_ppoll = 271,
    NR_mremap = 25,
    NR_rt_sigreturn = 15,
    NR_kill = 62,
    NR_tkill = 200,
    NR_rt_sigpending = 127,
    NR_rt_sigtimedwait = 128,
    NR_rt_sigqueueinfo = 129,
    NR_rt_sigsuspend = 130,
    NR_sigaltstack = 131,
    NR_pause = 34,
    NR_restart_syscall = 219,
    NR_pipe = 22,
    NR_pipe2 = 293,
    NR_getpeername = 52,
    NR_getsockname = 51,
    NR_getsockopt = 55,
    NR_setsockopt = 54,
    NR_shutdown = 48,
    NR_connect = 42,
    NR_accept = 43,
    NR_sendto = 44,
    NR_recvfrom = 45,
    NR_sendmsg = 46,
    NR_recvmsg = 47,
    NR_bind = 49,
    NR_listen = 50,
    NR_accept4 = 288,
    NR_setpgid = 109,
    NR_getpgrp = 111,
    NR_setsid = 112,
    NR_getpgid = 121,
    NR_getsid = 124,
    NR_vfork = 58,
    NR_execve = 59,
    NR_wait4 = 61,
    NR_waitid = 247,
    NR_open = 2,
    NR_stat = 4,
    NR_fstat = 5,
    NR_lstat = 6,
    NR_pread64 = 17,
    NR_pwrite64 = 18,
    NR_access = 21,
    NR_dup = 32,
    NR_dup2 = 33,
    NR_fcntl = 72,
    NR_fsync = 74,
    NR_fdatasync = 75,
    NR_truncate = 76,
    NR_ftruncate = 77,
    NR_getcwd = 79,
    NR_chdir = 80,
    NR_fchdir = 81,
    NR_rename = 82,
    NR_mkdir = 83,
    NR_rmdir = 84,
    NR_flock = 73,
    NR_creat = 85,
    NR_mknod = 133,
    NR_link = 86,
    NR_unlink = 87,
    NR_symlink = 88,
    NR_readlink = 89,
    NR_chmod = 90,
    NR_fchmod = 91,
    NR_chown = 92,
    NR_fchown = 93,
    NR_lchown = 94,
    NR_utimes = 235,
    NR_statfs = 137,
    NR_fstatfs = 138,
    NR_sync = 162,
    NR_futimesat = 261,
    NR_openat = 257,
    NR_mkdirat = 258,
    NR_mknodat = 259,
    NR_fchownat = 260,
    NR_newfstatat = 262,
    NR_unlinkat = 263,
    NR_renameat = 264,
    NR_linkat = 265,
    NR_symlinkat = 266,
    NR_readlinkat = 267,
    NR_fchmodat = 268,
    NR_faccessat = 269,
    NR_utimensat = 280,
    NR_dup3 = 292,
    NR_preadv = 295,
    NR_pwritev = 296,
    NR_syncfs = 306,
    NR_renameat2 = 316,
    NR_getrandom = 318,
    NR_socket = 41,
    NR_socketpair = 53,
    NR_statx = 332,
    NR_copy_file_range = 326,
    NR_faccessat2 = 439,
    NR_fadvise64 = 221,
    NR_getdents64 = 217,
    NR_gettimeofday = 96,
    NR_time = 201,
};

/* socket(2): the families and types the runtime knows of (docs/net-protocol.md) */
#define AF_UNIX 1
#define AF_INET 2
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

#endif
