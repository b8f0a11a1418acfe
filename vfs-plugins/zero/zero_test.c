/*
 * Host tests of the zero plugin (README.md): a character device 1:5 that reads as
 * endless zero bytes and swallows writes.
 */
#include "../../vfs/tests/testlib.h"

static void zero_reads_zeros(void)
{
    struct vfs *v = tl_vfs("dir /dev { zero }");
    char buf[4096];
    struct linux_stat st;
    size_t i;
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/zero", O_RDWR, 0);
    CHECK(fd >= 0);
    memset(buf, 0x5a, sizeof buf);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), sizeof buf);
    for (i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0);
    memset(buf, 0x5a, 10);
    CHECK_INT(vfs_pread(v, fd, buf, 10, 1 << 30), 10);
    CHECK(buf[0] == 0 && buf[9] == 0);
    CHECK_INT(vfs_write(v, fd, "abc", 3), 3);
    CHECK_INT(vfs_lseek(v, fd, 99, SEEK_CUR), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 5));
    CHECK_INT(vfs_close(v, fd), 0);
}

static void zero_name_and_errors(void)
{
    struct vfs *v = tl_vfs("zero /dev/zeroes mode=0444");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/zeroes", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0444);
    CHECK_CONTAINS(tl_vfs_error("dir /dev { zero /abs }"), "must not start with '/'");
    CHECK_CONTAINS(tl_vfs_error("zero size=1"), "unknown property 'size'");
}

int main(void)
{
    RUN(zero_reads_zeros);
    RUN(zero_name_and_errors);
    return tl_finish();
}
