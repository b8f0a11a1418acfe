/*
 * Host tests of the pipe plugin (README.md) with a host that maps its rings in ordinary
 * memory and counts the wakes: data through the ring and its wrap, end of file and
 * EPIPE from the shared counts, atomic writes up to VFS_PIPE_BUF, poll, FIONREAD,
 * F_GETPIPE_SZ, stat, the per-process counts (also after a fork's recount), a FIFO's
 * hang-up rule, and the pipe leaving the process with its last end.
 */
#include "../../vfs/tests/testlib.h"

#include <capix/posix_protocol.h>
#include <stdlib.h>
#include <vfs_plugins.h>

static unsigned wakes[2], gone_count, host_proc = 3;

static void t_wake(struct vfs_pipe *p, int side)
{
    for (int d = 0; d < 2; d++)
        if (side < 0 || side == d)
            wakes[d]++;
}

static void t_yield(void)
{
}

static unsigned t_slot(void)
{
    return host_proc;
}

static void t_owner(uint32_t *uid, uint32_t *gid)
{
    *uid = 1000;
    *gid = 100;
}

/* A host pipe: the plugin's part and the memory of its ring. */
struct t_pipe {
    struct vfs_pipe vp;
    void *area;
};

static void t_gone(struct vfs_pipe *p)
{
    struct t_pipe *t = (struct t_pipe *)p;
    gone_count++;
    free(t->area);
    free(t);
}

static const struct vfs_pipe_host host = {
    .wake = t_wake, .yield = t_yield, .slot = t_slot, .owner = t_owner, .gone = t_gone};

/* A vfs with a pipe file system and one pipe whose ends are fds[0] (read) and fds[1]
 * (write); *out is the pipe. */
static struct vfs *pipe_vfs(struct vfs_pipe **out, int fds[2])
{
    struct vfs *v = tl_vfs("ram");
    struct vfs_fs *fs = NULL;
    struct vfs_file *rf = NULL, *wf = NULL;
    struct t_pipe *t = calloc(1, sizeof *t);
    wakes[0] = wakes[1] = gone_count = 0;
    host_proc = 3;
    if (!v || !t || vfs_pipe_mount(v, &host, &fs) != 0) {
        tl_fail(__LINE__, "no vfs with a pipe file system");
        free(t);
        return NULL;
    }
    t->area = calloc(1, RT_PIPE_AREA);
    vfs_pipe_init(fs, &t->vp, t->area, (uint8_t *)t->area + 4096);
    if (vfs_file_open_node(&t->vp.end[0].vn, O_RDONLY, &rf) ||
        vfs_file_open_node(&t->vp.end[1].vn, O_WRONLY, &wf)) {
        tl_fail(__LINE__, "the ends do not open");
        return NULL;
    }
    fds[0] = vfs_install_fd(v, rf, 0, false);
    fds[1] = vfs_install_fd(v, wf, 0, false);
    *out = &t->vp;
    return v;
}

static void pipe_data(void)
{
    struct vfs_pipe *p;
    int fds[2], n = 0;
    char buf[64];
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    CHECK_INT(vfs_read(v, fds[0], buf, sizeof buf), -EAGAIN); /* empty, a writer open */
    CHECK_INT(vfs_write(v, fds[1], "hello", 5), 5);
    CHECK_INT(wakes[0], 1);
    CHECK_INT(vfs_ioctl(v, fds[0], FIONREAD, &n), 0);
    CHECK_INT(n, 5);
    CHECK_INT(vfs_ioctl(v, fds[1], FIONREAD, &n), 0); /* either end, as on Linux */
    CHECK_INT(n, 5);
    CHECK_INT(vfs_ioctl(v, fds[1], TCGETS, buf), -ENOTTY);
    CHECK_INT(vfs_read(v, fds[0], buf, 3), 3);
    CHECK(!memcmp(buf, "hel", 3));
    CHECK_INT(wakes[1], 1);
    CHECK_INT(vfs_read(v, fds[0], buf, sizeof buf), 2);
    CHECK(!memcmp(buf, "lo", 2));
    CHECK_INT(vfs_write(v, fds[1], "", 0), 0);
    CHECK_INT(vfs_read(v, fds[0], buf, 1), -EAGAIN);
    CHECK_INT(vfs_lseek(v, fds[0], 0, SEEK_SET), -ESPIPE);
    vfs_close(v, fds[0]);
    vfs_close(v, fds[1]);
    CHECK_INT(gone_count, 1);
}

/* The ring wraps: bytes written across its end come back in order. */
static void pipe_wrap(void)
{
    struct vfs_pipe *p;
    int fds[2];
    static char big[VFS_PIPE_SIZE], back[VFS_PIPE_SIZE];
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 + 1);
    CHECK_INT(vfs_write(v, fds[1], big, 40000), 40000);
    CHECK_INT(vfs_read(v, fds[0], back, 40000), 40000);
    CHECK_INT(vfs_write(v, fds[1], big, 50000), 50000); /* 40000 .. 90000: wraps */
    CHECK_INT(vfs_read(v, fds[0], back, sizeof back), 50000);
    CHECK(!memcmp(big, back, 50000));
    CHECK_INT(p->ring->head, 90000);
    CHECK_INT(p->ring->tail, 90000);
    vfs_close(v, fds[0]);
    vfs_close(v, fds[1]);
}

/* Writes up to VFS_PIPE_BUF go in whole or not at all; longer ones take what fits. */
static void pipe_atomic(void)
{
    struct vfs_pipe *p;
    int fds[2];
    static char big[VFS_PIPE_SIZE];
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    CHECK_INT(vfs_write(v, fds[1], big, VFS_PIPE_SIZE - 100), VFS_PIPE_SIZE - 100);
    CHECK_INT(vfs_poll(v, fds[1], POLLOUT | POLLWRNORM), 0); /* less than PIPE_BUF of room */
    CHECK_INT(vfs_write(v, fds[1], big, 200), -EAGAIN);
    CHECK_INT(vfs_write(v, fds[1], big, 8192), 100);
    CHECK_INT(vfs_write(v, fds[1], big, 1), -EAGAIN); /* full */
    CHECK_INT(vfs_poll(v, fds[0], POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
    CHECK_INT(vfs_read(v, fds[0], big, VFS_PIPE_BUF), VFS_PIPE_BUF);
    CHECK_INT(vfs_poll(v, fds[1], POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
    vfs_close(v, fds[0]);
    vfs_close(v, fds[1]);
}

/* End of file when no writer is left, EPIPE and POLLERR when no reader is. */
static void pipe_hangups(void)
{
    struct vfs_pipe *p;
    int fds[2];
    char buf[8];
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    CHECK_INT(vfs_write(v, fds[1], "ab", 2), 2);
    CHECK_INT(vfs_close(v, fds[1]), 0);
    CHECK_INT(gone_count, 0);
    CHECK_INT(vfs_poll(v, fds[0], POLLIN | POLLRDNORM), POLLIN | POLLRDNORM | POLLHUP);
    CHECK_INT(vfs_read(v, fds[0], buf, sizeof buf), 2);
    CHECK_INT(vfs_read(v, fds[0], buf, sizeof buf), 0);
    CHECK_INT(vfs_close(v, fds[0]), 0);
    CHECK_INT(gone_count, 1);

    v = pipe_vfs(&p, fds);
    if (!v)
        return;
    CHECK_INT(vfs_close(v, fds[0]), 0);
    CHECK_INT(vfs_write(v, fds[1], "x", 1), -EPIPE);
    CHECK_INT(vfs_poll(v, fds[1], POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM | POLLERR);
    CHECK_INT(vfs_close(v, fds[1]), 0);
    CHECK_INT(gone_count, 1);
}

/* The counts in the ring: all processes' and this one's (slot), and a fork's recount;
 * another process's descriptions keep the pipe open. */
static void pipe_counts(void)
{
    struct vfs_pipe *p;
    int fds[2];
    char buf[4];
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    struct rt_pipe_ring *r = p->ring;
    CHECK_INT(r->readers, 1);
    CHECK_INT(r->writers, 1);
    CHECK_INT(r->readers_of[3], 1);
    CHECK_INT(r->writers_of[3], 1);
    CHECK_INT(p->nread, 1);
    CHECK_INT(p->nwrite, 1);
    host_proc = 5; /* as in a fork child */
    vfs_pipe_recount(p);
    CHECK_INT(r->readers, 2);
    CHECK_INT(r->writers, 2);
    CHECK_INT(r->writers_of[5], 1);
    CHECK_INT(vfs_close(v, fds[1]), 0); /* the child's write end; the parent's stays */
    CHECK_INT(r->writers, 1);
    CHECK_INT(r->writers_of[5], 0);
    CHECK_INT(vfs_read(v, fds[0], buf, sizeof buf), -EAGAIN);
    CHECK_INT(vfs_close(v, fds[0]), 0);
    CHECK_INT(gone_count, 1);
}

static void pipe_attrs(void)
{
    struct vfs_pipe *p;
    int fds[2];
    struct linux_stat st;
    struct vfs *v = pipe_vfs(&p, fds);
    if (!v)
        return;
    CHECK_INT(vfs_fcntl(v, fds[0], F_GETPIPE_SZ, 0), VFS_PIPE_SIZE);
    /* F_SETPIPE_SZ: Linux's rounding, a fill that stops at the size, EBUSY below it */
    static char big[10000], back[10000];
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, 5000), 8192);
    CHECK_INT(vfs_fcntl(v, fds[0], F_GETPIPE_SZ, 0), 8192);
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, 1 << 20), -EPERM);
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, (1ul << 31) + 1), -EINVAL);
    CHECK_INT(vfs_write(v, fds[1], big, sizeof big), 8192);
    CHECK_INT(vfs_write(v, fds[1], big, 1), -EAGAIN);
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, 0), -EBUSY);
    CHECK_INT(vfs_read(v, fds[0], back, sizeof back), 8192);
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, 0), 4096);
    CHECK_INT(vfs_fcntl(v, fds[1], F_SETPIPE_SZ, 65536), 65536);
    CHECK_INT(vfs_fstat(v, fds[0], &st), 0);
    CHECK_INT(st.st_mode, S_IFIFO | 0600);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 100);
    CHECK_INT(st.st_nlink, 1);
    CHECK(st.st_ino == p->end[0].vn.ino);
    CHECK(vfs_pipe_of(&p->end[1].vn) == p);
    CHECK(vfs_pipe_of(vfs_fd_file(v, fds[0])->node->fs->root) == NULL);
    vfs_close(v, fds[0]);
    vfs_close(v, fds[1]);
}

/* A FIFO of a fresh VFS (*v), as the runtime makes one: NULL (and a failure noted) when
 * there is no VFS or pipe file system. */
static struct t_pipe *fifo_new(struct vfs **v)
{
    struct vfs_fs *fs = NULL;
    struct t_pipe *t = calloc(1, sizeof *t);
    *v = tl_vfs("ram");
    if (!*v || !t || vfs_pipe_mount(*v, &host, &fs) != 0) {
        tl_fail(__LINE__, "no vfs with a pipe file system");
        free(t);
        return NULL;
    }
    t->area = calloc(1, RT_PIPE_AREA);
    vfs_pipe_init(fs, &t->vp, t->area, (uint8_t *)t->area + 4096);
    t->vp.fifo = true;
    t->vp.released[1] = true; /* a FIFO uses end[0] only */
    return t;
}

/* A FIFO's reader hangs up only once a writer came after it opened (Linux). */
static void pipe_fifo_hangup(void)
{
    struct vfs *v;
    struct vfs_file *rf = NULL, *wf = NULL;
    int rfd;
    wakes[0] = wakes[1] = gone_count = 0;
    struct t_pipe *t = fifo_new(&v);
    if (!t)
        return;
    CHECK_INT(vfs_file_open_node(&t->vp.end[0].vn, O_RDONLY | O_NONBLOCK, &rf), 0);
    CHECK_INT(wakes[0], 1); /* an open waiting for the other side looks again */
    rfd = vfs_install_fd(v, rf, 0, false);
    CHECK_INT(vfs_poll(v, rfd, POLLIN), 0); /* no writer yet: no hang-up */
    CHECK_INT(vfs_file_open_node(&t->vp.end[0].vn, O_WRONLY, &wf), 0);
    CHECK_INT(t->vp.ring->write_opens, 1);
    CHECK_INT(t->vp.ring->read_opens, 1);
    vfs_file_put(wf);
    CHECK_INT(vfs_poll(v, rfd, POLLIN), POLLHUP);
    CHECK_INT(gone_count, 0);
    CHECK_INT(vfs_close(v, rfd), 0);
    CHECK_INT(gone_count, 1);
}

/* A blocking open whose partner is open already does not wait, even when the partner
 * writes and closes before the waiting starts (the runtime waits after open, on "the
 * other side's opens moved": rt_fifo_open_wait); its reader then hangs up (Linux). */
static void pipe_fifo_partner_gone(void)
{
    struct vfs *v;
    struct vfs_file *rf = NULL, *wf = NULL, *w2 = NULL;
    struct t_pipe *t = fifo_new(&v);
    if (!t)
        return;
    struct rt_pipe_ring *r = t->vp.ring;
    /* the writer opened first (and waits for a reader) */
    CHECK_INT(vfs_file_open_node(&t->vp.end[0].vn, O_WRONLY, &wf), 0);
    CHECK(r->read_opens == (uint32_t)(uintptr_t)wf->priv); /* no reader yet: it waits */
    /* the reader's open releases it; the writer writes and closes at once */
    CHECK_INT(vfs_file_open_node(&t->vp.end[0].vn, O_RDONLY, &rf), 0);
    CHECK(r->read_opens != (uint32_t)(uintptr_t)wf->priv); /* the writer goes on */
    vfs_file_put(wf);
    CHECK_INT(r->writers, 0);
    /* what the reader's wait then sees: the other side came (no wait) */
    CHECK(r->write_opens != (uint32_t)(uintptr_t)rf->priv);
    int rfd = vfs_install_fd(v, rf, 0, false);
    CHECK_INT(vfs_poll(v, rfd, POLLIN), POLLHUP);
    /* a writer that opens while that reader is open does not wait either */
    CHECK_INT(vfs_file_open_node(&t->vp.end[0].vn, O_WRONLY, &w2), 0);
    CHECK(r->read_opens != (uint32_t)(uintptr_t)w2->priv);
    vfs_file_put(w2);
    CHECK_INT(vfs_close(v, rfd), 0);
}

/* A configuration cannot mount it. */
static void pipe_not_configurable(void)
{
    static const struct vfs_plugin *const plugins[] = {&vfs_plugin_pipe};
    static char mem[4096];
    struct cfg_arena arena = {mem, sizeof mem, 0};
    static const char text[] = "vfs { pipe }\n";
    struct cfg_node *root;
    struct cfg_error err;
    struct vfs *v = NULL;
    char msg[256];
    CHECK_INT(cfg_parse("test.cfg", text, strlen(text), &arena, &root, &err), 0);
    CHECK(vfs_create(&tl_env, plugins, 1, cfg_first(root, "vfs"), 16, &v, &err) < 0);
    cfg_format_error(&err, msg, sizeof msg);
    CHECK_CONTAINS(msg, "a configuration does not mount it");
}

int main(void)
{
    RUN(pipe_data);
    RUN(pipe_wrap);
    RUN(pipe_atomic);
    RUN(pipe_hangups);
    RUN(pipe_fifo_partner_gone);
    RUN(pipe_counts);
    RUN(pipe_attrs);
    RUN(pipe_fifo_hangup);
    RUN(pipe_not_configurable);
    return tl_finish();
}
