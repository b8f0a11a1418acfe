/*
 * ktest: device memory (docs/kernel-abi.md, "Devices"). ktest gets `mmio 0 4G all`: a
 * device capability over the whole 32-bit space, RAM included, so that the kernel's own
 * check is what refuses RAM, firmware regions and the kernel's devices; the window the
 * kernel reports free for PCI BARs is mapped uncached, and neither the kernel's copies
 * (a log write from it) nor a futex may touch it. DMA memory: bounds, a physical
 * address, its quota charge given back.
 */
#include <capix/capix.h>
#include "ktest.h"

#define MMIO_VA 0x5800000000ul
#define DMA_VA 0x5900000000ul

static void test_dev_create(uint64_t all)
{
    uint64_t d = kt_slot(), e = kt_slot();
    EXPECT("dev_create_narrower", cx_dev_create(all, CX_SLOT_QUOTA, 0xe0000000, 8192, d), 0);
    EXPECT("dev_create_outside", cx_dev_create(d, CX_SLOT_QUOTA, 0xe0001000, 8192, e),
           CX_E_INVALID_ARG);
    EXPECT("dev_create_unaligned", cx_dev_create(d, CX_SLOT_QUOTA, 0xe0000800, 4096, e),
           CX_E_INVALID_ARG);
    EXPECT("dev_create_wraps", cx_dev_create(all, CX_SLOT_QUOTA, 0xfffffffffffff000ul, 8192, e),
           CX_E_INVALID_ARG);
    EXPECT("dev_create_empty_for_dma", cx_dev_create(d, CX_SLOT_QUOTA, 0xe0000000, 0, e), 0);
    EXPECT("dev_create_wrong_type", cx_dev_create(CX_SLOT_QUOTA, CX_SLOT_QUOTA, 0, 4096, kt_slot()),
           CX_E_WRONG_TYPE);
    uint64_t m = kt_slot();
    EXPECT("dev_mem_outside_its_range", cx_dev_mem(d, CX_SLOT_QUOTA, 0xe0002000, 1, m),
           CX_E_INVALID_ARG);
    EXPECT("dev_mem_zero_pages", cx_dev_mem(d, CX_SLOT_QUOTA, 0xe0000000, 0, m), CX_E_INVALID_ARG);
    EXPECT("dev_mem_huge", cx_dev_mem(all, CX_SLOT_QUOTA, 0xe0000000, 1ul << 60, m),
           CX_E_INVALID_ARG);
    cx_cap_delete(e);
    cx_cap_delete(d);
}

/* RAM, the firmware's regions and the kernel's devices are never device memory. */
static void test_dev_mem_refuses(uint64_t all)
{
    uint64_t m = kt_slot();
    static const struct {
        const char *name;
        uint64_t phys;
    } no[] = {
        {"dev_mem_refuses_low_memory", 0xb8000},  {"dev_mem_refuses_ram", 0x200000},
        {"dev_mem_refuses_ioapic", 0xfec00000},   {"dev_mem_refuses_lapic", 0xfee00000},
        {"dev_mem_refuses_firmware", 0xfffff000},
    };
    for (unsigned i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        EXPECT(no[i].name, cx_dev_mem(all, CX_SLOT_QUOTA, no[i].phys, 1, m), CX_E_INVALID_ARG);
}

static void test_dev_mem_mapped(uint64_t all)
{
    uint64_t m = kt_slot(), q0 = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi;
    long err = cx_dev_mem(all, CX_SLOT_QUOTA, 0xe0000000, 16, m);
    uint64_t charged = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi - q0;
    kt_check("dev_mem_in_the_window", err == 0 && charged < 16 * 4096,
             "err %s, charged %lu (device pages use no RAM)", cx_strerror(err), charged);
    EXPECT("dev_mem_map", cx_map(CX_SLOT_SELF_PD, m, 0, MMIO_VA, 16, CX_MAP_R | CX_MAP_W), 0);
    volatile uint32_t *regs = (volatile uint32_t *)MMIO_VA;
    regs[0] = 0x12345678; /* nothing decodes there: the write goes nowhere (RAM keeps it) */
    uint32_t v = regs[0];
    kt_check("dev_mem_not_ram", v != 0x12345678, "read back %#x", v);
    EXPECT("dev_mem_no_kernel_copy", cx_raw_log_write(CX_SLOT_LOG, MMIO_VA, 4, 0, 0, 0).err,
           CX_E_BAD_ADDRESS);
    EXPECT("dev_mem_no_futex", cx_raw_futex_wake(m, 0, 1, 0, 0, 0).err, CX_E_INVALID_ARG);
    EXPECT("dev_mem_no_futex_by_address",
           cx_raw_futex_wait(CX_SLOT_SELF_PD, MMIO_VA, 0, 0, 0, 0).err, CX_E_INVALID_ARG);
    EXPECT("dev_mem_not_executable",
           cx_map(CX_SLOT_SELF_PD, m, 0, MMIO_VA + 16 * 4096, 1, CX_MAP_R | CX_MAP_X),
           CX_E_NO_RIGHTS);
    cx_unmap(CX_SLOT_SELF_PD, MMIO_VA, 16);
    cx_cap_delete(m);
}

static void test_dma(uint64_t all)
{
    uint64_t m = kt_slot(), pa = 0, q0 = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi;
    EXPECT("dma_zero_pages", cx_dma_create(all, CX_SLOT_QUOTA, 0, m, &pa), CX_E_INVALID_ARG);
    EXPECT("dma_too_many_pages", cx_dma_create(all, CX_SLOT_QUOTA, 513, m, &pa), CX_E_INVALID_ARG);
    EXPECT("dma_needs_a_device", cx_dma_create(CX_SLOT_QUOTA, CX_SLOT_QUOTA, 1, m, &pa),
           CX_E_WRONG_TYPE);
    long err = cx_dma_create(all, CX_SLOT_QUOTA, 64, m, &pa);
    uint64_t charged = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi - q0;
    kt_check("dma_create", err == 0 && pa && !(pa & 4095) && charged >= 64 * 4096,
             "err %s pa %#lx charged %lu", cx_strerror(err), pa, charged);
    EXPECT("dma_map", cx_map(CX_SLOT_SELF_PD, m, 0, DMA_VA, 64, CX_MAP_R | CX_MAP_W), 0);
    volatile uint64_t *p = (volatile uint64_t *)DMA_VA;
    kt_check("dma_zeroed", p[0] == 0 && p[64 * 512 - 1] == 0, "not zero");
    p[0] = 42;
    EXPECT("dma_kernel_copies_ram", cx_raw_log_write(CX_SLOT_LOG, DMA_VA, 0, 0, 0, 0).err, 0);
    cx_unmap(CX_SLOT_SELF_PD, DMA_VA, 64);
    cx_cap_delete(m);
    uint64_t q1 = cx_raw_quota_info(CX_SLOT_QUOTA, 0, 0, 0, 0, 0).rdi;
    kt_check("dma_quota_back", q1 <= q0 + 2 * 4096, "used %lu before, %lu after", q0, q1);
}

void kt_devices(void)
{
    uint64_t all = cx_named_cap("all");
    kt_check("devices_capability", all != 0, "no `mmio ... all` capability");
    if (!all)
        return;
    test_dev_create(all);
    test_dev_mem_refuses(all);
    test_dev_mem_mapped(all);
    test_dma(all);
}
