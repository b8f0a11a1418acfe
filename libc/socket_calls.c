/*
 * The Linux socket calls for AF_INET and AF_INET6 stream sockets (docs/net-protocol.md,
 * "The client", "IPv6"): socket,
 * bind, listen, accept4, connect, getsockname/getpeername, sendto/recvfrom,
 * sendmsg/recvmsg, shutdown, setsockopt/getsockopt, and the waits and fork hooks the
 * rest of the runtime calls. The session, the socket file system and the rings' data
 * path are socket.c's (socket.h).
 */
#include <capix/net_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"
#include "socket.h"

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
    if (!rt_user_read(uaddr, sizeof(a)))
        return -EFAULT;
    memcpy(&a, (const void *)uaddr, sizeof(a));
    if (a.family != AF_INET)
        return bind ? -EAFNOSUPPORT : -EAFNOSUPPORT;
    *addr = swap32(a.addr);
    *port = swap16(a.port);
    return 0;
}

/* The address of a peer or a socket as Linux writes it back: truncated to *ulen, *ulen
 * set to its size (rt_put_sized). */
static int put_addr(uint64_t uaddr, uint64_t ulen, uint32_t addr, uint16_t port)
{
    struct l_sockaddr_in a = {.family = AF_INET, .port = swap16(port), .addr = swap32(addr)};
    return rt_put_sized(uaddr, ulen, &a, sizeof(a), true);
}

/* AF_INET6 (docs/net-protocol.md): Linux's struct sockaddr_in6; an IPv6 address goes to
 * the server as two big-endian words (NET_BIND6, NET_CONNECT6, NET_NAME6). */
struct l_sockaddr_in6 {
    uint16_t family, port; /* port in network byte order */
    uint32_t flowinfo;
    uint8_t addr[16];
    uint32_t scope_id;
};
#define SIN6_LEN_MIN 24 /* Linux takes the RFC 2133 size, without scope_id */

struct addr6 {
    uint64_t hi, lo; /* bytes 0..7 and 8..15, big-endian */
    uint16_t port;
};

static int get_addr6(uint64_t uaddr, uint64_t len, struct addr6 *out)
{
    struct l_sockaddr_in6 a = {0};
    if (len < SIN6_LEN_MIN || len > 128)
        return -EINVAL;
    if (!rt_user_read(uaddr, SIN6_LEN_MIN))
        return -EFAULT;
    memcpy(&a, (const void *)uaddr, SIN6_LEN_MIN);
    if (a.family != AF_INET6)
        return -EAFNOSUPPORT;
    out->hi = out->lo = 0;
    for (unsigned i = 0; i < 8; i++) {
        out->hi = out->hi << 8 | a.addr[i];
        out->lo = out->lo << 8 | a.addr[8 + i];
    }
    out->port = swap16(a.port);
    return 0;
}

static struct l_sockaddr_in6 sin6_of(uint64_t hi, uint64_t lo, uint16_t port)
{
    struct l_sockaddr_in6 a = {.family = AF_INET6, .port = swap16(port)};
    for (unsigned i = 0; i < 8; i++) {
        a.addr[i] = (uint8_t)(hi >> (56 - 8 * i));
        a.addr[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
    return a;
}

/* An IPv6 socket's own (peer 0) or peer's name from the server, as Linux writes it back. */
static int put_name6(const struct sock *s, bool peer, uint64_t uaddr, uint64_t ulen)
{
    uint64_t o[3];
    long r = sock_net_req(NET_NAME6, s->handle, peer, 0, o);
    if (r)
        return (int)r;
    struct l_sockaddr_in6 a = sin6_of(o[0], o[1], (uint16_t)o[2]);
    return rt_put_sized(uaddr, ulen, &a, sizeof(a), true);
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
         * PROBE_SLICES slices one request finds out (sock_net_req marks it dead) */
        if (slice % PROBE_SLICES == 0 && sock_net_req(NET_INFO, 0, 0, 0, NULL) == -EIO)
            continue;
        uint64_t now = cx_clock_ns();
        if (deadline && now >= deadline)
            return 0;
        uint64_t ns = WAIT_SLICE_NS;
        if (deadline && deadline - now < ns)
            ns = deadline - now;
        sock_bind_notif();
        rt_unlock();
        long e = sock_net.notif ? cx_notif_wait(sock_net.notif, ns, NULL) : (rt_sleep_ns(ns), 0);
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
    sock_bind_notif();
    return sock_net.notif;
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
    rt_fifos_before_fork(); /* FIFO descriptions' status slots, the same way (pipe.c) */
    rt_ttys_before_fork();  /* and terminal descriptions' (terminal.c) */
    for (struct sock *s = sock_list; s; s = s->next)
        sock_net_req(NET_DUP, s->handle, 0, 0, NULL);
    dups_taken = true;
}

void rt_sockets_fork_done(bool failed)
{
    rt_fifos_fork_done(failed);
    rt_ttys_fork_done(failed);
    dups_taken = false;
    if (failed)
        for (struct sock *s = sock_list; s; s = s->next)
            sock_net_req(NET_CLOSE, s->handle, 0, 0, NULL);
}

void rt_sockets_after_fork(void)
{
    rt_unix_after_fork();
    sock_net.notif = 0; /* the parent's: not in the child's capability space */
    if (!dups_taken)
        for (struct sock *s = sock_list; s; s = s->next)
            sock_net_req(NET_DUP, s->handle, 0, 0, NULL);
    dups_taken = false;
}

long rt_socket(uint64_t domain, uint64_t type, uint64_t protocol)
{
    uint32_t t = (uint32_t)type, base = t & SOCK_TYPE_MASK;
    if (base >= SOCK_TYPE_LIMIT ||
        (t & ~SOCK_TYPE_MASK & ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC)))
        return -EINVAL;
    int rc = sock_net_ready();
    if (rc)
        return rc;
    uint32_t nt = base == SOCK_STREAM ? NET_T_STREAM : base == SOCK_DGRAM ? NET_T_DGRAM : 0;
    if (!nt)
        return -ESOCKTNOSUPPORT;
    if (protocol && !(nt == NET_T_STREAM && protocol == IPPROTO_TCP) &&
        !(nt == NET_T_DGRAM && protocol == IPPROTO_UDP))
        return -EPROTONOSUPPORT;
    bool inet6 = domain == AF_INET6;
    if (inet6 && nt == NET_T_DGRAM) {
        static bool said;
        if (!said)
            rt_log("[runtime] socket(AF_INET6, SOCK_DGRAM): UDP over IPv6 is not built: "
                   "EAFNOSUPPORT\n");
        said = true;
        return -EAFNOSUPPORT;
    }
    long h = sock_net_req(NET_SOCKET, nt | (inet6 ? NET_T_INET6 : 0), 0, 0, NULL);
    if (h <= 0)
        return h == -ENOBUFS ? -ENOBUFS : h < 0 ? h : -EIO;
    if ((uint64_t)h * 2 * NET_RING_BYTES + NET_CTL_PAGES * CX_PAGE_SIZE > sock_net.bytes) {
        sock_net_req(NET_CLOSE, (uint64_t)h, 0, 0, NULL);
        return -ENOBUFS;
    }
    long fd = sock_install((uint32_t)h, nt, t);
    struct sock *s = fd < 0 ? NULL : sock_of(vfs_fd_file(rt_vfs, (int)fd));
    if (s)
        s->inet6 = inet6;
    return fd;
}

/* A bound or listening AF_UNIX socket's status flags move to its name's object. */
static long unix_published(int fd, long r)
{
    if (r == 0)
        rt_file_status_publish(vfs_fd_file(rt_vfs, fd));
    return r;
}

long rt_bind(int fd, uint64_t uaddr, uint64_t len)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return unix_published(fd, rt_unix_bind(fd, uaddr, len));
    long err;
    struct sock *s = fd_sock(fd, &err);
    uint32_t addr;
    uint16_t port;
    if (!s)
        return err;
    uint64_t o[3];
    if (s->inet6) {
        struct addr6 a6;
        int rc = get_addr6(uaddr, len, &a6);
        return rc ? rc : sock_net_req4(NET_BIND6, s->handle, a6.hi, a6.lo, a6.port, o);
    }
    int rc = get_addr(uaddr, len, &addr, &port, true);
    if (rc)
        return rc;
    return sock_net_req(NET_BIND, s->handle, addr, port, o);
}

long rt_listen(int fd, int backlog)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return unix_published(fd, rt_unix_listen(fd, backlog));
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    long r = sock_net_req(NET_LISTEN, s->handle, (uint64_t)(uint32_t)backlog, 0, NULL);
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
    if (uaddr && !rt_user_write(ulen, 4))
        return -EFAULT;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    uint64_t o[3];
    for (;;) {
        long h = sock_net_req(NET_ACCEPT, s->handle, 0, 0, o);
        if (h > 0) {
            long nfd = sock_install((uint32_t)h, NET_T_STREAM, (uint32_t)flags);
            if (nfd >= 0) {
                struct sock *c = sock_of(vfs_fd_file(rt_vfs, (int)nfd));
                if (c)
                    c->was_connected = true;
                if (c)
                    c->inet6 = s->inet6;
                int pr = !uaddr          ? 0
                         : s->inet6 && c ? put_name6(c, true, uaddr, ulen)
                                         : put_addr(uaddr, ulen, (uint32_t)o[0], (uint16_t)o[1]);
                if (pr == -EFAULT) {
                    vfs_close(rt_vfs, (int)nfd); /* as Linux: taken, and closed */
                    return -EFAULT;
                }
            }
            return nfd;
        }
        if (h != -EAGAIN || (rt_file_status(f) & O_NONBLOCK))
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
    struct addr6 a6 = {0};
    int rc = s->inet6 ? get_addr6(uaddr, len, &a6) : get_addr(uaddr, len, &addr, &port, false);
    if (rc)
        return rc;
    if (s->connecting) {
        uint32_t ready = sock_ctl(s)->ready;
        if (ready & NET_RDY_CONN) /* Linux: the first connect after it completed says 0 */
            return s->connecting = false, s->was_connected = true, 0;
        if (!(ready & (NET_RDY_ERR | NET_RDY_HUP)))
            return -EALREADY;
    }
    long r = s->inet6 ? sock_net_req4(NET_CONNECT6, s->handle, a6.hi, a6.lo, a6.port, NULL)
                      : sock_net_req(NET_CONNECT, s->handle, addr, port, NULL);
    if (s->type == NET_T_DGRAM || r != -EINPROGRESS)
        return r;
    s->connecting = true;
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    if (rt_file_status(f) & O_NONBLOCK)
        return -EINPROGRESS;
    int w = sock_wait_until(f, POLLOUT, 0);
    if (w < 0)
        return w; /* the connection goes on, as on Linux */
    s->connecting = false;
    if (sock_ctl(s)->ready & NET_RDY_CONN) {
        s->was_connected = true;
        return 0;
    }
    int e = sock_take_error(s);
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
    if (!rt_user_write(ulen, 4))
        return -EFAULT;
    if (s->inet6)
        return put_name6(s, peer, uaddr, ulen);
    uint64_t o[3];
    long r = sock_net_req(NET_NAME, s->handle, peer, 0, o);
    if (r)
        return r;
    return put_addr(uaddr, ulen, (uint32_t)o[0], (uint16_t)o[1]);
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
    if (n && !rt_user_read(buf, n))
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
    bool nonblock = (rt_file_status(f) & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    uint64_t deadline = s->sndtimeo_ns ? cx_clock_ns() + s->sndtimeo_ns : 0;
    int64_t r;
    for (;;) {
        r = s->type == NET_T_DGRAM ? sock_dgram_send(s, (const void *)buf, n, addr, port)
                                   : sock_stream_send(s, (const void *)buf, n);
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
    bool nonblock = (rt_file_status(f) & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    bool peek = (flags & MSG_PEEK) != 0;
    uint64_t deadline = s->rcvtimeo_ns ? cx_clock_ns() + s->rcvtimeo_ns : 0;
    int64_t r;
    *addr = 0, *port = 0, *full = 0;
    for (;;) {
        r = s->type == NET_T_DGRAM ? sock_dgram_recv(s, buf, n, peek, addr, port, full)
                                   : sock_stream_recv(s, buf, n, peek);
        if (r != -EAGAIN || nonblock)
            break;
        int w = sock_wait_until(f, POLLIN, deadline);
        if (w <= 0)
            return w < 0 ? w : -EAGAIN;
        if (sock_of(vfs_fd_file(rt_vfs, fd)) != s)
            return -EBADF;
    }
    if (r >= 0 && s->type == NET_T_STREAM)
        *full = (uint32_t)r; /* no source: Linux names none for a stream */
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
    if (n && !rt_user_write(buf, n))
        return -EFAULT;
    if (uaddr && !rt_user_write(ulen, 4))
        return -EFAULT;
    uint32_t addr, full;
    uint16_t port;
    int64_t r = do_recv(s, fd, (void *)buf, n, flags, &addr, &port, &full);
    if (r >= 0 && uaddr) {
        if (s->type == NET_T_STREAM) /* Linux: no source for a stream, the length 0 */
            rt_put_sized(uaddr, ulen, &addr, 0, true);
        else
            put_addr(uaddr, ulen, addr, port);
    }
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
    long r = sock_net_req(NET_SHUTDOWN, s->handle, (uint64_t)how, 0, NULL);
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
    } else if (level == 41 && name == 26) { /* IPPROTO_IPV6, IPV6_V6ONLY */
        return NET_OPT_V6ONLY;
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
        if (!rt_user_read(val, sizeof(tv)))
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
    if (!rt_user_read(val, 4))
        return -EFAULT;
    int32_t v;
    memcpy(&v, (const void *)val, 4);
    if (opt == NET_OPT_ERROR)
        return -ENOPROTOOPT;
    if (opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF)
        v = v < 0 ? 0 : v;
    return sock_net_req(NET_SETOPT, s->handle, (uint64_t)opt,
                        opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF ? (uint64_t)v : v != 0,
                        NULL);
}

long rt_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen)
{
    if (rt_unix_is(fd)) /* AF_UNIX: unix.c */
        return rt_unix_getsockopt(fd, level, name, val, ulen);
    long err;
    struct sock *s = fd_sock(fd, &err);
    if (!s)
        return err;
    int32_t len;
    int rc = rt_get_len(ulen, &len);
    if (rc)
        return rc;
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
        long r = sock_net_req(NET_GETOPT, s->handle, (uint64_t)opt, 0, o);
        if (r)
            return r;
        v = (int32_t)o[0];
        if (opt == NET_OPT_RCVBUF || opt == NET_OPT_SNDBUF)
            v *= 2; /* Linux reports twice what was set */
    }
    /* *ulen becomes the size, where Linux gives the bytes written (they differ only for a
     * length under 4) */
    return rt_put_sized(val, ulen, &v, 4, true);
}

/* ---- value-result arguments, for AF_INET here and AF_UNIX (unix*.c) ---- */

int rt_get_len(uint64_t ulen, int32_t *len)
{
    if (!rt_user_write(ulen, 4))
        return -EFAULT;
    memcpy(len, (const void *)ulen, 4);
    return *len < 0 ? -EINVAL : 0;
}

int rt_put_sized(uint64_t uptr, uint64_t ulen, const void *src, uint32_t size, bool report_full)
{
    int32_t len;
    int rc = rt_get_len(ulen, &len);
    if (rc)
        return rc;
    uint32_t k = (uint32_t)len < size ? (uint32_t)len : size;
    if (k) {
        if (!rt_user_write(uptr, k))
            return -EFAULT;
        memcpy((void *)uptr, src, k);
    }
    len = (int32_t)(report_full ? size : k);
    memcpy((void *)ulen, &len, 4);
    return 0;
}

uint32_t rt_put_msg_name(const struct l_msghdr *m, const void *src, uint32_t size)
{
    uint32_t k = m->namelen < size ? m->namelen : size;
    if (k && rt_user_write(m->name, k))
        memcpy((void *)m->name, src, k);
    return size;
}

/* Reads the header and sums the vector: 0, or -EFAULT, -EINVAL, -EMSGSIZE (also for
 * unix_data.c's sendmsg and recvmsg). recv: the header and the buffers are written
 * (probed so, before anything is received). */
int rt_get_msg(uint64_t umsg, struct l_msghdr *m, uint64_t *total, bool recv)
{
    if (!(recv ? rt_user_write(umsg, sizeof(*m)) : rt_user_read(umsg, sizeof(*m))))
        return -EFAULT;
    memcpy(m, (const void *)umsg, sizeof(*m));
    /* a destination is read first, as Linux's __copy_msghdr does (a length beyond a
     * sockaddr_storage is cut to it; a negative one is EINVAL) */
    if (m->name && (int32_t)m->namelen < 0)
        return -EINVAL;
    if (!recv && m->name && m->namelen &&
        !rt_user_read(m->name, m->namelen < 128 ? m->namelen : 128))
        return -EFAULT;
    if (m->iovlen > UIO_MAXIOV)
        return -EMSGSIZE;
    if (m->iovlen && !rt_user_read(m->iov, m->iovlen * sizeof(struct l_iovec)))
        return -EFAULT;
    *total = 0;
    for (uint64_t i = 0; i < m->iovlen; i++) {
        struct l_iovec v;
        memcpy(&v, (const void *)(m->iov + i * sizeof(v)), sizeof(v));
        if (v.len > (1ull << 31) || __builtin_add_overflow(*total, v.len, total) ||
            *total > (1ull << 31))
            return -EINVAL;
        if (v.len && !(recv ? rt_user_write(v.base, v.len) : rt_user_read(v.base, v.len)))
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
    int rc = rt_get_msg(umsg, &m, &total, false);
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
    int rc = rt_get_msg(umsg, &m, &total, true);
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
        struct l_msghdr *um = (struct l_msghdr *)umsg;
        um->flags = out_flags;
        /* a datagram's source; Linux names none for a stream (the length 0) */
        um->namelen = m.name && s->type == NET_T_DGRAM ? rt_put_msg_name(&m, &a, sizeof(a)) : 0;
        um->controllen = 0;
    }
    rt_free(buf, size ? size : 1);
    return r;
}
