/*
 * Runtime entry. The kernel enters here on a Linux-ABI `syscall` of the program, a
 * fault in program code, or a redirect, on the thread's runtime stack, with the reason
 * in %rcx (see docs/kernel-abi.md). For a system call, %rax and %rdi..%r9 are the
 * program's call; the C dispatcher gets them as a struct and its result goes back with
 * lx_return. The runtime is built -mgeneral-regs-only: the program's XMM registers are
 * never touched, and the direction flag is clear on entry.
 */
#define CX_SYS_lx_return 36

    .text
    .globl rt_entry
rt_entry:
    cmpq $0, %rcx
    jne 2f
    /* struct rt_call { nr, a0, a1, a2, a3, a4, a5 } on the stack, 16-aligned */
    subq $8, %rsp
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rax
    movq %rsp, %rdi
    call rt_syscall
    movq %rax, %rdi
    movl $CX_SYS_lx_return, %eax
    syscall
    ud2
2:  /* rt_event(reason, vector, error, address) */
    movq %rdx, %r8
    movq %rsi, %rdx
    movq %rdi, %rsi
    movq %rcx, %rdi
    movq %r8, %rcx
    andq $-16, %rsp
    call rt_event
    ud2
