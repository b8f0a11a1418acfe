/*
 * fifotest: FIFOs and device nodes (mkfifo, mknod, mknodat) and POSIX open semantics
 * of FIFOs between processes that share nothing but the file's name: a blocking open
 * waits for the other side, O_RDONLY|O_NONBLOCK opens at once, O_WRONLY|O_NONBLOCK
 * without a reader gives ENXIO, O_RDWR opens at once, a signal breaks a waiting open
 * (EINTR). Run in two directories: /tmp (a file-system server in capix) and /dev/ram
 * (an in-process ram file system in capix; /dev/shm on Linux). The same binary runs on
 * Linux and in capix; the output must be the same (run as root on both: device nodes).
 * One line per case: "PASS name" or "FAIL name: why".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static unsigned passed, failed;
static const char *tag; /* the directory's name in case names */

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS %s-%s\n", tag, name);
        passed++;
    } else {
        printf("FAIL %s-%s: %s (errno %d)\n", tag, name, why, errno);
        failed++;
    }
    fflush(stdout);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* The spawned writer: opens path for writing (blocking), writes a line, exits 0. */
static int writer_main(const char *path)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return 2;
    const char msg[] = "from an unrelated process\n";
    if (write(fd, msg, sizeof msg - 1) != (ssize_t)sizeof msg - 1)
        return 3;
    close(fd);
    return 0;
}

/* The spawned reader: opens path for reading (blocking), reads all, exits with the
 * number of bytes read (or 100 + the step that failed). */
static int reader_main(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY), n = 0;
    ssize_t r;
    if (fd < 0)
        return 101;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        n += (int)r;
    close(fd);
    return r < 0 ? 102 : n;
}

static pid_t spawn_self(const char *self, const char *role, const char *path)
{
    pid_t pid;
    char *args[] = {(char *)self, (char *)role, (char *)path, NULL};
    errno = posix_spawn(&pid, self, NULL, NULL, args, environ);
    return errno ? -1 : pid;
}

static int wait_status(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + WTERMSIG(st);
}

static void nodes(const char *dir)
{
    char p[320], q[320];
    struct stat st;
    int fd, dfd;

    snprintf(p, sizeof p, "%s/fifo", dir);
    umask(022);
    check("mkfifo", mkfifo(p, 0666) == 0, "mkfifo failed");
    check("stat-fifo", stat(p, &st) == 0 && S_ISFIFO(st.st_mode), "not a FIFO");
    check("fifo-mode-umask", (st.st_mode & 07777) == 0644, "mode");
    check("fifo-size-0", st.st_size == 0, "size");
    errno = 0;
    check("mkfifo-eexist", mkfifo(p, 0666) == -1 && errno == EEXIST, "no EEXIST");
    snprintf(q, sizeof q, "%s/no/such", dir);
    errno = 0;
    check("mkfifo-enoent", mkfifo(q, 0666) == -1 && errno == ENOENT, "no ENOENT");
    snprintf(q, sizeof q, "%s/dir", dir);
    errno = 0;
    check("mknod-dir-eperm", mknod(q, S_IFDIR | 0755, 0) == -1 && errno == EPERM, "no EPERM");
    errno = 0;
    check("mknod-badtype-einval", mknod(q, 0170000 | 0644, 0) == -1 && errno == EINVAL,
          "no EINVAL");
    snprintf(q, sizeof q, "%s/reg", dir);
    check("mknod-regular",
          mknod(q, S_IFREG | 0600, 0) == 0 && stat(q, &st) == 0 && S_ISREG(st.st_mode) &&
              (st.st_mode & 0777) == 0600,
          "no regular file");
    unlink(q);
    snprintf(q, sizeof q, "%s/reg0", dir);
    check("mknod-type0-regular", mknod(q, 0640, 0) == 0 && stat(q, &st) == 0 && S_ISREG(st.st_mode),
          "no regular file");
    unlink(q);

    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    check("mknodat-fifo",
          mknodat(dfd, "fifo2", S_IFIFO | 0600, 0) == 0 && fstatat(dfd, "fifo2", &st, 0) == 0 &&
              S_ISFIFO(st.st_mode),
          "mknodat");
    unlinkat(dfd, "fifo2", 0);
    close(dfd);

    /* devices (run as root): created and stat'ed, not opened */
    snprintf(q, sizeof q, "%s/chr", dir);
    check("mknod-chr", mknod(q, S_IFCHR | 0600, makedev(60, 7)) == 0, "mknod chr");
    check("chr-rdev",
          stat(q, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 60 &&
              minor(st.st_rdev) == 7,
          "st_rdev");
    errno = 0;
    fd = open(q, O_RDONLY);
    check("chr-open-enxio", fd == -1 && errno == ENXIO, "no ENXIO");
    if (fd >= 0)
        close(fd);
    unlink(q);
    snprintf(q, sizeof q, "%s/blk", dir);
    check("mknod-blk", mknod(q, S_IFBLK | 0600, makedev(61, 300)) == 0, "mknod blk");
    check("blk-rdev",
          stat(q, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 61 &&
              minor(st.st_rdev) == 300,
          "st_rdev");
    errno = 0;
    fd = open(q, O_RDONLY);
    check("blk-open-enxio", fd == -1 && errno == ENXIO, "no ENXIO");
    if (fd >= 0)
        close(fd);
    unlink(q);
}

static void opens(const char *dir, const char *self)
{
    char p[320], buf[64];
    struct stat st, fst;
    int r, w, rw;

    snprintf(p, sizeof p, "%s/fifo", dir);
    errno = 0;
    w = open(p, O_WRONLY | O_NONBLOCK);
    check("wronly-nonblock-enxio", w == -1 && errno == ENXIO, "no ENXIO");
    r = open(p, O_RDONLY | O_NONBLOCK);
    check("rdonly-nonblock-opens", r >= 0, "open failed");
    check("fstat-is-the-file",
          fstat(r, &fst) == 0 && stat(p, &st) == 0 && S_ISFIFO(fst.st_mode) &&
              fst.st_ino == st.st_ino && fst.st_dev == st.st_dev,
          "fstat differs from stat");
    check("read-no-writer-eof", read(r, buf, sizeof buf) == 0, "not end of file");
    struct pollfd pf = {r, POLLIN, 0};
    check("poll-no-writer-yet", poll(&pf, 1, 0) == 0, "events without a writer");
    w = open(p, O_WRONLY | O_NONBLOCK);
    check("wronly-nonblock-with-reader", w >= 0, "open failed");
    errno = 0;
    check("read-empty-eagain", read(r, buf, sizeof buf) == -1 && errno == EAGAIN, "no EAGAIN");
    check("write", write(w, "abc", 3) == 3, "write");
    check("read", read(r, buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0, "read");
    close(w);
    check("read-after-writer-closed-eof", read(r, buf, sizeof buf) == 0, "not end of file");
    pf.revents = 0;
    check("poll-hup-after-writer", poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "no POLLHUP");
    close(r);

    rw = open(p, O_RDWR);
    check("rdwr-opens", rw >= 0, "open failed");
    check("rdwr-write-read",
          write(rw, "xy", 2) == 2 && read(rw, buf, 2) == 2 && memcmp(buf, "xy", 2) == 0, "data");
    /* a blocking reader while a read-write description is open: no wait */
    r = open(p, O_RDONLY);
    check("rdonly-with-rdwr-open", r >= 0, "open failed");
    close(r);
    close(rw);

    /* a reader blocks until an unrelated process opens for writing */
    pid_t pid = spawn_self(self, "writer", p);
    check("spawn-writer", pid > 0, "posix_spawn");
    r = open(p, O_RDONLY);
    check("blocking-rdonly-meets-writer", r >= 0, "open failed");
    memset(buf, 0, sizeof buf);
    ssize_t n = 0, k;
    while (r >= 0 && (k = read(r, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += k;
    check("data-from-unrelated-writer", strcmp(buf, "from an unrelated process\n") == 0,
          "wrong data");
    if (r >= 0)
        close(r);
    check("writer-exit-0", pid > 0 && wait_status(pid) == 0, "writer failed");

    /* a writer blocks until an unrelated reader opens; the reader sees all, then EOF */
    pid = spawn_self(self, "reader", p);
    check("spawn-reader", pid > 0, "posix_spawn");
    w = open(p, O_WRONLY);
    check("blocking-wronly-meets-reader", w >= 0, "open failed");
    check("write-to-reader", w >= 0 && write(w, "0123456789", 10) == 10, "write");
    if (w >= 0)
        close(w);
    check("reader-got-10", pid > 0 && wait_status(pid) == 10, "reader got otherwise");

    /* the same, the writer slow to close: the reader, which opened after the writer,
     * has read the bytes and waits in read when the last writer goes: end of file
     * (capix once kept it waiting: it woke only for a writer opened after it) */
    pid = spawn_self(self, "reader", p);
    w = open(p, O_WRONLY);
    check("slow-close-write", w >= 0 && write(w, "0123456789", 10) == 10, "write");
    nap_ms(300);
    if (w >= 0)
        close(w);
    check("slow-close-reader-eof", pid > 0 && wait_status(pid) == 10, "reader got otherwise");

    /* across fork: the child opens first and waits for the parent */
    pid = fork();
    if (pid == 0) {
        int fd = open(p, O_WRONLY);
        _exit(fd >= 0 && write(fd, "k", 1) == 1 ? 0 : 1);
    }
    nap_ms(100);
    r = open(p, O_RDONLY);
    check("fork-child-writer", r >= 0 && read(r, buf, 1) == 1 && buf[0] == 'k', "no data");
    if (r >= 0)
        close(r);
    check("fork-child-exit-0", wait_status(pid) == 0, "child failed");

    /* a writer without readers gets EPIPE (SIGPIPE ignored) */
    signal(SIGPIPE, SIG_IGN);
    r = open(p, O_RDONLY | O_NONBLOCK);
    w = open(p, O_WRONLY);
    close(r);
    errno = 0;
    check("write-no-reader-epipe", write(w, "z", 1) == -1 && errno == EPIPE, "no EPIPE");
    close(w);
    signal(SIGPIPE, SIG_DFL);

    /* a signal breaks a waiting open */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 200000}};
    setitimer(ITIMER_REAL, &it, NULL);
    errno = 0;
    r = open(p, O_RDONLY);
    check("blocked-open-eintr", r == -1 && errno == EINTR, "no EINTR");
    if (r >= 0)
        close(r);

    /* an unlinked FIFO goes on working for those who hold it open */
    r = open(p, O_RDONLY | O_NONBLOCK);
    w = open(p, O_WRONLY);
    check("unlink-open-fifo", unlink(p) == 0, "unlink");
    check("unlinked-fifo-works", write(w, "u", 1) == 1 && read(r, buf, 1) == 1 && buf[0] == 'u',
          "no data");
    close(r);
    close(w);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "writer") == 0)
        return writer_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "reader") == 0)
        return reader_main(argv[2]);
    const char *ram = access("/dev/ram", W_OK) == 0 ? "/dev/ram" : "/dev/shm";
    const char *dirs[2][2] = {{"/tmp", "srv"}, {ram, "ram"}};
    for (int i = 0; i < 2; i++) {
        char d[200];
        tag = dirs[i][1];
        snprintf(d, sizeof d, "%s/fifotest.%d", dirs[i][0], (int)getpid());
        if (mkdir(d, 0755) != 0) {
            check("mkdir", 0, d);
            continue;
        }
        nodes(d);
        opens(d, argv[0]);
        char f[300];
        snprintf(f, sizeof f, "%s/fifo", d);
        unlink(f);
        rmdir(d);
    }
    printf("fifotest: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
