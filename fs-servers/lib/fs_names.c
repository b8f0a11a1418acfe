/*
 * The name operations of the server library: LOOKUP, CREATE, LINK, UNLINK, RENAME,
 * READLINK and READDIR. In a composition, names are made and removed in the backing
 * directory (vfs_names_dir), a mount point can be neither removed nor replaced
 * (EBUSY), a read-only instance (VFS_FS_RDONLY, such as tar) refuses every change with
 * EROFS; a session's root and the tree's are busy like mount points. A session reaches
 * only nodes below its root: ".." from its root is its root, and ".." out of a
 * directory moved out of it gives ENOENT.
 *
 * Names and a symlink's text are copied from the shared buffer before they are checked
 * (the client may change the buffer at any time). Quota: a session is charged
 * FS_NAME_CHARGE bytes for each name it makes (CREATE, LINK), plus a symlink's text, and
 * is credited for names it removes and for the size of files whose last link it removes.
 */
#include "fs_server_internal.h"

/* ---- reading the request ---- */

/* Copies a name of len bytes at off in data into dst and checks it: EINVAL for an
 * empty name, ".", '/' or NUL in it, or a length beyond the buffer; ENAMETOOLONG beyond
 * NAME_MAX. ".." passes (each operation decides). */
static int get_name(const struct fs_buf *buf, uint64_t off, uint64_t len, char *dst)
{
    if (off > FS_DATA_MAX || len > FS_DATA_MAX - off)
        return -EINVAL;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    if (len == 0)
        return -EINVAL;
    memcpy(dst, buf->data + off, (size_t)len);
    dst[len] = '\0';
    if (memchr(dst, '/', (size_t)len) || memchr(dst, '\0', (size_t)len))
        return -EINVAL;
    if (len == 1 && dst[0] == '.')
        return -EINVAL;
    return 0;
}

static bool is_dotdot(const char *name, uint64_t len)
{
    return len == 2 && name[0] == '.' && name[1] == '.';
}

/* The directory node number num of the session, or an error (EBADF, ENOTDIR). */
static int get_dir(struct fs_session *ss, uint64_t num, struct vfs_node **out)
{
    struct vfs_node *d = fs_node_get(ss, num);
    if (!d)
        return -EBADF;
    if (!S_ISDIR(d->type))
        return -ENOTDIR;
    *out = d;
    return 0;
}

/* ---- helpers ---- */

/* True if dir is node or lies below it (found by walking ".." up to the tree's root). */
static bool inside(struct fs_server *s, struct vfs_node *dir, struct vfs_node *node)
{
    struct vfs_node *cur = dir, *up;
    bool found = false;
    unsigned depth = 0;
    vfs_node_get(cur);
    for (;;) {
        if (same_node(cur, node)) {
            found = true;
            break;
        }
        if (same_node(cur, s->top) || ++depth > FS_MAX_DEPTH ||
            tree_lookup(s, cur, "..", 2, &up) < 0)
            break;
        vfs_node_put(cur);
        cur = up;
    }
    vfs_node_put(cur);
    return found;
}

/* True if n is some session's root (those are busy, like mount points). */
static bool is_session_root(struct fs_server *s, struct vfs_node *n)
{
    struct fs_session *ss;
    if (same_node(n, s->top))
        return true;
    for (ss = s->sessions; ss; ss = ss->next)
        if (same_node(n, ss->root))
            return true;
    return false;
}

/* Credits what removing one name of victim gave back: the name, and the data of a
 * file or symlink whose last link it was. */
static void credit_removed(struct fs_session *ss, struct vfs_node *victim)
{
    struct linux_stat st;
    quota_credit(ss, FS_NAME_CHARGE);
    if (data_charged(victim) && vfs_getattr(victim, &st) == 0 && st.st_nlink == 0 &&
        !S_ISDIR(st.st_mode) && st.st_size > 0)
        quota_credit(ss, (uint64_t)st.st_size);
}

/* ---- operations ---- */

/* True if n is below the session's root (a directory moved out of it by another session
 * must not lead there). */
static bool within_root(struct fs_session *ss, struct vfs_node *n)
{
    if (same_node(ss->root, ss->s->top))
        return true;
    return inside(ss->s, n, ss->root);
}

int64_t fs_op_lookup(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n;
    struct linux_stat st;
    int64_t num;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if ((rc = fs_may(ss, d, X_OK)) < 0)
        return rc; /* search permission on every directory a name walks through */
    if (is_dotdot(s->name1, m->a[1]) && same_node(d, ss->root)) {
        n = ss->root;
        vfs_node_get(n);
    } else {
        rc = tree_lookup(s, d, s->name1, (size_t)m->a[1], &n);
        if (rc < 0)
            return rc;
        if (is_dotdot(s->name1, m->a[1]) && !within_root(ss, n)) {
            vfs_node_put(n);
            return -ENOENT;
        }
    }
    rc = vfs_getattr(n, &st);
    if (rc < 0) {
        vfs_node_put(n);
        return rc;
    }
    num = fs_node_ref(ss, n);
    if (num > 0) {
        m->r[1] = st.st_mode;
        m->r[2] = (int64_t)ino_of(s, st.st_dev, st.st_ino);
        m->r[3] = 1; /* the attributes are in data, as GETATTR gives them */
        st.st_ino = (uint64_t)m->r[2];
        st.st_dev = 0;
        memcpy(buf->data, &st, sizeof st);
    }
    return num;
}

/* The rest of CREATE, in d (the directory that holds the names, one reference the
 * caller's): the node made, with one reference, in *out. */
static int create_in(struct fs_session *ss, struct vfs_node *d, uint32_t type, uint64_t tlen,
                     const struct fs_msg *m, struct vfs_node **out)
{
    struct fs_server *s = ss->s;
    struct vfs_create_args a = {0};
    struct linux_stat st;
    uint64_t len = m->a[1];
    int rc = vfs_getattr(d, &st);
    if (rc < 0)
        return rc;
    if (st.st_nlink == 0)
        return -ENOENT;
    if (ss->cred && (rc = vfs_cred_may(ss->cred, &st, W_OK | X_OK)) < 0)
        return rc;
    if (ss->cred && (type == S_IFCHR || type == S_IFBLK) &&
        !vfs_cred_capable(ss->cred, VFS_CAP_MKNOD))
        return -EPERM;
    fs_cred_create(ss, &a);
    a.mode = type | ((uint32_t)m->a[2] & 07777);
    a.rdev = (type == S_IFCHR || type == S_IFBLK) ? m->a[3] : 0;
    if (st.st_mode & S_ISGID) {
        a.gid = st.st_gid;
        if (type == S_IFDIR)
            a.mode |= S_ISGID;
    }
    if (type == S_IFLNK) {
        a.target = s->text;
        a.target_len = (size_t)tlen;
    }
    if (!d->fs->ops->create)
        return -EPERM;
    /* room for the answer first: a file made must reach the client */
    rc = ss->nnodes >= FS_SESSION_MAX_NODES ? -ENFILE : fs_ent_reserve(s);
    if (rc < 0)
        return rc;
    return d->fs->ops->create(d, s->name1, (size_t)len, &a, out);
}

int64_t fs_op_create(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n = NULL;
    uint64_t len = m->a[1], tlen = m->a[4];
    uint32_t type = (uint32_t)m->a[2] & S_IFMT;
    int64_t num;
    int rc = get_name(buf, 0, len, s->name1);
    if (rc < 0)
        return rc;
    if (m->a[2] > 0xffffffffu)
        return -EINVAL;
    if (type == 0)
        type = S_IFREG;
    switch (type) {
    case S_IFREG:
    case S_IFDIR:
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
    case S_IFSOCK:
        if (tlen)
            return -EINVAL;
        break;
    case S_IFLNK:
        if (tlen > FS_DATA_MAX - len)
            return -EINVAL;
        if (tlen == 0)
            return -ENOENT;
        if (tlen >= PATH_MAX)
            return -ENAMETOOLONG;
        memcpy(s->text, buf->data + len, (size_t)tlen);
        if (memchr(s->text, '\0', (size_t)tlen))
            return -EINVAL;
        s->text[tlen] = '\0';
        break;
    default:
        return -EINVAL;
    }
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (!ss->writeable)
        return -EROFS;
    if (is_dotdot(s->name1, len) || vfs_is_mount_entry(d, s->name1, (size_t)len))
        return -EEXIST;
    rc = quota_check(ss, FS_NAME_CHARGE + tlen);
    if (rc < 0)
        return rc;
    rc = names_dir(d, true, &d);
    if (rc < 0)
        return rc;
    rc = create_in(ss, d, type, tlen, m, &n);
    vfs_node_put(d);
    if (rc < 0)
        return rc;
    quota_charge(ss, FS_NAME_CHARGE + tlen);
    num = fs_node_ref(ss, n);
    if (num > 0)
        m->r[1] = (int64_t)ino_of(s, n->fs->dev, n->ino);
    if (num > 0 && type == S_IFREG) { /* its creator's open may follow (op_open) */
        ss->fresh_num = (uint64_t)num;
        ss->fresh_cred = ss->cred;
        ss->fresh_pid = ss->pid;
    }
    return num;
}

int64_t fs_op_link(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *n, *old, *eff = NULL;
    struct linux_stat st;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    n = fs_node_get(ss, m->a[2]);
    if (!n)
        return -EBADF;
    if (!ss->writeable)
        return -EROFS;
    if (is_dotdot(s->name1, m->a[1]))
        return -EEXIST;
    if (tree_lookup(s, d, s->name1, (size_t)m->a[1], &old) == 0) {
        vfs_node_put(old);
        return -EEXIST;
    }
    rc = names_dir(d, true, &eff);
    if (rc < 0)
        return rc;
    if ((rc = fs_may_remove(ss, eff, NULL)) < 0)
        ;
    else if (n->fs != eff->fs)
        rc = -EXDEV;
    else if (S_ISDIR(n->type))
        rc = -EPERM;
    else if ((rc = vfs_getattr(n, &st)) == 0 && st.st_nlink == 0)
        rc = -ENOENT;
    if (rc == 0)
        rc = quota_check(ss, FS_NAME_CHARGE);
    if (rc == 0 && !eff->fs->ops->link)
        rc = -EPERM;
    if (rc == 0)
        rc = eff->fs->ops->link(eff, s->name1, (size_t)m->a[1], n);
    if (rc == 0)
        quota_charge(ss, FS_NAME_CHARGE);
    vfs_node_put(eff);
    return rc;
}

int64_t fs_op_unlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *d, *victim, *eff;
    bool rmdir = m->a[2] & AT_REMOVEDIR;
    int rc = get_name(buf, 0, m->a[1], s->name1);
    if (rc < 0)
        return rc;
    if (m->a[2] & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if (is_dotdot(s->name1, m->a[1]))
        return rmdir ? -ENOTEMPTY : -EISDIR;
    if (!ss->writeable)
        return -EROFS;
    if (vfs_is_mount_entry(d, s->name1, (size_t)m->a[1]))
        return -EBUSY;
    rc = names_dir(d, false, &eff);
    if (rc < 0)
        return rc;
    rc = tree_lookup(s, eff, s->name1, (size_t)m->a[1], &victim);
    if (rc < 0) {
        vfs_node_put(eff);
        return rc;
    }
    if (rmdir && !S_ISDIR(victim->type))
        rc = -ENOTDIR;
    else if (!rmdir && S_ISDIR(victim->type))
        rc = -EISDIR;
    else if (rmdir && is_session_root(s, victim))
        rc = -EBUSY;
    else if ((rc = fs_may_remove(ss, eff, victim)) < 0)
        ;
    else if (!eff->fs->ops->unlink)
        rc = -EPERM;
    else
        rc = eff->fs->ops->unlink(eff, s->name1, (size_t)m->a[1], victim);
    if (rc == 0)
        credit_removed(ss, victim);
    vfs_node_put(victim);
    vfs_node_put(eff);
    return rc;
}

/* The checks and the change of RENAME once both names' directories (oe, ne: where the
 * names live) are known; on and nn are what the names are (nn may be NULL). */
static int rename_in(struct fs_session *ss, struct vfs_node *oe, struct vfs_node *ne,
                     struct vfs_node *on, struct vfs_node *nn, const struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    uint64_t flags = m->a[4];
    bool exchange = flags & RENAME_EXCHANGE;
    int rc;
    if ((flags & RENAME_NOREPLACE) && nn)
        return -EEXIST;
    if (exchange && !nn)
        return -ENOENT;
    if (S_ISDIR(on->type) && inside(s, ne, on))
        return -EINVAL;
    if (nn && S_ISDIR(nn->type) && inside(s, oe, nn))
        return exchange ? -EINVAL : -ENOTEMPTY;
    if (nn && same_node(nn, on))
        return 0; /* two names of one file: nothing to do */
    if (nn && !exchange) {
        if (S_ISDIR(on->type) && !S_ISDIR(nn->type))
            return -ENOTDIR;
        if (!S_ISDIR(on->type) && S_ISDIR(nn->type))
            return -EISDIR;
    }
    if (is_session_root(s, on) || (nn && is_session_root(s, nn)))
        return -EBUSY;
    if ((rc = fs_may_remove(ss, oe, on)) < 0 || (rc = fs_may_remove(ss, ne, nn)) < 0)
        return rc;
    /* a directory that changes parent has its ".." rewritten: write permission on it */
    if (!same_node(oe, ne) && S_ISDIR(on->type) && (rc = fs_may(ss, on, W_OK)) < 0)
        return rc;
    if (exchange && nn && !same_node(oe, ne) && S_ISDIR(nn->type) &&
        (rc = fs_may(ss, nn, W_OK)) < 0)
        return rc;
    if (!oe->fs->ops->rename)
        return -EPERM;
    rc = oe->fs->ops->rename(oe, s->name1, (size_t)m->a[1], ne, s->name2, (size_t)m->a[3],
                             (unsigned)(flags & RENAME_EXCHANGE));
    if (rc == 0 && nn && !exchange)
        credit_removed(ss, nn);
    return rc;
}

int64_t fs_op_rename(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_server *s = ss->s;
    struct vfs_node *od, *nd, *oe = NULL, *ne = NULL, *on = NULL, *nn = NULL;
    uint64_t olen = m->a[1], nlen = m->a[3], flags = m->a[4];
    int rc;
    if (olen > FS_DATA_MAX || nlen > FS_DATA_MAX - olen)
        return -EINVAL;
    rc = get_name(buf, 0, olen, s->name1);
    if (rc < 0)
        return rc;
    rc = get_name(buf, olen, nlen, s->name2);
    if (rc < 0)
        return rc;
    if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return -EINVAL;
    if (((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) || (flags & RENAME_WHITEOUT))
        return -EINVAL;
    rc = get_dir(ss, m->a[0], &od);
    if (rc < 0)
        return rc;
    rc = get_dir(ss, m->a[2], &nd);
    if (rc < 0)
        return rc;
    if (is_dotdot(s->name1, olen))
        return -EBUSY;
    if (is_dotdot(s->name2, nlen))
        return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if (!ss->writeable)
        return -EROFS;
    if (vfs_is_mount_entry(od, s->name1, (size_t)olen) ||
        vfs_is_mount_entry(nd, s->name2, (size_t)nlen))
        return -EBUSY;
    rc = names_dir(od, false, &oe);
    if (rc == 0)
        rc = names_dir(nd, true, &ne);
    if (rc == 0 && oe->fs != ne->fs)
        rc = -EXDEV;
    if (rc == 0)
        rc = tree_lookup(s, oe, s->name1, (size_t)olen, &on);
    if (rc == 0) {
        rc = tree_lookup(s, ne, s->name2, (size_t)nlen, &nn);
        if (rc == -ENOENT) {
            nn = NULL;
            rc = 0;
        }
    }
    if (rc == 0)
        rc = rename_in(ss, oe, ne, on, nn, m);
    vfs_node_put(on);
    vfs_node_put(nn);
    vfs_node_put(oe);
    vfs_node_put(ne);
    return rc;
}

int64_t fs_op_readlink(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = fs_node_get(ss, m->a[0]);
    int64_t len;
    if (!n)
        return -EBADF;
    if (!S_ISLNK(n->type) || !n->fs->ops->readlink)
        return -EINVAL;
    len = n->fs->ops->readlink(n, (char *)buf->data, FS_DATA_MAX);
    if (len < 0)
        return len;
    return len < FS_DATA_MAX ? len : FS_DATA_MAX;
}

/* The inode number of entry de of directory d as the protocol shows it: in a
 * composition, a mount point's is its mounted root's (what LOOKUP gives), the others
 * belong to the instance that holds the names. */
static uint64_t dirent_ino(struct fs_server *s, struct vfs_node *d, const struct vfs_dirent *de)
{
    struct vfs_node *n, *eff;
    struct linux_stat st;
    uint64_t ino = de->ino, dev = d->fs->dev;
    if (!s->composed)
        return ino;
    if (vfs_is_mount_entry(d, de->name, de->len)) {
        if (tree_lookup(s, d, de->name, de->len, &n) == 0) {
            if (vfs_getattr(n, &st) == 0) {
                ino = st.st_ino;
                dev = st.st_dev;
            }
            vfs_node_put(n);
        }
        return ino_of(s, dev, ino);
    }
    eff = vfs_names_dir(d, false);
    if (eff) {
        dev = eff->fs->dev;
        vfs_node_put(eff);
    }
    return ino_of(s, dev, ino);
}

int64_t fs_op_readdir(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *d;
    uint64_t pos = m->a[1] < 2 ? 2 : m->a[1];
    size_t size = m->a[2] < FS_DATA_MAX ? (size_t)m->a[2] : FS_DATA_MAX, used = 0;
    int64_t count = 0;
    int rc = get_dir(ss, m->a[0], &d);
    if (rc < 0)
        return rc;
    if ((rc = fs_may(ss, d, R_OK)) < 0)
        return rc;
    if (d->fs->ops->readdir) {
        for (;;) {
            struct vfs_dirent de;
            struct fs_dirent rec;
            size_t len, reclen;
            rc = d->fs->ops->readdir(d, pos, &de);
            if (rc < 0) {
                if (count)
                    break;
                return rc;
            }
            if (rc == 0)
                break;
            len = de.len <= NAME_MAX ? de.len : NAME_MAX;
            reclen = (sizeof rec + len + 1 + 7) & ~(size_t)7;
            if (used + reclen > size) {
                if (count == 0)
                    return -EINVAL;
                break;
            }
            /* a private copy: the name may not outlive another call on the fs */
            memcpy(ss->s->name2, de.name, len);
            de.name = ss->s->name2;
            de.len = len;
            memset(&rec, 0, sizeof rec);
            rec.ino = dirent_ino(ss->s, d, &de);
            rec.next = de.next;
            rec.reclen = (uint16_t)reclen;
            rec.type = de.type;
            rec.namelen = (uint8_t)len;
            memcpy(buf->data + used, &rec, sizeof rec);
            memcpy(buf->data + used + sizeof rec, de.name, len);
            memset(buf->data + used + sizeof rec + len, 0, reclen - sizeof rec - len);
            used += reclen;
            count++;
            if (de.next <= pos) /* a plugin that does not move on: stop here */
                break;
            pos = de.next;
        }
    }
    m->r[1] = (int64_t)pos;
    return count;
}
