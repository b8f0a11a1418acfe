/*
 * The POSIX runtime: one self-contained image mapped into every POSIX process (like a
 * vDSO). It implements the Linux x86_64 system-call ABI that musl speaks on top of
 * capix's native calls. It shares nothing with the program's libc, has its own data,
 * and never makes a Linux call itself. Functions return a value or a negative Linux
 * errno, handed to musl by the entry code.
 */
#ifndef CAPIX_RUNTIME_H
#define CAPIX_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <capix/capix.h>
#include "layout.h"
#include "linux.h"

struct rt_call {
    uint64_t nr, a[6];
};

extern const struct rt_info *rt;

long rt_syscall(struct rt_call *c);
void rt_event(uint64_t reason, uint64_t vector, uint64_t error, uint64_t address);
_Noreturn void rt_exit_process(int wait_status);
void rt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *rt_syscall_name(uint64_t nr);

/* memory.c */
long rt_brk(uint64_t addr);
long rt_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off);
long rt_munmap(uint64_t addr, uint64_t len);
long rt_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
long rt_madvise(uint64_t addr, uint64_t len, uint64_t advice);
uint64_t rt_slot_alloc(void);
void rt_slot_free(uint64_t slot);

/* process.c */
struct k_sigaction;
long rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old, size_t size);
long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old, size_t size);
long rt_prlimit(int pid, unsigned res, const struct linux_rlimit *nl, struct linux_rlimit *ol);
long rt_umask(uint32_t mask);
long rt_sleep_ns(uint64_t ns);
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
long rt_futex(uint64_t addr, int op, uint32_t val, uint64_t arg4, uint64_t addr2, uint32_t val3);
_Noreturn void rt_thread_exit(void);

/* heap.c: the runtime's own memory; NULL when the quota is exhausted */
void *rt_alloc(size_t size);
void rt_free(void *p, size_t size);

/* io.c */
long rt_write(int fd, const void *buf, size_t len);
long rt_writev(int fd, const struct linux_iovec *iov, int n);
long rt_read(int fd, void *buf, size_t len);
long rt_ioctl(int fd, uint64_t req, uint64_t arg);

#endif
