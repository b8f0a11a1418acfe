/*
 * Host tests of the fs plugin, part of fs_test (fs_test.h): what only fs has: two vfs
 * instances sharing one session and one handle (fork), appends from two threads, the
 * after-fork references, names kept coherent, a server that fails and one that is gone,
 * mapped files and the views of their memory.
 */
#include "fs_test.h"

static void shared_description(void)
{
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    char buf[64];
    uint64_t h;
    int fa, fb;
    CHECK(a && b);
    CHECK_INT(tl_write(a, "/tmp/f", ""), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fa >= 0 && fb >= 0);
    h = vfs_fs_file_handle(vfs_fd_file(a, fa));
    CHECK(h != 0);
    CHECK(vfs_fs_file_handle(vfs_fd_file(b, fb)) != h);
    CHECK_INT(loop_request(l, FS_DUP, h), 0);
    CHECK_INT(vfs_fs_file_adopt(vfs_fd_file(b, fb), h), 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 2);
    /* one offset: (echo a; echo b) > f */
    CHECK_INT(vfs_write(a, fa, "one ", 4), 4);
    CHECK_INT(vfs_write(b, fb, "two ", 4), 4);
    CHECK_INT(vfs_lseek(a, fa, 0, SEEK_CUR), 8);
    CHECK_STR(tl_read(a, "/tmp/f", NULL), "one two ");
    CHECK_INT(vfs_lseek(b, fb, 0, SEEK_SET), 0);
    CHECK_INT(vfs_read(a, fa, buf, 3), 3);
    CHECK_INT(vfs_lseek(b, fb, 0, SEEK_CUR), 3);
    /* one set of status flags */
    CHECK_INT(vfs_fcntl(a, fa, F_SETFL, O_APPEND), 0);
    CHECK_INT(vfs_fcntl(b, fb, F_GETFL, 0) & O_APPEND, O_APPEND);
    CHECK_INT(vfs_write(b, fb, "end", 3), 3);
    CHECK_STR(tl_read(b, "/tmp/f", NULL), "one two end");
    CHECK_INT(vfs_lseek(a, fa, 0, SEEK_CUR), 11);
    CHECK_INT(vfs_fcntl(b, fb, F_SETFL, 0), 0);
    CHECK_INT(vfs_fcntl(a, fa, F_GETFL, 0) & O_APPEND, 0);
    /* the "child" exits: the description lives on in the parent */
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 1);
    CHECK_INT(vfs_write(a, fa, "!", 1), 1);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 0);
    CHECK_STR(tl_read(a, "/tmp/f", NULL), "one two end!");
    CHECK_INT(vfs_fs_file_adopt(vfs_fd_file(a, 0), 5), -EINVAL); /* no such descriptor */
}

/* A description passed to another holder of the session (SCM_RIGHTS): in flight it
 * keeps the file after the sender's close; the receiver's is the same description. */
static void passed_description(void)
{
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    struct vfs_file *f = NULL;
    const void *ctx = NULL;
    uint64_t h = 0, n = 0, h2, n2;
    char buf[8] = {0};
    int fa, fb, d;
    CHECK(a && b);
    CHECK_INT(tl_write(a, "/tmp/f", "0123456789"), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fa >= 0);
    CHECK_INT(vfs_lseek(a, fa, 2, SEEK_SET), 2);
    CHECK_INT(vfs_fs_file_pass(vfs_fd_file(a, fa), &ctx, &h, &n), 0);
    CHECK(h == vfs_fs_file_handle(vfs_fd_file(a, fa)) && n != 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 2);
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/f", 0), 0);
    CHECK_INT(vfs_close(a, fa), 0); /* in flight: the file stays */
    CHECK_INT(held(l->handles, l->nhandles, h), 1);
    CHECK_INT(vfs_fs_file_receive(b, (const void *)&h, h, n, O_RDWR, &f), -ENOENT);
    CHECK_INT(vfs_fs_file_receive(b, ctx, h, n, O_RDWR, &f), 0);
    fb = vfs_install_fd(b, f, 0, false);
    CHECK(fb >= 0);
    CHECK_INT(vfs_read(b, fb, buf, 3), 3);
    CHECK_STR(buf, "234");
    CHECK_INT(vfs_fcntl(b, fb, F_GETFL, 0) & O_ACCMODE, O_RDWR);
    /* passed back and dropped on the way: both references come back */
    CHECK_INT(vfs_fs_file_pass(vfs_fd_file(b, fb), &ctx, &h2, &n2), 0);
    CHECK(h2 == h);
    CHECK_INT(held(l->handles, l->nhandles, h), 2);
    vfs_fs_file_unpass(vfs_fd_file(b, fb), h2, n2);
    CHECK_INT(held(l->handles, l->nhandles, h), 1);
    /* a directory has no handle: its node travels, the receiver reads it */
    CHECK_INT(vfs_mkdirat(a, AT_FDCWD, "/tmp/d", 0755), 0);
    CHECK_INT(tl_write(a, "/tmp/d/in", "x"), 0);
    d = vfs_openat(a, AT_FDCWD, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK_INT(vfs_fs_file_pass(vfs_fd_file(a, d), &ctx, &h2, &n2), 0);
    CHECK(h2 == 0 && n2 != 0);
    CHECK_INT(vfs_close(a, d), 0);
    CHECK_INT(vfs_fs_file_receive(b, ctx, 0, n2, O_RDONLY | O_DIRECTORY, &f), 0);
    d = vfs_install_fd(b, f, 0, false);
    CHECK(d >= 0);
    CHECK_STR(tl_read(b, "/tmp/d/in", NULL), "x");
    CHECK(vfs_openat(b, d, "in", O_RDONLY, 0) >= 0);
    CHECK_INT(vfs_close(b, d), 0);
    /* a file without a handle: refused, the reference given back */
    CHECK_INT(loop_request(l, FS_ACQUIRE, n), 0);
    CHECK_INT(vfs_fs_file_receive(b, ctx, 0, n, O_RDONLY, &f), -EINVAL);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 0);
}

/* Two threads (two "processes", each with its own vfs) append records through one
 * session; every record must land whole (the buffer's lock, held for a whole transfer). */
struct appender {
    struct vfs *v;
    int fd; /* opened and closed by the main thread: only writes run in parallel */
    char c;
    int rc;
};

#define APPENDS 60
#define RECORD_SMALL 100
#define RECORD_BIG 70000 /* two requests */

static void *append_thread(void *arg)
{
    static char recs[2][RECORD_BIG];
    struct appender *p = arg;
    char *rec = recs[p->c == 'b'];
    int i;
    memset(rec, p->c, RECORD_BIG);
    for (i = 0; i < APPENDS; i++) {
        size_t n = i % 4 == 0 ? RECORD_BIG : RECORD_SMALL;
        int64_t r = vfs_write(p->v, p->fd, rec, n);
        if (r != (int64_t)n) {
            p->rc = r < 0 ? (int)r : -EIO;
            break;
        }
    }
    return NULL;
}

static void atomic_appends(void)
{
    static char data[2 * APPENDS * RECORD_BIG];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs }");
    struct appender pa = {a, -1, 'a', 0}, pb = {b, -1, 'b', 0};
    pthread_t ta, tb;
    struct linux_stat st;
    int64_t off = 0, got;
    int fd;
    CHECK(a && b);
    CHECK_INT(tl_write(a, "/tmp/log", ""), 0);
    pa.fd = vfs_openat(a, AT_FDCWD, "/tmp/log", O_WRONLY | O_APPEND, 0);
    pb.fd = vfs_openat(b, AT_FDCWD, "/tmp/log", O_WRONLY | O_APPEND, 0);
    CHECK(pa.fd >= 0 && pb.fd >= 0);
    CHECK_INT(pthread_create(&ta, NULL, append_thread, &pa), 0);
    CHECK_INT(pthread_create(&tb, NULL, append_thread, &pb), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_INT(vfs_close(a, pa.fd), 0);
    CHECK_INT(vfs_close(b, pb.fd), 0);
    CHECK_INT(pa.rc, 0);
    CHECK_INT(pb.rc, 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/log", &st, 0), 0);
    CHECK_INT(st.st_size, 2 * (APPENDS / 4 * RECORD_BIG + (APPENDS - APPENDS / 4) * RECORD_SMALL));
    fd = vfs_openat(a, AT_FDCWD, "/tmp/log", O_RDONLY, 0);
    CHECK(fd >= 0);
    got = vfs_read(a, fd, data, sizeof data);
    vfs_close(a, fd);
    CHECK_INT(got, st.st_size);
    while (off < got) {
        int64_t run = 1;
        char c = data[off];
        while (off + run < got && data[off + run] == c)
            run++;
        /* a run is whole records of one writer: small ones, or one big one (and small) */
        if ((c != 'a' && c != 'b') ||
            (run % RECORD_SMALL != 0 && (run - RECORD_BIG) % RECORD_SMALL != 0)) {
            tl_fail(__LINE__, "a record was cut: a run of %lld '%c' at %lld", (long long)run, c,
                    (long long)off);
            return;
        }
        off += run;
    }
}

static void after_fork_references(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    unsigned i, nodes = 0, handles = 0;
    int fd, fd2;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0755), 0);
    CHECK_INT(vfs_chdir(v, "/tmp/d"), 0);
    CHECK_INT(tl_write(v, "/tmp/d/f", "x"), 0);
    fd = vfs_openat(v, AT_FDCWD, "f", O_RDONLY, 0);
    fd2 = vfs_openat(v, AT_FDCWD, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0 && fd2 >= 0);
    for (i = 0; i < l->nnodes; i++)
        nodes += l->nodes[i].count > 0;
    for (i = 0; i < l->nhandles; i++)
        handles += l->handles[i].count > 0;
    CHECK_INT(nodes, 2); /* d (working directory, open), f (open); the root's reference
                          * is the session's (FS_ATTACH), which a fork child does not take */
    CHECK_INT(handles, 1);
    l->nacquired = l->ndupped = 0;
    vfs_fs_after_fork(v);
    CHECK_INT(l->nacquired, nodes);
    CHECK_INT(l->ndupped, handles);
    for (i = 0; i < l->nnodes; i++)
        CHECK(l->nodes[i].count == 0 || l->nodes[i].count == 2);
    /* the child ends: what it gives back is what after_fork took */
    for (i = 0; i < l->nacquired; i++)
        CHECK_INT(loop_request(l, FS_RELEASE, l->acquired[i]), 0);
    for (i = 0; i < l->ndupped; i++)
        CHECK_INT(loop_request(l, FS_CLOSE, l->dupped[i]), 0);
    /* the parent goes on */
    CHECK_STR(tl_read(v, "f", NULL), "x");
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, fd2), 0);
}

/* A process that ends gives back every server reference it holds (vfs_fs_exit): the
 * nodes the VFS keeps (the root, the working directory, an open directory) and the
 * handles of descriptors still open, not only what its name cache kept: an ended fork
 * child used to leave its root's reference in each server it shared with its parent. */
/* A description whose handle is another process's (a vfork child's new domain holds its
 * parent's program file): no reference is taken at fork, its close sends nothing. */
static void forgotten_handle(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/prog", "x"), 0);
    int fd = vfs_openat(v, AT_FDCWD, "/tmp/prog", O_RDONLY, 0);
    CHECK(fd >= 0);
    struct vfs_file *f = vfs_fd_file(v, fd);
    uint64_t h = vfs_fs_file_handle(f);
    CHECK(h != 0);
    vfs_fs_file_forget(f);
    CHECK_INT(vfs_fs_file_handle(f), 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(tl_write(v, "/tmp/other", "y"), 0);   /* an open: it would carry a put-off close */
    vfs_fs_exit(v);                                 /* and the exit's batch gives back the rest */
    CHECK_INT(held(l->handles, l->nhandles, h), 1); /* the other process's, untouched */
    CHECK_INT(loop_request(l, FS_CLOSE, h), 0);     /* (which it gives back itself) */
}

static void exit_gives_back(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    unsigned i, held = 0;
    CHECK(v);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0755), 0);
    CHECK_INT(vfs_chdir(v, "/tmp/d"), 0);
    CHECK_INT(tl_write(v, "/tmp/d/f", "x"), 0);
    int fd = vfs_openat(v, AT_FDCWD, "f", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK(vfs_openat(v, AT_FDCWD, "/tmp/d", O_RDONLY | O_DIRECTORY, 0) >= 0);
    /* as the runtime ends a process: its descriptors close first, and what they held
     * (handles, and nodes no one else here holds) goes with the one FS_REFS at the end */
    CHECK_INT(tl_write(v, "/tmp/d/g", "y"), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/d/g", 0), 0); /* no kept names: the */
    vfs_fs_exit_begin(v);                                   /* descriptor alone holds f's node */
    unsigned before = l->calls[FS_RELEASE] + l->calls[FS_CLOSE] + l->calls[FS_REFS];
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_chdir(v, "/"), 0);
    CHECK_INT(l->calls[FS_RELEASE] + l->calls[FS_CLOSE] + l->calls[FS_REFS], before);
    vfs_fs_exit(v);
    CHECK_INT(l->calls[FS_RELEASE] + l->calls[FS_CLOSE] + l->calls[FS_REFS], before + 1);
    for (i = 0; i < l->nnodes; i++)
        held += l->nodes[i].count > 0;
    for (i = 0; i < l->nhandles; i++)
        held += l->handles[i].count > 0;
    CHECK_INT(held, 0);
}

/* Names and attributes kept by one client (a server whose tree only its sessions change)
 * never hide another client's change, in its own session or another: as on Linux, what a
 * call returned is seen by the next call anywhere. And a kept lookup costs no request. */
static void kept_names_coherent(void)
{
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    struct linux_stat st;
    unsigned before;
    int fd;
    CHECK(a && b);
    CHECK_INT(tl_write(b, "/tmp/f", "abc"), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_size, 3);
    before = l->calls[FS_LOOKUP] + l->calls[FS_GETATTR] + l->calls[FS_RELEASE];
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), 0); /* kept: no request */
    CHECK_INT(l->calls[FS_LOOKUP] + l->calls[FS_GETATTR] + l->calls[FS_RELEASE], before);
    /* the other session writes, renames, removes: the next call in a sees each */
    CHECK_INT(tl_write(b, "/tmp/f", "abcdef"), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_size, 6);
    fd = vfs_openat(b, AT_FDCWD, "/tmp/f", O_WRONLY | O_TRUNC, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_size, 0);
    CHECK_INT(vfs_close(b, fd), 0);
    CHECK_INT(vfs_fchmodat(b, AT_FDCWD, "/tmp/f", 0600, 0), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK_INT(vfs_renameat2(b, AT_FDCWD, "/tmp/f", AT_FDCWD, "/tmp/g", 0), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &st, 0), -ENOENT);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/g", &st, 0), 0);
    CHECK_INT(vfs_unlinkat(b, AT_FDCWD, "/tmp/g", 0), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/g", &st, 0), -ENOENT);
    CHECK_INT(tl_write(b, "/tmp/g", "new"), 0); /* a new file under the old name */
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/g", &st, 0), 0);
    CHECK_INT(st.st_size, 3);
    /* a's own removal gives back what it kept at once: nothing of the file is held */
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/g", 0), 0);
    CHECK_INT(vfs_fstatat(b, AT_FDCWD, "/tmp/g", &st, 0), -ENOENT);
}

/* A read that moves the access time (relatime: not after the last change) makes every
 * client's kept attributes stale, so the other session's stat shows the new atime; a
 * read that moves nothing keeps them (no request before the next stat or read). */
static void read_atime_coherent(void)
{
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    struct linux_stat sa, sb, s0;
    char c[4];
    unsigned before;
    int fd;
    CHECK(a && b);
    CHECK_INT(tl_write(b, "/tmp/f", "abc"), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &s0, 0), 0);
    tl_clock_ns += 1000000000; /* a second later: the read's atime differs */
    fd = vfs_openat(b, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(b, fd, c, sizeof c), 3); /* atime was not after mtime: it moves */
    CHECK_INT(vfs_fstatat(b, AT_FDCWD, "/tmp/f", &sb, 0), 0);
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &sa, 0), 0);
    CHECK(sa.st_atim.tv_sec != s0.st_atim.tv_sec || sa.st_atim.tv_nsec != s0.st_atim.tv_nsec);
    CHECK(sa.st_atim.tv_sec == sb.st_atim.tv_sec && sa.st_atim.tv_nsec == sb.st_atim.tv_nsec);
    before = l->calls[FS_LOOKUP] + l->calls[FS_GETATTR];
    CHECK_INT(vfs_pread(b, fd, c, sizeof c, 0), 3); /* now after mtime: nothing moves */
    CHECK_INT(vfs_fstatat(a, AT_FDCWD, "/tmp/f", &sa, 0), 0);
    CHECK_INT(l->calls[FS_LOOKUP] + l->calls[FS_GETATTR], before);
    CHECK(sa.st_atim.tv_sec == sb.st_atim.tv_sec && sa.st_atim.tv_nsec == sb.st_atim.tv_nsec);
    CHECK_INT(vfs_close(b, fd), 0);
}

static void server_errors(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    struct linux_stat st;
    uint64_t bufw[16];
    char buf[8];
    int fd, dfd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "data"), 0);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0755), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    dfd = vfs_openat(v, AT_FDCWD, "/tmp/d", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0 && dfd >= 0);
    l->answer_eio = true;
    l->buf->gen++; /* as after another client's change: nothing kept may answer */
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), -EIO);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), -EIO);
    CHECK_INT(vfs_write(v, fd, "x", 1), -EIO);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_END), -EIO);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/e", 0755), -EIO);
    CHECK_INT(vfs_getdents64(v, dfd, bufw, sizeof bufw), -EIO);
    l->answer_eio = false;
    CHECK_INT(vfs_close(v, dfd), 0); /* the server recovers: the client goes on */
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 4);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_STR(tl_read(v, "/tmp/f", NULL), "data");
}

static void server_gone(void)
{
    struct vfs *v = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    struct linux_statfs sf;
    struct linux_stat st;
    uint64_t bufw[16];
    unsigned i, calls = 0;
    char buf[8];
    int fd, dfd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "data"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    dfd = vfs_openat(v, AT_FDCWD, "/tmp", O_RDONLY | O_DIRECTORY, 0);
    CHECK(fd >= 0 && dfd >= 0);
    l->gone = true;
    l->skip_refs = true; /* the client cannot give anything back; the session's end does */
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), -EIO);
    l->gone = false; /* too late: the instance is dead and asks no more */
    for (i = 0; i <= FS_OP_COUNT; i++)
        calls += l->calls[i];
    CHECK_INT(vfs_write(v, fd, "x", 1), -EIO);
    CHECK_INT(vfs_pread(v, fd, buf, 1, 0), -EIO);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), -EIO);
    CHECK_INT(vfs_fstat(v, fd, &st), -EIO);
    CHECK_INT(vfs_fsync(v, fd, false), -EIO);
    CHECK_INT(vfs_fcntl(v, fd, F_GETFL, 0), O_RDWR | O_LARGEFILE);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp/f", &st, 0), -EIO);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/tmp", &st, 0), -EIO);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/tmp/g", O_RDWR | O_CREAT, 0644), -EIO);
    CHECK_INT(vfs_mkdirat(v, AT_FDCWD, "/tmp/d", 0755), -EIO);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/f", 0), -EIO);
    CHECK_INT(vfs_getdents64(v, dfd, bufw, sizeof bufw), -EIO);
    CHECK_INT(vfs_statfs(v, "/tmp", &sf), -EIO);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, dfd), 0);
    for (i = 0; i <= FS_OP_COUNT; i++)
        calls -= l->calls[i];
    CHECK_INT(calls, 0);
}

/* Memory for FS_MAP: plain memory whose number is its address, so the case writes
 * into "the mapping" directly. */
unsigned test_mem_live;

void *test_mem_create(void *ctx, struct fs_session *payer, uint64_t pages, uint64_t *id)
{
    void *p = calloc(pages, 4096);
    if (p) {
        test_mem_live++;
        *id = (uint64_t)(uintptr_t)p;
    }
    return p;
}

void test_mem_destroy(void *ctx, void *addr, uint64_t pages, uint64_t id)
{
    free(addr);
    test_mem_live--;
}

static bool map_in_use(void *ctx, uint64_t id)
{
    return false;
}

static void shared_map(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, map_in_use};
    struct vfs *v = mk("dir /tmp { fs }; dir /priv { ram }");
    struct vfs_map m;
    char buf[16];
    int fd, pfd;
    CHECK(v);
    CHECK_INT(tl_write(v, "/tmp/f", "hello"), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_file_map(vfs_fd_file(v, fd), 0, 0, &m), -ENODEV); /* no memory given yet */
    fs_server_set_mem(server, &ops);
    CHECK_INT(vfs_file_map(vfs_fd_file(v, fd), 0, 0, &m), 0);
    CHECK_INT(m.first, 0);
    CHECK_INT(m.pages, 1);
    CHECK(m.writable);
    char *page = (char *)(uintptr_t)m.mem;
    CHECK(memcmp(page, "hello", 5) == 0);
    memcpy(page, "HE", 2); /* a write through the mapping */
    CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 0), 5);
    CHECK(memcmp(buf, "HEllo", 5) == 0);
    CHECK_INT(vfs_pwrite(v, fd, "!", 1, 4), 1); /* a write the mapping sees */
    CHECK_INT(page[4], '!');
    CHECK_INT(vfs_file_map(vfs_fd_file(v, fd), 1, 0, &m), -ENXIO);
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    CHECK_INT(vfs_file_map(vfs_fd_file(v, fd), 0, 0, &m), 0);
    CHECK(!m.writable);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(tl_write(v, "/priv/f", "x"), 0);
    pfd = vfs_openat(v, AT_FDCWD, "/priv/f", O_RDWR, 0);
    CHECK_INT(vfs_file_map(vfs_fd_file(v, pfd), 0, 0, &m), -ENODEV); /* ram has no map */
    CHECK_INT(vfs_close(v, pfd), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/f", 0), 0);
}

static bool viewed_in_use(void *ctx, uint64_t id)
{
    for (unsigned i = 0; i < VIEWED_MAX; i++)
        if (viewed[i] == id)
            return true;
    return false;
}

/* A session whose chunks all hold this process's views (preads of 64 small files) still
 * maps a file: the plugin drops its views when FS_MAP says ENOMEM and asks again. */
static void views_give_way(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, viewed_in_use};
    struct vfs *v = mk("dir /tmp { fs }");
    struct vfs_map m;
    char name[32], buf[16];
    int fd;
    CHECK(v);
    fs_server_set_mem(server, &ops);
    for (int i = 0; i <= FS_SESSION_MAX_CHUNKS; i++) {
        snprintf(name, sizeof name, "/tmp/v%d", i);
        CHECK_INT(tl_write(v, name, "view me"), 0);
    }
    tl_clock_ns += 1000000000;
    int fds[FS_SESSION_MAX_CHUNKS];
    for (int i = 0; i < FS_SESSION_MAX_CHUNKS; i++) {
        snprintf(name, sizeof name, "/tmp/v%d", i);
        fds[i] = vfs_openat(v, AT_FDCWD, name, O_RDONLY, 0);
        CHECK_INT(vfs_pread(v, fds[i], buf, 7, 0), 7); /* moves the access time */
    }
    for (int i = 0; i < FS_SESSION_MAX_CHUNKS; i++)
        CHECK_INT(vfs_pread(v, fds[i], buf, 7, 0), 7); /* a view: one chunk each */
    CHECK_INT(views_live, FS_SESSION_MAX_CHUNKS);
    snprintf(name, sizeof name, "/tmp/v%d", FS_SESSION_MAX_CHUNKS);
    fd = vfs_openat(v, AT_FDCWD, name, O_RDWR, 0);
    CHECK_INT(vfs_file_map(vfs_fd_file(v, fd), 0, 0, &m), 0);
    CHECK(memcmp((char *)(uintptr_t)m.mem, "view me", 7) == 0);
    CHECK_INT(views_live, 0);
    CHECK_INT(vfs_close(v, fd), 0);
    for (int i = 0; i < FS_SESSION_MAX_CHUNKS; i++)
        CHECK_INT(vfs_close(v, fds[i]), 0);
}

/* preads straight from the file's pages: no request while nothing changes, and every
 * change another session makes (write, growth, truncation) is in the next pread. */
static void views_read(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, map_in_use};
    static char big[20000], back[20000];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    char buf[64];
    unsigned asked;
    size_t i;
    int fa, fb;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    CHECK_INT(tl_write(b, "/tmp/f", "hello world"), 0);
    tl_clock_ns += 1000000000;
    fa = vfs_openat(a, AT_FDCWD, "/tmp/f", O_RDONLY, 0);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/f", O_RDWR, 0);
    CHECK(fa >= 0 && fb >= 0);
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5); /* moves the access time: the server reads */
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5); /* maps the first chunk */
    CHECK_INT(views_live, 1);
    /* making the file a mapped one may move its access time (as mmap does on Linux): the
     * server steps the change count, so the next pread asks for the attributes once */
    CHECK_INT(vfs_pread(a, fa, buf, 5, 0), 5);
    asked = l->calls[FS_READ] + l->calls[FS_GETATTR] + l->calls[FS_MAP];
    memset(buf, 0, sizeof buf);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 11), 0);
    CHECK_INT(l->calls[FS_READ] + l->calls[FS_GETATTR] + l->calls[FS_MAP], asked);
    CHECK_INT(vfs_pwrite(b, fb, "HELLO", 5, 0), 5);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 11);
    CHECK(memcmp(buf, "HELLO world", 11) == 0);
    CHECK_INT(vfs_pwrite(b, fb, "!!", 2, 11), 2);
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 13);
    CHECK(memcmp(buf, "HELLO world!!", 13) == 0);
    CHECK_INT(vfs_ftruncate(b, fb, 3), 0);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 3);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 5), 0);
    /* five pages: chunks 0 to 3, read across their edges */
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + i / 4096);
    CHECK_INT(vfs_pwrite(b, fb, big, sizeof big, 0), (int64_t)sizeof big);
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(a, fa, back, sizeof back, 0), (int64_t)sizeof back);
    tl_clock_ns += 1000000000;
    for (i = 0; i < 8; i++) {
        uint64_t off = i * 2500;
        memset(back, 0, sizeof back);
        CHECK_INT(vfs_pread(a, fa, back, 9000, (int64_t)off),
                  (int64_t)(off + 9000 <= sizeof big ? 9000 : sizeof big - off));
        CHECK(memcmp(back, big + off, off + 9000 <= sizeof big ? 9000 : sizeof big - off) == 0);
    }
    CHECK_INT(views_live, 4);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(vfs_unlinkat(b, AT_FDCWD, "/tmp/f", 0), 0);
    /* the session that paid for the pages ends: they are freed (a's views of them too),
     * and a's next pread sees the server's count move and reads the file anew */
    CHECK_INT(tl_write(b, "/tmp/g", "paid by other"), 0);
    tl_clock_ns += 1000000000;
    fb = vfs_openat(b, AT_FDCWD, "/tmp/g", O_RDONLY, 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/g", O_RDONLY, 0);
    CHECK(fa >= 0 && fb >= 0);
    CHECK_INT(vfs_pread(b, fb, buf, sizeof buf, 0), 13);
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pread(b, fb, buf, sizeof buf, 0), 13); /* b's session makes the chunk */
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 13); /* a's view of the same pages */
    CHECK_INT(views_live, 2);
    fs_session_close(loops[1].ss); /* as when b's sandbox ends */
    loops[1].open = false;
    loops[1].gone = true;
    loops[1].skip_refs = true;
    memset(buf, 0, sizeof buf);
    CHECK_INT(vfs_pread(a, fa, buf, sizeof buf, 0), 13);
    CHECK(memcmp(buf, "paid by other", 13) == 0);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/g", 0), 0);
}

/* read() at the shared offset of a file with views: after the first full read (a
 * request that makes a view), the server moves the offset and the bytes come from the
 * views (FS_READ_NO_DATA); another session's writes are in the next read, the offset
 * is the server's (lseek sees it), and a file the server no longer maps is sent again. */
static void views_read_at_offset(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, map_in_use};
    static char big[300000], back[300000];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    size_t i, got = 0;
    int64_t n;
    int fa, fb;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 13 + i / 4096);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/big", O_RDWR | O_CREAT, 0644);
    CHECK(fb >= 0);
    CHECK_INT(vfs_pwrite(b, fb, big, sizeof big, 0), (int64_t)sizeof big);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDONLY, 0);
    CHECK(fa >= 0);
    vfs_fs_before_fork(a); /* a fork child holds it too: the server keeps its offset */
    CHECK_INT(vfs_read(a, fa, back, 16384), 16384); /* a request; then a view */
    got = 16384;
    CHECK_INT(l->reads_no_data, 0);
    CHECK_INT(views_live, 1);
    CHECK_INT(vfs_read(a, fa, back + got, 20000), 20000); /* from the views */
    got += 20000;
    CHECK_INT(l->reads_no_data, 1);
    CHECK(memcmp(back, big, got) == 0);
    CHECK_INT(vfs_lseek(a, fa, 0, SEEK_CUR), (int64_t)got);
    /* another session writes ahead of the offset: the next read has it */
    big[got + 5] = 'X';
    CHECK_INT(vfs_pwrite(b, fb, "X", 1, (int64_t)(got + 5)), 1);
    while ((n = vfs_read(a, fa, back + got, 70000)) > 0)
        got += (size_t)n;
    CHECK_INT(n, 0);
    CHECK_INT(got, sizeof big);
    CHECK(memcmp(back, big, sizeof big) == 0);
    CHECK(l->reads_no_data >= 5);
    /* a truncation by the other session: the reads stop at the new end */
    CHECK_INT(vfs_lseek(a, fa, 100, SEEK_SET), 100);
    CHECK_INT(vfs_ftruncate(b, fb, 150), 0);
    CHECK_INT(vfs_read(a, fa, back, 4096), 50);
    CHECK(memcmp(back, big + 100, 50) == 0);
    CHECK_INT(vfs_read(a, fa, back, 4096), 0);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(vfs_unlinkat(b, AT_FDCWD, "/tmp/big", 0), 0);
}

/* read() and lseek of a description only this process holds, open for reading only:
 * the offset is kept here, the bytes come from the views, no request at all; before a
 * fork (or a pass) the server gets the offset, which is the description's again. */
static void offsets_kept_local(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, map_in_use};
    static char big[200000], back[200000];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs }");
    struct loop *l = &loops[0];
    size_t i, got = 0;
    unsigned reads, seeks;
    uint64_t h;
    int64_t n;
    int fa, fb;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    for (i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + i / 4096);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDWR | O_CREAT, 0644);
    CHECK_INT(vfs_pwrite(a, fa, big, sizeof big, 0), (int64_t)sizeof big);
    CHECK_INT(vfs_close(a, fa), 0);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/big", O_RDONLY, 0);
    CHECK(fa >= 0);
    CHECK_INT(vfs_read(a, fa, back, 8192), 8192); /* a request (and a view) */
    got = 8192;
    reads = l->calls[FS_READ], seeks = l->calls[FS_SEEK];
    while ((n = vfs_read(a, fa, back + got, 30000)) > 0)
        got += (size_t)n;
    CHECK_INT(got, sizeof big);
    CHECK(memcmp(back, big, sizeof big) == 0);
    CHECK_INT(vfs_lseek(a, fa, 0, SEEK_CUR), (int64_t)sizeof big);
    CHECK_INT(vfs_lseek(a, fa, -100, SEEK_END), (int64_t)sizeof big - 100);
    CHECK_INT(vfs_lseek(a, fa, -10, SEEK_CUR), (int64_t)sizeof big - 110);
    CHECK_INT(vfs_lseek(a, fa, -1, SEEK_SET), -EINVAL);
    CHECK_INT(vfs_lseek(a, fa, (int64_t)sizeof big, SEEK_HOLE), -ENXIO);
    CHECK_INT(vfs_lseek(a, fa, 5, SEEK_HOLE), (int64_t)sizeof big);
    CHECK_INT(vfs_lseek(a, fa, 1000, SEEK_SET), 1000);
    CHECK_INT(vfs_read(a, fa, back, 10), 10);
    CHECK(memcmp(back, big + 1000, 10) == 0);
    CHECK_INT(l->calls[FS_READ] - reads, 0);
    CHECK_INT(l->calls[FS_SEEK] - seeks, 0);
    /* a fork: the server gets the offset, and another holder of the description (the
     * child: here b, which adopts the handle) reads on from it */
    vfs_fs_before_fork(a);
    CHECK_INT(l->calls[FS_SEEK] - seeks, 1);
    h = vfs_fs_file_handle(vfs_fd_file(a, fa));
    fb = vfs_openat(b, AT_FDCWD, "/tmp/big", O_RDONLY, 0);
    CHECK_INT(loop_request(l, FS_DUP, h), 0);
    CHECK_INT(vfs_fs_file_adopt(vfs_fd_file(b, fb), h), 0);
    CHECK_INT(vfs_lseek(b, fb, 0, SEEK_CUR), 1010);
    CHECK_INT(vfs_read(b, fb, back, 10), 10);
    CHECK(memcmp(back, big + 1010, 10) == 0);
    CHECK_INT(vfs_read(a, fa, back, 10), 10); /* one offset now: after the child's read */
    CHECK(memcmp(back, big + 1020, 10) == 0);
    CHECK_INT(vfs_lseek(b, fb, 0, SEEK_CUR), 1030);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/big", 0), 0);
}

/* The close of a description open for reading only goes with the next open (one request
 * per file in an open-close loop); one open for writing, or that took a flock, closes at
 * once, and a statfs sends the one put off first. */
static void closes_put_off(void)
{
    struct vfs *v = mk("dir /tmp { fs }"), *w = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    struct linux_statfs st;
    unsigned closes;
    char buf1[4];
    int fd, fd2;
    uint64_t h;
    CHECK(v && w);
    CHECK_INT(tl_write(v, "/tmp/a", "a"), 0);
    CHECK_INT(tl_write(v, "/tmp/b", "b"), 0);
    closes = l->calls[FS_CLOSE];
    fd = vfs_openat(v, AT_FDCWD, "/tmp/a", O_RDONLY, 0);
    CHECK(fd >= 0);
    h = vfs_fs_file_handle(vfs_fd_file(v, fd));
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(l->calls[FS_CLOSE], closes);               /* put off */
    CHECK_INT(held(l->handles, l->nhandles, h), 1);      /* still the server's */
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0); /* carries it */
    CHECK(fd >= 0);
    CHECK_INT(held(l->handles, l->nhandles, h), 0);
    CHECK_INT(l->calls[FS_CLOSE], closes);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_statfs(v, "/tmp", &st), 0); /* sends it first */
    CHECK_INT(l->calls[FS_CLOSE], closes + 1);
    /* the same file opened again, nothing changed: the description it closed, no request */
    unsigned opens = l->calls[FS_OPEN];
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0);
    CHECK_INT(vfs_pread(v, fd, buf1, 1, 0), 1);
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0);
    CHECK_INT(l->calls[FS_OPEN], opens + 1);
    CHECK_INT(vfs_read(v, fd, buf1, 1), 1); /* at offset 0, as a new one */
    CHECK_INT(buf1[0], 'b');
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0); /* that one was read: a new one */
    CHECK_INT(l->calls[FS_OPEN], opens + 2);
    CHECK_INT(vfs_read(v, fd, buf1, 1), 1);
    CHECK_INT(buf1[0], 'b');
    CHECK_INT(vfs_close(v, fd), 0);
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_fchmodat(w, AT_FDCWD, "/tmp/b", 0600, 0), 0); /* a change: a new one */
    fd = vfs_openat(v, AT_FDCWD, "/tmp/b", O_RDONLY, 0);
    CHECK_INT(l->calls[FS_OPEN], opens + 4);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_statfs(v, "/tmp", &st), 0);
    /* open for writing: at once */
    fd = vfs_openat(v, AT_FDCWD, "/tmp/a", O_WRONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(l->calls[FS_CLOSE], closes + 3); /* the two statfs' and this one */
    /* a flock goes with the description's close, at once: another takes it next */
    fd = vfs_openat(v, AT_FDCWD, "/tmp/a", O_RDONLY, 0);
    fd2 = vfs_openat(w, AT_FDCWD, "/tmp/a", O_RDONLY, 0);
    CHECK(fd >= 0 && fd2 >= 0);
    CHECK_INT(vfs_flock(v, fd, LOCK_EX | LOCK_NB), 0);
    CHECK_INT(vfs_flock(w, fd2, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_flock(w, fd2, LOCK_EX | LOCK_NB), 0);
    CHECK_INT(vfs_close(w, fd2), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/a", 0), 0);
    CHECK_INT(vfs_unlinkat(v, AT_FDCWD, "/tmp/b", 0), 0);
}

static unsigned all_calls(const struct loop *l)
{
    unsigned i, n = 0;
    for (i = 0; i <= FS_OP_COUNT; i++)
        n += l->calls[i];
    return n;
}

/* A pwrite within the size of a mapped file, in the time tick of the file's last change,
 * goes into its pages without a request (the server would leave every attribute as it
 * is); another session reads the bytes and sees the times the server gave; a new tick, a
 * growth, O_APPEND and a set-id bit go to the server. */
static void views_write_local(void)
{
    static const struct fs_mem_ops ops = {NULL, test_mem_create, test_mem_destroy, map_in_use};
    static char big[8192];
    struct vfs *a = mk("dir /tmp { fs }"), *b = mk("dir /tmp { fs label=other }");
    struct loop *l = &loops[0];
    struct linux_stat st1, st2;
    char buf[16];
    unsigned writes, calls;
    int fa, fb, fapp;
    CHECK(a && b);
    fs_server_set_mem(server, &ops);
    tl_clock_ns = 7000 * 1000000000ull + 123456789;
    memset(big, 'a', sizeof big);
    fa = vfs_openat(a, AT_FDCWD, "/tmp/w", O_RDWR | O_CREAT, 0644);
    CHECK(fa >= 0);
    writes = l->calls[FS_WRITE];
    CHECK_INT(vfs_pwrite(a, fa, big, sizeof big, 0), (int64_t)sizeof big); /* the server */
    CHECK_INT(l->calls[FS_WRITE], writes + 1);
    CHECK_INT(vfs_pwrite(a, fa, "local", 5, 100), 5); /* a GETATTR, a mapping, no WRITE */
    CHECK_INT(l->calls[FS_WRITE], writes + 1);
    CHECK_INT(vfs_pwrite(a, fa, "again", 5, 4100), 5); /* the next chunk's mapping */
    CHECK_INT(l->calls[FS_WRITE], writes + 1);
    calls = all_calls(l);
    CHECK_INT(vfs_pwrite(a, fa, "local", 5, 100), 5); /* nothing asked at all */
    CHECK_INT(vfs_pwrite(a, fa, "again", 5, 4100), 5);
    CHECK_INT(all_calls(l), calls);
    fb = vfs_openat(b, AT_FDCWD, "/tmp/w", O_RDONLY, 0);
    CHECK(fb >= 0);
    CHECK_INT(vfs_pread(b, fb, buf, 5, 100), 5);
    CHECK(memcmp(buf, "local", 5) == 0);
    CHECK_INT(vfs_pread(b, fb, buf, 6, 4099), 6);
    CHECK(memcmp(buf, "aagain", 6) == 0);
    CHECK_INT(vfs_fstat(b, fb, &st1), 0);
    CHECK_INT(st1.st_mtim.tv_sec, 7000);
    CHECK_INT(st1.st_mtim.tv_nsec, 123456789 - 123456789 % VFS_TIME_TICK_NS);
    /* a new tick: the server's, the times move */
    tl_clock_ns += 1000000000;
    CHECK_INT(vfs_pwrite(a, fa, "tick", 4, 0), 4);
    CHECK_INT(l->calls[FS_WRITE], writes + 2);
    CHECK_INT(vfs_fstat(b, fb, &st2), 0);
    CHECK_INT(st2.st_mtim.tv_sec, 7001);
    /* growing: the server's */
    CHECK_INT(vfs_pwrite(a, fa, "end", 3, sizeof big), 3);
    CHECK_INT(l->calls[FS_WRITE], writes + 3);
    CHECK_INT(vfs_fstat(b, fb, &st2), 0);
    CHECK_INT(st2.st_size, (int64_t)sizeof big + 3);
    /* O_APPEND: the server's (the end is its to know) */
    fapp = vfs_openat(a, AT_FDCWD, "/tmp/w", O_WRONLY | O_APPEND, 0);
    CHECK(fapp >= 0);
    CHECK_INT(vfs_write(a, fapp, "z", 1), 1);
    CHECK_INT(l->calls[FS_WRITE], writes + 4);
    CHECK_INT(vfs_close(a, fapp), 0);
    /* a set-id bit: the server's (a write may clear it) */
    CHECK_INT(vfs_fchmod(a, fa, 04755), 0);
    CHECK_INT(vfs_pwrite(a, fa, "s", 1, 0), 1);
    CHECK_INT(vfs_pwrite(a, fa, "s", 1, 1), 1);
    CHECK_INT(l->calls[FS_WRITE], writes + 6);
    CHECK_INT(vfs_pread(b, fb, buf, 6, 0), 6);
    CHECK(memcmp(buf, "ssck", 4) == 0);
    CHECK_INT(vfs_close(a, fa), 0);
    CHECK_INT(vfs_close(b, fb), 0);
    CHECK_INT(vfs_unlinkat(a, AT_FDCWD, "/tmp/w", 0), 0);
}

void fs_share_cases(void)
{
    RUN_FS(shared_description);
    RUN_FS(passed_description);
    RUN_FS(atomic_appends);
    RUN_FS(after_fork_references);
    RUN_FS(forgotten_handle);
    RUN_FS(kept_names_coherent);
    RUN_FS(exit_gives_back);
    RUN_FS(read_atime_coherent);
    RUN_FS(server_errors);
    RUN_FS(server_gone);
    RUN_FS(shared_map);
    RUN_FS(views_read);
    RUN_FS(views_give_way);
    RUN_FS(views_read_at_offset);
    RUN_FS(offsets_kept_local);
    RUN_FS(closes_put_off);
    RUN_FS(views_write_local);
    if (views_live) /* the plugin gave back every view it made */
        tl_fail(__LINE__, "%u views left", views_live);
    if (test_mem_live) /* the server's end freed the mapped file's memory */
        tl_fail(__LINE__, "%u memory objects left", test_mem_live);
}
