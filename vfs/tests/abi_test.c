/*
 * Checks vfs/linux.h against the host's headers: every constant in abi_list.h has the
 * host's value (glibc's, abi_host.c, or the kernel uapi headers', abi_uapi.c), and struct
 * stat, statfs, dirent64 and flock have the host's layout (the host is Linux x86_64, the
 * ABI the runtime speaks). One PASS/FAIL line per constant group and structure.
 */
#include <stdio.h>
#include <string.h>
#include <vfs/linux.h>

#include "abi_list.h"

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
static const long vfs_uapi[] = {ABI_UAPI_CONSTANTS(VALUE)};
static const long vfs_uapi_prefixed[] = {ABI_UAPI_PREFIXED(PREFIXED)};
static const long vfs_wait[] = {ABI_WAIT_STATUSES(LINUX_W_EXITCODE, LINUX_W_STOPCODE,
                                                  LINUX_WCOREFLAG, LINUX_W_CONTINUED,
                                                  LINUX_WTERMSIG, LINUX_WEXITSTATUS)};

#define LAYOUT(expr) (long)(expr),
static const long vfs_layout[] = {ABI_LAYOUT(LAYOUT, linux_stat, linux_statfs, linux_dirent64,
                                             linux_flock, linux_statx, linux_iovec)};

/* One group of constants: vfs/linux.h's values (n of them, the prefix LINUX_ or none
 * before each name) against the host's. Prints a FAIL line per value that differs, or
 * one PASS line; 1 when the group failed. */
static unsigned check_values(const char *group, const char *prefix, const long *vfs,
                             unsigned long n, const struct abi_group *host)
{
    unsigned long i;
    unsigned bad = 0;
    if (n != host->count) {
        printf("FAIL abi_%s: list lengths differ\n", group);
        return 1;
    }
    for (i = 0; i < n; i++) {
        if (vfs[i] != host->values[i]) {
            printf("FAIL abi_%s%s: vfs/linux.h has %ld, the host %ld\n", prefix, host->names[i],
                   vfs[i], host->values[i]);
            bad++;
        }
    }
    if (bad)
        return 1;
    printf("PASS abi_%s (%lu values)\n", group, n);
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

int main(void)
{
    unsigned long i;
    unsigned bad = 0, failed = 0;
    failed += check_values("constants", "", vfs_values, COUNT(vfs_values), &abi_host_constants);
    failed += check_values("prefixed_constants", "LINUX_", vfs_prefixed, COUNT(vfs_prefixed),
                           &abi_host_prefixed);
    failed += check_values("uapi_constants", "", vfs_uapi, COUNT(vfs_uapi), &abi_uapi_constants);
    failed += check_values("uapi_prefixed_constants", "LINUX_", vfs_uapi_prefixed,
                           COUNT(vfs_uapi_prefixed), &abi_uapi_prefixed);
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
