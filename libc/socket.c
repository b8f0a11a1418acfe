/*
 * Sockets (AF_INET) as clients of the network server's Net session (docs/sock_net-protocol.md,
 * docs/sock_net-server.md). The session is opened through the launcher on the first
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
 * The Linux calls over all this are socket_calls.c's (socket.h).
 *
 * Two processes reading (or writing) one socket at the same time race on its ring
 * indices (the server then sees a broken ring: EIO); Linux serializes them.
 */
#include <capix/net_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "socket.h"

struct sock_net sock_net;

#define CLOSE_DRAIN_NS 5000000000ull /* a close waits this long for the send ring */

static struct vfs_fs *sock_fs;
struct sock *sock_list; /* every socket this process knows */
static uint64_t next_ino = 1;

static struct sock *sock_of_node(struct vfs_node *n)
{
    for (struct sock *s = sock_list; s; s = s->next)
        if (&s->node == n)
            return s;
    return NULL;
}

/* The socket a description refers to, or NULL when it is no socket of ours. */
struct sock *sock_of(struct vfs_file *f)
{
    return f && sock_fs && f->node->fs == sock_fs ? sock_of_node(f->node) : NULL;
}

volatile struct net_ctl *sock_ctl(const struct sock *s)
{
    return (volatile struct net_ctl *)sock_net.mem + (s->handle - 1);
}

static uint8_t *ring(const struct sock *s, int tx)
{
    return sock_net.mem + net_ring_offset(s->handle, tx);
}

/* One request; the answer's word 0 (>= 0 or -errno), the rest in out[0..2]. */
long sock_net_req4(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t *out)
{
    struct cx_ipcbuf *b = rt_ipcbuf();
    b->words[4] = a3;
    b->words[5] = 0;
    struct cx_ret r =
        cx_raw_ipc_call(sock_net.slot_ep, CX_TAG(NET_LABEL_REQUEST, 6, 0), op, a0, a1, a2);
    if (r.err) {
        sock_net.dead = true; /* the server is gone (its endpoint with it) */
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
void sock_bind_notif(void)
{
    if (sock_net.notif)
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
    cx_raw_ipc_call(sock_net.slot_ep, CX_TAG(NET_LABEL_BIND, 1, 1), 1, 0, 0, 0);
    b->send_caps[0] = 0;
    cx_cap_delete(give);
    rt_slot_free(give);
    sock_net.notif = n;
}

uint32_t rt_net_sockets = 31; /* config `sockets` (1..NET_HANDLES_MAX) */

/*
 * The quota to donate for a session of n sockets: their rings and the control pages,
 * plus the kernel's charge for the memory object (its directory pages and the object:
 * the sock_net server reserves 2 pages plus one per 512 and one more, net_service.c). The
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
int sock_net_ready(void)
{
    if (sock_net.open)
        return 0;
    if (sock_net.tried)
        return -EACCES;
    sock_net.tried = true;
    enum { SW = CX_SESSION_SERVICE_WORDS, W = SW + CX_SESSION_LABEL_WORDS };
    uint64_t words[W];
    memset(words, 0, sizeof(words));
    memcpy(words, "Net", 3);
    memcpy((char *)words + SW * 8, "socket", 6);
    sock_net.slot_ep = rt_slot_alloc();
    sock_net.slot_mem = rt_slot_alloc();
    struct cx_ipcbuf *b = rt_ipcbuf();
    memcpy(b->words + 4, words + 4, (W - 4) * 8);
    b->words[W] = net_donation(rt_net_sockets);
    b->words[W + 1] = sock_net.slot_ep;
    b->words[W + 2] = sock_net.slot_mem;
    struct cx_ret r = cx_raw_ipc_call(rt_ep(), CX_TAG(RT_LABEL_SESSION, W + 3, 0), words[0],
                                      words[1], words[2], words[3]);
    long id = r.err ? -EIO : (long)r.rdx;
    uint64_t o[3] = {0, 0, 0};
    long info = id > 0 ? (sock_net.id = (uint64_t)id, sock_net_req(NET_INFO, 0, 0, 0, o)) : id;
    if (info == 0 && (o[0] > RT_NET_MAX || o[0] < NET_CTL_PAGES * CX_PAGE_SIZE ||
                      cx_map(rt->slot_pd, sock_net.slot_mem, 0, RT_NET_BASE, o[0] / CX_PAGE_SIZE,
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
    sock_net.bytes = o[0];
    sock_net.mem = (uint8_t *)RT_NET_BASE;
    sock_net.open = true;
    sock_bind_notif();
    return 0;
}

/* ---- the socket file system ---- */

static uint32_t room_tx(const struct sock *s)
{
    volatile struct net_ctl *c = sock_ctl(s);
    uint32_t used = c->tx_prod - c->tx_cons;
    return used > NET_RING_BYTES ? 0 : NET_RING_BYTES - used;
}

static uint32_t have_rx(const struct sock *s)
{
    volatile struct net_ctl *c = sock_ctl(s);
    uint32_t have = c->rx_prod - c->rx_cons;
    return have > NET_RING_BYTES ? 0 : have;
}

/* The pending error (SO_ERROR), read and cleared at the server; 0 if none. */
int sock_take_error(struct sock *s)
{
    uint64_t o[3];
    if (sock_net_req(NET_GETOPT, s->handle, NET_OPT_ERROR, 0, o) < 0)
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
int64_t sock_stream_recv(struct sock *s, void *buf, size_t n, bool peek)
{
    volatile struct net_ctl *c = sock_ctl(s);
    uint32_t have = have_rx(s), ready = c->ready;
    if (!have) {
        if (sock_net.dead)
            return -EIO;
        if (s->shut_rd || (ready & NET_RDY_EOF))
            return 0;
        if (ready & NET_RDY_ERR) {
            int e = sock_take_error(s);
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
            sock_net_req(NET_KICK, s->handle, 0, 0, NULL);
    }
    return (int64_t)n;
}

/* Puts up to n bytes into a stream; -EPIPE, -ENOTCONN, -EAGAIN. */
int64_t sock_stream_send(struct sock *s, const void *buf, size_t n)
{
    volatile struct net_ctl *c = sock_ctl(s);
    uint32_t ready = c->ready;
    if (sock_net.dead)
        return -EIO;
    if (s->shut_wr || (ready & (NET_RDY_WRSHUT | NET_RDY_HUP))) {
        if (ready & NET_RDY_ERR) {
            int e = sock_take_error(s);
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
    sock_net_req(NET_KICK, s->handle, 0, 0, NULL);
    return (int64_t)n;
}

/* One datagram out of the ring: its payload (truncated to n), its source. */
int64_t sock_dgram_recv(struct sock *s, void *buf, size_t n, bool peek, uint32_t *addr,
                        uint16_t *port, uint32_t *full)
{
    volatile struct net_ctl *c = sock_ctl(s);
    struct net_dgram h;
    uint32_t have = have_rx(s);
    if (have < sizeof(h)) {
        if (sock_net.dead)
            return -EIO;
        if (c->ready & NET_RDY_ERR) {
            int e = sock_take_error(s);
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
            sock_net_req(NET_KICK, s->handle, 0, 0, NULL);
    }
    return k; /* the rest of a longer datagram is lost, as on Linux */
}

int64_t sock_dgram_send(struct sock *s, const void *buf, size_t n, uint32_t addr, uint16_t port)
{
    volatile struct net_ctl *c = sock_ctl(s);
    if (sock_net.dead)
        return -EIO;
    if (s->shut_wr)
        return -EPIPE;
    if (n > NET_DGRAM_MAX)
        return -EMSGSIZE;
    if (c->ready & NET_RDY_ERR) {
        int e = sock_take_error(s); /* an earlier datagram's (EACCES, ...) */
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
    sock_net_req(NET_KICK, s->handle, 0, 0, NULL);
    return (int64_t)n;
}

static int64_t sock_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct sock *s = sock_of_node(f->node);
    (void)off;
    if (s->type == NET_T_DGRAM)
        return sock_dgram_recv(s, buf, n, false, NULL, NULL, NULL);
    return sock_stream_recv(s, buf, n, false);
}

static int64_t sock_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct sock *s = sock_of_node(f->node);
    (void)off;
    if (s->type == NET_T_DGRAM)
        return sock_dgram_send(s, buf, n, 0, 0);
    return sock_stream_send(s, buf, n);
}

unsigned sock_poll(struct vfs_file *f, unsigned events)
{
    struct sock *s = sock_of_node(f->node);
    uint32_t ready = sock_ctl(s)->ready;
    unsigned ev = 0;
    if (sock_net.dead) /* every call fails now: nothing is left to wait for */
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
        ring_copy_out(s, sock_ctl(s)->rx_cons, &h, sizeof(h));
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
        while (sock_ctl(s)->tx_cons != sock_ctl(s)->tx_prod &&
               !(sock_ctl(s)->ready & (NET_RDY_HUP | NET_RDY_ERR)) && cx_clock_ns() < end)
            if (!sock_net.notif ||
                cx_notif_wait(sock_net.notif, WAIT_SLICE_NS, NULL) == CX_E_INTERRUPTED)
                rt_sleep_ns(WAIT_SLICE_NS);
    }
    sock_net_req(NET_CLOSE, s->handle, 0, 0, NULL);
    for (struct sock **pp = &sock_list; *pp; pp = &(*pp)->next)
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
    return rt_hidden_mount(&fs, &sock_root, &sock_ops, next_ino++, out);
}

static const struct vfs_plugin sock_plugin = {
    .name = "socket",
    .kind = VFS_PLUGIN_TREE,
    .mount = sock_mount,
};

/* A descriptor for server socket handle h of type: the fd or -errno (the reference
 * dropped on failure). */
long sock_install(uint32_t h, uint32_t type, uint32_t flags)
{
    struct cfg_error err;
    if (!sock_fs && vfs_mount_hidden(rt_vfs, &sock_plugin, NULL, &sock_fs, &err)) {
        sock_net_req(NET_CLOSE, h, 0, 0, NULL);
        return -ENOMEM;
    }
    struct sock *s = rt_alloc(sizeof(*s));
    if (!s) {
        sock_net_req(NET_CLOSE, h, 0, 0, NULL);
        return -ENOMEM;
    }
    memset(s, 0, sizeof(*s));
    s->handle = h;
    s->type = type;
    s->node.fs = sock_fs;
    s->node.ino = next_ino++;
    s->node.type = S_IFSOCK;
    s->next = sock_list;
    sock_list = s;
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

/* A socket() or accept() makes one description of the server's socket, which fork, dup
 * and SCM_RIGHTS share: its status flags live in the control block every holder maps. */
volatile uint32_t *rt_sock_status_word(struct vfs_file *f)
{
    struct sock *s = sock_of(f);
    return s ? &sock_ctl(s)->status : NULL;
}

/* ---- sockets passed with SCM_RIGHTS (unix_rights.c) ---- */

long rt_sock_pass(struct vfs_file *f, uint64_t *session, uint64_t *handle, uint32_t *state)
{
    struct sock *s = sock_of(f);
    if (!s)
        return -EOPNOTSUPP;
    if (sock_net.dead || sock_net_req(NET_DUP, s->handle, 0, 0, NULL) < 0)
        return -EIO;
    *session = sock_net.id;
    *handle = s->handle;
    *state = s->type | (uint32_t)s->listening << 2 | (uint32_t)s->was_connected << 3 |
             (uint32_t)s->shut_rd << 4 | (uint32_t)s->shut_wr << 5 | (uint32_t)s->connecting << 6 |
             (uint32_t)s->inet6 << 7;
    return 0;
}

void rt_sock_unpass(uint64_t handle)
{
    sock_net_req(NET_CLOSE, handle, 0, 0, NULL);
}

long rt_sock_adopt(uint64_t session, uint64_t handle, uint32_t state, uint32_t status,
                   uint32_t fdflags)
{
    uint32_t type = state & 3;
    if (!sock_net.open || sock_net.id != session || handle == 0 || handle > NET_HANDLES_MAX ||
        (type != NET_T_STREAM && type != NET_T_DGRAM))
        return -EIO; /* the reference stays to the session's end (not with honest runtimes) */
    long fd = sock_install((uint32_t)handle, type, (status & O_NONBLOCK) | (fdflags & O_CLOEXEC));
    struct sock *s = fd < 0 ? NULL : sock_of(vfs_fd_file(rt_vfs, (int)fd));
    if (s) { /* what the sender's process knew of it, as a fork child would */
        s->listening = state & 4, s->was_connected = state & 8;
        s->shut_rd = state & 16, s->shut_wr = state & 32, s->connecting = state & 64;
        s->inet6 = state & 128;
    }
    return fd;
}
