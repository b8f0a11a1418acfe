/*
 * The registration symbols of the plugins in vfs-plugins/ (one per folder; a new plugin
 * needs a line here only if other code names it), and what some of them offer beyond
 * it. A program passes the ones it links to vfs_create; vfs_plugins_all lists every one
 * a configuration can name (all but pipe, which its host mounts hidden), as the
 * folders' module.mk files declare them.
 */
#ifndef VFS_PLUGINS_H
#define VFS_PLUGINS_H

#include <stddef.h>
#include <vfs/plugin.h>

extern const struct vfs_plugin vfs_plugin_ram;
extern const struct vfs_plugin vfs_plugin_tar;
/* tar (tar/tar_fs.c), also for ram's import: the file type a member makes (S_IFREG,
 * S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO; 0 for a hard link) in *type: 0, or -1
 * for a type neither knows (the member is skipped). */
struct tar_entry;
int vfs_tar_type(const struct tar_entry *e, uint32_t *type);
extern const struct vfs_plugin vfs_plugin_null;
extern const struct vfs_plugin vfs_plugin_zero;
extern const struct vfs_plugin vfs_plugin_full;
extern const struct vfs_plugin vfs_plugin_inline;
extern const struct vfs_plugin vfs_plugin_symlink;
extern const struct vfs_plugin vfs_plugin_log;
extern const struct vfs_plugin vfs_plugin_rtc;
extern const struct vfs_plugin vfs_plugin_random;
extern const struct vfs_plugin vfs_plugin_urandom; /* in random/ with random */
extern const struct vfs_plugin vfs_plugin_tty;
extern const struct vfs_plugin vfs_plugin_proc;
extern const struct vfs_plugin vfs_plugin_fs;
extern const struct vfs_plugin vfs_plugin_terminal;

/*
 * fs (vfs-plugins/fs/README.md): after fork, in the child, takes a server reference on
 * every node and handle that the child's copy of v's fs instances holds (it shares the
 * parent's sessions, so the numbers are the same and the server must count them twice).
 * Call it once, before the child's first call into v. A reference the server refuses
 * leaves that node or description answering EIO.
 */
void vfs_fs_after_fork(struct vfs *v);
/* fs: before a fork or vfork, in the parent: every description it holds is shared from
 * now on (its handle is not reused after its close, vfs-plugins/fs/README.md). */
void vfs_fs_before_fork(struct vfs *v);
/* fs: gives back the nodes the fs instances of v keep for names they looked up, and ends
 * their views of files' pages (a process that ends calls it, so that its share of a
 * session holds no node it no longer needs; so does one whose tree a program rule
 * narrows, so that no view of a session taken away stays in its address space). */
void vfs_fs_drop_caches(struct vfs *v);
/* The process ends: every server reference it still holds (nodes, handles) goes back. */
/* The process is about to close its descriptors and end: the fs plugin's closes send
 * nothing from now on; vfs_fs_exit gives their handles back with the rest, a batch a
 * session (a fork child that exits made a request per inherited description). */
void vfs_fs_exit_begin(struct vfs *v);
void vfs_fs_exit(struct vfs *v);
/* The server handle behind an fs description, 0 for other descriptions (directories,
 * other plugins, O_PATH). */
uint64_t vfs_fs_file_handle(const struct vfs_file *f);
/* The fs description f's handle is another process's, not this one's (a vfork child's
 * new domain has its parent's program file in its copy of the runtime, and never took a
 * reference on it): it is never used, given back or counted at fork from now on. */
void vfs_fs_file_forget(struct vfs_file *f);
/* Marks the fs description f (opened read-only) as the file of the program this process
 * runs (FS_EXEC): until its last close, the server refuses to open the file for writing
 * or truncate it (ETXTBSY). 0, also for other descriptions and servers without it;
 * -ETXTBSY when the file is open for writing, or the server's other errors. */
int vfs_fs_file_exec(struct vfs_file *f);
/* Makes the fs description f use handle (of the same session, on the same node: the
 * caller hands over one server reference on it) instead of its own, which is closed;
 * 0 or -EINVAL (not an fs description with a handle, handle 0). For a description that
 * another holder of the session passes by its handle, and for tests that simulate fork. */
int vfs_fs_file_adopt(struct vfs_file *f, uint64_t handle);
/*
 * Passing a description to another process of the same session (SCM_RIGHTS): takes one
 * more server reference on f's handle and on its node (FS_DUP, FS_ACQUIRE) for the
 * description in flight, and names the session by its transport's ctx. A directory has
 * no handle (*handle 0): only its node travels. 0, -EOPNOTSUPP (another plugin, O_PATH)
 * or -EIO.
 */
int vfs_fs_file_pass(struct vfs_file *f, const void **ctx, uint64_t *handle, uint64_t *node);
/* Gives back the two references vfs_fs_file_pass took for f (the pass failed). */
void vfs_fs_file_unpass(struct vfs_file *f, uint64_t handle, uint64_t node);
/*
 * The receiver's side: a new description (*out, one reference) in v of the passed
 * handle on node, taking over both references, in the fs instance of v whose session's
 * transport ctx is ctx, with flags (access mode and status flags as the core keeps them;
 * the server keeps the offset and O_APPEND/O_NONBLOCK of the handle, so both holders
 * share them); handle 0: a new description of the directory node (its own position). 0 or -errno
 * (the server's for the node, -EINVAL for a directory), the references taken over either way; but
 * -ENOENT when v mounts no instance of that session: the references then stay the caller's.
 */
int vfs_fs_file_receive(struct vfs *v, const void *ctx, uint64_t handle, uint64_t node,
                        uint32_t flags, struct vfs_file **out);

/*
 * pipe (vfs-plugins/pipe/README.md): pipes and FIFOs over rings the host maps (struct
 * rt_pipe_ring, then VFS_PIPE_SIZE bytes). Not in vfs_plugins_all: a configuration does
 * not mount it; its host does, hidden, with vfs_pipe_mount.
 */
#define VFS_PIPE_SIZE (64 * 1024u) /* Linux's default capacity */
#define VFS_PIPE_BUF 4096u         /* writes up to this size are atomic */
extern const struct vfs_plugin vfs_plugin_pipe;
struct rt_pipe_ring;
struct vfs_pipe;
/* What the host does for its pipes; the functions are called with whatever lock the
 * host holds around its VFS calls. */
struct vfs_pipe_host {
    /* p changed: side 0's (readers'), side 1's (writers') or, for -1, both sides' waiters
     * look again, and so do pollers */
    void (*wake)(struct vfs_pipe *p, int side);
    void (*yield)(void);                         /* another holder of a ring's lock runs */
    unsigned (*slot)(void);                      /* this process's index in the counts */
    void (*owner)(uint32_t *uid, uint32_t *gid); /* what stat shows for a pipe */
    void (*gone)(struct vfs_pipe *p);            /* both ends left this process: unmap and free p */
    void (*closed)(struct vfs_file *f);          /* f's last reference here went (may be NULL) */
};
/* An end: a node whose descriptions the VFS holds (refs). */
struct vfs_pipe_end {
    struct vfs_node vn;
    struct vfs_pipe *pipe;
};
/* A pipe in this process (the host's memory, set up by vfs_pipe_init). */
struct vfs_pipe {
    struct rt_pipe_ring *ring;  /* shared with other processes: counts trusted as numbers only */
    uint8_t *data;              /* VFS_PIPE_SIZE bytes after the ring's header */
    unsigned nread, nwrite;     /* open descriptions of each end in this process */
    bool released[2];           /* no reference to that end is left in this process */
    struct vfs_pipe_end end[2]; /* read end, write end (a FIFO: end[0] for all) */
    bool fifo;
    struct vfs_node *file; /* a FIFO: its file (one reference, put when the pipe goes) */
};
/* Mounts a hidden pipe file system in v for host: 0 or -errno. */
int vfs_pipe_mount(struct vfs *v, const struct vfs_pipe_host *host, struct vfs_fs **out);
/* Sets up p (zeroed first) over a mapped ring and its data, with two ends of fs that no
 * description holds yet; the caller sets fifo and file. */
void vfs_pipe_init(struct vfs_fs *fs, struct vfs_pipe *p, struct rt_pipe_ring *ring, uint8_t *data);
/* The pipe whose end n is, or NULL for any other node. */
struct vfs_pipe *vfs_pipe_of(const struct vfs_node *n);
/* f's readiness as poll sees it (f a description of a pipe end). */
unsigned vfs_pipe_poll(struct vfs_file *f);
/* End e of p is no longer held here (its last description went, or none ever held it);
 * with both ends gone, the FIFO's file is put and host->gone called. */
void vfs_pipe_drop_end(struct vfs_pipe *p, int e);
/* A fork child: this process's descriptions of p count as open ends in the ring too. */
void vfs_pipe_recount(struct vfs_pipe *p);

/* Every plugin a configuration can name, for vfs_create (vfs-plugins/all.c, its list
 * written by the build from the VFS_PLUGIN_TABLE lines of vfs-plugins/NAME/module.mk). */
extern const struct vfs_plugin *const vfs_plugins_all[];
extern const size_t vfs_plugins_all_count;

/* The session transport of an open terminal file, or NULL when f is none (terminal.c). */
struct vfs_file;
struct term_transport;
const struct term_transport *vfs_terminal_transport(struct vfs_file *f);

#endif
