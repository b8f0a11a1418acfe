/*
 * Host tests of the terminal plugin (README.md) against the terminal server's logic
 * (drivers/terminal/server.c) through a loopback transport: what the device shows,
 * canonical and raw reads with VMIN and VTIME, non-blocking reads, output stopped by
 * Ctrl-S, the ioctls, poll, and the launcher's job-control answers (here a stub that
 * records what was asked).
 */
#include "../../drivers/terminal/server.h"
#include "../../vfs/tests/testlib.h"

static struct term_server srv;
static uint8_t shared_mem[TERM_SHARED_BYTES] __attribute__((aligned(4096)));
static char screen[8192]; /* what the device was sent */
static size_t screen_len;
static int signals[8], nsignals;
static unsigned area_index = 3; /* this "process's" area */
static long job_answer;         /* what TERM_CTL_JOB answers */
static long ctl_log[16][2];
static int nctl;
static uint32_t waits;
static const uint8_t *wait_input; /* typed while a reader waits (one byte per wait) */

static void dev_out(void *ctx, const uint8_t *buf, size_t n)
{
    if (screen_len + n < sizeof(screen)) {
        memcpy(screen + screen_len, buf, n);
        screen_len += n;
        screen[screen_len] = 0;
    }
}

static void notify(void *ctx, unsigned which)
{
    if (which != TERM_NOTIFY_EVENT)
        return;
    uint64_t bits =
        __atomic_exchange_n(&((struct term_shared *)shared_mem)->sig_pending, 0, __ATOMIC_ACQ_REL);
    for (int s = 1; s <= 64 && nsignals < 8; s++)
        if (bits & (1ul << (s - 1)))
            signals[nsignals++] = s;
}

static void *t_area(void *ctx)
{
    return shared_mem + 4096 + area_index * TERM_AREA_BYTES;
}

static long t_call(void *ctx, unsigned op, uint64_t arg)
{
    return term_server_handle(&srv, op, arg, t_area(ctx));
}

/* A wait: time passes (VTIME), and a byte typed meanwhile arrives. */
static int t_wait(void *ctx, uint32_t seq, uint64_t timeout_ns)
{
    waits++;
    if (wait_input && *wait_input) {
        term_server_input(&srv, wait_input, 1);
        wait_input++;
        return 0;
    }
    if (timeout_ns == UINT64_MAX)
        return -EINTR; /* nothing will come: stands for a signal */
    tl_clock_ns += timeout_ns;
    return 0;
}

static long t_ctl(void *ctx, unsigned op, long arg)
{
    if (nctl < 16) {
        ctl_log[nctl][0] = op;
        ctl_log[nctl][1] = arg;
        nctl++;
    }
    switch (op) {
    case TERM_CTL_JOB:
        return job_answer;
    case TERM_CTL_GPGRP:
        return 42;
    case TERM_CTL_GSID:
        return 7;
    case TERM_CTL_SPGRP:
        return arg == 42 ? 0 : -EPERM;
    default:
        return 0;
    }
}

static int env_terminal(void *ctx, const char *label, struct term_transport *out)
{
    if (strcmp(label, "console"))
        return -ENOENT;
    out->ctx = NULL;
    out->shared = (const volatile struct term_shared *)shared_mem;
    out->area = t_area;
    out->call = t_call;
    out->wait = t_wait;
    out->ctl = t_ctl;
    return 0;
}

/* A vfs with /dev/tty on a fresh terminal; returns an open descriptor in *fd. */
static struct vfs *term_vfs(int *fd, int flags)
{
    memset(shared_mem, 0, sizeof(shared_mem));
    struct term_server_ops ops = {.out = dev_out, .notify = notify};
    term_server_init(&srv, &ops);
    term_server_attach(&srv, (struct term_shared *)shared_mem);
    screen_len = 0, screen[0] = 0, nsignals = 0, nctl = 0, job_answer = 0, waits = 0;
    wait_input = NULL;
    tl_env.terminal = env_terminal;
    struct vfs *v = tl_vfs("dir /dev { terminal tty label=console }");
    *fd = v ? vfs_openat(v, AT_FDCWD, "/dev/tty", flags, 0) : -1;
    return v;
}

static void type(const char *s)
{
    term_server_input(&srv, (const uint8_t *)s, strlen(s));
}

static void terminal_canonical(void)
{
    int fd;
    struct vfs *v = term_vfs(&fd, O_RDWR);
    char buf[64];
    CHECK(fd >= 0);
    CHECK_INT(ctl_log[0][0], TERM_CTL_OPEN); /* the launcher hears of the open */
    CHECK_INT(ctl_log[0][1], 0);
    type("ecgo\x7f\x7f\x7f"
         "cho hi\rnext");
    CHECK_STR(screen, "ecgo\b \b\b \b\b \bcho hi\r\nnext");
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 8);
    CHECK(!memcmp(buf, "echo hi\n", 8));
    wait_input = (const uint8_t *)"!\r";   /* typed while the reader waits */
    CHECK_INT(vfs_read(v, fd, buf, 3), 3); /* a line in parts */
    CHECK(!memcmp(buf, "nex", 3));
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 3);
    CHECK(!memcmp(buf, "t!\n", 3));
    type("\x04");
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 0); /* Ctrl-D at a line start */
    CHECK_INT(vfs_write(v, fd, "a\nb", 3), 3);
    CHECK(strstr(screen, "a\r\nb") != NULL);
}

static void terminal_raw_vmin_vtime(void)
{
    int fd;
    struct vfs *v = term_vfs(&fd, O_RDWR);
    struct term_termios t;
    char buf[16];
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCGETS, &t), 0);
    CHECK(t.c_lflag & TERM_ICANON);
    t.c_lflag &= ~(TERM_ICANON | TERM_ECHO);
    t.c_cc[TERM_VMIN] = 2, t.c_cc[TERM_VTIME] = 0;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCSETS, &t), 0);
    CHECK_INT(ctl_log[nctl - 1][0], TERM_CTL_JOB); /* settings: a job-control check */
    CHECK_INT(ctl_log[nctl - 1][1], 2);
    type("x");
    CHECK_INT(vfs_poll(v, fd, POLLIN), POLLOUT & 0); /* fewer than VMIN: poll says no */
    wait_input = (const uint8_t *)"y";
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 2); /* VMIN 2: waits for the second */
    CHECK(!memcmp(buf, "xy", 2));
    CHECK_STR(screen, "");                         /* no echo */
    t.c_cc[TERM_VMIN] = 0, t.c_cc[TERM_VTIME] = 5; /* half a second for the first byte */
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCSETSW, &t), 0);
    uint64_t before = tl_clock_ns;
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 0);
    CHECK(tl_clock_ns - before >= 500000000ull);
    t.c_cc[TERM_VMIN] = 0, t.c_cc[TERM_VTIME] = 0; /* a poll */
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCSETS, &t), 0);
    waits = 0;
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 0);
    CHECK_INT(waits, 0);
    type("abc");
    int n = 0;
    CHECK_INT(vfs_ioctl(v, fd, TERM_FIONREAD, &n), 0);
    CHECK_INT(n, 3);
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), 3);
}

static void terminal_nonblock_and_stop(void)
{
    int fd;
    struct vfs *v = term_vfs(&fd, O_RDWR | O_NONBLOCK);
    char buf[8];
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), -EAGAIN);
    type("\x13"); /* Ctrl-S: output stops */
    CHECK_INT(vfs_poll(v, fd, POLLOUT), 0);
    CHECK_INT(vfs_write(v, fd, "zz", 2), -EAGAIN);
    type("\x11"); /* Ctrl-Q */
    CHECK_INT(vfs_poll(v, fd, POLLOUT), POLLOUT);
    CHECK_INT(vfs_write(v, fd, "zz", 2), 2);
    type("q\r");
    CHECK_INT(vfs_poll(v, fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
}

static void terminal_signals_and_jobs(void)
{
    int fd;
    struct vfs *v = term_vfs(&fd, O_RDWR);
    char buf[8];
    type("abc\x03");
    CHECK_INT(nsignals, 1);
    CHECK_INT(signals[0], 2);
    CHECK(strstr(screen, "^C") != NULL);
    type("\x1a\x1c");
    CHECK_INT(nsignals, 3);
    CHECK_INT(signals[1], 20);
    CHECK_INT(signals[2], 3);
    struct term_winsize ws = {40, 100, 0, 0}, got;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCSWINSZ, &ws), 0);
    CHECK_INT(signals[3], 28); /* SIGWINCH */
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCSWINSZ, &ws), 0);
    CHECK_INT(nsignals, 4); /* unchanged: no signal */
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCGWINSZ, &got), 0);
    CHECK_INT(got.ws_row, 40);
    CHECK_INT(got.ws_col, 100);
    job_answer = -EIO; /* a background read the runtime refuses */
    CHECK_INT(vfs_read(v, fd, buf, sizeof(buf)), -EIO);
    job_answer = 0;
    int pg = 0;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCGPGRP, &pg), 0);
    CHECK_INT(pg, 42);
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCGSID, &pg), 0);
    CHECK_INT(pg, 7);
    pg = 42;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCSPGRP, &pg), 0);
    pg = 5;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCSPGRP, &pg), -EPERM);
    pg = -1;
    CHECK_INT(vfs_ioctl(v, fd, TERM_TIOCSPGRP, &pg), -EINVAL);
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCFLSH, (void *)9), -EINVAL);
    CHECK_INT(vfs_ioctl(v, fd, TERM_TCXONC, (void *)7), -EINVAL);
    CHECK_INT(vfs_ioctl(v, fd, 0x5499, NULL), -ENOTTY);
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_SET), -ESPIPE);
    struct linux_stat st;
    CHECK_INT(vfs_fstat(v, fd, &st), 0);
    CHECK_INT(st.st_mode & S_IFMT, S_IFCHR);
}

static void terminal_server_checks(void)
{
    struct term_server_ops ops = {.out = dev_out, .notify = notify};
    uint8_t area[TERM_AREA_BYTES];
    term_server_init(&srv, &ops);
    CHECK_INT(term_server_handle(&srv, TERM_OP_READ, 1, NULL), -EINVAL); /* no area */
    CHECK_INT(term_server_handle(&srv, TERM_OP_READ, TERM_AREA_BYTES + 1, area), -EINVAL);
    CHECK_INT(term_server_handle(&srv, TERM_OP_WRITE, TERM_AREA_BYTES + 1, area), -EINVAL);
    CHECK_INT(term_server_handle(&srv, TERM_OP_TCSETS, 3, area), -EINVAL);
    CHECK_INT(term_server_handle(&srv, 999, 0, area), -ENOSYS);
    CHECK_INT(term_server_handle(&srv, 0, 0, area), -ENOSYS);
}

static void terminal_without_host(void)
{
    int fd;
    tl_env.terminal = NULL;
    struct vfs *v = tl_vfs("dir /dev { terminal }");
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/tty", O_RDWR, 0);
    CHECK_INT(fd, -ENXIO);
    CHECK_CONTAINS(tl_vfs_error("terminal a b"), "unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("terminal size=1"), "unknown property 'size'");
}

int main(void)
{
    RUN(terminal_canonical);
    RUN(terminal_raw_vmin_vtime);
    RUN(terminal_nonblock_and_stop);
    RUN(terminal_signals_and_jobs);
    RUN(terminal_server_checks);
    RUN(terminal_without_host);
    return tl_finish();
}
