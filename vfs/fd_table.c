/*
 * Descriptor tables (vfs/fd_table.h). The array grows by doubling up to the limit;
 * the lowest free descriptor is found by a scan from the requested minimum, which is
 * short in practice (programs keep their descriptors dense).
 */
#include <string.h>
#include <vfs/fd_table.h>
#include <vfs/plugin.h>

/* The status flags F_SETFL may change (as on Linux). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

int vfs_fd_table_init(struct vfs_fd_table *t, const struct vfs_env *env, unsigned limit)
{
    memset(t, 0, sizeof *t);
    t->env = env;
    if (limit < 1 || limit > VFS_FD_LIMIT_MAX)
        return -EINVAL;
    t->limit = limit;
    return 0;
}

void vfs_fd_table_fini(struct vfs_fd_table *t)
{
    unsigned i;
    for (i = 0; i < t->capacity; i++) {
        struct vfs_file *f = t->fds[i].file;
        t->fds[i].file = NULL;
        vfs_file_put(f);
    }
    if (t->fds)
        vfs_free(t->env, t->fds, t->capacity * sizeof *t->fds);
    t->fds = NULL;
    t->capacity = t->used = 0;
}

/* Makes room for descriptor fd. */
static int grow(struct vfs_fd_table *t, unsigned fd)
{
    unsigned cap = t->capacity ? t->capacity : 16;
    struct vfs_fd *n;
    if (fd < t->capacity)
        return 0;
    while (cap <= fd)
        cap *= 2;
    if (cap > VFS_FD_LIMIT_MAX)
        cap = VFS_FD_LIMIT_MAX;
    n = vfs_zalloc(t->env, cap * sizeof *n);
    if (!n)
        return -ENOMEM;
    if (t->fds) {
        memcpy(n, t->fds, t->capacity * sizeof *n);
        vfs_free(t->env, t->fds, t->capacity * sizeof *n);
    }
    t->fds = n;
    t->capacity = cap;
    return 0;
}

int vfs_fd_table_copy(struct vfs_fd_table *dst, const struct vfs_fd_table *src)
{
    unsigned i;
    dst->limit = src->limit;
    if (src->capacity == 0)
        return 0;
    if (grow(dst, src->capacity - 1) < 0)
        return -ENOMEM;
    for (i = 0; i < src->capacity; i++) {
        dst->fds[i] = src->fds[i];
        if (dst->fds[i].file) {
            vfs_file_get(dst->fds[i].file);
            dst->used++;
        }
    }
    return 0;
}

struct vfs_file *vfs_fd_lookup(const struct vfs_fd_table *t, int fd)
{
    if (fd < 0 || (unsigned)fd >= t->capacity)
        return NULL;
    return t->fds[fd].file;
}

int vfs_fd_find_free(const struct vfs_fd_table *t, int min)
{
    unsigned i;
    if (min < 0 || (unsigned)min >= t->limit)
        return -EINVAL;
    for (i = (unsigned)min; i < t->limit; i++)
        if (i >= t->capacity || !t->fds[i].file)
            return (int)i;
    return -EMFILE;
}

/* Puts f at fd (free, below the limit). */
static int place(struct vfs_fd_table *t, unsigned fd, struct vfs_file *f, bool cloexec)
{
    int rc = grow(t, fd);
    if (rc < 0)
        return rc;
    t->fds[fd].file = f;
    t->fds[fd].cloexec = cloexec;
    t->used++;
    return (int)fd;
}

int vfs_fd_install(struct vfs_fd_table *t, struct vfs_file *f, int min, bool cloexec)
{
    int fd = vfs_fd_find_free(t, min);
    if (fd < 0)
        return fd;
    return place(t, (unsigned)fd, f, cloexec);
}

int vfs_fd_close(struct vfs_fd_table *t, int fd)
{
    struct vfs_file *f = vfs_fd_lookup(t, fd);
    if (!f)
        return -EBADF;
    t->fds[fd].file = NULL;
    t->fds[fd].cloexec = false;
    t->used--;
    vfs_file_put(f);
    return 0;
}

static int dup_from(struct vfs_fd_table *t, int fd, int min, bool cloexec)
{
    struct vfs_file *f = vfs_fd_lookup(t, fd);
    int rc;
    if (!f)
        return -EBADF;
    vfs_file_get(f);
    rc = vfs_fd_install(t, f, min, cloexec);
    if (rc < 0)
        vfs_file_put(f);
    return rc;
}

int vfs_fd_dup(struct vfs_fd_table *t, int fd)
{
    return dup_from(t, fd, 0, false);
}

int vfs_fd_dup3(struct vfs_fd_table *t, int oldfd, int newfd, int flags, bool is_dup3)
{
    struct vfs_file *f = vfs_fd_lookup(t, oldfd), *old;
    int rc;
    if (is_dup3 && (flags & ~O_CLOEXEC))
        return -EINVAL;
    if (is_dup3 && oldfd == newfd)
        return -EINVAL;
    if (newfd < 0 || (unsigned)newfd >= t->limit)
        return -EBADF;
    if (!f)
        return -EBADF;
    if (oldfd == newfd)
        return newfd;
    rc = grow(t, (unsigned)newfd);
    if (rc < 0)
        return rc;
    old = t->fds[newfd].file;
    vfs_file_get(f);
    t->fds[newfd].file = f;
    t->fds[newfd].cloexec = (flags & O_CLOEXEC) != 0;
    if (old)
        vfs_file_put(old);
    else
        t->used++;
    return newfd;
}

int vfs_fd_set_cloexec(struct vfs_fd_table *t, int fd, bool cloexec)
{
    if (!vfs_fd_lookup(t, fd))
        return -EBADF;
    t->fds[fd].cloexec = cloexec;
    return 0;
}

int vfs_fd_fcntl(struct vfs_fd_table *t, int fd, int cmd, unsigned long arg)
{
    struct vfs_file *f = vfs_fd_lookup(t, fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (arg >= t->limit)
            return -EINVAL;
        return dup_from(t, fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
    case F_GETFD:
        return t->fds[fd].cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
        t->fds[fd].cloexec = (arg & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
        return (int)f->flags;
    case F_SETFL:
        if (f->flags & O_PATH)
            return -EBADF;
        f->flags = (f->flags & ~(uint32_t)SETFL_MASK) | ((uint32_t)arg & SETFL_MASK);
        return 0;
    }
    return -EINVAL;
}

int vfs_fd_set_limit(struct vfs_fd_table *t, unsigned limit)
{
    if (limit < 1 || limit > VFS_FD_LIMIT_MAX)
        return -EINVAL;
    t->limit = limit;
    return 0;
}
