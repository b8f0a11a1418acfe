/*
 * uart: a VFS node plugin of the runtime (not of vfs-plugins/, since it needs an I/O-port
 * capability): a write-only character device that sends bytes through a 16550 UART
 * whose ports the process holds. `tools/capix exec` carries a program's stdout and
 * stderr this way, each on its own serial port. The terminal server replaces it for
 * interactive use.
 *
 *     uart NAME io=CAPNAME      # CAPNAME: an `io` capability the launcher was given
 *
 * Reads give end of file; the device is 4:64 (ttyS0's numbers), mode 0222, and not a
 * terminal (ioctl requests other than the VFS's own get ENOTTY).
 */
#include <capix/config.h>
#include <string.h>
#include <vfs/plugin.h>
#include "runtime.h"

struct uart_fs {
    struct vfs_simple_fs s;
    uint64_t slot, port;
};

static int64_t uart_read(struct vfs_file *f, void *buf, size_t n, uint64_t off)
{
    return 0;
}

static int64_t uart_write(struct vfs_file *f, const void *buf, size_t n, uint64_t *off)
{
    struct uart_fs *u = (struct uart_fs *)(void *)f->node->fs;
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        uint64_t lsr = 0;
        do {
            if (cx_io_in(u->slot, u->port + 5, 1, &lsr))
                return i ? (int64_t)i : -EIO;
        } while (!(lsr & 0x20)); /* transmitter holding register empty */
        if (cx_io_out(u->slot, u->port, 1, p[i]))
            return i ? (int64_t)i : -EIO;
    }
    return (int64_t)n;
}

static int uart_open(struct vfs_file *f)
{
    f->stream = true;
    return 0;
}

static const struct vfs_fs_ops uart_ops = {
    .getattr = vfs_simple_getattr,
    .setattr = vfs_simple_setattr,
    .statfs = vfs_simple_statfs,
    .unmount = vfs_simple_unmount,
    .open = uart_open,
    .read = uart_read,
    .write = uart_write,
};

static int uart_mount(const struct vfs_mount_args *a, struct vfs_fs **out)
{
    static const char *const props[] = {"io", NULL};
    int rc = vfs_cfg_check(a, 0, props, "uart NAME io=CAPNAME");
    if (rc < 0)
        return rc;
    const char *io = cfg_prop(a->cfg, "io");
    if (!io)
        return vfs_config_error(a->err, a->cfg, NULL,
                                "uart needs io=CAPNAME, as in: uart NAME "
                                "io=CAPNAME");
    unsigned i = 0;
    while (i < 4 && strcmp(rt->io[i].name, io))
        i++;
    if (i == 4 || !io[0])
        return vfs_config_error(a->err, a->cfg, cfg_prop_value(a->cfg, "io"),
                                "uart: the launcher holds no I/O-port capability called '%s'", io);
    struct vfs_simple_fs *s;
    rc = vfs_simple_mount(a, &uart_ops, sizeof(struct uart_fs), S_IFCHR | 0222, &s);
    if (rc < 0)
        return rc;
    struct uart_fs *u = (struct uart_fs *)(void *)s;
    u->slot = rt->io[i].slot;
    u->port = rt->io[i].first;
    s->rdev = LINUX_MAKEDEV(4, 64);
    *out = &s->fs;
    return 0;
}

const struct vfs_plugin rt_plugin_uart = {
    .name = "uart",
    .kind = VFS_PLUGIN_NODE,
    .default_name = NULL,
    .mount = uart_mount,
};
