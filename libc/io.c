/*
 * Standard streams until the VFS and the terminal arrive: fd 1 and 2 go to the
 * component's log, or to a 16550 UART when the launcher gives one (tools/capix exec
 * carries stdout and stderr on their own serial ports); fd 0 is empty (reads give end
 * of file, as from /dev/null). Every other descriptor is EBADF. None is a terminal.
 */
#include "runtime.h"

/* Sends bytes through a 16550 whose I/O ports the process holds. */
static long uart_write(uint64_t io, uint64_t port, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t lsr = 0;
        do {
            if (cx_io_in(io, port + 5, 1, &lsr))
                return -L_EIO;
        } while (!(lsr & 0x20)); /* transmitter holding register empty */
        if (cx_io_out(io, port, 1, p[i]))
            return -L_EIO;
    }
    return (long)len;
}

long rt_write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2)
        return -L_EBADF;
    uint64_t io = fd == 1 ? rt->slot_stdout_uart : rt->slot_stderr_uart;
    if (io)
        return uart_write(io, fd == 1 ? rt->stdout_port : rt->stderr_port, buf, len);
    if (len && cx_log_write(rt->slot_log, buf, len))
        return -L_EFAULT;
    return (long)len;
}

long rt_writev(int fd, const struct linux_iovec *iov, int n)
{
    if (n < 0 || n > 1024)
        return -L_EINVAL;
    long total = 0;
    for (int i = 0; i < n; i++) {
        long r = rt_write(fd, (const void *)iov[i].base, iov[i].len);
        if (r < 0)
            return total ? total : r;
        total += r;
    }
    return total;
}

long rt_read(int fd, void *buf, size_t len)
{
    if (fd == 0)
        return 0;
    return -L_EBADF;
}

long rt_ioctl(int fd, uint64_t req, uint64_t arg)
{
    if (fd < 0 || fd > 2)
        return -L_EBADF;
    return -L_ENOTTY; /* no terminal yet; an unknown request is ENOTTY as on Linux */
}
