/*
 * The report of the test programs that run on the Linux host and in capix and are
 * compared line for line (tests/posix/host-vs-capix.sh): one "PASS name" or
 * "FAIL name: why (errno N)" line per case, flushed at once so that a crash later
 * loses nothing; `failed` is the exit status. Header only, for one file each.
 */
#ifndef CAPIX_TESTS_POSIX_CHECK_H
#define CAPIX_TESTS_POSIX_CHECK_H

#include <errno.h>
#include <stdio.h>

static int failed;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS %s\n", name);
    } else {
        failed = 1;
        printf("FAIL %s: %s (errno %d)\n", name, why, errno);
    }
    fflush(stdout);
}

#endif
