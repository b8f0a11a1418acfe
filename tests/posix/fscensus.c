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
 *
 * This file holds the helpers, main and the first cases (open, read and write, stat,
 * directories, links, rename); fscensus_attr.c the others (fscensus.h).
 */
#define _GNU_SOURCE
#include "fscensus.h"

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
int is_root;
char workdir[PATH_MAX];

void check(const char *name, int ok, const char *detail)
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
void check_err(const char *name, long r, int e)
{
    int got = errno;
    char d[128];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s), expected errno %d (%s)", r, got,
             strerror(got), e, strerror(e));
    check(name, r == -1 && got == e, d);
}

/* The call succeeded (returned >= 0). */
void check_ok(const char *name, long r)
{
    int got = errno;
    char d[96];
    snprintf(d, sizeof(d), "returned %ld, errno %d (%s)", r, got, strerror(got));
    check(name, r >= 0, d);
}

void check_eq(const char *name, long got, long want)
{
    int e = errno;
    char d[128];
    snprintf(d, sizeof(d), "got %ld (errno %d, %s), expected %ld", got, e, strerror(e), want);
    check(name, got == want, d);
}

/* Root-aware: as root the call must succeed, otherwise fail with errno e. */
void check_denied(const char *name, long r, int e)
{
    if (is_root)
        check_ok(name, r);
    else
        check_err(name, r, e);
}

/* Creates (or truncates) path with mode 0644 and the given contents; 0 or -1. */
int make_file(const char *path, const char *data)
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
int file_is(const char *path, const char *data)
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n == (ssize_t)strlen(data) && !memcmp(buf, data, n);
}

long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

long ino_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) ? -1 : (long)st.st_ino;
}

long nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) ? -1 : (long)st.st_nlink;
}

int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int mode_is(const char *path, mode_t type, mode_t perm)
{
    struct stat st;
    return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type && (st.st_mode & 07777) == perm;
}

int all_zero(const char *b, size_t n)
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
