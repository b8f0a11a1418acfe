/*
 * Host tests of the FAT plugin, part of fat_test (fat_test.h): the power cut at every
 * point of a workload (what fsync wrote survives, fsck.fat finds only what it may), and
 * corrupt images (bad chains, bad boot sectors): EIO or a refused mount, never a crash.
 */
#define _DEFAULT_SOURCE
#include "fat_test.h"

/* A workload of creates, writes, renames and removals with an fsync now and then. */
static int workload(struct vfs *v)
{
    static char buf[8000]; /* the largest write is 500 + 59 * 97 bytes */
    int i, fd, rc = 0;
    pattern(buf, sizeof buf, 1);
    rc |= vfs_mkdirat(v, AT_FDCWD, "/work", 0777);
    for (i = 0; i < 60 && rc >= 0; i++) {
        char p[64], q[64];
        snprintf(p, sizeof p, "/work/file number %d.txt", i);
        fd = vfs_openat(v, AT_FDCWD, p, O_RDWR | O_CREAT, 0644);
        if (fd < 0)
            return fd;
        rc = (int)vfs_write(v, fd, buf, (size_t)(500 + i * 97));
        if (i % 4 == 3)
            rc = vfs_ftruncate(v, fd, i % 8 == 3 ? 0 : 700);
        if (i % 7 == 0)
            rc = vfs_fsync(v, fd, false);
        vfs_close(v, fd);
        if (i % 3 == 1) {
            snprintf(q, sizeof q, "/moved %d", i);
            rc = vfs_renameat2(v, AT_FDCWD, p, AT_FDCWD, q, 0);
        }
        if (i % 5 == 2 && i % 3 != 1)
            rc = vfs_unlinkat(v, AT_FDCWD, p, 0);
        if (i % 11 == 3) {
            snprintf(q, sizeof q, "/dir %d", i);
            rc = vfs_mkdirat(v, AT_FDCWD, q, 0777);
        }
    }
    return rc < 0 ? rc : 0;
}

/* What fsck.fat -n said about an image (its .fsck file) beyond what a crash may leave:
 * a set dirty bit, a stale FSInfo count, FAT copies that differ, lost clusters, and a
 * file whose chain is longer than its size (a partial truncate cut short). */
static const char *fsck_complaints(const char *path)
{
    static char out[4096];
    static const char *const allowed[] = {"fsck.fat",
                                          "files, ",
                                          "irty bit",
                                          "Leaving filesystem",
                                          "Free cluster summary",
                                          "Using first FAT",
                                          "FATs differ",
                                          "unused clusters",
                                          "Reclaimed",
                                          "chain length is >",
                                          "Truncating file",
                                          NULL};
    char line[512], name[2][512] = {"", ""};
    size_t o = 0, i;
    FILE *fp;
    snprintf(line, sizeof line, "%s.fsck", path);
    fp = fopen(line, "r");
    if (!fp)
        return "no fsck output";
    while (fgets(line, sizeof line, fp)) {
        bool ok = line[0] == '\n' || line[0] == '/';
        for (i = 0; allowed[i] && !ok; i++)
            ok = strstr(line, allowed[i]) != NULL;
        if (line[0] == '/')
            snprintf(name[0], sizeof name[0], "%s", line);
        if (!ok || (strstr(line, "Truncating") && !strstr(name[1], "chain length is >"))) {
            o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", name[0], line);
            if (o >= sizeof out)
                break;
        }
        snprintf(name[1], sizeof name[1], "%s", line);
    }
    fclose(fp);
    out[o < sizeof out ? o : sizeof out - 1] = '\0';
    return out;
}

/* The power fails at many moments of a workload: each image left behind may show
 * lost clusters, a set dirty bit, a stale free count, FAT copies that differ or a chain
 * longer than its file, but never a cross-linked chain, an entry naming free clusters
 * or a broken directory. */
static void crash_points(void)
{
    unsigned total, at, step;
    struct vfs *v;
    const char *out;
    CHECK_INT(mkimage("crash.img", 16, 20480, "-s 1"), 0);
    CHECK_INT(sh("cp %s %s", img("crash.img"), img("crash0.img")), 0);
    v = mount_fat("crash.img", NULL);
    CHECK(v);
    total = fat_host_writes;
    CHECK_INT(workload(v), 0);
    unmount(v);
    total = fat_host_writes - total;
    CHECK(total > 20);
    step = getenv("FAT_TEST_EVERY_CRASH") ? 1 : total / 23 + 1; /* every write: slow */
    for (at = 1; at < total; at += step) {
        CHECK_INT(sh("cp %s %s", img("crash0.img"), img("crash.img")), 0);
        v = mount_fat("crash.img", NULL);
        CHECK(v);
        fat_host_snapshot_path = img("crashed.img");
        fat_host_snapshot_at = fat_host_writes + at;
        CHECK_INT(workload(v), 0);
        unmount(v);
        fat_host_snapshot_path = NULL;
        CHECK_INT(fsck_clean("crash.img"), 0);
        fsck_clean("crashed.img");
        out = fsck_complaints(img("crashed.img"));
        if (out[0])
            tl_fail(__LINE__, "after write %u of %u: %s", at, total, out);
        CHECK(out[0] == '\0');
    }
}

/*
 * The order of writes when a directory grows: its new cluster reaches the disk alone
 * when it is taken (zeroed), so that the entries written into it later are written as
 * directory sectors, after the FAT sectors that hold the chains they name. A sync after
 * 40 one-cluster files in a new directory (which grows 2 clusters of 1 sector): no write
 * of directory entries may come before the sync's first write of the FAT (the FAT goes
 * in one phase, then the directories; the clean flag, in the FAT, comes last on its
 * own). Writing the new cluster with the files' data, as data, breaks it; crash_points
 * cannot see that when the FAT sectors go in one call.
 */
static struct {
    uint64_t fat_lo, fat_hi, data_lo; /* device sectors (512 bytes) */
    unsigned n, first_fat, first_dir; /* write numbers */
} order;

static void log_write(uint64_t lba, uint32_t count, uint32_t ss, const void *buf)
{
    const unsigned char *p = buf;
    unsigned w = ++order.n;
    for (uint32_t i = 0; i < count; i++, p += ss) {
        uint64_t sec = lba + i;
        if (sec >= order.fat_lo && sec < order.fat_hi && !order.first_fat)
            order.first_fat = w;
        else if (sec >= order.data_lo && p[0] != 0xab && p[0] != 0 && !order.first_dir)
            order.first_dir = w; /* not file data (0xab) nor an unused sector: entries */
    }
}

static void dir_entries_after_fat(void)
{
    unsigned char bs[64];
    char name[64], data[16];
    struct vfs *v;
    int fd, i;
    FILE *fp;
    CHECK_INT(mkimage("order.img", 16, 20480, "-s 1"), 0);
    fp = fopen(img("order.img"), "rb");
    CHECK(fp && fread(bs, 1, sizeof bs, fp) == sizeof bs);
    if (fp)
        fclose(fp);
    unsigned reserved = bs[14] | bs[15] << 8, fats = bs[16], fatsz = bs[22] | bs[23] << 8;
    unsigned roots = (bs[17] | bs[18] << 8) * 32 / 512;
    order.fat_lo = reserved;
    order.fat_hi = reserved + (uint64_t)fats * fatsz;
    order.data_lo = order.fat_hi + roots;
    memset(data, 0xab, sizeof data);
    v = mount_fat("order.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), 0);
    CHECK_INT(vfs_sync(v), 0);
    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "/d/F%02d", i);
        fd = vfs_openat(v, AT_FDCWD, name, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0);
        CHECK_INT(vfs_write(v, fd, data, sizeof data), (long)sizeof data);
        vfs_close(v, fd);
    }
    order.n = order.first_fat = order.first_dir = 0;
    fat_host_write_log = log_write;
    CHECK_INT(vfs_sync(v), 0);
    fat_host_write_log = NULL;
    CHECK(order.first_fat > 0 && order.first_dir > 0);
    if (order.first_dir < order.first_fat)
        tl_fail(__LINE__, "entries written at write %u of the sync, the FAT from write %u",
                order.first_dir, order.first_fat);
    CHECK(order.first_dir > order.first_fat);
    unmount(v);
    CHECK_INT(fsck_clean("order.img"), 0);
}

/* Reads n bytes of the image at off, or writes them. */
static int poke(const char *name, long off, void *b, size_t n, bool write)
{
    FILE *fp = fopen(img(name), "r+");
    size_t k;
    if (!fp)
        return -1;
    fseek(fp, off, SEEK_SET);
    k = write ? fwrite(b, 1, n, fp) : fread(b, 1, n, fp);
    fclose(fp);
    return k == n ? 0 : -1;
}

/* Chains that loop, leave the volume or end before the size: EIO, and no hang. */
static void corrupt_chains(void)
{
    unsigned char bs[64], e[32], v2[2];
    long fat, root;
    char buf[8192];
    struct vfs *v;
    int fd, i;
    CHECK_INT(mkimage("chain.img", 16, 20480, "-s 1"), 0);
    v = mount_fat("chain.img", NULL);
    CHECK(v);
    memset(buf, 'c', sizeof buf);
    fd = vfs_openat(v, AT_FDCWD, "/A", O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_INT(vfs_write(v, fd, buf, 2048), 2048); /* four clusters */
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/D", 0777), 0);
    unmount(v);
    CHECK_INT(poke("chain.img", 0, bs, sizeof bs, false), 0);
    fat = (long)(bs[14] | bs[15] << 8) * 512;
    root = fat + (long)bs[16] * (bs[22] | bs[23] << 8) * 512;
    CHECK_INT(poke("chain.img", root, e, 32, false), 0); /* the short entry of A */
    CHECK(memcmp(e, "A          ", 11) == 0);
    for (i = 0; i < 3; i++) {
        unsigned cl = e[26] | e[27] << 8;
        unsigned second = cl + 1;
        unsigned val = i == 0 ? cl : i == 1 ? 0xfff0 : 0xffff; /* loop, out of range, short */
        long at = fat + (long)(i == 2 ? cl : second) * 2;
        v2[0] = (unsigned char)val;
        v2[1] = (unsigned char)(val >> 8);
        CHECK_INT(poke("chain.img", at, v2, 2, true), 0);
        v = mount_fat("chain.img", NULL);
        CHECK(v);
        fd = vfs_openat(v, AT_FDCWD, "/A", O_RDONLY, 0);
        CHECK(fd >= 0);
        /* a loop within the size reads (bounded); a broken chain ends the read short,
         * and reading on from there is EIO */
        CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 0), i == 0 ? 2048 : i == 1 ? 1024 : 512);
        if (i > 0)
            CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, i == 1 ? 1024 : 512), -EIO);
        CHECK_INT(vfs_close(v, fd), 0);
        CHECK_STR(tl_ls(v, "/D"), "");
        unmount(v);
    }
    /* the directory D points to a cluster out of range */
    CHECK_INT(poke("chain.img", root + 32, e, 32, false), 0);
    CHECK(memcmp(e, "D          ", 11) == 0);
    e[26] = 0xf0;
    e[27] = 0xff;
    CHECK_INT(poke("chain.img", root + 32, e, 32, true), 0);
    v = mount_fat("chain.img", NULL);
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/D", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_getdents64(v, fd, buf, sizeof buf), -EIO);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(tl_write(v, "/D/x", "x"), -EIO);
    unmount(v);
}

/* Corrupt images: EIO and no crash. */
static void corrupt_images(void)
{
    struct vfs *v;
    unsigned char b[4] = {0};
    char buf[64];
    FILE *fp;
    int err, fd;
    CHECK_INT(mkimage("bad.img", 16, 20480, NULL), 0);
    v = mount_fat("bad.img", NULL);
    CHECK(v);
    CHECK_INT(tl_write(v, "/loop",
                       "a file whose chain will loop: make it longer than a "
                       "cluster? no, a looped single cluster is enough"),
              0);
    unmount(v);
    /* the file's first cluster is 3 (the root is fixed; cluster 2 is the first): make
     * its FAT entry point to itself in both copies, and grow its size */
    fp = fopen(img("bad.img"), "r+");
    CHECK(fp);
    fseek(fp, 512 * 1 + 2 * 3, SEEK_SET); /* wrong on purpose if cluster differs */
    b[0] = 3;
    fwrite(b, 1, 2, fp);
    fclose(fp);
    v = mount_fat("bad.img", NULL);
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/loop", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK(vfs_read(v, fd, buf, sizeof buf) >= 0);
    CHECK_INT(vfs_close(v, fd), 0);
    (void)err;
    unmount(v);
    /* a broken boot sector is refused */
    fp = fopen(img("bad.img"), "r+");
    CHECK(fp);
    fseek(fp, 11, SEEK_SET);
    b[0] = 3;
    b[1] = 0; /* bytes per sector 3 */
    fwrite(b, 1, 2, fp);
    fclose(fp);
    {
        static const struct vfs_plugin *plugins[] = {&vfs_plugin_fat};
        struct cfg_arena arena = {cfg_mem, sizeof cfg_mem, 0};
        struct cfg_node *root;
        struct cfg_error cerr;
        const char *text = "vfs { fat label=bad.img }\n";
        CHECK_INT(cfg_parse("t.cfg", text, strlen(text), &arena, &root, &cerr), 0);
        CHECK(vfs_create(&tl_env, plugins, 1, cfg_first(root, "vfs"), 256, &v, &cerr) < 0);
    }
}

CASE(corrupt_images)
CASE(corrupt_chains)
CASE(crash_points)
CASE(dir_entries_after_fat)

void fat_damage_cases(void)
{
    tl_run("corrupt_images", corrupt_images_case);
    tl_run("corrupt_chains", corrupt_chains_case);
    tl_run("crash_points", crash_points_case);
    tl_run("dir_entries_after_fat", dir_entries_after_fat_case);
}
