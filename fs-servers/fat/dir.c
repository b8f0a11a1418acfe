/*
 * Directories: arrays of 32-byte slots, in the fixed root region (FAT12/16) or in a
 * cluster chain (at most 65,536 slots, as the specification allows). An entry is an
 * optional run of long-name slots (last part first, each with the checksum of the
 * short name) followed by its short entry; long-name slots whose order, checksum or
 * position do not fit are ignored (the short name is shown), as the specification
 * says. Entries never move once written; removing one marks its slots 0xE5. A new
 * entry takes the first run of free slots that fits within one sector (so that it reaches
 * the disk whole), or a new zeroed cluster.
 */
#include "fat_internal.h"

#include <string.h>

#define LFN_CHARS 13
#define MAX_LFN_SLOTS 20

static const uint8_t lfn_pos[LFN_CHARS] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};

static bool fixed_root(const struct fat_fs *f, const struct fat_node *dir)
{
    return dir == &f->root && f->type != FAT32;
}

/* Run [idx, idx + len) -> [cl, cl + len) of n's chain was seen contiguous: merged into
 * a kept run that it overlaps or continues (the same stretch: index and cluster differ
 * by the same amount), else kept, in place of the shortest one when all FAT_RUNS are
 * taken and it is longer. */
static void run_seen(struct fat_node *n, uint32_t idx, uint32_t cl, uint32_t len)
{
    struct fat_run *r, *shortest = NULL;
    uint32_t i;
    for (i = 0; i < n->nruns; i++) {
        r = &n->runs[i];
        if (r->cl - r->idx == cl - idx && idx <= r->idx + r->len && r->idx <= idx + len) {
            uint32_t end = idx + len > r->idx + r->len ? idx + len : r->idx + r->len;
            if (idx < r->idx) {
                r->idx = idx;
                r->cl = cl;
            }
            r->len = end - r->idx;
            return;
        }
        if (!shortest || r->len < shortest->len)
            shortest = r;
    }
    if (n->nruns < FAT_RUNS)
        shortest = &n->runs[n->nruns++];
    else if (shortest->len >= len)
        return;
    shortest->idx = idx;
    shortest->cl = cl;
    shortest->len = len;
}

void fat_chain_grew(struct fat_node *n, uint32_t ci, uint32_t cl)
{
    n->hint_idx = ci;
    n->hint_cl = cl;
    run_seen(n, ci, cl, 1);
}

void fat_chain_forget(struct fat_node *n)
{
    n->hint_cl = 0;
    n->nruns = 0;
}

/* The ci-th cluster of n's chain: in a kept run, or walked from the nearest known
 * position at or before ci (a run's last cluster, the hint, or the first). */
int fat_chain_span(struct fat_fs *f, struct fat_node *n, uint32_t ci, uint32_t *out, uint32_t *span)
{
    uint32_t i = 0, cl = n->first, next, k, known = 1;
    int rc;
    if (!n->first)
        return -ENOENT;
    if (ci >= f->clusters)
        return -ENOENT;
    if (n->hint_cl && n->hint_idx <= ci) {
        i = n->hint_idx;
        cl = n->hint_cl;
    }
    for (k = 0; k < n->nruns; k++) {
        const struct fat_run *r = &n->runs[k];
        if (ci < r->idx)
            continue;
        if (ci - r->idx < r->len) {
            i = ci;
            cl = r->cl + (ci - r->idx); /* no walk: a file written in one go is one run */
            known = r->len - (ci - r->idx);
            break;
        }
        if (r->idx + r->len - 1 > i) {
            i = r->idx + r->len - 1;
            cl = r->cl + r->len - 1;
        }
    }
    if (i < ci) {
        /* the walk's contiguous stretches, kept as runs */
        uint32_t rs_idx = i, rs_cl = cl;
        while (i < ci) {
            rc = fat_next(f, cl, &next);
            if (rc < 0)
                return rc;
            if (!next)
                return -ENOENT;
            i++;
            if (next != cl + 1) {
                run_seen(n, rs_idx, rs_cl, i - rs_idx);
                rs_idx = i;
                rs_cl = next;
            }
            cl = next;
        }
        run_seen(n, rs_idx, rs_cl, i - rs_idx + 1);
    }
    if (!fat_cluster_ok(f, cl))
        return -EIO;
    n->hint_idx = ci;
    n->hint_cl = cl;
    *out = cl;
    if (span)
        *span = known <= f->clusters + 2 - cl ? known : f->clusters + 2 - cl;
    return 0;
}

int fat_chain_at(struct fat_fs *f, struct fat_node *n, uint32_t ci, uint32_t *out)
{
    return fat_chain_span(f, n, ci, out, NULL);
}

/* The device byte offset of slot idx of dir. */
int fat_dir_slot(struct fat_fs *f, struct fat_node *dir, uint32_t idx, uint64_t *off)
{
    uint32_t per = f->cluster_bytes / FAT_SLOT, cl;
    int rc;
    if (fixed_root(f, dir)) {
        if (idx >= f->root_entries)
            return -ENOENT;
        *off = f->root_start * f->bps + (uint64_t)idx * FAT_SLOT;
        return 0;
    }
    if (idx >= FAT_MAX_DIR_SLOTS)
        return -ENOENT;
    rc = fat_chain_at(f, dir, idx / per, &cl);
    if (rc < 0)
        return rc;
    *off = fat_cluster_off(f, cl) + (uint64_t)(idx % per) * FAT_SLOT;
    return 0;
}

struct lfn_state {
    uint16_t u[MAX_LFN_SLOTS * LFN_CHARS];
    uint32_t start, expect;
    uint8_t sum, count;
    bool valid;
};

/* Takes one long-name slot into the state. */
static void lfn_take(struct lfn_state *s, const uint8_t *raw, uint32_t idx)
{
    uint8_t ord = raw[0] & 0x1f;
    unsigned i;
    if (raw[0] & 0x40) {
        s->valid = ord >= 1 && ord <= MAX_LFN_SLOTS;
        s->count = ord;
        s->start = idx;
        s->sum = raw[13];
    } else if (!s->valid || ord != s->expect - 1 || raw[13] != s->sum || ord == 0) {
        s->valid = false;
    }
    if (!s->valid)
        return;
    s->expect = ord;
    for (i = 0; i < LFN_CHARS; i++)
        s->u[(ord - 1) * LFN_CHARS + i] = fat_le16(raw + lfn_pos[i]);
}

/* Fills e's name from the long-name state or the short name. */
static void entry_name(struct lfn_state *s, const uint8_t *raw, struct fat_dirent *e)
{
    size_t n = 0, max;
    if (s->valid && s->expect == 1 && fat_lfn_checksum(raw) == s->sum) {
        max = (size_t)s->count * LFN_CHARS;
        while (n < max && s->u[n] != 0)
            n++;
        if (n > FAT_MAX_LFN)
            n = 0; /* longer than a long name may be: show the short name */
    }
    if (n) {
        e->first_slot = s->start;
        e->len = fat_ucs2_to_utf8(s->u, n, e->name);
    } else {
        e->first_slot = e->slot;
        e->len = fat_short_display(raw, e->name);
    }
}

/* Calls fn for each entry whose short slot is at or after start (fn only reads: the
 * slots are taken a sector at a time, as they lie contiguous within one). */
int fat_dir_scan(struct fat_fs *f, struct fat_node *dir, uint32_t start, fat_dir_fn fn, void *arg)
{
    struct {
        struct lfn_state s;
        struct fat_dirent e;
        uint8_t sec[4096]; /* slots have_lo .. have_lo + have_n - 1 (bps <= 4096: table.c) */
    } * w;
    uint32_t idx = start > MAX_LFN_SLOTS ? start - MAX_LFN_SLOTS : 0;
    uint32_t have_lo = 0, have_n = 0;
    uint64_t off = 0, base = 0;
    int rc = 0;
    w = vfs_zalloc(f->fs.env, sizeof *w);
    if (!w)
        return -ENOMEM;
    for (;; idx++) {
        uint8_t *raw = w->e.raw;
        if (idx < have_lo || idx - have_lo >= have_n) {
            rc = fat_dir_slot(f, dir, idx, &base);
            if (rc == 0) {
                uint32_t left = (uint32_t)((f->bps - base % f->bps) / FAT_SLOT);
                rc = fat_cache_read(f, base, w->sec, (size_t)left * FAT_SLOT, FAT_K_DIR);
                have_lo = idx;
                have_n = rc == 0 ? left : 0;
            }
        }
        if (rc == 0) {
            memcpy(raw, w->sec + (size_t)(idx - have_lo) * FAT_SLOT, FAT_SLOT);
            off = base + (uint64_t)(idx - have_lo) * FAT_SLOT;
        }
        if (rc < 0 || raw[0] == 0) {
            rc = rc == -ENOENT ? 0 : rc;
            break;
        }
        if (raw[0] == 0xe5) {
            w->s.valid = false;
        } else if ((raw[11] & 0x3f) == FAT_ATTR_LFN) {
            lfn_take(&w->s, raw, idx);
        } else {
            if (!(raw[11] & FAT_ATTR_VOLUME) && raw[0] != '.' && idx >= start) {
                w->e.slot = idx;
                w->e.loc = off;
                entry_name(&w->s, raw, &w->e);
                rc = fn(f, &w->e, arg);
                if (rc)
                    break;
            }
            w->s.valid = false;
        }
    }
    vfs_free(f->fs.env, w, sizeof *w);
    return rc;
}

struct find_arg {
    const char *name;
    size_t len;
    struct fat_dirent *out;
};

static int find_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    struct find_arg *a = arg;
    char sn[40];
    size_t sl;
    if (!fat_name_eq(e->name, e->len, a->name, a->len)) {
        sl = fat_short_display(e->raw, sn);
        if (!fat_name_eq(sn, sl, a->name, a->len))
            return 0;
    }
    *a->out = *e;
    return 1;
}

/* Finds name (long or short, without case) in dir. */
int fat_dir_find(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                 struct fat_dirent *e)
{
    struct find_arg a = {name, len, e};
    int rc;
    while (a.len && name[a.len - 1] == '.')
        a.len--;
    if (a.len == 0)
        return 0;
    rc = fat_index_find(f, dir, name, a.len, e);
    if (rc != FAT_INDEX_NONE)
        return rc;
    return fat_dir_scan(f, dir, 0, find_fn, &a);
}

struct tail_arg {
    const uint8_t *basis;
    uint8_t used[512]; /* bit per N < 4096 */
};

static int tail_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    struct tail_arg *a = arg;
    uint8_t cand[11];
    uint32_t n = 0;
    int i = 0;
    while (i < 8 && e->raw[i] != '~')
        i++;
    for (i++; i < 8 && e->raw[i] >= '0' && e->raw[i] <= '9'; i++)
        n = n * 10 + (e->raw[i] - '0');
    if (n == 0 || n >= 4096)
        return 0;
    fat_short_tail(a->basis, n, cand);
    if (memcmp(cand, e->raw, 11) == 0)
        a->used[n / 8] |= (uint8_t)(1u << (n % 8));
    return 0;
}

/* Picks the first free ~N tail for basis in dir. */
static int pick_tail(struct fat_fs *f, struct fat_node *dir, const uint8_t basis[11],
                     uint8_t out[11])
{
    struct tail_arg *a;
    uint32_t n;
    int rc = 1;
    /* the index says which tails are taken without a scan, and where the last pick of
     * this basis left off */
    for (n = fat_index_tail_from(f, dir, basis); n < 4096; n++) {
        fat_short_tail(basis, n, out);
        rc = fat_index_short_taken(f, dir, out);
        if (rc != 1)
            break;
    }
    if (rc == 0) {
        fat_index_tail_taken(f, dir, basis, n); /* fat_dir_add takes it back on failure */
        return 0;
    }
    if (rc < 0)
        return rc;
    if (n >= 4096)
        return -ENOSPC;
    a = vfs_zalloc(f->fs.env, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->basis = basis;
    rc = fat_dir_scan(f, dir, 0, tail_fn, a);
    for (n = 1; rc == 0 && n < 4096; n++)
        if (!(a->used[n / 8] & (1u << (n % 8))))
            break;
    vfs_free(f->fs.env, a, sizeof *a);
    if (rc < 0)
        return rc;
    if (n >= 4096)
        return -ENOSPC;
    fat_short_tail(basis, n, out);
    return 0;
}

/* Appends a zeroed cluster to dir's chain. */
static int grow(struct fat_fs *f, struct fat_node *dir)
{
    uint32_t cl = dir->first, next, n = 0, nc;
    int rc;
    if (fixed_root(f, dir) || !cl)
        return -ENOSPC;
    for (;;) {
        if (n++ >= f->clusters)
            return -EIO;
        rc = fat_next(f, cl, &next);
        if (rc < 0)
            return rc;
        if (!next)
            break;
        cl = next;
    }
    if ((uint64_t)n * f->cluster_bytes / FAT_SLOT >= FAT_MAX_DIR_SLOTS)
        return -ENOSPC;
    rc = fat_alloc(f, cl, true, &nc);
    /* the zeroed cluster reaches the disk now, before its link (in the FAT) can; the
     * entries written into it later are directory sectors, after the FAT entries they
     * name (fat_cache_write_through) */
    return rc < 0 ? rc : fat_cache_write_through(f, fat_cluster_off(f, nc) / f->bps, f->spc);
}

/* Marks the never-used slots (0x00) just before first as free (0xE5): an entry placed
 * after them must not lie past the end-of-directory mark. */
static int mark_skipped(struct fat_fs *f, struct fat_node *dir, uint32_t first, uint32_t max)
{
    static const uint8_t gone = 0xe5;
    uint32_t idx;
    uint64_t off;
    uint8_t b;
    int rc;
    for (idx = first; idx-- > 0 && first - idx <= max;) {
        rc = fat_dir_slot(f, dir, idx, &off);
        if (rc == 0)
            rc = fat_cache_read(f, off, &b, 1, FAT_K_DIR);
        if (rc < 0)
            return rc == -ENOENT ? -EIO : rc;
        if (b != 0)
            return 0;
        rc = fat_cache_write(f, off, &gone, 1, FAT_K_DIR);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Finds need consecutive free slots, within one sector when they fit in one (a sector
 * reaches the disk whole, so a crash never leaves half an entry); returns the first. */
static int find_run(struct fat_fs *f, struct fat_node *dir, uint32_t need, uint32_t *first)
{
    uint32_t idx, run = 0, per_sec = f->bps / FAT_SLOT, first_free = UINT32_MAX;
    uint64_t off;
    uint8_t b;
    int rc;
    /* every slot before the hint is in use (fat_dir_remove lowers it): from its sector */
    for (idx = dir->free_hint - dir->free_hint % per_sec;; idx++) {
        rc = fat_dir_slot(f, dir, idx, &off);
        if (rc == -ENOENT) {
            rc = grow(f, dir);
            if (rc == 0)
                rc = fat_dir_slot(f, dir, idx, &off);
        }
        if (rc == 0)
            rc = fat_cache_read(f, off, &b, 1, FAT_K_DIR);
        if (rc < 0)
            return rc;
        if (idx % per_sec == 0 && need <= per_sec)
            run = 0; /* keep an entry within one sector: written whole or not at all */
        run = b == 0 || b == 0xe5 ? run + 1 : 0;
        if (run && first_free == UINT32_MAX)
            first_free = idx;
        if (run == need) {
            *first = idx + 1 - need;
            /* the entry takes these slots: the first free one is after them, or the one
             * seen before them that was left (a run too short, or split by a sector) */
            dir->free_hint = first_free == *first ? idx + 1 : first_free;
            return mark_skipped(f, dir, *first, per_sec);
        }
    }
}

/* Writes the long-name slots of u for short name sn from slot first on. */
static int write_lfn(struct fat_fs *f, struct fat_node *dir, uint32_t first, uint32_t nl,
                     const uint16_t *u, size_t n, const uint8_t *sn)
{
    uint8_t s[FAT_SLOT];
    uint8_t sum = fat_lfn_checksum(sn);
    uint32_t k, ord, i;
    uint64_t off;
    int rc;
    for (k = 0; k < nl; k++) {
        ord = nl - k;
        memset(s, 0, sizeof s);
        s[0] = (uint8_t)(ord | (k == 0 ? 0x40 : 0));
        s[11] = FAT_ATTR_LFN;
        s[13] = sum;
        for (i = 0; i < LFN_CHARS; i++) {
            size_t c = (ord - 1) * LFN_CHARS + i;
            fat_put16(s + lfn_pos[i], c < n ? u[c] : c == n ? 0 : 0xffff);
        }
        rc = fat_dir_slot(f, dir, first + k, &off);
        if (rc == 0)
            rc = fat_cache_write(f, off, s, FAT_SLOT, FAT_K_DIR);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Adds an entry called name with the fields of raw. */
int fat_dir_add(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                const uint8_t raw[FAT_SLOT], struct fat_dirent *e)
{
    uint16_t u[FAT_MAX_LFN];
    uint8_t basis[11], ntres;
    size_t n;
    uint32_t nl = 0, first;
    int rc = fat_name_to_ucs2(name, len, u, &n);
    if (rc < 0)
        return rc;
    memcpy(e->raw, raw, FAT_SLOT);
    rc = fat_short_basis(u, n, basis, &ntres);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        memcpy(e->raw, basis, 11);
    } else {
        ntres = 0;
        nl = (uint32_t)((n + LFN_CHARS - 1) / LFN_CHARS);
        rc = pick_tail(f, dir, basis, e->raw);
        if (rc < 0)
            return rc;
    }
    e->raw[12] = ntres;
    rc = find_run(f, dir, nl + 1, &first);
    if (rc == 0 && nl)
        rc = write_lfn(f, dir, first, nl, u, n, e->raw);
    if (rc == 0)
        rc = fat_dir_slot(f, dir, first + nl, &e->loc);
    if (rc == 0)
        rc = fat_cache_write(f, e->loc, e->raw, FAT_SLOT, FAT_K_DIR);
    if (rc < 0) {
        if (nl)
            fat_index_tail_taken(f, dir, basis, 0); /* the tail was not taken after all */
        return rc == -ENOENT ? -EIO : rc;
    }
    e->first_slot = first;
    e->slot = first + nl;
    e->len = fat_ucs2_to_utf8(u, n, e->name);
    fat_index_added(f, dir, e);
    return 0;
}

/* Marks the slots of e free. */
int fat_dir_remove(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e)
{
    static const uint8_t gone = 0xe5;
    uint32_t idx;
    uint64_t off;
    int rc;
    if (e->first_slot < dir->free_hint)
        dir->free_hint = e->first_slot; /* free again */
    for (idx = e->first_slot; idx <= e->slot; idx++) {
        rc = fat_dir_slot(f, dir, idx, &off);
        if (rc == 0)
            rc = fat_cache_write(f, off, &gone, 1, FAT_K_DIR);
        if (rc < 0) {
            fat_index_drop(f, dir); /* some slots may be gone: start again */
            return rc == -ENOENT ? -EIO : rc;
        }
    }
    fat_index_removed(f, dir, e);
    return 0;
}

static int any_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    return 1;
}

/* 1 if dir has no entries but "." and "..". */
int fat_dir_empty(struct fat_fs *f, struct fat_node *dir)
{
    int rc = fat_dir_scan(f, dir, 0, any_fn, NULL);
    return rc < 0 ? rc : !rc;
}

static int subdir_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    if (e->raw[11] & FAT_ATTR_DIR)
        (*(uint32_t *)arg)++;
    return 0;
}

/* Counts dir's sub-directories. */
int fat_dir_subdirs(struct fat_fs *f, struct fat_node *dir, uint32_t *n)
{
    if (fat_index_subdirs(f, dir, n) == 0)
        return 0;
    *n = 0;
    return fat_dir_scan(f, dir, 0, subdir_fn, n);
}
