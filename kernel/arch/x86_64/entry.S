/*
 * Kernel entry and exit. User registers are saved straight into the current thread's
 * struct frame: TSS.rsp0 and the per-CPU frame_end point just past it, so the CPU's
 * interrupt frame and our pushes land there (the seL4 arrangement). Then the code
 * switches to the per-CPU kernel stack, which holds nothing between entries.
 *
 * Per-CPU (GS base while in the kernel): 8 kstack_top, 16 frame_end, 24 user_rsp.
 */
#define CPU_KSTACK 8
#define CPU_FRAME_END 16
#define CPU_USER_RSP 24

.macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm
.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm

    .text
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_USER_RSP
    movq %gs:CPU_FRAME_END, %rsp
    pushq $0x1b                 /* ss */
    pushq %gs:CPU_USER_RSP      /* rsp */
    pushq %r11                  /* rflags */
    pushq $0x23                 /* cs */
    pushq %rcx                  /* rip */
    pushq $0                    /* error */
    pushq $0x100                /* vector: VEC_SYSCALL */
    PUSH_GPRS
    movq %gs:CPU_KSTACK, %rsp
    xorl %ebp, %ebp
    call syscall_entry_c
    ud2

/* Interrupt and exception stubs: vector in the frame, error code normalised.
 * Each stub also appends its address to isr_table (section .rodata.isr). */
    .section .rodata.isr, "a"
    .p2align 3
    .globl isr_table
isr_table:
    .text
.altmacro
.macro STUB vec
    .text
    .p2align 4
1:
    .if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
    .else
    pushq $0
    .endif
    pushq $\vec
    jmp common_stub
    .section .rodata.isr, "a"
    .quad 1b
    .text
.endm
    .set i, 0
    .rept 256
    STUB %i
    .set i, i + 1
    .endr
.noaltmacro

    .p2align 4
common_stub:
    /* The C code needs DF clear (the ABI's rule); the interrupted user code may have it
     * set, in a backward copy (musl's memmove: std; rep movsb). SYSCALL clears it
     * through MSR_FMASK; the IRET frame keeps the user's flag. */
    cld
    testb $3, 24(%rsp)          /* CS of the interrupted context */
    jz from_kernel
    swapgs
    PUSH_GPRS
    movq %rsp, %rdi
    movq %gs:CPU_KSTACK, %rsp
    xorl %ebp, %ebp
    call interrupt_entry_c      /* from user: never returns here */
    ud2
from_kernel:
    PUSH_GPRS
    movq %rsp, %rdi
    call interrupt_entry_c      /* returns only to resume the kernel (idle) */
    POP_GPRS
    addq $16, %rsp
    iretq

/*
 * void frame_return(struct frame *f, int sysret): load the frame and leave to user
 * mode. sysret is used only when the caller checked that f->rip is canonical and the
 * frame came from the syscall entry (rcx and r11 are then dead, as Linux defines).
 */
    .globl frame_return
frame_return:
    movq %rdi, %rsp
    testl %esi, %esi
    jnz 1f
    POP_GPRS
    addq $16, %rsp
    swapgs
    iretq
1:  POP_GPRS
    addq $16, %rsp
    movq (%rsp), %rcx           /* rip */
    movq 16(%rsp), %r11         /* rflags */
    movq 24(%rsp), %rsp         /* user rsp */
    swapgs
    sysretq

/* idle: wait for interrupts on the kernel stack */
    .globl idle_loop
idle_loop:
    movq %gs:CPU_KSTACK, %rsp
1:  sti
    hlt
    cli
    jmp 1b
