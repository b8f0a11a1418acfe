/*
 * Raw system-call stubs, generated from CX_SYSCALLS: cx_raw_NAME(a0..a5) returns the
 * error code and every result register. lib/include/capix/capix.h wraps them in
 * typed calls.
 */
#ifndef CAPIX_SYSCALL_H
#define CAPIX_SYSCALL_H

#include <capix/abi.h>

struct cx_ret {
    long err;
    uint64_t rsi, rdi, rdx, r10, r8, r9;
};

static inline struct cx_ret cx_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                       uint64_t a3, uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    uint64_t rax = nr, rdi = a0, rsi = a1, rdx = a2;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    struct cx_ret r = {(long)rax, rsi, rdi, rdx, r10, r8, r9};
    return r;
}

#define CX_RAW_STUB(n, name, argc)                                                                 \
    static inline struct cx_ret cx_raw_##name(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,  \
                                              uint64_t a4, uint64_t a5)                            \
    {                                                                                              \
        return cx_syscall(n, a0, a1, a2, a3, a4, a5);                                              \
    }
CX_SYSCALLS(CX_RAW_STUB)
#undef CX_RAW_STUB

#endif
