/*
 * The PASS/FAIL lines of the static test programs in tests/posix, which run on the Linux
 * host and in capix and must print the same (one translation unit each: the definitions
 * are static). check() prints "PASS name" or "FAIL name: " and fmt with a and b.
 */
#ifndef TESTS_POSIX_PTEST_H
#define TESTS_POSIX_PTEST_H

#include <stdio.h>

static int passed, failed;

static void check(const char *name, int ok, const char *fmt, long a, long b)
{
    if (ok) {
        printf("PASS %s\n", name);
        passed++;
    } else {
        printf("FAIL %s: ", name);
        printf(fmt, a, b);
        printf("\n");
        failed++;
    }
    fflush(stdout);
}

#endif
