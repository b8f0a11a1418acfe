/*
 * The server side of the File_system protocol (lib/include/capix/fs_protocol.h) as a
 * library: a tree (an instance of a VFS tree plugin, such as ram, or a whole VFS
 * composition) and the sessions that reach it, each confined to its root with its own policy. The
 * native servers (fs-servers/ram_fs/main.c) put IPC around it; host tests call it directly.
 * Freestanding, like vfs/: memory and time come from struct vfs_env.
 */
#ifndef FS_SERVER_H
#define FS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <capix/fs_protocol.h>
#include <vfs/perm.h>
#include <vfs/plugin.h>

struct fs_server;
struct fs_session;

/* Makes a server whose file system is an instance of plugin (a tree plugin) made from
 * the configuration node cfg (its properties, as in a vfs block: `ram size=64M`).
 * Returns 0, or -EINVAL with err filled, or -ENOMEM. */
int fs_server_create(const struct vfs_env *env, const struct vfs_plugin *plugin,
                     const struct cfg_node *cfg, struct fs_server **out, struct cfg_error *err);
/* Makes a server whose tree is a whole VFS composition, built from vfs_cfg (a `vfs {
 * ... }` node, as a POSIX process's) with the plugins plugins[0..nplugins): mount points
 * are crossed, read-only instances give EROFS, inode numbers are unique across the
 * instances. Returns 0, or -EINVAL with err filled, or -ENOMEM. */
int fs_server_create_vfs(const struct vfs_env *env, const struct vfs_plugin *const *plugins,
                         size_t nplugins, const struct cfg_node *vfs_cfg, struct fs_server **out,
                         struct cfg_error *err);
void fs_server_destroy(struct fs_server *s);

/* Opens a session confined to root (an absolute path of a directory in the server's
 * tree, made if missing), writeable or not, that may make at most quota bytes of file
 * data and metadata (ENOSPC beyond). Returns 0, -ENOENT/-ENOTDIR for a bad root,
 * -ENOMEM. */
int fs_session_open(struct fs_server *s, const char *root, bool writeable, uint64_t quota,
                    struct fs_session **out);
/* Ends a session: every node reference and handle it still holds goes (a client that
 * died cannot leak server state). */
void fs_session_close(struct fs_session *ss);
/* Bytes a session has made and not freed (for the quota). */
uint64_t fs_session_used(const struct fs_session *ss);

/*
 * Memory objects for shared mappings (FS_MAP), given by the native server (host tests
 * give plain memory). create makes one of pages zeroed pages, mapped in the server,
 * charged to payer (the session whose request needs it: the native server makes it
 * from the quota that session's client donated), and returns its address (NULL when
 * the payer's quota or the server is out of memory) and in *id the number FS_MAP
 * answers (the native server turns it into a capability); destroy frees it; in_use
 * says whether a client still holds a copy of it. Without them FS_MAP gives ENODEV.
 *
 * Every chunk has one payer and lives no longer than it: a session holds at most
 * FS_SESSION_MAX_CHUNKS chunks (ENOMEM beyond), and when it ends, every mapped file
 * with a chunk it paid for gets its bytes back into the plugin and loses all its
 * chunks (clients' mappings of them go; the next FS_MAP makes new ones).
 */
#define FS_SESSION_MAX_CHUNKS 64
struct fs_mem_ops {
    void *ctx;
    void *(*create)(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id);
    void (*destroy)(void *ctx, void *addr, uint64_t pages, uint64_t id);
    bool (*in_use)(void *ctx, uint64_t id);
};
void fs_server_set_mem(struct fs_server *s, const struct fs_mem_ops *ops);
/* Frees the memory objects of mapped files that have no name left, that no session
 * holds and that no client maps (in_use), and those wholly beyond a mapped file's end
 * (after a truncation) that no client maps; the native server calls it now and then. */
void fs_server_collect(struct fs_server *s);
/* The pages of memory objects that hold mapped files now. */
uint64_t fs_server_mapped_pages(const struct fs_server *s);
/* Whether a request that can change the tree (create, write, rename, setattr, ...) came
 * since the last sync: what a plugin with a write-back cache may still hold. */
bool fs_server_dirty(const struct fs_server *s);
/* Writes back everything the tree holds (as FS_SYNCFS); 0 or -errno. The native server
 * calls it a few seconds after the first change since the last sync. */
int fs_server_writeback(struct fs_server *s);
/* The chunks a session has made and not freed (at most FS_SESSION_MAX_CHUNKS). */
uint32_t fs_session_chunks(const struct fs_session *ss);

/* Says that nothing but this server's requests changes its tree (ram, fat; not a
 * composition, whose instances may be other servers' clients): from now on every
 * session's buffer carries the change count (fs_buf.gen), which steps before the answer
 * to any request that may change a name or an attribute, so that clients may keep
 * lookups and attributes while it stands still (docs/fs-protocol.md). */
void fs_server_set_coherent(struct fs_server *s);
/* Whether s serves a composition all of whose instances are read-only (a tar archive):
 * nothing changes its tree at all, so it may be coherent and map its files (a mapped
 * file's chunks are then a copy that never changes). */
bool fs_server_unchanging(const struct fs_server *s);

/* Serves one request: reads m->op and m->a[], data from buf->data, writes m->r[] and
 * the answer's data into buf->data. Never trusts the request. */
void fs_server_handle(struct fs_server *s, struct fs_session *ss, struct fs_msg *m,
                      struct fs_buf *buf);
/* fs_server_handle for a sub-client of the session with credentials cred (borrowed for
 * the call): every operation is checked against them (fs_creds.c, vfs/perm.h); FS_GONE
 * is -EPERM. fs_server_handle is the session's owner's, unchecked. */
void fs_server_handle_as(struct fs_server *s, struct fs_session *ss, const struct vfs_cred *cred,
                         struct fs_msg *m, struct fs_buf *buf);
/* Charges the session's quota for n bytes of the server's own (a sub-client's record),
 * even beyond it (the caller bounds how many; a full quota must not refuse a process
 * its badge, so fork works on with a full /tmp); fs_session_credit gives them back. */
void fs_session_charge(struct fs_session *ss, uint64_t n);
void fs_session_credit(struct fs_session *ss, uint64_t n);

#endif
