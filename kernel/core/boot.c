/*
 * The boot description: what the loader hands over, read into one form whatever the
 * loader (docs/boot.md): the memory map (every region, of every type), the boot
 * archive (the one module), the command line and the ACPI root pointer.
 * - PVH (QEMU -kernel): struct hvm_start_info.
 * - Multiboot2 (GRUB, from UEFI firmware or a BIOS): a list of tags.
 * Read while the boot page tables identity-map the first 4 GiB (the loaders put what
 * they hand over below 4 GiB); everything is copied, so the memory it lay in may be
 * handed out afterwards. Bounded loops only: the tags are walked at most to the size
 * the loader gave, 8-byte aligned, each at least 8 bytes.
 */
#include "kernel.h"

#define PVH_MAGIC 0x336ec578

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

static const void *boot_phys(uint64_t pa, uint64_t len)
{
    if (!range_within(pa, len, 0, 1ul << 32))
        panic("boot: the loader's information at %#lx lies above 4 GiB", pa);
    return (const void *)pa; /* the boot tables identity-map the first 4 GiB */
}

static void copy_cmdline(struct boot_desc *bd, const char *c, uint64_t max)
{
    for (uint64_t i = 0; i < sizeof(bd->cmdline) - 1 && i < max && c[i]; i++)
        bd->cmdline[i] = c[i];
}

static void read_pvh(uint64_t pa, struct boot_desc *bd)
{
    const struct hvm_start_info *si = boot_phys(pa, sizeof(*si));
    if (si->magic != PVH_MAGIC || si->version < 1 || !si->memmap_paddr)
        panic("boot: no PVH start info with a memory map (magic %#x version %u)", si->magic,
              si->version);
    bd->loader = "PVH";
    const struct hvm_memmap_entry *mm =
        boot_phys(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*mm));
    for (uint32_t i = 0; i < si->memmap_entries; i++)
        boot_add_region(bd, mm[i].addr, mm[i].size, mm[i].type);
    if (si->nr_modules >= 1) {
        const struct hvm_modlist_entry *mod = boot_phys(si->modlist_paddr, sizeof(*mod));
        bd->mod_pa = mod[0].paddr;
        bd->mod_len = mod[0].size;
    }
    if (si->cmdline_paddr)
        copy_cmdline(bd, boot_phys(si->cmdline_paddr, 1), 4096);
    bd->rsdp_pa = si->rsdp_paddr;
}

/* GRUB's hand-over: the information is read in place (identity-mapped) by
 * boot_parse_mb2 (bootinfo.c). */
static void read_mb2(uint64_t pa, struct boot_desc *bd)
{
    uint32_t total = *(const uint32_t *)boot_phys(pa, 8);
    if (total < 16 || total > BOOT_INFO_MAX)
        panic("boot: Multiboot2 information of %u bytes", total);
    const char *why = boot_parse_mb2(boot_phys(pa, total), total, pa, bd);
    if (why)
        panic("boot: %s", why);
}

void boot_read(uint64_t info_pa, uint64_t kind, struct boot_desc *bd)
{
    memset(bd, 0, sizeof(*bd));
    if (kind == BOOT_PVH)
        read_pvh(info_pa, bd);
    else if (kind == BOOT_MB2)
        read_mb2(info_pa, bd);
    else
        panic("boot: started by an unknown entry (%lu)", kind);
    if (!bd->nmap)
        panic("boot: the loader gave no memory map");
    if (!bd->mod_len)
        panic("boot: no boot archive (pass it with -initrd, or as a Multiboot2 module)");
}

static const char *region_type(uint32_t type)
{
    switch (type) {
    case 1:
        return "usable";
    case 2:
        return "reserved";
    case 3:
        return "ACPI tables";
    case 4:
        return "ACPI NVS";
    case 5:
        return "bad";
    default:
        return "other";
    }
}

void boot_log(const struct boot_desc *bd)
{
    kprintf("[kernel] booted by %s, %u memory regions%s\n", bd->loader, bd->nmap,
            bd->dropped ? " (more than the kernel keeps: see below)" : "");
    for (uint32_t i = 0; i < bd->nmap; i++)
        kprintf("[kernel] memory %#014lx-%#014lx %s\n", bd->map[i].addr,
                bd->map[i].addr + bd->map[i].size - 1, region_type(bd->map[i].type));
    if (bd->dropped)
        kprintf("[kernel] %u further regions not read: their RAM is not used, and no device "
                "memory is handed out\n",
                bd->dropped);
}
