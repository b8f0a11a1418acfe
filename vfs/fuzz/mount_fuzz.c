/*
 * libFuzzer target for the mount-tree configuration reader: the input is a
 * configuration text; if it parses, vfs_create builds a tree from its first `vfs`
 * node (or from the root when there is none) with every plugin. A refusal must come
 * with a message and a position in the file; a tree is then walked (every directory
 * listed and every name stat'ed, a few levels deep) and destroyed, and every
 * allocation must be given back.
 */
#include <capix/config.h>
#include <vfs/linux.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#include "fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct vfs *v, char *path, size_t len, int depth)
{
    uint64_t dents[128];
    int fd = vfs_openat(v, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
    int64_t n;
    if (fd < 0)
        return;
    while ((n = vfs_getdents64(v, fd, dents, sizeof dents)) > 0) {
        int64_t off = 0;
        while (off < n) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)((char *)dents + off);
            size_t l = strlen(d->d_name);
            struct linux_stat st;
            off += d->d_reclen;
            if (d->d_reclen == 0 || off > n)
                abort();
            if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") || len + l + 2 >= PATH_MAX)
                continue;
            path[len] = '/';
            memcpy(path + len + 1, d->d_name, l + 1);
            if (vfs_fstatat(v, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
                abort(); /* what readdir lists must exist */
            if (S_ISDIR(st.st_mode) && depth < 6)
                walk(v, path, len + 1 + l, depth + 1);
            path[len] = '\0';
        }
    }
    vfs_close(v, fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char arena_mem[1 << 18];
    static char path[PATH_MAX];
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    const struct cfg_node *cfg;
    struct cfg_error err;
    struct vfs *v = NULL;
    int rc;
    if (cfg_parse("fuzz.cfg", (const char *)data, size, &arena, &root, &err) != 0)
        return 0;
    cfg = cfg_first(root, "vfs");
    memset(&err, 0, sizeof err);
    rc = vfs_create(&fuzz_env, vfs_plugins_all, vfs_plugins_all_count, cfg ? cfg : root, 64, &v,
                    &err);
    if (rc != 0) {
        if ((rc != -EINVAL && rc != -ENOMEM) || err.msg[0] == '\0' ||
            !memchr(err.msg, '\0', sizeof err.msg))
            abort();
        if (fuzz_live != 0)
            abort();
        return 0;
    }
    strcpy(path, "");
    walk(v, path, 0, 0);
    vfs_destroy(v);
    if (fuzz_live != 0)
        abort();
    return 0;
}
