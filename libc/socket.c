/*
 * Sockets (AF_INET) as clients of the network server's Net session (docs/net-protocol.md,
 * docs/net-server.md). The session is opened through the launcher on the first
 * socket(AF_INET) (RT_LABEL_SESSION, service "Net"), so a fork child holds it too; no
 * route: EACCES and one log line. Its memory (control blocks and rings) is mapped at
 * RT_NET_BASE with CX_MAP_SHARE, the same in every holder.
 *
 * A socket is a node of a hidden file system of this runtime (like pipes): its
 * description is an open file description, shared by dup and fork. Each process holds
 * one server reference per socket it knows (struct sock): a fork child adds its own
 * (NET_DUP), the last description of a socket in a process drops it (NET_CLOSE), so
 * the server closes the socket with its last holder. Data moves through the socket's
 * rings without IPC; NET_KICK after producing, and after consuming when the server
 * asks (NET_RDY_RXKICK). The VFS never blocks: an empty or full ring answers -EAGAIN
 * and the caller waits (rt_socket_wait) on this process's notification, which the
 * server signals on changes; the wait is sliced (10 ms), since a fork child binds a
 * notification of its own and the server signals only the last one bound.
 *
 * A server that dies leaves the rings as they were and signals nothing: a wait asks it
 * every 200 ms (NET_INFO), and once a request finds its endpoint gone, every socket of
 * the session is readable, writable and in error for poll, and every call fails with
 * EIO (after what the receive ring still holds has been read).
 *
 * Two processes reading (or writing) one socket at the same time race on its ring
 * indices (the server then sees a broken ring: EIO); Linux serializes them.
 */
#include <capix/net_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"

#define WAIT_SLICE_NS 10000000ull
#define PROBE_SLICES 20              /* a wait asks whether the server lives every 200 ms */
#define CLOSE_DRAIN_NS 5000000000ull /* a close waits this long for the send ring */

struct sock {
    struct vfs_node node;
    uint32_t handle, type;
    bool shut_rd, shut_wr, connecting, was_connected, listening;
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* 0: for ever */
    struct sock *next;
};

static struct {
    bool open, tried;
    bool dead; /* the server is gone: every socket call fails with EIO, every wait ends */
    uint64_t id, slot_ep, slot_mem, notif, bytes;
    uint8_t *mem;
} net;

static struct vfs_fs *sock_fs;
static struct sock *socks;
static uint64_t next_ino = 1;

static struct sock *sock_of_node(struct vfs_node *n)
{
    for (struct sock *s = socks; s; s = s->next)
        if (&s->node == n)
            return s;
    return NULL;
}

/* The socket a description refers to, or NULL when it is no socket of ours. */
static struct sock *sock_of(struct vfs_file *f)
{
    return f && sock_fs && f->node->fs == sock_fs ? sock_of_node(f->node) : NULL;
}

static volatile struct net_ctl *ctl(const struct sock *s)
{
    return (volatile struct net_ctl *)net.mem + (s->handle - 1);
}

static uint8_t *ring(const struct sock *s, int tx)
{
    return net.mem + net_ring_offset(s->handle, tx);
}

/* One request; the answer's word 0 (>= 0 or -errno), the rest in out[0..2]. */
static long net_req(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *out)
{
    struct cx_ipcbuf *b = rt_ipcbuf();
    b->words[4] = 0;
    b->words[5] = 0;
    struct cx_ret r = cx_raw_ipc_call(net.slot_ep, CX_TAG(NET_LABEL_REQUEST, 6, 0), op, a0, a1, a2);
    if (r.err) {
        net.dead = true; /* the server is gone (its endpoint with it) */
        return -EIO;
    }
    if (out) {
        out[0] = r.r10;
        out[1] = r.r8;
        out[2] = r.r9;
    }
    return (long)r.rdx;
}

/* The notification the server signals, made and bound on first use in this process. */
static void net_bind_notif(void)
{
    if (net.notif)
        return;
    uint64_t n = rt_slot_alloc(), give = rt_slot_alloc();
    if (!n || !give || cx_notif_create(rt->slot_quota, n) ||
        cx_cap_copy(n, CX_SLOT_SELF_PD, give, CX_R_WRITE, 0)) {
        if (n)
            rt_slot_free(n);
        if (give)
            rt_slot_free(give);
        return; /* the waits are sliced: slower, still correct */
    }
    struct cx_ipcbuf *b = rt_ipcbuf();
    b->send_caps[0] = give;
    cx_raw_ipc_call(net.slot_ep, CX_TAG(NET_LABEL_BIND, 1, 1), 1, 0, 0, 0);
    b->send_caps[0] = 0;
    cx_cap_delete(give);
    rt_slot_free(give);
    net.notif = n;
}

uint32_t rt_net_sockets = 31; /* config `sockets` (1..NET_HANDLES_MAX) */

/*
 * The quota to donate for a session of n sockets: their rings and the control pages,
 * plus the kernel's charge for the memory object (its directory pages and the object:
 * the net server reserves 2 pages plus one per 512 and one more, net_service.c). The
 * default 31 sockets come to just under 4 MiB. n <= NET_HANDLES_MAX: no overflow.
 */
static uint64_t net_donation(uint32_t n)
{
    if (n < 1 || n > NET_HANDLES_MAX)
        n = 31;
    uint64_t bytes = (uint64_t)NET_CTL_PAGES * CX_PAGE_SIZE + (uint64_t)n * 2 * NET_RING_BYTES;
    uint64_t pages = bytes / CX_PAGE_SIZE;
    return bytes + (3 + pages / 512) * CX_PAGE_SIZE;
}

/* The Net session, opened on first use: 0 or -EACCES (no route, logged once). */
static int net_ready(void)
{
    if (net.open)
        return 0;
    if (net.tried)
        return -EACCES;
    net.tried = true;
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    memcpy(words, "Net", 3);
    memcpy((char *)words + SW * 8, "socket", 6);
    net.slot_ep = rt_slot_alloc();
    net.slot_mem = rt_slot_alloc();
    struct cx_ipcbuf *b = rt_ipcbuf();
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->words[W] = net_donation(rt_net_sockets);
    b->words[W + 1] = net.slot_ep;
    b->words[W + 2] = net.slot_mem;
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SESSION, W + 3, 0), words[0],
                                      words[1], words[2], words[3]);
    long id = r.err ? -EIO : (long)r.rdx;
    uint64_t o[3] = {0, 0, 0};
    long info = id > 0 ? (net.id = (uint64_t)id, net_req(NET_INFO, 0, 0, 0, o)) : id;
    if (info == 0 && (o[0] > RT_NET_MAX || o[0] < NET_CTL_PAGES * CX_PAGE_SIZE ||
                      cx_map(rt->slot_pd, net.slot_mem, 0, RT_NET_BASE, o[0] / CX_PAGE_SIZE,
                             CX_MAP_R | CX_MAP_W | CX_MAP_SHARE)))
        info = -ENOMEM;
    if (info) {
        if (id > 0)
            cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SHARED_DROP, 1, 0), (uint64_t)id, 0, 0, 0);
        rt_log("[runtime] socket(AF_INET): no Net session: this component has no `route Net` (or "
               "the network server refused the session: errno %ld): EACCES\n",
               -info);
        return -EACCES;
    }
    net.bytes = o[0];
    net.mem = (uint8_t *)RT_NET_BASE;
    net.open = true;
    net_bind_notif();
    return 0;
}

/* ---- the socket file system ---- */

static uint32_t room_tx(const struct sock *s)
{
    volatile struct net_ctl *c = ctl(s);
    uint32_t used = c->tx_prod - c->tx_cons;
    return used > NET_RING_BYTES ? 0 : NET_RING_BYTES - used;
}

static uint32_t have_rx(const struct sock *s)
{
    volatile struct net_ctl *c = ctl(s);
    uint32_t have = c->rx_prod - c->rx_cons;
    return have > NET_RING_BYTES ? 0 : have;
}

/* The pending error (SO_ERROR), read and cleared at the server; 0 if none. */
static int take_error(struct sock *s)
{
    uint64_t o[3];
    if (net_req(NET_GETOPT, s->handle, NET_OPT_ERROR, 0, o) < 0)
        return EIO;
    return (int)o[0];
}

static void ring_copy_out(const struct sock *s, uint32_t at, void *dst, uint32_t n)
{
    const uint8_t *r = ring(s, 0);
    for (uint32_t done = 0; done < n;) {
        uint32_t i = (at + done) % NET_RING_BYTES, k = NET_RING_BYTES - i;
        if (k > n - done)
            k = n - done;
        memcpy((uint8_t *)dst + done, r + i, k);
        done += k;
    }
}

static void ring_copy_in(const struct sock *s, uint32_t at, const void *src, uint32_t n)
{
    uint8_t *r = ring(s, 1);
    for (uint32_t done = 0; done < n;) {
        uint32_t i = (at + done) % NET_RING_BYTES, k = NET_RING_BYTES - i;
        if (k > n - done)
            k = n - done;
        memcpy(r + i, (const uint8_t *)src + done, k);
        done += k;
    }
}

/* Takes up to n bytes of a stream (peek: leaves them); 0 at end of stream, -EAGAIN. */
static int64_t stream_recv(struct sock *s, void *buf, size_t n, bool peek)
{
    volatile struct net_ctl *c = ctl(s);
    uint32_t have = have_rx(s), ready = c->ready;
    if (!have) {
        if (net.dead)
            return -EIO;
        if (s->shut_rd || (ready & NET_RDY_EOF))
            return 0;
        if (ready & NET_RDY_ERR) {
            int e = take_error(s);
            if (e)
                return -e;
        }
        if (ready & NET_RDY_HUP)
            return 0;
        if (!(ready & NET_RDY_CONN) && !s->connecting)
            return -ENOTCONN;
        return -EAGAIN;
    }
    if (n > have)
        n = have;
    uint32_t cons = c->rx_cons;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    ring_copy_out(s, cons, buf, (uint32_t)n);
    if (!peek) {
        __atomic_store_n(&c->rx_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
        if (c->ready & NET_RDY_RXKICK)
            net_req(NET_KICK, s->handle, 0, 0, NULL);
    }
    return (int64_t)n;
}

/* Puts up to n bytes into a stream; -EPIPE, -ENOTCONN, -EAGAIN. */
static int64_t stream_send(struct sock *s, const void *buf, size_t n)
{
    volatile struct net_ctl *c = ctl(s);
    uint32_t ready = c->ready;
    if (net.dead)
        return -EIO;
    if (s->shut_wr || (ready & (NET_RDY_WRSHUT | NET_RDY_HUP))) {
        if (ready & NET_RDY_ERR) {
            int e = take_error(s);
            if (e && e != ECONNREFUSED && e != EPIPE)
                return -e;
        }
        return -EPIPE;
    }
    if (!(ready & NET_RDY_CONN))
        return s->connecting ? -EAGAIN : -ENOTCONN;
    if (!n)
        return 0;
    uint32_t room = room_tx(s);
    if (!room)
        return -EAGAIN;
    if (n > room)
        n = room;
    uint32_t prod = c->tx_prod;
    ring_copy_in(s, prod, buf, (uint32_t)n);
    __atomic_store_n(&c->tx_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
    net_req(NET_KICK, s->handle, 0, 0, NULL);
    return (int64_t)n;
}

/* One datagram out of the ring: its payload (truncated to n), its source. */
static int64_t dgram_recv(struct sock *s, void *buf, size_t n, bool peek, uint32_t *addr,
                          uint16_t *port, uint32_t *full)
{
    volatile struct net_ctl *c = ctl(s);
    struct net_dgram h;
    uint32_t have = have_rx(s);
    if (have < sizeof(h)) {
        if (net.dead)
            return -EIO;
        if (c->ready & NET_RDY_ERR) {
            int e = take_error(s);
            if (e)
                return -e;
        }
        return s->shut_rd ? 0 : -EAGAIN;
    }
    uint32_t cons = c->rx_cons;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    ring_copy_out(s, cons, &h, sizeof(h));
    if (h.len > have - sizeof(h))
        return -EIO; /* the server writes whole records */
    uint32_t k = n < h.len ? (uint32_t)n : h.len;
    ring_copy_out(s, cons + (uint32_t)sizeof(h), buf, k);
    if (addr)
        *addr = h.addr, *port = h.port;
    if (full)
        *full = h.len;
    if (!peek) {
        __atomic_store_n(&c->rx_cons, cons + (uint32_t)sizeof(h) + h.len, __ATOMIC_RELEASE);
        if (c->ready & NET_RDY_RXKICK)
            net_req(NET_KICK, s->handle, 0, 0, NULL);
    }
    return k; /* the rest of a longer datagram is lost, as on Linux */
}

static int64_t dgram_send(struct sock *s, const void *buf, size_t n, uint32_t addr, uint16_t port)
{
    volatile struct net_ctl *c = ctl(s);
    if (net.dead)
        return -EIO;
    if (s->shut_wr)
        return -EPIPE;
    if (n > NET_DGRAM_MAX)
        return -EMSGSIZE;
    if (c->ready & NET_RDY_ERR) {
        int e = take_error(s); /* an earlier datagram's (EACCES, ...) */
        if (e)
            return -e;
    }
    struct net_dgram h = {.len = (uint32_t)n, .addr = addr, .port = port};
    if (room_tx(s) < sizeof(h) + n)
        return -EAGAIN;
    uint32_t prod = c->tx_prod;
    ring_copy_in(s, prod, &h, sizeof(h));
    ring_copy_in(s, prod + (uint32_t)sizeof(h), buf, (uint32_t)n);
    __atomic_store_n(&c->tx_prod, prod + (uint32_t)(sizeof(h) + n), __ATOMIC_RELEASE);
    net_req(NET_KICK, s->handle, 0, 0, NULL);
    return (int64_t)n;
}

static int64_t sock_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct sock *s = sock_of_node(f->node);
    (void)off;
    if (s->type == NET_T_DGRAM)
        return dgram_recv(s, buf, n, false, NULL, NULL, NULL);
    return stream_recv(s, buf, n, false);
}

static int64_t sock_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct sock *s = sock_of_node(f->node);
    (void)off;
    if (s->type == NET_T_DGRAM)
        return dgram_send(s, buf, n, 0, 0);
    return stream_send(s, buf, n);
}

static unsigned sock_poll(struct vfs_file *f, unsigned events)
{
    struct sock *s = sock_of_node(f->node);
    uint32_t ready = ctl(s)->ready;
    unsigned ev = 0;
    if (net.dead) /* every call fails now: nothing is left to wait for */
        return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | POLLHUP;
    if (s->listening)
        return ready & NET_RDY_ACC ? POLLIN | POLLRDNORM : 0;
    if (have_rx(s) || (ready & (NET_RDY_EOF | NET_RDY_HUP)) || s->shut_rd)
        ev |= POLLIN | POLLRDNORM;
    if (s->type == NET_T_DGRAM ? room_tx(s) > 1500
                               : (ready & NET_RDY_CONN) && !(ready & NET_RDY_WRSHUT) && room_tx(s))
        ev |= POLLOUT | POLLWRNORM;
    if (ready & NET_RDY_ERR)
        ev |= POLLERR;
    if (ready & NET_RDY_HUP)
        ev |= POLLHUP | POLLOUT | POLLWRNORM;
    if ((s->shut_rd || (ready & NET_RDY_EOF)) && (s->shut_wr || (ready & NET_RDY_WRSHUT)))
        ev |= POLLHUP;
    if (ready & NET_RDY_EOF)
        ev |= POLLRDHUP;
    (void)events;
    return ev;
}

static int sock_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    struct sock *s = sock_of_node(f->node);
    if (req != FIONREAD)
        return -ENOTTY;
    int n = 0;
    if (s->type == NET_T_DGRAM && have_rx(s) >= sizeof(struct net_dgram)) {
        struct net_dgram h;
        ring_copy_out(s, ctl(s)->rx_cons, &h, sizeof(h));
        n = (int)h.len; /* Linux: the size of the next datagram */
    } else if (s->type == NET_T_STREAM) {
        n = (int)have_rx(s);
    }
    memcpy(arg, &n, sizeof(n));
    return 0;
}

static int sock_getattr(struct vfs_node *n, struct linux_stat *st)
{
    (void)n;
    st->st_mode = S_IFSOCK | 0777;
    st->st_nlink = 1;
    st->st_uid = rt_uid;
    st->st_gid = rt_gid;
    st->st_blksize = 4096;
    return 0;
}

static int sock_open(struct vfs_file *f)
{
    f->stream = true;
    return 0;
}

/* The last description of the socket in this process went: the send ring is given a
 * little time to drain (Linux's close sends what was written), then the reference. */
static void sock_release(struct vfs_node *n)
{
    struct sock *s = sock_of_node(n);
    if (!s)
        return;
    if (s->type == NET_T_STREAM && !s->listening) {
        uint64_t end = cx_clock_ns() + CLOSE_DRAIN_NS;
        while (ctl(s)->tx_cons != ctl(s)->tx_prod &&
               !(ctl(s)->ready & (NET_RDY_HUP | NET_RDY_ERR)) && cx_clock_ns() < end)
            if (!net.notif || cx_notif_wait(net.notif, WAIT_SLICE_NS, NULL) == CX_E_INTERRUPTED)
                rt_sleep_ns(WAIT_SLICE_NS);
    }
    net_req(NET_CLOSE, s->handle, 0, 0, NULL);
    for (struct sock **pp = &socks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    rt_free(s, sizeof(*s));
}

static const struct vfs_fs_ops sock_ops = {
    .getattr = sock_getattr,
    .open = sock_open,
    .release = sock_release,
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .ioctl = sock_ioctl,
};

static struct vfs_node sock_root;

static int sock_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static struct vfs_fs fs;
    (void)a;
    fs.ops = &sock_ops;
    sock_root.fs = &fs;
    sock_root.type = S_IFDIR;
    sock_root.ino = next_ino++;
    sock_root.refs = 1;
    fs.root = &sock_root;
    *out = &fs;
    return 0;
}

static const struct vfs_plugin sock_plugin = {
    .name = "socket",
    .kind = VFS_PLUGIN_TREE,
    .mount = sock_mount,
};

/* A descriptor for server socket handle h of type: the fd or -errno (the reference
 * dropped on failure). */
static long sock_install(uint32_t h, uint32_t type, uint32_t flags)
{
    struct cfg_error err;
    if (!sock_fs && vfs_mount_hidden(rt_vfs, &sock_plugin, NULL, &sock_fs, &err)) {
        net_req(NET_CLOSE, h, 0, 0, NULL);
        return -ENOMEM;
    }
    struct sock *s = rt_alloc(sizeof(*s));
    if (!s) {
        net_req(NET_CLOSE, h, 0, 0, NULL);
        return -ENOMEM;
    }
    memset(s, 0, sizeof(*s));
    s->handle = h;
    s->type = type;
    s->node.fs = sock_fs;
    s->node.ino = next_ino++;
    s->node.type = S_IFSOCK;
    s->next = socks;
    socks = s;
    struct vfs_file *f = NULL;
    int rc = vfs_file_open_node(&s->node, O_RDWR | (flags & O_NONBLOCK), &f);
    long fd = rc ? rc : vfs_install_fd(rt_vfs, f, 0, (flags & O_CLOEXEC) != 0);
    if (fd < 0) {
        if (f)
            vfs_file_put(f); /* releases the node: NET_CLOSE */
        else
            sock_release(&s->node);
    }
    return fd;
}

/* ---- the calls ---- */

struct l_sockaddr_in {
    uint16_t family, port; /* port in network byte order */
    uint32_t addr;         /* network byte order */
    uint8_t zero[8];
};

static uint32_t swap32(uint32_t v)
{
    return __builtin_bswap32(v);
}
static uint16_t swap16(uint16_t v)
{
    return __builtin_bswap16(v);
}

/* The address a program passes: 0 and addr/port in host order, or -errno. */
static int get_addr(uint64_t uaddr, uint64_t len, uint32_t *addr, uint16_t *port, bool bind)
{
    struct l_sockaddr_in a;
    if (len < sizeof(a) || len > 128)
        return -EINVAL;
    if (!rt_user_range(uaddr, sizeof(a)))
        return -EFAULT;
    memcpy(&a, (const void *)uaddr, sizeof(a));
    if (a.family != AF_INET)
        return bind ? -EAFNOSUPPORT : -EAFNOSUPPORT;
    *addr = swap32(a.addr);
    *port = swap16(a.port);
    return 0;
}

/* Writes an address back as Linux does: truncated to *ulen, *ulen set to its size. */
static int put_addr(uint64_t uaddr, uint64_t ulen, uint32_t addr, uint16_t port)
{
    if (!uaddr)
        return 0;
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    int32_t len;
    memcpy(&len, (const void *)ulen, 4);
    if (len < 0)
        return -EINVAL;
    struct l_sockaddr_in a = {.family = AF_INET, .port = swap16(port), .addr = swap32(addr)};
    uint32_t k = (uint32_t)len < sizeof(a) ? (uint32_t)len : sizeof(a);
    if (k && !rt_user_range(uaddr, k))
        return -EFAULT;
    memcpy((void *)uaddr, &a, k);
    len = (int32_t)sizeof(a);
    memcpy((void *)ulen, &len, 4);
    return 0;
}

static struct sock *fd_sock(int fd, long *err)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    struct sock *s = sock_of(f);
    *err = !f ? -EBADF : !s ? -ENOTSOCK : 0;
    return s;
}

/* Waits (without the runtime lock) until poll on f shows one of events, up to the
 * deadline (0: none): 1 ready, 0 timed out, -EINTR. */
static int sock_wait_until(struct vfs_file *f, unsigned events, uint64_t deadline)
{
    for (unsigned slice = 1; !(sock_poll(f, events) & (events | POLLERR | POLLHUP)); slice++) {
        /* a server that died leaves its rings as they were and signals nothing: every
         * PROBE_SLICES slices one request finds out (net_req marks it dead) */
        if (slice % PROBE_SLICES == 0 && net_req(NET_INFO, 0, 0, 0, NULL) == -EIO)
            continue;
        uint64_t now = cx_clock_ns();
        if (deadline && now >= deadline)
            return 0;
        uint64_t ns = WAIT_SLICE_NS;
        if (deadline && deadline - now < ns)
            ns = deadline - now;
        net_bind_notif();
        rt_unlock();
        long e = net.notif ? cx_notif_wait(net.notif, ns, NULL) : (rt_sleep_ns(ns), 0);
        rt_lock();
        if ((e == CX_E_INTERRUPTED || e == 0) && rt_signal_interrupted())
            return -EINTR;
        if (!sock_of(f))
            return 1;
    }
    return 1;
}

int rt_socket_wait(struct vfs_file *f, unsigned events)
{
    if (rt_unix_file(f))
        return rt_unix_wait(f, events);
    if (!sock_of(f))
        return 0;
    int r = sock_wait_until(f, events, 0);
    return r;
}

uint64_t rt_socket_notif(struct vfs_file *f)
{
    if (rt_unix_file(f))
        return rt_unix_notif(f);
    if (!sock_of(f))
        return 0;
    net_bind_notif();
    return net.notif;
}

/* A fork child's server references to its sockets are taken by the parent before the
 * fork (rt_sockets_before_fork): taken by the child as it starts, they came too late
 * when the parent closed its copy first, which was then the last one and closed the
 * socket under the child (a fork child echoing on a connection whose other end the
 * parent kept). A vfork child that executes takes its own as it starts (the parent
 * waits for it). */
static bool dups_taken; /* set in the parent for the fork: the child's copy sees it */

void rt_sockets_before_fork(void)
{
    for (struct sock *s = socks; s; s = s->next)
        net_req(NET_DUP, s->handle, 0, 0, NULL);
    dups_taken = true;
}

void rt_sockets_fork_done(bool failed)
{
    dups_taken = false;
    if (failed)
        for (struct sock *s = socks; s; s = s->next)
            net_req(NET_CLOSE, s->handle, 0, 0, NULL);
}

void rt_sockets_after_fork(void)
{
    rt_unix_after_fork();
    net.notif = 0; /* the parent's: not in the child's capability space */
    if (!dups_taken)
        for (struct sock *s = socks; s; s = s->next)
            net_req(NET_DUP, s->handle, 0, 0, NULL);
    dups_taken = false;
}

long rt_socket(uint64_t domain, uint64_t type, uint64_t protocol)
{
    uint32_t t = (uint32_t)type, base = t & SOCK_TYPE_MASK;
    if (base >= SOCK_TYPE_LIMIT ||
        (t & ~SOCK_TYPE_MASK & ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)))
        return -EINVAL;
    int rc = net_ready();
    if (rc)
        return rc;
    uint32_t nt = base == SOCK_STREAM ? NET_T_STREAM : base == SOCK_DGRAM ? NET_T_DGRAM : 0;
    if (!nt)
        return -ESOCKTNOSUPPORT;
    if (protocol && !(nt == NET_T_STREAM && protocol == 6) &&
        !(nt == NET_T_DGRAM && protocol == 17))
        return -EPROTONOSUPPORT;
    long h = net_req(NET_SOCKET, nt, 0, 0, NULL);
    if (h <= 0)
        return h == -ENOBUFS ? -ENOBUFS : h < 0 ? h : -EIO;
    if ((uint64_t)h * 2 * NET_RING_BYTES + NET_CTL_PAGES * CX_PAGE_SIZE > net.bytes) {
        net_req(NET_CLOSE, (uint64_t)h, 0, 0, NULL);
        return -ENOBUFS;
    }
    (void)domain;
    return sock_install((uint32_t)h, nt, t);
}

long rt_bind(int fd, uint64_t uaddr, uint64_t len)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_bind(fd, uaddr, len);
    long err;
    struct sock *s = fd_sock(fd, &err);
    uint32_t addr;
    uint16_t port;
    if (!s)
        return err;
    int rc = get_addr(uaddr, len, &addr, &port, true);
    if (rc)
        return rc;
    uint64_t o[3];
    return net_req(NET_BIND, s->handle, addr, port, o);
}

long rt_listen(int fd, int backlog)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_listen(fd, backlog);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    long r = net_req(NET_LISTEN, s->handle, (uint64_t)(uint32_t)backlog, 0, NULL);
    if (r == 0)
        s->listening = true;
    return r;
}

long rt_accept4(int fd, uint64_t uaddr, uint64_t ulen, int flags)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_accept4(fd, uaddr, ulen, flags);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (uaddr && !rt_user_range(ulen, 4))
        return -EFAULT;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    uint64_t o[3];
    for (;;) {
        long h = net_req(NET_ACCEPT, s->handle, 0, 0, o);
        if (h > 0) {
            long nfd = sock_install((uint32_t)h, NET_T_STREAM, (uint32_t)flags);
            if (nfd >= 0) {
                struct sock *c = sock_of(vfs_fd_file(rt_vfs, (int)nfd));
                if (c)
                    c->was_connected = true;
                put_addr(uaddr, ulen, (uint32_t)o[0], (uint16_t)o[1]);
            }
            return nfd;
        }
        if (h != -EAGAIN || (f->flags & O_NONBLOCK))
            return h;
        int w = sock_wait_until(f, POLLIN, 0);
        if (w < 0)
            return w;
        f = vfs_fd_file(rt_vfs, fd);
        if (sock_of(f) != s)
            return -EBADF;
    }
}

long rt_connect(int fd, uint64_t uaddr, uint64_t len)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_connect(fd, uaddr, len);
    long err;
    struct sock *s = fd_sock(fd, &err);
    uint32_t addr;
    uint16_t port;
    if (!s)
        return err;
    int rc = get_addr(uaddr, len, &addr, &port, false);
    if (rc)
        return rc;
    if (s->connecting) {
        uint32_t ready = ctl(s)->ready;
        if (ready & NET_RDY_CONN) /* Linux: the first connect after it completed says 0 */
            return s->connecting = false, s->was_connected = true, 0;
        if (!(ready & (NET_RDY_ERR | NET_RDY_HUP)))
            return -EALREADY;
    }
    long r = net_req(NET_CONNECT, s->handle, addr, port, NULL);
    if (s->type == NET_T_DGRAM || r != -EINPROGRESS)
        return r;
    s->connecting = true;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    if (f->flags & O_NONBLOCK)
        return -EINPROGRESS;
    int w = sock_wait_until(f, POLLOUT, 0);
    if (w < 0)
        return w; /* the connection goes on, as on Linux */
    s->connecting = false;
    if (ctl(s)->ready & NET_RDY_CONN) {
        s->was_connected = true;
        return 0;
    }
    int e = take_error(s);
    return e ? -e : -ECONNREFUSED;
}

long rt_sockname(int fd, uint64_t uaddr, uint64_t ulen, bool peer)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_sockname(fd, uaddr, ulen, peer);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    uint64_t o[3];
    long r = net_req(NET_NAME, s->handle, peer, 0, o);
    if (r)
        return r;
    return put_addr(uaddr ? uaddr : 1, ulen, (uint32_t)o[0], (uint16_t)o[1]);
}

/* sendto (and send, write with flags): MSG_DONTWAIT and MSG_NOSIGNAL honoured. */
long rt_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_sendto(fd, buf, n, flags, uaddr, len);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (n && !rt_user_range(buf, n))
        return -EFAULT;
    uint32_t addr = 0;
    uint16_t port = 0;
    if (uaddr && s->type == NET_T_DGRAM) {
        int rc = get_addr(uaddr, len, &addr, &port, false);
        if (rc)
            return rc;
        if (!addr && !port)
            return -EINVAL;
    }
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    uint64_t deadline = s->sndtimeo_ns ? cx_clock_ns() + s->sndtimeo_ns : 0;
    int64_t r;
    for (;;) {
        r = s->type == NET_T_DGRAM ? dgram_send(s, (const void *)buf, n, addr, port)
                                   : stream_send(s, (const void *)buf, n);
        if (r != -EAGAIN || nonblock)
            break;
        int w = sock_wait_until(f, POLLOUT, deadline);
        if (w <= 0) {
            r = w < 0 ? w : -EAGAIN;
            break;
        }
        if (sock_of(vfs_fd_file(rt_vfs, fd)) != s)
            return -EBADF;
    }
    if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
        rt_raise_sigpipe();
    return r;
}

/* One receive with the waits (flags MSG_PEEK, MSG_DONTWAIT): the count or -errno; the
 * source and a datagram's whole length in *addr, *port, *full. */
static int64_t do_recv(struct sock *s, int fd, void *buf, uint64_t n, int flags, uint32_t *addr,
                       uint16_t *port, uint32_t *full)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    bool nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    bool peek = (flags & MSG_PEEK) != 0;
    uint64_t deadline = s->rcvtimeo_ns ? cx_clock_ns() + s->rcvtimeo_ns : 0;
    int64_t r;
    *addr = 0, *port = 0, *full = 0;
    for (;;) {
        r = s->type == NET_T_DGRAM ? dgram_recv(s, buf, n, peek, addr, port, full)
                                   : stream_recv(s, buf, n, peek);
        if (r != -EAGAIN || nonblock)
            break;
        int w = sock_wait_until(f, POLLIN, deadline);
        if (w <= 0)
            return w < 0 ? w : -EAGAIN;
        if (sock_of(vfs_fd_file(rt_vfs, fd)) != s)
            return -EBADF;
    }
    if (r >= 0 && s->type == NET_T_STREAM) {
        uint64_t o[3];
        if (net_req(NET_NAME, s->handle, 1, 0, o) == 0)
            *addr = (uint32_t)o[0], *port = (uint16_t)o[1];
        *full = (uint32_t)r;
    }
    return r;
}

long rt_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t ulen)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_recvfrom(fd, buf, n, flags, uaddr, ulen);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (n && !rt_user_range(buf, n))
        return -EFAULT;
    if (uaddr && !rt_user_range(ulen, 4))
        return -EFAULT;
    uint32_t addr, full;
    uint16_t port;
    int64_t r = do_recv(s, fd, (void *)buf, n, flags, &addr, &port, &full);
    if (r >= 0 && uaddr)
        put_addr(uaddr, ulen, addr, port);
    return r;
}

long rt_shutdown(int fd, int how)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_shutdown(fd, how);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (how < 0 || how > 2)
        return -EINVAL;
    long r = net_req(NET_SHUTDOWN, s->handle, (uint64_t)how, 0, NULL);
    if (r == 0) {
        s->shut_rd |= how != 1;
        s->shut_wr |= how != 0;
    }
    return r;
}

/* The options the server has (SOL_SOCKET 1, IPPROTO_TCP 6), and the timeouts kept here. */
static int opt_of(int level, int name)
{
    if (level == 1) {
        switch (name) {
        case 2:
            return NET_OPT_REUSEADDR;
        case 9:
            return NET_OPT_KEEPALIVE;
        case 8:
            return NET_OPT_RCVBUF;
        case 7:
            return NET_OPT_SNDBUF;
        case 4:
            return NET_OPT_ERROR;
        }
    } else if (level == 6 && name == 1) {
        return NET_OPT_NODELAY;
    }
    return 0;
}

long rt_setsockopt(int fd, int level, int name, uint64_t val, uint64_t len)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_setsockopt(fd, level, name, val, len);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (level == 1 && (name == 20 || name == 21)) { /* SO_RCVTIMEO, SO_SNDTIMEO */
        int64_t tv[2];
        if (len < sizeof(tv))
            return -EINVAL;
        if (!rt_user_range(val, sizeof(tv)))
            return -EFAULT;
        memcpy(tv, (const void *)val, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000 || tv[0] < 0)
            return -EDOM;
        uint64_t ns = (uint64_t)tv[0] * 1000000000ull + (uint64_t)tv[1] * 1000ull;
        *(name == 20 ? &s->rcvtimeo_ns : &s->sndtimeo_ns) = ns;
        return 0;
    }
    int opt = opt_of(level, name);
    if (!opt)
        return -ENOPROTOOPT;
    if (len < 4)
        return -EINVAL;
    if (!rt_user_range(val, 4))
        return -EFAULT;
    int32_t v;
    memcpy(&v, (const void *)val, 4);
    if (opt == NET_OPT_ERROR)
        return -ENOPROTOOPT;
    if (opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF)
        v = v < 0 ? 0 : v;
    return net_req(NET_SETOPT, s->handle, (uint64_t)opt,
                   opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF ? (uint64_t)v : v != 0, NULL);
}

long rt_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_getsockopt(fd, level, name, val, ulen);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    if (!rt_user_range(ulen, 4))
        return -EFAULT;
    int32_t len;
    memcpy(&len, (const void *)ulen, 4);
    if (len < 0)
        return -EINVAL;
    int32_t v;
    if (level == 1 && name == 3) { /* SO_TYPE */
        v = s->type == NET_T_STREAM ? SOCK_STREAM : SOCK_DGRAM;
    } else if (level == 1 && name == 30) { /* SO_ACCEPTCONN */
        v = s->listening;
    } else {
        int opt = opt_of(level, name);
        if (!opt)
            return -ENOPROTOOPT;
        uint64_t o[3];
        long r = net_req(NET_GETOPT, s->handle, (uint64_t)opt, 0, o);
        if (r)
            return r;
        v = (int32_t)o[0];
        if (opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF)
            v *= 2; /* Linux reports twice what was set */
    }
    uint32_t k = (uint32_t)len < 4 ? (uint32_t)len : 4;
    if (k && !rt_user_range(val, k))
        return -EFAULT;
    memcpy((void *)val, &v, k);
    len = 4;
    memcpy((void *)ulen, &len, 4);
    return 0;
}

#define MSG_TRUNC 0x20
#define IOV_MAX 1024

/* Reads the header and sums the vector: 0, or -EFAULT, -EINVAL, -EMSGSIZE (also for
 * unix_data.c's sendmsg and recvmsg). */
int rt_get_msg(uint64_t umsg, struct l_msghdr *m, uint64_t *total)
{
    if (!rt_user_range(umsg, sizeof(*m)))
        return -EFAULT;
    memcpy(m, (const void *)umsg, sizeof(*m));
    if (m->iovlen > IOV_MAX)
        return -EMSGSIZE;
    if (m->iovlen && !rt_user_range(m->iov, m->iovlen * sizeof(struct l_iovec)))
        return -EFAULT;
    *total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++) {
        struct l_iovec v;
        memcpy(&v, (const void *)(m->iov + i * sizeof(v)), sizeof(v));
        if (v.len > (1ull << 31) || __builtin_add_overflow(*total, v.len, total) ||
            *total > (1ull << 31))
            return -EINVAL;
        if (v.len && !rt_user_range(v.base, v.len))
            return -EFAULT;
    }
    return 0;
}

/* Copies between the vector and buf (to_iov: into the vector), up to n bytes. */
void rt_iov_copy(const struct l_msghdr *m, uint8_t *buf, uint64_t n, bool to_iov)
{
    for (uint64_t i = 0, done = 0; i < m->iovlen && done < n; i++) {
        struct l_iovec v;
        memcpy(&v, (const void *)(m->iov + i * sizeof(v)), sizeof(v));
        uint64_t k = v.len < n - done ? v.len : n - done;
        if (to_iov)
            memcpy((void *)v.base, buf + done, k);
        else
            memcpy(buf + done, (const void *)v.base, k);
        done += k;
    }
}

/* sendmsg: the vector gathered into one buffer (a datagram is one record), no control
 * data (SCM_RIGHTS is AF_UNIX's). */
long rt_sendmsg(int fd, uint64_t umsg, int flags)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_sendmsg(fd, umsg, flags);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    struct l_msghdr m;
    uint64_t total;
    int rc = rt_get_msg(umsg, &m, &total);
    if (rc)
        return rc;
    if (m.controllen)
        return -EOPNOTSUPP;
    if (total > (s->type == NET_T_DGRAM ? NET_DGRAM_MAX : NET_RING_BYTES))
        total = s->type == NET_T_DGRAM ? NET_DGRAM_MAX + 1ull : NET_RING_BYTES;
    uint8_t *buf = rt_alloc(total ? total : 1);
    if (!buf)
        return -ENOMEM;
    rt_iov_copy(&m, buf, total, false);
    long r = rt_sendto(fd, (uint64_t)buf, total, flags, m.name, m.namelen);
    rt_free(buf, total ? total : 1);
    return r;
}

/* recvmsg: one receive into a buffer, scattered; MSG_TRUNC when a datagram was longer. */
long rt_recvmsg(int fd, uint64_t umsg, int flags)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_recvmsg(fd, umsg, flags);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    struct l_msghdr m;
    uint64_t total;
    int rc = rt_get_msg(umsg, &m, &total);
    if (rc)
        return rc;
    uint64_t size = s->type == NET_T_DGRAM   ? NET_DGRAM_MAX
                    : total < NET_RING_BYTES ? total
                                             : NET_RING_BYTES;
    uint8_t *buf = rt_alloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    uint32_t addr, full;
    uint16_t port;
    int64_t r = do_recv(s, fd, buf, size, flags, &addr, &port, &full);
    if (r >= 0) {
        uint64_t k = (uint64_t)r < total ? (uint64_t)r : total;
        rt_iov_copy(&m, buf, k, true);
        int32_t out_flags = full > k ? MSG_TRUNC : 0;
        if (s->type == NET_T_DGRAM)
            r = (flags & MSG_TRUNC) ? (int64_t)full : (int64_t)k;
        struct l_sockaddr_in a = {.family = AF_INET, .port = swap16(port), .addr = swap32(addr)};
        uint32_t nl = m.name ? (m.namelen < sizeof(a) ? m.namelen : (uint32_t)sizeof(a)) : 0;
        if (nl && rt_user_range(m.name, nl))
            memcpy((void *)m.name, &a, nl);
        struct l_msghdr *um = (struct l_msghdr *)umsg;
        um->flags = out_flags;
        um->namelen = m.name ? (uint32_t)sizeof(a) : 0;
        um->controllen = 0;
    }
    rt_free(buf, size ? size : 1);
    return r;
}
