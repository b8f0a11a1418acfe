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
 * Prints one line per step and exits 0 when it went as expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *cmd = argv[1], *file = argv[2];
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
