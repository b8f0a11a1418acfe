/*
 * vfs_plugin_fat: a FAT12/16/32 volume with long names as a VFS tree plugin, over the
 * block device that fat_blockdev_open gives (blockdev.h). The Unix view is Linux
 * vfat's: owner, group and modes from the mount options (uid=, gid=, umask=, fmask=,
 * dmask=), chmod only sets or clears the read-only attribute, chown to anyone else is
 * EPERM, symlinks, hard links and device nodes are EPERM, names are found without case
 * and keep theirs. docs/fat.md has the whole mapping; fat_node.c the node lifetimes,
 * dir.c the directory format, table.c the FAT, cache.c when data reaches the disk.
 *
 * Readdir positions: 2 + the index of the entry's short slot in its directory (entries
 * never move, so a position stays valid while others come and go).
 */
#include "fat.h"
#include "fat_internal.h"

#include <capix/config.h>
#include <string.h>

#define MSDOS_SUPER_MAGIC 0x4d44
#define FAT_NAMELEN 1530 /* what Linux vfat reports */

static int64_t now_sec(struct fat_fs *f)
{
    return vfs_now(f->fs.env).tv_sec;
}

/* Sets the modification time of directory d (not the root) after a change in it. */
static int touch_dir(struct fat_fs *f, struct fat_node *d)
{
    if (d == &f->root || !d->loc)
        return 0;
    fat_time_to(now_sec(f), d->raw, 22, 24);
    return fat_node_store(f, d);
}

static int fat_lookup(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out)
{
    struct fat_fs *f = fat_of(dir->fs);
    struct fat_node *d = fat_node_of(dir), *n;
    struct fat_dirent *e;
    int rc;
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        n = d->parent ? d->parent : &f->root;
        vfs_node_get(&n->vn);
        *out = &n->vn;
        return 0;
    }
    if (d->unlinked)
        return -ENOENT;
    e = vfs_zalloc(f->fs.env, sizeof *e);
    if (!e)
        return -ENOMEM;
    rc = fat_dir_find(f, d, name, len, e);
    if (rc == 0)
        rc = -ENOENT;
    if (rc == 1)
        rc = fat_node_get(f, d, e, &n);
    if (rc == 0)
        *out = &n->vn;
    vfs_free(f->fs.env, e, sizeof *e);
    return rc;
}

static int readdir_fn(struct fat_fs *f, const struct fat_dirent *e, void *arg)
{
    struct vfs_dirent *out = arg;
    struct fat_node *n = fat_node_find(f, e->loc);
    memcpy(f->name_buf, e->name, e->len + 1);
    out->name = f->name_buf;
    out->len = e->len;
    out->ino = n ? n->vn.ino : fat_loc_ino(e->loc);
    out->type = vfs_dtype(e->raw[11] & FAT_ATTR_DIR ? S_IFDIR : S_IFREG);
    out->next = (uint64_t)e->slot + 3;
    return 1;
}

static int fat_readdir(struct vfs_node *dir, uint64_t pos, struct vfs_dirent *out)
{
    struct fat_fs *f = fat_of(dir->fs);
    struct fat_node *d = fat_node_of(dir);
    if (d->unlinked || pos - 2 >= FAT_MAX_DIR_SLOTS)
        return 0;
    return fat_dir_scan(f, d, (uint32_t)(pos - 2), readdir_fn, out);
}

/* Writes the "." and ".." entries of a new directory at cluster cl. */
static int write_dots(struct fat_fs *f, const uint8_t *raw, uint32_t cl, uint32_t parent_cl)
{
    uint8_t dots[2 * FAT_SLOT];
    memcpy(dots, raw, FAT_SLOT);
    memcpy(dots + FAT_SLOT, raw, FAT_SLOT);
    memset(dots, ' ', 11);
    memset(dots + FAT_SLOT, ' ', 11);
    dots[0] = '.';
    dots[FAT_SLOT] = dots[FAT_SLOT + 1] = '.';
    dots[12] = dots[FAT_SLOT + 12] = 0;
    fat_de_set_cluster(dots, cl);
    fat_de_set_cluster(dots + FAT_SLOT, parent_cl);
    /* like data: on the disk before the entry that names the directory */
    return fat_cache_write(f, fat_cluster_off(f, cl), dots, sizeof dots, FAT_K_DATA);
}

/* The cluster a ".." entry names for directory d (0 for the root). */
static uint32_t dotdot_cluster(struct fat_fs *f, struct fat_node *d)
{
    return d == &f->root ? 0 : d->first;
}

static int fat_create(struct vfs_node *dir, const char *name, size_t len,
                      const struct vfs_create_args *a, struct vfs_node **out)
{
    struct fat_fs *f = fat_of(dir->fs);
    struct fat_node *d = fat_node_of(dir), *n;
    uint32_t type = a->mode & S_IFMT, cl = 0;
    uint8_t raw[FAT_SLOT];
    struct fat_dirent *e;
    int64_t t = now_sec(f);
    int rc;
    if (type != S_IFREG && type != S_IFDIR)
        return -EPERM;
    if (d->unlinked)
        return -ENOENT;
    rc = fat_mark_dirty(f);
    if (rc < 0)
        return rc;
    memset(raw, 0, sizeof raw);
    raw[11] = type == S_IFDIR ? FAT_ATTR_DIR : FAT_ATTR_ARCHIVE;
    raw[13] = (uint8_t)((t % 2) * 100 + vfs_now(f->fs.env).tv_nsec / 10000000);
    fat_time_to(t, raw, 14, 16);
    fat_time_to(t, raw, -1, 18);
    fat_time_to(t, raw, 22, 24);
    e = vfs_zalloc(f->fs.env, sizeof *e);
    if (!e)
        return -ENOMEM;
    if (type == S_IFDIR) {
        rc = fat_alloc(f, 0, true, &cl);
        if (rc == 0)
            rc = write_dots(f, raw, cl, dotdot_cluster(f, d));
        fat_de_set_cluster(raw, cl);
    }
    if (rc == 0)
        rc = fat_dir_add(f, d, name, len, raw, e);
    if (rc < 0 && cl)
        fat_free_chain(f, cl);
    if (rc == 0 && cl) /* its cluster (zeros, dots) before the FAT entry, as dir.c's grow */
        rc = fat_cache_write_through(f, fat_cluster_off(f, cl) / f->bps, f->spc);
    if (rc == 0)
        rc = touch_dir(f, d);
    if (rc == 0)
        rc = fat_node_get(f, d, e, &n);
    if (rc == 0)
        *out = &n->vn;
    vfs_free(f->fs.env, e, sizeof *e);
    return rc;
}

/* Finds name in d and checks that it is node's entry. */
static int find_entry(struct fat_fs *f, struct fat_node *d, const char *name, size_t len,
                      struct fat_dirent *e)
{
    int rc = fat_dir_find(f, d, name, len, e);
    return rc == 0 ? -ENOENT : rc < 0 ? rc : 0;
}

/* Removes the entry e of d whose node (live or not) goes away. */
static int drop_entry(struct fat_fs *f, struct fat_node *d, const struct fat_dirent *e)
{
    struct fat_node *n = fat_node_find(f, e->loc);
    uint32_t cl = fat_de_cluster(f, e->raw);
    int rc;
    if (e->raw[11] & FAT_ATTR_DIR) {
        struct fat_node tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.first = cl;
        rc = fat_dir_empty(f, n ? n : &tmp);
        if (rc <= 0)
            return rc < 0 ? rc : -ENOTEMPTY;
    }
    rc = fat_dir_remove(f, d, e);
    if (rc < 0)
        return rc;
    if (n)
        fat_node_move(f, n, 0); /* its clusters go with its last reference */
    else if (fat_cluster_ok(f, cl))
        rc = fat_defer_free(f, cl);
    return rc;
}

static int fat_unlink(struct vfs_node *dir, const char *name, size_t len, struct vfs_node *victim)
{
    struct fat_fs *f = fat_of(dir->fs);
    struct fat_node *d = fat_node_of(dir);
    struct fat_dirent *e = vfs_zalloc(f->fs.env, sizeof *e);
    int rc;
    if (!e)
        return -ENOMEM;
    rc = find_entry(f, d, name, len, e);
    if (rc == 0 && e->loc != fat_node_of(victim)->loc)
        rc = -ENOENT;
    if (rc == 0)
        rc = fat_mark_dirty(f);
    if (rc == 0)
        rc = drop_entry(f, d, e);
    if (rc == 0)
        rc = touch_dir(f, d);
    vfs_free(f->fs.env, e, sizeof *e);
    return rc;
}

/* Points the ".." entry of the directory at cluster cl to newparent. */
static int fix_dotdot(struct fat_fs *f, uint32_t cl, struct fat_node *newparent)
{
    uint8_t raw[FAT_SLOT];
    uint64_t off;
    int rc;
    if (!fat_cluster_ok(f, cl))
        return -EIO;
    off = fat_cluster_off(f, cl) + FAT_SLOT;
    rc = fat_cache_read(f, off, raw, FAT_SLOT, FAT_K_DIR);
    if (rc < 0)
        return rc;
    if (raw[0] != '.' || raw[1] != '.')
        return 0; /* no ".." to fix (fsck would say so; not ours to repair) */
    fat_de_set_cluster(raw, dotdot_cluster(f, newparent));
    return fat_cache_write(f, off, raw, FAT_SLOT, FAT_K_DIR);
}

/* Moves the live node n (if any) of a renamed entry to its new place under nd. */
static void move_node(struct fat_fs *f, struct fat_node *n, struct fat_node *nd,
                      const struct fat_dirent *ne)
{
    struct fat_node *old;
    if (!n)
        return;
    fat_node_move(f, n, ne->loc);
    memcpy(n->raw, ne->raw, FAT_SLOT);
    old = n->parent;
    if (old != nd) {
        n->parent = nd;
        vfs_node_get(&nd->vn);
        if (old && --old->vn.refs == 0)
            fat_node_free(f, old);
    }
}

struct rename_work {
    struct fat_dirent oe, ve, ne;
    uint8_t saved[21 * FAT_SLOT]; /* the old entry's slots, to put back on failure */
};

/* Copies the slots of e (in d) out of (save) or back into the directory. */
static int entry_slots(struct fat_fs *f, struct fat_node *d, const struct fat_dirent *e,
                       uint8_t *buf, bool save)
{
    uint32_t idx;
    uint64_t off;
    int rc = 0;
    for (idx = e->first_slot; idx <= e->slot && idx - e->first_slot < 21 && rc == 0; idx++) {
        uint8_t *p = buf + (size_t)(idx - e->first_slot) * FAT_SLOT;
        rc = fat_dir_slot(f, d, idx, &off);
        if (rc == 0)
            rc = save ? fat_cache_read(f, off, p, FAT_SLOT, FAT_K_DIR)
                      : fat_cache_write(f, off, p, FAT_SLOT, FAT_K_DIR);
    }
    return rc == -ENOENT ? -EIO : rc;
}

static int do_rename(struct fat_fs *f, struct fat_node *od, const char *oname, size_t olen,
                     struct fat_node *nd, const char *nname, size_t nlen, struct rename_work *w)
{
    struct fat_node *n;
    int rc = find_entry(f, od, oname, olen, &w->oe);
    bool victim;
    if (rc < 0)
        return rc;
    rc = fat_dir_find(f, nd, nname, nlen, &w->ve);
    if (rc < 0)
        return rc;
    victim = rc == 1 && w->ve.loc != w->oe.loc;
    if (rc == 1 && !victim && w->ve.len == nlen && memcmp(w->ve.name, nname, nlen) == 0)
        return 0; /* the same name */
    rc = fat_mark_dirty(f);
    if (rc == 0 && victim)
        rc = drop_entry(f, nd, &w->ve);
    n = fat_node_find(f, w->oe.loc);
    if (n)
        memcpy(w->oe.raw, n->raw, FAT_SLOT);
    /* the old name leaves the disk before the new one reaches it: a crash in between
     * loses the file's name (lost clusters), never gives its clusters two names */
    if (rc == 0)
        rc = entry_slots(f, od, &w->oe, w->saved, true);
    if (rc == 0)
        rc = fat_dir_remove(f, od, &w->oe);
    if (rc == 0)
        rc = fat_cache_sync(f);
    if (rc == 0) {
        rc = fat_dir_add(f, nd, nname, nlen, w->oe.raw, &w->ne);
        if (rc < 0) {
            entry_slots(f, od, &w->oe, w->saved, false);
            fat_index_drop(f, od); /* the old entry is back behind its back */
        }
    }
    if (rc < 0)
        return rc;
    move_node(f, n, nd, &w->ne);
    if (od != nd && (w->oe.raw[11] & FAT_ATTR_DIR))
        rc = fix_dotdot(f, fat_de_cluster(f, w->oe.raw), nd);
    if (rc == 0)
        rc = touch_dir(f, od);
    if (rc == 0 && nd != od)
        rc = touch_dir(f, nd);
    return rc;
}

static int fat_rename(struct vfs_node *odir, const char *oname, size_t olen, struct vfs_node *ndir,
                      const char *nname, size_t nlen, unsigned flags)
{
    struct fat_fs *f = fat_of(odir->fs);
    struct rename_work *w;
    int rc;
    if (flags & RENAME_EXCHANGE)
        return -EINVAL;
    if (fat_node_of(odir)->unlinked || fat_node_of(ndir)->unlinked)
        return -ENOENT;
    w = vfs_zalloc(f->fs.env, sizeof *w);
    if (!w)
        return -ENOMEM;
    rc = do_rename(f, fat_node_of(odir), oname, olen, fat_node_of(ndir), nname, nlen, w);
    vfs_free(f->fs.env, w, sizeof *w);
    return rc;
}

/* The permission bits Linux vfat shows for n. */
static uint32_t node_perm(const struct fat_fs *f, const struct fat_node *n)
{
    if (n->vn.type == S_IFDIR)
        return 0777 & ~f->dmask;
    if (n->attr & FAT_ATTR_RO)
        return 0777 & ~f->fmask & ~0222u;
    return 0777 & ~f->fmask;
}

static int fat_getattr(struct vfs_node *node, struct linux_stat *st)
{
    struct fat_fs *f = fat_of(node->fs);
    struct fat_node *n = fat_node_of(node);
    uint32_t sub = 0, len = 0;
    uint64_t bytes;
    int rc;
    st->st_mode = n->vn.type | node_perm(f, n);
    st->st_uid = f->uid;
    st->st_gid = f->gid;
    if (n->vn.type == S_IFDIR) {
        rc = n->unlinked ? 0 : fat_dir_subdirs(f, n, &sub);
        if (rc < 0)
            return rc;
        st->st_nlink = n->unlinked ? 0 : 2 + (uint64_t)sub;
        if (n == &f->root && f->type != FAT32) {
            bytes = (uint64_t)f->root_entries * FAT_SLOT;
        } else {
            rc = fat_chain_len(f, n->first, &len);
            if (rc < 0)
                return rc;
            bytes = (uint64_t)len * f->cluster_bytes;
        }
        st->st_size = (int64_t)bytes;
    } else {
        st->st_nlink = n->unlinked ? 0 : 1;
        st->st_size = n->size;
        bytes = ((uint64_t)n->size + f->cluster_bytes - 1) / f->cluster_bytes * f->cluster_bytes;
    }
    st->st_blocks = (int64_t)(bytes / 512);
    if (n != &f->root) {
        /* a date's conversion costs about 100 instructions: kept per node */
        uint64_t key = 1ull << 48 | (uint64_t)fat_le16(n->raw + 24) << 32 |
                       (uint64_t)fat_le16(n->raw + 22) << 16 | fat_le16(n->raw + 18);
        if (n->times_key != key) {
            n->mtime = fat_time_from(n->raw, 22, 24);
            n->atime = fat_time_from(n->raw, -1, 18);
            n->times_key = key;
        }
        st->st_mtim.tv_sec = n->mtime;
        st->st_atim.tv_sec = n->atime;
        st->st_ctim = st->st_mtim;
    }
    return 0;
}

/* Linux vfat's check of a chmod: r and x bits cannot change; w bits all or none. */
static int mode_change(const struct fat_fs *f, struct fat_node *n, uint32_t mode, uint8_t *attr)
{
    uint32_t mask = n->vn.type == S_IFDIR ? f->dmask : f->fmask;
    uint32_t perm = mode & 0777 & ~mask, cur = node_perm(f, n);
    if ((perm & 0555) != (cur & 0555))
        return -EPERM;
    if (n->vn.type == S_IFDIR) {
        if ((perm & 0222) != (0222 & ~mask))
            return -EPERM;
        return 0;
    }
    if ((perm & 0222) && (perm & 0222) != (0222 & ~mask))
        return -EPERM;
    *attr = perm & 0222 ? (uint8_t)(*attr & ~FAT_ATTR_RO) : (uint8_t)(*attr | FAT_ATTR_RO);
    return 0;
}

static int fat_setattr(struct vfs_node *node, const struct vfs_setattr *a)
{
    struct fat_fs *f = fat_of(node->fs);
    struct fat_node *n = fat_node_of(node);
    uint8_t attr = n->attr;
    int rc = 0;
    if (((a->mask & VFS_SET_UID) && a->uid != f->uid) ||
        ((a->mask & VFS_SET_GID) && a->gid != f->gid))
        return -EPERM;
    if ((a->mask & VFS_SET_MODE) && (rc = mode_change(f, n, a->mode, &attr)) < 0)
        return rc;
    if (n == &f->root)
        return (a->mask & (VFS_SET_SIZE | VFS_SET_ATIME | VFS_SET_MTIME)) ? -EPERM : 0;
    rc = fat_mark_dirty(f);
    if (rc < 0)
        return rc;
    n->attr = attr;
    if ((a->mask & VFS_SET_SIZE) && n->vn.type == S_IFREG && a->size != n->size) {
        rc = fat_file_resize(f, n, a->size);
        if (rc < 0)
            return rc;
        fat_time_to(now_sec(f), n->raw, 22, 24);
    }
    if (a->mask & VFS_SET_MTIME)
        fat_time_to(a->mtime.tv_sec, n->raw, 22, 24);
    if (a->mask & VFS_SET_ATIME)
        fat_time_to(a->atime.tv_sec, n->raw, -1, 18);
    return fat_node_store(f, n);
}

static int fat_statfs(struct vfs_fs *fs, struct linux_statfs *st)
{
    struct fat_fs *f = fat_of(fs);
    int rc = f->npending ? fat_checkpoint(f) : 0; /* count freed chains as free */
    if (rc < 0)
        return rc;
    st->f_type = MSDOS_SUPER_MAGIC;
    st->f_bsize = f->cluster_bytes;
    st->f_frsize = f->cluster_bytes;
    st->f_blocks = f->clusters;
    st->f_bfree = st->f_bavail = f->free_known ? f->free_count : 0;
    st->f_files = 0;
    st->f_ffree = 0;
    st->f_namelen = FAT_NAMELEN;
    return 0;
}

static void fat_release(struct vfs_node *node)
{
    struct fat_fs *f = fat_of(node->fs);
    fat_node_free(f, fat_node_of(node));
}

/* Writes everything back and marks the volume clean. */
int fat_sync(struct vfs_fs *fs)
{
    struct fat_fs *f = fat_of(fs);
    int rc;
    if (f->ro)
        return 0;
    rc = fat_checkpoint(f); /* first everything, then the clean flag on its own */
    if (rc == 0 && (f->marked_dirty || f->fsinfo_dirty)) {
        rc = fat_set_clean(f, true);
        if (rc == 0)
            rc = fat_cache_sync(f);
        if (rc == 0)
            f->marked_dirty = false;
    }
    return rc;
}

static void fat_unmount(struct vfs_fs *fs)
{
    struct fat_fs *f = fat_of(fs);
    if (fs->root && fat_sync(fs) < 0)
        vfs_log(fs->env, "fat: the volume could not be written back at unmount");
    fat_index_free_all(f);
    fat_cache_free(f);
    if (f->pending)
        vfs_free(fs->env, f->pending, f->cap_pending * sizeof *f->pending);
    if (f->nodes)
        vfs_free(fs->env, f->nodes, f->nnodes_hash * sizeof *f->nodes);
    if (f->dev)
        fat_blockdev_close(f->dev);
    vfs_free(fs->env, f, sizeof *f);
}

static int64_t fat_read(struct vfs_file *file, void *buf, size_t n, uint64_t off)
{
    struct fat_node *node = fat_node_of(file->node);
    return fat_file_read(fat_of(file->node->fs), node, off, buf, n);
}

static int64_t fat_write(struct vfs_file *file, const void *buf, size_t n, uint64_t *off)
{
    struct fat_node *node = fat_node_of(file->node);
    uint64_t pos = (file->flags & O_APPEND) ? node->size : *off;
    int64_t rc = fat_file_write(fat_of(file->node->fs), node, pos, buf, n);
    if (rc > 0)
        *off = pos + (uint64_t)rc;
    return rc;
}

static int fat_fsync(struct vfs_file *file, bool datasync)
{
    return fat_sync(file->node->fs);
}

static const struct vfs_fs_ops fat_ops = {
    .data_on_device = true,
    .lookup = fat_lookup,
    .readdir = fat_readdir,
    .create = fat_create,
    .unlink = fat_unlink,
    .rename = fat_rename,
    .getattr = fat_getattr,
    .setattr = fat_setattr,
    .statfs = fat_statfs,
    .release = fat_release,
    .unmount = fat_unmount,
    .read = fat_read,
    .write = fat_write,
    .fsync = fat_fsync,
    .syncfs = fat_sync,
};

struct fat_opts {
    const char *label;
    uint32_t uid, gid, umask, fmask, dmask;
    uint64_t cache;
    bool ro, have_fmask, have_dmask;
};

static int parse_id(const struct vfs_mount_args *a, const struct cfg_value *v, uint32_t *out)
{
    uint64_t x;
    if (cfg_parse_u64(v->text, &x) < 0 || x > 0xfffffffeull)
        return vfs_config_error(a->err, a->cfg, v, "fat: %s: expected a number, found '%s'", v->key,
                                v->text);
    *out = (uint32_t)x;
    return 0;
}

/* Reads the configuration node into o. */
static int parse_opts(const struct vfs_mount_args *a, struct fat_opts *o)
{
    const struct cfg_node *n = a->cfg;
    unsigned i, arg = 0;
    int rc = 0;
    o->label = "";
    o->umask = 022;
    for (i = 0; n && i < n->nvalues && rc == 0; i++) {
        const struct cfg_value *v = &n->values[i];
        if (!v->key) {
            if (arg++ < a->first_arg)
                continue;
            if (strcmp(v->text, "ro") == 0 || strcmp(v->text, "rw") == 0)
                o->ro = v->text[1] == 'o';
            else
                rc = vfs_config_error(a->err, n, v, "fat: unknown value '%s'; expected ro or rw",
                                      v->text);
        } else if (strcmp(v->key, "label") == 0) {
            o->label = v->text;
        } else if (strcmp(v->key, "uid") == 0) {
            rc = parse_id(a, v, &o->uid);
        } else if (strcmp(v->key, "gid") == 0) {
            rc = parse_id(a, v, &o->gid);
        } else if (strcmp(v->key, "cache") == 0) {
            if (cfg_parse_u64(v->text, &o->cache) < 0 || o->cache < FAT_CACHE_MIN ||
                o->cache > FAT_CACHE_MAX)
                rc = vfs_config_error(a->err, n, v,
                                      "fat: cache: expected a size from 64K to 1G, found '%s'",
                                      v->text);
        } else if (strcmp(v->key, "umask") != 0 && strcmp(v->key, "fmask") != 0 &&
                   strcmp(v->key, "dmask") != 0) {
            rc = vfs_config_error(a->err, n, v,
                                  "fat: unknown property '%s'; known are label=, uid=, gid=, "
                                  "umask=, fmask=, dmask= and cache=",
                                  v->key);
        }
    }
    if (rc == 0)
        rc = vfs_cfg_mode(n, "umask", &o->umask, a->err);
    o->fmask = o->dmask = o->umask;
    if (rc == 0)
        rc = vfs_cfg_mode(n, "fmask", &o->fmask, a->err);
    if (rc == 0)
        rc = vfs_cfg_mode(n, "dmask", &o->dmask, a->err);
    o->fmask &= 0777;
    o->dmask &= 0777;
    return rc;
}

/* Reads the volume: boot sector, free count, root; marks it in use when writable. */
static int open_volume(const struct vfs_mount_args *a, struct fat_fs *f, const char *label)
{
    uint32_t ss = f->dev->sector_size;
    int rc;
    if (ss < 512 || ss > 4096 || (ss & (ss - 1)) || !f->dev->read)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fat: the device '%s' has sectors of %u bytes", label, ss);
    f->bps = ss; /* to read sector 0 */
    f->dev_per_sec = 1;
    f->total_sectors = f->dev->sectors ? 1 : 0;
    rc = fat_cache_init(f);
    if (rc == 0)
        rc = fat_read_boot(f);
    if (rc == -EINVAL)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "fat: the device '%s' holds no FAT file system we can use", label);
    /* the cache was sized for the device's sectors: make it again for the volume's */
    fat_cache_free(f);
    if (rc == 0 && (rc = fat_cache_init(f)) == -ENOMEM && f->cache_bytes)
        return vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "cache"),
                                "fat: cache=%s does not fit in the memory of the server",
                                cfg_prop(a->cfg, "cache"));
    if (rc == 0)
        rc = fat_count_free(f);
    return rc;
}

static int fat_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    struct fat_opts o;
    struct fat_fs *f;
    int rc;
    memset(&o, 0, sizeof o);
    rc = parse_opts(a, &o);
    if (rc < 0)
        return rc;
    f = vfs_zalloc(a->env, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->fs.env = a->env;
    f->fs.ops = &fat_ops;
    f->uid = o.uid;
    f->gid = o.gid;
    f->fmask = o.fmask;
    f->dmask = o.dmask;
    f->cache_bytes = o.cache;
    f->nnodes_hash = 256;
    f->nodes = vfs_zalloc(a->env, f->nnodes_hash * sizeof *f->nodes);
    rc = f->nodes ? fat_blockdev_open(a, o.label, &f->dev) : -ENOMEM;
    if (rc < 0 && f->nodes)
        rc = vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "label"),
                              "fat: cannot open the block device '%s' (error %d)", o.label, -rc);
    f->ro = o.ro || (f->dev && !f->dev->write);
    if (rc == 0)
        rc = open_volume(a, f, o.label);
    if (rc < 0) {
        fat_unmount(&f->fs);
        return rc;
    }
    f->root.vn.fs = &f->fs;
    f->root.vn.ino = 1;
    f->root.vn.type = S_IFDIR;
    f->root.first = f->type == FAT32 ? f->root_cluster : 0;
    f->root.attr = FAT_ATTR_DIR;
    f->fs.root = &f->root.vn;
    f->fs.flags = f->ro ? VFS_FS_RDONLY : 0;
    *out = &f->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_fat = {
    .name = "fat",
    .kind = VFS_PLUGIN_TREE,
    .mount = fat_mount,
};
