/*
 * Host tests of the tar plugin (README.md): archives made by the host's GNU tar in the
 * three formats (make-test-archives.sh), and small archives written here member by
 * member for the unusual cases (duplicates, missing parents, "..", devices, bad
 * hard links, corrupt headers).
 */
#include "../../vfs/tests/testlib.h"

#include <stdlib.h>

/* ---- archives from the host's tar ---- */

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof path, "%s/%s", VFS_TAR_DATA, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const char *formats[] = {"tree-ustar.tar", "tree-gnu.tar", "tree-pax.tar"};
static const char *format;

static void tree(void)
{
    struct vfs *v;
    struct linux_stat st, st2;
    char buf[300], cfg[128];
    CHECK(v = tl_vfs((snprintf(cfg, sizeof cfg, "tar %s", format), cfg)));
    CHECK_STR(tl_ls_sorted(v, "/"), strcmp(format, "tree-ustar.tar") == 0
                                        ? "bin empty etc usr"
                                        : "averylongdirectoryname bin empty etc longlink usr");
    CHECK_STR(tl_read(v, "/etc/greeting", NULL), "hello, tar\n");
    CHECK_STR(tl_read(v, "/bin/up", NULL), "hello, tar\n");
    CHECK_STR(tl_read(v, "/bin/link", NULL), "#!/bin/sh\necho hi\n");
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/bin/link", buf, sizeof buf), 4);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/etc/greeting", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(st.st_uid, 1234);
    CHECK_INT(st.st_gid, 5678);
    CHECK_INT(st.st_size, 11);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(st.st_mtim.tv_sec, 1600000000);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/etc/hardlink", &st2, 0), 0);
    CHECK_INT(st2.st_ino, st.st_ino);
    CHECK_INT(st2.st_dev, st.st_dev);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/tool", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0755);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/empty", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0700);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/usr/share", &st, 0), 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/usr/share/doc/big", &st, 0), 0);
    CHECK_INT(st.st_size, 10000);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/usr/share/doc/../../../bin/../etc/greeting", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/tool/x", &st, 0), -ENOTDIR);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/nothing", &st, 0), -ENOENT);
    if (strcmp(format, "tree-ustar.tar") != 0) {
        char path[400] = "/";
        int i;
        for (i = 0; i < 12; i++)
            strcat(path, "averylongdirectoryname/");
        strcat(path, "file");
        CHECK_STR(tl_read(v, path, NULL), "deep\n");
        CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/longlink", buf, sizeof buf), 166);
    }
}

static void tree_read_only(void)
{
    struct vfs *v = tl_vfs("tar tree-pax.tar");
    struct linux_statfs sfs;
    int fd;
    CHECK(v);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/etc/greeting", O_WRONLY, 0), -EROFS);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/etc/new", O_WRONLY | O_CREAT, 0644), -EROFS);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/x", 0755), -EROFS);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/etc", 0755), -EEXIST);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/etc/greeting", 0), -EROFS);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/etc/nothing", 0), -EROFS);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/etc/greeting", AT_FDCWD, "/etc/x", 0), -EROFS);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/etc/greeting", 0600, 0), -EROFS);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/etc/greeting", 0, 0, 0), -EROFS);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/etc/greeting", NULL, 0), -EROFS);
    CHECK_INT(vfs_symlinkat(v, "x", AT_FDCWD, "/l"), -EROFS);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/etc/greeting", AT_FDCWD, "/etc/l2", 0), -EROFS);
    CHECK_INT(vfs_truncate(v, "/etc/greeting", 0), -EROFS);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/etc/greeting", W_OK, 0), -EROFS);
    CHECK_INT(vfs_statfs(v, "/etc", &sfs), 0);
    CHECK_INT(sfs.f_type, ROMFS_MAGIC);
    CHECK(sfs.f_flags & ST_RDONLY);
    CHECK_INT(sfs.f_bfree, 0);
    fd = vfs_openat(v, AT_FDCWD, "/etc/greeting", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_ftruncate(v, fd, 0), -EINVAL);
    CHECK_INT(vfs_fsync(v, fd, false), 0);
    CHECK_INT(vfs_close(v, fd), 0);
}

/* ---- archives written here ---- */

struct writer {
    unsigned char buf[64 * 512];
    size_t len;
};

static void put_octal(unsigned char *field, size_t size, unsigned long long v)
{
    snprintf((char *)field, size, "%0*llo", (int)size - 1, v);
}

static void member(struct writer *w, const char *name, char type, unsigned mode, const char *link,
                   const char *data)
{
    unsigned char *h = w->buf + w->len;
    size_t size = data ? strlen(data) : 0;
    unsigned sum = 0, i;
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    put_octal(h + 100, 8, mode);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, size);
    put_octal(h + 136, 12, 1000);
    h[156] = (unsigned char)type;
    if (link)
        snprintf((char *)h + 157, 100, "%s", link);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    w->len += 512;
    if (size) {
        memset(w->buf + w->len, 0, (size + 511) & ~511u);
        memcpy(w->buf + w->len, data, size);
        w->len += (size + 511) & ~511u;
    }
}

static struct writer w;

static void finish_archive(const char *name)
{
    memset(w.buf + w.len, 0, 1024);
    w.len += 1024;
    tl_add_module(name, w.buf, w.len);
}

static void odd_members(void)
{
    struct vfs *v;
    struct linux_stat st;
    w.len = 0;
    member(&w, "a/b/c/file", '0', 0600, NULL, "deep"); /* parents not in the archive */
    member(&w, "dup", '0', 0644, NULL, "first");
    member(&w, "dup", '0', 0640, NULL, "second"); /* the later one counts */
    member(&w, "../evil", '0', 0644, NULL, "no");
    member(&w, "x/../../evil2", '0', 0644, NULL, "no");
    member(&w, "/abs/file", '0', 0644, NULL, "abs");
    member(&w, "./dot/./file", '0', 0644, NULL, "dot");
    member(&w, "badlink", '1', 0644, "nothing/here", NULL);
    member(&w, "dirlink", '1', 0644, "a", NULL);
    member(&w, "hl", '1', 0644, "dup", NULL);
    member(&w, "fifo", '6', 0644, NULL, NULL);
    member(&w, "chr", '3', 0600, NULL, NULL);
    member(&w, "weird", 'V', 0644, NULL, NULL);
    member(&w, "a/b", '5', 0700, NULL, NULL); /* a directory's member after its content */
    member(&w, "self", '0', 0644, NULL, "s");
    member(&w, "self", '1', 0644, "self", NULL);
    finish_archive("odd.tar");
    CHECK(v = tl_vfs("tar odd.tar"));
    CHECK_STR(tl_ls_sorted(v, "/"), "a abs chr dot dup fifo hl self");
    CHECK_STR(tl_read(v, "/a/b/c/file", NULL), "deep");
    CHECK_STR(tl_read(v, "/dup", NULL), "second");
    CHECK_STR(tl_read(v, "/abs/file", NULL), "abs");
    CHECK_STR(tl_read(v, "/dot/file", NULL), "dot");
    CHECK_STR(tl_read(v, "/hl", NULL), "second");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dup", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0640);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/self", &st, 0), 0);
    CHECK_INT(st.st_nlink, 1);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a/b", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0700);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/fifo", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFIFO | 0644);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/fifo", O_RDONLY, 0), -ENXIO);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/chr", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0600);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/chr", O_RDONLY, 0), -ENXIO);
}

static void archive_errors(void)
{
    w.len = 0;
    member(&w, "file", '0', 0644, NULL, "data");
    w.buf[150] ^= 1; /* break the checksum */
    finish_archive("corrupt.tar");
    CHECK_CONTAINS(tl_vfs_error("tar corrupt.tar"),
                   "test.cfg:2:5: tar: 'corrupt.tar' is not a valid archive");
    CHECK_CONTAINS(tl_vfs_error("tar missing.tar"), "no boot module called 'missing.tar'");
    CHECK_CONTAINS(tl_vfs_error("tar"), "tar needs the name of an archive");
    CHECK_CONTAINS(tl_vfs_error("tar a.tar b.tar"), "unexpected value 'b.tar'");
    CHECK_CONTAINS(tl_vfs_error("tar tree-pax.tar\nram"),
                   "'ram': this directory already shows 'tar' (line 2)");
}

static void empty_archive(void)
{
    struct vfs *v;
    struct linux_stat st;
    w.len = 0;
    finish_archive("empty.tar");
    CHECK(v = tl_vfs("dir /x { tar empty.tar }"));
    CHECK_STR(tl_ls(v, "/x"), "");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/x", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
}

int main(void)
{
    size_t i, len;
    for (i = 0; i < 3; i++) {
        char *buf = slurp(formats[i], &len);
        if (!buf) {
            printf("FAIL tar_archives: cannot read %s/%s (make it with make-test-archives.sh)\n",
                   VFS_TAR_DATA, formats[i]);
            return 1;
        }
        tl_add_module(formats[i], buf, len);
    }
    for (i = 0; i < 3; i++) {
        char name[64];
        format = formats[i];
        snprintf(name, sizeof name, "tar_tree_%.*s", (int)(strchr(format, '.') - format - 5),
                 format + 5);
        tl_run(name, tree);
    }
    RUN(tree_read_only);
    RUN(odd_members);
    RUN(archive_errors);
    RUN(empty_archive);
    return tl_finish();
}
