/*
 * Boot: console, CPU, memory map, page tables, frame allocator, timer, then the first
 * component, init, from the boot archive (a tar handed over as the PVH module). init
 * gets every initial capability (see CX_SLOT_* in the ABI) and a page of boot
 * information; the kernel then only serves system calls and interrupts.
 */
#include "kernel.h"
#include "arch/x86_64/cpu.h"
#include <capix/elf.h>
#include <capix/tar.h>

#define INIT_PRIO 200
#define INIT_SLOTS 4096
#define INIT_BOOT_SLOTS_END 64 /* init's runtime allocates slots from here (capix.h) */
#define INIT_STACK_PAGES 64
#define INIT_STACK_TOP 0x7ffffff00000ul

extern char __kernel_start[], __kernel_end[];
static struct tar_entry init_entry;
static struct io io_all = {.obj = {.type = CX_T_IO, .refs = 1}, .base = 0, .count = 65536};
static struct kobj irq_control = {.type = CX_T_IRQ_CONTROL, .refs = 1};
static struct device device_all = {.obj = {.type = CX_T_DEVICE, .refs = 1}, .base = 0};

/* What the loader handed over: the memory map (every type) stays for phys_is_device. */
static struct boot_desc boot;

/* The local and I/O APICs, the HPET and the firmware flash sit in [0xfec00000, 4 GiB):
 * the kernel's, never a driver's. */
#define PLATFORM_LO 0xfec00000ul
#define PLATFORM_HI 0x100000000ul

bool phys_is_device(uint64_t base, uint64_t size)
{
    if (!range_within(base, size, 0x100000, device_all.size))
        return false;
    if (base < PLATFORM_HI && base + size > PLATFORM_LO)
        return false;
    if (boot.dropped) /* a region we did not read could be anything */
        return false;
    for (uint32_t i = 0; i < boot.nmap; i++)
        if (base < boot.map[i].addr + boot.map[i].size && boot.map[i].addr < base + size)
            return false;
    return true;
}

/* A window for the registers of devices (PCI BARs) below 4 GiB: from above the highest
 * region of the memory map that lies below the platform devices, 1 MiB aligned. */
static void mmio_window(struct cx_bootinfo *bi)
{
    uint64_t lo = 0x100000;
    for (uint32_t i = 0; i < boot.nmap; i++) {
        uint64_t end = boot.map[i].addr + boot.map[i].size;
        if (boot.map[i].addr < PLATFORM_LO && end > lo)
            lo = end;
    }
    bi->mmio_lo = ALIGN_UP(lo, 0x100000);
    bi->mmio_hi = bi->mmio_lo < PLATFORM_LO ? PLATFORM_LO : bi->mmio_lo;
}

static void exclude_and_add(uint64_t s, uint64_t e, const uint64_t (*ex)[2], int nex)
{
    for (int i = 0; i < nex; i++) {
        if (ex[i][1] <= s || ex[i][0] >= e)
            continue;
        if (ex[i][0] > s)
            exclude_and_add(s, ex[i][0], ex, nex);
        s = ex[i][1];
        if (s >= e)
            return;
    }
    if (s < e) {
        kprintf("[kernel] free RAM %#014lx-%#014lx\n", s, e - 1);
        pmem_add_range(s, e);
    }
}

static struct cap *slot_of(struct pd *pd, uint64_t slot)
{
    int err;
    struct cap *c = cap_lookup(pd, slot, &err);
    KASSERT(c && !c->obj);
    return c;
}

/* A memory object mapped into init, its original capability in init's cspace. */
static struct mem *init_mem(struct pd *pd, struct quota *q, uint64_t *next_slot, uint64_t va,
                            uint64_t pages, uint8_t flags, uint8_t rights)
{
    int err;
    struct mem *m = mem_create_kernel(q, pages, &err);
    if (!m)
        panic("boot: no memory for init (%d)", err);
    cap_install_original(slot_of(pd, (*next_slot)++), &m->obj, rights);
    if (va && (err = pd_map(pd, m, 0, va, pages, flags, CX_MAP_R | CX_MAP_W | CX_MAP_X)))
        panic("boot: cannot map init at %#lx (%d)", va, err);
    return m;
}

static void mem_write(struct mem *m, uint64_t off, const void *src, uint64_t len)
{
    const char *s = src;
    while (len) {
        uint64_t page = off / PAGE_SIZE, in = off % PAGE_SIZE;
        uint64_t chunk = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;
        memcpy((char *)phys_to_virt(mem_frame(m, page, true)) + in, s, chunk);
        s += chunk, off += chunk, len -= chunk;
    }
}

void kmain(uint64_t info_phys, uint64_t kind)
{
    uint64_t boot_tsc = rdtsc();
    serial_init();
    kprintf("\n[kernel] capix kernel starting\n");
    cpu_init();

    boot_read(info_phys, kind, &boot);
    boot_log(&boot);
    uint64_t arch_pa = boot.mod_pa, arch_len = boot.mod_len;
    uint64_t max_phys = 0, ram = 0;
    for (uint32_t i = 0; i < boot.nmap; i++) {
        if (boot.map[i].type != 1)
            continue;
        ram += boot.map[i].size;
        if (boot.map[i].addr + boot.map[i].size > max_phys)
            max_phys = boot.map[i].addr + boot.map[i].size;
    }
    paging_init(max_phys);
    cpu_guard_stacks();

    const uint64_t ex[][2] = {
        {0, 0x100000},
        {virt_to_phys(__kernel_start), ALIGN_UP(virt_to_phys(__kernel_end), PAGE_SIZE)},
        {arch_pa & PAGE_MASK, ALIGN_UP(arch_pa + arch_len, PAGE_SIZE)},
    };
    for (uint32_t i = 0; i < boot.nmap; i++)
        if (boot.map[i].type == 1)
            exclude_and_add(boot.map[i].addr, boot.map[i].addr + boot.map[i].size, ex,
                            ARRAY_SIZE(ex));
    extern char __pagetables_used[];
    pmem_add_pt_range(virt_to_phys(__pagetables_used), virt_to_phys(__kernel_end));
    kheap_init(max_phys);
    uint64_t free_bytes = pmem_free_count() * PAGE_SIZE;
    kprintf("[kernel] %lu MiB RAM, %lu MiB free, boot archive %lu KiB\n", ram >> 20,
            free_bytes >> 20, arch_len >> 10);

    lapic_init();
    kprintf("[kernel] entered %lu us after power-on (the firmware's and loader's time)\n",
            boot_tsc / (tsc_hz / 1000000));
    ioapic_init();
    sched_init();

    /* The root quota: free memory less a reserve for heap fragmentation. */
    struct quota *rootq = quota_root_create(free_bytes - free_bytes / 32 - (1ul << 20));

    int err;
    const void *archive = phys_to_virt(arch_pa);
    if ((err = tar_find(archive, arch_len, "init", &init_entry)) != 0)
        panic("boot: cannot find 'init' in the boot archive: %s", tar_strerror(err));
    struct elf_info ei;
    if ((err = elf_parse(init_entry.data, init_entry.size, &ei)) != 0)
        panic("boot: init is not a valid ELF executable: %s", elf_strerror(err));

    struct pd *pd = pd_create_kernel(rootq, INIT_SLOTS, &err);
    if (!pd)
        panic("boot: cannot make init's domain (%d)", err);
    struct thread *t = thread_create_kernel(rootq, pd, INIT_PRIO, &err);
    if (!t)
        panic("boot: cannot make init's thread (%d)", err);
    cap_install_original(slot_of(pd, CX_SLOT_SELF_PD), &pd->obj, CX_R_ALL);
    cap_install_original(slot_of(pd, CX_SLOT_SELF_THREAD), &t->obj, CX_R_ALL);
    cap_install_original(slot_of(pd, CX_SLOT_QUOTA), &rootq->obj, CX_R_ALL);
    cap_install_original(slot_of(pd, CX_SLOT_LOG), &log_root()->obj, CX_R_ALL);
    cap_install_original(slot_of(pd, CX_SLOT_IRQ_CONTROL), &irq_control, CX_R_ALL);
    cap_install_original(slot_of(pd, CX_SLOT_IO_ALL), &io_all.obj, CX_R_ALL);
    uint32_t r[4];
    cpuid(0x80000000, 0, r);
    uint32_t phys_bits = 36;
    if (r[0] >= 0x80000008) {
        cpuid(0x80000008, 0, r);
        phys_bits = r[0] & 0xff;
    }
    device_all.size = 1ul << phys_bits;
    cap_install_original(slot_of(pd, CX_SLOT_DEVICE), &device_all.obj, CX_R_ALL);

    uint64_t next = CX_SLOT_BOOT_ARCHIVE;
    uint64_t arch_pages = ALIGN_UP(arch_len, PAGE_SIZE) / PAGE_SIZE;
    struct mem *am = init_mem(pd, rootq, &next, 0, arch_pages, 0, CX_R_READ | CX_R_GRANT);
    for (uint64_t i = 0; i < arch_pages; i++)
        mem_set_frame(am, i, (arch_pa & PAGE_MASK) + i * PAGE_SIZE);
    am->pinned = true; /* not the frame allocator's */
    struct mem *bim = init_mem(pd, rootq, &next, CX_BOOTINFO_ADDR, 1, CX_MAP_R, CX_R_READ);
    next = CX_SLOT_DEVICE + 1; /* init's own memory from here, below its allocator's slots */
    struct cx_bootinfo *bi = phys_to_virt(mem_frame(bim, 0, true));
    bi->magic = CX_BOOTINFO_MAGIC;
    bi->archive_size = arch_len;
    bi->archive_pages = arch_pages;
    bi->tsc_hz = tsc_hz;
    bi->boot_tsc = boot_tsc;
    mmio_window(bi);
    cpuid(0x40000000, 0, r);
    bi->kvm = r[1] == 0x4b4d564b; /* "KVMK" */
    memcpy(bi->cmdline, boot.cmdline, sizeof(bi->cmdline));

    struct elf_segment seg;
    for (unsigned i = 0; elf_load_segment(&ei, i, &seg) == 0; i++) {
        uint64_t va = seg.vaddr & PAGE_MASK;
        uint64_t pages = (ALIGN_UP(seg.vaddr + seg.memsz, PAGE_SIZE) - va) / PAGE_SIZE;
        uint8_t fl = CX_MAP_R | (seg.flags & ELF_PF_W ? CX_MAP_W : 0) |
                     (seg.flags & ELF_PF_X ? CX_MAP_X : 0);
        struct mem *m = init_mem(pd, rootq, &next, va, pages, fl, CX_R_ALL);
        mem_write(m, seg.vaddr - va, (const char *)init_entry.data + seg.offset, seg.filesz);
    }
    init_mem(pd, rootq, &next, INIT_STACK_TOP - INIT_STACK_PAGES * PAGE_SIZE, INIT_STACK_PAGES,
             CX_MAP_R | CX_MAP_W, CX_R_ALL);
    init_mem(pd, rootq, &next, CX_IPCBUF_ADDR, 1, CX_MAP_R | CX_MAP_W, CX_R_ALL);
    if (next > INIT_BOOT_SLOTS_END)
        panic("boot: init has too many segments (%lu slots used)", next);
    t->ipcbuf = CX_IPCBUF_ADDR;
    t->frame.rip = ei.entry;
    t->frame.rsp = INIT_STACK_TOP;
    t->frame.rdi = CX_BOOTINFO_ADDR;
    bi->quota_bytes = rootq->limit;
    kprintf("[kernel] starting init (%lu KiB quota, %lu KiB used at start)\n", rootq->limit >> 10,
            rootq->used >> 10);
    thread_set_ready(t);
    sched_return();
}
