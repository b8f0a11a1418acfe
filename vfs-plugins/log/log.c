/*
 * log: a character device whose writes go to the component's log (README.md), one
 * env->log line per line written. Each open file description collects its own line:
 * a newline sends what came before it (without the newline); a line that fills the
 * buffer (LOG_LINE_MAX bytes) is sent as it is, and a partial line is sent when the
 * description is closed. Reads find the end at once; seeks land on 0 (like /dev/null).
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

#define LOG_LINE_MAX 256 /* bytes of one line sent at most (without the NUL) */

/* One description's partial line (f->priv). */
struct log_line {
    size_t len;
    bool cut; /* the last line was sent because it filled the buffer */
    char buf[LOG_LINE_MAX + 1];
};

static void log_flush(const struct vfs_env *env, struct log_line *l)
{
    l->buf[l->len] = '\0';
    env->log(env->ctx, l->buf);
    l->len = 0;
}

static int log_open(struct vfs_file *f)
{
    const struct vfs_env *env = f->node->fs->env;
    struct log_line *l;
    if (!env->log)
        return -ENODEV; /* the host gives no log to write to */
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return 0;
    l = vfs_zalloc(env, sizeof *l);
    if (!l)
        return -ENOMEM;
    f->priv = l;
    return 0;
}

static void log_close(struct vfs_file *f)
{
    const struct vfs_env *env = f->node->fs->env;
    struct log_line *l = f->priv;
    if (!l)
        return;
    if (l->len)
        log_flush(env, l);
    vfs_free(env, l, sizeof *l);
}

static int64_t log_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    return 0;
}

static int64_t log_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    const struct vfs_env *env = f->node->fs->env;
    struct log_line *l = f->priv;
    const char *p = buf;
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (l->len || !l->cut) /* a newline right after a cut ends that line */
                log_flush(env, l);
            l->cut = false;
            continue;
        }
        if (p[i] == '\0')
            continue; /* it would end the line early */
        l->cut = false;
        l->buf[l->len++] = p[i];
        if (l->len == LOG_LINE_MAX) {
            log_flush(env, l);
            l->cut = true;
        }
    }
    return (int64_t)n;
}

static int64_t log_llseek(struct vfs_file *f, int64_t off, int whence)
{
    f->pos = 0;
    return 0;
}

static const struct vfs_fs_ops log_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = log_open,
    .close = log_close,
    .read = log_read,
    .write = log_write,
    .llseek = log_llseek,
};

static int log_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, "log [NAME] [mode=0666]");
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &log_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(1, 11); /* Linux's /dev/kmsg, the device for log lines */
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin vfs_plugin_log = {
    .name = "log",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "log",
    .mount = log_mount,
};
