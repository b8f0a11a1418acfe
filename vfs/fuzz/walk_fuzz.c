/*
 * libFuzzer target for the path walk and the calls built on it. The input is a
 * sequence of operations, each one byte (the call) followed by up to two
 * NUL-terminated paths, run against a fixed tree: a ram root with directories,
 * symlinks (relative, absolute, looping, dangling, through "..") and hard links, a
 * tar archive, composition entries (null, inline, symlink) and a read-only directory.
 * After each call the results must be sane: 0 or a negative errno from the known set,
 * the working directory an absolute path that names the same directory as ".", and at
 * the end every allocation given back.
 */
#include <capix/config.h>
#include <vfs/linux.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#include "fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] = "vfs {\n"
                             "  ram\n"
                             "  dir /dev { null; zero }\n"
                             "  dir /etc { inline hostname \"capix\\n\" }\n"
                             "  dir /ro { tar a.tar }\n"
                             "  dir /ro/deeper/mnt { ram size=64K }\n"
                             "  symlink /bin/sh bash\n"
                             "}\n";

static void check_rc(long rc)
{
    if (rc < -133 || rc > (long)1 << 40)
        abort();
}

static void check_cwd(struct vfs *v)
{
    static char buf[PATH_MAX];
    struct linux_stat a, b;
    int64_t n = vfs_getcwd(v, buf, sizeof buf);
    check_rc(n);
    if (n < 0)
        return;
    if (buf[0] != '/' || (size_t)n != strlen(buf) + 1)
        abort();
    if (vfs_fstatat(v, AT_FDCWD, buf, &a, 0) == 0 && vfs_fstatat(v, AT_FDCWD, ".", &b, 0) == 0 &&
        (a.st_ino != b.st_ino || a.st_dev != b.st_dev))
        abort();
}

static void setup(struct vfs *v)
{
    static const char *dirs[] = {"/a", "/a/b", "/a/b/c", "/d", "/bin", NULL};
    static const char *links[][2] = {{"b/c", "/a/l1"},       {"/a/b", "/abs"},
                                     {"../..", "/a/b/c/up"}, {"loop2", "/loop1"},
                                     {"loop1", "/loop2"},    {"nowhere", "/dangling"},
                                     {"/", "/root"},         {"/ro/link", "/tolink"},
                                     {".", "/a/self"},       {NULL, NULL}};
    int i, fd;
    for (i = 0; dirs[i]; i++)
        vfs_mkdirat(v, AT_FDCWD, dirs[i], 0755);
    for (i = 0; links[i][0]; i++)
        vfs_symlinkat(v, links[i][0], AT_FDCWD, links[i][1]);
    fd = vfs_openat(v, AT_FDCWD, "/a/f", O_WRONLY | O_CREAT, 0644);
    vfs_write(v, fd, "data", 4);
    vfs_close(v, fd);
    vfs_linkat(v, AT_FDCWD, "/a/f", AT_FDCWD, "/d/g", 0);
    vfs_fchmodat(v, AT_FDCWD, "/d", 0500, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char arena_mem[1 << 16];
    static char p1[PATH_MAX + 16], p2[PATH_MAX + 16], buf[512];
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v;
    struct linux_stat st;
    size_t pos = 0;
    int fds[4] = {-1, -1, -1, -1}, n = 0;

    if (cfg_parse("fuzz.cfg", config, sizeof config - 1, &arena, &root, &err) != 0)
        abort();
    if (vfs_create(&fuzz_env, vfs_plugins_all, vfs_plugins_all_count, cfg_first(root, "vfs"), 16,
                   &v, &err) != 0)
        abort();
    setup(v);
    while (pos < size && n++ < 64) {
        uint8_t op = data[pos++];
        size_t l1 = 0, l2 = 0;
        long rc = 0;
        int fd;
        while (pos < size && data[pos] && l1 < sizeof p1 - 1)
            p1[l1++] = (char)data[pos++];
        p1[l1] = '\0';
        pos++;
        while (pos < size && data[pos] && l2 < sizeof p2 - 1)
            p2[l2++] = (char)data[pos++];
        p2[l2] = '\0';
        pos++;
        if (op & 0x80) /* long paths without long inputs: repeat the text */
            while (l1 && l1 < PATH_MAX + 8) {
                size_t k = l1 < PATH_MAX + 8 - l1 ? l1 : PATH_MAX + 8 - l1;
                memcpy(p1 + l1, p1, k);
                l1 += k;
                p1[l1] = '\0';
            }
        fd = fds[(op >> 5) & 3];
        switch (op & 0x1f) {
        case 0:
            rc = vfs_fstatat(v, AT_FDCWD, p1, &st, 0);
            break;
        case 1:
            rc = vfs_fstatat(v, AT_FDCWD, p1, &st, AT_SYMLINK_NOFOLLOW);
            break;
        case 2:
            rc = vfs_openat(v, AT_FDCWD, p1, O_RDWR | O_CREAT, 0644);
            if (rc >= 0) {
                if (fds[(op >> 5) & 3] >= 0)
                    vfs_close(v, fds[(op >> 5) & 3]);
                fds[(op >> 5) & 3] = (int)rc;
            }
            break;
        case 3:
            rc = vfs_openat(v, fd >= 0 ? fd : AT_FDCWD, p1, O_RDONLY | O_DIRECTORY, 0);
            if (rc >= 0)
                vfs_close(v, (int)rc);
            break;
        case 4:
            rc = vfs_mkdirat(v, AT_FDCWD, p1, 0755);
            break;
        case 5:
            rc = vfs_unlinkat(v, AT_FDCWD, p1, 0);
            break;
        case 6:
            rc = vfs_unlinkat(v, AT_FDCWD, p1, AT_REMOVEDIR);
            break;
        case 7:
            rc = vfs_renameat2(v, AT_FDCWD, p1, AT_FDCWD, p2, 0);
            break;
        case 8:
            rc = vfs_renameat2(v, AT_FDCWD, p1, AT_FDCWD, p2, RENAME_EXCHANGE);
            break;
        case 9:
            rc = vfs_linkat(v, AT_FDCWD, p1, AT_FDCWD, p2, 0);
            break;
        case 10:
            rc = vfs_symlinkat(v, p1, AT_FDCWD, p2);
            break;
        case 11:
            rc = vfs_readlinkat(v, AT_FDCWD, p1, buf, sizeof buf);
            if (rc > (long)sizeof buf)
                abort();
            break;
        case 12:
            rc = vfs_chdir(v, p1);
            break;
        case 13:
            check_cwd(v);
            break;
        case 14:
            rc = vfs_faccessat(v, AT_FDCWD, p1, R_OK | W_OK | X_OK, 0);
            break;
        case 15:
            rc = vfs_truncate(v, p1, (long)l2);
            break;
        case 16:
            rc = vfs_write(v, fd, p2, l2);
            break;
        case 17:
            rc = vfs_pread(v, fd, buf, sizeof buf, (int64_t)l2);
            break;
        case 18: {
            uint64_t dents[64];
            rc = vfs_getdents64(v, fd, dents, l2 < sizeof dents ? l2 + 24 : sizeof dents);
            break;
        }
        case 19:
            rc = vfs_fchdir(v, fd);
            break;
        case 20:
            rc = vfs_utimensat(v, AT_FDCWD, p1, NULL, AT_SYMLINK_NOFOLLOW);
            break;
        case 21:
            rc = vfs_fchmodat(v, AT_FDCWD, p1, (uint32_t)l2, 0);
            break;
        case 22:
            vfs_set_ids(v, l2 ? 1000 : 0, l2 ? 1000 : 0);
            break;
        case 23: {
            struct linux_statfs sfs;
            rc = vfs_statfs(v, p1, &sfs);
            break;
        }
        case 24:
            rc = vfs_close(v, fd);
            fds[(op >> 5) & 3] = -1;
            break;
        case 25:
            rc = vfs_dup2(v, fd, (int)(l2 % 20));
            break;
        case 26: /* many names in one directory (ram's hash index) */
            for (int i = 0; i < 40 && l1 + 4 < sizeof p1; i++) {
                p1[l1] = (char)('A' + i % 26);
                p1[l1 + 1] = (char)('a' + i / 26);
                p1[l1 + 2] = '\0';
                rc = vfs_openat(v, AT_FDCWD, p1, O_WRONLY | O_CREAT, 0644);
                if (rc >= 0)
                    rc = vfs_close(v, (int)rc);
                check_rc(rc);
            }
            break;
        case 27:
            rc = vfs_fd_path(v, fd, buf, (size_t)l2 % sizeof buf);
            if (rc > 0 && (buf[0] != '/' || (size_t)rc != strlen(buf)))
                abort();
            break;
        default:
            rc = vfs_fstatat(v, fd >= 0 ? fd : AT_FDCWD, p1, &st, AT_EMPTY_PATH);
            break;
        }
        check_rc(rc);
        if (rc == -ENOSYS || rc == -EFAULT)
            abort();
    }
    check_cwd(v);
    vfs_destroy(v);
    if (fuzz_live != 0)
        abort();
    return 0;
}
