/*
 * The PASS/FAIL lines of the hostile programs that speak raw requests (fsattack.c,
 * fscreds.c): check() prints "PASS name: why" or "FAIL name: why" and counts them in
 * passed and failed (one translation unit each: the definitions are static).
 */
#ifndef TESTS_HOSTILE_HOSTILE_CHECK_H
#define TESTS_HOSTILE_HOSTILE_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static unsigned passed, failed;

static void check(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check(const char *name, int ok, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name, why);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

#endif
