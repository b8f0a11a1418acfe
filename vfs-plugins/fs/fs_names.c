/*
 * fs plugin (README.md): lookups with the name table kept while the server's change
 * count stands still, directories read in batches, and the name changes (create, link,
 * unlink, rename, readlink). See the top of fs.c for the invariants.
 */
#include "fs_internal.h"

/* ---- caches ---- */

/* The server's change count now (0: it keeps none, nothing may be cached). */
uint64_t fsc_gen_now(const struct fs_inst *r)
{
    if (r->dead)
        return 0; /* every answer is EIO now */
    return __atomic_load_n(&r->t.buf->gen, __ATOMIC_ACQUIRE);
}

/* Empties the name table, giving back its nodes (those nobody else holds are released). */
void fsc_names_drop(struct fs_inst *r)
{
    unsigned i;
    for (i = 0; i < FS_NAMES; i++) {
        struct fs_node *n = r->names[i].node;
        if (n) {
            r->names[i].node = NULL;
            vfs_node_put(&n->vn);
        }
    }
    r->names_gen = 0;
}

static struct fs_name *name_slot(struct fs_inst *r, uint64_t dir_ino, const char *name, size_t len)
{
    uint64_t h = dir_ino * 0x9e3779b97f4a7c15ull;
    size_t i;
    for (i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    return &r->names[(h ^ (h >> 29)) & (FS_NAMES - 1)];
}

/* The kept node of name in dn (with a new core reference), or NULL. */
static struct fs_node *name_find(struct fs_inst *r, struct vfs_node *dn, const char *name,
                                 size_t len)
{
    uint64_t g = fsc_gen_now(r);
    struct fs_name *e;
    if (!g || len > FS_NAME_LEN)
        return NULL;
    if (r->names_gen != g) {
        fsc_names_drop(r); /* something changed: ask again */
        r->names_gen = g;
        return NULL;
    }
    e = name_slot(r, dn->ino, name, len);
    if (!e->node || !e->node->id || e->dir_ino != dn->ino || e->len != len ||
        memcmp(e->name, name, len))
        return NULL;
    vfs_node_get(&e->node->vn);
    return e->node;
}

/* Keeps name in dn -> n, as answered at change count g (the count before the request). */
static void name_keep(struct fs_inst *r, struct vfs_node *dn, const char *name, size_t len,
                      struct fs_node *n, uint64_t g)
{
    struct fs_name *e;
    struct fs_node *old;
    if (!g || len > FS_NAME_LEN || g != fsc_gen_now(r))
        return;
    if (r->names_gen != g) {
        fsc_names_drop(r);
        r->names_gen = g;
    }
    e = name_slot(r, dn->ino, name, len);
    old = e->node;
    vfs_node_get(&n->vn);
    e->node = n;
    e->dir_ino = dn->ino;
    e->len = (uint8_t)len;
    memcpy(e->name, name, len);
    if (old)
        vfs_node_put(&old->vn);
}

int fsc_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_msg m = {.a = {fsc_id_of(dn), len}};
    struct fs_node *n;
    struct linux_stat st;
    uint64_t g;
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    n = name_find(r, dn, name, len);
    if (n) {
        *out = &n->vn;
        return 0;
    }
    rc = fsc_request(r, &m, FS_LOOKUP, name, len, NULL, 0, &st, sizeof st);
    g = r->asked_gen;
    if (rc < 0)
        return (int)rc;
    rc = fsc_adopt(r, (uint64_t)m.r[0], (uint32_t)m.r[1], (uint64_t)m.r[2], out);
    if (rc < 0)
        return (int)rc;
    n = node_of(*out);
    if (m.r[3] == 1 && g) {
        n->attr = st;
        n->attr_gen = g;
    }
    name_keep(r, dn, name, len, n, g);
    return 0;
}

/* Fetches the batch of entries from pos into c, checking every record. */
static int fetch(struct fs_inst *r, struct fs_node *d, struct fs_dircache *c, uint64_t pos)
{
    struct fs_msg m = {.a = {d->id, pos, FS_DIRCACHE}};
    uint32_t off = 0, i;
    int64_t rc;
    c->valid = false;
    if (!d->id)
        return -EIO;
    rc = fsc_request(r, &m, FS_READDIR, NULL, 0, NULL, 0, c->data, FS_DIRCACHE);
    if (rc < 0)
        return (int)rc;
    for (i = 0; i < (uint64_t)rc; i++) {
        struct fs_dirent e;
        if (off + sizeof e > FS_DIRCACHE)
            return -EIO;
        memcpy(&e, c->data + off, sizeof e);
        if (e.namelen == 0 || e.reclen % 8 || e.reclen < sizeof e + e.namelen + 1u ||
            e.reclen > FS_DIRCACHE - off)
            return -EIO; /* the server broke the protocol */
        off += e.reclen;
    }
    c->valid = true;
    c->start = pos;
    c->count = (uint32_t)rc;
    c->used = off;
    c->hint = 0;
    return 0;
}

/* The offset of the cached entry that answers pos, or -1. */
static int64_t cached_entry(const struct fs_dircache *c, uint64_t pos)
{
    struct fs_dirent e;
    uint32_t off;
    if (!c->valid)
        return -1;
    if (pos == c->start)
        return c->count ? 0 : (int64_t)c->used; /* used: the end */
    if (c->hint < c->used) {
        memcpy(&e, c->data + c->hint, sizeof e);
        if (e.next == pos && c->hint + e.reclen < c->used)
            return c->hint + e.reclen;
    }
    for (off = 0; off < c->used; off += e.reclen) {
        memcpy(&e, c->data + off, sizeof e);
        if (e.next == pos)
            return off + e.reclen < c->used ? (int64_t)(off + e.reclen) : -1;
    }
    return -1;
}

int fsc_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_node *d = node_of(dn);
    struct fs_dirent e;
    int64_t off;
    int rc;
    if (!d->dc) {
        d->dc = vfs_zalloc(r->fs.env, sizeof *d->dc);
        if (!d->dc)
            return -ENOMEM;
    }
    off = cached_entry(d->dc, pos);
    if (off < 0) {
        rc = fetch(r, d, d->dc, pos);
        if (rc < 0)
            return rc;
        off = d->dc->count ? 0 : (int64_t)d->dc->used;
    }
    if ((uint32_t)off >= d->dc->used)
        return 0; /* the end */
    memcpy(&e, d->dc->data + off, sizeof e);
    d->dc->hint = (uint32_t)off;
    out->ino = e.ino;
    out->next = e.next;
    out->type = e.type;
    out->len = e.namelen;
    out->name = (const char *)d->dc->data + off + offsetof(struct fs_dirent, name);
    return 1;
}

int fsc_create(struct vfs_node *dn, const char *name, size_t len, const struct vfs_create_args *a,
               struct vfs_node **out)
{
    struct fs_inst *r = inst_of(dn->fs);
    struct fs_msg m = {.a = {fsc_id_of(dn), len, a->mode, a->rdev, a->target_len}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = fsc_request(r, &m, FS_CREATE, name, len, a->target, a->target_len, NULL, 0);
    fsc_dir_changed(dn);
    if (rc < 0)
        return (int)rc;
    rc = fsc_adopt(r, (uint64_t)m.r[0], a->mode, (uint64_t)m.r[1], out);
    if (rc == 0 && (a->uid || a->gid)) {
        /* the server makes files owned by root (its set-group-id rule aside, which the
         * core's a->gid follows too): give it the owner the core chose */
        struct vfs_setattr sa = {.mask = VFS_SET_UID | VFS_SET_GID, .uid = a->uid, .gid = a->gid};
        rc = fsc_setattr(*out, &sa);
        if (rc < 0) {
            vfs_node_put(*out); /* the name stays, as after a chown that failed */
            *out = NULL;
        }
    }
    return (int)rc;
}

int fsc_link(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *node)
{
    struct fs_msg m = {.a = {fsc_id_of(dn), len, fsc_id_of(node)}};
    int64_t rc;
    if (!m.a[0] || !m.a[2])
        return -EIO;
    rc = fsc_request(inst_of(dn->fs), &m, FS_LINK, name, len, NULL, 0, NULL, 0);
    fsc_dir_changed(dn);
    return (int)rc;
}

int fsc_unlink(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *victim)
{
    struct fs_msg m = {.a = {fsc_id_of(dn), len, S_ISDIR(victim->type) ? AT_REMOVEDIR : 0}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    rc = fsc_request(inst_of(dn->fs), &m, FS_UNLINK, name, len, NULL, 0, NULL, 0);
    fsc_dir_changed(dn);
    fsc_names_drop(inst_of(dn->fs));      /* keep no removed file alive */
    if (rc >= 0 && S_ISREG(victim->type)) /* nor its pages: views are remade if read */
        fsc_views_drop_node(inst_of(dn->fs), node_of(victim));
    return (int)rc;
}

int fsc_rename(struct vfs_node *odn, const char *oname, size_t olen, struct vfs_node *ndn,
               const char *nname, size_t nlen, unsigned flags)
{
    struct fs_msg m = {.a = {fsc_id_of(odn), olen, fsc_id_of(ndn), nlen, flags}};
    int64_t rc;
    if (!m.a[0] || !m.a[2])
        return -EIO;
    rc = fsc_request(inst_of(odn->fs), &m, FS_RENAME, oname, olen, nname, nlen, NULL, 0);
    fsc_dir_changed(odn);
    fsc_dir_changed(ndn);
    fsc_names_drop(inst_of(odn->fs)); /* keep no replaced file alive */
    return (int)rc;
}

int64_t fsc_readlink(struct vfs_node *n, char *buf, size_t size)
{
    struct fs_inst *r = inst_of(n->fs);
    struct fs_buf *b = r->t.buf;
    struct fs_msg m = {.op = FS_READLINK, .a = {fsc_id_of(n)}};
    int64_t rc;
    if (!m.a[0])
        return -EIO;
    fsc_buf_lock(&r->t);
    rc = fsc_call_locked(r, &m);
    if (rc > FS_DATA_MAX)
        rc = -EIO;
    if (rc > 0)
        memcpy(buf, b->data, (size_t)rc < size ? (size_t)rc : size);
    fsc_buf_unlock(b);
    return rc;
}
