/*
 * The Multiboot2 information (GRUB's hand-over, docs/boot.md): a size, then tags of
 * (type, size, payload), each 8-byte aligned, up to an end tag. Only what the kernel
 * uses is read: the memory map, the first module (the boot archive), the command line
 * and the ACPI root pointer. Everything is bounded by the size the loader gave; this
 * file depends on nothing of the kernel (the host builds it for its test and fuzzer).
 */
#include <string.h>
#include "bootinfo.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

void boot_add_region(struct boot_desc *bd, uint64_t addr, uint64_t size, uint32_t type)
{
    if (!size)
        return;
    if (bd->nmap == BOOT_MAP_MAX) {
        bd->dropped++;
        return;
    }
    bd->map[bd->nmap++] = (struct boot_region){addr, size, type};
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The memory map tag: entry size and version, then entries of (addr, len, type). */
static const char *read_mmap(struct boot_desc *bd, const uint8_t *t, uint32_t size)
{
    if (size < 16)
        return "Multiboot2 memory map tag too short";
    uint32_t esize = rd32(t + 8);
    if (esize < 24 || esize > size)
        return "Multiboot2 memory map with entries of a bad size";
    for (uint32_t off = 16; esize <= size - off; off += esize)
        boot_add_region(bd, rd64(t + off), rd64(t + off + 8), rd32(t + off + 16));
    return NULL;
}

const char *boot_parse_mb2(const uint8_t *info, uint32_t total, uint64_t pa, struct boot_desc *bd)
{
    if (total < 16 || total > BOOT_INFO_MAX || total != rd32(info))
        return "Multiboot2 information of a bad size";
    bd->loader = "Multiboot2";
    for (uint32_t off = 8; off <= total - 8;) {
        const uint8_t *t = info + off;
        uint32_t type = rd32(t), size = rd32(t + 4);
        if (type == MB2_TAG_END || size < 8 || size > total - off)
            break;
        if (type == MB2_TAG_CMDLINE) {
            for (uint32_t i = 0; i < sizeof(bd->cmdline) - 1 && i < size - 8 && t[8 + i]; i++)
                bd->cmdline[i] = (char)t[8 + i];
        } else if (type == MB2_TAG_MODULE && size >= 16 && !bd->mod_len) {
            uint32_t start = rd32(t + 8), end = rd32(t + 12);
            if (end > start)
                bd->mod_pa = start, bd->mod_len = end - start;
        } else if (type == MB2_TAG_MMAP) {
            const char *why = read_mmap(bd, t, size);
            if (why)
                return why;
        } else if ((type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW) && !bd->rsdp_pa) {
            bd->rsdp_pa = pa + off + 8; /* a copy of the RSDP in this information */
            memcpy(bd->rsdp, t + 8, size - 8 < sizeof(bd->rsdp) ? size - 8 : sizeof(bd->rsdp));
        }
        off += (size + 7) & ~7u; /* size <= total <= BOOT_INFO_MAX: no wrap */
    }
    return NULL;
}
