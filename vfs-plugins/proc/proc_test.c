/*
 * Host tests of the proc plugin (README.md), with a host that describes a made-up
 * process: listings, self and the pid directory, fd links (also to removed files and
 * directories, and through /dev/fd and /dev/stdin symlinks), exe, cwd, root, the
 * generated files and their snapshot semantics, the mount tables, a pid change as
 * after fork, configuration errors and allocation failures.
 */
#include "../../vfs/tests/testlib.h"

#include <vfs_plugins.h>

static struct vfs_process fake;
static int fake_rc;

static int describe(void *ctx, struct vfs_process *out)
{
    if (fake_rc < 0)
        return fake_rc;
    *out = fake;
    return 0;
}

static const char fake_cmdline[] = "prog\0-x\0arg two";
static const char fake_environ[] = "HOME=/root\0PATH=/bin";

static struct vfs *proc_vfs(const char *text)
{
    memset(&fake, 0, sizeof fake);
    fake.pid = 42;
    fake.ppid = 1;
    snprintf(fake.exe, sizeof fake.exe, "/bin/prog");
    fake.cmdline = fake_cmdline;
    fake.cmdline_len = sizeof fake_cmdline;
    fake.environ = fake_environ;
    fake.environ_len = sizeof fake_environ;
    fake.mem_total = 512ull << 20;
    fake.mem_free = 300ull << 20;
    fake.ncpus = 2;
    snprintf(fake.cpu_vendor, sizeof fake.cpu_vendor, "GenuineIntel");
    snprintf(fake.cpu_model, sizeof fake.cpu_model, "QEMU Virtual CPU version 2.5+");
    fake.cpu_family = 6;
    fake.cpu_model_id = 6;
    fake.cpu_stepping = 3;
    fake.cpu_khz = 2394054;
    snprintf(fake.cpu_flags, sizeof fake.cpu_flags, "fpu de pse tsc msr pae");
    fake.uptime_ns = 12345678000000ull; /* 12345.678 s */
    fake.idle_ns = 20000050000000ull;
    fake_rc = 0;
    tl_env.process = describe;
    tl_env.pids = NULL;
    tl_env.peer = NULL;
    return tl_vfs(text);
}

/* The sandbox a launcher would describe: pid 1 (a shell), 42 (the caller, a child of 1
 * in its group), 50 (a stopped child of 42 with a long name and ids of its own), 51 (a
 * zombie). */
struct fake_peer {
    int32_t pid;
    struct vfs_peer p;
};
static struct fake_peer peers[] = {
    {1,
     {0,
      1,
      1,
      1,
      0x440,
      'S',
      10000000,
      250000000,
      50000000,
      "bash",
      "-bash",
      6,
      false,
      {0},
      {0},
      false,
      {0},
      0}},
    {42,
     {1,
      42,
      1,
      1,
      0x440,
      'R',
      1230000000,
      30000000,
      20000000,
      "prog",
      "",
      0,
      false,
      {0},
      {0},
      false,
      {0},
      0}},
    {50,
     {42,
      42,
      1,
      1,
      0x440,
      'T',
      2000000000,
      0,
      0,
      "a (b) c) d_too",
      "a (b) c\0x",
      10,
      true,
      {1000, 2000, 3000, 2000},
      {100, 200, 300, 200},
      true,
      {0, 0x1ffffffffffull, 0x20, 0x1ffffffffffull, 0},
      1}},
    {51,
     {42,
      42,
      1,
      -1,
      0,
      'Z',
      2500000000,
      10000000,
      0,
      "z\nUid:\t7\\",
      "zz",
      3,
      false,
      {0},
      {0},
      false,
      {0},
      0}},
};

static int fake_pids(void *ctx, int32_t after, int32_t *out, size_t max)
{
    size_t i, n = 0;
    for (i = 0; i < sizeof peers / sizeof peers[0] && n < max; i++)
        if (peers[i].pid > after)
            out[n++] = peers[i].pid;
    return (int)n;
}

static int fake_peer(void *ctx, int32_t pid, struct vfs_peer *out)
{
    size_t i;
    for (i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (peers[i].pid == pid) {
            *out = peers[i].p;
            return 0;
        }
    return -ESRCH;
}

#define STD_CFG                                                                                    \
    "ram; dir /proc { proc }; dir /tmp { ram size=1M }\n"                                          \
    "dir /dev { null; symlink fd /proc/self/fd; symlink stdin /proc/self/fd/0 }"

static int64_t link_text(struct vfs *v, const char *path, char *buf, size_t size)
{
    int64_t n = vfs_readlinkat(v, AT_FDCWD, path, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static void proc_listing(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st, st2;
    char buf[64];
    CHECK(v);
    CHECK_STR(tl_ls(v, "/proc"),
              "self cpuinfo filesystems loadavg meminfo mounts stat sys uptime 42");
    CHECK_STR(tl_ls(v, "/proc/42"),
              "cmdline comm cwd environ exe fd maps mountinfo mounts root stat status");
    CHECK_STR(tl_ls(v, "/proc/self"),
              "cmdline comm cwd environ exe fd maps mountinfo mounts root stat status");
    CHECK_INT(link_text(v, "/proc/self", buf, sizeof buf), 2);
    CHECK_STR(buf, "42");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0777);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0555);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/42", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/43", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/042", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/nothing", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/meminfo", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0444);
    CHECK_INT(st.st_size, 0); /* as on Linux: read to find the length */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0500);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0555);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/..", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/..", &st2, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/42", &st, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/proc/x", 0755), -EROFS);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/proc/meminfo", O_WRONLY, 0), -EROFS);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/proc/self", 0), -EROFS);
}

static void proc_fd_links(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st, st2;
    char buf[128], path[64];
    int a, b, c, d, e;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/file", "some data"), 0);
    a = vfs_openat(v, AT_FDCWD, "/dev/null", O_RDWR, 0);   /* 0 */
    b = vfs_openat(v, AT_FDCWD, "/tmp/file", O_RDONLY, 0); /* 1 */
    c = vfs_openat(v, AT_FDCWD, "/tmp", O_RDONLY, 0);      /* 2 */
    d = vfs_openat(v, AT_FDCWD, "/tmp/file", O_WRONLY, 0); /* 3 */
    CHECK(a == 0 && b == 1 && c == 2 && d == 3);
    CHECK_INT(vfs_dup2(v, b, 9), 9);
    /* tl_ls's own descriptor for the directory is there too, as on Linux */
    CHECK_STR(tl_ls(v, "/proc/self/fd"), "0 1 2 3 4 9");
    e = vfs_openat(v, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    CHECK_INT(e, 4);
    CHECK_STR(tl_ls(v, "/dev/fd/"), "0 1 2 3 4 5 9");
    CHECK_INT(vfs_close(v, e), 0);
    CHECK_INT(link_text(v, "/proc/self/fd/0", buf, sizeof buf), 9);
    CHECK_STR(buf, "/dev/null");
    CHECK_INT(link_text(v, "/proc/42/fd/1", buf, sizeof buf), 9);
    CHECK_STR(buf, "/tmp/file");
    CHECK_INT(link_text(v, "/dev/fd/2", buf, sizeof buf), 4);
    CHECK_STR(buf, "/tmp");
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/dev/fd/1", buf, 4), 4); /* cut, as readlink does */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/1", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0500);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/3", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0300);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/0", &st, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(st.st_mode, S_IFLNK | 0700);
    /* following: the description's node */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/fd/1", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/file", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(st.st_dev, st2.st_dev);
    CHECK_STR(tl_read(v, "/dev/stdin", NULL), ""); /* fd 0 is /dev/null */
    CHECK_STR(tl_read(v, "/proc/self/fd/9", NULL), "some data");
    CHECK_STR(tl_ls(v, "/proc/self/fd/2"), "file");
    CHECK_STR(tl_read(v, "/dev/fd/2/file", NULL), "some data");
    /* a removed file stays reachable through its descriptor */
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/file", 0), 0);
    CHECK_INT(link_text(v, "/proc/self/fd/1", buf, sizeof buf), 16);
    CHECK_STR(buf, "anon_inode:[ram]");
    CHECK_STR(tl_read(v, "/proc/self/fd/1", NULL), "some data");
    e = vfs_openat(v, AT_FDCWD, "/dev/fd/3", O_WRONLY | O_APPEND, 0);
    CHECK(e >= 0);
    CHECK_INT(vfs_write(v, e, " and more", 9), 9);
    CHECK_INT(vfs_close(v, e), 0);
    CHECK_STR(tl_read(v, "/dev/fd/9", NULL), "some data and more");
    /* closed descriptors are gone */
    CHECK_INT(vfs_close(v, 9), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/9", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/09", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/x", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd/99999999999", &st, 0), -ENOENT);
    /* a link looked up before its descriptor closed */
    snprintf(path, sizeof path, "/proc/self/fd/%d", d);
    e = vfs_openat(v, AT_FDCWD, path, O_PATH | O_NOFOLLOW, 0);
    CHECK(e >= 0);
    CHECK_INT(vfs_close(v, d), 0);
    CHECK_INT(vfs_fstat(v, e, &st), -ENOENT);
    CHECK_INT(vfs_readlinkat(v, e, "", buf, sizeof buf), -ENOENT);
    CHECK_INT(vfs_close(v, e), 0);
    CHECK_STR(tl_ls(v, "/proc/self/fd"), "0 1 2 3");
}

/* Descriptions made outside the tree (pipes, sockets, unnamed files) have no path:
 * their links say what they are, as Linux's do, and still lead to them. */
static void proc_fd_without_path(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct vfs_create_args a = {0};
    struct vfs_node *fifo, *file;
    struct vfs_file *f;
    struct cfg_error err;
    struct linux_stat st;
    struct vfs_fs *fs;
    char buf[64], want[64];
    CHECK(v);
    CHECK_INT(vfs_mount_hidden(v, &vfs_plugin_ram, NULL, &fs, &err), 0);
    a.mode = S_IFIFO | 0600;
    CHECK_INT(fs->ops->create(fs->root, "p", 1, &a, &fifo), 0);
    a.mode = S_IFREG | 0600;
    CHECK_INT(fs->ops->create(fs->root, "f", 1, &a, &file), 0);
    CHECK_INT(vfs_file_open_node(fifo, O_RDONLY, &f), 0);
    CHECK_INT(vfs_install_fd(v, f, 5, false), 5);
    CHECK_INT(vfs_file_open_node(file, O_RDWR, &f), 0);
    CHECK_INT(vfs_install_fd(v, f, 6, false), 6);
    CHECK_INT(vfs_write(v, 6, "unnamed", 7), 7);
    snprintf(want, sizeof want, "pipe:[%llu]", (unsigned long long)fifo->ino);
    CHECK_INT(link_text(v, "/proc/self/fd/5", buf, sizeof buf), (int64_t)strlen(want));
    CHECK_STR(buf, want);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/fd/5", &st, 0), 0);
    CHECK_INT(st.st_mode & S_IFMT, S_IFIFO);
    CHECK_INT(st.st_ino, fifo->ino);
    CHECK_INT(link_text(v, "/proc/self/fd/6", buf, sizeof buf), 16);
    CHECK_STR(buf, "anon_inode:[ram]");
    CHECK_STR(tl_read(v, "/dev/fd/6", NULL), "unnamed");
    /* hidden instances are no mounts (and symlinks are no mount points) */
    CHECK_STR(tl_read(v, "/proc/mounts", NULL), "ram / ram rw 0 0\n"
                                                "proc /proc proc ro 0 0\n"
                                                "ram /tmp ram rw 0 0\n"
                                                "null /dev/null null rw 0 0\n");
    vfs_node_put(fifo);
    vfs_node_put(file);
}

static void proc_exe_cwd_root(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st, st2;
    char buf[128];
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/bin", 0755), 0);
    CHECK_INT(tl_write(v, "/bin/prog", "ELF"), 0);
    CHECK_INT(link_text(v, "/proc/self/exe", buf, sizeof buf), 9);
    CHECK_STR(buf, "/bin/prog");
    CHECK_STR(tl_read(v, "/proc/self/exe", NULL), "ELF");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/exe", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/bin/prog", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(link_text(v, "/proc/self/cwd", buf, sizeof buf), 1);
    CHECK_STR(buf, "/");
    CHECK_INT(vfs_chdir(v, "/tmp"), 0);
    CHECK_INT(link_text(v, "/proc/self/cwd", buf, sizeof buf), 4);
    CHECK_STR(buf, "/tmp");
    CHECK_INT(tl_write(v, "/proc/self/cwd/new", "made via cwd"), 0);
    CHECK_STR(tl_read(v, "/tmp/new", NULL), "made via cwd");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/cwd", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp", &st2, 0), 0);
    CHECK_INT(st.st_ino, st2.st_ino);
    CHECK_INT(st.st_dev, st2.st_dev);
    CHECK_INT(link_text(v, "/proc/self/root", buf, sizeof buf), 1);
    CHECK_STR(buf, "/");
    CHECK_STR(tl_ls_sorted(v, "/proc/self/root"), "bin dev proc tmp");
    CHECK_STR(tl_read(v, "/proc/self/root/bin/prog", NULL), "ELF");
    /* the working directory inside proc: getcwd finds its way out */
    CHECK_INT(vfs_chdir(v, "/proc/self/fd"), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 12);
    CHECK_STR(buf, "/proc/42/fd");
    CHECK_INT(vfs_chdir(v, ".."), 0);
    CHECK_INT(vfs_getcwd(v, buf, sizeof buf), 9);
    CHECK_STR(buf, "/proc/42");
    CHECK_STR(tl_read(v, "cmdline", NULL), "prog"); /* up to the first NUL */
    /* no exe known */
    fake.exe[0] = '\0';
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/proc/self/exe", buf, sizeof buf), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/exe", &st, 0), -ENOENT);
}

static void proc_files(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st;
    char buf[64];
    int fd;
    CHECK(v);
    CHECK_STR(tl_read(v, "/proc/meminfo", NULL), "MemTotal:         524288 kB\n"
                                                 "MemFree:          307200 kB\n"
                                                 "MemAvailable:     307200 kB\n"
                                                 "Buffers:               0 kB\n"
                                                 "Cached:                0 kB\n"
                                                 "SwapCached:            0 kB\n"
                                                 "SwapTotal:             0 kB\n"
                                                 "SwapFree:              0 kB\n");
    CHECK_STR(tl_read(v, "/proc/cpuinfo", NULL), "processor\t: 0\n"
                                                 "vendor_id\t: GenuineIntel\n"
                                                 "cpu family\t: 6\n"
                                                 "model\t\t: 6\n"
                                                 "model name\t: QEMU Virtual CPU version 2.5+\n"
                                                 "stepping\t: 3\n"
                                                 "cpu MHz\t\t: 2394.054\n"
                                                 "fpu\t\t: yes\n"
                                                 "fpu_exception\t: yes\n"
                                                 "wp\t\t: yes\n"
                                                 "flags\t\t: fpu de pse tsc msr pae\n"
                                                 "\n"
                                                 "processor\t: 1\n"
                                                 "vendor_id\t: GenuineIntel\n"
                                                 "cpu family\t: 6\n"
                                                 "model\t\t: 6\n"
                                                 "model name\t: QEMU Virtual CPU version 2.5+\n"
                                                 "stepping\t: 3\n"
                                                 "cpu MHz\t\t: 2394.054\n"
                                                 "fpu\t\t: yes\n"
                                                 "fpu_exception\t: yes\n"
                                                 "wp\t\t: yes\n"
                                                 "flags\t\t: fpu de pse tsc msr pae\n"
                                                 "\n");
    CHECK_STR(tl_read(v, "/proc/uptime", NULL), "12345.67 20000.05\n");
    fd = vfs_openat(v, AT_FDCWD, "/proc/self/cmdline", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), sizeof fake_cmdline);
    CHECK(memcmp(buf, fake_cmdline, sizeof fake_cmdline) == 0);
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/proc/self/environ", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), sizeof fake_environ);
    CHECK(memcmp(buf, fake_environ, sizeof fake_environ) == 0);
    CHECK_INT(vfs_close(v, fd), 0);
    /* a snapshot: what was true at open */
    fd = vfs_openat(v, AT_FDCWD, "/proc/meminfo", O_RDONLY, 0);
    CHECK(fd >= 0);
    fake.mem_free = 1ull << 20;
    fake.mem_available = 2ull << 20;
    CHECK_INT(vfs_pread(v, fd, buf, 28, 28), 28);
    buf[28] = '\0';
    CHECK_STR(buf, "MemFree:          307200 kB\n");
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_CONTAINS(tl_read(v, "/proc/meminfo", NULL), "MemFree:            1024 kB\n"
                                                      "MemAvailable:       2048 kB\n");
    /* odd values: one CPU when none are counted, no clock, small numbers */
    fake.ncpus = 0;
    fake.cpu_khz = 0;
    CHECK_CONTAINS(tl_read(v, "/proc/cpuinfo", NULL), "stepping\t: 3\nfpu\t\t: yes\n");
    CHECK(!strstr(tl_read(v, "/proc/cpuinfo", NULL), "processor\t: 1"));
    fake.uptime_ns = 1000000; /* 0.001 s */
    fake.idle_ns = 0;
    CHECK_STR(tl_read(v, "/proc/uptime", NULL), "0.00 0.00\n");
    /* the host cannot answer */
    fake_rc = -EIO;
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/proc/uptime", O_RDONLY, 0), -EIO);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd", &st, 0), -EIO);
}

static void proc_mount_tables(void)
{
    static const char tar[1024]; /* an empty archive: two zero blocks */
    struct vfs *v;
    tl_add_module("t.tar", tar, sizeof tar);
    v = proc_vfs("ram; dir /proc { proc }; dir /dev { null; symlink fd /proc/self/fd }\n"
                 "dir \"/my tmp\" { ram size=1M }; dir /ro { tar t.tar }");
    CHECK(v);
    CHECK_STR(tl_read(v, "/proc/self/mountinfo", NULL), "33 1 0:33 / / rw - ram ram rw\n"
                                                        "34 33 0:34 / /proc ro - proc proc ro\n"
                                                        "35 33 0:35 / /dev/null rw - null null rw\n"
                                                        "37 33 0:37 / /my\\040tmp rw - ram ram rw\n"
                                                        "38 33 0:38 / /ro ro - tar tar ro\n");
    CHECK_STR(tl_read(v, "/proc/self/mounts", NULL), "ram / ram rw 0 0\n"
                                                     "proc /proc proc ro 0 0\n"
                                                     "null /dev/null null rw 0 0\n"
                                                     "ram /my\\040tmp ram rw 0 0\n"
                                                     "tar /ro tar ro 0 0\n");
    CHECK_STR(tl_read(v, "/proc/mounts", NULL), tl_read(v, "/proc/self/mounts", NULL));
}

static void proc_mount_tables_nested(void)
{
    /* no tree at the root: the composition is "/"; mounts inside mounts */
    struct vfs *v = proc_vfs("dir /proc { proc }; dir /a { ram; dir b { ram; null n } }; "
                             "null /x");
    struct linux_stat st;
    CHECK(v);
    CHECK_STR(tl_read(v, "/proc/self/mountinfo", NULL), "32 1 0:32 / / ro - dir dir ro\n"
                                                        "33 32 0:33 / /proc ro - proc proc ro\n"
                                                        "34 32 0:34 / /a rw - ram ram rw\n"
                                                        "35 34 0:35 / /a/b rw - ram ram rw\n"
                                                        "36 35 0:36 / /a/b/n rw - null null rw\n"
                                                        "37 32 0:37 / /x rw - null null rw\n");
    /* each mount point's st_dev is the mount's (what df matches) */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a/b", &st, 0), 0);
    CHECK_INT(st.st_dev, LINUX_MAKEDEV(0, 35));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/a/b/n", &st, 0), 0);
    CHECK_INT(st.st_dev, LINUX_MAKEDEV(0, 36));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &st, 0), 0);
    CHECK_INT(st.st_dev, LINUX_MAKEDEV(0, 32));
}

static void proc_statfs(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_statfs sf;
    CHECK(v);
    CHECK_INT(vfs_statfs(v, "/proc", &sf), 0);
    CHECK_INT(sf.f_type, PROC_SUPER_MAGIC);
    CHECK(sf.f_flags & ST_RDONLY);
    CHECK_INT(vfs_statfs(v, "/proc/self/fd", &sf), 0);
    CHECK_INT(sf.f_type, PROC_SUPER_MAGIC);
}

static void proc_pid_changes(void)
{
    /* after fork the child's vfs is a copy: the same tree, another pid */
    struct vfs *v = proc_vfs(STD_CFG);
    char buf[32];
    int fd;
    CHECK(v);
    CHECK_INT(vfs_chdir(v, "/proc/self"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/proc/self/mounts", O_RDONLY, 0);
    CHECK(fd >= 0);
    fake.pid = 43;
    CHECK_INT(link_text(v, "/proc/self", buf, sizeof buf), 2);
    CHECK_STR(buf, "43");
    CHECK_STR(tl_ls(v, "/proc"),
              "self cpuinfo filesystems loadavg meminfo mounts stat sys uptime 43");
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/proc/42/mounts", O_RDONLY, 0), -ENOENT);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "cmdline", O_RDONLY, 0), -ENOENT); /* the old pid */
    CHECK_INT(vfs_read(v, fd, buf, 3), 3); /* an open snapshot stays */
    CHECK_INT(vfs_close(v, fd), 0);
}

static void proc_permissions(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st;
    char buf[64];
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/null", O_RDONLY, 0);
    CHECK_INT(fd, 0);
    vfs_set_ids(v, 1000, 100);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/self/fd", &st, 0), 0);
    CHECK_INT(st.st_uid, 1000); /* the process's own directories are its own */
    CHECK_INT(st.st_gid, 100);
    CHECK_INT(link_text(v, "/dev/fd/0", buf, sizeof buf), 9);
    CHECK_STR(tl_ls(v, "/dev/fd"), "0 1");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/meminfo", &st, 0), 0);
    CHECK_INT(st.st_uid, 0);
    CHECK_STR(tl_read(v, "/proc/uptime", NULL), "12345.67 20000.05\n");
}

static void proc_out_of_memory(void)
{
    struct vfs *v = proc_vfs(STD_CFG);
    struct linux_stat st;
    char buf[64];
    long i;
    int rc = -ENOMEM;
    CHECK(v);
    for (i = 0; i < 100 && rc == -ENOMEM; i++) {
        tl_alloc_fail_after = i;
        rc = vfs_openat(v, AT_FDCWD, "/proc/self/mountinfo", O_RDONLY, 0);
    }
    tl_alloc_fail_after = -1;
    CHECK(rc >= 0);
    CHECK_INT(vfs_close(v, rc), 0);
    tl_alloc_fail_after = 0;
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/meminfo", &st, 0), -ENOMEM);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/proc/self", buf, sizeof buf), -ENOMEM);
    tl_alloc_fail_after = -1;
}

static void proc_config_errors(void)
{
    struct vfs_env saved = tl_env;
    CHECK_CONTAINS(tl_vfs_error("dir /proc { proc x }"),
                   "test.cfg:2:18: proc: unexpected value 'x'");
    CHECK_CONTAINS(tl_vfs_error("dir /proc { proc pid=1 }"), "unknown property 'pid'");
    CHECK_CONTAINS(tl_vfs_error("dir /proc { proc; ram }"), "this directory already shows 'proc'");
    tl_env.process = NULL;
    CHECK_CONTAINS(tl_vfs_error("dir /proc { proc }"),
                   "test.cfg:2:13: proc: the host tells nothing about the process");
    tl_env = saved;
}

/* A vfs whose host also names the processes of peers[] (a first one, without them,
 * sets up the fake process and is freed with the test's). */
static struct vfs *sandbox_vfs(void)
{
    proc_vfs(STD_CFG);
    tl_env.pids = fake_pids;
    tl_env.peer = fake_peer;
    return tl_vfs(STD_CFG);
}

static void proc_sandbox(void)
{
    struct vfs *v = sandbox_vfs();
    struct linux_stat st;
    char buf[64];
    int err = 0;
    CHECK(v);
    CHECK_STR(tl_ls(v, "/proc"),
              "self cpuinfo filesystems loadavg meminfo mounts stat sys uptime 1 42 50 51");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/50", &st, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/7", &st, 0), -ENOENT); /* not in the sandbox */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/0", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/2147483648", &st, 0), -ENOENT);
    /* stat: procps finds the name between the first '(' and the last ')' */
    CHECK_STR(tl_read(v, "/proc/1/stat", NULL),
              "1 (bash) S 0 1 1 1088 1 0 0 0 0 0 20 5 0 0 20 0 1 0 1 0 0 18446744073709551615 "
              "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    CHECK_STR(tl_read(v, "/proc/50/stat", NULL),
              "50 (a (b) c) d_too) T 42 42 1 1088 1 0 0 0 0 0 0 0 0 0 20 0 1 0 200 0 0 "
              "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    CHECK_STR(tl_read(v, "/proc/self/stat", NULL),
              "42 (prog) R 1 42 1 1088 1 0 0 0 0 0 1 2 0 0 20 0 1 0 123 0 0 18446744073709551615 "
              "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    CHECK_STR(
        tl_read(v, "/proc/51/stat", NULL),
        "51 (z\nUid:\t7\\) Z 42 42 1 0 -1 0 0 0 0 0 1 0 0 0 20 0 1 0 250 0 0 18446744073709551615 "
        "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
    CHECK_STR(tl_read(v, "/proc/50/status", NULL),
              "Name:\ta (b) c) d_too\nState:\tT (stopped)\nTgid:\t50\nNgid:\t0\nPid:\t50\n"
              "PPid:\t42\nTracerPid:\t0\nUid:\t1000\t2000\t3000\t2000\n"
              "Gid:\t100\t200\t300\t200\nGroups:\t\nNStgid:\t50\nNSpid:\t50\nNSpgid:\t42\nNSsid:"
              "\t1\nThreads:\t1\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
              "CapEff:\t0000000000000020\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
              "NoNewPrivs:\t1\n");
    CHECK_STR(tl_read(v, "/proc/1/comm", NULL), "bash\n");
    /* a name cannot make a line of its own in status (Linux escapes it there only) */
    CHECK_CONTAINS(tl_read(v, "/proc/51/status", NULL),
                   "Name:\tz\\nUid:\\t7\\\\\nState:\tZ (zombie)\n");
    CHECK_STR(tl_read(v, "/proc/self/comm", NULL), "prog\n");
    CHECK_INT(vfs_read(v, vfs_openat(v, AT_FDCWD, "/proc/1/cmdline", O_RDONLY, 0), buf, 64), 6);
    CHECK_STR(tl_read(v, "/proc/51/cmdline", NULL), "");       /* a zombie's: empty */
    CHECK_STR(tl_read(v, "/proc/self/cmdline", NULL), "prog"); /* its own: in full */
    /* what only the process itself knows */
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/proc/1/exe", buf, sizeof buf), -EACCES);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/proc/1/cwd", buf, sizeof buf), -EACCES);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/proc/1/environ", O_RDONLY, 0), -EACCES);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/proc/1/fd", O_RDONLY | O_DIRECTORY, 0) >= 0, 1);
    CHECK(!tl_read(v, "/proc/1/mounts", &err));
    CHECK_INT(err, -EACCES);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/1/fd/0", &st, 0), -EACCES);
    CHECK_INT(link_text(v, "/proc/self/exe", buf, sizeof buf), 9);
    /* a process that ends: its directory goes */
    peers[3].pid = 99;
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/proc/51/stat", &st, 0), -ENOENT);
    peers[3].pid = 51;
}

static void proc_system_files(void)
{
    struct vfs *v = sandbox_vfs();
    const char *text;
    CHECK(v);
    CHECK_STR(tl_read(v, "/proc/loadavg", NULL), "0.00 0.00 0.00 1/4 51\n");
    text = tl_read(v, "/proc/stat", NULL);
    /* user 20+1+0+1 ticks, system 5+2 ticks, idle the rest of 12345.67 s */
    CHECK_CONTAINS(text, "cpu  22 0 7 1234538 0 0 0 0 0 0\ncpu0 22 0 7 1234538 0 0 0 0 0 0\n");
    CHECK_CONTAINS(text, "\nbtime ");
    CHECK_CONTAINS(text, "\nprocesses 51\nprocs_running 1\nprocs_blocked 0\n");
    CHECK_STR(tl_ls(v, "/proc/sys"), "fs kernel");
    CHECK_STR(tl_ls(v, "/proc/sys/fs"), "pipe-max-size");
    CHECK_STR(tl_read(v, "/proc/sys/fs/pipe-max-size", NULL), "65536\n"); /* F_SETPIPE_SZ's */
    CHECK_STR(tl_ls(v, "/proc/sys/fs/.."), "fs kernel");
    CHECK_STR(tl_ls(v, "/proc/sys/kernel"), "hostname osrelease ostype pid_max");
    CHECK_STR(tl_read(v, "/proc/sys/kernel/pid_max", NULL), "4194304\n");
    CHECK_STR(tl_read(v, "/proc/sys/kernel/ostype", NULL), "Linux\n");
    CHECK_STR(tl_read(v, "/proc/sys/kernel/osrelease", NULL), "6.1.0-capix\n");
    CHECK_STR(tl_read(v, "/proc/sys/kernel/hostname", NULL), "capix\n");
    CHECK_STR(tl_ls(v, "/proc/sys/kernel/.."), "fs kernel");
    CHECK_STR(tl_read(v, "/proc/filesystems", NULL), "nodev\tram\nnodev\tproc\nnodev\tnull\n");
}

/* The address space a host would describe for maps (vfs_env.mapping): a program, its
 * heap, a shared file mapping with a long name and a newline in it, a removed file,
 * shared memory, PROT_NONE and write-only areas, the stack. */
static const struct vfs_mapping fake_maps[] = {
    {0x400000, 0x401000, 0, LINUX_MAKEDEV(0, 0x21), 77, VFS_PROT_READ, false, false, "/bin/prog"},
    {0x401000, 0x403000, 0x1000, LINUX_MAKEDEV(0, 0x21), 77, VFS_PROT_READ | VFS_PROT_EXEC, false,
     false, "/bin/prog"},
    {0x404000, 0x425000, 0, 0, 0, VFS_PROT_READ | VFS_PROT_WRITE, false, false, "[heap]"},
    {0x7f0000000000ull, 0x7f0000003000ull, 0, 0, 0, 0, false, false, NULL},
    {0x7f0000003000ull, 0x7f0000004000ull, 0x12345000, LINUX_MAKEDEV(0x103, 0x12345), 1234567890123,
     VFS_PROT_READ | VFS_PROT_WRITE, true, false, "/tmp/a name that is long\nwith a newline in it"},
    {0x7f0000004000ull, 0x7f0000005000ull, 0, LINUX_MAKEDEV(0, 1), 9, VFS_PROT_WRITE, true, true,
     "/dev/zero"},
    {0x7ffffffde000ull, 0x7ffffffff000ull, 0, 0, 0, VFS_PROT_READ | VFS_PROT_WRITE, false, false,
     "[stack]"},
};
static int maps_rc;

static int fake_mapping(void *ctx, uint64_t from, struct vfs_mapping *out)
{
    for (size_t i = 0; i < sizeof fake_maps / sizeof fake_maps[0]; i++)
        if (fake_maps[i].start >= from) {
            *out = fake_maps[i];
            return maps_rc < 0 ? maps_rc : 1;
        }
    return 0;
}

static void proc_maps(void)
{
    struct vfs *v = sandbox_vfs();
    int err = 0;
    CHECK(v);
    CHECK_STR(tl_read(v, "/proc/self/maps", NULL), ""); /* a host that tells nothing */
    tl_env.mapping = fake_mapping;
    v = tl_vfs(STD_CFG);
    CHECK(v);
    maps_rc = 0;
    CHECK_STR(tl_read(v, "/proc/self/maps", NULL),
              "00400000-00401000 r--p 00000000 00:21 77                                 /bin/prog\n"
              "00401000-00403000 r-xp 00001000 00:21 77                                 /bin/prog\n"
              "00404000-00425000 rw-p 00000000 00:00 0                                  [heap]\n"
              "7f0000000000-7f0000003000 ---p 00000000 00:00 0 \n"
              "7f0000003000-7f0000004000 rw-s 12345000 103:12345 1234567890123          "
              "/tmp/a name that is long\\012with a newline in it\n"
              "7f0000004000-7f0000005000 -w-s 00000000 00:01 9                          /dev/zero "
              "(deleted)\n"
              "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n");
    CHECK_STR(tl_read(v, "/proc/42/maps", NULL), tl_read(v, "/proc/self/maps", NULL));
    CHECK_STR(tl_ls(v, "/proc/self"), "cmdline comm cwd environ exe fd maps mountinfo mounts root "
                                      "stat status");
    /* another process's: only its own runtime knows them */
    CHECK(!tl_read(v, "/proc/1/maps", &err));
    CHECK_INT(err, -EACCES);
    maps_rc = -EIO;
    CHECK(!tl_read(v, "/proc/self/maps", &err));
    CHECK_INT(err, -EIO);
    maps_rc = 0;
    tl_env.mapping = NULL;
}

int main(void)
{
    tl_env.process = describe;
    RUN(proc_listing);
    RUN(proc_fd_links);
    RUN(proc_fd_without_path);
    RUN(proc_exe_cwd_root);
    RUN(proc_files);
    RUN(proc_mount_tables);
    RUN(proc_mount_tables_nested);
    RUN(proc_statfs);
    RUN(proc_pid_changes);
    RUN(proc_permissions);
    RUN(proc_sandbox);
    RUN(proc_system_files);
    RUN(proc_maps);
    RUN(proc_out_of_memory);
    RUN(proc_config_errors);
    return tl_finish();
}
