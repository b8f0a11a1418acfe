/*
 * Host tests of the Multiboot2 reader (bootinfo.c): GRUB's layout of the tags the
 * kernel reads, then damaged structures: sizes that lie, entries too small, tags past
 * the end, more regions than the map holds. With --seed FILE it writes the well-formed
 * structure as a seed for bootinfo_fuzz.
 */
#include "bootinfo.h"

#include <stdlib.h>
#include "../../tests/host/check.h"

static uint8_t info[4096];
static uint32_t used;

static void put32(uint32_t off, uint32_t v)
{
    memcpy(info + off, &v, 4);
}

static void put64(uint32_t off, uint64_t v)
{
    memcpy(info + off, &v, 8);
}

/* Appends a tag of type with payload bytes (size 8 + bytes), 8-byte aligned. */
static uint32_t tag(uint32_t type, const void *payload, uint32_t bytes)
{
    uint32_t at = used;
    put32(at, type);
    put32(at + 4, 8 + bytes);
    if (payload)
        memcpy(info + at + 8, payload, bytes);
    used = (at + 8 + bytes + 7) & ~7u;
    return at;
}

static void finish(void)
{
    tag(0, NULL, 0);
    put32(0, used);
    put32(4, 0);
}

/* What GRUB hands over on QEMU's pc machine under OVMF, in short. */
static void make_grub(void)
{
    memset(info, 0, sizeof(info));
    used = 8;
    tag(1, "console=ttyS0", 14);
    uint8_t mod[8 + 10];
    uint32_t start = 0x7e00000, end = 0x7f80000;
    memcpy(mod, &start, 4);
    memcpy(mod + 4, &end, 4);
    memcpy(mod + 8, "boot.tar\0", 10);
    tag(3, mod, sizeof(mod));
    uint32_t mm = tag(6, NULL, 8 + 3 * 24);
    put32(mm + 8, 24); /* entry size */
    put32(mm + 12, 0); /* version */
    uint64_t regions[3][2] = {{0, 0x9f000}, {0x100000, 0x7ee00000}, {0xfd00000000, 0x300000000}};
    uint32_t types[3] = {1, 1, 2};
    for (int i = 0; i < 3; i++) {
        put64(mm + 16 + i * 24, regions[i][0]);
        put64(mm + 16 + i * 24 + 8, regions[i][1]);
        put32(mm + 16 + i * 24 + 16, types[i]);
        put32(mm + 16 + i * 24 + 20, 0);
    }
    uint8_t rsdp[36] = "RSD PTR ";
    tag(15, rsdp, sizeof(rsdp));
    finish();
}

static const char *parse(struct boot_desc *bd, uint32_t total)
{
    memset(bd, 0, sizeof(*bd));
    return boot_parse_mb2(info, total, 0x10000, bd);
}

static void grub_layout_read(void)
{
    struct boot_desc bd;
    make_grub();
    CHECK(parse(&bd, used) == NULL);
    CHECK(!strcmp(bd.loader, "Multiboot2"));
    CHECK(!strcmp(bd.cmdline, "console=ttyS0"));
    CHECK_INT(bd.mod_pa, 0x7e00000);
    CHECK_INT(bd.mod_len, 0x180000);
    CHECK_INT(bd.nmap, 3);
    CHECK_INT(bd.map[1].addr, 0x100000);
    CHECK_INT(bd.map[1].size, 0x7ee00000);
    CHECK_INT(bd.map[2].type, 2);
    CHECK(bd.rsdp_pa > 0x10000 && bd.rsdp_pa < 0x10000 + used);
    CHECK(!memcmp(bd.rsdp, "RSD PTR ", 8));
}

static void sizes_that_lie_refused(void)
{
    struct boot_desc bd;
    make_grub();
    CHECK(parse(&bd, used - 8) != NULL); /* the first word says otherwise */
    CHECK(parse(&bd, 8) != NULL);
    put32(0, BOOT_INFO_MAX + 8);
    CHECK(parse(&bd, BOOT_INFO_MAX + 8) != NULL);
}

static void memory_map_entries_checked(void)
{
    struct boot_desc bd;
    make_grub();
    uint32_t mm = 64; /* after the cmdline (8..30) and module (32..57) tags */
    CHECK_INT(*(uint32_t *)(info + mm), 6);
    put32(mm + 8, 0); /* entries of 0 bytes: a loop that would not end */
    CHECK(parse(&bd, used) != NULL);
    put32(mm + 8, 16);
    CHECK(parse(&bd, used) != NULL);
    put32(mm + 8, 0xffffffffu);
    CHECK(parse(&bd, used) != NULL);
    put32(mm + 8, 48); /* bigger entries: fewer of them, each inside the tag */
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(bd.nmap, 1);
}

static void tags_past_the_end_stop(void)
{
    struct boot_desc bd;
    make_grub();
    put32(8 + 4, 0x7fffffff); /* the command line tag claims more than there is */
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(bd.nmap, 0); /* nothing after it was read */
    make_grub();
    put32(8 + 4, 4); /* a tag smaller than its header */
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(bd.nmap, 0);
}

static void module_and_cmdline_bounded(void)
{
    struct boot_desc bd;
    make_grub();
    CHECK_INT(*(uint32_t *)(info + 32), 3); /* the module tag: start at 40, end at 44 */
    put32(44, 0x7000000);                   /* it ends before it starts: not taken */
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(bd.mod_len, 0);
    memset(info, 0, sizeof(info));
    used = 8;
    char line[600];
    memset(line, 'x', sizeof(line)); /* no NUL: bounded by the tag and the copy */
    tag(1, line, sizeof(line));
    finish();
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(strlen(bd.cmdline), sizeof(bd.cmdline) - 1);
}

static void full_map_counts_dropped(void)
{
    struct boot_desc bd;
    memset(info, 0, sizeof(info));
    used = 8;
    uint32_t n = BOOT_MAP_MAX + 20;
    uint32_t mm = tag(6, NULL, 8 + n * 24);
    put32(mm + 8, 24);
    for (uint32_t i = 0; i < n; i++) {
        put64(mm + 16 + i * 24, (uint64_t)i << 20);
        put64(mm + 16 + i * 24 + 8, 1 << 20);
        put32(mm + 16 + i * 24 + 16, 1);
    }
    finish();
    CHECK(parse(&bd, used) == NULL);
    CHECK_INT(bd.nmap, BOOT_MAP_MAX);
    CHECK_INT(bd.dropped, 20);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--seed")) {
        make_grub();
        FILE *f = fopen(argv[2], "wb");
        return !f || fwrite(info, used, 1, f) != 1 || fclose(f);
    }
    static const struct check_case cases[] = {
        {"grub_layout_read", grub_layout_read},
        {"sizes_that_lie_refused", sizes_that_lie_refused},
        {"memory_map_entries_checked", memory_map_entries_checked},
        {"tags_past_the_end_stop", tags_past_the_end_stop},
        {"module_and_cmdline_bounded", module_and_cmdline_bounded},
        {"full_map_counts_dropped", full_map_counts_dropped},
    };
    return check_run("bootinfo", cases, sizeof(cases) / sizeof(cases[0])) ? 1 : 0;
}
