/*
 * The differential test (oracle.h): each section's operations run on a fresh vfs whose
 * root is a `ram` file system and in a fresh directory of the host's tmpfs; results
 * must match operation by operation. One PASS/FAIL line per section; a failure names
 * the operation and both results. Descriptors are compared only as "a descriptor".
 * Steps whose answer changed between Linux versions (O_CREAT|O_DIRECTORY before 6.4,
 * statx result masks since 6.13) are left out here and checked against fixed
 * expectations in vfs_test.c, so that any host from Linux 5.8 on can judge.
 */
#include "oracle.h"
#include "oracle_common.h"
#include "testlib.h"

#include <stdlib.h>

#define OP(k, ...)                                                                                 \
    {                                                                                              \
        .kind = k, __VA_ARGS__                                                                     \
    }
#define MKDIR(p, m) OP(OR_MKDIR, .a = p, .x = m)
#define RMDIR(p) OP(OR_RMDIR, .a = p)
#define UNLINK(p) OP(OR_UNLINK, .a = p)
#define RENAME(o, n, f) OP(OR_RENAME, .a = o, .b = n, .x = f)
#define LINK(o, n, f) OP(OR_LINK, .a = o, .b = n, .x = f)
#define SYMLINK(t, p) OP(OR_SYMLINK, .a = t, .b = p)
#define READLINK(p, n) OP(OR_READLINK, .a = p, .x = n)
#define OPEN(s, p, f, m) OP(OR_OPEN, .slot = s, .a = p, .x = f, .y = m)
#define OPENAT(s, d, p, f, m) OP(OR_OPEN, .slot = s, .at = (d) + 1, .a = p, .x = f, .y = m)
#define CLOSE(s) OP(OR_CLOSE, .slot = s)
#define WRITE(s, t) OP(OR_WRITE, .slot = s, .a = t)
#define READ(s, n) OP(OR_READ, .slot = s, .x = n)
#define PREAD(s, n, o) OP(OR_PREAD, .slot = s, .x = n, .y = o)
#define PWRITE(s, t, o) OP(OR_PWRITE, .slot = s, .a = t, .y = o)
#define LSEEK(s, o, w) OP(OR_LSEEK, .slot = s, .x = o, .y = w)
#define FTRUNCATE(s, n) OP(OR_FTRUNCATE, .slot = s, .x = n)
#define TRUNCATE(p, n) OP(OR_TRUNCATE, .a = p, .x = n)
#define STAT(p) OP(OR_STAT, .a = p)
#define STATAT(d, p, f) OP(OR_STAT, .at = (d) + 1, .a = p, .x = f)
#define LSTAT(p) OP(OR_LSTAT, .a = p)
#define FSTAT(s) OP(OR_FSTAT, .slot = s)
#define TIMES(p) OP(OR_TIMES, .a = p)
#define LS(p) OP(OR_LS, .a = p)
#define RM_CONTENT(p) OP(OR_RM_DIR_CONTENT, .a = p)
#define CHMOD(p, m, f) OP(OR_CHMOD, .a = p, .x = m, .y = f)
#define FCHMOD(s, m) OP(OR_FCHMOD, .slot = s, .x = m)
#define CHOWN(p, u, g) OP(OR_CHOWN, .a = p, .x = u, .y = g)
#define LCHOWN(p, u, g) OP(OR_CHOWN, .a = p, .x = u, .y = g, .z = 1)
#define ACCESS(p, m, f) OP(OR_ACCESS, .a = p, .x = m, .y = f)
#define CHDIR(p) OP(OR_CHDIR, .a = p)
#define FCHDIR(s) OP(OR_FCHDIR, .slot = s)
#define GETCWD() OP(OR_GETCWD)
#define UTIMENS(p, as, an, ms, mn, f)                                                              \
    OP(OR_UTIMENS, .a = p, .x = as, .xn = an, .y = ms, .yn = mn, .z = f)
#define FUTIMENS(s, as, an, ms, mn) OP(OR_UTIMENS, .slot = s, .x = as, .xn = an, .y = ms, .yn = mn)
#define DUP(s, s2) OP(OR_DUP, .slot = s, .slot2 = s2)
#define DUP2(s, s2) OP(OR_DUP2, .slot = s, .slot2 = s2)
#define DUP3(s, s2, f) OP(OR_DUP3, .slot = s, .slot2 = s2, .x = f)
#define FCNTL(s, c, a) OP(OR_FCNTL, .slot = s, .x = c, .y = a)
#define FCNTL_DUP(s, c, a, s2) OP(OR_FCNTL, .slot = s, .x = c, .y = a, .slot2 = s2)
#define FSYNC(s) OP(OR_FSYNC, .slot = s)
#define MKDIRAT(d, p, m) OP(OR_MKDIRAT, .at = (d) + 1, .a = p, .x = m)
#define UNLINKAT(d, p, f) OP(OR_UNLINKAT, .at = (d) + 1, .a = p, .x = f)
#define WRITEFILE(p, t) OP(OR_WRITEFILE, .a = p, .b = t)
#define CAT(p) OP(OR_CAT, .a = p)
#define WRITEV(s, a_, b_) OP(OR_WRITEV, .slot = s, .a = a_, .b = b_, .y = -2)
#define PWRITEV(s, a_, b_, o) OP(OR_WRITEV, .slot = s, .a = a_, .b = b_, .y = o)
#define READV(s, n1, n2) OP(OR_READV, .slot = s, .x = n1, .xn = n2, .y = -2)
#define PREADV(s, n1, n2, o) OP(OR_READV, .slot = s, .x = n1, .xn = n2, .y = o)
#define COPY(si, oi, so, oo, n, f)                                                                 \
    OP(OR_COPY, .slot = si, .y = oi, .slot2 = so, .z = oo, .x = n, .xn = f)
#define FADVISE(s, o, l, a_) OP(OR_FADVISE, .slot = s, .x = o, .y = l, .z = a_)
#define STATX(p, f, m) OP(OR_STATX, .a = p, .x = f, .y = m)
#define END OP(OR_END)

#define RW (O_RDWR | O_CREAT)
#define WC (O_WRONLY | O_CREAT)

static const struct oracle_op mkdir_rmdir[] = {MKDIR("d", 0755),
                                               MKDIR("d", 0755),
                                               MKDIR("d/", 0755),
                                               MKDIR("x/y", 0755),
                                               MKDIR("d/e/", 0777),
                                               STAT("d"),
                                               STAT("d/e"),
                                               RMDIR("d"),
                                               RMDIR("d/e/."),
                                               RMDIR("d/e/.."),
                                               RMDIR("."),
                                               RMDIR(".."),
                                               RMDIR("d/e/"),
                                               STAT("d"),
                                               WRITEFILE("f", "x"),
                                               RMDIR("f"),
                                               MKDIR("f/x", 0755),
                                               RMDIR("f/"),
                                               MKDIR("f", 0755),
                                               RMDIR("nothing"),
                                               RMDIR("d/nothing/x"),
                                               MKDIR("s", 01777),
                                               STAT("s"),
                                               MKDIR("g", 02755),
                                               STAT("g"),
                                               MKDIR("", 0755),
                                               RMDIR(""),
                                               RMDIR("d"),
                                               STAT("d"),
                                               LS("."),
                                               END};

static const struct oracle_op unlink_ops[] = {WRITEFILE("f", "hello"),
                                              UNLINK("f"),
                                              UNLINK("f"),
                                              MKDIR("d", 0755),
                                              UNLINK("d"),
                                              UNLINK("d/"),
                                              WRITEFILE("f", "x"),
                                              UNLINK("f/"),
                                              SYMLINK("d", "l"),
                                              UNLINK("l/"),
                                              RMDIR("l/"),
                                              RMDIR("l"),
                                              UNLINK("l"),
                                              STAT("d"),
                                              UNLINK(""),
                                              UNLINK("nothing/x"),
                                              UNLINK("f/x"),
                                              UNLINK("."),
                                              UNLINK(".."),
                                              UNLINK("d/.."),
                                              UNLINKAT(-1, "d", 0),
                                              UNLINKAT(-1, "d", AT_REMOVEDIR),
                                              UNLINKAT(-1, "f", 0x1000),
                                              LS("."),
                                              END};

static const struct oracle_op open_ops[] = {OPEN(0, "nofile", O_RDONLY, 0),
                                            OPEN(0, "f", WC | O_EXCL, 0644),
                                            WRITE(0, "hello"),
                                            CLOSE(0),
                                            CLOSE(0),
                                            OPEN(0, "f", WC | O_EXCL, 0644),
                                            OPEN(0, "f", O_RDONLY | O_DIRECTORY, 0),
                                            OPEN(0, "f/", O_RDONLY, 0),
                                            OPEN(0, "new/", WC, 0644),
                                            MKDIR("d", 0755),
                                            OPEN(0, "d", O_WRONLY, 0),
                                            OPEN(0, "d", O_RDWR, 0),
                                            OPEN(0, "d", O_RDONLY | O_CREAT, 0644),
                                            OPEN(0, "d", O_RDONLY | O_TRUNC, 0),
                                            OPEN(0, "d", O_RDONLY, 0),
                                            FSTAT(0),
                                            CLOSE(0),
                                            OPEN(0, "d/", O_RDONLY | O_DIRECTORY, 0),
                                            CLOSE(0),
                                            SYMLINK("f", "l"),
                                            OPEN(0, "l", O_RDONLY | O_NOFOLLOW, 0),
                                            OPEN(0, "l", O_PATH | O_NOFOLLOW, 0),
                                            FSTAT(0),
                                            READ(0, 4),
                                            FCNTL(0, F_GETFL, 0),
                                            CLOSE(0),
                                            OPEN(0, "l", O_RDONLY, 0),
                                            READ(0, 100),
                                            READ(0, 100),
                                            CLOSE(0),
                                            SYMLINK("nowhere", "dl"),
                                            OPEN(0, "dl", WC | O_EXCL, 0644),
                                            OPEN(0, "dl", WC, 0600),
                                            CLOSE(0),
                                            STAT("nowhere"),
                                            OPEN(0, "f", O_WRONLY | O_TRUNC, 0),
                                            FSTAT(0),
                                            FCNTL(0, F_GETFL, 0),
                                            FCNTL(0, F_GETFD, 0),
                                            CLOSE(0),
                                            OPEN(1, "f", O_RDWR | O_APPEND | O_CLOEXEC, 0),
                                            FCNTL(1, F_GETFL, 0),
                                            FCNTL(1, F_GETFD, 0),
                                            OPEN(2, "f", O_RDONLY | O_NONBLOCK | O_NOATIME, 0),
                                            FCNTL(2, F_GETFL, 0),
                                            OPEN(3, "d", O_PATH | O_DIRECTORY, 0),
                                            FCNTL(3, F_GETFL, 0),
                                            OPEN(4, "", O_RDONLY, 0),
                                            OPEN(4, "f", O_WRONLY | O_TMPFILE, 0600),
                                            OPENAT(5, 3, "newfile", WC, 0640),
                                            STAT("d/newfile"),
                                            OPENAT(6, 1, "x", O_RDONLY, 0),
                                            OPEN(7, "f", 3, 0),
                                            READ(7, 1),
                                            WRITE(7, "x"),
                                            FSTAT(7),
                                            END};

static const struct oracle_op rw_ops[] = {OPEN(0, "f", RW, 0644),
                                          WRITE(0, "hello world"),
                                          LSEEK(0, 0, SEEK_CUR),
                                          LSEEK(0, 0, SEEK_SET),
                                          READ(0, 5),
                                          LSEEK(0, 0, SEEK_END),
                                          LSEEK(0, -1, SEEK_SET),
                                          LSEEK(0, -20, SEEK_END),
                                          LSEEK(0, 100, SEEK_SET),
                                          WRITE(0, "x"),
                                          FSTAT(0),
                                          PREAD(0, 4, 0),
                                          PREAD(0, 4, 12),
                                          PREAD(0, 4, -1),
                                          PREAD(0, 10, 200),
                                          LSEEK(0, 5, SEEK_DATA),
                                          LSEEK(0, 200, SEEK_DATA),
                                          LSEEK(0, 5, SEEK_HOLE),
                                          LSEEK(0, -1, SEEK_HOLE),
                                          LSEEK(0, 0, 7),
                                          OPEN(1, "f", O_WRONLY | O_APPEND, 0),
                                          LSEEK(1, 0, SEEK_SET),
                                          WRITE(1, "end"),
                                          LSEEK(1, 0, SEEK_CUR),
                                          PWRITE(1, "Z", 0),
                                          FSTAT(1),
                                          PREAD(0, 200, 0),
                                          READ(1, 1),
                                          OPEN(2, "f", O_RDONLY, 0),
                                          WRITE(2, "no"),
                                          PWRITE(2, "no", 0),
                                          FTRUNCATE(0, 3),
                                          FSTAT(0),
                                          FTRUNCATE(2, 1),
                                          FTRUNCATE(0, -1),
                                          TRUNCATE("f", 10),
                                          CAT("f"),
                                          TRUNCATE("f", -1),
                                          TRUNCATE("nofile", 1),
                                          MKDIR("d", 0755),
                                          TRUNCATE("d", 0),
                                          OPEN(3, "d", O_RDONLY, 0),
                                          READ(3, 1),
                                          LSEEK(3, 0, SEEK_END),
                                          LSEEK(3, 0, SEEK_SET),
                                          FTRUNCATE(3, 0),
                                          DUP(0, 4),
                                          LSEEK(0, 2, SEEK_SET),
                                          LSEEK(4, 0, SEEK_CUR),
                                          READ(4, 2),
                                          LSEEK(0, 0, SEEK_CUR),
                                          CLOSE(0),
                                          READ(4, 10),
                                          CLOSE(4),
                                          READ(4, 1),
                                          WRITE(4, "x"),
                                          PWRITE(0, "a", 1),
                                          OPEN(5, "big", RW, 0644),
                                          WRITE(5, "head"),
                                          PWRITE(5, "tail", 5000),
                                          FSTAT(5),
                                          PREAD(5, 8, 4996),
                                          FTRUNCATE(5, 8193),
                                          PREAD(5, 8, 8188),
                                          FTRUNCATE(5, 0),
                                          FSTAT(5),
                                          WRITE(5, ""),
                                          FSYNC(5),
                                          FSYNC(3),
                                          END};

static const struct oracle_op rename_ops[] = {WRITEFILE("a", "A"),
                                              WRITEFILE("b", "B"),
                                              RENAME("a", "b", 0),
                                              STAT("a"),
                                              CAT("b"),
                                              RENAME("nothing", "c", 0),
                                              MKDIR("d1", 0755),
                                              MKDIR("d2", 0755),
                                              WRITEFILE("d2/x", ""),
                                              RENAME("d1", "d2", 0),
                                              RENAME("d1", "b", 0),
                                              RENAME("b", "d1", 0),
                                              RENAME("d1", "d1/sub", 0),
                                              MKDIR("d1/s", 0755),
                                              RENAME("d1", "d1/s/t", 0),
                                              RENAME("d1/s", "d1", 0),
                                              RENAME("d1/s", "d3", 0),
                                              STAT("d1"),
                                              STAT("d3"),
                                              RENAME(".", "x", 0),
                                              RENAME("b", ".", 0),
                                              RENAME("b", "..", 0),
                                              RENAME("b/", "c", 0),
                                              RENAME("b", "c/", 0),
                                              RENAME("d3", "d4/", 0),
                                              RENAME("d4/", "d5", 0),
                                              STAT("d5"),
                                              LINK("b", "h", 0),
                                              RENAME("b", "h", 0),
                                              STAT("b"),
                                              STAT("h"),
                                              WRITEFILE("c", "C"),
                                              RENAME("b", "c", RENAME_NOREPLACE),
                                              RENAME("b", "n", RENAME_NOREPLACE),
                                              RENAME("n", "c", RENAME_EXCHANGE),
                                              CAT("n"),
                                              CAT("c"),
                                              RENAME("n", "zz", RENAME_EXCHANGE),
                                              RENAME("n", "c", RENAME_EXCHANGE | RENAME_NOREPLACE),
                                              RENAME("n", "c", 8),
                                              RENAME("n", "d2", RENAME_EXCHANGE),
                                              STAT("n"),
                                              STAT("d2"),
                                              LS("n"),
                                              MKDIR("e1", 0755),
                                              MKDIR("e2", 0755),
                                              RENAME("e1", "e2", 0),
                                              STAT("e1"),
                                              STAT("e2"),
                                              SYMLINK("x", "sl"),
                                              RENAME("sl", "sl2", 0),
                                              READLINK("sl2", 0),
                                              RENAME("d5", "d2/d5", 0),
                                              STAT("d2"),
                                              RENAME("d2/d5", "e2/d5", 0),
                                              STAT("d2"),
                                              STAT("e2"),
                                              RENAME("e2", "e2/d5/x", 0),
                                              RENAME("e2/d5", "e2", 0),
                                              RENAME("c", "c", 0),
                                              RENAME("", "x", 0),
                                              RENAME("c", "", 0),
                                              RENAME("d2/x", "d2/x/y", 0),
                                              LS("."),
                                              END};

static const struct oracle_op link_ops[] = {WRITEFILE("f", "data"),
                                            LINK("f", "g", 0),
                                            STAT("f"),
                                            LINK("f", "g", 0),
                                            MKDIR("d", 0755),
                                            LINK("d", "dd", 0),
                                            LINK("nofile", "z", 0),
                                            LINK("f", "g2/", 0),
                                            LINK("f/", "g3", 0),
                                            LINK("f", "d/f", 0),
                                            STAT("f"),
                                            UNLINK("f"),
                                            STAT("g"),
                                            CAT("d/f"),
                                            SYMLINK("g", "s"),
                                            LINK("s", "s2", 0),
                                            LSTAT("s2"),
                                            LSTAT("s"),
                                            LINK("s", "s3", AT_SYMLINK_FOLLOW),
                                            LSTAT("s3"),
                                            STAT("g"),
                                            LINK("s", "s4", 0x8000),
                                            LINK("f", "nodir/x", 0),
                                            LINK("g", "g", 0),
                                            END};

static const struct oracle_op symlink_ops[] = {SYMLINK("", "l"),
                                               SYMLINK("t", "l"),
                                               SYMLINK("t", "l"),
                                               READLINK("l", 0),
                                               READLINK("l", 1),
                                               WRITEFILE("f", "x"),
                                               READLINK("f", 0),
                                               READLINK("nothing", 0),
                                               STAT("l"),
                                               LSTAT("l"),
                                               SYMLINK("loop1", "loop2"),
                                               SYMLINK("loop2", "loop1"),
                                               STAT("loop1"),
                                               OPEN(0, "loop1", O_RDONLY, 0),
                                               LSTAT("loop1"),
                                               OPEN(0, "loop1", WC, 0644),
                                               MKDIR("d", 0755),
                                               SYMLINK("d", "ld"),
                                               WRITEFILE("d/f", "in d"),
                                               STAT("ld/f"),
                                               LSTAT("ld/"),
                                               LSTAT("ld"),
                                               OPEN(0, "ld", O_RDONLY | O_DIRECTORY, 0),
                                               CLOSE(0),
                                               RMDIR("ld"),
                                               RMDIR("ld/"),
                                               MKDIR("ld", 0755),
                                               MKDIR("ld/", 0755),
                                               MKDIR("a", 0755),
                                               MKDIR("a/b", 0755),
                                               SYMLINK("../f", "a/b/up"),
                                               CAT("a/b/up"),
                                               SYMLINK("a", "la"),
                                               STAT("la/b"),
                                               CAT("la/b/up"),
                                               SYMLINK("la/b/up", "chain"),
                                               CAT("chain"),
                                               SYMLINK("f", "f2"),
                                               STAT("f2/"),
                                               LSTAT("f2/"),
                                               SYMLINK("d/", "ld2"),
                                               STAT("ld2"),
                                               SYMLINK("nowhere/x", "bad"),
                                               STAT("bad"),
                                               SYMLINK("f/x", "bad2"),
                                               STAT("bad2"),
                                               SYMLINK(".", "dot"),
                                               STAT("dot/dot/dot/f"),
                                               SYMLINK("d/f/", "slashfile"),
                                               STAT("slashfile"),
                                               CHDIR("ld"),
                                               GETCWD(),
                                               CHDIR(".."),
                                               GETCWD(),
                                               END};

static const struct oracle_op chmod_ops[] = {WRITEFILE("f", "x"),
                                             STAT("f"),
                                             CHMOD("f", 0755, 0),
                                             STAT("f"),
                                             CHMOD("f", 07777, 0),
                                             STAT("f"),
                                             ACCESS("f", X_OK, 0),
                                             CHMOD("f", 0644, 0),
                                             ACCESS("f", X_OK, 0),
                                             ACCESS("f", R_OK | W_OK, 0),
                                             ACCESS("f", 8, 0),
                                             ACCESS("f", F_OK, 0x8000),
                                             ACCESS("nofile", F_OK, 0),
                                             CHMOD("f", 0100644, 0),
                                             STAT("f"),
                                             SYMLINK("f", "l"),
                                             CHMOD("l", 0600, AT_SYMLINK_NOFOLLOW),
                                             CHMOD("l", 0600, 0),
                                             STAT("f"),
                                             CHMOD("l", 0600, 1),
                                             MKDIR("d", 0700),
                                             ACCESS("d", X_OK, 0),
                                             CHMOD("d", 0, 0),
                                             ACCESS("d", X_OK, 0),
                                             ACCESS("d", R_OK | W_OK, 0),
                                             CHOWN("f", 1000, 2000),
                                             STAT("f"),
                                             CHOWN("f", -1, 3000),
                                             STAT("f"),
                                             CHMOD("f", 06755, 0),
                                             CHOWN("f", -1, -1),
                                             STAT("f"),
                                             CHMOD("f", 06745, 0),
                                             CHOWN("f", 5, -1),
                                             STAT("f"),
                                             LCHOWN("l", 7, 8),
                                             LSTAT("l"),
                                             STAT("l"),
                                             OPEN(0, "f", O_RDONLY, 0),
                                             FCHMOD(0, 0444),
                                             STAT("f"),
                                             OPEN(1, "f", O_PATH, 0),
                                             FCHMOD(1, 0644),
                                             CHMOD("nofile", 0644, 0),
                                             END};

static const struct oracle_op utimens_ops[] = {WRITEFILE("f", "x"),
                                               UTIMENS("f", 100, 5, 200, 7, 0),
                                               TIMES("f"),
                                               UTIMENS("f", 0, UTIME_OMIT, 300, 0, 0),
                                               TIMES("f"),
                                               UTIMENS("f", 400, 0, 0, UTIME_OMIT, 0),
                                               TIMES("f"),
                                               UTIMENS("f", 1, 1000000000, 2, 0, 0),
                                               UTIMENS("f", 1, -1, 2, 0, 0),
                                               UTIMENS("nofile", 0, UTIME_OMIT, 0, UTIME_OMIT, 0),
                                               UTIMENS("nofile", 1, 0, 1, 0, 0),
                                               UTIMENS("f", 1, 0, 1, 0, 0x8000),
                                               SYMLINK("f", "l"),
                                               UTIMENS("l", 50, 0, 60, 0, AT_SYMLINK_NOFOLLOW),
                                               TIMES("l"),
                                               TIMES("f"),
                                               UTIMENS("l", 70, 0, 80, 0, 0),
                                               TIMES("f"),
                                               OPEN(0, "f", O_RDONLY, 0),
                                               FUTIMENS(0, 90, 1, 91, 2),
                                               TIMES("f"),
                                               MKDIR("d", 0755),
                                               UTIMENS("d", 5, 0, 6, 0, 0),
                                               TIMES("d"),
                                               END};

static const struct oracle_op rm_r_ops[] = {MKDIR("d", 0755),
                                            WRITEFILE("d/file-number-00", ""),
                                            WRITEFILE("d/file-number-01", ""),
                                            WRITEFILE("d/file-number-02", ""),
                                            WRITEFILE("d/file-number-03", ""),
                                            WRITEFILE("d/file-number-04", ""),
                                            WRITEFILE("d/file-number-05", ""),
                                            WRITEFILE("d/file-number-06", ""),
                                            WRITEFILE("d/file-number-07", ""),
                                            WRITEFILE("d/file-number-08", ""),
                                            WRITEFILE("d/file-number-09", ""),
                                            WRITEFILE("d/file-number-10", ""),
                                            WRITEFILE("d/file-number-11", ""),
                                            WRITEFILE("d/file-number-12", ""),
                                            WRITEFILE("d/file-number-13", ""),
                                            WRITEFILE("d/file-number-14", ""),
                                            WRITEFILE("d/file-number-15", ""),
                                            WRITEFILE("d/file-number-16", ""),
                                            WRITEFILE("d/file-number-17", ""),
                                            WRITEFILE("d/file-number-18", ""),
                                            WRITEFILE("d/file-number-19", ""),
                                            MKDIR("d/sub1", 0755),
                                            MKDIR("d/sub2", 0755),
                                            STAT("d"),
                                            LS("d"),
                                            RM_CONTENT("d"),
                                            LS("d"),
                                            STAT("d"),
                                            RMDIR("d"),
                                            END};

static const struct oracle_op cwd_ops[] = {MKDIR("a", 0755),
                                           MKDIR("a/b", 0755),
                                           CHDIR("a/b"),
                                           GETCWD(),
                                           CHDIR(".."),
                                           GETCWD(),
                                           CHDIR("nofile"),
                                           WRITEFILE("f", "x"),
                                           CHDIR("f"),
                                           CHDIR("b"),
                                           STAT("."),
                                           RMDIR("../b"),
                                           GETCWD(),
                                           STAT("."),
                                           OPEN(0, "x", WC, 0644),
                                           MKDIR("y", 0755),
                                           LS("."),
                                           CHDIR(".."),
                                           GETCWD(),
                                           STAT("b"),
                                           MKDIR("c", 0755),
                                           OPEN(1, "c", O_RDONLY | O_DIRECTORY, 0),
                                           FCHDIR(1),
                                           GETCWD(),
                                           CHDIR(".."),
                                           OPEN(2, "f", O_RDONLY, 0),
                                           FCHDIR(2),
                                           OPEN(3, "c", O_PATH, 0),
                                           FCHDIR(3),
                                           GETCWD(),
                                           OPENAT(4, 1, "..", O_RDONLY, 0),
                                           FSTAT(4),
                                           STATAT(1, "../f", 0),
                                           STATAT(2, "x", 0),
                                           STATAT(1, "", 0),
                                           STATAT(1, "", AT_EMPTY_PATH),
                                           STATAT(2, "", AT_EMPTY_PATH),
                                           MKDIRAT(1, "m", 0755),
                                           STAT("m"),
                                           UNLINKAT(1, "m", AT_REMOVEDIR),
                                           END};

static const struct oracle_op fd_ops[] = {OPEN(0, "f", RW, 0644),
                                          FCNTL(0, F_GETFD, 0),
                                          FCNTL(0, F_SETFD, FD_CLOEXEC),
                                          FCNTL(0, F_GETFD, 0),
                                          FCNTL(0, F_SETFD, 0),
                                          FCNTL(0, F_GETFD, 0),
                                          FCNTL_DUP(0, F_DUPFD, 10, 1),
                                          FCNTL(1, F_GETFD, 0),
                                          FCNTL_DUP(0, F_DUPFD_CLOEXEC, 20, 2),
                                          FCNTL(2, F_GETFD, 0),
                                          FCNTL(0, F_GETFL, 0),
                                          FCNTL(0, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY),
                                          FCNTL(0, F_GETFL, 0),
                                          FCNTL(1, F_GETFL, 0),
                                          FCNTL(0, F_SETFL, 0),
                                          FCNTL(0, F_GETFL, 0),
                                          FCNTL(0, 9999, 0),
                                          FCNTL_DUP(0, F_DUPFD, -1, 3),
                                          DUP3(0, 0, 0),
                                          DUP3(0, 1, 4),
                                          DUP3(0, 1, O_CLOEXEC),
                                          FCNTL(1, F_GETFD, 0),
                                          DUP2(0, 1),
                                          FCNTL(1, F_GETFD, 0),
                                          DUP2(0, 0),
                                          CLOSE(2),
                                          DUP2(2, 0),
                                          DUP(2, 3),
                                          OPEN(5, ".", O_PATH, 0),
                                          FCNTL(5, F_SETFL, O_APPEND),
                                          FCNTL(5, F_GETFD, 0),
                                          READ(5, 1),
                                          FSTAT(5),
                                          FCHMOD(5, 0700),
                                          FSYNC(5),
                                          LSEEK(5, 0, SEEK_SET),
                                          END};

static const struct oracle_op vector_ops[] = {OPEN(0, "f", RW, 0644),
                                              WRITEV(0, "hello ", "world"),
                                              LSEEK(0, 0, SEEK_CUR),
                                              READV(0, 3, 3),
                                              LSEEK(0, 0, SEEK_SET),
                                              READV(0, 3, 4),
                                              READV(0, 10, 10),
                                              READV(0, 10, 10),
                                              PREADV(0, 2, 2, 1),
                                              LSEEK(0, 0, SEEK_CUR),
                                              PREADV(0, 4, 0, -1),
                                              LSEEK(0, 0, SEEK_CUR),
                                              PWRITEV(0, "AB", "CD", 3),
                                              CAT("f"),
                                              PWRITEV(0, "x", "", -1),
                                              LSEEK(0, 0, SEEK_CUR),
                                              PREADV(0, 1, 1, -5),
                                              OPEN(1, "f", O_RDONLY, 0),
                                              WRITEV(1, "a", "b"),
                                              OPEN(2, "g", RW, 0644),
                                              COPY(0, 0, 2, -1, 100, 0),
                                              LSEEK(2, 0, SEEK_CUR),
                                              CAT("g"),
                                              COPY(0, 2, 2, 20, 3, 0),
                                              FSTAT(2),
                                              PREAD(2, 30, 0),
                                              COPY(0, -1, 2, -1, 5, 0),
                                              LSEEK(0, 0, SEEK_CUR),
                                              COPY(0, 0, 2, 0, 5, 1),
                                              COPY(1, 0, 2, 0, 5, 0),
                                              COPY(2, 0, 1, 0, 5, 0),
                                              COPY(2, 0, 2, 2, 5, 0),
                                              COPY(2, 0, 2, 10, 5, 0),
                                              COPY(0, 100, 2, 0, 5, 0),
                                              MKDIR("d", 0755),
                                              OPEN(3, "d", O_RDONLY, 0),
                                              COPY(3, 0, 2, 0, 5, 0),
                                              OPEN(4, "a", O_WRONLY | O_CREAT | O_APPEND, 0644),
                                              COPY(0, 0, 4, -1, 5, 0),
                                              FADVISE(0, 0, 0, POSIX_FADV_SEQUENTIAL),
                                              FADVISE(0, 0, -1, 0),
                                              FADVISE(0, 0, 0, 9),
                                              FADVISE(3, 0, 10, POSIX_FADV_DONTNEED),
                                              STATX("f", 0, STATX_BASIC_STATS),
                                              STATX("d", 0, STATX_BASIC_STATS),
                                              STATX("f", 0x8000, 0),
                                              STATX("f", 0x6000, 0),
                                              STATX("f", 0, 0x80000000),
                                              STATX("nofile", 0, STATX_BASIC_STATS),
                                              SYMLINK("f", "l"),
                                              STATX("l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS),
                                              STATX("l", 0, STATX_BASIC_STATS),
                                              STATX("", AT_EMPTY_PATH, STATX_BASIC_STATS),
                                              END};

struct section {
    const char *name;
    const struct oracle_op *ops;
};

static const struct section sections[] = {
    {"oracle_mkdir_rmdir", mkdir_rmdir},
    {"oracle_unlink", unlink_ops},
    {"oracle_open", open_ops},
    {"oracle_read_write_seek", rw_ops},
    {"oracle_rename", rename_ops},
    {"oracle_link", link_ops},
    {"oracle_symlink", symlink_ops},
    {"oracle_chmod_chown_access", chmod_ops},
    {"oracle_utimens", utimens_ops},
    {"oracle_readdir_while_removing", rm_r_ops},
    {"oracle_cwd", cwd_ops},
    {"oracle_vectors_copy_statx", vector_ops},
    {"oracle_descriptors", fd_ops},
};

/* ---- the vfs side ---- */

static struct vfs *v;
static int fds[ORACLE_SLOTS];

static int dfd(int at)
{
    return at == 0 ? AT_FDCWD : fds[at - 1];
}

static long st_out(int rc, const struct linux_stat *st, char *out, size_t size)
{
    if (rc < 0)
        return rc;
    oracle_fmt_stat(out, size, st->st_mode, st->st_nlink, st->st_size, st->st_blocks, st->st_uid,
                    st->st_gid);
    return 0;
}

static long list(const char *path, char *out, size_t size)
{
    struct oracle_list *l = malloc(sizeof *l);
    uint64_t bufw[512];
    char *buf = (char *)bufw;
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
    int64_t n;
    if (fd < 0) {
        free(l);
        return fd;
    }
    oracle_list_begin(l);
    while ((n = vfs_getdents64(v, fd, buf, sizeof bufw)) > 0) {
        int64_t off = 0;
        while (off < n) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            oracle_list_add(l, d->d_name, d->d_type);
            off += d->d_reclen;
        }
    }
    vfs_close(v, fd);
    oracle_list_format(l, out, size);
    free(l);
    return n < 0 ? n : 0;
}

static long rm_content(const char *path, char *out, size_t size)
{
    uint64_t bufw[16];
    char *buf = (char *)bufw;
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0), removed = 0;
    int64_t n;
    if (fd < 0)
        return fd;
    while ((n = vfs_getdents64(v, fd, buf, sizeof bufw)) > 0) {
        int64_t off = 0;
        while (off < n) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
                if (vfs_unlinkat(v, fd, d->d_name, d->d_type == DT_DIR ? AT_REMOVEDIR : 0) == 0)
                    removed++;
            }
            off += d->d_reclen;
        }
    }
    vfs_close(v, fd);
    snprintf(out, size, "removed=%d", removed);
    return n < 0 ? n : 0;
}

static long vfs_run(const struct oracle_op *op, char *out, size_t size)
{
    struct linux_stat st;
    static char buf[8192];
    long r;
    out[0] = '\0';
    switch (op->kind) {
    case OR_END:
        return 0;
    case OR_MKDIR:
        return vfs_mkdirat(v, AT_FDCWD, op->a, (uint32_t)op->x);
    case OR_MKDIRAT:
        return vfs_mkdirat(v, dfd(op->at), op->a, (uint32_t)op->x);
    case OR_RMDIR:
        return vfs_unlinkat(v, AT_FDCWD, op->a, AT_REMOVEDIR);
    case OR_UNLINK:
        return vfs_unlinkat(v, AT_FDCWD, op->a, 0);
    case OR_UNLINKAT:
        return vfs_unlinkat(v, dfd(op->at), op->a, (int)op->x);
    case OR_RENAME:
        return vfs_renameat2(v, AT_FDCWD, op->a, AT_FDCWD, op->b, (unsigned)op->x);
    case OR_LINK:
        return vfs_linkat(v, AT_FDCWD, op->a, AT_FDCWD, op->b, (int)op->x);
    case OR_SYMLINK:
        return vfs_symlinkat(v, op->a, AT_FDCWD, op->b);
    case OR_READLINK:
        r = vfs_readlinkat(v, AT_FDCWD, op->a, buf, op->x ? (size_t)op->x : sizeof buf);
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_OPEN:
        r = vfs_openat(v, dfd(op->at), op->a, (int)op->x, (uint32_t)op->y);
        if (r >= 0) {
            if (fds[op->slot] >= 0)
                vfs_close(v, fds[op->slot]);
            fds[op->slot] = (int)r;
        }
        return r;
    case OR_CLOSE:
        r = vfs_close(v, fds[op->slot]);
        fds[op->slot] = -1;
        return r;
    case OR_WRITE:
        return vfs_write(v, fds[op->slot], op->a, strlen(op->a));
    case OR_READ:
        r = vfs_read(v, fds[op->slot], buf, (size_t)op->x);
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_PREAD:
        r = vfs_pread(v, fds[op->slot], buf, (size_t)op->x, op->y);
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    case OR_PWRITE:
        return vfs_pwrite(v, fds[op->slot], op->a, strlen(op->a), op->y);
    case OR_LSEEK:
        return vfs_lseek(v, fds[op->slot], op->x, (int)op->y);
    case OR_FTRUNCATE:
        return vfs_ftruncate(v, fds[op->slot], op->x);
    case OR_TRUNCATE:
        return vfs_truncate(v, op->a, op->x);
    case OR_STAT:
        return st_out(vfs_fstatat(v, dfd(op->at), op->a, &st, (int)op->x), &st, out, size);
    case OR_LSTAT:
        return st_out(vfs_fstatat(v, AT_FDCWD, op->a, &st, AT_SYMLINK_NOFOLLOW), &st, out, size);
    case OR_FSTAT:
        return st_out(vfs_fstat(v, fds[op->slot], &st), &st, out, size);
    case OR_TIMES:
        r = vfs_fstatat(v, AT_FDCWD, op->a, &st, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
            return r;
        oracle_fmt_times(out, size, st.st_atim.tv_sec, st.st_atim.tv_nsec, st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec);
        return 0;
    case OR_LS:
        return list(op->a, out, size);
    case OR_RM_DIR_CONTENT:
        return rm_content(op->a, out, size);
    case OR_CHMOD:
        return vfs_fchmodat(v, AT_FDCWD, op->a, (uint32_t)op->x, (int)op->y);
    case OR_FCHMOD:
        return vfs_fchmod(v, fds[op->slot], (uint32_t)op->x);
    case OR_CHOWN:
        return vfs_fchownat(v, AT_FDCWD, op->a, (uint32_t)op->x, (uint32_t)op->y,
                            op->z ? AT_SYMLINK_NOFOLLOW : 0);
    case OR_ACCESS:
        return vfs_faccessat(v, AT_FDCWD, op->a, (int)op->x, (int)op->y);
    case OR_CHDIR:
        return vfs_chdir(v, op->a);
    case OR_FCHDIR:
        return vfs_fchdir(v, fds[op->slot]);
    case OR_GETCWD:
        r = vfs_getcwd(v, buf, sizeof buf);
        if (r >= 0) {
            strncpy(out, buf, size - 1);
            out[size - 1] = '\0';
            r = 0;
        }
        return r;
    case OR_UTIMENS: {
        struct linux_timespec ts[2] = {{op->x, op->xn}, {op->y, op->yn}};
        if (!op->a)
            return vfs_utimensat(v, fds[op->slot], NULL, ts, 0);
        return vfs_utimensat(v, AT_FDCWD, op->a, ts, (int)op->z);
    }
    case OR_DUP:
        r = vfs_dup(v, fds[op->slot]);
        if (r >= 0)
            fds[op->slot2] = (int)r;
        return r;
    case OR_DUP2:
        return vfs_dup2(v, fds[op->slot], fds[op->slot2]);
    case OR_DUP3:
        return vfs_dup3(v, fds[op->slot], fds[op->slot2], (int)op->x);
    case OR_FCNTL:
        r = vfs_fcntl(v, fds[op->slot], (int)op->x, (unsigned long)op->y);
        if (r >= 0 && (op->x == F_DUPFD || op->x == F_DUPFD_CLOEXEC))
            fds[op->slot2] = (int)r;
        return r;
    case OR_FSYNC:
        return vfs_fsync(v, fds[op->slot], false);
    case OR_WRITEFILE: {
        int fd = vfs_openat(v, AT_FDCWD, op->a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return fd;
        r = vfs_write(v, fd, op->b, strlen(op->b));
        vfs_close(v, fd);
        return r;
    }
    case OR_CAT: {
        int fd = vfs_openat(v, AT_FDCWD, op->a, O_RDONLY, 0);
        int64_t n, total = 0;
        if (fd < 0)
            return fd;
        while ((n = vfs_read(v, fd, buf + total, sizeof buf - (size_t)total)) > 0)
            total += n;
        vfs_close(v, fd);
        if (n < 0)
            return n;
        oracle_fmt_data(out, size, buf, total);
        return 0;
    }
    case OR_WRITEV: {
        struct linux_iovec iov[2] = {{(void *)op->a, strlen(op->a)},
                                     {(void *)op->b, strlen(op->b)}};
        if (op->y < -1)
            return vfs_writev(v, fds[op->slot], iov, 2);
        return vfs_pwritev(v, fds[op->slot], iov, 2, op->y);
    }
    case OR_READV: {
        struct linux_iovec iov[2] = {{buf, (size_t)op->x}, {buf + op->x, (size_t)op->xn}};
        r = op->y < -1 ? vfs_readv(v, fds[op->slot], iov, 2)
                       : vfs_preadv(v, fds[op->slot], iov, 2, op->y);
        if (r >= 0)
            oracle_fmt_data(out, size, buf, r);
        return r;
    }
    case OR_COPY: {
        int64_t in = op->y, outo = op->z;
        r = vfs_copy_file_range(v, fds[op->slot], op->y < 0 ? NULL : &in, fds[op->slot2],
                                op->z < 0 ? NULL : &outo, (size_t)op->x, (unsigned)op->xn);
        if (r >= 0)
            snprintf(out, size, "in=%lld out=%lld", (long long)in, (long long)outo);
        return r;
    }
    case OR_FADVISE:
        return vfs_fadvise(v, fds[op->slot], op->x, op->y, (int)op->z);
    case OR_STATX: {
        struct linux_statx sx;
        r = vfs_statx(v, dfd(op->at), op->a, (int)op->x, (unsigned)op->y, &sx);
        if (r >= 0)
            snprintf(out, size, "mask=%x mode=%o nlink=%u size=%llu blocks=%llu blksize=%u",
                     sx.stx_mask & 0x7ff, sx.stx_mode, sx.stx_nlink,
                     (unsigned long long)sx.stx_size, (unsigned long long)sx.stx_blocks,
                     sx.stx_blksize);
        return r;
    }
    }
    return -ENOSYS;
}

static bool returns_fd(const struct oracle_op *op)
{
    return op->kind == OR_OPEN || op->kind == OR_DUP || op->kind == OR_DUP2 ||
           op->kind == OR_DUP3 ||
           (op->kind == OR_FCNTL && (op->x == F_DUPFD || op->x == F_DUPFD_CLOEXEC));
}

static const char *describe(const struct oracle_op *op)
{
    static char d[256];
    snprintf(d, sizeof d, "op %d (a=%s b=%s x=%ld y=%ld slot=%d)", op->kind, op->a ? op->a : "-",
             op->b ? op->b : "-", op->x, op->y, op->slot);
    return d;
}

static const struct section *current;

/* The vfs a section runs on, and what main does around the sections: a file that
 * includes this one may define them first (vfs-plugins/fs/fs_oracle_test.c runs the
 * sections through the fs plugin and a file-system server). */
#ifndef ORACLE_VFS
#define ORACLE_VFS(section) tl_vfs("ram")
#define ORACLE_BEGIN()
#define ORACLE_END()
#endif

static void run_section(void)
{
    static char hout[ORACLE_OUT], vout[ORACLE_OUT];
    const struct oracle_op *op;
    int i, rc;
    v = ORACLE_VFS(current->name);
    CHECK(v);
    for (i = 0; i < ORACLE_SLOTS; i++)
        fds[i] = -1;
    rc = oracle_host_begin(current->name);
    if (rc < 0) {
        tl_fail(__LINE__, "cannot make a directory on the host's /dev/shm: %s", tl_errname(rc));
        return;
    }
    for (op = current->ops, i = 0; op->kind != OR_END; op++, i++) {
        long h = oracle_host_run(op, hout, sizeof hout);
        long f = vfs_run(op, vout, sizeof vout);
        if (returns_fd(op)) {
            h = h >= 0 ? 0 : h;
            f = f >= 0 ? 0 : f;
        }
        if (h != f || strcmp(hout, vout) != 0) {
            tl_fail(__LINE__, "step %d, %s: Linux gives %ld %s \"%s\", the vfs %ld %s \"%s\"", i,
                    describe(op), h, tl_errname(h), hout, f, tl_errname(f), vout);
            break;
        }
    }
    oracle_host_end();
}

int main(void)
{
    size_t i;
    ORACLE_BEGIN();
    for (i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        current = &sections[i];
        tl_run(current->name, run_section);
    }
    oracle_host_cleanup();
    ORACLE_END();
    return tl_finish();
}
