/*
 * Host tests of the full plugin (README.md): a character device 1:7 that reads as
 * zeros and refuses every write with ENOSPC.
 */
#include "../../vfs/tests/testlib.h"

static void full_refuses_writes(void)
{
    struct vfs *v = tl_vfs("dir /dev { full }");
    char buf[8];
    struct linux_stat st;
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/full", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_write(v, fd, "abc", 3), -ENOSPC);
    CHECK_INT(vfs_pwrite(v, fd, "abc", 3, 0), -ENOSPC);
    memset(buf, 1, sizeof buf);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), sizeof buf);
    CHECK(buf[0] == 0 && buf[7] == 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 7));
    CHECK_INT(tl_write(v, "/dev/full", "x"), -ENOSPC);
    CHECK_INT(vfs_close(v, fd), 0);
}

int main(void)
{
    RUN(full_refuses_writes);
    return tl_finish();
}
