/*
 * The File_system session protocol (docs/fs-protocol.md): what the `fs` VFS plugin
 * (vfs-plugins/fs, the client, inside a POSIX process's runtime) asks a file-system
 * server (fs-servers/, such as ram_fs) and what it answers.
 *
 * A session has a shared buffer (struct fs_buf, FS_BUF_PAGES pages, mapped by client
 * and server) and a request channel. A request is an operation and up to five words;
 * names, data and structures travel in the buffer's data area, never in the message.
 * The answer is one result word (>= 0, or a negative Linux errno) and up to four more.
 * The transport is the caller's: an IPC call in capix, a direct function call in host
 * tests (struct fs_transport). The client serialises its requests on a session (the
 * buffer has one request in flight; fork children share the session and take the
 * buffer's lock).
 *
 * Nodes and handles are numbers the server gives; 0 is never valid. A node number is a
 * reference the client holds (FS_ACQUIRE adds one, FS_RELEASE drops one; LOOKUP, CREATE
 * and ATTACH return one). A handle is an open file description kept by the server: its
 * offset and status flags are the server's, so every process that holds it (after
 * fork) shares them, and O_APPEND writes are atomic. FS_DUP adds a reference, FS_CLOSE
 * drops one; the description goes with the last.
 *
 * The server confines a session to its root (".." of the root is the root), refuses
 * every change with EROFS when its policy says read-only, and trusts nothing in a
 * request: unknown operations, node numbers or handles, lengths beyond the buffer and
 * names with '/' or NUL get errors, never a crash.
 */
#ifndef CAPIX_FS_PROTOCOL_H
#define CAPIX_FS_PROTOCOL_H

#include <stdint.h>

#define FS_BUF_PAGES 17 /* a header page and 64 KiB of data */
#define FS_DATA_MAX (64 * 1024)

struct fs_buf {
    /* client side: one request in flight per session. 0 free, else the holder's tag
     * (fs_transport.owner: the POSIX runtime's pid), so that the launcher can free the
     * lock of a process killed in a request (posix-spawn, release) */
    volatile int32_t lock;
    uint32_t pad;
    /* server side: the server's change count, written by the server before every answer
     * and stepped by every request that may change a name or an attribute (by any
     * session), before its answer; 0: the server keeps none, cache nothing. A client may
     * keep what LOOKUP and GETATTR answered while gen stays what it read before asking
     * (vfs-plugins/fs). The server only writes it. */
    volatile uint64_t gen;
    /* server side, with gen: steps before any memory object of a mapped file (FS_MAP's)
     * is destroyed, so before its pages vanish from clients' mappings. A client that
     * reads a file straight from the pages it mapped trusts them only while maps stays
     * what it was when it mapped them, looked at before and after each copy. */
    volatile uint64_t maps;
    uint8_t reserved[4096 - 24];
    uint8_t data[FS_DATA_MAX];
};

enum fs_op {
    /* -> r0 the root node, r1 its mode: the session's own reference, the same number
     * every time, kept to the session's end (a release never takes its last) */
    FS_ATTACH = 1,
    /* a0 dir, a1 name length (name in data) -> r0 node, r1 mode, r2 inode number, r3 1
     * when data holds the node's struct linux_stat (as FS_GETATTR's) */
    FS_LOOKUP,
    /* a0 node -> struct linux_stat in data (st_dev left 0: the client's) */
    FS_GETATTR,
    /* a0 node, struct fs_setattr in data */
    FS_SETATTR,
    /* a0 dir, a1 name length, a2 mode (S_IF* type and permission bits), a3 rdev,
     * a4 symlink target length (name, then target, in data) -> r0 node, r1 inode */
    FS_CREATE,
    /* a0 dir, a1 name length, a2 node (a non-directory): a new name for node */
    FS_LINK,
    /* a0 dir, a1 name length, a2 flags (AT_REMOVEDIR) */
    FS_UNLINK,
    /* a0 old dir, a1 old name length, a2 new dir, a3 new name length, a4 flags
     * (RENAME_NOREPLACE, RENAME_EXCHANGE); the two names back to back in data */
    FS_RENAME,
    /* a0 node -> r0 the text's length, the text in data */
    FS_READLINK,
    /* a0 dir, a1 position (from 2), a2 bytes the client takes -> r0 entries, r1 the
     * position after the last; data holds struct fs_dirent records, 8-byte aligned */
    FS_READDIR,
    /* a0 node: one more client reference */
    FS_ACQUIRE,
    /* a0 node: one client reference less */
    FS_RELEASE,
    /* a0 node, a1 open flags (O_ACCMODE, O_APPEND, O_TRUNC, ...), a2 0 or a handle to
     * close first (as FS_CLOSE, whatever the open's outcome: a close the client put off,
     * sent with its next open) -> r0 handle */
    FS_OPEN,
    /* a0 handle: one more reference (a fork child's copy) */
    FS_DUP,
    /* a0 handle: one reference less */
    FS_CLOSE,
    /* a0 handle, a1 bytes (at most FS_DATA_MAX) | FS_READ_NO_DATA or not, a2 offset or
     * FS_POS_HANDLE (the handle's offset, moved) -> r0 bytes read into data, r1 the
     * offset they were read at, r2 1 when they were not copied: a1 had FS_READ_NO_DATA
     * and the file is mapped (FS_MAP), so the client copies them from its views */
    FS_READ,
    /* a0 handle, a1 bytes (in data), a2 offset or FS_POS_HANDLE (the handle's offset, or
     * the end with O_APPEND, moved) -> r0 bytes written */
    FS_WRITE,
    /* a0 handle, a1 offset, a2 whence (SEEK_SET, SEEK_CUR, SEEK_END) -> r0 new offset */
    FS_SEEK,
    /* a0 handle -> r0 its status flags; a1 != FS_FLAGS_KEEP sets O_APPEND and
     * O_NONBLOCK from a1 first */
    FS_FLAGS,
    /* -> struct linux_statfs in data */
    FS_STATFS,
    /* a0 handle, a1 1: data only */
    FS_FSYNC,
    /* a0 handle (open for reading, a regular file), a1 a page of the file -> r1 the first
     * page and r2 the pages of the memory object that holds it, r3 the object (in capix
     * the slot the client's transport received its capability in, from the reply), r4 1
     * if it may be mapped writable, FS_MAP_EXEC if executable (the server's files never
     * change: a program's code may be mapped from it). Every mapping and every read and write of
     * the file use the same pages, so that MAP_SHARED mappings are shared. a2: 0, or FS_MAP_VIEW
     * (the client only reads the pages: a server whose files live on a device, which
     * keeps a read-only copy of small files for views, answers only such requests).
     * a3: further chunks wanted (at most FS_MAP_MORE): the ones after the chunk that
     * holds a1, each while it holds bytes of the file (not for views of a device's
     * files); r0 how many come, their objects in msg.more (in capix the capabilities
     * after the first in the reply), chunk k's layout (fs_chunk_first) each. */
    FS_MAP,
    /* no arguments: every file system of the server's tree writes back what it holds
     * (sync, syncfs, fsync of a directory) */
    FS_SYNCFS,
    /* a0 handle, a1 FS_LOCK_* command | type << 8 (0 unlock, 1 read, 2 write) | FS_LOCK_OFD
     * or FS_LOCK_FLOCK (the handle owns the lock; else a process, a4 its pid within the
     * session), a2 start, a3 end (inclusive, 0 <= start <= end <= INT64_MAX), a4 pid.
     * GET: r1 the type of the first conflicting lock (0: none), r2 its start, r3 its end,
     * r4 its pid (-1 for a description's lock). SET: 0, -EAGAIN (a conflict), -ENOLCK.
     * WAIT: as SET, and a conflict records that the owner waits (for EDEADLK, a while:
     * the client asks again). RELEASE: every lock of the owner on the file goes
     * (docs/locks.md). */
    FS_LOCK,
    /* a0 handle (open for reading only, on a regular file; a1..a4 0): the handle holds
     * the file as a running program's image until its last close, as Linux's deny-write
     * of an executed file: meanwhile OPEN with write access or O_TRUNC, and SETATTR of
     * the size, give -ETXTBSY. -ETXTBSY if the file is open for writing (any session's
     * handle), -EACCES for a directory, -EINVAL for other arguments; again on a handle
     * that holds it already: 0. */
    FS_EXEC,
    /* a0 a pid (1 .. 2^31-1; a1..a4 0): every node and handle reference taken under that
     * pid (the buffer lock's tag while it asked) and not given back goes, as if the
     * process had released and closed them (the launcher's, for a process that ended
     * without doing so: killed). -EINVAL for other arguments. */
    FS_GONE,
    /* The session's owner only (its own endpoint, the one the server gave: in a POSIX
     * sandbox the launcher's); from a sub-client -EPERM (docs/fs-protocol.md,
     * "Sub-clients"). a0 the pid it is for (1 .. 2^31-1, for the log), a1 fs uid | fs gid
     * << 32, a2 the effective capabilities (bit n: Linux's capability n), a3 the number
     * of supplementary groups (at most FS_CRED_GROUPS), the groups two to a word (the
     * low half first) in IPC words 6.. -> r0 the sub-client's number; the answer carries
     * its endpoint, whose requests are checked against these credentials. -ENOSPC when
     * the session has FS_MAX_SUBCLIENTS (each is charged to its quota, even beyond it). */
    FS_CLIENT_ADD,
    /* owner only: a0 a sub-client's number, a1..a3 (and the groups) as FS_CLIENT_ADD:
     * its credentials from now on */
    FS_SETCREDS,
    /* owner only: a0 a sub-client's number: its endpoint is revoked (every copy goes)
     * and its record freed */
    FS_CLIENT_DROP,
    /* a0 node numbers, a1 handle numbers (a0 + a1 <= FS_REFS_MAX; the numbers back to
     * back in data as uint64_t, the nodes first), a2 FS_REFS_TAKE (each as FS_ACQUIRE or
     * FS_DUP: a fork child's copies) or FS_REFS_GIVE (each as FS_RELEASE or FS_CLOSE: a
     * process that ends) -> r0 the numbers done; each one refused is 0 in data after */
    FS_REFS,
    FS_OP_COUNT
};
#define FS_REFS_MAX (FS_DATA_MAX / 8)
#define FS_REFS_TAKE 0
#define FS_REFS_GIVE 1
#define FS_CRED_GROUPS 64    /* groups a sub-client's credentials carry */
#define FS_MAX_SUBCLIENTS 64 /* sub-clients of one session */
#define FS_LOCK_GET 0
#define FS_LOCK_SET 1
#define FS_LOCK_WAIT 2
#define FS_LOCK_RELEASE 3
#define FS_LOCK_OFD (1u << 16)   /* the owner is the handle (fcntl F_OFD_*) */
#define FS_LOCK_FLOCK (1u << 17) /* flock: the handle's, in a table of its own */

/* On capix IPC a request is a call with label FS_LABEL_REQUEST and 6 words (op, a0..a2
 * in registers, a3 and a4 in IPC buffer words 4 and 5), or 4 words when a3 and a4 are 0
 * (the server takes missing words as 0); the answer has 5 words (r0..r3 in registers, r4
 * in IPC buffer word 4), or 4 when r4 is 0. A message of 4 words stays in registers: the
 * kernel copies nothing through either side's IPC buffer. The answer to FS_MAP carries
 * the memory object's capability. */
#define FS_LABEL_REQUEST 0xf5

/* A mapped file's memory objects (FS_MAP's "chunks", docs/fs-protocol.md): chunk 0 holds
 * page 0, chunk k > 0 pages [2^(k-1), 2^k), so a file grows by adding chunks and mapped
 * pages never move. The server and the fs plugin (its views) both use these. */
static inline uint64_t fs_chunk_first(unsigned k)
{
    return k ? 1ull << (k - 1) : 0;
}

static inline uint64_t fs_chunk_pages(unsigned k)
{
    return k ? 1ull << (k - 1) : 1;
}

static inline unsigned fs_chunk_of(uint64_t page)
{
    return page ? 64u - (unsigned)__builtin_clzll(page) : 0;
}

#define FS_POS_HANDLE (~0ull)
#define FS_READ_NO_DATA (1ull << 32) /* FS_READ's a1: a mapped file's bytes stay in its chunks */
#define FS_MAP_VIEW 1ull             /* FS_MAP's a2: pages the client only reads (a view) */
#define FS_MAP_EXEC                                                                                \
    2 /* FS_MAP's r4: read-only pages that never change, which                                     \
         the client may map executable (a program's code) */
#define FS_FLAGS_KEEP (~0ull)

/* FS_SETATTR: what to change (the VFS's VFS_SET_* bits) and the values. */
struct fs_setattr {
    uint32_t mask;
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

/* FS_READDIR: one entry; the name follows, NUL-terminated, and the record is padded to
 * a multiple of 8 bytes (reclen). */
struct fs_dirent {
    uint64_t ino;
    uint64_t next; /* position of the entry after this one */
    uint16_t reclen;
    uint8_t type; /* DT_* */
    uint8_t namelen;
    uint32_t pad;
    char name[];
};

/* A request and its answer, as both ends and any transport see them. */
#define FS_MAP_MORE 6 /* FS_MAP's further chunks: a reply carries up to seven objects */

struct fs_msg {
    uint64_t op;
    uint64_t a[5];
    int64_t r[5];               /* r[0] the result or -errno */
    uint64_t more[FS_MAP_MORE]; /* FS_MAP's further objects (r[0] of them) */
};

/* How the client reaches its server: call sends msg (with data in buf) and waits for the
 * answer; returns 0, or a negative errno when the server cannot be reached (EIO). yield
 * (optional) gives the CPU away while another process holds the buffer's lock (it is
 * in a request, often waiting for the server: spinning would only delay it). owner
 * (optional) gives the nonzero tag the lock holds while this process has it (1 without). */
struct fs_transport {
    void *ctx;
    struct fs_buf *buf;
    int (*call)(void *ctx, struct fs_msg *msg);
    void (*yield)(void *ctx);
    int32_t (*owner)(void *ctx);
    /* (optional) views: makes pages [0, pages) of the memory object mem (an FS_MAP
     * answer's r3) readable at the address it returns, and takes over the caller's hold
     * of mem; NULL when it cannot (the caller still holds mem and gives it up with
     * unview(ctx, mem, NULL, 0)). unview ends a view and gives mem up. */
    const void *(*view)(void *ctx, uint64_t mem, uint64_t pages);
    void (*unview)(void *ctx, uint64_t mem, const void *at, uint64_t pages);
    /* (optional) view, writable: for an FS_MAP answer with r4 1 (pwrite's own copies,
     * vfs-plugins/fs/README.md); unview ends it as any view */
    void *(*view_rw)(void *ctx, uint64_t mem, uint64_t pages);
    /* (optional) a fork child's unview of a view its parent made: views are not inherited
     * (nor their capabilities), so only the child's record of them goes (without it:
     * unview) */
    void (*forget)(void *ctx, uint64_t mem, const void *at, uint64_t pages);
};

#endif
