/*
 * The request decoder of the server library (fs_server_handle) and the operations on
 * attributes, handles, file data and locks (the name operations are in fs_names.c,
 * FS_MAP in fs_mapped.c). Each request is decoded and checked completely (the
 * client is trusted for nothing: its path walk and permission checks protect only
 * itself), then the plugin's operations are called directly, with the checks the VFS
 * core makes before it calls a plugin (vfs/open.c, vfs/attr.c, vfs/file.c).
 *
 * Names, the setattr structure and everything else read from the shared buffer are
 * copied before they are checked (the client may change the buffer at any time).
 *
 * Every request that can change the tree marks the server dirty; with coherence on
 * (fs_server_set_coherent), every session's buffer gets the new change count before
 * the answer goes out.
 */
#include "fs_server_internal.h"

/* ---- operations ---- */

static int64_t op_attach(struct fs_session *ss, struct fs_msg *m)
{
    struct linux_stat st;
    int64_t num;
    int rc = vfs_getattr(ss->root, &st);
    uint32_t pid = ss->pid;
    if (rc < 0)
        return rc;
    m->r[1] = st.st_mode;
    if (ss->root_num && fs_ent_get(ss, ss->root_num))
        return (int64_t)ss->root_num; /* the session's, as every ATTACH of it answers */
    vfs_node_get(ss->root);
    ss->pid = 0; /* the session's reference: no process's, so no FS_GONE drops it */
    num = fs_node_ref(ss, ss->root);
    ss->pid = pid;
    if (num > 0)
        ss->root_num = (uint64_t)num;
    return num;
}

static int64_t op_getattr(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = fs_node_get(ss, m->a[0]);
    struct linux_stat st;
    int rc;
    if (!n)
        return -EBADF;
    rc = vfs_getattr(n, &st);
    if (rc < 0)
        return rc;
    st.st_ino = ino_of(ss->s, st.st_dev, st.st_ino);
    st.st_dev = 0;
    memcpy(buf->data, &st, sizeof st);
    return 0;
}

static bool time_valid(int64_t nsec)
{
    return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec < 1000000000);
}

/* SETATTR on n (the node that takes the attributes: a composition directory's
 * backing). */
static int64_t setattr_node(struct fs_session *ss, struct vfs_node *n, struct fs_buf *buf)
{
    struct fs_setattr in;
    struct vfs_setattr a = {0};
    struct linux_timespec now;
    struct linux_stat st;
    uint64_t old = 0;
    int rc;
    memcpy(&in, buf->data, sizeof in);
    if (in.mask & ~(uint32_t)(VFS_SET_MODE | VFS_SET_UID | VFS_SET_GID | VFS_SET_SIZE |
                              VFS_SET_ATIME | VFS_SET_MTIME))
        return -EINVAL;
    if (((in.mask & VFS_SET_ATIME) && !time_valid(in.atime_nsec)) ||
        ((in.mask & VFS_SET_MTIME) && !time_valid(in.mtime_nsec)))
        return -EINVAL;
    if ((in.mask & VFS_SET_SIZE) && in.size > (uint64_t)INT64_MAX)
        return -EINVAL;
    if (!ss->writeable || (n->fs->flags & VFS_FS_RDONLY))
        return -EROFS;
    if ((in.mask & VFS_SET_MODE) && S_ISLNK(n->type))
        return -EOPNOTSUPP;
    if ((in.mask & VFS_SET_SIZE) && !S_ISREG(n->type))
        return S_ISDIR(n->type) ? -EISDIR : -EINVAL;
    now = vfs_now(&ss->s->env);
    a.mask = in.mask;
    a.mode = in.mode & 07777;
    a.uid = in.uid;
    a.gid = in.gid;
    a.size = in.size;
    a.atime.tv_sec = in.atime_sec;
    a.atime.tv_nsec = in.atime_nsec;
    a.mtime.tv_sec = in.mtime_sec;
    a.mtime.tv_nsec = in.mtime_nsec;
    if ((a.mask & VFS_SET_ATIME) && a.atime.tv_nsec == UTIME_NOW)
        a.atime = now;
    if ((a.mask & VFS_SET_MTIME) && a.mtime.tv_nsec == UTIME_NOW)
        a.mtime = now;
    if ((a.mask & VFS_SET_ATIME) && a.atime.tv_nsec == UTIME_OMIT)
        a.mask &= ~VFS_SET_ATIME;
    if ((a.mask & VFS_SET_MTIME) && a.mtime.tv_nsec == UTIME_OMIT)
        a.mask &= ~VFS_SET_MTIME;
    rc = fs_may_setattr(
        ss, n, &a,
        ((in.mask & VFS_SET_ATIME) && in.atime_nsec != UTIME_NOW && in.atime_nsec != UTIME_OMIT) ||
            ((in.mask & VFS_SET_MTIME) && in.mtime_nsec != UTIME_NOW &&
             in.mtime_nsec != UTIME_OMIT));
    if (rc < 0)
        return rc;
    if (a.mask & VFS_SET_SIZE) {
        rc = vfs_getattr(n, &st);
        if (rc < 0)
            return rc;
        old = (uint64_t)st.st_size;
        if (a.size > old && data_charged(n) && (rc = quota_check(ss, a.size - old)) < 0)
            return rc;
    }
    if ((a.mask & VFS_SET_SIZE) && (rc = fs_busy_check_write(ss->s, n)) < 0)
        return rc; /* a running program's file */
    if (!n->fs->ops->setattr)
        return -EPERM;
    rc = n->fs->ops->setattr(n, &a);
    if (rc < 0)
        return rc;
    if ((a.mask & VFS_SET_SIZE) && data_charged(n)) {
        if (a.size > old)
            quota_charge(ss, a.size - old);
        else
            quota_credit(ss, old - a.size);
    }
    if (a.mask & VFS_SET_SIZE) {
        fs_mapped_resized(ss->s, n, old, a.size);
    }
    return 0;
}

static int64_t op_setattr(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct vfs_node *n = fs_node_get(ss, m->a[0]);
    int64_t rc;
    if (!n)
        return -EBADF;
    n = vfs_attr_node(n);
    rc = setattr_node(ss, n, buf);
    vfs_node_put(n);
    return rc;
}

/* One more reference of the session on the node or handle num (kind FS_OWN_NODE or
 * FS_OWN_HANDLE) whose count is *refs: 0, or -EOVERFLOW at FS_MAX_REFS. */
static int64_t take_ref(struct fs_session *ss, uint32_t *refs, unsigned kind, uint64_t num)
{
    if (*refs >= FS_MAX_REFS)
        return -EOVERFLOW;
    (*refs)++;
    fs_owned_add(ss, kind, num);
    return 0;
}

/* One reference fewer (take_ref's other half): true when it was the last. */
static bool put_ref(struct fs_session *ss, uint32_t *refs, unsigned kind, uint64_t num)
{
    fs_owned_sub(ss, kind, num);
    return --*refs == 0;
}

static int64_t op_acquire(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_ent *e = fs_ent_get(ss, m->a[0]);
    if (!e)
        return -EBADF;
    return take_ref(ss, &e->refs, FS_OWN_NODE, m->a[0]);
}

static int64_t op_release(struct fs_session *ss, struct fs_msg *m);
static int64_t op_dup(struct fs_session *ss, struct fs_msg *m);
static int64_t op_close(struct fs_session *ss, struct fs_msg *m);

/* FS_REFS: references taken (a fork child's) or given back (an ending process's) many
 * at a time; each number is read once from the buffer and is 0 there when refused. */
static int64_t op_refs(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    uint64_t nodes = m->a[0], handles = m->a[1], done = 0, i;
    uint64_t *num = (uint64_t *)(void *)buf->data;
    bool give = m->a[2] == FS_REFS_GIVE;
    if (nodes > FS_REFS_MAX || handles > FS_REFS_MAX - nodes || m->a[2] > FS_REFS_GIVE || m->a[3] ||
        m->a[4])
        return -EINVAL;
    for (i = 0; i < nodes + handles; i++) {
        struct fs_msg one = {.op = 0, .a = {__atomic_load_n(&num[i], __ATOMIC_RELAXED)}};
        int64_t r = i < nodes ? (give ? op_release(ss, &one) : op_acquire(ss, &one))
                              : (give ? op_close(ss, &one) : op_dup(ss, &one));
        if (r < 0)
            __atomic_store_n(&num[i], 0, __ATOMIC_RELAXED);
        else
            done++;
    }
    return (int64_t)done;
}

static int64_t op_release(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_ent *e = fs_ent_get(ss, m->a[0]);
    if (!e)
        return -EBADF;
    if (m->a[0] == ss->root_num && e->refs == 1)
        return 0; /* the session's own reference stays until its end */
    if (put_ref(ss, &e->refs, FS_OWN_NODE, m->a[0]))
        fs_ent_drop(ss->s, e);
    return 0;
}

static bool wants_write(uint64_t flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

static int64_t op_open(struct fs_session *ss, struct fs_msg *m)
{
    struct vfs_node *n = fs_node_get(ss, m->a[0]);
    uint64_t flags = m->a[1];
    struct vfs_file *f;
    struct linux_stat st;
    uint32_t stored;
    int64_t num;
    int rc;
    if (!n)
        return -EBADF;
    if (flags > 0xffffffffu || (flags & O_PATH) || (flags & O_TMPFILE) == O_TMPFILE)
        return -EINVAL;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY))
        return -EINVAL;
    if (S_ISLNK(n->type))
        return -ELOOP;
    if ((flags & O_DIRECTORY) && !S_ISDIR(n->type))
        return -ENOTDIR;
    if (S_ISDIR(n->type) && ((flags & O_CREAT) || wants_write(flags)))
        return -EISDIR;
    if ((!ss->writeable || (n->fs->flags & VFS_FS_RDONLY)) && wants_write(flags))
        return -EROFS;
    if (!S_ISREG(n->type) && !S_ISDIR(n->type))
        return -ENXIO; /* devices, FIFOs and sockets have no function in a server */
    /* the open of the file this sub-client and pid made in the request before: the open
     * that creates, not checked against the new file's mode (the plugin's flags carry no
     * O_CREAT: the description keeps none) */
    bool created = ss->cred && ss->fresh_num == m->a[0] && ss->fresh_cred == ss->cred &&
                   ss->fresh_pid == ss->pid;
    ss->fresh_num = 0;
    if (!created && (rc = fs_may(ss, n,
                                 ((flags & O_ACCMODE) != O_WRONLY ? R_OK : 0) |
                                     (wants_write(flags) ? W_OK : 0))) < 0)
        return rc;
    if (wants_write(flags) && (rc = fs_busy_check_write(ss->s, n)) < 0)
        return rc; /* a running program's file (FS_EXEC) */
    stored = ((uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) |
             O_LARGEFILE;
    rc = vfs_file_open_node(n, stored, &f);
    if (rc < 0)
        return rc;
    if ((flags & O_TRUNC) && S_ISREG(n->type)) {
        struct vfs_setattr sa = {0};
        sa.mask = VFS_SET_SIZE | VFS_SET_MTIME;
        sa.mtime = vfs_now(&ss->s->env);
        rc = vfs_getattr(n, &st);
        if (rc == 0)
            rc = n->fs->ops->setattr ? n->fs->ops->setattr(n, &sa) : -EPERM;
        if (rc < 0) {
            vfs_file_put(f);
            return rc;
        }
        if (st.st_size > 0)
            quota_credit(ss, (uint64_t)st.st_size);
        fs_mapped_resized(ss->s, n, (uint64_t)st.st_size, 0);
    }
    num = fs_handle_new(ss, f);
    if (num > 0 && S_ISREG(n->type) && writable(f)) {
        struct fs_handle *h = fs_handle_get(ss, (uint64_t)num);
        rc = fs_busy_take(ss->s, h, FS_BUSY_WRITER);
        if (rc < 0) {
            fs_handle_drop(ss, h);
            return rc;
        }
    }
    return num;
}

/* FS_GONE: the references a process that ended without giving them back held. */
static int64_t op_gone(struct fs_session *ss, struct fs_msg *m)
{
    if (!m->a[0] || m->a[0] > 0x7fffffffu || m->a[1] || m->a[2] || m->a[3] || m->a[4])
        return -EINVAL;
    fs_owned_gone(ss, (uint32_t)m->a[0]);
    return 0;
}

/* FS_EXEC: the handle holds its file as a running program's (fs_busy). */
static int64_t op_exec(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (m->a[1] || m->a[2] || m->a[3] || m->a[4])
        return -EINVAL;
    if (!S_ISREG(h->f->node->type) || !readable(h->f))
        return -EACCES;
    int rc = fs_may(ss, h->f->node, X_OK);
    if (rc < 0)
        return rc;
    if (writable(h->f))
        return -ETXTBSY; /* it is open for writing itself */
    return fs_busy_take(ss->s, h, FS_BUSY_IMAGE);
}

static int64_t op_dup(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    return take_ref(ss, &h->refs, FS_OWN_HANDLE, m->a[0]);
}

static int64_t op_close(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (put_ref(ss, &h->refs, FS_OWN_HANDLE, m->a[0]))
        fs_handle_drop(ss, h);
    return 0;
}

static int64_t op_read(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct vfs_file *f;
    bool at_handle = m->a[2] == FS_POS_HANDLE;
    bool no_data = (m->a[1] & FS_READ_NO_DATA) != 0;
    uint64_t off, want = m->a[1] & ~FS_READ_NO_DATA;
    int64_t r;
    if (!h)
        return -EBADF;
    f = h->f;
    if (want > FS_DATA_MAX || (!at_handle && m->a[2] > (uint64_t)INT64_MAX))
        return -EINVAL;
    if (!readable(f))
        return -EBADF;
    if (!at_handle && f->stream)
        return -ESPIPE;
    if (S_ISDIR(f->node->type))
        return -EISDIR;
    if (!f->node->fs->ops->read)
        return -EINVAL;
    off = at_handle ? f->pos : m->a[2];
    mp = fs_mapped_find(ss->s, ss, f->node);
    if (mp && fs_mirrors(f->node) && !fs_mirror_holds(mp, off, want))
        mp = NULL; /* a copy without these chunks: the plugin's bytes */
    if (mp) {
        struct linux_stat st;
        int rc = vfs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        r = off < (uint64_t)st.st_size ? (int64_t)((uint64_t)st.st_size - off) : 0;
        if (r > (int64_t)want)
            r = (int64_t)want;
        if (!no_data) /* else the client copies from its views of the chunks */
            fs_mapped_copy(ss->s, mp, off, buf->data, NULL, (uint64_t)r, NULL);
        m->r[2] = no_data;
    } else {
        /* the read may move the access time (relatime): only then do the clients' cached
         * attributes go stale (a gen step); reads that move nothing keep them, so a
         * client need not ask for them again before its next read */
        struct linux_stat before, after;
        bool known = vfs_getattr(f->node, &before) == 0;
        r = f->node->fs->ops->read(f, buf->data, (size_t)want, off);
        if (!known || vfs_getattr(f->node, &after) < 0 ||
            after.st_atim.tv_sec != before.st_atim.tv_sec ||
            after.st_atim.tv_nsec != before.st_atim.tv_nsec)
            ss->s->attrs_moved = true;
    }
    if (r > (int64_t)want)
        r = (int64_t)want;
    if (r > 0 && at_handle && !f->stream)
        f->pos += (uint64_t)r;
    m->r[1] = (int64_t)off;
    return r;
}

static int64_t op_write(struct fs_session *ss, struct fs_msg *m, struct fs_buf *buf)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    struct fs_mapped *mp;
    struct vfs_file *f;
    struct linux_stat st;
    bool at_handle = m->a[2] == FS_POS_HANDLE;
    uint64_t n = m->a[1], at, end, size, allowed, growth;
    int64_t r;
    int rc;
    if (!h)
        return -EBADF;
    f = h->f;
    if (n > FS_DATA_MAX || (!at_handle && m->a[2] > (uint64_t)INT64_MAX))
        return -EINVAL;
    if (!ss->writeable)
        return -EROFS;
    if (!writable(f))
        return -EBADF;
    if (!at_handle && f->stream)
        return -ESPIPE;
    if (!f->node->fs->ops->write)
        return -EINVAL;
    if (n == 0)
        return 0;
    at = at_handle ? f->pos : m->a[2];
    if (!f->stream && at + n > (uint64_t)INT64_MAX) {
        if (at >= (uint64_t)INT64_MAX)
            return -EFBIG;
        n = (uint64_t)INT64_MAX - at;
    }
    rc = vfs_getattr(f->node, &st);
    if (rc < 0)
        return rc;
    size = (uint64_t)st.st_size;
    /* the quota: cut the write where it would grow the file beyond what is left (data
     * on a device is the device's to refuse: ENOSPC from the plugin) */
    allowed = !data_charged(f->node) ? UINT64_MAX : ss->used < ss->quota ? ss->quota - ss->used : 0;
    end = ((f->flags & O_APPEND) ? size : at) + n;
    growth = end > size ? end - size : 0;
    if (growth > allowed) {
        if (growth - allowed >= n)
            return -ENOSPC;
        n -= growth - allowed;
    }
    mp = fs_mapped_find(ss->s, ss, f->node);
    if (mp && !fs_mirrors(f->node)) {
        r = fs_mapped_write(ss, mp, f, buf->data, n, &at, size);
    } else {
        r = f->node->fs->ops->write(f, buf->data, (size_t)n, &at);
        if ((r == -ENOSPC || r == -ENOMEM) && ss->s->mapped && !mp) {
            /* the memory of removed mapped files that only the periodic collection
             * would free yet (their last client let go): theirs first */
            fs_server_collect(ss->s);
            r = f->node->fs->ops->write(f, buf->data, (size_t)n, &at);
        }
        if (mp && r > 0)
            fs_mirror_wrote(ss, mp, size, at - (uint64_t)r, buf->data, (uint64_t)r);
        else if (mp && r < 0)
            fs_mirror_drop(ss->s, mp); /* what a failed write left is the plugin's */
    }
    if (r < 0)
        return r;
    if (at_handle && !f->stream)
        f->pos = at;
    if (data_charged(f->node) && vfs_getattr(f->node, &st) == 0 && (uint64_t)st.st_size > size)
        quota_charge(ss, (uint64_t)st.st_size - size);
    return r;
}

static int64_t set_pos(struct vfs_file *f, int64_t pos)
{
    if (pos < 0)
        return -EINVAL;
    f->pos = (uint64_t)pos;
    return pos;
}

static int64_t op_seek(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    struct vfs_file *f;
    struct linux_stat st;
    int64_t off = (int64_t)m->a[1], cur, size;
    int rc;
    if (!h)
        return -EBADF;
    f = h->f;
    if (m->a[2] != SEEK_SET && m->a[2] != SEEK_CUR && m->a[2] != SEEK_END)
        return -EINVAL;
    if (f->node->fs->ops->llseek)
        return f->node->fs->ops->llseek(f, off, (int)m->a[2]);
    if (f->stream)
        return -ESPIPE;
    cur = (int64_t)f->pos;
    switch (m->a[2]) {
    case SEEK_SET:
        return set_pos(f, off);
    case SEEK_CUR:
        if ((off > 0 && cur > INT64_MAX - off) || (off < 0 && cur < INT64_MIN - off))
            return -EINVAL;
        return set_pos(f, cur + off);
    default:
        if (S_ISDIR(f->node->type))
            return -EINVAL;
        rc = vfs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        size = st.st_size;
        if ((off > 0 && size > INT64_MAX - off) || (off < 0 && size < INT64_MIN - off))
            return -EINVAL;
        return set_pos(f, size + off);
    }
}

static int64_t op_flags(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    struct vfs_file *f;
    if (!h)
        return -EBADF;
    f = h->f;
    if (m->a[1] != FS_FLAGS_KEEP) {
        f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
                   ((uint32_t)m->a[1] & (O_APPEND | O_NONBLOCK));
        if (f->node->fs->ops->fcntl)
            f->node->fs->ops->fcntl(f, F_SETFL, f->flags);
    }
    return f->flags;
}

static int64_t op_statfs(struct fs_session *ss, struct fs_buf *buf)
{
    struct vfs_node *rn = vfs_attr_node(ss->root); /* the instance the root shows */
    struct vfs_fs *fs = rn->fs;
    struct linux_statfs st;
    uint64_t left;
    int rc = 0;
    vfs_node_put(rn); /* the vfs keeps the instance */
    memset(&st, 0, sizeof st);
    st.f_bsize = 4096;
    st.f_frsize = 4096;
    st.f_namelen = NAME_MAX;
    if (fs->ops->statfs)
        rc = fs->ops->statfs(fs, &st);
    if (rc < 0)
        return rc;
    /* what the session may still make, if less than the file system has (in memory;
     * a device's space is what the device has) */
    left = (ss->used < ss->quota ? ss->quota - ss->used : 0) / 4096;
    if (!fs->ops->data_on_device && st.f_bavail > left)
        st.f_bavail = left;
    if (!fs->ops->data_on_device && st.f_bfree > left)
        st.f_bfree = left;
    st.f_fsid[0] = 0;
    st.f_fsid[1] = 0;
    /* ST_RDONLY for a read-only session only: the client takes it for the whole tree,
     * which may hold writable instances beside a read-only one */
    st.f_flags = ST_VALID | (ss->writeable ? 0 : ST_RDONLY);
    memcpy(buf->data, &st, sizeof st);
    return 0;
}

static int64_t op_fsync(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    if (!h)
        return -EBADF;
    if (!h->f->node->fs->ops->fsync)
        return -EINVAL;
    return h->f->node->fs->ops->fsync(h->f, m->a[1] == 1);
}

static int64_t op_syncfs(struct fs_session *ss)
{
    return fs_server_writeback(ss->s);
}

/* The requests that never change the tree (the others mark it dirty, even when they
 * fail: a failed write may have allocated). */
static bool changes_nothing(uint64_t op)
{
    switch (op) {
    case FS_ATTACH:
    case FS_LOOKUP:
    case FS_GETATTR:
    case FS_READLINK:
    case FS_READDIR:
    case FS_ACQUIRE:
    case FS_RELEASE:
    case FS_DUP:
    case FS_READ:
    case FS_SEEK:
    case FS_FLAGS:
    case FS_STATFS:
    case FS_SYNCFS:
    case FS_FSYNC:
    case FS_LOCK:
    case FS_EXEC:
    case FS_GONE:
        return true;
    default:
        return false;
    }
}

/* The requests after which a client may keep the names and attributes it has (no
 * fs_buf.gen step): those that change no name and no attribute. A READ that moves the
 * access time (relatime) says so (attrs_moved), an OPEN with O_TRUNC changes the size;
 * the rest change something. */
static bool keeps_attrs(const struct fs_msg *m)
{
    switch (m->op) {
    case FS_ATTACH:
    case FS_LOOKUP:
    case FS_GETATTR:
    case FS_READLINK:
    case FS_READDIR:
    case FS_ACQUIRE:
    case FS_RELEASE:
    case FS_DUP:
    case FS_REFS:
    case FS_READ:
    case FS_CLOSE:
    case FS_SEEK:
    case FS_FLAGS:
    case FS_STATFS:
    case FS_SYNCFS:
    case FS_FSYNC:
    case FS_LOCK:
    case FS_MAP:
    case FS_EXEC:
    case FS_GONE:
        return true;
    case FS_OPEN:
        return !(m->a[1] & O_TRUNC);
    default:
        return false;
    }
}

/* A change: every session's buffer gets the new count, before the answer goes out. */
static void gen_step(struct fs_server *s)
{
    s->gen++;
    for (struct fs_session *ss = s->sessions; ss; ss = ss->next)
        if (ss->buf)
            __atomic_store_n(&ss->buf->gen, s->gen, __ATOMIC_RELEASE);
}

void fs_server_set_coherent(struct fs_server *s)
{
    if (s && !s->gen)
        s->gen = 1;
}

bool fs_server_dirty(const struct fs_server *s)
{
    return s->dirty;
}

int fs_server_writeback(struct fs_server *s)
{
    s->dirty = false; /* changes from here on are the next sync's */
    int r = vfs_sync(s->vfs);
    if (r < 0)
        s->dirty = true; /* still held: tried again later */
    return r;
}

/* FS_LOCK (docs/locks.md): the owner is the handle, or a pid the client names, always
 * within this session. */
static int64_t op_lock(struct fs_session *ss, struct fs_msg *m)
{
    struct fs_server *s = ss->s;
    struct fs_handle *h = fs_handle_get(ss, m->a[0]);
    uint64_t a1 = m->a[1];
    unsigned cmd = a1 & 0xff, type = (a1 >> 8) & 0xff, table = (a1 & FS_LOCK_FLOCK) ? 1 : 0;
    bool by_handle = (a1 & (FS_LOCK_OFD | FS_LOCK_FLOCK)) != 0;
    int64_t r[5] = {0}, rc;
    uint64_t owner;
    if (m->a[0] == 0 && a1 == FS_LOCK_RELEASE && m->a[4] && m->a[4] <= 0x7fffffffu) {
        /* no handle: every record lock of the pid in this session (its launcher, when
         * the process died without closing its files) */
        fs_lock_release(&s->locks, &s->env, NULL, ~0ull, ((uint64_t)ss->sid << 32) | m->a[4],
                        &ss->nlocks);
        return 0;
    }
    if (!h)
        return -EBADF;
    if ((a1 & ~(uint64_t)(0xffffu | FS_LOCK_OFD | FS_LOCK_FLOCK)) ||
        ((a1 & FS_LOCK_OFD) && (a1 & FS_LOCK_FLOCK)) || cmd > FS_LOCK_RELEASE || type > RL_WRITE ||
        m->a[2] > (uint64_t)INT64_MAX || m->a[3] > (uint64_t)INT64_MAX || m->a[2] > m->a[3] ||
        (!by_handle && (m->a[4] == 0 || m->a[4] > 0x7fffffffu)))
        return -EINVAL;
    owner = ((uint64_t)ss->sid << 32) |
            (by_handle ? FS_LOCK_OWNER_HANDLE | (uint32_t)(h - ss->handles + 1) : m->a[4]);
    if (cmd == FS_LOCK_RELEASE) {
        fs_lock_release(&s->locks, &s->env, h->f->node, ~0ull, owner, &ss->nlocks);
        return 0;
    }
    /* fcntl locks need the matching access mode (flock does not) */
    if (!table && cmd != FS_LOCK_GET &&
        ((type == RL_READ && !readable(h->f)) || (type == RL_WRITE && !writable(h->f))))
        return -EBADF;
    rc = fs_lock_request(&s->locks, &s->env, h->f->node, cmd, (int)type, table, owner,
                         (int64_t)m->a[2], (int64_t)m->a[3],
                         s->env.now_ns ? s->env.now_ns(s->env.ctx) : 0, &ss->nlocks, r);
    for (unsigned i = 1; i < 5; i++)
        m->r[i] = r[i];
    return rc;
}

void fs_server_handle(struct fs_server *s, struct fs_session *ss, struct fs_msg *m,
                      struct fs_buf *buf)
{
    int64_t r;
    unsigned i;
    for (i = 0; i < 5; i++)
        m->r[i] = 0;
    if (!s || !ss || ss->s != s || !buf) {
        m->r[0] = -EINVAL;
        return;
    }
    ss->buf = buf;
    ss->pid = (uint32_t)__atomic_load_n(&buf->lock, __ATOMIC_RELAXED);
    if (ss->pid > 0x7fffffffu)
        ss->pid = 0; /* no process: its references are the session's alone */
    if (s->gen) {    /* rewritten each time: the client's side of the page is not trusted */
        __atomic_store_n(&buf->gen, s->gen, __ATOMIC_RELEASE);
        __atomic_store_n(&buf->maps, s->maps, __ATOMIC_RELEASE);
    }
    /* a just-made file stays fresh for the creator's next request, and past its
     * SETATTR of it (the plugin gives the file the owner its core chose) */
    uint64_t fresh = ss->fresh_num;
    bool own = ss->fresh_cred == ss->cred && ss->fresh_pid == ss->pid;
    ss->fresh_num = 0;
    if ((m->op != FS_OPEN && m->op != FS_SETATTR) || !own)
        fresh = 0;
    switch (m->op) {
    case FS_ATTACH:
        r = op_attach(ss, m);
        break;
    case FS_LOOKUP:
        r = fs_op_lookup(ss, m, buf);
        break;
    case FS_GETATTR:
        r = op_getattr(ss, m, buf);
        break;
    case FS_SETATTR:
        r = op_setattr(ss, m, buf);
        if (fresh && m->a[0] == fresh && r >= 0)
            ss->fresh_num = fresh; /* still the creator's, for its open */
        break;
    case FS_CREATE:
        r = fs_op_create(ss, m, buf);
        break;
    case FS_LINK:
        r = fs_op_link(ss, m, buf);
        break;
    case FS_UNLINK:
        r = fs_op_unlink(ss, m, buf);
        break;
    case FS_RENAME:
        r = fs_op_rename(ss, m, buf);
        break;
    case FS_READLINK:
        r = fs_op_readlink(ss, m, buf);
        break;
    case FS_READDIR:
        r = fs_op_readdir(ss, m, buf);
        break;
    case FS_REFS:
        r = op_refs(ss, m, buf);
        break;
    case FS_ACQUIRE:
        r = op_acquire(ss, m);
        break;
    case FS_RELEASE:
        r = op_release(ss, m);
        break;
    case FS_OPEN:
        if (m->a[2]) { /* a close put off until this open (its outcome is not told) */
            struct fs_msg c = {.op = FS_CLOSE, .a = {m->a[2]}};
            op_close(ss, &c);
        }
        ss->fresh_num = fresh; /* op_open takes it */
        r = op_open(ss, m);
        break;
    case FS_DUP:
        r = op_dup(ss, m);
        break;
    case FS_CLOSE:
        r = op_close(ss, m);
        break;
    case FS_READ:
        r = op_read(ss, m, buf);
        break;
    case FS_WRITE:
        r = op_write(ss, m, buf);
        break;
    case FS_SEEK:
        r = op_seek(ss, m);
        break;
    case FS_FLAGS:
        r = op_flags(ss, m);
        break;
    case FS_STATFS:
        r = op_statfs(ss, buf);
        break;
    case FS_SYNCFS:
        r = op_syncfs(ss);
        break;
    case FS_FSYNC:
        r = op_fsync(ss, m);
        break;
    case FS_MAP:
        r = fs_op_map(ss, m);
        break;
    case FS_LOCK:
        r = op_lock(ss, m);
        break;
    case FS_EXEC:
        r = op_exec(ss, m);
        break;
    case FS_GONE: /* the launcher's, for a process that ended: no sub-client's */
        r = ss->cred ? -EPERM : op_gone(ss, m);
        break;
    default:
        r = -ENOSYS;
        break;
    }
    if (!changes_nothing(m->op) && r != -ENOSYS &&
        (m->op != FS_REFS || m->a[2] == FS_REFS_GIVE)) /* a close may free a file */
        s->dirty = true;
    if (s->gen && (!keeps_attrs(m) || s->attrs_moved))
        gen_step(s);
    s->attrs_moved = false;
    if (r < 0)
        for (i = 1; i < 5; i++)
            m->r[i] = 0;
    m->r[0] = r;
}
