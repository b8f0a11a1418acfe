/*
 * fscensus, part two (fscensus.h): the working directory, access and faccessat2,
 * descriptor flags and duplicates, truncation and sync, times, modes and owners, statfs
 * and ioctl, copy_file_range and fadvise, the device files, mapped files and renames and
 * links to another file system, each with the errno Linux gives.
 */
#define _GNU_SOURCE
#include "fscensus.h"

void test_cwd(void)
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

void test_access(void)
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

void test_fcntl_dup(void)
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

void test_truncate_sync(void)
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

void test_times(void)
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

void test_modes_owners(void)
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

void test_statfs_ioctl(void)
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

void test_copy_fadvise(void)
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

void test_devices(void)
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
void test_cross_fs(const char *other)
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
void test_mmap_files(void)
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
