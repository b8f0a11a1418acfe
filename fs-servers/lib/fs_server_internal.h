/*
 * What the files of the server library share (fs_server.c: servers and sessions;
 * fs_table.c: node entries and handles; fs_names.c: the name operations; fs_mapped.c:
 * mapped files; fs_request.c: the request decoder). Internal to fs-servers/lib.
 * Not thread-safe: the caller serialises calls on one server.
 *
 * Quota: a session is charged FS_NAME_CHARGE bytes for each name it makes (CREATE,
 * LINK), plus a symlink's text, plus the growth of files by its WRITE and SETATTR
 * (size) and is credited for names it removes, for the size of files whose last link it
 * removes and for truncations; credits never take the count below 0.
 */
#ifndef FS_SERVER_INTERNAL_H
#define FS_SERVER_INTERNAL_H

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
#define FS_SESSION_MAX_OWNED (1u << 17)   /* owner records per session (fs_owners.c) */

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
    uint8_t busy; /* FS_BUSY_WRITER or FS_BUSY_IMAGE: counted in its node's fs_busy */
};

/* A count of references to one number taken under one pid (fs_owners.c). */
struct fs_owned {
    uint64_t num; /* 0: a slot never used */
    uint32_t pid;
    uint16_t kind;  /* FS_OWN_NODE or FS_OWN_HANDLE */
    uint32_t count; /* 0 (with num): a tombstone */
};

#define FS_OWN_NODE 1
#define FS_OWN_HANDLE 2

#define FS_BUSY_WRITER 1 /* a handle open for writing */
#define FS_BUSY_IMAGE 2  /* a handle a program runs from (FS_EXEC) */

/* A regular file with handles open for writing or holding it as a program's image
 * (Linux's i_writecount): one record per node, in the server's list, while either
 * count is above 0. Opening for writing needs images == 0, FS_EXEC writers == 0. */
struct fs_busy {
    struct vfs_node *node; /* one reference */
    uint32_t writers, images;
    struct fs_busy *next;
};

#define FS_PAGE 4096ull
#define FS_MAP_CHUNKS 19 /* chunk k > 0: pages [2^(k-1), 2^k); files up to 1 GiB */
#define FS_MAP_MAX_PAGES (1ull << (FS_MAP_CHUNKS - 1))

struct fs_chunk {
    uint8_t *addr; /* NULL: not made yet */
    uint64_t id;
    struct fs_session *payer; /* whose quota it is made from (counted in its nchunks) */
};

/* A regular file whose bytes live in chunks (see the top of fs_mapped.c). */
struct fs_mapped {
    struct vfs_node *node;    /* one reference */
    struct fs_session *owner; /* NULL: every session's; else (unchanging) this one's */
    struct fs_chunk chunk[FS_MAP_CHUNKS];
    struct fs_mapped *next;
};

struct fs_server {
    struct vfs_env env;
    struct fs_mem_ops mem;
    struct fs_mapped *mapped;
    uint64_t mapped_pages;
    struct fs_busy *busy; /* files open for writing or running (fs_table.c) */
    struct vfs *vfs;
    struct vfs_node *top; /* the tree's root (borrowed: the vfs holds it) */
    bool composed;        /* a composition (inode numbers carry the instance) */
    bool unchanging;      /* nothing changes its files (fs_server_set_mem): each session
                             maps its own copies, which clients may execute (FS_MAP_EXEC) */
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
    bool attrs_moved;       /* a request that keeps attributes moved some (fs_op_map) */
    uint64_t maps;          /* chunks destroyed (fs_buf.maps), while gen is kept */
    /* private copies of request names: two names and a symlink text */
    char name1[NAME_MAX + 1], name2[NAME_MAX + 1], text[PATH_MAX];
};

struct fs_session {
    struct fs_server *s;
    struct fs_buf *buf; /* its buffer (the one its requests came with), for fs_buf.gen */
    struct fs_session *next, *prev;
    struct vfs_node *root; /* one reference */
    uint64_t root_num;     /* FS_ATTACH's number of root: the session's own reference,
                              no process's, kept until the session ends (0: none yet) */
    bool writeable;
    uint64_t quota, used;
    uint32_t nnodes;
    uint32_t nchunks; /* chunks it pays for (at most FS_SESSION_MAX_CHUNKS) */
    uint32_t sid;     /* its number in lock owners (never 0) */
    uint32_t nlocks;  /* locks its owners hold (at most FS_SESSION_MAX_LOCKS) */
    struct fs_handle *handles;
    uint32_t hcap, hcount, hnext; /* hnext: where the search for a free slot starts */
    uint32_t pid;                 /* the pid in the lock tag of the request being served */
    struct fs_owned *owned;       /* who holds its references (fs_owners.c) */
    uint32_t ocap, oused, olive;  /* slots (a power of two); used ones; live records */
    const struct vfs_cred *cred;  /* the request's sub-client's (fs_creds.c); NULL: owner */
    /* The regular file the last request made (FS_CREATE), for whom: an FS_OPEN of it as
     * the very next request, by the same sub-client and pid, is not checked against its
     * mode (Linux does not check the open that created a file: open(O_CREAT|O_RDWR, 0)
     * works) */
    uint64_t fresh_num;
    const struct vfs_cred *fresh_cred;
    uint32_t fresh_pid;
};

/* ---- helpers ---- */

static inline bool same_node(const struct vfs_node *a, const struct vfs_node *b)
{
    return a == b || (a->fs == b->fs && a->ino == b->ino);
}

/* The inode number the protocol shows for ino of the instance with st_dev dev. */
static inline uint64_t ino_of(const struct fs_server *s, uint64_t dev, uint64_t ino)
{
    if (!s->composed)
        return ino;
    return (ino & ((1ull << 48) - 1)) | ((uint64_t)(LINUX_MINOR(dev) & 0xffffu) << 48);
}

/* One component in dir as the path walk sees it (".." steps up across mounts). */
static inline int tree_lookup(struct fs_server *s, struct vfs_node *dir, const char *name,
                              size_t len, struct vfs_node **out)
{
    return vfs_node_lookup(s->vfs, dir, name, len, out);
}

/* The directory where names of dir live, one reference: 0, or -EROFS when there is
 * none or it is read-only. */
static inline int names_dir(struct vfs_node *dir, bool make, struct vfs_node **out)
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

/* Whether a file's data costs memory that its session pays for (not on a device). */
static inline bool data_charged(const struct vfs_node *n)
{
    return !n->fs->ops->data_on_device;
}

static inline int quota_check(const struct fs_session *ss, uint64_t bytes)
{
    if (ss->used > ss->quota || bytes > ss->quota - ss->used)
        return -ENOSPC;
    return 0;
}

static inline void quota_charge(struct fs_session *ss, uint64_t bytes)
{
    ss->used = bytes > UINT64_MAX - ss->used ? UINT64_MAX : ss->used + bytes;
}

static inline void quota_credit(struct fs_session *ss, uint64_t bytes)
{
    ss->used = ss->used > bytes ? ss->used - bytes : 0;
}

static inline bool readable(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

static inline bool writable(const struct vfs_file *f)
{
    return (f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR;
}

/* fs_table.c: node entries and handles (see the top of fs_table.c) */

/* Makes room for one more entry; 0, -ENOMEM or -ENFILE. */
int fs_ent_reserve(struct fs_server *s);
/* Gives ss one reference to n, taking over the caller's node reference; the node
 * number (> 0) or -ENFILE/-ENOMEM/-EOVERFLOW. */
int64_t fs_node_ref(struct fs_session *ss, struct vfs_node *n);
/* The session's entry for number num, or NULL. */
struct fs_ent *fs_ent_get(struct fs_session *ss, uint64_t num);
/* The node of the session's number num (borrowed), or NULL. */
struct vfs_node *fs_node_get(struct fs_session *ss, uint64_t num);
/* Frees an entry: its node reference goes, the slot joins the end of the free list. */
void fs_ent_drop(struct fs_server *s, struct fs_ent *e);
/* The session's handle number num, or NULL. */
struct fs_handle *fs_handle_get(struct fs_session *ss, uint64_t num);
/* Installs f (taking over its reference); the handle number or -EMFILE/-ENOMEM. */
int64_t fs_handle_new(struct fs_session *ss, struct vfs_file *f);
/* Frees a handle: its locks, its count in its node's fs_busy and its description
 * reference go. */
void fs_handle_drop(struct fs_session *ss, struct fs_handle *h);
/* -ETXTBSY if a handle holds n as a program's image (opening it for writing or
 * truncating it must wait), else 0. */
int fs_busy_check_write(struct fs_server *s, const struct vfs_node *n);
/* Counts h (on a regular file) as a writer or an image (FS_BUSY_*) of its node: 0,
 * -ETXTBSY (the other kind holds the node), -ENOMEM; 0 at once if h counts already. */
int fs_busy_take(struct fs_server *s, struct fs_handle *h, unsigned kind);

/* fs_owners.c: who holds a session's references (see the top of fs_owners.c) */

/* Counts one reference of kind (FS_OWN_*) to num under the requester's pid (ss->pid). */
void fs_owned_add(struct fs_session *ss, unsigned kind, uint64_t num);
/* One reference to num dropped: from the requester's record, else another of num's. */
void fs_owned_sub(struct fs_session *ss, unsigned kind, uint64_t num);
/* num is gone: its records go. */
void fs_owned_forget(struct fs_session *ss, unsigned kind, uint64_t num);
/* FS_GONE: drops every reference the records of pid count, as its closes would. */
void fs_owned_gone(struct fs_session *ss, uint32_t pid);
/* Frees the table (a session's end, before its references go). */
void fs_owned_free(struct fs_session *ss);

/* fs_creds.c: the checks of a sub-client's request (all 0 for the owner's) */

/* Access mask (R_OK|W_OK|X_OK) to n: 0 or -EACCES. */
int fs_may(const struct fs_session *ss, struct vfs_node *n, int mask);
/* Removing or replacing victim's name (victim NULL: making one) in dir: write and
 * search on dir, then the sticky rule; 0, -EACCES or -EPERM. */
int fs_may_remove(const struct fs_session *ss, struct vfs_node *dir, struct vfs_node *victim);
/* SETATTR a on n (chmod's mode may lose set-group-id): 0, -EPERM or -EACCES. */
int fs_may_setattr(const struct fs_session *ss, struct vfs_node *n, struct vfs_setattr *a,
                   bool explicit_time);
/* A new node's owner: the sub-client's fs uid and gid. */
void fs_cred_create(const struct fs_session *ss, struct vfs_create_args *a);

/* fs_names.c: the name operations; each returns the answer's r[0]. */

int64_t fs_op_lookup(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_create(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_link(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_unlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_rename(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_readlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);
int64_t fs_op_readdir(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf);

/* fs_mapped.c: mapped files (see the top of fs_mapped.c) */

/* The mapped file of n, or NULL. */
struct fs_mapped *fs_mapped_find(struct fs_server *s, struct fs_session *ss, struct vfs_node *n);
/* Copies n bytes at off out of mp's chunks into out, or from in into them (made, paid
 * by payer); 0 or -ENOMEM. */
int fs_mapped_copy(struct fs_server *s, struct fs_mapped *mp, uint64_t off, void *out,
                   const void *in, uint64_t n, struct fs_session *payer);
/* WRITE of n bytes to a mapped file at *at; bytes written or a negative errno. */
int64_t fs_mapped_write(struct fs_session *ss, struct fs_mapped *mp, struct vfs_file *f,
                        const void *data, uint64_t n, uint64_t *at, uint64_t size);
/* A size change of n from old to new_size bytes: the bytes between read as zero. */
void fs_mapped_resized(struct fs_server *s, struct vfs_node *n, uint64_t old, uint64_t new_size);
/* Frees mp (off the list) and all its chunks, bytes not written back. */
void fs_mapped_free(struct fs_server *s, struct fs_mapped *mp);
/* Makes mp's file (off the list) a plain file again and frees mp. */
void fs_mapped_unmake(struct fs_server *s, struct fs_mapped *mp);
/* FS_MAP; the answer's r[0]. */
int64_t fs_op_map(struct fs_session *ss, struct fs_msg *m);

/* fs_mirror.c: read-only copies of files on a device, chunk by chunk, for views (see
 * its top) */

#define FS_MIRROR_BYTES (FS_MAP_MAX_PAGES * FS_PAGE) /* files up to this size: any chunk */

/* Whether n's chunks are a copy of bytes its plugin keeps (a file on a device), not
 * the file's data. */
static inline bool fs_mirrors(const struct vfs_node *n)
{
    return n->fs->ops->data_on_device;
}

/* The plugin wrote n bytes of data at from into mp's file (whose size was size): the
 * copy gets them, or goes when it cannot (a file grown beyond FS_MIRROR_BYTES, no
 * memory). */
void fs_mirror_wrote(struct fs_session *ss, struct fs_mapped *mp, uint64_t size, uint64_t from,
                     const void *data, uint64_t n);
/* Frees mp's copy (off the list); views of it read the server again. */
void fs_mirror_drop(struct fs_server *s, struct fs_mapped *mp);
/* Whether mp's copy has the chunks that hold bytes [off, off + n) of its file: a READ
 * may copy them from there (a chunk holds zeros beyond the size); else it asks the
 * plugin (also for a read past the end whose last chunk was never made). */
bool fs_mirror_holds(struct fs_mapped *mp, uint64_t off, uint64_t n);

#endif
