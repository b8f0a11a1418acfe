/*
 * ktest attack code: nest_code is copied into a memory object that every level of a
 * chain of nested domains maps at NEST_CODE_VA (kt_attacks in attacks.c). Each level
 * makes the next domain inside its own capability space, hands it the same three
 * capabilities (quota, code, data) in the same slots, maps code and data, starts a
 * thread there and parks. Position independent, no stack, raw native calls.
 * Data page (NEST_DATA_VA): 0 levels still to make, 8 levels made, 16 done flag,
 * 24 the error that stopped it, 32 thread priority, 512 the struct cx_regs every new
 * thread starts with.
 * Slots in every level: 16 quota, 17 code, 18 data, 19 next domain, 20 its thread,
 * 21 the notification the level parks on.
 */
#define NEST_DATA_VA 0x40001000
#define NEST_CODE_VA 0x40000000
#define SYS_CAP_COPY 0
#define SYS_PD_CREATE 8
#define SYS_MAP 12
#define SYS_THREAD_CREATE 15
#define SYS_THREAD_RESUME 16
#define SYS_THREAD_REGS 18
#define SYS_NOTIF_CREATE 25
#define SYS_NOTIF_WAIT 27

.macro COPY slot
    movl $SYS_CAP_COPY, %eax
    movl $\slot, %edi
    movl $19, %esi
    movl $\slot, %edx
    movl $0xf, %r10d
    xorl %r8d, %r8d
    syscall
    testq %rax, %rax
    jnz 9f
.endm

    .section .rodata
    .globl nest_code, nest_code_end
    .p2align 4
nest_code:
    movl $NEST_DATA_VA, %ebx
    movl $SYS_NOTIF_CREATE, %eax
    movl $16, %edi
    movl $21, %esi
    syscall
    testq %rax, %rax
    jnz 9f
    decq 0(%rbx)
    jz 8f
    movl $SYS_PD_CREATE, %eax
    movl $16, %edi
    movl $19, %esi
    movl $32, %edx
    syscall
    testq %rax, %rax
    jnz 9f
    COPY 16
    COPY 17
    COPY 18
    movl $SYS_MAP, %eax
    movl $19, %edi
    movl $17, %esi
    xorl %edx, %edx
    movl $NEST_CODE_VA, %r10d
    movl $1, %r8d
    movl $5, %r9d               /* R | X */
    syscall
    testq %rax, %rax
    jnz 9f
    movl $SYS_MAP, %eax
    movl $19, %edi
    movl $18, %esi
    xorl %edx, %edx
    movl $NEST_DATA_VA, %r10d
    movl $1, %r8d
    movl $3, %r9d               /* R | W */
    syscall
    testq %rax, %rax
    jnz 9f
    movl $SYS_THREAD_CREATE, %eax
    movl $16, %edi
    movl $19, %esi
    movl $20, %edx
    xorl %r10d, %r10d
    movq 32(%rbx), %r8
    syscall
    testq %rax, %rax
    jnz 9f
    movl $SYS_THREAD_REGS, %eax
    movl $20, %edi
    movl $1, %esi               /* CX_REGS_SET */
    xorl %edx, %edx             /* CX_CTX_CURRENT */
    leaq 512(%rbx), %r10
    syscall
    testq %rax, %rax
    jnz 9f
    incq 8(%rbx)
    movl $SYS_THREAD_RESUME, %eax
    movl $20, %edi
    syscall
    testq %rax, %rax
    jnz 9f
7:  movl $SYS_NOTIF_WAIT, %eax  /* park */
    movl $21, %edi
    movq $-1, %rsi
    syscall
    jmp 7b
9:  movq %rax, 24(%rbx)
8:  movq $1, 16(%rbx)
    jmp 7b
nest_code_end:
    .section .note.GNU-stack, "", @progbits
