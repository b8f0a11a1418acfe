/*
 * terminal: a Terminal session as a character device (README.md, docs/terminal.md):
 * `terminal [NAME] [label=L] [mode=0666]`. Its reads, writes and ioctls go to the
 * terminal server through the host's transport (vfs_env.terminal); the session is
 * opened at the first open and shared by every process of the sandbox. Reads apply
 * VMIN and VTIME here (the server answers what is there now); job control (SIGTTIN,
 * SIGTTOU) and the controlling terminal are the launcher's (TERM_CTL_*).
 */
#include <capix/config.h>
#include <capix/term_protocol.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#define NSEC_PER_DECI 100000000ull

struct terminal_fs {
    struct vfs_simple_fs s;
    char label[96];
    bool open;
    struct term_transport t;
};

static struct terminal_fs *tfs(struct vfs_file *f)
{
    return (struct terminal_fs *)(void *)f->node->fs;
}

/* The transport of an open terminal file, or NULL when f is not one (for the runtime's
 * poll, which waits on the session's notification). */
const struct term_transport *vfs_terminal_transport(struct vfs_file *f)
{
    if (f->node->fs->plugin != &vfs_plugin_terminal || !tfs(f)->open)
        return NULL;
    return &tfs(f)->t;
}

static int term_open(struct vfs_file *f)
{
    struct terminal_fs *t = tfs(f);
    if (!t->open) {
        if (!t->s.fs.env->terminal)
            return -ENXIO;
        memset(&t->t, 0, sizeof(t->t));
        int r = t->s.fs.env->terminal(t->s.fs.env->ctx, t->label, &t->t);
        if (r)
            return r;
        t->open = true;
    }
    long r = t->t.ctl(t->t.ctx, TERM_CTL_OPEN, (f->flags & O_NOCTTY) ? 1 : 0);
    f->stream = true;
    if (r < 0)
        return (int)r;
    if (t->t.opened)
        t->t.opened(t->t.ctx, f);
    return 0;
}

static void term_close(struct vfs_file *f)
{
    struct terminal_fs *t = tfs(f);
    if (t->open && t->t.closed)
        t->t.closed(t->t.ctx, f);
}

/* f->flags as the description's other holders left them (O_NONBLOCK set by another). */
static void term_sync(struct vfs_file *f, const struct term_transport *t)
{
    if (t->sync)
        t->sync(t->ctx, f);
}

static uint32_t seq_of(const struct term_transport *t)
{
    return __atomic_load_n(&t->shared->seq, __ATOMIC_ACQUIRE);
}

/* One READ request of at most n bytes into buf. */
static long read_once(const struct term_transport *t, uint8_t *buf, size_t n)
{
    if (n > TERM_AREA_BYTES)
        n = TERM_AREA_BYTES;
    long r = t->call(t->ctx, TERM_OP_READ, n);
    if (r > 0)
        memcpy(buf, t->area(t->ctx), (size_t)r);
    return r;
}

static int64_t term_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    const struct term_transport *t = &tfs(f)->t;
    const struct vfs_env *env = f->node->fs->env;
    long job = t->ctl(t->ctx, TERM_CTL_JOB, 0);
    if (job < 0)
        return job;
    if (n == 0)
        return 0;
    term_sync(f, t);
    bool canon = t->shared->lflag & TERM_ICANON, nonblock = f->flags & O_NONBLOCK;
    unsigned vmin = canon ? 1 : t->shared->vmin, vtime = canon ? 0 : t->shared->vtime;
    size_t want = vmin < n ? vmin : n, got = 0;
    uint64_t deadline = 0;
    if (!canon && vtime && !vmin) /* VTIME alone: a timer for the first byte */
        deadline = env->now_ns(env->ctx) + vtime * NSEC_PER_DECI;
    for (;;) {
        uint32_t seq = seq_of(t);
        long r = read_once(t, (uint8_t *)buf + got, n - got);
        if (r == 0 && got == 0 && canon)
            return 0; /* end of file (VEOF) */
        if (r < 0 && r != -EAGAIN)
            return got ? (int64_t)got : r;
        if (r > 0) {
            got += (size_t)r;
            if (canon || got >= want || got == n)
                return (int64_t)got;
            if (vtime) /* VMIN and VTIME: the timer runs between bytes */
                deadline = env->now_ns(env->ctx) + vtime * NSEC_PER_DECI;
        }
        if (!canon && !vmin && !vtime)
            return (int64_t)got; /* a poll */
        if (nonblock)
            return got ? (int64_t)got : -EAGAIN;
        uint64_t timeout = UINT64_MAX;
        if (deadline) {
            uint64_t now = env->now_ns(env->ctx);
            if (now >= deadline)
                return (int64_t)got;
            timeout = deadline - now;
        }
        int w = t->wait(t->ctx, seq, timeout);
        if (w < 0)
            return got ? (int64_t)got : w;
    }
}

static int64_t term_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    const struct term_transport *t = &tfs(f)->t;
    if (t->shared->lflag & TERM_TOSTOP) {
        long job = t->ctl(t->ctx, TERM_CTL_JOB, 1);
        if (job < 0)
            return job;
    }
    size_t done = 0;
    term_sync(f, t);
    while (done < n) {
        size_t len = n - done < TERM_AREA_BYTES ? n - done : TERM_AREA_BYTES;
        uint32_t seq = seq_of(t);
        memcpy(t->area(t->ctx), (const uint8_t *)buf + done, len);
        long r = t->call(t->ctx, TERM_OP_WRITE, len);
        if (r > 0) {
            done += (size_t)r;
            continue;
        }
        if (r != -EAGAIN)
            return done ? (int64_t)done : r;
        if (f->flags & O_NONBLOCK)
            return done ? (int64_t)done : -EAGAIN;
        int w = t->wait(t->ctx, seq, UINT64_MAX); /* output stopped: until it goes on */
        if (w < 0)
            return done ? (int64_t)done : w;
    }
    return (int64_t)n;
}

/* A request that moves a struct out of the area into arg. */
static int get_struct(const struct term_transport *t, unsigned op, void *arg, size_t size)
{
    long r = t->call(t->ctx, op, 0);
    if (r < 0)
        return (int)r;
    memcpy(arg, t->area(t->ctx), size);
    return 0;
}

static int put_struct(const struct term_transport *t, unsigned op, uint64_t a, const void *arg,
                      size_t size)
{
    memcpy(t->area(t->ctx), arg, size);
    return (int)t->call(t->ctx, op, a);
}

static int term_ioctl(struct vfs_file *f, unsigned long req, void *arg)
{
    const struct term_transport *t = &tfs(f)->t;
    long r;
    int v;
    switch (req) {
    case TERM_TCGETS:
        return get_struct(t, TERM_OP_TCGETS, arg, sizeof(struct term_termios));
    case TERM_TCSETS:
    case TERM_TCSETSW:
    case TERM_TCSETSF:
        if ((r = t->ctl(t->ctx, TERM_CTL_JOB, 2)) < 0)
            return (int)r;
        return put_struct(t, TERM_OP_TCSETS, req - TERM_TCSETS, arg, sizeof(struct term_termios));
    case TERM_TIOCGWINSZ:
        return get_struct(t, TERM_OP_GWINSZ, arg, sizeof(struct term_winsize));
    case TERM_TIOCSWINSZ:
        return put_struct(t, TERM_OP_SWINSZ, 0, arg, sizeof(struct term_winsize));
    case TERM_FIONREAD:
        if ((r = t->call(t->ctx, TERM_OP_NREAD, 0)) < 0)
            return (int)r;
        v = (int)r;
        memcpy(arg, &v, sizeof(v));
        return 0;
    case TERM_TIOCOUTQ: /* output goes to the device at once: nothing is queued */
        v = 0;
        memcpy(arg, &v, sizeof(v));
        return 0;
    case TERM_TCFLSH:
        return (int)t->call(t->ctx, TERM_OP_FLUSH, (uint64_t)(uintptr_t)arg);
    case TERM_TCXONC:
        return (int)t->call(t->ctx, TERM_OP_FLOW, (uint64_t)(uintptr_t)arg);
    case TERM_TCSBRK:  /* tcdrain (arg != 0) or a break: output is never held back, so */
    case TERM_TCSBRKP: /* a drain is done at once; a serial break is not sent */
        return 0;
    case TERM_TIOCSCTTY:
        return (int)t->ctl(t->ctx, TERM_CTL_SCTTY, (long)(uintptr_t)arg);
    case TERM_TIOCNOTTY:
        return (int)t->ctl(t->ctx, TERM_CTL_NOTTY, 0);
    case TERM_TIOCGPGRP:
    case TERM_TIOCGSID:
        r = t->ctl(t->ctx, req == TERM_TIOCGPGRP ? TERM_CTL_GPGRP : TERM_CTL_GSID, 0);
        if (r < 0)
            return (int)r;
        v = (int)r;
        memcpy(arg, &v, sizeof(v));
        return 0;
    case TERM_TIOCSPGRP:
        memcpy(&v, arg, sizeof(v));
        if (v < 0)
            return -EINVAL;
        if ((r = t->ctl(t->ctx, TERM_CTL_JOB, 2)) < 0)
            return (int)r;
        return (int)t->ctl(t->ctx, TERM_CTL_SPGRP, v);
    default:
        return -ENOTTY;
    }
}

static unsigned term_poll(struct vfs_file *f, unsigned events)
{
    const struct term_transport *t = &tfs(f)->t;
    unsigned r = 0;
    if (__atomic_load_n(&t->shared->readable, __ATOMIC_ACQUIRE))
        r |= POLLIN;
    if (__atomic_load_n(&t->shared->writable, __ATOMIC_ACQUIRE))
        r |= POLLOUT;
    return r & (events | POLLHUP | POLLERR);
}

static int64_t term_llseek(struct vfs_file *f, int64_t off, int whence)
{
    return -ESPIPE;
}

static const struct vfs_fs_ops terminal_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = term_open,
    .close = term_close,
    .read = term_read,
    .write = term_write,
    .llseek = term_llseek,
    .ioctl = term_ioctl,
    .poll = term_poll,
};

static int terminal_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", "label", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "terminal [NAME] [label=L] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    const char *label = cfg_prop(a->cfg, "label") ? cfg_prop(a->cfg, "label") : "";
    if (rc == 0 && strlen(label) >= sizeof(((struct terminal_fs *)0)->label))
        rc = vfs_config_error(a->err, a->cfg, NULL, "label longer than 95 bytes");
    if (rc == 0)
        rc = vfs_simple_mount(a, &terminal_ops, sizeof(struct terminal_fs), S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    struct terminal_fs *t = (struct terminal_fs *)(void *)s;
    memcpy(t->label, label, strlen(label) + 1);
    s->rdev = LINUX_MAKEDEV(4, 64); /* ttyS0 */
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_terminal = {
    .name = "terminal",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "tty",
    .mount = terminal_mount,
};
