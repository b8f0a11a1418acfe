/*
 * Node numbers. The server keeps one table of entries; an entry names one vfs_node for
 * one session (the same node seen by two sessions has two entries), holds one node
 * reference (vfs_node_get) and counts the session's references (ACQUIRE/RELEASE). A
 * number is (generation << 32) | (slot + 1): never 0, and a slot is reused only after
 * every fresh slot has been used, with a new generation, so a stale number gets EBADF.
 * An entry found by (session, node) in a hash index is reused, so a session sees one
 * number per node. Numbers of another session are unknown (EBADF): a session reaches
 * only nodes below its root.
 *
 * Handles: per session, an open description (struct vfs_file: node, offset, status
 * flags, the plugin's state) and a reference count (DUP/CLOSE), numbered like nodes.
 *
 * Busy files (Linux's i_writecount, for ETXTBSY): the server keeps a record per regular
 * file that handles of any session hold open for writing or as a running program's
 * image (FS_EXEC), with both counts; a handle counts in it from its OPEN (writers) or
 * FS_EXEC (images) until its last CLOSE or its session's end, and the record goes with
 * the last count. The two kinds exclude each other.
 */
#include "fs_server_internal.h"

/* ---- the node table ---- */

static uint32_t ent_hash(const struct fs_server *s, const struct fs_session *ss,
                         const struct vfs_node *n)
{
    uint64_t k = (uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15ull ^
                 (uint64_t)(uintptr_t)ss * 0xc2b2ae3d27d4eb4full;
    return (uint32_t)(k >> 32) & (s->nbuckets - 1);
}

static uint64_t ent_number(const struct fs_server *s, uint32_t slot)
{
    return ((uint64_t)s->ents[slot].gen << 32) | (slot + 1u);
}

/* Makes room for one more entry; 0, -ENOMEM or -ENFILE. */
int fs_ent_reserve(struct fs_server *s)
{
    const struct vfs_env *env = &s->env;
    struct fs_ent *ents;
    uint32_t *buckets, cap, nb, i;
    if (s->fresh < s->cap || s->free_head)
        return 0;
    if (s->cap >= FS_MAX_ENTRIES)
        return -ENFILE;
    cap = s->cap ? s->cap * 2 : 64;
    nb = cap;
    ents = vfs_zalloc(env, (size_t)cap * sizeof *ents);
    buckets = vfs_zalloc(env, (size_t)nb * sizeof *buckets);
    if (!ents || !buckets) {
        vfs_free(env, ents, (size_t)cap * sizeof *ents);
        vfs_free(env, buckets, (size_t)nb * sizeof *buckets);
        return -ENOMEM;
    }
    if (s->cap)
        memcpy(ents, s->ents, (size_t)s->cap * sizeof *ents);
    for (i = s->cap; i < cap; i++)
        ents[i].gen = 1;
    vfs_free(env, s->ents, (size_t)s->cap * sizeof *s->ents);
    vfs_free(env, s->buckets, (size_t)s->nbuckets * sizeof *s->buckets);
    s->ents = ents;
    s->buckets = buckets;
    s->cap = cap;
    s->nbuckets = nb;
    for (i = 0; i < s->fresh; i++) {
        struct fs_ent *e = &s->ents[i];
        uint32_t h;
        if (!e->node)
            continue;
        h = ent_hash(s, e->owner, e->node);
        e->hnext = s->buckets[h];
        s->buckets[h] = i + 1;
    }
    return 0;
}

/* The entry of (ss, n), or NULL. */
static struct fs_ent *ent_find(struct fs_server *s, struct fs_session *ss, struct vfs_node *n)
{
    uint32_t i;
    if (!s->nbuckets)
        return NULL;
    for (i = s->buckets[ent_hash(s, ss, n)]; i; i = s->ents[i - 1].hnext)
        if (s->ents[i - 1].node == n && s->ents[i - 1].owner == ss)
            return &s->ents[i - 1];
    return NULL;
}

/*
 * Gives the session one reference to n, taking over the caller's node reference (which
 * is dropped on failure or when the session already has an entry for n). Returns the
 * node number (> 0) or -ENFILE/-ENOMEM/-EOVERFLOW.
 */
int64_t fs_node_ref(struct fs_session *ss, struct vfs_node *n)
{
    struct fs_server *s = ss->s;
    struct fs_ent *e = ent_find(s, ss, n);
    uint32_t slot, h;
    int rc;
    if (e) {
        vfs_node_put(n);
        if (e->refs >= FS_MAX_REFS)
            return -EOVERFLOW;
        e->refs++;
        fs_owned_add(ss, FS_OWN_NODE, ent_number(s, (uint32_t)(e - s->ents)));
        return (int64_t)ent_number(s, (uint32_t)(e - s->ents));
    }
    if (ss->nnodes >= FS_SESSION_MAX_NODES) {
        vfs_node_put(n);
        return -ENFILE;
    }
    rc = fs_ent_reserve(s);
    if (rc < 0) {
        vfs_node_put(n);
        return rc;
    }
    if (s->fresh < s->cap) {
        slot = s->fresh++;
    } else {
        slot = s->free_head - 1;
        s->free_head = s->ents[slot].next_free;
        if (!s->free_head)
            s->free_tail = 0;
    }
    e = &s->ents[slot];
    e->node = n;
    e->owner = ss;
    e->refs = 1;
    e->next_free = 0;
    h = ent_hash(s, ss, n);
    e->hnext = s->buckets[h];
    s->buckets[h] = slot + 1;
    ss->nnodes++;
    fs_owned_add(ss, FS_OWN_NODE, ent_number(s, slot));
    return (int64_t)ent_number(s, slot);
}

/* The session's entry for number num, or NULL. */
struct fs_ent *fs_ent_get(struct fs_session *ss, uint64_t num)
{
    struct fs_server *s = ss->s;
    uint32_t slot = (uint32_t)num;
    struct fs_ent *e;
    if (slot == 0 || slot > s->fresh)
        return NULL;
    e = &s->ents[slot - 1];
    if (!e->node || e->owner != ss || e->gen != (uint32_t)(num >> 32))
        return NULL;
    return e;
}

struct vfs_node *fs_node_get(struct fs_session *ss, uint64_t num)
{
    struct fs_ent *e = fs_ent_get(ss, num);
    return e ? e->node : NULL;
}

/* Frees an entry: its node reference goes, the slot joins the end of the free list. */
void fs_ent_drop(struct fs_server *s, struct fs_ent *e)
{
    uint32_t slot = (uint32_t)(e - s->ents), *p = &s->buckets[ent_hash(s, e->owner, e->node)];
    struct vfs_node *n = e->node;
    fs_owned_forget(e->owner, FS_OWN_NODE, ent_number(s, slot));
    while (*p != slot + 1)
        p = &s->ents[*p - 1].hnext;
    *p = e->hnext;
    e->owner->nnodes--;
    e->node = NULL;
    e->owner = NULL;
    e->refs = 0;
    e->hnext = 0;
    e->gen = e->gen + 1 ? e->gen + 1 : 1;
    e->next_free = 0;
    if (s->free_tail)
        s->ents[s->free_tail - 1].next_free = slot + 1;
    else
        s->free_head = slot + 1;
    s->free_tail = slot + 1;
    vfs_node_put(n);
}

/* ---- handles ---- */

struct fs_handle *fs_handle_get(struct fs_session *ss, uint64_t num)
{
    uint32_t slot = (uint32_t)num;
    struct fs_handle *h;
    if (slot == 0 || slot > ss->hcap)
        return NULL;
    h = &ss->handles[slot - 1];
    if (!h->f || h->gen != (uint32_t)(num >> 32))
        return NULL;
    return h;
}

/* Installs f (taking over its reference); returns the handle number or -EMFILE/-ENOMEM
 * (f is then closed). */
int64_t fs_handle_new(struct fs_session *ss, struct vfs_file *f)
{
    const struct vfs_env *env = &ss->s->env;
    uint32_t i, slot;
    if (ss->hcount >= FS_SESSION_MAX_HANDLES) {
        vfs_file_put(f);
        return -EMFILE;
    }
    if (ss->hcount == ss->hcap) {
        uint32_t cap = ss->hcap ? ss->hcap * 2 : 16;
        struct fs_handle *h = vfs_zalloc(env, (size_t)cap * sizeof *h);
        if (!h) {
            vfs_file_put(f);
            return -ENOMEM;
        }
        if (ss->hcap)
            memcpy(h, ss->handles, (size_t)ss->hcap * sizeof *h);
        for (i = ss->hcap; i < cap; i++)
            h[i].gen = 1;
        vfs_free(env, ss->handles, (size_t)ss->hcap * sizeof *ss->handles);
        ss->hnext = ss->hcap;
        ss->handles = h;
        ss->hcap = cap;
    }
    /* the search goes on from the last slot given, so a freed slot waits a round */
    for (i = 0;; i++) {
        slot = (ss->hnext + i) % ss->hcap;
        if (!ss->handles[slot].f)
            break;
    }
    ss->hnext = (slot + 1) % ss->hcap;
    ss->handles[slot].f = f;
    ss->handles[slot].refs = 1;
    ss->hcount++;
    fs_owned_add(ss, FS_OWN_HANDLE, ((uint64_t)ss->handles[slot].gen << 32) | (slot + 1u));
    return (int64_t)(((uint64_t)ss->handles[slot].gen << 32) | (slot + 1u));
}

/* ---- files open for writing or running ---- */

static struct fs_busy **busy_find(struct fs_server *s, const struct vfs_node *n)
{
    struct fs_busy **p;
    for (p = &s->busy; *p; p = &(*p)->next)
        if (same_node((*p)->node, n))
            return p;
    return p;
}

int fs_busy_check_write(struct fs_server *s, const struct vfs_node *n)
{
    struct fs_busy *b = *busy_find(s, n);
    return b && b->images ? -ETXTBSY : 0;
}

int fs_busy_take(struct fs_server *s, struct fs_handle *h, unsigned kind)
{
    struct vfs_node *n = h->f->node;
    struct fs_busy **p = busy_find(s, n), *b = *p;
    if (h->busy)
        return h->busy == kind ? 0 : -ETXTBSY;
    if (b && (kind == FS_BUSY_WRITER ? b->images : b->writers))
        return -ETXTBSY;
    if (!b) {
        b = vfs_zalloc(&s->env, sizeof *b);
        if (!b)
            return -ENOMEM;
        vfs_node_get(n);
        b->node = n;
        *p = b;
    }
    if (kind == FS_BUSY_WRITER)
        b->writers++;
    else
        b->images++;
    h->busy = (uint8_t)kind;
    return 0;
}

/* h no longer counts in its node's record, which goes with its last count. */
static void busy_put(struct fs_server *s, struct fs_handle *h)
{
    struct fs_busy **p = busy_find(s, h->f->node), *b = *p;
    if (!h->busy || !b)
        return;
    if (h->busy == FS_BUSY_WRITER)
        b->writers--;
    else
        b->images--;
    h->busy = 0;
    if (b->writers || b->images)
        return;
    *p = b->next;
    vfs_node_put(b->node);
    vfs_free(&s->env, b, sizeof *b);
}

void fs_handle_drop(struct fs_session *ss, struct fs_handle *h)
{
    struct vfs_file *f = h->f;
    fs_owned_forget(ss, FS_OWN_HANDLE, ((uint64_t)h->gen << 32) | (uint32_t)(h - ss->handles + 1));
    busy_put(ss->s, h);
    /* the description's own locks (OFD, flock) go with its last close */
    uint64_t owner =
        ((uint64_t)ss->sid << 32) | FS_LOCK_OWNER_HANDLE | (uint32_t)(h - ss->handles + 1);
    fs_lock_release(&ss->s->locks, &ss->s->env, NULL, ~0ull, owner, &ss->nlocks);
    h->f = NULL;
    h->refs = 0;
    h->gen = h->gen + 1 ? h->gen + 1 : 1;
    ss->hcount--;
    vfs_file_put(f);
}
