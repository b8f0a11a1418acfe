/*
 * The file locks a file-system server keeps (docs/locks.md): per file with locks, a
 * table of record/OFD locks and one of flock locks (lib/lock), and who waits for whom
 * for EDEADLK. Internal to fs-servers/lib: fs_request.c decodes FS_LOCK and names owners.
 *
 * An owner is (session number << 32) | (FS_LOCK_OWNER_HANDLE | handle slot) for a
 * description's lock, or | pid for a process's; the session number comes from the
 * server (the badge's session), only the pid part from the client.
 */
#ifndef FS_LOCK_H
#define FS_LOCK_H

#include <capix/range_lock.h>
#include <stdbool.h>
#include <stdint.h>

struct vfs_env;
struct vfs_node;

#define FS_LOCK_OWNER_HANDLE 0x80000000u
#define FS_SESSION_MAX_LOCKS 256u /* locks a session may hold (ENOLCK beyond) */

struct fs_locks; /* the server's; NULL: none yet */

/*
 * One FS_LOCK request on node: cmd FS_LOCK_GET/SET/WAIT, type RL_*, table 0 (fcntl) or 1
 * (flock), over [start, end] (checked by the caller), now for the waits' expiry;
 * *held counts the session's locks (bounded by FS_SESSION_MAX_LOCKS). Fills r[1..4] for
 * GET. Returns 0 or -errno (-EAGAIN a conflict, -EDEADLK, -ENOLCK, -ENOMEM).
 */
int64_t fs_lock_request(struct fs_locks **l, const struct vfs_env *env, struct vfs_node *node,
                        unsigned cmd, int type, unsigned table, uint64_t owner, int64_t start,
                        int64_t end, uint64_t now, uint32_t *held, int64_t r[5]);

/* Removes the locks (both tables) and the waits of every owner with (owner & mask) ==
 * value, on node or (NULL) on every file; each lock of the session taken out of *held. */
void fs_lock_release(struct fs_locks **l, const struct vfs_env *env, struct vfs_node *node,
                     uint64_t mask, uint64_t value, uint32_t *held);

/* Frees everything (the server ends). */
void fs_lock_destroy(struct fs_locks **l, const struct vfs_env *env);

#endif
