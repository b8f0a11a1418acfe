/* x86_64 helpers shared by the architecture files. */
#ifndef CAPIX_ARCH_CPU_H
#define CAPIX_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_APIC_BASE 0x1bu

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

#define VEC_IRQ_BASE 32
#define VEC_IRQ_COUNT 24
#define VEC_TIMER 0xf0
#define VEC_SPURIOUS 0xff

#define RFLAGS_IF 0x200ul
#define RFLAGS_IOPL 0x3000ul
#define RFLAGS_VM 0x20000ul
#define RFLAGS_USER_MASK 0xcd5ul /* CF PF AF ZF SF DF OF: what user space may set */

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}
static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline int is_canonical(uint64_t va)
{
    return (uint64_t)(((int64_t)(va << 16)) >> 16) == va;
}

void cpu_init(void);
void cpu_guard_stacks(void); /* after paging_init: stacks above unmapped guard pages */
void cpu_set_kernel_stack(uint64_t rsp0);
void fpu_save(uint8_t *fx);
void fpu_restore(const uint8_t *fx);
void fpu_default(uint8_t *fx);
extern int cpu_has_nx;
extern uint32_t fx_mxcsr_mask;

void lapic_init(void);
void lapic_eoi(void);
void ioapic_init(void);
void ioapic_mask(uint32_t gsi, int masked);
void ioapic_set_mode(uint32_t gsi, bool level, bool active_low);
void serial_init(void);
void serial_putc(char c);

void frame_return(void *frame, int sysret) __attribute__((noreturn));
void idle_loop(void) __attribute__((noreturn));

#endif
