/*
 * The block cache of a FAT mount: cache= bytes of file-system sectors (FAT_CACHE_BYTES
 * unless the mount says), found by a hash of their number (a quarter as many chains as
 * sectors, at least 4096) and evicted by a clock hand (a used bit per sector).
 *
 * Writes go to the cache only (write-back); dirty sectors reach the device at
 * fat_cache_sync (fsync, sync, unmount) or when evicted. Sync writes them in the
 * order that keeps the volume consistent: file data first, then the FAT (every copy
 * is a sector of its own here), then directory sectors, then a device flush. A dirty
 * data sector that must be evicted is written alone; a dirty FAT or directory sector
 * makes the whole cache written back in that order first (a checkpoint), so metadata
 * never points at data still in memory and the FAT and directories reach the disk
 * together.
 *
 * Device calls carry up to FAT_CACHE_RUN sectors: write-back sorts the dirty sectors of
 * a kind and writes each run of consecutive ones at once; a missed data sector is read
 * together with the rest of its cluster and the clusters that follow it on the disk
 * while the chain goes on to them (read-ahead), when those are not cached yet.
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
    uint64_t bytes = f->cache_bytes ? f->cache_bytes : FAT_CACHE_BYTES;
    c->n = (uint32_t)(bytes / f->bps); /* FAT_CACHE_MIN..MAX: 16 to 2 Mi sectors */
    c->bsize = f->bps;
    c->nhash = 4096;
    while (c->nhash < c->n / 4)
        c->nhash *= 2;
    c->blocks = vfs_zalloc(env, c->n * sizeof *c->blocks);
    c->hash = vfs_zalloc(env, c->nhash * sizeof *c->hash);
    c->mem = vfs_zalloc(env, (size_t)c->n * f->bps);
    c->rbounce = vfs_zalloc(env, (size_t)FAT_CACHE_RUN * f->bps);
    c->wbounce = vfs_zalloc(env, (size_t)FAT_CACHE_RUN * f->bps);
    c->order = vfs_zalloc(env, c->n * sizeof *c->order);
    if (!c->blocks || !c->hash || !c->mem || !c->rbounce || !c->wbounce || !c->order) {
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
    if (c->rbounce)
        vfs_free(env, c->rbounce, (size_t)FAT_CACHE_RUN * c->bsize);
    if (c->wbounce)
        vfs_free(env, c->wbounce, (size_t)FAT_CACHE_RUN * c->bsize);
    if (c->order)
        vfs_free(env, c->order, c->n * sizeof *c->order);
    memset(c, 0, sizeof *c);
}

/* Moves count sectors from sec on between buf and the device. */
static int dev_io(struct fat_fs *f, uint64_t sec, uint32_t count, void *buf, bool write)
{
    uint64_t lba = sec * f->dev_per_sec;
    int rc;
    if (sec >= f->total_sectors || count > f->total_sectors - sec)
        return -EIO;
    if (write)
        rc = f->dev->write(f->dev->ctx, lba, count * f->dev_per_sec, buf);
    else
        rc = f->dev->read(f->dev->ctx, lba, count * f->dev_per_sec, buf);
    if (rc < 0) {
        if (!f->io_error)
            vfs_log(f->fs.env, "fat: device %s error %d at sector %llu", write ? "write" : "read",
                    rc, (unsigned long long)sec);
        f->io_error = true;
        return -EIO;
    }
    return 0;
}

static struct fat_cblock *find(struct fat_cache *c, uint64_t sec);

static int write_back(struct fat_fs *f, struct fat_cblock *b)
{
    int rc;
    if (!b->dirty)
        return 0;
    rc = dev_io(f, b->sec, 1, b->data, true);
    if (rc < 0)
        return rc;
    b->dirty = false;
    f->cache.ndirty--;
    return 0;
}

static void swap(struct fat_cblock **a, uint32_t i, uint32_t j)
{
    struct fat_cblock *t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Lets a[root] sink to its place in the max-heap a[0..end). */
static void sift(struct fat_cblock **a, uint32_t root, uint32_t end)
{
    uint32_t child;
    while ((child = 2 * root + 1) < end) {
        if (child + 1 < end && a[child + 1]->sec > a[child]->sec)
            child++;
        if (a[root]->sec >= a[child]->sec)
            return;
        swap(a, root, child);
        root = child;
    }
}

/* Sorts a[0..n) by sector (heap sort: no recursion, no allocation). */
static void sort_blocks(struct fat_cblock **a, uint32_t n)
{
    uint32_t i;
    for (i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (i = n; i-- > 1;) {
        swap(a, 0, i);
        sift(a, 0, i);
    }
}

/* Writes one run of sorted dirty blocks with consecutive sectors in one call. */
static int write_run(struct fat_fs *f, struct fat_cblock **run, uint32_t n)
{
    uint32_t i;
    int rc;
    if (n == 1)
        return write_back(f, run[0]);
    for (i = 0; i < n; i++)
        memcpy(f->cache.wbounce + (size_t)i * f->bps, run[i]->data, f->bps);
    rc = dev_io(f, run[0]->sec, n, f->cache.wbounce, true);
    if (rc < 0)
        return rc;
    for (i = 0; i < n; i++) {
        run[i]->dirty = false;
        f->cache.ndirty--;
    }
    return 0;
}

static int write_back_kind(struct fat_fs *f, enum fat_kind kind, bool *wrote)
{
    struct fat_cache *c = &f->cache;
    uint32_t i, n = 0, start;
    int rc, err = 0;
    for (i = 0; i < c->n && n < c->ndirty; i++)
        if (c->blocks[i].dirty && c->blocks[i].kind == kind)
            c->order[n++] = &c->blocks[i];
    sort_blocks(c->order, n);
    for (start = 0; start < n; start = i) {
        for (i = start + 1;
             i < n && i - start < FAT_CACHE_RUN && c->order[i]->sec == c->order[i - 1]->sec + 1;
             i++)
            ;
        rc = write_run(f, c->order + start, i - start);
        if (rc < 0)
            err = rc;
        else
            *wrote = true;
    }
    return err;
}

/*
 * Writes the dirty sectors among [sec, sec + n) back now, runs of them in one call each.
 * For a directory's new cluster, zeroed: it must be on the disk before the FAT entry
 * that links it, which any later write-back may write; once written it is clean, so the
 * entries put into it later are directory sectors, written after the FAT entries they
 * name. (A whole write-back here, as before, cost a sync each time a directory grew.)
 */
int fat_cache_write_through(struct fat_fs *f, uint64_t sec, uint32_t n)
{
    struct fat_cache *c = &f->cache;
    uint32_t i, k = 0, start;
    int rc;
    for (i = 0; i < n && k < FAT_CACHE_RUN; i++) {
        struct fat_cblock *b = find(c, sec + i);
        if (b && b->dirty)
            c->order[k++] = b;
    }
    for (start = 0; start < k; start = i) {
        for (i = start + 1; i < k && c->order[i]->sec == c->order[i - 1]->sec + 1; i++)
            ;
        rc = write_run(f, c->order + start, i - start);
        if (rc < 0)
            return rc;
    }
    return 0;
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
    int rc;
    for (;;) {
        b = &c->blocks[c->hand];
        c->hand = (c->hand + 1) % c->n;
        if (b->used && b->sec != UINT64_MAX) {
            b->used = false;
            continue;
        }
        break;
    }
    if (b->dirty && b->kind == FAT_K_DATA) {
        rc = write_back(f, b);
        if (rc < 0)
            return rc;
    } else if (b->dirty) {
        rc = fat_cache_sync(f); /* a checkpoint: everything, in order */
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

/* Takes a clean block for sec (not cached) out of the clock, hashed, holding data. */
static int install(struct fat_fs *f, uint64_t sec, enum fat_kind kind, const uint8_t *data,
                   struct fat_cblock **out)
{
    struct fat_cache *c = &f->cache;
    struct fat_cblock *b;
    uint32_t h;
    int rc = evict(f, &b);
    if (rc < 0)
        return rc;
    if (data)
        memcpy(b->data, data, f->bps);
    else
        memset(b->data, 0, f->bps);
    b->sec = sec;
    b->kind = (uint8_t)kind;
    b->used = false;
    h = hash_of(c, sec);
    b->hnext = c->hash[h];
    c->hash[h] = b;
    *out = b;
    return 0;
}

/* How many sectors from sec on to read at once (data sectors only): the rest of its
 * cluster, and on into the next clusters while the chain goes on to the cluster right
 * after (a file written in one go lies that way), up to FAT_CACHE_RUN sectors and to the
 * first one already cached. Reading ahead changes nothing on the disk. */
static uint32_t read_run(struct fat_fs *f, uint64_t sec, enum fat_kind kind)
{
    uint64_t end;
    uint32_t n = 1, cl, next;
    if (kind != FAT_K_DATA || sec < f->data_start)
        return 1;
    end = sec + (f->spc - (sec - f->data_start) % f->spc);
    cl = (uint32_t)((sec - f->data_start) / f->spc) + 2;
    for (;;) {
        while (n < FAT_CACHE_RUN && sec + n < end && sec + n < f->total_sectors &&
               !find(&f->cache, sec + n))
            n++;
        if (n == FAT_CACHE_RUN || sec + n < end || sec + n >= f->total_sectors)
            return n; /* the limit, a cached sector, or the volume's end */
        if (fat_get(f, cl, &next) || next != cl + 1)
            return n; /* the chain ends or jumps */
        cl++;
        end += f->spc;
    }
}

/* Reads sector sec (and maybe the sectors after it) into the cache. The sectors are
 * installed in their order, so that the clock hand, where it finds no block in use,
 * puts them into consecutive blocks (copy() then moves them at once). */
static int fill(struct fat_fs *f, uint64_t sec, enum fat_kind kind, struct fat_cblock **out)
{
    uint32_t n = read_run(f, sec, kind), i;
    struct fat_cblock *b, *first = NULL;
    int rc = dev_io(f, sec, n, f->cache.rbounce, false);
    if (rc < 0)
        return rc;
    for (i = 0; i < n; i++) {
        /* evicting may write back (through wbounce), never through rbounce */
        rc = install(f, sec + i, kind, f->cache.rbounce + (size_t)i * f->bps, &b);
        if (rc < 0)
            return rc;
        if (!first) {
            first = b;
            b->used = true; /* the clock passes over it while the rest go in */
        }
    }
    if (first->sec != sec) /* a cache smaller than two runs took it back meanwhile */
        return install(f, sec, kind, f->cache.rbounce, out);
    *out = first;
    return 0;
}

/* The block holding sector sec, read in (or, whole, zeroed: the caller overwrites it
 * all) if missing, marked used. */
static int get_block(struct fat_fs *f, uint64_t sec, enum fat_kind kind, bool whole,
                     struct fat_cblock **out)
{
    struct fat_cblock *b = find(&f->cache, sec);
    int rc;
    if (!b) {
        if (sec >= f->total_sectors)
            return -EIO;
        rc = whole ? install(f, sec, kind, NULL, &b) : fill(f, sec, kind, &b);
        if (rc < 0)
            return rc;
    }
    b->used = true;
    if (!b->dirty)
        b->kind = (uint8_t)kind;
    *out = b;
    return 0;
}

/* Returns sector sec through the cache. */
int fat_cache_get(struct fat_fs *f, uint64_t sec, enum fat_kind kind, bool whole, uint8_t **out)
{
    struct fat_cblock *b;
    int rc = get_block(f, sec, kind, whole, &b);
    if (rc < 0)
        return rc;
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

/* Moves n bytes at off between the cache and buf (or src): a sector at a time, and at
 * once across the sectors that follow it in the next blocks (their data is contiguous:
 * block i holds mem + i * bps), without a hash look-up each. */
static int copy(struct fat_fs *f, uint64_t off, void *buf, const void *src, size_t n,
                enum fat_kind kind)
{
    struct fat_cache *c = &f->cache;
    struct fat_cblock *b, *nb, *end = c->blocks + c->n;
    int rc;
    while (n) {
        uint64_t sec = off / f->bps;
        uint32_t in = (uint32_t)(off % f->bps);
        size_t chunk = f->bps - in < n ? f->bps - in : n;
        rc = get_block(f, sec, kind, src && in == 0 && chunk == f->bps, &b);
        if (rc < 0)
            return rc;
        if (src && !b->dirty) {
            b->dirty = true;
            c->ndirty++;
        }
        if (!src) { /* a clean block's kind is set when it is next got for a change */
            for (nb = b + 1; chunk < n && nb < end && nb->sec == ++sec; nb++) {
                nb->used = true;
                chunk += f->bps < n - chunk ? f->bps : n - chunk;
            }
        }
        for (nb = b + 1; src && chunk < n && nb < end && nb->sec == ++sec; nb++) {
            nb->used = true;
            if (!nb->dirty) {
                nb->kind = (uint8_t)kind;
                nb->dirty = true;
                c->ndirty++;
            }
            chunk += f->bps < n - chunk ? f->bps : n - chunk;
        }
        if (src) {
            memcpy(b->data + in, src, chunk);
            src = (const uint8_t *)src + chunk;
        } else {
            memcpy(buf, b->data + in, chunk);
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
