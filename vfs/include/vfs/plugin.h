/*
 * The interface between the VFS core and its plugins (docs/vfs.md, "Writing a plugin").
 *
 * A plugin is a file-system type: it exports one `const struct vfs_plugin` whose mount
 * function makes an instance (a struct vfs_fs) from a configuration node. An instance
 * owns its nodes (files, directories, symlinks, devices); a plugin embeds struct
 * vfs_node in its own node struct and struct vfs_fs in its own instance struct.
 *
 * The core does all path handling: it walks one component at a time through lookup,
 * resolves `.`, `..`, symlinks and mount points itself, checks permissions, read-only
 * mounts, and the cases that are errors whatever the file system (EISDIR, ENOTDIR,
 * EEXIST, EXDEV, ...) before it calls a plugin. Plugins see only names of one component
 * (never "." or ".."; lookup gets ".." only to find a directory's parent).
 *
 * References: node->refs counts the core's references (walks in progress, open files,
 * the working directory). Functions that return a node (lookup, create) return it with
 * one reference taken (vfs_node_get); vfs_node_put drops one and calls the plugin's
 * release when none is left. A plugin keeps a node alive for as long as its own links
 * to it exist or refs > 0, so a file unlinked while open stays usable until the last
 * put. No operation blocks; all run under the caller's lock (vfs.h).
 */
#ifndef VFS_PLUGIN_H
#define VFS_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vfs/linux.h>
#include <vfs/vfs.h>

struct cfg_node;
struct cfg_error;
struct cfg_value;
struct vfs_fs;
struct vfs_fs_ops;
struct vfs_map;
struct vfs_lock_info;

/* A node as the core sees it. fs, ino and type are set by the plugin when it makes the
 * node and never change; refs belongs to the core (plugins read it in release/unlink). */
struct vfs_node {
    struct vfs_fs *fs;
    uint64_t ino;  /* unique within fs for the node's lifetime and never reused by fs */
    uint32_t type; /* S_IFMT bits */
    uint32_t refs;
};

/* Instance flags. */
#define VFS_FS_RDONLY 1u /* the core refuses every change with -EROFS */

/*
 * One mounted instance. The plugin fills ops, root and flags in its mount function;
 * the core fills the rest. Core-private fields are marked.
 */
struct vfs_fs {
    const struct vfs_fs_ops *ops;
    struct vfs_node *root; /* a directory for tree plugins, the one node for node plugins */
    unsigned flags;        /* VFS_FS_* */
    const struct vfs_env *env;
    const struct vfs_plugin *plugin;
    struct vfs *vfs;
    uint64_t dev; /* st_dev of every node, set by the core before mount returns */
    /* core-private */
    struct vfs_node *at; /* the composition directory it is mounted in */
    bool backing;        /* true: its root is the content of `at`; false: an entry of it */
    struct vfs_fs *next; /* all instances of a vfs */
    unsigned cfg_line;
    const char *label; /* a copy of the config node's label= (sessions), or NULL */
};

/* One open file description: what open() makes and descriptors refer to. dup and fork
 * share it (one offset, one set of status flags). */
struct vfs_file {
    struct vfs_node *node; /* one reference */
    void *priv;            /* the plugin's per-open state (set in open) */
    uint64_t pos;          /* offset for files, position cookie for directories */
    uint32_t flags;        /* O_ACCMODE bits, O_PATH and the status flags (O_APPEND, ...) */
    uint32_t refs;         /* descriptors and other holders */
    bool stream;           /* set by open: no offset (lseek, pread and pwrite: ESPIPE) */
    bool remote_pos;       /* set by open: the plugin keeps the offset (a server's, shared
                              between processes): read, write, readv and writev get
                              VFS_OFF_REMOTE, lseek needs the plugin's llseek; pos unused */
    /* core-private */
    struct vfs_node *parent; /* one reference: the directory a non-directory was opened in */
    int32_t owner;           /* F_SETOWN(_EX): pid, tid or group (kept: no SIGIO is sent) */
    uint8_t owner_type;      /* F_OWNER_TID 0, F_OWNER_PID 1, F_OWNER_PGRP 2 */
    uint8_t owner_sig;       /* F_SETSIG (0: SIGIO) */
};

/* The offset of read and write on a remote_pos description: "at your own offset". */
#define VFS_OFF_REMOTE UINT64_MAX

/* One directory entry from readdir; name is valid until the next call on the fs. */
struct vfs_dirent {
    uint64_t ino;
    uint64_t next; /* position of the entry after this one */
    uint8_t type;  /* DT_* */
    size_t len;
    const char *name;
};

/* What to create: mode holds the S_IF* type and the permission bits (umask applied). */
struct vfs_create_args {
    uint32_t mode;
    uint32_t uid, gid;
    const char *target; /* symlinks: the link text */
    size_t target_len;
    uint64_t rdev;
};

/* Attribute changes (chmod, chown, truncate, utimens). The plugin sets ctime to now
 * whenever it applies any change; the core has checked permissions and values. */
#define VFS_SET_MODE 1u /* permission bits (07777); the type stays */
#define VFS_SET_UID 2u
#define VFS_SET_GID 4u
#define VFS_SET_SIZE 8u /* truncate or extend with zeros; mtime = now if it changes */
#define VFS_SET_ATIME 16u
#define VFS_SET_MTIME 32u
struct vfs_setattr {
    unsigned mask;
    uint32_t mode, uid, gid;
    uint64_t size;
    struct linux_timespec atime, mtime;
};

/*
 * A file system's operations. Any may be NULL: the core then answers as Linux does for
 * a file system without it (lookup on a non-directory never happens; missing
 * namespace changes give -EPERM, missing read/write -EINVAL, ioctl -ENOTTY, fsync
 * -EINVAL, poll "always ready"). All return 0 (or a count) or a negative errno.
 */
struct vfs_fs_ops {
    /* File data lives on a device (fat), not in memory: a file-system server does not
     * charge it to the session's quota, which pays for memory (ram, ram_fs). */
    bool data_on_device;
    /* Namespace (dir is always a directory of this fs, name one component). */
    int (*lookup)(struct vfs_node *dir, const char *name, size_t len, struct vfs_node **out);
    /* Fills *out with the first entry at a position >= pos (pos >= 2: 0 and 1 are "."
     * and "..", which the core makes) and returns 1, or returns 0 at the end. Positions
     * must stay below 2^62 and must stay valid while entries are added and removed: an
     * entry present for a whole directory read is returned exactly once. */
    int (*readdir)(struct vfs_node *dir, uint64_t pos, struct vfs_dirent *out);
    int (*create)(struct vfs_node *dir, const char *name, size_t len,
                  const struct vfs_create_args *a, struct vfs_node **out);
    /* Adds name -> node (a non-directory of this fs). */
    int (*link)(struct vfs_node *dir, const char *name, size_t len, struct vfs_node *node);
    /* Removes name, which the core looked up as victim; directories must be empty
     * (-ENOTEMPTY). */
    int (*unlink)(struct vfs_node *dir, const char *name, size_t len, struct vfs_node *victim);
    /* Moves oname in odir to nname in ndir, replacing what is there (the core has checked
     * types, loops and RENAME_NOREPLACE; a replaced directory must be empty), or with
     * RENAME_EXCHANGE swaps the two entries. */
    int (*rename)(struct vfs_node *odir, const char *oname, size_t olen, struct vfs_node *ndir,
                  const char *nname, size_t nlen, unsigned flags);
    /* Copies up to size bytes of a symlink's text; returns its full length. */
    int64_t (*readlink)(struct vfs_node *node, char *buf, size_t size);
    /* Magic links (/proc/self/fd/N, /proc/self/cwd): the node a symlink leads to (one
     * reference), which the walk takes instead of following the text; readlink still
     * gives the text. Returning VFS_FOLLOW_TEXT instead makes the walk follow this
     * link's text as for an ordinary symlink (a file system with some of each). */
    int (*follow_link)(struct vfs_node *link, struct vfs_node **target);

    /* Attributes: st_dev, st_ino, the type bits and st_blksize are filled by the core
     * before getattr; the plugin fills the rest. */
    int (*getattr)(struct vfs_node *node, struct linux_stat *st);
    int (*setattr)(struct vfs_node *node, const struct vfs_setattr *a);
    int (*statfs)(struct vfs_fs *fs, struct linux_statfs *st);

    /* The last core reference to node is gone. */
    void (*release)(struct vfs_node *node);
    /* Frees the instance and all its nodes (no references are left). */
    void (*unmount)(struct vfs_fs *fs);

    /* Open files. open may set f->priv and f->stream; it is not called for O_PATH. */
    int (*open)(struct vfs_file *f);
    void (*close)(struct vfs_file *f);
    /* Reads at off (ignored for streams; VFS_OFF_REMOTE: at and moving the plugin's own
     * offset); 0 is the end, -EAGAIN "nothing yet". */
    int64_t (*read)(struct vfs_file *f, void *buf, size_t n, uint64_t off);
    /* Writes at *off, or at the end when f->flags has O_APPEND; sets *off past the
     * bytes written (VFS_OFF_REMOTE: at and moving the plugin's own offset, *off stays). */
    int64_t (*write)(struct vfs_file *f, const void *buf, size_t n, uint64_t *off);
    /* Replaces the core's lseek (character devices that always seek to 0, ...). */
    int64_t (*llseek)(struct vfs_file *f, int64_t off, int whence);
    int (*ioctl)(struct vfs_file *f, unsigned long request, void *arg);
    int (*fcntl)(struct vfs_file *f, int cmd, unsigned long arg);
    unsigned (*poll)(struct vfs_file *f, unsigned events);
    int (*fsync)(struct vfs_file *f, bool datasync);
    /* Shared mapping of a regular file (mmap MAP_SHARED): the memory object that holds
     * the file's page `page` (see struct vfs_map), the same pages that reads and writes
     * of every process use. -ENODEV when the file system cannot share its pages (the
     * core's answer without map), -ENXIO for a page beyond the end. more: how many of
     * the objects that follow it the caller would take too (at most VFS_MAP_MORE;
     * out->nmore says how many came). */
    int (*map)(struct vfs_file *f, uint64_t page, unsigned more, struct vfs_map *out);
    /* Writes back everything the instance holds for its files and names (sync, syncfs;
     * fat's cache, a server's through its client): 0 or a negative errno. NULL: nothing
     * is held back. */
    int (*syncfs)(struct vfs_fs *fs);
    /* File locks kept where every process sharing the file sees them (a server's): cmd
     * and class as enum vfs_lock_*, type RL_* (lib/lock), [start, end] checked by the
     * core. GET fills *out with the first conflicting lock (type 0: none); SET and WAIT
     * answer -EAGAIN for a conflict (WAIT: the caller waits and asks again; -EDEADLK when
     * that would close a cycle); RELEASE drops this process's record locks on the file.
     * NULL: the file is private to the process, so every lock is granted and none is
     * ever reported. */
    int (*lock)(struct vfs_file *f, int cmd, int cls, int type, int64_t start, int64_t end,
                struct vfs_lock_info *out);
};

/* File locks (docs/locks.md): what the plugin's lock op is asked. */
enum vfs_lock_cmd { VFS_LOCK_GET, VFS_LOCK_SET, VFS_LOCK_WAIT, VFS_LOCK_RELEASE };
enum vfs_lock_class { VFS_LOCK_POSIX, VFS_LOCK_OFD, VFS_LOCK_FLOCK };
struct vfs_lock_info {
    int type; /* RL_* of lib/lock: 0 none, 1 read, 2 write */
    int64_t start, end;
    int32_t pid; /* -1: a description's lock */
};

/* A memory object that holds pages [first, first + pages) of a file: mem is the
 * capability slot (capix) the caller now owns; writable: it may be mapped writable;
 * executable: it may be mapped executable, and the file's bytes never change (exec
 * maps a program's read-only segments from it instead of copying them). */
#define VFS_MAP_MORE 6 /* further objects one map call may give */

struct vfs_map {
    uint64_t mem, first, pages;
    bool writable, executable;
    /* the objects that follow (pages first + pages on), when the caller asked for some
     * (vfs_file_map's more) and the file system gave them: each mapped like the first */
    unsigned nmore;
    struct {
        uint64_t mem, first, pages;
    } more[VFS_MAP_MORE];
};

/* follow_link's answer for "not magic: follow my text". */
#define VFS_FOLLOW_TEXT 1

/* What a plugin's mount function gets. */
struct vfs_mount_args {
    const struct vfs_env *env;
    struct vfs *vfs;            /* the vfs being built (plugins such as proc keep it) */
    const struct cfg_node *cfg; /* the plugin's configuration node (copy what you keep: the
                                   tree may be freed after mounting) */
    unsigned first_arg;         /* its first positional value meant for the plugin */
    struct cfg_error *err;
};

enum vfs_plugin_kind {
    VFS_PLUGIN_TREE, /* a directory tree: becomes the content of the enclosing `dir` */
    VFS_PLUGIN_NODE, /* one node: an entry of the enclosing `dir`, named by value 0 */
};

/*
 * A plugin: its registration symbol is `const struct vfs_plugin vfs_plugin_NAME`.
 * mount makes an instance (fs->ops, fs->root, fs->flags set) and returns 0, or returns
 * -EINVAL after describing the problem with cfg_error_at(a->err, a->cfg, ...), or
 * another negative errno (the core then reports it at the node).
 */
struct vfs_plugin {
    const char *name; /* the configuration node's name */
    enum vfs_plugin_kind kind;
    const char *default_name; /* node plugins: the entry's name when the config gives none;
                                 NULL if the name is required */
    int (*mount)(const struct vfs_mount_args *a, struct vfs_fs **out);
};

/* ---- helpers for plugins ---- */

static inline void vfs_node_get(struct vfs_node *n)
{
    n->refs++;
}

/* Drops one reference; the last calls the plugin's release. */
void vfs_node_put(struct vfs_node *n);

/* Allocates size zeroed bytes from env, or returns NULL. */
void *vfs_zalloc(const struct vfs_env *env, size_t size);
void vfs_free(const struct vfs_env *env, void *p, size_t size);

/* The current time (CLOCK_REALTIME) as files' times take it: to VFS_TIME_TICK_NS, as
 * Linux's file systems take the coarse clock, which moves at each tick (HZ 250 in
 * Debian's kernels): two changes within a tick leave the same times. */
#define VFS_TIME_TICK_NS 4000000u
struct linux_timespec vfs_now(const struct vfs_env *env);

/* Logs one line through env->log (if any), formatted like cfg_error_at. */
void vfs_log(const struct vfs_env *env, const char *fmt, ...);

/* The DT_* value of a S_IF* mode. */
static inline uint8_t vfs_dtype(uint32_t mode)
{
    return (uint8_t)((mode & S_IFMT) >> 12);
}

/*
 * Mounts a plugin instance outside the tree (pipes and sockets live there): returns 0
 * and *out (with its own st_dev), or an error as for vfs_create. It is unmounted with
 * the vfs.
 */
int vfs_mount_hidden(struct vfs *v, const struct vfs_plugin *p, const struct cfg_node *cfg,
                     struct vfs_fs **out, struct cfg_error *err);

/* A mounted file system of a vfs, as /proc/self/mountinfo shows it. */
#define VFS_MOUNT_ROOT_PARENT 1 /* the parent id of "/": no mount has it (Linux's rootfs) */
struct vfs_mount_info {
    unsigned id;      /* the minor of its st_dev (major 0): unique and stable */
    unsigned parent;  /* the id of the mount its mount point lies in (VFS_MOUNT_ROOT_PARENT
                         for "/") */
    uint64_t dev;     /* st_dev of its files */
    const char *type; /* the plugin's name, "dir" for the composition; static */
    bool rdonly;      /* VFS_FS_RDONLY */
};

/*
 * The index-th mount of v: index 0 is the one at "/" (the root's tree plugin, or the
 * composition when there is none), then every other mounted instance in configuration
 * order (node plugins count: each is its own file system, mounted on its one file;
 * symlinks do not, as a symlink is never a mount point on Linux). Hidden instances
 * (vfs_mount_hidden) are not listed. Fills *out and writes the mount
 * point's absolute path with its NUL into path[0..size); returns 1, 0 when index is past
 * the last, or -ERANGE when size is too small.
 */
int vfs_mount_get(struct vfs *v, unsigned index, struct vfs_mount_info *out, char *path,
                  size_t size);

/* The mounted instances of v one after another (hidden ones too): the first for prev
 * NULL, NULL after the last. For plugins that must visit their instances (fs after
 * fork). */
struct vfs_fs *vfs_fs_next(struct vfs *v, struct vfs_fs *prev);

/* The working directory's node (borrowed: vfs_node_get to keep it). */
struct vfs_node *vfs_cwd_node(struct vfs *v);
/* Makes n (a directory; the vfs takes over the caller's reference) the working
 * directory and returns the previous one with its reference (the runtime's vfork
 * children have their own). */
struct vfs_node *vfs_cwd_swap(struct vfs *v, struct vfs_node *n);

/* The identity set with vfs_set_ids. */
void vfs_get_ids(const struct vfs *v, uint32_t *uid, uint32_t *gid);

/* Makes a description for node with open flags (O_ACCMODE and status flags), calling
 * the plugin's open; returns it with one reference. For pipes, sockets and the like. */
int vfs_file_open_node(struct vfs_node *node, uint32_t flags, struct vfs_file **out);

/*
 * One-node file systems (null, zero, full, inline, symlink; later log, rtc, terminal)
 * share this: an instance holding one node and its attributes.
 */
struct vfs_simple_fs {
    struct vfs_fs fs;
    struct vfs_node node;
    uint32_t mode, uid, gid;
    uint64_t rdev, size;
    struct linux_timespec atime, mtime, ctime;
    void *data; /* the plugin's, allocated from env (freed by vfs_simple_unmount) */
    size_t data_size;
    size_t alloc_size; /* of the instance itself */
};

/*
 * Allocates a struct of `size` bytes (>= sizeof(struct vfs_simple_fs), the simple fs at
 * its start) with one node of the given mode, owned by root, times now, ino 1.
 * Returns 0 or -ENOMEM (with a->err filled).
 */
int vfs_simple_mount(const struct vfs_mount_args *a, const struct vfs_fs_ops *ops, size_t size,
                     uint32_t mode, struct vfs_simple_fs **out);
int vfs_simple_getattr(struct vfs_node *n, struct linux_stat *st);
int vfs_simple_setattr(struct vfs_node *n, const struct vfs_setattr *a);
int vfs_simple_statfs(struct vfs_fs *fs, struct linux_statfs *st);
void vfs_simple_unmount(struct vfs_fs *fs);
/* Returns the simple fs of one of its nodes. */
static inline struct vfs_simple_fs *vfs_simple_of(struct vfs_node *n)
{
    return (struct vfs_simple_fs *)(void *)n->fs;
}

/*
 * Records a configuration error at node (or at one of its values, val may be NULL) like
 * cfg_error_at_value, and returns -EINVAL.
 */
int vfs_config_error(struct cfg_error *err, const struct cfg_node *node,
                     const struct cfg_value *val, const char *fmt, ...);

/*
 * Checks that a plugin's node has at most max_args positional values from a->first_arg
 * on and no properties but those named in props (a NULL-terminated list, may be NULL).
 * usage ends messages ("as in: inline NAME TEXT..."). Returns 0 or -EINVAL with err.
 */
int vfs_cfg_check(const struct vfs_mount_args *a, unsigned max_args, const char *const *props,
                  const char *usage);

/*
 * Parses a mode property (octal, such as 0644 or 755) of a config node into *mode
 * (07777 bits). Returns 0 (leaving *mode when the property is absent) or -EINVAL with
 * err filled.
 */
int vfs_cfg_mode(const struct cfg_node *node, const char *key, uint32_t *mode,
                 struct cfg_error *err);

/* ---- for file-system servers (fs-servers/lib; vfs/serve.c) ----
 * A server reaches the tree by node, one directory at a time, with the walk's rules:
 * mount points are crossed, `..` goes up across mounts but never above the root. */

/* The root directory of v (borrowed). */
struct vfs_node *vfs_root_node(struct vfs *v);
/* Fills *st for node as stat does (the core's fields, then the plugin's getattr): 0 or
 * -errno. */
int vfs_getattr(struct vfs_node *n, struct linux_stat *st);
/* Looks up one component name (not "."; ".." steps up) in directory dir of v as the
 * path walk does; one reference in *out. Returns 0, -ENOENT, -ENOTDIR or the plugin's
 * error. Symlinks are not followed. */
int vfs_node_lookup(struct vfs *v, struct vfs_node *dir, const char *name, size_t len,
                    struct vfs_node **out);
/* The directory where names of dir are made and removed: dir itself, or a composition
 * directory's backing directory (made like mkdir -p in a writable tree when make);
 * one reference, or NULL when there is none (such a directory takes no names: EROFS). */
struct vfs_node *vfs_names_dir(struct vfs_node *dir, bool make);
/* The node whose attributes n shows and takes (n, or a composition directory's
 * backing), one reference. */
struct vfs_node *vfs_attr_node(struct vfs_node *n);
/* True if name in dir is an entry of the composition (a mount point or a node plugin's
 * node): it can be neither removed nor replaced (EBUSY). */
bool vfs_is_mount_entry(struct vfs_node *dir, const char *name, size_t len);

#endif
