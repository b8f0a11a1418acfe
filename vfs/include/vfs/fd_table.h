/*
 * A descriptor table: small integers naming open file descriptions, each with its own
 * FD_CLOEXEC flag. Descriptors are allocated lowest-free first and stay below a limit
 * (RLIMIT_NOFILE). The table holds one reference on each description it names;
 * several descriptors (dup) and several tables (fork) may share one description.
 * Not locked: the runtime serialises calls (vfs.h).
 */
#ifndef VFS_FD_TABLE_H
#define VFS_FD_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <vfs/vfs.h>

#define VFS_FD_LIMIT_MAX 65536 /* the largest limit a table accepts */

struct vfs_fd {
    struct vfs_file *file; /* NULL: free */
    bool cloexec;
};

struct vfs_fd_table {
    const struct vfs_env *env;
    struct vfs_fd *fds; /* capacity entries, grown on demand up to limit */
    unsigned capacity;
    unsigned limit;
    unsigned used; /* descriptors in use */
};

/* Starts an empty table with the given limit (1 .. VFS_FD_LIMIT_MAX). Returns 0 or
 * -EINVAL. Allocates nothing yet. */
int vfs_fd_table_init(struct vfs_fd_table *t, const struct vfs_env *env, unsigned limit);

/* Closes every descriptor and frees the table's memory. */
void vfs_fd_table_fini(struct vfs_fd_table *t);

/* Makes dst (initialised, empty) a copy of src sharing its descriptions (fork).
 * Returns 0 or -ENOMEM (dst stays empty). */
int vfs_fd_table_copy(struct vfs_fd_table *dst, const struct vfs_fd_table *src);

/* Returns the description named by fd (borrowed), or NULL if fd is not open. */
struct vfs_file *vfs_fd_lookup(const struct vfs_fd_table *t, int fd);

/* Returns the lowest free descriptor >= min without taking it, -EMFILE if there is
 * none below the limit, -EINVAL if min is negative or not below the limit. */
int vfs_fd_find_free(const struct vfs_fd_table *t, int min);

/* Puts f (taking over the caller's reference) at the lowest free descriptor >= min.
 * Returns the descriptor, or -EMFILE / -EINVAL / -ENOMEM (the reference then stays with
 * the caller). */
int vfs_fd_install(struct vfs_fd_table *t, struct vfs_file *f, int min, bool cloexec);

/* Closes fd: 0 or -EBADF. */
int vfs_fd_close(struct vfs_fd_table *t, int fd);

/* dup: the lowest free descriptor naming fd's description (without FD_CLOEXEC). */
int vfs_fd_dup(struct vfs_fd_table *t, int fd);

/* dup2 (flags 0) and dup3 (flags 0 or O_CLOEXEC): newfd names oldfd's description,
 * closing what newfd named. dup2 with oldfd == newfd checks oldfd and returns it;
 * dup3 then gives -EINVAL. */
int vfs_fd_dup3(struct vfs_fd_table *t, int oldfd, int newfd, int flags, bool is_dup3);

/* F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL. Returns -EINVAL for any
 * other command (vfs_fcntl passes those to the plugin first). */
int vfs_fd_fcntl(struct vfs_fd_table *t, int fd, int cmd, unsigned long arg);

/* Sets FD_CLOEXEC of fd: 0 or -EBADF. */
int vfs_fd_set_cloexec(struct vfs_fd_table *t, int fd, bool cloexec);

/* Changes the limit (1 .. VFS_FD_LIMIT_MAX); descriptors at or above it stay open but
 * no new ones are made there. Returns 0 or -EINVAL. */
int vfs_fd_set_limit(struct vfs_fd_table *t, unsigned limit);

#endif
