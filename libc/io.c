/*
 * Standard streams until the VFS and the terminal arrive: fd 1 and 2 go to the
 * component's log, fd 0 is empty (reads give end of file, as from /dev/null). Every
 * other descriptor is EBADF. None of them is a terminal.
 */
#include "runtime.h"

long rt_write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2)
        return -L_EBADF;
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
