/*
 * random and urandom: the character devices /dev/random (1:8) and /dev/urandom (1:9)
 * (README.md). Reads are filled by the host's generator (vfs_env.random); writes are
 * taken and dropped, as Linux does for writes that only mix into the pool; both are
 * always ready. Without a generator the devices cannot be opened (ENODEV): nothing is
 * faked. This folder exports two plugins, one per device, which differ only in name
 * and device number (the two behave the same since Linux 5.6 too).
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include <vfs_plugins.h>

static int random_open(struct vfs_file *f)
{
    const struct vfs_env *env = f->node->fs->env;
    return env->random ? 0 : -ENODEV;
}

static int64_t random_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    const struct vfs_env *env = f->node->fs->env;
    if (n)
        env->random(env->ctx, buf, n);
    return (int64_t)n;
}

static int64_t random_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    return (int64_t)n;
}

static int64_t random_llseek(struct vfs_file *f, int64_t off, int whence)
{
    f->pos = 0;
    return 0;
}

static const struct vfs_fs_ops random_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = random_open,
    .read = random_read,
    .write = random_write,
    .llseek = random_llseek,
};

static int random_mount_minor(const struct vfs_mount_args *a, struct vfs_fs **out, unsigned minor,
                              const char *usage)
{
    static const char *const props[] = {"mode", NULL};
    struct vfs_simple_fs *s;
    uint32_t mode = 0666;
    int rc = vfs_cfg_check(a, 0, props, usage);
    if (rc == 0)
        rc = vfs_cfg_mode(a->cfg, "mode", &mode, a->err);
    if (rc == 0)
        rc = vfs_simple_mount(a, &random_ops, sizeof *s, S_IFCHR | mode, &s);
    if (rc < 0)
        return rc;
    s->rdev = LINUX_MAKEDEV(1, minor);
    *out = &s->fs;
    return 0;
}

static int random_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    return random_mount_minor(a, out, 8, "random [NAME] [mode=0666]");
}

static int urandom_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    return random_mount_minor(a, out, 9, "urandom [NAME] [mode=0666]");
}

const struct vfs_plugin vfs_plugin_random = {
    .name = "random",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "random",
    .mount = random_mount,
};

const struct vfs_plugin vfs_plugin_urandom = {
    .name = "urandom",
    .kind = VFS_PLUGIN_NODE,
    .default_name = "urandom",
    .mount = urandom_mount,
};
