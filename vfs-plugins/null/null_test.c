/*
 * Host tests of the null plugin (README.md): a character device 1:3 that reads as
 * empty and swallows writes, in a composition directory.
 */
#include "../../vfs/tests/testlib.h"

static void null_reads_empty_and_takes_writes(void)
{
    struct vfs *v = tl_vfs("dir /dev { null }");
    char buf[16];
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/null", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 0);
    CHECK_INT(vfs_write(v, fd, "hello", 5), 5);
    CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 100), 0);
    CHECK_INT(vfs_pwrite(v, fd, "x", 1, 7), 1);
    CHECK_INT(vfs_lseek(v, fd, 1234, SEEK_SET), 0);
    CHECK_INT(vfs_lseek(v, fd, 5, SEEK_END), 0);
    CHECK_INT(vfs_poll(v, fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
    CHECK_INT(vfs_fsync(v, fd, false), -EINVAL); /* as on Linux: no fsync for devices */
    CHECK_INT(vfs_ioctl(v, fd, TCGETS, buf), -ENOTTY);
    CHECK_INT(vfs_ftruncate(v, fd, 0), -EINVAL);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_STR(tl_read(v, "/dev/null", NULL), "");
    CHECK_INT(tl_write(v, "/dev/null", "data"), 0); /* O_TRUNC on a device is ignored */
}

static void null_attributes(void)
{
    struct vfs *v = tl_vfs("dir /dev { null; null nothing mode=0600 }");
    struct linux_stat st, st2;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/null", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 3));
    CHECK_INT(st.st_nlink, 1);
    CHECK_INT(st.st_size, 0);
    CHECK_INT(st.st_uid, 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/nothing", &st2, 0), 0);
    CHECK_INT(st2.st_mode, S_IFCHR | 0600);
    CHECK(st.st_dev != st2.st_dev); /* two instances, two file systems */
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/dev/null", 0644, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/null", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0644);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/dev/null", 0), -EROFS);
    CHECK_INT(vfs_truncate(v, "/dev/null", 0), -EINVAL);
    CHECK_STR(tl_ls(v, "/dev"), "null nothing");
}

static void null_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("null a b"), "test.cfg:2:8: null: unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("null x=1"), "unknown property 'x'");
    CHECK_CONTAINS(tl_vfs_error("null mode=999"), "mode: expected an octal mode");
    CHECK_CONTAINS(tl_vfs_error("null\nnull"),
                   "'null' is given twice: it is already null (line 2)");
}

int main(void)
{
    RUN(null_reads_empty_and_takes_writes);
    RUN(null_attributes);
    RUN(null_config_errors);
    return tl_finish();
}
