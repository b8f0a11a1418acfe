/*
 * Fuzzes the Multiboot2 reader (bootinfo.c): any bytes as the information structure
 * (its first word set to the input's size, as the kernel checks before it parses), in
 * a buffer of exactly that size so that AddressSanitizer sees any read past it.
 */
#include <stdlib.h>
#include <string.h>
#include "bootinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 || size > BOOT_INFO_MAX)
        return 0;
    uint8_t *info = malloc(size);
    if (!info)
        return 0;
    memcpy(info, data, size);
    uint32_t total = (uint32_t)size;
    memcpy(info, &total, 4);
    static struct boot_desc bd;
    memset(&bd, 0, sizeof(bd));
    const char *why = boot_parse_mb2(info, total, 0x10000, &bd);
    if (!why && (bd.nmap > BOOT_MAP_MAX || bd.cmdline[sizeof(bd.cmdline) - 1]))
        abort();
    free(info);
    return 0;
}
