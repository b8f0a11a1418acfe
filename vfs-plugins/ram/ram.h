/*
 * ram: what the file system (ram.c) and the archive import (ram_import.c) of the ram
 * plugin share: the node, directory entry and instance structures with their
 * invariants (ram.c's opening comment), and the node and entry operations the import
 * builds its tree with. Private to vfs-plugins/ram/.
 */
#ifndef VFS_PLUGIN_RAM_H
#define VFS_PLUGIN_RAM_H

#include <capix/config.h>
#include <vfs/plugin.h>

#define RAM_MAX_FILE (1ull << 40) /* largest file: 1 TiB (EFBIG beyond) */
#define RAM_FIRST_POS                                                                              \
    (1ull << 55)              /* counting down; positions stay >= 2 (and below 2^56:               \
                                a composition marks its backing's positions above) */
#define RAM_SHORT_SYMLINK 128 /* tmpfs keeps shorter link text inline: no blocks */

struct ram_node;

struct ram_dirent {
    struct ram_dirent *next, *prev; /* the directory's entries in position order */
    struct ram_dirent *hnext;       /* the next entry in the same hash bucket */
    struct ram_node *node;
    uint64_t pos;
    uint32_t hash;
    size_t len;
    char name[]; /* NUL-terminated */
};

struct ram_node {
    struct vfs_node vn;
    struct ram_node *all_next, *all_prev; /* the instance's list of nodes */
    uint32_t mode, uid, gid;
    uint64_t nlink, rdev;
    struct linux_timespec atime, mtime, ctime;
    /* regular files */
    char *data;
    uint64_t size, cap;
    /* directories */
    struct ram_dirent *first, *last, *hint; /* hint: the entry readdir returned last */
    struct ram_dirent **buckets;            /* hash index by name, once there are many */
    uint32_t nbuckets;                      /* 0 or a power of two */
    uint64_t next_pos, nentries;
    struct ram_node *parent; /* NULL for the root */
    bool holds_parent;       /* removed while in use: keeps a reference on parent */
    /* symlinks */
    char *target;
    size_t target_len;
};

struct ram_fs {
    struct vfs_fs fs;
    struct ram_node *nodes;
    struct ram_node root_storage;
    uint64_t next_ino, nnodes;
    uint64_t limit, used; /* bytes; limit 0: none */
    bool unmounting;
};

/* Allocates size bytes charged to r, or NULL (over the limit or out of memory). */
void *ram_alloc(struct ram_fs *r, size_t size);
/* A new node of mode (no links, no references) on r's list, or NULL (no space). */
struct ram_node *ram_node_new(struct ram_fs *r, uint32_t mode);
/* Frees n and each removed ancestor only n kept alive. */
void ram_node_free(struct ram_fs *r, struct ram_node *n);
/* Frees n if it has neither links nor references. */
void ram_maybe_free(struct ram_fs *r, struct ram_node *n);
/* The entry name in directory d, or NULL. */
struct ram_dirent *ram_find(struct ram_node *d, const char *name, size_t len);
/* A new entry name -> n in d, first in position order; NULL when out of space. The
 * caller counts the link. */
struct ram_dirent *ram_entry_new(struct ram_fs *r, struct ram_node *d, const char *name, size_t len,
                                 struct ram_node *n);
/* Drops one link of n, which was in dir (a directory: its own two and dir's one). */
void ram_drop_link(struct ram_fs *r, struct ram_node *dir, struct ram_node *n);
/* Makes room for need bytes of n's data (need <= RAM_MAX_FILE): 0 or -ENOSPC. */
int ram_reserve(struct ram_fs *r, struct ram_node *n, uint64_t need);
/* Fills r from the boot module that from names (ram_import.c): 0, or -errno with a
 * configuration error said in a->err. */
int ram_import_archive(const struct vfs_mount_args *a, struct ram_fs *r,
                       const struct cfg_value *from);

#endif
