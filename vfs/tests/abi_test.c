/*
 * Checks vfs/linux.h against the host's headers: every constant in abi_list.h has the
 * host's value, and struct stat, statfs, dirent64 and flock have the host's layout
 * (the host is Linux x86_64, the ABI the runtime speaks). One PASS/FAIL line per
 * constant group and structure.
 */
#include <stdio.h>
#include <string.h>
#include <vfs/linux.h>

#include "abi_list.h"

extern const long abi_host_values[];
extern const char *const abi_names[];
extern const unsigned long abi_count;
extern const long abi_host_prefixed[];
extern const char *const abi_prefixed_names[];
extern const unsigned long abi_prefixed_count;
extern const long abi_host_wait[];
extern const unsigned long abi_wait_count;
extern const long abi_host_layout[];
extern const char *const abi_layout_names[];
extern const unsigned long abi_layout_count;
unsigned long long abi_host_makedev(unsigned ma, unsigned mi);

#define VALUE(name) (long)(name),
static const long vfs_values[] = {ABI_CONSTANTS(VALUE)};
#define PREFIXED(name) (long)(LINUX_##name),
static const long vfs_prefixed[] = {ABI_PREFIXED(PREFIXED)};
static const long vfs_wait[] = {ABI_WAIT_STATUSES(LINUX_W_EXITCODE, LINUX_W_STOPCODE,
                                                  LINUX_WCOREFLAG, LINUX_W_CONTINUED,
                                                  LINUX_WTERMSIG, LINUX_WEXITSTATUS)};

#define LAYOUT(expr) (long)(expr),
static const long vfs_layout[] = {ABI_LAYOUT(LAYOUT, linux_stat, linux_statfs, linux_dirent64,
                                             linux_flock, linux_statx, linux_iovec)};

int main(void)
{
    unsigned long i;
    unsigned bad = 0, failed = 0;
    if (sizeof vfs_values / sizeof vfs_values[0] != abi_count) {
        printf("FAIL abi_constants: list lengths differ\n");
        return 1;
    }
    for (i = 0; i < abi_count; i++) {
        if (vfs_values[i] != abi_host_values[i]) {
            printf("FAIL abi_%s: vfs/linux.h has %ld, the host %ld\n", abi_names[i], vfs_values[i],
                   abi_host_values[i]);
            bad++;
        }
    }
    if (bad)
        failed++;
    else
        printf("PASS abi_constants (%lu values)\n", abi_count);
    bad = 0;
    for (i = 0; i < abi_prefixed_count; i++) {
        if (i >= sizeof vfs_prefixed / sizeof vfs_prefixed[0] ||
            vfs_prefixed[i] != abi_host_prefixed[i]) {
            printf("FAIL abi_LINUX_%s: differs from the host's %s\n", abi_prefixed_names[i],
                   abi_prefixed_names[i]);
            bad++;
        }
    }
    if (bad)
        failed++;
    else
        printf("PASS abi_prefixed_constants (%lu values)\n", abi_prefixed_count);
    bad = 0;
    for (i = 0; i < abi_wait_count; i++) {
        if (i >= sizeof vfs_wait / sizeof vfs_wait[0] || vfs_wait[i] != abi_host_wait[i]) {
            printf("FAIL abi_wait_status: case %lu is %#lx in vfs/linux.h, %#lx on the host\n", i,
                   i < sizeof vfs_wait / sizeof vfs_wait[0] ? vfs_wait[i] : 0, abi_host_wait[i]);
            bad++;
        }
    }
    if (bad)
        failed++;
    else
        printf("PASS abi_wait_status (%lu statuses)\n", abi_wait_count);
    bad = 0;
    for (i = 0; i < abi_layout_count; i++) {
        if (vfs_layout[i] != abi_host_layout[i]) {
            printf("FAIL abi_layout: %s is %ld in vfs/linux.h, %ld on the host\n",
                   abi_layout_names[i], vfs_layout[i], abi_host_layout[i]);
            bad++;
        }
    }
    if (bad)
        failed++;
    else
        printf("PASS abi_layout (%lu sizes and offsets)\n", abi_layout_count);
    if (LINUX_MAKEDEV(1, 3) != abi_host_makedev(1, 3) ||
        LINUX_MAKEDEV(0x12345, 0x6789ab) != abi_host_makedev(0x12345, 0x6789ab)) {
        printf("FAIL abi_makedev: LINUX_MAKEDEV differs from the host's makedev\n");
        failed++;
    } else {
        printf("PASS abi_makedev\n");
    }
    return failed ? 1 : 0;
}
