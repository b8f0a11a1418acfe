/*
 * The Linux x86_64 ABI facts the runtime needs so far: errno values, system-call
 * numbers it serves, and the structures it fills in for musl.
 */
#ifndef CAPIX_RT_LINUX_H
#define CAPIX_RT_LINUX_H

#include <stdint.h>

#define L_EPERM 1
#define L_ENOENT 2
#define L_ESRCH 3
#define L_EINTR 4
#define L_EIO 5
#define L_EBADF 9
#define L_ECHILD 10
#define L_EAGAIN 11
#define L_ENOMEM 12
#define L_EACCES 13
#define L_EFAULT 14
#define L_EEXIST 17
#define L_ENODEV 19
#define L_EINVAL 22
#define L_ENOTTY 25
#define L_ESPIPE 29
#define L_ERANGE 34
#define L_ENOSYS 38

#define L_PROT_READ 1
#define L_PROT_WRITE 2
#define L_PROT_EXEC 4
#define L_MAP_SHARED 0x01
#define L_MAP_PRIVATE 0x02
#define L_MAP_FIXED 0x10
#define L_MAP_ANONYMOUS 0x20
#define L_MAP_FIXED_NOREPLACE 0x100000
#define L_MADV_NORMAL 0
#define L_MADV_RANDOM 1
#define L_MADV_SEQUENTIAL 2
#define L_MADV_WILLNEED 3
#define L_MADV_DONTNEED 4
#define L_MADV_FREE 8

#define L_ARCH_SET_FS 0x1002
#define L_ARCH_GET_FS 0x1003

#define L_CLOCK_REALTIME 0
#define L_CLOCK_MONOTONIC 1
#define L_CLOCK_MONOTONIC_RAW 4
#define L_CLOCK_BOOTTIME 7

#define L_TCGETS 0x5401
#define L_TIOCGWINSZ 0x5413

#define L_ETIMEDOUT 110
#define L_EAGAIN_FUTEX L_EAGAIN

#define L_CLONE_VM 0x100
#define L_CLONE_FS 0x200
#define L_CLONE_FILES 0x400
#define L_CLONE_SIGHAND 0x800
#define L_CLONE_THREAD 0x10000
#define L_CLONE_SYSVSEM 0x40000
#define L_CLONE_SETTLS 0x80000
#define L_CLONE_PARENT_SETTID 0x100000
#define L_CLONE_CHILD_CLEARTID 0x200000
#define L_CLONE_DETACHED 0x400000
#define L_CLONE_CHILD_SETTID 0x1000000

#define L_FUTEX_WAIT 0
#define L_FUTEX_WAKE 1
#define L_FUTEX_REQUEUE 3
#define L_FUTEX_CMP_REQUEUE 4
#define L_FUTEX_PRIVATE 128
#define L_FUTEX_CLOCK_REALTIME 256

#define L_RLIMIT_STACK 3
#define L_RLIMIT_NOFILE 7
#define L_RLIM_INFINITY (~0ul)

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

struct linux_iovec {
    uint64_t base, len;
};

struct linux_timespec {
    int64_t sec, nsec;
};

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
    NR_nanosleep = 35,
    NR_madvise = 28,
    NR_getpid = 39,
    NR_clone = 56,
    NR_exit = 60,
    NR_uname = 63,
    NR_umask = 95,
    NR_getrlimit = 97,
    NR_sysinfo = 99,
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
    NR_clock_gettime = 228,
    NR_clock_nanosleep = 230,
    NR_tgkill = 234,
    NR_exit_group = 231,
    NR_prlimit64 = 302,
};

#endif
