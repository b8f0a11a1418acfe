/*
 * socktest: the socket behaviours issue 18 asks for, as one static program that runs on
 * the Linux host (the oracle) and, once capix has Net sessions, inside capix. Every
 * address is 127.0.0.1 (or ::1); nothing else is ever a target. One PASS/FAIL line per case.
 *
 *   socktest noroute   a sandbox without a Net route: socket(AF_INET, ...) is EACCES
 *                      after Linux's own argument checks (EINVAL), AF_UNIX works (it
 *                      needs no route), AF_NETLINK is EAFNOSUPPORT (capix only: Linux
 *                      has the families)
 *   socktest loopback  all cases over 127.0.0.1 in one process and forked peers: TCP
 *                      both ways with 64 MiB checked by hash, ECONNREFUSED, non-blocking
 *                      EINPROGRESS connect and SO_ERROR, names, options, half-close,
 *                      EPIPE with SIGPIPE, UDP with datagram boundaries kept, 100
 *                      connections open at once, a forked child accepting on its
 *                      parent's listening socket, and sockets passed with SCM_RIGHTS to
 *                      a fork child: a listener it accepts on, a connection it writes
 *                      into, closed with it; TCP over IPv6 on ::1 (names as
 *                      sockaddr_in6, an IPv6 socket on :: taking an IPv4 peer as
 *                      ::ffff:127.0.0.1 unless IPV6_V6ONLY, a mapped destination)
 *   socktest fetch A P  connects to A:P, reads 1 MiB of the pattern below (checked by
 *                      hash), sends 512 KiB of it and its FIN, and wants "OK\n" back
 *                      from a server that checked them (scenario net-posix-host's
 *                      guestfwd)
 *   socktest orphaned  capix only (scenario net-server-death): two connections over the
 *                      loopback, a child blocked reading one and this process writing
 *                      the other until it blocks; the network server then ends, and
 *                      both calls, a poll and a new socket() must fail within seconds
 *                      (no hang: an alarm ends the program after 30 s)
 *   socktest serve PORT [A P]  listens on PORT (any address), accepts one connection, reads
 *                      until the peer's FIN and prints the byte count and FNV-1a of
 *                      what came (the peer sends the pattern below), then sends
 *                      512 KiB of the pattern and closes: the host side of a scenario
 *                      checks those by hash (scenario net-posix-host, via a forward on
 *                      127.0.0.1); then fetches from A:P; with N, then serves N
 *                      connections at once on PORT, echoing each until its FIN
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../posix/ptest.h"
#include "../posix/passfd.h"

#define BULK (64u << 20)
#define NET_MANY_MAX 128

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

/* FNV-1a over a stream, so both ends can compare what crossed */
static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void pattern(unsigned char *buf, size_t n, size_t off)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)((off + i) * 2654435761u >> 13);
}

static struct sockaddr_in lo(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A listening TCP socket on 127.0.0.1 with a port the system chose; *port set. */
static int listener(uint16_t *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = lo(0);
    socklen_t len = sizeof a;
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 8) ||
        getsockname(s, (struct sockaddr *)&a, &len))
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static int connect_to(uint16_t port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo(port);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) {
        int e = errno;
        if (s >= 0)
            close(s);
        errno = e;
        return -1;
    }
    return s;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads to the end of the stream; returns the bytes and their hash in *h. */
static long read_hash(int fd, uint64_t *h)
{
    static unsigned char buf[65536];
    long total = 0;
    *h = 0xcbf29ce484222325ull;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -1 : total;
        *h = fnv(*h, buf, (size_t)r);
        total += r;
    }
}

/* The peer: sends BULK bytes of the pattern, half-closes, then hashes what comes back
 * and sends the 8-byte hash. The parent does the mirror image. */
static void tcp_bulk(void)
{
    static unsigned char buf[65536];
    uint16_t port;
    int l = listener(&port);
    check("tcp_listen", l >= 0, "errno %ld%ld", errno, 0);
    if (l < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        int c = connect_to(port);
        uint64_t h = 0xcbf29ce484222325ull;
        if (c < 0)
            _exit(2);
        for (size_t off = 0; off < BULK; off += sizeof buf) {
            pattern(buf, sizeof buf, off);
            h = fnv(h, buf, sizeof buf);
            if (write_all(c, buf, sizeof buf))
                _exit(3);
        }
        shutdown(c, SHUT_WR);
        uint64_t got;
        ssize_t r = read(c, &got, sizeof got);
        _exit(r == sizeof got && got == h ? 0 : 4);
    }
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    check("tcp_accept", a >= 0 && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "errno %ld%ld",
          errno, 0);
    if (a < 0)
        return;
    struct sockaddr_in me;
    socklen_t mlen = sizeof me;
    check("tcp_getsockname",
          !getsockname(a, (struct sockaddr *)&me, &mlen) && ntohs(me.sin_port) == port,
          "port %ld, want %ld", ntohs(me.sin_port), port);
    uint64_t h;
    long n = read_hash(a, &h);
    check("tcp_bulk_bytes", n == BULK, "got %ld bytes of %ld", n, BULK);
    check("tcp_half_close_write_back", write(a, &h, sizeof h) == sizeof h, "errno %ld%ld", errno,
          0);
    close(a);
    close(l);
    int st;
    waitpid(pid, &st, 0);
    check("tcp_bulk_hash", WIFEXITED(st) && WEXITSTATUS(st) == 0, "peer status %ld%ld", st, 0);
}

/* MANY connections open at once: MANY clients connect (all waiting in the listener's
 * backlog), then MANY accepts; each client sends its own 64 bytes, a poll over all the
 * accepted ends echoes what arrives, and every client must read its own bytes back. */
#define MANY 100
static void tcp_many(void)
{
    static int c[MANY], a[MANY];
    static struct pollfd p[MANY];
    uint16_t port;
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, nc = 0, na = 0;
    struct sockaddr_in sa = lo(0);
    socklen_t len = sizeof sa;
    int ok = l >= 0 && !setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) &&
             !bind(l, (struct sockaddr *)&sa, sizeof sa) && !listen(l, MANY + 8) &&
             !getsockname(l, (struct sockaddr *)&sa, &len);
    port = ntohs(sa.sin_port);
    while (ok && nc < MANY && (c[nc] = connect_to(port)) >= 0)
        nc++;
    check("tcp_many_connect", nc == MANY, "%ld of %ld connected", nc, MANY);
    while (ok && na < nc && (a[na] = accept(l, NULL, NULL)) >= 0)
        na++;
    check("tcp_many_accept", na == nc && nc == MANY, "%ld of %ld accepted", na, nc);
    unsigned char msg[64], got[64];
    int sent = 0;
    for (int i = 0; i < na; i++) {
        pattern(msg, sizeof msg, (size_t)i * 64);
        sent += write_all(c[i], msg, sizeof msg) == 0;
    }
    /* echo on every accepted end as its 64 bytes arrive, in any order */
    int echoed = 0, rounds = 0;
    for (int i = 0; i < na; i++)
        p[i] = (struct pollfd){.fd = a[i], .events = POLLIN};
    while (echoed < na && rounds++ < 1000) {
        int n = poll(p, (nfds_t)na, 5000);
        if (n <= 0)
            break;
        for (int i = 0; i < na; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            ssize_t r = recv(a[i], got, sizeof got, MSG_WAITALL);
            if (r == (ssize_t)sizeof got && write_all(a[i], got, sizeof got) == 0)
                echoed++;
            p[i].fd = -1; /* done with this one */
        }
    }
    check("tcp_many_echoed", sent == na && echoed == na, "%ld of %ld echoed", echoed, na);
    int back = 0;
    for (int i = 0; i < na; i++) {
        pattern(msg, sizeof msg, (size_t)i * 64);
        back += recv(c[i], got, sizeof got, MSG_WAITALL) == (ssize_t)sizeof got &&
                !memcmp(got, msg, sizeof msg);
    }
    check("tcp_many_own_bytes_back", back == na && na == MANY, "%ld of %ld", back, na);
    int closed = 0;
    for (int i = 0; i < nc; i++)
        closed += close(c[i]) == 0;
    for (int i = 0; i < na; i++)
        closed += close(a[i]) == 0;
    check("tcp_many_close", closed == nc + na && (l < 0 || close(l) == 0), "%ld closed%ld", closed,
          0);
}

/* A peer that closes with unread data resets the connection (RFC 2525, as Linux and
 * lwIP do): the other end's next read is ECONNRESET, and the one after it end of file. */
static void tcp_reset(void)
{
    uint16_t port;
    int l = listener(&port), c = connect_to(port), a = accept(l, NULL, NULL);
    char b[64] = "unread";
    int ok = l >= 0 && c >= 0 && a >= 0 && write(c, b, sizeof b) == (ssize_t)sizeof b;
    struct pollfd p = {.fd = a, .events = POLLIN};
    ok = ok && poll(&p, 1, 5000) == 1; /* the bytes have arrived, unread */
    close(a);
    p = (struct pollfd){.fd = c, .events = POLLIN};
    poll(&p, 1, 5000);
    ssize_t r = read(c, b, sizeof b);
    int e = errno;
    check("tcp_reset_econnreset", ok && r < 0 && e == ECONNRESET, "read %ld errno %ld", (long)r, e);
    r = read(c, b, sizeof b);
    check("tcp_reset_then_eof", r == 0, "read %ld errno %ld", (long)r, errno);
    close(c);
    close(l);
}

static void tcp_refused(void)
{
    uint16_t port;
    int l = listener(&port); /* a port known to be free once closed */
    close(l);
    int c = connect_to(port);
    check("tcp_econnrefused", c < 0 && errno == ECONNREFUSED, "rc %ld errno %ld", c, errno);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = lo(port);
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    if (rc < 0 && e == EINPROGRESS) {
        struct pollfd p = {.fd = s, .events = POLLOUT};
        poll(&p, 1, 5000);
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
        e = err;
    }
    check("tcp_nonblock_refused", rc < 0 && e == ECONNREFUSED, "rc %ld errno %ld", rc, e);
    close(s);
}

static void tcp_nonblock_connect(void)
{
    uint16_t port;
    int l = listener(&port);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = lo(port);
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    check("tcp_einprogress", rc == 0 || errno == EINPROGRESS, "rc %ld errno %ld", rc, errno);
    struct pollfd p = {.fd = s, .events = POLLOUT};
    check("tcp_connect_writable", poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "revents %ld%ld",
          p.revents, 0);
    int err = -1;
    socklen_t len = sizeof err;
    check("tcp_so_error_0", !getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) && err == 0,
          "so_error %ld%ld", err, 0);
    /* Linux: the first connect after a non-blocking one completed reports the result
     * (0); only the next is EISCONN */
    rc = connect(s, (struct sockaddr *)&a, sizeof a);
    check("tcp_connect_again_reports", rc == 0, "rc %ld errno %ld", rc, errno);
    rc = connect(s, (struct sockaddr *)&a, sizeof a);
    check("tcp_eisconn", rc < 0 && errno == EISCONN, "rc %ld errno %ld", rc, errno);
    char c;
    check("tcp_eagain", recv(s, &c, 1, 0) < 0 && errno == EAGAIN, "errno %ld%ld", errno, 0);
    int a2 = accept(l, NULL, NULL);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    struct sockaddr_in mine;
    socklen_t mlen = sizeof mine;
    getsockname(s, (struct sockaddr *)&mine, &mlen);
    check("tcp_getpeername",
          !getpeername(a2, (struct sockaddr *)&peer, &plen) && peer.sin_port == mine.sin_port,
          "port %ld, want %ld", ntohs(peer.sin_port), ntohs(mine.sin_port));
    int one = 1, v = 0;
    len = sizeof v;
    check("tcp_nodelay",
          !setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) &&
              !getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) && v == 1,
          "value %ld%ld", v, 0);
    len = sizeof v;
    check("tcp_keepalive",
          !setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) &&
              !getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) && v == 1,
          "value %ld%ld", v, 0);
    len = sizeof v;
    check("tcp_rcvbuf", !getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len) && v > 0, "value %ld%ld", v,
          0);
    check("tcp_bad_option",
          setsockopt(s, SOL_SOCKET, 9999, &one, sizeof one) < 0 && errno == ENOPROTOOPT,
          "errno %ld%ld", errno, 0);
    /* the peer goes: a write gets EPIPE and SIGPIPE (after the reset arrives) */
    close(a2);
    signal(SIGPIPE, on_sigpipe);
    int fl = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
    ssize_t w = 0;
    for (int i = 0; i < 50 && w >= 0; i++) {
        w = send(s, "x", 1, 0);
        usleep(10000);
    }
    check("tcp_epipe", w < 0 && (errno == EPIPE || errno == ECONNRESET), "errno %ld%ld", errno, 0);
    check("tcp_sigpipe", sigpipes > 0, "signals %ld%ld", sigpipes, 0);
    signal(SIGPIPE, SIG_DFL);
    close(s);
    close(l);
}

static void udp_echo(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = lo(0);
    socklen_t len = sizeof a;
    bind(srv, (struct sockaddr *)&a, sizeof a);
    getsockname(srv, (struct sockaddr *)&a, &len);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[2048];
        for (int i = 0; i < 3; i++) {
            struct sockaddr_in from;
            socklen_t flen = sizeof from;
            ssize_t r = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
            if (r < 0 || sendto(srv, buf, (size_t)r, 0, (struct sockaddr *)&from, flen) != r)
                _exit(1);
        }
        _exit(0);
    }
    static const size_t sizes[3] = {1, 1000, 1472};
    char out[1472], in[2048];
    for (int i = 0; i < 3; i++) {
        memset(out, 'a' + i, sizes[i]);
        sendto(cli, out, sizes[i], 0, (struct sockaddr *)&a, sizeof a);
    }
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        struct pollfd p = {.fd = cli, .events = POLLIN};
        ssize_t r = poll(&p, 1, 5000) == 1 ? recv(cli, in, sizeof in, 0) : -1;
        ok &= r == (ssize_t)sizes[i] && in[0] == 'a' + i && in[r - 1] == 'a' + i;
    }
    check("udp_boundaries", ok, "%ld%ld", 0, 0);
    struct msghdr m = {0};
    char small[4];
    struct iovec iov = {small, sizeof small};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    sendto(cli, out, 100, 0, (struct sockaddr *)&a, sizeof a); /* nobody echoes: to self */
    int st;
    waitpid(pid, &st, 0);
    struct sockaddr_in b = lo(0);
    len = sizeof b;
    getsockname(cli, (struct sockaddr *)&b, &len);
    sendto(cli, out, 100, 0, (struct sockaddr *)&b, sizeof b);
    ssize_t r = recvmsg(cli, &m, 0);
    check("udp_truncated", r == 4 && (m.msg_flags & MSG_TRUNC), "rc %ld flags %ld", r, m.msg_flags);
    close(srv);
    close(cli);
}

/* FIONREAD, MSG_PEEK, MSG_DONTWAIT, SO_RCVTIMEO and select on a connected pair. */
static void tcp_peek_and_wait(void)
{
    uint16_t port;
    int l = listener(&port), c = l < 0 ? -1 : connect_to(port), a = c < 0 ? -1 : accept(l, 0, 0);
    check("tcp_pair", a >= 0, "errno %ld%ld", errno, 0);
    if (a < 0)
        return;
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(a, &rd);
    struct timeval tv = {0, 0};
    check("select_not_readable", select(a + 1, &rd, NULL, NULL, &tv) == 0, "errno %ld%ld", errno,
          0);
    write(c, "hello", 5);
    FD_ZERO(&rd);
    FD_SET(a, &rd);
    tv = (struct timeval){5, 0};
    int n = select(a + 1, &rd, NULL, NULL, &tv);
    check("select_readable", n == 1 && FD_ISSET(a, &rd), "n %ld errno %ld", n, errno);
    int avail = -1;
    ioctl(a, FIONREAD, &avail);
    check("fionread", avail == 5, "avail %ld%ld", avail, 0);
    char buf[16] = {0};
    ssize_t r = recv(a, buf, sizeof buf, MSG_PEEK);
    check("msg_peek", r == 5 && !memcmp(buf, "hello", 5), "rc %ld errno %ld", r, errno);
    memset(buf, 0, sizeof buf);
    r = recv(a, buf, sizeof buf, MSG_DONTWAIT);
    check("msg_peek_left_it", r == 5 && !memcmp(buf, "hello", 5), "rc %ld errno %ld", r, errno);
    r = recv(a, buf, sizeof buf, MSG_DONTWAIT);
    check("msg_dontwait_eagain", r < 0 && errno == EAGAIN, "rc %ld errno %ld", r, errno);
    struct timeval to = {0, 100000};
    setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &to, sizeof to);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = recv(a, buf, sizeof buf, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    check("so_rcvtimeo", r < 0 && errno == EAGAIN && ms >= 90, "errno %ld ms %ld", errno, ms);
    /* (TCP_NODELAY: lwIP delays its acknowledgement of "hello" up to 250 ms, where Linux's
     * loopback acknowledges at once, and Nagle would hold "x" until then) */
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    r = write(c, "x", 1) == 1 ? recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen)
                              : -1;
    check("tcp_recvfrom_no_source", r == 1 && flen == 0, "rc %ld len %ld", (long)r, (long)flen);
    close(a);
    close(c);
    close(l);
}

static void fork_accept(void)
{
    uint16_t port;
    int l = listener(&port);
    pid_t pid = fork();
    if (pid == 0) {
        int a = accept(l, NULL, NULL);
        _exit(a >= 0 && write(a, "child", 5) == 5 ? 0 : 1);
    }
    close(l); /* the child's reference keeps it listening */
    int c = connect_to(port);
    char buf[8] = {0};
    ssize_t r = c >= 0 ? read(c, buf, sizeof buf) : -1;
    check("fork_child_accepts", r == 5 && !memcmp(buf, "child", 5), "rc %ld errno %ld", r, errno);
    int st;
    waitpid(pid, &st, 0);
    check("fork_child_status", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %ld%ld", st, 0);
    if (c >= 0)
        close(c);
}

/* Sockets passed with SCM_RIGHTS to a fork child that did not inherit them: a listening
 * socket it accepts on, and a connected one it writes into; the peer sees end of file
 * when the child, the last holder, ends. */
static void passed_sockets(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        int l = pass_fd(sv[1], -1, NULL);
        int a = l >= 0 ? accept(l, NULL, NULL) : -1;
        if (a < 0 || write(a, "passed", 6) != 6)
            _exit(1);
        int c = pass_fd(sv[1], -1, NULL);
        int type = 0;
        socklen_t len = sizeof type;
        if (c < 0 || getsockopt(c, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM ||
            write(c, "conn", 4) != 4)
            _exit(2);
        _exit(0);
    }
    close(sv[1]);
    uint16_t port, port2;
    int l = listener(&port);
    check("passed_listener_send", pass_fd(sv[0], l, NULL) == 0, "errno %ld%ld", errno, 0);
    close(l); /* the child's description keeps it listening */
    int c = connect_to(port);
    char buf[8] = {0};
    ssize_t r = c >= 0 ? read(c, buf, sizeof buf) : -1;
    check("passed_listener_accepts", r == 6 && !memcmp(buf, "passed", 6), "rc %ld errno %ld", r,
          errno);
    int l2 = listener(&port2), c2 = connect_to(port2), a2 = accept(l2, NULL, NULL);
    check("passed_connected_send", a2 >= 0 && pass_fd(sv[0], a2, NULL) == 0, "errno %ld%ld", errno,
          0);
    close(a2);
    close(l2);
    memset(buf, 0, sizeof buf);
    r = c2 >= 0 ? read(c2, buf, sizeof buf) : -1;
    check("passed_connected_writes", r == 4 && !memcmp(buf, "conn", 4), "rc %ld errno %ld", r,
          errno);
    int st;
    waitpid(pid, &st, 0);
    check("passed_child_status", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %ld%ld", st, 0);
    r = c2 >= 0 ? read(c2, buf, sizeof buf) : -1;
    check("passed_last_holder_closed", r == 0, "rc %ld errno %ld", r, errno);
    if (c >= 0)
        close(c);
    if (c2 >= 0)
        close(c2);
    close(sv[0]);
}

/* ---- IPv6 on the loopback ---- */

static struct sockaddr_in6 lo6(const struct in6_addr *a, uint16_t port)
{
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    s6.sin6_addr = *a;
    return s6;
}

/* A listening IPv6 socket on a (v6only: IPV6_V6ONLY set first); *port set. */
static int listener6(const struct in6_addr *a, int v6only, uint16_t *port)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 s6 = lo6(a, 0);
    socklen_t len = sizeof s6;
    if (s < 0 || (v6only && setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only)) ||
        bind(s, (struct sockaddr *)&s6, sizeof s6) || listen(s, 4) ||
        getsockname(s, (struct sockaddr *)&s6, &len))
        return -1;
    *port = ntohs(s6.sin6_port);
    return s;
}

static int is_mapped_lo(const struct in6_addr *a)
{
    static const unsigned char want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    return !memcmp(a, want, 16);
}

static void tcp_inet6(void)
{
    struct sockaddr_in6 me, peer, name;
    socklen_t len = sizeof name;
    uint16_t port = 0;
    char buf[8] = {0};
    int l = listener6(&in6addr_loopback, 0, &port);
    check("inet6_listen_loopback", l >= 0 && port != 0, "errno %ld%ld", errno, 0);
    memset(&name, 0, sizeof name);
    int ok = l >= 0 && !getsockname(l, (struct sockaddr *)&name, &len);
    check("inet6_getsockname",
          ok && len == sizeof name && name.sin6_family == AF_INET6 &&
              IN6_IS_ADDR_LOOPBACK(&name.sin6_addr) && ntohs(name.sin6_port) == port,
          "len %ld family %ld", (long)len, (long)name.sin6_family);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = lo6(&in6addr_loopback, port);
    int rc = c < 0 ? -1 : connect(c, (struct sockaddr *)&to, sizeof to);
    check("inet6_connect", rc == 0, "rc %ld errno %ld", rc, errno);
    len = sizeof peer;
    memset(&peer, 0, sizeof peer);
    int a = accept(l, (struct sockaddr *)&peer, &len);
    socklen_t mlen = sizeof me;
    memset(&me, 0, sizeof me);
    ok = a >= 0 && c >= 0 && !getsockname(c, (struct sockaddr *)&me, &mlen);
    check("inet6_accept_names_the_peer",
          ok && len == sizeof peer && peer.sin6_family == AF_INET6 &&
              IN6_IS_ADDR_LOOPBACK(&peer.sin6_addr) && peer.sin6_port == me.sin6_port,
          "rc %ld errno %ld", (long)a, errno);
    len = sizeof name;
    memset(&name, 0, sizeof name);
    ok = c >= 0 && !getpeername(c, (struct sockaddr *)&name, &len);
    check("inet6_getpeername",
          ok && IN6_IS_ADDR_LOOPBACK(&name.sin6_addr) && ntohs(name.sin6_port) == port,
          "errno %ld%ld", errno, 0);
    ok = a >= 0 && write(c, "six", 3) == 3 && read(a, buf, sizeof buf) == 3 &&
         !memcmp(buf, "six", 3) && write(a, "back", 4) == 4 && read(c, buf, sizeof buf) == 4 &&
         !memcmp(buf, "back", 4);
    check("inet6_data_both_ways", ok, "errno %ld%ld", errno, 0);
    /* a stream names no source: the length comes back 0 (IPv4 and IPv6 alike) */
    len = sizeof name;
    ok = a >= 0 && write(c, "x", 1) == 1 &&
         recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&name, &len) == 1;
    check("inet6_recvfrom_no_source", ok && len == 0, "len %ld errno %ld", (long)len, errno);
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {
        .msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov, .msg_iovlen = 1};
    ok = a >= 0 && write(c, "y", 1) == 1 && recvmsg(a, &mh, 0) == 1;
    check("inet6_recvmsg_no_source", ok && mh.msg_namelen == 0, "len %ld errno %ld",
          (long)mh.msg_namelen, errno);
    int one = 1;
    rc = setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    check("inet6_v6only_after_bind_einval", rc < 0 && errno == EINVAL, "rc %ld errno %ld", rc,
          errno);
    if (a >= 0)
        close(a);
    if (c >= 0)
        close(c);
    if (l >= 0)
        close(l);

    /* "::" takes IPv4 peers too, as ::ffff:127.0.0.1 (Linux's default bindv6only 0) */
    int v = -1;
    len = sizeof v;
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    ok = s6 >= 0 && !getsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
    check("inet6_v6only_default_0", ok && v == 0, "value %ld errno %ld", (long)v, errno);
    if (s6 >= 0)
        close(s6);
    l = listener6(&in6addr_any, 0, &port);
    int c4 = connect_to(port);
    len = sizeof peer;
    memset(&peer, 0, sizeof peer);
    a = l >= 0 && c4 >= 0 ? accept(l, (struct sockaddr *)&peer, &len) : -1;
    check("inet6_any_takes_ipv4_mapped", a >= 0 && is_mapped_lo(&peer.sin6_addr),
          "rc %ld errno %ld", (long)a, errno);
    ok = a >= 0 && write(c4, "four", 4) == 4 && read(a, buf, sizeof buf) == 4;
    check("inet6_mapped_data", ok, "errno %ld%ld", errno, 0);
    if (a >= 0)
        close(a);
    if (c4 >= 0)
        close(c4);
    if (l >= 0)
        close(l);

    /* IPV6_V6ONLY: IPv4 peers are refused, IPv6 ones come */
    l = listener6(&in6addr_any, 1, &port);
    v = -1;
    len = sizeof v;
    ok = l >= 0 && !getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
    check("inet6_v6only_set", ok && v == 1, "value %ld errno %ld", (long)v, errno);
    c4 = connect_to(port);
    check("inet6_v6only_refuses_ipv4", c4 < 0 && errno == ECONNREFUSED, "rc %ld errno %ld",
          (long)c4, errno);
    if (c4 >= 0)
        close(c4);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    to = lo6(&in6addr_loopback, port);
    rc = c < 0 ? -1 : connect(c, (struct sockaddr *)&to, sizeof to);
    a = rc == 0 ? accept(l, NULL, NULL) : -1;
    check("inet6_v6only_takes_ipv6", rc == 0 && a >= 0, "rc %ld errno %ld", rc, errno);
    if (a >= 0)
        close(a);
    if (c >= 0)
        close(c);
    if (l >= 0)
        close(l);

    /* an IPv6 socket to an IPv4 listener through the mapped address */
    l = listener(&port);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    struct in6_addr mapped = {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}}};
    to = lo6(&mapped, port);
    rc = c < 0 || l < 0 ? -1 : connect(c, (struct sockaddr *)&to, sizeof to);
    len = sizeof name;
    memset(&name, 0, sizeof name);
    ok = rc == 0 && !getsockname(c, (struct sockaddr *)&name, &len);
    check("inet6_mapped_connect", ok && is_mapped_lo(&name.sin6_addr), "rc %ld errno %ld", rc,
          errno);
    a = rc == 0 ? accept(l, NULL, NULL) : -1;
    if (a >= 0)
        close(a);
    if (c >= 0)
        close(c);
    if (l >= 0)
        close(l);

    int sv[2];
    rc = socketpair(AF_INET6, SOCK_STREAM, 0, sv);
    check("inet6_socketpair_eopnotsupp", rc < 0 && errno == EOPNOTSUPP, "rc %ld errno %ld", rc,
          errno);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    to = lo6(&in6addr_loopback, 0);
    rc = c < 0 ? -1 : bind(c, (struct sockaddr *)&to, 20);
    check("inet6_short_address_einval", rc < 0 && errno == EINVAL, "rc %ld errno %ld", rc, errno);
    if (c >= 0)
        close(c);
}

static void noroute(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    check("noroute_stream_eacces", s < 0 && errno == EACCES, "rc %ld errno %ld", s, errno);
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    check("noroute_dgram_eacces", s < 0 && errno == EACCES, "rc %ld errno %ld", s, errno);
    s = socket(AF_INET, 12, 0);
    check("noroute_bad_type_einval", s < 0 && errno == EINVAL, "rc %ld errno %ld", s, errno);
    s = socket(AF_INET, SOCK_STREAM | 0x100, 0);
    check("noroute_bad_flag_einval", s < 0 && errno == EINVAL, "rc %ld errno %ld", s, errno);
    s = socket(AF_UNIX, SOCK_STREAM, 0); /* local: no network route needed */
    check("noroute_unix_works", s >= 0 && close(s) == 0, "rc %ld errno %ld", s, errno);
    s = socket(AF_NETLINK, SOCK_RAW, 0);
    check("noroute_netlink_eafnosupport", s < 0 && errno == EAFNOSUPPORT, "rc %ld errno %ld", s,
          errno);
}

/* A server outside (scenario net-posix-host, through a guestfwd): 1 MiB of the pattern
 * comes, checked by hash; 512 KiB go back with a FIN; the server answers "OK\n" when
 * what it got matched the pattern. */
static void fetch(const char *addr, uint16_t port)
{
    static unsigned char buf[65536], p[65536];
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    unsigned b[4];
    if (sscanf(addr, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4) {
        check("fetch_address", 0, "%ld%ld", 0, 0);
        return;
    }
    a.sin_addr.s_addr = htonl(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int rc = s < 0 ? -1 : connect(s, (struct sockaddr *)&a, sizeof a);
    check("fetch_connect", rc == 0, "errno %ld%ld", errno, 0);
    if (rc)
        return;
    uint64_t h = 0xcbf29ce484222325ull, want = h, n = 0;
    while (n < (1u << 20)) {
        size_t k = (1u << 20) - n < sizeof buf ? (1u << 20) - n : sizeof buf;
        ssize_t r = read(s, buf, k);
        if (r <= 0)
            break;
        h = fnv(h, buf, (size_t)r);
        pattern(p, (size_t)r, n);
        want = fnv(want, p, (size_t)r);
        n += (uint64_t)r;
    }
    check("fetch_bytes_by_hash", n == (1u << 20) && h == want, "bytes %ld%ld", (long)n, 0);
    size_t sent = 0;
    while (sent < (512u << 10)) {
        size_t k = (512u << 10) - sent < sizeof buf ? (512u << 10) - sent : sizeof buf;
        pattern(buf, k, sent);
        ssize_t w = write(s, buf, k);
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    check("fetch_sent", sent == (512u << 10) && shutdown(s, SHUT_WR) == 0, "sent %ld%ld",
          (long)sent, 0);
    char ans[8] = {0};
    size_t got = 0;
    for (ssize_t r; got < sizeof ans - 1 && (r = read(s, ans + got, sizeof ans - 1 - got)) > 0;)
        got += (size_t)r;
    if (strcmp(ans, "OK\n"))
        printf("socktest: the server answered %zu bytes: %02x %02x %02x %02x\n", got,
               (unsigned char)ans[0], (unsigned char)ans[1], (unsigned char)ans[2],
               (unsigned char)ans[3]);
    check("fetch_server_agrees", !strcmp(ans, "OK\n"), "answer of %ld bytes%.0ld", (long)got, 0);
    close(s);
}

/* One connection from outside (scenario net-posix-host): see the usage above. */
static void serve(uint16_t port)
{
    static unsigned char buf[65536];
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int ok = s >= 0 && !setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) &&
             !bind(s, (struct sockaddr *)&a, sizeof a) && !listen(s, 1);
    check("serve_listen", ok, "errno %ld%ld", errno, 0);
    if (!ok)
        return;
    printf("socktest: listening on %u\n", port);
    fflush(stdout);
    int c = accept(s, NULL, NULL);
    check("serve_accept", c >= 0, "errno %ld%ld", errno, 0);
    if (c < 0)
        return;
    uint64_t h = 0xcbf29ce484222325ull, want = 0xcbf29ce484222325ull, n = 0;
    for (ssize_t r; (r = read(c, buf, sizeof buf)) > 0; n += (uint64_t)r) {
        h = fnv(h, buf, (size_t)r);
        unsigned char p[sizeof buf];
        pattern(p, (size_t)r, n);
        want = fnv(want, p, (size_t)r);
    }
    printf("socktest: received %llu bytes, fnv %016llx\n", (unsigned long long)n,
           (unsigned long long)h);
    check("serve_bytes_by_hash", n == (1u << 20) && h == want, "bytes %ld%ld", (long)n, 0);
    size_t sent = 0;
    while (sent < (512u << 10)) {
        size_t k = (512u << 10) - sent < sizeof buf ? (512u << 10) - sent : sizeof buf;
        pattern(buf, k, sent);
        ssize_t w = write(c, buf, k);
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    check("serve_sent", sent == (512u << 10), "sent %ld%ld", (long)sent, 0);
    check("serve_close", close(c) == 0 && close(s) == 0, "errno %ld%ld", errno, 0);
}

/* N connections from outside at once (scenario net-posix-host): listens on PORT,
 * accepts while it echoes what every accepted connection sends until that peer's FIN,
 * then closes it; done when N connections have been echoed and closed. */
static void serve_many(uint16_t port, int n)
{
    static struct pollfd p[1 + NET_MANY_MAX];
    static long bytes[1 + NET_MANY_MAX];
    static unsigned char buf[16384];
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int ok = n > 0 && n <= NET_MANY_MAX && s >= 0 &&
             !setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) &&
             !bind(s, (struct sockaddr *)&a, sizeof a) && !listen(s, n);
    check("many_listen", ok, "errno %ld%ld", errno, 0);
    if (!ok)
        return;
    printf("socktest: serving %d connections on %u\n", n, port);
    fflush(stdout);
    int open = 0, most = 0, done = 0, accepted = 0, bad = 0;
    p[0] = (struct pollfd){.fd = s, .events = POLLIN};
    for (int i = 1; i <= n; i++)
        p[i].fd = -1;
    while (done < n && !bad) {
        int r = poll(p, (nfds_t)n + 1, 30000);
        if (r <= 0) {
            bad = 1; /* 30 s without anything happening */
            break;
        }
        if ((p[0].revents & POLLIN) && accepted < n) {
            int c = accept(s, NULL, NULL);
            if (c >= 0) {
                p[++accepted] = (struct pollfd){.fd = c, .events = POLLIN};
                if (++open > most)
                    most = open;
            }
        }
        for (int i = 1; i <= accepted; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(p[i].fd, buf, sizeof buf);
            if (got > 0 && write_all(p[i].fd, buf, (size_t)got) == 0) {
                bytes[i] += got;
                continue;
            }
            bad |= got < 0;
            close(p[i].fd);
            p[i].fd = -1;
            open--;
            done++;
        }
    }
    long total = 0;
    for (int i = 1; i <= accepted; i++)
        total += bytes[i];
    printf("socktest: %d connections echoed, %ld bytes, at most %d open at once\n", done, total,
           most);
    check("many_echoed", !bad && done == n, "%ld of %ld connections", done, n);
    check("many_at_once", most == n, "at most %ld of %ld open at once", most, n);
    close(s);
}

/* The network server ends under us (scenario net-server-death): see the usage above. */
static void orphaned(void)
{
    static unsigned char buf[65536];
    uint16_t port;
    int l = listener(&port), c1 = l < 0 ? -1 : connect_to(port), a1 = accept(l, NULL, NULL);
    int c2 = connect_to(port), a2 = accept(l, NULL, NULL);
    check("orphaned_connected", l >= 0 && c1 >= 0 && a1 >= 0 && c2 >= 0 && a2 >= 0, "errno %ld%ld",
          errno, 0);
    if (c2 < 0 || a2 < 0)
        return;
    signal(SIGPIPE, SIG_IGN);
    alarm(30); /* a hang is a failure: SIGALRM ends the program */
    pid_t child = fork();
    if (child == 0) {
        char b;
        ssize_t r = read(c1, &b, 1); /* nothing is ever sent on it */
        int e = errno;
        check("orphaned_read_fails", r < 0 && (e == EIO || e == ECONNRESET),
              "read returned %ld, errno %ld", (long)r, e);
        _exit(0);
    }
    printf("socktest: connected, a child reading and this process writing until the "
           "server ends\n");
    fflush(stdout);
    ssize_t w;
    long total = 0;
    while ((w = write(c2, buf, sizeof buf)) > 0)
        total += w;
    int e = errno;
    check("orphaned_write_fails", w < 0 && (e == EIO || e == EPIPE || e == ECONNRESET),
          "write returned %ld, errno %ld", (long)w, e);
    printf("socktest: %ld bytes written before the server ended\n", total);
    struct pollfd p = {.fd = a1, .events = POLLIN};
    int n = poll(&p, 1, 5000);
    check("orphaned_poll_ends", n == 1 && (p.revents & (POLLERR | POLLHUP)),
          "poll %ld, revents %#lx", n, p.revents);
    int s2 = socket(AF_INET, SOCK_STREAM, 0);
    check("orphaned_socket_fails", s2 < 0 && errno == EIO, "socket %ld, errno %ld", s2, errno);
    int status = -1;
    waitpid(child, &status, 0);
    check("orphaned_child_done", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#lx%ld",
          status, 0);
    alarm(0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "loopback";
    if (!strcmp(mode, "noroute")) {
        noroute();
    } else if (!strcmp(mode, "loopback")) {
        tcp_bulk();
        tcp_refused();
        tcp_many();
        tcp_reset();
        tcp_nonblock_connect();
        udp_echo();
        tcp_peek_and_wait();
        fork_accept();
        passed_sockets();
        tcp_inet6();
    } else if (!strcmp(mode, "orphaned")) {
        orphaned();
    } else if (!strcmp(mode, "fetch") && argc > 3) {
        fetch(argv[2], (uint16_t)atoi(argv[3]));
    } else if (!strcmp(mode, "serve") && argc > 2) {
        serve((uint16_t)atoi(argv[2]));
        if (argc > 4) /* serve PORT ADDR P: then fetch from ADDR:P */
            fetch(argv[3], (uint16_t)atoi(argv[4]));
        if (argc > 5) /* serve PORT ADDR P N: then N connections at once on PORT */
            serve_many((uint16_t)atoi(argv[2]), atoi(argv[5]));
    } else {
        printf("FAIL usage: socktest noroute|loopback|orphaned|serve PORT [ADDR P [N]]|fetch "
               "ADDR P\n");
        return 2;
    }
    return failed ? 1 : 0;
}
