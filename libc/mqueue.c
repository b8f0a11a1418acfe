/*
 * POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify
 * and mq_getsetattr (docs/runtime.md, "Message queues").
 *
 * A queue is a file of the sandbox's /dev/shm (a ram_fs server: every process of the
 * sandbox sees it), named mq.NAME, mapped shared by each process that opens it: a
 * header page, then one slot per message (its priority, order and length, then the
 * bytes). A queue descriptor is a node of this runtime's hidden `mqueue` file system
 * (close-on-exec, as POSIX closes queue descriptors at exec): its open file description
 * has the access mode and O_NONBLOCK, the node holds the mapping and the file's own
 * description; closing the last descriptor of it ends this process's notification
 * request (mq_close's rule), unmaps the queue and closes the file. A futex word in the
 * header locks the queue; senders wait on one counter (bumped when a message is
 * taken), receivers on another (bumped when one is added), each wait bounded by the
 * caller's timeout. mq_notify registers the process in the header; the sender that
 * makes an empty queue non-empty while nobody waits sends the signal (SI_MESGQ) through
 * the launcher.
 *
 * What the header says comes from memory every process of the sandbox can write: each
 * figure is checked against the mapping before it is used, and a damaged queue answers
 * EBADF, never a fault in the runtime.
 */
#include <capix/config.h>
#include <stddef.h>
#include <string.h>
#include <vfs/plugin.h>
#include "creds.h"
#include "runtime.h"

#define MQ_MAGIC 0x3151514du /* "MQQ1" */
#define MQ_PRIO_MAX 32768u
#define MQ_HEAD_SIZE 4096u
#define MQ_DEFAULT_MAXMSG 10
#define MQ_DEFAULT_MSGSIZE 8192
#define MQ_USER_MAXMSG 10 /* Linux's msg_max and msgsize_max, for a process without root */
#define MQ_USER_MSGSIZE 8192
#define MQ_ROOT_MAXMSG 65536 /* HARD_MSGMAX */
#define MQ_ROOT_MSGSIZE (16u << 20)
#define MQ_MAX_BYTES (64u << 20) /* a queue's whole file */

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

struct mq_head {
    uint32_t magic;
    uint32_t lock; /* 0 free, 1 held, 2 held with waiters */
    uint32_t maxmsg, msgsize;
    uint32_t curmsgs;
    uint32_t put_seq, get_seq; /* futex words: a message added, a message taken */
    uint32_t receivers;        /* blocked in receive */
    uint64_t next_order;
    int32_t notify_pid; /* registered for mq_notify, 0 none */
    int32_t notify_kind, notify_sig, pad;
    uint64_t notify_value;
};

struct mq_slot {
    uint32_t used, prio;
    uint64_t order, len;
};

struct l_mq_attr {
    long flags, maxmsg, msgsize, curmsgs, pad[4];
};

struct l_sigevent {
    uint64_t value;
    int32_t signo, notify;
    char pad[48];
};

struct l_siginfo_mq {
    int32_t signo, errno_, code, pad;
    int32_t pid;
    uint32_t uid;
    uint64_t value;
    char rest[96];
};

/* One open of a queue in this process: the node of its descriptor. */
struct mqd {
    struct vfs_node node;
    struct vfs_file *under; /* the queue's file in /dev/shm (our reference) */
    struct mq_head *h;
    uint64_t len;
    uint32_t maxmsg, msgsize; /* read once from the header and checked: never again */
};
static struct vfs_fs *mq_fs;
static struct vfs *mq_vfs; /* the tree mq_fs is hidden in (a program's own tree: its own) */
static uint64_t next_ino = 1;
static bool no_shm_logged;

/* Whether the program's [p, p + len) cannot be read (written): EFAULT, probed before
 * use (libc/runtime.h, rt_user_read). */
static bool bad_read(uint64_t p, uint64_t len)
{
    return !rt_user_read(p, len);
}

static bool bad_write(uint64_t p, uint64_t len)
{
    return !rt_user_write(p, len);
}

static uint64_t slot_size(uint32_t msgsize)
{
    return sizeof(struct mq_slot) + (((uint64_t)msgsize + 7) & ~7ull);
}

static struct mq_slot *slot_at(const struct mqd *q, uint32_t i)
{
    return (struct mq_slot *)((char *)q->h + MQ_HEAD_SIZE + i * slot_size(q->msgsize));
}

/* The header's figures fit the mapping (another process could have written them). */
static bool head_ok(const struct mqd *q)
{
    uint32_t maxmsg = q->maxmsg, msgsize = q->msgsize;
    uint64_t need = MQ_HEAD_SIZE + (uint64_t)maxmsg * slot_size(msgsize);
    return q->h->magic == MQ_MAGIC && maxmsg && maxmsg <= MQ_ROOT_MAXMSG && msgsize &&
           msgsize <= MQ_ROOT_MSGSIZE && need <= q->len;
}

/* ---- the lock (a futex word of the shared header) ---- */

static long futex_wait(uint32_t *word, uint32_t val, uint64_t ns)
{
    rt_unlock();
    long err = cx_futex_wait(rt->slot_pd, (uint64_t)word, val, ns);
    rt_lock();
    if (err == CX_E_TIMEOUT)
        return -ETIMEDOUT;
    if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
        return -EINTR;
    return 0;
}

static void futex_wake(uint32_t *word)
{
    uint64_t woken;
    cx_futex_wake(rt->slot_pd, (uint64_t)word, 1u << 30, &woken);
}

static void q_lock(struct mq_head *h)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&h->lock, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    while (__atomic_exchange_n(&h->lock, 2, __ATOMIC_ACQUIRE) != 0)
        futex_wait(&h->lock, 2, 100000000ul); /* bounded: re-checks every 100 ms */
}

static void q_unlock(struct mq_head *h)
{
    if (__atomic_exchange_n(&h->lock, 0, __ATOMIC_RELEASE) == 2)
        futex_wake(&h->lock);
}

/* ---- descriptors: the hidden mqueue file system ---- */

/* The last descriptor of an open is gone (mq_close is close): this process's
 * notification request ends, the mapping and the file go. */
static void mq_close_file(struct vfs_file *f)
{
    struct mqd *q = container_of(f->node, struct mqd, node);
    if (q->h && q->h->magic == MQ_MAGIC) {
        q_lock(q->h);
        if (q->h->notify_pid == (int32_t)rt_pid())
            q->h->notify_pid = 0;
        q_unlock(q->h);
    }
}

static void mq_release(struct vfs_node *n)
{
    struct mqd *q = container_of(n, struct mqd, node);
    if (q->h)
        rt_munmap((uint64_t)q->h, q->len);
    if (q->under)
        vfs_file_put(q->under);
    rt_free(q, sizeof(*q));
}

static int mq_getattr_node(struct vfs_node *n, struct linux_stat *st)
{
    struct mqd *q = container_of(n, struct mqd, node);
    return q->under ? vfs_file_stat(q->under, st) : -EBADF;
}

static const struct vfs_fs_ops mq_ops = {
    .getattr = mq_getattr_node,
    .close = mq_close_file,
    .release = mq_release,
};

static struct vfs_node mq_root;

static int mq_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    (void)a;
    return rt_hidden_mount(&fs, &mq_root, &mq_ops, next_ino++, out);
}

static const struct vfs_plugin mq_plugin = {
    .name = "mqueue",
    .kind = VFS_PLUGIN_TREE,
    .mount = mq_mount,
};

/* The open behind descriptor fd, if it is a queue's whose header is sound; its
 * description in *f. */
static struct mqd *lookup(int fd, struct vfs_file **f)
{
    *f = vfs_fd_file(rt_vfs, fd);
    if (!*f || !mq_fs || (*f)->node->fs != mq_fs)
        return NULL;
    struct mqd *q = container_of((*f)->node, struct mqd, node);
    return q->h && head_ok(q) ? q : NULL;
}

static bool nonblocking(const struct vfs_file *f)
{
    return f->flags & O_NONBLOCK;
}

/* "/dev/shm/mq." and the name (the part after musl's leading '/'). */
static long queue_path(const char *name, char *path, size_t size)
{
    if (!rt_user_range((uint64_t)name, 1))
        return -EFAULT;
    long probed = rt_probe_str((uint64_t)name, 256);
    if (probed < 0)
        return -EFAULT;
    size_t n = (size_t)probed;
    if (n == 0)
        return -ENOENT;
    if (n > 255)
        return -ENAMETOOLONG;
    if (memchr(name, '/', n))
        return -EACCES;
    if (n + 13 > size)
        return -ENAMETOOLONG;
    memcpy(path, "/dev/shm/mq.", 12);
    memcpy(path + 12, name, n + 1);
    return 0;
}

static bool have_shm(void)
{
    struct linux_stat st;
    if (vfs_fstatat(rt_vfs, AT_FDCWD, "/dev/shm", &st, 0) == 0)
        return true;
    if (!no_shm_logged)
        rt_log("mq_open: this process's tree has no /dev/shm, where message queues live: "
               "ENOSYS");
    no_shm_logged = true;
    return false;
}

static long check_attr(const struct l_mq_attr *a, uint32_t *maxmsg, uint32_t *msgsize)
{
    *maxmsg = MQ_DEFAULT_MAXMSG;
    *msgsize = MQ_DEFAULT_MSGSIZE;
    if (!a)
        return 0;
    if (bad_read((uint64_t)a, sizeof(*a)))
        return -EFAULT;
    long mm = a->maxmsg, ms = a->msgsize;
    bool root = rt_capable(24); /* CAP_SYS_RESOURCE: the higher limits */
    if (mm <= 0 || ms <= 0 || mm > (root ? MQ_ROOT_MAXMSG : MQ_USER_MAXMSG) ||
        ms > (long)(root ? MQ_ROOT_MSGSIZE : MQ_USER_MSGSIZE))
        return -EINVAL;
    if (MQ_HEAD_SIZE + (uint64_t)mm * (sizeof(struct mq_slot) + (((uint64_t)ms + 7) & ~7ull)) >
        MQ_MAX_BYTES)
        return -ENOMEM;
    *maxmsg = (uint32_t)mm;
    *msgsize = (uint32_t)ms;
    return 0;
}

/* Opens (or creates) the queue's file: the descriptor, and whether we made it. */
static long open_file(const char *path, int oflag, uint32_t mode, bool *created)
{
    *created = false;
    if (oflag & O_CREAT) {
        long fd =
            vfs_openat(rt_vfs, AT_FDCWD, path, O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, mode & 0777);
        if (fd >= 0 || fd != -EEXIST || (oflag & O_EXCL)) {
            *created = fd >= 0;
            return fd;
        }
    }
    return vfs_openat(rt_vfs, AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0);
}

/* Maps an existing queue, waiting up to 1 s for its creator to set it up. */
static long map_queue(long fd, struct mqd *q)
{
    for (int tries = 0; tries < 100; tries++) {
        struct linux_stat st;
        if (vfs_fstat(rt_vfs, (int)fd, &st))
            return -EBADF;
        if (st.st_size >= MQ_HEAD_SIZE && (uint64_t)st.st_size <= MQ_MAX_BYTES) {
            long a = rt_mmap(0, (uint64_t)st.st_size, 3, 1, (uint64_t)fd, 0); /* RW, SHARED */
            if (a < 0 && a > -4096)
                return a;
            q->h = (struct mq_head *)a;
            q->len = (uint64_t)st.st_size;
            if (__atomic_load_n(&q->h->magic, __ATOMIC_ACQUIRE) == MQ_MAGIC) {
                q->maxmsg = __atomic_load_n(&q->h->maxmsg, __ATOMIC_RELAXED);
                q->msgsize = __atomic_load_n(&q->h->msgsize, __ATOMIC_RELAXED);
                return head_ok(q) ? 0 : -EBADF;
            }
            rt_munmap((uint64_t)a, q->len);
        }
        uint32_t idle = 0;
        futex_wait(&idle, 0, 10000000ul); /* 10 ms: nobody wakes this word */
    }
    return -EBADF;
}

long rt_mq_open(const char *name, long oflag, uint64_t mode, const void *attr)
{
    char path[280];
    long err = queue_path(name, path, sizeof(path));
    uint32_t maxmsg = 0, msgsize = 0;
    if (err)
        return err;
    if ((oflag & O_ACCMODE) == 3 ||
        (oflag & ~(long)(O_ACCMODE | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC)))
        return -EINVAL;
    if ((oflag & O_CREAT) && (err = check_attr(attr, &maxmsg, &msgsize)) != 0)
        return err;
    if (!have_shm())
        return -ENOSYS;
    if (!mq_fs || mq_vfs != rt_vfs) {
        struct cfg_error cerr;
        if (vfs_mount_hidden(rt_vfs, &mq_plugin, NULL, &mq_fs, &cerr))
            return -ENOMEM;
        mq_vfs = rt_vfs;
    }
    struct mqd *q = rt_alloc(sizeof(*q));
    if (!q)
        return -ENOMEM;
    memset(q, 0, sizeof(*q));
    q->node.fs = mq_fs;
    q->node.type = S_IFREG;
    q->node.ino = next_ino++;
    bool created;
    long fd = open_file(path, (int)oflag, (uint32_t)mode, &created);
    if (fd < 0) {
        rt_free(q, sizeof(*q));
        return fd;
    }
    if (created) {
        uint64_t len = MQ_HEAD_SIZE + (uint64_t)maxmsg * (sizeof(struct mq_slot) +
                                                          (((uint64_t)msgsize + 7) & ~7ull));
        /* no room on /dev/shm is ENOSPC (Linux: past queues_max), no memory ENOMEM */
        long a = vfs_ftruncate(rt_vfs, (int)fd, (int64_t)len);
        if (a == 0)
            a = rt_mmap(0, len, 3, 1, (uint64_t)fd, 0); /* RW, SHARED */
        if (a < 0 && a > -4096) {
            vfs_close(rt_vfs, (int)fd);
            vfs_unlinkat(rt_vfs, AT_FDCWD, path, 0);
            rt_free(q, sizeof(*q));
            return a == -ENOSPC ? -ENOSPC : -ENOMEM;
        }
        q->h = (struct mq_head *)a;
        q->len = len;
        q->h->maxmsg = q->maxmsg = maxmsg;
        q->h->msgsize = q->msgsize = msgsize;
        __atomic_store_n(&q->h->magic, MQ_MAGIC, __ATOMIC_RELEASE);
    } else if ((err = map_queue(fd, q)) != 0) {
        vfs_close(rt_vfs, (int)fd);
        rt_free(q, sizeof(*q));
        return err;
    }
    q->under = vfs_fd_file(rt_vfs, (int)fd);
    vfs_file_get(q->under);
    vfs_close(rt_vfs, (int)fd); /* the node keeps the file's description */
    struct vfs_file *f = NULL;
    uint32_t flags = (uint32_t)(oflag & (O_ACCMODE | O_NONBLOCK));
    err = vfs_file_open_node(&q->node, flags, &f);
    long nfd = err ? err : vfs_install_fd(rt_vfs, f, 0, true);
    if (nfd < 0) {
        if (f)
            vfs_file_put(f); /* the last reference: release frees q */
        else
            mq_release(&q->node);
        return nfd;
    }
    return nfd;
}

long rt_mq_unlink(const char *name)
{
    char path[280];
    long err = queue_path(name, path, sizeof(path));
    if (err)
        return err;
    if (!have_shm())
        return -ENOSYS;
    return vfs_unlinkat(rt_vfs, AT_FDCWD, path, 0);
}

/* ns left until the CLOCK_REALTIME deadline ts (NULL: none), or a negative errno. */
static long left_ns(const struct linux_timespec *ts, uint64_t *ns)
{
    *ns = CX_TIMEOUT_NONE;
    if (!ts)
        return 0;
    if (bad_read((uint64_t)ts, sizeof(*ts)))
        return -EFAULT;
    if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000 || ts->tv_sec < 0)
        return -EINVAL;
    uint64_t when = (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
    uint64_t now = rt_realtime_ns();
    if (when <= now)
        return -ETIMEDOUT;
    *ns = when - now;
    return 0;
}

/* Sends the registered notification (the queue went from empty to not empty). */
static void notify(struct mq_head *h)
{
    int32_t pid = h->notify_pid, kind = h->notify_kind, sig = h->notify_sig;
    uint64_t value = h->notify_value;
    h->notify_pid = 0;
    if (!pid || kind != LINUX_SIGEV_SIGNAL || sig <= 0 || sig > 64)
        return;
    struct l_siginfo_mq info = {.signo = sig,
                                .code = LINUX_SI_MESGQ,
                                .pid = (int32_t)rt_pid(),
                                .uid = rt_uid,
                                .value = value};
    q_unlock(h);
    rt_sigqueueinfo(pid, sig, &info);
    q_lock(h);
}

long rt_mq_timedsend(int fd, const char *msg, uint64_t len, uint64_t prio,
                     const struct linux_timespec *abstime)
{
    struct vfs_file *f;
    struct mqd *q = lookup(fd, &f);
    if (!q || (f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    struct mq_head *h = q->h;
    if (len > q->msgsize)
        return -EMSGSIZE;
    if (prio >= MQ_PRIO_MAX)
        return -EINVAL;
    if (len && bad_read((uint64_t)msg, len))
        return -EFAULT;
    q_lock(h);
    while (h->curmsgs >= q->maxmsg) {
        uint32_t seq = h->get_seq;
        uint64_t ns;
        long err = nonblocking(f) ? -EAGAIN : left_ns(abstime, &ns);
        if (!err) {
            q_unlock(h);
            err = futex_wait(&h->get_seq, seq, ns);
            q_lock(h);
        }
        if (err && !(err == -ETIMEDOUT && h->curmsgs < q->maxmsg)) {
            q_unlock(h);
            return err;
        }
    }
    uint32_t i = 0;
    while (i < q->maxmsg && slot_at(q, i)->used)
        i++;
    if (i == q->maxmsg) { /* curmsgs said there was room: the queue was damaged */
        q_unlock(h);
        return -EBADF;
    }
    struct mq_slot *s = slot_at(q, i);
    memcpy(s + 1, msg, len);
    s->len = len;
    s->prio = (uint32_t)prio;
    s->order = h->next_order++;
    s->used = 1;
    bool was_empty = h->curmsgs++ == 0;
    h->put_seq++;
    if (was_empty && !h->receivers && h->notify_pid)
        notify(h);
    q_unlock(h);
    futex_wake(&h->put_seq);
    return 0;
}

long rt_mq_timedreceive(int fd, char *msg, uint64_t len, uint32_t *prio,
                        const struct linux_timespec *abstime)
{
    struct vfs_file *f;
    struct mqd *q = lookup(fd, &f);
    if (!q || (f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    struct mq_head *h = q->h;
    if (len < q->msgsize)
        return -EMSGSIZE;
    q_lock(h);
    while (h->curmsgs == 0) {
        uint32_t seq = h->put_seq;
        uint64_t ns;
        long err = nonblocking(f) ? -EAGAIN : left_ns(abstime, &ns);
        if (!err) {
            h->receivers++;
            q_unlock(h);
            err = futex_wait(&h->put_seq, seq, ns);
            q_lock(h);
            h->receivers--;
        }
        if (err && !(err == -ETIMEDOUT && h->curmsgs)) {
            q_unlock(h);
            return err;
        }
    }
    struct mq_slot *best = NULL;
    for (uint32_t i = 0; i < q->maxmsg; i++) { /* the highest priority, then the oldest */
        struct mq_slot *s = slot_at(q, i);
        if (s->used &&
            (!best || s->prio > best->prio || (s->prio == best->prio && s->order < best->order)))
            best = s;
    }
    uint64_t n = best ? __atomic_load_n(&best->len, __ATOMIC_RELAXED) : 0; /* read once */
    if (!best || n > q->msgsize) {
        q_unlock(h);
        return -EBADF;
    }
    /* as Linux: the message is taken, then written (only its n bytes); a bad buffer or
     * priority pointer loses it, with EFAULT */
    bool bad = bad_write((uint64_t)msg, n) || (prio && bad_write((uint64_t)prio, 4));
    if (!bad) {
        memcpy(msg, best + 1, n);
        if (prio)
            *prio = best->prio;
    }
    best->used = 0;
    h->curmsgs--;
    h->get_seq++;
    q_unlock(h);
    futex_wake(&h->get_seq);
    return bad ? -EFAULT : (long)n;
}

long rt_mq_notify(int fd, const void *sevp)
{
    struct vfs_file *f;
    struct mqd *q = lookup(fd, &f);
    if (!q)
        return -EBADF;
    struct mq_head *h = q->h;
    int32_t me = (int32_t)rt_pid();
    if (sevp && bad_read((uint64_t)sevp, sizeof(struct l_sigevent)))
        return -EFAULT;
    const struct l_sigevent *ev = sevp;
    if (ev && ev->notify != LINUX_SIGEV_NONE && ev->notify != LINUX_SIGEV_SIGNAL)
        return -EINVAL; /* SIGEV_THREAD is musl's, over a netlink socket */
    if (ev && ev->notify == LINUX_SIGEV_SIGNAL && (ev->signo < 0 || ev->signo > 64))
        return -EINVAL; /* signal 0 registers, and no signal is sent (Linux) */
    long r = 0;
    q_lock(h);
    if (!ev) {
        if (h->notify_pid == me)
            h->notify_pid = 0;
    } else if (h->notify_pid) {
        r = -EBUSY;
    } else {
        h->notify_pid = me;
        h->notify_kind = ev->notify;
        h->notify_sig = ev->signo;
        h->notify_value = ev->value;
    }
    q_unlock(h);
    return r;
}

long rt_mq_getsetattr(int fd, const void *newattr, void *oldattr)
{
    struct vfs_file *f;
    struct mqd *q = lookup(fd, &f);
    if (!q)
        return -EBADF;
    const struct l_mq_attr *in = newattr;
    struct l_mq_attr *out = oldattr;
    if ((in && bad_read((uint64_t)in, sizeof(*in))) ||
        (out && bad_write((uint64_t)out, sizeof(*out))))
        return -EFAULT;
    if (in && (in->flags & ~(long)O_NONBLOCK))
        return -EINVAL;
    if (out) {
        memset(out, 0, sizeof(*out));
        out->flags = nonblocking(f) ? O_NONBLOCK : 0;
        out->maxmsg = q->maxmsg;
        out->msgsize = q->msgsize;
        out->curmsgs = __atomic_load_n(&q->h->curmsgs, __ATOMIC_RELAXED);
    }
    if (in)
        f->flags = (f->flags & ~(uint32_t)O_NONBLOCK) | (uint32_t)(in->flags & O_NONBLOCK);
    return 0;
}
