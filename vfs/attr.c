/*
 * Attributes and the working directory: stat, chmod, chown, utimens, truncate, access,
 * statfs, chdir, getcwd. Changes to a composition directory go to its backing
 * directory (EROFS when it has none). Permission rules are Linux's: only the owner or
 * root changes modes and explicit times, only root gives files away, anyone with
 * write permission may set both times to now.
 */
#include "vfs_internal.h"

#include <string.h>

/* The node whose attributes n shows (n, or a composition directory's backing), one
 * reference. */
static struct vfs_node *attr_node(struct vfs_node *n)
{
    struct vfs_node *b;
    if (vfs_is_cdir(n)) {
        b = vfs_cdir_backing(vfs_cdir_of(n));
        if (b)
            return b;
    }
    vfs_node_get(n);
    return n;
}

static int setattr(struct vfs_node *n, const struct vfs_setattr *a)
{
    if (n->fs->flags & VFS_FS_RDONLY)
        return -EROFS;
    if (!n->fs->ops->setattr)
        return -EPERM;
    return n->fs->ops->setattr(n, a);
}

int vfs_fstatat(struct vfs *v, int dirfd, const char *path, struct linux_stat *st, int flags)
{
    struct vfs_node *n;
    int rc;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, flags, &n);
    if (rc < 0)
        return rc;
    rc = vfs_getattr(n, st);
    vfs_node_put(n);
    return rc;
}

int vfs_fstat(struct vfs *v, int fd, struct linux_stat *st)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f)
        return -EBADF;
    return vfs_getattr(f->node, st);
}

static struct linux_statx_timestamp statx_time(struct linux_timespec t)
{
    struct linux_statx_timestamp x = {t.tv_sec, (uint32_t)t.tv_nsec, 0};
    return x;
}

int vfs_statx(struct vfs *v, int dirfd, const char *path, int flags, unsigned mask,
              struct linux_statx *stx)
{
    struct linux_stat s;
    struct vfs_node *n;
    int rc;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, flags, &n);
    if (rc < 0)
        return rc;
    rc = vfs_getattr(n, &s);
    vfs_node_put(n);
    if (rc < 0)
        return rc;
    memset(stx, 0, sizeof *stx);
    stx->stx_mask = STATX_BASIC_STATS;
    stx->stx_blksize = (uint32_t)s.st_blksize;
    stx->stx_nlink = (uint32_t)s.st_nlink;
    stx->stx_uid = s.st_uid;
    stx->stx_gid = s.st_gid;
    stx->stx_mode = (uint16_t)s.st_mode;
    stx->stx_ino = s.st_ino;
    stx->stx_size = (uint64_t)s.st_size;
    stx->stx_blocks = (uint64_t)s.st_blocks;
    stx->stx_atime = statx_time(s.st_atim);
    stx->stx_mtime = statx_time(s.st_mtim);
    stx->stx_ctime = statx_time(s.st_ctim);
    stx->stx_rdev_major = LINUX_MAJOR(s.st_rdev);
    stx->stx_rdev_minor = LINUX_MINOR(s.st_rdev);
    stx->stx_dev_major = LINUX_MAJOR(s.st_dev);
    stx->stx_dev_minor = LINUX_MINOR(s.st_dev);
    return 0;
}

static int chmod_node(struct vfs *v, struct vfs_node *node, uint32_t mode)
{
    struct vfs_node *n = attr_node(node);
    struct vfs_setattr a = {0};
    struct linux_stat st;
    struct vfs_cred c;
    int rc = vfs_getattr(n, &st);
    if (rc < 0)
        goto out;
    if (n->fs->flags & VFS_FS_RDONLY) {
        rc = -EROFS;
        goto out;
    }
    vfs_cred_of(v, &c);
    if (!vfs_cred_owner(&c, &st)) {
        rc = -EPERM;
        goto out;
    }
    a.mask = VFS_SET_MODE;
    a.mode = vfs_cred_chmod_mode(&c, &st, mode);
    rc = setattr(n, &a);
out:
    vfs_node_put(n);
    return rc;
}

int vfs_fchmodat(struct vfs *v, int dirfd, const char *path, uint32_t mode, int flags)
{
    struct vfs_node *n;
    int rc;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, flags, &n);
    if (rc < 0)
        return rc;
    rc = S_ISLNK(n->type) ? -EOPNOTSUPP : chmod_node(v, n, mode);
    vfs_node_put(n);
    return rc;
}

int vfs_fchmod(struct vfs *v, int fd, uint32_t mode)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    return chmod_node(v, f->node, mode);
}

static int chown_node(struct vfs *v, struct vfs_node *node, uint32_t uid, uint32_t gid)
{
    struct vfs_node *n = attr_node(node);
    struct vfs_setattr a = {0};
    struct linux_stat st;
    struct vfs_cred c;
    int rc = vfs_getattr(n, &st);
    if (rc < 0)
        goto out;
    if (n->fs->flags & VFS_FS_RDONLY) {
        rc = -EROFS;
        goto out;
    }
    vfs_cred_of(v, &c);
    if ((rc = vfs_cred_chown(&c, &st, uid, gid)) < 0)
        goto out;
    if (uid != (uint32_t)-1) {
        a.mask |= VFS_SET_UID;
        a.uid = uid;
    }
    if (gid != (uint32_t)-1) {
        a.mask |= VFS_SET_GID;
        a.gid = gid;
    }
    if (!S_ISDIR(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID))) {
        /* a changed owner must not keep set-id bits (set-gid only means it with g+x) */
        uint32_t m = st.st_mode & 07777 & ~(uint32_t)S_ISUID;
        if (st.st_mode & S_IXGRP)
            m &= ~(uint32_t)S_ISGID;
        if (m != (st.st_mode & 07777)) {
            a.mask |= VFS_SET_MODE;
            a.mode = m;
        }
    }
    rc = setattr(n, &a);
out:
    vfs_node_put(n);
    return rc;
}

int vfs_fchownat(struct vfs *v, int dirfd, const char *path, uint32_t uid, uint32_t gid, int flags)
{
    struct vfs_node *n;
    int rc;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, flags, &n);
    if (rc < 0)
        return rc;
    rc = chown_node(v, n, uid, gid);
    vfs_node_put(n);
    return rc;
}

int vfs_fchown(struct vfs *v, int fd, uint32_t uid, uint32_t gid)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    return chown_node(v, f->node, uid, gid);
}

static bool time_valid(const struct linux_timespec *t)
{
    return t->tv_nsec == UTIME_NOW || t->tv_nsec == UTIME_OMIT ||
           (t->tv_nsec >= 0 && t->tv_nsec < 1000000000);
}

static int utimens_node(struct vfs *v, struct vfs_node *node, const struct linux_timespec *times)
{
    struct vfs_node *n = attr_node(node);
    struct vfs_setattr a = {0};
    struct linux_timespec now = vfs_now(&v->env);
    struct linux_stat st;
    struct vfs_cred c;
    bool explicit_time = false;
    int rc = vfs_getattr(n, &st);
    if (rc < 0)
        goto out;
    a.mask = VFS_SET_ATIME | VFS_SET_MTIME;
    a.atime = a.mtime = now;
    if (times) {
        if (times[0].tv_nsec == UTIME_OMIT)
            a.mask &= ~VFS_SET_ATIME;
        else if (times[0].tv_nsec != UTIME_NOW) {
            a.atime = times[0];
            explicit_time = true;
        }
        if (times[1].tv_nsec == UTIME_OMIT)
            a.mask &= ~VFS_SET_MTIME;
        else if (times[1].tv_nsec != UTIME_NOW) {
            a.mtime = times[1];
            explicit_time = true;
        }
    }
    if (n->fs->flags & VFS_FS_RDONLY) {
        rc = -EROFS;
        goto out;
    }
    vfs_cred_of(v, &c);
    if ((rc = vfs_cred_times(&c, &st, explicit_time)) < 0)
        goto out;
    rc = setattr(n, &a);
out:
    vfs_node_put(n);
    return rc;
}

int vfs_file_touch(struct vfs *v, struct vfs_file *f)
{
    struct vfs_setattr a = {0};
    if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
        return -EBADF;
    a.mask = VFS_SET_MTIME;
    a.mtime = vfs_now(&v->env);
    return setattr(f->node, &a);
}

int vfs_utimensat(struct vfs *v, int dirfd, const char *path, const struct linux_timespec times[2],
                  int flags)
{
    struct vfs_node *n;
    int rc;
    if (times && (!time_valid(&times[0]) || !time_valid(&times[1])))
        return -EINVAL;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (times && times[0].tv_nsec == UTIME_OMIT && times[1].tv_nsec == UTIME_OMIT)
        return 0; /* Linux answers before it even looks at the path */
    if (!path) {
        struct vfs_file *f;
        if (dirfd == AT_FDCWD)
            return -EFAULT;
        f = vfs_get_file(v, dirfd);
        if (!f || (f->flags & O_PATH))
            return -EBADF;
        n = f->node;
        vfs_node_get(n);
    } else {
        rc = vfs_resolve_at(v, dirfd, path, flags, &n);
        if (rc < 0)
            return rc;
    }
    rc = utimens_node(v, n, times);
    vfs_node_put(n);
    return rc;
}

int vfs_truncate(struct vfs *v, const char *path, int64_t length)
{
    struct vfs_node *n;
    struct vfs_setattr a = {0};
    int rc;
    if (length < 0)
        return -EINVAL;
    rc = vfs_resolve_at(v, AT_FDCWD, path, 0, &n);
    if (rc < 0)
        return rc;
    if (S_ISDIR(n->type))
        rc = -EISDIR;
    else if (!S_ISREG(n->type))
        rc = -EINVAL;
    else if (n->fs->flags & VFS_FS_RDONLY)
        rc = -EROFS;
    else
        rc = vfs_may_node(v, n, W_OK);
    if (rc == 0) {
        a.mask = VFS_SET_SIZE;
        a.size = (uint64_t)length;
        rc = setattr(n, &a);
    }
    vfs_node_put(n);
    return rc;
}

int vfs_ftruncate(struct vfs *v, int fd, int64_t length)
{
    struct vfs_file *f;
    struct vfs_setattr a = {0};
    if (length < 0)
        return -EINVAL;
    f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!S_ISREG(f->node->type) ||
        ((f->flags & O_ACCMODE) != O_WRONLY && (f->flags & O_ACCMODE) != O_RDWR))
        return -EINVAL;
    a.mask = VFS_SET_SIZE | VFS_SET_MTIME;
    a.size = (uint64_t)length;
    a.mtime = vfs_now(&v->env);
    return setattr(f->node, &a);
}

int vfs_faccessat(struct vfs *v, int dirfd, const char *path, int mode, int flags)
{
    struct vfs_node *n;
    int rc;
    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, flags & ~AT_EACCESS, &n);
    if (rc < 0)
        return rc;
    if ((mode & W_OK) && (n->fs->flags & VFS_FS_RDONLY) &&
        (S_ISREG(n->type) || S_ISDIR(n->type) || S_ISLNK(n->type))) {
        struct vfs_node *a = attr_node(n);
        rc = (a->fs->flags & VFS_FS_RDONLY) ? -EROFS : 0;
        vfs_node_put(a);
    }
    if (rc == 0 && mode != F_OK)
        rc = vfs_may_node(v, n, mode);
    vfs_node_put(n);
    return rc;
}

static int statfs_node(struct vfs_node *node, struct linux_statfs *st)
{
    struct vfs_node *n = attr_node(node);
    struct vfs_fs *fs = n->fs;
    int rc = 0;
    memset(st, 0, sizeof *st);
    st->f_bsize = 4096;
    st->f_frsize = 4096;
    st->f_namelen = NAME_MAX;
    if (fs->ops->statfs)
        rc = fs->ops->statfs(fs, st);
    st->f_fsid[0] = (int32_t)(uint32_t)fs->dev;
    st->f_fsid[1] = (int32_t)(uint32_t)(fs->dev >> 32);
    st->f_flags |= ST_VALID;
    if (fs->flags & VFS_FS_RDONLY)
        st->f_flags |= ST_RDONLY;
    vfs_node_put(n);
    return rc;
}

int vfs_statfs(struct vfs *v, const char *path, struct linux_statfs *st)
{
    struct vfs_node *n;
    int rc = vfs_resolve_at(v, AT_FDCWD, path, 0, &n);
    if (rc < 0)
        return rc;
    rc = statfs_node(n, st);
    vfs_node_put(n);
    return rc;
}

int vfs_fstatfs(struct vfs *v, int fd, struct linux_statfs *st)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f)
        return -EBADF;
    return statfs_node(f->node, st);
}

static int set_cwd(struct vfs *v, struct vfs_node *n)
{
    int rc;
    if (!S_ISDIR(n->type))
        return -ENOTDIR;
    rc = vfs_may_node(v, n, X_OK);
    if (rc < 0)
        return rc;
    vfs_node_get(n);
    vfs_node_put(v->cwd);
    v->cwd = n;
    return 0;
}

int vfs_chdir(struct vfs *v, const char *path)
{
    struct vfs_node *n;
    int rc = vfs_resolve_at(v, AT_FDCWD, path, 0, &n);
    if (rc < 0)
        return rc;
    rc = set_cwd(v, n);
    vfs_node_put(n);
    return rc;
}

int vfs_fchdir(struct vfs *v, int fd)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f)
        return -EBADF;
    return set_cwd(v, f->node);
}

int64_t vfs_getcwd(struct vfs *v, char *buf, size_t size)
{
    struct linux_stat st;
    int64_t len;
    int rc = vfs_getattr(v->cwd, &st);
    if (rc < 0)
        return rc;
    if (st.st_nlink == 0)
        return -ENOENT;
    len = vfs_dir_path(v, v->cwd, buf, size);
    return len < 0 ? len : len + 1;
}
