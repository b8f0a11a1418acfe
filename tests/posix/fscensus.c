/*
 * fscensus: the file and directory system calls of ../shared/data/syscall-census.md,
 * each with success cases whose results are checked (bytes read back, sizes, modes,
 * link counts, directory entries) and error cases with the exact errno Linux gives.
 * The same static binary runs on the Linux host (tests/posix/fscensus-host.sh) and in
 * capix; both must print only PASS lines.
 *
 * Usage: fscensus [DIR [OTHER]]. DIR (default /tmp) must be writable; the program
 * works in a fresh subdirectory DIR/fscensus.PID, with that as its working directory,
 * and removes it at the end. OTHER, if given, is a directory on another file system
 * (it may be read-only): renames and links into it must fail with EXDEV (or EROFS).
 *
 * It passes as root and as an ordinary user: checks of permission denial follow
 * Linux's rule that root bypasses read and write bits, but not X_OK on a file without
 * any execute bit. /dev/null, /dev/zero, /dev/full and /dev/urandom must exist. Pipes
 * are not used.
 *
 * musl 1.2.3 has no wrappers for statx, renameat2 and faccessat2: those go through
 * syscall(), as does one dup3 case that musl's wrapper answers itself; everything else
 * uses musl's wrappers, which on x86_64 issue the legacy calls (open, stat, lstat,
 * mkdir, ...) and the *at calls when a directory descriptor is given.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

/* The kernel's struct statx (include/uapi/linux/stat.h); musl 1.2.3 lacks it. */
struct fscensus_statx_time {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct fscensus_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t spare0;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct fscensus_statx_time stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t spare2[14];
};
#define FSCENSUS_STATX_BASIC_STATS 0x7ffu
#define FSCENSUS_STATX_RESERVED 0x80000000u

static int passed, failed;
static int is_root;
static char workdir[PATH_MAX]; /* absolute path of the working directory */

static void check(const char *name, int ok, const char *detail)
{
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: %s\n", name, detail);
        failed++;
    }
}

/* The call returned -1 with errno e. */
static void check_err(const char *name, long r, int e)
{
    int got = errno;
    char d[128];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s), expected errno %d (%s)", r, got,
             strerror(got), e, strerror(e));
    check(name, r == -1 && got == e, d);
}

/* The call succeeded (returned >= 0). */
static void check_ok(const char *name, long r)
{
    int got = errno;
    char d[96];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s)", r, got, strerror(got));
    check(name, r >= 0, d);
}

static void check_eq(const char *name, long got, long want)
{
    int e = errno;
    char d[128];
    snprintf(d, sizeof(d), "got %ld (errno %d, %s), expected %ld", got, e, strerror(e), want);
    check(name, got == want, d);
}

/* Root-aware: as root the call must succeed, otherwise fail with errno e. */
static void check_denied(const char *name, long r, int e)
{
    if (is_root)
        check_ok(name, r);
    else
        check_err(name, r, e);
}

/* Creates (or truncates) path with mode 0644 and the given contents; 0 or -1. */
static int make_file(const char *path, const char *data)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    size_t n = strlen(data);
    int r = write(fd, data, n) == (ssize_t)n ? 0 : -1;
    close(fd);
    return r;
}

/* Whether the file at path holds exactly data. */
static int file_is(const char *path, const char *data)
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n == (ssize_t)strlen(data) && !memcmp(buf, data, n);
}

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

static long ino_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) ? -1 : (long)st.st_ino;
}

static long nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) ? -1 : (long)st.st_nlink;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int mode_is(const char *path, mode_t type, mode_t perm)
{
    struct stat st;
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type && (st.st_mode & 07777) == perm;
}

static int all_zero(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Removes path and, if it is a directory, everything below it; 0 or -1. */
static int remove_tree(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0);
    fchmodat(dirfd, name, 0700, 0);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    int r = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (remove_tree(fd, e->d_name))
            r = -1;
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR))
        r = -1;
    return r;
}

static void test_open_close(void)
{
    struct stat st;
    umask(022);
    int fd = open("o_file", O_CREAT | O_EXCL | O_WRONLY, 0666);
    check_ok("open_create_excl", fd);
    check("open_create_mode",
          fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 &&
              st.st_size == 0 && st.st_nlink == 1 && st.st_uid == geteuid(),
          "not an empty regular file 0644 owned by the caller");
    check_ok("close", close(fd));
    check_err("close_twice", close(fd), EBADF);
    check_err("close_negative", close(-1), EBADF);
    check_err("fd_unusable_after_close", fcntl(fd, F_GETFD), EBADF);
    int fd2 = open("o_file", O_RDONLY);
    check_eq("open_lowest_free_fd", fd2, fd);
    close(fd2);

    check_err("open_excl_existing", open("o_file", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    check_err("open_missing", open("o_missing", O_RDONLY), ENOENT);
    check_err("open_create_in_missing_dir", open("o_nodir/x", O_CREAT | O_WRONLY, 0644), ENOENT);
    check_err("open_through_file", open("o_file/x", O_RDONLY), ENOTDIR);
    check_err("open_empty_path", open("", O_RDONLY), ENOENT);
    check_err("open_directory_flag_on_file", open("o_file", O_RDONLY | O_DIRECTORY), ENOTDIR);
    check_err("open_dir_wronly", open(".", O_WRONLY), EISDIR);
    check_err("open_dir_rdwr", open(".", O_RDWR), EISDIR);
    check_err("open_create_trailing_slash", open("o_new/", O_CREAT | O_WRONLY, 0644), EISDIR);
    check_err("open_bad_pointer", open((char *)8, O_RDONLY), EFAULT);
    fd = open(".", O_RDONLY | O_DIRECTORY);
    check("open_directory_flag_on_dir", fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
          "not a directory");
    close(fd);

    /* names of 255 bytes are fine, 256 are too long; a path of PATH_MAX too */
    char name[300];
    memset(name, 'n', 255);
    name[255] = 0;
    fd = open(name, O_CREAT | O_WRONLY, 0644);
    check("open_name_255", fd >= 0 && close(fd) == 0 && unlink(name) == 0, strerror(errno));
    name[255] = 'n';
    name[256] = 0;
    check_err("open_name_256", open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    char *longpath = malloc(PATH_MAX + 100);
    for (int i = 0; i < PATH_MAX + 98; i += 2)
        memcpy(longpath + i, "./", 2);
    longpath[PATH_MAX + 98] = 0;
    check_err("open_path_too_long", open(longpath, O_RDONLY), ENAMETOOLONG);
    check_err("stat_path_too_long", stat(longpath, &st), ENAMETOOLONG);
    free(longpath);

    /* O_TRUNC empties, O_CLOEXEC sets the descriptor flag */
    make_file("o_file", "hello");
    fd = open("o_file", O_WRONLY | O_TRUNC | O_CLOEXEC);
    check("open_trunc", fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "not emptied");
    check_eq("open_cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
    close(fd);
    fd = open("o_file", O_RDONLY);
    check_eq("open_no_cloexec", fcntl(fd, F_GETFD), 0);
    close(fd);

    /* openat: relative to a directory descriptor, absolute paths ignore it */
    mkdir("o_dir", 0755);
    int dfd = open("o_dir", O_RDONLY | O_DIRECTORY);
    fd = openat(dfd, "inner", O_CREAT | O_WRONLY, 0600);
    check("openat_create", fd >= 0 && mode_is("o_dir/inner", S_IFREG, 0600),
          "o_dir/inner not created with 0600");
    close(fd);
    fd = openat(dfd, "inner", O_RDONLY);
    check_ok("openat_existing", fd);
    char abs[PATH_MAX + 16];
    snprintf(abs, sizeof(abs), "%s/o_file", workdir);
    fd2 = openat(fd, abs, O_RDONLY);
    check_ok("openat_absolute_ignores_dirfd", fd2);
    close(fd2);
    check_err("openat_file_dirfd", openat(fd, "x", O_RDONLY), ENOTDIR);
    close(fd);
    check_err("openat_bad_dirfd", openat(99, "x", O_RDONLY), EBADF);
    check_err("openat_missing", openat(dfd, "missing", O_RDONLY), ENOENT);
    check_err("openat_excl_existing", openat(dfd, "inner", O_CREAT | O_EXCL | O_RDWR, 0600),
              EEXIST);
    fd = openat(AT_FDCWD, "o_dir/inner", O_RDONLY);
    check_ok("openat_cwd", fd);
    close(fd);
    close(dfd);
}

static void test_read_write(void)
{
    char buf[256];
    struct stat st;
    int fd = open("rw_file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check_eq("write", write(fd, "hello world", 11), 11);
    check_eq("write_zero_bytes", write(fd, "", 0), 0);
    check_eq("lseek_cur_after_write", lseek(fd, 0, SEEK_CUR), 11);
    check_eq("lseek_set", lseek(fd, 0, SEEK_SET), 0);
    check("read", read(fd, buf, 5) == 5 && !memcmp(buf, "hello", 5), "not hello");
    check("read_short_at_end", read(fd, buf, 100) == 6 && !memcmp(buf, " world", 6),
          "not the rest");
    check_eq("read_at_eof", read(fd, buf, 100), 0);
    check_eq("lseek_end", lseek(fd, 0, SEEK_END), 11);
    check_eq("lseek_end_negative", lseek(fd, -5, SEEK_END), 6);
    check_eq("lseek_cur_relative", lseek(fd, 2, SEEK_CUR), 8);
    check_err("lseek_negative_result", lseek(fd, -1, SEEK_SET), EINVAL);
    check_err("lseek_bad_whence", lseek(fd, 0, 7), EINVAL);
    check_err("lseek_bad_fd", lseek(99, 0, SEEK_SET), EBADF);
    check_eq("lseek_seek_data", lseek(fd, 0, SEEK_DATA), 0);
    check_eq("lseek_seek_hole_at_end", lseek(fd, 0, SEEK_HOLE), 11);
    check_err("lseek_seek_data_past_end", lseek(fd, 11, SEEK_DATA), ENXIO);

    /* pread and pwrite leave the offset alone */
    lseek(fd, 3, SEEK_SET);
    check("pread", pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "world", 5), "not world");
    check("pwrite",
          pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 11, 0) == 11 &&
              !memcmp(buf, "hello World", 11),
          "not hello World");
    check_eq("pread_pwrite_keep_offset", lseek(fd, 0, SEEK_CUR), 3);
    check_eq("pread_past_end", pread(fd, buf, 10, 100), 0);
    check_err("pread_negative_offset", pread(fd, buf, 1, -1), EINVAL);
    check_err("pwrite_negative_offset", pwrite(fd, "x", 1, -1), EINVAL);
    check_err("pread_bad_fd", pread(99, buf, 1, 0), EBADF);

    /* a write past the end leaves a hole of zero bytes */
    lseek(fd, 100, SEEK_SET);
    check("write_past_end",
          write(fd, "x", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 101 &&
              pread(fd, buf, 89, 11) == 89 && all_zero(buf, 89),
          "no zero-filled gap");

    /* readv and writev scatter and gather in order */
    ftruncate(fd, 0);
    lseek(fd, 0, SEEK_SET);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    check_eq("writev", writev(fd, wv, 3), 5);
    char a[2], b[10];
    struct iovec rv[2] = {{a, 2}, {b, 10}};
    lseek(fd, 0, SEEK_SET);
    check("readv", readv(fd, rv, 2) == 5 && !memcmp(a, "ab", 2) && !memcmp(b, "cde", 3),
          "not ab|cde");
    check_err("readv_negative_count", readv(fd, rv, -1), EINVAL);
    check_err("readv_count_over_iov_max", readv(fd, rv, 1025), EINVAL);
    check_err("readv_bad_fd", readv(99, rv, 2), EBADF);
    check_err("writev_bad_fd", writev(99, wv, 3), EBADF);
    close(fd);

    int ro = open("rw_file", O_RDONLY), wo = open("rw_file", O_WRONLY);
    check_err("write_on_rdonly", write(ro, "x", 1), EBADF);
    check_err("read_on_wronly", read(wo, buf, 1), EBADF);
    check_err("pwrite_on_rdonly", pwrite(ro, "x", 1, 0), EBADF);
    check_err("writev_on_rdonly", writev(ro, wv, 3), EBADF);
    close(ro);
    close(wo);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_err("read_directory", read(dfd, buf, 1), EISDIR);
    check_err("pread_directory", pread(dfd, buf, 1, 0), EISDIR);
    close(dfd);

    /* O_APPEND: every write lands at the end, wherever the offset was */
    make_file("rw_file", "abc");
    fd = open("rw_file", O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    check("o_append_write_at_end", write(fd, "de", 2) == 2 && file_is("rw_file", "abcde"),
          "not abcde");
    check_eq("o_append_offset_at_end", lseek(fd, 0, SEEK_CUR), 5);
    /* Linux: pwrite on an O_APPEND descriptor appends, ignoring the offset */
    check("pwrite_o_append_appends", pwrite(fd, "f", 1, 0) == 1 && file_is("rw_file", "abcdef"),
          "not abcdef");
    close(fd);

    /* an unlinked file that is open stays readable and writable */
    fd = open("rw_gone", O_CREAT | O_RDWR, 0644);
    write(fd, "still", 5);
    check_ok("unlink_open_file", unlink("rw_gone"));
    check("unlinked_file_readable",
          !exists("rw_gone") && pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "still", 5),
          "contents lost");
    check("unlinked_file_writable",
          pwrite(fd, "here", 4, 5) == 4 && pread(fd, buf, 9, 0) == 9 &&
              !memcmp(buf, "stillhere", 9),
          "write lost");
    check("unlinked_file_nlink_zero", fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 9,
          "nlink not 0 or size not 9");
    close(fd);
}

static void test_stat(void)
{
    struct stat st, st2, dst;
    make_file("s_file", "twelve bytes");
    symlink("s_file", "s_link");
    mkdir("s_dir", 0750);
    int fd = open("s_file", O_RDONLY);
    check("fstat",
          fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 &&
              st.st_size == 12 && st.st_nlink == 1 && st.st_uid == geteuid() && st.st_blksize > 0,
          "wrong type, mode, size, nlink or owner");
    check_err("fstat_bad_fd", fstat(99, &st), EBADF);
    check("stat", stat("s_file", &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == 12,
          "differs from fstat");
    check("stat_ino_stable", stat("s_file", &st2) == 0 && st2.st_ino == st.st_ino,
          "st_ino changed");
    check("stat_follows_symlink", stat("s_link", &st2) == 0 && st2.st_ino == st.st_ino,
          "not the target");
    check_err("stat_missing", stat("s_missing", &st2), ENOENT);
    check_err("stat_through_file", stat("s_file/x", &st2), ENOTDIR);
    check_err("stat_empty_path", stat("", &st2), ENOENT);
    check("stat_dir",
          stat("s_dir", &dst) == 0 && S_ISDIR(dst.st_mode) && (dst.st_mode & 07777) == 0750 &&
              dst.st_nlink == 2,
          "not a directory 0750 with 2 links");
    check("st_dev_same_in_directory",
          stat(".", &st2) == 0 && st2.st_dev == st.st_dev && dst.st_dev == st.st_dev,
          "st_dev differs");
    check("lstat_symlink",
          lstat("s_link", &st2) == 0 && S_ISLNK(st2.st_mode) && st2.st_size == 6 &&
              st2.st_ino != st.st_ino,
          "not a symlink of size 6");
    check("lstat_regular", lstat("s_file", &st2) == 0 && st2.st_ino == st.st_ino,
          "differs from stat");
    check_err("lstat_missing", lstat("s_missing", &st2), ENOENT);
    check_err("lstat_through_file", lstat("s_file/x", &st2), ENOTDIR);
    symlink("s_dir", "s_dirlink");
    check("lstat_trailing_slash_follows", lstat("s_dirlink/", &st2) == 0 && S_ISDIR(st2.st_mode),
          "not the directory");

    /* `..` of the root is the root */
    struct stat root, up;
    check("root_dotdot_is_root",
          stat("/", &root) == 0 && stat("/..", &up) == 0 && root.st_ino == up.st_ino &&
              root.st_dev == up.st_dev && S_ISDIR(root.st_mode),
          "differs");
    int rfd = open("/", O_RDONLY | O_DIRECTORY);
    check("newfstatat_root_dotdot",
          fstatat(rfd, "..", &up, 0) == 0 && root.st_ino == up.st_ino && root.st_dev == up.st_dev,
          "differs");
    close(rfd);

    /* newfstatat: a directory descriptor and a relative name */
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check("newfstatat", fstatat(dfd, "s_file", &st2, 0) == 0 && st2.st_ino == st.st_ino,
          "differs from fstat");
    check("newfstatat_follows", fstatat(dfd, "s_link", &st2, 0) == 0 && S_ISREG(st2.st_mode),
          "not the target");
    check("newfstatat_nofollow",
          fstatat(dfd, "s_link", &st2, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st2.st_mode),
          "not the link");
    check_err("newfstatat_bad_flags", fstatat(dfd, "s_file", &st2, 0x1), EINVAL);
    check_err("newfstatat_bad_dirfd", fstatat(99, "s_file", &st2, 0), EBADF);
    check_err("newfstatat_file_dirfd", fstatat(fd, "x", &st2, 0), ENOTDIR);
    check_err("newfstatat_missing", fstatat(dfd, "s_missing", &st2, 0), ENOENT);

    /* statx */
    struct fscensus_statx sx;
    memset(&sx, 0xff, sizeof(sx));
    long r = syscall(SYS_statx, dfd, "s_file", 0, FSCENSUS_STATX_BASIC_STATS, &sx);
    check("statx",
          r == 0 && (sx.stx_mask & FSCENSUS_STATX_BASIC_STATS) == FSCENSUS_STATX_BASIC_STATS &&
              S_ISREG(sx.stx_mode) && (sx.stx_mode & 07777) == 0644 && sx.stx_size == 12 &&
              sx.stx_ino == st.st_ino && sx.stx_nlink == 1 && sx.stx_uid == st.st_uid &&
              sx.stx_dev_major == major(st.st_dev) && sx.stx_dev_minor == minor(st.st_dev) &&
              sx.stx_mtime.tv_sec == st.st_mtim.tv_sec &&
              sx.stx_mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec,
          "differs from fstat");
    r = syscall(SYS_statx, dfd, "s_link", AT_SYMLINK_NOFOLLOW, FSCENSUS_STATX_BASIC_STATS, &sx);
    check("statx_nofollow", r == 0 && S_ISLNK(sx.stx_mode) && sx.stx_size == 6, "not the link");
    r = syscall(SYS_statx, fd, "", AT_EMPTY_PATH, FSCENSUS_STATX_BASIC_STATS, &sx);
    check("statx_empty_path", r == 0 && sx.stx_ino == st.st_ino, "not the open file");
    check_err("statx_missing",
              syscall(SYS_statx, dfd, "s_missing", 0, FSCENSUS_STATX_BASIC_STATS, &sx), ENOENT);
    check_err("statx_reserved_mask",
              syscall(SYS_statx, dfd, "s_file", 0, FSCENSUS_STATX_RESERVED, &sx), EINVAL);
    check_err("statx_bad_flags", syscall(SYS_statx, dfd, "s_file", 0x1, 0x7ff, &sx), EINVAL);
    check_err("statx_bad_dirfd", syscall(SYS_statx, 99, "s_file", 0, 0x7ff, &sx), EBADF);
    close(dfd);
    close(fd);
}

#define SEEN_MAX 16

/* One entry getdents64 returned. */
struct dirent_seen {
    char name[256];
    unsigned char type;
    uint64_t ino;
};

/* Reads the directory at fd to its end, keeping the first max entries in seen; returns
 * how many entries there were, or -1. */
static int read_dir(int fd, struct dirent_seen *seen, int max)
{
    char buf[4096];
    int n = 0;
    /* bounded, so that a broken getdents64 fails the check instead of hanging */
    for (int calls = 0; calls < 1000; calls++) {
        long len = getdents(fd, (struct dirent *)buf, sizeof(buf));
        if (len < 0)
            return -1;
        if (len == 0)
            return n;
        for (long off = 0; off < len;) {
            struct dirent *e = (struct dirent *)(buf + off);
            if (e->d_reclen == 0)
                return -1;
            if (n < max) {
                snprintf(seen[n].name, sizeof(seen[n].name), "%s", e->d_name);
                seen[n].type = e->d_type;
                seen[n].ino = e->d_ino;
            }
            n++;
            off += e->d_reclen;
        }
    }
    return -1;
}

/* The entry called name among the first n of s (at most SEEN_MAX), or NULL. */
static const struct dirent_seen *find_seen(const struct dirent_seen *s, int n, const char *name)
{
    for (int i = 0; i < n && i < SEEN_MAX; i++)
        if (!strcmp(s[i].name, name))
            return &s[i];
    return NULL;
}

static void test_directories(void)
{
    check_ok("mkdir", mkdir("d_a", 0755));
    check("mkdir_mode", mode_is("d_a", S_IFDIR, 0755) && nlink_of("d_a") == 2,
          "not a directory 0755 with 2 links");
    check_err("mkdir_existing", mkdir("d_a", 0755), EEXIST);
    make_file("d_file", "x");
    check_err("mkdir_over_file", mkdir("d_file", 0755), EEXIST);
    check_err("mkdir_missing_parent", mkdir("d_none/x", 0755), ENOENT);
    check_err("mkdir_through_file", mkdir("d_file/x", 0755), ENOTDIR);
    char name[300];
    memset(name, 'm', 256);
    name[256] = 0;
    check_err("mkdir_name_256", mkdir(name, 0755), ENAMETOOLONG);
    check("mkdir_subdir_links_parent", mkdir("d_a/sub", 0700) == 0 && nlink_of("d_a") == 3,
          "parent st_nlink not 3");
    check("mkdir_trailing_slash", mkdir("d_b/", 0755) == 0 && mode_is("d_b", S_IFDIR, 0755),
          "not created");
    mode_t old = umask(077);
    check("mkdir_umask", mkdir("d_c", 0777) == 0 && mode_is("d_c", S_IFDIR, 0700),
          "mode not 0700 under umask 077");
    int fd = open("d_umask_file", O_CREAT | O_WRONLY, 0666);
    close(fd);
    check("umask_applies_to_open", mode_is("d_umask_file", S_IFREG, 0600), "mode not 0600");
    check_eq("umask_returns_previous", umask(old), 077);
    check_eq("umask_set_back", umask(old), old);

    int dfd = open("d_a", O_RDONLY | O_DIRECTORY);
    check("mkdirat", mkdirat(dfd, "sub2", 0710) == 0 && mode_is("d_a/sub2", S_IFDIR, 0710),
          "d_a/sub2 not created with 0710");
    check_err("mkdirat_existing", mkdirat(dfd, "sub2", 0700), EEXIST);
    check_err("mkdirat_bad_dirfd", mkdirat(99, "x", 0700), EBADF);
    int ffd = open("d_file", O_RDONLY);
    check_err("mkdirat_file_dirfd", mkdirat(ffd, "x", 0700), ENOTDIR);
    check_err("mkdirat_missing_parent", mkdirat(dfd, "none/x", 0700), ENOENT);

    check_err("rmdir_not_empty", rmdir("d_a"), ENOTEMPTY);
    check("rmdir", rmdir("d_a/sub") == 0 && !exists("d_a/sub") && nlink_of("d_a") == 3,
          "still there or parent st_nlink not back to 3");
    check_err("rmdir_missing", rmdir("d_a/sub"), ENOENT);
    check_err("rmdir_file", rmdir("d_file"), ENOTDIR);
    check_err("rmdir_dot", rmdir("d_a/."), EINVAL);
    check_err("rmdir_dotdot", rmdir("d_a/sub2/.."), ENOTEMPTY);
    check_ok("rmdir_trailing_slash", rmdir("d_b/"));
    check_err("rmdir_through_file", rmdir("d_file/x"), ENOTDIR);

    /* getdents64: names, types and inode numbers */
    mkdir("d_list", 0755);
    make_file("d_list/a", "1");
    make_file("d_list/b", "2");
    mkdir("d_list/c", 0755);
    symlink("a", "d_list/l");
    int lfd = open("d_list", O_RDONLY | O_DIRECTORY);
    struct dirent_seen seen[SEEN_MAX];
    int n = read_dir(lfd, seen, SEEN_MAX);
    const struct dirent_seen *dot = find_seen(seen, n, "."), *dotdot = find_seen(seen, n, ".."),
                             *ea = find_seen(seen, n, "a"), *eb = find_seen(seen, n, "b"),
                             *ec = find_seen(seen, n, "c"), *el = find_seen(seen, n, "l");
    check("getdents64_names", n == 6 && dot && dotdot && ea && eb && ec && el,
          "not exactly . .. a b c l");
    check("getdents64_types",
          n == 6 && dot && dotdot && ea && eb && ec && el && dot->type == DT_DIR &&
              dotdot->type == DT_DIR && ea->type == DT_REG && eb->type == DT_REG &&
              ec->type == DT_DIR && el->type == DT_LNK,
          "wrong d_type");
    check("getdents64_ino",
          ea && ec && dot && (long)ea->ino == ino_of("d_list/a") &&
              (long)ec->ino == ino_of("d_list/c") && (long)dot->ino == ino_of("d_list"),
          "d_ino differs from st_ino");
    char buf[1024];
    check_eq("getdents64_end", getdents(lfd, (struct dirent *)buf, sizeof(buf)), 0);
    check("getdents64_rewind", lseek(lfd, 0, SEEK_SET) == 0 && read_dir(lfd, seen, SEEN_MAX) == 6,
          "not the same 6 entries again");
    check_err("getdents64_buffer_too_small", getdents(dfd, (struct dirent *)buf, 1), EINVAL);
    check_err("getdents64_on_file", getdents(ffd, (struct dirent *)buf, sizeof(buf)), ENOTDIR);
    check_err("getdents64_bad_fd", getdents(99, (struct dirent *)buf, sizeof(buf)), EBADF);
    close(lfd);
    mkdir("d_empty", 0755);
    lfd = open("d_empty", O_RDONLY | O_DIRECTORY);
    n = read_dir(lfd, seen, SEEN_MAX);
    check("getdents64_empty_dir", n == 2 && find_seen(seen, n, ".") && find_seen(seen, n, ".."),
          "not . and .. only");
    close(lfd);
    close(ffd);
    close(dfd);

    /* reading a directory while removing each entry read: every file seen once */
    mkdir("d_many", 0755);
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "d_many/file%02d", i);
        make_file(name, "");
    }
    unsigned char count[50] = {0};
    int others = 0, calls = 0, bad = 0;
    dfd = open("d_many", O_RDONLY | O_DIRECTORY);
    for (; calls < 1000; calls++) {
        long len = getdents(dfd, (struct dirent *)buf, 100);
        if (len <= 0) {
            bad |= len < 0;
            break;
        }
        for (long off = 0; off < len;) {
            struct dirent *e = (struct dirent *)(buf + off);
            int i;
            if (e->d_reclen == 0) {
                bad = 1;
                break;
            }
            if (sscanf(e->d_name, "file%02d", &i) == 1 && i >= 0 && i < 50) {
                count[i]++;
                if (unlinkat(dfd, e->d_name, 0))
                    bad = 1;
            } else if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                others++;
            }
            off += e->d_reclen;
        }
    }
    int once = 0;
    for (int i = 0; i < 50; i++)
        once += count[i] == 1;
    snprintf(name, sizeof(name), "%d of 50 seen once, %d unknown, %d calls, error %d", once, others,
             calls, bad);
    check("getdents64_while_unlinking", once == 50 && !others && !bad && calls > 5, name);
    lseek(dfd, 0, SEEK_SET);
    n = read_dir(dfd, seen, SEEN_MAX);
    check("getdents64_after_unlinking", n == 2, "directory not empty");
    close(dfd);
    check_ok("rmdir_emptied", rmdir("d_many"));
}

static void test_links(void)
{
    struct stat st, st2;
    char buf[64];
    make_file("l_file", "linked");
    long ino = ino_of("l_file");
    check_ok("link", link("l_file", "l_hard"));
    check("link_shares_inode",
          ino_of("l_hard") == ino && nlink_of("l_file") == 2 && nlink_of("l_hard") == 2,
          "st_ino differs or st_nlink not 2");
    int fd = open("l_hard", O_WRONLY | O_APPEND);
    write(fd, "!", 1);
    close(fd);
    check("link_shares_data", file_is("l_file", "linked!"), "write through the link not seen");
    check_err("link_existing", link("l_file", "l_hard"), EEXIST);
    check_err("link_missing", link("l_missing", "l_x"), ENOENT);
    check_err("link_into_missing_dir", link("l_file", "l_none/x"), ENOENT);
    mkdir("l_dir", 0755);
    check_err("link_directory", link("l_dir", "l_dir2"), EPERM);
    check("unlink_one_link",
          unlink("l_file") == 0 && nlink_of("l_hard") == 1 && file_is("l_hard", "linked!"),
          "other name lost or st_nlink not 1");
    check_err("unlink_missing", unlink("l_file"), ENOENT);
    check_err("unlink_directory", unlink("l_dir"), EISDIR);
    check_err("unlink_through_file", unlink("l_hard/x"), ENOTDIR);

    int dfd = open("l_dir", O_RDONLY | O_DIRECTORY);
    check("linkat", linkat(AT_FDCWD, "l_hard", dfd, "in", 0) == 0 && ino_of("l_dir/in") == ino,
          "not the same inode");
    symlink("l_hard", "l_sym");
    check("linkat_symlink_follow",
          linkat(AT_FDCWD, "l_sym", dfd, "followed", AT_SYMLINK_FOLLOW) == 0 &&
              ino_of("l_dir/followed") == ino && nlink_of("l_hard") == 3,
          "not a link to the target");
    check("linkat_symlink_nofollow",
          linkat(AT_FDCWD, "l_sym", dfd, "symcopy", 0) == 0 && lstat("l_dir/symcopy", &st) == 0 &&
              S_ISLNK(st.st_mode) && st.st_ino == (ino_t)ino_of("l_sym"),
          "not a link to the symlink");
    check_err("linkat_bad_flags", linkat(AT_FDCWD, "l_hard", dfd, "x", 0x1), EINVAL);
    check_err("linkat_bad_dirfd", linkat(99, "l_hard", dfd, "x", 0), EBADF);
    check_err("linkat_existing", linkat(AT_FDCWD, "l_hard", dfd, "in", 0), EEXIST);

    check_ok("unlinkat", unlinkat(dfd, "in", 0));
    check("unlinkat_gone", !exists("l_dir/in") && nlink_of("l_hard") == 2, "still there");
    mkdir("l_dir/sub", 0755);
    check_err("unlinkat_directory_without_flag", unlinkat(dfd, "sub", 0), EISDIR);
    check("unlinkat_removedir", unlinkat(dfd, "sub", AT_REMOVEDIR) == 0 && !exists("l_dir/sub"),
          "still there");
    check_err("unlinkat_removedir_on_file", unlinkat(dfd, "followed", AT_REMOVEDIR), ENOTDIR);
    check_err("unlinkat_bad_flags", unlinkat(dfd, "followed", 0x1), EINVAL);
    check_err("unlinkat_bad_dirfd", unlinkat(99, "followed", 0), EBADF);
    check_err("unlinkat_missing", unlinkat(dfd, "none", 0), ENOENT);
    check_err("unlinkat_removedir_not_empty", unlinkat(AT_FDCWD, "l_dir", AT_REMOVEDIR), ENOTEMPTY);

    /* symlinks */
    check_ok("symlink", symlink("some/target", "l_s"));
    check("symlink_mode", lstat("l_s", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 11,
          "not a symlink of size 11");
    check_err("symlink_existing", symlink("x", "l_s"), EEXIST);
    check_err("symlink_empty_target", symlink("", "l_empty"), ENOENT);
    check_err("symlink_missing_dir", symlink("x", "l_none/x"), ENOENT);
    memset(buf, 'z', sizeof(buf));
    check("readlink",
          readlink("l_s", buf, sizeof(buf)) == 11 && !memcmp(buf, "some/target", 11) &&
              buf[11] == 'z',
          "not some/target without a terminator");
    check("readlink_truncates", readlink("l_s", buf, 4) == 4 && !memcmp(buf, "some", 4),
          "not some");
    check_err("readlink_not_symlink", readlink("l_hard", buf, sizeof(buf)), EINVAL);
    check_err("readlink_missing", readlink("l_missing", buf, sizeof(buf)), ENOENT);
    check_err("readlink_through_file", readlink("l_hard/x", buf, sizeof(buf)), ENOTDIR);
    check_ok("symlinkat", symlinkat("../l_hard", dfd, "up"));
    check("symlinkat_relative_to_link_dir",
          readlinkat(dfd, "up", buf, sizeof(buf)) == 9 && !memcmp(buf, "../l_hard", 9) &&
              stat("l_dir/up", &st) == 0 && st.st_ino == (ino_t)ino,
          "not resolved relative to the link's directory");
    check_err("symlinkat_existing", symlinkat("x", dfd, "up"), EEXIST);
    check_err("symlinkat_bad_dirfd", symlinkat("x", 99, "x"), EBADF);
    check_err("readlinkat_not_symlink", readlinkat(dfd, "followed", buf, sizeof(buf)), EINVAL);
    check_err("readlinkat_bad_dirfd", readlinkat(99, "up", buf, sizeof(buf)), EBADF);
    check_err("readlinkat_missing", readlinkat(dfd, "none", buf, sizeof(buf)), ENOENT);

    /* loops and O_NOFOLLOW */
    symlink("l_loop2", "l_loop1");
    symlink("l_loop1", "l_loop2");
    symlink("l_self", "l_self");
    check_err("symlink_loop_stat", stat("l_loop1", &st), ELOOP);
    check_err("symlink_loop_open", open("l_loop1", O_RDONLY), ELOOP);
    check_err("symlink_self_loop", open("l_self", O_RDONLY), ELOOP);
    check_err("symlink_loop_in_path", stat("l_loop1/x", &st), ELOOP);
    check_ok("symlink_loop_lstat", lstat("l_loop1", &st));
    check_err("open_nofollow_symlink", open("l_sym", O_RDONLY | O_NOFOLLOW), ELOOP);
    fd = open("l_hard", O_RDONLY | O_NOFOLLOW);
    check_ok("open_nofollow_regular", fd);
    close(fd);
    char chain[16], next[16];
    for (int i = 0; i < 8; i++) {
        snprintf(chain, sizeof(chain), "l_chain%d", i);
        snprintf(next, sizeof(next), i == 7 ? "l_hard" : "l_chain%d", i + 1);
        symlink(next, chain);
    }
    check("symlink_chain_of_8", stat("l_chain0", &st) == 0 && st.st_ino == (ino_t)ino,
          "not resolved");

    /* dangling symlinks: O_CREAT creates the target, O_EXCL refuses the link */
    symlink("l_target", "l_dangling");
    check_err("stat_dangling", stat("l_dangling", &st), ENOENT);
    check("lstat_dangling", lstat("l_dangling", &st) == 0 && S_ISLNK(st.st_mode), "not a link");
    check_err("open_excl_on_symlink", open("l_dangling", O_CREAT | O_EXCL | O_WRONLY, 0644),
              EEXIST);
    fd = open("l_dangling", O_CREAT | O_WRONLY, 0644);
    check("open_creat_through_dangling",
          fd >= 0 && stat("l_target", &st) == 0 && S_ISREG(st.st_mode) &&
              stat("l_dangling", &st2) == 0 && st2.st_ino == st.st_ino,
          "target not created");
    close(fd);
    close(dfd);
}

static long renameat2_call(int od, const char *o, int nd, const char *n, unsigned flags)
{
    return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static void test_rename(void)
{
    make_file("r_a", "A");
    make_file("r_b", "B");
    long ino_a = ino_of("r_a");
    check("rename",
          rename("r_a", "r_c") == 0 && !exists("r_a") && file_is("r_c", "A") &&
              ino_of("r_c") == ino_a,
          "not moved");
    check("rename_over_file",
          rename("r_c", "r_b") == 0 && !exists("r_c") && file_is("r_b", "A") &&
              ino_of("r_b") == ino_a && nlink_of("r_b") == 1,
          "target not replaced");
    link("r_b", "r_b2");
    check("rename_hard_link_onto_itself",
          rename("r_b", "r_b2") == 0 && exists("r_b") && exists("r_b2") && nlink_of("r_b") == 2,
          "a name disappeared");
    unlink("r_b2");
    check_ok("rename_to_itself", rename("r_b", "r_b"));
    check_err("rename_missing", rename("r_missing", "r_x"), ENOENT);
    check_err("rename_into_missing_dir", rename("r_b", "r_none/x"), ENOENT);
    mkdir("r_d", 0755);
    mkdir("r_e", 0755);
    make_file("r_e/f", "F");
    check_err("rename_dir_over_file", rename("r_d", "r_b"), ENOTDIR);
    check_err("rename_file_over_dir", rename("r_b", "r_d"), EISDIR);
    check_err("rename_dir_over_nonempty_dir", rename("r_d", "r_e"), ENOTEMPTY);
    check_err("rename_dir_into_itself", rename("r_e", "r_e/sub"), EINVAL);
    check_err("rename_dot", rename("r_e/.", "r_x"), EBUSY);
    mkdir("r_d2", 0755);
    check("rename_dir_over_empty_dir",
          rename("r_d", "r_d2") == 0 && !exists("r_d") && mode_is("r_d2", S_IFDIR, 0755),
          "not replaced");
    mkdir("r_e/sub", 0755);
    check("rename_dir_moves_subtree",
          rename("r_e", "r_d2/e") == 0 && file_is("r_d2/e/f", "F") && nlink_of("r_d2") == 3,
          "subtree lost or st_nlink of new parent not 3");
    check("rename_dir_dotdot_updated", ino_of("r_d2/e/sub/../..") == ino_of("r_d2"),
          "`..` not the new parent");

    int dfd = open("r_d2", O_RDONLY | O_DIRECTORY);
    check("renameat", renameat(AT_FDCWD, "r_b", dfd, "b") == 0 && file_is("r_d2/b", "A"),
          "not moved");
    check_err("renameat_bad_dirfd", renameat(99, "x", dfd, "y"), EBADF);

    /* renameat2 */
    make_file("r_n1", "1");
    make_file("r_n2", "2");
    check("renameat2_noreplace",
          renameat2_call(AT_FDCWD, "r_n1", dfd, "n1", RENAME_NOREPLACE) == 0 &&
              file_is("r_d2/n1", "1") && !exists("r_n1"),
          "not moved");
    check_err("renameat2_noreplace_existing",
              renameat2_call(dfd, "n1", AT_FDCWD, "r_n2", RENAME_NOREPLACE), EEXIST);
    check("renameat2_noreplace_left_both", file_is("r_d2/n1", "1") && file_is("r_n2", "2"),
          "a file changed");
    check("renameat2_exchange",
          renameat2_call(dfd, "n1", AT_FDCWD, "r_n2", RENAME_EXCHANGE) == 0 &&
              file_is("r_d2/n1", "2") && file_is("r_n2", "1"),
          "not swapped");
    check("renameat2_exchange_file_and_dir",
          renameat2_call(dfd, "e", AT_FDCWD, "r_n2", RENAME_EXCHANGE) == 0 &&
              file_is("r_d2/e", "1") && file_is("r_n2/f", "F"),
          "not swapped");
    check_err("renameat2_exchange_missing",
              renameat2_call(dfd, "n1", AT_FDCWD, "r_missing", RENAME_EXCHANGE), ENOENT);
    check_err("renameat2_both_flags",
              renameat2_call(dfd, "n1", AT_FDCWD, "r_x", RENAME_EXCHANGE | RENAME_NOREPLACE),
              EINVAL);
    check_err("renameat2_unknown_flag", renameat2_call(dfd, "n1", AT_FDCWD, "r_x", 1u << 12),
              EINVAL);
    check("renameat2_no_flags",
          renameat2_call(dfd, "n1", AT_FDCWD, "r_n3", 0) == 0 && file_is("r_n3", "2"), "not moved");
    close(dfd);
}

static void test_cwd(void)
{
    char cwd[PATH_MAX], want[PATH_MAX + 16], buf[PATH_MAX];
    struct stat st, st2;
    check("getcwd", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, workdir), "not the work directory");
    check_err("getcwd_too_small", getcwd(buf, 2) ? 0 : -1, ERANGE);
    mkdir("c_dir", 0755);
    make_file("c_file", "");
    snprintf(want, sizeof(want), "%s/c_dir", cwd);
    check_ok("chdir", chdir("c_dir"));
    check("getcwd_after_chdir", getcwd(buf, sizeof(buf)) && !strcmp(buf, want), buf);
    check("chdir_relative_create",
          make_file("made_here", "h") == 0 && file_is("../c_dir/made_here", "h"),
          "not created in the new directory");
    check("chdir_dotdot", chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, cwd),
          "not back");
    check_err("chdir_missing", chdir("c_missing"), ENOENT);
    check_err("chdir_file", chdir("c_file"), ENOTDIR);
    check_err("chdir_empty", chdir(""), ENOENT);
    check("chdir_root",
          chdir("/") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/") &&
              stat("..", &st) == 0 && stat("/", &st2) == 0 && st.st_ino == st2.st_ino,
          "not / or `..` not /");

    int dfd = open(want, O_RDONLY | O_DIRECTORY);
    check("fchdir", fchdir(dfd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, want),
          "not c_dir");
    close(dfd);
    int ffd = open(cwd, O_RDONLY | O_DIRECTORY);
    check("fchdir_back", fchdir(ffd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, cwd),
          "not the work directory");
    int file = open("c_file", O_RDONLY);
    check_err("fchdir_file", fchdir(file), ENOTDIR);
    check_err("fchdir_bad_fd", fchdir(99), EBADF);
    close(file);

    /* the working directory removed from under us */
    mkdir("c_gone", 0755);
    chdir("c_gone");
    snprintf(want, sizeof(want), "%s/c_gone", cwd);
    check_ok("rmdir_cwd", rmdir(want));
    check_err("getcwd_removed", getcwd(buf, sizeof(buf)) ? 0 : -1, ENOENT);
    check_err("create_in_removed_cwd", open("x", O_CREAT | O_WRONLY, 0644), ENOENT);
    check("stat_removed_cwd", stat(".", &st) == 0 && S_ISDIR(st.st_mode), "not a directory");
    check("fchdir_out_of_removed",
          fchdir(ffd) == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, cwd),
          "not the work directory");
    close(ffd);
}

static long faccessat2_call(int dirfd, const char *path, int mode, int flags)
{
    return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

static void test_access(void)
{
    make_file("a_file", "");
    chmod("a_file", 0644);
    symlink("a_nothing", "a_dangling");
    check_ok("access_exists", access("a_file", F_OK));
    check_ok("access_read_write", access("a_file", R_OK | W_OK));
    check_ok("access_dir_search", access(".", X_OK));
    /* even root: X_OK needs some execute bit on a file */
    check_err("access_no_exec_bit", access("a_file", X_OK), EACCES);
    chmod("a_file", 0100);
    check_ok("access_exec_bit", access("a_file", X_OK));
    chmod("a_file", 0);
    check_denied("access_mode_0_read", access("a_file", R_OK), EACCES);
    check_denied("access_mode_0_write", access("a_file", W_OK), EACCES);
    check_err("access_mode_0_exec", access("a_file", X_OK), EACCES);
    int fd = open("a_file", O_RDONLY);
    check_denied("open_mode_0", fd, EACCES);
    if (fd >= 0)
        close(fd);
    chmod("a_file", 0644);
    mkdir("a_dir", 0755);
    make_file("a_dir/in", "");
    chmod("a_dir", 0600);
    check_denied("access_dir_without_search", access("a_dir/in", F_OK), EACCES);
    struct stat st;
    check_denied("stat_dir_without_search", stat("a_dir/in", &st), EACCES);
    chmod("a_dir", 0755);
    check_err("access_missing", access("a_missing", F_OK), ENOENT);
    check_err("access_dangling", access("a_dangling", F_OK), ENOENT);
    check_err("access_through_file", access("a_file/x", F_OK), ENOTDIR);
    check_err("access_bad_mode", access("a_file", 0100), EINVAL);

    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_ok("faccessat", faccessat(dfd, "a_file", R_OK | W_OK, 0));
    check_err("faccessat_missing", faccessat(dfd, "a_missing", F_OK, 0), ENOENT);
    check_err("faccessat_bad_dirfd", faccessat(99, "a_file", F_OK, 0), EBADF);
    check_err("faccessat_no_exec_bit", faccessat(dfd, "a_file", X_OK, 0), EACCES);
    check_ok("faccessat2", faccessat2_call(dfd, "a_file", R_OK, 0));
    check_ok("faccessat2_eaccess", faccessat2_call(dfd, "a_file", R_OK | W_OK, AT_EACCESS));
    check_ok("faccessat2_nofollow_dangling",
             faccessat2_call(dfd, "a_dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    check_err("faccessat2_follow_dangling", faccessat2_call(dfd, "a_dangling", F_OK, 0), ENOENT);
    check_err("faccessat2_bad_flags", faccessat2_call(dfd, "a_file", F_OK, 0x1), EINVAL);
    check_err("faccessat2_bad_mode", faccessat2_call(dfd, "a_file", 0100, 0), EINVAL);
    check_err("faccessat2_no_exec_bit", faccessat2_call(dfd, "a_file", X_OK, AT_EACCESS), EACCES);
    close(dfd);
}

static void test_fcntl_dup(void)
{
    char buf[16];
    make_file("f_file", "0123456789");
    int fd = open("f_file", O_RDWR);
    check_eq("fcntl_getfd", fcntl(fd, F_GETFD), 0);
    check("fcntl_setfd", fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC,
          "FD_CLOEXEC not set");
    check("fcntl_setfd_clear", fcntl(fd, F_SETFD, 0) == 0 && fcntl(fd, F_GETFD) == 0,
          "FD_CLOEXEC not cleared");
    int fl = fcntl(fd, F_GETFL);
    check("fcntl_getfl", fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & (O_APPEND | O_NONBLOCK)),
          "not O_RDWR alone");
    check("fcntl_setfl_append_nonblock",
          fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
              (fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) ==
                  (O_RDWR | O_APPEND | O_NONBLOCK),
          "flags not set");
    lseek(fd, 0, SEEK_SET);
    check("fcntl_setfl_append_effect", write(fd, "A", 1) == 1 && size_of("f_file") == 11,
          "write not at the end");
    check("fcntl_setfl_keeps_access_mode",
          fcntl(fd, F_SETFL, O_WRONLY) == 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR &&
              !(fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)),
          "access mode changed or flags not cleared");
    check_err("fcntl_unknown_command", fcntl(fd, 12345), EINVAL);
    check_err("fcntl_bad_fd", fcntl(99, F_GETFD), EBADF);

    int d = fcntl(fd, F_DUPFD, 50);
    check("fcntl_dupfd", d >= 50 && fcntl(d, F_GETFD) == 0, "not >= 50 or close-on-exec");
    int d2 = fcntl(fd, F_DUPFD, 50);
    check("fcntl_dupfd_next_free", d2 > d, "not above the previous one");
    close(d2);
    lseek(fd, 2, SEEK_SET);
    check("fcntl_dupfd_shares_offset",
          lseek(d, 0, SEEK_CUR) == 2 && lseek(d, 5, SEEK_SET) == 5 && lseek(fd, 0, SEEK_CUR) == 5,
          "offset not shared");
    close(d);
    d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    check("fcntl_dupfd_cloexec", d > fd && fcntl(d, F_GETFD) == FD_CLOEXEC,
          "no FD_CLOEXEC or not the lowest free");
    close(d);
    check_err("fcntl_dupfd_negative", fcntl(fd, F_DUPFD, -1), EINVAL);
    check_err("fcntl_dupfd_over_limit", fcntl(fd, F_DUPFD, 1 << 30), EINVAL);

    d = dup(fd);
    check("dup", d > fd && fcntl(d, F_GETFD) == 0, "not a new descriptor without FD_CLOEXEC");
    fcntl(d, F_SETFL, O_APPEND);
    check("dup_shares_status_flags", (fcntl(fd, F_GETFL) & O_APPEND) != 0, "O_APPEND not shared");
    fcntl(d, F_SETFL, 0);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    check("dup_own_fd_flags", fcntl(d, F_GETFD) == 0, "FD_CLOEXEC shared");
    close(d);
    check_err("dup_bad_fd", dup(99), EBADF);

    int other = open("f_file", O_RDONLY);
    check_eq("dup2", dup2(fd, other), other);
    lseek(fd, 3, SEEK_SET);
    check("dup2_replaces",
          read(other, buf, 2) == 2 && !memcmp(buf, "34", 2) && fcntl(other, F_GETFD) == 0,
          "not the same open file");
    check_eq("dup2_same_fd", dup2(fd, fd), fd);
    check_err("dup2_bad_oldfd", dup2(99, other), EBADF);
    check_err("dup2_same_bad_fd", dup2(99, 99), EBADF);
    check_eq("dup2_to_high_fd", dup2(fd, 200), 200);
    close(200);
    check_err("dup2_negative_newfd", dup2(fd, -1), EBADF);
    check("dup3_cloexec",
          dup3(fd, other, O_CLOEXEC) == other && fcntl(other, F_GETFD) == FD_CLOEXEC,
          "no FD_CLOEXEC");
    /* musl's dup3 issues dup2 when O_CLOEXEC is not given and refuses old == new itself */
    check("dup3_no_flags", dup3(fd, other, 0) == other && fcntl(other, F_GETFD) == 0,
          "FD_CLOEXEC kept");
    check_err("dup3_same_fd", syscall(SYS_dup3, fd, fd, O_CLOEXEC), EINVAL);
    check_err("dup3_bad_flags", dup3(fd, other, O_CLOEXEC | 0x1), EINVAL);
    check_err("dup3_bad_oldfd", dup3(99, other, 0), EBADF);
    close(other);
    close(fd);
}

static void test_truncate_sync(void)
{
    struct stat st;
    char buf[64];
    make_file("t_file", "hello world");
    int fd = open("t_file", O_RDWR);
    check("ftruncate_grow",
          ftruncate(fd, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000 &&
              pread(fd, buf, 64, 9936) == 64 && all_zero(buf, 64) && pread(fd, buf, 11, 0) == 11 &&
              !memcmp(buf, "hello world", 11),
          "wrong size or contents");
    check("ftruncate_shrink",
          ftruncate(fd, 3) == 0 && size_of("t_file") == 3 && file_is("t_file", "hel"), "not hel");
    check("ftruncate_regrow_zero",
          ftruncate(fd, 6) == 0 && pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "hel\0\0\0", 6),
          "old bytes came back");
    check_eq("ftruncate_keeps_offset", lseek(fd, 0, SEEK_CUR), 0);
    check_err("ftruncate_negative", ftruncate(fd, -1), EINVAL);
    check_err("ftruncate_bad_fd", ftruncate(99, 0), EBADF);
    int ro = open("t_file", O_RDONLY);
    check_err("ftruncate_rdonly", ftruncate(ro, 0), EINVAL);
    close(ro);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_err("ftruncate_directory", ftruncate(dfd, 0), EINVAL);

    check("truncate", truncate("t_file", 1) == 0 && file_is("t_file", "h"), "not h");
    check("truncate_grow", truncate("t_file", 4096) == 0 && size_of("t_file") == 4096, "not 4096");
    check_err("truncate_missing", truncate("t_missing", 0), ENOENT);
    check_err("truncate_directory", truncate(".", 0), EISDIR);
    check_err("truncate_negative", truncate("t_file", -1), EINVAL);
    check_err("truncate_through_file", truncate("t_file/x", 0), ENOTDIR);

    check_ok("fsync", fsync(fd));
    check_ok("fsync_directory", fsync(dfd));
    check_ok("fdatasync", fdatasync(fd));
    check_err("fsync_bad_fd", fsync(99), EBADF);
    check_err("fdatasync_bad_fd", fdatasync(99), EBADF);
    int null = open("/dev/null", O_WRONLY);
    check_err("fsync_dev_null", fsync(null), EINVAL);
    check_err("fdatasync_dev_null", fdatasync(null), EINVAL);
    close(null);
    close(dfd);
    close(fd);
}

static int64_t realtime_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t ts_ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void test_times(void)
{
    struct stat st;
    make_file("u_file", "");
    struct timespec t[2] = {{1000000000, 123456789}, {1200000000, 987654321}};
    check("utimensat_explicit",
          utimensat(AT_FDCWD, "u_file", t, 0) == 0 && stat("u_file", &st) == 0 &&
              st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123456789 &&
              st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 987654321,
          "times not read back");
    /* Linux stamps with a coarse clock that may lag CLOCK_REALTIME by a tick */
    int64_t before = realtime_ns() - 100000000;
    struct timespec t2[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    int r = utimensat(AT_FDCWD, "u_file", t2, 0);
    int64_t after = realtime_ns() + 100000000;
    check("utimensat_now_and_omit",
          r == 0 && stat("u_file", &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
              st.st_atim.tv_nsec == 123456789 && ts_ns(st.st_mtim) >= before &&
              ts_ns(st.st_mtim) <= after,
          "atime changed or mtime not now");
    utimensat(AT_FDCWD, "u_file", t, 0);
    before = realtime_ns() - 100000000;
    r = utimensat(AT_FDCWD, "u_file", NULL, 0);
    after = realtime_ns() + 100000000;
    check("utimensat_null_is_now",
          r == 0 && stat("u_file", &st) == 0 && ts_ns(st.st_atim) >= before &&
              ts_ns(st.st_atim) <= after && ts_ns(st.st_mtim) >= before &&
              ts_ns(st.st_mtim) <= after,
          "not now");
    int fd = open("u_file", O_RDONLY);
    check("futimens",
          futimens(fd, t) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000 &&
              st.st_mtim.tv_nsec == 987654321,
          "times not read back");
    symlink("u_file", "u_link");
    struct stat lst;
    check("utimensat_nofollow",
          utimensat(AT_FDCWD, "u_link", t, AT_SYMLINK_NOFOLLOW) == 0 &&
              lstat("u_link", &lst) == 0 && lst.st_mtim.tv_sec == 1200000000 &&
              lst.st_mtim.tv_nsec == 987654321,
          "link times not set");
    int wfd = open("u_file", O_WRONLY);
    before = realtime_ns() - 100000000;
    check("write_updates_mtime",
          pwrite(wfd, "x", 1, 0) == 1 && stat("u_file", &st) == 0 && ts_ns(st.st_mtim) >= before,
          "mtime not updated");
    close(wfd);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    check_err("utimensat_bad_nsec", utimensat(AT_FDCWD, "u_file", bad, 0), EINVAL);
    check_err("utimensat_missing", utimensat(AT_FDCWD, "u_missing", t, 0), ENOENT);
    check_err("utimensat_bad_flags", utimensat(AT_FDCWD, "u_file", t, 0x1), EINVAL);
    check_err("utimensat_bad_dirfd", utimensat(99, "u_file", t, 0), EBADF);
    check_err("futimens_bad_fd", futimens(99, t), EBADF);
    close(fd);
}

static void test_modes_owners(void)
{
    struct stat st;
    make_file("m_file", "");
    symlink("m_file", "m_link");
    check("chmod", chmod("m_file", 0751) == 0 && mode_is("m_file", S_IFREG, 0751), "mode not 0751");
    check("chmod_special_bits", chmod("m_file", 01755) == 0 && mode_is("m_file", S_IFREG, 01755),
          "mode not 01755");
    check("chmod_ignores_type_bits",
          chmod("m_file", S_IFDIR | 0644) == 0 && mode_is("m_file", S_IFREG, 0644), "type changed");
    check("chmod_follows_symlink",
          chmod("m_link", 0600) == 0 && mode_is("m_file", S_IFREG, 0600) &&
              lstat("m_link", &st) == 0 && S_ISLNK(st.st_mode),
          "target not changed");
    check_err("chmod_missing", chmod("m_missing", 0644), ENOENT);
    check_err("chmod_through_file", chmod("m_file/x", 0644), ENOTDIR);
    int fd = open("m_file", O_RDONLY);
    check("fchmod", fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640,
          "mode not 0640");
    check_err("fchmod_bad_fd", fchmod(99, 0644), EBADF);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check("fchmodat", fchmodat(dfd, "m_file", 0604, 0) == 0 && mode_is("m_file", S_IFREG, 0604),
          "mode not 0604");
    check_err("fchmodat_missing", fchmodat(dfd, "m_missing", 0644, 0), ENOENT);
    check_err("fchmodat_bad_dirfd", fchmodat(99, "m_file", 0644, 0), EBADF);
    mkdir("m_dir", 0755);
    check("chmod_directory", chmod("m_dir", 0711) == 0 && mode_is("m_dir", S_IFDIR, 0711),
          "mode not 0711");

    uid_t uid = getuid();
    gid_t gid = getgid();
    check("chown_self",
          chown("m_file", uid, gid) == 0 && stat("m_file", &st) == 0 && st.st_uid == uid &&
              st.st_gid == gid,
          "owner not the caller");
    check_ok("chown_unchanged", chown("m_file", (uid_t)-1, (gid_t)-1));
    check_err("chown_missing", chown("m_missing", uid, gid), ENOENT);
    check_denied("chown_other_user", chown("m_file", uid + 1, (gid_t)-1), EPERM);
    if (is_root)
        check("chown_other_user_applied", stat("m_file", &st) == 0 && st.st_uid == uid + 1,
              "owner not changed");
    chown("m_file", uid, gid);
    check("fchown", fchown(fd, uid, gid) == 0 && fstat(fd, &st) == 0 && st.st_uid == uid,
          "owner not the caller");
    check_err("fchown_bad_fd", fchown(99, uid, gid), EBADF);
    check("lchown",
          lchown("m_link", uid, gid) == 0 && lstat("m_link", &st) == 0 && st.st_uid == uid,
          "owner not the caller");
    check_err("lchown_missing", lchown("m_missing", uid, gid), ENOENT);
    check_ok("fchownat", fchownat(dfd, "m_file", uid, gid, 0));
    check_ok("fchownat_nofollow", fchownat(dfd, "m_link", uid, gid, AT_SYMLINK_NOFOLLOW));
    check_err("fchownat_bad_flags", fchownat(dfd, "m_file", uid, gid, 0x1), EINVAL);
    check_err("fchownat_bad_dirfd", fchownat(99, "m_file", uid, gid, 0), EBADF);
    check_err("fchownat_missing", fchownat(dfd, "m_missing", uid, gid, 0), ENOENT);
    close(dfd);
    close(fd);
}

static void test_statfs_ioctl(void)
{
    struct statfs sf, sf2;
    make_file("i_file", "hello world");
    check("statfs", statfs(".", &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen == 255,
          "no block size or name length not 255");
    int fd = open("i_file", O_RDONLY);
    check("fstatfs",
          fstatfs(fd, &sf2) == 0 && sf2.f_type == sf.f_type && sf2.f_bsize == sf.f_bsize &&
              sf2.f_namelen == sf.f_namelen,
          "differs from statfs");
    check_err("statfs_missing", statfs("i_missing", &sf), ENOENT);
    check_err("statfs_through_file", statfs("i_file/x", &sf), ENOTDIR);
    check_err("fstatfs_bad_fd", fstatfs(99, &sf), EBADF);

    struct termios tio;
    struct winsize ws;
    int n = -1;
    check_err("ioctl_tcgets_file", ioctl(fd, TCGETS, &tio), ENOTTY);
    check_err("ioctl_tiocgwinsz_file", ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
    lseek(fd, 3, SEEK_SET);
    check("ioctl_fionread_file", ioctl(fd, FIONREAD, &n) == 0 && n == 8,
          "not the 8 bytes after the offset");
    int null = open("/dev/null", O_RDWR);
    check_err("ioctl_tcgets_dev_null", ioctl(null, TCGETS, &tio), ENOTTY);
    check_err("ioctl_tiocgwinsz_dev_null", ioctl(null, TIOCGWINSZ, &ws), ENOTTY);
    check_err("isatty_dev_null", isatty(null) ? 0 : -1, ENOTTY);
    close(null);
    check_err("ioctl_unknown_file", ioctl(fd, 0x12345678, &n), ENOTTY);
    close(fd);
}

static void test_copy_fadvise(void)
{
    char buf[64];
    make_file("x_src", "0123456789");
    int in = open("x_src", O_RDONLY);
    int out = open("x_dst", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("copy_file_range",
          copy_file_range(in, NULL, out, NULL, 100, 0) == 10 && lseek(in, 0, SEEK_CUR) == 10 &&
              lseek(out, 0, SEEK_CUR) == 10 && file_is("x_dst", "0123456789"),
          "not copied or offsets not advanced");
    check_eq("copy_file_range_at_eof", copy_file_range(in, NULL, out, NULL, 100, 0), 0);
    off_t oi = 2, oo = 20;
    check("copy_file_range_offsets",
          copy_file_range(in, &oi, out, &oo, 3, 0) == 3 && oi == 5 && oo == 23 &&
              lseek(in, 0, SEEK_CUR) == 10 && pread(out, buf, 23, 0) == 23 &&
              !memcmp(buf, "0123456789", 10) && all_zero(buf + 10, 10) &&
              !memcmp(buf + 20, "234", 3),
          "wrong bytes or offsets");
    check_err("copy_file_range_flags", copy_file_range(in, NULL, out, NULL, 1, 1), EINVAL);
    check_err("copy_file_range_to_rdonly", copy_file_range(out, NULL, in, NULL, 1, 0), EBADF);
    int wo = open("x_src", O_WRONLY);
    check_err("copy_file_range_from_wronly", copy_file_range(wo, NULL, out, NULL, 1, 0), EBADF);
    close(wo);
    check_err("copy_file_range_bad_fd", copy_file_range(99, NULL, out, NULL, 1, 0), EBADF);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_err("copy_file_range_from_dir", copy_file_range(dfd, NULL, out, NULL, 1, 0), EISDIR);
    close(dfd);
    oi = 0;
    oo = 2;
    check_err("copy_file_range_overlap", copy_file_range(out, &oi, out, &oo, 5, 0), EINVAL);

    /* posix_fadvise returns the error number instead of setting errno */
    check_eq("fadvise64_sequential", posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
    check_eq("fadvise64_willneed", posix_fadvise(in, 0, 10, POSIX_FADV_WILLNEED), 0);
    check_eq("fadvise64_dontneed", posix_fadvise(in, 0, 0, POSIX_FADV_DONTNEED), 0);
    check_eq("fadvise64_bad_advice", posix_fadvise(in, 0, 0, 99), EINVAL);
    check_eq("fadvise64_negative_len", posix_fadvise(in, 0, -1, POSIX_FADV_NORMAL), EINVAL);
    check_eq("fadvise64_bad_fd", posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL), EBADF);
    close(in);
    close(out);
}

static void test_devices(void)
{
    char buf[64], buf2[64];
    struct stat st;
    int fd = open("/dev/null", O_RDWR);
    check("dev_null_is_char_device",
          fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
          "not character device 1,3");
    check_eq("dev_null_read", read(fd, buf, sizeof(buf)), 0);
    check_eq("dev_null_write", write(fd, buf, sizeof(buf)), (long)sizeof(buf));
    check_eq("dev_null_lseek", lseek(fd, 100, SEEK_SET), 0);
    close(fd);
    fd = open("/dev/zero", O_RDWR);
    memset(buf, 1, sizeof(buf));
    check("dev_zero_read", read(fd, buf, sizeof(buf)) == sizeof(buf) && all_zero(buf, sizeof(buf)),
          "not 64 zero bytes");
    check_eq("dev_zero_write", write(fd, buf, 10), 10);
    check("dev_zero_is_char_device",
          fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5),
          "not character device 1,5");
    close(fd);
    fd = open("/dev/full", O_RDWR);
    check_err("dev_full_write", write(fd, "x", 1), ENOSPC);
    memset(buf, 1, sizeof(buf));
    check("dev_full_read", read(fd, buf, sizeof(buf)) == sizeof(buf) && all_zero(buf, sizeof(buf)),
          "not 64 zero bytes");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    memset(buf, 0, sizeof(buf));
    memset(buf2, 0, sizeof(buf2));
    check("dev_urandom_read",
          read(fd, buf, sizeof(buf)) == sizeof(buf) &&
              read(fd, buf2, sizeof(buf2)) == sizeof(buf2) && !all_zero(buf, sizeof(buf)) &&
              memcmp(buf, buf2, sizeof(buf)),
          "not 64 random bytes twice");
    close(fd);
    check_err("dev_missing", open("/dev/fscensus-none", O_RDONLY), ENOENT);
    check_err("dev_null_directory_flag", open("/dev/null", O_RDONLY | O_DIRECTORY), ENOTDIR);
}

/* Renaming or linking into another file system fails with EXDEV. Into a read-only one,
 * rename still gives EXDEV (Linux compares the mounts first) but link gives EROFS (Linux
 * asks for write access to the new name's mount first). */
static void test_cross_fs(const char *other)
{
    char path[PATH_MAX + 64];
    struct stat st, ost;
    snprintf(path, sizeof(path), "%s/fscensus.%d.x", other, (int)getpid());
    make_file("xfs_file", "x");
    mkdir("xfs_dir", 0755);
    check("cross_fs_st_dev_differs",
          stat(other, &ost) == 0 && stat(".", &st) == 0 && st.st_dev != ost.st_dev,
          "same st_dev: not another file system");
    long r = rename("xfs_file", path);
    check_err("rename_cross_fs", r, EXDEV);
    if (r == 0)
        rename(path, "xfs_file");
    r = rename("xfs_dir", path);
    check_err("rename_dir_cross_fs", r, EXDEV);
    if (r == 0)
        rename(path, "xfs_dir");
    r = syscall(SYS_renameat2, AT_FDCWD, "xfs_file", AT_FDCWD, path, RENAME_NOREPLACE);
    check_err("renameat2_cross_fs", r, EXDEV);
    if (r == 0)
        rename(path, "xfs_file");
    int read_only = access(other, W_OK) && errno == EROFS;
    r = link("xfs_file", path);
    check_err("link_cross_fs", r, read_only ? EROFS : EXDEV);
    if (r == 0)
        unlink(path);
    check("cross_fs_source_intact", file_is("xfs_file", "x") && exists("xfs_dir"),
          "source changed");
}

/* mmap of files (private: a copy of the bytes) and mremap as musl's realloc uses it */
static void test_mmap_files(void)
{
    int fd = open("m_file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char text[6000];
    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (char)('a' + i % 26);
    check("mmap_setup", fd >= 0 && write(fd, text, sizeof(text)) == (ssize_t)sizeof(text),
          strerror(errno));
    char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    check("mmap_file_private",
          m != MAP_FAILED && !memcmp(m, text, sizeof(text)) && m[6000] == 0 && m[8191] == 0,
          "content or zero tail differs");
    if (m != MAP_FAILED)
        munmap(m, 8192);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    check("mmap_file_offset", m != MAP_FAILED && !memcmp(m, text + 4096, sizeof(text) - 4096),
          "content at offset 4096 differs");
    if (m != MAP_FAILED) {
        m[0] = '#';
        char c = 0;
        check("mmap_private_write_stays", pread(fd, &c, 1, 4096) == 1 && c == text[4096],
              "the file changed");
        munmap(m, 4096);
    }
    check_err("mmap_file_unaligned_offset", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100),
              EINVAL);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_err("mmap_directory_enodev", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dfd, 0),
              ENODEV);
    close(dfd);
    int wfd = open("m_file", O_WRONLY);
    check_err("mmap_writeonly_eacces", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wfd, 0),
              EACCES);
    close(wfd);
    close(fd);
    check_err("mmap_closed_fd_ebadf", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), EBADF);
    unlink("m_file");

    /* mremap: grow (in place or moved) keeps the bytes, shrink keeps the start */
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 'q', 8192);
    char *b = mremap(a, 8192, 1 << 20, MREMAP_MAYMOVE);
    check("mremap_grow", b != MAP_FAILED && b[0] == 'q' && b[8191] == 'q' && b[8192] == 0,
          strerror(errno));
    if (b != MAP_FAILED) {
        b[(1 << 20) - 1] = 'z';
        char *c = mremap(b, 1 << 20, 4096, 0);
        check("mremap_shrink", c == b && c[0] == 'q', strerror(errno));
        munmap(c, 4096);
    }
    check_err("mremap_unaligned", (long)mremap((char *)a + 1, 4096, 8192, MREMAP_MAYMOVE), EINVAL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    is_root = geteuid() == 0;
    const char *base = argc > 1 ? argv[1] : "/tmp";
    char top[PATH_MAX];
    snprintf(top, sizeof(top), "%s/fscensus.%d", base, (int)getpid());
    umask(022);
    if (mkdir(top, 0755) || chdir(top) || !getcwd(workdir, sizeof(workdir))) {
        printf("FAIL setup: cannot create and enter %s: %s\n", top, strerror(errno));
        printf("fscensus: 0 passed, 1 failed\n");
        return 1;
    }
    test_open_close();
    test_read_write();
    test_stat();
    test_directories();
    test_links();
    test_rename();
    test_cwd();
    test_access();
    test_fcntl_dup();
    test_truncate_sync();
    test_times();
    test_modes_owners();
    test_statfs_ioctl();
    test_copy_fadvise();
    test_devices();
    test_mmap_files();
    if (argc > 2)
        test_cross_fs(argv[2]);

    int r = chdir(base) == 0 ? remove_tree(AT_FDCWD, top) : -1;
    check("cleanup", r == 0 && !exists(top), strerror(errno));
    printf("fscensus: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
