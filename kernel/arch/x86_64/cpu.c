/*
 * Processor setup: GDT with user segments and the TSS (IST stacks for NMI, #DB,
 * #DF and #MC), the IDT, the syscall MSRs, the FPU (FXSAVE only: XSAVE is not assumed),
 * and the C side of interrupt and syscall entry.
 */
#include "cpu.h"
#include "core/kernel.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, attr;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));

struct cpu cpu0;
int cpu_has_nx;
uint32_t fx_mxcsr_mask = 0xffbf;
static uint64_t gdt[7];
static struct tss tss0;
static struct idt_entry idt[256];
static uint8_t kstack[16384] __attribute__((aligned(4096)));
static uint8_t ist_stacks[4][4096] __attribute__((aligned(4096)));
static uint64_t guard_pages[5]; /* the unmapped page below each stack's alias */
static uint8_t fx_template[512] __attribute__((aligned(16)));
extern const uint64_t isr_table[256];
extern char syscall_entry[];

_Static_assert(offsetof(struct cpu, kstack_top) == 8, "entry.S CPU_KSTACK");
_Static_assert(offsetof(struct cpu, frame_end) == 16, "entry.S CPU_FRAME_END");
_Static_assert(offsetof(struct cpu, user_rsp) == 24, "entry.S CPU_USER_RSP");
_Static_assert(sizeof(struct frame) == 22 * 8, "frame layout");

static void idt_set(int vec, uint64_t handler, int ist, int dpl)
{
    idt[vec].off_lo = handler & 0xffff;
    idt[vec].sel = SEL_KCODE;
    idt[vec].ist = ist;
    idt[vec].attr = 0x8e | (dpl << 5);
    idt[vec].off_mid = (handler >> 16) & 0xffff;
    idt[vec].off_hi = handler >> 32;
    idt[vec].zero = 0;
}

void fpu_save(uint8_t *fx)
{
    __asm__ volatile("fxsave64 (%0)" ::"r"(fx) : "memory");
}

void fpu_restore(const uint8_t *fx)
{
    __asm__ volatile("fxrstor64 (%0)" ::"r"(fx) : "memory");
}

void fpu_default(uint8_t *fx)
{
    memcpy(fx, fx_template, 512);
}

void cpu_set_kernel_stack(uint64_t rsp0)
{
    tss0.rsp[0] = rsp0;
}

void cpu_init(void)
{
    uint32_t r[4];
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) desc;

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffff; /* kernel code */
    gdt[2] = 0x00cf92000000ffff; /* kernel data */
    gdt[3] = 0x00cff2000000ffff; /* user data */
    gdt[4] = 0x00affa000000ffff; /* user code */
    uint64_t tb = (uint64_t)&tss0, tl = sizeof(tss0) - 1;
    gdt[5] = (tl & 0xffff) | ((tb & 0xffffff) << 16) | (0x89ul << 40) | (((tl >> 16) & 0xf) << 48) |
             (((tb >> 24) & 0xff) << 56);
    gdt[6] = tb >> 32;
    for (int i = 0; i < 4; i++)
        tss0.ist[i] = (uint64_t)ist_stacks[i] + sizeof(ist_stacks[i]);
    tss0.iomap_base = sizeof(tss0); /* no I/O bitmap: user port access goes through io caps */
    tss0.rsp[0] = (uint64_t)kstack + sizeof(kstack);

    desc.limit = sizeof(gdt) - 1;
    desc.base = (uint64_t)gdt;
    __asm__ volatile("lgdt %0\n"
                     "pushq $0x08\n"
                     "leaq 1f(%%rip), %%rax\n"
                     "pushq %%rax\n"
                     "lretq\n"
                     "1: movw $0x10, %%ax\n"
                     "movw %%ax, %%ds\n movw %%ax, %%es\n movw %%ax, %%ss\n"
                     "xorw %%ax, %%ax\n movw %%ax, %%fs\n movw %%ax, %%gs\n"
                     "movw $0x28, %%ax\n ltr %%ax\n" ::"m"(desc)
                     : "rax", "memory");

    for (int v = 0; v < 256; v++) {
        int ist = v == 2 ? 1 : v == 1 ? 2 : v == 8 ? 3 : v == 18 ? 4 : 0;
        idt_set(v, isr_table[v], ist, 0);
    }
    desc.limit = sizeof(idt) - 1;
    desc.base = (uint64_t)idt;
    __asm__ volatile("lidt %0" ::"m"(desc));

    cpuid(0x80000001, 0, r);
    cpu_has_nx = (r[3] >> 20) & 1;
    uint64_t efer = rdmsr(MSR_EFER) | 1; /* SCE */
    if (cpu_has_nx)
        efer |= 1ul << 11;
    wrmsr(MSR_EFER, efer);
    wrmsr(MSR_STAR, ((uint64_t)0x10 << 48) | ((uint64_t)SEL_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, 0x200 | 0x400 | 0x100 | 0x40000 | 0x4000 | 0x3000);

    /* FPU/SSE: CR0.MP|NE, clear EM/TS; CR4.OSFXSR|OSXMMEXCPT (set in boot.S too). */
    uint64_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x22) & ~0xcul;
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= 0x600;
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
    uint32_t mxcsr = 0x1f80;
    (void)mxcsr; /* MXCSR is 0x1f80 after reset; ldmxcsr traps under the nested hypervisor */
    __asm__ volatile("fninit");
    fpu_save(fx_template);
    uint32_t mask;
    memcpy(&mask, fx_template + 28, 4);
    if (mask)
        fx_mxcsr_mask = mask;

    cpuid(1, 0, r);
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    kprintf("[kernel] cpu: cpuid.1 edx %#x ecx %#x, cr4 %#lx, efer %#lx\n", r[3], r[2], cr4,
            rdmsr(MSR_EFER));
    cpu0.self = &cpu0;
    cpu0.kstack_top = (uint64_t)kstack + sizeof(kstack);
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* The kernel stack and the IST stacks are used through aliases above guard pages
 * (kmap_guarded): an overflow faults loudly instead of corrupting memory. */
void cpu_guard_stacks(void)
{
    uint8_t *k = kmap_guarded(kstack, sizeof(kstack));
    guard_pages[0] = (uint64_t)k - PAGE_SIZE;
    cpu0.kstack_top = (uint64_t)k + sizeof(kstack);
    for (int i = 0; i < 4; i++) {
        uint8_t *s = kmap_guarded(ist_stacks[i], sizeof(ist_stacks[i]));
        guard_pages[i + 1] = (uint64_t)s - PAGE_SIZE;
        tss0.ist[i] = (uint64_t)s + sizeof(ist_stacks[i]);
    }
}

static bool in_guard_page(uint64_t addr)
{
    for (unsigned i = 0; i < ARRAY_SIZE(guard_pages); i++)
        if (guard_pages[i] && addr - guard_pages[i] < PAGE_SIZE)
            return true;
    return false;
}

static const char *const exc_names[32] = {"divide error",
                                          "debug",
                                          "NMI",
                                          "breakpoint",
                                          "overflow",
                                          "bound range",
                                          "invalid opcode",
                                          "device not available",
                                          "double fault",
                                          "coprocessor overrun",
                                          "invalid TSS",
                                          "segment not present",
                                          "stack fault",
                                          "general protection",
                                          "page fault",
                                          "reserved",
                                          "x87 error",
                                          "alignment check",
                                          "machine check",
                                          "SIMD error",
                                          "virtualization",
                                          "control protection"};

static _Noreturn void kernel_exception(struct frame *f)
{
    const char *name = f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "?";
    uint64_t cr2 = read_cr2();
    if ((f->vector == CX_VEC_PF || f->vector == CX_VEC_DF) && in_guard_page(cr2))
        panic("kernel stack overflow: %s at guard page %#lx, rip=%#lx", name, cr2, f->rip);
    panic("kernel exception %lu (%s) err=%#lx rip=%#lx rsp=%#lx cr2=%#lx rax=%#lx rdi=%#lx",
          f->vector, name, f->error, f->rip, f->rsp, read_cr2(), f->rax, f->rdi);
}

/*
 * The nested hypervisor on the development machines (PVM) delivers a user SYSCALL by
 * jumping to LSTAR without switching to ring 0; the fetch then faults in user mode at
 * syscall_entry with rcx and r11 set as SYSCALL sets them. Such a fault is handled as
 * the system call it is. A program that jumps there on purpose gains nothing: it could
 * execute SYSCALL itself.
 */
static bool syscall_without_switch(struct thread *t, uint64_t vec, uint64_t err)
{
    static bool said;
    if (vec != CX_VEC_PF || !(err & CX_PF_FETCH) || t->frame.rip != (uint64_t)syscall_entry)
        return false;
    if (!said) {
        said = true;
        kprintf("[kernel] SYSCALL arrived without a privilege switch (nested hypervisor); "
                "served through the page-fault path\n");
    }
    t->frame.rip = t->frame.rcx;
    t->frame.rflags = (t->frame.r11 & RFLAGS_USER_MASK) | RFLAGS_IF | 0x2;
    t->frame.vector = 0; /* return through IRET */
    syscall_dispatch(t);
    return true;
}

/*
 * A fault of an instruction in the POSIX runtime's probe window (CX_RT_PROBE_LEN bytes
 * after its return sequence) resumes the thread at the first byte after the window,
 * registers unchanged: the runtime's own recovery (a bad pointer of the program gives
 * EFAULT). Only rip changes, to an address in the runtime's code: a hostile runtime
 * gains nothing it could not do by jumping there itself.
 */
static bool rt_probe_fault(struct thread *t, uint64_t vec)
{
    struct pd *pd = t->pd;
    uint64_t w = pd->rt_sysret + CX_RT_SYSRET_LEN, rip = t->frame.rip;
    if (!pd->posix || !pd->rt_sysret || (vec != CX_VEC_PF && vec != CX_VEC_GP))
        return false;
    if (rip < w || rip >= w + CX_RT_PROBE_LEN || w + CX_RT_PROBE_LEN >= pd->rt_hi)
        return false;
    t->frame.rip = w + CX_RT_PROBE_LEN;
    return true;
}

static void user_exception(struct thread *t, uint64_t vec, uint64_t err)
{
    uint64_t addr = vec == CX_VEC_PF ? read_cr2() : 0;
    if (syscall_without_switch(t, vec, err))
        return;
    if (vec == CX_VEC_PF) {
        int why = pd_handle_fault(t->pd, addr, err);
        if (why == 0)
            return;
        if (why == CX_E_NO_RIGHTS) /* mapped, but not for this access (or for none) */
            err |= CX_PF_PRESENT;
    }
    if (vec == CX_VEC_NMI)
        return; /* NMI while in user mode: nothing to do */
    if (rt_probe_fault(t, vec))
        return;
    struct pd *pd = t->pd;
    uint64_t rip = t->frame.rip;
    if (pd->posix && !thread_in_runtime(t) && !rip_in_runtime(pd, rip) && t->rt_stack) {
        syscall_finish_now(t); /* the runtime gets the context with the call done */
        posix_reflect(t, CX_RT_FAULT, vec, err, addr);
        return;
    }
    fault_deliver(t, vec, err, addr);
}

void interrupt_entry_c(struct frame *f)
{
    bool user = f->cs & 3;
    struct thread *t = this_cpu()->current;
    uint64_t vec = f->vector;

    if (user) {
        KASSERT(t);
        if (f != &t->frame)
            t->frame = *f; /* arrived on an IST stack */
        f = &t->frame;
    }
    if (vec < 32) {
        if (!user) {
            if (vec == CX_VEC_NMI)
                return;
            kernel_exception(f);
        }
        user_exception(t, vec, f->error);
    } else if (vec == VEC_TIMER) {
        lapic_eoi();
        sched_tick(user);
    } else if (vec >= VEC_IRQ_BASE && vec < VEC_IRQ_BASE + VEC_IRQ_COUNT) {
        irq_dispatch((uint32_t)(vec - VEC_IRQ_BASE));
    } else if (vec == VEC_SPURIOUS) {
        /* no EOI for spurious interrupts */
    } else {
        lapic_eoi();
    }
    if (user || this_cpu()->current == NULL)
        sched_return(); /* from idle: returns only when nothing is ready */
}

void syscall_entry_c(void)
{
    struct thread *t = this_cpu()->current;
    if (syscall_reflect_now(t))
        frame_return(&t->frame, 0);
    uint64_t changes = sched_changes();
    syscall_dispatch(t);
    sched_return_same(t, changes);
}
