/*
 * The registration symbols of the plugins in vfs-plugins/ (one per folder). A program
 * passes the ones it links to vfs_create; vfs_plugins_all lists them all.
 */
#ifndef VFS_PLUGINS_H
#define VFS_PLUGINS_H

#include <stddef.h>
#include <vfs/plugin.h>

extern const struct vfs_plugin vfs_plugin_ram;
extern const struct vfs_plugin vfs_plugin_tar;
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
/* fs: gives back the nodes the fs instances of v keep for names they looked up, and ends
 * their views of files' pages (a process that ends calls it, so that its share of a
 * session holds no node it no longer needs; so does one whose tree a program rule
 * narrows, so that no view of a session taken away stays in its address space). */
void vfs_fs_drop_caches(struct vfs *v);
/* The server handle behind an fs description, 0 for other descriptions (directories,
 * other plugins, O_PATH). */
uint64_t vfs_fs_file_handle(const struct vfs_file *f);
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

/* Every plugin above, for vfs_create (defined in vfs-plugins/all.c). */
extern const struct vfs_plugin *const vfs_plugins_all[];
extern const size_t vfs_plugins_all_count;

/* The session transport of an open terminal file, or NULL when f is none (terminal.c). */
struct vfs_file;
struct term_transport;
const struct term_transport *vfs_terminal_transport(struct vfs_file *f);

#endif
