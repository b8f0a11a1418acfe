/*
 * The boot sector and the file allocation table (Microsoft's FAT specification):
 * geometry and type (FAT12/16/32 by the count of data clusters, as the specification
 * says), FAT entries in every copy, allocation with a next-free hint, FSInfo (its free
 * count is used only when plausible and is kept up to date), and the clean-shutdown
 * bit in FAT[1]. Every cluster number read from the disk is checked against the range;
 * chain walks stop after `clusters` steps (a longer chain loops: -EIO).
 */
#include "fat_internal.h"

#include <string.h>

#define FSINFO_LEAD 0x41615252u
#define FSINFO_STRUC 0x61417272u
#define FSINFO_TRAIL 0xaa550000u

static bool pow2(uint32_t v)
{
    return v && (v & (v - 1)) == 0;
}

/* Checks the BPB fields shared by every type; fills the raw geometry. */
static int boot_fields(struct fat_fs *f, const uint8_t *b)
{
    uint32_t fat16 = fat_le16(b + 22), tot16 = fat_le16(b + 19);
    f->bps = fat_le16(b + 11);
    f->spc = b[13];
    f->rsvd = fat_le16(b + 14);
    f->nfats = b[16];
    f->root_entries = fat_le16(b + 17);
    f->total_sectors = tot16 ? tot16 : fat_le32(b + 32);
    f->fat_sectors = fat16 ? fat16 : fat_le32(b + 36);
    if (b[510] != 0x55 || b[511] != 0xaa)
        return -EINVAL;
    if (f->bps < 512 || f->bps > 4096 || !pow2(f->bps) || !pow2(f->spc))
        return -EINVAL;
    if (f->rsvd == 0 || f->nfats == 0 || f->nfats > 4 || f->fat_sectors == 0)
        return -EINVAL;
    if ((uint64_t)f->bps * f->spc > 65536)
        return -EINVAL;
    if (f->bps < f->dev->sector_size || f->bps % f->dev->sector_size)
        return -EINVAL;
    f->dev_per_sec = f->bps / f->dev->sector_size;
    if (f->total_sectors == 0 || f->total_sectors > f->dev->sectors / f->dev_per_sec)
        return -EINVAL;
    f->cluster_bytes = f->bps * f->spc;
    return 0;
}

/* Reads and checks the boot sector (the cache is set up for sector 0 with the device's
 * sector size); sets type, regions and cluster count. */
int fat_read_boot(struct fat_fs *f)
{
    uint8_t *b;
    uint64_t meta, data;
    uint64_t fat_entries;
    int rc;
    rc = fat_cache_get(f, 0, FAT_K_DIR, false, &b);
    if (rc < 0)
        return rc;
    rc = boot_fields(f, b);
    if (rc < 0)
        return rc;
    f->root_sectors = (f->root_entries * FAT_SLOT + f->bps - 1) / f->bps;
    meta = (uint64_t)f->rsvd + (uint64_t)f->nfats * f->fat_sectors + f->root_sectors;
    if (meta >= f->total_sectors)
        return -EINVAL;
    data = f->total_sectors - meta;
    if (data / f->spc > 0x0ffffff5u)
        return -EINVAL;
    f->clusters = (uint32_t)(data / f->spc);
    f->type = f->clusters < 4085 ? FAT12 : f->clusters < 65525 ? FAT16 : FAT32;
    f->fat_start = f->rsvd;
    f->root_start = f->fat_start + (uint64_t)f->nfats * f->fat_sectors;
    f->data_start = f->root_start + f->root_sectors;
    fat_entries = (uint64_t)f->fat_sectors * f->bps * 8 / (uint32_t)f->type;
    if (fat_entries < (uint64_t)f->clusters + 2 || f->clusters == 0)
        return -EINVAL;
    if (f->type == FAT32) {
        if (f->root_entries != 0 || fat_le16(b + 22) != 0 || fat_le16(b + 42) != 0)
            return -EINVAL;
        f->root_cluster = fat_le32(b + 44);
        f->fsinfo_sec = fat_le16(b + 48);
        if (!fat_cluster_ok(f, f->root_cluster))
            return -EINVAL;
        if (f->fsinfo_sec == 0 || f->fsinfo_sec >= f->rsvd)
            f->fsinfo_sec = 0;
    } else if (f->root_entries == 0) {
        return -EINVAL;
    }
    return 0;
}

/* True if cl names a data cluster of this volume. */
bool fat_cluster_ok(const struct fat_fs *f, uint32_t cl)
{
    return cl >= 2 && cl - 2 < f->clusters;
}

/* The device byte offset of cluster cl (checked by the caller). */
uint64_t fat_cluster_off(const struct fat_fs *f, uint32_t cl)
{
    return (f->data_start + (uint64_t)(cl - 2) * f->spc) * f->bps;
}

static uint64_t entry_off(const struct fat_fs *f, unsigned copy, uint32_t cl)
{
    uint64_t base = (f->fat_start + (uint64_t)copy * f->fat_sectors) * f->bps;
    if (f->type == FAT12)
        return base + cl + cl / 2;
    return base + (uint64_t)cl * ((uint32_t)f->type / 8);
}

static int get_raw(struct fat_fs *f, uint32_t cl, uint32_t *val)
{
    uint8_t b[4] = {0};
    int rc = fat_cache_read(f, entry_off(f, 0, cl), b, f->type == FAT32 ? 4 : 2, FAT_K_FAT);
    if (rc < 0)
        return rc;
    if (f->type == FAT12)
        *val = cl & 1 ? fat_le16(b) >> 4 : fat_le16(b) & 0xfff;
    else if (f->type == FAT16)
        *val = fat_le16(b);
    else
        *val = fat_le32(b);
    return 0;
}

static int set_raw(struct fat_fs *f, uint32_t cl, uint32_t val)
{
    unsigned c;
    int rc;
    for (c = 0; c < f->nfats; c++) {
        uint8_t b[4];
        uint64_t off = entry_off(f, c, cl);
        size_t n = f->type == FAT32 ? 4 : 2;
        rc = fat_cache_read(f, off, b, n, FAT_K_FAT);
        if (rc < 0)
            return rc;
        if (f->type == FAT12) {
            uint16_t old = fat_le16(b);
            uint16_t v = cl & 1 ? (uint16_t)((old & 0x000f) | (val & 0xfff) << 4)
                                : (uint16_t)((old & 0xf000) | (val & 0xfff));
            fat_put16(b, v);
        } else if (f->type == FAT16) {
            fat_put16(b, (uint16_t)val);
        } else {
            fat_put32(b, (fat_le32(b) & 0xf0000000u) | (val & 0x0fffffffu));
        }
        rc = fat_cache_write(f, off, b, n, FAT_K_FAT);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The FAT entry of cl, end-of-chain values folded to FAT_EOC. */
int fat_get(struct fat_fs *f, uint32_t cl, uint32_t *val)
{
    uint32_t v, eoc = f->type == FAT12 ? 0xff8 : f->type == FAT16 ? 0xfff8 : 0x0ffffff8;
    int rc = get_raw(f, cl, &v);
    if (rc < 0)
        return rc;
    if (f->type == FAT32)
        v &= 0x0fffffffu;
    *val = v >= eoc ? FAT_EOC : v;
    return 0;
}

/* Sets the FAT entry of cl in every copy. */
int fat_set(struct fat_fs *f, uint32_t cl, uint32_t val)
{
    if (!fat_cluster_ok(f, cl))
        return -EIO;
    return set_raw(f, cl, val);
}

/* The next cluster of a chain. */
int fat_next(struct fat_fs *f, uint32_t cl, uint32_t *next)
{
    uint32_t v;
    int rc;
    if (!fat_cluster_ok(f, cl))
        return -EIO;
    rc = fat_get(f, cl, &v);
    if (rc < 0)
        return rc;
    if (v == FAT_EOC) {
        *next = 0;
        return 0;
    }
    if (!fat_cluster_ok(f, v))
        return -EIO;
    *next = v;
    return 0;
}

/* Queues the chain from cl for freeing at the next checkpoint. */
int fat_defer_free(struct fat_fs *f, uint32_t cl)
{
    const struct vfs_env *env = f->fs.env;
    if (!cl)
        return 0;
    fat_index_forget(f, cl); /* a directory's chain: its index goes with it */
    if (f->npending == f->cap_pending) {
        uint32_t cap = f->cap_pending ? f->cap_pending * 2 : 16;
        uint32_t *p = vfs_zalloc(env, cap * sizeof *p);
        if (!p)
            return fat_free_chain(f, cl); /* no memory: free now (the old order) */
        if (f->pending) {
            memcpy(p, f->pending, f->npending * sizeof *p);
            vfs_free(env, f->pending, f->cap_pending * sizeof *p);
        }
        f->pending = p;
        f->cap_pending = cap;
    }
    f->pending[f->npending++] = cl;
    return 0;
}

/* Writes back, then frees the queued chains. */
int fat_checkpoint(struct fat_fs *f)
{
    int rc = fat_cache_sync(f), r;
    if (rc < 0)
        return rc;
    while (f->npending) {
        r = fat_free_chain(f, f->pending[--f->npending]);
        if (r < 0)
            vfs_log(f->fs.env, "fat: a chain to free is broken (lost clusters remain)");
    }
    return 0;
}

/* Counts the clusters of a chain. */
int fat_chain_len(struct fat_fs *f, uint32_t cl, uint32_t *len)
{
    uint32_t n = 0;
    int rc;
    while (cl) {
        if (n >= f->clusters)
            return -EIO;
        n++;
        rc = fat_next(f, cl, &cl);
        if (rc < 0)
            return rc;
    }
    *len = n;
    return 0;
}

static int zero_cluster(struct fat_fs *f, uint32_t cl)
{
    uint64_t sec = fat_cluster_off(f, cl) / f->bps;
    uint32_t i;
    uint8_t *p;
    int rc;
    for (i = 0; i < f->spc; i++) {
        /* DATA: it reaches the disk before the FAT and the entry that point at it */
        rc = fat_cache_get(f, sec + i, FAT_K_DATA, true, &p);
        if (rc < 0)
            return rc;
        memset(p, 0, f->bps);
        fat_cache_dirty(f, sec + i);
    }
    return 0;
}

/* Allocates one cluster at the end of the chain whose last cluster is prev. */
int fat_alloc(struct fat_fs *f, uint32_t prev, bool zero, uint32_t *out)
{
    uint32_t i, cl, v;
    int rc;
    if (f->free_known && f->free_count == 0 && !f->npending)
        return -ENOSPC;
    cl = fat_cluster_ok(f, f->next_free) ? f->next_free : 2;
    for (i = 0; i < f->clusters; i++, cl = cl + 1 - 2 >= f->clusters ? 2 : cl + 1) {
        rc = fat_get(f, cl, &v);
        if (rc < 0)
            return rc;
        if (v != 0)
            continue;
        if (zero && (rc = zero_cluster(f, cl)) < 0)
            return rc;
        rc = fat_set(f, cl, FAT_EOC);
        if (rc == 0 && prev)
            rc = fat_set(f, prev, cl);
        if (rc < 0)
            return rc;
        if (f->free_known && f->free_count)
            f->free_count--;
        f->next_free = cl + 1 - 2 >= f->clusters ? 2 : cl + 1;
        f->fsinfo_dirty = true;
        *out = cl;
        return 0;
    }
    if (f->npending) { /* chains waiting to be freed: free them and look again */
        rc = fat_checkpoint(f);
        return rc < 0 ? rc : fat_alloc(f, prev, zero, out);
    }
    f->free_count = 0;
    f->free_known = true;
    return -ENOSPC;
}

/* Frees the chain from cl on. */
int fat_free_chain(struct fat_fs *f, uint32_t cl)
{
    uint32_t n = 0, next;
    int rc;
    fat_index_forget(f, cl); /* a directory's chain: its index goes with it */
    while (cl) {
        if (n++ >= f->clusters)
            return -EIO;
        rc = fat_next(f, cl, &next);
        if (rc < 0)
            return rc;
        rc = fat_set(f, cl, 0);
        if (rc < 0)
            return rc;
        if (f->free_known && f->free_count < f->clusters)
            f->free_count++;
        f->fsinfo_dirty = true;
        cl = next;
    }
    return 0;
}

/* Reads FSInfo; true if it gave a plausible free count. */
static bool read_fsinfo(struct fat_fs *f)
{
    uint8_t *p;
    uint32_t freec, next;
    if (!f->fsinfo_sec || fat_cache_get(f, f->fsinfo_sec, FAT_K_FAT, false, &p) < 0)
        return false;
    if (fat_le32(p) != FSINFO_LEAD || fat_le32(p + 484) != FSINFO_STRUC ||
        fat_le32(p + 508) != FSINFO_TRAIL) {
        f->fsinfo_sec = 0;
        return false;
    }
    freec = fat_le32(p + 488);
    next = fat_le32(p + 492);
    if (fat_cluster_ok(f, next))
        f->next_free = next;
    if (freec > f->clusters)
        return false;
    f->free_count = freec;
    return true;
}

/* Finds the free-cluster count: FSInfo if plausible, or a count of the FAT. */
int fat_count_free(struct fat_fs *f)
{
    uint32_t cl, v, n = 0;
    int rc;
    if (read_fsinfo(f)) {
        f->free_known = true;
        return 0;
    }
    for (cl = 2; cl - 2 < f->clusters; cl++) {
        rc = fat_get(f, cl, &v);
        if (rc < 0)
            return rc;
        n += v == 0;
    }
    f->free_count = n;
    f->free_known = true;
    f->fsinfo_dirty = true;
    return 0;
}

static int write_fsinfo(struct fat_fs *f)
{
    uint8_t *p;
    int rc;
    if (!f->fsinfo_sec || !f->fsinfo_dirty)
        return 0;
    rc = fat_cache_get(f, f->fsinfo_sec, FAT_K_FAT, false, &p);
    if (rc < 0)
        return rc;
    fat_put32(p + 488, f->free_known ? f->free_count : 0xffffffffu);
    fat_put32(p + 492, fat_cluster_ok(f, f->next_free) ? f->next_free : 0xffffffffu);
    fat_cache_dirty(f, f->fsinfo_sec);
    f->fsinfo_dirty = false;
    return 0;
}

/* Sets (clean) or clears the clean-shutdown bit of FAT[1] and writes FSInfo. */
int fat_set_clean(struct fat_fs *f, bool clean)
{
    uint32_t v, bit = f->type == FAT16 ? 0x8000u : 0x08000000u;
    int rc;
    if (f->ro)
        return 0;
    if (clean && (rc = write_fsinfo(f)) < 0)
        return rc;
    if (f->type == FAT12)
        return 0;
    rc = get_raw(f, 1, &v);
    if (rc < 0)
        return rc;
    if (clean == !!(v & bit))
        return 0;
    return set_raw(f, 1, clean ? v | bit : v & ~bit);
}
