/*
 * Host unit tests of the VFS core, part of vfs_test (vfs_test.h): permissions,
 * descriptors and descriptions (O_PATH, copies of the table, moves to a new tree),
 * anonymous files, magic links, device nodes, and bad arguments with the errno Linux
 * gives.
 */
#include "vfs_test.h"

#include <vfs_plugins.h>

#include <stdlib.h>

/* ---- permissions ---- */

static void permissions_for_others(void)
{
    struct vfs *v = tl_vfs("ram mode=0755");
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/private", 0700), 0);
    CHECK_INT(tl_write(v, "/private/secret", "s"), 0);
    CHECK_INT(tl_write(v, "/ro", "r"), 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/ro", 0444, 0), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/pub", 0777), 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/pub", 0777, 0), 0);
    vfs_set_ids(v, 1000, 100);
    CHECK_INT(sta(v, "/private/secret"), -EACCES); /* no search permission */
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/private", O_RDONLY, 0), -EACCES);
    CHECK_INT(vfs_chdir(v, "/private"), -EACCES);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/ro", O_WRONLY, 0), -EACCES);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/ro", O_RDONLY | O_TRUNC, 0), -EACCES);
    CHECK_STR(tl_read(v, "/ro", NULL), "r");
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/ro", W_OK, 0), -EACCES);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/ro", R_OK, 0), 0);
    CHECK_INT(tl_write(v, "/new", "x"), -EACCES); /* / is 0755, owned by root */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/newdir", 0755), -EACCES);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/ro", 0), -EACCES);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/ro", 0666, 0), -EPERM);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/ro", 1000, -1, 0), -EPERM);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/ro", -1, -1, 0), 0);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/ro", NULL, 0), -EACCES);
    {
        struct linux_timespec ts[2] = {{1, 0}, {2, 0}};
        CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/ro", ts, 0), -EPERM);
    }
    CHECK_INT(vfs_truncate(v, "/ro", 0), -EACCES);
    /* in a directory everyone may write: own files, own rules */
    CHECK_INT(tl_write(v, "/pub/mine", "m"), 0);
    CHECK_INT(sta(v, "/pub/mine"), 0);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 100);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/pub/mine", 02755, 0), 0);
    CHECK_INT(sta(v, "/pub/mine"), 0);
    CHECK_INT(st.st_mode, S_IFREG | 02755);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/pub/mine", -1, 100, 0), 0);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/pub/mine", -1, 5, 0), -EPERM);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/pub/mine", 0, -1, 0), -EPERM);
    {
        struct linux_timespec ts[2] = {{1, 0}, {2, 0}};
        CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/pub/mine", ts, 0), 0);
    }
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/pub/mine", 0), 0);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/pub", X_OK, 0), 0);
    vfs_set_ids(v, 0, 0);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/ro", X_OK, 0), -EACCES); /* even root needs an x */
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/private", X_OK, 0), 0);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/ro", O_WRONLY, 0) >= 0, 1);
}

static void umask_and_setgid(void)
{
    struct vfs *v = tl_vfs("ram");
    CHECK(v);
    CHECK_INT(vfs_umask(v, 077), 022);
    CHECK_INT(tl_write(v, "/f", ""), 0);
    CHECK_INT(sta(v, "/f"), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0600);
    CHECK_INT(vfs_umask(v, 0), 077);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/g", 02775), 0);
    CHECK_INT(sta(v, "/g"), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0775); /* mkdir takes no set-gid bit from its mode */
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/g", 02775, 0), 0);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/g", -1, 50, 0), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/g/sub", 0755), 0);
    CHECK_INT(sta(v, "/g/sub"), 0);
    CHECK_INT(st.st_gid, 50);
    CHECK_INT(st.st_mode, S_IFDIR | 02755);
    CHECK_INT(tl_write(v, "/g/file", ""), 0);
    CHECK_INT(sta(v, "/g/file"), 0);
    CHECK_INT(st.st_gid, 50);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
}

/* ---- descriptors and descriptions ---- */

static void descriptors(void)
{
    struct vfs *v = tl_vfs("ram");
    int a, b, c, i;
    char buf[8];
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "0123456789"), 0);
    a = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    b = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    c = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY | O_CLOEXEC, 0);
    CHECK_INT(a, 0);
    CHECK_INT(b, 1);
    CHECK_INT(c, 2);
    CHECK_INT(vfs_fcntl(v, c, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_close(v, b), 0);
    CHECK_INT(vfs_close(v, b), -EBADF);
    CHECK_INT(vfs_dup(v, a), 1); /* the lowest free one */
    CHECK_INT(vfs_read(v, 1, buf, 3), 3);
    CHECK_INT(vfs_lseek(v, a, 0, SEEK_CUR), 3); /* dup shares the offset */
    CHECK_INT(vfs_dup2(v, a, 7), 7);
    CHECK_INT(vfs_dup2(v, 7, 7), 7);
    CHECK_INT(vfs_dup2(v, 5, 7), -EBADF);
    CHECK_INT(vfs_dup2(v, a, 256), -EBADF);
    CHECK_INT(vfs_dup2(v, a, -1), -EBADF);
    CHECK_INT(vfs_dup3(v, a, 7, O_CLOEXEC), 7);
    CHECK_INT(vfs_fcntl(v, 7, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_dup3(v, a, 7, O_APPEND), -EINVAL);
    CHECK_INT(vfs_dup3(v, 7, 7, 0), -EINVAL);
    CHECK_INT(vfs_fcntl(v, a, F_DUPFD, 5), 5);
    CHECK_INT(vfs_fcntl(v, a, F_DUPFD, 256), -EINVAL);
    CHECK_INT(vfs_fcntl(v, a, F_DUPFD_CLOEXEC, 0), 3);
    CHECK_INT(vfs_fcntl(v, 3, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_fcntl(v, 99, F_GETFD, 0), -EBADF);
    CHECK_INT(vfs_fcntl(v, a, 12345, 0), -EINVAL);
    vfs_close_on_exec(v);
    CHECK(vfs_fd_file(v, 2) == NULL);
    CHECK(vfs_fd_file(v, 3) == NULL);
    CHECK(vfs_fd_file(v, 7) == NULL);
    CHECK(vfs_fd_file(v, 5) != NULL);
    /* the limit */
    CHECK_INT(vfs_set_fd_limit(v, 8), 0);
    for (i = 0; i < 8; i++)
        if (!vfs_fd_file(v, i))
            CHECK_INT(vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0), i);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0), -EMFILE);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/new", O_RDONLY | O_CREAT, 0644), -EMFILE);
    CHECK_INT(sta(v, "/new"), -ENOENT); /* nothing made when there is no descriptor */
    CHECK_INT(vfs_dup(v, 0), -EMFILE);
    CHECK_INT(vfs_set_fd_limit(v, 0), -EINVAL);
    CHECK_INT(vfs_set_fd_limit(v, 4), 0);
    CHECK(vfs_fd_file(v, 6) != NULL); /* open ones above the limit stay */
    CHECK(vfs_fd_end(v) > 7);         /* and a loop to vfs_fd_end reaches them */
    for (i = (int)vfs_fd_end(v); i < 300; i++)
        CHECK(vfs_fd_file(v, i) == NULL);
    CHECK_INT(vfs_close(v, 2), 0);
    CHECK_INT(vfs_dup(v, 6), 2);
}

static void fd_table_copy(void)
{
    struct vfs *v = tl_vfs("ram");
    struct vfs_fd_table child;
    struct vfs_file *f;
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK_INT(fd, 0);
    CHECK_INT(vfs_dup3(v, fd, 9, O_CLOEXEC), 9);
    /* what fork does with the table: the child's descriptors share the descriptions */
    CHECK_INT(vfs_fd_table_init(&child, &tl_env, 64), 0);
    CHECK_INT(vfs_fd_table_copy(&child, vfs_fd_table(v)), 0);
    f = vfs_fd_lookup(&child, 9);
    CHECK(f && f == vfs_fd_file(v, 9) && f == vfs_fd_file(v, 0));
    CHECK_INT(f->refs, 4);
    CHECK_INT(vfs_fd_fcntl(&child, 9, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_fd_fcntl(&child, 0, F_GETFD, 0), 0);
    CHECK_INT(vfs_write(v, fd, "a\n", 2), 2);
    CHECK_INT(f->pos, 2);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, 9), 0);
    /* the child writes on at the shared offset, after the parent closed its copies */
    CHECK_INT(vfs_file_pwrite(vfs_fd_lookup(&child, 0), "b\n", 2, f->pos), 2);
    f->pos += 2;
    CHECK_INT(vfs_fd_close(&child, 0), 0);
    CHECK_INT(vfs_fd_close(&child, 0), -EBADF);
    vfs_fd_table_fini(&child);
    CHECK_STR(tl_read(v, "/log", NULL), "a\nb\n");
}

static void o_path_descriptors(void)
{
    struct vfs *v = tl_vfs("ram");
    char buf[8];
    int d, fd;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), 0);
    CHECK_INT(tl_write(v, "/d/f", "x"), 0);
    CHECK_INT(vfs_symlinkat(v, "f", AT_FDCWD, "/d/l"), 0);
    d = vfs_openat(v, AT_FDCWD, "/d", O_PATH, 0);
    CHECK(d >= 0);
    CHECK_INT(vfs_fcntl(v, d, F_GETFL, 0), O_PATH);
    CHECK_STR(tl_read(v, "/d/f", NULL), "x");
    fd = vfs_openat(v, d, "f", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_getdents64(v, d, buf, sizeof buf), -EBADF);
    CHECK_INT(vfs_poll(v, d, POLLIN), POLLNVAL);
    CHECK_INT(vfs_ioctl(v, d, FIONREAD, buf), -EBADF);
    CHECK_INT(vfs_fchdir(v, d), 0);
    CHECK_STR(tl_read(v, "f", NULL), "x");
    fd = vfs_openat(v, AT_FDCWD, "l", O_PATH | O_NOFOLLOW, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_readlinkat(v, fd, "", buf, sizeof buf), 1);
    CHECK_INT(vfs_fstatat(v, fd, "", &st, AT_EMPTY_PATH), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0777);
    CHECK_INT(vfs_linkat(v, fd, "", AT_FDCWD, "l2", AT_EMPTY_PATH), 0);
    CHECK_INT(lsta(v, "/d/l2"), 0);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, d), 0);
}

static void composition_directory_listing(void)
{
    struct vfs *v = tl_vfs("ram; dir /dev { null; zero }; inline /shadow x");
    uint64_t bufw[64];
    char *buf = (char *)bufw;
    int fd, n;
    int64_t len, off;
    CHECK(v);
    CHECK_INT(tl_write(v, "/a", ""), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/dev", 0755), -EEXIST);
    CHECK_INT(tl_write(v, "/shadow", "y"), -EROFS); /* the entry, not a ram file */
    fd = vfs_openat(v, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    len = vfs_getdents64(v, fd, buf, sizeof bufw);
    CHECK(len > 0);
    for (off = 0, n = 0; off < len; n++) {
        struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
        const char *want[] = {".", "..", "dev", "shadow", "a"};
        CHECK(n < 5);
        CHECK_STR(d->d_name, want[n]);
        CHECK(d->d_off > 0);
        off += d->d_reclen;
    }
    CHECK_INT(n, 5);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof bufw), 0);
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/dev", O_RDONLY | O_DIRECTORY, 0);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof bufw), 4 * 24);
    CHECK_INT(((struct linux_dirent64 *)(buf + 48))->d_type, DT_CHR);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void hidden_mounts_and_anonymous_files(void)
{
    struct vfs *v = tl_vfs("ram");
    struct cfg_error err;
    struct vfs_fs *fs;
    struct vfs_file *f;
    int fd;
    CHECK(v);
    /* a plugin instance outside the tree, as pipes and sockets will have */
    {
        extern const struct vfs_plugin vfs_plugin_zero;
        CHECK_INT(vfs_mount_hidden(v, &vfs_plugin_zero, NULL, &fs, &err), 0);
    }
    CHECK_INT(vfs_file_open_node(fs->root, O_RDONLY, &f), 0);
    fd = vfs_install_fd(v, f, 3, true);
    CHECK_INT(fd, 3);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_dev, fs->dev);
    CHECK_INT(vfs_read(v, fd, &st, 8), 8);
    CHECK_INT(vfs_fcntl(v, fd, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_open_file(v, AT_FDCWD, "/x", O_RDWR | O_CREAT, 0600, &f), 0);
    CHECK_INT(vfs_file_pwrite(f, "abc", 3, 10), 3);
    CHECK_INT(vfs_file_stat(f, &st), 0);
    CHECK_INT(st.st_size, 13);
    CHECK_INT(vfs_file_pread(f, &st, 3, 10), 3);
    vfs_file_put(f);
}

static void bad_arguments(void)
{
    struct vfs *v = tl_vfs("ram");
    char buf[4];
    int fd;
    CHECK(v);
    CHECK_INT(vfs_read(v, -1, buf, 1), -EBADF);
    CHECK_INT(vfs_write(v, 1000000, buf, 1), -EBADF);
    CHECK_INT(vfs_lseek(v, 3, 0, SEEK_SET), -EBADF);
    CHECK_INT(vfs_poll(v, 3, POLLIN), POLLNVAL);
    CHECK_INT(vfs_fstat(v, 3, &st), -EBADF);
    CHECK_INT(vfs_fsync(v, 3, true), -EBADF);
    CHECK_INT(vfs_ioctl(v, 3, FIONBIO, buf), -EBADF);
    CHECK_INT(vfs_getdents64(v, 3, buf, sizeof buf), -EBADF);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/x", 0x8000), -EINVAL);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/x", AT_FDCWD, "/y", RENAME_WHITEOUT), -EINVAL);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/x", AT_FDCWD, "/y", 1), -EINVAL);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/", 0x80, 0), -EINVAL);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/", buf, 0), -EINVAL);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, NULL, NULL, 0), -EFAULT);
    CHECK_INT(vfs_openat(v, AT_FDCWD, NULL, O_RDONLY, 0), -EFAULT);
    CHECK_INT(vfs_symlinkat(v, NULL, AT_FDCWD, "/l"), -EFAULT);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_INT(vfs_lseek(v, fd, INT64_MAX, SEEK_SET), INT64_MAX);
    CHECK_INT(vfs_lseek(v, fd, 1, SEEK_CUR), -EINVAL);
    CHECK_INT(vfs_write(v, fd, "x", 1), -EFBIG);
    CHECK_INT(vfs_pwrite(v, fd, "x", 1, INT64_MAX - 1), -EFBIG);
    CHECK_INT(vfs_ioctl(v, fd, FIONBIO, NULL), -EFAULT);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void linux_version_dependent_answers(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_statx sx;
    CHECK(v);
    /* Linux 6.4 on: O_CREAT with O_DIRECTORY is EINVAL, and nothing is made */
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/x", O_RDONLY | O_CREAT | O_DIRECTORY, 0644), -EINVAL);
    CHECK_INT(sta(v, "/x"), -ENOENT);
    /* statx gives the basic fields whatever the mask asks for */
    CHECK_INT(tl_write(v, "/f", "abc"), 0);
    CHECK_INT(vfs_statx(v, AT_FDCWD, "/f", 0, 0, &sx), 0);
    CHECK_INT(sx.stx_mask, STATX_BASIC_STATS);
    CHECK_INT(sx.stx_size, 3);
    CHECK_INT(sx.stx_mode, S_IFREG | 0644);
    CHECK_INT(sta(v, "/f"), 0);
    CHECK_INT(sx.stx_ino, st.st_ino);
    CHECK_INT(sx.stx_dev_major, 0);
    CHECK_INT(LINUX_MAKEDEV(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    CHECK_INT(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
}

/* vfs_file_touch (msync of a shared mapping): mtime and ctime become now; a description
 * not open for writing is EBADF. */
static void file_touch_marks_times(void)
{
    struct vfs *v = tl_vfs("dir /a { ram }");
    struct linux_timespec past[2] = {{5, 0}, {5, 0}};
    int w, r;
    CHECK(v);
    w = vfs_openat(v, AT_FDCWD, "/a/f", O_RDWR | O_CREAT, 0644);
    r = vfs_openat(v, AT_FDCWD, "/a/f", O_RDONLY, 0);
    CHECK(w >= 0 && r >= 0);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/a/f", past, 0), 0);
    tl_clock_ns += 7000000000ull;
    CHECK_INT(vfs_file_touch(v, vfs_fd_file(v, r)), -EBADF);
    CHECK_INT(vfs_file_touch(v, vfs_fd_file(v, w)), 0);
    CHECK_INT(sta(v, "/a/f"), 0);
    CHECK(st.st_mtim.tv_sec == (int64_t)(tl_clock_ns / 1000000000ull));
    CHECK(st.st_ctim.tv_sec == (int64_t)(tl_clock_ns / 1000000000ull));
    CHECK(st.st_atim.tv_sec == 5);
}

static void vectors_and_copies(void)
{
    struct vfs *v = tl_vfs("dir /a { ram }; dir /b { ram }; inline /c text; null /n");
    static struct linux_iovec many[UIO_MAXIOV + 1];
    struct linux_iovec iov[2];
    char x[4], y[4];
    int64_t off = 0;
    int a, b, c, n;
    CHECK(v);
    a = vfs_openat(v, AT_FDCWD, "/a/f", O_RDWR | O_CREAT, 0644);
    b = vfs_openat(v, AT_FDCWD, "/b/f", O_RDWR | O_CREAT, 0644);
    c = vfs_openat(v, AT_FDCWD, "/c", O_RDONLY, 0);
    n = vfs_openat(v, AT_FDCWD, "/n", O_RDWR, 0);
    CHECK(a >= 0 && b >= 0 && c >= 0 && n >= 0);
    CHECK_INT(vfs_writev(v, a, many, UIO_MAXIOV + 1), -EINVAL);
    CHECK_INT(vfs_writev(v, a, many, -1), -EINVAL);
    CHECK_INT(vfs_writev(v, a, many, UIO_MAXIOV), 0);
    CHECK_INT(vfs_writev(v, a, NULL, 1), -EFAULT);
    iov[0] = (struct linux_iovec){"abcd", 4};
    iov[1] = (struct linux_iovec){(void *)1, (size_t)INT64_MAX};
    CHECK_INT(vfs_writev(v, a, iov, 2), -EINVAL);
    iov[1] = (struct linux_iovec){"efgh", 4};
    CHECK_INT(vfs_writev(v, a, iov, 2), 8);
    CHECK_INT(vfs_writev(v, c, iov, 2), -EBADF);
    iov[0] = (struct linux_iovec){x, 4};
    iov[1] = (struct linux_iovec){y, 4};
    CHECK_INT(vfs_preadv(v, a, iov, 2, 2), 6);
    CHECK(memcmp(x, "cdef", 4) == 0 && memcmp(y, "gh", 2) == 0);
    CHECK_INT(vfs_preadv(v, n, iov, 2, 0), 0);
    /* copy_file_range: across two ram instances fine, to another kind EXDEV */
    CHECK_INT(vfs_copy_file_range(v, a, &off, b, NULL, 100, 0), 8);
    CHECK_INT(off, 8);
    CHECK_INT(vfs_lseek(v, b, 0, SEEK_CUR), 8);
    CHECK_STR(tl_read(v, "/b/f", NULL), "abcdefgh");
    CHECK_INT(vfs_copy_file_range(v, c, NULL, a, NULL, 4, 0), -EXDEV);
    CHECK_INT(vfs_copy_file_range(v, n, NULL, a, NULL, 4, 0), -EINVAL);
    CHECK_INT(vfs_copy_file_range(v, 99, NULL, a, NULL, 4, 0), -EBADF);
    CHECK_INT(vfs_fadvise(v, a, 0, 0, POSIX_FADV_WILLNEED), 0);
    CHECK_INT(vfs_fadvise(v, 99, 0, 0, POSIX_FADV_WILLNEED), -EBADF);
    CHECK_INT(vfs_close(v, a), 0);
    CHECK_INT(vfs_close(v, b), 0);
    CHECK_INT(vfs_close(v, c), 0);
    CHECK_INT(vfs_close(v, n), 0);
}

static void descriptor_paths(void)
{
    struct vfs *v = tl_vfs("ram; dir /tmp { ram }; null /dev/null; symlink /link tmp");
    char buf[64];
    int a, b, c, d, e;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/sub", 0755), 0);
    a = vfs_openat(v, AT_FDCWD, "/link/sub/../x", O_RDWR | O_CREAT, 0644);
    b = vfs_openat(v, AT_FDCWD, "/dev/null", O_RDWR, 0);
    c = vfs_openat(v, AT_FDCWD, "/tmp/sub", O_RDONLY, 0);
    d = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0644);
    e = vfs_openat(v, AT_FDCWD, "/", O_RDONLY, 0);
    CHECK(a >= 0 && b >= 0 && c >= 0 && d >= 0 && e >= 0);
    CHECK_INT(vfs_fd_path(v, a, buf, sizeof buf), 6);
    CHECK_STR(buf, "/tmp/x");
    CHECK_INT(vfs_fd_path(v, b, buf, sizeof buf), 9);
    CHECK_STR(buf, "/dev/null");
    CHECK_INT(vfs_fd_path(v, c, buf, sizeof buf), 8);
    CHECK_STR(buf, "/tmp/sub");
    CHECK_INT(vfs_fd_path(v, d, buf, sizeof buf), 2);
    CHECK_STR(buf, "/f");
    CHECK_INT(vfs_fd_path(v, e, buf, sizeof buf), 1);
    CHECK_STR(buf, "/");
    CHECK_INT(vfs_fd_path(v, a, buf, 6), -ERANGE);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/x", AT_FDCWD, "/tmp/y", 0), 0);
    CHECK_INT(vfs_fd_path(v, a, buf, sizeof buf), 6);
    CHECK_STR(buf, "/tmp/y");
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/y", 0), 0);
    CHECK_INT(vfs_fd_path(v, a, buf, sizeof buf), -ENOENT);
    CHECK_INT(vfs_fd_path(v, 42, buf, sizeof buf), -EBADF);
}

/* A node plugin with one magic link, as /proc/self/fd/N will be: it leads to whatever
 * node magic_target names. */
static struct vfs_node *magic_target;

static int magic_follow(struct vfs_node *link, struct vfs_node **target)
{
    if (!magic_target)
        return -ENOENT;
    vfs_node_get(magic_target);
    *target = magic_target;
    return 0;
}

static int64_t magic_readlink(struct vfs_node *n, char *buf, size_t size)
{
    memcpy(buf, "pipe:[1]", size < 8 ? size : 8);
    return 8;
}

static const struct vfs_fs_ops magic_ops = {
    .readlink = magic_readlink,
    .follow_link = magic_follow,
    .getattr = vfs_simple_getattr,
    .unmount = vfs_simple_unmount,
};

static int magic_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    struct vfs_simple_fs *s;
    int rc = vfs_simple_mount(a, &magic_ops, sizeof *s, S_IFLNK | 0777, &s);
    if (rc == 0)
        *out = &s->fs;
    return rc;
}

static const struct vfs_plugin magic_plugin = {"magic", VFS_PLUGIN_NODE, NULL, magic_mount};

static void magic_links(void)
{
    static char arena_mem[1 << 12];
    static const char text[] = "vfs { dir /tmp { ram }; magic /m }";
    extern const struct vfs_plugin vfs_plugin_ram;
    const struct vfs_plugin *plugins[] = {&vfs_plugin_ram, &magic_plugin};
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v = NULL;
    char buf[16];
    int fd, fd2;
    CHECK_INT(cfg_parse("t.cfg", text, sizeof text - 1, &arena, &root, &err), 0);
    CHECK_INT(vfs_create(&tl_env, plugins, 2, cfg_first(root, "vfs"), 16, &v, &err), 0);
    magic_target = NULL;
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/m", &st, 0), -ENOENT);
    CHECK_INT(tl_write(v, "/tmp/x", "data"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/x", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_lseek(v, fd, 2, SEEK_SET), 2);
    magic_target = vfs_fd_file(v, fd)->node;
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/m", buf, sizeof buf), 8);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/m", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0777);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/m", &st, 0), 0);
    CHECK_INT(st.st_size, 4);
    fd2 = vfs_openat(v, AT_FDCWD, "/m", O_RDONLY, 0); /* a new description of the file */
    CHECK(fd2 >= 0);
    CHECK_INT(vfs_read(v, fd2, buf, sizeof buf), 4);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/m/", O_RDONLY, 0), -ENOTDIR);
    CHECK_INT(vfs_close(v, fd2), 0);
    magic_target = vfs_fd_file(v, fd)->node->fs->root; /* the ram's root directory */
    CHECK_STR(tl_read(v, "/m/x", NULL), "data");
    CHECK_INT(vfs_chdir(v, "/m"), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 5);
    CHECK_STR(buf, "/tmp");
    CHECK_INT(vfs_close(v, fd), 0);
    vfs_destroy(v);
    magic_target = NULL;
}

/* exec into a program's own tree: the descriptors a predicate keeps move to the same
 * numbers in the new vfs, with their close-on-exec flags; all others close */
static bool keep_devices(void *ctx, struct vfs_file *f)
{
    (void)ctx;
    return f->node->fs->plugin && !strcmp(f->node->fs->plugin->name, "null");
}

static void descriptors_move_to_a_new_tree(void)
{
    struct vfs *a = tl_vfs("dir /tmp { ram }; dir /dev { null; zero }");
    struct vfs *b = tl_vfs("dir /other { ram }");
    CHECK(a && b);
    CHECK_INT(tl_write(a, "/tmp/f", "data"), 0);
    int ram = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    int null = vfs_openat(a, AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
    int zero = vfs_openat(a, AT_FDCWD, "/dev/zero", O_RDONLY, 0);
    CHECK_INT(vfs_dup2(a, null, 7), 7);
    CHECK(ram >= 0 && null >= 0 && zero >= 0);
    CHECK_INT(vfs_move_fds(a, b, keep_devices, NULL), 0);
    /* nothing is left in a; b has the null device at both numbers */
    CHECK_INT(vfs_fcntl(a, ram, F_GETFD, 0), -EBADF);
    CHECK_INT(vfs_fcntl(a, null, F_GETFD, 0), -EBADF);
    CHECK_INT(vfs_fcntl(b, ram, F_GETFD, 0), -EBADF);
    CHECK_INT(vfs_fcntl(b, zero, F_GETFD, 0), -EBADF);
    CHECK_INT(vfs_fcntl(b, null, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_fcntl(b, 7, F_GETFD, 0), 0);
    CHECK_INT(vfs_write(b, null, "x", 1), 1);
    CHECK_INT(vfs_write(b, 7, "x", 1), 1);
    CHECK_INT(vfs_close(b, null), 0);
    CHECK_INT(vfs_close(b, 7), 0);
}

/* mknod: the types Linux allows, its errors in its order, devices for root only, the
 * umask; FIFOs open only through the host's fifo_open (none here: ENXIO), devices of a
 * ram tree give ENXIO. */
static void mknod_nodes(void)
{
    struct vfs *v = tl_vfs("dir /tmp { ram mode=1777 }; dir /ro { inline f x }");
    CHECK(v);
    vfs_umask(v, 022);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/p", S_IFIFO | 0666, 0), 0);
    CHECK_INT(sta(v, "/tmp/p"), 0);
    CHECK_INT(st.st_mode, S_IFIFO | 0644);
    CHECK_INT(st.st_rdev, 0);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/p", S_IFIFO | 0666, 0), -EEXIST);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/p", O_RDONLY | O_NONBLOCK, 0), -ENXIO);
    int fd = vfs_openat(v, AT_FDCWD, "/tmp/p", O_PATH, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/d", S_IFDIR | 0755, 0), -EPERM);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/x", 0170000 | 0644, 0), -EINVAL);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/no/x", S_IFIFO | 0644, 0), -ENOENT);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/ro/x", S_IFIFO | 0644, 0), -EROFS);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/r", 0600, 0), 0);
    CHECK_INT(sta(v, "/tmp/r"), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0600);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/c", S_IFCHR | 0600, 0x3c07), 0);
    CHECK_INT(sta(v, "/tmp/c"), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0600);
    CHECK_INT(st.st_rdev, 0x3c07);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/c", O_RDONLY, 0), -ENXIO);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/b", S_IFBLK | 0600, 0x3d01), 0);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDWR, 0), -ENXIO);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/s", S_IFSOCK | 0600, 0), 0);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/s", O_RDONLY, 0), -ENXIO);
    /* not root: devices are EPERM (after EEXIST and the directory's permissions), FIFOs fine */
    vfs_set_ids(v, 1000, 1000);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/c2", S_IFCHR | 0600, 0x3c07), -EPERM);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/c", S_IFCHR | 0600, 0x3c07), -EEXIST);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/p2", S_IFIFO | 0600, 0), 0);
    CHECK_INT(vfs_mknodat(v, AT_FDCWD, "/tmp/p3", S_IFIFO | 0600, 0), 0);
    CHECK_INT(sta(v, "/tmp/p3"), 0);
    CHECK_INT(st.st_uid, 1000);
}

void vfs_fd_cases(void)
{
    RUN(mknod_nodes);
    RUN(permissions_for_others);
    RUN(umask_and_setgid);
    RUN(descriptors);
    RUN(fd_table_copy);
    RUN(o_path_descriptors);
    RUN(composition_directory_listing);
    RUN(hidden_mounts_and_anonymous_files);
    RUN(bad_arguments);
    RUN(linux_version_dependent_answers);
    RUN(vectors_and_copies);
    RUN(file_touch_marks_times);
    RUN(descriptor_paths);
    RUN(magic_links);
    RUN(descriptors_move_to_a_new_tree);
}
