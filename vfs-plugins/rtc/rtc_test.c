/*
 * Host tests of the rtc plugin (README.md): the text for chosen times (leap days,
 * century years, the epoch), the date conversion against the host's gmtime over a
 * wide range, the clock moving between reads at offset 0, attributes and errors.
 */
#include "../../vfs/tests/testlib.h"

#include <time.h>

#define SEC 1000000000ull

static const char *rtc_at(struct vfs *v, uint64_t secs)
{
    tl_clock_ns = secs * SEC;
    return tl_read(v, "/dev/rtc", NULL);
}

static void rtc_text(void)
{
    struct vfs *v = tl_vfs("dir /dev { rtc }");
    CHECK(v);
    CHECK_STR(rtc_at(v, 0), "1970-01-01 00:00:00\n");
    CHECK_STR(rtc_at(v, 1700000000), "2023-11-14 22:13:20\n");
    CHECK_STR(rtc_at(v, 951827696), "2000-02-29 12:34:56\n");
    CHECK_STR(rtc_at(v, 1735689599), "2024-12-31 23:59:59\n");
    CHECK_STR(rtc_at(v, 4107542400), "2100-03-01 00:00:00\n"); /* 2100 has no Feb 29 */
    CHECK_STR(rtc_at(v, 68256000), "1972-03-01 00:00:00\n");
}

/* Every 7777777 seconds from 1970 to about 2500, against the host's gmtime. */
static void rtc_against_gmtime(void)
{
    struct vfs *v = tl_vfs("dir /dev { rtc }");
    uint64_t t;
    char want[64];
    CHECK(v);
    for (t = 0; t < 16725225600ull; t += 7777777) {
        time_t tt = (time_t)t;
        struct tm *tm = gmtime(&tt);
        CHECK(tm);
        strftime(want, sizeof want, "%Y-%m-%d %H:%M:%S\n", tm);
        CHECK_STR(rtc_at(v, t), want);
    }
}

static void rtc_reads(void)
{
    struct vfs *v = tl_vfs("dir /dev { rtc }");
    char buf[64];
    int fd;
    CHECK(v);
    tl_clock_ns = 1700000000 * SEC;
    fd = vfs_openat(v, AT_FDCWD, "/dev/rtc", O_RDONLY, 0);
    CHECK(fd >= 0);
    CHECK_INT(vfs_read(v, fd, buf, 5), 5);
    tl_clock_ns += 61 * SEC; /* a read in the middle continues the same text */
    CHECK_INT(vfs_read(v, fd, buf + 5, sizeof buf - 5), 15);
    buf[20] = '\0';
    CHECK_STR(buf, "2023-11-14 22:13:20\n");
    CHECK_INT(vfs_read(v, fd, buf, sizeof buf), 0);
    CHECK_INT(vfs_pread(v, fd, buf, sizeof buf, 0), 20); /* from the start: the time now */
    buf[20] = '\0';
    CHECK_STR(buf, "2023-11-14 22:14:21\n");
    CHECK_INT(vfs_lseek(v, fd, 0, SEEK_END), 20);
    CHECK_INT(vfs_write(v, fd, "x", 1), -EBADF);
    CHECK_INT(vfs_close(v, fd), 0);
}

static void rtc_attributes(void)
{
    struct vfs *v = tl_vfs("dir /dev { rtc; rtc clock mode=0400 }");
    struct linux_stat st;
    CHECK(v);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/rtc", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0444);
    CHECK_INT(st.st_size, 20);
    CHECK_INT(vfs_fstatat(v, AT_FDCWD, "/dev/clock", &st, 0), 0);
    CHECK_INT(st.st_mode, S_IFREG | 0400);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/rtc", O_WRONLY, 0), -EROFS);
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/rtc", O_RDONLY | O_TRUNC, 0), -EROFS);
    CHECK_INT(vfs_fchmodat(v, AT_FDCWD, "/dev/rtc", 0644, 0), -EROFS);
    tl_alloc_fail_after = 1; /* the description, then not its text */
    CHECK_INT(vfs_openat(v, AT_FDCWD, "/dev/rtc", O_RDONLY, 0), -ENOMEM);
}

static void rtc_config_errors(void)
{
    CHECK_CONTAINS(tl_vfs_error("rtc a b"), "test.cfg:2:7: rtc: unexpected value 'b'");
    CHECK_CONTAINS(tl_vfs_error("rtc utc=1"), "unknown property 'utc'");
    CHECK_CONTAINS(tl_vfs_error("rtc\nrtc"), "'rtc' is given twice");
}

int main(void)
{
    RUN(rtc_text);
    RUN(rtc_against_gmtime);
    RUN(rtc_reads);
    RUN(rtc_attributes);
    RUN(rtc_config_errors);
    return tl_finish();
}
