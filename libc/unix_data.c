/*
 * AF_UNIX data calls (docs/unix-sockets.md): send, receive and their message forms with
 * the waits, shutdown, and the socket options. The rings are unix.c's.
 */
#include <string.h>
#include "unix.h"

/* ---- data calls ---- */

static bool can_send(struct usock *s, struct area *a)
{
    (void)a;
    return (unix_upoll(s) & POLLOUT) != 0;
}

static bool can_recv(struct usock *s, struct area *a)
{
    (void)a;
    return (unix_upoll(s) & (POLLIN | POLLHUP)) != 0;
}

static bool nonblocking(int fd, int flags)
{
    struct vfs_file *f = vfs_fd_file(rt_vfs, fd);
    return (flags & MSG_DONTWAIT) || !f || (rt_file_status(f) & O_NONBLOCK);
}

/* send on a connected socket, waiting unless non-blocking; a stream sends all of it
 * (or what it had before a signal or an error). */
static long do_send(int fd, struct usock *s, const uint8_t *buf, uint64_t n, int flags,
                    struct unix_rights *rights)
{
    uint64_t done = 0, deadline = s->sndtimeo_ns ? cx_clock_ns() + s->sndtimeo_ns : 0;
    long r;
    for (;;) {
        r = unix_conn_send(s, buf + done, n - done, rights);
        if (rights && (r > 0 || (r == 0 && unix_records(s->type))))
            rights->n = 0; /* they went with the first bytes: the receiver's now (a stream */
                           /* send of no bytes sends none, as Linux: given back) */
        if (r > 0 && !unix_records(s->type)) {
            done += (uint64_t)r;
            if (done < n)
                continue;
            r = (long)done;
            break;
        }
        if (r != -EAGAIN || nonblocking(fd, flags))
            break;
        int w = unix_wait_until(s->conn, fd, s, can_send, deadline, WAIT_OUT);
        if (w) {
            r = w;
            break;
        }
    }
    if (r < 0 && done)
        r = (long)done;
    if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
        rt_raise_sigpipe();
    return r;
}

/* One datagram to receiver a, waiting for room unless non-blocking. */
static long dgram_send(int fd, struct usock *s, struct area *a, const uint8_t *buf, uint64_t n,
                       int flags, struct unix_rights *rights)
{
    for (;;) {
        long r = unix_dest_send(s, a, buf, n, rights);
        if (r >= 0 && rights)
            rights->n = 0; /* they went with the datagram: the receiver's now */
        if (r != -EAGAIN || nonblocking(fd, flags))
            return r;
        uint64_t bits;
        rt_unlock();
        long err = cx_notif_wait(a->slot_notif, WAIT_SLICE_NS, &bits);
        rt_lock();
        if (err == CX_E_INTERRUPTED && rt_signal_interrupted())
            return -EINTR;
        if (unix_fd_usock(fd) != s)
            return -EBADF;
    }
}

static long send_rights(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len,
                        struct unix_rights *rights);

long rt_unix_sendto(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len)
{
    return send_rights(fd, buf, n, flags, uaddr, len, NULL);
}

/* sendto with descriptors (rights: NULL or none, or taken when sent). */
static long send_rights(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t len,
                        struct unix_rights *rights)
{
    struct usock *s = unix_fd_usock(fd);
    if (n && !rt_user_read(buf, n))
        return -EFAULT;
    if (n > (1ull << 31))
        n = 1ull << 31;
    if (uaddr && len) {
        if (s->type != SOCK_DGRAM || s->conn)
            return s->conn ? -EISCONN : -EOPNOTSUPP;
        struct name to;
        struct area *a;
        long rc = unix_get_name(uaddr, len, &to);
        if (!rc && !to.len)
            rc = -EINVAL;
        if (!rc)
            rc = unix_dest_get(&to, &a);
        if (rc)
            return rc;
        rc = dgram_send(fd, s, a, (const uint8_t *)buf, n, flags, rights);
        unix_area_put(a);
        return rc;
    }
    if (!s->conn && s->dest)
        return dgram_send(fd, s, s->dest, (const uint8_t *)buf, n, flags, rights);
    if (!s->conn)
        return -ENOTCONN;
    return do_send(fd, s, (const uint8_t *)buf, n, flags, rights);
}

/* A receive with the waits: count, 0 (end of file), -errno; *full a record's length. */
static long do_recv(int fd, struct usock *s, uint8_t *buf, uint64_t n, int flags, uint32_t *full,
                    struct name *from, struct unix_rights *rights)
{
    bool peek = (flags & MSG_PEEK) != 0;
    uint64_t done = 0, deadline = s->rcvtimeo_ns ? cx_clock_ns() + s->rcvtimeo_ns : 0;
    long r;
    for (;;) {
        r = unix_sock_recv(s, buf + done, n - done, peek, full, from, rights);
        if (r > 0 && rights && rights->n) { /* Linux ends a receive with descriptors */
            done += (uint64_t)r;
            r = (long)done;
            break;
        }
        if (r > 0 && !unix_records(s->type) && (flags & MSG_WAITALL) && !peek) {
            done += (uint64_t)r;
            if (done < n)
                continue;
            r = (long)done;
            break;
        }
        if (r != -EAGAIN || nonblocking(fd, flags))
            break;
        struct area *a = s->conn ? s->conn : s->lst;
        if (!a) {
            rt_unlock();
            long e = rt_sleep_ns(WAIT_SLICE_NS);
            rt_lock();
            if (e < 0) {
                r = e;
                break;
            }
            continue;
        }
        int w = unix_wait_until(a, fd, s, can_recv, deadline, WAIT_IN);
        if (w) {
            r = w;
            break;
        }
    }
    if (done && (r <= 0))
        r = (long)done;
    return r;
}

long rt_unix_recvfrom(int fd, uint64_t buf, uint64_t n, int flags, uint64_t uaddr, uint64_t ulen)
{
    struct usock *s = unix_fd_usock(fd);
    if (n && !rt_user_write(buf, n))
        return -EFAULT;
    if (uaddr && !rt_user_write(ulen, 4))
        return -EFAULT;
    if (n > (1ull << 31))
        n = 1ull << 31;
    uint32_t full;
    struct name from;
    long r = do_recv(fd, s, (uint8_t *)buf, n, flags, &full, &from, NULL);
    if (r >= 0 && unix_records(s->type) && (flags & MSG_TRUNC))
        r = full;
    if (r >= 0 && uaddr) {
        if (s->conn)
            unix_peer_name(s, &from);
        unix_put_source(uaddr, ulen, &from);
    }
    return r;
}

long rt_unix_shutdown(int fd, int how)
{
    struct usock *s = unix_fd_usock(fd);
    if (how < 0 || how > 2)
        return -EINVAL;
    if (!s->conn)
        return 0; /* Linux: nobody to tell, and a later connect starts afresh */
    uint32_t bits = (how != 1 ? SHUT_RD_BIT : 0) | (how != 0 ? SHUT_WR_BIT : 0);
    __atomic_or_fetch(&s->conn->h->shut[s->side], bits, __ATOMIC_ACQ_REL);
    unix_wake(s->conn);
    return 0;
}

long rt_unix_setsockopt(int fd, int level, int name, uint64_t val, uint64_t len)
{
    struct usock *s = unix_fd_usock(fd);
    static bool said;
    if (level == SOL_SOCKET && (name == 7 || name == 8)) { /* SO_SNDBUF, SO_RCVBUF */
        int32_t v;
        if (len < 4)
            return -EINVAL;
        if (!rt_user_read(val, 4))
            return -EFAULT;
        memcpy(&v, (const void *)val, 4);
        *(name == 7 ? &s->sndbuf : &s->rcvbuf) = v < 2048 ? 2048 : v;
        return 0;
    }
    if (level == SOL_SOCKET && (name == 20 || name == 21)) { /* SO_RCVTIMEO, SO_SNDTIMEO */
        int64_t tv[2];
        if (len < sizeof(tv))
            return -EINVAL;
        if (!rt_user_read(val, sizeof(tv)))
            return -EFAULT;
        memcpy(tv, (const void *)val, sizeof(tv));
        if (tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        if (tv[0] < 0)
            tv[0] = tv[1] = 0; /* Linux: a negative time is "for ever" */
        if (tv[0] > 100000000)
            tv[0] = 100000000;
        uint64_t ns = (uint64_t)tv[0] * 1000000000ull + (uint64_t)tv[1] * 1000ull;
        *(name == 20 ? &s->rcvtimeo_ns : &s->sndtimeo_ns) = ns;
        return 0;
    }
    if (!said) {
        said = true;
        rt_log("[runtime] setsockopt(AF_UNIX, %d, %d): not supported: ENOPROTOOPT\n", level, name);
    }
    return -ENOPROTOOPT;
}

long rt_unix_getsockopt(int fd, int level, int name, uint64_t val, uint64_t ulen)
{
    struct usock *s = unix_fd_usock(fd);
    int32_t len;
    int rc = rt_get_len(ulen, &len);
    if (rc)
        return rc;
    int32_t v[3] = {0, 0, 0};
    uint32_t size = 4;
    if (level != SOL_SOCKET)
        return -EOPNOTSUPP;
    switch (name) {
    case 3: /* SO_TYPE */
        v[0] = (int32_t)s->type;
        break;
    case 4: /* SO_ERROR: a reset, taken */
        v[0] = unix_take_reset(s) ? ECONNRESET : 0;
        break;
    case 39: /* SO_DOMAIN */
        v[0] = AF_UNIX;
        break;
    case 38: /* SO_PROTOCOL */
        break;
    case 30: /* SO_ACCEPTCONN */
        v[0] = s->listening;
        break;
    case 7: /* SO_SNDBUF, SO_RCVBUF: Linux reports twice what was set */
    case 8: {
        int64_t b = name == 7 ? s->sndbuf : s->rcvbuf;
        v[0] = b ? (int32_t)(b * 2) : (int32_t)UNIX_RING;
        break;
    }
    case 20: /* SO_RCVTIMEO, SO_SNDTIMEO: a struct timeval */
    case 21: {
        uint64_t ns = name == 20 ? s->rcvtimeo_ns : s->sndtimeo_ns;
        int64_t tv[2] = {(int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull / 1000)};
        return rt_put_sized(val, ulen, tv, sizeof(tv), false);
    }
    case 17: /* SO_PEERCRED: the peer's at connect or socketpair */
        size = 12;
        v[1] = v[2] = -1;
        if (s->conn) {
            int other = !s->side;
            for (int i = 0; i < 3; i++)
                v[i] = __atomic_load_n(&s->conn->h->cred[other][i], __ATOMIC_ACQUIRE);
        }
        break;
    default:
        return -ENOPROTOOPT;
    }
    return rt_put_sized(val, ulen, v, size, false);
}

/* sendmsg: the vector gathered (a record is sent whole); SCM_RIGHTS (unix_rights.c),
 * SCM_CREDENTIALS checked (docs/unix-sockets.md). */
long rt_unix_sendmsg(int fd, uint64_t umsg, int flags)
{
    struct l_msghdr m;
    uint64_t total;
    int rc = rt_get_msg(umsg, &m, &total, false);
    if (rc)
        return rc;
    struct unix_rights rights = {0};
    if (m.controllen) {
        long e = unix_rights_get(&m, &rights);
        if (e)
            return e;
    }
    uint8_t *buf = rt_alloc(total ? total : 1);
    long r = -ENOMEM;
    if (buf) {
        rt_iov_copy(&m, buf, total, false);
        r = send_rights(fd, (uint64_t)buf, total, flags, m.name, m.namelen, &rights);
        rt_free(buf, total ? total : 1);
    }
    unix_rights_drop(&rights); /* not sent: given back */
    return r;
}

/* recvmsg: one receive, scattered; MSG_TRUNC for a longer record; the descriptors that
 * came with the data (SCM_RIGHTS, MSG_CTRUNC, MSG_CMSG_CLOEXEC: unix_rights.c). */
long rt_unix_recvmsg(int fd, uint64_t umsg, int flags)
{
    struct usock *s = unix_fd_usock(fd);
    struct l_msghdr m;
    uint64_t total;
    int rc = rt_get_msg(umsg, &m, &total, true);
    if (rc)
        return rc;
    uint64_t size = unix_records(s->type)   ? UNIX_RING
                    : total < 2 * UNIX_RING ? total
                                            : 2 * UNIX_RING;
    if ((flags & MSG_WAITALL) && !unix_records(s->type))
        size = total;
    uint8_t *buf = rt_alloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    uint32_t full;
    struct name from;
    struct unix_rights rights = {0};
    long r = do_recv(fd, s, buf, size, flags & ~MSG_TRUNC, &full, &from, &rights);
    if (r < 0)
        unix_rights_drop(&rights);
    if (r >= 0) {
        uint64_t k = (uint64_t)r < total ? (uint64_t)r : total;
        rt_iov_copy(&m, buf, k, true);
        int32_t out_flags = unix_records(s->type) && full > k ? MSG_TRUNC : 0;
        if (unix_records(s->type))
            r = (flags & MSG_TRUNC) ? (long)full : (long)k;
        struct l_msghdr *um = (struct l_msghdr *)umsg;
        if (m.name) {
            if (s->conn)
                unix_peer_name(s, &from);
            uint8_t a[2 + NAME_MAX_UNIX + 1];
            unix_sockaddr(&from, a);
            um->namelen = rt_put_msg_name(&m, a, from.len ? unix_name_addrlen(&from) : 0);
        }
        um->controllen = unix_rights_deliver(&rights, &m, flags, &out_flags);
        um->flags = out_flags;
    }
    rt_free(buf, size ? size : 1);
    return r;
}
