/*
 * The boot description (kernel/core/boot.c reads it from the loader, docs/boot.md) and
 * the Multiboot2 reader, which depends on nothing of the kernel so that it is also
 * built on the host (bootinfo_test, bootinfo_fuzz).
 */
#ifndef CAPIX_KERNEL_BOOTINFO_H
#define CAPIX_KERNEL_BOOTINFO_H

#include <stdint.h>

#define BOOT_PVH 1
#define BOOT_MB2 2
#define BOOT_MAP_MAX 128
#define BOOT_INFO_MAX (1u << 20) /* a Multiboot2 information larger than this is refused */
struct boot_region {
    uint64_t addr, size;
    uint32_t type; /* 1 usable RAM, 2 reserved, 3 ACPI tables, 4 ACPI NVS, 5 bad */
};
struct boot_desc {
    const char *loader;
    struct boot_region map[BOOT_MAP_MAX];
    uint32_t nmap, dropped;   /* regions kept, and those beyond BOOT_MAP_MAX */
    uint64_t mod_pa, mod_len; /* the boot archive */
    char cmdline[256];
    uint64_t rsdp_pa; /* the ACPI root pointer (Multiboot2: the loader's copy), or 0 */
    uint8_t rsdp[36]; /* Multiboot2: the copy itself */
};

/* Reads the Multiboot2 information structure of total bytes at info (where it lies at
 * physical address pa: the ACPI root pointer's copy is given by that address) into bd,
 * which must be zeroed. Returns NULL, or what is wrong (the kernel panics with it). Walks the tags
 * at most to total, 8-byte aligned, each at least 8 bytes: never reads outside info. */
const char *boot_parse_mb2(const uint8_t *info, uint32_t total, uint64_t pa, struct boot_desc *bd);
/* Adds a region to bd's map (counted in dropped when the map is full; empty ones go). */
void boot_add_region(struct boot_desc *bd, uint64_t addr, uint64_t size, uint32_t type);

#endif
