/*
 * PVH entry (Xen ELF note 18, as QEMU's -kernel uses for ELF64 images): 32-bit
 * protected mode, paging off, %ebx = physical address of struct hvm_start_info.
 * Builds boot page tables (first 1 GiB identity-mapped and again at KERNEL_VMA, with
 * 2 MiB pages), enters long mode, zeroes .bss and calls kmain(start_info_phys).
 * kmain builds the real page tables. A UEFI entry would call kmain the same way with
 * its own boot description.
 */
#define KERNEL_VMA 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VMA)

    .section .note.pvh, "a"
    .p2align 2
    .long 4, 4, 18
    .asciz "Xen"
    .long PHYS(pvh_entry)

    .section .pagetables, "aw", @nobits
    .p2align 12
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:    .skip 4096

    .section .boot.data, "aw"
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .quad PHYS(boot_gdt)
    .globl boot_start_info
boot_start_info: .quad 0
    .p2align 4
boot_stack32: .fill 64, 8, 0
boot_stack32_top:

    .section .boot.text, "ax"
    .code32
    .globl pvh_entry
pvh_entry:
    cli
    cld
    movl %ebx, PHYS(boot_start_info)
    movl $PHYS(boot_stack32_top), %esp
    movl $PHYS(boot_pml4), %edi     /* the boot tables are not loaded: zero them */
    movl $4 * 4096 / 4, %ecx
    xorl %eax, %eax
    rep stosl

    /* boot_pd: 512 x 2 MiB identity */
    movl $PHYS(boot_pd), %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax          /* present, writable, 2 MiB */
    movl %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    incl %ecx
    cmpl $512, %ecx
    jne 1b
    movl $PHYS(boot_pd) + 3, %eax
    movl %eax, PHYS(boot_pdpt)
    movl %eax, PHYS(boot_pdpt_hi) + 510 * 8
    movl $PHYS(boot_pdpt) + 3, %eax
    movl %eax, PHYS(boot_pml4)
    movl $PHYS(boot_pdpt_hi) + 3, %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8

    movl %cr4, %eax
    orl $0x20, %eax          /* PAE (SSE is enabled by cpu_init) */
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx   /* EFER */
    rdmsr
    orl $0x100, %eax         /* LME */
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax    /* PG, PE */
    andl $~0x60000000, %eax  /* caches on */
    movl %eax, %cr0
    lgdt PHYS(boot_gdtr)
    ljmp $0x08, $PHYS(long_entry)

    .code64
long_entry:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $higher_half, %rax
    jmp *%rax
higher_half:
    movabsq $__bss_start, %rdi
    movabsq $__bss_end, %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    rep stosb
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movabsq $boot_start_info, %rax
    movq (%rax), %rdi
    call kmain
2:  hlt
    jmp 2b

    .bss
    .p2align 12
    .globl boot_stack_top
boot_stack: .skip 16384
boot_stack_top:
