/*
 * unixtest: AF_UNIX sockets (libc/unix.c, docs/unix-sockets.md): socketpair of each type
 * across fork, end of file, EPIPE and SIGPIPE, shutdown, MSG_PEEK, MSG_WAITALL,
 * non-blocking calls, poll readiness, FIONREAD, socket options, and named stream
 * sockets in /tmp between a parent and a fork child and between processes that share
 * nothing but the name (posix_spawn of this program), abstract names, the errors of
 * bind and connect, and descriptors passed (SCM_RIGHTS) in one process, to and from a
 * fork child, and to a program that shares nothing but a socket's name (regular files too:
 * unixtest_files.c). The same binary runs on
 * Linux and in capix; the output must be the same. One line per case: "PASS name" or "FAIL name:
 * why". Descriptors passed are in unixtest_rights.c (unixtest.h).
 */
#include "unixtest.h"
#include "check.h"

void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

int wait_child(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

socklen_t set_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof(a->sun_path) - 1);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static volatile sig_atomic_t got_pipe;
static void on_pipe(int sig)
{
    (void)sig;
    got_pipe = 1;
}

/* ---- socketpair ---- */

static void pair_stream_fork(void)
{
    int sv[2];
    check("pair-stream-create", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char buf[16] = {0};
        if (write(sv[1], "ping", 4) != 4)
            _exit(2);
        if (read(sv[1], buf, sizeof buf) != 4 || memcmp(buf, "pong", 4))
            _exit(3);
        _exit(0);
    }
    close(sv[1]);
    char buf[16] = {0};
    ssize_t n = read(sv[0], buf, sizeof buf);
    check("pair-stream-fork-read", n == 4 && !memcmp(buf, "ping", 4), "read from the child");
    check("pair-stream-fork-write", write(sv[0], "pong", 4) == 4, "write to the child");
    check("pair-stream-fork-child", wait_child(pid) == 0, "the child failed");
    n = read(sv[0], buf, sizeof buf);
    check("pair-stream-eof-after-exit", n == 0, "no end of file after the child ended");
    close(sv[0]);
}

static void pair_dgram_fork(int type, const char *name)
{
    int sv[2];
    char label[64];
    snprintf(label, sizeof label, "%s-create", name);
    check(label, socketpair(AF_UNIX, type, 0, sv) == 0, "socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (send(sv[1], "one", 3, 0) != 3 || send(sv[1], "", 0, 0) != 0 ||
            send(sv[1], "three33", 7, 0) != 7 || send(sv[1], "truncated!", 10, 0) != 10)
            _exit(2);
        _exit(0);
    }
    close(sv[1]);
    snprintf(label, sizeof label, "%s-child", name);
    check(label, wait_child(pid) == 0, "the child failed"); /* its records stay queued */
    char buf[64];
    ssize_t a = recv(sv[0], buf, sizeof buf, 0);
    ssize_t b = recv(sv[0], buf, sizeof buf, 0);
    int avail = -1;
    ioctl(sv[0], FIONREAD, &avail);
    ssize_t c = recv(sv[0], buf, sizeof buf, 0);
    snprintf(label, sizeof label, "%s-boundaries", name);
    check(label, a == 3 && b == 0 && c == 7 && !memcmp(buf, "three33", 7), "records merged");
    snprintf(label, sizeof label, "%s-fionread", name);
    check(label, avail == (type == SOCK_DGRAM ? 7 : 17), /* Linux: seqpacket counts all */
          "FIONREAD");
    struct iovec iov = {buf, 4};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    ssize_t d = recvmsg(sv[0], &m, 0);
    snprintf(label, sizeof label, "%s-msg-trunc", name);
    check(label, d == 4 && (m.msg_flags & MSG_TRUNC) && !memcmp(buf, "trun", 4),
          "recvmsg of a longer record");
    close(sv[0]);
}

static void pair_basics(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[1], "hello", 5, 0);
    int avail = -1;
    ioctl(sv[0], FIONREAD, &avail);
    check("fionread", avail == 5, "FIONREAD");
    char buf[16] = {0};
    ssize_t n = recv(sv[0], buf, sizeof buf, MSG_PEEK);
    check("msg-peek", n == 5 && !memcmp(buf, "hello", 5), "peek");
    memset(buf, 0, sizeof buf);
    n = recv(sv[0], buf, 3, 0);
    ssize_t n2 = recv(sv[0], buf + 3, sizeof buf, 0);
    check("peek-then-read", n == 3 && n2 == 2 && !memcmp(buf, "hello", 5), "read after peek");
    n = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
    check("msg-dontwait-eagain", n == -1 && errno == EAGAIN, "MSG_DONTWAIT on an empty socket");

    struct sockaddr_un a;
    socklen_t len = sizeof a;
    memset(&a, 0x55, sizeof a);
    check("getsockname-unnamed",
          getsockname(sv[0], (struct sockaddr *)&a, &len) == 0 && len == 2 &&
              a.sun_family == AF_UNIX,
          "an unnamed socket's name");
    len = sizeof a;
    check("getpeername-unnamed",
          getpeername(sv[0], (struct sockaddr *)&a, &len) == 0 && len == 2 &&
              a.sun_family == AF_UNIX,
          "an unnamed peer's name");
    int v = -1;
    socklen_t vl = sizeof v;
    check("so-type", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM,
          "SO_TYPE");
    vl = sizeof v;
    check("so-domain", getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &vl) == 0 && v == AF_UNIX,
          "SO_DOMAIN");
    vl = sizeof v;
    check("so-error", getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &vl) == 0 && v == 0, "SO_ERROR");
    vl = sizeof v;
    check("so-sndbuf", getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &vl) == 0 && v > 0,
          "SO_SNDBUF");
    struct ucred cr;
    socklen_t cl = sizeof cr;
    check("so-peercred-pair",
          getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cl == sizeof cr &&
              cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(),
          "SO_PEERCRED of a pair");

    struct pollfd p = {sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
    check("poll-writable", poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "an idle pair");
    send(sv[1], "x", 1, 0);
    check("poll-readable", poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT),
          "a pair with data");
    recv(sv[0], buf, 1, 0);
    shutdown(sv[1], SHUT_WR);
    check("poll-rdhup", poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT | POLLRDHUP),
          "after the peer's SHUT_WR");
    check("shutdown-wr-eof", recv(sv[0], buf, sizeof buf, 0) == 0, "no end of file");
    check("shutdown-wr-still-reads",
          send(sv[0], "back", 4, 0) == 4 && recv(sv[1], buf, sizeof buf, 0) == 4,
          "the other direction");
    errno = 0;
    check("shutdown-wr-epipe", send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
          "send after SHUT_WR");
    close(sv[1]);
    check("poll-hup", poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP),
          "after the peer's close");
    close(sv[0]);

    /* SHUT_RD: the reader sees end of file after the data */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[1], "ab", 2, 0);
    shutdown(sv[0], SHUT_RD);
    n = recv(sv[0], buf, sizeof buf, 0);
    n2 = recv(sv[0], buf, sizeof buf, 0);
    check("shutdown-rd", n == 2 && n2 == 0, "data, then end of file");
    errno = 0;
    check("shutdown-rd-peer-epipe", send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
          "send to a socket shut for reading");
    close(sv[0]);
    close(sv[1]);

    /* EPIPE and SIGPIPE */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    errno = 0;
    check("epipe-nosignal", send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "EPIPE");
    signal(SIGPIPE, on_pipe);
    got_pipe = 0;
    errno = 0;
    n = write(sv[0], "x", 1);
    check("epipe-sigpipe", n == -1 && errno == EPIPE && got_pipe, "write: EPIPE and SIGPIPE");
    signal(SIGPIPE, SIG_DFL);
    close(sv[0]);

    /* non-blocking: full and empty */
    check("pair-nonblock", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0,
          "SOCK_NONBLOCK");
    errno = 0;
    check("nonblock-empty-eagain", read(sv[0], buf, 1) == -1 && errno == EAGAIN, "empty");
    static char big[4096];
    long total = 0;
    for (int i = 0; i < 10000; i++) {
        n = send(sv[0], big, sizeof big, 0);
        if (n < 0)
            break;
        total += n;
    }
    check("nonblock-full-eagain", errno == EAGAIN && total > 0, "full");
    p.fd = sv[0];
    p.events = POLLOUT;
    check("poll-full-not-writable", poll(&p, 1, 0) == 0, "a full socket is writable");
    long got = 0;
    while ((n = recv(sv[1], big, sizeof big, 0)) > 0)
        got += n;
    check("nonblock-drain", got == total, "bytes lost");
    int fl = fcntl(sv[0], F_GETFL), fd = fcntl(sv[0], F_GETFD);
    check("pair-flags", (fl & O_NONBLOCK) && !(fd & FD_CLOEXEC), "flags");
    close(sv[0]);
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    check("pair-cloexec", fcntl(sv[0], F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC");
    close(sv[0]);
    close(sv[1]);

    /* a datagram pair whose peer went */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    close(sv[1]);
    errno = 0;
    check("dgram-peer-gone", send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == ECONNREFUSED,
          "send to a closed datagram peer");
    close(sv[0]);

    /* SO_RCVTIMEO: a blocking recv gives up with EAGAIN */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct timeval tv = {0, 40000}, tv2 = {0, 0};
    socklen_t tl = sizeof tv2;
    check("so-rcvtimeo-set",
          setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
              getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl) == 0 && tv2.tv_sec == 0 &&
              tv2.tv_usec >= 40000 && tv2.tv_usec < 60000,
          "SO_RCVTIMEO");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    errno = 0;
    n = recv(sv[0], buf, sizeof buf, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    check("so-rcvtimeo", n == -1 && errno == EAGAIN && ms >= 30 && ms < 2000, "the timeout");
    close(sv[0]);
    close(sv[1]);

    /* sendmsg and recvmsg with vectors */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct iovec out[2] = {{"gath", 4}, {"ered", 4}};
    struct msghdr m = {0};
    m.msg_iov = out;
    m.msg_iovlen = 2;
    check("sendmsg-iov", sendmsg(sv[0], &m, 0) == 8, "sendmsg");
    char x[3], y[5] = {0};
    struct iovec in[2] = {{x, 3}, {y, 5}};
    memset(&m, 0, sizeof m);
    m.msg_iov = in;
    m.msg_iovlen = 2;
    n = recvmsg(sv[1], &m, 0);
    check("recvmsg-iov", n == 8 && !memcmp(x, "gat", 3) && !memcmp(y, "hered", 5) && !m.msg_flags,
          "recvmsg");
    close(sv[0]);
    close(sv[1]);

    check("socketpair-inet", socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP,
          "socketpair(AF_INET)");
}

/* The errors of calls on sockets in the wrong state. */
static void states(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    char buf[4];
    struct pollfd p = {s, POLLIN | POLLOUT, 0};
    check("unconnected-poll", poll(&p, 1, 0) == 1 && p.revents == (POLLOUT | POLLHUP),
          "an unconnected stream socket");
    errno = 0;
    check("unconnected-recv-einval", recv(s, buf, 1, MSG_DONTWAIT) == -1 && errno == EINVAL,
          "recv");
    errno = 0;
    check("unconnected-send-enotconn", send(s, "x", 1, MSG_NOSIGNAL) == -1 && errno == ENOTCONN,
          "send");
    check("unconnected-shutdown", shutdown(s, SHUT_RDWR) == 0, "shutdown");
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    errno = 0;
    check("unconnected-getpeername-enotconn",
          getpeername(s, (struct sockaddr *)&a, &len) == -1 && errno == ENOTCONN, "getpeername");
    errno = 0;
    check("unbound-listen-einval", listen(s, 1) == -1 && errno == EINVAL, "listen");
    errno = 0;
    check("accept-not-listening-einval", accept(s, NULL, NULL) == -1 && errno == EINVAL, "accept");
    close(s);
    errno = 0;
    check("socket-bad-protocol", socket(AF_UNIX, SOCK_STREAM, 5) == -1 && errno == EPROTONOSUPPORT,
          "protocol 5");
    s = socket(AF_UNIX, SOCK_RAW, 0);
    int v = 0;
    socklen_t vl = sizeof v;
    check("socket-raw-is-dgram",
          s >= 0 && !getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) && v == SOCK_DGRAM, "SOCK_RAW");
    close(s);
    errno = 0;
    check("socket-rdm", socket(AF_UNIX, SOCK_RDM, 0) == -1 && errno == ESOCKTNOSUPPORT, "SOCK_RDM");
    errno = 0;
    check("socket-bad-flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0) == -1 && errno == EINVAL,
          "bad flags");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    len = set_addr(&a, "/nonexistent-dir/x");
    errno = 0;
    check("connected-connect-lookup-first",
          connect(sv[0], (struct sockaddr *)&a, len) == -1 && errno == ENOENT, "ENOENT first");
    errno = 0;
    check("bind-enoent-dir", bind(sv[0], (struct sockaddr *)&a, len) == -1 && errno == ENOENT,
          "bind in a missing directory");
    a.sun_family = AF_INET;
    errno = 0;
    check("bind-wrong-family", bind(sv[1], (struct sockaddr *)&a, len) == -1 && errno == EINVAL,
          "bind with AF_INET");
    errno = 0;
    check("bind-short", bind(sv[1], (struct sockaddr *)&a, 1) == -1 && errno == EINVAL,
          "an address of 1 byte");
    close(sv[0]);
    close(sv[1]);
}

/* MSG_WAITALL collects pieces the child writes apart. */
/* A descriptor of a pair inherited across posix_spawn (vfork and exec). */
static void spawn_inherit(const char *self)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char fdbuf[16];
    snprintf(fdbuf, sizeof fdbuf, "%d", sv[1]);
    char *args[] = {(char *)self, "inherit", fdbuf, NULL};
    pid_t pid = 0;
    errno = posix_spawn(&pid, self, NULL, NULL, args, environ);
    close(sv[1]);
    char buf[16] = {0};
    ssize_t n = read(sv[0], buf, sizeof buf);
    check("spawn-inherit-read", n == 7 && !memcmp(buf, "spawned", 7), "from the spawned child");
    check("spawn-inherit-write", write(sv[0], "ok", 2) == 2, "to the spawned child");
    check("spawn-inherit-child", pid > 0 && wait_child(pid) == 0, "the spawned child failed");
    check("spawn-inherit-eof", read(sv[0], buf, sizeof buf) == 0, "end of file after its exit");
    close(sv[0]);
}

static void waitall(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        for (int i = 0; i < 3; i++) {
            nap_ms(30);
            if (write(sv[1], "0123456789", 10) != 10)
                _exit(2);
        }
        _exit(0);
    }
    close(sv[1]);
    char buf[64];
    ssize_t n = recv(sv[0], buf, 30, MSG_WAITALL);
    check("msg-waitall", n == 30, "MSG_WAITALL returned early");
    check("msg-waitall-child", wait_child(pid) == 0, "the child failed");
    close(sv[0]);
}

/* A blocking read wakes when a fork child writes later; poll waits too. */
static void blocking_wakeups(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        nap_ms(50);
        send(sv[1], "late", 4, 0);
        nap_ms(50);
        send(sv[1], "later", 5, 0);
        _exit(0);
    }
    char buf[16];
    ssize_t n = recv(sv[0], buf, sizeof buf, 0);
    check("blocking-recv-wakes", n == 4, "recv");
    struct pollfd p = {sv[0], POLLIN, 0};
    int r = poll(&p, 1, 5000);
    check("poll-waits", r == 1 && (p.revents & POLLIN), "poll");
    check("poll-waits-data", recv(sv[0], buf, sizeof buf, 0) == 5, "recv after poll");
    wait_child(pid);
    close(sv[0]);
    close(sv[1]);
}

/* ---- named sockets ---- */

/* The client side: connects to path, sends "hello from PID", reads the answer, checks
 * SO_PEERCRED names server_pid; exit 0 or the step that failed. */
static int client_main(const char *path, pid_t server_pid)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int r = -1;
    for (int i = 0; i < 500 && s >= 0 && r != 0; i++) { /* the server may not be there yet */
        r = connect(s, (struct sockaddr *)&a, len);
        if (r && errno != ENOENT && errno != ECONNREFUSED)
            break;
        if (r)
            nap_ms(10);
    }
    if (r != 0)
        return 2;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hello from %d", (int)getpid());
    if (write(s, msg, (size_t)n) != n)
        return 3;
    char buf[64] = {0};
    if (read(s, buf, sizeof buf) != 2 || memcmp(buf, "ok", 2))
        return 4;
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.pid != server_pid)
        return 5;
    struct sockaddr_un p;
    len = sizeof p;
    if (getpeername(s, (struct sockaddr *)&p, &len) || strcmp(p.sun_path, path) ||
        len != offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1)
        return 6;
    if (read(s, buf, sizeof buf) != 0) /* the server closes */
        return 7;
    close(s);
    return 0;
}

/* A server of its own program (fork and exec of this program): binds path, accepts one
 * client, reads its line, answers "ok", checks SO_PEERCRED; exit 0 or the step. */
static int serve_main(const char *path)
{
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 1))
        return 2;
    int c = accept(l, NULL, NULL);
    char buf[64] = {0};
    if (c < 0 || read(c, buf, sizeof buf - 1) <= 0 || strncmp(buf, "hello from ", 11))
        return 3;
    struct ucred cr;
    socklen_t cl = sizeof cr;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) || cr.pid != atoi(buf + 11))
        return 4;
    if (write(c, "ok", 2) != 2)
        return 5;
    close(c);
    close(l);
    unlink(path);
    return 0;
}

/* One accepted connection: reads "hello from PID", checks SO_PEERCRED, answers "ok". */
static int serve_one(int l, pid_t client, const char *name)
{
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    memset(&a, 0x55, sizeof a);
    int c = accept(l, (struct sockaddr *)&a, &len);
    char label[64];
    snprintf(label, sizeof label, "%s-accept", name);
    check(label, c >= 0 && len == 2 && a.sun_family == AF_UNIX, "accept");
    if (c < 0)
        return -1;
    char buf[64] = {0}, want[64];
    snprintf(want, sizeof want, "hello from %d", (int)client);
    ssize_t n = read(c, buf, sizeof buf - 1);
    snprintf(label, sizeof label, "%s-data", name);
    check(label, n > 0 && !strcmp(buf, want), "what the client sent");
    struct ucred cr;
    socklen_t cl = sizeof cr;
    snprintf(label, sizeof label, "%s-peercred", name);
    check(label, !getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) && cr.pid == client,
          "SO_PEERCRED names the client");
    write(c, "ok", 2);
    close(c);
    return 0;
}

static void named(const char *dir, const char *self)
{
    char path[260];
    snprintf(path, sizeof path, "%s/sock", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    check("bind", bind(l, (struct sockaddr *)&a, len) == 0, "bind");
    struct stat st;
    check("bind-makes-socket-file", stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "stat");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    check("connect-not-listening",
          connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED,
          "ECONNREFUSED before listen");
    close(c);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    check("bind-eaddrinuse", bind(l2, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE,
          "EADDRINUSE");
    close(l2);
    check("listen", listen(l, 4) == 0, "listen");
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    check("getsockname-path",
          getsockname(l, (struct sockaddr *)&got, &gl) == 0 && gl == len &&
              !strcmp(got.sun_path, path),
          "the bound name");
    int v = 0;
    socklen_t vl = sizeof v;
    check("so-acceptconn", !getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) && v == 1,
          "SO_ACCEPTCONN");

    /* a fork child connects */
    pid_t pid = fork();
    if (pid == 0)
        _exit(client_main(path, getppid()));
    serve_one(l, pid, "named-fork");
    check("named-fork-client", wait_child(pid) == 0, "the client failed");

    /* a process that shares nothing but the name */
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
    char *args[] = {(char *)self, "client", path, pidbuf, NULL};
    errno = posix_spawn(&pid, self, NULL, NULL, args, environ);
    check("named-spawn", pid > 0, "posix_spawn");
    serve_one(l, pid, "named-spawn");
    check("named-spawn-client", wait_child(pid) == 0, "the client failed");

    /* two processes that are no parent of each other: a server of its own (fork and
     * exec of this program) and a client (posix_spawn) */
    char path3[260];
    snprintf(path3, sizeof path3, "%s/sibling", dir);
    pid_t server = fork();
    if (server == 0) {
        char *sargs[] = {(char *)self, "serve", path3, NULL};
        execv(self, sargs);
        _exit(9);
    }
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)server);
    char *cargs[] = {(char *)self, "client", path3, pidbuf, NULL};
    errno = posix_spawn(&pid, self, NULL, NULL, cargs, environ);
    check("siblings-client", wait_child(pid) == 0, "the client failed");
    check("siblings-server", wait_child(server) == 0, "the server failed");

    /* readiness of the listener, accept4 flags, non-blocking accept */
    int nb = fcntl(l, F_GETFL);
    fcntl(l, F_SETFL, nb | O_NONBLOCK);
    errno = 0;
    check("accept-nonblock-eagain", accept(l, NULL, NULL) == -1 && errno == EAGAIN, "EAGAIN");
    struct pollfd p = {l, POLLIN, 0};
    check("listener-not-readable", poll(&p, 1, 0) == 0, "readable with nobody waiting");
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("connect", connect(c, (struct sockaddr *)&a, len) == 0, "connect");
    errno = 0;
    check("connect-again-eisconn", connect(c, (struct sockaddr *)&a, len) == -1 && errno == EISCONN,
          "EISCONN");
    check("listener-readable", poll(&p, 1, 1000) == 1 && p.revents == POLLIN, "poll");
    int s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    check("accept4-flags",
          s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC),
          "accept4 flags");
    gl = sizeof got;
    check("accepted-getsockname",
          getsockname(s, (struct sockaddr *)&got, &gl) == 0 && !strcmp(got.sun_path, path),
          "the accepted socket's name");
    /* the name goes, the connection stays */
    check("unlink", unlink(path) == 0, "unlink");
    check("after-unlink", write(c, "still", 5) == 5 && read(s, got.sun_path, 5) == 5,
          "the connection after the unlink");
    close(s);
    char b;
    check("client-eof", read(c, &b, 1) == 0, "end of file after the accepted socket closed");
    close(c);
    errno = 0;
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("connect-enoent", connect(c, (struct sockaddr *)&a, len) == -1 && errno == ENOENT,
          "ENOENT after unlink");
    close(c);
    close(l);

    /* a regular file, a type mismatch */
    snprintf(path, sizeof path, "%s/file", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    len = set_addr(&a, path);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    check("connect-file-econnrefused",
          connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED, "a regular file");
    close(c);
    unlink(path);
    snprintf(path, sizeof path, "%s/sock2", dir);
    len = set_addr(&a, path);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    errno = 0;
    check("connect-eprototype", connect(c, (struct sockaddr *)&a, len) == -1 && errno == EPROTOTYPE,
          "EPROTOTYPE");
    close(c);
    close(l);
    unlink(path);

    /* a client that writes and closes before the accept loses nothing */
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 2);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, len);
    write(c, "early", 5);
    close(c);
    s = accept(l, NULL, NULL);
    char early[8] = {0};
    ssize_t e1 = read(s, early, sizeof early), e2 = read(s, early + 5, 1);
    check("closed-before-accept", e1 == 5 && e2 == 0 && !strcmp(early, "early"),
          "the data of a client gone before the accept");
    /* the accepted end goes with data unread: the client is reset once */
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, len);
    close(s);
    s = accept(l, NULL, NULL);
    write(c, "x", 1);
    close(s);
    char rb[4];
    errno = 0;
    ssize_t r1 = read(c, rb, sizeof rb);
    int err1 = errno;
    ssize_t r2 = read(c, rb, sizeof rb);
    check("reset-unread", r1 == -1 && err1 == ECONNRESET && r2 == 0, "ECONNRESET, then 0");
    close(c);
    /* the listener goes before the accept: the client is reset too */
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, len);
    write(c, "x", 1);
    close(l);
    struct pollfd rp = {c, POLLIN | POLLOUT | POLLRDHUP, 0};
    check("reset-poll",
          poll(&rp, 1, 0) == 1 && rp.revents == (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP),
          "poll of a reset client");
    errno = 0;
    r1 = read(c, rb, sizeof rb);
    err1 = errno;
    r2 = read(c, rb, sizeof rb);
    check("reset-listener-gone", r1 == -1 && err1 == ECONNRESET && r2 == 0, "ECONNRESET, then 0");
    errno = 0;
    check("reset-send-epipe", send(c, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "EPIPE");
    close(c);
    unlink(path);

    /* a full backlog: Linux queues backlog + 1; then a non-blocking connect is EAGAIN */
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 2);
    int queued = 0, cs[8];
    errno = 0;
    for (int i = 0; i < 8; i++) {
        cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(cs[i], (struct sockaddr *)&a, len) != 0)
            break;
        queued++;
    }
    check("backlog-full-eagain", queued == 3 && errno == EAGAIN, "backlog 2 queues 3");
    s = accept(l, NULL, NULL);
    check("backlog-after-accept", s >= 0 && connect(cs[queued], (struct sockaddr *)&a, len) == 0,
          "a connect after an accept");
    close(s);
    for (int i = 0; i <= queued && i < 8; i++)
        close(cs[i]);
    close(l);
    unlink(path);

    /* seqpacket over a name keeps records */
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    connect(c, (struct sockaddr *)&a, len);
    send(c, "ab", 2, 0);
    send(c, "cde", 3, 0);
    s = accept(l, NULL, NULL);
    char buf[8];
    ssize_t n1 = recv(s, buf, sizeof buf, 0), n2 = recv(s, buf, sizeof buf, 0);
    check("named-seqpacket", n1 == 2 && n2 == 3, "records");
    close(s);
    close(c);
    close(l);
    unlink(path);
}

/* Datagrams between named sockets: sendto a path, recvfrom names the sender. */
static void named_dgram(const char *dir)
{
    char sp[260], cp[260];
    snprintf(sp, sizeof sp, "%s/dgs", dir);
    snprintf(cp, sizeof cp, "%s/dgc", dir);
    struct sockaddr_un sa, ca;
    socklen_t sl = set_addr(&sa, sp), cl = set_addr(&ca, cp);
    int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
    check("dgram-bind", bind(srv, (struct sockaddr *)&sa, sl) == 0, "bind");
    errno = 0;
    check("dgram-listen-eopnotsupp", listen(srv, 1) == -1 && errno == EOPNOTSUPP, "listen");
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_DGRAM, 0);
        char buf[8];
        if (bind(c, (struct sockaddr *)&ca, cl))
            _exit(2);
        if (sendto(c, "hi", 2, 0, (struct sockaddr *)&sa, sl) != 2)
            _exit(3);
        if (recv(c, buf, sizeof buf, 0) != 2 || memcmp(buf, "re", 2))
            _exit(4);
        _exit(0);
    }
    char buf[16];
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    check("dgram-recvfrom",
          n == 2 && !memcmp(buf, "hi", 2) && fl == cl && !strcmp(from.sun_path, cp),
          "the datagram and its sender");
    check("dgram-reply", sendto(srv, "re", 2, 0, (struct sockaddr *)&from, fl) == 2, "sendto");
    check("dgram-child", wait_child(pid) == 0, "the child failed");
    unlink(cp);
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    check("dgram-connect", connect(c, (struct sockaddr *)&sa, sl) == 0, "connect");
    struct sockaddr_un p;
    socklen_t pl = sizeof p;
    check("dgram-getpeername",
          getpeername(c, (struct sockaddr *)&p, &pl) == 0 && pl == sl && !strcmp(p.sun_path, sp),
          "the connected name");
    check("dgram-send-connected", send(c, "conn", 4, 0) == 4 && write(c, "w", 1) == 1, "send");
    fl = sizeof from;
    n = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    check("dgram-unnamed-sender", n == 4 && fl == 0, "an unbound sender has no name");
    check("dgram-second", recv(srv, buf, sizeof buf, MSG_DONTWAIT) == 1, "the write");
    errno = 0;
    check("dgram-empty-eagain", recv(srv, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN,
          "EAGAIN");
    close(srv);
    errno = 0;
    check("dgram-receiver-gone", send(c, "x", 1, 0) == -1 && errno == ECONNREFUSED,
          "ECONNREFUSED once the receiver closed");
    close(c);
    c = socket(AF_UNIX, SOCK_DGRAM, 0);
    errno = 0;
    check("dgram-sendto-stale",
          sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sl) == -1 && errno == ECONNREFUSED,
          "a socket file nobody has bound");
    unlink(sp);
    errno = 0;
    check("dgram-sendto-enoent",
          sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sl) == -1 && errno == ENOENT,
          "a missing path");
    close(c);
}

/* Many connections one after the other: the launcher's table and the areas come back. */
static void many(const char *dir)
{
    char path[260];
    snprintf(path, sizeof path, "%s/many", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int ok = 1, sv[2];
    for (int i = 0; i < 300 && ok; i++) {
        ok = socketpair(AF_UNIX, i % 2 ? SOCK_DGRAM : SOCK_STREAM, 0, sv) == 0;
        if (ok)
            close(sv[0]), close(sv[1]);
    }
    check("many-pairs", ok, "socketpair after many");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 8);
    for (int i = 0; i < 200 && ok; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        ok = connect(c, (struct sockaddr *)&a, len) == 0;
        int s = ok ? accept(l, NULL, NULL) : -1;
        char b = 0;
        ok = ok && s >= 0 && write(c, "z", 1) == 1 && read(s, &b, 1) == 1 && b == 'z';
        close(s);
        close(c);
    }
    check("many-connections", ok, "connect and accept after many");
    close(l);
    unlink(path);
    for (int i = 0; i < 100 && ok; i++) {
        l = socket(AF_UNIX, SOCK_STREAM, 0);
        ok = bind(l, (struct sockaddr *)&a, len) == 0 && listen(l, 8) == 0;
        close(l);
        unlink(path);
    }
    check("many-listeners", ok, "bind and listen after many");
}

static void abstract(void)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    int k = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "unixtest-%d", (int)getpid());
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + k);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    check("abstract-bind", bind(l, (struct sockaddr *)&a, len) == 0, "bind");
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    check("abstract-eaddrinuse", bind(l2, (struct sockaddr *)&a, len) == -1 && errno == EADDRINUSE,
          "EADDRINUSE");
    close(l2);
    listen(l, 2);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    check("abstract-getsockname",
          getsockname(l, (struct sockaddr *)&got, &gl) == 0 && gl == len && !memcmp(&got, &a, len),
          "the abstract name");
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, len) != 0)
            _exit(2);
        _exit(write(c, "abs", 3) == 3 ? 0 : 3);
    }
    int s = accept(l, NULL, NULL);
    char buf[8];
    ssize_t n = read(s, buf, sizeof buf);
    ssize_t e = read(s, buf, sizeof buf);
    check("abstract-connect", n == 3 && e == 0, "data over an abstract name");
    check("abstract-child", wait_child(pid) == 0, "the child failed");
    close(s);
    close(l);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    errno = 0;
    check("abstract-gone-econnrefused",
          connect(c, (struct sockaddr *)&a, len) == -1 && errno == ECONNREFUSED,
          "a name nobody holds");
    close(c);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "client"))
        return client_main(argv[2], (pid_t)atoi(argv[3]));
    if (argc == 3 && !strcmp(argv[1], "serve"))
        return serve_main(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "rights-client"))
        return rights_client_main(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "rights-file-client"))
        return rights_file_client_main(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "inherit")) { /* writes to an inherited pair end */
        char buf[8];
        int fd = atoi(argv[2]);
        if (write(fd, "spawned", 7) != 7 || read(fd, buf, sizeof buf) != 2)
            return 2;
        return 0;
    }
    alarm(120); /* a hang ends the run instead of stalling it */
    pair_stream_fork();
    pair_dgram_fork(SOCK_DGRAM, "pair-dgram");
    pair_dgram_fork(SOCK_SEQPACKET, "pair-seqpacket");
    pair_basics();
    states();
    waitall();
    spawn_inherit(argv[0]);
    blocking_wakeups();
    pingpong(0, "pair-pingpong-20000");
    pingpong(1, "pipe-pingpong-20000");
    rights_local();
    rights_fork();
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/unixtest.%d", (int)getpid());
    if (mkdir(dir, 0755) == 0) {
        named(dir, argv[0]);
        named_dgram(dir);
        many(dir);
        rights_unrelated(dir, argv[0]);
        rights_listener(dir);
        rights_named_dgram(dir);
        rights_bound_dgram(dir);
        rights_files(dir, argv[0]);
        rmdir(dir);
    } else {
        check("mkdir", 0, dir);
    }
    abstract();
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, "/var/run/nscd/socket");
    errno = 0;
    check("nscd-missing",
          connect(c, (struct sockaddr *)&a, len) == -1 &&
              (errno == ENOENT || errno == ECONNREFUSED),
          "connect to nscd");
    close(c);
    check("getpwnam", getpwnam("root") != NULL, "getpwnam(root)");
    return failed != 0 || unixtest_rights_failed() || unixtest_files_failed();
}
