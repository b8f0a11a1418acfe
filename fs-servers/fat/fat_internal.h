/*
 * The FAT plugin's internal interface, shared by its files (docs/fat.md):
 *   cache.c   the block cache (write-back, clock eviction, ordered write-back)
 *   table.c   the boot sector, the FAT (both copies), cluster allocation, FSInfo
 *   name.c    long names (UTF-8 <-> UCS-2), short names, checksums, case folding
 *   dir.c     directory slots: scan, find, add and remove entries
 *   fat_fs.c  the vfs_fs_ops: nodes, file data, attributes, the mount
 * Everything read from the disk is untrusted: chain walks are bounded by the cluster
 * count, every cluster number is checked against the range, and errors are -EIO.
 */
#ifndef FAT_INTERNAL_H
#define FAT_INTERNAL_H

#include "blockdev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vfs/plugin.h>

#define FAT_ATTR_RO 0x01
#define FAT_ATTR_HIDDEN 0x02
#define FAT_ATTR_SYSTEM 0x04
#define FAT_ATTR_VOLUME 0x08
#define FAT_ATTR_DIR 0x10
#define FAT_ATTR_ARCHIVE 0x20
#define FAT_ATTR_LFN 0x0f
#define FAT_NTRES_LOWER_BASE 0x08
#define FAT_NTRES_LOWER_EXT 0x10

#define FAT_SLOT 32                /* bytes per directory slot */
#define FAT_MAX_DIR_SLOTS 65536    /* the specification's limit per directory */
#define FAT_MAX_LFN 255            /* UCS-2 units */
#define FAT_MAX_FILE 0xffffffffull /* largest file size */
#define FAT_CACHE_BYTES (1u << 20) /* cached sector data per mount, unless cache= says */
#define FAT_CACHE_MIN (64u << 10)
#define FAT_CACHE_MAX (1ull << 30)
#define FAT_CACHE_RUN 128   /* sectors per device call at most (64 KiB of 512) */
#define FAT_EOC 0x0fffffffu /* end of chain, as table.c returns it */

enum fat_type { FAT12 = 12, FAT16 = 16, FAT32 = 32 };

/* What a cached sector holds: write-back writes data, then FAT, then directories. */
enum fat_kind { FAT_K_DATA, FAT_K_FAT, FAT_K_DIR, FAT_K_NKINDS };

struct fat_cblock {
    uint64_t sec; /* file-system sector; UINT64_MAX when empty */
    uint8_t *data;
    bool dirty, used;
    uint8_t kind;
    struct fat_cblock *hnext;
};

struct fat_cache {
    struct fat_cblock *blocks;
    struct fat_cblock **hash;
    uint8_t *mem;
    uint8_t *rbounce, *wbounce; /* FAT_CACHE_RUN sectors each, for multi-sector calls */
    struct fat_cblock **order;  /* write-back's sorted dirty blocks */
    uint32_t n, nhash, hand, bsize;
    uint64_t ndirty;
};

/* One directory entry as found on disk. */
struct fat_dirent {
    uint8_t raw[FAT_SLOT]; /* the short entry */
    uint32_t slot;         /* index of the short entry in its directory */
    uint32_t first_slot;   /* index of its first long-name slot (== slot if none) */
    uint64_t loc;          /* device byte offset of the short entry */
    char name[FAT_MAX_LFN * 3 + 1];
    size_t len;
};

struct fat_fs;

/* Clusters idx .. idx + len - 1 of a chain are cl .. cl + len - 1 (len > 0). */
struct fat_run {
    uint32_t idx, cl, len;
};
#define FAT_RUNS 8 /* runs kept per node */

struct fat_node {
    struct vfs_node vn;
    struct fat_node *hnext;  /* the live-node hash by loc */
    struct fat_node *mnext;  /* the list of moved nodes */
    struct fat_node *parent; /* holds one reference (vn.refs) on it; NULL for the root */
    uint64_t loc;            /* device byte offset of the short entry; 0: root or unlinked */
    uint32_t first;          /* first cluster, 0 if none */
    uint32_t size;           /* files: the size */
    uint8_t attr;
    bool unlinked;
    bool moved;                 /* ino no longer derived from loc (renamed or unlinked) */
    uint8_t raw[FAT_SLOT];      /* the short entry as last read or written */
    uint32_t hint_idx, hint_cl; /* the chain position last reached (cluster index, number) */
    /* Contiguous runs of the chain seen so far (fat_chain_at, dir.c): the longest
     * FAT_RUNS, in no order; appending extends the last one, truncating forgets them. */
    struct fat_run runs[FAT_RUNS];
    uint32_t nruns;
    uint32_t free_hint; /* directories: every slot before it is in use (dir.c, find_run) */
    /* getattr's times, worked out of raw's dates and times when those were times_key
     * (fat_getattr; 0: never) */
    uint64_t times_key;
    int64_t mtime, atime;
};

struct fat_fs {
    struct vfs_fs fs;
    struct fat_blockdev *dev;
    struct fat_cache cache;
    enum fat_type type;
    bool ro;
    uint32_t bps, spc, cluster_bytes, dev_per_sec;
    uint32_t rsvd, nfats, fat_sectors, root_entries, root_sectors;
    uint64_t total_sectors, fat_start, root_start, data_start;
    uint32_t clusters; /* data clusters: valid numbers are 2 .. clusters + 1 */
    uint32_t root_cluster;
    uint32_t fsinfo_sec; /* 0: none */
    uint32_t free_count, next_free;
    bool free_known, fsinfo_dirty;
    uint32_t uid, gid, fmask, dmask;
    uint64_t cache_bytes; /* the block cache's sector data (cache=), 0: FAT_CACHE_BYTES */
    struct fat_node root;
    struct fat_node **nodes; /* live nodes by loc */
    uint32_t nnodes_hash;
    struct fat_node *moved; /* live nodes with moved set */
    uint32_t *pending;      /* first clusters of chains to free after the next write-back */
    uint32_t npending, cap_pending;
    struct fat_dir_index *indexes; /* directories' name indexes (dir_index.c) */
    int64_t stamp_day;             /* fat_time_now's last day (days since 1970) ... */
    uint16_t stamp_date;           /* ... as a FAT date (0: none yet) */
    uint64_t next_ino;             /* for moved-collisions: counts up from 2^48 */
    bool io_error, marked_dirty;
    char name_buf[FAT_MAX_LFN * 3 + 1]; /* readdir's name */
};

static inline struct fat_fs *fat_of(struct vfs_fs *fs)
{
    return (struct fat_fs *)(void *)fs;
}

static inline struct fat_node *fat_node_of(struct vfs_node *n)
{
    return (struct fat_node *)(void *)n;
}

static inline uint16_t fat_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fat_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void fat_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void fat_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* cache.c */
int fat_cache_init(struct fat_fs *f);
void fat_cache_free(struct fat_fs *f);
/* Returns the cached sector sec (read from the device unless whole is true, then
 * zeroed) in *out; 0 or -EIO. The pointer is valid until the next cache call. */
int fat_cache_get(struct fat_fs *f, uint64_t sec, enum fat_kind kind, bool whole, uint8_t **out);
/* Marks the sector last returned for sec dirty. */
void fat_cache_dirty(struct fat_fs *f, uint64_t sec);
/* Copies n bytes at device byte offset off (within the file system) out of / into the
 * cache. */
int fat_cache_read(struct fat_fs *f, uint64_t off, void *buf, size_t n, enum fat_kind kind);
int fat_cache_write(struct fat_fs *f, uint64_t off, const void *buf, size_t n, enum fat_kind kind);
/* Writes every dirty sector back (data, FAT, directories) and flushes the device. */
int fat_cache_sync(struct fat_fs *f);
/* Writes the dirty sectors of [sec, sec + n) (n <= FAT_CACHE_RUN) back now. */
int fat_cache_write_through(struct fat_fs *f, uint64_t sec, uint32_t n);

/* table.c */
/* Reads and checks the boot sector; fills the geometry of f. 0 or -EINVAL (not FAT). */
int fat_read_boot(struct fat_fs *f);
bool fat_cluster_ok(const struct fat_fs *f, uint32_t cl);
/* The FAT entry of cl (EOC values folded to FAT_EOC, bad to 0xffffff7 as read). */
int fat_get(struct fat_fs *f, uint32_t cl, uint32_t *val);
/* Sets the FAT entry of cl in every copy. */
int fat_set(struct fat_fs *f, uint32_t cl, uint32_t val);
/* The next cluster of a chain: 0 and *next = 0 at the end, -EIO for a broken chain. */
int fat_next(struct fat_fs *f, uint32_t cl, uint32_t *next);
/* Allocates one free cluster marked end of chain, linked after prev (if prev != 0),
 * its content zeroed when zero; -ENOSPC when none is left. */
int fat_alloc(struct fat_fs *f, uint32_t prev, bool zero, uint32_t *out);
/* Frees the chain from cl on (bounded). */
int fat_free_chain(struct fat_fs *f, uint32_t cl);
/* Frees the chain from cl on once the directory change that dropped it is on the disk
 * (at the next fat_checkpoint): a crash in between loses clusters, never leaves an
 * entry naming free ones. */
int fat_defer_free(struct fat_fs *f, uint32_t cl);
/* Writes the cache back in order, then frees the deferred chains (in the cache). */
int fat_checkpoint(struct fat_fs *f);
/* Counts the clusters of a chain (bounded: -EIO for a loop). */
int fat_chain_len(struct fat_fs *f, uint32_t cl, uint32_t *len);
/* The device byte offset of cluster cl. */
uint64_t fat_cluster_off(const struct fat_fs *f, uint32_t cl);
/* Counts the free clusters if FSInfo gave no plausible count. */
int fat_count_free(struct fat_fs *f);
/* Sets the volume's clean flag (FAT[1]) and writes FSInfo. */
int fat_set_clean(struct fat_fs *f, bool clean);

/* name.c */
/* UTF-8 name -> UCS-2 (len units); -EINVAL for bad bytes or characters FAT forbids,
 * -ENAMETOOLONG past 255. Trailing dots are dropped first, as Linux vfat does. */
int fat_name_to_ucs2(const char *name, size_t len, uint16_t *u, size_t *ulen);
/* UCS-2 -> UTF-8 into out (room for 3 * n + 1); returns the length. */
size_t fat_ucs2_to_utf8(const uint16_t *u, size_t n, char *out);
/* True if a and b are equal ignoring ASCII case. */
bool fat_name_eq(const char *a, size_t alen, const char *b, size_t blen);
/* The display name of a short entry (with the NT lower-case flags). */
size_t fat_short_display(const uint8_t *raw, char *out);
uint8_t fat_lfn_checksum(const uint8_t *short11);
/* Makes the 8.3 basis of a long name. Returns 1 if the name needs no long entries
 * (*ntres set to the lower-case flags), 0 if it does (then a ~N tail is needed), or
 * -EINVAL. */
int fat_short_basis(const uint16_t *u, size_t n, uint8_t out[11], uint8_t *ntres);
/* Puts the tail ~n into an 8.3 basis. */
void fat_short_tail(const uint8_t basis[11], uint32_t n, uint8_t out[11]);

/* dir.c */
/* Calls fn for each live entry of dir from slot index start on; stops when fn returns
 * non-zero and returns that value, or 0 at the end; -EIO on a broken directory. */
typedef int (*fat_dir_fn)(struct fat_fs *f, const struct fat_dirent *e, void *arg);
int fat_dir_scan(struct fat_fs *f, struct fat_node *dir, uint32_t start, fat_dir_fn fn, void *arg);
/* Finds name in dir: 1 and *e, 0 if absent, or -errno. */
int fat_dir_find(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                 struct fat_dirent *e);
/* Adds an entry called name with the short entry raw (name bytes and checksum filled
 * here); fills *e. -ENOSPC when the directory cannot grow. */
int fat_dir_add(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                const uint8_t raw[FAT_SLOT], struct fat_dirent *e);
/* Marks the slots of e free. */
int fat_dir_remove(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e);
/* 1 if dir holds only "." and "..", 0 if not, or -EIO. */
int fat_dir_empty(struct fat_fs *f, struct fat_node *dir);
/* Counts the sub-directories of dir (for st_nlink). */
int fat_dir_subdirs(struct fat_fs *f, struct fat_node *dir, uint32_t *n);
/* The ci-th cluster of n's chain: -ENOENT past its end, -EIO if broken. */
int fat_chain_at(struct fat_fs *f, struct fat_node *n, uint32_t ci, uint32_t *out);
/* fat_chain_at, and in *span how many clusters from ci on are known to follow cl on
 * the disk (at least 1; all within the volume). */
int fat_chain_span(struct fat_fs *f, struct fat_node *n, uint32_t ci, uint32_t *out,
                   uint32_t *span);
/* Cluster ci of n's chain is cl now (just allocated after cluster ci - 1). */
void fat_chain_grew(struct fat_node *n, uint32_t ci, uint32_t cl);
/* n's chain changed (cut, or a new first cluster): forget what was seen of it. */
void fat_chain_forget(struct fat_node *n);
/* The device byte offset of slot idx of dir; -ENOENT past its end, -EIO if broken. */
int fat_dir_slot(struct fat_fs *f, struct fat_node *dir, uint32_t idx, uint64_t *off);

/* dir_index.c: a directory's name index (see its top). The look-ups return
 * FAT_INDEX_NONE when dir has none and none can be made: the caller scans. */
#define FAT_INDEX_NONE 2
/* fat_dir_find through the index (name without trailing dots): 1 and *e, 0, -errno. */
int fat_index_find(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                   struct fat_dirent *e);
/* 1 if an entry of dir has the short name raw11, 0 if none, or -errno. */
int fat_index_short_taken(struct fat_fs *f, struct fat_node *dir, const uint8_t raw11[11]);
/* Where pick_tail may start looking for a free ~N tail of basis in dir (1: anywhere). */
uint32_t fat_index_tail_from(struct fat_fs *f, struct fat_node *dir, const uint8_t basis[11]);
/* Tail n of basis is taken in dir now, and every one below it (0: forget the hint). */
void fat_index_tail_taken(struct fat_fs *f, struct fat_node *dir, const uint8_t basis[11],
                          uint32_t n);
/* The number of sub-directories of dir: 0 and *n. */
int fat_index_subdirs(struct fat_fs *f, struct fat_node *dir, uint32_t *n);
/* Entry e was written into dir / marked free in it. */
void fat_index_added(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e);
void fat_index_removed(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e);
/* Frees dir's index (its names changed otherwise). */
void fat_index_drop(struct fat_fs *f, struct fat_node *dir);
/* Frees the index of the directory whose first cluster is cl (its chain is freed). */
void fat_index_forget(struct fat_fs *f, uint32_t cl);
/* Frees every index (unmount). */
void fat_index_free_all(struct fat_fs *f);

/* fat_node.c */
/* Returns the live node for entry e of dir (made if needed) with one reference. */
int fat_node_get(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e,
                 struct fat_node **out);
/* The live node whose entry is at loc, or NULL. */
struct fat_node *fat_node_find(struct fat_fs *f, uint64_t loc);
/* Moves n to the entry at loc (rename), or off the disk (loc 0: unlinked). */
void fat_node_move(struct fat_fs *f, struct fat_node *n, uint64_t loc);
/* The ino an entry at loc shows when it has no live node. */
uint64_t fat_loc_ino(uint64_t loc);
/* Frees n (no references left) and each parent that only it kept. */
void fat_node_free(struct fat_fs *f, struct fat_node *n);
/* Writes n's first cluster, size and attributes into its entry on disk. */
int fat_node_store(struct fat_fs *f, struct fat_node *n);
/* Sets the FAT date/time fields at raw + toff / raw + doff from t. */
void fat_time_to(int64_t t, uint8_t *raw, int toff, int doff);
/* Stamps a short entry's modification date and time and access date with now. */
void fat_time_now(struct fat_fs *f, uint8_t *raw);
/* The Unix time of a FAT date (doff) and time (toff < 0: none). */
int64_t fat_time_from(const uint8_t *raw, int toff, int doff);
/* Sets the volume dirty (FAT[1]) before the first change after a sync. */
int fat_mark_dirty(struct fat_fs *f);
/* Reads up to len bytes of file n at pos; returns the count or -EIO. */
int64_t fat_file_read(struct fat_fs *f, struct fat_node *n, uint64_t pos, void *buf, size_t len);
/* Writes len bytes (zeros if src is NULL) at pos, growing the file; returns the count
 * (short on ENOSPC) or -errno. */
int64_t fat_file_write(struct fat_fs *f, struct fat_node *n, uint64_t pos, const void *src,
                       size_t len);
/* Truncates or extends (with zeros) n to size. */
int fat_file_resize(struct fat_fs *f, struct fat_node *n, uint64_t size);

/* Helpers for the short entry. */
static inline uint32_t fat_de_cluster(const struct fat_fs *f, const uint8_t *raw)
{
    uint32_t hi = f->type == FAT32 ? fat_le16(raw + 20) : 0;
    return hi << 16 | fat_le16(raw + 26);
}

static inline void fat_de_set_cluster(uint8_t *raw, uint32_t cl)
{
    fat_put16(raw + 20, (uint16_t)(cl >> 16));
    fat_put16(raw + 26, (uint16_t)cl);
}

#endif
