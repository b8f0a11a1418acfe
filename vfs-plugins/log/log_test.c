/*
 * Host tests of the log plugin (README.md): lines written to the device reach
 * env->log without their newline, long lines are cut at the buffer size, partial
 * lines are sent at close, reads find the end.
 */
#include "../../vfs/tests/testlib.h"

static char logged[4096];
static unsigned nlogged;

/* Collects every line as "[LINE]" in logged. */
static void capture(void *ctx, const char *line)
{
    size_t used = strlen(logged);
    snprintf(logged + used, sizeof logged - used, "[%s]", line);
    nlogged++;
}

static struct vfs *log_vfs(const char *text)
{
    logged[0] = '\0';
    nlogged = 0;
    tl_env.log = capture;
    return tl_vfs(text);
}

static void log_lines(void)
{
    struct vfs *v = log_vfs("dir /dev { log }");
    int fd, fd2;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/log", O_WRONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_write(v, fd, "hello\nwor", 9), 9);
    CHECK_STR(logged, "[hello]");
    CHECK_INT(vfs_write(v, fd, "ld\n\nx", 5), 5);
    CHECK_STR(logged, "[hello][world][]");
    fd2 = vfs_dup(v, fd); /* the same description: the same line */
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_STR(logged, "[hello][world][]");
    CHECK_INT(vfs_write(v, fd2, "y\0z", 3), 3); /* NUL bytes are dropped */
    CHECK_INT(vfs_pwrite(v, fd2, "!", 1, 100), 1);
    CHECK_INT(vfs_close(v, fd2), 0); /* the last close sends the partial line */
    CHECK_STR(logged, "[hello][world][][xyz!]");
    CHECK_INT(tl_write(v, "/dev/log", "via open, write, close\n"), 0);
    CHECK_STR(logged, "[hello][world][][xyz!][via open, write, close]");
}

static void log_two_descriptions(void)
{
    struct vfs *v = log_vfs("log /dev/log");
    int a, b;
    CHECK(v);
    a = vfs_openat(v, AT_FDCWD, "/dev/log", O_WRONLY, 0);
    b = vfs_openat(v, AT_FDCWD, "/dev/log", O_RDWR, 0);
    CHECK(a >= 0 && b >= 0);
    CHECK_INT(vfs_write(v, a, "aa", 2), 2);
    CHECK_INT(vfs_write(v, b, "bb", 2), 2);
    CHECK_INT(vfs_write(v, a, "A\n", 2), 2);
    CHECK_INT(vfs_write(v, b, "B\n", 2), 2);
    CHECK_STR(logged, "[aaA][bbB]");
    CHECK_INT(vfs_close(v, a), 0);
    CHECK_INT(vfs_close(v, b), 0);
    CHECK_INT(nlogged, 2);
}

static void log_long_lines(void)
{
    struct vfs *v = log_vfs("log");
    char line[700], want[1024];
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/log", O_WRONLY, 0);
    CHECK(fd >= 0);
    memset(line, 'a', 300);
    line[300] = '\n';
    CHECK_INT(vfs_write(v, fd, line, 301), 301);
    CHECK_INT(nlogged, 2);
    memset(want, 0, sizeof want);
    want[0] = '[';
    memset(want + 1, 'a', 256);
    memcpy(want + 257, "][", 2);
    memset(want + 259, 'a', 44);
    want[303] = ']';
    CHECK_STR(logged, want);
    /* a line of exactly the buffer's size: its newline adds no empty line */
    logged[0] = '\0';
    nlogged = 0;
    memset(line, 'b', 256);
    line[256] = '\n';
    CHECK_INT(vfs_write(v, fd, line, 257), 257);
    CHECK_INT(nlogged, 1);
    CHECK_INT(strlen(logged), 258);
    CHECK_INT(vfs_write(v, fd, "\n", 1), 1); /* but a newline after that is a line */
    CHECK_INT(nlogged, 2);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(nlogged, 2);
}

static void log_reads_and_attributes(void)
{
    struct vfs *v = log_vfs("dir /dev { log; log kmsg mode=0620 }");
    struct linux_stat st;
    char buf[8];
    int fd;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/log", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 0);
    CHECK_INT(vfs_write(v, fd, "x", 1), -EBADF);
    CHECK_INT(vfs_lseek(v, fd, 10, SEEK_SET), 0);
    CHECK_INT(vfs_poll(v, fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
    CHECK_INT(vfs_ioctl(v, fd, TCGETS, buf), -ENOTTY);
    CHECK_INT(vfs_fsync(v, fd, false), -EINVAL);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/log", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 11));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/kmsg", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0620);
    CHECK_STR(tl_ls(v, "/dev"), "log kmsg");
    CHECK_INT(nlogged, 0);
}

static void log_without_host_log(void)
{
    struct vfs *v;
    struct linux_stat st;
    tl_env.log = NULL;
    v = tl_vfs("log");
    tl_env.log = capture;
    CHECK(v);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/log", O_WRONLY, 0), -ENODEV);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/log", O_RDONLY, 0), -ENODEV);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/log", &st, 0), 0);
}

static void log_out_of_memory(void)
{
    struct vfs *v = log_vfs("log");
    CHECK(v);
    tl_alloc_fail_after = 1; /* the description, then not its line buffer */
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/log", O_WRONLY, 0), -ENOMEM);
}

static void log_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("log a b"), "test.cfg:2:7: log: unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("log size=1"), "unknown property 'size'");
    CHECK_CONTAINS(tl_vfs_error("log mode=x"), "mode: expected an octal mode");
}

int main(void)
{
    RUN(log_lines);
    RUN(log_two_descriptions);
    RUN(log_long_lines);
    RUN(log_reads_and_attributes);
    RUN(log_without_host_log);
    RUN(log_out_of_memory);
    RUN(log_config_errors);
    return tl_finish();
}
