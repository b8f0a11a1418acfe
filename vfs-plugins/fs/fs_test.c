/*
 * Host tests of the fs plugin (README.md): a vfs whose env->session answers with a
 * loopback transport that calls the server library (fs-servers/lib/fs_server.c, with a
 * ram file system) directly. The same kinds of checks the differential test makes on
 * ram, through `dir /tmp { fs }`: files, offsets, transfers beyond one request,
 * directories read while their entries go, rename, link, symlink, attributes, files
 * used after their last name is gone, EXDEV; then what only fs has: two vfs instances
 * sharing one session and one handle (fork), appends from two threads, the after-fork
 * references, read-only sessions, a server that fails and one that is gone.
 *
 * Every case also checks the references: the transport counts the node numbers and
 * handles the client holds (ATTACH, LOOKUP, CREATE, ACQUIRE against RELEASE; OPEN, DUP
 * against CLOSE), and after the vfs instances are destroyed none may be left. The
 * server has an allocator of its own whose bytes must all come back too. What only fs has
 * is in fs_share_test.c (fs_test.h).
 */
#include "fs_test.h"

/* ---- the server's environment (its own allocator) ---- */

static long long srv_live;

static void *s_alloc(void *ctx, size_t size)
{
    size_t *p = malloc(size + 16);
    if (!p)
        return NULL;
    p[0] = size;
    srv_live += (long long)size;
    memset(p + 2, 0x5a, size);
    return p + 2;
}

static void s_free(void *ctx, void *ptr, size_t size)
{
    size_t *p = (size_t *)ptr - 2;
    if (p[0] != size) {
        fprintf(stderr, "server: free of %zu bytes with size %zu\n", p[0], size);
        abort();
    }
    srv_live -= (long long)size;
    free(p);
}

static uint64_t s_now(void *ctx)
{
    return tl_clock_ns;
}

static const struct vfs_env srv_env = {.alloc = s_alloc, .free = s_free, .now_ns = s_now};

/* ---- loopback sessions ---- */

struct fs_server *server;
struct loop loops[4] = {{.label = ""}, {.label = "other"}, {.label = "ro"}, {.label = "sub"}};
#define NLOOPS (sizeof loops / sizeof loops[0])

static void count_ref(struct loop *l, struct ref *refs, unsigned *n, uint64_t num, long d)
{
    unsigned i;
    for (i = 0; i < *n; i++)
        if (refs[i].num == num)
            break;
    if (i == *n) {
        if (*n == MAX_REFS) {
            l->bad_release = true;
            return;
        }
        refs[(*n)++] = (struct ref){num, 0};
    }
    refs[i].count += d;
    if (refs[i].count < 0)
        l->bad_release = true;
}

/* What the client holds of num (node or handle). */
long held(const struct ref *refs, unsigned n, uint64_t num)
{
    unsigned i;
    for (i = 0; i < n; i++)
        if (refs[i].num == num)
            return refs[i].count;
    return 0;
}

/* The transport: called by the plugin with the buffer's lock held. */
static int loop_call(void *ctx, struct fs_msg *m)
{
    struct loop *l = ctx;
    uint64_t op = m->op;
    if (l->gone)
        return -EIO;
    l->calls[op <= FS_OP_COUNT ? op : FS_OP_COUNT]++;
    if (l->answer_eio) {
        memset(m->r, 0, sizeof m->r);
        m->r[0] = -EIO;
        return 0;
    }
    if (op == FS_OPEN && m->a[2]) /* a close put off: the server does it first */
        count_ref(l, l->handles, &l->nhandles, m->a[2], -1);
    fs_server_handle(server, l->ss, m, l->buf);
    if (m->r[0] < 0)
        return 0;
    switch (op) {
    case FS_READ:
        l->reads_no_data += m->r[2] == 1;
        break;
    case FS_REFS: /* as the ACQUIRE, DUP, RELEASE and CLOSE of each number done */
        for (uint64_t i = 0; i < m->a[0] + m->a[1]; i++) {
            uint64_t num = ((const uint64_t *)(const void *)l->buf->data)[i];
            bool node = i < m->a[0];
            int d = m->a[2] == FS_REFS_GIVE ? -1 : 1;
            if (!num)
                continue;
            count_ref(l, node ? l->nodes : l->handles, node ? &l->nnodes : &l->nhandles, num, d);
            if (d > 0 && node && l->nacquired < MAX_REFS)
                l->acquired[l->nacquired++] = num;
            if (d > 0 && !node && l->ndupped < MAX_REFS)
                l->dupped[l->ndupped++] = num;
        }
        break;
    case FS_ATTACH: /* the session's own reference (fs-protocol.md): the client's none */
        break;
    case FS_LOOKUP:
    case FS_CREATE:
        count_ref(l, l->nodes, &l->nnodes, (uint64_t)m->r[0], 1);
        break;
    case FS_ACQUIRE:
        count_ref(l, l->nodes, &l->nnodes, m->a[0], 1);
        if (l->nacquired < MAX_REFS)
            l->acquired[l->nacquired++] = m->a[0];
        break;
    case FS_RELEASE:
        count_ref(l, l->nodes, &l->nnodes, m->a[0], -1);
        break;
    case FS_OPEN:
        count_ref(l, l->handles, &l->nhandles, (uint64_t)m->r[0], 1);
        break;
    case FS_DUP:
        count_ref(l, l->handles, &l->nhandles, m->a[0], 1);
        if (l->ndupped < MAX_REFS)
            l->dupped[l->ndupped++] = m->a[0];
        break;
    case FS_CLOSE:
        count_ref(l, l->handles, &l->nhandles, m->a[0], -1);
        break;
    }
    return 0;
}

/* A request of the test's own on a session (as another holder of it would send). */
int64_t loop_request(struct loop *l, uint64_t op, uint64_t a0)
{
    struct fs_msg m = {.op = op, .a = {a0}};
    if (loop_call(l, &m) < 0)
        return -EIO;
    return m.r[0];
}

static struct loop *loop_named(const char *label)
{
    size_t i;
    for (i = 0; i < NLOOPS; i++)
        if (strcmp(loops[i].label, label) == 0)
            return &loops[i];
    return NULL;
}

/* Views for the plugin (fs_transport.view): a memory object's number is its address
 * (test_mem_create, fs_share_test.c), so a view is the server's memory itself. */
unsigned views_live;
uint64_t viewed[VIEWED_MAX];

static const void *loop_view(void *ctx, uint64_t mem, uint64_t pages)
{
    views_live++;
    for (unsigned i = 0; i < VIEWED_MAX; i++)
        if (!viewed[i]) {
            viewed[i] = mem;
            break;
        }
    return (const void *)(uintptr_t)mem;
}

static void *loop_view_rw(void *ctx, uint64_t mem, uint64_t pages)
{
    return (void *)(uintptr_t)loop_view(ctx, mem, pages);
}

static void loop_unview(void *ctx, uint64_t mem, const void *at, uint64_t pages)
{
    if (!at)
        return;
    views_live--;
    for (unsigned i = 0; i < VIEWED_MAX; i++)
        if (viewed[i] == mem) {
            viewed[i] = 0;
            break;
        }
}

/* env->session: "" and "other" are sessions on the server's root, "ro" a read-only one,
 * "sub" one confined to /sub; "refuse" is refused. */
static uint64_t last_quota; /* what the last session was asked to donate */

static int t_session(void *ctx, const char *service, const char *label, uint64_t quota,
                     struct fs_transport *out)
{
    last_quota = quota;
    struct loop *l = loop_named(label);
    int rc;
    if (strcmp(service, "File_system") != 0 || !l)
        return -EPERM;
    if (!l->open) {
        rc = fs_session_open(server, strcmp(label, "sub") == 0 ? "/sub" : "/",
                             strcmp(label, "ro") != 0, 1ull << 30, &l->ss);
        if (rc < 0)
            return rc;
        l->open = true;
    }
    out->ctx = l;
    out->buf = l->buf;
    out->call = loop_call;
    out->view = loop_view;
    out->view_rw = loop_view_rw;
    out->unview = loop_unview;
    return 0;
}

/* ---- building vfs instances ---- */

static struct vfs *made[8];
static unsigned nmade;

static int build(const char *text, bool with_session, struct vfs **out, struct cfg_error *err)
{
    static char wrapped[4096], arena_mem[1 << 16];
    struct cfg_arena arena = {.base = arena_mem, .size = sizeof arena_mem};
    struct vfs_env env = tl_env;
    struct cfg_node *root;
    int rc;
    if (with_session)
        env.session = t_session;
    snprintf(wrapped, sizeof wrapped, "vfs {\n%s\n}\n", text);
    rc = cfg_parse("test.cfg", wrapped, strlen(wrapped), &arena, &root, err);
    if (rc < 0)
        return -1000 + rc;
    return vfs_create(&env, vfs_plugins_all, vfs_plugins_all_count, cfg_first(root, "vfs"), 256,
                      out, err);
}

/* A vfs (destroyed at the end of the case, before the server), or NULL. */
struct vfs *mk(const char *text)
{
    struct cfg_error err;
    struct vfs *v = NULL;
    char msg[256];
    int rc = build(text, true, &v, &err);
    if (rc < 0) {
        cfg_format_error(&err, msg, sizeof msg);
        tl_fail(0, "vfs_create failed (%d): %s", rc, msg);
        return NULL;
    }
    if (nmade < 8)
        made[nmade++] = v;
    return v;
}

static const char *mk_error(const char *text, bool with_session)
{
    static char msg[256];
    struct cfg_error err;
    struct vfs *v = NULL;
    int rc = build(text, with_session, &v, &err);
    if (rc == 0) {
        if (nmade < 8)
            made[nmade++] = v;
        tl_fail(0, "the configuration was accepted");
        return NULL;
    }
    cfg_format_error(&err, msg, sizeof msg);
    return msg;
}

/* ---- the case runner ---- */

void (*body)(void);
const struct vfs_plugin *server_plugin;

static void setup(void)
{
    static char arena_mem[4096];
    struct cfg_arena arena = {.base = arena_mem, .size = sizeof arena_mem};
    struct cfg_node *root;
    struct cfg_error err;
    size_t i;
    srv_live = 0;
    if (cfg_parse("server.cfg", "ram\n", 4, &arena, &root, &err) < 0 ||
        fs_server_create(&srv_env, server_plugin ? server_plugin : &vfs_plugin_ram,
                         cfg_first(root, "ram"), &server, &err) < 0) {
        fprintf(stderr, "cannot make the server\n");
        abort();
    }
    fs_server_set_coherent(server); /* as ram_fs: clients keep names and attributes */
    for (i = 0; i < NLOOPS; i++) {
        const char *label = loops[i].label;
        memset(&loops[i], 0, sizeof loops[i]);
        loops[i].label = label;
        loops[i].buf = aligned_alloc(4096, sizeof *loops[i].buf);
        memset(loops[i].buf, 0, sizeof *loops[i].buf);
    }
}

static void teardown(void)
{
    unsigned i, j;
    for (i = 0; i < nmade; i++)
        vfs_destroy(made[i]);
    nmade = 0;
    for (i = 0; i < NLOOPS; i++) {
        struct loop *l = &loops[i];
        if (!tl_failed && !l->skip_refs) {
            if (l->bad_release)
                tl_fail(0, "session '%s': a reference was given back that was not held", l->label);
            for (j = 0; j < l->nnodes; j++)
                if (l->nodes[j].count)
                    tl_fail(0, "session '%s': node %#llx still held %ld times", l->label,
                            (unsigned long long)l->nodes[j].num, l->nodes[j].count);
            for (j = 0; j < l->nhandles; j++)
                if (l->handles[j].count)
                    tl_fail(0, "session '%s': handle %#llx still held %ld times", l->label,
                            (unsigned long long)l->handles[j].num, l->handles[j].count);
        }
        if (!tl_failed && l->buf->lock)
            tl_fail(0, "session '%s': the buffer is still locked", l->label);
        if (l->open)
            fs_session_close(l->ss);
        free(l->buf);
    }
    fs_server_destroy(server);
    server = NULL;
    if (!tl_failed && srv_live != 0)
        tl_fail(0, "%lld server bytes still allocated after the case", srv_live);
}

void wrapped(void)
{
    setup();
    body();
    teardown();
}

/* ---- cases ---- */

static void files_and_offsets(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    static char big[200000], back[200000];
    struct linux_stat st, dst;
    struct linux_statfs sf;
    struct linux_iovec iov[2];
    char buf[64];
    unsigned writes, reads;
    int fd, fd2, dfd;
    size_t i;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR | O_CREAT, 0666);
    CHECK(fd >= 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0644);
    CHECK_INT(st.st_size, 0);
    CHECK_INT(st.st_nlink, 1);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp", &dst, 0), 0);
    CHECK_INT(st.st_dev, dst.st_dev);
    CHECK(st.st_ino != dst.st_ino && st.st_ino != 0);
    CHECK_INT(vfs_write(v, fd, "hello", 5), 5);
    CHECK_INT(vfs_write(v, fd, " world", 6), 6);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), 11);
    CHECK_INT(vfs_pread(v, fd, buf, 5, 6), 5);
    CHECK(memcmp(buf, "world", 5) == 0);
    CHECK_INT(vfs_pwrite(v, fd, "HE", 2, 0), 2);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), 11); /* pread and pwrite leave the offset */
    CHECK_INT(vfs_lseek(v, fd, -5, SEEK_END), 6);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 5);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), 0);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 11);
    CHECK(memcmp(buf, "HEllo world", 11) == 0);
    CHECK_INT(vfs_lseek(v, fd, -1, SEEK_SET), -EINVAL);
    CHECK_INT(vfs_lseek(v, fd, 0, 7), -EINVAL);
    CHECK_INT(vfs_ftruncate(v, fd, 4), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_size, 4);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_DATA), 0);
    CHECK_INT(vfs_lseek(v, fd, 1, SEEK_HOLE), 4);
    CHECK_INT(vfs_lseek(v, fd, 4, SEEK_DATA), -ENXIO);
    CHECK_INT(vfs_truncate(v, "/tmp/f", 8), 0);
    CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 0), 8);
    CHECK(memcmp(buf, "HEll\0\0\0\0", 8) == 0);
    CHECK_INT(vfs_ioctl(v, fd, FIONREAD, &i), 0);
    /* O_APPEND goes to the end whatever the offset */
    fd2 = vfs_openat(v, AT_FDCWD, "/tmp/f", O_WRONLY | O_APPEND, 0);
    CHECK(fd2 >= 0);
    CHECK_INT(vfs_write(v, fd2, "xy", 2), 2);
    CHECK_INT(vfs_lseek(v, fd2, 0, SEEK_CUR), 10);
    CHECK_INT(vfs_fcntl(v, fd2, F_GETFL, 0), O_WRONLY | O_APPEND | O_LARGEFILE);
    CHECK_INT(vfs_fcntl(v, fd2, F_SETFL, 0), 0);
    CHECK_INT(vfs_pwrite(v, fd2, "Z", 1, 0), 1);
    CHECK_STR(tl_read(v, "/tmp/f", NULL), "ZEll");
    CHECK_INT(vfs_close(v, fd2), 0);
    /* readv and writev at the handle's offset */
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), 0);
    iov[0] = (struct linux_iovec){"ab", 2};
    iov[1] = (struct linux_iovec){"cde", 3};
    CHECK_INT(vfs_writev(v, fd, iov, 2), 5);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), 5);
    CHECK_INT(vfs_lseek(v, fd, 1, SEEK_SET), 1);
    iov[0] = (struct linux_iovec){buf, 2};
    iov[1] = (struct linux_iovec){buf + 2, 20};
    CHECK_INT(vfs_readv(v, fd, iov, 2), 9);
    CHECK(memcmp(buf, "bcde\0\0\0xy", 9) == 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), 10);
    CHECK_INT(vfs_preadv(v, fd, iov, 2, 3), 7);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), 10);
    CHECK_INT(vfs_fsync(v, fd, false), 0);
    CHECK_INT(vfs_fsync(v, fd, true), 0);
    { /* locks are the server's (FS_LOCK); this host names no pid: no record locks */
        struct linux_flock fl = {
            .l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = -10, .l_len = 5};
        int fd3 = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
        CHECK(fd3 >= 0);
        CHECK_INT(vfs_fcntl(v, fd, F_SETLK, 0), -EFAULT);
        CHECK_INT(vfs_fcntl(v, fd, F_SETLK, (unsigned long)&fl), -ENOLCK);
        CHECK_INT(vfs_fcntl(v, fd, F_OFD_SETLK, (unsigned long)&fl), 0); /* [0, 4] */
        fl.l_whence = SEEK_SET;
        fl.l_start = 4;
        fl.l_len = 1;
        CHECK_INT(vfs_fcntl(v, fd3, F_OFD_SETLK, (unsigned long)&fl), -EAGAIN);
        CHECK_INT(vfs_fcntl(v, fd3, F_OFD_GETLK, (unsigned long)&fl), 0);
        CHECK_INT(fl.l_type, F_WRLCK);
        CHECK_INT(fl.l_start, 0);
        CHECK_INT(fl.l_len, 5);
        CHECK_INT(fl.l_pid, -1);
        fl.l_type = F_RDLCK;
        fl.l_pid = 0;
        fl.l_whence = SEEK_END;
        fl.l_start = INT64_MAX;
        CHECK_INT(vfs_fcntl(v, fd3, F_OFD_SETLK, (unsigned long)&fl), -EOVERFLOW);
        fl.l_whence = 9;
        CHECK_INT(vfs_fcntl(v, fd3, F_OFD_SETLK, (unsigned long)&fl), -EINVAL);
        fl.l_whence = SEEK_SET;
        fl.l_start = 0;
        fl.l_pid = 7;
        CHECK_INT(vfs_fcntl(v, fd3, F_OFD_SETLK, (unsigned long)&fl), -EINVAL);
        CHECK_INT(vfs_flock(v, fd3, LOCK_EX | LOCK_NB), 0); /* apart from fcntl locks */
        CHECK_INT(vfs_flock(v, fd, LOCK_SH | LOCK_NB), -EAGAIN);
        CHECK_INT(vfs_flock(v, fd, 3), -EINVAL);
        CHECK_INT(vfs_close(v, fd3), 0); /* its description's locks go with it */
        CHECK_INT(vfs_flock(v, fd, LOCK_SH | LOCK_NB), 0);
        CHECK_INT(vfs_flock(v, fd, LOCK_UN), 0);
    }
    /* transfers beyond one request: split, offsets right */
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 23);
    CHECK_INT(vfs_ftruncate(v, fd, 0), 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), 0);
    writes = l->calls[FS_WRITE];
    CHECK_INT(vfs_write(v, fd, big, sizeof big), sizeof big);
    CHECK_INT(l->calls[FS_WRITE] - writes, 4); /* 64 KiB at a time */
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), sizeof big);
    CHECK_INT(vfs_pread(v, fd, back, sizeof back, 0), sizeof back);
    CHECK(memcmp(big, back, sizeof big) == 0);
    CHECK_INT(vfs_lseek(v, fd, 1000, SEEK_SET), 1000);
    reads = l->calls[FS_READ];
    memset(back, 0, sizeof back);
    CHECK_INT(vfs_read(v, fd, back, sizeof back), sizeof back - 1000);
    CHECK_INT(l->calls[FS_READ] - reads, 4);
    CHECK(memcmp(big + 1000, back, sizeof big - 1000) == 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_CUR), sizeof big);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_size, sizeof big);
    CHECK_INT(vfs_close(v, fd), 0);
    /* directories: fsync, seek */
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/dd", 0755), 0);
    CHECK_INT(tl_write(v, "/tmp/dd/x", "x"), 0);
    dfd = vfs_openat(v, AT_FDCWD, "/tmp/dd", O_RDONLY | O_DIRECTORY, 0);
    CHECK(dfd >= 0);
    CHECK_INT(vfs_fsync(v, dfd, false), 0);
    CHECK_INT(vfs_read(v, dfd, buf, 1), -EISDIR);
    CHECK_INT(vfs_lseek(v, dfd, 0, SEEK_END), -EINVAL);
    CHECK(vfs_getdents64(v, dfd, back, sizeof back) > 0);
    CHECK_INT(vfs_getdents64(v, dfd, back, sizeof back), 0);
    CHECK_INT(vfs_lseek(v, dfd, 0, SEEK_SET), 0); /* rewinddir */
    CHECK(vfs_getdents64(v, dfd, back, sizeof back) > 0);
    CHECK_INT(vfs_fcntl(v, dfd, F_GETFL, 0), O_RDONLY | O_DIRECTORY | O_LARGEFILE);
    CHECK_INT(vfs_close(v, dfd), 0);
    CHECK_INT(vfs_statfs(v, "/tmp", &sf), 0);
    CHECK_INT(sf.f_type, TMPFS_MAGIC);
}

/* rm -r: the directory is read with a small buffer and each entry removed as it comes. */
static int remove_all(struct vfs *v, const char *dir)
{
    uint64_t bufw[16];
    int removed = 0, fd = vfs_openat(v, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0)
        return fd;
    for (;;) {
        int64_t len = vfs_getdents64(v, fd, bufw, sizeof bufw), off = 0;
        if (len < 0) {
            vfs_close(v, fd);
            return (int)len;
        }
        if (len == 0)
            break;
        while (off < len) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)((char *)bufw + off);
            if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
                if (vfs_unlinkat(v, fd, d->d_name, 0) < 0) {
                    vfs_close(v, fd);
                    return -EIO;
                }
                removed++;
            }
            off += d->d_reclen;
        }
    }
    vfs_close(v, fd);
    return removed;
}

static void directories(void)
{
    struct vfs *v = mk("dir /tmp { fs }"), *w = mk("dir /tmp { fs label=other }");
    struct linux_stat st;
    uint64_t bufw[16];
    char name[64];
    int i, dfd;
    CHECK(v && w);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0750), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0750), -EEXIST);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/d", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0750);
    CHECK_INT(st.st_nlink, 2);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d/e", 0755), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/d/e/../e/..", &st, 0), 0);
    CHECK_INT(st.st_nlink, 3);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/d", AT_REMOVEDIR), -ENOTEMPTY);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/d/e", 0), -EISDIR);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/d/e", AT_REMOVEDIR), 0);
    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "/tmp/d/file-with-a-longer-name-%03d", i);
        CHECK_INT(tl_write(v, name, "x"), 0);
    }
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/d/file-with-a-longer-name-123", &st, 0), 0);
    CHECK_INT(remove_all(v, "/tmp/d"), 300);
    CHECK_STR(tl_ls(v, "/tmp/d"), "");
    /* another client's change shows at the next read of the directory */
    CHECK_INT(tl_write(w, "/tmp/d/from-w", "w"), 0);
    CHECK_STR(tl_ls(v, "/tmp/d"), "from-w");
    CHECK_INT(tl_write(v, "/tmp/d/from-v", "v"), 0);
    CHECK_STR(tl_ls_sorted(w, "/tmp/d"), "from-v from-w");
    CHECK_INT(vfs_chdir(v, "/tmp/d"), 0);
    CHECK_INT(vfs_unlinkat(w, AT_FDCWD, "/tmp/d/from-v", 0), 0);
    CHECK_INT(vfs_unlinkat(w, AT_FDCWD, "/tmp/d/from-w", 0), 0);
    CHECK_INT(vfs_unlinkat(w, AT_FDCWD, "/tmp/d", AT_REMOVEDIR), 0);
    /* the working directory removed by another client */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, ".", &st, 0), 0);
    CHECK_INT(st.st_nlink, 0);
    dfd = vfs_openat(v, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0);
    CHECK(dfd >= 0);
    CHECK_INT(vfs_getdents64(v, dfd, bufw, sizeof bufw), -ENOENT);
    CHECK_INT(vfs_close(v, dfd), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "..", &st, 0), 0);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "x", O_WRONLY | O_CREAT, 0644), -ENOENT);
    CHECK_INT(vfs_chdir(v, "/"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/d", &st, 0), -ENOENT);
    /* ".." of the root of the mount is the composition's */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/..", &st, 0), 0);
}

static void rename_link_symlink(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct linux_stat a, b;
    char buf[64];
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/a", "A"), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/b", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/a", &a, 0), -ENOENT);
    CHECK_STR(tl_read(v, "/tmp/b", NULL), "A");
    CHECK_INT(tl_write(v, "/tmp/c", "C"), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/b", AT_FDCWD, "/tmp/c", 0), 0);
    CHECK_STR(tl_read(v, "/tmp/c", NULL), "A");
    CHECK_INT(tl_write(v, "/tmp/d", "D"), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/c", AT_FDCWD, "/tmp/d", RENAME_NOREPLACE), -EEXIST);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/c", AT_FDCWD, "/tmp/d", RENAME_EXCHANGE), 0);
    CHECK_STR(tl_read(v, "/tmp/c", NULL), "D");
    CHECK_STR(tl_read(v, "/tmp/d", NULL), "A");
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/dir", 0755), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/dir/sub", 0755), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/dir", AT_FDCWD, "/tmp/dir/sub/x", 0), -EINVAL);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/c", AT_FDCWD, "/tmp/dir", 0), -EISDIR);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/dir/sub", AT_FDCWD, "/tmp/sub", 0), 0);
    CHECK_STR(tl_ls_sorted(v, "/tmp"), "c d dir sub");
    /* hard links: one inode, link counts */
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/dir/e", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/d", &a, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/dir/e", &b, 0), 0);
    CHECK_INT(a.st_ino, b.st_ino);
    CHECK_INT(b.st_nlink, 2);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/dir", AT_FDCWD, "/tmp/dir2", 0), -EPERM);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/c", 0), -EEXIST);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/d", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/dir/e", &b, 0), 0);
    CHECK_INT(b.st_nlink, 1);
    /* rename of two names of one file does nothing */
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/dir/e", AT_FDCWD, "/tmp/e2", 0), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/dir/e", AT_FDCWD, "/tmp/e2", 0), 0);
    CHECK_STR(tl_ls_sorted(v, "/tmp/dir"), "e");
    /* symlinks */
    CHECK_INT(vfs_symlinkat(v, "dir/e", AT_FDCWD, "/tmp/s"), 0);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/tmp/s", buf, sizeof buf), 5);
    CHECK(memcmp(buf, "dir/e", 5) == 0);
    CHECK_INT(vfs_readlinkat(v, AT_FDCWD, "/tmp/s", buf, 2), 2);
    CHECK_STR(tl_read(v, "/tmp/s", NULL), "A");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/s", &a, AT_SYMLINK_NOFOLLOW), 0);
    CHECK_INT(a.st_mode & S_IFMT, S_IFLNK);
    CHECK_INT(a.st_size, 5);
    CHECK_INT(vfs_symlinkat(v, "/tmp/dir", AT_FDCWD, "/tmp/sd"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/sd/", &a, 0), 0);
    CHECK_INT(a.st_mode & S_IFMT, S_IFDIR);
    CHECK_STR(tl_read(v, "/tmp/sd/e", NULL), "A");
    CHECK_INT(vfs_symlinkat(v, "nowhere", AT_FDCWD, "/tmp/dangling"), 0);
    CHECK_INT(tl_write(v, "/tmp/dangling", "made"), 0); /* O_CREAT makes the target */
    CHECK_STR(tl_read(v, "/tmp/nowhere", NULL), "made");
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/s", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
}

static void attributes(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct linux_timespec ts[2] = {{1000, 5}, {2000, 7}};
    struct linux_stat st;
    int fd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "data"), 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/tmp/f", 0600, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0600);
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/tmp/f", ts, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_atim.tv_sec, 1000);
    CHECK_INT(st.st_atim.tv_nsec, 5);
    CHECK_INT(st.st_mtim.tv_sec, 2000);
    CHECK_INT(st.st_mtim.tv_nsec, 7);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1] = (struct linux_timespec){3000, 0};
    CHECK_INT(vfs_utimensat(v, AT_FDCWD, "/tmp/f", ts, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_atim.tv_sec, 1000);
    CHECK_INT(st.st_mtim.tv_sec, 3000);
    CHECK_INT(vfs_fchownat(v, AT_FDCWD, "/tmp/f", 12, 34, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_uid, 12);
    CHECK_INT(st.st_gid, 34);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_fchmod(v, fd, 04755), 0);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode, S_IFREG | 04755);
    CHECK_INT(vfs_close(v, fd), 0);
    /* the core's permission checks see the server's attributes */
    vfs_set_ids(v, 99, 99);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/tmp/f", 0644, 0), -EPERM);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/f", O_WRONLY, 0), -EACCES);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/tmp/f", R_OK, 0), 0);
    /* new files get the caller's identity as their owner */
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/tmp", 01777, 0), -EPERM);
    vfs_set_ids(v, 0, 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/tmp", 01777, 0), 0);
    vfs_set_ids(v, 99, 98);
    CHECK_INT(tl_write(v, "/tmp/mine", "m"), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/mine", &st, 0), 0);
    CHECK_INT(st.st_uid, 99);
    CHECK_INT(st.st_gid, 98);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/md", 0700), 0);
    CHECK_INT(tl_write(v, "/tmp/md/x", "x"), 0);
    CHECK_STR(tl_read(v, "/tmp/md/x", NULL), "x");
    vfs_set_ids(v, 0, 0);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/tmp/f", 0644, AT_SYMLINK_NOFOLLOW), 0);
}

static void unlinked_while_open(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct linux_stat st;
    char buf[16];
    int fd, fd2;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "hello"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fd >= 0);
    fd2 = vfs_dup(v, fd);
    CHECK(fd2 >= 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/f", 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_nlink, 0);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_END), 5);
    CHECK_INT(vfs_write(v, fd, " world", 6), 6);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_lseek(v, fd2, 0, SEEK_CUR), 11); /* dup shares the offset */
    CHECK_INT(vfs_pread(v, fd2, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_INT(vfs_linkat(v, fd2, "", AT_FDCWD, "/tmp/back", AT_EMPTY_PATH), -ENOENT);
    CHECK_INT(tl_write(v, "/tmp/f", "other"), 0);
    CHECK_INT(vfs_pread(v, fd2, buf, sizeof buf, 0), 11);
    CHECK_INT(vfs_close(v, fd2), 0);
    CHECK_STR(tl_read(v, "/tmp/f", NULL), "other");
}

static void other_mounts(void)
{
    struct vfs *v = mk("dir /tmp { fs }\ndir /other { fs label=other }\ndir /r { ram }\n"
                       "dir /sub { fs label=sub }");
    struct linux_stat a, b;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "x"), 0);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/f", AT_FDCWD, "/r/f", 0), -EXDEV);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/f", AT_FDCWD, "/r/f", 0), -EXDEV);
    CHECK_INT(vfs_renameat2(v, AT_FDCWD, "/tmp/f", AT_FDCWD, "/other/g", 0), -EXDEV);
    CHECK_INT(vfs_linkat(v, AT_FDCWD, "/tmp/f", AT_FDCWD, "/other/g", 0), -EXDEV);
    /* two mounts of one server tree: the same files, different devices */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &a, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/other/f", &b, 0), 0);
    CHECK_INT(a.st_ino, b.st_ino);
    CHECK(a.st_dev != b.st_dev);
    /* a session confined to /sub (made by the server): .. of its root is its root */
    CHECK_INT(tl_write(v, "/sub/in-sub", "s"), 0);
    CHECK_STR(tl_read(v, "/tmp/sub/in-sub", NULL), "s");
    CHECK_STR(tl_ls_sorted(v, "/sub"), "in-sub");
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/sub/..", &a, 0), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/", &b, 0), 0);
    CHECK_INT(a.st_ino, b.st_ino); /* the walk's "..", not the server's */
}

static void read_only_session(void)
{
    struct vfs *v = mk("dir /tmp { fs }\ndir /ro { fs label=ro }");
    struct linux_statfs sf;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "x"), 0);
    CHECK_STR(tl_read(v, "/ro/f", NULL), "x");
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/ro/f", O_WRONLY, 0), -EROFS);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/ro/d", 0755), -EROFS);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/ro/f", 0), -EROFS);
    CHECK_INT(vfs_faccessat(v, AT_FDCWD, "/ro/f", W_OK, 0), -EROFS);
    CHECK_INT(vfs_statfs(v, "/ro", &sf), 0);
    CHECK(sf.f_flags & ST_RDONLY);
}

static void configuration(void)
{
    CHECK_CONTAINS(mk_error("dir /tmp { fs }", false), "test.cfg:2:");
    CHECK_CONTAINS(mk_error("dir /tmp { fs }", false), "no File_system sessions");
    CHECK_CONTAINS(mk_error("dir /tmp { fs label=refuse }", true), "test.cfg:2:");
    CHECK_CONTAINS(mk_error("dir /tmp { fs label=refuse }", true), "label 'refuse'");
    CHECK_CONTAINS(mk_error("dir /tmp { fs x }", true), "unexpected value 'x'");
    CHECK_CONTAINS(mk_error("dir /tmp { fs size=1 }", true), "unknown property 'size'");
    CHECK_CONTAINS(mk_error("dir /tmp { fs quota=lots }", true), "test.cfg:2:");
    CHECK_CONTAINS(mk_error("dir /tmp { fs quota=lots }", true), "quota: expected a size");
    CHECK_CONTAINS(mk_error("dir /tmp { fs quota=4K }", true), "of 1M or more");
    /* quota= is what the session donates; none: the host's default (0) */
    CHECK(mk("dir /tmp { fs label=other quota=96M }") != NULL);
    CHECK_INT(last_quota, 96ul << 20);
    CHECK(mk("dir /tmp2 { fs label=other }") != NULL);
    CHECK_INT(last_quota, 0);
}

/*
 * Fork as the runtime makes it: the child's vfs is a copy holding the parent's handle.
 * Simulated with two vfs instances on one session: the second's description adopts the
 * first's handle with a reference of its own (what vfs_fs_after_fork takes in a child).
 */

int main(void)
{
    RUN_FS(files_and_offsets);
    RUN_FS(directories);
    RUN_FS(rename_link_symlink);
    RUN_FS(attributes);
    RUN_FS(unlinked_while_open);
    RUN_FS(other_mounts);
    RUN_FS(read_only_session);
    RUN_FS(configuration);
    fs_share_cases();
    fs_mirror_cases();
    return tl_finish();
}
