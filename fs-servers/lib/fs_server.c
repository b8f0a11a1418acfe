/*
 * The server side of the File_system protocol (docs/fs-protocol.md) as a library: a
 * tree (one instance of a VFS tree plugin mounted hidden in a private struct vfs, or a
 * whole VFS composition built from a `vfs` configuration block) and the sessions that
 * reach it. Each request is decoded and checked completely here (the
 * client is trusted for nothing: its path walk and permission checks protect only
 * itself), then the plugin's operations are called directly, with the checks the VFS
 * core makes before it calls a plugin (vfs/open.c, vfs/attr.c, vfs/file.c).
 *
 * A composition is served by node as the path walk sees it (vfs/serve.c): a lookup in
 * a composition directory gives its entries (mount points, node plugins' nodes) or its
 * backing directory's nodes, `..` goes up across mounts; names are made and removed in
 * the backing directory (vfs_names_dir), a mount point can be neither removed nor
 * replaced (EBUSY), a read-only instance (VFS_FS_RDONLY, such as tar) refuses every
 * change with EROFS. Inode numbers of a composition carry the instance's minor number
 * in their top 16 bits, so that files of different instances never share one.
 *
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
 * Quota: a session is charged FS_NAME_CHARGE bytes for each name it makes (CREATE,
 * LINK), plus a symlink's text, plus the growth of files by its WRITE and SETATTR
 * (size) and is credited for names it removes, for the size of files whose last link it
 * removes and for truncations; credits never take the count below 0.
 *
 * Names, the setattr structure and everything else read from the shared buffer are
 * copied before they are checked (the client may change the buffer at any time).
 *
 * Mapped files (FS_MAP, with memory from struct fs_mem_ops): the first FS_MAP of a
 * regular file copies its bytes into memory objects ("chunks": chunk 0 holds page 0,
 * chunk k > 0 pages [2^(k-1), 2^k), so a file grows by adding chunks and the pages a
 * client has mapped never move). From then on those chunks are the file's data: READ
 * and WRITE use them, so reads, writes and every client's mapping see the same bytes;
 * the plugin keeps the size, times and names (its own copy of the bytes is not used
 * again). A size change zeroes the bytes between the old and the new size, so bytes a
 * mapping wrote beyond the end, or that a truncation cut off, never come back. The
 * chunks go when the file has no name, no session holds it and no client holds a
 * copy of a chunk (fs_server_collect); a chunk wholly beyond the end that no client
 * maps goes too (chunk 0 stays while the file is mapped).
 *
 * Who pays for a chunk: the session whose request made it (FS_MAP, or a WRITE that
 * grew a mapped file into a new chunk), from the quota its client donated (the native
 * server's create). A session has at most FS_SESSION_MAX_CHUNKS (ENOMEM beyond), so one
 * client that maps without end runs out of its own budget, never the server's. No
 * chunk outlives its payer: when a session ends, every mapped file with a chunk it paid
 * for is made a plain file again (mapped_unmake: its bytes go back into the plugin,
 * all its chunks are freed, clients' mappings of them vanish) and the next FS_MAP maps
 * it anew, at the cost of the session that asks.
 */
#include <capix/config.h>
#include <fs_server.h>
#include <string.h>
#include "fs_lock.h"

#define FS_NAME_CHARGE 256u               /* quota bytes per name made */
#define FS_SESSION_MAX_NODES (1u << 16)   /* node entries per session (ENFILE beyond) */
#define FS_SESSION_MAX_HANDLES (1u << 16) /* handles per session (EMFILE beyond) */
#define FS_MAX_ENTRIES (1u << 24)         /* node entries of a server */
#define FS_MAX_REFS 0x7fffffffu           /* client references per node or handle */
#define FS_MAX_DEPTH 65536                /* ".." steps when checking ancestry */

struct fs_ent {
    struct vfs_node *node; /* one reference; NULL: a free slot */
    struct fs_session *owner;
    uint32_t refs; /* the session's references */
    uint32_t gen;
    uint32_t hnext;     /* slot + 1 of the next entry in the same hash chain, 0: none */
    uint32_t next_free; /* slot + 1 of the next free slot (FIFO), 0: none */
};

struct fs_handle {
    struct vfs_file *f; /* one reference; NULL: a free slot */
    uint32_t refs;
    uint32_t gen;
};

#define FS_PAGE 4096ull
#define FS_MAP_CHUNKS 19 /* chunk k > 0: pages [2^(k-1), 2^k); files up to 1 GiB */
#define FS_MAP_MAX_PAGES (1ull << (FS_MAP_CHUNKS - 1))

struct fs_chunk {
    uint8_t *addr; /* NULL: not made yet */
    uint64_t id;
    struct fs_session *payer; /* whose quota it is made from (counted in its nchunks) */
};

/* A regular file whose bytes live in chunks (see the top of the file). */
struct fs_mapped {
    struct vfs_node *node; /* one reference */
    struct fs_chunk chunk[FS_MAP_CHUNKS];
    struct fs_mapped *next;
};

struct fs_server {
    struct vfs_env env;
    struct fs_mem_ops mem;
    struct fs_mapped *mapped;
    uint64_t mapped_pages;
    struct vfs *vfs;
    struct vfs_node *top; /* the tree's root (borrowed: the vfs holds it) */
    bool composed;        /* a composition (inode numbers carry the instance) */
    struct fs_ent *ents;
    uint32_t cap, fresh; /* slots [fresh, cap) were never used */
    uint32_t free_head, free_tail;
    uint32_t *buckets; /* slot + 1 of the first entry of each chain */
    uint32_t nbuckets; /* a power of two, >= cap */
    struct fs_session *sessions;
    bool dirty;             /* a request that can change the tree came since the last sync */
    struct fs_locks *locks; /* file locks (fs_lock.c) */
    uint32_t last_sid;      /* the last session number given */
    uint64_t gen;           /* the change count clients see (fs_buf.gen); 0: not kept */
    bool attrs_moved;       /* a request that keeps attributes moved some (op_map) */
    uint64_t maps;          /* chunks destroyed (fs_buf.maps), while gen is kept */
    /* private copies of request names: two names and a symlink text */
    char name1[NAME_MAX + 1], name2[NAME_MAX + 1], text[PATH_MAX];
};

struct fs_session {
    struct fs_server *s;
    struct fs_buf *buf; /* its buffer (the one its requests came with), for fs_buf.gen */
    struct fs_session *next, *prev;
    struct vfs_node *root; /* one reference */
    bool writeable;
    uint64_t quota, used;
    uint32_t nnodes;
    uint32_t nchunks; /* chunks it pays for (at most FS_SESSION_MAX_CHUNKS) */
    uint32_t sid;     /* its number in lock owners (never 0) */
    uint32_t nlocks;  /* locks its owners hold (at most FS_SESSION_MAX_LOCKS) */
    struct fs_handle *handles;
    uint32_t hcap, hcount, hnext; /* hnext: where the search for a free slot starts */
};

static void mapped_resized(struct fs_server *s, struct vfs_node *n, uint64_t old,
                           uint64_t new_size);

/* ---- helpers ---- */

static bool same_node(const struct vfs_node *a, const struct vfs_node *b)
{
    return a == b || (a->fs == b->fs && a->ino == b->ino);
}

/* The inode number the protocol shows for ino of the instance with st_dev dev. */
static uint64_t ino_of(const struct fs_server *s, uint64_t dev, uint64_t ino)
{
    if (!s->composed)
        return ino;
    return (ino & ((1ull << 48) - 1)) | ((uint64_t)(LINUX_MINOR(dev) & 0xffffu) << 48);
}

/* One component in dir as the path walk sees it (".." steps up across mounts). */
static int tree_lookup(struct fs_server *s, struct vfs_node *dir, const char *name, size_t len,
                       struct vfs_node **out)
{
    return vfs_node_lookup(s->vfs, dir, name, len, out);
}

/* The directory where names of dir live, one reference: 0, or -EROFS when there is
 * none or it is read-only. */
static int names_dir(struct vfs_node *dir, bool make, struct vfs_node **out)
{
    struct vfs_node *d = vfs_names_dir(dir, make);
    if (!d)
        return -EROFS;
    if (d->fs->flags & VFS_FS_RDONLY) {
        vfs_node_put(d);
        return -EROFS;
    }
    *out = d;
    return 0;
}

/* True if dir is node or lies below it (found by walking ".." up to the tree's root). */
static bool inside(struct fs_server *s, struct vfs_node *dir, struct vfs_node *node)
{
    struct vfs_node *cur = dir, *up;
    bool found = false;
    unsigned depth = 0;
    vfs_node_get(cur);
    for (;;) {
        if (same_node(cur, node)) {
            found = true;
            break;
        }
        if (same_node(cur, s->top) || ++depth > FS_MAX_DEPTH ||
            tree_lookup(s, cur, "..", 2, &up) < 0)
            break;
        vfs_node_put(cur);
        cur = up;
    }
    vfs_node_put(cur);
    return found;
}

/* True if n is some session's root (those are busy, like mount points). */
static bool is_session_root(struct fs_server *s, struct vfs_node *n)
{
    struct fs_session *ss;
    if (same_node(n, s->top))
        return true;
    for (ss = s->sessions; ss; ss = ss->next)
        if (same_node(n, ss->root))
            return true;
    return false;
}

/* Whether a file's data costs memory that its session pays for (not on a device). */
static bool data_charged(const struct vfs_node *n)
{
    return !n->fs->ops->data_on_device;
}

static int quota_check(const struct fs_session *ss, uint64_t bytes)
{
    if (ss->used > ss->quota || bytes > ss->quota - ss->used)
        return -ENOSPC;
    return 0;
}

static void quota_charge(struct fs_session *ss, uint64_t bytes)
{
    ss->used = bytes > UINT64_MAX - ss->used ? UINT64_MAX : ss->used + bytes;
}

static void quota_credit(struct fs_session *ss, uint64_t bytes)
{
    ss->used = ss->used > bytes ? ss->used - bytes : 0;
}

/* Credits what removing one name of victim gave back: the name, and the data of a
 * file or symlink whose last link it was. */
static void credit_removed(struct fs_session *ss, struct vfs_node *victim)
{
    struct linux_stat st;
    quota_credit(ss, FS_NAME_CHARGE);
    if (data_charged(victim) && vfs_getattr(victim, &st) == 0 && st.st_nlink == 0 &&
        !S_ISDIR(st.st_mode) && st.st_size > 0)
        quota_credit(ss, (uint64_t)st.st_size);
}

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
static int ent_reserve(struct fs_server *s)
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
static int64_t node_ref(struct fs_session *ss, struct vfs_node *n)
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
        return (int64_t)ent_number(s, (uint32_t)(e - s->ents));
    }
    if (ss->nnodes >= FS_SESSION_MAX_NODES) {
        vfs_node_put(n);
        return -ENFILE;
    }
    rc = ent_reserve(s);
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
    return (int64_t)ent_number(s, slot);
}

/* The session's entry for number num, or NULL. */
static struct fs_ent *ent_get(struct fs_session *ss, uint64_t num)
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

static struct vfs_node *node_get(struct fs_session *ss, uint64_t num)
{
    struct fs_ent *e = ent_get(ss, num);
    return e ? e->node : NULL;
}

/* Frees an entry: its node reference goes, the slot joins the end of the free list. */
static void ent_drop(struct fs_server *s, struct fs_ent *e)
{
    uint32_t slot = (uint32_t)(e - s->ents), *p = &s->buckets[ent_hash(s, e->owner, e->node)];
    struct vfs_node *n = e->node;
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

static struct fs_handle *handle_get(struct fs_session *ss, uint64_t num)
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
static int64_t handle_new(struct fs_session *ss, struct vfs_file *f)
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
    return (int64_t)(((uint64_t)ss->handles[slot].gen << 32) | (slot + 1u));
}

static void handle_drop(struct fs_session *ss, struct fs_handle *h)
{
    struct vfs_file *f = h->f;
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

/* ---- reading the request ---- */

/* Copies a name of len bytes at off in data into dst and checks it: EINVAL for an
 * empty name, ".", '/' or NUL in it, or a length beyond the buffer; ENAMETOOLONG beyond
 * NAME_MAX. ".." passes (each operation decides). */
static int get_name(const struct fs_buf *buf, uint64_t off, uint64_t len, char *dst)
{
    if (off > FS_DATA_MAX || len > FS_DATA_MAX - off)
        return -EINVAL;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    if (len == 0)
        return -EINVAL;
    memcpy(dst, buf->data + off, (size_t)len);
    dst[len] = '\0';
    if (memchr(dst, '/', (size_t)len) || memchr(dst, '\0', (size_t)len))
        return -EINVAL;
    if (len == 1 && dst[0] == '.')
        return -EINVAL;
    return 0;
}

static bool is_dotdot(const char *name, uint64_t len)
{
    return len == 2 && name[0] == '.' && name[1] == '.';
}

/* The directory node number num of the session, or an error (EBADF, ENOTDIR). */
static int get_dir(struct fs_session *ss, uint64_t num, struct vfs_node **out)
{
    struct vfs_node *d = node_get(ss, num);
    if (!d)
        return -EBADF;
    if (!S_ISDIR(d->type))
        return -ENOTDIR;
    *out = d;
    return 0;
}

/* ---- operations ---- */

static int64_t op_attach(struct fs_session *ss, struct fs_msg *m)
{
    struct linux_stat st;
    int64_t num;
    int rc = vfs_getattr(ss->root, &st);
    if (rc < 0)
        return rc;
    vfs_node_get(ss->root);
    num = node_ref(ss, ss->root);
    if (num > 0)
        m->r[1] = st.st_mode;
    return num;
}

/* True if n is below the session's root (a directory moved out of it by another session
 * must not lead there). */
static bool within_root(struct fs_session *ss, struct vfs_node *n)
{
    if (same_node(ss->root, ss->s->top))
        return true;
    return inside(ss->s, n, ss->root);
}

static int64_t op_lookup(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n;
    struct linux_stat st;
    int64_t num;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (is_dotdot(s->name1, m->a[1]) && same_node(d, ss->root)) {
        n = ss->root;
        vfs_node_get(n);
    } else {
        rc = tree_lookup(s, d, s->name1, (size_t)m->a[1], &n);
        if (rc < 0)
            return rc;
        if (is_dotdot(s->name1, m->a[1]) && !within_root(ss, n)) {
            vfs_node_put(n);
            return -ENOENT;
        }
    }
    rc = vfs_getattr(n, &st);
    if (rc < 0) {
        vfs_node_put(n);
        return rc;
    }
    num = node_ref(ss, n);
    if (num > 0) {
        m->r[1] = st.st_mode;
        m->r[2] = (int64_t)ino_of(s, st.st_dev, st.st_ino);
        m->r[3] = 1; /* the attributes are in data, as GETATTR gives them */
        st.st_ino = (uint64_t)m->r[2];
        st.st_dev = 0;
        memcpy(buf->data, &st, sizeof st);
    }
    return num;
}

static int64_t op_getattr(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = node_get(ss, m->a[0]);
    struct linux_stat st;
    int rc;
    if (!n)
        return -EBADF;
    rc = vfs_getattr(n, &st);
    if (rc < 0)
        return rc;
    st.st_ino = ino_of(ss->s, st.st_dev, st.st_ino);
    st.st_dev = 0;
    memcpy(buf->data, &st, sizeof st);
    return 0;
}

static bool time_valid(int64_t nsec)
{
    return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec < 1000000000);
}

/* SETATTR on n (the node that takes the attributes: a composition directory's
 * backing). */
static int64_t setattr_node(struct fs_session *ss, struct vfs_node *n, struct fs_buf *buf)
{
    struct fs_setattr in;
    struct vfs_setattr a = {0};
    struct linux_timespec now;
    struct linux_stat st;
    uint64_t old = 0;
    int rc;
    memcpy(&in, buf->data, sizeof in);
    if (in.mask & ~(uint32_t)(VFS_SET_MODE | VFS_SET_UID | VFS_SET_GID | VFS_SET_SIZE |
                              VFS_SET_ATIME | VFS_SET_MTIME))
        return -EINVAL;
    if (((in.mask & VFS_SET_ATIME) && !time_valid(in.atime_nsec)) ||
        ((in.mask & VFS_SET_MTIME) && !time_valid(in.mtime_nsec)))
        return -EINVAL;
    if ((in.mask & VFS_SET_SIZE) && in.size > (uint64_t)INT64_MAX)
        return -EINVAL;
    if (!ss->writeable || (n->fs->flags & VFS_FS_RDONLY))
        return -EROFS;
    if ((in.mask & VFS_SET_MODE) && S_ISLNK(n->type))
        return -EOPNOTSUPP;
    if ((in.mask & VFS_SET_SIZE) && !S_ISREG(n->type))
        return S_ISDIR(n->type) ? -EISDIR : -EINVAL;
    now = vfs_now(&ss->s->env);
    a.mask = in.mask;
    a.mode = in.mode & 07777;
    a.uid = in.uid;
    a.gid = in.gid;
    a.size = in.size;
    a.atime.tv_sec = in.atime_sec;
    a.atime.tv_nsec = in.atime_nsec;
    a.mtime.tv_sec = in.mtime_sec;
    a.mtime.tv_nsec = in.mtime_nsec;
    if ((a.mask & VFS_SET_ATIME) && a.atime.tv_nsec == UTIME_NOW)
        a.atime = now;
    if ((a.mask & VFS_SET_MTIME) && a.mtime.tv_nsec == UTIME_NOW)
        a.mtime = now;
    if ((a.mask & VFS_SET_ATIME) && a.atime.tv_nsec == UTIME_OMIT)
        a.mask &= ~VFS_SET_ATIME;
    if ((a.mask & VFS_SET_MTIME) && a.mtime.tv_nsec == UTIME_OMIT)
        a.mask &= ~VFS_SET_MTIME;
    if (a.mask & VFS_SET_SIZE) {
        rc = vfs_getattr(n, &st);
        if (rc < 0)
            return rc;
        old = (uint64_t)st.st_size;
        if (a.size > old && data_charged(n) && (rc = quota_check(ss, a.size - old)) < 0)
            return rc;
    }
    if (!n->fs->ops->setattr)
        return -EPERM;
    rc = n->fs->ops->setattr(n, &a);
    if (rc < 0)
        return rc;
    if ((a.mask & VFS_SET_SIZE) && data_charged(n)) {
        if (a.size > old)
            quota_charge(ss, a.size - old);
        else
            quota_credit(ss, old - a.size);
    }
    if (a.mask & VFS_SET_SIZE) {
        mapped_resized(ss->s, n, old, a.size);
    }
    return 0;
}

static int64_t op_setattr(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = node_get(ss, m->a[0]);
    int64_t rc;
    if (!n)
        return -EBADF;
    n = vfs_attr_node(n);
    rc = setattr_node(ss, n, buf);
    vfs_node_put(n);
    return rc;
}

/* The rest of CREATE, in d (the directory that holds the names, one reference the
 * caller's): the node made, with one reference, in *out. */
static int create_in(struct fs_session *ss, struct vfs_node *d, uint32_t type, uint64_t tlen,
                     const struct fs_msg *m, struct vfs_node **out)
{
    struct fs_server *s = ss->s;
    struct vfs_create_args a = {0};
    struct linux_stat st;
    uint64_t len = m->a[1];
    int rc = vfs_getattr(d, &st);
    if (rc < 0)
        return rc;
    if (st.st_nlink == 0)
        return -ENOENT;
    a.mode = type | ((uint32_t)m->a[2] & 07777);
    a.rdev = (type == S_IFCHR || type == S_IFBLK) ? m->a[3] : 0;
    if (st.st_mode & S_ISGID) {
        a.gid = st.st_gid;
        if (type == S_IFDIR)
            a.mode |= S_ISGID;
    }
    if (type == S_IFLNK) {
        a.target = s->text;
        a.target_len = (size_t)tlen;
    }
    if (!d->fs->ops->create)
        return -EPERM;
    /* room for the answer first: a file made must reach the client */
    rc = ss->nnodes >= FS_SESSION_MAX_NODES ? -ENFILE : ent_reserve(s);
    if (rc < 0)
        return rc;
    return d->fs->ops->create(d, s->name1, (size_t)len, &a, out);
}

static int64_t op_create(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n = NULL;
    uint64_t len = m->a[1], tlen = m->a[4];
    uint32_t type = (uint32_t)m->a[2] & S_IFMT;
    int64_t num;
    int rc = get_name(buf, 0, len, s->name1);
    if (rc < 0)
        return rc;
    if (m->a[2] > 0xffffffffu)
        return -EINVAL;
    if (type == 0)
        type = S_IFREG;
    switch (type) {
    case S_IFREG:
    case S_IFDIR:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        if (tlen)
            return -EINVAL;
        break;
    case S_IFLNK:
        if (tlen > FS_DATA_MAX - len)
            return -EINVAL;
        if (tlen == 0)
            return -ENOENT;
        if (tlen >= PATH_MAX)
            return -ENAMETOOLONG;
        memcpy(s->text, buf->data + len, (size_t)tlen);
        if (memchr(s->text, '\0', (size_t)tlen))
            return -EINVAL;
        s->text[tlen] = '\0';
        break;
    default:
        return -EINVAL;
    }
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (!ss->writeable)
        return -EROFS;
    if (is_dotdot(s->name1, len) || vfs_is_mount_entry(d, s->name1, (size_t)len))
        return -EEXIST;
    rc = quota_check(ss, FS_NAME_CHARGE + tlen);
    if (rc < 0)
        return rc;
    rc = names_dir(d, true, &d);
    if (rc < 0)
        return rc;
    rc = create_in(ss, d, type, tlen, m, &n);
    vfs_node_put(d);
    if (rc < 0)
        return rc;
    quota_charge(ss, FS_NAME_CHARGE + tlen);
    num = node_ref(ss, n);
    if (num > 0)
        m->r[1] = (int64_t)ino_of(s, n->fs->dev, n->ino);
    return num;
}

static int64_t op_link(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n, *old, *eff = NULL;
    struct linux_stat st;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    n = node_get(ss, m->a[2]);
    if (!n)
        return -EBADF;
    if (!ss->writeable)
        return -EROFS;
    if (is_dotdot(s->name1, m->a[1]))
        return -EEXIST;
    if (tree_lookup(s, d, s->name1, (size_t)m->a[1], &old) == 0) {
        vfs_node_put(old);
        return -EEXIST;
    }
    rc = names_dir(d, true, &eff);
    if (rc < 0)
        return rc;
    if (n->fs != eff->fs)
        rc = -EXDEV;
    else if (S_ISDIR(n->type))
        rc = -EPERM;
    else if ((rc = vfs_getattr(n, &st)) == 0 && st.st_nlink == 0)
        rc = -ENOENT;
    if (rc == 0)
        rc = quota_check(ss, FS_NAME_CHARGE);
    if (rc == 0 && !eff->fs->ops->link)
        rc = -EPERM;
    if (rc == 0)
        rc = eff->fs->ops->link(eff, s->name1, (size_t)m->a[1], n);
    if (rc == 0)
        quota_charge(ss, FS_NAME_CHARGE);
    vfs_node_put(eff);
    return rc;
}

static int64_t op_unlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *victim, *eff;
    bool rmdir = m->a[2] & AT_REMOVEDIR;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    if (m->a[2] & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (is_dotdot(s->name1, m->a[1]))
        return rmdir ? -ENOTEMPTY : -EISDIR;
    if (!ss->writeable)
        return -EROFS;
    if (vfs_is_mount_entry(d, s->name1, (size_t)m->a[1]))
        return -EBUSY;
    rc = names_dir(d, false, &eff);
    if (rc < 0)
        return rc;
    rc = tree_lookup(s, eff, s->name1, (size_t)m->a[1], &victim);
    if (rc < 0) {
        vfs_node_put(eff);
        return rc;
    }
    if (rmdir && !S_ISDIR(victim->type))
        rc = -ENOTDIR;
    else if (!rmdir && S_ISDIR(victim->type))
        rc = -EISDIR;
    else if (rmdir && is_session_root(s, victim))
        rc = -EBUSY;
    else if (!eff->fs->ops->unlink)
        rc = -EPERM;
    else
        rc = eff->fs->ops->unlink(eff, s->name1, (size_t)m->a[1], victim);
    if (rc == 0)
        credit_removed(ss, victim);
    vfs_node_put(victim);
    vfs_node_put(eff);
    return rc;
}

/* The checks and the change of RENAME once both names' directories (oe, ne: where the
 * names live) are known; on and nn are what the names are (nn may be NULL). */
static int rename_in(struct fs_session *ss, struct vfs_node *oe, struct vfs_node *ne,
                     struct vfs_node *on, struct vfs_node *nn, const struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    uint64_t flags = m->a[4];
    bool exchange = flags & RENAME_EXCHANGE;
    int rc;
    if ((flags & RENAME_NOREPLACE) && nn)
        return -EEXIST;
    if (exchange && !nn)
        return -ENOENT;
    if (S_ISDIR(on->type) && inside(s, ne, on))
        return -EINVAL;
    if (nn && S_ISDIR(nn->type) && inside(s, oe, nn))
        return exchange ? -EINVAL : -ENOTEMPTY;
    if (nn && same_node(nn, on))
        return 0; /* two names of one file: nothing to do */
    if (nn && !exchange) {
        if (S_ISDIR(on->type) && !S_ISDIR(nn->type))
            return -ENOTDIR;
        if (!S_ISDIR(on->type) && S_ISDIR(nn->type))
            return -EISDIR;
    }
    if (is_session_root(s, on) || (nn && is_session_root(s, nn)))
        return -EBUSY;
    if (!oe->fs->ops->rename)
        return -EPERM;
    rc = oe->fs->ops->rename(oe, s->name1, (size_t)m->a[1], ne, s->name2, (size_t)m->a[3],
                             (unsigned)(flags & RENAME_EXCHANGE));
    if (rc == 0 && nn && !exchange)
        credit_removed(ss, nn);
    return rc;
}

static int64_t op_rename(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *od, *nd, *oe = NULL, *ne = NULL, *on = NULL, *nn = NULL;
    uint64_t olen = m->a[1], nlen = m->a[3], flags = m->a[4];
    int rc;
    if (olen > FS_DATA_MAX || nlen > FS_DATA_MAX - olen)
        return -EINVAL;
    rc = get_name(buf, 0, olen, s->name1);
    if (rc < 0)
        return rc;
    rc = get_name(buf, olen, nlen, s->name2);
    if (rc < 0)
        return rc;
    if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if (((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) || (flags & RENAME_WHITEOUT))
        return -EINVAL;
    rc = get_dir(ss, m->a[0], &od);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[2], &nd);
    if (rc < 0)
        return rc;
    if (is_dotdot(s->name1, olen))
        return -EBUSY;
    if (is_dotdot(s->name2, nlen))
        return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if (!ss->writeable)
        return -EROFS;
    if (vfs_is_mount_entry(od, s->name1, (size_t)olen) ||
        vfs_is_mount_entry(nd, s->name2, (size_t)nlen))
        return -EBUSY;
    rc = names_dir(od, false, &oe);
    if (rc == 0)
        rc = names_dir(nd, true, &ne);
    if (rc == 0 && oe->fs != ne->fs)
        rc = -EXDEV;
    if (rc == 0)
        rc = tree_lookup(s, oe, s->name1, (size_t)olen, &on);
    if (rc == 0) {
        rc = tree_lookup(s, ne, s->name2, (size_t)nlen, &nn);
        if (rc == -ENOENT) {
            nn = NULL;
            rc = 0;
        }
    }
    if (rc == 0)
        rc = rename_in(ss, oe, ne, on, nn, m);
    vfs_node_put(on);
    vfs_node_put(nn);
    vfs_node_put(oe);
    vfs_node_put(ne);
    return rc;
}

static int64_t op_readlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = node_get(ss, m->a[0]);
    int64_t len;
    if (!n)
        return -EBADF;
    if (!S_ISLNK(n->type) || !n->fs->ops->readlink)
        return -EINVAL;
    len = n->fs->ops->readlink(n, (char *)buf->data, FS_DATA_MAX);
    if (len < 0)
        return len;
    return len < FS_DATA_MAX ? len : FS_DATA_MAX;
}

/* The inode number of entry de of directory d as the protocol shows it: in a
 * composition, a mount point's is its mounted root's (what LOOKUP gives), the others
 * belong to the instance that holds the names. */
static uint64_t dirent_ino(struct fs_server *s, struct vfs_node *d, const struct vfs_dirent *de)
{
    struct vfs_node *n, *eff;
    struct linux_stat st;
    uint64_t ino = de->ino, dev = d->fs->dev;
    if (!s->composed)
        return ino;
    if (vfs_is_mount_entry(d, de->name, de->len)) {
        if (tree_lookup(s, d, de->name, de->len, &n) == 0) {
            if (vfs_getattr(n, &st) == 0) {
                ino = st.st_ino;
                dev = st.st_dev;
            }
            vfs_node_put(n);
        }
        return ino_of(s, dev, ino);
    }
    eff = vfs_names_dir(d, false);
    if (eff) {
        dev = eff->fs->dev;
        vfs_node_put(eff);
    }
    return ino_of(s, dev, ino);
}

static int64_t op_readdir(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *d;
    uint64_t pos = m->a[1] < 2 ? 2 : m->a[1];
    size_t size = m->a[2] < FS_DATA_MAX ? (size_t)m->a[2] : FS_DATA_MAX, used = 0;
    int64_t count = 0;
    int rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (d->fs->ops->readdir) {
        for (;;) {
            struct vfs_dirent de;
            struct fs_dirent rec;
            size_t len, reclen;
            rc = d->fs->ops->readdir(d, pos, &de);
            if (rc < 0) {
                if (count)
                    break;
                return rc;
            }
            if (rc == 0)
                break;
            len = de.len <= NAME_MAX ? de.len : NAME_MAX;
            reclen = (sizeof rec + len + 1 + 7) & ~(size_t)7;
            if (used + reclen > size) {
                if (count == 0)
                    return -EINVAL;
                break;
            }
            /* a private copy: the name may not outlive another call on the fs */
            memcpy(ss->s->name2, de.name, len);
            de.name = ss->s->name2;
            de.len = len;
            memset(&rec, 0, sizeof rec);
            rec.ino = dirent_ino(ss->s, d, &de);
            rec.next = de.next;
            rec.reclen = (uint16_t)reclen;
            rec.type = de.type;
            rec.namelen = (uint8_t)len;
            memcpy(buf->data + used, &rec, sizeof rec);
            memcpy(buf->data + used + sizeof rec, de.name, len);
            memset(buf->data + used + sizeof rec + len, 0, reclen - sizeof rec - len);
            used += reclen;
            count++;
            if (de.next <= pos) /* a plugin that does not move on: stop here */
                break;
            pos = de.next;
        }
    }
    m->r[1] = (int64_t)pos;
    return count;
}

static int64_t op_acquire(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_ent *e = ent_get(ss, m->a[0]);
    if (!e)
        return -EBADF;
    if (e->refs >= FS_MAX_REFS)
        return -EOVERFLOW;
    e->refs++;
    return 0;
}

static int64_t op_release(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_ent *e = ent_get(ss, m->a[0]);
    if (!e)
        return -EBADF;
    if (--e->refs == 0)
        ent_drop(ss->s, e);
    return 0;
}

static bool wants_write(uint64_t flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static int64_t op_open(struct fs_session *ss, struct fs_msg *m)
{
    struct vfs_node *n = node_get(ss, m->a[0]);
    uint64_t flags = m->a[1];
    struct vfs_file *f;
    struct linux_stat st;
    uint32_t stored;
    int rc;
    if (!n)
        return -EBADF;
    if (flags > 0xffffffffu || (flags & O_PATH) || (flags & O_TMPFILE) == O_TMPFILE)
        return -EINVAL;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;
    if (S_ISLNK(n->type))
        return -ELOOP;
    if ((flags & O_DIRECTORY) && !S_ISDIR(n->type))
        return -ENOTDIR;
    if (S_ISDIR(n->type) && ((flags & O_CREAT) || wants_write(flags)))
        return -EISDIR;
    if ((!ss->writeable || (n->fs->flags & VFS_FS_RDONLY)) && wants_write(flags))
        return -EROFS;
    if (!S_ISREG(n->type) && !S_ISDIR(n->type))
        return -ENXIO; /* devices, FIFOs and sockets have no function in a server */
    stored = ((uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) |
             O_LARGEFILE;
    rc = vfs_file_open_node(n, stored, &f);
    if (rc < 0)
        return rc;
    if ((flags & O_TRUNC) && S_ISREG(n->type)) {
        struct vfs_setattr sa = {0};
        sa.mask = VFS_SET_SIZE | VFS_SET_MTIME;
        sa.mtime = vfs_now(&ss->s->env);
        rc = vfs_getattr(n, &st);
        if (rc == 0)
            rc = n->fs->ops->setattr ? n->fs->ops->setattr(n, &sa) : -EPERM;
        if (rc < 0) {
            vfs_file_put(f);
            return rc;
        }
        if (st.st_size > 0)
            quota_credit(ss, (uint64_t)st.st_size);
        mapped_resized(ss->s, n, (uint64_t)st.st_size, 0);
    }
    return handle_new(ss, f);
}

static int64_t op_dup(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (h->refs >= FS_MAX_REFS)
        return -EOVERFLOW;
    h->refs++;
    return 0;
}

static int64_t op_close(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (--h->refs == 0)
        handle_drop(ss, h);
    return 0;
}

static bool readable(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

static bool writable(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

/* ---- mapped files ---- */

static struct fs_mapped *mapped_find(struct fs_server *s, struct vfs_node *n)
{
    struct fs_mapped *mp;
    for (mp = s->mapped; mp; mp = mp->next)
        if (mp->node == n)
            return mp;
    return NULL;
}

static bool mapped_reclaim(struct fs_server *s, struct fs_session *payer, struct fs_mapped *keep);

/* Chunk k of mp, made (zeroed, paid by payer) if missing; NULL when payer has all the
 * chunks it may have or out of memory, even after the files it pays for that no client
 * maps were made plain again (mapped_reclaim). */
static uint8_t *chunk_get(struct fs_server *s, struct fs_mapped *mp, unsigned k,
                          struct fs_session *payer)
{
    struct fs_chunk *c = &mp->chunk[k];
    for (int tries = 0; !c->addr && tries < 2; tries++) {
        if (tries && !mapped_reclaim(s, payer, mp))
            break;
        if (payer->nchunks >= FS_SESSION_MAX_CHUNKS)
            continue;
        c->addr = s->mem.create(s->mem.ctx, payer, fs_chunk_pages(k), &c->id);
        if (c->addr) {
            s->mapped_pages += fs_chunk_pages(k);
            c->payer = payer;
            payer->nchunks++;
        }
    }
    return c->addr;
}

static void maps_step(struct fs_server *s);

static void chunk_free(struct fs_server *s, struct fs_mapped *mp, unsigned k)
{
    struct fs_chunk *c = &mp->chunk[k];
    maps_step(s); /* before its pages go from clients' views */
    s->mem.destroy(s->mem.ctx, c->addr, fs_chunk_pages(k), c->id);
    s->mapped_pages -= fs_chunk_pages(k);
    c->payer->nchunks--;
    memset(c, 0, sizeof *c);
}

/* Copies n bytes at byte off of a mapped file out of its chunks (missing ones read as
 * zero) into out, or from in into them (making them, paid by payer); 0 or -ENOMEM. */
static int mapped_copy(struct fs_server *s, struct fs_mapped *mp, uint64_t off, void *out,
                       const void *in, uint64_t n, struct fs_session *payer)
{
    while (n) {
        uint64_t page = off / FS_PAGE;
        unsigned k = fs_chunk_of(page);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t len = end - off < n ? end - off : n;
        uint8_t *base = in ? chunk_get(s, mp, k, payer) : mp->chunk[k].addr;
        if (in && !base)
            return -ENOMEM;
        if (in)
            memcpy(base + (off - start), in, len);
        else if (base)
            memcpy(out, base + (off - start), len);
        else
            memset(out, 0, len);
        if (in)
            in = (const uint8_t *)in + len;
        else
            out = (uint8_t *)out + len;
        off += len;
        n -= len;
    }
    return 0;
}

/* Zeroes the bytes [from, to) of a mapped file where chunks exist (a size change). */
static void mapped_zero(struct fs_mapped *mp, uint64_t from, uint64_t to)
{
    while (from < to && from < FS_MAP_MAX_PAGES * FS_PAGE) {
        unsigned k = fs_chunk_of(from / FS_PAGE);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t stop = to < end ? to : end;
        if (mp->chunk[k].addr)
            memset(mp->chunk[k].addr + (from - start), 0, stop - from);
        from = stop;
    }
}

static void mapped_free(struct fs_server *s, struct fs_mapped *mp)
{
    unsigned k;
    for (k = 0; k < FS_MAP_CHUNKS; k++)
        if (mp->chunk[k].addr)
            chunk_free(s, mp, k);
    vfs_node_put(mp->node);
    vfs_free(&s->env, mp, sizeof *mp);
}

/* Puts a mapped file's bytes back into the plugin, whose own copy has held the size all
 * along (the chunks stay the file's data until freed); 0 or a negative errno. */
static int mapped_write_back(struct fs_server *s, struct fs_mapped *mp)
{
    struct vfs_node *n = mp->node;
    struct vfs_file *f;
    struct linux_stat st;
    uint64_t size;
    unsigned k;
    int rc = vfs_getattr(n, &st);
    size = rc == 0 && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    if (size && !(n->fs->flags & VFS_FS_RDONLY) && n->fs->ops->write &&
        (rc = vfs_file_open_node(n, O_WRONLY | O_LARGEFILE, &f)) == 0) {
        for (k = 0; k < FS_MAP_CHUNKS && rc >= 0; k++) {
            uint64_t start = fs_chunk_first(k) * FS_PAGE, at = start, len;
            if (!mp->chunk[k].addr || start >= size)
                continue;
            len = size - start < fs_chunk_pages(k) * FS_PAGE ? size - start
                                                             : fs_chunk_pages(k) * FS_PAGE;
            int64_t w = n->fs->ops->write(f, mp->chunk[k].addr, (size_t)len, &at);
            rc = w == (int64_t)len ? 0 : w < 0 ? (int)w : -EIO;
        }
        vfs_file_put(f);
        if (rc >= 0 && n->fs->ops->setattr) { /* moving the bytes is no modification */
            struct vfs_setattr a = {0};
            a.mask = VFS_SET_MTIME;
            a.mtime = st.st_mtim;
            n->fs->ops->setattr(n, &a);
        }
    }
    return rc < 0 ? rc : 0;
}

/* Makes mp's file a plain file again (mp is off the list): its bytes go back into the
 * plugin, then every chunk is freed, whether the bytes went back or not (its payer's
 * session ended: no chunk outlives its payer). */
static void mapped_unmake(struct fs_server *s, struct fs_mapped *mp)
{
    int rc = mapped_write_back(s, mp);
    if (rc < 0)
        vfs_log(&s->env, "fs_server: a mapped file's bytes could not go back into it (errno %d)",
                -rc);
    mapped_free(s, mp);
}

/*
 * A session out of chunks (or of the quota they are made from) gets back those of the
 * files it pays for that no client maps now, all but keep: each such file is made a
 * plain file again, its bytes back in the plugin (a file whose bytes do not fit there
 * stays mapped: nothing is lost), and the next FS_MAP maps it anew. So the chunk limit
 * bounds what a session has mapped at once, not how many files it ever mapped (named
 * semaphores and message queues stay on /dev/shm after their last close). True when
 * anything was freed.
 */
static bool mapped_reclaim(struct fs_server *s, struct fs_session *payer, struct fs_mapped *keep)
{
    bool freed = false;
    for (struct fs_mapped **pp = &s->mapped; *pp;) {
        struct fs_mapped *mp = *pp;
        bool pays = false, used = false;
        for (unsigned k = 0; k < FS_MAP_CHUNKS; k++)
            if (mp->chunk[k].addr) {
                pays = pays || mp->chunk[k].payer == payer;
                used = used || s->mem.in_use(s->mem.ctx, mp->chunk[k].id);
            }
        if (mp == keep || !pays || used || mapped_write_back(s, mp) < 0) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        mapped_free(s, mp);
        freed = true;
        s->attrs_moved = true;
    }
    return freed;
}

/* A size change of n from old to new bytes: the bytes between read as zero. */
static void mapped_resized(struct fs_server *s, struct vfs_node *n, uint64_t old, uint64_t new_size)
{
    struct fs_mapped *mp = mapped_find(s, n);
    if (mp)
        mapped_zero(mp, old < new_size ? old : new_size, old < new_size ? new_size : old);
}

/* Makes f's file a mapped file: its bytes (size of them) copied into chunks that ss
 * pays for. */
static int mapped_make(struct fs_session *ss, struct vfs_file *f, uint64_t size,
                       struct fs_mapped **out)
{
    struct fs_server *s = ss->s;
    struct fs_mapped *mp = vfs_zalloc(&s->env, sizeof *mp);
    uint64_t off = 0;
    int64_t r;
    if (!mp)
        return -ENOMEM;
    mp->node = f->node;
    vfs_node_get(f->node);
    while (off < size) {
        unsigned k = fs_chunk_of(off / FS_PAGE);
        uint64_t start = fs_chunk_first(k) * FS_PAGE;
        uint64_t end = start + fs_chunk_pages(k) * FS_PAGE;
        uint64_t want = (size < end ? size : end) - off;
        uint8_t *base = chunk_get(s, mp, k, ss);
        if (!base) {
            mapped_free(s, mp);
            return -ENOMEM;
        }
        r = f->node->fs->ops->read(f, base + (off - start), (size_t)want, off);
        if (r < 0) {
            mapped_free(s, mp);
            return (int)r;
        }
        if (r == 0)
            break;
        off += (uint64_t)r;
    }
    mp->next = s->mapped;
    s->mapped = mp;
    *out = mp;
    return 0;
}

static int64_t op_map(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    struct fs_handle *h = handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct linux_stat st;
    uint64_t page = m->a[1], size_pages;
    unsigned k;
    bool made;
    int rc;
    if (!h)
        return -EBADF;
    if (!S_ISREG(h->f->node->type) || !s->mem.create || !h->f->node->fs->ops->read)
        return -ENODEV;
    if (!readable(h->f))
        return -EACCES;
    if (page >= FS_MAP_MAX_PAGES)
        return -ENOMEM;
    rc = vfs_getattr(h->f->node, &st);
    if (rc < 0)
        return rc;
    if ((uint64_t)st.st_size > FS_MAP_MAX_PAGES * FS_PAGE)
        return -ENOMEM;
    /* chunks up to the one that holds the last byte (page 0 always) */
    size_pages = ((uint64_t)st.st_size + FS_PAGE - 1) / FS_PAGE;
    k = fs_chunk_of(page);
    if (page > 0 && fs_chunk_first(k) >= size_pages)
        return -ENXIO;
    mp = mapped_find(s, h->f->node);
    made = !mp;
    /* making a file mapped reads it (its access time may move, as mmap's does on
     * Linux); taking chunks back writes files (their change time) */
    s->attrs_moved = s->attrs_moved || made;
    if (made && (rc = mapped_make(ss, h->f, (uint64_t)st.st_size, &mp)) < 0)
        return rc;
    if (!chunk_get(s, mp, k, ss)) {
        if (made) { /* a plain file still: the plugin's bytes are as they were */
            s->mapped = mp->next;
            mapped_free(s, mp);
        }
        return -ENOMEM;
    }
    m->r[1] = (int64_t)fs_chunk_first(k);
    m->r[2] = (int64_t)fs_chunk_pages(k);
    m->r[3] = (int64_t)mp->chunk[k].id;
    m->r[4] = writable(h->f) && ss->writeable && !(h->f->node->fs->flags & VFS_FS_RDONLY);
    return 0;
}

static int64_t op_read(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct vfs_file *f;
    bool at_handle = m->a[2] == FS_POS_HANDLE;
    uint64_t off;
    int64_t r;
    if (!h)
        return -EBADF;
    f = h->f;
    if (m->a[1] > FS_DATA_MAX || (!at_handle && m->a[2] > (uint64_t)INT64_MAX))
        return -EINVAL;
    if (!readable(f))
        return -EBADF;
    if (!at_handle && f->stream)
        return -ESPIPE;
    if (S_ISDIR(f->node->type))
        return -EISDIR;
    if (!f->node->fs->ops->read)
        return -EINVAL;
    off = at_handle ? f->pos : m->a[2];
    mp = mapped_find(ss->s, f->node);
    if (mp) {
        struct linux_stat st;
        int rc = vfs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        r = off < (uint64_t)st.st_size ? (int64_t)((uint64_t)st.st_size - off) : 0;
        if (r > (int64_t)m->a[1])
            r = (int64_t)m->a[1];
        mapped_copy(ss->s, mp, off, buf->data, NULL, (uint64_t)r, NULL);
    } else {
        r = f->node->fs->ops->read(f, buf->data, (size_t)m->a[1], off);
    }
    if (r > (int64_t)m->a[1])
        r = (int64_t)m->a[1];
    if (r > 0 && at_handle && !f->stream)
        f->pos += (uint64_t)r;
    return r;
}

/* WRITE of n bytes to a mapped file at *at (its end with O_APPEND), whose size is size:
 * into the chunks, the plugin told the new size and time; *at moves past them. */
static int64_t mapped_write(struct fs_session *ss, struct fs_mapped *mp, struct vfs_file *f,
                            const void *data, uint64_t n, uint64_t *at, uint64_t size)
{
    struct vfs_setattr a = {0};
    uint64_t pos = (f->flags & O_APPEND) ? size : *at;
    int rc;
    if (pos + n > FS_MAP_MAX_PAGES * FS_PAGE)
        return -EFBIG;
    a.mask = VFS_SET_MTIME;
    a.mtime = vfs_now(&ss->s->env);
    if (pos + n > size) {
        a.mask |= VFS_SET_SIZE;
        a.size = pos + n;
        mapped_zero(mp, size, pos); /* a gap reads as zero */
    }
    if (!f->node->fs->ops->setattr)
        return -EPERM;
    rc = f->node->fs->ops->setattr(f->node, &a);
    if (rc < 0)
        return rc;
    rc = mapped_copy(ss->s, mp, pos, NULL, data, n, ss);
    if (rc < 0)
        return rc;
    *at = pos + n;
    return (int64_t)n;
}

static int64_t op_write(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct vfs_file *f;
    struct linux_stat st;
    bool at_handle = m->a[2] == FS_POS_HANDLE;
    uint64_t n = m->a[1], at, end, size, allowed, growth;
    int64_t r;
    int rc;
    if (!h)
        return -EBADF;
    f = h->f;
    if (n > FS_DATA_MAX || (!at_handle && m->a[2] > (uint64_t)INT64_MAX))
        return -EINVAL;
    if (!ss->writeable)
        return -EROFS;
    if (!writable(f))
        return -EBADF;
    if (!at_handle && f->stream)
        return -ESPIPE;
    if (!f->node->fs->ops->write)
        return -EINVAL;
    if (n == 0)
        return 0;
    at = at_handle ? f->pos : m->a[2];
    if (!f->stream && at + n > (uint64_t)INT64_MAX) {
        if (at >= (uint64_t)INT64_MAX)
            return -EFBIG;
        n = (uint64_t)INT64_MAX - at;
    }
    rc = vfs_getattr(f->node, &st);
    if (rc < 0)
        return rc;
    size = (uint64_t)st.st_size;
    /* the quota: cut the write where it would grow the file beyond what is left (data
     * on a device is the device's to refuse: ENOSPC from the plugin) */
    allowed = !data_charged(f->node) ? UINT64_MAX : ss->used < ss->quota ? ss->quota - ss->used : 0;
    end = ((f->flags & O_APPEND) ? size : at) + n;
    growth = end > size ? end - size : 0;
    if (growth > allowed) {
        if (growth - allowed >= n)
            return -ENOSPC;
        n -= growth - allowed;
    }
    mp = mapped_find(ss->s, f->node);
    if (mp) {
        r = mapped_write(ss, mp, f, buf->data, n, &at, size);
    } else {
        r = f->node->fs->ops->write(f, buf->data, (size_t)n, &at);
    }
    if (r < 0)
        return r;
    if (at_handle && !f->stream)
        f->pos = at;
    if (data_charged(f->node) && vfs_getattr(f->node, &st) == 0 && (uint64_t)st.st_size > size)
        quota_charge(ss, (uint64_t)st.st_size - size);
    return r;
}

static int64_t set_pos(struct vfs_file *f, int64_t pos)
{
    if (pos < 0)
        return -EINVAL;
    f->pos = (uint64_t)pos;
    return pos;
}

static int64_t op_seek(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    struct vfs_file *f;
    struct linux_stat st;
    int64_t off = (int64_t)m->a[1], cur, size;
    int rc;
    if (!h)
        return -EBADF;
    f = h->f;
    if (m->a[2] != SEEK_SET && m->a[2] != SEEK_CUR && m->a[2] != SEEK_END)
        return -EINVAL;
    if (f->node->fs->ops->llseek)
        return f->node->fs->ops->llseek(f, off, (int)m->a[2]);
    if (f->stream)
        return -ESPIPE;
    cur = (int64_t)f->pos;
    switch (m->a[2]) {
    case SEEK_SET:
        return set_pos(f, off);
    case SEEK_CUR:
        if ((off > 0 && cur > INT64_MAX - off) || (off < 0 && cur < INT64_MIN - off))
            return -EINVAL;
        return set_pos(f, cur + off);
    default:
        if (S_ISDIR(f->node->type))
            return -EINVAL;
        rc = vfs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        size = st.st_size;
        if ((off > 0 && size > INT64_MAX - off) || (off < 0 && size < INT64_MIN - off))
            return -EINVAL;
        return set_pos(f, size + off);
    }
}

static int64_t op_flags(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    struct vfs_file *f;
    if (!h)
        return -EBADF;
    f = h->f;
    if (m->a[1] != FS_FLAGS_KEEP) {
        f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
                   ((uint32_t)m->a[1] & (O_APPEND | O_NONBLOCK));
        if (f->node->fs->ops->fcntl)
            f->node->fs->ops->fcntl(f, F_SETFL, f->flags);
    }
    return f->flags;
}

static int64_t op_statfs(struct fs_session *ss, struct fs_buf *buf)
{
    struct vfs_node *rn = vfs_attr_node(ss->root); /* the instance the root shows */
    struct vfs_fs *fs = rn->fs;
    struct linux_statfs st;
    uint64_t left;
    int rc = 0;
    vfs_node_put(rn); /* the vfs keeps the instance */
    memset(&st, 0, sizeof st);
    st.f_bsize = 4096;
    st.f_frsize = 4096;
    st.f_namelen = NAME_MAX;
    if (fs->ops->statfs)
        rc = fs->ops->statfs(fs, &st);
    if (rc < 0)
        return rc;
    /* what the session may still make, if less than the file system has (in memory;
     * a device's space is what the device has) */
    left = (ss->used < ss->quota ? ss->quota - ss->used : 0) / 4096;
    if (!fs->ops->data_on_device && st.f_bavail > left)
        st.f_bavail = left;
    if (!fs->ops->data_on_device && st.f_bfree > left)
        st.f_bfree = left;
    st.f_fsid[0] = 0;
    st.f_fsid[1] = 0;
    /* ST_RDONLY for a read-only session only: the client takes it for the whole tree,
     * which may hold writable instances beside a read-only one */
    st.f_flags = ST_VALID | (ss->writeable ? 0 : ST_RDONLY);
    memcpy(buf->data, &st, sizeof st);
    return 0;
}

static int64_t op_fsync(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (!h->f->node->fs->ops->fsync)
        return -EINVAL;
    return h->f->node->fs->ops->fsync(h->f, m->a[1] == 1);
}

static int64_t op_syncfs(struct fs_session *ss)
{
    return fs_server_writeback(ss->s);
}

/* The requests that never change the tree (the others mark it dirty, even when they
 * fail: a failed write may have allocated). */
static bool changes_nothing(uint64_t op)
{
    switch (op) {
    case FS_ATTACH:
    case FS_LOOKUP:
    case FS_GETATTR:
    case FS_READLINK:
    case FS_READDIR:
    case FS_ACQUIRE:
    case FS_RELEASE:
    case FS_DUP:
    case FS_READ:
    case FS_SEEK:
    case FS_FLAGS:
    case FS_STATFS:
    case FS_SYNCFS:
    case FS_FSYNC:
    case FS_LOCK:
        return true;
    default:
        return false;
    }
}

/* The requests after which a client may keep the names and attributes it has (no
 * fs_buf.gen step): those that change no name and no attribute. A READ may move the
 * access time (relatime), an OPEN with O_TRUNC the size; the rest change something. */
static bool keeps_attrs(const struct fs_msg *m)
{
    switch (m->op) {
    case FS_ATTACH:
    case FS_LOOKUP:
    case FS_GETATTR:
    case FS_READLINK:
    case FS_READDIR:
    case FS_ACQUIRE:
    case FS_RELEASE:
    case FS_DUP:
    case FS_CLOSE:
    case FS_SEEK:
    case FS_FLAGS:
    case FS_STATFS:
    case FS_SYNCFS:
    case FS_FSYNC:
    case FS_LOCK:
    case FS_MAP:
        return true;
    case FS_OPEN:
        return !(m->a[1] & O_TRUNC);
    default:
        return false;
    }
}

/* A change: every session's buffer gets the new count, before the answer goes out. */
static void gen_step(struct fs_server *s)
{
    s->gen++;
    for (struct fs_session *ss = s->sessions; ss; ss = ss->next)
        if (ss->buf)
            __atomic_store_n(&ss->buf->gen, s->gen, __ATOMIC_RELEASE);
}

/* A chunk goes: every session's buffer says so before its pages leave any view. */
static void maps_step(struct fs_server *s)
{
    if (!s->gen)
        return;
    s->maps++;
    for (struct fs_session *ss = s->sessions; ss; ss = ss->next)
        if (ss->buf)
            __atomic_store_n(&ss->buf->maps, s->maps, __ATOMIC_RELEASE);
}

void fs_server_set_coherent(struct fs_server *s)
{
    if (s && !s->gen)
        s->gen = 1;
}

bool fs_server_dirty(const struct fs_server *s)
{
    return s->dirty;
}

int fs_server_writeback(struct fs_server *s)
{
    s->dirty = false; /* changes from here on are the next sync's */
    int r = vfs_sync(s->vfs);
    if (r < 0)
        s->dirty = true; /* still held: tried again later */
    return r;
}

/* FS_LOCK (docs/locks.md): the owner is the handle, or a pid the client names, always
 * within this session. */
static int64_t op_lock(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    struct fs_handle *h = handle_get(ss, m->a[0]);
    uint64_t a1 = m->a[1];
    unsigned cmd = a1 & 0xff, type = (a1 >> 8) & 0xff, table = (a1 & FS_LOCK_FLOCK) ? 1 : 0;
    bool by_handle = (a1 & (FS_LOCK_OFD | FS_LOCK_FLOCK)) != 0;
    int64_t r[5] = {0}, rc;
    uint64_t owner;
    if (m->a[0] == 0 && a1 == FS_LOCK_RELEASE && m->a[4] && m->a[4] <= 0x7fffffffu) {
        /* no handle: every record lock of the pid in this session (its launcher, when
         * the process died without closing its files) */
        fs_lock_release(&s->locks, &s->env, NULL, ~0ull, ((uint64_t)ss->sid << 32) | m->a[4],
                        &ss->nlocks);
        return 0;
    }
    if (!h)
        return -EBADF;
    if ((a1 & ~(uint64_t)(0xffffu | FS_LOCK_OFD | FS_LOCK_FLOCK)) ||
        ((a1 & FS_LOCK_OFD) && (a1 & FS_LOCK_FLOCK)) || cmd > FS_LOCK_RELEASE || type > RL_WRITE ||
        m->a[2] > (uint64_t)INT64_MAX || m->a[3] > (uint64_t)INT64_MAX || m->a[2] > m->a[3] ||
        (!by_handle && (m->a[4] == 0 || m->a[4] > 0x7fffffffu)))
        return -EINVAL;
    owner = ((uint64_t)ss->sid << 32) |
            (by_handle ? FS_LOCK_OWNER_HANDLE | (uint32_t)(h - ss->handles + 1) : m->a[4]);
    if (cmd == FS_LOCK_RELEASE) {
        fs_lock_release(&s->locks, &s->env, h->f->node, ~0ull, owner, &ss->nlocks);
        return 0;
    }
    /* fcntl locks need the matching access mode (flock does not) */
    if (!table && cmd != FS_LOCK_GET &&
        ((type == RL_READ && !readable(h->f)) || (type == RL_WRITE && !writable(h->f))))
        return -EBADF;
    rc = fs_lock_request(&s->locks, &s->env, h->f->node, cmd, (int)type, table, owner,
                         (int64_t)m->a[2], (int64_t)m->a[3],
                         s->env.now_ns ? s->env.now_ns(s->env.ctx) : 0, &ss->nlocks, r);
    for (unsigned i = 1; i < 5; i++)
        m->r[i] = r[i];
    return rc;
}

void fs_server_handle(struct fs_server *s, struct fs_session *ss, struct fs_msg *m,
                      struct fs_buf *buf)
{
    int64_t r;
    unsigned i;
    for (i = 0; i < 5; i++)
        m->r[i] = 0;
    if (!s || !ss || ss->s != s || !buf) {
        m->r[0] = -EINVAL;
        return;
    }
    ss->buf = buf;
    if (s->gen) { /* rewritten each time: the client's side of the page is not trusted */
        __atomic_store_n(&buf->gen, s->gen, __ATOMIC_RELEASE);
        __atomic_store_n(&buf->maps, s->maps, __ATOMIC_RELEASE);
    }
    switch (m->op) {
    case FS_ATTACH:
        r = op_attach(ss, m);
        break;
    case FS_LOOKUP:
        r = op_lookup(ss, m, buf);
        break;
    case FS_GETATTR:
        r = op_getattr(ss, m, buf);
        break;
    case FS_SETATTR:
        r = op_setattr(ss, m, buf);
        break;
    case FS_CREATE:
        r = op_create(ss, m, buf);
        break;
    case FS_LINK:
        r = op_link(ss, m, buf);
        break;
    case FS_UNLINK:
        r = op_unlink(ss, m, buf);
        break;
    case FS_RENAME:
        r = op_rename(ss, m, buf);
        break;
    case FS_READLINK:
        r = op_readlink(ss, m, buf);
        break;
    case FS_READDIR:
        r = op_readdir(ss, m, buf);
        break;
    case FS_ACQUIRE:
        r = op_acquire(ss, m);
        break;
    case FS_RELEASE:
        r = op_release(ss, m);
        break;
    case FS_OPEN:
        r = op_open(ss, m);
        break;
    case FS_DUP:
        r = op_dup(ss, m);
        break;
    case FS_CLOSE:
        r = op_close(ss, m);
        break;
    case FS_READ:
        r = op_read(ss, m, buf);
        break;
    case FS_WRITE:
        r = op_write(ss, m, buf);
        break;
    case FS_SEEK:
        r = op_seek(ss, m);
        break;
    case FS_FLAGS:
        r = op_flags(ss, m);
        break;
    case FS_STATFS:
        r = op_statfs(ss, buf);
        break;
    case FS_SYNCFS:
        r = op_syncfs(ss);
        break;
    case FS_FSYNC:
        r = op_fsync(ss, m);
        break;
    case FS_MAP:
        r = op_map(ss, m);
        break;
    case FS_LOCK:
        r = op_lock(ss, m);
        break;
    default:
        r = -ENOSYS;
        break;
    }
    if (!changes_nothing(m->op) && r != -ENOSYS)
        s->dirty = true;
    if (s->gen && (!keeps_attrs(m) || s->attrs_moved))
        gen_step(s);
    s->attrs_moved = false;
    if (r < 0)
        for (i = 1; i < 5; i++)
            m->r[i] = 0;
    m->r[0] = r;
}

/* ---- servers and sessions ---- */

void fs_server_set_mem(struct fs_server *s, const struct fs_mem_ops *ops)
{
    s->mem = *ops;
}

void fs_server_collect(struct fs_server *s)
{
    struct fs_mapped **pp = &s->mapped;
    while (*pp) {
        struct fs_mapped *mp = *pp;
        struct linux_stat st;
        bool named = true, keep;
        unsigned k;
        if (vfs_getattr(mp->node, &st) == 0) {
            /* chunks wholly beyond the end (after a truncation) that no client maps */
            uint64_t size_pages = ((uint64_t)st.st_size + FS_PAGE - 1) / FS_PAGE;
            for (k = 1; k < FS_MAP_CHUNKS; k++)
                if (mp->chunk[k].addr && fs_chunk_first(k) >= size_pages &&
                    !s->mem.in_use(s->mem.ctx, mp->chunk[k].id))
                    chunk_free(s, mp, k);
            named = st.st_nlink > 0;
        }
        keep = mp->node->refs > 1 || named;
        for (k = 0; k < FS_MAP_CHUNKS && !keep; k++)
            keep = mp->chunk[k].addr && s->mem.in_use(s->mem.ctx, mp->chunk[k].id);
        if (keep) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        mapped_free(s, mp);
    }
}

uint64_t fs_server_mapped_pages(const struct fs_server *s)
{
    return s->mapped_pages;
}

uint32_t fs_session_chunks(const struct fs_session *ss)
{
    return ss->nchunks;
}

int fs_server_create(const struct vfs_env *env, const struct vfs_plugin *plugin,
                     const struct cfg_node *cfg, struct fs_server **out, struct cfg_error *err)
{
    const struct vfs_plugin *plugins[1] = {plugin};
    struct vfs_fs *fs;
    struct fs_server *s;
    int rc;
    memset(err, 0, sizeof *err);
    if (!plugin || plugin->kind != VFS_PLUGIN_TREE)
        return vfs_config_error(err, cfg, NULL, "%s: a file-system server needs a tree plugin",
                                plugin ? plugin->name : "(none)");
    s = vfs_zalloc(env, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->env = *env;
    rc = vfs_create(&s->env, plugins, 1, NULL, 1, &s->vfs, err);
    if (rc < 0)
        goto fail;
    rc = vfs_mount_hidden(s->vfs, plugin, cfg, &fs, err);
    if (rc < 0)
        goto fail;
    s->top = fs->root;
    *out = s;
    return 0;
fail:
    if (s->vfs)
        vfs_destroy(s->vfs);
    vfs_free(env, s, sizeof *s);
    return rc;
}

int fs_server_create_vfs(const struct vfs_env *env, const struct vfs_plugin *const *plugins,
                         size_t nplugins, const struct cfg_node *vfs_cfg, struct fs_server **out,
                         struct cfg_error *err)
{
    struct fs_server *s;
    int rc;
    memset(err, 0, sizeof *err);
    s = vfs_zalloc(env, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->env = *env;
    rc = vfs_create(&s->env, plugins, nplugins, vfs_cfg, 1, &s->vfs, err);
    if (rc < 0) {
        vfs_free(env, s, sizeof *s);
        return rc;
    }
    s->top = vfs_root_node(s->vfs);
    s->composed = true;
    *out = s;
    return 0;
}

void fs_server_destroy(struct fs_server *s)
{
    struct vfs_env env;
    if (!s)
        return;
    env = s->env;
    while (s->sessions)
        fs_session_close(s->sessions);
    fs_lock_destroy(&s->locks, &env);
    while (s->mapped) {
        struct fs_mapped *mp = s->mapped;
        s->mapped = mp->next;
        mapped_free(s, mp);
    }
    vfs_destroy(s->vfs);
    vfs_free(&env, s->ents, (size_t)s->cap * sizeof *s->ents);
    vfs_free(&env, s->buckets, (size_t)s->nbuckets * sizeof *s->buckets);
    vfs_free(&env, s, sizeof *s);
}

/* Makes directory name (mode 0755) in dir for a session's root; one reference in *out. */
static int make_dir(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out)
{
    struct vfs_create_args a = {0};
    struct vfs_node *d;
    int rc = names_dir(dir, true, &d);
    if (rc < 0)
        return rc;
    a.mode = S_IFDIR | 0755;
    rc = d->fs->ops->create ? d->fs->ops->create(d, name, len, &a, out) : -EROFS;
    vfs_node_put(d);
    return rc;
}

/* The directory at path (absolute; "." components skipped, ".." refused), made with
 * mode 0755 where missing. One reference in *out. */
static int resolve_root(struct fs_server *s, const char *path, struct vfs_node **out)
{
    struct vfs_node *cur = s->top, *next;
    const char *p = path;
    int rc;
    if (!path || path[0] != '/')
        return -EINVAL;
    vfs_node_get(cur);
    for (;;) {
        const char *c;
        size_t len;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        c = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - c);
        if (len == 1 && c[0] == '.')
            continue;
        rc = len > NAME_MAX                             ? -ENAMETOOLONG
             : (len == 2 && c[0] == '.' && c[1] == '.') ? -EINVAL
                                                        : 0;
        if (rc == 0 && !S_ISDIR(cur->type))
            rc = -ENOTDIR;
        if (rc == 0) {
            rc = tree_lookup(s, cur, c, len, &next);
            if (rc == -ENOENT)
                rc = make_dir(cur, c, len, &next);
        }
        if (rc < 0) {
            vfs_node_put(cur);
            return rc;
        }
        vfs_node_put(cur);
        cur = next;
    }
    if (!S_ISDIR(cur->type)) {
        vfs_node_put(cur);
        return -ENOTDIR;
    }
    *out = cur;
    return 0;
}

int fs_session_open(struct fs_server *s, const char *root, bool writeable, uint64_t quota,
                    struct fs_session **out)
{
    struct fs_session *ss;
    struct vfs_node *r;
    int rc = resolve_root(s, root, &r);
    if (rc < 0)
        return rc;
    ss = vfs_zalloc(&s->env, sizeof *ss);
    if (!ss) {
        vfs_node_put(r);
        return -ENOMEM;
    }
    ss->s = s;
    ss->root = r;
    if (++s->last_sid == 0)
        s->last_sid = 1;
    ss->sid = s->last_sid;
    ss->writeable = writeable;
    ss->quota = quota;
    ss->next = s->sessions;
    if (s->sessions)
        s->sessions->prev = ss;
    s->sessions = ss;
    *out = ss;
    return 0;
}

void fs_session_close(struct fs_session *ss)
{
    struct fs_server *s;
    uint32_t i;
    if (!ss)
        return;
    s = ss->s;
    fs_lock_release(&s->locks, &s->env, NULL, 0xffffffff00000000ull, (uint64_t)ss->sid << 32,
                    &ss->nlocks);
    /* no chunk outlives its payer: the files it helped map become plain files again */
    for (struct fs_mapped **pp = &s->mapped; *pp && ss->nchunks;) {
        struct fs_mapped *mp = *pp;
        unsigned k = 0;
        while (k < FS_MAP_CHUNKS && mp->chunk[k].payer != ss)
            k++;
        if (k == FS_MAP_CHUNKS) {
            pp = &mp->next;
            continue;
        }
        *pp = mp->next;
        mapped_unmake(s, mp);
    }
    for (i = 0; i < ss->hcap; i++)
        if (ss->handles[i].f)
            handle_drop(ss, &ss->handles[i]);
    vfs_free(&s->env, ss->handles, (size_t)ss->hcap * sizeof *ss->handles);
    for (i = 0; i < s->fresh && ss->nnodes; i++)
        if (s->ents[i].node && s->ents[i].owner == ss)
            ent_drop(s, &s->ents[i]);
    vfs_node_put(ss->root);
    if (ss->prev)
        ss->prev->next = ss->next;
    else
        s->sessions = ss->next;
    if (ss->next)
        ss->next->prev = ss->prev;
    vfs_free(&s->env, ss, sizeof *ss);
}

uint64_t fs_session_used(const struct fs_session *ss)
{
    return ss->used;
}
