/*
 * The host build's block devices for the FAT plugin (host_blockdev.c): images by label.
 */
#ifndef FAT_HOST_BLOCKDEV_H
#define FAT_HOST_BLOCKDEV_H

#include "blockdev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* label= names this image file (opened read-write at mount). */
void fat_host_image(const char *label, const char *path);
/* label= names this buffer of len bytes (the caller keeps it). */
void fat_host_memory(const char *label, uint8_t *mem, size_t len);
/* Counters of device calls, and a switch making every access fail. */
extern unsigned fat_host_flushes, fat_host_writes, fat_host_reads;
extern bool fat_host_fail;
/* When set, the image file is copied to fat_host_snapshot_path just before the
 * write that makes fat_host_writes equal fat_host_snapshot_at (a simulated crash). */
extern unsigned fat_host_snapshot_at;
extern const char *fat_host_snapshot_path;
/* When set, called with every write before it is done (image files and memory). */
extern void (*fat_host_write_log)(uint64_t lba, uint32_t count, uint32_t sector_size,
                                  const void *buf);
/* The end of the highest write to a memory device so far. */
extern size_t fat_host_mem_high;

#endif
