/*
 * Fuzz target: the FAT plugin mounts a mutated image and walks it (stat, readdir, read
 * of every file it finds, bounded), then changes it (create, write, mkdir, rename,
 * truncate, unlink, fsync) and unmounts. The input is the start of a 40 MiB device
 * whose rest reads as zeros, so small seeds stand for whole volumes. Every result must
 * be a count or a negative errno; the device is never accessed past its end
 * (host_blockdev.c aborts), and every allocation is given back.
 */
#include "../../vfs/fuzz/fuzz_env.h"
#include "fat.h"
#include "host_blockdev.h"

#include <capix/config.h>
#include <stdio.h>
#include <vfs/fd_table.h>
#include <vfs/linux.h>
#include <vfs_plugins.h>

#define DEV_BYTES (40u << 20)
#define MAX_PATHS 64

static uint8_t *dev;
static size_t dev_high; /* bytes that may be non-zero */
static char cfg_mem[1 << 14];

static void check(int64_t rc)
{
    if (rc < -4095)
        abort();
}

static struct vfs *mount_input(const uint8_t *data, size_t size)
{
    static const struct vfs_plugin *plugins[] = {&vfs_plugin_fat};
    static const char text[] = "vfs { fat label=fz }\n";
    struct vfs_env env = {.alloc = fuzz_alloc, .free = fuzz_free, .now_ns = fuzz_now};
    struct cfg_arena arena = {cfg_mem, sizeof cfg_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v = NULL;
    if (!dev)
        dev = calloc(1, DEV_BYTES);
    if (size > DEV_BYTES)
        size = DEV_BYTES;
    if (fat_host_mem_high > dev_high)
        dev_high = fat_host_mem_high;
    memset(dev, 0, dev_high);
    memcpy(dev, data, size);
    dev_high = size;
    fat_host_mem_high = 0;
    fat_host_memory("fz", dev, DEV_BYTES);
    if (cfg_parse("f.cfg", text, sizeof text - 1, &arena, &root, &err) < 0)
        abort();
    if (vfs_create(&env, plugins, 1, cfg_first(root, "vfs"), 64, &v, &err) < 0)
        return NULL;
    return v;
}

/* Lists directory path, adding its entries to the paths to visit. */
static void list_dir(struct vfs *v, const char *path, char (*paths)[256], unsigned *n)
{
    char buf[2048];
    int64_t got;
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0), rounds = 0;
    check(fd);
    if (fd < 0)
        return;
    while ((got = vfs_getdents64(v, fd, buf, sizeof buf)) > 0 && rounds++ < 64) {
        int64_t off = 0;
        while (off < got) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(void *)(buf + off);
            if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") && *n < MAX_PATHS)
                snprintf(paths[(*n)++], 256, "%s/%s", strcmp(path, "/") ? path : "", d->d_name);
            off += d->d_reclen;
        }
    }
    check(got);
    vfs_close(v, fd);
}

/* Visits up to MAX_PATHS nodes breadth first (no recursion). */
static void walk(struct vfs *v)
{
    static char paths[MAX_PATHS][256];
    static char buf[16384];
    struct linux_stat st;
    unsigned n = 1, i;
    strcpy(paths[0], "/");
    for (i = 0; i < n; i++) {
        int rc = vfs_fstatat(v, AT_FDCWD, paths[i], &st, 0), fd;
        check(rc);
        if (rc < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            list_dir(v, paths[i], paths, &n);
            continue;
        }
        fd = vfs_openat(v, AT_FDCWD, paths[i], O_RDONLY, 0);
        check(fd);
        if (fd >= 0) {
            check(vfs_read(v, fd, buf, sizeof buf));
            check(vfs_pread(v, fd, buf, 100, 100000));
            vfs_close(v, fd);
        }
    }
    if (n > 1) {
        check(vfs_renameat2(v, AT_FDCWD, paths[n - 1], AT_FDCWD, "/renamed", 0));
        check(vfs_truncate(v, paths[1], 5000));
        check(vfs_unlinkat(v, AT_FDCWD, paths[1], 0));
        check(vfs_unlinkat(v, AT_FDCWD, paths[1], AT_REMOVEDIR));
    }
}

/* Makes a few changes. */
static void change(struct vfs *v)
{
    static char buf[9000];
    struct linux_statfs sf;
    int fd;
    check(vfs_mkdirat(v, AT_FDCWD, "/new directory", 0777));
    fd = vfs_openat(v, AT_FDCWD, "/new directory/a long file name.txt", O_RDWR | O_CREAT, 0644);
    check(fd);
    if (fd >= 0) {
        memset(buf, 'x', sizeof buf);
        check(vfs_write(v, fd, buf, sizeof buf));
        check(vfs_pwrite(v, fd, buf, 10, 20000));
        check(vfs_ftruncate(v, fd, 100));
        check(vfs_fsync(v, fd, false));
        vfs_close(v, fd);
    }
    check(vfs_renameat2(v, AT_FDCWD, "/new directory", AT_FDCWD, "/renamed dir", 0));
    check(vfs_statfs(v, "/", &sf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vfs *v = mount_input(data, size);
    if (v) {
        walk(v);
        change(v);
        walk(v);
        vfs_destroy(v);
    }
    if (fuzz_live != 0)
        abort();
    return 0;
}
