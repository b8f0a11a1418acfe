/*
 * Host tests of the symlink plugin (README.md): symbolic links written in the
 * configuration, followed by the path walk like any other.
 */
#include "../../vfs/tests/testlib.h"

static void symlink_links(void)
{
    struct vfs *v = tl_vfs("dir /bin { inline bash \"#!bash\" }; symlink /bin/sh bash; "
                           "symlink /abs /bin/bash; symlink /dangling nowhere");
    struct linux_stat st;
    char buf[64];
    CHECK(v);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/bin/sh", buf, sizeof buf), 4);
    CHECK(memcmp(buf, "bash", 4) == 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/sh", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0777);
    CHECK_INT(st.st_size, 4);
    CHECK_STR(tl_read(v, "/bin/sh", NULL), "#!bash");
    CHECK_STR(tl_read(v, "/abs", NULL), "#!bash");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dangling", &st, 0), -ENOENT);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/bin/sh", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/bin/sh", 0), -EROFS);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/bin/sh", 1, 1, AT_SYMLINK_NOFOLLOW), -EROFS);
    CHECK_STR(tl_ls_sorted(v, "/bin"), "bash sh");
}

static void symlink_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("symlink /a"), "symlink needs a name and a target");
    CHECK_CONTAINS(tl_vfs_error("symlink /a \"\""), "symlink needs a name and a target");
    CHECK_CONTAINS(tl_vfs_error("symlink /a b c"), "unexpected value 'c'");
    CHECK_CONTAINS(tl_vfs_error("symlink /a b mode=0777"), "unknown property 'mode'");
}

int main(void)
{
    RUN(symlink_links);
    RUN(symlink_config_errors);
    return tl_finish();
}
