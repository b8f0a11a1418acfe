/*
 * Open file descriptions and the calls on descriptors: read, write, seek, getdents,
 * ioctl, poll, fsync. A description holds one reference on its node; the plugin's
 * open/close bracket its life (not for O_PATH descriptions, which only name a node).
 * The offset lives in the description, so descriptors made by dup (and, through the
 * runtime, fork) share it. Directory offsets are the positions of readdir.
 *
 * Remote offsets: a description whose plugin set f->remote_pos in open (the fs plugin:
 * the offset is its server's, shared with other processes) gets VFS_OFF_REMOTE as the
 * offset of read, write, readv and writev, and keeps it up to date itself; lseek goes to
 * its llseek, and the few places that need the offset here (copy_file_range, FIONREAD)
 * ask that with SEEK_CUR. f->pos is then unused.
 */
#include "vfs_internal.h"
#include <capix/range_lock.h>

#include <string.h>

#define VFS_MAX_RW 0x7ffff000u /* Linux's MAX_RW_COUNT: longer transfers are cut */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

static bool readable(const struct vfs_file *f)
{
    return !(f->flags & O_PATH) &&
           ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_RDWR);
}

static bool writable(const struct vfs_file *f)
{
    return !(f->flags & O_PATH) &&
           ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_RDWR);
}

struct vfs_file *vfs_get_file(struct vfs *v, int fd)
{
    return vfs_fd_lookup(&v->fds, fd);
}

struct vfs_fd_table *vfs_fd_table(struct vfs *v)
{
    return &v->fds;
}

struct vfs_file *vfs_fd_file(struct vfs *v, int fd)
{
    return vfs_fd_lookup(&v->fds, fd);
}

int vfs_file_open_node(struct vfs_node *node, uint32_t flags, struct vfs_file **out)
{
    const struct vfs_env *env = node->fs->env;
    struct vfs_file *f = vfs_zalloc(env, sizeof *f);
    int rc;
    if (!f)
        return -ENOMEM;
    f->node = node;
    vfs_node_get(node);
    f->flags = flags;
    f->refs = 1;
    if (!(flags & O_PATH) && node->fs->ops->open) {
        rc = node->fs->ops->open(f);
        if (rc < 0) {
            vfs_node_put(node);
            vfs_free(env, f, sizeof *f);
            return rc;
        }
    }
    *out = f;
    return 0;
}

void vfs_file_get(struct vfs_file *f)
{
    f->refs++;
}

void vfs_file_put(struct vfs_file *f)
{
    struct vfs_node *node;
    const struct vfs_env *env;
    if (!f || --f->refs > 0)
        return;
    node = f->node;
    env = node->fs->env;
    if (!(f->flags & O_PATH) && node->fs->ops->close)
        node->fs->ops->close(f);
    vfs_node_put(f->parent);
    vfs_node_put(node);
    vfs_free(env, f, sizeof *f);
}

int vfs_file_stat(struct vfs_file *f, struct linux_stat *st)
{
    return vfs_getattr(f->node, st);
}

static int64_t do_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    if (!readable(f))
        return -EBADF;
    if (S_ISDIR(f->node->type))
        return -EISDIR;
    if (!f->node->fs->ops->read)
        return -EINVAL;
    if (n > VFS_MAX_RW)
        n = VFS_MAX_RW;
    return f->node->fs->ops->read(f, buf, n, off);
}

static int64_t do_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    if (!writable(f))
        return -EBADF;
    if (!f->node->fs->ops->write)
        return -EINVAL;
    if (n > VFS_MAX_RW)
        n = VFS_MAX_RW;
    if (!f->stream && *off != VFS_OFF_REMOTE && *off + n > (uint64_t)INT64_MAX) {
        if (*off >= (uint64_t)INT64_MAX)
            return -EFBIG;
        n = (size_t)((uint64_t)INT64_MAX - *off);
    }
    return f->node->fs->ops->write(f, buf, n, off);
}

int64_t vfs_file_pread(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    return do_read(f, buf, n, off);
}

int64_t vfs_file_pwrite(struct vfs_file *f, const void *buf, size_t n, uint64_t off)
{
    return do_write(f, buf, n, &off);
}

int vfs_file_map(struct vfs_file *f, uint64_t page, unsigned more, struct vfs_map *out)
{
    out->nmore = 0;
    if (!f->node->fs->ops->map)
        return -ENODEV;
    return f->node->fs->ops->map(f, page, more < VFS_MAP_MORE ? more : VFS_MAP_MORE, out);
}

/* The offset a plain read or write starts at (VFS_OFF_REMOTE: the plugin's own). */
static uint64_t cur_off(const struct vfs_file *f)
{
    return f->remote_pos ? VFS_OFF_REMOTE : f->pos;
}

/* Stores the offset after a plain read or write. */
static void set_off(struct vfs_file *f, uint64_t off)
{
    if (!f->stream && !f->remote_pos)
        f->pos = off;
}

/* The description's offset, asking the plugin for a remote one; >= 0 or -errno. */
static int64_t get_pos(struct vfs_file *f)
{
    if (f->remote_pos)
        return f->node->fs->ops->llseek ? f->node->fs->ops->llseek(f, 0, SEEK_CUR) : -ESPIPE;
    return (int64_t)f->pos;
}

/* Moves the description's offset to pos (a remote one through the plugin). */
static void put_pos(struct vfs_file *f, uint64_t pos)
{
    if (!f->remote_pos)
        f->pos = pos;
    else if (f->node->fs->ops->llseek)
        f->node->fs->ops->llseek(f, (int64_t)pos, SEEK_SET);
}

int64_t vfs_read(struct vfs *v, int fd, void *buf, size_t n)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    int64_t r;
    if (!f)
        return -EBADF;
    r = do_read(f, buf, n, cur_off(f));
    if (r > 0)
        set_off(f, f->pos + (uint64_t)r);
    return r;
}

int64_t vfs_write(struct vfs *v, int fd, const void *buf, size_t n)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    uint64_t off;
    int64_t r;
    if (!f)
        return -EBADF;
    off = cur_off(f);
    r = do_write(f, buf, n, &off);
    if (r >= 0)
        set_off(f, off);
    return r;
}

int64_t vfs_pread(struct vfs *v, int fd, void *buf, size_t n, int64_t off)
{
    struct vfs_file *f;
    if (off < 0)
        return -EINVAL;
    f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->stream)
        return -ESPIPE;
    return do_read(f, buf, n, (uint64_t)off);
}

int64_t vfs_pwrite(struct vfs *v, int fd, const void *buf, size_t n, int64_t off)
{
    struct vfs_file *f;
    uint64_t o = (uint64_t)off;
    if (off < 0)
        return -EINVAL;
    f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->stream)
        return -ESPIPE;
    return do_write(f, buf, n, &o);
}

/* Checks an iovec array as Linux does: at most UIO_MAXIOV entries, lengths adding up
 * to no more than INT64_MAX. */
static int check_iov(const struct linux_iovec *iov, int n)
{
    uint64_t total = 0;
    int i;
    if (n < 0 || n > UIO_MAXIOV)
        return -EINVAL;
    if (n > 0 && !iov)
        return -EFAULT;
    for (i = 0; i < n; i++) {
        if (iov[i].iov_len > (uint64_t)INT64_MAX - total)
            return -EINVAL;
        total += iov[i].iov_len;
    }
    return 0;
}

/* Transfers iov in order at *off (moving it), stopping at the first short transfer;
 * an error after some bytes gives those bytes. */
static int64_t transfer_v(struct vfs_file *f, const struct linux_iovec *iov, int n, uint64_t *off,
                          bool write)
{
    int64_t done = 0;
    int i;
    for (i = 0; i < n; i++) {
        uint64_t at = *off;
        int64_t r;
        if (iov[i].iov_len == 0)
            continue;
        r = write ? do_write(f, iov[i].iov_base, iov[i].iov_len, &at)
                  : do_read(f, iov[i].iov_base, iov[i].iov_len, at);
        if (r < 0)
            return done ? done : r;
        done += r;
        if (*off != VFS_OFF_REMOTE)
            *off = write ? at : at + (uint64_t)r;
        if ((size_t)r < iov[i].iov_len)
            break;
    }
    return done;
}

static int64_t rw_vector(struct vfs *v, int fd, const struct linux_iovec *iov, int n, int64_t off,
                         bool positional, bool write)
{
    struct vfs_file *f;
    uint64_t at;
    int64_t r;
    int rc;
    if (positional && off < -1)
        return -EINVAL;
    f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!(write ? writable(f) : readable(f)))
        return -EBADF;
    if (positional && off >= 0 && f->stream)
        return -ESPIPE;
    rc = check_iov(iov, n);
    if (rc < 0)
        return rc;
    if (n == 0)
        return 0;
    at = positional && off >= 0 ? (uint64_t)off : cur_off(f);
    r = transfer_v(f, iov, n, &at, write);
    if (r > 0 && !(positional && off >= 0))
        set_off(f, at);
    return r;
}

int64_t vfs_readv(struct vfs *v, int fd, const struct linux_iovec *iov, int n)
{
    return rw_vector(v, fd, iov, n, -1, false, false);
}

int64_t vfs_writev(struct vfs *v, int fd, const struct linux_iovec *iov, int n)
{
    return rw_vector(v, fd, iov, n, -1, false, true);
}

int64_t vfs_preadv(struct vfs *v, int fd, const struct linux_iovec *iov, int n, int64_t off)
{
    return rw_vector(v, fd, iov, n, off, true, false);
}

int64_t vfs_pwritev(struct vfs *v, int fd, const struct linux_iovec *iov, int n, int64_t off)
{
    return rw_vector(v, fd, iov, n, off, true, true);
}

#define COPY_CHUNK 65536

int64_t vfs_copy_file_range(struct vfs *v, int fd_in, int64_t *off_in, int fd_out, int64_t *off_out,
                            size_t len, unsigned flags)
{
    struct vfs_file *in = vfs_get_file(v, fd_in), *out = vfs_get_file(v, fd_out);
    uint64_t ipos, opos;
    int64_t done = 0, pos;
    char *buf;
    if (flags)
        return -EINVAL;
    if (!in || !out || !readable(in) || !writable(out) || (out->flags & O_APPEND))
        return -EBADF;
    if (S_ISDIR(in->node->type) || S_ISDIR(out->node->type))
        return -EISDIR;
    if (!S_ISREG(in->node->type) || !S_ISREG(out->node->type))
        return -EINVAL;
    if ((off_in && *off_in < 0) || (off_out && *off_out < 0))
        return -EINVAL;
    pos = off_in ? *off_in : get_pos(in);
    if (pos < 0)
        return pos;
    ipos = (uint64_t)pos;
    pos = off_out ? *off_out : get_pos(out);
    if (pos < 0)
        return pos;
    opos = (uint64_t)pos;
    if (in->node == out->node && ipos + len > opos && opos + len > ipos)
        return -EINVAL; /* overlapping ranges of one file */
    if (in->node->fs->plugin != out->node->fs->plugin)
        return -EXDEV;
    if (len > VFS_MAX_RW)
        len = VFS_MAX_RW;
    if (len == 0)
        return 0;
    buf = vfs_zalloc(in->node->fs->env, COPY_CHUNK);
    if (!buf)
        return -ENOMEM;
    while ((size_t)done < len) {
        size_t want = len - (size_t)done < COPY_CHUNK ? len - (size_t)done : COPY_CHUNK;
        int64_t r = do_read(in, buf, want, ipos), w;
        uint64_t at = opos;
        if (r <= 0) {
            if (r < 0 && done == 0)
                done = r;
            break;
        }
        w = do_write(out, buf, (size_t)r, &at);
        if (w < 0) {
            if (done == 0)
                done = w;
            break;
        }
        ipos += (uint64_t)w;
        opos = at;
        done += w;
        if (w < r)
            break;
    }
    vfs_free(in->node->fs->env, buf, COPY_CHUNK);
    if (done > 0) {
        if (off_in)
            *off_in = (int64_t)ipos;
        else
            put_pos(in, ipos);
        if (off_out)
            *off_out = (int64_t)opos;
        else
            put_pos(out, opos);
    }
    return done;
}

int vfs_fadvise(struct vfs *v, int fd, int64_t off, int64_t len, int advice)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->stream || S_ISFIFO(f->node->type))
        return -ESPIPE;
    if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || len < 0)
        return -EINVAL;
    return 0;
}

static int64_t set_pos(struct vfs_file *f, int64_t pos)
{
    if (pos < 0)
        return -EINVAL;
    f->pos = (uint64_t)pos;
    return pos;
}

int64_t vfs_lseek(struct vfs *v, int fd, int64_t off, int whence)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    struct linux_stat st;
    int64_t cur, size;
    int rc;
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->node->fs->ops->llseek)
        return f->node->fs->ops->llseek(f, off, whence);
    if (f->stream)
        return -ESPIPE;
    cur = (int64_t)f->pos;
    if (S_ISDIR(f->node->type)) {
        if (whence == SEEK_SET)
            return set_pos(f, off);
        if (whence == SEEK_CUR) {
            if (off > 0 && cur > INT64_MAX - off)
                return -EINVAL;
            return set_pos(f, cur + off);
        }
        return -EINVAL;
    }
    switch (whence) {
    case SEEK_SET:
        return set_pos(f, off);
    case SEEK_CUR:
        if (off > 0 && cur > INT64_MAX - off)
            return -EINVAL;
        return set_pos(f, cur + off);
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE:
        break;
    default:
        return -EINVAL;
    }
    rc = vfs_getattr(f->node, &st);
    if (rc < 0)
        return rc;
    size = st.st_size;
    if (whence == SEEK_END) {
        if (off > 0 && size > INT64_MAX - off)
            return -EINVAL;
        return set_pos(f, size + off);
    }
    /* no holes: all data up to the size, one hole from there */
    if (off < 0 || off >= size)
        return -ENXIO;
    return set_pos(f, whence == SEEK_DATA ? off : size);
}

/* Appends one record to buf; returns false if it does not fit. */
static bool put_dirent(char *buf, size_t size, size_t *used, uint64_t ino, uint64_t next,
                       uint8_t type, const char *name, size_t len)
{
    size_t reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~(size_t)7;
    struct linux_dirent64 rec;
    if (*used + reclen > size)
        return false;
    rec.d_ino = ino;
    rec.d_off = (int64_t)next;
    rec.d_reclen = (uint16_t)reclen;
    rec.d_type = type;
    memcpy(buf + *used, &rec, offsetof(struct linux_dirent64, d_name));
    memcpy(buf + *used + offsetof(struct linux_dirent64, d_name), name, len);
    memset(buf + *used + offsetof(struct linux_dirent64, d_name) + len, 0,
           reclen - offsetof(struct linux_dirent64, d_name) - len);
    *used += reclen;
    return true;
}

int64_t vfs_getdents64(struct vfs *v, int fd, void *out, size_t size)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    struct vfs_node *n;
    char *buf = out;
    size_t used = 0;
    int rc = 0;
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    n = f->node;
    if (!S_ISDIR(n->type))
        return -ENOTDIR;
    if (f->pos < 2) {
        struct linux_stat st;
        rc = vfs_getattr(n, &st);
        if (rc < 0)
            return rc;
        if (st.st_nlink == 0)
            return -ENOENT; /* a removed directory reads as gone, as on Linux */
        if (f->pos == 0) {
            if (!put_dirent(buf, size, &used, st.st_ino, 1, DT_DIR, ".", 1))
                return -EINVAL;
            f->pos = 1;
        }
        if (f->pos == 1) {
            struct vfs_node *p;
            uint64_t ino = st.st_ino;
            if (vfs_step_up(v, n, &p) == 0) {
                if (vfs_getattr(p, &st) == 0)
                    ino = st.st_ino;
                vfs_node_put(p);
            }
            if (!put_dirent(buf, size, &used, ino, 2, DT_DIR, "..", 2))
                return used ? (int64_t)used : -EINVAL;
            f->pos = 2;
        }
    }
    if (!n->fs->ops->readdir)
        return (int64_t)used;
    for (;;) {
        struct vfs_dirent de;
        rc = n->fs->ops->readdir(n, f->pos, &de);
        if (rc < 0)
            return used ? (int64_t)used : rc;
        if (rc == 0)
            break;
        if (!put_dirent(buf, size, &used, de.ino, de.next, de.type, de.name, de.len)) {
            if (used == 0)
                return -EINVAL;
            break;
        }
        f->pos = de.next;
    }
    return (int64_t)used;
}

int vfs_fsync(struct vfs *v, int fd, bool datasync)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (!f->node->fs->ops->fsync)
        return -EINVAL;
    return f->node->fs->ops->fsync(f, datasync);
}

int vfs_syncfs(struct vfs *v, int fd)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    if (!f)
        return -EBADF;
    struct vfs_fs *fs = f->node->fs;
    return fs->ops->syncfs ? fs->ops->syncfs(fs) : 0;
}

int vfs_sync(struct vfs *v)
{
    int first = 0;
    for (struct vfs_fs *fs = vfs_fs_next(v, NULL); fs; fs = vfs_fs_next(v, fs)) {
        int r = fs->ops->syncfs ? fs->ops->syncfs(fs) : 0;
        if (r && !first)
            first = r;
    }
    return first;
}

int vfs_ioctl(struct vfs *v, int fd, unsigned long request, void *arg)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    int on;
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    switch (request) {
    case FIOCLEX:
    case FIONCLEX:
        return vfs_fd_set_cloexec(&v->fds, fd, request == FIOCLEX);
    case FIONBIO:
    case FIOASYNC:
        if (!arg)
            return -EFAULT;
        memcpy(&on, arg, sizeof on);
        if (on)
            f->flags |= request == FIONBIO ? O_NONBLOCK : O_ASYNC;
        else
            f->flags &= ~(uint32_t)(request == FIONBIO ? O_NONBLOCK : O_ASYNC);
        if (f->node->fs->ops->fcntl)
            f->node->fs->ops->fcntl(f, F_SETFL, f->flags);
        return 0;
    case FIONREAD:
        if (S_ISREG(f->node->type)) {
            struct linux_stat st;
            int rc = vfs_getattr(f->node, &st);
            int64_t left, pos;
            if (rc < 0)
                return rc;
            if (!arg)
                return -EFAULT;
            pos = get_pos(f);
            if (pos < 0)
                return (int)pos;
            left = st.st_size - pos;
            on = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
            memcpy(arg, &on, sizeof on);
            return 0;
        }
        break;
    }
    if (!f->node->fs->ops->ioctl)
        return -ENOTTY;
    return f->node->fs->ops->ioctl(f, request, arg);
}

unsigned vfs_poll(struct vfs *v, int fd, unsigned events)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    unsigned mask;
    if (!f || (f->flags & O_PATH))
        return POLLNVAL;
    mask = f->node->fs->ops->poll ? f->node->fs->ops->poll(f, events) : DEFAULT_POLLMASK;
    return mask & (events | POLLERR | POLLHUP | POLLNVAL);
}

/* F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms (docs/locks.md): the struct flock
 * at fl (checked by the caller) is decoded and checked here, the plugin keeps the
 * locks. SETLKW answers -EAGAIN for a conflict: the caller waits and asks again. */
static int file_lock(struct vfs_file *f, int cmd, struct linux_flock *arg)
{
    struct linux_flock fl;
    struct vfs_lock_info info = {0};
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
    int64_t base = 0, start, end;
    int type, rc;
    memcpy(&fl, arg, sizeof fl);
    type = fl.l_type == F_RDLCK   ? RL_READ
           : fl.l_type == F_WRLCK ? RL_WRITE
           : fl.l_type == F_UNLCK ? RL_UNLOCK
                                  : -1;
    if (type < 0 || (ofd && fl.l_pid != 0) || (get && type == RL_UNLOCK))
        return -EINVAL;
    if (fl.l_whence == SEEK_CUR) {
        base = f->remote_pos && f->node->fs->ops->llseek ? f->node->fs->ops->llseek(f, 0, SEEK_CUR)
                                                         : (int64_t)f->pos;
    } else if (fl.l_whence == SEEK_END) {
        struct linux_stat st;
        rc = vfs_getattr(f->node, &st);
        if (rc < 0)
            return rc;
        base = st.st_size;
    } else if (fl.l_whence != SEEK_SET) {
        return -EINVAL;
    }
    if (base < 0)
        return (int)base;
    rc = rl_range(base, fl.l_start, fl.l_len, &start, &end);
    if (rc < 0)
        return rc;
    if (!get && ((type == RL_READ && !readable(f)) || (type == RL_WRITE && !writable(f))))
        return -EBADF;
    if (!f->node->fs->ops->lock) { /* a private file: granted, and nobody else's to report */
        if (get) {
            fl.l_type = F_UNLCK;
            memcpy(arg, &fl, sizeof fl);
        }
        return 0;
    }
    rc = f->node->fs->ops->lock(f,
                                get                                      ? VFS_LOCK_GET
                                : cmd == F_SETLKW || cmd == F_OFD_SETLKW ? VFS_LOCK_WAIT
                                                                         : VFS_LOCK_SET,
                                ofd ? VFS_LOCK_OFD : VFS_LOCK_POSIX, type, start, end, &info);
    if (rc < 0 || !get)
        return rc;
    if (info.type == RL_UNLOCK) {
        fl.l_type = F_UNLCK;
    } else {
        int64_t ls, ll;
        rl_to_flock(info.start, info.end, &ls, &ll);
        fl.l_type = info.type == RL_READ ? F_RDLCK : F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = ls;
        fl.l_len = ll;
        fl.l_pid = info.pid;
    }
    memcpy(arg, &fl, sizeof fl);
    return 0;
}

int vfs_flock(struct vfs *v, int fd, int op)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    struct vfs_lock_info info;
    int base = op & ~LOCK_NB, type;
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    type = base == LOCK_SH   ? RL_READ
           : base == LOCK_EX ? RL_WRITE
           : base == LOCK_UN ? RL_UNLOCK
                             : -1;
    if (type < 0)
        return -EINVAL;
    if (!f->node->fs->ops->lock)
        return 0; /* a private file */
    return f->node->fs->ops->lock(
        f, (op & LOCK_NB) || type == RL_UNLOCK ? VFS_LOCK_SET : VFS_LOCK_WAIT, VFS_LOCK_FLOCK, type,
        0, RL_EOF, &info);
}

int vfs_fcntl(struct vfs *v, int fd, int cmd, unsigned long arg)
{
    struct vfs_file *f = vfs_get_file(v, fd);
    int rc;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_GETFD:
    case F_SETFD:
        return vfs_fd_fcntl(&v->fds, fd, cmd, arg);
    case F_GETFL:
        if (f && f->remote_pos && f->node->fs->ops->fcntl) {
            /* the status flags another holder of a shared description set */
            rc = f->node->fs->ops->fcntl(f, F_GETFL, 0);
            if (rc >= 0)
                f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
                           ((uint32_t)rc & (O_APPEND | O_NONBLOCK));
        }
        return vfs_fd_fcntl(&v->fds, fd, cmd, arg);
    case F_SETFL:
        rc = vfs_fd_fcntl(&v->fds, fd, cmd, arg);
        if (rc == 0 && f && !(f->flags & O_PATH) && f->node->fs->ops->fcntl)
            f->node->fs->ops->fcntl(f, F_SETFL, f->flags);
        return rc;
    }
    if (!f)
        return -EBADF;
    if (f->flags & O_PATH)
        return -EBADF;
    switch (cmd) {
    /* the owner and signal of an open description, kept as Linux keeps them; nothing
     * sends SIGIO (O_ASYNC), so they are only read back. The _EX ones take a struct
     * f_owner_ex {int type; int pid;} that the caller has checked is in its memory. */
    case F_GETOWN:
        return f->owner_type == F_OWNER_PGRP ? -f->owner : f->owner;
    case F_SETOWN:
        if ((int)arg == INT32_MIN)
            return -EINVAL;
        f->owner = (int)arg < 0 ? -(int)arg : (int)arg;
        f->owner_type = (int)arg < 0 ? F_OWNER_PGRP : F_OWNER_PID;
        return 0;
    case F_GETOWN_EX: {
        int32_t *o = (int32_t *)(uintptr_t)arg;
        o[0] = f->owner_type;
        o[1] = f->owner;
        return 0;
    }
    case F_SETOWN_EX: {
        const int32_t *o = (const int32_t *)(uintptr_t)arg;
        int32_t type = o[0], pid = o[1];
        if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
            return -EINVAL;
        if (pid < 0)
            return -EINVAL;
        f->owner_type = (uint8_t)type;
        f->owner = pid;
        return 0;
    }
    case F_GETSIG:
        return f->owner_sig;
    case F_SETSIG:
        if (arg > 64)
            return -EINVAL;
        f->owner_sig = (uint8_t)arg;
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        if (!arg)
            return -EFAULT;
        return file_lock(f, cmd, (struct linux_flock *)(uintptr_t)arg);
    }
    if (!f->node->fs->ops->fcntl)
        return -EINVAL;
    return f->node->fs->ops->fcntl(f, cmd, arg);
}

/* Any close of a descriptor of a file releases the process's record locks on it (close,
 * close_range, dup2 and dup3 over it, close-on-exec), as Linux's filp_close does. */
static void release_record_locks(struct vfs_file *f)
{
    if (f && !(f->flags & O_PATH) && f->node->fs->ops->lock)
        f->node->fs->ops->lock(f, VFS_LOCK_RELEASE, VFS_LOCK_POSIX, 0, 0, 0, NULL);
}

int vfs_close(struct vfs *v, int fd)
{
    release_record_locks(vfs_get_file(v, fd));
    return vfs_fd_close(&v->fds, fd);
}

unsigned vfs_fd_end(const struct vfs *v)
{
    return v->fds.capacity; /* a descriptor above a lowered limit stays open, as on Linux */
}

int vfs_dup(struct vfs *v, int fd)
{
    return vfs_fd_dup(&v->fds, fd);
}

/* dup2, dup3: the descriptor newfd named before is closed, so its file's record locks
 * go once the call has succeeded (also when it named the same description). */
static int dup_over(struct vfs *v, int oldfd, int newfd, int flags, bool is_dup3)
{
    struct vfs_file *before = oldfd != newfd ? vfs_get_file(v, newfd) : NULL;
    int rc;
    if (before)
        vfs_file_get(before);
    rc = vfs_fd_dup3(&v->fds, oldfd, newfd, flags, is_dup3);
    if (before) {
        if (rc >= 0)
            release_record_locks(before);
        vfs_file_put(before);
    }
    return rc;
}

int vfs_dup2(struct vfs *v, int oldfd, int newfd)
{
    return dup_over(v, oldfd, newfd, 0, false);
}

int vfs_dup3(struct vfs *v, int oldfd, int newfd, int flags)
{
    return dup_over(v, oldfd, newfd, flags, true);
}

int vfs_set_fd_limit(struct vfs *v, unsigned limit)
{
    return vfs_fd_set_limit(&v->fds, limit);
}

void vfs_close_on_exec(struct vfs *v)
{
    for (unsigned fd = 0; fd < v->fds.capacity; fd++)
        if (v->fds.fds[fd].file && v->fds.fds[fd].cloexec)
            vfs_close(v, (int)fd);
}

int vfs_install_fd(struct vfs *v, struct vfs_file *f, int min, bool cloexec)
{
    return vfs_fd_install(&v->fds, f, min, cloexec);
}
