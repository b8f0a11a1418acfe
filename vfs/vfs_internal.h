/*
 * The VFS core's private declarations, shared by its files:
 *   core.c       struct vfs life, node references, attributes, permissions, mounts
 *   mount_tree.c the composition ("dir") file system and the config reader
 *   walk.c       path walk and the way up (".."), directory paths (getcwd)
 *   file.c       open file descriptions: read, write, seek, getdents, ioctl, poll
 *   open.c       open and the calls that change names (mkdir, unlink, rename, ...)
 *   attr.c       stat, chmod, chown, utimens, truncate, access, statfs, chdir
 *   fd_table.c   descriptor tables
 *   simple.c     helpers for one-node plugins
 *   serve.c      the tree by node, for file-system servers (plugin.h)
 */
#ifndef VFS_INTERNAL_H
#define VFS_INTERNAL_H

#include <capix/config.h>
#include <string.h>
#include <vfs/fd_table.h>
#include <vfs/linux.h>
#include <vfs/perm.h>
#include <vfs/plugin.h>
#include <vfs/vfs.h>

#define VFS_MAXSYMLINKS 40
#define VFS_WALK_BUF (2 * PATH_MAX) /* a path with symlink text spliced in */
#define VFS_DIR_POS_BACKING (1ull << 62)

struct vfs_cdir;

/* A composition directory's entry: a sub-directory or a node plugin's node. */
struct vfs_centry {
    struct vfs_centry *next;
    struct vfs_node *node; /* a struct vfs_cdir's node, or an instance's root */
    unsigned line;         /* where the config made it */
    size_t len;
    char name[]; /* NUL-terminated */
};

/*
 * A directory of the composition (the built-in `dir` file system). Its content is its
 * entries, laid over its backing directory: the root of a tree plugin mounted in it,
 * or else the directory of the same name in its parent's backing (if that is a
 * directory). Entries shadow backing names. Built once by vfs_create, never changed.
 */
struct vfs_cdir {
    struct vfs_node node;
    struct vfs_cdir *parent; /* NULL for the root */
    struct vfs_centry *entries, *last;
    unsigned nentries, nsubdirs;
    struct vfs_fs *backing;        /* tree plugin mounted here, or NULL */
    struct vfs_cdir *all;          /* next in the list of all composition directories */
    const struct vfs_centry *self; /* its entry in parent (NULL for the root) */
};

struct vfs {
    struct vfs_env env;
    struct vfs_fs comp; /* the composition file system */
    struct vfs_cdir *root;
    struct vfs_cdir *cdirs; /* all of them */
    uint64_t next_comp_ino;
    struct vfs_fs *mounts; /* every instance, newest first */
    unsigned next_minor;
    struct vfs_node *cwd; /* one reference */
    struct vfs_fd_table fds;
    uint32_t uid, gid, umask;
    uint64_t caps; /* the effective capabilities (bit n: Linux's capability n) */
    struct linux_timespec created;
    char *walkbuf; /* VFS_WALK_BUF bytes: the path being walked */
    char *linkbuf; /* PATH_MAX bytes: one symlink's text */
};

/* ---- core.c ---- */

/* Linux's capabilities the VFS checks (vfs_capable): VFS_CAP_* of vfs/perm.h */
#define vfs_capable(v, cap) (((v)->caps >> (cap)) & 1)

/* The process's credentials as the shared rules (vfs/perm.h) take them (the runtime's
 * VFS counts no supplementary groups yet). */
static inline void vfs_cred_of(const struct vfs *v, struct vfs_cred *c)
{
    c->uid = v->uid;
    c->gid = v->gid;
    c->caps = v->caps;
    c->ngroups = 0;
}

/* strnlen (not in strict C11's <string.h>). */
static inline size_t vfs_strnlen(const char *s, size_t max)
{
    const char *end = memchr(s, '\0', max);
    return end ? (size_t)(end - s) : max;
}

static inline bool vfs_is_cdir(const struct vfs_node *n)
{
    return n->fs == &n->fs->vfs->comp;
}

static inline struct vfs_cdir *vfs_cdir_of(struct vfs_node *n)
{
    return (struct vfs_cdir *)(void *)n;
}

/* Permission check of mask (R_OK|W_OK|X_OK bits) against attributes st: 0 or -EACCES. */
int vfs_may(const struct vfs *v, const struct linux_stat *st, int mask);
/* The same, fetching the node's attributes. */
int vfs_may_node(const struct vfs *v, struct vfs_node *n, int mask);
/* Assigns the next st_dev and links fs into the vfs. */
void vfs_attach_fs(struct vfs *v, struct vfs_fs *fs);
/* Mounts one instance of p for config node cfg (no placement). */
int vfs_mount_instance(struct vfs *v, const struct vfs_plugin *p, const struct cfg_node *cfg,
                       unsigned first_arg, struct vfs_fs **out, struct cfg_error *err);

/* ---- mount_tree.c ---- */

extern const struct vfs_fs_ops vfs_comp_ops;
/* Builds the composition tree from the `vfs` node. */
int vfs_build_tree(struct vfs *v, const struct vfs_plugin *const *plugins, size_t nplugins,
                   const struct cfg_node *cfg, struct cfg_error *err);
/* Frees every composition directory. */
void vfs_free_tree(struct vfs *v);
/* The directory a composition directory shows (one reference), or NULL. */
struct vfs_node *vfs_cdir_backing(struct vfs_cdir *d);
/* The same, making the directories missing in a writable backing tree (mkdir -p, 0755,
 * owned by root) so that new names can go there. */
struct vfs_node *vfs_cdir_backing_make(struct vfs_cdir *d);
/* The entry called name in d, or NULL. */
struct vfs_centry *vfs_cdir_entry(struct vfs_cdir *d, const char *name, size_t len);
/* The composition directory whose backing is node (a directory of a tree instance), or
 * NULL. */
struct vfs_cdir *vfs_cdir_backed_by(struct vfs *v, struct vfs_node *node);

/* ---- walk.c ---- */

enum vfs_last { VFS_LAST_NORM, VFS_LAST_ROOT, VFS_LAST_DOT, VFS_LAST_DOTDOT };

#define VFS_WALK_FOLLOW 1u /* follow a symlink in the last component */
#define VFS_WALK_ENTRY                                                                             \
    2u /* the last component's entry itself: never follow it, not even                             \
          for a trailing '/', and do not check that it is a directory */

/* The result of a walk: the last component's directory and what it names. */
struct vfs_walk {
    struct vfs_node *dir;  /* one reference */
    struct vfs_node *node; /* one reference, or NULL if the last component does not exist */
    enum vfs_last last;
    bool slash; /* the path ended in '/' */
    size_t len;
    char name[NAME_MAX + 1];
};

/* Walks path from start (a directory, not referenced by the call). On success returns
 * 0 with w->dir and possibly w->node referenced; release with vfs_walk_done. */
int vfs_walk(struct vfs *v, struct vfs_node *start, const char *path, unsigned flags,
             struct vfs_walk *w);
void vfs_walk_done(struct vfs_walk *w);
/* Walks relative to dirfd (AT_FDCWD: the working directory). */
int vfs_walk_at(struct vfs *v, int dirfd, const char *path, unsigned flags, struct vfs_walk *w);
/* Takes over a reference on n and returns the node the tree shows for it (one
 * reference): the composition directory when n is a directory behind one. */
struct vfs_node *vfs_canonical(struct vfs *v, struct vfs_node *n);
/* The parent of directory n (one reference), never above the root, across mounts. */
int vfs_step_up(struct vfs *v, struct vfs_node *n, struct vfs_node **out);
/* Writes the absolute path of directory n into buf; returns its length (without NUL). */
int64_t vfs_dir_path(struct vfs *v, struct vfs_node *n, char *buf, size_t size);
/* The node named by dirfd/path for the *at calls that take AT_EMPTY_PATH and
 * AT_SYMLINK_NOFOLLOW (one reference). */
int vfs_resolve_at(struct vfs *v, int dirfd, const char *path, int flags, struct vfs_node **out);

/* ---- file.c ---- */

/* The description behind fd, or NULL. */
struct vfs_file *vfs_get_file(struct vfs *v, int fd);

/* ---- open.c ---- */

/* The directory that holds the entries of dir (dir itself, or a composition
 * directory's backing), one reference; NULL for a composition directory with none. */
struct vfs_node *vfs_effective_dir(struct vfs_node *dir);

#endif
