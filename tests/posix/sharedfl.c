/*
 * sharedfl: one open file description's status flags are seen by every holder (issue
 * 18). For each kind of description (pipe ends, AF_UNIX stream sockets and listeners,
 * eventfds, with "inet" also AF_INET sockets and listeners) a holder in another process,
 * a fork child or a receiver of SCM_RIGHTS, sets O_NONBLOCK with F_SETFL (or FIONBIO);
 * the maker must see it in F_GETFL and get EAGAIN where the call would wait, and then
 * the other holder must see the maker's clearing of it. A timerfd's expirations read by
 * one holder are gone for the other, and its setting is one; a signalfd's mask set by
 * one holder is the other's (each reads its own process's signals). Linux is the oracle
 * (tests/posix/sharedfl-test.sh runs the same binary on the host and in capix).
 *
 * Usage: sharedfl [inet | tty]. With "tty", only the terminal's cases, on a new
 * description of /dev/tty (the process's controlling terminal: a pty on the host, the
 * console in capix, tests/terminal/console-test.py), ending with a count line. A call
 * that waits although it should not is ended by an alarm (EINTR), so a wrong answer
 * fails rather than hangs.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "passfd.h"

enum op { OP_READ, OP_ACCEPT };

/* One description to try: fd, what would wait on it, what to close after. */
struct desc {
    int fd;
    enum op op;
    int extra[2]; /* other descriptors of the case, closed with it (-1: none) */
};

static void on_alarm(int sig)
{
    (void)sig;
}

static int nonblock_of(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

static int set_nonblock(int fd, int on, int by_ioctl)
{
    if (by_ioctl)
        return ioctl(fd, FIONBIO, &on);
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* The call that would wait: -1 with EAGAIN expected. */
static int would_wait(const struct desc *d)
{
    char buf[128]; /* a signalfd reads 128 at least */
    alarm(3);
    int r = d->op == OP_ACCEPT ? accept(d->fd, NULL, NULL) : (int)read(d->fd, buf, sizeof buf);
    int e = errno;
    alarm(0);
    errno = e;
    return r < 0 && e == EAGAIN;
}

static void close_desc(struct desc *d)
{
    close(d->fd);
    for (int i = 0; i < 2; i++)
        if (d->extra[i] >= 0)
            close(d->extra[i]);
}

/* The other holder in a child: by fork (chan -1) or received over chan. It sets
 * O_NONBLOCK, says so, waits for the maker's clearing and checks it; exit status 0 iff
 * it saw it. */
static void holder(int fd, int chan, int by_ioctl)
{
    char c = 0;
    int report = chan;
    if (chan >= 0 && (fd = pass_fd(chan, -1, NULL)) < 0)
        _exit(10);
    if (set_nonblock(fd, 1, by_ioctl) < 0)
        _exit(11);
    if (write(report, "s", 1) != 1)
        _exit(12);
    if (read(report, &c, 1) != 1 || c != 'c')
        _exit(13);
    _exit(nonblock_of(fd) ? 14 : 0);
}

static void run(const char *kind, struct desc *d, int pass, int by_ioctl)
{
    char name[96], c;
    int sv[2];
    snprintf(name, sizeof name, "%s-%s%s", kind, pass ? "scm-rights" : "fork",
             by_ioctl ? "-fionbio" : "");
    if (d->fd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        check(name, 0, "setup");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (pass) {
            holder(-1, sv[1], by_ioctl);
        } else {
            /* the fork child reports over the same channel */
            if (set_nonblock(d->fd, 1, by_ioctl) < 0)
                _exit(11);
            if (write(sv[1], "s", 1) != 1)
                _exit(12);
            if (read(sv[1], &c, 1) != 1 || c != 'c')
                _exit(13);
            _exit(nonblock_of(d->fd) ? 14 : 0);
        }
    }
    close(sv[1]);
    int ok = pid > 0;
    if (ok && pass)
        ok = pass_fd(sv[0], d->fd, NULL) == 0;
    ok = ok && read(sv[0], &c, 1) == 1 && c == 's';
    int seen = ok && nonblock_of(d->fd);
    int again = seen && would_wait(d);
    int cleared = seen && set_nonblock(d->fd, 0, 0) == 0;
    if (ok)
        ok = write(sv[0], "c", 1) == 1;
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    close(sv[0]);
    if (!ok || !seen)
        check(name, 0, "the other holder's O_NONBLOCK not seen in F_GETFL");
    else if (!again)
        check(name, 0, "the call did not give EAGAIN");
    else if (!cleared || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        check(name, 0, "the other holder did not see O_NONBLOCK cleared");
    else
        check(name, 1, "");
}

static struct desc make_pipe(void)
{
    int p[2];
    if (pipe(p) < 0)
        return (struct desc){-1, OP_READ, {-1, -1}};
    return (struct desc){p[0], OP_READ, {p[1], -1}};
}

static char fifo_path[64];

/* A FIFO's read end (its writer in extra, so that a read waits), blocking. */
static struct desc make_fifo(void)
{
    snprintf(fifo_path, sizeof fifo_path, "/tmp/sharedfl-%d", (int)getpid());
    unlink(fifo_path);
    if (mkfifo(fifo_path, 0600) < 0)
        return (struct desc){-1, OP_READ, {-1, -1}};
    int r = open(fifo_path, O_RDONLY | O_NONBLOCK);
    int w = r < 0 ? -1 : open(fifo_path, O_WRONLY);
    unlink(fifo_path);
    if (w < 0 || fcntl(r, F_SETFL, O_RDONLY) < 0)
        return (struct desc){-1, OP_READ, {r, w}};
    return (struct desc){r, OP_READ, {w, -1}};
}

/* Sets O_NONBLOCK on fd (one of two opens of a FIFO). */
static int nonblock_first(int fd)
{
    return set_nonblock(fd, 1, 0) == 0 ? 0 : 25;
}

static struct desc make_pair(void)
{
    int p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) < 0)
        return (struct desc){-1, OP_READ, {-1, -1}};
    return (struct desc){p[0], OP_READ, {p[1], -1}};
}

static void unix_addr(struct sockaddr_un *a, socklen_t *len, int n)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    /* an abstract name of this process */
    int k = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "sharedfl-%d-%d", (int)getpid(), n);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)k);
}

static struct desc make_unix_listener(int n)
{
    struct sockaddr_un a;
    socklen_t len;
    unix_addr(&a, &len, n);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, len) < 0 || listen(s, 4) < 0)
        return (struct desc){-1, OP_ACCEPT, {s, -1}};
    return (struct desc){s, OP_ACCEPT, {-1, -1}};
}

/* An accepted AF_UNIX connection (the server's side); its client in extra. */
static struct desc make_unix_accepted(int n)
{
    struct desc l = make_unix_listener(n);
    struct sockaddr_un a;
    socklen_t len;
    unix_addr(&a, &len, n);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l.fd < 0 || c < 0 || connect(c, (struct sockaddr *)&a, len) < 0)
        return (struct desc){-1, OP_READ, {c, l.fd}};
    int s = accept(l.fd, NULL, NULL);
    close(l.fd);
    return (struct desc){s, OP_READ, {c, -1}};
}

static struct desc make_eventfd(void)
{
    return (struct desc){eventfd(0, 0), OP_READ, {-1, -1}};
}

static struct desc make_timerfd(void)
{
    return (struct desc){timerfd_create(CLOCK_MONOTONIC, 0), OP_READ, {-1, -1}};
}

static struct desc make_signalfd(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    return (struct desc){signalfd(-1, &m, 0), OP_READ, {-1, -1}};
}

/* The other holder of fd: a fork child (chan -1 in it) or a receiver over a socketpair;
 * runs body in it and returns its exit status (-1: no child). */
static int other_holder(int fd, int pass, int (*body)(int fd))
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (pass) {
            close(fd);
            fd = pass_fd(sv[1], -1, NULL);
        }
        _exit(fd < 0 ? 20 : body(fd));
    }
    close(sv[1]);
    if (pid > 0 && pass)
        pass_fd(sv[0], fd, NULL);
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    close(sv[0]);
    return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Waits for the timer's expiry and reads it: 0 if it read 1 expiration. */
static int read_expiry(int fd)
{
    uint64_t n = 0;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 3000) != 1)
        return 24;
    alarm(3);
    ssize_t r = read(fd, &n, sizeof n);
    alarm(0);
    return r == 8 && n == 1 ? 0 : 21;
}

/* Arms the timer for 20 ms, once. */
static int arm(int fd)
{
    struct itimerspec it = {{0, 0}, {0, 20000000}};
    return timerfd_settime(fd, 0, &it, NULL) == 0 ? 0 : 22;
}

/* Takes SIGUSR2 only, for every holder. */
static int mask_usr2(int fd)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    return signalfd(fd, &m, 0) == fd ? 0 : 23;
}

/* Two opens of one FIFO are two descriptions: the other holder's O_NONBLOCK on one is
 * not the other's. */
static void fifo_two_opens(int pass)
{
    char name[96];
    snprintf(name, sizeof name, "fifo-two-opens-%s", pass ? "scm-rights" : "fork");
    snprintf(fifo_path, sizeof fifo_path, "/tmp/sharedfl2-%d", (int)getpid());
    unlink(fifo_path);
    struct desc d = {-1, OP_READ, {-1, -1}};
    if (mkfifo(fifo_path, 0600) == 0) {
        d.fd = open(fifo_path, O_RDONLY | O_NONBLOCK);
        d.extra[0] = open(fifo_path, O_RDONLY | O_NONBLOCK); /* the second open */
        d.extra[1] = open(fifo_path, O_WRONLY);
        unlink(fifo_path);
    }
    int r2 = d.extra[0];
    int ok = d.fd >= 0 && r2 >= 0 && d.extra[1] >= 0 && fcntl(d.fd, F_SETFL, O_RDONLY) == 0 &&
             fcntl(r2, F_SETFL, O_RDONLY) == 0;
    int st = ok ? other_holder(d.fd, pass, nonblock_first) : -1;
    check(name, st == 0 && nonblock_of(d.fd) && !nonblock_of(r2),
          "the other open's description changed too, or this one did not");
    close_desc(&d);
}

static void shared_state(int pass)
{
    const char *how = pass ? "scm-rights" : "fork";
    char name[96];
    uint64_t n;
    struct itimerspec cur;
    /* the other holder reads the expiration: none left here */
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct itimerspec it = {{0, 0}, {0, 20000000}};
    int st = t < 0 || timerfd_settime(t, 0, &it, NULL) ? -1 : other_holder(t, pass, read_expiry);
    snprintf(name, sizeof name, "timerfd-expirations-%s", how);
    check(name, st == 0 && read(t, &n, sizeof n) < 0 && errno == EAGAIN,
          "the other holder's read left the expiration here");
    close(t);
    /* the other holder arms it: armed here, and it expires here */
    t = timerfd_create(CLOCK_MONOTONIC, 0);
    st = t < 0 ? -1 : other_holder(t, pass, arm);
    snprintf(name, sizeof name, "timerfd-settime-%s", how);
    int armed =
        st == 0 && timerfd_gettime(t, &cur) == 0 && (cur.it_value.tv_sec || cur.it_value.tv_nsec);
    check(name, armed && read_expiry(t) == 0, "the other holder's setting not seen");
    close(t);
    /* the other holder changes the mask: this process's SIGUSR2 is read, SIGUSR1 not */
    struct desc d = make_signalfd();
    st = d.fd < 0 ? -1 : other_holder(d.fd, pass, mask_usr2);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    struct signalfd_siginfo si;
    int flags = fcntl(d.fd, F_GETFL);
    fcntl(d.fd, F_SETFL, flags | O_NONBLOCK);
    ssize_t r1 = read(d.fd, &si, sizeof si);
    int sig1 = r1 == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
    ssize_t r2 = read(d.fd, &si, sizeof si);
    int e2 = errno;
    snprintf(name, sizeof name, "signalfd-mask-%s", how);
    check(name, st == 0 && sig1 == SIGUSR2 && r2 < 0 && e2 == EAGAIN,
          "the other holder's mask not seen");
    /* SIGUSR1 stays pending: take it */
    struct timespec zero = {0, 0};
    sigtimedwait(&block, NULL, &zero);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    close(d.fd);
}

static int inet_listener(struct sockaddr_in *a)
{
    socklen_t len = sizeof *a;
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)a, sizeof *a) < 0 || listen(s, 4) < 0 ||
        getsockname(s, (struct sockaddr *)a, &len) < 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

static struct desc make_inet_listener(void)
{
    struct sockaddr_in a;
    return (struct desc){inet_listener(&a), OP_ACCEPT, {-1, -1}};
}

/* A connected AF_INET socket (the client's side); the accepted one in extra. */
static struct desc make_inet_connected(void)
{
    struct sockaddr_in a;
    int l = inet_listener(&a);
    int c = l < 0 ? -1 : socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
        if (l >= 0)
            close(l);
        return (struct desc){-1, OP_READ, {c, -1}};
    }
    int s = accept(l, NULL, NULL);
    close(l);
    return (struct desc){c, OP_READ, {s, -1}};
}

/* The terminal's cases: O_NONBLOCK set by a fork child or a receiver of the description
 * is the maker's, and a read with nothing typed gives EAGAIN; cleared, it is cleared for
 * the other. The terminal's settings are left as they were. */
static int tty_cases(void)
{
    int cases = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int by_ioctl = 0; by_ioctl < 2; by_ioctl++) {
            struct desc d = {open("/dev/tty", O_RDWR | O_NOCTTY), OP_READ, {-1, -1}};
            run("terminal", &d, pass, by_ioctl);
            close_desc(&d);
            cases++;
        }
    printf("sharedfl: %d cases, %s\n", cases, failed ? "some failed" : "all passed");
    return failed;
}

int main(int argc, char **argv)
{
    int inet = argc > 1 && strcmp(argv[1], "inet") == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: a wait is ended with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "tty") == 0)
        return tty_cases();
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        struct desc d;
        d = make_pipe();
        run("pipe-read-end", &d, pass, 0);
        close_desc(&d);
        d = make_pipe();
        run("pipe-read-end", &d, pass, 1);
        close_desc(&d);
        d = make_fifo();
        run("fifo-read-end", &d, pass, 0);
        close_desc(&d);
        fifo_two_opens(pass);
        d = make_pair();
        run("unix-socketpair", &d, pass, 0);
        close_desc(&d);
        d = make_unix_listener(n++);
        run("unix-listener", &d, pass, 0);
        close_desc(&d);
        d = make_unix_accepted(n++);
        run("unix-accepted", &d, pass, 0);
        close_desc(&d);
        d = make_eventfd();
        run("eventfd", &d, pass, 0);
        close_desc(&d);
        d = make_eventfd();
        run("eventfd", &d, pass, 1);
        close_desc(&d);
        d = make_timerfd();
        run("timerfd", &d, pass, 0);
        close_desc(&d);
        d = make_signalfd();
        run("signalfd", &d, pass, 0);
        close_desc(&d);
        if (inet) {
            d = make_inet_listener();
            run("inet-listener", &d, pass, 0);
            close_desc(&d);
            d = make_inet_connected();
            run("inet-connected", &d, pass, 0);
            close_desc(&d);
        }
        shared_state(pass);
    }
    return failed;
}
