/*
 * AF_UNIX sockets between the processes of one sandbox (docs/unix-sockets.md).
 *
 * A socket's connection or listener is a pipe-sized shared object of the launcher with
 * a header page (struct unix_hdr) and two rings (unix_ring.c).
 *
 * socketpair makes the object (RT_LABEL_SHARED_NEW). Named sockets meet through the
 * launcher's table of FIFOs, kind "unix" (RT_LABEL_UNIX): the object of a key is made
 * by the first process that asks and shared by every later one until the last holder
 * drops it. A bound name's key is the socket file's (st_dev, st_ino) (bind makes the
 * file with mknod S_IFSOCK), or a hash of an abstract name; its object (the "listener")
 * holds the listening count, the socket type, the name, and the backlog: UNIX_BACKLOG
 * slots, each naming a connection object by its key. The listening process makes those
 * connections in advance (keys of its pid and a counter) and holds them, so a client
 * that connects, writes and closes before the accept loses nothing. connect claims a
 * free slot (1 -> 2), gets the connection of its key, fills in its side and marks the
 * slot waiting (3, with an order); accept takes the oldest waiting slot (3 -> 4), gets
 * the connection (its own advance copy, or from the launcher), and puts a fresh one in
 * the slot. A client holds the listener until its socket goes, so that it sees the
 * listener's end before the accept.
 *
 * A bound datagram socket receives in ring 0 of its name's object: sendto a name writes
 * a record with the sender's name there (any process of the sandbox may), and connect of
 * a datagram socket holds its destination's object.
 *
 * Files: this one has the sockets of this process and their hidden file system, socket
 * and socketpair, passing a socket to another process and adopting one, and the waits;
 * unix_ring.c the shared objects and their rings (the data path, and why nothing read
 * from a header is trusted); unix_names.c names, bind, listen, connect and accept;
 * unix_data.c the data calls; unix_rights.c SCM_RIGHTS; unix.h what they share.
 */
#include <string.h>
#include "unix.h"

static struct vfs_fs *unix_fs;
static struct usock *usocks;
static uint64_t next_ino = 1;

static const struct vfs_fs_ops unix_ops;

static struct usock *usock_of_node(struct vfs_node *n)
{
    if (!n || !n->fs || n->fs->ops != &unix_ops)
        return NULL;
    for (struct usock *s = usocks; s; s = s->next)
        if (&s->node == n)
            return s;
    return NULL;
}

bool rt_unix_file(struct vfs_file *f)
{
    return f && usock_of_node(f->node);
}

/* A connection's side is made for one description (socketpair, connect, accept), and a
 * listener or a bound datagram socket's name for the one that bound it: fork, dup and
 * SCM_RIGHTS share it, so its status flags live in the object's header. An unconnected
 * socket keeps its own until then (the first look publishes them). */
volatile uint32_t *rt_unix_status_word(struct vfs_file *f)
{
    struct usock *s = f ? usock_of_node(f->node) : NULL;
    if (!s)
        return NULL;
    if (s->conn)
        return &s->conn->h->status[s->side];
    if (s->lst && s->counts_lst && !s->dest)
        return &s->lst->h->status[0];
    return NULL;
}

bool rt_unix_is(int fd)
{
    return rt_unix_file(vfs_fd_file(rt_vfs, fd));
}

/* ---- the file system of sockets ---- */

static int64_t unix_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    (void)off;
    uint32_t full;
    return unix_sock_recv(usock_of_node(f->node), buf, n, false, &full, NULL, NULL);
}

static int64_t unix_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    (void)off;
    struct usock *s = usock_of_node(f->node);
    if (!s->conn && s->dest)
        return unix_dest_send(s, s->dest, buf, n, NULL);
    if (!s->conn)
        return -ENOTCONN;
    return unix_conn_send(s, buf, n, NULL);
}

static unsigned unix_poll(struct vfs_file *f, unsigned events)
{
    (void)events;
    return unix_upoll(usock_of_node(f->node));
}

static int unix_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    struct usock *s = usock_of_node(f->node);
    if (req != SIOCOUTQ && req != FIONREAD)
        return -ENOTTY;
    if (!rt_user_write((uint64_t)arg, sizeof(int)))
        return -EFAULT;
    int n = unix_queued(s, req == SIOCOUTQ);
    memcpy(arg, &n, sizeof(n));
    return 0;
}

static int unix_getattr(struct vfs_node *n, struct linux_stat *st)
{
    (void)n;
    st->st_mode = S_IFSOCK | 0777;
    st->st_nlink = 1;
    st->st_uid = rt_uid;
    st->st_gid = rt_gid;
    st->st_blksize = 4096;
    return 0;
}

static int unix_open(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    f->stream = true;
    s->ndesc++;
    if (s->conn)
        unix_count(s->conn, s->side, 1);
    if (s->counts_lst)
        unix_count(s->lst, 0, 1);
    return 0;
}

static void unix_close(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    s->ndesc--;
    if (s->conn) {
        /* the side's last description, with data it did not read: the peer is reset */
        uint32_t none = 0;
        int32_t left = unix_count(s->conn, s->side, -1);
        if (left == 0 && s->type != SOCK_DGRAM && unix_ring_used(s->conn, !s->side, NULL) != 0)
            __atomic_compare_exchange_n(&s->conn->h->reset[!s->side], &none, RESET_PENDING, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        if (left == 0) /* descriptors sent to this side will never be received */
            unix_ctl_drain(s->conn, !s->side);
        unix_wake(s->conn); /* the peer may see end of file or EPIPE now */
    }
    if (s->counts_lst) {
        if (unix_count(s->lst, 0, -1) == 0 && !s->listening) /* a bound datagram socket's */
            unix_ctl_drain(s->lst, 0); /* descriptors will never be received */
        unix_wake(s->lst);
    }
}

/* The socket's last reference in this process went: its objects leave the process. */
static void unix_release(struct vfs_node *n)
{
    struct usock *s = usock_of_node(n);
    if (!s)
        return;
    if (s->lst && s->bound && s->name.len && !s->name.path[0])
        __atomic_sub_fetch(&s->lst->h->bound, 1, __ATOMIC_ACQ_REL); /* the abstract name */
    unix_area_put(s->conn);
    unix_area_put(s->lst);
    unix_area_put(s->target);
    unix_area_put(s->dest);
    for (unsigned i = 0; i < UNIX_BACKLOG; i++)
        unix_area_put(s->pre[i]);
    for (struct usock **pp = &usocks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    rt_free(s, sizeof(*s));
}

static const struct vfs_fs_ops unix_ops = {
    .getattr = unix_getattr,
    .open = unix_open,
    .close = unix_close,
    .release = unix_release,
    .read = unix_read,
    .write = unix_write,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
};

static struct vfs_node unix_root;

static int unix_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    (void)a;
    return rt_hidden_mount(&fs, &unix_root, &unix_ops, next_ino++, out);
}

static const struct vfs_plugin unix_plugin = {
    .name = "unix",
    .kind = VFS_PLUGIN_TREE,
    .mount = unix_mount,
};

void rt_unix_after_narrow(void)
{
    unix_fs = NULL;
}

/* A fork child: its inherited descriptions count too. */
void rt_unix_after_fork(void)
{
    for (struct usock *s = usocks; s; s = s->next) {
        if (s->conn)
            unix_count(s->conn, s->side, (int32_t)s->ndesc);
        if (s->counts_lst)
            unix_count(s->lst, 0, (int32_t)s->ndesc);
        if (s->lst && s->bound && s->name.len && !s->name.path[0])
            __atomic_add_fetch(&s->lst->h->bound, 1, __ATOMIC_ACQ_REL); /* one more holder */
    }
}

/* A new socket of type here (not yet open): 0 or -errno. */
long unix_usock_new(uint32_t type, struct usock **out)
{
    struct cfg_error err;
    if (!unix_fs && vfs_mount_hidden(rt_vfs, &unix_plugin, NULL, &unix_fs, &err))
        return -ENOMEM;
    struct usock *s = rt_alloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    memset(s, 0, sizeof(*s));
    s->type = type;
    s->node.fs = unix_fs;
    s->node.ino = next_ino++;
    s->node.type = S_IFSOCK;
    s->next = usocks;
    usocks = s;
    *out = s;
    return 0;
}

/* A descriptor for s (flags SOCK_NONBLOCK, SOCK_CLOEXEC): the fd, or -errno with s
 * released. */
long unix_usock_install(struct usock *s, uint32_t flags)
{
    struct vfs_file *f = NULL;
    int rc = vfs_file_open_node(&s->node, O_RDWR | (flags & O_NONBLOCK), &f);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (flags & O_CLOEXEC) != 0);
    if (fd < 0) {
        if (f)
            vfs_file_put(f); /* releases the node */
        else
            unix_release(&s->node);
    }
    return fd;
}

struct usock *unix_fd_usock(int fd)
{
    return usock_of_node(vfs_fd_file(rt_vfs, fd) ? vfs_fd_file(rt_vfs, fd)->node : NULL);
}

/* Checks socket's type and flags: the type, or -errno. */
static long check_type(uint64_t type)
{
    uint32_t t = (uint32_t)type, base = t & SOCK_TYPE_MASK;
    if (base >= SOCK_TYPE_LIMIT ||
        (t & ~SOCK_TYPE_MASK & ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)))
        return -EINVAL;
    if (base == 3) /* SOCK_RAW: Linux makes a datagram socket of it */
        return SOCK_DGRAM;
    if (base != SOCK_STREAM && base != SOCK_DGRAM && base != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    return base;
}

long rt_unix_socket(uint64_t type, uint64_t protocol)
{
    long base = check_type(type);
    if (base < 0)
        return base;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    struct usock *s;
    long rc = unix_usock_new((uint32_t)base, &s);
    return rc ? rc : unix_usock_install(s, (uint32_t)type);
}

void unix_set_cred(struct unix_hdr *h, int side)
{
    h->cred[side][0] = (int32_t)rt_pid();
    h->cred[side][1] = (int32_t)rt_uid;
    h->cred[side][2] = (int32_t)rt_gid;
}

long unix_pass(struct usock *s, uint64_t *id, unsigned *counts, int delta)
{
    /* a listening socket, or a bound datagram socket connected to nobody: its name's
     * object, whose side 0 counts it */
    if (s->lst && s->counts_lst && !s->conn && !s->dest) {
        *id = s->lst->id;
        *counts = 1;
        unix_count_inflight(s->lst, 0, delta);
        return 0;
    }
    if (!s->conn)
        return -EOPNOTSUPP;
    *id = s->conn->id;
    *counts = s->side ? 2 : 1;
    unix_count_inflight(s->conn, s->side, delta);
    return 0;
}

/* A received listening socket (or bound datagram socket, listening false): its name's
 * object a (held), as a descriptor. */
static long adopt_listener(struct area *a, uint32_t type, bool listening, uint32_t status,
                           uint32_t fdflags)
{
    struct usock *s = NULL;
    long rc = unix_usock_new(type, &s);
    if (rc) {
        unix_area_put(a);
        return rc;
    }
    uint32_t len = __atomic_load_n(&a->h->namelen[0], __ATOMIC_ACQUIRE);
    if (len > NAME_MAX_UNIX)
        len = 0;
    memcpy(s->name.path, a->h->name[0], len);
    s->name.path[len] = 0;
    s->name.len = len;
    s->lst = a;
    s->bound = s->counts_lst = true;
    s->listening = listening;
    if (len && !s->name.path[0]) /* it holds the abstract name too (unix_release) */
        __atomic_add_fetch(&a->h->bound, 1, __ATOMIC_ACQ_REL);
    a->refs++;
    long fd = unix_usock_install(s, (status & O_NONBLOCK) | (fdflags & O_CLOEXEC));
    unix_count_inflight(a, 0, -1); /* the new description counts itself (unix_open) */
    unix_area_put(a);
    return fd;
}

long unix_adopt(uint64_t ticket, int side, uint32_t status, uint32_t fdflags)
{
    struct area *a;
    long rc = unix_area_adopt(ticket, &a);
    if (rc)
        return rc;
    uint32_t type = __atomic_load_n(&a->h->type, __ATOMIC_ACQUIRE);
    struct usock *s = NULL;
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        rc = -EIO; /* a header no runtime of ours wrote */
    if (!rc && (side == 2 || (side == 3 && type == SOCK_DGRAM)))
        return adopt_listener(a, type, side == 2, status, fdflags);
    if (side > 1)
        rc = -EIO;
    if (!rc)
        rc = unix_usock_new(type, &s);
    if (rc) {
        unix_area_put(a);
        return rc;
    }
    s->conn = a;
    s->side = side & 1;
    uint32_t len = __atomic_load_n(&a->h->namelen[s->side], __ATOMIC_ACQUIRE);
    if (len > NAME_MAX_UNIX)
        len = 0;
    memcpy(s->name.path, a->h->name[s->side], len);
    s->name.path[len] = 0;
    s->name.len = len;
    /* the description counts itself now (unix_open); the one in flight goes */
    a->refs++;
    int sd = s->side;
    long fd = unix_usock_install(s, (status & O_NONBLOCK) | (fdflags & O_CLOEXEC));
    unix_count_inflight(a, sd, -1); /* the new description counts itself (unix_open) */
    unix_area_put(a);
    return fd;
}

long rt_unix_socketpair(uint64_t domain, uint64_t type, uint64_t protocol, uint64_t ufds)
{
    if (domain != AF_UNIX)
        return domain == AF_INET || domain == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
    long base = check_type(type);
    if (base < 0)
        return base;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (!rt_user_write(ufds, 8))
        return -EFAULT;
    struct area *a;
    long rc = unix_area_get(false, 0, 0, &a);
    if (rc)
        return rc;
    a->h->type = (uint32_t)base;
    a->h->accepted = 1;
    unix_set_cred(a->h, 0);
    unix_set_cred(a->h, 1);
    struct usock *s[2] = {NULL, NULL};
    long fd[2] = {-1, -1};
    for (int i = 0; i < 2; i++) {
        rc = unix_usock_new((uint32_t)base, &s[i]);
        if (rc)
            break;
        s[i]->conn = a;
        s[i]->side = i;
        a->refs += i; /* one reference each */
        fd[i] = unix_usock_install(s[i], (uint32_t)type);
        if (fd[i] < 0) {
            rc = fd[i];
            break;
        }
    }
    if (rc) {
        if (fd[0] >= 0)
            vfs_close(rt_vfs, (int)fd[0]);
        else if (!s[0])
            unix_area_put(a);
        return rc;
    }
    int32_t out[2] = {(int32_t)fd[0], (int32_t)fd[1]};
    memcpy((void *)ufds, out, sizeof(out));
    return 0;
}

/* Waits (without the runtime lock) on a's notification until ready() holds for s, or a
 * signal: 0, or -EINTR; -EBADF if fd no longer names s. */
/* The side of a whose changes s waits for: its own side of its connection; any other
 * object (a listener, a datagram receiver) is told of every change on both sides. */
static int wait_side(const struct usock *s, const struct area *a)
{
    return a == s->conn ? s->side : 0;
}

/* Counts the caller among side's sleepers of a for kind (and holds a) for a wait, or
 * ends that. */
static void sleeper(struct area *a, int side, int kind, bool in)
{
    if (in) {
        a->refs++;
        __atomic_add_fetch(&a->h->waiters[side][kind], 1, __ATOMIC_SEQ_CST);
    } else {
        __atomic_sub_fetch(&a->h->waiters[side][kind], 1, __ATOMIC_SEQ_CST);
        unix_area_put(a);
    }
}

/* Sleeps without the runtime lock until side's change count in a is no longer seen (or
 * ns passed): the kernel's answer. The count is compared by the kernel as the thread
 * goes to sleep, so a change after the caller's look cannot be slept through, however
 * many threads of however many processes wait on the same side (a notification wakes
 * one, and a wake taken by a waiter of the other side was lost: issue 18). */
static long sleep_unless(struct area *a, int side, int kind, uint32_t seen, uint64_t ns)
{
    rt_unlock();
    long err = cx_futex_wait(rt->slot_pd, (uint64_t)&a->h->ev[side][kind], seen, ns);
    rt_lock();
    return err;
}

int unix_wait_until(struct area *a, int fd, struct usock *s,
                    bool (*ready)(struct usock *, struct area *), uint64_t deadline, int kind)
{
    int side = wait_side(s, a), rc = 0;
    kind &= 1;
    sleeper(a, side, kind, true);
    for (;;) {
        uint32_t seen = __atomic_load_n(&a->h->ev[side][kind], __ATOMIC_SEQ_CST);
        if (ready(s, a))
            break;
        /* bounded: the launcher tells of a killed peer by the notification only */
        uint64_t now = cx_clock_ns(), ns = WAIT_SAFETY_NS;
        if (deadline && now >= deadline) {
            rc = -EAGAIN; /* SO_RCVTIMEO, SO_SNDTIMEO */
            break;
        }
        if (deadline && deadline - now < ns)
            ns = deadline - now;
        long err = sleep_unless(a, side, kind, seen, ns);
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (unix_fd_usock(fd) != s) {
            rc = -EBADF;
            break;
        }
    }
    sleeper(a, side, kind, false);
    return rc;
}

int unix_wait_on(struct area *a, int fd, struct usock *s,
                 bool (*ready)(struct usock *, struct area *))
{
    return unix_wait_until(a, fd, s, ready, 0, WAIT_IN);
}

/* ---- waits for the VFS calls (fs.c) and poll (poll.c) ---- */

int rt_unix_wait(struct vfs_file *f, unsigned events)
{
    struct usock *s = usock_of_node(f->node);
    if (!s)
        return 0;
    struct area *a = s->conn ? s->conn : (events & POLLOUT) && s->dest ? s->dest : s->lst;
    if (!a) {
        while (!(unix_upoll(s) & (events | POLLHUP | POLLERR))) {
            rt_unlock();
            long err = rt_sleep_ns(WAIT_SLICE_NS);
            rt_lock();
            if (err == -EINTR && rt_signal_interrupted())
                return -EINTR;
            if (usock_of_node(f->node) != s)
                return 1;
        }
        return 1;
    }
    /* a wait for room only sleeps on the room count; any other on the data count */
    int side = wait_side(s, a), rc = 1, kind = (events & POLLIN) ? WAIT_IN : WAIT_OUT;
    sleeper(a, side, kind, true);
    for (;;) {
        uint32_t seen = __atomic_load_n(&a->h->ev[side][kind], __ATOMIC_SEQ_CST);
        if (unix_upoll(s) & (events | POLLHUP | POLLERR))
            break;
        /* bounded: a client before its accept also watches its listener, and the launcher
         * tells of a killed peer by the notification only */
        long err = sleep_unless(a, side, kind, seen, WAIT_SAFETY_NS);
        if ((err == CX_E_INTERRUPTED || err == -EINTR) && rt_signal_interrupted()) {
            rc = -EINTR;
            break;
        }
        if (usock_of_node(f->node) != s)
            break;
    }
    sleeper(a, side, kind, false);
    return rc;
}

uint64_t rt_unix_notif(struct vfs_file *f)
{
    struct usock *s = usock_of_node(f->node);
    struct area *a = !s ? NULL : s->conn ? s->conn : s->lst;
    return a ? a->slot_notif : 0;
}
