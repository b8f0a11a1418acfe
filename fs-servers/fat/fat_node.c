/*
 * Nodes and file data of a FAT mount.
 *
 * A node lives while the core holds references to it (vn.refs), plus one reference per
 * live child node (each node pins its parent, so `..` and rename always find it).
 * Live nodes are found by the device byte offset of their short entry (loc) in a hash
 * table, so one file has one node however it is reached. Inode numbers: 1 for the
 * root, else loc / 32 + 2 when the node is made; a node keeps its number when renamed
 * or unlinked (marked `moved`), and a node made meanwhile at a location whose number a
 * moved node still shows gets a fresh number from 2^48 on (docs/fat.md).
 *
 * File data: a chain of clusters from `first`; the size in the entry must not pass the
 * chain (reads there give -EIO). Writes allocate clusters as they go; the gap of a
 * write past the end, and an extension by truncate, are written with zeros (FAT has no
 * holes). The entry (size, first cluster, times) is updated in the cache after each
 * change; fat_cache_sync orders it after the data.
 */
#include "fat_internal.h"

#include <string.h>

#define INO_FRESH (1ull << 48)

static uint32_t loc_hash(const struct fat_fs *f, uint64_t loc)
{
    return (uint32_t)((loc * 0x9e3779b97f4a7c15ull) >> 40) & (f->nnodes_hash - 1);
}

/* The ino of an entry at loc without a live node. */
uint64_t fat_loc_ino(uint64_t loc)
{
    return loc / FAT_SLOT + 2;
}

/* The live node at loc, or NULL. */
struct fat_node *fat_node_find(struct fat_fs *f, uint64_t loc)
{
    struct fat_node *n;
    if (!loc)
        return NULL;
    for (n = f->nodes[loc_hash(f, loc)]; n; n = n->hnext)
        if (n->loc == loc)
            return n;
    return NULL;
}

static void unhash(struct fat_fs *f, struct fat_node *n)
{
    struct fat_node **pp;
    if (!n->loc)
        return;
    for (pp = &f->nodes[loc_hash(f, n->loc)]; *pp; pp = &(*pp)->hnext)
        if (*pp == n) {
            *pp = n->hnext;
            break;
        }
}

static void rehash(struct fat_fs *f, struct fat_node *n)
{
    uint32_t h;
    if (!n->loc)
        return;
    h = loc_hash(f, n->loc);
    n->hnext = f->nodes[h];
    f->nodes[h] = n;
}

/* True if a moved live node shows ino. */
static bool ino_taken(struct fat_fs *f, uint64_t ino)
{
    struct fat_node *n;
    for (n = f->moved; n; n = n->mnext)
        if (n->vn.ino == ino)
            return true;
    return false;
}

static void moved_remove(struct fat_fs *f, struct fat_node *n)
{
    struct fat_node **pp;
    for (pp = &f->moved; *pp; pp = &(*pp)->mnext)
        if (*pp == n) {
            *pp = n->mnext;
            break;
        }
}

/* Returns e's live node with a reference, making it if needed. */
int fat_node_get(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e,
                 struct fat_node **out)
{
    struct fat_node *n = fat_node_find(f, e->loc);
    if (n) {
        vfs_node_get(&n->vn);
        *out = n;
        return 0;
    }
    n = vfs_zalloc(f->fs.env, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->vn.fs = &f->fs;
    n->vn.ino = fat_loc_ino(e->loc);
    if (ino_taken(f, n->vn.ino))
        n->vn.ino = INO_FRESH + f->next_ino++;
    n->attr = e->raw[11];
    n->vn.type = n->attr & FAT_ATTR_DIR ? S_IFDIR : S_IFREG;
    n->first = fat_de_cluster(f, e->raw);
    n->size = n->vn.type == S_IFDIR ? 0 : fat_le32(e->raw + 28);
    memcpy(n->raw, e->raw, FAT_SLOT);
    n->loc = e->loc;
    n->parent = dir;
    vfs_node_get(&dir->vn);
    rehash(f, n);
    vfs_node_get(&n->vn);
    *out = n;
    return 0;
}

/* Moves n to loc (0: unlinked, off the disk). */
void fat_node_move(struct fat_fs *f, struct fat_node *n, uint64_t loc)
{
    unhash(f, n);
    n->loc = loc;
    if (!loc)
        n->unlinked = true;
    rehash(f, n);
    if (!n->moved && (!loc || n->vn.ino != fat_loc_ino(loc))) {
        n->moved = true;
        n->mnext = f->moved;
        f->moved = n;
    }
}

/* Frees n and each ancestor whose last reference was n's (a loop, not recursion). */
void fat_node_free(struct fat_fs *f, struct fat_node *n)
{
    while (n && n != &f->root) {
        struct fat_node *parent = n->parent;
        if (n->unlinked && n->first && !f->ro) {
            fat_mark_dirty(f);
            if (fat_defer_free(f, n->first) < 0)
                vfs_log(f->fs.env, "fat: could not free the clusters of a removed file");
        }
        unhash(f, n);
        if (n->moved)
            moved_remove(f, n);
        vfs_free(f->fs.env, n, sizeof *n);
        n = NULL;
        if (parent && --parent->vn.refs == 0)
            n = parent;
    }
}

/* Writes n's entry (first cluster, size, attributes, times) to the disk. */
int fat_node_store(struct fat_fs *f, struct fat_node *n)
{
    fat_de_set_cluster(n->raw, n->first);
    fat_put32(n->raw + 28, n->vn.type == S_IFDIR ? 0 : n->size);
    n->raw[11] = n->attr;
    if (!n->loc)
        return 0;
    return fat_cache_write(f, n->loc, n->raw, FAT_SLOT, FAT_K_DIR);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_of(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The civil date of a day count. */
static void civil_of(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

#define FAT_T_MIN 315532800ll  /* 1980-01-01 00:00:00 UTC */
#define FAT_T_MAX 4354819198ll /* 2107-12-31 23:59:58 UTC */

/* Sets a FAT date (and time, toff >= 0) from Unix time t (UTC, clamped). */
void fat_time_to(int64_t t, uint8_t *raw, int toff, int doff)
{
    int64_t y, s;
    unsigned m, d;
    if (t < FAT_T_MIN)
        t = FAT_T_MIN;
    if (t > FAT_T_MAX)
        t = FAT_T_MAX;
    civil_of(t / 86400, &y, &m, &d);
    s = t % 86400;
    fat_put16(raw + doff, (uint16_t)((y - 1980) << 9 | m << 5 | d));
    if (toff >= 0)
        fat_put16(raw + toff, (uint16_t)(s / 3600 << 11 | (s / 60 % 60) << 5 | (s % 60) / 2));
}

/* Sets the modification date and time and the access date of raw to now; the date of
 * a day is worked out once (civil_of's divisions cost about 150 instructions a call,
 * and every write stamps its file). */
void fat_time_now(struct fat_fs *f, uint8_t *raw)
{
    int64_t t = vfs_now(f->fs.env).tv_sec, s;
    if (t < FAT_T_MIN || t > FAT_T_MAX) {
        fat_time_to(t, raw, 22, 24);
        fat_time_to(t, raw, -1, 18);
        return;
    }
    if (t / 86400 != f->stamp_day || !f->stamp_date) {
        int64_t y;
        unsigned m, d;
        civil_of(t / 86400, &y, &m, &d);
        f->stamp_day = t / 86400;
        f->stamp_date = (uint16_t)((y - 1980) << 9 | m << 5 | d);
    }
    s = t % 86400;
    fat_put16(raw + 24, f->stamp_date);
    fat_put16(raw + 18, f->stamp_date);
    fat_put16(raw + 22, (uint16_t)(s / 3600 << 11 | (s / 60 % 60) << 5 | (s % 60) / 2));
}

/* The Unix time of a FAT date and time; day and month 0 are read as 1. */
int64_t fat_time_from(const uint8_t *raw, int toff, int doff)
{
    uint16_t date = fat_le16(raw + doff), tm = toff >= 0 ? fat_le16(raw + toff) : 0;
    unsigned m = date >> 5 & 15, d = date & 31;
    unsigned h = tm >> 11, mi = tm >> 5 & 63, s = (tm & 31) * 2;
    if (date == 0)
        return 0;
    m = m < 1 ? 1 : m > 12 ? 12 : m;
    d = d < 1 ? 1 : d;
    h = h > 23 ? 23 : h;
    mi = mi > 59 ? 59 : mi;
    s = s > 59 ? 59 : s;
    return days_of(1980 + (date >> 9), m, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* Marks the volume in use before its first change since the last sync. */
int fat_mark_dirty(struct fat_fs *f)
{
    int rc;
    if (f->marked_dirty || f->ro)
        return 0;
    rc = fat_set_clean(f, false);
    if (rc == 0)
        f->marked_dirty = true;
    return rc;
}

/* Reads file data at pos. */
int64_t fat_file_read(struct fat_fs *f, struct fat_node *n, uint64_t pos, void *buf, size_t len)
{
    size_t done = 0;
    uint32_t cl;
    int rc;
    if (pos >= n->size)
        return 0;
    if (len > n->size - pos)
        len = (size_t)(n->size - pos);
    while (done < len) {
        uint32_t in = (uint32_t)(pos % f->cluster_bytes), ci = (uint32_t)(pos / f->cluster_bytes);
        uint32_t k, next, span = 1;
        size_t chunk = f->cluster_bytes - in < len - done ? f->cluster_bytes - in : len - done;
        rc = fat_chain_span(f, n, ci, &cl, &span);
        /* the clusters that follow cl on the disk: one copy (those of its run at once,
         * then looked up one by one) */
        if (rc == 0 && span > 1) {
            uint64_t more = (uint64_t)(span - 1) * f->cluster_bytes;
            chunk += more < len - done - chunk ? (size_t)more : len - done - chunk;
        }
        for (k = span; rc == 0 && chunk < len - done && fat_chain_at(f, n, ci + k, &next) == 0 &&
                       next == cl + k;
             k++)
            chunk += f->cluster_bytes < len - done - chunk ? f->cluster_bytes : len - done - chunk;
        if (rc == 0)
            rc = fat_cache_read(f, fat_cluster_off(f, cl) + in, (uint8_t *)buf + done, chunk,
                                FAT_K_DATA);
        if (rc < 0)
            return done ? (int64_t)done : (rc == -ENOENT ? -EIO : rc);
        done += chunk;
        pos += chunk;
    }
    return (int64_t)done;
}

/* The ci-th cluster of n, allocated (after cluster ci - 1) if the chain ends before. */
static int cluster_for_write(struct fat_fs *f, struct fat_node *n, uint32_t ci, uint32_t *cl)
{
    uint32_t prev;
    int rc = fat_chain_at(f, n, ci, cl);
    if (rc != -ENOENT)
        return rc;
    if (ci == 0) {
        rc = fat_alloc(f, 0, false, cl);
        if (rc == 0) {
            n->first = *cl;
            fat_chain_forget(n);
            fat_chain_grew(n, 0, *cl);
        }
        return rc;
    }
    rc = fat_chain_at(f, n, ci - 1, &prev);
    if (rc < 0)
        return rc == -ENOENT ? -EIO : rc;
    rc = fat_alloc(f, prev, false, cl);
    if (rc == 0)
        fat_chain_grew(n, ci, *cl); /* continues the run before it, if it is one */
    return rc;
}

static const uint8_t zeros[4096];

/* Writes zeros or src into the cache at off. */
static int put_data(struct fat_fs *f, uint64_t off, const uint8_t *src, size_t len)
{
    int rc;
    if (src)
        return fat_cache_write(f, off, src, len, FAT_K_DATA);
    while (len) {
        size_t k = len < sizeof zeros ? len : sizeof zeros;
        rc = fat_cache_write(f, off, zeros, k, FAT_K_DATA);
        if (rc < 0)
            return rc;
        off += k;
        len -= k;
    }
    return 0;
}

/* Writes file data at pos (the caller has filled any gap before pos). */
static int64_t write_at(struct fat_fs *f, struct fat_node *n, uint64_t pos, const uint8_t *src,
                        size_t len)
{
    size_t done = 0;
    uint32_t cl;
    int rc = 0;
    while (done < len) {
        uint32_t in = (uint32_t)(pos % f->cluster_bytes);
        size_t chunk = f->cluster_bytes - in < len - done ? f->cluster_bytes - in : len - done;
        rc = cluster_for_write(f, n, (uint32_t)(pos / f->cluster_bytes), &cl);
        if (rc == 0)
            rc = put_data(f, fat_cluster_off(f, cl) + in, src ? src + done : NULL, chunk);
        if (rc < 0)
            break;
        done += chunk;
        pos += chunk;
        if (pos > n->size)
            n->size = (uint32_t)pos;
    }
    return done ? (int64_t)done : rc;
}

/* Writes len bytes at pos, zero-filling from the old end; updates the entry. */
int64_t fat_file_write(struct fat_fs *f, struct fat_node *n, uint64_t pos, const void *src,
                       size_t len)
{
    int64_t rc = 0, w;
    if (pos >= FAT_MAX_FILE)
        return len ? -EFBIG : 0;
    if (len > FAT_MAX_FILE - pos)
        len = (size_t)(FAT_MAX_FILE - pos);
    rc = fat_mark_dirty(f);
    if (rc < 0)
        return rc;
    if (pos > n->size) {
        uint64_t gap = pos - n->size;
        w = write_at(f, n, n->size, NULL, (size_t)gap);
        if (w < (int64_t)gap) {
            fat_node_store(f, n);
            return w < 0 ? w : -ENOSPC;
        }
    }
    w = write_at(f, n, pos, src, len);
    fat_time_now(f, n->raw);
    n->attr |= FAT_ATTR_ARCHIVE;
    rc = fat_node_store(f, n);
    return rc < 0 && w >= 0 ? rc : w;
}

/* Truncates n to size (size <= n->size). To nothing: the entry loses its chain first
 * and the chain is freed at the next checkpoint. Partly: the entry's new size reaches
 * the disk (a checkpoint) before the chain is cut, so a crash leaves at worst a chain
 * longer than its file. */
static int shrink(struct fat_fs *f, struct fat_node *n, uint32_t size)
{
    uint32_t keep = (uint32_t)(((uint64_t)size + f->cluster_bytes - 1) / f->cluster_bytes);
    uint32_t last, next = 0, first = n->first;
    int rc;
    fat_chain_forget(n);
    if (keep == 0) {
        n->first = 0;
        n->size = 0;
        rc = fat_node_store(f, n);
        return rc < 0 ? rc : fat_defer_free(f, first);
    }
    rc = fat_chain_at(f, n, keep - 1, &last);
    if (rc == 0)
        rc = fat_next(f, last, &next);
    fat_chain_forget(n); /* the chain is cut: what was seen of it may be gone */
    if (rc < 0)
        return rc == -ENOENT ? -EIO : rc;
    n->size = size;
    if (!next)
        return 0;
    rc = fat_node_store(f, n);
    if (rc == 0)
        rc = fat_checkpoint(f);
    if (rc == 0)
        rc = fat_set(f, last, FAT_EOC);
    return rc < 0 ? rc : fat_free_chain(f, next);
}

/* Truncates or extends n to size. */
int fat_file_resize(struct fat_fs *f, struct fat_node *n, uint64_t size)
{
    int64_t w;
    int rc;
    if (size > FAT_MAX_FILE)
        return -EFBIG;
    rc = fat_mark_dirty(f);
    if (rc < 0)
        return rc;
    if (size < n->size) {
        rc = shrink(f, n, (uint32_t)size);
    } else if (size > n->size) {
        uint64_t gap = size - n->size;
        w = write_at(f, n, n->size, NULL, (size_t)gap);
        rc = w < 0 ? (int)w : w < (int64_t)gap ? -ENOSPC : 0;
    }
    {
        int r = fat_node_store(f, n);
        return rc < 0 ? rc : r;
    }
}
