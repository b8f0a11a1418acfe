/*
 * What the files of the fs plugin share (fs.c: requests, nodes, attributes, fork and
 * mount; fs_names.c: lookups, the name table, directories and name changes; fs_file.c:
 * open descriptions, reads and writes, views of files' pages, locks). Internal to
 * vfs-plugins/fs. Functions shared between the files are named fsc_ (the client's: the
 * server library's are fs_, and host tests link both).
 */
#ifndef VFS_PLUGINS_FS_INTERNAL_H
#define VFS_PLUGINS_FS_INTERNAL_H

#include <capix/config.h>
#include <capix/fs_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#define FS_BUCKETS 64    /* the node table's buckets (a power of two) */
#define FS_DIRCACHE 4096 /* bytes of directory entries fetched at a time */
#define FS_CHUNK FS_DATA_MAX
#define FS_NAMES 64    /* entries of the name table (a power of two) */
#define FS_NAME_LEN 48 /* longer names are not kept */
#define FS_PAGE 4096ull
#define FS_VIEW_CHUNKS 15 /* chunks 0..14: the first 64 MiB of a file */
#define FS_VIEW_BYTES (16384 * FS_PAGE)

/* A directory's last batch of entries (raw struct fs_dirent records). */
struct fs_dircache {
    bool valid;
    uint64_t start; /* the position the batch was asked at */
    uint32_t count; /* entries */
    uint32_t used;  /* bytes */
    uint32_t hint;  /* offset of the entry readdir gave last */
    uint8_t data[FS_DIRCACHE];
};

struct fs_node {
    struct vfs_node vn;
    uint64_t id;            /* the server's node number (one reference); 0: lost */
    struct fs_node *hnext;  /* the next node in the same bucket */
    struct fs_dircache *dc; /* directories: allocated at the first readdir */
    bool locked;            /* this process set record locks on it (released at a close) */
    uint64_t attr_gen;      /* attr holds the attributes at change count attr_gen (0: none) */
    struct linux_stat attr;
    bool no_view;    /* the server did not map it: read by requests */
    bool atime_kept; /* a READ that relatime would have let move the access time did not */
    const uint8_t *view[FS_VIEW_CHUNKS]; /* chunk k's pages readable here, or NULL */
    uint64_t view_mem[FS_VIEW_CHUNKS];   /* the memory object each view holds */
    uint16_t view_w;                     /* bit k: chunk k's view is writable too */
    bool no_wview;                       /* the server would not map it writable */
    uint64_t w_tick;                     /* the time tick of this process's last WRITE */
    uint64_t w_miss_tick;                /* a tick whose GETATTR found other times */
    uint64_t w_end;                      /* the end of its furthest pwrite in that tick */
};

/* A kept lookup: name in the directory dir_ino is node (one core reference). */
struct fs_name {
    struct fs_node *node; /* NULL: a free entry */
    uint64_t dir_ino;
    uint8_t len;
    char name[FS_NAME_LEN];
};

/* One open description (f->priv of every description but directories'). */
struct fs_open {
    uint64_t handle; /* the server's (one reference); 0: lost */
    bool keep_close; /* its close is not put off: it ran a program, or took a lock */
    bool used;       /* its offset or flags moved, or another process may hold it */
    bool shared;     /* another process may hold it (a fork, or passed): the server's
                        offset is the description's */
    bool at_known;   /* at is the offset (this process alone moved it) */
    bool local;      /* the offset is at alone: the server's is behind (read_local) */
    uint64_t gen;    /* the server's change count when it was opened (0: none kept) */
    uint64_t at;     /* the offset after this process's last read or seek */
    struct fs_open *next, *prev;
};

#define FS_EXIT_NODES 16 /* node releases of an ending process put off for its batch */

struct fs_inst {
    struct vfs_fs fs;
    struct fs_transport t;
    bool dead;                           /* the transport failed: everything gives EIO */
    bool exiting;                        /* the process ends: closes go with vfs_fs_exit */
    struct fs_node *buckets[FS_BUCKETS]; /* every node, by inode number (the root too) */
    struct fs_open *opens;               /* every handle */
    struct fs_open *spare;               /* a closed one kept for the next open */
    uint64_t asked_gen;                  /* fs_buf.gen before the last request was sent */
    uint64_t names_gen;                  /* the change count the name table holds for */
    uint64_t views_maps;                 /* fs_buf.maps when the views were made */
    int32_t views_tag;                   /* the transport's owner tag that made them (a */
                                         /* fork child's differs: they are not its own) */
    unsigned nviews;                     /* views of all nodes */
    uint64_t adopt;                      /* a passed handle the next open takes over (0: none) */
    uint64_t closing;                    /* a handle whose FS_CLOSE goes with the next FS_OPEN */
    uint64_t closing_node, closing_gen;  /* its node; the count it was opened at, if unused */
    uint32_t closing_flags;              /* its open flags */
    int32_t closing_tag;                 /* the owner tag that put it off (a fork child's */
                                         /* differs: not its own to close) */
    uint64_t exit_nodes[FS_EXIT_NODES];  /* nodes released while exiting: they go with */
    unsigned nexit_nodes;                /* vfs_fs_exit's batch */
    struct fs_name names[FS_NAMES];
    struct fs_node root;
};

static inline struct fs_inst *inst_of(struct vfs_fs *fs)
{
    return (struct fs_inst *)(void *)fs;
}

static inline struct fs_node *node_of(struct vfs_node *n)
{
    return (struct fs_node *)(void *)n;
}

/* fs.c */
/* The node for server number id (one reference, taken over), found or made; 0 or -errno. */
int fsc_adopt(struct fs_inst *r, uint64_t id, uint32_t mode, uint64_t ino, struct vfs_node **out);
/* Takes the session buffer's lock with this process's tag (spins, then yields). */
void fsc_buf_lock(const struct fs_transport *t);
/* Gives the buffer's lock back. */
void fsc_buf_unlock(struct fs_buf *b);
/* Sends m (data already in the buffer, lock held): r[0], or -EIO (the mount is dead). */
int64_t fsc_call_locked(struct fs_inst *r, struct fs_msg *m);
/* This client changed a name in dir: its readdir cache goes. */
void fsc_dir_changed(struct vfs_node *dir);
/* The vfs getattr op (kept attributes while the change count stands still). */
int fsc_getattr(struct vfs_node *n, struct linux_stat *st);
/* The server number of a node of this plugin (0: lost). */
uint64_t fsc_id_of(struct vfs_node *n);
/* One request under the lock, with up to two inputs and one output in the buffer: r[0]. */
int64_t fsc_request(struct fs_inst *r, struct fs_msg *m, uint64_t op, const void *in1, size_t n1,
                    const void *in2, size_t n2, void *out, size_t out_size);
/* A request on one number without data: r[0]. */
int64_t fsc_simple(struct fs_inst *r, uint64_t op, uint64_t a0);
/* The handle whose close was put off (fsc_close), this process's: 0 when none; it is
 * no longer owed after this call (the caller sends it). */
uint64_t fsc_take_closing(struct fs_inst *r);
/* Sends a put-off close now (before a request whose answer it may change: STATFS). */
void fsc_flush_closing(struct fs_inst *r);
/* The vfs setattr op. */
int fsc_setattr(struct vfs_node *n, const struct vfs_setattr *a);

/* fs_names.c */
/* The vfs name ops (fs_names.c): create, link, lookup, readdir, readlink, rename, unlink. */
int fsc_create(struct vfs_node *dn, const char *name, size_t len, const struct vfs_create_args *a,
               struct vfs_node **out);
int fsc_link(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *node);
int fsc_lookup(struct vfs_node *dn, const char *name, size_t len, struct vfs_node **out);
int fsc_readdir(struct vfs_node *dn, uint64_t pos, struct vfs_dirent *out);
int64_t fsc_readlink(struct vfs_node *n, char *buf, size_t size);
int fsc_rename(struct vfs_node *odn, const char *oname, size_t olen, struct vfs_node *ndn,
               const char *nname, size_t nlen, unsigned flags);
int fsc_unlink(struct vfs_node *dn, const char *name, size_t len, struct vfs_node *victim);
/* The server's change count now (0: a server that keeps none). */
uint64_t fsc_gen_now(const struct fs_inst *r);
/* Drops the name table (its nodes' core references go back). */
void fsc_names_drop(struct fs_inst *r);

/* fs_file.c */
/* The vfs file ops (fs_file.c): close, fcntl, fsync, llseek, lock, map, open, read, syncfs, write.
 */
void fsc_close(struct vfs_file *f);
int fsc_fcntl(struct vfs_file *f, int cmd, unsigned long arg);
int fsc_fsync(struct vfs_file *f, bool datasync);
int64_t fsc_llseek(struct vfs_file *f, int64_t off, int whence);
int fsc_lock(struct vfs_file *f, int cmd, int cls, int type, int64_t start, int64_t end,
             struct vfs_lock_info *out);
int fsc_map(struct vfs_file *f, uint64_t page, unsigned more, struct vfs_map *out);
int fsc_open(struct vfs_file *f);
int64_t fsc_read(struct vfs_file *f, void *buf, size_t n, uint64_t off);
int fsc_syncfs(struct vfs_fs *fs);
int64_t fsc_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off);
/* Ends every view of the instance (unmaps, gives the memory objects back). */
void fsc_views_drop(struct fs_inst *r);
/* The offsets kept here (read_local) to the server, of all descriptions or only one:
 * before another process may hold them. */
void fsc_offsets_sync(struct fs_inst *r, struct fs_open *only);
/* The views are this process's, or (a fork child's: its parent made them, and they
 * are not here) forgotten now (fs_transport.forget). */
void fsc_views_forget(struct fs_inst *r);
static inline void fsc_views_own(struct fs_inst *r)
{
    if (r->nviews && r->views_tag != (r->t.owner ? r->t.owner(r->t.ctx) : 1))
        fsc_views_forget(r);
}
/* Every view but keep's goes (keep NULL: all). */
void fsc_views_drop_others(struct fs_inst *r, struct fs_node *keep);
/* Ends the views of one node. */
void fsc_views_drop_node(struct fs_inst *r, struct fs_node *n);

#endif
