/*
 * Cases of fat_test (fat_test.h) for the directories' name index (dir_index.c): a
 * random run of creations, removals, renames (within and across directories, over
 * existing names), mkdir and rmdir in one directory, each checked against a model of
 * the names; every name looked up in other cases, present or absent, and the
 * directory's link count (its sub-directories) after each step. At the end the volume
 * is unmounted, fsck.fat finds it clean (no two entries with one short name) and mtools
 * lists what the model holds; a new mount (without an index) agrees.
 */
#include "fat_test.h"

#define NAMES 120

static void name_of(int i, bool upper, char *out, size_t size)
{
    snprintf(out, size, upper ? "/D/SOME LONG NAME %03d.TXT" : "/d/some long name %03d.txt", i);
}

static bool check_all(struct vfs *v, const unsigned char *model)
{
    struct linux_stat st;
    char path[64];
    unsigned dirs = 0;
    bool ok = true;
    for (int i = 0; i < NAMES; i++) {
        name_of(i, i % 2, path, sizeof path);
        int rc = vfs_fstatat(v, AT_FDCWD, path, &st, 0);
        if ((rc == 0) != (model[i] != 0) ||
            (rc == 0 && (model[i] == 2) != ((st.st_mode & S_IFMT) == S_IFDIR))) {
            tl_fail(__LINE__, "%s: stat %d, model %d", path, rc, model[i]);
            ok = false;
        }
        dirs += model[i] == 2;
    }
    if (vfs_fstatat(v, AT_FDCWD, "/d", &st, 0) != 0 || st.st_nlink != 2 + dirs) {
        tl_fail(__LINE__, "/d: %u links, %u sub-directories", (unsigned)st.st_nlink, dirs);
        ok = false;
    }
    return ok;
}

static void index_random_run(void)
{
    unsigned char model[NAMES] = {0}; /* 0 absent, 1 file, 2 directory */
    char a[64], b[64], cmd[700];
    unsigned seed = 12345, live = 0;
    CHECK_INT(mkimage("index.img", 32, 40960, ""), 0);
    struct vfs *v = mount_fat("index.img", NULL);
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/d", 0777), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/e", 0777), 0);
    for (int step = 0; step < 1500 && !tl_failed; step++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 8) % NAMES), j = (int)((seed >> 20) % NAMES), op = (int)(seed % 6);
        name_of(i, step % 3 == 0, a, sizeof a);
        name_of(j, step % 5 == 0, b, sizeof b);
        if (op <= 1) { /* create */
            int fd = vfs_openat(v, AT_FDCWD, a, O_WRONLY | O_CREAT | O_EXCL, 0644);
            CHECK_INT(fd >= 0 ? 0 : fd, model[i] ? -EEXIST : 0);
            if (fd >= 0) {
                vfs_close(v, fd);
                model[i] = 1;
            }
        } else if (op == 2) { /* mkdir or rmdir */
            if (model[i] == 2) {
                CHECK_INT(vfs_unlinkat(v, AT_FDCWD, a, AT_REMOVEDIR), 0);
                model[i] = 0;
            } else {
                CHECK_INT(vfs_mkdirat(v, AT_FDCWD, a, 0777), model[i] ? -EEXIST : 0);
                if (!model[i])
                    model[i] = 2;
            }
        } else if (op == 3) { /* unlink */
            CHECK_INT(vfs_unlinkat(v, AT_FDCWD, a, 0), model[i] == 1 ? 0
                                                       : model[i]    ? -EISDIR
                                                                     : -ENOENT);
            if (model[i] == 1)
                model[i] = 0;
        } else if (op == 4 && model[i] == 1 && model[j] != 2) { /* rename within /d */
            CHECK_INT(vfs_renameat2(v, AT_FDCWD, a, AT_FDCWD, b, 0), 0);
            model[i] = i == j;
            model[j] = 1;
        } else if (op == 5 && model[i] == 1) { /* out to /e and back */
            CHECK_INT(vfs_renameat2(v, AT_FDCWD, a, AT_FDCWD, "/e/parked", 0), 0);
            model[i] = 0;
            CHECK_INT(check_all(v, model), true);
            CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/e/parked", AT_FDCWD, b, 0),
                      model[j] == 2 ? -EISDIR : 0);
            if (model[j] != 2) {
                model[j] = 1;
            } else {
                CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/e/parked", AT_FDCWD, a, 0), 0);
                model[i] = 1;
            }
        }
        if (step % 50 == 0)
            check_all(v, model);
    }
    check_all(v, model);
    for (int i = 0; i < NAMES; i++)
        live += model[i] != 0;
    unmount(v);
    CHECK_INT(fsck_clean("index.img"), 0);
    snprintf(cmd, sizeof cmd, mcmd("index.img"), "mdir -b");
    snprintf(a, sizeof a, "%u\n", live);
    CHECK_STR(sh_out("%s ::d | wc -l", cmd), a);
    v = mount_fat("index.img", NULL); /* a fresh mount: indexes made anew from the disk */
    CHECK(v);
    check_all(v, model);
    unmount(v);
}

CASE(index_random_run)

void fat_index_cases(void)
{
    tl_run("index_random_run", index_random_run_case);
}
