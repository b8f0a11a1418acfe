/*
 * rtc: a read-only file holding the current date and time, "YYYY-MM-DD HH:MM:SS\n" in
 * UTC (README.md), as Genode's rtc file system shows it. The text is made from
 * env->now_ns when the file is opened and again by every read at offset 0, so a reader
 * that keeps the file open and reads from the start again sees the clock move.
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#define RTC_LEN 20 /* "YYYY-MM-DD HH:MM:SS\n" */

/* One description's text (f->priv). */
struct rtc_text {
    char text[RTC_LEN];
};

static bool leap_year(uint64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void put_num(char *p, uint64_t v, int digits)
{
    while (digits-- > 0) {
        p[digits] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Writes the UTC date and time of secs (since 1970-01-01 00:00:00) as RTC_LEN bytes. */
static void rtc_format(uint64_t secs, char *out)
{
    static const uint8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    uint64_t days = secs / 86400, rest = secs % 86400, year = 1970;
    unsigned month = 0;
    for (;;) {
        uint64_t len = leap_year(year) ? 366 : 365;
        if (days < len)
            break;
        days -= len;
        year++;
    }
    for (;;) {
        uint64_t len = mdays[month] + (month == 1 && leap_year(year) ? 1 : 0);
        if (days < len)
            break;
        days -= len;
        month++;
    }
    memcpy(out, "0000-00-00 00:00:00\n", RTC_LEN);
    put_num(out, year % 10000, 4);
    put_num(out + 5, month + 1, 2);
    put_num(out + 8, days + 1, 2);
    put_num(out + 11, rest / 3600, 2);
    put_num(out + 14, rest / 60 % 60, 2);
    put_num(out + 17, rest % 60, 2);
}

static void rtc_now(struct vfs_file *f)
{
    const struct vfs_env *env = f->node->fs->env;
    struct rtc_text *t = f->priv;
    rtc_format(env->now_ns ? env->now_ns(env->ctx) / 1000000000u : 0, t->text);
}

static int rtc_open(struct vfs_file *f)
{
    struct rtc_text *t = vfs_zalloc(f->node->fs->env, sizeof *t);
    if (!t)
        return -ENOMEM;
    f->priv = t;
    rtc_now(f);
    return 0;
}

static void rtc_close(struct vfs_file *f)
{
    vfs_free(f->node->fs->env, f->priv, sizeof(struct rtc_text));
}

static int64_t rtc_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    struct rtc_text *t = f->priv;
    if (off == 0)
        rtc_now(f);
    if (off >= RTC_LEN)
        return 0;
    if (n > RTC_LEN - off)
        n = (size_t)(RTC_LEN - off);
    memcpy(buf, t->text + off, n);
    return (int64_t)n;
}

static int rtc_fsync(struct vfs_file *f, bool datasync)
{
    return 0;
}

static const struct vfs_fs_ops rtc_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = rtc_open,
    .close = rtc_close,
    .read = rtc_read,
    .fsync = rtc_fsync,
};

static int rtc_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0444;
    int rc = vfs_cfg_check(a, 0, props, "rtc [NAME] [mode=0444]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &rtc_ops, sizeof *s, S_IFREG | mode, &s);
    if (rc < 0)
        return rc;
    s->size = RTC_LEN;
    s->fs.flags = VFS_FS_RDONLY;
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_rtc = {
    .name = "rtc",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "rtc",
    .mount = rtc_mount,
};
