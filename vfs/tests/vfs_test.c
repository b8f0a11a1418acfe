/*
 * Host unit tests of the VFS core (ASan+UBSan): the mount tree and its configuration,
 * the path walk, descriptors and descriptions, permissions, and the cases where the
 * core answers without a plugin (EXDEV, EBUSY, EROFS, ELOOP, ENAMETOOLONG, ...).
 * The plugins have their own tests in vfs-plugins/NAME/, and oracle_test.c compares
 * the calls with the host's Linux. This file holds the mount tree and the path walk;
 * vfs_fd_test.c the descriptors, permissions and devices (vfs_test.h).
 */
#include "vfs_test.h"

#include <vfs_plugins.h>

#include <stdlib.h>

struct linux_stat st;

int sta(struct vfs *v, const char *path)
{
    return vfs_fstatat(v, AT_FDCWD, path, &st, 0);
}

int lsta(struct vfs *v, const char *path)
{
    return vfs_fstatat(v, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
}

/* ---- the mount tree ---- */

static void tree_from_config(void)
{
    struct vfs *v = tl_vfs("dir /tmp { ram }; dir /dev { null; zero }; "
                           "dir /etc { inline hostname \"capix\\n\" }; symlink /bin/sh bash");
    CHECK(v);
    CHECK_STR(tl_ls(v, "/"), "tmp dev etc bin");
    CHECK_STR(tl_ls(v, "/dev"), "null zero");
    CHECK_STR(tl_ls(v, "/bin"), "sh");
    CHECK_STR(tl_read(v, "/etc/hostname", NULL), "capix\n");
    CHECK_INT(sta(v, "/"), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
    CHECK_INT(st.st_nlink, 6); /* ".", "..", and four sub-directories */
    CHECK_INT(sta(v, "/dev"), 0);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(tl_write(v, "/tmp/x", "1"), 0);
    CHECK_INT(tl_write(v, "/x", "1"), -EROFS); /* the composition has no storage */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/dev/pts", 0755), -EROFS);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp", 0755), -EEXIST);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp", AT_REMOVEDIR), -EROFS);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/dev", 0700, 0), -EROFS);
}

static void overlay_on_a_backing_tree(void)
{
    struct vfs *v = tl_vfs("ram; dir /etc { inline hostname capix }; dir /tmp { ram }; "
                           "symlink /bin/sh bash; null /dev/null");
    struct linux_stat root, tmp;
    CHECK(v);
    /* names of the root's ram show through around the composition's entries */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/home", 0755), 0);
    CHECK_INT(tl_write(v, "/file", "f"), 0);
    CHECK_STR(tl_ls_sorted(v, "/"), "bin dev etc file home tmp");
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/file", 0), 0);
    CHECK_INT(sta(v, "/"), 0);
    root = st;
    /* /etc is the ram's /etc (made with the first name in it) with hostname laid over it */
    CHECK_INT(tl_write(v, "/etc/passwd", "root"), 0);
    CHECK_STR(tl_ls_sorted(v, "/etc"), "hostname passwd");
    CHECK_INT(sta(v, "/etc"), 0);
    CHECK_INT(st.st_dev, root.st_dev);
    CHECK_INT(root.st_mode, S_IFDIR | 0755);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/", 0711, 0), 0); /* the root is the ram's root */
    CHECK_INT(sta(v, "/"), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0711);
    CHECK_INT(sta(v, "/tmp"), 0);
    tmp = st;
    CHECK(tmp.st_dev != root.st_dev);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp", AT_REMOVEDIR), -EBUSY);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/dev/null", 0), -EROFS);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/bin", AT_FDCWD, "/bin2", 0), -EBUSY);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/home", AT_FDCWD, "/tmp", 0), -EBUSY);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/home", AT_FDCWD, "/tmp/home", 0), -EXDEV);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/home", AT_FDCWD, "/etc", 0), -EBUSY);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/bin", 0755), -EEXIST);
    CHECK_INT(sta(v, "/home/../tmp/.."), 0);
    CHECK_INT(st.st_ino, root.st_ino);
    CHECK_INT(st.st_dev, root.st_dev);
}

static void inherited_backing_directories(void)
{
    struct vfs *v = tl_vfs("ram; symlink /bin/sh bash; dir /usr/local/etc { inline conf x }; "
                           "dir /ro { inline a x }");
    struct linux_stat root, bin, sh;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &root, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin", &bin, 0), 0);
    CHECK(bin.st_dev != root.st_dev); /* nothing in the ram yet: the composition's own */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/bin", 0755), -EEXIST);
    /* the first new name makes the ram's /bin behind the composition directory */
    CHECK_INT(tl_write(v, "/bin/bash", "#!"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin", &bin, 0), 0);
    CHECK_INT(bin.st_dev, root.st_dev);
    CHECK_INT(bin.st_mode, S_IFDIR | 0755);
    CHECK_STR(tl_ls_sorted(v, "/bin"), "bash sh");
    CHECK_STR(tl_read(v, "/bin/sh", NULL), "#!");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/sh", &sh, AT_SYMLINK_NOFOLLOW), 0);
    CHECK(sh.st_dev != root.st_dev);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/bin/bash", 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/bin/sh", 0), -EBUSY);
    /* several levels at once, like mkdir -p */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/usr/local/etc/sub", 0700), 0);
    CHECK_STR(tl_ls_sorted(v, "/usr/local/etc"), "conf sub");
    CHECK_STR(tl_ls_sorted(v, "/usr/local"), "etc");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/usr/local/etc/sub/..", &st, 0), 0);
    CHECK_INT(st.st_dev, root.st_dev);
    /* the ram's directories can be used on their own, below the composition */
    CHECK_INT(vfs_chdir(v, "/usr/local/etc/sub"), 0);
    CHECK_STR(tl_ls_sorted(v, ".."), "conf sub");
    CHECK_STR(tl_read(v, "../conf", NULL), "x");
    /* a non-directory in the way: no directory is made */
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/ro", AT_REMOVEDIR), -EBUSY);
    CHECK_INT(vfs_chdir(v, "/"), 0);
    {
        struct vfs *w = tl_vfs("ram; dir /a/b { inline x y }");
        CHECK(w);
        CHECK_INT(vfs_mkdirat(w, AT_FDCWD, "/a", 0755), -EEXIST);
        CHECK_INT(tl_write(w, "/a/file", "f"), 0); /* /a made in the ram */
        CHECK_STR(tl_ls_sorted(w, "/a"), "b file");
    }
}

static void tree_over_tar_with_overlays(void)
{
    static unsigned char tar[8 * 512];
    struct vfs *v;
    struct linux_stat bin, binsh, tool;
    char buf[64];
    unsigned i, sum;
    /* a small ustar archive: bin/ and bin/tool ("t") */
    const char *names[] = {"bin/", "bin/tool", "usr/", "usr/lib/"};
    const char types[] = {'5', '0', '5', '5'};
    memset(tar, 0, sizeof tar);
    for (i = 0; i < 4; i++) {
        unsigned char *h = tar + 512 * (i < 2 ? i * 1 + (i == 1 ? 0 : 0) : i + 1);
        unsigned j;
        if (i == 1)
            h = tar + 512;
        if (i >= 2)
            h = tar + 512 * (i + 1);
        memcpy(h, names[i], strlen(names[i]));
        memcpy(h + 100, "0000755", 7);
        memcpy(h + 108, "0000000", 7);
        memcpy(h + 116, "0000000", 7);
        memcpy(h + 124, i == 1 ? "00000000001" : "00000000000", 11);
        memcpy(h + 136, "00000000000", 11);
        h[156] = (unsigned char)types[i];
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memset(h + 148, ' ', 8);
        for (sum = 0, j = 0; j < 512; j++)
            sum += h[j];
        snprintf((char *)h + 148, 8, "%06o", sum);
        if (i == 1)
            tar[1024] = 't';
    }
    tl_add_module("overlay.tar", tar, sizeof tar);
    v = tl_vfs("tar overlay.tar; symlink /bin/sh tool; dir /usr/lib/x { ram }; dir /tmp { ram }");
    CHECK(v);
    CHECK_STR(tl_ls_sorted(v, "/"), "bin tmp usr");
    CHECK_STR(tl_ls_sorted(v, "/bin"), "sh tool");
    CHECK_STR(tl_read(v, "/bin/sh", NULL), "t");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin", &bin, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/sh", &binsh, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/tool", &tool, 0), 0);
    CHECK_INT(bin.st_dev, tool.st_dev); /* /bin shows the archive's bin directory */
    CHECK(binsh.st_dev != tool.st_dev);
    CHECK_INT(bin.st_mode, S_IFDIR | 0755);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/tool/../sh", &st, AT_SYMLINK_NOFOLLOW), -ENOTDIR);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/usr/lib/../../bin/sh", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_ino, binsh.st_ino);
    CHECK_INT(tl_write(v, "/usr/lib/x/f", "in ram"), 0);
    CHECK_INT(vfs_chdir(v, "/usr/lib/x"), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 11);
    CHECK_STR(buf, "/usr/lib/x");
    CHECK_INT(vfs_chdir(v, ".."), 0); /* from the ram's root up into the archive */
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 9);
    CHECK_STR(buf, "/usr/lib");
    CHECK_STR(tl_ls(v, "."), "x");
    CHECK_INT(vfs_chdir(v, "/bin"), 0);
    CHECK_STR(tl_read(v, "sh", NULL), "t");
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "new", 0755), -EROFS);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "sh", 0), -EROFS);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "tool", 0), -EROFS);
}

static void devices_and_inodes_are_stable(void)
{
    struct vfs *v1 = tl_vfs("dir /a { ram }; dir /b { ram }; null /n");
    struct vfs *v2 = tl_vfs("dir /a { ram }; dir /b { ram }; null /n");
    struct linux_stat a1, b1, n1, a2, b2, n2, x, y;
    CHECK(v1 && v2);
    CHECK_INT(vfs_fstatat(v1, AT_FDCWD, "/a", &a1, 0), 0);
    CHECK_INT(vfs_fstatat(v1, AT_FDCWD, "/b", &b1, 0), 0);
    CHECK_INT(vfs_fstatat(v1, AT_FDCWD, "/n", &n1, 0), 0);
    CHECK_INT(vfs_fstatat(v2, AT_FDCWD, "/a", &a2, 0), 0);
    CHECK_INT(vfs_fstatat(v2, AT_FDCWD, "/b", &b2, 0), 0);
    CHECK_INT(vfs_fstatat(v2, AT_FDCWD, "/n", &n2, 0), 0);
    CHECK(a1.st_dev != b1.st_dev && a1.st_dev != n1.st_dev && b1.st_dev != n1.st_dev);
    CHECK_INT(a1.st_dev, a2.st_dev); /* the same configuration gives the same numbers */
    CHECK_INT(b1.st_dev, b2.st_dev);
    CHECK_INT(n1.st_dev, n2.st_dev);
    CHECK_INT(tl_write(v1, "/a/f", "x"), 0);
    CHECK_INT(vfs_fstatat(v1, AT_FDCWD, "/a/f", &x, 0), 0);
    CHECK_INT(vfs_renameat2(v1, AT_FDCWD, "/a/f", AT_FDCWD, "/a/g", 0), 0);
    CHECK_INT(vfs_fstatat(v1, AT_FDCWD, "/a/g", &y, 0), 0);
    CHECK_INT(x.st_ino, y.st_ino);
    CHECK_INT(vfs_renameat2(v1, AT_FDCWD, "/a/g", AT_FDCWD, "/b/g", 0), -EXDEV);
    CHECK_INT(vfs_linkat(v1, AT_FDCWD, "/a/g", AT_FDCWD, "/b/h", 0), -EXDEV);
    CHECK_INT(vfs_linkat(v1, AT_FDCWD, "/n", AT_FDCWD, "/a/n", 0), -EXDEV);
    CHECK_INT(vfs_renameat2(v1, AT_FDCWD, "/a/g", AT_FDCWD, "/n", 0), -EXDEV);
}

static void config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("dir /tmp { ramm }"),
                   "test.cfg:2:12: unknown file system 'ramm'; expected one of: dir, ram, tar, "
                   "null, zero, full, inline, symlink");
    CHECK_CONTAINS(tl_vfs_error("dir"), "test.cfg:2:1: 'dir' takes one path and a block");
    CHECK_CONTAINS(tl_vfs_error("dir a b { }"), "'dir' takes one path and a block");
    CHECK_CONTAINS(tl_vfs_error("dir a x=1 { }"), "'dir' takes one path and a block");
    CHECK_CONTAINS(tl_vfs_error("dir /a/../b { }"), "test.cfg:2:5: '/a/../b': '.' and '..' are "
                                                    "not allowed");
    CHECK_CONTAINS(tl_vfs_error("dir /a { dir /b { } }"), "must not start with '/'");
    CHECK_CONTAINS(tl_vfs_error("dir /x { ram; ram }"),
                   "test.cfg:2:15: 'ram': this directory already shows 'ram' (line 2)");
    CHECK_CONTAINS(tl_vfs_error("null /dev/null\ndir /dev/null/x { }"),
                   "test.cfg:3:5: '/dev/null/x': 'null' in it is null (line 2), not a directory");
    CHECK_CONTAINS(tl_vfs_error("vfs extra { }"), "test.cfg:1:1: 'vfs' takes no values");
    CHECK_CONTAINS(tl_vfs_error("inline /x y\ninline /x z"),
                   "test.cfg:3:8: '/x' is given twice: it is already inline (line 2)");
    {
        char long_name[300];
        char text[400];
        memset(long_name, 'n', 256);
        long_name[256] = '\0';
        snprintf(text, sizeof text, "dir /%s { }", long_name);
        CHECK_CONTAINS(tl_vfs_error(text), "longer than 255 bytes");
    }
}

static void config_merges_and_nests(void)
{
    struct vfs *v = tl_vfs("dir /dev { null }\ndir /dev { zero }\ndir / { dir a/b { dir c { "
                           "inline f x } } }\ndir //a///b/ { inline g y }");
    CHECK(v);
    CHECK_STR(tl_ls(v, "/dev"), "null zero");
    CHECK_STR(tl_ls(v, "/a/b"), "c g");
    CHECK_STR(tl_read(v, "/a/b/c/f", NULL), "x");
    CHECK(tl_vfs("vfs { }"));
    CHECK_STR(tl_ls(v, "/"), "dev a");
}

static void config_tree_not_kept(void)
{
    struct vfs *v = tl_vfs("dir /etc { inline motd \"hello\" }; symlink /bin/sh bash; "
                           "dir /tmp { ram size=1M }");
    char buf[8];
    CHECK(v);
    /* the next build reuses (overwrites) the same configuration arena */
    CHECK(tl_vfs("dir /other { null overwritten; symlink abcdefgh ijklmnopq }"));
    CHECK_STR(tl_read(v, "/etc/motd", NULL), "hello");
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/bin/sh", buf, sizeof buf), 4);
    CHECK(memcmp(buf, "bash", 4) == 0);
    CHECK_STR(tl_ls(v, "/"), "etc bin tmp");
}

static void create_failures_leak_nothing(void)
{
    static const char text[] = "vfs { dir /tmp { ram }; dir /dev { null; zero; full }; "
                               "dir /etc { inline hostname x }; symlink /bin/sh bash }";
    static char arena_mem[1 << 14];
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    long i, failed = 0;
    CHECK_INT(cfg_parse("t.cfg", text, sizeof text - 1, &arena, &root, &err), 0);
    /* every allocation of vfs_create fails once: always -ENOMEM, never a leak */
    for (i = 0; i < 200; i++) {
        struct vfs *v = NULL;
        int rc;
        tl_alloc_fail_after = i;
        rc = vfs_create(&tl_env, vfs_plugins_all, vfs_plugins_all_count, cfg_first(root, "vfs"), 16,
                        &v, &err);
        tl_alloc_fail_after = -1;
        if (rc == 0) {
            CHECK_STR(tl_ls(v, "/"), "tmp dev etc bin");
            vfs_destroy(v);
            break;
        }
        CHECK_INT(rc, -ENOMEM);
        failed++;
    }
    CHECK(failed > 10 && i < 200);
}

/* ---- the path walk ---- */

static void walk_dots_and_root(void)
{
    struct vfs *v = tl_vfs("ram");
    struct linux_stat root;
    char buf[64];
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a", 0755), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/a/b", 0755), 0);
    CHECK_INT(sta(v, "/"), 0);
    root = st;
    CHECK_INT(sta(v, "/.."), 0);
    CHECK_INT(st.st_ino, root.st_ino);
    CHECK_INT(sta(v, "/../../a/../../.."), 0);
    CHECK_INT(st.st_ino, root.st_ino);
    CHECK_INT(sta(v, "//a//b///"), 0);
    CHECK_INT(sta(v, "a/./b/."), 0);
    CHECK_INT(sta(v, ""), -ENOENT);
    CHECK_INT(vfs_symlinkat(v, "../../../../..", AT_FDCWD, "/a/b/up"), 0);
    CHECK_INT(sta(v, "/a/b/up"), 0);
    CHECK_INT(st.st_ino, root.st_ino); /* a symlink cannot climb above the root either */
    CHECK_INT(vfs_chdir(v, "/a/b/up/a"), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 3);
    CHECK_STR(buf, "/a");
    CHECK_INT(vfs_getcwd(v, buf, 2), -ERANGE);
    CHECK_INT(vfs_getcwd(v, buf, 0), -ERANGE);
    CHECK_INT(vfs_chdir(v, "/"), 0);
    CHECK_INT(vfs_getcwd(v, buf, 2), 2);
    CHECK_STR(buf, "/");
}

static void walk_symlink_limit(void)
{
    struct vfs *v = tl_vfs("ram");
    char name[16], target[16];
    int i;
    CHECK(v);
    CHECK_INT(tl_write(v, "/l0", "end"), 0);
    for (i = 1; i <= 41; i++) {
        snprintf(name, sizeof name, "/l%d", i);
        snprintf(target, sizeof target, "l%d", i - 1);
        CHECK_INT(vfs_symlinkat(v, target, AT_FDCWD, name), 0);
    }
    CHECK_STR(tl_read(v, "/l40", NULL), "end"); /* 40 links followed */
    CHECK_INT(sta(v, "/l41"), -ELOOP);          /* 41 are too many */
    CHECK_INT(lsta(v, "/l41"), 0);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/l41", O_RDONLY, 0), -ELOOP);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/l1", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0755), 0);
    CHECK_INT(vfs_symlinkat(v, "/d/s/x", AT_FDCWD, "/d/s"), 0);
    CHECK_INT(sta(v, "/d/s"), -ELOOP);
    CHECK_INT(tl_write(v, "/d/s", "x"), -ELOOP);
}

static void walk_name_limits(void)
{
    struct vfs *v = tl_vfs("ram");
    static char path[PATH_MAX + 10], name[NAME_MAX + 2], target[PATH_MAX];
    size_t i;
    CHECK(v);
    memset(name, 'n', NAME_MAX);
    name[0] = '/';
    name[NAME_MAX + 1] = '\0';
    memset(name + 1, 'n', NAME_MAX);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, name, 0755), 0); /* 255 bytes: fine */
    name[NAME_MAX + 1] = 'n';
    name[NAME_MAX + 2 - 1] = 'n';
    {
        char longer[NAME_MAX + 3];
        memset(longer, 'n', sizeof longer);
        longer[0] = '/';
        longer[NAME_MAX + 2] = '\0';
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, longer, 0755), -ENAMETOOLONG);
        CHECK_INT(sta(v, longer), -ENAMETOOLONG);
    }
    /* a path of PATH_MAX - 1 bytes is walked, one of PATH_MAX is refused */
    CHECK_INT(tl_write(v, "/f", "x"), 0);
    for (i = 0; i + 2 < PATH_MAX - 1; i += 2)
        memcpy(path + i, "./", 2);
    path[i++] = 'f';
    path[i] = '\0';
    CHECK_INT(strlen(path), PATH_MAX - 1);
    CHECK_INT(sta(v, path), 0);
    memmove(path + 1, path, strlen(path) + 1);
    path[0] = '/';
    CHECK_INT(strlen(path), PATH_MAX);
    CHECK_INT(sta(v, path), -ENAMETOOLONG);
    /* symlink text may be up to PATH_MAX - 1 bytes; spliced paths have a limit too */
    memset(target, 'a', PATH_MAX - 1);
    target[PATH_MAX - 1] = '\0';
    CHECK_INT(vfs_symlinkat(v, target, AT_FDCWD, "/long"), 0);
    CHECK_INT(lsta(v, "/long"), 0);
    CHECK_INT(st.st_size, PATH_MAX - 1);
    CHECK_INT(sta(v, "/long"), -ENAMETOOLONG); /* its components are too long */
    target[PATH_MAX - 2] = '\0';
    for (i = 0; i + 2 < PATH_MAX - 2; i += 2)
        memcpy(target + i, "./", 2);
    target[i] = '\0';
    CHECK_INT(vfs_symlinkat(v, target, AT_FDCWD, "/dots"), 0);
    CHECK_INT(sta(v, "/dots/f"), 0);
    {
        char too_long[PATH_MAX + 1];
        memset(too_long, 'a', PATH_MAX);
        too_long[PATH_MAX] = '\0';
        CHECK_INT(vfs_symlinkat(v, too_long, AT_FDCWD, "/x"), -ENAMETOOLONG);
    }
}

static void walk_not_a_directory(void)
{
    struct vfs *v = tl_vfs("ram; null /dev/null");
    int fd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "x"), 0);
    CHECK_INT(sta(v, "/f/x"), -ENOTDIR);
    CHECK_INT(sta(v, "/f/"), -ENOTDIR);
    CHECK_INT(sta(v, "/f/."), -ENOTDIR);
    CHECK_INT(sta(v, "/dev/null/"), -ENOTDIR);
    CHECK_INT(sta(v, "/nothing/x"), -ENOENT);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_openat(v, fd, "x", O_RDONLY, 0), -ENOTDIR);
    CHECK_INT(vfs_fstatat(v, fd, "/f", &st, 0), 0); /* absolute paths ignore dirfd */
    CHECK_INT(vfs_fstatat(v, 99, "f", &st, 0), -EBADF);
    CHECK_INT(vfs_fstatat(v, 99, "/f", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, fd, "", &st, AT_EMPTY_PATH), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(vfs_fstatat(v, fd, "", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0x40000), -EINVAL);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, NULL, &st, 0), -EFAULT);
    CHECK_INT(vfs_chdir(v, "/f"), -ENOTDIR);
    CHECK_INT(vfs_fchdir(v, fd), -ENOTDIR);
    CHECK_INT(vfs_close(v, fd), 0);
}

int main(void)
{
    RUN(tree_from_config);
    RUN(overlay_on_a_backing_tree);
    RUN(inherited_backing_directories);
    RUN(tree_over_tar_with_overlays);
    RUN(devices_and_inodes_are_stable);
    RUN(config_errors);
    RUN(config_merges_and_nests);
    RUN(config_tree_not_kept);
    RUN(create_failures_leak_nothing);
    RUN(walk_dots_and_root);
    RUN(walk_symlink_limit);
    RUN(walk_name_limits);
    RUN(walk_not_a_directory);
    vfs_fd_cases();
    return tl_finish();
}
