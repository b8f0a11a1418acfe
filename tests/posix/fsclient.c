/*
 * fsclient: one step of the ramfs-share scenario, on a /tmp that a ram_fs server
 * serves (its session's policy decides what this component may do there):
 *   fsclient write FILE TEXT       writes TEXT into FILE
 *   fsclient wait-read FILE TEXT   waits (up to 10 s) until FILE holds TEXT
 *   fsclient readonly FILE         creating FILE must fail with EROFS
 *   fsclient absent FILE...        each FILE must not exist (ENOENT)
 *   fsclient unlinked FILE         an unlinked open file stays readable and writable
 *   fsclient fill FILE             writes 64 KiB blocks until the session's quota ends
 *                                  (ENOSPC), says so by FILE.done's mode, and holds the
 *                                  quota until FILE.mine exists
 *   fsclient after FILE TEXT       waits for that, then writes and reads back TEXT in
 *                                  FILE.mine
 *   fsclient share DIR TEXT        (vfs-share, DIR a vfs server's tar archive with a ram
 *                                  tree at DIR/home) DIR/config holds TEXT; writing
 *                                  there gives EROFS; writes DIR/home/hello, makes
 *                                  DIR/home/box with "inside" and a symlink "esc" to
 *                                  ../hello; mount points keep distinct inode numbers
 *   fsclient boxed DIR             (DIR a session rooted at /home/box) waits for
 *                                  DIR/inside, then nothing outside the box is reachable
 *   fsclient cycles DIR N KILLS    (fs-quota) N cycles of open, write, close and unlink
 *                                  in DIR, then KILLS fork children that each hold an
 *                                  open, unlinked file in DIR and are killed with SIGKILL
 *                                  while they write to it; the sandbox's quota (sysinfo)
 *                                  and the session's (statfs of DIR) must be back at their
 *                                  figures from before, to the byte
 *   fsclient hold FILE             (fs-quota) writes FILE, unlinks it and goes on writing
 *                                  to it until it is ended from outside
 *   fsclient stream FILE           (fs-server-death) writes FILE without pause until a
 *                                  write fails; it must fail with EIO within a second,
 *                                  and so must every call on the mount after it
 *   fsclient later SECONDS FILE    (fs-server-death) sleeps, then writes and reads FILE
 * Prints one line per step (PASS/FAIL lines for the quota checks) and exits 0 when it
 * went as expected.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Reads all of path into a static buffer (NUL-terminated), or NULL. */
static const char *slurp(const char *path)
{
    static char buf[1 << 16];
    int fd = open(path, O_RDONLY);
    ssize_t n, total = 0;
    if (fd < 0)
        return NULL;
    while ((n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
        total += n;
    close(fd);
    if (n < 0)
        return NULL;
    buf[total] = 0;
    return buf;
}

static int share(const char *dir, const char *text)
{
    char path[256], home[256];
    int ok = 1, fd;
    snprintf(path, sizeof(path), "%s/config", dir);
    const char *c = slurp(path);
    printf("read %s from the archive: %s\n", path, c && strstr(c, text) ? "ok" : "wrong");
    ok &= c && strstr(c, text);
    fd = open(path, O_WRONLY);
    printf("write %s: %s\n", path, fd < 0 ? strerror(errno) : "opened");
    ok &= fd < 0 && errno == EROFS;
    snprintf(path, sizeof(path), "%s/new", dir);
    fd = open(path, O_WRONLY | O_CREAT, 0644);
    printf("create %s: %s\n", path, fd < 0 ? strerror(errno) : "created");
    ok &= fd < 0 && errno == EROFS;
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(path, sizeof(path), "%s/home/hello", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ssize_t n = fd >= 0 ? write(fd, "from the writer", 15) : -1;
    printf("write %s: %s\n", path, n == 15 ? "ok" : strerror(errno));
    ok &= n == 15 && close(fd) == 0;
    struct stat a, b;
    int r = stat(dir, &a) == 0 && stat(home, &b) == 0;
    printf("inode numbers of %s and %s: %s\n", dir, home,
           !r                     ? strerror(errno)
           : a.st_ino != b.st_ino ? "distinct"
                                  : "the same");
    ok &= r && a.st_ino != b.st_ino;
    /* the box, its file and a symlink that points out of it */
    snprintf(path, sizeof(path), "%s/home/box", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/home/box/esc", dir);
    r = symlink("../hello", path);
    snprintf(path, sizeof(path), "%s/home/box/inside", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    n = fd >= 0 ? write(fd, "in the box", 10) : -1;
    printf("write %s: %s\n", path, n == 10 && r == 0 ? "ok" : strerror(errno));
    ok &= n == 10 && r == 0 && close(fd) == 0;
    return ok ? 0 : 1;
}

static int boxed(const char *dir)
{
    char path[256];
    const char *c = NULL;
    int ok = 1;
    snprintf(path, sizeof(path), "%s/inside", dir);
    for (int i = 0; i < 1000 && !(c = slurp(path)); i++) {
        struct timespec t = {0, 10000000};
        nanosleep(&t, NULL);
    }
    printf("read %s: %s\n", path, c ? c : "never there");
    ok &= c && !strcmp(c, "in the box");
    const char *outside[] = {"esc", "hello", "config", "home", "../home/hello", "esc/x"};
    for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, outside[i]);
        int r = stat(path, &st);
        printf("stat %s: %s\n", path, r ? strerror(errno) : "exists");
        ok &= r != 0 && (errno == ENOENT || errno == ENOTDIR);
    }
    /* what the box holds, and nothing else */
    DIR *d = opendir(dir);
    struct dirent *e;
    char names[256] = "";
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            if (strlen(names) + strlen(e->d_name) + 2 < sizeof(names)) {
                strcat(names, " ");
                strcat(names, e->d_name);
            }
    if (d)
        closedir(d);
    printf("the box holds:%s\n", names);
    return ok ? 0 : 1;
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* What the sandbox has used of its quota (sysinfo reports the quota the kernel keeps). */
static unsigned long sandbox_used(void)
{
    struct sysinfo si;
    if (sysinfo(&si))
        return 0;
    return (si.totalram - si.freeram) * si.mem_unit;
}

/* What the session may still make (statfs reports no more than its quota's rest). */
static unsigned long long session_free(const char *dir)
{
    struct statfs st;
    if (statfs(dir, &st))
        return 0;
    return (unsigned long long)st.f_bavail * (unsigned long long)st.f_bsize;
}

/* One cycle: open (creating), write 4 KiB, close, unlink. */
static int cycle(const char *dir, int i)
{
    static char block[4096];
    char path[256];
    snprintf(path, sizeof(path), "%s/cycle-%d", dir, i % 16);
    memset(block, 'a' + i % 26, sizeof(block));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, block, sizeof(block));
    if (close(fd) || n != (ssize_t)sizeof(block) || unlink(path))
        return -1;
    return 0;
}

/* A fork child that opens a file, writes 64 KiB, unlinks it and writes on until it is
 * killed; the parent waits for the first 64 KiB and kills it with SIGKILL. 0 if the
 * child died of the signal. */
static int fork_and_kill(const char *dir, int k)
{
    int ready[2];
    char path[256];
    if (pipe(ready))
        return -1;
    snprintf(path, sizeof(path), "%s/victim-%d", dir, k);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        static char block[4096];
        close(ready[0]);
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        for (int i = 0; fd >= 0 && i < 16; i++)
            if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
                _exit(3);
        if (fd < 0 || unlink(path) || write(ready[1], "r", 1) != 1)
            _exit(3);
        for (unsigned long i = 0;; i++)
            if (pwrite(fd, block, sizeof(block), (off_t)(i % 16) * 4096) < 0)
                _exit(4);
    }
    close(ready[1]);
    char c;
    ssize_t n = read(ready[0], &c, 1);
    close(ready[0]);
    kill(pid, SIGKILL);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || n != 1)
        return -1;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -1;
}

static int cycles(const char *dir, int count, int kills)
{
    /* one of each first, so that the heaps of this process have grown to what the
     * loop needs: the figures are taken after it */
    if (cycle(dir, 0) || fork_and_kill(dir, 0)) {
        printf("FAIL quota warm-up: %s\n", strerror(errno));
        return 1;
    }
    unsigned long used0 = sandbox_used();
    unsigned long long free0 = session_free(dir);
    int ok = 1, failed_cycles = 0, failed_kills = 0;
    for (int i = 0; i < count; i++)
        failed_cycles += cycle(dir, i) != 0;
    unsigned long used1 = sandbox_used();
    unsigned long long free1 = session_free(dir);
    printf("%s quota after %d cycles of open, write, close, unlink: sandbox used %lu bytes "
           "before, %lu after; session %llu bytes free before, %llu after; %d cycles failed\n",
           used0 == used1 && free0 == free1 && !failed_cycles ? "PASS" : "FAIL", count, used0,
           used1, free0, free1, failed_cycles);
    ok &= used0 == used1 && free0 == free1 && !failed_cycles;
    for (int k = 1; k <= kills; k++)
        failed_kills += fork_and_kill(dir, k) != 0;
    unsigned long used2 = sandbox_used();
    unsigned long long free2 = session_free(dir);
    printf("%s quota after %d children were killed while writing: sandbox used %lu bytes "
           "before, %lu after; session %llu bytes free before, %llu after; %d kills failed\n",
           used0 == used2 && free0 == free2 && !failed_kills ? "PASS" : "FAIL", kills, used0, used2,
           free0, free2, failed_kills);
    ok &= used0 == used2 && free0 == free2 && !failed_kills;
    return ok ? 0 : 1;
}

static int hold(const char *file)
{
    static char block[4096];
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    for (int i = 0; fd >= 0 && i < 64; i++)
        if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
            break;
    int ok = fd >= 0 && unlink(file) == 0;
    printf("holding %s, unlinked, 256 KiB: %s\n", file, ok ? "writing on" : strerror(errno));
    fflush(stdout);
    for (unsigned long i = 0; ok; i++)
        if (pwrite(fd, block, sizeof(block), (off_t)(i % 64) * 4096) < 0)
            break;
    printf("hold %s: %s\n", file, strerror(errno));
    return 1;
}

static int stream(const char *file)
{
    static char block[4096];
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("FAIL server death: open %s: %s\n", file, strerror(errno));
        return 1;
    }
    printf("writing %s\n", file);
    fflush(stdout);
    uint64_t last_ok = now_ns(), start = last_ok, before = 0;
    unsigned long writes = 0;
    ssize_t n;
    for (;;) {
        before = now_ns();
        n = pwrite(fd, block, sizeof(block), (off_t)(writes % 256) * 4096);
        if (n < 0 || before - start > 120000000000ull)
            break;
        last_ok = now_ns();
        writes++;
    }
    int e = errno;
    uint64_t failed = now_ns();
    /* every call on the mount fails at once from now on */
    uint64_t t0 = now_ns();
    int fd2 = open(file, O_RDONLY);
    int e2 = errno;
    struct stat st;
    int r = stat(file, &st);
    int e3 = errno;
    uint64_t t1 = now_ns();
    int ok = n < 0 && e == EIO && failed - before < 1000000000ull && fd2 < 0 && e2 == EIO &&
             r < 0 && e3 == EIO && t1 - t0 < 1000000000ull;
    printf("%s server death: after %lu writes, write gave %s in %lu ms (the last good one "
           "ended %lu ms before it began); then open gave %s and stat %s, in %lu ms\n",
           ok ? "PASS" : "FAIL", writes, strerror(e), (unsigned long)((failed - before) / 1000000),
           (unsigned long)((before - last_ok) / 1000000), strerror(e2), strerror(e3),
           (unsigned long)((t1 - t0) / 1000000));
    close(fd);
    return ok ? 0 : 1;
}

static int later(const char *seconds, const char *file)
{
    struct timespec t = {atoi(seconds), 0};
    nanosleep(&t, NULL);
    char buf[64] = "";
    int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    ssize_t w = fd >= 0 ? pwrite(fd, "still here", 10, 0) : -1;
    ssize_t r = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
    int ok = w == 10 && r == 10 && !memcmp(buf, "still here", 10);
    printf("%s after the other server's end: %s\n", ok ? "PASS" : "FAIL",
           ok ? "still working" : strerror(errno));
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *cmd = argv[1], *file = argv[2];
    if (!strcmp(cmd, "share") && argc == 4)
        return share(file, argv[3]);
    if (!strcmp(cmd, "boxed"))
        return boxed(file);
    if (!strcmp(cmd, "cycles") && argc == 5)
        return cycles(file, atoi(argv[3]), atoi(argv[4]));
    if (!strcmp(cmd, "hold"))
        return hold(file);
    if (!strcmp(cmd, "stream"))
        return stream(file);
    if (!strcmp(cmd, "later") && argc == 4)
        return later(file, argv[3]);
    if (!strcmp(cmd, "write") && argc == 4) {
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ssize_t n = fd >= 0 ? write(fd, argv[3], strlen(argv[3])) : -1;
        printf("write %s: %s\n", file, n == (ssize_t)strlen(argv[3]) ? "ok" : strerror(errno));
        return n == (ssize_t)strlen(argv[3]) && close(fd) == 0 ? 0 : 1;
    }
    if (!strcmp(cmd, "wait-read") && argc == 4) {
        char buf[256];
        for (int i = 0; i < 1000; i++) {
            int fd = open(file, O_RDONLY);
            if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                if (n >= 0) {
                    buf[n] = 0;
                    if (!strcmp(buf, argv[3])) {
                        printf("read %s: %s\n", file, buf);
                        return 0;
                    }
                }
            }
            struct timespec t = {0, 10000000};
            nanosleep(&t, NULL);
        }
        printf("read %s: never saw the text\n", file);
        return 1;
    }
    if (!strcmp(cmd, "readonly")) {
        int fd = open(file, O_WRONLY | O_CREAT, 0644);
        printf("create %s: %s\n", file, fd < 0 ? strerror(errno) : "created");
        return fd < 0 && errno == EROFS ? 0 : 1;
    }
    if (!strcmp(cmd, "absent")) {
        int ok = 1;
        for (int i = 2; i < argc; i++) {
            struct stat st;
            int r = stat(argv[i], &st);
            printf("stat %s: %s\n", argv[i], r ? strerror(errno) : "exists");
            ok &= r != 0 && errno == ENOENT;
        }
        return ok ? 0 : 1;
    }
    if (!strcmp(cmd, "unlinked")) {
        int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
        int ok = fd >= 0 && write(fd, "kept", 4) == 4 && unlink(file) == 0;
        char buf[8] = "";
        ok = ok && access(file, F_OK) != 0 && pwrite(fd, "KEPT", 4, 0) == 4 &&
             pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "KEPT", 4);
        printf("unlinked open file: %s\n", ok ? "usable" : strerror(errno));
        return ok ? 0 : 1;
    }
    if (!strcmp(cmd, "fill")) {
        /* FILE.done (made first, so that making it costs nothing later) turns 0600 once
         * the quota is used up; the quota stays used until FILE.mine exists */
        static char block[65536];
        char done[256], mine[256];
        snprintf(done, sizeof(done), "%s.done", file);
        snprintf(mine, sizeof(mine), "%s.mine", file);
        close(open(done, O_WRONLY | O_CREAT, 0644));
        memset(block, 'x', sizeof(block));
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        long total = 0;
        ssize_t n = 0;
        while (fd >= 0 && (n = write(fd, block, sizeof(block))) > 0 && total < (1l << 30))
            total += n;
        int e = errno;
        printf("filled %s: %s after more than 1 MiB: %s\n", file,
               n < 0 && e == ENOSPC ? "ENOSPC" : "no ENOSPC", total > (1 << 20) ? "yes" : "no");
        chmod(done, 0600);
        for (int i = 0; i < 1000 && access(mine, F_OK) != 0; i++) {
            struct timespec t = {0, 10000000};
            nanosleep(&t, NULL);
        }
        close(fd);
        return n < 0 && e == ENOSPC && total > (1 << 20) ? 0 : 1;
    }
    if (!strcmp(cmd, "after") && argc == 4) {
        char done[256], path[256], buf[256];
        snprintf(done, sizeof(done), "%s.done", file);
        snprintf(path, sizeof(path), "%s.mine", file);
        struct stat st;
        for (int i = 0; i < 1000 && (stat(done, &st) != 0 || (st.st_mode & 0777) != 0600); i++) {
            struct timespec t = {0, 10000000};
            nanosleep(&t, NULL);
        }
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        ssize_t w = fd >= 0 ? pwrite(fd, argv[3], strlen(argv[3]), 0) : -1;
        ssize_t r = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
        buf[r > 0 ? r : 0] = 0;
        printf("after the other's quota ran out: %s\n",
               w > 0 && !strcmp(buf, argv[3]) ? buf : strerror(errno));
        return w > 0 && !strcmp(buf, argv[3]) ? 0 : 1;
    }
    return 2;
}
