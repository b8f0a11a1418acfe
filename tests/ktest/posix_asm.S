/*
 * ktest POSIX domain code. posix_prog is "program" code: it loads register patterns,
 * makes a Linux-ABI syscall (getpid, 39), executes ud2, then spins until told to stop,
 * and records what its registers hold. rt_entry is the "runtime" entry, placed in
 * section rt_text, which the test registers as the domain's runtime code range.
 * Shared block (struct posix_shared in posix.c): 0 xmm patterns (256 bytes),
 * 256 xmm out (256), 512 gpr out (6 x 8), 560 spins, 568 go, 576 done, 584 sys_result,
 * 624.. the probe window's results.
 */
    .text
    .globl posix_prog
posix_prog:
    movq %rdi, %r15
    movdqu 0(%r15), %xmm0
    movdqu 16(%r15), %xmm1
    movdqu 32(%r15), %xmm2
    movdqu 48(%r15), %xmm3
    movdqu 64(%r15), %xmm4
    movdqu 80(%r15), %xmm5
    movdqu 96(%r15), %xmm6
    movdqu 112(%r15), %xmm7
    movdqu 128(%r15), %xmm8
    movdqu 144(%r15), %xmm9
    movdqu 160(%r15), %xmm10
    movdqu 176(%r15), %xmm11
    movdqu 192(%r15), %xmm12
    movdqu 208(%r15), %xmm13
    movdqu 224(%r15), %xmm14
    movdqu 240(%r15), %xmm15
    movabsq $0x1111111111111111, %rbx
    movabsq $0x1212121212121212, %r12
    movabsq $0x1313131313131313, %r13
    movabsq $0x1414141414141414, %r14
    movabsq $0x0b0b0b0b0b0b0b0b, %rbp
    movl $39, %eax
    syscall
    movq %rax, 584(%r15)
    ud2
1:  incq 560(%r15)
    cmpq $0, 568(%r15)
    je 1b
    movdqu %xmm0, 256(%r15)
    movdqu %xmm1, 272(%r15)
    movdqu %xmm2, 288(%r15)
    movdqu %xmm3, 304(%r15)
    movdqu %xmm4, 320(%r15)
    movdqu %xmm5, 336(%r15)
    movdqu %xmm6, 352(%r15)
    movdqu %xmm7, 368(%r15)
    movdqu %xmm8, 384(%r15)
    movdqu %xmm9, 400(%r15)
    movdqu %xmm10, 416(%r15)
    movdqu %xmm11, 432(%r15)
    movdqu %xmm12, 448(%r15)
    movdqu %xmm13, 464(%r15)
    movdqu %xmm14, 480(%r15)
    movdqu %xmm15, 496(%r15)
    movq %rbx, 512(%r15)
    movq %r12, 520(%r15)
    movq %r13, 528(%r15)
    movq %r14, 536(%r15)
    movq %rbp, 544(%r15)
    movq %r15, 552(%r15)
    movq $1, 576(%r15)
2:  jmp 2b

    /* The probe window's program (posix.c, kt_posix_probe): kt_probe_touch of an
     * unmapped address (624), of the shared block (632), rbx afterwards (640), done (648). */
    .globl probe_prog
probe_prog:
    movq %rdi, %r15
    movabsq $0x1515151515151515, %rbx
    movl $0x1000, %edi
    call kt_probe_touch
    movq %rax, 624(%r15)
    movq %r15, %rdi
    call kt_probe_touch
    movq %rax, 632(%r15)
    movq %rbx, 640(%r15)
    movq $1, 648(%r15)
3:  jmp 3b

    .section rt_text, "ax"
    /* a return sequence (CX_RT_SYSRET_LEN, 128 bytes; never run), the probe window
     * (CX_RT_PROBE_LEN, 128) and the byte after it */
    .balign 64
    .globl kt_probe_sysret
kt_probe_sysret:
    ud2
    .org kt_probe_sysret + 128, 0xcc
kt_probe_touch:                 /* (addr): 1 if reading it faulted, else 2 */
    movl $1, %eax
    movb (%rdi), %cl
    movl $2, %eax
    ret
    .org kt_probe_sysret + 256, 0xcc
    ret                         /* where a fault in the window resumes */

    .globl rt_entry
rt_entry:
    movq %rdi, %rdx     /* fault vector */
    movq %rcx, %rdi     /* reason */
    movq %rax, %rsi     /* Linux call number */
    andq $-16, %rsp
    call rt_main
    ud2

    .globl rt_clobber_xmm
rt_clobber_xmm:
    pxor %xmm0, %xmm0
    pxor %xmm1, %xmm1
    pxor %xmm7, %xmm7
    pxor %xmm8, %xmm8
    pxor %xmm15, %xmm15
    xorl %ebx, %ebx
    xorl %r12d, %r12d
    ret
