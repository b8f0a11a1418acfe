/*
 * GPT (UEFI specification, chapter 5): finds partition N of a disk, so that a Block
 * session can be one partition (`policy ... partition=N`, docs/block-protocol.md).
 * Everything on the disk is untrusted: the header's CRC32, its size, the entries' size
 * and count, their CRC32 and each partition's range are checked; a partition must lie
 * inside the disk's usable area. Freestanding; the host test and the fuzzer call it
 * with images in memory.
 */
#ifndef CAPIX_GPT_H
#define CAPIX_GPT_H

#include <stdint.h>

/* Reads count 512-byte sectors from lba into buf; 0 or a negative errno. */
typedef int (*gpt_read_fn)(void *ctx, uint64_t lba, uint32_t count, void *buf);

struct gpt_part {
    uint64_t first, sectors; /* in 512-byte sectors */
    uint8_t type[16];        /* the partition type GUID, as stored */
};

#define GPT_MAX_ENTRIES 128

/* Finds partition index (1-based, as Linux numbers them) of a disk of disk_sectors
 * 512-byte sectors; every read goes into scratch, which must hold GPT_MAX_ENTRIES * 128
 * bytes. Returns 0, -ENOENT
 * (no such partition, or an unused entry), -EINVAL (no valid GPT), or read's error. */
int gpt_find(gpt_read_fn read, void *ctx, uint64_t disk_sectors, unsigned index, uint8_t *scratch,
             struct gpt_part *out);

/* CRC-32 (IEEE 802.3, as GPT uses it) of n bytes. */
uint32_t gpt_crc32(const void *p, uint64_t n);

#endif
