/*
 * The two entries, both in 32-bit protected mode with paging off:
 * - PVH (Xen ELF note 18, as QEMU's -kernel uses for ELF64 images): %ebx = physical
 *   address of struct hvm_start_info;
 * - Multiboot2 (GRUB, also from UEFI firmware: docs/boot.md): %eax = 0x36d76289, %ebx =
 *   physical address of the boot information.
 * Both build boot page tables (the first 4 GiB identity-mapped, the first 1 GiB again at
 * KERNEL_VMA, with 2 MiB pages), enter long mode, zero .bss and call
 * kmain(info_phys, kind), kind 1 for PVH and 2 for Multiboot2. kmain reads the boot
 * description (kernel/core/boot.c) and builds the real page tables.
 */
#define KERNEL_VMA 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VMA)

    .section .note.pvh, "a"
    .p2align 2
    .long 4, 4, 18
    .asciz "Xen"
    .long PHYS(pvh_entry)

/* The Multiboot2 header (in the first 32 KiB of the file): the entry address tag, so
 * that GRUB jumps to mb2_entry (the ELF entry is the PVH one), and the end tag. */
#define MB2_MAGIC 0xe85250d6
    .section .multiboot2, "a"
    .p2align 3
mb2_header:
    .long MB2_MAGIC, 0, mb2_header_end - mb2_header
    .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
    .p2align 3
    .short 3, 0
    .long 12
    .long PHYS(mb2_entry)
    .p2align 3
    .short 0, 0
    .long 8
mb2_header_end:

    .section .pagetables, "aw", @nobits
    .p2align 12
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pdpt_hi: .skip 4096
boot_pd:    .skip 4 * 4096      /* 4 GiB identity: boot information may lie anywhere there */

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
boot_kind: .quad 0
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
    movl $1, PHYS(boot_kind)
    jmp boot_common

    .globl mb2_entry
mb2_entry:
    cli
    cld
    cmpl $0x36d76289, %eax   /* not started by a Multiboot2 loader: stop */
    jne 9f
    movl %ebx, PHYS(boot_start_info)
    movl $2, PHYS(boot_kind)
    jmp boot_common
9:  hlt
    jmp 9b

boot_common:
    movl $PHYS(boot_stack32_top), %esp
    movl $PHYS(boot_pml4), %edi     /* the boot tables are not loaded: zero them */
    movl $7 * 4096 / 4, %ecx
    xorl %eax, %eax
    rep stosl

    /* boot_pd: 4 x 512 x 2 MiB identity */
    movl $PHYS(boot_pd), %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax          /* present, writable, 2 MiB */
    movl %eax, (%edi,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax           /* bits 32.. of the address */
    movl %eax, 4(%edi,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jne 1b
    movl $PHYS(boot_pd) + 3, %eax
    movl %eax, PHYS(boot_pdpt)
    movl %eax, PHYS(boot_pdpt_hi) + 510 * 8
    movl $PHYS(boot_pd) + 4096 + 3, %eax
    movl %eax, PHYS(boot_pdpt) + 8
    movl $PHYS(boot_pd) + 2 * 4096 + 3, %eax
    movl %eax, PHYS(boot_pdpt) + 16
    movl $PHYS(boot_pd) + 3 * 4096 + 3, %eax
    movl %eax, PHYS(boot_pdpt) + 24
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
    movq 8(%rax), %rsi       /* boot_kind */
    call kmain
2:  hlt
    jmp 2b

    .bss
    .p2align 12
    .globl boot_stack_top
boot_stack: .skip 16384
boot_stack_top:
