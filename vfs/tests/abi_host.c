/*
 * The host side of vfs_abi_test: the values of the constants and structure layouts of
 * abi_list.h as the host's (glibc's and Linux's) headers define them. Compiled with
 * _GNU_SOURCE; never includes vfs/linux.h.
 */
#include <asm/prctl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/magic.h>
#include <linux/romfs_fs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi_list.h"

ABI_GROUP(abi_host_constants, ABI_CONSTANTS);
ABI_GROUP(abi_host_prefixed, ABI_PREFIXED);
const long abi_host_wait[] = {
    ABI_WAIT_STATUSES(W_EXITCODE, W_STOPCODE, WCOREFLAG, __W_CONTINUED, WTERMSIG, WEXITSTATUS)};
const unsigned long abi_wait_count = sizeof abi_host_wait / sizeof abi_host_wait[0];

#define LAYOUT(expr) (long)(expr),
#define LAYOUT_NAME(expr) #expr,
const long abi_host_layout[] = {ABI_LAYOUT(LAYOUT, stat, statfs, dirent64, flock, statx, iovec)};
const char *const abi_layout_names[] = {
    ABI_LAYOUT(LAYOUT_NAME, stat, statfs, dirent64, flock, statx, iovec)};
const unsigned long abi_layout_count = sizeof abi_host_layout / sizeof abi_host_layout[0];

unsigned long long abi_host_makedev(unsigned ma, unsigned mi);
unsigned long long abi_host_makedev(unsigned ma, unsigned mi)
{
    return makedev(ma, mi);
}
