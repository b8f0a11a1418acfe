/*
 * Local APIC (periodic 1 kHz timer for preemption and timeouts), I/O APIC (device
 * interrupts as GSIs 0..23 on vectors 32..55, masked until bound), the legacy PIC
 * (remapped and masked), and TSC calibration against the PIT.
 */
#include "cpu.h"
#include "core/kernel.h"

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define IOAPIC_PHYS 0xfec00000ul

uint64_t tsc_hz;
static volatile uint32_t *lapic;
static volatile uint32_t *ioapic;

uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

uint64_t ns_to_tsc(uint64_t ns)
{
    return ns / 1000000000u * tsc_hz + ns % 1000000000u * tsc_hz / 1000000000u;
}

uint64_t tsc_to_ns(uint64_t t)
{
    return t / tsc_hz * 1000000000u + t % tsc_hz * 1000000000u / tsc_hz;
}

static uint32_t lapic_read(uint32_t reg)
{
    return lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

/* Busy-wait about 10 ms on PIT channel 2 (gate through port 0x61). */
static void pit_wait_10ms(void)
{
    const uint16_t count = 11932; /* 1193182 Hz / 100 */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0); /* channel 2, lo/hi, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    outb(0x61, inb(0x61) & ~0x01);
    outb(0x61, inb(0x61) | 0x01);
    while (!(inb(0x61) & 0x20))
        ;
}

void lapic_init(void)
{
    /* Legacy PIC: remap to 0x20..0x2f and mask everything. */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* global enable */
    lapic = kmap_mmio(base & 0xfffff000ul, PAGE_SIZE);
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_TIMER_DIV, 0x3);      /* divide by 16 */
    lapic_write(LAPIC_LVT_TIMER, 1u << 16); /* masked while calibrating */
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    pit_wait_10ms();
    uint64_t t1 = rdtsc();
    uint32_t lapic_ticks = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
    tsc_hz = (t1 - t0) * 100;
    uint32_t per_ms = lapic_ticks / 10;
    if (per_ms == 0)
        per_ms = 1;
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | (1u << 17)); /* periodic */
    lapic_write(LAPIC_TIMER_INIT, per_ms);
    kprintf("[kernel] tsc %lu MHz, lapic timer %u ticks/ms\n", tsc_hz / 1000000, per_ms);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    ioapic[0] = reg;
    ioapic[4] = v;
}

/* Each line's trigger mode (bit 15 level, bit 13 active low), as irq_create set it:
 * ISA interrupts are edge and active high, PCI ones level (docs/kernel-abi.md). */
static uint32_t ioapic_mode[VEC_IRQ_COUNT];

void ioapic_set_mode(uint32_t gsi, bool level, bool active_low)
{
    ioapic_mode[gsi] = (level ? 1u << 15 : 0) | (active_low ? 1u << 13 : 0);
}

void ioapic_mask(uint32_t gsi, int masked)
{
    uint32_t lo = (VEC_IRQ_BASE + gsi) | (masked ? 1u << 16 : 0) | ioapic_mode[gsi];
    ioapic_write(0x10 + 2 * gsi, lo);
    ioapic_write(0x11 + 2 * gsi, 0); /* destination: APIC 0 */
}

void ioapic_init(void)
{
    ioapic = kmap_mmio(IOAPIC_PHYS, PAGE_SIZE);
    for (uint32_t g = 0; g < VEC_IRQ_COUNT; g++)
        ioapic_mask(g, 1);
}
