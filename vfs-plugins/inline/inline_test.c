/*
 * Host tests of the inline plugin (README.md): read-only files whose content is
 * written in the configuration.
 */
#include "../../vfs/tests/testlib.h"

static void inline_content(void)
{
    struct vfs *v = tl_vfs("dir /etc { inline hostname \"capix\\n\"; inline motd \"a\" \"b\\n\" "
                           "c; inline empty }");
    struct linux_stat st;
    char buf[8];
    int fd;
    CHECK(v);
    CHECK_STR(tl_read(v, "/etc/hostname", NULL), "capix\n");
    CHECK_STR(tl_read(v, "/etc/motd", NULL), "ab\nc");
    CHECK_STR(tl_read(v, "/etc/empty", NULL), "");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/etc/motd", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0444);
    CHECK_INT(st.st_size, 4);
    CHECK_INT(st.st_nlink, 1);
    fd = vfs_openat(v, AT_FDCWD, "/etc/motd", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_pread(v, fd, buf, 2, 2), 2);
    CHECK(memcmp(buf, "\nc", 2) == 0);
    CHECK_INT(vfs_pread(v, fd, buf, 2, 4), 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_END), 4);
    CHECK_INT(vfs_fsync(v, fd, false), 0);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void inline_is_read_only(void)
{
    struct vfs *v = tl_vfs("inline /etc/hostname capix mode=0644");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/etc/hostname", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/etc/hostname", O_WRONLY, 0), -EROFS);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/etc/hostname", O_RDONLY | O_TRUNC, 0), -EROFS);
    CHECK_INT(vfs_truncate(v, "/etc/hostname", 0), -EROFS);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/etc/hostname", 0600, 0), -EROFS);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/etc/hostname", W_OK, 0), -EROFS);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/etc/hostname", R_OK, 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/etc/hostname", 0), -EROFS);
    CHECK_STR(tl_read(v, "/etc/hostname", NULL), "capix");
}

static void inline_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("inline"),
                   "test.cfg:2:1: 'inline' needs a name, as in: inline NAME");
    CHECK_CONTAINS(tl_vfs_error("inline a b c=d"), "unknown property 'c'");
    CHECK_CONTAINS(tl_vfs_error("inline ../x y"), "'.' and '..' are not allowed");
    CHECK_CONTAINS(tl_vfs_error("inline a/ y"), "names a directory");
    CHECK_CONTAINS(tl_vfs_error("inline a x; inline a/b y"), "'a' in it is inline (line 2)");
}

int main(void)
{
    RUN(inline_content);
    RUN(inline_is_read_only);
    RUN(inline_config_errors);
    return tl_finish();
}
