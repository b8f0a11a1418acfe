/*
 * unixtest, part three (unixtest.h): regular files passed with SCM_RIGHTS (in capix: files
 * of a File_system session, here /tmp's), to a fork child and to a program that shares
 * nothing but a socket's name. The receiver gets the same open file description: one
 * offset, one set of status flags (F_SETFL by either holder is seen by the other), kept
 * while in flight after the sender closed it, closed with its last holder; a message
 * received without room for it closes the file. A directory (openat, fchdir). Also /dev/null,
 * /dev/zero and an eventfd (whose counter both holders share) to a fork child and to that program.
 * Linux's output is the oracle.
 */
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/sysmacros.h>
#include "unixtest.h"
#include "check.h"

/* Sends one descriptor with one byte of tag over s: sendmsg's result. */
static ssize_t send_fd(int s, char tag, int fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {&tag, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(s, &m, 0);
}

/* Receives one byte and at most one descriptor (room for `room` descriptors, 0: no
 * control buffer): the descriptor or -1; *flags msg_flags. */
static int recv_fd(int s, char *tag, int room, int *flags)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {tag, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = room ? u.buf : NULL;
    m.msg_controllen = room ? sizeof u.buf : 0;
    int fd = -1;
    if (recvmsg(s, &m, 0) != 1)
        return -1;
    *flags = m.msg_flags;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* One byte over s, and the byte that answers it (0 if none). */
static char say(int s, char c)
{
    char r = 0;
    if (write(s, &c, 1) != 1 || read(s, &r, 1) != 1)
        return 0;
    return r;
}

static int make_file(const char *path, const char *text)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 &&
        (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || lseek(fd, 0, SEEK_SET) != 0)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* The next step's byte from the parent over s (0 if none). */
static char step(int s)
{
    char c = 0;
    return read(s, &c, 1) == 1 ? c : 0;
}

/* Answers a step: 'y' if ok. */
static void answer(int s, int ok)
{
    if (write(s, ok ? "y" : "n", 1) != 1)
        _exit(9);
}

/* The fork child's half of rights_file_fork: each step answered with 'y' or 'n'. */
static void file_child(int s)
{
    char tag, buf[16] = {0};
    int mf, fd = recv_fd(s, &tag, 1, &mf);
    /* 'a': the parent read two bytes before sending: four more at the shared offset */
    step(s);
    answer(s, fd >= 0 && tag == 'f' && read(fd, buf, 4) == 4 && !memcmp(buf, "2345", 4));
    /* 'b': the parent set O_APPEND|O_NONBLOCK: seen here; a write goes to the end */
    step(s);
    int fl = fcntl(fd, F_GETFL);
    answer(s, (fl & O_ACCMODE) == O_RDWR && (fl & O_APPEND) && (fl & O_NONBLOCK) &&
                  write(fd, "X", 1) == 1);
    /* 'c': this side clears them; the parent looks */
    step(s);
    answer(s, fcntl(fd, F_SETFL, 0) == 0);
    /* 'd': a file the parent removed and closed while it was in flight */
    int gone = recv_fd(s, &tag, 1, &mf);
    step(s);
    memset(buf, 0, sizeof buf);
    answer(s, gone >= 0 && read(gone, buf, sizeof buf) == 7 && !memcmp(buf, "removed", 7));
    close(gone);
    close(fd);
    _exit(0);
}

/* A file to a fork child: shared offset, status flags both ways, an O_APPEND write, a
 * removed file kept open by the description in flight. */
static void rights_file_fork(const char *dir)
{
    char path[128], gpath[128];
    snprintf(path, sizeof path, "%s/passed.txt", dir);
    snprintf(gpath, sizeof gpath, "%s/removed.txt", dir);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        file_child(sv[1]);
    }
    close(sv[1]);
    char buf[32] = {0};
    int fd = make_file(path, "0123456789");
    check("rights-file-open", fd >= 0 && read(fd, buf, 2) == 2, "open and read two bytes");
    check("rights-file-send", send_fd(sv[0], 'f', fd) == 1, "sendmsg of a regular file");
    check("rights-file-child-offset", say(sv[0], 'a') == 'y',
          "the child read at the shared offset");
    memset(buf, 0, sizeof buf);
    check("rights-file-offset-shared", read(fd, buf, 3) == 3 && !memcmp(buf, "678", 3),
          "the parent reads after what the child read");
    check("rights-file-setfl", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0, "F_SETFL");
    check("rights-file-setfl-seen", say(sv[0], 'b') == 'y',
          "the child sees O_APPEND|O_NONBLOCK and appends");
    check("rights-file-append-offset", lseek(fd, 0, SEEK_CUR) == 11,
          "the shared offset after the child's append");
    check("rights-file-setfl-back", say(sv[0], 'c') == 'y' && !(fcntl(fd, F_GETFL) & O_APPEND),
          "the child's F_SETFL seen by the parent");
    memset(buf, 0, sizeof buf);
    check("rights-file-contents",
          pread(fd, buf, sizeof buf, 0) == 11 && !strcmp(buf, "0123456789X"), "what both wrote");
    int g = make_file(gpath, "removed");
    unlink(gpath);
    check("rights-file-removed-send", g >= 0 && send_fd(sv[0], 'g', g) == 1, "a removed file");
    close(g);
    check("rights-file-removed-read", say(sv[0], 'd') == 'y',
          "the child read the removed file after the parent closed it");
    check("rights-file-fork-child", wait_child(pid) == 0, "the child failed");
    check("rights-file-after-child", lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 4) == 4,
          "the description after the child closed its copy");
    close(fd);
    close(sv[0]);
    unlink(path);
}

/* A file in a message received without room for descriptors, or by read: closed; the
 * file stays usable by the sender. */
static void rights_file_dropped(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/dropped.txt", dir);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int fd = make_file(path, "kept");
    char tag = 0, buf[8] = {0};
    int mf = 0;
    send_fd(sv[0], 'x', fd);
    check("rights-file-no-room",
          recv_fd(sv[1], &tag, 0, &mf) == -1 && tag == 'x' && (mf & MSG_CTRUNC),
          "MSG_CTRUNC without a control buffer");
    send_fd(sv[0], 'y', fd);
    check("rights-file-read-discards", read(sv[1], &tag, 1) == 1 && tag == 'y',
          "read of a message with a file");
    check("rights-file-still-open", read(fd, buf, sizeof buf) == 4 && !memcmp(buf, "kept", 4),
          "the sender's description");
    int loop_ok = 1;
    for (int i = 0; i < 20; i++) { /* in flight and received, again and again */
        send_fd(sv[0], 'z', fd);
        int r = recv_fd(sv[1], &tag, 1, &mf);
        if (r < 0 || lseek(r, i, SEEK_SET) != i || lseek(fd, 0, SEEK_CUR) != i)
            loop_ok = 0;
        if (r >= 0)
            close(r);
    }
    check("rights-file-loop", loop_ok, "twenty passes, each the same offset");
    close(fd);
    close(sv[0]);
    close(sv[1]);
    unlink(path);
}

/* The spawned program's half of rights_file_unrelated: reads two bytes of the file it
 * is sent (at the sender's offset) and appends what it read. */
int rights_file_client_main(const char *path)
{
    int rc = 0;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, path);
    int r = -1;
    for (int i = 0; i < 500 && s >= 0 && r != 0; i++) {
        r = connect(s, (struct sockaddr *)&a, len);
        if (r)
            nap_ms(10);
    }
    char tag, buf[4] = {0};
    int mf, fd = r ? -1 : recv_fd(s, &tag, 1, &mf);
    if (fd < 0)
        return 2;
    if (read(fd, buf, 2) != 2 || memcmp(buf, "cd", 2))
        return 3;
    if (fcntl(fd, F_SETFL, O_APPEND) || write(fd, buf, 2) != 2)
        return 4;
    /* then /dev/zero and an eventfd */
    int z = recv_fd(s, &tag, 1, &mf), e = recv_fd(s, &tag, 1, &mf);
    uint64_t v = 5;
    if (z < 0 || read(z, buf, 4) != 4 || buf[0] || buf[3])
        rc = 6;
    if (e < 0 || write(e, &v, sizeof v) != sizeof v)
        rc = 7;
    if (write(s, "k", 1) != 1)
        rc = 5;
    return rc;
}

/* A file to a program that shares nothing but a socket's name. */
static void rights_file_unrelated(const char *dir, const char *self)
{
    char path[128], sock[128];
    snprintf(path, sizeof path, "%s/far.txt", dir);
    snprintf(sock, sizeof sock, "%s/files.sock", dir);
    struct sockaddr_un a;
    socklen_t len = set_addr(&a, sock);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    char *args[] = {(char *)self, "rights-file-client", sock, NULL};
    pid_t pid = 0;
    errno = posix_spawn(&pid, self, NULL, NULL, args, environ);
    int c = accept(l, NULL, NULL);
    char buf[16] = {0};
    int fd = make_file(path, "abcdef");
    read(fd, buf, 2);
    check("rights-file-unrelated-send", c >= 0 && send_fd(c, 'u', fd) == 1,
          "a file to a spawned program");
    int z = open("/dev/zero", O_RDONLY), e = eventfd(0, 0);
    check("rights-zero-unrelated-send", c >= 0 && send_fd(c, 'z', z) == 1, "/dev/zero");
    check("rights-eventfd-unrelated-send", c >= 0 && send_fd(c, 'e', e) == 1, "an eventfd");
    close(z);
    check("rights-file-unrelated-done", read(c, buf, 1) == 1 && buf[0] == 'k', "its answer");
    check("rights-file-unrelated-child", pid > 0 && wait_child(pid) == 0,
          "the spawned program failed");
    uint64_t v = 0;
    check("rights-eventfd-unrelated-count", read(e, &v, sizeof v) == sizeof v && v == 5,
          "what it added to the counter");
    close(e);
    check("rights-file-unrelated-flags", (fcntl(fd, F_GETFL) & O_APPEND) != 0,
          "its F_SETFL seen here");
    memset(buf, 0, sizeof buf);
    check("rights-file-unrelated-offset", lseek(fd, 0, SEEK_CUR) == 8,
          "the offset after its read and append");
    check("rights-file-unrelated-contents",
          pread(fd, buf, sizeof buf, 0) == 8 && !strcmp(buf, "abcdefcd"), "what it wrote");
    close(fd);
    close(c);
    close(l);
    unlink(sock);
    unlink(path);
}

/* /dev/null and an eventfd to a fork child: its own writes to them; the counter is one. */
static void rights_devices_fork(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char tag;
        int mf, n = recv_fd(sv[1], &tag, 1, &mf), e = recv_fd(sv[1], &tag, 1, &mf);
        uint64_t v = 3;
        struct stat st;
        step(sv[1]);
        answer(sv[1], n >= 0 && fstat(n, &st) == 0 && S_ISCHR(st.st_mode) &&
                          st.st_rdev == makedev(1, 3) && write(n, "gone", 4) == 4 &&
                          (fcntl(n, F_GETFL) & O_ACCMODE) == O_WRONLY);
        step(sv[1]);
        int fl = fcntl(e, F_GETFL);
        answer(sv[1], e >= 0 && (fl & O_NONBLOCK) && write(e, &v, sizeof v) == sizeof v);
        step(sv[1]); /* the parent took the count: empty here too */
        answer(sv[1], read(e, &v, sizeof v) == -1 && errno == EAGAIN);
        _exit(0);
    }
    close(sv[1]);
    int n = open("/dev/null", O_WRONLY), e = eventfd(0, EFD_NONBLOCK);
    check("rights-null-send", send_fd(sv[0], 'n', n) == 1, "/dev/null");
    check("rights-eventfd-send", send_fd(sv[0], 'e', e) == 1, "an eventfd");
    close(n);
    check("rights-null-child", say(sv[0], 'a') == 'y', "the child's /dev/null");
    uint64_t v = 0;
    check("rights-eventfd-child-write", say(sv[0], 'b') == 'y', "the child's write");
    check("rights-eventfd-shared", read(e, &v, sizeof v) == sizeof v && v == 3,
          "the count the child added");
    check("rights-eventfd-taken", say(sv[0], 'c') == 'y', "the child sees it taken");
    check("rights-devices-child", wait_child(pid) == 0, "the child failed");
    close(e);
    close(sv[0]);
}

/* A directory to a fork child: openat and fchdir through it. */
static void rights_dir_fork(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/indir.txt", dir);
    int f = make_file(path, "dirpass");
    close(f);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char tag, buf[16] = {0};
        int mf, d = recv_fd(sv[1], &tag, 1, &mf);
        struct stat st;
        if (d < 0 || fstat(d, &st) || !S_ISDIR(st.st_mode))
            _exit(2);
        int g = openat(d, "indir.txt", O_RDONLY);
        if (g < 0 || read(g, buf, sizeof buf) != 7 || strcmp(buf, "dirpass"))
            _exit(3);
        close(g);
        if (fchdir(d) || (g = open("indir.txt", O_RDONLY)) < 0)
            _exit(4);
        _exit(0);
    }
    close(sv[1]);
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    check("rights-dir-send", d >= 0 && send_fd(sv[0], 'd', d) == 1, "a directory");
    close(d);
    check("rights-dir-child", wait_child(pid) == 0, "openat and fchdir in the child");
    close(sv[0]);
    unlink(path);
}

void rights_files(const char *dir, const char *self)
{
    rights_devices_fork();
    rights_dir_fork(dir);
    rights_file_fork(dir);
    rights_file_dropped(dir);
    rights_file_unrelated(dir, self);
}

int unixtest_files_failed(void)
{
    return failed;
}
