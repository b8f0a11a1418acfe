/*
 * GPT partition lookup (gpt.h). Only the primary header (LBA 1) is read; a disk whose
 * primary header is damaged is refused rather than repaired from the backup (the
 * driver does not write the table).
 */
#include "gpt.h"
#include <string.h>

#define EINVAL 22
#define ENOENT 2
#define SECTOR 512u

uint32_t gpt_crc32(const void *p, uint64_t n)
{
    const uint8_t *b = p;
    uint32_t crc = 0xffffffffu;
    for (uint64_t i = 0; i < n; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The header's fields that matter, checked. */
struct header {
    uint64_t first_usable, last_usable, entries_lba;
    uint32_t nentries, entry_size, entries_crc;
};

static int read_header(const uint8_t *h, uint64_t disk_sectors, struct header *out)
{
    uint8_t copy[SECTOR];
    uint32_t size = le32(h + 12);
    if (memcmp(h, "EFI PART", 8) || size < 92 || size > SECTOR || le64(h + 24) != 1)
        return -EINVAL;
    memcpy(copy, h, size);
    memset(copy + 16, 0, 4); /* the CRC is computed with its own field zero */
    if (gpt_crc32(copy, size) != le32(h + 16))
        return -EINVAL;
    *out = (struct header){.first_usable = le64(h + 40),
                           .last_usable = le64(h + 48),
                           .entries_lba = le64(h + 72),
                           .nentries = le32(h + 80),
                           .entry_size = le32(h + 84),
                           .entries_crc = le32(h + 88)};
    if (out->first_usable > out->last_usable || out->last_usable >= disk_sectors ||
        out->entry_size < 128 || out->entry_size > SECTOR || out->entry_size % 8 ||
        out->nentries == 0 || out->nentries > GPT_MAX_ENTRIES || out->entries_lba < 2 ||
        out->entries_lba >= disk_sectors)
        return -EINVAL;
    return 0;
}

int gpt_find(gpt_read_fn read, void *ctx, uint64_t disk_sectors, unsigned index, uint8_t *scratch,
             struct gpt_part *out)
{
    uint8_t h[SECTOR];
    struct header hd;
    int err = read(ctx, 1, 1, scratch);
    if (err)
        return err;
    memcpy(h, scratch, SECTOR);
    if ((err = read_header(h, disk_sectors, &hd)) != 0)
        return err;
    uint64_t bytes = (uint64_t)hd.nentries * hd.entry_size;
    uint32_t count = (uint32_t)((bytes + SECTOR - 1) / SECTOR);
    if (count > disk_sectors - hd.entries_lba)
        return -EINVAL;
    if ((err = read(ctx, hd.entries_lba, count, scratch)) != 0)
        return err;
    if (gpt_crc32(scratch, bytes) != hd.entries_crc)
        return -EINVAL;
    if (index == 0 || index > hd.nentries)
        return -ENOENT;
    const uint8_t *e = scratch + (uint64_t)(index - 1) * hd.entry_size;
    static const uint8_t unused[16];
    uint64_t first = le64(e + 32), last = le64(e + 40);
    if (!memcmp(e, unused, 16))
        return -ENOENT;
    if (first < hd.first_usable || last > hd.last_usable || first > last)
        return -EINVAL;
    out->first = first;
    out->sectors = last - first + 1;
    memcpy(out->type, e, 16);
    return 0;
}
