/*
 * Host tests of the fs plugin, part of fs_test (fs_test.h): views of files on a device
 * (fs-servers/lib/fs_mirror.c). The server's tree is a ram file system that says its
 * data lives on a device (as fat's does), so its chunks are only a copy: preads come
 * from the views while nothing changes, every other session's completed write,
 * growth and truncation is in the next pread, shared mappings still give ENODEV, the
 * copy is made only of the chunks views asked for (the rest is read from the plugin),
 * and the plugin's own bytes are right all along (nothing is written back from a copy).
 */
#include "fs_test.h"

static struct vfs_fs_ops device_ops;

/* ram, marked as keeping its data on a device */
static int device_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    int rc = vfs_plugin_ram.mount(a, out);
    if (rc == 0) {
        device_ops = *(*out)->ops;
        device_ops.data_on_device = true;
        (*out)->ops = &device_ops;
    }
    return rc;
}

static const struct vfs_plugin device_ram = {"ram", VFS_PLUGIN_TREE, NULL, device_mount};

static bool mirror_in_use(void *ctx, uint64_t id)
{
    for (unsigned i = 0; i < VIEWED_MAX; i++)
        if (viewed[i] == id)
            return true;
    return false;
}

static unsigned asked(const struct loop *l)
{
    return l->calls[FS_READ] + l->calls[FS_GETATTR] + l->calls[FS_MAP];
}

static void mirror_views(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, mirror_in_use};
    static char big[300000], back[300000];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    struct vfs_map m;
    char buf[64];
    unsigned before;
    size_t i;
    int fa, fb;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    CHECK_INT(tl_write(b, "/tmp/f", "hello world"), 0);
    tl_clock_ns += 1000000000;
    fa = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fa >= 0 && fb >= 0);
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5); /* ram moves the access time: asks */
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5); /* a view */
    CHECK_INT(views_live, 1);
    CHECK_INT(test_mem_live, 1);
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5);
    before = asked(l);
    memset(buf, 0, sizeof buf);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_INT(asked(l), before); /* no request */
    /* a mapping that is not a view: the copy is not the file's data */
    CHECK_INT(vfs_file_map(vfs_fd_file(b, fb), 0, 0, &m), -ENODEV);
    CHECK_INT(vfs_file_map(vfs_fd_file(a, fa), 0, 0, &m), -ENODEV);
    /* other sessions' writes, growth and truncations are in the next pread */
    CHECK_INT(vfs_pwrite(b, fb, "HELLO", 5, 0), 5);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "HELLO world", 11) == 0);
    CHECK_INT(vfs_pwrite(b, fb, "!!", 2, 13), 2); /* a gap of two zeros */
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 15);
    CHECK(memcmp(buf, "HELLO world\0\0!!", 15) == 0);
    CHECK_INT(vfs_ftruncate(b, fb, 3), 0);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 3);
    CHECK_INT(vfs_ftruncate(b, fb, 8), 0);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 8);
    CHECK(memcmp(buf, "HEL\0\0\0\0\0", 8) == 0);
    CHECK_INT(views_live, 1);
    /* five pages through the views, across the chunks' edges */
    for (i = 0; i < 20000; i++)
        big[i] = (char)(i * 7 + i / 4096);
    CHECK_INT(vfs_pwrite(b, fb, big, 20000, 0), 20000);
    memset(back, 0, 20000);
    CHECK_INT(vfs_pread(a, fa, back, 20000, 0), 20000);
    CHECK(memcmp(back, big, 20000) == 0);
    CHECK_INT(views_live, 4);
    /* grown: the copy's chunks follow the write (no new one is made for it), and a
     * pread beyond them makes the chunk it needs (a view of it, no READ) */
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 13 + i / 4096);
    CHECK_INT(vfs_pwrite(b, fb, big, sizeof big, 0), (int64_t)sizeof big);
    CHECK_INT(test_mem_live, 4);
    before = l->calls[FS_READ];
    memset(back, 0, 4096);
    CHECK_INT(vfs_pread(a, fa, back, 4096, 100), 4096);
    CHECK(memcmp(back, big + 100, 4096) == 0);
    CHECK_INT(l->calls[FS_READ], before);
    CHECK_INT(vfs_pread(a, fa, back, 4096, 290000), 4096);
    CHECK(memcmp(back, big + 290000, 4096) == 0);
    CHECK_INT(l->calls[FS_READ], before);
    CHECK_INT(test_mem_live, 5);
    /* small again: mapped anew, and what the plugin holds is what was written */
    CHECK_INT(vfs_ftruncate(b, fb, 9000), 0);
    CHECK_INT(vfs_pwrite(b, fb, "tail", 4, 8996), 4);
    fs_server_collect(server);
    CHECK_INT(vfs_close(a, fa), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    CHECK(fa >= 0);
    memset(back, 0, 9000);
    CHECK_INT(vfs_pread(a, fa, back, 9000, 0), 9000);
    CHECK(memcmp(back, big, 8996) == 0 && memcmp(back + 8996, "tail", 4) == 0);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(vfs_unlinkat(b, AT_FDCWD, "/tmp/f", 0), 0);
}

/* The copy is freed when no client views it, and the plugin's bytes stay the file's. */
static void mirror_collected(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, mirror_in_use};
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    char buf[32];
    int fa, fb;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    CHECK_INT(tl_write(b, "/tmp/g", "first"), 0);
    tl_clock_ns += 1000000000;
    fa = vfs_openat(a, AT_FDCWD, "/tmp/g", O_RDONLY, 0);
    CHECK(fa >= 0);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 5);
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 5);
    CHECK_INT(test_mem_live, 1);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/g", O_WRONLY, 0);
    CHECK_INT(vfs_pwrite(b, fb, "FIRST", 5, 0), 5);
    CHECK_INT(vfs_close(b, fb), 0);
    fs_server_collect(server);
    CHECK_INT(test_mem_live, 1); /* a still views it */
    CHECK_INT(vfs_close(a, fa), 0);
    vfs_fs_drop_caches(a);
    CHECK_INT(views_live, 0);
    fs_server_collect(server);
    CHECK_INT(test_mem_live, 0);
    CHECK_STR(tl_read(b, "/tmp/g", NULL), "FIRST"); /* the plugin's, read by requests */
    CHECK_INT(vfs_unlinkat(b, AT_FDCWD, "/tmp/g", 0), 0);
}

/* read() of a file on a device: after the first full read, the bytes come from the
 * views of its copy's chunks; at the offset this process alone holds, without any
 * request; at a shared offset (after a fork), the server moves it. */
static void mirror_read_at_offset(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, mirror_in_use};
    static char big[300000], back[300000];
    struct vfs *a = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    size_t i, got = 0;
    int64_t n;
    int fa;
    CHECK(a);
    fs_server_set_mem(server, &ops);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 11 + i / 4096);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDWR | O_CREAT, 0644);
    CHECK(fa >= 0);
    CHECK_INT(vfs_pwrite(a, fa, big, sizeof big, 0), (int64_t)sizeof big);
    CHECK_INT(vfs_close(a, fa), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDONLY, 0);
    CHECK(fa >= 0);
    l->reads_no_data = 0;
    unsigned reads = l->calls[FS_READ];
    while ((n = vfs_read(a, fa, back + got, 65536)) > 0)
        got += (size_t)n;
    CHECK_INT(got, sizeof big);
    CHECK(memcmp(back, big, sizeof big) == 0);
    CHECK_INT(l->calls[FS_READ] - reads, 1); /* the first: then views */
    CHECK_INT(vfs_close(a, fa), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDONLY, 0);
    CHECK(fa >= 0);
    vfs_fs_before_fork(a); /* shared from now on */
    got = 0;
    while ((n = vfs_read(a, fa, back + got, 65536)) > 0)
        got += (size_t)n;
    CHECK_INT(got, sizeof big);
    CHECK(memcmp(back, big, sizeof big) == 0);
    CHECK_INT(l->reads_no_data, 5); /* all (but the one at the end) */
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/big", 0), 0);
}

void fs_mirror_cases(void)
{
    RUN_FS_ON(mirror_views, &device_ram);
    RUN_FS_ON(mirror_collected, &device_ram);
    RUN_FS_ON(mirror_read_at_offset, &device_ram);
    if (views_live)
        tl_fail(__LINE__, "%u views left", views_live);
    if (test_mem_live)
        tl_fail(__LINE__, "%u memory objects left", test_mem_live);
}
