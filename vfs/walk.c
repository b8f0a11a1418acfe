/*
 * The path walk. A path is taken one component at a time from a copy in v->walkbuf:
 * "." stays, ".." goes up (vfs_step_up: never above the root, and from the root of a
 * mounted tree to the composition directory it is mounted in), other names go through
 * the directory's lookup, which for a composition directory finds its entries first
 * and then its backing directory's. A symlink met on the way (and at the end when
 * asked to follow, or when the path ends in '/') is spliced in front of the rest of the
 * path, at most VFS_MAXSYMLINKS times per walk (ELOOP); a magic link (a plugin's
 * follow_link, such as /proc/self/fd/N) leads to its node directly, unless follow_link
 * answers VFS_FOLLOW_TEXT (then its text is followed as above). Every directory
 * passed needs search (x) permission.
 *
 * Limits: a path must be shorter than PATH_MAX, a component at most NAME_MAX bytes, a
 * path with symlink text spliced in shorter than VFS_WALK_BUF (ENAMETOOLONG).
 */
#include "vfs_internal.h"

#include <string.h>

void vfs_walk_done(struct vfs_walk *w)
{
    vfs_node_put(w->dir);
    vfs_node_put(w->node);
    w->dir = w->node = NULL;
}

int vfs_step_up(struct vfs *v, struct vfs_node *n, struct vfs_node **out)
{
    struct vfs_node *p;
    struct vfs_cdir *d;
    int rc;
    if (vfs_is_cdir(n)) {
        d = vfs_cdir_of(n);
        *out = d->parent ? &d->parent->node : n;
        vfs_node_get(*out);
        return 0;
    }
    if (n->fs->root && n->ino == n->fs->root->ino) {
        /* the root of a tree instance stands for the directory it is mounted in */
        d = vfs_cdir_backed_by(v, n);
        if (d)
            return vfs_step_up(v, &d->node, out);
    }
    if (!n->fs->ops->lookup)
        return -ENOENT;
    rc = n->fs->ops->lookup(n, "..", 2, &p);
    if (rc < 0)
        return rc;
    d = vfs_cdir_backed_by(v, p);
    if (d) {
        vfs_node_put(p);
        p = &d->node;
        vfs_node_get(p);
    }
    *out = p;
    return 0;
}

struct vfs_node *vfs_canonical(struct vfs *v, struct vfs_node *n)
{
    struct vfs_cdir *d;
    if (!S_ISDIR(n->type) || vfs_is_cdir(n) || !n->fs->root || n->fs->vfs != v)
        return n;
    d = vfs_cdir_backed_by(v, n);
    if (!d)
        return n;
    vfs_node_put(n);
    vfs_node_get(&d->node);
    return &d->node;
}

int vfs_walk(struct vfs *v, struct vfs_node *start, const char *path, unsigned flags,
             struct vfs_walk *w)
{
    char *buf = v->walkbuf;
    size_t len, p = 0, end;
    struct vfs_node *cur, *next = NULL;
    unsigned links = 0;
    int rc;

    w->dir = w->node = NULL;
    w->slash = false;
    w->len = 0;
    w->name[0] = '\0';
    if (!path)
        return -EFAULT;
    len = vfs_strnlen(path, PATH_MAX);
    if (len == 0)
        return -ENOENT;
    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    memcpy(buf, path, len);
    end = len;
    cur = buf[0] == '/' ? &v->root->node : start;
    vfs_node_get(cur);
    for (;;) {
        enum vfs_last kind = VFS_LAST_NORM;
        size_t c, clen, q;
        bool last, slash;

        while (p < end && buf[p] == '/')
            p++;
        if (p == end) {
            /* nothing but slashes: the path names cur ("/", or a symlink to it) */
            w->dir = cur;
            w->node = cur;
            vfs_node_get(cur);
            w->last = VFS_LAST_ROOT;
            w->slash = true;
            return 0;
        }
        c = p;
        while (p < end && buf[p] != '/')
            p++;
        clen = p - c;
        if (clen > NAME_MAX) {
            rc = -ENAMETOOLONG;
            goto fail;
        }
        q = p;
        while (q < end && buf[q] == '/')
            q++;
        last = q == end;
        slash = p < end;
        if (!S_ISDIR(cur->type)) {
            rc = -ENOTDIR;
            goto fail;
        }
        rc = vfs_may_node(v, cur, X_OK);
        if (rc < 0)
            goto fail;
        if (clen == 1 && buf[c] == '.') {
            next = cur;
            vfs_node_get(next);
            kind = VFS_LAST_DOT;
        } else if (clen == 2 && buf[c] == '.' && buf[c + 1] == '.') {
            rc = vfs_step_up(v, cur, &next);
            if (rc < 0)
                goto fail;
            kind = VFS_LAST_DOTDOT;
        } else {
            rc = cur->fs->ops->lookup ? cur->fs->ops->lookup(cur, buf + c, clen, &next) : -ENOENT;
            if (rc == -ENOENT && last)
                next = NULL;
            else if (rc < 0)
                goto fail;
        }
        if (next && S_ISLNK(next->type) &&
            (!last || (flags & VFS_WALK_FOLLOW) || (slash && !(flags & VFS_WALK_ENTRY)))) {
            size_t rest = end - p; /* what follows the link, with its slashes */
            struct vfs_node *t;
            int64_t tl;
            if (++links > VFS_MAXSYMLINKS) {
                vfs_node_put(next);
                rc = -ELOOP;
                goto fail;
            }
            /* a magic link (/proc/self/fd/N) names its node, not a path */
            t = NULL;
            rc =
                next->fs->ops->follow_link ? next->fs->ops->follow_link(next, &t) : VFS_FOLLOW_TEXT;
            if (rc != VFS_FOLLOW_TEXT) {
                vfs_node_put(next);
                next = NULL;
                if (rc < 0)
                    goto fail;
                next = vfs_canonical(v, t);
                if (!last) {
                    vfs_node_put(cur);
                    cur = next;
                    next = NULL;
                    p = q;
                    continue;
                }
                /* the last component: it names the target (below) */
            } else {
                tl = next->fs->ops->readlink ? next->fs->ops->readlink(next, v->linkbuf, PATH_MAX)
                                             : -EINVAL;
                vfs_node_put(next);
                next = NULL;
                if (tl < 0) {
                    rc = (int)tl;
                    goto fail;
                }
                if (tl == 0) {
                    rc = -ENOENT;
                    goto fail;
                }
                if ((size_t)tl >= PATH_MAX || (size_t)tl + rest >= VFS_WALK_BUF) {
                    rc = -ENAMETOOLONG;
                    goto fail;
                }
                memmove(buf + tl, buf + p, rest);
                memcpy(buf, v->linkbuf, (size_t)tl);
                end = (size_t)tl + rest;
                p = 0;
                if (buf[0] == '/') {
                    vfs_node_put(cur);
                    cur = &v->root->node;
                    vfs_node_get(cur);
                }
                continue;
            }
        }
        if (last) {
            w->dir = cur;
            w->node = next;
            w->last = kind;
            w->slash = slash;
            memcpy(w->name, buf + c, clen);
            w->name[clen] = '\0';
            w->len = clen;
            if (slash && next && !S_ISDIR(next->type) && !(flags & VFS_WALK_ENTRY)) {
                vfs_walk_done(w);
                return -ENOTDIR;
            }
            return 0;
        }
        vfs_node_put(cur);
        cur = next;
        next = NULL;
        p = q;
    }
fail:
    vfs_node_put(cur);
    return rc;
}

int vfs_walk_at(struct vfs *v, int dirfd, const char *path, unsigned flags, struct vfs_walk *w)
{
    struct vfs_node *start;
    w->dir = w->node = NULL;
    if (!path)
        return -EFAULT;
    if (path[0] == '\0')
        return -ENOENT;
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        start = v->cwd;
    } else {
        struct vfs_file *f = vfs_get_file(v, dirfd);
        if (!f)
            return -EBADF;
        start = f->node;
        if (!S_ISDIR(start->type))
            return -ENOTDIR;
    }
    return vfs_walk(v, start, path, flags, w);
}

int vfs_resolve_at(struct vfs *v, int dirfd, const char *path, int flags, struct vfs_node **out)
{
    struct vfs_walk w;
    int rc;
    if (!path)
        return -EFAULT;
    if (path[0] == '\0' && (flags & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) {
            *out = v->cwd;
        } else {
            struct vfs_file *f = vfs_get_file(v, dirfd);
            if (!f)
                return -EBADF;
            *out = f->node;
        }
        vfs_node_get(*out);
        return 0;
    }
    rc = vfs_walk_at(v, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : VFS_WALK_FOLLOW, &w);
    if (rc < 0)
        return rc;
    if (!w.node) {
        vfs_walk_done(&w);
        return -ENOENT;
    }
    *out = w.node;
    w.node = NULL;
    vfs_walk_done(&w);
    return 0;
}

/* Finds the name of child in its parent (a composition entry, or a name with child's
 * inode number); copies "/NAME" to the front of buf[0..*pos) and moves *pos back. */
static int prepend_name(struct vfs_node *parent, struct vfs_node *child, char *buf, size_t *pos)
{
    struct vfs_node *q;
    struct vfs_dirent de;
    uint64_t at = 2;
    int rc;
    if (vfs_is_cdir(parent)) {
        struct vfs_centry *e;
        for (e = vfs_cdir_of(parent)->entries; e; e = e->next) {
            if (e->node != child)
                continue;
            if (*pos < e->len + 1)
                return -ERANGE;
            *pos -= e->len;
            memcpy(buf + *pos, e->name, e->len);
            buf[--*pos] = '/';
            return 0;
        }
        q = vfs_cdir_backing(vfs_cdir_of(parent));
        if (!q)
            return -ENOENT;
    } else {
        q = parent;
        vfs_node_get(q);
    }
    rc = -ENOENT;
    if (q->fs == child->fs && q->fs->ops->readdir) {
        for (;;) {
            int r = q->fs->ops->readdir(q, at, &de);
            if (r < 0) {
                rc = r;
                break;
            }
            if (r == 0)
                break;
            if (de.ino == child->ino) {
                if (*pos < de.len + 1) {
                    rc = -ERANGE;
                    break;
                }
                *pos -= de.len;
                memcpy(buf + *pos, de.name, de.len);
                buf[--*pos] = '/';
                rc = 0;
                break;
            }
            at = de.next;
        }
    }
    vfs_node_put(q);
    return rc;
}

int64_t vfs_dir_path(struct vfs *v, struct vfs_node *n, char *buf, size_t size)
{
    struct vfs_node *cur = n, *parent;
    size_t pos = size;
    int rc = 0;
    if (size == 0)
        return -ERANGE;
    buf[--pos] = '\0';
    vfs_node_get(cur);
    cur = vfs_canonical(v, cur);
    for (;;) {
        if (vfs_is_cdir(cur)) {
            struct vfs_cdir *d = vfs_cdir_of(cur);
            if (!d->parent)
                break;
            if (pos < d->self->len + 1) {
                rc = -ERANGE;
                break;
            }
            pos -= d->self->len;
            memcpy(buf + pos, d->self->name, d->self->len);
            buf[--pos] = '/';
            parent = &d->parent->node;
            vfs_node_get(parent);
        } else {
            rc = vfs_step_up(v, cur, &parent);
            if (rc < 0)
                break;
            rc = prepend_name(parent, cur, buf, &pos);
            if (rc < 0) {
                vfs_node_put(parent);
                break;
            }
        }
        vfs_node_put(cur);
        cur = parent;
    }
    vfs_node_put(cur);
    if (rc < 0)
        return rc;
    if (pos == size - 1) {
        if (pos == 0)
            return -ERANGE;
        buf[--pos] = '/';
    }
    memmove(buf, buf + pos, size - pos);
    return (int64_t)(size - pos - 1);
}

int64_t vfs_fd_path(struct vfs *v, int fd, char *buf, size_t size)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    char name[NAME_MAX + 2];
    size_t pos = sizeof name, nlen;
    int64_t len;
    int rc;
    if (!f)
        return -EBADF;
    if (S_ISDIR(f->node->type))
        return vfs_dir_path(v, f->node, buf, size);
    if (!f->parent)
        return -ENOENT;
    rc = prepend_name(f->parent, f->node, name, &pos);
    if (rc < 0)
        return rc;
    nlen = sizeof name - pos;
    len = vfs_dir_path(v, f->parent, buf, size);
    if (len < 0)
        return len;
    if (len == 1)
        len = 0; /* the root: "/" + "/name" would double the slash */
    if ((size_t)len + nlen + 1 > size)
        return -ERANGE;
    memcpy(buf + len, name + pos, nlen);
    buf[len + (int64_t)nlen] = '\0';
    return len + (int64_t)nlen;
}
