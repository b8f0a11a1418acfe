/*
 * Host tests of the file-system server library, part of fs_server_test
 * (fs_server_test.h): a server over a composition (fs_server_create_vfs) of a tar
 * archive, ram instances and a node plugin: crossing mounts, read-only parts,
 * confinement and its configuration.
 */
#include "fs_server_test.h"

/* ---- a composition (fs_server_create_vfs) ---- */

static unsigned char rootfs_tar[16 * 512];

/* Appends a ustar member at *off: type '0' (file, with text), '5' or '2' (link). */
static void tar_member(size_t *off, const char *name, char type, const char *text)
{
    unsigned char *h = rootfs_tar + *off;
    size_t len = type == '0' ? strlen(text) : 0;
    unsigned sum = 0, j;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, type == '5' ? "0000755" : "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)len);
    memcpy(h + 136, "14000000000", 11);
    h[156] = (unsigned char)type;
    if (type == '2')
        memcpy(h + 157, text, strlen(text));
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (j = 0; j < 512; j++)
        sum += h[j];
    snprintf((char *)h + 148, 8, "%06o", sum);
    *off += 512;
    if (len) {
        memcpy(rootfs_tar + *off, text, len);
        *off += (len + 511) / 512 * 512;
    }
}

static void make_rootfs_tar(void)
{
    size_t off = 0;
    tar_member(&off, "etc/", '5', NULL);
    tar_member(&off, "etc/motd", '0', "hello\n");
    tar_member(&off, "etc/link", '2', "/etc/motd");
    tar_member(&off, "usr/", '5', NULL);
    tar_member(&off, "usr/bin/", '5', NULL);
    tar_member(&off, "usr/bin/tool", '0', "t");
    tar_member(&off, "home/", '5', NULL); /* shadowed by the ram mounted there */
    tl_add_module("rootfs.tar", rootfs_tar, sizeof rootfs_tar);
}

static void with_vfs_server(void)
{
    static const char text[] = "vfs {\n"
                               "    tar rootfs.tar\n"
                               "    dir /home { ram size=1M }\n"
                               "    dir /usr/local { ram }\n"
                               "    dir /dev { null }\n"
                               "}\n";
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    int rc = cfg_parse("test.cfg", text, sizeof text - 1, &arena, &root, &err);
    if (rc == 0)
        rc = fs_server_create_vfs(&tl_env, vfs_plugins_all, vfs_plugins_all_count,
                                  cfg_first(root, "vfs"), &srv, &err);
    if (rc < 0) {
        tl_fail(__LINE__, "fs_server_create_vfs: %d (%s)", rc, err.msg);
        return;
    }
    body();
    fs_server_destroy(srv);
    srv = NULL;
}

#define VCASE(fn)                                                                                  \
    do {                                                                                           \
        body = fn;                                                                                 \
        tl_run(#fn, with_vfs_server);                                                              \
    } while (0)

static void comp_crosses_mounts(void)
{
    struct fs_session *ss;
    int64_t root, etc, motd, home, usr, local, bin, up, f, h;
    struct linux_stat rst, hst;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    CHECK(root > 0);
    CHECK_STR(ls(ss, root, FS_DATA_MAX), "home usr dev etc");
    etc = lookup(ss, root, "etc");
    CHECK(etc > 0);
    motd = lookup(ss, etc, "motd");
    CHECK(motd > 0);
    h = open_(ss, motd, O_RDONLY);
    CHECK(h > 0);
    CHECK_STR(read_(ss, h, 100, FS_POS_HANDLE), "hello\n");
    /* "home" at the root leads into the ram instance, and back up */
    home = lookup(ss, root, "home");
    CHECK(home > 0);
    CHECK_STR(ls(ss, home, FS_DATA_MAX), "");
    f = create(ss, home, "note", S_IFREG | 0644);
    CHECK(f > 0);
    h = open_(ss, f, O_RDWR);
    CHECK_INT(write_(ss, h, "in the ram", 0), 10);
    CHECK_STR(read_(ss, h, 100, 0), "in the ram");
    CHECK_INT(lookup(ss, home, "note"), f);
    CHECK_INT(lookup(ss, home, ".."), root);
    /* a mount below a directory of the archive */
    usr = lookup(ss, root, "usr");
    CHECK_STR(ls(ss, usr, FS_DATA_MAX), "local bin");
    local = lookup(ss, usr, "local");
    CHECK(local > 0);
    CHECK_INT(lookup(ss, local, ".."), usr);
    bin = lookup(ss, usr, "bin");
    CHECK(bin > 0);
    up = lookup(ss, bin, "..");
    CHECK_INT(up, usr); /* the archive's usr shows as the composition's */
    CHECK_INT(lookup(ss, usr, ".."), root);
    /* inode numbers: unique across instances, the same by lookup, getattr and readdir */
    rst = stat_of(ss, root);
    hst = stat_of(ss, home);
    CHECK(rst.st_ino != hst.st_ino);
    CHECK_INT(lookup(ss, root, "home"), home);
    CHECK_INT(msg.r[2], hst.st_ino);
    {
        struct fs_dirent d;
        int64_t n = call(ss, FS_READDIR, (uint64_t)root, 2, FS_DATA_MAX, 0, 0);
        CHECK(n >= 1);
        memcpy(&d, buf.data, sizeof d);
        CHECK_INT(d.namelen, 4);
        CHECK_INT(d.ino, hst.st_ino);
    }
    fs_session_close(ss);
}

static void comp_read_only_parts(void)
{
    struct fs_session *ss;
    struct fs_setattr a = {0};
    struct linux_statfs sf;
    int64_t root, etc, motd, dev, null, home, f;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    etc = lookup(ss, root, "etc");
    motd = lookup(ss, etc, "motd");
    CHECK(motd > 0);
    CHECK_INT(open_(ss, motd, O_WRONLY), -EROFS);
    CHECK_INT(open_(ss, motd, O_RDONLY | O_TRUNC), -EROFS);
    CHECK_INT(create(ss, etc, "new", S_IFREG | 0644), -EROFS);
    CHECK_INT(create(ss, root, "new", S_IFDIR | 0755), -EROFS);
    CHECK_INT(unlink_(ss, etc, "motd", 0), -EROFS);
    CHECK_INT(link_(ss, etc, "again", motd), -EROFS);
    CHECK_INT(rename_(ss, etc, "motd", etc, "m2", 0), -EROFS);
    a.mask = VFS_SET_MODE;
    a.mode = 0600;
    CHECK_INT(setattr(ss, motd, &a), -EROFS);
    CHECK_INT(setattr(ss, root, &a), -EROFS); /* the root shows the archive's */
    CHECK_INT(call(ss, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&sf, buf.data, sizeof sf);
    CHECK_INT(sf.f_flags & ST_RDONLY, 0); /* the session is writeable: the ram parts are */
    CHECK_INT(sf.f_bavail, 0);            /* the tar's own figures */
    /* mount points are busy, and names of a composition entry exist */
    CHECK_INT(unlink_(ss, root, "home", AT_REMOVEDIR), -EBUSY);
    CHECK_INT(rename_(ss, root, "home", root, "h2", 0), -EBUSY);
    CHECK_INT(create(ss, root, "home", S_IFDIR | 0755), -EEXIST);
    /* between instances: EXDEV */
    home = lookup(ss, root, "home");
    f = create(ss, home, "f", S_IFREG | 0644);
    CHECK(f > 0);
    CHECK_INT(rename_(ss, home, "f", lookup(ss, lookup(ss, root, "usr"), "local"), "f", 0), -EXDEV);
    CHECK_INT(link_(ss, home, "m", motd), -EXDEV);
    CHECK_INT(setattr(ss, home, &a), 0); /* the ram's root takes it */
    CHECK_INT(stat_of(ss, home).st_mode, S_IFDIR | 0600);
    /* a node plugin's node: there, but no function in a server */
    dev = lookup(ss, root, "dev");
    null = lookup(ss, dev, "null");
    CHECK(null > 0);
    CHECK_INT(stat_of(ss, null).st_mode & S_IFMT, S_IFCHR);
    CHECK_INT(open_(ss, null, O_RDWR), -ENXIO);
    CHECK_INT(create(ss, dev, "x", S_IFREG | 0644), -EROFS);
    /* a symlink is text: the server never follows it */
    f = lookup(ss, etc, "link");
    CHECK_INT(call(ss, FS_READLINK, (uint64_t)f, 0, 0, 0, 0), 9);
    CHECK_INT(open_(ss, f, O_RDONLY), -ELOOP);
    fs_session_close(ss);
}

static void comp_confinement(void)
{
    struct fs_session *all, *boxed, *ro;
    int64_t root, home, box, r, up, sub;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &all), 0);
    root = attach(all);
    home = lookup(all, root, "home");
    box = create(all, home, "box", S_IFDIR | 0755);
    CHECK(box > 0);
    CHECK(create(all, home, "secret", S_IFREG | 0600) > 0);
    /* a session rooted in the ram part: ".." of its root is its root */
    CHECK_INT(fs_session_open(srv, "/home/box", true, 1 << 20, &boxed), 0);
    r = attach(boxed);
    CHECK_INT(lookup(boxed, r, ".."), r);
    CHECK_INT(lookup(boxed, r, "secret"), -ENOENT);
    sub = create(boxed, r, "sub", S_IFDIR | 0755);
    CHECK(sub > 0);
    CHECK_INT(lookup(boxed, sub, ".."), r);
    /* moved out of the box by another session: ".." does not lead above the root */
    CHECK_INT(rename_(all, box, "sub", home, "out", 0), 0);
    CHECK_INT(lookup(boxed, sub, ".."), -ENOENT);
    CHECK_INT(lookup(boxed, r, "out"), -ENOENT);
    /* a session rooted at a mount point itself */
    CHECK_INT(fs_session_open(srv, "/home", false, 0, &ro), 0);
    r = attach(ro);
    up = lookup(ro, r, "..");
    CHECK_INT(up, r);
    CHECK_INT(create(ro, r, "x", S_IFREG | 0644), -EROFS);
    CHECK(lookup(ro, r, "secret") > 0);
    fs_session_close(ro);
    /* roots: made in a writable part, not in the archive */
    CHECK_INT(fs_session_open(srv, "/home/made/here", true, 0, &ro), 0);
    fs_session_close(ro);
    CHECK(lookup(all, home, "made") > 0);
    CHECK_INT(fs_session_open(srv, "/etc/nope", true, 0, &ro), -EROFS);
    CHECK_INT(fs_session_open(srv, "/etc/motd", true, 0, &ro), -ENOTDIR);
    CHECK_INT(fs_session_open(srv, "/usr/local", true, 0, &ro), 0);
    r = attach(ro);
    CHECK_INT(lookup(ro, r, ".."), r);
    CHECK_INT(lookup(ro, r, "bin"), -ENOENT);
    fs_session_close(ro);
    fs_session_close(boxed);
    fs_session_close(all);
}

static void comp_configuration(void)
{
    struct fs_server *s2 = NULL;
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    struct cfg_error err;
    static const char bad[] = "vfs { tar missing.tar }\n";
    CHECK_INT(cfg_parse("bad.cfg", bad, sizeof bad - 1, &arena, &root, &err), 0);
    CHECK_INT(fs_server_create_vfs(&tl_env, vfs_plugins_all, vfs_plugins_all_count,
                                   cfg_first(root, "vfs"), &s2, &err),
              -EINVAL);
    CHECK(s2 == NULL);
    CHECK(err.line == 1);
}

/* Memory for FS_MAP here: plain zeroed memory, its payer kept by id. */
#define UMEM_IDS 16
static uint8_t *umem[UMEM_IDS];
static struct fs_session *umem_payer[UMEM_IDS];
static uint64_t umem_next;

static void *umem_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id)
{
    if (umem_next + 1 >= UMEM_IDS)
        return NULL;
    *id = ++umem_next;
    umem_payer[*id] = payer;
    return umem[*id] = calloc(pages, 4096);
}

static void umem_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id)
{
    free(addr);
    umem[id] = NULL;
    umem_payer[id] = NULL;
}

static bool umem_in_use(void *ctx, uint64_t id)
{
    return true; /* a client maps every chunk */
}

static const struct fs_mem_ops umem_ops = {NULL, umem_create, umem_destroy, umem_in_use};

/* A composition of read-only instances only is unchanging (it may be coherent and map
 * its files); one with a ram instance is not. Its mapped files are each session's own,
 * lent executable (FS_MAP_EXEC: a client maps a program's code from them, which must
 * outlive any other session). */
static void comp_unchanging(void)
{
    static char arena_mem2[4096];
    struct cfg_arena arena = {arena_mem2, sizeof arena_mem2, 0};
    struct cfg_node *root;
    struct cfg_error err;
    struct fs_server *s2 = NULL;
    struct fs_session *ss;
    static const char text[] = "vfs { tar rootfs.tar }\n";
    int64_t h;
    CHECK(!fs_server_unchanging(srv));
    CHECK_INT(cfg_parse("ro.cfg", text, sizeof text - 1, &arena, &root, &err), 0);
    CHECK_INT(fs_server_create_vfs(&tl_env, vfs_plugins_all, vfs_plugins_all_count,
                                   cfg_first(root, "vfs"), &s2, &err),
              0);
    CHECK(fs_server_unchanging(s2));
    /* it reads as before */
    struct fs_server *keep = srv;
    srv = s2;
    CHECK_INT(fs_session_open(srv, "/", false, UINT64_MAX, &ss), 0);
    h = open_(ss, lookup(ss, lookup(ss, attach(ss), "etc"), "motd"), O_RDONLY);
    CHECK(h > 0);
    CHECK_STR(read_(ss, h, 100, FS_POS_HANDLE), "hello\n");
    /* mapped: each session its own chunk, executable */
    struct fs_session *other;
    int64_t h2;
    uint64_t mine, theirs;
    fs_server_set_mem(srv, &umem_ops);
    CHECK_INT(fs_session_open(srv, "/", false, UINT64_MAX, &other), 0);
    h2 = open_(other, lookup(other, lookup(other, attach(other), "etc"), "motd"), O_RDONLY);
    CHECK_INT(call(ss, FS_MAP, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(msg.r[4], FS_MAP_EXEC);
    mine = (uint64_t)msg.r[3];
    CHECK_INT(call(other, FS_MAP, (uint64_t)h2, 0, 0, 0, 0), 0);
    CHECK_INT(msg.r[4], FS_MAP_EXEC);
    theirs = (uint64_t)msg.r[3];
    CHECK(mine != theirs && umem_payer[mine] == ss && umem_payer[theirs] == other);
    CHECK(umem[theirs] && memcmp(umem[theirs], "hello\n", 6) == 0);
    CHECK_INT(call(other, FS_MAP, (uint64_t)h2, 0, 0, 0, 0), 0);
    CHECK_INT(msg.r[3], theirs); /* the same again */
    /* one session's end takes its chunks, never the other's */
    fs_session_close(ss);
    CHECK(!umem[mine] && umem[theirs] && memcmp(umem[theirs], "hello\n", 6) == 0);
    CHECK_STR(read_(other, h2, 100, 0), "hello\n");
    fs_session_close(other);
    CHECK(!umem[theirs]);
    srv = keep;
    fs_server_destroy(s2);
}

void fs_server_comp_cases(void)
{
    make_rootfs_tar();
    VCASE(comp_crosses_mounts);
    VCASE(comp_read_only_parts);
    VCASE(comp_confinement);
    VCASE(comp_configuration);
    VCASE(comp_unchanging);
}
