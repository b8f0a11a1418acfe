/*
 * Host tests of the FAT plugin (docs/fat.md), driven through the VFS core: images made
 * by the host's mkfs.fat (FAT12, FAT16, FAT32) and filled with mtools are read back;
 * what the plugin writes (long names, nested directories, big files, truncation,
 * renames, removals, a directory past one cluster, a full volume) is checked with
 * fsck.fat -n (clean) and read back with mtools byte for byte; the Unix mapping
 * (modes from the masks, chmod, chown, EPERM for links), corrupt images (EIO, never a
 * crash), read-only mounts, the dirty flag and the cache's write-back. Cut power and
 * corrupt images are in fat_damage_test.c (fat_test.h).
 */
#define _DEFAULT_SOURCE
#include "fat_test.h"

char cfg_mem[1 << 16];
static struct vfs *mounted[8]; /* destroyed after each case, also when it failed */
static unsigned nmounted;

/* Unmounts v now (the image is then complete on the host). */
void unmount(struct vfs *v)
{
    unsigned i;
    for (i = 0; i < nmounted; i++)
        if (mounted[i] == v)
            mounted[i] = mounted[--nmounted];
    vfs_destroy(v);
}

void cleanup(void)
{
    while (nmounted)
        vfs_destroy(mounted[--nmounted]);
}

/* Runs a shell command line; returns its exit status. */
int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    int rc;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Runs a command and returns its output (static buffer). */
const char *sh_out(const char *fmt, ...)
{
    static char out[1 << 20];
    char cmd[2048];
    size_t n;
    FILE *p;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    if (!p)
        return "";
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

const char *img(const char *name)
{
    static char path[4][512];
    static unsigned i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "%s/%s", FAT_TEST_DIR, name);
    return path[i];
}

/* Makes a fresh image of size_kib with mkfs.fat -F bits. */
int mkimage(const char *name, int bits, unsigned size_kib, const char *extra)
{
    const char *p = img(name);
    unlink(p);
    return sh("mkfs.fat -C -F %d %s %s %u >/dev/null", bits, extra ? extra : "", p, size_kib);
}

/* Mounts the image (label = its name) as the root of a new vfs with options. */
struct vfs *mount_fat(const char *name, const char *opts)
{
    static const struct vfs_plugin *plugins[64];
    struct cfg_arena arena = {cfg_mem, sizeof cfg_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v = NULL;
    char text[512], msg[256];
    size_t n = 0, i;
    int rc;
    for (i = 0; i < vfs_plugins_all_count && n < 63; i++)
        plugins[n++] = vfs_plugins_all[i];
    plugins[n++] = &vfs_plugin_fat;
    fat_host_image(name, img(name));
    snprintf(text, sizeof text, "vfs { fat label=%s %s }\n", name, opts ? opts : "");
    rc = cfg_parse("test.cfg", text, strlen(text), &arena, &root, &err);
    if (rc == 0)
        rc = vfs_create(&tl_env, plugins, n, cfg_first(root, "vfs"), 256, &v, &err);
    if (rc < 0) {
        cfg_format_error(&err, msg, sizeof msg);
        tl_fail(0, "mount of %s failed (%d): %s", name, rc, msg);
        return NULL;
    }
    if (nmounted < 8)
        mounted[nmounted++] = v;
    return v;
}

const char *mcmd(const char *name)
{
    static char buf[600];
    snprintf(buf, sizeof buf, "MTOOLS_SKIP_CHECK=1 MTOOLS_NO_VFAT=0 %%s -i %s", img(name));
    return buf;
}

int fsck_clean(const char *name)
{
    return sh("fsck.fat -n %s >%s.fsck 2>&1", img(name), img(name));
}

void pattern(char *buf, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        buf[i] = (char)('A' + (i * 7 + seed + i / 251) % 53);
}

static const int types[] = {12, 16, 32};
static const unsigned sizes[] = {2048, 20480, 40960}; /* KiB: FAT16/32 need enough clusters */
static const char *const extras[] = {"", "", "-s 1"};

/* Files put there with mtools are read through the plugin. */
static void reads_mtools_images(void)
{
    static char big[300000], got[300001];
    char name[32], cmd[700];
    unsigned t;
    for (t = 0; t < 3; t++) {
        struct vfs *v;
        struct linux_stat st;
        const char *s;
        int err, fd;
        snprintf(name, sizeof name, "read%d.img", types[t]);
        CHECK_INT(mkimage(name, types[t], sizes[t], extras[t]), 0);
        pattern(big, sizeof big, t);
        FILE *fp = fopen(img("big.src"), "w");
        CHECK(fp && fwrite(big, 1, sizeof big, fp) == sizeof big);
        fclose(fp);
        fp = fopen(img("hello.src"), "w");
        CHECK(fp && fputs("hello, fat\n", fp) >= 0);
        fclose(fp);
        snprintf(cmd, sizeof cmd, mcmd(name), "mmd");
        CHECK_INT(sh("%s '::Sub Dir' '::Sub Dir/nested'", cmd), 0);
        snprintf(cmd, sizeof cmd, mcmd(name), "mcopy");
        CHECK_INT(sh("%s %s ::hello.txt", cmd, img("hello.src")), 0);
        CHECK_INT(sh("%s %s ::UPPER.TXT", cmd, img("hello.src")), 0);
        CHECK_INT(sh("%s %s '::A Long File Name.text'", cmd, img("hello.src")), 0);
        CHECK_INT(sh("%s %s '::Sub Dir/nested/deep.bin'", cmd, img("big.src")), 0);
        v = mount_fat(name, NULL);
        CHECK(v);
        CHECK_STR(tl_read(v, "/hello.txt", &err), "hello, fat\n");
        CHECK_STR(tl_read(v, "/HELLO.TXT", &err), "hello, fat\n");
        CHECK_STR(tl_read(v, "/upper.txt", &err), "hello, fat\n");
        CHECK_STR(tl_read(v, "/a long file name.TEXT", &err), "hello, fat\n");
        s = tl_ls_sorted(v, "/");
        CHECK_STR(s, "A Long File Name.text Sub Dir UPPER.TXT hello.txt");
        CHECK_STR(tl_ls(v, "/Sub Dir/nested"), "deep.bin");
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/Sub Dir/nested/deep.bin", &st, 0), 0);
        CHECK_INT(st.st_size, sizeof big);
        CHECK_INT(st.st_mode, S_IFREG | 0755);
        fd = vfs_openat(v, AT_FDCWD, "/sub dir/NESTED/deep.bin", O_RDONLY, 0);
        CHECK(fd >= 0);
        CHECK_INT(vfs_read(v, fd, got, sizeof got), sizeof big);
        CHECK(memcmp(got, big, sizeof big) == 0);
        CHECK_INT(vfs_pread(v, fd, got, 10, sizeof big - 5), 5);
        CHECK_INT(vfs_close(v, fd), 0);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/Sub Dir", &st, 0), 0);
        CHECK_INT(st.st_mode, S_IFDIR | 0755);
        CHECK_INT(st.st_nlink, 3);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/nothere", &st, 0), -ENOENT);
        unmount(v);
        CHECK_INT(fsck_clean(name), 0);
    }
}

/* Writes through the plugin, then checks with fsck.fat and mtools. */
static void writes_read_by_mtools(void)
{
    static char big[200000], got[200001];
    char name[32], cmd[700];
    unsigned t, i;
    for (t = 0; t < 3; t++) {
        struct vfs *v;
        struct linux_stat st;
        const char *s;
        int fd, err;
        snprintf(name, sizeof name, "write%d.img", types[t]);
        CHECK_INT(mkimage(name, types[t], sizes[t], extras[t]), 0);
        v = mount_fat(name, NULL);
        CHECK(v);
        pattern(big, sizeof big, 3 + t);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/Documents", 0777), 0);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/Documents/Deeper Folder", 0777), 0);
        CHECK_INT(tl_write(v, "/Documents/Deeper Folder/notes for today.txt", "first\n"), 0);
        CHECK_INT(tl_append(v, "/Documents/Deeper Folder/notes for today.txt", "second\n"), 0);
        CHECK_INT(tl_write(v, "/short.txt", "short"), 0);
        CHECK_INT(tl_write(v, "/MixedCase.Txt", "mixed"), 0);
        CHECK_INT(tl_write(v, "/Grüße.txt", "unicode"), 0);
        fd = vfs_openat(v, AT_FDCWD, "/big.bin", O_RDWR | O_CREAT, 0644);
        CHECK(fd >= 0);
        for (i = 0; i < sizeof big; i += 10000)
            CHECK_INT(vfs_write(v, fd, big + i, 10000), 10000);
        CHECK_INT(vfs_ftruncate(v, fd, 150000), 0);
        CHECK_INT(vfs_ftruncate(v, fd, 160000), 0); /* the gap reads as zeros */
        memset(big + 150000, 0, 10000);
        CHECK_INT(vfs_pwrite(v, fd, "tail", 4, 170000), 4); /* a gap by writing */
        memset(big + 160000, 0, 10000);
        memcpy(big + 170000, "tail", 4);
        CHECK_INT(vfs_pread(v, fd, got, sizeof got, 0), 170004);
        CHECK(memcmp(got, big, 170004) == 0);
        CHECK_INT(vfs_fsync(v, fd, false), 0);
        CHECK_INT(vfs_close(v, fd), 0);
        /* renames: across directories, over an existing file, a directory */
        CHECK_INT(tl_write(v, "/victim.txt", "old"), 0);
        CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/short.txt", AT_FDCWD, "/victim.txt", 0), 0);
        CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/MixedCase.Txt", AT_FDCWD,
                                "/Documents/moved with a long name.txt", 0),
                  0);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/other", 0777), 0);
        CHECK_INT(
            vfs_renameat2(v, AT_FDCWD, "/Documents/Deeper Folder", AT_FDCWD, "/other/Deeper", 0),
            0);
        CHECK_STR(tl_read(v, "/other/Deeper/notes for today.txt", &err), "first\nsecond\n");
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/other/Deeper/..", &st, 0), 0);
        /* the same file to the core, as on Linux vfat: the case stays */
        CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/victim.txt", AT_FDCWD, "/VICTIM.TXT", 0), 0);
        CHECK_STR(tl_ls_sorted(v, "/"), "Documents Grüße.txt big.bin other victim.txt");
        /* removal */
        CHECK_INT(tl_write(v, "/gone.txt", "x"), 0);
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/gone.txt", 0), 0);
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/other", AT_REMOVEDIR), -ENOTEMPTY);
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/empty", 0777), 0);
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/empty", AT_REMOVEDIR), 0);
        /* a directory grown past one cluster */
        CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/many", 0777), 0);
        for (i = 0; i < 150; i++) {
            char p[80], text[16];
            snprintf(p, sizeof p, "/many/a file with a long name number %u.data", i);
            snprintf(text, sizeof text, "%u", i);
            CHECK_INT(tl_write(v, p, text), 0);
        }
        CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/many/a file with a long name number 7.data", 0), 0);
        CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/many", &st, 0), 0);
        CHECK(st.st_size > 4096);
        s = tl_read(v, "/many/A FILE WITH A LONG NAME NUMBER 149.DATA", &err);
        CHECK_STR(s, "149");
        unmount(v);
        CHECK_INT(fsck_clean(name), 0);
        snprintf(cmd, sizeof cmd, mcmd(name), "mtype");
        CHECK_STR(sh_out("%s '::other/Deeper/notes for today.txt'", cmd), "first\nsecond\n");
        CHECK_STR(sh_out("%s '::Documents/moved with a long name.txt'", cmd), "mixed");
        CHECK_STR(sh_out("%s '::victim.txt'", cmd), "short");
        CHECK_STR(sh_out("%s '::many/a file with a long name number 99.data'", cmd), "99");
        snprintf(cmd, sizeof cmd, mcmd(name), "mcopy -n");
        CHECK_INT(sh("%s ::big.bin %s", cmd, img("big.out")), 0);
        {
            FILE *fp = fopen(img("big.out"), "r");
            size_t n;
            CHECK(fp);
            n = fread(got, 1, sizeof got, fp);
            fclose(fp);
            CHECK_INT(n, 170004);
            CHECK(memcmp(got, big, n) == 0);
        }
        snprintf(cmd, sizeof cmd, mcmd(name), "mdir -b");
        s = sh_out("%s ::", cmd);
        CHECK_CONTAINS(s, "Grüße.txt");
        s = sh_out("%s ::many | wc -l", cmd);
        CHECK_STR(s, "149\n");
    }
}

/* Filling the volume gives ENOSPC and keeps what was written. */
static void full_volume(void)
{
    static char chunk[8192];
    struct linux_statfs sf;
    struct linux_stat st;
    struct vfs *v;
    uint64_t written = 0, free0;
    int64_t n;
    int fd;
    CHECK_INT(mkimage("full.img", 12, 1024, NULL), 0);
    v = mount_fat("full.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK_INT(sf.f_type, 0x4d44);
    free0 = sf.f_bfree;
    CHECK(free0 > 0);
    fd = vfs_openat(v, AT_FDCWD, "/filler", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    pattern(chunk, sizeof chunk, 9);
    while ((n = vfs_write(v, fd, chunk, sizeof chunk)) > 0)
        written += (uint64_t)n;
    CHECK_INT(n, -ENOSPC);
    CHECK_INT(written, free0 * sf.f_bsize);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK_INT(sf.f_bfree, 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), -ENOSPC);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/filler", &st, 0), 0);
    CHECK_INT(st.st_size, written);
    unmount(v);
    CHECK_INT(fsck_clean("full.img"), 0);
    v = mount_fat("full.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/filler", 0), 0);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK_INT(sf.f_bfree, free0);
    unmount(v);
    CHECK_INT(fsck_clean("full.img"), 0);
}

/* Owner, group and modes from the options; chmod, chown, links, times as Linux vfat. */
static void unix_mapping(void)
{
    struct linux_timespec ts[2] = {{1700000001, 0}, {1700000003, 500}};
    struct linux_stat st;
    struct vfs *v;
    CHECK_INT(mkimage("unix.img", 16, 20480, NULL), 0);
    v = mount_fat("unix.img", "uid=1000 gid=100 fmask=0133 dmask=022");
    CHECK(v);
    CHECK_INT(tl_write(v, "/f", "x"), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0700), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 100);
    CHECK_INT(st.st_nlink, 1);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/f", 0444, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0444);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/f", 0644, 0), 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/f", 0755, 0), 0); /* x bits masked by fmask */
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/f", 0640, 0), -EPERM);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/f", 0600, 0), -EPERM);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/f", 1000, 100, 0), 0);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/f", 0, 100, 0), -EPERM);
    CHECK_INT(vfs_symlinkat(v, "f", AT_FDCWD, "/l"), -EPERM);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/f", AT_FDCWD, "/h", 0), -EPERM);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/f", ts, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/f", &st, 0), 0);
    CHECK_INT(st.st_mtim.tv_sec, 1700000002); /* 2-second granularity */
    CHECK_INT(st.st_atim.tv_sec, 1699920000); /* the day only */
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/bad:name", O_CREAT | O_WRONLY, 0644), -EINVAL);
    unmount(v);
    CHECK_INT(fsck_clean("unix.img"), 0);
}

/* Read-only mounts, the dirty flag, the write-back cache. */
static void ro_dirty_cache(void)
{
    struct vfs *v;
    unsigned char b[4];
    unsigned writes;
    FILE *fp;
    int err;
    CHECK_INT(mkimage("ro.img", 32, 40960, "-s 1"), 0);
    v = mount_fat("ro.img", NULL);
    CHECK(v);
    writes = fat_host_writes;
    CHECK_INT(tl_write(v, "/a", "1"), 0);
    CHECK_INT(tl_append(v, "/a", "2"), 0);
    CHECK_INT(fat_host_writes, writes); /* all in the cache until a sync */
    unmount(v);
    CHECK(fat_host_writes > writes);
    fp = fopen(img("ro.img"), "r");
    CHECK(fp);
    /* FAT[1] of FAT32 at reserved sectors * 512 + 4: clean bit 0x08000000 set */
    fseek(fp, 32 * 512 + 4, SEEK_SET);
    CHECK_INT(fread(b, 1, 4, fp), 4);
    fclose(fp);
    CHECK(b[3] & 0x08);
    v = mount_fat("ro.img", "ro");
    CHECK(v);
    CHECK_STR(tl_read(v, "/a", &err), "12");
    CHECK_INT(tl_write(v, "/b", "1"), -EROFS);
    unmount(v);
    CHECK_INT(fsck_clean("ro.img"), 0);
}

/* Inode numbers stay while a node lives; a file removed while open stays usable and
 * gives its clusters back at the last close. */
static void inodes_and_open_unlinked(void)
{
    static char buf[20000];
    struct linux_statfs sf;
    struct linux_stat st, st2;
    uint64_t free0;
    struct vfs *v;
    int fd, err;
    CHECK_INT(mkimage("ino.img", 16, 20480, NULL), 0);
    v = mount_fat("ino.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), 0);
    CHECK_INT(tl_write(v, "/file one", "1"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/file one", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/FILE ONE", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    fd = vfs_openat(v, AT_FDCWD, "/file one", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/file one", AT_FDCWD, "/d/file two", 0), 0);
    CHECK_INT(vfs_fstat(v, fd, &st2), 0);
    CHECK_INT(st2.st_ino, st.st_ino);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/file two", &st2, 0), 0);
    CHECK_INT(st2.st_ino, st.st_ino);
    CHECK_INT(tl_write(v, "/file one", "new"), 0); /* may take the old slots */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/file one", &st2, 0), 0);
    CHECK(st2.st_ino != st.st_ino);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    free0 = sf.f_bfree;
    fd = vfs_openat(v, AT_FDCWD, "/d/file two", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/d/file two", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/d/file two", &st2, 0), -ENOENT);
    memset(buf, 'u', sizeof buf);
    CHECK_INT(vfs_pwrite(v, fd, buf, sizeof buf, 0), sizeof buf);
    CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 0), sizeof buf);
    CHECK(buf[0] == 'u' && buf[sizeof buf - 1] == 'u');
    CHECK_INT(vfs_fstat(v, fd, &st2), 0);
    CHECK_INT(st2.st_nlink, 0);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK(sf.f_bfree < free0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_statfs(v, "/", &sf), 0);
    CHECK_INT(sf.f_bfree, free0 + 1); /* its first cluster too */
    CHECK_STR(tl_read(v, "/file one", &err), "new");
    unmount(v);
    CHECK_INT(fsck_clean("ino.img"), 0);
}

/* Every entry present for a whole directory read is returned once, also while the
 * reader removes entries; short names get ~N tails that mtools shows. */
static void readdir_positions_and_tails(void)
{
    static char seen[200];
    char buf[300], cmd[700];
    struct vfs *v;
    int64_t got;
    int fd, i, total = 0;
    const char *s;
    CHECK_INT(mkimage("rd.img", 12, 2048, NULL), 0);
    v = mount_fat("rd.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), 0);
    for (i = 0; i < 120; i++) {
        char p[64];
        snprintf(p, sizeof p, "/d/longfilename%03d.txt", i);
        CHECK_INT(tl_write(v, p, "x"), 0);
    }
    fd = vfs_openat(v, AT_FDCWD, "/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    memset(seen, 0, sizeof seen);
    while ((got = vfs_getdents64(v, fd, buf, sizeof buf)) > 0) {
        int batch[32], nb = 0, k;
        int64_t off = 0;
        while (off < got) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(buf + off);
            char p[300];
            off += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            CHECK(sscanf(d->d_name, "longfilename%d.txt", &i) == 1 && i >= 0 && i < 120);
            CHECK_INT(seen[i], 0);
            seen[i] = 1;
            total++;
            snprintf(p, sizeof p, "/d/%s", d->d_name);
            CHECK_INT(vfs_unlinkat(v, AT_FDCWD, p, 0), 0);
            if (nb < 32)
                batch[nb++] = i;
        }
        for (k = 0; k < nb; k++) { /* and one not read yet, if still there */
            char p[300];
            i = 119 - batch[k];
            snprintf(p, sizeof p, "/d/longfilename%03d.txt", i);
            if (!seen[i] && vfs_unlinkat(v, AT_FDCWD, p, 0) == 0)
                seen[i] = 2;
        }
    }
    CHECK_INT(got, 0);
    for (i = 0; i < 120; i++)
        CHECK(seen[i]);
    CHECK(total >= 60);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_STR(tl_ls(v, "/d"), "");
    CHECK_INT(tl_write(v, "/longfilename1.txt", "a"), 0);
    CHECK_INT(tl_write(v, "/longfilename2.txt", "b"), 0);
    CHECK_INT(tl_write(v, "/longfilename3.txt", "c"), 0);
    CHECK_INT(tl_write(v, "/UPPER.TXT", "d"), 0);
    CHECK_INT(tl_write(v, "/lower.txt", "e"), 0);
    unmount(v);
    CHECK_INT(fsck_clean("rd.img"), 0);
    snprintf(cmd, sizeof cmd, mcmd("rd.img"), "mdir");
    s = sh_out("%s :: | grep -i longfi", cmd);
    CHECK_CONTAINS(s, "LONGFI~1 TXT");
    CHECK_CONTAINS(s, "LONGFI~3 TXT");
    s = sh_out("%s :: | grep -i upper", cmd);
    CHECK_CONTAINS(s, "UPPER    TXT");
    snprintf(cmd, sizeof cmd, mcmd("rd.img"), "mtype");
    CHECK_STR(sh_out("%s ::LONGFI~2.TXT", cmd), "b");
    CHECK_STR(sh_out("%s ::lower.txt", cmd), "e");
}

/* Device calls carry many sectors: merged write-back, read-ahead within a cluster;
 * a failing device gives EIO. */
static void merged_io_and_device_errors(void)
{
    static char buf[256 * 1024], got[256 * 1024];
    unsigned writes, reads, flushes;
    struct vfs *v;
    int fd;
    CHECK_INT(mkimage("io.img", 16, 40960, "-s 8"), 0); /* 4 KiB clusters */
    v = mount_fat("io.img", NULL);
    CHECK(v);
    pattern(buf, sizeof buf, 5);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    writes = fat_host_writes;
    flushes = fat_host_flushes;
    CHECK_INT(vfs_write(v, fd, buf, sizeof buf), sizeof buf);
    CHECK_INT(vfs_fsync(v, fd, false), 0);
    CHECK(fat_host_writes - writes <= sizeof buf / 512 / 16 + 8);
    CHECK(fat_host_flushes > flushes);
    CHECK_INT(vfs_close(v, fd), 0);
    unmount(v);
    v = mount_fat("io.img", NULL);
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
    CHECK(fd >= 0);
    reads = fat_host_reads;
    CHECK_INT(vfs_read(v, fd, got, sizeof got), sizeof got);
    CHECK(memcmp(got, buf, sizeof got) == 0);
    CHECK(fat_host_reads - reads <= sizeof buf / 4096 + 8); /* a cluster per call */
    fat_host_fail = true;
    CHECK_INT(tl_write(v, "/g", "x"), -EIO);
    CHECK_INT(vfs_pread(v, fd, got, 10, 0), 10); /* cached */
    CHECK_INT(vfs_fsync(v, fd, false), -EIO);
    fat_host_fail = false;
    CHECK_INT(vfs_close(v, fd), 0);
    unmount(v);
    CHECK_INT(fsck_clean("io.img"), 0);
}

/* Names at the limits: 255 characters, three-byte UTF-8, a character outside the BMP
 * (a surrogate pair on disk). */
static void long_name_limits(void)
{
    char name[300], path[320], cmd[700];
    struct vfs *v;
    int err, i;
    CHECK_INT(mkimage("names.img", 16, 20480, NULL), 0);
    v = mount_fat("names.img", NULL);
    CHECK(v);
    memset(name, 'n', 255);
    name[255] = '\0';
    snprintf(path, sizeof path, "/%s", name);
    CHECK_INT(tl_write(v, path, "long"), 0);
    CHECK_STR(tl_read(v, path, &err), "long");
    for (i = 0; i < 85; i++)
        memcpy(name + 3 * i, "\xe2\x82\xac", 3); /* the euro sign */
    name[255] = '\0';
    snprintf(path, sizeof path, "/%s", name);
    CHECK_INT(tl_write(v, path, "euro"), 0);
    CHECK_STR(tl_read(v, path, &err), "euro");
    CHECK_INT(tl_write(v, "/\xf0\x9f\x99\x82 smile", "smile"), 0);
    CHECK_STR(tl_read(v, "/\xf0\x9f\x99\x82 SMILE", &err), "smile");
    CHECK_INT(tl_write(v, "/bad\xff", "x"), -EINVAL);
    unmount(v);
    CHECK_INT(fsck_clean("names.img"), 0);
    /* mtools shows each half of a surrogate pair as '_'; the euro name it shows whole */
    snprintf(cmd, sizeof cmd, mcmd("names.img"), "mdir");
    CHECK_CONTAINS(sh_out("%s ::", cmd), name);
}

/* What fsync wrote is a clean volume on its own: the image copied while still mounted
 * (as if the machine died right after the sync) passes fsck.fat and holds the data. */
static void synced_image_is_clean(void)
{
    static char buf[50000];
    char cmd[700];
    struct vfs *v;
    int fd, i;
    CHECK_INT(mkimage("sync.img", 32, 40960, "-s 1"), 0);
    v = mount_fat("sync.img", NULL);
    CHECK(v);
    pattern(buf, sizeof buf, 11);
    {
        FILE *fp = fopen(img("sync.src"), "w");
        CHECK(fp && fwrite(buf, 1, sizeof buf, fp) == sizeof buf);
        fclose(fp);
    }
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/dir", 0777), 0);
    for (i = 0; i < 20; i++) {
        char p[64];
        snprintf(p, sizeof p, "/dir/synced file %d", i);
        CHECK_INT(tl_write(v, p, "data"), 0);
    }
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/dir/synced file 3", AT_FDCWD, "/moved", 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/dir/synced file 4", 0), 0);
    fd = vfs_openat(v, AT_FDCWD, "/big", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_INT(vfs_write(v, fd, buf, sizeof buf), sizeof buf);
    CHECK_INT(vfs_fsync(v, fd, false), 0);
    CHECK_INT(sh("cp %s %s", img("sync.img"), img("synccopy.img")), 0);
    CHECK_INT(vfs_write(v, fd, buf, sizeof buf), sizeof buf); /* after the copy */
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(fsck_clean("synccopy.img"), 0);
    snprintf(cmd, sizeof cmd, mcmd("synccopy.img"), "mtype");
    CHECK_STR(sh_out("%s '::moved'", cmd), "data");
    CHECK_STR(sh_out("%s '::big' | cmp - %s && echo same", cmd, img("sync.src")), "same\n");
    unmount(v);
    CHECK_INT(fsck_clean("sync.img"), 0);
}

/* The fixed root directory of FAT12/16 cannot grow: ENOSPC when its slots are used. */
static void fixed_root_full(void)
{
    struct vfs *v;
    int i, rc = 0;
    CHECK_INT(mkimage("root.img", 12, 1024, "-r 32"), 0); /* 32 root slots */
    v = mount_fat("root.img", NULL);
    CHECK(v);
    for (i = 0; i < 40 && rc == 0; i++) {
        char p[64];
        snprintf(p, sizeof p, "/F%d", i);
        rc = tl_write(v, p, "x");
    }
    CHECK_INT(rc, -ENOSPC);
    CHECK_INT(i, 33); /* the 33rd did not fit */
    CHECK_INT(tl_write(v, "/a long name needs more slots", "x"), -ENOSPC);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/F0", 0), 0);
    CHECK_INT(tl_write(v, "/G", "x"), 0);
    unmount(v);
    CHECK_INT(fsck_clean("root.img"), 0);
}

/* A volume of 4096-byte sectors on a device of 512-byte sectors. */
static void big_sectors(void)
{
    static char buf[30000];
    char cmd[700];
    struct vfs *v;
    int err;
    CHECK_INT(mkimage("s4k.img", 16, 20480, "-S 4096 -s 1"), 0);
    v = mount_fat("s4k.img", NULL);
    CHECK(v);
    memset(buf, 'k', sizeof buf - 1);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/Sub Directory", 0777), 0);
    CHECK_INT(tl_write(v, "/Sub Directory/big sector file", buf), 0);
    CHECK_STR(tl_read(v, "/sub directory/BIG SECTOR FILE", &err), buf);
    unmount(v);
    CHECK_INT(fsck_clean("s4k.img"), 0);
    snprintf(cmd, sizeof cmd, mcmd("s4k.img"), "mtype");
    CHECK_STR(sh_out("%s '::Sub Directory/big sector file'", cmd), buf);
}

/* Builds a vfs from text expecting an error; returns the message. */
static const char *mount_error(const char *text)
{
    static const struct vfs_plugin *plugins[] = {&vfs_plugin_fat};
    static char msg[256];
    struct cfg_arena arena = {cfg_mem, sizeof cfg_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v = NULL;
    if (cfg_parse("t.cfg", text, strlen(text), &arena, &root, &err) < 0)
        return "parse error";
    if (vfs_create(&tl_env, plugins, 1, cfg_first(root, "vfs"), 256, &v, &err) == 0) {
        vfs_destroy(v);
        return "accepted";
    }
    cfg_format_error(&err, msg, sizeof msg);
    return msg;
}

/* The configuration: its errors name the line and say what was expected. */
static void configuration(void)
{
    CHECK_INT(mkimage("cfg.img", 12, 1024, NULL), 0);
    fat_host_image("cfg.img", img("cfg.img"));
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img size=3 }"), "unknown property 'size'");
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img fast }"), "expected ro or rw");
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img uid=x }"), "uid: expected a number");
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img umask=9 }"), "t.cfg:1:");
    CHECK_CONTAINS(mount_error("vfs { fat label=nodisk }"), "cannot open the block device");
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img cache=1k }"),
                   "cache: expected a size from 64K to 1G, found '1k'");
    CHECK_CONTAINS(mount_error("vfs { fat label=cfg.img cache=2G }"), "from 64K to 1G");
    CHECK_STR(mount_error("vfs { fat label=cfg.img ro uid=5 gid=6 umask=077 }"), "accepted");
    CHECK_STR(mount_error("vfs { fat label=cfg.img cache=64K }"), "accepted");
}

/* cache=: a file that fits in the cache is read from the device once, a larger one
 * (the default 1 MiB cache, a 2 MiB file) every time. */
static void cache_size(void)
{
    static char buf[2 << 20], got[2 << 20];
    struct vfs *v;
    unsigned reads;
    int fd;
    CHECK_INT(mkimage("cache.img", 16, 16384, "-s 8"), 0);
    v = mount_fat("cache.img", NULL);
    CHECK(v);
    pattern(buf, sizeof buf, 9);
    fd = vfs_openat(v, AT_FDCWD, "/f", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_INT(vfs_write(v, fd, buf, sizeof buf), sizeof buf);
    CHECK_INT(vfs_close(v, fd), 0);
    unmount(v);
    for (int big = 0; big < 2; big++) {
        v = mount_fat("cache.img", big ? "cache=4M" : NULL);
        CHECK(v);
        fd = vfs_openat(v, AT_FDCWD, "/f", O_RDONLY, 0);
        CHECK(fd >= 0);
        CHECK_INT(vfs_pread(v, fd, got, sizeof got, 0), sizeof got);
        CHECK(memcmp(got, buf, sizeof got) == 0);
        reads = fat_host_reads;
        CHECK_INT(vfs_pread(v, fd, got, sizeof got, 0), sizeof got);
        CHECK(memcmp(got, buf, sizeof got) == 0);
        if (big)
            CHECK_INT(fat_host_reads - reads, 0);
        else
            CHECK(fat_host_reads - reads >= (1u << 20) / (64 << 10)); /* a MiB from disk */
        CHECK_INT(vfs_close(v, fd), 0);
        unmount(v);
    }
    CHECK_INT(fsck_clean("cache.img"), 0);
}

/* Random reads of fragmented and contiguous files find the right clusters: the chain's
 * contiguous runs (fat_chain_at) are remembered, extended by appends and forgotten by
 * truncation. a and b are written a cluster at a time in turns (their chains interleave),
 * c in one go; then reads at random places, backwards, after c is cut and grown again. */
static void random_reads(void)
{
    enum { CL = 512, N = 96 }; /* -s 1: 512-byte clusters */
    static char want[3][N * CL], got[CL];
    struct vfs *v;
    int fd[3];
    const char *names[3] = {"/a", "/b", "/c"};
    CHECK_INT(mkimage("runs.img", 16, 8192, "-s 1"), 0);
    v = mount_fat("runs.img", NULL);
    CHECK(v);
    for (int k = 0; k < 3; k++) {
        pattern(want[k], sizeof want[k], 11 + (unsigned)k);
        fd[k] = vfs_openat(v, AT_FDCWD, names[k], O_RDWR | O_CREAT, 0644);
        CHECK(fd[k] >= 0);
    }
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 2; k++)
            CHECK_INT(vfs_write(v, fd[k], want[k] + i * CL, CL), CL);
    CHECK_INT(vfs_write(v, fd[2], want[2], sizeof want[2]), sizeof want[2]);
    unsigned r = 7;
    for (int round = 0; round < 3; round++) {
        for (int j = 0; j < 400; j++) {
            r = r * 1103515245u + 12345u;
            int k = (int)(r >> 8) % 3;
            uint64_t off = (r >> 12) % (N * CL - 100);
            CHECK_INT(vfs_pread(v, fd[k], got, 100, off), 100);
            CHECK(memcmp(got, want[k] + off, 100) == 0);
        }
        for (int i = N - 1; i >= 0; i--) /* backwards, a cluster at a time */
            for (int k = 0; k < 3; k++) {
                CHECK_INT(vfs_pread(v, fd[k], got, CL, (uint64_t)i * CL), CL);
                CHECK(memcmp(got, want[k] + i * CL, CL) == 0);
            }
        if (round == 0) { /* c cut to a third, then grown back with other bytes */
            CHECK_INT(vfs_ftruncate(v, fd[2], N / 3 * CL), 0);
            pattern(want[2] + N / 3 * CL, sizeof want[2] - N / 3 * CL, 99);
            CHECK_INT(
                vfs_pwrite(v, fd[2], want[2] + N / 3 * CL, sizeof want[2] - N / 3 * CL, N / 3 * CL),
                sizeof want[2] - N / 3 * CL);
        } else if (round ==
                   1) { /* b grows by an append (after c took the next clusters), cut back */
            CHECK_INT(vfs_write(v, fd[1], want[1], CL), CL);
            CHECK_INT(vfs_ftruncate(v, fd[1], N * CL), 0);
        }
    }
    for (int k = 0; k < 3; k++)
        CHECK_INT(vfs_close(v, fd[k]), 0);
    unmount(v);
    CHECK_INT(fsck_clean("runs.img"), 0);
}

/* A directory's free slots are found from a hint (find_run) and taken again after
 * removals: 200 long names, every third removed, 60 more made, in a subdirectory and in
 * FAT16's fixed root; the directory does not grow, every name lists, mtools agrees. */
static void dir_slot_reuse(void)
{
    char path[64], cmd[700];
    struct linux_stat st;
    const char *dirs[2] = {"/d", ""};
    CHECK_INT(mkimage("reuse.img", 16, 20480, ""), 0);
    struct vfs *v = mount_fat("reuse.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), 0);
    for (int d = 0; d < 2; d++) {
        int many = d ? 100 : 200, more = d ? 30 : 60; /* the root holds 512 slots */
        for (int i = 0; i < many; i++) {
            snprintf(path, sizeof path, "%s/a long file name %03d.txt", dirs[d], i);
            CHECK_INT(tl_write(v, path, "x"), 0);
        }
        int64_t size0 = -1;
        if (d == 0 && vfs_fstatat(v, AT_FDCWD, "/d", &st, 0) == 0)
            size0 = st.st_size;
        for (int i = 0; i < many; i += 3) {
            snprintf(path, sizeof path, "%s/a long file name %03d.txt", dirs[d], i);
            CHECK_INT(vfs_unlinkat(v, AT_FDCWD, path, 0), 0);
        }
        for (int i = 0; i < more; i++) {
            snprintf(path, sizeof path, "%s/another name %02d.txt", dirs[d], i);
            CHECK_INT(tl_write(v, path, "y"), 0);
        }
        if (d == 0)
            CHECK(vfs_fstatat(v, AT_FDCWD, "/d", &st, 0) == 0 && st.st_size == size0);
        const char *s = tl_ls(v, d ? "/" : "/d");
        int n = 0;
        for (const char *p = s; (p = strstr(p, ".txt")); p++)
            n++;
        CHECK_INT(n, many - (many + 2) / 3 + more);
    }
    unmount(v);
    CHECK_INT(fsck_clean("reuse.img"), 0);
    snprintf(cmd, sizeof cmd, mcmd("reuse.img"), "mdir -b");
    CHECK_STR(sh_out("%s ::d | wc -l", cmd), "193\n");
}

CASE(reads_mtools_images)
CASE(writes_read_by_mtools)
CASE(full_volume)
CASE(unix_mapping)
CASE(ro_dirty_cache)
CASE(inodes_and_open_unlinked)
CASE(readdir_positions_and_tails)
CASE(big_sectors)
CASE(fixed_root_full)
CASE(configuration)
CASE(cache_size)
CASE(synced_image_is_clean)
CASE(long_name_limits)
CASE(merged_io_and_device_errors)
CASE(random_reads)
CASE(dir_slot_reuse)

int main(void)
{
    setenv("PATH", "/usr/sbin:/sbin:/usr/bin:/bin", 1);
    if (sh("mkdir -p %s", FAT_TEST_DIR) != 0)
        return 1;
    tl_run("reads_mtools_images", reads_mtools_images_case);
    tl_run("writes_read_by_mtools", writes_read_by_mtools_case);
    tl_run("full_volume", full_volume_case);
    tl_run("unix_mapping", unix_mapping_case);
    tl_run("ro_dirty_cache", ro_dirty_cache_case);
    fat_damage_cases();
    tl_run("inodes_and_open_unlinked", inodes_and_open_unlinked_case);
    tl_run("readdir_positions_and_tails", readdir_positions_and_tails_case);
    tl_run("big_sectors", big_sectors_case);
    tl_run("fixed_root_full", fixed_root_full_case);
    tl_run("configuration", configuration_case);
    tl_run("cache_size", cache_size_case);
    tl_run("synced_image_is_clean", synced_image_is_clean_case);
    tl_run("long_name_limits", long_name_limits_case);
    tl_run("merged_io_and_device_errors", merged_io_and_device_errors_case);
    tl_run("random_reads", random_reads_case);
    tl_run("dir_slot_reuse", dir_slot_reuse_case);
    fat_index_cases();
    return tl_finish();
}
