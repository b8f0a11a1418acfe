/*
 * Runtime entry. The kernel enters here on a fault in program code or a redirect, on
 * the thread's runtime stack, with the reason in %rcx (see docs/kernel-abi.md), and on
 * a Linux-ABI `syscall` of the program at rt_sysentry (RT_SYSENTRY_OFF from here).
 * A call's C dispatcher gets rax and rdi..r9 as a struct rt_call. Its result goes back
 * to the program directly from rt_sysret (the program's rsp loaded, a jump to its rip), or,
 * when a signal may be waiting, with lx_return, whose kernel side delivers a pending
 * redirect. The runtime is built -mgeneral-regs-only: the program's XMM registers are
 * never touched, and the direction flag is clear on entry.
 */
#define CX_SYS_lx_return 36
#define RT_SYSENTRY_OFF 0x80 /* capix/posix_protocol.h; syscall.c checks them */
#define RT_SYSRET_OFF 0xc0
#define CX_RT_SYSRET_LEN 128 /* capix/abi.h */
#define CX_RT_SYSRET_JMP 0x4f /* capix/abi.h */
#define CX_RT_PROBE_LEN 128  /* capix/abi.h */
#define SIGPAGE 0x2fefd000   /* RT_SIGPAGE_ADDR: pending, qpending, tpending */
#define SIGPAGE_PENDING 0
#define SIGPAGE_QPENDING 1032
#define SIGPAGE_TPENDING 1040
#define CALL 40              /* struct rt_call above the IRET frame */
#define CALL_ATTN (CALL + 56) /* rt_call.attn: the thread's own pending signals */

    .text
    .globl rt_entry
rt_entry:
    cmpq $0, %rcx
    jne 2f
    /* a call without the direct entry: struct rt_call on the stack, 16-aligned */
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

    /*
     * A Linux call: rcx = the program's rip, r11 = its rsp, rsp = the runtime stack
     * (16-aligned). On the stack, from rsp up: an IRET frame back to the program (rip,
     * cs, rflags, rsp, ss), struct rt_call (nr, a0..a5, attn), 8 bytes of padding.
     */
    .org rt_entry + RT_SYSENTRY_OFF, 0xcc
    .globl rt_sysentry
rt_sysentry:
    subq $16, %rsp
    pushq %r9
    pushq %r8
    pushq %r10
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rax
    pushq $0x1b                 /* ss: user data */
    pushq %r11                  /* the program's rsp */
    pushq $0x202                /* rflags: IF */
    pushq $0x23                 /* cs: user code */
    pushq %rcx                  /* the program's rip */
    leaq CALL(%rsp), %rdi
    call rt_syscall
    jmp rt_sysret

    /*
     * The return sequence, rax = the result. The kernel sets a thread that a
     * redirect finds anywhere in these CX_RT_SYSRET_LEN bytes back to their start, so
     * every instruction before the last two only reads memory and sets registers from
     * it, rax and rsp stay: a signal sent after the look below makes the thread look
     * again. The last two load the program's rsp and jump to its rip (no IRETQ, which
     * costs more under QEMU's TCG): a thread found at the jump has gone back, and the
     * kernel makes the jump for it (CX_RT_SYSRET_JMP, capix/abi.h). The program's
     * rflags are what this sequence leaves (a compiler assumes every asm statement
     * changes them; IRETQ set 0x202).
     * Any pending signal (even a blocked one: the redirect may be for another thread to
     * take it) goes the slow way, lx_return, which delivers the pending redirect.
     */
    .org rt_entry + RT_SYSRET_OFF, 0xcc
    .globl rt_sysret
rt_sysret:
    movq CALL_ATTN(%rsp), %rcx
    movq (%rcx), %rcx
    orq SIGPAGE + SIGPAGE_PENDING, %rcx
    orq SIGPAGE + SIGPAGE_QPENDING, %rcx
    orq SIGPAGE + SIGPAGE_TPENDING, %rcx
    jnz 3f
    movq CALL + 8(%rsp), %rdi   /* the call's arguments: Linux keeps them */
    movq CALL + 16(%rsp), %rsi
    movq CALL + 24(%rsp), %rdx
    movq CALL + 32(%rsp), %r10
    movq CALL + 40(%rsp), %r8
    movq CALL + 48(%rsp), %r9
    movq (%rsp), %rcx           /* as after SYSRET: rcx = rip, r11 = rflags */
    movl $0x202, %r11d
    movq 24(%rsp), %rsp         /* the program's */
    .org rt_sysret + CX_RT_SYSRET_JMP, 0x90
    jmp *%rcx
3:  movq %rax, %rdi
    movl $CX_SYS_lx_return, %eax
    syscall
    ud2
    .org rt_sysret + CX_RT_SYSRET_LEN, 0xcc

    /*
     * The probe window (CX_RT_PROBE_LEN bytes after the return sequence): a fault of
     * an instruction here that the kernel cannot resolve (an unmapped or PROT_NONE
     * page, a read-only one written) resumes at rt_probe_end, just after the window,
     * every register as it was. So nothing here pushes: rt_probe_end's `ret` returns
     * to the caller, with rax what the routine had set for that case.
     *
     * rt_probe(p, n, write): the bytes of [p, p + n) before the first page that does
     * not allow the access (n: all do). A write probe is `lock orb $0`: no byte changes,
     * even in memory that another thread or process writes meanwhile.
     */
rt_probe_window:
    .globl rt_probe
rt_probe:
    xorl %eax, %eax
    testq %rsi, %rsi
    jz 9f
    movq %rdi, %rcx             /* the byte touched */
1:  testl %edx, %edx
    jz 2f
    lock orb $0, (%rcx)
    jmp 3f
2:  movb (%rcx), %r8b
3:  andq $-4096, %rcx
    addq $4096, %rcx            /* the next page */
    movq %rcx, %rax
    subq %rdi, %rax             /* the bytes up to it are good */
    cmpq %rsi, %rax
    jb 1b
    movq %rsi, %rax
9:  ret

    /* rt_probe_str(p, max): strnlen(p, max), or -1 if a byte before the end faults. */
    .globl rt_probe_str
rt_probe_str:
    movq $-1, %rax
    xorl %ecx, %ecx
1:  cmpq %rsi, %rcx
    jae 2f
    cmpb $0, (%rdi,%rcx)
    je 2f
    incq %rcx
    jmp 1b
2:  movq %rcx, %rax
    ret

    .org rt_probe_window + CX_RT_PROBE_LEN, 0xcc
rt_probe_end:
    ret
