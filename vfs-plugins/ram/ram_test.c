/*
 * Host tests of the ram plugin (README.md): files, directories, symlinks, hard links,
 * times, modes, link counts, sizes as tmpfs shows them, the size limit, files used
 * after their last name is gone, directory reading while entries are removed, record
 * locks, the configuration, and filling an instance from a tar archive (from=, with
 * archives made by the host's tar and small ones written here). (vfs/tests/oracle_test.c
 * also runs ram against the host's tmpfs.)
 */
#include "../../vfs/tests/testlib.h"

#include <stdlib.h>
#include <vfs_plugins.h>

static void files_and_sizes(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st;
    static char big[100000];
    int fd;
    size_t i;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0666);
    CHECK(fd >= 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644); /* umask 022 */
    CHECK_INT(st.st_size, 0);
    CHECK_INT(st.st_blocks, 0);
    CHECK_INT(st.st_blksize, 4096);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    for (i = 0; i < sizeof big; i += 1000)
        CHECK_INT(vfs_write(v, fd, big + i, 1000), 1000);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_size, sizeof big);
    CHECK_INT(st.st_blocks, 25 * 8); /* 100000 bytes are 25 pages, as tmpfs counts */
    CHECK_INT(vfs_pread(v, fd, big, 5, 99998), 2);
    CHECK(big[0] == 'a' + 99998 % 26);
    CHECK_INT(vfs_ftruncate(v, fd, 10), 0);
    CHECK_INT(vfs_pread(v, fd, big, 20, 0), 10);
    CHECK(memcmp(big, "abcdefghij", 10) == 0);
    CHECK_INT(vfs_ftruncate(v, fd, 20), 0);
    CHECK_INT(vfs_pread(v, fd, big, 20, 0), 20);
    CHECK(big[10] == 0 && big[19] == 0); /* extended with zeros, not old data */
    CHECK_INT(vfs_pwrite(v, fd, "Z", 1, 30), 1);
    CHECK_INT(vfs_pread(v, fd, big, 20, 20), 11);
    CHECK(big[0] == 0 && big[9] == 0 && big[10] == 'Z');
    CHECK_INT(vfs_close(v, fd), 0);
}

static void directories_and_link_counts(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(st.st_size, 40);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a", 0777), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a/b", 0700), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a/c", 0700), 0);
    CHECK_INT(tl_write(v, "/a/f", "x"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a", &st, 0), 0);
    CHECK_INT(st.st_nlink, 4);
    CHECK_INT(st.st_size, 100);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/a/b", AT_FDCWD, "/b", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_nlink, 4);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a", &st, 0), 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/b", AT_FDCWD, "/a/f", RENAME_EXCHANGE), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a", &st, 0), 0);
    CHECK_INT(st.st_nlink, 4);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/b", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a/f/..", &st, 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/a", AT_REMOVEDIR), -ENOTEMPTY);
    CHECK_STR(tl_ls_sorted(v, "/a"), "c f");
}

static void hard_links_and_inodes(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat a, b, c;
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "data"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &a, 0), 0);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/f", AT_FDCWD, "/g", 0), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), 0);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/g", AT_FDCWD, "/d/h", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/h", &b, 0), 0);
    CHECK_INT(b.st_ino, a.st_ino);
    CHECK_INT(b.st_dev, a.st_dev);
    CHECK_INT(b.st_nlink, 3);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/f", 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/g", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/h", &b, 0), 0);
    CHECK_INT(b.st_nlink, 1);
    CHECK_STR(tl_read(v, "/d/h", NULL), "data");
    /* inode numbers are never reused, even after the file is gone */
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/d/h", 0), 0);
    CHECK_INT(tl_write(v, "/f", "new"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &c, 0), 0);
    CHECK(c.st_ino != a.st_ino);
    CHECK_INT(c.st_dev, a.st_dev);
}

static void unlinked_while_open(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st;
    char buf[16];
    int fd, fd2;
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "hello"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR, 0);
    CHECK(fd >= 0);
    fd2 = vfs_dup(v, fd);
    CHECK(fd2 >= 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/f", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_nlink, 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_END), 5);
    CHECK_INT(vfs_write(v, fd, " world", 6), 6);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_pread(v, fd2, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_INT(vfs_linkat(v, fd2, "", AT_FDCWD, "/back", AT_EMPTY_PATH), -ENOENT);
    CHECK_INT(tl_write(v, "/f", "other"), 0); /* a new file of the same name */
    CHECK_INT(vfs_pread(v, fd2, buf, sizeof buf, 0), 11);
    CHECK_INT(vfs_close(v, fd2), 0); /* frees the old file (the leak check sees it) */
    CHECK_STR(tl_read(v, "/f", NULL), "other");
}

static void removed_directory_in_use(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st;
    char buf[64];
    int fd;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a", 0755), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a/b", 0755), 0);
    CHECK_INT(vfs_chdir(v, "/a/b"), 0);
    fd = vfs_openat(v, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/a/b", AT_REMOVEDIR), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/a", AT_REMOVEDIR), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, ".", &st, 0), 0);
    CHECK_INT(st.st_nlink, 0);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof buf), -ENOENT);
    CHECK_INT(tl_write(v, "x", "y"), -ENOENT);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "x", 0755), -ENOENT);
    CHECK_INT(vfs_chdir(v, ".."), 0); /* the removed /a, still reachable from its child */
    CHECK_INT(vfs_chdir(v, ".."), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 2);
    CHECK_STR(buf, "/");
    CHECK_INT(vfs_close(v, fd), 0);
}

static void removed_chain_in_use(void)
{
    struct vfs *v = tl_vfs("ram");
    static char path[PATH_MAX];
    size_t len = 0;
    int i;
    CHECK(v);
    /* a deep directory, its deepest one in use while all are removed bottom-up */
    for (i = 0; i < 1000; i++) {
        memcpy(path + len, "/d", 3);
        len += 2;
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, path, 0755), 0);
    }
    CHECK_INT(vfs_chdir(v, path), 0);
    for (i = 0; i < 1000; i++) {
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, path, AT_REMOVEDIR), 0);
        len -= 2;
        path[len] = '\0';
    }
    CHECK_INT(vfs_chdir(v, "../../.."), 0); /* still a way up through removed ones */
    CHECK_INT(vfs_chdir(v, "/"), 0);        /* frees the whole chain, without recursion */
    CHECK_STR(tl_ls(v, "/"), "");
}

static void readdir_while_removing(void)
{
    struct vfs *v = tl_vfs("ram");
    uint64_t bufw[8]; /* room for one or two records per call */
    char *buf = (char *)bufw, name[32];
    int fd, i, seen = 0, removed = 0;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), 0);
    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "/d/%d", i);
        CHECK_INT(tl_write(v, name, ""), 0);
    }
    fd = vfs_openat(v, AT_FDCWD, "/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    for (;;) {
        int64_t n = vfs_getdents64(v, fd, buf, sizeof bufw), off = 0;
        CHECK(n >= 0);
        if (n == 0)
            break;
        while (off < n) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            seen++;
            /* remove this entry and one further ahead: neither may be seen again */
            if (vfs_unlinkat(v, fd, d->d_name, 0) == 0)
                removed++;
            snprintf(name, sizeof name, "%d", 299 - atoi(d->d_name));
            if (vfs_unlinkat(v, fd, name, 0) == 0)
                removed++;
        }
    }
    CHECK_INT(removed, 300);
    CHECK_INT(seen, 150);
    CHECK_STR(tl_ls(v, "/d"), "");
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/d", AT_REMOVEDIR), 0);
}

static void readdir_positions(void)
{
    struct vfs *v = tl_vfs("ram");
    uint64_t bufw[64];
    char *buf = (char *)bufw;
    struct linux_dirent64 *d;
    int64_t n, pos;
    int fd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/a", ""), 0);
    CHECK_INT(tl_write(v, "/b", ""), 0);
    CHECK_INT(tl_write(v, "/c", ""), 0);
    fd = vfs_openat(v, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_getdents64(v, fd, buf, 10), -EINVAL); /* too small for one record */
    n = vfs_getdents64(v, fd, buf, 24 + 24 + 24);       /* ".", "..", "c": newest first, as tmpfs */
    CHECK_INT(n, 72);
    d = (struct linux_dirent64 *)(buf + 48);
    CHECK_STR(d->d_name, "c");
    CHECK_INT(d->d_type, DT_REG);
    pos = vfs_lseek(v, fd, 0, SEEK_CUR);
    CHECK_INT(pos, d->d_off);
    n = vfs_getdents64(v, fd, buf, sizeof bufw);
    CHECK_INT(n, 48);
    CHECK_STR(((struct linux_dirent64 *)buf)->d_name, "b");
    CHECK_STR(((struct linux_dirent64 *)(buf + 24))->d_name, "a");
    CHECK_INT(vfs_lseek(v, fd, pos, SEEK_SET), pos); /* telldir/seekdir */
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof bufw), 48);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof bufw), 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), 0);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof bufw), 5 * 24);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void times(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st, dir;
    char buf[4];
    int fd;
    CHECK(v);
    tl_clock_ns = 1000 * 1000000000ull;
    CHECK_INT(tl_write(v, "/f", "abc"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &st, 0), 0);
    CHECK_INT(st.st_mtim.tv_sec, 1000);
    CHECK_INT(st.st_ctim.tv_sec, 1000);
    CHECK_INT(st.st_atim.tv_sec, 1000);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &dir, 0), 0);
    CHECK_INT(dir.st_mtim.tv_sec, 1000);
    tl_clock_ns = 2000 * 1000000000ull + 3 * VFS_TIME_TICK_NS + 5;
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR, 0);
    CHECK_INT(vfs_read(v, fd, buf, 1), 1); /* relatime: atime was not after mtime */
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_atim.tv_sec, 2000);
    CHECK_INT(st.st_atim.tv_nsec, 3 * VFS_TIME_TICK_NS); /* the tick's: as Linux's coarse clock */
    tl_clock_ns = 3000 * 1000000000ull;
    CHECK_INT(vfs_read(v, fd, buf, 1), 1); /* now atime is newer: it stays */
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_atim.tv_sec, 2000);
    CHECK_INT(vfs_write(v, fd, "x", 1), 1);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mtim.tv_sec, 3000);
    CHECK_INT(st.st_ctim.tv_sec, 3000);
    tl_clock_ns = 4000 * 1000000000ull;
    CHECK_INT(vfs_fchmod(v, fd, 0600), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_ctim.tv_sec, 4000);
    CHECK_INT(st.st_mtim.tv_sec, 3000);
    tl_clock_ns = 5000 * 1000000000ull;
    CHECK_INT(vfs_ftruncate(v, fd, 3), 0); /* same size: ftruncate still sets mtime */
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mtim.tv_sec, 5000);
    tl_clock_ns = 6000 * 1000000000ull;
    CHECK_INT(vfs_truncate(v, "/f", 3), 0); /* truncate of the same size: no change */
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mtim.tv_sec, 5000);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/f", NULL, 0), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mtim.tv_sec, 6000);
    CHECK_INT(st.st_atim.tv_sec, 6000);
    tl_clock_ns = 7000 * 1000000000ull;
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/f", AT_FDCWD, "/g", 0), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_ctim.tv_sec, 7000);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &dir, 0), 0);
    CHECK_INT(dir.st_mtim.tv_sec, 7000);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void size_limit(void)
{
    struct vfs *v = tl_vfs("dir /small { ram size=64K }");
    struct linux_statfs sfs;
    static char block[4096];
    int fd, i, n = 0;
    int64_t r = 0;
    CHECK(v);
    CHECK_INT(vfs_statfs(v, "/small", &sfs), 0);
    CHECK_INT(sfs.f_type, TMPFS_MAGIC);
    CHECK_INT(sfs.f_bsize, 4096);
    CHECK(sfs.f_bfree > 10 && sfs.f_bfree <= 16);
    fd = vfs_openat(v, AT_FDCWD, "/small/f", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    for (i = 0; i < 100; i++) {
        r = vfs_write(v, fd, block, sizeof block);
        if (r < 0)
            break;
        n++;
    }
    CHECK_INT(r, -ENOSPC);
    CHECK(n >= 8 && n < 16);
    CHECK_INT(vfs_statfs(v, "/small", &sfs), 0);
    CHECK(sfs.f_bfree < 8);
    CHECK_INT(vfs_ftruncate(v, fd, 0), 0);
    CHECK_INT(vfs_statfs(v, "/small", &sfs), 0);
    CHECK(sfs.f_bfree > 10);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void allocation_failure(void)
{
    struct vfs *v = tl_vfs("ram");
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    tl_alloc_fail_after = 0;
    CHECK_INT(vfs_write(v, fd, "x", 1), -ENOSPC);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), -ENOSPC);
    CHECK_INT(vfs_symlinkat(v, "t", AT_FDCWD, "/l"), -ENOSPC);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/f", AT_FDCWD, "/g", 0), -ENOSPC);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0), -ENOMEM);
    tl_alloc_fail_after = 1; /* the node, not its link text */
    CHECK_INT(vfs_symlinkat(v, "t", AT_FDCWD, "/l"), -ENOSPC);
    tl_alloc_fail_after = -1;
    CHECK_STR(tl_ls(v, "/"), "f");
    CHECK_INT(vfs_close(v, fd), 0);
}

static void locks(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_flock fl = {F_WRLCK, SEEK_SET, 0, 0, 0};
    int fd, ro;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0644);
    ro = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    CHECK(fd >= 0 && ro >= 0);
    CHECK_INT(vfs_fcntl(v, fd, F_SETLK, (unsigned long)&fl), 0);
    CHECK_INT(vfs_fcntl(v, fd, F_SETLKW, (unsigned long)&fl), 0);
    CHECK_INT(vfs_fcntl(v, ro, F_SETLK, (unsigned long)&fl), -EBADF);
    CHECK_INT(vfs_fcntl(v, fd, F_GETLK, (unsigned long)&fl), 0);
    CHECK_INT(fl.l_type, F_UNLCK);
    fl.l_type = 7;
    CHECK_INT(vfs_fcntl(v, fd, F_SETLK, (unsigned long)&fl), -EINVAL);
    CHECK_INT(vfs_fcntl(v, fd, F_GETPIPE_SZ, 0), -EINVAL);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, ro), 0);
}

static void fionread_and_nonblock(void)
{
    struct vfs *v = tl_vfs("ram");
    int fd, n = -1, on = 1;
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "0123456789"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_lseek(v, fd, 3, SEEK_SET), 3);
    CHECK_INT(vfs_ioctl(v, fd, FIONREAD, &n), 0);
    CHECK_INT(n, 7);
    CHECK_INT(vfs_ioctl(v, fd, FIONBIO, &on), 0);
    CHECK_INT(vfs_fcntl(v, fd, F_GETFL, 0), O_RDONLY | O_NONBLOCK | O_LARGEFILE);
    CHECK_INT(vfs_ioctl(v, fd, FIOCLEX, NULL), 0);
    CHECK_INT(vfs_fcntl(v, fd, F_GETFD, 0), FD_CLOEXEC);
    CHECK_INT(vfs_ioctl(v, fd, FIONCLEX, NULL), 0);
    CHECK_INT(vfs_fcntl(v, fd, F_GETFD, 0), 0);
    CHECK_INT(vfs_ioctl(v, fd, TIOCGWINSZ, &n), -ENOTTY);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void root_mode_and_config(void)
{
    struct vfs *v = tl_vfs("dir /tmp { ram mode=1777 }");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 01777);
    CHECK_CONTAINS(tl_vfs_error("ram extra"), "test.cfg:2:5: ram takes no values");
    CHECK_CONTAINS(tl_vfs_error("ram size=lots"),
                   "size: expected a size such as 16M, found 'lots'");
    CHECK_CONTAINS(tl_vfs_error("ram size=0"), "size: expected a size");
    CHECK_CONTAINS(tl_vfs_error("ram mode=8"), "mode: expected an octal mode");
    CHECK_CONTAINS(tl_vfs_error("ram owner=me"), "ram: unknown property 'owner'");
}

static void sticky_directory(void)
{
    struct vfs *v = tl_vfs("dir /tmp { ram mode=1777 }");
    CHECK(v);
    vfs_set_ids(v, 1000, 1000);
    CHECK_INT(tl_write(v, "/tmp/mine", "x"), 0);
    vfs_set_ids(v, 1001, 1001);
    CHECK_INT(tl_write(v, "/tmp/theirs", "x"), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/mine", 0), -EPERM);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/mine", AT_FDCWD, "/tmp/x", 0), -EPERM);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/theirs", AT_FDCWD, "/tmp/mine", 0), -EPERM);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/theirs", 0), 0);
    vfs_set_ids(v, 0, 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/mine", 0), 0);
}

static void large_directory(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat st;
    char name[32];
    int i;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), 0);
    for (i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "/d/entry-%d", i);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, name, 0755), 0);
    }
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d", &st, 0), 0);
    CHECK_INT(st.st_nlink, 5002);
    CHECK_INT(st.st_size, 5002 * 20);
    for (i = 0; i < 5000; i += 7) {
        snprintf(name, sizeof name, "/d/entry-%d", i);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, name, &st, 0), 0);
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, name, AT_REMOVEDIR), 0);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, name, &st, 0), -ENOENT);
    }
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/d/entry-1", AT_FDCWD, "/d/renamed", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/renamed", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/entry-1", &st, 0), -ENOENT);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d/entry-2", 0755), -EEXIST);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d/entry-0", 0755), 0);
}

/* ---- import: ram from=ARCHIVE ---- */

/* Loads an archive that make-test-archives.sh made with the host's tar. */
static char *load_archive(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = NULL;
    long n;
    snprintf(path, sizeof path, "%s/%s", VFS_TAR_DATA, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
            *len = (size_t)n;
        else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static const char *const host_archives[] = {"tree-ustar.tar", "tree-gnu.tar", "tree-pax.tar"};

static void register_host_archives(void)
{
    static bool done;
    size_t i, len;
    if (done)
        return;
    done = true;
    for (i = 0; i < 3; i++) {
        char *data = load_archive(host_archives[i], &len);
        if (data)
            tl_add_module(host_archives[i], data, len); /* kept for the whole run */
    }
}

static void import_host_archives(void)
{
    size_t i;
    register_host_archives();
    for (i = 0; i < 3; i++) {
        char cfg[64], buf[256];
        struct linux_stat st, st2;
        struct vfs *v;
        bool ustar = i == 0;
        snprintf(cfg, sizeof cfg, "dir /home { ram from=%s }", host_archives[i]);
        CHECK(v = tl_vfs(cfg));
        CHECK_STR(tl_ls_sorted(v, "/home"),
                  ustar ? "bin empty etc usr"
                        : "averylongdirectoryname bin empty etc longlink usr");
        CHECK_STR(tl_ls_sorted(v, "/home/etc"), "greeting hardlink");
        CHECK_STR(tl_read(v, "/home/etc/greeting", NULL), "hello, tar\n");
        CHECK_STR(tl_read(v, "/home/bin/up", NULL), "hello, tar\n");
        CHECK_STR(tl_read(v, "/home/bin/link", NULL), "#!/bin/sh\necho hi\n");
        CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/home/bin/link", buf, sizeof buf), 4);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/bin/link", &st, AT_SYMLINK_NOFOLLOW), 0);
        CHECK_INT(st.st_uid, 1234);
        CHECK_INT(st.st_size, 4);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/etc/greeting", &st, 0), 0);
        CHECK_INT(st.st_mode, S_IFREG | 0644);
        CHECK_INT(st.st_uid, 1234);
        CHECK_INT(st.st_gid, 5678);
        CHECK_INT(st.st_size, 11);
        CHECK_INT(st.st_nlink, 2);
        CHECK_INT(st.st_mtim.tv_sec, 1600000000);
        CHECK_INT(st.st_ctim.tv_sec, tl_clock_ns / 1000000000u); /* made now */
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/etc/hardlink", &st2, 0), 0);
        CHECK_INT(st2.st_ino, st.st_ino);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/bin/tool", &st, 0), 0);
        CHECK_INT(st.st_mode, S_IFREG | 0755);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/empty", &st, 0), 0);
        CHECK_INT(st.st_mode, S_IFDIR | 0700);
        CHECK_INT(st.st_nlink, 2);
        CHECK_INT(st.st_mtim.tv_sec, 1600000000);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/usr", &st, 0), 0);
        CHECK_INT(st.st_nlink, 3);
        CHECK_INT(st.st_mtim.tv_sec, 1600000000);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home/usr/share/doc/big", &st, 0), 0);
        CHECK_INT(st.st_size, 10000);
        CHECK_INT(st.st_blocks, 24);
        CHECK_INT(st.st_atim.tv_sec, 1600000000); /* not read yet */
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/home", &st, 0), 0);
        if (!strcmp(host_archives[i], "tree-pax.tar")) {
            CHECK_INT(st.st_uid, 0); /* no "./" member: the root stays as configured */
            CHECK_INT(st.st_mode, S_IFDIR | 0755);
        } else {
            CHECK_INT(st.st_uid, 1234); /* the archive's "./" */
            CHECK_INT(st.st_mtim.tv_sec, 1600000000);
        }
        if (!ustar) {
            char path[400] = "/home";
            int k;
            for (k = 0; k < 12; k++)
                strcat(path, "/averylongdirectoryname");
            strcat(path, "/file");
            CHECK_STR(tl_read(v, path, NULL), "deep\n");
            CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/home/longlink", buf, sizeof buf), 166);
        }
        /* a copy: writable, and changes stay in this instance */
        CHECK_INT(tl_append(v, "/home/etc/hardlink", "more\n"), 0);
        CHECK_STR(tl_read(v, "/home/etc/greeting", NULL), "hello, tar\nmore\n");
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/home/usr/share/doc/big", 0), 0);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/home/empty/sub", 0755), 0);
        CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/home/bin", AT_FDCWD, "/home/sbin", 0), 0);
        CHECK_STR(tl_read(v, "/home/sbin/link", NULL), "#!/bin/sh\necho hi\n");
    }
    {
        struct vfs *a = tl_vfs("ram from=tree-ustar.tar"), *b = tl_vfs("ram from=tree-ustar.tar");
        CHECK(a && b);
        CHECK_INT(tl_write(a, "/etc/greeting", "changed\n"), 0);
        CHECK_STR(tl_read(b, "/etc/greeting", NULL), "hello, tar\n");
    }
}

static void import_mode_and_size(void)
{
    struct vfs *v;
    struct linux_stat st;
    struct linux_statfs sf;
    register_host_archives();
    CHECK(v = tl_vfs("ram from=tree-gnu.tar mode=0750 size=1M"));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0750); /* mode= wins over the archive's "./" */
    CHECK_INT(st.st_uid, 1234);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK(sf.f_bfree < (1u << 20) / 4096 - 2); /* the import is charged to size= */
    CHECK_CONTAINS(tl_vfs_error("dir /h { ram from=tree-gnu.tar size=16K }"),
                   "test.cfg:2:32: ram: the archive 'tree-gnu.tar' does not fit in size=16K");
}

static void import_errors(void)
{
    static const char junk[1024] = "this is not a tar archive";
    register_host_archives();
    tl_add_module("junk.tar", junk, sizeof junk);
    CHECK_CONTAINS(tl_vfs_error("dir /h { ram from=missing.tar }"),
                   "test.cfg:2:14: ram: there is no boot module called 'missing.tar'");
    CHECK_CONTAINS(tl_vfs_error("\n ram from=junk.tar"),
                   "test.cfg:3:6: ram: 'junk.tar' is not a valid archive: ");
    CHECK_CONTAINS(tl_vfs_error("ram from=\"\""), "from: expected the name of a tar archive");
    CHECK_CONTAINS(tl_vfs_error("ram to=x"),
                   "unknown property 'to'; known are size=, mode= and from=");
}

/* Builds a vfs from text (a whole "vfs { }" node) without tl_vfs's failure report. */
static int build_raw(const char *text, struct vfs **out, struct cfg_error *err)
{
    static char arena_mem[1 << 14];
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    int rc = cfg_parse("t.cfg", text, strlen(text), &arena, &root, err);
    if (rc < 0)
        return rc;
    return vfs_create(&tl_env, vfs_plugins_all, vfs_plugins_all_count, cfg_first(root, "vfs"), 16,
                      out, err);
}

static void import_allocation_failures(void)
{
    long i;
    register_host_archives();
    for (i = 0;; i++) {
        struct cfg_error err;
        struct vfs *v = NULL;
        int rc;
        tl_alloc_fail_after = i;
        rc = build_raw("vfs { ram from=tree-gnu.tar }", &v, &err);
        tl_alloc_fail_after = -1;
        if (rc == 0) {
            CHECK(i > 20);
            CHECK_STR(tl_read(v, "/etc/greeting", NULL), "hello, tar\n");
            vfs_destroy(v);
            break;
        }
        CHECK_INT(rc, -ENOMEM);
        CHECK(i < 100000);
    }
}

/* A small ustar archive written here, for the cases the host's tar does not make. */
struct tar_writer {
    unsigned char buf[32 * 512];
    size_t len;
};

static void tw_member(struct tar_writer *w, const char *name, char type, const char *link,
                      const char *data)
{
    unsigned char *h = w->buf + w->len;
    size_t size = data ? strlen(data) : 0, i;
    unsigned sum = 0;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    snprintf((char *)h + 100, 8, "%07o", 0644u);
    snprintf((char *)h + 108, 8, "%07o", 7u);
    snprintf((char *)h + 116, 8, "%07o", 8u);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)size & 07777777u);
    snprintf((char *)h + 136, 12, "%011o", 1000u);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    w->len += 512;
    if (size) {
        memset(w->buf + w->len, 0, (size + 511) & ~(size_t)511);
        memcpy(w->buf + w->len, data, size);
        w->len += (size + 511) & ~(size_t)511;
    }
}

static void import_unusual_members(void)
{
    static struct tar_writer w;
    struct linux_stat st;
    struct vfs *v;
    memset(&w, 0, sizeof w);
    tw_member(&w, "a/b/c", '0', NULL, "deep"); /* parents made on the way */
    tw_member(&w, "dup", '0', NULL, "first");
    tw_member(&w, "dup", '0', NULL, "second"); /* a later member replaces */
    tw_member(&w, "../evil", '0', NULL, "x");  /* skipped */
    tw_member(&w, "a/../evil", '0', NULL, "x");
    tw_member(&w, "hl", '1', "nothing", NULL); /* a hard link to nothing: skipped */
    tw_member(&w, "hd", '1', "a", NULL);       /* a hard link to a directory: skipped */
    tw_member(&w, "fifo", '6', NULL, NULL);
    tw_member(&w, "vol", 'V', NULL, NULL); /* a volume label: skipped */
    tw_member(&w, "x", '0', NULL, "file in the way");
    tw_member(&w, "x/y", '0', NULL, "y");       /* the file x is replaced by a directory */
    tw_member(&w, "a", '0', NULL, "not empty"); /* a non-empty directory stays */
    tw_member(&w, "./a/./b//link", '2', NULL, NULL);
    tw_member(&w, "./hard", '1', "./dup", NULL);
    tw_member(&w, "dup", '1', "hard", NULL); /* a link to itself changes nothing */
    w.len += 1024;
    tl_add_module("unusual.tar", w.buf, w.len);
    CHECK(v = tl_vfs("ram from=unusual.tar"));
    CHECK_STR(tl_ls_sorted(v, "/"), "a dup fifo hard x");
    CHECK_STR(tl_read(v, "/a/b/c", NULL), "deep");
    CHECK_STR(tl_read(v, "/dup", NULL), "second");
    CHECK_STR(tl_read(v, "/x/y", NULL), "y");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
    CHECK_INT(st.st_uid, 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dup", &st, 0), 0);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(st.st_uid, 7);
    CHECK_INT(st.st_gid, 8);
    CHECK_INT(st.st_mtim.tv_sec, 1000);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/fifo", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFIFO | 0644);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a/b/link", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0644);
    CHECK_INT(st.st_size, 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_nlink, 4);
}

int main(void)
{
    RUN(files_and_sizes);
    RUN(directories_and_link_counts);
    RUN(hard_links_and_inodes);
    RUN(unlinked_while_open);
    RUN(removed_directory_in_use);
    RUN(removed_chain_in_use);
    RUN(readdir_while_removing);
    RUN(readdir_positions);
    RUN(times);
    RUN(size_limit);
    RUN(allocation_failure);
    RUN(locks);
    RUN(fionread_and_nonblock);
    RUN(root_mode_and_config);
    RUN(sticky_directory);
    RUN(large_directory);
    RUN(import_host_archives);
    RUN(import_mode_and_size);
    RUN(import_errors);
    RUN(import_allocation_failures);
    RUN(import_unusual_members);
    return tl_finish();
}
