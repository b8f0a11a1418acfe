/*
 * Host tests of the random and urandom plugins (README.md): reads come from
 * env->random, writes are dropped, both are always ready, and without a generator
 * the devices cannot be opened.
 */
#include "../../vfs/tests/testlib.h"

static unsigned char next_byte;
static size_t asked;

/* A predictable "generator": counts up, so the test can see where bytes came from. */
static void counter(void *ctx, void *buf, size_t n)
{
    unsigned char *p = buf;
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = next_byte++;
    asked += n;
}

static struct vfs *random_vfs(const char *text)
{
    next_byte = 1;
    asked = 0;
    tl_env.random = counter;
    return tl_vfs(text);
}

static void random_reads(void)
{
    struct vfs *v = random_vfs("dir /dev { random; urandom }");
    unsigned char buf[8];
    int fd, fd2;
    CHECK(v);
    fd = vfs_openat(v, AT_FDCWD, "/dev/urandom", O_RDONLY, 0);
    fd2 = vfs_openat(v, AT_FDCWD, "/dev/random", O_RDWR | O_NONBLOCK, 0);
    CHECK(fd >= 0 && fd2 >= 0);
    CHECK_INT(vfs_read(v, fd, buf, 4), 4);
    CHECK(buf[0] == 1 && buf[3] == 4);
    CHECK_INT(vfs_read(v, fd2, buf, 8), 8);
    CHECK(buf[0] == 5 && buf[7] == 12);
    CHECK_INT(vfs_pread(v, fd, buf, 2, 1000), 2);
    CHECK(buf[0] == 13);
    CHECK_INT(vfs_read(v, fd, buf, 0), 0);
    CHECK_INT(asked, 14);
    CHECK_INT(vfs_write(v, fd2, "entropy", 7), 7); /* taken, mixed into nothing */
    CHECK_INT(vfs_write(v, fd, "x", 1), -EBADF);
    CHECK_INT(vfs_lseek(v, fd, 100, SEEK_SET), 0);
    CHECK_INT(vfs_poll(v, fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
    CHECK_INT(vfs_poll(v, fd2, POLLIN), POLLIN);
    CHECK_INT(vfs_ioctl(v, fd, TCGETS, buf), -ENOTTY);
    CHECK_INT(vfs_close(v, fd), 0);
    CHECK_INT(vfs_close(v, fd2), 0);
    CHECK_INT(tl_write(v, "/dev/urandom", "seed"), 0);
}

static void random_attributes(void)
{
    struct vfs *v = random_vfs("dir /dev { random; urandom; urandom other mode=0644 }");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/random", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 8));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/urandom", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0666);
    CHECK_INT(st.st_rdev, LINUX_MAKEDEV(1, 9));
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/other", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFCHR | 0644);
    CHECK_STR(tl_ls(v, "/dev"), "random urandom other");
}

static void random_without_generator(void)
{
    struct vfs *v;
    struct linux_stat st;
    int fd;
    tl_env.random = NULL;
    v = tl_vfs("dir /dev { random; urandom }");
    CHECK(v);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/urandom", O_RDONLY, 0), -ENODEV);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/random", O_WRONLY, 0), -ENODEV);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/random", &st, 0), 0);
    fd = vfs_openat(v, AT_FDCWD, "/dev/random", O_PATH, 0); /* names it without opening */
    CHECK(fd >= 0);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void random_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("random a b"), "test.cfg:2:10: random: unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("urandom a b"), "urandom [NAME] [mode=0666]");
    CHECK_CONTAINS(tl_vfs_error("urandom seed=1"), "unknown property 'seed'");
}

int main(void)
{
    RUN(random_reads);
    RUN(random_attributes);
    RUN(random_without_generator);
    RUN(random_config_errors);
    return tl_finish();
}
