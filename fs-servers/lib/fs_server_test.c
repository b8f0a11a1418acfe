/*
 * Host tests of the file-system server library (fs_server.h): every case drives the
 * protocol through fs_server_handle on a ram file system (the comp_ cases: on a
 * composition of a tar archive, ram instances and a node plugin), as a client would, and ends
 * with the server destroyed and every byte given back (testlib's counting allocator).
 * The composition's cases are in fs_server_comp_test.c, mapped files and locks in
 * fs_server_map_test.c (fs_server_test.h).
 */
#include "fs_server_test.h"

struct fs_server *srv;
struct fs_buf buf;
struct fs_msg msg;
char arena_mem[1 << 14];

/* Makes the server from the text of a ram node ("ram size=1M"). */
int make_server(const char *text, struct cfg_error *err)
{
    struct cfg_arena arena = {arena_mem, sizeof arena_mem, 0};
    struct cfg_node *root;
    int rc = cfg_parse("test.cfg", text, strlen(text), &arena, &root, err);
    if (rc < 0)
        return -1000 + rc;
    return fs_server_create(&tl_env, &vfs_plugin_ram, cfg_first(root, NULL), &srv, err);
}

const struct vfs_cred *call_cred;

int64_t call(struct fs_session *ss, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
             uint64_t a4)
{
    memset(&msg, 0, sizeof msg);
    msg.op = op;
    msg.a[0] = a0;
    msg.a[1] = a1;
    msg.a[2] = a2;
    msg.a[3] = a3;
    msg.a[4] = a4;
    if (call_cred)
        fs_server_handle_as(srv, ss, call_cred, &msg, &buf);
    else
        fs_server_handle(srv, ss, &msg, &buf);
    return msg.r[0];
}

int64_t attach(struct fs_session *ss)
{
    return call(ss, FS_ATTACH, 0, 0, 0, 0, 0);
}

int64_t lookup(struct fs_session *ss, int64_t dir, const char *name)
{
    memcpy(buf.data, name, strlen(name));
    return call(ss, FS_LOOKUP, (uint64_t)dir, strlen(name), 0, 0, 0);
}

int64_t create(struct fs_session *ss, int64_t dir, const char *name, uint32_t mode)
{
    memcpy(buf.data, name, strlen(name));
    return call(ss, FS_CREATE, (uint64_t)dir, strlen(name), mode, 0, 0);
}

int64_t symlink_(struct fs_session *ss, int64_t dir, const char *name, const char *target)
{
    memcpy(buf.data, name, strlen(name));
    memcpy(buf.data + strlen(name), target, strlen(target));
    return call(ss, FS_CREATE, (uint64_t)dir, strlen(name), S_IFLNK | 0777, 0, strlen(target));
}

int64_t unlink_(struct fs_session *ss, int64_t dir, const char *name, unsigned flags)
{
    memcpy(buf.data, name, strlen(name));
    return call(ss, FS_UNLINK, (uint64_t)dir, strlen(name), flags, 0, 0);
}

int64_t link_(struct fs_session *ss, int64_t dir, const char *name, int64_t node)
{
    memcpy(buf.data, name, strlen(name));
    return call(ss, FS_LINK, (uint64_t)dir, strlen(name), (uint64_t)node, 0, 0);
}

int64_t rename_(struct fs_session *ss, int64_t od, const char *on, int64_t nd, const char *nn,
                unsigned flags)
{
    memcpy(buf.data, on, strlen(on));
    memcpy(buf.data + strlen(on), nn, strlen(nn));
    return call(ss, FS_RENAME, (uint64_t)od, strlen(on), (uint64_t)nd, strlen(nn), flags);
}

int64_t open_(struct fs_session *ss, int64_t node, unsigned flags)
{
    return call(ss, FS_OPEN, (uint64_t)node, flags, 0, 0, 0);
}

int64_t write_(struct fs_session *ss, int64_t h, const char *text, uint64_t pos)
{
    memcpy(buf.data, text, strlen(text));
    return call(ss, FS_WRITE, (uint64_t)h, strlen(text), pos, 0, 0);
}

/* Reads up to n bytes; the text (NUL-terminated) in a static buffer, or NULL. */
const char *read_(struct fs_session *ss, int64_t h, size_t n, uint64_t pos)
{
    static char out[FS_DATA_MAX + 1];
    int64_t r = call(ss, FS_READ, (uint64_t)h, n, pos, 0, 0);
    if (r < 0)
        return NULL;
    memcpy(out, buf.data, (size_t)r);
    out[r] = '\0';
    return out;
}

int64_t size_of(struct fs_session *ss, int64_t node)
{
    struct linux_stat st;
    int64_t r = call(ss, FS_GETATTR, (uint64_t)node, 0, 0, 0, 0);
    if (r < 0)
        return r;
    memcpy(&st, buf.data, sizeof st);
    return st.st_size;
}

struct linux_stat stat_of(struct fs_session *ss, int64_t node)
{
    struct linux_stat st;
    memset(&st, 0, sizeof st);
    if (call(ss, FS_GETATTR, (uint64_t)node, 0, 0, 0, 0) == 0)
        memcpy(&st, buf.data, sizeof st);
    return st;
}

int64_t setattr(struct fs_session *ss, int64_t node, const struct fs_setattr *a)
{
    memcpy(buf.data, a, sizeof *a);
    return call(ss, FS_SETATTR, (uint64_t)node, 0, 0, 0, 0);
}

/* A whole directory as "name name ..." in readdir order, read with chunks of size. */
const char *ls(struct fs_session *ss, int64_t dir, size_t size)
{
    static char out[4096];
    uint64_t pos = 2;
    size_t used = 0;
    out[0] = '\0';
    for (;;) {
        int64_t n = call(ss, FS_READDIR, (uint64_t)dir, pos, size, 0, 0), i;
        size_t off = 0;
        if (n < 0) {
            snprintf(out, sizeof out, "<%s>", tl_errname(n));
            return out;
        }
        if (n == 0)
            return out;
        for (i = 0; i < n; i++) {
            struct fs_dirent d;
            memcpy(&d, buf.data + off, sizeof d);
            if (d.reclen % 8 || d.reclen < sizeof d + d.namelen + 1)
                return "<bad reclen>";
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", used ? " " : "",
                                     (int)d.namelen, (const char *)buf.data + off + sizeof d);
            off += d.reclen;
        }
        if ((uint64_t)msg.r[1] <= pos)
            return "<position did not move>";
        pos = (uint64_t)msg.r[1];
    }
}

void (*body)(void);

void with_server(void)
{
    struct cfg_error err;
    int rc = make_server("ram size=1M", &err);
    if (rc < 0) {
        tl_fail(__LINE__, "fs_server_create: %d", rc);
        return;
    }
    body();
    fs_server_destroy(srv);
    srv = NULL;
}

/* ---- cases ---- */

static void create_and_lookup(void)
{
    struct fs_session *ss;
    int64_t root, f, d, again;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    CHECK(root > 0);
    CHECK_INT(msg.r[1], S_IFDIR | 0755);
    f = create(ss, root, "file", S_IFREG | 0640);
    CHECK(f > 0);
    CHECK(msg.r[1] > 0);
    again = lookup(ss, root, "file");
    CHECK_INT(again, f); /* one number per node and session */
    CHECK_INT(msg.r[1], S_IFREG | 0640);
    CHECK_INT(lookup(ss, root, "missing"), -ENOENT);
    CHECK_INT(create(ss, root, "file", S_IFREG | 0644), -EEXIST);
    CHECK_INT(create(ss, root, "..", S_IFDIR | 0755), -EEXIST);
    d = create(ss, root, "dir", S_IFDIR | 0700);
    CHECK(d > 0);
    CHECK_INT(stat_of(ss, d).st_mode, S_IFDIR | 0700);
    CHECK_INT(stat_of(ss, root).st_nlink, 3);
    CHECK_INT(stat_of(ss, root).st_dev, 0);
    CHECK_INT(lookup(ss, f, "x"), -ENOTDIR);
    CHECK_INT(create(ss, f, "x", S_IFREG | 0644), -ENOTDIR);
    CHECK_INT(lookup(ss, d, ".."), root);
    CHECK_INT(lookup(ss, root, ".."), root);
    CHECK_INT(create(ss, root, "weird", 0170000 | 0644), -EINVAL);
    CHECK(create(ss, root, "node", S_IFCHR | 0600) > 0);
    CHECK_INT(open_(ss, msg.r[0], O_RDONLY), -ENXIO);
    fs_session_close(ss);
}

static void read_and_write(void)
{
    struct fs_session *ss;
    int64_t root, f, h;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    h = open_(ss, f, O_RDWR);
    CHECK(h > 0);
    CHECK_INT(write_(ss, h, "hello", FS_POS_HANDLE), 5);
    CHECK_INT(write_(ss, h, " world", FS_POS_HANDLE), 6);
    CHECK_STR(read_(ss, h, 100, 0), "hello world");
    CHECK_STR(read_(ss, h, 100, FS_POS_HANDLE), ""); /* at the end */
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 6, SEEK_SET, 0, 0), 6);
    CHECK_STR(read_(ss, h, 3, FS_POS_HANDLE), "wor");
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 0, SEEK_CUR, 0, 0), 9);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, (uint64_t)-2, SEEK_END, 0, 0), 9);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, (uint64_t)-20, SEEK_CUR, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 0, 7, 0, 0), -EINVAL);
    CHECK_INT(write_(ss, h, "X", 20), 1); /* pwrite past the end: a hole of zeros */
    CHECK_INT(size_of(ss, f), 21);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h, 0, SEEK_CUR, 0, 0), 9); /* pwrite left it */
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, FS_DATA_MAX + 1, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 1, (uint64_t)INT64_MAX + 1, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_FSYNC, (uint64_t)h, 1, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    /* access modes */
    h = open_(ss, f, O_RDONLY);
    CHECK_INT(write_(ss, h, "x", FS_POS_HANDLE), -EBADF);
    CHECK_INT(call(ss, FS_FLAGS, (uint64_t)h, FS_FLAGS_KEEP, 0, 0, 0), O_RDONLY | O_LARGEFILE);
    h = open_(ss, f, O_WRONLY | O_TRUNC);
    CHECK(h > 0);
    CHECK_INT(size_of(ss, f), 0);
    CHECK(read_(ss, h, 1, 0) == NULL);
    CHECK_INT(msg.r[0], -EBADF);
    CHECK_INT(open_(ss, root, O_RDWR), -EISDIR);
    CHECK_INT(open_(ss, root, O_RDONLY | O_TRUNC), -EISDIR);
    CHECK_INT(open_(ss, f, O_RDONLY | O_DIRECTORY), -ENOTDIR);
    h = open_(ss, root, O_RDONLY | O_DIRECTORY);
    CHECK(h > 0);
    CHECK(read_(ss, h, 1, 0) == NULL);
    CHECK_INT(msg.r[0], -EISDIR);
    fs_session_close(ss); /* the open handles go with it */
}

static void shared_offset(void)
{
    struct fs_session *ss;
    int64_t root, f, h;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    h = open_(ss, f, O_WRONLY);
    CHECK_INT(call(ss, FS_DUP, (uint64_t)h, 0, 0, 0, 0), 0);
    /* (echo a; echo b) > f: parent and child write through one description */
    CHECK_INT(write_(ss, h, "a\n", FS_POS_HANDLE), 2);
    CHECK_INT(write_(ss, h, "b\n", FS_POS_HANDLE), 2);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(write_(ss, h, "c\n", FS_POS_HANDLE), 2); /* one reference is left */
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), -EBADF);
    CHECK_INT(write_(ss, h, "d\n", FS_POS_HANDLE), -EBADF);
    h = open_(ss, f, O_RDONLY);
    CHECK_STR(read_(ss, h, 100, FS_POS_HANDLE), "a\nb\nc\n");
    /* status flags are the description's too */
    CHECK_INT(call(ss, FS_FLAGS, (uint64_t)h, O_APPEND | O_NONBLOCK | O_TRUNC, 0, 0, 0),
              O_RDONLY | O_APPEND | O_NONBLOCK | O_LARGEFILE);
    CHECK_INT(call(ss, FS_FLAGS, (uint64_t)h, 0, 0, 0, 0), O_RDONLY | O_LARGEFILE);
    fs_session_close(ss);
}

static void append(void)
{
    struct fs_session *ss;
    int64_t root, f, h1, h2;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "log", S_IFREG | 0644);
    h1 = open_(ss, f, O_WRONLY | O_APPEND);
    h2 = open_(ss, f, O_WRONLY | O_APPEND);
    CHECK_INT(write_(ss, h1, "one\n", FS_POS_HANDLE), 4);
    CHECK_INT(write_(ss, h2, "two\n", FS_POS_HANDLE), 4);
    CHECK_INT(write_(ss, h1, "three\n", 0), 6); /* pwrite with O_APPEND appends (Linux) */
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h2, 0, SEEK_CUR, 0, 0), 8);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h1, 0, SEEK_CUR, 0, 0), 4);
    CHECK_INT(write_(ss, h2, "four\n", FS_POS_HANDLE), 5);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)h2, 0, SEEK_CUR, 0, 0), 19);
    h1 = open_(ss, f, O_RDONLY);
    CHECK_STR(read_(ss, h1, 100, 0), "one\ntwo\nthree\nfour\n");
    fs_session_close(ss);
}

static void unlinked_open_file(void)
{
    struct fs_session *ss;
    int64_t root, f, h;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "tmp", S_IFREG | 0600);
    h = open_(ss, f, O_RDWR);
    CHECK_INT(write_(ss, h, "still here", FS_POS_HANDLE), 10);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), 0);
    f = lookup(ss, root, "tmp");
    CHECK(f > 0);
    CHECK_INT(unlink_(ss, root, "tmp", 0), 0);
    CHECK_INT(lookup(ss, root, "tmp"), -ENOENT);
    CHECK_STR(read_(ss, h, 100, 0), "still here");
    CHECK_INT(write_(ss, h, "!", FS_POS_HANDLE), 1);
    CHECK_INT(stat_of(ss, f).st_nlink, 0);
    CHECK_INT(size_of(ss, f), 11);
    CHECK_INT(link_(ss, root, "back", f), -ENOENT); /* no link to an unlinked file */
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_STR(read_(ss, h, 100, 0), "still here!"); /* the handle keeps it */
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    fs_session_close(ss);
}

static void readdir_positions(void)
{
    struct fs_session *ss;
    int64_t root, d;
    char name[32];
    int i;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    d = create(ss, root, "d", S_IFDIR | 0755);
    CHECK_STR(ls(ss, d, 4096), "");
    for (i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "entry%d", i % 10);
        CHECK(create(ss, d, name, S_IFREG | 0644) > 0);
    }
    /* the newest first, as ram lists; 32-byte records, one per small buffer */
    CHECK_STR(ls(ss, d, 4096), "entry4 entry3 entry2 entry1 entry0");
    CHECK_STR(ls(ss, d, 32), "entry4 entry3 entry2 entry1 entry0");
    CHECK_STR(ls(ss, d, 70), "entry4 entry3 entry2 entry1 entry0");
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)d, 2, 31, 0, 0), -EINVAL); /* too small */
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)d, 2, UINT64_MAX, 0, 0), 5);
    {
        struct fs_dirent rec;
        memcpy(&rec, buf.data, sizeof rec);
        CHECK_INT(rec.type, DT_REG);
        CHECK_INT(rec.namelen, 6);
        CHECK_INT(rec.reclen, 32);
        CHECK_INT(buf.data[sizeof rec + 6], 0);
    }
    /* removing entries during a read skips none of the others */
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)d, 2, 64, 0, 0), 2);
    {
        uint64_t pos = (uint64_t)msg.r[1];
        CHECK_INT(unlink_(ss, d, "entry4", 0), 0);
        CHECK_INT(unlink_(ss, d, "entry1", 0), 0);
        CHECK_INT(call(ss, FS_READDIR, (uint64_t)d, pos, 4096, 0, 0), 2);
    }
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)create(ss, d, "f", S_IFREG), 2, 4096, 0, 0), -ENOTDIR);
    fs_session_close(ss);
}

static void rename_rules(void)
{
    struct fs_session *ss;
    int64_t root, a, b, sub, f, g;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    a = create(ss, root, "a", S_IFDIR | 0755);
    b = create(ss, root, "b", S_IFDIR | 0755);
    sub = create(ss, a, "sub", S_IFDIR | 0755);
    f = create(ss, root, "f", S_IFREG | 0644);
    g = create(ss, root, "g", S_IFREG | 0644);
    CHECK(a > 0 && b > 0 && sub > 0 && f > 0 && g > 0);
    CHECK_INT(rename_(ss, root, "f", b, "f2", 0), 0);
    CHECK_INT(lookup(ss, b, "f2"), f);
    CHECK_INT(lookup(ss, root, "f"), -ENOENT);
    CHECK_INT(rename_(ss, root, "nothing", b, "x", 0), -ENOENT);
    CHECK_INT(rename_(ss, root, "g", b, "f2", RENAME_NOREPLACE), -EEXIST);
    CHECK_INT(rename_(ss, root, "g", root, "a", 0), -EISDIR);
    CHECK_INT(rename_(ss, root, "a", root, "g", 0), -ENOTDIR);
    CHECK_INT(rename_(ss, root, "a", sub, "x", 0), -EINVAL);    /* into itself */
    CHECK_INT(rename_(ss, a, "sub", root, "a", 0), -ENOTEMPTY); /* over its ancestor */
    CHECK_INT(rename_(ss, root, "g", root, "x", RENAME_EXCHANGE), -ENOENT);
    CHECK_INT(rename_(ss, root, "g", root, "x", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
    CHECK_INT(rename_(ss, root, "g", root, "x", 8), -EINVAL);
    CHECK_INT(rename_(ss, root, "..", root, "x", 0), -EBUSY);
    CHECK_INT(rename_(ss, root, "g", root, "..", 0), -EBUSY);
    CHECK_INT(rename_(ss, root, "g", root, "..", RENAME_NOREPLACE), -EEXIST);
    /* replacing a file: the old one goes */
    CHECK_INT(rename_(ss, root, "g", b, "f2", 0), 0);
    CHECK_INT(lookup(ss, b, "f2"), g);
    CHECK_INT(stat_of(ss, f).st_nlink, 0);
    /* exchange a file and a directory */
    CHECK_INT(rename_(ss, b, "f2", root, "a", RENAME_EXCHANGE), 0);
    CHECK_INT(lookup(ss, root, "a"), g);
    CHECK_INT(lookup(ss, b, "f2"), a);
    CHECK_INT(lookup(ss, a, ".."), b);
    /* two names of one file: nothing happens */
    CHECK_INT(link_(ss, root, "h", g), 0);
    CHECK_INT(rename_(ss, root, "a", root, "h", 0), 0);
    CHECK_INT(lookup(ss, root, "a"), g);
    CHECK_INT(stat_of(ss, g).st_nlink, 2);
    fs_session_close(ss);
}

static void unlink_rules(void)
{
    struct fs_session *ss;
    int64_t root, d, f;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    d = create(ss, root, "d", S_IFDIR | 0755);
    f = create(ss, d, "f", S_IFREG | 0644);
    CHECK(d > 0 && f > 0);
    CHECK_INT(unlink_(ss, root, "d", 0), -EISDIR);
    CHECK_INT(unlink_(ss, d, "f", AT_REMOVEDIR), -ENOTDIR);
    CHECK_INT(unlink_(ss, root, "d", AT_REMOVEDIR), -ENOTEMPTY);
    CHECK_INT(unlink_(ss, root, "d", 1), -EINVAL);
    CHECK_INT(unlink_(ss, root, "..", AT_REMOVEDIR), -ENOTEMPTY);
    CHECK_INT(unlink_(ss, root, "..", 0), -EISDIR);
    CHECK_INT(unlink_(ss, root, "missing", 0), -ENOENT);
    CHECK_INT(unlink_(ss, d, "f", 0), 0);
    CHECK_INT(unlink_(ss, root, "d", AT_REMOVEDIR), 0);
    CHECK_INT(stat_of(ss, d).st_nlink, 0);
    CHECK_INT(create(ss, d, "new", S_IFREG | 0644), -ENOENT); /* in a removed directory */
    CHECK_INT(lookup(ss, d, ".."), root);                     /* still answers ".." */
    fs_session_close(ss);
}

static void links_and_symlinks(void)
{
    struct fs_session *ss;
    int64_t root, f, d, l, h;
    char long_target[PATH_MAX + 1];
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    d = create(ss, root, "d", S_IFDIR | 0755);
    CHECK_INT(link_(ss, d, "f2", f), 0);
    CHECK_INT(stat_of(ss, f).st_nlink, 2);
    CHECK_INT(lookup(ss, d, "f2"), f);
    CHECK_INT(link_(ss, d, "f2", f), -EEXIST);
    CHECK_INT(link_(ss, root, "d2", d), -EPERM);
    CHECK_INT(link_(ss, root, "x", 12345), -EBADF);
    l = symlink_(ss, root, "l", "d/f2");
    CHECK(l > 0);
    CHECK_INT(call(ss, FS_READLINK, (uint64_t)l, 0, 0, 0, 0), 4);
    CHECK(memcmp(buf.data, "d/f2", 4) == 0);
    CHECK_INT(stat_of(ss, l).st_mode, S_IFLNK | 0777);
    CHECK_INT(call(ss, FS_READLINK, (uint64_t)f, 0, 0, 0, 0), -EINVAL);
    CHECK_INT(open_(ss, l, O_RDONLY), -ELOOP);
    CHECK_INT(symlink_(ss, root, "empty", ""), -ENOENT);
    memset(long_target, 'x', PATH_MAX);
    long_target[PATH_MAX] = '\0';
    CHECK_INT(symlink_(ss, root, "long", long_target), -ENAMETOOLONG);
    memcpy(buf.data, "nulx\0y", 6);
    CHECK_INT(call(ss, FS_CREATE, (uint64_t)root, 4, S_IFLNK | 0777, 0, 2), -EINVAL);
    CHECK_INT(call(ss, FS_CREATE, (uint64_t)root, 4, S_IFREG | 0644, 0, 2), -EINVAL);
    CHECK_INT(link_(ss, root, "l2", l), 0); /* a hard link to a symlink */
    h = open_(ss, f, O_RDONLY);
    CHECK(h > 0);
    fs_session_close(ss);
}

static void attributes(void)
{
    struct fs_session *ss;
    struct fs_setattr a;
    struct linux_stat st;
    int64_t root, f, l;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    l = symlink_(ss, root, "l", "f");
    memset(&a, 0, sizeof a);
    a.mask = VFS_SET_MODE | VFS_SET_UID | VFS_SET_GID;
    a.mode = S_IFDIR | 04711; /* the type bits are not taken */
    a.uid = 1000;
    a.gid = 100;
    tl_clock_ns += 5000000000ull;
    CHECK_INT(setattr(ss, f, &a), 0);
    st = stat_of(ss, f);
    CHECK_INT(st.st_mode, S_IFREG | 04711);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 100);
    CHECK_INT(st.st_ctim.tv_sec, 1700000005);
    CHECK_INT(setattr(ss, l, &a), -EOPNOTSUPP);
    memset(&a, 0, sizeof a);
    a.mask = VFS_SET_SIZE;
    a.size = 10000;
    CHECK_INT(setattr(ss, f, &a), 0);
    CHECK_INT(size_of(ss, f), 10000);
    a.size = 3;
    CHECK_INT(setattr(ss, f, &a), 0);
    CHECK_INT(size_of(ss, f), 3);
    CHECK_INT(setattr(ss, root, &a), -EISDIR);
    CHECK_INT(setattr(ss, l, &a), -EINVAL);
    a.size = (uint64_t)INT64_MAX + 1;
    CHECK_INT(setattr(ss, f, &a), -EINVAL);
    memset(&a, 0, sizeof a);
    a.mask = VFS_SET_ATIME | VFS_SET_MTIME;
    a.atime_sec = 100;
    a.atime_nsec = 5;
    a.mtime_nsec = UTIME_OMIT;
    CHECK_INT(setattr(ss, f, &a), 0);
    st = stat_of(ss, f);
    CHECK_INT(st.st_atim.tv_sec, 100);
    CHECK_INT(st.st_atim.tv_nsec, 5);
    CHECK_INT(st.st_mtim.tv_sec, 1700000005);
    a.mtime_nsec = UTIME_NOW;
    tl_clock_ns += 1000000000ull;
    CHECK_INT(setattr(ss, f, &a), 0);
    CHECK_INT(stat_of(ss, f).st_mtim.tv_sec, 1700000006);
    a.atime_nsec = 1000000000;
    CHECK_INT(setattr(ss, f, &a), -EINVAL);
    a.mask = 64;
    CHECK_INT(setattr(ss, f, &a), -EINVAL);
    fs_session_close(ss);
}

static void read_only_session(void)
{
    struct fs_session *rw, *ro;
    struct fs_setattr a = {0};
    struct linux_statfs sf;
    int64_t root, f, h, rroot, rf, rd;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &rw), 0);
    CHECK_INT(fs_session_open(srv, "/", false, UINT64_MAX, &ro), 0);
    root = attach(rw);
    f = create(rw, root, "f", S_IFREG | 0644);
    h = open_(rw, f, O_WRONLY);
    CHECK_INT(write_(rw, h, "data", FS_POS_HANDLE), 4);
    CHECK(create(rw, root, "d", S_IFDIR | 0755) > 0);
    rroot = attach(ro);
    rf = lookup(ro, rroot, "f");
    rd = lookup(ro, rroot, "d");
    CHECK(rf > 0 && rd > 0);
    CHECK_INT(create(ro, rroot, "new", S_IFREG | 0644), -EROFS);
    CHECK_INT(create(ro, rroot, "f", S_IFREG | 0644), -EROFS);
    CHECK_INT(link_(ro, rroot, "g", rf), -EROFS);
    CHECK_INT(unlink_(ro, rroot, "f", 0), -EROFS);
    CHECK_INT(unlink_(ro, rroot, "d", AT_REMOVEDIR), -EROFS);
    CHECK_INT(rename_(ro, rroot, "f", rroot, "g", 0), -EROFS);
    a.mask = VFS_SET_MODE;
    CHECK_INT(setattr(ro, rf, &a), -EROFS);
    CHECK_INT(open_(ro, rf, O_WRONLY), -EROFS);
    CHECK_INT(open_(ro, rf, O_RDWR), -EROFS);
    CHECK_INT(open_(ro, rf, O_RDONLY | O_TRUNC), -EROFS);
    h = open_(ro, rf, O_RDONLY);
    CHECK(h > 0);
    CHECK_STR(read_(ro, h, 10, FS_POS_HANDLE), "data");
    CHECK_INT(write_(ro, h, "x", FS_POS_HANDLE), -EROFS);
    CHECK_INT(call(ro, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&sf, buf.data, sizeof sf);
    CHECK_INT(sf.f_flags & ST_RDONLY, ST_RDONLY);
    CHECK_INT(sf.f_type, TMPFS_MAGIC);
    CHECK_INT(sf.f_namelen, NAME_MAX);
    CHECK_INT(size_of(rw, f), 4);
    fs_session_close(ro);
    fs_session_close(rw);
}

static void confinement(void)
{
    struct fs_session *a, *b;
    int64_t aroot, broot, x, home, secret;
    CHECK_INT(fs_session_open(srv, "/home/a/", true, UINT64_MAX, &a), 0); /* made */
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &b), 0);
    aroot = attach(a);
    broot = attach(b);
    CHECK_INT(lookup(a, aroot, ".."), aroot);
    x = create(a, aroot, "x", S_IFDIR | 0755);
    CHECK_INT(lookup(a, x, ".."), aroot);
    home = lookup(b, broot, "home");
    CHECK(home > 0);
    CHECK_INT(stat_of(b, home).st_mode, S_IFDIR | 0755);
    secret = create(b, home, "secret", S_IFREG | 0600);
    CHECK(secret > 0);
    /* another session's numbers mean nothing here */
    CHECK_INT(lookup(a, home, "secret"), -EBADF);
    CHECK_INT(call(a, FS_GETATTR, (uint64_t)secret, 0, 0, 0, 0), -EBADF);
    CHECK_INT(open_(a, secret, O_RDONLY), -EBADF);
    CHECK_INT(call(a, FS_RELEASE, (uint64_t)home, 0, 0, 0, 0), -EBADF);
    /* the roots of sessions are busy */
    CHECK_INT(unlink_(b, lookup(b, home, "a"), "x", AT_REMOVEDIR), 0);
    CHECK_INT(unlink_(b, home, "a", AT_REMOVEDIR), -EBUSY);
    CHECK_INT(rename_(b, home, "a", broot, "a2", 0), -EBUSY);
    /* a directory moved out of a's tree does not lead above a's root */
    x = create(a, aroot, "y", S_IFDIR | 0755);
    CHECK(x > 0);
    CHECK_INT(rename_(b, lookup(b, home, "a"), "y", broot, "y", 0), 0);
    CHECK_INT(lookup(a, x, ".."), -ENOENT);
    CHECK_INT(lookup(b, lookup(b, broot, "y"), ".."), broot);
    /* bad roots */
    {
        struct fs_session *c;
        CHECK_INT(fs_session_open(srv, "/home/secret", true, 0, &c), -ENOTDIR);
        CHECK_INT(fs_session_open(srv, "/home/secret/below", true, 0, &c), -ENOTDIR);
        CHECK_INT(fs_session_open(srv, "home", true, 0, &c), -EINVAL);
        CHECK_INT(fs_session_open(srv, "/home/../etc", true, 0, &c), -EINVAL);
        CHECK_INT(fs_session_open(srv, "/./home//a/.", false, 0, &c), 0);
        CHECK_INT(lookup(c, attach(c), "y"), -ENOENT);
        fs_session_close(c);
    }
    fs_session_close(a);
    fs_session_close(b);
}

static void quota(void)
{
    struct fs_session *ss, *other;
    struct fs_setattr a = {0};
    char big[1001];
    int64_t root, f, h, g;
    CHECK_INT(fs_session_open(srv, "/", true, 2000, &ss), 0);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &other), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    CHECK(f > 0);
    CHECK_INT(fs_session_used(ss), 256);
    h = open_(ss, f, O_RDWR);
    memset(big, 'x', 1000);
    big[1000] = '\0';
    CHECK_INT(write_(ss, h, big, FS_POS_HANDLE), 1000);
    CHECK_INT(fs_session_used(ss), 1256);
    CHECK_INT(write_(ss, h, big, 0), 1000); /* overwriting costs nothing */
    CHECK_INT(fs_session_used(ss), 1256);
    CHECK_INT(write_(ss, h, big, FS_POS_HANDLE), 744); /* cut at the quota */
    CHECK_INT(fs_session_used(ss), 2000);
    CHECK_INT(write_(ss, h, "y", FS_POS_HANDLE), -ENOSPC);
    CHECK_INT(create(ss, root, "g", S_IFREG | 0644), -ENOSPC);
    a.mask = VFS_SET_SIZE;
    a.size = 2000;
    CHECK_INT(setattr(ss, f, &a), -ENOSPC);
    a.size = 1000;
    CHECK_INT(setattr(ss, f, &a), 0);
    CHECK_INT(fs_session_used(ss), 1256);
    g = create(ss, root, "g", S_IFREG | 0644);
    CHECK(g > 0);
    CHECK_INT(fs_session_used(ss), 1512);
    CHECK_INT(unlink_(ss, root, "f", 0), 0); /* open, but the data is counted as gone */
    CHECK_INT(fs_session_used(ss), 256);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    /* the other session has its own count */
    CHECK(create(other, attach(other), "big", S_IFREG | 0644) > 0);
    h = open_(other, msg.r[0], O_WRONLY);
    CHECK_INT(write_(other, h, big, 5000), 1000);
    CHECK_INT(fs_session_used(other), 256 + 6000);
    CHECK_INT(fs_session_used(ss), 256);
    /* O_TRUNC and removing another session's files never take a count below 0 */
    CHECK_INT(unlink_(ss, root, "big", 0), 0);
    CHECK_INT(fs_session_used(ss), 0);
    fs_session_close(ss);
    fs_session_close(other);
}

static void close_drops_references(void)
{
    struct fs_session *ss, *other;
    struct linux_statfs before, after;
    char data[4096];
    int64_t root, f, h;
    int i;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &other), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&before, buf.data, sizeof before);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    h = open_(ss, f, O_RDWR);
    memset(data, 'z', sizeof data - 1);
    data[sizeof data - 1] = '\0';
    for (i = 0; i < 16; i++)
        CHECK(write_(ss, h, data, FS_POS_HANDLE) > 0);
    for (i = 0; i < 10; i++) {
        CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)f, 0, 0, 0, 0), 0);
        CHECK_INT(call(ss, FS_DUP, (uint64_t)h, 0, 0, 0, 0), 0);
    }
    CHECK_INT(unlink_(ss, root, "f", 0), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK(after.f_bfree < before.f_bfree); /* the open file still holds its data */
    fs_session_close(ss);                  /* a client that died */
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK_INT(after.f_bfree, before.f_bfree);
    fs_session_close(other);
}

/* FS_REFS: a fork child's references taken and an ending process's given back, many
 * per request; a number refused is 0 in the buffer after, and the counts are bounded. */
static void batched_references(void)
{
    struct fs_session *ss, *other;
    struct linux_statfs before, after;
    uint64_t *num = (uint64_t *)(void *)buf.data;
    int64_t root, f, h;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &other), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&before, buf.data, sizeof before);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    h = open_(ss, f, O_RDWR);
    CHECK(write_(ss, h, "data", FS_POS_HANDLE) == 4);
    num[0] = (uint64_t)root;
    num[1] = (uint64_t)f;
    num[2] = 999999; /* not a node */
    num[3] = (uint64_t)h;
    num[4] = 888888; /* not a handle */
    CHECK_INT(call(ss, FS_REFS, 3, 2, FS_REFS_TAKE, 0, 0), 3);
    CHECK(num[0] == (uint64_t)root && num[1] == (uint64_t)f && num[2] == 0);
    CHECK(num[3] == (uint64_t)h && num[4] == 0);
    CHECK_INT(call(ss, FS_REFS, FS_REFS_MAX, 1, FS_REFS_TAKE, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_REFS, 0, 0, 2, 0, 0), -EINVAL);
    CHECK_INT(unlink_(ss, root, "f", 0), 0);
    /* the references taken and the first ones given back: the file goes */
    num[0] = (uint64_t)f;
    num[1] = (uint64_t)f;
    num[2] = (uint64_t)h;
    num[3] = (uint64_t)h;
    CHECK_INT(call(ss, FS_REFS, 2, 2, FS_REFS_GIVE, 0, 0), 4);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)f, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK_INT(after.f_bfree, before.f_bfree);
    fs_session_close(ss);
    fs_session_close(other);
}

static void numbers(void)
{
    struct fs_session *ss;
    int64_t root, f, f2, h, h2;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    CHECK_INT(attach(ss), root);
    f = create(ss, root, "f", S_IFREG | 0644);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)f, 0, 0, 0, 0), -EBADF);
    f2 = lookup(ss, root, "f");
    CHECK(f2 > 0 && f2 != f); /* a released number is not given again soon */
    h = open_(ss, f2, O_RDONLY);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    h2 = open_(ss, f2, O_RDONLY);
    CHECK(h2 > 0 && h2 != h);
    CHECK_INT(call(ss, FS_READ, (uint64_t)h, 1, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, 0, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root ^ (1ull << 32), 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root + 100000, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_SEEK, (uint64_t)f2, 0, SEEK_SET, 0, 0), -EBADF); /* not a handle */
    fs_session_close(ss);
}

static void malformed_requests(void)
{
    struct fs_session *ss;
    int64_t root, f;
    char name[300];
    uint64_t op;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    root = attach(ss);
    f = create(ss, root, "f", S_IFREG | 0644);
    CHECK_INT(call(ss, 0, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_INT(call(ss, FS_OP_COUNT, 0, 0, 0, 0, 0), -ENOSYS);
    CHECK_INT(call(ss, UINT64_MAX, 0, 0, 0, 0, 0), -ENOSYS);
    memcpy(buf.data, "a/b", 3);
    CHECK_INT(call(ss, FS_LOOKUP, (uint64_t)root, 3, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_CREATE, (uint64_t)root, 3, S_IFREG | 0644, 0, 0), -EINVAL);
    memcpy(buf.data, "a\0b", 3);
    CHECK_INT(call(ss, FS_LOOKUP, (uint64_t)root, 3, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_LOOKUP, (uint64_t)root, 0, 0, 0, 0), -EINVAL);
    CHECK_INT(lookup(ss, root, "."), -EINVAL);
    memset(name, 'n', sizeof name);
    name[256] = '\0';
    CHECK_INT(lookup(ss, root, name), -ENAMETOOLONG);
    CHECK_INT(create(ss, root, name, S_IFREG | 0644), -ENAMETOOLONG);
    name[255] = '\0';
    CHECK_INT(lookup(ss, root, name), -ENOENT);
    CHECK(create(ss, root, name, S_IFREG | 0644) > 0);
    CHECK_INT(call(ss, FS_LOOKUP, (uint64_t)root, FS_DATA_MAX + 1, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_LOOKUP, (uint64_t)root, UINT64_MAX, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_CREATE, (uint64_t)root, 4, S_IFLNK | 0777, 0, FS_DATA_MAX), -EINVAL);
    CHECK_INT(call(ss, FS_CREATE, (uint64_t)root, 4, UINT64_MAX, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_RENAME, (uint64_t)root, FS_DATA_MAX, (uint64_t)root, 1, 0), -EINVAL);
    CHECK_INT(call(ss, FS_RENAME, (uint64_t)root, 1, (uint64_t)root, UINT64_MAX, 0), -EINVAL);
    CHECK_INT(call(ss, FS_WRITE, UINT64_MAX, 1, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_OPEN, (uint64_t)f, O_PATH, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_OPEN, (uint64_t)f, UINT64_MAX, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_OPEN, (uint64_t)root, O_CREAT | O_DIRECTORY, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_READDIR, (uint64_t)root, 0, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_STATFS, 0, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_SYNCFS, 0, 0, 0, 0, 0), 0); /* ram holds nothing back */
    /* what the native server's write-back goes by: changes since the last sync */
    CHECK(!fs_server_dirty(srv));
    CHECK_INT(lookup(ss, root, "f"), (int64_t)f);
    CHECK_INT(call(ss, FS_STATFS, 0, 0, 0, 0, 0), 0);
    CHECK(!fs_server_dirty(srv)); /* looking changes nothing */
    CHECK(create(ss, root, "dirty", S_IFREG | 0644) > 0);
    CHECK(fs_server_dirty(srv));
    CHECK_INT(fs_server_writeback(srv), 0);
    CHECK(!fs_server_dirty(srv));
    memcpy(buf.data, "dirty", 5);
    CHECK_INT(call(ss, FS_UNLINK, (uint64_t)root, 5, 0, 0, 0), 0);
    CHECK(fs_server_dirty(srv));
    CHECK_INT(call(ss, FS_SYNCFS, 0, 0, 0, 0, 0), 0);
    CHECK(!fs_server_dirty(srv));
    /* every operation with junk words: an error or an answer, never a crash */
    for (op = 0; op <= FS_OP_COUNT + 1; op++) {
        memset(buf.data, 0xff, 64);
        if (op == FS_ATTACH || op == FS_STATFS || op == FS_SYNCFS) /* no arguments */
            continue;
        CHECK(call(ss, op, 0xdeadbeefull, UINT64_MAX, UINT64_MAX - 1, 7, 1ull << 40) < 0);
        CHECK(call(ss, op, (uint64_t)root, 64, 1, 0, 0) >= -4095);
    }
    fs_server_handle(srv, NULL, &msg, &buf);
    CHECK_INT(msg.r[0], -EINVAL);
    fs_session_close(ss);
}

static void server_configuration(void)
{
    struct fs_server *keep = srv;
    struct cfg_error err;
    CHECK_INT(make_server("ram bogus=1", &err), -EINVAL);
    CHECK_CONTAINS(err.msg, "unknown property 'bogus'");
    CHECK_INT(make_server("ram extra", &err), -EINVAL);
    srv = keep;
    {
        struct fs_server *s2;
        CHECK_INT(fs_server_create(&tl_env, &vfs_plugin_null, NULL, &s2, &err), -EINVAL);
        CHECK_CONTAINS(err.msg, "tree plugin");
    }
}

/* ---- busy files (FS_EXEC, ETXTBSY) ---- */

/* A file open for writing cannot become a program's image, and a program's image
 * cannot be opened for writing or truncated, across sessions, until the last close of
 * the image's handle (or its session's end); malformed FS_EXEC requests. */
static void busy_files(void)
{
    struct fs_session *a, *b;
    struct fs_setattr sa;
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &a), 0);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &b), 0);
    int64_t ra = attach(a), f = create(a, ra, "prog", S_IFREG | 0755);
    int64_t hw = open_(a, f, O_RDWR);
    CHECK(hw > 0);
    CHECK_INT(write_(a, hw, "\177ELF", FS_POS_HANDLE), 4);
    int64_t fb = lookup(b, attach(b), "prog"), hr = open_(b, fb, O_RDONLY);
    CHECK(hr > 0);
    CHECK_INT(call(a, FS_EXEC, (uint64_t)hw, 0, 0, 0, 0), -ETXTBSY); /* open for writing */
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 0, 0, 0, 0), -ETXTBSY); /* a's writer */
    CHECK_INT(call(a, FS_CLOSE, (uint64_t)hw, 0, 0, 0, 0), 0);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 0, 0, 0, 0), 0);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 0, 0, 0, 0), 0); /* again: nothing changes */
    CHECK_INT(open_(a, f, O_WRONLY), -ETXTBSY);
    CHECK_INT(open_(a, f, O_RDWR | O_APPEND), -ETXTBSY);
    CHECK_INT(open_(a, f, O_RDONLY | O_TRUNC), -ETXTBSY);
    CHECK_INT(size_of(a, f), 4); /* no truncation happened */
    int64_t ro = open_(a, f, O_RDONLY);
    CHECK(ro > 0);
    CHECK_INT(call(a, FS_EXEC, (uint64_t)ro, 0, 0, 0, 0), 0); /* two images */
    memset(&sa, 0, sizeof sa);
    sa.mask = VFS_SET_SIZE;
    CHECK_INT(setattr(a, f, &sa), -ETXTBSY);
    sa.mask = VFS_SET_MODE;
    sa.mode = 0700;
    CHECK_INT(setattr(a, f, &sa), 0); /* only the size is refused */
    CHECK_INT(size_of(a, f), 4);
    /* a fork child's copy of the image's handle: busy until the last close */
    CHECK_INT(call(b, FS_DUP, (uint64_t)hr, 0, 0, 0, 0), 0);
    CHECK_INT(call(b, FS_CLOSE, (uint64_t)hr, 0, 0, 0, 0), 0);
    CHECK_INT(call(a, FS_CLOSE, (uint64_t)ro, 0, 0, 0, 0), 0);
    CHECK_INT(open_(a, f, O_WRONLY), -ETXTBSY);
    CHECK_INT(call(b, FS_CLOSE, (uint64_t)hr, 0, 0, 0, 0), 0);
    hw = open_(a, f, O_WRONLY | O_TRUNC);
    CHECK(hw > 0);
    CHECK_INT(size_of(a, f), 0);
    /* malformed */
    hr = open_(b, fb, O_RDONLY);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 1, 0, 0, 0), -EINVAL);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 0, 0, 0, 1ull << 40), -EINVAL);
    CHECK_INT(call(b, FS_EXEC, 0xdeadbeefull, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hw, 0, 0, 0, 0), -EBADF); /* a's handle */
    int64_t dh = open_(b, attach(b), O_RDONLY | O_DIRECTORY);
    CHECK(dh > 0);
    CHECK_INT(call(b, FS_EXEC, (uint64_t)dh, 0, 0, 0, 0), -EACCES);
    CHECK_INT(call(a, FS_CLOSE, (uint64_t)hw, 0, 0, 0, 0), 0);
    /* an image held by a session that ends (a client that died), of a removed file */
    CHECK_INT(call(b, FS_EXEC, (uint64_t)hr, 0, 0, 0, 0), 0);
    CHECK_INT(unlink_(a, ra, "prog", 0), 0);
    CHECK_INT(open_(a, f, O_RDWR), -ETXTBSY);
    fs_session_close(b);
    hw = open_(a, f, O_RDWR);
    CHECK(hw > 0);
    fs_session_close(a);
}

/* ---- the references of a process gone (FS_GONE) ---- */

/* References are counted under the pid in the buffer's lock tag; FS_GONE drops the
 * pid's, never more than a number holds; references without a pid stay. */
static void gone_releases(void)
{
    struct fs_session *ss, *other;
    struct linux_statfs before, after;
    char data[4096];
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &other), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&before, buf.data, sizeof before);
    CHECK_INT(fs_session_open(srv, "/", true, UINT64_MAX, &ss), 0);
    buf.lock = 100; /* the parent */
    int64_t root = attach(ss), f = create(ss, root, "f", S_IFREG | 0644);
    int64_t h = open_(ss, f, O_RDWR);
    memset(data, 'z', sizeof data - 1);
    data[sizeof data - 1] = '\0';
    CHECK(write_(ss, h, data, FS_POS_HANDLE) > 0);
    buf.lock = 101; /* a fork child takes its references */
    CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)root, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_DUP, (uint64_t)h, 0, 0, 0, 0), 0);
    int64_t g = create(ss, root, "g", S_IFREG | 0755), hg = open_(ss, g, O_RDONLY);
    CHECK_INT(call(ss, FS_EXEC, (uint64_t)hg, 0, 0, 0, 0), 0); /* the child runs g */
    buf.lock = 100; /* the parent removes f and closes it: the child's references hold it */
    CHECK_INT(unlink_(ss, root, "f", 0), 0);
    CHECK_INT(call(ss, FS_CLOSE, (uint64_t)h, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)f, 0, 0, 0, 0), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK(after.f_bfree < before.f_bfree);
    CHECK_INT(open_(ss, g, O_WRONLY), -ETXTBSY);
    /* the child is killed: its launcher sends FS_GONE */
    CHECK_INT(call(ss, FS_GONE, 0, 0, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_GONE, 1ull << 31, 0, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_GONE, 101, 1, 0, 0, 0), -EINVAL);
    CHECK_INT(call(ss, FS_GONE, 101, 0, 0, 0, 0), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK(after.f_bfree + 1 >= before.f_bfree); /* f's page is back (g is left) */
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)f, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)g, 0, 0, 0, 0), -EBADF);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root, 0, 0, 0, 0), 0); /* the parent's */
    int64_t hw = open_(ss, lookup(ss, root, "g"), O_WRONLY);
    CHECK(hw > 0);                                    /* no longer busy */
    CHECK_INT(call(ss, FS_GONE, 101, 0, 0, 0, 0), 0); /* nothing left: nothing happens */
    /* a reference dropped under another pid comes out of a record of its number, so
     * FS_GONE never drops more than the number holds */
    g = lookup(ss, root, "g");
    CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)g, 0, 0, 0, 0), 0);
    buf.lock = 102;
    CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)g, 0, 0, 0, 0), 0);
    buf.lock = 103;
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)g, 0, 0, 0, 0), 0);
    buf.lock = 0; /* a reference without a pid: FS_GONE never takes it */
    CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)g, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GONE, 100, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GONE, 102, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GONE, 103, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)g, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_RELEASE, (uint64_t)g, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)g, 0, 0, 0, 0), -EBADF);
    /* the root's number is the session's (FS_ATTACH): no FS_GONE and no release of any
     * process takes its last reference, and every ATTACH answers it */
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root, 0, 0, 0, 0), 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT(call(ss, FS_RELEASE, (uint64_t)root, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root, 0, 0, 0, 0), 0);
    CHECK_INT(attach(ss), root);
    buf.lock = 104;
    CHECK_INT(attach(ss), root);
    CHECK_INT(call(ss, FS_GONE, 104, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root, 0, 0, 0, 0), 0);
    /* many processes: the table grows and shrinks; every record goes with the session */
    for (uint32_t pid = 1000; pid < 3000; pid++) {
        buf.lock = (int32_t)pid;
        CHECK_INT(call(ss, FS_ACQUIRE, (uint64_t)root, 0, 0, 0, 0), 0);
        if (pid % 2)
            CHECK_INT(call(ss, FS_GONE, pid, 0, 0, 0, 0), 0);
    }
    for (uint32_t pid = 1000; pid < 3000; pid += 2)
        CHECK_INT(call(ss, FS_GONE, pid, 0, 0, 0, 0), 0);
    CHECK_INT(call(ss, FS_GETATTR, (uint64_t)root, 0, 0, 0, 0), 0); /* the untagged one */
    buf.lock = 7;
    CHECK(open_(ss, root, O_RDONLY | O_DIRECTORY) > 0); /* left to the session's end */
    buf.lock = 0;
    CHECK_INT(unlink_(ss, root, "g", 0), 0);
    CHECK_INT(call(other, FS_STATFS, 0, 0, 0, 0, 0), 0);
    memcpy(&after, buf.data, sizeof after);
    CHECK_INT(after.f_bfree, before.f_bfree);
    fs_session_close(ss);
    fs_session_close(other);
}

int main(void)
{
    fs_server_lock_cases();
    CASE(create_and_lookup);
    CASE(read_and_write);
    CASE(shared_offset);
    CASE(append);
    CASE(unlinked_open_file);
    CASE(readdir_positions);
    CASE(rename_rules);
    CASE(unlink_rules);
    CASE(links_and_symlinks);
    CASE(attributes);
    CASE(read_only_session);
    CASE(confinement);
    CASE(quota);
    CASE(close_drops_references);
    CASE(batched_references);
    CASE(numbers);
    CASE(malformed_requests);
    CASE(server_configuration);
    CASE(busy_files);
    CASE(gone_releases);
    fs_server_map_cases();
    fs_server_comp_cases();
    fs_server_cred_cases();
    return tl_finish();
}
