/*
 * capix kernel ABI: the one header user space includes to talk to the kernel.
 *
 * System calls use the `syscall` instruction: rax = call number, arguments in rdi,
 * rsi, rdx, r10, r8, r9; the kernel returns an error code (enum cx_err, 0 or
 * negative) in rax and extra results in rsi, rdi, rdx, r10, r8, r9 where a call says
 * so. rcx and r11 are clobbered, every other register is preserved.
 *
 * In a protection domain marked POSIX, a `syscall` instruction is a native capix call
 * only when it sits inside the runtime's code range (set with pd_set_runtime); any
 * other `syscall` is a Linux-ABI call and is reflected to the runtime entry (see
 * docs/kernel-abi.md, "Linux-ABI reflection").
 *
 * The call list is written once, as CX_SYSCALLS below; the kernel's dispatch table
 * and the user-side stubs are generated from it.
 */
#ifndef CAPIX_ABI_H
#define CAPIX_ABI_H

#include <stdint.h>

/* X(number, name, argument count) */
#define CX_SYSCALLS(X)                                                                             \
    X(0, cap_copy, 5)         /* src, dst_pd, dst_slot, rights, badge -> derived copy */           \
    X(1, cap_move, 3)         /* src, dst_pd, dst_slot */                                          \
    X(2, cap_delete, 2)       /* slot, pd or 0 (own); deleting an original destroys it */          \
    X(3, cap_revoke, 1)       /* slot: delete every capability derived from it */                  \
    X(4, cap_info, 1)         /* slot -> rsi type, rdi rights, rdx badge, r10 flags, r8 maps */    \
    X(5, cap_watch, 3)        /* slot, notif, bits: signal when no derived copy is left */         \
    X(6, quota_create, 3)     /* quota, bytes, dst_slot: split a quota */                          \
    X(7, quota_info, 1)       /* quota -> rsi limit, rdi used, rdx free frames (machine) */        \
    X(8, pd_create, 3)        /* quota, dst_slot, cspace_slots */                                  \
    X(9, pd_set_runtime, 6)   /* pd, entry, code_lo, code_hi, sysentry, sysret: POSIX domain */    \
    X(10, pd_copy_as, 5)      /* src_pd, dst_pd, lo, hi, flags: copy the address space (fork) */   \
    X(11, mem_create, 3)      /* quota, pages, dst_slot: zero-filled on first touch */             \
    X(12, map, 6)             /* pd, mem, page_offset, vaddr, pages, flags */                      \
    X(13, unmap, 3)           /* pd, vaddr, pages */                                               \
    X(14, protect, 4)         /* pd, vaddr, pages, flags (CX_MAP_R/W/X) */                         \
    X(15, thread_create, 5)   /* quota, pd, dst_slot, fault_ep (or 0), priority */                 \
    X(16, thread_resume, 1)   /* thread: start or resume */                                        \
    X(17, thread_suspend, 1)  /* thread */                                                         \
    X(18, thread_regs, 4)     /* thread, op (CX_REGS_*), which (CX_CTX_*), struct cx_regs * */     \
    X(19, thread_config, 3)   /* thread, what (CX_TCFG_*), value */                                \
    X(20, thread_redirect, 1) /* thread: asynchronous entry to the runtime (signals) */            \
    X(21, ep_create, 2)       /* quota, dst_slot */                                                \
    X(22, ipc_call, 6)        /* ep, tag, w0..w3 -> rsi tag, rdx,r10,r8,r9 w0..w3 */               \
    X(23, ipc_recv, 2)        /* ep, timeout_ns -> rdi badge, rsi tag, w0..w3 */                   \
    X(24, ipc_reply_recv, 6)  /* ep, tag, w0..w3: reply to the caller, then receive */             \
    X(25, notif_create, 2)    /* quota, dst_slot */                                                \
    X(26, notif_signal, 2)    /* notif, bits */                                                    \
    X(27, notif_wait, 2)      /* notif, timeout_ns -> rsi bits (0 timeout: poll) */                \
    X(28, irq_create, 4)      /* irq_control, quota, gsi, dst_slot */                              \
    X(29, irq_bind, 3)        /* irq, notif, bits */                                               \
    X(30, irq_ack, 1)         /* irq: unmask after handling */                                     \
    X(31, io_create, 5)       /* io, quota, first_port, count, dst_slot: narrower range */         \
    X(32, io_in, 3)           /* io, port, width (1,2,4) -> rsi value */                           \
    X(33, io_out, 4)          /* io, port, width, value */                                         \
    X(34, log_create, 4)      /* log, quota, label (user string), dst_slot */                      \
    X(35, log_write, 3)       /* log, buf, len */                                                  \
    X(36, lx_return, 1)       /* value: end a reflected Linux call, rax = value */                 \
    X(37, lx_resume, 2)       /* struct cx_regs *, flags: resume a whole context (sigreturn) */    \
    X(38, yield, 0)           /* give up the rest of the time slice */                             \
    X(39, clock, 0)           /* -> rsi nanoseconds since boot, rdi TSC ticks per second */        \
    X(40, pd_control, 2)      /* pd, CX_PD_STOP or CX_PD_RESUME: all threads at once */            \
    X(41, futex_wait, 4)      /* mem or pd, offset or address, expected, timeout_ns */             \
    X(42, futex_wake, 3)      /* mem or pd, offset or address, count -> rsi woken */               \
    X(43, dev_create, 5)      /* device, quota, phys, bytes, dst_slot: narrower range */           \
    X(44, dev_mem, 5)         /* device, quota, phys, pages, dst_slot: MEM of device registers */  \
    X(45, dma_create, 4)      /* device, quota, pages, dst_slot -> rsi physical address */         \
    X(46, pd_resident, 4)     /* pd, vaddr, pages (<= CX_RESIDENT_MAX), byte vector out */

/* pd_resident: at most this many pages a call; each byte of the vector is 1 if the page
 * has its frame (touched, or a device's), 0 if not yet, plus CX_RESIDENT_NOACCESS where
 * it is mapped without access; CX_E_MAPPING if one is unmapped. */
#define CX_RESIDENT_MAX 256
#define CX_RESIDENT_NOACCESS 0x02

enum cx_syscall {
#define CX_SYSCALL_ENUM(n, name, argc) CX_SYS_##name = n,
    CX_SYSCALLS(CX_SYSCALL_ENUM)
#undef CX_SYSCALL_ENUM
        CX_SYS_COUNT
};

/* Error codes: 0 is success, failures are negative. */
#define CX_ERRORS(X)                                                                               \
    X(0, OK, "success")                                                                            \
    X(-1, INVALID_CALL, "no such system call")                                                     \
    X(-2, INVALID_SLOT, "slot number out of range")                                                \
    X(-3, EMPTY_SLOT, "slot holds no capability")                                                  \
    X(-4, SLOT_IN_USE, "destination slot is not empty")                                            \
    X(-5, WRONG_TYPE, "capability has the wrong object type")                                      \
    X(-6, NO_RIGHTS, "capability lacks a right the call needs")                                    \
    X(-7, INVALID_ARG, "argument out of range")                                                    \
    X(-8, BAD_ADDRESS, "user pointer not mapped or not accessible")                                \
    X(-9, NO_QUOTA, "memory quota exhausted")                                                      \
    X(-10, NO_MEMORY, "kernel out of physical memory")                                             \
    X(-11, TIMEOUT, "wait timed out")                                                              \
    X(-12, INTERRUPTED, "wait broken by a redirect")                                               \
    X(-13, DEAD, "object was destroyed")                                                           \
    X(-14, BUSY, "object is busy")                                                                 \
    X(-15, WOULD_BLOCK, "nothing to receive")                                                      \
    X(-16, NOT_POSIX, "thread is not in a POSIX domain or not in its runtime")                     \
    X(-17, MAPPING, "address range overlaps or misses a mapping")                                  \
    X(-18, CHANGED, "futex word differs from the expected value")

enum cx_err {
#define CX_ERR_ENUM(n, name, text) CX_E_##name = n,
    CX_ERRORS(CX_ERR_ENUM)
#undef CX_ERR_ENUM
};
#define CX_ERR_MIN (-18)

/* Object types. */
enum cx_type {
    CX_T_NONE = 0,
    CX_T_QUOTA,
    CX_T_PD,
    CX_T_THREAD,
    CX_T_MEM,
    CX_T_EP,
    CX_T_NOTIF,
    CX_T_IRQ_CONTROL,
    CX_T_IRQ,
    CX_T_IO,
    CX_T_LOG,
    CX_T_DEVICE,
    CX_T_COUNT
};

/* Rights (bit mask). A derived copy has at most the rights of its source. */
#define CX_R_READ 0x01  /* mem: map readable; ep: receive; notif: wait; others: inspect */
#define CX_R_WRITE 0x02 /* mem: map writable; ep: call; notif: signal; others: modify */
#define CX_R_EXEC 0x04  /* mem: map executable */
#define CX_R_GRANT 0x08 /* ep: may carry capabilities in messages */
#define CX_R_ALL 0x0f

/* cap_info flags */
#define CX_CAPF_ORIGINAL 0x1 /* the capability made by the create call */
#define CX_CAPF_CHILDREN 0x2 /* it has derived copies */

/* map/protect flags */
#define CX_MAP_R 0x01
#define CX_MAP_W 0x02
#define CX_MAP_X 0x04
#define CX_MAP_SHARE 0x10 /* pd_copy_as maps the same memory object in the copy */
#define CX_MAP_DROP 0x20  /* pd_copy_as leaves this range out of the copy */
/* default (neither SHARE nor DROP): pd_copy_as copies the pages (private) */
#define CX_COPY_HOT 1 /* pd_copy_as flags: copy at once the private pages the source wrote */
                      /* since its last copy (dirty), up to 64, instead of sharing them */

#define CX_PAGE_SIZE 4096ul
#define CX_USER_TOP 0x0000800000000000ul /* first address user space cannot map */

/* Initial capability slots of every component started by init or by the kernel. */
#define CX_SLOT_NULL 0
#define CX_SLOT_SELF_PD 1
#define CX_SLOT_SELF_THREAD 2
#define CX_SLOT_QUOTA 3
#define CX_SLOT_LOG 4
#define CX_SLOT_PARENT 5 /* badged endpoint to the parent (init: none) */
#define CX_SLOT_FIRST_FREE 16
/* init only */
#define CX_SLOT_IRQ_CONTROL 6
#define CX_SLOT_IO_ALL 7
#define CX_SLOT_BOOT_ARCHIVE 8 /* read-only memory object holding the boot archive */
#define CX_SLOT_BOOT_INFO 9    /* read-only memory object holding struct cx_bootinfo */
#define CX_SLOT_DEVICE 10      /* device memory: every physical page that is not RAM */

/* irq_create: the GSI with its trigger mode (ISA lines: edge, active high, no flags). */
#define CX_IRQ_LEVEL 0x100u
#define CX_IRQ_ACTIVE_LOW 0x200u

/* Fixed addresses in every component (a child's start page, CX_STARTINFO_ADDR, and its
 * config text are agreed with its parent: lib/include/capix/component.h). */
#define CX_BOOTINFO_ADDR 0x100000ul /* init: struct cx_bootinfo (one page) */
#define CX_IPCBUF_ADDR 0x201000ul   /* first thread's IPC buffer */

/*
 * IPC. A message is a tag and up to CX_MSG_WORDS words; words 0..3 travel in
 * registers, the rest in the thread's IPC buffer (struct cx_ipcbuf, registered with
 * thread_config(CX_TCFG_IPCBUF)). The tag holds the label, the word count and the
 * number of capabilities to transfer. The receiver gets the sender's badge.
 */
#define CX_MSG_WORDS 64
#define CX_MSG_CAPS 7
#define CX_TAG(label, words, caps)                                                                 \
    (((uint64_t)(label) << 16) | ((uint64_t)(caps) << 8) | (uint64_t)(words))
#define CX_TAG_LABEL(tag) ((tag) >> 16)
#define CX_TAG_WORDS(tag) ((unsigned)((tag)&0x7f))
#define CX_TAG_CAPS(tag) ((unsigned)(((tag) >> 8) & 0x7))

struct cx_ipcbuf {
    uint64_t words[CX_MSG_WORDS];      /* words 0..3 mirror the registers */
    uint64_t send_caps[CX_MSG_CAPS];   /* slots in the sender's cspace, copied to receiver */
    uint64_t recv_slots[CX_MSG_CAPS];  /* empty slots in the receiver's cspace */
    uint64_t recv_badges[CX_MSG_CAPS]; /* filled on receive: badge of each received cap */
};

/* Fault messages sent to a thread's fault endpoint (label CX_LABEL_FAULT). */
#define CX_LABEL_FAULT 0xfa017ul
enum cx_fault_word {
    CX_FW_VECTOR = 0, /* exception vector (CX_VEC_*) */
    CX_FW_ERROR = 1,  /* error code pushed by the CPU, or 0 */
    CX_FW_ADDR = 2,   /* CR2 for a page fault, else 0 */
    CX_FW_RIP = 3,
    CX_FW_RSP = 4,
    CX_FW_COUNT = 5
};
/* x86 exception vectors (CX_FW_VECTOR; Intel SDM vol. 3, table 6-1) */
#define CX_VEC_DE 0  /* divide error */
#define CX_VEC_DB 1  /* debug */
#define CX_VEC_NMI 2 /* non-maskable interrupt */
#define CX_VEC_BP 3  /* breakpoint (int3) */
#define CX_VEC_UD 6  /* invalid opcode */
#define CX_VEC_DF 8  /* double fault */
#define CX_VEC_GP 13 /* general protection */
#define CX_VEC_PF 14 /* page fault */
#define CX_VEC_MF 16 /* x87 floating-point error */
#define CX_VEC_AC 17 /* alignment check */
#define CX_VEC_XM 19 /* SIMD floating-point exception */
/* page-fault error code bits (CX_FW_ERROR of a CX_VEC_PF) */
#define CX_PF_PRESENT 0x01 /* a protection violation: mapped, not for this access */
#define CX_PF_WRITE 0x02
#define CX_PF_FETCH 0x10 /* an instruction fetch */
/* Replying to a fault message with label CX_FAULT_RESUME resumes the thread (after
 * the handler may have changed its registers); any other reply leaves it suspended. */
#define CX_FAULT_RESUME 1

/* Register context (thread_regs, lx_resume). */
struct cx_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags, fs_base, gs_base;
    uint8_t fxsave[512] __attribute__((aligned(16))); /* FXSAVE image: x87, MXCSR, XMM */
};
#define CX_REGS_GET 0
#define CX_REGS_SET 1
#define CX_CTX_CURRENT 0 /* the registers the thread resumes with */
#define CX_CTX_SAVED 1   /* POSIX: the program context saved at the last reflection */
/* thread_regs' `which` or'ed with CX_CTX_NO_FPU, and lx_resume's second argument
 * CX_RESUME_NO_FPU: the general registers only (struct cx_regs up to fxsave, 160 bytes);
 * the thread's FPU state is neither read nor set (a runtime that saves and loads its
 * own thread's FPU state itself, with FXSAVE and FXRSTOR) */
#define CX_CTX_NO_FPU 0x100
#define CX_RESUME_NO_FPU 1
#define CX_REGS_GPR_BYTES 160
_Static_assert(__builtin_offsetof(struct cx_regs, fxsave) == CX_REGS_GPR_BYTES,
               "the general registers come first");

/* thread_config */
#define CX_TCFG_PRIORITY 0       /* 0 (lowest) .. 255 */
#define CX_TCFG_IPCBUF 1         /* user address of the thread's struct cx_ipcbuf */
#define CX_TCFG_RT_STACK 2       /* POSIX: stack top the runtime entry runs on */
#define CX_TCFG_FS_BASE 3        /* FS base (thread pointer) */
#define CX_TCFG_REDIRECT_CLEAR 4 /* POSIX: forget a pending redirect (value ignored) */
#define CX_TCFG_CPU_TIME 5       /* query (value ignored): rsi = ns the thread has run, */
                                 /* rdi = of those, ns in its POSIX runtime (system time) */
#define CX_TCFG_CALL_TIMEOUT 6   /* ns each later ipc_call may wait in all (queued and for */
                                 /* the reply), then CX_E_TIMEOUT; CX_TIMEOUT_NONE: forever */

/* pd_control */
#define CX_PD_STOP 0
#define CX_PD_RESUME 1

/*
 * Runtime entry of a POSIX thread: rip = runtime entry, rsp = the thread's runtime
 * stack, rcx = reason. For CX_RT_SYSCALL, rax and rdi..r9 hold the Linux call as the
 * program made it. For CX_RT_FAULT, rdi = vector, rsi = error code, rdx = fault
 * address. For CX_RT_REDIRECT nothing else. The program's context is saved by the
 * kernel (CX_CTX_SAVED) until lx_return or lx_resume.
 */
#define CX_RT_SYSCALL 0
#define CX_RT_FAULT 1
#define CX_RT_REDIRECT 2
/* A Linux call in a POSIX domain whose thread has no runtime stack yet returns
 * -CX_LINUX_ENOSYS (Linux's ENOSYS) in rax. */
#define CX_LINUX_ENOSYS 38

/*
 * The direct entry and return of a Linux call (pd_set_runtime's sysentry and sysret;
 * both 0: every call enters at the runtime entry as CX_RT_SYSCALL). A Linux call then
 * enters at sysentry with rax and rdi..r9 as the program made it, rcx = the program's
 * rip (after its `syscall`), r11 = the program's rsp, rsp = the runtime stack. The
 * runtime may go back to the program by itself from its return sequence, the
 * CX_RT_SYSRET_LEN bytes at sysret: a thread_redirect that finds the thread there sets
 * it back to sysret, so the sequence must start over safely from there (and look for
 * signals again) at any of its instructions but the last, which is `jmp *%rcx` at
 * sysret + CX_RT_SYSRET_JMP (the program's rsp loaded, rcx its rip): a thread found
 * there has gone back, and the kernel makes the jump (thread_in_runtime).
 */
#define CX_RT_SYSRET_LEN 128
#define CX_RT_SYSRET_JMP 0x4f
/*
 * The probe window: the CX_RT_PROBE_LEN bytes right after the return sequence (when
 * there is one, and the window and the byte after it lie in the runtime's code). A
 * page fault or general-protection fault of an instruction in the window, that the
 * kernel does not resolve itself, is not reported: the thread goes on at the first
 * byte after the window, every register as it was (rip aside). The runtime touches
 * the program's memory there first, so that a bad pointer gives EFAULT, as on Linux,
 * instead of a fault that ends the process.
 */
#define CX_RT_PROBE_LEN 128

#define CX_TIMEOUT_NONE UINT64_MAX /* wait forever */

/* Boot information handed to init (read-only page at CX_BOOTINFO_ADDR). */
#define CX_BOOTINFO_MAGIC 0x43415049584249ul /* "CAPIXBI" */
struct cx_bootinfo {
    uint64_t magic;
    uint64_t archive_size;  /* bytes of the boot archive (tar) */
    uint64_t archive_pages; /* pages of the archive memory object */
    uint64_t quota_bytes;   /* initial quota given to init */
    uint64_t tsc_hz;        /* TSC ticks per second */
    uint64_t boot_tsc;      /* TSC at kernel entry */
    uint64_t kvm;           /* 1 when running under a hypervisor that says KVM */
    uint64_t mmio_lo;       /* a window below 4 GiB free for device registers (PCI BARs): */
    uint64_t mmio_hi;       /* no RAM or firmware region and no kernel device lies in it */
    char cmdline[256];      /* kernel command line */
};

#endif
