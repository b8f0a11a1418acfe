/*
 * A directory's name index: made by one scan of the directory the first time a name
 * is looked for in it, it finds a name's entry without a scan, says "absent" without
 * one, tells which short names (~N tails) are taken and counts the sub-directories.
 * The mount keeps FAT_INDEX_MAX of them, the last used first, by the directory's first
 * cluster (the fixed root: FAT_INDEX_ROOT), not with its live node, which a client's
 * release may free between two requests; a chain whose first cluster is freed (a
 * directory removed) takes its index with it (fat_index_forget, from table.c).
 *
 * Each live entry (as fat_dir_scan shows them) is held three times, as (hash << 32 |
 * short slot + 1) in an open-addressed table: under a hash of its name and under a hash
 * of its short name's display form, both without case (fat_name_eq's rule), and under a
 * hash of its 11 short-name bytes, which are also kept by slot (sn). A name hit is only
 * a candidate: the entry is read at its slot and compared as fat_dir_find compares, so
 * a collision costs a read, never a wrong answer; a short-name hit is compared with the
 * kept bytes (pick_tail asks for ~1, ~2, ... until one is free). An absent name is absent only
 * because every entry is in the index: so every change of a directory's names goes through
 * fat_dir_add and fat_dir_remove, which tell the index (fat_index_added/_removed);
 * a change that does not (rename putting an old entry back after a failure) drops it
 * (fat_index_drop), and the next look-up makes it again.
 */
#include "fat_internal.h"

#include <string.h>

#define TOMB UINT64_MAX

#define FAT_INDEX_MAX 16
#define FAT_INDEX_ROOT UINT32_MAX

struct fat_dir_index {
    struct fat_dir_index *next; /* the mount's list, the last used first */
    uint32_t key;               /* the directory's first cluster, or FAT_INDEX_ROOT */
    uint64_t *tab;              /* 0: empty, TOMB: removed, else hash << 32 | (slot + 1) */
    uint32_t cap, used;         /* a power of two; slots not empty (tombstones too) */
    uint32_t live;              /* entries */
    uint32_t subdirs;
    uint8_t (*sn)[12]; /* by short slot: the 11 short-name bytes, and 1 if live */
    uint32_t sncap;    /* slots sn has room for */
    /* every ~N tail of tail_basis below tail_from is taken (pick_tail's next start;
     * a removal sets it back to 1) */
    uint8_t tail_basis[11];
    uint32_t tail_from;
};

static uint32_t raw_hash(const uint8_t *raw11)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 11; i++)
        h = (h ^ raw11[i]) * 16777619u;
    return h ^ 0x5bd1e995u; /* apart from the names' */
}

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a'); /* fat_name_eq's folding */
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static uint32_t short_hash(const uint8_t *raw)
{
    char sn[40];
    size_t n = fat_short_display(raw, sn);
    return name_hash(sn, n);
}

static void put(struct fat_dir_index *x, uint32_t h, uint32_t slot)
{
    uint32_t i = h & (x->cap - 1);
    while (x->tab[i] != 0 && x->tab[i] != TOMB)
        i = (i + 1) & (x->cap - 1);
    if (x->tab[i] == 0)
        x->used++;
    x->tab[i] = (uint64_t)h << 32 | (slot + 1);
}

/* Room for two more entries (tombstones cleared): false without memory. */
static bool make_room(struct fat_fs *f, struct fat_dir_index *x)
{
    uint64_t *old = x->tab;
    uint32_t ocap = x->cap, ncap = ocap ? ocap : 64, i;
    if (old && (x->used + 3) * 2 <= ocap)
        return true;
    while ((x->live * 3 + 3) * 2 > ncap)
        ncap *= 2;
    x->tab = vfs_zalloc(f->fs.env, (size_t)ncap * sizeof *x->tab);
    if (!x->tab) {
        x->tab = old;
        return false;
    }
    x->cap = ncap;
    x->used = 0;
    for (i = 0; i < ocap; i++)
        if (old[i] != 0 && old[i] != TOMB)
            put(x, (uint32_t)(old[i] >> 32), (uint32_t)old[i] - 1);
    if (old)
        vfs_free(f->fs.env, old, (size_t)ocap * sizeof *old);
    return true;
}

/* sn has room for slot: false without memory. */
static bool sn_room(struct fat_fs *f, struct fat_dir_index *x, uint32_t slot)
{
    uint32_t ncap = x->sncap ? x->sncap : 256;
    uint8_t(*nsn)[12];
    if (slot < x->sncap)
        return true;
    while (ncap <= slot)
        ncap *= 2;
    nsn = vfs_zalloc(f->fs.env, (size_t)ncap * sizeof *nsn);
    if (!nsn)
        return false;
    if (x->sn) {
        memcpy(nsn, x->sn, (size_t)x->sncap * sizeof *nsn);
        vfs_free(f->fs.env, x->sn, (size_t)x->sncap * sizeof *nsn);
    }
    x->sn = nsn;
    x->sncap = ncap;
    return true;
}

static bool insert(struct fat_fs *f, struct fat_dir_index *x, const struct fat_dirent *e)
{
    uint32_t h1 = name_hash(e->name, e->len), h2 = short_hash(e->raw);
    if (!make_room(f, x) || !sn_room(f, x, e->slot))
        return false;
    memcpy(x->sn[e->slot], e->raw, 11);
    x->sn[e->slot][11] = 1;
    put(x, h1, e->slot);
    if (h2 != h1)
        put(x, h2, e->slot);
    put(x, raw_hash(e->raw), e->slot);
    x->live++;
    if (e->raw[11] & FAT_ATTR_DIR)
        x->subdirs++;
    return true;
}

static uint32_t key_of(const struct fat_fs *f, const struct fat_node *dir)
{
    return dir == &f->root ? FAT_INDEX_ROOT : dir->first;
}

static void index_free(struct fat_fs *f, struct fat_dir_index *x)
{
    if (x->tab)
        vfs_free(f->fs.env, x->tab, (size_t)x->cap * sizeof *x->tab);
    if (x->sn)
        vfs_free(f->fs.env, x->sn, (size_t)x->sncap * sizeof *x->sn);
    vfs_free(f->fs.env, x, sizeof *x);
}

void fat_index_forget(struct fat_fs *f, uint32_t cl)
{
    for (struct fat_dir_index **pp = &f->indexes; *pp; pp = &(*pp)->next)
        if ((*pp)->key == cl) {
            struct fat_dir_index *x = *pp;
            *pp = x->next;
            index_free(f, x);
            return;
        }
}

void fat_index_drop(struct fat_fs *f, struct fat_node *dir)
{
    fat_index_forget(f, key_of(f, dir));
}

void fat_index_free_all(struct fat_fs *f)
{
    while (f->indexes) {
        struct fat_dir_index *x = f->indexes;
        f->indexes = x->next;
        index_free(f, x);
    }
}

/* dir's index if it has one (moved to the front), else NULL. */
static struct fat_dir_index *index_find(struct fat_fs *f, const struct fat_node *dir)
{
    uint32_t key = key_of(f, dir);
    for (struct fat_dir_index **pp = &f->indexes; *pp; pp = &(*pp)->next)
        if ((*pp)->key == key) {
            struct fat_dir_index *x = *pp;
            *pp = x->next;
            x->next = f->indexes;
            f->indexes = x;
            return x;
        }
    return NULL;
}

static int build_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    return insert(f, arg, e) ? 0 : -ENOMEM;
}

/* dir's index, made now if missing; NULL when it cannot be (no memory, a broken
 * directory: the callers scan, and meet the same error). */
static struct fat_dir_index *index_of(struct fat_fs *f, struct fat_node *dir)
{
    struct fat_dir_index *x, **pp;
    unsigned n = 0;
    if (dir->unlinked || (dir != &f->root && !dir->first))
        return NULL;
    x = index_find(f, dir);
    if (x)
        return x;
    x = vfs_zalloc(f->fs.env, sizeof *x);
    if (!x)
        return NULL;
    x->key = key_of(f, dir);
    if (!make_room(f, x) || fat_dir_scan(f, dir, 0, build_fn, x) != 0) {
        index_free(f, x);
        return NULL;
    }
    x->next = f->indexes;
    f->indexes = x;
    for (pp = &f->indexes; *pp && ++n < FAT_INDEX_MAX; pp = &(*pp)->next)
        ;
    if (*pp && (*pp)->next) { /* the least recently used goes */
        index_free(f, (*pp)->next);
        (*pp)->next = NULL;
    }
    return x;
}

struct first_arg {
    uint32_t slot;
    struct fat_dirent *out;
};

static int first_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    struct first_arg *a = arg;
    if (e->slot != a->slot)
        return 2; /* not an entry there (any more) */
    *a->out = *e;
    return 1;
}

int fat_index_find(struct fat_fs *f, struct fat_node *dir, const char *name, size_t len,
                   struct fat_dirent *e)
{
    struct fat_dir_index *x = index_of(f, dir);
    uint32_t h, i;
    char sn[40];
    if (!x)
        return FAT_INDEX_NONE;
    h = name_hash(name, len);
    for (i = h & (x->cap - 1); x->tab[i] != 0; i = (i + 1) & (x->cap - 1)) {
        struct first_arg a;
        int rc;
        if (x->tab[i] == TOMB || (uint32_t)(x->tab[i] >> 32) != h)
            continue;
        a.slot = (uint32_t)x->tab[i] - 1;
        a.out = e;
        rc = fat_dir_scan(f, dir, a.slot, first_fn, &a);
        if (rc < 0)
            return rc;
        if (rc != 1)
            continue;
        if (fat_name_eq(e->name, e->len, name, len) ||
            fat_name_eq(sn, fat_short_display(e->raw, sn), name, len))
            return 1;
    }
    return 0;
}

int fat_index_short_taken(struct fat_fs *f, struct fat_node *dir, const uint8_t raw11[11])
{
    struct fat_dir_index *x = index_of(f, dir);
    uint32_t h, i, slot;
    if (!x)
        return FAT_INDEX_NONE;
    h = raw_hash(raw11);
    for (i = h & (x->cap - 1); x->tab[i] != 0; i = (i + 1) & (x->cap - 1)) {
        if (x->tab[i] == TOMB || (uint32_t)(x->tab[i] >> 32) != h)
            continue;
        slot = (uint32_t)x->tab[i] - 1;
        if (slot < x->sncap && x->sn[slot][11] && memcmp(x->sn[slot], raw11, 11) == 0)
            return 1;
    }
    return 0;
}

uint32_t fat_index_tail_from(struct fat_fs *f, struct fat_node *dir, const uint8_t basis[11])
{
    struct fat_dir_index *x = index_of(f, dir);
    if (!x || x->tail_from < 1 || memcmp(x->tail_basis, basis, 11) != 0)
        return 1;
    return x->tail_from;
}

void fat_index_tail_taken(struct fat_fs *f, struct fat_node *dir, const uint8_t basis[11],
                          uint32_t n)
{
    struct fat_dir_index *x = index_find(f, dir);
    if (!x)
        return;
    memcpy(x->tail_basis, basis, 11);
    x->tail_from = n + 1;
}

int fat_index_subdirs(struct fat_fs *f, struct fat_node *dir, uint32_t *n)
{
    struct fat_dir_index *x = index_of(f, dir);
    if (!x)
        return FAT_INDEX_NONE;
    *n = x->subdirs;
    return 0;
}

void fat_index_added(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e)
{
    struct fat_dir_index *x = index_find(f, dir);
    if (x && !insert(f, x, e))
        fat_index_drop(f, dir); /* incomplete: made again at the next look-up */
}

void fat_index_removed(struct fat_fs *f, struct fat_node *dir, const struct fat_dirent *e)
{
    struct fat_dir_index *x = index_find(f, dir);
    bool found = false;
    uint32_t hs[3], k, i;
    if (!x)
        return;
    hs[0] = name_hash(e->name, e->len);
    hs[1] = short_hash(e->raw);
    hs[2] = raw_hash(e->raw);
    for (k = 0; k < 3; k++)
        for (i = hs[k] & (x->cap - 1); x->tab[i] != 0; i = (i + 1) & (x->cap - 1))
            if (x->tab[i] == ((uint64_t)hs[k] << 32 | (e->slot + 1))) {
                x->tab[i] = TOMB;
                found = true;
            }
    x->tail_from = 1;
    if (!found || e->slot >= x->sncap) {
        fat_index_drop(f, dir); /* not what the index held: start again */
        return;
    }
    x->sn[e->slot][11] = 0;
    x->live--;
    if (e->raw[11] & FAT_ATTR_DIR)
        x->subdirs--;
}
