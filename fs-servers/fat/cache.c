/*
 * The block cache of a FAT mount: FAT_CACHE_SECTORS file-system sectors, found by a
 * hash of their number and evicted by a clock hand (a used bit per sector).
 *
 * Writes go to the cache only (write-back); dirty sectors reach the device at
 * fat_cache_sync (fsync, sync, unmount) or when evicted. Sync writes them in the
 * order that keeps the volume consistent: file data first, then the FAT (every copy
 * is a sector of its own here), then directory sectors, then a device flush. A dirty
 * FAT or directory sector that must be evicted first writes back all dirty sectors of
 * the kinds before it and flushes, so metadata never points at data still in memory.
 */
#include "fat_internal.h"

#include <string.h>

static uint32_t hash_of(const struct fat_cache *c, uint64_t sec)
{
    return (uint32_t)((sec * 0x9e3779b97f4a7c15ull) >> 40) & (c->nhash - 1);
}

/* Allocates the cache. */
int fat_cache_init(struct fat_fs *f)
{
    struct fat_cache *c = &f->cache;
    const struct vfs_env *env = f->fs.env;
    uint32_t i;
    c->n = FAT_CACHE_SECTORS;
    c->bsize = f->bps;
    c->nhash = 4096;
    c->blocks = vfs_zalloc(env, c->n * sizeof *c->blocks);
    c->hash = vfs_zalloc(env, c->nhash * sizeof *c->hash);
    c->mem = vfs_zalloc(env, (size_t)c->n * f->bps);
    if (!c->blocks || !c->hash || !c->mem) {
        fat_cache_free(f);
        return -ENOMEM;
    }
    for (i = 0; i < c->n; i++) {
        c->blocks[i].sec = UINT64_MAX;
        c->blocks[i].data = c->mem + (size_t)i * f->bps;
    }
    return 0;
}

/* Frees the cache (dirty sectors are lost: sync first). */
void fat_cache_free(struct fat_fs *f)
{
    struct fat_cache *c = &f->cache;
    const struct vfs_env *env = f->fs.env;
    if (c->blocks)
        vfs_free(env, c->blocks, c->n * sizeof *c->blocks);
    if (c->hash)
        vfs_free(env, c->hash, c->nhash * sizeof *c->hash);
    if (c->mem)
        vfs_free(env, c->mem, (size_t)c->n * c->bsize);
    memset(c, 0, sizeof *c);
}

static int dev_io(struct fat_fs *f, uint64_t sec, void *buf, bool write)
{
    uint64_t lba = sec * f->dev_per_sec;
    int rc;
    if (sec >= f->total_sectors)
        return -EIO;
    if (write)
        rc = f->dev->write(f->dev->ctx, lba, f->dev_per_sec, buf);
    else
        rc = f->dev->read(f->dev->ctx, lba, f->dev_per_sec, buf);
    if (rc < 0) {
        if (!f->io_error)
            vfs_log(f->fs.env, "fat: device %s error %d at sector %llu", write ? "write" : "read",
                    rc, (unsigned long long)sec);
        f->io_error = true;
        return -EIO;
    }
    return 0;
}

static int write_back(struct fat_fs *f, struct fat_cblock *b)
{
    int rc;
    if (!b->dirty)
        return 0;
    rc = dev_io(f, b->sec, b->data, true);
    if (rc < 0)
        return rc;
    b->dirty = false;
    f->cache.ndirty--;
    return 0;
}

static int write_back_kind(struct fat_fs *f, enum fat_kind kind, bool *wrote)
{
    struct fat_cache *c = &f->cache;
    uint32_t i;
    int rc, err = 0;
    for (i = 0; i < c->n && c->ndirty; i++) {
        struct fat_cblock *b = &c->blocks[i];
        if (!b->dirty || b->kind != kind)
            continue;
        rc = write_back(f, b);
        if (rc < 0)
            err = rc;
        else
            *wrote = true;
    }
    return err;
}

/* Writes back everything, in order, and flushes the device. */
int fat_cache_sync(struct fat_fs *f)
{
    bool wrote = false;
    int rc = 0, k;
    for (k = 0; k < FAT_K_NKINDS; k++) {
        int r = write_back_kind(f, (enum fat_kind)k, &wrote);
        if (r < 0)
            rc = r;
    }
    if (f->dev->flush && f->dev->write) {
        int r = f->dev->flush(f->dev->ctx);
        if (r < 0)
            rc = -EIO;
    }
    return rc;
}

static void unhash(struct fat_cache *c, struct fat_cblock *b)
{
    struct fat_cblock **pp = &c->hash[hash_of(c, b->sec)];
    while (*pp && *pp != b)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = b->hnext;
    b->sec = UINT64_MAX;
}

/* Picks a victim with the clock and makes it clean; returns it unhashed. */
static int evict(struct fat_fs *f, struct fat_cblock **out)
{
    struct fat_cache *c = &f->cache;
    struct fat_cblock *b;
    bool wrote = false;
    int rc, k;
    for (;;) {
        b = &c->blocks[c->hand];
        c->hand = (c->hand + 1) % c->n;
        if (b->used && b->sec != UINT64_MAX) {
            b->used = false;
            continue;
        }
        break;
    }
    if (b->dirty) {
        for (k = 0; k < b->kind; k++) {
            rc = write_back_kind(f, (enum fat_kind)k, &wrote);
            if (rc < 0)
                return rc;
        }
        if (wrote && f->dev->flush && f->dev->flush(f->dev->ctx) < 0)
            return -EIO;
        rc = write_back(f, b);
        if (rc < 0)
            return rc;
    }
    if (b->sec != UINT64_MAX)
        unhash(c, b);
    *out = b;
    return 0;
}

static struct fat_cblock *find(struct fat_cache *c, uint64_t sec)
{
    struct fat_cblock *b = c->hash[hash_of(c, sec)];
    while (b && b->sec != sec)
        b = b->hnext;
    return b;
}

/* Returns sector sec through the cache. */
int fat_cache_get(struct fat_fs *f, uint64_t sec, enum fat_kind kind, bool whole, uint8_t **out)
{
    struct fat_cache *c = &f->cache;
    struct fat_cblock *b = find(c, sec);
    uint32_t h;
    int rc;
    if (!b) {
        if (sec >= f->total_sectors)
            return -EIO;
        rc = evict(f, &b);
        if (rc < 0)
            return rc;
        if (whole) {
            memset(b->data, 0, f->bps);
        } else {
            rc = dev_io(f, sec, b->data, false);
            if (rc < 0)
                return rc;
        }
        b->sec = sec;
        b->kind = (uint8_t)kind;
        h = hash_of(c, sec);
        b->hnext = c->hash[h];
        c->hash[h] = b;
    }
    b->used = true;
    if (!b->dirty)
        b->kind = (uint8_t)kind;
    *out = b->data;
    return 0;
}

/* Marks sector sec (in the cache) dirty. */
void fat_cache_dirty(struct fat_fs *f, uint64_t sec)
{
    struct fat_cblock *b = find(&f->cache, sec);
    if (b && !b->dirty) {
        b->dirty = true;
        f->cache.ndirty++;
    }
}

static int copy(struct fat_fs *f, uint64_t off, void *buf, const void *src, size_t n,
                enum fat_kind kind)
{
    uint8_t *p;
    int rc;
    while (n) {
        uint64_t sec = off / f->bps;
        uint32_t in = (uint32_t)(off % f->bps);
        size_t chunk = f->bps - in < n ? f->bps - in : n;
        rc = fat_cache_get(f, sec, kind, src && in == 0 && chunk == f->bps, &p);
        if (rc < 0)
            return rc;
        if (src) {
            memcpy(p + in, src, chunk);
            fat_cache_dirty(f, sec);
            src = (const uint8_t *)src + chunk;
        } else {
            memcpy(buf, p + in, chunk);
            buf = (uint8_t *)buf + chunk;
        }
        off += chunk;
        n -= chunk;
    }
    return 0;
}

/* Reads n bytes at byte offset off. */
int fat_cache_read(struct fat_fs *f, uint64_t off, void *buf, size_t n, enum fat_kind kind)
{
    return copy(f, off, buf, NULL, n, kind);
}

/* Writes n bytes at byte offset off. */
int fat_cache_write(struct fat_fs *f, uint64_t off, const void *buf, size_t n, enum fat_kind kind)
{
    return copy(f, off, NULL, buf, n, kind);
}
