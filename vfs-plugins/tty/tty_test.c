/*
 * Host tests of the tty plugin (README.md): /dev/tty without a controlling terminal
 * is there (stat) but cannot be opened (ENXIO, as on Linux).
 */
#include "../../vfs/tests/testlib.h"

static void tty_no_terminal(void)
{
    struct vfs *v = tl_vfs("dir /dev { tty }");
    struct linux_stat st;
    int fd;
    CHECK(v);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/tty", O_RDWR, 0), -ENXIO);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/tty", O_RDONLY | O_NOCTTY, 0), -ENXIO);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/tty", O_WRONLY, 0), -ENXIO);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/dev/tty", R_OK | W_OK, 0), 0);
    fd = vfs_openat(v, AT_FDCWD, "/dev/tty", O_PATH, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(5, 0));
    CHECK_INT(st.st_uid, 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/dev/tty", 0), -EROFS);
}

static void tty_attributes(void)
{
    struct vfs *v = tl_vfs("dir /dev { tty; tty console mode=0600 }");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/console", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0600);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/dev/tty", 0620, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/tty", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0620);
    CHECK_STR(tl_ls(v, "/dev"), "tty console");
}

static void tty_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("tty a b"), "test.cfg:2:7: tty: unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("tty rows=24"), "unknown property 'rows'");
    CHECK_CONTAINS(tl_vfs_error("tty mode=8"), "mode: expected an octal mode");
}

int main(void)
{
    RUN(tty_no_terminal);
    RUN(tty_attributes);
    RUN(tty_config_errors);
    return tl_finish();
}
