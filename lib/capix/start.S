/* Entry of native capix programs: %rdi = start or boot info page. */
    .text
    .globl _start
_start:
    andq $-16, %rsp
    xorl %ebp, %ebp
    call cx_start
    ud2
