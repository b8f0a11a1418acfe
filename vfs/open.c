/*
 * open and the calls that change names: mkdir, unlink, rmdir, rename, link, symlink,
 * and readlink. Each walks to the last component's directory, makes the checks that
 * do not depend on the file system, in the order Linux makes them (so that a call
 * failing for two reasons reports the same one), and then calls the plugin.
 *
 * A name in a composition directory goes to its backing directory; the composition's
 * own entries can be neither removed nor replaced (EBUSY, as mount points on Linux),
 * and a composition directory without backing takes no new names (EROFS).
 */
#include "vfs_internal.h"

#include <string.h>

struct vfs_node *vfs_effective_dir(struct vfs_node *dir)
{
    if (vfs_is_cdir(dir))
        return vfs_cdir_backing(vfs_cdir_of(dir));
    vfs_node_get(dir);
    return dir;
}

/* The file system whose rules apply to names in dir (for EXDEV and EROFS). */
static struct vfs_fs *names_fs(struct vfs_node *dir, struct vfs_node *eff)
{
    return eff ? eff->fs : dir->fs;
}

/* True if name in w's directory is an entry of the composition (a mount point). */
static bool is_comp_entry(const struct vfs_walk *w)
{
    return vfs_is_cdir(w->dir) && vfs_cdir_entry(vfs_cdir_of(w->dir), w->name, w->len);
}

/* Sticky directories: only the file's owner, the directory's owner or a process with
 * CAP_FOWNER may remove or replace a name. */
static int sticky_ok(const struct vfs *v, const struct linux_stat *dir, struct vfs_node *n)
{
    struct linux_stat st;
    struct vfs_cred c;
    vfs_cred_of(v, &c);
    if (vfs_cred_sticky(&c, dir, (uint32_t)-1) == 0)
        return 0;
    if (vfs_getattr(n, &st) < 0)
        return -EPERM;
    return vfs_cred_sticky(&c, dir, st.st_uid);
}

/* Makes name in directory d (the effective directory, writable fs). */
static int create_in(struct vfs *v, struct vfs_node *d, const char *name, size_t len, uint32_t mode,
                     const char *target, uint64_t rdev, struct vfs_node **out)
{
    struct vfs_create_args a = {0};
    struct linux_stat st;
    int rc = vfs_getattr(d, &st);
    if (rc < 0)
        return rc;
    rc = vfs_may(v, &st, W_OK | X_OK);
    if (rc < 0)
        return rc;
    if ((S_ISCHR(mode) || S_ISBLK(mode)) && !vfs_capable(v, VFS_CAP_MKNOD))
        return -EPERM; /* devices need CAP_MKNOD, after the directory's checks */
    a.mode = mode;
    a.uid = v->uid;
    a.gid = v->gid;
    if (st.st_mode & S_ISGID) {
        a.gid = st.st_gid;
        if (S_ISDIR(mode))
            a.mode |= S_ISGID;
    }
    a.rdev = rdev;
    if (target) {
        a.target = target;
        a.target_len = strlen(target);
    }
    if (!d->fs->ops->create)
        return -EPERM;
    return d->fs->ops->create(d, name, len, &a, out);
}

/* The directory where names of w's directory live (for new names and removals):
 * EROFS when it is read-only or a composition directory without backing. For a new
 * name (make), a composition directory inside a writable tree gets its directory
 * there made on demand. */
static int dir_for(struct vfs_walk *w, bool make, struct vfs_node **out)
{
    struct vfs_node *d;
    if (make && vfs_is_cdir(w->dir))
        d = vfs_cdir_backing_make(vfs_cdir_of(w->dir));
    else
        d = vfs_effective_dir(w->dir);
    if (!d)
        return -EROFS;
    if (d->fs->flags & VFS_FS_RDONLY) {
        vfs_node_put(d);
        return -EROFS;
    }
    *out = d;
    return 0;
}

/* O_TMPFILE: the directory is checked as Linux does, but no plugin makes unnamed files
 * yet, so the answer is EOPNOTSUPP (programs then fall back to named files). */
static int open_tmpfile(struct vfs *v, int dirfd, const char *path, int flags)
{
    struct vfs_node *n;
    int rc, acc = flags & O_ACCMODE;
    if (acc != O_WRONLY && acc != O_RDWR)
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, 0, &n);
    if (rc < 0)
        return rc;
    if (!S_ISDIR(n->type))
        rc = -ENOTDIR;
    else
        rc = vfs_may_node(v, n, W_OK | X_OK);
    vfs_node_put(n);
    return rc < 0 ? rc : -EOPNOTSUPP;
}

int vfs_open_file(struct vfs *v, int dirfd, const char *path, int flags, uint32_t mode,
                  struct vfs_file **out)
{
    struct vfs_walk w;
    struct vfs_node *node = NULL, *d;
    struct vfs_file *f = NULL;
    unsigned wflags = VFS_WALK_FOLLOW;
    uint32_t stored;
    int acc = flags & O_ACCMODE, rc;
    bool created = false;

    if ((flags & O_TMPFILE) == O_TMPFILE)
        return open_tmpfile(v, dirfd, path, flags);
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;
    if (flags & O_PATH)
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL)))
        wflags = 0;
    rc = vfs_walk_at(v, dirfd, path, wflags, &w);
    if (rc < 0)
        return rc;
    if (!w.node) {
        if (!(flags & O_CREAT)) {
            rc = -ENOENT;
            goto out;
        }
        if (w.slash) {
            rc = -EISDIR;
            goto out;
        }
        rc = dir_for(&w, true, &d);
        if (rc < 0)
            goto out;
        rc = create_in(v, d, w.name, w.len, S_IFREG | (mode & 07777 & ~v->umask), NULL, 0, &node);
        vfs_node_put(d);
        if (rc < 0)
            goto out;
        created = true;
    } else {
        node = w.node;
        w.node = NULL;
        if ((flags & O_CREAT) && (flags & O_EXCL)) {
            rc = -EEXIST;
            goto out;
        }
        if (S_ISLNK(node->type) && !(flags & O_PATH)) {
            rc = -ELOOP;
            goto out;
        }
        if ((flags & O_DIRECTORY) && !S_ISDIR(node->type)) {
            rc = -ENOTDIR;
            goto out;
        }
        if (S_ISDIR(node->type) && !(flags & O_PATH) &&
            ((flags & O_CREAT) || acc != O_RDONLY || (flags & O_TRUNC))) {
            rc = -EISDIR;
            goto out;
        }
        if (!(flags & O_PATH)) {
            int mask = (acc == O_RDONLY   ? R_OK
                        : acc == O_WRONLY ? W_OK
                                          : R_OK | W_OK) |
                       ((flags & O_TRUNC) ? W_OK : 0);
            if ((mask & W_OK) && (node->fs->flags & VFS_FS_RDONLY) &&
                (S_ISREG(node->type) || S_ISDIR(node->type) || S_ISLNK(node->type))) {
                rc = -EROFS;
                goto out;
            }
            rc = vfs_may_node(v, node, mask);
            if (rc < 0)
                goto out;
        }
    }
    if (flags & O_PATH)
        stored = (uint32_t)flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW);
    else
        stored =
            ((uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) |
            O_LARGEFILE;
    if (S_ISFIFO(node->type) && !(flags & O_PATH))
        /* a FIFO's data path is the host's (the runtime's pipes), not the file system's */
        rc = v->env.fifo_open ? v->env.fifo_open(v->env.ctx, node, stored, &f) : -ENXIO;
    else
        rc = vfs_file_open_node(node, stored, &f);
    if (rc < 0)
        goto out;
    if (!S_ISDIR(node->type) && w.dir) {
        f->parent = w.dir; /* for vfs_fd_path */
        vfs_node_get(f->parent);
    }
    if ((flags & O_TRUNC) && !created && S_ISREG(node->type) && !(flags & O_PATH)) {
        struct vfs_setattr sa = {0};
        sa.mask = VFS_SET_SIZE | VFS_SET_MTIME;
        sa.size = 0;
        sa.mtime = vfs_now(&v->env);
        rc = node->fs->ops->setattr ? node->fs->ops->setattr(node, &sa) : -EPERM;
        if (rc < 0) {
            vfs_file_put(f);
            goto out;
        }
    }
    *out = f;
    rc = 0;
out:
    vfs_node_put(node);
    vfs_walk_done(&w);
    return rc;
}

int vfs_openat(struct vfs *v, int dirfd, const char *path, int flags, uint32_t mode)
{
    struct vfs_file *f;
    int fd = vfs_fd_find_free(&v->fds, 0), rc;
    if (fd < 0)
        return fd;
    rc = vfs_open_file(v, dirfd, path, flags, mode, &f);
    if (rc < 0)
        return rc;
    fd = vfs_fd_install(&v->fds, f, 0, (flags & O_CLOEXEC) != 0);
    if (fd < 0)
        vfs_file_put(f);
    return fd;
}

/* Where path's new entry goes: walks to its last component (w), which must not exist
 * (-EEXIST) nor, unless slash_ok, end in a slash (-ENOENT); *d is the directory that gets
 * it, with a reference (dir_for). On an error w is done already. */
static int new_entry_at(struct vfs *v, int dirfd, const char *path, bool slash_ok,
                        struct vfs_walk *w, struct vfs_node **d)
{
    int rc = vfs_walk_at(v, dirfd, path, VFS_WALK_ENTRY, w);
    if (rc < 0)
        return rc;
    if (w->node)
        rc = -EEXIST;
    else if (w->slash && !slash_ok)
        rc = -ENOENT;
    else
        rc = dir_for(w, true, d);
    if (rc < 0)
        vfs_walk_done(w);
    return rc;
}

/* Makes path's new entry of mode (target: a symlink's; dev: a device's): 0 or -errno. */
static int make_entry_at(struct vfs *v, int dirfd, const char *path, bool slash_ok, uint32_t mode,
                         const char *target, uint64_t dev)
{
    struct vfs_walk w;
    struct vfs_node *d, *node = NULL;
    int rc = new_entry_at(v, dirfd, path, slash_ok, &w, &d);
    if (rc < 0)
        return rc;
    rc = create_in(v, d, w.name, w.len, mode, target, dev, &node);
    vfs_node_put(d);
    vfs_node_put(node);
    vfs_walk_done(&w);
    return rc < 0 ? rc : 0;
}

int vfs_mkdirat(struct vfs *v, int dirfd, const char *path, uint32_t mode)
{
    return make_entry_at(v, dirfd, path, true, S_IFDIR | (mode & 01777 & ~v->umask), NULL, 0);
}

int vfs_mknodat(struct vfs *v, int dirfd, const char *path, uint32_t mode, uint64_t dev)
{
    uint32_t type = mode & S_IFMT;
    /* Linux's order: the type, the name, the directory's permissions, the privilege */
    if (type == 0)
        type = S_IFREG;
    if (type == S_IFDIR)
        return -EPERM;
    if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
        type != S_IFSOCK)
        return -EINVAL;
    return make_entry_at(v, dirfd, path, true, type | (mode & 07777 & ~v->umask), NULL,
                         type == S_IFCHR || type == S_IFBLK ? dev : 0);
}

/* Checks for removing w's entry from d (its effective directory): search and write
 * permission and the sticky bit. */
static int may_remove(struct vfs *v, struct vfs_walk *w, struct vfs_node *d)
{
    struct linux_stat st;
    int rc = vfs_getattr(d, &st);
    if (rc == 0)
        rc = vfs_may(v, &st, W_OK | X_OK);
    if (rc == 0)
        rc = sticky_ok(v, &st, w->node);
    return rc;
}

static int do_rmdir(struct vfs *v, struct vfs_walk *w)
{
    struct vfs_node *d;
    int rc;
    switch (w->last) {
    case VFS_LAST_DOT:
        return -EINVAL;
    case VFS_LAST_DOTDOT:
        return -ENOTEMPTY;
    case VFS_LAST_ROOT:
        return -EBUSY;
    case VFS_LAST_NORM:
        break;
    }
    rc = dir_for(w, false, &d);
    if (rc < 0)
        return rc;
    if (!w->node)
        rc = -ENOENT;
    else
        rc = may_remove(v, w, d);
    if (rc == 0 && !S_ISDIR(w->node->type))
        rc = -ENOTDIR;
    if (rc == 0 && is_comp_entry(w))
        rc = -EBUSY;
    if (rc == 0)
        rc = d->fs->ops->unlink ? d->fs->ops->unlink(d, w->name, w->len, w->node) : -EPERM;
    vfs_node_put(d);
    return rc;
}

static int do_unlink(struct vfs *v, struct vfs_walk *w)
{
    struct vfs_node *d;
    int rc;
    if (w->last != VFS_LAST_NORM)
        return -EISDIR;
    rc = dir_for(w, false, &d);
    if (rc < 0)
        return rc;
    if (!w->node)
        rc = -ENOENT;
    else if (w->slash)
        rc = S_ISDIR(w->node->type) ? -EISDIR : -ENOTDIR;
    else
        rc = may_remove(v, w, d);
    if (rc == 0 && S_ISDIR(w->node->type))
        rc = -EISDIR;
    if (rc == 0 && is_comp_entry(w))
        rc = -EBUSY;
    if (rc == 0)
        rc = d->fs->ops->unlink ? d->fs->ops->unlink(d, w->name, w->len, w->node) : -EPERM;
    vfs_node_put(d);
    return rc;
}

int vfs_unlinkat(struct vfs *v, int dirfd, const char *path, int flags)
{
    struct vfs_walk w;
    int rc;
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    rc = vfs_walk_at(v, dirfd, path, VFS_WALK_ENTRY, &w);
    if (rc < 0)
        return rc;
    rc = (flags & AT_REMOVEDIR) ? do_rmdir(v, &w) : do_unlink(v, &w);
    vfs_walk_done(&w);
    return rc;
}

/* True if dir (a directory of fs) is node or lies inside it. */
static bool inside(struct vfs *v, struct vfs_node *dir, struct vfs_node *node)
{
    struct vfs_node *cur = dir, *up;
    bool found = false;
    vfs_node_get(cur);
    for (;;) {
        if (cur->fs == node->fs && cur->ino == node->ino) {
            found = true;
            break;
        }
        if (cur->fs != node->fs || cur->ino == cur->fs->root->ino || !cur->fs->ops->lookup ||
            cur->fs->ops->lookup(cur, "..", 2, &up) < 0)
            break;
        vfs_node_put(cur);
        cur = up;
    }
    vfs_node_put(cur);
    (void)v;
    return found;
}

int vfs_renameat2(struct vfs *v, int olddirfd, const char *oldpath, int newdirfd,
                  const char *newpath, unsigned flags)
{
    struct vfs_walk ow, nw;
    struct vfs_node *od = NULL, *nd = NULL;
    struct linux_stat ost, nst;
    bool exchange = flags & RENAME_EXCHANGE;
    int rc;

    if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && exchange)
        return -EINVAL;
    if (flags & RENAME_WHITEOUT)
        return -EINVAL;
    rc = vfs_walk_at(v, olddirfd, oldpath, VFS_WALK_ENTRY, &ow);
    if (rc < 0)
        return rc;
    rc = vfs_walk_at(v, newdirfd, newpath, VFS_WALK_ENTRY, &nw);
    if (rc < 0) {
        vfs_walk_done(&ow);
        return rc;
    }
    od = vfs_effective_dir(ow.dir);
    nd = vfs_effective_dir(nw.dir);
    if (names_fs(ow.dir, od) != names_fs(nw.dir, nd)) {
        rc = -EXDEV;
        goto out;
    }
    if (ow.last != VFS_LAST_NORM) {
        rc = -EBUSY;
        goto out;
    }
    if (nw.last != VFS_LAST_NORM) {
        rc = (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
        goto out;
    }
    if (!od || !nd || (od->fs->flags & VFS_FS_RDONLY)) {
        rc = -EROFS;
        goto out;
    }
    if (!ow.node) {
        rc = -ENOENT;
        goto out;
    }
    if ((flags & RENAME_NOREPLACE) && nw.node) {
        rc = -EEXIST;
        goto out;
    }
    if (exchange) {
        if (!nw.node) {
            rc = -ENOENT;
            goto out;
        }
        if (!S_ISDIR(nw.node->type) && nw.slash) {
            rc = -ENOTDIR;
            goto out;
        }
    }
    if (!S_ISDIR(ow.node->type) && (ow.slash || (!exchange && nw.slash))) {
        rc = -ENOTDIR;
        goto out;
    }
    if (S_ISDIR(ow.node->type) && inside(v, nd, ow.node)) {
        rc = -EINVAL;
        goto out;
    }
    if (nw.node && S_ISDIR(nw.node->type) && inside(v, od, nw.node)) {
        rc = exchange ? -EINVAL : -ENOTEMPTY;
        goto out;
    }
    if (nw.node && nw.node->fs == ow.node->fs && nw.node->ino == ow.node->ino) {
        rc = 0;
        goto out;
    }
    if ((rc = vfs_getattr(od, &ost)) < 0 || (rc = vfs_getattr(nd, &nst)) < 0)
        goto out;
    if ((rc = vfs_may(v, &ost, W_OK | X_OK)) < 0 || (rc = sticky_ok(v, &ost, ow.node)) < 0)
        goto out;
    if ((rc = vfs_may(v, &nst, W_OK | X_OK)) < 0 ||
        (nw.node && (rc = sticky_ok(v, &nst, nw.node)) < 0))
        goto out;
    if (nw.node && !exchange) {
        if (S_ISDIR(ow.node->type) && !S_ISDIR(nw.node->type)) {
            rc = -ENOTDIR;
            goto out;
        }
        if (!S_ISDIR(ow.node->type) && S_ISDIR(nw.node->type)) {
            rc = -EISDIR;
            goto out;
        }
    }
    if (is_comp_entry(&ow) || (nw.node && is_comp_entry(&nw))) {
        rc = -EBUSY;
        goto out;
    }
    rc = od->fs->ops->rename ? od->fs->ops->rename(od, ow.name, ow.len, nd, nw.name, nw.len,
                                                   flags & RENAME_EXCHANGE)
                             : -EPERM;
out:
    vfs_node_put(od);
    vfs_node_put(nd);
    vfs_walk_done(&ow);
    vfs_walk_done(&nw);
    return rc;
}

int vfs_linkat(struct vfs *v, int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
               int flags)
{
    struct vfs_walk nw;
    struct vfs_node *old = NULL, *d = NULL;
    struct linux_stat st;
    int rc;
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    rc = vfs_resolve_at(
        v, olddirfd, oldpath,
        (flags & AT_EMPTY_PATH) | ((flags & AT_SYMLINK_FOLLOW) ? 0 : AT_SYMLINK_NOFOLLOW), &old);
    if (rc < 0)
        return rc;
    rc = new_entry_at(v, newdirfd, newpath, false, &nw, &d);
    if (rc < 0) {
        vfs_node_put(old);
        return rc;
    }
    if (d->fs != old->fs) {
        rc = -EXDEV;
        goto out;
    }
    if ((rc = vfs_getattr(d, &st)) < 0 || (rc = vfs_may(v, &st, W_OK | X_OK)) < 0)
        goto out;
    if (S_ISDIR(old->type)) {
        rc = -EPERM;
        goto out;
    }
    if ((rc = vfs_getattr(old, &st)) < 0)
        goto out;
    if (st.st_nlink == 0) {
        rc = -ENOENT;
        goto out;
    }
    rc = d->fs->ops->link ? d->fs->ops->link(d, nw.name, nw.len, old) : -EPERM;
out:
    vfs_node_put(d);
    vfs_node_put(old);
    vfs_walk_done(&nw);
    return rc;
}

int vfs_symlinkat(struct vfs *v, const char *target, int newdirfd, const char *linkpath)
{
    size_t tl;
    if (!target)
        return -EFAULT;
    tl = vfs_strnlen(target, PATH_MAX);
    if (tl == 0)
        return -ENOENT;
    if (tl >= PATH_MAX)
        return -ENAMETOOLONG;
    return make_entry_at(v, newdirfd, linkpath, false, S_IFLNK | 0777, target, 0);
}

int64_t vfs_readlinkat(struct vfs *v, int dirfd, const char *path, char *buf, size_t size)
{
    struct vfs_node *n;
    int64_t len;
    int rc;
    if (size == 0 || size > INT32_MAX)
        return -EINVAL;
    rc = vfs_resolve_at(v, dirfd, path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &n);
    if (rc < 0)
        return rc;
    if (!S_ISLNK(n->type) || !n->fs->ops->readlink) {
        vfs_node_put(n);
        return -EINVAL;
    }
    len = n->fs->ops->readlink(n, buf, size);
    vfs_node_put(n);
    if (len < 0)
        return len;
    return len < (int64_t)size ? len : (int64_t)size;
}
