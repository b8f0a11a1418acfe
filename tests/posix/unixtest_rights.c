/*
 * unixtest, part two (unixtest.h): descriptors passed with SCM_RIGHTS in one process, to
 * and from a fork child, over named and bound datagram sockets, through a listener, to a
 * program that shares nothing but a socket's name; and ping-pong runs over a socketpair
 * and over pipes. Linux's output is the oracle.
 */
#include "unixtest.h"
#include "check.h"

/* ---- descriptors passed (SCM_RIGHTS) ---- */

/* Sends n descriptors with the bytes of msg over s: sendmsg's result. */
static ssize_t send_fds(int s, const char *msg, const int *fds, int n)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {(void *)msg, strlen(msg)};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (n > 0) {
        m.msg_control = u.buf;
        m.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
    }
    return sendmsg(s, &m, 0);
}

/* Receives up to size bytes into buf and descriptors into fds (room for `room` of them
 * in the control buffer): the count; *nfds the descriptors, *mflags msg_flags. */
static ssize_t recv_fds(int s, char *buf, size_t size, int *fds, int room, int *nfds, int *mflags,
                        int flags)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {buf, size};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = room >= 0 ? u.buf : NULL;
    m.msg_controllen = room > 0    ? CMSG_SPACE((size_t)room * sizeof(int))
                       : room == 0 ? sizeof(struct cmsghdr)
                                   : 0;
    ssize_t r = recvmsg(s, &m, flags);
    *nfds = 0;
    *mflags = m.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); r >= 0 && c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k && *nfds < 8; i++)
                memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
    return r;
}

/* Whether a write to the pipe's write end w fails with EPIPE (no reader left anywhere). */
static int pipe_broken(int w)
{
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    int r = write(w, "x", 1) == -1 && errno == EPIPE;
    signal(SIGPIPE, SIG_DFL);
    return r;
}

/* In one process: a pipe's read end and a socket go through a pair and come back as new
 * descriptors of the same ends; flags, truncation, close-on-exec, boundaries. */
void rights_local(void)
{
    int sv[2], p[2], fds[8], n, mf;
    char buf[32] = {0};
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    check("rights-send", send_fds(sv[0], "A", &p[0], 1) == 1, "sendmsg with SCM_RIGHTS");
    close(p[0]); /* in flight: the pipe still has a reader */
    check("rights-in-flight-counts", write(p[1], "hi", 2) == 2,
          "write while the reader is in flight");
    ssize_t r = recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0);
    check("rights-recv", r == 1 && buf[0] == 'A' && n == 1 && !(mf & MSG_CTRUNC),
          "recvmsg with SCM_RIGHTS");
    struct stat st;
    check("rights-is-fifo", n == 1 && fstat(fds[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat");
    check("rights-status-flags", n == 1 && (fcntl(fds[0], F_GETFL) & O_NONBLOCK),
          "O_NONBLOCK of the description");
    check("rights-no-cloexec", n == 1 && fcntl(fds[0], F_GETFD) == 0, "FD_CLOEXEC set");
    memset(buf, 0, sizeof buf);
    check("rights-read-pipe", n == 1 && read(fds[0], buf, sizeof buf) == 2 && !strcmp(buf, "hi"),
          "read the passed pipe");
    close(p[1]);
    check("rights-pipe-eof", n == 1 && read(fds[0], buf, sizeof buf) == 0, "end of file");
    if (n == 1)
        close(fds[0]);

    /* MSG_CMSG_CLOEXEC; a socket passed */
    int q[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, q);
    send_fds(sv[0], "B", &q[1], 1);
    close(q[1]);
    r = recv_fds(sv[1], buf, sizeof buf, fds, 2, &n, &mf, MSG_CMSG_CLOEXEC);
    check("rights-cmsg-cloexec", r == 1 && n == 1 && fcntl(fds[0], F_GETFD) == FD_CLOEXEC,
          "MSG_CMSG_CLOEXEC");
    int type = 0;
    socklen_t tl = sizeof type;
    check("rights-socket-type",
          n == 1 && getsockopt(fds[0], SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_DGRAM,
          "SO_TYPE of the passed socket");
    check("rights-socket-works",
          n == 1 && send(fds[0], "dg", 2, 0) == 2 && recv(q[0], buf, sizeof buf, 0) == 2 &&
              !memcmp(buf, "dg", 2),
          "a datagram through the passed end");
    if (n == 1)
        close(fds[0]);
    close(q[0]);

    /* three descriptors, room for two (CMSG_SPACE of one int holds two): MSG_CTRUNC, the
     * third closed; no room at all: all closed */
    pipe(p);
    int three[3] = {p[0], p[0], p[0]};
    send_fds(sv[0], "C", three, 3);
    r = recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0);
    check("rights-ctrunc", r == 1 && n == 2 && (mf & MSG_CTRUNC), "two of three and MSG_CTRUNC");
    for (int i = 0; i < n; i++)
        close(fds[i]);
    send_fds(sv[0], "D", three, 2);
    r = recv_fds(sv[1], buf, sizeof buf, fds, -1, &n, &mf, 0);
    check("rights-no-room", r == 1 && n == 0 && (mf & MSG_CTRUNC), "no control buffer");
    send_fds(sv[0], "E", three, 1);
    check("rights-read-discards", read(sv[1], buf, sizeof buf) == 1, "read of a message with one");
    close(p[0]);
    check("rights-excess-closed", pipe_broken(p[1]), "a passed read end left open");
    close(p[1]);
    pipe(p);
    check("rights-stream-no-bytes", send_fds(sv[0], "", &p[0], 1) == 0, "a send of no bytes");
    close(p[0]);
    check("rights-stream-no-bytes-not-sent", pipe_broken(p[1]), "its read end left open");
    close(p[1]);

    /* boundaries: bytes before are taken with the message, bytes after are not */
    pipe(p);
    write(sv[0], "ab", 2);
    send_fds(sv[0], "cd", &p[1], 1);
    write(sv[0], "ef", 2);
    memset(buf, 0, sizeof buf);
    r = recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0);
    check("rights-stream-boundary", r == 4 && !memcmp(buf, "abcd", 4) && n == 1,
          "the receive ends with the message's bytes");
    memset(buf, 0, sizeof buf);
    check("rights-stream-after", read(sv[1], buf, sizeof buf) == 2 && !memcmp(buf, "ef", 2),
          "the bytes after");
    close(p[1]);
    check("rights-write-end-works", n == 1 && write(fds[0], "w", 1) == 1 && read(p[0], buf, 1) == 1,
          "the passed write end");
    if (n == 1)
        close(fds[0]);
    check("rights-write-end-closed", read(p[0], buf, 1) == 0, "end of file after its close");
    close(p[0]);

    /* SCM_CREDENTIALS with the sender's own: accepted (the receiver, without SO_PASSCRED,
     * sees none) */
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } cu;
    memset(&cu, 0, sizeof cu);
    struct ucred own = {getpid(), getuid(), getgid()};
    struct iovec iov = {"G", 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cu.buf;
    m.msg_controllen = sizeof cu.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof own);
    memcpy(CMSG_DATA(c), &own, sizeof own);
    check("rights-credentials", sendmsg(sv[0], &m, 0) == 1, "sendmsg with SCM_CREDENTIALS");
    r = recv_fds(sv[1], buf, sizeof buf, fds, 2, &n, &mf, 0);
    check("rights-credentials-recv", r == 1 && buf[0] == 'G' && n == 0 && mf == 0,
          "the message without control data");
    c->cmsg_len = 8; /* shorter than a header */
    errno = 0;
    check("rights-bad-cmsg", sendmsg(sv[0], &m, 0) == -1 && errno == EINVAL, "a broken header");

    /* errors */
    int bad = 9999;
    errno = 0;
    check("rights-ebadf", send_fds(sv[0], "F", &bad, 1) == -1 && errno == EBADF,
          "a bad descriptor");
    close(sv[0]);
    close(sv[1]);
}

/* Across processes: a pipe made after the fork goes to the child, the child makes one and
 * sends its write end back, and a socket end goes over a seqpacket pair. */
void rights_fork(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        int fds[8], n, mf;
        char buf[32] = {0};
        if (recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0) != 4 || n != 1)
            _exit(2);
        if (read(fds[0], buf, sizeof buf) != 5 || memcmp(buf, "hello", 5))
            _exit(3);
        if (read(fds[0], buf, sizeof buf) != 0) /* the parent closed its write end */
            _exit(4);
        close(fds[0]);
        int p[2];
        pipe(p);
        if (send_fds(sv[1], "back", &p[1], 1) != 4)
            _exit(5);
        close(p[1]);
        if (read(p[0], buf, sizeof buf) != 6 || memcmp(buf, "parent", 6))
            _exit(6);
        if (read(p[0], buf, sizeof buf) != 0)
            _exit(7);
        if (recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0) != 4 || n != 1)
            _exit(8);
        if (write(fds[0], "via child", 9) != 9)
            _exit(9);
        _exit(0);
    }
    close(sv[1]);
    int p[2], fds[8], n, mf;
    char buf[32] = {0};
    pipe(p);
    check("rights-fork-send", send_fds(sv[0], "pipe", &p[0], 1) == 4, "to the child");
    close(p[0]);
    check("rights-fork-write", write(p[1], "hello", 5) == 5, "into the passed pipe");
    close(p[1]);
    ssize_t r = recv_fds(sv[0], buf, sizeof buf, fds, 1, &n, &mf, 0);
    check("rights-fork-back", r == 4 && n == 1, "a write end from the child");
    check("rights-fork-back-write", n == 1 && write(fds[0], "parent", 6) == 6,
          "into the child's pipe");
    if (n == 1)
        close(fds[0]);
    int q[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, q);
    check("rights-fork-socket", send_fds(sv[0], "sock", &q[1], 1) == 4,
          "a socket end to the child");
    close(q[1]);
    memset(buf, 0, sizeof buf);
    check("rights-fork-socket-read", read(q[0], buf, sizeof buf) == 9 && !strcmp(buf, "via child"),
          "what the child wrote into it");
    check("rights-fork-child", wait_child(pid) == 0, "the child failed");
    check("rights-fork-socket-eof", read(q[0], buf, sizeof buf) == 0,
          "end of file after the child");
    close(q[0]);
    close(sv[0]);
}

/* Descriptors to a bound datagram socket by its name, and given back when the receiver
 * closes without reading them. */
void rights_named_dgram(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/rights.dgram", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0), p[2];
    bind(r, (struct sockaddr *)&a, len);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {"n", 1};
    struct msghdr m = {0};
    m.msg_name = &a;
    m.msg_namelen = len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    pipe(p);
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    check("rights-sendto-name", sendmsg(s, &m, 0) == 1, "a datagram with a descriptor to a name");
    close(p[0]);
    int fds[8], n, mf;
    char buf[8] = {0};
    ssize_t got = recv_fds(r, buf, sizeof buf, fds, 1, &n, &mf, 0);
    check("rights-sendto-name-recv",
          got == 1 && n == 1 && write(p[1], "z", 1) == 1 && read(fds[0], buf, sizeof buf) == 1 &&
              buf[0] == 'z',
          "the pipe received by name");
    if (n == 1)
        close(fds[0]);
    close(p[1]);
    pipe(p);
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    sendmsg(s, &m, 0);
    close(p[0]);
    close(r); /* unread: the descriptor goes */
    check("rights-unread-closed", pipe_broken(p[1]), "a read end left open in an unread datagram");
    close(p[1]);
    close(s);
    unlink(path);
}

/* A bound datagram socket goes to a fork child, which receives what is sent to its name
 * after the parent closed its own. */
void rights_bound_dgram(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/pass.dgram", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), sv[2];
    bind(r, (struct sockaddr *)&a, len);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(r);
        int fds[8], n, mf;
        char buf[16] = {0};
        if (recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0) != 1 || n != 1)
            _exit(2);
        struct sockaddr_un b;
        socklen_t bl = sizeof b;
        if (getsockname(fds[0], (struct sockaddr *)&b, &bl) || strcmp(b.sun_path, path))
            _exit(3);
        if (recv(fds[0], buf, sizeof buf, 0) != 8 || memcmp(buf, "to child", 8))
            _exit(4);
        _exit(0);
    }
    close(sv[1]);
    check("rights-bound-dgram-send", send_fds(sv[0], "D", &r, 1) == 1, "a bound datagram socket");
    close(r);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    check("rights-bound-dgram-sendto", sendto(s, "to child", 8, 0, (struct sockaddr *)&a, len) == 8,
          "a datagram to the name after the sender closed its socket");
    check("rights-bound-dgram-child", wait_child(pid) == 0, "the child failed");
    close(s);
    close(sv[0]);
    unlink(path);
}

/* Many round trips of one byte between a parent and a fork child that both block in read,
 * over a socketpair and over two pipes (issue 18: a wake-up taken by the wrong end hung
 * such a loop for good; its window is a preemption between a look and a wait, which the
 * varying pause moves over the whole round trip: with the runtime before the fix the
 * pair's loop hung every time, under CAPIX_ICOUNT=1 and without; 2,000 plain round trips
 * did not). */
void pingpong(int pipes, const char *name)
{
    int a[2], b[2];
    if (pipes) {
        pipe(a);
        pipe(b);
    } else {
        socketpair(AF_UNIX, SOCK_STREAM, 0, a);
        b[0] = a[1], b[1] = a[0]; /* the child reads and writes a[1], the parent a[0] */
    }
    /* parent writes a[1]... (pipes) or a[0] (pair); child reads the other end */
    int pw = pipes ? a[1] : a[0], pr = pipes ? b[0] : a[0];
    int cr = pipes ? a[0] : a[1], cw = pipes ? b[1] : a[1];
    pid_t pid = fork();
    if (pid == 0) {
        char ch;
        close(pw); /* the parent's ends: its close is the child's end of file */
        if (pipes)
            close(pr);
        while (read(cr, &ch, 1) == 1)
            if (write(cw, &ch, 1) != 1)
                _exit(2);
        _exit(0);
    }
    if (pipes) {
        close(a[0]);
        close(b[1]);
    } else {
        close(a[1]);
    }
    int ok = 1;
    for (int i = 0; i < 20000 && ok; i++) {
        char ch = (char)i, back = 0;
        ok = write(pw, &ch, 1) == 1;
        /* a varying pause, so that preemptions fall at every point of the round trip */
        for (volatile int k = (i * 7919) % 3000; k > 0; k--)
            ;
        ok = ok && read(pr, &back, 1) == 1 && back == ch;
    }
    check(name, ok, "a round trip failed");
    close(pw);
    if (pipes)
        close(pr);
    wait_child(pid);
}

/* A listening socket goes to a fork child, which accepts what comes after the parent
 * closed its own. */
void rights_listener(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/listen.sock", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), sv[2];
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 4);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(l);
        int fds[8], n, mf, on = 0;
        char buf[8];
        socklen_t ol = sizeof on;
        if (recv_fds(sv[1], buf, sizeof buf, fds, 1, &n, &mf, 0) != 1 || n != 1)
            _exit(2);
        if (getsockopt(fds[0], SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) || on != 1)
            _exit(3);
        struct sockaddr_un b;
        socklen_t bl = sizeof b;
        if (getsockname(fds[0], (struct sockaddr *)&b, &bl) || strcmp(b.sun_path, path))
            _exit(4);
        int c = accept(fds[0], NULL, NULL);
        if (c < 0 || write(c, "accepted", 8) != 8)
            _exit(5);
        _exit(0);
    }
    close(sv[1]);
    check("rights-listener-send", send_fds(sv[0], "L", &l, 1) == 1, "a listening socket");
    close(l);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check("rights-listener-connect", connect(c, (struct sockaddr *)&a, len) == 0,
          "connect after the sender closed its listening socket");
    char buf[16] = {0};
    check("rights-listener-accepted", read(c, buf, sizeof buf) == 8 && !strcmp(buf, "accepted"),
          "the child accepted");
    check("rights-listener-child", wait_child(pid) == 0, "the child failed");
    close(c);
    close(sv[0]);
    unlink(path);
}

/* Processes that share nothing but a socket's name: a spawned copy of this program
 * connects and is sent a pipe's write end. */
int rights_client_main(const char *path)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int r = -1;
    for (int i = 0; i < 500 && s >= 0 && r != 0; i++) {
        r = connect(s, (struct sockaddr *)&a, len);
        if (r)
            nap_ms(10);
    }
    int fds[8], n, mf;
    char buf[8];
    if (r != 0 || recv_fds(s, buf, sizeof buf, fds, 1, &n, &mf, 0) != 1 || n != 1)
        return 2;
    if (write(fds[0], "from afar", 9) != 9)
        return 3;
    return 0;
}

void rights_unrelated(const char *dir, const char *self)
{
    char path[128];
    snprintf(path, sizeof path, "%s/rights.sock", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    char *args[] = {(char *)self, "rights-client", path, NULL};
    pid_t pid = 0;
    errno = posix_spawn(&pid, self, NULL, NULL, args, environ);
    int c = accept(l, NULL, NULL);
    int p[2];
    pipe(p);
    check("rights-unrelated-send", c >= 0 && send_fds(c, "w", &p[1], 1) == 1,
          "to a spawned program");
    close(p[1]);
    char buf[32] = {0};
    check("rights-unrelated-read", read(p[0], buf, sizeof buf) == 9 && !strcmp(buf, "from afar"),
          "what it wrote into the pipe");
    check("rights-unrelated-child", pid > 0 && wait_child(pid) == 0, "the spawned program failed");
    check("rights-unrelated-eof", read(p[0], buf, sizeof buf) == 0, "end of file after it ended");
    close(p[0]);
    close(c);
    close(l);
    unlink(path);
}

int unixtest_rights_failed(void)
{
    return failed;
}
